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
    // Per-branch and per-pull-request snapshot builds (changesets, nx, CI canaries):
    // `0.0.0-pr-1234-abc`, `1.2.0-main.5`, `2.0.0-hotfix.1`.
    "pr",
    "main",
    "master",
    "develop",
    "hotfix",
    "integration",
    "ci",
    "exp",
];

/// A jump of this many majors past every earlier release (1.4.0 → 99.0.0).
const MAJOR_JUMP: u64 = 10;

declare_rule! {
    /// ## What it does
    /// Reports three anomalies of the scanned version: a major number at least 10 above every
    /// earlier release (`1.4.0` → `99.0.0`); an unusual prerelease label (`5.0.0-liberty`);
    /// and a release published out of chronological order within its own `major.minor` line
    /// (`1.2.5` published after `1.2.6`).
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
    /// Calendar versions (`2024.1.0`, `202401.0.0`, `20240115.0.0` after `1.9.0`) are not
    /// jumps, and prereleases (canaries named by commit hash) are not checked for order, so
    /// what remains is a maintainer releasing an older patch of a line after a newer one.
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
            && !date_like(v.major)
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
        // Out of order: a release published after a higher release of its own line. Only
        // releases count: prereleases (`-canary-<sha>-<date>`, `-pr-<n>-<sha>`) sort by
        // labels their tooling never meant to be ordered, and a `^` range skips them anyway.
        let published = reg.version_info(version).and_then(|i| i.published);
        if let Some(t) = published
            && v.pre.is_empty()
        {
            let newer_lower = reg.versions.iter().find(|o| {
                o.published.is_some_and(|ot| ot < t)
                    && SemVer::parse(&o.version).is_some_and(|ov| {
                        ov.pre.is_empty()
                            && ov.major == v.major
                            && ov.minor == v.minor
                            && ov.key() > v.key()
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

/// A major that is a date: `2024`, `202401`, `20240115` (calendar versioning), never a jump.
fn date_like(major: u64) -> bool {
    let year = |y: u64| (1990..=2100).contains(&y);
    let month = |m: u64| (1..=12).contains(&m);
    match major {
        1990..=2100 => true,
        199_001..=210_012 => year(major / 100) && month(major % 100),
        19_900_101..=21_001_231 => {
            year(major / 10_000) && month(major / 100 % 100) && (1..=31).contains(&(major % 100))
        }
        _ => false,
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
                // Calendar versions, by year-month or by day, are no jump.
                p("202401.0.0", &[("1.4.0", 30, "a"), ("202401.0.0", 3, "a")]),
                p(
                    "20240115.0.0",
                    &[("1.4.0", 30, "a"), ("20240115.0.0", 3, "a")],
                ),
                // Canary builds named by commit hash sort at random: not "out of order".
                p(
                    "19.0.0-canary-0a1b-20240102",
                    &[
                        ("18.3.1", 90, "a"),
                        ("19.0.0-canary-f00d-20240101", 30, "a"),
                        ("19.0.0-canary-0a1b-20240102", 3, "a"),
                    ],
                ),
                // Per-pull-request snapshots.
                p("0.0.0-pr-1234-abc", &[("0.0.0-pr-1234-abc", 3, "a")]),
                // A release after a higher prerelease of its line (1.2.0 after 1.2.1-rc.0
                // was abandoned) is normal.
                p(
                    "1.2.0",
                    &[
                        ("1.1.0", 30, "a"),
                        ("1.2.1-rc.0", 20, "a"),
                        ("1.2.0", 3, "a"),
                    ],
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
                // Dependency-confusion versions are no dates.
                p("9999.0.0", &[("1.0.0", 30, "a"), ("9999.0.0", 3, "a")]),
                p(
                    "20241399.0.0",
                    &[("1.0.0", 30, "a"), ("20241399.0.0", 3, "a")],
                ),
            ],
        );
    }
}
