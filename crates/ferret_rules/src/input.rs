//! Scanning with registry metadata: the entry point for front ends that have the package's
//! registry documents (the CLI's `npm:` targets, the install gate, a project scan with a
//! cache).
//!
//! [`scan_with_metadata`] builds the facts exactly as [`crate::engine::scan`] does, adds the
//! registry facts the caller fetched (rules never fetch and never read the clock; "now" is
//! the facts' `fetched_at`), runs every rule, and when no metadata is at hand lists the
//! metadata rules that were **not evaluated** in the report, so an offline scan never passes
//! silently.

use crate::detect::metadata::not_evaluated_for;
use crate::engine::{build_facts, report, run_rules};
use crate::registry::all_rules;
use ferret_core::{Ecosystem, MetadataStatus, PackageReport, RegistryFacts};
use ferret_source::PackageTree;

/// What a scan knows beyond the package's own files.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScanInput {
    /// The registry's documents for the package; `None` when not available.
    pub registry: Option<RegistryFacts>,
    /// Why metadata is missing ("offline and not cached", "local directory"); used only when
    /// `registry` is `None`. `None` here too means "not asked": nothing is reported as not
    /// evaluated (the plain [`crate::engine::scan`] behaviour).
    pub unavailable_reason: Option<String>,
    /// The soak time for `recently-published`, in hours; `None` = 48.
    pub soak_hours: Option<u32>,
}

impl ScanInput {
    /// Input with registry facts.
    pub fn with_registry(registry: RegistryFacts) -> Self {
        Self {
            registry: Some(registry),
            ..Self::default()
        }
    }

    /// Input for a scan without metadata, saying why.
    pub fn unavailable(reason: impl Into<String>) -> Self {
        Self {
            unavailable_reason: Some(reason.into()),
            ..Self::default()
        }
    }
}

/// Scans a package with registry metadata (or an explanation of its absence).
pub fn scan_with_metadata(
    tree: &PackageTree,
    ecosystem: Ecosystem,
    input: &ScanInput,
) -> PackageReport {
    let mut facts = build_facts(tree, ecosystem);
    facts.metadata_status = match (&input.registry, &input.unavailable_reason) {
        (Some(_), _) => MetadataStatus::Evaluated,
        (None, Some(reason)) => MetadataStatus::NotAvailable {
            reason: reason.clone(),
        },
        (None, None) => MetadataStatus::Unknown,
    };
    facts.registry = input.registry.clone().map(|mut r| {
        if input.soak_hours.is_some() {
            r.soak_hours = input.soak_hours;
        }
        r
    });
    let alerts = run_rules(&facts, all_rules());
    let mut out = report(tree, &facts, alerts);
    out.not_evaluated = not_evaluated_for(&facts.metadata_status, ecosystem);
    out
}

/// Marks a report made without registry metadata (by [`crate::engine::scan`], e.g. in a
/// project scan) as such: lists the metadata rules as not evaluated, for `reason`, unless
/// the report already says which rules were not evaluated.
pub fn mark_metadata_unavailable(report: &mut PackageReport, reason: &str) {
    if report.not_evaluated.is_empty() {
        report.not_evaluated = not_evaluated_for(
            &MetadataStatus::NotAvailable {
                reason: reason.to_owned(),
            },
            report.package.ecosystem,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(manifest: &str) -> PackageTree {
        ferret_source::from_files(
            "test",
            vec![("package.json".to_string(), manifest.as_bytes().to_vec())],
        )
    }

    #[test]
    fn offline_scan_lists_rules_not_evaluated() {
        let t = tree(r#"{"name":"x","version":"1.0.0","license":"MIT"}"#);
        let report = scan_with_metadata(&t, Ecosystem::Npm, &ScanInput::unavailable("offline"));
        let rules: Vec<&str> = report
            .not_evaluated
            .iter()
            .map(|n| n.rule.as_str())
            .collect();
        assert!(rules.contains(&"manifest-confusion"), "{rules:?}");
        assert!(rules.contains(&"recently-published"), "{rules:?}");
        assert!(report.not_evaluated.iter().all(|n| n.reason == "offline"));
        let json = serde_json::to_value(&report).unwrap();
        assert!(
            json["not_evaluated"]
                .as_array()
                .is_some_and(|a| !a.is_empty())
        );
        // The plain scan says nothing (and serialises no field).
        let plain = crate::engine::scan(&t, Ecosystem::Npm);
        assert!(plain.not_evaluated.is_empty());
        assert!(
            serde_json::to_value(&plain)
                .unwrap()
                .get("not_evaluated")
                .is_none()
        );
    }

    #[test]
    fn reports_without_metadata_can_be_marked_afterwards() {
        let t = tree(r#"{"name":"x","version":"1.0.0","license":"MIT"}"#);
        let mut report = crate::engine::scan(&t, Ecosystem::Npm);
        mark_metadata_unavailable(&mut report, "offline");
        assert!(
            report
                .not_evaluated
                .iter()
                .any(|n| n.rule == "new-publisher")
        );
        assert!(report.not_evaluated.iter().all(|n| n.reason == "offline"));
        // An existing list (with its own reasons) is kept.
        let before = report.not_evaluated.clone();
        mark_metadata_unavailable(&mut report, "other");
        assert_eq!(report.not_evaluated, before);
    }

    #[test]
    fn registry_facts_reach_the_rules() {
        let t = tree(
            r#"{"name":"x","version":"1.0.0","license":"MIT","scripts":{"postinstall":"node a.js"}}"#,
        );
        let mut reg = crate::detect::metadata::testing::registry("x", &[("1.0.0", 0, "a")]);
        reg.versions[0].published = Some(reg.fetched_at - 3600);
        let input = ScanInput {
            soak_hours: Some(72),
            ..ScanInput::with_registry(reg)
        };
        let report = scan_with_metadata(&t, Ecosystem::Npm, &input);
        assert!(report.not_evaluated.is_empty());
        let rules: Vec<&str> = report.alerts.iter().map(|a| a.rule.as_str()).collect();
        assert!(rules.contains(&"manifest-confusion"), "{rules:?}");
        let fresh = report
            .alerts
            .iter()
            .find(|a| a.rule == "recently-published")
            .unwrap();
        assert!(fresh.message.contains("72-hour"), "{}", fresh.message);
    }
}
