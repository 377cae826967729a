//! HTTP caching and lockfile-style tarball downloads: `packument_conditional` sends the
//! validators of a cached copy and maps `304` to `NotModified`; `tarball` verifies bytes
//! against the lockfile's integrity.

#![expect(clippy::unwrap_used, reason = "tests unwrap on inputs they wrote")]

use ferret_registry::{NpmClient, Packument, RegistryConfig};
use std::io::{BufRead as _, BufReader, Write as _};
use std::net::TcpListener;

/// Serves every request with `reply(request head)` until the test process ends.
fn serve(
    reply: impl Fn(&str) -> (u16, Vec<(&'static str, String)>, Vec<u8>) + Send + 'static,
) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut head = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                head.push_str(&line.to_ascii_lowercase());
            }
            let (status, headers, body) = reply(&head);
            let mut out = format!(
                "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n",
                body.len()
            );
            for (k, v) in headers {
                out.push_str(&format!("{k}: {v}\r\n"));
            }
            out.push_str("\r\n");
            let _ = stream.write_all(out.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    base
}

#[test]
fn conditional_packument_maps_304_to_not_modified() {
    let base = serve(|head| {
        if head.contains("if-none-match: \"v1\"") {
            (304, vec![("etag", "\"v1\"".into())], Vec::new())
        } else {
            (
                200,
                vec![
                    ("etag", "\"v1\"".into()),
                    ("last-modified", "Mon, 01 Jan 2024 00:00:00 GMT".into()),
                ],
                br#"{"name":"x"}"#.to_vec(),
            )
        }
    });
    let client = NpmClient::new(RegistryConfig::new(&base));
    match client.packument_conditional("x", None, None).unwrap() {
        Packument::Fresh {
            value,
            etag,
            last_modified,
            body,
        } => {
            assert_eq!(value["name"], "x");
            assert_eq!(etag.as_deref(), Some("\"v1\""));
            assert_eq!(
                last_modified.as_deref(),
                Some("Mon, 01 Jan 2024 00:00:00 GMT")
            );
            assert_eq!(body, br#"{"name":"x"}"#);
        }
        Packument::NotModified => panic!("no validators sent, so no 304 expected"),
    }
    assert!(matches!(
        client
            .packument_conditional("x", Some("\"v1\""), None)
            .unwrap(),
        Packument::NotModified
    ));
}

#[test]
fn tarball_by_url_is_verified_against_the_lockfile_integrity() {
    let base = serve(|_| (200, Vec::new(), b"tarball bytes".to_vec()));
    let client = NpmClient::new(RegistryConfig::new(&base));
    let url = format!("{base}x/-/x-1.0.0.tgz");
    let (bytes, sri) = client.tarball(&url, None, "x", "1.0.0").unwrap();
    assert_eq!(bytes, b"tarball bytes");
    assert!(sri.starts_with("sha512-"));
    assert_eq!(
        client.tarball(&url, Some(&sri), "x", "1.0.0").unwrap().1,
        sri
    );
    let wrong = "sha512-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==";
    let err = client
        .tarball(&url, Some(wrong), "x", "1.0.0")
        .unwrap_err()
        .to_string();
    assert!(err.contains("integrity"), "{err}");
}
