//! The package diff: what a new version brings in against the old one (permission creep).
//!
//! [`diff`] builds the facts of both versions (concurrently: a large package's biggest file
//! dominates its scan, so two scans side by side keep both cores busy), runs every rule on
//! each (the new version's own scan is the verdict's base: a malicious new version is
//! blocked however small the change), then the change rules' `check_diff` over the pair,
//! and compares capabilities, install scripts, dependencies, entry points, files and
//! publishers. Change findings about manifest keys get their exact `package.json` line here,
//! where the manifest text is at hand (rules only see facts). A change finding that
//! coincides with a new publisher weighs more: it is raised to `block` (the shape of an
//! account takeover: chalk 2025, eslint-scope 2018, event-stream 2018).
//!
//! Like the scan, the diff is pure and synchronous, and never panics on package content;
//! line diffs are bounded in file size and time.

use crate::engine::{analyse_files, build_facts_with, capability_summaries, report, run_rules};
use crate::registry::all_rules;
use crate::rule::{Rule, RuleContext};
use ferret_core::{
    Action, AlertKey, Capability, CapabilityDiff, CapabilityUse, ChangeKind, ContentChunk,
    DiffExcerpt, DiffReport, Ecosystem, Excerpt, FileChanges, FileFacts, Finding, LineIndex,
    Location, PackageFacts, PublisherChange, RegistryFacts, Severity, Span, ValueChange,
};
use ferret_source::{PackageTree, TreeFile};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

/// Files larger than this are not line-diffed (counted as wholly replaced; excerpts show
/// the new lines only). A line diff is quadratic in the worst case; 1 MiB keeps one diff
/// well under the time budget below.
const MAX_DIFF_BYTES: usize = 1024 * 1024;
/// Deadline of one file's line diff (`similar` falls back to a coarser diff after it).
const DIFF_TIMEOUT: Duration = Duration::from_millis(200);
/// Context lines around a new use in an excerpt.
const CONTEXT: usize = 3;
/// Excerpts per capability and in total.
const EXCERPTS_PER_CAPABILITY: usize = 3;
const MAX_EXCERPTS: usize = 12;
/// Characters kept of one excerpt line (minified files are single long lines).
const MAX_LINE_CHARS: usize = 160;

/// The rule ids of the change rules (section 5), whose findings are change findings.
pub const CHANGE_RULES: [&str; 7] = [
    "capability-added",
    "install-script-added",
    "dependency-added",
    "obfuscation-added",
    "entrypoint-changed",
    "major-refactor",
    "behavior-added",
];

/// What a diff knows beyond the two packages' files.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DiffInput {
    /// Registry documents of the old and the new version (publishers, publish times).
    pub old_registry: Option<RegistryFacts>,
    pub new_registry: Option<RegistryFacts>,
}

/// Diffs two versions of a package without registry metadata.
pub fn diff(old: &PackageTree, new: &PackageTree, ecosystem: Ecosystem) -> DiffReport {
    diff_with(old, new, ecosystem, &DiffInput::default())
}

/// Diffs two versions of a package.
pub fn diff_with(
    old: &PackageTree,
    new: &PackageTree,
    ecosystem: Ecosystem,
    input: &DiffInput,
) -> DiffReport {
    let (mut old_facts, mut new_facts) = diff_facts(old, new, ecosystem);
    for (facts, reg) in [
        (&mut old_facts, &input.old_registry),
        (&mut new_facts, &input.new_registry),
    ] {
        if let Some(r) = reg {
            facts.registry = Some(r.clone());
            facts.metadata_status = ferret_core::MetadataStatus::Evaluated;
        }
    }
    let rules = all_rules();
    let (old_alerts, mut alerts) = rayon::join(
        || run_rules(&old_facts, rules),
        || run_rules(&new_facts, rules),
    );
    let mut change = run_diff_rules(&old_facts, &new_facts, rules);
    locate_manifest_findings(&mut change, new);
    alerts.extend(change);
    alerts.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));

    let old_report = report(old, &old_facts, Vec::new());
    let mut previous_alerts: Vec<AlertKey> = old_alerts.iter().map(AlertKey::of).collect();
    previous_alerts.sort();
    previous_alerts.dedup();

    let capabilities = capability_diff(&old_facts, &new_facts);
    let excerpts = excerpts(&capabilities, old, new);
    DiffReport {
        old: old_report.package,
        report: report(new, &new_facts, alerts),
        capabilities,
        previous_alerts,
        install_scripts: script_changes(&old_facts, &new_facts),
        dependencies: dependency_changes(&old_facts, &new_facts),
        entry_points: entry_point_changes(&old_facts, &new_facts),
        files: file_changes(old, new),
        publisher: publisher_change(&old_facts, &new_facts),
        excerpts,
    }
}

/// The facts of both versions as the change rules see them. A file identical in both (same
/// path, same bytes: most files of a release) is analysed once and its facts shared, so a
/// diff costs one scan plus the changed files; the code files that differ carry their
/// content chunks ([`content_chunks`]).
pub fn diff_facts(
    old: &PackageTree,
    new: &PackageTree,
    ecosystem: Ecosystem,
) -> (PackageFacts, PackageFacts) {
    let (old_files, new_files) = (by_path(old), by_path(new));
    let identical: Vec<&TreeFile> = new_files
        .values()
        .filter(|f| {
            old_files
                .get(f.path.as_str())
                .is_some_and(|o| o.data == f.data)
        })
        .copied()
        .collect();
    // Identical files get no chunks: `code_churn` skips a file unchanged at its path.
    let shared: HashMap<String, FileFacts> = analyse_files(&identical, ecosystem)
        .into_iter()
        .map(|f| (f.path.clone(), f))
        .collect();
    let build = |tree: &PackageTree, files: &HashMap<&str, &TreeFile>| {
        let mut facts = build_facts_with(tree, ecosystem, |entries| {
            let todo: Vec<&TreeFile> = entries
                .iter()
                .filter(|f| !shared.contains_key(&f.path))
                .copied()
                .collect();
            let mut fresh = analyse_files(&todo, ecosystem).into_iter();
            entries
                .iter()
                .filter_map(|f| shared.get(&f.path).cloned().or_else(|| fresh.next()))
                .collect()
        });
        chunk_code_files(&mut facts.files, files, &shared);
        facts
    };
    rayon::join(|| build(old, &old_files), || build(new, &new_files))
}

/// The files of a tree by path, the first occurrence of a path winning as in the engine.
fn by_path(tree: &PackageTree) -> HashMap<&str, &TreeFile> {
    let mut m: HashMap<&str, &TreeFile> = HashMap::with_capacity(tree.files.len());
    for f in &tree.files {
        m.entry(f.path.as_str()).or_insert(f);
    }
    m
}

/// Sets the content chunks of the code files that are not identical in both versions.
fn chunk_code_files(
    facts: &mut [FileFacts],
    files: &HashMap<&str, &TreeFile>,
    identical: &HashMap<String, FileFacts>,
) {
    facts
        .par_iter_mut()
        .filter(|f| f.is_code() && !identical.contains_key(&f.path))
        .for_each(|f| {
            if let Some(t) = files.get(f.path.as_str()) {
                f.chunks = content_chunks(&t.data);
            }
        });
}

/// Chunk sizes of [`content_chunks`], in non-whitespace bytes: a boundary is cut where the
/// rolling hash's top 8 bits are zero (1 in 256, so chunks average about 256 bytes past the
/// minimum), never before `MIN_CHUNK` and always at `MAX_CHUNK`. Small enough that a
/// one-line fix touches one or two chunks of a bundle, large enough that a chunk is specific
/// (short runs like `return this;` would match anywhere).
const MIN_CHUNK: u32 = 64;
const MAX_CHUNK: u32 = 4096;

/// The gear table of the rolling hash: 256 pseudo-random words (splitmix64 of the byte).
const GEAR: [u64; 256] = {
    let mut t = [0u64; 256];
    let mut i = 0;
    while i < 256 {
        let mut z = (i as u64)
            .wrapping_add(1)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        t[i] = z ^ (z >> 31);
        i += 1;
    }
    t
};

/// Content-defined chunks of a text (FastCDC-style gear hash over the non-whitespace bytes):
/// whitespace is skipped, so re-indenting or re-wrapping code changes no chunk, and an edit
/// changes the chunk it falls in and at most the next one (the gear hash forgets a byte
/// after 64 more, and a chunk's hash covers the gear words of its positions). Linear in the
/// input; at most one chunk per [`MIN_CHUNK`] bytes.
pub fn content_chunks(data: &[u8]) -> Vec<ContentChunk> {
    // The chunk hash folds in the gear word of every position (itself a hash of the last 64
    // bytes): one xor and rotate per byte, where a byte-wise FNV multiply made chunking ~5%
    // of a typescript diff.
    let finish = |acc: u64, len: u32| {
        let mut z = acc ^ u64::from(len).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 31)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z ^ (z >> 29)
    };
    let mut out = Vec::new();
    let (mut gear, mut acc, mut len) = (0u64, 0u64, 0u32);
    for &b in data {
        if b.is_ascii_whitespace() {
            continue;
        }
        gear = (gear << 1).wrapping_add(GEAR[usize::from(b)]);
        acc = (acc ^ gear).rotate_left(7);
        len += 1;
        if (len >= MIN_CHUNK && gear >> 56 == 0) || len >= MAX_CHUNK {
            out.push(ContentChunk {
                hash: finish(acc, len),
                len,
            });
            (acc, len) = (0, 0);
        }
    }
    if len > 0 {
        out.push(ContentChunk {
            hash: finish(acc, len),
            len,
        });
    }
    out
}

/// Runs the rules' `check_diff` over a pair of versions; findings sorted.
pub fn run_diff_rules<R: Rule>(
    old: &PackageFacts,
    new: &PackageFacts,
    rules: &[R],
) -> Vec<Finding> {
    let mut cx = RuleContext::new();
    for rule in rules {
        rule.check_diff(old, new, &mut cx);
    }
    let mut findings = cx.into_findings();
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings
}

// ---------------------------------------------------------------------------------------
// Helpers shared by the change rules.

/// The publisher of the scanned version (npm `_npmUser`), when the registry says.
pub fn publisher_of(pkg: &PackageFacts) -> Option<&str> {
    let reg = pkg.registry.as_ref()?;
    reg.version
        .as_ref()
        .and_then(|d| d.publisher.as_deref())
        .or_else(|| {
            reg.version_info(&pkg.id.version)
                .and_then(|v| v.publisher.as_deref())
        })
        .filter(|p| !p.is_empty())
}

/// `(old, new)` publishers when both are known and differ.
pub fn new_publisher<'a>(
    old: &'a PackageFacts,
    new: &'a PackageFacts,
) -> Option<(&'a str, &'a str)> {
    let (o, n) = (publisher_of(old)?, publisher_of(new)?);
    (o != n).then_some((o, n))
}

/// A change finding published by a different account than the old version weighs more:
/// raised to high severity and `block`, with both publishers as evidence.
#[must_use]
pub fn weigh_publisher(mut finding: Finding, old: &PackageFacts, new: &PackageFacts) -> Finding {
    if let Some((o, n)) = new_publisher(old, new) {
        finding.action = Action::Block;
        finding.severity = finding.severity.max(Severity::High);
        finding.message.push_str(&format!(
            ", in a version published by `{n}` (previous version: `{o}`)"
        ));
        finding.evidence.insert(
            "publisher".into(),
            serde_json::json!({ "old": o, "new": n }),
        );
    }
    finding
}

/// How much code differs between two versions, in bytes of code files.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CodeChurn {
    /// Bytes of the new version's chunks the old one lacks plus the old one's the new lacks.
    pub changed: u64,
    /// The new version's code plus the old code that is gone.
    pub total: u64,
    /// New-version code files that are new or whose content changed, of all of them.
    pub files_changed: usize,
    pub files: usize,
}

/// The chunks of a code file with each chunk's share of the file's bytes (chunks count
/// non-whitespace bytes; the file's whitespace is spread over them, so files whose chunks
/// were not computed count in the same unit). A file without chunks (unchanged, or facts not
/// built by the diff) is one chunk of its size, so the comparison falls back to sizes.
fn weighted_chunks(f: &FileFacts) -> Vec<(u64, u64)> {
    let counted: u64 = f.chunks.iter().map(|c| u64::from(c.len)).sum();
    if counted == 0 {
        return if f.size > 0 {
            vec![(f.size, f.size)]
        } else {
            Vec::new()
        };
    }
    f.chunks
        .iter()
        .map(|c| {
            let bytes = u128::from(c.len) * u128::from(f.size) / u128::from(counted);
            (c.hash, u64::try_from(bytes).unwrap_or(u64::MAX))
        })
        .collect()
}

/// How much code differs between two versions (what `major-refactor` measures): the bytes of
/// code-file chunks one version has and the other lacks. Chunks are matched across the whole
/// package (a moved file is not new code), each old chunk at most once; a file whose path,
/// size and chunks are the same in both versions is skipped without a lookup.
pub fn code_churn(old: &PackageFacts, new: &PackageFacts) -> CodeChurn {
    let unchanged = |f: &FileFacts, other: &PackageFacts| {
        other
            .file(&f.path)
            .is_some_and(|o| o.is_code() && o.size == f.size && o.chunks == f.chunks)
    };
    let mut out = CodeChurn::default();
    // Old chunks of the files that changed or went away: hash → (count, bytes each).
    let mut pool: HashMap<u64, (u64, u64)> = HashMap::new();
    for f in old.files.iter().filter(|f| f.is_code()) {
        if unchanged(f, new) {
            continue;
        }
        for (hash, bytes) in weighted_chunks(f) {
            pool.entry(hash).or_insert((0, bytes)).0 += 1;
        }
    }
    for f in new.files.iter().filter(|f| f.is_code()) {
        out.files += 1;
        out.total += f.size;
        if unchanged(f, old) {
            continue;
        }
        out.files_changed += 1;
        for (hash, bytes) in weighted_chunks(f) {
            match pool.get_mut(&hash) {
                Some((n, _)) if *n > 0 => *n -= 1,
                _ => out.changed += bytes,
            }
        }
    }
    let gone: u64 = pool.values().map(|(n, bytes)| n * bytes).sum();
    out.changed = (out.changed + gone).min(out.total + gone);
    out.total += gone;
    out
}

/// The manifest's string-or-object value at `key`, as compact text.
pub fn manifest_value(pkg: &PackageFacts, key: &str) -> Option<String> {
    let v = pkg.manifest.as_ref()?.get(key)?;
    Some(match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => return None,
        other => other.to_string(),
    })
}

/// The manifest object at `section` (`dependencies`) as key → string value.
pub fn manifest_map(pkg: &PackageFacts, section: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if let Some(obj) = pkg
        .manifest
        .as_ref()
        .and_then(|m| m.get(section))
        .and_then(serde_json::Value::as_object)
    {
        for (k, v) in obj {
            let v = v.as_str().map_or_else(|| v.to_string(), str::to_string);
            out.insert(k.clone(), v);
        }
    }
    out
}

/// Whether `new` is a patch release after `old` (same major and minor, higher patch), by
/// the numeric `major.minor.patch` prefix; pre-release and build suffixes are ignored.
pub fn is_patch_bump(old: &str, new: &str) -> bool {
    fn parts(v: &str) -> Option<(u64, u64, u64)> {
        let core = v.trim().trim_start_matches('v');
        let core = core.split(['-', '+']).next()?;
        let mut it = core.split('.').map(|p| p.parse::<u64>().ok());
        Some((it.next()??, it.next()??, it.next()??))
    }
    match (parts(old), parts(new)) {
        (Some(o), Some(n)) => o.0 == n.0 && o.1 == n.1 && n.2 > o.2,
        _ => false,
    }
}

/// Evidence key with which a change rule asks the diff engine to locate a manifest key:
/// `["dependencies", "flatmap-stream"]`.
pub const MANIFEST_KEY: &str = "manifest_key";

/// A placeholder location in `package.json` (line 1), replaced by the engine with the key's
/// line when the manifest text is at hand.
pub fn manifest_placeholder(snippet: &str) -> (Location, Excerpt) {
    let location = Location {
        path: crate::engine::MANIFEST.to_string(),
        line: 1,
        column: 1,
        span: Span::new(0, 0),
    };
    let code = Excerpt {
        line: 1,
        text: snippet.chars().take(Excerpt::MAX_CHARS).collect(),
        highlight_start: 0,
        highlight_len: 0,
    };
    (location, code)
}

// ---------------------------------------------------------------------------------------
// Comparisons.

type UseKey = (String, String, ferret_core::UseKind, Option<String>, String);

fn use_key(u: &CapabilityUse) -> UseKey {
    (
        u.location.path.clone(),
        u.api.clone(),
        u.kind,
        u.detail.clone(),
        u.code.text.trim().to_string(),
    )
}

/// Per capability: counts, and the uses of the new version the old one did not have.
pub fn capability_diff(old: &PackageFacts, new: &PackageFacts) -> Vec<CapabilityDiff> {
    let old_caps = capability_summaries(old);
    let new_caps = capability_summaries(new);
    let mut out = Vec::new();
    for cap in Capability::ALL {
        let o = old_caps.iter().find(|c| c.capability == cap);
        let n = new_caps.iter().find(|c| c.capability == cap);
        let mut remaining: BTreeMap<UseKey, usize> = BTreeMap::new();
        for u in o.iter().flat_map(|c| &c.locations) {
            *remaining.entry(use_key(u)).or_default() += 1;
        }
        let mut added = Vec::new();
        for u in n.iter().flat_map(|c| &c.locations) {
            match remaining.get_mut(&use_key(u)) {
                Some(k) if *k > 0 => *k -= 1,
                _ => added.push(u.clone()),
            }
        }
        let (old_count, new_count) = (o.map_or(0, |c| c.count), n.map_or(0, |c| c.count));
        let change = match (old_count, new_count) {
            (0, 0) => continue,
            (0, _) => ChangeKind::Added,
            (_, 0) => ChangeKind::Removed,
            _ if added.is_empty() => ChangeKind::Unchanged,
            _ => ChangeKind::Changed,
        };
        out.push(CapabilityDiff {
            capability: cap,
            change,
            old_count,
            new_count,
            added,
        });
    }
    out
}

fn value_changes(
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
    prefix: &str,
) -> Vec<ValueChange> {
    let keys: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    keys.into_iter()
        .filter_map(|k| {
            let (o, n) = (old.get(k), new.get(k));
            let change = match (o, n) {
                (None, Some(_)) => ChangeKind::Added,
                (Some(_), None) => ChangeKind::Removed,
                (Some(a), Some(b)) if a != b => ChangeKind::Changed,
                _ => return None,
            };
            Some(ValueChange {
                key: format!("{prefix}{k}"),
                change,
                old: o.cloned(),
                new: n.cloned(),
            })
        })
        .collect()
}

fn script_changes(old: &PackageFacts, new: &PackageFacts) -> Vec<ValueChange> {
    let map = |p: &PackageFacts| -> BTreeMap<String, String> {
        p.install_scripts
            .iter()
            .map(|s| (s.hook.clone(), s.command.clone()))
            .collect()
    };
    value_changes(&map(old), &map(new), "")
}

/// The dependency sections a diff compares (what an install pulls in).
pub const DEPENDENCY_SECTIONS: [&str; 3] =
    ["dependencies", "optionalDependencies", "peerDependencies"];

fn dependency_changes(old: &PackageFacts, new: &PackageFacts) -> Vec<ValueChange> {
    let mut out = Vec::new();
    for section in DEPENDENCY_SECTIONS {
        out.extend(value_changes(
            &manifest_map(old, section),
            &manifest_map(new, section),
            &format!("{section}."),
        ));
    }
    out
}

/// The entry-point fields a diff compares.
pub const ENTRY_FIELDS: [&str; 5] = ["main", "module", "browser", "exports", "bin"];

fn entry_point_changes(old: &PackageFacts, new: &PackageFacts) -> Vec<ValueChange> {
    let map = |p: &PackageFacts| -> BTreeMap<String, String> {
        ENTRY_FIELDS
            .iter()
            .filter_map(|f| manifest_value(p, f).map(|v| ((*f).to_string(), v)))
            .collect()
    };
    value_changes(&map(old), &map(new), "")
}

fn file_changes(old: &PackageTree, new: &PackageTree) -> FileChanges {
    let old_files: BTreeMap<&str, &[u8]> = old
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.data.as_slice()))
        .collect();
    let mut out = FileChanges::default();
    let mut seen = BTreeSet::new();
    let mut modified = Vec::new();
    for f in &new.files {
        seen.insert(f.path.as_str());
        match old_files.get(f.path.as_str()) {
            None => {
                out.added.push(f.path.clone());
                out.lines_added += count_lines(&f.data);
            }
            Some(o) if *o == f.data.as_slice() => out.unchanged += 1,
            Some(o) => {
                out.modified.push(f.path.clone());
                modified.push((*o, f.data.as_slice()));
            }
        }
    }
    // Line diffs in parallel: each is bounded by the deadline, and a release of a large
    // package modifies dozens of files.
    let counts: Vec<(u64, u64)> = modified
        .par_iter()
        .map(|(o, n)| line_counts(o, n))
        .collect();
    for (a, r) in counts {
        out.lines_added += a;
        out.lines_removed += r;
    }
    for f in &old.files {
        if !seen.contains(f.path.as_str()) {
            out.removed.push(f.path.clone());
            out.lines_removed += count_lines(&f.data);
        }
    }
    out.added.sort();
    out.removed.sort();
    out.modified.sort();
    out
}

fn count_lines(data: &[u8]) -> u64 {
    if data.is_empty() {
        return 0;
    }
    let n = data.iter().filter(|b| **b == b'\n').count() as u64;
    if data.last() == Some(&b'\n') {
        n
    } else {
        n + 1
    }
}

/// Lines added and removed between two file versions; binaries and files over
/// [`MAX_DIFF_BYTES`] count as wholly replaced.
fn line_counts(old: &[u8], new: &[u8]) -> (u64, u64) {
    let (Ok(o), Ok(n)) = (std::str::from_utf8(old), std::str::from_utf8(new)) else {
        return (count_lines(new), count_lines(old));
    };
    if o.len() > MAX_DIFF_BYTES || n.len() > MAX_DIFF_BYTES {
        return (count_lines(new), count_lines(old));
    }
    let diff = similar::TextDiff::configure()
        .timeout(DIFF_TIMEOUT)
        .diff_lines(o, n);
    let (mut added, mut removed) = (0u64, 0u64);
    for op in diff.ops() {
        match op {
            similar::DiffOp::Insert { new_len, .. } => added += *new_len as u64,
            similar::DiffOp::Delete { old_len, .. } => removed += *old_len as u64,
            similar::DiffOp::Replace {
                old_len, new_len, ..
            } => {
                added += *new_len as u64;
                removed += *old_len as u64;
            }
            similar::DiffOp::Equal { .. } => {}
        }
    }
    (added, removed)
}

fn publisher_change(old: &PackageFacts, new: &PackageFacts) -> Option<PublisherChange> {
    let (o, n) = (publisher_of(old), publisher_of(new));
    if o.is_none() && n.is_none() {
        return None;
    }
    Some(PublisherChange {
        old: o.map(str::to_string),
        new: n.map(str::to_string),
        changed: matches!((o, n), (Some(a), Some(b)) if a != b),
    })
}

// ---------------------------------------------------------------------------------------
// Manifest locations.

/// Gives change findings that name a manifest key (`evidence.manifest_key`) the key's exact
/// location in the new version's `package.json`.
pub(crate) fn locate_manifest_findings(findings: &mut [Finding], new: &PackageTree) {
    let Some(text) = new
        .file(crate::engine::MANIFEST)
        .and_then(|f| std::str::from_utf8(&f.data).ok())
    else {
        return;
    };
    let index = LineIndex::new(text);
    for f in findings.iter_mut() {
        let Some(path) = f.evidence.get(MANIFEST_KEY).and_then(|v| v.as_array()) else {
            continue;
        };
        let keys: Vec<&str> = path.iter().filter_map(|v| v.as_str()).collect();
        if let Some(span) = find_json_key(text, &keys) {
            let location = index.location(crate::engine::MANIFEST, text, span);
            f.code = Some(index.excerpt(text, span));
            f.location = Some(location);
        }
    }
}

/// The span of the last key of `path` (`["dependencies", "x"]`), searched textually: each
/// key after the previous one's position. Good enough for manifests (keys are unique
/// within a section, and the section is found first); `None` when any key is missing.
fn find_json_key(text: &str, path: &[&str]) -> Option<Span> {
    let mut from = 0usize;
    let mut span = None;
    for key in path {
        let quoted = serde_json::to_string(key).ok()?;
        let mut search = from;
        let at = loop {
            let i = search + text.get(search..)?.find(&quoted)?;
            let after = text[i + quoted.len()..].trim_start();
            if after.starts_with(':') {
                break i;
            }
            search = i + quoted.len();
        };
        from = at + quoted.len();
        let start = u32::try_from(at).ok()?;
        let end = u32::try_from(from).ok()?;
        span = Some(Span::new(start, end));
    }
    span
}

// ---------------------------------------------------------------------------------------
// Excerpts.

fn excerpts(caps: &[CapabilityDiff], old: &PackageTree, new: &PackageTree) -> Vec<DiffExcerpt> {
    let mut out: Vec<DiffExcerpt> = Vec::new();
    for cap in caps {
        let mut files_done: BTreeSet<(&str, u32)> = BTreeSet::new();
        let mut n = 0;
        for u in &cap.added {
            if n >= EXCERPTS_PER_CAPABILITY || out.len() >= MAX_EXCERPTS {
                break;
            }
            if u.kind == ferret_core::UseKind::File || u.location.path == crate::engine::MANIFEST {
                continue;
            }
            // One excerpt per file region: nearby uses share a hunk.
            let region = u.location.line / 20;
            if !files_done.insert((u.location.path.as_str(), region)) {
                continue;
            }
            let old_text = old
                .file(&u.location.path)
                .map(|f| String::from_utf8_lossy(&f.data));
            let Some(new_text) = new
                .file(&u.location.path)
                .map(|f| String::from_utf8_lossy(&f.data))
            else {
                continue;
            };
            let hunk = hunk_around(old_text.as_deref(), &new_text, u.location.line);
            out.push(DiffExcerpt {
                path: u.location.path.clone(),
                label: format!("new {} use: `{}`", cap.capability.label(), u.api),
                line: u.location.line,
                hunk,
            });
            n += 1;
        }
    }
    out
}

fn cut(line: &str) -> String {
    let line = line.trim_end_matches(['\r', '\n']);
    if line.chars().count() <= MAX_LINE_CHARS {
        return line.to_string();
    }
    let mut s: String = line.chars().take(MAX_LINE_CHARS - 1).collect();
    s.push('…');
    s
}

/// A unified-diff hunk of `old` → `new` around 1-based `line` of the new text. Without an
/// old file (or when a file is too large to diff) every shown line is `+`.
pub fn hunk_around(old: Option<&str>, new: &str, line: u32) -> String {
    let target = (line.max(1) - 1) as usize;
    let small = |s: &str| s.len() <= MAX_DIFF_BYTES;
    let Some(old) = old.filter(|o| small(o) && small(new)) else {
        let lines: Vec<&str> = new.split_inclusive('\n').collect();
        let start = target.saturating_sub(CONTEXT);
        let end = (target + CONTEXT + 1).min(lines.len());
        let mut out = format!("@@ -0,0 +{},{} @@\n", start + 1, end.saturating_sub(start));
        for l in lines.get(start..end).unwrap_or(&[]) {
            out.push('+');
            out.push_str(&cut(l));
            out.push('\n');
        }
        return out;
    };
    let diff = similar::TextDiff::configure()
        .timeout(DIFF_TIMEOUT)
        .diff_lines(old, new);
    let groups = diff.grouped_ops(CONTEXT);
    let group = groups.iter().find(|g| {
        g.iter().any(|op| {
            let r = op.new_range();
            r.contains(&target) || (r.is_empty() && r.start == target)
        }) && g.iter().any(|op| op.tag() != similar::DiffTag::Equal)
    });
    let Some(group) = group else {
        return String::new();
    };
    let (Some(first), Some(last)) = (group.first(), group.last()) else {
        return String::new();
    };
    let (os, oe) = (first.old_range().start, last.old_range().end);
    let (ns, ne) = (first.new_range().start, last.new_range().end);
    let mut out = format!("@@ -{},{} +{},{} @@\n", os + 1, oe - os, ns + 1, ne - ns);
    for op in group {
        for change in diff.iter_changes(op) {
            let sign = match change.tag() {
                similar::ChangeTag::Equal => ' ',
                similar::ChangeTag::Delete => '-',
                similar::ChangeTag::Insert => '+',
            };
            out.push(sign);
            out.push_str(&cut(change.value()));
            out.push('\n');
        }
    }
    out
}

/// Test helpers: facts of an in-memory package with a publisher.
#[cfg(test)]
pub(crate) mod testing {
    use ferret_core::{Ecosystem, PackageFacts, RegistryFacts, VersionDoc};

    pub fn facts(files: &[(&str, &str)], publisher: Option<&str>) -> PackageFacts {
        let tree = ferret_source::from_files(
            "test",
            files
                .iter()
                .map(|(p, s)| ((*p).to_string(), s.as_bytes().to_vec()))
                .collect(),
        );
        let mut facts = crate::engine::build_facts(&tree, Ecosystem::Npm);
        if let Some(p) = publisher {
            facts.registry = Some(RegistryFacts {
                name: facts.id.name.clone(),
                version: Some(VersionDoc {
                    name: facts.id.name.clone(),
                    version: facts.id.version.clone(),
                    publisher: Some(p.to_string()),
                    ..VersionDoc::default()
                }),
                ..RegistryFacts::default()
            });
        }
        facts
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests unwrap on fixed inputs")]
mod tests {
    use super::*;

    fn tree(files: &[(&str, &str)]) -> PackageTree {
        ferret_source::from_files(
            "test",
            files
                .iter()
                .map(|(p, s)| ((*p).to_string(), s.as_bytes().to_vec()))
                .collect(),
        )
    }

    #[test]
    fn hunk_shows_the_added_line_with_context() {
        let old = "a\nb\nc\nd\ne\n";
        let new = "a\nb\nc\nfetch('https://x.example')\nd\ne\n";
        let h = hunk_around(Some(old), new, 4);
        assert!(h.starts_with("@@ -1,5 +1,6 @@"), "{h}");
        assert!(h.contains("+fetch('https://x.example')"), "{h}");
        assert!(h.contains(" c\n"), "{h}");
        let fresh = hunk_around(None, new, 4);
        assert!(fresh.lines().skip(1).all(|l| l.starts_with('+')), "{fresh}");
    }

    #[test]
    fn shared_facts_of_identical_files_equal_a_full_build() {
        let old = tree(&[
            (
                "package.json",
                r#"{"name":"x","version":"1.0.0","scripts":{"postinstall":"node setup.js"}}"#,
            ),
            ("setup.js", "require('./lib/util');\n"),
            ("lib/util.js", "require('child_process').exec('id');\n"),
            ("index.js", "module.exports = 1;\n"),
        ]);
        let new = tree(&[
            ("package.json", r#"{"name":"x","version":"1.0.1"}"#),
            ("setup.js", "require('./lib/util');\n"),
            ("lib/util.js", "require('child_process').exec('id');\n"),
            ("index.js", "module.exports = 2;\n"),
        ]);
        let (o, n) = diff_facts(&old, &new, Ecosystem::Npm);
        let strip = |mut f: PackageFacts| {
            for file in &mut f.files {
                file.chunks.clear();
            }
            f
        };
        assert_eq!(
            strip(o.clone()),
            crate::engine::build_facts(&old, Ecosystem::Npm)
        );
        assert_eq!(
            strip(n.clone()),
            crate::engine::build_facts(&new, Ecosystem::Npm)
        );
        // Install-time marking is per version, though `lib/util.js` is shared.
        assert!(o.file("lib/util.js").unwrap().install_time);
        assert!(!n.file("lib/util.js").unwrap().install_time);
        // Only the changed code file carries chunks.
        assert!(n.file("index.js").is_some_and(|f| !f.chunks.is_empty()));
        assert!(n.file("setup.js").is_some_and(|f| f.chunks.is_empty()));
    }

    #[test]
    fn patch_bumps() {
        assert!(is_patch_bump("3.3.5", "3.3.6"));
        assert!(is_patch_bump("1.4.0", "1.4.44-liberty-2"));
        assert!(!is_patch_bump("1.4.0", "1.5.0"));
        assert!(!is_patch_bump("1.4.1", "1.4.1"));
        assert!(!is_patch_bump("x", "1.0.1"));
    }

    #[test]
    fn manifest_keys_are_located() {
        let text = "{\n  \"name\": \"dependencies\",\n  \"dependencies\": {\n    \"a\": \"1\",\n    \"flatmap-stream\": \"0.1.1\"\n  }\n}\n";
        let span = find_json_key(text, &["dependencies", "flatmap-stream"]).unwrap();
        assert_eq!(
            &text[span.start as usize..span.end as usize],
            "\"flatmap-stream\""
        );
        assert!(find_json_key(text, &["dependencies", "nope"]).is_none());
    }

    #[test]
    fn unchanged_capabilities_are_summarised_and_new_uses_listed() {
        let old = tree(&[
            ("package.json", r#"{"name":"x","version":"1.0.0"}"#),
            (
                "index.js",
                "const fs = require('fs');\nfs.readFileSync('a');\n",
            ),
        ]);
        let new = tree(&[
            (
                "package.json",
                r#"{"name":"x","version":"1.0.1","dependencies":{"y":"1"}}"#,
            ),
            (
                "index.js",
                "const fs = require('fs');\nfs.readFileSync('a');\nfetch('https://x.example/c');\n",
            ),
        ]);
        let d = diff(&old, &new, Ecosystem::Npm);
        let net = d
            .capabilities
            .iter()
            .find(|c| c.capability == Capability::Network)
            .unwrap();
        assert_eq!(net.change, ChangeKind::Added);
        assert_eq!(net.added[0].location.line, 3);
        let fs = d
            .capabilities
            .iter()
            .find(|c| c.capability == Capability::Filesystem)
            .unwrap();
        assert_eq!(fs.change, ChangeKind::Unchanged);
        assert!(fs.added.is_empty());
        assert_eq!(d.files.modified, vec!["index.js", "package.json"]);
        assert_eq!(d.dependencies[0].key, "dependencies.y");
        assert!(
            d.excerpts.iter().any(|e| e.hunk.contains("+fetch(")),
            "{:#?}",
            d.excerpts
        );
        let dep = d
            .report
            .alerts
            .iter()
            .find(|a| a.rule == "dependency-added")
            .unwrap();
        assert_eq!(dep.location.as_ref().unwrap().line, 1);
        assert!(d.is_new_alert(dep));
    }
}
