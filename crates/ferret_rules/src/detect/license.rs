//! License assessment for the `*-license` rules: the package's declared license read the way
//! npm writes it (an SPDX expression, the legacy `{type}` object or `licenses` array,
//! `UNLICENSED`, `SEE LICENSE IN <file>`), parsed with the `spdx` crate in lax mode (`/` as
//! OR, `GPL-2.0+`, common imprecise names), and classified by the best choice an expression
//! allows: `(MIT OR GPL-3.0)` is permissive because the user may pick MIT.

use crate::detect::metadata::manifest_str;
use ferret_core::PackageFacts;
use serde_json::Value;

/// What the declared license lets a user do, for the best alternative of an expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LicenseStatus {
    /// No `license` field and no LICENSE/COPYING file.
    Missing,
    /// A license file but no `license` field: readable by people, not by tools.
    FileOnly,
    /// `SEE LICENSE IN <file>` or an expression that is not SPDX: the text decides.
    Unidentified {
        declared: String,
        reason: String,
    },
    /// npm's `UNLICENSED`: proprietary, no rights granted.
    Unlicensed,
    Permissive {
        declared: String,
    },
    /// Every alternative is copyleft (GPL, AGPL, LGPL, MPL, EPL, ...).
    Copyleft {
        declared: String,
        ids: Vec<String>,
    },
    /// Every alternative is neither free nor open source (CC-BY-NC, SSPL, BUSL, ...).
    NonPermissive {
        declared: String,
        ids: Vec<String>,
    },
}

/// The declared license: the manifest's `license`, else the legacy forms.
pub fn declared_license(pkg: &PackageFacts) -> Option<String> {
    if let Some(s) = manifest_str(pkg, "license") {
        return Some(s.trim().to_string());
    }
    let m = pkg.manifest.as_ref()?;
    if let Some(t) = m
        .get("license")
        .and_then(|l| l.get("type"))
        .and_then(Value::as_str)
    {
        return Some(t.trim().to_string());
    }
    let list: Vec<&str> = m
        .get("licenses")
        .and_then(Value::as_array)?
        .iter()
        .filter_map(|l| l.get("type").and_then(Value::as_str).or(l.as_str()))
        .collect();
    (!list.is_empty()).then(|| list.join(" OR "))
}

fn has_license_file(pkg: &PackageFacts) -> bool {
    pkg.files.iter().any(|f| {
        let upper = f.path.to_ascii_uppercase();
        !upper.contains('/')
            && ["LICENSE", "LICENCE", "COPYING", "UNLICENSE"]
                .iter()
                .any(|p| upper.starts_with(p))
    })
}

/// Licenses that grant everything and are not on the OSI/FSF lists as such (public-domain
/// dedications and joke licenses npm packages use).
const PUBLIC_DOMAIN: &[&str] = &["CC0-1.0", "Unlicense", "0BSD", "WTFPL", "CC-PDDC", "MIT-0"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    Permissive,
    Copyleft,
    Restrictive,
}

fn class(req: &spdx::LicenseReq) -> Class {
    let Some(id) = req.license.id() else {
        return Class::Restrictive;
    };
    if id.is_copyleft() {
        Class::Copyleft
    } else if id.is_osi_approved() || id.is_fsf_free_libre() || PUBLIC_DOMAIN.contains(&id.name) {
        Class::Permissive
    } else {
        Class::Restrictive
    }
}

/// Assesses the package's license.
pub fn assess(pkg: &PackageFacts) -> LicenseStatus {
    let Some(declared) = declared_license(pkg).filter(|d| !d.is_empty()) else {
        return if has_license_file(pkg) {
            LicenseStatus::FileOnly
        } else {
            LicenseStatus::Missing
        };
    };
    if declared.eq_ignore_ascii_case("UNLICENSED") {
        return LicenseStatus::Unlicensed;
    }
    if declared.to_ascii_uppercase().starts_with("SEE LICEN") {
        return LicenseStatus::Unidentified {
            reason: "a custom license file".into(),
            declared,
        };
    }
    // Bound the work on hostile input; real expressions are short.
    if declared.len() > 512 {
        return LicenseStatus::Unidentified {
            reason: "longer than any SPDX expression".into(),
            declared,
        };
    }
    let expr = match spdx::Expression::parse_mode(&declared, spdx::ParseMode::LAX) {
        Ok(e) => e,
        Err(e) => {
            return LicenseStatus::Unidentified {
                reason: e.reason.to_string(),
                declared,
            };
        }
    };
    if expr.evaluate(|r| class(r) == Class::Permissive) {
        return LicenseStatus::Permissive { declared };
    }
    let ids = |want: Class| -> Vec<String> {
        let mut v: Vec<String> = expr
            .requirements()
            .filter(|r| class(&r.req) == want)
            .map(|r| r.req.license.to_string())
            .collect();
        v.sort();
        v.dedup();
        v
    };
    if expr.evaluate(|r| class(r) != Class::Restrictive) {
        LicenseStatus::Copyleft {
            ids: ids(Class::Copyleft),
            declared,
        }
    } else {
        LicenseStatus::NonPermissive {
            ids: ids(Class::Restrictive),
            declared,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(manifest: &str, extra: &[(&str, &str)]) -> LicenseStatus {
        let mut files = vec![("package.json", manifest)];
        files.extend_from_slice(extra);
        assess(&crate::detect::metadata::testing::package(&files, None))
    }

    #[test]
    fn classifies_expressions() {
        let s = |l: &str| {
            status(
                &format!(r#"{{"name":"x","version":"1.0.0","license":"{l}"}}"#),
                &[],
            )
        };
        assert!(matches!(s("MIT"), LicenseStatus::Permissive { .. }));
        assert!(matches!(
            s("(MIT OR GPL-3.0-only)"),
            LicenseStatus::Permissive { .. }
        ));
        assert!(
            matches!(s("MIT/Apache-2.0"), LicenseStatus::Permissive { .. }),
            "lax `/`"
        );
        assert!(matches!(s("WTFPL"), LicenseStatus::Permissive { .. }));
        assert!(matches!(
            s("GPL-3.0-or-later"),
            LicenseStatus::Copyleft { .. }
        ));
        assert!(matches!(s("GPL-2.0+"), LicenseStatus::Copyleft { .. }));
        assert!(matches!(
            s("MIT AND LGPL-2.1-only"),
            LicenseStatus::Copyleft { .. }
        ));
        assert!(matches!(
            s("CC-BY-NC-4.0"),
            LicenseStatus::NonPermissive { .. }
        ));
        assert!(matches!(s("SSPL-1.0"), LicenseStatus::NonPermissive { .. }));
        assert!(matches!(s("UNLICENSED"), LicenseStatus::Unlicensed));
        assert!(matches!(
            s("SEE LICENSE IN LICENSE.md"),
            LicenseStatus::Unidentified { .. }
        ));
        assert!(matches!(
            s("My Own License"),
            LicenseStatus::Unidentified { .. }
        ));
        assert!(matches!(
            status(
                r#"{"name":"x","version":"1.0.0","license":{"type":"MIT"}}"#,
                &[]
            ),
            LicenseStatus::Permissive { .. }
        ));
        assert!(matches!(
            status(
                r#"{"name":"x","version":"1.0.0","licenses":[{"type":"MIT"},{"type":"GPL-2.0"}]}"#,
                &[]
            ),
            LicenseStatus::Permissive { .. }
        ));
        assert_eq!(
            status(r#"{"name":"x","version":"1.0.0"}"#, &[]),
            LicenseStatus::Missing
        );
        assert_eq!(
            status(
                r#"{"name":"x","version":"1.0.0"}"#,
                &[("LICENSE", "MIT License")]
            ),
            LicenseStatus::FileOnly
        );
    }
}
