//! `network-access`: code that can talk to the network.

use crate::declare_rule;
use crate::rule::{Rule, RuleContext, RuleMeta};
use crate::rules::capability_uses::report_capability;
use ferret_core::{Capability, FileFacts, PackageFacts};

declare_rule! {
    /// ## What it does
    /// Reports files that can open network connections: the node modules `http`, `https`,
    /// `http2`, `net`, `tls`, `dgram` and `dns`, and the globals `fetch`, `XMLHttpRequest`,
    /// `WebSocket` and `navigator.sendBeacon`, however they are reached (aliases,
    /// destructuring, `node:` prefixes, computed `require` arguments that fold to a constant).
    /// One finding per file points at the first use; every use is listed in the capability
    /// profile.
    ///
    /// ## Why is this a risk?
    /// Network access is how stolen data leaves a machine and how a second-stage payload
    /// arrives. Most malicious packages need it; so do HTTP clients, so this is a fact about the
    /// package rather than a verdict. It matters most when it is new in a version (permission
    /// creep) or runs at install time.
    ///
    /// ## Example
    /// ```js
    /// const https = require("node:https");
    /// https.get("https://example.invalid/payload");
    /// ```
    ///
    /// ## False positives
    /// HTTP clients, SDKs, telemetry-free CLIs that check for updates and dev servers use the
    /// network legitimately. The finding is informational by default.
    ///
    /// ## References
    /// - Socket alert `networkAccess`; GuardDog `capability-network-outbound`
    NetworkAccess, id = "network-access", category = Capability, severity = Info, action = Info,
}

impl Rule for NetworkAccess {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_file(&self, file: &FileFacts, _pkg: &PackageFacts, cx: &mut RuleContext) {
        report_capability(&Self::META, Capability::Network, file, cx, "network access");
    }
}

#[cfg(test)]
mod tests {
    use crate::tester::Tester;

    #[test]
    fn network_access() {
        let pass = [
            (
                "index.js",
                "const url = 'https://example.invalid'; console.log(url);",
            ),
            ("README.md", "Uses require('https') to download things."),
            (
                "a.js",
                "// require('http')\nconst o = { fetch: 1 }; o.fetch;",
            ),
        ];
        let fail = [
            (
                "index.js",
                "require('https').get('https://example.invalid/x')",
            ),
            (
                "a.mjs",
                "import net from 'node:net'; net.connect(80, '198.51.100.7');",
            ),
            (
                "b.js",
                "fetch('https://example.invalid/', { method: 'POST' })",
            ),
            (
                "c.js",
                "const m = require('ht' + 'tps'); m.request('https://example.invalid')",
            ),
        ];
        Tester::new(super::NetworkAccess)
            .pass(pass)
            .fail(fail)
            .test_and_snapshot();
    }
}
