//! `high-entropy-string`: base64/hex blobs whose entropy says packed or encrypted data.

use crate::declare_rule;
use crate::detect::entropy::{
    BASE64_ENTROPY_MIN, HEX_ENTROPY_MIN, HIGH_ENTROPY_MIN_LEN, PayloadKind, classify_payload,
    decode, shannon_entropy,
};
use crate::detect::string_excerpt;
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{FileFacts, Finding, PackageFacts, StringFact};

declare_rule! {
    /// ## What it does
    /// Reports the highest-entropy encoded blob of a file: a string of at least 200
    /// characters in the base64 or hex alphabet whose Shannon entropy is at least 5.2
    /// (base64) or 3.7 (hex) bits per character. The evidence carries the entropy, the
    /// encoding, the decoded format when recognised (`wasm`, `gzip`, `font`, `elf`, …) and a
    /// safe, escaped preview of the decoded bytes.
    ///
    /// ## Why is this a risk?
    /// Second stages, encrypted configs and stolen-data formats travel as encoded blobs that
    /// pattern scanners and reviewers cannot read. Seeing what the blob decodes to answers
    /// in seconds whether it is a font or a shell script.
    ///
    /// ## Example
    /// ```js
    /// const p = "Y3VybCAtcyBodHRwOi8vZXhhbXBsZS5pbnZhbGlkL3N0YWdlMiB8IHNo…"; // 2 KB
    /// ```
    ///
    /// ## False positives
    /// Embedded WebAssembly (webpack's hashes), compressed tables (saslprep) and fonts (next's
    /// OG image renderer) are high-entropy blobs too — 3 of 381 packages of a typical app.
    /// That is why this rule only records (monitor); the decoded format in the evidence
    /// explains those at a glance.
    ///
    /// ## References
    /// - Socket alert `highEntropyStrings`
    HighEntropyString, id = "high-entropy-string", category = Obfuscation, severity = Low, action = Monitor,
}

impl Rule for HighEntropyString {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_file(&self, file: &FileFacts, _pkg: &PackageFacts, cx: &mut RuleContext) {
        if !file.is_code() {
            return;
        }
        let mut best: Option<(&StringFact, PayloadKind, f64)> = None;
        for s in &file.strings {
            if s.len < HIGH_ENTROPY_MIN_LEN {
                continue;
            }
            let Some(kind) = classify_payload(&s.value) else {
                continue;
            };
            let entropy = shannon_entropy(&s.value);
            let min = match kind {
                PayloadKind::Hex => HEX_ENTROPY_MIN,
                PayloadKind::Base64 => BASE64_ENTROPY_MIN,
                PayloadKind::CharCodes => continue,
            };
            if entropy >= min && best.is_none_or(|(_, _, e)| entropy > e) {
                best = Some((s, kind, entropy));
            }
        }
        let Some((s, kind, entropy)) = best else {
            return;
        };
        let decoded = decode(kind, &s.value);
        let rounded = (entropy * 100.0).round() / 100.0;
        let what = decoded
            .as_ref()
            .and_then(|d| d.format)
            .map_or(String::new(), |f| format!(", decodes to {f}"));
        let mut finding = Finding::of(
            &Self::META,
            format!(
                "{}-character {} string with entropy {rounded:.2} bits/char{what}",
                s.len,
                kind.as_str()
            ),
        )
        .primary(&s.location, &string_excerpt(s), "encoded blob")
        .evidence("entropy", rounded)
        .evidence("encoding", kind.as_str())
        .evidence("length", s.len)
        .install_time(file.install_time);
        if let Some(d) = decoded {
            finding = finding.evidence("decoded_preview", d.preview);
            if let Some(f) = d.format {
                finding = finding.evidence("decoded_format", f);
            }
        }
        cx.report(finding);
    }
}

#[cfg(test)]
mod tests {
    use crate::tester::Tester;

    /// A deterministic pseudo-random base64 blob.
    fn blob(n: usize) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut x: u32 = 0x1234_5678;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                A[(x % 64) as usize] as char
            })
            .collect()
    }

    #[test]
    fn high_entropy_string() {
        let pass = [
            ("index.js", format!("const short = '{}';", blob(64))),
            (
                "a.js",
                format!(
                    "const prose = '{}';",
                    "the quick brown fox jumps over the lazy dog ".repeat(10)
                ),
            ),
            (
                "b.js",
                format!("const img = 'data:image/png;base64,{}';", blob(400)),
            ),
        ];
        let fail = [(
            "index.js",
            format!(
                "const payload = \"{}\";\nmodule.exports = payload;\n",
                blob(1000)
            ),
        )];
        Tester::new(super::HighEntropyString)
            .pass(pass)
            .fail(fail)
            .test_and_snapshot();
    }
}
