//! Diff two versions of a subject: a side-by-side text diff of the pretty-printed schemas
//! (`similar`), core's `SchemaDiff` (the same as `schemata diff`: JSON Schema's typed changes,
//! Avro's field-level changes) and the compatibility findings in both directions, each with its rule id, marked as required or not by the subject's level, and
//! linked to the line its pointer lands on.

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use maud::{Markup, html};
use schemata_core::compat::{Direction, Finding};
use schemata_core::diff::SchemaDiff;
use schemata_core::{CompatibilityLevel, VersionSpec};
use similar::{ChangeTag, TextDiff};

use super::code;
use super::{PageResult, answer, page, subject_url};
use crate::error::ApiError;
use crate::routes::{App, Params, subject, version_spec};

pub(super) async fn handler(
    State(app): State<App>,
    Path(raw): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    answer(render(&app, raw, query.as_deref()))
}

/// One side of the diff.
#[derive(Debug)]
struct Side {
    version: u32,
    text: String,
}

fn render(app: &App, raw: String, query: Option<&str>) -> PageResult {
    let name = subject(&app.shared, raw)?;
    let params = Params::parse(query);
    let spec = |key: &str| -> Result<VersionSpec, ApiError> {
        version_spec(params.get(key).ok_or_else(|| ApiError::InvalidVersion(String::new()))?)
    };
    let (a_spec, b_spec) = (spec("a")?, spec("b")?);
    let state = app.shared.read();
    let s = state.visible(&name, true)?;
    let (a_version, a_row) = s.resolve(a_spec, true)?;
    let (b_version, b_row) = s.resolve(b_spec, true)?;
    let parse = |id| {
        app.shared
            .cache
            .parsed(&state, id)
            .map_err(|e| ApiError::InvalidSchema(format!("stored schema {id} does not parse: {e}")))
    };
    let (a_schema, b_schema) = (parse(a_row.id)?, parse(b_row.id)?);
    let level = state.level(&name);
    let policy = state.json_policy(&name);
    drop(state);
    let a = Side { version: a_version.0, text: code::pretty(a_schema.text()) };
    let b = Side { version: b_version.0, text: code::pretty(b_schema.text()) };
    // B reads data written with A (BACKWARD: pointers into B), and A reads B (FORWARD: into A).
    let diff = SchemaDiff::between(&a_schema, &a.text, &b_schema, &b.text, policy);
    let url = subject_url(&name);
    let title = format!("{name}: v{} → v{}", a.version, b.version);
    Ok(page(
        &title,
        html! {
            h1 { "Diff of " a href=(url) { code { (name) } } ": v" (a.version) " → v" (b.version) }
            p { "Compatibility level of the subject: " strong { (level.as_str()) } }
            @if let Some(changes) = &diff.json_changes {
                h2 { "Changes" }
                @if changes.is_empty() { p { "No changes." } } @else {
                    ul.findings #changes { @for (change, compatible) in changes {
                        li {
                            @if *compatible { span.compatible { "compatible" } } @else { span.breaking { "breaking" } }
                            " " code.rule { (change.kind.as_str()) } ": " (change.message) " "
                            (at(&b, "b", &change.path))
                        }
                    } }
                }
            }
            @if a_schema.as_avro().is_some() {
                h2 { "Field-level changes" }
                @if diff.avro_changes.is_empty() { p { "No field-level changes." } } @else {
                    ul.findings #changes { @for change in &diff.avro_changes {
                        @let (side, prefix) = if change.in_old { (&a, "a") } else { (&b, "b") };
                        li { code.rule { (change.kind) } ": " (change.message) " " (at(side, prefix, &change.pointer)) }
                    } }
                }
            }
            (direction_section(Direction::Backward, level, &diff.backward, &b, "b"))
            (direction_section(Direction::Forward, level, &diff.forward, &a, "a"))
            h2 { "Text" }
            (side_by_side(&a, &b))
        },
    ))
}

/// A link to the line `pointer` lands on in `side` (`prefix` names the side's anchors).
fn at(side: &Side, prefix: &str, pointer: &str) -> Markup {
    let shown = if pointer.is_empty() { "/" } else { pointer };
    html! {
        @match code::line_of(&side.text, pointer) {
            Some(line) => { a href=(format!("#{prefix}L{line}")) { "v" (side.version) " line " (line) } " " code { (shown) } },
            None => code { (shown) },
        }
    }
}

fn direction_section(
    direction: Direction,
    level: CompatibilityLevel,
    findings: &[Finding],
    side: &Side,
    prefix: &str,
) -> Markup {
    let (title, reading) = match direction {
        Direction::Backward => ("BACKWARD", "the new version reads data written with the old"),
        Direction::Forward => ("FORWARD", "the old version reads data written with the new"),
    };
    let required = level.directions().contains(&direction);
    html! {
        section aria-labelledby=(format!("dir-{title}")) {
            h2 id=(format!("dir-{title}")) { (title) " (" (reading) ")" }
            p {
                @if findings.is_empty() { span.compatible { "compatible" } }
                @else if required { span.breaking { "breaking under " (level.as_str()) } }
                @else { "incompatible, but " (level.as_str()) " does not require this direction" }
            }
            @if !findings.is_empty() {
                ul.findings { @for f in findings {
                    li { code.rule { (f.rule) } ": " (f.message) " " (at(side, prefix, &f.path)) }
                } }
            }
        }
    }
}

/// One side of a diff row: the line number and its text, or nothing.
type Cell = Option<(usize, String)>;

/// The two texts side by side, unchanged lines aligned, removed lines on the left and added
/// lines on the right. Each line number is an anchor (`aL3`, `bL7`) for the finding links.
fn side_by_side(a: &Side, b: &Side) -> Markup {
    let diff = TextDiff::from_lines(&a.text, &b.text);
    let mut rows: Vec<(Cell, Cell, ChangeTag)> = Vec::new();
    for op in diff.ops() {
        let mut left = Vec::new();
        let mut right = Vec::new();
        for change in diff.iter_changes(op) {
            let text = change.value().trim_end_matches('\n').to_owned();
            match change.tag() {
                ChangeTag::Equal => rows.push((
                    change.old_index().map(|i| (i + 1, text.clone())),
                    change.new_index().map(|i| (i + 1, text)),
                    ChangeTag::Equal,
                )),
                ChangeTag::Delete => left.extend(change.old_index().map(|i| (i + 1, text))),
                ChangeTag::Insert => right.extend(change.new_index().map(|i| (i + 1, text))),
            }
        }
        let len = left.len().max(right.len());
        let mut left = left.into_iter();
        let mut right = right.into_iter();
        for _ in 0..len {
            rows.push((left.next(), right.next(), ChangeTag::Delete));
        }
    }
    html! {
        table.diff #text-diff {
            caption.skip { "Side-by-side text diff" }
            colgroup { col style="width:3.5em"; col; col style="width:3.5em"; col; }
            thead { tr { th scope="col" { "#" } th scope="col" { "v" (a.version) } th scope="col" { "#" } th scope="col" { "v" (b.version) } } }
            tbody {
                @for (left, right, tag) in &rows {
                    @let changed = *tag != ChangeTag::Equal;
                    tr {
                        @match left {
                            Some((n, text)) => {
                                td.ln id=(format!("aL{n}")) { (n) }
                                td class=[changed.then_some("del")] { @if changed { span.skip { "removed: " } } (text) }
                            }
                            None => { td.ln {} td {} }
                        }
                        @match right {
                            Some((n, text)) => {
                                td.ln id=(format!("bL{n}")) { (n) }
                                td class=[changed.then_some("ins")] { @if changed { span.skip { "added: " } } (text) }
                            }
                            None => { td.ln {} td {} }
                        }
                    }
                }
            }
        }
    }
}
