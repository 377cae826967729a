//! `shrinkwrap`: the package ships `npm-shrinkwrap.json`.

use crate::declare_rule;
use crate::detect::excerpt_at;
use crate::engine::file_start;
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{Ecosystem, Finding, PackageFacts};

const SHRINKWRAP: &str = "npm-shrinkwrap.json";

declare_rule! {
    /// ## What it does
    /// Reports a package that ships `npm-shrinkwrap.json` at its root.
    ///
    /// ## Why is this a risk?
    /// Unlike `package-lock.json`, a published shrinkwrap is obeyed when the package is
    /// installed as a dependency: it pins the whole subtree to the exact versions (and
    /// resolved URLs) the publisher chose, overriding the installer's own resolution and
    /// deduplication. A shrinkwrap can point a dependency at a tarball URL outside the
    /// registry without it showing in `package.json`.
    ///
    /// ## Example
    /// ```text
    /// package/npm-shrinkwrap.json
    /// ```
    ///
    /// ## False positives
    /// Some CLIs (npm itself, a few build tools) ship a shrinkwrap deliberately to pin their
    /// dependency tree.
    ///
    /// ## References
    /// - npm docs, "npm-shrinkwrap.json"
    /// - Socket alert `shrinkwrap`
    Shrinkwrap, id = "shrinkwrap", category = Package, severity = Low, action = Info,
}

impl Rule for Shrinkwrap {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_package(&self, pkg: &PackageFacts, cx: &mut RuleContext) {
        if pkg.id.ecosystem != Ecosystem::Npm || pkg.file(SHRINKWRAP).is_none() {
            return;
        }
        let location = file_start(SHRINKWRAP);
        let code = excerpt_at(&location, SHRINKWRAP);
        cx.report(
            Finding::of(&Self::META, format!("the package ships `{SHRINKWRAP}`")).primary(
                &location,
                &code,
                "pins the dependency tree on install",
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::tester::Tester;

    #[test]
    fn shrinkwrap() {
        Tester::new(super::Shrinkwrap)
            .pass([
                ("package-lock.json", "{}"),
                ("lib/npm-shrinkwrap.json", "{}"),
            ])
            .fail([("npm-shrinkwrap.json", r#"{"lockfileVersion":3}"#)])
            .test_and_snapshot();
    }
}
