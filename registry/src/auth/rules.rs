//! Authorization rules: who (principals, roles, groups) may do which operation (`read`, `write`,
//! `delete`, `config`, `admin`) on which subjects (exact names or globs) and on the global
//! config and mode. Deny wins over allow. The built-in roles `reader`, `developer` and `admin`
//! are allow rules every rules file starts with, so the common case needs no file at all.
//!
//! The file is TOML (or JSON when its name ends in `.json`), validated when read: an unknown key,
//! operation or malformed pattern is an error located at its line, so a typo never silently
//! grants or withholds access.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::Caller;

/// What a request does to its resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Operation {
    /// Reading schemas, versions, subject config and mode; lookups.
    Read,
    /// Registering, and compatibility checks.
    Write,
    /// Soft and permanent deletes.
    Delete,
    /// Changing a subject's compatibility config or mode.
    Config,
    /// Changing the global config or mode (IMPORT included).
    Admin,
}

impl Operation {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Operation::Read => "read",
            Operation::Write => "write",
            Operation::Delete => "delete",
            Operation::Config => "config",
            Operation::Admin => "admin",
        }
    }
}

/// What an operation applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resource<'a> {
    Subject(&'a str),
    /// The global compatibility config and mode.
    Global,
}

/// A subject name pattern: exact unless it holds `*` (any run of characters, so `orders-*` is a
/// prefix) or `?` (one character).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub(crate) struct Pattern(String);

impl TryFrom<String> for Pattern {
    type Error = String;
    fn try_from(text: String) -> Result<Pattern, String> {
        if text.is_empty() {
            return Err(
                "an empty subject pattern matches nothing; use \"*\" for every subject".into()
            );
        }
        if text.len() > 1024 {
            return Err("a subject pattern is at most 1024 bytes".into());
        }
        Ok(Pattern(text))
    }
}

impl Pattern {
    /// Glob match in O(pattern × text) at worst, without recursion.
    pub(crate) fn matches(&self, text: &str) -> bool {
        let (p, t): (Vec<char>, Vec<char>) = (self.0.chars().collect(), text.chars().collect());
        let (mut pi, mut ti) = (0, 0);
        // Where the last `*` was and which text position it is currently absorbing up to.
        let mut star: Option<(usize, usize)> = None;
        while ti < t.len() {
            if pi < p.len() && (p[pi] == '?' || (p[pi] != '*' && p[pi] == t[ti])) {
                pi += 1;
                ti += 1;
            } else if pi < p.len() && p[pi] == '*' {
                star = Some((pi, ti));
                pi += 1;
            } else if let Some((star_p, star_t)) = star {
                pi = star_p + 1;
                ti = star_t + 1;
                star = Some((star_p, star_t + 1));
            } else {
                return false;
            }
        }
        p[pi..].iter().all(|c| *c == '*')
    }

    fn is_everything(&self) -> bool {
        !self.0.is_empty() && self.0.chars().all(|c| c == '*')
    }
}

/// One allow or deny rule as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "RawRule")]
pub(crate) struct Rule {
    principals: Vec<String>,
    roles: Vec<String>,
    groups: Vec<String>,
    operations: Vec<Operation>,
    subjects: Vec<Pattern>,
    global: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    #[serde(default)]
    principals: Vec<String>,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    groups: Vec<String>,
    operations: Vec<Operation>,
    #[serde(default)]
    subjects: Vec<Pattern>,
    #[serde(default)]
    global: bool,
}

impl TryFrom<RawRule> for Rule {
    type Error = String;
    fn try_from(raw: RawRule) -> Result<Rule, String> {
        if raw.principals.is_empty() && raw.roles.is_empty() && raw.groups.is_empty() {
            return Err("a rule names nobody: give principals, roles or groups".into());
        }
        if raw.operations.is_empty() {
            return Err("a rule needs at least one operation".into());
        }
        if raw.subjects.is_empty() && !raw.global {
            return Err("a rule needs subjects (patterns) or global = true".into());
        }
        Ok(Rule {
            principals: raw.principals,
            roles: raw.roles,
            groups: raw.groups,
            operations: raw.operations,
            subjects: raw.subjects,
            global: raw.global,
        })
    }
}

impl Rule {
    fn names(&self, caller: &Caller) -> bool {
        self.principals.iter().any(|p| *p == caller.principal || p == "*")
            || self.roles.iter().any(|r| caller.roles.iter().any(|c| c == r))
            || self.groups.iter().any(|g| caller.groups.iter().any(|c| c == g))
    }

    fn covers(&self, operation: Operation, resource: Resource<'_>) -> bool {
        self.operations.contains(&operation)
            && match resource {
                Resource::Global => self.global,
                Resource::Subject(subject) => self.subjects.iter().any(|p| p.matches(subject)),
            }
    }
}

/// Roles and groups given to principals in the rules file, for credentials that carry none
/// (client certificates, tokens without a roles claim, users without roles).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Membership {
    #[serde(default)]
    pub(crate) roles: Vec<String>,
    #[serde(default)]
    pub(crate) groups: Vec<String>,
}

/// The rules file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default)]
    principals: BTreeMap<String, Membership>,
    #[serde(default)]
    allow: Vec<Rule>,
    #[serde(default)]
    deny: Vec<Rule>,
}

/// The rules in force: the built-in roles, then the file's.
#[derive(Debug, Clone)]
pub(crate) struct Rules {
    principals: BTreeMap<String, Membership>,
    allow: Vec<Rule>,
    deny: Vec<Rule>,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules { principals: BTreeMap::new(), allow: builtin(), deny: Vec::new() }
    }
}

/// The built-in roles as allow rules.
fn builtin() -> Vec<Rule> {
    use Operation::*;
    let rule = |role: &str, operations: Vec<Operation>, global: bool| Rule {
        principals: Vec::new(),
        roles: vec![role.to_owned()],
        groups: Vec::new(),
        operations,
        subjects: vec![Pattern("*".into())],
        global,
    };
    vec![
        rule("reader", vec![Read], true),
        rule("developer", vec![Read, Write, Delete, Config], false),
        rule("developer", vec![Read], true),
        rule("admin", vec![Read, Write, Delete, Config, Admin], true),
    ]
}

impl Rules {
    /// Reads and validates a rules file (TOML, or JSON by its `.json` name).
    pub(crate) fn load(path: &Path) -> Result<Rules, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read rules file {}: {e}", path.display()))?;
        Rules::parse(&text, path.extension().is_some_and(|e| e == "json"))
            .map_err(|e| format!("invalid rules file {}: {e}", path.display()))
    }

    /// Parses rules text; errors name the line (and column) they are at.
    pub(crate) fn parse(text: &str, json: bool) -> Result<Rules, String> {
        let file: RulesFile = if json {
            serde_json::from_str(text).map_err(|e| e.to_string())?
        } else {
            toml::from_str(text).map_err(|e| e.to_string().trim_end().to_owned())?
        };
        let mut allow = builtin();
        allow.extend(file.allow);
        Ok(Rules { principals: file.principals, allow, deny: file.deny })
    }

    /// Extra roles and groups the file gives `principal`.
    pub(crate) fn membership(&self, principal: &str) -> Option<&Membership> {
        self.principals.get(principal)
    }

    /// Deny wins: allowed when some allow rule covers it and no deny rule does.
    pub(crate) fn allows(&self, caller: &Caller, operation: Operation, resource: Resource) -> bool {
        let covered = |rule: &Rule| rule.names(caller) && rule.covers(operation, resource);
        (self.allow.iter().any(covered) || caller.grants.allows(operation, resource))
            && !self.deny.iter().any(covered)
    }

    /// A compatibility check of `subject`: `write` on it, or a Karapace `Read` grant (as
    /// Karapace allows) unless a deny rule on `write` covers the subject.
    pub(crate) fn allows_check(&self, caller: &Caller, subject: &str) -> bool {
        let resource = Resource::Subject(subject);
        let denied = |rule: &Rule| rule.names(caller) && rule.covers(Operation::Write, resource);
        self.allows(caller, Operation::Write, resource)
            || (caller.grants.allows(Operation::Read, resource) && !self.deny.iter().any(denied))
    }

    /// Whether `caller` may read every subject (so listings need no filtering and a schema id
    /// needs no search for a subject holding it).
    pub(crate) fn reads_everything(&self, caller: &Caller) -> bool {
        let everywhere = |rule: &Rule| {
            rule.names(caller)
                && rule.operations.contains(&Operation::Read)
                && rule.subjects.iter().any(Pattern::is_everything)
        };
        // A deny rule on some subjects makes the answer per subject.
        let denied = |rule: &Rule| {
            rule.names(caller)
                && rule.operations.contains(&Operation::Read)
                && !rule.subjects.is_empty()
        };
        (self.allow.iter().any(everywhere) || caller.grants.reads_everything())
            && !self.deny.iter().any(denied)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(principal: &str, roles: &[&str], groups: &[&str]) -> Caller {
        Caller {
            principal: principal.to_owned(),
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
            groups: groups.iter().map(|g| (*g).to_owned()).collect(),
            grants: Default::default(),
        }
    }

    #[test]
    fn globs() {
        let check = |pattern: &str, text: &str, expected: bool| {
            assert_eq!(Pattern(pattern.into()).matches(text), expected, "{pattern} ~ {text}");
        };
        check("orders-value", "orders-value", true);
        check("orders-value", "orders-value2", false);
        check("orders-*", "orders-", true);
        check("orders-*", "orders-value", true);
        check("orders-*", "order-value", false);
        check("*-value", "payments-value", true);
        check("*-value", "payments-key", false);
        check("a*b*c", "aXXbYYc", true);
        check("a*b*c", "aXXbYY", false);
        check("?x", "ax", true);
        check("?x", "x", false);
        check("*", "", true);
        check("**", "anything", true);
        check("é*", "été", true);
        check(&"*a".repeat(30), &"a".repeat(100), true);
        check(&"*a".repeat(30), &"b".repeat(1000), false);
    }

    #[test]
    fn builtin_roles() {
        let rules = Rules::default();
        let check = |roles: &[&str], op: Operation, resource: Resource, expected: bool| {
            let who = caller("u", roles, &[]);
            assert_eq!(rules.allows(&who, op, resource), expected, "{roles:?} {op:?} {resource:?}");
        };
        use Operation::*;
        let s = Resource::Subject("orders-value");
        for (roles, read, write, delete, config, admin) in [
            (&["reader"][..], true, false, false, false, false),
            (&["developer"], true, true, true, true, false),
            (&["admin"], true, true, true, true, true),
            (&[], false, false, false, false, false),
            (&["unknown"], false, false, false, false, false),
        ] {
            check(roles, Read, s, read);
            check(roles, Write, s, write);
            check(roles, Delete, s, delete);
            check(roles, Config, s, config);
            check(roles, Admin, Resource::Global, admin);
            check(roles, Read, Resource::Global, read);
        }
    }

    const FILE: &str = r#"
[principals.ci-bot]
roles = ["payments-writer"]

[[allow]]
roles = ["payments-writer"]
operations = ["read", "write"]
subjects = ["payments-*"]

[[allow]]
principals = ["carol"]
operations = ["read"]
subjects = ["orders-value"]

[[deny]]
groups = ["contractors"]
operations = ["delete", "read"]
subjects = ["payments-secret-*"]
"#;

    #[test]
    fn file_rules_and_deny_wins() {
        let rules = Rules::parse(FILE, false).unwrap();
        let member = rules.membership("ci-bot").unwrap();
        let bot =
            caller("ci-bot", &member.roles.iter().map(String::as_str).collect::<Vec<_>>(), &[]);
        use Operation::*;
        assert!(rules.allows(&bot, Write, Resource::Subject("payments-value")));
        assert!(!rules.allows(&bot, Write, Resource::Subject("orders-value")));
        assert!(!rules.allows(&bot, Delete, Resource::Subject("payments-value")));
        let carol = caller("carol", &[], &[]);
        assert!(rules.allows(&carol, Read, Resource::Subject("orders-value")));
        assert!(!rules.allows(&carol, Read, Resource::Subject("orders-value-2")));
        assert!(!rules.reads_everything(&carol));
        let contractor = caller("dave", &["admin"], &["contractors"]);
        assert!(rules.allows(&contractor, Delete, Resource::Subject("payments-value")));
        assert!(!rules.allows(&contractor, Delete, Resource::Subject("payments-secret-x")));
        assert!(!rules.allows(&contractor, Read, Resource::Subject("payments-secret-x")));
        assert!(!rules.reads_everything(&contractor), "a read deny makes reads per subject");
        assert!(rules.reads_everything(&caller("eve", &["admin"], &[])));
        // The same rules as JSON.
        let json = r#"{"allow": [{"principals": ["carol"], "operations": ["read"],
                       "subjects": ["orders-value"]}]}"#;
        let rules = Rules::parse(json, true).unwrap();
        assert!(rules.allows(&carol, Read, Resource::Subject("orders-value")));
    }

    #[test]
    fn invalid_files_are_refused_with_their_line() {
        let check = |text: &str, json: bool, expected: &[&str]| {
            let error = Rules::parse(text, json).unwrap_err();
            for part in expected {
                assert!(error.contains(part), "{error:?} lacks {part:?}");
            }
        };
        check(
            "[[allow]]\nroles = [\"x\"]\noperations = [\"raed\"]\nsubjects = [\"*\"]\n",
            false,
            &["line 3", "raed"],
        );
        check(
            "\n\n[[allow]]\noperations = [\"read\"]\nsubjects = [\"*\"]\n",
            false,
            &["line 3", "names nobody"],
        );
        check(
            "[[deny]]\nroles = [\"x\"]\noperations = [\"read\"]\n",
            false,
            &["line 1", "global = true"],
        );
        check(
            "[[allow]]\nroles = [\"x\"]\noperations = [\"read\"]\nsubjects = [\"\"]\n",
            false,
            &["line 4", "empty subject pattern"],
        );
        check("[[allow]]\nrole = [\"x\"]\n", false, &["line 2", "role"]);
        check("allow = 3\n", false, &["line 1"]);
        check("[x\n", false, &["line 1"]);
        check(
            "{\"allow\": [{\"roles\": [\"x\"],\n \"operations\": [\"delet\"]}]}",
            true,
            &["line 2", "delet"],
        );
    }
}
