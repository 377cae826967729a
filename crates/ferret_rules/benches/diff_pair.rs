//! The diff benchmark of issue 6: the package diff of two versions of one large package
//! against the scan of one version (target: the diff in under 2x the scan).
//!
//! ```text
//! cargo bench -p ferret_rules --bench diff_pair -- <old.tgz|dir> <new.tgz|dir> [--runs N]
//! ```
//! Prints the best of N runs (default 3) of: scan(new), diff(old, new), and the ratio, then
//! the share of the code that changed (what `major-refactor` measures); the last line is one
//! JSON object for scripts.

use ferret_core::Ecosystem;
use ferret_source::{Limits, open_path};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn main() {
    let mut paths = Vec::new();
    let mut runs = 3usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--bench" => {}
            "--runs" => runs = args.next().and_then(|v| v.parse().ok()).unwrap_or(3),
            _ => paths.push(PathBuf::from(arg)),
        }
    }
    let [old, new] = paths.as_slice() else {
        eprintln!("usage: diff_pair <old> <new> [--runs N]");
        std::process::exit(2);
    };
    let limits = Limits::default();
    let (Ok(old), Ok(new)) = (open_path(old, &limits), open_path(new, &limits)) else {
        eprintln!("cannot open the packages");
        std::process::exit(2);
    };
    // Best wall time and best CPU time (all threads) of N runs: on a shared, loaded machine
    // the CPU time is the steadier of the two.
    let best_of = |f: &dyn Fn()| -> (Duration, Duration) {
        let mut wall = Duration::MAX;
        let mut cpu = Duration::MAX;
        for _ in 0..runs.max(1) {
            let (t, c) = (Instant::now(), cpu_time());
            f();
            wall = wall.min(t.elapsed());
            cpu = cpu.min(cpu_time().saturating_sub(c));
        }
        (wall, cpu)
    };
    let best = |f: &dyn Fn()| best_of(f).0;
    let (scan, scan_cpu) = best_of(&|| {
        std::hint::black_box(ferret_rules::engine::scan(&new, Ecosystem::Npm));
    });
    let (diff, diff_cpu) = best_of(&|| {
        std::hint::black_box(ferret_rules::diff::diff(&old, &new, Ecosystem::Npm));
    });
    let cpu_ratio = diff_cpu.as_secs_f64() / scan_cpu.as_secs_f64().max(1e-9);
    // Phases of the diff: both versions' facts (identical files analysed once), and the
    // rules over one version's facts (the diff runs them on both).
    let facts = best(&|| {
        std::hint::black_box(ferret_rules::diff::diff_facts(&old, &new, Ecosystem::Npm));
    });
    let new_facts_only = ferret_rules::engine::build_facts(&new, Ecosystem::Npm);
    let rules = best(&|| {
        std::hint::black_box(ferret_rules::engine::run_rules(
            &new_facts_only,
            ferret_rules::registry::all_rules(),
        ));
    });
    let ratio = diff.as_secs_f64() / scan.as_secs_f64().max(1e-9);
    // What `major-refactor` measures on this pair (outside the timings).
    let (old_facts, new_facts) = ferret_rules::diff::diff_facts(&old, &new, Ecosystem::Npm);
    let churn = ferret_rules::diff::code_churn(&old_facts, &new_facts);
    #[expect(clippy::cast_precision_loss, reason = "a ratio of byte counts")]
    let share = churn.changed as f64 / churn.total.max(1) as f64;
    println!(
        "files: {} old, {} new; {} MB new",
        old.files.len(),
        new.files.len(),
        new.unpacked_size / 1_000_000
    );
    println!("scan(new): {:.0} ms", scan.as_secs_f64() * 1000.0);
    println!(
        "diff(old, new): {:.0} ms ({ratio:.2}x the scan)",
        diff.as_secs_f64() * 1000.0
    );
    println!(
        "CPU: scan {:.0} ms, diff {:.0} ms ({cpu_ratio:.2}x)",
        scan_cpu.as_secs_f64() * 1000.0,
        diff_cpu.as_secs_f64() * 1000.0
    );
    println!(
        "  of which facts of both versions: {:.0} ms; rules over one version: {:.0} ms",
        facts.as_secs_f64() * 1000.0,
        rules.as_secs_f64() * 1000.0
    );
    println!(
        "code changed: {:.2}% ({} of {} bytes of code; {} of {} code files)",
        share * 100.0,
        churn.changed,
        churn.total,
        churn.files_changed,
        churn.files
    );
    println!(
        "{{\"scan_ms\":{:.1},\"diff_ms\":{:.1},\"ratio\":{ratio:.3},\"cpu_ratio\":{cpu_ratio:.3},\"code_changed\":{share:.4}}}",
        scan.as_secs_f64() * 1000.0,
        diff.as_secs_f64() * 1000.0
    );
}

/// CPU time (user + system) of this process, all threads, from `/proc/self/stat` (Linux,
/// 100 clock ticks a second); zero elsewhere.
fn cpu_time() -> Duration {
    let ticks = || -> Option<u64> {
        let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
        let rest = stat.get(stat.rfind(')')? + 2..)?;
        let fields: Vec<&str> = rest.split_whitespace().collect();
        // utime and stime are fields 14 and 15; `rest` starts at field 3.
        Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
    };
    Duration::from_millis(ticks().unwrap_or(0) * 10)
}
