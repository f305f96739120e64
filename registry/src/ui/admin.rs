//! Admin actions: a subject's level and mode, and soft or permanent deletes after a confirmation
//! page that names what goes away. Every change is a job for the writer, the same functions as
//! the REST API's `PUT /config/{s}`, `PUT /mode/{s}` and the DELETEs, so the same rules apply.

use axum::extract::{Path, RawQuery, Request, State};
use axum::response::Response;
use maud::html;
use schemata_core::api::ConfigUpdate;
use schemata_core::{CompatibilityLevel, VersionSpec};

use super::{PageResult, answer, enc, form, page, see_other, subject_url};
use crate::auth::{Access, Operation};
use crate::error::ApiError;
use crate::jobs;
use crate::routes::{App, Params, subject, version_spec};
use crate::state::Mode;

pub(super) async fn settings(
    State(app): State<App>,
    Path(raw): Path<String>,
    request: Request,
) -> Response {
    answer(save_settings(&app, raw, request).await)
}

async fn save_settings(app: &App, raw: String, request: Request) -> PageResult {
    let name = subject(&app.shared, raw)?;
    let params = form(app, request).await?;
    let level = match params.get("level") {
        Some(raw) => {
            Some(CompatibilityLevel::parse(raw).ok_or(ApiError::InvalidCompatibilityLevel)?)
        }
        None => None,
    };
    let mode = match params.get("mode") {
        Some(raw) => Some(Mode::parse(raw).ok_or_else(|| ApiError::InvalidMode(raw.to_owned()))?),
        None => None,
    };
    // Only what differs from what is in force is written, so saving an unchanged form does not
    // pin an inherited setting on the subject.
    let (current_level, current_mode) = {
        let state = app.shared.read();
        (state.level(&name), state.mode(&name))
    };
    let level = level.filter(|l| *l != current_level);
    let mode = mode.filter(|m| *m != current_mode);
    let mut done = Vec::new();
    if let Some(level) = level {
        let update = ConfigUpdate {
            compatibility: Some(level.as_str().to_owned()),
            ..ConfigUpdate::default()
        };
        let target = name.clone();
        app.writer.submit(move |tx| jobs::settings::put_config(tx, Some(target), &update)).await?;
        done.push(format!("level set to {level}"));
    }
    if let Some(mode) = mode {
        let target = name.clone();
        app.writer
            .submit(move |tx| jobs::settings::put_mode(tx, Some(target), mode, false))
            .await?;
        done.push(format!("mode set to {}", mode.as_str()));
    }
    let notice = if done.is_empty() {
        "Nothing changed.".to_owned()
    } else {
        format!("Saved: {}.", done.join(", "))
    };
    Ok(see_other(&format!("{}?done={}", subject_url(&name), enc(&notice))))
}

/// What a delete request names: a version or the whole subject, soft or permanent.
#[derive(Debug)]
struct Target {
    version: Option<VersionSpec>,
    permanent: bool,
}

fn target(params: &Params) -> Result<Target, ApiError> {
    let version = params.get("version").filter(|v| !v.is_empty()).map(version_spec).transpose()?;
    Ok(Target { version, permanent: params.flag("permanent") })
}

pub(super) async fn confirm(
    State(app): State<App>,
    access: Access,
    Path(raw): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    answer(confirm_page(&app, &access, raw, query.as_deref()))
}

fn confirm_page(app: &App, access: &Access, raw: String, query: Option<&str>) -> PageResult {
    let name = subject(&app.shared, raw)?;
    let may_delete = access.may(Operation::Delete, &name);
    let target = target(&Params::parse(query))?;
    let state = app.shared.read();
    let s = state.visible(&name, true)?;
    // The rows that go away: one version, or every live one (soft) / every one (permanent).
    let rows: Vec<(u32, u32)> = match target.version {
        Some(spec) => {
            let (v, row) = s.resolve(spec, true)?;
            vec![(v.0, row.id.id.0)]
        }
        None => s
            .versions
            .iter()
            .filter(|(_, row)| target.permanent || !row.deleted)
            .map(|(v, row)| (v.0, row.id.id.0))
            .collect(),
    };
    drop(state);
    let what = match (target.version, target.permanent) {
        (Some(_), false) => "Soft-delete a version",
        (Some(_), true) => "Permanently delete a version",
        (None, false) => "Soft-delete a subject",
        (None, true) => "Permanently delete a subject",
    };
    let url = subject_url(&name);
    Ok(page(
        what,
        html! {
            h1 { (what) }
            p { "Subject " code { (name) } ": these versions go away:" }
            ul #doomed { @for (v, id) in &rows { li { "version " (v) " (schema id " (id) ")" } } }
            @if target.permanent {
                p.error { "A permanent delete removes the records for good; it cannot be undone. Schema ids no other version uses are gone too." }
            } @else {
                p.notice { "A soft delete hides the versions from readers; they stay in the log, can be listed with the deleted flag, and can then be deleted permanently." }
            }
            @if !may_delete {
                p.error role="alert" { "You may not delete versions of this subject." }
                p { a href=(url) { "Back to the subject" } }
            } @else {
            form action=(format!("{url}/delete")) method="post" {
                @if let Some(spec) = target.version { input type="hidden" name="version" value=(spec_text(spec)); }
                @if target.permanent { input type="hidden" name="permanent" value="true"; }
                button.danger type="submit" { (what) }
                " "
                a href=(url) { "Cancel" }
            }
            }
        },
    ))
}

fn spec_text(spec: VersionSpec) -> String {
    match spec {
        VersionSpec::Latest => "latest".into(),
        VersionSpec::Exact(version) => version.to_string(),
    }
}

pub(super) async fn delete(
    State(app): State<App>,
    Path(raw): Path<String>,
    request: Request,
) -> Response {
    answer(run_delete(&app, raw, request).await)
}

async fn run_delete(app: &App, raw: String, request: Request) -> PageResult {
    let name = subject(&app.shared, raw)?;
    let target = target(&form(app, request).await?)?;
    let permanent = target.permanent;
    let kind = if permanent { "permanently deleted" } else { "soft-deleted" };
    let notice = match target.version {
        Some(spec) => {
            let who = name.clone();
            let version = app
                .writer
                .submit(move |tx| jobs::delete::version(tx, who, spec, permanent))
                .await?;
            format!("Version {version} {kind}.")
        }
        None => {
            let who = name.clone();
            let versions =
                app.writer.submit(move |tx| jobs::delete::subject(tx, who, permanent)).await?;
            let list: Vec<String> = versions.iter().map(u32::to_string).collect();
            format!("Versions {} {kind}.", list.join(", "))
        }
    };
    // The subject page still exists after a soft delete; after a permanent one it may not.
    let still_there = app.shared.read().subjects.get(&name).is_some_and(|s| !s.versions.is_empty());
    if still_there {
        Ok(see_other(&format!("{}?done={}", subject_url(&name), enc(&notice))))
    } else {
        Ok(see_other(&format!("/ui?deleted=true&q={}", enc(&name))))
    }
}
