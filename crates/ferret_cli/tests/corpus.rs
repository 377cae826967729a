//! The detection benchmark's fixture part: the labelled corpus in `tests/corpus/`.
//!
//! `tests/corpus/malicious/<NN-name>/` holds defanged reconstructions of real attacks, each with
//! a `label.toml` saying `expect = "block"`; `tests/corpus/benign/<name>/` holds look-alike
//! benign packages with `expect = "pass"` (warnings allowed, never a block). Big fixture files are
//! written by `tests/corpus/gen.py`, which runs first.
//!
//! Two tests:
//! - `corpus_is_well_formed_and_inert` checks the corpus itself (labels, counts, and that every
//!   host and IP in a malicious fixture is reserved), so a fixture can never point at a real host.
//! - `corpus_malicious_blocked_benign_not_blocked` runs `ferret scan <dir> --format json` on every
//!   fixture and demands: malicious → exit 1 and an alert with action `block`; benign → no block.
//!   On failure it prints one row per fixture (expected, got, rules that fired). `known-malware`
//!   is ignored: fixtures carry real incident names and must be caught by what their code does.

#![expect(
    clippy::unwrap_used,
    reason = "test code: a failed unwrap is a failed test"
)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus")
}

#[derive(Debug)]
struct Fixture {
    /// `malicious/01-event-stream-flatmap`
    name: String,
    dir: PathBuf,
    expect: String,
    techniques: Vec<String>,
    incident: String,
    description: String,
}

/// Reads the value of a `key = "..."` or `key = [..]` line; label files are flat and written by
/// hand, so a tiny line parser keeps the test free of a TOML dependency.
fn label_value<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines().find_map(|line| {
        let (k, v) = line.split_once('=')?;
        (k.trim() == key).then_some(v.trim())
    })
}

fn unquote(v: &str) -> String {
    serde_json::from_str::<String>(v).unwrap_or_else(|_| v.trim_matches('"').to_string())
}

fn fixtures() -> Vec<Fixture> {
    let mut out = Vec::new();
    for kind in ["malicious", "benign"] {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(corpus_root().join(kind))
            .unwrap_or_else(|e| panic!("reading tests/corpus/{kind}: {e}"))
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        for dir in dirs {
            let name = format!("{kind}/{}", dir.file_name().unwrap().to_string_lossy());
            let label = std::fs::read_to_string(dir.join("label.toml"))
                .unwrap_or_else(|e| panic!("{name}: label.toml: {e}"));
            let get = |k: &str| {
                label_value(&label, k).unwrap_or_else(|| panic!("{name}: label.toml lacks `{k}`"))
            };
            let techniques: Vec<String> = serde_json::from_str(get("techniques"))
                .unwrap_or_else(|e| panic!("{name}: techniques must be a list of strings: {e}"));
            out.push(Fixture {
                expect: unquote(get("expect")),
                techniques,
                incident: unquote(get("incident")),
                description: unquote(get("description")),
                name,
                dir,
            });
        }
    }
    out
}

fn generate_big_files() {
    let script = corpus_root().join("gen.py");
    let status = StdCommand::new("python3")
        .arg(&script)
        .status()
        .unwrap_or_else(|e| panic!("running {} needs python3: {e}", script.display()));
    assert!(status.success(), "{} failed: {status}", script.display());
}

/// Techniques a malicious label may name: alerts.md sections 2 and 3.
const TECHNIQUES: &[&str] = &[
    "obfuscated-code",
    "minified-code",
    "encoded-payload-exec",
    "whitespace-hidden-code",
    "trojan-source",
    "invisible-characters",
    "homoglyph-identifiers",
    "high-entropy-string",
    "long-string",
    "steganography-exec",
    "log-suppression",
    "download-exec",
    "exfiltration",
    "credential-access",
    "suspicious-endpoint",
    "reverse-shell",
    "persistence",
    "destructive-code",
    "self-propagation",
    "crypto-clipper",
    "cryptominer",
    "ai-agent-abuse",
    "ci-workflow-injection",
    "sandbox-evasion",
    "protestware",
    "telemetry",
];

/// Hosts a malicious fixture may name besides reserved TLDs: link-local/internal metadata
/// endpoints (unroutable from the internet) and loopback.
const ALLOWED_HOSTS: &[&str] = &[
    "169.254.169.254",
    "100.100.100.200",
    "metadata.google.internal",
    "management.azure.com",
    "localhost",
    "127.0.0.1",
    "1.a",
];

fn host_is_inert(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host.ends_with(".example")
        || host.ends_with(".invalid")
        || host == "example"
        || host.starts_with("198.51.100.")
        || ALLOWED_HOSTS.contains(&host.as_str())
        // Template placeholders such as `${host}` are resolved elsewhere in the same file.
        || host.contains('$')
        || host.contains('{')
}

/// Every `scheme://host` in the text, and every dotted quad.
fn hosts_in(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let after = &rest[i + 3..];
        let host: String = after
            .chars()
            .take_while(|c| {
                c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '$' | '{' | '}')
            })
            .collect();
        let scheme_ok = rest[..i].ends_with("http")
            || rest[..i].ends_with("https")
            || rest[..i].ends_with("tcp")
            || rest[..i].ends_with("wss")
            || rest[..i].ends_with("ws");
        if scheme_ok && !host.is_empty() {
            out.push(host);
        }
        rest = after;
    }
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit()
            && (i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'.'))
        {
            let end = bytes[i..]
                .iter()
                .position(|b| !(b.is_ascii_digit() || *b == b'.'))
                .map_or(bytes.len(), |p| i + p);
            let cand = &text[i..end];
            let parts: Vec<&str> = cand.split('.').collect();
            if parts.len() == 4
                && parts
                    .iter()
                    .all(|p| !p.is_empty() && p.len() <= 3 && p.parse::<u8>().is_ok())
            {
                out.push(cand.to_string());
            }
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn corpus_is_well_formed_and_inert() {
    generate_big_files();
    let all = fixtures();
    let malicious: Vec<&Fixture> = all
        .iter()
        .filter(|f| f.name.starts_with("malicious/"))
        .collect();
    let benign: Vec<&Fixture> = all
        .iter()
        .filter(|f| f.name.starts_with("benign/"))
        .collect();
    assert!(
        malicious.len() >= 60,
        "only {} malicious fixtures; the benchmark needs >= 60",
        malicious.len()
    );
    assert!(
        benign.len() >= 15,
        "only {} benign fixtures; the benchmark needs >= 15",
        benign.len()
    );

    let mut problems = Vec::new();
    for f in &all {
        let want = if f.name.starts_with("malicious/") {
            "block"
        } else {
            "pass"
        };
        if f.expect != want {
            problems.push(format!(
                "{}: expect = {:?}, want {want:?}",
                f.name, f.expect
            ));
        }
        if f.incident.is_empty() || f.description.len() < 40 {
            problems.push(format!(
                "{}: incident and a real description are required",
                f.name
            ));
        }
        // An npm package, or a Python distribution (sdist, unpacked wheel or source tree).
        let python = ["PKG-INFO", "setup.py", "pyproject.toml"]
            .iter()
            .any(|m| f.dir.join(m).is_file())
            || std::fs::read_dir(&f.dir).unwrap().any(|e| {
                e.unwrap()
                    .file_name()
                    .to_string_lossy()
                    .ends_with(".dist-info")
            });
        if !f.dir.join("package.json").is_file() && !python {
            problems.push(format!(
                "{}: no package.json, PKG-INFO or .dist-info",
                f.name
            ));
        }
        if f.name.starts_with("malicious/") {
            if f.techniques.is_empty() {
                problems.push(format!("{}: no techniques", f.name));
            }
            for t in &f.techniques {
                if !TECHNIQUES.contains(&t.as_str()) {
                    problems.push(format!(
                        "{}: unknown technique {t:?} (see alerts.md sections 2-3)",
                        f.name
                    ));
                }
            }
            for file in files_under(&f.dir) {
                let Ok(text) = std::fs::read_to_string(&file) else {
                    continue;
                };
                for host in hosts_in(&text) {
                    if !host_is_inert(&host) {
                        problems.push(format!(
                            "{}: {} names non-reserved host {host:?}",
                            f.name,
                            file.display()
                        ));
                    }
                }
            }
        }
    }
    // Every technique family of alerts.md section 3 has at least one fixture.
    for family in [
        "download-exec",
        "exfiltration",
        "credential-access",
        "suspicious-endpoint",
        "reverse-shell",
        "persistence",
        "destructive-code",
        "self-propagation",
        "crypto-clipper",
        "cryptominer",
        "ai-agent-abuse",
        "ci-workflow-injection",
        "sandbox-evasion",
        "protestware",
        "obfuscated-code",
        "encoded-payload-exec",
        "whitespace-hidden-code",
        "minified-code",
    ] {
        if !malicious
            .iter()
            .any(|f| f.techniques.iter().any(|t| t == family))
        {
            problems.push(format!("no malicious fixture covers {family}"));
        }
    }
    let bundle = corpus_root().join("malicious/12-shai-hulud-v1-worm-bundle/bundle.js");
    let size = std::fs::metadata(&bundle).map(|m| m.len()).unwrap_or(0);
    if size < 3_000_000 {
        problems.push(format!(
            "{} is {size} bytes; gen.py should write ~3 MB",
            bundle.display()
        ));
    }
    assert!(
        problems.is_empty(),
        "corpus problems:\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn inert_host_check_rejects_real_hosts() {
    assert_eq!(
        hosts_in("fetch('https://evil.com/x'); c(4444, '203.0.113.5')"),
        ["evil.com", "203.0.113.5"]
    );
    assert!(!host_is_inert("evil.com"));
    assert!(!host_is_inert("203.0.113.5"));
    assert!(host_is_inert("collector.example"));
    assert!(host_is_inert("pastebin.invalid"));
    assert!(host_is_inert("198.51.100.7"));
}

struct Outcome {
    name: String,
    expect: String,
    exit: Option<i32>,
    blocked_by: Vec<String>,
    warned_by: Vec<String>,
    error: Option<String>,
}

impl Outcome {
    fn ok(&self) -> bool {
        if self.error.is_some() {
            return false;
        }
        if self.expect == "block" {
            self.exit == Some(1) && !self.blocked_by.is_empty()
        } else {
            self.exit == Some(0) && self.blocked_by.is_empty()
        }
    }
}

fn scan(f: &Fixture, home: &Path) -> Outcome {
    let out = Command::cargo_bin("ferret")
        .unwrap()
        .current_dir(home)
        .env("HOME", home)
        .env("NO_COLOR", "1")
        // Fixtures reuse real incident names; `known-malware` would block them by name alone,
        // and the corpus measures detection by technique.
        .args([
            "scan",
            &f.dir.to_string_lossy(),
            "--format",
            "json",
            "--ignore",
            "known-malware",
        ])
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    let mut o = Outcome {
        name: f.name.clone(),
        expect: f.expect.clone(),
        exit: out.status.code(),
        blocked_by: Vec::new(),
        warned_by: Vec::new(),
        error: None,
    };
    match serde_json::from_slice::<Value>(&out.stdout) {
        Ok(doc) => {
            for pkg in doc["packages"].as_array().into_iter().flatten() {
                for a in pkg["alerts"].as_array().into_iter().flatten() {
                    let rule = a["rule"].as_str().unwrap_or("?");
                    let at = match (
                        a["location"]["path"].as_str(),
                        a["location"]["line"].as_u64(),
                    ) {
                        (Some(p), Some(l)) => format!("{rule}@{p}:{l}"),
                        _ => rule.to_string(),
                    };
                    match a["action"].as_str() {
                        Some("block") => o.blocked_by.push(at),
                        Some("warn") => o.warned_by.push(at),
                        _ => {}
                    }
                }
            }
            if let Some(errs) = doc["errors"].as_array().filter(|e| !e.is_empty()) {
                o.error = Some(format!("scan errors: {errs:?}"));
            }
        }
        Err(e) => {
            o.error = Some(format!(
                "not JSON ({e}); stderr: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
    }
    o
}

#[test]
fn corpus_malicious_blocked_benign_not_blocked() {
    generate_big_files();
    let home = tempfile::tempdir().unwrap();
    let outcomes: Vec<Outcome> = fixtures().iter().map(|f| scan(f, home.path())).collect();
    let failed = outcomes.iter().filter(|o| !o.ok()).count();
    if failed > 0 {
        let mut table = String::from(
            "fixture                                              expect  exit  result  blocked-by / warned-by\n",
        );
        for o in &outcomes {
            let exit = o.exit.map_or_else(|| "-".to_string(), |c| c.to_string());
            let detail = if let Some(e) = &o.error {
                e.clone()
            } else if o.blocked_by.is_empty() {
                format!("warn: {}", o.warned_by.join(", "))
            } else {
                format!("block: {}", o.blocked_by.join(", "))
            };
            let _ = writeln!(
                table,
                "{:52} {:7} {:5} {:7} {}",
                o.name,
                o.expect,
                exit,
                if o.ok() { "ok" } else { "FAIL" },
                detail
            );
        }
        panic!(
            "{failed} of {} corpus fixtures have the wrong verdict:\n{table}",
            outcomes.len()
        );
    }
}
