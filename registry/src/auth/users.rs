//! The users file of HTTP Basic authentication: each user's argon2id password hash (a PHC string
//! made by `schemata-registry hash-password`, never a plain password) with the roles and groups
//! the authorization rules refer to.
//!
//! ```toml
//! [users.alice]
//! password_hash = "$argon2id$v=19$m=19456,t=2,p=1$..."
//! roles = ["developer"]
//! groups = ["payments"]
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use serde::Deserialize;

/// One user as written in the file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUser {
    password_hash: String,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    groups: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UsersFile {
    #[serde(default)]
    users: BTreeMap<String, RawUser>,
}

/// A user whose hash parsed.
#[derive(Debug, Clone)]
pub(crate) struct User {
    /// The PHC string, checked to parse when the file is read.
    hash: String,
    pub(crate) roles: Vec<String>,
    pub(crate) groups: Vec<String>,
}

/// Every user of the file.
#[derive(Debug, Clone, Default)]
pub(crate) struct Users {
    users: BTreeMap<String, User>,
}

impl Users {
    pub(crate) fn load(path: &Path) -> Result<Users, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read users file {}: {e}", path.display()))?;
        Users::parse(&text).map_err(|e| format!("invalid users file {}: {e}", path.display()))
    }

    pub(crate) fn parse(text: &str) -> Result<Users, String> {
        let file: UsersFile =
            toml::from_str(text).map_err(|e| e.to_string().trim_end().to_owned())?;
        let mut users = BTreeMap::new();
        for (name, raw) in file.users {
            let parsed = PasswordHash::new(&raw.password_hash)
                .map_err(|e| format!("user '{name}': password_hash is not a PHC string ({e})"))?;
            if parsed.algorithm.as_str() != "argon2id" {
                return Err(format!(
                    "user '{name}': password_hash uses {}; only argon2id hashes are accepted \
                     (make one with `schemata-registry hash-password`)",
                    parsed.algorithm
                ));
            }
            if name.contains(':') {
                return Err(format!("user '{name}': a user name cannot contain ':' (HTTP Basic)"));
            }
            users.insert(
                name,
                User { hash: raw.password_hash, roles: raw.roles, groups: raw.groups },
            );
        }
        Ok(Users { users })
    }

    pub(crate) fn get(&self, name: &str) -> Option<&User> {
        self.users.get(name)
    }
}

impl User {
    /// Checks a password against the hash: the expensive step the credential cache avoids.
    pub(crate) fn verify(&self, password: &str) -> bool {
        PasswordHash::new(&self.hash).is_ok_and(|hash| {
            argon2::Argon2::default().verify_password(password.as_bytes(), &hash).is_ok()
        })
    }
}

/// An argon2id hash (default parameters, random salt) of `password`, as a PHC string.
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| e.to_string())
}

/// Spends the time of one verification, so an unknown user name answers as slowly as a wrong
/// password (a timing difference would tell which user names exist).
pub(crate) fn verify_nobody(password: &str) {
    // A hash of a random password, made once with the default parameters.
    static DUMMY: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let dummy = DUMMY.get_or_init(|| {
        let random = SaltString::generate(&mut OsRng);
        hash_password(random.as_str()).ok()
    });
    if let Some(hash) = dummy.as_deref().and_then(|h| PasswordHash::new(h).ok()) {
        let _ = argon2::Argon2::default().verify_password(password.as_bytes(), &hash);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_files_parse() {
        let hash = hash_password("s3cret").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        let text = format!(
            "[users.alice]\npassword_hash = '{hash}'\nroles = ['developer']\ngroups = ['payments']\n"
        );
        let users = Users::parse(&text).unwrap();
        let alice = users.get("alice").unwrap();
        assert!(alice.verify("s3cret"));
        assert!(!alice.verify("s3cret "));
        assert!(!alice.verify(""));
        assert_eq!(alice.roles, ["developer"]);
        assert!(users.get("bob").is_none());
        verify_nobody("whatever");
    }

    #[test]
    fn bad_users_files_are_refused() {
        let check = |text: &str, expected: &str| {
            let error = Users::parse(text).unwrap_err();
            assert!(error.contains(expected), "{error:?} lacks {expected:?}");
        };
        check("[users.a]\npassword_hash = 'plain'\n", "not a PHC string");
        check(
            "[users.a]\npassword_hash = '$pbkdf2-sha256$i=1000$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA'\n",
            "only argon2id",
        );
        check("[users.a]\npasword_hash = 'x'\n", "line 2");
        check("[users.a]\nroles = []\n", "password_hash");
        let hash = hash_password("x").unwrap();
        check(&format!("[users.'a:b']\npassword_hash = '{hash}'\n"), "cannot contain ':'");
    }
}
