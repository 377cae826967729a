//! `Pipfile.lock` (pipfile-spec 6, JSON): `default` and `develop` maps of name → `{version:
//! "==X", hashes, markers, index, git/ref, file, path, editable}`, and `_meta.sources` (the
//! first is the primary index, the rest are extra indexes). The format records no edges and
//! no direct dependencies: packages only in `develop` are dev.

use serde_json::Value;

use super::{IndexKind, PackageIndex, py_package, redact_url};
use crate::json_lines::KeyLines;
use crate::{DepSource, ExtractError, Format, Lockfile};

pub(crate) fn parse(path: &str, text: &str) -> Result<Lockfile, ExtractError> {
    let doc: Value = serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| {
        ExtractError::syntax(
            path,
            u32::try_from(e.line()).unwrap_or(0).max(1),
            format!("not JSON: {e}"),
        )
    })?;
    let meta = doc
        .get("_meta")
        .and_then(Value::as_object)
        .ok_or_else(|| ExtractError::syntax(path, 1, "no `_meta` (not a Pipfile.lock)"))?;
    let spec = meta
        .get("pipfile-spec")
        .and_then(Value::as_u64)
        .and_then(|v| u32::try_from(v).ok())
        .unwrap_or(0);
    let lines = KeyLines::scan(text, &["default", "develop", "_meta"]);
    let mut lock = Lockfile::new(path, Format::PipfileLock { spec });
    for (i, src) in meta
        .get("sources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let Some(url) = src.get("url").and_then(Value::as_str) else {
            continue;
        };
        lock.indexes.push(PackageIndex {
            url: redact_url(url),
            kind: if i == 0 {
                IndexKind::Primary
            } else {
                IndexKind::Extra
            },
            name: src.get("name").and_then(Value::as_str).map(str::to_owned),
            file: path.to_owned(),
            line: lines.get(&["_meta", "sources"]),
        });
    }
    for section in ["default", "develop"] {
        let Some(map) = doc.get(section).and_then(Value::as_object) else {
            continue;
        };
        let dev = section == "develop";
        for (name, entry) in map {
            let line = lines.get(&[section, name]);
            let version = entry
                .get("version")
                .and_then(Value::as_str)
                .map(|v| v.trim_start_matches("===").trim_start_matches("=="))
                .unwrap_or("");
            let mut pkg = py_package(name, version, line);
            pkg.dev = dev;
            if let Some(h) = entry.get("hashes").and_then(Value::as_array) {
                pkg.hashes = h
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect();
            }
            let s = |k: &str| entry.get(k).and_then(Value::as_str);
            if let Some(git) = s("git") {
                let url = match s("ref") {
                    Some(r) => format!("{}#{r}", redact_url(git)),
                    None => redact_url(git),
                };
                pkg.version = version_or(version, &url);
                pkg.source = DepSource::Git { url };
            } else if let Some(file) = s("file") {
                if file.contains("://") && !file.starts_with("file:") {
                    pkg.version = version_or(version, file);
                    pkg.source = DepSource::Http {
                        url: redact_url(file),
                    };
                } else {
                    pkg.source = DepSource::File {
                        path: file.to_owned(),
                    };
                }
            } else if let Some(p) = s("path") {
                pkg.version = version_or(version, p);
                pkg.source = DepSource::File { path: p.to_owned() };
            }
            pkg.id = format!("{}@{}", pkg.name, pkg.version);
            if let Some(existing) = lock.packages.iter_mut().find(|p| p.id == pkg.id) {
                // In both sections: not dev-only.
                existing.dev &= dev;
                continue;
            }
            lock.packages.push(pkg);
        }
    }
    Ok(lock)
}

fn version_or(version: &str, fallback: &str) -> String {
    if version.is_empty() {
        fallback.to_owned()
    } else {
        version.to_owned()
    }
}
