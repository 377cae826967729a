//! `ferret diff`: what an update newly brings in. Two forms, both thin adapters over
//! `ferret_rules::diff` and the project planner:
//!
//! - `ferret diff OLD NEW`: two versions of one package (registry specs, directories or
//!   tarballs; `npm:chalk@5.6.0..5.6.1` is shorthand for two specs).
//! - `ferret diff --base REV [DIR]`: the lockfiles of DIR at git revision REV (read with `git
//!   show REV:path`, nothing is checked out) against the working tree; every updated package
//!   is diffed, every added one scanned in full, with their dependency paths. Package
//!   contents come from `node_modules` (new side, when it holds the locked version), the
//!   cache (tarballs by integrity) or the registry.
//!
//! Exit codes as for `scan`: 1 when the policy blocks the new side (or a change rule
//! blocks), 2 on error.

use anyhow::{Context as _, Result, anyhow, bail};
use ferret_cache::{Cache, Table};
use ferret_core::{
    ChangeKind, DiffReport, Ecosystem, PackageChange, ProjectDiffReport, RegistryFacts,
    SCHEMA_VERSION, ScanError,
};
use ferret_policy::Policy;
use ferret_project::{Item, ItemSource, Plan};
use ferret_registry::{NpmClient, RegistryConfig};
use ferret_report::{
    SarifOptions, TerminalOptions, project_diff_as_scan, render_diff_json, render_diff_markdown,
    render_diff_terminal, render_project_diff_json, render_project_diff_markdown,
    render_project_diff_terminal, render_sarif,
};
use ferret_rules::diff::{DiffInput, diff_with};
use ferret_source::{Limits, PackageTree};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// OLD and NEW: registry specs (`npm:chalk@5.6.0 npm:chalk@5.6.1`, or one
    /// `npm:chalk@5.6.0..5.6.1`), package directories or tarballs. With --base: the project
    /// directory (default: the current directory).
    #[arg(value_name = "TARGET")]
    pub targets: Vec<String>,

    /// Compare the project's lockfiles at this git revision (e.g. `origin/main`) with the
    /// working tree
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,

    /// Output format
    #[arg(long, value_enum, default_value_t = DiffFormat::Terminal)]
    pub format: DiffFormat,

    /// Policy file (default: the nearest ferret.toml)
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,

    /// Registry URL (default: npm_config_registry, then .npmrc, then registry.npmjs.org)
    #[arg(long, value_name = "URL")]
    pub registry: Option<String>,

    /// Use only node_modules and the cache; list what could not be checked
    #[arg(long)]
    pub offline: bool,

    /// Cache directory (default: FERRET_CACHE_DIR, then ~/.cache/ferret)
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,

    /// Also show info and monitor alerts
    #[arg(long)]
    pub all: bool,

    /// Never use colors
    #[arg(long)]
    pub no_color: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    Terminal,
    Json,
    /// SARIF 2.1.0 of the new side's alerts
    Sarif,
    /// A pull-request comment
    Markdown,
}

pub fn run(args: &DiffArgs) -> Result<ExitCode> {
    let known = super::known_rule_ids();
    super::install_malware_index();
    let cwd = std::env::current_dir().context("cannot determine the current directory")?;
    if let Some(base) = &args.base {
        let root = match args.targets.as_slice() {
            [] => cwd,
            [dir] => PathBuf::from(dir),
            _ => bail!("--base takes at most one project directory"),
        };
        let policy = Policy::find_and_load(args.policy.as_deref(), &root, &known)?;
        let mut report = project_diff(args, &root, base)?;
        for change in &mut report.changes {
            if let Some(r) = change.verdict_report_mut() {
                policy.apply(r);
            }
        }
        report.changes.sort_by(|a, b| {
            b.is_blocked()
                .cmp(&a.is_blocked())
                .then_with(|| a.name.cmp(&b.name))
        });
        let out = match args.format {
            DiffFormat::Json => render_project_diff_json(&report),
            DiffFormat::Markdown => render_project_diff_markdown(&report),
            DiffFormat::Sarif => sarif(&project_diff_as_scan(&report), args.all),
            DiffFormat::Terminal => render_project_diff_terminal(&report, &terminal_options(args)),
        };
        super::print_out(&out)?;
        return Ok(if !report.errors.is_empty() {
            ExitCode::from(2)
        } else if report.is_blocked() {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        });
    }

    let (old, new) = pair(&args.targets)?;
    let policy = Policy::find_and_load(args.policy.as_deref(), &cwd, &known)?;
    let mut fetcher = Fetcher::new(args, &cwd);
    let (old_tree, old_reg) = fetcher.open_target(&old)?;
    let (new_tree, new_reg) = fetcher.open_target(&new)?;
    let mut diff = diff_with(
        &old_tree,
        &new_tree,
        Ecosystem::Npm,
        &DiffInput {
            old_registry: old_reg,
            new_registry: new_reg,
        },
    );
    policy.apply(&mut diff.report);
    let out = render_package_diff(&diff, args);
    super::print_out(&out)?;
    Ok(if diff.is_blocked() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn render_package_diff(diff: &DiffReport, args: &DiffArgs) -> String {
    match args.format {
        DiffFormat::Json => render_diff_json(diff),
        DiffFormat::Markdown => render_diff_markdown(diff),
        DiffFormat::Sarif => sarif(
            &ferret_core::ScanReport {
                schema_version: SCHEMA_VERSION,
                ferret_version: env!("CARGO_PKG_VERSION").to_string(),
                packages: vec![diff.report.clone()],
                errors: Vec::new(),
                project: None,
            },
            args.all,
        ),
        DiffFormat::Terminal => render_diff_terminal(diff, &terminal_options(args)),
    }
}

fn terminal_options(args: &DiffArgs) -> TerminalOptions {
    TerminalOptions {
        color: super::use_color(args.no_color),
        all: args.all,
    }
}

fn sarif(report: &ferret_core::ScanReport, all: bool) -> String {
    render_sarif(
        report,
        &super::rule_descriptors(),
        &SarifOptions {
            all,
            information_uri: Some(env!("CARGO_PKG_HOMEPAGE").to_string()),
        },
    )
}

/// `OLD NEW`, or one `npm:name@a..b`.
fn pair(targets: &[String]) -> Result<(String, String)> {
    match targets {
        [a, b] => Ok((a.clone(), b.clone())),
        [one] => {
            let (left, right) = one
                .split_once("..")
                .filter(|(l, r)| !l.is_empty() && !r.is_empty() && !Path::new(one).exists())
                .ok_or_else(|| anyhow!("give OLD and NEW, or `npm:name@OLD..NEW`"))?;
            let at = left
                .rfind('@')
                .filter(|&i| i > 0 && !left[..i].ends_with(':'))
                .ok_or_else(|| anyhow!("`{one}`: expected `name@OLD..NEW`"))?;
            Ok((left.to_string(), format!("{}@{right}", &left[..at])))
        }
        _ => bail!("give OLD and NEW (or --base REV)"),
    }
}

/// Opens targets and locked packages: local paths, the cache, the registry.
pub(crate) struct Fetcher {
    client: Option<NpmClient>,
    client_error: Option<String>,
    cache: Option<Cache>,
    offline: bool,
    limits: Limits,
}

impl Fetcher {
    fn new(args: &DiffArgs, project: &Path) -> Self {
        Self::with(
            args.offline,
            args.registry.as_deref(),
            args.cache_dir.clone(),
            project,
        )
    }

    pub(crate) fn with(
        offline: bool,
        registry: Option<&str>,
        cache_dir: Option<PathBuf>,
        project: &Path,
    ) -> Self {
        let (client, client_error) = if offline {
            (None, None)
        } else {
            match RegistryConfig::discover(registry, project) {
                Ok(config) => (Some(NpmClient::new(config)), None),
                Err(e) => (None, Some(e.to_string())),
            }
        };
        let cache = cache_dir
            .or_else(super::cache_dir)
            .and_then(|dir| Cache::open(&dir).ok());
        Self {
            client,
            client_error,
            cache,
            offline,
            limits: Limits::default(),
        }
    }

    fn client(&self) -> Result<&NpmClient> {
        self.client.as_ref().ok_or_else(|| {
            anyhow!(match (&self.client_error, self.offline) {
                (_, true) => "offline: not installed and not in the cache".to_string(),
                (Some(e), _) => format!("cannot determine the registry: {e}"),
                (None, false) => "no registry client".to_string(),
            })
        })
    }

    fn open_target(&mut self, arg: &str) -> Result<(PackageTree, Option<RegistryFacts>)> {
        let target = crate::target::Target::classify(arg)?;
        if let crate::target::Target::Local(path) = &target {
            let tree = ferret_source::open_path(path, &self.limits)
                .with_context(|| format!("cannot open {}", path.display()))?;
            return Ok((tree, None));
        }
        if let crate::target::Target::Registry { name, spec } = target {
            let client = self.client()?;
            let fetched = client.fetch(&name, spec.as_deref()).with_context(|| {
                format!(
                    "cannot fetch {name}@{}",
                    spec.as_deref().unwrap_or("latest")
                )
            })?;
            let tree =
                ferret_source::open_tarball(&fetched.tarball, &fetched.tarball_url, &self.limits)?;
            let reg = client.packument(&name).ok().map(|p| {
                ferret_registry::npm_registry_facts(
                    &p,
                    &fetched.version,
                    std::time::SystemTime::now(),
                )
            });
            return Ok((tree, reg));
        }
        bail!("`{arg}`: only npm packages can be diffed")
    }

    /// The content of a locked registry package: node_modules under `root` (when it holds
    /// the locked name and version), the cache by integrity, or the registry.
    fn open_item(&self, item: &Item, root: Option<&Path>) -> Result<PackageTree, String> {
        if item.source != ItemSource::Registry {
            return Err(
                "not a registry package (git, http or file source): not diffed".to_string(),
            );
        }
        if let (Some(root), Some(rel)) = (root, &item.install_path) {
            let dir = root.join(rel);
            if let Ok(text) = std::fs::read(dir.join("package.json")) {
                let doc: serde_json::Value = serde_json::from_slice(&text).unwrap_or_default();
                if doc["name"] == item.name.as_str() && doc["version"] == item.version.as_str() {
                    return ferret_source::open_path(&dir, &self.limits).map_err(|e| e.to_string());
                }
            }
        }
        let label = format!("{}@{}", item.name, item.version);
        if let (Some(cache), Some(sri)) = (&self.cache, &item.integrity)
            && let Some(bytes) = cache.get(Table::Tarball, sri)
            && ferret_registry::verify_integrity(&bytes, &serde_json::json!({ "integrity": sri }))
                .is_ok()
        {
            return ferret_source::open_tarball(&bytes, &label, &self.limits)
                .map_err(|e| e.to_string());
        }
        let client = self.client().map_err(|e| e.to_string())?;
        let url = item
            .resolved
            .clone()
            .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
            .unwrap_or_else(|| {
                let base = item.name.rsplit('/').next().unwrap_or(&item.name);
                format!(
                    "{}{}/-/{base}-{}.tgz",
                    client.config().registry_for(&item.name),
                    item.name,
                    item.version
                )
            });
        let (bytes, sri) = client
            .tarball(&url, item.integrity.as_deref(), &item.name, &item.version)
            .map_err(|e| format!("cannot fetch {label}: {e}"))?;
        if let Some(cache) = &self.cache {
            let _ = cache.put(Table::Tarball, &sri, &bytes);
        }
        ferret_source::open_tarball(&bytes, &url, &self.limits).map_err(|e| e.to_string())
    }

    /// Registry facts of `name` at each version, when online (publishers for the diff).
    fn registry_facts(&self, name: &str, versions: &[&str]) -> Vec<Option<RegistryFacts>> {
        let packument = self.packument(name);
        versions
            .iter()
            .map(|v| {
                packument.as_ref().map(|p| {
                    ferret_registry::npm_registry_facts(p, v, std::time::SystemTime::now())
                })
            })
            .collect()
    }

    /// The full packument, revalidated against the cached copy when there is one (a `304`
    /// instead of megabytes for large packages: typescript's is over 10 MB).
    fn packument(&self, name: &str) -> Option<serde_json::Value> {
        let client = self.client.as_ref()?;
        let Some(cache) = &self.cache else {
            return client.packument(name).ok();
        };
        let key = client.packument_url(name);
        let cached = cache
            .packument(&key)
            .and_then(|c| Some((serde_json::from_slice(&c.body).ok()?, c)));
        let (etag, last_modified) = cached.as_ref().map_or((None, None), |(_, c)| {
            (c.etag.as_deref(), c.last_modified.as_deref())
        });
        match client
            .packument_conditional(name, etag, last_modified)
            .ok()?
        {
            ferret_registry::Packument::NotModified => cached.map(|(doc, _)| doc),
            ferret_registry::Packument::Fresh {
                value,
                body,
                etag,
                last_modified,
            } => {
                let entry = ferret_cache::PackumentEntry {
                    etag,
                    last_modified,
                    body,
                };
                let _ = cache.put_packument(&key, &entry);
                Some(value)
            }
        }
    }
}

/// The project diff between the lockfiles at `base` and in the working tree of `root`.
fn project_diff(args: &DiffArgs, root: &Path, base: &str) -> Result<ProjectDiffReport> {
    let old_dir = base_snapshot(root, base)?;
    let old_plan =
        plan(old_dir.path()).with_context(|| format!("cannot read the lockfiles at {base}"))?;
    let new_plan = plan(root).context("cannot read the working tree's lockfiles")?;
    let fetcher = Fetcher::new(args, root);
    let (changes, errors) = diff_plans(&old_plan, &new_plan, root, &fetcher);
    let mut lockfiles: Vec<String> = old_plan.lockfiles.clone();
    for l in &new_plan.lockfiles {
        if !lockfiles.contains(l) {
            lockfiles.push(l.clone());
        }
    }
    Ok(ProjectDiffReport {
        schema_version: SCHEMA_VERSION,
        ferret_version: env!("CARGO_PKG_VERSION").to_string(),
        root: root.display().to_string(),
        base: base.to_string(),
        lockfiles,
        changes,
        errors,
        notes: new_plan.notes,
    })
}

/// Packages diffed or scanned at once in a project diff: fetching is mostly waiting on the
/// network, and each diff spreads its files over the analysis pool anyway.
const PACKAGE_WORKERS: usize = 4;

/// One added or updated package of a project diff.
struct Job<'a> {
    item: &'a Item,
    /// The version it replaces (an update), or none (an addition).
    predecessor: Option<&'a Item>,
}

/// The package changes from `old_plan` to `new_plan`: each updated package diffed, each
/// added one scanned (the new side's content from `root`'s node_modules when it holds the
/// locked version), removals listed. Packages are fetched and analysed
/// [`PACKAGE_WORKERS`] at a time; the output order is the plans' (by name).
pub(crate) fn diff_plans(
    old_plan: &Plan,
    new_plan: &Plan,
    root: &Path,
    fetcher: &Fetcher,
) -> (Vec<PackageChange>, Vec<ScanError>) {
    let by_name = |p: &Plan| -> BTreeMap<String, Vec<Item>> {
        let mut m: BTreeMap<String, Vec<Item>> = BTreeMap::new();
        for item in &p.items {
            m.entry(item.name.clone()).or_default().push(item.clone());
        }
        m
    };
    let (old_items, new_items) = (by_name(old_plan), by_name(new_plan));
    let names: BTreeSet<&String> = old_items.keys().chain(new_items.keys()).collect();
    // Each slot is a job to run or a removal, in output order.
    let mut slots: Vec<Result<Job<'_>, PackageChange>> = Vec::new();
    for name in names {
        let olds = old_items.get(name).map_or(&[][..], Vec::as_slice);
        let news = new_items.get(name).map_or(&[][..], Vec::as_slice);
        let old_versions: BTreeSet<&str> = olds.iter().map(|i| i.version.as_str()).collect();
        let new_versions: BTreeSet<&str> = news.iter().map(|i| i.version.as_str()).collect();
        let removed: Vec<&Item> = olds
            .iter()
            .filter(|i| !new_versions.contains(i.version.as_str()))
            .collect();
        let added: Vec<&Item> = news
            .iter()
            .filter(|i| !old_versions.contains(i.version.as_str()))
            .collect();
        // An added version with a removed one of the same name is an update of the
        // highest removed version (the usual single-version bump).
        let predecessor = removed.last().copied();
        for item in &added {
            slots.push(Ok(Job { item, predecessor }));
        }
        for old in &removed {
            if added.is_empty() || predecessor.is_some_and(|p| p.version != old.version) {
                let mut c = change_of(old, ChangeKind::Removed);
                c.new_version = None;
                c.old_version = Some(old.version.clone());
                slots.push(Err(c));
            }
        }
    }
    let jobs: Vec<&Job<'_>> = slots.iter().filter_map(|s| s.as_ref().ok()).collect();
    let mut done =
        run_parallel(&jobs, PACKAGE_WORKERS, |job| run_job(job, root, fetcher)).into_iter();
    let mut changes = Vec::with_capacity(slots.len());
    let mut errors = Vec::new();
    for slot in slots {
        let change = match slot {
            Ok(_) => match done.next() {
                Some(c) => c,
                None => continue,
            },
            Err(removal) => removal,
        };
        if let Some(e) = &change.error {
            errors.push(ScanError {
                target: format!(
                    "{}@{}",
                    change.name,
                    change.new_version.as_deref().unwrap_or_default()
                ),
                error: e.clone(),
            });
        }
        changes.push(change);
    }
    (changes, errors)
}

/// `f` over `items` on up to `workers` threads; results in the items' order.
fn run_parallel<T: Sync, R: Send>(
    items: &[T],
    workers: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<std::sync::Mutex<Option<R>>> =
        items.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..workers.clamp(1, items.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let r = f(item);
                    if let Ok(mut slot) = results[i].lock() {
                        *slot = Some(r);
                    }
                }
            });
        }
    });
    results
        .into_iter()
        .filter_map(|m| m.into_inner().ok().flatten())
        .collect()
}

/// Diffs an update against its predecessor, or scans an addition.
fn run_job(job: &Job<'_>, root: &Path, fetcher: &Fetcher) -> PackageChange {
    let item = job.item;
    let mut change = change_of(item, ChangeKind::Added);
    match job.predecessor {
        Some(old) => {
            change.change = ChangeKind::Changed;
            change.old_version = Some(old.version.clone());
            match (
                fetcher.open_item(old, None),
                fetcher.open_item(item, Some(root)),
            ) {
                (Ok(o), Ok(n)) => {
                    let mut reg = fetcher
                        .registry_facts(&item.name, &[&old.version, &item.version])
                        .into_iter();
                    let input = DiffInput {
                        old_registry: reg.next().flatten(),
                        new_registry: reg.next().flatten(),
                    };
                    let mut d = diff_with(&o, &n, Ecosystem::Npm, &input);
                    d.report.project = Some(item.project.clone());
                    change.diff = Some(Box::new(d));
                }
                (Err(e), _) | (_, Err(e)) => change.error = Some(e),
            }
        }
        None => match fetcher.open_item(item, Some(root)) {
            Ok(tree) => {
                let mut r = ferret_rules::engine::scan(&tree, Ecosystem::Npm);
                r.project = Some(item.project.clone());
                if r.package.name.is_empty() {
                    r.package.name.clone_from(&item.name);
                    r.package.version.clone_from(&item.version);
                }
                change.report = Some(Box::new(r));
            }
            Err(e) => change.error = Some(e),
        },
    }
    change
}

fn change_of(item: &Item, kind: ChangeKind) -> PackageChange {
    PackageChange {
        name: item.name.clone(),
        change: kind,
        old_version: None,
        new_version: Some(item.version.clone()),
        direct: item.project.direct,
        dev: item.project.dev,
        paths: item.project.paths.clone(),
        lockfile: item.project.lockfile.clone(),
        diff: None,
        report: None,
        error: None,
    }
}

/// A project plan, or an empty one when the directory has no lockfile (a base revision
/// before the first lockfile).
pub(crate) fn plan(dir: &Path) -> Result<Plan> {
    if !ferret_project::has_lockfile(dir) {
        return Ok(Plan::default());
    }
    ferret_project::plan_from_lockfiles(dir).map_err(|e| anyhow!(e))
}

/// The files a project plan reads: `ferret_lockfile::LOCKFILE_NAMES` and `package.json`
/// (listed here because the CLI does not depend on the extractor crate directly).
pub(crate) const BASE_FILES: [&str; 6] = [
    "npm-shrinkwrap.json",
    "package-lock.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "bun.lock",
    "package.json",
];

/// The project's package.json and lockfiles at `rev`, written into a temporary directory
/// (from git objects: nothing is checked out). Files absent at `rev` are skipped.
fn base_snapshot(root: &Path, rev: &str) -> Result<tempfile_dir::TempDir> {
    let check = std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["rev-parse", "--verify", "--quiet"])
        .arg(format!("{rev}^{{commit}}"))
        .output()
        .context("cannot run git")?;
    if !check.status.success() {
        bail!("`{rev}` is not a commit in {}", root.display());
    }
    let dir = tempfile_dir::TempDir::new()?;
    for name in BASE_FILES {
        let out = std::process::Command::new("git")
            .arg("-C")
            .arg(root)
            .arg("show")
            .arg(format!("{rev}:./{name}"))
            .output()
            .context("cannot run git")?;
        if out.status.success() {
            std::fs::write(dir.path().join(name), &out.stdout)
                .with_context(|| format!("cannot write the base {name}"))?;
        }
    }
    Ok(dir)
}

/// A temporary directory removed on drop (no extra dependency for one use).
mod tempfile_dir {
    use std::path::{Path, PathBuf};

    pub struct TempDir(PathBuf);

    impl TempDir {
        pub fn new() -> std::io::Result<Self> {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            let path = std::env::temp_dir()
                .join(format!("ferret-diff-base-{}-{nanos}", std::process::id()));
            std::fs::create_dir_all(&path)?;
            Ok(Self(path))
        }

        pub fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests unwrap on fixed inputs")]
mod tests {
    use super::*;

    #[test]
    fn range_shorthand_expands_to_two_specs() {
        let (a, b) = pair(&["npm:chalk@5.6.0..5.6.1".to_string()]).unwrap();
        assert_eq!(
            (a.as_str(), b.as_str()),
            ("npm:chalk@5.6.0", "npm:chalk@5.6.1")
        );
        let (a, b) = pair(&["@scope/x@1.0.0..1.0.1".to_string()]).unwrap();
        assert_eq!(
            (a.as_str(), b.as_str()),
            ("@scope/x@1.0.0", "@scope/x@1.0.1")
        );
        assert!(pair(&["chalk".to_string()]).is_err());
        assert!(pair(&[]).is_err());
    }
}
