//! Upstream trouble becomes a proper HTTP error, never a good answer: a tiny std
//! `TcpListener` plays a misbehaving registry (5xx, silence, a tarball cut short, a closed
//! port). Loopback only.

#![expect(clippy::unwrap_used, reason = "tests unwrap on inputs they wrote")]

use base64::Engine as _;
use ferret_proxy::{AccessLog, ProxyConfig, ProxyLimits};
use ferret_registry::RegistryConfig;
use sha2::Digest as _;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

const TARBALL_LEN: usize = 1000;

fn fake_upstream() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || answer(stream, &addr.to_string()));
        }
    });
    format!("http://{addr}/")
}

fn answer(mut stream: TcpStream, addr: &str) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
            break;
        }
    }
    let tarball = vec![7u8; TARBALL_LEN];
    let sri = format!(
        "sha512-{}",
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha512::digest(&tarball))
    );
    let reply = match path.as_str() {
        "/err500" => "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n".to_owned(),
        "/slow" => {
            std::thread::sleep(Duration::from_secs(5));
            return;
        }
        "/trunc" => {
            let doc = serde_json::json!({
                "name": "trunc",
                "dist-tags": {"latest": "1.0.0"},
                "versions": {"1.0.0": {"name": "trunc", "version": "1.0.0", "dist": {
                    "tarball": format!("http://{addr}/trunc/-/trunc-1.0.0.tgz"),
                    "integrity": sri,
                }}}
            })
            .to_string();
            format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{doc}",
                doc.len()
            )
        }
        "/trunc/-/trunc-1.0.0.tgz" => {
            // Promises 1000 bytes, sends 10, hangs up.
            let _ = stream.write_all(
                format!("HTTP/1.1 200 OK\r\nContent-Length: {TARBALL_LEN}\r\n\r\n").as_bytes(),
            );
            let _ = stream.write_all(&tarball[..10]);
            return;
        }
        _ => "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\n{}".to_owned(),
    };
    let _ = stream.write_all(reply.as_bytes());
}

fn proxy(upstream: &str) -> ferret_proxy::Handle {
    let config = ProxyConfig {
        registry: RegistryConfig::new(upstream),
        policy: ferret_policy::Policy::default(),
        cache: None,
        analyser: "upstream-errors".to_owned(),
        public_url: None,
        limits: ProxyLimits {
            upstream_timeout: Duration::from_secs(1),
            ..ProxyLimits::default()
        },
        access_log: AccessLog::new(Box::new(std::io::sink())),
        pypi_upstream: None,
    };
    ferret_proxy::spawn(TcpListener::bind("127.0.0.1:0").unwrap(), config).unwrap()
}

fn get(url: &str) -> (u16, Vec<u8>) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(15)))
        .build()
        .into();
    let mut resp = agent.get(url).call().unwrap();
    let mut body = Vec::new();
    resp.body_mut().as_reader().read_to_end(&mut body).unwrap();
    (resp.status().as_u16(), body)
}

#[test]
fn upstream_errors_become_502_and_504_never_a_tarball() {
    let handle = proxy(&fake_upstream());
    let base = format!("http://{}", handle.addr);

    assert_eq!(get(&format!("{base}/err500")).0, 502);

    let start = Instant::now();
    let (status, body) = get(&format!("{base}/slow"));
    assert_eq!(status, 504, "{}", String::from_utf8_lossy(&body));
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "{:?}",
        start.elapsed()
    );

    // The packument is fine; its tarball arrives cut short: 502 with a JSON reason.
    let (status, _) = get(&format!("{base}/trunc"));
    assert_eq!(status, 200);
    let (status, body) = get(&format!("{base}/trunc/-/trunc-1.0.0.tgz"));
    assert_eq!(status, 502, "{}", String::from_utf8_lossy(&body));
    let err: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert!(err["error"].is_string(), "{err}");
    handle.shutdown().unwrap();
}

#[test]
fn a_closed_upstream_port_is_502() {
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", closed.local_addr().unwrap());
    drop(closed);
    let handle = proxy(&url);
    let (status, body) = get(&format!("http://{}/left-pad", handle.addr));
    assert_eq!(status, 502, "{}", String::from_utf8_lossy(&body));
    handle.shutdown().unwrap();
}

#[test]
fn only_reads_are_served() {
    let handle = proxy("http://127.0.0.1:9/");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let resp = agent
        .put(&format!("http://{}/x", handle.addr))
        .send("{}")
        .unwrap();
    assert_eq!(resp.status().as_u16(), 405);
    assert_eq!(get(&format!("http://{}/-/ping", handle.addr)).0, 200);
    handle.shutdown().unwrap();
}
