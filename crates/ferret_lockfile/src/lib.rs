//! Lockfile and manifest extractors: one module per format, each turning the text of a
//! lockfile into the same [`Lockfile`] shape (packages with 1-based line numbers, dependency
//! edges, the root's direct dependencies and workspaces).
//!
//! Supported files (dispatch is by file name, see [`parse`]):
//!
//! | file | formats |
//! |---|---|
//! | `package-lock.json`, `npm-shrinkwrap.json` | lockfileVersion 1 (nested `dependencies`), 2 and 3 (`packages`) |
//! | `yarn.lock` | classic v1 and Berry (v2+, `__metadata`) |
//! | `pnpm-lock.yaml` | lockfileVersion 5.x/6.x (`/name@version` keys) and 9.x (`packages` + `snapshots`) |
//! | `bun.lock` | the text (JSONC) format; the binary `bun.lockb` is not read |
//! | `package.json` | the manifest ([`Manifest`], [`parse_manifest`]) |
//! | `requirements*.txt` / `.in`, `constraints*.txt` | pip requirements ([`parse_requirements`] follows `-r`/`-c` includes) |
//! | `poetry.lock` | lock-version 1.x and 2.x |
//! | `uv.lock` | version 1 |
//! | `Pipfile.lock` | pipfile-spec 6 |
//! | `pylock.toml`, `pylock.<name>.toml` | PEP 751 lock-version 1.x |
//! | `pyproject.toml` | PEP 621 / PEP 735 / poetry dependencies, without a lock |
//!
//! Python files are found with [`detect_python`] (not [`detect`], which stays npm-only) and
//! read with [`load_python`] (follows includes) or [`parse`]; see [`python`] for what they add
//! ([`Lockfile::requirements`], [`Lockfile::indexes`]).
//!
//! The shape, for the project scanner:
//! - [`detect`] lists the supported lockfiles and `package.json` in a directory.
//! - [`parse`] reads one lockfile. Some formats do not record the root's direct dependencies
//!   (yarn classic) or whether a package is a devDependency (yarn, bun, pnpm 9): call
//!   [`Lockfile::attach_manifest`] with the `package.json` of the root (and of each workspace
//!   member) to fill [`RootInfo::direct`] and recompute [`LockedPackage::dev`] by reachability.
//! - [`dependency_paths`] gives the shortest paths from the root to each package, e.g.
//!   `["my-app", "jest", "@jest/core", "bad-pkg@1.0.0"]`.
//! - [`classify_spec`] classifies a dependency spec (`^1.2.0`, `npm:y@1`, `github:u/r`,
//!   `https://…/x.tgz`, `file:../x`, `link:`, `workspace:*`) for the git-dependency /
//!   http-dependency / file-dependency alerts.
//!
//! Lockfile text is hostile input: malformed files give an [`ExtractError`] carrying the path
//! and (where known) the line, never a panic; files over [`MAX_LOCKFILE_BYTES`] are refused.

mod bun;
mod graph;
mod json_lines;
mod manifest;
mod npm;
mod pnpm;
pub mod python;
mod spec;
mod yaml_lines;
mod yarn;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

pub use graph::dependency_paths;
pub use manifest::{Manifest, parse_manifest};
pub use npm::glob_match;
pub use python::{
    IndexKind, PackageIndex, Pep508, Requirement, classify_python_spec, detect_python,
    is_requirements_name, load_python, normalize_name, parse_pep508, parse_requirements,
    pinned_version,
};
pub use spec::{SpecKind, classify_spec};

/// Lockfiles larger than this are refused. The 604-package benchmark app's package-lock.json
/// is well under 1 MiB; 64 MiB leaves room for very large monorepos while bounding memory.
pub const MAX_LOCKFILE_BYTES: usize = 64 * 1024 * 1024;

/// File names [`detect`] looks for, in the order it reports them.
pub const LOCKFILE_NAMES: [&str; 5] = [
    "npm-shrinkwrap.json",
    "package-lock.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "bun.lock",
];

/// Which lockfile format (and version) a file was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// `package-lock.json` / `npm-shrinkwrap.json` with its `lockfileVersion`.
    PackageLock {
        version: u8,
        shrinkwrap: bool,
    },
    YarnClassic,
    /// Berry; the number is `__metadata.version`.
    YarnBerry {
        version: u32,
    },
    /// `lockfileVersion` major (5, 6, 9).
    Pnpm {
        version: u8,
    },
    /// `bun.lock` `lockfileVersion`.
    Bun {
        version: u32,
    },
    /// pip requirements file(s).
    Requirements,
    /// `poetry.lock` `metadata.lock-version`.
    PoetryLock {
        major: u8,
        minor: u8,
    },
    /// `uv.lock` `version`.
    UvLock {
        version: u32,
    },
    /// `Pipfile.lock` `_meta.pipfile-spec`.
    PipfileLock {
        spec: u32,
    },
    /// PEP 751 `pylock.toml` `lock-version`.
    Pylock {
        major: u8,
        minor: u8,
    },
    /// `pyproject.toml` read without a lock.
    Pyproject,
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Format::PackageLock {
                version,
                shrinkwrap: false,
            } => write!(f, "package-lock v{version}"),
            Format::PackageLock {
                version,
                shrinkwrap: true,
            } => write!(f, "npm-shrinkwrap v{version}"),
            Format::YarnClassic => f.write_str("yarn v1"),
            Format::YarnBerry { version } => write!(f, "yarn berry (metadata v{version})"),
            Format::Pnpm { version } => write!(f, "pnpm v{version}"),
            Format::Bun { version } => write!(f, "bun v{version}"),
            Format::Requirements => f.write_str("requirements"),
            Format::PoetryLock { major, minor } => write!(f, "poetry.lock v{major}.{minor}"),
            Format::UvLock { version } => write!(f, "uv.lock v{version}"),
            Format::PipfileLock { spec } => write!(f, "Pipfile.lock spec {spec}"),
            Format::Pylock { major, minor } => write!(f, "pylock v{major}.{minor}"),
            Format::Pyproject => f.write_str("pyproject.toml"),
        }
    }
}

/// Where a locked package's content comes from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum DepSource {
    Registry,
    Git {
        url: String,
    },
    Http {
        url: String,
    },
    File {
        path: String,
    },
    Link {
        path: String,
    },
    /// A member of the project's own workspace (local code, not fetched).
    Workspace {
        path: String,
    },
}

/// One package instance recorded in a lockfile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LockedPackage {
    /// Unique key of this instance within the lockfile: the install path for npm and bun
    /// (`node_modules/a/node_modules/b`, `a/b`), the package key for pnpm
    /// (`/a@1.0.0`, `a@1.0.0(peer@2)`), the resolution for yarn. Edges point at it.
    pub id: String,
    /// The real package name (for an alias, the aliased package: `is-odd` for `odd@npm:is-odd@3`).
    pub name: String,
    /// The version, or for non-registry sources what the lockfile records (a git URL, …).
    pub version: String,
    pub resolved: Option<String>,
    pub integrity: Option<String>,
    pub source: DepSource,
    /// Only reachable through devDependencies.
    pub dev: bool,
    pub optional: bool,
    /// 1-based line of the entry in the lockfile (0 when the format gives none).
    pub line: u32,
    /// Install location where the format records one (npm v2/v3 `node_modules/...`).
    pub install_path: Option<String>,
    /// Edges: (name as referenced, [`LockedPackage::id`] of the target).
    pub dependencies: Vec<(String, String)>,
    /// The name it is installed under when aliased (`odd` for `"odd": "npm:is-odd@3.0.1"`).
    pub alias: Option<String>,
    /// yarn: the `name@range` descriptors this entry satisfies (its key); empty elsewhere.
    pub descriptors: Vec<String>,
    /// Python: the file hashes the lock allows (`sha256:hex`), sdist and wheels; empty for npm
    /// (which has [`LockedPackage::integrity`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hashes: Vec<String>,
    /// The operating systems the package supports as the lockfile records them (npm's `os`,
    /// node's `process.platform` names: `darwin`, `linux`, `win32`; `!name` excludes one).
    /// Recorded by package-lock v2/v3, npm-shrinkwrap, pnpm, bun and yarn Berry
    /// (`conditions: os=…`); empty when unconstrained or not recorded.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub os: Vec<String>,
    /// The CPU architectures the package supports (npm's `cpu`, `process.arch` names: `x64`,
    /// `arm64`, `ia32`; `!name` excludes one), where the lockfile records them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cpu: Vec<String>,
    /// The C libraries the package supports on Linux (npm's `libc`: `glibc`, `musl`), where
    /// the lockfile records them (package-lock, pnpm, yarn Berry `libc=`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub libc: Vec<String>,
    /// The lockfile says the package runs an install script (package-lock v2/v3
    /// `hasInstallScript`, pnpm `requiresBuild`); false where the format does not say.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub has_install_script: bool,
}

/// A direct dependency of the root or of a workspace member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DirectDep {
    /// Name as written in the manifest (the alias, for aliases).
    pub name: String,
    /// The spec as written (`^1.0.0`, `npm:y@1`, `file:../x`), when the lockfile records it.
    pub spec: Option<String>,
    pub dev: bool,
    pub optional: bool,
    pub peer: bool,
    /// [`LockedPackage::id`] it resolved to, when found.
    pub target: Option<String>,
    /// The importer declaring it: `""` for the root, else the workspace path (`packages/a`).
    pub importer: String,
}

/// A workspace member of a monorepo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkspaceMember {
    pub path: String,
    pub name: Option<String>,
    pub version: Option<String>,
}

/// The project root as the lockfile (or an attached manifest) describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RootInfo {
    pub name: Option<String>,
    pub version: Option<String>,
    pub direct: Vec<DirectDep>,
    pub workspaces: Vec<WorkspaceMember>,
}

/// One parsed lockfile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lockfile {
    pub path: String,
    pub format: Format,
    /// Sorted by (name, version, id).
    pub packages: Vec<LockedPackage>,
    pub root: RootInfo,
    /// Python: every requirement as written (requirements files, pyproject.toml), in file
    /// order, includes in place.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub requirements: Vec<Requirement>,
    /// Python: package indexes the project installs from (extra indexes are a
    /// dependency-confusion risk).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<PackageIndex>,
    /// Requirements files read through `-r`/`-c` includes, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub includes: Vec<String>,
    /// What the extractor could not follow or wants said (`include not read`, `--no-index`,
    /// `--trusted-host`), `file:line: message`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Why a lockfile or manifest could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    #[error("{path}:{line}: {message}")]
    Syntax {
        path: String,
        line: u32,
        message: String,
    },
    #[error("{path}: {size} bytes is over the {limit}-byte limit for lockfiles")]
    TooLarge {
        path: String,
        size: usize,
        limit: usize,
    },
    #[error("{path}: unsupported {what}")]
    Unsupported { path: String, what: String },
    #[error("{path}: not a supported lockfile name")]
    UnknownFile { path: String },
}

impl ExtractError {
    pub(crate) fn syntax(path: &str, line: u32, message: impl Into<String>) -> Self {
        ExtractError::Syntax {
            path: path.to_owned(),
            line,
            message: message.into(),
        }
    }

    /// The line the error concerns, when known (1-based).
    pub fn line(&self) -> Option<u32> {
        match self {
            ExtractError::Syntax { line, .. } if *line > 0 => Some(*line),
            _ => None,
        }
    }
}

/// Supported lockfiles and `package.json` present directly in `dir`, lockfiles first in
/// [`LOCKFILE_NAMES`] order. `bun.lockb` (binary) is not listed.
pub fn detect(dir: &Path) -> Vec<PathBuf> {
    LOCKFILE_NAMES
        .iter()
        .chain(std::iter::once(&"package.json"))
        .map(|name| dir.join(name))
        .filter(|p| p.is_file())
        .collect()
}

/// Parses one lockfile, dispatching on its file name. `path` is recorded in the result and in
/// errors; only its file name is inspected.
pub fn parse(path: &Path, text: &str) -> Result<Lockfile, ExtractError> {
    let display = path.to_string_lossy().into_owned();
    check_size(&display, text)?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if let Some(result) = python::parse_by_name(path, &display, name, text) {
        let mut lock = result?;
        lock.finish();
        return Ok(lock);
    }
    let mut lock = match name {
        "package-lock.json" => npm::parse(&display, text, false)?,
        "npm-shrinkwrap.json" => npm::parse(&display, text, true)?,
        "yarn.lock" => yarn::parse(&display, text)?,
        "pnpm-lock.yaml" => pnpm::parse(&display, text)?,
        "bun.lock" => bun::parse(&display, text)?,
        _ => return Err(ExtractError::UnknownFile { path: display }),
    };
    lock.finish();
    Ok(lock)
}

pub(crate) fn check_size(path: &str, text: &str) -> Result<(), ExtractError> {
    if text.len() > MAX_LOCKFILE_BYTES {
        return Err(ExtractError::TooLarge {
            path: path.to_owned(),
            size: text.len(),
            limit: MAX_LOCKFILE_BYTES,
        });
    }
    Ok(())
}

impl Lockfile {
    pub(crate) fn new(path: &str, format: Format) -> Self {
        Lockfile {
            path: path.to_owned(),
            format,
            packages: Vec::new(),
            root: RootInfo::default(),
            requirements: Vec::new(),
            indexes: Vec::new(),
            includes: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Sorts packages and edges, refines sources from the direct specs.
    fn finish(&mut self) {
        // An http(s) tarball spec can resolve to a registry URL (npm, pnpm record the registry
        // tarball); the manifest spec is what the http-dependency alert is about.
        let mut by_id: BTreeMap<String, usize> = BTreeMap::new();
        for (i, p) in self.packages.iter().enumerate() {
            by_id.insert(p.id.clone(), i);
        }
        for d in &self.root.direct {
            let (Some(spec), Some(target)) = (&d.spec, &d.target) else {
                continue;
            };
            let Some(&i) = by_id.get(target) else {
                continue;
            };
            let pkg = &mut self.packages[i];
            if pkg.source != DepSource::Registry {
                continue;
            }
            match classify_spec(spec) {
                SpecKind::Http { url } => pkg.source = DepSource::Http { url },
                SpecKind::Git { url } => pkg.source = DepSource::Git { url },
                _ => {}
            }
        }
        if self.format_lacks_dev_flags() && !self.root.direct.is_empty() {
            graph::recompute_dev(self);
        }
        for p in &mut self.packages {
            p.dependencies.sort();
            p.dependencies.dedup();
        }
        self.packages
            .sort_by(|a, b| (&a.name, &a.version, &a.id).cmp(&(&b.name, &b.version, &b.id)));
        self.root
            .direct
            .sort_by(|a, b| (&a.importer, &a.name, a.dev).cmp(&(&b.importer, &b.name, b.dev)));
        self.root.workspaces.sort_by(|a, b| a.path.cmp(&b.path));
    }

    /// Index of a package by id.
    pub fn package(&self, id: &str) -> Option<&LockedPackage> {
        self.packages.iter().find(|p| p.id == id)
    }

    /// Adds the manifest's dependencies as direct dependencies of `importer` (`""` for the
    /// root, else the workspace path) when the lockfile recorded none for it, fills the
    /// root's name/version when missing, and recomputes [`LockedPackage::dev`] by reachability:
    /// a package is dev when no path from a non-dev direct dependency reaches it.
    pub fn attach_manifest(&mut self, importer: &str, manifest: &Manifest) {
        if importer.is_empty() {
            if self.root.name.is_none() {
                self.root.name.clone_from(&manifest.name);
            }
            if self.root.version.is_none() {
                self.root.version.clone_from(&manifest.version);
            }
        }
        if !importer.is_empty() {
            for w in self
                .root
                .workspaces
                .iter_mut()
                .filter(|w| w.path == importer)
            {
                w.name = w.name.take().or_else(|| manifest.name.clone());
                w.version = w.version.take().or_else(|| manifest.version.clone());
            }
            let mut found = false;
            for p in &mut self.packages {
                if matches!(&p.source, DepSource::Workspace { path } if path == importer) {
                    found = true;
                    if let Some(n) = &manifest.name {
                        p.name.clone_from(n);
                    }
                    if let Some(v) = &manifest.version {
                        p.version.clone_from(v);
                    }
                }
            }
            // yarn classic does not record workspace members: the manifest introduces them.
            if !found {
                self.packages.push(LockedPackage {
                    id: format!("workspace:{importer}"),
                    name: manifest.name.clone().unwrap_or_else(|| importer.to_owned()),
                    version: manifest.version.clone().unwrap_or_default(),
                    resolved: None,
                    integrity: None,
                    source: DepSource::Workspace {
                        path: importer.to_owned(),
                    },
                    dev: false,
                    optional: false,
                    line: 0,
                    install_path: None,
                    dependencies: Vec::new(),
                    alias: None,
                    descriptors: Vec::new(),
                    hashes: Vec::new(),
                    os: Vec::new(),
                    cpu: Vec::new(),
                    libc: Vec::new(),
                    has_install_script: false,
                });
            }
            if !self.root.workspaces.iter().any(|w| w.path == importer) {
                self.root.workspaces.push(WorkspaceMember {
                    path: importer.to_owned(),
                    name: manifest.name.clone(),
                    version: manifest.version.clone(),
                });
            }
        }
        let has_any = self.root.direct.iter().any(|d| d.importer == importer);
        let index = self.resolver_index();
        if has_any {
            // Keep the lockfile's edges; only learn the dev flags the lockfile lacks.
            for d in self
                .root
                .direct
                .iter_mut()
                .filter(|d| d.importer == importer)
            {
                if manifest.dev_dependencies.contains_key(&d.name)
                    && !manifest.dependencies.contains_key(&d.name)
                {
                    d.dev = true;
                }
                if d.spec.is_none() {
                    d.spec = manifest.spec_of(&d.name).map(str::to_owned);
                }
            }
        } else {
            for (name, spec, dev, optional, peer) in manifest.all_dependencies() {
                let target = index.find(name, spec);
                self.root.direct.push(DirectDep {
                    name: name.to_owned(),
                    spec: Some(spec.to_owned()),
                    dev,
                    optional,
                    peer,
                    target,
                    importer: importer.to_owned(),
                });
            }
        }
        graph::recompute_dev(self);
        self.finish();
    }

    /// Formats that do not record dev-only packages: derive it from the root's direct deps.
    fn format_lacks_dev_flags(&self) -> bool {
        matches!(
            self.format,
            Format::YarnClassic
                | Format::YarnBerry { .. }
                | Format::Bun { .. }
                | Format::Pnpm { version: 9.. }
        )
    }

    fn resolver_index(&self) -> graph::DescriptorIndex {
        graph::DescriptorIndex::new(self)
    }
}

/// At most this many `os`/`cpu` values are kept per package (npm lists a handful).
const MAX_PLATFORM_VALUES: usize = 32;

/// npm's `os`/`cpu` field: an array of strings or (as bun writes one value) a single string.
/// Other shapes give nothing; empty strings are dropped; the list is bounded.
pub(crate) fn platform_list(value: Option<&serde_json::Value>) -> Vec<String> {
    let value = match value {
        Some(serde_json::Value::String(s)) => return platform_values([s.as_str()]),
        Some(serde_json::Value::Array(a)) => a,
        _ => return Vec::new(),
    };
    platform_values(value.iter().filter_map(serde_json::Value::as_str))
}

fn platform_values<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    values
        .into_iter()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .take(MAX_PLATFORM_VALUES)
        .map(str::to_owned)
        .collect()
}

/// Splits `name@rest` where a scoped name starts with `@`: the first `@` after index 0.
pub(crate) fn split_name_at(s: &str) -> Option<(&str, &str)> {
    let start = usize::from(s.starts_with('@'));
    let at = s.get(start..)?.find('@')? + start;
    Some((&s[..at], &s[at + 1..]))
}

#[cfg(test)]
mod tests;
