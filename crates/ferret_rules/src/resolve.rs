//! Resolving paths and relative module specifiers against a package's file list.
//!
//! Install-time marking needs to know which package file `node lib/x` or
//! `require('../util')` means, the way node would find it, but without touching a disk: the
//! package is an in-memory list of paths, so resolution is set membership over candidates.

use std::collections::BTreeSet;

/// Extensions node tries, in order, for a path without one (`require('./x')`).
const NODE_EXTENSIONS: [&str; 4] = [".js", ".cjs", ".mjs", ".json"];

/// Joins `rel` onto the directory `base_dir` (both `/`-separated, relative to the package
/// root) and normalises `.` and `..`. `None` when the result leaves the package root or
/// `rel` is absolute.
pub fn join_normalize(base_dir: &str, rel: &str) -> Option<String> {
    let rel = rel.replace('\\', "/");
    if rel.starts_with('/') || rel.get(1..2) == Some(":") {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for seg in base_dir.split('/').chain(rel.split('/')) {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

/// The directory part of a package path (`lib/a.js` → `lib`, `a.js` → ``).
pub fn dir_of(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}

/// Whether a module specifier is relative (`./x`, `../x`, `.`, `..`).
pub fn is_relative_specifier(spec: &str) -> bool {
    spec == "." || spec == ".." || spec.starts_with("./") || spec.starts_with("../")
}

/// Resolves `spec` from a file in `base_dir` like node's `require` does for files: the exact
/// path, then with `.js`/`.cjs`/`.mjs`/`.json`, then as a directory's `index.*`.
pub fn resolve_node(base_dir: &str, spec: &str, files: &BTreeSet<String>) -> Option<String> {
    let joined = join_normalize(base_dir, spec)?;
    if !joined.is_empty() && files.contains(&joined) {
        return Some(joined);
    }
    for ext in NODE_EXTENSIONS {
        let candidate = format!("{joined}{ext}");
        if files.contains(&candidate) {
            return Some(candidate);
        }
    }
    let prefix = if joined.is_empty() {
        String::new()
    } else {
        format!("{joined}/")
    };
    NODE_EXTENSIONS
        .iter()
        .map(|ext| format!("{prefix}index{ext}"))
        .find(|c| files.contains(c))
}

/// Resolves a path named on a command line (`sh scripts/x.sh`, `./install`) to a package
/// file, exactly, with no extension guessing.
pub fn resolve_exact(path: &str, files: &BTreeSet<String>) -> Option<String> {
    let joined = join_normalize("", path)?;
    files.contains(&joined).then_some(joined)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(paths: &[&str]) -> BTreeSet<String> {
        paths.iter().map(|s| (*s).to_string()).collect()
    }

    #[test]
    fn node_resolution_order() {
        let files = set(&[
            "lib/a.js",
            "lib/b.cjs",
            "lib/c/index.js",
            "index.js",
            "x.json",
        ]);
        assert_eq!(
            resolve_node("lib", "./a", &files).as_deref(),
            Some("lib/a.js")
        );
        assert_eq!(
            resolve_node("lib", "./a.js", &files).as_deref(),
            Some("lib/a.js")
        );
        assert_eq!(
            resolve_node("lib", "./b", &files).as_deref(),
            Some("lib/b.cjs")
        );
        assert_eq!(
            resolve_node("lib", "./c", &files).as_deref(),
            Some("lib/c/index.js")
        );
        assert_eq!(
            resolve_node("lib", "..", &files).as_deref(),
            Some("index.js")
        );
        assert_eq!(
            resolve_node("lib/c", "../../x", &files).as_deref(),
            Some("x.json")
        );
        assert_eq!(resolve_node("lib", "./missing", &files), None);
    }

    #[test]
    fn paths_cannot_escape_the_package() {
        let files = set(&["a.js"]);
        assert_eq!(resolve_node("", "../a.js", &files), None);
        assert_eq!(resolve_exact("/a.js", &files), None);
        assert_eq!(resolve_exact("C:\\a.js", &files), None);
        assert_eq!(resolve_exact(".\\a.js", &files).as_deref(), Some("a.js"));
    }
}
