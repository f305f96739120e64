//! The registry's web UI over real HTTP: every page's HTML (the `<main>` part, one tag a line)
//! as an expect-test snapshot, the forms (check, register, settings, deletes) posted as a
//! browser posts them, the `ui` setting, and the REST API left as it was.

use expect_test::{Expect, expect};

use crate::harness::{Http, Reply, TestRegistry};

const V1: &str =
    r#"{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"long"}]}"#;
const V2: &str = r#"{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"long"},{"name":"customer_id","type":"string","default":""}]}"#;
const USER: &str = r#"{"type":"object","properties":{"customer_id":{"type":"string"},"age":{"type":"integer","maximum":150}}}"#;

/// A registry with an Avro subject of two versions, a JSON Schema subject and a soft-deleted one.
async fn fixture() -> TestRegistry {
    let registry = TestRegistry::start().await;
    registry.register_ok("orders-value", V1).await;
    registry.register_ok("orders-value", V2).await;
    let reply = registry
        .post(
            "/subjects/users-value/versions",
            serde_json::json!({"schema": USER, "schemaType": "JSON"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    registry.register_ok("gone-value", r#""string""#).await;
    assert_eq!(registry.delete("/subjects/gone-value").await.status, 200);
    registry
}

/// The page's main landmark, one tag a line, for snapshots that show what changed.
fn main_of(reply: &Reply) -> String {
    let text = &reply.text;
    let start = text.find("<main").expect("a <main> element");
    let end = text.find("</main>").expect("</main>") + "</main>".len();
    text[start..end].replace("><", ">\n<")
}

async fn check(http: &Http, path: &str, expected: Expect) {
    let reply = http.get(path).await;
    assert_eq!(reply.status, 200, "{path}: {}", reply.text);
    assert_eq!(reply.content_type.as_deref(), Some("text/html; charset=utf-8"), "{path}");
    assert!(reply.text.starts_with("<!DOCTYPE html><html lang=\"en\">"), "{path}");
    expected.assert_eq(&main_of(&reply));
}

/// Form-encodes `fields` as a browser does.
fn form(fields: &[(&str, &str)]) -> Vec<u8> {
    let enc = |raw: &str| {
        raw.bytes()
            .map(|b| match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                    (b as char).to_string()
                }
                b' ' => "+".to_owned(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
        .into_bytes()
}

async fn post_form(http: &Http, path: &str, fields: &[(&str, &str)]) -> Reply {
    http.send("POST", path, Some("application/x-www-form-urlencoded"), Some(form(fields))).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subject_list_filters_and_pages() {
    let registry = fixture().await;
    check(
        &registry,
        "/ui",
        expect![[r#"
            <main id="main">
            <h1>Subjects</h1>
            <form class="filters" action="/ui" method="get" role="search" data-autosubmit>
            <label for="q">Name contains<input id="q" type="search" name="q" value="">
            </label>
            <label for="type">Type<select id="type" name="type">
            <option value="" selected>any</option>
            <option value="AVRO">AVRO</option>
            <option value="JSON">JSON</option>
            </select>
            </label>
            <label class="check" for="deleted">
            <input id="deleted" type="checkbox" name="deleted" value="true">Show soft-deleted</label>
            <button type="submit">Filter</button>
            </form>
            <p id="count" aria-live="polite">2 subjects</p>
            <table id="subjects">
            <caption class="skip">Subjects</caption>
            <thead>
            <tr>
            <th scope="col">Subject</th>
            <th scope="col">Type</th>
            <th scope="col">Latest version</th>
            <th scope="col">Id</th>
            <th scope="col">Versions</th>
            <th scope="col">Level</th>
            <th scope="col">Mode</th>
            </tr>
            </thead>
            <tbody>
            <tr>
            <td>
            <a href="/ui/subjects/orders-value">orders-value</a>
            </td>
            <td>AVRO</td>
            <td>2</td>
            <td>
            <a href="/ui/ids/2">2</a>
            </td>
            <td>2</td>
            <td>BACKWARD <span class="tag">inherited</span>
            </td>
            <td>READWRITE <span class="tag">inherited</span>
            </td>
            </tr>
            <tr>
            <td>
            <a href="/ui/subjects/users-value">users-value</a>
            </td>
            <td>JSON</td>
            <td>1</td>
            <td>
            <a href="/ui/ids/3">3</a>
            </td>
            <td>1</td>
            <td>BACKWARD <span class="tag">inherited</span>
            </td>
            <td>READWRITE <span class="tag">inherited</span>
            </td>
            </tr>
            </tbody>
            </table>
            <h2>Register a new schema</h2>
            <form class="inline" action="/ui/test" method="get">
            <label for="new-subject">Subject<input id="new-subject" name="subject" required>
            </label>
            <button type="submit">Open the tester</button>
            </form>
            </main>"#]],
    )
    .await;
    check(
        &registry,
        "/ui?q=ord",
        expect![[r#"
            <main id="main">
            <h1>Subjects</h1>
            <form class="filters" action="/ui" method="get" role="search" data-autosubmit>
            <label for="q">Name contains<input id="q" type="search" name="q" value="ord">
            </label>
            <label for="type">Type<select id="type" name="type">
            <option value="" selected>any</option>
            <option value="AVRO">AVRO</option>
            <option value="JSON">JSON</option>
            </select>
            </label>
            <label class="check" for="deleted">
            <input id="deleted" type="checkbox" name="deleted" value="true">Show soft-deleted</label>
            <button type="submit">Filter</button>
            </form>
            <p id="count" aria-live="polite">1 subjects</p>
            <table id="subjects">
            <caption class="skip">Subjects</caption>
            <thead>
            <tr>
            <th scope="col">Subject</th>
            <th scope="col">Type</th>
            <th scope="col">Latest version</th>
            <th scope="col">Id</th>
            <th scope="col">Versions</th>
            <th scope="col">Level</th>
            <th scope="col">Mode</th>
            </tr>
            </thead>
            <tbody>
            <tr>
            <td>
            <a href="/ui/subjects/orders-value">orders-value</a>
            </td>
            <td>AVRO</td>
            <td>2</td>
            <td>
            <a href="/ui/ids/2">2</a>
            </td>
            <td>2</td>
            <td>BACKWARD <span class="tag">inherited</span>
            </td>
            <td>READWRITE <span class="tag">inherited</span>
            </td>
            </tr>
            </tbody>
            </table>
            <h2>Register a new schema</h2>
            <form class="inline" action="/ui/test" method="get">
            <label for="new-subject">Subject<input id="new-subject" name="subject" required>
            </label>
            <button type="submit">Open the tester</button>
            </form>
            </main>"#]],
    )
    .await;
    check(
        &registry,
        "/ui?type=JSON",
        expect![[r#"
            <main id="main">
            <h1>Subjects</h1>
            <form class="filters" action="/ui" method="get" role="search" data-autosubmit>
            <label for="q">Name contains<input id="q" type="search" name="q" value="">
            </label>
            <label for="type">Type<select id="type" name="type">
            <option value="">any</option>
            <option value="AVRO">AVRO</option>
            <option value="JSON" selected>JSON</option>
            </select>
            </label>
            <label class="check" for="deleted">
            <input id="deleted" type="checkbox" name="deleted" value="true">Show soft-deleted</label>
            <button type="submit">Filter</button>
            </form>
            <p id="count" aria-live="polite">1 subjects</p>
            <table id="subjects">
            <caption class="skip">Subjects</caption>
            <thead>
            <tr>
            <th scope="col">Subject</th>
            <th scope="col">Type</th>
            <th scope="col">Latest version</th>
            <th scope="col">Id</th>
            <th scope="col">Versions</th>
            <th scope="col">Level</th>
            <th scope="col">Mode</th>
            </tr>
            </thead>
            <tbody>
            <tr>
            <td>
            <a href="/ui/subjects/users-value">users-value</a>
            </td>
            <td>JSON</td>
            <td>1</td>
            <td>
            <a href="/ui/ids/3">3</a>
            </td>
            <td>1</td>
            <td>BACKWARD <span class="tag">inherited</span>
            </td>
            <td>READWRITE <span class="tag">inherited</span>
            </td>
            </tr>
            </tbody>
            </table>
            <h2>Register a new schema</h2>
            <form class="inline" action="/ui/test" method="get">
            <label for="new-subject">Subject<input id="new-subject" name="subject" required>
            </label>
            <button type="submit">Open the tester</button>
            </form>
            </main>"#]],
    )
    .await;
    check(&registry, "/ui?deleted=true&q=gone", expect![[r#"
        <main id="main">
        <h1>Subjects</h1>
        <form class="filters" action="/ui" method="get" role="search" data-autosubmit>
        <label for="q">Name contains<input id="q" type="search" name="q" value="gone">
        </label>
        <label for="type">Type<select id="type" name="type">
        <option value="" selected>any</option>
        <option value="AVRO">AVRO</option>
        <option value="JSON">JSON</option>
        </select>
        </label>
        <label class="check" for="deleted">
        <input id="deleted" type="checkbox" name="deleted" value="true" checked>Show soft-deleted</label>
        <button type="submit">Filter</button>
        </form>
        <p id="count" aria-live="polite">1 subjects</p>
        <table id="subjects">
        <caption class="skip">Subjects</caption>
        <thead>
        <tr>
        <th scope="col">Subject</th>
        <th scope="col">Type</th>
        <th scope="col">Latest version</th>
        <th scope="col">Id</th>
        <th scope="col">Versions</th>
        <th scope="col">Level</th>
        <th scope="col">Mode</th>
        </tr>
        </thead>
        <tbody>
        <tr>
        <td>
        <a class="deleted" href="/ui/subjects/gone-value">gone-value</a> <span class="tag">soft-deleted</span>
        </td>
        <td>AVRO</td>
        <td>1</td>
        <td>
        <a href="/ui/ids/4">4</a>
        </td>
        <td>1</td>
        <td>BACKWARD <span class="tag">inherited</span>
        </td>
        <td>READWRITE <span class="tag">inherited</span>
        </td>
        </tr>
        </tbody>
        </table>
        <h2>Register a new schema</h2>
        <form class="inline" action="/ui/test" method="get">
        <label for="new-subject">Subject<input id="new-subject" name="subject" required>
        </label>
        <button type="submit">Open the tester</button>
        </form>
        </main>"#]]).await;
    // The root answers as before, and the assets are served from the binary.
    assert_eq!(registry.get("/").await.text, "{}");
    let css = registry.get("/ui/assets/ui.css").await;
    assert_eq!((css.status, css.content_type.as_deref()), (200, Some("text/css; charset=utf-8")));
    assert_eq!(registry.get("/ui/assets/ui.js").await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subject_list_paginates() {
    let registry = TestRegistry::start().await;
    for i in 0..55 {
        registry.register_ok(&format!("s{i:02}"), r#""string""#).await;
    }
    let first = registry.get("/ui").await;
    assert!(first.text.contains("55 subjects, page 1 of 2"), "{}", first.text);
    assert!(first.text.contains(r#"href="/ui/subjects/s49""#) && !first.text.contains("s50<"));
    let second = registry.get("/ui?page=2").await;
    assert!(second.text.contains(r#"href="/ui/subjects/s54""#) && !second.text.contains("s49<"));
    assert!(second.text.contains(r#"rel="prev" href="/ui?page=1""#));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subject_page_shows_versions_schema_references_and_settings() {
    let registry = fixture().await;
    check(&registry, "/ui/subjects/orders-value", expect![[r#"
        <main id="main">
        <h1>Subject <code>orders-value</code>
        </h1>
        <dl class="facts">
        <dt>Type</dt>
        <dd>AVRO</dd>
        <dt>Compatibility level</dt>
        <dd id="level">BACKWARD <span class="tag">inherited</span>
        </dd>
        <dt>Mode</dt>
        <dd id="mode">READWRITE <span class="tag">inherited</span>
        </dd>
        </dl>
        <p>
        <a href="/ui/subjects/orders-value/test">Test a schema against this subject</a>
        </p>
        <h2>Versions</h2>
        <table id="versions">
        <thead>
        <tr>
        <th scope="col">Version</th>
        <th scope="col">Id</th>
        <th scope="col">State</th>
        </tr>
        </thead>
        <tbody>
        <tr>
        <td>
        <a href="/ui/subjects/orders-value?version=2" aria-current="page">v2</a>
        </td>
        <td>
        <a href="/ui/ids/2">2</a>
        </td>
        <td>live</td>
        </tr>
        <tr>
        <td>
        <a href="/ui/subjects/orders-value?version=1">v1</a>
        </td>
        <td>
        <a href="/ui/ids/1">1</a>
        </td>
        <td>live</td>
        </tr>
        </tbody>
        </table>
        <form class="inline" action="/ui/subjects/orders-value/diff" method="get">
        <label for="diff-a">Old<select id="diff-a" name="a">
        <option value="2">v2</option>
        <option value="1" selected>v1</option>
        </select>
        </label>
        <label for="diff-b">New<select id="diff-b" name="b">
        <option value="2" selected>v2</option>
        <option value="1">v1</option>
        </select>
        </label>
        <button type="submit">Diff</button>
        </form>
        <h2 id="schema">Version 2 (id 2)</h2>
        <pre class="code" aria-label="Schema of version 2" tabindex="0">
        <code>
        <span class="line" id="L1">
        <span class="ln" aria-hidden="true">1</span>{</span>
        <span class="line" id="L2">
        <span class="ln" aria-hidden="true">2</span>  <span class="k">&quot;type&quot;</span>: <span class="s">&quot;record&quot;</span>,</span>
        <span class="line" id="L3">
        <span class="ln" aria-hidden="true">3</span>  <span class="k">&quot;name&quot;</span>: <span class="s">&quot;Order&quot;</span>,</span>
        <span class="line" id="L4">
        <span class="ln" aria-hidden="true">4</span>  <span class="k">&quot;namespace&quot;</span>: <span class="s">&quot;shop&quot;</span>,</span>
        <span class="line" id="L5">
        <span class="ln" aria-hidden="true">5</span>  <span class="k">&quot;fields&quot;</span>: [</span>
        <span class="line" id="L6">
        <span class="ln" aria-hidden="true">6</span>    {</span>
        <span class="line" id="L7">
        <span class="ln" aria-hidden="true">7</span>      <span class="k">&quot;name&quot;</span>: <span class="s">&quot;id&quot;</span>,</span>
        <span class="line" id="L8">
        <span class="ln" aria-hidden="true">8</span>      <span class="k">&quot;type&quot;</span>: <span class="s">&quot;long&quot;</span>
        </span>
        <span class="line" id="L9">
        <span class="ln" aria-hidden="true">9</span>    },</span>
        <span class="line" id="L10">
        <span class="ln" aria-hidden="true">10</span>    {</span>
        <span class="line" id="L11">
        <span class="ln" aria-hidden="true">11</span>      <span class="k">&quot;name&quot;</span>: <span class="s">&quot;customer_id&quot;</span>,</span>
        <span class="line" id="L12">
        <span class="ln" aria-hidden="true">12</span>      <span class="k">&quot;type&quot;</span>: <span class="s">&quot;string&quot;</span>,</span>
        <span class="line" id="L13">
        <span class="ln" aria-hidden="true">13</span>      <span class="k">&quot;default&quot;</span>: <span class="s">&quot;&quot;</span>
        </span>
        <span class="line" id="L14">
        <span class="ln" aria-hidden="true">14</span>    }</span>
        <span class="line" id="L15">
        <span class="ln" aria-hidden="true">15</span>  ]</span>
        <span class="line" id="L16">
        <span class="ln" aria-hidden="true">16</span>}</span>
        </code>
        </pre>
        <p>
        <a href="/subjects/orders-value/versions/2?deleted=true">REST: this version as JSON</a>
        </p>
        <h2>References</h2>
        <p>None.</p>
        <h2>Referenced by</h2>
        <p>None.</p>
        <h2>Settings</h2>
        <form class="inline" action="/ui/subjects/orders-value/settings" method="post">
        <label for="set-level">Compatibility level<select id="set-level" name="level">
        <option value="BACKWARD" selected>BACKWARD</option>
        <option value="BACKWARD_TRANSITIVE">BACKWARD_TRANSITIVE</option>
        <option value="FORWARD">FORWARD</option>
        <option value="FORWARD_TRANSITIVE">FORWARD_TRANSITIVE</option>
        <option value="FULL">FULL</option>
        <option value="FULL_TRANSITIVE">FULL_TRANSITIVE</option>
        <option value="NONE">NONE</option>
        </select>
        </label>
        <label for="set-mode">Mode<select id="set-mode" name="mode">
        <option value="READWRITE" selected>READWRITE</option>
        <option value="READONLY">READONLY</option>
        <option value="IMPORT">IMPORT</option>
        </select>
        </label>
        <button type="submit">Save settings</button>
        </form>
        <h2>Delete</h2>
        <ul>
        <li>
        <a href="/ui/subjects/orders-value/delete?version=2">Soft-delete version 2</a>
        </li>
        <li>
        <a href="/ui/subjects/orders-value/delete">Soft-delete the whole subject</a>
        </li>
        </ul>
        </main>"#]]).await;
    check(&registry, "/ui/subjects/orders-value?version=1", expect![[r#"
        <main id="main">
        <h1>Subject <code>orders-value</code>
        </h1>
        <dl class="facts">
        <dt>Type</dt>
        <dd>AVRO</dd>
        <dt>Compatibility level</dt>
        <dd id="level">BACKWARD <span class="tag">inherited</span>
        </dd>
        <dt>Mode</dt>
        <dd id="mode">READWRITE <span class="tag">inherited</span>
        </dd>
        </dl>
        <p>
        <a href="/ui/subjects/orders-value/test">Test a schema against this subject</a>
        </p>
        <h2>Versions</h2>
        <table id="versions">
        <thead>
        <tr>
        <th scope="col">Version</th>
        <th scope="col">Id</th>
        <th scope="col">State</th>
        </tr>
        </thead>
        <tbody>
        <tr>
        <td>
        <a href="/ui/subjects/orders-value?version=2">v2</a>
        </td>
        <td>
        <a href="/ui/ids/2">2</a>
        </td>
        <td>live</td>
        </tr>
        <tr>
        <td>
        <a href="/ui/subjects/orders-value?version=1" aria-current="page">v1</a>
        </td>
        <td>
        <a href="/ui/ids/1">1</a>
        </td>
        <td>live</td>
        </tr>
        </tbody>
        </table>
        <form class="inline" action="/ui/subjects/orders-value/diff" method="get">
        <label for="diff-a">Old<select id="diff-a" name="a">
        <option value="2">v2</option>
        <option value="1" selected>v1</option>
        </select>
        </label>
        <label for="diff-b">New<select id="diff-b" name="b">
        <option value="2">v2</option>
        <option value="1" selected>v1</option>
        </select>
        </label>
        <button type="submit">Diff</button>
        </form>
        <h2 id="schema">Version 1 (id 1)</h2>
        <pre class="code" aria-label="Schema of version 1" tabindex="0">
        <code>
        <span class="line" id="L1">
        <span class="ln" aria-hidden="true">1</span>{</span>
        <span class="line" id="L2">
        <span class="ln" aria-hidden="true">2</span>  <span class="k">&quot;type&quot;</span>: <span class="s">&quot;record&quot;</span>,</span>
        <span class="line" id="L3">
        <span class="ln" aria-hidden="true">3</span>  <span class="k">&quot;name&quot;</span>: <span class="s">&quot;Order&quot;</span>,</span>
        <span class="line" id="L4">
        <span class="ln" aria-hidden="true">4</span>  <span class="k">&quot;namespace&quot;</span>: <span class="s">&quot;shop&quot;</span>,</span>
        <span class="line" id="L5">
        <span class="ln" aria-hidden="true">5</span>  <span class="k">&quot;fields&quot;</span>: [</span>
        <span class="line" id="L6">
        <span class="ln" aria-hidden="true">6</span>    {</span>
        <span class="line" id="L7">
        <span class="ln" aria-hidden="true">7</span>      <span class="k">&quot;name&quot;</span>: <span class="s">&quot;id&quot;</span>,</span>
        <span class="line" id="L8">
        <span class="ln" aria-hidden="true">8</span>      <span class="k">&quot;type&quot;</span>: <span class="s">&quot;long&quot;</span>
        </span>
        <span class="line" id="L9">
        <span class="ln" aria-hidden="true">9</span>    }</span>
        <span class="line" id="L10">
        <span class="ln" aria-hidden="true">10</span>  ]</span>
        <span class="line" id="L11">
        <span class="ln" aria-hidden="true">11</span>}</span>
        </code>
        </pre>
        <p>
        <a href="/subjects/orders-value/versions/1?deleted=true">REST: this version as JSON</a>
        </p>
        <h2>References</h2>
        <p>None.</p>
        <h2>Referenced by</h2>
        <p>None.</p>
        <h2>Settings</h2>
        <form class="inline" action="/ui/subjects/orders-value/settings" method="post">
        <label for="set-level">Compatibility level<select id="set-level" name="level">
        <option value="BACKWARD" selected>BACKWARD</option>
        <option value="BACKWARD_TRANSITIVE">BACKWARD_TRANSITIVE</option>
        <option value="FORWARD">FORWARD</option>
        <option value="FORWARD_TRANSITIVE">FORWARD_TRANSITIVE</option>
        <option value="FULL">FULL</option>
        <option value="FULL_TRANSITIVE">FULL_TRANSITIVE</option>
        <option value="NONE">NONE</option>
        </select>
        </label>
        <label for="set-mode">Mode<select id="set-mode" name="mode">
        <option value="READWRITE" selected>READWRITE</option>
        <option value="READONLY">READONLY</option>
        <option value="IMPORT">IMPORT</option>
        </select>
        </label>
        <button type="submit">Save settings</button>
        </form>
        <h2>Delete</h2>
        <ul>
        <li>
        <a href="/ui/subjects/orders-value/delete?version=1">Soft-delete version 1</a>
        </li>
        <li>
        <a href="/ui/subjects/orders-value/delete">Soft-delete the whole subject</a>
        </li>
        </ul>
        <p>
        <a href="/ui/subjects/orders-value">Back to the latest version</a>
        </p>
        </main>"#]]).await;
    let missing = registry.get("/ui/subjects/nope").await;
    assert_eq!(missing.status, 404);
    assert!(
        missing.text.contains("Subject &#39;nope&#39; not found.")
            || missing.text.contains("Subject 'nope' not found."),
        "{}",
        missing.text
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn references_link_both_ways() {
    let registry = TestRegistry::start().await;
    registry.register_ok("customer", r#"{"type":"record","name":"Customer","namespace":"shop","fields":[{"name":"id","type":"long"}]}"#).await;
    let reply = registry
        .post(
            "/subjects/order/versions",
            serde_json::json!({
                "schema": r#"{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"customer","type":"shop.Customer"}]}"#,
                "references": [{"name": "shop.Customer", "subject": "customer", "version": 1}],
            }),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let order = registry.get("/ui/subjects/order").await;
    assert!(
        order.text.contains(r#"<a href="/ui/subjects/customer?version=1">customer v1</a>"#),
        "{}",
        order.text
    );
    let customer = registry.get("/ui/subjects/customer").await;
    assert!(customer.text.contains(r#"<a href="/ui/ids/2">schema id 2</a>"#), "{}", customer.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diff_shows_text_changes_and_findings() {
    let registry = fixture().await;
    check(
        &registry,
        "/ui/subjects/orders-value/diff?a=1&b=2",
        expect![[r##"
            <main id="main">
            <h1>Diff of <a href="/ui/subjects/orders-value">
            <code>orders-value</code>
            </a>: v1 → v2</h1>
            <p>Compatibility level of the subject: <strong>BACKWARD</strong>
            </p>
            <form class="inline" action="/ui/subjects/orders-value/diff" method="get">
            <input type="hidden" name="a" value="1">
            <input type="hidden" name="b" value="2">
            <label for="diff-level">Judge under<select id="diff-level" name="level">
            <option value="BACKWARD" selected>BACKWARD (the subject's)</option>
            <option value="BACKWARD_TRANSITIVE">BACKWARD_TRANSITIVE</option>
            <option value="FORWARD">FORWARD</option>
            <option value="FORWARD_TRANSITIVE">FORWARD_TRANSITIVE</option>
            <option value="FULL">FULL</option>
            <option value="FULL_TRANSITIVE">FULL_TRANSITIVE</option>
            <option value="NONE">NONE</option>
            </select>
            </label>
            <button type="submit">Judge</button>
            </form>
            <p>
            <a href="/ui/diff?left=1&amp;right=2">The same two schemas by id (1 → 2)</a>
            </p>
            <h2>Field-level changes</h2>
            <ul class="findings" id="changes">
            <li>
            <code class="rule">FIELD_ADDED</code>: field 'customer_id' of type string added to 'shop.Order' with default &quot;&quot; <a href="#bL10">v2 line 10</a> <code>/fields/1</code>
            </li>
            </ul>
            <section aria-labelledby="dir-BACKWARD">
            <h2 id="dir-BACKWARD">BACKWARD (the new schema reads data written with the old)</h2>
            <p>
            <span class="compatible">compatible</span>
            </p>
            </section>
            <section aria-labelledby="dir-FORWARD">
            <h2 id="dir-FORWARD">FORWARD (the old schema reads data written with the new)</h2>
            <p>
            <span class="compatible">compatible</span>
            </p>
            </section>
            <h2>Text</h2>
            <table class="diff" id="text-diff">
            <caption class="skip">Side-by-side text diff</caption>
            <colgroup>
            <col style="width:3.5em">
            <col>
            <col style="width:3.5em">
            <col>
            </colgroup>
            <thead>
            <tr>
            <th scope="col">#</th>
            <th scope="col">v1</th>
            <th scope="col">#</th>
            <th scope="col">v2</th>
            </tr>
            </thead>
            <tbody>
            <tr>
            <td class="ln" id="aL1">1</td>
            <td>{</td>
            <td class="ln" id="bL1">1</td>
            <td>{</td>
            </tr>
            <tr>
            <td class="ln" id="aL2">2</td>
            <td>  &quot;type&quot;: &quot;record&quot;,</td>
            <td class="ln" id="bL2">2</td>
            <td>  &quot;type&quot;: &quot;record&quot;,</td>
            </tr>
            <tr>
            <td class="ln" id="aL3">3</td>
            <td>  &quot;name&quot;: &quot;Order&quot;,</td>
            <td class="ln" id="bL3">3</td>
            <td>  &quot;name&quot;: &quot;Order&quot;,</td>
            </tr>
            <tr>
            <td class="ln" id="aL4">4</td>
            <td>  &quot;namespace&quot;: &quot;shop&quot;,</td>
            <td class="ln" id="bL4">4</td>
            <td>  &quot;namespace&quot;: &quot;shop&quot;,</td>
            </tr>
            <tr>
            <td class="ln" id="aL5">5</td>
            <td>  &quot;fields&quot;: [</td>
            <td class="ln" id="bL5">5</td>
            <td>  &quot;fields&quot;: [</td>
            </tr>
            <tr>
            <td class="ln" id="aL6">6</td>
            <td>    {</td>
            <td class="ln" id="bL6">6</td>
            <td>    {</td>
            </tr>
            <tr>
            <td class="ln" id="aL7">7</td>
            <td>      &quot;name&quot;: &quot;id&quot;,</td>
            <td class="ln" id="bL7">7</td>
            <td>      &quot;name&quot;: &quot;id&quot;,</td>
            </tr>
            <tr>
            <td class="ln" id="aL8">8</td>
            <td>      &quot;type&quot;: &quot;long&quot;</td>
            <td class="ln" id="bL8">8</td>
            <td>      &quot;type&quot;: &quot;long&quot;</td>
            </tr>
            <tr>
            <td class="ln">
            </td>
            <td>
            </td>
            <td class="ln" id="bL9">9</td>
            <td class="ins">
            <span class="skip">added: </span>    },</td>
            </tr>
            <tr>
            <td class="ln">
            </td>
            <td>
            </td>
            <td class="ln" id="bL10">10</td>
            <td class="ins">
            <span class="skip">added: </span>    {</td>
            </tr>
            <tr>
            <td class="ln">
            </td>
            <td>
            </td>
            <td class="ln" id="bL11">11</td>
            <td class="ins">
            <span class="skip">added: </span>      &quot;name&quot;: &quot;customer_id&quot;,</td>
            </tr>
            <tr>
            <td class="ln">
            </td>
            <td>
            </td>
            <td class="ln" id="bL12">12</td>
            <td class="ins">
            <span class="skip">added: </span>      &quot;type&quot;: &quot;string&quot;,</td>
            </tr>
            <tr>
            <td class="ln">
            </td>
            <td>
            </td>
            <td class="ln" id="bL13">13</td>
            <td class="ins">
            <span class="skip">added: </span>      &quot;default&quot;: &quot;&quot;</td>
            </tr>
            <tr>
            <td class="ln" id="aL9">9</td>
            <td>    }</td>
            <td class="ln" id="bL14">14</td>
            <td>    }</td>
            </tr>
            <tr>
            <td class="ln" id="aL10">10</td>
            <td>  ]</td>
            <td class="ln" id="bL15">15</td>
            <td>  ]</td>
            </tr>
            <tr>
            <td class="ln" id="aL11">11</td>
            <td>}</td>
            <td class="ln" id="bL16">16</td>
            <td>}</td>
            </tr>
            </tbody>
            </table>
            </main>"##]],
    )
    .await;
    // Backwards in time, a field without default is removed: FORWARD breaks, BACKWARD holds.
    let reverse = registry.get("/ui/subjects/orders-value/diff?a=2&b=1").await;
    assert_eq!(reverse.status, 200);
    assert!(reverse.text.contains("compatible"), "{}", reverse.text);
    let bad = registry.get("/ui/subjects/orders-value/diff?a=1&b=9").await;
    assert_eq!(bad.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_schema_diff_lists_typed_changes() {
    let registry = fixture().await;
    let narrower = USER.replace("150", "120");
    let reply = registry
        .post(
            "/subjects/users-value/versions",
            serde_json::json!({"schema": narrower, "schemaType": "JSON"}),
        )
        .await;
    // BACKWARD: a narrower maximum in the new schema breaks readers of old data.
    assert_eq!(reply.status, 409, "{}", reply.text);
    registry.put("/config/users-value", serde_json::json!({"compatibility": "NONE"})).await;
    let reply = registry
        .post(
            "/subjects/users-value/versions",
            serde_json::json!({"schema": narrower, "schemaType": "JSON"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    check(&registry, "/ui/subjects/users-value/diff?a=1&b=2", expect![[r##"
        <main id="main">
        <h1>Diff of <a href="/ui/subjects/users-value">
        <code>users-value</code>
        </a>: v1 → v2</h1>
        <p>Compatibility level of the subject: <strong>NONE</strong>
        </p>
        <form class="inline" action="/ui/subjects/users-value/diff" method="get">
        <input type="hidden" name="a" value="1">
        <input type="hidden" name="b" value="2">
        <label for="diff-level">Judge under<select id="diff-level" name="level">
        <option value="BACKWARD">BACKWARD</option>
        <option value="BACKWARD_TRANSITIVE">BACKWARD_TRANSITIVE</option>
        <option value="FORWARD">FORWARD</option>
        <option value="FORWARD_TRANSITIVE">FORWARD_TRANSITIVE</option>
        <option value="FULL">FULL</option>
        <option value="FULL_TRANSITIVE">FULL_TRANSITIVE</option>
        <option value="NONE" selected>NONE (the subject's)</option>
        </select>
        </label>
        <button type="submit">Judge</button>
        </form>
        <p>
        <a href="/ui/diff?left=3&amp;right=5">The same two schemas by id (3 → 5)</a>
        </p>
        <h2>Changes</h2>
        <ul class="findings" id="changes">
        <li>
        <span class="incompatible">incompatible</span> <code class="rule">MAXIMUM_DECREASED</code>: bound changed from &lt;= 150 to &lt;= 120 <a href="#bL9">v2 line 9</a> <code>#/properties/age/maximum</code>
        </li>
        </ul>
        <section aria-labelledby="dir-BACKWARD">
        <h2 id="dir-BACKWARD">BACKWARD (the new schema reads data written with the old)</h2>
        <p>incompatible, but NONE does not require this direction</p>
        <ul class="findings">
        <li>
        <code class="rule">MAXIMUM_DECREASED</code>: bound changed from &lt;= 150 to &lt;= 120 <a href="#bL9">v2 line 9</a> <code>#/properties/age/maximum</code>
        </li>
        </ul>
        </section>
        <section aria-labelledby="dir-FORWARD">
        <h2 id="dir-FORWARD">FORWARD (the old schema reads data written with the new)</h2>
        <p>
        <span class="compatible">compatible</span>
        </p>
        </section>
        <h2>Text</h2>
        <table class="diff" id="text-diff">
        <caption class="skip">Side-by-side text diff</caption>
        <colgroup>
        <col style="width:3.5em">
        <col>
        <col style="width:3.5em">
        <col>
        </colgroup>
        <thead>
        <tr>
        <th scope="col">#</th>
        <th scope="col">v1</th>
        <th scope="col">#</th>
        <th scope="col">v2</th>
        </tr>
        </thead>
        <tbody>
        <tr>
        <td class="ln" id="aL1">1</td>
        <td>{</td>
        <td class="ln" id="bL1">1</td>
        <td>{</td>
        </tr>
        <tr>
        <td class="ln" id="aL2">2</td>
        <td>  &quot;type&quot;: &quot;object&quot;,</td>
        <td class="ln" id="bL2">2</td>
        <td>  &quot;type&quot;: &quot;object&quot;,</td>
        </tr>
        <tr>
        <td class="ln" id="aL3">3</td>
        <td>  &quot;properties&quot;: {</td>
        <td class="ln" id="bL3">3</td>
        <td>  &quot;properties&quot;: {</td>
        </tr>
        <tr>
        <td class="ln" id="aL4">4</td>
        <td>    &quot;customer_id&quot;: {</td>
        <td class="ln" id="bL4">4</td>
        <td>    &quot;customer_id&quot;: {</td>
        </tr>
        <tr>
        <td class="ln" id="aL5">5</td>
        <td>      &quot;type&quot;: &quot;string&quot;</td>
        <td class="ln" id="bL5">5</td>
        <td>      &quot;type&quot;: &quot;string&quot;</td>
        </tr>
        <tr>
        <td class="ln" id="aL6">6</td>
        <td>    },</td>
        <td class="ln" id="bL6">6</td>
        <td>    },</td>
        </tr>
        <tr>
        <td class="ln" id="aL7">7</td>
        <td>    &quot;age&quot;: {</td>
        <td class="ln" id="bL7">7</td>
        <td>    &quot;age&quot;: {</td>
        </tr>
        <tr>
        <td class="ln" id="aL8">8</td>
        <td>      &quot;type&quot;: &quot;integer&quot;,</td>
        <td class="ln" id="bL8">8</td>
        <td>      &quot;type&quot;: &quot;integer&quot;,</td>
        </tr>
        <tr>
        <td class="ln" id="aL9">9</td>
        <td class="del">
        <span class="skip">removed: </span>      &quot;maximum&quot;: 150</td>
        <td class="ln" id="bL9">9</td>
        <td class="ins">
        <span class="skip">added: </span>      &quot;maximum&quot;: 120</td>
        </tr>
        <tr>
        <td class="ln" id="aL10">10</td>
        <td>    }</td>
        <td class="ln" id="bL10">10</td>
        <td>    }</td>
        </tr>
        <tr>
        <td class="ln" id="aL11">11</td>
        <td>  }</td>
        <td class="ln" id="bL11">11</td>
        <td>  }</td>
        </tr>
        <tr>
        <td class="ln" id="aL12">12</td>
        <td>}</td>
        <td class="ln" id="bL12">12</td>
        <td>}</td>
        </tr>
        </tbody>
        </table>
        </main>"##]]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tester_shows_findings_at_their_lines_and_registers() {
    let registry = fixture().await;
    check(&registry, "/ui/subjects/orders-value/test", expect![[r#"
        <main id="main">
        <h1>Test a schema for <a href="/ui/subjects/orders-value">
        <code>orders-value</code>
        </a>
        </h1>
        <form action="/ui/subjects/orders-value/test" method="post">
        <p>
        <label for="schema">Schema</label>
        <textarea id="schema" name="schema" required spellcheck="false">
        </textarea>
        </p>
        <p class="inline">
        <label for="schema-file">…or pick a file<input id="schema-file" type="file" accept=".avsc,.json,.proto" data-fills="schema">
        </label>
        </p>
        <div class="inline">
        <label for="schemaType">Type<select id="schemaType" name="schemaType">
        <option value="AVRO" selected>AVRO</option>
        <option value="JSON">JSON</option>
        <option value="PROTOBUF">PROTOBUF</option>
        </select>
        </label>
        <label for="test-level">Level<select id="test-level" name="level">
        <option value="BACKWARD" selected>BACKWARD (subject's)</option>
        <option value="BACKWARD_TRANSITIVE">BACKWARD_TRANSITIVE</option>
        <option value="FORWARD">FORWARD</option>
        <option value="FORWARD_TRANSITIVE">FORWARD_TRANSITIVE</option>
        <option value="FULL">FULL</option>
        <option value="FULL_TRANSITIVE">FULL_TRANSITIVE</option>
        <option value="NONE">NONE</option>
        </select>
        </label>
        <button type="submit" name="action" value="check">Check</button>
        <button type="submit" name="action" value="register">Register</button>
        </div>
        </form>
        </main>"#]]).await;
    let incompatible = "{\n  \"type\": \"record\",\n  \"name\": \"Order\",\n  \"namespace\": \"shop\",\n  \"fields\": [\n    {\"name\": \"id\", \"type\": \"int\"},\n    {\"name\": \"customer_id\", \"type\": \"string\", \"default\": \"\"},\n    {\"name\": \"total\", \"type\": \"double\"}\n  ]\n}";
    let reply = post_form(
        &registry,
        "/ui/subjects/orders-value/test",
        &[
            ("schema", incompatible),
            ("schemaType", "AVRO"),
            ("level", "BACKWARD"),
            ("action", "check"),
        ],
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    expect![[r##"
        <main id="main">
        <h1>Test a schema for <a href="/ui/subjects/orders-value">
        <code>orders-value</code>
        </a>
        </h1>
        <section id="result" aria-labelledby="result-title">
        <h2 id="result-title">
        <span class="breaking">2 incompatibilities</span> under BACKWARD</h2>
        <p>Checked against version 2, the newest, as the level names it.</p>
        <ul class="findings" id="findings">
        <li>
        <code class="rule">TYPE_MISMATCH</code>: reader type int cannot read writer type long <a href="#pL6">line 6</a>
        </li>
        <li>
        <code class="rule">READER_FIELD_MISSING_DEFAULT_VALUE</code>: reader field 'total' of 'shop.Order' is not in the writer and has no default <a href="#pL8">line 8</a>
        </li>
        </ul>
        <pre class="code" aria-label="The pasted schema with its findings" tabindex="0">
        <code>
        <span class="line" id="pL1">
        <span class="ln" aria-hidden="true">1</span>{</span>
        <span class="line" id="pL2">
        <span class="ln" aria-hidden="true">2</span>  <span class="k">&quot;type&quot;</span>: <span class="s">&quot;record&quot;</span>,</span>
        <span class="line" id="pL3">
        <span class="ln" aria-hidden="true">3</span>  <span class="k">&quot;name&quot;</span>: <span class="s">&quot;Order&quot;</span>,</span>
        <span class="line" id="pL4">
        <span class="ln" aria-hidden="true">4</span>  <span class="k">&quot;namespace&quot;</span>: <span class="s">&quot;shop&quot;</span>,</span>
        <span class="line" id="pL5">
        <span class="ln" aria-hidden="true">5</span>  <span class="k">&quot;fields&quot;</span>: [</span>
        <span class="line flagged" id="pL6">
        <span class="ln" aria-hidden="true">6</span>    {<span class="k">&quot;name&quot;</span>: <span class="s">&quot;id&quot;</span>, <span class="k">&quot;type&quot;</span>: <span class="s">&quot;int&quot;</span>},<span class="note"> ⚠ TYPE_MISMATCH: reader type int cannot read writer type long</span>
        </span>
        <span class="line" id="pL7">
        <span class="ln" aria-hidden="true">7</span>    {<span class="k">&quot;name&quot;</span>: <span class="s">&quot;customer_id&quot;</span>, <span class="k">&quot;type&quot;</span>: <span class="s">&quot;string&quot;</span>, <span class="k">&quot;default&quot;</span>: <span class="s">&quot;&quot;</span>},</span>
        <span class="line flagged" id="pL8">
        <span class="ln" aria-hidden="true">8</span>    {<span class="k">&quot;name&quot;</span>: <span class="s">&quot;total&quot;</span>, <span class="k">&quot;type&quot;</span>: <span class="s">&quot;double&quot;</span>}<span class="note"> ⚠ READER_FIELD_MISSING_DEFAULT_VALUE: reader field 'total' of 'shop.Order' is not in the writer and has no default</span>
        </span>
        <span class="line" id="pL9">
        <span class="ln" aria-hidden="true">9</span>  ]</span>
        <span class="line" id="pL10">
        <span class="ln" aria-hidden="true">10</span>}</span>
        </code>
        </pre>
        </section>
        <form action="/ui/subjects/orders-value/test" method="post">
        <p>
        <label for="schema">Schema</label>
        <textarea id="schema" name="schema" required spellcheck="false">{
          &quot;type&quot;: &quot;record&quot;,
          &quot;name&quot;: &quot;Order&quot;,
          &quot;namespace&quot;: &quot;shop&quot;,
          &quot;fields&quot;: [
            {&quot;name&quot;: &quot;id&quot;, &quot;type&quot;: &quot;int&quot;},
            {&quot;name&quot;: &quot;customer_id&quot;, &quot;type&quot;: &quot;string&quot;, &quot;default&quot;: &quot;&quot;},
            {&quot;name&quot;: &quot;total&quot;, &quot;type&quot;: &quot;double&quot;}
          ]
        }</textarea>
        </p>
        <p class="inline">
        <label for="schema-file">…or pick a file<input id="schema-file" type="file" accept=".avsc,.json,.proto" data-fills="schema">
        </label>
        </p>
        <div class="inline">
        <label for="schemaType">Type<select id="schemaType" name="schemaType">
        <option value="AVRO" selected>AVRO</option>
        <option value="JSON">JSON</option>
        <option value="PROTOBUF">PROTOBUF</option>
        </select>
        </label>
        <label for="test-level">Level<select id="test-level" name="level">
        <option value="BACKWARD" selected>BACKWARD (subject's)</option>
        <option value="BACKWARD_TRANSITIVE">BACKWARD_TRANSITIVE</option>
        <option value="FORWARD">FORWARD</option>
        <option value="FORWARD_TRANSITIVE">FORWARD_TRANSITIVE</option>
        <option value="FULL">FULL</option>
        <option value="FULL_TRANSITIVE">FULL_TRANSITIVE</option>
        <option value="NONE">NONE</option>
        </select>
        </label>
        <button type="submit" name="action" value="check">Check</button>
        <button type="submit" name="action" value="register">Register</button>
        </div>
        </form>
        </main>"##]].assert_eq(&main_of(&reply));
    // Register refuses it with the REST API's message.
    let reply = post_form(
        &registry,
        "/ui/subjects/orders-value/test",
        &[("schema", incompatible), ("schemaType", "AVRO"), ("action", "register")],
    )
    .await;
    assert!(
        reply.text.contains("Refused") && reply.text.contains("READER_FIELD_MISSING_DEFAULT_VALUE"),
        "{}",
        reply.text
    );
    // A compatible one is registered, and the browser lands on its version.
    let compatible = V2.replace(
        r#""default":""}]"#,
        r#""default":""},{"name":"note","type":["null","string"],"default":null}]"#,
    );
    let reply = post_form(
        &registry,
        "/ui/subjects/orders-value/test",
        &[("schema", &compatible), ("schemaType", "AVRO"), ("action", "register")],
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(reply.text.contains("Registered version 3 with id 5."), "{}", reply.text);
    assert_eq!(registry.get("/subjects/orders-value/versions").await.text, "[1,2,3]");
    // Not valid Avro: refused with the parse error, nothing written.
    let reply = post_form(
        &registry,
        "/ui/subjects/orders-value/test",
        &[("schema", "{\"type\":\"recrd\"}"), ("action", "register")],
    )
    .await;
    assert!(reply.text.contains("Invalid schema"), "{}", reply.text);
    assert_eq!(registry.get("/subjects/orders-value/versions").await.text, "[1,2,3]");
    // A new subject through the list page's form.
    let reply = registry.get("/ui/test?subject=brand+new").await;
    assert!(reply.text.contains("The subject has no live versions yet"), "{}", reply.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_id_and_field_search() {
    let registry = fixture().await;
    check(&registry, "/ui/ids/2", expect![[r#"
        <main id="main">
        <h1>Schema id 2</h1>
        <dl class="facts">
        <dt>Type</dt>
        <dd>AVRO</dd>
        </dl>
        <h2>Used by</h2>
        <table id="uses">
        <thead>
        <tr>
        <th scope="col">Subject</th>
        <th scope="col">Version</th>
        <th scope="col">State</th>
        <th scope="col">Diff</th>
        </tr>
        </thead>
        <tbody>
        <tr>
        <td>
        <a href="/ui/subjects/orders-value">orders-value</a>
        </td>
        <td>
        <a href="/ui/subjects/orders-value?version=2">v2</a>
        </td>
        <td>live</td>
        <td>
        <a href="/ui/diff?left=1&amp;right=2">from the version before (id 1)</a>
        </td>
        </tr>
        </tbody>
        </table>
        <h2>Diff</h2>
        <form class="inline" id="diff-with" action="/ui/diff" method="get">
        <input type="hidden" name="left" value="2">
        <label for="diff-right">Diff with schema id<input id="diff-right" type="number" name="right" min="1" required>
        </label>
        <button type="submit">Diff</button>
        </form>
        <h2>Schema</h2>
        <pre class="code" aria-label="Schema id 2" tabindex="0">
        <code>
        <span class="line" id="L1">
        <span class="ln" aria-hidden="true">1</span>{</span>
        <span class="line" id="L2">
        <span class="ln" aria-hidden="true">2</span>  <span class="k">&quot;type&quot;</span>: <span class="s">&quot;record&quot;</span>,</span>
        <span class="line" id="L3">
        <span class="ln" aria-hidden="true">3</span>  <span class="k">&quot;name&quot;</span>: <span class="s">&quot;Order&quot;</span>,</span>
        <span class="line" id="L4">
        <span class="ln" aria-hidden="true">4</span>  <span class="k">&quot;namespace&quot;</span>: <span class="s">&quot;shop&quot;</span>,</span>
        <span class="line" id="L5">
        <span class="ln" aria-hidden="true">5</span>  <span class="k">&quot;fields&quot;</span>: [</span>
        <span class="line" id="L6">
        <span class="ln" aria-hidden="true">6</span>    {</span>
        <span class="line" id="L7">
        <span class="ln" aria-hidden="true">7</span>      <span class="k">&quot;name&quot;</span>: <span class="s">&quot;id&quot;</span>,</span>
        <span class="line" id="L8">
        <span class="ln" aria-hidden="true">8</span>      <span class="k">&quot;type&quot;</span>: <span class="s">&quot;long&quot;</span>
        </span>
        <span class="line" id="L9">
        <span class="ln" aria-hidden="true">9</span>    },</span>
        <span class="line" id="L10">
        <span class="ln" aria-hidden="true">10</span>    {</span>
        <span class="line" id="L11">
        <span class="ln" aria-hidden="true">11</span>      <span class="k">&quot;name&quot;</span>: <span class="s">&quot;customer_id&quot;</span>,</span>
        <span class="line" id="L12">
        <span class="ln" aria-hidden="true">12</span>      <span class="k">&quot;type&quot;</span>: <span class="s">&quot;string&quot;</span>,</span>
        <span class="line" id="L13">
        <span class="ln" aria-hidden="true">13</span>      <span class="k">&quot;default&quot;</span>: <span class="s">&quot;&quot;</span>
        </span>
        <span class="line" id="L14">
        <span class="ln" aria-hidden="true">14</span>    }</span>
        <span class="line" id="L15">
        <span class="ln" aria-hidden="true">15</span>  ]</span>
        <span class="line" id="L16">
        <span class="ln" aria-hidden="true">16</span>}</span>
        </code>
        </pre>
        <p>
        <a href="/schemas/ids/2/schema">Raw schema text</a>
        </p>
        </main>"#]]).await;
    check(&registry, "/ui/search?field=customer_id", expect![[r#"
        <main id="main">
        <h1>Search by field name</h1>
        <form class="filters" action="/ui/search" method="get" role="search">
        <label for="field">Field or property name<input id="field" type="search" name="field" value="customer_id" required>
        </label>
        <button type="submit">Search</button>
        </form>
        <p id="count" aria-live="polite">2 schemas have a field named <code>customer_id</code>
        </p>
        <table id="hits">
        <thead>
        <tr>
        <th scope="col">Schema id</th>
        <th scope="col">Where</th>
        <th scope="col">Used by (live versions)</th>
        </tr>
        </thead>
        <tbody>
        <tr>
        <td>
        <a href="/ui/ids/2">2</a>
        </td>
        <td>
        <code>/fields/1</code> </td>
        <td>
        <a href="/ui/subjects/orders-value?version=2">orders-value v2</a> </td>
        </tr>
        <tr>
        <td>
        <a href="/ui/ids/3">3</a>
        </td>
        <td>
        <code>/properties/customer_id</code> </td>
        <td>
        <a href="/ui/subjects/users-value?version=1">users-value v1</a> </td>
        </tr>
        </tbody>
        </table>
        </main>"#]]).await;
    assert_eq!(registry.get("/ui/ids/99").await.status, 404);
    // A schema registered after the index was built is found by the next search (a small
    // catch-up, which the search waits for).
    registry
        .register_ok(
            "late-value",
            r#"{"type":"record","name":"Late","fields":[{"name":"customer_id","type":"long"}]}"#,
        )
        .await;
    // A Protobuf schema's message fields are found too, at their message and number.
    let proto = "syntax = \"proto3\";\npackage shop;\nmessage Invoice { int64 customer_id = 7; }\n";
    let reply = registry
        .post(
            "/subjects/invoices-value/versions",
            serde_json::json!({"schema": proto, "schemaType": "PROTOBUF"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let after = registry.get("/ui/search?field=customer_id").await.text;
    assert!(after.contains("4 schemas have a field named"), "{after}");
    assert!(after.contains("late-value v1") && !after.contains("index-status"), "{after}");
    assert!(after.contains("<code>#/shop.Invoice/7</code>"), "{after}");
    assert!(after.contains("invoices-value v1"), "{after}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_actions_go_through_the_write_path() {
    let registry = fixture().await;
    let reply = post_form(
        &registry,
        "/ui/subjects/orders-value/settings",
        &[("level", "FULL"), ("mode", "READONLY")],
    )
    .await;
    assert!(
        reply.text.contains("Saved: level set to FULL, mode set to READONLY."),
        "{}",
        reply.text
    );
    assert_eq!(registry.get("/config/orders-value").await.body["compatibilityLevel"], "FULL");
    assert_eq!(registry.get("/mode/orders-value").await.body["mode"], "READONLY");
    // Read-only refuses deletes, with the REST API's message.
    let reply = post_form(&registry, "/ui/subjects/orders-value/delete", &[("version", "2")]).await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    assert!(reply.text.contains("read-only mode"), "{}", reply.text);
    post_form(&registry, "/ui/subjects/orders-value/settings", &[("mode", "READWRITE")]).await;
    check(&registry, "/ui/subjects/orders-value/delete?version=2", expect![[r#"
        <main id="main">
        <h1>Soft-delete a version</h1>
        <p>Subject <code>orders-value</code>: these versions go away:</p>
        <ul id="doomed">
        <li>version 2 (schema id 2)</li>
        </ul>
        <p class="notice">A soft delete hides the versions from readers; they stay in the log, can be listed with the deleted flag, and can then be deleted permanently.</p>
        <form action="/ui/subjects/orders-value/delete" method="post">
        <input type="hidden" name="version" value="2">
        <button class="danger" type="submit">Soft-delete a version</button> <a href="/ui/subjects/orders-value">Cancel</a>
        </form>
        </main>"#]]).await;
    let reply = post_form(&registry, "/ui/subjects/orders-value/delete", &[("version", "2")]).await;
    assert!(reply.text.contains("Version 2 soft-deleted."), "{}", reply.text);
    assert_eq!(registry.get("/subjects/orders-value/versions").await.text, "[1]");
    check(&registry, "/ui/subjects/gone-value/delete?permanent=true", expect![[r#"
        <main id="main">
        <h1>Permanently delete a subject</h1>
        <p>Subject <code>gone-value</code>: these versions go away:</p>
        <ul id="doomed">
        <li>version 1 (schema id 4)</li>
        </ul>
        <p class="error">A permanent delete removes the records for good; it cannot be undone. Schema ids no other version uses are gone too.</p>
        <form action="/ui/subjects/gone-value/delete" method="post">
        <input type="hidden" name="permanent" value="true">
        <button class="danger" type="submit">Permanently delete a subject</button> <a href="/ui/subjects/gone-value">Cancel</a>
        </form>
        </main>"#]]).await;
    let reply =
        post_form(&registry, "/ui/subjects/gone-value/delete", &[("permanent", "true")]).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(
        registry.get("/subjects/gone-value/versions?deleted=true").await.error_code(),
        Some(40401)
    );
    // A post from another site is refused.
    let reply = registry
        .client
        .post(registry.url("/ui/subjects/orders-value/delete"))
        .header("origin", "http://evil.example")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("version=1")
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status().as_u16(), 422);
    assert_eq!(registry.get("/subjects/orders-value/versions").await.text, "[1]");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ui_setting_turns_it_off() {
    let registry = TestRegistry::start_with(|config| config.ui = false).await;
    let reply = registry.get("/ui").await;
    assert_eq!((reply.status, reply.error_code()), (404, Some(404)));
    assert_eq!(registry.get("/").await.text, "{}");
}

/// Asks `path` and checks the status and that the page's alert says `message`.
async fn check_refused(http: &Http, path: &str, status: u16, message: &str) {
    let reply = http.get(path).await;
    assert_eq!(reply.status, status, "{path}: {}", reply.text);
    assert_eq!(reply.content_type.as_deref(), Some("text/html; charset=utf-8"), "{path}");
    let alert = format!(r#"<p class="error" id="diff-error" role="alert">{message}</p>"#);
    assert!(reply.text.contains(&alert), "{path}: {}", main_of(&reply));
    // The form is there again, filled with what was asked, to correct it.
    assert!(
        reply.text.contains(r#"<form class="inline" action="/ui/diff" method="get">"#),
        "{path}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diff_any_two_schemas_by_id() {
    let registry = fixture().await;
    // orders-value v1 is id 1, v2 id 2; users-value (JSON) id 3; gone-value ("string") id 4.
    // From id 4 to id 1: the string becomes a record, breaking both ways. The default level is
    // that of orders-value, the one subject holding id 1.
    assert_eq!(
        registry
            .put("/config/orders-value", serde_json::json!({"compatibility": "FORWARD"}))
            .await
            .status,
        200
    );
    let page = registry.get("/ui/diff?left=4&right=1").await;
    assert_eq!(page.status, 200, "{}", page.text);
    let main = main_of(&page);
    expect![[r##"
        <main id="main">
        <h1>Diff of schema <a href="/ui/ids/4">id 4</a> → <a href="/ui/ids/1">id 1</a>
        </h1>
        <form class="inline" action="/ui/diff" method="get">
        <label for="diff-left">Old (left) id<input id="diff-left" type="number" name="left" min="1" value="4" required>
        </label>
        <label for="diff-right">New (right) id<input id="diff-right" type="number" name="right" min="1" value="1" required>
        </label>
        <label for="diff-level">Judge under<select id="diff-level" name="level">
        <option value="BACKWARD">BACKWARD</option>
        <option value="BACKWARD_TRANSITIVE">BACKWARD_TRANSITIVE</option>
        <option value="FORWARD" selected>FORWARD (orders-value's)</option>
        <option value="FORWARD_TRANSITIVE">FORWARD_TRANSITIVE</option>
        <option value="FULL">FULL</option>
        <option value="FULL_TRANSITIVE">FULL_TRANSITIVE</option>
        <option value="NONE">NONE</option>
        </select>
        </label>
        <button type="submit">Diff</button>
        </form>
        <p>Judged under <strong>FORWARD</strong>, the level of <a href="/ui/subjects/orders-value">
        <code>orders-value</code>
        </a>, the one subject holding id 1.</p>
        <h2>Field-level changes</h2>
        <ul class="findings" id="changes">
        <li>
        <code class="rule">TYPE_CHANGED</code>: the schema changed from string to shop.Order <a href="#bL1">id 1 line 1</a> <code>/</code>
        </li>
        <li>
        <code class="rule">NAMED_TYPE_ADDED</code>: record 'shop.Order' added <a href="#bL1">id 1 line 1</a> <code>/</code>
        </li>
        </ul>
        <section aria-labelledby="dir-BACKWARD">
        <h2 id="dir-BACKWARD">BACKWARD (the new schema reads data written with the old)</h2>
        <p>incompatible, but FORWARD does not require this direction</p>
        <ul class="findings">
        <li>
        <code class="rule">TYPE_MISMATCH</code>: reader type record 'shop.Order' cannot read writer type string <a href="#bL1">id 1 line 1</a> <code>/</code>
        </li>
        </ul>
        </section>
        <section aria-labelledby="dir-FORWARD">
        <h2 id="dir-FORWARD">FORWARD (the old schema reads data written with the new)</h2>
        <p>
        <span class="breaking">breaking under FORWARD</span>
        </p>
        <ul class="findings">
        <li>
        <code class="rule">TYPE_MISMATCH</code>: reader type string cannot read writer type record 'shop.Order' <a href="#aL1">id 4 line 1</a> <code>/</code>
        </li>
        </ul>
        </section>
        <h2>Text</h2>
        <table class="diff" id="text-diff">
        <caption class="skip">Side-by-side text diff</caption>
        <colgroup>
        <col style="width:3.5em">
        <col>
        <col style="width:3.5em">
        <col>
        </colgroup>
        <thead>
        <tr>
        <th scope="col">#</th>
        <th scope="col">id 4</th>
        <th scope="col">#</th>
        <th scope="col">id 1</th>
        </tr>
        </thead>
        <tbody>
        <tr>
        <td class="ln" id="aL1">1</td>
        <td class="del">
        <span class="skip">removed: </span>&quot;string&quot;</td>
        <td class="ln" id="bL1">1</td>
        <td class="ins">
        <span class="skip">added: </span>{</td>
        </tr>
        <tr>
        <td class="ln">
        </td>
        <td>
        </td>
        <td class="ln" id="bL2">2</td>
        <td class="ins">
        <span class="skip">added: </span>  &quot;type&quot;: &quot;record&quot;,</td>
        </tr>
        <tr>
        <td class="ln">
        </td>
        <td>
        </td>
        <td class="ln" id="bL3">3</td>
        <td class="ins">
        <span class="skip">added: </span>  &quot;name&quot;: &quot;Order&quot;,</td>
        </tr>
        <tr>
        <td class="ln">
        </td>
        <td>
        </td>
        <td class="ln" id="bL4">4</td>
        <td class="ins">
        <span class="skip">added: </span>  &quot;namespace&quot;: &quot;shop&quot;,</td>
        </tr>
        <tr>
        <td class="ln">
        </td>
        <td>
        </td>
        <td class="ln" id="bL5">5</td>
        <td class="ins">
        <span class="skip">added: </span>  &quot;fields&quot;: [</td>
        </tr>
        <tr>
        <td class="ln">
        </td>
        <td>
        </td>
        <td class="ln" id="bL6">6</td>
        <td class="ins">
        <span class="skip">added: </span>    {</td>
        </tr>
        <tr>
        <td class="ln">
        </td>
        <td>
        </td>
        <td class="ln" id="bL7">7</td>
        <td class="ins">
        <span class="skip">added: </span>      &quot;name&quot;: &quot;id&quot;,</td>
        </tr>
        <tr>
        <td class="ln">
        </td>
        <td>
        </td>
        <td class="ln" id="bL8">8</td>
        <td class="ins">
        <span class="skip">added: </span>      &quot;type&quot;: &quot;long&quot;</td>
        </tr>
        <tr>
        <td class="ln">
        </td>
        <td>
        </td>
        <td class="ln" id="bL9">9</td>
        <td class="ins">
        <span class="skip">added: </span>    }</td>
        </tr>
        <tr>
        <td class="ln">
        </td>
        <td>
        </td>
        <td class="ln" id="bL10">10</td>
        <td class="ins">
        <span class="skip">added: </span>  ]</td>
        </tr>
        <tr>
        <td class="ln">
        </td>
        <td>
        </td>
        <td class="ln" id="bL11">11</td>
        <td class="ins">
        <span class="skip">added: </span>}</td>
        </tr>
        </tbody>
        </table>
        </main>"##]].assert_eq(&main);
    // A level picked in the form wins over the default.
    let picked = main_of(&registry.get("/ui/diff?left=4&right=1&level=BACKWARD").await);
    assert!(picked.contains("Judged under <strong>BACKWARD</strong> (picked)."), "{picked}");
    assert!(
        picked.contains(r#"<span class="breaking">breaking under BACKWARD</span>"#),
        "{picked}"
    );
    let none = main_of(&registry.get("/ui/diff?left=4&right=1&level=NONE").await);
    assert!(!none.contains("breaking"), "{none}");
    // Id 1 held by two subjects: the global level is the default.
    registry.register_ok("orders-copy", V1).await;
    let global = main_of(&registry.get("/ui/diff?left=4&right=1").await);
    assert!(
        global.contains("Judged under <strong>BACKWARD</strong>, the global level (no single subject holds id 1)."),
        "{global}"
    );
    // Every way to ask wrongly gets a page that says what is wrong.
    let cases: &[(&str, u16, &str)] = &[
        ("/ui/diff?left=1&right=99", 404, "Schema 99 not found"),
        ("/ui/diff?left=99&right=1", 404, "Schema 99 not found"),
        (
            "/ui/diff?left=abc&right=2",
            400,
            "The left id 'abc' is not a schema id (a whole number from 1).",
        ),
        (
            "/ui/diff?left=1&right=0",
            400,
            "The right id '0' is not a schema id (a whole number from 1).",
        ),
        (
            "/ui/diff?left=1&right=4294967296",
            400,
            "The right id '4294967296' is not a schema id (a whole number from 1).",
        ),
        ("/ui/diff?left=1", 400, "Give both schema ids: the right one is missing."),
        ("/ui/diff?right=1", 400, "Give both schema ids: the left one is missing."),
        (
            "/ui/diff?left=1&right=3",
            422,
            "Schema 1 is AVRO and schema 3 is JSON: only two schemas of one type can be compared.",
        ),
        (
            "/ui/diff?left=1&right=2&level=SIDEWAYS",
            422,
            "Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive",
        ),
    ];
    for (path, status, message) in cases {
        check_refused(&registry, path, *status, message).await;
    }
    // Without ids: the form alone.
    let form = main_of(&registry.get("/ui/diff").await);
    assert!(form.contains("<h1>Diff two schemas by id</h1>") && !form.contains("alert"), "{form}");
    // The by-id page offers the form and links each use to the version before it.
    let by_id = registry.get("/ui/ids/2").await.text;
    assert!(
        by_id.contains(
            r#"<a href="/ui/diff?left=1&amp;right=2">from the version before (id 1)</a>"#
        ),
        "{by_id}"
    );
    assert!(by_id.contains(r#"<input type="hidden" name="left" value="2">"#), "{by_id}");
    // The versions diff links to the same diff by id.
    let versions = registry.get("/ui/subjects/orders-value/diff?a=1&b=2").await.text;
    assert!(versions.contains(r#"<a href="/ui/diff?left=1&amp;right=2">"#), "{versions}");
}

/// Ids are per context: the by-id page and the diff by ids find an id in the context
/// `?subject=` names, every by-id link from a qualified subject carries it, and a diff of two
/// versions whose data contracts differ lists the metadata and rule changes.
#[tokio::test]
async fn by_id_pages_follow_contexts_and_diffs_list_contract_changes() {
    let registry = TestRegistry::start().await;
    registry.register_ok("orders-value", V1).await;
    registry.register_ok(":.team:orders-value", V2).await;
    // The same text with a data contract: a second version, id 2 of the .team context.
    let with_contract = serde_json::json!({
        "schema": V2,
        "metadata": {"properties": {"owner": "team"}},
        "ruleSet": {"domainRules": [{"name": "idSet", "kind": "CONDITION", "type": "CEL", "expr": "message.id > 0"}]},
    });
    let reply = registry.post("/subjects/:.team:orders-value/versions", with_contract).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["id"], 2, "{}", reply.text);

    let in_team = "subject=%3A.team%3A";
    // (path, status, what the page must contain, what it must not)
    #[rustfmt::skip]
    let cases: &[(&str, u16, &[&str], &[&str])] = &[
        ("/ui/ids/1", 200, &["<h1>Schema id 1</h1>", "/ui/subjects/orders-value\""], &["customer_id", "Context"]),
        ("/ui/ids/1?subject=:.team:", 200, &["<h1>Schema id 1 in context .team</h1>", "customer_id", "/ui/subjects/%3A.team%3Aorders-value", "<input type=\"hidden\" name=\"subject\" value=\":.team:\">", "/schemas/ids/1/schema?subject=%3A.team%3A"], &[]),
        ("/ui/ids/2?subject=:.team:orders-value", 200, &["in context .team", "/ui/diff?left=1&amp;right=2&amp;subject=%3A.team%3A"], &[]),
        ("/ui/ids/2", 404, &[], &[]),
        ("/ui/diff?left=1&right=2&subject=:.team:", 200, &["href=\"/ui/ids/1?subject=%3A.team%3A\"", "id=\"contract-changes\"", "PROPERTY_ADDED</code>: property owner = &quot;team&quot; added", "RULE_ADDED</code>: domain rule idSet"], &[]),
        ("/ui/diff?left=1&right=2", 404, &["Schema 2 not found"], &[]),
        ("/ui/subjects/:.team:orders-value/diff?a=1&b=2", 200, &["id=\"contract-changes\"", "/ui/diff?left=1&amp;right=2&amp;subject=%3A.team%3A"], &[]),
        ("/ui/subjects/orders-value", 200, &["href=\"/ui/ids/1\""], &["contract-changes"]),
        ("/ui/subjects/:.team:orders-value?version=1", 200, &["href=\"/ui/ids/1?subject=%3A.team%3A\"", "href=\"/ui/ids/2?subject=%3A.team%3A\""], &[]),
    ];
    for (path, status, present, absent) in cases {
        let page = registry.get(path).await;
        assert_eq!(page.status, *status, "{path}: {}", page.text);
        for wanted in *present {
            assert!(page.text.contains(wanted), "{path}: no {wanted:?} in\n{}", page.text);
        }
        for unwanted in *absent {
            assert!(!page.text.contains(unwanted), "{path}: {unwanted:?} in\n{}", page.text);
        }
    }
    // The id list in the subject list links the context's id too.
    let list = registry.get("/ui?q=team").await;
    assert!(list.text.contains(&format!("/ui/ids/2?{in_team}")), "{}", list.text);
}
