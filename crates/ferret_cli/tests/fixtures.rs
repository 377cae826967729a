//! Fixture packages scanned from disk through the real `ferret` binary.
//!
//! Every case is a directory under `tests/fixtures/scan/` (defanged reconstructions, never
//! tarballs in git). Each test runs `ferret scan <dir> --format json` and states, explicitly,
//! which capabilities must be found at which `file:line` and which must not be found at all.
//! When a test needs the archive form, it packs the directory with the system `tar`.

#![expect(clippy::unwrap_used, reason = "tests unwrap on inputs they wrote")]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture(case: &str) -> PathBuf {
    let dir = repo_root().join("tests/fixtures/scan").join(case);
    assert!(dir.is_dir(), "missing fixture directory {}", dir.display());
    dir
}

/// `ferret` with a private HOME and working directory, so no user configuration leaks in.
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

/// Runs `ferret scan <target> --format json`; returns the exit code and the parsed document.
fn scan_json(target: &Path) -> (i32, Value, Output) {
    let home = tempfile::tempdir().unwrap();
    let out = ferret(home.path())
        .arg("scan")
        .arg(target)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let code = out.status.code().expect("ferret was killed by a signal");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "`ferret scan {} --format json` did not print JSON ({e}); exit {code}\nstdout:\n{}\nstderr:\n{}",
            target.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (code, doc, out)
}

/// The report of the single package in a document, after checking the envelope.
fn only_package(doc: &Value) -> &Value {
    assert!(
        doc["schema_version"].as_u64().is_some_and(|v| v >= 1),
        "schema_version missing: {doc:#}"
    );
    assert!(doc["ferret_version"].is_string(), "ferret_version missing");
    assert_eq!(doc["errors"], Value::Array(vec![]), "unexpected errors");
    let packages = doc["packages"].as_array().expect("packages is an array");
    assert_eq!(packages.len(), 1, "expected one package: {doc:#}");
    &packages[0]
}

fn capability_names(report: &Value) -> BTreeSet<String> {
    report["capabilities"]
        .as_array()
        .expect("capabilities is an array")
        .iter()
        .map(|c| {
            c["capability"]
                .as_str()
                .expect("capability name")
                .to_string()
        })
        .collect()
}

fn capability<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["capabilities"]
        .as_array()
        .expect("capabilities is an array")
        .iter()
        .find(|c| c["capability"] == name)
        .unwrap_or_else(|| {
            panic!(
                "capability `{name}` not reported; got {:?}\n{report:#}",
                capability_names(report)
            )
        })
}

/// Every location of a capability as (path, line).
fn locations(report: &Value, name: &str) -> Vec<(String, u64)> {
    let cap = capability(report, name);
    let locs = cap["locations"].as_array().expect("locations is an array");
    assert_eq!(
        cap["count"].as_u64(),
        Some(locs.len() as u64),
        "`count` must equal the number of locations for `{name}`"
    );
    locs.iter()
        .map(|l| {
            (
                l["location"]["path"].as_str().expect("path").to_string(),
                l["location"]["line"].as_u64().expect("line"),
            )
        })
        .collect()
}

/// The location entry of `name` at `path:line`, failing with everything that was found.
fn location_at<'a>(report: &'a Value, name: &str, path: &str, line: u64) -> &'a Value {
    capability(report, name)["locations"]
        .as_array()
        .expect("locations is an array")
        .iter()
        .find(|l| l["location"]["path"] == path && l["location"]["line"] == line)
        .unwrap_or_else(|| {
            panic!(
                "`{name}` not reported at {path}:{line}; found at {:?}",
                locations(report, name)
            )
        })
}

fn files_on_disk(dir: &Path) -> (u64, u64) {
    let (mut count, mut size) = (0, 0);
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let meta = entry.metadata().unwrap();
        if meta.is_dir() {
            let (c, s) = files_on_disk(&entry.path());
            count += c;
            size += s;
        } else {
            count += 1;
            size += meta.len();
        }
    }
    (count, size)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn benign_package_has_no_capabilities() {
    let dir = fixture("benign");
    let (code, doc, _) = scan_json(&dir);
    assert_eq!(code, 0, "{doc:#}");
    let report = only_package(&doc);
    let package = &report["package"];
    assert_eq!(package["ecosystem"], "npm");
    assert_eq!(package["name"], "ferret-fixture-scan-benign");
    assert_eq!(package["version"], "1.0.0");
    let (count, size) = files_on_disk(&dir);
    assert_eq!(package["file_count"].as_u64(), Some(count));
    assert_eq!(package["unpacked_size"].as_u64(), Some(size));
    assert_eq!(report["capabilities"], Value::Array(vec![]), "{report:#}");
    assert_eq!(report["files_failed"], Value::Array(vec![]));
}

#[test]
fn evasion_capabilities_are_found_at_their_lines() {
    let (code, doc, _) = scan_json(&fixture("evasion"));
    assert!(code == 0 || code == 1, "exit {code}: {doc:#}");
    let report = only_package(&doc);

    // `const {exec: run} = require('child_' + 'process')` ... `run('id')` on line 9, column 3.
    let call = location_at(report, "shell", "index.js", 9);
    assert_eq!(call["location"]["column"], 3, "{call:#}");
    assert!(
        call["api"].as_str().unwrap().starts_with("child_process"),
        "api should name child_process: {call:#}"
    );
    assert_eq!(call["code"]["line"], 9);

    // Each evasion, one file each, at the line of the call.
    location_at(report, "shell", "lib/base64.js", 6); // Buffer.from(base64) module name
    location_at(report, "shell", "lib/charcode.js", 5); // String.fromCharCode module name
    location_at(report, "shell", "lib/main-module.js", 5); // process.mainModule.require
    location_at(report, "shell", "lib/namespace.mjs", 5); // import * as cp from 'node:...'
    location_at(report, "network", "lib/fetch.js", 5); // globalThis['fe' + 'tch'](...)
    location_at(report, "dynamic-code", "lib/indirect-eval.js", 5); // (0, eval)(...)

    // Nothing here touches the environment or ships a binary.
    let names = capability_names(report);
    assert!(!names.contains("env"), "{names:?}");
    assert!(!names.contains("native-code"), "{names:?}");
}

#[test]
fn lookalikes_do_not_fire() {
    // A local `function require`, a parameter named `fetch`, a local `process`, `{fetch: 1}`,
    // `store.fetch()`, and 'child_process' in a README, a comment and a data array.
    let (code, doc, _) = scan_json(&fixture("lookalikes"));
    assert_eq!(code, 0, "{doc:#}");
    let report = only_package(&doc);
    assert_eq!(
        capability_names(report),
        BTreeSet::new(),
        "look-alikes reported as capabilities:\n{:#}",
        report["capabilities"]
    );
    let capability_rules = [
        "shell-access",
        "network-access",
        "env-access",
        "dynamic-code",
    ];
    for alert in report["alerts"].as_array().unwrap() {
        assert!(
            !capability_rules.contains(&alert["rule"].as_str().unwrap()),
            "look-alike alert: {alert:#}"
        );
    }
}

#[test]
fn install_script_marks_statically_required_code_install_time() {
    let (code, doc, _) = scan_json(&fixture("install-script"));
    assert!(code == 0 || code == 1, "exit {code}: {doc:#}");
    let report = only_package(&doc);

    let hook = capability(report, "install-script");
    assert_eq!(hook["install_time"], true, "{hook:#}");
    let hook_paths: BTreeSet<_> = locations(report, "install-script")
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    assert!(hook_paths.contains("package.json"), "{hook_paths:?}");

    // postinstall -> node lib/setup.js -> require('./helper.js') -> process.env.HOME
    let home = location_at(report, "env", "lib/helper.js", 4);
    assert_eq!(home["install_time"], true, "{home:#}");
    assert_eq!(home["detail"], "HOME", "env uses record the variable name");
    assert_eq!(capability(report, "env")["install_time"], true);

    // index.js is runtime code: not reached from the hook.
    let user = location_at(report, "env", "index.js", 5);
    assert_ne!(user["install_time"], true, "{user:#}");
}

#[test]
fn native_addon_is_detected_by_magic_bytes() {
    let dir = fixture("native-code");
    let bytes = std::fs::read(dir.join("bin/x.node")).unwrap();
    assert_eq!(
        &bytes[..4],
        b"\x7fELF",
        "fixture must start with the ELF magic"
    );
    let (code, doc, _) = scan_json(&dir);
    assert!(code == 0 || code == 1, "exit {code}: {doc:#}");
    let report = only_package(&doc);
    let paths: BTreeSet<_> = locations(report, "native-code")
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    assert!(paths.contains("bin/x.node"), "{paths:?}");
}

#[test]
fn binary_named_js_is_reported_and_the_scan_goes_on() {
    let (code, doc, _) = scan_json(&fixture("binary-js"));
    assert!(code == 0 || code == 1, "exit {code}: {doc:#}");
    let report = only_package(&doc);

    let in_failed = report["files_failed"].as_array().unwrap().iter().any(|f| {
        f["path"] == "lib/data.js"
            && f["reason"]
                .as_str()
                .is_some_and(|r| r.to_lowercase().contains("binary"))
    });
    let in_alerts = report["alerts"].as_array().unwrap().iter().any(|a| {
        a["location"]["path"] == "lib/data.js"
            && a["message"]
                .as_str()
                .is_some_and(|m| m.to_lowercase().contains("binary"))
    });
    assert!(
        in_failed || in_alerts,
        "lib/data.js is binary but neither files_failed nor an alert says so:\n{report:#}"
    );

    // The other file was still analysed.
    location_at(report, "filesystem", "index.js", 4);
}

#[test]
fn tarball_and_package_folder_scan_like_the_directory() {
    let work = tempfile::tempdir().unwrap();
    // The layout a tarball unpacks to: a folder holding `package/`.
    let holder = work.path().join("unpacked");
    copy_dir(&fixture("evasion"), &holder.join("package"));
    let (code, doc, _) = scan_json(&holder);
    assert!(code == 0 || code == 1, "exit {code}: {doc:#}");
    let report = only_package(&doc);
    assert_eq!(report["package"]["name"], "ferret-fixture-scan-evasion");
    location_at(report, "shell", "index.js", 9);

    // The same folder as `npm pack` would ship it.
    let tgz = work.path().join("evasion-1.0.0.tgz");
    let status = std::process::Command::new("tar")
        .arg("-czf")
        .arg(&tgz)
        .arg("-C")
        .arg(&holder)
        .arg("package")
        .status()
        .expect("the system `tar` is needed to pack fixtures");
    assert!(status.success());
    let (code, doc, _) = scan_json(&tgz);
    assert!(code == 0 || code == 1, "exit {code}: {doc:#}");
    let report = only_package(&doc);
    assert_eq!(report["package"]["name"], "ferret-fixture-scan-evasion");
    assert!(
        report["package"]["integrity"]
            .as_str()
            .is_some_and(|i| i.starts_with("sha512-")),
        "a tarball's integrity is computed: {:#}",
        report["package"]
    );
    location_at(report, "shell", "index.js", 9);
    location_at(report, "network", "lib/fetch.js", 5);
}

#[test]
fn missing_target_is_an_error() {
    let home = tempfile::tempdir().unwrap();
    let out = ferret(home.path())
        .args(["scan", "./does-not-exist"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(!out.stderr.is_empty(), "an error must say what went wrong");
}
