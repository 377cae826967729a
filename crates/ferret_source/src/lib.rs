//! Opens a package — an extracted directory, a `.tgz`/`.tar.gz`/`.tar` file or tarball bytes
//! fetched from a registry — into an in-memory [`PackageTree`]. Nothing is ever written to
//! disk: package content is hostile input, so unpacking only ever produces byte vectors.
//!
//! Every source is held to the same [`Limits`] (total unpacked size, entry count, per-file
//! size, compression ratio). Exceeding a whole-package limit is an error that names the limit;
//! an entry that is unsafe to extract (path traversal, absolute path, link, device, fifo, an
//! oversize file, a duplicate) is skipped and recorded as an [`ArchiveIssue`], because its
//! presence is itself a signal the rules weigh.

mod pool;
mod python;
mod sniff;
mod tarball;
mod walk;
mod zip;

use base64::Engine as _;
use ferret_core::ArchiveIssue;
use sha2::Digest as _;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use pool::{MAX_POOL_BYTES, pooled_bytes, recycle};
pub use python::{
    CoreMetadata, EntryPoint, dist_info_dir, entry_points, is_python_tree, open_sdist, open_wheel,
    verify_record,
};
pub use sniff::sniff_kind;
pub use tarball::{open_tarball, open_tarball_hashed};
pub use walk::open_dir;
pub use zip::{ZipLayout, looks_like_zip, open_zip};

/// Bounds on what opening one package may cost. The same limits apply to directories and
/// tarballs, so a package cannot escape them by being handed over unpacked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Sum of the sizes of all files kept (bytes).
    pub max_total_size: u64,
    /// Archive entries or directory entries visited, files and folders alike.
    pub max_entries: usize,
    /// One file; a larger file is skipped and recorded as a `file-too-large` issue.
    pub max_file_size: u64,
    /// Inflated bytes per compressed byte; enforced once [`RATIO_GRACE_BYTES`] are inflated.
    pub max_ratio: u64,
}

/// The compression ratio is only enforced after this many inflated bytes: tiny or highly
/// repetitive files (license texts, minified JSON full of zeros) legitimately compress far
/// beyond 100:1, but only a bomb keeps that up for more than a few megabytes.
pub const RATIO_GRACE_BYTES: u64 = 16 * 1024 * 1024;

impl Default for Limits {
    /// - 512 MiB total: the largest packages in the npm registry (typescript ~23 MB,
    ///   @swc/core platform binaries ~50 MB, electron-style prebuilt bundles ~150 MB unpacked)
    ///   fit with room to spare, while a scan cannot grow memory without bound.
    /// - 100 000 entries: packages with very many files (e.g. `@fortawesome` icon sets,
    ///   `@types/node` history) have tens of thousands; beyond that is a zip-bomb shape.
    /// - 64 MiB per file: larger than any single JS bundle or `.node` addon we have seen; a
    ///   bigger file is skipped (recorded) rather than failing the whole package.
    /// - ratio 100: real npm tarballs inflate 3–10x (minified JS ~4x, source maps ~6x);
    ///   100x sustained past 16 MiB is a bomb, and stops it after reading ~160 KiB of input.
    fn default() -> Self {
        Self {
            max_total_size: 512 * 1024 * 1024,
            max_entries: 100_000,
            max_file_size: 64 * 1024 * 1024,
            max_ratio: 100,
        }
    }
}

/// One file of a package, held in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeFile {
    /// Relative to the package root, `/`-separated, never empty, never containing `.`/`..`.
    pub path: String,
    pub data: Vec<u8>,
    /// Any execute bit was set (tar mode or file-system permission).
    pub executable: bool,
}

/// A package opened into memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageTree {
    /// Sorted by path, unique.
    pub files: Vec<TreeFile>,
    /// Entries that were not extracted, and why; sorted.
    pub issues: Vec<ArchiveIssue>,
    /// Sum of `files[*].data.len()`.
    pub unpacked_size: u64,
    /// `sha512-<base64>` of the tarball bytes, when opened from a tarball.
    pub integrity: Option<String>,
    /// Human label: the directory path, tarball path or URL.
    pub source: String,
}

impl PackageTree {
    /// The file at `path` (relative, `/`-separated), if present.
    pub fn file(&self, path: &str) -> Option<&TreeFile> {
        self.files
            .binary_search_by(|f| f.path.as_str().cmp(path))
            .ok()
            .map(|i| &self.files[i])
    }
}

/// Why a package could not be opened. Limit errors name the limit that was hit.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{} is not a package: expected a folder with package.json (or PKG-INFO, pyproject.toml, setup.py, setup.cfg), a folder holding `package/`, a .tgz/.tar.gz/.tar file, a .whl or a .zip sdist",
        path.display()
    )]
    NotAPackage { path: PathBuf },
    #[error("{origin}: invalid gzip data: {message}")]
    Gzip { origin: String, message: String },
    #[error("{origin}: invalid zip archive: {message}")]
    Zip { origin: String, message: String },
    #[error("{origin}: invalid tar archive: {message}")]
    Tar { origin: String, message: String },
    #[error("{origin}: unpacked size exceeds the limit of {limit} bytes (max_total_size)")]
    TooLarge { origin: String, limit: u64 },
    #[error("{origin}: more than {limit} entries (max_entries)")]
    TooManyEntries { origin: String, limit: usize },
    #[error(
        "{origin}: compression ratio {ratio}:1 exceeds the limit of {limit}:1 (max_ratio); possible decompression bomb"
    )]
    RatioExceeded {
        origin: String,
        ratio: u64,
        limit: u64,
    },
}

/// Opens a directory, a `.tgz`/`.tar.gz`/`.tar` file (also recognised by its magic bytes), a
/// wheel (`.whl`, RECORD verified) or a `.zip` sdist (zip magic; the top folder stripped).
pub fn open_path(path: &Path, limits: &Limits) -> Result<PackageTree, SourceError> {
    let io_err = |source| SourceError::Io {
        path: path.to_path_buf(),
        source,
    };
    // The path was given by the user, so following a symlink *to* the package is intended.
    let meta = std::fs::metadata(path).map_err(io_err)?;
    if meta.is_dir() {
        return open_dir(path, limits);
    }
    // The compressed file may not be larger than the unpacked limit: that alone bounds what
    // we read before inflating.
    if meta.len() > limits.max_total_size {
        return Err(SourceError::TooLarge {
            origin: path.display().to_string(),
            limit: limits.max_total_size,
        });
    }
    let bytes = std::fs::read(path).map_err(io_err)?;
    let name = path.to_string_lossy().to_ascii_lowercase();
    let origin = path.display().to_string();
    if name.ends_with(".whl") {
        return open_wheel(&bytes, &origin, limits);
    }
    if looks_like_zip(&bytes) {
        return open_sdist(&bytes, &origin, limits);
    }
    let by_name = [".tgz", ".tar.gz", ".tar"]
        .iter()
        .any(|ext| name.ends_with(ext));
    if !by_name && !tarball::looks_like_archive(&bytes) {
        return Err(SourceError::NotAPackage {
            path: path.to_path_buf(),
        });
    }
    open_tarball(&bytes, &path.display().to_string(), limits)
}

/// Builds a tree from in-memory files (tests, or content assembled by another source).
/// Later duplicates win, as they do when npm extracts a tarball.
pub fn from_files(source: &str, files: Vec<(String, Vec<u8>)>) -> PackageTree {
    let mut map = BTreeMap::new();
    for (path, data) in files {
        map.insert(
            path.clone(),
            TreeFile {
                path,
                data,
                executable: false,
            },
        );
    }
    build_tree(source, map, Vec::new(), None)
}

/// `sha512-<base64>`: the Subresource Integrity string npm records for tarballs.
pub fn sri_sha512(bytes: &[u8]) -> String {
    let digest = sha2::Sha512::digest(bytes);
    format!(
        "sha512-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

fn build_tree(
    source: &str,
    files: BTreeMap<String, TreeFile>,
    mut issues: Vec<ArchiveIssue>,
    integrity: Option<String>,
) -> PackageTree {
    issues.sort();
    let files: Vec<TreeFile> = files.into_values().collect();
    let unpacked_size = files.iter().map(|f| f.data.len() as u64).sum();
    PackageTree {
        files,
        issues,
        unpacked_size,
        integrity,
        source: source.to_owned(),
    }
}

fn issue(path: &str, kind: &str, detail: impl Into<String>) -> ArchiveIssue {
    ArchiveIssue {
        path: path.to_owned(),
        kind: kind.to_owned(),
        detail: detail.into(),
    }
}

/// Accumulates files under the shared limits; used by both the tarball and directory readers.
struct Collector<'a> {
    origin: &'a str,
    limits: &'a Limits,
    files: BTreeMap<String, TreeFile>,
    issues: Vec<ArchiveIssue>,
    entries: usize,
    /// Every byte kept, including files later replaced by a duplicate: that is what memory saw.
    bytes_read: u64,
}

impl<'a> Collector<'a> {
    fn new(origin: &'a str, limits: &'a Limits) -> Self {
        Self {
            origin,
            limits,
            files: BTreeMap::new(),
            issues: Vec::new(),
            entries: 0,
            bytes_read: 0,
        }
    }

    fn count_entry(&mut self) -> Result<(), SourceError> {
        self.entries += 1;
        if self.entries > self.limits.max_entries {
            return Err(SourceError::TooManyEntries {
                origin: self.origin.to_owned(),
                limit: self.limits.max_entries,
            });
        }
        Ok(())
    }

    /// Whether a file of `size` bytes may be read; records the issue when not, and errors
    /// when reading it would exceed the package's total.
    fn admit(&mut self, path: &str, size: u64) -> Result<bool, SourceError> {
        if size > self.limits.max_file_size {
            self.issues.push(issue(
                path,
                "file-too-large",
                format!(
                    "{size} bytes exceeds the per-file limit of {} bytes (max_file_size); not extracted",
                    self.limits.max_file_size
                ),
            ));
            return Ok(false);
        }
        if self.bytes_read.saturating_add(size) > self.limits.max_total_size {
            return Err(self.too_large());
        }
        Ok(true)
    }

    fn too_large(&self) -> SourceError {
        SourceError::TooLarge {
            origin: self.origin.to_owned(),
            limit: self.limits.max_total_size,
        }
    }

    fn add(&mut self, path: String, data: Vec<u8>, executable: bool) -> Result<(), SourceError> {
        self.bytes_read = self.bytes_read.saturating_add(data.len() as u64);
        if self.bytes_read > self.limits.max_total_size {
            return Err(self.too_large());
        }
        if self.files.contains_key(&path) {
            self.issues.push(issue(
                &path,
                "duplicate-entry",
                "the path appears more than once; the last entry is kept, as npm does",
            ));
        }
        self.files.insert(
            path.clone(),
            TreeFile {
                path,
                data,
                executable,
            },
        );
        Ok(())
    }

    fn finish(self, integrity: Option<String>) -> PackageTree {
        build_tree(self.origin, self.files, self.issues, integrity)
    }
}
