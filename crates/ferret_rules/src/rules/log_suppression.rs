//! `log-suppression`: console methods replaced, a warning when the file is also obfuscated.

use crate::declare_rule;
use crate::detect::obfuscation::is_obfuscated;
use crate::detect::paths::is_test_or_docs_path;
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{Action, FileFacts, Finding, PackageFacts};

declare_rule! {
    /// ## What it does
    /// Flags assignments that replace console methods (`console.log = function(){}`,
    /// `console[m] = () => {}`). Recorded (monitor) on its own; a warning when the same file
    /// carries an obfuscator signature.
    ///
    /// ## Why is this a risk?
    /// Malware silences the console so its errors and the output of the commands it runs
    /// never reach the terminal of the person installing the package.
    ///
    /// ## Example
    /// ```js
    /// console.log = console.warn = console.error = function () {};
    /// ```
    ///
    /// ## False positives
    /// Loggers and test helpers wrap console methods; that is why the rule only warns next to
    /// obfuscated code, and files under `test/`, `docs/` and `examples/` are ignored.
    ///
    /// ## References
    /// - GuardDog `threat-runtime-obfuscation-log-suppress`
    LogSuppression, id = "log-suppression", category = Obfuscation, severity = Medium, action = Monitor,
}

impl Rule for LogSuppression {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_file(&self, file: &FileFacts, _pkg: &PackageFacts, cx: &mut RuleContext) {
        if !file.is_code() || is_test_or_docs_path(&file.path) {
            return;
        }
        let Some(first) = file.signals.console_overrides.first() else {
            return;
        };
        let obfuscated = is_obfuscated(file);
        let code = first.code.text.trim_start_matches('…').trim_start();
        let mut finding = Finding::of(
            &Self::META,
            format!(
                "console method replaced: `{}`",
                code.chars().take(60).collect::<String>()
            ),
        )
        .primary(&first.location, &first.code, "console overwritten here")
        .evidence("count", file.signals.console_overrides.len())
        .install_time(file.install_time);
        if let Some(o) = obfuscated {
            finding = finding.evidence("obfuscation", o.signature.name()).related(
                &o.location,
                None,
                "in an obfuscated file",
            );
            finding.action = Action::Warn;
        }
        cx.report(finding);
    }
}

#[cfg(test)]
mod tests {
    use crate::tester::Tester;
    use ferret_core::Action;

    #[test]
    fn log_suppression() {
        let pass = [
            (
                "index.js",
                "if (console.log == null) {}\nconsole.log('hi');\n",
            ),
            ("test/setup.js", "console.log = function () {};\n"),
        ];
        let fail = [
            ("index.js", "console.log = function () {};\n"),
            (
                "a.js",
                "eval(function(p,a,c,k,e,d){return p}('0',1,1,''.split('|'),0,{}));\nconsole['error'] = () => {};\n",
            ),
        ];
        let t = Tester::new(super::LogSuppression).pass(pass).fail(fail);
        t.test_and_snapshot();
        let plain = t.findings([("index.js", "console.log = function () {};\n")]);
        assert_eq!(plain[0].action, Action::Monitor);
        let obf = t.findings([("a.js", "eval(function(p,a,c,k,e,d){return p}('0',1,1,''.split('|'),0,{}));\nconsole.warn = () => {};\n")]);
        assert_eq!(obf[0].action, Action::Warn);
    }
}
