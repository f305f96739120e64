//! Newtypes for the identifiers the registry hands out, so a schema id can never be passed where a
//! version is expected. Parse once at the boundary, pass typed values inside.

use std::fmt;

/// A global schema id. Confluent ids are Java `int`s: 1..=i32::MAX.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SchemaId(pub u32);

impl SchemaId {
    /// The largest id a Confluent client can represent (a Java `int`).
    pub const MAX: u32 = i32::MAX as u32;

    /// Accepts an id as it arrives from the outside world; `None` outside 1..=i32::MAX.
    pub fn new(raw: i64) -> Option<SchemaId> {
        u32::try_from(raw).ok().filter(|id| (1..=Self::MAX).contains(id)).map(SchemaId)
    }
}

impl fmt::Display for SchemaId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A version of a schema under a subject: 1..=i32::MAX.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version(pub u32);

impl Version {
    /// The largest version a Confluent client can represent (a Java `int`).
    pub const MAX: u32 = i32::MAX as u32;

    /// Accepts a version as it arrives from the outside world; `None` outside 1..=i32::MAX.
    pub fn new(raw: i64) -> Option<Version> {
        u32::try_from(raw).ok().filter(|v| (1..=Self::MAX).contains(v)).map(Version)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A version as a request names it: an exact version or the latest. Confluent's rule, the one
/// parser every crate uses: 1..=2^31-1, `latest` (any case) or -1 (latest); anything else,
/// version 0 included, is not a version (the registry answers 42202).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VersionSpec {
    Latest,
    Exact(Version),
}

impl VersionSpec {
    /// Parses a `{version}` path segment or a command-line version; `None` when it is not one.
    pub fn parse(raw: &str) -> Option<VersionSpec> {
        if raw.eq_ignore_ascii_case("latest") {
            return Some(VersionSpec::Latest);
        }
        VersionSpec::from_number(raw.parse::<i64>().ok()?)
    }

    /// A numeric version: -1 is the latest, 1..=2^31-1 an exact version, the rest `None`.
    pub fn from_number(raw: i64) -> Option<VersionSpec> {
        match raw {
            -1 => Some(VersionSpec::Latest),
            n => Version::new(n).map(VersionSpec::Exact),
        }
    }
}

impl fmt::Display for VersionSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VersionSpec::Latest => f.write_str("latest"),
            VersionSpec::Exact(version) => version.fmt(f),
        }
    }
}

/// A subject name. Confluent accepts any non-empty string without control characters; the
/// registry enforces its own length limit on top.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Subject(String);

impl Subject {
    /// Validates a subject name; `None` for an empty name or one with control characters.
    pub fn new(name: impl Into<String>) -> Option<Subject> {
        let name = name.into();
        let valid = !name.is_empty() && !name.chars().any(char::is_control);
        valid.then_some(Subject(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_follow_java_int() {
        let cases: &[(i64, bool)] =
            &[(0, false), (1, true), (-1, false), (2147483647, true), (2147483648, false)];
        for &(raw, ok) in cases {
            assert_eq!(SchemaId::new(raw).is_some(), ok, "id {raw}");
            assert_eq!(Version::new(raw).is_some(), ok, "version {raw}");
        }
    }

    #[test]
    fn subjects_reject_empty_and_control_characters() {
        let cases: &[(&str, bool)] =
            &[("orders-value", true), ("", false), ("a\nb", false), ("ünïcode", true)];
        for &(name, ok) in cases {
            assert_eq!(Subject::new(name).is_some(), ok, "{name:?}");
        }
    }

    #[test]
    fn version_specs_follow_confluent() {
        let cases: &[(&str, Option<VersionSpec>)] = &[
            ("1", Some(VersionSpec::Exact(Version(1)))),
            ("2147483647", Some(VersionSpec::Exact(Version(2147483647)))),
            ("latest", Some(VersionSpec::Latest)),
            ("LATEST", Some(VersionSpec::Latest)),
            ("-1", Some(VersionSpec::Latest)),
            ("0", None),
            ("-2", None),
            ("2147483648", None),
            ("99999999999999999999", None),
            ("one", None),
            ("", None),
        ];
        for (raw, expected) in cases {
            assert_eq!(VersionSpec::parse(raw), *expected, "{raw:?}");
            if let Some(spec) = expected
                && *raw != "LATEST"
                && *raw != "-1"
            {
                assert_eq!(spec.to_string(), *raw);
            }
        }
    }
}
