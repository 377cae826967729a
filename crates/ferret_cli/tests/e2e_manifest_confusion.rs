//! End to end: manifest confusion through a real npm registry. The test crafts the publish
//! request itself (`scripts/lib/npm_publish_raw.py`: an HTTP PUT of the package document
//! with the tarball in `_attachments`, as `npm publish` sends it), with a version document
//! that shows no scripts and no dependencies while the tarball's package.json has a
//! `postinstall` and an extra dependency. The registry accepts it — that is the attack — and
//! `ferret scan npm:<it> --registry <verdaccio>` must name every field that differs.
//!
//! The registry is the one of `e2e_registry.rs`: `FERRET_E2E_REGISTRY`/`FERRET_E2E_STATE`
//! from `scripts/test`, or a Verdaccio started here by `scripts/verdaccio-start` (its user
//! token, in the state directory, authorises the PUT). Package names carry the process id
//! and a timestamp, so a reused registry never answers 409 for a second run.

#![expect(clippy::unwrap_used, reason = "tests unwrap on inputs they wrote")]

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

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Result<Registry, String>> = OnceLock::new();
    match REGISTRY.get_or_init(start_or_reuse) {
        Ok(registry) => registry,
        Err(message) => panic!("{message}"),
    }
}

fn start_or_reuse() -> Result<Registry, String> {
    if let Ok(url) = std::env::var("FERRET_E2E_REGISTRY") {
        let state = std::env::var_os("FERRET_E2E_STATE")
            .map(PathBuf::from)
            .ok_or(
                "FERRET_E2E_REGISTRY is set but FERRET_E2E_STATE is not: publishing needs the \
             token in the state directory written by scripts/verdaccio-start",
            )?;
        return Ok(Registry {
            url: url.trim_end_matches('/').to_string(),
            state,
        });
    }
    let state = std::env::temp_dir().join(format!("ferret-e2e-confusion-{}", std::process::id()));
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
            "FERRET_E2E_REGISTRY is unset and `scripts/verdaccio-start` failed ({}); run \
             `scripts/test` or export FERRET_E2E_REGISTRY and FERRET_E2E_STATE.\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let url = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if !url.starts_with("http://127.0.0.1:") {
        return Err(format!("scripts/verdaccio-start printed no URL: {url:?}"));
    }
    Ok(Registry { url, state })
}

/// A name no earlier run published.
fn unique_name(stem: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("ferret-fixture-{stem}-{}-{nanos}", std::process::id())
}

/// Publishes `document` as the registry's version document and a tarball holding
/// `package.json` = `tarball_manifest` plus `files`. Returns the tarball's integrity.
fn publish_raw(document: &Value, tarball_manifest: &Value, files: &[(&str, &str)]) -> String {
    let work = tempfile::tempdir().unwrap();
    let doc_path = work.path().join("document.json");
    std::fs::write(&doc_path, serde_json::to_vec(document).unwrap()).unwrap();
    let dir = work.path().join("package");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(
        dir.join("package.json"),
        serde_json::to_vec_pretty(tarball_manifest).unwrap(),
    )
    .unwrap();
    for (path, text) in files {
        std::fs::write(dir.join(path), text).unwrap();
    }
    let out = std::process::Command::new("python3")
        .arg(repo_root().join("scripts/lib/npm_publish_raw.py"))
        .arg(&registry().url)
        .arg(registry().state.join("token"))
        .arg(&doc_path)
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the crafted publish was refused: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn describe(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `ferret scan npm:<name>@1.0.0 --registry <verdaccio> [--format F]` with a fresh HOME.
fn scan(name: &str, format: &str) -> Output {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = Command::cargo_bin("ferret").unwrap();
    cmd.current_dir(home.path())
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join(".config"))
        .env("XDG_CACHE_HOME", home.path().join(".cache"))
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
    cmd.args([
        "scan",
        &format!("npm:{name}@1.0.0"),
        "--registry",
        &registry().url,
        "--format",
        format,
    ])
    .output()
    .unwrap()
}

/// The manifest-confusion alerts of the single package report: `field → (registry, tarball)`.
fn confusions(out: &Output) -> Vec<(String, String, String)> {
    let doc: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e})\n{}", describe(out)));
    assert_eq!(doc["errors"], json!([]), "{}", describe(out));
    let packages = doc["packages"].as_array().unwrap();
    assert_eq!(packages.len(), 1, "{}", describe(out));
    let mut found: Vec<(String, String, String)> = packages[0]["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["rule"] == "manifest-confusion")
        .map(|a| {
            let ev = &a["evidence"];
            let s = |k: &str| ev[k].as_str().unwrap_or_default().to_string();
            (s("field"), s("registry"), s("tarball"))
        })
        .collect();
    found.sort();
    found
}

#[test]
fn crafted_publish_whose_tarball_disagrees_is_reported_field_by_field() {
    let name = unique_name("confused");
    // What the registry shows: nothing to run, nothing to install.
    let document = json!({
        "name": name, "version": "1.0.0", "description": "a harmless helper",
        "main": "index.js", "license": "MIT", "scripts": {}, "dependencies": {},
    });
    // What npm installs: a postinstall hook and a dependency the document does not list.
    let tarball = json!({
        "name": name, "version": "1.0.0", "description": "a harmless helper",
        "main": "index.js", "license": "MIT",
        "scripts": { "postinstall": "node install.js" },
        "dependencies": { "ferret-fixture-benign": "^1.0.0" },
    });
    let integrity = publish_raw(
        &document,
        &tarball,
        &[
            ("index.js", "module.exports = () => 1;\n"),
            ("install.js", "console.log('id');\n"),
        ],
    );

    let out = scan(&name, "json");
    // The download verifies (the attack never breaks integrity): a report, not an error.
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        describe(&out)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["packages"][0]["package"]["integrity"],
        integrity,
        "{}",
        describe(&out)
    );
    assert_eq!(
        confusions(&out),
        vec![
            (
                "dependencies.ferret-fixture-benign".to_string(),
                "nothing".to_string(),
                "`^1.0.0`".to_string()
            ),
            (
                "scripts.postinstall".to_string(),
                "nothing".to_string(),
                "`node install.js`".to_string()
            ),
        ],
        "{}",
        describe(&out)
    );

    // The terminal names the fields too.
    let out = scan(&name, "terminal");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("manifest-confusion"), "{}", describe(&out));
    assert!(text.contains("`scripts.postinstall` differs"), "{text}");
    assert!(
        text.contains("`dependencies.ferret-fixture-benign` differs"),
        "{text}"
    );
}

#[test]
fn crafted_publish_that_agrees_with_its_tarball_is_not_confusion() {
    // The same raw request with matching manifests: the publish path itself is not what
    // the rule reacts to.
    let name = unique_name("consistent");
    let manifest = json!({
        "name": name, "version": "1.0.0", "description": "a harmless helper",
        "main": "index.js", "license": "MIT", "scripts": {},
        "dependencies": { "ferret-fixture-benign": "^1.0.0" },
    });
    publish_raw(
        &manifest,
        &manifest,
        &[("index.js", "module.exports = () => 1;\n")],
    );
    let out = scan(&name, "json");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        describe(&out)
    );
    assert_eq!(confusions(&out), vec![], "{}", describe(&out));
}
