//! The rule tester: pass/fail snippets through the full engine.
//!
//! ```ignore
//! Tester::new(ShellAccess)
//!     .pass([("index.js", "const name = 'child_process';")])
//!     .fail([("index.js", "require('child_process').exec('id')")])
//!     .test_and_snapshot();
//! ```
//! Each `(path, source)` pair is one case: an in-memory package holding that file (plus a
//! minimal `package.json` unless the case is the manifest itself). `pass_package` /
//! `fail_package` take several files as one case. Every case goes through
//! [`crate::engine::build_facts`] — sniffing, parsing, install scripts, install-time marking —
//! exactly as a real scan, and only then through the rule under test, so a rule is tested
//! on the facts it will really see. The rule need not be registered yet.

use crate::engine::{build_facts, run_rules};
use crate::rule::Rule;
use ferret_core::{Ecosystem, Finding};

/// The manifest added to cases that bring none.
pub const DEFAULT_MANIFEST: &str = r#"{"name":"fixture","version":"1.0.0"}"#;

type Case = Vec<(String, Vec<u8>)>;

pub struct Tester {
    rule: Box<dyn Rule>,
    ecosystem: Ecosystem,
    pass: Vec<Case>,
    fail: Vec<Case>,
}

impl Tester {
    /// A tester for a rule value (`Tester::new(ShellAccess)`) or a registered rule
    /// (`Tester::new(find_rule("shell-access").unwrap())`).
    pub fn new(rule: impl Rule + 'static) -> Self {
        Self {
            rule: Box::new(rule),
            ecosystem: Ecosystem::Npm,
            pass: Vec::new(),
            fail: Vec::new(),
        }
    }

    /// Scan cases as packages of another ecosystem.
    #[must_use]
    pub fn ecosystem(mut self, ecosystem: Ecosystem) -> Self {
        self.ecosystem = ecosystem;
        self
    }

    /// One-file cases on which the rule must not fire.
    #[must_use]
    pub fn pass<P, S>(mut self, cases: impl IntoIterator<Item = (P, S)>) -> Self
    where
        P: Into<String>,
        S: Into<Vec<u8>>,
    {
        self.pass
            .extend(cases.into_iter().map(|(p, s)| vec![(p.into(), s.into())]));
        self
    }

    /// One-file cases on which the rule must fire.
    #[must_use]
    pub fn fail<P, S>(mut self, cases: impl IntoIterator<Item = (P, S)>) -> Self
    where
        P: Into<String>,
        S: Into<Vec<u8>>,
    {
        self.fail
            .extend(cases.into_iter().map(|(p, s)| vec![(p.into(), s.into())]));
        self
    }

    /// A multi-file package on which the rule must not fire.
    #[must_use]
    pub fn pass_package<P, S>(mut self, files: impl IntoIterator<Item = (P, S)>) -> Self
    where
        P: Into<String>,
        S: Into<Vec<u8>>,
    {
        self.pass.push(to_case(files));
        self
    }

    /// A multi-file package on which the rule must fire.
    #[must_use]
    pub fn fail_package<P, S>(mut self, files: impl IntoIterator<Item = (P, S)>) -> Self
    where
        P: Into<String>,
        S: Into<Vec<u8>>,
    {
        self.fail.push(to_case(files));
        self
    }

    /// The rule's findings on a package made of `files` (plus a default manifest).
    pub fn findings<P, S>(&self, files: impl IntoIterator<Item = (P, S)>) -> Vec<Finding>
    where
        P: Into<String>,
        S: Into<Vec<u8>>,
    {
        self.run(&to_case(files))
    }

    /// The rule's `check_diff` findings on a pair of versions: `old` and `new` are each a
    /// package made of their files (plus a default manifest when they bring none), built
    /// through the engine exactly as a real diff builds them.
    pub fn diff<P, S, Q, T>(
        &self,
        old: impl IntoIterator<Item = (P, S)>,
        new: impl IntoIterator<Item = (Q, T)>,
    ) -> Vec<Finding>
    where
        P: Into<String>,
        S: Into<Vec<u8>>,
        Q: Into<String>,
        T: Into<Vec<u8>>,
    {
        let new_tree = self.tree(&to_case(new));
        let (old, new) =
            crate::diff::diff_facts(&self.tree(&to_case(old)), &new_tree, self.ecosystem);
        let mut findings = crate::diff::run_diff_rules(&old, &new, &[&*self.rule]);
        crate::diff::locate_manifest_findings(&mut findings, &new_tree);
        findings
    }

    /// Asserts the rule fires on every fail case and on no pass case.
    ///
    /// # Panics
    /// When a case goes the wrong way, naming the case and the findings.
    pub fn test(&self) {
        let id = self.rule.meta().id;
        assert!(
            !self.pass.is_empty() || !self.fail.is_empty(),
            "`{id}`: the tester has no cases"
        );
        for case in &self.pass {
            let findings = self.run(case);
            assert!(
                findings.is_empty(),
                "`{id}` fired on a pass case {}:\n{findings:#?}",
                describe(case)
            );
        }
        for case in &self.fail {
            let findings = self.run(case);
            assert!(
                !findings.is_empty(),
                "`{id}` did not fire on a fail case {}",
                describe(case)
            );
        }
    }

    /// [`Tester::test`], then one insta snapshot (named after the rule id) of the findings
    /// on every fail case.
    #[cfg(test)]
    pub fn test_and_snapshot(&self) {
        self.test();
        let snapshot: Vec<serde_json::Value> = self
            .fail
            .iter()
            .map(|case| {
                serde_json::json!({
                    "case": case.iter().map(|(p, _)| p.as_str()).collect::<Vec<_>>(),
                    "findings": self.run(case),
                })
            })
            .collect();
        insta::assert_json_snapshot!(self.rule.meta().id, snapshot);
    }

    fn run(&self, case: &Case) -> Vec<Finding> {
        let facts = build_facts(&self.tree(case), self.ecosystem);
        run_rules(&facts, &[&*self.rule])
    }

    fn tree(&self, case: &Case) -> ferret_source::PackageTree {
        let mut files = case.clone();
        if !files.iter().any(|(p, _)| p == "package.json") && self.ecosystem == Ecosystem::Npm {
            files.push((
                "package.json".to_string(),
                DEFAULT_MANIFEST.as_bytes().to_vec(),
            ));
        }
        ferret_source::from_files("test", files)
    }
}

fn to_case<P, S>(files: impl IntoIterator<Item = (P, S)>) -> Case
where
    P: Into<String>,
    S: Into<Vec<u8>>,
{
    files
        .into_iter()
        .map(|(p, s)| (p.into(), s.into()))
        .collect()
}

fn describe(case: &Case) -> String {
    case.iter()
        .map(|(p, s)| format!("`{p}`: {}", String::from_utf8_lossy(s)))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::shell_access::ShellAccess;

    #[test]
    fn accepts_registered_rules() {
        let rule = crate::registry::find_rule("shell-access").unwrap();
        let findings = Tester::new(rule).findings([("index.js", "require('child_process')")]);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].rule, "shell-access");
    }

    #[test]
    #[should_panic(expected = "did not fire on a fail case")]
    fn a_fail_case_that_passes_panics() {
        Tester::new(ShellAccess)
            .fail([("index.js", "1 + 1")])
            .test();
    }

    #[test]
    #[should_panic(expected = "fired on a pass case")]
    fn a_pass_case_that_fires_panics() {
        Tester::new(ShellAccess)
            .pass([("index.js", "require('child_process').exec('id')")])
            .test();
    }
}
