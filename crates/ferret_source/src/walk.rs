//! Directory reading: an extracted package on disk, read into memory under the same limits
//! as a tarball. Symbolic links are never followed (they are recorded, as in a tarball), so a
//! package folder cannot make us read `~/.ssh` or loop forever.

use crate::{Collector, Limits, PackageTree, SourceError, issue};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Opens an extracted package: the folder holding `package.json`, or a folder holding the
/// `package/` folder a tarball unpacks to, or an extracted Python project or sdist (a folder
/// with `PKG-INFO`, `pyproject.toml`, `setup.py` or `setup.cfg`).
pub fn open_dir(path: &Path, limits: &Limits) -> Result<PackageTree, SourceError> {
    let python = crate::python::PYTHON_MARKERS
        .iter()
        .any(|m| path.join(m).is_file())
        || has_dist_info(path);
    let root = if path.join("package.json").is_file() || python {
        path.to_path_buf()
    } else if path.join("package").is_dir() {
        path.join("package")
    } else {
        return Err(SourceError::NotAPackage {
            path: path.to_path_buf(),
        });
    };
    let origin = path.display().to_string();
    let mut col = Collector::new(&origin, limits);
    // Depth-first with an explicit stack: deep nesting cannot overflow ours.
    let mut stack: Vec<(PathBuf, String)> = vec![(root, String::new())];
    while let Some((dir, rel_dir)) = stack.pop() {
        let io_err = |source| SourceError::Io {
            path: dir.clone(),
            source,
        };
        let mut entries = fs::read_dir(&dir)
            .map_err(io_err)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(io_err)?;
        entries.sort_by_key(fs::DirEntry::file_name);
        for entry in entries {
            col.count_entry()?;
            let name = entry.file_name();
            let full = entry.path();
            let Some(name) = name.to_str() else {
                let lossy = join(&rel_dir, &name.to_string_lossy());
                col.issues.push(issue(
                    &lossy,
                    "invalid-path-encoding",
                    "the file name is not valid UTF-8; not read",
                ));
                continue;
            };
            let rel = join(&rel_dir, name);
            // `DirEntry::file_type` does not follow symlinks.
            let ftype = entry.file_type().map_err(|source| SourceError::Io {
                path: full.clone(),
                source,
            })?;
            if ftype.is_symlink() {
                let target = fs::read_link(&full)
                    .map(|t| t.display().to_string())
                    .unwrap_or_default();
                col.issues.push(issue(
                    &rel,
                    "symlink",
                    format!("symbolic link to `{target}`; not followed"),
                ));
            } else if ftype.is_dir() {
                // Nested node_modules hold separate packages (scanned on their own, if at
                // all), and .git is repository metadata npm never publishes.
                // Likewise a Python project's virtualenvs are not part of
                // the distribution.
                if name == "node_modules"
                    || name == ".git"
                    || (python && matches!(name, ".venv" | "venv" | ".tox"))
                {
                    continue;
                }
                stack.push((full, rel));
            } else if ftype.is_file() {
                read_file(&mut col, &full, rel)?;
            } else {
                let kind = special_kind(&ftype);
                col.issues
                    .push(issue(&rel, kind, format!("{kind} file; not read")));
            }
        }
    }
    Ok(col.finish(None))
}

fn read_file(col: &mut Collector<'_>, full: &Path, rel: String) -> Result<(), SourceError> {
    let io_err = |source| SourceError::Io {
        path: full.to_path_buf(),
        source,
    };
    // The directory entry said a regular file (not a link). Opened first and measured
    // through the open file: one path lookup instead of two, and the size and mode belong
    // to the file actually read.
    let mut file = fs::File::open(full).map_err(io_err)?;
    let meta = file.metadata().map_err(io_err)?;
    if !meta.is_file() {
        // Replaced (by a directory, a fifo) since the directory was listed: not read.
        col.issues
            .push(issue(&rel, "special-file", "not a regular file; not read"));
        return Ok(());
    }
    if !col.admit(&rel, meta.len())? {
        return Ok(());
    }
    // Read at most what was admitted: a file growing under us cannot exceed the limits.
    let mut data = crate::pool::take(usize::try_from(meta.len()).unwrap_or(0));
    (&mut file)
        .take(meta.len())
        .read_to_end(&mut data)
        .map_err(io_err)?;
    col.add(rel, data, is_executable(&meta))
}

/// An unpacked wheel: a top-level `*.dist-info` folder.
fn has_dist_info(path: &Path) -> bool {
    fs::read_dir(path).is_ok_and(|entries| {
        entries.flatten().take(10_000).any(|e| {
            e.file_name().to_string_lossy().ends_with(".dist-info")
                && e.file_type().is_ok_and(|t| t.is_dir())
        })
    })
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

#[cfg(unix)]
fn is_executable(meta: &fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_meta: &fs::Metadata) -> bool {
    false
}

#[cfg(unix)]
fn special_kind(ftype: &fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    if ftype.is_fifo() {
        "fifo"
    } else if ftype.is_block_device() || ftype.is_char_device() {
        "device"
    } else {
        "special-file"
    }
}

#[cfg(not(unix))]
fn special_kind(_ftype: &fs::FileType) -> &'static str {
    "special-file"
}
