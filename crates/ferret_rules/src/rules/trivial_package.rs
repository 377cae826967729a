//! `trivial-package`: a package with almost no code.

use crate::declare_rule;
use crate::detect::metadata::manifest_location;
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{Ecosystem, FileKind, Finding, PackageFacts};

/// Fewer lines of JavaScript than this is trivial: `is-odd`-style one-liners and the
/// `left-pad` of 2016 (11 lines) sit at the threshold.
const MAX_TRIVIAL_LINES: u32 = 10;

declare_rule! {
    /// ## What it does
    /// Reports a package whose JavaScript (and TypeScript, not counting `.d.ts` type
    /// declarations) is fewer than 10 lines in total.
    ///
    /// ## Why is this a risk?
    /// A dependency on a few lines of code adds a maintainer and a publish token to the
    /// supply chain for almost no benefit; one-liners are the favourite targets of account
    /// takeovers and of protest or removal incidents (`left-pad`).
    ///
    /// ## Example
    /// ```js
    /// module.exports = (n) => n % 2 === 1;
    /// ```
    ///
    /// ## False positives
    /// Entry-point shims that re-export another package (`module.exports = require('./x')`)
    /// and packages of a monorepo split into tiny modules.
    ///
    /// ## References
    /// - Socket alert `trivialPackage`
    TrivialPackage, id = "trivial-package", category = Package, severity = Info, action = Info,
}

impl Rule for TrivialPackage {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_package(&self, pkg: &PackageFacts, cx: &mut RuleContext) {
        if pkg.id.ecosystem != Ecosystem::Npm {
            return;
        }
        let code: Vec<_> = pkg
            .files
            .iter()
            .filter(|f| {
                matches!(f.kind, FileKind::JavaScript | FileKind::TypeScript)
                    && !f.path.ends_with(".d.ts")
                    && !f.path.ends_with(".d.mts")
                    && !f.path.ends_with(".d.cts")
            })
            .collect();
        if code.is_empty() {
            return;
        }
        let lines: u32 = code.iter().map(|f| f.text.lines).sum();
        if lines >= MAX_TRIVIAL_LINES {
            return;
        }
        let (location, code_excerpt) = manifest_location("{");
        cx.report(
            Finding::of(
                &Self::META,
                format!("{lines} lines of code in {} file(s)", code.len()),
            )
            .primary(&location, &code_excerpt, "package")
            .evidence("lines", lines),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::tester::Tester;

    #[test]
    fn trivial_package() {
        let long = "let a = 1;\n".repeat(20);
        Tester::new(super::TrivialPackage)
            .pass([("index.js", long.as_str()), ("README.md", "# only docs")])
            .fail([("index.js", "module.exports = (n) => n % 2 === 1;\n")])
            .test_and_snapshot();
    }
}
