//! `bun.lock`, bun's text lockfile (JSONC: trailing commas allowed). `packages` maps an
//! install key (`odd`, `odd/is-number`, `@ws/b/is-number`) to an array
//! `[ident, registry-url, {dependencies…}, integrity]` (registry), `[ident, {…}, integrity]`
//! (tarball URL), `[ident, {…}, commit]` (git), `[ident, {…}]` (file/link) or `[ident]`
//! (workspace member). `workspaces` holds the root's and each member's direct dependencies.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::json_lines::{KeyLines, strip_jsonc};
use crate::{
    DepSource, DirectDep, ExtractError, Format, LockedPackage, Lockfile, SpecKind, WorkspaceMember,
    classify_spec, split_name_at,
};

pub(crate) fn parse(path: &str, text: &str) -> Result<Lockfile, ExtractError> {
    let doc: Value = serde_json::from_str(&strip_jsonc(text)).map_err(|e| {
        ExtractError::syntax(path, u32::try_from(e.line()).unwrap_or(0), e.to_string())
    })?;
    let Some(doc) = doc.as_object() else {
        return Err(ExtractError::syntax(path, 1, "expected a JSON object"));
    };
    let version = doc
        .get("lockfileVersion")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let mut lock = Lockfile::new(
        path,
        Format::Bun {
            version: u32::try_from(version).unwrap_or(u32::MAX),
        },
    );
    let empty = Map::new();
    let packages = doc
        .get("packages")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let lines = KeyLines::scan(text, &["packages"]);
    let exists = |k: &str| packages.contains_key(k);

    // Workspace member name → path, to resolve a member's own nested keys (`@ws/b/x`).
    let mut member_key: HashMap<String, String> = HashMap::new();
    for (key, value) in packages {
        let Some(arr) = value.as_array() else {
            return Err(ExtractError::syntax(
                path,
                lines.get(&["packages", key]),
                format!("package `{key}` is not an array"),
            ));
        };
        let Some(ident) = arr.first().and_then(Value::as_str) else {
            return Err(ExtractError::syntax(
                path,
                lines.get(&["packages", key]),
                format!("package `{key}` has no identifier"),
            ));
        };
        let Some((name, reference)) = split_name_at(ident) else {
            return Err(ExtractError::syntax(
                path,
                lines.get(&["packages", key]),
                format!("no package name in `{ident}`"),
            ));
        };
        let meta = arr
            .iter()
            .skip(1)
            .find_map(Value::as_object)
            .unwrap_or(&empty);
        let installed = segments(key).last().copied().unwrap_or(name);
        let (source, version, resolved, integrity) = match classify_spec(reference) {
            SpecKind::Workspace { spec } => {
                let p = spec.trim_start_matches("workspace:").to_owned();
                member_key.insert(p.clone(), key.clone());
                (
                    DepSource::Workspace { path: p },
                    meta_version(meta),
                    None,
                    None,
                )
            }
            SpecKind::Git { url } => (
                DepSource::Git { url: url.clone() },
                reference.to_owned(),
                Some(url),
                None,
            ),
            SpecKind::Http { url } => (
                DepSource::Http { url: url.clone() },
                reference.to_owned(),
                Some(url),
                last_integrity(arr),
            ),
            SpecKind::File { path } => (DepSource::File { path }, reference.to_owned(), None, None),
            SpecKind::Link { path } => (DepSource::Link { path }, reference.to_owned(), None, None),
            _ => {
                let registry = arr
                    .get(1)
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned);
                (
                    DepSource::Registry,
                    reference.to_owned(),
                    registry,
                    last_integrity(arr),
                )
            }
        };
        let mut dependencies = Vec::new();
        for f in ["dependencies", "optionalDependencies", "peerDependencies"] {
            for (dep, _) in meta.get(f).and_then(Value::as_object).into_iter().flatten() {
                if let Some(t) = resolve(key, dep, exists) {
                    dependencies.push((dep.clone(), t));
                }
            }
        }
        lock.packages.push(LockedPackage {
            id: key.clone(),
            name: name.to_owned(),
            version,
            resolved,
            integrity,
            source,
            dev: false,
            optional: meta
                .get("optional")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            line: lines.get(&["packages", key]),
            install_path: Some(key.clone()),
            dependencies,
            alias: (installed != name).then(|| installed.to_owned()),
            descriptors: Vec::new(),
            hashes: Vec::new(),
            os: crate::platform_list(meta.get("os")),
            cpu: crate::platform_list(meta.get("cpu")),
            libc: crate::platform_list(meta.get("libc")),
            has_install_script: false,
        });
    }

    for (ws_path, ws) in doc
        .get("workspaces")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let Some(ws) = ws.as_object() else { continue };
        let name = ws.get("name").and_then(Value::as_str).map(str::to_owned);
        if ws_path.is_empty() {
            lock.root.name.clone_from(&name);
            lock.root.version = ws.get("version").and_then(Value::as_str).map(str::to_owned);
        } else {
            lock.root.workspaces.push(WorkspaceMember {
                path: ws_path.clone(),
                name,
                version: ws.get("version").and_then(Value::as_str).map(str::to_owned),
            });
        }
        let from = member_key.get(ws_path).cloned().unwrap_or_default();
        for (field, dev, optional, peer) in [
            ("dependencies", false, false, false),
            ("devDependencies", true, false, false),
            ("optionalDependencies", false, true, false),
            ("peerDependencies", false, false, true),
        ] {
            for (n, spec) in ws
                .get(field)
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                lock.root.direct.push(DirectDep {
                    name: n.clone(),
                    spec: spec.as_str().map(str::to_owned),
                    dev,
                    optional,
                    peer,
                    target: resolve(&from, n, exists),
                    importer: ws_path.clone(),
                });
            }
        }
    }
    Ok(lock)
}

fn meta_version(meta: &Map<String, Value>) -> String {
    meta.get("version")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn last_integrity(arr: &[Value]) -> Option<String> {
    arr.iter()
        .rev()
        .filter_map(Value::as_str)
        .find(|s| s.starts_with("sha"))
        .map(str::to_owned)
}

/// `odd/@s/x/is-number` → [`odd`, `@s/x`, `is-number`].
fn segments(key: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = key;
    while !rest.is_empty() {
        let take = if rest.starts_with('@') {
            rest.match_indices('/')
                .nth(1)
                .map_or(rest.len(), |(i, _)| i)
        } else {
            rest.find('/').unwrap_or(rest.len())
        };
        out.push(&rest[..take]);
        rest = rest.get(take + 1..).unwrap_or("");
    }
    out
}

/// Bun's hoisting: `from/name`, then each shorter prefix of `from`, then `name`.
fn resolve(from: &str, name: &str, exists: impl Fn(&str) -> bool) -> Option<String> {
    let segs = segments(from);
    for n in (0..=segs.len()).rev() {
        let candidate = if n == 0 {
            name.to_owned()
        } else {
            format!("{}/{name}", segs[..n].join("/"))
        };
        if exists(&candidate) {
            return Some(candidate);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{resolve, segments};

    #[test]
    fn keys() {
        assert_eq!(segments("odd/@s/x/is-number"), ["odd", "@s/x", "is-number"]);
        assert_eq!(segments("@types/node"), ["@types/node"]);
        let have = ["odd/is-number", "is-number", "odd"];
        let exists = |k: &str| have.contains(&k);
        assert_eq!(
            resolve("odd", "is-number", exists).as_deref(),
            Some("odd/is-number")
        );
        assert_eq!(
            resolve("x", "is-number", exists).as_deref(),
            Some("is-number")
        );
    }
}
