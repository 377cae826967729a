//! Project scans end to end: a fixture project whose package-lock.json (written by the real
//! `npm install --package-lock-only` against a local Verdaccio, see `scripts/verdaccio-start`)
//! pulls in `@ferret-fixtures/project-malicious` through `@ferret-fixtures/project-middle`.
//! `ferret scan` (no target, in the project) fetches through Verdaccio, blocks the malicious
//! package showing its dependency path, and a second run is served from the cache.
//!
//! Fault tests use a tiny std TcpListener "registry": 500s, a hang-up, a truncated tarball
//! and a wrong integrity each end in a listed error and exit 2, never a silent pass.

#![expect(clippy::unwrap_used, reason = "tests unwrap on inputs they wrote")]

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::{Value, json};

struct Registry {
    url: String,
    state: PathBuf,
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The shared Verdaccio of `scripts/test` (`FERRET_E2E_REGISTRY` / `FERRET_E2E_STATE`), or
/// one started for this test binary (stopped when it exits).
fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Result<Registry, String>> = OnceLock::new();
    match REGISTRY.get_or_init(start_or_reuse) {
        Ok(r) => r,
        Err(message) => panic!("{message}"),
    }
}

fn start_or_reuse() -> Result<Registry, String> {
    if let (Ok(url), Some(state)) = (
        std::env::var("FERRET_E2E_REGISTRY"),
        std::env::var_os("FERRET_E2E_STATE"),
    ) {
        return Ok(Registry {
            url: url.trim_end_matches('/').to_owned(),
            state: PathBuf::from(state),
        });
    }
    let state = std::env::temp_dir().join(format!("ferret-e2e-project-{}", std::process::id()));
    let script = repo_root().join("scripts/verdaccio-start");
    let out = std::process::Command::new("bash")
        .arg(&script)
        .arg("--state-dir")
        .arg(&state)
        .arg("--watch-pid")
        .arg(std::process::id().to_string())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    if !out.status.success() {
        return Err(format!(
            "scripts/verdaccio-start failed ({}); the project e2e tests need Node.js/npm and \
             Python 3 (run scripts/test)\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(Registry {
        url: String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        state,
    })
}

/// `ferret` with a private HOME, working in `dir`, no inherited npm configuration.
fn ferret(home: &Path, dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("ferret").unwrap();
    cmd.current_dir(dir)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env_remove("FERRET_CACHE_DIR")
        .env("NO_COLOR", "1")
        .timeout(Duration::from_secs(120));
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

fn package<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["package"]["name"] == name)
        .unwrap_or_else(|| panic!("{name} not in the report: {doc:#}"))
}

/// A project depending on the middle fixture (which pulls in the malicious one) and the
/// benign fixture; its lockfile is written by the real npm against Verdaccio.
fn fixture_project(dir: &Path) {
    let manifest = json!({
        "name": "fixture-app",
        "version": "1.0.0",
        "private": true,
        "dependencies": {
            "@ferret-fixtures/project-middle": "^1.0.0",
            "ferret-fixture-benign": "1.0.0"
        }
    });
    std::fs::write(dir.join("package.json"), manifest.to_string()).unwrap();
    let r = registry();
    let out = std::process::Command::new("npm")
        .current_dir(dir)
        .args([
            "install",
            "--package-lock-only",
            "--ignore-scripts",
            "--no-audit",
            "--no-fund",
            "--registry",
            &format!("{}/", r.url),
            "--userconfig",
        ])
        .arg(r.state.join("npmrc"))
        .arg("--cache")
        .arg(dir.join(".npm-cache"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "npm install --package-lock-only failed\n{}",
        describe(&out)
    );
    assert!(dir.join("package-lock.json").is_file());
}

#[test]
fn project_scan_blocks_the_malicious_dependency_with_its_path_then_uses_the_cache() {
    let home = tempfile::tempdir().unwrap();
    let project = tempfile::tempdir().unwrap();
    fixture_project(project.path());
    let cache = home.path().join("ferret-cache");
    let run = |extra: &[&str]| {
        let out = ferret(home.path(), project.path())
            .args(["scan", "--registry", &registry().url, "--format", "json"])
            .arg("--cache-dir")
            .arg(&cache)
            .args(extra)
            .output()
            .unwrap();
        (json_of(&out), out)
    };

    let (first, out) = run(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert_eq!(first["errors"], json!([]), "{}", describe(&out));
    let info = &first["project"];
    assert_eq!(info["lockfiles"], json!(["package-lock.json"]));
    assert_eq!(info["sources"], json!({"registry": 3}), "{info:#}");
    assert_eq!(
        (info["direct"].as_u64(), info["transitive"].as_u64()),
        (Some(2), Some(1))
    );

    let bad = package(&first, "@ferret-fixtures/project-malicious");
    assert!(
        bad["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["rule"] == "malware" && a["action"] == "block"),
        "{bad:#}"
    );
    assert_eq!(
        bad["project"]["paths"][0],
        json!([
            "fixture-app",
            "@ferret-fixtures/project-middle",
            "@ferret-fixtures/project-malicious@1.0.0"
        ]),
        "{bad:#}"
    );
    assert_eq!(bad["project"]["direct"], false);
    assert_eq!(bad["project"]["lockfile"]["path"], "package-lock.json");
    assert!(bad["project"]["lockfile"]["line"].as_u64().unwrap() > 1);
    let benign = package(&first, "ferret-fixture-benign");
    assert!(
        benign["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["action"] != "block" && a["action"] != "warn"),
        "{benign:#}"
    );
    assert_eq!(benign["project"]["direct"], true);

    // Second run: every analysis comes from the cache, with the same verdicts.
    let (second, out) = run(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert_eq!(second["project"]["sources"], json!({"cache": 3}));
    let strip = |mut doc: Value| {
        for p in doc["packages"].as_array_mut().unwrap() {
            p["project"]["origin"] = Value::Null;
            // A fresh version's age is measured at each scan (metadata is not cached with
            // the analysis): the same finding, seconds older.
            for a in p["alerts"].as_array_mut().unwrap() {
                if a["rule"] == "recently-published" {
                    a["message"] = Value::Null;
                    a["evidence"] = Value::Null;
                }
            }
        }
        doc["project"]["sources"] = Value::Null;
        doc
    };
    assert_eq!(strip(first.clone()), strip(second), "cached results differ");

    // Offline works from the cache alone.
    let (offline, out) = run(&["--offline"]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert_eq!(offline["project"]["sources"], json!({"cache": 3}));

    // Terminal output names the path, and its summary what was scanned and from where.
    let out = ferret(home.path(), project.path())
        .args(["scan", "--registry", &registry().url, "--cache-dir"])
        .arg(&cache)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(
            "  via        fixture-app > @ferret-fixtures/project-middle > @ferret-fixtures/project-malicious@1.0.0\n"
        ),
        "{}",
        describe(&out)
    );
    assert!(
        text.contains("  project: fixture-app@1.0.0, package-lock.json\n"),
        "{}",
        describe(&out)
    );
    assert!(
        text.contains("  packages: 2 direct, 1 transitive; 0 from node_modules, 3 from the cache, 0 from the registry\n"),
        "{}",
        describe(&out)
    );

    // `ferret cache stats` sees the entries; `clear` empties them.
    let out = ferret(home.path(), project.path())
        .args(["cache", "stats", "--cache-dir"])
        .arg(&cache)
        .output()
        .unwrap();
    let stats = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(stats.contains("analysis"), "{}", describe(&out));
    let out = ferret(home.path(), project.path())
        .args(["cache", "clear", "--cache-dir"])
        .arg(&cache)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    let (after, out) = run(&["--offline"]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert_eq!(after["errors"].as_array().unwrap().len(), 3, "{after:#}");
    assert!(
        after["errors"][0]["error"]
            .as_str()
            .unwrap()
            .contains("offline"),
        "{after:#}"
    );
}

/// package.json without a lockfile, scanned with `--project`: the ranges are resolved
/// against the registry (transitively), the malicious package is still found with its
/// path, and the report says the result depends on resolution time.
#[test]
fn manifest_without_lockfile_is_resolved_against_the_registry() {
    let home = tempfile::tempdir().unwrap();
    let project = tempfile::tempdir().unwrap();
    let manifest = json!({
        "name": "unlocked-app",
        "version": "1.0.0",
        "dependencies": {"@ferret-fixtures/project-middle": "^1.0.0", "ferret-fixture-benign": "^1.0.0"}
    });
    std::fs::write(project.path().join("package.json"), manifest.to_string()).unwrap();
    let out = ferret(home.path(), home.path())
        .args([
            "scan",
            "--format",
            "json",
            "--no-cache",
            "--registry",
            &registry().url,
        ])
        .arg("--project")
        .arg(project.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let doc = json_of(&out);
    assert_eq!(doc["project"]["lockfiles"], json!([]));
    assert!(
        doc["project"]["notes"]
            .to_string()
            .contains("resolved from package.json ranges"),
        "{doc:#}"
    );
    // `^1.0.0` picks `latest` (1.1.0), as npm does.
    assert_eq!(
        package(&doc, "ferret-fixture-benign")["package"]["version"],
        "1.1.0"
    );
    let bad = package(&doc, "@ferret-fixtures/project-malicious");
    assert!(bad["alerts"].to_string().contains("\"malware\""), "{bad:#}");
    assert_eq!(
        bad["project"]["paths"][0],
        json!([
            "unlocked-app",
            "@ferret-fixtures/project-middle",
            "@ferret-fixtures/project-malicious@1.0.0"
        ])
    );
}

// ---- fault tests: a tiny registry that misbehaves -------------------------------------

#[derive(Clone, Copy)]
enum Fault {
    /// Always 500.
    ServerError,
    /// Accepts the request and closes without an answer.
    HangUp,
    /// Announces the full length and sends half.
    Truncated,
    /// Serves other bytes than the lockfile's integrity describes.
    WrongIntegrity,
    /// Accepts the connection, reads the request and never answers.
    Silent,
    /// Announces the full length, sends half and keeps the connection open.
    StallMidTarball,
}

const TARBALL: &[u8] = b"pretend tarball bytes: never unpacked, the checks fail first";

fn serve(fault: Fault) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            if matches!(fault, Fault::Silent | Fault::StallMidTarball) {
                // One thread per connection: each retry finds the registry just as silent.
                std::thread::spawn(move || stall(fault, stream));
                continue;
            }
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
            }
            let _ = match fault {
                Fault::ServerError => stream.write_all(
                    b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                ),
                Fault::HangUp => Ok(()),
                Fault::Truncated => stream
                    .write_all(
                        format!(
                            "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                            TARBALL.len()
                        )
                        .as_bytes(),
                    )
                    .and_then(|()| stream.write_all(&TARBALL[..TARBALL.len() / 2])),
                Fault::WrongIntegrity => stream
                    .write_all(
                        format!(
                            "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                            TARBALL.len()
                        )
                        .as_bytes(),
                    )
                    .and_then(|()| stream.write_all(TARBALL)),
                Fault::Silent | Fault::StallMidTarball => Ok(()),
            };
        }
    });
    base
}

/// Reads the request, answers per `fault` (nothing, or half a tarball) and then holds the
/// connection open without a byte more.
fn stall(fault: Fault, mut stream: std::net::TcpStream) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    while reader.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
        line.clear();
    }
    if matches!(fault, Fault::StallMidTarball) {
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n",
            TARBALL.len()
        );
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(&TARBALL[..TARBALL.len() / 2]);
    }
    std::thread::sleep(Duration::from_secs(120));
}

/// A project whose lockfile names one package served by `base`, with an integrity that
/// does not describe [`TARBALL`] (it only matters for `WrongIntegrity`; the others fail
/// before the check).
fn fault_project(dir: &Path, base: &str) {
    let integrity = "sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==";
    let lock = json!({
        "name": "fault-app",
        "version": "1.0.0",
        "lockfileVersion": 3,
        "requires": true,
        "packages": {
            "": {"name": "fault-app", "version": "1.0.0", "dependencies": {"flaky": "1.0.0"}},
            "node_modules/flaky": {
                "version": "1.0.0",
                "resolved": format!("{base}/flaky/-/flaky-1.0.0.tgz"),
                "integrity": integrity
            }
        }
    });
    std::fs::write(
        dir.join("package.json"),
        r#"{"name":"fault-app","version":"1.0.0","dependencies":{"flaky":"1.0.0"}}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("package-lock.json"),
        serde_json::to_string_pretty(&lock).unwrap(),
    )
    .unwrap();
}

fn fault_scan(fault: Fault) -> (Value, Output) {
    let base = serve(fault);
    let home = tempfile::tempdir().unwrap();
    let project = tempfile::tempdir().unwrap();
    fault_project(project.path(), &base);
    let out = ferret(home.path(), project.path())
        // Only the silent registries reach it: a second of silence ends an attempt.
        .env("FERRET_HTTP_TIMEOUT", "1")
        .timeout(Duration::from_secs(30))
        .args([
            "scan",
            "--format",
            "json",
            "--registry",
            &base,
            "--no-cache",
        ])
        .output()
        .unwrap();
    (json_of(&out), out)
}

fn assert_listed_error(fault: Fault, expect: &[&str]) {
    let (doc, out) = fault_scan(fault);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let errors = doc["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{doc:#}");
    assert_eq!(errors[0]["target"], "flaky@1.0.0");
    let msg = errors[0]["error"].as_str().unwrap();
    assert!(
        expect.iter().any(|e| msg.contains(e)),
        "expected one of {expect:?} in {msg:?}"
    );
    assert_eq!(doc["packages"], json!([]), "nothing may pass unchecked");
    let notes = doc["project"]["notes"].to_string();
    assert!(notes.contains("could not be checked"), "{notes}");
}

#[test]
fn registry_500s_are_retried_then_listed_as_an_error() {
    assert_listed_error(Fault::ServerError, &["500"]);
}

#[test]
fn registry_hang_up_is_listed_as_an_error() {
    assert_listed_error(Fault::HangUp, &["cannot fetch flaky@1.0.0"]);
}

#[test]
fn truncated_tarball_is_listed_as_an_error() {
    assert_listed_error(Fault::Truncated, &["cannot fetch flaky@1.0.0"]);
}

#[test]
fn wrong_integrity_is_listed_as_an_error() {
    assert_listed_error(Fault::WrongIntegrity, &["integrity"]);
}

/// A registry that accepts the connection and never answers: with FERRET_HTTP_TIMEOUT=1,
/// three attempts of a second each (plus the backoff) end in a timeout error, in bounded
/// time, never a hang or a pass.
#[test]
fn silent_registry_times_out_with_a_clear_error() {
    let start = std::time::Instant::now();
    assert_listed_error(Fault::Silent, &["timed out"]);
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn tarball_stalling_midway_times_out_with_a_clear_error() {
    let start = std::time::Instant::now();
    assert_listed_error(Fault::StallMidTarball, &["timed out"]);
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn a_bad_http_timeout_is_an_error() {
    let home = tempfile::tempdir().unwrap();
    let project = tempfile::tempdir().unwrap();
    fault_project(project.path(), "http://127.0.0.1:9");
    let out = ferret(home.path(), project.path())
        .env("FERRET_HTTP_TIMEOUT", "soon")
        .args(["scan", "--format", "json", "--no-cache"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("FERRET_HTTP_TIMEOUT"),
        "{}",
        describe(&out)
    );
}

#[test]
fn a_package_dir_without_lockfile_is_still_one_package() {
    let home = tempfile::tempdir().unwrap();
    let fixture = repo_root().join("tests/fixtures/registry/project-middle");
    let out = ferret(home.path(), home.path())
        .args(["scan", "--format", "json"])
        .arg(&fixture)
        .output()
        .unwrap();
    let doc = json_of(&out);
    assert_eq!(doc["project"], Value::Null, "{doc:#}");
    assert_eq!(
        doc["packages"][0]["package"]["name"],
        "@ferret-fixtures/project-middle"
    );
}

/// Publishes `name@1.0.0` (a plain module) to Verdaccio with the real `npm publish`; the
/// registry records the publish time in the packument's `time`.
fn publish_fresh(name: &str) {
    let r = registry();
    let dir = tempfile::tempdir().unwrap();
    // Outside the package directory: npm would pack its own cache.
    let npm_cache = tempfile::tempdir().unwrap();
    let manifest = json!({"name": name, "version": "1.0.0", "license": "MIT", "main": "index.js"});
    std::fs::write(dir.path().join("package.json"), manifest.to_string()).unwrap();
    std::fs::write(dir.path().join("index.js"), "module.exports = 42;\n").unwrap();
    let out = std::process::Command::new("npm")
        .args([
            "publish",
            "--ignore-scripts",
            "--registry",
            &format!("{}/", r.url),
        ])
        .arg(dir.path())
        .arg("--userconfig")
        .arg(r.state.join("npmrc"))
        .arg("--cache")
        .arg(npm_cache.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "npm publish failed\n{}",
        describe(&out)
    );
}

/// A project locking a version published seconds ago: the project scan fetches its
/// packument, reports `recently-published` with the policy's soak time (ferret.toml
/// `[registry] soak-hours = 72`) and lists no metadata rule as not evaluated; an
/// `--offline` rerun evaluates the metadata rules from the cached packument.
#[test]
fn project_scan_reports_a_freshly_published_version_with_the_policy_soak_time() {
    let home = tempfile::tempdir().unwrap();
    let project = tempfile::tempdir().unwrap();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let name = format!("ferret-fixture-fresh-{}-{nanos}", std::process::id());
    publish_fresh(&name);
    let manifest = json!({
        "name": "fresh-app",
        "version": "1.0.0",
        "private": true,
        "dependencies": {name.as_str(): "1.0.0"}
    });
    std::fs::write(project.path().join("package.json"), manifest.to_string()).unwrap();
    std::fs::write(
        project.path().join("ferret.toml"),
        "[registry]\nsoak-hours = 72\n",
    )
    .unwrap();
    let r = registry();
    let out = std::process::Command::new("npm")
        .current_dir(project.path())
        .args([
            "install",
            "--package-lock-only",
            "--ignore-scripts",
            "--no-audit",
            "--no-fund",
            "--registry",
            &format!("{}/", r.url),
            "--userconfig",
        ])
        .arg(r.state.join("npmrc"))
        .arg("--cache")
        .arg(project.path().join(".npm-cache"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "npm install failed\n{}",
        describe(&out)
    );
    let cache = home.path().join("ferret-cache");
    let run = |extra: &[&str]| {
        let out = ferret(home.path(), project.path())
            .args(["scan", "--registry", &r.url, "--format", "json"])
            .arg("--cache-dir")
            .arg(&cache)
            .args(extra)
            .output()
            .unwrap();
        (json_of(&out), out)
    };
    let check = |doc: &Value, out: &Output, origin: &str| {
        assert_eq!(doc["errors"], json!([]), "{}", describe(out));
        let pkg = package(doc, &name);
        assert_eq!(pkg["project"]["origin"], origin, "{pkg:#}");
        let fresh = pkg["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["rule"] == "recently-published")
            .unwrap_or_else(|| panic!("no recently-published: {pkg:#}"));
        let message = fresh["message"].as_str().unwrap();
        assert!(message.contains("72-hour soak time"), "{message}");
        assert!(
            fresh["evidence"]["age_seconds"].as_i64().unwrap() < 3600,
            "{fresh:#}"
        );
        assert!(
            pkg.get("not_evaluated")
                .and_then(Value::as_array)
                .is_none_or(Vec::is_empty),
            "metadata rules listed as not evaluated: {pkg:#}"
        );
    };
    let (first, out) = run(&[]);
    check(&first, &out, "registry");
    // Offline: the analysis and the packument both come from the cache.
    let (offline, out) = run(&["--offline"]);
    check(&offline, &out, "cache");

    // Offline with an installed copy but an empty cache: the rules are listed as not
    // evaluated, with the reason (never a silent pass).
    let installed = project.path().join("node_modules").join(&name);
    std::fs::create_dir_all(&installed).unwrap();
    std::fs::write(
        installed.join("package.json"),
        json!({"name": name, "version": "1.0.0", "license": "MIT"}).to_string(),
    )
    .unwrap();
    let out = ferret(home.path(), project.path())
        .args(["scan", "--offline", "--no-cache", "--format", "json"])
        .output()
        .unwrap();
    let doc = json_of(&out);
    let pkg = package(&doc, &name);
    let listed = pkg["not_evaluated"].as_array().unwrap();
    assert!(
        listed.iter().any(|n| n["rule"] == "recently-published"
            && n["reason"].as_str().unwrap().contains("offline")),
        "{pkg:#}"
    );
}
