//! `entrypoint-changed`: `main`, `module`, `browser`, `exports` or `bin` point elsewhere in
//! the new version.

use crate::declare_rule;
use crate::detect::obfuscation::is_obfuscated;
use crate::diff::{
    ENTRY_FIELDS, MANIFEST_KEY, manifest_placeholder, manifest_value, weigh_publisher,
};
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{Action, Finding, PackageFacts, Severity};

declare_rule! {
    /// ## What it does
    /// In a diff of two versions, reports an entry point (`main`, `module`, `browser`,
    /// `exports`, `bin`) whose value changed. When it now points at a file the old version
    /// did not ship, or at generated (minified or obfuscated) code, the finding warns;
    /// otherwise it is `monitor`.
    ///
    /// ## Why is this a risk?
    /// Re-pointing the entry point swaps the code every importer runs without touching the
    /// files a reviewer compares: the old `index.js` stays pristine while `main` now names a
    /// new `index.min.js` (flatmap-stream's published minified file) or a new `bin` shadows a
    /// system command.
    ///
    /// ## Example
    /// ```json
    /// { "main": "index.js" }  →  { "main": "dist/index.min.js" }
    /// ```
    ///
    /// ## False positives
    /// Build changes (moving to `exports` maps, a new `dist/` layout) re-point entry points
    /// legitimately, usually in major releases.
    ///
    /// ## References
    /// - npm docs, "package.json": main, exports, bin
    EntrypointChanged, id = "entrypoint-changed", category = Change, severity = Low, action = Monitor,
}

impl Rule for EntrypointChanged {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_diff(&self, old: &PackageFacts, new: &PackageFacts, cx: &mut RuleContext) {
        for field in ENTRY_FIELDS {
            let (before, after) = (manifest_value(old, field), manifest_value(new, field));
            let Some(after) = after else { continue };
            if before.as_deref() == Some(after.as_str()) {
                continue;
            }
            let targets = targets(new, field);
            let fresh: Vec<&String> = targets
                .iter()
                .filter(|t| old.file(t).is_none() && new.file(t).is_some())
                .collect();
            let generated: Vec<&String> = targets
                .iter()
                .filter(|t| {
                    new.file(t)
                        .is_some_and(|f| f.text.minified || is_obfuscated(f).is_some())
                })
                .collect();
            let mut message = match &before {
                Some(b) => format!("`{field}` changed from `{b}` to `{after}`"),
                None => format!("new `{field}`: `{after}`"),
            };
            if !fresh.is_empty() {
                message.push_str(&format!(
                    ", a file the previous version did not ship (`{}`)",
                    fresh[0]
                ));
            } else if !generated.is_empty() {
                message.push_str(&format!(", generated code (`{}`)", generated[0]));
            }
            let (location, code) = manifest_placeholder(&format!("\"{field}\": {after}"));
            let mut finding = Finding::of(&Self::META, message)
                .primary(&location, &code, "entry point")
                .evidence("field", field)
                .evidence("new", after.clone())
                .evidence(MANIFEST_KEY, vec![field.to_string()]);
            if let Some(b) = before {
                finding = finding.evidence("old", b);
            }
            if !fresh.is_empty() || !generated.is_empty() {
                finding.action = Action::Warn;
                finding.severity = Severity::Medium;
                cx.report(weigh_publisher(finding, old, new));
            } else {
                cx.report(finding);
            }
        }
    }
}

/// The package files an entry field names (every string leaf, `./` removed; a directory
/// target resolves to its `index.js`).
fn targets(pkg: &PackageFacts, field: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack: Vec<&serde_json::Value> = pkg
        .manifest
        .as_ref()
        .and_then(|m| m.get(field))
        .into_iter()
        .collect();
    let mut steps = 0;
    while let Some(v) = stack.pop() {
        steps += 1;
        if steps > 10_000 {
            break;
        }
        match v {
            serde_json::Value::String(s) => {
                let p = s.trim_start_matches("./").trim_end_matches('/').to_string();
                if pkg.file(&p).is_none() && pkg.file(&format!("{p}.js")).is_some() {
                    out.push(format!("{p}.js"));
                } else if pkg.file(&p).is_none() && pkg.file(&format!("{p}/index.js")).is_some() {
                    out.push(format!("{p}/index.js"));
                } else {
                    out.push(p);
                }
            }
            serde_json::Value::Object(m) => stack.extend(m.values()),
            serde_json::Value::Array(a) => stack.extend(a.iter()),
            _ => {}
        }
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests unwrap on fixed inputs")]
mod tests {
    use super::*;
    use crate::tester::Tester;

    #[test]
    fn entrypoint_changed() {
        let t = Tester::new(EntrypointChanged);
        let m = |main: &str| format!(r#"{{"name":"x","version":"1.0.0","main":"{main}"}}"#);
        let old = [("package.json", m("index.js")), ("index.js", "1".into())];
        assert!(t.diff(old.clone(), old.clone()).is_empty());
        let moved = t.diff(
            old.clone(),
            [("package.json", m("./index.js")), ("index.js", "1".into())],
        );
        assert_eq!(moved[0].action, Action::Monitor, "{moved:#?}");
        let f = t.diff(
            old,
            [
                ("package.json", m("lib/x.js")),
                ("index.js", "1".into()),
                ("lib/x.js", "module.exports = 2".into()),
            ],
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].action, Action::Warn);
        assert!(
            f[0].message.contains("did not ship (`lib/x.js`)"),
            "{}",
            f[0].message
        );
        assert_eq!(f[0].location.as_ref().unwrap().path, "package.json");
        insta::assert_json_snapshot!("entrypoint-changed", f);
    }
}
