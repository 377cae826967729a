//! Throughput of the JS analyser on a directory tree, single-threaded:
//! oxc parse + semantic alone (the floor) versus the full `Analyzer::analyze`.
//!
//! ```text
//! cargo run --release -p ferret_js --example js_throughput -- path/to/node_modules
//! ```

use ferret_js::{Analyzer, is_js_path};
use oxc_allocator::Allocator;
use oxc_parser::{ParseOptions, Parser};
use oxc_semantic::SemanticBuilder;
use oxc_span::SourceType;
use std::path::{Path, PathBuf};
use std::time::Instant;

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let Ok(ft) = entry.file_type() else { continue };
        let path = entry.path();
        if ft.is_dir() {
            walk(&path, out);
        } else if ft.is_file() && path.to_str().is_some_and(is_js_path) {
            out.push(path);
        }
    }
}

fn main() {
    let Some(root) = std::env::args().nth(1) else {
        eprintln!("usage: js_throughput <dir>");
        std::process::exit(2);
    };
    let mut paths = Vec::new();
    walk(Path::new(&root), &mut paths);
    paths.sort();
    let files: Vec<(String, String)> = paths
        .iter()
        .filter_map(|p| {
            let text = std::fs::read_to_string(p).ok()?;
            Some((p.to_string_lossy().replace('\\', "/"), text))
        })
        .collect();
    let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
    let mb = bytes as f64 / 1e6;
    println!("files: {}  MB: {mb:.1}", files.len());

    let mut alloc = Allocator::default();
    let start = Instant::now();
    let mut symbols = 0usize;
    for (path, text) in &files {
        if ferret_js::prescan(text).is_err() {
            continue;
        }
        alloc.reset();
        let st = SourceType::from_path(path).unwrap_or_default();
        let options = ParseOptions {
            allow_return_outside_function: true,
            ..ParseOptions::default()
        };
        let ret = Parser::new(&alloc, text, st).with_options(options).parse();
        let sem = SemanticBuilder::new().build(&ret.program);
        symbols += sem.semantic.scoping().symbols_len();
    }
    let base = start.elapsed().as_secs_f64();
    println!(
        "parse+semantic: {base:.2}s  {:.1} MB/s  ({symbols} symbols)",
        mb / base
    );

    let mut analyzer = Analyzer::new();
    let start = Instant::now();
    let (mut uses, mut strings, mut failed, mut skipped) = (0usize, 0usize, 0usize, 0usize);
    let mut problems = Vec::new();
    for (path, text) in &files {
        let f = analyzer.analyze(path, text);
        uses += f.uses.len();
        strings += f.strings.len();
        match f.status {
            ferret_core::ParseStatus::Failed { message, .. } => {
                failed += 1;
                problems.push(format!("failed  {path}: {message}"));
            }
            ferret_core::ParseStatus::Skipped { reason } => {
                skipped += 1;
                problems.push(format!("skipped {path}: {reason}"));
            }
            _ => {}
        }
    }
    let full = start.elapsed().as_secs_f64();
    println!(
        "full analyze:   {full:.2}s  {:.1} MB/s  ({uses} uses, {strings} strings, {failed} failed, {skipped} skipped)",
        mb / full
    );
    println!("full / base: {:.2}x", full / base);
    for p in problems.iter().take(20) {
        println!("  {p}");
    }
}
