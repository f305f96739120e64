//! Every error message of `#[derive(Schema)]`, one compile-fail case per file in `tests/ui/`,
//! with the expected compiler output beside it (`TRYBUILD=overwrite` refreshes the `.stderr`).

#[test]
fn derive_errors() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
