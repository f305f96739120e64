//! The codec's compact view of an Avro schema: an arena of nodes where logical types are reduced
//! to the types that carry them on the wire and named types are resolved once, so encoding and
//! plan building never look a name up.

use std::collections::{HashMap, HashSet};

use apache_avro::Schema as Apache;
use apache_avro::schema::{InnerDecimalSchema, Name, UuidSchema};
use serde_json::Value;

use super::decimal::Decimal;
use super::temporal::{Temporal, Unit};

/// Index of a node in [`Compiled::nodes`].
pub(crate) type NodeId = u32;

/// A compiled schema. Built from apache-avro's parse (which core already validated).
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    pub(crate) nodes: Vec<Node>,
    pub(crate) root: NodeId,
    /// Date and time logical types by node: consulted only when serde hands text to a number
    /// position and when planning, so plain `int`/`long` fields never pay for it.
    pub(crate) temporal: HashMap<NodeId, Temporal>,
    /// Decimal logical types by node, consulted the same way.
    pub(crate) decimal: HashMap<NodeId, Decimal>,
    /// uuid on `fixed` or `bytes`: the codec is human readable, so a `Uuid` arrives as text
    /// and is written as its 16 bytes here.
    pub(crate) uuid_bytes: HashSet<NodeId>,
}

#[derive(Debug, Clone)]
pub(crate) enum Node {
    Null,
    Boolean,
    Int,
    Long,
    Float,
    Double,
    Bytes,
    String,
    Fixed {
        name: Named,
        size: usize,
    },
    Enum {
        name: Named,
        symbols: Vec<String>,
        default: Option<String>,
    },
    Array(NodeId),
    Map(NodeId),
    Union(Vec<NodeId>),
    Record {
        name: Named,
        fields: Vec<Field>,
    },
    /// A slot reserved for a named type whose definition is being compiled (recursion).
    Pending,
}

/// Full name and aliases (full names) of a named type.
#[derive(Debug, Clone)]
pub(crate) struct Named {
    pub(crate) full: String,
    pub(crate) aliases: Vec<String>,
}

impl Named {
    pub(crate) fn short(&self) -> &str {
        short(&self.full)
    }

    /// Whether `other` (a writer's name) is this reader name or one of its aliases, compared
    /// unqualified as Java's resolving decoder does.
    pub(crate) fn accepts(&self, other: &Named) -> bool {
        let theirs = other.short();
        self.short() == theirs || self.aliases.iter().any(|alias| short(alias) == theirs)
    }
}

pub(crate) fn short(full: &str) -> &str {
    full.rsplit('.').next().unwrap_or(full)
}

#[derive(Debug, Clone)]
pub(crate) struct Field {
    pub(crate) name: String,
    pub(crate) aliases: Vec<String>,
    pub(crate) ty: NodeId,
    pub(crate) default: Option<Value>,
}

impl Compiled {
    /// Compiles `schema`, whose `Ref`s name types defined in it or in `referenced`.
    pub(crate) fn new(schema: &Apache, referenced: &[Apache]) -> Result<Compiled, String> {
        let mut builder = Builder {
            nodes: Vec::new(),
            names: HashMap::new(),
            temporal: HashMap::new(),
            decimal: HashMap::new(),
            uuid_bytes: HashSet::new(),
        };
        for schema in referenced {
            builder.node(schema)?;
        }
        let root = builder.node(schema)?;
        Ok(Compiled {
            nodes: builder.nodes,
            root,
            temporal: builder.temporal,
            decimal: builder.decimal,
            uuid_bytes: builder.uuid_bytes,
        })
    }

    /// Compiles a schema given as JSON (a Rust type's `Schema::avro_schema()`).
    pub(crate) fn from_json(schema: &Value) -> Result<Compiled, String> {
        let apache = Apache::parse(schema).map_err(|e| e.to_string())?;
        Compiled::new(&apache, &[])
    }

    pub(crate) fn node(&self, id: NodeId) -> &Node {
        // Ids come only from this arena's builder.
        &self.nodes[id as usize]
    }

    /// The name a union branch is known by in Avro's JSON encoding and in messages.
    pub(crate) fn type_name(&self, id: NodeId) -> &str {
        match self.node(id) {
            Node::Null => "null",
            Node::Boolean => "boolean",
            Node::Int => "int",
            Node::Long => "long",
            Node::Float => "float",
            Node::Double => "double",
            Node::Bytes => "bytes",
            Node::String => "string",
            Node::Array(_) => "array",
            Node::Map(_) => "map",
            Node::Union(_) => "union",
            Node::Pending => "pending",
            Node::Fixed { name, .. } | Node::Enum { name, .. } | Node::Record { name, .. } => {
                &name.full
            }
        }
    }

    /// Whether a value of this node can take zero bytes (so counts cannot be bounded by input).
    pub(crate) fn may_be_empty(&self, id: NodeId) -> bool {
        self.may_be_empty_at(id, 0)
    }

    fn may_be_empty_at(&self, id: NodeId, depth: usize) -> bool {
        if depth > 64 {
            return true;
        }
        match self.node(id) {
            Node::Null | Node::Pending => true,
            Node::Fixed { size, .. } => *size == 0,
            Node::Record { fields, .. } => {
                fields.iter().all(|field| self.may_be_empty_at(field.ty, depth + 1))
            }
            _ => false,
        }
    }
}

struct Builder {
    nodes: Vec<Node>,
    names: HashMap<String, NodeId>,
    temporal: HashMap<NodeId, Temporal>,
    decimal: HashMap<NodeId, Decimal>,
    uuid_bytes: HashSet<NodeId>,
}

impl Builder {
    fn push(&mut self, node: Node) -> NodeId {
        self.nodes.push(node);
        (self.nodes.len() - 1) as NodeId
    }

    /// Reserves the slot of a named type before its body, so recursive uses find it.
    fn reserve(&mut self, name: &Name) -> Result<(NodeId, Named), String> {
        let full = name.fullname(None);
        let id = self.push(Node::Pending);
        self.names.insert(full.clone(), id);
        Ok((id, Named { full, aliases: Vec::new() }))
    }

    fn node(&mut self, schema: &Apache) -> Result<NodeId, String> {
        let node = match schema {
            Apache::Null => Node::Null,
            Apache::Boolean => Node::Boolean,
            Apache::Int | Apache::Date | Apache::TimeMillis => Node::Int,
            Apache::Long
            | Apache::TimeMicros
            | Apache::TimestampMillis
            | Apache::TimestampMicros
            | Apache::TimestampNanos
            | Apache::LocalTimestampMillis
            | Apache::LocalTimestampMicros
            | Apache::LocalTimestampNanos => Node::Long,
            Apache::Float => Node::Float,
            Apache::Double => Node::Double,
            Apache::Bytes | Apache::BigDecimal => Node::Bytes,
            Apache::String => Node::String,
            Apache::Uuid(UuidSchema::String) => Node::String,
            Apache::Uuid(UuidSchema::Bytes) => {
                let id = self.push(Node::Bytes);
                self.uuid_bytes.insert(id);
                return Ok(id);
            }
            Apache::Uuid(UuidSchema::Fixed(fixed)) => {
                let id = self.fixed(&fixed.name, &fixed.aliases, fixed.size)?;
                self.uuid_bytes.insert(id);
                return Ok(id);
            }
            Apache::Decimal(decimal) => {
                let (id, fixed) = match &decimal.inner {
                    InnerDecimalSchema::Bytes => (self.push(Node::Bytes), None),
                    InnerDecimalSchema::Fixed(fixed) => {
                        (self.fixed(&fixed.name, &fixed.aliases, fixed.size)?, Some(fixed.size))
                    }
                };
                let (precision, scale) = (decimal.precision, decimal.scale);
                self.decimal.insert(id, Decimal { precision, scale, fixed });
                return Ok(id);
            }
            Apache::Duration(fixed) | Apache::Fixed(fixed) => {
                return self.fixed(&fixed.name, &fixed.aliases, fixed.size);
            }
            Apache::Array(array) => {
                let items = self.node(&array.items)?;
                Node::Array(items)
            }
            Apache::Map(map) => {
                let values = self.node(&map.types)?;
                Node::Map(values)
            }
            Apache::Union(union) => {
                let branches = union
                    .variants()
                    .iter()
                    .map(|branch| self.node(branch))
                    .collect::<Result<_, _>>()?;
                Node::Union(branches)
            }
            Apache::Enum(schema) => {
                let (id, mut name) = self.reserve(&schema.name)?;
                name.aliases = aliases(&schema.name, &schema.aliases);
                self.nodes[id as usize] = Node::Enum {
                    name,
                    symbols: schema.symbols.clone(),
                    default: schema.default.clone(),
                };
                return Ok(id);
            }
            Apache::Record(schema) => {
                let (id, mut name) = self.reserve(&schema.name)?;
                name.aliases = aliases(&schema.name, &schema.aliases);
                let mut fields = Vec::with_capacity(schema.fields.len());
                for field in &schema.fields {
                    fields.push(Field {
                        name: field.name.clone(),
                        aliases: field.aliases.clone(),
                        ty: self.node(&field.schema)?,
                        default: field.default.clone(),
                    });
                }
                self.nodes[id as usize] = Node::Record { name, fields };
                return Ok(id);
            }
            Apache::Ref { name } => {
                let full = name.fullname(None);
                return self
                    .names
                    .get(&full)
                    .copied()
                    .ok_or_else(|| format!("named type '{full}' is used but never defined"));
            }
        };
        let id = self.push(node);
        let temporal = match schema {
            Apache::Date => Temporal::Date,
            Apache::TimeMillis => Temporal::Time(Unit::Millis),
            Apache::TimeMicros => Temporal::Time(Unit::Micros),
            Apache::TimestampMillis => Temporal::Timestamp(Unit::Millis),
            Apache::TimestampMicros => Temporal::Timestamp(Unit::Micros),
            Apache::TimestampNanos => Temporal::Timestamp(Unit::Nanos),
            Apache::LocalTimestampMillis => Temporal::Local(Unit::Millis),
            Apache::LocalTimestampMicros => Temporal::Local(Unit::Micros),
            Apache::LocalTimestampNanos => Temporal::Local(Unit::Nanos),
            _ => return Ok(id),
        };
        self.temporal.insert(id, temporal);
        Ok(id)
    }

    fn fixed(
        &mut self,
        name: &Name,
        alias_list: &Option<Vec<apache_avro::schema::Alias>>,
        size: usize,
    ) -> Result<NodeId, String> {
        let (id, mut named) = self.reserve(name)?;
        named.aliases = aliases(name, alias_list);
        self.nodes[id as usize] = Node::Fixed { name: named, size };
        Ok(id)
    }
}

fn aliases(name: &Name, aliases: &Option<Vec<apache_avro::schema::Alias>>) -> Vec<String> {
    let namespace = name.namespace();
    aliases.iter().flatten().map(|alias| alias.fullname(namespace)).collect()
}
