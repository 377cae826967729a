//! `too-many-files`: a package with an unusually large number of files.

use crate::declare_rule;
use crate::detect::metadata::manifest_location;
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{Finding, PackageFacts};

/// More files than this is unusual: of the 1,000 most downloaded npm packages only large
/// SDKs and icon sets (`@fortawesome/*`, `rxjs`, `date-fns`, `lodash`-sized collections) go
/// past it.
pub const MAX_FILES: usize = 3000;

declare_rule! {
    /// ## What it does
    /// Reports a package with more than 3,000 files.
    ///
    /// ## Why is this a risk?
    /// Thousands of files make review impractical and slow down every scanner; a payload
    /// hidden among generated files goes unnoticed. It is also a sign that a publish included
    /// more than intended (a home directory, `node_modules`, build caches with secrets).
    ///
    /// ## Example
    /// ```text
    /// package/dist/icons/0001.js … package/dist/icons/4800.js
    /// ```
    ///
    /// ## False positives
    /// Icon sets, locale bundles and generated SDKs legitimately ship thousands of files.
    ///
    /// ## References
    /// - Socket alert `tooManyFiles`
    TooManyFiles, id = "too-many-files", category = Package, severity = Info, action = Info,
}

impl Rule for TooManyFiles {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_package(&self, pkg: &PackageFacts, cx: &mut RuleContext) {
        let n = pkg.files.len();
        if n <= MAX_FILES {
            return;
        }
        let (location, code) = manifest_location("{");
        cx.report(
            Finding::of(&Self::META, format!("the package has {n} files"))
                .primary(&location, &code, "package")
                .evidence("files", n),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::tester::Tester;

    #[test]
    fn too_many_files() {
        let many: Vec<(String, &str)> = (0..=super::MAX_FILES)
            .map(|i| (format!("d/{i}.txt"), "x"))
            .collect();
        // Tested without a snapshot: the case would list 3,001 paths.
        let tester = Tester::new(super::TooManyFiles)
            .pass([("index.js", "1")])
            .fail_package(many.clone());
        tester.test();
        let findings = tester.findings(many);
        assert_eq!(findings[0].message, "the package has 3002 files");
    }
}
