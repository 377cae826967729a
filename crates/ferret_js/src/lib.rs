//! JavaScript/TypeScript analysis: one file in, [`ferret_core::FileFacts`] out.
//!
//! Each file is parsed once with oxc, analysed once by oxc's semantic pass (scopes and symbol
//! resolution, so a local `function require(){}` is not the builtin), then walked once by
//! the [`collect`] visitor, which uses the small abstract evaluator in [`eval`] to see
//! through aliases, destructuring and string folding, and the [`capabilities`] table to
//! decide what a resolved name means.
//!
//! Package files are hostile: a cheap pre-scan refuses pathological nesting before oxc's
//! recursive parser sees it, the analysis runs on a thread with a large stack, and every
//! evaluator step is bounded.

pub mod capabilities;
mod collect;
mod eval;

use ferret_core::LineIndex;
use ferret_core::{FileFacts, FileKind, Location, ParseStatus, Span, TextFacts};
use oxc_allocator::Allocator;
use oxc_ast_visit::Visit;
use oxc_parser::{ParseOptions, Parser};
use oxc_semantic::SemanticBuilder;
use oxc_span::SourceType;
use std::sync::mpsc;

/// Largest file analysed (bytes). Bigger files get text facts and `Skipped`.
pub const MAX_FILE_BYTES: usize = 64 << 20;

/// Deepest bracket nesting (`(`, `[`, `{`) analysed. oxc's parser and semantic pass recurse
/// once or more per level; 100,000 nested parentheses overflow any ordinary stack. Real code,
/// minified bundles included, stays far below: deeply nested webpack/rollup bundles and
/// callback pyramids reach a few dozen levels, generated parsers around a hundred. 1,000
/// leaves an order of magnitude of headroom and, at the worst case of a few KiB of stack per
/// level, fits the analysis thread's stack.
pub const MAX_NESTING: u32 = 1_000;

/// Longest run of operators and nesting keywords at one nesting level (see [`prescan`]).
/// `a+a+a+...`, `!!!!x` and `else if` chains build AST chains as deep as the run is long
/// without any bracket. Hand-written and minified code stays in the hundreds (long
/// `'<div>' +` template concatenations, long `else if` ladders); 50,000 levels at the few
/// KiB of stack oxc uses per level still fit [`ANALYSIS_STACK_BYTES`].
pub const MAX_OPERATOR_RUN: u32 = 50_000;

/// Stack of the analysis thread. Only touched pages are committed, so reserving this much
/// costs nothing for ordinary files, while the limits above keep the recursion well inside.
pub const ANALYSIS_STACK_BYTES: usize = 512 << 20;

/// Fuel for the evaluator: proportional to the file so large files still fold, bounded so
/// hostile ones cannot make folding quadratic.
fn fuel_for(len: usize) -> u64 {
    1_000_000 + 8 * len as u64
}

/// Reusable analyser, keeping oxc's arena allocator between files. On a thread
/// [marked](ferret_core::analysis_thread) as having the big stack it analyses in place;
/// elsewhere it owns one long-lived analysis thread with a large stack (spawning a thread per
/// file cost ~0.4 ms, more than parsing an average file) and copies each source to it. Create
/// one per engine thread and reuse it for every file.
pub struct Analyzer {
    worker: Option<Worker>,
    /// The arena for files analysed in place (see [`ferret_core::analysis_thread`]).
    arena: Option<Allocator>,
}

/// Parses and analyses one file on the current thread with `allocator` (reset first), catching
/// a panic so one hostile file cannot take the scan down. `None` when the analysis panicked;
/// the caller then discards the arena, which may hold a half-built AST.
fn run_job(allocator: &mut Allocator, job: &JobRef<'_>) -> Option<FileFacts> {
    allocator.reset();
    let allocator = &*allocator;
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut out = FileFacts::new(job.path, job.kind, job.source.len() as u64);
        analyze_program(allocator, job, &mut out);
        out
    }))
    .ok()
}

struct JobRef<'a> {
    path: &'a str,
    source: &'a str,
    source_type: SourceType,
    kind: FileKind,
    /// Built once per file: the text facts read its lines, the facts' locations use it.
    index: &'a LineIndex,
}

struct Job {
    path: String,
    source: String,
    source_type: SourceType,
    kind: FileKind,
    index: LineIndex,
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
            .name("ferret-js".to_string())
            .stack_size(ANALYSIS_STACK_BYTES)
            .spawn(move || {
                let mut allocator = Allocator::default();
                for job in job_rx {
                    let run = run_job(
                        &mut allocator,
                        &JobRef {
                            path: &job.path,
                            source: &job.source,
                            source_type: job.source_type,
                            kind: job.kind,
                            index: &job.index,
                        },
                    );
                    if run.is_none() {
                        // The arena may hold a half-built AST; start afresh.
                        allocator = Allocator::default();
                    }
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

/// Whether a path names a file this crate analyses.
pub fn is_js_path(path: &str) -> bool {
    ext_of(path).is_some_and(|e| {
        matches!(
            e,
            "js" | "cjs" | "mjs" | "jsx" | "ts" | "tsx" | "mts" | "cts"
        )
    })
}

fn ext_of(path: &str) -> Option<&str> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let (_, ext) = name.rsplit_once('.')?;
    Some(ext)
}

/// How the analyser parses a file of this path: the oxc source type (module system,
/// TypeScript, JSX) it picks from the extension. Public so benchmarks can parse as it does.
pub fn source_type(path: &str) -> SourceType {
    let dts = path.ends_with(".d.ts") || path.ends_with(".d.mts") || path.ends_with(".d.cts");
    let st = match ext_of(path).map(str::to_ascii_lowercase).as_deref() {
        Some("cjs") => SourceType::cjs(),
        Some("mjs") => SourceType::mjs(),
        Some("jsx") => SourceType::jsx(),
        Some("ts") => SourceType::ts(),
        Some("tsx") => SourceType::tsx(),
        Some("mts") => SourceType::ts().with_module(true),
        // `.cts` is CommonJS *output*, but its source is written with `import`/`export`
        // (TypeScript compiles them to `require`), which oxc's CommonJS mode rejects.
        Some("cts") => SourceType::ts(),
        // `.js` may be either module system, and JSX in `.js` is common in published
        // sources; enabling JSX costs nothing on plain JavaScript.
        _ => SourceType::unambiguous().with_jsx(true),
    };
    if dts {
        // Declaration files are always written as modules.
        st.with_typescript_definition(true).with_module(true)
    } else {
        st
    }
}

impl Analyzer {
    pub fn new() -> Self {
        // Spawned lazily, on the first file that needs it.
        Self {
            worker: None,
            arena: None,
        }
    }

    /// Never panics on any input. `path` is package-relative ('/'-separated).
    pub fn analyze(&mut self, path: &str, source: &str) -> FileFacts {
        let st = source_type(path);
        let kind = if st.is_typescript() {
            FileKind::TypeScript
        } else {
            FileKind::JavaScript
        };
        let mut facts = FileFacts::new(path, kind, source.len() as u64);
        if source.len() > MAX_FILE_BYTES {
            facts.text = text_facts(source);
            facts.status = ParseStatus::Skipped {
                reason: format!(
                    "file size {} bytes exceeds limit {MAX_FILE_BYTES}",
                    source.len()
                ),
            };
            return facts;
        }
        // One pass over the newlines serves the text facts and every location.
        let index = LineIndex::new(source);
        facts.text = text_facts_indexed(source, &index);
        if let Err(reason) = prescan(source) {
            facts.status = ParseStatus::Skipped { reason };
            return facts;
        }
        let outcome = if ferret_core::analysis_thread::on_analysis_thread() {
            let arena = self.arena.get_or_insert_with(Allocator::default);
            let run = run_job(
                arena,
                &JobRef {
                    path,
                    source,
                    source_type: st,
                    kind,
                    index: &index,
                },
            );
            if run.is_none() {
                self.arena = None;
            }
            Ok(run)
        } else {
            if self.worker.is_none() {
                self.worker = Worker::spawn();
            }
            let job = Job {
                path: path.to_string(),
                source: source.to_string(),
                source_type: st,
                kind,
                index,
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
                facts.top_level_loop = out.top_level_loop;
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

fn analyze_program(allocator: &Allocator, job: &JobRef<'_>, facts: &mut FileFacts) {
    let (path, source, st) = (job.path, job.source, job.source_type);
    let options = ParseOptions {
        allow_return_outside_function: true,
        ..ParseOptions::default()
    };
    let ret = Parser::new(allocator, source, st)
        .with_options(options)
        .parse();
    let program = ret.program;
    facts.status = match ret.diagnostics.errors().next() {
        None if !ret.panicked => ParseStatus::Parsed,
        first => ParseStatus::Failed {
            message: first.map_or_else(|| "parser gave up".to_string(), |d| d.message.to_string()),
            location: None,
        },
    };
    let first_error_offset = ret
        .diagnostics
        .errors()
        .next()
        .and_then(|d| d.labels.first().map(|l| l.offset()));
    facts.top_level_loop = program.body.iter().any(is_loop_outside_braces);
    let semantic = SemanticBuilder::new().build(&program);
    let scoping = semantic.semantic.scoping();
    let ev = eval::Evaluator::new(scoping, fuel_for(source.len()));
    let mut collector = collect::Collector::new(ev, facts, path, source, job.index);
    if let Some(off) = first_error_offset {
        let loc: Location = collector.location(oxc_span::Span::new(off, off));
        if let ParseStatus::Failed { location, .. } = &mut collector.facts.status {
            *location = Some(loc);
        }
    }
    collector.visit_program(&program);
}

/// A loop statement reached from a top-level statement without passing a brace: the
/// statement itself, or the body of a brace-less `if`/`else`, label, `with` or loop.
fn is_loop_outside_braces(stmt: &oxc_ast::ast::Statement<'_>) -> bool {
    use oxc_ast::ast::Statement;
    let mut stack = vec![stmt];
    // Bounded: each step goes one statement deeper in the source.
    while let Some(s) = stack.pop() {
        match s {
            Statement::ForStatement(_)
            | Statement::ForInStatement(_)
            | Statement::ForOfStatement(_)
            | Statement::WhileStatement(_)
            | Statement::DoWhileStatement(_) => return true,
            Statement::IfStatement(i) => {
                stack.push(&i.consequent);
                if let Some(a) = &i.alternate {
                    stack.push(a);
                }
            }
            Statement::LabeledStatement(l) => stack.push(&l.body),
            Statement::WithStatement(w) => stack.push(&w.body),
            _ => {}
        }
    }
    false
}

/// Line count, longest line and the minified heuristic, from the raw text.
pub fn text_facts(source: &str) -> TextFacts {
    let bytes = source.as_bytes();
    // Line by line (memchr finds the ends).
    let mut start = 0;
    let mut ends = memchr::memchr_iter(b'\n', bytes);
    let lines = std::iter::from_fn(move || {
        let end = ends.next();
        let line = (start, end.unwrap_or(bytes.len()));
        start = end.map_or(bytes.len(), |e| e + 1);
        // The text after the last newline is a line only when it is not empty.
        (end.is_some() || line.0 < line.1).then_some(line)
    });
    text_facts_of_lines(bytes, lines)
}

/// [`text_facts`] from the line starts of a [`LineIndex`] of `source`, without another pass
/// over its newlines.
pub fn text_facts_indexed(source: &str, index: &LineIndex) -> TextFacts {
    let bytes = source.as_bytes();
    let starts = index.line_starts();
    let lines = starts.iter().enumerate().filter_map(|(i, &s)| {
        let s = s as usize;
        match starts.get(i + 1) {
            // Without its newline.
            Some(&next) => Some((s, (next as usize).saturating_sub(1).max(s))),
            None => (s < bytes.len()).then_some((s, bytes.len())),
        }
    });
    text_facts_of_lines(bytes, lines)
}

/// The text facts over `lines`, byte ranges of `bytes` without their newlines.
fn text_facts_of_lines(bytes: &[u8], lines_of: impl Iterator<Item = (usize, usize)>) -> TextFacts {
    // Most package files are ASCII: characters are bytes and need no counting at all.
    let ascii = bytes.is_ascii();
    let mut lines = 0u32;
    let mut longest = 0u32;
    let mut longest_line: &[u8] = &[];
    // A line has at most as many characters as bytes: only a line longer in bytes than the
    // longest so far needs counting.
    for (start, end) in lines_of {
        let line = bytes.get(start..end).unwrap_or_default();
        if line.len() > longest as usize {
            let chars = if ascii {
                u32::try_from(line.len()).unwrap_or(u32::MAX)
            } else {
                count_chars(line)
            };
            if chars > longest {
                longest = chars;
                longest_line = line;
            }
        }
        lines = lines.saturating_add(1);
    }
    let total_chars = if ascii {
        bytes.len() as u64
    } else {
        u64::from(count_chars(bytes))
    };
    let avg = if lines == 0 {
        0
    } else {
        total_chars / u64::from(lines)
    };
    // "With code": a 6,000-character base64 blob or data line is not minified code; a line
    // carries code when at least one in 200 characters is a statement/call/block character.
    // Counted once, on the longest line, and only when it is long enough to matter.
    let long_code_line = longest > 5_000 && has_code_chars(longest_line, longest / 200);
    TextFacts {
        lines,
        longest_line: longest,
        minified: avg > 500 || long_code_line,
    }
}

/// Characters of UTF-8 text: the bytes that are not continuation bytes (`0b10xx_xxxx`).
/// Counted in blocks of 255 into a byte-sized counter, which the compiler turns into a
/// 16-bytes-at-a-time loop (a `usize` counter made it 4 bytes at a time).
fn count_chars(text: &[u8]) -> u32 {
    let mut n = 0usize;
    for block in text.chunks(255) {
        let mut c = 0u8;
        for &b in block {
            c += u8::from((b as i8) >= -64);
        }
        n += usize::from(c);
    }
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Whether `line` holds at least `need` statement/call/block characters. Counted in
/// vectorised blocks and stopped as soon as there are enough: the longest line of a
/// minified bundle is the whole bundle, and code reaches the density in its first blocks.
fn has_code_chars(line: &[u8], need: u32) -> bool {
    let mut n = 0u32;
    for block in line.chunks(255) {
        if n >= need {
            return true;
        }
        let mut c = 0u8;
        for &b in block {
            c += u8::from(matches!(b, b';' | b'{' | b'}' | b'(' | b')' | b'='));
        }
        n += u32::from(c);
    }
    n >= need
}

/// Keywords that nest a statement or expression inside the previous one without any
/// bracket: `else if` chains, brace-less `if (a) if (b) ...` bodies, `typeof typeof x`.
fn is_nesting_keyword(word: &[u8]) -> bool {
    matches!(
        word,
        b"if"
            | b"else"
            | b"for"
            | b"while"
            | b"do"
            | b"with"
            | b"typeof"
            | b"void"
            | b"delete"
            | b"await"
            | b"new"
            | b"yield"
            | b"in"
            | b"instanceof"
    )
}

/// Cheap scan of bracket nesting and operator runs, skipping strings and comments roughly
/// (regular expression literals are not recognised; a stray quote inside one can only make
/// the scan see less nesting, which the analysis thread's stack absorbs).
///
/// An operator run is what can make oxc's AST deep without brackets: operator characters
/// and nesting keywords (`else`, `typeof`, …) at one nesting level since the last `,` or `;` or the last
/// newline that ends a statement (one not after an operator, a keyword or a `)`, so
/// `if (a)\n if (b)\n ...` keeps counting).
pub fn prescan(source: &str) -> Result<(), String> {
    let b = source.as_bytes();
    // Neither limit can be reached by a file shorter than the run limit with fewer opening
    // brackets than the nesting limit (the depth is at most the number of openers, a run at
    // most the length); a vectorised count settles most files without the byte loop.
    if b.len() <= MAX_OPERATOR_RUN as usize && count_openers(b) <= MAX_NESTING as usize {
        return Ok(());
    }
    let mut depth: u32 = 0;
    // Operator-run counter per nesting level (levels above MAX_NESTING are rejected first).
    let mut runs = [0u32; MAX_NESTING as usize + 2];
    // `else` links per level: a `}` + newline ends a line but not an `else if` ladder, so
    // these only reset at `,` and `;`.
    let mut elses = [0u32; MAX_NESTING as usize + 2];
    // Whether the last significant token continues the statement onto the next line.
    let mut continues = false;
    let mut i = 0;
    // One table lookup decides what a byte is; runs of bytes that change nothing (spaces,
    // digits, other characters) are skipped in a tight loop.
    while let Some(&c) = b.get(i) {
        let d = depth as usize;
        match CLASS[usize::from(c)] {
            C_SPACE => {
                i += 1;
                while b.get(i).is_some_and(|&x| CLASS[usize::from(x)] == C_SPACE) {
                    i += 1;
                }
            }
            C_OTHER => {
                // Digits, `#`, `@`, `\\`, non-ASCII text: none continues a statement.
                continues = false;
                i += 1;
                while b.get(i).is_some_and(|&x| CLASS[usize::from(x)] == C_OTHER) {
                    i += 1;
                }
            }
            C_IDENT => {
                let start = i;
                // A table lookup per byte: identifiers are most of the text.
                i += b[i..]
                    .iter()
                    .position(|&x| !IDENT_BYTE[usize::from(x)])
                    .unwrap_or(b.len() - i);
                let word = &b[start..i];
                let keyword = word.len() <= 10 && is_nesting_keyword(word);
                continues = keyword;
                if keyword {
                    bump(&mut runs[d])?;
                    if word == b"else" {
                        bump(&mut elses[d])?;
                    }
                }
            }
            C_NEWLINE => {
                if !continues {
                    runs[d] = 0;
                }
                i += 1;
            }
            // Comments and strings are skipped with memchr/memmem rather than byte by byte.
            C_SLASH if b.get(i + 1) == Some(&b'/') => {
                i += memchr::memchr(b'\n', &b[i..]).unwrap_or(b.len() - i);
            }
            C_SLASH if b.get(i + 1) == Some(&b'*') => {
                i = memchr::memmem::find(&b[i + 2..], b"*/").map_or(b.len(), |p| i + 2 + p + 2);
            }
            C_QUOTE => {
                i = string_end(b, i + 1, c) + 1;
                continues = false;
            }
            C_OPEN => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(format!(
                        "nesting depth {} exceeds limit {MAX_NESTING}",
                        nesting_depth(&b[i..], depth)
                    ));
                }
                runs[depth as usize] = 0;
                elses[depth as usize] = 0;
                continues = false;
                i += 1;
            }
            C_CLOSE => {
                depth = depth.saturating_sub(1);
                // `if (a)` + newline + `if (b)`: the statement goes on after a `)`.
                continues = c == b')';
                i += 1;
            }
            C_SEP => {
                runs[d] = 0;
                elses[d] = 0;
                continues = false;
                i += 1;
            }
            // Every operator character counts (a `/` that opens no comment included), so
            // `!!!!x` and `- - -x` (one AST level each) are caught; `===` counting three only
            // makes the bound more conservative.
            _ => {
                bump(&mut runs[d])?;
                continues = true;
                i += 1;
            }
        }
    }
    Ok(())
}

const C_OTHER: u8 = 0;
const C_SPACE: u8 = 1;
const C_NEWLINE: u8 = 2;
const C_IDENT: u8 = 3;
const C_QUOTE: u8 = 4;
const C_SLASH: u8 = 5;
const C_OPEN: u8 = 6;
const C_CLOSE: u8 = 7;
const C_SEP: u8 = 8;
const C_OP: u8 = 9;

/// What each byte is to [`prescan`].
static CLASS: [u8; 256] = {
    let mut t = [C_OTHER; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = match b {
            b' ' | b'\t' | b'\r' => C_SPACE,
            b'\n' => C_NEWLINE,
            b'a'..=b'z' | b'A'..=b'Z' | b'_' | b'$' => C_IDENT,
            b'\'' | b'"' | b'`' => C_QUOTE,
            b'/' => C_SLASH,
            b'(' | b'[' | b'{' => C_OPEN,
            b')' | b']' | b'}' => C_CLOSE,
            b',' | b';' => C_SEP,
            b'+' | b'-' | b'*' | b'%' | b'&' | b'|' | b'^' | b'<' | b'>' | b'=' | b'?' | b':'
            | b'.' | b'!' | b'~' => C_OP,
            _ => C_OTHER,
        };
        c += 1;
    }
    t
};

/// Opening brackets in `b`, counted in blocks of 255 into a byte-sized counter: the compiler
/// vectorises that (16 bytes a step); a `usize` count of a `filter` ran one byte at a time and
/// was a sixth of the prescan.
fn count_openers(b: &[u8]) -> usize {
    let mut n = 0usize;
    for block in b.chunks(255) {
        let mut c = 0u8;
        for &x in block {
            c += u8::from((x == b'(') | (x == b'[') | (x == b'{'));
        }
        n += usize::from(c);
    }
    n
}

/// The byte-by-byte prescan as first written, kept to check the table-driven one.
#[cfg(test)]
pub(crate) fn prescan_reference(source: &str) -> Result<(), String> {
    let b = source.as_bytes();
    // Neither limit can be reached by a file shorter than the run limit with fewer opening
    // brackets than the nesting limit (the depth is at most the number of openers, a run at
    // most the length); a vectorised count settles most files without the byte loop.
    if b.len() <= MAX_OPERATOR_RUN as usize && count_openers(b) <= MAX_NESTING as usize {
        return Ok(());
    }
    let mut depth: u32 = 0;
    // Operator-run counter per nesting level (levels above MAX_NESTING are rejected first).
    let mut runs: Vec<u32> = vec![0; MAX_NESTING as usize + 2];
    // `else` links per level: a `}` + newline ends a line but not an `else if` ladder, so
    // these only reset at `,` and `;`.
    let mut elses: Vec<u32> = vec![0; MAX_NESTING as usize + 2];
    // Whether the last significant token continues the statement onto the next line.
    let mut continues = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let mut counts = false;
        match c {
            // Comments and strings are skipped with memchr/memmem rather than byte by byte.
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i += memchr::memchr(b'\n', &b[i..]).unwrap_or(b.len() - i);
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = memchr::memmem::find(&b[i + 2..], b"*/").map_or(b.len(), |p| i + 2 + p + 2);
                continue;
            }
            b'\'' | b'"' | b'`' => {
                i = string_end(b, i + 1, c) + 1;
                continues = false;
                continue;
            }
            c if c.is_ascii_alphabetic() || c == b'_' || c == b'$' => {
                let start = i;
                // A table lookup per byte: identifiers are most of the text.
                i += b[i..]
                    .iter()
                    .position(|&x| !IDENT_BYTE[usize::from(x)])
                    .unwrap_or(b.len() - i);
                let keyword = i - start <= 10 && is_nesting_keyword(&b[start..i]);
                continues = keyword;
                if keyword {
                    bump(&mut runs[depth as usize])?;
                    if &b[start..i] == b"else" {
                        bump(&mut elses[depth as usize])?;
                    }
                }
                continue;
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(format!(
                        "nesting depth {} exceeds limit {MAX_NESTING}",
                        nesting_depth(&b[i..], depth)
                    ));
                }
                runs[depth as usize] = 0;
                elses[depth as usize] = 0;
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b',' | b';' => {
                runs[depth as usize] = 0;
                elses[depth as usize] = 0;
            }
            b'\n' => {
                if !continues {
                    runs[depth as usize] = 0;
                }
                i += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' => {
                i += 1;
                continue;
            }
            // Every operator character counts, so `!!!!x` and `- - -x` (one AST level each)
            // are caught; `===` counting three only makes the bound more conservative.
            c if is_op(c) => counts = true,
            _ => {}
        }
        if counts {
            bump(&mut runs[depth as usize])?;
        }
        continues = counts || c == b')';
        i += 1;
    }
    Ok(())
}

/// Where the string literal opened by `q` whose body starts at `i` ends: the closing quote,
/// the newline that ends an unterminated `'`/`"` string, or the end of the text (at or past
/// `b.len()`). A backslash escapes the byte after it.
fn string_end(b: &[u8], mut i: usize, q: u8) -> usize {
    while i < b.len() {
        let Some(p) = memchr::memchr3(q, b'\\', b'\n', &b[i..]) else {
            return b.len();
        };
        i += p;
        match b[i] {
            b'\\' => i += 2,
            b'\n' if q != b'`' => return i,
            b'\n' => i += 1,
            _ => return i,
        }
    }
    i
}

/// Bytes that continue an ASCII identifier (`[A-Za-z0-9_$]`).
static IDENT_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric() || b == b'_' || b == b'$';
        c += 1;
    }
    t
};

fn bump(run: &mut u32) -> Result<(), String> {
    *run += 1;
    if *run > MAX_OPERATOR_RUN {
        return Err(format!(
            "operator chain longer than {MAX_OPERATOR_RUN} at one nesting level"
        ));
    }
    Ok(())
}

#[cfg(test)]
fn is_op(c: u8) -> bool {
    matches!(
        c,
        b'+' | b'-'
            | b'*'
            | b'/'
            | b'%'
            | b'&'
            | b'|'
            | b'^'
            | b'<'
            | b'>'
            | b'='
            | b'?'
            | b':'
            | b'.'
            | b'!'
            | b'~'
    )
}

/// The full nesting depth reached from a point already past the limit, for the message
/// (the scan continues cheaply without string handling; it is only a number to report).
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

/// Convert an oxc span to a ferret span.
pub fn to_span(s: oxc_span::Span) -> Span {
    Span::new(s.start, s.end)
}

#[cfg(test)]
mod tests;
