//! The PyPI side of the firewall against the real client: `pip download` through
//! `ferret_proxy` in front of a local, offline pypiserver holding the distributions built from
//! `tests/fixtures/pypi/` (`scripts/pypiserver-start`; `scripts/test` exports its URL as
//! `FERRET_E2E_PYPI`, otherwise it is started here).
//!
//! pip only downloads here, and never builds: the benign fixture is fetched as its wheel
//! (`--only-binary :all:`), and the malicious sdist is requested with `--use-pep517` and build
//! isolation, so even if the proxy served it, pip would first need setuptools from this
//! index — which has none — before it could run the fixture's `setup.py`.

#![expect(clippy::unwrap_used, reason = "tests unwrap on inputs they wrote")]

use ferret_proxy::{AccessLog, Handle, ProxyConfig, ProxyLimits};
use ferret_registry::RegistryConfig;
use sha2::Digest as _;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

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
    let state =
        std::env::temp_dir().join(format!("ferret-proxy-pypiserver-{}", std::process::id()));
    let script = repo_root().join("scripts/pypiserver-start");
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
            "FERRET_E2E_PYPI is unset and scripts/pypiserver-start failed ({}): these tests \
             need Python 3 (and the network once, to install pypiserver).\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

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
    fn entries(&self) -> Vec<serde_json::Value> {
        String::from_utf8_lossy(&self.0.lock().unwrap())
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

fn proxy(cache: &Path) -> (Handle, Log) {
    let log = Log::default();
    let config = ProxyConfig {
        // No npm upstream is contacted by these tests.
        registry: RegistryConfig::new("http://127.0.0.1:9/"),
        policy: ferret_policy::Policy::default(),
        cache: Some(ferret_cache::Cache::open(cache).unwrap()),
        analyser: "proxy-pypi-e2e".to_owned(),
        public_url: None,
        limits: ProxyLimits::default(),
        access_log: AccessLog::new(Box::new(log.clone())),
        pypi_upstream: Some(index().to_owned()),
    };
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    (ferret_proxy::spawn(listener, config).unwrap(), log)
}

/// `python3 -m pip download --no-deps` into `dest`, isolated from the user's pip setup.
fn pip_download(dest: &Path, index_url: &str, args: &[&str]) -> Output {
    let mut cmd = Command::new("python3");
    cmd.args([
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--disable-pip-version-check",
    ])
    .args(["--no-cache-dir", "--retries", "0", "--timeout", "30"])
    .arg("--index-url")
    .arg(index_url)
    .arg("--dest")
    .arg(dest)
    .args(args)
    .current_dir(dest)
    .env("HOME", dest)
    .env("PIP_CONFIG_FILE", "/dev/null")
    .env("NO_COLOR", "1");
    for (key, _) in std::env::vars_os() {
        if key
            .to_str()
            .is_some_and(|k| k.starts_with("PIP_") && k != "PIP_CONFIG_FILE")
        {
            cmd.env_remove(key);
        }
    }
    cmd.env_remove("VIRTUAL_ENV");
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

fn get(url: &str, accept: &str) -> (u16, String, Vec<u8>) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into();
    let mut resp = agent.get(url).header("accept", accept).call().unwrap();
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let mut body = Vec::new();
    resp.body_mut().as_reader().read_to_end(&mut body).unwrap();
    (status, ct, body)
}

const PIP_ACCEPT: &str = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01";

#[test]
fn pip_downloads_the_benign_wheel_and_gets_403_for_the_malicious_sdist() {
    let cache = tempfile::tempdir().unwrap();
    let (handle, log) = proxy(cache.path());
    let simple = format!("http://{}/pypi/simple/", handle.addr);
    let dest = tempfile::tempdir().unwrap();

    let out = pip_download(
        dest.path(),
        &simple,
        &["--only-binary", ":all:", "ferret_fixture_benign==1.0.0"],
    );
    assert!(
        out.status.success(),
        "benign download failed\n{}",
        describe(&out)
    );
    let wheel = dest
        .path()
        .join("ferret_fixture_benign-1.0.0-py3-none-any.whl");
    let bytes = std::fs::read(&wheel).unwrap();
    // The bytes pip saved are the upstream's, by the upstream's own hash.
    let (_, _, upstream_page) = get(
        &format!("{}ferret-fixture-benign/", index()),
        "application/vnd.pypi.simple.v1+json",
    );
    let digest = hex::encode(sha2::Sha256::digest(&bytes));
    assert!(
        String::from_utf8_lossy(&upstream_page).contains(&digest),
        "sha256 {digest} not on the upstream page"
    );

    let out = pip_download(
        dest.path(),
        &simple,
        &["--use-pep517", "ferret_fixture_evil==1.0.0"],
    );
    assert!(
        !out.status.success(),
        "malicious download succeeded\n{}",
        describe(&out)
    );
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("403"), "{}", describe(&out));
    assert!(
        text.contains("ferret blocked"),
        "pip shows the reason\n{}",
        describe(&out)
    );
    let saved: Vec<String> = std::fs::read_dir(dest.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("evil"))
        .collect();
    assert!(saved.is_empty(), "{saved:?}");

    let entries = log.entries();
    let block = entries
        .iter()
        .find(|e| e["decision"] == "block")
        .unwrap_or_else(|| panic!("{entries:#?}"));
    assert_eq!(block["package"], "ferret-fixture-evil");
    assert_eq!(block["status"], 403);
    assert!(block["rule"].is_string(), "{block}");
    assert!(
        entries
            .iter()
            .any(|e| e["path"].as_str().unwrap().ends_with(".whl") && e["decision"] == "allow"),
        "{entries:#?}"
    );

    // Once judged, the blocked file is gone from the page: every file of the project is
    // blocked, so the page itself is a 403 with the reason.
    let (status, _, body) = get(&format!("{simple}ferret-fixture-evil/"), PIP_ACCEPT);
    assert_eq!(status, 403, "{}", String::from_utf8_lossy(&body));
    handle.shutdown().unwrap();
}

#[test]
fn project_pages_in_both_formats_point_at_the_proxy_with_the_upstream_hashes() {
    let cache = tempfile::tempdir().unwrap();
    let (handle, _log) = proxy(cache.path());
    let base = format!("http://{}/", handle.addr);

    let (_, _, upstream) = get(&format!("{}ferret-fixture-benign/", index()), "text/html");
    let upstream = String::from_utf8_lossy(&upstream).into_owned();

    // PEP 691 JSON, asked for by the unnormalised name.
    let (status, ct, body) = get(
        &format!("{base}pypi/simple/Ferret_Fixture.Benign/"),
        PIP_ACCEPT,
    );
    assert_eq!(status, 200);
    assert_eq!(ct, "application/vnd.pypi.simple.v1+json");
    let doc: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(doc["name"], "ferret-fixture-benign");
    let files = doc["files"].as_array().unwrap();
    assert_eq!(files.len(), 3, "{doc}"); // 1.0.0 wheel + sdist, 1.1.0 sdist
    for f in files {
        let url = f["url"].as_str().unwrap();
        assert!(
            url.starts_with(&format!("{base}pypi/files/ferret-fixture-benign/")),
            "{url}"
        );
        let sha = f["hashes"]["sha256"].as_str().unwrap();
        assert!(upstream.contains(sha), "{sha} is not the upstream's hash");
    }

    // PEP 503 HTML.
    let (status, ct, body) = get(
        &format!("{base}pypi/simple/ferret-fixture-benign/"),
        "text/html",
    );
    assert_eq!(status, 200);
    assert!(ct.starts_with("text/html"), "{ct}");
    let html = String::from_utf8_lossy(&body);
    assert_eq!(html.matches("<a href=").count(), 3, "{html}");
    assert!(html.contains("#sha256="), "{html}");

    // A file downloaded through the proxy is the upstream's byte for byte.
    let wheel = files
        .iter()
        .find(|f| f["filename"].as_str().unwrap().ends_with(".whl"))
        .unwrap();
    let (status, _, bytes) = get(wheel["url"].as_str().unwrap(), "*/*");
    assert_eq!(status, 200);
    assert_eq!(
        hex::encode(sha2::Sha256::digest(&bytes)),
        wheel["hashes"]["sha256"].as_str().unwrap()
    );

    let (status, _, _) = get(&format!("{base}pypi/simple/no-such-project/"), PIP_ACCEPT);
    assert_eq!(status, 404);
    let (status, _, _) = get(
        &format!("{base}pypi/files/ferret-fixture-benign/not-listed-1.0.tar.gz"),
        "*/*",
    );
    assert_eq!(status, 404);
    handle.shutdown().unwrap();
}

/// A fake index whose page promises one sha256 and whose file has other bytes (a tampering
/// mirror): the proxy refuses the file with 502 and never scans or serves it.
#[test]
fn a_file_that_fails_its_sha256_is_never_served() {
    use std::io::{BufRead as _, BufReader, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let promised = hex::encode(sha2::Sha256::digest(b"the real file"));
    let served = promised.clone();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut line = String::new();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                    break;
                }
            }
            let (ct, body) = if line.contains("/simple/tampered/") {
                (
                    "text/html",
                    format!(
                        "<a href=\"/files/tampered-1.0.tar.gz#sha256={served}\">tampered-1.0.tar.gz</a>"
                    )
                    .into_bytes(),
                )
            } else {
                ("application/octet-stream", b"other bytes".to_vec())
            };
            let _ = stream.write_all(
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: {ct}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                )
                .as_bytes(),
            );
            let _ = stream.write_all(&body);
        }
    });
    let cache = tempfile::tempdir().unwrap();
    let log = Log::default();
    let config = ProxyConfig {
        registry: RegistryConfig::new("http://127.0.0.1:9/"),
        policy: ferret_policy::Policy::default(),
        cache: Some(ferret_cache::Cache::open(cache.path()).unwrap()),
        analyser: "proxy-pypi-tamper".to_owned(),
        public_url: None,
        limits: ProxyLimits::default(),
        access_log: AccessLog::new(Box::new(log.clone())),
        pypi_upstream: Some(format!("http://{addr}/simple/")),
    };
    let handle =
        ferret_proxy::spawn(std::net::TcpListener::bind("127.0.0.1:0").unwrap(), config).unwrap();
    let base = format!("http://{}/", handle.addr);
    let (status, _, page) = get(&format!("{base}pypi/simple/tampered/"), "text/html");
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&page).contains(&promised));
    let (status, _, body) = get(
        &format!("{base}pypi/files/tampered/tampered-1.0.tar.gz"),
        "*/*",
    );
    assert_eq!(status, 502, "{}", String::from_utf8_lossy(&body));
    let err: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert!(err["error"].as_str().unwrap().contains("sha256"), "{err}");
    handle.shutdown().unwrap();
}
