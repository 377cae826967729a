//! Package specs (`npm:express@4.21.2`, `@scope/x@^1`) and picking a version from a
//! packument with npm's semantics (`npm-pick-manifest`): an exact version, a dist-tag, or a
//! range, where the `latest` tag wins whenever it satisfies the range.

use crate::RegistryError;
use nodejs_semver::{Range, Version};
use serde_json::Value;

/// Splits `npm:express@4.21.2`, `express@4.21.2`, `@scope/x@1`, `express`, `npm:@scope/x`
/// into the name and the optional version spec. `None` when the name is not a valid npm
/// name (so `./dir` or `a/b` are not specs). Callers check for an existing path first: a
/// file name like `left-pad-1.3.0.tgz` is also a syntactically valid package name.
pub fn parse_spec(input: &str) -> Option<(String, Option<String>)> {
    let s = input.trim();
    let s = s.strip_prefix("npm:").unwrap_or(s);
    // The version separator is the first `@` after a scope's leading `@`.
    let search_from = usize::from(s.starts_with('@'));
    let (name, spec) = match s[search_from..].find('@') {
        Some(i) => {
            let (name, spec) = s.split_at(search_from + i);
            (name, Some(&spec[1..]))
        }
        None => (s, None),
    };
    validate_name(name).ok()?;
    let spec = spec
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned);
    Some((name.to_owned(), spec))
}

/// Checks a package name is one the registry could serve, and safe to put in a URL path:
/// an optional `@scope/` and a name of `[A-Za-z0-9._~-]`, not starting with `.` or `_`, at
/// most 214 characters (npm's limit). Uppercase is allowed: old packages have it.
pub fn validate_name(name: &str) -> Result<(), RegistryError> {
    let invalid = || RegistryError::InvalidName {
        name: name.to_owned(),
    };
    let part_ok = |p: &str| {
        !p.is_empty()
            && !p.starts_with('.')
            && !p.starts_with('_')
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'~' | b'-'))
    };
    if name.len() > 214 {
        return Err(invalid());
    }
    let ok = match name.strip_prefix('@') {
        Some(scoped) => scoped
            .split_once('/')
            .is_some_and(|(scope, pkg)| part_ok(scope) && part_ok(pkg)),
        None => part_ok(name),
    };
    if ok { Ok(()) } else { Err(invalid()) }
}

/// Picks the version `spec` means in a packument: `None` → `dist-tags.latest`; an exact
/// version; a dist-tag; or a range → `latest` if it satisfies, else the highest satisfying
/// version that is not deprecated, else the highest satisfying one.
pub fn resolve_version(
    packument: &Value,
    name: &str,
    spec: Option<&str>,
) -> Result<String, RegistryError> {
    let not_found = |spec: &str| RegistryError::VersionNotFound {
        name: name.to_owned(),
        spec: spec.to_owned(),
    };
    let versions = packument
        .get("versions")
        .and_then(Value::as_object)
        .ok_or_else(|| not_found(spec.unwrap_or("latest")))?;
    let tag = |t: &str| {
        packument
            .get("dist-tags")
            .and_then(|tags| tags.get(t))
            .and_then(Value::as_str)
            .filter(|v| versions.contains_key(*v))
            .map(str::to_owned)
    };
    let spec = spec.map(str::trim).filter(|s| !s.is_empty());
    let Some(spec) = spec else {
        return tag("latest").ok_or_else(|| not_found("latest"));
    };
    if versions.contains_key(spec) {
        return Ok(spec.to_owned());
    }
    if let Some(v) = tag(spec) {
        return Ok(v);
    }
    let range = Range::parse(spec).map_err(|_| not_found(spec))?;
    if let Some(latest) = tag("latest")
        && Version::parse(&latest).is_ok_and(|v| v.satisfies(&range))
    {
        return Ok(latest);
    }
    let mut candidates: Vec<(bool, Version, &String)> = versions
        .iter()
        .filter_map(|(key, doc)| {
            let v = Version::parse(key).ok()?;
            let deprecated = doc
                .get("deprecated")
                .is_some_and(|d| d.as_str() != Some(""));
            v.satisfies(&range).then_some((!deprecated, v, key))
        })
        .collect();
    // Not deprecated first, then highest version.
    candidates.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    candidates
        .pop()
        .map(|(_, _, key)| key.clone())
        .ok_or_else(|| not_found(spec))
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests: a panic is a failure")]
mod tests {
    use super::*;
    use serde_json::json;

    fn p(s: &str) -> Option<(String, Option<String>)> {
        parse_spec(s)
    }

    fn some(name: &str, spec: Option<&str>) -> Option<(String, Option<String>)> {
        Some((name.to_owned(), spec.map(str::to_owned)))
    }

    #[test]
    fn specs() {
        assert_eq!(p("npm:express@4.21.2"), some("express", Some("4.21.2")));
        assert_eq!(p("express@4.21.2"), some("express", Some("4.21.2")));
        assert_eq!(p("@scope/x@1"), some("@scope/x", Some("1")));
        assert_eq!(p("express"), some("express", None));
        assert_eq!(p("npm:@scope/x"), some("@scope/x", None));
        assert_eq!(p("express@^4 || ^5"), some("express", Some("^4 || ^5")));
        assert_eq!(p("express@"), some("express", None));
        assert_eq!(p("JSONStream@latest"), some("JSONStream", Some("latest")));
        for bad in [
            "", "npm:", "./dir", "a/b", "@scope", "@scope/", "@/x", ".hidden", "_x", "../x", "x y",
            "x?y", "@s/x/y",
        ] {
            assert_eq!(p(bad), None, "{bad}");
        }
    }

    fn doc() -> Value {
        json!({
            "dist-tags": {"latest": "1.2.0", "next": "2.0.0-beta.1"},
            "versions": {
                "1.0.0": {}, "1.2.0": {}, "1.3.0": {"deprecated": "broken"},
                "1.2.5": {}, "2.0.0-beta.1": {}, "0.9.0": {}
            }
        })
    }

    #[test]
    fn resolves_like_npm() {
        let d = doc();
        let r = |s: Option<&str>| resolve_version(&d, "x", s).map_err(|e| e.to_string());
        assert_eq!(r(None).unwrap(), "1.2.0");
        assert_eq!(r(Some("1.0.0")).unwrap(), "1.0.0");
        assert_eq!(r(Some("next")).unwrap(), "2.0.0-beta.1");
        // latest satisfies ^1 so it wins over the higher 1.2.5 (npm-pick-manifest).
        assert_eq!(r(Some("^1")).unwrap(), "1.2.0");
        // latest does not satisfy; 1.3.0 is deprecated, so 1.2.5.
        assert_eq!(r(Some(">1.2.0")).unwrap(), "1.2.5");
        assert_eq!(r(Some("~0.9")).unwrap(), "0.9.0");
        assert_eq!(r(Some("1.0.0 - 1.1.0 || 0.x")).unwrap(), "1.0.0");
        // Prereleases are not picked by a plain range.
        assert_eq!(r(Some(">=2.0.0-alpha <3")).unwrap(), "2.0.0-beta.1");
        assert!(
            r(Some("^3"))
                .unwrap_err()
                .contains("no version matches `^3`")
        );
        assert!(r(Some("nonsense tag")).is_err());
    }

    #[test]
    fn only_deprecated_candidates_still_resolve() {
        let d = json!({"dist-tags": {}, "versions": {"1.0.0": {"deprecated": "x"}}});
        assert_eq!(resolve_version(&d, "x", Some("^1")).unwrap(), "1.0.0");
        assert!(resolve_version(&d, "x", None).is_err());
    }
}
