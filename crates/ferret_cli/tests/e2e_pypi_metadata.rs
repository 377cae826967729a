//! End to end: `ferret scan pypi:name==version` reads the index's JSON API as registry
//! metadata. A local index (Python's standard-library HTTP server over a directory written
//! by the test: `/pypi/<name>/json`, `/pypi/<name>/<version>/json` and the wheel) serves a
//! release uploaded an hour ago and yanked; the scan must report `recently-published` and
//! the yank, and list `new-publisher` as not evaluated (the API names no uploader). An index
//! without a JSON API lists every metadata rule as not evaluated.

#![expect(clippy::unwrap_used, reason = "tests unwrap on inputs they wrote")]

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command as StdCommand, Stdio};
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

/// Writes the index into argv[1] and serves it on a free loopback port (printed first).
/// `with_json` = argv[2] == "json": without it only the wheel is served (no JSON API).
const INDEX: &str = r#"
import base64, datetime, hashlib, http.server, io, json, os, sys, zipfile
root, mode = sys.argv[1], sys.argv[2]
name, norm, version = "ferret_meta_demo", "ferret-meta-demo", "1.0.0"
files = {
    f"{name}/__init__.py": b"VALUE = 1\n",
    f"{name}-{version}.dist-info/METADATA":
        f"Metadata-Version: 2.1\nName: {norm}\nVersion: {version}\nLicense: MIT\n".encode(),
    f"{name}-{version}.dist-info/WHEEL":
        b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
}
record = ""
for path, data in files.items():
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    record += f"{path},sha256={digest},{len(data)}\n"
record += f"{name}-{version}.dist-info/RECORD,,\n"
files[f"{name}-{version}.dist-info/RECORD"] = record.encode()
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    for path, data in files.items():
        z.writestr(path, data)
wheel = buf.getvalue()
wheel_name = f"{name}-{version}-py3-none-any.whl"
os.makedirs(os.path.join(root, "files"), exist_ok=True)
open(os.path.join(root, "files", wheel_name), "wb").write(wheel)
now = datetime.datetime.now(datetime.timezone.utc)
def iso(delta):
    return (now - delta).strftime("%Y-%m-%dT%H:%M:%S.000000Z")
def entry(fname, uploaded, yanked, url, sha):
    return {"filename": fname, "url": url, "digests": {"sha256": sha},
            "packagetype": "bdist_wheel", "upload_time_iso_8601": uploaded,
            "yanked": yanked, "yanked_reason": "broken import" if yanked else None}
server = http.server.ThreadingHTTPServer(
    ("127.0.0.1", 0),
    lambda *a: http.server.SimpleHTTPRequestHandler(*a, directory=root))
base = f"http://127.0.0.1:{server.server_address[1]}"
sha = hashlib.sha256(wheel).hexdigest()
new = entry(wheel_name, iso(datetime.timedelta(hours=1)), True, f"{base}/files/{wheel_name}", sha)
old = entry(f"{name}-0.9.0-py3-none-any.whl", iso(datetime.timedelta(days=400)), False,
            f"{base}/files/{name}-0.9.0-py3-none-any.whl", "00" * 32)
info = {"name": norm, "version": version, "license": "MIT", "yanked": True,
        "yanked_reason": "broken import", "downloads": {"last_month": -1}}
if mode == "json":
    d = os.path.join(root, "pypi", norm)
    os.makedirs(os.path.join(d, version), exist_ok=True)
    json.dump({"info": info, "releases": {"0.9.0": [old], version: [new]}, "urls": [new],
               "ownership": {"roles": [{"role": "Owner", "user": "demo-owner"}]}},
              open(os.path.join(d, "json"), "w"))
    json.dump({"info": info, "urls": [new]}, open(os.path.join(d, version, "json"), "w"))
else:
    d = os.path.join(root, "simple", norm)
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, "index.html"), "w").write(
        f'<a href="{base}/files/{wheel_name}#sha256={sha}">{wheel_name}</a>\n')
print(server.server_address[1], flush=True)
server.serve_forever()
"#;

/// A running index; killed when dropped.
struct Index {
    child: Child,
    url: String,
    _root: tempfile::TempDir,
}

impl Drop for Index {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn index(mode: &str) -> Index {
    let root = tempfile::tempdir().unwrap();
    let mut child = StdCommand::new("python3")
        .args(["-c", INDEX])
        .arg(root.path())
        .arg(mode)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 runs the test index");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port: u16 = line.trim().parse().unwrap_or_else(|_| {
        let _ = child.kill();
        panic!("the test index printed no port: {line:?}")
    });
    Index {
        child,
        url: format!("http://127.0.0.1:{port}/simple/"),
        _root: root,
    }
}

fn scan(index: &Index) -> Value {
    let home = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("ferret")
        .unwrap()
        .current_dir(home.path())
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join(".config"))
        .env("XDG_CACHE_HOME", home.path().join(".cache"))
        .env_remove("PIP_INDEX_URL")
        .env("NO_COLOR", "1")
        .timeout(Duration::from_secs(60))
        .args([
            "scan",
            "pypi:ferret-meta-demo==1.0.0",
            "--index-url",
            &index.url,
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}); exit {:?}\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(doc["errors"], serde_json::json!([]), "{doc:#}");
    assert_eq!(doc["packages"].as_array().map(Vec::len), Some(1), "{doc:#}");
    doc["packages"][0].clone()
}

#[test]
fn json_api_metadata_reaches_the_rules_and_the_uploader_is_not_evaluated() {
    let index = index("json");
    let pkg = scan(&index);
    let alert = |rule: &str| {
        pkg["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["rule"] == rule)
            .unwrap_or_else(|| panic!("no {rule} alert: {pkg:#}"))
            .clone()
    };
    // Uploaded an hour ago: inside the 48-hour soak time.
    let fresh = alert("recently-published");
    let age = fresh["evidence"]["age_seconds"].as_i64().unwrap();
    assert!((3000..=4000).contains(&age), "{fresh:#}");
    assert_eq!(
        alert("deprecated")["message"],
        "version `1.0.0` is yanked: broken import"
    );
    // PyPI does not say who uploaded a file: not evaluated, with the reason.
    let not = pkg["not_evaluated"].as_array().unwrap();
    assert_eq!(not.len(), 1, "{not:?}");
    assert_eq!(not[0]["rule"], "new-publisher");
    assert!(
        not[0]["reason"].as_str().unwrap().contains("uploaded"),
        "{not:?}"
    );
}

#[test]
fn index_without_json_api_lists_every_metadata_rule_as_not_evaluated() {
    let index = index("simple");
    let pkg = scan(&index);
    let not = pkg["not_evaluated"].as_array().unwrap();
    let rules: Vec<&str> = not.iter().filter_map(|n| n["rule"].as_str()).collect();
    for rule in [
        "recently-published",
        "deprecated",
        "unmaintained",
        "new-publisher",
    ] {
        assert!(rules.contains(&rule), "{rule} missing: {rules:?}");
    }
    // npm-only rules do not apply to PyPI: not listed as "not evaluated".
    assert!(!rules.contains(&"manifest-confusion"), "{rules:?}");
    assert!(
        not.iter()
            .all(|n| n["reason"].as_str().unwrap().contains("no JSON API")),
        "{not:?}"
    );
    assert!(
        !pkg["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["rule"] == "recently-published"),
        "{pkg:#}"
    );
}
