//! End to end against a real npm registry: `ferret scan npm:<fixture>` served by a local,
//! offline Verdaccio holding the packages of `tests/fixtures/registry/`, published by the
//! real `npm publish` (see `scripts/verdaccio-start`).
//!
//! `scripts/test` (and so `.ci/run`) starts the registry once and exports
//! `FERRET_E2E_REGISTRY` (its URL) and `FERRET_E2E_STATE` (its state directory). When they
//! are unset, the first test starts Verdaccio itself, so a plain `cargo test` works too;
//! a watchdog stops it when this test process exits. If the registry cannot be started the
//! tests fail with the reason: an e2e test that silently skips proves nothing.

#![expect(clippy::unwrap_used, reason = "tests unwrap on inputs they wrote")]

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

/// A running registry: its URL (no trailing slash) and state directory.
struct Registry {
    url: String,
    state: Option<PathBuf>,
}

impl Registry {
    fn state(&self) -> &Path {
        self.state.as_deref().unwrap_or_else(|| {
            panic!(
                "FERRET_E2E_REGISTRY is set but FERRET_E2E_STATE is not: this test needs the \
                 state directory written by scripts/verdaccio-start (token, storage)"
            )
        })
    }

    /// The token of the registry's user (for the private scope).
    fn token(&self) -> String {
        let path = self.state().join("token");
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
            .trim()
            .to_string()
    }

    /// `host:port/`, the key npm uses for per-registry settings in .npmrc.
    fn nerf_dart(&self) -> String {
        let host = self
            .url
            .strip_prefix("http://")
            .expect("the e2e registry URL is http://");
        format!("//{host}/")
    }

    /// The `dist` object Verdaccio stored for a published version.
    fn stored_dist(&self, storage_path: &str, version: &str) -> Value {
        let path = self
            .state()
            .join("storage")
            .join(storage_path)
            .join("package.json");
        let doc: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        doc["versions"][version]["dist"].clone()
    }
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Result<Registry, String>> = OnceLock::new();
    match REGISTRY.get_or_init(start_or_reuse) {
        Ok(registry) => registry,
        Err(message) => panic!("{message}"),
    }
}

fn start_or_reuse() -> Result<Registry, String> {
    if let Ok(url) = std::env::var("FERRET_E2E_REGISTRY") {
        let state = std::env::var_os("FERRET_E2E_STATE").map(PathBuf::from);
        return Ok(Registry {
            url: url.trim_end_matches('/').to_string(),
            state,
        });
    }
    let state = std::env::temp_dir().join(format!("ferret-e2e-verdaccio-{}", std::process::id()));
    let script = repo_root().join("scripts/verdaccio-start");
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
            "FERRET_E2E_REGISTRY is unset and `scripts/verdaccio-start` failed ({}), so the \
             end-to-end registry tests cannot run. They need Node.js/npm and Python 3, and \
             network access once to install Verdaccio (e2e/verdaccio). Run `scripts/test`, or \
             start a registry and export FERRET_E2E_REGISTRY and FERRET_E2E_STATE.\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let url = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if !url.starts_with("http://127.0.0.1:") {
        return Err(format!("scripts/verdaccio-start printed no URL: {url:?}"));
    }
    Ok(Registry {
        url,
        state: Some(state),
    })
}

/// `ferret` in a private HOME and working directory: the user's ~/.npmrc, a project
/// .npmrc and `npm_config_*` variables cannot redirect it.
fn ferret(home: &Path) -> Command {
    let mut cmd = Command::cargo_bin("ferret").unwrap();
    cmd.current_dir(home)
        .env("HOME", home)
        .env("USERPROFILE", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
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

/// `ferret scan <spec> --registry <url> --format json` with a fresh HOME.
fn scan(spec: &str) -> Output {
    let home = tempfile::tempdir().unwrap();
    ferret(home.path())
        .args([
            "scan",
            spec,
            "--registry",
            &registry().url,
            "--format",
            "json",
        ])
        .output()
        .unwrap()
}

/// The single package report of a successful JSON scan.
fn package_report(out: &Output) -> Value {
    let doc: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e})\n{}", describe(out)));
    assert_eq!(doc["errors"], Value::Array(vec![]), "{}", describe(out));
    let packages = doc["packages"].as_array().expect("packages is an array");
    assert_eq!(packages.len(), 1, "{}", describe(out));
    packages[0].clone()
}

fn assert_exit(out: &Output, expected: &[i32]) {
    let code = out.status.code().expect("ferret was killed by a signal");
    assert!(
        expected.contains(&code),
        "expected exit {expected:?}\n{}",
        describe(out)
    );
}

#[test]
fn benign_package_from_registry_scans_clean_with_verified_integrity() {
    let out = scan("npm:ferret-fixture-benign@1.0.0");
    assert_exit(&out, &[0]);
    let report = package_report(&out);
    let package = &report["package"];
    assert_eq!(package["ecosystem"], "npm");
    assert_eq!(package["name"], "ferret-fixture-benign");
    assert_eq!(package["version"], "1.0.0");
    let integrity = package["integrity"].as_str().unwrap_or_default();
    assert!(integrity.starts_with("sha512-"), "{package:#}");
    // The integrity is the one the registry published for this version.
    let dist = registry().stored_dist("ferret-fixture-benign", "1.0.0");
    assert_eq!(integrity, dist["integrity"].as_str().unwrap(), "{dist:#}");
    assert_eq!(package["file_count"], 2, "package.json and index.js");
    assert_eq!(report["capabilities"], Value::Array(vec![]), "{report:#}");
}

#[test]
fn no_version_resolves_latest() {
    // 1.0.0 was published first, then 1.1.0: `latest` is 1.1.0.
    let out = scan("npm:ferret-fixture-benign");
    assert_exit(&out, &[0]);
    assert_eq!(package_report(&out)["package"]["version"], "1.1.0");
}

#[test]
fn bare_name_at_version_is_an_npm_spec() {
    let out = scan("ferret-fixture-benign@1.0.0");
    assert_exit(&out, &[0]);
    let report = package_report(&out);
    assert_eq!(report["package"]["name"], "ferret-fixture-benign");
    assert_eq!(report["package"]["version"], "1.0.0");
}

#[test]
fn hidden_child_process_is_reported_at_the_line_of_the_call() {
    // `const { exec: run } = require('child_' + 'process');` ... `run('id', ...)` on line 7.
    let out = scan("npm:@ferret-fixtures/evasion@1.0.0");
    assert_exit(&out, &[0, 1]);
    let report = package_report(&out);
    assert_eq!(report["package"]["name"], "@ferret-fixtures/evasion");
    let shell = report["capabilities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["capability"] == "shell")
        .unwrap_or_else(|| panic!("no shell capability: {report:#}"));
    let call = shell["locations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["location"]["path"] == "index.js" && l["location"]["line"] == 7)
        .unwrap_or_else(|| panic!("shell use not reported at index.js:7: {shell:#}"));
    assert_eq!(call["location"]["column"], 3, "{call:#}");
}

#[test]
fn tampered_tarball_fails_the_integrity_check() {
    let home = tempfile::tempdir().unwrap();
    let out = ferret(home.path())
        .args([
            "scan",
            "npm:@ferret-fixtures/tampered@1.0.0",
            "--registry",
            &registry().url,
        ])
        .output()
        .unwrap();
    assert_exit(&out, &[2]);
    let stderr = String::from_utf8_lossy(&out.stderr).to_lowercase();
    assert!(stderr.contains("integrity"), "{}", describe(&out));

    // In JSON mode nothing from the swapped tarball is reported as scanned.
    let out = scan("npm:@ferret-fixtures/tampered@1.0.0");
    assert_exit(&out, &[2]);
    if let Ok(doc) = serde_json::from_slice::<Value>(&out.stdout) {
        assert_eq!(doc["packages"], Value::Array(vec![]), "{doc:#}");
        assert_eq!(doc["errors"].as_array().map(Vec::len), Some(1), "{doc:#}");
    }
}

#[test]
fn unknown_package_and_unknown_version_are_errors() {
    for spec in [
        "npm:ferret-fixture-does-not-exist@1.0.0",
        "npm:ferret-fixture-does-not-exist",
        "npm:ferret-fixture-benign@9.9.9",
    ] {
        let out = scan(spec);
        assert_exit(&out, &[2]);
        let json_error = serde_json::from_slice::<Value>(&out.stdout)
            .ok()
            .and_then(|doc| doc["errors"].as_array().map(|e| !e.is_empty()))
            .unwrap_or(false);
        assert!(
            json_error || !out.stderr.is_empty(),
            "{spec}: the error must be reported\n{}",
            describe(&out)
        );
    }
}

#[test]
fn registry_comes_from_npm_config_registry() {
    let home = tempfile::tempdir().unwrap();
    let out = ferret(home.path())
        .env("npm_config_registry", format!("{}/", registry().url))
        .args([
            "scan",
            "npm:ferret-fixture-benign@1.0.0",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_exit(&out, &[0]);
    assert_eq!(package_report(&out)["package"]["version"], "1.0.0");
}

#[test]
fn registry_comes_from_project_npmrc() {
    let home = tempfile::tempdir().unwrap();
    // The user's .npmrc names a dead registry (discard port): the project's must win.
    std::fs::write(home.path().join(".npmrc"), "registry=http://127.0.0.1:9/\n").unwrap();
    let project = home.path().join("project");
    std::fs::create_dir(&project).unwrap();
    std::fs::write(
        project.join(".npmrc"),
        format!("registry={}/\n", registry().url),
    )
    .unwrap();
    let out = ferret(home.path())
        .current_dir(&project)
        .args(["scan", "npm:ferret-fixture-benign", "--format", "json"])
        .output()
        .unwrap();
    assert_exit(&out, &[0]);
    assert_eq!(package_report(&out)["package"]["version"], "1.1.0");
}

#[test]
fn private_scope_needs_the_npmrc_auth_token() {
    let registry = registry();
    // Without a token the registry answers 401: an error, not a scan.
    let out = scan("npm:@ferret-private/secret@1.0.0");
    assert_exit(&out, &[2]);

    // With `//host:port/:_authToken=...` in the user's .npmrc it is readable.
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join(".npmrc"),
        format!(
            "registry={}/\n{}:_authToken={}\n",
            registry.url,
            registry.nerf_dart(),
            registry.token()
        ),
    )
    .unwrap();
    let out = ferret(home.path())
        .args([
            "scan",
            "npm:@ferret-private/secret@1.0.0",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_exit(&out, &[0]);
    let report = package_report(&out);
    assert_eq!(report["package"]["name"], "@ferret-private/secret");
}
