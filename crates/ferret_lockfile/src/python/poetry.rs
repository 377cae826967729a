//! `poetry.lock` (lock-version 1.x and 2.x): `[[package]]` entries with `files` hashes,
//! `[package.dependencies]` edges by name, `[package.source]` for git/url/file/directory and
//! private (`legacy`) indexes, and the dev flag from `groups` (2.x: no `main`) or
//! `category = "dev"` (1.x). The root's direct dependencies are not recorded: attach the
//! pyproject.toml with [`Lockfile::attach_pyproject`].

use super::toml_util::{Lines, get, header_lines, parse_doc, string, table, tables};
use super::{IndexKind, PackageIndex, is_pypi_url, normalize_name, py_package, redact_url};
use crate::{DepSource, ExtractError, Format, Lockfile};

pub(crate) fn parse(path: &str, text: &str) -> Result<Lockfile, ExtractError> {
    let lines = Lines::new(text);
    let doc = parse_doc(path, text, &lines)?;
    let lock_version = table(&doc, "metadata")
        .and_then(|m| string(m, "lock-version"))
        .ok_or_else(|| {
            ExtractError::syntax(path, 1, "no `metadata.lock-version` (not a poetry.lock)")
        })?;
    let mut parts = lock_version.split('.').map(|p| p.parse::<u8>().ok());
    let (Some(Some(major)), minor) = (parts.next(), parts.next().flatten()) else {
        return Err(ExtractError::syntax(
            path,
            1,
            format!("bad lock-version `{lock_version}`"),
        ));
    };
    if !(1..=2).contains(&major) {
        return Err(ExtractError::Unsupported {
            path: path.to_owned(),
            what: format!("poetry lock-version {lock_version}"),
        });
    }
    let mut lock = Lockfile::new(
        path,
        Format::PoetryLock {
            major,
            minor: minor.unwrap_or(0),
        },
    );
    let mut edges: Vec<Vec<String>> = Vec::new();
    let headers = header_lines(text, "package");
    for (n, (offset, t)) in tables(&doc, "package").enumerate() {
        let line = headers
            .get(n)
            .copied()
            .unwrap_or_else(|| lines.line(offset));
        let Some(name) = string(t, "name") else {
            return Err(ExtractError::syntax(path, line, "package without `name`"));
        };
        let mut pkg = py_package(name, string(t, "version").unwrap_or(""), line);
        pkg.optional = get(t, "optional")
            .and_then(|v| v.get_ref().as_bool())
            .unwrap_or(false);
        pkg.dev = match super::toml_util::array(t, "groups") {
            Some(groups) => !groups.iter().any(|g| g.get_ref().as_str() == Some("main")),
            None => string(t, "category") == Some("dev"),
        };
        for (_, f) in tables(t, "files") {
            pkg.hashes.extend(string(f, "hash").map(str::to_owned));
        }
        if let Some(src) = table(t, "source") {
            let url = string(src, "url").unwrap_or("");
            let reference = string(src, "resolved_reference").or_else(|| string(src, "reference"));
            match string(src, "type").unwrap_or("") {
                "git" => {
                    let url = match reference {
                        Some(r) => format!("{}#{r}", redact_url(url)),
                        None => redact_url(url),
                    };
                    pkg.source = DepSource::Git { url };
                }
                "url" => {
                    pkg.source = DepSource::Http {
                        url: redact_url(url),
                    }
                }
                "file" | "directory" => {
                    pkg.source = DepSource::File {
                        path: url.to_owned(),
                    }
                }
                "legacy" => {
                    let url = redact_url(url);
                    if !is_pypi_url(&url) && !lock.indexes.iter().any(|i| i.url == url) {
                        lock.indexes.push(PackageIndex {
                            url,
                            kind: IndexKind::Source,
                            name: reference.map(str::to_owned),
                            file: path.to_owned(),
                            line,
                        });
                    }
                }
                _ => {}
            }
        }
        edges.push(
            table(t, "dependencies")
                .map(|d| {
                    d.iter()
                        .map(|(k, _)| normalize_name(k.get_ref().as_ref()))
                        .collect()
                })
                .unwrap_or_default(),
        );
        lock.packages.push(pkg);
    }
    for (i, names) in edges.into_iter().enumerate() {
        for n in names {
            if let Some(t) = lock.target_for(&n, None) {
                lock.packages[i].dependencies.push((n, t));
            }
        }
    }
    Ok(lock)
}
