//! Our Avro compatibility engine: can a reader schema read data written with a writer schema?
//! It follows the specification's schema-resolution rules the way Java's `SchemaCompatibility`
//! applies them, but collects every incompatibility instead of stopping, and locates each one by a
//! JSON pointer into the reader schema as written.
//!
//! Hot path notes: the registry checks one new schema against up to a thousand versions, so the
//! walk allocates nothing per node. The path is a stack of segments turned into a pointer only
//! when a finding is made; message strings are only formatted when they are reported.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use super::model::{Kind, Model, Node, NodeId};
use crate::budget::{self, Budget, BudgetExceeded};
use crate::compat::Finding;

/// A reader field is missing in the writer and has no default to fill it with.
pub const READER_FIELD_MISSING_DEFAULT_VALUE: &str = "READER_FIELD_MISSING_DEFAULT_VALUE";
/// The reader's type cannot read the writer's type (and no promotion applies).
pub const TYPE_MISMATCH: &str = "TYPE_MISMATCH";
/// The writer enum has symbols the reader lacks, and the reader enum has no default.
pub const MISSING_ENUM_SYMBOLS: &str = "MISSING_ENUM_SYMBOLS";
/// A writer union branch (or a non-union writer) matches no branch of the reader union.
pub const MISSING_UNION_BRANCH: &str = "MISSING_UNION_BRANCH";
/// Named types whose names differ and no reader alias names the writer.
pub const NAME_MISMATCH: &str = "NAME_MISMATCH";
/// Fixed types of different sizes.
pub const FIXED_SIZE_MISMATCH: &str = "FIXED_SIZE_MISMATCH";
/// The check ran out of its work budget: what was not compared may be incompatible, so the
/// verdict fails closed.
pub const CHECK_BUDGET_EXCEEDED: &str = "CHECK_BUDGET_EXCEEDED";

/// Every reason `reader` cannot read data written with `writer`; empty when it can. Within the
/// default budget; past it the findings end with a `CHECK_BUDGET_EXCEEDED` one.
pub(crate) fn can_read(reader: &Model, writer: &Model) -> Vec<Finding> {
    let mut budget = Budget::default();
    let (mut findings, exceeded) = run(reader, writer, &mut budget);
    if let Err(exceeded) = exceeded {
        findings.push(Finding {
            rule: CHECK_BUDGET_EXCEEDED,
            path: String::new(),
            message: format!("not compared to the end: {exceeded}"),
        });
    }
    findings
}

/// As [`can_read`], spending steps from `budget`; `Err` when it runs out.
pub(crate) fn can_read_with_budget(
    reader: &Model,
    writer: &Model,
    budget: &mut Budget,
) -> Result<Vec<Finding>, BudgetExceeded> {
    let (findings, exceeded) = run(reader, writer, budget);
    exceeded.map(|()| findings)
}

fn run(
    reader: &Model,
    writer: &Model,
    budget: &mut Budget,
) -> (Vec<Finding>, Result<(), BudgetExceeded>) {
    let mut checker = Checker {
        reader,
        writer,
        path: Vec::with_capacity(16),
        findings: Vec::new(),
        memo: HashMap::default(),
        trial: 0,
        depth: 0,
        budget: std::mem::replace(budget, Budget::new(0)),
    };
    checker.check(reader.root, writer.root);
    *budget = checker.budget;
    (checker.findings, budget.result(budget::CHECK))
}

/// One step of the path from the reader's root to the node being checked.
#[derive(Debug, Clone, Copy)]
enum Segment {
    Key(&'static str),
    Index(usize),
    /// Entered a named type of the reader: the pointer restarts at its definition, so a type used
    /// by name and its definition report the same place. Types from references have no place in
    /// the reader's text, so their findings continue the path from where they are used.
    Named(NodeId),
}

#[derive(Debug, Clone, Copy)]
enum Memo {
    /// Being checked further up the stack: assume compatible so recursive types terminate (the
    /// remaining structure is checked by the outer visit).
    InProgress,
    /// Checked; `reported` says whether its findings were recorded (not in a union trial).
    Done { compatible: bool, reported: bool },
}

struct Checker<'a> {
    reader: &'a Model,
    writer: &'a Model,
    path: Vec<Segment>,
    findings: Vec<Finding>,
    /// Results for pairs of named types, the only way a schema can recurse.
    memo: HashMap<(NodeId, NodeId), Memo, BuildHasherDefault<PairHasher>>,
    /// Greater than zero while trying reader union branches: only the verdict matters there,
    /// findings are neither formatted nor kept.
    trial: u32,
    /// How many checks are on the stack.
    depth: u32,
    /// One step per pair of types compared (and per enum symbol looked up): wide unions of
    /// records compare every branch with every branch, which is quadratic and can be large.
    budget: Budget,
}

/// How many nested checks the engine performs before giving up on a pair. Parsing bounds how
/// deeply types nest, but a reader and a writer that are both recursive with different cycle
/// lengths pair up their types for up to the product of the two lengths before a pair repeats;
/// past this bound the engine reports an incompatibility (failing closed) instead of risking the
/// stack.
const MAX_CHECK_DEPTH: u32 = 1_024;

impl Checker<'_> {
    fn check(&mut self, r: NodeId, w: NodeId) -> bool {
        if !self.budget.spend(1) {
            // The check is abandoned; the caller reports the budget, not this verdict.
            return false;
        }
        if self.depth >= MAX_CHECK_DEPTH {
            self.report(TYPE_MISMATCH, |_| {
                format!("types nest more than {MAX_CHECK_DEPTH} levels deep here; not compared")
            });
            return false;
        }
        self.depth += 1;
        let compatible = self.check_pair(r, w);
        self.depth -= 1;
        compatible
    }

    fn check_pair(&mut self, r: NodeId, w: NodeId) -> bool {
        let reader = self.reader.node(r);
        let writer = self.writer.node(w);
        let named_pair = reader.named.is_some() && writer.named.is_some();
        if named_pair {
            match self.memo.get(&(r, w)) {
                Some(Memo::InProgress) => return true,
                Some(Memo::Done { compatible: true, .. }) => return true,
                // Already reported (or only the verdict is wanted): report once, not per use.
                Some(Memo::Done { compatible: false, reported }) if *reported || self.trial > 0 => {
                    return false;
                }
                _ => {}
            }
            self.memo.insert((r, w), Memo::InProgress);
        }
        let jumped = match &reader.named {
            Some(named) if !named.external => {
                self.path.push(Segment::Named(r));
                true
            }
            _ => false,
        };
        let compatible = self.compare(reader, writer, r, w);
        if jumped {
            self.path.pop();
        }
        if named_pair {
            self.memo.insert((r, w), Memo::Done { compatible, reported: self.trial == 0 });
        }
        compatible
    }

    fn compare(&mut self, reader: &Node, writer: &Node, r: NodeId, w: NodeId) -> bool {
        match (&reader.kind, &writer.kind) {
            (
                Kind::Union { branches: reader_branches },
                Kind::Union { branches: writer_branches },
            ) => {
                let mut compatible = true;
                for (i, &branch) in writer_branches.iter().enumerate() {
                    if !self.union_accepts(reader_branches, branch) {
                        compatible = false;
                        self.report(MISSING_UNION_BRANCH, |c| {
                            format!(
                                "reader union has no branch that can read writer union branch {i} ({})",
                                c.describe_writer(branch)
                            )
                        });
                    }
                }
                compatible
            }
            // Java: a reader that can read every branch of a writer union can read the union.
            (_, Kind::Union { branches }) => {
                let mut compatible = true;
                for &branch in branches {
                    compatible &= self.check(r, branch);
                }
                compatible
            }
            (Kind::Union { branches }, _) => {
                if self.union_accepts(branches, w) {
                    return true;
                }
                self.report(MISSING_UNION_BRANCH, |c| {
                    format!(
                        "reader union has no branch that can read writer type {}",
                        c.describe_writer(w)
                    )
                });
                false
            }
            (Kind::Null, Kind::Null)
            | (Kind::Boolean, Kind::Boolean)
            | (Kind::Int, Kind::Int)
            | (Kind::Long, Kind::Long | Kind::Int)
            | (Kind::Float, Kind::Float | Kind::Long | Kind::Int)
            | (Kind::Double, Kind::Double | Kind::Float | Kind::Long | Kind::Int)
            | (Kind::Bytes, Kind::Bytes | Kind::String)
            | (Kind::String, Kind::String | Kind::Bytes) => true,
            (Kind::Array { items: reader_items }, Kind::Array { items: writer_items }) => {
                self.path.push(Segment::Key("items"));
                let compatible = self.check(*reader_items, *writer_items);
                self.path.pop();
                compatible
            }
            (Kind::Map { values: reader_values }, Kind::Map { values: writer_values }) => {
                self.path.push(Segment::Key("values"));
                let compatible = self.check(*reader_values, *writer_values);
                self.path.pop();
                compatible
            }
            (Kind::Fixed { size: reader_size }, Kind::Fixed { size: writer_size }) => {
                let mut compatible = self.names_match(reader, writer);
                if reader_size != writer_size {
                    compatible = false;
                    self.path.push(Segment::Key("size"));
                    self.report(FIXED_SIZE_MISMATCH, |c| {
                        format!(
                            "fixed {} has size {reader_size} but the writer's {} has size {writer_size}",
                            c.reader_name(r),
                            c.writer_name(w)
                        )
                    });
                    self.path.pop();
                }
                compatible
            }
            (
                Kind::Enum { symbols: reader_symbols, default },
                Kind::Enum { symbols: writer_symbols, .. },
            ) => {
                let mut compatible = self.names_match(reader, writer);
                // A set: two enums of many thousand symbols would otherwise be quadratic.
                let steps = (reader_symbols.len() + writer_symbols.len()) as u64;
                if !self.budget.spend(steps) {
                    return false;
                }
                let readable: HashSet<&str> = reader_symbols.iter().map(String::as_str).collect();
                let covered =
                    writer_symbols.iter().all(|symbol| readable.contains(symbol.as_str()));
                if !covered && default.is_none() {
                    compatible = false;
                    self.path.push(Segment::Key("symbols"));
                    self.report(MISSING_ENUM_SYMBOLS, |c| {
                        let mut missing: Vec<&str> = writer_symbols
                            .iter()
                            .filter(|symbol| !readable.contains(symbol.as_str()))
                            .map(String::as_str)
                            .collect();
                        missing.sort_unstable();
                        format!(
                            "reader enum {} lacks writer symbols [{}] and has no default",
                            c.reader_name(r),
                            missing.join(", ")
                        )
                    });
                    self.path.pop();
                }
                compatible
            }
            (
                Kind::Record { fields: reader_fields, .. },
                Kind::Record { fields: writer_fields, by_name },
            ) => {
                let mut compatible = self.names_match(reader, writer);
                self.path.push(Segment::Key("fields"));
                for (i, field) in reader_fields.iter().enumerate() {
                    self.path.push(Segment::Index(i));
                    // Java: the writer field of the same name, else the first one named by a
                    // reader field alias.
                    // Evolving schemas mostly keep field positions, so try the same position
                    // before hashing the name.
                    let writer_field = match writer_fields.get(i) {
                        Some(same) if same.name == field.name => Some(same),
                        _ => by_name
                            .get(&field.name)
                            .or_else(|| field.aliases.iter().find_map(|alias| by_name.get(alias)))
                            .and_then(|&index| writer_fields.get(index)),
                    };
                    match writer_field {
                        Some(writer_field) => {
                            self.path.push(Segment::Key("type"));
                            compatible &= self.check(field.ty, writer_field.ty);
                            self.path.pop();
                        }
                        None if field.default.is_some() => {}
                        None => {
                            compatible = false;
                            self.report(READER_FIELD_MISSING_DEFAULT_VALUE, |c| {
                                format!(
                                    "reader field '{}' of {} is not in the writer and has no default",
                                    field.name,
                                    c.reader_name(r)
                                )
                            });
                        }
                    }
                    self.path.pop();
                }
                self.path.pop();
                compatible
            }
            _ => {
                self.report(TYPE_MISMATCH, |c| {
                    format!(
                        "reader type {} cannot read writer type {}",
                        c.describe_reader(r),
                        c.describe_writer(w)
                    )
                });
                false
            }
        }
    }

    /// Whether some branch of a reader union can read `writer` (Java takes the first that can).
    fn union_accepts(&mut self, reader_branches: &[NodeId], writer: NodeId) -> bool {
        self.trial += 1;
        let accepted = reader_branches.iter().any(|&branch| self.check(branch, writer));
        self.trial -= 1;
        accepted
    }

    /// Java's `schemaNameEquals`: the unqualified names are equal, or a reader alias (a full
    /// name) is the writer's full name.
    fn names_match(&mut self, reader: &Node, writer: &Node) -> bool {
        let (Some(reader_name), Some(writer_name)) = (&reader.named, &writer.named) else {
            return true;
        };
        if reader_name.short_name() == writer_name.short_name()
            || reader_name.aliases.contains(&writer_name.full_name)
        {
            return true;
        }
        self.path.push(Segment::Key("name"));
        self.report(NAME_MISMATCH, |_| {
            format!(
                "reader {} '{}' does not match writer {} '{}' by name or alias",
                reader.kind.type_name(),
                reader_name.full_name,
                writer.kind.type_name(),
                writer_name.full_name
            )
        });
        self.path.pop();
        false
    }

    fn report(&mut self, rule: &'static str, message: impl FnOnce(&Self) -> String) {
        if self.trial > 0 {
            return;
        }
        let message = message(self);
        let path = self.pointer();
        self.findings.push(Finding { rule, path, message });
    }

    /// The JSON pointer of the current position in the reader schema as written.
    fn pointer(&self) -> String {
        let start = self.path.iter().rposition(|segment| matches!(segment, Segment::Named(_)));
        let mut out = match start.and_then(|i| self.path.get(i)) {
            Some(Segment::Named(id)) => self
                .reader
                .node(*id)
                .named
                .as_ref()
                .map(|named| named.pointer.clone())
                .unwrap_or_default(),
            _ => String::new(),
        };
        for segment in self.path.iter().skip(start.map_or(0, |i| i + 1)) {
            match segment {
                Segment::Key(key) => {
                    out.push('/');
                    out.push_str(key);
                }
                Segment::Index(i) => {
                    out.push('/');
                    out.push_str(&i.to_string());
                }
                Segment::Named(_) => {}
            }
        }
        out
    }

    fn reader_name(&self, id: NodeId) -> String {
        name_of(self.reader, id)
    }

    fn writer_name(&self, id: NodeId) -> String {
        name_of(self.writer, id)
    }

    fn describe_reader(&self, id: NodeId) -> String {
        describe(self.reader, id)
    }

    fn describe_writer(&self, id: NodeId) -> String {
        describe(self.writer, id)
    }
}

/// A multiplicative hasher for the memo's keys: two small integers chosen by our own parser, so
/// SipHash's protection against chosen keys buys nothing and costs time on the hot path.
#[derive(Debug, Default)]
struct PairHasher(u64);

impl Hasher for PairHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 =
                (self.0.rotate_left(5) ^ u64::from(byte)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(n)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

fn name_of(model: &Model, id: NodeId) -> String {
    model.node(id).named.as_ref().map_or_else(String::new, |named| format!("'{}'", named.full_name))
}

/// A type as humans name it: `int`, `array`, `record 'com.acme.User'`.
fn describe(model: &Model, id: NodeId) -> String {
    let node = model.node(id);
    match &node.named {
        Some(named) => format!("{} '{}'", node.kind.type_name(), named.full_name),
        None => node.kind.type_name().to_owned(),
    }
}
