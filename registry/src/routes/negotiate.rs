//! Content negotiation as Confluent's registry (Jersey) does it: a request body must be one of
//! the JSON types it reads (else 415), the `Accept` header picks the answer's type among the
//! three it writes (else 406), and the answer says which it chose. The web UI, `/metrics` and
//! the health checks have their own types and are left alone.

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use schemata_core::api::{CONTENT_TYPE, ErrorBody};

/// What the API answers with, best first, with Confluent's server-side weights (`qs`): for
/// `Accept: */*` or no `Accept`, the v1 type wins.
const PRODUCED: [(&str, f32); 3] =
    [(CONTENT_TYPE, 1.0), ("application/vnd.schemaregistry+json", 0.9), ("application/json", 0.5)];

/// What request bodies may be: the three JSON types, and the generic type (and none at all)
/// that clients sending raw bytes use.
const CONSUMED: [&str; 4] = [
    CONTENT_TYPE,
    "application/vnd.schemaregistry+json",
    "application/json",
    "application/octet-stream",
];

/// Most media ranges read from one `Accept` header: a bound on work for hostile headers.
const MAX_MEDIA_RANGES: usize = 32;

pub(crate) async fn negotiate(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    // Unknown paths stay 404 whatever the headers (Jersey matches the resource first).
    let matched = request.extensions().get::<MatchedPath>().is_some();
    if !matched
        || path == "/ui"
        || path.starts_with("/ui/")
        || path == "/metrics"
        || path.starts_with("/health")
    {
        return next.run(request).await;
    }
    let has_body = matches!(*request.method(), Method::POST | Method::PUT);
    if has_body
        && let Some(content_type) = request.headers().get(header::CONTENT_TYPE)
        && !consumable(content_type)
    {
        return refuse(StatusCode::UNSUPPORTED_MEDIA_TYPE, 415, "HTTP 415 Unsupported Media Type");
    }
    let accept = request.headers().get_all(header::ACCEPT).iter().cloned().collect::<Vec<_>>();
    let Some(chosen) = choose(&accept) else {
        return refuse(StatusCode::NOT_ACCEPTABLE, 406, "HTTP 406 Not Acceptable");
    };
    let mut response = next.run(request).await;
    // Only our own JSON answers are relabelled (the text schema endpoints answer JSON too).
    let ours = response.headers().get(header::CONTENT_TYPE).is_some_and(|v| v == CONTENT_TYPE);
    if ours && chosen != CONTENT_TYPE {
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(chosen));
    }
    response
}

fn refuse(status: StatusCode, error_code: i32, message: &str) -> Response {
    let body = ErrorBody { error_code, message: message.to_owned() };
    let mut response = (status, serde_json::to_vec(&body).unwrap_or_default()).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    response
}

/// The media type of a header value without its parameters, lowercased.
fn essence(value: &str) -> String {
    value.split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}

/// Whether a request body of this type is read: one of [`CONSUMED`], in UTF-8 (a `charset`
/// parameter naming another encoding is refused, as the body would be misread).
fn consumable(content_type: &HeaderValue) -> bool {
    let Ok(value) = content_type.to_str() else { return false };
    let utf8 = value.split(';').skip(1).all(|parameter| match parameter.split_once('=') {
        Some((name, charset)) if name.trim().eq_ignore_ascii_case("charset") => {
            let charset = charset.trim().trim_matches('"');
            charset.eq_ignore_ascii_case("utf-8") || charset.eq_ignore_ascii_case("utf8")
        }
        _ => true,
    });
    utf8 && CONSUMED.contains(&essence(value).as_str())
}

/// The type to answer with for these `Accept` headers: the produced type with the best
/// (client q) x (server qs), ties to the better server weight; `None` when the client accepts
/// none of them. No header (or an empty one) accepts anything.
fn choose(accept: &[HeaderValue]) -> Option<&'static str> {
    let ranges: Vec<(String, f32)> = accept
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter(|range| !range.trim().is_empty())
        .take(MAX_MEDIA_RANGES)
        .map(|range| {
            let q = range
                .split(';')
                .skip(1)
                .filter_map(|p| p.split_once('='))
                .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
                .and_then(|(_, q)| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0)
                .clamp(0.0, 1.0);
            (essence(range), q)
        })
        .collect();
    if ranges.is_empty() {
        return Some(CONTENT_TYPE);
    }
    let mut best: Option<(&'static str, f32)> = None;
    for (produced, qs) in PRODUCED {
        // The most specific range that matches decides the client's q for this type.
        let (main, _) = produced.split_once('/').unwrap_or((produced, ""));
        let q = ranges
            .iter()
            .filter_map(|(range, q)| {
                let specificity = match range.as_str() {
                    r if r == produced => 2,
                    r if r.strip_suffix("/*") == Some(main) => 1,
                    "*/*" | "*" => 0,
                    _ => return None,
                };
                Some((specificity, *q))
            })
            .max_by_key(|(specificity, _)| *specificity)
            .map(|(_, q)| q);
        if let Some(q) = q.filter(|q| *q > 0.0)
            && best.is_none_or(|(_, score)| q * qs > score)
        {
            best = Some((produced, q * qs));
        }
    }
    best.map(|(produced, _)| produced)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(accept: &[&str], expected: Option<&str>) {
        let headers: Vec<HeaderValue> =
            accept.iter().map(|a| HeaderValue::from_str(a).unwrap()).collect();
        assert_eq!(choose(&headers), expected, "{accept:?}");
    }

    #[test]
    fn accept_picks_the_answer_type() {
        let v1 = Some(CONTENT_TYPE);
        let plain = Some("application/json");
        let generic = Some("application/vnd.schemaregistry+json");
        check(&["application/json;q=0.5, application/vnd.schemaregistry+json;q=0.5"], generic);
        check(&[], v1);
        check(&[""], v1);
        check(&["*/*"], v1);
        check(&["application/*"], v1);
        check(&["application/json"], plain);
        check(&["Application/JSON; charset=utf-8"], plain);
        check(&["application/vnd.schemaregistry+json"], generic);
        check(&[CONTENT_TYPE], v1);
        // What Confluent's Java and Python clients send.
        check(
            &[
                "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json, application/json",
            ],
            v1,
        );
        check(&["application/json", "application/vnd.schemaregistry+json"], generic);
        check(&["application/json;q=0.9, application/vnd.schemaregistry+json;q=0.1"], plain);
        check(&["text/html, */*;q=0.1"], v1);
        check(&["text/html"], None);
        check(&["application/xml, text/plain"], None);
        check(&["application/json;q=0"], None);
        check(&["application/json;q=0, */*"], v1);
        check(&["image/*"], None);
    }

    #[test]
    fn request_types_read() {
        let read = |t: &str| consumable(&HeaderValue::from_str(t).unwrap());
        for ok in [
            CONTENT_TYPE,
            "application/json",
            "application/json; charset=UTF-8",
            "application/json;charset=\"utf-8\"",
            "application/vnd.schemaregistry+json",
            "application/octet-stream",
        ] {
            assert!(read(ok), "{ok}");
        }
        for refused in
            ["text/plain", "application/xml", "application/json; charset=iso-8859-1", "", "json"]
        {
            assert!(!read(refused), "{refused}");
        }
    }
}
