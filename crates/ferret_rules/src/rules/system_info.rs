//! `system-info`: code that collects host, user and network details.

use crate::declare_rule;
use crate::rule::{Rule, RuleContext, RuleMeta};
use crate::rules::capability_uses::report_capability;
use ferret_core::{Capability, FileFacts, PackageFacts};

declare_rule! {
    /// ## What it does
    /// Reports files that collect information about the machine and its user: `os.hostname`,
    /// `os.userInfo`, `os.networkInterfaces`, `os.platform`/`os.type`/`os.release`,
    /// `os.homedir`, `process.getuid` and similar. One finding per file points at the first use.
    ///
    /// ## Why is this a risk?
    /// Fingerprinting the host is the first thing reconnaissance and dependency-confusion
    /// payloads do: hostname, user name, internal IPs and the working directory identify the
    /// victim organisation and are sent out with the first request.
    ///
    /// ## Example
    /// ```js
    /// const os = require("os");
    /// const id = [os.hostname(), os.userInfo().username, JSON.stringify(os.networkInterfaces())];
    /// ```
    ///
    /// ## False positives
    /// Platform detection (`os.platform()` to choose a binary) is common and harmless on its
    /// own. The finding is informational by default; exfiltration rules weigh it with network
    /// use.
    ///
    /// ## References
    /// - GuardDog `threat-runtime-system-info`
    SystemInfo, id = "system-info", category = Capability, severity = Info, action = Info,
}

impl Rule for SystemInfo {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_file(&self, file: &FileFacts, _pkg: &PackageFacts, cx: &mut RuleContext) {
        report_capability(
            &Self::META,
            Capability::SystemInfo,
            file,
            cx,
            "system information access",
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::tester::Tester;

    #[test]
    fn system_info() {
        let pass = [
            (
                "index.js",
                "const hostname = 'localhost'; console.log(hostname);",
            ),
            (
                "a.js",
                "const o = { hostname() { return 'x'; } }; o.hostname();",
            ),
        ];
        let fail = [
            ("index.js", "const os = require('os'); os.hostname();"),
            (
                "a.js",
                "const { userInfo } = require('node:os'); userInfo().username;",
            ),
            ("b.js", "require('os').networkInterfaces()"),
        ];
        Tester::new(super::SystemInfo)
            .pass(pass)
            .fail(fail)
            .test_and_snapshot();
    }
}
