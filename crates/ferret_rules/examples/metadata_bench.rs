//! Measures the registry-metadata rules on the benign sets: every pin of
//! `<cache>/packuments/pins.tsv` (written by `scripts/fetch-packuments`: the npm top 1,000
//! and the bench app's packages) scanned with [`RegistryFacts`] built from its cached full
//! packument, exactly as `ferret scan npm:…` builds them.
//!
//! ```text
//! scripts/fetch-packuments
//! cargo run -p ferret_rules --example metadata_bench [-- --cache DIR --app DIR --all]
//! ```
//!
//! The package's own side comes from the benign tarball cache (`<cache>/npm/`), else from the
//! app's installed `node_modules/<path>/package.json`, else from the version document itself
//! (then manifest-confusion compares the document with itself, and the count says so). Only
//! the manifest and `binding.gyp` are kept from a tarball: the metadata rules read nothing
//! else, and skipping the code keeps a run to seconds.
//!
//! "Now" for every age is the packument file's modification time (when it was fetched), so
//! the measurement repeats on the same cache. Output: every `warn`/`block` with its message
//! (`--all`: every finding of a metadata rule), then counts per rule and action.

use ferret_core::{Action, Ecosystem, RegistryFacts};
use ferret_rules::ScanInput;
use ferret_rules::detect::metadata::REGISTRY_RULES;
use flate2::read::GzDecoder;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Largest decompressed packument read (the fetch script stores at most 50 MB).
const MAX_PACKUMENT: u64 = 64 * 1024 * 1024;

struct Args {
    cache: PathBuf,
    app: PathBuf,
    all: bool,
}

fn args() -> Args {
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
    let root = std::env::var_os("FERRET_BENCH_CACHE")
        .map_or_else(|| home.join(".cache/ferret-bench"), PathBuf::from);
    let mut out = Args {
        cache: root,
        app: PathBuf::from("/work/scratch/npm-app"),
        all: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--cache" => out.cache = it.next().map(PathBuf::from).unwrap_or(out.cache),
            "--app" => out.app = it.next().map(PathBuf::from).unwrap_or(out.app),
            "--all" => out.all = true,
            other => {
                eprintln!("metadata_bench: unknown argument {other}");
                std::process::exit(2);
            }
        }
    }
    out
}

fn read_packument(path: &Path) -> Result<(serde_json::Value, SystemTime), String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mtime = file
        .metadata()
        .and_then(|m| m.modified())
        .map_err(|e| e.to_string())?;
    let mut text = Vec::new();
    GzDecoder::new(file)
        .take(MAX_PACKUMENT)
        .read_to_end(&mut text)
        .map_err(|e| e.to_string())?;
    let doc = serde_json::from_slice(&text).map_err(|e| e.to_string())?;
    Ok((doc, mtime))
}

/// The package's own files the metadata rules read, and where they came from.
fn own_files(
    args: &Args,
    name: &str,
    version: &str,
    app_path: &str,
    facts: &RegistryFacts,
) -> (Vec<(String, Vec<u8>)>, &'static str) {
    let keep = |p: &str| p == "package.json" || p == "binding.gyp";
    let tgz = args
        .cache
        .join("npm")
        .join(format!("{}-{version}.tgz", name.replace('/', "%2f")));
    if let Ok(bytes) = std::fs::read(&tgz)
        && let Ok(tree) =
            ferret_source::open_tarball(&bytes, name, &ferret_source::Limits::default())
    {
        let files = tree
            .files
            .iter()
            .filter(|f| keep(&f.path))
            .map(|f| (f.path.clone(), f.data.to_vec()))
            .collect();
        return (files, "tarball");
    }
    if !app_path.is_empty() {
        let dir = args.app.join(app_path);
        if let Ok(manifest) = std::fs::read(dir.join("package.json")) {
            let mut files = vec![("package.json".to_string(), manifest)];
            if let Ok(gyp) = std::fs::read(dir.join("binding.gyp")) {
                files.push(("binding.gyp".to_string(), gyp));
            }
            return (files, "node_modules");
        }
    }
    let doc = facts.version.as_ref().map(|d| {
        let mut m = serde_json::json!({
            "name": d.name, "version": d.version, "scripts": d.scripts,
            "dependencies": d.dependencies, "bin": d.bin,
        });
        // Absent fields stay absent (a `null` would differ from the document's nothing).
        for (key, value) in [
            ("main", d.main.clone().map(serde_json::Value::from)),
            ("exports", d.exports.clone()),
            ("license", d.license.clone().map(serde_json::Value::from)),
        ] {
            if let (Some(v), Some(o)) = (value, m.as_object_mut()) {
                o.insert(key.to_string(), v);
            }
        }
        m
    });
    let bytes = doc.map(|d| d.to_string().into_bytes()).unwrap_or_default();
    (
        vec![("package.json".to_string(), bytes)],
        "version document",
    )
}

fn main() {
    let args = args();
    let dir = args.cache.join("packuments");
    let pins = match std::fs::read_to_string(dir.join("pins.tsv")) {
        Ok(t) => t,
        Err(e) => {
            eprintln!(
                "metadata_bench: cannot read {}: {e} (run scripts/fetch-packuments)",
                dir.join("pins.tsv").display()
            );
            std::process::exit(2);
        }
    };
    let started = std::time::Instant::now();
    let mut seen = BTreeSet::new();
    let mut counts: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut sources: BTreeMap<(String, &str), usize> = BTreeMap::new();
    let mut scanned: BTreeMap<String, usize> = BTreeMap::new();
    let mut flagged: Vec<String> = Vec::new();
    for line in pins.lines() {
        let mut cols = line.split('\t');
        let (Some(name), Some(version), Some(group)) = (cols.next(), cols.next(), cols.next())
        else {
            continue;
        };
        let app_path = cols.next().unwrap_or("");
        // One scan per group and name@version (the app lists a few packages twice).
        if !seen.insert((group.to_string(), name.to_string(), version.to_string())) {
            continue;
        }
        let path = dir.join(format!("{}.json.gz", name.replace('/', "%2f")));
        let (packument, fetched) = match read_packument(&path) {
            Ok(p) => p,
            Err(e) => {
                *sources
                    .entry((group.to_string(), "no packument"))
                    .or_default() += 1;
                eprintln!("{group}\t{name}@{version}\tno packument: {e}");
                continue;
            }
        };
        let facts = ferret_registry::npm_registry_facts(&packument, version, fetched);
        let (files, source) = own_files(&args, name, version, app_path, &facts);
        *sources.entry((group.to_string(), source)).or_default() += 1;
        *scanned.entry(group.to_string()).or_default() += 1;
        let tree = ferret_source::from_files(&format!("{name}@{version}"), files);
        let report = ferret_rules::scan_with_metadata(
            &tree,
            Ecosystem::Npm,
            &ScanInput::with_registry(facts),
        );
        for alert in report
            .alerts
            .iter()
            .filter(|a| REGISTRY_RULES.contains(&a.rule.as_str()))
        {
            let action = format!("{:?}", alert.action).to_lowercase();
            *counts
                .entry((alert.rule.clone(), action.clone()))
                .or_default() += 1;
            if args.all || alert.action >= Action::Warn {
                flagged.push(format!(
                    "{group}\t{name}@{version}\t{}\t{action}\t{}",
                    alert.rule, alert.message
                ));
            }
        }
    }
    flagged.sort();
    for f in &flagged {
        println!("{f}");
    }
    println!();
    for (group, n) in &scanned {
        println!("scanned {group}: {n}");
    }
    for ((group, source), n) in &sources {
        println!("  {group} from {source}: {n}");
    }
    for ((rule, action), n) in &counts {
        println!("{rule}\t{action}\t{n}");
    }
    println!("elapsed {:.1} s", started.elapsed().as_secs_f64());
}
