//! `whitespace-hidden-code`: code pushed past the visible edge by a run of whitespace.

use crate::declare_rule;
use crate::detect::text::HIDDEN_WHITESPACE_MIN;
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{FileFacts, Finding, PackageFacts};

declare_rule! {
    /// ## What it does
    /// Flags code that follows a run of at least 150 spaces or tabs on the same line, so it
    /// starts beyond the right edge of an editor, a diff view or the npm website's code tab.
    ///
    /// ## Why is this a risk?
    /// Reviewers read the visible part of a line. Attackers append the payload far to the
    /// right of an innocent-looking statement; it runs all the same.
    ///
    /// ## Example
    /// ```js
    /// module.exports = add;                                         /* …150 spaces… */ require('child_process').exec('id');
    /// ```
    ///
    /// ## False positives
    /// Trailing whitespace, deep indentation and far-right comments are not flagged. No file
    /// of a typical app's 16,332 dependency files has code after 150 blanks.
    ///
    /// ## References
    /// - GuardDog `threat-runtime-obfuscation-hidden-code`
    WhitespaceHiddenCode, id = "whitespace-hidden-code", category = Obfuscation, severity = High, action = Warn,
}

impl Rule for WhitespaceHiddenCode {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_file(&self, file: &FileFacts, _pkg: &PackageFacts, cx: &mut RuleContext) {
        if !file.is_code() {
            return;
        }
        let Some(first) = file.signals.hidden_code.first() else {
            return;
        };
        let finding = Finding::of(
            &Self::META,
            format!(
                "code hidden after {} blanks on line {}: `{}`",
                first.whitespace,
                first.location.line,
                first
                    .code
                    .text
                    .chars()
                    .skip(first.code.highlight_start as usize)
                    .take(60)
                    .collect::<String>()
            ),
        )
        .primary(
            &first.location,
            &first.code,
            "starts beyond the visible edge",
        )
        .evidence("whitespace", first.whitespace)
        .evidence("lines", file.signals.hidden_code.len())
        .evidence("threshold", HIDDEN_WHITESPACE_MIN)
        .install_time(file.install_time);
        cx.report(finding);
    }
}

#[cfg(test)]
mod tests {
    use crate::tester::Tester;
    use ferret_core::Ecosystem;

    #[test]
    fn whitespace_hidden_code() {
        let pad = " ".repeat(200);
        let pass = [
            ("index.js", format!("module.exports = 1;{pad}\n")),
            (
                "a.js",
                format!("module.exports = 1;{pad}// far-right comment\n"),
            ),
            ("README.md", format!("text{pad}more text\n")),
            // Deeply nested generated code, indented step by step (typescript 4.9.5's
            // lib/tsc.js nests a ternary chain 152 columns deep).
            (
                "lib/tsc.js",
                format!(
                    "var k ={}\n{}a ? \"A\" :\n\n{}b ? \"B\" : \"C\";\n",
                    " ",
                    " ".repeat(148),
                    " ".repeat(152)
                ),
            ),
        ];
        let fail = [
            (
                "index.js",
                format!("module.exports = 1;{pad}require('child_process').exec('id');\n"),
            ),
            (
                "b.js",
                format!(
                    "const a = 1;\n{}fetch('http://198.51.100.7/x');\n",
                    "\t".repeat(160)
                ),
            ),
            // Off-screen relative to the indented line before it (a blank line between).
            (
                "c.js",
                format!(
                    "function f() {{\n    return 1;\n\n{}require('child_process').exec('id');\n}}\n",
                    " ".repeat(220)
                ),
            ),
        ];
        Tester::new(super::WhitespaceHiddenCode)
            .pass(pass)
            .fail(fail)
            .test_and_snapshot();
    }

    #[test]
    fn whitespace_hidden_code_python() {
        let pad = " ".repeat(200);
        let pass = [
            (
                "setup.py",
                format!("from setuptools import setup{pad}# noqa: E501\nsetup(name='x')\n"),
            ),
            ("pkg/__init__.py", format!("x = 1{pad}\n")),
            ("pkg/a.py", format!("s = '''\n{pad}\n'''\n")),
        ];
        let fail = [
            (
                "setup.py",
                format!(
                    "from setuptools import setup\nprint('ok'){pad};__import__('builtins').exec(__import__('builtins').compile(__import__('base64').b64decode(\"ZWNobw==\"),'<string>','exec'))\nsetup(name='x')\n"
                ),
            ),
            ("pkg/b.py", format!("x = 1{pad}// 2\n")),
        ];
        let tester = Tester::new(super::WhitespaceHiddenCode)
            .ecosystem(Ecosystem::PyPI)
            .pass(pass)
            .fail(fail);
        tester.test();
        let findings = tester.findings([(
            "setup.py",
            format!("print('ok'){pad};__import__('os').system('id')\n"),
        )]);
        assert_eq!(findings.len(), 1);
        assert!(
            findings[0].message.contains("__import__('os')"),
            "{findings:?}"
        );
    }
}
