//! `pylock.toml` / `pylock.<name>.toml` (PEP 751, lock-version 1.x): `[[packages]]` with
//! `name`, `version`, `marker`, the `index` it came from, and exactly one of `vcs`,
//! `directory`, `archive`, or `sdist`/`wheels` (with `hashes = { sha256 = … }`). Optional
//! `dependencies` edges are followed when present. A `directory` at `.` is the project itself.

use toml::de::DeTable;

use super::toml_util::{Lines, array, get, header_lines, parse_doc, string, table, tables};
use super::{IndexKind, PackageIndex, is_pypi_url, normalize_name, py_package, redact_url};
use crate::{DepSource, ExtractError, Format, Lockfile};

pub(crate) fn parse(path: &str, text: &str) -> Result<Lockfile, ExtractError> {
    let lines = Lines::new(text);
    let doc = parse_doc(path, text, &lines)?;
    let version = string(&doc, "lock-version")
        .ok_or_else(|| ExtractError::syntax(path, 1, "no `lock-version` (not a pylock.toml)"))?;
    let mut parts = version.split('.').map(|p| p.parse::<u8>().ok());
    let (Some(Some(major)), minor) = (parts.next(), parts.next().flatten()) else {
        return Err(ExtractError::syntax(
            path,
            1,
            format!("bad lock-version `{version}`"),
        ));
    };
    if major != 1 {
        return Err(ExtractError::Unsupported {
            path: path.to_owned(),
            what: format!("pylock lock-version {version}"),
        });
    }
    let mut lock = Lockfile::new(
        path,
        Format::Pylock {
            major,
            minor: minor.unwrap_or(0),
        },
    );
    let mut edges: Vec<Vec<(String, String)>> = Vec::new();
    let headers = header_lines(text, "packages");
    for (n, (offset, t)) in tables(&doc, "packages").enumerate() {
        let line = headers
            .get(n)
            .copied()
            .unwrap_or_else(|| lines.line(offset));
        let Some(name) = string(t, "name") else {
            return Err(ExtractError::syntax(path, line, "package without `name`"));
        };
        let mut pkg = py_package(name, string(t, "version").unwrap_or(""), line);
        if let Some(index) = string(t, "index")
            && !is_pypi_url(index)
        {
            let url = redact_url(index);
            if !lock.indexes.iter().any(|i| i.url == url) {
                lock.indexes.push(PackageIndex {
                    url,
                    kind: IndexKind::Source,
                    name: None,
                    file: path.to_owned(),
                    line,
                });
            }
        }
        if let Some(vcs) = table(t, "vcs") {
            let url = string(vcs, "url")
                .or_else(|| string(vcs, "path"))
                .unwrap_or("");
            let url = match string(vcs, "commit-id") {
                Some(c) => format!("{}#{c}", redact_url(url)),
                None => redact_url(url),
            };
            pkg.source = match string(vcs, "type") {
                Some("git") | None => DepSource::Git { url },
                Some(other) => DepSource::Http {
                    url: format!("{other}+{url}"),
                },
            };
        } else if let Some(dir) = table(t, "directory") {
            let p = string(dir, "path").unwrap_or("");
            if p == "." {
                lock.root.name = Some(pkg.name.clone());
                lock.root.version = Some(pkg.version.clone()).filter(|v| !v.is_empty());
                continue;
            }
            pkg.source = DepSource::File { path: p.to_owned() };
        } else if let Some(archive) = table(t, "archive") {
            hashes(archive, &mut pkg.hashes);
            if let Some(url) = string(archive, "url") {
                pkg.source = DepSource::Http {
                    url: redact_url(url),
                };
            } else {
                pkg.source = DepSource::File {
                    path: string(archive, "path").unwrap_or("").to_owned(),
                };
            }
        }
        if let Some(sd) = table(t, "sdist") {
            pkg.resolved = string(sd, "url").map(redact_url);
            hashes(sd, &mut pkg.hashes);
        }
        for (_, w) in tables(t, "wheels") {
            if pkg.resolved.is_none() {
                pkg.resolved = string(w, "url").map(redact_url);
            }
            hashes(w, &mut pkg.hashes);
        }
        if lock.packages.iter().any(|p| p.id == pkg.id) {
            pkg.id = format!("{}#L{line}", pkg.id);
        }
        edges.push(
            array(t, "dependencies")
                .into_iter()
                .flatten()
                .filter_map(|d| {
                    let d = d.get_ref().as_table()?;
                    Some((
                        normalize_name(string(d, "name")?),
                        string(d, "version").unwrap_or("").to_owned(),
                    ))
                })
                .collect(),
        );
        lock.packages.push(pkg);
    }
    for (i, deps) in edges.into_iter().enumerate() {
        for (n, v) in deps {
            if let Some(t) = lock.target_for(&n, (!v.is_empty()).then_some(v.as_str())) {
                lock.packages[i].dependencies.push((n, t));
            }
        }
    }
    Ok(lock)
}

/// `hashes = { sha256 = "…" }` → `sha256:…`, in key order.
fn hashes(t: &DeTable<'_>, out: &mut Vec<String>) {
    if let Some(h) = get(t, "hashes").and_then(|v| v.get_ref().as_table()) {
        for (alg, v) in h.iter() {
            if let Some(hex) = v.get_ref().as_str() {
                out.push(format!("{}:{hex}", alg.get_ref()));
            }
        }
    }
}
