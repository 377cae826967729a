//! The rule trait, rule metadata and the `declare_rule!` macro.
//!
//! A rule is one file: `declare_rule!` (docs + id + category + severity + default action),
//! `impl Rule`, helpers, tests. The doc comment is the single source of truth for
//! `ferret explain`, `docs/rules/<id>.md` and SARIF descriptions.

use ferret_core::{
    Action, Category, Evidence, Excerpt, FileFacts, Finding, Location, PackageFacts, Related,
    Severity,
};
use std::any::{Any, TypeId};
use std::sync::Arc;

/// Static description of a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleMeta {
    /// kebab-case id, forever stable.
    pub id: &'static str,
    /// The Rust type name, for diagnostics.
    pub name: &'static str,
    pub category: Category,
    pub severity: Severity,
    pub default_action: Action,
    /// Markdown documentation (the rule's doc comment).
    pub docs: &'static str,
}

impl RuleMeta {
    /// The first paragraph of "What it does", one line, for `ferret rules`.
    pub fn summary(&self) -> String {
        let mut lines = self.docs.lines().map(str::trim);
        let mut out = String::new();
        for l in lines.by_ref() {
            if l.starts_with("## What it does") {
                break;
            }
        }
        for l in lines {
            if l.is_empty() && !out.is_empty() {
                break;
            }
            if l.starts_with('#') {
                break;
            }
            if !l.is_empty() {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(l);
            }
        }
        out
    }

    /// The documentation as Markdown: the doc comment with the one space after `///`
    /// removed from every line.
    pub fn docs_markdown(&self) -> String {
        let mut out = String::with_capacity(self.docs.len());
        for line in self.docs.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        let trimmed = out.trim_end().len();
        out.truncate(trimmed);
        out.push('\n');
        out
    }
}

/// A check over package facts. Hooks are optional; rules never do I/O, print, read the
/// environment or panic.
pub trait Rule: Send + Sync {
    fn meta(&self) -> &'static RuleMeta;

    /// Called once per analysed file.
    fn check_file(&self, _file: &FileFacts, _pkg: &PackageFacts, _cx: &mut RuleContext) {}

    /// Called once per package (manifest, file list, install scripts, cross-file facts).
    fn check_package(&self, _pkg: &PackageFacts, _cx: &mut RuleContext) {}

    /// Called once per package diff with the old and the new version (permission creep:
    /// `capability-added`, `install-script-added`, …). Not called by single-package scans.
    fn check_diff(&self, _old: &PackageFacts, _new: &PackageFacts, _cx: &mut RuleContext) {}
}

/// A reference to a rule is a rule: lets the [`crate::tester::Tester`] and the engine take
/// either a rule value or a `&'static dyn Rule` from the registry.
impl<R: Rule + ?Sized> Rule for &R {
    fn meta(&self) -> &'static RuleMeta {
        (**self).meta()
    }

    fn check_file(&self, file: &FileFacts, pkg: &PackageFacts, cx: &mut RuleContext) {
        (**self).check_file(file, pkg, cx);
    }

    fn check_package(&self, pkg: &PackageFacts, cx: &mut RuleContext) {
        (**self).check_package(pkg, cx);
    }

    fn check_diff(&self, old: &PackageFacts, new: &PackageFacts, cx: &mut RuleContext) {
        (**self).check_diff(old, new, cx);
    }
}

/// Collects findings for one rule run.
#[derive(Debug, Default)]
pub struct RuleContext {
    findings: Vec<Finding>,
    shared: SharedAnalyses,
}

/// Package-level analyses that several rules query (the behaviour detections are read by
/// eight technique rules and the malware verdict): computed on first use, once per package.
/// Keyed by the result type and the package's address, so a context reused for another
/// package recomputes instead of answering for the wrong one.
#[derive(Default)]
struct SharedAnalyses(Vec<(TypeId, usize, Arc<dyn Any + Send + Sync>)>);

impl std::fmt::Debug for SharedAnalyses {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SharedAnalyses({} cached)", self.0.len())
    }
}

impl RuleContext {
    pub fn new() -> Self {
        Self::default()
    }

    /// `analysis(pkg)`, computed once per package and context and shared by the rules that
    /// ask for the same result type. `analysis` must be a pure function of the package.
    pub fn shared<T: Any + Send + Sync>(
        &mut self,
        pkg: &PackageFacts,
        analysis: impl FnOnce(&PackageFacts) -> T,
    ) -> Arc<T> {
        let key = (TypeId::of::<T>(), std::ptr::from_ref(pkg) as usize);
        let cached = self
            .shared
            .0
            .iter()
            .find(|(t, p, _)| (*t, *p) == key)
            .and_then(|(_, _, v)| Arc::clone(v).downcast::<T>().ok());
        if let Some(v) = cached {
            return v;
        }
        let v = Arc::new(analysis(pkg));
        self.shared.0.retain(|(t, _, _)| *t != key.0);
        self.shared.0.push((key.0, key.1, v.clone()));
        v
    }

    pub fn report(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    pub fn into_findings(self) -> Vec<Finding> {
        self.findings
    }

    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }
}

/// Builder helpers for findings of a rule.
pub trait FindingExt {
    /// A new finding of `meta` with the rule's defaults.
    fn of(meta: &RuleMeta, message: impl Into<String>) -> Finding;
    #[must_use]
    fn primary(self, location: &Location, code: &Excerpt, label: impl Into<String>) -> Finding;
    #[must_use]
    fn related(
        self,
        location: &Location,
        code: Option<&Excerpt>,
        label: impl Into<String>,
    ) -> Finding;
    #[must_use]
    fn evidence(self, key: &str, value: impl Into<serde_json::Value>) -> Finding;
    #[must_use]
    fn install_time(self, yes: bool) -> Finding;
}

impl FindingExt for Finding {
    fn of(meta: &RuleMeta, message: impl Into<String>) -> Finding {
        Finding {
            rule: meta.id.to_string(),
            category: meta.category,
            severity: meta.severity,
            action: meta.default_action,
            message: message.into(),
            location: None,
            label: None,
            code: None,
            related: Vec::new(),
            install_time: false,
            evidence: Evidence::new(),
        }
    }

    fn primary(mut self, location: &Location, code: &Excerpt, label: impl Into<String>) -> Finding {
        self.location = Some(location.clone());
        self.code = Some(code.clone());
        self.label = Some(label.into());
        self
    }

    fn related(
        mut self,
        location: &Location,
        code: Option<&Excerpt>,
        label: impl Into<String>,
    ) -> Finding {
        self.related.push(Related {
            location: location.clone(),
            label: label.into(),
            code: code.cloned(),
        });
        self
    }

    fn evidence(mut self, key: &str, value: impl Into<serde_json::Value>) -> Finding {
        self.evidence.insert(key.to_string(), value.into());
        self
    }

    fn install_time(mut self, yes: bool) -> Finding {
        self.install_time = yes;
        self
    }
}

/// Declares a rule type and its metadata from a doc comment.
///
/// ```ignore
/// declare_rule! {
///     /// ## What it does
///     /// ...
///     ShellAccess, id = "shell-access", category = Capability, severity = Info, action = Info,
/// }
/// ```
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        $name:ident, id = $id:literal, category = $cat:ident, severity = $sev:ident, action = $act:ident $(,)?
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Default, Clone, Copy)]
        pub struct $name;

        impl $name {
            pub const META: $crate::rule::RuleMeta = $crate::rule::RuleMeta {
                id: $id,
                name: stringify!($name),
                category: ::ferret_core::Category::$cat,
                severity: ::ferret_core::Severity::$sev,
                default_action: ::ferret_core::Action::$act,
                docs: concat!($($doc, "\n"),*),
            };
        }
    };
}
