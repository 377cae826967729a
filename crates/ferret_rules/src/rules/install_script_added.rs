//! `install-script-added`: an install hook appears or changes in the new version.

use crate::declare_rule;
use crate::diff::weigh_publisher;
use crate::engine::file_start;
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{Excerpt, Finding, PackageFacts};

declare_rule! {
    /// ## What it does
    /// In a diff of two versions, reports each install hook (`preinstall`, `install`,
    /// `postinstall`, `prepare`) that the new version has and the old one did not, or whose
    /// command changed, at the hook's line in `package.json`.
    ///
    /// ## Why is this a risk?
    /// Install hooks run with the installing user's rights before any code is imported. A
    /// package that never needed one and suddenly has one is the shape of most npm
    /// compromises: eslint-scope 3.7.2 (2018) added `postinstall` to steal `~/.npmrc` tokens;
    /// Shai-Hulud (2025) added `postinstall`/`preinstall` to every package it infected. With
    /// a new publisher, the finding blocks.
    ///
    /// ## Example
    /// ```json
    /// { "scripts": { "postinstall": "node ./lib/build.js" } }
    /// ```
    ///
    /// ## False positives
    /// A package that starts shipping a native addon or a platform binary gains a hook
    /// legitimately. Review the hook's code (the other findings judge it).
    ///
    /// ## References
    /// - Socket alert `installScripts`; eslint/eslint-scope#39
    InstallScriptAdded, id = "install-script-added", category = Change, severity = High, action = Warn,
}

impl Rule for InstallScriptAdded {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_diff(&self, old: &PackageFacts, new: &PackageFacts, cx: &mut RuleContext) {
        for script in &new.install_scripts {
            let before = old.install_scripts.iter().find(|s| s.hook == script.hook);
            let message = match before {
                Some(b) if b.command == script.command => continue,
                Some(b) => format!(
                    "`{}` changed from `{}` to `{}`",
                    script.hook, b.command, script.command
                ),
                None => format!("new `{}` hook: `{}`", script.hook, script.command),
            };
            let location = script
                .location
                .clone()
                .unwrap_or_else(|| file_start(crate::engine::MANIFEST));
            let code = Excerpt {
                line: location.line,
                text: format!("\"{}\": {:?}", script.hook, script.command)
                    .chars()
                    .take(Excerpt::MAX_CHARS)
                    .collect(),
                highlight_start: 0,
                highlight_len: 0,
            };
            let mut finding = Finding::of(&Self::META, message)
                .primary(&location, &code, "install hook")
                .evidence("hook", script.hook.clone())
                .evidence("command", script.command.clone())
                .evidence("runs_files", script.runs_files.clone())
                .install_time(true);
            if let Some(b) = before {
                finding = finding.evidence("previous_command", b.command.clone());
            }
            cx.report(weigh_publisher(finding, old, new));
        }
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests unwrap on fixed inputs")]
mod tests {
    use super::*;
    use crate::tester::Tester;

    #[test]
    fn install_script_added() {
        let t = Tester::new(InstallScriptAdded);
        let plain = r#"{"name":"x","version":"1.0.0"}"#;
        let hook = "{\n  \"name\": \"x\",\n  \"version\": \"1.0.1\",\n  \"scripts\": {\n    \"postinstall\": \"node ./lib/build.js\"\n  }\n}";
        let other = r#"{"name":"x","version":"1.0.2","scripts":{"postinstall":"node ./lib/other.js","test":"x"}}"#;
        let files = |m: &'static str| [("package.json", m), ("lib/build.js", "1")];
        assert!(t.diff(files(hook), files(hook)).is_empty());
        assert!(t.diff(files(hook), files(plain)).is_empty());
        let f = t.diff(files(plain), files(hook));
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].location.as_ref().unwrap().line, 5);
        assert!(
            f[0].message.contains("new `postinstall` hook"),
            "{}",
            f[0].message
        );
        let changed = t.diff(files(hook), files(other));
        assert!(changed[0].message.contains("changed from"), "{changed:#?}");
        insta::assert_json_snapshot!("install-script-added", f);
    }
}
