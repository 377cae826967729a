//! Tarball reading: gzip (or plain) → tar, streamed entirely in memory.
//!
//! The inflated stream passes through a [`Guard`] that counts bytes in and out, so a gzip
//! bomb is stopped by the size or ratio limit after a few megabytes — the archive is never
//! inflated in full first. The tar crate only ever hands us entries; we copy regular files
//! into memory and record everything else (links, devices, traversal) as issues.

use crate::{Collector, Limits, PackageTree, RATIO_GRACE_BYTES, SourceError, issue, sri_sha512};
use flate2::read::MultiGzDecoder;
use std::cell::RefCell;
use std::io::{self, Read};
use std::rc::Rc;
use tar::EntryType;

/// Opens tarball bytes (gzip-compressed or plain tar). `source` labels the tree and errors.
/// The first path component (npm's `package/`, sometimes another name) is stripped.
pub fn open_tarball(
    bytes: &[u8],
    source: &str,
    limits: &Limits,
) -> Result<PackageTree, SourceError> {
    open_tarball_hashed(bytes, source, limits, None)
}

/// [`open_tarball`] for bytes whose `sha512-…` SRI the caller has just computed (a registry
/// client verifying the download): the tree's integrity is that string instead of a second
/// SHA-512 pass over the tarball (~10% of a cold project scan's CPU). Anything else as
/// `sha512` (another algorithm, `None`) is ignored and the bytes are hashed here.
pub fn open_tarball_hashed(
    bytes: &[u8],
    source: &str,
    limits: &Limits,
    sha512: Option<&str>,
) -> Result<PackageTree, SourceError> {
    let known = sha512
        .filter(|s| s.starts_with("sha512-"))
        .map(str::to_owned);
    let hit: Rc<RefCell<Option<Hit>>> = Rc::new(RefCell::new(None));
    let gzipped = bytes.starts_with(&[0x1f, 0x8b]);
    let input = if gzipped {
        // Multi-member, like Node's zlib: a second gzip member appended to the first is
        // still extracted by npm, so we must see it too.
        Input::Gz(Box::new(MultiGzDecoder::new(Counting {
            inner: bytes,
            count: 0,
        })))
    } else {
        Input::Plain(bytes)
    };
    // Tar headers and padding cost up to ~1 KiB per entry on top of file data.
    let stream_cap = limits
        .max_total_size
        .saturating_add((limits.max_entries as u64).saturating_mul(1024))
        .saturating_add(1024 * 1024);
    let guard = Guard {
        input,
        inflated: 0,
        stream_cap,
        max_ratio: limits.max_ratio,
        hit: Rc::clone(&hit),
    };
    let mut col = Collector::new(source, limits);
    let mut archive = tar::Archive::new(guard);
    let fail = |e: io::Error| classify(&hit, source, limits, &e);
    let mut seen_any = false;
    for entry in archive.entries().map_err(fail)? {
        let mut entry = entry.map_err(fail)?;
        seen_any = true;
        col.count_entry()?;
        let etype = entry.header().entry_type();
        if etype.is_pax_global_extensions() {
            continue;
        }
        let raw = entry.path_bytes().into_owned();
        let Ok(raw) = String::from_utf8(raw) else {
            let lossy = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
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
        let link = || {
            entry
                .link_name_bytes()
                .map(|l| String::from_utf8_lossy(&l).into_owned())
                .unwrap_or_default()
        };
        match etype {
            EntryType::Regular | EntryType::Continuous => {}
            EntryType::Directory => continue,
            EntryType::Symlink => {
                col.issues.push(issue(
                    &raw,
                    "symlink",
                    format!("symbolic link to `{}`; not followed", link()),
                ));
                continue;
            }
            EntryType::Link => {
                col.issues.push(issue(
                    &raw,
                    "hardlink",
                    format!("hard link to `{}`; not followed", link()),
                ));
                continue;
            }
            EntryType::Char | EntryType::Block => {
                col.issues
                    .push(issue(&raw, "device", "device file; not extracted"));
                continue;
            }
            EntryType::Fifo => {
                col.issues
                    .push(issue(&raw, "fifo", "named pipe; not extracted"));
                continue;
            }
            other => {
                col.issues.push(issue(
                    &raw,
                    "unsupported-entry",
                    format!("tar entry type {:#04x}; not extracted", other.as_byte()),
                ));
                continue;
            }
        }
        // npm extracts with `strip: 1`: a file directly at the archive root has no folder
        // to strip and is not installed, but it is in the archive, so say so.
        if comps.len() < 2 {
            col.issues.push(issue(
                &raw,
                "outside-package-folder",
                "file at the archive root, outside the package folder; npm does not install it",
            ));
            continue;
        }
        let path = comps[1..].join("/");
        let size = entry.size();
        if !col.admit(&path, size)? {
            continue;
        }
        let executable = entry.header().mode().is_ok_and(|m| m & 0o111 != 0);
        // Capacity from the header is bounded by `admit`, but start small anyway: a lying
        // header is cheap to write.
        let mut data = crate::pool::take(usize::try_from(size.min(1 << 20)).unwrap_or(0));
        (&mut entry)
            .take(size)
            .read_to_end(&mut data)
            .map_err(fail)?;
        col.add(path, data, executable)?;
    }
    if !seen_any {
        return Err(SourceError::Tar {
            origin: source.to_owned(),
            message: "the archive has no entries".to_owned(),
        });
    }
    Ok(col.finish(Some(known.unwrap_or_else(|| sri_sha512(bytes)))))
}

/// Whether the bytes start like a gzip stream or a ustar archive.
pub(crate) fn looks_like_archive(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x1f, 0x8b]) || bytes.get(257..262) == Some(b"ustar".as_slice())
}

/// Splits an entry name into components (dropping empty and `.` ones), refusing names that
/// would land outside the extraction folder. Backslashes count as separators for the
/// refusal only: on Windows they are separators, and `..\x` must not slip through.
pub(crate) fn split_entry_path(raw: &str) -> Result<Vec<&str>, (&'static str, String)> {
    let bytes = raw.as_bytes();
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    if raw.starts_with('/') || raw.starts_with('\\') || drive {
        return Err(("absolute-path", "absolute path; not extracted".to_owned()));
    }
    if raw.split(['/', '\\']).any(|c| c == "..") {
        return Err((
            "path-traversal",
            "the path contains `..` and could escape the package folder; not extracted".to_owned(),
        ));
    }
    Ok(raw
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect())
}

/// Which limit (or decoding failure) stopped the stream; the tar crate wraps our I/O errors,
/// so the reason travels beside them.
enum Hit {
    Gzip(String),
    TooLarge,
    Ratio(u64),
}

fn classify(
    hit: &Rc<RefCell<Option<Hit>>>,
    origin: &str,
    limits: &Limits,
    err: &io::Error,
) -> SourceError {
    let origin = origin.to_owned();
    match hit.borrow_mut().take() {
        Some(Hit::Gzip(message)) => SourceError::Gzip { origin, message },
        Some(Hit::TooLarge) => SourceError::TooLarge {
            origin,
            limit: limits.max_total_size,
        },
        Some(Hit::Ratio(ratio)) => SourceError::RatioExceeded {
            origin,
            ratio,
            limit: limits.max_ratio,
        },
        None => SourceError::Tar {
            origin,
            message: err.to_string(),
        },
    }
}

struct Counting<'a> {
    inner: &'a [u8],
    count: u64,
}

impl Read for Counting<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        Ok(n)
    }
}

enum Input<'a> {
    // Boxed: the decoder state is ~340 bytes, the plain variant a slice.
    Gz(Box<MultiGzDecoder<Counting<'a>>>),
    Plain(&'a [u8]),
}

struct Guard<'a> {
    input: Input<'a>,
    inflated: u64,
    stream_cap: u64,
    max_ratio: u64,
    hit: Rc<RefCell<Option<Hit>>>,
}

impl Guard<'_> {
    fn stop(&self, hit: Hit, what: &str) -> io::Error {
        *self.hit.borrow_mut() = Some(hit);
        io::Error::other(what.to_owned())
    }
}

impl Read for Guard<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = match &mut self.input {
            Input::Gz(gz) => match gz.read(buf) {
                Ok(n) => n,
                Err(e) => return Err(self.stop(Hit::Gzip(e.to_string()), "invalid gzip data")),
            },
            Input::Plain(bytes) => bytes.read(buf)?,
        };
        self.inflated += n as u64;
        if self.inflated > self.stream_cap {
            return Err(self.stop(Hit::TooLarge, "unpacked size limit"));
        }
        if let Input::Gz(gz) = &self.input
            && self.inflated > RATIO_GRACE_BYTES
        {
            let compressed = gz.get_ref().count.max(1);
            let ratio = self.inflated / compressed;
            if ratio > self.max_ratio {
                return Err(self.stop(Hit::Ratio(ratio), "compression ratio limit"));
            }
        }
        Ok(n)
    }
}
