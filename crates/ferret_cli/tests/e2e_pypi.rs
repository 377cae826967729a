//! End to end against a real package index: `ferret scan pypi:<fixture>` served by a local,
//! offline pypiserver holding the distributions built from `tests/fixtures/pypi/` (see
//! `scripts/pypiserver-start`).
//!
//! `scripts/test` starts the index once and exports `FERRET_E2E_PYPI` (its simple URL). When
//! it is unset, the first test starts pypiserver itself (a watchdog stops it when this test
//! process exits). If the index cannot be started the tests fail with the reason.
//!
//! pypiserver computes each file's sha256 when it lists it, so a file changed on its disk
//! is listed with its new digest. The hash-mismatch test therefore puts a tampering mirror
//! between ferret and the index: it passes the index pages through and flips one byte of
//! one distribution file — what a compromised mirror or CDN would do.

#![expect(clippy::unwrap_used, reason = "tests unwrap on inputs they wrote")]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
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
    let state = std::env::temp_dir().join(format!("ferret-e2e-pypiserver-{}", std::process::id()));
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
            "FERRET_E2E_PYPI is unset and `scripts/pypiserver-start` failed ({}), so the \
             end-to-end PyPI tests cannot run. They need Python 3 and network access once to \
             install pypiserver (e2e/pypiserver). Run `scripts/test`, or start an index and \
             export FERRET_E2E_PYPI.\n{}",
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

/// `ferret` in a private HOME without pip configuration or `PIP_*` variables.
fn ferret(home: &Path) -> Command {
    let mut cmd = Command::cargo_bin("ferret").unwrap();
    cmd.current_dir(home)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("PIP_CONFIG_FILE", "/dev/null")
        .env("NO_COLOR", "1")
        .timeout(Duration::from_secs(120));
    for (key, _) in std::env::vars_os() {
        if key.to_str().is_some_and(|k| k.starts_with("PIP_")) {
            cmd.env_remove(key);
        }
    }
    cmd.env("PIP_CONFIG_FILE", "/dev/null");
    cmd.env_remove("VIRTUAL_ENV");
    cmd
}

fn scan(args: &[&str]) -> (Output, Value) {
    let home = tempfile::tempdir().unwrap();
    let out = ferret(home.path())
        .args(["scan", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out, json)
}

fn packages(json: &Value) -> Vec<(String, String, String)> {
    json["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let p = &p["package"];
            (
                p["name"].as_str().unwrap().to_owned(),
                p["version"].as_str().unwrap().to_owned(),
                p["source"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect()
}

#[test]
fn fetch_by_name_and_version_picks_the_pure_wheel() {
    let (out, json) = scan(&["pypi:ferret-fixture-benign==1.0.0", "--index-url", index()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        packages(&json),
        vec![(
            "ferret-fixture-benign".into(),
            "1.0.0".into(),
            "ferret_fixture_benign-1.0.0-py3-none-any.whl".into()
        )]
    );
    let integrity = json["packages"][0]["package"]["integrity"]
        .as_str()
        .unwrap();
    assert!(integrity.starts_with("sha256:"), "{integrity}");
    assert_eq!(json["packages"][0]["package"]["ecosystem"], "pypi");
}

#[test]
fn latest_release_by_unnormalised_name_via_pip_index_url() {
    let home = tempfile::tempdir().unwrap();
    let out = ferret(home.path())
        .env("PIP_INDEX_URL", index())
        .args(["scan", "--format", "json", "pypi:Ferret_Fixture.Benign"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    // 1.1.0 has no wheel: the sdist is what pip would build and install.
    assert_eq!(
        packages(&json),
        vec![(
            "ferret-fixture-benign".into(),
            "1.1.0".into(),
            "ferret_fixture_benign-1.1.0.tar.gz".into()
        )]
    );
}

#[test]
fn file_choice_sdist_and_all() {
    let (out, json) = scan(&[
        "pypi:ferret-fixture-benign==1.0.0",
        "--index-url",
        index(),
        "--pypi-file",
        "sdist",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(packages(&json)[0].2, "ferret_fixture_benign-1.0.0.tar.gz");
    let (out, json) = scan(&[
        "pypi:ferret-fixture-benign==1.0.0",
        "--index-url",
        index(),
        "--pypi-file",
        "all",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let mut files: Vec<String> = packages(&json).into_iter().map(|p| p.2).collect();
    files.sort();
    assert_eq!(
        files,
        vec![
            "ferret_fixture_benign-1.0.0-py3-none-any.whl".to_owned(),
            "ferret_fixture_benign-1.0.0.tar.gz".to_owned()
        ]
    );
}

#[test]
fn malicious_setup_py_is_blocked() {
    let (out, json) = scan(&["pypi:ferret-fixture-evil==1.0.0", "--index-url", index()]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let blocked: Vec<&str> = json["packages"][0]["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["action"] == "block")
        .map(|a| a["rule"].as_str().unwrap())
        .collect();
    assert_eq!(blocked, vec!["malware"]);
}

#[test]
fn unknown_version_and_package_are_errors() {
    let (out, _) = scan(&["pypi:ferret-fixture-benign==9.9.9", "--index-url", index()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("9.9.9"));
    let (out, _) = scan(&["pypi:ferret-fixture-nope", "--index-url", index()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("404"));
}

#[test]
fn hash_mismatch_is_refused() {
    let mirror = tampering_mirror(index(), "ferret_fixture_tampered-1.0.0.tar.gz");
    let (out, json) = scan(&[
        "pypi:ferret-fixture-tampered==1.0.0",
        "--index-url",
        &mirror,
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("integrity check failed"), "{stderr}");
    assert!(json["packages"].as_array().is_none_or(Vec::is_empty));
    // The same mirror passes untouched files through: the check is about the bytes.
    let (out, _) = scan(&["pypi:ferret-fixture-benign==1.1.0", "--index-url", &mirror]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// An HTTP mirror on a loopback port that forwards every request to the index's host and
/// flips the last byte of the response body of any path ending in `victim`. Returns the
/// mirror's simple URL.
fn tampering_mirror(index: &str, victim: &'static str) -> String {
    let rest = index.strip_prefix("http://").unwrap();
    let (upstream, path) = rest.split_once('/').unwrap();
    let upstream = upstream.to_owned();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { continue };
            let upstream = upstream.clone();
            std::thread::spawn(move || {
                let _ = relay(conn, &upstream, victim);
            });
        }
    });
    format!("http://{addr}/{path}")
}

fn relay(mut client: TcpStream, upstream: &str, victim: &str) -> std::io::Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 64 * 1024 {
        if client.read(&mut byte)? == 0 {
            return Ok(());
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let target = request_line.split(' ').nth(1).unwrap_or("/").to_owned();
    let accept = lines
        .find_map(|l| {
            l.split_once(':')
                .filter(|(k, _)| k.eq_ignore_ascii_case("accept"))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "*/*".to_owned());
    let mut up = TcpStream::connect(upstream)?;
    write!(
        up,
        "GET {target} HTTP/1.0\r\nHost: {upstream}\r\nAccept: {accept}\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = Vec::new();
    up.read_to_end(&mut response)?;
    if target.ends_with(victim)
        && let Some(body) = response.windows(4).position(|w| w == b"\r\n\r\n")
        && response.len() > body + 4
    {
        let last = response.len() - 1;
        response[last] ^= 0xff;
    }
    client.write_all(&response)?;
    client.flush()
}
