//! The structural validation walk: turns schema JSON into our [`Model`], and on the way refuses
//! what the specification refuses with a message that says what is wrong and a JSON pointer that
//! says where. apache-avro still parses the text afterwards and has the final word; this walk is
//! what makes the common mistakes precise.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use super::model::{Field, Kind, Model, Named, Node, NodeId};
use crate::budget::Budget;

/// A parse failure with the JSON pointer of the offending value in the text being parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Located {
    pub(crate) pointer: String,
    pub(crate) message: String,
}

type Result<T> = std::result::Result<T, Located>;

fn fail<T>(pointer: &str, message: String) -> Result<T> {
    Err(Located { pointer: pointer.to_owned(), message })
}

/// Appends one reference token to a JSON pointer, escaping as RFC 6901 requires.
pub(crate) fn child(pointer: &str, token: &str) -> String {
    let mut out = String::with_capacity(pointer.len() + token.len() + 1);
    out.push_str(pointer);
    out.push('/');
    for c in token.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
    out
}

fn index(pointer: &str, i: usize) -> String {
    format!("{pointer}/{i}")
}

/// Builds one arena from the referenced schemas (in dependency order) and then the main schema,
/// sharing one table of named types between them.
#[derive(Debug, Default)]
pub(crate) struct Parser {
    nodes: Vec<Node>,
    names: HashMap<String, NodeId>,
    /// Set while parsing a referenced schema: its named types are printed by name only.
    external: bool,
    /// Per node, how many levels of types it nests (0 = not measured yet), following uses of
    /// named types by name: what bounds the recursion of the checker and the printers.
    depths: Vec<u32>,
    /// One step per type parsed and per value of a default checked; the caller also pays for
    /// every JSON value of the texts up front. Past it the parse stops with `exhausted` set.
    pub(crate) budget: Budget,
}

/// The message of the parse failure that a spent budget causes; the caller turns it into the
/// typed error, which names the limit.
pub(crate) const BUDGET_SPENT: &str = "work budget spent";

/// How deeply types may nest, counting through uses of named types by name. JSON nesting alone is
/// bounded by serde_json, but a chain of records each using the previous one by name is not, and
/// the checker recurses along it: without a bound, a long chain would overflow the stack.
pub(crate) const MAX_TYPE_DEPTH: u32 = 256;

impl Parser {
    pub(crate) fn with_budget(budget: Budget) -> Parser {
        Parser { budget, ..Parser::default() }
    }

    /// Parses one referenced schema; its named types become available to what follows.
    pub(crate) fn parse_reference(&mut self, value: &Value) -> Result<()> {
        self.external = true;
        let start = self.nodes.len();
        let parsed = self.parse(value, "", "");
        self.external = false;
        parsed?;
        self.check_defaults(start)
    }

    /// Parses the main schema and returns the finished model (the parser keeps only its
    /// budget).
    pub(crate) fn finish(&mut self, value: &Value) -> Result<Model> {
        let start = self.nodes.len();
        let root = self.parse(value, "", "")?;
        self.check_defaults(start)?;
        Ok(Model { nodes: std::mem::take(&mut self.nodes), root })
    }

    fn push(
        &mut self,
        kind: Kind,
        named: Option<Box<Named>>,
        attributes: Vec<(String, Value)>,
    ) -> NodeId {
        // An arena of more than u32::MAX nodes cannot come from a schema we accepted as text.
        let id = NodeId::try_from(self.nodes.len()).unwrap_or(NodeId::MAX);
        self.nodes.push(Node { kind, named, attributes });
        self.depths.push(0);
        id
    }

    /// Records how deeply a finished node nests and refuses what nests too deeply.
    fn measure(&mut self, id: NodeId, pointer: &str) -> Result<()> {
        let depth_of = |child: &NodeId| self.depths.get(*child as usize).copied().unwrap_or(0);
        let inner = match self.nodes.get(id as usize).map(|node| &node.kind) {
            Some(Kind::Array { items }) => depth_of(items),
            Some(Kind::Map { values }) => depth_of(values),
            Some(Kind::Union { branches }) => branches.iter().map(depth_of).max().unwrap_or(0),
            Some(Kind::Record { fields, .. }) => {
                fields.iter().map(|field| depth_of(&field.ty)).max().unwrap_or(0)
            }
            _ => 0,
        };
        let depth = inner.saturating_add(1);
        if let Some(slot) = self.depths.get_mut(id as usize) {
            *slot = depth;
        }
        if depth > MAX_TYPE_DEPTH {
            return fail(pointer, format!("types nest deeper than {MAX_TYPE_DEPTH} levels"));
        }
        Ok(())
    }

    fn parse(&mut self, value: &Value, namespace: &str, pointer: &str) -> Result<NodeId> {
        if !self.budget.spend(1) {
            return fail(pointer, BUDGET_SPENT.to_owned());
        }
        let id = self.parse_type(value, namespace, pointer)?;
        // Named types used by name were measured when defined; a record still being defined
        // (a recursive use) is measured when it is finished.
        if self.depths.get(id as usize) == Some(&0) {
            self.measure(id, pointer)?;
        }
        Ok(id)
    }

    fn parse_type(&mut self, value: &Value, namespace: &str, pointer: &str) -> Result<NodeId> {
        match value {
            Value::String(name) => match primitive(name) {
                Some(kind) => Ok(self.push(kind, None, Vec::new())),
                None => self.lookup(name, namespace, pointer),
            },
            Value::Array(branches) => self.parse_union(branches, namespace, pointer),
            Value::Object(object) => self.parse_object(object, namespace, pointer),
            _ => fail(
                pointer,
                format!("expected a type name, a type object or a union array, found {value}"),
            ),
        }
    }

    fn lookup(&self, name: &str, namespace: &str, pointer: &str) -> Result<NodeId> {
        let full = full_name(name, namespace);
        if let Some(&id) = self.names.get(full.as_str()) {
            return Ok(id);
        }
        let looked_up =
            if full == name { String::new() } else { format!(" (looked up as '{full}')") };
        // The usual slips: a capitalized primitive, Java's or Python's spelling of one.
        let hint = match name.to_ascii_lowercase().as_str() {
            "bool" => "; did you mean 'boolean'?".to_owned(),
            "str" | "text" => "; did you mean 'string'?".to_owned(),
            "integer" | "int32" => "; did you mean 'int'?".to_owned(),
            "int64" => "; did you mean 'long'?".to_owned(),
            lower if primitive(lower).is_some() && lower != name => {
                format!("; did you mean '{lower}'?")
            }
            _ => String::new(),
        };
        fail(
            pointer,
            format!(
                "unknown type '{name}'{looked_up}: not a primitive type and not a named type defined before this point or in a reference{hint}"
            ),
        )
    }

    fn parse_union(
        &mut self,
        branches: &[Value],
        namespace: &str,
        pointer: &str,
    ) -> Result<NodeId> {
        let mut ids = Vec::with_capacity(branches.len());
        let mut seen: HashSet<String> = HashSet::new();
        for (i, branch) in branches.iter().enumerate() {
            let branch_pointer = index(pointer, i);
            let id = self.parse(branch, namespace, &branch_pointer)?;
            let node = &self.nodes[id as usize];
            let key = match (&node.kind, &node.named) {
                (Kind::Union { .. }, _) => {
                    return fail(
                        &branch_pointer,
                        "a union cannot directly contain another union".to_owned(),
                    );
                }
                (_, Some(named)) => named.full_name.clone(),
                (kind, None) => kind.type_name().to_owned(),
            };
            if !seen.insert(key.clone()) {
                return fail(
                    &branch_pointer,
                    format!("union contains type '{key}' more than once"),
                );
            }
            ids.push(id);
        }
        Ok(self.push(Kind::Union { branches: ids }, None, Vec::new()))
    }

    fn parse_object(
        &mut self,
        object: &Map<String, Value>,
        namespace: &str,
        pointer: &str,
    ) -> Result<NodeId> {
        // apache-avro reads these three as 64-bit integers without checking (its canonical form
        // unwraps them), so a value it cannot read would panic inside it: refuse it here.
        for key in ["size", "precision", "scale"] {
            let readable = match object.get(key) {
                None => true,
                Some(Value::Number(n)) => n.as_i64().is_some(),
                Some(Value::String(s)) => s.parse::<i64>().is_ok(),
                Some(_) => true,
            };
            if !readable {
                return fail(
                    &child(pointer, key),
                    format!("\"{key}\" must be an integer that fits in 64 bits"),
                );
            }
        }
        let type_pointer = child(pointer, "type");
        let ty = match object.get("type") {
            None => return fail(pointer, "type object has no \"type\"".to_owned()),
            Some(Value::String(ty)) => ty.as_str(),
            // apache-avro accepts a type object or union in "type" and parses it as the schema.
            Some(inner @ (Value::Object(_) | Value::Array(_))) => {
                return self.parse(inner, namespace, &type_pointer);
            }
            Some(other) => {
                return fail(
                    &type_pointer,
                    format!("\"type\" must be a string, object or array, found {other}"),
                );
            }
        };
        match ty {
            "record" | "enum" | "fixed" => self.parse_named(ty, object, namespace, pointer),
            "array" | "map" => {
                let key = if ty == "array" { "items" } else { "values" };
                let Some(inner) = object.get(key) else {
                    return fail(pointer, format!("{ty} has no \"{key}\""));
                };
                let inner = self.parse(inner, namespace, &child(pointer, key))?;
                let kind = if ty == "array" {
                    Kind::Array { items: inner }
                } else {
                    Kind::Map { values: inner }
                };
                let attributes = attributes(object, &SCHEMA_RESERVED);
                Ok(self.push(kind, None, attributes))
            }
            other => match primitive(other) {
                Some(kind) => {
                    let attributes = attributes(object, &SCHEMA_RESERVED);
                    if let Some((_, logical)) =
                        attributes.iter().find(|(key, _)| key == "logicalType")
                        && !logical.is_string()
                    {
                        return fail(
                            &child(pointer, "logicalType"),
                            format!("\"logicalType\" must be a string, found {logical}"),
                        );
                    }
                    Ok(self.push(kind, None, attributes))
                }
                // `{"type": "SomeName"}` uses a named type, like the bare string does.
                None => self.lookup(other, namespace, &type_pointer),
            },
        }
    }

    fn parse_named(
        &mut self,
        ty: &str,
        object: &Map<String, Value>,
        enclosing: &str,
        pointer: &str,
    ) -> Result<NodeId> {
        let name_pointer = child(pointer, "name");
        let name = match object.get("name") {
            Some(Value::String(name)) => name.as_str(),
            Some(other) => {
                return fail(&name_pointer, format!("\"name\" must be a string, found {other}"));
            }
            None => return fail(pointer, format!("{ty} has no \"name\"")),
        };
        let namespace_pointer = child(pointer, "namespace");
        let own_namespace = match object.get("namespace") {
            None | Some(Value::Null) => None,
            Some(Value::String(namespace)) => Some(namespace.as_str()),
            Some(other) => {
                return fail(
                    &namespace_pointer,
                    format!("\"namespace\" must be a string, found {other}"),
                );
            }
        };
        let full = if name.contains('.') {
            name.to_owned()
        } else {
            full_name(name, own_namespace.unwrap_or(enclosing))
        };
        if let Some(message) = invalid_full_name(&full) {
            let at = if !name.contains('.') && own_namespace.is_some() {
                &namespace_pointer
            } else {
                &name_pointer
            };
            return fail(at, format!("invalid name '{full}': {message}"));
        }
        let short = full.rsplit('.').next().unwrap_or(&full);
        if primitive(short).is_some() {
            return fail(
                &name_pointer,
                format!("'{short}' is a primitive type and cannot be redefined"),
            );
        }
        if self.names.contains_key(&full) {
            return fail(&name_pointer, format!("type '{full}' is defined more than once"));
        }
        let namespace = full.rsplit_once('.').map_or("", |(namespace, _)| namespace).to_owned();

        let aliases_pointer = child(pointer, "aliases");
        let mut aliases = Vec::new();
        for (i, alias) in
            string_list(object.get("aliases"), &aliases_pointer)?.into_iter().enumerate()
        {
            let resolved =
                if alias.contains('.') { alias.to_owned() } else { full_name(alias, &namespace) };
            if let Some(message) = invalid_full_name(&resolved) {
                return fail(
                    &index(&aliases_pointer, i),
                    format!("invalid alias '{alias}': {message}"),
                );
            }
            aliases.push(resolved);
        }
        let mut reserved = vec!["type", "name", "namespace", "aliases"];
        let doc = match object.get("doc") {
            Some(Value::String(doc)) => {
                reserved.push("doc");
                Some(doc.clone())
            }
            _ => None,
        };
        let named = Box::new(Named {
            full_name: full.clone(),
            aliases,
            doc,
            pointer: pointer.to_owned(),
            external: self.external,
        });

        match ty {
            "fixed" => {
                reserved.push("size");
                let size = match object.get("size") {
                    Some(size) => size.as_u64().ok_or_else(|| Located {
                        pointer: child(pointer, "size"),
                        message: format!("fixed size must be a non-negative integer, found {size}"),
                    })?,
                    None => return fail(pointer, format!("fixed '{full}' has no \"size\"")),
                };
                let id =
                    self.push(Kind::Fixed { size }, Some(named), attributes(object, &reserved));
                self.names.insert(full, id);
                Ok(id)
            }
            "enum" => {
                reserved.extend(["symbols", "default"]);
                let symbols_pointer = child(pointer, "symbols");
                if object.get("symbols").is_none() {
                    return fail(pointer, format!("enum '{full}' has no \"symbols\""));
                }
                let mut symbols: Vec<String> = Vec::new();
                // A set beside the list: a duplicate scan of the list would be quadratic.
                let mut distinct: HashSet<&str> = HashSet::new();
                for (i, symbol) in
                    string_list(object.get("symbols"), &symbols_pointer)?.into_iter().enumerate()
                {
                    if !is_name(symbol) {
                        return fail(
                            &index(&symbols_pointer, i),
                            format!(
                                "invalid enum symbol '{symbol}': symbols must match [A-Za-z_][A-Za-z0-9_]*"
                            ),
                        );
                    }
                    if !distinct.insert(symbol) {
                        return fail(
                            &index(&symbols_pointer, i),
                            format!("enum symbol '{symbol}' appears more than once"),
                        );
                    }
                    symbols.push(symbol.to_owned());
                }
                let default = match object.get("default") {
                    None => None,
                    Some(Value::String(default)) if symbols.contains(default) => {
                        Some(default.clone())
                    }
                    Some(other) => {
                        return fail(
                            &child(pointer, "default"),
                            format!("enum default {other} is not one of the symbols of '{full}'"),
                        );
                    }
                };
                let id = self.push(
                    Kind::Enum { symbols, default },
                    Some(named),
                    attributes(object, &reserved),
                );
                self.names.insert(full, id);
                Ok(id)
            }
            _ => {
                reserved.push("fields");
                let fields_pointer = child(pointer, "fields");
                let list = match object.get("fields") {
                    Some(Value::Array(list)) => list,
                    Some(other) => {
                        return fail(
                            &fields_pointer,
                            format!("\"fields\" must be an array, found {other}"),
                        );
                    }
                    None => return fail(pointer, format!("record '{full}' has no \"fields\"")),
                };
                // Registered before the fields are parsed so that a field may use the record
                // itself (recursive types).
                let id = self.push(
                    Kind::Record { fields: Vec::new(), by_name: HashMap::new() },
                    Some(named),
                    attributes(object, &reserved),
                );
                self.names.insert(full, id);
                let mut fields = Vec::with_capacity(list.len());
                let mut by_name = HashMap::with_capacity(list.len());
                for (i, field) in list.iter().enumerate() {
                    let field_pointer = index(&fields_pointer, i);
                    let field = self.parse_field(field, &namespace, &field_pointer)?;
                    if by_name.insert(field.name.clone(), i).is_some() {
                        return fail(
                            &child(&field_pointer, "name"),
                            format!("field '{}' is defined more than once", field.name),
                        );
                    }
                    fields.push(field);
                }
                if let Some(node) = self.nodes.get_mut(id as usize) {
                    node.kind = Kind::Record { fields, by_name };
                }
                self.measure(id, pointer)?;
                Ok(id)
            }
        }
    }

    fn parse_field(&mut self, value: &Value, namespace: &str, pointer: &str) -> Result<Field> {
        let Value::Object(object) = value else {
            return fail(pointer, format!("a field must be an object, found {value}"));
        };
        let name = match object.get("name") {
            Some(Value::String(name)) => name.clone(),
            Some(other) => {
                return fail(
                    &child(pointer, "name"),
                    format!("field \"name\" must be a string, found {other}"),
                );
            }
            None => return fail(pointer, "field has no \"name\"".to_owned()),
        };
        if !is_name(&name) {
            return fail(
                &child(pointer, "name"),
                format!("invalid field name '{name}': names must match [A-Za-z_][A-Za-z0-9_]*"),
            );
        }
        let Some(ty) = object.get("type") else {
            return fail(pointer, format!("field '{name}' has no \"type\""));
        };
        let ty = self.parse(ty, namespace, &child(pointer, "type"))?;
        let mut reserved = vec!["name", "type", "default", "order", "aliases"];
        let doc = match object.get("doc") {
            Some(Value::String(doc)) => {
                reserved.push("doc");
                Some(doc.clone())
            }
            _ => None,
        };
        let order = match object.get("order") {
            None => None,
            Some(Value::String(order)) if order == "ascending" => None,
            Some(Value::String(order)) if order == "descending" || order == "ignore" => {
                Some(order.clone())
            }
            Some(other) => {
                return fail(
                    &child(pointer, "order"),
                    format!(
                        "field order must be \"ascending\", \"descending\" or \"ignore\", found {other}"
                    ),
                );
            }
        };
        let aliases_pointer = child(pointer, "aliases");
        let aliases = string_list(object.get("aliases"), &aliases_pointer)?
            .into_iter()
            .map(str::to_owned)
            .collect();
        Ok(Field {
            name,
            aliases,
            doc,
            default: object.get("default").cloned(),
            order,
            ty,
            attributes: attributes(object, &reserved),
        })
    }

    /// Checks the defaults of the records created since `start`, once every type they may use is
    /// known.
    fn check_defaults(&mut self, start: usize) -> Result<()> {
        // The budget is lent out for the walk, which only reads the arena.
        let mut budget = std::mem::replace(&mut self.budget, Budget::new(0));
        let checked = self.check_defaults_within(start, &mut budget);
        self.budget = budget;
        checked
    }

    fn check_defaults_within(&self, start: usize, budget: &mut Budget) -> Result<()> {
        for node in self.nodes.iter().skip(start) {
            let (Kind::Record { fields, .. }, Some(named)) = (&node.kind, &node.named) else {
                continue;
            };
            for (i, field) in fields.iter().enumerate() {
                let Some(default) = &field.default else { continue };
                let fits = self.default_fits(default, field.ty, budget);
                let pointer = child(&index(&child(&named.pointer, "fields"), i), "default");
                if budget.is_exceeded() {
                    return fail(&pointer, BUDGET_SPENT.to_owned());
                }
                if !fits {
                    return fail(
                        &pointer,
                        format!(
                            "default {default} of field '{}' in '{}' is not a valid {}",
                            field.name,
                            named.full_name,
                            self.describe(field.ty)
                        ),
                    );
                }
            }
        }
        Ok(())
    }

    fn describe(&self, id: NodeId) -> String {
        match self.nodes.get(id as usize) {
            Some(Node { named: Some(named), kind, .. }) => {
                format!("{} '{}'", kind.type_name(), named.full_name)
            }
            Some(node) => node.kind.type_name().to_owned(),
            None => "type".to_owned(),
        }
    }

    /// Whether a JSON default is a valid value of a type, as the specification encodes defaults.
    /// For unions any branch is accepted, as apache-avro and Java 1.11 accept it. Recursion only
    /// descends into the (finite) JSON value, so it terminates for recursive types too.
    fn default_fits(&self, value: &Value, id: NodeId, budget: &mut Budget) -> bool {
        let Some(node) = self.nodes.get(id as usize) else {
            return false;
        };
        // An enum lookup scans the symbols; everything else is one step.
        let steps = match &node.kind {
            Kind::Enum { symbols, .. } => 1 + symbols.len() as u64,
            _ => 1,
        };
        if !budget.spend(steps) {
            return false;
        }
        match &node.kind {
            Kind::Null => value.is_null(),
            Kind::Boolean => value.is_boolean(),
            Kind::Int => value.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
            Kind::Long => value.as_i64().is_some(),
            Kind::Float | Kind::Double => value.is_number(),
            Kind::Bytes | Kind::String | Kind::Fixed { .. } => value.is_string(),
            Kind::Enum { symbols, .. } => {
                value.as_str().is_some_and(|s| symbols.iter().any(|x| x == s))
            }
            Kind::Array { items } => value
                .as_array()
                .is_some_and(|list| list.iter().all(|v| self.default_fits(v, *items, budget))),
            Kind::Map { values } => value
                .as_object()
                .is_some_and(|map| map.values().all(|v| self.default_fits(v, *values, budget))),
            Kind::Union { branches } => {
                branches.iter().any(|&branch| self.default_fits(value, branch, budget))
            }
            Kind::Record { fields, .. } => value.as_object().is_some_and(|map| {
                fields.iter().all(|field| match map.get(&field.name) {
                    Some(v) => self.default_fits(v, field.ty, budget),
                    // A missing value takes the field's own default, which is checked on its own.
                    None => field.default.is_some(),
                })
            }),
        }
    }
}

fn primitive(name: &str) -> Option<Kind> {
    Some(match name {
        "null" => Kind::Null,
        "boolean" => Kind::Boolean,
        "int" => Kind::Int,
        "long" => Kind::Long,
        "float" => Kind::Float,
        "double" => Kind::Double,
        "bytes" => Kind::Bytes,
        "string" => Kind::String,
        _ => return None,
    })
}

/// Resolves a name written in a schema against the namespace it appears in.
fn full_name(name: &str, namespace: &str) -> String {
    if name.contains('.') || namespace.is_empty() {
        name.to_owned()
    } else {
        format!("{namespace}.{name}")
    }
}

/// A simple Avro name: `[A-Za-z_][A-Za-z0-9_]*`.
fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn invalid_full_name(full: &str) -> Option<&'static str> {
    if full.split('.').all(is_name) {
        None
    } else {
        Some("each dot-separated part must match [A-Za-z_][A-Za-z0-9_]*")
    }
}

/// An optional array of strings (aliases, symbols); anything else is a located error.
fn string_list<'v>(value: Option<&'v Value>, pointer: &str) -> Result<Vec<&'v str>> {
    match value {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                item.as_str().ok_or_else(|| Located {
                    pointer: index(pointer, i),
                    message: format!("expected a string, found {item}"),
                })
            })
            .collect(),
        Some(other) => fail(pointer, format!("expected an array of strings, found {other}")),
    }
}

/// The attributes Avro's parser never keeps as properties of a type (its `SCHEMA_RESERVED`): on a
/// primitive, an array or a map they mean nothing, so `{"type":"int","name":"x"}` is `"int"`,
/// as Avro (and Confluent, which keys identity on Avro's printing) reads it.
const SCHEMA_RESERVED: [&str; 10] =
    ["type", "name", "namespace", "doc", "aliases", "fields", "items", "size", "symbols", "values"];

/// The properties of an object other than the reserved ones, sorted by key.
fn attributes(object: &Map<String, Value>, reserved: &[&str]) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = object
        .iter()
        .filter(|(key, _)| !reserved.contains(&key.as_str()))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}
