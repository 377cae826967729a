//! `minified-code`: a minified file in a package whose other code is not minified.

use crate::declare_rule;
use crate::detect::{excerpt_at, paths::is_bundle_path};
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{FileFacts, FileKind, Finding, Location, PackageFacts, Span};

/// Findings per package.
const MAX_FINDINGS: usize = 3;

declare_rule! {
    /// ## What it does
    /// Flags a minified JavaScript file when the package's other JavaScript files are not
    /// minified and the file is not where bundles live (`dist/`, `build/`, `umd/`,
    /// `*.min.js`, `*.bundle.js`). A quality signal, never a threat on its own.
    ///
    /// ## Why is this a risk?
    /// A lone minified file among readable sources cannot be reviewed and was not built from
    /// them; injected payloads (the 2025 `chalk`/`debug` compromise) are often shipped as one
    /// minified line in an otherwise readable package.
    ///
    /// ## Example
    /// ```text
    /// index.js        readable
    /// lib/util.js     readable
    /// lib/setup.js    one 40,000-character line   ← flagged
    /// ```
    ///
    /// ## False positives
    /// Packages that ship only bundles (prettier, webpack, next's compiled vendors) are not
    /// flagged: either everything is minified or the bundles sit in conventional places.
    ///
    /// ## References
    /// - Socket alert `minifiedFile`
    MinifiedCode, id = "minified-code", category = Obfuscation, severity = Low, action = Monitor,
}

fn is_js(f: &FileFacts) -> bool {
    matches!(f.kind, FileKind::JavaScript | FileKind::TypeScript)
}

impl Rule for MinifiedCode {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_package(&self, pkg: &PackageFacts, cx: &mut RuleContext) {
        let readable = pkg
            .files
            .iter()
            .filter(|f| is_js(f) && !f.text.minified && !f.path.ends_with(".d.ts"))
            .count();
        if readable == 0 {
            return;
        }
        let odd = pkg
            .files
            .iter()
            .filter(|f| is_js(f) && f.text.minified && !is_bundle_path(&f.path));
        for f in odd.take(MAX_FINDINGS) {
            let location = Location {
                path: f.path.clone(),
                line: 1,
                column: 1,
                span: Span::default(),
            };
            let finding = Finding::of(
                &Self::META,
                format!(
                    "`{}` is minified ({} characters on its longest line) while the package's other code is not",
                    f.path, f.text.longest_line
                ),
            )
            .primary(&location, &excerpt_at(&location, &f.path), "minified file")
            .evidence("longest_line", f.text.longest_line)
            .evidence("lines", f.text.lines)
            .evidence("readable_files", readable)
            .install_time(f.install_time);
            cx.report(finding);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::tester::Tester;

    fn minified() -> String {
        "var a=function(b,c){return b+c};".repeat(400)
    }

    #[test]
    fn minified_code() {
        let readable = "function add(a, b) {\n  return a + b;\n}\nmodule.exports = add;\n";
        let m = minified();
        let t = Tester::new(super::MinifiedCode)
            .pass_package([("index.js", readable), ("dist/index.min.js", m.as_str())])
            .pass_package([("index.js", m.as_str())])
            .fail_package([("index.js", readable), ("lib/setup.js", m.as_str())]);
        t.test_and_snapshot();
    }
}
