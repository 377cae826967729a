//! Policy: which [`Action`] each finding gets.
//!
//! Every rule carries a default action; a [`Policy`] overrides it per rule id, per package
//! (exceptions, each with a required reason) and decides what fails the run (`[fail]`).
//! Applying a policy to a [`PackageReport`] sets each alert's action, drops the ones the
//! policy ignores and restores the report's canonical order ([`Finding::sort_key`]).
//!
//! A policy comes from `ferret.toml` ([`Policy::from_toml`], [`Policy::load`], found by
//! [`discover`]); its problems are data ([`PolicyFileError`]) rendered with the file's line
//! and a caret under the span, with "did you mean" when a key or rule id is close. This
//! crate deliberately does not depend on `ferret_rules`: callers pass the known rule ids
//! in, which keeps the policy testable on its own. `docs/policy.md` is the user's manual.

mod diagnostic;
mod exception;
mod file;

pub use diagnostic::{PolicyFileError, Problem, ProblemKind};
pub use exception::{Exception, PackagePattern, VersionMatcher};
pub use file::{POLICY_FILE_NAME, discover};

use ferret_core::{Action, Finding, PackageInfo, PackageReport, Severity};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The soak time when a policy does not set `[registry] soak-hours`: versions published
/// less than this many hours ago count as recently published (two days, the window in which
/// most malicious npm versions have been reported and unpublished).
pub const DEFAULT_SOAK_HOURS: u32 = 48;

/// Errors in a policy: an unknown rule id given on the command line, a policy file that
/// cannot be read, or one whose content is wrong (every problem, with spans).
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("unknown rule `{id}`{}", did_you_mean(.suggestion.as_deref()))]
    UnknownRule {
        id: String,
        suggestion: Option<String>,
    },
    #[error("cannot read policy file {}: {source}", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    File(#[from] PolicyFileError),
}

fn did_you_mean(suggestion: Option<&str>) -> String {
    suggestion.map_or_else(String::new, |s| format!("; did you mean `{s}`?"))
}

/// `[fail]`: which alerts fail the run. The exit code and the install gate only ask "is
/// anything blocked?", so the policy expresses "fail on warnings" or "fail on high
/// severity" by promoting those alerts to [`Action::Block`] (recording the action they had
/// in the evidence as `promoted_from`). Actions set by an exception are never promoted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fail {
    /// The weakest action that fails the run: [`Action::Block`] (default) or [`Action::Warn`].
    pub on: Action,
    /// When set, any alert at least this severe fails the run, whatever its action
    /// (ignored alerts excepted).
    pub severity: Option<Severity>,
}

impl Default for Fail {
    fn default() -> Self {
        Self {
            on: Action::Block,
            severity: None,
        }
    }
}

impl Fail {
    /// The action an alert ends with once `[fail]` is applied.
    pub fn promote(&self, action: Action, severity: Severity) -> Action {
        if action == Action::Ignore {
            action
        } else if action >= self.on || self.severity.is_some_and(|s| severity >= s) {
            Action::Block
        } else {
            action
        }
    }
}

/// Per-rule action overrides on top of each rule's default action, per-package exceptions,
/// what fails the run and the registry soak time.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Rule id → action. A `BTreeMap` so iteration (and validation order) is deterministic.
    pub rules: BTreeMap<String, Action>,
    /// In file order; the first exception covering an alert decides its action.
    pub exceptions: Vec<Exception>,
    pub fail: Fail,
    /// `[registry] soak-hours`, when set (see [`Policy::soak_hours`]).
    pub soak_hours: Option<u32>,
    /// `all-platforms = true`: project scans download and analyse packages for other
    /// platforms too, instead of checking them from registry metadata only.
    pub all_platforms: bool,
    /// The file the policy was loaded from (`None` for the built-in default).
    pub source: Option<PathBuf>,
}

impl Policy {
    /// Parses the text of a policy file. `path` names the file in diagnostics; `known_ids`
    /// are the registered rule ids.
    ///
    /// # Errors
    /// [`PolicyFileError`] with every problem found (syntax, unknown keys and rule ids,
    /// wrong types, exceptions without a reason, bad versions, …) in file order.
    pub fn from_toml(text: &str, path: &Path, known_ids: &[&str]) -> Result<Self, PolicyFileError> {
        file::parse(text, path, known_ids)
    }

    /// Reads and parses a policy file.
    ///
    /// # Errors
    /// [`PolicyError::Read`] when the file cannot be read (or is over 1 MiB),
    /// [`PolicyError::File`] when its content is wrong.
    pub fn load(path: &Path, known_ids: &[&str]) -> Result<Self, PolicyError> {
        let text = file::read(path)?;
        Ok(Self::from_toml(&text, path, known_ids)?)
    }

    /// The policy a run uses: `explicit` (`--policy FILE`) when given, else the nearest
    /// `ferret.toml` at or above `start` ([`discover`]), else the built-in default.
    ///
    /// # Errors
    /// As [`Policy::load`]; a missing explicit file is an error, a missing discovered one is
    /// not.
    pub fn find_and_load(
        explicit: Option<&Path>,
        start: &Path,
        known_ids: &[&str],
    ) -> Result<Self, PolicyError> {
        match explicit.map(Path::to_path_buf).or_else(|| discover(start)) {
            Some(path) => Self::load(&path, known_ids),
            None => Ok(Self::default()),
        }
    }

    /// Recently-published soak time in hours: the file's `[registry] soak-hours`, else
    /// [`DEFAULT_SOAK_HOURS`]. Input for the registry-metadata rules.
    pub fn soak_hours(&self) -> u32 {
        self.soak_hours.unwrap_or(DEFAULT_SOAK_HOURS)
    }

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

    /// Checks that every rule id of `[rules]` is known (a policy built in code; a loaded
    /// file is checked while parsing).
    ///
    /// # Errors
    /// The first unknown rule id, in id order.
    pub fn validate(&self, known_ids: &[&str]) -> Result<(), PolicyError> {
        self.rules
            .keys()
            .try_for_each(|rule| check_rule(rule, known_ids))
    }

    /// The action a finding of `rule` gets from `[rules]`, given the rule's default
    /// (before exceptions and `[fail]`).
    pub fn action_for(&self, rule: &str, default: Action) -> Action {
        self.rules.get(rule).copied().unwrap_or(default)
    }

    /// The final action of `alert` (which carries its rule's default action) in `package`:
    /// the first exception covering it decides; otherwise `[rules]`, then `[fail]`
    /// promotion. Counts the exception's use and notes policy changes in the evidence.
    fn decide(&self, package: &PackageInfo, alert: &mut Finding) {
        if let Some(exception) = self
            .exceptions
            .iter()
            .find(|e| e.covers(package, &alert.rule))
        {
            exception.hit();
            alert.action = exception.action;
            alert.evidence.insert(
                "policy_exception".to_string(),
                exception.reason.clone().into(),
            );
            return;
        }
        let configured = self.action_for(&alert.rule, alert.action);
        let action = self.fail.promote(configured, alert.severity);
        if action != configured {
            alert
                .evidence
                .insert("promoted_from".to_string(), configured.as_str().into());
        }
        alert.action = action;
    }

    /// Sets each alert's action, drops the alerts whose action is [`Action::Ignore`] and
    /// re-sorts by [`Finding::sort_key`]. Exceptions match `report.package`.
    ///
    /// The capability profile is left alone: it describes what the code does, which is a
    /// fact independent of whether a rule reports it.
    pub fn apply(&self, report: &mut PackageReport) {
        self.apply_findings(&report.package, &mut report.alerts);
    }

    /// Applies the policy to the findings of `package` outside a report (same semantics
    /// as [`Policy::apply`]).
    pub fn apply_findings(&self, package: &PackageInfo, findings: &mut Vec<Finding>) {
        for alert in findings.iter_mut() {
            self.decide(package, alert);
        }
        findings.retain(|a| a.action != Action::Ignore);
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    }

    /// Exceptions that have changed no alert in any report this policy was applied to:
    /// stale (the package no longer does it) or mistyped. Call after applying to every
    /// report of the run.
    pub fn unused_exceptions(&self) -> Vec<&Exception> {
        self.exceptions.iter().filter(|e| e.hits() == 0).collect()
    }

    /// One warning line per unused exception, naming it and where it is written:
    /// `ferret.toml:7: exception npm:esbuild (install-script) matched no alert in this run`.
    pub fn unused_exception_warnings(&self) -> Vec<String> {
        let file = self
            .source
            .as_ref()
            .map_or_else(|| POLICY_FILE_NAME.to_string(), |p| p.display().to_string());
        self.unused_exceptions()
            .iter()
            .map(|e| {
                format!(
                    "{file}:{}: exception {} matched no alert in this run; remove it or fix its package, rule or versions",
                    e.line,
                    e.describe()
                )
            })
            .collect()
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

/// The known id closest to `unknown` by edit distance (optimal string alignment: a swap of
/// two neighbouring letters, the commonest typo, costs 1), if it is close enough to be a typo:
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
            osa_distance(&needle, id)
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

/// Optimal-string-alignment distance: Levenshtein plus transpositions of adjacent
/// characters at cost 1 (`nmp` → `npm` is 1, not 2), in O(len(a) * len(b)) time.
pub fn osa_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for (i, row) in d.chunks_mut(width).enumerate() {
        row[0] = i;
    }
    for (j, cell) in d.iter_mut().take(width).enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = v;
        }
    }
    d[a.len() * width + b.len()]
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
        assert!(matches!(
            &err,
            PolicyError::UnknownRule { id, suggestion: Some(s) }
                if id == "shell-acess" && s == "shell-access"
        ));
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
        assert_eq!(levenshtein("nmp", "npm"), 2);
        assert_eq!(osa_distance("nmp", "npm"), 1);
        assert_eq!(osa_distance("hihg", "high"), 1);
        assert_eq!(osa_distance("kitten", "sitting"), 3);
        assert_eq!(osa_distance("", "abc"), 3);
    }

    #[test]
    fn validate_reports_unknown_ids_of_a_loaded_policy() {
        let mut p = Policy::default();
        p.set("network-access", Action::Warn);
        assert!(p.validate(KNOWN).is_ok());
        p.set("netwrk-access", Action::Warn);
        assert!(matches!(
            p.validate(KNOWN),
            Err(PolicyError::UnknownRule { suggestion: Some(s), .. }) if s == "network-access"
        ));
    }

    fn report_of(name: &str, version: &str, alerts: Vec<Finding>) -> PackageReport {
        let mut r = report(alerts);
        r.package.name = name.into();
        r.package.version = version.into();
        r
    }

    fn from_toml(text: &str) -> Policy {
        Policy::from_toml(text, Path::new("ferret.toml"), KNOWN).unwrap()
    }

    fn actions(r: &PackageReport) -> Vec<(&str, Action)> {
        r.alerts
            .iter()
            .map(|a| (a.rule.as_str(), a.action))
            .collect()
    }

    const ESBUILD: &str = r#"
[rules]
install-script = "block"

[[exceptions]]
package = "npm:esbuild"
rule = "install-script"
versions = ["0.25.*"]
reason = "downloads its platform binary; reviewed 2026-05"

[[exceptions]]
package = "npm:left-pad"
rule = "shell-access"
reason = "never used"
"#;

    #[test]
    fn exceptions_apply_per_package_and_version() {
        let p = from_toml(ESBUILD);
        let script = || {
            alert(
                "install-script",
                Action::Info,
                Severity::Low,
                "package.json",
                1,
            )
        };
        let mut covered = report_of("esbuild", "0.25.3", vec![script()]);
        let mut old = report_of("esbuild", "0.24.0", vec![script()]);
        let mut other = report_of("esbuild-wasm", "0.25.3", vec![script()]);
        p.apply(&mut covered);
        p.apply(&mut old);
        p.apply(&mut other);
        assert!(covered.alerts.is_empty(), "the exception ignores it");
        assert_eq!(actions(&old), [("install-script", Action::Block)]);
        assert_eq!(actions(&other), [("install-script", Action::Block)]);
        assert_eq!(p.exceptions[0].hits(), 1);
    }

    #[test]
    fn unused_exceptions_are_reported_after_applying() {
        let p = from_toml(ESBUILD);
        let mut r = report_of(
            "esbuild",
            "0.25.0",
            vec![alert(
                "install-script",
                Action::Info,
                Severity::Low,
                "package.json",
                1,
            )],
        );
        p.apply(&mut r);
        let unused: Vec<String> = p.unused_exceptions().iter().map(|e| e.describe()).collect();
        assert_eq!(unused, ["npm:left-pad (shell-access)"]);
        assert_eq!(
            p.unused_exception_warnings(),
            [
                "ferret.toml:11: exception npm:left-pad (shell-access) matched no alert in this run; remove it or fix its package, rule or versions"
            ]
        );
    }

    #[test]
    fn exception_action_is_final_and_leaves_its_reason() {
        let p = from_toml(
            r#"
[fail]
on = "warn"

[[exceptions]]
package = "demo"
rule = "*"
action = "monitor"
reason = "internal tool"
"#,
        );
        let mut r = report(vec![alert(
            "malware",
            Action::Block,
            Severity::Critical,
            "a.js",
            1,
        )]);
        p.apply(&mut r);
        assert_eq!(actions(&r), [("malware", Action::Monitor)]);
        assert_eq!(r.alerts[0].evidence["policy_exception"], "internal tool");
        assert!(!r.is_blocked());
    }

    #[test]
    fn fail_on_warn_and_severity_promote_to_block() {
        let p = from_toml("[fail]\non = \"warn\"\nseverity = \"high\"\n");
        let mut r = report(vec![
            alert("obfuscated-code", Action::Warn, Severity::High, "a.js", 1),
            alert("telemetry", Action::Monitor, Severity::Critical, "b.js", 1),
            alert("network-access", Action::Info, Severity::Info, "c.js", 1),
            alert("env-access", Action::Ignore, Severity::Critical, "d.js", 1),
        ]);
        p.apply(&mut r);
        assert_eq!(
            actions(&r),
            [
                ("telemetry", Action::Block),
                ("obfuscated-code", Action::Block),
                ("network-access", Action::Info),
            ]
        );
        assert_eq!(r.alerts[0].evidence["promoted_from"], "monitor");
        assert_eq!(r.alerts[1].evidence["promoted_from"], "warn");
        assert!(!r.alerts[2].evidence.contains_key("promoted_from"));
        // The default [fail] leaves warnings alone.
        let mut w = report(vec![alert(
            "obfuscated-code",
            Action::Warn,
            Severity::High,
            "a.js",
            1,
        )]);
        Policy::default().apply(&mut w);
        assert_eq!(actions(&w), [("obfuscated-code", Action::Warn)]);
    }

    #[test]
    fn first_matching_exception_wins() {
        let p = from_toml(
            r#"
[[exceptions]]
package = "demo"
rule = "shell-access"
action = "warn"
reason = "first"

[[exceptions]]
package = "*"
rule = "shell-access"
reason = "second"
"#,
        );
        let mut r = report(vec![alert(
            "shell-access",
            Action::Info,
            Severity::Info,
            "a.js",
            1,
        )]);
        p.apply(&mut r);
        assert_eq!(actions(&r), [("shell-access", Action::Warn)]);
        assert_eq!(p.unused_exceptions().len(), 1);
    }
}
