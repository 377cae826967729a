//! Registry metadata as rule input: what a package registry says about a package, in a
//! vocabulary that is not npm-specific (PyPI fills the same struct from its JSON API).
//!
//! Rules stay pure: they never fetch and never read the clock. Whoever builds
//! [`RegistryFacts`] (`ferret_registry`) records the moment the metadata was fetched in
//! [`RegistryFacts::fetched_at`], and every age ("published 3 hours ago", "no release in 6
//! years") is computed against it, so a scan of cached metadata is reproducible.
//!
//! When no metadata is at hand (an offline scan, a local directory), the engine records
//! [`MetadataStatus::NotAvailable`] and the report lists which metadata rules were **not
//! evaluated** (`PackageReport::not_evaluated`) — never a silent pass.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Seconds since the Unix epoch (UTC). Registry times are parsed to this once, so rules
/// compare integers instead of date strings.
pub type UnixTime = i64;

/// One hour and one day in seconds, for age arithmetic in rules.
pub const HOUR: i64 = 3600;
pub const DAY: i64 = 24 * HOUR;

/// Whether registry metadata was available to the rules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum MetadataStatus {
    /// Registry metadata was given; metadata rules ran.
    Evaluated,
    /// No registry metadata: rules that need it did not run. `reason` says why ("local
    /// directory", "offline and not cached").
    NotAvailable { reason: String },
    /// Nobody said (facts built without going through a registry-aware entry point).
    #[default]
    Unknown,
}

/// A person as the registry records them (maintainer, publisher).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Person {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// One published version of the package, as listed in the package document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionInfo {
    pub version: String,
    /// Publish time, when the registry records it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<UnixTime>,
    /// The account that published this version (npm `_npmUser`, PyPI uploader).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    /// Deprecation (npm) or yank (PyPI) message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<String>,
    /// The version declares install-time hooks (npm `preinstall`/`install`/`postinstall`).
    #[serde(default)]
    pub install_scripts: bool,
}

/// What the registry's archive record says (npm `dist`, PyPI `urls`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DistInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tarball: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integrity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shasum: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_count: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unpacked_size: Option<u64>,
}

/// The registry's document for the scanned version: the manifest as the registry serves it
/// to installers. Compared with the archive's own manifest for manifest confusion.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VersionDoc {
    pub name: String,
    pub version: String,
    #[serde(default)]
    pub scripts: BTreeMap<String, String>,
    /// Runtime dependencies: name → spec (npm `dependencies` and `optionalDependencies`).
    #[serde(default)]
    pub dependencies: BTreeMap<String, String>,
    /// Executables installed: command → path.
    #[serde(default)]
    pub bin: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub main: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exports: Option<serde_json::Value>,
    #[serde(default)]
    pub dist: DistInfo,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<String>,
    /// The license as declared (`MIT`, `(MIT OR Apache-2.0)`, `SEE LICENSE IN x`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
    /// npm `os`: the platforms the version installs on (`process.platform` names; `!x`
    /// excludes one). Empty: any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub os: Vec<String>,
    /// npm `cpu` (`process.arch` names: `x64`, `arm64`; `!x` excludes one). Empty: any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cpu: Vec<String>,
    /// npm `libc` (`glibc`, `musl`; Linux only). Empty: any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub libc: Vec<String>,
    /// npm `gypfile`: the tarball has a `binding.gyp` (npm then runs `node-gyp rebuild` on
    /// install when no install script is given).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub gypfile: bool,
    /// npm `hasInstallScript`: the registry says the version runs scripts on install.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub has_install_script: bool,
}

/// The package was removed from the registry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unpublished {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<UnixTime>,
    /// Versions that existed before the removal.
    #[serde(default)]
    pub versions: Vec<String>,
}

/// Everything the registry says about a package and the scanned version.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RegistryFacts {
    pub name: String,
    /// When the metadata was fetched: "now" for every age computation.
    pub fetched_at: UnixTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<UnixTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<UnixTime>,
    /// Every published version, sorted by publish time (unknown times last, then by version
    /// string).
    #[serde(default)]
    pub versions: Vec<VersionInfo>,
    /// npm dist-tags (`latest`, `next`); PyPI has only `latest`.
    #[serde(default)]
    pub dist_tags: BTreeMap<String, String>,
    #[serde(default)]
    pub maintainers: Vec<Person>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unpublished: Option<Unpublished>,
    /// Downloads in the last month, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub downloads: Option<u64>,
    /// The scanned version's document; `None` when the registry does not list it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<VersionDoc>,
    /// The soak time the scan applies to fresh versions, in hours (policy input carried with
    /// the metadata, because only metadata rules read it); `None` = the default, 48 h.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub soak_hours: Option<u32>,
}

impl RegistryFacts {
    /// The entry of `version` in the version list.
    pub fn version_info(&self, version: &str) -> Option<&VersionInfo> {
        self.versions.iter().find(|v| v.version == version)
    }

    /// Versions published strictly before `version` (by position in the time-sorted list).
    pub fn versions_before(&self, version: &str) -> &[VersionInfo] {
        let end = self
            .versions
            .iter()
            .position(|v| v.version == version)
            .unwrap_or(self.versions.len());
        &self.versions[..end]
    }

    /// The newest publish time of any version.
    pub fn last_publish(&self) -> Option<UnixTime> {
        self.versions.iter().filter_map(|v| v.published).max()
    }
}

/// A metadata rule that could not run, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct NotEvaluated {
    pub rule: String,
    pub reason: String,
}
