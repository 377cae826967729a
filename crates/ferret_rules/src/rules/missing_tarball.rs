//! `missing-tarball`: the version document has no downloadable, verifiable tarball.

use crate::declare_rule;
use crate::detect::metadata::{package_location, scanned_version};
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{Finding, PackageFacts};

declare_rule! {
    /// ## What it does
    /// Reports a version whose registry document has no `dist.tarball`, or neither
    /// `dist.integrity` nor `dist.shasum` to verify it with.
    ///
    /// ## Why is this a risk?
    /// An install of such a version fails, or falls back to whatever a cache or mirror holds
    /// without verification. Registries produce these documents for broken or tampered
    /// publishes.
    ///
    /// ## Example
    /// ```json
    /// { "dist": { "tarball": "https://registry.npmjs.org/x/-/x-1.0.0.tgz" } }
    /// ```
    ///
    /// ## False positives
    /// Private registries that serve documents without hashes.
    ///
    /// ## References
    /// - Socket alert `missingTarball`
    MissingTarball, id = "missing-tarball", category = Metadata, severity = Medium, action = Monitor,
}

impl Rule for MissingTarball {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_package(&self, pkg: &PackageFacts, cx: &mut RuleContext) {
        let Some(doc) = pkg.registry.as_ref().and_then(|r| r.version.as_ref()) else {
            return;
        };
        let version = scanned_version(pkg);
        let message = if doc.dist.tarball.as_deref().is_none_or(str::is_empty) {
            format!("version `{version}` has no tarball URL in the registry")
        } else if doc.dist.integrity.is_none() && doc.dist.shasum.is_none() {
            format!("version `{version}` has no integrity hash in the registry")
        } else {
            return;
        };
        let (location, code) = package_location(pkg);
        cx.report(Finding::of(&Self::META, message).primary(&location, &code, "registry `dist`"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::metadata::testing::{check, package, registry};

    #[test]
    fn missing_tarball() {
        let m = [("package.json", r#"{"name":"x","version":"1.0.0"}"#)];
        let with = |f: fn(&mut ferret_core::DistInfo)| {
            let mut r = registry("x", &[("1.0.0", 3, "a")]);
            if let Some(d) = r.version.as_mut() {
                f(&mut d.dist);
            }
            r
        };
        check(
            MissingTarball,
            &[package(&m, Some(with(|_| {}))), package(&m, None)],
            &[
                package(&m, Some(with(|d| d.tarball = None))),
                package(&m, Some(with(|d| d.integrity = None))),
            ],
        );
    }
}
