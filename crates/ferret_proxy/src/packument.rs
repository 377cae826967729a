//! The registry protocol, pure: which request a path is, and the packument rewrite —
//! blocked versions removed (from `versions` and `time`), dist-tags that pointed at one
//! repointed to the highest remaining version, tarball URLs pointed at the proxy.

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

/// Removes `blocked` versions; repoints dist-tags that named one to the highest remaining
/// version (or drops them when none remains). Returns the versions removed.
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
        let stale: Vec<String> = tags
            .iter()
            .filter(|(_, v)| v.as_str().is_some_and(|v| blocked.contains(v)))
            .map(|(k, _)| k.clone())
            .collect();
        for tag in stale {
            match &best {
                Some(b) => {
                    tags.insert(tag, Value::from(b.clone()));
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
