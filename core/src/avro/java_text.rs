//! The text of an Avro schema as Avro's Java `Schema.toString()` prints the parsed schema, which
//! is what Confluent stores and answers for every registered Avro schema (its `canonicalString`):
//! compact JSON, keys in Java's order (`type`, `name`, `namespace`, `doc`, then the type's own
//! keys, custom properties in the order written, `aliases`), namespaces written only where they
//! differ from the enclosing one, `{"type":"int"}` as `"int"`, and keys Java drops (a `doc` on a
//! primitive, say) dropped. Clients that cache or compare schemas by text then agree with us.
//!
//! It walks the JSON of a schema that already parsed (so its structure is valid), keeping the
//! written order of custom properties, which the model sorts.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use crate::schema::ResolvedReference;

/// Keys of a schema object that are not custom properties (Java's `SCHEMA_RESERVED`).
const SCHEMA_RESERVED: &[&str] = &[
    "doc",
    "fields",
    "items",
    "name",
    "namespace",
    "size",
    "symbols",
    "values",
    "type",
    "aliases",
];
/// Keys of a record field that are not custom properties (Java's `FIELD_RESERVED`).
const FIELD_RESERVED: &[&str] = &["default", "doc", "name", "order", "type", "aliases"];

const PRIMITIVES: &[&str] =
    &["null", "boolean", "int", "long", "float", "double", "bytes", "string"];

/// The Java text of `text`, a schema that parsed; `None` if it is not JSON after all.
pub(crate) fn java_text(text: &str) -> Option<String> {
    let value: Value = serde_json::from_str(text).ok()?;
    let mut printer = Printer::new(text.len(), HashMap::new());
    printer.schema(&value);
    Some(printer.out)
}

/// As [`java_text`], with the named types of `references` (resolved, in dependency order)
/// written in full at their first use, as Java prints a schema parsed with its references
/// (Confluent's `format=resolved`): a text that stands alone.
pub(crate) fn java_text_resolved(text: &str, references: &[ResolvedReference]) -> Option<String> {
    let mut externals = HashMap::new();
    for reference in references {
        let value: Value = serde_json::from_str(&reference.text).ok()?;
        collect_definitions(&value, None, &mut externals);
    }
    let value: Value = serde_json::from_str(text).ok()?;
    let mut printer = Printer::new(text.len(), externals);
    printer.schema(&value);
    Some(printer.out)
}

/// Every named type defined in `value`, by full name, rewritten to carry its full name (so it
/// prints with its own namespace wherever it is inlined). The first definition of a name wins.
fn collect_definitions(value: &Value, space: Option<&str>, out: &mut HashMap<String, Value>) {
    match value {
        Value::Array(branches) => {
            branches.iter().for_each(|branch| collect_definitions(branch, space, out));
        }
        Value::Object(object) => match object.get("type").and_then(Value::as_str) {
            Some("record" | "error" | "enum" | "fixed") => {
                let written = object.get("namespace").and_then(Value::as_str);
                let name = object.get("name").and_then(Value::as_str).unwrap_or_default();
                let (simple, own) = split_name(name, written.or(space));
                let full = own.as_ref().map_or(simple.clone(), |own| format!("{own}.{simple}"));
                let mut definition = object.clone();
                definition.remove("namespace");
                definition.insert("name".to_owned(), Value::String(full.clone()));
                out.entry(full).or_insert(Value::Object(definition));
                let fields = object.get("fields").and_then(Value::as_array);
                for field in fields.into_iter().flatten() {
                    if let Some(field_type) = field.get("type") {
                        collect_definitions(field_type, own.as_deref(), out);
                    }
                }
            }
            Some("array") => {
                object.get("items").into_iter().for_each(|v| collect_definitions(v, space, out))
            }
            Some("map") => {
                object.get("values").into_iter().for_each(|v| collect_definitions(v, space, out))
            }
            _ => {}
        },
        _ => {}
    }
}

struct Printer {
    out: String,
    /// The enclosing namespace (Java's `names.space`): `None` for the null namespace.
    space: Option<String>,
    /// Named types from references to write in full at their first use (resolved form only).
    externals: HashMap<String, Value>,
    /// Full names of the named types printed so far.
    defined: HashSet<String>,
}

/// A name and namespace as Java's `Schema.Name` splits them: a dotted name carries its own
/// namespace, and the empty namespace is the null one.
fn split_name(name: &str, space: Option<&str>) -> (String, Option<String>) {
    let (simple, space) = match name.rsplit_once('.') {
        Some((space, simple)) => (simple, Some(space)),
        None => (name, space),
    };
    (simple.to_owned(), space.filter(|s| !s.is_empty()).map(str::to_owned))
}

impl Printer {
    fn new(capacity: usize, externals: HashMap<String, Value>) -> Printer {
        Printer {
            out: String::with_capacity(capacity),
            space: None,
            externals,
            defined: HashSet::new(),
        }
    }

    fn schema(&mut self, value: &Value) {
        match value {
            Value::String(name) => self.name_ref(name),
            Value::Array(branches) => {
                self.out.push('[');
                for (i, branch) in branches.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.schema(branch);
                }
                self.out.push(']');
            }
            Value::Object(object) => match object.get("type") {
                Some(Value::String(kind)) => match kind.as_str() {
                    "record" | "error" => self.record(kind, object),
                    "enum" => self.enumeration(object),
                    "fixed" => self.fixed(object),
                    "array" => self.container(object, "array", "items"),
                    "map" => self.container(object, "map", "values"),
                    primitive if PRIMITIVES.contains(&primitive) => {
                        if object.keys().any(|key| !SCHEMA_RESERVED.contains(&key.as_str())) {
                            self.out.push_str("{\"type\":");
                            push_json(&mut self.out, &Value::String(primitive.to_owned()));
                            self.props(object, SCHEMA_RESERVED);
                            self.out.push('}');
                        } else {
                            push_json(&mut self.out, &Value::String(primitive.to_owned()));
                        }
                    }
                    // `{"type": "com.acme.Named"}`: Java resolves the name and drops the rest.
                    name => self.name_ref(name),
                },
                // Not a schema Java reads; it did parse here, so print it as written.
                _ => push_json(&mut self.out, value),
            },
            other => push_json(&mut self.out, other),
        }
    }

    /// A named type used by name: relative to the enclosing namespace when it lies in it, as
    /// Java's `getQualified` prints it; primitives as themselves.
    fn name_ref(&mut self, name: &str) {
        if !self.externals.is_empty() {
            // Java's lookup: a short name means the enclosing namespace's type if there is one.
            let full = match &self.space {
                Some(space) if !name.contains('.') => {
                    let qualified = format!("{space}.{name}");
                    let known =
                        |n: &String| self.externals.contains_key(n) || self.defined.contains(n);
                    if known(&qualified) { qualified } else { name.to_owned() }
                }
                _ => name.to_owned(),
            };
            if !self.defined.contains(&full)
                && let Some(definition) = self.externals.get(&full).cloned()
            {
                self.schema(&definition);
                return;
            }
        }
        let printed = match name.rsplit_once('.') {
            Some((space, simple)) if Some(space) == self.space.as_deref() => simple,
            _ => name,
        };
        push_json(&mut self.out, &Value::String(printed.to_owned()));
    }

    /// `"type"`, then `"name"` and, where it differs from the enclosing one, `"namespace"`
    /// (`""` for a null namespace inside a named one). Answers the type's namespace.
    fn head(&mut self, kind: &str, object: &Map<String, Value>) -> Option<String> {
        let written_space = object.get("namespace").and_then(Value::as_str);
        let name = object.get("name").and_then(Value::as_str).unwrap_or_default();
        let (simple, space) = split_name(name, written_space.or(self.space.as_deref()));
        if !self.externals.is_empty() {
            self.defined.insert(space.as_ref().map_or(simple.clone(), |s| format!("{s}.{simple}")));
        }
        self.out.push_str("{\"type\":");
        push_json(&mut self.out, &Value::String(kind.to_owned()));
        self.out.push_str(",\"name\":");
        push_json(&mut self.out, &Value::String(simple));
        match (&space, &self.space) {
            (Some(own), enclosing) if Some(own) != enclosing.as_ref() => {
                self.out.push_str(",\"namespace\":");
                push_json(&mut self.out, &Value::String(own.clone()));
            }
            (None, Some(_)) => self.out.push_str(",\"namespace\":\"\""),
            _ => {}
        }
        space
    }

    fn doc(&mut self, object: &Map<String, Value>) {
        if let Some(doc @ Value::String(_)) = object.get("doc") {
            self.out.push_str(",\"doc\":");
            push_json(&mut self.out, doc);
        }
    }

    /// A named type's aliases, each relative to the type's own namespace.
    fn aliases(&mut self, object: &Map<String, Value>, space: Option<&str>) {
        let Some(Value::Array(aliases)) = object.get("aliases") else { return };
        if aliases.is_empty() {
            return;
        }
        let printed: Vec<Value> = aliases
            .iter()
            .filter_map(Value::as_str)
            .map(|alias| {
                let (simple, alias_space) = split_name(alias, space);
                Value::String(if alias_space.as_deref() == space {
                    simple
                } else {
                    alias.to_owned()
                })
            })
            .collect();
        self.out.push_str(",\"aliases\":");
        push_json(&mut self.out, &Value::Array(printed));
    }

    /// Custom properties in the order written.
    fn props(&mut self, object: &Map<String, Value>, reserved: &[&str]) {
        for (key, value) in object {
            if !reserved.contains(&key.as_str()) {
                self.out.push(',');
                push_json(&mut self.out, &Value::String(key.clone()));
                self.out.push(':');
                push_json(&mut self.out, value);
            }
        }
    }

    fn record(&mut self, kind: &str, object: &Map<String, Value>) {
        let space = self.head(kind, object);
        let enclosing = std::mem::replace(&mut self.space, space.clone());
        self.doc(object);
        self.out.push_str(",\"fields\":[");
        let fields = object.get("fields").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
        for (i, field) in fields.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            let Some(field) = field.as_object() else { continue };
            self.field(field);
        }
        self.out.push(']');
        self.props(object, SCHEMA_RESERVED);
        self.aliases(object, space.as_deref());
        self.out.push('}');
        self.space = enclosing;
    }

    fn field(&mut self, field: &Map<String, Value>) {
        self.out.push_str("{\"name\":");
        push_json(&mut self.out, field.get("name").unwrap_or(&Value::Null));
        self.out.push_str(",\"type\":");
        self.schema(field.get("type").unwrap_or(&Value::Null));
        self.doc(field);
        if let Some(default) = field.get("default") {
            self.out.push_str(",\"default\":");
            push_json(&mut self.out, default);
        }
        if let Some(order) = field.get("order").and_then(Value::as_str)
            && !order.eq_ignore_ascii_case("ascending")
        {
            self.out.push_str(",\"order\":");
            push_json(&mut self.out, &Value::String(order.to_ascii_lowercase()));
        }
        if let Some(Value::Array(aliases)) = field.get("aliases")
            && !aliases.is_empty()
        {
            self.out.push_str(",\"aliases\":");
            push_json(&mut self.out, &Value::Array(aliases.clone()));
        }
        self.props(field, FIELD_RESERVED);
        self.out.push('}');
    }

    fn enumeration(&mut self, object: &Map<String, Value>) {
        let space = self.head("enum", object);
        self.doc(object);
        self.out.push_str(",\"symbols\":");
        push_json(&mut self.out, object.get("symbols").unwrap_or(&Value::Array(Vec::new())));
        if let Some(default @ Value::String(_)) = object.get("default") {
            self.out.push_str(",\"default\":");
            push_json(&mut self.out, default);
        }
        let mut reserved = SCHEMA_RESERVED.to_vec();
        reserved.push("default");
        self.props(object, &reserved);
        self.aliases(object, space.as_deref());
        self.out.push('}');
    }

    fn fixed(&mut self, object: &Map<String, Value>) {
        let space = self.head("fixed", object);
        self.doc(object);
        self.out.push_str(",\"size\":");
        push_json(&mut self.out, object.get("size").unwrap_or(&Value::Null));
        self.props(object, SCHEMA_RESERVED);
        self.aliases(object, space.as_deref());
        self.out.push('}');
    }

    fn container(&mut self, object: &Map<String, Value>, kind: &str, key: &str) {
        self.out.push_str("{\"type\":");
        push_json(&mut self.out, &Value::String(kind.to_owned()));
        self.out.push_str(",\"");
        self.out.push_str(key);
        self.out.push_str("\":");
        self.schema(object.get(key).unwrap_or(&Value::Null));
        self.props(object, SCHEMA_RESERVED);
        self.out.push('}');
    }
}

/// Compact JSON of a value (serializing a `Value` into a `String` cannot fail).
fn push_json(out: &mut String, value: &Value) {
    out.push_str(&serde_json::to_string(value).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::{java_text, java_text_resolved};
    use crate::avro::AvroSchema;
    use crate::schema::{ResolvedReference, SchemaType};

    /// `input` prints as `expected`, which is its own Java text and the same schema.
    fn check(input: &str, expected: &str) {
        let printed = java_text(input).expect("JSON");
        assert_eq!(printed, expected, "input: {input}");
        assert_eq!(java_text(&printed).as_deref(), Some(expected), "a fixpoint: {input}");
        let (a, b) = (AvroSchema::parse(input, &[]), AvroSchema::parse(&printed, &[]));
        let (a, b) = (a.expect("input parses"), b.expect("printed parses"));
        assert_eq!(a.normalized(), b.normalized(), "the same schema: {input}");
    }

    #[rustfmt::skip]
    #[test]
    fn prints_as_java() {
        // Primitives: bare unless they carry properties; reserved keys such as doc dropped.
        check(r#""int""#, r#""int""#);
        check(r#" { "type" : "int" } "#, r#""int""#);
        check(r#"{"type":"string","doc":"x"}"#, r#""string""#);
        check(r#"{"type":"int","logicalType":"date"}"#, r#"{"type":"int","logicalType":"date"}"#);
        check(r#"{"logicalType":"decimal","type":"bytes","scale":2,"precision":4}"#, r#"{"type":"bytes","logicalType":"decimal","scale":2,"precision":4}"#);
        // Records: Java's key order, whitespace gone, names split from namespaces.
        check(r#"{ "fields": [ {"type": "long", "name": "id", "doc": "the id"} ], "name": "Order", "namespace": "com.acme", "type": "record" }"#,
              r#"{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"id","type":"long","doc":"the id"}]}"#);
        check(r#"{"type":"record","name":"com.acme.Order","namespace":"ignored","fields":[]}"#, r#"{"type":"record","name":"Order","namespace":"com.acme","fields":[]}"#);
        check(r#"{"type":"record","name":"R","namespace":"","fields":[]}"#, r#"{"type":"record","name":"R","fields":[]}"#);
        check(r#"{"type":"record","name":"Oops","doc":"d","fields":[],"aliases":["Old"]}"#, r#"{"type":"record","name":"Oops","doc":"d","fields":[],"aliases":["Old"]}"#);
        // Nested named types: the namespace only where it differs from the enclosing one.
        check(r#"{"type":"record","name":"A","namespace":"x","fields":[{"name":"b","type":{"type":"record","name":"B","fields":[]}}]}"#,
              r#"{"type":"record","name":"A","namespace":"x","fields":[{"name":"b","type":{"type":"record","name":"B","fields":[]}}]}"#);
        check(r#"{"type":"record","name":"A","namespace":"x","fields":[{"name":"b","type":{"type":"record","name":"B","namespace":"x","fields":[]}}]}"#,
              r#"{"type":"record","name":"A","namespace":"x","fields":[{"name":"b","type":{"type":"record","name":"B","fields":[]}}]}"#);
        check(r#"{"type":"record","name":"A","namespace":"x","fields":[{"name":"b","type":{"type":"record","name":"y.B","fields":[]}}]}"#,
              r#"{"type":"record","name":"A","namespace":"x","fields":[{"name":"b","type":{"type":"record","name":"B","namespace":"y","fields":[]}}]}"#);
        check(r#"{"type":"record","name":"A","namespace":"x","fields":[{"name":"b","type":{"type":"record","name":"B","namespace":"","fields":[]}}]}"#,
              r#"{"type":"record","name":"A","namespace":"x","fields":[{"name":"b","type":{"type":"record","name":"B","namespace":"","fields":[]}}]}"#);
        // Uses by name: relative to the enclosing namespace when inside it.
        check(r#"{"type":"record","name":"A","namespace":"x","fields":[{"name":"e","type":{"type":"enum","name":"E","symbols":["P"]}},{"name":"f","type":"x.E"},{"name":"g","type":{"type":"x.E"}},{"name":"h","type":["null","E"]}]}"#,
              r#"{"type":"record","name":"A","namespace":"x","fields":[{"name":"e","type":{"type":"enum","name":"E","symbols":["P"]}},{"name":"f","type":"E"},{"name":"g","type":"E"},{"name":"h","type":["null","E"]}]}"#);
        check(r#"{"type":"record","name":"A","namespace":"x","fields":[{"name":"b","type":{"type":"record","name":"y.B","fields":[]}},{"name":"c","type":"y.B"}]}"#,
              r#"{"type":"record","name":"A","namespace":"x","fields":[{"name":"b","type":{"type":"record","name":"B","namespace":"y","fields":[]}},{"name":"c","type":"y.B"}]}"#);
        // Fields: name, type, doc, default (null included), order unless ascending, aliases, props.
        check(r#"{"type":"record","name":"R","fields":[{"x-prop":1,"aliases":["g"],"order":"descending","default":null,"doc":"d","type":["null","string"],"name":"f"}]}"#,
              r#"{"type":"record","name":"R","fields":[{"name":"f","type":["null","string"],"doc":"d","default":null,"order":"descending","aliases":["g"],"x-prop":1}]}"#);
        check(r#"{"type":"record","name":"R","fields":[{"name":"f","type":"int","order":"ascending","default":3}]}"#,
              r#"{"type":"record","name":"R","fields":[{"name":"f","type":"int","default":3}]}"#);
        check(r#"{"type":"record","name":"R","fields":[{"name":"f","type":{"type":"string","confluent:tags":["PII"]},"confluent:tags":["X"]}]}"#,
              r#"{"type":"record","name":"R","fields":[{"name":"f","type":{"type":"string","confluent:tags":["PII"]},"confluent:tags":["X"]}]}"#);
        // Enums and fixed: their own keys, custom properties, aliases relative to their namespace.
        check(r#"{"symbols":["A","B"],"default":"A","type":"enum","name":"E","doc":"e","aliases":["n.Old","m.Other","Plain"],"namespace":"n","custom":true}"#,
              r#"{"type":"enum","name":"E","namespace":"n","doc":"e","symbols":["A","B"],"default":"A","custom":true,"aliases":["Old","m.Other","Plain"]}"#);
        check(r#"{"size":16,"type":"fixed","name":"md5","doc":"hash","x":"y"}"#, r#"{"type":"fixed","name":"md5","doc":"hash","size":16,"x":"y"}"#);
        // Arrays, maps and unions of object forms.
        check(r#"{"items":{"type":"string"},"type":"array"}"#, r#"{"type":"array","items":"string"}"#);
        check(r#"{"type":"map","values":"long","java-class":"x"}"#, r#"{"type":"map","values":"long","java-class":"x"}"#);
        check(r#"[{"type":"null"},{"type":"string"}]"#, r#"["null","string"]"#);
        // Text: escapes as JSON requires, non-ASCII as is.
        check(r#"{"type":"record","name":"R","doc":"café\n\"q\"","fields":[]}"#, r#"{"type":"record","name":"R","doc":"café\n\"q\"","fields":[]}"#);
    }

    /// `input` with `references` (in dependency order) inlined prints as `expected`, a schema
    /// that stands alone.
    fn check_resolved(input: &str, references: &[&str], expected: &str) {
        let references: Vec<ResolvedReference> = references
            .iter()
            .map(|text| ResolvedReference {
                name: String::new(),
                schema_type: SchemaType::Avro,
                text: (*text).to_owned(),
            })
            .collect();
        assert_eq!(java_text_resolved(input, &references).as_deref(), Some(expected), "{input}");
        let alone = AvroSchema::parse(expected, &[]).expect("the resolved text stands alone");
        let with = AvroSchema::parse(input, &references).expect("input parses");
        assert_eq!(alone.canonical_form(), with.canonical_form(), "{input}");
    }

    const MONEY: &str = r#"{"type":"record","name":"Money","namespace":"shop","fields":[{"name":"cents","type":"long"}]}"#;
    const PRICE: &str = r#"{"type":"record","name":"Price","namespace":"shop","fields":[{"name":"amount","type":"Money"}]}"#;
    const COLOR: &str = r#"{"type":"enum","name":"paint.Color","symbols":["RED"]}"#;

    #[rustfmt::skip]
    #[test]
    fn resolved_inlines_referenced_types_at_first_use() {
        // Defined in full at the first use, by name after; relative to the enclosing namespace.
        check_resolved(r#"{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"a","type":"Money"},{"name":"b","type":"shop.Money"}]}"#, &[MONEY],
                       r#"{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"a","type":{"type":"record","name":"Money","fields":[{"name":"cents","type":"long"}]}},{"name":"b","type":"Money"}]}"#);
        // A type from another namespace keeps it; an enum too.
        check_resolved(r#"{"type":"record","name":"Car","namespace":"auto","fields":[{"name":"c","type":["null","paint.Color"]},{"name":"d","type":{"type":"array","items":"paint.Color"}}]}"#, &[COLOR],
                       r#"{"type":"record","name":"Car","namespace":"auto","fields":[{"name":"c","type":["null",{"type":"enum","name":"Color","namespace":"paint","symbols":["RED"]}]},{"name":"d","type":{"type":"array","items":"paint.Color"}}]}"#);
        // Transitive references: what a referenced type uses is inlined inside it.
        check_resolved(r#"{"type":"record","name":"Line","namespace":"cart","fields":[{"name":"p","type":"shop.Price"},{"name":"m","type":"shop.Money"}]}"#, &[MONEY, PRICE],
                       r#"{"type":"record","name":"Line","namespace":"cart","fields":[{"name":"p","type":{"type":"record","name":"Price","namespace":"shop","fields":[{"name":"amount","type":{"type":"record","name":"Money","fields":[{"name":"cents","type":"long"}]}}]}},{"name":"m","type":"shop.Money"}]}"#);
        // Without references the resolved text is the Java text.
        check_resolved(r#"{"type":"array","items":{"type":"string"}}"#, &[], r#"{"type":"array","items":"string"}"#);
    }
}
