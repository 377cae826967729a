//! Python distributions: wheels (`.whl`), sdists (`.tar.gz`, `.zip`) and their metadata.
//!
//! A wheel is a zip installed as is: its `*.dist-info/RECORD` lists every file with a sha256
//! and a size, and pip refuses a wheel whose files disagree with it. We check the same, but
//! record each disagreement as an [`ArchiveIssue`] instead of stopping, because a wheel
//! whose RECORD does not match its content was edited after it was built — exactly what a
//! rule wants to see. An sdist is a tarball or zip wrapping one `name-version/` folder,
//! which is stripped (the tarball reader strips the first component already).
//!
//! [`CoreMetadata`] reads `PKG-INFO` / `METADATA` (RFC 822 headers, core metadata 1.0–2.4):
//! the package's name and version and what rules want to see of it. [`entry_points`] reads a
//! wheel's `entry_points.txt` (the console scripts pip writes to `bin/`).

use crate::zip::{ZipLayout, looks_like_zip, open_zip};
use crate::{Limits, PackageTree, SourceError, issue, open_tarball};
use base64::Engine as _;
use ferret_core::ArchiveIssue;
use sha2::Digest as _;
use std::collections::BTreeMap;

/// Most bytes of a metadata file read: real METADATA files are a few KiB (the long
/// description is the bulk; numpy's is ~60 KiB).
const MAX_METADATA_BYTES: usize = 4 * 1024 * 1024;

/// Opens a wheel: a zip kept as laid out, with its RECORD verified (see the module docs).
pub fn open_wheel(bytes: &[u8], source: &str, limits: &Limits) -> Result<PackageTree, SourceError> {
    let mut tree = open_zip(bytes, source, limits, ZipLayout::Flat)?;
    let mut issues = verify_record(&tree);
    tree.issues.append(&mut issues);
    tree.issues.sort();
    Ok(tree)
}

/// Opens an sdist, gzip/plain tar or zip by its bytes; the `name-version/` folder is
/// stripped.
pub fn open_sdist(bytes: &[u8], source: &str, limits: &Limits) -> Result<PackageTree, SourceError> {
    if looks_like_zip(bytes) {
        open_zip(bytes, source, limits, ZipLayout::StripFirst)
    } else {
        open_tarball(bytes, source, limits)
    }
}

/// The wheel's `.dist-info` folder (`name-1.0.dist-info`), when there is exactly one at the
/// top level. Two are ambiguous (pip refuses such a wheel) and recorded by [`verify_record`].
pub fn dist_info_dir(tree: &PackageTree) -> Option<String> {
    let mut dirs = dist_info_dirs(tree);
    if dirs.len() == 1 { dirs.pop() } else { None }
}

fn dist_info_dirs(tree: &PackageTree) -> Vec<String> {
    let mut dirs: Vec<String> = tree
        .files
        .iter()
        .filter_map(|f| f.path.split_once('/'))
        .map(|(dir, _)| dir)
        .filter(|d| d.ends_with(".dist-info"))
        .map(str::to_owned)
        .collect();
    dirs.sort();
    dirs.dedup();
    dirs
}

/// Checks every file of a wheel against its RECORD: a file missing from RECORD, a RECORD
/// entry without the file, and a sha256 or size that disagrees are each one issue
/// (`record-unlisted`, `record-absent`, `record-hash-mismatch`, `record-size-mismatch`); a
/// wheel without RECORD is `record-missing`. RECORD's own line and the signature files
/// (`RECORD.jws`, `RECORD.p7s`) have no hash by definition (PEP 376/427).
pub fn verify_record(tree: &PackageTree) -> Vec<ArchiveIssue> {
    let dirs = dist_info_dirs(tree);
    let dir = match dirs.as_slice() {
        [one] => one.clone(),
        [] => {
            return vec![issue(
                "",
                "record-missing",
                "the wheel has no `*.dist-info` folder, so nothing vouches for its files",
            )];
        }
        many => {
            return vec![issue(
                "",
                "multiple-dist-info",
                format!(
                    "{} `.dist-info` folders ({}); pip refuses such a wheel",
                    many.len(),
                    many.join(", ")
                ),
            )];
        }
    };
    let record_path = format!("{dir}/RECORD");
    let Some(record) = tree.file(&record_path) else {
        return vec![issue(
            &record_path,
            "record-missing",
            "the wheel has no RECORD, so nothing vouches for its files",
        )];
    };
    let text = String::from_utf8_lossy(&record.data);
    let mut listed: BTreeMap<String, (Option<String>, Option<String>)> = BTreeMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let fields = csv_fields(line);
        let Some(path) = fields.first().filter(|p| !p.is_empty()) else {
            continue;
        };
        let hash = fields.get(1).filter(|h| !h.is_empty()).cloned();
        let size = fields.get(2).filter(|s| !s.is_empty()).cloned();
        listed.insert(path.clone(), (hash, size));
    }
    let unhashed = |p: &str| {
        p == record_path || p == format!("{record_path}.jws") || p == format!("{record_path}.p7s")
    };
    let mut issues = Vec::new();
    for file in &tree.files {
        if unhashed(&file.path) {
            continue;
        }
        let Some((hash, size)) = listed.get(&file.path) else {
            issues.push(issue(
                &file.path,
                "record-unlisted",
                "the file is not listed in RECORD (added after the wheel was built?)",
            ));
            continue;
        };
        match hash.as_deref().map(|h| h.split_once('=')) {
            Some(Some(("sha256", expected))) => {
                let digest = sha2::Sha256::digest(&file.data);
                let actual = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest);
                if actual != expected.trim_end_matches('=') {
                    issues.push(issue(
                        &file.path,
                        "record-hash-mismatch",
                        format!("RECORD says sha256={expected}, the file is sha256={actual}"),
                    ));
                }
            }
            Some(Some((algo, _))) => issues.push(issue(
                &file.path,
                "record-unverified",
                format!("RECORD uses `{algo}`, not sha256; not verified"),
            )),
            _ => issues.push(issue(
                &file.path,
                "record-unverified",
                "RECORD lists the file without a hash",
            )),
        }
        if let Some(size) = size {
            let actual = file.data.len().to_string();
            if *size != actual {
                issues.push(issue(
                    &file.path,
                    "record-size-mismatch",
                    format!("RECORD says {size} bytes, the file has {actual}"),
                ));
            }
        }
    }
    for path in listed.keys() {
        if !unhashed(path) && tree.file(path).is_none() {
            issues.push(issue(
                path,
                "record-absent",
                "listed in RECORD but not in the wheel (or not extracted)",
            ));
        }
    }
    issues
}

/// One CSV line (RECORD is written by Python's `csv` module: `,` separated, `"` quoted,
/// `""` an escaped quote).
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                cur.push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut cur)),
            (c, _) => cur.push(c),
        }
    }
    fields.push(cur);
    fields
}

/// A distribution's core metadata (`PKG-INFO` in an sdist, `METADATA` in a wheel).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CoreMetadata {
    /// The file it was read from, relative to the package root.
    pub path: String,
    pub name: Option<String>,
    pub version: Option<String>,
    pub summary: Option<String>,
    pub requires_python: Option<String>,
    pub requires_dist: Vec<String>,
    pub author: Option<String>,
    pub author_email: Option<String>,
    pub maintainer: Option<String>,
    pub home_page: Option<String>,
    pub license: Option<String>,
    /// `Project-URL: label, url` as (label, url).
    pub project_urls: Vec<(String, String)>,
    pub metadata_version: Option<String>,
}

impl CoreMetadata {
    /// Parses RFC 822-style headers up to the first blank line (the body is the long
    /// description). Continuation lines (leading whitespace) extend the previous header.
    pub fn parse(path: &str, data: &[u8]) -> Self {
        let data = &data[..data.len().min(MAX_METADATA_BYTES)];
        let text = String::from_utf8_lossy(data);
        let mut headers: Vec<(String, String)> = Vec::new();
        for line in text.lines() {
            if line.trim().is_empty() {
                break;
            }
            if line.starts_with([' ', '\t']) {
                if let Some((_, v)) = headers.last_mut() {
                    v.push('\n');
                    v.push_str(line.trim());
                }
                continue;
            }
            if let Some((k, v)) = line.split_once(':') {
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
            }
        }
        let mut meta = CoreMetadata {
            path: path.to_owned(),
            ..CoreMetadata::default()
        };
        for (k, v) in headers {
            let slot = match k.as_str() {
                "name" => &mut meta.name,
                "version" => &mut meta.version,
                "summary" => &mut meta.summary,
                "requires-python" => &mut meta.requires_python,
                "author" => &mut meta.author,
                "author-email" => &mut meta.author_email,
                "maintainer" => &mut meta.maintainer,
                "home-page" => &mut meta.home_page,
                "license" => &mut meta.license,
                "metadata-version" => &mut meta.metadata_version,
                "requires-dist" => {
                    meta.requires_dist.push(v);
                    continue;
                }
                "project-url" => {
                    let (label, url) = v.split_once(',').unwrap_or(("", v.as_str()));
                    meta.project_urls
                        .push((label.trim().to_owned(), url.trim().to_owned()));
                    continue;
                }
                _ => continue,
            };
            if slot.is_none() && !v.is_empty() {
                *slot = Some(v);
            }
        }
        meta
    }

    /// The metadata of a Python distribution tree: a wheel's `*.dist-info/METADATA`, else
    /// an sdist's top-level `PKG-INFO`, else the first `*.egg-info/PKG-INFO`.
    pub fn from_tree(tree: &PackageTree) -> Option<Self> {
        if let Some(dir) = dist_info_dir(tree) {
            let path = format!("{dir}/METADATA");
            if let Some(f) = tree.file(&path) {
                return Some(Self::parse(&path, &f.data));
            }
        }
        if let Some(f) = tree.file("PKG-INFO") {
            return Some(Self::parse("PKG-INFO", &f.data));
        }
        tree.files
            .iter()
            .find(|f| f.path.ends_with(".egg-info/PKG-INFO") && f.path.matches('/').count() <= 2)
            .map(|f| Self::parse(&f.path, &f.data))
    }
}

/// One entry point (`[console_scripts] name = module:attr`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct EntryPoint {
    pub group: String,
    pub name: String,
    pub target: String,
}

/// Parses an `entry_points.txt` (INI sections of `name = module:attr [extras]`).
pub fn entry_points(data: &[u8]) -> Vec<EntryPoint> {
    let data = &data[..data.len().min(MAX_METADATA_BYTES)];
    let text = String::from_utf8_lossy(data);
    let mut group = String::new();
    let mut out = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with(['#', ';']) {
            continue;
        }
        if let Some(g) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            g.trim().clone_into(&mut group);
            continue;
        }
        if let Some((name, target)) = line.split_once('=') {
            out.push(EntryPoint {
                group: group.clone(),
                name: name.trim().to_owned(),
                target: target.trim().to_owned(),
            });
        }
    }
    out
}

/// Whether a tree is a Python distribution rather than an npm package: no `package.json` at
/// the root, and a `PKG-INFO`, `setup.py`, `setup.cfg`, `pyproject.toml` or `.dist-info`.
pub fn is_python_tree(tree: &PackageTree) -> bool {
    if tree.file("package.json").is_some() {
        return false;
    }
    ["PKG-INFO", "setup.py", "setup.cfg", "pyproject.toml"]
        .iter()
        .any(|p| tree.file(p).is_some())
        || !dist_info_dirs(tree).is_empty()
}

/// Names a directory of an extracted Python project is recognised by (see `open_dir`).
pub(crate) const PYTHON_MARKERS: [&str; 4] =
    ["PKG-INFO", "pyproject.toml", "setup.py", "setup.cfg"];
