//! Findings: what a rule reports. Findings are data, never errors: a rule that fires adds a
//! [`Finding`]; the policy later decides its [`Action`].

use crate::location::{Excerpt, Location};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How bad a finding is, independent of what the policy does with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// What the policy does with a finding. Ordered from weakest to strongest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Dropped from the report.
    Ignore,
    /// A fact about the package, part of its capability profile.
    Info,
    /// Recorded; shown with `--all`.
    Monitor,
    /// Shown; exit code 0.
    Warn,
    /// Shown; exit code 1, install refused.
    Block,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Ignore => "ignore",
            Action::Info => "info",
            Action::Monitor => "monitor",
            Action::Warn => "warn",
            Action::Block => "block",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "ignore" => Action::Ignore,
            "info" => Action::Info,
            "monitor" => Action::Monitor,
            "warn" => Action::Warn,
            "block" => Action::Block,
            _ => return None,
        })
    }
}

/// The sections of the red-flag catalog (`reference/alerts.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// What the code can do (section 1).
    Capability,
    /// Hidden and obfuscated code (section 2).
    Obfuscation,
    /// Malicious behaviour and the verdict (section 3).
    Malicious,
    /// Identity and registry metadata (section 4).
    Metadata,
    /// Change between versions (section 5).
    Change,
    /// The shape of the package itself: unsafe archive entries, unparseable or disguised files.
    Package,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Capability => "capability",
            Category::Obfuscation => "obfuscation",
            Category::Malicious => "malicious",
            Category::Metadata => "metadata",
            Category::Change => "change",
            Category::Package => "package",
        }
    }
}

/// Machine-readable evidence for JSON consumers (URL, entropy, decoded preview, env names).
/// A `BTreeMap` so serialisation is deterministic.
pub type Evidence = BTreeMap<String, serde_json::Value>;

/// A secondary location that explains a finding (one step of an evidence chain).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Related {
    pub location: Location,
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<Excerpt>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Rule id, kebab-case, forever stable.
    pub rule: String,
    pub category: Category,
    pub severity: Severity,
    /// Set from the rule's default and then by the policy.
    pub action: Action,
    /// One line: what was found, code in backticks, no trailing period.
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// What the primary span shows ("process spawned here").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<Excerpt>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub related: Vec<Related>,
    /// True when the finding is in code that runs at install time.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub install_time: bool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub evidence: Evidence,
}

impl Finding {
    /// Sort key: strongest first, then location, then rule.
    pub fn sort_key(&self) -> impl Ord + '_ {
        (
            std::cmp::Reverse(self.action),
            std::cmp::Reverse(self.severity),
            self.location
                .as_ref()
                .map(|l| (l.path.as_str(), l.line, l.column)),
            self.rule.as_str(),
            self.message.as_str(),
        )
    }
}
