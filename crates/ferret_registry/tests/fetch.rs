#![expect(clippy::unwrap_used, reason = "test setup; a panic is a failure")]

//! The client against a tiny std-only HTTP/1.1 server on a loopback port: version, tag and
//! range resolution, integrity failures, retries, size caps, and where tokens are sent.

use ferret_registry::{ClientLimits, NpmClient, RegistryConfig, RegistryError};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone)]
struct Seen {
    path: String,
    authorization: Option<String>,
}

struct Reply {
    status: u16,
    body: Vec<u8>,
    headers: Vec<(String, String)>,
}

fn ok(body: impl Into<Vec<u8>>) -> Reply {
    Reply {
        status: 200,
        body: body.into(),
        headers: Vec::new(),
    }
}

fn status(code: u16) -> Reply {
    Reply {
        status: code,
        body: format!("status {code}").into_bytes(),
        headers: Vec::new(),
    }
}

type Handler = dyn Fn(&str, usize) -> Reply + Send + Sync;

/// Serves `handler(path, nth_request_for_that_path)` until the test process ends.
struct Server {
    base: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    fn start(handler: impl Fn(&str, usize) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}/", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        let handler: Arc<Handler> = Arc::new(handler);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    continue;
                }
                let path = request_line.split(' ').nth(1).unwrap_or("").to_owned();
                let mut authorization = None;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some((k, v)) = line.split_once(':')
                        && k.eq_ignore_ascii_case("authorization")
                    {
                        authorization = Some(v.trim().to_owned());
                    }
                }
                let nth = {
                    let mut log = log.lock().unwrap();
                    let nth = log.iter().filter(|s: &&Seen| s.path == path).count();
                    log.push(Seen {
                        path: path.clone(),
                        authorization,
                    });
                    nth
                };
                let reply = handler(&path, nth);
                let mut head = format!(
                    "HTTP/1.1 {} X\r\ncontent-length: {}\r\nconnection: close\r\n",
                    reply.status,
                    reply.body.len()
                );
                for (k, v) in &reply.headers {
                    head.push_str(&format!("{k}: {v}\r\n"));
                }
                head.push_str("\r\n");
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&reply.body);
            }
        });
        Self { base, seen }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn sri(bytes: &[u8]) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    format!(
        "sha512-{}",
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha512::digest(bytes))
    )
}

fn tarball(version: &str) -> Vec<u8> {
    format!("pretend tarball of {version}").into_bytes()
}

/// A packument for `name` whose tarballs live under `tarball_base`; `tamper` names a version
/// whose recorded integrity does not match what is served.
fn packument(name: &str, tarball_base: &str, tamper: Option<&str>) -> Value {
    let mut versions = serde_json::Map::new();
    for v in ["1.0.0", "1.1.0", "1.2.0", "2.0.0-beta.1"] {
        let recorded = if tamper == Some(v) {
            tarball("other")
        } else {
            tarball(v)
        };
        versions.insert(
            v.to_owned(),
            json!({
                "name": name, "version": v,
                "dist": {
                    "tarball": format!("{tarball_base}{name}/-/x-{v}.tgz"),
                    "integrity": sri(&recorded),
                }
            }),
        );
    }
    json!({"name": name, "dist-tags": {"latest": "1.1.0", "beta": "2.0.0-beta.1"}, "versions": versions})
}

/// Serves packuments at `/<name>` and tarballs at `/<name>/-/x-<v>.tgz` from one host.
fn registry(tamper: Option<&'static str>) -> Server {
    let base: Arc<Mutex<String>> = Arc::default();
    let b = Arc::clone(&base);
    let server = Server::start(move |path, _| {
        let base = b.lock().unwrap().clone();
        if let Some((_, file)) = path.split_once("/-/x-") {
            return ok(tarball(file.trim_end_matches(".tgz")));
        }
        let name = path.trim_start_matches('/').replace("%2f", "/");
        ok(packument(&name, &base, tamper).to_string())
    });
    *base.lock().unwrap() = server.base.clone();
    server
}

fn client(base: &str) -> NpmClient {
    NpmClient::new(RegistryConfig::new(base)).with_backoff(vec![Duration::from_millis(10); 2])
}

#[test]
fn fetch_by_version_tag_range_and_latest() {
    let server = registry(None);
    let c = client(&server.base);
    for (spec, want) in [
        (Some("1.0.0"), "1.0.0"),
        (Some("beta"), "2.0.0-beta.1"),
        (Some("^1.0.0"), "1.1.0"), // latest satisfies: npm picks it over 1.2.0
        (Some(">1.1.0 <2"), "1.2.0"),
        (None, "1.1.0"),
    ] {
        let got = c.fetch("x", spec).unwrap();
        assert_eq!(got.version, want, "{spec:?}");
        assert_eq!(got.tarball, tarball(want));
        assert_eq!(got.integrity, sri(&tarball(want)));
        assert_eq!(got.tarball_url, format!("{}x/-/x-{want}.tgz", server.base));
        assert_eq!(got.version_doc["version"], want);
    }
    let err = c.fetch("x", Some("^3")).unwrap_err();
    assert!(
        matches!(err, RegistryError::VersionNotFound { .. }),
        "{err}"
    );
}

#[test]
fn scoped_names_are_url_encoded() {
    let server = registry(None);
    let got = client(&server.base)
        .fetch("@scope/pkg", Some("1.2.0"))
        .unwrap();
    assert_eq!(got.name, "@scope/pkg");
    assert_eq!(server.seen()[0].path, "/@scope%2fpkg");
}

#[test]
fn tampered_tarball_is_a_hard_error() {
    let server = registry(Some("1.0.0"));
    let err = client(&server.base).fetch("x", Some("1.0.0")).unwrap_err();
    match err {
        RegistryError::IntegrityMismatch { expected, actual } => {
            assert_eq!(expected, sri(&tarball("other")));
            assert_eq!(actual, sri(&tarball("1.0.0")));
        }
        other => panic!("expected an integrity mismatch, got {other}"),
    }
}

#[test]
fn server_error_then_success_is_retried() {
    let doc = packument("x", "http://unused.invalid/", None).to_string();
    let server = Server::start(move |_, nth| {
        if nth == 0 {
            status(500)
        } else {
            ok(doc.clone())
        }
    });
    let got = client(&server.base).packument("x").unwrap();
    assert_eq!(got["dist-tags"]["latest"], "1.1.0");
    assert_eq!(server.seen().len(), 2);
}

#[test]
fn retries_are_bounded() {
    let server = Server::start(|_, _| status(503));
    let err = client(&server.base).packument("x").unwrap_err();
    assert!(
        matches!(err, RegistryError::Http { status: 503, .. }),
        "{err}"
    );
    assert_eq!(server.seen().len(), 3, "one attempt and two retries");
}

#[test]
fn not_found_is_not_retried() {
    let server = Server::start(|_, _| status(404));
    let err = client(&server.base).packument("nope").unwrap_err();
    assert!(matches!(err, RegistryError::NotFound { .. }), "{err}");
    assert_eq!(server.seen().len(), 1);
}

#[test]
fn offline_is_a_clear_error() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // The listener is dropped: nothing listens on the port any more.
    let err = client(&format!("http://127.0.0.1:{port}/"))
        .packument("x")
        .unwrap_err();
    assert!(matches!(err, RegistryError::Offline { .. }), "{err}");
    assert!(err.to_string().contains("offline"), "{err}");
}

#[test]
fn size_caps_name_the_limit() {
    let server = registry(None);
    let limits = ClientLimits {
        max_tarball_size: 5,
        ..ClientLimits::default()
    };
    let err = client(&server.base)
        .with_limits(limits)
        .fetch("x", None)
        .unwrap_err();
    assert!(
        matches!(
            err,
            RegistryError::TooLarge {
                what: "tarball",
                limit: 5,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("max_tarball_size"), "{err}");

    let limits = ClientLimits {
        max_packument_size: 10,
        ..ClientLimits::default()
    };
    let err = client(&server.base)
        .with_limits(limits)
        .packument("x")
        .unwrap_err();
    assert!(err.to_string().contains("max_packument_size"), "{err}");
}

#[test]
fn token_goes_to_the_registry_host_only() {
    // Tarballs live on a second host (another port is another origin); the registry also
    // redirects one tarball request there.
    let cdn = Server::start(|path, _| {
        ok(tarball(
            path.rsplit("x-").next().unwrap().trim_end_matches(".tgz"),
        ))
    });
    let cdn_base = cdn.base.clone();
    let reg_base: Arc<Mutex<String>> = Arc::default();
    let rb = Arc::clone(&reg_base);
    let reg = Server::start(move |path, _| {
        if path.starts_with("/x/-/") {
            let mut r = status(302);
            r.headers
                .push(("location".into(), format!("{cdn_base}x/-/x-1.0.0.tgz")));
            return r;
        }
        if path == "/y" {
            // y's tarball is served by the registry itself but redirects to the CDN.
            return ok(packument("y", &rb.lock().unwrap(), None)
                .to_string()
                .replace("/y/-/", "/x/-/"));
        }
        ok(packument("x", &cdn_base, None).to_string())
    });
    *reg_base.lock().unwrap() = reg.base.clone();
    let host = reg.base.trim_start_matches("http:");
    let mut config = RegistryConfig::new(&reg.base);
    config.tokens.insert(host.to_owned(), "s3cret".to_owned());

    let c = NpmClient::new(config).with_backoff(Vec::new());
    c.fetch("x", Some("1.0.0")).unwrap();
    let got = c.fetch("y", Some("1.0.0")).unwrap();
    assert_eq!(got.tarball, tarball("1.0.0"));

    let reg_seen = reg.seen();
    assert_eq!(reg_seen.len(), 3, "{reg_seen:?}");
    for s in &reg_seen {
        assert_eq!(s.authorization.as_deref(), Some("Bearer s3cret"), "{s:?}");
    }
    let cdn_seen = cdn.seen();
    assert_eq!(cdn_seen.len(), 2, "{cdn_seen:?}");
    for s in &cdn_seen {
        assert_eq!(s.authorization, None, "token leaked to another host: {s:?}");
    }
}

/// Against the public registry; run by hand: `cargo test -p ferret_registry -- --ignored`.
#[test]
#[ignore = "needs network access to registry.npmjs.org"]
fn public_registry_left_pad_and_scoped() {
    let c = NpmClient::new(RegistryConfig::default());
    let got = c.fetch("left-pad", Some("1.3.0")).unwrap();
    assert_eq!(got.version, "1.3.0");
    assert!(got.integrity.starts_with("sha512-"), "{}", got.integrity);
    assert_eq!(got.tarball[..2], [0x1f, 0x8b]);
    let got = c.fetch("@types/node", Some("^20")).unwrap();
    assert!(got.version.starts_with("20."), "{}", got.version);
    let err = c.fetch("left-pad", Some("^99")).unwrap_err();
    assert!(
        matches!(err, RegistryError::VersionNotFound { .. }),
        "{err}"
    );
}
