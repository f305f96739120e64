//! The parsed form of a JSON Schema and its referenced schemas: drafts, `$id`/anchor indexes,
//! `$ref` resolution, and `Node`, the view of one subschema with its references followed.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::budget::Budget;

/// The JSON Schema drafts we parse. `$schema` decides; a schema without one is draft 7, as in
/// Confluent's registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Draft {
    Draft4,
    Draft6,
    Draft7,
    Draft201909,
    Draft202012,
}

impl Draft {
    pub fn as_str(self) -> &'static str {
        match self {
            Draft::Draft4 => "draft-04",
            Draft::Draft6 => "draft-06",
            Draft::Draft7 => "draft-07",
            Draft::Draft201909 => "2019-09",
            Draft::Draft202012 => "2020-12",
        }
    }

    /// The draft a `$schema` URI names, with or without `http`/`https` and a trailing `#`.
    pub fn from_uri(uri: &str) -> Option<Draft> {
        let trimmed = uri.trim_end_matches('#');
        let rest = trimmed
            .strip_prefix("https://json-schema.org/")
            .or_else(|| trimmed.strip_prefix("http://json-schema.org/"))?;
        match rest {
            "draft-04/schema" => Some(Draft::Draft4),
            "draft-06/schema" => Some(Draft::Draft6),
            "draft-07/schema" => Some(Draft::Draft7),
            "draft/2019-09/schema" => Some(Draft::Draft201909),
            "draft/2020-12/schema" => Some(Draft::Draft202012),
            _ => None,
        }
    }

    pub(crate) fn to_jsonschema(self) -> jsonschema::Draft {
        match self {
            Draft::Draft4 => jsonschema::Draft::Draft4,
            Draft::Draft6 => jsonschema::Draft::Draft6,
            Draft::Draft7 => jsonschema::Draft::Draft7,
            Draft::Draft201909 => jsonschema::Draft::Draft201909,
            Draft::Draft202012 => jsonschema::Draft::Draft202012,
        }
    }
}

/// Why the documents could not be indexed, located by a JSON pointer.
#[derive(Debug)]
pub(crate) struct ModelError {
    pub(crate) pointer: String,
    pub(crate) message: String,
}

/// Whether a keyword constrains instances; everything else (annotations, `$defs`, vendor
/// keywords) never changes which data is valid. A `match` rather than a list scan: it runs for
/// every key of every node the diff looks at.
pub(crate) fn is_assertion(keyword: &str) -> bool {
    matches!(
        keyword,
        "type"
            | "enum"
            | "const"
            | "multipleOf"
            | "maximum"
            | "exclusiveMaximum"
            | "minimum"
            | "exclusiveMinimum"
            | "maxLength"
            | "minLength"
            | "pattern"
            | "format"
            | "items"
            | "prefixItems"
            | "additionalItems"
            | "unevaluatedItems"
            | "maxItems"
            | "minItems"
            | "uniqueItems"
            | "contains"
            | "maxContains"
            | "minContains"
            | "properties"
            | "patternProperties"
            | "additionalProperties"
            | "unevaluatedProperties"
            | "required"
            | "maxProperties"
            | "minProperties"
            | "dependencies"
            | "dependentRequired"
            | "dependentSchemas"
            | "propertyNames"
            | "allOf"
            | "anyOf"
            | "oneOf"
            | "not"
            | "if"
            | "then"
            | "else"
    )
}

/// How many `$ref` hops one node may take before we stop following (a chain this long is either
/// a cycle of pure references or a schema nobody writes by hand).
const MAX_REF_HOPS: usize = 32;

#[derive(Debug)]
struct Document {
    /// The name the referencing schemas use; empty for the root.
    name: String,
    /// The document's own `$id` (`id` in draft 4), if absolute enough to be a base.
    base: Option<String>,
    value: Value,
    draft: Draft,
    /// `$anchor`, `$dynamicAnchor` and fragment-only `$id`s, to their JSON pointers.
    anchors: HashMap<String, String>,
    /// Embedded non-fragment `$id`s, to their JSON pointers.
    ids: HashMap<String, String>,
}

/// The root schema (index 0) and the referenced schemas, in the order the caller gave them.
#[derive(Debug)]
pub(crate) struct Documents {
    docs: Vec<Document>,
}

/// Where a reference points: a document and a JSON pointer in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    pub(crate) doc: usize,
    pub(crate) ptr: String,
}

impl Documents {
    /// Indexes the documents and checks that every `$ref` resolves, spending a step per
    /// document searched; a spent budget stops the checks (the caller reports it).
    pub(crate) fn new(
        root: Value,
        referenced: Vec<(String, Value)>,
        budget: &mut Budget,
    ) -> Result<Documents, ModelError> {
        let mut docs = Vec::with_capacity(referenced.len() + 1);
        docs.push(Document::new(String::new(), root)?);
        for (name, value) in referenced {
            let doc = Document::new(name.clone(), value).map_err(|e| ModelError {
                pointer: e.pointer,
                message: format!("in referenced schema '{name}': {}", e.message),
            })?;
            docs.push(doc);
        }
        let documents = Documents { docs };
        documents.check_refs(budget)?;
        Ok(documents)
    }

    pub(crate) fn root_value(&self) -> &Value {
        // `new` always pushes the root first.
        self.docs.first().map_or(&Value::Bool(true), |d| &d.value)
    }

    pub(crate) fn root_draft(&self) -> Draft {
        self.docs.first().map_or(Draft::Draft7, |d| d.draft)
    }

    pub(crate) fn root_base_uri(&self) -> Option<&str> {
        self.docs.first().and_then(|d| d.base.as_deref())
    }

    pub(crate) fn draft_of(&self, doc: usize) -> Draft {
        self.docs.get(doc).map_or(Draft::Draft7, |d| d.draft)
    }

    /// The referenced documents as (URI, value, draft) for the validator's registry. A relative
    /// name is also registered against the root's `$id`, where a relative `$ref` lands.
    pub(crate) fn resources(&self) -> Vec<(String, &Value, Draft)> {
        let mut out = Vec::new();
        for doc in self.docs.iter().skip(1) {
            out.push((doc.name.clone(), &doc.value, doc.draft));
            if let Some(base) = self.root_base_uri()
                && !has_scheme(&doc.name)
            {
                let joined = join_uri(base, &doc.name);
                if joined != doc.name {
                    out.push((joined, &doc.value, doc.draft));
                }
            }
        }
        out
    }

    /// Resolves `reference`, written in document `doc`, to a target whose value exists.
    pub(crate) fn resolve(&self, doc: usize, reference: &str) -> Option<Target> {
        let (base, fragment) = match reference.split_once('#') {
            Some((base, fragment)) => (base, fragment),
            None => (reference, ""),
        };
        let (target_doc, base_ptr) =
            if base.is_empty() { (doc, String::new()) } else { self.find_base(doc, base)? };
        let document = self.docs.get(target_doc)?;
        let ptr = if fragment.is_empty() {
            base_ptr
        } else if fragment.starts_with('/') {
            format!("{base_ptr}{}", percent_decode(fragment))
        } else {
            document.anchors.get(&percent_decode(fragment)).cloned()?
        };
        document.value.pointer(&ptr)?;
        Some(Target { doc: target_doc, ptr })
    }

    fn find_base(&self, doc: usize, base: &str) -> Option<(usize, String)> {
        let mut candidates = vec![base.to_owned()];
        if let Some(current) = self.docs.get(doc).and_then(|d| d.base.as_deref()) {
            candidates.push(join_uri(current, base));
        }
        if let Some(root) = self.root_base_uri() {
            candidates.push(join_uri(root, base));
        }
        for candidate in &candidates {
            let candidate = candidate.trim_end_matches('#');
            for (index, document) in self.docs.iter().enumerate() {
                let name_matches = index > 0 && document.name.trim_end_matches('#') == candidate;
                let base_matches = document.base.as_deref() == Some(candidate);
                if name_matches || base_matches {
                    return Some((index, String::new()));
                }
                if let Some(ptr) = document.ids.get(candidate) {
                    return Some((index, ptr.clone()));
                }
            }
        }
        // Registries are often given the bare file name while the schema writes the full URL (or
        // the reverse); the last path segment is what both spellings share.
        let file = last_segment(base);
        self.docs
            .iter()
            .enumerate()
            .skip(1)
            .find(|(_, document)| last_segment(&document.name) == file)
            .map(|(index, _)| (index, String::new()))
    }

    /// The view of the schema at `value`, found at (`doc`, `ptr`), with references followed.
    pub(crate) fn node<'a>(&'a self, value: &'a Value, doc: usize, ptr: String) -> Node<'a> {
        let map = match value {
            Value::Object(map) => map,
            Value::Bool(b) => return Node::boolean(*b, format!("{doc}:{ptr}")),
            // Not a schema; the meta-schema check refuses these, so treat as accept-everything.
            _ => return Node::boolean(true, format!("{doc}:{ptr}")),
        };
        let draft = self.draft_of(doc);
        let mut parts = vec![Part { map, doc, ptr }];
        let mut seen: Vec<(usize, String)> = Vec::new();
        for _ in 0..MAX_REF_HOPS {
            let Some(last) = parts.last() else { break };
            let Some(reference) = reference_of(last.map) else { break };
            let Some(target) = self.resolve(last.doc, &reference) else { break };
            if seen.contains(&(target.doc, target.ptr.clone())) {
                break;
            }
            seen.push((target.doc, target.ptr.clone()));
            let Some(value) = self.docs.get(target.doc).and_then(|d| d.value.pointer(&target.ptr))
            else {
                break;
            };
            match value {
                Value::Object(target_map) => {
                    let part = Part { map: target_map, doc: target.doc, ptr: target.ptr };
                    // Before 2019-09 a `$ref` replaces its siblings; from 2019-09 on they apply
                    // together, which the merged view approximates.
                    if self.draft_of(last.doc) <= Draft::Draft7 {
                        parts.clear();
                    }
                    parts.push(part);
                }
                Value::Bool(false) => {
                    return Node::boolean(false, format!("{}:{}", target.doc, target.ptr));
                }
                _ => break,
            }
        }
        // The identity is made of the parts that constrain something: a `$ref` with only
        // annotations next to it is the schema it points to, wherever it is written, so a
        // recursive schema reached from many places is compared once.
        let constraining: Vec<&Part<'_>> =
            parts.iter().filter(|p| p.map.keys().any(|k| is_assertion(k))).collect();
        let key_parts: Vec<&Part<'_>> =
            if constraining.is_empty() { parts.last().into_iter().collect() } else { constraining };
        let key = match key_parts.as_slice() {
            [single] => format!("{}:{}", single.doc, single.ptr),
            several => {
                several.iter().map(|p| format!("{}:{}", p.doc, p.ptr)).collect::<Vec<_>>().join("|")
            }
        };
        Node { kind: NodeKind::Object(parts), draft, key }
    }

    /// The root of the root document.
    pub(crate) fn root_node(&self) -> Node<'_> {
        self.node(self.root_value(), 0, String::new())
    }

    /// Checks that every `$ref` in every document resolves.
    fn check_refs(&self, budget: &mut Budget) -> Result<(), ModelError> {
        // Resolving searches every document for a base URI: many references times many
        // documents is the quadratic part of parsing.
        let per_ref = 1 + self.docs.len() as u64;
        for (index, document) in self.docs.iter().enumerate() {
            let mut refs = Vec::new();
            collect_refs(&document.value, &mut String::new(), &mut refs, 0);
            for (ptr, reference) in refs {
                if !budget.spend(per_ref) {
                    return Ok(());
                }
                if self.resolve(index, &reference).is_none() {
                    let message = if index == 0 {
                        format!("$ref '{reference}' does not resolve")
                    } else {
                        format!(
                            "$ref '{reference}' in referenced schema '{}' does not resolve",
                            document.name
                        )
                    };
                    return Err(ModelError { pointer: format!("{ptr}/$ref"), message });
                }
            }
        }
        Ok(())
    }
}

impl Document {
    fn new(name: String, value: Value) -> Result<Document, ModelError> {
        let draft = match &value {
            Value::Object(map) => match map.get("$schema") {
                None => Draft::Draft7,
                Some(Value::String(uri)) => Draft::from_uri(uri).ok_or_else(|| ModelError {
                    pointer: "/$schema".to_owned(),
                    message: format!("unsupported $schema '{uri}'"),
                })?,
                Some(_) => {
                    return Err(ModelError {
                        pointer: "/$schema".to_owned(),
                        message: "$schema must be a string".to_owned(),
                    });
                }
            },
            Value::Bool(_) => Draft::Draft7,
            _ => {
                return Err(ModelError {
                    pointer: String::new(),
                    message: "a schema must be a JSON object or a boolean".to_owned(),
                });
            }
        };
        let id_keyword = if draft == Draft::Draft4 { "id" } else { "$id" };
        let base = value
            .get(id_keyword)
            .and_then(Value::as_str)
            .filter(|id| !id.starts_with('#'))
            .map(|id| id.trim_end_matches('#').to_owned());
        let mut anchors = HashMap::new();
        let mut ids = HashMap::new();
        index_ids(&value, id_keyword, &mut String::new(), &mut anchors, &mut ids, 0);
        Ok(Document { name, base, value, draft, anchors, ids })
    }
}

/// How deep the index and reference walks descend; serde_json refuses deeper input anyway.
const MAX_WALK_DEPTH: usize = 256;

/// Keywords whose values are data, not schemas: nothing inside them is a `$ref` or an `$id`.
fn is_data_keyword(key: &str) -> bool {
    matches!(key, "enum" | "const" | "default" | "examples")
}

fn index_ids(
    value: &Value,
    id_keyword: &str,
    ptr: &mut String,
    anchors: &mut HashMap<String, String>,
    ids: &mut HashMap<String, String>,
    depth: usize,
) {
    if depth > MAX_WALK_DEPTH {
        return;
    }
    match value {
        Value::Object(map) => {
            if let Some(id) = map.get(id_keyword).and_then(Value::as_str) {
                if let Some(anchor) = id.strip_prefix('#') {
                    anchors.entry(anchor.to_owned()).or_insert_with(|| ptr.clone());
                } else if !ptr.is_empty() {
                    ids.entry(id.trim_end_matches('#').to_owned()).or_insert_with(|| ptr.clone());
                }
            }
            for keyword in ["$anchor", "$dynamicAnchor", "$recursiveAnchor"] {
                if let Some(anchor) = map.get(keyword).and_then(Value::as_str) {
                    anchors.entry(anchor.to_owned()).or_insert_with(|| ptr.clone());
                }
            }
            for (key, child) in map {
                if is_data_keyword(key) {
                    continue;
                }
                let len = ptr.len();
                push_segment(ptr, key);
                index_ids(child, id_keyword, ptr, anchors, ids, depth + 1);
                ptr.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let len = ptr.len();
                push_segment(ptr, &i.to_string());
                index_ids(child, id_keyword, ptr, anchors, ids, depth + 1);
                ptr.truncate(len);
            }
        }
        _ => {}
    }
}

fn collect_refs(value: &Value, ptr: &mut String, out: &mut Vec<(String, String)>, depth: usize) {
    if depth > MAX_WALK_DEPTH {
        return;
    }
    match value {
        Value::Object(map) => {
            if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
                out.push((ptr.clone(), reference.to_owned()));
            }
            for (key, child) in map {
                if is_data_keyword(key) {
                    continue;
                }
                let len = ptr.len();
                push_segment(ptr, key);
                collect_refs(child, ptr, out, depth + 1);
                ptr.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let len = ptr.len();
                push_segment(ptr, &i.to_string());
                collect_refs(child, ptr, out, depth + 1);
                ptr.truncate(len);
            }
        }
        _ => {}
    }
}

/// The reference a schema object delegates to: `$ref`, or the 2019-09/2020-12 dynamic forms,
/// which we resolve statically (to the anchor or the document root), as a registry must.
fn reference_of(map: &Map<String, Value>) -> Option<String> {
    if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
        return Some(reference.to_owned());
    }
    if let Some(reference) = map.get("$recursiveRef").and_then(Value::as_str) {
        return Some(reference.to_owned());
    }
    map.get("$dynamicRef").and_then(Value::as_str).map(str::to_owned)
}

/// Appends one escaped JSON pointer segment.
pub(crate) fn push_segment(ptr: &mut String, segment: &str) {
    ptr.push('/');
    for c in segment.chars() {
        match c {
            '~' => ptr.push_str("~0"),
            '/' => ptr.push_str("~1"),
            c => ptr.push(c),
        }
    }
}

fn has_scheme(uri: &str) -> bool {
    uri.split_once(':').is_some_and(|(scheme, _)| {
        !scheme.is_empty() && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    })
}

/// A small RFC 3986 join, enough for the `$id`/`$ref` pairs schemas use: absolute references
/// stay, root-relative ones keep the authority, others replace the last path segment.
fn join_uri(base: &str, reference: &str) -> String {
    if has_scheme(reference) {
        return reference.to_owned();
    }
    let base = base.split('#').next().unwrap_or(base);
    if let Some(path) = reference.strip_prefix('/') {
        if let Some((scheme, rest)) = base.split_once("://") {
            let authority = rest.split('/').next().unwrap_or(rest);
            return format!("{scheme}://{authority}/{path}");
        }
        return reference.to_owned();
    }
    let reference = reference.strip_prefix("./").unwrap_or(reference);
    match base.rfind('/') {
        Some(slash) => format!("{}{reference}", base.get(..=slash).unwrap_or(base)),
        None => reference.to_owned(),
    }
}

fn last_segment(uri: &str) -> &str {
    let uri = uri.split('#').next().unwrap_or(uri);
    uri.rsplit('/').next().unwrap_or(uri)
}

fn percent_decode(text: &str) -> String {
    if !text.contains('%') {
        return text.to_owned();
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let decoded = match (bytes.get(i), bytes.get(i + 1), bytes.get(i + 2)) {
            (Some(b'%'), Some(&h), Some(&l)) => hex(h).zip(hex(l)).map(|(h, l)| h * 16 + l),
            _ => None,
        };
        match decoded {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.extend(bytes.get(i).copied());
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

/// One schema object contributing to a node: the object, and where it lives.
#[derive(Debug, Clone)]
pub(crate) struct Part<'a> {
    pub(crate) map: &'a Map<String, Value>,
    pub(crate) doc: usize,
    pub(crate) ptr: String,
}

#[derive(Debug, Clone)]
pub(crate) enum NodeKind<'a> {
    Bool(bool),
    /// The schema object followed by what its references point to; keywords are looked up in
    /// order, so the referencing object's own keywords win.
    Object(Vec<Part<'a>>),
}

/// A subschema as the diff sees it.
#[derive(Debug, Clone)]
pub(crate) struct Node<'a> {
    pub(crate) kind: NodeKind<'a>,
    pub(crate) draft: Draft,
    /// Identity of the locations this node was read from, for memoizing comparisons.
    pub(crate) key: String,
}

/// A keyword's value in a node, and where it lives.
#[derive(Debug, Clone)]
pub(crate) struct Child<'a> {
    pub(crate) value: &'a Value,
    pub(crate) doc: usize,
    pub(crate) ptr: String,
}

impl<'a> Node<'a> {
    pub(crate) fn boolean(value: bool, key: String) -> Node<'a> {
        Node { kind: NodeKind::Bool(value), draft: Draft::Draft7, key }
    }

    /// The schema that accepts everything, standing in for an absent subschema.
    pub(crate) fn accept_all() -> Node<'a> {
        Node::boolean(true, "true".to_owned())
    }

    pub(crate) fn is_false(&self) -> bool {
        matches!(self.kind, NodeKind::Bool(false))
    }

    /// A keyword's value, without building its location (the diff asks this for every keyword
    /// of every node, mostly to learn that it is absent).
    pub(crate) fn get(&self, keyword: &str) -> Option<&'a Value> {
        let NodeKind::Object(parts) = &self.kind else { return None };
        parts.iter().find_map(|part| part.map.get(keyword))
    }

    pub(crate) fn child(&self, keyword: &str) -> Option<Child<'a>> {
        let NodeKind::Object(parts) = &self.kind else { return None };
        parts.iter().find_map(|part| {
            part.map.get(keyword).map(|value| {
                let mut ptr = part.ptr.clone();
                push_segment(&mut ptr, keyword);
                Child { value, doc: part.doc, ptr }
            })
        })
    }

    /// Whether any part has a keyword (including ones this engine does not interpret).
    pub(crate) fn keywords(&self) -> impl Iterator<Item = &'a String> + '_ {
        let parts: &[Part<'a>] = match &self.kind {
            NodeKind::Object(parts) => parts,
            NodeKind::Bool(_) => &[],
        };
        parts.iter().flat_map(|p| p.map.keys())
    }
}

impl<'a> Child<'a> {
    /// The element `index` of an array-valued keyword.
    pub(crate) fn index(&self, index: usize) -> Option<Child<'a>> {
        let value = self.value.as_array()?.get(index)?;
        let mut ptr = self.ptr.clone();
        push_segment(&mut ptr, &index.to_string());
        Some(Child { value, doc: self.doc, ptr })
    }

    /// The member `key` of an object-valued keyword.
    pub(crate) fn member(&self, key: &str) -> Option<Child<'a>> {
        let value = self.value.as_object()?.get(key)?;
        let mut ptr = self.ptr.clone();
        push_segment(&mut ptr, key);
        Some(Child { value, doc: self.doc, ptr })
    }
}
