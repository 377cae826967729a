//! Package identity across ecosystems.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A package ecosystem. New ecosystems add a variant here and an analyser crate; nothing
/// else in the vocabulary is npm- or PyPI-specific.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ecosystem {
    Npm,
    #[serde(rename = "pypi")]
    PyPI,
}

impl Ecosystem {
    pub fn as_str(self) -> &'static str {
        match self {
            Ecosystem::Npm => "npm",
            Ecosystem::PyPI => "pypi",
        }
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `ecosystem:name@version`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PackageId {
    pub ecosystem: Ecosystem,
    pub name: String,
    pub version: String,
}

impl PackageId {
    pub fn npm(name: impl Into<String>, version: impl Into<String>) -> Self {
        Self {
            ecosystem: Ecosystem::Npm,
            name: name.into(),
            version: version.into(),
        }
    }
}

impl fmt::Display for PackageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}@{}", self.ecosystem, self.name, self.version)
    }
}
