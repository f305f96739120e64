//! Search by field: which schemas have a field (Avro record field) or property (JSON Schema) of a
//! given name, across every subject; answers "who sends `customer_id`?".

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::PoisonError;

use axum::extract::{RawQuery, State};
use axum::response::Response;
use maud::html;
use schemata_core::SchemaId;
use serde_json::Value;

use super::{enc, page, subject_url};
use crate::auth::Access;
use crate::routes::{App, Params};
use crate::state::RegistryState;

/// Most schema ids listed for one search; the page says when there were more.
const MAX_HITS: usize = 200;
/// Nesting bound of the walk (stored schemas parsed, so they are far shallower).
const MAX_DEPTH: usize = 128;

/// Every field (Avro record field) and property (JSON Schema) name in a schema's JSON, each with
/// its pointer, in document order.
fn fields(value: &Value, pointer: &mut String, depth: usize, out: &mut Vec<(String, String)>) {
    if depth > MAX_DEPTH {
        return;
    }
    let escape = |token: &str| token.replace('~', "~0").replace('/', "~1");
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(list)) = map.get("fields") {
                for (index, f) in list.iter().enumerate() {
                    if let Some(name) = f.get("name").and_then(Value::as_str) {
                        out.push((name.to_owned(), format!("{pointer}/fields/{index}")));
                    }
                }
            }
            if let Some(Value::Object(properties)) = map.get("properties") {
                for name in properties.keys() {
                    out.push((name.clone(), format!("{pointer}/properties/{}", escape(name))));
                }
            }
            for (key, child) in map {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&escape(key));
                fields(child, pointer, depth + 1, out);
                pointer.truncate(len);
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push_str(&format!("/{index}"));
                fields(child, pointer, depth + 1, out);
                pointer.truncate(len);
            }
        }
        _ => {}
    }
}

/// Field and property names of every stored schema, with their pointers. Stored schemas never
/// change, so the index is built on the first search and each later search only adds the
/// schemas stored since: a search reads the index, not every schema.
#[derive(Debug, Default)]
pub(crate) struct FieldIndex {
    indexed: HashSet<SchemaId>,
    by_name: HashMap<String, BTreeMap<SchemaId, Vec<String>>>,
}

impl FieldIndex {
    /// Adds the schemas of `state` not indexed yet.
    fn catch_up(&mut self, state: &RegistryState) {
        if self.indexed.len() == state.schemas.len()
            && state.schemas.keys().all(|id| self.indexed.contains(id))
        {
            return;
        }
        for (id, stored) in &state.schemas {
            if !self.indexed.insert(*id) {
                continue;
            }
            let Ok(value) = serde_json::from_str::<Value>(&stored.text()) else { continue };
            let mut found = Vec::new();
            fields(&value, &mut String::new(), 0, &mut found);
            for (name, pointer) in found {
                self.by_name.entry(name).or_default().entry(*id).or_default().push(pointer);
            }
        }
    }
}

pub(super) async fn handler(
    State(app): State<App>,
    access: Access,
    RawQuery(query): RawQuery,
) -> Response {
    let params = Params::parse(query.as_deref());
    let field = params.get("field").unwrap_or("").trim().to_owned();
    let mut hits: BTreeMap<SchemaId, Vec<String>> = BTreeMap::new();
    let mut more = false;
    let mut uses: BTreeMap<SchemaId, Vec<(String, u32)>> = BTreeMap::new();
    if !field.is_empty() {
        let state = app.shared.read();
        // With authorization on, only ids some readable subject holds are searched.
        let readable: Option<BTreeSet<SchemaId>> = access.is_restricted().then(|| {
            let subjects = state.subjects.iter().filter(|(name, _)| access.can_read(name));
            subjects.flat_map(|(_, s)| s.versions.values().map(|row| row.id)).collect()
        });
        let mut index = app.shared.field_index.lock().unwrap_or_else(PoisonError::into_inner);
        index.catch_up(&state);
        let found = index.by_name.get(&field).into_iter().flatten();
        // Ids a hard delete removed since they were indexed are not shown.
        let shown = found.filter(|(id, _)| {
            state.schemas.contains_key(id)
                && readable.as_ref().is_none_or(|readable| readable.contains(id))
        });
        for (id, pointers) in shown {
            if hits.len() == MAX_HITS {
                more = true;
                break;
            }
            hits.insert(*id, pointers.clone());
        }
        drop(index);
        let wanted: BTreeSet<SchemaId> = hits.keys().copied().collect();
        for (name, s) in &state.subjects {
            if !access.can_read(name) {
                continue;
            }
            for (version, row) in s.live() {
                if wanted.contains(&row.id) {
                    uses.entry(row.id).or_default().push((name.clone(), version.0));
                }
            }
        }
    }
    page(
        "Search fields",
        html! {
            h1 { "Search by field name" }
            form.filters action="/ui/search" method="get" role="search" {
                label for="field" { "Field or property name" input #field type="search" name="field" value=(field) required; }
                button type="submit" { "Search" }
            }
            @if !field.is_empty() {
                p #count aria-live="polite" { (hits.len()) @if more { "+" } " schemas have a field named " code { (field) } }
                @if !hits.is_empty() {
                    table #hits {
                        thead { tr { th scope="col" { "Schema id" } th scope="col" { "Where" } th scope="col" { "Used by (live versions)" } } }
                        tbody { @for (id, pointers) in &hits {
                            tr {
                                td { a href=(format!("/ui/ids/{id}")) { (id) } }
                                td { @for p in pointers { code { (p) } " " } }
                                td { @for (subject, version) in uses.get(id).map(Vec::as_slice).unwrap_or_default() {
                                    a href=(format!("{}?version={version}", subject_url(subject))) { (subject) " v" (version) } " "
                                } }
                            }
                        } }
                    }
                }
                @if more { p { "Only the first " (MAX_HITS) " schemas are listed; " a href=(format!("/ui/search?field={}", enc(&field))) { "refine the name" } "." } }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(schema: &str, field: &str, expected: &[&str]) {
        let value: Value = serde_json::from_str(schema).unwrap();
        let mut out = Vec::new();
        fields(&value, &mut String::new(), 0, &mut out);
        let found: Vec<&str> =
            out.iter().filter(|(name, _)| name == field).map(|(_, p)| p.as_str()).collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn finds_avro_fields_and_json_properties_at_any_depth() {
        let avro = r#"{"type":"record","name":"o","fields":[{"name":"id","type":"long"},{"name":"c","type":{"type":"record","name":"c","fields":[{"name":"id","type":"string"}]}}]}"#;
        check(avro, "id", &["/fields/0", "/fields/1/type/fields/0"]);
        check(avro, "nope", &[]);
        let json = r#"{"type":"object","properties":{"a/b":{"type":"object","properties":{"x":{}}},"x":{}}}"#;
        check(json, "x", &["/properties/x", "/properties/a~1b/properties/x"]);
        check(json, "a/b", &["/properties/a~1b"]);
    }
}
