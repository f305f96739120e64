//! Karapace's auth file, read as Karapace reads it, so a Karapace deployment migrates by pointing
//! `--auth-karapace-file` at the file it already has. The file is JSON:
//!
//! ```json
//! {"users": [{"username": "ci", "algorithm": "sha512", "salt": "...", "password_hash": "..."}],
//!  "permissions": [{"username": "ci", "operation": "Write", "resource": "Subject:orders-.*"}]}
//! ```
//!
//! Password hashes are what `karapace_mkpasswd` writes: for `sha1`, `sha256` and `sha512`,
//! PBKDF2-HMAC with that hash, 5000 iterations and the digest's length; for `scrypt`, N = 2^14,
//! r = 8, p = 1 and 64 bytes; the salt is the UTF-8 bytes of the `salt` text as written (not
//! decoded), the hash standard base64.
//!
//! A permission grants its user `Read` or `Write` (which includes `Read`) on every resource its
//! regular expression matches from the start (Python's `re.match`: anchored at the start only).
//! Resources are `Config:` (the global config and mode) and `Subject:<name>`. `Grants` maps them
//! onto our operations: `Read` is our `read`; `Write` on a subject is `read`, `write`, `delete`
//! and `config`; `Write` on `Config:` is `admin` (global config, mode, import).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use base64::Engine as _;
use serde::Deserialize;

use super::rules::{Operation, Resource};

/// The password hash algorithms Karapace writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
enum Algorithm {
    #[serde(rename = "sha1")]
    Sha1,
    #[serde(rename = "sha256")]
    Sha256,
    #[serde(rename = "sha512")]
    Sha512,
    #[serde(rename = "scrypt")]
    Scrypt,
}

impl Algorithm {
    /// The length in bytes of the hashes Karapace stores with this algorithm.
    fn hash_len(self) -> usize {
        match self {
            Algorithm::Sha1 => 20,
            Algorithm::Sha256 => 32,
            Algorithm::Sha512 | Algorithm::Scrypt => 64,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Algorithm::Sha1 => "sha1",
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha512 => "sha512",
            Algorithm::Scrypt => "scrypt",
        }
    }

    /// Karapace's hash of `password` with `salt`.
    fn hash(self, salt: &str, password: &str) -> Vec<u8> {
        /// PBKDF2's iterations in `karapace_mkpasswd`.
        const ROUNDS: u32 = 5000;
        let (password, salt) = (password.as_bytes(), salt.as_bytes());
        let mut out = vec![0; self.hash_len()];
        match self {
            Algorithm::Sha1 => pbkdf2::pbkdf2_hmac::<sha1::Sha1>(password, salt, ROUNDS, &mut out),
            Algorithm::Sha256 => {
                pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, salt, ROUNDS, &mut out);
            }
            Algorithm::Sha512 => {
                pbkdf2::pbkdf2_hmac::<sha2::Sha512>(password, salt, ROUNDS, &mut out);
            }
            Algorithm::Scrypt => {
                // N = 2^14, r = 8, p = 1, 64 bytes: Python's hashlib.scrypt as Karapace calls it.
                // These constants are valid, so neither call fails; if one did, `out` would be
                // empty and `verify` would refuse every password.
                match scrypt::Params::new(14, 8, 1, 64) {
                    Ok(params) if scrypt::scrypt(password, salt, &params, &mut out).is_ok() => {}
                    _ => out.clear(),
                }
            }
        }
        out
    }
}

/// The operations of Karapace's permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
enum KarapaceOperation {
    Read,
    Write,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUser {
    username: String,
    algorithm: Algorithm,
    salt: String,
    password_hash: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPermission {
    username: String,
    operation: KarapaceOperation,
    resource: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    users: Vec<RawUser>,
    #[serde(default)]
    permissions: Vec<RawPermission>,
}

/// A user of the file whose hash decoded.
#[derive(Debug, Clone)]
pub(crate) struct User {
    algorithm: Algorithm,
    salt: String,
    hash: Vec<u8>,
}

impl User {
    /// Hashes `password` as Karapace does and compares in constant time: the expensive step
    /// the credential cache avoids (scrypt is about 16 MiB and tens of milliseconds).
    pub(crate) fn verify(&self, password: &str) -> bool {
        let computed = self.algorithm.hash(&self.salt, password);
        computed.len() == self.hash.len()
            && computed.iter().zip(&self.hash).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    }
}

/// One permission: `write` or only read, on the resources `resource` matches.
#[derive(Debug, Clone)]
struct Grant {
    write: bool,
    resource: regex::Regex,
}

/// The permissions the file gives one principal, as authorization asks them.
#[derive(Debug, Clone, Default)]
pub(crate) struct Grants(Arc<Vec<Grant>>);

/// Patterns Karapace files commonly use for "every subject": `reads_everything` trusts only these
/// (any other pattern is answered subject by subject, which is always right, only slower).
const EVERY_SUBJECT: &[&str] =
    &["", ".*", "^.*", "Subject:", "^Subject:", "Subject:.*", "^Subject:.*"];

impl Grants {
    /// Whether these permissions allow `operation` on `resource`.
    pub(crate) fn allows(&self, operation: Operation, resource: Resource<'_>) -> bool {
        if self.0.is_empty() {
            return false;
        }
        let write = operation != Operation::Read;
        let name = match resource {
            Resource::Subject(subject) => format!("Subject:{subject}"),
            Resource::Global => "Config:".to_owned(),
        };
        self.0.iter().any(|grant| (grant.write || !write) && grant.resource.is_match(&name))
    }

    /// Whether some permission reads every subject (so listings need no filtering).
    pub(crate) fn reads_everything(&self) -> bool {
        self.0.iter().any(|grant| EVERY_SUBJECT.contains(&grant.pattern()))
    }
}

impl Grant {
    /// The pattern as written (inside the `^(?:...)` that anchors it).
    fn pattern(&self) -> &str {
        let text = self.resource.as_str();
        text.strip_prefix("^(?:").and_then(|t| t.strip_suffix(')')).unwrap_or(text)
    }
}

impl PartialEq for Grants {
    fn eq(&self, other: &Grants) -> bool {
        self.0.len() == other.0.len()
            && self
                .0
                .iter()
                .zip(other.0.iter())
                .all(|(a, b)| a.write == b.write && a.resource.as_str() == b.resource.as_str())
    }
}

impl Eq for Grants {}

/// Karapace's auth file: its users and their permissions.
#[derive(Debug, Clone, Default)]
pub(crate) struct Karapace {
    users: BTreeMap<String, User>,
    grants: BTreeMap<String, Grants>,
}

/// Compiled regular expressions are bounded so a file cannot make the registry build a huge
/// automaton; matching is linear in the resource name whatever the pattern.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

impl Karapace {
    pub(crate) fn load(path: &Path) -> Result<Karapace, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read Karapace auth file {}: {e}", path.display()))?;
        Karapace::parse(&text)
            .map_err(|e| format!("invalid Karapace auth file {}: {e}", path.display()))
    }

    /// Parses and checks the file: every hash decodes to its algorithm's length, every
    /// permission names a user of the file and compiles; errors say which entry and why.
    pub(crate) fn parse(text: &str) -> Result<Karapace, String> {
        let file: RawFile = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let mut users = BTreeMap::new();
        for (i, raw) in file.users.into_iter().enumerate() {
            let at = format!("users[{i}] ('{}')", raw.username);
            if raw.username.contains(':') {
                return Err(format!("{at}: a user name cannot contain ':' (HTTP Basic)"));
            }
            let hash = base64::engine::general_purpose::STANDARD
                .decode(raw.password_hash.trim())
                .map_err(|e| format!("{at}: password_hash is not base64 ({e})"))?;
            let expected = raw.algorithm.hash_len();
            if hash.len() != expected {
                return Err(format!(
                    "{at}: password_hash is {} bytes; {} hashes are {expected} bytes",
                    hash.len(),
                    raw.algorithm.name()
                ));
            }
            let user = User { algorithm: raw.algorithm, salt: raw.salt, hash };
            if users.insert(raw.username, user).is_some() {
                return Err(format!("{at}: the user appears twice"));
            }
        }
        let mut grants: BTreeMap<String, Vec<Grant>> = BTreeMap::new();
        for (i, raw) in file.permissions.into_iter().enumerate() {
            let at = format!("permissions[{i}] ('{}')", raw.username);
            if !users.contains_key(&raw.username) {
                return Err(format!("{at}: no user of that name in \"users\""));
            }
            // Python's re.match anchors at the start only; `(?:...)` keeps an alternation
            // inside the anchor.
            let resource = regex::RegexBuilder::new(&format!("^(?:{})", raw.resource))
                .size_limit(REGEX_SIZE_LIMIT)
                .build()
                .map_err(|e| {
                    format!(
                        "{at}: resource {:?} is not a regular expression this registry reads ({e})",
                        raw.resource
                    )
                })?;
            let write = raw.operation == KarapaceOperation::Write;
            grants.entry(raw.username).or_default().push(Grant { write, resource });
        }
        let grants = grants.into_iter().map(|(name, g)| (name, Grants(Arc::new(g)))).collect();
        Ok(Karapace { users, grants })
    }

    pub(crate) fn user(&self, name: &str) -> Option<&User> {
        self.users.get(name)
    }

    /// The permissions of `principal` (none when the file does not name it).
    pub(crate) fn grants(&self, principal: &str) -> Grants {
        self.grants.get(principal).cloned().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (algorithm, salt, password, hash): computed with Python's hashlib exactly as Karapace's
    /// `hash_password` does (pbkdf2_hmac(alg, password, salt, 5000) and
    /// scrypt(password, salt=salt, n=16384, r=8, p=1), base64).
    const HASHES: &[(&str, &str, &str, &str)] = &[
        ("sha1", "salt", "password", "7fc4JUghxV2mHmr6IO/QxlfLlBw="),
        (
            "sha256",
            "T1KJtx-qbVEIwmWzOn8h2w",
            "s3cret",
            "Ef0eAjJsZ4pcc8DnSZKeB6mn5dTENWMqMUHgmhxy2e4=",
        ),
        (
            "sha512",
            "kYmuLQNwTsS3y8jyHKBlZw",
            "correct horse battery staple",
            "Jv8LeHicNt8lqu1OcqId0N+4a7jERenCUbsqHQ3joH3m56MEv8b3AUShh9kR+j03q/7fXnaBUr0HoCzCwgdoHA==",
        ),
        (
            "scrypt",
            "Wr0CA1Dn4AiuGaWvbuS6aA",
            "hunter2",
            "5D5tp/HofvpijKy7YjOusi0XtcODacd/JmNv8gLS2mmj+SvKIXxdtE9O34MtNuGA2LW4Oi8tTQ0oprB92EJFBA==",
        ),
        (
            "sha512",
            "sälz",
            "pässwörd",
            "VbbypWqseBh+Bj3ZmCJCe40+EDI2xi1+oNcR4q6gDExw9HIhnWzgolf3l8A3h5iecRRY+3WR+V3+4je1oHG/jA==",
        ),
        ("sha256", "", "", "FF/QNAO1I/GYWgsVvHIY/WuDNrs+eZZmanSmyX5xVVI="),
        (
            "scrypt",
            "s",
            "",
            "YxG1eIiQgh4798nrVt97V256J1tH/4XXPPTcQrgzqZmXBgNiH6cl2qvJcwtUscQAyrGn4ehCO4I/NHNDJl6jgA==",
        ),
    ];

    fn file(users: &[(&str, &str, &str, &str)], permissions: &str) -> String {
        let users: Vec<String> = users
            .iter()
            .enumerate()
            .map(|(i, (algorithm, salt, _, hash))| {
                serde_json::json!({"username": format!("u{i}"), "algorithm": algorithm,
                    "salt": salt, "password_hash": hash})
                .to_string()
            })
            .collect();
        format!("{{\"users\": [{}], \"permissions\": [{permissions}]}}", users.join(","))
    }

    #[test]
    fn hashes_as_karapace_makes_them_verify() {
        let karapace = Karapace::parse(&file(HASHES, "")).unwrap();
        for (i, (algorithm, _, password, _)) in HASHES.iter().enumerate() {
            let user = karapace.user(&format!("u{i}")).unwrap();
            assert!(user.verify(password), "{algorithm} {password:?}");
            assert!(!user.verify(&format!("{password}x")), "{algorithm} wrong password");
            assert!(!user.verify(&format!(" {password}")), "{algorithm} leading space");
        }
        assert!(karapace.user("nobody").is_none());
    }

    #[test]
    fn permissions_map_onto_operations() {
        let text = file(
            &HASHES[..3],
            r#"{"username": "u0", "operation": "Read", "resource": "Subject:orders-.*"},
               {"username": "u0", "operation": "Write", "resource": "Subject:payments-value"},
               {"username": "u1", "operation": "Write", "resource": "Config:|Subject:.*"},
               {"username": "u2", "operation": "Read", "resource": ".*"}"#,
        );
        let karapace = Karapace::parse(&text).unwrap();
        use Operation::*;
        let check = |user: &str, op: Operation, resource: Resource<'_>, expected: bool| {
            assert_eq!(
                karapace.grants(user).allows(op, resource),
                expected,
                "{user} {op:?} {resource:?}"
            );
        };
        let s = Resource::Subject;
        check("u0", Read, s("orders-value"), true);
        check("u0", Write, s("orders-value"), false);
        check("u0", Read, s("x-orders-value"), false);
        // Anchored at the start only, as Python's re.match.
        check("u0", Read, s("orders-value-extra"), true);
        check("u0", Write, s("payments-value"), true);
        check("u0", Delete, s("payments-value"), true);
        check("u0", Config, s("payments-value"), true);
        check("u0", Read, s("payments-value"), true);
        check("u0", Write, s("payments-value2"), true);
        check("u0", Read, Resource::Global, false);
        check("u1", Admin, Resource::Global, true);
        check("u1", Read, Resource::Global, true);
        check("u1", Delete, s("anything"), true);
        check("u2", Read, s("anything"), true);
        check("u2", Read, Resource::Global, true);
        check("u2", Write, s("anything"), false);
        check("u2", Admin, Resource::Global, false);
        check("nobody", Read, s("anything"), false);
        assert!(!karapace.grants("u0").reads_everything());
        assert!(karapace.grants("u2").reads_everything());
        assert!(!karapace.grants("u1").reads_everything(), "an unknown pattern is per subject");
    }

    /// Karapace grants as authorization sees them: beside the rules file's rules, under its
    /// deny rules, and `Read` enough for a compatibility check.
    #[test]
    fn grants_under_the_rules_file() {
        let text = file(
            &HASHES[..2],
            r#"{"username": "u0", "operation": "Read", "resource": "Subject:.*"},
               {"username": "u1", "operation": "Write", "resource": "Subject:.*"}"#,
        );
        let karapace = Karapace::parse(&text).unwrap();
        let rules = super::super::Rules::parse(
            "[[deny]]\nprincipals = ['u0', 'u1']\noperations = ['write', 'delete']\nsubjects = ['locked-*']\n",
            false,
        )
        .unwrap();
        let caller = |name: &str| super::super::Caller {
            principal: name.to_owned(),
            roles: Vec::new(),
            groups: Vec::new(),
            grants: karapace.grants(name),
        };
        let (u0, u1) = (caller("u0"), caller("u1"));
        use Operation::*;
        let s = Resource::Subject;
        // (caller, operation or None for a compatibility check, subject, expected)
        for (who, operation, subject, expected) in [
            (&u0, Some(Read), "open-value", true),
            (&u0, Some(Write), "open-value", false),
            (&u0, None, "open-value", true),
            (&u0, None, "locked-value", false),
            (&u1, Some(Write), "open-value", true),
            (&u1, Some(Write), "locked-value", false),
            (&u1, Some(Delete), "locked-value", false),
            (&u1, Some(Config), "locked-value", true),
            (&u1, None, "locked-value", false),
            (&u1, None, "open-value", true),
        ] {
            let got = match operation {
                Some(op) => rules.allows(who, op, s(subject)),
                None => rules.allows_check(who, subject),
            };
            assert_eq!(got, expected, "{} {operation:?} {subject}", who.principal);
        }
        assert!(rules.reads_everything(&u0));
    }

    #[test]
    fn malformed_files_are_refused_naming_the_problem() {
        let user = r#"{"username": "a", "algorithm": "sha1", "salt": "s", "password_hash": "7fc4JUghxV2mHmr6IO/QxlfLlBw="}"#;
        let check = |text: &str, expected: &[&str]| {
            let error = Karapace::parse(text).unwrap_err();
            for part in expected {
                assert!(error.contains(part), "{error:?} lacks {part:?}");
            }
        };
        check("{", &["EOF"]);
        check("{\"permissions\": []}", &["missing field `users`"]);
        check(
            r#"{"users": [{"username": "a", "algorithm": "md5", "salt": "s", "password_hash": ""}]}"#,
            &["md5", "line 1"],
        );
        check(
            r#"{"users": [{"username": "a", "algorithm": "sha1", "salt": "s", "password_hash": "!!"}]}"#,
            &["users[0] ('a')", "not base64"],
        );
        check(
            r#"{"users": [{"username": "a", "algorithm": "sha512", "salt": "s", "password_hash": "7fc4JUghxV2mHmr6IO/QxlfLlBw="}]}"#,
            &["users[0] ('a')", "20 bytes", "sha512 hashes are 64 bytes"],
        );
        check(&format!("{{\"users\": [{user}, {user}]}}"), &["users[1] ('a')", "twice"]);
        check(
            &format!(
                "{{\"users\": [{user}], \"permissions\": [{{\"username\": \"b\", \"operation\": \"Read\", \"resource\": \".*\"}}]}}"
            ),
            &["permissions[0] ('b')", "no user"],
        );
        check(
            &format!(
                "{{\"users\": [{user}], \"permissions\": [{{\"username\": \"a\", \"operation\": \"Delete\", \"resource\": \".*\"}}]}}"
            ),
            &["Delete", "Read", "Write"],
        );
        check(
            &format!(
                "{{\"users\": [{user}], \"permissions\": [{{\"username\": \"a\", \"operation\": \"Read\", \"resource\": \"Subject:(\"}}]}}"
            ),
            &["permissions[0] ('a')", "Subject:(", "regular expression"],
        );
        check(
            &format!(
                "{{\"users\": [{user}], \"permissions\": [{{\"username\": \"a\", \"operation\": \"Read\", \"resource\": \"(?=x)\"}}]}}"
            ),
            &["permissions[0] ('a')", "look-around"],
        );
        check(&format!("{{\"users\": [{user}], \"perms\": []}}"), &["unknown field `perms`"]);
        check(
            r#"{"users": [{"username": "a:b", "algorithm": "sha1", "salt": "s", "password_hash": "7fc4JUghxV2mHmr6IO/QxlfLlBw="}]}"#,
            &["cannot contain ':'"],
        );
    }
}
