//! `ferret scan pypi:name==version`: fetch the release's distribution files from the index
//! (see `ferret_registry::PypiClient` for where it looks and which files it picks), each
//! verified against the index's sha256, and scan each as a PyPI package with the project's
//! JSON API document as registry metadata (`ferret_registry::pypi_registry_facts`), so the
//! metadata rules (recently-published, yanked, unmaintained, version-anomaly, ...) run as for
//! npm. An index without a JSON API (pypiserver, devpi) gives no metadata: the report lists
//! the metadata rules as not evaluated. `new-publisher` is never evaluated for PyPI: the API
//! does not name the uploading account.

use anyhow::{Context as _, Result};
use ferret_core::{Ecosystem, NotEvaluated, PackageReport};
use ferret_registry::{FileChoice, PYPI_UNKNOWN_PUBLISHER, PypiClient, PypiConfig};
use ferret_rules::ScanInput;
use ferret_source::Limits;
use serde_json::Value;
use std::io::Write as _;
use std::time::SystemTime;

/// Options for PyPI targets, from the command line.
#[derive(Debug, Clone, Default)]
pub struct PypiOptions {
    /// `--index-url`; `None`: PIP_INDEX_URL, pip.conf, then pypi.org.
    pub index_url: Option<String>,
    /// `--pypi-file`.
    pub choice: FileChoice,
}

/// Fetches and scans one release; one report per distribution file chosen.
pub fn scan(
    opts: &PypiOptions,
    name: &str,
    version: Option<&str>,
    limits: &Limits,
) -> Result<Vec<PackageReport>> {
    let what = || format!("cannot fetch pypi:{name}=={}", version.unwrap_or("latest"));
    let config = PypiConfig::discover(opts.index_url.as_deref())
        .map_err(anyhow::Error::from)
        .context("cannot determine the package index")?;
    let client = PypiClient::new(config);
    let release = client
        .fetch(name, version, opts.choice)
        .with_context(what)?;
    let now = SystemTime::now();
    // The project document (every release with its files); the release's own JSON answer
    // is it already when no version was asked for.
    let project: Result<Value, String> = match &release.json {
        Some(doc) if doc.get("releases").is_some_and(Value::is_object) => Ok(doc.clone()),
        _ => client.project_json(&release.name).map_err(|e| match e {
            ferret_registry::RegistryError::NotFound { .. } => {
                "the package index has no JSON API (`/pypi/<name>/json`)".to_owned()
            }
            other => format!("cannot fetch the project's JSON API document: {other}"),
        }),
    };
    // The version document, when the release was fetched through it.
    let version_doc = release
        .json
        .as_ref()
        .filter(|d| d.get("releases").is_none());
    let mut reports = Vec::new();
    for dist in &release.dists {
        if let Some(reason) = &dist.file.yanked {
            let reason = if reason.is_empty() {
                "no reason given"
            } else {
                reason
            };
            let _ = writeln!(
                std::io::stderr().lock(),
                "note: {} is yanked on the index ({reason})",
                dist.file.filename
            );
        }
        let tree = if dist.file.wheel {
            ferret_source::open_wheel(&dist.bytes, &dist.file.url, limits)?
        } else {
            ferret_source::open_sdist(&dist.bytes, &dist.file.url, limits)?
        };
        let input = match &project {
            Ok(doc) => ScanInput::with_registry(ferret_registry::pypi_registry_facts(
                doc,
                version_doc,
                &release.version,
                Some(&dist.file.filename),
                now,
            )),
            Err(reason) => ScanInput::unavailable(reason.clone()),
        };
        let mut report = ferret_rules::scan_with_metadata(&tree, Ecosystem::PyPI, &input);
        if project.is_ok()
            && !report
                .not_evaluated
                .iter()
                .any(|n| n.rule == "new-publisher")
        {
            report.not_evaluated.push(NotEvaluated {
                rule: "new-publisher".to_owned(),
                reason: PYPI_UNKNOWN_PUBLISHER.to_owned(),
            });
            report.not_evaluated.sort();
        }
        // The index's identity, verified by hash; disagreeing metadata inside the file is for
        // rules to report.
        report.package.name.clone_from(&release.name);
        report.package.version.clone_from(&release.version);
        report.package.integrity = dist.file.sha256.as_ref().map(|h| format!("sha256:{h}"));
        report.package.source.clone_from(&dist.file.url);
        reports.push(report);
    }
    Ok(reports)
}
