//! The scan of a plan: node_modules check, cache lookups, then a bounded pipeline of
//! fetch/read workers feeding analysis workers through a bounded channel.

use crate::Options;
use crate::metadata::Fetcher;
use crate::plan::{Item, ItemSource, Plan};
use crate::platform::Platform;
use ferret_cache::{Cache, Table};
use ferret_core::{
    Action, Category, Ecosystem, Evidence, Finding, PackageInfo, PackageReport, ScanError, Severity,
};
use ferret_registry::NpmClient;
use ferret_rules::engine::{self, ScanOptions};
use ferret_source::PackageTree;
use rayon::prelude::*;
use sha2::Digest as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, mpsc};

/// Progress callbacks (the CLI draws a bar on a terminal). Called from worker threads.
pub trait Progress: Sync {
    /// Packages to scan in total.
    fn start(&self, _total: usize) {}
    /// One download finished (bytes received).
    fn fetched(&self, _bytes: u64) {}
    /// One package is done (analysed, served from the cache, or failed).
    fn done(&self) {}
}

/// No progress output.
pub struct NoProgress;
impl Progress for NoProgress {}

/// Tarballs kept for the cache per run; beyond this they are analysed but not stored.
const MAX_CACHED_TARBALL_BYTES: usize = 256 * 1024 * 1024;
/// Larger tarballs are not cached: on npm-app the platform binaries of `@next/swc-*`
/// (40-60 MB each) made 418 MB of the cache for 51 packages, while the analysis result that
/// a re-scan needs is a few kilobytes.
const MAX_CACHED_TARBALL: usize = 16 * 1024 * 1024;

/// Threads reading installed packages from disk: reads are cheap when the page cache holds
/// node_modules, but on a busy disk several in flight keep the analysis fed.
const DISK_READERS: usize = 4;

pub(crate) struct Outcome {
    pub packages: Vec<PackageReport>,
    pub errors: Vec<ScanError>,
    pub notes: Vec<String>,
    /// Items for other platforms, to check from registry metadata only (indexes into the
    /// plan's items, ascending).
    pub metadata_only: Vec<usize>,
}

/// How to get an item's content when the analysis is not cached.
enum Job {
    Disk(PathBuf),
    /// Download (or take from the tarball cache); with `check_platform`, first ask the
    /// version document whether the package is for this platform (the lockfile did not say).
    Tarball {
        check_platform: bool,
    },
}

/// Marks an item the fetcher found to be for another platform (not an error).
const OTHER_PLATFORM: &str = "\u{0}other platform";

/// What the pipeline needs to tell packages for other platforms.
pub(crate) struct PlatformCheck<'a> {
    pub here: &'a Platform,
    pub meta: &'a Fetcher<'a>,
}

struct Pending {
    index: usize,
    key: String,
    job: Job,
}

/// What was loaded for one pending item, besides its analysis.
struct Loaded {
    index: usize,
    key: String,
    origin: &'static str,
    /// Verified integrity and bytes of a downloaded tarball (for the cache).
    fetched: Option<(String, Vec<u8>)>,
    source_url: Option<String>,
}

/// A tarball ready for analysis: verified download, or from the tarball cache.
struct Fetched {
    bytes: Vec<u8>,
    /// Tarball URL or `name@version`: the tree's source.
    source: String,
    origin: &'static str,
    /// Keep the bytes for the tarball cache under this integrity.
    cache_as: Option<String>,
    /// The SRI that was verified on these bytes (spares the unpacker a second SHA-512).
    verified: Option<String>,
    source_url: Option<String>,
}

pub(crate) fn run(
    opts: &Options,
    plan: &Plan,
    client: Option<&NpmClient>,
    cache: Option<&Cache>,
    progress: &dyn Progress,
    platform: &PlatformCheck<'_>,
) -> Outcome {
    let items = &plan.items;
    progress.start(items.len());
    let mut slots: Vec<Option<PackageReport>> = vec![None; items.len()];
    let mut errors: Vec<ScanError> = Vec::new();
    let mut notes: Vec<String> = Vec::new();

    // 1. Non-registry specs become findings; registry items get their content source and
    //    analysis cache key (installed directory fingerprint, or tarball integrity).
    let decided: Vec<Decision> = items
        .par_iter()
        .map(|item| decide(opts, item, platform.here))
        .collect();
    let mut unverifiable = 0usize;
    let mut pending: Vec<Pending> = Vec::new();
    let mut metadata_only: Vec<usize> = Vec::new();
    for (index, (item, decision)) in items.iter().zip(decided).enumerate() {
        match decision {
            Decision::Spec(report) => {
                slots[index] = Some(with_project(*report, item, "lockfile"));
                progress.done();
            }
            Decision::Disk { dir, key } => {
                unverifiable += 1;
                pending.push(Pending {
                    index,
                    key,
                    job: Job::Disk(dir),
                });
            }
            Decision::Tarball {
                key,
                mismatch,
                check_platform,
            } => {
                if let Some(m) = mismatch {
                    notes.push(m);
                }
                pending.push(Pending {
                    index,
                    key,
                    job: Job::Tarball { check_platform },
                });
            }
            Decision::OtherPlatform => {
                metadata_only.push(index);
                progress.done();
            }
        }
    }
    if unverifiable > 0 {
        notes.push(format!(
            "{unverifiable} packages analysed from node_modules: their package.json name and version match the lockfile, but an installed directory cannot be checked against the lockfile's tarball integrity (unverifiable)"
        ));
    }

    // 2. Analysis cache.
    if let Some(cache) = cache {
        let keys: Vec<&str> = pending.iter().map(|p| p.key.as_str()).collect();
        let hits = cache.get_many(Table::Analysis, &keys);
        let mut still = Vec::with_capacity(pending.len());
        for (p, hit) in pending.into_iter().zip(hits) {
            let report = hit.and_then(|bytes| serde_json::from_slice::<PackageReport>(&bytes).ok());
            match report {
                Some(report) => {
                    slots[p.index] = Some(with_project(report, &items[p.index], "cache"));
                    progress.done();
                }
                None => still.push(p),
            }
        }
        pending = still;
    }

    // 3. Load (disk, cached tarball, registry) and analyse the rest, concurrently.
    let results = load_and_analyse(opts, items, pending, client, cache, progress, platform);
    let mut analyses: Vec<(String, Vec<u8>)> = Vec::new();
    let mut tarballs: Vec<(String, Vec<u8>)> = Vec::new();
    let mut tarball_bytes = 0usize;
    for result in results {
        match result {
            Ok((loaded, report)) => {
                if let Ok(json) = serde_json::to_vec(&report) {
                    analyses.push((loaded.key.clone(), json));
                }
                if let Some((sri, bytes)) = loaded.fetched
                    && bytes.len() <= MAX_CACHED_TARBALL
                    && tarball_bytes + bytes.len() <= MAX_CACHED_TARBALL_BYTES
                {
                    tarball_bytes += bytes.len();
                    tarballs.push((sri, bytes));
                }
                let mut report = report;
                if let Some(url) = loaded.source_url {
                    report.package.source = url;
                }
                slots[loaded.index] =
                    Some(with_project(report, &items[loaded.index], loaded.origin));
            }
            Err((index, error)) if error == OTHER_PLATFORM => metadata_only.push(index),
            Err((index, error)) => {
                let item = &items[index];
                errors.push(ScanError {
                    target: format!("{}@{}", item.name, item.version),
                    error,
                });
            }
        }
    }
    if let Some(cache) = cache {
        let a: Vec<(&str, &[u8])> = analyses
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_slice()))
            .collect();
        let t: Vec<(&str, &[u8])> = tarballs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_slice()))
            .collect();
        for (what, entries, table) in [
            ("analysis results", a, Table::Analysis),
            ("tarballs", t, Table::Tarball),
        ] {
            if let Err(e) = cache.put_many(table, &entries) {
                notes.push(format!("could not store {what} in the cache: {e}"));
            }
        }
        if cache.dropped() > 0 {
            notes.push(format!(
                "{} corrupted cache entries were detected, dropped and rebuilt",
                cache.dropped()
            ));
        }
    }
    metadata_only.sort_unstable();
    errors.sort_by(|a, b| a.target.cmp(&b.target));
    let mut packages: Vec<PackageReport> = slots.into_iter().flatten().collect();
    packages.sort_by(|a, b| {
        (&a.package.name, &a.package.version).cmp(&(&b.package.name, &b.package.version))
    });
    Outcome {
        packages,
        errors,
        notes,
        metadata_only,
    }
}

enum Decision {
    Spec(Box<PackageReport>),
    Disk {
        dir: PathBuf,
        key: String,
    },
    Tarball {
        key: String,
        mismatch: Option<String>,
        check_platform: bool,
    },
    /// Not installed here and its platform constraints exclude this machine.
    OtherPlatform,
}

fn decide(opts: &Options, item: &Item, here: &Platform) -> Decision {
    let (rule, what) = match &item.source {
        ItemSource::Registry => return decide_registry(opts, item, here),
        ItemSource::Git(url) => ("git-dependency", url),
        ItemSource::Http(url) => ("http-dependency", url),
        ItemSource::File(path) | ItemSource::Link(path) => ("file-dependency", path),
    };
    Decision::Spec(Box::new(spec_report(item, rule, what)))
}

fn decide_registry(opts: &Options, item: &Item, here: &Platform) -> Decision {
    let mut mismatch = None;
    if let Some(rel) = &item.install_path {
        let dir = opts.root.join(rel);
        if let Ok(text) = std::fs::read(dir.join("package.json")) {
            let doc: serde_json::Value = serde_json::from_slice(&text).unwrap_or_default();
            let name = doc.get("name").and_then(serde_json::Value::as_str);
            let version = doc.get("version").and_then(serde_json::Value::as_str);
            if name == Some(item.name.as_str()) && version == Some(item.version.as_str()) {
                if let Some(fp) = dir_fingerprint(&dir) {
                    let key = format!("dir|{}@{}|{fp}|{}", item.name, item.version, opts.analyser);
                    return Decision::Disk { dir, key };
                }
            } else {
                mismatch = Some(format!(
                    "{rel} holds {}@{}, the lockfile says {}@{}: not used, checked from the cache or registry instead",
                    name.unwrap_or("?"),
                    version.unwrap_or("?"),
                    item.name,
                    item.version
                ));
            }
        }
    }
    // Not installed here (an installed package is analysed, whatever it declares). An
    // optional package for another platform is checked from its registry metadata; one
    // whose platform the lockfile does not record is asked the version document first.
    // One the lockfile says runs an install script is downloaded all the same: the files
    // its hook runs (`node install.js`) are only in the tarball.
    let mut check_platform = false;
    if !opts.all_platforms && item.optional != Some(false) && !item.install_script {
        match &item.platform {
            Some(c) if !here.allows(c) => return Decision::OtherPlatform,
            Some(_) => {}
            None => check_platform = true,
        }
    }
    let content = item
        .integrity
        .clone()
        .or_else(|| item.resolved.clone())
        .unwrap_or_else(|| format!("{}@{}", item.name, item.version));
    Decision::Tarball {
        key: format!("tgz|{content}|{}", opts.analyser),
        mismatch,
        check_platform,
    }
}

/// A fingerprint of an installed package directory: every file's relative path, size and
/// modification time (nested node_modules excluded, as in the scan). Any edit changes it,
/// so a cached analysis is reused only for the very files it analysed.
fn dir_fingerprint(dir: &Path) -> Option<String> {
    let mut hasher = sha2::Sha256::new();
    let mut stack = vec![(dir.to_path_buf(), String::new())];
    let mut entries_seen = 0usize;
    while let Some((d, rel)) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&d).ok()?.filter_map(Result::ok).collect();
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for e in entries {
            entries_seen += 1;
            // The same bound as the scan's entry limit: a pathological tree is not hashed.
            if entries_seen > 1_000_000 {
                return None;
            }
            let name = e.file_name().to_string_lossy().into_owned();
            let Ok(meta) = e.metadata() else { continue };
            let path = format!("{rel}/{name}");
            if meta.is_dir() {
                if name != "node_modules" && name != ".git" {
                    stack.push((e.path(), path));
                }
                continue;
            }
            let mtime = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            hasher.update(path.as_bytes());
            hasher.update([0]);
            hasher.update(meta.len().to_le_bytes());
            hasher.update(mtime.to_le_bytes());
        }
    }
    Some(hex::encode(&hasher.finalize()[..16]))
}

type Analysed = Result<(Loaded, PackageReport), (usize, String)>;
/// What `open` handed out for one analysis, or why the item could not be loaded.
type Slot = Mutex<Option<Result<Loaded, (usize, String)>>>;

/// A loaded item on its way to the analysis pool.
struct Arrived {
    index: usize,
    key: String,
    content: Result<Content, String>,
}

enum Content {
    /// An installed package, read from disk.
    Tree(PackageTree),
    /// A verified tarball, unpacked by the analysis worker.
    Tarball(Fetched),
    /// Its version document says it is for another platform: not downloaded.
    OtherPlatform,
}

/// Analyses every pending item, keeping both cores busy and the network in use. Loading
/// happens off the analysis pool: `jobs` fetch threads download and verify tarballs (they
/// start at once, so network time hides behind the local analysis) and a few reader
/// threads read installed packages; both feed one bounded channel (at most two items per
/// core wait in memory). The pool runs one [`engine::scan_many`] whose `open` takes the next
/// item that has arrived, whichever it is: packages and the files of large ones are spread
/// over the workers, and a slow disk or download never holds a worker while other work is
/// ready. (Per-package `engine::scan` calls, as before, parallelised only within a package:
/// 7.9 s of CPU took 9.3 s of wall on 2 cores at load 0.6.)
fn load_and_analyse(
    opts: &Options,
    items: &[Item],
    pending: Vec<Pending>,
    client: Option<&NpmClient>,
    cache: Option<&Cache>,
    progress: &dyn Progress,
    platform: &PlatformCheck<'_>,
) -> Vec<Analysed> {
    if pending.is_empty() {
        return Vec::new();
    }
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    let (disk, remote): (Vec<&Pending>, Vec<&Pending>) =
        pending.iter().partition(|p| matches!(p.job, Job::Disk(_)));
    // One slot per analysis: `open` records there which item it handed out.
    let slots: Vec<Slot> = pending.iter().map(|_| Mutex::new(None)).collect();
    let (tx, rx) = mpsc::sync_channel::<Arrived>(cores * 2);
    let reports = std::thread::scope(|s| {
        // Dropped if the analysis unwinds, so blocked senders give up and the scope ends.
        let rx = Mutex::new(rx);
        let producers = [
            (remote.as_slice(), opts.jobs.clamp(1, 64)),
            (disk.as_slice(), DISK_READERS),
        ];
        for (list, threads) in producers {
            let next = std::sync::Arc::new(AtomicUsize::new(0));
            for _ in 0..threads.min(list.len()) {
                let tx = tx.clone();
                let next = std::sync::Arc::clone(&next);
                s.spawn(move || {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(p) = list.get(i) else { break };
                        let content = match &p.job {
                            Job::Disk(dir) => ferret_source::open_path(dir, &opts.limits)
                                .map(Content::Tree)
                                .map_err(|e| e.to_string()),
                            Job::Tarball { check_platform } => {
                                let item = &items[p.index];
                                let other = *check_platform
                                    && platform
                                        .meta
                                        .constraints(&item.name, &item.version)
                                        .is_some_and(|c| !platform.here.allows(&c));
                                if other {
                                    Ok(Content::OtherPlatform)
                                } else {
                                    fetch(opts, item, client, cache, progress).map(Content::Tarball)
                                }
                            }
                        };
                        let arrived = Arrived {
                            index: p.index,
                            key: p.key.clone(),
                            content,
                        };
                        if tx.send(arrived).is_err() {
                            break;
                        }
                    }
                });
            }
        }
        drop(tx);
        engine::scan_many(&slots, Ecosystem::Npm, &ScanOptions::default(), |slot| {
            // Exactly one item arrives per slot; `None` only if a loader died.
            let arrived = rx.lock().ok().and_then(|rx| rx.recv().ok()).ok_or(())?;
            progress.done();
            let (tree, loaded) = open_arrived(opts, arrived);
            if let Ok(mut slot) = slot.lock() {
                *slot = Some(loaded);
            }
            tree.ok_or(())
        })
    });
    let mut results: Vec<Analysed> = Vec::with_capacity(pending.len());
    let mut covered = vec![false; items.len()];
    for (slot, report) in slots.into_iter().zip(reports) {
        let loaded = slot.into_inner().ok().flatten();
        match (loaded, report) {
            (Some(Ok(loaded)), Ok(report)) => {
                covered[loaded.index] = true;
                results.push(Ok((loaded, report)));
            }
            (Some(Err((index, e))), _) => {
                covered[index] = true;
                results.push(Err((index, e)));
            }
            (Some(Ok(loaded)), Err(())) => {
                covered[loaded.index] = true;
                results.push(Err((loaded.index, "not analysed".to_owned())));
            }
            (None, _) => {}
        }
    }
    for p in &pending {
        if !covered[p.index] {
            results.push(Err((p.index, "internal error: not loaded".to_owned())));
        }
    }
    // Completion order varies between runs; the report must not.
    results.sort_by_key(|r| match r {
        Ok((l, _)) => l.index,
        Err((i, _)) => *i,
    });
    results
}

/// The tree to analyse for an arrived item (unpacking a tarball here, on the analysis
/// worker) and what the report needs about it, or why it could not be loaded.
fn open_arrived(
    opts: &Options,
    arrived: Arrived,
) -> (Option<PackageTree>, Result<Loaded, (usize, String)>) {
    let Arrived {
        index,
        key,
        content,
    } = arrived;
    match content {
        Err(e) => (None, Err((index, e))),
        Ok(Content::OtherPlatform) => (None, Err((index, OTHER_PLATFORM.to_owned()))),
        Ok(Content::Tree(tree)) => (
            Some(tree),
            Ok(Loaded {
                index,
                key,
                origin: "node_modules",
                fetched: None,
                source_url: None,
            }),
        ),
        Ok(Content::Tarball(f)) => {
            match ferret_source::open_tarball_hashed(
                &f.bytes,
                &f.source,
                &opts.limits,
                f.verified.as_deref(),
            ) {
                Ok(tree) => (
                    Some(tree),
                    Ok(Loaded {
                        index,
                        key,
                        origin: f.origin,
                        fetched: f.cache_as.map(|sri| (sri, f.bytes)),
                        source_url: f.source_url,
                    }),
                ),
                Err(e) => (None, Err((index, e.to_string()))),
            }
        }
    }
}

/// The tarball of a registry item: from the tarball cache (re-verified) or downloaded and
/// verified against the lockfile's integrity.
fn fetch(
    opts: &Options,
    item: &Item,
    client: Option<&NpmClient>,
    cache: Option<&Cache>,
    progress: &dyn Progress,
) -> Result<Fetched, String> {
    let label = format!("{}@{}", item.name, item.version);
    if let (Some(cache), Some(sri)) = (cache, &item.integrity)
        && let Some(bytes) = cache.get(Table::Tarball, sri)
        // Re-verified: the cache's checksum guards against corruption, this against a key
        // that does not match its content.
        && let Ok(verified) =
            ferret_registry::verify_integrity(&bytes, &serde_json::json!({ "integrity": sri }))
    {
        return Ok(Fetched {
            bytes,
            source: label,
            origin: "cache",
            cache_as: None,
            verified: Some(verified),
            source_url: item.resolved.clone(),
        });
    }
    let Some(client) = client else {
        return Err(if opts.offline {
            "offline: not installed in node_modules and not in the cache; not checked".to_owned()
        } else {
            "no registry client".to_owned()
        });
    };
    let url = item
        .resolved
        .clone()
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
        .unwrap_or_else(|| default_tarball_url(client, &item.name, &item.version));
    let (bytes, sri) = client
        .tarball(&url, item.integrity.as_deref(), &item.name, &item.version)
        .map_err(|e| format!("cannot fetch {label}: {e}"))?;
    progress.fetched(bytes.len() as u64);
    Ok(Fetched {
        bytes,
        source: url.clone(),
        origin: "registry",
        cache_as: item.integrity.is_some().then(|| sri.clone()),
        verified: Some(sri),
        source_url: Some(url),
    })
}

/// `{registry}{name}/-/{basename}-{version}.tgz`, the registry's tarball layout, for
/// lockfiles that do not record `resolved` (pnpm, yarn berry).
fn default_tarball_url(client: &NpmClient, name: &str, version: &str) -> String {
    let base = name.rsplit('/').next().unwrap_or(name);
    format!(
        "{}{name}/-/{base}-{version}.tgz",
        client.config().registry_for(name)
    )
}

pub(crate) fn with_project(mut report: PackageReport, item: &Item, origin: &str) -> PackageReport {
    let mut project = item.project.clone();
    project.origin = origin.to_owned();
    report.project = Some(project);
    if report.package.name.is_empty() {
        report.package.name.clone_from(&item.name);
    }
    if report.package.version.is_empty() {
        report.package.version.clone_from(&item.version);
    }
    if report.package.integrity.is_none() {
        report.package.integrity.clone_from(&item.integrity);
    }
    report
}

/// The report of a dependency whose content is not from the registry: one finding with the
/// rule's registered metadata when the rule exists (the metadata rules may define it), else
/// a warning of medium severity.
fn spec_report(item: &Item, rule: &str, what: &str) -> PackageReport {
    let (category, severity, action) = ferret_rules::registry::find_rule(rule).map_or(
        (Category::Metadata, Severity::Medium, Action::Warn),
        |r| {
            let m = r.meta();
            (m.category, m.severity, m.default_action)
        },
    );
    let kind = match rule {
        "git-dependency" => "a git repository",
        "http-dependency" => "an http(s) URL",
        _ => "a local path",
    };
    let mut evidence = Evidence::new();
    evidence.insert("spec".to_owned(), serde_json::Value::from(what));
    if let Some(l) = &item.project.lockfile {
        evidence.insert(
            "lockfile".to_owned(),
            serde_json::Value::from(l.path.clone()),
        );
        evidence.insert("line".to_owned(), serde_json::Value::from(l.line));
    }
    let finding = Finding {
        rule: rule.to_owned(),
        category,
        severity,
        action,
        message: format!(
            "`{}` comes from {kind} (`{what}`), not the registry; not fetched or analysed",
            item.name
        ),
        location: None,
        label: None,
        code: None,
        related: Vec::new(),
        install_time: false,
        evidence,
    };
    PackageReport {
        package: PackageInfo {
            ecosystem: Ecosystem::Npm,
            name: item.name.clone(),
            version: item.version.clone(),
            integrity: item.integrity.clone(),
            source: what.to_owned(),
            file_count: 0,
            unpacked_size: 0,
        },
        capabilities: Vec::new(),
        alerts: vec![finding],
        files_failed: Vec::new(),
        project: None,
        not_evaluated: Vec::new(),
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests: a panic is a failure")]
mod tests {
    use super::*;

    /// An optional package for another platform is left to its metadata, unless the
    /// lockfile says it runs an install script: the files a hook runs are only in the
    /// tarball, so that one is downloaded and analysed like any other.
    #[test]
    fn other_platform_packages_with_install_scripts_are_downloaded() {
        let dir = tempfile::tempdir().unwrap();
        let opts = Options::new(dir.path(), "test");
        let here = Platform {
            os: "linux".into(),
            cpu: "x64".into(),
            libc: Some("glibc".into()),
        };
        let mut item = Item {
            name: "fsevents".to_owned(),
            version: "2.3.3".to_owned(),
            integrity: Some("sha512-AAAA".to_owned()),
            resolved: None,
            install_path: Some("node_modules/fsevents".to_owned()),
            source: crate::plan::ItemSource::Registry,
            optional: Some(true),
            platform: Some(crate::platform::Constraints {
                os: vec!["darwin".to_owned()],
                ..Default::default()
            }),
            install_script: false,
            project: ferret_core::ProjectPackage::default(),
        };
        assert!(matches!(
            decide_registry(&opts, &item, &here),
            Decision::OtherPlatform
        ));
        item.install_script = true;
        assert!(matches!(
            decide_registry(&opts, &item, &here),
            Decision::Tarball { .. }
        ));
    }

    /// A cached node_modules analysis is reused only for the very files it analysed: any
    /// edit (size or mtime) changes the key; nested node_modules do not count.
    #[test]
    fn dir_fingerprint_changes_when_a_file_changes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("package.json"), "{}").unwrap();
        std::fs::write(dir.path().join("index.js"), "module.exports = 1").unwrap();
        let before = dir_fingerprint(dir.path()).unwrap();
        assert_eq!(dir_fingerprint(dir.path()).unwrap(), before);
        std::fs::create_dir_all(dir.path().join("node_modules/x")).unwrap();
        std::fs::write(dir.path().join("node_modules/x/a.js"), "x").unwrap();
        assert_eq!(dir_fingerprint(dir.path()).unwrap(), before);
        std::fs::write(dir.path().join("index.js"), "require('child_process')").unwrap();
        assert_ne!(dir_fingerprint(dir.path()).unwrap(), before);
    }
}
