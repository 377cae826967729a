//! The SARIF 2.1.0 renderer, for GitHub code scanning and other SARIF consumers.
//!
//! The document is built from hand-written serde structs (only the parts of the SARIF object
//! model ferret fills; `serde-sarif` does not compile here) and checked against the official
//! schema in `tests/sarif_schema.rs`. One run; one `reportingDescriptor` per ferret rule,
//! passed in as [`RuleDescriptor`]s so this crate stays independent of `ferret_rules`; one
//! result per alert.
//!
//! Locations: a SARIF consumer needs a file of the repository to anchor a result on, and the
//! scanned package's files usually are not in it. So when the package came from a project
//! lockfile, the **lockfile line** is the primary location and the file inside the package a
//! related location; otherwise the file inside the package is primary, named
//! `node_modules/<name>/<path>` for installed packages and `<name>@<version>/<path>` for the
//! rest. Columns count Unicode scalar values, which the run declares (`columnKind`).
//!
//! Every map is ordered and every list keeps the report's order, so equal reports render to
//! equal bytes.

use ferret_core::{
    Action, Category, Finding, Location, PackageReport, ProjectPackage, Related, ScanReport,
    Severity,
};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The schema URI written into `$schema` (the OASIS errata-01 location of SARIF 2.1.0).
pub const SARIF_SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The name of the fingerprint in `partialFingerprints`; bump the suffix when its inputs
/// change, so consumers do not match old and new fingerprints.
const FINGERPRINT_NAME: &str = "ferret/v1";

/// What the SARIF renderer needs to know about a rule: the caller builds these from
/// `ferret_rules::registry::all_rules()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleDescriptor {
    /// kebab-case id, as in `Finding::rule`.
    pub id: String,
    /// Human name (the rule's type name, `ShellAccess`).
    pub name: String,
    /// One line: the first paragraph of "What it does".
    pub summary: String,
    /// The rule's documentation as markdown.
    pub docs_markdown: String,
    pub default_action: Action,
    pub severity: Severity,
    pub category: Category,
}

/// How the SARIF document is written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SarifOptions {
    /// Also emit `info` and `monitor` alerts (as `note` results). Off by default: in a
    /// project scan the capability facts of hundreds of packages would bury the alerts that
    /// matter, exactly as in the terminal report.
    pub all: bool,
    /// `tool.driver.informationUri`: an absolute URI of the project's home page, if any.
    pub information_uri: Option<String>,
}

/// The report as a SARIF 2.1.0 log, pretty-printed, with a trailing newline.
pub fn render_sarif(report: &ScanReport, rules: &[RuleDescriptor], opts: &SarifOptions) -> String {
    let log = build_log(report, rules, opts);
    match serde_json::to_string_pretty(&log) {
        Ok(mut s) => {
            s.push('\n');
            s
        }
        // Plain data with string keys cannot fail to serialise; should it ever, still emit a
        // valid SARIF log that says so rather than a partial document.
        Err(e) => {
            let fallback = serde_json::json!({
                "$schema": SARIF_SCHEMA_URI,
                "version": "2.1.0",
                "runs": [{
                    "tool": {"driver": {"name": "ferret"}},
                    "invocations": [{
                        "executionSuccessful": false,
                        "toolExecutionNotifications": [
                            {"level": "error", "message": {"text": format!("cannot render report: {e}")}}
                        ],
                    }],
                    "results": [],
                }],
            });
            format!("{fallback:#}\n")
        }
    }
}

// ---------------------------------------------------------------------------------------
// The SARIF object model (the subset ferret writes). Field names follow the spec via
// `rename_all = "camelCase"`; optional members are omitted when empty.

#[derive(Debug, Serialize)]
struct SarifLog {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    invocations: Vec<Invocation>,
    column_kind: &'static str,
    results: Vec<SarifResult>,
    #[serde(skip_serializing_if = "Map::is_empty")]
    properties: Map<String, Value>,
}

#[derive(Debug, Serialize)]
struct Tool {
    driver: ToolComponent,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ToolComponent {
    name: &'static str,
    version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    semantic_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    information_uri: Option<String>,
    rules: Vec<ReportingDescriptor>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    short_description: Message,
    #[serde(skip_serializing_if = "Option::is_none")]
    full_description: Option<Message>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<Message>,
    default_configuration: ReportingConfiguration,
    properties: Map<String, Value>,
}

#[derive(Debug, Serialize)]
struct ReportingConfiguration {
    level: &'static str,
}

/// A `message` / `multiformatMessageString`: `text` is required in both.
#[derive(Debug, Serialize)]
struct Message {
    text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    markdown: Option<String>,
}

impl Message {
    fn text(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            markdown: None,
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Debug, Serialize)]
struct Notification {
    level: &'static str,
    message: Message,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Message,
    locations: Vec<SarifLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<SarifLocation>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    properties: Map<String, Value>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    physical_location: Option<PhysicalLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Message>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Debug, Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    snippet: Option<Message>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    fully_qualified_name: String,
    kind: &'static str,
}

// ---------------------------------------------------------------------------------------

fn build_log(report: &ScanReport, rules: &[RuleDescriptor], opts: &SarifOptions) -> SarifLog {
    let shown = |a: &Finding| opts.all || a.action > Action::Monitor;

    // One descriptor per known rule, in the order given; rule ids that appear in alerts but
    // were not described (a caller passing a partial list) get a minimal descriptor, sorted,
    // so every result's `ruleIndex` points somewhere.
    let mut descriptors: Vec<ReportingDescriptor> = rules.iter().map(descriptor).collect();
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, r) in rules.iter().enumerate() {
        index.entry(r.id.as_str()).or_insert(i);
    }
    let mut unknown: BTreeMap<&str, &Finding> = BTreeMap::new();
    for alert in report.packages.iter().flat_map(|p| &p.alerts) {
        if shown(alert) && !index.contains_key(alert.rule.as_str()) {
            unknown.entry(alert.rule.as_str()).or_insert(alert);
        }
    }
    for (id, alert) in unknown {
        index.insert(id, descriptors.len());
        descriptors.push(undescribed(alert));
    }

    let mut results = Vec::new();
    for pkg in &report.packages {
        for alert in pkg.alerts.iter().filter(|a| shown(a)) {
            results.push(result(pkg, alert, index.get(alert.rule.as_str()).copied()));
        }
    }

    let mut notifications: Vec<Notification> = report
        .errors
        .iter()
        .map(|e| Notification {
            level: "error",
            message: Message::text(format!("cannot scan {}: {}", e.target, e.error)),
        })
        .collect();
    let mut properties = Map::new();
    if let Some(project) = &report.project {
        notifications.extend(project.notes.iter().map(|n| Notification {
            level: "note",
            message: Message::text(n.clone()),
        }));
        properties.insert("project".into(), to_value(project));
    }

    SarifLog {
        schema: SARIF_SCHEMA_URI,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: ToolComponent {
                    name: "ferret",
                    version: report.ferret_version.clone(),
                    semantic_version: is_semver(&report.ferret_version)
                        .then(|| report.ferret_version.clone()),
                    information_uri: opts.information_uri.clone().filter(|u| !u.is_empty()),
                    rules: descriptors,
                },
            },
            invocations: vec![Invocation {
                execution_successful: report.errors.is_empty(),
                tool_execution_notifications: notifications,
            }],
            column_kind: "unicodeCodePoints",
            results,
            properties,
        }],
    }
}

fn descriptor(rule: &RuleDescriptor) -> ReportingDescriptor {
    let docs = rule.docs_markdown.trim_end().to_string();
    let summary = if rule.summary.is_empty() {
        rule.id.clone()
    } else {
        rule.summary.clone()
    };
    let mut properties = rule_properties(rule.category, rule.severity);
    properties.insert(
        "defaultAction".into(),
        Value::from(rule.default_action.as_str()),
    );
    ReportingDescriptor {
        id: rule.id.clone(),
        name: (!rule.name.is_empty()).then(|| rule.name.clone()),
        short_description: Message::text(summary.clone()),
        full_description: (!docs.is_empty()).then(|| Message {
            text: docs.clone(),
            markdown: Some(docs.clone()),
        }),
        help: Some(Message {
            text: format!("{summary}. Run `ferret explain {}` for details.", rule.id),
            markdown: (!docs.is_empty()).then_some(docs),
        }),
        default_configuration: ReportingConfiguration {
            level: level(rule.default_action),
        },
        properties,
    }
}

/// A descriptor for a rule id the caller did not describe, from what the alert says.
fn undescribed(alert: &Finding) -> ReportingDescriptor {
    ReportingDescriptor {
        id: alert.rule.clone(),
        name: None,
        short_description: Message::text(alert.rule.clone()),
        full_description: None,
        help: None,
        default_configuration: ReportingConfiguration {
            level: level(alert.action),
        },
        properties: rule_properties(alert.category, alert.severity),
    }
}

/// `category`, `severity`, `tags` and GitHub's numeric `security-severity` (its bands:
/// ≥ 9.0 critical, 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low).
fn rule_properties(category: Category, severity: Severity) -> Map<String, Value> {
    let mut p = Map::new();
    p.insert("category".into(), Value::from(category.as_str()));
    p.insert("severity".into(), Value::from(severity.as_str()));
    let security_severity = match severity {
        Severity::Critical => Some("9.5"),
        Severity::High => Some("8.0"),
        Severity::Medium => Some("5.5"),
        Severity::Low => Some("3.0"),
        Severity::Info => None,
    };
    if let Some(s) = security_severity {
        p.insert("security-severity".into(), Value::from(s));
    }
    p.insert(
        "tags".into(),
        Value::from(vec!["security", "supply-chain", category.as_str()]),
    );
    p
}

/// block → error, warn → warning, anything weaker → note.
fn level(action: Action) -> &'static str {
    match action {
        Action::Block => "error",
        Action::Warn => "warning",
        Action::Monitor | Action::Info => "note",
        Action::Ignore => "none",
    }
}

fn result(pkg: &PackageReport, alert: &Finding, rule_index: Option<usize>) -> SarifResult {
    let info = &pkg.package;
    let package_id = format!("{}:{}@{}", info.ecosystem, info.name, info.version);
    let project = pkg.project.as_ref();
    let logical = || {
        vec![LogicalLocation {
            fully_qualified_name: package_id.clone(),
            kind: "package",
        }]
    };

    let file_location = alert.location.as_ref().map(|l| SarifLocation {
        id: None,
        physical_location: Some(physical(
            pkg,
            l,
            alert.code.as_ref().map(|c| c.text.as_str()),
        )),
        logical_locations: Vec::new(),
        message: alert.label.as_ref().map(|s| Message::text(s.clone())),
    });
    let mut related: Vec<SarifLocation> = Vec::new();
    let mut locations = Vec::new();
    if let Some(lock) = project.and_then(|p| p.lockfile.as_ref()) {
        locations.push(SarifLocation {
            id: None,
            physical_location: Some(PhysicalLocation {
                artifact_location: ArtifactLocation {
                    uri: encode_uri_path(&lock.path),
                },
                region: (lock.line >= 1).then_some(Region {
                    start_line: lock.line,
                    start_column: None,
                    snippet: None,
                }),
            }),
            logical_locations: logical(),
            message: Some(Message::text(format!("{package_id} is locked here"))),
        });
        related.extend(file_location);
    } else if let Some(mut loc) = file_location {
        loc.logical_locations = logical();
        locations.push(loc);
    } else {
        locations.push(SarifLocation {
            id: None,
            physical_location: None,
            logical_locations: logical(),
            message: None,
        });
    }
    related.extend(alert.related.iter().map(|r| related_location(pkg, r)));
    for (i, loc) in related.iter_mut().enumerate() {
        loc.id = Some(i + 1);
    }

    let mut fingerprints = BTreeMap::new();
    fingerprints.insert(FINGERPRINT_NAME, fingerprint(&package_id, alert));

    let mut properties = Map::new();
    properties.insert("package".into(), Value::from(package_id.clone()));
    properties.insert("action".into(), Value::from(alert.action.as_str()));
    properties.insert("severity".into(), Value::from(alert.severity.as_str()));
    properties.insert("category".into(), Value::from(alert.category.as_str()));
    properties.insert("installTime".into(), Value::from(alert.install_time));
    if !alert.evidence.is_empty() {
        properties.insert("evidence".into(), to_value(&alert.evidence));
    }
    if let Some(p) = project {
        if !p.paths.is_empty() {
            properties.insert("dependencyPaths".into(), to_value(&dependency_paths(p)));
        }
        properties.insert("direct".into(), Value::from(p.direct));
        properties.insert("origin".into(), Value::from(p.origin.clone()));
    }

    SarifResult {
        rule_id: alert.rule.clone(),
        rule_index,
        level: level(alert.action),
        message: Message::text(format!("{}: {}", package_label(pkg), alert.message)),
        locations,
        related_locations: related,
        partial_fingerprints: fingerprints,
        properties,
    }
}

fn related_location(pkg: &PackageReport, r: &Related) -> SarifLocation {
    SarifLocation {
        id: None,
        physical_location: Some(physical(
            pkg,
            &r.location,
            r.code.as_ref().map(|c| c.text.as_str()),
        )),
        logical_locations: Vec::new(),
        message: Some(Message::text(r.label.clone())),
    }
}

fn physical(pkg: &PackageReport, l: &Location, snippet: Option<&str>) -> PhysicalLocation {
    PhysicalLocation {
        artifact_location: ArtifactLocation {
            uri: package_file_uri(pkg, &l.path),
        },
        // SARIF lines and columns are 1-based; a location without a line (0) has no region.
        region: (l.line >= 1).then(|| Region {
            start_line: l.line,
            start_column: (l.column >= 1).then_some(l.column),
            snippet: snippet.map(Message::text),
        }),
    }
}

/// `node_modules/<name>/<path>` for installed packages of a project, else
/// `<name>@<version>/<path>`; percent-encoded as a relative URI reference.
fn package_file_uri(pkg: &PackageReport, path: &str) -> String {
    let info = &pkg.package;
    let installed = pkg
        .project
        .as_ref()
        .is_some_and(|p| p.origin == "node_modules");
    let root = if installed {
        format!("node_modules/{}", info.name)
    } else {
        format!("{}@{}", info.name, info.version)
    };
    encode_uri_path(&format!("{root}/{path}"))
}

/// Percent-encodes everything but RFC 3986 `pchar`s and `/`, and neutralises `.`/`..`
/// segments and a leading `/`, so a hostile package name or path stays one relative
/// reference below its package (it can neither climb out nor become a scheme or authority).
fn encode_uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for (i, segment) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        if segment == "." || segment == ".." {
            out.push_str(&segment.replace('.', "%2E"));
            continue;
        }
        for b in segment.bytes() {
            let keep = b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'-' | b'.'
                        | b'_'
                        | b'~'
                        | b'!'
                        | b'$'
                        | b'&'
                        | b'\''
                        | b'('
                        | b')'
                        | b'*'
                        | b'+'
                        | b','
                        | b';'
                        | b'='
                        | b'@'
                );
            if keep {
                out.push(char::from(b));
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    // `:` is encoded above, so the first segment can never read as a scheme; an empty first
    // segment (leading `/`) would make the reference absolute.
    if out.starts_with('/') {
        out.replace_range(0..1, "%2F");
    }
    out
}

fn package_label(pkg: &PackageReport) -> String {
    format!("{}@{}", pkg.package.name, pkg.package.version)
}

fn dependency_paths(p: &ProjectPackage) -> Vec<String> {
    p.paths.iter().map(|path| path.join(" > ")).collect()
}

/// A stable hash of rule, package, file, line and column: FNV-1a 64, written out here
/// because `std`'s hasher may change between Rust releases and fingerprints must not.
fn fingerprint(package_id: &str, alert: &Finding) -> String {
    let (path, line, column) = alert
        .location
        .as_ref()
        .map_or(("", 0, 0), |l| (l.path.as_str(), l.line, l.column));
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let input = format!("{}\0{package_id}\0{path}\0{line}\0{column}", alert.rule);
    for b in input.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// `MAJOR.MINOR.PATCH` with an optional pre-release or build suffix, which the schema's
/// `semanticVersion` expects; anything else is left out rather than mislabelled.
fn is_semver(v: &str) -> bool {
    let core = v.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

fn to_value<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests unwrap on fixed inputs")]
mod tests {
    use super::*;
    use crate::test_support::{sample_project_report, sample_report, sample_rules};

    fn sarif(report: &ScanReport, all: bool) -> Value {
        let opts = SarifOptions {
            all,
            information_uri: Some("https://ferret.example/".into()),
        };
        serde_json::from_str(&render_sarif(report, &sample_rules(), &opts)).unwrap()
    }

    #[test]
    fn sarif_snapshot_single_packages() {
        insta::assert_snapshot!(render_sarif(
            &sample_report(),
            &sample_rules(),
            &SarifOptions::default()
        ));
    }

    #[test]
    fn sarif_snapshot_project() {
        insta::assert_snapshot!(render_sarif(
            &sample_project_report(),
            &sample_rules(),
            &SarifOptions {
                all: false,
                information_uri: Some("https://ferret.example/".into()),
            }
        ));
    }

    #[test]
    fn sarif_is_deterministic() {
        let a = render_sarif(
            &sample_project_report(),
            &sample_rules(),
            &SarifOptions::default(),
        );
        let b = render_sarif(
            &sample_project_report(),
            &sample_rules(),
            &SarifOptions::default(),
        );
        assert_eq!(a, b);
    }

    #[test]
    fn levels_follow_actions_and_info_is_opt_in() {
        let doc = sarif(&sample_report(), false);
        let levels: Vec<&str> = doc["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["level"].as_str().unwrap())
            .collect();
        assert_eq!(levels, ["error", "warning"]);
        let doc = sarif(&sample_report(), true);
        let levels: Vec<&str> = doc["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["level"].as_str().unwrap())
            .collect();
        assert_eq!(levels, ["error", "warning", "note", "note"]);
    }

    #[test]
    fn rule_descriptors_carry_docs_and_default_level() {
        let doc = sarif(&sample_report(), false);
        let rules = doc["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap();
        let malware = rules.iter().find(|r| r["id"] == "malware").unwrap();
        assert_eq!(malware["defaultConfiguration"]["level"], "error");
        assert_eq!(malware["properties"]["category"], "malicious");
        assert!(
            malware["fullDescription"]["text"]
                .as_str()
                .unwrap()
                .contains("## What it does")
        );
        let shell = rules.iter().find(|r| r["id"] == "shell-access").unwrap();
        assert_eq!(shell["defaultConfiguration"]["level"], "note");
        // Every result points at its own rule.
        for r in doc["runs"][0]["results"].as_array().unwrap() {
            let i = usize::try_from(r["ruleIndex"].as_u64().unwrap()).unwrap();
            assert_eq!(rules[i]["id"], r["ruleId"]);
        }
    }

    #[test]
    fn undescribed_rule_gets_a_minimal_descriptor() {
        let out = render_sarif(&sample_report(), &[], &SarifOptions::default());
        let doc: Value = serde_json::from_str(&out).unwrap();
        let ids: Vec<&str> = doc["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["malware", "suspicious-endpoint"]);
    }

    #[test]
    fn lockfile_line_is_primary_and_package_file_related() {
        let doc = sarif(&sample_project_report(), false);
        let result = &doc["runs"][0]["results"][0];
        let primary = &result["locations"][0]["physicalLocation"];
        assert_eq!(primary["artifactLocation"]["uri"], "package-lock.json");
        assert_eq!(primary["region"]["startLine"], 120);
        let related = &result["relatedLocations"][0]["physicalLocation"];
        assert_eq!(
            related["artifactLocation"]["uri"],
            "node_modules/evil-pkg/install.js"
        );
        assert_eq!(related["region"]["startLine"], 3);
        assert_eq!(result["relatedLocations"][0]["id"], 1);
        assert_eq!(
            result["properties"]["dependencyPaths"][0],
            "my-app > jest > evil-pkg@1.0.3"
        );
        assert!(
            result["partialFingerprints"]["ferret/v1"]
                .as_str()
                .is_some_and(|f| f.len() == 16)
        );
    }

    #[test]
    fn without_project_the_package_file_is_primary() {
        let doc = sarif(&sample_report(), false);
        let loc = &doc["runs"][0]["results"][1]["locations"][0];
        assert_eq!(
            loc["physicalLocation"]["artifactLocation"]["uri"],
            "evil-pkg@1.0.3/lib/%C3%A9.js"
        );
        assert_eq!(loc["physicalLocation"]["region"]["startColumn"], 7);
        assert_eq!(
            loc["logicalLocations"][0]["fullyQualifiedName"],
            "npm:evil-pkg@1.0.3"
        );
    }

    #[test]
    fn fingerprints_differ_by_rule_and_line_and_are_stable() {
        let report = sample_report();
        let pkg = &report.packages[0];
        let a = fingerprint("npm:evil-pkg@1.0.3", &pkg.alerts[0]);
        let b = fingerprint("npm:evil-pkg@1.0.3", &pkg.alerts[1]);
        assert_ne!(a, b);
        // Pinned: a change here silently re-opens every alert in code scanning.
        assert_eq!(a, fingerprint("npm:evil-pkg@1.0.3", &pkg.alerts[0]));
        assert_eq!(fingerprint_of("x", "p", 1), "c583ec0192135560");
    }

    fn fingerprint_of(rule: &str, path: &str, line: u32) -> String {
        let mut f = sample_report().packages[0].alerts[0].clone();
        f.rule = rule.into();
        f.location = Some(Location {
            path: path.into(),
            line,
            column: 1,
            span: ferret_core::Span::default(),
        });
        fingerprint("npm:a@1.0.0", &f)
    }

    #[test]
    fn hostile_paths_stay_relative_and_below_the_package() {
        assert_eq!(encode_uri_path("a b/#x?y"), "a%20b/%23x%3Fy");
        assert_eq!(
            encode_uri_path("x@1/../../.github"),
            "x@1/%2E%2E/%2E%2E/.github"
        );
        assert_eq!(encode_uri_path("/etc/passwd"), "%2Fetc/passwd");
        assert_eq!(encode_uri_path("http://evil"), "http%3A//evil");
        assert_eq!(encode_uri_path("//host/x"), "%2F/host/x");
    }

    /// The official SARIF 2.1.0 schema (origin in `tests/data/README.md`).
    fn schema_validator() -> jsonschema::Validator {
        let mut schema: Value =
            serde_json::from_str(include_str!("../tests/data/sarif-schema-2.1.0.json")).unwrap();
        // rtm.5's one known defect: a stray `]` in the `language` patterns (of `run` and
        // `toolComponent`), which the validator's meta-schema check rejects as a regex.
        // Errata 01 fixed it to the pattern below; ferret writes neither property.
        let fixed = fix_pattern(
            &mut schema,
            "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$",
            "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$",
        );
        assert_eq!(fixed, 2);
        jsonschema::draft4::new(&schema).unwrap()
    }

    fn fix_pattern(v: &mut Value, bad: &str, good: &str) -> usize {
        match v {
            Value::Object(map) => {
                let mut n = 0;
                for (k, child) in map.iter_mut() {
                    if k == "pattern" && child == bad {
                        *child = good.into();
                        n += 1;
                    } else {
                        n += fix_pattern(child, bad, good);
                    }
                }
                n
            }
            Value::Array(items) => items.iter_mut().map(|i| fix_pattern(i, bad, good)).sum(),
            _ => 0,
        }
    }

    fn schema_errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
        v.iter_errors(doc)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect()
    }

    #[test]
    fn output_validates_against_the_official_schema() {
        let v = schema_validator();
        let error_report = {
            let mut r = sample_project_report();
            r.errors = sample_report().errors;
            r
        };
        for report in [sample_report(), sample_project_report(), error_report] {
            for all in [false, true] {
                for rules in [sample_rules(), Vec::new()] {
                    let opts = SarifOptions {
                        all,
                        information_uri: Some("https://ferret.example/".into()),
                    };
                    let doc: Value =
                        serde_json::from_str(&render_sarif(&report, &rules, &opts)).unwrap();
                    let errors = schema_errors(&v, &doc);
                    assert!(errors.is_empty(), "{errors:#?}");
                }
            }
        }
    }

    /// The validation above can fail: documents that break the schema are rejected.
    #[test]
    fn schema_rejects_invalid_documents() {
        let v = schema_validator();
        let good: Value = serde_json::from_str(&render_sarif(
            &sample_project_report(),
            &sample_rules(),
            &SarifOptions::default(),
        ))
        .unwrap();
        assert!(schema_errors(&v, &good).is_empty());

        let mut bad_level = good.clone();
        bad_level["runs"][0]["results"][0]["level"] = "fatal".into();
        let mut no_message = good.clone();
        bad_level["runs"][0]["results"][0]
            .as_object_mut()
            .unwrap()
            .remove("message");
        no_message["runs"][0]["results"][0]
            .as_object_mut()
            .unwrap()
            .remove("message");
        let mut line_zero = good.clone();
        line_zero["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
            0.into();
        let mut unknown_key = good.clone();
        unknown_key["runs"][0]["tool"]["driver"]["colour"] = "red".into();
        let mut bad_version = good;
        bad_version["version"] = "2.0.0".into();
        for bad in [bad_level, no_message, line_zero, unknown_key, bad_version] {
            assert!(!schema_errors(&v, &bad).is_empty(), "{bad:#}");
        }
    }

    #[test]
    fn semantic_version_only_when_semver() {
        assert!(is_semver("0.1.0"));
        assert!(is_semver("1.2.3-beta.1"));
        assert!(!is_semver("0.1"));
        assert!(!is_semver("dev"));
    }
}
