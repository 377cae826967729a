//! `pnpm-lock.yaml` (parsed with serde-saphyr): lockfileVersion 5.x (`/name/version` keys),
//! 6.x (`/name@version(peers)` keys, `dev` flags) and 9.x (`name@version` keys, resolution in
//! `packages`, the dependency graph in `snapshots`). `importers` (workspaces) become direct
//! dependencies per importer path; workspace members become [`DepSource::Workspace`] packages.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};

use crate::yaml_lines::section_keys;
use crate::{
    DepSource, DirectDep, ExtractError, Format, LockedPackage, Lockfile, WorkspaceMember,
    split_name_at,
};

/// (key, graph part: snapshot or package entry, resolution part: package entry).
type Instance<'a> = (&'a String, &'a Map<String, Value>, &'a Map<String, Value>);

pub(crate) fn parse(path: &str, text: &str) -> Result<Lockfile, ExtractError> {
    let doc: Value = serde_saphyr::from_str(text).map_err(|e| {
        let line = e
            .location()
            .map_or(0, |l| u32::try_from(l.line()).unwrap_or(0));
        ExtractError::syntax(path, line, e.to_string())
    })?;
    let Some(doc) = doc.as_object() else {
        return Err(ExtractError::syntax(path, 1, "expected a YAML mapping"));
    };
    let version_text = match doc.get("lockfileVersion") {
        Some(Value::String(s)) => s.clone(),
        Some(v @ Value::Number(_)) => v.to_string(),
        _ => return Err(ExtractError::syntax(path, 1, "no lockfileVersion")),
    };
    let major: u8 = version_text
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    if !(5..=9).contains(&major) {
        return Err(ExtractError::Unsupported {
            path: path.to_owned(),
            what: format!("lockfileVersion {version_text}"),
        });
    }
    let mut lock = Lockfile::new(path, Format::Pnpm { version: major });
    let empty = Map::new();
    let packages = doc
        .get("packages")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let snapshots = doc.get("snapshots").and_then(Value::as_object);
    let package_lines = section_keys(text, "packages");
    let snapshot_lines = section_keys(text, "snapshots");

    // Instances: v9 snapshots (graph) joined with packages (resolution); older: packages.
    let instances: Vec<Instance<'_>> = match snapshots {
        Some(snaps) => snaps
            .iter()
            .map(|(k, v)| {
                let info = packages
                    .get(strip_peers(k))
                    .and_then(Value::as_object)
                    .unwrap_or(&empty);
                (k, v.as_object().unwrap_or(&empty), info)
            })
            .collect(),
        None => packages
            .iter()
            .map(|(k, v)| {
                (
                    k,
                    v.as_object().unwrap_or(&empty),
                    v.as_object().unwrap_or(&empty),
                )
            })
            .collect(),
    };
    let ids: HashMap<&str, ()> = instances.iter().map(|(k, _, _)| (k.as_str(), ())).collect();
    let find = |name: &str, reference: &str| -> Option<String> {
        [
            reference.to_owned(),
            format!("/{reference}"),
            format!("{name}@{reference}"),
            format!("/{name}@{reference}"),
            format!("/{name}/{reference}"),
        ]
        .into_iter()
        .find(|c| ids.contains_key(c.as_str()))
    };

    for (key, graph, info) in &instances {
        let (key_name, key_version) = parse_key(key, major);
        let name = info
            .get("name")
            .and_then(Value::as_str)
            .map_or(key_name, str::to_owned);
        let version = info
            .get("version")
            .and_then(Value::as_str)
            .map_or(key_version, str::to_owned);
        let resolution = info.get("resolution").and_then(Value::as_object);
        let field = |k: &str| {
            resolution
                .and_then(|r| r.get(k))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let (source, resolved) = match (field("type").as_deref(), field("tarball")) {
            (Some("git"), _) => {
                let url = format!(
                    "{}#{}",
                    field("repo").unwrap_or_default(),
                    field("commit").unwrap_or_default()
                );
                (DepSource::Git { url: url.clone() }, Some(url))
            }
            (Some("directory"), _) => (
                DepSource::File {
                    path: field("directory").unwrap_or_default(),
                },
                None,
            ),
            (_, Some(t)) => (crate::npm::source_of_resolved(Some(&t)), Some(t)),
            _ => (DepSource::Registry, None),
        };
        let mut dependencies = Vec::new();
        for f in ["dependencies", "optionalDependencies"] {
            for (n, r) in graph
                .get(f)
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                if let Some(t) = r.as_str().and_then(|r| find(n, r)) {
                    dependencies.push((n.clone(), t));
                }
            }
        }
        let flag = |k: &str| {
            graph
                .get(k)
                .or_else(|| info.get(k))
                .and_then(Value::as_bool)
                .unwrap_or(false)
        };
        let line = package_lines
            .get(strip_peers(key))
            .or_else(|| snapshot_lines.get(key.as_str()))
            .copied()
            .unwrap_or(0);
        lock.packages.push(LockedPackage {
            id: (*key).clone(),
            name,
            version,
            resolved,
            integrity: field("integrity"),
            source,
            dev: flag("dev"),
            optional: flag("optional"),
            line,
            install_path: None,
            dependencies,
            alias: None,
            descriptors: Vec::new(),
            hashes: Vec::new(),
            os: crate::platform_list(info.get("os")),
            cpu: crate::platform_list(info.get("cpu")),
            libc: crate::platform_list(info.get("libc")),
            // pnpm sets `requiresBuild` for platform packages without any script too.
            has_install_script: false,
        });
    }

    // Importers: `importers:` (workspaces, and every v9 file) or the top level (v5/v6 single).
    let mut importers: BTreeMap<String, &Map<String, Value>> = BTreeMap::new();
    match doc.get("importers").and_then(Value::as_object) {
        Some(imps) => {
            for (p, v) in imps {
                let p = if p == "." { String::new() } else { p.clone() };
                importers.insert(p, v.as_object().unwrap_or(&empty));
            }
        }
        None => {
            importers.insert(String::new(), doc);
        }
    }
    let importer_lines = section_keys(text, "importers");
    let mut links: BTreeMap<String, String> = BTreeMap::new();
    for p in importers.keys().filter(|p| !p.is_empty()) {
        lock.root.workspaces.push(WorkspaceMember {
            path: p.clone(),
            name: None,
            version: None,
        });
        lock.packages.push(LockedPackage {
            id: format!("workspace:{p}"),
            name: p.clone(),
            version: String::new(),
            resolved: None,
            integrity: None,
            source: DepSource::Workspace { path: p.clone() },
            dev: false,
            optional: false,
            line: importer_lines.get(p.as_str()).copied().unwrap_or(0),
            install_path: None,
            dependencies: Vec::new(),
            alias: None,
            descriptors: Vec::new(),
            hashes: Vec::new(),
            os: Vec::new(),
            cpu: Vec::new(),
            libc: Vec::new(),
            has_install_script: false,
        });
    }
    let mut aliases: Vec<(String, String)> = Vec::new();
    for (importer, obj) in &importers {
        let specifiers = obj.get("specifiers").and_then(Value::as_object);
        for (field, dev, optional) in [
            ("dependencies", false, false),
            ("devDependencies", true, false),
            ("optionalDependencies", false, true),
        ] {
            for (n, v) in obj
                .get(field)
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                let (spec, reference) = match v {
                    Value::String(r) => (
                        specifiers
                            .and_then(|s| s.get(n))
                            .and_then(Value::as_str)
                            .map(str::to_owned),
                        r.clone(),
                    ),
                    Value::Object(o) => (
                        o.get("specifier")
                            .and_then(Value::as_str)
                            .map(str::to_owned),
                        o.get("version")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned(),
                    ),
                    _ => continue,
                };
                let target = if let Some(rel) = reference.strip_prefix("link:") {
                    let joined = join_path(importer, rel);
                    if importers.contains_key(&joined) {
                        Some(format!("workspace:{joined}"))
                    } else {
                        let id = format!("link:{joined}");
                        links.insert(id.clone(), n.clone());
                        Some(id)
                    }
                } else {
                    find(n, &reference)
                };
                if let Some(t) = &target {
                    aliases.push((t.clone(), n.clone()));
                }
                lock.root.direct.push(DirectDep {
                    name: n.clone(),
                    spec,
                    dev,
                    optional,
                    peer: false,
                    target,
                    importer: importer.clone(),
                });
            }
        }
    }
    for (id, name) in links {
        let path = id.trim_start_matches("link:").to_owned();
        lock.packages.push(LockedPackage {
            id,
            name,
            version: String::new(),
            resolved: None,
            integrity: None,
            source: DepSource::Link { path },
            dev: false,
            optional: false,
            line: 0,
            install_path: None,
            dependencies: Vec::new(),
            alias: None,
            descriptors: Vec::new(),
            hashes: Vec::new(),
            os: Vec::new(),
            cpu: Vec::new(),
            libc: Vec::new(),
            has_install_script: false,
        });
    }
    for (target, as_name) in aliases {
        let aliased = |p: &&mut LockedPackage| {
            p.id == target
                && p.name != as_name
                && p.alias.is_none()
                && !matches!(
                    p.source,
                    DepSource::Workspace { .. } | DepSource::Link { .. }
                )
        };
        if let Some(p) = lock.packages.iter_mut().find(aliased) {
            p.alias = Some(as_name);
        }
    }
    Ok(lock)
}

/// `a@1.0.0(react@18.0.0)` → `a@1.0.0`; v5 `/a/1.0.0_react@18.0.0` keeps its form here.
fn strip_peers(key: &str) -> &str {
    // A `(` inside a scoped name cannot occur; peers start at the first `(`.
    key.split('(').next().unwrap_or(key)
}

/// Name and version from a package key of the given lockfile major version.
fn parse_key(key: &str, major: u8) -> (String, String) {
    let k = strip_peers(key);
    let k = k.strip_prefix('/').unwrap_or(k);
    if let Some((n, v)) = k.rsplit_once('/').filter(|_| major <= 5) {
        let v = v.split('_').next().unwrap_or(v);
        return (n.to_owned(), v.to_owned());
    }
    match split_name_at(k) {
        Some((n, v)) => (n.to_owned(), v.to_owned()),
        None => (k.to_owned(), String::new()),
    }
}

/// `packages/b` + `../a` → `packages/a`; `` + `linked` → `linked`.
fn join_path(base: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = base
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::{join_path, parse_key};

    #[test]
    fn keys_and_paths() {
        assert_eq!(
            parse_key("/@types/node@20.11.0", 6),
            ("@types/node".into(), "20.11.0".into())
        );
        assert_eq!(
            parse_key("a@1.0.0(react@18.0.0)", 9),
            ("a".into(), "1.0.0".into())
        );
        assert_eq!(
            parse_key("/@s/a/1.0.0_react@18.0.0", 5),
            ("@s/a".into(), "1.0.0".into())
        );
        assert_eq!(join_path("packages/b", "../a"), "packages/a");
        assert_eq!(join_path("", "./linked"), "linked");
    }
}
