//! `invisible-characters`: zero-width and other invisible characters in code or strings.

use crate::declare_rule;
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{FileFacts, Finding, PackageFacts, TextContext};

declare_rule! {
    /// ## What it does
    /// Flags invisible characters — zero-width spaces and joiners, word joiners, the Hangul
    /// fillers, variation selectors, tag characters — used as or inside identifiers, and long
    /// runs of them inside strings. One finding per file, at the first one.
    ///
    /// ## Why is this a risk?
    /// An invisible identifier is a variable a reviewer cannot see: the "invisible backdoor"
    /// destructures `const { timeout,ㅤ} = req.query` and later runs `exec(ㅤ)`. Runs of
    /// variation selectors or tag characters encode whole payloads inside what looks like an
    /// empty string (the GlassWorm campaign decoded and `eval`ed such strings).
    ///
    /// ## Example
    /// ```js
    /// const { timeout,ㅤ} = req.query; // U+3164 HANGUL FILLER
    /// exec(ㅤ);
    /// ```
    ///
    /// ## False positives
    /// Not flagged: characters in comments, emoji sequences (`👨‍👩‍👧`, `🏳️‍🌈`), a BOM at
    /// the start of the file, and short runs in strings — the longest benign run measured in
    /// a typical app's dependencies is 8 (React's dev-tools track names); Kurdish and Sinhala
    /// locale text in moment uses single ZWNJ/ZWJ, parsers keep `"\u200c\u200d"` tables.
    ///
    /// ## References
    /// - Socket alerts `zeroWidth`, `invisibleChars`
    /// - <https://certitude.consulting/blog/en/invisible-backdoor/>
    InvisibleCharacters, id = "invisible-characters", category = Obfuscation, severity = Medium, action = Warn,
}

impl Rule for InvisibleCharacters {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_file(&self, file: &FileFacts, _pkg: &PackageFacts, cx: &mut RuleContext) {
        if !file.is_code() {
            return;
        }
        let Some(first) = file.signals.invisible.first() else {
            return;
        };
        let message = match first.context {
            TextContext::Code => {
                format!("invisible character `U+{:04X}` in code", first.code_point)
            }
            _ => format!(
                "run of {} invisible characters (from `U+{:04X}`) in a string",
                first.run, first.code_point
            ),
        };
        let total: u64 = file
            .signals
            .invisible
            .iter()
            .map(|c| u64::from(c.run))
            .sum();
        let finding = Finding::of(&Self::META, message)
            .primary(&first.location, &first.code, "invisible character here")
            .evidence("count", total)
            .evidence("code_point", format!("U+{:04X}", first.code_point))
            .evidence("in_code", first.context == TextContext::Code)
            .install_time(file.install_time);
        cx.report(finding);
    }
}

#[cfg(test)]
mod tests {
    use crate::tester::Tester;

    #[test]
    fn invisible_characters() {
        let pass = [
            (
                "index.js",
                "const family = '👨\u{200D}👩\u{200D}👧';\n// zero\u{200B}width in a comment\n",
            ),
            (
                "b.js",
                "\u{FEFF}module.exports = c => c === '\u{200C}' || c === '\u{200D}';\n",
            ),
            (
                "c.js",
                "var t = \"Parallel\u{200b}\u{200b}\u{200b}\u{200b}\u{200b}\u{200b}\u{200b}\u{200b}\";\n",
            ),
        ];
        let payload: String = (0..64u32)
            .map(|i| char::from_u32(0xFE00 + i % 16).unwrap_or('x'))
            .collect();
        let glass = format!("const s = '{payload}';\neval(atob(decode(s)));\n");
        let fail = [
            ("index.js", "const { timeout,\u{3164}} = req.query;\nrequire('child_process').exec(\u{3164});\n".to_string()),
            ("a.js", glass),
        ];
        Tester::new(super::InvisibleCharacters)
            .pass(pass)
            .fail(fail)
            .test_and_snapshot();
    }
}
