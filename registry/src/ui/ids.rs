//! By id: which subjects and versions use a schema id, and the schema itself.

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use maud::html;
use schemata_core::SchemaId;

use super::code::{self, Marks};
use super::{PageResult, answer, page, see_other, subject_url};
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

pub(super) async fn handler(State(app): State<App>, Path(raw): Path<String>) -> Response {
    answer(render(&app, &raw))
}

fn render(app: &App, raw: &str) -> PageResult {
    let id = raw
        .parse::<i64>()
        .ok()
        .and_then(SchemaId::new)
        .ok_or_else(|| ApiError::SchemaNotFound(raw.to_owned()))?;
    let state = app.shared.read();
    let stored = state.schemas.get(&id).ok_or_else(|| ApiError::SchemaNotFound(id.to_string()))?;
    let text = code::pretty(&stored.text());
    let schema_type = stored.schema_type;
    let references = stored.references.clone();
    // Every (subject, version) row with this id; one pass over the subjects, as the REST
    // `GET /schemas/ids/{id}/versions` does.
    let uses: Vec<(String, u32, bool)> = state
        .subjects
        .iter()
        .flat_map(|(name, s)| {
            s.versions
                .iter()
                .filter(|(_, row)| row.id == id)
                .map(|(v, row)| (name.clone(), v.0, row.deleted))
        })
        .collect();
    drop(state);
    Ok(page(
        &format!("Schema id {id}"),
        html! {
            h1 { "Schema id " (id) }
            dl.facts { dt { "Type" } dd { (schema_type.as_str()) } }
            h2 { "Used by" }
            @if uses.is_empty() { p { "No subject version uses it." } } @else {
                table #uses {
                    thead { tr { th scope="col" { "Subject" } th scope="col" { "Version" } th scope="col" { "State" } } }
                    tbody { @for (subject, version, deleted) in &uses {
                        tr {
                            td { a href=(subject_url(subject)) { (subject) } }
                            td { a href=(format!("{}?version={version}", subject_url(subject))) { "v" (version) } }
                            td { @if *deleted { span.tag { "soft-deleted" } } @else { "live" } }
                        }
                    } }
                }
            }
            @if !references.is_empty() {
                h2 { "References" }
                ul { @for r in &references {
                    li { code { (r.name) } " → " a href=(format!("{}?version={}", subject_url(&r.subject), r.version)) { (r.subject) " v" (r.version) } }
                } }
            }
            h2 { "Schema" }
            (code::block(&text, "", &format!("Schema id {id}"), &Marks::new()))
            p { a href=(format!("/schemas/ids/{id}/schema")) { "Raw schema text" } }
        },
    ))
}
