//! `unparseable-code`: source files that could not be analysed.

use crate::declare_rule;
use crate::engine::file_start;
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{Excerpt, FileFacts, Finding, PackageFacts, ParseStatus};

declare_rule! {
    /// ## What it does
    /// Reports JavaScript and TypeScript files that failed to parse, are not valid UTF-8, or
    /// were skipped because they exceed an analysis limit (size, nesting depth). The report
    /// also lists them under the files that failed, with the parser's message.
    ///
    /// ## Why is this a risk?
    /// Code ferret could not read is code it cannot vouch for. Malware sometimes ships
    /// deliberately malformed or pathological files (100,000 nested brackets, invalid
    /// encodings) to break scanners while the runtime still loads another file. A failure is
    /// never a silent pass.
    ///
    /// ## Example
    /// ```js
    /// module.exports = function () { return ((((((((((
    /// ```
    ///
    /// ## False positives
    /// Test fixtures of invalid syntax, templates with placeholders, and syntax newer than the
    /// parser supports. The default action only records the finding.
    ///
    /// ## References
    /// - oxc parser diagnostics
    UnparseableCode, id = "unparseable-code", category = Package, severity = Low, action = Monitor,
}

impl Rule for UnparseableCode {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_file(&self, file: &FileFacts, _pkg: &PackageFacts, cx: &mut RuleContext) {
        let (message, location) = match &file.status {
            ParseStatus::Failed { message, location } => (
                format!(
                    "`{}` could not be parsed: {}",
                    file.path,
                    first_line(message)
                ),
                location.clone(),
            ),
            ParseStatus::Skipped { reason } => (
                format!("`{}` was not analysed: {}", file.path, first_line(reason)),
                None,
            ),
            ParseStatus::Parsed | ParseStatus::NotCode => return,
        };
        let location = location.unwrap_or_else(|| file_start(&file.path));
        let code = Excerpt {
            line: location.line,
            text: String::new(),
            highlight_start: 0,
            highlight_len: 0,
        };
        cx.report(
            Finding::of(&Self::META, message)
                .primary(&location, &code, "analysis stopped here")
                .install_time(file.install_time)
                .evidence(
                    "status",
                    serde_json::to_value(&file.status).unwrap_or_default(),
                ),
        );
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use crate::tester::Tester;

    #[test]
    fn unparseable_code() {
        let pass: [(&str, &[u8]); 2] = [
            ("index.js", b"module.exports = 1;"),
            ("data.txt", b"\xff\xfe not utf-8 but not code"),
        ];
        let fail: [(&str, &[u8]); 2] = [
            ("index.js", b"module.exports = function () { return ((("),
            ("a.js", b"// caf\xe9 in Latin-1\nconst s = 1;"),
        ];
        Tester::new(super::UnparseableCode)
            .pass(pass)
            .fail(fail)
            .test_and_snapshot();
    }
}
