//! `env-access`: code that reads environment variables.

use crate::declare_rule;
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use crate::rules::capability_uses::{more, report_uses};
use ferret_core::{Capability, CapabilityUse, FileFacts, PackageFacts};
use std::collections::BTreeSet;

declare_rule! {
    /// ## What it does
    /// Reports files that read environment variables through `process.env`, listing the
    /// variable names read. Reading the whole `process.env` object (spreading, iterating,
    /// serialising or passing it along) is reported separately, because it takes every secret
    /// at once.
    ///
    /// ## Why is this a risk?
    /// Environment variables hold CI tokens, cloud keys and registry credentials
    /// (`NPM_TOKEN`, `GITHUB_TOKEN`, `AWS_SECRET_ACCESS_KEY`). Install-time code that reads
    /// the whole environment and sends it out is the most common npm malware shape. Reading a
    /// few named configuration variables is normal.
    ///
    /// ## Example
    /// ```js
    /// const token = process.env.NPM_TOKEN;
    /// const everything = JSON.stringify(process.env);
    /// ```
    ///
    /// ## False positives
    /// Configuration (`NODE_ENV`, `DEBUG`, `CI`, proxies) is read by most packages. Whole-object
    /// reads also occur when spawning child processes with the parent's environment. The
    /// finding is informational by default; exfiltration rules combine it with network use.
    ///
    /// ## References
    /// - Socket alert `envVars`; GuardDog `threat-runtime-environment-read`
    EnvAccess, id = "env-access", category = Capability, severity = Info, action = Info,
}

/// Variable names listed in the message; the evidence holds all of them.
const NAMES_IN_MESSAGE: usize = 5;

impl Rule for EnvAccess {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_file(&self, file: &FileFacts, _pkg: &PackageFacts, cx: &mut RuleContext) {
        let (whole, named): (Vec<&CapabilityUse>, Vec<&CapabilityUse>) = file
            .uses_of(Capability::Env)
            .partition(|u| var_name(u).is_none());
        if !named.is_empty() {
            let names: BTreeSet<&str> = named.iter().filter_map(|u| var_name(u)).collect();
            let mut listed: Vec<String> = names
                .iter()
                .take(NAMES_IN_MESSAGE)
                .map(|n| format!("`{n}`"))
                .collect();
            if names.len() > NAMES_IN_MESSAGE {
                listed.push(format!("{} more", names.len() - NAMES_IN_MESSAGE));
            }
            let noun = if names.len() == 1 {
                "variable"
            } else {
                "variables"
            };
            let message = format!("reads environment {noun} {}", listed.join(", "));
            let mut sub = RuleContext::new();
            report_uses(&Self::META, &named, &mut sub, |_, _| message);
            for f in sub.into_findings() {
                cx.report(f.evidence("variables", names.iter().copied().collect::<Vec<_>>()));
            }
        }
        if !whole.is_empty() {
            let mut sub = RuleContext::new();
            report_uses(&Self::META, &whole, &mut sub, |_, n| {
                format!("reads the whole `process.env` object{}", more(n))
            });
            for f in sub.into_findings() {
                cx.report(f.evidence("whole_object", true));
            }
        }
    }
}

/// The variable a use reads; `None` for a read of the whole environment object (`*`) or of
/// its variable names (`keys`, from `Object.keys(process.env)`).
fn var_name(u: &CapabilityUse) -> Option<&str> {
    u.detail
        .as_deref()
        .filter(|d| !d.is_empty() && !matches!(*d, "*" | "keys" | "process.env"))
}

#[cfg(test)]
mod tests {
    use crate::tester::Tester;

    #[test]
    fn env_access() {
        let pass = [
            (
                "index.js",
                "const env = { HOME: 1 }; console.log(env.HOME);",
            ),
            (
                "a.js",
                "// process.env.NPM_TOKEN\nmodule.exports = 'process.env';",
            ),
        ];
        let fail = [
            ("index.js", "const t = process.env.NPM_TOKEN;"),
            (
                "a.js",
                "const { HOME, USER: u } = process.env; console.log(HOME, u);",
            ),
            ("b.js", "const all = JSON.stringify(process.env);"),
            ("c.js", "console.log(Object.keys(process.env));"),
        ];
        Tester::new(super::EnvAccess)
            .pass(pass)
            .fail(fail)
            .test_and_snapshot();
    }

    #[test]
    fn whole_object_reads_get_their_own_message() {
        let findings = Tester::new(super::EnvAccess).findings([(
            "index.js",
            "const a = process.env.NPM_TOKEN; const b = JSON.stringify(process.env);",
        )]);
        let messages: Vec<_> = findings.iter().map(|f| f.message.as_str()).collect();
        assert!(
            messages.contains(&"reads environment variable `NPM_TOKEN`"),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.starts_with("reads the whole `process.env` object")),
            "{messages:?}"
        );
    }
}
