//! The packument is filtered on the first request, with an empty cache: the versions npm is
//! likely to resolve are inspected before the packument is answered. A tiny std
//! `TcpListener` plays the upstream (loopback only) with packages built here from the
//! defanged fixtures of `tests/fixtures/registry/proxy-mixed-*`:
//!
//! - `lines`: 1.0.0 harmless, 1.1.0 malicious (the top of line 1), 2.0.0 harmless and
//!   `latest`. `^1.0.0` must resolve to 1.0.0 — the real npm client decides that.
//! - `deep`: 1.0.0 harmless, 1.1.0 and 1.2.0 malicious, `latest` 1.2.0: the dist-tag must
//!   land on 1.0.0, two steps down, which was inspected too.
//! - `slow`: its tarball takes longer than the inspection budget: the packument is served
//!   anyway and the access log says which version was left unscanned.

#![expect(clippy::unwrap_used, reason = "tests unwrap on inputs they wrote")]

use base64::Engine as _;
use ferret_proxy::{AccessLog, Handle, ProxyConfig, ProxyLimits};
use ferret_registry::RegistryConfig;
use sha2::Digest as _;
use std::collections::HashMap;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn fixture(dir: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/registry")
            .join(dir)
            .join("index.js"),
    )
    .unwrap()
}

/// An npm tarball (`package/package.json`, `package/index.js`).
fn tarball(name: &str, version: &str, index_js: &[u8]) -> Vec<u8> {
    let manifest = format!(r#"{{"name":"{name}","version":"{version}","main":"index.js"}}"#);
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    for (path, data) in [
        ("package/package.json", manifest.as_bytes()),
        ("package/index.js", index_js),
    ] {
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        tar.append_data(&mut h, path, data).unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap()
}

/// (name, latest, [(version, index.js)])
type Package = (&'static str, &'static str, Vec<(&'static str, Vec<u8>)>);

struct Upstream {
    url: String,
    /// Tarball requests seen, by path.
    hits: Arc<Mutex<Vec<String>>>,
}

/// Serves `packages` (name → (latest, [(version, index.js)])); tarballs of `slow` take 3 s.
fn upstream(packages: &[Package]) -> Upstream {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/", listener.local_addr().unwrap());
    let mut files: HashMap<String, Vec<u8>> = HashMap::new();
    for (name, latest, versions) in packages {
        let mut vdocs = serde_json::Map::new();
        for (version, js) in versions {
            let tgz = tarball(name, version, js);
            let sri = format!(
                "sha512-{}",
                base64::engine::general_purpose::STANDARD.encode(sha2::Sha512::digest(&tgz))
            );
            let path = format!("/{name}/-/{name}-{version}.tgz");
            vdocs.insert(
                (*version).to_owned(),
                serde_json::json!({"name": name, "version": version, "dist": {
                    "tarball": format!("{}{}", base.trim_end_matches('/'), path),
                    "integrity": sri,
                }}),
            );
            files.insert(path, tgz);
        }
        let doc = serde_json::json!({
            "name": name, "dist-tags": {"latest": latest}, "versions": vdocs
        });
        files.insert(format!("/{name}"), doc.to_string().into_bytes());
    }
    let files = Arc::new(files);
    let hits = Arc::new(Mutex::new(Vec::new()));
    let h = Arc::clone(&hits);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (files, hits) = (Arc::clone(&files), Arc::clone(&h));
            std::thread::spawn(move || answer(stream, &files, &hits));
        }
    });
    Upstream { url: base, hits }
}

fn answer(mut stream: TcpStream, files: &HashMap<String, Vec<u8>>, hits: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
            break;
        }
    }
    if path.ends_with(".tgz") {
        hits.lock().unwrap().push(path.clone());
        if path.starts_with("/slow/") {
            std::thread::sleep(Duration::from_secs(3));
        }
    }
    let reply = match files.get(&path) {
        Some(body) => {
            let mut r = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )
            .into_bytes();
            r.extend_from_slice(body);
            r
        }
        None => {
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}".to_vec()
        }
    };
    let _ = stream.write_all(&reply);
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

fn proxy(upstream: &str, cache: &Path, budget: Duration) -> (Handle, Log) {
    let log = Log::default();
    let config = ProxyConfig {
        registry: RegistryConfig::new(upstream),
        policy: ferret_policy::Policy::default(),
        cache: Some(ferret_cache::Cache::open(cache).unwrap()),
        analyser: "prescan-test".to_owned(),
        public_url: None,
        limits: ProxyLimits {
            prescan_budget: budget,
            ..ProxyLimits::default()
        },
        access_log: AccessLog::new(Box::new(log.clone())),
        pypi_upstream: None,
    };
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    (ferret_proxy::spawn(listener, config).unwrap(), log)
}

fn get_json(url: &str) -> (u16, serde_json::Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(20)))
        .build()
        .into();
    let mut resp = agent.get(url).call().unwrap();
    let mut body = Vec::new();
    resp.body_mut().as_reader().read_to_end(&mut body).unwrap();
    (
        resp.status().as_u16(),
        serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
    )
}

fn packages() -> Vec<Package> {
    let good = fixture("proxy-mixed-1.0.0");
    let bad = fixture("proxy-mixed-1.1.0");
    vec![
        (
            "lines",
            "2.0.0",
            vec![
                ("1.0.0", good.clone()),
                ("1.1.0", bad.clone()),
                ("2.0.0", good.clone()),
            ],
        ),
        (
            "deep",
            "1.2.0",
            vec![
                ("1.0.0", good.clone()),
                ("1.1.0", bad.clone()),
                ("1.2.0", bad),
            ],
        ),
        ("slow", "1.0.0", vec![("1.0.0", good)]),
    ]
}

#[test]
fn the_first_packument_is_filtered_and_its_tags_land_on_checked_versions() {
    let up = upstream(&packages());
    let cache = tempfile::tempdir().unwrap();
    let (handle, log) = proxy(&up.url, cache.path(), Duration::from_secs(15));
    let base = format!("http://{}", handle.addr);

    let (status, doc) = get_json(&format!("{base}/lines"));
    assert_eq!(status, 200);
    let versions: Vec<&String> = doc["versions"].as_object().unwrap().keys().collect();
    assert_eq!(versions, ["1.0.0", "2.0.0"], "{doc}");
    assert_eq!(doc["dist-tags"]["latest"], "2.0.0");

    let (status, doc) = get_json(&format!("{base}/deep"));
    assert_eq!(status, 200);
    let versions: Vec<&String> = doc["versions"].as_object().unwrap().keys().collect();
    assert_eq!(versions, ["1.0.0"], "{doc}");
    assert_eq!(doc["dist-tags"]["latest"], "1.0.0");

    let entries = log.entries();
    let deep = entries.iter().find(|e| e["package"] == "deep").unwrap();
    assert_eq!(deep["removed"], serde_json::json!(["1.1.0", "1.2.0"]));
    assert_eq!(deep["unscanned"], serde_json::json!([]));
    assert_eq!(deep["rule"], "malware");

    // Each version was downloaded once; the tarball request of an inspected version is
    // served from the cache.
    let (status, _) = get_json(&format!("{base}/deep/-/deep-1.0.0.tgz"));
    assert_eq!(status, 200);
    let mut hits = up.hits.lock().unwrap().clone();
    hits.sort();
    assert_eq!(
        hits,
        [
            "/deep/-/deep-1.0.0.tgz",
            "/deep/-/deep-1.1.0.tgz",
            "/deep/-/deep-1.2.0.tgz",
            "/lines/-/lines-1.0.0.tgz",
            "/lines/-/lines-1.1.0.tgz",
            "/lines/-/lines-2.0.0.tgz",
        ]
    );
    handle.shutdown().unwrap();
}

#[test]
fn past_the_budget_the_packument_is_served_and_the_log_names_what_was_not_scanned() {
    let up = upstream(&packages());
    let cache = tempfile::tempdir().unwrap();
    let (handle, log) = proxy(&up.url, cache.path(), Duration::from_millis(300));
    let start = Instant::now();
    let (status, doc) = get_json(&format!("http://{}/slow", handle.addr));
    assert_eq!(status, 200);
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(doc["dist-tags"]["latest"], "1.0.0");
    let entries = log.entries();
    assert_eq!(entries[0]["unscanned"], serde_json::json!(["1.0.0"]));
    // The tarball request waits for the inspection still running instead of starting a
    // second download.
    let (status, _) = get_json(&format!("http://{}/slow/-/slow-1.0.0.tgz", handle.addr));
    assert_eq!(status, 200);
    assert_eq!(up.hits.lock().unwrap().len(), 1);
    handle.shutdown().unwrap();
}

/// `npm <args>` in `dir` with a private HOME, cache and config.
fn npm(dir: &Path, registry: &str, args: &[&str]) -> std::process::Output {
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
            "--ignore-scripts",
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

fn installed_version(dir: &Path, name: &str) -> String {
    let p: PathBuf = dir.join("node_modules").join(name).join("package.json");
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
    doc["version"].as_str().unwrap().to_owned()
}

#[test]
fn npm_resolves_a_caret_range_past_a_malicious_top_of_line_on_the_first_install() {
    let up = upstream(&packages());
    let cache = tempfile::tempdir().unwrap();
    let (handle, log) = proxy(&up.url, cache.path(), Duration::from_secs(15));
    let url = format!("http://{}/", handle.addr);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("package.json"),
        r#"{"name":"prescan-app","version":"1.0.0","private":true}"#,
    )
    .unwrap();
    let out = npm(dir.path(), &url, &["install", "lines@^1.0.0", "deep"]);
    assert!(
        out.status.success(),
        "npm install failed\nstdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(installed_version(dir.path(), "lines"), "1.0.0");
    assert_eq!(installed_version(dir.path(), "deep"), "1.0.0");
    // No tarball was refused: npm never saw the malicious versions.
    let entries = log.entries();
    assert!(entries.iter().all(|e| e["status"] != 403), "{entries:#?}");
    handle.shutdown().unwrap();
}
