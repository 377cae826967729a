//! `major-refactor`: most of the code changed in a patch release.

use crate::declare_rule;
use crate::diff::{MANIFEST_KEY, is_patch_bump, manifest_placeholder};
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{Finding, PackageFacts};

/// Share of the code bytes that must be new or different. Patch releases of popular
/// packages typically touch a few percent of the code; above 60% nearly the whole package
/// was replaced.
const CHANGED_SHARE: f64 = 0.6;
/// Below this much changed code the share is noise (a one-file package).
const MIN_CHANGED_BYTES: u64 = 4096;

declare_rule! {
    /// ## What it does
    /// In a diff of two versions whose versions differ only in the patch number, reports when
    /// most of the code (over 60% of the bytes of JavaScript/TypeScript/Python files) is new
    /// or different. Files are compared by size, the facts the rules see; the diff report's
    /// line counts give the exact picture.
    ///
    /// ## Why is this a risk?
    /// A patch release promises a small fix. A patch that replaces most of the code cannot
    /// be reviewed against its predecessor and is what a takeover looks like when the
    /// attacker republishes a rebuilt package (the Shai-Hulud worm bumped the patch version
    /// of every package it rebuilt).
    ///
    /// ## Example
    /// ```text
    /// 2.4.1 → 2.4.2: 14 of 15 files changed, 91% of the code
    /// ```
    ///
    /// ## False positives
    /// Reformatting, a new bundler, or regenerated build output in a patch release.
    ///
    /// ## References
    /// - Semantic Versioning 2.0.0, §6 (patch versions)
    MajorRefactor, id = "major-refactor", category = Change, severity = Low, action = Monitor,
}

impl Rule for MajorRefactor {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_diff(&self, old: &PackageFacts, new: &PackageFacts, cx: &mut RuleContext) {
        if !is_patch_bump(&old.id.version, &new.id.version) {
            return;
        }
        let (mut total, mut changed, mut files_changed, mut files) = (0u64, 0u64, 0usize, 0usize);
        for f in new.files.iter().filter(|f| f.is_code()) {
            total += f.size;
            files += 1;
            if old.file(&f.path).is_none_or(|o| o.size != f.size) {
                changed += f.size;
                files_changed += 1;
            }
        }
        for f in old
            .files
            .iter()
            .filter(|f| f.is_code() && new.file(&f.path).is_none())
        {
            total += f.size;
            changed += f.size;
        }
        if changed < MIN_CHANGED_BYTES || total == 0 {
            return;
        }
        #[expect(clippy::cast_precision_loss, reason = "a ratio of byte counts")]
        let share = changed as f64 / total as f64;
        if share < CHANGED_SHARE {
            return;
        }
        let (location, code) =
            manifest_placeholder(&format!("\"version\": \"{}\"", new.id.version));
        cx.report(
            Finding::of(
                &Self::META,
                format!(
                    "patch release {} → {} changes {:.0}% of the code ({files_changed} of {files} code files)",
                    old.id.version,
                    new.id.version,
                    share * 100.0
                ),
            )
            .primary(&location, &code, "patch release")
            .evidence("changed_bytes", changed)
            .evidence("code_bytes", total)
            .evidence(MANIFEST_KEY, vec!["version".to_string()]),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tester::Tester;

    #[test]
    fn major_refactor() {
        let t = Tester::new(MajorRefactor);
        let m = |v: &str| format!(r#"{{"name":"x","version":"{v}"}}"#);
        let a = "module.exports = function a(x) { return x + 1; };\n".repeat(100);
        let b = "module.exports = function b(y) { return [y, y * 2]; };\n".repeat(100);
        let case = |v: &str, code: &str| [("package.json", m(v)), ("index.js", code.to_string())];
        assert!(t.diff(case("1.0.0", &a), case("1.0.1", &a)).is_empty());
        assert!(
            t.diff(case("1.0.0", &a), case("2.0.0", &b)).is_empty(),
            "a major may rewrite"
        );
        let f = t.diff(case("1.0.0", &a), case("1.0.1", &b));
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(
            f[0].message.contains("changes 100% of the code"),
            "{}",
            f[0].message
        );
        insta::assert_json_snapshot!("major-refactor", f);
    }
}
