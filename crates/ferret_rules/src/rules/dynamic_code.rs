//! `dynamic-code`: code that runs code built at run time.

use crate::declare_rule;
use crate::rule::{Rule, RuleContext, RuleMeta};
use crate::rules::capability_uses::report_capability;
use ferret_core::{Capability, FileFacts, PackageFacts};

declare_rule! {
    /// ## What it does
    /// Reports files that execute code assembled at run time: `eval` (also indirect, as in
    /// `(0, eval)(…)`), `new Function`, the `vm` module, `setTimeout`/`setInterval` with a
    /// string, `module._compile`, and `require`/`import()` of a path that cannot be folded to
    /// a constant. One finding per file points at the first use.
    ///
    /// ## Why is this a risk?
    /// Dynamic execution is how obfuscated and downloaded payloads run: the code a reviewer
    /// reads is not the code that executes. Decoders feeding `eval` are the signature of
    /// packed malware.
    ///
    /// ## Example
    /// ```js
    /// const body = Buffer.from(blob, "base64").toString();
    /// eval(body);
    /// ```
    ///
    /// ## False positives
    /// Template engines, bundler runtimes, polyfills that detect the global object with
    /// `Function("return this")()` and plugin loaders with computed `require` paths. The finding
    /// is informational by default.
    ///
    /// ## References
    /// - Socket alerts `usesEval`, `dynamicRequire`; GuardDog `threat-runtime-obfuscation-import-exec`
    DynamicCode, id = "dynamic-code", category = Capability, severity = Info, action = Info,
}

impl Rule for DynamicCode {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_file(&self, file: &FileFacts, _pkg: &PackageFacts, cx: &mut RuleContext) {
        report_capability(
            &Self::META,
            Capability::DynamicCode,
            file,
            cx,
            "dynamic code execution",
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::tester::Tester;

    #[test]
    fn dynamic_code() {
        let pass = [
            ("index.js", "const o = { eval: (x) => x }; o.eval('1');"),
            (
                "a.js",
                "function evaluate(x) { return x; } evaluate('1 + 1');",
            ),
        ];
        let fail = [
            ("index.js", "eval('1 + 1')"),
            ("a.js", "const f = new Function('a', 'return a'); f(1);"),
            ("b.js", "(0, eval)('this')"),
            ("c.js", "require('vm').runInNewContext('1')"),
        ];
        Tester::new(super::DynamicCode)
            .pass(pass)
            .fail(fail)
            .test_and_snapshot();
    }
}
