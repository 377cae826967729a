//! `disguised-binary`: binaries named like source code.

use crate::declare_rule;
use crate::engine::{file_start, is_disguised_binary, kind_name};
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{Excerpt, FileFacts, Finding, PackageFacts};

declare_rule! {
    /// ## What it does
    /// Reports files whose names say source code (`.js`, `.mjs`, `.ts`, `.py`, `.sh`, `.json`,
    /// …) but whose bytes are a native executable or library (ELF, PE, Mach-O), a WebAssembly
    /// module or other binary data, as recognised by magic bytes and content sniffing.
    ///
    /// ## Why is this a risk?
    /// A binary named `index.js` passes a glance at the file list and evades scanners that
    /// trust extensions, while an install script can still `chmod +x` and run it. There is no
    /// legitimate reason to disguise a binary as a script.
    ///
    /// ## Example
    /// ```text
    /// lib/helper.js: ELF 64-bit LSB executable, x86-64
    /// ```
    ///
    /// ## False positives
    /// Almost none; occasionally a test fixture of corrupt input stored with a `.js` name.
    ///
    /// ## References
    /// - MITRE ATT&CK T1036.008 (Masquerade File Type)
    DisguisedBinary, id = "disguised-binary", category = Package, severity = High, action = Warn,
}

impl Rule for DisguisedBinary {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_file(&self, file: &FileFacts, _pkg: &PackageFacts, cx: &mut RuleContext) {
        if !is_disguised_binary(file) {
            return;
        }
        let what = kind_name(file.kind);
        let code = Excerpt {
            line: 1,
            text: format!("<{what} file, {} bytes>", file.size),
            highlight_start: 0,
            highlight_len: 1,
        };
        cx.report(
            Finding::of(&Self::META, format!("`{}` holds {what} content", file.path))
                .primary(&file_start(&file.path), &code, "binary content")
                .install_time(file.install_time)
                .evidence("kind", serde_json::to_value(file.kind).unwrap_or_default())
                .evidence("size", file.size),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::tester::Tester;

    const ELF: &[u8] = b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00";
    const PE: &[u8] = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00";

    #[test]
    fn disguised_binary() {
        let pass: [(&str, &[u8]); 4] = [
            ("index.js", b"module.exports = 1;"),
            ("latin1.js", b"// caf\xe9\nmodule.exports = 1;"),
            ("bin/tool", ELF),
            ("build/Release/addon.node", ELF),
        ];
        let fail: [(&str, &[u8]); 4] = [
            ("index.js", ELF),
            ("data.js", b"\x00\x01\x02\x03\xff\xfe binary blob"),
            ("lib/helper.mjs", PE),
            ("setup.py", ELF),
        ];
        Tester::new(super::DisguisedBinary)
            .pass(pass)
            .fail(fail)
            .test_and_snapshot();
    }
}
