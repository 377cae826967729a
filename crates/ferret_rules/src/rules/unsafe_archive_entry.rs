//! `unsafe-archive-entry`: archive entries that could escape or abuse extraction.

use crate::declare_rule;
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{Finding, PackageFacts};

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
}
