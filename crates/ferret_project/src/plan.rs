//! From lockfiles to the list of packages to scan: one [`Item`] per distinct locked package
//! (name, version, content), with where it sits in the project.

use crate::{MAX_PATHS, ProjectError};
use ferret_core::{LockfileRef, ProjectPackage};
use ferret_lockfile::{DepSource, Lockfile};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Where an item's content comes from, as the lockfile says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemSource {
    Registry,
    /// Not fetched: reported as `git-dependency` / `http-dependency` / `file-dependency`.
    Git(String),
    Http(String),
    File(String),
    Link(String),
}

/// One package of the project.
#[derive(Debug, Clone)]
pub struct Item {
    pub name: String,
    pub version: String,
    pub integrity: Option<String>,
    pub resolved: Option<String>,
    /// Relative to the project root (`node_modules/a/node_modules/b`).
    pub install_path: Option<String>,
    pub source: ItemSource,
    /// `origin` is filled in by the scan.
    pub project: ProjectPackage,
}

/// Everything to scan, and what the report says about the project.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub root_name: Option<String>,
    pub lockfiles: Vec<String>,
    pub items: Vec<Item>,
    pub notes: Vec<String>,
}

/// Reads package.json (when present) and every supported lockfile in `root`. The same
/// package (name, version, integrity) in several lockfiles or install paths is one item;
/// its facts are merged (direct if direct anywhere, dev only if dev everywhere).
pub fn plan_from_lockfiles(root: &Path) -> Result<Plan, ProjectError> {
    let manifest_path = root.join("package.json");
    let manifest = if manifest_path.is_file() {
        let text = read(&manifest_path)?;
        Some(ferret_lockfile::parse_manifest("package.json", &text)?)
    } else {
        None
    };
    let mut plan = Plan::default();
    let mut by_key: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for path in ferret_lockfile::detect(root) {
        let Some(file_name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if file_name == "package.json" {
            continue;
        }
        let text = read(&path)?;
        let mut lock = ferret_lockfile::parse(Path::new(file_name), &text)?;
        if let Some(m) = &manifest {
            lock.attach_manifest("", m);
        }
        plan.lockfiles.push(file_name.to_owned());
        if plan.root_name.is_none() {
            plan.root_name = root_label(&lock);
        }
        add_lockfile(&mut plan, &mut by_key, &lock, file_name);
    }
    plan.items
        .sort_by(|a, b| (&a.name, &a.version).cmp(&(&b.name, &b.version)));
    Ok(plan)
}

fn root_label(lock: &Lockfile) -> Option<String> {
    let name = lock.root.name.clone()?;
    Some(match &lock.root.version {
        Some(v) => format!("{name}@{v}"),
        None => name,
    })
}

fn add_lockfile(
    plan: &mut Plan,
    by_key: &mut BTreeMap<(String, String, String), usize>,
    lock: &Lockfile,
    file_name: &str,
) {
    let paths = ferret_lockfile::dependency_paths(lock, MAX_PATHS);
    let direct_ids: BTreeSet<&str> = lock
        .root
        .direct
        .iter()
        .filter_map(|d| d.target.as_deref())
        .collect();
    for p in &lock.packages {
        let source = match &p.source {
            DepSource::Registry => ItemSource::Registry,
            DepSource::Git { url } => ItemSource::Git(url.clone()),
            DepSource::Http { url } => ItemSource::Http(url.clone()),
            DepSource::File { path } => ItemSource::File(path.clone()),
            DepSource::Link { path } => ItemSource::Link(path.clone()),
            // The project's own code: not a dependency.
            DepSource::Workspace { .. } => continue,
        };
        let content = p
            .integrity
            .clone()
            .or_else(|| p.resolved.clone())
            .unwrap_or_default();
        let key = (p.name.clone(), p.version.clone(), content);
        let direct = direct_ids.contains(p.id.as_str());
        let pkg_paths = paths
            .get(&(p.name.clone(), p.version.clone()))
            .cloned()
            .unwrap_or_default();
        if let Some(&i) = by_key.get(&key) {
            let item = &mut plan.items[i];
            item.project.direct |= direct;
            item.project.dev &= p.dev;
            for path in pkg_paths {
                if !item.project.paths.contains(&path) {
                    item.project.paths.push(path);
                }
            }
            item.project
                .paths
                .sort_by(|a, b| (a.len(), a).cmp(&(b.len(), b)));
            item.project.paths.truncate(MAX_PATHS);
            continue;
        }
        by_key.insert(key, plan.items.len());
        plan.items.push(Item {
            name: p.name.clone(),
            version: p.version.clone(),
            integrity: p.integrity.clone(),
            resolved: p.resolved.clone(),
            install_path: p.install_path.clone(),
            source,
            project: ProjectPackage {
                direct,
                dev: p.dev,
                paths: pkg_paths,
                lockfile: (p.line > 0).then(|| LockfileRef {
                    path: file_name.to_owned(),
                    line: p.line,
                }),
                origin: String::new(),
            },
        });
    }
}

fn read(path: &Path) -> Result<String, ProjectError> {
    std::fs::read_to_string(path).map_err(|source| ProjectError::Io {
        path: path.to_path_buf(),
        source,
    })
}
