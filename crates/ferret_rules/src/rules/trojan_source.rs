//! `trojan-source`: bidirectional control characters in code files.

use crate::declare_rule;
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{FileFacts, Finding, PackageFacts, TextContext};

declare_rule! {
    /// ## What it does
    /// Flags bidirectional control characters (U+202A–U+202E embeddings and overrides,
    /// U+2066–U+2069 isolates) in JavaScript/TypeScript files — in code, strings or
    /// comments. Markdown and other text files are not checked.
    ///
    /// ## Why is this a risk?
    /// These characters reorder how a line is *displayed* without changing how it is
    /// parsed ("Trojan Source", CVE-2021-42574): a reviewer sees a comment or a string
    /// where the compiler sees an `if` or an early `return`.
    ///
    /// ## Example
    /// ```js
    /// /*\u{202E} } \u{2066}if (isAdmin)\u{2069} \u{2066} begin admins only */
    /// // (controls written as escapes here; in the attack they are raw characters)
    /// ```
    ///
    /// ## False positives
    /// Right-to-left text in code is written with escapes (`\u202B`) or as marks
    /// (U+200E/U+200F), which are not flagged. None of 16,332 files of a typical app's
    /// dependencies (moment's Arabic and Hebrew locales included) contain a raw control.
    ///
    /// ## References
    /// - <https://trojansource.codes/>; Socket alert `bidi`; GuardDog `threat-runtime-obfuscation-unicode`
    TrojanSource, id = "trojan-source", category = Obfuscation, severity = High, action = Warn,
}

impl Rule for TrojanSource {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_file(&self, file: &FileFacts, _pkg: &PackageFacts, cx: &mut RuleContext) {
        if !file.is_code() {
            return;
        }
        let Some(first) = file.signals.bidi.first() else {
            return;
        };
        let where_ = match first.context {
            TextContext::Code => "code",
            TextContext::String => "a string",
            TextContext::Comment => "a comment",
            TextContext::Regex => "a regular expression",
        };
        let mut points: Vec<String> = file
            .signals
            .bidi
            .iter()
            .map(|c| format!("U+{:04X}", c.code_point))
            .collect();
        points.sort();
        points.dedup();
        let finding = Finding::of(
            &Self::META,
            format!(
                "bidirectional control `U+{:04X}` in {where_} can make code display differently than it runs",
                first.code_point
            ),
        )
        .primary(&first.location, &first.code, "bidi control here")
        .evidence("count", file.signals.bidi.len())
        .evidence("code_points", points)
        .install_time(file.install_time);
        cx.report(finding);
    }
}

#[cfg(test)]
mod tests {
    use crate::tester::Tester;

    #[test]
    fn trojan_source() {
        let pass = [
            ("index.js", "const rtl = '\\u202B' + text + '\\u202C';"),
            ("README.md", "text with \u{202E} override"),
            ("l.js", "module.exports = { ar: 'يناير\u{200F}' };"),
        ];
        let fail = [
            (
                "index.js",
                "var isAdmin = false;\n/*\u{202E} } \u{2066}if (isAdmin)\u{2069} \u{2066} begin admins only */\n  console.log('admin');\n/* end admins only \u{202E} { \u{2066}*/\n",
            ),
            (
                "a.js",
                "var access = 'user\u{202E} \u{2066}// Check if admin\u{2069} \u{2066}';\n",
            ),
        ];
        Tester::new(super::TrojanSource)
            .pass(pass)
            .fail(fail)
            .test_and_snapshot();
    }
}
