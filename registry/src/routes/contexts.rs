//! Schema contexts over HTTP: `GET /contexts`, `DELETE /contexts/{context}`, and the rewrite
//! that gives every other route its `/contexts/{context}/...` form, as Confluent's
//! `ContextFilter` does: the context qualifies the subject of `/subjects/{s}`,
//! `/compatibility/subjects/{s}`, `/config/{s}` and `/mode/{s}` (`/config` and `/mode` alone
//! become the context's own `/config/:.ctx:`), the `subject` of `/schemas/ids/...` and the
//! `subjectPrefix` of `/subjects` and `/schemas`. The same handlers then answer, so the prefix
//! has no code paths of its own. The rewrite also stores `:.:name` as `name` before routing, so
//! authorization and handlers see one spelling of a subject.

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::StatusCode;
use axum::http::uri::{PathAndQuery, Uri};
use axum::response::{IntoResponse, Response};
use schemata_core::context::{self, CONTEXT_WILDCARD, DEFAULT_CONTEXT};
use schemata_core::records::{Record, RecordKey};

use super::{App, Params, json, percent_decode};
use crate::error::ApiError;

/// `GET /contexts`: every context, `.` first, then by name (Confluent's order), paged with
/// `offset` and `limit`.
pub(crate) async fn list_contexts(
    State(app): State<App>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::parse(query.as_deref());
    let page = params.page(app.shared.limits.max_list_len)?;
    let names = app.shared.read().context_names();
    Ok(json(&page.apply(names)))
}

/// `DELETE /contexts/{context}`: forgets a context that holds no subject any more (soft-deleted
/// versions still count: delete them permanently first). The default context cannot go.
pub(crate) async fn delete_context(
    State(app): State<App>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let raw = path.map(|Path(raw)| raw).map_err(|_| ApiError::NotFound)?;
    let name = context::parse_context(&raw).map_err(|e| ApiError::BadParameter(e.to_string()))?;
    if name == DEFAULT_CONTEXT {
        return Err(ApiError::NotPermitted("The default context cannot be deleted".into()));
    }
    app.writer
        .submit(move |tx| {
            let state = &*tx.state;
            if !state.context_names().contains(&name) {
                return Err(ApiError::ContextNotFound(name));
            }
            let subjects = state.context_subjects(&name);
            if let Some(first) = subjects.first() {
                return Err(ApiError::NotPermitted(format!(
                    "Context {name} is not empty: {} subject(s) such as {first} still have \
                     versions (soft-deleted ones count; delete them permanently first)",
                    subjects.len()
                )));
            }
            if state.has_context_record(&name) {
                tx.emit(Record { key: RecordKey::context(name), value: None });
            }
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The request as the routing table reads it: `/contexts/{context}/rest` rewritten to `/rest`
/// with the context applied, and `:.:name` subjects stored as `name`. Requests that name no
/// context pass untouched (the common case costs two byte scans). A context name with a colon
/// is answered here, as Confluent's filter answers it (400).
pub(crate) fn rewrite(mut request: Request<Body>) -> Result<Request<Body>, ApiError> {
    let uri = request.uri();
    let path = uri.path();
    let query = uri.query();
    let prefixed = path.starts_with("/contexts/");
    if !prefixed && !mentions_context(path) && !query.is_some_and(mentions_context) {
        return Ok(request);
    }
    let rewritten = rewrite_parts(path, query)?;
    let Some(path_and_query) = rewritten else { return Ok(request) };
    let mut parts = uri.clone().into_parts();
    let Ok(path_and_query) = path_and_query.parse::<PathAndQuery>() else { return Ok(request) };
    parts.path_and_query = Some(path_and_query);
    if let Ok(uri) = Uri::from_parts(parts) {
        *request.uri_mut() = uri;
    }
    Ok(request)
}

/// Whether raw URI text may name a context (`:.`, encoded or not). Every request asks this, so
/// it only scans bytes (no allocation).
fn mentions_context(raw: &str) -> bool {
    raw.contains(":.")
        || raw.as_bytes().windows(4).any(|w| {
            w[0] == b'%' && w[1] == b'3' && w[2].eq_ignore_ascii_case(&b'a') && w[3] == b'.'
        })
}

/// The rewritten path and query, `None` when nothing changes.
fn rewrite_parts(path: &str, query: Option<&str>) -> Result<Option<String>, ApiError> {
    let raw: Vec<&str> = path.split('/').skip(1).collect();
    let mut segments: Vec<String> = raw.iter().map(|s| percent_decode(s)).collect();
    // `/contexts/{context}` alone is the context's own route; `/contexts/{context}/...` the
    // other routes within it.
    let context = if segments.len() > 2 && segments[0] == "contexts" {
        let name = context::parse_context(&segments[1])
            .map_err(|e| ApiError::BadParameter(e.to_string()))?;
        segments.drain(..2);
        Some(name)
    } else {
        None
    };
    let within = context.as_deref().unwrap_or(DEFAULT_CONTEXT);
    let qualify = |subject: &str| match context {
        Some(_) => context::qualify(within, subject),
        None => context::normalize(subject).into_owned(),
    };
    // The segment after `subjects` (anywhere, as Confluent's filter looks) and after a root
    // `config` or `mode` is a subject.
    let mut subject_next = false;
    let root_setting = matches!(segments.first().map(String::as_str), Some("config" | "mode"));
    for (i, segment) in segments.iter_mut().enumerate() {
        if subject_next {
            *segment = qualify(segment);
            subject_next = false;
        } else if segment == "subjects" || (i == 0 && root_setting) {
            subject_next = true;
        }
    }
    // `/contexts/.ctx/config` is the context's own config (`/config/:.ctx:`).
    if context.is_some() && root_setting && segments.len() == 1 && within != DEFAULT_CONTEXT {
        segments.push(context::prefix(within));
    }
    let joined = segments.join("/");
    let original = match query {
        Some(query) => format!("{path}?{query}"),
        None => path.to_owned(),
    };
    let query = rewrite_query(query, &joined, context.as_deref());
    let mut out = String::with_capacity(path.len() + 16);
    for segment in &segments {
        out.push('/');
        encode_into(&mut out, segment);
    }
    if out.is_empty() {
        out.push('/');
    }
    if let Some(query) = &query {
        out.push('?');
        out.push_str(query);
    }
    Ok((out != original || context.is_some()).then_some(out))
}

/// The query with the context applied to `subject` (reads by id) or `subjectPrefix`
/// (listings), and `:.:name` subjects normalized.
fn rewrite_query(query: Option<&str>, path: &str, context: Option<&str>) -> Option<String> {
    let within = context.unwrap_or(DEFAULT_CONTEXT);
    let by_id = path.starts_with("schemas/ids");
    let listing = path == "schemas" || path == "subjects";
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut seen = (false, false);
    for pair in query.unwrap_or_default().split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (name, value) = (percent_decode(name), percent_decode(value));
        let value = match name.as_str() {
            "subject" => {
                seen.0 = true;
                match context {
                    Some(_) if by_id => context::qualify(within, &value),
                    _ => context::normalize(&value).into_owned(),
                }
            }
            "subjectPrefix" => {
                seen.1 = true;
                match context {
                    Some(_) if listing && !value.starts_with(CONTEXT_WILDCARD) => {
                        context::qualify(within, &value)
                    }
                    _ => value,
                }
            }
            _ => value,
        };
        pairs.push((name, value));
    }
    if context.is_some() {
        // No subject: the context itself; no prefix: the whole context.
        if by_id && !seen.0 {
            pairs.push(("subject".into(), context::prefix(within)));
        }
        if listing && !seen.1 {
            pairs.push(("subjectPrefix".into(), context::prefix(within)));
        }
    }
    if pairs.is_empty() {
        return query.map(str::to_owned);
    }
    let mut out = String::new();
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        encode_into(&mut out, name);
        out.push('=');
        encode_into(&mut out, value);
    }
    Some(out)
}

/// Percent-encodes what a path segment or query value may not carry as is.
fn encode_into(out: &mut String, text: &str) {
    for byte in text.bytes() {
        let keep = byte.is_ascii_alphanumeric() || b"-._~:@!$'()*,;".contains(&byte);
        if keep {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rewrites `uri` and describes the result (`-` when unchanged, `!` + message on refusal).
    fn check(uri: &str, expected: &str) {
        let (path, query) = uri.split_once('?').map_or((uri, None), |(p, q)| (p, Some(q)));
        let got = match rewrite_parts(path, query) {
            Ok(Some(rewritten)) => rewritten,
            Ok(None) => "-".to_owned(),
            Err(error) => format!("!{error}"),
        };
        assert_eq!(got, expected, "{uri}");
    }

    #[test]
    fn urls_within_a_context_are_the_plain_routes() {
        check("/contexts/.team/subjects", "/subjects?subjectPrefix=:.team:");
        check("/contexts/team/subjects", "/subjects?subjectPrefix=:.team:");
        check("/contexts/:.team:/subjects/s/versions", "/subjects/:.team:s/versions");
        check("/contexts/.team/subjects/s/versions/1", "/subjects/:.team:s/versions/1");
        check("/contexts/.team/subjects/:.other:s/versions", "/subjects/:.other:s/versions");
        check(
            "/contexts/.team/compatibility/subjects/s/versions/latest",
            "/compatibility/subjects/:.team:s/versions/latest",
        );
        check("/contexts/.team/config", "/config/:.team:");
        check("/contexts/.team/mode", "/mode/:.team:");
        check("/contexts/.team/config/s", "/config/:.team:s");
        check("/contexts/./config", "/config");
        check("/contexts/./subjects", "/subjects?subjectPrefix=");
        check("/contexts/.team/schemas/ids/1", "/schemas/ids/1?subject=:.team:");
        check("/contexts/.team/schemas/ids/1?subject=s", "/schemas/ids/1?subject=:.team:s");
        check("/contexts/.team/schemas/ids/1/versions", "/schemas/ids/1/versions?subject=:.team:");
        check(
            "/contexts/.team/schemas?latestOnly=true",
            "/schemas?latestOnly=true&subjectPrefix=:.team:",
        );
        check("/contexts/.team/subjects?subjectPrefix=a", "/subjects?subjectPrefix=:.team:a");
        check("/contexts/.team/subjects?subjectPrefix=:*:", "/subjects?subjectPrefix=:*:");
        check("/contexts/.team/schemas/types", "/schemas/types");
        check("/contexts/a:b/subjects", "!Context name cannot contain a colon");
        check("/contexts/.team/subjects/a%2Fb/versions", "/subjects/:.team:a%2Fb/versions");
    }

    #[test]
    fn only_urls_that_may_name_a_context_are_looked_into() {
        let cases: &[(&str, bool)] = &[
            ("/subjects/a/versions", false),
            ("/subjects/:.t:a", true),
            ("/subjects/%3A.t%3Aa", true),
            ("/subjects/%3a.t%3aa", true),
            ("subject=%3A", false),
            ("/schemas/ids/1", false),
        ];
        for &(raw, expected) in cases {
            assert_eq!(mentions_context(raw), expected, "{raw}");
        }
    }

    #[test]
    fn other_urls_keep_their_form_but_store_one_spelling() {
        check("/contexts", "-");
        check("/contexts/.team", "-");
        check("/subjects/:.team:s/versions", "-");
        check("/subjects/%3A.team%3As/versions", "/subjects/:.team:s/versions");
        check("/subjects/:.:s/versions", "/subjects/s/versions");
        check("/config/:.:s", "/config/s");
        check("/schemas/ids/1?subject=:.:s", "/schemas/ids/1?subject=s");
        check("/schemas/ids/1?subject=:.team:s", "-");
    }
}
