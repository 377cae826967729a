//! Policy: which [`Action`] each finding gets.
//!
//! Every rule carries a default action; a [`Policy`] overrides it per rule id. Applying a
//! policy to a [`PackageReport`] sets each alert's action, drops the ones the policy
//! ignores and restores the report's canonical order ([`Finding::sort_key`]).
//!
//! The struct is plain serde data (`[rules]` table of `rule-id = "action"`), so the policy
//! file (`ferret.toml`, a later issue) can deserialise straight into it and then be checked
//! with [`Policy::validate`]. This crate deliberately does not depend on `ferret_rules`:
//! callers pass the known rule ids in, which keeps the policy testable on its own.

use ferret_core::{Action, Finding, PackageReport};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Errors in a policy: today only unknown rule ids, with a suggestion when one is close.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("unknown rule `{id}`{}", did_you_mean(.suggestion.as_deref()))]
    UnknownRule {
        id: String,
        suggestion: Option<String>,
    },
}

fn did_you_mean(suggestion: Option<&str>) -> String {
    suggestion.map_or_else(String::new, |s| format!("; did you mean `{s}`?"))
}

/// Per-rule action overrides on top of each rule's default action.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Rule id → action. A `BTreeMap` so a serialised policy is deterministic.
    #[serde(default)]
    pub rules: BTreeMap<String, Action>,
}

impl Policy {
    /// Overrides the action of `rule`, without checking that the rule exists (see
    /// [`Policy::set_checked`] and [`Policy::validate`]).
    pub fn set(&mut self, rule: impl Into<String>, action: Action) -> &mut Self {
        self.rules.insert(rule.into(), action);
        self
    }

    /// Overrides the action of `rule`, which must be one of `known_ids`.
    ///
    /// # Errors
    /// [`PolicyError::UnknownRule`] (with the closest known id, if any is close) when
    /// `rule` is not a known rule id.
    pub fn set_checked(
        &mut self,
        rule: &str,
        action: Action,
        known_ids: &[&str],
    ) -> Result<&mut Self, PolicyError> {
        check_rule(rule, known_ids)?;
        Ok(self.set(rule, action))
    }

    /// Turns `rule` off (`--ignore RULE`).
    ///
    /// # Errors
    /// [`PolicyError::UnknownRule`] when `rule` is not one of `known_ids`.
    pub fn ignore(&mut self, rule: &str, known_ids: &[&str]) -> Result<&mut Self, PolicyError> {
        self.set_checked(rule, Action::Ignore, known_ids)
    }

    /// Checks that every rule id the policy mentions is known (for a loaded policy file).
    ///
    /// # Errors
    /// The first unknown rule id, in id order.
    pub fn validate(&self, known_ids: &[&str]) -> Result<(), PolicyError> {
        self.rules
            .keys()
            .try_for_each(|rule| check_rule(rule, known_ids))
    }

    /// The action a finding of `rule` gets, given the rule's default.
    pub fn action_for(&self, rule: &str, default: Action) -> Action {
        self.rules.get(rule).copied().unwrap_or(default)
    }

    /// Sets each alert's action (alerts arrive carrying their rule's default action), drops
    /// the alerts whose action is [`Action::Ignore`] and re-sorts by [`Finding::sort_key`].
    ///
    /// The capability profile is left alone: it describes what the code does, which is a
    /// fact independent of whether a rule reports it.
    pub fn apply(&self, report: &mut PackageReport) {
        for alert in &mut report.alerts {
            alert.action = self.action_for(&alert.rule, alert.action);
        }
        report.alerts.retain(|a| a.action != Action::Ignore);
        report
            .alerts
            .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    }

    /// Applies the policy to a list of findings outside a report (same semantics as
    /// [`Policy::apply`]).
    pub fn apply_findings(&self, findings: &mut Vec<Finding>) {
        for alert in findings.iter_mut() {
            alert.action = self.action_for(&alert.rule, alert.action);
        }
        findings.retain(|a| a.action != Action::Ignore);
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    }
}

fn check_rule(rule: &str, known_ids: &[&str]) -> Result<(), PolicyError> {
    if known_ids.contains(&rule) {
        return Ok(());
    }
    Err(PolicyError::UnknownRule {
        id: rule.to_string(),
        suggestion: suggest(rule, known_ids.iter().copied()).map(str::to_string),
    })
}

/// The known id closest to `unknown` by edit distance, if it is close enough to be a typo:
/// at most a third of the longer id's length, and at least 1 (so `shell-acess`,
/// `network-acces` and `envaccess` find their rule, while `foo` suggests nothing). An id
/// that contains the input or the other way round (`shell` → `shell-access`) also counts.
/// Ties go to the alphabetically first id, so the suggestion is deterministic.
pub fn suggest<'a>(unknown: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let needle = unknown.to_ascii_lowercase();
    let mut best: Option<(usize, &'a str)> = None;
    for id in known {
        let d = if id == needle {
            0
        } else {
            levenshtein(&needle, id)
        };
        let limit = (needle.chars().count().max(id.chars().count()) / 3).max(1);
        let contains = needle.len() >= 3 && (id.contains(&needle) || needle.contains(id));
        if d > limit && !contains {
            continue;
        }
        match best {
            Some((bd, bid)) if (bd, bid) <= (d, id) => {}
            _ => best = Some((d, id)),
        }
    }
    best.map(|(_, id)| id)
}

/// Levenshtein distance over characters, in O(len(a) * len(b)) time and O(len(b)) memory.
/// Rule ids are short, and the CLI input is one argument, so this is cheap.
pub fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let subst = prev[j] + usize::from(ca != cb);
            cur[j + 1] = subst.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests unwrap on fixed inputs")]
mod tests {
    use super::*;
    use ferret_core::{Category, Evidence, Location, PackageInfo, Severity, Span};

    const KNOWN: &[&str] = &[
        "env-access",
        "install-script",
        "malware",
        "network-access",
        "shell-access",
    ];

    fn alert(rule: &str, action: Action, severity: Severity, path: &str, line: u32) -> Finding {
        Finding {
            rule: rule.to_string(),
            category: Category::Capability,
            severity,
            action,
            message: format!("{rule} here"),
            location: Some(Location {
                path: path.to_string(),
                line,
                column: 1,
                span: Span::new(0, 1),
            }),
            label: None,
            code: None,
            related: Vec::new(),
            install_time: false,
            evidence: Evidence::new(),
        }
    }

    fn report(alerts: Vec<Finding>) -> PackageReport {
        PackageReport {
            package: PackageInfo {
                ecosystem: ferret_core::Ecosystem::Npm,
                name: "demo".into(),
                version: "1.0.0".into(),
                integrity: None,
                source: "demo".into(),
                file_count: 1,
                unpacked_size: 10,
            },
            capabilities: Vec::new(),
            alerts,
            files_failed: Vec::new(),
            project: None,
            not_evaluated: Vec::new(),
        }
    }

    #[test]
    fn default_policy_keeps_default_actions() {
        let mut r = report(vec![
            alert("shell-access", Action::Info, Severity::Medium, "a.js", 1),
            alert("malware", Action::Block, Severity::Critical, "b.js", 1),
        ]);
        Policy::default().apply(&mut r);
        let got: Vec<_> = r
            .alerts
            .iter()
            .map(|a| (a.rule.as_str(), a.action))
            .collect();
        assert_eq!(
            got,
            [("malware", Action::Block), ("shell-access", Action::Info)]
        );
        assert!(r.is_blocked());
    }

    #[test]
    fn override_changes_action_and_order() {
        let mut r = report(vec![
            alert("malware", Action::Block, Severity::Critical, "b.js", 1),
            alert("shell-access", Action::Info, Severity::Medium, "a.js", 1),
        ]);
        let mut p = Policy::default();
        p.set("malware", Action::Warn)
            .set("shell-access", Action::Block);
        p.apply(&mut r);
        let got: Vec<_> = r
            .alerts
            .iter()
            .map(|a| (a.rule.as_str(), a.action))
            .collect();
        assert_eq!(
            got,
            [("shell-access", Action::Block), ("malware", Action::Warn)]
        );
    }

    #[test]
    fn ignore_drops_only_that_rule() {
        let mut r = report(vec![
            alert("shell-access", Action::Info, Severity::Medium, "a.js", 3),
            alert("shell-access", Action::Info, Severity::Medium, "a.js", 1),
            alert("network-access", Action::Info, Severity::Low, "a.js", 2),
        ]);
        let mut p = Policy::default();
        p.ignore("network-access", KNOWN).unwrap();
        p.apply(&mut r);
        let got: Vec<_> = r
            .alerts
            .iter()
            .map(|a| (a.rule.as_str(), a.location.as_ref().unwrap().line))
            .collect();
        assert_eq!(got, [("shell-access", 1), ("shell-access", 3)]);
    }

    #[test]
    fn unknown_rule_suggests_the_closest_id() {
        let mut p = Policy::default();
        let err = p.ignore("shell-acess", KNOWN).unwrap_err();
        assert_eq!(
            err,
            PolicyError::UnknownRule {
                id: "shell-acess".into(),
                suggestion: Some("shell-access".into())
            }
        );
        assert_eq!(
            err.to_string(),
            "unknown rule `shell-acess`; did you mean `shell-access`?"
        );
        assert!(p.rules.is_empty(), "a rejected id must not be recorded");
    }

    #[test]
    fn unknown_rule_without_close_match_has_no_suggestion() {
        let err = Policy::default().ignore("foo", KNOWN).unwrap_err();
        assert_eq!(err.to_string(), "unknown rule `foo`");
    }

    #[test]
    fn suggestions_cover_prefixes_and_case() {
        assert_eq!(
            suggest("shell", KNOWN.iter().copied()),
            Some("shell-access")
        );
        assert_eq!(suggest("MALWARE", KNOWN.iter().copied()), Some("malware"));
        assert_eq!(suggest("malwar", KNOWN.iter().copied()), Some("malware"));
        assert_eq!(suggest("xyz", KNOWN.iter().copied()), None);
    }

    #[test]
    fn levenshtein_distances() {
        assert_eq!(levenshtein("", ""), 0);
        assert_eq!(levenshtein("abc", ""), 3);
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("é", "e"), 1);
    }

    #[test]
    fn validate_reports_unknown_ids_of_a_loaded_policy() {
        let mut p = Policy::default();
        p.set("network-access", Action::Warn);
        assert_eq!(p.validate(KNOWN), Ok(()));
        p.set("netwrk-access", Action::Warn);
        assert!(matches!(
            p.validate(KNOWN),
            Err(PolicyError::UnknownRule { suggestion: Some(s), .. }) if s == "network-access"
        ));
    }

    #[test]
    fn policy_is_serde_data_for_the_future_policy_file() {
        let p: Policy =
            serde_json::from_str(r#"{"rules": {"shell-access": "warn", "malware": "ignore"}}"#)
                .unwrap();
        assert_eq!(p.action_for("shell-access", Action::Info), Action::Warn);
        assert_eq!(p.action_for("malware", Action::Block), Action::Ignore);
        assert_eq!(p.action_for("env-access", Action::Info), Action::Info);
        assert!(serde_json::from_str::<Policy>(r#"{"rulez": {}}"#).is_err());
    }
}
