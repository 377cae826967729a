//! `self-propagation`: worm behaviour, publishing with the victim's npm credentials.

use crate::declare_rule;
use crate::detect::behavior::{Technique, report_technique};
use crate::rule::{Rule, RuleContext, RuleMeta};
use ferret_core::PackageFacts;

declare_rule! {
    /// ## What it does
    /// Flags worm behaviour: code that runs `npm publish` (or PUTs to the registry) from install
    /// time, or after enumerating the victim's packages (`npm whoami`, `npm search maintainer:`,
    /// `/-/whoami`, `/-/v1/search?text=maintainer:`), usually after editing their `package.json`.
    ///
    /// ## Why is this a risk?
    /// A stolen npm token lets a worm republish every package the victim maintains with the worm
    /// inside (Shai-Hulud, 2025), spreading to all their users within hours.
    ///
    /// ## Example
    /// ```js
    /// execSync('npm whoami'); // then for each package of the maintainer:
    /// execSync('npm version patch && npm publish', { cwd: dir });
    /// ```
    ///
    /// ## False positives
    /// Release tools (`np`, `release-it`, `lerna`) publish on purpose when a user runs them; they do
    /// not run at install time or enumerate a maintainer's packages, and are not flagged.
    ///
    /// ## References
    /// - GuardDog `threat-runtime-self-propagation`
    SelfPropagation, id = "self-propagation", category = Malicious, severity = High, action = Warn,
}

impl Rule for SelfPropagation {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_package(&self, pkg: &PackageFacts, cx: &mut RuleContext) {
        report_technique(&Self::META, Technique::SelfPropagation, pkg, cx);
    }
}

#[cfg(test)]
mod tests {
    use crate::tester::Tester;

    #[test]
    fn self_propagation() {
        Tester::new(super::SelfPropagation)
            .pass_package([("release.js", "const { execSync } = require('child_process');\nmodule.exports = () => execSync('npm publish');")])
            .fail_package([
                ("package.json", "{\"name\":\"x\",\"version\":\"1.0.0\",\"scripts\":{\"postinstall\":\"node w.js\"}}"),
                ("w.js", "const { execSync } = require('child_process');\nconst me = execSync('npm whoami').toString();\nexecSync('npm publish --access public');"),
            ])
            .test_and_snapshot();
    }
}
