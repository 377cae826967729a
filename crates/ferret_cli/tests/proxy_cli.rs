//! `ferret proxy` as a process: it announces its address, serves, and on SIGTERM stops
//! accepting, finishes and exits 0. Loopback only; the upstream is never contacted.

#![expect(clippy::unwrap_used, reason = "tests unwrap on inputs they wrote")]
#![cfg(unix)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn proxy_serves_and_exits_cleanly_on_sigterm() {
    let home = tempfile::tempdir().unwrap();
    let log = home.path().join("access.jsonl");
    let mut child = Command::new(env!("CARGO_BIN_EXE_ferret"))
        .args([
            "proxy",
            "--listen",
            "127.0.0.1:0",
            "--upstream",
            "http://127.0.0.1:9/",
        ])
        .arg("--access-log")
        .arg(&log)
        .arg("--cache-dir")
        .arg(home.path().join("cache"))
        .current_dir(home.path())
        .env("HOME", home.path())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap_or_else(|| panic!("no address announced: {line:?}"))
        .to_owned();

    let mut conn = std::net::TcpStream::connect(&addr).unwrap();
    conn.write_all(b"GET /-/ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut reply = String::new();
    conn.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let start = Instant::now();
    let exit = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("ferret proxy did not stop within 10 s of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "{exit:?}");
    let log = std::fs::read_to_string(&log).unwrap();
    assert!(log.contains("\"path\":\"/-/ping\""), "{log}");
}

#[test]
fn pypi_upstream_is_announced_and_served_under_pypi_simple() {
    let home = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ferret"))
        .args([
            "proxy",
            "--listen",
            "127.0.0.1:0",
            "--upstream",
            "http://127.0.0.1:9/",
            "--pypi-upstream",
            "http://127.0.0.1:9/simple/",
            "--access-log",
            "/dev/null",
        ])
        .current_dir(home.path())
        .env("HOME", home.path())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let (mut first, mut second) = (String::new(), String::new());
    stderr.read_line(&mut first).unwrap();
    stderr.read_line(&mut second).unwrap();
    let addr = first
        .split("http://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap_or_else(|| panic!("no address announced: {first:?}"))
        .to_owned();
    assert!(
        second.contains(&format!("http://{addr}/pypi/simple/")) && second.contains("127.0.0.1:9"),
        "{second}"
    );
    // The index is a closed port: upstream trouble is a 502, never an empty page.
    let mut conn = std::net::TcpStream::connect(&addr).unwrap();
    conn.write_all(b"GET /pypi/simple/requests/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut reply = String::new();
    conn.read_to_string(&mut reply).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(reply.starts_with("HTTP/1.1 502"), "{reply}");
}
