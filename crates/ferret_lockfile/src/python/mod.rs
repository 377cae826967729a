//! Python project files: requirements files, poetry.lock, uv.lock, Pipfile.lock, pylock.toml
//! (PEP 751) and pyproject.toml, read into the same [`Lockfile`] shape as the npm formats.
//!
//! What Python adds to the shape:
//! - [`Lockfile::requirements`]: every requirement as written (requirements files,
//!   pyproject.toml), with its spec classified ([`classify_python_spec`]), the pinned version
//!   when it is `==X`, extras, environment markers, `--hash` values, editable and constraint
//!   flags, and the file and line it came from (includes are followed, see
//!   [`parse_requirements`]). Pinned and non-registry requirements also become
//!   [`crate::LockedPackage`]s; unpinned ranges stay requirements only (to be resolved).
//! - [`Lockfile::indexes`]: package indexes the project installs from (`--index-url`,
//!   `--extra-index-url`, `--find-links`, Pipfile `sources`, poetry/uv sources). An extra
//!   index is a dependency-confusion risk: pip takes the highest version from *any* index.
//!   Credentials in index URLs are redacted.
//! - Package names are normalised per PEP 503 ([`normalize_name`]).

mod pep508;
mod pipfile;
mod poetry;
mod pylock;
mod pyproject;
mod requirements;
mod toml_util;
mod uv;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::{DepSource, DirectDep, ExtractError, Format, LockedPackage, Lockfile, SpecKind};

pub use pep508::{Pep508, parse_pep508};
pub use requirements::{MAX_INCLUDE_DEPTH, MAX_INCLUDED_FILES, parse_requirements};

/// One requirement as written in a requirements file or pyproject.toml.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Requirement {
    /// PEP 503 normalised name (empty when a bare URL/path names no project).
    pub name: String,
    /// The specifier or URL as written (`==2.32.3`, `>=1,<2`, `^1.2` for poetry, ``,
    /// `git+https://…`).
    pub spec: String,
    pub kind: SpecKind,
    /// The exact version for `==X` / `===X` (no wildcard), or a poetry exact `X`.
    pub pinned: Option<String>,
    pub extras: Vec<String>,
    pub markers: Option<String>,
    /// `--hash=sha256:…` values, as written (`sha256:hex`).
    pub hashes: Vec<String>,
    pub editable: bool,
    /// From a `-c` constraints file: limits versions, installs nothing by itself.
    pub constraint: bool,
    /// The optional-dependencies extra, dependency group or poetry group (`dev`), or
    /// `build-system` for `[build-system] requires`; `None` for the main dependencies.
    pub group: Option<String>,
    /// The file it was read from (an included file's path as resolved).
    pub file: String,
    /// 1-based line.
    pub line: u32,
}

/// How an index is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IndexKind {
    /// `--index-url` / the first source: replaces PyPI.
    Primary,
    /// `--extra-index-url` / a further source: consulted *next to* the primary; pip picks the
    /// highest version across all of them (dependency confusion).
    Extra,
    /// `--find-links`: a page or directory of archives.
    FindLinks,
    /// A source a locked package names (uv `source.registry`, poetry `[package.source]`,
    /// pylock `index`) that is not the public PyPI.
    Source,
}

/// A package index a project installs from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackageIndex {
    /// The URL with any `user:password@` replaced by `***@`.
    pub url: String,
    pub kind: IndexKind,
    /// The source's name where the format gives one (Pipfile, poetry, uv).
    pub name: Option<String>,
    pub file: String,
    /// 1-based line (0 when unknown).
    pub line: u32,
}

impl PackageIndex {
    /// True for the public PyPI (`https://pypi.org/simple`, `files.pythonhosted.org`).
    pub fn is_pypi(&self) -> bool {
        is_pypi_url(&self.url)
    }
}

pub(crate) fn is_pypi_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .unwrap_or(&lower);
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    matches!(
        host,
        "pypi.org" | "pypi.python.org" | "files.pythonhosted.org" | "upload.pypi.org"
    )
}

/// Replaces the userinfo of a URL (`https://user:token@host/…`) by `***`: tokens in index URLs
/// must not reach reports.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let after = &url[scheme_end + 3..];
    let authority_end = after.find(['/', '?', '#']).unwrap_or(after.len());
    match after[..authority_end].rfind('@') {
        Some(at) => format!("{}***@{}", &url[..scheme_end + 3], &after[at + 1..]),
        None => url.to_owned(),
    }
}

/// PEP 503 name normalisation: runs of `-`, `_`, `.` become one `-`, lowercased.
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
            continue;
        }
        if sep && !out.is_empty() {
            out.push('-');
        }
        sep = false;
        out.extend(c.to_lowercase());
    }
    out
}

/// Classifies a Python requirement's spec or URL: `git+…` is [`SpecKind::Git`], other VCS
/// (`hg+`, `svn+`, `bzr+`) [`SpecKind::Other`], `http(s)://` archives [`SpecKind::Http`],
/// `file:` URLs and local paths [`SpecKind::File`], anything else a registry range (PEP 440
/// specifiers, poetry `^1.2`, ``). Never fails.
pub fn classify_python_spec(spec: &str) -> SpecKind {
    let s = spec.trim();
    let lower = s.to_ascii_lowercase();
    if lower.starts_with("git+") || lower.starts_with("git://") {
        return SpecKind::Git { url: s.to_owned() };
    }
    if ["hg+", "svn+", "bzr+"].iter().any(|p| lower.starts_with(p)) {
        return SpecKind::Other { spec: s.to_owned() };
    }
    if lower.starts_with("http://") || lower.starts_with("https://") {
        let no_frag = lower.split('#').next().unwrap_or("");
        if no_frag.ends_with(".git") {
            return SpecKind::Git { url: s.to_owned() };
        }
        return SpecKind::Http { url: s.to_owned() };
    }
    if let Some(path) = s
        .strip_prefix("file://")
        .or_else(|| s.strip_prefix("file:"))
    {
        return SpecKind::File {
            path: path.to_owned(),
        };
    }
    if s.starts_with("./")
        || s.starts_with("../")
        || s.starts_with('/')
        || s.starts_with("~/")
        || s == "."
        || s == ".."
        || s.starts_with(".\\")
        || s.starts_with("..\\")
    {
        return SpecKind::File { path: s.to_owned() };
    }
    SpecKind::Registry {
        range: s.to_owned(),
    }
}

/// The exact version a PEP 440 specifier pins: `==1.2.3`, `===1.2.3`, `== 1.2.3`; not
/// `==1.2.*`, not ranges, not several clauses.
pub fn pinned_version(spec: &str) -> Option<String> {
    let s = spec.trim();
    if s.contains(',') {
        return None;
    }
    let v = s
        .strip_prefix("===")
        .or_else(|| s.strip_prefix("=="))?
        .trim();
    if v.is_empty() || v.contains('*') || v.contains(char::is_whitespace) {
        return None;
    }
    Some(v.to_owned())
}

/// File names of the Python project files [`parse`](crate::parse) reads.
pub const PYTHON_FILE_NAMES: [&str; 5] = [
    "poetry.lock",
    "uv.lock",
    "Pipfile.lock",
    "pylock.toml",
    "pyproject.toml",
];

/// Whether a file name is a requirements file: `requirements*.txt`/`.in`,
/// `*-requirements.txt`, `*_requirements.txt`, `constraints*.txt`.
pub fn is_requirements_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let Some(stem) = lower
        .strip_suffix(".txt")
        .or_else(|| lower.strip_suffix(".in"))
    else {
        return false;
    };
    stem.starts_with("requirements")
        || stem.ends_with("requirements")
        || stem.starts_with("constraints")
}

/// Whether a file name is a PEP 751 lock: `pylock.toml` or `pylock.<name>.toml`.
pub fn is_pylock_name(name: &str) -> bool {
    name == "pylock.toml"
        || (name.starts_with("pylock.") && name.ends_with(".toml") && name.len() > 12)
}

/// Python project files directly in `dir` (and requirements files in `dir/requirements/`):
/// lockfiles first (poetry.lock, uv.lock, Pipfile.lock, pylock*.toml), then requirements
/// files (sorted), then pyproject.toml.
pub fn detect_python(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = ["poetry.lock", "uv.lock", "Pipfile.lock"]
        .iter()
        .map(|n| dir.join(n))
        .filter(|p| p.is_file())
        .collect();
    let list = |d: &Path, pred: &dyn Fn(&str) -> bool| -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(d)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file() && p.file_name().and_then(|n| n.to_str()).is_some_and(pred))
            .collect();
        v.sort();
        v
    };
    out.extend(list(dir, &is_pylock_name));
    out.extend(list(dir, &is_requirements_name));
    out.extend(list(&dir.join("requirements"), &|n: &str| {
        n.ends_with(".txt") || n.ends_with(".in")
    }));
    let pyproject = dir.join("pyproject.toml");
    if pyproject.is_file() {
        out.push(pyproject);
    }
    out
}

/// Reads a Python project file from disk, following `-r`/`-c` includes of requirements files
/// (relative to the including file, bounded, cycle-safe). Files over
/// [`crate::MAX_LOCKFILE_BYTES`] are refused.
pub fn load_python(path: &Path) -> Result<Lockfile, ExtractError> {
    let display = path.to_string_lossy().into_owned();
    let text = read_bounded(path).map_err(|message| ExtractError::Syntax {
        path: display.clone(),
        line: 0,
        message,
    })?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if is_requirements_name(name) {
        crate::check_size(&display, &text)?;
        let mut lock = parse_requirements(path, &text, &mut |p| read_bounded(p).ok())?;
        lock.finish();
        return Ok(lock);
    }
    crate::parse(path, &text)
}

fn read_bounded(path: &Path) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if meta.len() > crate::MAX_LOCKFILE_BYTES as u64 {
        return Err(format!(
            "{} bytes is over the {}-byte limit for lockfiles",
            meta.len(),
            crate::MAX_LOCKFILE_BYTES
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Dispatch for [`crate::parse`] on Python file names; `None` when the name is not Python.
pub(crate) fn parse_by_name(
    path: &Path,
    display: &str,
    name: &str,
    text: &str,
) -> Option<Result<Lockfile, ExtractError>> {
    Some(match name {
        "poetry.lock" => poetry::parse(display, text),
        "uv.lock" => uv::parse(display, text),
        "Pipfile.lock" => pipfile::parse(display, text),
        "pyproject.toml" => pyproject::parse(display, text),
        n if is_pylock_name(n) => pylock::parse(display, text),
        // Includes are not followed here (no I/O): they are listed in `includes`.
        n if is_requirements_name(n) => parse_requirements(path, text, &mut |_| None),
        _ => return None,
    })
}

/// A fresh registry package for Python formats.
pub(crate) fn py_package(name: &str, version: &str, line: u32) -> LockedPackage {
    let name = normalize_name(name);
    LockedPackage {
        id: format!("{name}@{version}"),
        name,
        version: version.to_owned(),
        resolved: None,
        integrity: None,
        source: DepSource::Registry,
        dev: false,
        optional: false,
        line,
        install_path: None,
        dependencies: Vec::new(),
        alias: None,
        descriptors: Vec::new(),
        hashes: Vec::new(),
        os: Vec::new(),
        cpu: Vec::new(),
        libc: Vec::new(),
        has_install_script: false,
    }
}

impl Lockfile {
    /// Attaches the requirements of a pyproject.toml (or any requirement list) to a Python
    /// lockfile that does not record the root's direct dependencies (poetry.lock,
    /// Pipfile.lock): each becomes a [`DirectDep`] pointing at the locked package of the same
    /// normalised name, and dev flags are recomputed by reachability (a package is dev when
    /// only `dev`/`test`/… groups reach it). Fills the root name/version when missing.
    pub fn attach_pyproject(&mut self, pyproject: &Lockfile) {
        if self.root.name.is_none() {
            self.root.name.clone_from(&pyproject.root.name);
        }
        if self.root.version.is_none() {
            self.root.version.clone_from(&pyproject.root.version);
        }
        if !self.root.direct.iter().any(|d| d.importer.is_empty()) {
            for r in pyproject.requirements.iter().filter(|r| {
                !r.constraint && !r.name.is_empty() && r.group.as_deref() != Some("build-system")
            }) {
                let target = self.target_for(&r.name, r.pinned.as_deref());
                self.root.direct.push(DirectDep {
                    name: r.name.clone(),
                    spec: Some(r.spec.clone()),
                    dev: is_dev_group(r.group.as_deref()),
                    optional: r.group.is_some() && !is_dev_group(r.group.as_deref()),
                    peer: false,
                    target,
                    importer: String::new(),
                });
            }
        }
        crate::graph::recompute_dev(self);
        self.finish();
    }

    /// The locked package of a normalised name: the pinned version when given, else the
    /// only one of that name, else the last one listed.
    pub(crate) fn target_for(&self, name: &str, version: Option<&str>) -> Option<String> {
        let mut same = self.packages.iter().filter(|p| p.name == name);
        if let Some(v) = version
            && let Some(p) = self
                .packages
                .iter()
                .find(|p| p.name == name && p.version == v)
        {
            return Some(p.id.clone());
        }
        let first = same.next()?;
        Some(same.next_back().unwrap_or(first).id.clone())
    }
}

/// Dependency groups that are development-only by convention.
pub(crate) fn is_dev_group(group: Option<&str>) -> bool {
    group.is_some_and(|g| {
        matches!(
            normalize_name(g).as_str(),
            "dev" | "develop" | "test" | "tests" | "testing" | "lint" | "docs" | "doc" | "typing"
        )
    })
}

/// Formats read by this module.
impl Format {
    /// True for the Python formats.
    pub fn is_python(&self) -> bool {
        matches!(
            self,
            Format::Requirements
                | Format::PoetryLock { .. }
                | Format::UvLock { .. }
                | Format::PipfileLock { .. }
                | Format::Pylock { .. }
                | Format::Pyproject
        )
    }
}

#[cfg(test)]
mod tests;
