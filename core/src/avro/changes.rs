//! A field-level change list between two Avro schema texts, for `schemata diff` and the web UI's
//! diff page: named types added or removed, record fields added, removed, retyped or given another default, enum symbols
//! added or removed, fixed sizes changed. Descriptive only: whether a change breaks readers is
//! the compatibility engine's call, and `diff` prints its findings beside this list.
//!
//! Works on the JSON text (both sides already parsed as valid Avro), so pointers are pointers
//! into the text as written and locate to lines.

use std::collections::BTreeMap;

use serde_json::Value;

/// One change, with a pointer into the side it is about (B, or A for removals).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvroChange {
    /// What kind of change, in upper snake case (`FIELD_ADDED`, `ENUM_SYMBOL_REMOVED`, ...).
    pub kind: &'static str,
    /// `true` when `pointer` points into A (something removed), else into B.
    pub in_old: bool,
    /// A JSON pointer into the text of the side the change is about.
    pub pointer: String,
    /// The change as a sentence.
    pub message: String,
}

#[derive(Debug)]
struct Field {
    name: String,
    shape: String,
    default: Option<Value>,
    pointer: String,
}

#[derive(Debug)]
enum Kind {
    Record(Vec<Field>),
    Enum { symbols: Vec<String>, default: Option<String> },
    Fixed(u64),
}

#[derive(Debug)]
struct Named {
    pointer: String,
    kind: Kind,
}

/// Nesting bound for the walk; valid schemas that parsed are far shallower.
const MAX_DEPTH: usize = 128;

/// Every change from `old` to `new`; empty when either text is not JSON.
pub fn field_changes(old: &str, new: &str) -> Vec<AvroChange> {
    let (Ok(old), Ok(new)) =
        (serde_json::from_str::<Value>(old), serde_json::from_str::<Value>(new))
    else {
        return Vec::new();
    };
    let mut a = BTreeMap::new();
    let mut b = BTreeMap::new();
    let old_root = walk(&old, "", "", &mut a, 0);
    let new_root = walk(&new, "", "", &mut b, 0);
    let mut out = Vec::new();
    if old_root != new_root {
        out.push(AvroChange {
            kind: "TYPE_CHANGED",
            in_old: false,
            pointer: String::new(),
            message: format!("the schema changed from {old_root} to {new_root}"),
        });
    }
    for (name, named) in &a {
        if !b.contains_key(name) {
            out.push(AvroChange {
                kind: "NAMED_TYPE_REMOVED",
                in_old: true,
                pointer: named.pointer.clone(),
                message: format!("{} '{name}' removed", kind_name(&named.kind)),
            });
        }
    }
    for (name, new) in &b {
        let Some(old) = a.get(name) else {
            out.push(AvroChange {
                kind: "NAMED_TYPE_ADDED",
                in_old: false,
                pointer: new.pointer.clone(),
                message: format!("{} '{name}' added", kind_name(&new.kind)),
            });
            continue;
        };
        compare(name, old, new, &mut out);
    }
    // Document order (numerically: /fields/10 after /fields/2), stable for one pointer.
    out.sort_by_cached_key(|change| {
        change
            .pointer
            .split('/')
            .map(|segment| segment.parse::<u64>().map_err(|_| segment.to_owned()))
            .collect::<Vec<_>>()
    });
    out
}

fn kind_name(kind: &Kind) -> &'static str {
    match kind {
        Kind::Record(_) => "record",
        Kind::Enum { .. } => "enum",
        Kind::Fixed(_) => "fixed",
    }
}

fn compare(name: &str, old: &Named, new: &Named, out: &mut Vec<AvroChange>) {
    let change = |kind, in_old, pointer: &str, message| AvroChange {
        kind,
        in_old,
        pointer: pointer.to_owned(),
        message,
    };
    match (&old.kind, &new.kind) {
        (Kind::Record(old_fields), Kind::Record(new_fields)) => {
            for field in old_fields {
                if !new_fields.iter().any(|f| f.name == field.name) {
                    let default = match &field.default {
                        Some(d) => format!(" (it had default {d})"),
                        None => " (it had no default)".to_owned(),
                    };
                    out.push(change(
                        "FIELD_REMOVED",
                        true,
                        &field.pointer,
                        format!("field '{}' removed from '{name}'{default}", field.name),
                    ));
                }
            }
            for field in new_fields {
                let Some(before) = old_fields.iter().find(|f| f.name == field.name) else {
                    let default = match &field.default {
                        Some(d) => format!("with default {d}"),
                        None => "without a default".to_owned(),
                    };
                    out.push(change(
                        "FIELD_ADDED",
                        false,
                        &field.pointer,
                        format!(
                            "field '{}' of type {} added to '{name}' {default}",
                            field.name, field.shape
                        ),
                    ));
                    continue;
                };
                if before.shape != field.shape {
                    out.push(change(
                        "FIELD_TYPE_CHANGED",
                        false,
                        &field.pointer,
                        format!(
                            "field '{}' of '{name}' changed type from {} to {}",
                            field.name, before.shape, field.shape
                        ),
                    ));
                }
                if before.default != field.default {
                    let show =
                        |d: &Option<Value>| d.as_ref().map_or("none".to_owned(), Value::to_string);
                    out.push(change(
                        "FIELD_DEFAULT_CHANGED",
                        false,
                        &field.pointer,
                        format!(
                            "field '{}' of '{name}' changed default from {} to {}",
                            field.name,
                            show(&before.default),
                            show(&field.default)
                        ),
                    ));
                }
            }
        }
        (
            Kind::Enum { symbols: old_symbols, default: old_default },
            Kind::Enum { symbols: new_symbols, default: new_default },
        ) => {
            let removed: Vec<&str> = old_symbols
                .iter()
                .filter(|s| !new_symbols.contains(s))
                .map(String::as_str)
                .collect();
            let added: Vec<&str> = new_symbols
                .iter()
                .filter(|s| !old_symbols.contains(s))
                .map(String::as_str)
                .collect();
            if !added.is_empty() {
                out.push(change(
                    "ENUM_SYMBOLS_ADDED",
                    false,
                    &new.pointer,
                    format!("enum '{name}' gained symbols [{}]", added.join(", ")),
                ));
            }
            if !removed.is_empty() {
                out.push(change(
                    "ENUM_SYMBOLS_REMOVED",
                    false,
                    &new.pointer,
                    format!("enum '{name}' lost symbols [{}]", removed.join(", ")),
                ));
            }
            if old_default != new_default {
                out.push(change(
                    "ENUM_DEFAULT_CHANGED",
                    false,
                    &new.pointer,
                    format!(
                        "enum '{name}' changed default from {} to {}",
                        old_default.as_deref().unwrap_or("none"),
                        new_default.as_deref().unwrap_or("none")
                    ),
                ));
            }
        }
        (Kind::Fixed(old_size), Kind::Fixed(new_size)) if old_size != new_size => {
            out.push(change(
                "FIXED_SIZE_CHANGED",
                false,
                &new.pointer,
                format!("fixed '{name}' changed size from {old_size} to {new_size}"),
            ));
        }
        (Kind::Fixed(_), Kind::Fixed(_)) => {}
        (old_kind, new_kind) => out.push(change(
            "NAMED_TYPE_CHANGED",
            false,
            &new.pointer,
            format!("'{name}' changed from {} to {}", kind_name(old_kind), kind_name(new_kind)),
        )),
    }
}

fn full_name(name: &str, object: &serde_json::Map<String, Value>, namespace: &str) -> String {
    if name.contains('.') {
        return name.to_owned();
    }
    let namespace = object.get("namespace").and_then(Value::as_str).unwrap_or(namespace);
    if namespace.is_empty() { name.to_owned() } else { format!("{namespace}.{name}") }
}

/// Records the named types under `value` and returns its shape: a short type expression such
/// as `long`, `array<string>`, `union[null, com.acme.Address]` or `long(timestamp-millis)`.
fn walk(
    value: &Value,
    namespace: &str,
    pointer: &str,
    named: &mut BTreeMap<String, Named>,
    depth: usize,
) -> String {
    if depth > MAX_DEPTH {
        return "...".to_owned();
    }
    match value {
        Value::String(name) => name.clone(),
        Value::Array(branches) => {
            let shapes: Vec<String> = branches
                .iter()
                .enumerate()
                .map(|(i, branch)| {
                    walk(branch, namespace, &format!("{pointer}/{i}"), named, depth + 1)
                })
                .collect();
            format!("union[{}]", shapes.join(", "))
        }
        Value::Object(object) => {
            let type_name = object.get("type");
            let shape = match type_name.and_then(Value::as_str) {
                Some(kind @ ("record" | "error" | "enum" | "fixed")) => {
                    let name = object.get("name").and_then(Value::as_str).unwrap_or_default();
                    let full = full_name(name, object, namespace);
                    let inner = full.rsplit_once('.').map_or("", |(ns, _)| ns).to_owned();
                    let kind = match kind {
                        "enum" => Kind::Enum {
                            symbols: object
                                .get("symbols")
                                .and_then(Value::as_array)
                                .map(|s| {
                                    s.iter().filter_map(Value::as_str).map(str::to_owned).collect()
                                })
                                .unwrap_or_default(),
                            default: object
                                .get("default")
                                .and_then(Value::as_str)
                                .map(str::to_owned),
                        },
                        "fixed" => {
                            Kind::Fixed(object.get("size").and_then(Value::as_u64).unwrap_or(0))
                        }
                        _ => {
                            let mut fields = Vec::new();
                            let list = object.get("fields").and_then(Value::as_array);
                            for (i, field) in list.into_iter().flatten().enumerate() {
                                let field_pointer = format!("{pointer}/fields/{i}");
                                let shape = field.get("type").map_or_else(String::new, |t| {
                                    walk(
                                        t,
                                        &inner,
                                        &format!("{field_pointer}/type"),
                                        named,
                                        depth + 1,
                                    )
                                });
                                fields.push(Field {
                                    name: field
                                        .get("name")
                                        .and_then(Value::as_str)
                                        .unwrap_or_default()
                                        .to_owned(),
                                    shape,
                                    default: field.get("default").cloned(),
                                    pointer: field_pointer,
                                });
                            }
                            Kind::Record(fields)
                        }
                    };
                    named.insert(full.clone(), Named { pointer: pointer.to_owned(), kind });
                    full
                }
                Some("array") => {
                    let items = object.get("items").map_or_else(String::new, |v| {
                        walk(v, namespace, &format!("{pointer}/items"), named, depth + 1)
                    });
                    format!("array<{items}>")
                }
                Some("map") => {
                    let values = object.get("values").map_or_else(String::new, |v| {
                        walk(v, namespace, &format!("{pointer}/values"), named, depth + 1)
                    });
                    format!("map<{values}>")
                }
                Some(primitive) => primitive.to_owned(),
                None => type_name.map_or_else(String::new, |t| {
                    walk(t, namespace, &format!("{pointer}/type"), named, depth + 1)
                }),
            };
            match object.get("logicalType").and_then(Value::as_str) {
                Some(logical) => format!("{shape}({logical})"),
                None => shape,
            }
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::field_changes;

    #[track_caller]
    fn check(old: &str, new: &str, expected: &[&str]) {
        let found: Vec<String> = field_changes(old, new)
            .iter()
            .map(|c| {
                format!(
                    "{} {}{}: {}",
                    c.kind,
                    if c.in_old { "A" } else { "B" },
                    c.pointer,
                    c.message
                )
            })
            .collect();
        assert_eq!(found, expected);
    }

    const USER: &str = r#"{"type":"record","name":"User","namespace":"a","fields":[
        {"name":"id","type":"long"},
        {"name":"kind","type":{"type":"enum","name":"Kind","symbols":["A","B"]}},
        {"name":"at","type":{"type":"long","logicalType":"timestamp-millis"}}]}"#;

    #[test]
    fn field_level_changes() {
        check(USER, USER, &[]);
        check(
            USER,
            r#"{"type":"record","name":"User","namespace":"a","fields":[
            {"name":"id","type":"int","default":0},
            {"name":"kind","type":{"type":"enum","name":"Kind","symbols":["A","C"],"default":"A"}},
            {"name":"tags","type":{"type":"array","items":"string"},"default":[]},
            {"name":"hash","type":["null",{"type":"fixed","name":"H","size":16}]}]}"#,
            &[
                "FIELD_TYPE_CHANGED B/fields/0: field 'id' of 'a.User' changed type from long to int",
                "FIELD_DEFAULT_CHANGED B/fields/0: field 'id' of 'a.User' changed default from none to 0",
                "ENUM_SYMBOLS_ADDED B/fields/1/type: enum 'a.Kind' gained symbols [C]",
                "ENUM_SYMBOLS_REMOVED B/fields/1/type: enum 'a.Kind' lost symbols [B]",
                "ENUM_DEFAULT_CHANGED B/fields/1/type: enum 'a.Kind' changed default from none to A",
                "FIELD_REMOVED A/fields/2: field 'at' removed from 'a.User' (it had no default)",
                "FIELD_ADDED B/fields/2: field 'tags' of type array<string> added to 'a.User' with default []",
                "FIELD_ADDED B/fields/3: field 'hash' of type union[null, a.H] added to 'a.User' without a default",
                "NAMED_TYPE_ADDED B/fields/3/type/1: fixed 'a.H' added",
            ],
        );
        check(
            r#""long""#,
            r#"{"type":"long","logicalType":"timestamp-micros"}"#,
            &["TYPE_CHANGED B: the schema changed from long to long(timestamp-micros)"],
        );
    }
}
