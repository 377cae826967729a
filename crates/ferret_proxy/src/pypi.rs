//! The PyPI simple repository API in the proxy, pure: routes under `/pypi/`, the project
//! pages of the upstream index read (PEP 691 JSON or PEP 503 HTML), and the pages the proxy
//! serves (either format, by the client's `Accept`), with every file link pointing at the
//! proxy's `/pypi/files/<project>/<filename>` and the upstream's hashes, `requires-python`
//! and yanked marks passed through.
//!
//! The page is parsed here rather than with `ferret_registry::PypiClient::simple_files`
//! because pip needs `requires-python` to pick a version the running interpreter supports,
//! and that list drops it; files are downloaded and verified with `PypiClient::download`.
//! PEP 658 metadata links (`core-metadata`) are not passed on: pip then reads the metadata
//! from the file it downloads, which is the file the proxy inspects.

use ferret_registry::simple_html::{self, attr, join_url, unescape};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Media types of the simple API (PEP 691).
pub const SIMPLE_JSON: &str = "application/vnd.pypi.simple.v1+json";
pub const SIMPLE_HTML: &str = "application/vnd.pypi.simple.v1+html";

/// What a path under the proxy's `/pypi/` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PypiRoute {
    /// `/pypi/simple/`: the project list (passed through).
    Root,
    /// `/pypi/simple/<project>/`, the name normalised (PEP 503).
    Project(String),
    /// `/pypi/files/<project>/<filename>`.
    File { project: String, filename: String },
}

/// Parses a request path. `None`: not a PyPI read (or not valid).
pub fn route(path: &str) -> Option<PypiRoute> {
    let path = path.split('?').next().unwrap_or(path);
    if let Some(rest) = path.strip_prefix("/pypi/simple/") {
        if rest.is_empty() {
            return Some(PypiRoute::Root);
        }
        let name = percent_decode(rest.trim_end_matches('/'))?;
        if name.contains('/') || !ferret_registry::valid_pypi_name(&name) {
            return None;
        }
        return Some(PypiRoute::Project(ferret_registry::normalize_name(&name)));
    }
    let rest = path.strip_prefix("/pypi/files/")?;
    let (project, filename) = rest.split_once('/')?;
    let project = percent_decode(project)?;
    let filename = percent_decode(filename)?;
    let ok_file = !filename.is_empty()
        && !filename.contains(['/', '\\'])
        && !filename.starts_with('.')
        && filename.len() <= 255;
    (ferret_registry::valid_pypi_name(&project) && ok_file).then(|| PypiRoute::File {
        project: ferret_registry::normalize_name(&project),
        filename,
    })
}

/// One distribution file of a project page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexFile {
    pub filename: String,
    /// Absolute upstream URL (no fragment).
    pub url: String,
    /// Algorithm → lowercase hex, as the upstream gave them.
    pub hashes: BTreeMap<String, String>,
    pub requires_python: Option<String>,
    /// `Some(reason)` (possibly empty) when yanked (PEP 592).
    pub yanked: Option<String>,
}

impl IndexFile {
    pub fn sha256(&self) -> Option<&str> {
        self.hashes.get("sha256").map(String::as_str)
    }

    pub fn wheel(&self) -> bool {
        self.filename.ends_with(".whl")
    }

    /// The version in the file name (`name-1.0-py3-none-any.whl`, `name-1.0.tar.gz`).
    pub fn version(&self) -> String {
        let f = &self.filename;
        if let Some(stem) = f.strip_suffix(".whl") {
            return stem.split('-').nth(1).unwrap_or("").to_owned();
        }
        let lower = f.to_ascii_lowercase();
        [".tar.gz", ".tar.bz2", ".tgz", ".zip", ".tar"]
            .iter()
            .find_map(|ext| lower.strip_suffix(ext).map(|s| &f[..s.len()]))
            .and_then(|stem| stem.rsplit_once('-'))
            .map(|(_, v)| v.to_owned())
            .unwrap_or_default()
    }
}

/// Files of a PEP 691 JSON project page.
pub fn parse_json_page(doc: &Value, page_url: &str) -> Vec<IndexFile> {
    let Some(files) = doc.get("files").and_then(Value::as_array) else {
        return Vec::new();
    };
    files
        .iter()
        .filter_map(|f| {
            let filename = f.get("filename")?.as_str()?.to_owned();
            let href = f.get("url")?.as_str()?;
            let url = join_url(page_url, href.split('#').next()?);
            let hashes = f
                .get("hashes")
                .and_then(Value::as_object)
                .map(|h| {
                    h.iter()
                        .filter_map(|(k, v)| {
                            Some((k.to_ascii_lowercase(), v.as_str()?.to_ascii_lowercase()))
                        })
                        .collect()
                })
                .unwrap_or_default();
            let requires_python = f
                .get("requires-python")
                .and_then(Value::as_str)
                .map(str::to_owned);
            let yanked = match f.get("yanked") {
                Some(Value::Bool(true)) => Some(String::new()),
                Some(Value::String(r)) => Some(r.clone()),
                _ => None,
            };
            Some(IndexFile {
                filename,
                url,
                hashes,
                requires_python,
                yanked,
            })
        })
        .collect()
}

/// Files of a PEP 503 HTML project page (`<a href="url#sha256=…" data-requires-python="…"
/// data-yanked="…">filename</a>`).
pub fn parse_html_page(html: &str, page_url: &str) -> Vec<IndexFile> {
    simple_html::links(html, page_url)
        .into_iter()
        .map(|link| IndexFile {
            hashes: link
                .fragment
                .split_once('=')
                .map(|(alg, hex)| (alg.to_ascii_lowercase(), hex.to_ascii_lowercase()))
                .into_iter()
                .collect(),
            requires_python: attr(link.attrs, "data-requires-python").map(|v| unescape(&v)),
            yanked: simple_html::yanked(link.attrs),
            filename: link.filename,
            url: link.url,
        })
        .collect()
}

/// Whether the client's `Accept` prefers the JSON form (PEP 691 content negotiation: the
/// highest quality wins, JSON on a tie; no `Accept` means HTML, the PEP 503 default).
pub fn wants_json(accept: Option<&str>) -> bool {
    let Some(accept) = accept else { return false };
    let (mut json_q, mut html_q) = (0.0_f32, 0.0_f32);
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        match media.as_str() {
            SIMPLE_JSON => json_q = json_q.max(q),
            SIMPLE_HTML | "text/html" | "*/*" => html_q = html_q.max(q),
            _ => {}
        }
    }
    json_q > 0.0 && json_q >= html_q
}

/// Where the proxy serves a file, relative to its base URL.
pub fn file_path(project: &str, filename: &str) -> String {
    format!(
        "pypi/files/{}/{}",
        percent_encode(project),
        percent_encode(filename)
    )
}

/// The PEP 691 JSON page (API 1.0) with links to the proxy (`base` ends with `/`).
pub fn render_json(project: &str, files: &[IndexFile], base: &str) -> Vec<u8> {
    let files: Vec<Value> = files
        .iter()
        .map(|f| {
            let mut o = json!({
                "filename": f.filename,
                "url": format!("{base}{}", file_path(project, &f.filename)),
                "hashes": f.hashes,
            });
            if let Some(rp) = &f.requires_python {
                o["requires-python"] = Value::from(rp.clone());
            }
            if let Some(y) = &f.yanked {
                o["yanked"] = if y.is_empty() {
                    Value::Bool(true)
                } else {
                    Value::from(y.clone())
                };
            }
            o
        })
        .collect();
    json!({"meta": {"api-version": "1.0"}, "name": project, "files": files})
        .to_string()
        .into_bytes()
}

/// The PEP 503 HTML page with links to the proxy (`base` ends with `/`).
pub fn render_html(project: &str, files: &[IndexFile], base: &str) -> Vec<u8> {
    let name = escape(project);
    let mut html = format!(
        "<!DOCTYPE html>\n<html>\n<head>\n<meta name=\"pypi:repository-version\" content=\"1.0\">\n\
         <title>Links for {name}</title>\n</head>\n<body>\n<h1>Links for {name}</h1>\n"
    );
    for f in files {
        let mut href = format!("{base}{}", file_path(project, &f.filename));
        if let Some((alg, hex)) = f
            .hashes
            .get_key_value("sha256")
            .or_else(|| f.hashes.iter().next())
        {
            href.push_str(&format!("#{alg}={hex}"));
        }
        let mut attrs = format!("href=\"{}\"", escape(&href));
        if let Some(rp) = &f.requires_python {
            attrs.push_str(&format!(" data-requires-python=\"{}\"", escape(rp)));
        }
        if let Some(y) = &f.yanked {
            attrs.push_str(&format!(" data-yanked=\"{}\"", escape(y)));
        }
        html.push_str(&format!("<a {attrs}>{}</a><br>\n", escape(&f.filename)));
    }
    html.push_str("</body>\n</html>\n");
    html.into_bytes()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~!+".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Whether a valueless attribute `name` is present.
#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests unwrap on inputs they wrote")]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        assert_eq!(route("/pypi/simple/"), Some(PypiRoute::Root));
        assert_eq!(
            route("/pypi/simple/Ferret_Fixture.Benign/"),
            Some(PypiRoute::Project("ferret-fixture-benign".into()))
        );
        assert_eq!(
            route("/pypi/files/x/x-1.0%2Blocal.tar.gz"),
            Some(PypiRoute::File {
                project: "x".into(),
                filename: "x-1.0+local.tar.gz".into()
            })
        );
        assert_eq!(route("/pypi/files/x/..%2Fetc"), None);
        assert_eq!(route("/pypi/files/x/.."), None);
        assert_eq!(route("/pypi/simple/a/b/"), None);
        assert_eq!(route("/pypi/other"), None);
        assert_eq!(route("/pypi/files/x/%ZZ"), None);
    }

    #[test]
    fn html_and_json_pages_round_trip_with_hashes_requires_python_and_yanked() {
        let html = r#"<html><body>
            <a href="../../packages/x-1.0.tar.gz#sha256=ABCD" data-requires-python="&gt;=3.8">x-1.0.tar.gz</a><br>
            <A HREF='https://files.example/x-1.1-py3-none-any.whl#sha256=ef01' data-yanked>x-1.1-py3-none-any.whl</A>
            <a href="x-2.0.zip" data-yanked="broken &amp; bad">x-2.0.zip</a>
            <abbr>not a link</abbr>
        </body></html>"#;
        let files = parse_html_page(html, "http://up:1/simple/x/");
        assert_eq!(files.len(), 3);
        assert_eq!(files[0].url, "http://up:1/packages/x-1.0.tar.gz");
        assert_eq!(files[0].sha256(), Some("abcd"));
        assert_eq!(files[0].requires_python.as_deref(), Some(">=3.8"));
        assert_eq!(files[0].version(), "1.0");
        assert_eq!(files[1].yanked.as_deref(), Some(""));
        assert!(files[1].wheel());
        assert_eq!(files[1].version(), "1.1");
        assert_eq!(files[2].yanked.as_deref(), Some("broken & bad"));
        assert_eq!(files[2].sha256(), None);

        let base = "http://127.0.0.1:9/";
        let page = String::from_utf8(render_html("x", &files, base)).unwrap();
        let again = parse_html_page(&page, "http://127.0.0.1:9/pypi/simple/x/");
        assert_eq!(again.len(), 3);
        assert_eq!(again[0].url, "http://127.0.0.1:9/pypi/files/x/x-1.0.tar.gz");
        for (a, b) in files.iter().zip(&again) {
            assert_eq!(
                (&a.hashes, &a.requires_python, &a.yanked),
                (&b.hashes, &b.requires_python, &b.yanked)
            );
        }

        let doc: Value = serde_json::from_slice(&render_json("x", &files, base)).unwrap();
        let again = parse_json_page(&doc, "http://127.0.0.1:9/pypi/simple/x/");
        assert_eq!(again.len(), 3);
        assert_eq!(doc["files"][1]["yanked"], true);
        assert_eq!(doc["files"][0]["requires-python"], ">=3.8");
        for (a, b) in files.iter().zip(&again) {
            assert_eq!(
                (&a.hashes, &a.requires_python, &a.yanked),
                (&b.hashes, &b.requires_python, &b.yanked)
            );
        }
    }

    #[test]
    fn content_negotiation() {
        // pip 23+.
        assert!(wants_json(Some(
            "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01"
        )));
        assert!(!wants_json(Some("text/html")));
        assert!(!wants_json(None));
        assert!(!wants_json(Some(
            "application/vnd.pypi.simple.v1+json;q=0.2, text/html"
        )));
    }

    #[test]
    fn hostile_pages_do_not_panic() {
        for html in [
            "<a",
            "<a href=",
            "<a href='x",
            "<a >",
            "<a\u{e9} href=x>y</a>",
        ] {
            let _ = parse_html_page(html, "http://h/simple/x/");
        }
        assert!(parse_json_page(&json!({"files": [1, {"filename": 2}]}), "http://h/").is_empty());
    }
}
