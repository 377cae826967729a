//! `version-anomaly`: a version number or publish order that normal releases do not produce.

use crate::declare_rule;
use crate::detect::metadata::{SemVer, package_location, scanned_version};
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{Finding, PackageFacts};

/// Prerelease labels release tooling produces; anything else (`-liberty`, `-patched`) is odd.
const USUAL_LABELS: &[&str] = &[
    "alpha",
    "beta",
    "rc",
    "next",
    "canary",
    "dev",
    "pre",
    "preview",
    "experimental",
    "insiders",
    "nightly",
    "snapshot",
    "build",
    "test",
    "unstable",
    "insider",
    "lts",
    "stable",
    "release",
    "b",
    "a",
    "r",
    "m",
    "milestone",
    "cr",
    "ga",
    "security",
    "edge",
    "latest",
];

/// A jump of this many majors past every earlier release (1.4.0 → 99.0.0).
const MAJOR_JUMP: u64 = 10;

declare_rule! {
    /// ## What it does
    /// Reports three anomalies of the scanned version: a major number at least 10 above every
    /// earlier release (`1.4.0` → `99.0.0`); an unusual prerelease label (`5.0.0-liberty`);
    /// and a publish out of chronological order within its own `major.minor` line (`1.2.5`
    /// published after `1.2.6`).
    ///
    /// ## Why is this a risk?
    /// Dependency-confusion packages use huge versions so they win over the internal ones;
    /// hijackers publish odd labels and out-of-order patches to reach `^` ranges without
    /// touching `latest`.
    ///
    /// ## Example
    /// ```text
    /// 1.0.3 (2021-01-02), 99.0.0 (2024-05-01)
    /// ```
    ///
    /// ## False positives
    /// Date-based versions (`2024.1.0` after `1.9.0`) and re-published patches.
    ///
    /// ## References
    /// - Socket alerts `chronoAnomaly`, `semverAnomaly`
    VersionAnomaly, id = "version-anomaly", category = Metadata, severity = Low, action = Monitor,
}

impl Rule for VersionAnomaly {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_package(&self, pkg: &PackageFacts, cx: &mut RuleContext) {
        let Some(reg) = pkg.registry.as_ref() else {
            return;
        };
        let version = scanned_version(pkg);
        let Some(v) = SemVer::parse(version) else {
            return;
        };
        let mut problems = Vec::new();
        let earlier: Vec<SemVer> = reg
            .versions_before(version)
            .iter()
            .filter_map(|i| SemVer::parse(&i.version))
            .collect();
        if let Some(max) = earlier.iter().map(|e| e.major).max()
            && v.major >= max + MAJOR_JUMP
            && !(1990..=2100).contains(&v.major)
        {
            problems.push(format!("jumps from major {max} to {}", v.major));
        }
        if let Some(label) = v.pre.first() {
            let word: String = label
                .chars()
                .take_while(char::is_ascii_alphabetic)
                .collect();
            if !word.is_empty() && !USUAL_LABELS.contains(&word.to_ascii_lowercase().as_str()) {
                problems.push(format!("has the unusual label `{label}`"));
            }
        }
        let published = reg.version_info(version).and_then(|i| i.published);
        if let Some(t) = published {
            let newer_lower = reg.versions.iter().find(|o| {
                o.published.is_some_and(|ot| ot < t)
                    && SemVer::parse(&o.version).is_some_and(|ov| {
                        ov.major == v.major && ov.minor == v.minor && ov.key() > v.key()
                    })
            });
            if let Some(o) = newer_lower {
                problems.push(format!(
                    "was published after the higher version `{}`",
                    o.version
                ));
            }
        }
        if problems.is_empty() {
            return;
        }
        let (location, code) = package_location(pkg);
        cx.report(
            Finding::of(
                &Self::META,
                format!("version `{version}` {}", problems.join("; ")),
            )
            .primary(&location, &code, "version")
            .evidence("anomalies", problems),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::metadata::testing::{check, package, registry};

    #[test]
    fn version_anomaly() {
        let m = |v: &str| format!(r#"{{"name":"x","version":"{v}"}}"#);
        let p = |v: &str, versions: &[(&str, i64, &str)]| {
            package(&[("package.json", &m(v))], Some(registry("x", versions)))
        };
        check(
            VersionAnomaly,
            &[
                p("1.1.0", &[("1.0.0", 30, "a"), ("1.1.0", 3, "a")]),
                p(
                    "2.0.0-beta.1",
                    &[("1.0.0", 30, "a"), ("2.0.0-beta.1", 3, "a")],
                ),
                // A backport to an older line is normal.
                p(
                    "1.0.1",
                    &[("1.0.0", 30, "a"), ("2.0.0", 20, "a"), ("1.0.1", 3, "a")],
                ),
            ],
            &[
                p("99.0.0", &[("1.0.0", 30, "a"), ("99.0.0", 3, "a")]),
                p(
                    "5.0.0-liberty",
                    &[("4.0.0", 30, "a"), ("5.0.0-liberty", 3, "a")],
                ),
                p(
                    "1.2.5",
                    &[("1.2.4", 30, "a"), ("1.2.6", 20, "a"), ("1.2.5", 3, "a")],
                ),
            ],
        );
    }
}
