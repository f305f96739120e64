//! Schema contexts (Confluent 7.0+): a subject written `:.ctx:name` lives in context `.ctx`, one
//! without that prefix in the default context `.`. Each context is its own id space with its own
//! config and mode; the qualified name is the subject's name everywhere (records, REST, rules).
//! These are the pure rules of the notation, as Confluent's `QualifiedSubject` reads it; the
//! registry and the clients build on them.

use std::borrow::Cow;

/// The default context's name.
pub const DEFAULT_CONTEXT: &str = ".";

/// The prefix that asks for every context in a subject listing (`subjectPrefix=:*:`).
pub const CONTEXT_WILDCARD: &str = ":*:";

/// Confluent's context reserved for global settings: never a subject's context.
pub const GLOBAL_CONTEXT: &str = ".__GLOBAL";

/// A subject split into its context (`.` or `.name`) and the name within it (possibly empty:
/// `:.ctx:` names the context itself, which is where its config and mode live).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Qualified<'s> {
    pub context: &'s str,
    pub name: &'s str,
}

impl<'s> Qualified<'s> {
    /// Reads a subject as Confluent does: `:.ctx:name` is `name` in `.ctx`; `:.ctx` (no closing
    /// colon) is the context itself; anything else (`:ctx:name` too, which lacks the dot) is a
    /// name in the default context.
    pub fn parse(subject: &'s str) -> Qualified<'s> {
        let Some(rest) = subject.strip_prefix(":.") else {
            return Qualified { context: DEFAULT_CONTEXT, name: subject };
        };
        // `rest` starts after ":.", so the context keeps its dot: subject[1..] starts with it.
        match rest.find(':') {
            Some(end) => Qualified { context: &subject[1..2 + end], name: &rest[end + 1..] },
            None => Qualified { context: &subject[1..], name: "" },
        }
    }

    pub fn is_default(&self) -> bool {
        self.context == DEFAULT_CONTEXT
    }

    /// The subject as stored: `:.ctx:name`, or `name` in the default context (so `:.:name` and
    /// `name` are one subject).
    pub fn to_subject(&self) -> Cow<'s, str> {
        if self.is_default() {
            Cow::Borrowed(self.name)
        } else {
            Cow::Owned(format!("{}{}", prefix(self.context), self.name))
        }
    }
}

/// The prefix of a context's subjects: `:.ctx:`, or nothing for the default context.
pub fn prefix(context: &str) -> String {
    if context == DEFAULT_CONTEXT { String::new() } else { format!(":{context}:") }
}

/// The context of a subject (`.` for an unqualified one).
pub fn context_of(subject: &str) -> &str {
    Qualified::parse(subject).context
}

/// The stored form of a subject: `:.:name` is `name`; everything else is kept as written.
pub fn normalize(subject: &str) -> Cow<'_, str> {
    if subject.starts_with(":.:") { Qualified::parse(subject).to_subject() } else { subject.into() }
}

/// Why a context name from a URL (`/contexts/{context}/...`) is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ContextError {
    #[error("Context name cannot contain a colon")]
    Colon,
    #[error("Context name cannot be empty")]
    Empty,
    #[error("Context name cannot contain control characters")]
    Control,
}

/// A context name as a URL or a command line gives it, in its stored form: the colons around
/// it dropped and the leading dot added (`ctx`, `.ctx` and `:.ctx:` are all `.ctx`), as
/// Confluent's `ContextFilter` reads it. A colon inside is refused there, as here.
pub fn parse_context(raw: &str) -> Result<String, ContextError> {
    let trimmed = raw.strip_prefix(':').unwrap_or(raw);
    let trimmed = trimmed.strip_suffix(':').unwrap_or(trimmed);
    if trimmed.contains(':') {
        return Err(ContextError::Colon);
    }
    if trimmed.chars().any(char::is_control) {
        return Err(ContextError::Control);
    }
    if trimmed.is_empty() {
        return Err(ContextError::Empty);
    }
    Ok(if trimmed.starts_with('.') { trimmed.to_owned() } else { format!(".{trimmed}") })
}

/// `subject` qualified with `context` unless it names a context of its own (as Confluent's
/// `ContextFilter` qualifies the subjects of `/contexts/{context}/...` URLs): `name` in `.ctx`
/// is `:.ctx:name`; `:.other:name` and `:*:name` are kept.
pub fn qualify(context: &str, subject: &str) -> String {
    if subject.starts_with(":.") || subject.starts_with(CONTEXT_WILDCARD) {
        return normalize(subject).into_owned();
    }
    format!("{}{subject}", prefix(context))
}

/// The subject a reference names, seen from the schema that holds it: an unqualified
/// reference of a schema in context `.ctx` is resolved in `.ctx`, as Confluent's
/// `qualifySubjectWithParent` resolves it; a qualified one is taken as written.
pub fn resolve_reference<'r>(referrer: &str, reference: &'r str) -> Cow<'r, str> {
    let context = context_of(referrer);
    if context == DEFAULT_CONTEXT || reference.starts_with(":.") {
        normalize(reference)
    } else {
        Cow::Owned(format!("{}{reference}", prefix(context)))
    }
}

/// Whether `subject` is listed by `subjectPrefix`: `:*:p` matches names starting with `p` in
/// every context; any other prefix matches within its own context only (an unqualified prefix,
/// the empty one included, lists the default context), as Confluent's store ranges do.
pub fn matches_prefix(subject: &str, subject_prefix: &str) -> bool {
    let subject = Qualified::parse(subject);
    if let Some(name) = subject_prefix.strip_prefix(CONTEXT_WILDCARD) {
        return subject.name.starts_with(name);
    }
    let wanted = Qualified::parse(subject_prefix);
    subject.context == wanted.context && subject.name.starts_with(wanted.name)
}

/// Whether a subject may be registered under: not the global context, and not the names
/// Confluent reserves (`__GLOBAL`, `__EMPTY`), nor a context's own empty name.
pub fn is_registrable(subject: &str) -> bool {
    let q = Qualified::parse(subject);
    !q.name.is_empty() && q.context != GLOBAL_CONTEXT && !matches!(q.name, "__GLOBAL" | "__EMPTY")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_split_as_confluent_reads_them() {
        let cases: &[(&str, &str, &str)] = &[
            ("orders", ".", "orders"),
            (":.team:orders", ".team", "orders"),
            (":.team:", ".team", ""),
            (":.team", ".team", ""),
            (":.:orders", ".", "orders"),
            (":team:orders", ".", ":team:orders"),
            (":.a.b:x:y", ".a.b", "x:y"),
            ("", ".", ""),
        ];
        for &(subject, context, name) in cases {
            let q = Qualified::parse(subject);
            assert_eq!((q.context, q.name), (context, name), "{subject:?}");
        }
    }

    #[test]
    fn stored_forms() {
        let cases: &[(&str, &str)] = &[
            (":.:orders", "orders"),
            ("orders", "orders"),
            (":.team:orders", ":.team:orders"),
            (":.team:", ":.team:"),
        ];
        for &(subject, stored) in cases {
            assert_eq!(normalize(subject), stored, "{subject:?}");
        }
        assert_eq!(prefix("."), "");
        assert_eq!(prefix(".team"), ":.team:");
    }

    #[test]
    fn context_names_from_urls() {
        let cases: &[(&str, Result<&str, ContextError>)] = &[
            ("team", Ok(".team")),
            (".team", Ok(".team")),
            (":.team:", Ok(".team")),
            (".", Ok(".")),
            ("a:b", Err(ContextError::Colon)),
            ("", Err(ContextError::Empty)),
            ("::", Err(ContextError::Empty)),
            ("a\nb", Err(ContextError::Control)),
        ];
        for (raw, expected) in cases {
            assert_eq!(parse_context(raw).as_deref(), expected.as_deref(), "{raw:?}");
        }
    }

    #[test]
    fn qualifying_and_references() {
        assert_eq!(qualify(".team", "orders"), ":.team:orders");
        assert_eq!(qualify(".team", ":.other:orders"), ":.other:orders");
        assert_eq!(qualify(".", "orders"), "orders");
        assert_eq!(qualify(".team", ""), ":.team:");
        assert_eq!(resolve_reference(":.team:a", "b"), ":.team:b");
        assert_eq!(resolve_reference(":.team:a", ":.x:b"), ":.x:b");
        assert_eq!(resolve_reference("a", "b"), "b");
        assert_eq!(resolve_reference("a", ":.:b"), "b");
    }

    #[test]
    fn prefixes_match_within_their_context() {
        let cases: &[(&str, &str, bool)] = &[
            ("orders", "", true),
            (":.team:orders", "", false),
            (":.team:orders", ":*:", true),
            ("orders", ":*:", true),
            (":.team:orders", ":*:ord", true),
            (":.team:x", ":*:ord", false),
            (":.team:orders", ":.team:", true),
            (":.team:orders", ":.team:o", true),
            ("orders", ":.team:", false),
            (":.teams:orders", ":.team:", false),
            ("orders", "ord", true),
            ("orders", ":.:ord", true),
        ];
        for &(subject, prefix, expected) in cases {
            assert_eq!(matches_prefix(subject, prefix), expected, "{subject:?} {prefix:?}");
        }
    }

    #[test]
    fn registrable_subjects() {
        let cases: &[(&str, bool)] = &[
            ("orders", true),
            (":.team:orders", true),
            (":.team:", false),
            (":.__GLOBAL:orders", false),
            ("__GLOBAL", false),
            (":.team:__EMPTY", false),
            (":.:orders", true),
        ];
        for &(subject, expected) in cases {
            assert_eq!(is_registrable(subject), expected, "{subject:?}");
        }
    }
}
