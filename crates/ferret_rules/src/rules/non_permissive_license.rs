//! `non-permissive-license`: see the rule documentation below.

use crate::declare_rule;
use crate::detect::license::{LicenseStatus, assess};
use crate::detect::metadata::manifest_location;
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{Ecosystem, Finding, PackageFacts};

declare_rule! {
    /// ## What it does
    /// Reports a package whose license is neither free nor open source for every choice it
    /// offers (`CC-BY-NC-4.0`, `SSPL-1.0`, `BUSL-1.1`), or npm's `UNLICENSED` (proprietary, no
    /// rights granted).
    ///
    /// ## Why is this a risk?
    /// Using the package may be forbidden (commercial use, hosting as a service) or need a
    /// separate agreement. A proprietary package on the public registry is often a
    /// dependency-confusion probe or an internal package published by mistake.
    ///
    /// ## Example
    /// ```json
    /// { "license": "UNLICENSED" }
    /// ```
    ///
    /// ## False positives
    /// Source-available licenses of well-known vendors that the user has agreed to.
    ///
    /// ## References
    /// - SPDX License List and expression syntax (spdx.org/licenses)
    /// - Socket alerts `unidentifiedLicense`, `copyleftLicense`, `nonpermissiveLicense`
    NonPermissiveLicense, id = "non-permissive-license", category = Metadata, severity = Low, action = Info,
}

impl Rule for NonPermissiveLicense {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_package(&self, pkg: &PackageFacts, cx: &mut RuleContext) {
        if pkg.id.ecosystem != Ecosystem::Npm {
            return;
        }
        let (message, declared) = match &assess(pkg) {
            LicenseStatus::NonPermissive { declared, ids } => (
                format!(
                    "license `{declared}` is not permissive ({})",
                    ids.join(", ")
                ),
                declared.clone(),
            ),
            LicenseStatus::Unlicensed => (
                "license `UNLICENSED`: no rights granted".to_string(),
                "UNLICENSED".to_string(),
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
    fn non_permissive_license() {
        let m = |l: &str| format!(r#"{{"name":"x","version":"1.0.0","license":{l}}}"#);
        Tester::new(super::NonPermissiveLicense)
            .pass([
                ("package.json", m("\"MIT\"")),
                ("package.json", m("\"(MIT OR GPL-3.0-only)\"")),
                (
                    "package.json",
                    r#"{"name":"x","version":"1.0.0"}"#.to_string(),
                ),
            ])
            .fail([
                ("package.json", m(r#""CC-BY-NC-4.0""#)),
                ("package.json", m(r#""UNLICENSED""#)),
            ])
            .test_and_snapshot();
    }
}
