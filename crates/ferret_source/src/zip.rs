//! Zip reading (wheels, `.zip` sdists), entirely in memory, under the shared [`Limits`].
//!
//! A zip's central directory declares every entry's size before anything is inflated, so
//! declared sizes are admitted against the limits first; each entry is then inflated through
//! a reader capped at its declared size plus one byte, so an entry that inflates beyond what
//! it declares is caught (recorded as `size-mismatch`, not extracted) after one extra byte.
//! The compression ratio is measured against the whole archive's length, not the entries'
//! declared compressed sizes: overlapping entries (the non-recursive zip bomb, where every
//! entry points at the same compressed kernel) declare small compressed sizes honestly but
//! reuse the same input bytes, which only the archive length exposes.
//!
//! Symbolic links (unix mode in the external attributes), encrypted entries, entries in an
//! unsupported compression method, traversal and absolute names are recorded as
//! [`ArchiveIssue`](ferret_core::ArchiveIssue)s and not extracted, as for tarballs.

use crate::tarball::split_entry_path;
use crate::{Collector, Limits, PackageTree, RATIO_GRACE_BYTES, SourceError, issue, sri_sha512};
use std::io::{Cursor, Read};
use zip::CompressionMethod;

/// Whether the first path component is a wrapper folder to strip (`name-1.0/` in a `.zip`
/// sdist) or part of the package (a wheel's `pkg/` and `pkg-1.0.dist-info/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZipLayout {
    /// Paths are kept as they are (wheels).
    Flat,
    /// The first component is stripped; files at the archive root are recorded as
    /// `outside-package-folder` (sdists).
    StripFirst,
}

/// Whether the bytes start like a zip archive (a local file header, or the end-of-central-
/// directory record of an empty archive).
pub fn looks_like_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

/// Opens zip bytes into a tree. `source` labels the tree and errors.
pub fn open_zip(
    bytes: &[u8],
    source: &str,
    limits: &Limits,
    layout: ZipLayout,
) -> Result<PackageTree, SourceError> {
    let zip_err = |e: zip::result::ZipError| SourceError::Zip {
        origin: source.to_owned(),
        message: e.to_string(),
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(zip_err)?;
    let mut col = Collector::new(source, limits);
    if archive.has_duplicate_names() {
        // The zip crate keeps one entry per name; which one an installer extracts depends on
        // the tool (pip's zipfile takes the last central-directory entry), so say so.
        col.issues.push(issue(
            "",
            "duplicate-entry",
            "the central directory names a path more than once; only one copy is analysed",
        ));
    }
    let archive_len = (bytes.len() as u64).max(1);
    let mut inflated: u64 = 0;
    for index in 0..archive.len() {
        col.count_entry()?;
        let mut entry = match archive.by_index(index) {
            Ok(entry) => entry,
            Err(e) => {
                col.issues.push(issue(
                    &format!("#{index}"),
                    "corrupt-entry",
                    format!("cannot read the entry: {e}; not extracted"),
                ));
                continue;
            }
        };
        let Ok(raw) = String::from_utf8(entry.name_raw().to_vec()) else {
            let lossy = String::from_utf8_lossy(entry.name_raw()).into_owned();
            col.issues.push(issue(
                &lossy,
                "invalid-path-encoding",
                "the entry name is not valid UTF-8; not extracted",
            ));
            continue;
        };
        let comps = match split_entry_path(&raw) {
            Ok(comps) => comps,
            Err((kind, detail)) => {
                col.issues.push(issue(&raw, kind, detail));
                continue;
            }
        };
        if entry.is_dir() || raw.ends_with('/') {
            continue;
        }
        if entry.is_symlink() {
            let mut target = Vec::new();
            let _ = (&mut entry).take(1024).read_to_end(&mut target);
            col.issues.push(issue(
                &raw,
                "symlink",
                format!(
                    "symbolic link to `{}`; not followed",
                    String::from_utf8_lossy(&target)
                ),
            ));
            continue;
        }
        if entry.encrypted() {
            col.issues
                .push(issue(&raw, "encrypted-entry", "encrypted; not extracted"));
            continue;
        }
        if !matches!(
            entry.compression(),
            CompressionMethod::Stored | CompressionMethod::Deflated
        ) {
            col.issues.push(issue(
                &raw,
                "unsupported-compression",
                format!(
                    "compression method {:?}; installers only write stored or deflated entries; not extracted",
                    entry.compression()
                ),
            ));
            continue;
        }
        let path = match layout {
            ZipLayout::Flat => comps.join("/"),
            ZipLayout::StripFirst if comps.len() < 2 => {
                col.issues.push(issue(
                    &raw,
                    "outside-package-folder",
                    "file at the archive root, outside the sdist's `name-version/` folder",
                ));
                continue;
            }
            ZipLayout::StripFirst => comps[1..].join("/"),
        };
        if path.is_empty() {
            continue;
        }
        let declared = entry.size();
        if !col.admit(&path, declared)? {
            continue;
        }
        let mut data = Vec::with_capacity(usize::try_from(declared.min(1 << 20)).unwrap_or(0));
        let read = (&mut entry)
            .take(declared.saturating_add(1))
            .read_to_end(&mut data);
        inflated = inflated.saturating_add(data.len() as u64);
        if inflated > RATIO_GRACE_BYTES {
            let ratio = inflated / archive_len;
            if ratio > limits.max_ratio {
                return Err(SourceError::RatioExceeded {
                    origin: source.to_owned(),
                    ratio,
                    limit: limits.max_ratio,
                });
            }
        }
        if data.len() as u64 > declared {
            col.issues.push(issue(
                &path,
                "size-mismatch",
                format!(
                    "inflates beyond its declared size of {declared} bytes (zip bomb shape); not extracted"
                ),
            ));
            continue;
        }
        if let Err(e) = read {
            col.issues.push(issue(
                &path,
                "corrupt-entry",
                format!("cannot inflate the entry: {e}; not extracted"),
            ));
            continue;
        }
        let executable = entry.unix_mode().is_some_and(|m| m & 0o111 != 0);
        col.add(path, data, executable)?;
    }
    Ok(col.finish(Some(sri_sha512(bytes))))
}
