//! The registry protocol, pure: which request a path is, which versions a client is likely
//! to resolve (the ones worth inspecting before a packument is answered), and the packument
//! rewrite — blocked versions removed (from `versions` and `time`), dist-tags that pointed at
//! one repointed to the highest remaining version below it, tarball URLs pointed at the proxy.

use nodejs_semver::Version;
use serde_json::Value;
use std::collections::BTreeSet;

/// What a GET path asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `/name`, `/@scope/name`, `/@scope%2fname`.
    Packument { name: String },
    /// `/name/-/file.tgz`, `/@scope/name/-/file.tgz`.
    Tarball { name: String, version: String },
    /// `/-/ping`.
    Ping,
}

/// Parses a request path (percent-encoded as received). `None`: not a registry read.
pub fn route(path: &str) -> Option<Route> {
    let path = path.split('?').next().unwrap_or(path);
    let path = path.strip_prefix('/')?;
    if path == "-/ping" {
        return Some(Route::Ping);
    }
    if path.starts_with("-/") || path.is_empty() {
        return None;
    }
    let decoded = path
        .replace("%2f", "/")
        .replace("%2F", "/")
        .replace("%40", "@");
    if let Some((name, file)) = decoded.split_once("/-/") {
        let name = valid_name(name)?;
        let version = version_from_file(&name, file)?;
        return Some(Route::Tarball { name, version });
    }
    let name = decoded.trim_end_matches('/');
    Some(Route::Packument {
        name: valid_name(name)?,
    })
}

fn valid_name(name: &str) -> Option<String> {
    ferret_registry::validate_name(name).ok()?;
    Some(name.to_owned())
}

/// `name-1.2.3.tgz` (basename of the package name) → `1.2.3`.
fn version_from_file(name: &str, file: &str) -> Option<String> {
    let base = name.rsplit('/').next().unwrap_or(name);
    let version = file
        .strip_prefix(base)?
        .strip_prefix('-')?
        .strip_suffix(".tgz")?;
    (!version.is_empty() && !version.contains('/')).then(|| version.to_owned())
}

/// Where the proxy serves a version's tarball, relative to its base URL.
pub fn tarball_path(name: &str, version: &str) -> String {
    let base = name.rsplit('/').next().unwrap_or(name);
    format!("{name}/-/{base}-{version}.tgz")
}

/// The upstream URL of a packument: scoped names as `@scope%2fname`, as npm requests them.
pub fn packument_url(registry: &str, name: &str) -> String {
    format!("{registry}{}", name.replace('/', "%2f"))
}

/// Every version with its `dist` object, in document order.
pub fn versions(doc: &Value) -> Vec<(String, Value)> {
    doc.get("versions")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(v, d)| (v.clone(), d.get("dist").cloned().unwrap_or(Value::Null)))
                .collect()
        })
        .unwrap_or_default()
}

/// The `latest` dist-tag, when it names a version of the document.
pub fn latest(doc: &Value) -> Option<String> {
    let v = doc.pointer("/dist-tags/latest")?.as_str()?;
    doc.get("versions")?.get(v)?;
    Some(v.to_owned())
}

/// The highest version (releases before prereleases) among `candidates`.
pub fn highest<'a>(candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    candidates
        .filter_map(|v| Version::parse(v).ok().map(|p| (!p.is_prerelease(), p, v)))
        .max_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)))
        .map(|(_, _, v)| v.to_owned())
}

/// Ordering key: releases above prereleases, then semver.
fn rank(v: &Version) -> (bool, &Version) {
    (!v.is_prerelease(), v)
}

/// The versions a client is most likely to resolve, most likely first, at most `max`: the
/// targets of the dist-tags (`latest` first — npm takes it whenever it satisfies the range),
/// then the highest release of each major line, highest line first (`^1.2.0` resolves to
/// the top of line 1 when `latest` is 2.x). Versions that do not parse as semver are never
/// candidates (npm cannot resolve a range to them either).
pub fn candidates(doc: &Value, max: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let Some(versions) = doc.get("versions").and_then(Value::as_object) else {
        return out;
    };
    let push = |v: &str, out: &mut Vec<String>| {
        if out.len() < max
            && versions.contains_key(v)
            && Version::parse(v).is_ok()
            && !out.iter().any(|o| o == v)
        {
            out.push(v.to_owned());
        }
    };
    if let Some(l) = latest(doc) {
        push(&l, &mut out);
    }
    if let Some(tags) = doc.get("dist-tags").and_then(Value::as_object) {
        for target in tags.values().filter_map(Value::as_str) {
            push(target, &mut out);
        }
    }
    // Highest release per major line; a line of prereleases only is not a candidate.
    let mut lines: std::collections::BTreeMap<u64, (Version, &str)> =
        std::collections::BTreeMap::new();
    for (p, v) in versions
        .keys()
        .filter_map(|v| Version::parse(v).ok().map(|p| (p, v.as_str())))
    {
        if p.is_prerelease() {
            continue;
        }
        match lines.get(&p.major()) {
            Some((top, _)) if *top >= p => {}
            _ => {
                lines.insert(p.major(), (p, v));
            }
        }
    }
    for (_, v) in lines.values().rev() {
        push(v, &mut out);
    }
    out
}

/// The version a client falls back to when `blocked` is removed: the highest version below
/// it in the same major line that is not in `exclude` (releases before prereleases).
pub fn next_lower(doc: &Value, blocked: &str, exclude: &BTreeSet<String>) -> Option<String> {
    let b = Version::parse(blocked).ok()?;
    doc.get("versions")?
        .as_object()?
        .keys()
        .filter(|v| !exclude.contains(*v))
        .filter_map(|v| Version::parse(v).ok().map(|p| (p, v)))
        .filter(|(p, _)| p.major() == b.major() && *p < b)
        .max_by(|x, y| rank(&x.0).cmp(&rank(&y.0)))
        .map(|(_, v)| v.clone())
}

/// Removes `blocked` versions; repoints dist-tags that named one to the highest remaining
/// version below it (so `latest` moves down its own line, where the inspection checked the
/// next lower version, rather than up to another line), else the highest remaining version,
/// or drops them when none remains. Returns the versions removed.
pub fn remove_versions(doc: &mut Value, blocked: &BTreeSet<String>) -> Vec<String> {
    let mut removed = Vec::new();
    if let Some(versions) = doc.get_mut("versions").and_then(Value::as_object_mut) {
        for v in blocked {
            if versions.remove(v).is_some() {
                removed.push(v.clone());
            }
        }
    }
    if removed.is_empty() {
        return removed;
    }
    if let Some(time) = doc.get_mut("time").and_then(Value::as_object_mut) {
        for v in &removed {
            time.remove(v);
        }
    }
    let remaining: Vec<String> = doc
        .get("versions")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let best = highest(remaining.iter().map(String::as_str));
    if let Some(tags) = doc.get_mut("dist-tags").and_then(Value::as_object_mut) {
        let stale: Vec<(String, String)> = tags
            .iter()
            .filter_map(|(k, v)| {
                let v = v.as_str()?;
                blocked.contains(v).then(|| (k.clone(), v.to_owned()))
            })
            .collect();
        for (tag, old) in stale {
            let below = Version::parse(&old).ok().and_then(|o| {
                highest(
                    remaining
                        .iter()
                        .map(String::as_str)
                        .filter(|r| Version::parse(r).is_ok_and(|r| r < o)),
                )
            });
            match below.or_else(|| best.clone()) {
                Some(b) => {
                    tags.insert(tag, Value::from(b));
                }
                None => {
                    tags.remove(&tag);
                }
            }
        }
    }
    removed
}

/// Points every version's `dist.tarball` at the proxy (`base` ends with `/`).
pub fn rewrite_tarballs(doc: &mut Value, base: &str, name: &str) {
    let Some(versions) = doc.get_mut("versions").and_then(Value::as_object_mut) else {
        return;
    };
    for (version, vdoc) in versions.iter_mut() {
        if let Some(dist) = vdoc.get_mut("dist").and_then(Value::as_object_mut) {
            dist.insert(
                "tarball".to_owned(),
                Value::from(format!("{base}{}", tarball_path(name, version))),
            );
        }
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests unwrap on inputs they wrote")]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn routes() {
        assert_eq!(
            route("/left-pad"),
            Some(Route::Packument {
                name: "left-pad".into()
            })
        );
        assert_eq!(
            route("/@ferret-fixtures%2fproxy-mixed"),
            Some(Route::Packument {
                name: "@ferret-fixtures/proxy-mixed".into()
            })
        );
        assert_eq!(
            route("/@a/b/-/b-1.0.0-beta.1.tgz"),
            Some(Route::Tarball {
                name: "@a/b".into(),
                version: "1.0.0-beta.1".into()
            })
        );
        assert_eq!(route("/-/ping"), Some(Route::Ping));
        assert_eq!(route("/-/npm/v1/security/audits"), None);
        assert_eq!(route("/x/-/other-1.0.0.tgz"), None);
        assert_eq!(route("/../etc/passwd"), None);
        assert_eq!(route("/"), None);
    }

    #[test]
    fn blocked_latest_is_repointed_to_the_highest_safe_version() {
        let mut doc = json!({
            "name": "m",
            "dist-tags": {"latest": "1.1.0", "next": "2.0.0-rc.1"},
            "versions": {
                "1.0.0": {"dist": {"tarball": "http://up/m/-/m-1.0.0.tgz"}},
                "1.0.5": {"dist": {}},
                "1.1.0": {"dist": {}},
                "2.0.0-rc.1": {"dist": {}}
            },
            "time": {"1.0.0": "t", "1.1.0": "t"}
        });
        let blocked: BTreeSet<String> = ["1.1.0".to_owned(), "9.9.9".to_owned()].into();
        assert_eq!(remove_versions(&mut doc, &blocked), vec!["1.1.0"]);
        assert_eq!(doc["dist-tags"]["latest"], "1.0.5");
        assert_eq!(doc["dist-tags"]["next"], "2.0.0-rc.1");
        assert!(doc["versions"].get("1.1.0").is_none());
        assert!(doc["time"].get("1.1.0").is_none());
        rewrite_tarballs(&mut doc, "http://127.0.0.1:9/", "m");
        assert_eq!(
            doc["versions"]["1.0.0"]["dist"]["tarball"],
            "http://127.0.0.1:9/m/-/m-1.0.0.tgz"
        );
    }

    #[test]
    fn candidates_are_tag_targets_then_the_top_of_each_major_line() {
        let doc = json!({
            "dist-tags": {"beta": "3.0.0-beta.2", "latest": "2.1.0", "gone": "9.9.9"},
            "versions": {
                "0.9.0": {}, "1.0.0": {}, "1.2.0": {}, "1.10.0": {}, "2.0.0": {}, "2.1.0": {},
                "3.0.0-beta.2": {}, "not-semver": {}
            }
        });
        assert_eq!(
            candidates(&doc, 8),
            vec!["2.1.0", "3.0.0-beta.2", "1.10.0", "0.9.0"]
        );
        assert_eq!(candidates(&doc, 2), vec!["2.1.0", "3.0.0-beta.2"]);
        let none = BTreeSet::new();
        assert_eq!(next_lower(&doc, "1.10.0", &none).as_deref(), Some("1.2.0"));
        let skip: BTreeSet<String> = ["1.2.0".to_owned()].into();
        assert_eq!(next_lower(&doc, "1.10.0", &skip).as_deref(), Some("1.0.0"));
        assert_eq!(next_lower(&doc, "0.9.0", &none), None);
        assert_eq!(next_lower(&doc, "not-semver", &none), None);
    }

    #[test]
    fn a_blocked_latest_moves_down_its_line_not_up_to_another() {
        let mut doc = json!({
            "dist-tags": {"latest": "1.5.0"},
            "versions": {"1.4.0": {}, "1.5.0": {}, "2.0.0": {}}
        });
        remove_versions(&mut doc, &["1.5.0".to_owned()].into());
        assert_eq!(doc["dist-tags"]["latest"], "1.4.0");
        let mut doc = json!({
            "dist-tags": {"latest": "1.0.0"},
            "versions": {"1.0.0": {}, "2.0.0": {}}
        });
        remove_versions(&mut doc, &["1.0.0".to_owned()].into());
        assert_eq!(doc["dist-tags"]["latest"], "2.0.0");
    }

    #[test]
    fn tags_are_dropped_when_every_version_is_blocked() {
        let mut doc = json!({"dist-tags": {"latest": "1.0.0"}, "versions": {"1.0.0": {}}});
        remove_versions(&mut doc, &["1.0.0".to_owned()].into());
        assert!(doc["dist-tags"].as_object().unwrap().is_empty());
    }

    #[test]
    fn hostile_shapes_do_not_panic() {
        for doc in [
            json!(null),
            json!([]),
            json!({"versions": 3, "dist-tags": "x"}),
        ] {
            let mut d = doc.clone();
            remove_versions(&mut d, &["1".to_owned()].into());
            rewrite_tarballs(&mut d, "http://x/", "n");
            assert!(versions(&d).is_empty());
            assert_eq!(latest(&d), None);
        }
    }
}
