//! From lockfiles to the list of packages to scan: one [`Item`] per distinct locked package
//! (name, version, content), with where it sits in the project.

use crate::platform::Constraints;
use crate::{MAX_PATHS, ProjectError};
use ferret_core::{LockfileRef, ProjectPackage};
use ferret_lockfile::{DepSource, Format, Lockfile};
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
    /// Whether the lockfile marks the package optional (npm skips an optional package
    /// whose platform does not match); `None` when the format does not record it (yarn,
    /// bun) or the plan was resolved without a lockfile.
    pub optional: Option<bool>,
    /// Its `os`/`cpu`/`libc` as recorded; `None` when the format does not record them
    /// (package-lock v1, yarn classic): the version document then tells.
    pub platform: Option<Constraints>,
    /// The lockfile says it runs an install script (package-lock `hasInstallScript`).
    pub install_script: bool,
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
        attach_members(root, manifest.as_ref(), &mut lock, &mut plan.notes);
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

/// Workspace members bigger monorepos have; beyond this the rest are not attached (noted).
const MAX_MEMBERS: usize = 2_000;
/// How deep workspace globs are followed on disk (`packages/*/*` is 2).
const MAX_GLOB_DEPTH: usize = 6;

/// Attaches every workspace member's package.json to the lockfile, so that each member's
/// own dependencies are direct dependencies of that member (yarn classic records no
/// members at all; npm, pnpm, yarn berry and bun record them, and the manifest fills what
/// they leave out). Members are those the lockfile names plus the root manifest's
/// `workspaces` globs expanded on disk.
fn attach_members(
    root: &Path,
    manifest: Option<&ferret_lockfile::Manifest>,
    lock: &mut Lockfile,
    notes: &mut Vec<String>,
) {
    let mut members: BTreeSet<String> = lock
        .root
        .workspaces
        .iter()
        .map(|w| {
            w.path
                .trim_start_matches("./")
                .trim_end_matches('/')
                .to_owned()
        })
        .filter(|p| !p.is_empty() && p != ".")
        .collect();
    if let Some(m) = manifest {
        members.extend(expand_workspace_globs(root, &m.workspaces));
    }
    if members.len() > MAX_MEMBERS {
        notes.push(format!(
            "{} workspace members; only the first {MAX_MEMBERS} have their package.json read",
            members.len()
        ));
    }
    for member in members.into_iter().take(MAX_MEMBERS) {
        // Member paths come from the lockfile: never let one leave the project.
        if member.split('/').any(|seg| seg == ".." || seg.is_empty()) || member.starts_with('/') {
            continue;
        }
        let path = root.join(&member).join("package.json");
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        match ferret_lockfile::parse_manifest(&format!("{member}/package.json"), &text) {
            Ok(m) => lock.attach_manifest(&member, &m),
            Err(e) => notes.push(format!("workspace member {member}: {e}")),
        }
    }
}

/// The directories (relative, `/`-separated) matching npm/yarn `workspaces` globs that hold
/// a package.json. `*` matches within one segment, `**` any number of segments; `!` globs
/// exclude. node_modules and dot-directories are never entered.
fn expand_workspace_globs(root: &Path, globs: &[String]) -> Vec<String> {
    let (exclude, include): (Vec<&String>, Vec<&String>) =
        globs.iter().partition(|g| g.starts_with('!'));
    if include.is_empty() {
        return Vec::new();
    }
    let norm = |g: &str| {
        g.trim_start_matches('!')
            .trim_start_matches("./")
            .trim_end_matches('/')
            .to_owned()
    };
    let include: Vec<String> = include.iter().map(|g| norm(g)).collect();
    let exclude: Vec<String> = exclude.iter().map(|g| norm(g)).collect();
    let mut out = Vec::new();
    let mut stack = vec![(root.to_path_buf(), String::new(), 0usize)];
    let mut visited = 0usize;
    while let Some((dir, rel, depth)) = stack.pop() {
        visited += 1;
        if visited > 20_000 {
            break;
        }
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.filter_map(Result::ok) {
            let name = e.file_name().to_string_lossy().into_owned();
            if name == "node_modules" || name.starts_with('.') {
                continue;
            }
            if !e.file_type().is_ok_and(|t| t.is_dir()) {
                continue;
            }
            let child = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            if include
                .iter()
                .any(|g| ferret_lockfile::glob_match(g, &child))
                && !exclude
                    .iter()
                    .any(|g| ferret_lockfile::glob_match(g, &child))
                && e.path().join("package.json").is_file()
            {
                out.push(child.clone());
            }
            if depth + 1 < MAX_GLOB_DEPTH {
                stack.push((e.path(), child, depth + 1));
            }
        }
    }
    out.sort();
    out
}

/// Rewrites a dependency path to start at the workspace member that declares the chain:
/// `[ws-app, @ws-app/web, @ws-app/api, is-number@6.0.0]` becomes
/// `[ws-app/packages/api, is-number@6.0.0]` — the package.json to edit is the last member's.
/// Paths that reach no member stay as they are.
fn from_member(path: Vec<String>, root: &str, members: &BTreeMap<String, String>) -> Vec<String> {
    let last_member = path
        .iter()
        .enumerate()
        .take(path.len().saturating_sub(1))
        .skip(1)
        .rev()
        .find_map(|(i, label)| members.get(label).map(|dir| (i, dir)));
    match last_member {
        Some((i, dir)) => {
            let mut out = Vec::with_capacity(path.len() - i);
            out.push(format!("{root}/{dir}"));
            out.extend(path.into_iter().skip(i + 1));
            out
        }
        None => path,
    }
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
    // Member names (as they appear in paths) to their directories.
    let members: BTreeMap<String, String> = lock
        .packages
        .iter()
        .filter_map(|p| match &p.source {
            DepSource::Workspace { path } => Some((p.name.clone(), path.clone())),
            _ => None,
        })
        .chain(
            lock.root
                .workspaces
                .iter()
                .filter_map(|w| Some((w.name.clone()?, w.path.clone()))),
        )
        .collect();
    let root = lock
        .root
        .name
        .clone()
        .unwrap_or_else(|| "(root)".to_owned());
    let mut paths = ferret_lockfile::dependency_paths(lock, MAX_PATHS);
    if !members.is_empty() {
        for list in paths.values_mut() {
            let mut rewritten: Vec<Vec<String>> = Vec::with_capacity(list.len());
            for path in list.drain(..) {
                let path = from_member(path, &root, &members);
                if !rewritten.contains(&path) {
                    rewritten.push(path);
                }
            }
            rewritten.sort_by(|a, b| (a.len(), a).cmp(&(b.len(), b)));
            *list = rewritten;
        }
    }
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
        let optional = records_optional(lock.format).then_some(p.optional);
        let platform = records_platform(lock.format).then(|| Constraints {
            os: p.os.clone(),
            cpu: p.cpu.clone(),
            libc: p.libc.clone(),
        });
        if let Some(&i) = by_key.get(&key) {
            let item = &mut plan.items[i];
            item.project.direct |= direct;
            item.project.dev &= p.dev;
            // Optional only if optional wherever it is locked.
            item.optional = match (item.optional, optional) {
                (Some(a), Some(b)) => Some(a && b),
                (Some(false), None) | (None, Some(false)) => Some(false),
                _ => None,
            };
            if item.platform.as_ref().is_none_or(Constraints::is_empty) && platform.is_some() {
                item.platform = platform;
            }
            item.install_script |= p.has_install_script;
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
            optional,
            platform,
            install_script: p.has_install_script,
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

/// Formats that mark optional packages (package-lock, npm-shrinkwrap, pnpm).
fn records_optional(format: Format) -> bool {
    matches!(format, Format::PackageLock { .. } | Format::Pnpm { .. })
}

/// Formats that record `os`/`cpu`/`libc` when a package has them (npm v1 and yarn classic
/// do not).
fn records_platform(format: Format) -> bool {
    matches!(
        format,
        Format::PackageLock { version: 2.., .. }
            | Format::Pnpm { .. }
            | Format::Bun { .. }
            | Format::YarnBerry { .. }
    )
}

fn read(path: &Path) -> Result<String, ProjectError> {
    std::fs::read_to_string(path).map_err(|source| ProjectError::Io {
        path: path.to_path_buf(),
        source,
    })
}
