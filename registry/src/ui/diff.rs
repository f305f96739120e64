//! Diff two schemas: two versions of a subject (`/ui/subjects/{s}/diff?a=1&b=2`) or any two
//! schemas by id (`/ui/diff?left=3&right=7`). Both show a side-by-side text diff of the
//! pretty-printed schemas (`similar`), core's `SchemaDiff` (the same as `schemata diff`: JSON
//! Schema's and Protobuf's typed changes, Avro's field-level changes) and the compatibility findings in both
//! directions, each with its rule id, marked breaking or not under a level the user picks (by
//! default the subject's; for two ids, that of the one subject holding the right-hand id, else
//! the global level), and linked to the line its pointer lands on. When the two versions' data
//! contracts differ, their metadata and rule changes are listed too (core's `Contract::changes`,
//! as `schemata diff` and `check` list them). Ids are per context: `?subject=` picks the
//! context of both ids, as `GET /schemas/ids/{id}?subject=` does.
//!
//! Parsing and diffing are CPU work of unbounded size until the budget stops them: they run on
//! the check pool, as the tester's checks do, never on an async worker.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use schemata_core::compat::{Direction, Finding, JsonPolicy};
use schemata_core::contract::ContractChange;
use schemata_core::diff::SchemaDiff;
use schemata_core::{CompatibilityLevel, Schema, SchemaId, VersionSpec};
use similar::{ChangeTag, TextDiff};

use super::code;
use super::subjects::LEVELS;
use super::{PageResult, answer, ctx_query, id_url, page, subject_url};
use crate::auth::Access;
use crate::error::ApiError;
use crate::routes::{App, Params, subject, version_spec};
use crate::shared::Shared;
use crate::state::{RegistryState, Sid};

/// One side of the diff: what the user calls it, the anchor prefix of its lines, its text.
#[derive(Debug)]
struct Side {
    /// "v3" or "id 7".
    label: String,
    /// `a` (left, old) or `b` (right, new): line anchors are `aL3`, `bL7`.
    prefix: &'static str,
    text: String,
    /// A Protobuf side locates change paths through its own source positions (its text is not
    /// JSON, so pointers cannot be walked in it).
    protobuf: Option<schemata_core::protobuf::ProtobufSchema>,
}

/// Two parsed schemas compared.
#[derive(Debug)]
struct Compared {
    a: Side,
    b: Side,
    is_avro: bool,
    diff: SchemaDiff,
    /// How the data contract (metadata, rules) changed from A to B.
    contract: Vec<ContractChange>,
}

/// Parses the two stored schemas and diffs them, on the check pool. B reads data written with
/// A (BACKWARD: pointers into B), and A reads B (FORWARD: pointers into A).
async fn compare(
    shared: &Arc<Shared>,
    ids: (Sid, Sid),
    labels: (String, String),
    policy: JsonPolicy,
) -> Result<Compared, ApiError> {
    let owned = Arc::clone(shared);
    shared
        .check(move || {
            let state = owned.read();
            let parse = |id| {
                owned.cache.parsed(&state, id).map_err(|e| {
                    ApiError::InvalidSchema(format!("stored schema {id} does not parse: {e}"))
                })
            };
            let (a_schema, b_schema): (Arc<Schema>, Arc<Schema>) = (parse(ids.0)?, parse(ids.1)?);
            let contract_of = |id| state.schemas.get(&id).map(|s| s.contract().clone());
            let contract = contract_of(ids.0)
                .unwrap_or_default()
                .changes(&contract_of(ids.1).unwrap_or_default());
            drop(state);
            let side = |label: String, prefix, schema: &Schema| Side {
                label,
                prefix,
                text: code::pretty(schema.text()),
                protobuf: schema.as_protobuf().cloned(),
            };
            let (a, b) = (side(labels.0, "a", &a_schema), side(labels.1, "b", &b_schema));
            let diff = SchemaDiff::between(&a_schema, &a.text, &b_schema, &b.text, policy);
            Ok(Compared { a, b, is_avro: a_schema.as_avro().is_some(), diff, contract })
        })
        .await
}

pub(super) async fn handler(
    State(app): State<App>,
    Path(raw): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    answer(render_versions(&app, raw, query.as_deref()).await)
}

/// Two versions of one subject.
async fn render_versions(app: &App, raw: String, query: Option<&str>) -> PageResult {
    let name = subject(&app.shared, raw)?;
    let params = Params::parse(query);
    let spec = |key: &str| -> Result<VersionSpec, ApiError> {
        version_spec(params.get(key).ok_or_else(|| ApiError::InvalidVersion(String::new()))?)
    };
    let (a_spec, b_spec) = (spec("a")?, spec("b")?);
    let picked = level_param(&params)?;
    let (a_version, a_id, b_version, b_id, subject_level, policy) = {
        let state = app.shared.read();
        let s = state.visible(&name, true)?;
        let (a_version, a_row) = s.resolve(a_spec, true)?;
        let (b_version, b_row) = s.resolve(b_spec, true)?;
        (a_version, a_row.id, b_version, b_row.id, state.level(&name), state.json_policy(&name))
    };
    let level = picked.unwrap_or(subject_level);
    let labels = (format!("v{a_version}"), format!("v{b_version}"));
    let compared = compare(&app.shared, (a_id, b_id), labels, policy).await?;
    let url = subject_url(&name);
    let title = format!("{name}: v{a_version} → v{b_version}");
    Ok(page(
        &title,
        html! {
            h1 { "Diff of " a href=(url) { code { (name) } } ": v" (a_version) " → v" (b_version) }
            p { "Compatibility level of the subject: " strong { (subject_level.as_str()) } }
            form.inline action=(format!("{url}/diff")) method="get" {
                input type="hidden" name="a" value=(a_version);
                input type="hidden" name="b" value=(b_version);
                (level_select(level, subject_level, "the subject's"))
                button type="submit" { "Judge" }
            }
            p { a href=(format!("/ui/diff?left={a_id}&right={b_id}{}", ctx_query(a_id.ctx, '&'))) { "The same two schemas by id (" (a_id) " → " (b_id) ")" } }
            (findings_and_text(&compared, level))
        },
    ))
}

/// `/ui/diff?left=ID&right=ID[&level=L]`: any two schemas by id.
pub(super) async fn by_ids(
    State(app): State<App>,
    access: Access,
    RawQuery(query): RawQuery,
) -> Response {
    let params = Params::parse(query.as_deref());
    let left = params.get("left").map(str::trim).unwrap_or("").to_owned();
    let right = params.get("right").map(str::trim).unwrap_or("").to_owned();
    match render_ids(&app, &access, &params, &left, &right).await {
        Ok(response) => response,
        Err((status, message)) => {
            let asked = (params.get("level").unwrap_or(""), params.get("subject"));
            ids_page(status, (&left, &right, asked), None, Some(&message))
        }
    }
}

/// A failure of the by-id diff: the status and the sentence the page shows.
type IdsError = (StatusCode, String);

async fn render_ids(
    app: &App,
    access: &Access,
    params: &Params,
    left: &str,
    right: &str,
) -> Result<Response, IdsError> {
    let within = params.get("subject");
    if left.is_empty() && right.is_empty() {
        return Ok(ids_page(StatusCode::OK, (left, right, ("", within)), None, None));
    }
    let bad = |e: ApiError| {
        let (status, _) = e.status_and_code();
        (status, e.to_string())
    };
    let picked = level_param(params).map_err(bad)?;
    let (left_number, right_number) = (id_param("left", left)?, id_param("right", right)?);
    let (left_id, right_id, default_level, policy, holder) = {
        let state = app.shared.read();
        // An id the caller may not read answers exactly as an absent one, so the page never
        // tells whether it exists (the REST API answers 403 to both; here both are 404).
        let find = |number: SchemaId| {
            state
                .find_id(number, within)
                .filter(|id| readable(&state, access, *id))
                .ok_or_else(|| bad(ApiError::SchemaNotFound(number.to_string())))
        };
        let (left_id, right_id) = (find(left_number)?, find(right_number)?);
        let type_of = |id| state.schemas.get(&id).map(|stored| stored.schema_type);
        let (Some(left_type), Some(right_type)) = (type_of(left_id), type_of(right_id)) else {
            return Err(bad(ApiError::SchemaNotFound(left_id.to_string())));
        };
        if left_type != right_type {
            return Err((
                StatusCode::UNPROCESSABLE_ENTITY,
                format!(
                    "Schema {left_id} is {} and schema {right_id} is {}: only two schemas of one \
                     type can be compared.",
                    left_type.as_str(),
                    right_type.as_str()
                ),
            ));
        }
        // The level of the one (readable) subject holding the right-hand id, else the global one.
        let holders = holders(&state, access, right_id);
        let (level, policy, holder) = match holders.as_slice() {
            [only] => (state.level(only), state.json_policy(only), Some(only.clone())),
            _ => (global_level(&state), global_policy(&state), None),
        };
        (left_id, right_id, level, policy, holder)
    };
    let level = picked.unwrap_or(default_level);
    let labels = (format!("id {left_id}"), format!("id {right_id}"));
    let compared = compare(&app.shared, (left_id, right_id), labels, policy).await.map_err(bad)?;
    let context = IdsContext { ids: (left_id, right_id), level, default_level, holder };
    Ok(ids_page(StatusCode::OK, (left, right, ("", within)), Some((&compared, &context)), None))
}

/// What the by-id page says about the level it judges under.
#[derive(Debug)]
struct IdsContext {
    ids: (Sid, Sid),
    level: CompatibilityLevel,
    default_level: CompatibilityLevel,
    /// The one subject holding the right-hand id, whose level is the default.
    holder: Option<String>,
}

/// The by-id diff page: the form (filled with what was asked: left, right, level, the context's
/// `subject`), then an error or the comparison.
fn ids_page(
    status: StatusCode,
    (left, right, (asked_level, within)): (&str, &str, (&str, Option<&str>)),
    compared: Option<(&Compared, &IdsContext)>,
    error: Option<&str>,
) -> Response {
    let context = compared.map(|(_, context)| context);
    let title = match context {
        Some(IdsContext { ids: (l, r), .. }) => format!("Schema id {l} → id {r}"),
        None => "Diff two schemas by id".to_owned(),
    };
    let mut response = page(
        &title,
        html! {
            h1 {
                @if let Some(IdsContext { ids: (l, r), .. }) = context {
                    "Diff of schema " a href=(id_url(*l)) { "id " (l) }
                    " → " a href=(id_url(*r)) { "id " (r) }
                } @else { "Diff two schemas by id" }
            }
            @if let Some(message) = error { p.error role="alert" #diff-error { (message) } }
            form.inline action="/ui/diff" method="get" {
                @if let Some(within) = within { input type="hidden" name="subject" value=(within); }
                label for="diff-left" { "Old (left) id" input #diff-left type="number" name="left" min="1" value=(left) required; }
                label for="diff-right" { "New (right) id" input #diff-right type="number" name="right" min="1" value=(right) required; }
                @if let Some(context) = context {
                    @let origin = match &context.holder {
                        Some(subject) => format!("{subject}'s"),
                        None => "global".to_owned(),
                    };
                    (level_select(context.level, context.default_level, &origin))
                } @else {
                    label for="diff-level" { "Level" select #diff-level name="level" {
                        option value="" selected[asked_level.is_empty()] { "default" }
                        @for l in LEVELS { option value=(l) selected[*l == asked_level] { (l) } }
                    } }
                }
                button type="submit" { "Diff" }
            }
            @if let Some((compared, context)) = compared {
                p {
                    "Judged under " strong { (context.level.as_str()) }
                    @if context.level == context.default_level {
                        @match &context.holder {
                            Some(subject) => { ", the level of " a href=(subject_url(subject)) { code { (subject) } } ", the one subject holding id " (context.ids.1) "." },
                            None => { ", the global level (no single subject holds id " (context.ids.1) ")." },
                        }
                    } @else { " (picked)." }
                }
                (findings_and_text(compared, context.level))
            }
        },
    );
    *response.status_mut() = status;
    response
}

/// A schema id parameter: a whole number from 1, else a 400 that names the side.
fn id_param(side: &str, raw: &str) -> Result<SchemaId, IdsError> {
    if raw.is_empty() {
        return Err((
            StatusCode::BAD_REQUEST,
            format!("Give both schema ids: the {side} one is missing."),
        ));
    }
    raw.parse::<i64>().ok().and_then(SchemaId::new).ok_or_else(|| {
        (
            StatusCode::BAD_REQUEST,
            format!("The {side} id '{raw}' is not a schema id (a whole number from 1)."),
        )
    })
}

/// The `level` parameter: absent or empty is the default; anything else must be a level.
fn level_param(params: &Params) -> Result<Option<CompatibilityLevel>, ApiError> {
    match params.get("level").filter(|l| !l.is_empty()) {
        None => Ok(None),
        Some(raw) => {
            CompatibilityLevel::parse(raw).map(Some).ok_or(ApiError::InvalidCompatibilityLevel)
        }
    }
}

/// Whether schema `id` exists and some subject holding it (soft-deleted rows included) is
/// readable: the rule of `GET /schemas/ids/{id}`.
pub(super) fn readable(state: &RegistryState, access: &Access, id: Sid) -> bool {
    if !state.schemas.contains_key(&id) {
        return false;
    }
    !access.is_restricted() || !holders(state, access, id).is_empty()
}

/// The subjects the caller may read that hold `id` in some row, soft-deleted included.
fn holders(state: &RegistryState, access: &Access, id: Sid) -> Vec<String> {
    state
        .subjects
        .iter()
        .filter(|(name, s)| s.versions.values().any(|row| row.id == id) && access.can_read(name))
        .map(|(name, _)| name.clone())
        .collect()
}

fn global_level(state: &RegistryState) -> CompatibilityLevel {
    state
        .global_config
        .as_ref()
        .and_then(|c| c.compatibility_level.as_deref())
        .and_then(CompatibilityLevel::parse)
        .unwrap_or_default()
}

fn global_policy(state: &RegistryState) -> JsonPolicy {
    state
        .global_config
        .as_ref()
        .and_then(|c| c.json_policy.as_deref())
        .and_then(JsonPolicy::parse)
        .unwrap_or_default()
}

/// The level picker; `default` is marked with where it comes from.
fn level_select(level: CompatibilityLevel, default: CompatibilityLevel, origin: &str) -> Markup {
    html! {
        label for="diff-level" { "Judge under" select #diff-level name="level" {
            @for l in LEVELS {
                option value=(l) selected[*l == level.as_str()] {
                    (l) @if *l == default.as_str() { " (" (origin) ")" }
                }
            }
        } }
    }
}

/// The change lists, the findings each way under `level`, and the text side by side.
fn findings_and_text(compared: &Compared, level: CompatibilityLevel) -> Markup {
    let Compared { a, b, is_avro, diff, .. } = compared;
    let backward_required = level.directions().contains(&Direction::Backward);
    html! {
        @if let Some(changes) = &diff.json_changes {
            h2 { "Changes" }
            @if changes.is_empty() { p { "No changes." } } @else {
                ul.findings #changes { @for (change, compatible) in changes {
                    li {
                        @if *compatible { span.compatible { "compatible" } }
                        @else if backward_required { span.breaking { "breaking" } }
                        @else { span.incompatible { "incompatible" } }
                        " " code.rule { (change.kind.as_str()) } ": " (change.message) " "
                        (at(b, &change.path))
                    }
                } }
            }
        }
        @if let Some(changes) = &diff.protobuf_changes {
            h2 { "Changes" }
            @if changes.is_empty() { p { "No changes." } } @else {
                ul.findings #changes { @for (change, compatible) in changes {
                    @let side = if change.in_original() { a } else { b };
                    li {
                        @if *compatible { span.compatible { "compatible" } }
                        @else if backward_required { span.breaking { "breaking" } }
                        @else { span.incompatible { "incompatible" } }
                        " " code.rule { (change.kind.as_str()) } ": " (change.message) " "
                        (at(side, &change.path))
                    }
                } }
            }
        }
        @if !compared.contract.is_empty() {
            h2 { "Data contract" }
            ul.findings #contract-changes { @for change in &compared.contract {
                li { code.rule { (change.kind) } ": " (change.message) " " code { (change.path) } }
            } }
        }
        @if *is_avro {
            h2 { "Field-level changes" }
            @if diff.avro_changes.is_empty() { p { "No field-level changes." } } @else {
                ul.findings #changes { @for change in &diff.avro_changes {
                    @let side = if change.in_old { a } else { b };
                    li { code.rule { (change.kind) } ": " (change.message) " " (at(side, &change.pointer)) }
                } }
            }
        }
        (direction_section(Direction::Backward, level, &diff.backward, b))
        (direction_section(Direction::Forward, level, &diff.forward, a))
        h2 { "Text" }
        (side_by_side(a, b))
    }
}

/// A link to the line `pointer` lands on in `side`.
fn at(side: &Side, pointer: &str) -> Markup {
    let shown = if pointer.is_empty() { "/" } else { pointer };
    html! {
        @match side.protobuf.as_ref().map_or_else(
            || code::line_of(&side.text, pointer),
            |protobuf| protobuf.locate(pointer).map(|(line, _)| line),
        ) {
            Some(line) => { a href=(format!("#{}L{line}", side.prefix)) { (side.label) " line " (line) } " " code { (shown) } },
            None => code { (shown) },
        }
    }
}

fn direction_section(
    direction: Direction,
    level: CompatibilityLevel,
    findings: &[Finding],
    side: &Side,
) -> Markup {
    let (title, reading) = match direction {
        Direction::Backward => ("BACKWARD", "the new schema reads data written with the old"),
        Direction::Forward => ("FORWARD", "the old schema reads data written with the new"),
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
                    li { code.rule { (f.rule) } ": " (f.message) " " (at(side, &f.path)) }
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
            thead { tr { th scope="col" { "#" } th scope="col" { (a.label) } th scope="col" { "#" } th scope="col" { (b.label) } } }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_parameters_name_their_side() {
        let check = |raw: &str, expected: Result<u32, (u16, &str)>| {
            let got = id_param("left", raw)
                .map(|id| id.0)
                .map_err(|(status, message)| (status.as_u16(), message));
            let expected = expected.map_err(|(status, message)| (status, message.to_owned()));
            assert_eq!(got, expected, "{raw:?}");
        };
        check("7", Ok(7));
        check("", Err((400, "Give both schema ids: the left one is missing.")));
        check("abc", Err((400, "The left id 'abc' is not a schema id (a whole number from 1).")));
        check("0", Err((400, "The left id '0' is not a schema id (a whole number from 1).")));
        check("-3", Err((400, "The left id '-3' is not a schema id (a whole number from 1).")));
        check(
            "99999999999",
            Err((400, "The left id '99999999999' is not a schema id (a whole number from 1).")),
        );
    }
}
