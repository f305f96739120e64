//! The web UI in a real headless Chromium, driven through chromedriver (Debian's `chromium` and
//! `chromium-driver`, installed by scripts/test.sh) with fantoccini: what a user does, click by
//! click. Filter the subject list, open a subject, raise its level, diff two versions and find
//! the breaking finding, diff two schemas by id, paste an incompatible schema in the tester and
//! see each finding at its line, register a compatible one and see it listed. With
//! authentication on: a reader sees only what the rules let them read and no admin action, and a
//! forged post is refused; an admin changes a level; no credentials get the 401 page.
//!
//! Every page visited is saved as a PNG under `target/ui-screenshots/` (test artifacts, not
//! committed). With `SCHEMATA_UI_README_SCREENSHOTS=1` the subject page and the diff are also
//! written to `docs/` for the README. A missing chromedriver fails the test with instructions.

use std::net::TcpListener;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::harness::{TestRegistry, WAIT};

const V1: &str =
    r#"{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"long"}]}"#;
const V2: &str = r#"{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"long"},{"name":"customer_id","type":"string","default":""}]}"#;
/// Adds `total` without a default: BACKWARD breaks (registered while the level is NONE).
const V3: &str = r#"{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"long"},{"name":"customer_id","type":"string","default":""},{"name":"total","type":"double"}]}"#;

/// Pasted into the tester: `id` retyped and a field without default, one finding each.
const INCOMPATIBLE: &str = r#"{
  "type": "record",
  "name": "Order",
  "namespace": "shop",
  "fields": [
    {"name": "id", "type": "string"},
    {"name": "customer_id", "type": "string", "default": ""},
    {"name": "total", "type": "double"},
    {"name": "currency", "type": "string"}
  ]
}"#;

/// Pasted into the tester: v3 plus a field with a default, compatible.
const COMPATIBLE: &str = r#"{
  "type": "record",
  "name": "Order",
  "namespace": "shop",
  "fields": [
    {"name": "id", "type": "long"},
    {"name": "customer_id", "type": "string", "default": ""},
    {"name": "total", "type": "double"},
    {"name": "currency", "type": "string", "default": "EUR"}
  ]
}"#;

/// chromedriver: `$SCHEMATA_CHROMEDRIVER`, else `chromedriver` on `PATH` (Debian installs it as
/// /usr/bin/chromedriver).
fn chromedriver() -> PathBuf {
    if let Some(path) = std::env::var_os("SCHEMATA_CHROMEDRIVER") {
        return PathBuf::from(path);
    }
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .map(|dir| dir.join("chromedriver"))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!(
                "chromedriver is missing: run scripts/test.sh (it installs Debian's chromium and \
                 chromium-driver) or set SCHEMATA_CHROMEDRIVER to the binary"
            )
        })
}

/// A chromedriver child process on a loopback port; killed when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    fn start() -> Driver {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free loopback port")
            .port();
        // Its own process group, so that dropping the driver also ends the Chromium processes
        // it started, even when a failed step left a session open.
        let child = Command::new(chromedriver())
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("start chromedriver");
        Driver { child, url: format!("http://127.0.0.1:{port}") }
    }

    /// A headless Chromium session, retried until chromedriver listens (bounded).
    async fn session(&self) -> Client {
        let mut capabilities = serde_json::Map::new();
        let mut options = json!({
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,1000", "--hide-scrollbars"],
        });
        if let Some(binary) = std::env::var_os("SCHEMATA_CHROMIUM") {
            options["binary"] = json!(binary.to_string_lossy());
        } else if Path::new("/usr/bin/chromium").is_file() {
            options["binary"] = json!("/usr/bin/chromium");
        }
        capabilities.insert("goog:chromeOptions".into(), options);
        let deadline = Instant::now() + WAIT;
        loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(capabilities.clone())
                .connect(&self.url)
                .await
            {
                Ok(client) => return client,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("no Chromium session from chromedriver at {}: {e}", self.url),
            }
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The whole group: chromedriver and every browser process it started.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Saves what the browser shows under `target/ui-screenshots/NAME.png` (and `docs/NAME.png`
/// for the README when asked).
async fn screenshot(client: &Client, name: &str) {
    let png = client.screenshot().await.expect("screenshot");
    assert!(png.starts_with(b"\x89PNG"), "{name}: a PNG");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = root.join("target/ui-screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    std::fs::write(dir.join(format!("{name}.png")), &png).expect("write screenshot");
    if std::env::var_os("SCHEMATA_UI_README_SCREENSHOTS").is_some()
        && matches!(name, "subject" | "diff")
    {
        let docs = root.join("docs");
        std::fs::create_dir_all(&docs).expect("docs dir");
        std::fs::write(docs.join(format!("ui-{name}.png")), &png).expect("write README screenshot");
    }
}

/// The visible text of the element `css` selects.
async fn text(client: &Client, css: &str) -> String {
    let mut found = texts(client, css).await;
    assert!(!found.is_empty(), "{css}: no such element");
    found.swap_remove(0)
}

/// The visible text of every element `css` selects. An element can go stale between being
/// found and being read when a script or a late navigation replaces it (seen on a loaded
/// machine), so the read starts over, within the same bound as page loads.
async fn texts(client: &Client, css: &str) -> Vec<String> {
    let deadline = Instant::now() + WAIT;
    loop {
        let read = async {
            let mut out = Vec::new();
            for element in client.find_all(Locator::Css(css)).await? {
                out.push(element.text().await?);
            }
            Ok::<_, fantoccini::error::CmdError>(out)
        };
        match read.await {
            Ok(out) => return out,
            Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("{css}: {e}"),
        }
    }
}

/// Clicks what `css` selects and waits (bounded) until the page it leads to has loaded: the old
/// document's root has gone stale and the new one is complete.
async fn click(client: &Client, css: &str) {
    let old = client.find(Locator::Css("html")).await.expect("the page's root");
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
    let deadline = Instant::now() + WAIT;
    loop {
        let gone = old.tag_name().await.is_err();
        let complete = client
            .execute("return document.readyState", Vec::new())
            .await
            .is_ok_and(|state| state == "complete");
        if gone && complete {
            return;
        }
        assert!(Instant::now() < deadline, "clicking {css} did not load a page within {WAIT:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn select(client: &Client, css: &str, value: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .select_by_value(value)
        .await
        .unwrap_or_else(|e| panic!("select {value} in {css}: {e}"));
}

/// Clears the tester's text area and types `schema` into it, as a user pasting would.
async fn paste_schema(client: &Client, schema: &str) {
    let area = client.find(Locator::Css("textarea#schema")).await.expect("the schema text area");
    area.clear().await.expect("clear the text area");
    area.send_keys(schema).await.expect("type the schema");
}

/// The 1-based line of the first line of `text` containing `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|line| line.contains(needle)).expect("needle in text") + 1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_browses_diffs_tests_and_registers() {
    let registry = TestRegistry::start().await;
    registry.register_ok("orders-value", V1).await;
    registry.register_ok("orders-value", V2).await;
    let none = registry.put("/config/orders-value", json!({"compatibility": "NONE"})).await;
    assert_eq!(none.status, 200, "{}", none.text);
    registry.register_ok("orders-value", V3).await;
    let users = registry
        .post(
            "/subjects/users-value/versions",
            json!({"schema": r#"{"type":"object","properties":{"customer_id":{"type":"string"}}}"#, "schemaType": "JSON"}),
        )
        .await;
    assert_eq!(users.status, 200, "{}", users.text);

    let driver = Driver::start();
    let client = driver.session().await;
    let outcome = tokio::time::timeout(Duration::from_secs(120), walk(&client, &registry)).await;
    let _ = client.close().await;
    outcome.expect("the walk through the UI finishes within 2 minutes");
}

async fn walk(client: &Client, registry: &TestRegistry) {
    // The subject list, filtered by name.
    client.goto(&registry.url("/ui")).await.expect("open /ui");
    assert_eq!(
        texts(client, "main table tbody tr td:first-child a").await,
        ["orders-value", "users-value"]
    );
    screenshot(client, "subjects").await;
    let filter = client.find(Locator::Css("input#q")).await.expect("the name filter");
    filter.send_keys("orders").await.expect("type a filter");
    click(client, "form.filters button[type=submit]").await;
    assert_eq!(texts(client, "main table tbody tr td:first-child a").await, ["orders-value"]);
    screenshot(client, "subjects-filtered").await;

    // A subject: its three versions; raise its level back to BACKWARD from the settings form.
    click(client, "main table tbody tr td:first-child a").await;
    let url = client.current_url().await.expect("current url");
    assert_eq!(url.path(), "/ui/subjects/orders-value");
    assert_eq!(text(client, "h1").await, "Subject orders-value");
    select(client, "select#set-level", "BACKWARD").await;
    click(client, "form[action$='/settings'] button[type=submit]").await;
    let notice = text(client, "main").await;
    assert!(notice.contains("level set to BACKWARD"), "{notice}");
    let config = registry.get("/config/orders-value").await;
    assert!(config.text.contains("\"BACKWARD\""), "{}", config.text);
    screenshot(client, "subject").await;

    // Diff v2 → v3: the field without a default breaks BACKWARD, now the subject's level.
    select(client, "select#diff-a", "2").await;
    select(client, "select#diff-b", "3").await;
    click(client, "form[action$='/diff'] button[type=submit]").await;
    let backward = text(client, "section[aria-labelledby=dir-BACKWARD]").await;
    assert!(backward.contains("breaking under BACKWARD"), "{backward}");
    assert!(backward.contains("READER_FIELD_MISSING_DEFAULT_VALUE"), "{backward}");
    let changes = texts(client, "ul#changes li").await;
    assert!(
        changes.iter().any(|c| c.starts_with("FIELD_ADDED") && c.contains("'total'")),
        "{changes:?}"
    );
    // The finding links to the line of v3 it is about, and that line is in the text diff.
    let link = client
        .find(Locator::Css("section[aria-labelledby=dir-BACKWARD] li a"))
        .await
        .expect("a link to the finding's line");
    let target = link.attr("href").await.expect("href").expect("an anchor");
    let line = client
        .find(Locator::Css(&target))
        .await
        .unwrap_or_else(|e| panic!("the anchor {target} exists: {e}"));
    assert!(line.text().await.expect("line number").parse::<usize>().is_ok(), "{target}");
    screenshot(client, "diff").await;

    // Any two schemas by id, from the by-id page's form: v2's id 2 against v3's id 3, judged
    // by default under the level of orders-value, the one subject holding id 3.
    client.goto(&registry.url("/ui/ids/2")).await.expect("open the by-id page");
    let other = client.find(Locator::Css("input#diff-right")).await.expect("the diff form");
    other.send_keys("3").await.expect("type an id");
    click(client, "form#diff-with button[type=submit]").await;
    assert_eq!(text(client, "h1").await, "Diff of schema id 2 → id 3");
    let judged = text(client, "main > p").await;
    assert!(judged.contains("Judged under BACKWARD, the level of orders-value"), "{judged}");
    let backward = text(client, "section[aria-labelledby=dir-BACKWARD]").await;
    assert!(backward.contains("breaking under BACKWARD"), "{backward}");
    assert!(backward.contains("READER_FIELD_MISSING_DEFAULT_VALUE"), "{backward}");
    // Picking NONE judges the same findings as not required.
    select(client, "select#diff-level", "NONE").await;
    click(client, "form[action='/ui/diff'] button[type=submit]").await;
    let backward = text(client, "section[aria-labelledby=dir-BACKWARD]").await;
    assert!(
        backward.contains("incompatible, but NONE does not require this direction"),
        "{backward}"
    );
    screenshot(client, "diff-by-id").await;

    // The tester: an incompatible paste gets one finding per problem, each at its line.
    client.goto(&registry.url("/ui/subjects/orders-value/test")).await.expect("open the tester");
    paste_schema(client, INCOMPATIBLE).await;
    click(client, "button[value=check]").await;
    let verdict = text(client, "#result-title").await;
    assert!(verdict.contains("2 incompatibilities"), "{verdict}");
    let findings = texts(client, "ul#findings li").await;
    assert_eq!(findings.len(), 2, "{findings:?}");
    let expect_at = |rule: &str, needle: &str| {
        let line = line_of(INCOMPATIBLE, needle);
        assert!(
            findings.iter().any(|f| f.contains(rule) && f.contains(&format!("line {line}"))),
            "{rule} at line {line} in {findings:?}"
        );
    };
    expect_at("TYPE_MISMATCH", r#""name": "id""#);
    expect_at("READER_FIELD_MISSING_DEFAULT_VALUE", r#""name": "currency""#);
    // Nothing was registered by checking.
    let versions = registry.get("/subjects/orders-value/versions").await;
    assert_eq!(versions.text, "[1,2,3]");
    screenshot(client, "tester-findings").await;

    // A compatible paste registers and shows up as version 4.
    paste_schema(client, COMPATIBLE).await;
    click(client, "button[value=register]").await;
    let main = text(client, "main").await;
    assert!(main.contains("Registered version 4"), "{main}");
    let versions = texts(client, "main table tbody tr td:first-child a").await;
    assert!(versions.contains(&"v4".to_owned()), "{versions:?}");
    let versions = registry.get("/subjects/orders-value/versions").await;
    assert_eq!(versions.text, "[1,2,3,4]");
    screenshot(client, "registered").await;
}

/// `path` on the registry with `user`'s credentials in the URL's userinfo. Chromium answers the
/// registry's Basic challenge with them and keeps them for the origin, so later navigations,
/// form posts and `fetch` calls of the page carry them too. (Chosen over CDP's
/// `Network.setExtraHTTPHeaders`: it is what a user does, needs no vendor command, and a fresh
/// session per user keeps the identities apart.)
fn with_user(registry: &TestRegistry, user: &str, path: &str) -> String {
    let secret = crate::ui_auth::password(user);
    registry.url(path).replacen("http://", &format!("http://{user}:{secret}@"), 1)
}

/// Posts a form from the page with `fetch`, as a forged request would; the answer's status.
async fn fetch_post(client: &Client, path: &str, body: &str) -> u64 {
    let script = r#"
        const [path, body, done] = arguments;
        fetch(path, { method: "POST", body,
                      headers: { "Content-Type": "application/x-www-form-urlencoded" } })
            .then(r => done(r.status), e => done(String(e)));
    "#;
    let status = client
        .execute_async(script, vec![json!(path), json!(body)])
        .await
        .unwrap_or_else(|e| panic!("fetch {path}: {e}"));
    status.as_u64().unwrap_or_else(|| panic!("fetch {path}: {status}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_authentication_each_user_sees_what_they_may() {
    let (registry, _dir) = crate::ui_auth::secured().await;
    let driver = Driver::start();
    let walks = async {
        let reader = driver.session().await;
        walk_as_reader(&reader, &registry).await;
        let _ = reader.close().await;
        let admin = driver.session().await;
        walk_as_admin(&admin, &registry).await;
        let _ = admin.close().await;
        let anonymous = driver.session().await;
        anonymous.goto(&registry.url("/ui")).await.expect("open /ui without credentials");
        let shown = text(&anonymous, "body").await;
        assert!(!shown.contains("orders-value"), "nothing of the registry is shown: {shown}");
        screenshot(&anonymous, "auth-anonymous").await;
        // Headless Chromium cancels the password prompt and shows its own error page, whose
        // origin is not the registry's: what the registry answers is read with `fetch` from
        // the one page open to everybody, `/health/live` (with `credentials: "omit"`, so the
        // browser hands the 401 to the page instead of prompting for a password).
        anonymous.goto(&registry.url("/health/live")).await.expect("open /health/live");
        let script = r#"
            const done = arguments[0];
            fetch("/ui", { credentials: "omit" }).then(async r => done([r.status, r.headers.get("www-authenticate"),
                                               await r.text()]), e => done(String(e)));
        "#;
        let answer = anonymous.execute_async(script, Vec::new()).await.expect("fetch /ui");
        assert_eq!(answer[0], 401, "{answer}");
        assert_eq!(answer[1], "Basic realm=\"schemata\", charset=\"UTF-8\"", "{answer}");
        assert!(answer[2].as_str().is_some_and(|body| body.contains("40101")), "{answer}");
        let _ = anonymous.close().await;
    };
    tokio::time::timeout(Duration::from_secs(150), walks)
        .await
        .expect("the walks through the UI finish within 150 s");
}

async fn walk_as_reader(client: &Client, registry: &TestRegistry) {
    // rita may read orders-* only: the list, the search and the by-id pages show nothing else.
    client.goto(&with_user(registry, "rita", "/ui")).await.expect("open /ui as rita");
    assert_eq!(texts(client, "main table tbody tr td:first-child a").await, ["orders-value"]);
    screenshot(client, "auth-reader-subjects").await;
    click(client, "main table tbody tr td:first-child a").await;
    assert_eq!(text(client, "h1").await, "Subject orders-value");
    for action in ["form[action$='/settings']", "a[href*='/delete']", "a[href$='/test']"] {
        let found = client.find_all(Locator::Css(action)).await.expect("find");
        assert!(found.is_empty(), "rita is offered {action}");
    }
    screenshot(client, "auth-reader-subject").await;
    client.goto(&registry.url("/ui/search?field=customer_id")).await.expect("search");
    assert_eq!(texts(client, "table#hits tbody tr td:first-child a").await, ["2"]);
    screenshot(client, "auth-reader-search").await;
    // payments-value's id 3 answers as an absent id would.
    client.goto(&registry.url("/ui/diff?left=1&right=3")).await.expect("diff by ids");
    assert_eq!(text(client, "#diff-error").await, "Schema 3 not found");
    screenshot(client, "auth-reader-diff-hidden").await;
    // A forged settings post from the page carries rita's credentials and is refused (a post
    // without credentials would get 401).
    assert_eq!(fetch_post(client, "/ui/subjects/orders-value/settings", "level=NONE").await, 403);
    assert_eq!(fetch_post(client, "/ui/subjects/orders-value/delete", "version=1").await, 403);
    let ada = crate::ui_auth::as_user(registry, "ada", &crate::ui_auth::password("ada"));
    assert_eq!(ada.get("/config/orders-value").await.status, 404, "no level was set");
    assert_eq!(ada.get("/subjects/orders-value/versions").await.text, "[1,2]");
}

async fn walk_as_admin(client: &Client, registry: &TestRegistry) {
    client.goto(&with_user(registry, "ada", "/ui")).await.expect("open /ui as ada");
    assert_eq!(
        texts(client, "main table tbody tr td:first-child a").await,
        ["orders-value", "payments-value"]
    );
    click(client, "main table tbody tr td:first-child a").await;
    select(client, "select#set-level", "FULL").await;
    click(client, "form[action$='/settings'] button[type=submit]").await;
    let notice = text(client, "main").await;
    assert!(notice.contains("level set to FULL"), "{notice}");
    let ada = crate::ui_auth::as_user(registry, "ada", &crate::ui_auth::password("ada"));
    assert_eq!(ada.get("/config/orders-value").await.body["compatibilityLevel"], "FULL");
    screenshot(client, "auth-admin-subject").await;
}
