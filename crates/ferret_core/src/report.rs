//! Reports: the result of scanning packages, as serialised to JSON (`docs/json-schema.md`).

use crate::capability::Capability;
use crate::facts::CapabilityUse;
use crate::finding::{Action, Finding};
use crate::package::Ecosystem;
use serde::{Deserialize, Serialize};

/// Identity and shape of a scanned package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageInfo {
    pub ecosystem: Ecosystem,
    pub name: String,
    pub version: String,
    /// `sha512-...` SRI string of the tarball when known (registry or computed).
    pub integrity: Option<String>,
    /// Where the package came from: a directory, a tarball path or a registry URL.
    pub source: String,
    pub file_count: u64,
    pub unpacked_size: u64,
}

/// One capability of the profile with every place it is used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapabilitySummary {
    pub capability: Capability,
    pub count: usize,
    /// True when at least one use is in install-time code.
    pub install_time: bool,
    pub locations: Vec<CapabilityUse>,
}

/// A file that could not be analysed, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FileError {
    pub path: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackageReport {
    pub package: PackageInfo,
    pub capabilities: Vec<CapabilitySummary>,
    /// Sorted by [`Finding::sort_key`]; findings with action `ignore` are removed.
    pub alerts: Vec<Finding>,
    pub files_failed: Vec<FileError>,
    /// Where the package sits in a scanned project (absent for single-package scans).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<ProjectPackage>,
    /// Metadata rules that did not run because registry metadata was not available (offline,
    /// local directory): shown so a missing check is never mistaken for a pass.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_evaluated: Vec<crate::registry::NotEvaluated>,
}

impl PackageReport {
    /// The strongest action among the alerts.
    pub fn worst_action(&self) -> Option<Action> {
        self.alerts.iter().map(|a| a.action).max()
    }

    pub fn is_blocked(&self) -> bool {
        self.worst_action() == Some(Action::Block)
    }
}

/// The top-level JSON document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanReport {
    pub schema_version: u32,
    pub ferret_version: String,
    pub packages: Vec<PackageReport>,
    /// Packages that could not be scanned at all (fetch or unpack errors).
    pub errors: Vec<ScanError>,
    /// The scanned project, when ferret scanned a project rather than single packages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<ProjectInfo>,
}

/// A scanned project: its manifest, the lockfiles read, and what could not be checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectInfo {
    /// Project root directory as given.
    pub root: String,
    /// `name@version` of the root manifest, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Lockfiles read, relative to the root.
    pub lockfiles: Vec<String>,
    /// Packages by where their content came from: `node_modules`, `cache`, `registry`.
    pub sources: std::collections::BTreeMap<String, usize>,
    pub direct: usize,
    pub transitive: usize,
    /// Human notes: "resolved from package.json ranges at scan time", "offline: 3 packages
    /// not checked", ...
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Packages for other platforms (their `os`/`cpu`/`libc` exclude this one, so they are
    /// not installed here) checked from registry metadata only, not from their content:
    /// `name@version`, sorted. Their reports have `project.origin` `metadata-only`. Empty
    /// when every package's content was inspected (`--all-platforms`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metadata_only: Vec<String>,
    /// The platform the scan decided for, as npm names it (`linux-x64-glibc`), when some
    /// packages were checked from metadata only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
}

/// How one package of a project was reached.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectPackage {
    /// Direct dependency of the root (or of a workspace member).
    pub direct: bool,
    /// Only reachable through devDependencies.
    #[serde(default)]
    pub dev: bool,
    /// Dependency paths from the root, shortest first, each `["my-app", "jest", "@jest/core",
    /// "bad-pkg@1.0.0"]`; at most a few.
    pub paths: Vec<Vec<String>>,
    /// Where the package is declared in the lockfile (path, 1-based line).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lockfile: Option<LockfileRef>,
    /// `node_modules`, `cache`, `registry`, `local`.
    pub origin: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LockfileRef {
    pub path: String,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanError {
    pub target: String,
    pub error: String,
}
