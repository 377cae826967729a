//! Python project scans end to end against a real package index: `ferret scan` in a directory
//! whose requirements.txt names distributions of the local, offline pypiserver (built from
//! `tests/fixtures/pypi/`, see `scripts/pypiserver-start` and `tests/e2e_pypi.rs`).
//!
//! `scripts/test` starts the index once and exports `FERRET_E2E_PYPI`; when it is unset the
//! first test starts pypiserver itself (stopped when this test process exits).

#![expect(clippy::unwrap_used, reason = "tests unwrap on inputs they wrote")]

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The simple index URL (`http://127.0.0.1:PORT/simple/`).
fn index() -> &'static str {
    static INDEX: OnceLock<Result<String, String>> = OnceLock::new();
    match INDEX.get_or_init(start_or_reuse) {
        Ok(url) => url,
        Err(message) => panic!("{message}"),
    }
}

fn start_or_reuse() -> Result<String, String> {
    if let Ok(url) = std::env::var("FERRET_E2E_PYPI") {
        return Ok(url);
    }
    let state =
        std::env::temp_dir().join(format!("ferret-e2e-pypi-project-{}", std::process::id()));
    let script = repo_root().join("scripts/pypiserver-start");
    let out = std::process::Command::new("bash")
        .arg(&script)
        .arg("--state-dir")
        .arg(&state)
        .arg("--watch-pid")
        .arg(std::process::id().to_string())
        .output()
        .map_err(|e| format!("cannot run {} with bash: {e}", script.display()))?;
    if !out.status.success() {
        return Err(format!(
            "FERRET_E2E_PYPI is unset and `scripts/pypiserver-start` failed ({}); run \
             `scripts/test`, or start an index and export FERRET_E2E_PYPI.\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let url = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if !url.starts_with("http://127.0.0.1:") {
        return Err(format!("scripts/pypiserver-start printed no URL: {url:?}"));
    }
    Ok(url)
}

/// A project directory `<tmp>/webapp` with the given requirements.txt, a private HOME and a
/// cache directory beside it.
struct Project {
    _tmp: tempfile::TempDir,
    home: PathBuf,
    dir: PathBuf,
    cache: PathBuf,
}

fn project(requirements: &str) -> Project {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let dir = tmp.path().join("webapp");
    let cache = tmp.path().join("cache");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("requirements.txt"), requirements).unwrap();
    Project {
        _tmp: tmp,
        home,
        dir,
        cache,
    }
}

/// `ferret scan --format json [args]` in the project, with the index as PIP_INDEX_URL and no
/// other pip configuration.
fn scan(p: &Project, args: &[&str]) -> (Output, Value) {
    let mut cmd = Command::cargo_bin("ferret").unwrap();
    cmd.current_dir(&p.dir)
        .env("HOME", &p.home)
        .env("XDG_CONFIG_HOME", p.home.join(".config"))
        .env("XDG_CACHE_HOME", p.home.join(".cache"))
        .env("FERRET_CACHE_DIR", &p.cache)
        .env("NO_COLOR", "1")
        .timeout(Duration::from_secs(120));
    for (key, _) in std::env::vars_os() {
        if key.to_str().is_some_and(|k| k.starts_with("PIP_")) {
            cmd.env_remove(key);
        }
    }
    cmd.env("PIP_CONFIG_FILE", "/dev/null")
        .env("PIP_INDEX_URL", index())
        .env_remove("VIRTUAL_ENV")
        .env_remove("npm_config_registry");
    let out = cmd
        .args(["scan", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out, json)
}

fn package<'a>(json: &'a Value, name: &str) -> &'a Value {
    json["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["package"]["name"] == name)
        .unwrap_or_else(|| panic!("{name} not in {json:#}"))
}

fn blocked_rules(pkg: &Value) -> Vec<String> {
    pkg["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["action"] == "block")
        .map(|a| a["rule"].as_str().unwrap().to_owned())
        .collect()
}

/// The malicious pin is fetched, blocked, and shown with its path and requirements line;
/// the second run (offline) is served entirely from the cache with the same verdict.
#[test]
fn malicious_pin_is_blocked_with_its_path_and_second_run_is_cached() {
    let p = project("ferret-fixture-benign==1.0.0\nferret-fixture-evil==1.0.0\n");
    let (out, json) = scan(&p, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}\n{json:#}");
    let evil = package(&json, "ferret-fixture-evil");
    assert_eq!(evil["package"]["ecosystem"], "pypi");
    assert_eq!(blocked_rules(evil), ["malware"]);
    assert_eq!(
        evil["project"]["paths"],
        serde_json::json!([["webapp", "ferret-fixture-evil==1.0.0"]])
    );
    assert_eq!(evil["project"]["lockfile"]["path"], "requirements.txt");
    assert_eq!(evil["project"]["lockfile"]["line"], 2);
    assert_eq!(evil["project"]["origin"], "registry");
    let benign = package(&json, "ferret-fixture-benign");
    assert!(blocked_rules(benign).is_empty(), "{benign:#}");
    assert!(
        benign["package"]["source"]
            .as_str()
            .unwrap()
            .ends_with("ferret_fixture_benign-1.0.0-py3-none-any.whl"),
        "the pure wheel is what pip installs: {benign:#}"
    );
    assert_eq!(
        json["project"]["lockfiles"],
        serde_json::json!(["requirements.txt"])
    );
    assert_eq!(json["project"]["sources"]["registry"], 2);

    // Offline: nothing can be fetched, so the verdicts come from the cache.
    let (out, json) = scan(&p, &["--offline"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}\n{json:#}");
    assert_eq!(json["project"]["sources"]["cache"], 2, "{json:#}");
    assert!(
        json["errors"].as_array().is_none_or(Vec::is_empty),
        "{json:#}"
    );
    let evil = package(&json, "ferret-fixture-evil");
    assert_eq!(blocked_rules(evil), ["malware"]);
    assert_eq!(evil["project"]["origin"], "cache");
}

/// A `--hash` that no file of the release has is a hard error (exit 2), naming the package;
/// the directory given as TARGET is scanned as a project because it has requirements.txt.
#[test]
fn hash_mismatch_in_requirements_is_an_error() {
    let p = project(
        "ferret-fixture-benign==1.0.0 \\\n    --hash=sha256:0000000000000000000000000000000000000000000000000000000000000000\n",
    );
    let dir = p.dir.to_str().unwrap().to_owned();
    let (out, json) = scan(&p, &[&dir]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}\n{json:#}");
    let errors = json["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{json:#}");
    assert_eq!(errors[0]["target"], "ferret-fixture-benign==1.0.0");
    assert!(
        errors[0]["error"]
            .as_str()
            .unwrap()
            .contains("hash mismatch"),
        "{json:#}"
    );
    assert!(json["packages"].as_array().unwrap().is_empty(), "{json:#}");
}

/// Unpinned requirements resolve like pip (highest compatible version on the index) and the
/// report says the result depends on when the scan ran; VCS/URL specs are findings, not
/// fetched.
#[test]
fn unpinned_requirements_resolve_and_specs_are_flagged() {
    let p = project(
        "ferret-fixture-benign>=1.0\nferret-fixture-tampered<2\nvcsdep @ git+https://git.example/u/vcsdep.git@v1\n",
    );
    let (out, json) = scan(&p, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}\n{json:#}");
    let benign = package(&json, "ferret-fixture-benign");
    assert_eq!(benign["package"]["version"], "1.1.0");
    assert_eq!(
        benign["project"]["paths"],
        serde_json::json!([["webapp", "ferret-fixture-benign==1.1.0"]])
    );
    assert_eq!(
        package(&json, "ferret-fixture-tampered")["package"]["version"],
        "1.0.0"
    );
    let vcs = package(&json, "vcsdep");
    assert_eq!(vcs["alerts"][0]["rule"], "git-dependency");
    let notes: Vec<&str> = json["project"]["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("not pinned") && n.contains("depends on when the scan ran")),
        "{notes:?}"
    );
}

/// `--index-url` reaches the project's Python side and wins over PIP_INDEX_URL (here a port
/// nothing listens on), as it does for `pypi:` targets.
#[test]
fn index_url_flag_is_used_for_project_scans() {
    let p = project("ferret-fixture-benign==1.0.0\n");
    let mut cmd = Command::cargo_bin("ferret").unwrap();
    cmd.current_dir(&p.dir)
        .env("HOME", &p.home)
        .env("XDG_CONFIG_HOME", p.home.join(".config"))
        .env("XDG_CACHE_HOME", p.home.join(".cache"))
        .env("FERRET_CACHE_DIR", &p.cache)
        .env("NO_COLOR", "1")
        .timeout(Duration::from_secs(120));
    for (key, _) in std::env::vars_os() {
        if key.to_str().is_some_and(|k| k.starts_with("PIP_")) {
            cmd.env_remove(key);
        }
    }
    let out = cmd
        .env("PIP_CONFIG_FILE", "/dev/null")
        .env("PIP_INDEX_URL", "http://127.0.0.1:9/simple/")
        .env_remove("VIRTUAL_ENV")
        .args(["scan", "--format", "json", "--index-url", index()])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}\n{json:#}");
    assert_eq!(
        package(&json, "ferret-fixture-benign")["project"]["origin"],
        "registry",
        "{json:#}"
    );
}
