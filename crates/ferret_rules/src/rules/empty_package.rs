//! `empty-package`: a package with nothing in it but its manifest and docs.

use crate::declare_rule;
use crate::detect::metadata::manifest_location;
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{Ecosystem, Finding, PackageFacts};

declare_rule! {
    /// ## What it does
    /// Reports a package that contains nothing but `package.json` and documentation files
    /// (README, LICENSE, CHANGELOG, ...): no code, no data, no types, and no install script.
    ///
    /// ## Why is this a risk?
    /// Empty packages are name squats, placeholders and the first stage of a campaign: the
    /// name is taken now and a payload is published later as a patch release that every
    /// `^` range picks up. Security holding packages (`0.0.1-security`) are empty too, and
    /// mean the original was malware.
    ///
    /// ## Example
    /// ```text
    /// package/package.json
    /// package/README.md
    /// ```
    ///
    /// ## False positives
    /// Meta-packages that only declare dependencies (the finding says so).
    ///
    /// ## References
    /// - Socket alert `emptyPackage`
    EmptyPackage, id = "empty-package", category = Package, severity = Low, action = Monitor,
}

fn is_doc(path: &str) -> bool {
    let upper = path.to_ascii_uppercase();
    let stem = upper.split('.').next().unwrap_or(&upper);
    path == "package.json"
        || matches!(
            stem,
            "README"
                | "LICENSE"
                | "LICENCE"
                | "COPYING"
                | "CHANGELOG"
                | "HISTORY"
                | "CHANGES"
                | "AUTHORS"
                | "CONTRIBUTING"
                | "SECURITY"
                | "NOTICE"
                | ".NPMIGNORE"
        )
}

impl Rule for EmptyPackage {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_package(&self, pkg: &PackageFacts, cx: &mut RuleContext) {
        if pkg.id.ecosystem != Ecosystem::Npm
            || pkg.manifest.is_none()
            || !pkg.install_scripts.is_empty()
            || pkg.files.iter().any(|f| !is_doc(&f.path))
        {
            return;
        }
        let deps = crate::detect::metadata::runtime_dependencies(pkg).len();
        let message = if deps == 0 {
            "the package contains no code or data".to_string()
        } else {
            format!("the package contains no code; it only declares {deps} dependencies")
        };
        let (location, code) = manifest_location("{");
        cx.report(
            Finding::of(&Self::META, message)
                .primary(&location, &code, "package")
                .evidence("dependencies", deps),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::tester::Tester;

    #[test]
    fn empty_package() {
        Tester::new(super::EmptyPackage)
            .pass([("index.js", "module.exports = 1;"), ("data.json", "{}")])
            .pass([(
                "package.json",
                r#"{"name":"x","version":"1.0.0","scripts":{"postinstall":"echo hi"}}"#,
            )])
            .fail([("README.md", "# placeholder")])
            .fail([("package.json", r#"{"name":"x","version":"0.0.1-security"}"#)])
            .test_and_snapshot();
    }
}
