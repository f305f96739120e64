//! By id: which subjects and versions use a schema id (those the caller may read), the schema
//! itself, and a form to diff it with any other id. Ids are per context: `?subject=` picks the
//! context as `GET /schemas/ids/{id}?subject=` does (`:.ctx:` alone names a context), and every
//! link from here keeps it.

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use maud::html;
use schemata_core::SchemaId;

use super::code::{self, Marks};
use super::{PageResult, answer, ctx_query, page, reference, see_other, subject_url};
use crate::auth::Access;
use crate::error::ApiError;
use crate::routes::{App, Params};

/// `/ui/ids?id=N` (the navigation's form) → `/ui/ids/N`.
pub(super) async fn pick(RawQuery(query): RawQuery) -> Response {
    let params = Params::parse(query.as_deref());
    match params.get("id").and_then(|id| id.trim().parse::<u32>().ok()) {
        Some(id) => see_other(&format!("/ui/ids/{id}")),
        None => see_other("/ui"),
    }
}

pub(super) async fn handler(
    State(app): State<App>,
    access: Access,
    Path(raw): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    answer(render(&app, &access, &raw, query.as_deref()))
}

/// One row using the id: subject, version, soft-deleted, and the id of the version before it.
type Use = (String, u32, bool, Option<u32>);

fn render(app: &App, access: &Access, raw: &str, query: Option<&str>) -> PageResult {
    let number = raw
        .parse::<i64>()
        .ok()
        .and_then(SchemaId::new)
        .ok_or_else(|| ApiError::SchemaNotFound(raw.to_owned()))?;
    let state = app.shared.read();
    let id = state
        .find_id(number, Params::parse(query).get("subject"))
        .ok_or_else(|| ApiError::SchemaNotFound(raw.to_owned()))?;
    let stored = state.schemas.get(&id).ok_or_else(|| ApiError::SchemaNotFound(id.to_string()))?;
    let context = (id.ctx != crate::state::Ctx::DEFAULT).then(|| id.ctx.name());
    let in_ctx = ctx_query(id.ctx, '&');
    let text = code::pretty(&stored.text());
    let schema_type = stored.schema_type;
    let references = stored.references.clone();
    // Every (subject, version) row with this id in a subject the caller may read (the route
    // lets in callers who may read one of them); one pass over the subjects, as the REST
    // `GET /schemas/ids/{id}/versions` does. Each with the id of the version before it, to
    // diff with.
    let uses: Vec<Use> = state
        .subjects
        .iter()
        .filter(|(name, _)| access.can_read(name))
        .flat_map(|(name, s)| {
            let mut previous = None;
            let mut found = Vec::new();
            for (v, row) in &s.versions {
                if row.id == id {
                    found.push((
                        name.clone(),
                        v.0,
                        row.deleted,
                        previous.filter(|p| *p != id.id.0),
                    ));
                }
                previous = Some(row.id.id.0);
            }
            found
        })
        .collect();
    drop(state);
    let title = match &context {
        Some(context) => format!("Schema id {id} in context {context}"),
        None => format!("Schema id {id}"),
    };
    Ok(page(
        &title,
        html! {
            h1 { (title) }
            dl.facts {
                dt { "Type" } dd { (schema_type.as_str()) }
                @if let Some(context) = &context { dt { "Context" } dd #context { code { (context) } } }
            }
            h2 { "Used by" }
            @if uses.is_empty() { p { "No subject version uses it." } } @else {
                table #uses {
                    thead { tr { th scope="col" { "Subject" } th scope="col" { "Version" } th scope="col" { "State" } th scope="col" { "Diff" } } }
                    tbody { @for (subject, version, deleted, previous) in &uses {
                        tr {
                            td { a href=(subject_url(subject)) { (subject) } }
                            td { a href=(format!("{}?version={version}", subject_url(subject))) { "v" (version) } }
                            td { @if *deleted { span.tag { "soft-deleted" } } @else { "live" } }
                            td { @if let Some(p) = previous { a href=(format!("/ui/diff?left={p}&right={id}{in_ctx}")) { "from the version before (id " (p) ")" } } }
                        }
                    } }
                }
            }
            @if !references.is_empty() {
                h2 { "References" }
                ul { @for r in &references {
                    li { (reference(r, access.can_read(&r.subject))) }
                } }
            }
            h2 { "Diff" }
            form.inline #diff-with action="/ui/diff" method="get" {
                input type="hidden" name="left" value=(id);
                @if let Some(context) = &context {
                    input type="hidden" name="subject" value=(schemata_core::context::prefix(context));
                }
                label for="diff-right" { "Diff with schema id" input #diff-right type="number" name="right" min="1" required; }
                button type="submit" { "Diff" }
            }
            h2 { "Schema" }
            (code::block(&text, "", &format!("Schema id {id}"), &Marks::new()))
            p { a href=(format!("/schemas/ids/{id}/schema{}", ctx_query(id.ctx, '?'))) { "Raw schema text" } }
        },
    ))
}
