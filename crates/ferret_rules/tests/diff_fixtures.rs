//! Version-pair fixtures reconstructing real hijacks (`tests/fixtures/diff/<case>/{old,new}`,
//! defanged): the diff must surface the `*-added` findings named in `<case>/expect.json`
//! at the expected locations, the new side must be blocked, and the old side must not be.
#![expect(clippy::unwrap_used, reason = "tests unwrap on fixture files")]

use ferret_core::{Ecosystem, RegistryFacts, VersionDoc};
use ferret_rules::diff::{DiffInput, diff_with};
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/diff")
}

fn registry(name: &str, version: &str, publisher: Option<&str>) -> Option<RegistryFacts> {
    let publisher = publisher?;
    Some(RegistryFacts {
        name: name.to_string(),
        version: Some(VersionDoc {
            name: name.to_string(),
            version: version.to_string(),
            publisher: Some(publisher.to_string()),
            ..VersionDoc::default()
        }),
        ..RegistryFacts::default()
    })
}

fn run_case(case: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let name = case.file_name().unwrap().to_string_lossy().into_owned();
    let expect: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(case.join("expect.json")).unwrap()).unwrap();
    let limits = ferret_source::Limits::default();
    let old = ferret_source::open_path(&case.join("old"), &limits).unwrap();
    let new = ferret_source::open_path(&case.join("new"), &limits).unwrap();
    let old_report = ferret_rules::engine::scan(&old, Ecosystem::Npm);
    if old_report.is_blocked() {
        problems.push(format!(
            "{name}: the old (clean) side is blocked: {:#?}",
            old_report.alerts
        ));
    }
    let publisher = |side: &str| expect["publishers"][side].as_str();
    let input = DiffInput {
        old_registry: registry(
            &old_report.package.name,
            &old_report.package.version,
            publisher("old"),
        ),
        new_registry: registry(&old_report.package.name, "new", publisher("new")).map(|mut r| {
            let new_version = ferret_rules::engine::build_facts(&new, Ecosystem::Npm)
                .id
                .version;
            if let Some(v) = r.version.as_mut() {
                v.version = new_version;
            }
            r
        }),
    };
    let diff = diff_with(&old, &new, Ecosystem::Npm, &input);
    let blocked = expect["blocked"].as_bool().unwrap();
    if diff.is_blocked() != blocked {
        problems.push(format!(
            "{name}: blocked = {}, expected {blocked}",
            diff.is_blocked()
        ));
    }
    for (rule, at) in expect["findings"].as_object().unwrap() {
        let at = at.as_str().unwrap();
        let (path, line) = match at.split_once(':') {
            Some((p, l)) => (p, Some(l.parse::<u32>().unwrap())),
            None => (at, None),
        };
        let hit = diff.report.alerts.iter().any(|f| {
            f.rule == *rule
                && f.location
                    .as_ref()
                    .is_some_and(|l| l.path == path && line.is_none_or(|n| n == l.line))
        });
        if !hit {
            let got: Vec<String> = diff
                .new_alerts()
                .map(|f| {
                    format!(
                        "{} at {}: {}",
                        f.rule,
                        f.location
                            .as_ref()
                            .map(ToString::to_string)
                            .unwrap_or_default(),
                        f.message
                    )
                })
                .collect();
            problems.push(format!(
                "{name}: no `{rule}` at {at}; new alerts:\n  {}",
                got.join("\n  ")
            ));
        }
        if !diff.new_alerts().any(|f| f.rule == *rule) {
            problems.push(format!("{name}: `{rule}` is not listed as a new alert"));
        }
    }
    problems
}

#[test]
fn hijack_pairs_surface_their_changes_and_are_blocked() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("expect.json").is_file())
        .collect();
    cases.sort();
    assert!(cases.len() >= 5, "{cases:?}");
    let problems: Vec<String> = cases.iter().flat_map(|c| run_case(c)).collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_diff_of_a_version_with_itself_reports_no_change() {
    let case = fixtures().join("chalk-clipper/new");
    let tree = ferret_source::open_path(&case, &ferret_source::Limits::default()).unwrap();
    let diff = ferret_rules::diff::diff(&tree, &tree, Ecosystem::Npm);
    assert_eq!(diff.new_alerts().count(), 0);
    assert!(diff.capabilities.iter().all(|c| c.added.is_empty()));
    assert_eq!(diff.files.modified.len() + diff.files.added.len(), 0);
    // The verdict is still the new version's own: the clipper stays blocked.
    assert!(diff.is_blocked());
}
