//! Change reports: what a new version of a package brings in against the old one
//! ([`DiffReport`]), and what a change of a project's lockfiles adds, removes and updates
//! ([`ProjectDiffReport`]). Serialised as JSON by `ferret diff --format json`.
//!
//! A diff never replaces the new version's own scan: [`DiffReport::report`] is that scan with
//! the change findings (`capability-added`, `install-script-added`, …) merged in, so the
//! policy and the verdict work on one list and a malicious new version is blocked whether or
//! not it differs much from the old one.

use crate::capability::Capability;
use crate::facts::CapabilityUse;
use crate::finding::Finding;
use crate::report::{LockfileRef, PackageInfo, PackageReport, ScanError};
use serde::{Deserialize, Serialize};

/// How something differs between the old and the new version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// Only in the new version.
    Added,
    /// Only in the old version.
    Removed,
    /// In both, different.
    Changed,
    /// In both, the same.
    Unchanged,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Changed => "changed",
            ChangeKind::Unchanged => "unchanged",
        }
    }
}

/// One capability of the two profiles. New uses are listed with their exact locations;
/// uses that exist in both versions are only counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapabilityDiff {
    pub capability: Capability,
    /// `added`: the old version had no use at all; `changed`: it had some and new ones
    /// appear; `unchanged`: no new use; `removed`: the new version has none.
    pub change: ChangeKind,
    pub old_count: usize,
    pub new_count: usize,
    /// Uses of the new version that the old version did not have (matched by file, API,
    /// kind, detail and code, not by line, so moved code is not new).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub added: Vec<CapabilityUse>,
}

/// A lifecycle script, dependency or entry point that differs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ValueChange {
    /// What changed: `postinstall`, `dependencies.flatmap-stream`, `main`, `bin.x`.
    pub key: String,
    pub change: ChangeKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
}

/// Files of the two versions, compared by content.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileChanges {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub modified: Vec<String>,
    pub unchanged: usize,
    /// Lines added and removed over all text files (a line diff of each modified file; files
    /// too large to diff count as wholly replaced).
    pub lines_added: u64,
    pub lines_removed: u64,
}

/// Who published each version (npm `_npmUser`), when the registry said.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublisherChange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
    /// Both known and different.
    pub changed: bool,
}

/// A unified-diff excerpt of the code around a new capability use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffExcerpt {
    pub path: String,
    /// What the excerpt shows ("new network use: `fetch`").
    pub label: String,
    /// 1-based line of the new use in the new file.
    pub line: u32,
    /// `@@ -a,b +c,d @@` header and ` `/`-`/`+` lines; long lines are cut.
    pub hunk: String,
}

/// The identity of an alert, for telling new alerts from ones the old version had too (by
/// rule, file and message; not by line, so moved code is not a new alert).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AlertKey {
    pub rule: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub message: String,
}

impl AlertKey {
    pub fn of(f: &Finding) -> Self {
        Self {
            rule: f.rule.clone(),
            path: f.location.as_ref().map(|l| l.path.clone()),
            message: f.message.clone(),
        }
    }
}

/// What the new version of a package brings in against the old one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiffReport {
    pub old: PackageInfo,
    /// The new version's own scan plus the change findings, sorted; the policy applies here
    /// and the verdict is this report's.
    pub report: PackageReport,
    pub capabilities: Vec<CapabilityDiff>,
    /// The old version's alerts (keys only): an alert of `report` not listed here is new.
    pub previous_alerts: Vec<AlertKey>,
    pub install_scripts: Vec<ValueChange>,
    pub dependencies: Vec<ValueChange>,
    pub entry_points: Vec<ValueChange>,
    pub files: FileChanges,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher: Option<PublisherChange>,
    /// Code around new capability uses, as unified-diff hunks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excerpts: Vec<DiffExcerpt>,
}

impl DiffReport {
    /// The new version's package info.
    pub fn new_package(&self) -> &PackageInfo {
        &self.report.package
    }

    /// Whether the old version had this alert too.
    pub fn is_new_alert(&self, f: &Finding) -> bool {
        self.previous_alerts
            .binary_search(&AlertKey::of(f))
            .is_err()
    }

    /// Alerts the old version did not have (change findings included), in report order.
    pub fn new_alerts(&self) -> impl Iterator<Item = &Finding> {
        self.report.alerts.iter().filter(|f| self.is_new_alert(f))
    }

    pub fn is_blocked(&self) -> bool {
        self.report.is_blocked()
    }
}

/// One package that a lockfile change adds, removes or updates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackageChange {
    pub name: String,
    /// `added`, `removed` or `changed` (an update).
    pub change: ChangeKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_version: Option<String>,
    pub direct: bool,
    #[serde(default)]
    pub dev: bool,
    /// Dependency paths in the new (or, for removals, the old) lockfile.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lockfile: Option<LockfileRef>,
    /// Updates: the package diff.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff: Option<Box<DiffReport>>,
    /// Additions: the full scan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<Box<PackageReport>>,
    /// Why the package could not be checked (fetch failure, offline and not cached).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl PackageChange {
    /// The report the verdict is read from (the diff's, or the addition's scan).
    pub fn verdict_report(&self) -> Option<&PackageReport> {
        match (&self.diff, &self.report) {
            (Some(d), _) => Some(&d.report),
            (None, Some(r)) => Some(r),
            (None, None) => None,
        }
    }

    pub fn verdict_report_mut(&mut self) -> Option<&mut PackageReport> {
        match (&mut self.diff, &mut self.report) {
            (Some(d), _) => Some(&mut d.report),
            (None, Some(r)) => Some(r),
            (None, None) => None,
        }
    }

    pub fn is_blocked(&self) -> bool {
        self.verdict_report().is_some_and(PackageReport::is_blocked)
    }

    /// `name old → new`, `name@new`, `name@old`.
    pub fn label(&self) -> String {
        match (&self.old_version, &self.new_version) {
            (Some(o), Some(n)) => format!("{} {o} → {n}", self.name),
            (None, Some(v)) | (Some(v), None) => format!("{}@{v}", self.name),
            (None, None) => self.name.clone(),
        }
    }
}

/// The dependency changes between a base revision and the working tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectDiffReport {
    pub schema_version: u32,
    pub ferret_version: String,
    /// Project root as given.
    pub root: String,
    /// The base revision (`origin/main`).
    pub base: String,
    /// Lockfiles compared, relative to the root.
    pub lockfiles: Vec<String>,
    /// Sorted: blocked first, then by name.
    pub changes: Vec<PackageChange>,
    /// Lockfiles or packages that could not be read or checked.
    pub errors: Vec<ScanError>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl ProjectDiffReport {
    pub fn is_blocked(&self) -> bool {
        self.changes.iter().any(PackageChange::is_blocked)
    }
}
