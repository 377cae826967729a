//! Offline honesty: a scan without registry metadata (a local directory or archive) lists
//! the registry-metadata rules it could not evaluate, in the JSON report and on the
//! terminal, instead of passing them silently.

#![expect(clippy::unwrap_used, reason = "tests unwrap on inputs they wrote")]

use assert_cmd::Command;
use serde_json::Value;

fn package_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("package.json"),
        r#"{"name":"local-thing","version":"1.0.0","license":"MIT","main":"index.js"}"#,
    )
    .unwrap();
    std::fs::write(dir.path().join("index.js"), "module.exports = 1;\n").unwrap();
    dir
}

fn ferret(args: &[&str]) -> std::process::Output {
    let home = tempfile::tempdir().unwrap();
    Command::cargo_bin("ferret")
        .unwrap()
        .current_dir(home.path())
        .env("HOME", home.path())
        .env("XDG_CACHE_HOME", home.path().join(".cache"))
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn local_directory_scan_lists_metadata_rules_not_evaluated() {
    let dir = package_dir();
    let path = dir.path().to_str().unwrap();
    let out = ferret(&["scan", path, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let listed = doc["packages"][0]["not_evaluated"].as_array().unwrap();
    let rules: Vec<&str> = listed.iter().filter_map(|n| n["rule"].as_str()).collect();
    for rule in [
        "manifest-confusion",
        "new-publisher",
        "recently-published",
        "unmaintained",
        "deprecated",
    ] {
        assert!(rules.contains(&rule), "{rule} missing from {rules:?}");
    }
    assert!(
        listed.iter().all(|n| n["reason"]
            .as_str()
            .unwrap()
            .contains("no registry metadata")),
        "{listed:?}"
    );

    let out = ferret(&["scan", path]);
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("not evaluated"))
        .unwrap_or_else(|| panic!("no `not evaluated` line:\n{text}"));
    assert!(line.contains("manifest-confusion"), "{line}");
    assert!(
        line.contains(&format!("{} metadata rules", rules.len())),
        "{line}"
    );
}

#[test]
fn offline_project_scan_lists_metadata_rules_not_evaluated_once_in_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("package.json"),
        r#"{"name":"app","version":"1.0.0","dependencies":{"dep":"1.0.0"}}"#,
    )
    .unwrap();
    std::fs::write(
        root.join("package-lock.json"),
        r#"{"name":"app","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{
  "":{"name":"app","version":"1.0.0","dependencies":{"dep":"1.0.0"}},
  "node_modules/dep":{"version":"1.0.0","resolved":"https://registry.example/dep/-/dep-1.0.0.tgz"}}}"#,
    )
    .unwrap();
    let dep = root.join("node_modules/dep");
    std::fs::create_dir_all(&dep).unwrap();
    std::fs::write(
        dep.join("package.json"),
        r#"{"name":"dep","version":"1.0.0","license":"MIT"}"#,
    )
    .unwrap();
    std::fs::write(dep.join("index.js"), "module.exports = 2;\n").unwrap();
    let path = root.to_str().unwrap();

    let out = ferret(&["scan", path, "--offline", "--no-cache", "--format", "json"]);
    let doc: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let packages = doc["packages"].as_array().unwrap();
    assert!(!packages.is_empty(), "{doc:#}");
    for pkg in packages {
        let listed = pkg["not_evaluated"].as_array().unwrap();
        assert!(
            listed.iter().any(|n| n["rule"] == "recently-published"
                && n["reason"].as_str().unwrap().starts_with("offline")),
            "{pkg:#}"
        );
    }

    let out = ferret(&["scan", path, "--offline", "--no-cache"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.matches("not evaluated").count(), 1, "{text}");
    assert!(
        text.contains(&format!(
            "not evaluated: registry-metadata rules for {} package",
            packages.len()
        )),
        "{text}"
    );
}
