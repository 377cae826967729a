//! `bin-shadowing`: a `bin` entry named like a system command.

use crate::declare_rule;
use crate::detect::metadata::{manifest_bin, manifest_location, manifest_str};
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{Ecosystem, Finding, PackageFacts};

/// Commands a developer or CI runner types or scripts call, which an npm `bin` link placed
/// earlier on `PATH` (`node_modules/.bin` in npm scripts, the global prefix) would replace.
const SYSTEM_COMMANDS: &[&str] = &[
    "apt", "awk", "bash", "brew", "bun", "cat", "cd", "chmod", "chown", "cp", "curl", "deno",
    "docker", "echo", "env", "find", "gcc", "git", "gpg", "grep", "gzip", "kill", "kubectl", "ln",
    "ls", "make", "mkdir", "mv", "node", "npm", "npx", "open", "pip", "pip3", "pnpm", "ps",
    "python", "python3", "rm", "scp", "sed", "sh", "ssh", "su", "sudo", "tar", "touch", "wget",
    "which", "yarn", "zsh",
];

declare_rule! {
    /// ## What it does
    /// Reports a `bin` entry of `package.json` named like a system command (`ls`, `node`,
    /// `npm`, `git`, `curl`, `sudo`, ...), unless the package itself has that name (the
    /// `npm` package may install `npm`).
    ///
    /// ## Why is this a risk?
    /// npm links every `bin` into `node_modules/.bin`, which comes first on `PATH` in every
    /// npm script, and into the global prefix for `-g` installs. A dependency that installs
    /// `git` or `node` intercepts every script that calls them, and sees their arguments
    /// (tokens, passwords).
    ///
    /// ## Example
    /// ```json
    /// { "name": "helpful-utils", "bin": { "git": "./git.js" } }
    /// ```
    ///
    /// ## False positives
    /// Version managers and shims whose purpose is to wrap `node` or `npm` under another
    /// package name.
    ///
    /// ## References
    /// - npm docs, "package.json": bin
    /// - Socket alerts `shellScriptOverride`, `binScriptConfusion`
    BinShadowing, id = "bin-shadowing", category = Package, severity = Medium, action = Monitor,
}

impl Rule for BinShadowing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_package(&self, pkg: &PackageFacts, cx: &mut RuleContext) {
        if pkg.id.ecosystem != Ecosystem::Npm {
            return;
        }
        let name = manifest_str(pkg, "name").unwrap_or_default();
        let base = name.rsplit('/').next().unwrap_or(name);
        for (cmd, path) in manifest_bin(pkg) {
            let lower = cmd.to_ascii_lowercase();
            if lower == base || !SYSTEM_COMMANDS.contains(&lower.as_str()) {
                continue;
            }
            let (location, code) = manifest_location(&format!("\"{cmd}\": \"{path}\""));
            cx.report(
                Finding::of(
                    &Self::META,
                    format!("`bin` installs a command named `{cmd}`"),
                )
                .primary(&location, &code, "shadows the system command")
                .evidence("command", cmd.clone())
                .evidence("path", path),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::tester::Tester;

    #[test]
    fn bin_shadowing() {
        Tester::new(super::BinShadowing)
            .pass([
                ("package.json", r#"{"name":"x","version":"1.0.0","bin":{"x":"cli.js"}}"#),
                ("package.json", r#"{"name":"npm","version":"1.0.0","bin":{"npm":"bin/npm.js"}}"#),
                ("package.json", r#"{"name":"@s/node","version":"1.0.0","bin":"n.js"}"#),
            ])
            .fail([
                ("package.json", r#"{"name":"helper","version":"1.0.0","bin":{"git":"git.js"}}"#),
                ("package.json", r#"{"name":"@s/curl-x","version":"1.0.0","bin":{"helper":"a.js","sudo":"b.js"}}"#),
            ])
            .test_and_snapshot();
    }
}
