//! `long-string`: string literals long enough to carry a payload.

use crate::declare_rule;
use crate::detect::entropy::{LONG_STRING_MIN_LEN, safe_preview, shannon_entropy};
use crate::detect::string_excerpt;
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{FileFacts, Finding, PackageFacts};

declare_rule! {
    /// ## What it does
    /// Reports the longest string of a code file when it has at least 50,000 characters
    /// (data URIs excluded), with its length, entropy and an escaped preview.
    ///
    /// ## Why is this a risk?
    /// Whole second stages, packed scripts and embedded binaries ride in single giant
    /// strings that editors truncate and reviewers skip.
    ///
    /// ## Example
    /// ```js
    /// const stage2 = "…60,000 characters…"; eval(decrypt(stage2));
    /// ```
    ///
    /// ## False positives
    /// Compiled templates, Unicode tables and embedded assets are long strings too (3 of 381
    /// packages of a typical app: next, moment, saslprep), so the rule only records.
    ///
    /// ## References
    /// - Socket alert `longStrings`
    LongString, id = "long-string", category = Obfuscation, severity = Low, action = Monitor,
}

impl Rule for LongString {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_file(&self, file: &FileFacts, _pkg: &PackageFacts, cx: &mut RuleContext) {
        if !file.is_code() {
            return;
        }
        let Some(s) = file
            .strings
            .iter()
            .filter(|s| s.len >= LONG_STRING_MIN_LEN && !s.value.starts_with("data:"))
            .max_by_key(|s| (s.len, std::cmp::Reverse(&s.location)))
        else {
            return;
        };
        let entropy = (shannon_entropy(&s.value) * 100.0).round() / 100.0;
        let head: String = s.value.chars().take(200).collect();
        let finding = Finding::of(&Self::META, format!("{}-character string literal", s.len))
            .primary(&s.location, &string_excerpt(s), "long string")
            .evidence("length", s.len)
            .evidence("entropy", entropy)
            .evidence("preview", safe_preview(head.as_bytes()))
            .install_time(file.install_time);
        cx.report(finding);
    }
}

#[cfg(test)]
mod tests {
    use crate::tester::Tester;

    #[test]
    fn long_string() {
        let pass = [
            ("index.js", format!("const s = '{}';", "ab".repeat(1000))),
            (
                "a.js",
                format!(
                    "const img = 'data:image/png;base64,{}';",
                    "QUJD".repeat(20_000)
                ),
            ),
        ];
        let fail = [(
            "index.js",
            format!(
                "const stage2 = '{}';\nmodule.exports = stage2;\n",
                "x=1;".repeat(15_000)
            ),
        )];
        Tester::new(super::LongString)
            .pass(pass)
            .fail(fail)
            .test_and_snapshot();
    }
}
