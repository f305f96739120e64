//! The web UI at `/ui`: server-rendered HTML over the in-memory state, for people who would
//! rather look than read JSON. Its own routes (mounted by `routes::router` when the `ui` setting
//! is on), so the REST API is untouched. Pages read the state under the same short read lock as
//! the REST handlers; every write goes through the same jobs and the writer as the REST API.
//!
//! HTML is built with maud: templates are Rust expressions checked at compile time and every
//! interpolated value is escaped, so a subject name or schema text can never inject markup.
//! Reading works without JavaScript; `assets/ui.js` only adds conveniences. Assets are compiled
//! into the binary.

mod admin;
mod code;
mod diff;
mod ids;
mod search;
pub(crate) use self::search::FieldIndex;
mod subjects;
mod tester;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maud::{DOCTYPE, Markup, html};

use crate::error::ApiError;
use crate::routes::{App, Params};
use crate::state::{Ctx, Sid};

/// Rows per page of the subject list and of search results.
const PAGE_LEN: usize = 50;

/// The UI's routes, all under `/ui`.
pub(crate) fn routes() -> Router<App> {
    Router::new()
        .route("/ui", get(subjects::list))
        .route("/ui/", get(subjects::list))
        .route("/ui/assets/ui.css", get(css))
        .route("/ui/assets/ui.js", get(js))
        .route("/ui/subjects/{subject}", get(subjects::show))
        .route("/ui/subjects/{subject}/diff", get(diff::handler))
        .route("/ui/subjects/{subject}/test", get(tester::form_handler).post(tester::submit))
        .route("/ui/subjects/{subject}/settings", post(admin::settings))
        .route("/ui/subjects/{subject}/delete", get(admin::confirm).post(admin::delete))
        .route("/ui/test", get(tester::pick_subject))
        .route("/ui/diff", get(diff::by_ids))
        .route("/ui/ids", get(ids::pick))
        .route("/ui/ids/{id}", get(ids::handler))
        .route("/ui/search", get(search::handler))
}

async fn css() -> Response {
    asset(include_str!("ui/assets/ui.css"), "text/css; charset=utf-8")
}

async fn js() -> Response {
    asset(include_str!("ui/assets/ui.js"), "text/javascript; charset=utf-8")
}

fn asset(text: &'static str, content_type: &'static str) -> Response {
    let mut response = text.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    response
}

/// A whole page: the shared head, the navigation and `body` as the main landmark.
fn page(title: &str, body: Markup) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · schemata registry" }
                link rel="stylesheet" href="/ui/assets/ui.css";
                script src="/ui/assets/ui.js" defer {}
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header {
                    nav aria-label="Main" {
                        a href="/ui" { "Subjects" }
                        a href="/ui/search" { "Search fields" }
                        form action="/ui/ids" method="get" role="search" {
                            label.check for="nav-id" { "Schema id" }
                            input #nav-id type="number" name="id" min="1" size="6";
                            button type="submit" { "Open" }
                        }
                    }
                }
                main #main { (body) }
            }
        }
    };
    html_response(StatusCode::OK, markup)
}

fn html_response(status: StatusCode, markup: Markup) -> Response {
    let mut response = (status, markup.into_string()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    response
}

/// An error page with the status the REST API would answer and its message (also the auth
/// layer's refusal of a `/ui` page: a browser shows a page, not a JSON body).
pub(crate) fn error_page(error: &ApiError) -> Response {
    let (status, _) = error.status_and_code();
    let mut response = page(
        "Error",
        html! {
            h1 { "Error" }
            p.error role="alert" { (error.to_string()) }
            p { a href="/ui" { "Back to the subjects" } }
        },
    );
    *response.status_mut() = status;
    response
}

/// A handler's answer: a page, or the error page.
type PageResult = Result<Response, ApiError>;

fn answer(result: PageResult) -> Response {
    result.unwrap_or_else(|error| error_page(&error))
}

/// A `303 See Other` after a successful form post, so reloading does not post again.
fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// Percent-encodes a path segment or query value (everything but RFC 3986's unreserved set).
fn enc(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for byte in raw.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The UI path of a subject's page.
fn subject_url(subject: &str) -> String {
    format!("/ui/subjects/{}", enc(subject))
}

/// The page of schema `id`; an id of a context other than the default is named with
/// `?subject=:.ctx:`, as `GET /schemas/ids/{id}` names it.
fn id_url(id: Sid) -> String {
    format!("/ui/ids/{}{}", id.id, ctx_query(id.ctx, '?'))
}

/// `subject=:.ctx:` after `separator` for a context other than the default, else nothing: what
/// by-id links add so that the page finds the id in its context.
fn ctx_query(ctx: Ctx, separator: char) -> String {
    if ctx == Ctx::DEFAULT {
        return String::new();
    }
    format!("{separator}subject={}", enc(&schemata_core::context::prefix(&ctx.name())))
}

/// Reads a form post (`application/x-www-form-urlencoded`), bounded by the body limit, after
/// refusing cross-site posts: a page elsewhere must not be able to delete subjects through a
/// browser that can reach the registry.
async fn form(app: &App, request: Request) -> Result<Params, ApiError> {
    let headers = request.headers();
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) {
        let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
        if origin != "null" && origin_host != host {
            return Err(ApiError::NotPermitted(format!(
                "Cross-site form posts are refused (origin {origin}, host {host})"
            )));
        }
    }
    let limit = app.shared.limits.max_body_bytes;
    let bytes = axum::body::to_bytes(Body::new(request.into_body()), limit)
        .await
        .map_err(|_| ApiError::BodyTooLarge(limit))?;
    Ok(Params::parse(Some(&String::from_utf8_lossy(&bytes))))
}

/// A reference, linked to the referenced subject's page when the caller may read it (a link
/// the middleware would refuse is not offered).
fn reference(r: &schemata_core::SchemaReference, readable: bool) -> Markup {
    html! {
        code { (r.name) } " → "
        @if readable { a href=(format!("{}?version={}", subject_url(&r.subject), r.version)) { (r.subject) " v" (r.version) } }
        @else { (r.subject) " v" (r.version) }
    }
}

/// A label for a subject's level or mode setting: the value and where it comes from.
fn inherited(value: &str, own: bool) -> Markup {
    html! {
        (value)
        @if !own { " " span.tag { "inherited" } }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(enc("orders-value"), "orders-value");
        assert_eq!(enc("a/b c?é"), "a%2Fb%20c%3F%C3%A9");
        assert_eq!(subject_url("x y"), "/ui/subjects/x%20y");
    }
}
