//! What `check` found, and its four renderings: `text` for people, `json` for scripts, `github`
//! for workflow annotations on the changed lines, `junit` for CI test reports. Rendering is a
//! pure function to a `String` so the formats are unit-tested without a process.
//!
//! Data contract changes (metadata, rules) are reported beside the incompatibilities but never
//! fail a check: changing a contract is a decision to review, not a break of the data.

use std::fmt::Write as _;

use schemata_core::compat::Direction;
use schemata_core::contract::ContractChange;
use serde_json::json;

use schemata_core::locate::Position;

/// The output formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Github,
    Junit,
}

/// One comparison `check` made: a file against a baseline.
#[derive(Debug, Clone)]
pub(crate) struct Checked {
    /// The file, as shown to the user (relative to the working directory where possible).
    pub(crate) file: String,
    pub(crate) subject: String,
    /// The level name, e.g. `BACKWARD`.
    pub(crate) level: String,
    /// What the file was compared with, e.g. `v2`, `origin/main`, `registry version 3`.
    pub(crate) against: String,
    pub(crate) problems: Vec<Problem>,
    /// How the data contract changed from the previous version to this one.
    pub(crate) contract: Vec<ContractNote>,
}

/// One data contract change, located in the contract file that makes it where possible.
#[derive(Debug, Clone)]
pub(crate) struct ContractNote {
    pub(crate) change: ContractChange,
    /// The new version's contract file, else the checked schema file (an inherited contract or
    /// one changed by the registry's config).
    pub(crate) file: String,
    /// Where the change's pointer lands in that contract file (not for removals).
    pub(crate) position: Option<Position>,
    /// The version it changes from, e.g. `v1`, `origin/main`, `registry version 3`.
    pub(crate) against: String,
}

/// One incompatibility, located in the file where the pointer allows.
#[derive(Debug, Clone)]
pub(crate) struct Problem {
    pub(crate) rule: String,
    /// JSON pointer into the reading schema (see `direction`).
    pub(crate) pointer: String,
    pub(crate) message: String,
    /// Where the pointer lands in the checked file; `None` when it points into the old schema
    /// (a FORWARD finding) or could not be walked.
    pub(crate) position: Option<Position>,
    /// The file `position` is in when it is not the checked file: a `.proto` file it imports,
    /// where a change inside an imported message is declared.
    pub(crate) file: Option<String>,
    /// For a FORWARD finding, where the pointer lands in the old schema: `file:line:column`,
    /// `REF:file:line:column`, or `registry version N:line:column`.
    pub(crate) old_location: Option<String>,
    pub(crate) direction: Direction,
    /// The history entry this finding is against (differs from `Checked::against` only for
    /// transitive levels).
    pub(crate) against: String,
}

impl Checked {
    fn is_compatible(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Renders `checked` in `format`.
pub(crate) fn render(format: Format, checked: &[Checked]) -> String {
    match format {
        Format::Text => text(checked),
        Format::Json => json_report(checked),
        Format::Github => github(checked),
        Format::Junit => junit(checked),
    }
}

fn count(checked: &[Checked]) -> usize {
    checked.iter().map(|c| c.problems.len()).sum()
}

fn subjects(checked: &[Checked]) -> usize {
    let mut names: Vec<&str> = checked.iter().map(|c| c.subject.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    names.len()
}

fn direction_note(direction: Direction) -> &'static str {
    match direction {
        Direction::Backward => "new schema reads old data",
        Direction::Forward => "old schema reads new data",
    }
}

/// The file a problem is located in: its own, else the checked file.
fn file_of<'a>(check: &'a Checked, problem: &'a Problem) -> &'a str {
    problem.file.as_deref().unwrap_or(&check.file)
}

fn location(problem: &Problem) -> String {
    match problem.position {
        Some(p) => format!(":{}:{}", p.line, p.column),
        None => String::new(),
    }
}

/// The pointer, and for FORWARD findings where it lands in the old schema.
fn pointer(problem: &Problem) -> String {
    let pointer = if problem.pointer.is_empty() { "/" } else { &problem.pointer };
    match &problem.old_location {
        Some(old) => format!("{pointer} in {old}"),
        None => pointer.to_owned(),
    }
}

fn text(checked: &[Checked]) -> String {
    let mut out = String::new();
    for check in checked {
        for problem in &check.problems {
            let _ = writeln!(
                out,
                "{}{}: {}: {}\n    subject {}, {} against {} ({}), at {}",
                file_of(check, problem),
                location(problem),
                problem.rule,
                problem.message,
                check.subject,
                check.level,
                problem.against,
                direction_note(problem.direction),
                pointer(problem),
            );
        }
    }
    for check in checked {
        for note in &check.contract {
            let _ = writeln!(
                out,
                "{}\n    subject {}, data contract against {}, at {} (not a break)",
                note_line(note),
                check.subject,
                note.against,
                note.change.path,
            );
        }
    }
    let found = count(checked);
    let verdict = match found {
        0 => "compatible".to_owned(),
        1 => "1 incompatibility".to_owned(),
        n => format!("{n} incompatibilities"),
    };
    let comparisons = checked.len();
    let plural = if comparisons == 1 { "" } else { "s" };
    let contract = match checked.iter().map(|c| c.contract.len()).sum::<usize>() {
        0 => String::new(),
        1 => ", 1 data contract change".to_owned(),
        n => format!(", {n} data contract changes"),
    };
    let _ = writeln!(
        out,
        "{} subject{}, {comparisons} comparison{plural}: {verdict}{contract}",
        subjects(checked),
        if subjects(checked) == 1 { "" } else { "s" },
    );
    out
}

/// `file:line:column: KIND: sentence` of a contract change.
fn note_line(note: &ContractNote) -> String {
    let location = match note.position {
        Some(p) => format!(":{}:{}", p.line, p.column),
        None => String::new(),
    };
    format!("{}{location}: {}: {}", note.file, note.change.kind, note.change.message)
}

fn json_report(checked: &[Checked]) -> String {
    let findings: Vec<_> = checked
        .iter()
        .flat_map(|check| {
            check.problems.iter().map(move |problem| {
                json!({
                    "file": file_of(check, problem),
                    "line": problem.position.map(|p| p.line),
                    "column": problem.position.map(|p| p.column),
                    "pointer": problem.pointer,
                    "old_location": problem.old_location,
                    "rule": problem.rule,
                    "message": problem.message,
                    "subject": check.subject,
                    "level": check.level,
                    "against": problem.against,
                    "direction": match problem.direction {
                        Direction::Backward => "BACKWARD",
                        Direction::Forward => "FORWARD",
                    },
                })
            })
        })
        .collect();
    let checks: Vec<_> = checked
        .iter()
        .map(|check| {
            json!({
                "file": check.file,
                "subject": check.subject,
                "level": check.level,
                "against": check.against,
                "compatible": check.is_compatible(),
            })
        })
        .collect();
    let contract_changes: Vec<_> = checked
        .iter()
        .flat_map(|check| {
            check.contract.iter().map(move |note| {
                json!({
                    "file": note.file,
                    "line": note.position.map(|p| p.line),
                    "column": note.position.map(|p| p.column),
                    "pointer": note.change.path,
                    "kind": note.change.kind,
                    "message": note.change.message,
                    "subject": check.subject,
                    "against": note.against,
                })
            })
        })
        .collect();
    let report = json!({
        "compatible": findings.is_empty(),
        "checks": checks,
        "findings": findings,
        "contract_changes": contract_changes,
    });
    let mut out = serde_json::to_string_pretty(&report).unwrap_or_default();
    out.push('\n');
    out
}

/// Escapes workflow-command data (`%`, CR, LF) and, for properties, also `:` and `,`, as the
/// runner's toolkit does (`escapeData`, `escapeProperty`).
fn escape_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

fn github(checked: &[Checked]) -> String {
    let mut out = String::new();
    for check in checked {
        for problem in &check.problems {
            let mut properties = format!("file={}", escape_property(file_of(check, problem)));
            if let Some(p) = problem.position {
                let _ = write!(properties, ",line={},col={}", p.line, p.column);
            }
            let _ = write!(properties, ",title={}", escape_property(&problem.rule));
            let message = format!(
                "{} (subject {}, {} against {}, {}, at {})",
                problem.message,
                check.subject,
                check.level,
                problem.against,
                direction_note(problem.direction),
                pointer(problem),
            );
            let _ = writeln!(out, "::error {properties}::{}", escape_data(&message));
        }
        for note in &check.contract {
            let mut properties = format!("file={}", escape_property(&note.file));
            if let Some(p) = note.position {
                let _ = write!(properties, ",line={},col={}", p.line, p.column);
            }
            let _ = write!(properties, ",title={}", escape_property(&note.change.kind));
            let message = format!(
                "{} (subject {}, data contract against {}, at {})",
                note.change.message, check.subject, note.against, note.change.path,
            );
            let _ = writeln!(out, "::notice {properties}::{}", escape_data(&message));
        }
    }
    out
}

/// Escapes text for XML 1.0 content and attributes; characters XML 1.0 cannot carry at all
/// (most C0 controls) become U+FFFD rather than invalid documents.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn junit(checked: &[Checked]) -> String {
    let tests = checked.len();
    let failures = checked.iter().filter(|c| !c.is_compatible()).count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"schemata check\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\">"
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"schemata check\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">"
    );
    for check in checked {
        let name = format!("{} against {} ({})", check.file, check.against, check.level);
        let open =
            format!("    <testcase classname=\"{}\" name=\"{}\"", xml(&check.subject), xml(&name));
        if check.is_compatible() && check.contract.is_empty() {
            let _ = writeln!(out, "{open}/>");
            continue;
        }
        let _ = writeln!(out, "{open}>");
        if !check.contract.is_empty() {
            let mut notes = String::new();
            for note in &check.contract {
                let _ = writeln!(
                    notes,
                    "{} (data contract against {}, at {})",
                    note_line(note),
                    note.against,
                    note.change.path,
                );
            }
            let _ = writeln!(out, "      <system-out>{}</system-out>", xml(&notes));
        }
        if check.is_compatible() {
            let _ = writeln!(out, "    </testcase>");
            continue;
        }
        let mut rules: Vec<&str> = Vec::new();
        for problem in &check.problems {
            if !rules.contains(&problem.rule.as_str()) {
                rules.push(&problem.rule);
            }
        }
        let summary = match check.problems.len() {
            1 => "1 incompatibility".to_owned(),
            n => format!("{n} incompatibilities"),
        };
        let mut body = String::new();
        for problem in &check.problems {
            let _ = writeln!(
                body,
                "{}{}: {}: {} (against {}, {}, at {})",
                file_of(check, problem),
                location(problem),
                problem.rule,
                problem.message,
                problem.against,
                direction_note(problem.direction),
                pointer(problem),
            );
        }
        let _ = writeln!(
            out,
            "      <failure type=\"{}\" message=\"{}\">{}</failure>",
            xml(&rules.join(",")),
            xml(&summary),
            xml(&body)
        );
        let _ = writeln!(out, "    </testcase>");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use expect_test::expect;
    use schemata_core::compat::Direction;

    use schemata_core::contract::ContractChange;

    use super::{Checked, ContractNote, Format, Position, Problem, render};

    fn sample() -> Vec<Checked> {
        vec![
            Checked {
                file: "schemas/a,b/v2.avsc".into(),
                subject: "a<b>-value".into(),
                level: "FULL".into(),
                against: "v1".into(),
                problems: vec![
                    Problem {
                        rule: "READER_FIELD_MISSING_DEFAULT_VALUE".into(),
                        pointer: "/fields/1".into(),
                        message: "field 'n' has no default: 100% \"new\"\nline".into(),
                        position: Some(Position { line: 7, column: 5 }),
                        file: None,
                        old_location: None,
                        direction: Direction::Backward,
                        against: "v1".into(),
                    },
                    Problem {
                        rule: "MISSING_ENUM_SYMBOLS".into(),
                        pointer: String::new(),
                        message: "x & y".into(),
                        position: None,
                        file: None,
                        old_location: Some("schemas/a,b/v1.avsc:3:1".into()),
                        direction: Direction::Forward,
                        against: "v1".into(),
                    },
                ],
                contract: vec![],
            },
            Checked {
                file: "schemas/c.json".into(),
                subject: "c".into(),
                level: "BACKWARD".into(),
                against: "origin/main".into(),
                problems: vec![],
                contract: vec![ContractNote {
                    change: ContractChange {
                        kind: "PROPERTY_CHANGED".into(),
                        path: "/metadata/properties/owner".into(),
                        message: "property owner changed from \"a\" to \"b,c\"".into(),
                    },
                    file: "schemas/c.contract.json".into(),
                    position: Some(Position { line: 2, column: 30 }),
                    against: "origin/main".into(),
                }],
            },
        ]
    }

    #[test]
    fn text() {
        expect![[r#"
            schemas/a,b/v2.avsc:7:5: READER_FIELD_MISSING_DEFAULT_VALUE: field 'n' has no default: 100% "new"
            line
                subject a<b>-value, FULL against v1 (new schema reads old data), at /fields/1
            schemas/a,b/v2.avsc: MISSING_ENUM_SYMBOLS: x & y
                subject a<b>-value, FULL against v1 (old schema reads new data), at / in schemas/a,b/v1.avsc:3:1
            schemas/c.contract.json:2:30: PROPERTY_CHANGED: property owner changed from "a" to "b,c"
                subject c, data contract against origin/main, at /metadata/properties/owner (not a break)
            2 subjects, 2 comparisons: 2 incompatibilities, 1 data contract change
        "#]]
        .assert_eq(&render(Format::Text, &sample()));
        expect![[r#"
            0 subjects, 0 comparisons: compatible
        "#]]
        .assert_eq(&render(Format::Text, &[]));
    }

    #[test]
    fn github() {
        expect![[r#"
            ::error file=schemas/a%2Cb/v2.avsc,line=7,col=5,title=READER_FIELD_MISSING_DEFAULT_VALUE::field 'n' has no default: 100%25 "new"%0Aline (subject a<b>-value, FULL against v1, new schema reads old data, at /fields/1)
            ::error file=schemas/a%2Cb/v2.avsc,title=MISSING_ENUM_SYMBOLS::x & y (subject a<b>-value, FULL against v1, old schema reads new data, at / in schemas/a,b/v1.avsc:3:1)
            ::notice file=schemas/c.contract.json,line=2,col=30,title=PROPERTY_CHANGED::property owner changed from "a" to "b,c" (subject c, data contract against origin/main, at /metadata/properties/owner)
        "#]]
        .assert_eq(&render(Format::Github, &sample()));
    }

    #[test]
    fn junit() {
        expect![[r#"
            <?xml version="1.0" encoding="UTF-8"?>
            <testsuites name="schemata check" tests="2" failures="1" errors="0">
              <testsuite name="schemata check" tests="2" failures="1" errors="0" skipped="0">
                <testcase classname="a&lt;b&gt;-value" name="schemas/a,b/v2.avsc against v1 (FULL)">
                  <failure type="READER_FIELD_MISSING_DEFAULT_VALUE,MISSING_ENUM_SYMBOLS" message="2 incompatibilities">schemas/a,b/v2.avsc:7:5: READER_FIELD_MISSING_DEFAULT_VALUE: field &apos;n&apos; has no default: 100% &quot;new&quot;
            line (against v1, new schema reads old data, at /fields/1)
            schemas/a,b/v2.avsc: MISSING_ENUM_SYMBOLS: x &amp; y (against v1, old schema reads new data, at / in schemas/a,b/v1.avsc:3:1)
            </failure>
                </testcase>
                <testcase classname="c" name="schemas/c.json against origin/main (BACKWARD)">
                  <system-out>schemas/c.contract.json:2:30: PROPERTY_CHANGED: property owner changed from &quot;a&quot; to &quot;b,c&quot; (data contract against origin/main, at /metadata/properties/owner)
            </system-out>
                </testcase>
              </testsuite>
            </testsuites>
        "#]]
        .assert_eq(&render(Format::Junit, &sample()));
    }

    #[test]
    fn xml_escapes_markup_and_drops_what_xml_cannot_carry() {
        assert_eq!(
            super::xml("<a href=\"x\">'&'</a>\u{1}\t"),
            "&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;\u{FFFD}\t"
        );
    }

    #[test]
    fn json() {
        let value: serde_json::Value =
            serde_json::from_str(&render(Format::Json, &sample())).unwrap();
        assert_eq!(value["compatible"], false);
        assert_eq!(value["checks"].as_array().unwrap().len(), 2);
        assert_eq!(value["findings"][0]["line"], 7);
        assert_eq!(value["findings"][1]["line"], serde_json::Value::Null);
        assert_eq!(value["findings"][1]["direction"], "FORWARD");
        assert_eq!(value["contract_changes"][0]["kind"], "PROPERTY_CHANGED");
        assert_eq!(value["contract_changes"][0]["line"], 2);
        assert_eq!(value["contract_changes"][0]["subject"], "c");
    }
}
