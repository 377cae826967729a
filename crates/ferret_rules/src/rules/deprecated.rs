//! `deprecated`: the registry marks the version deprecated.

use crate::declare_rule;
use crate::detect::metadata::{package_location, scanned_version};
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{Ecosystem, Finding, PackageFacts};

declare_rule! {
    /// ## What it does
    /// Reports a version the registry marks as deprecated (npm `deprecated`) or yanked
    /// (PyPI, PEP 592: every file of the release, or the very file scanned), with the
    /// maintainer's message.
    ///
    /// ## Why is this a risk?
    /// Deprecated versions get no fixes; the message often says why (a vulnerability, a
    /// compromised release, a renamed package). A deprecation added to many packages at once
    /// has also been used to push users to a malicious replacement.
    ///
    /// ## Example
    /// ```text
    /// request@2.88.2: "request has been deprecated, see https://github.com/request/request/issues/3142"
    /// ```
    ///
    /// ## False positives
    /// Deprecated but harmless utilities still widely used.
    ///
    /// ## References
    /// - Socket alert `deprecated`
    Deprecated, id = "deprecated", category = Metadata, severity = Low, action = Info,
}

impl Rule for Deprecated {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_package(&self, pkg: &PackageFacts, cx: &mut RuleContext) {
        let Some(reg) = pkg.registry.as_ref() else {
            return;
        };
        let version = scanned_version(pkg);
        let message = reg
            .version
            .as_ref()
            .and_then(|d| d.deprecated.clone())
            .or_else(|| reg.version_info(version).and_then(|v| v.deprecated.clone()));
        // npm un-deprecates by setting the message to "".
        let Some(message) = message.filter(|m| !m.trim().is_empty()) else {
            return;
        };
        let shown: String = message
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(200)
            .collect();
        let (location, code) = package_location(pkg);
        // PyPI facts carry the yank as `yanked: <reason>` (ferret_registry::pypi_facts).
        let text = if pkg.id.ecosystem == Ecosystem::PyPI && shown.starts_with("yanked") {
            format!("version `{version}` is {shown}")
        } else {
            format!("version `{version}` is deprecated: {shown}")
        };
        cx.report(
            Finding::of(&Self::META, text)
                .primary(&location, &code, "deprecated version")
                .evidence("deprecation", message),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::metadata::testing::{check, package, registry};

    #[test]
    fn deprecated() {
        let m = [("package.json", r#"{"name":"x","version":"1.0.0"}"#)];
        let with = |msg: &str| {
            let mut r = registry("x", &[("1.0.0", 3, "a")]);
            if let Some(d) = r.version.as_mut() {
                d.deprecated = Some(msg.into());
            }
            r
        };
        check(
            Deprecated,
            &[
                package(&m, Some(registry("x", &[("1.0.0", 3, "a")]))),
                package(&m, Some(with(""))),
            ],
            &[package(&m, Some(with("use y instead")))],
        );
    }

    #[test]
    fn yanked_pypi_release_says_yanked() {
        let m = [("package.json", r#"{"name":"x","version":"1.0.0"}"#)];
        let mut r = registry("x", &[("1.0.0", 3, "")]);
        if let Some(d) = r.version.as_mut() {
            d.deprecated = Some("yanked: broken wheel".into());
        }
        let mut pkg = package(&m, Some(r));
        pkg.id.ecosystem = Ecosystem::PyPI;
        let found = crate::detect::metadata::testing::run(Deprecated, &pkg);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].message, "version `1.0.0` is yanked: broken wheel");
    }
}
