//! Schema text for people: pretty-printed JSON with line numbers, simple syntax highlighting
//! (keys, strings, numbers, literals), each line an anchor (`{prefix}L{n}`) so findings and
//! change lists can link to the line their JSON pointer lands on.

use std::collections::BTreeMap;

use maud::{Markup, html};

/// The schema text as shown: pretty-printed when it is JSON (every Avro and JSON Schema text
/// is), else as stored. Key order is kept (serde_json's `preserve_order`).
pub(super) fn pretty(text: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(value) => serde_json::to_string_pretty(&value).unwrap_or_else(|_| text.to_owned()),
        Err(_) => text.to_owned(),
    }
}

/// The 1-based line a JSON pointer lands on in `text`, if it can be walked.
pub(super) fn line_of(text: &str, pointer: &str) -> Option<usize> {
    schemata_core::locate::locate(text, pointer).map(|(position, _)| position.line)
}

/// A token class of the highlighter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Key,
    Str,
    Num,
    Lit,
    Plain,
}

impl Class {
    fn css(self) -> &'static str {
        match self {
            Class::Key => "k",
            Class::Str => "s",
            Class::Num => "n",
            Class::Lit => "l",
            Class::Plain => "",
        }
    }
}

/// Splits one line of JSON text into classed tokens. Strings are closed within the line (pretty
/// JSON never breaks a string across lines; pasted text that does is shown plain past it).
fn tokens(line: &str) -> Vec<(Class, &str)> {
    let bytes = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut plain_from = 0;
    while i < bytes.len() {
        let start = i;
        let class = match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i = (i + 1).min(bytes.len());
                // An escape before a multi-byte character (only in pasted text) must not leave
                // `i` inside it.
                while !line.is_char_boundary(i) {
                    i += 1;
                }
                let rest = line[i..].trim_start();
                if rest.starts_with(':') { Class::Key } else { Class::Str }
            }
            b'-' | b'0'..=b'9' => {
                while i < bytes.len()
                    && matches!(bytes[i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                {
                    i += 1;
                }
                Class::Num
            }
            b't' | b'f' | b'n' => {
                let word = ["true", "false", "null"].into_iter().find(|w| line[i..].starts_with(w));
                match word {
                    Some(word) => {
                        i += word.len();
                        Class::Lit
                    }
                    None => {
                        i += 1;
                        continue;
                    }
                }
            }
            _ => {
                i += 1;
                continue;
            }
        };
        if plain_from < start {
            out.push((Class::Plain, &line[plain_from..start]));
        }
        out.push((class, &line[start..i]));
        plain_from = i;
    }
    if plain_from < bytes.len() {
        out.push((Class::Plain, &line[plain_from..]));
    }
    out
}

/// What to mark on a line: the notes shown under it (rule id and sentence).
pub(super) type Marks = BTreeMap<usize, Vec<String>>;

/// The text as a highlighted, numbered block. `prefix` keeps line anchors unique when a page
/// shows two texts; `marks` flags lines and lists their notes.
pub(super) fn block(text: &str, prefix: &str, label: &str, marks: &Marks) -> Markup {
    html! {
        pre.code aria-label=(label) tabindex="0" {
            code {
                @for (index, line) in text.lines().enumerate() {
                    @let number = index + 1;
                    @let notes = marks.get(&number);
                    span.line.flagged[notes.is_some()] id=(format!("{prefix}L{number}")) {
                        span.ln aria-hidden="true" { (number) }
                        @for (class, token) in tokens(line) {
                            @if class == Class::Plain { (token) } @else { span class=(class.css()) { (token) } }
                        }
                        @if let Some(notes) = notes {
                            @for note in notes { span.note { " ⚠ " (note) } }
                        }
                    }
                    "\n"
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(line: &str, expected: &str) {
        let shown: Vec<String> = tokens(line)
            .into_iter()
            .map(|(class, token)| format!("{}[{token}]", class.css()))
            .collect();
        assert_eq!(shown.join(" "), expected);
    }

    #[test]
    fn lines_split_into_classed_tokens() {
        check(r#"  "name": "a","#, r#"[  ] k["name"] [: ] s["a"] [,]"#);
        check(r#"  "default": -1.5e3"#, r#"[  ] k["default"] [: ] n[-1.5e3]"#);
        check(r#"[true, null, false]"#, "[[] l[true] [, ] l[null] [, ] l[false] []]");
        check(r#""a\"b": "é""#, r#"k["a\"b"] [: ] s["é"]"#);
        check(r#""open"#, r#"s["open]"#);
        check("nope", "[nope]");
        check("\"\\é", "s[\"\\é]");
        check("", "");
    }

    #[test]
    fn pretty_keeps_key_order_and_passes_non_json_through() {
        assert_eq!(
            pretty(r#"{"type":"record","name":"a"}"#),
            "{\n  \"type\": \"record\",\n  \"name\": \"a\"\n}"
        );
        assert_eq!(pretty("not json"), "not json");
    }
}
