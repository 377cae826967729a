//! `ferret scan pypi:name==version`: fetch the release's distribution files from the index
//! (see `ferret_registry::PypiClient` for where it looks and which files it picks), each
//! verified against the index's sha256, and scan each as a PyPI package.

use anyhow::{Context as _, Result};
use ferret_core::{Ecosystem, PackageReport};
use ferret_registry::{FileChoice, PypiClient, PypiConfig};
use ferret_source::Limits;
use std::io::Write as _;

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
        let mut report = ferret_rules::engine::scan(&tree, Ecosystem::PyPI);
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
