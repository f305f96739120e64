//! Bearer tokens over real HTTP: JWTs signed here with keys made here, validated by the registry
//! against a JWKS file or a JWKS URL served on loopback (and refreshed), with issuer, audience,
//! expiry and leeway; expired, wrongly signed, wrong-audience, `alg: none` and HMAC-confusion
//! tokens are refused with 401.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use schemata_registry::{AuthSettings, Config, JwtSettings};
use serde_json::{Value, json};

use crate::harness::{Http, TestRegistry, WAIT};

const SCHEMA: &str = r#"{"type":"record","name":"J","fields":[{"name":"a","type":"int"}]}"#;
const ISSUER: &str = "https://idp.test";
const AUDIENCE: &str = "schemata";

/// A signing key and its public JWK.
pub(crate) struct SigningKey {
    pem: String,
    jwk: Value,
}

impl SigningKey {
    pub(crate) fn new(kid: &str) -> SigningKey {
        let key = rcgen::KeyPair::generate().unwrap();
        let point = key.public_key_raw();
        let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let jwk = json!({
            "kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": kid,
            "x": b64(&point[1..33]), "y": b64(&point[33..65]),
        });
        SigningKey { pem: key.serialize_pem(), jwk }
    }

    pub(crate) fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = self.jwk["kid"].as_str().map(str::to_owned);
        let key = EncodingKey::from_ec_pem(self.pem.as_bytes()).unwrap();
        jsonwebtoken::encode(&header, claims, &key).unwrap()
    }
}

fn now() -> i64 {
    SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs() as i64
}

pub(crate) fn claims(sub: &str, roles: &[&str], exp_in_s: i64) -> Value {
    json!({"sub": sub, "roles": roles, "iss": ISSUER, "aud": AUDIENCE, "exp": now() + exp_in_s})
}

pub(crate) fn jwks(keys: &[&SigningKey]) -> String {
    json!({ "keys": keys.iter().map(|k| k.jwk.clone()).collect::<Vec<_>>() }).to_string()
}

pub(crate) fn settings() -> JwtSettings {
    JwtSettings {
        issuer: Some(ISSUER.into()),
        audience: Some(AUDIENCE.into()),
        leeway_s: 30,
        ..JwtSettings::default()
    }
}

async fn call(
    http: &Http,
    token: Option<&str>,
    method: &str,
    path: &str,
) -> (u16, Value, Vec<String>) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = http.client.request(method.clone(), http.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if method == reqwest::Method::POST {
        request = request
            .header("content-type", schemata_core::api::CONTENT_TYPE)
            .body(json!({ "schema": SCHEMA }).to_string());
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let challenges = response
        .headers()
        .get_all("www-authenticate")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect();
    (status, response.json().await.unwrap_or(Value::Null), challenges)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_from_a_jwks_file() {
    let (key, stranger) = (SigningKey::new("k1"), SigningKey::new("k1"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("jwks.json"), jwks(&[&key])).unwrap();
    let jwt = JwtSettings { jwks_file: Some(dir.path().join("jwks.json")), ..settings() };
    let auth = AuthSettings { jwt, ..AuthSettings::default() };
    let registry = TestRegistry::start_with(|c: &mut Config| c.auth = auth).await;
    let http = &registry.http;

    let developer = key.sign(&claims("ci", &["developer"], 300));
    assert_eq!(call(http, Some(&developer), "POST", "/subjects/jwt-value/versions").await.0, 200);
    let reader = key.sign(&claims("dash", &["reader"], 300));
    assert_eq!(call(http, Some(&reader), "GET", "/subjects").await.1, json!(["jwt-value"]));
    let (status, body, _) = call(http, Some(&reader), "POST", "/subjects/jwt-value/versions").await;
    assert_eq!((status, body["error_code"].clone()), (403, json!(40301)));
    assert_eq!(body["message"], "User 'dash' is not allowed to write subject 'jwt-value'");
    // Within the leeway an expired token still passes.
    let late = key.sign(&claims("ci", &["reader"], -5));
    assert_eq!(call(http, Some(&late), "GET", "/subjects").await.0, 200);

    let mut wrong_audience = claims("ci", &["admin"], 300);
    wrong_audience["aud"] = json!("someone-else");
    let mut wrong_issuer = claims("ci", &["admin"], 300);
    wrong_issuer["iss"] = json!("https://evil.test");
    let mut no_subject = claims("ci", &["admin"], 300);
    no_subject.as_object_mut().unwrap().remove("sub");
    let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let unsigned = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        b64(&claims("ci", &["admin"], 300))
    );
    // The public key's coordinates used as an HMAC secret (algorithm confusion).
    let confused = jsonwebtoken::encode(
        &Header { kid: Some("k1".into()), ..Header::new(Algorithm::HS256) },
        &claims("ci", &["admin"], 300),
        &EncodingKey::from_secret(jwks(&[&key]).as_bytes()),
    )
    .unwrap();
    let refused = [
        ("expired", key.sign(&claims("ci", &["admin"], -120))),
        ("signed by another key", stranger.sign(&claims("ci", &["admin"], 300))),
        ("wrong audience", key.sign(&wrong_audience)),
        ("wrong issuer", key.sign(&wrong_issuer)),
        ("no principal", key.sign(&no_subject)),
        ("alg none", unsigned),
        ("hmac confusion", confused),
        ("garbage", "not.a.token".to_owned()),
    ];
    for (what, token) in refused {
        let (status, body, challenges) = call(http, Some(&token), "GET", "/subjects").await;
        assert_eq!((status, body["error_code"].clone()), (401, json!(40101)), "{what}");
        assert_eq!(challenges, ["Bearer realm=\"schemata\""], "{what}");
    }
    assert_eq!(call(http, None, "GET", "/subjects").await.0, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jwks_url_is_fetched_and_refreshed() {
    let (first, second) = (SigningKey::new("first"), SigningKey::new("second"));
    let served = Arc::new(Mutex::new(jwks(&[&first])));
    let app = {
        let served = Arc::clone(&served);
        axum::Router::new().route(
            "/jwks.json",
            axum::routing::get(move || {
                let served = Arc::clone(&served);
                async move { served.lock().unwrap().clone() }
            }),
        )
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let jwt = JwtSettings { jwks_url: Some(url), jwks_refresh_ms: 1000, ..settings() };
    let auth = AuthSettings { jwt, ..AuthSettings::default() };
    let registry = TestRegistry::start_with(|c: &mut Config| c.auth = auth).await;
    let http = &registry.http;
    let by_first = first.sign(&claims("a", &["reader"], 300));
    let by_second = second.sign(&claims("b", &["reader"], 300));
    assert_eq!(call(http, Some(&by_first), "GET", "/subjects").await.0, 200);
    assert_eq!(call(http, Some(&by_second), "GET", "/subjects").await.0, 401);

    // The identity provider rotates to the second key: after a refresh it is accepted.
    *served.lock().unwrap() = jwks(&[&second]);
    let deadline = Instant::now() + WAIT;
    while call(http, Some(&by_second), "GET", "/subjects").await.0 != 200 {
        assert!(Instant::now() < deadline, "the refreshed JWKS was not used within {WAIT:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A token verified before the rotation stays cached until its own expiry; a new one from
    // the retired key is refused.
    let fresh_by_first = first.sign(&claims("c", &["reader"], 200));
    assert_eq!(call(http, Some(&fresh_by_first), "GET", "/subjects").await.0, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_jwks_url_stops_the_start() {
    let jwt = JwtSettings { jwks_url: Some("http://127.0.0.1:1/jwks.json".into()), ..settings() };
    let config = Config {
        listen: "127.0.0.1:0".into(),
        storage: schemata_registry::StorageKind::Memory,
        auth: AuthSettings { jwt, ..AuthSettings::default() },
        ..Config::default()
    };
    let error = schemata_registry::Server::start(config).await.unwrap_err().to_string();
    assert!(error.contains("cannot fetch the JWKS"), "{error}");
}
