//! Python analysis: one file in, [`ferret_core::FileFacts`] out, in the same vocabulary as
//! `ferret_js`, so every rule reads both ecosystems.
//!
//! Each file is parsed once with ruff's parser (Python 3.12+ syntax: PEP 701 f-strings,
//! `match`, type parameters), then walked once by the [`collect`] visitor, which keeps a
//! simple scope tracker in step with the code and uses the abstract evaluator in [`eval`]
//! to see through aliases (`import subprocess as sp`, `getattr(__import__('o'+'s'),
//! 'system')`) and string folding (concatenation, `join`, `chr`, base64/hex/rot13/zlib),
//! and the [`capabilities`] table to decide what a resolved name means.
//!
//! Package files are hostile: a cheap pre-scan refuses pathological nesting and operator
//! chains before ruff's recursive parser sees them, the analysis runs on a thread with a
//! large stack, and every evaluator step is bounded. ruff's API is unstable; nothing of it
//! leaks out of this crate.

pub mod capabilities;
mod collect;
mod eval;

use ferret_core::{FileFacts, FileKind, Location, ParseStatus, TextFacts};
use ruff_python_ast::PySourceType;
use ruff_python_ast::visitor::Visitor;
use ruff_text_size::TextRange;
use std::sync::mpsc;

/// Largest file analysed (bytes). Bigger files get text facts and `Skipped`.
pub const MAX_FILE_BYTES: usize = 64 << 20;

/// Deepest bracket nesting (`(`, `[`, `{`) analysed. ruff's parser recurses per level;
/// 100,000 nested parentheses overflow any ordinary stack. Real Python stays far below
/// (nested data literals in generated tables reach a few dozen); 1,000 leaves an order of
/// magnitude of headroom, as for JavaScript.
pub const MAX_NESTING: u32 = 1_000;

/// Longest run of AST-deepening tokens in one expression at one nesting level (see
/// [`prescan`]): `a+a+a+...`, `not not not x`, `x.y.z...`, `f()()()`, `a if b else c if
/// ...` build trees as deep as the run is long without nesting brackets, and the tree is
/// walked and dropped recursively. Hand-written code stays in the hundreds.
pub const MAX_OPERATOR_RUN: u32 = 50_000;

/// Stack of the analysis thread. Only touched pages are committed.
pub const ANALYSIS_STACK_BYTES: usize = 512 << 20;

/// Fuel for the evaluator: proportional to the file, bounded so folding cannot be
/// quadratic.
fn fuel_for(len: usize) -> u64 {
    1_000_000 + 8 * len as u64
}

/// Whether a path names a Python source file this crate analyses.
pub fn is_python_path(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.rsplit_once('.')
        .is_some_and(|(_, e)| matches!(e.to_ascii_lowercase().as_str(), "py" | "pyw" | "pyi"))
}

/// Reusable analyser. On a thread [marked](ferret_core::analysis_thread) as having the big
/// stack it analyses in place; elsewhere it owns one long-lived analysis thread with a large
/// stack (spawning a thread per file would cost more than parsing an average file). Create one
/// per engine thread and reuse it for every file.
pub struct Analyzer {
    worker: Option<Worker>,
}

/// Analyses one file on the current thread; `None` when the analysis panicked.
fn run_job(path: &str, source: &str) -> Option<FileFacts> {
    std::panic::catch_unwind(|| {
        let mut out = FileFacts::new(path, FileKind::Python, source.len() as u64);
        analyze_module(path, source, &mut out);
        out
    })
    .ok()
}

struct Job {
    path: String,
    source: String,
}

struct Worker {
    jobs: mpsc::Sender<Job>,
    results: mpsc::Receiver<Option<FileFacts>>,
    handle: Option<std::thread::JoinHandle<()>>,
}

impl Worker {
    fn spawn() -> Option<Self> {
        let (jobs, job_rx) = mpsc::channel::<Job>();
        let (result_tx, results) = mpsc::channel();
        let handle = std::thread::Builder::new()
            .name("ferret-python".to_string())
            .stack_size(ANALYSIS_STACK_BYTES)
            .spawn(move || {
                for job in job_rx {
                    let run = run_job(&job.path, &job.source);
                    if result_tx.send(run).is_err() {
                        return;
                    }
                }
            })
            .ok()?;
        Some(Self {
            jobs,
            results,
            handle: Some(handle),
        })
    }

    /// `Err` when the thread is gone; `Ok(None)` when the analysis panicked.
    fn run(&self, job: Job) -> Result<Option<FileFacts>, ()> {
        self.jobs.send(job).map_err(|_| ())?;
        self.results.recv().map_err(|_| ())
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Closing the job channel ends the thread's loop.
        let (closed, _) = mpsc::channel();
        self.jobs = closed;
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

impl Default for Analyzer {
    fn default() -> Self {
        Self::new()
    }
}

impl Analyzer {
    pub fn new() -> Self {
        // Spawned lazily, on the first file.
        Self { worker: None }
    }

    /// Never panics on any input. `path` is package-relative ('/'-separated).
    pub fn analyze(&mut self, path: &str, source: &str) -> FileFacts {
        let mut facts = FileFacts::new(path, FileKind::Python, source.len() as u64);
        facts.text = text_facts(source);
        if source.len() > MAX_FILE_BYTES {
            facts.status = ParseStatus::Skipped {
                reason: format!(
                    "file size {} bytes exceeds limit {MAX_FILE_BYTES}",
                    source.len()
                ),
            };
            return facts;
        }
        if let Err(reason) = prescan(source) {
            facts.status = ParseStatus::Skipped { reason };
            return facts;
        }
        let outcome = if ferret_core::analysis_thread::on_analysis_thread() {
            Ok(run_job(path, source))
        } else {
            if self.worker.is_none() {
                self.worker = Worker::spawn();
            }
            let job = Job {
                path: path.to_string(),
                source: source.to_string(),
            };
            match &self.worker {
                Some(w) => w.run(job),
                None => Err(()),
            }
        };
        match outcome {
            Ok(Some(out)) => {
                facts.status = out.status;
                facts.uses = out.uses;
                facts.imports = out.imports;
                facts.calls = out.calls;
                facts.strings = out.strings;
                facts.functions = out.functions;
            }
            Ok(None) => {
                facts.status = ParseStatus::Failed {
                    message: "internal error while analysing this file".to_string(),
                    location: None,
                };
            }
            Err(()) => {
                // No analysis thread (resource exhaustion): reported, never run on the
                // caller's possibly small stack. A later call tries to spawn again.
                self.worker = None;
                facts.status = ParseStatus::Failed {
                    message: "could not start the analysis thread".to_string(),
                    location: None,
                };
            }
        }
        facts
    }
}

fn analyze_module(path: &str, source: &str, facts: &mut FileFacts) {
    let parsed = ruff_python_parser::parse_unchecked_source(source, PySourceType::Python);
    let first_error = parsed
        .errors()
        .first()
        .map(|e| (e.error.to_string(), e.location));
    let body = &parsed.syntax().body;
    let ev = eval::Evaluator::new(body, fuel_for(source.len()));
    let mut collector = collect::Collector::new(ev, facts, path, source);
    let error_location: Option<(String, Location)> =
        first_error.map(|(m, r): (String, TextRange)| (m, collector.location(r)));
    collector.visit_body(body);
    facts.status = match error_location {
        None => ParseStatus::Parsed,
        Some((message, location)) => ParseStatus::Failed {
            message,
            location: Some(location),
        },
    };
}

/// Line count, longest line and the minified heuristic, from the raw text. Python cannot
/// be minified onto one line the way JavaScript can, but `;`-joined statements and
/// one-line `exec` payloads can: a line over 5,000 characters with a statement character
/// at least every 200 counts.
pub fn text_facts(source: &str) -> TextFacts {
    let mut lines = 0u32;
    let mut longest = 0u32;
    let mut longest_code = 0u32;
    let mut total = 0u64;
    for line in source.split_inclusive('\n') {
        lines += 1;
        let chars = u32::try_from(line.chars().count()).unwrap_or(u32::MAX);
        total += u64::from(chars);
        if chars > longest {
            longest = chars;
            longest_code = u32::try_from(
                line.bytes()
                    .filter(|b| matches!(b, b';' | b'(' | b')' | b'='))
                    .count(),
            )
            .unwrap_or(u32::MAX);
        }
    }
    let avg = if lines == 0 {
        0
    } else {
        total / u64::from(lines)
    };
    let long_code_line = longest > 5_000 && longest_code >= longest / 200;
    TextFacts {
        lines,
        longest_line: longest,
        minified: avg > 500 || long_code_line,
    }
}

/// Keywords that nest an expression inside the previous one without any bracket.
const NESTING_KEYWORDS: &[&[u8]] = &[
    b"not", b"and", b"or", b"if", b"else", b"lambda", b"await", b"in", b"is", b"yield",
];

/// Cheap scan of bracket nesting and deepening-token runs, skipping strings (all quote
/// forms, triple quotes, prefixes) and comments. f-string replacement fields are treated as
/// string text, so brackets inside them are not counted; the analysis thread's stack
/// absorbs what that misses.
///
/// A run counts operator characters, `.`, postfix brackets and [`NESTING_KEYWORDS`] at one
/// nesting level since the last `,` at that level or the last logical end of line.
pub fn prescan(source: &str) -> Result<(), String> {
    let b = source.as_bytes();
    let mut depth: u32 = 0;
    let mut runs: Vec<u32> = vec![0; MAX_NESTING as usize + 2];
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'\'' | b'"' => {
                i = skip_string(b, i);
                continue;
            }
            c if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 => {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] >= 0x80)
                {
                    i += 1;
                }
                if NESTING_KEYWORDS.contains(&&b[start..i]) {
                    bump(&mut runs[depth as usize])?;
                }
                continue;
            }
            b'(' | b'[' | b'{' => {
                // A postfix call/subscript deepens the chain it follows.
                bump(&mut runs[depth as usize])?;
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(format!(
                        "nesting depth {} exceeds limit {MAX_NESTING}",
                        nesting_depth(&b[i..], depth)
                    ));
                }
                runs[depth as usize] = 0;
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b',' | b';' => runs[depth as usize] = 0,
            b'\n' => {
                let continued =
                    i > 0 && b[i - 1] == b'\\' || (i > 1 && b[i - 1] == b'\r' && b[i - 2] == b'\\');
                if depth == 0 && !continued {
                    runs[0] = 0;
                }
            }
            b'+' | b'-' | b'*' | b'/' | b'%' | b'&' | b'|' | b'^' | b'<' | b'>' | b'=' | b'~'
            | b'.' | b'@' | b':' => bump(&mut runs[depth as usize])?,
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// Index just past the string literal starting at `i` (a quote), triple quotes included.
fn skip_string(b: &[u8], i: usize) -> usize {
    let q = b[i];
    let triple = b.get(i + 1) == Some(&q) && b.get(i + 2) == Some(&q);
    let mut j = if triple { i + 3 } else { i + 1 };
    if !triple && b.get(i + 1) == Some(&q) {
        return i + 2; // empty string
    }
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            b'\n' if !triple => return j,
            c if c == q => {
                if !triple {
                    return j + 1;
                }
                if b.get(j + 1) == Some(&q) && b.get(j + 2) == Some(&q) {
                    return j + 3;
                }
                j += 1;
            }
            _ => j += 1,
        }
    }
    b.len()
}

fn bump(run: &mut u32) -> Result<(), String> {
    *run += 1;
    if *run > MAX_OPERATOR_RUN {
        return Err(format!(
            "operator chain longer than {MAX_OPERATOR_RUN} at one nesting level"
        ));
    }
    Ok(())
}

/// The full nesting depth reached from a point already past the limit, for the message.
fn nesting_depth(rest: &[u8], start: u32) -> u32 {
    let mut depth = start;
    let mut max = start;
    for &c in rest.iter().skip(1) {
        match c {
            b'(' | b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests build their own inputs")]
mod tests;
