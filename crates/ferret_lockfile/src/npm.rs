//! `package-lock.json` / `npm-shrinkwrap.json`: lockfileVersion 2 and 3 read the flat
//! `packages` map keyed by install path (`node_modules/a/node_modules/b`); version 1 reads the
//! nested `dependencies` tree. Edges follow Node's resolution: the nearest `node_modules`
//! ancestor holding the name.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::json_lines::KeyLines;
use crate::{DepSource, DirectDep, ExtractError, Format, LockedPackage, Lockfile, WorkspaceMember};

pub(crate) fn parse(path: &str, text: &str, shrinkwrap: bool) -> Result<Lockfile, ExtractError> {
    let doc: Value = serde_json::from_str(text).map_err(|e| {
        ExtractError::syntax(path, u32::try_from(e.line()).unwrap_or(0), e.to_string())
    })?;
    let Some(obj) = doc.as_object() else {
        return Err(ExtractError::syntax(path, 1, "expected a JSON object"));
    };
    let version = obj
        .get("lockfileVersion")
        .and_then(Value::as_u64)
        .unwrap_or(1);
    let version = u8::try_from(version).unwrap_or(u8::MAX);
    if !(1..=3).contains(&version) {
        return Err(ExtractError::Unsupported {
            path: path.to_owned(),
            what: format!("lockfileVersion {version}"),
        });
    }
    let mut lock = Lockfile::new(
        path,
        Format::PackageLock {
            version,
            shrinkwrap,
        },
    );
    lock.root.name = str_field(obj, "name");
    lock.root.version = str_field(obj, "version");
    match obj.get("packages").and_then(Value::as_object) {
        Some(packages) if version >= 2 => {
            let lines = KeyLines::scan(text, &["packages"]);
            read_packages(&mut lock, packages, &lines);
        }
        _ => {
            let lines = KeyLines::scan(text, &["dependencies"]);
            if let Some(deps) = obj.get("dependencies").and_then(Value::as_object) {
                let mut out = Vec::new();
                read_v1(
                    deps,
                    "",
                    &mut vec!["dependencies".to_owned()],
                    &lines,
                    &mut out,
                );
                let ids: HashMap<String, usize> = out
                    .iter()
                    .enumerate()
                    .map(|(i, (p, _))| (p.id.clone(), i))
                    .collect();
                for (pkg, requires) in &mut out {
                    for name in std::mem::take(requires) {
                        if let Some(target) = resolve(&pkg.id, &name, |c| ids.contains_key(c)) {
                            pkg.dependencies.push((name, target));
                        }
                    }
                }
                lock.packages = out.into_iter().map(|(p, _)| p).collect();
            }
        }
    }
    Ok(lock)
}

fn str_field(obj: &Map<String, Value>, key: &str) -> Option<String> {
    obj.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn bool_field(obj: &Map<String, Value>, key: &str) -> bool {
    obj.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// Names of a dependency map (`dependencies`, `optionalDependencies`, …).
fn dep_names<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
) -> impl Iterator<Item = (&'a String, &'a Value)> {
    obj.get(key)
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
}

/// Node's module resolution over install paths: `from/node_modules/name`, then each ancestor.
fn resolve(from: &str, name: &str, exists: impl Fn(&str) -> bool) -> Option<String> {
    let mut dir = from;
    loop {
        let candidate = if dir.is_empty() {
            format!("node_modules/{name}")
        } else {
            format!("{dir}/node_modules/{name}")
        };
        if exists(&candidate) {
            return Some(candidate);
        }
        if dir.is_empty() {
            return None;
        }
        dir = dir.rsplit_once('/').map_or("", |(parent, _)| parent);
    }
}

/// The package name at the end of an install path (`node_modules/@s/x` → `@s/x`).
fn install_name(key: &str) -> Option<&str> {
    let idx = key.rfind("node_modules/")?;
    Some(&key[idx + "node_modules/".len()..])
}

/// Registry tarballs have `/-/` in their path; anything else fetched over http(s) is a URL dep.
pub(crate) fn source_of_resolved(resolved: Option<&str>) -> DepSource {
    let Some(r) = resolved else {
        return DepSource::Registry;
    };
    match crate::classify_spec(r) {
        crate::SpecKind::Git { url } => DepSource::Git { url },
        crate::SpecKind::Http { url } if !url.contains("/-/") => DepSource::Http { url },
        crate::SpecKind::File { path } => DepSource::File { path },
        crate::SpecKind::Link { path } => DepSource::Link { path },
        _ => DepSource::Registry,
    }
}

/// Minimal glob for npm `workspaces` patterns: `*` matches one path segment, `**` any number
/// (a leading `./` and a trailing `/` are ignored).
pub fn glob_match(pattern: &str, path: &str) -> bool {
    let pattern = pattern.trim_start_matches("./").trim_end_matches('/');
    let pat: Vec<&str> = pattern.split('/').collect();
    let segs: Vec<&str> = path.split('/').collect();
    fn seg_match(p: &str, s: &str) -> bool {
        match p.split_once('*') {
            None => p == s,
            Some((pre, post)) => {
                s.len() >= pre.len() + post.len() && s.starts_with(pre) && s.ends_with(post)
            }
        }
    }
    fn rec(p: &[&str], s: &[&str]) -> bool {
        match (p.first(), s.first()) {
            (None, None) => true,
            (Some(&"**"), _) => rec(&p[1..], s) || (!s.is_empty() && rec(p, &s[1..])),
            (Some(pp), Some(ss)) => seg_match(pp, ss) && rec(&p[1..], &s[1..]),
            _ => false,
        }
    }
    rec(&pat, &segs)
}

fn read_packages(lock: &mut Lockfile, packages: &Map<String, Value>, lines: &KeyLines) {
    let empty = Map::new();
    let root = packages
        .get("")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    if let Some(n) = str_field(root, "name") {
        lock.root.name = Some(n);
    }
    if let Some(v) = str_field(root, "version") {
        lock.root.version = Some(v);
    }
    let patterns: Vec<String> = match root.get("workspaces") {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(Value::Object(o)) => o
            .get("packages")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    let is_member =
        |k: &str| !k.contains("node_modules/") && patterns.iter().any(|p| glob_match(p, k));
    let exists = |c: &str| packages.contains_key(c);

    // Direct dependencies of the root and of each workspace member.
    let mut importers: Vec<(&str, &Map<String, Value>)> = vec![("", root)];
    for (k, v) in packages {
        if let Some(o) = v.as_object().filter(|_| !k.is_empty() && is_member(k)) {
            importers.push((k.as_str(), o));
            lock.root.workspaces.push(WorkspaceMember {
                path: k.clone(),
                name: str_field(o, "name"),
                version: str_field(o, "version"),
            });
        }
    }
    for (importer, obj) in importers {
        for (field, dev, optional, peer) in [
            ("dependencies", false, false, false),
            ("devDependencies", true, false, false),
            ("optionalDependencies", false, true, false),
            ("peerDependencies", false, false, true),
        ] {
            for (name, spec) in dep_names(obj, field) {
                lock.root.direct.push(DirectDep {
                    name: name.clone(),
                    spec: spec.as_str().map(str::to_owned),
                    dev,
                    optional,
                    peer,
                    target: resolve(importer, name, exists),
                    importer: importer.to_owned(),
                });
            }
        }
    }

    for (key, value) in packages {
        let Some(installed) = install_name(key) else {
            continue;
        };
        let Some(entry) = value.as_object() else {
            continue;
        };
        let link = bool_field(entry, "link");
        let resolved = str_field(entry, "resolved");
        // A link's metadata lives at its target (`packages/a`, `local`).
        let (meta, meta_key) = match (&resolved, link) {
            (Some(target), true) => (
                packages
                    .get(target.as_str())
                    .and_then(Value::as_object)
                    .unwrap_or(entry),
                target.as_str(),
            ),
            _ => (entry, key.as_str()),
        };
        let name = str_field(meta, "name").unwrap_or_else(|| installed.to_owned());
        let alias = (name != installed).then(|| installed.to_owned());
        let source = if link {
            let target = resolved.clone().unwrap_or_default();
            if is_member(&target) {
                DepSource::Workspace { path: target }
            } else {
                DepSource::Link { path: target }
            }
        } else {
            source_of_resolved(resolved.as_deref())
        };
        let mut dependencies = Vec::new();
        if !matches!(source, DepSource::Workspace { .. }) {
            for field in ["dependencies", "optionalDependencies", "peerDependencies"] {
                for (dep, _) in dep_names(meta, field) {
                    if let Some(t) = resolve(meta_key, dep, exists) {
                        dependencies.push((dep.clone(), t));
                    }
                }
            }
        }
        let dev_optional = bool_field(entry, "devOptional");
        lock.packages.push(LockedPackage {
            id: key.clone(),
            name,
            version: str_field(meta, "version").unwrap_or_default(),
            resolved: if link { None } else { resolved },
            integrity: str_field(entry, "integrity"),
            source,
            dev: bool_field(entry, "dev"),
            optional: bool_field(entry, "optional") || dev_optional,
            line: lines.get(&["packages", key]),
            install_path: Some(key.clone()),
            dependencies,
            alias,
            descriptors: Vec::new(),
            hashes: Vec::new(),
            os: crate::platform_list(meta.get("os")),
            cpu: crate::platform_list(meta.get("cpu")),
            libc: crate::platform_list(meta.get("libc")),
            has_install_script: bool_field(entry, "hasInstallScript"),
        });
    }
}

/// lockfileVersion 1: nested `dependencies`; returns packages with their `requires` names.
fn read_v1(
    deps: &Map<String, Value>,
    parent: &str,
    key_path: &mut Vec<String>,
    lines: &KeyLines,
    out: &mut Vec<(LockedPackage, Vec<String>)>,
) {
    // Nesting is bounded by serde_json's recursion limit on the same document.
    for (installed, value) in deps {
        let Some(entry) = value.as_object() else {
            continue;
        };
        let id = if parent.is_empty() {
            format!("node_modules/{installed}")
        } else {
            format!("{parent}/node_modules/{installed}")
        };
        let raw_version = str_field(entry, "version").unwrap_or_default();
        let resolved = str_field(entry, "resolved");
        let (name, version, alias, source) = match crate::classify_spec(&raw_version) {
            crate::SpecKind::Alias { name, range } => (
                name,
                range,
                Some(installed.clone()),
                source_of_resolved(resolved.as_deref()),
            ),
            crate::SpecKind::Git { url } => (
                installed.clone(),
                raw_version.clone(),
                None,
                DepSource::Git { url },
            ),
            crate::SpecKind::Http { url } => (
                installed.clone(),
                raw_version.clone(),
                None,
                DepSource::Http { url },
            ),
            crate::SpecKind::File { path } => (
                installed.clone(),
                raw_version.clone(),
                None,
                DepSource::File { path },
            ),
            crate::SpecKind::Link { path } => (
                installed.clone(),
                raw_version.clone(),
                None,
                DepSource::Link { path },
            ),
            _ => (
                installed.clone(),
                raw_version.clone(),
                None,
                source_of_resolved(resolved.as_deref()),
            ),
        };
        key_path.push(installed.clone());
        let line = {
            let refs: Vec<&str> = key_path.iter().map(String::as_str).collect();
            lines.get(&refs)
        };
        let requires = dep_names(entry, "requires")
            .map(|(n, _)| n.clone())
            .collect();
        out.push((
            LockedPackage {
                id: id.clone(),
                name,
                version,
                resolved,
                integrity: str_field(entry, "integrity"),
                source,
                dev: bool_field(entry, "dev"),
                optional: bool_field(entry, "optional"),
                line,
                install_path: Some(id.clone()),
                dependencies: Vec::new(),
                alias,
                descriptors: Vec::new(),
                hashes: Vec::new(),
                os: Vec::new(),
                cpu: Vec::new(),
                libc: Vec::new(),
                has_install_script: false,
            },
            requires,
        ));
        if let Some(nested) = entry.get("dependencies").and_then(Value::as_object) {
            key_path.push("dependencies".to_owned());
            read_v1(nested, &id, key_path, lines, out);
            key_path.pop();
        }
        key_path.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::{glob_match, resolve};

    #[test]
    fn globs() {
        assert!(glob_match("packages/*", "packages/a"));
        assert!(!glob_match("packages/*", "packages/a/b"));
        assert!(glob_match("./apps/**", "apps/x/y"));
        assert!(glob_match("tools", "tools"));
        assert!(!glob_match("packages/*", "node_modules/a"));
    }

    #[test]
    fn node_resolution_prefers_nearest() {
        let have = [
            "node_modules/a/node_modules/b",
            "node_modules/b",
            "node_modules/c",
        ];
        let exists = |c: &str| have.contains(&c);
        assert_eq!(
            resolve("node_modules/a", "b", exists).as_deref(),
            Some("node_modules/a/node_modules/b")
        );
        assert_eq!(
            resolve("node_modules/a/node_modules/b", "c", exists).as_deref(),
            Some("node_modules/c")
        );
        assert_eq!(
            resolve("packages/x", "b", exists).as_deref(),
            Some("node_modules/b")
        );
        assert_eq!(resolve("", "zzz", exists), None);
    }
}
