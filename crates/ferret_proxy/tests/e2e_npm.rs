//! The firewall against real clients: the real `npm install` through `ferret_proxy` in
//! front of a local Verdaccio holding the fixtures of `tests/fixtures/registry/` (a benign
//! package, `@ferret-fixtures/proxy-malicious`, and `@ferret-fixtures/proxy-mixed` whose
//! 1.0.0 is harmless and 1.1.0 — `latest` — is a defanged copy of a corpus malware sample).
//! The registry comes from `FERRET_E2E_REGISTRY` (scripts/test) or is started here with
//! `scripts/verdaccio-start`, as in ferret_cli's e2e tests.
//!
//! npm runs without `--ignore-scripts`: stopping the package is the proxy's job. The
//! fixtures are inert anyway (their payload only targets 198.51.100.0/24 and runs on
//! `require`, which nothing here does).

#![expect(clippy::unwrap_used, reason = "tests unwrap on inputs they wrote")]

use ferret_proxy::{AccessLog, Handle, ProxyConfig, ProxyLimits};
use ferret_registry::RegistryConfig;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex, OnceLock};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn registry() -> &'static str {
    static URL: OnceLock<Result<String, String>> = OnceLock::new();
    match URL.get_or_init(start_or_reuse) {
        Ok(u) => u,
        Err(m) => panic!("{m}"),
    }
}

fn start_or_reuse() -> Result<String, String> {
    if let Ok(url) = std::env::var("FERRET_E2E_REGISTRY") {
        return Ok(url.trim_end_matches('/').to_owned());
    }
    let state = std::env::temp_dir().join(format!("ferret-proxy-verdaccio-{}", std::process::id()));
    let script = repo_root().join("scripts/verdaccio-start");
    let out = Command::new("bash")
        .arg(&script)
        .arg("--state-dir")
        .arg(&state)
        .arg("--watch-pid")
        .arg(std::process::id().to_string())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    if !out.status.success() {
        return Err(format!(
            "FERRET_E2E_REGISTRY is unset and scripts/verdaccio-start failed ({}): these tests \
             need Node.js/npm and Python 3.\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// A log sink the test can read.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);
impl std::io::Write for Log {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
impl Log {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

fn proxy(cache: Option<&Path>) -> (Handle, Log) {
    let log = Log::default();
    let config = ProxyConfig {
        registry: RegistryConfig::new(&format!("{}/", registry())),
        policy: ferret_policy::Policy::default(),
        cache: cache.map(|d| ferret_cache::Cache::open(d).unwrap()),
        analyser: "proxy-e2e".to_owned(),
        public_url: None,
        limits: ProxyLimits::default(),
        access_log: AccessLog::new(Box::new(log.clone())),
        pypi_upstream: None,
    };
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    (ferret_proxy::spawn(listener, config).unwrap(), log)
}

/// `npm <args>` in `dir` with a private HOME, cache and config: nothing of the user's npm
/// setup applies.
fn npm(dir: &Path, registry: &str, args: &[&str]) -> Output {
    let mut cmd = Command::new("npm");
    cmd.current_dir(dir)
        .args(args)
        .arg("--registry")
        .arg(registry)
        .arg("--cache")
        .arg(dir.join(".npm-cache"))
        .arg("--userconfig")
        .arg(dir.join(".npmrc-user"))
        .args([
            "--no-audit",
            "--no-fund",
            "--no-update-notifier",
            "--fetch-retries=0",
        ])
        .env("HOME", dir)
        .env("NO_COLOR", "1");
    for (key, _) in std::env::vars_os() {
        if key
            .to_str()
            .is_some_and(|k| k.to_ascii_lowercase().starts_with("npm_config_"))
        {
            cmd.env_remove(key);
        }
    }
    cmd.output().unwrap()
}

fn describe(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("package.json"),
        r#"{"name":"proxy-e2e-app","version":"1.0.0","private":true}"#,
    )
    .unwrap();
    dir
}

/// Every file under `dir` whose content has the fixture payload.
fn malicious_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if std::fs::read_to_string(&p).is_ok_and(|t| t.contains("eval(Buffer.from(")) {
                found.push(p);
            }
        }
    }
    found
}

#[test]
fn npm_install_through_the_proxy_installs_benign_refuses_malicious_and_picks_the_safe_version() {
    let cache = tempfile::tempdir().unwrap();
    let (handle, log) = proxy(Some(cache.path()));
    let url = format!("http://{}/", handle.addr);
    let dir = project();

    let out = npm(dir.path(), &url, &["install", "ferret-fixture-benign"]);
    assert!(
        out.status.success(),
        "benign install failed\n{}",
        describe(&out)
    );
    let pkg = std::fs::read_to_string(
        dir.path()
            .join("node_modules/ferret-fixture-benign/package.json"),
    )
    .unwrap();
    assert!(pkg.contains("\"1.1.0\""), "{pkg}");
    let lock = std::fs::read_to_string(dir.path().join("package-lock.json")).unwrap();
    assert!(
        lock.contains(&url),
        "the lockfile records the proxy's tarball URLs: {lock}"
    );

    let out = npm(
        dir.path(),
        &url,
        &["install", "@ferret-fixtures/proxy-malicious"],
    );
    assert!(
        !out.status.success(),
        "malicious install succeeded\n{}",
        describe(&out)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("403"), "{}", describe(&out));
    assert!(
        stderr.contains("ferret blocked") && stderr.contains("malware"),
        "npm must show the reason\n{}",
        describe(&out)
    );
    assert!(
        !dir.path()
            .join("node_modules/@ferret-fixtures/proxy-malicious")
            .exists()
    );

    let out = npm(
        dir.path(),
        &url,
        &["install", "@ferret-fixtures/proxy-mixed"],
    );
    assert!(
        out.status.success(),
        "mixed install failed\n{}",
        describe(&out)
    );
    let pkg = std::fs::read_to_string(
        dir.path()
            .join("node_modules/@ferret-fixtures/proxy-mixed/package.json"),
    )
    .unwrap();
    assert!(pkg.contains("\"version\": \"1.0.0\""), "{pkg}");
    // Resolved on the first install with nothing about it in the cache: npm never asked for
    // the malicious tarball, because the packument it got had no 1.1.0.
    assert!(
        !log.text()
            .lines()
            .any(|l| l.contains("proxy-mixed-1.1.0.tgz")),
        "{}",
        log.text()
    );

    let out = npm(
        dir.path(),
        &url,
        &["install", "@ferret-fixtures/proxy-mixed@1.1.0"],
    );
    assert!(
        !out.status.success(),
        "pinned malicious version installed\n{}",
        describe(&out)
    );

    assert_eq!(
        malicious_files(&dir.path().join("node_modules")),
        Vec::<PathBuf>::new()
    );
    let log = log.text();
    assert!(
        log.lines().any(|l| l.contains("proxy-malicious")
            && l.contains("\"decision\":\"block\"")
            && l.contains("\"rule\":\"malware\"")),
        "{log}"
    );
    assert!(
        log.lines()
            .any(|l| l.contains("proxy-mixed") && l.contains("\"removed\":[\"1.1.0\"]")),
        "{log}"
    );
    for line in log.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(
            v["duration_ms"].is_number() && v["status"].is_number(),
            "{line}"
        );
        assert!(
            !line.to_ascii_lowercase().contains("authorization"),
            "{line}"
        );
    }
    handle.shutdown().unwrap();
}

fn get(url: &str, headers: &[(&str, &str)]) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut req = agent.get(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let mut resp = req.call().unwrap();
    let status = resp.status().as_u16();
    let hs = resp
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let mut body = Vec::new();
    resp.body_mut().as_reader().read_to_end(&mut body).unwrap();
    (status, hs, body)
}

fn header<'a>(hs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    hs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

#[test]
fn protocol_abbreviated_scoped_conditional_gzip_head_and_blocked_tarball() {
    let (handle, _log) = proxy(None);
    let base = format!("http://{}", handle.addr);
    let abbreviated = [
        ("accept", "application/vnd.npm.install-v1+json"),
        ("accept-encoding", "identity"),
    ];

    let (status, hs, body) = get(
        &format!("{base}/@ferret-fixtures%2fproxy-mixed"),
        &abbreviated,
    );
    assert_eq!(status, 200);
    assert_eq!(
        header(&hs, "content-type"),
        Some("application/vnd.npm.install-v1+json")
    );
    let doc: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(doc["dist-tags"]["latest"], "1.0.0");
    assert!(doc["versions"].get("1.1.0").is_none());
    assert_eq!(
        doc["versions"]["1.0.0"]["dist"]["tarball"],
        format!("{base}/@ferret-fixtures/proxy-mixed/-/proxy-mixed-1.0.0.tgz")
    );
    let etag = header(&hs, "etag").unwrap().to_owned();

    let (status, _, body) = get(
        &format!("{base}/@ferret-fixtures/proxy-mixed"),
        &[abbreviated[0], ("if-none-match", &etag)],
    );
    assert_eq!((status, body.len()), (304, 0));

    let (status, hs, body) = get(
        &format!("{base}/ferret-fixture-benign"),
        &[("accept-encoding", "gzip")],
    );
    assert_eq!(status, 200);
    // ureq inflates transparently; what matters is that the proxy sent gzip and it parses.
    assert!(serde_json::from_slice::<serde_json::Value>(&body).is_ok());
    let _ = hs;

    // The malicious version's tarball, asked for directly (a stale lockfile): 403 + reason.
    let (status, _, body) = get(
        &format!("{base}/@ferret-fixtures/proxy-mixed/-/proxy-mixed-1.1.0.tgz"),
        &[],
    );
    assert_eq!(status, 403);
    let err: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert!(err["error"].as_str().unwrap().contains("malware"), "{err}");

    // HEAD of a good tarball: headers, no body.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let resp = agent
        .head(&format!(
            "{base}/@ferret-fixtures/proxy-mixed/-/proxy-mixed-1.0.0.tgz"
        ))
        .call()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);

    let (status, _, _) = get(&format!("{base}/@ferret-fixtures/no-such-package"), &[]);
    assert_eq!(status, 404);
    handle.shutdown().unwrap();
}

#[test]
fn a_hundred_concurrent_clients_all_get_complete_answers() {
    let cache = tempfile::tempdir().unwrap();
    let (handle, _log) = proxy(Some(cache.path()));
    let base = format!("http://{}", handle.addr);
    let expected = get(
        &format!("{base}/ferret-fixture-benign/-/ferret-fixture-benign-1.1.0.tgz"),
        &[],
    );
    assert_eq!(expected.0, 200);
    let threads: Vec<_> = (0..100)
        .map(|i| {
            let base = base.clone();
            std::thread::spawn(move || {
                if i % 2 == 0 {
                    get(
                        &format!("{base}/ferret-fixture-benign"),
                        &[("accept-encoding", "gzip")],
                    )
                } else {
                    get(
                        &format!("{base}/ferret-fixture-benign/-/ferret-fixture-benign-1.1.0.tgz"),
                        &[],
                    )
                }
            })
        })
        .collect();
    for (i, t) in threads.into_iter().enumerate() {
        let (status, _, body) = t.join().unwrap();
        assert_eq!(status, 200, "client {i}");
        if i % 2 == 1 {
            assert_eq!(body, expected.2, "client {i} got a different tarball");
        }
    }
    handle.shutdown().unwrap();
}
