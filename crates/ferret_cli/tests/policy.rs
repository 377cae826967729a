//! The policy file end to end: `ferret.toml` found by walking up from the scanned
//! directory or given with `--policy`, its effect on exit codes, its diagnostics on stderr,
//! and `docs/policy.md` checked against the rule registry so the documented default policy
//! cannot drift from the code. Nothing here touches the network.

#![expect(clippy::unwrap_used, reason = "tests unwrap on inputs they wrote")]

use assert_cmd::Command;
use std::collections::BTreeMap;
use std::path::Path;
use tempfile::TempDir;

/// A temp dir holding `app/ferret.toml` (when given) and the package `app/pkg`, which
/// spawns a process (`shell-access`, default action info) and nothing else.
struct Project {
    dir: TempDir,
}

impl Project {
    fn new(policy: Option<&str>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let pkg = dir.path().join("app/pkg");
        std::fs::create_dir_all(&pkg).unwrap();
        std::fs::write(
            pkg.join("package.json"),
            r#"{"name": "demo-shell", "version": "1.2.3", "main": "index.js"}"#,
        )
        .unwrap();
        std::fs::write(
            pkg.join("index.js"),
            "const cp = require('child_process');\ncp.exec('id');\n",
        )
        .unwrap();
        if let Some(text) = policy {
            std::fs::write(dir.path().join("app/ferret.toml"), text).unwrap();
        }
        Self { dir }
    }

    fn app(&self) -> std::path::PathBuf {
        self.dir.path().join("app")
    }

    fn pkg(&self) -> String {
        self.app().join("pkg").to_str().unwrap().to_string()
    }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn ferret(cwd: &Path, args: &[&str]) -> Run {
    let out = Command::cargo_bin("ferret")
        .unwrap()
        .env_remove("npm_config_registry")
        .env("NO_COLOR", "1")
        .current_dir(cwd)
        .args(args)
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

const BLOCK_SHELL: &str = "[rules]\nshell-access = \"block\"\n";

#[test]
fn policy_found_above_the_package_blocks_shell_access() {
    let project = Project::new(Some(BLOCK_SHELL));
    // The cwd is elsewhere: the policy is found from the scanned directory upwards.
    let elsewhere = tempfile::tempdir().unwrap();
    let r = ferret(
        elsewhere.path(),
        &["scan", &project.pkg(), "--format", "json"],
    );
    assert_eq!(r.code, 1, "stderr: {}", r.stderr);
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let alerts = json["packages"][0]["alerts"].as_array().unwrap();
    assert!(
        alerts
            .iter()
            .any(|a| a["rule"] == "shell-access" && a["action"] == "block"),
        "{alerts:?}"
    );
}

#[test]
fn without_a_policy_shell_access_is_info() {
    let project = Project::new(None);
    let r = ferret(project.dir.path(), &["scan", &project.pkg()]);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
}

#[test]
fn exception_with_reason_turns_the_block_back_to_exit_0() {
    let project = Project::new(Some(
        r#"[rules]
shell-access = "block"

[[exceptions]]
package = "npm:demo-shell"
rule = "shell-access"
versions = ["1.x"]
reason = "runs `id` for its diagnostics page; reviewed 2026-05"
"#,
    ));
    let r = ferret(
        project.dir.path(),
        &["scan", &project.pkg(), "--format", "json"],
    );
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let alerts = json["packages"][0]["alerts"].as_array().unwrap();
    assert!(
        !alerts.iter().any(|a| a["rule"] == "shell-access"),
        "ignored by the exception: {alerts:?}"
    );
    assert!(!r.stderr.contains("warning"), "{}", r.stderr);
}

#[test]
fn exception_for_other_versions_keeps_the_block_and_warns_it_is_unused() {
    let project = Project::new(Some(
        r#"[rules]
shell-access = "block"

[[exceptions]]
package = "npm:demo-shell"
rule = "shell-access"
versions = ["2.x"]
reason = "reviewed 2.x only"
"#,
    ));
    let r = ferret(project.dir.path(), &["scan", &project.pkg()]);
    assert_eq!(r.code, 1, "stderr: {}", r.stderr);
    assert!(
        r.stderr.contains("warning: ")
            && r.stderr.contains(
                "ferret.toml:4: exception npm:demo-shell versions 2.x (shell-access) matched no alert in this run"
            ),
        "{}",
        r.stderr
    );
}

#[test]
fn typo_in_rule_id_exits_2_with_span_and_suggestion() {
    let project = Project::new(Some("[rules]\nshell-acess = \"block\"\n"));
    let r = ferret(
        &project.app(),
        &["scan", "--policy", "ferret.toml", &project.pkg()],
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stdout.is_empty(),
        "no report on a bad policy: {}",
        r.stdout
    );
    insta::assert_snapshot!(r.stderr, @r#"
    error: unknown rule `shell-acess`
     --> ferret.toml:2:1
      |
    2 | shell-acess = "block"
      | ^^^^^^^^^^^ no rule has this id
      |
    help: did you mean `shell-access`?
    "#);
}

#[test]
fn exception_without_reason_exits_2() {
    let project = Project::new(Some(
        "[[exceptions]]\npackage = \"npm:demo-shell\"\nrule = \"shell-access\"\n",
    ));
    let r = ferret(&project.app(), &["scan", &project.pkg()]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("exception without `reason`") && r.stderr.contains("ferret.toml:1:1"),
        "{}",
        r.stderr
    );
}

#[test]
fn explicit_policy_wins_and_a_missing_one_is_an_error() {
    let project = Project::new(Some("[rules]\nshell-access = \"ignore\"\n"));
    let strict = project.dir.path().join("strict.toml");
    std::fs::write(&strict, BLOCK_SHELL).unwrap();
    let r = ferret(
        &project.app(),
        &["scan", "--policy", strict.to_str().unwrap(), &project.pkg()],
    );
    assert_eq!(r.code, 1, "stderr: {}", r.stderr);
    let r = ferret(
        &project.app(),
        &["scan", "--policy", "missing.toml", &project.pkg()],
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("cannot read policy file missing.toml"),
        "{}",
        r.stderr
    );
}

#[test]
fn fail_on_warn_makes_warnings_exit_1() {
    let project = Project::new(Some(
        "[rules]\nshell-access = \"warn\"\n\n[fail]\non = \"warn\"\n",
    ));
    let r = ferret(project.dir.path(), &["scan", &project.pkg()]);
    assert_eq!(r.code, 1, "stderr: {}", r.stderr);
}

/// `ferret rules` as id → (severity, action).
fn registry() -> BTreeMap<String, (String, String)> {
    let r = ferret(Path::new("."), &["rules"]);
    assert_eq!(r.code, 0);
    r.stdout
        .lines()
        .skip(1)
        .map(|line| {
            let cols: Vec<&str> = line.split_whitespace().collect();
            (
                cols[0].to_string(),
                (cols[2].to_string(), cols[3].to_string()),
            )
        })
        .collect()
}

/// The rows of the default-policy table in docs/policy.md (between its
/// `default-policy:start`/`end` markers): `| `id` | severity | action | category |`.
fn documented() -> BTreeMap<String, (String, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/policy.md");
    let text = std::fs::read_to_string(path).unwrap();
    let table = text
        .split_once("<!-- default-policy:start -->")
        .and_then(|(_, rest)| rest.split_once("<!-- default-policy:end -->"))
        .expect("docs/policy.md marks its default-policy table")
        .0;
    table
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line
                .trim()
                .strip_prefix('|')?
                .strip_suffix('|')?
                .split('|')
                .map(str::trim)
                .collect();
            let id = cells.first()?.strip_prefix('`')?.strip_suffix('`')?;
            let [severity, action] = [cells.get(1)?, cells.get(2)?];
            Some((id.to_string(), (severity.to_string(), action.to_string())))
        })
        .collect()
}

#[test]
fn docs_policy_md_lists_every_blocking_and_warning_rule_with_its_default() {
    let registry = registry();
    let documented = documented();
    assert!(registry.len() > 10, "{registry:?}");
    for (id, (severity, action)) in &registry {
        if action == "block" || action == "warn" {
            assert_eq!(
                documented.get(id),
                Some(&(severity.clone(), action.clone())),
                "docs/policy.md: the default-policy table must list `{id}` as `| `{id}` | {severity} | {action} |`"
            );
        }
    }
    // A documented rule must have its registry default. (A row for a rule the registry does
    // not have yet is tolerated: rules and their docs land in separate commits.)
    for (id, row) in &documented {
        if let Some(actual) = registry.get(id) {
            assert_eq!(
                actual, row,
                "docs/policy.md lists `{id}` as {row:?}, but its default is {actual:?}"
            );
        }
    }
    assert_eq!(documented["malware"].1, "block");
    assert_eq!(documented["known-malware"].1, "block");
}
