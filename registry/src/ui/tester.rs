//! The compatibility tester: paste (or pick a file for) a schema, choose a level (the subject's
//! by default), see every finding with its rule id at its line in the pasted text, and register
//! the schema through the writer, with the same rules as `POST /subjects/{s}/versions`.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, Request, State};
use axum::response::Response;
use maud::{Markup, html};
use schemata_core::api::RegisterSchemaRequest;
use schemata_core::compat::{self, Direction, Incompatibility};
use schemata_core::{CompatibilityLevel, SchemaType, Version};

use super::code::{self, Marks};
use super::subjects::LEVELS;
use super::{PageResult, answer, enc, form, page, see_other, subject_url};
use crate::auth::{Access, Operation};
use crate::request;
use crate::routes::{App, Params, subject};
use crate::shared::Shared;

/// `/ui/test?subject=s`: the list page's "register a new schema" form lands here.
pub(super) async fn pick_subject(RawQuery(query): RawQuery) -> Response {
    let params = Params::parse(query.as_deref());
    match params.get("subject").map(str::trim).filter(|s| !s.is_empty()) {
        Some(name) => see_other(&format!("{}/test", subject_url(name))),
        None => see_other("/ui"),
    }
}

/// What the user typed, shown again with the answer.
#[derive(Debug, Default)]
struct Input {
    schema: String,
    schema_type: Option<SchemaType>,
    level: Option<CompatibilityLevel>,
}

/// The answer to a check.
#[derive(Debug)]
enum Outcome {
    /// The schema does not parse (or is refused before any check).
    Refused(String),
    /// Findings under `level` against these versions (newest first).
    Checked { level: CompatibilityLevel, against: Vec<Version>, findings: Vec<Incompatibility> },
}

pub(super) async fn form_handler(
    State(app): State<App>,
    access: Access,
    Path(raw): Path<String>,
) -> Response {
    answer((|| {
        let name = subject(&app.shared, raw)?;
        let may_write = access.may(Operation::Write, &name);
        Ok(render(&app, &name, may_write, &Input::default(), None))
    })())
}

pub(super) async fn submit(
    State(app): State<App>,
    Path(raw): Path<String>,
    request: Request,
) -> Response {
    answer(submit_page(&app, raw, request).await)
}

/// Checking and registering need `write` on the subject (the middleware refuses the post
/// otherwise), so a page answering a post always offers both.
async fn submit_page(app: &App, raw: String, request: Request) -> PageResult {
    let name = subject(&app.shared, raw)?;
    let params = form(app, request).await?;
    let input = Input {
        schema: params.get("schema").unwrap_or("").replace("\r\n", "\n"),
        schema_type: params.get("schemaType").and_then(SchemaType::parse),
        level: params.get("level").and_then(CompatibilityLevel::parse),
    };
    let body = RegisterSchemaRequest {
        schema: input.schema.clone(),
        schema_type: input
            .schema_type
            .filter(|t| *t != SchemaType::Avro)
            .map(|t| t.as_str().to_owned()),
        references: Vec::new(),
        id: None,
        version: None,
        metadata: None,
        rule_set: None,
    };
    if params.get("action") == Some("register") {
        // The REST API's own registration path: the same parse, rules, checks and answers.
        match crate::routes::subjects::register_schema(app, name.clone(), false, body).await {
            Ok((id, version)) => {
                let done = enc(&format!("Registered version {version} with id {id}."));
                return Ok(see_other(&format!(
                    "{}?version={version}&done={done}",
                    subject_url(&name)
                )));
            }
            Err(error) => {
                let refused = Some(Outcome::Refused(error.to_string()));
                return Ok(render(app, &name, true, &input, refused));
            }
        }
    }
    // The parse and the check are CPU work of unbounded size until the budget stops them: on
    // the check pool, as the REST API runs them, never on an async worker.
    let shared = Arc::clone(&app.shared);
    let (subject_name, level) = (name.clone(), input.level);
    let outcome = app.shared.check(move || Ok(check(&shared, &subject_name, level, &body))).await?;
    Ok(render(app, &name, true, &input, Some(outcome)))
}

/// Parses the pasted schema and checks it against the versions `level` (default: the
/// subject's) names, newest first.
fn check(
    shared: &Shared,
    name: &str,
    level: Option<CompatibilityLevel>,
    body: &RegisterSchemaRequest,
) -> Outcome {
    let state = shared.read();
    let schema = match request::parse_request(&shared.limits, &state, name, body) {
        Ok(schema) => schema,
        Err(error) => return Outcome::Refused(error.to_string()),
    };
    let level = level.unwrap_or_else(|| state.level(name));
    let policy = state.json_policy(name);
    let live: Vec<(Version, crate::state::Sid)> = state
        .subjects
        .get(name)
        .map(|s| s.live().rev().map(|(v, row)| (v, row.id)).collect())
        .unwrap_or_default();
    // Only the versions the level compares with: every one when transitive, else the newest.
    let wanted = if level.is_transitive() { live.len() } else { live.len().min(1) };
    let mut against = Vec::new();
    let mut history = Vec::new();
    for (version, id) in live.into_iter().take(wanted) {
        if let Ok(old) = shared.cache.parsed(&state, id) {
            against.push(version);
            history.push(old);
        }
    }
    drop(state);
    let history_refs: Vec<&schemata_core::Schema> = history.iter().map(|s| s.as_ref()).collect();
    let report = compat::check_with_policy(level, policy, &schema, &history_refs);
    Outcome::Checked { level, against, findings: report.incompatibilities }
}

fn render(
    app: &App,
    name: &str,
    may_write: bool,
    input: &Input,
    outcome: Option<Outcome>,
) -> Response {
    let (subject_level, subject_type, exists) = {
        let state = app.shared.read();
        let latest_type = state
            .subjects
            .get(name)
            .and_then(|s| s.latest_live())
            .and_then(|(_, row)| state.schemas.get(&row.id))
            .map(|stored| stored.schema_type);
        (state.level(name), latest_type, state.subjects.get(name).is_some_and(|s| s.has_live()))
    };
    let level = input.level.unwrap_or(subject_level);
    let schema_type = input.schema_type.or(subject_type).unwrap_or(SchemaType::Avro);
    // BACKWARD findings point into the pasted schema (the reader): mark them at their lines.
    let mut marks = Marks::new();
    if let Some(Outcome::Checked { findings, .. }) = &outcome {
        for f in findings.iter().filter(|f| f.direction == Direction::Backward) {
            let line = code::line_of(&input.schema, &f.finding.path).unwrap_or(1);
            marks
                .entry(line)
                .or_default()
                .push(format!("{}: {}", f.finding.rule, f.finding.message));
        }
    }
    let url = subject_url(name);
    page(
        &format!("Test a schema for {name}"),
        html! {
            h1 { "Test a schema for " a href=(url) { code { (name) } } }
            @if !exists { p.notice { "The subject has no live versions yet: any valid schema is compatible, and registering creates it." } }
            @if let Some(outcome) = &outcome { (outcome_section(outcome, input, &marks)) }
            @if !may_write {
                p.notice role="status" { "Checking and registering need write access to this subject, which you do not have." }
            } @else {
            form action=(format!("{url}/test")) method="post" {
                p {
                    label for="schema" { "Schema" }
                    textarea #schema name="schema" required spellcheck="false" { (input.schema) }
                }
                p.inline {
                    label for="schema-file" { "…or pick a file" input #schema-file type="file" accept=".avsc,.json,.proto" data-fills="schema"; }
                }
                div.inline {
                    label for="schemaType" { "Type" select #schemaType name="schemaType" {
                        @for t in [SchemaType::Avro, SchemaType::Json, SchemaType::Protobuf] { option value=(t.as_str()) selected[t == schema_type] { (t.as_str()) } }
                    } }
                    label for="test-level" { "Level" select #test-level name="level" {
                        @for l in LEVELS { option value=(l) selected[*l == level.as_str()] { (l) @if *l == subject_level.as_str() { " (subject's)" } } }
                    } }
                    button type="submit" name="action" value="check" { "Check" }
                    button type="submit" name="action" value="register" { "Register" }
                }
            }
            }
        },
    )
}

fn outcome_section(outcome: &Outcome, input: &Input, marks: &Marks) -> Markup {
    html! {
        section #result aria-labelledby="result-title" {
            @match outcome {
                Outcome::Refused(message) => {
                    h2 #result-title { "Refused" }
                    p.error role="alert" { (message) }
                }
                Outcome::Checked { level, against, findings } => {
                    h2 #result-title {
                        @if findings.is_empty() { span.compatible { "Compatible" } }
                        @else { span.breaking { (findings.len()) " incompatibilit" @if findings.len() == 1 { "y" } @else { "ies" } } }
                        " under " (level.as_str())
                    }
                    p { "Checked against "
                        @if against.is_empty() { "no version (the subject has none)." }
                        @else if against.len() == 1 { "version " (against[0]) ", the newest, as the level names it." }
                        @else { "versions " (against.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(", ")) ", newest first, as the level names them." }
                    }
                    @if !findings.is_empty() {
                        ul.findings #findings { @for f in findings {
                            @let version = against.get(f.against).map(|v| v.to_string()).unwrap_or_default();
                            li {
                                code.rule { (f.finding.rule) } ": " (f.finding.message) " "
                                @match f.direction {
                                    Direction::Backward => @match code::line_of(&input.schema, &f.finding.path) {
                                        Some(line) => a href=(format!("#pL{line}")) { "line " (line) },
                                        None => code { (f.finding.path) },
                                    },
                                    Direction::Forward => { "(version " (version) " reading the new schema, at " code { (f.finding.path) } ")" },
                                }
                            }
                        } }
                        (code::block(&input.schema, "p", "The pasted schema with its findings", marks))
                    }
                }
            }
        }
    }
}
