//! `floating-dependency`: a runtime dependency that points at any version.

use crate::declare_rule;
use crate::detect::metadata::{SpecKind, classify_spec, manifest_location, runtime_dependencies};
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{Finding, PackageFacts};

declare_rule! {
    /// ## What it does
    /// Reports a runtime dependency that accepts any version: `*`, `x`, an empty spec,
    /// `latest` or another dist-tag, or an unbounded `>=` range.
    ///
    /// ## Why is this a risk?
    /// Every install takes whatever version is newest at that moment, so a hijacked or
    /// malicious release of the dependency reaches every user at once, with no semver
    /// boundary to stop it.
    ///
    /// ## Example
    /// ```json
    /// { "dependencies": { "dep": "*" } }
    /// ```
    ///
    /// ## False positives
    /// Old packages written before semver ranges were customary (`"*"` was common in 2012).
    ///
    /// ## References
    /// - npm docs, "package.json": dependencies (URLs, git URLs, local paths, tags)
    /// - Socket alerts `gitDependency`, `httpDependency`, `fileDependency`, `floatingDependency`
    FloatingDependency, id = "floating-dependency", category = Metadata, severity = Low, action = Info,
}

impl Rule for FloatingDependency {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_package(&self, pkg: &PackageFacts, cx: &mut RuleContext) {
        for (field, dep, spec) in runtime_dependencies(pkg) {
            if classify_spec(spec) != SpecKind::Floating {
                continue;
            }
            let (location, code) = manifest_location(&format!("\"{dep}\": \"{spec}\""));
            cx.report(
                Finding::of(&Self::META, format!("dependency `{dep}` is `{spec}`"))
                    .primary(&location, &code, format!("in `{field}`"))
                    .evidence("dependency", dep)
                    .evidence("spec", spec)
                    .evidence("field", field),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::tester::Tester;

    #[test]
    fn floating_dependency() {
        let pass = [
            (
                "package.json",
                r#"{"name":"x","version":"1.0.0","dependencies":{"a":"^1.2.3","b":"~2.0.0 || ^3"}}"#,
            ),
            (
                "package.json",
                r#"{"name":"x","version":"1.0.0","devDependencies":{"a":"*"}}"#,
            ),
        ];
        let fail = [
            (
                "package.json",
                r#"{"name":"x","version":"1.0.0","dependencies":{"a":"*"}}"#,
            ),
            (
                "package.json",
                r#"{"name":"x","version":"1.0.0","dependencies":{"a":"latest"}}"#,
            ),
        ];
        Tester::new(super::FloatingDependency)
            .pass(pass)
            .fail(fail)
            .test_and_snapshot();
    }
}
