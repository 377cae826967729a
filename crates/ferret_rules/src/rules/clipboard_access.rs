//! `clipboard-access`: code that reads or writes the clipboard.

use crate::declare_rule;
use crate::rule::{Rule, RuleContext, RuleMeta};
use crate::rules::capability_uses::report_capability;
use ferret_core::{Capability, FileFacts, PackageFacts};

declare_rule! {
    /// ## What it does
    /// Reports files that read or write the clipboard: `navigator.clipboard`,
    /// `document.execCommand('copy'|'paste')`, clipboard events, Electron's `clipboard`
    /// module, and clipboard helpers such as `clipboardy`. One finding per file points at the
    /// first use.
    ///
    /// ## Why is this a risk?
    /// Crypto-clippers watch the clipboard and swap a copied wallet address for the attacker's;
    /// stealers read it for passwords and seed phrases. Very few libraries need the clipboard.
    ///
    /// ## Example
    /// ```js
    /// navigator.clipboard.readText().then((t) => send(t));
    /// ```
    ///
    /// ## False positives
    /// "Copy to clipboard" UI components and terminal tools that copy output. The finding is
    /// informational by default.
    ///
    /// ## References
    /// - GuardDog `capability-runtime-clipboard`
    ClipboardAccess, id = "clipboard-access", category = Capability, severity = Info, action = Info,
}

impl Rule for ClipboardAccess {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_file(&self, file: &FileFacts, _pkg: &PackageFacts, cx: &mut RuleContext) {
        report_capability(
            &Self::META,
            Capability::Clipboard,
            file,
            cx,
            "clipboard access",
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::tester::Tester;

    #[test]
    fn clipboard_access() {
        let pass = [
            (
                "index.js",
                "const clipboard = { text: '' }; clipboard.text = 'x';",
            ),
            (
                "a.js",
                "// navigator.clipboard.readText()\nmodule.exports = 1;",
            ),
        ];
        let fail = [
            (
                "index.js",
                "navigator.clipboard.readText().then(console.log);",
            ),
            ("a.js", "navigator.clipboard.writeText('x');"),
        ];
        Tester::new(super::ClipboardAccess)
            .pass(pass)
            .fail(fail)
            .test_and_snapshot();
    }
}
