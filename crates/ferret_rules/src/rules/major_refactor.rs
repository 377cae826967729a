//! `major-refactor`: most of the code changed in a patch release.

use crate::declare_rule;
use crate::diff::{MANIFEST_KEY, code_churn, is_patch_bump, manifest_placeholder};
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{Finding, PackageFacts};

/// Share of the code that must be new or different. Measured on real patch releases
/// (`diff_pair` bench, docs/performance.md): typescript 5.8.2 → 5.8.3 changes 0.3% of its
/// code, next 15.5.3 → 15.5.4 1.3%, prettier 3.5.2 → 3.5.3 7.3% (rebuilt bundles); above
/// 60% nearly the whole package was replaced.
const CHANGED_SHARE: f64 = 0.6;
/// Below this many changed bytes the share is noise (a one-file package).
const MIN_CHANGED_BYTES: u64 = 4096;

declare_rule! {
    /// ## What it does
    /// In a diff of two versions whose versions differ only in the patch number, reports when
    /// most of the code (over 60% of the bytes of JavaScript/TypeScript/Python files) is new,
    /// rewritten or removed. Code is compared by content: each changed file is cut into
    /// content-defined chunks (boundaries chosen by a rolling hash of the text, whitespace
    /// ignored), and the changed share is the bytes of the chunks one version has and the
    /// other lacks. A one-line fix in a large bundle changes one chunk, not the bundle;
    /// re-indenting code or moving a file to another path changes nothing.
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
    /// A new bundler or minifier, renamed identifiers throughout, or regenerated build output
    /// in a patch release.
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
        let churn = code_churn(old, new);
        if churn.changed < MIN_CHANGED_BYTES || churn.total == 0 {
            return;
        }
        #[expect(clippy::cast_precision_loss, reason = "a ratio of byte counts")]
        let share = churn.changed as f64 / churn.total as f64;
        if share < CHANGED_SHARE {
            return;
        }
        let (location, code) =
            manifest_placeholder(&format!("\"version\": \"{}\"", new.id.version));
        cx.report(
            Finding::of(
                &Self::META,
                format!(
                    "patch release {} → {} changes {:.0}% of the code ({} of {} code files)",
                    old.id.version,
                    new.id.version,
                    share * 100.0,
                    churn.files_changed,
                    churn.files
                ),
            )
            .primary(&location, &code, "patch release")
            .evidence("changed_bytes", churn.changed)
            .evidence("code_bytes", churn.total)
            .evidence(MANIFEST_KEY, vec!["version".to_string()]),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tester::Tester;

    fn m(v: &str) -> String {
        format!(r#"{{"name":"x","version":"{v}"}}"#)
    }

    /// A readable module of `n` distinct functions.
    fn module(n: usize, salt: &str) -> String {
        (0..n)
            .map(|i| {
                format!(
                    "function {salt}{i}(input, options) {{\n  if (!input) {{ return null; }}\n  return normalise(input, options, {i}, '{salt}-{i}');\n}}\n"
                )
            })
            .collect()
    }

    #[test]
    fn major_refactor() {
        let t = Tester::new(MajorRefactor);
        let a = module(60, "parse");
        let b = module(60, "format");
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

    #[test]
    fn a_small_fix_in_a_bundle_is_not_a_refactor() {
        // The size-based measure counted the whole bundle as changed when one line did.
        let t = Tester::new(MajorRefactor);
        let bundle = module(400, "f").replace('\n', "");
        let fixed = bundle.replacen("return null;", "return undefined;", 1);
        assert_ne!(bundle.len(), fixed.len());
        let case = |v: &str, code: &str| {
            [
                ("package.json", m(v)),
                ("dist/bundle.min.js", code.to_string()),
            ]
        };
        assert!(
            t.diff(case("1.0.0", &bundle), case("1.0.1", &fixed))
                .is_empty()
        );
    }

    #[test]
    fn reformatting_and_moving_files_change_no_code() {
        let t = Tester::new(MajorRefactor);
        let a = module(60, "parse");
        let b = module(60, "serialise");
        let reindented = a.replace("\n  ", "\n    ").replace('\n', "\r\n");
        let old = [
            ("package.json", m("1.0.0")),
            ("lib/a.js", a.clone()),
            ("lib/b.js", b.clone()),
        ];
        let new = [
            ("package.json", m("1.0.1")),
            ("lib/a.js", reindented),
            ("src/moved/b.js", b.clone()),
        ];
        assert!(t.diff(old, new).is_empty());
    }

    #[test]
    fn mostly_rewritten_code_fires_and_a_little_new_code_does_not() {
        let t = Tester::new(MajorRefactor);
        let kept = module(10, "kept");
        let a = module(60, "parse");
        let b = module(60, "steal");
        let old = [
            ("package.json", m("3.1.4")),
            ("index.js", kept.clone()),
            ("lib.js", a.clone()),
        ];
        let rewritten = [
            ("package.json", m("3.1.5")),
            ("index.js", kept.clone()),
            ("lib.js", b),
        ];
        let f = t.diff(old.clone(), rewritten);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(
            f[0].message.contains("(1 of 2 code files)"),
            "{}",
            f[0].message
        );
        // A new small file next to unchanged code: under the share.
        let grown = [
            ("package.json", m("3.1.5")),
            ("index.js", kept),
            ("lib.js", a),
            ("extra.js", module(8, "extra")),
        ];
        assert!(t.diff(old, grown).is_empty());
    }

    #[test]
    fn content_chunks_resynchronise_after_an_edit() {
        let a = module(200, "f");
        let b = a.replacen("'f-100'", "'patched'", 1);
        let (ca, cb) = (
            crate::diff::content_chunks(a.as_bytes()),
            crate::diff::content_chunks(b.as_bytes()),
        );
        let shared = cb.iter().filter(|c| ca.contains(c)).count();
        assert!(ca.len() > 20, "{}", ca.len());
        assert!(shared + 3 >= cb.len(), "{shared} of {}", cb.len());
        assert!(shared < cb.len());
    }
}
