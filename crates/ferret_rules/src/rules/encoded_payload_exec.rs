//! `encoded-payload-exec`: a decoded payload reaching eval, Function, vm or a process.

use crate::declare_rule;
use crate::detect::behavior::{Technique, report_technique};
use crate::rule::{Rule, RuleContext, RuleMeta};
use ferret_core::PackageFacts;

declare_rule! {
    /// ## What it does
    /// Flags code that decodes a hidden payload and runs it: base64/hex/char-code/XOR/reversed
    /// strings reaching `eval`, `Function`, `vm.*`, `module._compile`, string timers or
    /// `child_process`; a computed body executed on load next to a decoder (`Buffer.from(…,
    /// 'base64')`, `atob`, `createDecipheriv`); whitespace steganography. The decoded code is
    /// shown in the evidence.
    ///
    /// ## Why is this a risk?
    /// Encoding exists to hide the payload from reviewers and scanners; ordinary packages do not
    /// execute base64.
    ///
    /// ## Example
    /// ```js
    /// eval(Buffer.from('cmVxdWlyZSgnY2hpbGRfcHJvY2VzcycpLmV4ZWMoJ2lkJyk=', 'base64').toString());
    /// ```
    ///
    /// ## False positives
    /// Bundlers' `eval` of module strings and template engines' `new Function(source)` run code
    /// that is not decoded; they are not flagged. Bundles only count at install time.
    ///
    /// ## References
    /// - GuardDog `threat-runtime-obfuscation`; MITRE ATT&CK T1027, T1140
    EncodedPayloadExec, id = "encoded-payload-exec", category = Malicious, severity = High, action = Warn,
}

impl Rule for EncodedPayloadExec {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_package(&self, pkg: &PackageFacts, cx: &mut RuleContext) {
        report_technique(&Self::META, Technique::EncodedPayloadExec, pkg, cx);
    }
}

#[cfg(test)]
mod tests {
    use crate::tester::Tester;

    #[test]
    fn encoded_payload_exec() {
        Tester::new(super::EncodedPayloadExec)
            .pass_package([("index.js", "const f = new Function('return this')();\neval('require');")])
            .fail_package([("index.js", "eval(Buffer.from('cmVxdWlyZSgnY2hpbGRfcHJvY2VzcycpLmV4ZWMoJ2lkJyk=', 'base64').toString());")])
            .test_and_snapshot();
    }
}
