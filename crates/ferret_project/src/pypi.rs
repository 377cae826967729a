//! Scanning the Python side of a project: every package its requirements files, Python
//! lockfiles (poetry.lock, uv.lock, Pipfile.lock, pylock.toml) or, without a lock, its
//! pyproject.toml name, each fetched from the package index and analysed as a PyPI package.
//!
//! The flow mirrors the npm scan: [`plan_python`] turns the detected files
//! (`ferret_lockfile::detect_python`) into [`PyItem`]s (normalised name, pinned version or
//! specifier, the file hashes the lock allows, dependency paths, file and line); URL, VCS and
//! path specs become `http-dependency` / `git-dependency` / `file-dependency` findings and are
//! never fetched. [`scan_python_project`] looks each item up in the analysis cache, then runs
//! the misses through `jobs` fetch workers (index listing, resolution, download) feeding one
//! analysis worker per core through a bounded channel.
//!
//! - Pinned versions (`==X`, every lock) are scanned as pinned. When the lock gives hashes,
//!   only a file whose sha256 the lock allows is chosen, and the downloaded bytes are checked
//!   against the lock as well as the index: a mismatch is an error, never a scan of other
//!   bytes.
//! - Unpinned requirements (and pyproject.toml without a lock) are resolved like pip: the
//!   highest non-yanked version on the index that satisfies the specifier, pre-releases only
//!   when the specifier names one or nothing else matches. The report says the result
//!   depends on when the scan ran.
//! - Requirements files and pyproject.toml are flat (`project > pkg`): the packages they do
//!   not list are not resolved. poetry.lock and uv.lock record the graph, so their paths go
//!   through it.
//! - The file analysed is the one pip would prefer for a pure-Python install: a
//!   `py3-none-any` wheel, else the sdist, else another wheel (`ferret_registry::choose_files`).
//!
//! Cache keys (analysis table): `pypi|lock|…` (name, version and the lock's hash set: no
//! network needed to hit), `pypi|rel|index|name==version` for pins without hashes, and
//! `pypi|file|sha256:…` for the downloaded file; all end with the analyser version.

use crate::plan::ItemSource;
use crate::{MAX_PATHS, Options, Progress, ProjectError};
use ferret_cache::{Cache, Table};
use ferret_core::{
    Action, Category, Ecosystem, Evidence, Finding, LockfileRef, PackageInfo, PackageReport,
    ProjectInfo, ProjectPackage, SCHEMA_VERSION, ScanError, ScanReport, Severity,
};
use ferret_lockfile::{DepSource, Lockfile, SpecKind};
use ferret_registry::{FileChoice, PypiClient, PypiConfig, PypiFile, PypiVersion};
use ferret_source::PackageTree;
use sha2::Digest as _;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, mpsc};

/// One Python package of the project.
#[derive(Debug, Clone)]
pub struct PyItem {
    /// PEP 503 normalised.
    pub name: String,
    /// The exact version (a pin or a lock); `None` when it is resolved at scan time.
    pub version: Option<String>,
    /// The specifier as written (`>=2,<3`, ``, poetry `^1.2`), or the URL/path of a
    /// non-registry spec.
    pub spec: String,
    /// sha256 digests (lowercase hex) the lock allows; empty: no hash check beyond the index's.
    pub hashes: Vec<String>,
    pub source: ItemSource,
    /// `origin` is filled in by the scan; paths end in `name==version` once it is known.
    pub project: ProjectPackage,
}

/// Everything Python to scan, and what the report says about it.
#[derive(Debug, Clone, Default)]
pub struct PyPlan {
    pub root_name: Option<String>,
    /// Files read, relative to the root.
    pub lockfiles: Vec<String>,
    pub items: Vec<PyItem>,
    pub notes: Vec<String>,
    /// A primary index named in a requirements file (`--index-url`): pip installs from it.
    pub index_url: Option<String>,
}

/// Whether `dir` holds Python project files (requirements files, a Python lockfile or
/// pyproject.toml).
pub fn has_python_files(dir: &Path) -> bool {
    !ferret_lockfile::detect_python(dir).is_empty()
}

/// Whether `dir` is a Python project to scan as a whole: it holds a Python lockfile or a
/// requirements file, and is not itself an unpacked distribution (`PKG-INFO`: sdists ship
/// requirements files; `ferret scan ./pkg-1.0` keeps scanning such a folder as one package).
pub fn is_python_project(dir: &Path) -> bool {
    if dir.join("PKG-INFO").is_file() {
        return false;
    }
    ferret_lockfile::detect_python(dir)
        .iter()
        .any(|p| p.file_name().is_some_and(|n| n != "pyproject.toml"))
}

/// Dependency groups installed only for development (as `ferret_lockfile` counts them).
fn is_dev_group(group: Option<&str>) -> bool {
    group.is_some_and(|g| {
        matches!(
            ferret_lockfile::normalize_name(g).as_str(),
            "dev" | "develop" | "test" | "tests" | "testing" | "lint" | "docs" | "doc" | "typing"
        )
    })
}

/// Reads every Python project file of `root` into a plan (no network). A pyproject.toml is
/// attached to a poetry.lock / Pipfile.lock (it names their direct dependencies) and
/// resolved on its own only when the project has no Python lock.
pub fn plan_python(root: &Path) -> Result<PyPlan, ProjectError> {
    let files = ferret_lockfile::detect_python(root);
    let mut plan = PyPlan::default();
    let mut pyproject: Option<Lockfile> = None;
    if let Some(p) = files
        .iter()
        .find(|p| p.file_name().is_some_and(|n| n == "pyproject.toml"))
    {
        let lock = ferret_lockfile::load_python(p)?;
        plan.root_name = lock.root.name.as_ref().map(|n| match &lock.root.version {
            Some(v) => format!("{n}=={v}"),
            None => n.clone(),
        });
        pyproject = Some(lock);
    }
    let root_label = pyproject
        .as_ref()
        .and_then(|p| p.root.name.clone())
        .or_else(|| {
            root.canonicalize()
                .ok()?
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "(root)".to_owned());
    let mut has_lock = false;
    let mut flat = false;
    let mut by_key: BTreeMap<(String, String, Vec<String>), usize> = BTreeMap::new();
    for path in &files {
        let Some(file_name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if file_name == "pyproject.toml" {
            continue;
        }
        let rel = relative(root, path);
        let mut lock = load(root, path)?;
        let is_requirements = lock.format == ferret_lockfile::Format::Requirements;
        if !is_requirements {
            has_lock = true;
            if let Some(py) = &pyproject {
                lock.attach_pyproject(py);
            }
        }
        plan.lockfiles.push(rel.clone());
        note_lock(&mut plan, &lock, &rel);
        if is_requirements {
            flat = true;
            add_flat(&mut plan, &mut by_key, &lock, root, &root_label);
        } else {
            add_graph(&mut plan, &mut by_key, &lock, &rel, &root_label);
        }
    }
    if !has_lock && let Some(py) = &pyproject {
        let before = plan.items.len();
        add_flat(&mut plan, &mut by_key, py, root, &root_label);
        if plan.items.len() > before {
            flat = true;
            plan.lockfiles.push("pyproject.toml".to_owned());
            plan.notes.push(
                "pyproject.toml has no lock (poetry.lock, uv.lock, pylock.toml): its requirements are resolved like pip at scan time".to_owned(),
            );
        }
    }
    if flat && plan.items.iter().any(|i| i.source == ItemSource::Registry) {
        plan.notes.push(
            "requirements files and pyproject.toml are flat: only the packages they list are checked, not the dependencies those pull in".to_owned(),
        );
    }
    plan.items
        .sort_by(|a, b| (&a.name, &a.version, &a.spec).cmp(&(&b.name, &b.version, &b.spec)));
    plan.notes.sort();
    plan.notes.dedup();
    Ok(plan)
}

/// Reads a Python project file. Files in `requirements/` are requirements files whatever
/// their name (`detect_python` lists them; `load_python` dispatches on the name).
fn load(root: &Path, path: &Path) -> Result<Lockfile, ProjectError> {
    if path.parent() != Some(root.join("requirements").as_path()) {
        return Ok(ferret_lockfile::load_python(path)?);
    }
    let read = |p: &Path| -> Option<String> {
        let meta = std::fs::metadata(p).ok()?;
        if meta.len() > ferret_lockfile::MAX_LOCKFILE_BYTES as u64 {
            return None;
        }
        std::fs::read(p)
            .ok()
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    };
    let text = read(path).ok_or_else(|| ProjectError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::other("unreadable or over the lockfile size limit"),
    })?;
    Ok(ferret_lockfile::parse_requirements(
        path,
        &text,
        &mut |p| read(p),
    )?)
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}

/// Indexes and extractor notes worth saying in the report.
fn note_lock(plan: &mut PyPlan, lock: &Lockfile, rel: &str) {
    for n in &lock.notes {
        plan.notes.push(format!("{rel}: {n}"));
    }
    for index in &lock.indexes {
        match index.kind {
            // pip installs from a requirements file's `--index-url`; a redacted one (it held
            // credentials) cannot be used, so it is said instead.
            ferret_lockfile::IndexKind::Primary
                if lock.format == ferret_lockfile::Format::Requirements
                    && plan.index_url.is_none()
                    && !index.url.contains("***@") =>
            {
                plan.index_url = Some(index.url.clone());
            }
            ferret_lockfile::IndexKind::Extra => plan.notes.push(format!(
                "{rel}: extra index `{}`: pip takes the highest version from any index (dependency confusion); packages were fetched from the primary index only",
                index.url
            )),
            _ if !index.is_pypi() => plan.notes.push(format!(
                "{rel}: packages come from `{}` as well; they were fetched from the configured index",
                index.url
            )),
            _ => {}
        }
    }
}

/// sha256 digests of a lock's `sha256:hex` values (other algorithms are not checked).
fn sha256s(hashes: &[String]) -> Vec<String> {
    let mut out: Vec<String> = hashes
        .iter()
        .filter_map(|h| {
            h.strip_prefix("sha256:")
                .or_else(|| h.strip_prefix("sha256="))
        })
        .map(str::to_ascii_lowercase)
        .collect();
    out.sort();
    out.dedup();
    out
}

fn source_of(dep: &DepSource) -> Option<ItemSource> {
    Some(match dep {
        DepSource::Registry => ItemSource::Registry,
        DepSource::Git { url } => ItemSource::Git(url.clone()),
        DepSource::Http { url } => ItemSource::Http(url.clone()),
        DepSource::File { path } => ItemSource::File(path.clone()),
        DepSource::Link { path } => ItemSource::Link(path.clone()),
        DepSource::Workspace { .. } => return None,
    })
}

fn source_of_spec(kind: &SpecKind) -> Option<ItemSource> {
    Some(match kind {
        SpecKind::Registry { .. } | SpecKind::Alias { .. } => ItemSource::Registry,
        // hg+, svn+, bzr+: a version-control checkout, like git.
        SpecKind::Git { url } | SpecKind::Other { spec: url } => ItemSource::Git(url.clone()),
        SpecKind::Http { url } => ItemSource::Http(url.clone()),
        // `-e .` / `.`: the project itself, not a dependency.
        SpecKind::File { path } | SpecKind::Link { path }
            if matches!(path.trim_end_matches('/'), "." | "./" | "") =>
        {
            return None;
        }
        SpecKind::File { path } | SpecKind::Link { path } => ItemSource::File(path.clone()),
        SpecKind::Workspace { .. } => return None,
    })
}

/// The last element of a dependency path.
fn leaf(name: &str, version: Option<&str>, source: &ItemSource, spec: &str) -> String {
    match (source, version) {
        (ItemSource::Registry, Some(v)) => format!("{name}=={v}"),
        (ItemSource::Registry, None) => format!("{name}{spec}"),
        _ => format!("{name} @ {spec}"),
    }
}

/// Adds (or merges into an existing identical item).
fn push(
    plan: &mut PyPlan,
    by_key: &mut BTreeMap<(String, String, Vec<String>), usize>,
    item: PyItem,
) {
    let key = (
        item.name.clone(),
        item.version
            .clone()
            .unwrap_or_else(|| format!("spec:{}", item.spec)),
        item.hashes.clone(),
    );
    if let Some(&i) = by_key.get(&key) {
        let have = &mut plan.items[i].project;
        have.direct |= item.project.direct;
        have.dev &= item.project.dev;
        for p in item.project.paths {
            if !have.paths.contains(&p) {
                have.paths.push(p);
            }
        }
        have.paths.sort_by(|a, b| (a.len(), a).cmp(&(b.len(), b)));
        have.paths.truncate(MAX_PATHS);
        return;
    }
    by_key.insert(key, plan.items.len());
    plan.items.push(item);
}

/// Requirements files and pyproject.toml: every installing requirement is a direct
/// dependency of the root (`project > pkg`).
fn add_flat(
    plan: &mut PyPlan,
    by_key: &mut BTreeMap<(String, String, Vec<String>), usize>,
    lock: &Lockfile,
    root: &Path,
    root_label: &str,
) {
    // A constraint (`-c`) pins a requirement of the same name; it installs nothing itself.
    let constraints: BTreeMap<&str, &ferret_lockfile::Requirement> = lock
        .requirements
        .iter()
        .filter(|r| r.constraint && r.pinned.is_some())
        .map(|r| (r.name.as_str(), r))
        .collect();
    for r in lock.requirements.iter().filter(|r| !r.constraint) {
        if r.name.is_empty() && !r.kind.is_non_registry() {
            continue;
        }
        let Some(source) = source_of_spec(&r.kind) else {
            continue;
        };
        let pin_from = match (&r.pinned, constraints.get(r.name.as_str())) {
            (None, Some(c)) if source == ItemSource::Registry => Some(*c),
            _ => None,
        };
        let version = r
            .pinned
            .clone()
            .or_else(|| pin_from.and_then(|c| c.pinned.clone()));
        let mut hashes = sha256s(&r.hashes);
        if let Some(c) = pin_from {
            hashes.extend(sha256s(&c.hashes));
            hashes.sort();
            hashes.dedup();
        }
        let name = if r.name.is_empty() {
            r.spec.clone()
        } else {
            r.name.clone()
        };
        let spec = match &source {
            ItemSource::Registry => r.spec.clone(),
            ItemSource::Git(u)
            | ItemSource::Http(u)
            | ItemSource::File(u)
            | ItemSource::Link(u) => u.clone(),
        };
        let file = relative(root, Path::new(&r.file));
        let leaf = leaf(&name, version.as_deref(), &source, &spec);
        push(
            plan,
            by_key,
            PyItem {
                name,
                version: if source == ItemSource::Registry {
                    version
                } else {
                    None
                },
                spec,
                hashes: if source == ItemSource::Registry {
                    hashes
                } else {
                    Vec::new()
                },
                source,
                project: ProjectPackage {
                    direct: true,
                    dev: is_dev_group(r.group.as_deref()),
                    paths: vec![vec![root_label.to_owned(), leaf]],
                    lockfile: (r.line > 0).then_some(LockfileRef {
                        path: file,
                        line: r.line,
                    }),
                    origin: String::new(),
                },
            },
        );
    }
}

/// poetry.lock, uv.lock, Pipfile.lock, pylock.toml: every locked package, with the paths
/// through the lock's graph.
fn add_graph(
    plan: &mut PyPlan,
    by_key: &mut BTreeMap<(String, String, Vec<String>), usize>,
    lock: &Lockfile,
    rel: &str,
    root_label: &str,
) {
    let paths = ferret_lockfile::dependency_paths(lock, MAX_PATHS);
    let direct_ids: BTreeSet<&str> = lock
        .root
        .direct
        .iter()
        .filter_map(|d| d.target.as_deref())
        .collect();
    for p in &lock.packages {
        let Some(source) = source_of(&p.source) else {
            continue;
        };
        let registry = source == ItemSource::Registry;
        let spec = match &source {
            ItemSource::Registry => format!("=={}", p.version),
            ItemSource::Git(u)
            | ItemSource::Http(u)
            | ItemSource::File(u)
            | ItemSource::Link(u) => u.clone(),
        };
        let version = registry.then(|| p.version.clone());
        let leaf = leaf(&p.name, version.as_deref(), &source, &spec);
        let mut pkg_paths: Vec<Vec<String>> = paths
            .get(&(p.name.clone(), p.version.clone()))
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|mut path| {
                // The lock names its root `(root)` when it records no name.
                if let Some(first) = path.first_mut()
                    && (first == "(root)" || lock.root.name.is_none())
                {
                    root_label.clone_into(first);
                }
                *path.last_mut()? = leaf.clone();
                Some(path)
            })
            .collect();
        if pkg_paths.is_empty() {
            // Unreachable from the recorded root (a lock without root edges): flat.
            pkg_paths.push(vec![root_label.to_owned(), leaf.clone()]);
        }
        push(
            plan,
            by_key,
            PyItem {
                name: p.name.clone(),
                version,
                spec,
                hashes: if registry {
                    sha256s(&p.hashes)
                } else {
                    Vec::new()
                },
                source,
                project: ProjectPackage {
                    direct: direct_ids.contains(p.id.as_str()) || lock.root.direct.is_empty(),
                    dev: p.dev,
                    paths: pkg_paths,
                    lockfile: (p.line > 0).then(|| LockfileRef {
                        path: rel.to_owned(),
                        line: p.line,
                    }),
                    origin: String::new(),
                },
            },
        );
    }
}

// ---------------------------------------------------------------------------------------
// The scan.

/// Scans the Python side of the project in `opts.root`. `opts.pypi_index_url` (else
/// PIP_INDEX_URL, pip.conf, pypi.org; a requirements file's `--index-url` wins as it does
/// for pip) is the index. Packages that could not be scanned are in `report.errors`.
pub fn scan_python_project(
    opts: &Options,
    cache: Option<&Cache>,
    progress: &dyn Progress,
) -> Result<ScanReport, ProjectError> {
    let plan = plan_python(&opts.root)?;
    let mut notes = Vec::new();
    let needs_index = plan.items.iter().any(|i| i.source == ItemSource::Registry);
    // Discovered even offline: the index is part of the cache key of unhashed pins.
    let config = match needs_index {
        false => None,
        true => {
            match PypiConfig::discover(opts.pypi_index_url.as_deref().or(plan.index_url.as_deref()))
            {
                Ok(c) => Some(c),
                Err(e) => {
                    notes.push(format!("cannot determine the package index: {e}"));
                    None
                }
            }
        }
    };
    let index = config
        .as_ref()
        .map_or_else(String::new, |c| c.index_url.clone());
    let client = config.filter(|_| !opts.offline).map(PypiClient::new);
    Ok(scan_python_plan(
        opts,
        plan,
        client.as_ref(),
        &index,
        cache,
        progress,
        notes,
    ))
}

/// What one item became.
struct Done {
    report: PackageReport,
    origin: &'static str,
    version: String,
    /// Analysis cache keys to store the report under (empty when it came from the cache).
    keys: Vec<String>,
    /// The project's spec notes (resolved unpinned requirements).
    resolved: bool,
}

type Outcome = Result<Done, String>;

/// Scans a Python plan with `client` (`None`: cache only). `index` is the index URL part of
/// release cache keys.
fn scan_python_plan(
    opts: &Options,
    plan: PyPlan,
    client: Option<&PypiClient>,
    index: &str,
    cache: Option<&Cache>,
    progress: &dyn Progress,
    mut notes: Vec<String>,
) -> ScanReport {
    let items = &plan.items;
    progress.start(items.len());
    let mut slots: Vec<Option<Outcome>> = Vec::with_capacity(items.len());
    let mut pending: Vec<usize> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if item.source != ItemSource::Registry {
            slots.push(Some(Ok(Done {
                report: spec_report(item),
                origin: "lockfile",
                version: item.spec.clone(),
                keys: Vec::new(),
                resolved: false,
            })));
            progress.done();
            continue;
        }
        let hit = release_key(item, index, &opts.analyser)
            .and_then(|key| cached(cache, &key))
            .map(|report| Done {
                version: item.version.clone().unwrap_or_default(),
                report,
                origin: "cache",
                keys: Vec::new(),
                resolved: false,
            });
        if let Some(done) = hit {
            slots.push(Some(Ok(done)));
            progress.done();
        } else {
            slots.push(None);
            pending.push(i);
        }
    }
    for (i, outcome) in fetch_and_analyse(opts, items, &pending, client, index, cache, progress) {
        slots[i] = Some(outcome);
    }

    let mut packages = Vec::new();
    let mut errors = Vec::new();
    let mut to_store: Vec<(String, Vec<u8>)> = Vec::new();
    let mut resolved: Vec<String> = Vec::new();
    let mut info = ProjectInfo {
        root: opts.root.display().to_string(),
        name: plan.root_name.clone(),
        lockfiles: plan.lockfiles.clone(),
        ..ProjectInfo::default()
    };
    for (item, slot) in items.iter().zip(slots) {
        match slot {
            Some(Ok(done)) => {
                if let Ok(json) = serde_json::to_vec(&done.report) {
                    for key in &done.keys {
                        to_store.push((key.clone(), json.clone()));
                    }
                }
                if done.resolved {
                    resolved.push(format!(
                        "{}{} → {}",
                        item.name,
                        display_spec(&item.spec),
                        done.version
                    ));
                }
                let mut project = item.project.clone();
                project.origin = done.origin.to_owned();
                if item.version.is_none() && item.source == ItemSource::Registry {
                    let leaf = format!("{}=={}", item.name, done.version);
                    for path in &mut project.paths {
                        if let Some(last) = path.last_mut() {
                            last.clone_from(&leaf);
                        }
                    }
                }
                *info.sources.entry(project.origin.clone()).or_default() += 1;
                if project.direct {
                    info.direct += 1;
                } else {
                    info.transitive += 1;
                }
                let mut report = done.report;
                report.project = Some(project);
                packages.push(report);
            }
            Some(Err(error)) => errors.push(ScanError {
                target: match &item.version {
                    Some(v) => format!("{}=={v}", item.name),
                    None => format!("{}{}", item.name, display_spec(&item.spec)),
                },
                error,
            }),
            None => {}
        }
    }
    if let Some(cache) = cache {
        let entries: Vec<(&str, &[u8])> = to_store
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_slice()))
            .collect();
        if let Err(e) = cache.put_many(Table::Analysis, &entries) {
            notes.push(format!(
                "could not store analysis results in the cache: {e}"
            ));
        }
    }
    if !resolved.is_empty() {
        notes.push(format!(
            "{} Python requirement{} not pinned and resolved against the index at scan time, as pip would (highest compatible version): {}; the result depends on when the scan ran",
            resolved.len(),
            if resolved.len() == 1 { " is" } else { "s are" },
            resolved.join(", ")
        ));
    }
    if !errors.is_empty() {
        notes.push(format!(
            "{} Python packages could not be checked (see errors)",
            errors.len()
        ));
    }
    info.notes = plan.notes;
    info.notes.extend(notes);
    errors.sort_by(|a, b| a.target.cmp(&b.target));
    packages.sort_by(|a, b| {
        (&a.package.name, &a.package.version).cmp(&(&b.package.name, &b.package.version))
    });
    ScanReport {
        schema_version: SCHEMA_VERSION,
        ferret_version: env!("CARGO_PKG_VERSION").to_owned(),
        packages,
        errors,
        project: Some(info),
    }
}

fn display_spec(spec: &str) -> String {
    if spec.is_empty() {
        " (any version)".to_owned()
    } else {
        spec.to_owned()
    }
}

/// The cache key of a release that needs no network to compute: the lock's hash set, or the
/// index and exact version of an unhashed pin. `None` for unpinned requirements.
fn release_key(item: &PyItem, index: &str, analyser: &str) -> Option<String> {
    let version = item.version.as_ref()?;
    if item.hashes.is_empty() {
        Some(format!(
            "pypi|rel|{index}|{}=={version}|{analyser}",
            item.name
        ))
    } else {
        let digest = sha2::Sha256::digest(item.hashes.join(",").as_bytes());
        Some(format!(
            "pypi|lock|{}=={version}|{}|{analyser}",
            item.name,
            hex::encode(&digest[..16])
        ))
    }
}

fn file_key(sha256: &str, analyser: &str) -> String {
    format!("pypi|file|sha256:{sha256}|{analyser}")
}

fn cached(cache: Option<&Cache>, key: &str) -> Option<PackageReport> {
    let bytes = cache?.get(Table::Analysis, key)?;
    serde_json::from_slice(&bytes).ok()
}

/// What a fetch worker hands on.
enum Msg {
    Tree {
        index: usize,
        version: String,
        file: PypiFile,
        sha256: String,
        keys: Vec<String>,
        tree: PackageTree,
        resolved: bool,
    },
    Ready(usize, Outcome),
}

type Listing = Arc<OnceLock<Result<Vec<PypiFile>, String>>>;

fn fetch_and_analyse(
    opts: &Options,
    items: &[PyItem],
    pending: &[usize],
    client: Option<&PypiClient>,
    index: &str,
    cache: Option<&Cache>,
    progress: &dyn Progress,
) -> Vec<(usize, Outcome)> {
    if pending.is_empty() {
        return Vec::new();
    }
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    let fetchers = opts.jobs.clamp(1, 64).min(pending.len());
    let next = AtomicUsize::new(0);
    let listings: Mutex<BTreeMap<String, Listing>> = Mutex::new(BTreeMap::new());
    // Bounded: at most two opened trees per analysis worker wait in memory.
    let (tx, rx) = mpsc::sync_channel::<Msg>(cores * 2);
    let rx = Mutex::new(rx);
    let out: Mutex<Vec<(usize, Outcome)>> = Mutex::new(Vec::with_capacity(pending.len()));
    std::thread::scope(|s| {
        for _ in 0..fetchers {
            let tx = tx.clone();
            let (next, listings) = (&next, &listings);
            s.spawn(move || {
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&i) = pending.get(n) else { break };
                    let msg =
                        fetch_one(opts, &items[i], i, client, index, cache, listings, progress);
                    if tx.send(msg).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        for _ in 0..cores {
            let (rx, out) = (&rx, &out);
            s.spawn(move || {
                loop {
                    let msg = match rx.lock() {
                        Ok(guard) => guard.recv(),
                        Err(_) => break,
                    };
                    let Ok(msg) = msg else { break };
                    let (i, outcome) = match msg {
                        Msg::Ready(i, outcome) => (i, outcome),
                        Msg::Tree {
                            index,
                            version,
                            file,
                            sha256,
                            keys,
                            tree,
                            resolved,
                        } => {
                            let mut report = ferret_rules::engine::scan(&tree, Ecosystem::PyPI);
                            // The index's identity, verified by hash; disagreeing metadata
                            // inside the file is for rules to report.
                            report.package.name.clone_from(&items[index].name);
                            report.package.version.clone_from(&version);
                            report.package.integrity = Some(format!("sha256:{sha256}"));
                            report.package.source.clone_from(&file.url);
                            (
                                index,
                                Ok(Done {
                                    report,
                                    origin: "registry",
                                    version,
                                    keys,
                                    resolved,
                                }),
                            )
                        }
                    };
                    progress.done();
                    if let Ok(mut out) = out.lock() {
                        out.push((i, outcome));
                    }
                }
            });
        }
    });
    out.into_inner().unwrap_or_default()
}

#[expect(
    clippy::too_many_arguments,
    reason = "the worker's whole context, called once"
)]
fn fetch_one(
    opts: &Options,
    item: &PyItem,
    i: usize,
    client: Option<&PypiClient>,
    index: &str,
    cache: Option<&Cache>,
    listings: &Mutex<BTreeMap<String, Listing>>,
    progress: &dyn Progress,
) -> Msg {
    let fail = |e: String| Msg::Ready(i, Err(e));
    let Some(client) = client else {
        return fail(if opts.offline {
            match &item.version {
                Some(_) => "offline: not in the cache; not checked".to_owned(),
                None => "offline: an unpinned requirement cannot be resolved without the index; not checked".to_owned(),
            }
        } else {
            "no package index available; not checked".to_owned()
        });
    };
    let listing = {
        let Ok(mut map) = listings.lock() else {
            return fail("internal error: listing cache poisoned".to_owned());
        };
        Arc::clone(map.entry(item.name.clone()).or_default())
    };
    let files =
        match listing.get_or_init(|| client.simple_files(&item.name).map_err(|e| e.to_string())) {
            Ok(files) => files,
            Err(e) => return fail(e.clone()),
        };
    let (version, resolved) = match &item.version {
        Some(v) => (v.clone(), false),
        None => match resolve(files, &item.spec) {
            Some(v) => (v, true),
            None => {
                return fail(format!(
                    "no version on the index satisfies `{}`",
                    if item.spec.is_empty() {
                        "*"
                    } else {
                        &item.spec
                    }
                ));
            }
        },
    };
    let mut keys = Vec::new();
    let pinned = PyItem {
        version: Some(version.clone()),
        ..item.clone()
    };
    if let Some(key) = release_key(&pinned, index, &opts.analyser) {
        if resolved && let Some(report) = cached(cache, &key) {
            return Msg::Ready(
                i,
                Ok(Done {
                    report,
                    origin: "cache",
                    version,
                    keys: Vec::new(),
                    resolved,
                }),
            );
        }
        keys.push(key);
    }
    let file = match pick_file(files, &version, &item.hashes) {
        Ok(f) => f,
        Err(e) => return fail(format!("{}=={version}: {e}", item.name)),
    };
    let Some(sha256) = file.sha256.clone().map(|s| s.to_ascii_lowercase()) else {
        return fail(format!(
            "{}: the index gives no sha256 for this file; refusing an unverifiable download",
            file.filename
        ));
    };
    let fkey = file_key(&sha256, &opts.analyser);
    if let Some(report) = cached(cache, &fkey) {
        return Msg::Ready(
            i,
            Ok(Done {
                report,
                origin: "cache",
                version,
                keys,
                resolved,
            }),
        );
    }
    keys.push(fkey);
    let bytes = match client.download(&file) {
        Ok(b) => b,
        Err(e) => return fail(e.to_string()),
    };
    progress.fetched(bytes.len() as u64);
    let actual = hex::encode(sha2::Sha256::digest(&bytes));
    if !item.hashes.is_empty() && !item.hashes.contains(&actual) {
        return fail(format!(
            "hash mismatch: {} is sha256:{actual}, which the lock does not allow (expected one of sha256:{}); refusing to scan it",
            file.filename,
            item.hashes.join(", sha256:")
        ));
    }
    let tree = if file.wheel {
        ferret_source::open_wheel(&bytes, &file.url, &opts.limits)
    } else {
        ferret_source::open_sdist(&bytes, &file.url, &opts.limits)
    };
    match tree {
        Ok(tree) => Msg::Tree {
            index: i,
            version,
            file,
            sha256: actual,
            keys,
            tree,
            resolved,
        },
        Err(e) => fail(e.to_string()),
    }
}

/// The file of `version` to analyse: among those the lock allows (all when it gives no
/// hashes), the pure wheel, else the sdist, else another wheel.
fn pick_file(files: &[PypiFile], version: &str, hashes: &[String]) -> Result<PypiFile, String> {
    let want = PypiVersion::parse(version);
    let of_version: Vec<PypiFile> = files
        .iter()
        .filter(|f| {
            f.version == version || (want.is_some() && PypiVersion::parse(&f.version) == want)
        })
        .cloned()
        .collect();
    if of_version.is_empty() {
        return Err("the index lists no file of this version".to_owned());
    }
    let allowed: Vec<PypiFile> = if hashes.is_empty() {
        of_version
    } else {
        let allowed: Vec<PypiFile> = of_version
            .iter()
            .filter(|f| {
                f.sha256
                    .as_deref()
                    .is_some_and(|h| hashes.contains(&h.to_ascii_lowercase()))
            })
            .cloned()
            .collect();
        if allowed.is_empty() {
            return Err(format!(
                "hash mismatch: none of the {} files the index lists has a hash the lock allows (sha256:{}); refusing to scan other bytes",
                of_version.len(),
                hashes.join(", sha256:")
            ));
        }
        allowed
    };
    ferret_registry::choose_files(&allowed, FileChoice::Default)
        .into_iter()
        .next()
        .ok_or_else(|| "no distribution file to analyse".to_owned())
}

// ---------------------------------------------------------------------------------------
// Resolution: PEP 440 specifiers, as pip applies them to one requirement.

/// The version pip would pick for `spec` among the index's files: the highest non-yanked
/// version satisfying it; pre-releases only when the specifier names one, or when no final
/// release satisfies it (PEP 440).
pub fn resolve(files: &[PypiFile], spec: &str) -> Option<String> {
    let mut versions: BTreeMap<String, PypiVersion> = BTreeMap::new();
    for f in files.iter().filter(|f| f.yanked.is_none()) {
        if let Some(v) = PypiVersion::parse(&f.version) {
            versions.insert(f.version.clone(), v);
        }
    }
    let allow_pre = clauses(spec).any(|(_, v)| is_prerelease(v));
    let matching: Vec<(&String, &PypiVersion)> = versions
        .iter()
        .filter(|(s, _)| satisfies(s, spec))
        .collect();
    let best = |pre: bool| {
        matching
            .iter()
            .filter(|(s, _)| pre || !is_prerelease(s))
            .max_by(|a, b| a.1.cmp(b.1))
            .map(|(s, _)| (*s).clone())
    };
    best(allow_pre).or_else(|| best(true))
}

/// A pre-release or development version (`1.0a1`, `2.0rc1`, `1.0.dev3`); post-releases and
/// local versions are final.
pub fn is_prerelease(version: &str) -> bool {
    let v = version.trim().to_ascii_lowercase();
    let v = v.split('+').next().unwrap_or("");
    let v = v.replace("post", "").replace("rev", "").replace('r', "");
    let v = v.strip_prefix('v').unwrap_or(&v);
    v.chars().any(|c| c.is_ascii_alphabetic())
}

/// The (operator, version) clauses of a specifier set.
fn clauses(spec: &str) -> impl Iterator<Item = (&str, &str)> {
    spec.split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| {
            let op_len = c
                .find(|ch: char| !matches!(ch, '=' | '<' | '>' | '!' | '~' | '^'))
                .unwrap_or(c.len());
            (&c[..op_len], c[op_len..].trim())
        })
}

/// Whether `version` satisfies a PEP 440 specifier set (`>=1,<2`, `~=1.4`, `==1.*`, `!=1.5`,
/// `===x`), or a poetry constraint (`^1.2`, `~1.2`, `1.2.3`, `*`). Empty: any version.
pub fn satisfies(version: &str, spec: &str) -> bool {
    let Some(v) = PypiVersion::parse(version) else {
        return false;
    };
    clauses(spec).all(|(op, target)| clause(version, &v, op, target))
}

fn clause(raw: &str, v: &PypiVersion, op: &str, target: &str) -> bool {
    if target == "*" && (op.is_empty() || op == "==") {
        return true;
    }
    if op == "===" {
        return raw.trim().eq_ignore_ascii_case(target);
    }
    if let Some(prefix) = target.strip_suffix(".*") {
        let eq = prefix_matches(raw, prefix);
        return match op {
            "==" => eq,
            "!=" => !eq,
            _ => false,
        };
    }
    let Some(t) = PypiVersion::parse(target) else {
        return false;
    };
    match op {
        "==" | "" => *v == t,
        "!=" => *v != t,
        // `<V` excludes pre-releases of V itself unless V is one (PEP 440).
        "<" => {
            *v < t && !(is_prerelease(raw) && !is_prerelease(target) && same_release(raw, target))
        }
        "<=" => *v <= t,
        ">" => *v > t,
        ">=" => *v >= t,
        "~=" => {
            let Some((epoch, release)) = release_of(target) else {
                return false;
            };
            if release.len() < 2 {
                return false;
            }
            let prefix = join_release(epoch, &release[..release.len() - 1]);
            *v >= t && prefix_matches(raw, &prefix)
        }
        "^" | "~" => {
            let Some((epoch, release)) = release_of(target) else {
                return false;
            };
            let upper = poetry_upper(op, &release);
            let Some(upper) = PypiVersion::parse(&join_release(epoch, &upper)) else {
                return false;
            };
            *v >= t && *v < upper
        }
        _ => false,
    }
}

/// The exclusive upper bound of poetry's `^X.Y.Z` (the first non-zero part is kept) and
/// `~X.Y.Z` (the minor, or the major when only a major is given).
fn poetry_upper(op: &str, release: &[u64]) -> Vec<u64> {
    let bump = |mut parts: Vec<u64>| {
        if let Some(last) = parts.last_mut() {
            *last += 1;
        }
        parts
    };
    if op == "~" {
        let keep = if release.len() >= 2 { 2 } else { 1 };
        return bump(release[..keep].to_vec());
    }
    let first_nonzero = release
        .iter()
        .position(|&p| p != 0)
        .unwrap_or(release.len().saturating_sub(1));
    bump(release[..=first_nonzero.min(release.len().saturating_sub(1))].to_vec())
}

/// Epoch and release numbers of a version string (`1!2.3.4rc1` → (1, [2, 3, 4])).
fn release_of(s: &str) -> Option<(u64, Vec<u64>)> {
    let s = s.trim().to_ascii_lowercase();
    let s = s.strip_prefix('v').unwrap_or(&s);
    let (epoch, rest) = match s.split_once('!') {
        Some((e, r)) => (e.parse().ok()?, r),
        None => (0, s),
    };
    let mut release = Vec::new();
    for part in rest.split('.') {
        let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
        if digits.is_empty() {
            break;
        }
        release.push(digits.parse().ok()?);
        if digits.len() != part.len() {
            break;
        }
    }
    (!release.is_empty()).then_some((epoch, release))
}

fn join_release(epoch: u64, release: &[u64]) -> String {
    let parts: Vec<String> = release.iter().map(u64::to_string).collect();
    if epoch == 0 {
        parts.join(".")
    } else {
        format!("{epoch}!{}", parts.join("."))
    }
}

fn same_release(a: &str, b: &str) -> bool {
    let (Some((ae, ar)), Some((be, br))) = (release_of(a), release_of(b)) else {
        return false;
    };
    let n = ar.len().max(br.len());
    ae == be && (0..n).all(|i| ar.get(i).unwrap_or(&0) == br.get(i).unwrap_or(&0))
}

/// `==prefix.*`: the version's release, zero-padded, starts with the prefix's.
fn prefix_matches(version: &str, prefix: &str) -> bool {
    let (Some((ve, vr)), Some((pe, pr))) = (release_of(version), release_of(prefix)) else {
        return false;
    };
    ve == pe && (0..pr.len()).all(|i| vr.get(i).copied().unwrap_or(0) == pr[i])
}

// ---------------------------------------------------------------------------------------
// Reports.

/// The report of a requirement whose content is not from the index: one finding with the
/// rule's registered metadata (as for npm), never fetched.
fn spec_report(item: &PyItem) -> PackageReport {
    let (rule, kind) = match &item.source {
        ItemSource::Git(u) if u.to_ascii_lowercase().starts_with("git") || u.contains(".git") => {
            ("git-dependency", "a git repository")
        }
        ItemSource::Git(_) => ("git-dependency", "a version-control repository"),
        ItemSource::Http(_) => ("http-dependency", "an http(s) URL"),
        _ => ("file-dependency", "a local path"),
    };
    let (category, severity, action) = ferret_rules::registry::find_rule(rule).map_or(
        (Category::Metadata, Severity::Medium, Action::Warn),
        |r| {
            let m = r.meta();
            (m.category, m.severity, m.default_action)
        },
    );
    let mut evidence = Evidence::new();
    evidence.insert(
        "spec".to_owned(),
        serde_json::Value::from(item.spec.clone()),
    );
    if let Some(l) = &item.project.lockfile {
        evidence.insert(
            "lockfile".to_owned(),
            serde_json::Value::from(l.path.clone()),
        );
        evidence.insert("line".to_owned(), serde_json::Value::from(l.line));
    }
    PackageReport {
        package: PackageInfo {
            ecosystem: Ecosystem::PyPI,
            name: item.name.clone(),
            version: item.spec.clone(),
            integrity: None,
            source: item.spec.clone(),
            file_count: 0,
            unpacked_size: 0,
        },
        capabilities: Vec::new(),
        alerts: vec![Finding {
            rule: rule.to_owned(),
            category,
            severity,
            action,
            message: format!(
                "`{}` comes from {kind} (`{}`), not the package index; not fetched or analysed",
                item.name, item.spec
            ),
            location: None,
            label: None,
            code: None,
            related: Vec::new(),
            install_time: false,
            evidence,
        }],
        files_failed: Vec::new(),
        project: None,
        not_evaluated: Vec::new(),
    }
}

/// One report for a project with both npm and Python files: packages, errors, lockfiles,
/// counts and notes of both.
pub fn merge_reports(npm: ScanReport, python: ScanReport) -> ScanReport {
    let mut out = npm;
    out.packages.extend(python.packages);
    out.packages.sort_by(|a, b| {
        (
            a.package.ecosystem.as_str(),
            &a.package.name,
            &a.package.version,
        )
            .cmp(&(
                b.package.ecosystem.as_str(),
                &b.package.name,
                &b.package.version,
            ))
    });
    out.errors.extend(python.errors);
    out.errors.sort_by(|a, b| a.target.cmp(&b.target));
    match (&mut out.project, python.project) {
        (Some(info), Some(py)) => {
            if info.name.is_none() {
                info.name = py.name;
            }
            info.lockfiles.extend(py.lockfiles);
            for (k, n) in py.sources {
                *info.sources.entry(k).or_default() += n;
            }
            info.direct += py.direct;
            info.transitive += py.transitive;
            info.notes.extend(py.notes);
        }
        (None, py) => out.project = py,
        (Some(_), None) => {}
    }
    out
}

/// Forwards progress without `start` (the npm scan set the total).
pub(crate) struct Continue<'a>(pub &'a dyn Progress);
impl Progress for Continue<'_> {
    fn fetched(&self, bytes: u64) {
        self.0.fetched(bytes);
    }
    fn done(&self) {
        self.0.done();
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests: a panic is a failure")]
mod tests {
    use super::*;
    use crate::NoProgress;
    use std::path::PathBuf;

    fn testdata(case: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/pypi")
            .join(case)
    }

    fn file(version: &str, name: &str, sha: &str, yanked: bool) -> PypiFile {
        PypiFile {
            filename: name.to_owned(),
            url: format!("https://files.invalid/{name}"),
            sha256: Some(sha.to_owned()),
            version: version.to_owned(),
            wheel: name.ends_with(".whl"),
            yanked: yanked.then(String::new),
        }
    }

    #[test]
    fn specifiers_match_like_pep_440() {
        let yes = [
            ("1.5", ">=1,<2"),
            ("1.5", ""),
            ("1.5.2", "~=1.5"),
            ("1.9", "~=1.5"),
            ("1.5.9", "~=1.5.0"),
            ("2.0", "==2.*"),
            ("2.1.3", "==2.1.*"),
            ("2.0", "!=1.*"),
            ("1.0.post1", ">1.0"),
            ("1.2.3", "^1.2"),
            ("0.2.9", "^0.2.3"),
            ("1.2.9", "~1.2.3"),
            ("3.0", "*"),
            ("1.2.3", "1.2.3"),
            ("1.0+local", "===1.0+local"),
        ];
        for (v, s) in yes {
            assert!(satisfies(v, s), "{v} should satisfy {s:?}");
        }
        let no = [
            ("2.0", ">=1,<2"),
            ("2.0", "~=1.5"),
            ("1.5.10", "~=1.4.0"),
            ("3.0", "==2.*"),
            ("1.5", "!=1.5"),
            ("2.0.0", "^1.2"),
            ("0.3.0", "^0.2.3"),
            ("1.3.0", "~1.2.3"),
            ("not-a-version", ""),
            ("1.0", "~=1"),
        ];
        for (v, s) in no {
            assert!(!satisfies(v, s), "{v} should not satisfy {s:?}");
        }
        assert!(is_prerelease("2.0rc1") && is_prerelease("1.0.dev3") && is_prerelease("1.0a1"));
        assert!(!is_prerelease("1.0.post2") && !is_prerelease("1.0") && !is_prerelease("1.0-1"));
    }

    /// pip's choice: highest satisfying, not yanked, no pre-release unless asked for or the
    /// only match.
    #[test]
    fn resolution_picks_the_highest_compatible_final_release() {
        let files = [
            file("1.0.0", "p-1.0.0.tar.gz", "a", false),
            file("1.9.0", "p-1.9.0.tar.gz", "b", false),
            file("1.10.0", "p-1.10.0-py3-none-any.whl", "c", false),
            file("2.0.0", "p-2.0.0.tar.gz", "d", true),
            file("2.1.0rc1", "p-2.1.0rc1.tar.gz", "e", false),
            file("3.0.0b1", "p-3.0.0b1.tar.gz", "f", false),
        ];
        assert_eq!(resolve(&files, "").as_deref(), Some("1.10.0"));
        assert_eq!(resolve(&files, "<1.10").as_deref(), Some("1.9.0"));
        assert_eq!(resolve(&files, ">=2").as_deref(), Some("3.0.0b1"));
        assert_eq!(
            resolve(&files, ">=2.1.0rc1,<3").as_deref(),
            Some("2.1.0rc1")
        );
        assert_eq!(resolve(&files, ">=4"), None);
    }

    /// The lock's hashes choose the file; when none of the index's files carries one, that is
    /// a hash mismatch, not a scan of something else.
    #[test]
    fn lock_hashes_choose_the_file_or_refuse() {
        let files = [
            file("1.0", "p-1.0.tar.gz", "aa", false),
            file("1.0", "p-1.0-py3-none-any.whl", "bb", false),
            file(
                "1.0",
                "p-1.0-cp312-cp312-manylinux_2_17_x86_64.whl",
                "cc",
                false,
            ),
        ];
        assert_eq!(
            pick_file(&files, "1.0", &[]).unwrap().filename,
            "p-1.0-py3-none-any.whl"
        );
        assert_eq!(
            pick_file(&files, "1.0", &["aa".to_owned()])
                .unwrap()
                .filename,
            "p-1.0.tar.gz"
        );
        let err = pick_file(&files, "1.0", &["00".to_owned()]).unwrap_err();
        assert!(err.contains("hash mismatch"), "{err}");
        assert!(pick_file(&files, "2.0", &[]).is_err());
    }

    /// requirements.txt is flat (`project > pkg`), includes are followed, hashes kept, URL /
    /// VCS / path specs are not registry items, `-e .` is the project itself.
    #[test]
    fn requirements_plan_is_flat_with_hashes_includes_and_specs() {
        let plan = plan_python(&testdata("requirements")).unwrap();
        assert!(
            plan.lockfiles.contains(&"requirements.txt".to_owned()),
            "{:?}",
            plan.lockfiles
        );
        let by_name = |n: &str| plan.items.iter().find(|i| i.name == n).unwrap();
        let six = by_name("six");
        assert_eq!(six.version.as_deref(), Some("1.16.0"));
        assert_eq!(
            six.hashes,
            ["8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254"]
        );
        assert_eq!(six.project.paths, [["webapp", "six==1.16.0"]]);
        let lf = six.project.lockfile.as_ref().unwrap();
        assert_eq!((lf.path.as_str(), lf.line), ("requirements.txt", 3));
        let requests = by_name("requests");
        assert_eq!(requests.version, None);
        assert_eq!(requests.spec, ">=2.31,<3");
        let idna = by_name("idna");
        assert_eq!(idna.version.as_deref(), Some("3.7"));
        assert_eq!(
            idna.project.lockfile.as_ref().unwrap().path,
            "requirements/base.txt"
        );
        assert!(matches!(by_name("gitdep").source, ItemSource::Git(_)));
        assert!(matches!(by_name("tarball").source, ItemSource::Http(_)));
        assert!(
            plan.items
                .iter()
                .any(|i| matches!(&i.source, ItemSource::File(p) if p == "./vendor/localpkg"))
        );
        assert!(
            !plan
                .items
                .iter()
                .any(|i| matches!(&i.source, ItemSource::File(p) if p == "."))
        );
        assert!(
            plan.notes.iter().any(|n| n.contains("flat")),
            "{:?}",
            plan.notes
        );
    }

    /// poetry.lock has the graph: the transitive package's path goes through its parent,
    /// the dev group is dev, and pyproject.toml is not resolved on its own.
    #[test]
    fn poetry_plan_has_paths_through_the_graph() {
        let plan = plan_python(&testdata("poetry")).unwrap();
        assert_eq!(plan.lockfiles, ["poetry.lock"]);
        assert_eq!(plan.root_name.as_deref(), Some("app==1.0.0"));
        let by_name = |n: &str| plan.items.iter().find(|i| i.name == n).unwrap();
        let urllib3 = by_name("urllib3");
        assert!(!urllib3.project.direct);
        assert_eq!(
            urllib3.project.paths,
            [["app", "requests", "urllib3==2.2.1"]]
        );
        assert_eq!(urllib3.hashes.len(), 2);
        let requests = by_name("requests");
        assert!(requests.project.direct && !requests.project.dev);
        assert_eq!(requests.project.paths, [["app", "requests==2.32.3"]]);
        assert!(by_name("pytest").project.dev);
        assert!(plan.items.iter().all(|i| i.version.is_some()));
    }

    /// Offline, no cache: URL/VCS/path specs are findings (never fetched), pinned and
    /// unpinned registry packages are listed as not checked — never a silent pass.
    #[test]
    fn offline_scan_flags_specs_and_lists_the_rest_as_errors() {
        let mut opts = Options::new(&testdata("requirements"), "test");
        opts.offline = true;
        let report = scan_python_project(&opts, None, &NoProgress).unwrap();
        let rules: Vec<(&str, &str)> = report
            .packages
            .iter()
            .map(|p| (p.package.name.as_str(), p.alerts[0].rule.as_str()))
            .collect();
        assert!(rules.contains(&("gitdep", "git-dependency")), "{rules:?}");
        assert!(rules.contains(&("tarball", "http-dependency")), "{rules:?}");
        assert!(rules.iter().any(|r| r.1 == "file-dependency"), "{rules:?}");
        assert!(
            report
                .packages
                .iter()
                .all(|p| p.package.ecosystem == Ecosystem::PyPI)
        );
        let targets: Vec<&str> = report.errors.iter().map(|e| e.target.as_str()).collect();
        assert!(targets.contains(&"six==1.16.0"), "{targets:?}");
        assert!(targets.contains(&"requests>=2.31,<3"), "{targets:?}");
        assert!(report.errors.iter().all(|e| e.error.contains("offline")));
        let info = report.project.unwrap();
        assert_eq!(info.sources.get("lockfile"), Some(&3), "{info:?}");
    }

    /// A cached analysis keyed by the lock's hash set is used without any index.
    #[test]
    fn cached_release_is_served_offline() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path()).unwrap();
        let plan = plan_python(&testdata("poetry")).unwrap();
        let item = plan.items.iter().find(|i| i.name == "urllib3").unwrap();
        let key = release_key(item, "", "test").unwrap();
        let mut report = spec_report(item);
        report.alerts.clear();
        report.package.version = "2.2.1".to_owned();
        cache
            .put(Table::Analysis, &key, &serde_json::to_vec(&report).unwrap())
            .unwrap();
        let mut opts = Options::new(&testdata("poetry"), "test");
        opts.offline = true;
        let report = scan_python_project(&opts, Some(&cache), &NoProgress).unwrap();
        let u = report
            .packages
            .iter()
            .find(|p| p.package.name == "urllib3")
            .unwrap();
        assert_eq!(u.project.as_ref().unwrap().origin, "cache");
        assert_eq!(
            report.errors.len(),
            plan.items.len() - 1,
            "{:?}",
            report.errors
        );
    }

    /// `ferret scan` in a directory with npm and Python files scans both; a Python-only
    /// directory is a project of its own; an unpacked sdist (PKG-INFO) stays one package.
    #[test]
    fn project_scan_dispatches_to_npm_and_python() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(
            root.join("requirements.txt"),
            "vcsdep @ git+https://git.example/u/vcsdep.git@v1\n",
        )
        .unwrap();
        assert!(crate::has_lockfile(root));
        let mut opts = Options::new(root, "test");
        opts.offline = true;
        let py_only = crate::scan_project(&opts, None, None, &NoProgress).unwrap();
        assert_eq!(
            py_only.project.as_ref().unwrap().lockfiles,
            ["requirements.txt"]
        );
        assert_eq!(py_only.packages[0].alerts[0].rule, "git-dependency");

        std::fs::write(
            root.join("package.json"),
            r#"{"name":"app","version":"1.0.0","dependencies":{"g":"github:u/g"}}"#,
        )
        .unwrap();
        std::fs::write(
            root.join("package-lock.json"),
            r#"{"name":"app","version":"1.0.0","lockfileVersion":3,"packages":{"":{"name":"app","version":"1.0.0","dependencies":{"g":"github:u/g"}},"node_modules/g":{"version":"1.0.0","resolved":"git+ssh://git@github.com/u/g.git#0123456789abcdef0123456789abcdef01234567"}}}"#,
        )
        .unwrap();
        let both = crate::scan_project(&opts, None, None, &NoProgress).unwrap();
        let info = both.project.as_ref().unwrap();
        assert_eq!(info.lockfiles, ["package-lock.json", "requirements.txt"]);
        assert_eq!(info.direct, 2, "{info:?}");
        let eco: Vec<(Ecosystem, &str)> = both
            .packages
            .iter()
            .map(|p| (p.package.ecosystem, p.package.name.as_str()))
            .collect();
        assert_eq!(eco, [(Ecosystem::Npm, "g"), (Ecosystem::PyPI, "vcsdep")]);

        let sdist = tempfile::tempdir().unwrap();
        std::fs::write(sdist.path().join("PKG-INFO"), "Name: x\nVersion: 1\n").unwrap();
        std::fs::write(sdist.path().join("requirements.txt"), "six==1.16.0\n").unwrap();
        assert!(!crate::has_lockfile(sdist.path()));
    }

    /// Both ecosystems in one report: counts and lockfiles add up, packages sorted by
    /// ecosystem then name.
    #[test]
    fn merged_report_keeps_both_sides() {
        let mut opts = Options::new(&testdata("requirements"), "test");
        opts.offline = true;
        let py = scan_python_project(&opts, None, &NoProgress).unwrap();
        let npm = ScanReport {
            schema_version: SCHEMA_VERSION,
            ferret_version: String::new(),
            packages: Vec::new(),
            errors: vec![ScanError {
                target: "a@1.0.0".to_owned(),
                error: "x".to_owned(),
            }],
            project: Some(ProjectInfo {
                lockfiles: vec!["package-lock.json".to_owned()],
                direct: 1,
                ..ProjectInfo::default()
            }),
        };
        let py_errors = py.errors.len();
        let py_direct = py.project.as_ref().unwrap().direct;
        let merged = merge_reports(npm, py);
        let info = merged.project.unwrap();
        assert_eq!(info.lockfiles[0], "package-lock.json");
        assert!(info.lockfiles.contains(&"requirements.txt".to_owned()));
        assert_eq!(info.direct, 1 + py_direct);
        assert_eq!(merged.errors.len(), 1 + py_errors);
    }
}
