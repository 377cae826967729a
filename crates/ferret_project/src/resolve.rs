//! A package.json without a lockfile: resolve its ranges against the registry as npm would
//! (the highest satisfying version, npm's prerelease rules, `latest` preferred when it
//! satisfies — see `ferret_registry::resolve_version`), transitively, breadth first so the
//! first path found to a package is a shortest one. Packuments are cached with their
//! `ETag` / `Last-Modified` and revalidated with conditional requests.

use crate::plan::{Item, ItemSource, Plan};
use crate::platform::Constraints;
use crate::{MAX_PATHS, ProjectError};
use ferret_cache::{Cache, PackumentEntry};
use ferret_core::ProjectPackage;
use ferret_lockfile::SpecKind;
use ferret_registry::{NpmClient, Packument};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// At most this many distinct packages are resolved (a bound on hostile dependency graphs).
const MAX_PACKAGES: usize = 20_000;

struct Want {
    name: String,
    range: String,
    dev: bool,
    /// Path of names from the root to the package that wants this one.
    parent_path: Vec<String>,
    direct: bool,
}

pub(crate) fn plan_from_manifest(
    root: &Path,
    client: &NpmClient,
    cache: Option<&Cache>,
    jobs: usize,
) -> Result<Plan, ProjectError> {
    let path = root.join("package.json");
    let text = std::fs::read_to_string(&path).map_err(|source| ProjectError::Io {
        path: path.clone(),
        source,
    })?;
    let manifest = ferret_lockfile::parse_manifest("package.json", &text)?;
    let root_label = manifest.name.clone().unwrap_or_else(|| "(root)".to_owned());
    let mut plan = Plan {
        root_name: manifest.name.as_ref().map(|n| match &manifest.version {
            Some(v) => format!("{n}@{v}"),
            None => n.clone(),
        }),
        ..Plan::default()
    };
    plan.notes.push(
        "no lockfile: versions were resolved from package.json ranges at scan time; another day may resolve (and scan) different versions"
            .to_owned(),
    );
    let mut frontier: Vec<Want> = Vec::new();
    for (name, spec, dev, _optional, peer) in manifest.all_dependencies() {
        if peer {
            continue;
        }
        frontier.push(Want {
            name: name.to_owned(),
            range: spec.to_owned(),
            dev,
            parent_path: vec![root_label.clone()],
            direct: true,
        });
    }
    // (name, version) -> index in plan.items
    let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut packuments: BTreeMap<String, Result<Value, String>> = BTreeMap::new();
    while !frontier.is_empty() && seen.len() < MAX_PACKAGES {
        // Fetch the packuments this level needs, concurrently.
        let mut names: Vec<String> = Vec::new();
        for w in &frontier {
            let registry_spec = matches!(
                ferret_lockfile::classify_spec(&w.range),
                SpecKind::Registry { .. } | SpecKind::Alias { .. }
            );
            let name = real_name(&w.name, &w.range);
            if registry_spec && !packuments.contains_key(&name) {
                names.push(name);
            }
        }
        names.sort();
        names.dedup();
        packuments.extend(fetch_packuments(
            client,
            cache,
            &names,
            jobs,
            &mut plan.notes,
        ));
        let mut next = Vec::new();
        for want in frontier {
            let kind = ferret_lockfile::classify_spec(&want.range);
            let (name, range) = match &kind {
                SpecKind::Registry { range } => (want.name.clone(), range.clone()),
                SpecKind::Alias { name, range } => (name.clone(), range.clone()),
                SpecKind::Git { url } => {
                    push_spec(&mut plan, &want, ItemSource::Git(url.clone()));
                    continue;
                }
                SpecKind::Http { url } => {
                    push_spec(&mut plan, &want, ItemSource::Http(url.clone()));
                    continue;
                }
                SpecKind::File { path } | SpecKind::Link { path } => {
                    push_spec(&mut plan, &want, ItemSource::File(path.clone()));
                    continue;
                }
                SpecKind::Workspace { .. } | SpecKind::Other { .. } => {
                    plan.notes.push(format!(
                        "{}: spec `{}` cannot be resolved without a lockfile; not checked",
                        want.name, want.range
                    ));
                    continue;
                }
            };
            let doc = match packuments.get(&name) {
                Some(Ok(doc)) => doc,
                Some(Err(e)) => {
                    plan.notes.push(format!("{name}: {e}"));
                    continue;
                }
                None => continue,
            };
            let spec = (!range.is_empty()).then_some(range.as_str());
            let version = match ferret_registry::resolve_version(doc, &name, spec) {
                Ok(v) => v,
                Err(e) => {
                    plan.notes.push(format!("{}: {e}", want.name));
                    continue;
                }
            };
            let mut path = want.parent_path.clone();
            path.push(format!("{name}@{version}"));
            if let Some(&i) = seen.get(&(name.clone(), version.clone())) {
                let item: &mut Item = &mut plan.items[i];
                item.project.direct |= want.direct;
                item.project.dev &= want.dev;
                if item.project.paths.len() < MAX_PATHS && !item.project.paths.contains(&path) {
                    item.project.paths.push(path);
                }
                continue;
            }
            let vdoc = &doc["versions"][&version];
            let dist = &vdoc["dist"];
            seen.insert((name.clone(), version.clone()), plan.items.len());
            plan.items.push(Item {
                name: name.clone(),
                version: version.clone(),
                integrity: dist["integrity"].as_str().map(str::to_owned),
                resolved: dist["tarball"].as_str().map(str::to_owned),
                install_path: Some(format!("node_modules/{}", want.name)),
                source: ItemSource::Registry,
                optional: None,
                platform: Some(Constraints {
                    os: string_list(&vdoc["os"]),
                    cpu: string_list(&vdoc["cpu"]),
                    libc: string_list(&vdoc["libc"]),
                }),
                install_script: vdoc["hasInstallScript"] == true
                    || ferret_registry::declares_install_scripts(vdoc),
                project: ProjectPackage {
                    direct: want.direct,
                    dev: want.dev,
                    paths: vec![path.clone()],
                    lockfile: None,
                    origin: String::new(),
                },
            });
            let mut parent_path = want.parent_path.clone();
            parent_path.push(name.clone());
            for field in ["dependencies", "optionalDependencies"] {
                if let Some(deps) = vdoc[field].as_object() {
                    for (dep, range) in deps {
                        let Some(range) = range.as_str() else {
                            continue;
                        };
                        next.push(Want {
                            name: dep.clone(),
                            range: range.to_owned(),
                            dev: want.dev,
                            parent_path: parent_path.clone(),
                            direct: false,
                        });
                    }
                }
            }
        }
        frontier = next;
    }
    plan.items
        .sort_by(|a, b| (&a.name, &a.version).cmp(&(&b.name, &b.version)));
    plan.notes.sort();
    plan.notes.dedup();
    Ok(plan)
}

/// npm's `os`/`cpu`/`libc` of a version document: an array of strings or one string.
fn string_list(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a
            .iter()
            .filter_map(Value::as_str)
            .take(32)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

fn real_name(name: &str, range: &str) -> String {
    match ferret_lockfile::classify_spec(range) {
        SpecKind::Alias { name, .. } => name,
        _ => name.to_owned(),
    }
}

fn push_spec(plan: &mut Plan, want: &Want, source: ItemSource) {
    let mut path = want.parent_path.clone();
    path.push(format!("{}@{}", want.name, want.range));
    plan.items.push(Item {
        name: want.name.clone(),
        version: want.range.clone(),
        integrity: None,
        resolved: None,
        install_path: None,
        source,
        optional: None,
        platform: None,
        install_script: false,
        project: ProjectPackage {
            direct: want.direct,
            dev: want.dev,
            paths: vec![path],
            lockfile: None,
            origin: String::new(),
        },
    });
}

/// Packuments of `names`, `jobs` at a time: a cached copy is revalidated with its ETag /
/// Last-Modified; a 304 reuses it; a new body replaces it.
fn fetch_packuments(
    client: &NpmClient,
    cache: Option<&Cache>,
    names: &[String],
    jobs: usize,
    notes: &mut Vec<String>,
) -> Vec<(String, Result<Value, String>)> {
    let next = AtomicUsize::new(0);
    let out = Mutex::new(Vec::new());
    let store_failures = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..jobs.clamp(1, 64).min(names.len()) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(name) = names.get(i) else { break };
                    let key = client.packument_url(name);
                    let cached = cache.and_then(|c| c.packument(&key));
                    let cached_doc = cached
                        .as_ref()
                        .and_then(|c| serde_json::from_slice::<Value>(&c.body).ok());
                    let (etag, lm) = match (&cached, &cached_doc) {
                        (Some(c), Some(_)) => (c.etag.as_deref(), c.last_modified.as_deref()),
                        _ => (None, None),
                    };
                    let result = match client.packument_conditional(name, etag, lm) {
                        Ok(Packument::NotModified) => cached_doc
                            .clone()
                            .ok_or_else(|| "304 without a cached copy".to_owned()),
                        Ok(Packument::Fresh {
                            value,
                            body,
                            etag,
                            last_modified,
                        }) => {
                            if let Some(c) = cache {
                                let entry = PackumentEntry {
                                    etag,
                                    last_modified,
                                    body,
                                };
                                if c.put_packument(&key, &entry).is_err() {
                                    store_failures.fetch_add(1, Ordering::Relaxed);
                                }
                            }
                            Ok(value)
                        }
                        Err(e) => Err(e.to_string()),
                    };
                    if let Ok(mut out) = out.lock() {
                        out.push((name.clone(), result));
                    }
                }
            });
        }
    });
    if store_failures.load(Ordering::Relaxed) > 0 {
        notes.push("some packuments could not be stored in the cache".to_owned());
    }
    out.into_inner().unwrap_or_default()
}
