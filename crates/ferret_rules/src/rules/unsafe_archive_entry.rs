//! `unsafe-archive-entry`: archive entries that could escape or abuse extraction.

use crate::declare_rule;
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{Ecosystem, Finding, PackageFacts};

declare_rule! {
    /// ## What it does
    /// Reports tarball entries that ferret refused to extract because extracting them is
    /// unsafe: paths with `..` that climb out of the package, absolute paths, symbolic and hard
    /// links, and device, FIFO or other special files.
    ///
    /// ## Why is this a risk?
    /// `npm pack` never produces such entries, so their presence means the tarball was built by
    /// hand. A path-traversal or link entry can overwrite files outside the package directory
    /// (shell rc files, other packages, `node_modules/.bin` shims) when extracted by a naive
    /// tool — a "zip slip".
    ///
    /// ## Example
    /// ```text
    /// package/../../.bashrc
    /// package/node_modules/.bin/npm -> /tmp/evil
    /// ```
    ///
    /// ## False positives
    /// Rare: some very old packages were published with symlinks from a hand-made tarball.
    /// Python sdists are different: setuptools keeps in-tree links (`README.rst ->
    /// docs/index.rst`, `CLAUDE.md -> AGENTS.md`) and pip extracts them, so a PyPI symlink is
    /// reported only when it leaves the sdist's top directory, is absolute, or points at a
    /// credential store, VCS metadata, a `.pth` or `.env` file.
    ///
    /// ## References
    /// - "Zip Slip" (Snyk, 2018); CVE-2021-32804 and CVE-2021-37701 in `node-tar`
    UnsafeArchiveEntry, id = "unsafe-archive-entry", category = Package, severity = High, action = Warn,
}

impl Rule for UnsafeArchiveEntry {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_package(&self, pkg: &PackageFacts, cx: &mut RuleContext) {
        for issue in &pkg.archive_issues {
            let Some(what) = describe(&issue.kind) else {
                continue;
            };
            if pkg.id.ecosystem == Ecosystem::PyPI
                && issue.kind.contains("symlink")
                && symlink_target(&issue.detail).is_some_and(|t| links_inside(&issue.path, t))
            {
                // setuptools keeps in-tree links in sdists (`README.rst -> docs/index.rst`)
                // and pip's tar filter extracts them; only a link that leaves the archive
                // or names a sensitive path is a trap.
                continue;
            }
            cx.report(
                Finding::of(
                    &Self::META,
                    format!("archive entry `{}` is {what}", issue.path),
                )
                .evidence("path", issue.path.clone())
                .evidence("kind", issue.kind.clone())
                .evidence("detail", issue.detail.clone()),
            );
        }
    }
}

/// The target of a symlink issue, from its detail (`symbolic link to `T`; not followed`).
fn symlink_target(detail: &str) -> Option<&str> {
    detail
        .strip_prefix("symbolic link to `")?
        .rsplit_once("`; not followed")
        .map(|(t, _)| t)
}

/// Whether a relative link at `entry` to `target` resolves inside the archive's top-level
/// directory (`pkg-1.0/README.rst -> docs/index.rst`), and names nothing sensitive.
fn links_inside(entry: &str, target: &str) -> bool {
    if target.is_empty()
        || target.starts_with(['/', '\\', '~', '$', '%'])
        || target.contains('\\')
        || target.contains(':')
        || crate::detect::behavior::credential_store(target).is_some()
    {
        return false;
    }
    let mut stack: Vec<&str> = entry.split('/').filter(|c| !c.is_empty()).collect();
    stack.pop(); // the link itself
    if stack.is_empty() {
        return false;
    }
    for c in target.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                stack.pop();
                // Climbing to the archive root leaves the package directory.
                if stack.is_empty() {
                    return false;
                }
            }
            _ => stack.push(c),
        }
    }
    // Links into VCS metadata or to `.pth`/`.so` files have no place in a source tree.
    !stack
        .iter()
        .any(|c| *c == ".git" || c.ends_with(".pth") || c.starts_with(".env"))
}

/// What an unsafe issue kind means, or `None` for issues that are limits, not unsafe shapes
/// (`file-too-large` and the like are reported as files that were not analysed).
fn describe(kind: &str) -> Option<&'static str> {
    Some(match kind {
        k if k.contains("traversal") => "a path that climbs out of the package",
        k if k.contains("absolute") => "an absolute path",
        k if k.contains("symlink") => "a symbolic link",
        k if k.contains("hardlink") || k.contains("link") => "a hard link",
        k if k.contains("device") || k.contains("fifo") || k.contains("special") => {
            "a device or special file"
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::UnsafeArchiveEntry;
    use crate::engine::{build_facts, run_rules};
    use ferret_core::{ArchiveIssue, Ecosystem};

    fn issue(path: &str, kind: &str) -> ArchiveIssue {
        ArchiveIssue {
            path: path.to_string(),
            kind: kind.to_string(),
            detail: "not extracted".to_string(),
        }
    }

    #[test]
    fn unsafe_archive_entry() {
        let mut tree = ferret_source::from_files(
            "test",
            vec![(
                "package.json".to_string(),
                br#"{"name":"x","version":"1.0.0"}"#.to_vec(),
            )],
        );
        let clean = run_rules(&build_facts(&tree, Ecosystem::Npm), &[UnsafeArchiveEntry]);
        assert!(clean.is_empty());
        tree.issues = vec![
            issue("../../.bashrc", "path-traversal"),
            issue("/etc/passwd", "absolute-path"),
            issue("node_modules/.bin/npm", "symlink"),
            issue("dev/null", "device"),
            issue("big.js", "file-too-large"),
        ];
        let findings = run_rules(&build_facts(&tree, Ecosystem::Npm), &[UnsafeArchiveEntry]);
        let messages: Vec<_> = findings.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "archive entry `../../.bashrc` is a path that climbs out of the package",
                "archive entry `/etc/passwd` is an absolute path",
                "archive entry `dev/null` is a device or special file",
                "archive entry `node_modules/.bin/npm` is a symbolic link",
            ]
        );
    }

    #[test]
    fn pypi_sdist_links_inside_the_tree_are_not_reported() {
        let link = |path: &str, target: &str| ArchiveIssue {
            path: path.to_string(),
            kind: "symlink".to_string(),
            detail: format!("symbolic link to `{target}`; not followed"),
        };
        let mut tree = ferret_source::from_files(
            "test",
            vec![("PKG-INFO".to_string(), b"Name: d\nVersion: 1\n".to_vec())],
        );
        tree.issues = vec![
            // Harmless: tenacity, docutils, pydantic-ai-slim.
            link("d-1/README.rst", "doc/source/index.rst"),
            link("d-1/test/data/math.css", "../../d/writers/html5/math.css"),
            link("d-1/d/models/CLAUDE.md", "AGENTS.md"),
            // Traps.
            link("d-1/evil", "../../../home/u/.bashrc"),
            link("d-1/abs", "/etc/passwd"),
            link("d-1/key", "../.ssh/id_rsa"),
            link("d-1/home", "~/.pypirc"),
            link("d-1/hook.pth", "x.pth"),
            link("top", "d-1/setup.py"),
        ];
        let pypi = run_rules(&build_facts(&tree, Ecosystem::PyPI), &[UnsafeArchiveEntry]);
        let paths: Vec<_> = pypi
            .iter()
            .filter_map(|f| f.evidence.get("path").and_then(|v| v.as_str()))
            .collect();
        assert_eq!(
            paths,
            [
                "d-1/abs",
                "d-1/evil",
                "d-1/home",
                "d-1/hook.pth",
                "d-1/key",
                "top"
            ]
        );
        // npm never packs links: every one is still reported there.
        let npm = run_rules(&build_facts(&tree, Ecosystem::Npm), &[UnsafeArchiveEntry]);
        assert_eq!(npm.len(), 9);
    }
}
