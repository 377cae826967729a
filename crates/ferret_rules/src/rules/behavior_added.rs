//! `behavior-added`: the new version behaves maliciously in a way the old version did not.

use crate::declare_rule;
use crate::detect::behavior::detect;
use crate::detect::campaigns::{CampaignEvidence, Confidence};
use crate::diff::weigh_publisher;
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{Action, Finding, PackageFacts};
use std::collections::BTreeSet;

declare_rule! {
    /// ## What it does
    /// In a diff of two versions, reports each behaviour of section 3 (download-and-execute,
    /// exfiltration, credential access, reverse shell, persistence, destructive code such as
    /// file wipers or an import-time infinite loop, self-propagation, encoded payloads) and
    /// each campaign shape detected with high confidence (crypto-clipper, cryptominer,
    /// protestware, …) that the new version shows in a file where the old version did not,
    /// with the evidence chain. A behaviour strong enough for the malware verdict blocks.
    ///
    /// ## Why is this a risk?
    /// Some sabotage uses no new capability at all: colors 1.4.44-liberty-2 (2022) added a
    /// top-level `for (let i = 666; i < Infinity; i++)` loop; node-ipc 10.1.1 (2022) added a
    /// geo-gated module overwriting files with a heart. The new version's own scan reports
    /// the technique; this finding says it is new in this release.
    ///
    /// ## Example
    /// ```js
    /// for (let i = 666; i < Infinity; i++) { console.log('testing'); }
    /// ```
    ///
    /// ## False positives
    /// Those of the underlying technique rules (a cleanup tool that deletes files).
    ///
    /// ## References
    /// - Marak/colors.js#285; CVE-2022-23812 (node-ipc)
    BehaviorAdded, id = "behavior-added", category = Change, severity = High, action = Warn,
}

impl Rule for BehaviorAdded {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_diff(&self, old: &PackageFacts, new: &PackageFacts, cx: &mut RuleContext) {
        let before: BTreeSet<(&'static str, String)> = detect(old)
            .into_iter()
            .map(|d| (d.technique.id(), d.path))
            .chain(
                campaigns(old)
                    .into_iter()
                    .map(|(id, e)| (id, first_path(&e))),
            )
            .collect();
        for (id, e) in campaigns(new) {
            if before.contains(&(id, first_path(&e))) {
                continue;
            }
            let Some(mut finding) = e.finding(&Self::META, Action::Block) else {
                continue;
            };
            finding.message = format!("new {id} behaviour: {}", e.summary);
            finding = finding.evidence("technique", id);
            cx.report(weigh_publisher(finding, old, new));
        }
        for d in detect(new) {
            if before.contains(&(d.technique.id(), d.path.clone())) {
                continue;
            }
            let Some(first) = d.steps.first() else {
                continue;
            };
            let mut finding = Finding::of(
                &Self::META,
                format!("new {} behaviour: {}", d.technique.id(), d.summary),
            )
            .primary(&first.location, &first.code, first.label.clone())
            .evidence("technique", d.technique.id())
            .evidence("chain", d.chain())
            .install_time(d.install_time);
            for s in d.steps.iter().skip(1) {
                finding = finding.related(&s.location, Some(&s.code), s.label.clone());
            }
            if d.malicious {
                finding.action = Action::Block;
            }
            cx.report(weigh_publisher(finding, old, new));
        }
    }
}

/// The campaign detections (crypto-clipper, cryptominer, protestware, …) sure enough for the
/// verdict; telemetry is not a behaviour worth a change alert.
fn campaigns(pkg: &PackageFacts) -> Vec<(&'static str, CampaignEvidence)> {
    crate::detect::campaigns::all(pkg)
        .into_iter()
        .filter(|(id, e)| *id != "telemetry" && e.confidence == Confidence::High)
        .collect()
}

fn first_path(e: &CampaignEvidence) -> String {
    e.steps
        .first()
        .map(|s| s.0.path.clone())
        .unwrap_or_default()
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests unwrap on fixed inputs")]
mod tests {
    use super::*;
    use crate::tester::Tester;

    #[test]
    fn behavior_added() {
        let t = Tester::new(BehaviorAdded);
        let plain = [("lib/index.js", "module.exports = (s) => s;\n")];
        let looped = [(
            "lib/index.js",
            "module.exports = (s) => s;\nfor (let i = 666; i < Infinity; i++) { console.log('x'); }\n",
        )];
        assert!(t.diff(plain, plain).is_empty());
        assert!(t.diff(looped, looped).is_empty(), "not new");
        let f = t.diff(plain, looped);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].location.as_ref().unwrap().line, 2);
        assert!(
            f[0].message.contains("destructive-code"),
            "{}",
            f[0].message
        );
        insta::assert_json_snapshot!("behavior-added", f);
    }
}
