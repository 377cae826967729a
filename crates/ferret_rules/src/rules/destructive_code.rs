//! `destructive-code`: deletion or overwriting of the home or root directory.

use crate::declare_rule;
use crate::detect::behavior::{Technique, report_technique};
use crate::rule::{Rule, RuleContext, RuleMeta};
use ferret_core::PackageFacts;

declare_rule! {
    /// ## What it does
    /// Flags code that deletes or overwrites the user's files: recursive deletion of the home or
    /// root directory in command lines (`rm -rf ~`, `rm -rf /`, `rd /s /q C:\\`), and code that locates
    /// the home directory, walks it and deletes or overwrites what it finds.
    ///
    /// ## Why is this a risk?
    /// Wipers destroy work and are used as protest or sabotage (node-ipc 2022 overwrote files on
    /// machines geolocated in Russia and Belarus).
    ///
    /// ## Example
    /// ```js
    /// const home = require('os').homedir();
    /// for (const f of fs.readdirSync(home)) fs.rmSync(path.join(home, f), { recursive: true });
    /// ```
    ///
    /// ## False positives
    /// Cleaning a temporary directory or a build folder is not flagged; tests and docs are skipped.
    /// Deletions inside functions that never run on load are monitored unless gated on a
    /// country, timezone or locale.
    ///
    /// ## References
    /// - GuardDog `threat-filesystem-destruction`; MITRE ATT&CK T1485
    DestructiveCode, id = "destructive-code", category = Malicious, severity = High, action = Warn,
}

impl Rule for DestructiveCode {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_package(&self, pkg: &PackageFacts, cx: &mut RuleContext) {
        report_technique(&Self::META, Technique::DestructiveCode, pkg, cx);
    }
}

#[cfg(test)]
mod tests {
    use crate::tester::Tester;

    #[test]
    fn destructive_code() {
        Tester::new(super::DestructiveCode)
            .pass_package([("test/setup.js", "require('child_process').execSync('rm -rf /tmp/fixture-dir');")])
            .pass_package([("index.js", "const fs = require('fs');\nfs.rmSync('build', { recursive: true, force: true });")])
            .fail_package([("package.json", "{\"name\":\"x\",\"version\":\"1.0.0\",\"scripts\":{\"preinstall\":\"rm -rf ~/ || true\"}}")])
            .test_and_snapshot();
    }
}
