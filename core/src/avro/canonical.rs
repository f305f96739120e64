//! Printers over the model: the specification's Parsing Canonical Form (what fingerprints hash)
//! and our normalized form (what the registry compares to de-duplicate), plus the CRC-64-AVRO
//! Rabin fingerprint.

use std::collections::HashSet;
use std::fmt::Write as _;

use serde_json::Value;

use super::model::{Field, Kind, Model, NodeId};

/// Which of the two printed forms to produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// Parsing Canonical Form: only what affects how data is read, named types inlined once.
    Canonical,
    /// Everything readers see, in a fixed key order, types from references written by name.
    Normalized,
}

/// The Parsing Canonical Form: STRIP (only type, name, fields, symbols, items, values, size),
/// PRIMITIVES (bare strings), FULLNAMES (namespaces folded into names), ORDER (name, type, fields,
/// symbols, items, values, size), STRINGS/INTEGERS (plain JSON), WHITESPACE (none). Types from
/// references are inlined at first use so the form stands alone, as fingerprints require.
pub(crate) fn canonical_form(model: &Model) -> String {
    let mut printer =
        Printer { model, form: Form::Canonical, out: String::new(), defined: HashSet::new() };
    printer.schema(model.root, "");
    printer.out
}

/// The normalized form: the canonical key order and full names, but keeping doc, defaults,
/// aliases (as full names), non-default field order, logical types and custom properties.
pub(crate) fn normalized_form(model: &Model) -> String {
    let mut printer =
        Printer { model, form: Form::Normalized, out: String::new(), defined: HashSet::new() };
    printer.schema(model.root, "");
    printer.out
}

struct Printer<'a> {
    model: &'a Model,
    form: Form,
    out: String,
    /// Named types already printed in full; later uses print the name only.
    defined: HashSet<NodeId>,
}

impl Printer<'_> {
    /// Prints one type. `namespace` is the namespace a reader of the printed text would resolve
    /// relative names in, used to know when an explicit empty namespace is needed.
    fn schema(&mut self, id: NodeId, namespace: &str) {
        let model = self.model;
        let node = model.node(id);
        let normalized = self.form == Form::Normalized;
        if let Some(named) = &node.named {
            let by_name = !self.defined.insert(id) || (normalized && named.external);
            if by_name {
                string(&mut self.out, &named.full_name);
                return;
            }
            if normalized {
                self.out.push_str("{\"type\":");
                string(&mut self.out, node.kind.type_name());
                self.out.push_str(",\"name\":");
                string(&mut self.out, &named.full_name);
                // A name without a namespace inside a namespaced parent would otherwise be read
                // back in the parent's namespace.
                if !named.full_name.contains('.') && !namespace.is_empty() {
                    self.out.push_str(",\"namespace\":\"\"");
                }
                if let Some(doc) = &named.doc {
                    self.out.push_str(",\"doc\":");
                    string(&mut self.out, doc);
                }
                if !named.aliases.is_empty() {
                    self.out.push_str(",\"aliases\":");
                    string_array(&mut self.out, &named.aliases);
                }
            } else {
                // ORDER puts the name first in the canonical form.
                self.out.push_str("{\"name\":");
                string(&mut self.out, &named.full_name);
                self.out.push_str(",\"type\":");
                string(&mut self.out, node.kind.type_name());
            }
            let own_namespace = named.namespace();
            match &node.kind {
                Kind::Record { fields, .. } => {
                    self.out.push_str(",\"fields\":[");
                    for (i, field) in fields.iter().enumerate() {
                        if i > 0 {
                            self.out.push(',');
                        }
                        self.field(field, own_namespace);
                    }
                    self.out.push(']');
                }
                Kind::Enum { symbols, default } => {
                    self.out.push_str(",\"symbols\":");
                    string_array(&mut self.out, symbols);
                    if let (true, Some(default)) = (normalized, default) {
                        self.out.push_str(",\"default\":");
                        string(&mut self.out, default);
                    }
                }
                Kind::Fixed { size } => {
                    let _ = write!(self.out, ",\"size\":{size}");
                }
                _ => {}
            }
            if normalized {
                self.attributes(&node.attributes);
            }
            self.out.push('}');
            return;
        }
        match &node.kind {
            Kind::Union { branches } => {
                self.out.push('[');
                for (i, &branch) in branches.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.schema(branch, namespace);
                }
                self.out.push(']');
            }
            Kind::Array { items } => {
                self.out.push_str("{\"type\":\"array\",\"items\":");
                self.schema(*items, namespace);
                if normalized {
                    self.attributes(&node.attributes);
                }
                self.out.push('}');
            }
            Kind::Map { values } => {
                self.out.push_str("{\"type\":\"map\",\"values\":");
                self.schema(*values, namespace);
                if normalized {
                    self.attributes(&node.attributes);
                }
                self.out.push('}');
            }
            kind => {
                if normalized && !node.attributes.is_empty() {
                    self.out.push_str("{\"type\":");
                    string(&mut self.out, kind.type_name());
                    self.attributes(&node.attributes);
                    self.out.push('}');
                } else {
                    string(&mut self.out, kind.type_name());
                }
            }
        }
    }

    fn field(&mut self, field: &Field, namespace: &str) {
        self.out.push_str("{\"name\":");
        string(&mut self.out, &field.name);
        self.out.push_str(",\"type\":");
        self.schema(field.ty, namespace);
        if self.form == Form::Normalized {
            if let Some(doc) = &field.doc {
                self.out.push_str(",\"doc\":");
                string(&mut self.out, doc);
            }
            if let Some(default) = &field.default {
                self.out.push_str(",\"default\":");
                sorted_json(&mut self.out, default);
            }
            if let Some(order) = &field.order {
                self.out.push_str(",\"order\":");
                string(&mut self.out, order);
            }
            if !field.aliases.is_empty() {
                self.out.push_str(",\"aliases\":");
                string_array(&mut self.out, &field.aliases);
            }
            self.attributes(&field.attributes);
        }
        self.out.push('}');
    }

    fn attributes(&mut self, attributes: &[(String, Value)]) {
        for (key, value) in attributes {
            self.out.push(',');
            string(&mut self.out, key);
            self.out.push(':');
            sorted_json(&mut self.out, value);
        }
    }
}

fn string(out: &mut String, text: &str) {
    // Serializing a string into JSON cannot fail; the fallback only keeps this panic-free.
    match serde_json::to_string(text) {
        Ok(quoted) => out.push_str(&quoted),
        Err(_) => out.push_str("\"\""),
    }
}

fn string_array(out: &mut String, items: &[String]) {
    out.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        string(out, item);
    }
    out.push(']');
}

/// Compact JSON with object keys sorted at every level, so that key order in defaults and custom
/// properties does not change the normalized form.
fn sorted_json(out: &mut String, value: &Value) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (key, value)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                string(out, key);
                out.push(':');
                sorted_json(out, value);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                sorted_json(out, item);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// The 64-bit Rabin fingerprint (CRC-64-AVRO) of the specification, the same bits Java's
/// `SchemaNormalization.fingerprint64` returns as a signed long. apache-avro has one too, but
/// behind a `digest` trait version this crate does not otherwise depend on; the algorithm is a
/// dozen lines, checked against the specification's published values in the tests.
pub(crate) fn rabin(bytes: &[u8]) -> u64 {
    const EMPTY: u64 = 0xc15d_213a_a4d7_a795;
    let table = rabin_table();
    let mut fingerprint = EMPTY;
    for &byte in bytes {
        fingerprint = (fingerprint >> 8) ^ table[((fingerprint ^ u64::from(byte)) & 0xff) as usize];
    }
    fingerprint
}

fn rabin_table() -> &'static [u64; 256] {
    static TABLE: std::sync::OnceLock<[u64; 256]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = [0u64; 256];
        for (i, slot) in table.iter_mut().enumerate() {
            let mut fingerprint = i as u64;
            for _ in 0..8 {
                let mask = (fingerprint & 1).wrapping_neg();
                fingerprint = (fingerprint >> 1) ^ (0xc15d_213a_a4d7_a795 & mask);
            }
            *slot = fingerprint;
        }
        table
    })
}
