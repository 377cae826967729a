//! `recently-published`: the version is younger than the soak time.

use crate::declare_rule;
use crate::detect::metadata::{age_words, package_location, scanned_version, soak_seconds};
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{Finding, PackageFacts};

declare_rule! {
    /// ## What it does
    /// Reports a version published less than the soak time before the metadata was fetched
    /// (default 48 hours; set by the scan input, `soak_hours`).
    ///
    /// ## Why is this a risk?
    /// Hijacked releases are usually found and unpublished within hours to a couple of days
    /// (ua-parser-js 2021: 4 hours; chalk/debug 2025: 2.5 hours). Waiting out that window
    /// avoids most of them at almost no cost.
    ///
    /// ## Example
    /// ```text
    /// debug@4.4.2 published 40 minutes ago
    /// ```
    ///
    /// ## False positives
    /// Every new release is fresh for two days; the finding is a reason to wait, not a
    /// judgement of the code.
    ///
    /// ## References
    /// - Socket alert `recentlyPublished`; npm `--before`, pnpm `minimumReleaseAge`
    RecentlyPublished, id = "recently-published", category = Metadata, severity = Low, action = Monitor,
}

impl Rule for RecentlyPublished {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_package(&self, pkg: &PackageFacts, cx: &mut RuleContext) {
        let Some(reg) = pkg.registry.as_ref() else {
            return;
        };
        let version = scanned_version(pkg);
        let Some(published) = reg.version_info(version).and_then(|v| v.published) else {
            return;
        };
        let soak = soak_seconds(reg);
        if reg.fetched_at - published >= soak {
            return;
        }
        let (location, code) = package_location(pkg);
        cx.report(
            Finding::of(
                &Self::META,
                format!(
                    "version `{version}` was published {} ago, within the {}-hour soak time",
                    age_words(reg.fetched_at, published),
                    soak / ferret_core::registry::HOUR
                ),
            )
            .primary(&location, &code, "fresh version")
            .evidence("published", published)
            .evidence("age_seconds", reg.fetched_at - published),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::metadata::testing::{NOW, check, package, registry};

    #[test]
    fn recently_published() {
        let m = [("package.json", r#"{"name":"x","version":"1.1.0"}"#)];
        let fresh = || {
            let mut r = registry("x", &[("1.0.0", 300, "a"), ("1.1.0", 0, "a")]);
            r.versions[1].published = Some(NOW - 3 * 3600);
            r
        };
        let mut short_soak = fresh();
        short_soak.soak_hours = Some(2);
        check(
            RecentlyPublished,
            &[
                package(
                    &m,
                    Some(registry("x", &[("1.0.0", 300, "a"), ("1.1.0", 3, "a")])),
                ),
                package(&m, Some(short_soak)),
                package(&m, None),
            ],
            &[package(&m, Some(fresh()))],
        );
    }
}
