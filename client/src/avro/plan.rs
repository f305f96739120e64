//! Resolution plans: the writer schema (from the record's id) matched against the reader schema
//! (the Rust type's) once, following the specification's resolution rules, into a compact tree
//! of decode instructions. The deserializer then runs the plan without looking at either schema.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use super::decimal::Decimal;
use super::json::encode_json;
use super::schema::{Compiled, Named, Node, NodeId};
use super::temporal::Temporal;

/// Index of an instruction in [`Plan::ops`].
pub(crate) type OpId = u32;

/// A compiled writer → reader resolution.
#[derive(Debug)]
pub(crate) struct Plan {
    pub(crate) ops: Vec<Op>,
    pub(crate) root: OpId,
    /// The writer schema, for skipping writer-only fields.
    pub(crate) writer: Arc<Compiled>,
}

#[derive(Debug)]
pub(crate) enum Op {
    Null,
    Boolean,
    Int,
    Long,
    Float,
    Double,
    /// Also string → bytes: the same wire form.
    Bytes,
    /// Also bytes → string: the same wire form, checked as UTF-8.
    String,
    IntAsLong,
    IntAsFloat,
    IntAsDouble,
    LongAsFloat,
    LongAsDouble,
    FloatAsDouble,
    /// An `int` (`long` when `long`) with a date/time logical type: a number to numeric
    /// targets, its text form to `deserialize_str` (chrono's and time's types).
    Temporal {
        long: bool,
        logical: Temporal,
    },
    Fixed(usize),
    /// `bytes` or `fixed` with the decimal logical type: its text form to `deserialize_any`
    /// (rust_decimal), the raw bytes to byte targets, the integer to i128/u128.
    Decimal(Decimal),
    /// Writer symbol index → the reader's symbol (`None`: unknown to the reader, no default).
    Enum(Box<[Option<Box<str>>]>),
    Array {
        items: OpId,
        items_may_be_empty: bool,
    },
    Map(OpId),
    Record(Box<Record>),
    /// The writer wrote a union: read the branch index, go on with that branch's plan.
    WriterUnion(Box<[OpId]>),
    /// The reader expects a union (an `Option`, a data-carrying enum) and this is its branch.
    ReaderUnion(Box<ReaderBranch>),
    /// A writer union branch the reader cannot read: an error only if it occurs.
    Fail(Box<str>),
    /// Placeholder while a recursive record is being planned.
    Pending,
}

#[derive(Debug)]
pub(crate) struct ReaderBranch {
    /// The reader branch is `null`.
    pub(crate) null: bool,
    /// The branch's short name when it is a named type (the variant of a derived enum).
    pub(crate) name: Option<Box<str>>,
    /// Index among the reader union's non-null branches (the variant index otherwise).
    pub(crate) position: u32,
    /// The reader union is `["null", this]`: an `Option` needs no union context past `Some`.
    pub(crate) alone: bool,
    pub(crate) inner: OpId,
}

#[derive(Debug)]
pub(crate) struct Record {
    pub(crate) steps: Box<[Step]>,
    /// The reader's field names in the order the steps present them, against the `fields` of
    /// the type that deserializes the record (see [`Record::keys`]).
    keys: OnceLock<Keys>,
}

/// For one `fields` list (told apart by address: a `&'static` list never changes), the
/// position in it of each step's field, or `None` when the lists do not match one for one.
#[derive(Debug)]
struct Keys {
    fields: (usize, usize),
    positions: Option<Box<[u32]>>,
}

impl Record {
    fn new(steps: Vec<Step>) -> Record {
        Record { steps: steps.into(), keys: OnceLock::new() }
    }

    /// Each step's position in `fields` (the names a struct passes to `deserialize_struct`),
    /// when the reader's fields are exactly `fields`, in any order; `None` otherwise. Computed
    /// once for the first `fields` seen; another list is never matched (and gets `None`).
    #[inline]
    pub(crate) fn keys(&self, fields: &'static [&'static str]) -> Option<&[u32]> {
        let id = (fields.as_ptr() as usize, fields.len());
        let keys =
            self.keys.get_or_init(|| Keys { fields: id, positions: self.match_fields(fields) });
        if keys.fields == id { keys.positions.as_deref() } else { None }
    }

    #[cold]
    fn match_fields(&self, fields: &[&str]) -> Option<Box<[u32]>> {
        let mut seen = vec![false; fields.len()];
        let mut found = 0;
        let mut positions = Vec::with_capacity(self.steps.len());
        for step in &self.steps {
            let position = match step {
                Step::Read { name, .. } | Step::Default { name, .. } => {
                    let position = fields.iter().position(|f| **f == **name)?;
                    if std::mem::replace(&mut seen[position], true) {
                        return None;
                    }
                    found += 1;
                    position
                }
                Step::Skip(_) => 0,
            };
            positions.push(u32::try_from(position).ok()?);
        }
        (found == fields.len()).then(|| positions.into())
    }
}

#[derive(Debug)]
pub(crate) enum Step {
    /// A field both sides have, presented under the reader's name.
    Read { name: Box<str>, op: OpId },
    /// A writer-only field, skipped by its writer schema.
    Skip(NodeId),
    /// A reader-only field, filled from the reader's default, pre-encoded under the reader
    /// schema and decoded with an identity plan.
    Default { name: Box<str>, op: OpId, bytes: Box<[u8]> },
}

impl Plan {
    /// Plans reading data written with `writer` as `reader`; every reason it cannot is listed.
    pub(crate) fn new(writer: Arc<Compiled>, reader: &Compiled) -> Result<Plan, Vec<String>> {
        let mut builder = Builder {
            writer: &writer,
            reader,
            ops: Vec::new(),
            memo: HashMap::new(),
            errors: Vec::new(),
        };
        let root = builder.build(false, writer.root, reader.root, "");
        if !builder.errors.is_empty() {
            return Err(builder.errors);
        }
        let ops = builder.ops;
        Ok(Plan { ops, root, writer })
    }

    #[inline]
    pub(crate) fn op(&self, id: OpId) -> &Op {
        &self.ops[id as usize]
    }
}

struct Builder<'a> {
    writer: &'a Compiled,
    reader: &'a Compiled,
    ops: Vec<Op>,
    /// (identity plan?, writer node, reader node) → planned op, so shared and recursive types
    /// are planned once.
    memo: HashMap<(bool, NodeId, NodeId), OpId>,
    errors: Vec<String>,
}

impl Builder<'_> {
    fn push(&mut self, op: Op) -> OpId {
        self.ops.push(op);
        (self.ops.len() - 1) as OpId
    }

    /// `identity`: plan the reader against itself (for defaults), so "writer" nodes are reader
    /// nodes.
    fn build(&mut self, identity: bool, w: NodeId, r: NodeId, path: &str) -> OpId {
        match self.try_build(identity, w, r, path) {
            Ok(op) => op,
            Err(message) => {
                self.errors.push(format!("at '{path}': {message}"));
                self.push(Op::Fail(message.into()))
            }
        }
    }

    fn try_build(
        &mut self,
        identity: bool,
        w: NodeId,
        r: NodeId,
        path: &str,
    ) -> Result<OpId, String> {
        if let Some(&op) = self.memo.get(&(identity, w, r)) {
            return Ok(op);
        }
        let writer = if identity { self.reader } else { self.writer };
        let reader = self.reader;
        let (wn, rn) = (writer.node(w), reader.node(r));
        let op = match (wn, rn) {
            (Node::Union(branches), _) => {
                let id = self.push(Op::Pending);
                self.memo.insert((identity, w, r), id);
                let mut ops = Vec::with_capacity(branches.len());
                for &branch in branches {
                    // An unreadable branch is an error only when a record uses it.
                    let errors = self.errors.len();
                    let op = self.build(identity, branch, r, path);
                    self.errors.truncate(errors);
                    ops.push(op);
                }
                self.ops[id as usize] = Op::WriterUnion(ops.into());
                return Ok(id);
            }
            (_, Node::Union(branches)) => {
                let index = pick_reader_branch(wn, reader, branches).ok_or_else(|| {
                    format!(
                        "no branch of the reader union takes writer type {}",
                        writer.type_name(w)
                    )
                })?;
                let branch = branches[index];
                let null = matches!(reader.node(branch), Node::Null);
                let position = branches[..index]
                    .iter()
                    .filter(|&&b| !matches!(reader.node(b), Node::Null))
                    .count() as u32;
                let name = match reader.node(branch) {
                    Node::Record { name, .. }
                    | Node::Enum { name, .. }
                    | Node::Fixed { name, .. } => Some(name.short().into()),
                    _ => None,
                };
                let inner = self.try_build(identity, w, branch, path)?;
                let alone = branches.len() == 2
                    && branches.iter().any(|&b| matches!(reader.node(b), Node::Null));
                Op::ReaderUnion(Box::new(ReaderBranch { null, name, position, alone, inner }))
            }
            (Node::Null, Node::Null) => Op::Null,
            (Node::Boolean, Node::Boolean) => Op::Boolean,
            // The writer's logical type (its unit) says what the count means; the reader's says
            // the position is presented as text at all.
            (Node::Int, Node::Int) => match reader.temporal.get(&r) {
                Some(&logical) => Op::Temporal {
                    long: false,
                    logical: *writer.temporal.get(&w).unwrap_or(&logical),
                },
                None => Op::Int,
            },
            (Node::Int, Node::Long) => Op::IntAsLong,
            (Node::Int, Node::Float) => Op::IntAsFloat,
            (Node::Int, Node::Double) => Op::IntAsDouble,
            (Node::Long, Node::Long) => match reader.temporal.get(&r) {
                Some(&logical) => Op::Temporal {
                    long: true,
                    logical: *writer.temporal.get(&w).unwrap_or(&logical),
                },
                None => Op::Long,
            },
            (Node::Long, Node::Float) => Op::LongAsFloat,
            (Node::Long, Node::Double) => Op::LongAsDouble,
            (Node::Float, Node::Float) => Op::Float,
            (Node::Float, Node::Double) => Op::FloatAsDouble,
            (Node::Double, Node::Double) => Op::Double,
            // Likewise the writer's scale says what the unscaled value means; a string writer
            // wrote no decimal.
            (Node::Bytes, Node::Bytes) => match reader.decimal.get(&r) {
                Some(&decimal) => Op::Decimal(*writer.decimal.get(&w).unwrap_or(&decimal)),
                None => Op::Bytes,
            },
            (Node::String, Node::Bytes) => Op::Bytes,
            (Node::Bytes | Node::String, Node::String) => Op::String,
            (Node::Fixed { size: ws, .. }, Node::Fixed { size: rs, .. }) if ws == rs => {
                match reader.decimal.get(&r) {
                    Some(&decimal) => Op::Decimal(*writer.decimal.get(&w).unwrap_or(&decimal)),
                    None => Op::Fixed(*ws),
                }
            }
            (Node::Enum { symbols: ws, .. }, Node::Enum { symbols: rs, default, .. }) => {
                let map = ws
                    .iter()
                    .map(|symbol| {
                        rs.iter()
                            .find(|s| *s == symbol)
                            .or(default.as_ref())
                            .map(|s| s.as_str().into())
                    })
                    .collect();
                Op::Enum(map)
            }
            (Node::Array(wi), Node::Array(ri)) => {
                let id = self.push(Op::Pending);
                self.memo.insert((identity, w, r), id);
                let items = self.try_build(identity, *wi, *ri, path)?;
                self.ops[id as usize] =
                    Op::Array { items, items_may_be_empty: writer.may_be_empty(*wi) };
                return Ok(id);
            }
            (Node::Map(wv), Node::Map(rv)) => {
                let id = self.push(Op::Pending);
                self.memo.insert((identity, w, r), id);
                let values = self.try_build(identity, *wv, *rv, path)?;
                self.ops[id as usize] = Op::Map(values);
                return Ok(id);
            }
            (Node::Record { fields: wf, .. }, Node::Record { fields: rf, .. }) => {
                let id = self.push(Op::Pending);
                self.memo.insert((identity, w, r), id);
                let mut steps = Vec::with_capacity(wf.len().max(rf.len()));
                let mut seen = vec![false; rf.len()];
                for field in wf {
                    let found = rf
                        .iter()
                        .position(|f| f.name == field.name)
                        .or_else(|| rf.iter().position(|f| f.aliases.contains(&field.name)));
                    match found {
                        Some(index) if !seen[index] => {
                            seen[index] = true;
                            let target = &rf[index];
                            let child = format!("{path}/{}", target.name);
                            let op = self.build(identity, field.ty, target.ty, &child);
                            steps.push(Step::Read { name: target.name.as_str().into(), op });
                        }
                        _ => steps.push(Step::Skip(field.ty)),
                    }
                }
                for (field, _) in rf.iter().zip(&seen).filter(|(_, seen)| !**seen) {
                    let child = format!("{path}/{}", field.name);
                    let Some(default) = &field.default else {
                        self.errors.push(format!(
                            "at '{child}': the reader's field is not written and has no default"
                        ));
                        continue;
                    };
                    let mut bytes = Vec::new();
                    if let Err(e) = encode_json(reader, field.ty, default, &mut bytes) {
                        self.errors.push(format!("at '{child}': {e}"));
                        continue;
                    }
                    let op = self.build(true, field.ty, field.ty, &child);
                    steps.push(Step::Default {
                        name: field.name.as_str().into(),
                        op,
                        bytes: bytes.into(),
                    });
                }
                self.ops[id as usize] = Op::Record(Box::new(Record::new(steps)));
                return Ok(id);
            }
            _ => {
                return Err(format!(
                    "writer type {} cannot be read as {}",
                    writer.type_name(w),
                    reader.type_name(r)
                ));
            }
        };
        let id = self.push(op);
        self.memo.insert((identity, w, r), id);
        Ok(id)
    }
}

/// The reader union branch for a non-union writer type: the same type (a named one by name or
/// alias) first, then any branch of the same kind, then one it promotes to.
fn pick_reader_branch(wn: &Node, reader: &Compiled, branches: &[NodeId]) -> Option<usize> {
    let find = |pred: &dyn Fn(&Node) -> bool| branches.iter().position(|&b| pred(reader.node(b)));
    let named = |n: &Node| -> Option<(std::mem::Discriminant<Node>, Named)> {
        match n {
            Node::Record { name, .. } | Node::Enum { name, .. } | Node::Fixed { name, .. } => {
                Some((std::mem::discriminant(n), name.clone()))
            }
            _ => None,
        }
    };
    if let Some((kind, wname)) = named(wn) {
        return find(&|n| named(n).is_some_and(|(k, rname)| k == kind && rname.accepts(&wname)))
            .or_else(|| find(&|n| std::mem::discriminant(n) == kind));
    }
    let same = find(&|n| std::mem::discriminant(n) == std::mem::discriminant(wn));
    same.or_else(|| match wn {
        Node::Int => find(&|n| matches!(n, Node::Long))
            .or_else(|| find(&|n| matches!(n, Node::Float)))
            .or_else(|| find(&|n| matches!(n, Node::Double))),
        Node::Long => {
            find(&|n| matches!(n, Node::Float)).or_else(|| find(&|n| matches!(n, Node::Double)))
        }
        Node::Float => find(&|n| matches!(n, Node::Double)),
        Node::String => find(&|n| matches!(n, Node::Bytes)),
        Node::Bytes => find(&|n| matches!(n, Node::String)),
        _ => None,
    })
}
