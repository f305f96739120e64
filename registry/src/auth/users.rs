//! The users file of HTTP Basic authentication: each user's argon2id password hash (a PHC string
//! made by `schemata-registry hash-password`, never a plain password) or bcrypt hash (`$2b$`, as
//! `htpasswd -B` and most identity tooling write them), with the roles and groups the
//! authorization rules refer to.
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
    /// The PHC string or bcrypt hash, checked to parse when the file is read.
    hash: String,
    bcrypt: bool,
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
            let bcrypt = is_bcrypt(&raw.password_hash);
            if bcrypt {
                check_bcrypt(&raw.password_hash).map_err(|e| format!("user '{name}': {e}"))?;
            } else {
                let parsed = PasswordHash::new(&raw.password_hash).map_err(|e| {
                    format!("user '{name}': password_hash is not a PHC string ({e})")
                })?;
                if parsed.algorithm.as_str() != "argon2id" {
                    return Err(format!(
                        "user '{name}': password_hash uses {}; only argon2id (or bcrypt) hashes \
                         are accepted (make one with `schemata-registry hash-password`)",
                        parsed.algorithm
                    ));
                }
            }
            if name.contains(':') {
                return Err(format!("user '{name}': a user name cannot contain ':' (HTTP Basic)"));
            }
            let user =
                User { hash: raw.password_hash, bcrypt, roles: raw.roles, groups: raw.groups };
            users.insert(name, user);
        }
        Ok(Users { users })
    }

    pub(crate) fn get(&self, name: &str) -> Option<&User> {
        self.users.get(name)
    }
}

/// The bcrypt versions (`$2a$`, `$2b$`, `$2x$`, `$2y$`); argon2id PHC strings start otherwise.
fn is_bcrypt(hash: &str) -> bool {
    ["$2a$", "$2b$", "$2x$", "$2y$"].iter().any(|prefix| hash.starts_with(prefix))
}

/// The highest bcrypt cost accepted: each step doubles the work, and 16 already costs seconds
/// per login (a typo of 31 would be days of one core per verification).
const MAX_BCRYPT_COST: u32 = 16;

fn check_bcrypt(hash: &str) -> Result<(), String> {
    let parts: bcrypt::HashParts =
        hash.parse().map_err(|e| format!("password_hash is not a bcrypt hash ({e})"))?;
    if parts.get_cost() > MAX_BCRYPT_COST {
        return Err(format!(
            "password_hash has bcrypt cost {}; at most {MAX_BCRYPT_COST} is accepted",
            parts.get_cost()
        ));
    }
    Ok(())
}

impl User {
    /// Checks a password against the hash: the expensive step the credential cache avoids.
    pub(crate) fn verify(&self, password: &str) -> bool {
        if self.bcrypt {
            // bcrypt reads at most 72 bytes of a password, as every implementation does.
            return bcrypt::verify(password, &self.hash).unwrap_or(false);
        }
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

    /// bcrypt hashes made by libxcrypt (`crypt(3)`, through Python's crypt module), one per
    /// version prefix; (hash, password).
    const BCRYPT: &[(&str, &str)] = &[
        ("$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", "U*U"),
        ("$2b$10$abcdefghijklmnopqrstuu23JPZtHcGhwXSF41f93o/7vBdDut3Xu", "correct horse"),
        ("$2y$04$XXXXXXXXXXXXXXXXXXXXXOOaLP3yB/qeCmLXPcBbjhRSKdWNDZGN.", "s3cret"),
    ];

    #[test]
    fn bcrypt_hashes_verify() {
        for (i, (hash, password)) in BCRYPT.iter().enumerate() {
            let text = format!("[users.u{i}]\npassword_hash = '{hash}'\nroles = ['reader']\n");
            let users = Users::parse(&text).unwrap();
            let user = users.get(&format!("u{i}")).unwrap();
            assert!(user.verify(password), "{hash}");
            assert!(!user.verify(&format!("{password}!")), "{hash}");
            assert!(!user.verify(""), "{hash}");
        }
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
        check("[users.a]\npassword_hash = '$2b$10$short'\n", "not a bcrypt hash");
        check(
            "[users.a]\npassword_hash = '$2b$31$abcdefghijklmnopqrstuu23JPZtHcGhwXSF41f93o/7vBdDut3Xu'\n",
            "bcrypt cost 31; at most 16",
        );
    }
}
