//! The scan benchmark of issue 2: every package of a `node_modules` tree through the full
//! engine (open, sniff, oxc parse + semantic, facts, every rule, report), and for comparison
//! oxc's bare parse + semantic pass over the same JavaScript files.
//!
//! ```text
//! cargo bench -p ferret_rules --bench scan_tree -- <node_modules> [--threads N] [--bare]
//! ```
//! `--threads N` (default: `FERRET_THREADS`, else one per core) sizes the analysis pool;
//! `--bare` runs only the bare oxc pass, single-threaded, on files read into memory first.
//! Run each configuration in its own process (as `scripts/bench-scan` does) so the peak RSS
//! printed at the end (`VmHWM`) belongs to that configuration alone. The last line is one
//! JSON object for scripts.

use ferret_core::Ecosystem;
use ferret_rules::engine::{ScanOptions, scan_many};
use ferret_source::{Limits, PackageTree, SourceError, open_dir};
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

fn main() {
    let mut root = None;
    let mut threads = std::env::var("FERRET_THREADS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .and_then(NonZeroUsize::new);
    let mut bare = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            // `cargo bench` passes `--bench` to harness-less targets.
            "--bench" => {}
            "--bare" => bare = true,
            "--threads" => {
                threads = args
                    .next()
                    .and_then(|v| v.parse::<usize>().ok())
                    .and_then(NonZeroUsize::new);
            }
            _ => root = Some(PathBuf::from(arg)),
        }
    }
    let Some(root) = root else {
        eprintln!("usage: scan_tree <node_modules> [--threads N] [--bare]");
        std::process::exit(2);
    };
    let packages = node_modules_packages(&root);
    if bare {
        run_bare(&packages);
    } else {
        run_full(&packages, threads);
    }
}

/// Every package directory under a `node_modules` tree: `a/`, `@s/b/`, `a/node_modules/c/`.
fn node_modules_packages(root: &Path) -> Vec<PathBuf> {
    fn sorted_dirs(dir: &Path) -> Vec<(String, PathBuf)> {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        let mut out: Vec<(String, PathBuf)> = entries
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .filter_map(|e| Some((e.file_name().to_str()?.to_string(), e.path())))
            .filter(|(name, _)| !name.starts_with('.'))
            .collect();
        out.sort();
        out
    }
    fn walk(nm: &Path, out: &mut Vec<PathBuf>) {
        for (name, path) in sorted_dirs(nm) {
            if name.starts_with('@') {
                for (_, scoped) in sorted_dirs(&path) {
                    add(scoped, out);
                }
            } else {
                add(path, out);
            }
        }
    }
    fn add(pkg: PathBuf, out: &mut Vec<PathBuf>) {
        let nested = pkg.join("node_modules");
        if pkg.join("package.json").is_file() {
            out.push(pkg);
        }
        if nested.is_dir() {
            walk(&nested, out);
        }
    }
    let mut out = Vec::new();
    walk(root, &mut out);
    out
}

/// Peak resident set size of this process, from `/proc/self/status` (Linux).
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// CPU seconds (user + system) from a `/proc/.../stat` file: `/proc/self/stat` for all
/// threads of the process, `/proc/thread-self/stat` for the calling thread. The machine is
/// shared, so CPU time is the load-independent measure; wall time is printed beside it.
fn cpu_seconds(stat: &str) -> f64 {
    // Fields after the `)` closing the command name: state is field 3, utime 14, stime 15.
    let Ok(text) = std::fs::read_to_string(stat) else {
        return 0.0;
    };
    let Some((_, rest)) = text.rsplit_once(')') else {
        return 0.0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15, i.e. 11 and 12 after the `)`; USER_HZ is 100 on
    // every Linux architecture we run on.
    (ticks(11) + ticks(12)) as f64 / 100.0
}

/// CPU time of the calling thread in nanoseconds, from `/proc/thread-self/schedstat` (its
/// first field; nanosecond resolution, where `stat` counts 10 ms ticks).
fn thread_cpu_nanos() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

#[derive(Default)]
struct Counts {
    files: AtomicU64,
    js_files: AtomicU64,
    js_bytes: AtomicU64,
    open_nanos: AtomicU64,
    /// CPU time spent opening packages (reading every file into memory): the bare pass
    /// reads its files before it starts timing, so the analysis alone is `cpu - open_cpu`.
    open_cpu_nanos: AtomicU64,
}

fn run_full(packages: &[PathBuf], threads: Option<NonZeroUsize>) {
    let limits = Limits::default();
    let counts = Counts::default();
    let options = ScanOptions { threads };
    let n_threads = threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, NonZeroUsize::get),
        NonZeroUsize::get,
    );
    let cpu_start = cpu_seconds("/proc/self/stat");
    let start = Instant::now();
    let results = scan_many(packages, Ecosystem::Npm, &options, |dir| {
        let t = Instant::now();
        let cpu0 = thread_cpu_nanos();
        let tree = open_dir(dir, &limits)?;
        counts
            .open_cpu_nanos
            .fetch_add(thread_cpu_nanos().saturating_sub(cpu0), Ordering::Relaxed);
        counts
            .open_nanos
            .fetch_add(nanos(t.elapsed()), Ordering::Relaxed);
        count(&tree, &counts);
        Ok::<PackageTree, SourceError>(tree)
    });
    let wall = start.elapsed().as_secs_f64();
    let cpu = cpu_seconds("/proc/self/stat") - cpu_start;
    let mut alerts = 0usize;
    let mut failed_files = 0usize;
    let mut errors = Vec::new();
    for (dir, r) in packages.iter().zip(&results) {
        match r {
            Ok(report) => {
                alerts += report.alerts.len();
                failed_files += report.files_failed.len();
            }
            Err(e) => errors.push(format!("{}: {e}", dir.display())),
        }
    }
    let js_files = counts.js_files.load(Ordering::Relaxed);
    let js_mb = mb(counts.js_bytes.load(Ordering::Relaxed));
    let files = counts.files.load(Ordering::Relaxed);
    let open_s = counts.open_nanos.load(Ordering::Relaxed) as f64 / 1e9;
    let open_cpu_s = counts.open_cpu_nanos.load(Ordering::Relaxed) as f64 / 1e9;
    let rss = peak_rss_bytes().unwrap_or(0);
    println!(
        "full scan, {n_threads} thread(s): {} packages, {files} files, {js_files} JS files, {js_mb:.1} MB of JS",
        packages.len()
    );
    println!(
        "  wall {wall:.2} s  {:.1} MB/s ({:.1} MB/s per thread)  {:.0} JS files/s  ({alerts} alerts, {failed_files} files not analysed, {:.2} s of reading files summed over threads)",
        js_mb / wall,
        js_mb / wall / n_threads as f64,
        js_files as f64 / wall,
        open_s
    );
    println!(
        "  CPU {cpu:.2} s: {:.1} MB/s per CPU-second (reading files included); {open_cpu_s:.2} s of it reading files, {:.1} MB per CPU-second without",
        js_mb / cpu,
        js_mb / (cpu - open_cpu_s).max(1e-9)
    );
    println!("  peak RSS {:.0} MiB", rss as f64 / 1048576.0);
    for e in errors.iter().take(10) {
        println!("  error: {e}");
    }
    println!(
        "{{\"mode\":\"full\",\"threads\":{n_threads},\"packages\":{},\"package_errors\":{},\"files\":{files},\"js_files\":{js_files},\"js_mb\":{js_mb:.3},\"wall_s\":{wall:.3},\"cpu_s\":{cpu:.3},\"open_s\":{open_s:.3},\"open_cpu_s\":{open_cpu_s:.3},\"alerts\":{alerts},\"peak_rss_bytes\":{rss}}}",
        packages.len(),
        errors.len()
    );
}

fn count(tree: &PackageTree, counts: &Counts) {
    counts
        .files
        .fetch_add(tree.files.len() as u64, Ordering::Relaxed);
    for f in tree.files.iter().filter(|f| ferret_js::is_js_path(&f.path)) {
        counts.js_files.fetch_add(1, Ordering::Relaxed);
        counts
            .js_bytes
            .fetch_add(f.data.len() as u64, Ordering::Relaxed);
    }
}

fn nanos(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

/// oxc's parse + semantic alone, single-threaded, over the JS files the engine analyses
/// (read and decoded first, outside the timing). Files the engine refuses before parsing
/// (over-deep nesting, over-size) are left out, as oxc would overflow its stack on them.
fn run_bare(packages: &[PathBuf]) {
    let limits = Limits::default();
    let mut files: Vec<(String, String)> = Vec::new();
    for dir in packages {
        let Ok(tree) = open_dir(dir, &limits) else {
            continue;
        };
        for f in tree.files {
            if ferret_js::is_js_path(&f.path) {
                let text = String::from_utf8_lossy(&f.data).into_owned();
                files.push((f.path, text));
            }
        }
    }
    let all_bytes: u64 = files.iter().map(|(_, t)| t.len() as u64).sum();
    let all_files = files.len();
    files.retain(|(_, t)| t.len() <= ferret_js::MAX_FILE_BYTES && ferret_js::prescan(t).is_ok());
    let bytes: u64 = files.iter().map(|(_, t)| t.len() as u64).sum();
    // oxc recurses; run on a large stack like the engine's analysis threads.
    let worker = std::thread::Builder::new()
        .stack_size(ferret_js::ANALYSIS_STACK_BYTES)
        .spawn(move || {
            use oxc_allocator::Allocator;
            use oxc_parser::{ParseOptions, Parser};
            use oxc_semantic::SemanticBuilder;
            let mut alloc = Allocator::default();
            let mut symbols = 0usize;
            let cpu_start = cpu_seconds("/proc/thread-self/stat");
            let start = Instant::now();
            for (path, text) in &files {
                alloc.reset();
                // The source type the engine picks (`.js` is unambiguous, `.cts` TypeScript, …).
                let st = ferret_js::source_type(path);
                let options = ParseOptions {
                    allow_return_outside_function: true,
                    ..ParseOptions::default()
                };
                let ret = Parser::new(&alloc, text, st).with_options(options).parse();
                let sem = SemanticBuilder::new().build(&ret.program);
                symbols += sem.semantic.scoping().symbols_len();
            }
            let cpu = cpu_seconds("/proc/thread-self/stat") - cpu_start;
            (start.elapsed().as_secs_f64(), cpu, symbols, files.len())
        });
    let Ok(Ok((wall, cpu, symbols, n))) = worker.map(std::thread::JoinHandle::join) else {
        eprintln!("bare pass failed");
        std::process::exit(1);
    };
    let js_mb = mb(bytes);
    println!(
        "bare oxc parse+semantic, 1 thread: {n} of {all_files} JS files, {js_mb:.1} of {:.1} MB",
        mb(all_bytes)
    );
    println!(
        "  wall {wall:.2} s  {:.1} MB/s  {:.0} files/s  ({symbols} symbols)",
        js_mb / wall,
        n as f64 / wall
    );
    println!("  CPU {cpu:.2} s: {:.1} MB/s per CPU-second", js_mb / cpu);
    println!(
        "{{\"mode\":\"bare\",\"threads\":1,\"js_files\":{n},\"js_mb\":{js_mb:.3},\"wall_s\":{wall:.3},\"cpu_s\":{cpu:.3},\"peak_rss_bytes\":{}}}",
        peak_rss_bytes().unwrap_or(0)
    );
}
