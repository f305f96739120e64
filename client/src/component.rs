//! The runtime half of `#[derive(Schema)]`: schema components that generated code composes, the
//! contexts that make a named type be defined once per schema, and the mappings of std types.
//!
//! Everything here is reached by generated code through `::schemata::__private`; users see only
//! [`crate::Schema`]. The derive decides the shape of each field from its syntax (so errors carry
//! spans) and calls into these functions to build the JSON values once, at first use.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::rc::Rc;
use std::sync::Arc;

use schemata_core::Metadata;
use serde_json::{Map, Value, json};

mod logical;

/// Options a field annotation passes down to the leaf type it applies to: a derive cannot see
/// through type aliases or generic wrappers, so the choice travels with the call instead.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Hints {
    /// `#[schemata(timestamp = "millis")]`: timestamps and times in milliseconds, not micros.
    pub timestamp_millis: bool,
    /// `#[schemata(precision = P, scale = S)]`: the fixed decimal shape Avro needs.
    pub decimal: Option<(u32, u32)>,
}

impl Hints {
    pub const NONE: Hints = Hints { timestamp_millis: false, decimal: None };
}

/// A type with an Avro and a JSON Schema mapping. Derived for user types; implemented here for std
/// types and, behind features, for uuid, chrono, time and rust_decimal.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no schemata schema mapping",
    label = "no Avro/JSON Schema mapping for this type",
    note = "derive `schemata::Schema` on your own types; u64, usize, u128 and i128 need \
            #[schemata(avro = \"long\")] or #[schemata(avro = \"decimal\", precision = P, scale = S)] \
            on the field, written with the integer type itself so the derive can see it"
)]
pub trait Component {
    fn avro(ctx: &mut AvroCtx, hints: &Hints) -> Value;
    fn json(ctx: &mut JsonCtx, hints: &Hints) -> Value;
}

/// Structs with named fields: what `#[serde(flatten)]` splices into the enclosing record.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be flattened into a record",
    note = "only structs with named fields that derive `schemata::Schema` can be flattened"
)]
pub trait Flatten {
    fn avro_fields(ctx: &mut AvroCtx) -> Vec<Value>;
    fn json_object(ctx: &mut JsonCtx) -> JsonObject;
}

/// Builds one Avro schema: remembers which named types are defined so that later uses (and
/// recursive ones) refer to them by full name, as the Avro specification requires.
#[derive(Debug, Default)]
pub struct AvroCtx {
    /// Full name -> the Rust type that defined it, to refuse two types claiming one name.
    defined: HashMap<String, String>,
    /// Data-carrying enums being expanded: a union cannot contain itself without a record between.
    open_unions: HashSet<&'static str>,
    /// The namespace of the named type being defined, which a fixed inside it lives in.
    namespace: String,
}

impl AvroCtx {
    pub fn new() -> AvroCtx {
        AvroCtx::default()
    }

    /// Defines a named type (record, enum, fixed) the first time and refers to it afterwards.
    /// `owner` names the Rust item, so two different types claiming one Avro name are caught.
    pub fn named(
        &mut self,
        owner: &str,
        namespace: &str,
        name: &str,
        body: impl FnOnce(&mut AvroCtx) -> Map<String, Value>,
    ) -> Value {
        let full = full_name(namespace, name);
        if let Some(previous) = self.defined.get(&full) {
            assert!(
                previous == owner,
                "schemata: `{owner}` and `{previous}` both map to the Avro name `{full}`; give one \
                 of them another #[schemata(name = ...)] or namespace"
            );
            return Value::String(full);
        }
        self.defined.insert(full.clone(), owner.to_owned());
        let mut object = Map::new();
        let outer = std::mem::replace(&mut self.namespace, namespace.to_owned());
        let rest = body(self);
        self.namespace = outer;
        // Keep the conventional key order: type, name, namespace first.
        if let Some(kind) = rest.get("type") {
            object.insert("type".to_owned(), kind.clone());
        }
        object.insert("name".to_owned(), Value::String(name.to_owned()));
        if !namespace.is_empty() {
            object.insert("namespace".to_owned(), Value::String(namespace.to_owned()));
        }
        for (key, value) in rest {
            if key != "type" {
                object.insert(key, value);
            }
        }
        Value::Object(object)
    }

    /// A record with the given fields.
    pub fn record(
        &mut self,
        owner: &str,
        namespace: &str,
        name: &str,
        doc: Option<&str>,
        aliases: &[&str],
        fields: impl FnOnce(&mut AvroCtx) -> Vec<Value>,
    ) -> Value {
        self.named(owner, namespace, name, |ctx| {
            let mut object = Map::new();
            object.insert("type".to_owned(), json!("record"));
            insert_doc_aliases(&mut object, doc, aliases);
            object.insert("fields".to_owned(), Value::Array(fields(ctx)));
            object
        })
    }

    /// An enum of symbols; `default` is the symbol readers use for symbols they do not know.
    #[allow(clippy::too_many_arguments, reason = "mirrors the Avro enum's attributes one to one")]
    pub fn enumeration(
        &mut self,
        owner: &str,
        namespace: &str,
        name: &str,
        doc: Option<&str>,
        aliases: &[&str],
        symbols: &[&str],
        default: Option<&str>,
    ) -> Value {
        self.named(owner, namespace, name, |_| {
            let mut object = Map::new();
            object.insert("type".to_owned(), json!("enum"));
            insert_doc_aliases(&mut object, doc, aliases);
            object.insert("symbols".to_owned(), json!(symbols));
            if let Some(default) = default {
                object.insert("default".to_owned(), json!(default));
            }
            object
        })
    }

    /// A fixed of `size` bytes in the enclosing namespace (or the one a dotted `name` gives).
    /// Same-sized fixeds share a name on purpose: they are the same type.
    pub fn fixed(&mut self, name: &str, size: usize) -> Value {
        let name = if name.is_empty() { format!("fixed_{size}") } else { name.to_owned() };
        let (namespace, name) = match name.rsplit_once('.') {
            Some((namespace, name)) => (namespace.to_owned(), name.to_owned()),
            None => (self.namespace.clone(), name),
        };
        let owner = format!("[u8; {size}]");
        self.named(&owner, &namespace, &name, |_| {
            let mut object = Map::new();
            object.insert("type".to_owned(), json!("fixed"));
            object.insert("size".to_owned(), json!(size));
            object
        })
    }

    /// The union of a data-carrying enum's variants. Guards against a union that contains itself
    /// with no named record in between, which has no finite Avro form.
    pub fn union(
        &mut self,
        owner: &'static str,
        branches: impl FnOnce(&mut AvroCtx) -> Vec<Value>,
    ) -> Value {
        assert!(
            self.open_unions.insert(owner),
            "schemata: enum `{owner}` contains itself directly; Avro unions cannot nest, so put a \
             struct between the enum and its recursive use"
        );
        let branches = branches(self);
        self.open_unions.remove(owner);
        union_of(branches)
    }
}

fn full_name(namespace: &str, name: &str) -> String {
    if namespace.is_empty() { name.to_owned() } else { format!("{namespace}.{name}") }
}

fn insert_doc_aliases(object: &mut Map<String, Value>, doc: Option<&str>, aliases: &[&str]) {
    if let Some(doc) = doc {
        object.insert("doc".to_owned(), json!(doc));
    }
    if !aliases.is_empty() {
        object.insert("aliases".to_owned(), json!(aliases));
    }
}

/// Flattens nested unions (Avro forbids a union directly inside a union) keeping first
/// occurrences, so `Option<Enum>` becomes `["null", A, B]`.
fn union_of(branches: Vec<Value>) -> Value {
    let mut out: Vec<Value> = Vec::new();
    for branch in branches {
        let parts = match branch {
            Value::Array(parts) => parts,
            other => vec![other],
        };
        for part in parts {
            if !out.contains(&part) {
                out.push(part);
            }
        }
    }
    Value::Array(out)
}

/// Avro schema builders for shapes the derive recognises syntactically.
pub mod avro {
    use super::*;

    pub fn primitive(name: &str) -> Value {
        Value::String(name.to_owned())
    }

    pub fn bytes() -> Value {
        primitive("bytes")
    }

    /// `Option<T>`: a union with null first, so that the field default can be null.
    pub fn option(inner: Value) -> Value {
        union_of(vec![json!("null"), inner])
    }

    pub fn array(items: Value) -> Value {
        json!({"type": "array", "items": items})
    }

    pub fn map(values: Value) -> Value {
        json!({"type": "map", "values": values})
    }

    /// A decimal carried in bytes, for integers too wide for a long.
    pub fn decimal_bytes(precision: u32, scale: u32) -> Value {
        json!({"type": "bytes", "logicalType": "decimal", "precision": precision, "scale": scale})
    }

    /// One record field. The default is adjusted to the field's schema as the Avro specification
    /// reads it: a union default belongs to the first branch, bytes defaults are strings.
    pub fn field(
        name: &str,
        doc: Option<&str>,
        aliases: &[&str],
        schema: Value,
        default: Option<Value>,
    ) -> Value {
        let mut object = Map::new();
        object.insert("name".to_owned(), json!(name));
        if let Some(doc) = doc {
            object.insert("doc".to_owned(), json!(doc));
        }
        let (schema, default) = match default {
            Some(default) => {
                let (schema, default) = fit_default(schema, default);
                (schema, Some(default))
            }
            None => (schema, None),
        };
        object.insert("type".to_owned(), schema);
        if let Some(default) = default {
            object.insert("default".to_owned(), default);
        }
        if !aliases.is_empty() {
            object.insert("aliases".to_owned(), json!(aliases));
        }
        Value::Object(object)
    }

    /// A field with Confluent's inline tags (`"confluent:tags": [...]`), which the data-contract
    /// rule executors of Confluent's clients match field rules against (`tags` of a rule).
    pub fn tagged(field: Value, tags: &[&str]) -> Value {
        super::with_tags(field, tags)
    }

    fn fit_default(schema: Value, default: Value) -> (Value, Value) {
        match schema {
            Value::Array(branches) if !default.is_null() => {
                // A non-null default for `Option<T>` needs T first: move the first non-null branch.
                let mut branches = branches;
                if let Some(index) = branches.iter().position(|b| b != "null") {
                    let branch = branches.remove(index);
                    let (branch, default) = fit_default(branch, default);
                    branches.insert(0, branch);
                    return (Value::Array(branches), default);
                }
                (Value::Array(branches), default)
            }
            schema => {
                let is_bytes = schema == "bytes"
                    || schema.get("type").is_some_and(|t| t == "bytes" || t == "fixed");
                let default = match default {
                    Value::Array(items) if is_bytes => Value::String(
                        items
                            .iter()
                            .filter_map(Value::as_u64)
                            .map(|b| char::from(b as u8))
                            .collect(),
                    ),
                    other => other,
                };
                (schema, default)
            }
        }
    }
}

/// Builds one JSON Schema: named types go to `definitions` once; the root refers to itself as `#`.
#[derive(Debug, Default)]
pub struct JsonCtx {
    root: String,
    root_open: bool,
    definitions: Map<String, Value>,
}

impl JsonCtx {
    pub fn new(root: &str) -> JsonCtx {
        JsonCtx { root: root.to_owned(), ..JsonCtx::default() }
    }

    /// The body the first time, a `$ref` afterwards (the root's body is inlined at the top).
    pub fn named(&mut self, full_name: &str, body: impl FnOnce(&mut JsonCtx) -> Value) -> Value {
        if full_name == self.root {
            if self.root_open {
                return json!({"$ref": "#"});
            }
            self.root_open = true;
            return body(self);
        }
        let reference = json!({"$ref": format!("#/definitions/{full_name}")});
        if !self.definitions.contains_key(full_name) {
            self.definitions.insert(full_name.to_owned(), Value::Null);
            let value = body(self);
            self.definitions.insert(full_name.to_owned(), value);
        }
        reference
    }
}

/// An object schema under construction: properties in declaration order and which are required.
#[derive(Debug, Default)]
pub struct JsonObject {
    properties: Map<String, Value>,
    required: Vec<String>,
}

impl JsonObject {
    pub fn new() -> JsonObject {
        JsonObject::default()
    }

    /// Tags property `name` with Confluent's inline `"confluent:tags"` (an annotation: it does
    /// not change what validates, so it may sit beside a `$ref`).
    pub fn tag(&mut self, name: &str, tags: &[&str]) {
        if let Some(schema) = self.properties.get_mut(name) {
            *schema = with_tags(std::mem::take(schema), tags);
        }
    }

    pub fn property(
        &mut self,
        name: &str,
        doc: Option<&str>,
        schema: Value,
        required: bool,
        default: Option<Value>,
    ) {
        let schema = match (doc, default) {
            (None, None) => schema,
            (doc, default) => {
                let mut object = match schema {
                    Value::Object(object) if !object.contains_key("$ref") => object,
                    // Draft 7 ignores siblings of $ref, so wrap it.
                    other => {
                        let mut object = Map::new();
                        object.insert("allOf".to_owned(), json!([other]));
                        object
                    }
                };
                if let Some(doc) = doc {
                    object.insert("description".to_owned(), json!(doc));
                }
                if let Some(default) = default {
                    object.insert("default".to_owned(), default);
                }
                Value::Object(object)
            }
        };
        self.properties.insert(name.to_owned(), schema);
        if required {
            self.required.push(name.to_owned());
        }
    }

    /// Splices a flattened struct's properties in, as serde writes them.
    pub fn flatten(&mut self, other: JsonObject) {
        self.properties.extend(other.properties);
        self.required.extend(other.required);
    }

    pub fn finish(self, title: Option<&str>, doc: Option<&str>, closed: bool) -> Value {
        let mut object = Map::new();
        object.insert("type".to_owned(), json!("object"));
        if let Some(title) = title {
            object.insert("title".to_owned(), json!(title));
        }
        if let Some(doc) = doc {
            object.insert("description".to_owned(), json!(doc));
        }
        object.insert("properties".to_owned(), Value::Object(self.properties));
        if !self.required.is_empty() {
            object.insert("required".to_owned(), json!(self.required));
        }
        if closed {
            object.insert("additionalProperties".to_owned(), json!(false));
        }
        Value::Object(object)
    }
}

/// JSON Schema builders for shapes the derive recognises syntactically.
pub mod json {
    use super::*;

    pub fn string() -> Value {
        json!({"type": "string"})
    }

    /// serde_json writes `Vec<u8>` as an array of numbers, and so the schema says.
    pub fn bytes() -> Value {
        json!({"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 255}})
    }

    pub fn fixed(size: usize) -> Value {
        json!({
            "type": "array",
            "items": {"type": "integer", "minimum": 0, "maximum": 255},
            "minItems": size,
            "maxItems": size,
        })
    }

    pub fn option(inner: Value) -> Value {
        json!({"oneOf": [{"type": "null"}, inner]})
    }

    pub fn array(items: Value) -> Value {
        json!({"type": "array", "items": items})
    }

    pub fn map(values: Value) -> Value {
        json!({"type": "object", "additionalProperties": values})
    }

    pub fn unsigned() -> Value {
        json!({"type": "integer", "minimum": 0})
    }

    pub fn integer() -> Value {
        json!({"type": "integer"})
    }

    /// An externally tagged variant: `{"Variant": body}` (serde's default enum representation).
    pub fn tagged(variant: &str, body: Value) -> Value {
        json!({
            "type": "object",
            "properties": {variant: body},
            "required": [variant],
            "additionalProperties": false,
        })
    }

    /// A unit variant of a data-carrying enum, which serde writes as the bare name.
    pub fn unit_variant(variant: &str) -> Value {
        json!({"const": variant})
    }

    pub fn one_of(branches: Vec<Value>) -> Value {
        json!({"oneOf": branches})
    }

    pub fn symbols(title: &str, doc: Option<&str>, symbols: &[&str]) -> Value {
        let mut object = Map::new();
        object.insert("type".to_owned(), json!("string"));
        object.insert("title".to_owned(), json!(title));
        if let Some(doc) = doc {
            object.insert("description".to_owned(), json!(doc));
        }
        object.insert("enum".to_owned(), json!(symbols));
        Value::Object(object)
    }
}

/// The whole Avro schema of a type.
pub fn root_avro<T: Component + ?Sized>() -> Value {
    T::avro(&mut AvroCtx::new(), &Hints::NONE)
}

/// The whole JSON Schema (draft 7, Confluent's default) of a type named `full_name`.
pub fn root_json<T: Component + ?Sized>(full_name: &str) -> Value {
    let mut ctx = JsonCtx::new(full_name);
    let body = T::json(&mut ctx, &Hints::NONE);
    let mut object = Map::new();
    object.insert("$schema".to_owned(), json!("http://json-schema.org/draft-07/schema#"));
    match body {
        Value::Object(body) => object.extend(body),
        other => {
            object.insert("allOf".to_owned(), json!([other]));
        }
    }
    if !ctx.definitions.is_empty() {
        object.insert("definitions".to_owned(), Value::Object(ctx.definitions));
    }
    Value::Object(object)
}

/// The full name of a schema: a named type's `namespace.name`, or the primitive's type name.
pub fn schema_full_name(schema: &Value) -> String {
    match schema {
        Value::String(name) => name.clone(),
        Value::Object(object) => match (object.get("name"), object.get("namespace")) {
            (Some(Value::String(name)), Some(Value::String(namespace))) => {
                full_name(namespace, name)
            }
            (Some(Value::String(name)), _) => name.clone(),
            _ => object.get("type").and_then(Value::as_str).unwrap_or("union").to_owned(),
        },
        _ => "union".to_owned(),
    }
}

/// A default value given as JSON text in an attribute (validated when the derive expanded).
pub fn json_default(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

/// A default computed from a Rust value (`#[serde(default)]`), written as serde_json writes it.
pub fn serde_default<T: serde::Serialize>(value: T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// One field of a container-level `#[serde(default)]`: the field of `Default::default()`.
pub fn container_default<T: serde::Serialize + Default>(field: &str) -> Value {
    serde_json::to_value(T::default())
        .ok()
        .and_then(|value| value.get(field).cloned())
        .unwrap_or(Value::Null)
}

/// The Rust value of a schema default, for the serde default of a type generated from a schema
/// file. The file was validated when the code was generated, so a failure here means the default
/// has no serde_json form for the type (e.g. a bytes default), which is reported loudly.
pub fn default_from_json<T: serde::de::DeserializeOwned>(text: &str) -> T {
    match serde_json::from_str(text) {
        Ok(value) => value,
        Err(err) => panic!(
            "schemata: the schema default {text} does not deserialize into {}: {err}",
            std::any::type_name::<T>()
        ),
    }
}

macro_rules! primitive {
    ($($ty:ty => $avro:literal, $json:expr;)*) => {$(
        impl Component for $ty {
            fn avro(_: &mut AvroCtx, _: &Hints) -> Value {
                Value::String($avro.to_owned())
            }
            fn json(_: &mut JsonCtx, _: &Hints) -> Value {
                $json
            }
        }
    )*};
}

primitive! {
    bool => "boolean", json!({"type": "boolean"});
    i8 => "int", json!({"type": "integer", "minimum": i8::MIN, "maximum": i8::MAX});
    i16 => "int", json!({"type": "integer", "minimum": i16::MIN, "maximum": i16::MAX});
    i32 => "int", json!({"type": "integer", "minimum": i32::MIN, "maximum": i32::MAX});
    i64 => "long", json::integer();
    isize => "long", json::integer();
    u8 => "int", json!({"type": "integer", "minimum": 0, "maximum": u8::MAX});
    u16 => "int", json!({"type": "integer", "minimum": 0, "maximum": u16::MAX});
    // u32 does not fit an Avro int, so it widens to long.
    u32 => "long", json!({"type": "integer", "minimum": 0, "maximum": u32::MAX});
    f32 => "float", json!({"type": "number"});
    f64 => "double", json!({"type": "number"});
    char => "string", json!({"type": "string", "minLength": 1, "maxLength": 1});
    String => "string", json::string();
    str => "string", json::string();
}

impl<T: Component + ?Sized> Component for &T {
    fn avro(ctx: &mut AvroCtx, hints: &Hints) -> Value {
        T::avro(ctx, hints)
    }
    fn json(ctx: &mut JsonCtx, hints: &Hints) -> Value {
        T::json(ctx, hints)
    }
}

macro_rules! wrapper {
    ($($ty:ident),*) => {$(
        impl<T: Component + ?Sized> Component for $ty<T> {
            fn avro(ctx: &mut AvroCtx, hints: &Hints) -> Value {
                T::avro(ctx, hints)
            }
            fn json(ctx: &mut JsonCtx, hints: &Hints) -> Value {
                T::json(ctx, hints)
            }
        }
    )*};
}

wrapper!(Box, Rc, Arc);

impl<T: Component> Component for Option<T> {
    fn avro(ctx: &mut AvroCtx, hints: &Hints) -> Value {
        avro::option(T::avro(ctx, hints))
    }
    fn json(ctx: &mut JsonCtx, hints: &Hints) -> Value {
        json::option(T::json(ctx, hints))
    }
}

macro_rules! sequence {
    ($($ty:ident),*) => {$(
        impl<T: Component> Component for $ty<T> {
            fn avro(ctx: &mut AvroCtx, hints: &Hints) -> Value {
                avro::array(T::avro(ctx, hints))
            }
            fn json(ctx: &mut JsonCtx, hints: &Hints) -> Value {
                json::array(T::json(ctx, hints))
            }
        }
    )*};
}

sequence!(Vec, VecDeque, BTreeSet);

impl<T: Component, S> Component for HashSet<T, S> {
    fn avro(ctx: &mut AvroCtx, hints: &Hints) -> Value {
        avro::array(T::avro(ctx, hints))
    }
    fn json(ctx: &mut JsonCtx, hints: &Hints) -> Value {
        json::array(T::json(ctx, hints))
    }
}

impl<T: Component> Component for [T] {
    fn avro(ctx: &mut AvroCtx, hints: &Hints) -> Value {
        avro::array(T::avro(ctx, hints))
    }
    fn json(ctx: &mut JsonCtx, hints: &Hints) -> Value {
        json::array(T::json(ctx, hints))
    }
}

impl<T: Component, S> Component for HashMap<String, T, S> {
    fn avro(ctx: &mut AvroCtx, hints: &Hints) -> Value {
        avro::map(T::avro(ctx, hints))
    }
    fn json(ctx: &mut JsonCtx, hints: &Hints) -> Value {
        json::map(T::json(ctx, hints))
    }
}

impl<T: Component> Component for BTreeMap<String, T> {
    fn avro(ctx: &mut AvroCtx, hints: &Hints) -> Value {
        avro::map(T::avro(ctx, hints))
    }
    fn json(ctx: &mut JsonCtx, hints: &Hints) -> Value {
        json::map(T::json(ctx, hints))
    }
}

/// `schema` (an object, or a boolean schema wrapped in `allOf`) with `"confluent:tags"`.
fn with_tags(schema: Value, tags: &[&str]) -> Value {
    let mut object = match schema {
        Value::Object(object) => object,
        other => {
            let mut object = Map::new();
            object.insert("allOf".to_owned(), json!([other]));
            object
        }
    };
    object.insert("confluent:tags".to_owned(), json!(tags));
    Value::Object(object)
}

/// A derived type's data contract metadata from its `#[schemata(metadata(k = "v", ...))]`.
pub fn metadata(properties: &[(&str, &str)]) -> Metadata {
    Metadata {
        properties: properties.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
        ..Metadata::default()
    }
}
