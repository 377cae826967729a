//! `dependency-added`: the new version depends on a package the old version did not.

use crate::declare_rule;
use crate::diff::{
    DEPENDENCY_SECTIONS, MANIFEST_KEY, is_patch_bump, manifest_map, manifest_placeholder,
    weigh_publisher,
};
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{Action, Finding, PackageFacts, Severity};

declare_rule! {
    /// ## What it does
    /// In a diff of two versions, reports each dependency (`dependencies`,
    /// `optionalDependencies`, `peerDependencies`) that the new version declares and the old
    /// one did not, at its line in `package.json`. A new dependency in a patch release warns;
    /// one in a version published by a different account than the previous version blocks.
    ///
    /// ## Why is this a risk?
    /// The payload need not be in the package at all: event-stream 3.3.6 (2018) only added
    /// the dependency `flatmap-stream`, published by a new account, which carried the
    /// wallet stealer. A patch release has no reason to pull in new code; a new publisher
    /// adding a new dependency is the event-stream shape exactly. The project diff scans
    /// every added package in full.
    ///
    /// ## Example
    /// ```json
    /// { "version": "3.3.6", "dependencies": { "through": "~2.3.1", "flatmap-stream": "^0.1.0" } }
    /// ```
    ///
    /// ## False positives
    /// Features and refactors add dependencies in minor and major releases (reported as
    /// `monitor`). Check who publishes the new dependency and what it does.
    ///
    /// ## References
    /// - dominictarr/event-stream#116; GHSA-mh6f-8j2x-4483
    DependencyAdded, id = "dependency-added", category = Change, severity = Low, action = Monitor,
}

impl Rule for DependencyAdded {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_diff(&self, old: &PackageFacts, new: &PackageFacts, cx: &mut RuleContext) {
        let patch = is_patch_bump(&old.id.version, &new.id.version);
        for section in DEPENDENCY_SECTIONS {
            let before: std::collections::BTreeSet<String> = DEPENDENCY_SECTIONS
                .iter()
                .flat_map(|s| manifest_map(old, s).into_keys())
                .collect();
            for (name, spec) in manifest_map(new, section) {
                if before.contains(&name) {
                    continue;
                }
                let snippet = format!("\"{name}\": \"{spec}\"");
                let (location, code) = manifest_placeholder(&snippet);
                let mut finding = Finding::of(
                    &Self::META,
                    format!("new dependency `{name}@{spec}` in `{section}`"),
                )
                .primary(&location, &code, "new dependency")
                .evidence("dependency", name.clone())
                .evidence("spec", spec.clone())
                .evidence("section", section)
                .evidence(MANIFEST_KEY, vec![section.to_string(), name.clone()]);
                if patch {
                    finding.action = Action::Warn;
                    finding.severity = Severity::Medium;
                    finding.message.push_str(&format!(
                        " (patch release {} → {})",
                        old.id.version, new.id.version
                    ));
                }
                cx.report(weigh_publisher(finding, old, new));
            }
        }
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests unwrap on fixed inputs")]
mod tests {
    use super::*;
    use crate::tester::Tester;

    #[test]
    fn dependency_added() {
        let t = Tester::new(DependencyAdded);
        let m = |v: &str, deps: &str| {
            [(
                "package.json",
                format!(r#"{{"name":"x","version":"{v}","dependencies":{{{deps}}}}}"#),
            )]
        };
        assert!(
            t.diff(m("1.0.0", r#""a":"1""#), m("1.0.1", r#""a":"2""#))
                .is_empty()
        );
        assert!(
            t.diff(m("1.0.0", r#""a":"1","b":"1""#), m("1.0.1", r#""a":"1""#))
                .is_empty()
        );
        let minor = t.diff(m("1.0.0", r#""a":"1""#), m("1.1.0", r#""a":"1","b":"^2""#));
        assert_eq!(minor.len(), 1, "{minor:#?}");
        assert_eq!(minor[0].action, Action::Monitor);
        let patch = t.diff(m("1.0.0", r#""a":"1""#), m("1.0.1", r#""a":"1","b":"^2""#));
        assert_eq!(patch[0].action, Action::Warn);
        assert!(patch[0].message.contains("`b@^2`"), "{}", patch[0].message);
        assert!(
            patch[0]
                .code
                .as_ref()
                .unwrap()
                .text
                .ends_with(r#""b":"^2"}}"#)
        );
        let at = patch[0].location.as_ref().unwrap();
        assert_eq!((at.line, at.column), (1, 55), "the key's own position");
        insta::assert_json_snapshot!("dependency-added", patch);
    }

    #[test]
    fn new_publisher_blocks() {
        let old = crate::diff::testing::facts(
            &[("package.json", r#"{"name":"x","version":"1.0.0"}"#)],
            Some("alice"),
        );
        let new = crate::diff::testing::facts(
            &[(
                "package.json",
                r#"{"name":"x","version":"1.1.0","dependencies":{"y":"1"}}"#,
            )],
            Some("mallory"),
        );
        let f = crate::diff::run_diff_rules(&old, &new, &[DependencyAdded]);
        assert_eq!(f[0].action, Action::Block, "{f:#?}");
        assert!(f[0].message.contains("`mallory`"), "{}", f[0].message);
    }
}
