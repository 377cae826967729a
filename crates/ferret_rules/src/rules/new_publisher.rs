//! `new-publisher`: the version was published by an account that never published the
//! package before.

use crate::declare_rule;
use crate::detect::metadata::{package_location, scanned_version};
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{Action, Finding, PackageFacts};
use std::collections::BTreeSet;

declare_rule! {
    /// ## What it does
    /// Reports a version whose publisher (npm `_npmUser`) published none of the earlier
    /// versions of the package. When every earlier version came from one single account and
    /// this version also adds install scripts that no earlier version had, the finding is
    /// raised to `warn`: that is the shape of an account takeover or a hand-over to a
    /// stranger.
    ///
    /// ## Why is this a risk?
    /// Hijacked packages are published from the attacker's account or a stolen token of a
    /// different maintainer (event-stream 2018: a new maintainer added `flatmap-stream`;
    /// ua-parser-js 2021 and chalk/debug 2025: stolen accounts). A new name on the publish
    /// is the first thing that changes.
    ///
    /// ## Example
    /// ```text
    /// 3.3.5 published by dominictarr; 3.3.6 published by right9ctrl
    /// ```
    ///
    /// ## False positives
    /// Teams that rotate publishers, CI bots replacing personal accounts, maintainers
    /// joining a project. The finding alone is `monitor`.
    ///
    /// ## References
    /// - Socket alerts `newAuthor`, `unstableOwnership`
    NewPublisher, id = "new-publisher", category = Metadata, severity = Medium, action = Monitor,
}

impl Rule for NewPublisher {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_package(&self, pkg: &PackageFacts, cx: &mut RuleContext) {
        let Some(reg) = pkg.registry.as_ref() else {
            return;
        };
        let version = scanned_version(pkg);
        let Some(publisher) = reg
            .version
            .as_ref()
            .and_then(|d| d.publisher.clone())
            .or_else(|| reg.version_info(version).and_then(|v| v.publisher.clone()))
        else {
            return;
        };
        let before = reg.versions_before(version);
        let earlier: BTreeSet<&str> = before
            .iter()
            .filter_map(|v| v.publisher.as_deref())
            .collect();
        if earlier.is_empty() || earlier.contains(publisher.as_str()) {
            return;
        }
        let earlier_scripts = before.iter().any(|v| v.install_scripts);
        let adds_scripts = !pkg.install_scripts.is_empty() && !earlier_scripts;
        let stable = earlier.len() == 1;
        let list: Vec<String> = earlier.iter().take(5).map(|p| format!("`{p}`")).collect();
        let mut message = format!(
            "`{publisher}` published `{version}`; earlier versions were published by {}",
            list.join(", ")
        );
        if earlier.len() > 5 {
            message.push_str(&format!(" and {} more", earlier.len() - 5));
        }
        if adds_scripts {
            message.push_str(", and this version adds install scripts");
        }
        let (location, code) = package_location(pkg);
        let mut finding = Finding::of(&Self::META, message)
            .primary(&location, &code, "publisher")
            .evidence("publisher", publisher.clone())
            .evidence(
                "earlier_publishers",
                earlier.iter().map(|s| (*s).to_string()).collect::<Vec<_>>(),
            )
            .evidence("adds_install_scripts", adds_scripts);
        if stable && adds_scripts {
            finding.action = Action::Warn;
            finding.severity = ferret_core::Severity::High;
        }
        cx.report(finding);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::metadata::testing::{check, package, registry, run};

    const PLAIN: &str = r#"{"name":"x","version":"1.1.0"}"#;
    const HOOK: &str = r#"{"name":"x","version":"1.1.0","scripts":{"postinstall":"node i.js"}}"#;

    #[test]
    fn new_publisher() {
        let p = |m: &str, versions: &[(&str, i64, &str)]| {
            package(
                &[("package.json", m), ("i.js", "1")],
                Some(registry("x", versions)),
            )
        };
        check(
            NewPublisher,
            &[
                p(PLAIN, &[("1.0.0", 30, "alice"), ("1.1.0", 3, "alice")]),
                p(PLAIN, &[("1.1.0", 3, "mallory")]),
                p(PLAIN, &[("1.0.0", 30, ""), ("1.1.0", 3, "bob")]),
            ],
            &[
                p(
                    PLAIN,
                    &[
                        ("1.0.0", 30, "alice"),
                        ("1.0.1", 20, "carol"),
                        ("1.1.0", 3, "bob"),
                    ],
                ),
                p(
                    HOOK,
                    &[
                        ("1.0.0", 30, "alice"),
                        ("1.0.1", 20, "alice"),
                        ("1.1.0", 3, "mallory"),
                    ],
                ),
            ],
        );
    }

    #[test]
    fn takeover_shape_warns() {
        let pkg = |m: &str| {
            package(
                &[("package.json", m), ("i.js", "1")],
                Some(registry(
                    "x",
                    &[("1.0.0", 30, "alice"), ("1.1.0", 3, "mallory")],
                )),
            )
        };
        assert_eq!(run(NewPublisher, &pkg(HOOK))[0].action, Action::Warn);
        assert_eq!(run(NewPublisher, &pkg(PLAIN))[0].action, Action::Monitor);
    }
}
