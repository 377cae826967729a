//! The JSON renderer: the documented, versioned document of `docs/json-schema.md`.
//!
//! The document is exactly the serde form of [`ScanReport`]; every map in it is ordered
//! (`BTreeMap`, `serde_json` without `preserve_order`), so equal reports render to equal
//! bytes.

use ferret_core::ScanReport;

/// The report as pretty-printed JSON with a trailing newline.
pub fn render_json(report: &ScanReport) -> String {
    match serde_json::to_string_pretty(report) {
        Ok(mut s) => {
            s.push('\n');
            s
        }
        // Serialising plain data with string keys cannot fail today; if a future field
        // makes it fail, still emit a valid JSON document that says so, never a partial one.
        Err(e) => {
            let err = serde_json::json!({
                "schema_version": report.schema_version,
                "ferret_version": report.ferret_version,
                "packages": [],
                "errors": [{"target": "", "error": format!("cannot render report: {e}")}],
            });
            format!("{err:#}\n")
        }
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests unwrap on fixed inputs")]
mod tests {
    use super::*;
    use crate::test_support::sample_report;

    #[test]
    fn json_round_trips_and_ends_with_newline() {
        let report = sample_report();
        let out = render_json(&report);
        assert!(out.ends_with("}\n"));
        let back: ScanReport = serde_json::from_str(&out).unwrap();
        assert_eq!(back, report);
    }

    #[test]
    fn json_is_deterministic() {
        assert_eq!(render_json(&sample_report()), render_json(&sample_report()));
    }

    /// The example in `docs/json-schema.md` must be exactly what the renderer writes for it,
    /// so the documented field names, order and omissions cannot drift from serde.
    #[test]
    fn documented_example_matches_serde_output() {
        let doc = include_str!("../../../docs/json-schema.md");
        let start = doc.find("```json\n").unwrap() + "```json\n".len();
        let len = doc[start..].find("```").unwrap();
        let example = &doc[start..start + len];
        let parsed: ScanReport = serde_json::from_str(example).unwrap();
        assert_eq!(parsed.schema_version, ferret_core::SCHEMA_VERSION);
        assert_eq!(render_json(&parsed), example);
    }

    #[test]
    fn json_snapshot() {
        insta::assert_snapshot!(render_json(&sample_report()));
    }
}
