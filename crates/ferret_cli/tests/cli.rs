//! End-to-end tests of the `ferret` binary on packages written into temp dirs: output
//! formats, exit codes, `rules`, `explain`, `--ignore`. Registry scans are covered by
//! `e2e_registry.rs` against a local Verdaccio; nothing here touches the network.

#![expect(clippy::unwrap_used, reason = "tests unwrap on inputs they wrote")]

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;
use tempfile::TempDir;

/// A package directory written for one test.
struct TestPkg {
    dir: TempDir,
}

impl TestPkg {
    fn new(files: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let full = dir.path().join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, text).unwrap();
        }
        Self { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn arg(&self) -> String {
        self.path().to_str().unwrap().to_string()
    }
}

/// A package that spawns a process and reads an environment variable, nothing else.
fn shell_pkg() -> TestPkg {
    TestPkg::new(&[
        (
            "package.json",
            r#"{"name": "demo-shell", "version": "1.2.3", "main": "index.js"}"#,
        ),
        (
            "index.js",
            "const cp = require('child_process');\nconst home = process.env.HOME;\ncp.exec('id');\n",
        ),
    ])
}

fn ferret() -> Command {
    let mut cmd = Command::cargo_bin("ferret").unwrap();
    // Never pick up the developer's registry or color settings.
    cmd.env_remove("npm_config_registry").env("NO_COLOR", "1");
    cmd
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn scan_json(args: &[&str]) -> (i32, Value) {
    let r = run(ferret().arg("scan").args(args).args(["--format", "json"]));
    let json = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}\n{}", r.stdout, r.stderr));
    (r.code, json)
}

fn alert_rules(pkg: &Value) -> Vec<String> {
    pkg["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["rule"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn json_report_has_schema_package_and_capability_locations() {
    let pkg = shell_pkg();
    let (code, json) = scan_json(&[&pkg.arg()]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["errors"], Value::Array(vec![]));
    let p = &json["packages"][0];
    assert_eq!(p["package"]["name"], "demo-shell");
    assert_eq!(p["package"]["version"], "1.2.3");
    assert_eq!(p["package"]["ecosystem"], "npm");
    assert_eq!(p["package"]["file_count"], 2);

    let caps = p["capabilities"].as_array().unwrap();
    let shell = caps
        .iter()
        .find(|c| c["capability"] == "shell")
        .unwrap_or_else(|| panic!("no shell capability: {caps:#?}"));
    let locs = shell["locations"].as_array().unwrap();
    assert_eq!(shell["count"].as_u64().unwrap() as usize, locs.len());
    assert!(
        locs.iter()
            .any(|l| l["location"]["path"] == "index.js" && l["location"]["line"] == 3),
        "the exec call on line 3 must be a location: {locs:#?}"
    );
    let env = caps.iter().find(|c| c["capability"] == "env").unwrap();
    assert_eq!(env["locations"][0]["location"]["line"], 2);
}

#[test]
fn terminal_report_shows_header_and_capability_profile() {
    let pkg = shell_pkg();
    let r = run(ferret().arg("scan").arg(pkg.arg()));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("demo-shell@1.2.3  2 files"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("Capabilities\n"), "{}", r.stdout);
    let shell_line = r
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("shell "))
        .unwrap_or_else(|| panic!("no shell line:\n{}", r.stdout));
    assert!(shell_line.contains("index.js:3:"), "{shell_line}");
    assert!(
        r.stdout
            .lines()
            .last()
            .unwrap()
            .starts_with("OK: 1 package scanned"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains('\x1b'), "NO_COLOR must disable colors");
}

#[test]
fn all_flag_shows_info_alerts_hidden_by_default() {
    let pkg = shell_pkg();
    let default = run(ferret().arg("scan").arg(pkg.arg()));
    let all = run(ferret().arg("scan").arg(pkg.arg()).arg("--all"));
    assert!(
        default.stdout.contains("hidden; use --all"),
        "{}",
        default.stdout
    );
    assert!(
        !default.stdout.contains("shell-access"),
        "{}",
        default.stdout
    );
    assert!(all.stdout.contains("[INFO]"), "{}", all.stdout);
    assert!(all.stdout.contains("shell-access"), "{}", all.stdout);
    assert!(all.stdout.contains("--> index.js:"), "{}", all.stdout);
}

#[test]
fn ignore_removes_that_rules_alerts_only() {
    let pkg = shell_pkg();
    let (_, before) = scan_json(&[&pkg.arg()]);
    let rules = alert_rules(&before["packages"][0]);
    assert!(rules.iter().any(|r| r == "shell-access"), "{rules:?}");
    assert!(rules.iter().any(|r| r == "env-access"), "{rules:?}");

    let (code, after) = scan_json(&[&pkg.arg(), "--ignore", "shell-access"]);
    assert_eq!(code, 0);
    let rules = alert_rules(&after["packages"][0]);
    assert!(!rules.iter().any(|r| r == "shell-access"), "{rules:?}");
    assert!(rules.iter().any(|r| r == "env-access"), "{rules:?}");

    let (_, both) = scan_json(&[
        &pkg.arg(),
        "--ignore",
        "shell-access",
        "--ignore",
        "env-access",
    ]);
    let rules = alert_rules(&both["packages"][0]);
    assert!(
        !rules
            .iter()
            .any(|r| r == "shell-access" || r == "env-access"),
        "{rules:?}"
    );
}

#[test]
fn ignore_unknown_rule_is_an_error_with_suggestion() {
    let pkg = shell_pkg();
    let r = run(ferret()
        .arg("scan")
        .arg(pkg.arg())
        .args(["--ignore", "shell-acess"]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("did you mean `shell-access`"),
        "{}",
        r.stderr
    );
    assert!(
        r.stdout.is_empty(),
        "no report on a usage error: {}",
        r.stdout
    );
}

#[test]
fn benign_package_exits_zero() {
    let pkg = TestPkg::new(&[
        ("package.json", r#"{"name": "benign", "version": "0.1.0"}"#),
        ("index.js", "module.exports = (a, b) => a + b;\n"),
    ]);
    let (code, json) = scan_json(&[&pkg.arg()]);
    assert_eq!(code, 0);
    assert_eq!(json["packages"][0]["capabilities"], Value::Array(vec![]));
    let r = run(ferret().arg("scan").arg(pkg.arg()));
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.contains("Capabilities  none detected"),
        "{}",
        r.stdout
    );
}

/// A name and version listed by a malicious-package advisory for every version is blocked
/// by the default policy (`known-malware`), offline, from a local directory.
#[test]
fn blocked_package_exits_one() {
    let pkg = TestPkg::new(&[
        (
            "package.json",
            r#"{"name": "axios-proxy", "version": "1.0.0"}"#,
        ),
        ("index.js", "module.exports = {};\n"),
    ]);
    let (code, json) = scan_json(&[&pkg.arg()]);
    assert_eq!(code, 1, "{json:#}");
    let alerts = json["packages"][0]["alerts"].as_array().unwrap();
    assert_eq!(alerts[0]["rule"], "known-malware");
    assert_eq!(alerts[0]["action"], "block");

    let r = run(ferret().arg("scan").arg(pkg.arg()));
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains("[BLOCK] critical known-malware"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("BLOCKED: 1 package scanned, 1 blocked"),
        "{}",
        r.stdout
    );

    // Turning the rule off for one run lifts the block.
    let (code, _) = scan_json(&[&pkg.arg(), "--ignore", "known-malware"]);
    assert_eq!(code, 0);
}

#[test]
fn nonexistent_target_is_an_error_not_a_pass() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("does-not-exist");
    let missing = missing.to_str().unwrap();
    let r = run(ferret().arg("scan").arg(missing));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("no such file or directory"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains(missing), "{}", r.stderr);
    assert!(
        r.stdout.starts_with("ERROR: 0 packages scanned"),
        "{}",
        r.stdout
    );

    let (code, json) = scan_json(&[missing]);
    assert_eq!(code, 2);
    assert_eq!(json["errors"][0]["target"], missing);
}

#[test]
fn an_error_wins_over_a_clean_scan_and_other_targets_still_run() {
    let pkg = shell_pkg();
    let (code, json) = scan_json(&[&pkg.arg(), "./no-such-package.tgz"]);
    assert_eq!(code, 2);
    assert_eq!(json["packages"].as_array().unwrap().len(), 1);
    assert_eq!(json["errors"][0]["target"], "./no-such-package.tgz");
}

#[test]
fn a_folder_that_is_not_a_package_is_an_error() {
    let dir = TestPkg::new(&[("README.md", "not a package\n")]);
    let r = run(ferret().arg("scan").arg(dir.arg()));
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("cannot scan"), "{}", r.stderr);
}

#[test]
fn rules_lists_every_rule_sorted_and_aligned() {
    let r = run(ferret().arg("rules"));
    assert_eq!(r.code, 0);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(lines[0].starts_with("ID "), "{}", r.stdout);
    let shell = lines
        .iter()
        .find(|l| l.starts_with("shell-access "))
        .unwrap_or_else(|| panic!("shell-access missing:\n{}", r.stdout));
    assert!(shell.contains("capability"), "{shell}");
    let ids: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted);
    // Aligned: the category column starts at the same offset on every line.
    let col = lines[0].find("CATEGORY").unwrap();
    for l in &lines[1..] {
        assert_eq!(l.as_bytes()[col - 1], b' ', "{l}");
        assert_ne!(l.as_bytes()[col], b' ', "{l}");
    }
}

#[test]
fn explain_prints_the_rule_docs() {
    let r = run(ferret().args(["explain", "shell-access"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("## What it does"), "{}", r.stdout);
    assert!(r.stdout.contains("shell-access"), "{}", r.stdout);
}

#[test]
fn explain_unknown_rule_suggests_and_exits_two() {
    let r = run(ferret().args(["explain", "shell-acces"]));
    assert_eq!(r.code, 2);
    assert!(r.stdout.is_empty());
    assert!(
        r.stderr
            .contains("unknown rule `shell-acces`; did you mean `shell-access`?"),
        "{}",
        r.stderr
    );
}

#[test]
fn version_prints_the_crate_version() {
    let r = run(ferret().arg("--version"));
    assert_eq!(r.code, 0);
    assert!(
        r.stdout
            .starts_with(&format!("ferret {}\n", env!("CARGO_PKG_VERSION"))),
        "{}",
        r.stdout
    );
}

#[test]
fn help_documents_exit_codes() {
    let r = run(ferret().args(["scan", "--help"]));
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.contains("An error wins over a block"),
        "{}",
        r.stdout
    );
}

#[test]
fn closed_stdout_exits_quietly() {
    use std::io::Read as _;
    use std::process::Stdio;
    let pkg = shell_pkg();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("ferret"))
        .args(["scan", &pkg.arg(), "--format", "json"])
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Close the read end before ferret writes its report.
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// A registry that cannot be reached is an error (exit 2, the target in `errors`), never
/// a silent pass. The "registry" is a loopback port nobody listens on: no network.
#[test]
fn unreachable_registry_is_an_error() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let home = tempfile::tempdir().unwrap();
    let registry = format!("http://127.0.0.1:{port}");
    let r = run(ferret()
        .current_dir(home.path())
        .env("HOME", home.path())
        .args(["scan", "npm:left-pad@1.3.0", "--registry", &registry])
        .args(["--format", "json"]));
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("cannot scan npm:left-pad@1.3.0"),
        "{}",
        r.stderr
    );
    let json: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(json["packages"], Value::Array(vec![]));
    assert_eq!(json["errors"][0]["target"], "npm:left-pad@1.3.0");
    assert!(
        json["errors"][0]["error"]
            .as_str()
            .unwrap()
            .contains(&registry),
        "{json:#}"
    );
}

#[test]
fn target_that_is_neither_path_nor_spec_is_an_error() {
    let r = run(ferret().args(["scan", "npm:"]));
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("cannot scan npm:"), "{}", r.stderr);
}

/// `ferret db import` merges OSV advisories over the embedded index in the cache dir; the
/// next scan blocks a package only the import knows, and `--version` shows the new date.
#[test]
fn db_import_refreshes_the_known_malware_index() {
    let osv = TestPkg::new(&[(
        "MAL-2099-7.json",
        r#"{"id":"MAL-2099-7","published":"2099-03-04T00:00:00Z","aliases":[],
            "affected":[{"package":{"ecosystem":"npm","name":"ferret-import-demo"},"versions":["2.0.0"]}]}"#,
    )]);
    let cache = tempfile::tempdir().unwrap();
    let pkg = TestPkg::new(&[(
        "package.json",
        r#"{"name": "ferret-import-demo", "version": "2.0.0"}"#,
    )]);

    let before = ferret()
        .env("FERRET_CACHE_DIR", cache.path())
        .args(["scan", &pkg.arg()])
        .output()
        .unwrap();
    assert_eq!(before.status.code(), Some(0), "not yet known: not blocked");

    let import = ferret()
        .env("FERRET_CACHE_DIR", cache.path())
        .args(["db", "import", &osv.arg()])
        .output()
        .unwrap();
    assert_eq!(
        import.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&import.stderr)
    );
    assert!(String::from_utf8_lossy(&import.stdout).contains("imported 1 advisories"));

    let version = ferret()
        .env("FERRET_CACHE_DIR", cache.path())
        .arg("--version")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&version.stdout).contains("2099-03-04"));

    let after = ferret()
        .env("FERRET_CACHE_DIR", cache.path())
        .args(["scan", &pkg.arg(), "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(after.status.code(), Some(1));
    let json: Value = serde_json::from_slice(&after.stdout).unwrap();
    let alerts = json["packages"][0]["alerts"].as_array().unwrap();
    assert!(
        alerts
            .iter()
            .any(|a| a["rule"] == "known-malware" && a["action"] == "block")
    );
}
