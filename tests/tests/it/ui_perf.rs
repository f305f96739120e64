//! The UI stays fast on a big registry: with 10,000 subjects (20,000 versions) every page answers
//! within 100 ms (the field search once its index is built: the first search starts the build
//! in the background, later builds only add new schemas). And the field search answers while a
//! large index is being built, saying so, and catches up after it. The state is built by replaying `_schemas` records through the
//! storage path (as a restart does), not by 20,000 registrations, so the setup takes seconds. Each
//! page is asked a few times after a warm-up and the median is compared, so one slow answer on a
//! loaded machine does not decide.

use std::time::{Duration, Instant};

use schemata_core::records::{Record, RecordKey, RecordValue, SchemaValue};
use schemata_registry::storage::MemoryStorage;
use schemata_registry::{Config, Server, StorageKind};

use crate::harness::Http;

const SUBJECTS: usize = 10_000;
const BOUND: Duration = Duration::from_millis(100);
const SAMPLES: usize = 5;

fn schema(i: usize, version: u32) -> String {
    // Every 100th subject carries the field the search looks for.
    let extra = if i.is_multiple_of(100) {
        r#",{"name":"customer_id","type":"string","default":""}"#
    } else {
        ""
    };
    let added = if version == 2 {
        r#",{"name":"note","type":["null","string"],"default":null}"#
    } else {
        ""
    };
    format!(
        r#"{{"type":"record","name":"R{i}","namespace":"perf","fields":[{{"name":"id","type":"long"}}{extra}{added}]}}"#
    )
}

fn records() -> Vec<Record> {
    let mut out = Vec::with_capacity(2 * SUBJECTS);
    for i in 0..SUBJECTS {
        let subject = format!("subject-{i:05}-value");
        for version in 1..=2u32 {
            out.push(Record {
                key: RecordKey::schema(subject.as_str(), version),
                value: Some(RecordValue::Schema(SchemaValue {
                    subject: subject.clone(),
                    version,
                    id: (2 * i) as u32 + version,
                    schema_type: None,
                    references: Vec::new(),
                    metadata: None,
                    rule_set: None,
                    schema: schema(i, version),
                    deleted: false,
                })),
            });
        }
    }
    out
}

async fn median(http: &Http, method: &str, path: &str, body: Option<&str>) -> Duration {
    let send = || async {
        let started = Instant::now();
        let content_type = body.map(|_| "application/x-www-form-urlencoded");
        let reply =
            http.send(method, path, content_type, body.map(|b| b.as_bytes().to_vec())).await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.text);
        started.elapsed()
    };
    send().await;
    let mut times = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        times.push(send().await);
    }
    times.sort();
    times[SAMPLES / 2]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_answers_within_100_ms_with_10_000_subjects() {
    let config =
        Config { listen: "127.0.0.1:0".into(), storage: StorageKind::Memory, ..Config::default() };
    let replay = Box::new(records().into_iter());
    let server = Server::start_with_storage(config, Box::new(MemoryStorage::new()), replay)
        .await
        .expect("registry starts");
    let http = Http::new(format!("http://{}", server.addr()));
    // A lookup waits for the dedup index (built in the background at start, parsing every
    // schema), so the measurements below do not compete with it.
    let lookup = http
        .post("/subjects/subject-00001-value", serde_json::json!({"schema": schema(1, 1)}))
        .await;
    assert_eq!(lookup.status, 200, "{}", lookup.text);
    let subjects = http.get("/subjects").await;
    assert_eq!(subjects.body.as_array().map(Vec::len), Some(SUBJECTS));
    let tested = format!("schema={}&level=BACKWARD&action=check", form_value(&schema(4242, 1)));
    // The field index is built in the background; measured once it is complete.
    let built = search_until_built(&http, "/ui/search?field=customer_id").await;
    assert!(built.contains("200 schemas have a field named"), "{}", &built[..500.min(built.len())]);
    let pages: Vec<(&str, String, Option<&str>)> = vec![
        ("GET", "/ui".into(), None),
        ("GET", "/ui?q=-0424".into(), None),
        ("GET", "/ui?type=JSON&deleted=true".into(), None),
        ("GET", "/ui?page=150".into(), None),
        ("GET", "/ui/subjects/subject-04242-value".into(), None),
        ("GET", "/ui/subjects/subject-04242-value/diff?a=1&b=2".into(), None),
        ("GET", "/ui/subjects/subject-04242-value/test".into(), None),
        ("POST", "/ui/subjects/subject-04242-value/test".into(), Some(tested.as_str())),
        ("GET", "/ui/subjects/subject-04242-value/delete".into(), None),
        ("GET", "/ui/ids/8485".into(), None),
        ("GET", "/ui/diff?left=8485&right=8486".into(), None),
        ("GET", "/ui/diff?left=8486&right=1".into(), None),
        ("GET", "/ui/search?field=customer_id".into(), None),
    ];
    let mut report = Vec::new();
    let mut slow = Vec::new();
    for (method, path, body) in &pages {
        let took = median(&http, method, path, *body).await;
        report.push(format!("{method} {path}: {took:?}"));
        if took > BOUND {
            slow.push(format!("{method} {path}: {took:?}"));
        }
    }
    assert!(
        slow.is_empty(),
        "pages over {BOUND:?} (median of {SAMPLES}): {slow:?}\nall: {report:#?}"
    );
    // The search found the 100 schemas (one subject in a hundred, both versions) that have it.
    let search = http.get("/ui/search?field=customer_id").await;
    assert!(
        search.text.contains("200 schemas have a field named"),
        "{}",
        &search.text[..500.min(search.text.len())]
    );
    server.stop().await.expect("stops");
}

/// Searches until the page no longer says the index is being built (bounded); its text.
async fn search_until_built(http: &Http, path: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let reply = http.get(path).await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.text);
        if !reply.text.contains(r#"id="index-status""#) {
            return reply.text;
        }
        assert!(Instant::now() < deadline, "the field index was not built within 2 minutes");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A bigger schema for the build test: `WIDE_FIELDS` fields, one of them `customer_id` in every
/// 250th schema.
fn wide_schema(i: usize) -> String {
    let mut fields: Vec<String> = (0..WIDE_FIELDS)
        .map(|f| format!(r#"{{"name":"f{f}","type":"long","doc":"field {f} of {i}"}}"#))
        .collect();
    if i.is_multiple_of(250) {
        fields.push(r#"{"name":"customer_id","type":"string","default":""}"#.to_owned());
    }
    format!(
        r#"{{"type":"record","name":"W{i}","namespace":"wide","fields":[{}]}}"#,
        fields.join(",")
    )
}

/// 30,000 of these took 11 s to index in a debug build on a 2-core machine (the first search
/// answered after 0.26 s): a fifth as many still outlast the 200 ms a search waits many times
/// over, and leave the cores to the tests running beside it.
const WIDE_SCHEMAS: usize = 6_000;
const WIDE_FIELDS: usize = 12;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_field_search_answers_while_its_index_is_built() {
    let records = (0..WIDE_SCHEMAS).map(|i| {
        let subject = format!("wide-{i:05}");
        Record {
            key: RecordKey::schema(subject.as_str(), 1),
            value: Some(RecordValue::Schema(SchemaValue {
                subject,
                version: 1,
                id: i as u32 + 1,
                schema_type: None,
                references: Vec::new(),
                metadata: None,
                rule_set: None,
                schema: wide_schema(i),
                deleted: false,
            })),
        }
    });
    let config =
        Config { listen: "127.0.0.1:0".into(), storage: StorageKind::Memory, ..Config::default() };
    let replay = Box::new(records.collect::<Vec<_>>().into_iter());
    let server = Server::start_with_storage(config, Box::new(MemoryStorage::new()), replay)
        .await
        .expect("registry starts");
    let http = Http::new(format!("http://{}", server.addr()));
    let path = "/ui/search?field=customer_id";
    // The first search starts the build and answers without waiting for it to end.
    let started = Instant::now();
    let first = http.get(path).await;
    let first_took = started.elapsed();
    assert_eq!(first.status, 200, "{}", first.text);
    assert!(
        first.text.contains("Results appear when the first build is complete."),
        "the first search answered after {first_took:?} without saying the index is being built"
    );
    assert!(first_took < Duration::from_secs(2), "the first search took {first_took:?}");
    // Searches and other pages keep answering while it is built.
    let again = http.get(path).await;
    assert_eq!(again.status, 200);
    assert_eq!(http.get("/ui/subjects/wide-00042").await.status, 200);
    // It catches up: every schema with the field, 1 in 250.
    let built = search_until_built(&http, path).await;
    let expected = WIDE_SCHEMAS.div_ceil(250);
    assert!(
        built.contains(&format!("{expected} schemas have a field named")),
        "{}",
        &built[..600.min(built.len())]
    );
    server.stop().await.expect("stops");
}

fn form_value(raw: &str) -> String {
    raw.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
