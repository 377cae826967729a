//! Shared queries for the identity and registry-metadata rules (section 4 of the red-flag
//! catalog): the package's own manifest fields, dependency-spec classification, ages against
//! the metadata's `fetched_at`, and the list of rules that need registry metadata (reported
//! as *not evaluated* when it is missing).
//!
//! Everything is a pure function of [`PackageFacts`]; no clock, no network.

use crate::engine::{MANIFEST, file_start};
use ferret_core::{
    Ecosystem, Excerpt, Location, MetadataStatus, NotEvaluated, PackageFacts, RegistryFacts,
    UnixTime,
};
use serde_json::Value;

/// The default soak time: most hijacked npm versions are reported and unpublished within two
/// days (ua-parser-js: 4 h; coa/rc: 1 day; eslint-scope: 2 days; chalk/debug 2025: 2.5 h).
pub const DEFAULT_SOAK_HOURS: u32 = 48;

/// Rules that read [`PackageFacts::registry`] and do nothing without it. When metadata is
/// not available they are listed in the report's `not_evaluated`.
pub const REGISTRY_RULES: &[&str] = &[
    "dependency-confusion",
    "deprecated",
    "manifest-confusion",
    "missing-tarball",
    "new-publisher",
    "recently-published",
    "unmaintained",
    "unpopular",
    "unpublished",
    "version-anomaly",
];

/// Registry rules that only apply to npm packages (they return at once for others), so a
/// PyPI report without metadata does not list them as "not evaluated".
pub const NPM_ONLY_REGISTRY_RULES: &[&str] = &["dependency-confusion", "manifest-confusion"];

/// The metadata rules that did not run for this package, and why; empty when metadata was
/// evaluated or nobody said it was missing.
pub fn not_evaluated(status: &MetadataStatus) -> Vec<NotEvaluated> {
    not_evaluated_for(status, Ecosystem::Npm)
}

/// [`not_evaluated`] for a package of `ecosystem`: only the rules that apply to it.
pub fn not_evaluated_for(status: &MetadataStatus, ecosystem: Ecosystem) -> Vec<NotEvaluated> {
    match status {
        MetadataStatus::NotAvailable { reason } => REGISTRY_RULES
            .iter()
            .filter(|r| ecosystem == Ecosystem::Npm || !NPM_ONLY_REGISTRY_RULES.contains(r))
            .map(|r| NotEvaluated {
                rule: (*r).to_string(),
                reason: reason.clone(),
            })
            .collect(),
        MetadataStatus::Evaluated | MetadataStatus::Unknown => Vec::new(),
    }
}

/// A string field of the package's own manifest.
pub fn manifest_str<'a>(pkg: &'a PackageFacts, key: &str) -> Option<&'a str> {
    pkg.manifest.as_ref()?.get(key)?.as_str()
}

/// The manifest's runtime dependencies, `(field, name, spec)`: `dependencies` and
/// `optionalDependencies` (what an install fetches; `devDependencies` are not installed for
/// consumers, `peerDependencies` name ranges the consumer provides).
pub fn runtime_dependencies(pkg: &PackageFacts) -> Vec<(&'static str, &str, &str)> {
    let Some(m) = pkg.manifest.as_ref() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for field in ["dependencies", "optionalDependencies"] {
        if let Some(deps) = m.get(field).and_then(Value::as_object) {
            for (name, spec) in deps {
                if let Some(spec) = spec.as_str() {
                    out.push((field, name.as_str(), spec));
                }
            }
        }
    }
    out
}

/// What a dependency spec points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecKind {
    /// A registry version or bounded range.
    Registry,
    /// Any version at all: `*`, `x`, ``, `latest`, another dist-tag, `>=1` without bound.
    Floating,
    /// A git repository (`git+https://…`, `github:u/r`, `u/r`).
    Git,
    /// A tarball URL over HTTP(S).
    Http,
    /// A local path (`file:`, `link:`, `./x`).
    File,
    /// `workspace:` protocol, resolved inside the publisher's monorepo.
    Workspace,
}

/// Classifies an npm dependency spec (npm-package-arg's rules, simplified).
pub fn classify_spec(spec: &str) -> SpecKind {
    let s = spec.trim();
    let lower = s.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("npm:") {
        // `npm:name@range`: classify the range.
        return rest
            .get(1..)
            .and_then(|r| r.find('@'))
            .map_or(SpecKind::Floating, |i| classify_spec(&rest[i + 2..]));
    }
    if lower.starts_with("workspace:") {
        return SpecKind::Workspace;
    }
    if lower.starts_with("git+")
        || lower.starts_with("git:")
        || lower.starts_with("git@")
        || ["github:", "gitlab:", "bitbucket:", "gist:"]
            .iter()
            .any(|p| lower.starts_with(p))
        || ((lower.starts_with("http://") || lower.starts_with("https://"))
            && (lower.ends_with(".git") || lower.contains(".git#")))
    {
        return SpecKind::Git;
    }
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return SpecKind::Http;
    }
    if lower.starts_with("file:")
        || lower.starts_with("link:")
        || lower.starts_with("./")
        || lower.starts_with("../")
        || lower.starts_with('/')
        || lower.starts_with("~/")
    {
        return SpecKind::File;
    }
    // GitHub shorthand `user/repo` (optionally `#ref`).
    if !lower.starts_with('@') && lower.contains('/') && !lower.contains(' ') {
        return SpecKind::Git;
    }
    if matches!(lower.as_str(), "" | "*" | "x" | "latest" | "next") {
        return SpecKind::Floating;
    }
    // A dist-tag: a word that is not a version or range.
    if lower
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && !lower.starts_with('v')
    {
        return SpecKind::Floating;
    }
    // `>=1.0.0` (or `>1`) with no upper bound and no alternative accepts every future major.
    if (lower.starts_with(">=") || lower.starts_with('>'))
        && !lower.contains('<')
        && !lower.contains("||")
        && !lower.contains(' ')
    {
        return SpecKind::Floating;
    }
    SpecKind::Registry
}

/// A location at the top of `package.json`, with an excerpt showing `text`.
pub fn manifest_location(text: &str) -> (Location, Excerpt) {
    let location = file_start(MANIFEST);
    let code = super::excerpt_at(&location, text);
    (location, code)
}

/// The soak time in seconds the metadata asks for.
pub fn soak_seconds(reg: &RegistryFacts) -> i64 {
    i64::from(reg.soak_hours.unwrap_or(DEFAULT_SOAK_HOURS)) * ferret_core::registry::HOUR
}

/// `now - then` as words: "3 hours", "12 days", "6 years".
pub fn age_words(now: UnixTime, then: UnixTime) -> String {
    let secs = (now - then).max(0);
    let (n, unit) = if secs < 2 * ferret_core::registry::HOUR {
        (secs / 60, "minute")
    } else if secs < 2 * ferret_core::registry::DAY {
        (secs / ferret_core::registry::HOUR, "hour")
    } else if secs < 730 * ferret_core::registry::DAY {
        (secs / ferret_core::registry::DAY, "day")
    } else {
        (secs / (365 * ferret_core::registry::DAY), "year")
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// The npm `bin` map of the package's own manifest (a string means one command named after
/// the package, scope dropped).
pub fn manifest_bin(pkg: &PackageFacts) -> Vec<(String, String)> {
    let Some(m) = pkg.manifest.as_ref() else {
        return Vec::new();
    };
    let name = manifest_str(pkg, "name").unwrap_or_default();
    match m.get("bin") {
        Some(Value::String(path)) => {
            let cmd = name.rsplit('/').next().unwrap_or(name);
            vec![(cmd.to_string(), path.clone())]
        }
        Some(Value::Object(o)) => o
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
            .collect(),
        _ => Vec::new(),
    }
}

/// Test support for metadata rules: packages with hand-made registry facts.
#[cfg(test)]
pub(crate) mod testing {
    use crate::engine::{build_facts, run_rules};
    use crate::rule::Rule;
    use ferret_core::{
        Ecosystem, Finding, MetadataStatus, PackageFacts, RegistryFacts, VersionDoc, VersionInfo,
    };

    /// "Now" of every test registry document: 2023-11-14T22:13:20Z.
    pub const NOW: i64 = 1_700_000_000;
    pub const DAY: i64 = ferret_core::registry::DAY;

    /// A package made of `files` (the manifest is `package.json` among them).
    pub fn package(files: &[(&str, &str)], registry: Option<RegistryFacts>) -> PackageFacts {
        let tree = ferret_source::from_files(
            "test",
            files
                .iter()
                .map(|(p, s)| ((*p).to_string(), s.as_bytes().to_vec()))
                .collect(),
        );
        let mut facts = build_facts(&tree, Ecosystem::Npm);
        facts.metadata_status = if registry.is_some() {
            MetadataStatus::Evaluated
        } else {
            MetadataStatus::NotAvailable {
                reason: "test".into(),
            }
        };
        facts.registry = registry;
        facts
    }

    /// Registry facts of `name` with versions `(version, days before NOW, publisher)`; the
    /// scanned version is the last one, its document mirrors `manifest`.
    pub fn registry(name: &str, versions: &[(&str, i64, &str)]) -> RegistryFacts {
        let last = versions.last().map_or("1.0.0", |v| v.0);
        RegistryFacts {
            name: name.into(),
            fetched_at: NOW,
            created: versions.first().map(|v| NOW - v.1 * DAY),
            versions: versions
                .iter()
                .map(|(v, days, who)| VersionInfo {
                    version: (*v).into(),
                    published: Some(NOW - days * DAY),
                    publisher: (!who.is_empty()).then(|| (*who).to_string()),
                    ..VersionInfo::default()
                })
                .collect(),
            dist_tags: [("latest".to_string(), last.to_string())].into(),
            version: Some(VersionDoc {
                name: name.into(),
                version: last.into(),
                dist: ferret_core::DistInfo {
                    tarball: Some(format!(
                        "https://registry.example/{name}/-/{name}-{last}.tgz"
                    )),
                    integrity: Some("sha512-AAAA".into()),
                    ..Default::default()
                },
                publisher: versions.last().map(|v| v.2.to_string()),
                ..VersionDoc::default()
            }),
            ..RegistryFacts::default()
        }
    }

    pub fn run(rule: impl Rule, pkg: &PackageFacts) -> Vec<Finding> {
        run_rules(pkg, &[rule])
    }

    /// Asserts the rule fires on every `fail` and on no `pass` package, then snapshots the
    /// findings on the fail packages (one snapshot per rule, named after its id).
    pub fn check<R: Rule + Copy>(rule: R, pass: &[PackageFacts], fail: &[PackageFacts]) {
        let id = rule.meta().id;
        for (i, p) in pass.iter().enumerate() {
            let f = run(rule, p);
            assert!(f.is_empty(), "`{id}` fired on pass case {i}: {f:#?}");
        }
        let mut all = Vec::new();
        for (i, p) in fail.iter().enumerate() {
            let f = run(rule, p);
            assert!(!f.is_empty(), "`{id}` did not fire on fail case {i}");
            all.push(f);
        }
        insta::assert_json_snapshot!(id, all);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_kinds() {
        use SpecKind::*;
        for (spec, kind) in [
            ("^1.2.3", Registry),
            ("~1.0.0 || ^2", Registry),
            ("1.0.0 - 2.0.0", Registry),
            (">=1.0.0 <2", Registry),
            ("v1.0.0", Registry),
            ("*", Floating),
            ("", Floating),
            ("latest", Floating),
            ("beta", Floating),
            (">=1.0.0", Floating),
            ("npm:other@^1", Registry),
            ("npm:@s/other@*", Floating),
            ("git+https://github.com/u/r.git", Git),
            ("github:u/r#v1", Git),
            ("u/r", Git),
            ("git@github.com:u/r.git", Git),
            ("https://example.invalid/x.tgz", Http),
            ("http://198.51.100.7/x.tgz", Http),
            ("file:../x", File),
            ("./vendor/x", File),
            ("link:../x", File),
            ("workspace:*", Workspace),
        ] {
            assert_eq!(classify_spec(spec), kind, "{spec}");
        }
    }

    #[test]
    fn ages_in_words() {
        let h = ferret_core::registry::HOUR;
        assert_eq!(age_words(10 * h, 0), "10 hours");
        assert_eq!(age_words(h, 0), "60 minutes");
        assert_eq!(age_words(3 * 365 * 24 * h, 0), "3 years");
        assert_eq!(age_words(0, 10), "0 minutes");
    }

    #[test]
    fn not_evaluated_lists_registry_rules_only_when_missing() {
        let missing = MetadataStatus::NotAvailable {
            reason: "offline".into(),
        };
        let list = not_evaluated(&missing);
        assert_eq!(list.len(), REGISTRY_RULES.len());
        assert!(list.iter().any(|n| n.rule == "manifest-confusion"));
        assert!(not_evaluated(&MetadataStatus::Evaluated).is_empty());
        // PyPI: the npm-only rules do not apply, so they are not "not evaluated".
        let pypi = not_evaluated_for(&missing, Ecosystem::PyPI);
        assert_eq!(
            pypi.len(),
            REGISTRY_RULES.len() - NPM_ONLY_REGISTRY_RULES.len()
        );
        assert!(!pypi.iter().any(|n| n.rule == "manifest-confusion"));
        assert!(pypi.iter().any(|n| n.rule == "recently-published"));
        // Every listed rule exists.
        for id in REGISTRY_RULES {
            assert!(crate::find_rule(id).is_some(), "{id} is not registered");
        }
    }
}

/// A parsed `major.minor.patch[-pre][+build]` version (a leading `v` or `=` is accepted).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SemVer {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    /// Empty for a release; releases sort after their prereleases.
    pub pre: Vec<String>,
}

impl SemVer {
    pub fn parse(v: &str) -> Option<Self> {
        let v = v.trim().trim_start_matches(['v', '=']);
        let v = v.split('+').next()?;
        let (core, pre) = v.split_once('-').unwrap_or((v, ""));
        let mut nums = core.split('.').map(|n| n.parse::<u64>().ok());
        let (major, minor, patch) = (nums.next()??, nums.next()??, nums.next()??);
        if nums.next().is_some() {
            return None;
        }
        let pre = if pre.is_empty() {
            Vec::new()
        } else {
            pre.split('.').map(str::to_string).collect()
        };
        Some(Self {
            major,
            minor,
            patch,
            pre,
        })
    }

    /// Sort key: releases after their prereleases (semver §11, numeric identifiers simplified
    /// to string order, enough for ordering a package's own versions).
    pub fn key(&self) -> (u64, u64, u64, bool, &[String]) {
        (
            self.major,
            self.minor,
            self.patch,
            self.pre.is_empty(),
            &self.pre,
        )
    }
}

/// The location and excerpt of a finding about the package as a whole: the manifest's top,
/// showing `name@version`.
pub fn package_location(pkg: &PackageFacts) -> (Location, Excerpt) {
    manifest_location(&format!("{}@{}", pkg.id.name, pkg.id.version))
}

/// The scanned version as the registry knows it: the version document's, else the id's.
pub fn scanned_version(pkg: &PackageFacts) -> &str {
    pkg.registry
        .as_ref()
        .and_then(|r| r.version.as_ref())
        .map_or(pkg.id.version.as_str(), |d| d.version.as_str())
}
