//! `unidentified-license`: see the rule documentation below.

use crate::declare_rule;
use crate::detect::license::{LicenseStatus, assess};
use crate::detect::metadata::manifest_location;
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{Ecosystem, Finding, PackageFacts};

declare_rule! {
    /// ## What it does
    /// Reports a `license` field that is not a valid SPDX expression (after npm's lax forms:
    /// `/` for OR, `GPL-2.0+`, common misspellings), or that points at a custom license file
    /// (`SEE LICENSE IN <file>`).
    ///
    /// ## Why is this a risk?
    /// Tools cannot tell what the license allows: someone has to read it. Custom licenses hide
    /// restrictions (no commercial use, field-of-use clauses, telemetry consent).
    ///
    /// ## Example
    /// ```json
    /// { "license": "Free for personal use" }
    /// ```
    ///
    /// ## False positives
    /// Hand-written names of common licenses that the lax parser does not know.
    ///
    /// ## References
    /// - SPDX License List and expression syntax (spdx.org/licenses)
    /// - Socket alerts `unidentifiedLicense`, `copyleftLicense`, `nonpermissiveLicense`
    UnidentifiedLicense, id = "unidentified-license", category = Metadata, severity = Low, action = Info,
}

impl Rule for UnidentifiedLicense {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_package(&self, pkg: &PackageFacts, cx: &mut RuleContext) {
        if pkg.id.ecosystem != Ecosystem::Npm {
            return;
        }
        let (message, declared) = match &assess(pkg) {
            LicenseStatus::Unidentified { declared, reason } => (
                format!("license `{declared}` is not an SPDX expression ({reason})"),
                declared.clone(),
            ),
            _ => return,
        };
        let (location, code) = manifest_location(&format!("\"license\": \"{declared}\""));
        cx.report(
            Finding::of(&Self::META, message)
                .primary(&location, &code, "declared here")
                .evidence("license", declared),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::tester::Tester;

    #[test]
    fn unidentified_license() {
        let m = |l: &str| format!(r#"{{"name":"x","version":"1.0.0","license":{l}}}"#);
        Tester::new(super::UnidentifiedLicense)
            .pass([
                ("package.json", m("\"MIT\"")),
                ("package.json", m("\"(MIT OR GPL-3.0-only)\"")),
                (
                    "package.json",
                    r#"{"name":"x","version":"1.0.0"}"#.to_string(),
                ),
            ])
            .fail([
                ("package.json", m(r#""My Own License""#)),
                ("package.json", m(r#""SEE LICENSE IN LICENSE.txt""#)),
            ])
            .test_and_snapshot();
    }
}
