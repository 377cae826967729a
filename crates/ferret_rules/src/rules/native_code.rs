//! `native-code`: native binaries, addons and native builds in the package.

use crate::declare_rule;
use crate::rule::{Rule, RuleContext, RuleMeta};
use crate::rules::capability_uses::{more, report_uses};
use ferret_core::{Capability, CapabilityUse, FileFacts, PackageFacts, UseKind};

declare_rule! {
    /// ## What it does
    /// Reports native code: ELF, PE and Mach-O executables and libraries and WebAssembly
    /// modules (recognised by their magic bytes, whatever their names), `.node` addons,
    /// `binding.gyp` (compiled by `node-gyp` at install), install scripts that download
    /// prebuilt binaries (`prebuild-install`, `node-pre-gyp`) or build them, and code that loads
    /// addons (`process.dlopen`, `require` of a `.node` file).
    ///
    /// ## Why is this a risk?
    /// Native code cannot be reviewed like JavaScript and is invisible to source analysis: a
    /// bundled executable can do anything once it runs, and a prebuilt binary downloaded at
    /// install time is not even in the package that was reviewed.
    ///
    /// ## Example
    /// ```json
    /// { "scripts": { "install": "prebuild-install || node-gyp rebuild" } }
    /// ```
    ///
    /// ## False positives
    /// Database drivers, image libraries, compilers (`esbuild`, `@swc/core`) and file watchers
    /// ship native code by design. The finding is informational by default.
    ///
    /// ## References
    /// - Socket alert `hasNativeCode`; GuardDog `bundled_binary`
    NativeCode, id = "native-code", category = Capability, severity = Info, action = Info,
}

impl Rule for NativeCode {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_file(&self, file: &FileFacts, _pkg: &PackageFacts, cx: &mut RuleContext) {
        let uses: Vec<&CapabilityUse> = file.uses_of(Capability::NativeCode).collect();
        let path = file.path.as_str();
        report_uses(&Self::META, &uses, cx, |u, n| {
            match (u.kind, u.api.as_str()) {
                (UseKind::File, "binding.gyp") => {
                    format!("`{path}` builds a native addon with `node-gyp`")
                }
                (UseKind::File, _) => format!(
                    "`{path}` is a {}",
                    u.detail.as_deref().unwrap_or("native binary")
                ),
                (_, api) if path == "package.json" => {
                    format!(
                        "install script builds or downloads native code with `{api}`{}",
                        more(n)
                    )
                }
                (_, api) => format!("loads native code via `{api}`{}", more(n)),
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::tester::Tester;

    const ELF: &[u8] = b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00";
    const WASM: &[u8] = b"\x00asm\x01\x00\x00\x00";

    #[test]
    fn native_code() {
        let pass: [(&str, &[u8]); 2] = [
            ("index.js", b"module.exports = 'a .node file';"),
            ("bin/tool.txt", b"plain text"),
        ];
        let fail: [(&str, &[u8]); 3] = [
            ("build/Release/addon.node", ELF),
            ("lib/module.wasm", WASM),
            (
                "binding.gyp",
                b"{ 'targets': [ { 'target_name': 'addon' } ] }",
            ),
        ];
        Tester::new(super::NativeCode)
            .pass(pass)
            .fail(fail)
            .test_and_snapshot();
    }

    #[test]
    fn prebuild_download_in_install_script() {
        let findings = Tester::new(super::NativeCode).findings([(
            "package.json",
            r#"{"name":"x","version":"1.0.0","scripts":{"install":"prebuild-install || node-gyp rebuild"}}"#,
        )]);
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(
            findings[0].message,
            "install script builds or downloads native code with `prebuild-install` and 1 more use"
        );
    }
}
