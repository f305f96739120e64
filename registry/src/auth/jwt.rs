//! Bearer tokens: JWTs validated against a JWKS (a file re-read when it changes, or a URL fetched
//! and refreshed), with the issuer, audience and expiry (plus a small leeway) checked, and the
//! principal, roles and groups read from configurable claims. Only asymmetric keys are used (a
//! symmetric key in a published key set would let anyone who can read it sign), each key only
//! with its own algorithm family, and `alg: none` is not an algorithm the decoder knows.

use std::path::PathBuf;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

/// Where the keys come from and what a token must say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwtSettings {
    /// A JWKS file (re-read when it changes).
    pub jwks_file: Option<PathBuf>,
    /// A JWKS URL (fetched at start and every `jwks_refresh_ms`).
    pub jwks_url: Option<String>,
    pub jwks_refresh_ms: u64,
    /// Required `iss`, when set.
    pub issuer: Option<String>,
    /// Required `aud` (one of), when set.
    pub audience: Option<String>,
    /// Seconds of clock skew allowed on `exp` and `nbf`.
    pub leeway_s: u64,
    /// The claim naming the principal.
    pub principal_claim: String,
    /// The claim listing roles (an array, or a space-separated string).
    pub roles_claim: String,
    /// The claim listing groups.
    pub groups_claim: String,
}

impl Default for JwtSettings {
    fn default() -> JwtSettings {
        JwtSettings {
            jwks_file: None,
            jwks_url: None,
            jwks_refresh_ms: 300_000,
            issuer: None,
            audience: None,
            leeway_s: 30,
            principal_claim: "sub".into(),
            roles_claim: "roles".into(),
            groups_claim: "groups".into(),
        }
    }
}

impl JwtSettings {
    pub fn enabled(&self) -> bool {
        self.jwks_file.is_some() || self.jwks_url.is_some()
    }
}

/// One usable key: its id, decoding key and the algorithms it may verify.
#[derive(Clone)]
pub(crate) struct Key {
    kid: Option<String>,
    key: DecodingKey,
    algorithms: Vec<Algorithm>,
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Key").field("kid", &self.kid).field("algorithms", &self.algorithms).finish()
    }
}

/// The keys in force.
#[derive(Debug, Default)]
pub(crate) struct Keys {
    keys: RwLock<Arc<Vec<Key>>>,
}

/// Parses a JWKS document into usable keys; symmetric and unknown keys are skipped, and a set
/// with no usable key is an error (it would refuse every token).
pub(crate) fn parse_jwks(text: &str) -> Result<Vec<Key>, String> {
    let set: JwkSet = serde_json::from_str(text).map_err(|e| format!("not a JWKS: {e}"))?;
    let mut keys = Vec::new();
    for jwk in &set.keys {
        let algorithms: Vec<Algorithm> = match &jwk.algorithm {
            AlgorithmParameters::RSA(_) => {
                vec![
                    Algorithm::RS256,
                    Algorithm::RS384,
                    Algorithm::RS512,
                    Algorithm::PS256,
                    Algorithm::PS384,
                    Algorithm::PS512,
                ]
            }
            AlgorithmParameters::EllipticCurve(_) => vec![Algorithm::ES256, Algorithm::ES384],
            AlgorithmParameters::OctetKeyPair(_) => vec![Algorithm::EdDSA],
            AlgorithmParameters::OctetKey(_) => continue,
        };
        // A key that names its algorithm verifies only that one.
        let algorithms = match jwk.common.key_algorithm.map(|a| a.to_string().parse::<Algorithm>())
        {
            Some(Ok(alg)) if algorithms.contains(&alg) => vec![alg],
            Some(_) => continue,
            None => algorithms,
        };
        let Ok(key) = DecodingKey::from_jwk(jwk) else { continue };
        keys.push(Key { kid: jwk.common.key_id.clone(), key, algorithms });
    }
    if keys.is_empty() {
        return Err("the JWKS has no usable asymmetric key (RSA, EC or OKP)".into());
    }
    Ok(keys)
}

impl Keys {
    pub(crate) fn set(&self, keys: Vec<Key>) {
        *self.keys.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(keys);
    }

    fn current(&self) -> Arc<Vec<Key>> {
        Arc::clone(&self.keys.read().unwrap_or_else(PoisonError::into_inner))
    }
}

/// A validated token's identity and when it stops being valid (seconds since the epoch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Identity {
    pub(crate) principal: String,
    pub(crate) roles: Vec<String>,
    pub(crate) groups: Vec<String>,
    pub(crate) expires_at: u64,
}

/// Validates `token`; the error says why (for the log, never for the caller).
pub(crate) fn validate(
    settings: &JwtSettings,
    keys: &Keys,
    token: &str,
) -> Result<Identity, String> {
    let header =
        jsonwebtoken::decode_header(token).map_err(|e| format!("bad token header: {e}"))?;
    let keys = keys.current();
    let candidates = keys.iter().filter(|k| {
        k.algorithms.contains(&header.alg)
            && match (&header.kid, &k.kid) {
                (Some(wanted), Some(kid)) => wanted == kid,
                _ => true,
            }
    });
    let mut last = "no key for the token's kid and algorithm".to_owned();
    for key in candidates {
        let mut validation = Validation::new(header.alg);
        validation.leeway = settings.leeway_s;
        validation.validate_nbf = true;
        match &settings.audience {
            Some(audience) => validation.set_audience(&[audience]),
            None => validation.validate_aud = false,
        }
        if let Some(issuer) = &settings.issuer {
            validation.set_issuer(&[issuer]);
        }
        match jsonwebtoken::decode::<Value>(token, &key.key, &validation) {
            Ok(data) => return identity(settings, &data.claims),
            Err(error) => last = error.to_string(),
        }
    }
    Err(last)
}

fn identity(settings: &JwtSettings, claims: &Value) -> Result<Identity, String> {
    let principal = claims
        .get(&settings.principal_claim)
        .and_then(Value::as_str)
        .filter(|p| !p.is_empty())
        .ok_or_else(|| format!("the token has no '{}' claim", settings.principal_claim))?;
    let list = |claim: &str| -> Vec<String> {
        match claims.get(claim) {
            Some(Value::Array(items)) => {
                items.iter().filter_map(Value::as_str).map(str::to_owned).collect()
            }
            Some(Value::String(text)) => text.split_whitespace().map(str::to_owned).collect(),
            _ => Vec::new(),
        }
    };
    Ok(Identity {
        principal: principal.to_owned(),
        roles: list(&settings.roles_claim),
        groups: list(&settings.groups_claim),
        expires_at: claims.get("exp").and_then(Value::as_u64).unwrap_or(0),
    })
}

/// Fetches a JWKS URL, bounded in time and size.
pub(crate) async fn fetch(client: &reqwest::Client, url: &str) -> Result<Vec<Key>, String> {
    const MAX_JWKS_BYTES: usize = 1 << 20;
    let response = client
        .get(url)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .map_err(|e| format!("cannot fetch the JWKS from {url}: {e}"))?;
    if !response.status().is_success() {
        return Err(format!("the JWKS URL {url} answered {}", response.status()));
    }
    let body = response.bytes().await.map_err(|e| format!("cannot read the JWKS: {e}"))?;
    if body.len() > MAX_JWKS_BYTES {
        return Err(format!("the JWKS at {url} is larger than {MAX_JWKS_BYTES} bytes"));
    }
    parse_jwks(&String::from_utf8_lossy(&body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_sets_without_asymmetric_keys_are_refused() {
        let check = |text: &str, expected: &str| {
            let error = parse_jwks(text).unwrap_err();
            assert!(error.contains(expected), "{error:?} lacks {expected:?}");
        };
        check("", "not a JWKS");
        check("{\"keys\": []}", "no usable");
        check(r#"{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}"#, "no usable");
        // An RSA key that claims an HMAC algorithm is not used.
        check(
            r#"{"keys": [{"kty": "RSA", "alg": "HS256", "n": "AQAB", "e": "AQAB"}]}"#,
            "no usable",
        );
    }

    #[test]
    fn tokens_that_cannot_be_read_are_refused() {
        let keys = Keys::default();
        let settings = JwtSettings::default();
        for token in ["", "a.b.c", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."] {
            assert!(validate(&settings, &keys, token).is_err(), "{token}");
        }
    }

    #[test]
    fn identities_come_from_the_configured_claims() {
        let settings = JwtSettings { roles_claim: "scope".into(), ..JwtSettings::default() };
        let claims = serde_json::json!({"sub": "svc", "scope": "reader developer", "groups": ["g"], "exp": 5});
        let identity = identity(&settings, &claims).unwrap();
        assert_eq!(identity.roles, ["reader", "developer"]);
        assert_eq!(identity.groups, ["g"]);
        assert!(super::identity(&settings, &serde_json::json!({"sub": ""})).is_err());
    }
}
