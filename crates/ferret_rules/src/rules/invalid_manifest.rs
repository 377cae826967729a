//! `invalid-manifest`: a package.json that is missing or cannot be read.

use crate::declare_rule;
use crate::engine::{MANIFEST, file_start};
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{Ecosystem, Excerpt, Finding, Location, PackageFacts};

declare_rule! {
    /// ## What it does
    /// Reports an npm package whose `package.json` is missing, is not valid UTF-8, is not
    /// valid JSON, or is not a JSON object. The scan continues without the manifest: the
    /// package's name and version are then reported as `unknown` and no install scripts can be
    /// read from it.
    ///
    /// ## Why is this a risk?
    /// npm and other tools may read a broken manifest differently from a scanner (duplicate
    /// keys, a byte-order mark, trailing garbage), which is how manifest confusion hides
    /// install scripts and dependencies. A registry package with an invalid manifest was not
    /// produced by normal tooling.
    ///
    /// ## Example
    /// ```json
    /// { "name": "x", "scripts": { "postinstall": "node a.js", } }
    /// ```
    ///
    /// ## False positives
    /// Hand-written manifests in local directories with a trailing comma.
    ///
    /// ## References
    /// - Socket alert `invalidPackageJSON`
    InvalidManifest, id = "invalid-manifest", category = Package, severity = Medium, action = Warn,
}

impl Rule for InvalidManifest {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_package(&self, pkg: &PackageFacts, cx: &mut RuleContext) {
        if pkg.id.ecosystem != Ecosystem::Npm {
            return;
        }
        let Some(error) = &pkg.manifest_error else {
            return;
        };
        let mut finding = Finding::of(&Self::META, first_line(error).to_string())
            .evidence("error", error.clone());
        if pkg.file(MANIFEST).is_some() {
            let location = error_location(error).unwrap_or_else(|| file_start(MANIFEST));
            let code = Excerpt {
                line: location.line,
                text: String::new(),
                highlight_start: 0,
                highlight_len: 0,
            };
            finding = finding.primary(&location, &code, "manifest error here");
        }
        cx.report(finding);
    }
}

/// The position serde_json names at the end of its message ("… at line 3 column 7").
fn error_location(error: &str) -> Option<Location> {
    let rest = &error[error.rfind(" at line ")? + " at line ".len()..];
    let (line, rest) = rest.split_once(" column ")?;
    let column: String = rest.chars().take_while(char::is_ascii_digit).collect();
    Some(Location {
        path: MANIFEST.to_string(),
        line: line.trim().parse().ok()?,
        column: column.parse().ok()?,
        span: ferret_core::Span::default(),
    })
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use crate::tester::Tester;

    #[test]
    fn invalid_manifest() {
        let pass = [
            ("package.json", r#"{"name":"x","version":"1.0.0"}"#),
            (
                "package.json",
                "\u{feff}{\"name\":\"x\",\"version\":\"1.0.0\"}",
            ),
        ];
        let fail = [
            (
                "package.json",
                "{\"name\": \"x\",\n \"scripts\": { \"postinstall\": \"node a.js\", }\n}",
            ),
            ("package.json", "[1, 2]"),
        ];
        Tester::new(super::InvalidManifest)
            .pass(pass)
            .fail(fail)
            .test_and_snapshot();
    }

    #[test]
    fn scan_continues_with_unknown_identity() {
        let tree = ferret_source::from_files(
            "test",
            vec![
                ("package.json".to_string(), b"{ not json".to_vec()),
                (
                    "index.js".to_string(),
                    b"require('child_process').exec('id')".to_vec(),
                ),
            ],
        );
        let report = crate::engine::scan(&tree, ferret_core::Ecosystem::Npm);
        assert_eq!(report.package.name, "unknown");
        assert_eq!(report.package.version, "unknown");
        let rules: Vec<_> = report.alerts.iter().map(|a| a.rule.as_str()).collect();
        assert!(rules.contains(&"invalid-manifest"), "{rules:?}");
        assert!(rules.contains(&"shell-access"), "{rules:?}");
        let alert = report
            .alerts
            .iter()
            .find(|a| a.rule == "invalid-manifest")
            .unwrap();
        assert_eq!(
            alert.location.as_ref().map(|l| (l.line, l.column)),
            Some((1, 3))
        );
    }

    #[test]
    fn missing_manifest() {
        let tree = ferret_source::from_files(
            "test",
            vec![("index.js".to_string(), b"module.exports = 1".to_vec())],
        );
        let report = crate::engine::scan(&tree, ferret_core::Ecosystem::Npm);
        let alert = report
            .alerts
            .iter()
            .find(|a| a.rule == "invalid-manifest")
            .unwrap();
        assert_eq!(alert.message, "the package has no package.json");
        assert!(alert.location.is_none());
    }
}
