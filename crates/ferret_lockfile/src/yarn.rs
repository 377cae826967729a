//! `yarn.lock`: classic v1 (yarn's own indentation format, parsed here line by line) and Berry
//! (v2+, YAML with `__metadata`, parsed with serde-saphyr). Entries are keyed by the
//! descriptors they satisfy (`a@^1.0.0, a@^1.2.0`); edges are matched by descriptor.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use crate::yaml_lines::top_level_keys;
use crate::{
    DepSource, DirectDep, ExtractError, Format, LockedPackage, Lockfile, SpecKind, WorkspaceMember,
    classify_spec, split_name_at,
};

pub(crate) fn parse(path: &str, text: &str) -> Result<Lockfile, ExtractError> {
    let berry = text.lines().any(|l| l.starts_with("__metadata:"));
    if berry {
        parse_berry(path, text)
    } else {
        parse_classic(path, text)
    }
}

/// Source from the descriptor's spec when that is not a registry range, else from `resolved`.
fn source_of(spec: &str, resolved: Option<&str>) -> DepSource {
    match classify_spec(spec) {
        SpecKind::Git { url } => DepSource::Git { url },
        SpecKind::Http { url } => DepSource::Http { url },
        SpecKind::File { path } => DepSource::File { path },
        SpecKind::Link { path } => DepSource::Link { path },
        _ => crate::npm::source_of_resolved(resolved),
    }
}

/// Splits a key into its descriptors: `"a@1", a@^1` → [`a@1`, `a@^1`].
fn descriptors(key: &str) -> Vec<String> {
    key.split(", ")
        .map(|d| d.trim().trim_matches('"').to_owned())
        .filter(|d| !d.is_empty())
        .collect()
}

/// One token of a classic line: a quoted string (with `\"` escapes) or up to whitespace.
fn token(s: &str) -> (String, &str) {
    let s = s.trim_start();
    if let Some(rest) = s.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = rest.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, n)) = chars.next() {
                        out.push(n);
                    }
                }
                '"' => return (out, &rest[i + 1..]),
                _ => out.push(c),
            }
        }
        (out, "")
    } else {
        let end = s.find(char::is_whitespace).unwrap_or(s.len());
        (s[..end].to_owned(), &s[end..])
    }
}

struct ClassicEntry {
    key: String,
    line: u32,
    fields: BTreeMap<String, String>,
    deps: Vec<(String, String)>,
}

fn parse_classic(path: &str, text: &str) -> Result<Lockfile, ExtractError> {
    let mut entries: Vec<ClassicEntry> = Vec::new();
    let mut section: Option<String> = None;
    for (i, raw) in text.lines().enumerate() {
        let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let line = raw.trim_end();
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let indent = line.len() - line.trim_start_matches(' ').len();
        let body = line.trim_start();
        match indent {
            0 => {
                let Some(key) = body.strip_suffix(':') else {
                    return Err(ExtractError::syntax(
                        path,
                        line_no,
                        "expected an entry header ending in `:`",
                    ));
                };
                entries.push(ClassicEntry {
                    key: key.to_owned(),
                    line: line_no,
                    fields: BTreeMap::new(),
                    deps: Vec::new(),
                });
                section = None;
            }
            2 => {
                let Some(entry) = entries.last_mut() else {
                    return Err(ExtractError::syntax(
                        path,
                        line_no,
                        "field outside an entry",
                    ));
                };
                if let Some(name) = body.strip_suffix(':') {
                    section = Some(token(name).0);
                } else {
                    let (k, rest) = token(body);
                    let (v, _) = token(rest);
                    entry.fields.insert(k, v);
                    section = None;
                }
            }
            4 => {
                let (Some(entry), Some(sec)) = (entries.last_mut(), section.as_deref()) else {
                    return Err(ExtractError::syntax(
                        path,
                        line_no,
                        "unexpected indentation",
                    ));
                };
                let (k, rest) = token(body);
                let (v, _) = token(rest);
                if sec == "dependencies" || sec == "optionalDependencies" {
                    entry.deps.push((k, v));
                }
            }
            _ => {
                return Err(ExtractError::syntax(
                    path,
                    line_no,
                    "unexpected indentation",
                ));
            }
        }
    }
    let mut lock = Lockfile::new(path, Format::YarnClassic);
    let mut index: HashMap<String, String> = HashMap::new();
    for e in &mut entries {
        // The id is the descriptor list without quotes: `odd@npm:is-odd@3.0.1`.
        e.key = descriptors(&e.key).join(", ");
        for d in descriptors(&e.key) {
            index.insert(d, e.key.clone());
        }
    }
    for e in entries {
        let descs = descriptors(&e.key);
        let Some((installed, spec)) = descs.first().and_then(|d| split_name_at(d)) else {
            return Err(ExtractError::syntax(
                path,
                e.line,
                format!("no package name in `{}`", e.key),
            ));
        };
        let (name, alias) = match classify_spec(spec) {
            SpecKind::Alias { name, .. } => (name, Some(installed.to_owned())),
            _ => (installed.to_owned(), None),
        };
        let resolved = e.fields.get("resolved").cloned();
        let dependencies = e
            .deps
            .iter()
            .filter_map(|(n, r)| {
                index
                    .get(&format!("{n}@{r}"))
                    .map(|id| (n.clone(), id.clone()))
            })
            .collect();
        lock.packages.push(LockedPackage {
            id: e.key.clone(),
            source: source_of(spec, resolved.as_deref()),
            name,
            version: e.fields.get("version").cloned().unwrap_or_default(),
            resolved,
            integrity: e.fields.get("integrity").cloned(),
            dev: false,
            optional: false,
            line: e.line,
            install_path: None,
            dependencies,
            alias,
            descriptors: descs,
            hashes: Vec::new(),
            os: Vec::new(),
            cpu: Vec::new(),
            libc: Vec::new(),
            has_install_script: false,
        });
    }
    Ok(lock)
}

/// Berry writes plain ranges as `npm:^1.0.0`; a real alias has a name: `npm:x@^1`.
fn berry_spec(range: &str) -> String {
    match range.strip_prefix("npm:") {
        Some(rest) if !rest.contains('@') => rest.to_owned(),
        _ => range.to_owned(),
    }
}

/// `linked@link:./linked::locator=…` → `linked@link:./linked` (dependencies omit the locator).
fn strip_locator(d: &str) -> &str {
    d.split("::").next().unwrap_or(d)
}

fn parse_berry(path: &str, text: &str) -> Result<Lockfile, ExtractError> {
    let doc: BTreeMap<String, Value> = serde_saphyr::from_str(text).map_err(|e| {
        let line = e
            .location()
            .map_or(0, |l| u32::try_from(l.line()).unwrap_or(0));
        ExtractError::syntax(path, line, e.to_string())
    })?;
    let meta_version = doc
        .get("__metadata")
        .and_then(|m| m.get("version"))
        .and_then(|v| {
            v.as_u64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        });
    let mut lock = Lockfile::new(
        path,
        Format::YarnBerry {
            version: meta_version
                .and_then(|v| u32::try_from(v).ok())
                .unwrap_or(0),
        },
    );
    let lines = top_level_keys(text);
    let mut index: HashMap<String, String> = HashMap::new();
    for key in doc.keys().filter(|k| *k != "__metadata") {
        for d in descriptors(key) {
            index.insert(strip_locator(&d).to_owned(), key.clone());
            index.insert(d, key.clone());
        }
    }
    for (key, entry) in doc.iter().filter(|(k, _)| *k != "__metadata") {
        let Some(obj) = entry.as_object() else {
            return Err(ExtractError::syntax(
                path,
                lines.get(key).copied().unwrap_or(0),
                format!("entry `{key}` is not a mapping"),
            ));
        };
        let line = lines.get(key).copied().unwrap_or(0);
        let descs = descriptors(key);
        let resolution = obj
            .get("resolution")
            .and_then(Value::as_str)
            .unwrap_or(key.as_str());
        let Some((name, reference)) = split_name_at(resolution) else {
            return Err(ExtractError::syntax(
                path,
                line,
                format!("no package name in `{resolution}`"),
            ));
        };
        let installed = descs
            .first()
            .and_then(|d| split_name_at(d))
            .map_or(name, |(n, _)| n);
        let deps: Vec<(String, String)> = obj
            .get("dependencies")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(n, r)| r.as_str().map(|r| (n.clone(), r.to_owned())))
            .collect();
        let resolve = |n: &str, r: &str| index.get(&format!("{n}@{r}")).cloned();
        if let Some(ws_path) = reference.strip_prefix("workspace:") {
            // The root (`workspace:.`) and members: their dependencies are direct deps.
            let importer = if ws_path == "." {
                String::new()
            } else {
                ws_path.to_owned()
            };
            let optional_meta = obj.get("dependenciesMeta").and_then(Value::as_object);
            for (n, r) in &deps {
                let optional = optional_meta
                    .and_then(|m| m.get(n))
                    .and_then(|m| m.get("optional"))
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                lock.root.direct.push(DirectDep {
                    name: n.clone(),
                    spec: Some(berry_spec(r)),
                    dev: false,
                    optional,
                    peer: false,
                    target: resolve(n, r),
                    importer: importer.clone(),
                });
            }
            if importer.is_empty() {
                lock.root.name = Some(name.to_owned());
                continue;
            }
            lock.root.workspaces.push(WorkspaceMember {
                path: importer.clone(),
                name: Some(name.to_owned()),
                version: None,
            });
            lock.packages.push(LockedPackage {
                id: key.clone(),
                name: name.to_owned(),
                version: obj
                    .get("version")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                resolved: None,
                integrity: None,
                source: DepSource::Workspace { path: importer },
                dev: false,
                optional: false,
                line,
                install_path: None,
                dependencies: Vec::new(),
                alias: None,
                descriptors: descs,
                hashes: Vec::new(),
                os: Vec::new(),
                cpu: Vec::new(),
                libc: Vec::new(),
                has_install_script: false,
            });
            continue;
        }
        let spec = descs
            .first()
            .and_then(|d| split_name_at(d))
            .map_or("", |(_, s)| s);
        let source = match classify_spec(strip_locator(spec)) {
            SpecKind::Git { url } => DepSource::Git { url },
            SpecKind::Http { url } => DepSource::Http { url },
            SpecKind::File { path } => DepSource::File { path },
            SpecKind::Link { path } => DepSource::Link { path },
            _ => source_of(reference, None),
        };
        let dependencies = deps
            .iter()
            .filter_map(|(n, r)| resolve(n, r).map(|id| (n.clone(), id)))
            .collect();
        let version = match obj.get("version") {
            Some(Value::String(s)) => s.clone(),
            Some(v @ Value::Number(_)) => v.to_string(),
            _ => String::new(),
        };
        lock.packages.push(LockedPackage {
            id: key.clone(),
            name: name.to_owned(),
            version,
            resolved: Some(resolution.to_owned()),
            // Berry's `checksum` (`10c0/…`) hashes the zip yarn builds from the tarball, not
            // the tarball the registry serves: used as an integrity it made every Berry
            // package fail verification. The registry's version document supplies the real
            // integrity when the package is fetched.
            integrity: None,
            source,
            dev: false,
            optional: false,
            line,
            install_path: None,
            dependencies,
            alias: (installed != name).then(|| installed.to_owned()),
            descriptors: descs.iter().map(|d| strip_locator(d).to_owned()).collect(),
            hashes: Vec::new(),
            os: conditions(obj.get("conditions"), "os"),
            cpu: conditions(obj.get("conditions"), "cpu"),
            libc: conditions(obj.get("conditions"), "libc"),
            has_install_script: false,
        });
    }
    Ok(lock)
}

/// The values of `field` in a Berry `conditions:` line (`os=darwin & cpu=arm64`,
/// `(os=darwin | os=linux)`, `os!=win32`), in npm's list form: `darwin`, `!win32`.
fn conditions(line: Option<&Value>, field: &str) -> Vec<String> {
    let Some(line) = line.and_then(Value::as_str) else {
        return Vec::new();
    };
    let values = line
        .split(['&', '|'])
        .map(|t| t.trim().trim_matches(|c| c == '(' || c == ')').trim())
        .filter_map(|t| {
            let (key, value, negated) = match t.split_once("!=") {
                Some((k, v)) => (k, v, true),
                None => {
                    let (k, v) = t.split_once('=')?;
                    (k, v, false)
                }
            };
            (key.trim() == field).then(|| {
                let value = value.trim();
                if negated {
                    format!("!{value}")
                } else {
                    value.to_owned()
                }
            })
        })
        .collect::<Vec<_>>();
    crate::platform_list(Some(&Value::Array(
        values.into_iter().map(Value::String).collect(),
    )))
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::{berry_spec, conditions, descriptors, token};

    #[test]
    fn berry_conditions() {
        let line = Value::String("(os=darwin | os=linux) & cpu!=ia32 & libc=glibc".into());
        assert_eq!(conditions(Some(&line), "os"), ["darwin", "linux"]);
        assert_eq!(conditions(Some(&line), "cpu"), ["!ia32"]);
        assert_eq!(conditions(Some(&line), "libc"), ["glibc"]);
        assert!(conditions(None, "os").is_empty());
        assert!(conditions(Some(&Value::Bool(true)), "os").is_empty());
    }

    #[test]
    fn classic_tokens_and_descriptors() {
        assert_eq!(token(token("  version \"1.0.0\"").1).0, "1.0.0");
        assert_eq!(token("\"a\\\"b\" x").0, "a\"b");
        assert_eq!(
            descriptors("\"@s/a@^1\", \"@s/a@^1.2\""),
            ["@s/a@^1", "@s/a@^1.2"]
        );
        assert_eq!(berry_spec("npm:^6.0.0"), "^6.0.0");
        assert_eq!(berry_spec("npm:is-odd@3.0.1"), "npm:is-odd@3.0.1");
    }
}
