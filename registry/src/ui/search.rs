//! Search by field: which schemas have a field (Avro record field, Protobuf message field) or
//! property (JSON Schema) of a given name, across every subject; answers "who sends
//! `customer_id`?".

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use axum::extract::{RawQuery, State};
use axum::response::Response;
use maud::html;
use schemata_core::{Guid, Schema, SchemaType};
use serde_json::Value;
use tokio::sync::Notify;

use super::{enc, id_url, page, subject_url};
use crate::auth::Access;
use crate::routes::{App, Params};
use crate::shared::Shared;
use crate::state::{RegistryState, Sid};

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

/// How long a search waits for a catch-up it started before answering from the last complete
/// index: long enough that a search right after a registration finds it, short enough that a
/// big build never holds a request.
const WAIT_FOR_BUILD: Duration = Duration::from_millis(200);
/// Rounds one build runs at most while writes keep changing the state; the next search starts
/// another.
const MAX_ROUNDS: usize = 4;

/// Which state an index covers: its schema count and highest id. Ids only grow and a hard
/// delete lowers the count, so a new schema changes it; a rare combination that keeps both
/// (an import into an id below the highest right after a hard delete) is found by the next
/// build, which compares every id's GUID.
fn signature(state: &RegistryState) -> (usize, u64) {
    (state.schemas.len(), state.id_watermark())
}

/// Every field of every message of a Protobuf schema (nested ones included, map entries left
/// out), each with its path as core's Protobuf diff writes it: `#/Message/number`.
fn protobuf_fields(schema: &Schema, out: &mut Vec<(String, String)>) {
    let Some(proto) = schema.as_protobuf() else { return };
    let mut messages: Vec<_> = proto.file().messages().collect();
    while let Some(message) = messages.pop() {
        messages.extend(message.child_messages());
        if message.is_map_entry() {
            continue;
        }
        for field in message.fields() {
            let pointer = format!("#/{}/{}", message.full_name(), field.number());
            out.push((field.name().to_owned(), pointer));
        }
    }
}

/// One batch of indexed schemas: field name → (id, GUID when indexed, pointers).
#[derive(Debug, Default)]
struct Chunk {
    by_name: HashMap<String, Vec<(Sid, Guid, Vec<String>)>>,
    /// Entries in `by_name`, to decide merges.
    entries: usize,
}

/// A complete index, as searches see it: immutable, swapped whole.
#[derive(Debug, Default)]
struct Published {
    chunks: Vec<Arc<Chunk>>,
    /// The signature of the state it was built from; `None` before the first build ends.
    covers: Option<(usize, u64)>,
    /// Schemas indexed.
    indexed: usize,
}

/// The search's index of field and property names of every stored schema, with their
/// pointers. Built off the request path: a search that finds it behind the state starts a
/// build on the blocking pool (one at a time), waits for it at most `WAIT_FOR_BUILD`, and
/// otherwise answers from the last complete index and says so. A build only parses the schemas
/// stored (or changed, by GUID) since the last one and publishes them as a new chunk; searches
/// never wait for a lock the builder holds.
#[derive(Debug, Default)]
pub(crate) struct FieldIndex {
    published: RwLock<Arc<Published>>,
    /// The builder's bookkeeping (id → GUID indexed); only the one running build takes it.
    indexed: Mutex<HashMap<Sid, Guid>>,
    building: AtomicBool,
    /// Woken after each build ends.
    built: Notify,
}

impl FieldIndex {
    fn current(&self) -> Arc<Published> {
        Arc::clone(&self.published.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Starts a build on the blocking pool unless one is running.
    fn start(shared: &Arc<Shared>) {
        if shared.field_index.building.swap(true, Ordering::AcqRel) {
            return;
        }
        let shared = Arc::clone(shared);
        tokio::task::spawn_blocking(move || {
            let index = &shared.field_index;
            for _ in 0..MAX_ROUNDS {
                let state = shared.read();
                if index.current().covers == Some(signature(&state)) {
                    break;
                }
                index.catch_up(&state, &|id| shared.cache.parsed(&state, id).ok());
            }
            index.building.store(false, Ordering::Release);
            index.built.notify_waiters();
        });
    }

    /// Indexes the schemas of `state` not indexed yet (or changed since), forgets removed ones,
    /// and publishes the result. Avro and JSON Schema texts are walked as JSON; a Protobuf
    /// schema is compiled by `protobuf` (the parse cache, which resolves its imports) and its
    /// messages' fields are listed.
    fn catch_up(&self, state: &RegistryState, protobuf: &dyn Fn(Sid) -> Option<Arc<Schema>>) {
        let mut indexed = self.indexed.lock().unwrap_or_else(PoisonError::into_inner);
        indexed.retain(|id, _| state.schemas.contains_key(id));
        let mut chunk = Chunk::default();
        for (id, stored) in &state.schemas {
            if indexed.get(id) == Some(&stored.guid) {
                continue;
            }
            indexed.insert(*id, stored.guid);
            let mut found = Vec::new();
            if stored.schema_type == SchemaType::Protobuf {
                if let Some(schema) = protobuf(*id) {
                    protobuf_fields(&schema, &mut found);
                }
            } else if let Ok(value) = serde_json::from_str::<Value>(&stored.text()) {
                fields(&value, &mut String::new(), 0, &mut found);
            }
            let mut grouped: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for (name, pointer) in found {
                grouped.entry(name).or_default().push(pointer);
            }
            for (name, pointers) in grouped {
                chunk.by_name.entry(name).or_default().push((*id, stored.guid, pointers));
                chunk.entries += 1;
            }
        }
        let mut chunks = self.current().chunks.clone();
        if chunk.entries > 0 {
            chunks.push(Arc::new(chunk));
        }
        // Size-tiered: the newest chunk is merged into the one before while that one is not
        // more than twice as big, so there are O(log n) chunks for a search to look in and an
        // entry is copied O(log n) times, however small each build is.
        while let [.., older, newer] = chunks.as_slice() {
            if older.entries > 2 * newer.entries {
                break;
            }
            let merged = merge(&[Arc::clone(older), Arc::clone(newer)], &indexed);
            chunks.truncate(chunks.len() - 2);
            if merged.entries > 0 {
                chunks.push(Arc::new(merged));
            }
        }
        let published =
            Published { chunks, covers: Some(signature(state)), indexed: indexed.len() };
        *self.published.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(published);
    }
}

/// One chunk of every entry still current (its id indexed with the same GUID).
fn merge(chunks: &[Arc<Chunk>], indexed: &HashMap<Sid, Guid>) -> Chunk {
    let mut merged = Chunk::default();
    for chunk in chunks {
        for (name, entries) in &chunk.by_name {
            let current = entries.iter().filter(|(id, guid, _)| indexed.get(id) == Some(guid));
            let list = merged.by_name.entry(name.clone()).or_default();
            list.extend(current.cloned());
        }
    }
    merged.by_name.retain(|_, list| !list.is_empty());
    merged.entries = merged.by_name.values().map(Vec::len).sum();
    merged
}

/// The index as a search sees it: current, or the last complete one while a build runs.
async fn fresh_index(shared: &Arc<Shared>) -> (Arc<RegistryState>, Arc<Published>) {
    let index = &shared.field_index;
    let state = shared.read();
    let published = index.current();
    if published.covers == Some(signature(&state)) {
        return (state, published);
    }
    let built = index.built.notified();
    tokio::pin!(built);
    built.as_mut().enable();
    FieldIndex::start(shared);
    let _ = tokio::time::timeout(WAIT_FOR_BUILD, built).await;
    (shared.read(), index.current())
}

/// The schemas of `state` that have a field named `field`, by id, with their pointers (only
/// the `readable` ids when given). Entries of ids hard-deleted (or stored anew under the same
/// id) since they were indexed are left out: their GUID is not the stored one.
fn lookup<'a>(
    index: &'a Published,
    state: &RegistryState,
    field: &str,
    readable: Option<&BTreeSet<Sid>>,
) -> BTreeMap<Sid, &'a Vec<String>> {
    let mut found = BTreeMap::new();
    for chunk in &index.chunks {
        for (id, guid, pointers) in chunk.by_name.get(field).into_iter().flatten() {
            let current = state.schemas.get(id).is_some_and(|stored| stored.guid == *guid);
            if current && readable.is_none_or(|readable| readable.contains(id)) {
                found.insert(*id, pointers);
            }
        }
    }
    found
}

pub(super) async fn handler(
    State(app): State<App>,
    access: Access,
    RawQuery(query): RawQuery,
) -> Response {
    let params = Params::parse(query.as_deref());
    let field = params.get("field").unwrap_or("").trim().to_owned();
    let mut hits: BTreeMap<Sid, Vec<String>> = BTreeMap::new();
    let mut more = false;
    let mut uses: BTreeMap<Sid, Vec<(String, u32)>> = BTreeMap::new();
    // (schemas indexed, schemas stored, whether a first complete index exists) while behind.
    let mut behind = None;
    if !field.is_empty() {
        let (state, index) = fresh_index(&app.shared).await;
        if index.covers != Some(signature(&state)) {
            behind = Some((index.indexed, state.schemas.len(), index.covers.is_some()));
        }
        // With authorization on, only ids some readable subject holds are searched.
        let readable: Option<BTreeSet<Sid>> = access.is_restricted().then(|| {
            let subjects = state.subjects.iter().filter(|(name, _)| access.can_read(name));
            subjects.flat_map(|(_, s)| s.versions.values().map(|row| row.id)).collect()
        });
        let found = lookup(&index, &state, &field, readable.as_ref());
        more = found.len() > MAX_HITS;
        hits = found.into_iter().take(MAX_HITS).map(|(id, p)| (id, p.clone())).collect();
        for (name, s) in &state.subjects {
            if !access.can_read(name) {
                continue;
            }
            for (version, row) in s.live() {
                if hits.contains_key(&row.id) {
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
            @if let Some((indexed, stored, complete)) = behind {
                p.notice #index-status role="status" {
                    "The field index is being built (" (indexed) " of " (stored) " schemas indexed). "
                    @if complete { "These results come from the last complete index and may miss schemas stored since. " }
                    @else { "Results appear when the first build is complete. " }
                    a href=(format!("/ui/search?field={}", enc(&field))) { "Search again" }
                }
            }
            @if !field.is_empty() {
                p #count aria-live="polite" { (hits.len()) @if more { "+" } " schemas have a field named " code { (field) } }
                @if !hits.is_empty() {
                    table #hits {
                        thead { tr { th scope="col" { "Schema id" } th scope="col" { "Where" } th scope="col" { "Used by (live versions)" } } }
                        tbody { @for (id, pointers) in &hits {
                            tr {
                                td { a href=(id_url(*id)) { (id) } }
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
    use schemata_core::records::{Record, RecordKey, RecordValue, SchemaValue};

    use super::*;

    fn check(schema: &str, field: &str, expected: &[&str]) {
        let value: Value = serde_json::from_str(schema).unwrap();
        let mut out = Vec::new();
        fields(&value, &mut String::new(), 0, &mut out);
        let found: Vec<&str> =
            out.iter().filter(|(name, _)| name == field).map(|(_, p)| p.as_str()).collect();
        assert_eq!(found, expected);
    }

    fn schema_record(subject: &str, id: u32, fields: &[&str]) -> Record {
        let fields: Vec<String> =
            fields.iter().map(|f| format!(r#"{{"name":"{f}","type":"long"}}"#)).collect();
        let schema =
            format!(r#"{{"type":"record","name":"R{id}","fields":[{}]}}"#, fields.join(","));
        Record {
            key: RecordKey::schema(subject, 1),
            value: Some(RecordValue::Schema(SchemaValue {
                subject: subject.to_owned(),
                version: 1,
                id,
                schema_type: None,
                references: Vec::new(),
                metadata: None,
                rule_set: None,
                schema,
                deleted: false,
            })),
        }
    }

    /// The ids the index finds for `field` in `state`.
    fn ids(index: &FieldIndex, state: &RegistryState, field: &str) -> Vec<u32> {
        lookup(&index.current(), state, field, None).keys().map(|id| id.id.0).collect()
    }

    #[test]
    fn catches_up_with_new_changed_and_removed_schemas() {
        let index = FieldIndex::default();
        let mut state = RegistryState::default();
        state.apply(&schema_record("s1", 1, &["a", "x"]));
        state.apply(&schema_record("s2", 2, &["b"]));
        index.catch_up(&state, &|_| None);
        assert_eq!((ids(&index, &state, "a"), ids(&index, &state, "b")), (vec![1], vec![2]));
        assert_eq!(index.current().covers, Some(signature(&state)));
        // A new schema becomes a new chunk; the old ones are not parsed again.
        state.apply(&schema_record("s3", 3, &["a"]));
        assert_eq!(ids(&index, &state, "a"), vec![1], "the last complete index until a build");
        index.catch_up(&state, &|_| None);
        assert_eq!(ids(&index, &state, "a"), vec![1, 3]);
        let chunks = index.current().chunks.len();
        index.catch_up(&state, &|_| None);
        assert_eq!(index.current().chunks.len(), chunks, "nothing new, no new chunk");
        // A permanent delete removes id 1: it is not found, even before the next build.
        state.apply(&Record { key: RecordKey::schema("s1", 1), value: None });
        assert!(
            !state
                .schemas
                .contains_key(&crate::state::Sid::default_ctx(schemata_core::SchemaId(1)))
        );
        assert_eq!(ids(&index, &state, "a"), vec![3]);
        // The same id stored again with other fields: found by its new fields only.
        state.apply(&schema_record("s4", 1, &["c"]));
        index.catch_up(&state, &|_| None);
        assert_eq!((ids(&index, &state, "a"), ids(&index, &state, "c")), (vec![3], vec![1]));
        assert!(ids(&index, &state, "x").is_empty());
        // Many small builds are merged (O(log n) chunks), keeping exactly the current entries.
        for id in 10..74 {
            state.apply(&schema_record(&format!("m{id}"), id, &["m"]));
            index.catch_up(&state, &|_| None);
            let chunks = index.current().chunks.len();
            assert!(chunks <= 8, "{chunks} chunks after {} schemas", state.schemas.len());
        }
        assert_eq!(ids(&index, &state, "m"), (10..74).collect::<Vec<_>>());
        assert_eq!((ids(&index, &state, "a"), ids(&index, &state, "c")), (vec![3], vec![1]));
        assert_eq!(index.current().indexed, state.schemas.len());
    }

    #[test]
    fn lists_protobuf_fields_of_nested_messages_without_map_entries() {
        let text = r#"syntax = "proto3";
package shop;
message Order {
  int64 id = 1;
  message Line { string sku = 1; int32 customer_id = 2; }
  repeated Line lines = 2;
  map<string, string> labels = 3;
  oneof payer { string customer_id = 4; string company = 5; }
}
message Empty {}
"#;
        let schema = Schema::parse(SchemaType::Protobuf, text).expect("parses");
        let mut out = Vec::new();
        protobuf_fields(&schema, &mut out);
        out.sort();
        let expected = [
            ("company", "#/shop.Order/5"),
            ("customer_id", "#/shop.Order.Line/2"),
            ("customer_id", "#/shop.Order/4"),
            ("id", "#/shop.Order/1"),
            ("labels", "#/shop.Order/3"),
            ("lines", "#/shop.Order/2"),
            ("sku", "#/shop.Order.Line/1"),
        ];
        let expected: Vec<(String, String)> =
            expected.iter().map(|(n, p)| ((*n).to_owned(), (*p).to_owned())).collect();
        assert_eq!(out, expected);
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
