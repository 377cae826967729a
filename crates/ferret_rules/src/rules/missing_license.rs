//! `missing-license`: the package declares no license.

use crate::declare_rule;
use crate::detect::license::{LicenseStatus, assess};
use crate::detect::metadata::manifest_location;
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{Ecosystem, Finding, PackageFacts};

declare_rule! {
    /// ## What it does
    /// Reports an npm package whose `package.json` has no `license` field and that ships no
    /// `LICENSE`, `LICENCE` or `COPYING` file.
    ///
    /// ## Why is this a risk?
    /// Without a license nobody has the right to use, copy or modify the code. A missing
    /// license is also typical of throwaway packages published for an attack, which never
    /// carry the boilerplate real projects have.
    ///
    /// ## Example
    /// ```json
    /// { "name": "x", "version": "1.0.0" }
    /// ```
    ///
    /// ## False positives
    /// Internal packages and very old packages published before npm warned about it.
    ///
    /// ## References
    /// - Socket alert `noLicenseFound`
    MissingLicense, id = "missing-license", category = Metadata, severity = Low, action = Info,
}

impl Rule for MissingLicense {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_package(&self, pkg: &PackageFacts, cx: &mut RuleContext) {
        if pkg.id.ecosystem != Ecosystem::Npm || pkg.manifest.is_none() {
            return;
        }
        if assess(pkg) == LicenseStatus::Missing {
            let (location, code) = manifest_location("{");
            cx.report(
                Finding::of(&Self::META, "no license declared and no license file").primary(
                    &location,
                    &code,
                    "no `license` field",
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::tester::Tester;

    #[test]
    fn missing_license() {
        Tester::new(super::MissingLicense)
            .pass([(
                "package.json",
                r#"{"name":"x","version":"1.0.0","license":"MIT"}"#,
            )])
            .pass_package([
                ("package.json", r#"{"name":"x","version":"1.0.0"}"#),
                ("LICENSE.md", "MIT License"),
            ])
            .fail([("package.json", r#"{"name":"x","version":"1.0.0"}"#)])
            .test_and_snapshot();
    }
}
