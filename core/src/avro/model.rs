//! Our own resolved model of an Avro schema: an arena of nodes where a named type is one node
//! however often it is used, so the compatibility engine and the printers never look names up or
//! clone subtrees. Built by `parse.rs`; read by `canonical.rs` and `compat.rs`.

use std::collections::HashMap;

use serde_json::Value;

/// Index of a node in [`Model::nodes`].
pub(crate) type NodeId = u32;

/// A whole schema: its root and every node reachable from it, including the named types that came
/// from references (marked `external`).
#[derive(Debug, Clone)]
pub(crate) struct Model {
    pub(crate) nodes: Vec<Node>,
    pub(crate) root: NodeId,
}

impl Model {
    /// The node behind an id. Ids are only ever created by the parser for this arena, so a miss
    /// is a bug; the fallback keeps the never-panic promise anyway.
    pub(crate) fn node(&self, id: NodeId) -> &Node {
        static NULL: Node = Node { kind: Kind::Null, named: None, attributes: Vec::new() };
        self.nodes.get(id as usize).unwrap_or(&NULL)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub(crate) kind: Kind,
    /// Present exactly for records, enums and fixed.
    pub(crate) named: Option<Box<Named>>,
    /// `logicalType` and custom properties, sorted by key so printing is deterministic.
    pub(crate) attributes: Vec<(String, Value)>,
}

#[derive(Debug, Clone)]
pub(crate) enum Kind {
    Null,
    Boolean,
    Int,
    Long,
    Float,
    Double,
    Bytes,
    String,
    Array { items: NodeId },
    Map { values: NodeId },
    Union { branches: Vec<NodeId> },
    Record { fields: Vec<Field>, by_name: HashMap<String, usize> },
    Enum { symbols: Vec<String>, default: Option<String> },
    Fixed { size: u64 },
}

impl Kind {
    /// The Avro type name, as used in messages and in printed schemas.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Boolean => "boolean",
            Kind::Int => "int",
            Kind::Long => "long",
            Kind::Float => "float",
            Kind::Double => "double",
            Kind::Bytes => "bytes",
            Kind::String => "string",
            Kind::Array { .. } => "array",
            Kind::Map { .. } => "map",
            Kind::Union { .. } => "union",
            Kind::Record { .. } => "record",
            Kind::Enum { .. } => "enum",
            Kind::Fixed { .. } => "fixed",
        }
    }
}

/// What records, enums and fixed have on top of their structure.
#[derive(Debug, Clone)]
pub(crate) struct Named {
    pub(crate) full_name: String,
    /// Full names, resolved against the type's own namespace as the specification says.
    pub(crate) aliases: Vec<String>,
    pub(crate) doc: Option<String>,
    /// Where the type is defined in the schema text (a JSON pointer); empty for external types.
    pub(crate) pointer: String,
    /// Defined in a referenced schema rather than in the schema itself.
    pub(crate) external: bool,
}

impl Named {
    /// The name without its namespace: what Java compares when matching named types.
    pub(crate) fn short_name(&self) -> &str {
        self.full_name.rsplit('.').next().unwrap_or(&self.full_name)
    }

    pub(crate) fn namespace(&self) -> &str {
        self.full_name.rsplit_once('.').map_or("", |(namespace, _)| namespace)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Field {
    pub(crate) name: String,
    pub(crate) aliases: Vec<String>,
    pub(crate) doc: Option<String>,
    pub(crate) default: Option<Value>,
    /// `None` when ascending (the default), so that spelling it out or not normalizes the same.
    pub(crate) order: Option<String>,
    pub(crate) ty: NodeId,
    pub(crate) attributes: Vec<(String, Value)>,
}
