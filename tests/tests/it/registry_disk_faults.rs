//! The registry binary on a disk that fills up, then turns read-only: a small tmpfs mounted in a
//! user and mount namespace of its own (`unshare`; no root needed where unprivileged user
//! namespaces are allowed, as on Debian), the registry started inside it with `nsenter`. The
//! kernel's own ENOSPC and EROFS, not an injected error.
//!
//! What must hold: a refused write answers Confluent's 50001 and leaves nothing behind (no
//! subject, no burned version); every acknowledged write stays readable; reads keep working while
//! writes fail; when space returns the same process writes again; after a SIGKILL and a restart
//! everything acknowledged is there and no id is reused; on a read-only disk the registry starts,
//! serves reads, refuses writes, and takes them again once the disk is writable.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;

use serde_json::json;

use crate::harness::{ChildRegistry, WAIT};

/// A tmpfs of a given size, mounted over a temporary directory inside a user and mount namespace
/// that a `sleep` holds open; the namespace (and the tmpfs) goes away when it is dropped.
struct SmallDisk {
    holder: Child,
    dir: PathBuf,
    _parent: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size_kib: u32) -> SmallDisk {
        let parent = tempfile::tempdir().expect("temp dir");
        let dir = parent.path().join("data");
        std::fs::create_dir(&dir).expect("mount point");
        let script = format!(
            "mount -t tmpfs -o size={size_kib}k tmpfs '{}' && echo mounted && exec sleep 600",
            dir.display()
        );
        let mut holder = Command::new("unshare")
            .args(["--user", "--map-root-user", "--mount", "sh", "-c", &script])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("unshare(1) from util-linux");
        let stdout = holder.stdout.take().expect("stdout");
        let (sender, mounted) = mpsc::channel();
        std::thread::spawn(move || {
            let first = BufReader::new(stdout).lines().next();
            let _ = sender.send(first.and_then(Result::ok));
        });
        if mounted.recv_timeout(WAIT).ok().flatten().as_deref() != Some("mounted") {
            let _ = holder.kill();
            let output = holder.wait_with_output().expect("unshare output");
            panic!(
                "could not mount a tmpfs in a user namespace (unprivileged user namespaces must \
                 be allowed): {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        SmallDisk { holder, dir, _parent: parent }
    }

    /// `nsenter` into the holder's namespaces: what runs after it sees the tmpfs.
    fn enter(&self) -> Vec<String> {
        let pid = self.holder.id().to_string();
        ["nsenter", "-t", &pid, "-U", "-m"].map(str::to_owned).to_vec()
    }

    fn remount(&self, options: &str) {
        let status = Command::new("nsenter")
            .args(&self.enter()[1..])
            .args(["mount", "-o", &format!("remount,{options}")])
            .arg(&self.dir)
            .status()
            .expect("nsenter mount");
        assert!(status.success(), "remount {options}");
    }

    fn registry(&self) -> ChildRegistry {
        ChildRegistry::spawn_wrapped(&self.enter(), &self.dir, &[], &[])
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = self.holder.kill();
        let _ = self.holder.wait();
    }
}

/// A schema of about 2 KiB, different for each `n`, so a few hundred fill the disk.
fn schema(n: usize) -> String {
    json!({
        "type": "record",
        "name": format!("Event{n}"),
        "namespace": "disk.faults",
        "doc": "x".repeat(2048),
        "fields": [{"name": "id", "type": "long"}],
    })
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_then_read_only_disk_loses_nothing_acknowledged() {
    let disk = SmallDisk::mount(512);
    let mut registry = disk.registry();

    // Fill the disk: acknowledged registrations until the first refusal (bounded).
    let mut acked: Vec<(String, i64)> = Vec::new();
    let mut refused = None;
    for n in 0..2_000 {
        let subject = format!("s{n}");
        let reply = registry
            .post(&format!("/subjects/{subject}/versions"), json!({"schema": schema(n)}))
            .await;
        if reply.status == 200 {
            acked.push((subject, reply.body["id"].as_i64().expect("id")));
        } else {
            refused = Some((subject, reply));
            break;
        }
    }
    let (refused_subject, reply) = refused.expect("a 512 KiB disk fills before 2,000 x 2 KiB");
    assert!(acked.len() >= 10, "only {} writes fit before the first refusal", acked.len());
    assert_eq!((reply.status, reply.error_code()), (500, Some(50001)), "{}", reply.text);
    let message = reply.body["message"].as_str().unwrap_or_default().to_owned();
    assert!(message.contains("space") || message.contains("storage"), "{message}");

    // Reads go on; the refused write left nothing; another write is refused the same way.
    let check_all = |registry: &ChildRegistry, acked: Vec<(String, i64)>| {
        let http = registry.http.clone();
        async move {
            for (subject, id) in &acked {
                let latest = http.get(&format!("/subjects/{subject}/versions/latest")).await;
                assert_eq!(latest.status, 200, "{subject}: {}", latest.text);
                assert_eq!(latest.body["id"].as_i64(), Some(*id), "{subject}");
                assert_eq!(latest.body["version"].as_i64(), Some(1), "{subject}");
            }
        }
    };
    check_all(&registry, acked.clone()).await;
    let missing = registry.get(&format!("/subjects/{refused_subject}/versions")).await;
    assert_eq!(missing.status, 404, "{}", missing.text);
    let again = registry.post("/subjects/again/versions", json!({"schema": schema(9_999)})).await;
    assert_eq!((again.status, again.error_code()), (500, Some(50001)), "{}", again.text);
    let subjects = registry.get("/subjects").await;
    assert_eq!(subjects.body.as_array().map(Vec::len), Some(acked.len()), "{}", subjects.text);

    // Space returns: the same process writes again, with a fresh id.
    disk.remount("size=8m");
    let max_id = acked.iter().map(|(_, id)| *id).max().expect("acked");
    let after = registry.post("/subjects/after/versions", json!({"schema": schema(10_000)})).await;
    assert_eq!(after.status, 200, "{}", after.text);
    let after_id = after.body["id"].as_i64().expect("id");
    assert!(after_id > max_id, "id {after_id} reused (max acknowledged {max_id})");
    acked.push(("after".into(), after_id));

    // SIGKILL and restart on the same tmpfs: everything acknowledged is there.
    registry.signal("KILL");
    let _ = registry.wait_exit();
    let registry = disk.registry();
    check_all(&registry, acked.clone()).await;
    let missing = registry.get(&format!("/subjects/{refused_subject}/versions")).await;
    assert_eq!(missing.status, 404, "{}", missing.text);
    let next = registry.post("/subjects/next/versions", json!({"schema": schema(10_001)})).await;
    assert_eq!(next.status, 200, "{}", next.text);
    assert!(next.body["id"].as_i64().expect("id") > after_id, "{}", next.text);

    // A full disk again, then a restart on it: the registry starts (replay needs no space) and
    // serves everything; a write that does not fit is refused with nothing left behind.
    disk.remount("size=600k");
    let mut registry = registry;
    let mut n = 20_000;
    loop {
        let reply =
            registry.post(&format!("/subjects/f{n}/versions"), json!({"schema": schema(n)})).await;
        if reply.status != 200 {
            assert_eq!((reply.status, reply.error_code()), (500, Some(50001)), "{}", reply.text);
            break;
        }
        acked.push((format!("f{n}"), reply.body["id"].as_i64().expect("id")));
        n += 1;
        assert!(n < 22_000, "the disk never filled");
    }
    registry.signal("KILL");
    let _ = registry.wait_exit();
    let registry = disk.registry();
    check_all(&registry, acked.clone()).await;
    let refused = registry.post("/subjects/still/versions", json!({"schema": schema(n)})).await;
    assert_eq!((refused.status, refused.error_code()), (500, Some(50001)), "{}", refused.text);
    let missing = registry.get("/subjects/still/versions").await;
    assert_eq!(missing.status, 404, "{}", missing.text);
    drop(registry);

    // A read-only file system (Linux refuses that remount while the log is open for writing, so
    // the registry is stopped first): it starts, serves reads and refuses writes with 50001...
    disk.remount("ro");
    let registry = disk.registry();
    check_all(&registry, acked.clone()).await;
    let refused = registry.post("/subjects/ro/versions", json!({"schema": schema(30_000)})).await;
    assert_eq!((refused.status, refused.error_code()), (500, Some(50001)), "{}", refused.text);
    let config = registry.put("/config", json!({"compatibility": "NONE"})).await;
    assert_eq!((config.status, config.error_code()), (500, Some(50001)), "{}", config.text);
    // ...until the disk is writable again, when the same process takes writes.
    disk.remount("rw,size=8m");
    let back = registry.post("/subjects/ro/versions", json!({"schema": schema(30_000)})).await;
    assert_eq!(back.status, 200, "{}", back.text);
    assert!(back.body["id"].as_i64().expect("id") > max_id, "{}", back.text);
    acked.push(("ro".into(), back.body["id"].as_i64().expect("id")));
    check_all(&registry, acked).await;
}
