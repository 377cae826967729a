//! `uv.lock` (`version = 1`): `[[package]]` entries with a `source` (registry, git, url,
//! path, directory, editable, virtual), `sdist`/`wheels` hashes and `dependencies` edges. The
//! project itself is the package whose source is `editable`/`virtual` at `.`: its
//! dependencies, optional dependencies and dev groups are the root's direct dependencies;
//! other editable/virtual packages are workspace members.

use toml::de::DeTable;

use super::toml_util::{Lines, array, get, header_lines, parse_doc, string, table, tables};
use super::{IndexKind, PackageIndex, is_pypi_url, normalize_name, py_package, redact_url};
use crate::{DepSource, DirectDep, ExtractError, Format, Lockfile, WorkspaceMember};

pub(crate) fn parse(path: &str, text: &str) -> Result<Lockfile, ExtractError> {
    let lines = Lines::new(text);
    let doc = parse_doc(path, text, &lines)?;
    let version = get(&doc, "version")
        .and_then(|v| v.get_ref().as_integer())
        .and_then(|i| i.as_str().parse::<u32>().ok())
        .ok_or_else(|| ExtractError::syntax(path, 1, "no `version` (not a uv.lock)"))?;
    if version != 1 {
        return Err(ExtractError::Unsupported {
            path: path.to_owned(),
            what: format!("uv.lock version {version}"),
        });
    }
    let mut lock = Lockfile::new(path, Format::UvLock { version });
    // (index in lock.packages, package table, importer path when a workspace member/root)
    let mut entries: Vec<(usize, &DeTable<'_>, Option<String>)> = Vec::new();
    let headers = header_lines(text, "package");
    for (n, (offset, t)) in tables(&doc, "package").enumerate() {
        let line = headers
            .get(n)
            .copied()
            .unwrap_or_else(|| lines.line(offset));
        let Some(name) = string(t, "name") else {
            return Err(ExtractError::syntax(path, line, "package without `name`"));
        };
        let version = string(t, "version").unwrap_or("");
        let mut pkg = py_package(name, version, line);
        let mut importer = None;
        if let Some(src) = table(t, "source") {
            if let Some(url) = string(src, "registry") {
                if !is_pypi_url(url) && !url.starts_with('.') && !url.starts_with('/') {
                    add_index(&mut lock, url, path, line);
                }
            } else if let Some(url) = string(src, "git") {
                pkg.source = DepSource::Git {
                    url: redact_url(url),
                };
            } else if let Some(url) = string(src, "url") {
                pkg.source = DepSource::Http {
                    url: redact_url(url),
                };
            } else if let Some(p) = string(src, "path").or_else(|| string(src, "directory")) {
                pkg.source = DepSource::File { path: p.to_owned() };
            } else if let Some(p) = string(src, "editable").or_else(|| string(src, "virtual")) {
                let p = if p == "." { "" } else { p };
                importer = Some(p.to_owned());
                pkg.source = DepSource::Workspace { path: p.to_owned() };
            }
        }
        if let Some(sd) = table(t, "sdist") {
            pkg.resolved = string(sd, "url").map(redact_url);
            pkg.hashes.extend(string(sd, "hash").map(str::to_owned));
        }
        for (_, w) in tables(t, "wheels") {
            if pkg.resolved.is_none() {
                pkg.resolved = string(w, "url").map(redact_url);
            }
            pkg.hashes.extend(string(w, "hash").map(str::to_owned));
        }
        // The same name and version can come from two sources.
        if lock.packages.iter().any(|p| p.id == pkg.id) {
            pkg.id = format!("{}#L{line}", pkg.id);
        }
        entries.push((lock.packages.len(), t, importer));
        lock.packages.push(pkg);
    }
    // Edges, now that every id is known.
    for (i, t, importer) in &entries {
        let mut deps: Vec<(String, String, bool, bool)> = Vec::new();
        for d in dep_list(t, "dependencies") {
            deps.push((d.0, d.1, false, false));
        }
        for group in [
            table(t, "optional-dependencies"),
            table(t, "dev-dependencies"),
        ]
        .into_iter()
        .enumerate()
        .filter_map(|(k, g)| Some((k, g?)))
        {
            let (kind, g) = group;
            for (gname, _) in g.iter() {
                let gname = gname.get_ref().as_ref();
                let dev = kind == 1;
                for d in dep_list(g, gname) {
                    deps.push((d.0, d.1, dev, kind == 0));
                }
            }
        }
        let resolved: Vec<(String, Option<String>, bool, bool)> = deps
            .into_iter()
            .map(|(name, version, dev, optional)| {
                let v = (!version.is_empty()).then_some(version.as_str());
                let target = lock.target_for(&name, v);
                (name, target, dev, optional)
            })
            .collect();
        match importer {
            Some(imp) => {
                if !imp.is_empty() {
                    let p = &lock.packages[*i];
                    lock.root.workspaces.push(WorkspaceMember {
                        path: imp.clone(),
                        name: Some(p.name.clone()),
                        version: Some(p.version.clone()).filter(|v| !v.is_empty()),
                    });
                } else {
                    lock.root.name = Some(lock.packages[*i].name.clone());
                    lock.root.version =
                        Some(lock.packages[*i].version.clone()).filter(|v| !v.is_empty());
                }
                for (name, target, dev, optional) in resolved {
                    lock.root.direct.push(DirectDep {
                        name,
                        spec: None,
                        dev,
                        optional,
                        peer: false,
                        target,
                        importer: imp.clone(),
                    });
                }
            }
            None => {
                let p = &mut lock.packages[*i];
                for (name, target, _, _) in resolved {
                    if let Some(t) = target {
                        p.dependencies.push((name, t));
                    }
                }
            }
        }
    }
    // The root is described by `root` and `direct`, not as a package of its own.
    lock.packages
        .retain(|p| !matches!(&p.source, DepSource::Workspace { path } if path.is_empty()));
    crate::graph::recompute_dev(&mut lock);
    Ok(lock)
}

/// `[{ name = "x", version = "1" }, …]` → (normalised name, version or ``).
fn dep_list(t: &DeTable<'_>, key: &str) -> Vec<(String, String)> {
    array(t, key)
        .into_iter()
        .flat_map(|a| a.iter())
        .filter_map(|v| {
            let d = v.get_ref().as_table()?;
            Some((
                normalize_name(string(d, "name")?),
                string(d, "version").unwrap_or("").to_owned(),
            ))
        })
        .collect()
}

fn add_index(lock: &mut Lockfile, url: &str, path: &str, line: u32) {
    let url = redact_url(url);
    if lock.indexes.iter().any(|i| i.url == url) {
        return;
    }
    lock.indexes.push(PackageIndex {
        url,
        kind: IndexKind::Source,
        name: None,
        file: path.to_owned(),
        line,
    });
}
