//! `ferret watch --format jsonl`: a lockfile edit in a temp project arrives as a `change`
//! event naming the added package and its verdict; a truncated write first gives an `error`
//! event and the watcher recovers on the complete write.
#![expect(clippy::unwrap_used, reason = "tests unwrap on fixture files")]

use serde_json::Value;
use std::io::BufRead as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Kills the watcher however the test ends.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn next_event(rx: &mpsc::Receiver<Value>, kind: &str) -> Value {
    loop {
        let ev = rx
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("no `{kind}` event within 20 s"));
        if ev["event"] == kind {
            return ev;
        }
    }
}

fn lockfile(sri: Option<&str>) -> String {
    let mut packages = serde_json::json!({
        "": {"name": "app", "version": "1.0.0", "dependencies": {}}
    });
    if let Some(sri) = sri {
        packages[""]["dependencies"]["flatmap-stream"] = "^0.1.0".into();
        packages["node_modules/flatmap-stream"] = serde_json::json!({
            "version": "0.1.1",
            "resolved": "https://registry.example.invalid/flatmap-stream/-/flatmap-stream-0.1.1.tgz",
            "integrity": sri,
        });
    }
    serde_json::to_string_pretty(&serde_json::json!({
        "name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
        "packages": packages,
    }))
    .unwrap()
}

#[test]
fn lockfile_edits_arrive_as_events_and_a_truncated_write_recovers() {
    let work = tempfile::tempdir().unwrap();
    // The added package's tarball, in the cache by integrity (offline: no network).
    let holder = work.path().join("pack");
    std::fs::create_dir_all(&holder).unwrap();
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/corpus/malicious/01-event-stream-flatmap");
    assert!(
        Command::new("cp")
            .arg("-r")
            .arg(&corpus)
            .arg(holder.join("package"))
            .status()
            .unwrap()
            .success()
    );
    let tgz = work.path().join("f.tgz");
    assert!(
        Command::new("tar")
            .arg("-czf")
            .arg(&tgz)
            .arg("-C")
            .arg(&holder)
            .arg("package")
            .status()
            .unwrap()
            .success()
    );
    let bytes = std::fs::read(&tgz).unwrap();
    let sri = ferret_source::sri_sha512(&bytes);
    let cache_dir = work.path().join("cache");
    ferret_cache::Cache::open(&cache_dir)
        .unwrap()
        .put(ferret_cache::Table::Tarball, &sri, &bytes)
        .unwrap();

    let app = work.path().join("app");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(
        app.join("package.json"),
        r#"{"name":"app","version":"1.0.0"}"#,
    )
    .unwrap();
    std::fs::write(app.join("package-lock.json"), lockfile(None)).unwrap();

    let child = Command::new(env!("CARGO_BIN_EXE_ferret"))
        .args(["watch", "--format", "jsonl", "--offline", "--cache-dir"])
        .arg(&cache_dir)
        .arg(&app)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut child = Child(child);
    let stdout = child.0.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let Ok(v) = serde_json::from_str::<Value>(&line) else {
                continue;
            };
            if tx.send(v).is_err() {
                break;
            }
        }
    });
    let ready = next_event(&rx, "ready");
    assert_eq!(ready["packages"], 0);

    // A package manager half-way through writing the lockfile.
    let full = lockfile(Some(&sri));
    std::fs::write(app.join("package-lock.json"), &full[..full.len() / 2]).unwrap();
    let err = next_event(&rx, "error");
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("package-lock.json"),
        "{err}"
    );

    // The complete write: the added package arrives with its verdict.
    std::fs::write(app.join("package-lock.json"), &full).unwrap();
    let change = next_event(&rx, "change");
    assert_eq!(
        change["added"],
        serde_json::json!(["flatmap-stream@0.1.1"]),
        "{change}"
    );
    assert_eq!(change["blocked"], true, "{change}");
}
