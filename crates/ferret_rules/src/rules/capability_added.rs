//! `capability-added`: the new version can do something the old version could not.

use crate::declare_rule;
use crate::diff::{capability_diff, weigh_publisher};
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{Capability, ChangeKind, Finding, PackageFacts, Severity};

/// New locations listed as related locations of one finding (all of them are in the
/// evidence count and in the diff report).
const MAX_RELATED: usize = 8;

declare_rule! {
    /// ## What it does
    /// In a diff of two versions, reports every capability (network, shell, filesystem,
    /// environment, dynamic code, …) that the new version has and the old version had nowhere,
    /// with the exact new code locations. A capability first used by install-time code is
    /// high severity. Capabilities both versions have are summarised in the diff, not
    /// reported. Install hooks are `install-script-added`'s.
    ///
    /// ## Why is this a risk?
    /// A hijacked release looks like the good one except for what it newly does: chalk and
    /// debug (2025) suddenly hooked `fetch` and `XMLHttpRequest` in the browser; node-ipc
    /// (2022) suddenly reached the network and rewrote files. Capability jumps in a patch
    /// release are the clearest sign of a compromised publish. When the new version also has
    /// a new publisher, the finding blocks.
    ///
    /// ## Example
    /// ```js
    /// // 5.6.0: module.exports = colors;
    /// // 5.6.1:
    /// window.fetch = new Proxy(window.fetch, { apply(t, s, a) { /* … */ } });
    /// ```
    ///
    /// ## False positives
    /// New features legitimately bring capabilities (an HTTP client gaining proxy support
    /// reads the environment). Review the new locations; allow the package in the policy.
    ///
    /// ## References
    /// - Socket "capability diff"; OpenSSF package-analysis dynamic diffs
    CapabilityAdded, id = "capability-added", category = Change, severity = Medium, action = Warn,
}

impl Rule for CapabilityAdded {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_diff(&self, old: &PackageFacts, new: &PackageFacts, cx: &mut RuleContext) {
        for cap in capability_diff(old, new) {
            if cap.change != ChangeKind::Added || cap.capability == Capability::InstallScript {
                continue;
            }
            let Some(first) = cap.added.first() else {
                continue;
            };
            let install_time = cap.added.iter().any(|u| u.install_time);
            let files: std::collections::BTreeSet<&str> =
                cap.added.iter().map(|u| u.location.path.as_str()).collect();
            let mut finding = Finding::of(
                &Self::META,
                format!(
                    "new {} capability: `{}` ({} new use{} in {} file{})",
                    cap.capability.label(),
                    first.api,
                    cap.added.len(),
                    if cap.added.len() == 1 { "" } else { "s" },
                    files.len(),
                    if files.len() == 1 { "" } else { "s" },
                ),
            )
            .primary(
                &first.location,
                &first.code,
                format!("first new {} use", cap.capability.label()),
            )
            .evidence("capability", cap.capability.rule_id())
            .evidence("new_uses", cap.added.len())
            .evidence(
                "apis",
                cap.added
                    .iter()
                    .map(|u| u.api.clone())
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect::<Vec<_>>(),
            )
            .install_time(install_time);
            for u in cap.added.iter().skip(1).take(MAX_RELATED) {
                finding =
                    finding.related(&u.location, Some(&u.code), format!("new use: `{}`", u.api));
            }
            if install_time {
                finding.severity = Severity::High;
            }
            cx.report(weigh_publisher(finding, old, new));
        }
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests unwrap on fixed inputs")]
mod tests {
    use super::*;
    use crate::tester::Tester;

    #[test]
    fn capability_added() {
        let t = Tester::new(CapabilityAdded);
        let old = [("index.js", "module.exports = (s) => s.toUpperCase();\n")];
        // Pass: same capabilities, moved code, a capability removed.
        assert!(
            t.diff(
                old,
                [("index.js", "\nmodule.exports = (s) => s.toLowerCase();\n")]
            )
            .is_empty()
        );
        let net = [("index.js", "fetch('https://a.example');\n")];
        assert!(
            t.diff(net, [("index.js", "\n\nfetch('https://a.example');\n")])
                .is_empty()
        );
        assert!(t.diff(net, old).is_empty());
        // Fail: network appears, with the new location.
        let f = t.diff(
            old,
            [(
                "index.js",
                "module.exports = (s) => s;\nfetch('https://a.example/c');\n",
            )],
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].location.as_ref().unwrap().line, 2);
        assert!(
            f[0].message.contains("new network capability"),
            "{}",
            f[0].message
        );
        insta::assert_json_snapshot!("capability-added", f);
    }

    #[test]
    fn install_time_capability_is_high() {
        let t = Tester::new(CapabilityAdded);
        let manifest = r#"{"name":"x","version":"1.0.1","scripts":{"postinstall":"node i.js"}}"#;
        let f = t.diff(
            [("package.json", manifest), ("i.js", "console.log(1)")],
            [
                ("package.json", manifest),
                ("i.js", "require('child_process').exec('id')"),
            ],
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].severity, Severity::High);
        assert!(f[0].install_time);
    }
}
