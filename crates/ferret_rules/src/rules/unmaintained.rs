//! `unmaintained`: no release in five years.

use crate::declare_rule;
use crate::detect::metadata::{age_words, package_location};
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{Finding, PackageFacts};

/// Five years without any release.
const UNMAINTAINED_SECONDS: i64 = 5 * 365 * ferret_core::registry::DAY;

declare_rule! {
    /// ## What it does
    /// Reports a package whose newest release (of any version) is more than five years older
    /// than the metadata.
    ///
    /// ## Why is this a risk?
    /// Nobody fixes vulnerabilities in it, and abandoned packages are what account
    /// takeovers target: an expired maintainer e-mail domain can be re-registered to reset
    /// the password and publish a malicious release to a long-trusted name.
    ///
    /// ## Example
    /// ```text
    /// last release: 2016-03-22
    /// ```
    ///
    /// ## False positives
    /// Finished micro-packages that need no changes (`inherits`, `isarray`).
    ///
    /// ## References
    /// - Socket alert `unmaintained`
    Unmaintained, id = "unmaintained", category = Metadata, severity = Low, action = Info,
}

impl Rule for Unmaintained {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_package(&self, pkg: &PackageFacts, cx: &mut RuleContext) {
        let Some(reg) = pkg.registry.as_ref() else {
            return;
        };
        let Some(last) = reg.last_publish() else {
            return;
        };
        if reg.fetched_at - last <= UNMAINTAINED_SECONDS {
            return;
        }
        let (location, code) = package_location(pkg);
        cx.report(
            Finding::of(
                &Self::META,
                format!("no release in {}", age_words(reg.fetched_at, last)),
            )
            .primary(&location, &code, "package")
            .evidence("last_publish", last),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::metadata::testing::{check, package, registry};

    #[test]
    fn unmaintained() {
        let m = [("package.json", r#"{"name":"x","version":"1.0.0"}"#)];
        check(
            Unmaintained,
            &[
                package(
                    &m,
                    Some(registry("x", &[("1.0.0", 3000, "a"), ("1.1.0", 30, "a")])),
                ),
                package(&m, None),
            ],
            &[package(
                &m,
                Some(registry("x", &[("0.1.0", 4000, "a"), ("1.0.0", 2000, "a")])),
            )],
        );
    }
}
