//! Compatibility levels and reports, shared by the Avro and JSON Schema engines. `check` applies a
//! level to a new schema and the history it must stay compatible with.

use std::fmt;

use crate::budget::{Budget, BudgetExceeded};
use crate::schema::{Schema, SchemaType};
use crate::{avro, json_schema, protobuf};

/// The compatibility levels of the Confluent API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum CompatibilityLevel {
    None,
    #[default]
    Backward,
    BackwardTransitive,
    Forward,
    ForwardTransitive,
    Full,
    FullTransitive,
}

impl CompatibilityLevel {
    pub const ALL: [CompatibilityLevel; 7] = [
        CompatibilityLevel::None,
        CompatibilityLevel::Backward,
        CompatibilityLevel::BackwardTransitive,
        CompatibilityLevel::Forward,
        CompatibilityLevel::ForwardTransitive,
        CompatibilityLevel::Full,
        CompatibilityLevel::FullTransitive,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CompatibilityLevel::None => "NONE",
            CompatibilityLevel::Backward => "BACKWARD",
            CompatibilityLevel::BackwardTransitive => "BACKWARD_TRANSITIVE",
            CompatibilityLevel::Forward => "FORWARD",
            CompatibilityLevel::ForwardTransitive => "FORWARD_TRANSITIVE",
            CompatibilityLevel::Full => "FULL",
            CompatibilityLevel::FullTransitive => "FULL_TRANSITIVE",
        }
    }

    /// Parses the REST spelling; Confluent accepts any case.
    pub fn parse(name: &str) -> Option<CompatibilityLevel> {
        let upper = name.to_ascii_uppercase();
        CompatibilityLevel::ALL.into_iter().find(|level| level.as_str() == upper)
    }

    /// Whether every version of the history is checked, not only the latest.
    pub fn is_transitive(self) -> bool {
        matches!(
            self,
            CompatibilityLevel::BackwardTransitive
                | CompatibilityLevel::ForwardTransitive
                | CompatibilityLevel::FullTransitive
        )
    }

    /// The directions a level checks.
    pub fn directions(self) -> &'static [Direction] {
        match self {
            CompatibilityLevel::None => &[],
            CompatibilityLevel::Backward | CompatibilityLevel::BackwardTransitive => {
                &[Direction::Backward]
            }
            CompatibilityLevel::Forward | CompatibilityLevel::ForwardTransitive => {
                &[Direction::Forward]
            }
            CompatibilityLevel::Full | CompatibilityLevel::FullTransitive => {
                &[Direction::Backward, Direction::Forward]
            }
        }
    }
}

impl fmt::Display for CompatibilityLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How JSON Schema changes to open content models are judged. STRICT is Confluent's default
/// classification; LENIENT is its lenient one, which also accepts properties added to open
/// content models, open models closed or narrowed, and properties added to or removed from
/// partially open ones (`json_schema::ChangeKind` has the table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum JsonPolicy {
    #[default]
    Strict,
    Lenient,
}

impl JsonPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            JsonPolicy::Strict => "STRICT",
            JsonPolicy::Lenient => "LENIENT",
        }
    }

    pub fn parse(name: &str) -> Option<JsonPolicy> {
        match name.to_ascii_uppercase().as_str() {
            "STRICT" => Some(JsonPolicy::Strict),
            "LENIENT" => Some(JsonPolicy::Lenient),
            _ => None,
        }
    }
}

/// Which way data flows in one pairwise check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// The new schema reads data written with the old one.
    Backward,
    /// The old schema reads data written with the new one.
    Forward,
}

/// One incompatibility found by an engine: a stable rule id, a JSON pointer into the reading
/// schema, and a sentence for humans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Stable identifier, e.g. `READER_FIELD_MISSING_DEFAULT_VALUE` or `TYPE_NARROWED`.
    pub rule: &'static str,
    /// JSON pointer into the reader schema (Avro) or the updated schema (JSON Schema).
    pub path: String,
    pub message: String,
}

/// A finding of `check`, with the history entry and direction it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incompatibility {
    /// Index into the history passed to `check` (0 = newest).
    pub against: usize,
    pub direction: Direction,
    pub finding: Finding,
}

/// Everything `check` found; compatible when empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub incompatibilities: Vec<Incompatibility>,
}

impl Report {
    pub fn is_compatible(&self) -> bool {
        self.incompatibilities.is_empty()
    }

    /// The distinct rule ids found, in order of first appearance.
    pub fn rules(&self) -> Vec<&'static str> {
        let mut rules = Vec::new();
        for incompatibility in &self.incompatibilities {
            if !rules.contains(&incompatibility.finding.rule) {
                rules.push(incompatibility.finding.rule);
            }
        }
        rules
    }
}

/// Longest old schema text quoted in a Confluent message (Confluent's 10 KiB).
pub const MAX_QUOTED_SCHEMA_BYTES: usize = 10 * 1024;

impl Report {
    /// The report as Confluent's registry words it: for each incompatible history entry, one
    /// message per finding, then `{oldSchemaVersion: v}` and `{oldSchema: '...'}` (cut at
    /// 10 KiB, as Confluent); at the end the level. Empty when compatible. `versions[i]` is the
    /// version of `history[i]` as passed to the check.
    pub fn confluent_messages(
        &self,
        level: CompatibilityLevel,
        history: &[&Schema],
        versions: &[u32],
    ) -> Vec<String> {
        let mut messages = Vec::new();
        let mut index = 0;
        while index < self.incompatibilities.len() {
            let against = self.incompatibilities[index].against;
            while let Some(incompatibility) = self.incompatibilities.get(index)
                && incompatibility.against == against
            {
                let finding = &incompatibility.finding;
                messages.push(format!(
                    "{{errorType:'{}', description:'{}', additionalInfo:'{}'}}",
                    finding.rule, finding.message, finding.path
                ));
                index += 1;
            }
            let version = versions.get(against).copied().unwrap_or_default();
            messages.push(format!("{{oldSchemaVersion: {version}}}"));
            let text = history.get(against).map(|old| old.text()).unwrap_or_default();
            if text.len() <= MAX_QUOTED_SCHEMA_BYTES {
                messages.push(format!("{{oldSchema: '{text}'}}"));
            } else {
                let mut cut = MAX_QUOTED_SCHEMA_BYTES;
                while !text.is_char_boundary(cut) {
                    cut -= 1;
                }
                messages.push(format!("{{oldSchema: <truncated> '{}...'}}", &text[..cut]));
            }
        }
        if !messages.is_empty() {
            messages.push(format!("{{compatibility: '{level}'}}"));
        }
        messages
    }
}

/// Rule id used when two schemas of different languages are compared.
pub const SCHEMA_TYPE_MISMATCH: &str = "SCHEMA_TYPE_MISMATCH";

/// Checks `new` against `history` (newest first, soft-deleted versions already left out) at
/// `level`, with the default JSON policy.
pub fn check(level: CompatibilityLevel, new: &Schema, history: &[&Schema]) -> Report {
    check_with_policy(level, JsonPolicy::default(), new, history)
}

/// As [`check`], with an explicit JSON Schema policy.
pub fn check_with_policy(
    level: CompatibilityLevel,
    policy: JsonPolicy,
    new: &Schema,
    history: &[&Schema],
) -> Report {
    let against = if level.is_transitive() { history.len() } else { history.len().min(1) };
    let mut report = Report::default();
    for (index, old) in history.iter().take(against).enumerate() {
        for &direction in level.directions() {
            let (reader, writer) = match direction {
                Direction::Backward => (new, *old),
                Direction::Forward => (*old, new),
            };
            for finding in can_read(reader, writer, policy) {
                report.incompatibilities.push(Incompatibility {
                    against: index,
                    direction,
                    finding,
                });
            }
        }
    }
    report
}

/// As [`check_with_policy`], every pairwise check spending steps from one `budget`, so that the
/// whole check is bounded however many versions the level names; `Err` when it runs out.
pub fn check_with_budget(
    level: CompatibilityLevel,
    policy: JsonPolicy,
    new: &Schema,
    history: &[&Schema],
    budget: &mut Budget,
) -> Result<Report, BudgetExceeded> {
    let against = if level.is_transitive() { history.len() } else { history.len().min(1) };
    let mut report = Report::default();
    for (index, old) in history.iter().take(against).enumerate() {
        for &direction in level.directions() {
            let (reader, writer) = match direction {
                Direction::Backward => (new, *old),
                Direction::Forward => (*old, new),
            };
            for finding in can_read_with_budget(reader, writer, policy, budget)? {
                report.incompatibilities.push(Incompatibility {
                    against: index,
                    direction,
                    finding,
                });
            }
        }
    }
    Ok(report)
}

/// As [`can_read`], spending steps from `budget`; `Err` when it runs out.
pub fn can_read_with_budget(
    reader: &Schema,
    writer: &Schema,
    policy: JsonPolicy,
    budget: &mut Budget,
) -> Result<Vec<Finding>, BudgetExceeded> {
    match (reader.as_avro(), writer.as_avro(), reader.as_json(), writer.as_json()) {
        (Some(r), Some(w), _, _) => avro::can_read_with_budget(r, w, budget),
        (_, _, Some(r), Some(w)) => json_schema::can_read_with_budget(r, w, policy, budget),
        _ => match (reader.as_protobuf(), writer.as_protobuf()) {
            (Some(r), Some(w)) => protobuf::can_read_with_budget(r, w, budget),
            _ => Ok(vec![type_mismatch(reader.schema_type(), writer.schema_type())]),
        },
    }
}

/// Every reason `reader` cannot read data written with `writer`, within the default work budget
/// (past it, a `CHECK_BUDGET_EXCEEDED` finding).
pub fn can_read(reader: &Schema, writer: &Schema, policy: JsonPolicy) -> Vec<Finding> {
    match (reader.as_avro(), writer.as_avro(), reader.as_json(), writer.as_json()) {
        (Some(r), Some(w), _, _) => avro::can_read(r, w),
        (_, _, Some(r), Some(w)) => json_schema::can_read(r, w, policy),
        _ => match (reader.as_protobuf(), writer.as_protobuf()) {
            (Some(r), Some(w)) => protobuf::can_read(r, w),
            _ => vec![type_mismatch(reader.schema_type(), writer.schema_type())],
        },
    }
}

fn type_mismatch(reader: SchemaType, writer: SchemaType) -> Finding {
    Finding {
        rule: SCHEMA_TYPE_MISMATCH,
        path: String::new(),
        message: format!("a {reader} schema cannot read data written with a {writer} schema"),
    }
}
