//! The subject list (filter by name and type, soft-deleted shown or hidden, paginated) and a
//! subject's page (versions, the selected schema, references both ways, config, mode, actions).

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use maud::html;
use schemata_core::{SchemaId, SchemaType, Version, VersionSpec};

use super::code::{self, Marks};
use super::diff::readable;
use super::{PAGE_LEN, PageResult, answer, enc, id_url, inherited, page, reference, subject_url};
use crate::auth::{Access, Operation};
use crate::error::ApiError;
use crate::routes::{App, Params, subject};
use crate::state::{Mode, Sid};

/// One row of the list.
#[derive(Debug)]
struct Row {
    name: String,
    schema_type: SchemaType,
    latest: Version,
    id: Sid,
    versions: usize,
    deleted: bool,
}

pub(super) async fn list(
    State(app): State<App>,
    access: Access,
    RawQuery(query): RawQuery,
) -> Response {
    let params = Params::parse(query.as_deref());
    let needle = params.get("q").unwrap_or("").trim().to_owned();
    let wanted_type = params.get("type").and_then(SchemaType::parse);
    let show_deleted = params.flag("deleted");
    let page_number = params.get("page").and_then(|p| p.parse::<usize>().ok()).unwrap_or(1).max(1);
    let state = app.shared.read();
    let mut total = 0;
    let mut rows = Vec::new();
    let skip = (page_number - 1) * PAGE_LEN;
    for (name, s) in &state.subjects {
        // Subjects the caller may not read are not listed (authorization on).
        if !access.can_read(name) {
            continue;
        }
        if !needle.is_empty() && !name.contains(needle.as_str()) {
            continue;
        }
        let latest = if show_deleted {
            s.versions.iter().next_back().map(|(v, r)| (*v, *r))
        } else {
            s.latest_live()
        };
        let Some((latest, row)) = latest else { continue };
        let Some(stored) = state.schemas.get(&row.id) else { continue };
        if wanted_type.is_some_and(|t| t != stored.schema_type) {
            continue;
        }
        total += 1;
        if total > skip && rows.len() < PAGE_LEN {
            let versions = if show_deleted { s.versions.len() } else { s.live().count() };
            rows.push(Row {
                name: name.clone(),
                schema_type: stored.schema_type,
                latest,
                id: row.id,
                versions,
                deleted: !s.has_live(),
            });
        }
    }
    let settings: Vec<(String, bool, Mode, bool)> = rows
        .iter()
        .map(|r| {
            let own = state.subjects.get(&r.name);
            (
                state.level(&r.name).as_str().to_owned(),
                own.is_some_and(|s| s.config.is_some()),
                state.mode(&r.name),
                own.is_some_and(|s| s.mode.is_some()),
            )
        })
        .collect();
    drop(state);
    let pages = total.div_ceil(PAGE_LEN).max(1);
    let link = |number: usize| {
        let mut url = format!("/ui?page={number}");
        if !needle.is_empty() {
            url.push_str(&format!("&q={}", enc(&needle)));
        }
        if let Some(t) = wanted_type {
            url.push_str(&format!("&type={}", t.as_str()));
        }
        if show_deleted {
            url.push_str("&deleted=true");
        }
        url
    };
    page(
        "Subjects",
        html! {
            h1 { "Subjects" }
            form.filters action="/ui" method="get" role="search" data-autosubmit {
                label for="q" { "Name contains" input #q type="search" name="q" value=(needle); }
                label for="type" {
                    "Type"
                    select #type name="type" {
                        option value="" selected[wanted_type.is_none()] { "any" }
                        @for t in [SchemaType::Avro, SchemaType::Json] {
                            option value=(t.as_str()) selected[wanted_type == Some(t)] { (t.as_str()) }
                        }
                    }
                }
                label.check for="deleted" {
                    input #deleted type="checkbox" name="deleted" value="true" checked[show_deleted];
                    "Show soft-deleted"
                }
                button type="submit" { "Filter" }
            }
            p #count aria-live="polite" { (total) " subjects" @if pages > 1 { ", page " (page_number) " of " (pages) } }
            @if !rows.is_empty() {
                table #subjects {
                    caption.skip { "Subjects" }
                    thead { tr {
                        th scope="col" { "Subject" } th scope="col" { "Type" } th scope="col" { "Latest version" }
                        th scope="col" { "Id" } th scope="col" { "Versions" } th scope="col" { "Level" } th scope="col" { "Mode" }
                    } }
                    tbody {
                        @for (row, (level, own_level, mode, own_mode)) in rows.iter().zip(&settings) {
                            tr {
                                td { a class=[row.deleted.then_some("deleted")] href=(subject_url(&row.name)) { (row.name) } @if row.deleted { " " span.tag { "soft-deleted" } } }
                                td { (row.schema_type.as_str()) }
                                td { (row.latest) }
                                td { a href=(id_url(row.id)) { (row.id) } }
                                td { (row.versions) }
                                td { (inherited(level, *own_level)) }
                                td { (inherited(mode.as_str(), *own_mode)) }
                            }
                        }
                    }
                }
            }
            @if pages > 1 {
                nav.pages aria-label="Pages" {
                    @if page_number > 1 { a rel="prev" href=(link(page_number - 1)) { "← Previous" } }
                    @if page_number < pages { a rel="next" href=(link(page_number + 1)) { "Next →" } }
                }
            }
            h2 { "Register a new schema" }
            form.inline action="/ui/test" method="get" {
                label for="new-subject" { "Subject" input #new-subject name="subject" required; }
                button type="submit" { "Open the tester" }
            }
        },
    )
}

pub(super) async fn show(
    State(app): State<App>,
    access: Access,
    Path(raw): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    answer(show_page(&app, &access, raw, query.as_deref()))
}

fn show_page(app: &App, access: &Access, raw: String, query: Option<&str>) -> PageResult {
    let name = subject(&app.shared, raw)?;
    // Only the actions the caller may take are offered (the middleware refuses the others).
    let (may_write, may_config, may_delete) = (
        access.may(Operation::Write, &name),
        access.may(Operation::Config, &name),
        access.may(Operation::Delete, &name),
    );
    let params = Params::parse(query);
    let state = app.shared.read();
    let s = state.visible(&name, true)?;
    let spec = match params.get("version") {
        Some(raw) => crate::routes::version_spec(raw)?,
        None => VersionSpec::Latest,
    };
    // The latest live version by default; a soft-deleted subject shows its latest.
    let (version, row) = match s.resolve(spec, false) {
        Ok(found) => found,
        Err(_) => s.resolve(spec, true)?,
    };
    let stored =
        state.schemas.get(&row.id).ok_or_else(|| ApiError::SchemaNotFound(row.id.to_string()))?;
    let text = code::pretty(&stored.text());
    let schema_type = stored.schema_type;
    let references = stored.references.clone();
    // Only the referrers the caller may read (authorization on) are listed.
    let referrers: Vec<Sid> = state
        .referrers(&name, version, true)
        .into_iter()
        .filter_map(|id| SchemaId::new(i64::from(id)).map(|id| Sid::new(row.id.ctx, id)))
        .filter(|id| readable(&state, access, *id))
        .collect();
    let versions: Vec<(Version, Sid, bool)> =
        s.versions.iter().map(|(v, r)| (*v, r.id, r.deleted)).collect();
    let level = state.level(&name);
    let own_level = s.config.as_ref().and_then(|c| c.compatibility_level.clone()).is_some();
    let policy = state.json_policy(&name);
    let mode = state.mode(&name);
    let own_mode = s.mode.is_some();
    let has_live = s.has_live();
    drop(state);
    let url = subject_url(&name);
    let latest = versions.last().map(|v| v.0);
    let previous = versions.iter().rev().filter(|v| v.0 < version).map(|v| v.0).next();
    let diff_from = previous.unwrap_or(version);
    let notice = params.get("done");
    Ok(page(
        &name,
        html! {
            h1 { "Subject " code { (name) } }
            @if let Some(notice) = notice { p.notice role="status" { (notice) } }
            dl.facts {
                dt { "Type" } dd { (schema_type.as_str()) }
                dt { "Compatibility level" } dd #level { (inherited(level.as_str(), own_level)) }
                @if schema_type == SchemaType::Json { dt { "JSON policy" } dd { (policy.as_str()) } }
                dt { "Mode" } dd #mode { (inherited(mode.as_str(), own_mode)) }
            }
            @if may_write {
                p { a href=(format!("{url}/test")) { "Test a schema against this subject" } }
            }
            h2 { "Versions" }
            table #versions {
                thead { tr { th scope="col" { "Version" } th scope="col" { "Id" } th scope="col" { "State" } } }
                tbody {
                    @for (v, id, deleted) in versions.iter().rev() {
                        tr {
                            td { a href=(format!("{url}?version={v}")) aria-current=[(*v == version).then_some("page")] { "v" (v) } }
                            td { a href=(id_url(*id)) { (id) } }
                            td { @if *deleted { span.tag { "soft-deleted" } } @else { "live" } }
                        }
                    }
                }
            }
            @if versions.len() > 1 {
                form.inline action=(format!("{url}/diff")) method="get" {
                    label for="diff-a" { "Old" select #diff-a name="a" {
                        @for (v, _, _) in versions.iter().rev() { option value=(v) selected[*v == diff_from] { "v" (v) } }
                    } }
                    label for="diff-b" { "New" select #diff-b name="b" {
                        @for (v, _, _) in versions.iter().rev() { option value=(v) selected[*v == version] { "v" (v) } }
                    } }
                    button type="submit" { "Diff" }
                }
            }
            h2 #schema { "Version " (version) " (id " (row.id) ")" @if row.deleted { " " span.tag { "soft-deleted" } } }
            (code::block(&text, "", &format!("Schema of version {version}"), &Marks::new()))
            p { a href=(format!("/subjects/{}/versions/{version}?deleted=true", enc(&name))) { "REST: this version as JSON" } }
            h2 { "References" }
            @if references.is_empty() { p { "None." } } @else {
                ul #references { @for r in &references {
                    li { (reference(r, access.can_read(&r.subject))) }
                } }
            }
            h2 { "Referenced by" }
            @if referrers.is_empty() { p { "None." } } @else {
                ul #referenced-by { @for id in &referrers {
                    li { a href=(id_url(*id)) { "schema id " (id) } }
                } }
            }
            @if may_config {
            h2 { "Settings" }
            form.inline action=(format!("{url}/settings")) method="post" {
                label for="set-level" { "Compatibility level" select #set-level name="level" {
                    @for l in LEVELS { option value=(l) selected[*l == level.as_str()] { (l) } }
                } }
                label for="set-mode" { "Mode" select #set-mode name="mode" {
                    @for m in ["READWRITE", "READONLY", "IMPORT"] { option value=(m) selected[m == mode.as_str()] { (m) } }
                } }
                button type="submit" { "Save settings" }
            }
            }
            @if may_delete {
            h2 { "Delete" }
            ul {
                @if !row.deleted {
                    li { a href=(format!("{url}/delete?version={version}")) { "Soft-delete version " (version) } }
                } @else {
                    li { a href=(format!("{url}/delete?version={version}&permanent=true")) { "Permanently delete version " (version) } }
                }
                @if has_live {
                    li { a href=(format!("{url}/delete")) { "Soft-delete the whole subject" } }
                } @else {
                    li { a href=(format!("{url}/delete?permanent=true")) { "Permanently delete the whole subject" } }
                }
            }
            }
            @if latest.is_some_and(|l| l != version) { p { a href=(url) { "Back to the latest version" } } }
        },
    ))
}

/// Every compatibility level, in the order the UI offers them.
pub(super) const LEVELS: &[&str] = &[
    "BACKWARD",
    "BACKWARD_TRANSITIVE",
    "FORWARD",
    "FORWARD_TRANSITIVE",
    "FULL",
    "FULL_TRANSITIVE",
    "NONE",
];
