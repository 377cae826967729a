//! Scanning a whole project: every package its lockfiles (or, without one, its package.json
//! resolved against the registry) name, each analysed from the best source available —
//! `node_modules` on disk, the persistent cache, or the registry — with the dependency paths
//! that pulled it in.
//!
//! The flow: [`plan`] turns lockfiles into [`Item`]s (name, version, integrity, install path,
//! direct/dev, dependency paths, lockfile line); non-registry specs (git, http, file, link)
//! become findings and are never fetched. [`scan_project`] then looks every registry item up
//! in the cache (analysis results keyed by tarball integrity + analyser version, or by a
//! fingerprint of the installed directory), and runs the misses through a pipeline that
//! keeps the CPU busy: installed packages go through `engine::scan_many` (packages and the
//! files of large ones spread over the analysis pool) while `jobs` fetch threads download
//! and verify tarballs into a bounded channel, analysed in batches as they arrive.
//! Workspace members' own dependencies are scanned too, their paths starting at the member
//! (`my-app/packages/web > dep@1.0.0`).
//!
//! Installed packages cannot be verified against the lockfile's tarball integrity (a
//! directory is not a tarball): a package whose installed package.json has the locked name
//! and version is analysed from disk and reported as `unverifiable` in the project notes.

mod metadata;
mod metadata_only;
mod pipeline;
mod plan;
mod platform;
mod pypi;
mod resolve;

pub use metadata::{REVALIDATE_AFTER, is_fresh};
pub use metadata_only::ORIGIN as METADATA_ONLY;
pub use pipeline::{NoProgress, Progress};
pub use plan::{Item, ItemSource, Plan, plan_from_lockfiles};
pub use platform::{Constraints, Platform};
pub use pypi::{
    PyItem, PyPlan, is_python_project, merge_reports, plan_python, scan_python_project,
};

use ferret_cache::Cache;
use ferret_core::{PackageReport, ProjectInfo, SCHEMA_VERSION, ScanReport};
use ferret_registry::NpmClient;
use ferret_source::Limits;
use std::path::{Path, PathBuf};

/// How many registry downloads run at once by default.
pub const DEFAULT_JOBS: usize = 16;

/// Dependency paths kept per package (shortest first).
pub const MAX_PATHS: usize = 3;

#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    #[error("{}: no package.json and no supported lockfile found", dir.display())]
    NotAProject { dir: PathBuf },
    #[error(transparent)]
    Lockfile(#[from] ferret_lockfile::ExtractError),
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{}: package.json has no lockfile and --offline forbids resolving its ranges against the registry",
        dir.display()
    )]
    OfflineWithoutLockfile { dir: PathBuf },
}

/// What a project scan may use.
#[derive(Debug, Clone)]
pub struct Options {
    pub root: PathBuf,
    /// Cache and node_modules only; everything else is listed as not checked.
    pub offline: bool,
    /// Registry downloads in flight.
    pub jobs: usize,
    /// Identifies the analyser (ferret version + rules fingerprint); part of every analysis
    /// cache key, so a new ferret or new rules never reuse old verdicts.
    pub analyser: String,
    pub limits: Limits,
    /// Python packages: the index (`None`: a requirements file's `--index-url`, PIP_INDEX_URL, pip.conf, pypi.org).
    pub pypi_index_url: Option<String>,
    /// `[registry] soak-hours` for `recently-published` (`None`: the rule's 48 h).
    pub soak_hours: Option<u32>,
    /// Download and analyse the content of packages for other platforms too (optional
    /// packages whose `os`/`cpu`/`libc` exclude this machine). Off: they are checked from
    /// their registry version document only, and the report says so.
    pub all_platforms: bool,
    /// The platform packages are matched against (default: this machine).
    pub platform: Platform,
}

impl Options {
    pub fn new(root: &Path, analyser: impl Into<String>) -> Self {
        Self {
            root: root.to_path_buf(),
            offline: false,
            jobs: DEFAULT_JOBS,
            analyser: analyser.into(),
            limits: Limits::default(),
            pypi_index_url: None,
            soak_hours: None,
            all_platforms: false,
            platform: Platform::current(),
        }
    }
}

/// Whether `dir` is a project to scan as a whole: it holds a supported lockfile (npm, or a
/// Python lock / requirements file). (A folder with only package.json is a single package:
/// `ferret scan ./pkg` keeps scanning it as one.)
pub fn has_lockfile(dir: &Path) -> bool {
    has_npm_lockfile(dir) || pypi::is_python_project(dir)
}

fn has_npm_lockfile(dir: &Path) -> bool {
    ferret_lockfile::detect(dir)
        .iter()
        .any(|p| p.file_name().is_some_and(|n| n != "package.json"))
}

/// Scans a project. Packages that could not be scanned are in `report.errors` (each a
/// reason: offline and not cached, fetch failure, integrity mismatch, …): never a silent
/// pass. `client` may be `None` only when offline; offline, a client still names the
/// registry whose cached metadata (packuments) the metadata rules use.
pub fn scan_project(
    opts: &Options,
    client: Option<&NpmClient>,
    cache: Option<&Cache>,
    progress: &dyn Progress,
) -> Result<ScanReport, ProjectError> {
    let python = pypi::has_python_files(&opts.root);
    if python && ferret_lockfile::detect(&opts.root).is_empty() {
        return pypi::scan_python_project(opts, cache, progress);
    }
    let mut plan = if has_npm_lockfile(&opts.root) {
        plan_from_lockfiles(&opts.root)?
    } else if opts.root.join("package.json").is_file() {
        match (client, opts.offline) {
            (Some(client), false) => {
                resolve::plan_from_manifest(&opts.root, client, cache, opts.jobs)?
            }
            _ => {
                return Err(ProjectError::OfflineWithoutLockfile {
                    dir: opts.root.clone(),
                });
            }
        }
    } else {
        return Err(ProjectError::NotAProject {
            dir: opts.root.clone(),
        });
    };
    if let Some(cache) = cache {
        plan.notes.extend(cache.notes().iter().cloned());
    }
    let report = scan_plan(opts, plan, client, cache, progress);
    if python {
        let py = pypi::scan_python_project(opts, cache, &pypi::Continue(progress))?;
        return Ok(merge_reports(report, py));
    }
    Ok(report)
}

/// Scans the packages of a given plan (e.g. only those an install would add or change, a
/// filtered [`plan_from_lockfiles`]); the same pipeline and report as [`scan_project`].
pub fn scan_plan(
    opts: &Options,
    plan: Plan,
    client: Option<&NpmClient>,
    cache: Option<&Cache>,
    progress: &dyn Progress,
) -> ScanReport {
    let keys = client;
    let client = if opts.offline { None } else { client };
    // Registry metadata (packuments) is fetched alongside the analysis pipeline; its rules
    // run per scan on top of the (cached) analysis of each package (metadata.rs). The
    // pipeline asks it first for a package whose platform the lockfile does not record.
    let fetcher = metadata::Fetcher::new(
        &plan.items,
        keys,
        client,
        cache,
        std::time::SystemTime::now(),
    );
    let check = pipeline::PlatformCheck {
        here: &opts.platform,
        meta: &fetcher,
    };
    let mut outcome = std::thread::scope(|s| {
        s.spawn(|| fetcher.fetch_all(opts.jobs));
        pipeline::run(opts, &plan, client, cache, progress, &check)
    });
    let meta = fetcher.into_results();
    let metadata_only = check_from_metadata(opts, &plan, &mut outcome, &meta, cache);
    metadata::apply(
        &opts.root,
        &plan.items,
        &mut outcome.packages,
        &meta,
        cache,
        opts.soak_hours,
    );
    if !metadata_only.is_empty() {
        let all_optional = metadata_only
            .iter()
            .all(|&i| plan.items[i].optional == Some(true));
        outcome.notes.push(format!(
            "{} {}packages for other platforms checked from registry metadata only (not installed here: their os/cpu/libc exclude {}); --all-platforms inspects their content",
            metadata_only.len(),
            if all_optional { "optional " } else { "" },
            opts.platform.label()
        ));
    }
    if !outcome.errors.is_empty() {
        outcome.notes.push(format!(
            "{} packages could not be checked (see errors)",
            outcome.errors.len()
        ));
    }

    let mut info = ProjectInfo {
        root: opts.root.display().to_string(),
        name: plan.root_name.clone(),
        lockfiles: plan.lockfiles.clone(),
        ..ProjectInfo::default()
    };
    for pkg in &outcome.packages {
        if let Some(p) = &pkg.project {
            *info.sources.entry(p.origin.clone()).or_default() += 1;
            if p.direct {
                info.direct += 1;
            } else {
                info.transitive += 1;
            }
        }
    }
    info.notes = plan.notes;
    info.notes.extend(outcome.notes);
    if !metadata_only.is_empty() {
        info.platform = Some(opts.platform.label());
    }
    info.metadata_only = metadata_only
        .iter()
        .map(|&i| format!("{}@{}", plan.items[i].name, plan.items[i].version))
        .collect();
    info.metadata_only.sort();
    ScanReport {
        schema_version: SCHEMA_VERSION,
        ferret_version: env!("CARGO_PKG_VERSION").to_owned(),
        packages: outcome.packages,
        errors: outcome.errors,
        project: Some(info),
    }
}

/// Reports for the items the pipeline left to registry metadata (packages for other
/// platforms), from their version documents; those whose metadata could not be had are
/// errors (not checked). Returns the items checked this way.
fn check_from_metadata(
    opts: &Options,
    plan: &Plan,
    outcome: &mut pipeline::Outcome,
    meta: &metadata::MetaResults,
    cache: Option<&Cache>,
) -> Vec<usize> {
    let here = &opts.platform;
    let mut docs = Vec::new();
    let mut indexes = Vec::new();
    for &i in &outcome.metadata_only {
        let item = &plan.items[i];
        let why = match meta.get(&(item.name.clone(), item.version.clone())) {
            Some(Ok(facts)) => match &facts.version {
                Some(doc) => {
                    docs.push((item, doc));
                    indexes.push(i);
                    continue;
                }
                None => "the registry's metadata does not list this version".to_owned(),
            },
            Some(Err(e)) => e.clone(),
            None => "no registry metadata".to_owned(),
        };
        outcome.errors.push(ferret_core::ScanError {
            target: format!("{}@{}", item.name, item.version),
            error: format!(
                "package for another platform (not for {}): not downloaded, and it cannot be checked from registry metadata ({why}); not checked{}",
                here.label(),
                if opts.offline {
                    ""
                } else {
                    " (--all-platforms downloads it)"
                }
            ),
        });
    }
    // Their analysis is cached by what it read (a warm scan runs no rule over them).
    let keys: Vec<String> = docs
        .iter()
        .map(|(item, doc)| metadata_only::cache_key(item, doc, &opts.analyser))
        .collect();
    let mut reports: Vec<Option<Result<PackageReport, String>>> = match cache {
        Some(c) => {
            let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
            c.get_many(ferret_cache::Table::Analysis, &refs)
                .into_iter()
                .map(|hit| {
                    hit.and_then(|b| serde_json::from_slice::<PackageReport>(&b).ok())
                        .map(Ok)
                })
                .collect()
        }
        None => vec![None; docs.len()],
    };
    let misses: Vec<usize> = (0..docs.len()).filter(|&k| reports[k].is_none()).collect();
    let fresh_docs: Vec<(&Item, &ferret_core::VersionDoc)> =
        misses.iter().map(|&k| docs[k]).collect();
    let mut store: Vec<(&str, Vec<u8>)> = Vec::new();
    for (&k, report) in misses.iter().zip(metadata_only::analyse(&fresh_docs)) {
        if let (Ok(r), Some(_)) = (&report, cache)
            && let Ok(bytes) = serde_json::to_vec(r)
        {
            store.push((keys[k].as_str(), bytes));
        }
        reports[k] = Some(report);
    }
    if let Some(c) = cache
        && !store.is_empty()
    {
        let entries: Vec<(&str, &[u8])> = store.iter().map(|(k, v)| (*k, v.as_slice())).collect();
        // A failed store costs the analysis next time, never correctness.
        let _ = c.put_many(ferret_cache::Table::Analysis, &entries);
    }
    let mut checked = Vec::new();
    for ((i, (item, doc)), report) in indexes.iter().zip(&docs).zip(reports) {
        match report.unwrap_or_else(|| Err("internal error: not analysed".to_owned())) {
            Ok(report) => {
                outcome.packages.push(pipeline::with_project(
                    metadata_only::finish(report, item, doc),
                    item,
                    metadata_only::ORIGIN,
                ));
                checked.push(*i);
            }
            Err(error) => outcome.errors.push(ferret_core::ScanError {
                target: format!("{}@{}", item.name, item.version),
                error,
            }),
        }
    }
    outcome.packages.sort_by(|a, b| {
        (&a.package.name, &a.package.version).cmp(&(&b.package.name, &b.package.version))
    });
    outcome.errors.sort_by(|a, b| a.target.cmp(&b.target));
    checked
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests: a panic is a failure")]
mod tests {
    use super::*;

    /// Offline, no cache: the installed package is analysed from node_modules (and said to
    /// be unverifiable), the git dependency is a finding and never fetched, and the package
    /// that is neither installed nor cached is an error, not a pass.
    #[test]
    fn offline_scan_uses_node_modules_flags_git_and_lists_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(
            root.join("package.json"),
            r#"{"name":"app","version":"1.0.0","dependencies":{"a":"1.0.0","g":"github:u/g","m":"1.0.0"}}"#,
        )
        .unwrap();
        let lock = r#"{
  "name": "app",
  "version": "1.0.0",
  "lockfileVersion": 3,
  "packages": {
    "": {"name": "app", "version": "1.0.0", "dependencies": {"a": "1.0.0", "g": "github:u/g", "m": "1.0.0"}},
    "node_modules/a": {"version": "1.0.0", "resolved": "https://r.invalid/a/-/a-1.0.0.tgz", "integrity": "sha512-AAAA"},
    "node_modules/g": {"version": "1.0.0", "resolved": "git+ssh://git@github.com/u/g.git#0123456789abcdef0123456789abcdef01234567"},
    "node_modules/m": {"version": "1.0.0", "resolved": "https://r.invalid/m/-/m-1.0.0.tgz", "integrity": "sha512-BBBB"}
  }
}"#;
        std::fs::write(root.join("package-lock.json"), lock).unwrap();
        std::fs::create_dir_all(root.join("node_modules/a")).unwrap();
        std::fs::write(
            root.join("node_modules/a/package.json"),
            r#"{"name":"a","version":"1.0.0"}"#,
        )
        .unwrap();
        std::fs::write(
            root.join("node_modules/a/index.js"),
            "module.exports = 1;\n",
        )
        .unwrap();

        let mut opts = Options::new(root, "test");
        opts.offline = true;
        let report = scan_project(&opts, None, None, &NoProgress).unwrap();
        let info = report.project.as_ref().unwrap();
        assert_eq!(info.lockfiles, ["package-lock.json"]);
        assert_eq!(info.sources.get("node_modules"), Some(&1), "{info:?}");
        assert_eq!(info.sources.get("lockfile"), Some(&1), "{info:?}");
        assert!(
            info.notes.iter().any(|n| n.contains("unverifiable")),
            "{info:?}"
        );
        assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
        assert_eq!(report.errors[0].target, "m@1.0.0");
        assert!(report.errors[0].error.contains("offline"));
        let g = report
            .packages
            .iter()
            .find(|p| p.package.name == "g")
            .unwrap();
        assert_eq!(g.alerts[0].rule, "git-dependency");
        let a = report
            .packages
            .iter()
            .find(|p| p.package.name == "a")
            .unwrap();
        let pa = a.project.as_ref().unwrap();
        assert!(pa.direct);
        assert_eq!(pa.origin, "node_modules");
        assert_eq!(pa.paths, [["app", "a@1.0.0"]]);
        assert_eq!(pa.lockfile.as_ref().unwrap().line, 7);
    }
}
