//! `obfuscation-added`: obfuscated or newly minified code in a version whose predecessor had
//! none.

use crate::declare_rule;
use crate::detect::excerpt_at;
use crate::detect::obfuscation::is_obfuscated;
use crate::detect::paths::is_bundle_path;
use crate::diff::weigh_publisher;
use crate::engine::file_start;
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{FileFacts, Finding, PackageFacts};

declare_rule! {
    /// ## What it does
    /// In a diff of two versions, reports files of the new version that carry an obfuscator
    /// signature (javascript-obfuscator `_0x` names and string-array rotation, packer,
    /// JSFuck) or code hidden behind whitespace, when no file of the old version did; and a
    /// minified file outside the usual bundle directories when the old version had no
    /// minified code at all.
    ///
    /// ## Why is this a risk?
    /// Maintainers do not start obfuscating a library in a point release; attackers hide the
    /// payload they inject. chalk/debug (2025) received an obfuscated IIFE in `index.js`;
    /// node-ipc (2026) an 80 KB `_0x` blob appended to `node-ipc.cjs`; flatmap-stream (2018)
    /// shipped a minified file that was in no repository.
    ///
    /// ## Example
    /// ```js
    /// const _0x4f2a=['exec','child_process'];(function(_0x1b2c,_0x4e5f){/* … */}(_0x4f2a,0x1a3));
    /// ```
    ///
    /// ## False positives
    /// A project that starts publishing a minified build. Bundle paths (`dist/`, `*.min.js`)
    /// are not reported for minification alone.
    ///
    /// ## References
    /// - Socket alert `obfuscatedFile`; GuardDog `npm-obfuscation`
    ObfuscationAdded, id = "obfuscation-added", category = Change, severity = High, action = Warn,
}

impl Rule for ObfuscationAdded {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_diff(&self, old: &PackageFacts, new: &PackageFacts, cx: &mut RuleContext) {
        let old_obfuscated = old
            .files
            .iter()
            .any(|f| hidden(f).is_some() || f.signals.obfuscation.hex_identifiers > 0);
        let old_minified = old.files.iter().any(|f| f.is_code() && f.text.minified);
        for f in &new.files {
            let found = if old_obfuscated { None } else { hidden(f) };
            let found = found.or_else(|| {
                (!old_minified && f.is_code() && f.text.minified && !is_bundle_path(&f.path)).then(
                    || {
                        (
                            format!(
                                "minified ({} characters on its longest line)",
                                f.text.longest_line
                            ),
                            file_start(&f.path),
                        )
                    },
                )
            });
            let Some((what, location)) = found else {
                continue;
            };
            let is_new_file = old.file(&f.path).is_none();
            let finding = Finding::of(
                &Self::META,
                format!(
                    "`{}` is {what}; the previous version had no such code{}",
                    f.path,
                    if is_new_file { " (new file)" } else { "" }
                ),
            )
            .primary(
                &location,
                &excerpt_at(&location, &f.path),
                "obfuscated code",
            )
            .evidence("new_file", is_new_file)
            .install_time(f.install_time);
            cx.report(weigh_publisher(finding, old, new));
        }
    }
}

/// `_0x`-style identifiers in a file, when the old version had none anywhere: fewer than
/// `obfuscated-code` needs on its own (10 with a rotation shape, 50 alone), because the
/// comparison with a clean predecessor is evidence too. Eight is above the handful a
/// hand-written file shows (`_0x1` loop counters) and below a small injected payload
/// (chalk 2025: eleven).
const HEX_IDENTIFIERS_AFTER_NONE: u32 = 8;

/// An obfuscator signature or whitespace-hidden code in `f`: what, and where.
fn hidden(f: &FileFacts) -> Option<(String, ferret_core::Location)> {
    if let Some(o) = is_obfuscated(f) {
        return Some((o.signature.describe(), o.location));
    }
    let h = &f.signals.obfuscation;
    if f.is_code()
        && h.hex_identifiers >= HEX_IDENTIFIERS_AFTER_NONE
        && let Some(first) = &h.first_hex_identifier
    {
        return Some((
            format!("obfuscated ({} `_0x`-style identifiers)", h.hex_identifiers),
            first.clone(),
        ));
    }
    f.signals.hidden_code.first().map(|h| {
        (
            "code hidden after a run of whitespace".to_string(),
            h.location.clone(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tester::Tester;

    const OBFUSCATED: &str = "const _0x4f2a=['log','hi'];(function(_0x1b2c3d,_0x4e5f60){const _0x2a3b=function(_0x5c6d7e){while(--_0x5c6d7e){_0x1b2c3d['push'](_0x1b2c3d['shift']());}};_0x2a3b(++_0x4e5f60);}(_0x4f2a,0x1a3));const _0x3c4d=function(_0x1a2b3c,_0x4d5e6f){_0x1a2b3c=_0x1a2b3c-0x0;return _0x4f2a[_0x1a2b3c];};console[_0x3c4d('0x0')](_0x3c4d('0x1'));";

    #[test]
    fn obfuscation_added() {
        let t = Tester::new(ObfuscationAdded);
        let plain = [("index.js", "module.exports = 1;\n")];
        let obf = [("index.js", OBFUSCATED)];
        assert!(t.diff(plain, plain).is_empty());
        assert!(t.diff(obf, obf).is_empty(), "already obfuscated before");
        let f = t.diff(plain, obf);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(
            f[0].message.contains("previous version had no such code"),
            "{}",
            f[0].message
        );
        insta::assert_json_snapshot!("obfuscation-added", f);
    }
}
