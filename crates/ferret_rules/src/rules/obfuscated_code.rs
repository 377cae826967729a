//! `obfuscated-code`: obfuscator output (javascript-obfuscator, packer, JSFuck).

use crate::declare_rule;
use crate::detect::{excerpt_at, obfuscation::is_obfuscated};
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{FileFacts, Finding, PackageFacts};

declare_rule! {
    /// ## What it does
    /// Flags files carrying the signature of an obfuscator: javascript-obfuscator output
    /// (`_0x…` hex identifiers with a rotated string array or `parseInt(_0x…)` lookups),
    /// Dean Edwards' packer (`eval(function(p,a,c,k,e,d)…`) and JSFuck (code made only of
    /// `[]()!+`). The evidence names the signature that matched.
    ///
    /// ## Why is this a risk?
    /// Open-source packages have no reason to hide their code from the people installing
    /// them. Obfuscation is how most npm malware hides its payload from review and from
    /// pattern scanners; the obfuscated file is then usually run at install or load time.
    ///
    /// ## Example
    /// ```js
    /// const _0x4f2a=['exec','child_process'];(function(_0x1b2c,_0x4e5f){while(--_0x4e5f){_0x1b2c['push'](_0x1b2c['shift']());}}(_0x4f2a,0x1a3));
    /// ```
    ///
    /// ## False positives
    /// Minified code is *not* obfuscated code: terser/esbuild/webpack output never produces
    /// `_0x` string arrays or packer wrappers (0 of 16,332 files of a typical app's
    /// dependencies match). Commercial packages occasionally ship obfuscated licence checks;
    /// allow them per package in the policy.
    ///
    /// ## References
    /// - Socket alert `obfuscatedFile`; GuardDog `threat-runtime-obfuscation-*`
    /// - <https://github.com/javascript-obfuscator/javascript-obfuscator>
    ObfuscatedCode, id = "obfuscated-code", category = Obfuscation, severity = High, action = Warn,
}

impl Rule for ObfuscatedCode {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_file(&self, file: &FileFacts, _pkg: &PackageFacts, cx: &mut RuleContext) {
        let Some(found) = is_obfuscated(file) else {
            return;
        };
        let sig = &found.signature;
        let h = &file.signals.obfuscation;
        let finding = Finding::of(
            &Self::META,
            format!("`{}` is {}", file.path, sig.describe()),
        )
        .primary(
            &found.location,
            &excerpt_at(&found.location, sig.name()),
            "obfuscator signature",
        )
        .evidence("signature", sig.name())
        .evidence("hex_identifiers", h.hex_identifiers)
        .evidence("parse_int_hex", h.parse_int_hex)
        .evidence("rotation", h.rotation.is_some())
        .install_time(file.install_time);
        cx.report(finding);
    }
}

#[cfg(test)]
mod tests {
    use crate::tester::Tester;

    const OBFUSCATED: &str = "const _0x4f2a=['exec','child_process','id'];(function(_0x1b2c3d,_0x4e5f60){const _0x2a3b=function(_0x5c6d7e){while(--_0x5c6d7e){_0x1b2c3d['push'](_0x1b2c3d['shift']());}};_0x2a3b(++_0x4e5f60);}(_0x4f2a,0x1a3));const _0x3c4d=function(_0x1a2b3c,_0x4d5e6f){_0x1a2b3c=_0x1a2b3c-0x0;return _0x4f2a[_0x1a2b3c];};require(_0x3c4d('0x1'))[_0x3c4d('0x0')](_0x3c4d('0x2'));";

    #[test]
    fn obfuscated_code() {
        let minified = "!function(e,t){\"object\"==typeof exports?module.exports=t():e.x=t()}(this,function(){var n=[1,2];return n.push(n.shift()),function(r){return r?0x1f:n[0]}});";
        let pass = [
            ("index.js", minified),
            (
                "a.js",
                "var _0x1234 = 1; module.exports = parseInt(_0x1234);",
            ),
            (
                "README.md",
                "eval(function(p,a,c,k,e,d){return p}('',0,0,''.split('|'),0,{}))",
            ),
        ];
        let fail = [
            ("index.js", OBFUSCATED),
            (
                "lib/p.js",
                "eval(function(p,a,c,k,e,d){e=function(c){return c};return p}('0 1',2,2,'console|log'.split('|'),0,{}))",
            ),
        ];
        Tester::new(super::ObfuscatedCode)
            .pass(pass)
            .fail(fail)
            .test_and_snapshot();
    }
}
