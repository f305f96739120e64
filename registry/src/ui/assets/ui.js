// schemata registry UI: progressive enhancement only; every page works without it.
// Filter forms submit themselves while typing (debounced); a file picked in the tester fills the
// schema text area.
document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form[data-autosubmit]")) {
    let timer;
    form.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => form.requestSubmit(), 400);
    });
  }
  for (const input of document.querySelectorAll("input[data-fills]")) {
    input.addEventListener("change", async () => {
      const file = input.files && input.files[0];
      const target = document.getElementById(input.dataset.fills);
      if (file && target) target.value = await file.text();
    });
  }
});
