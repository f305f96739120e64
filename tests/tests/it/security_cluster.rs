//! Forwarding between Kafka-backed instances (child processes on a real tansu broker) with HTTPS,
//! client certificates, HTTP Basic and rules on: a follower forwards a write to an HTTPS leader,
//! trusting the configured CA; the follower refuses what the caller may not do without
//! forwarding, and the leader decides again with the caller's own rights (Basic credentials
//! travel, a client certificate's principal is vouched for by the follower's instance
//! certificate); a caller without write rights gets 403 and nothing is written; a spoofed
//! principal header is ignored; a follower that does not trust the leader's certificate answers
//! Confluent's 50003.

use std::path::Path;
use std::time::Duration;

use serde_json::json;

use crate::broker::{Broker, unique};
use crate::harness::{ChildRegistry, Http, WAIT};
use crate::registry_kafka_cluster::{distinct_schema, instance};
use crate::security_support::{Leaf, TestCa};

const RULES: &str = "[principals.ci-bot]\nroles = ['developer']\n\n\
                     [principals.viewer]\nroles = ['reader']\n";

/// The instance certificate's principal, trusted to name forwarded mTLS callers.
const NODE: &str = "registry-node";

fn write_leaf(dir: &Path, name: &str, leaf: &Leaf) -> (String, String) {
    let (cert, key) = (dir.join(format!("{name}.pem")), dir.join(format!("{name}-key.pem")));
    std::fs::write(&cert, &leaf.cert_pem).unwrap();
    std::fs::write(&key, &leaf.key_pem).unwrap();
    (cert.display().to_string(), key.display().to_string())
}

/// An https `Http` for `instance` trusting `ca`, with a client certificate and/or Basic
/// credentials.
fn https(
    instance: &ChildRegistry,
    ca: &TestCa,
    identity: Option<&Leaf>,
    basic: Option<(&str, &str)>,
) -> Http {
    let mut builder = reqwest::Client::builder()
        .timeout(WAIT)
        .connect_timeout(Duration::from_secs(5))
        .tls_certs_only([reqwest::Certificate::from_pem(ca.pem().as_bytes()).unwrap()]);
    if let Some(leaf) = identity {
        let pem = format!("{}{}", leaf.cert_pem, leaf.key_pem);
        builder = builder.identity(reqwest::Identity::from_pem(pem.as_bytes()).unwrap());
    }
    if let Some((user, password)) = basic {
        use base64::Engine as _;
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("authorization", format!("Basic {token}").parse().unwrap());
        builder = builder.default_headers(headers);
    }
    let base = instance.http.base.replace("http://", "https://");
    Http { base, client: builder.build().unwrap() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn followers_forward_to_an_https_leader_with_the_callers_rights() {
    let (ca, rogue) = (TestCa::new("cluster CA"), TestCa::new("rogue CA"));
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (server_cert, server_key) = write_leaf(d, "server", &ca.server());
    let (node_cert, node_key) = write_leaf(d, "node", &ca.client(NODE));
    std::fs::write(d.join("ca.pem"), ca.pem()).unwrap();
    std::fs::write(d.join("rogue.pem"), rogue.pem()).unwrap();
    std::fs::write(d.join("rules.toml"), RULES).unwrap();
    let mut users = String::new();
    for (name, role) in [("writer", "developer"), ("reader", "reader"), ("boss", "admin")] {
        let hash = schemata_registry::hash_password(&format!("{name}-pw")).unwrap();
        users.push_str(&format!("[users.{name}]\npassword_hash = '{hash}'\nroles = ['{role}']\n"));
    }
    std::fs::write(d.join("users.toml"), users).unwrap();
    let (ca_path, rogue_path) = (d.join("ca.pem"), d.join("rogue.pem"));
    let (ca_path, rogue_path) = (ca_path.display().to_string(), rogue_path.display().to_string());
    let (users_path, rules_path) = (d.join("users.toml"), d.join("rules.toml"));
    let (users_path, rules_path) =
        (users_path.display().to_string(), rules_path.display().to_string());
    let secured = |forward_ca: &str, identity: bool, follower: bool| {
        let mut args = vec![
            "--tls-cert",
            &server_cert,
            "--tls-key",
            &server_key,
            "--tls-client-ca",
            &ca_path,
            "--tls-client-auth",
            "optional",
            "--auth-users-file",
            &users_path,
            "--auth-rules-file",
            &rules_path,
            "--auth-cluster-principals",
            NODE,
        ]
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
        args.extend(["--forward-tls-ca".to_owned(), forward_ca.to_owned()]);
        if identity {
            args.extend(
                ["--forward-tls-cert", &node_cert, "--forward-tls-key", &node_key]
                    .map(str::to_owned),
            );
        }
        if follower {
            args.extend(["--kafka-leader-eligible".to_owned(), "false".to_owned()]);
        }
        args
    };
    let broker = Broker::start();
    let topic = unique("_schemas");
    let spawn = |args: Vec<String>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        instance(&broker, &topic, d, &args)
    };
    let leader = spawn(secured(&ca_path, true, false));
    let follower = spawn(secured(&ca_path, true, true));
    // A follower without an instance certificate, and one that does not trust the leader's.
    let anonymous_follower = spawn(secured(&ca_path, false, true));
    let distrustful = spawn(secured(&rogue_path, true, true));

    let boss = https(&leader, &ca, None, Some(("boss", "boss-pw")));
    boss.register_ok("seed-value", &distinct_schema("seed")).await;

    let basic = |instance: &ChildRegistry, user: &str| {
        let password = format!("{user}-pw");
        https(instance, &ca, None, Some((user, &password)))
    };
    let cert =
        |instance: &ChildRegistry, name: &str| https(instance, &ca, Some(&ca.client(name)), None);

    // (caller through the follower, subject, expected status, expected error code)
    let cases: Vec<(&str, Http, &str, u16, Option<i64>)> = vec![
        ("writer (Basic)", basic(&follower, "writer"), "basic-writer-value", 200, None),
        ("reader (Basic)", basic(&follower, "reader"), "basic-reader-value", 403, Some(40301)),
        (
            "wrong password",
            https(&follower, &ca, None, Some(("writer", "nope"))),
            "wrong-value",
            401,
            Some(40101),
        ),
        ("ci-bot (certificate)", cert(&follower, "ci-bot"), "cert-bot-value", 200, None),
        ("viewer (certificate)", cert(&follower, "viewer"), "cert-viewer-value", 403, Some(40301)),
        ("nobody", https(&follower, &ca, None, None), "nobody-value", 401, Some(40101)),
        // The instance certificate alone grants nothing, on the leader directly.
        ("the instance certificate", cert(&leader, NODE), "node-value", 401, Some(40101)),
        // Without an instance certificate the leader cannot believe the follower's word.
        (
            "ci-bot through a follower without identity",
            cert(&anonymous_follower, "ci-bot"),
            "unvouched-value",
            401,
            Some(40101),
        ),
        // A follower that does not trust the leader's certificate cannot forward.
        (
            "writer through a distrustful follower",
            basic(&distrustful, "writer"),
            "distrust-value",
            500,
            Some(50003),
        ),
    ];
    let boss_on_follower = https(&follower, &ca, None, Some(("boss", "boss-pw")));
    let (leader_before, follower_before) = (denials(&boss).await, denials(&boss_on_follower).await);
    let mut problems = Vec::new();
    for (who, http, subject, status, code) in &cases {
        let schema = distinct_schema(subject);
        let reply = http.register(subject, &schema).await;
        if reply.status != *status || (code.is_some() && reply.error_code() != *code) {
            problems.push(format!(
                "{who}: {status} {code:?} expected, got {} {}",
                reply.status, reply.text
            ));
        }
        // What was refused was not written; what was acknowledged is on the leader.
        let on_leader = boss.get(&format!("/subjects/{subject}/versions")).await;
        let expected = if *status == 200 { 200 } else { 404 };
        if on_leader.status != expected {
            problems.push(format!("{who}: the leader answers {} for {subject}", on_leader.status));
        }
    }

    // The follower refused its callers itself (2 forbidden, 2 unauthenticated): nothing it
    // refused reached the leader, which refused only what came to it unvouched (2).
    let (leader_after, follower_after) = (denials(&boss).await, denials(&boss_on_follower).await);
    assert_eq!(
        (follower_after.0 - follower_before.0, follower_after.1 - follower_before.1),
        (2, 2),
        "follower denials (unauthenticated, forbidden)"
    );
    assert_eq!(
        (leader_after.0 - leader_before.0, leader_after.1 - leader_before.1),
        (2, 0),
        "leader denials (unauthenticated, forbidden)"
    );

    // A caller cannot borrow another's name with the header: not through a follower (it drops
    // the header and forwards the caller's own credentials) and not at the leader from a
    // certificate that is not an instance's.
    let spoofs = [
        ("reader naming ci-bot via the follower", basic(&follower, "reader"), "spoof-a-value"),
        ("viewer naming ci-bot via the follower", cert(&follower, "viewer"), "spoof-b-value"),
        ("viewer naming ci-bot at the leader", cert(&leader, "viewer"), "spoof-c-value"),
    ];
    for (who, http, subject) in spoofs {
        let body = serde_json::to_vec(&json!({ "schema": distinct_schema(subject) })).unwrap();
        let reply = http
            .client
            .post(http.url(&format!("/subjects/{subject}/versions")))
            .header("content-type", schemata_core::api::CONTENT_TYPE)
            .header("x-schemata-principal", "ci-bot")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = reply.status().as_u16();
        let text = reply.text().await.unwrap_or_default();
        if status != 403 {
            problems.push(format!("{who}: 403 expected, got {status} {text}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // What ci-bot wrote through the follower is readable there at once (read-your-writes).
    let read = cert(&follower, "viewer").get("/subjects/cert-bot-value/versions").await;
    assert_eq!((read.status, read.body.clone()), (200, json!([1])), "{}", read.text);

    // The instance certificate is rotated in place: the follower's next forward presents the
    // new one. A certificate that is not a cluster principal's is only itself to the leader,
    // which ignores the name it vouches for (403 naming the stranger); the instance's own again
    // makes it work (200).
    let bot = cert(&follower, "ci-bot");
    write_leaf(d, "node", &ca.client("stranger-node"));
    let refused = until_status(&bot, "rotated-out", 403).await;
    assert!(refused.text.contains("'stranger-node'"), "{}", refused.text);
    write_leaf(d, "node", &ca.client(NODE));
    until_status(&bot, "rotated-in", 200).await;
}

/// `schemata_auth_denials_total` of an instance: (unauthenticated, forbidden).
async fn denials(http: &Http) -> (u64, u64) {
    let text = http.get("/metrics").await.text;
    let count = |reason: &str| {
        let prefix = format!("schemata_auth_denials_total{{reason=\"{reason}\"}} ");
        text.lines().find_map(|l| l.strip_prefix(&prefix)?.parse::<u64>().ok()).expect("denials")
    };
    (count("unauthenticated"), count("forbidden"))
}

/// Registers new subjects through `http` until one answers `status` (bounded by `WAIT`).
async fn until_status(http: &Http, tag: &str, status: u16) -> crate::harness::Reply {
    let deadline = std::time::Instant::now() + WAIT;
    for n in 0.. {
        let subject = format!("{tag}-{n}-value");
        let reply = http.register(&subject, &distinct_schema(&subject)).await;
        if reply.status == status {
            return reply;
        }
        assert!(std::time::Instant::now() < deadline, "{tag}: never {status}: {}", reply.text);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    unreachable!("the loop above only ends by returning or failing")
}
