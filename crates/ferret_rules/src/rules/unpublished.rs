//! `unpublished`: the registry no longer lists the package or the version.

use crate::declare_rule;
use crate::detect::metadata::{package_location, scanned_version};
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{Finding, PackageFacts};

declare_rule! {
    /// ## What it does
    /// Reports a package the registry records as unpublished, or a scanned version that is
    /// no longer among the package's versions.
    ///
    /// ## Why is this a risk?
    /// npm removes malware by unpublishing it (often replacing it with a `0.0.1-security`
    /// holder), and maintainers unpublish hijacked releases. A lockfile or cache that still
    /// installs an unpublished version installs what the registry withdrew.
    ///
    /// ## Example
    /// ```json
    /// { "time": { "unpublished": { "versions": ["1.0.0"] } } }
    /// ```
    ///
    /// ## False positives
    /// Authors unpublishing within 72 hours of a mistaken publish.
    ///
    /// ## References
    /// - npm docs, "Unpublishing packages from the registry"; Socket alert `unpublished`
    Unpublished, id = "unpublished", category = Metadata, severity = Medium, action = Monitor,
}

impl Rule for Unpublished {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_package(&self, pkg: &PackageFacts, cx: &mut RuleContext) {
        let Some(reg) = pkg.registry.as_ref() else {
            return;
        };
        let version = scanned_version(pkg);
        let message = if reg.unpublished.is_some() {
            format!("`{}` was unpublished from the registry", reg.name)
        } else if !reg.versions.is_empty() && reg.version_info(version).is_none() {
            format!("version `{version}` is no longer listed by the registry")
        } else {
            return;
        };
        let (location, code) = package_location(pkg);
        let mut finding = Finding::of(&Self::META, message).primary(&location, &code, "withdrawn");
        if let Some(u) = &reg.unpublished {
            finding = finding.evidence("unpublished_versions", u.versions.clone());
        }
        cx.report(finding);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::metadata::testing::{check, package, registry};

    #[test]
    fn unpublished() {
        let m = [("package.json", r#"{"name":"x","version":"1.0.0"}"#)];
        let mut gone = registry("x", &[]);
        gone.version = None;
        gone.unpublished = Some(ferret_core::Unpublished {
            time: None,
            versions: vec!["1.0.0".into()],
        });
        let mut removed = registry("x", &[("0.9.0", 9, "a"), ("1.1.0", 3, "a")]);
        removed.version = None;
        check(
            Unpublished,
            &[
                package(&m, Some(registry("x", &[("1.0.0", 3, "a")]))),
                package(&m, None),
            ],
            &[package(&m, Some(gone)), package(&m, Some(removed))],
        );
    }
}
