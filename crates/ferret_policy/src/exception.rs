//! Per-package exceptions: "this package may do this, because …". An exception names a
//! package (ecosystem, name, optionally versions), the rules it covers, the action their
//! alerts get instead (`ignore` unless said otherwise) and the reason, which is required so
//! every allowance in a policy file explains itself to the next reviewer.
//!
//! Each exception counts the alerts it changed, so a policy can report the ones that
//! matched nothing (a stale or mistyped exception is a hole nobody notices otherwise). The
//! counter is atomic so a policy can be applied from several threads.

use ferret_core::{Action, Ecosystem, PackageInfo};
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The packages an exception covers: one ecosystem and a name pattern where `*` matches
/// any run of characters (`@my-org/*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackagePattern {
    pub ecosystem: Ecosystem,
    /// As written, except that PyPI names are normalised (PEP 503: lower case, runs of
    /// `-`, `_` and `.` become `-`), so `Foo_Bar` covers `foo-bar`.
    pub name: String,
}

impl PackagePattern {
    /// Parses `[ecosystem:]name`; the ecosystem defaults to npm. The error is the message
    /// and, for an unknown ecosystem, a suggestion.
    pub(crate) fn parse(spec: &str) -> Result<Self, (String, Option<String>)> {
        let spec = spec.trim();
        // `@scope/name` has no ecosystem prefix; anything else with a `:` before the name has.
        let (ecosystem, name) = match spec.split_once(':') {
            Some((eco, name)) if !spec.starts_with('@') => {
                let ecosystem = match eco.to_ascii_lowercase().as_str() {
                    "npm" => Ecosystem::Npm,
                    "pypi" => Ecosystem::PyPI,
                    _ => {
                        let hint = crate::suggest(eco, ["npm", "pypi"]).map(str::to_string);
                        return Err((format!("unknown ecosystem `{eco}`"), hint));
                    }
                };
                (ecosystem, name)
            }
            _ => (Ecosystem::Npm, spec),
        };
        if name.is_empty() {
            return Err(("empty package name".to_string(), None));
        }
        if name
            .chars()
            .any(|c| c.is_whitespace() || c == '@' && !name.starts_with('@'))
            || name.contains(':')
        {
            return Err((
                format!("`{name}` is not a package name"),
                Some("write `ecosystem:name` without a version: `npm:esbuild`; put versions in `versions = [...]`".into()),
            ));
        }
        let name = match ecosystem {
            Ecosystem::Npm => name.to_string(),
            Ecosystem::PyPI => normalise_pypi(name),
        };
        Ok(Self { ecosystem, name })
    }

    pub fn matches(&self, ecosystem: Ecosystem, name: &str) -> bool {
        if self.ecosystem != ecosystem {
            return false;
        }
        match ecosystem {
            Ecosystem::Npm => glob(&self.name, name),
            Ecosystem::PyPI => glob(&self.name, &normalise_pypi(name)),
        }
    }
}

impl std::fmt::Display for PackagePattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.ecosystem, self.name)
    }
}

/// One `versions` entry.
#[derive(Debug, Clone)]
pub enum VersionMatcher {
    /// npm: an exact version or a range with npm's semantics (`0.25.*`, `^1.2`,
    /// `>=1 <2 || 3.x`); prereleases match only ranges that name a prerelease of the
    /// same version, as in npm.
    Npm {
        raw: String,
        range: nodejs_semver::Range,
    },
    /// PyPI: the exact version string (`*` matches any).
    Exact(String),
}

impl VersionMatcher {
    pub(crate) fn parse(ecosystem: Ecosystem, raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("empty version".into());
        }
        match ecosystem {
            Ecosystem::Npm => nodejs_semver::Range::parse(raw)
                .map(|range| VersionMatcher::Npm {
                    raw: raw.to_string(),
                    range,
                })
                .map_err(|_| format!("`{raw}` is neither a version nor an npm range")),
            Ecosystem::PyPI => Ok(VersionMatcher::Exact(raw.to_string())),
        }
    }

    pub fn matches(&self, version: &str) -> bool {
        match self {
            VersionMatcher::Npm { range, .. } => {
                nodejs_semver::Version::parse(version.trim()).is_ok_and(|v| v.satisfies(range))
            }
            VersionMatcher::Exact(v) => v == "*" || v == version.trim(),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            VersionMatcher::Npm { raw, .. } | VersionMatcher::Exact(raw) => raw,
        }
    }
}

/// One `[[exceptions]]` entry of a policy file.
#[derive(Debug)]
pub struct Exception {
    pub package: PackagePattern,
    /// Rule ids covered; `None` for `rule = "*"` (every rule).
    pub rules: Option<Vec<String>>,
    /// `None`: every version.
    pub versions: Option<Vec<VersionMatcher>>,
    pub reason: String,
    /// The action the covered alerts get.
    pub action: Action,
    /// Where the exception is written (byte span of its table, and 1-based line).
    pub span: Range<usize>,
    pub line: usize,
    hits: AtomicUsize,
}

impl Clone for Exception {
    fn clone(&self) -> Self {
        Self {
            package: self.package.clone(),
            rules: self.rules.clone(),
            versions: self.versions.clone(),
            reason: self.reason.clone(),
            action: self.action,
            span: self.span.clone(),
            line: self.line,
            hits: AtomicUsize::new(self.hits()),
        }
    }
}

impl Exception {
    pub(crate) fn new(
        package: PackagePattern,
        rules: Option<Vec<String>>,
        versions: Option<Vec<VersionMatcher>>,
        reason: String,
        action: Action,
        span: Range<usize>,
        line: usize,
    ) -> Self {
        Self {
            package,
            rules,
            versions,
            reason,
            action,
            span,
            line,
            hits: AtomicUsize::new(0),
        }
    }

    /// Whether this exception covers alerts of `rule` in `package`.
    pub fn covers(&self, package: &PackageInfo, rule: &str) -> bool {
        self.rules
            .as_ref()
            .is_none_or(|rules| rules.iter().any(|r| r == rule))
            && self.package.matches(package.ecosystem, &package.name)
            && self
                .versions
                .as_ref()
                .is_none_or(|vs| vs.iter().any(|v| v.matches(&package.version)))
    }

    /// How many alerts this exception has changed so far.
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::Relaxed)
    }

    pub(crate) fn hit(&self) {
        self.hits.fetch_add(1, Ordering::Relaxed);
    }

    /// One line naming the exception for warnings: `npm:esbuild (install-script) at line 7`.
    pub fn describe(&self) -> String {
        let rules = self
            .rules
            .as_ref()
            .map_or_else(|| "*".to_string(), |r| r.join(", "));
        let versions = self.versions.as_ref().map_or_else(String::new, |vs| {
            let list: Vec<&str> = vs.iter().map(VersionMatcher::as_str).collect();
            format!(" versions {}", list.join(", "))
        });
        format!("{}{versions} ({rules})", self.package)
    }
}

/// PEP 503 name normalisation.
fn normalise_pypi(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
            continue;
        }
        if sep && !out.is_empty() {
            out.push('-');
        }
        sep = false;
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// `*`-only glob, iterative with single-star backtracking: linear in practice, and the
/// pattern comes from the user's own policy file, the name from a package.
fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests unwrap on fixed inputs")]
mod tests {
    use super::*;

    #[test]
    fn package_specs() {
        let p = PackagePattern::parse("esbuild").unwrap();
        assert_eq!((p.ecosystem, p.name.as_str()), (Ecosystem::Npm, "esbuild"));
        let p = PackagePattern::parse("@scope/x").unwrap();
        assert_eq!((p.ecosystem, p.name.as_str()), (Ecosystem::Npm, "@scope/x"));
        let p = PackagePattern::parse("npm:@scope/x").unwrap();
        assert_eq!(p.name, "@scope/x");
        let p = PackagePattern::parse("PyPI:Foo_Bar.baz").unwrap();
        assert_eq!(
            (p.ecosystem, p.name.as_str()),
            (Ecosystem::PyPI, "foo-bar-baz")
        );
        assert!(p.matches(Ecosystem::PyPI, "foo.bar_baz"));
        assert!(!p.matches(Ecosystem::Npm, "foo-bar-baz"));
        let err = PackagePattern::parse("nmp:esbuild").unwrap_err();
        assert_eq!(err, ("unknown ecosystem `nmp`".into(), Some("npm".into())));
        assert!(PackagePattern::parse("npm:esbuild@0.25.0").is_err());
        assert!(PackagePattern::parse("npm:").is_err());
    }

    #[test]
    fn name_globs() {
        assert!(glob("@my-org/*", "@my-org/ui"));
        assert!(!glob("@my-org/*", "@other/ui"));
        assert!(glob("*-plugin-*", "eslint-plugin-x"));
        assert!(glob("a*b*c", "aXbYbZc"));
        assert!(!glob("a*b*c", "aXbYbZ"));
        assert!(glob("esbuild", "esbuild"));
        assert!(!glob("esbuild", "esbuild-wasm"));
    }

    #[test]
    fn npm_versions_use_npm_range_semantics() {
        let m = VersionMatcher::parse(Ecosystem::Npm, "0.25.*").unwrap();
        assert!(m.matches("0.25.3"));
        assert!(!m.matches("0.26.0"));
        assert!(
            !m.matches("0.25.4-beta.1"),
            "prereleases need an explicit range"
        );
        let exact = VersionMatcher::parse(Ecosystem::Npm, "1.2.3").unwrap();
        assert!(exact.matches("1.2.3") && !exact.matches("1.2.4"));
        let or = VersionMatcher::parse(Ecosystem::Npm, "^1.2 || 3.x").unwrap();
        assert!(or.matches("1.9.0") && or.matches("3.1.0") && !or.matches("2.0.0"));
        assert!(!or.matches("not-a-version"));
        assert!(VersionMatcher::parse(Ecosystem::Npm, "one.two").is_err());
        let py = VersionMatcher::parse(Ecosystem::PyPI, "2.31.0").unwrap();
        assert!(py.matches("2.31.0") && !py.matches("2.31.1"));
    }
}
