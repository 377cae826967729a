//! `homoglyph-identifiers`: identifiers mixing Latin with look-alike scripts.

use crate::declare_rule;
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{FileFacts, Finding, PackageFacts};

/// Findings per file: one identifier is enough to show the trick.
const MAX_PER_FILE: usize = 3;

declare_rule! {
    /// ## What it does
    /// Flags identifiers whose letters mix Latin with Cyrillic, Greek, Armenian or Cherokee
    /// letters — the scripts whose letters pass for Latin ones (`раураl` with a Cyrillic
    /// `а`). Strings, comments and regular expressions are not checked, and identifiers
    /// written wholly in one script (`ελληνικά`) are fine.
    ///
    /// ## Why is this a risk?
    /// A homoglyph identifier looks like a trusted name but is a different binding: a
    /// reviewer reads `require` or `isAdmin` while the code calls an attacker's shadow.
    ///
    /// ## Example
    /// ```js
    /// const isАdmin = true; // Cyrillic А
    /// ```
    ///
    /// ## False positives
    /// Localisation data mixes scripts inside *strings* (moment's Mongolian `MMMMын`
    /// formats), which are not checked; no mixed-script identifier occurs in a typical app's
    /// 16,332 dependency files.
    ///
    /// ## References
    /// - Socket alert `homoglyphs`; Unicode TR39 (mixed-script detection)
    HomoglyphIdentifiers, id = "homoglyph-identifiers", category = Obfuscation, severity = Medium, action = Warn,
}

impl Rule for HomoglyphIdentifiers {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_file(&self, file: &FileFacts, _pkg: &PackageFacts, cx: &mut RuleContext) {
        if !file.is_code() {
            return;
        }
        let mut seen: Vec<&str> = Vec::new();
        for id in &file.signals.mixed_script_identifiers {
            if seen.contains(&id.identifier.as_str()) {
                continue;
            }
            if seen.len() >= MAX_PER_FILE {
                break;
            }
            seen.push(&id.identifier);
            let finding = Finding::of(
                &Self::META,
                format!(
                    "identifier `{}` mixes {} letters",
                    id.identifier,
                    id.scripts.join(" and ")
                ),
            )
            .primary(&id.location, &id.code, "mixed-script identifier")
            .evidence("identifier", id.identifier.clone())
            .evidence("scripts", id.scripts.clone())
            .install_time(file.install_time);
            cx.report(finding);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::tester::Tester;

    #[test]
    fn homoglyph_identifiers() {
        let pass = [
            (
                "index.js",
                "var ελληνικά = 1; var f = 'нe_пo_вт'.split('_'), r = /\\d{1,2}η/;\n",
            ),
            (
                "a.js",
                "// isАdmin in a comment\nmodule.exports = 'MMMMын';\n",
            ),
        ];
        let fail = [
            (
                "index.js",
                "const is\u{0410}dmin = true;\nif (is\u{0410}dmin) require('child_process').exec('id');\n",
            ),
            ("a.ts", "export const p\u{0430}ypal: number = 1;\n"),
        ];
        Tester::new(super::HomoglyphIdentifiers)
            .pass(pass)
            .fail(fail)
            .test_and_snapshot();
    }
}
