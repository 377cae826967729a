//! `unpopular`: hardly anyone uses the package.

use crate::declare_rule;
use crate::detect::metadata::package_location;
use crate::detect::popular::PopularIndex;
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{Finding, PackageFacts};

/// Fewer monthly downloads than this is unpopular: mirrors and CI alone give an ordinary
/// published package a few hundred a month.
const UNPOPULAR_DOWNLOADS: u64 = 1000;

declare_rule! {
    /// ## What it does
    /// Reports a package with fewer than 1,000 downloads a month when the registry's count is
    /// known; without a count, a package with registry metadata that is not among ferret's
    /// 10,000 most downloaded packages of its ecosystem.
    ///
    /// ## Why is this a risk?
    /// Few users means few eyes: malware in an unpopular package survives longer, and most
    /// malicious packages never leave this category. Weigh it with the other findings.
    ///
    /// ## Example
    /// ```text
    /// 12 downloads last month
    /// ```
    ///
    /// ## False positives
    /// Young or niche packages; internal tooling.
    ///
    /// ## References
    /// - Socket alert `unpopularPackage`
    Unpopular, id = "unpopular", category = Metadata, severity = Info, action = Info,
}

impl Rule for Unpopular {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_package(&self, pkg: &PackageFacts, cx: &mut RuleContext) {
        let Some(reg) = pkg.registry.as_ref() else {
            return;
        };
        let message = match reg.downloads {
            Some(d) if d < UNPOPULAR_DOWNLOADS => format!("{d} downloads in the last month"),
            Some(_) => return,
            None => {
                let index = PopularIndex::embedded(pkg.id.ecosystem);
                if index.is_empty() || index.get(&reg.name).is_some() {
                    return;
                }
                format!(
                    "`{}` is not among the {} most downloaded {} packages",
                    reg.name,
                    index.len(),
                    pkg.id.ecosystem
                )
            }
        };
        let (location, code) = package_location(pkg);
        cx.report(Finding::of(&Self::META, message).primary(&location, &code, "package"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::metadata::testing::{check, package, registry};

    #[test]
    fn unpopular() {
        let m = [("package.json", r#"{"name":"x","version":"1.0.0"}"#)];
        let with = |name: &str, d: Option<u64>| {
            let mut r = registry(name, &[("1.0.0", 30, "a")]);
            r.downloads = d;
            r
        };
        check(
            Unpopular,
            &[
                package(&m, Some(with("react", None))),
                package(&m, Some(with("some-thing", Some(50_000)))),
                package(&m, None),
            ],
            &[
                package(&m, Some(with("some-thing", Some(12)))),
                package(&m, Some(with("ferret-unlisted-package", None))),
            ],
        );
    }
}
