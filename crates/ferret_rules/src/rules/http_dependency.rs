//! `http-dependency`: a runtime dependency that points at an HTTP(S) URL.

use crate::declare_rule;
use crate::detect::metadata::{SpecKind, classify_spec, manifest_location, runtime_dependencies};
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{Finding, PackageFacts};

declare_rule! {
    /// ## What it does
    /// Reports a runtime dependency whose spec is a tarball URL (`http://` or `https://`)
    /// rather than a registry version.
    ///
    /// ## Why is this a risk?
    /// The server behind the URL can serve different bytes to every install (no registry
    /// integrity, no immutability, no unpublish record), and plain `http://` can be altered in
    /// transit. The PhantomRaven campaign (2025) hid its payload in exactly such URL
    /// dependencies, invisible to scanners that only read the registry.
    ///
    /// ## Example
    /// ```json
    /// { "dependencies": { "dep": "https://example.invalid/x.tgz" } }
    /// ```
    ///
    /// ## False positives
    /// Vendored builds of forks published on a company server.
    ///
    /// ## References
    /// - npm docs, "package.json": dependencies (URLs, git URLs, local paths, tags)
    /// - Socket alerts `gitDependency`, `httpDependency`, `fileDependency`, `floatingDependency`
    HttpDependency, id = "http-dependency", category = Metadata, severity = Medium, action = Monitor,
}

impl Rule for HttpDependency {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_package(&self, pkg: &PackageFacts, cx: &mut RuleContext) {
        for (field, dep, spec) in runtime_dependencies(pkg) {
            if classify_spec(spec) != SpecKind::Http {
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
    fn http_dependency() {
        let pass = [
            (
                "package.json",
                r#"{"name":"x","version":"1.0.0","dependencies":{"a":"^1.2.3","b":"~2.0.0 || ^3"}}"#,
            ),
            (
                "package.json",
                r#"{"name":"x","version":"1.0.0","devDependencies":{"a":"https://example.invalid/x-1.0.0.tgz"}}"#,
            ),
        ];
        let fail = [(
            "package.json",
            r#"{"name":"x","version":"1.0.0","dependencies":{"a":"http://198.51.100.7/a.tgz"}}"#,
        )];
        Tester::new(super::HttpDependency)
            .pass(pass)
            .fail(fail)
            .test_and_snapshot();
    }
}
