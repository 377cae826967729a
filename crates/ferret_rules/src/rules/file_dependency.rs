//! `file-dependency`: a runtime dependency that points at a local path.

use crate::declare_rule;
use crate::detect::metadata::{SpecKind, classify_spec, manifest_location, runtime_dependencies};
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{Finding, PackageFacts};

declare_rule! {
    /// ## What it does
    /// Reports a runtime dependency whose spec is a local path (`file:`, `link:`, `./x`).
    ///
    /// ## Why is this a risk?
    /// A published package cannot depend on a path on the publisher's disk: the install
    /// either fails or picks up whatever exists at that path on the installing machine. It is
    /// a sign of a hand-made or broken publish, and a way to reach outside the package.
    ///
    /// ## Example
    /// ```json
    /// { "dependencies": { "dep": "file:../x" } }
    /// ```
    ///
    /// ## False positives
    /// Monorepo packages published by mistake without rewriting their internal links.
    ///
    /// ## References
    /// - npm docs, "package.json": dependencies (URLs, git URLs, local paths, tags)
    /// - Socket alerts `gitDependency`, `httpDependency`, `fileDependency`, `floatingDependency`
    FileDependency, id = "file-dependency", category = Metadata, severity = Low, action = Monitor,
}

impl Rule for FileDependency {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_package(&self, pkg: &PackageFacts, cx: &mut RuleContext) {
        for (field, dep, spec) in runtime_dependencies(pkg) {
            if classify_spec(spec) != SpecKind::File {
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
    fn file_dependency() {
        let pass = [
            (
                "package.json",
                r#"{"name":"x","version":"1.0.0","dependencies":{"a":"^1.2.3","b":"~2.0.0 || ^3"}}"#,
            ),
            (
                "package.json",
                r#"{"name":"x","version":"1.0.0","devDependencies":{"a":"file:../local"}}"#,
            ),
        ];
        let fail = [(
            "package.json",
            r#"{"name":"x","version":"1.0.0","dependencies":{"a":"file:../a"}}"#,
        )];
        Tester::new(super::FileDependency)
            .pass(pass)
            .fail(fail)
            .test_and_snapshot();
    }
}
