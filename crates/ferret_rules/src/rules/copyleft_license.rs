//! `copyleft-license`: see the rule documentation below.

use crate::declare_rule;
use crate::detect::license::{LicenseStatus, assess};
use crate::detect::metadata::manifest_location;
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{Ecosystem, Finding, PackageFacts};

declare_rule! {
    /// ## What it does
    /// Reports a package whose license expression leaves only copyleft choices (GPL, AGPL,
    /// LGPL, MPL, EPL, ...): `(MIT OR GPL-3.0)` does not fire, `MIT AND GPL-3.0` does.
    ///
    /// ## Why is this a risk?
    /// Copyleft terms travel with the code into whatever bundles it: shipping an application
    /// that contains GPL code obliges the publisher to release its source. This is a legal
    /// risk, not a security one.
    ///
    /// ## Example
    /// ```json
    /// { "license": "GPL-3.0-or-later" }
    /// ```
    ///
    /// ## False positives
    /// Weak copyleft (LGPL, MPL) is compatible with most uses of a dependency.
    ///
    /// ## References
    /// - SPDX License List and expression syntax (spdx.org/licenses)
    /// - Socket alerts `unidentifiedLicense`, `copyleftLicense`, `nonpermissiveLicense`
    CopyleftLicense, id = "copyleft-license", category = Metadata, severity = Info, action = Info,
}

impl Rule for CopyleftLicense {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_package(&self, pkg: &PackageFacts, cx: &mut RuleContext) {
        if pkg.id.ecosystem != Ecosystem::Npm {
            return;
        }
        let (message, declared) = match &assess(pkg) {
            LicenseStatus::Copyleft { declared, ids } => (
                format!("license `{declared}` is copyleft ({})", ids.join(", ")),
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
    fn copyleft_license() {
        let m = |l: &str| format!(r#"{{"name":"x","version":"1.0.0","license":{l}}}"#);
        Tester::new(super::CopyleftLicense)
            .pass([
                ("package.json", m("\"MIT\"")),
                ("package.json", m("\"(MIT OR GPL-3.0-only)\"")),
                (
                    "package.json",
                    r#"{"name":"x","version":"1.0.0"}"#.to_string(),
                ),
            ])
            .fail([
                ("package.json", m(r#""AGPL-3.0-only""#)),
                ("package.json", m(r#""MIT AND GPL-2.0-only""#)),
            ])
            .test_and_snapshot();
    }
}
