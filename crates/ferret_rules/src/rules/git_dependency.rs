//! `git-dependency`: a runtime dependency that points at a git repository.

use crate::declare_rule;
use crate::detect::metadata::{SpecKind, classify_spec, manifest_location, runtime_dependencies};
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{Finding, PackageFacts};

declare_rule! {
    /// ## What it does
    /// Reports a runtime dependency (`dependencies` or `optionalDependencies` of the package's
    /// own `package.json`) that is installed from a git repository (`git+https://…`,
    /// `github:user/repo`, the `user/repo` shorthand) instead of a registry version.
    ///
    /// ## Why is this a risk?
    /// A git dependency is not immutable and not reviewed by the registry: whoever controls
    /// the repository (or a moved branch or tag) decides what every install receives, and git
    /// dependencies run their `prepare` script on install. Integrity pinning does not apply.
    ///
    /// ## Example
    /// ```json
    /// { "dependencies": { "dep": "github:u/r#v1" } }
    /// ```
    ///
    /// ## False positives
    /// Monorepo tools and forks pinned to a commit (`#<sha>`) are common in applications; in a published library they are rare.
    ///
    /// ## References
    /// - npm docs, "package.json": dependencies (URLs, git URLs, local paths, tags)
    /// - Socket alerts `gitDependency`, `httpDependency`, `fileDependency`, `floatingDependency`
    GitDependency, id = "git-dependency", category = Metadata, severity = Low, action = Monitor,
}

impl Rule for GitDependency {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_package(&self, pkg: &PackageFacts, cx: &mut RuleContext) {
        for (field, dep, spec) in runtime_dependencies(pkg) {
            if classify_spec(spec) != SpecKind::Git {
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
    fn git_dependency() {
        let pass = [
            (
                "package.json",
                r#"{"name":"x","version":"1.0.0","dependencies":{"a":"^1.2.3","b":"~2.0.0 || ^3"}}"#,
            ),
            (
                "package.json",
                r#"{"name":"x","version":"1.0.0","devDependencies":{"a":"git+https://github.com/someone/left-pad.git"}}"#,
            ),
        ];
        let fail = [
            (
                "package.json",
                r#"{"name":"x","version":"1.0.0","dependencies":{"a":"git+https://example.invalid/u/r.git"}}"#,
            ),
            (
                "package.json",
                r#"{"name":"x","version":"1.0.0","optionalDependencies":{"a":"u/r"}}"#,
            ),
        ];
        Tester::new(super::GitDependency)
            .pass(pass)
            .fail(fail)
            .test_and_snapshot();
    }
}
