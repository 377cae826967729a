//! The raw-text pass: one linear walk over a file's bytes filling [`TextSignals`].
//!
//! Most package files are pure ASCII; for them only byte-level work runs (`memmem` searches
//! for obfuscator fingerprints, one loop for whitespace and JSFuck runs). Files with
//! non-ASCII characters also go through a light lexer so each bidi control, invisible
//! character and mixed-script identifier knows whether it sits in code, a literal or a
//! comment. The lexer follows the file's language ([`Lang::of_path`]): JavaScript (strings,
//! template literals, `//` and `/* */` comments, regex literals) or Python (`#` comments,
//! single-, double- and triple-quoted strings with `r`/`b`/`f`/`u`/`t` prefixes, f-string
//! replacement fields; no regex literals).
//!
//! Measured on `npm-app/node_modules` (381 packages, 16,332 JS/TS files):
//! - bidi controls (U+202A–202E, U+2066–2069): 0 files;
//! - whitespace runs of ≥ 150 spaces/tabs followed by code on the same line: 0 files;
//! - `_0x[0-9a-f]{4,6}` identifiers: 0 files; packer `eval(function(p,a,c,k,e,`: 0 files;
//! - invisible characters: 30 files, all either in comments, lone ZWJ/ZWNJ inside
//!   non-Latin words (moment's ku/si locales), identifier-char tables in parsers (acorn,
//!   babel, json5: `"\u200c\u200d"` written raw) or React's dev runtime, whose longest run
//!   is 8 U+200B in `"Parallel\u200b…"` track names. Hence: every invisible character in
//!   code is reported, but inside literals only runs of ≥ [`LITERAL_RUN_MIN`];
//! - Latin mixed with Cyrillic/Greek in one word: 25 hits, all in moment's locale strings
//!   or regex literals (`/\d{1,2}η/`), none in identifiers.

use ferret_core::{
    CharSignal, HiddenCode, IdentifierSignal, LineIndex, ObfuscationHints, Span, TextContext,
    TextSignals,
};
use memchr::memmem;

/// Whitespace run (spaces/tabs, bytes) after which code on the same line counts as hidden.
/// Editors wrap or scroll at ~120–160 columns; 0 benign files reach 150 (see module docs).
pub const HIDDEN_WHITESPACE_MIN: usize = 150;

/// Invisible characters in a row inside a string/regex literal before it is reported.
/// Benign maximum measured: 8 (React dev runtime). Invisible-Unicode payloads
/// (variation-selector / tag encodings) run to hundreds or thousands.
pub const LITERAL_RUN_MIN: u32 = 16;

/// Runs of `[]()!+` shorter than this are not recorded (minified code has runs like `()}))`).
const JSFUCK_RECORD_MIN: u32 = 100;

/// The language whose comment and literal syntax the text pass follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// JavaScript and TypeScript (and anything not recognised as Python).
    Js,
    /// Python source (`.py`, `.pyw`, `.pyi`) and `.pth` files, whose `import` lines run.
    Python,
}

impl Lang {
    /// The language of a file, by extension (case-insensitive); JavaScript by default.
    pub fn of_path(path: &str) -> Lang {
        let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
        let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
        if ["py", "pyw", "pyi", "pth"]
            .iter()
            .any(|p| ext.eq_ignore_ascii_case(p))
        {
            Lang::Python
        } else {
            Lang::Js
        }
    }
}

/// Computes the text signals of one source file, lexed as its extension says
/// ([`Lang::of_path`]). The line index is built only when something is found, so ordinary
/// files cost one byte scan and a few `memmem` searches.
pub fn text_signals(path: &str, source: &str) -> TextSignals {
    let idx = std::cell::OnceCell::new();
    scan(path, source, &|| idx.get_or_init(|| LineIndex::new(source)))
}

/// [`text_signals`] with a line index the caller already has.
pub fn text_signals_with_index(path: &str, source: &str, idx: &LineIndex) -> TextSignals {
    scan(path, source, &|| idx)
}

fn scan<'i>(path: &str, source: &str, idx: &dyn Fn() -> &'i LineIndex) -> TextSignals {
    let mut out = TextSignals::default();
    let bytes = source.as_bytes();
    let at = |start: usize, end: usize| {
        let span = Span::new(to_u32(start), to_u32(end));
        let idx = idx();
        (idx.location(path, source, span), idx.excerpt(source, span))
    };

    let lang = Lang::of_path(path);
    obfuscation_hints(bytes, &mut out.obfuscation, &|s, e| at(s, e).0);
    whitespace_and_jsfuck(bytes, lang, &mut out, &at);
    if lang == Lang::Js {
        // `console.log = …` means nothing in Python.
        console_overrides(bytes, &mut out, &at);
    }
    if !bytes.is_ascii() && lexer_can_report(source) {
        Lexer::new(source, lang, &mut out, &at).run();
    }
    out
}

/// Whether the lexer could report anything: it only reports bidi controls, invisible
/// characters and identifiers mixing Latin with a look-alike script, so a file whose
/// non-ASCII characters are none of these (a `©` or `é` in a comment, typographic quotes,
/// CJK text) is skipped without lexing it byte by byte.
fn lexer_can_report(source: &str) -> bool {
    let bytes = source.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // Skip ASCII a word-sized chunk at a time.
        let chunk = &bytes[i..bytes.len().min(i + 32)];
        if chunk.is_ascii() {
            i += chunk.len();
            continue;
        }
        let Some(off) = chunk.iter().position(|&b| b >= 0x80) else {
            i += chunk.len();
            continue;
        };
        i += off;
        let Some(c) = source.get(i..).and_then(|s| s.chars().next()) else {
            return true;
        };
        if is_bidi_control(c) || is_invisible(c) {
            return true;
        }
        if script_of(c).is_some_and(|s| s != Script::Latin) {
            // Only a word that mixes it with Latin letters can be reported: Greek units in
            // a string (`"10 μ"`) or a Cyrillic message do not make a bundle worth lexing.
            let (latin, end) = word_with_latin(source, i);
            if latin {
                return true;
            }
            i = end.max(i + c.len_utf8());
            continue;
        }
        i += c.len_utf8();
    }
    false
}

/// Whether the run of identifier characters around byte `i` of `source` holds a Latin
/// letter, and where the run ends. Each run is looked at once (the caller moves past it), so
/// the scan stays linear however long the run.
fn word_with_latin(source: &str, i: usize) -> (bool, usize) {
    let before = source[..i]
        .chars()
        .rev()
        .take_while(|&c| is_ident_char(c))
        .any(|c| script_of(c) == Some(Script::Latin));
    let mut end = i;
    let mut latin = before;
    for c in source[i..].chars() {
        if !is_ident_char(c) {
            break;
        }
        latin |= script_of(c) == Some(Script::Latin);
        end += c.len_utf8();
    }
    (latin, end)
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

fn obfuscation_hints(
    bytes: &[u8],
    hints: &mut ObfuscationHints,
    loc: &dyn Fn(usize, usize) -> ferret_core::Location,
) {
    static HEX_ID: std::sync::LazyLock<memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memmem::Finder::new(b"_0x"));
    let mut parse_int_hex = 0u32;
    for pos in HEX_ID.find_iter(bytes) {
        // `parseInt(_0x…` counted in the same pass (it holds `_0x`).
        if pos >= 9 && &bytes[pos - 9..pos] == b"parseInt(" {
            parse_int_hex = parse_int_hex.saturating_add(1);
        }
        if pos > 0 && is_ident_byte(bytes[pos - 1]) {
            continue;
        }
        let digits = bytes[pos + 3..]
            .iter()
            .take(7)
            .take_while(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
            .count();
        let end = pos + 3 + digits;
        if !(4..=6).contains(&digits) || bytes.get(end).is_some_and(|&b| is_ident_byte(b)) {
            continue;
        }
        hints.hex_identifiers = hints.hex_identifiers.saturating_add(1);
        if hints.first_hex_identifier.is_none() {
            hints.first_hex_identifier = Some(loc(pos, end));
        }
    }
    hints.parse_int_hex = parse_int_hex;
    if let Some(pos) = memmem::find(bytes, b"eval(function(p,a,c,k,e,") {
        hints.packer = Some(loc(pos, pos + 24));
    }
    // Rotation loop: the push is written as a string member (`['push']`) or on `_0x` names;
    // plain `q.push(q.shift())` is an ordinary round-robin idiom and does not count.
    let patterns: [(&[u8], &[u8]); 4] = [
        (b"['push'](", b"['shift']()"),
        (b"[\"push\"](", b"[\"shift\"]()"),
        (b".push(_0x", b".shift())"),
        (b"['push'](_0x", b"['shift']())"),
    ];
    'outer: for (push, shift) in patterns {
        for pos in memmem::find_iter(bytes, push) {
            let window = &bytes[pos..bytes.len().min(pos + push.len() + 48)];
            if memmem::find(window, shift).is_some() {
                hints.rotation = Some(loc(pos, pos + push.len()));
                break 'outer;
            }
        }
    }
}

/// `console.x = …` / `console[x] = …` (not `==`, `=>`): silencing the console.
fn console_overrides(bytes: &[u8], out: &mut TextSignals, at: &At<'_>) {
    for pos in memmem::find_iter(bytes, b"console") {
        if pos > 0 && is_ident_byte(bytes[pos - 1]) {
            continue;
        }
        let mut i = pos + 7;
        match bytes.get(i) {
            Some(b'.') => {
                i += 1;
                let n = bytes[i..].iter().take_while(|&&b| is_ident_byte(b)).count();
                if n == 0 {
                    continue;
                }
                i += n;
            }
            Some(b'[') => {
                let Some(close) = bytes[i..].iter().take(64).position(|&b| b == b']') else {
                    continue;
                };
                i += close + 1;
            }
            _ => continue,
        }
        while bytes.get(i).is_some_and(|&b| b == b' ' || b == b'\t') {
            i += 1;
        }
        if bytes.get(i) == Some(&b'=') && !matches!(bytes.get(i + 1), Some(b'=' | b'>')) {
            if out.console_overrides.len() >= TextSignals::MAX_PER_KIND {
                out.truncated = true;
                return;
            }
            let (location, code) = at(pos, i + 1);
            out.console_overrides
                .push(ferret_core::CodeSignal { location, code });
        }
    }
}

type At<'a> = dyn Fn(usize, usize) -> (ferret_core::Location, ferret_core::Excerpt) + 'a;

fn whitespace_and_jsfuck(bytes: &[u8], lang: Lang, out: &mut TextSignals, at: &At<'_>) {
    // Code after a run of spaces/tabs on the same line (not a comment).
    for_each_run(
        bytes,
        HIDDEN_WHITESPACE_MIN,
        |b| b == b' ' || b == b'\t',
        |start, end| {
            let Some(&b) = bytes.get(end) else {
                return true;
            };
            if b == b'\n' || b == b'\r' {
                return true;
            }
            let comment = match lang {
                // `*` continues a block comment (` * @param`).
                Lang::Js => {
                    let rest = &bytes[end..bytes.len().min(end + 2)];
                    rest.starts_with(b"//") || rest.starts_with(b"/*") || b == b'*'
                }
                Lang::Python => b == b'#',
            };
            if comment {
                return true;
            }
            // Indentation: deeply nested generated code (typescript's lib/tsc.js nests a
            // ternary chain 150 columns deep) is indented step by step; a line pushed
            // off-screen stands far to the right of the line before it.
            let at_line_start = start == 0 || matches!(bytes[start - 1], b'\n' | b'\r');
            if at_line_start && (end - start) < prev_indent(bytes, start) + HIDDEN_WHITESPACE_MIN {
                return true;
            }
            if out.hidden_code.len() >= TextSignals::MAX_PER_KIND {
                out.truncated = true;
                return true;
            }
            let line_end = memchr::memchr(b'\n', &bytes[end..]).map_or(bytes.len(), |p| end + p);
            let (location, code) = at(end, line_end);
            out.hidden_code.push(HiddenCode {
                location,
                whitespace: to_u32(end - start),
                code,
            });
            true
        },
    );
    // The longest (first, on ties) run of JSFuck characters.
    let mut best_fuck: Option<(usize, usize)> = None;
    for_each_run(
        bytes,
        JSFUCK_RECORD_MIN as usize,
        |b| matches!(b, b'[' | b']' | b'(' | b')' | b'!' | b'+'),
        |start, end| {
            if best_fuck.is_none_or(|(_, n)| end - start > n) {
                best_fuck = Some((start, end - start));
            }
            true
        },
    );
    if let Some((start, n)) = best_fuck {
        let (location, _) = at(start, start + n);
        out.obfuscation.jsfuck_run = Some((location, to_u32(n)));
    }
}

/// Indentation (leading spaces and tabs) of the closest non-blank line before the line that
/// starts at `line_start`; 0 when there is none within 64 lines.
fn prev_indent(bytes: &[u8], line_start: usize) -> usize {
    let mut end = line_start;
    for _ in 0..64 {
        // `end` is the start of the line after the one examined; skip its line break.
        let Some(last) = end.checked_sub(1) else {
            return 0;
        };
        let start = memchr::memrchr(b'\n', &bytes[..last]).map_or(0, |p| p + 1);
        let line = &bytes[start..last];
        let indent = line
            .iter()
            .take_while(|&&b| b == b' ' || b == b'\t')
            .count();
        if line[indent..].iter().any(|b| !b.is_ascii_whitespace()) {
            return indent;
        }
        if start == 0 {
            return 0;
        }
        end = start;
    }
    0
}

/// Calls `f(start, end)` for every maximal run of bytes in `class` at least `min` long, in
/// order, until `f` returns false. Looks at about one byte in `min` outside runs: a run that
/// long must cover every `min`-th position.
fn for_each_run(
    bytes: &[u8],
    min: usize,
    class: impl Fn(u8) -> bool,
    mut f: impl FnMut(usize, usize) -> bool,
) {
    let min = min.max(1);
    // `floor` is where the current search began: no run of `class` starts before it that
    // has not been reported or rejected already.
    let mut floor = 0;
    let mut i = min - 1;
    while i < bytes.len() {
        if !class(bytes[i]) {
            floor = i + 1;
            i += min;
            continue;
        }
        let mut start = i;
        while start > floor && class(bytes[start - 1]) {
            start -= 1;
        }
        let mut end = i + 1;
        while end < bytes.len() && class(bytes[end]) {
            end += 1;
        }
        if end - start >= min && !f(start, end) {
            return;
        }
        floor = end + 1;
        i = end + min;
    }
}

/// Bidirectional embeddings, overrides and isolates (the Trojan Source set, CVE-2021-42574).
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Characters that render as nothing (or as blank) in editors and terminals.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{3164}'
        | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}' | '\u{E0000}'..='\u{E007F}'
        | '\u{E0100}'..='\u{E01EF}')
}

/// Pictographs and symbols that emoji sequences are built on.
fn is_emoji_base(c: char) -> bool {
    matches!(c, '\u{00A9}' | '\u{00AE}' | '\u{203C}' | '\u{2049}' | '\u{2122}' | '\u{2139}'
        | '\u{2194}'..='\u{21AA}' | '\u{231A}'..='\u{23FF}' | '\u{24C2}' | '\u{25AA}'..='\u{27BF}'
        | '\u{2934}' | '\u{2935}' | '\u{2B05}'..='\u{2B55}' | '\u{3030}' | '\u{303D}'
        | '\u{3297}' | '\u{3299}' | '\u{1F000}'..='\u{1FAFF}')
        || c.is_ascii_digit()
        || c == '#'
        || c == '*'
}

/// Joiners, variation selectors and tags that are part of an emoji sequence.
fn is_emoji_component(c: char) -> bool {
    matches!(
        c,
        '\u{200D}' | '\u{FE0E}' | '\u{FE0F}' | '\u{20E3}' | '\u{E0020}'..='\u{E007F}'
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Script {
    Latin,
    Greek,
    Cyrillic,
    Armenian,
    Cherokee,
}

impl Script {
    fn name(self) -> &'static str {
        match self {
            Script::Latin => "latin",
            Script::Greek => "greek",
            Script::Cyrillic => "cyrillic",
            Script::Armenian => "armenian",
            Script::Cherokee => "cherokee",
        }
    }
}

/// The script of a letter, for the scripts whose letters pass for Latin ones.
fn script_of(c: char) -> Option<Script> {
    Some(match c {
        'a'..='z' | 'A'..='Z' | '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}' => Script::Latin,
        '\u{0370}'..='\u{03FF}' | '\u{1F00}'..='\u{1FFF}' => Script::Greek,
        '\u{0400}'..='\u{052F}'
        | '\u{1C80}'..='\u{1C8F}'
        | '\u{2DE0}'..='\u{2DFF}'
        | '\u{A640}'..='\u{A69F}' => Script::Cyrillic,
        '\u{0531}'..='\u{058F}' => Script::Armenian,
        '\u{13A0}'..='\u{13FF}' | '\u{AB70}'..='\u{ABBF}' => Script::Cherokee,
        _ => return None,
    })
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$' || c == '\u{200C}' || c == '\u{200D}'
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Code,
    LineComment,
    BlockComment,
    Str(u8),
    Template,
    Regex {
        in_class: bool,
    },
    /// A Python string literal: its quote, whether it is triple-quoted and whether `{…}`
    /// replacement fields hold code (f- and t-strings).
    PyStr {
        quote: u8,
        triple: bool,
        fstring: bool,
    },
}

impl Mode {
    fn context(self) -> TextContext {
        match self {
            Mode::Code => TextContext::Code,
            Mode::LineComment | Mode::BlockComment => TextContext::Comment,
            Mode::Str(_) | Mode::Template | Mode::PyStr { .. } => TextContext::String,
            Mode::Regex { .. } => TextContext::Regex,
        }
    }
}

const REGEX_KEYWORDS: &[&str] = &[
    "return",
    "typeof",
    "case",
    "do",
    "else",
    "in",
    "of",
    "new",
    "delete",
    "void",
    "throw",
    "yield",
    "await",
    "instanceof",
];

/// A current run of invisible characters.
struct Run {
    start: usize,
    end: usize,
    first: char,
    count: u32,
    context: TextContext,
}

struct Lexer<'s, 'o, 'a> {
    src: &'s str,
    out: &'o mut TextSignals,
    at: &'a At<'a>,
    lang: Lang,
    mode: Mode,
    escaped: bool,
    regex_ok: bool,
    word_start: Option<usize>,
    brace_depth: u32,
    /// Open template literals / f-strings whose `${…}` / `{…}` is being lexed as code: the
    /// brace depth that closes it and the literal mode to return to.
    template_stack: Vec<(u32, Mode)>,
    prev: char,
    in_emoji: bool,
    run: Option<Run>,
    ident_end: usize,
}

impl<'s, 'o, 'a> Lexer<'s, 'o, 'a> {
    fn new(src: &'s str, lang: Lang, out: &'o mut TextSignals, at: &'a At<'a>) -> Self {
        Self {
            src,
            out,
            at,
            lang,
            mode: Mode::Code,
            escaped: false,
            regex_ok: true,
            word_start: None,
            brace_depth: 0,
            template_stack: Vec::new(),
            prev: '\n',
            in_emoji: false,
            run: None,
            ident_end: 0,
        }
    }

    fn run(mut self) {
        let bytes = self.src.as_bytes();
        let mut i = 0usize;
        if bytes.starts_with(b"#!") {
            self.mode = Mode::LineComment;
        }
        while i < bytes.len() {
            let b = bytes[i];
            if b < 0x80 {
                self.flush_run();
                // Of ASCII, only digits start an emoji sequence here (`#`/`*` keycaps aside).
                self.in_emoji = b.is_ascii_digit();
                i += match self.lang {
                    Lang::Js => self.ascii(i, b),
                    Lang::Python => self.ascii_py(i, b),
                };
                self.prev = b as char;
                continue;
            }
            let Some(c) = self.src.get(i..).and_then(|s| s.chars().next()) else {
                break;
            };
            let w = c.len_utf8();
            self.escaped = false;
            self.non_ascii(i, c);
            self.prev = c;
            i += w;
        }
        self.flush_run();
    }

    /// Handles one ASCII byte; returns how many bytes were consumed.
    fn ascii(&mut self, i: usize, b: u8) -> usize {
        let next = self.src.as_bytes().get(i + 1).copied();
        match self.mode {
            Mode::Code => {
                if is_ident_byte(b) {
                    if self.word_start.is_none() {
                        self.word_start = Some(i);
                    }
                    return 1;
                }
                self.end_word(i);
                match b {
                    b'/' if next == Some(b'/') => {
                        self.mode = Mode::LineComment;
                        return 2;
                    }
                    b'/' if next == Some(b'*') => {
                        self.mode = Mode::BlockComment;
                        return 2;
                    }
                    b'/' if self.regex_ok => self.mode = Mode::Regex { in_class: false },
                    b'"' | b'\'' => self.mode = Mode::Str(b),
                    b'`' => self.mode = Mode::Template,
                    b'{' => self.brace_depth = self.brace_depth.saturating_add(1),
                    b'}' => {
                        self.brace_depth = self.brace_depth.saturating_sub(1);
                        self.close_field();
                    }
                    _ => {}
                }
                if !b.is_ascii_whitespace() {
                    self.regex_ok = !matches!(b, b')' | b']' | b'}');
                }
                1
            }
            Mode::LineComment => {
                if b == b'\n' {
                    self.mode = Mode::Code;
                }
                1
            }
            Mode::BlockComment => {
                if b == b'*' && next == Some(b'/') {
                    self.mode = Mode::Code;
                    return 2;
                }
                1
            }
            Mode::Str(q) => {
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == q || b == b'\n' {
                    self.mode = Mode::Code;
                    self.regex_ok = false;
                }
                1
            }
            Mode::Template => {
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == b'`' {
                    self.mode = Mode::Code;
                    self.regex_ok = false;
                } else if b == b'$' && next == Some(b'{') {
                    self.open_field();
                    self.regex_ok = true;
                    return 2;
                }
                1
            }
            // Python strings never reach the JavaScript lexer.
            Mode::PyStr { .. } => 1,
            Mode::Regex { in_class } => {
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == b'[' {
                    self.mode = Mode::Regex { in_class: true };
                } else if b == b']' {
                    self.mode = Mode::Regex { in_class: false };
                } else if (b == b'/' && !in_class) || b == b'\n' {
                    self.mode = Mode::Code;
                    self.regex_ok = false;
                }
                1
            }
        }
    }

    /// Enters the code of a template literal's `${` or an f-string's `{`.
    fn open_field(&mut self) {
        if self.template_stack.len() < 256 {
            self.template_stack.push((self.brace_depth, self.mode));
        }
        self.brace_depth = self.brace_depth.saturating_add(1);
        self.mode = Mode::Code;
    }

    /// After a `}` in code: back into the literal if it closed a replacement field.
    fn close_field(&mut self) {
        if let Some(&(depth, mode)) = self.template_stack.last()
            && depth == self.brace_depth
        {
            self.template_stack.pop();
            self.mode = mode;
        }
    }

    /// [`Lexer::ascii`] for Python: `#` comments, no regex literals, string prefixes,
    /// triple quotes and f-string replacement fields.
    fn ascii_py(&mut self, i: usize, b: u8) -> usize {
        let bytes = self.src.as_bytes();
        let next = bytes.get(i + 1).copied();
        match self.mode {
            Mode::Code => {
                if is_ident_byte(b) {
                    if self.word_start.is_none() {
                        self.word_start = Some(i);
                    }
                    return 1;
                }
                let word = self
                    .word_start
                    .take()
                    .map_or("", |s| self.src.get(s..i).unwrap_or(""));
                match b {
                    b'#' => self.mode = Mode::LineComment,
                    b'"' | b'\'' => {
                        // A word before the quote that is no prefix is a keyword
                        // (`return'x'`) or a syntax error: a plain string either way.
                        let fstring = string_prefix(word).unwrap_or(false);
                        let triple = next == Some(b) && bytes.get(i + 2) == Some(&b);
                        self.mode = Mode::PyStr {
                            quote: b,
                            triple,
                            fstring,
                        };
                        return if triple { 3 } else { 1 };
                    }
                    b'{' | b'(' | b'[' => self.brace_depth = self.brace_depth.saturating_add(1),
                    b'}' | b')' | b']' => {
                        self.brace_depth = self.brace_depth.saturating_sub(1);
                        if b == b'}' {
                            self.close_field();
                        }
                    }
                    _ => {}
                }
                1
            }
            Mode::LineComment => {
                if b == b'\n' {
                    self.mode = Mode::Code;
                }
                1
            }
            Mode::PyStr {
                quote,
                triple,
                fstring,
            } => {
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == quote {
                    if !triple {
                        self.mode = Mode::Code;
                    } else if next == Some(quote) && bytes.get(i + 2) == Some(&quote) {
                        self.mode = Mode::Code;
                        return 3;
                    }
                } else if b == b'\n' && !triple {
                    self.mode = Mode::Code;
                } else if fstring && b == b'{' {
                    if next == Some(b'{') {
                        return 2;
                    }
                    self.open_field();
                }
                1
            }
            // JavaScript-only modes never start in Python; leave them at a line end.
            Mode::BlockComment | Mode::Str(_) | Mode::Template | Mode::Regex { .. } => {
                if b == b'\n' {
                    self.mode = Mode::Code;
                }
                1
            }
        }
    }

    fn end_word(&mut self, i: usize) {
        if let Some(start) = self.word_start.take() {
            let word = self.src.get(start..i).unwrap_or("");
            self.regex_ok = REGEX_KEYWORDS.contains(&word);
        }
    }

    fn non_ascii(&mut self, i: usize, c: char) {
        let context = self.mode.context();
        let w = c.len_utf8();
        if is_bidi_control(c) {
            self.flush_run();
            self.push_char(i, i + w, c, context, 1, true);
        }
        let emoji_part = is_emoji_component(c) && self.in_emoji;
        if is_invisible(c) && !emoji_part && !(i == 0 && c == '\u{FEFF}') {
            match &mut self.run {
                Some(run) if run.end == i && run.context == context => {
                    run.end = i + w;
                    run.count = run.count.saturating_add(1);
                }
                _ => {
                    self.flush_run();
                    self.run = Some(Run {
                        start: i,
                        end: i + w,
                        first: c,
                        count: 1,
                        context,
                    });
                }
            }
        } else if !is_invisible(c) {
            self.flush_run();
        }
        self.in_emoji = is_emoji_base(c) || (emoji_part && self.in_emoji);

        if self.mode == Mode::Code {
            if is_ident_char(c) {
                if self.word_start.is_none() {
                    self.word_start = Some(i);
                }
                if i >= self.ident_end && c.is_alphabetic() {
                    self.identifier_at(i);
                }
            } else {
                self.end_word(i);
                self.regex_ok = true;
            }
        }
    }

    /// Classifies the whole identifier around byte `i` (once per identifier).
    fn identifier_at(&mut self, i: usize) {
        let start = self.word_start.unwrap_or(i);
        let end = self.src[i..]
            .char_indices()
            .find(|&(_, c)| !is_ident_char(c))
            .map_or(self.src.len(), |(o, _)| i + o);
        self.ident_end = end;
        let ident = &self.src[start..end];
        let mut scripts: Vec<Script> = ident.chars().filter_map(script_of).collect();
        scripts.sort_unstable();
        scripts.dedup();
        if scripts.len() > 1 && scripts.contains(&Script::Latin) {
            if self.out.mixed_script_identifiers.len() >= TextSignals::MAX_PER_KIND {
                self.out.truncated = true;
                return;
            }
            let (location, code) = (self.at)(start, end);
            self.out.mixed_script_identifiers.push(IdentifierSignal {
                location,
                identifier: ident.chars().take(80).collect(),
                scripts: scripts.iter().map(|s| s.name().to_string()).collect(),
                code,
            });
        }
    }

    fn flush_run(&mut self) {
        let Some(run) = self.run.take() else { return };
        let report = match run.context {
            TextContext::Code => true,
            TextContext::String | TextContext::Regex => run.count >= LITERAL_RUN_MIN,
            TextContext::Comment => false,
        };
        if report {
            self.push_char(run.start, run.end, run.first, run.context, run.count, false);
        }
    }

    fn push_char(
        &mut self,
        start: usize,
        end: usize,
        c: char,
        context: TextContext,
        run: u32,
        bidi: bool,
    ) {
        let list_len = if bidi {
            self.out.bidi.len()
        } else {
            self.out.invisible.len()
        };
        if list_len >= TextSignals::MAX_PER_KIND {
            self.out.truncated = true;
            return;
        }
        let (location, code) = (self.at)(start, end);
        let signal = CharSignal {
            location,
            code_point: c as u32,
            context,
            run,
            code,
        };
        if bidi {
            self.out.bidi.push(signal);
        } else {
            self.out.invisible.push(signal);
        }
    }
}

/// Whether `word` is a Python string prefix (`r`, `b`, `f`, `u`, `t` and their two-letter
/// combinations, any case); `Some(true)` for f- and t-strings, whose `{…}` fields are code.
fn string_prefix(word: &str) -> Option<bool> {
    let w = word.as_bytes();
    if w.len() > 2
        || !w
            .iter()
            .all(|b| matches!(b.to_ascii_lowercase(), b'r' | b'b' | b'f' | b'u' | b't'))
        || (w.len() == 2 && w[0].eq_ignore_ascii_case(&w[1]))
    {
        return None;
    }
    Some(
        w.iter()
            .any(|b| matches!(b.to_ascii_lowercase(), b'f' | b't')),
    )
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signals(src: &str) -> TextSignals {
        text_signals("index.js", src)
    }

    /// Maximal runs of `class` at least `min` long, byte by byte.
    fn naive_runs(bytes: &[u8], min: usize, class: impl Fn(u8) -> bool) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut start = None;
        for (i, &b) in bytes.iter().chain(std::iter::once(&0)).enumerate() {
            match (class(b) && i < bytes.len(), start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    if i - s >= min {
                        out.push((s, i));
                    }
                    start = None;
                }
                _ => {}
            }
        }
        out
    }

    #[test]
    fn run_skipping_finds_the_same_runs_as_a_byte_loop() {
        let is_x = |b: u8| b == b'x';
        let mut cases: Vec<String> = vec![
            String::new(),
            "x".into(),
            "xxx".into(),
            "xx.xxx".into(),
            "xxx.xx.xxxx.x".into(),
            ".xxx".into(),
            "xxx.".into(),
        ];
        // Every pattern of 10 bytes over {x, .}.
        for mask in 0u32..1024 {
            cases.push(
                (0..10)
                    .map(|b| if mask & (1 << b) != 0 { 'x' } else { '.' })
                    .collect(),
            );
        }
        for case in &cases {
            for min in 1..=5 {
                let mut got = Vec::new();
                for_each_run(case.as_bytes(), min, is_x, |s, e| {
                    got.push((s, e));
                    true
                });
                assert_eq!(
                    got,
                    naive_runs(case.as_bytes(), min, is_x),
                    "{case:?} min {min}"
                );
            }
        }
    }

    #[test]
    fn lexer_skipped_only_when_it_cannot_report() {
        assert!(!lexer_can_report(
            "// © 2024 café — “quoted” 日本語\nvar x = 1;"
        ));
        assert!(lexer_can_report("var a\u{200B} = 1;"));
        assert!(lexer_can_report("var \u{0430}pple = 1;"));
        assert!(lexer_can_report("x = '\u{202E}';"));
        // Latin-only identifiers never mix scripts, so no lexing is needed.
        assert!(signals("var caf\u{e9} = 1;").is_empty());
    }

    #[test]
    fn plain_ascii_file_has_no_signals() {
        let s = signals("const a = require('fs');\nmodule.exports = () => a.readFileSync('x');\n");
        assert!(s.is_empty(), "{s:?}");
    }

    #[test]
    fn bidi_in_comment_is_found() {
        let s = signals(
            "var isAdmin = false;\n/*\u{202E} } \u{2066}if (isAdmin)\u{2069} \u{2066} begin admins only */\n",
        );
        assert_eq!(s.bidi.len(), 4);
        assert_eq!(s.bidi[0].code_point, 0x202E);
        assert_eq!(s.bidi[0].context, TextContext::Comment);
        assert_eq!(s.bidi[0].location.line, 2);
    }

    #[test]
    fn invisible_identifier_in_code_is_found() {
        // The "invisible backdoor": a Hangul filler as a destructured name.
        let src = "const { timeout,\u{3164}} = req.query;\nexec(\u{3164});\n";
        let s = signals(src);
        assert_eq!(s.invisible.len(), 2);
        assert!(s.invisible.iter().all(|c| c.context == TextContext::Code));
        assert_eq!(s.invisible[1].location.line, 2);
    }

    #[test]
    fn short_invisible_runs_in_strings_are_normal() {
        // React's track names, parser identifier tables, Kurdish text with ZWNJ.
        let src = "var t = \"Parallel\u{200b}\u{200b}\u{200b}\u{200b}\u{200b}\u{200b}\u{200b}\u{200b}\";\n\
                   var z = c === \"\u{200c}\" || c === \"\u{200d}\";\nvar k = 'کانو\u{200c}نی';\n\
                   // zero\u{200b}width in a comment\n";
        assert!(signals(src).invisible.is_empty());
    }

    #[test]
    fn long_invisible_run_in_string_is_found() {
        let payload: String = (0..40)
            .map(|i| char::from_u32(0xFE00 + (i % 16)).unwrap_or('x'))
            .collect();
        let src = format!("const s = `{payload}`;\neval(decode(s));\n");
        let s = signals(&src);
        assert_eq!(s.invisible.len(), 1);
        assert_eq!(s.invisible[0].run, 40);
        assert_eq!(s.invisible[0].context, TextContext::String);
    }

    #[test]
    fn emoji_zwj_sequences_are_normal() {
        let src = "const family = '👨\u{200D}👩\u{200D}👧'; const flag = '🏳\u{FE0F}\u{200D}🌈';\nconst jsx = <p>👍\u{FE0F}</p>;\n";
        assert!(signals(src).invisible.is_empty());
    }

    #[test]
    fn bom_at_start_is_normal() {
        assert!(
            signals("\u{FEFF}module.exports = 1;\n")
                .invisible
                .is_empty()
        );
    }

    #[test]
    fn mixed_script_identifier_is_found_but_not_in_strings_or_regexes() {
        // Cyrillic 'а' (U+0430) in an identifier.
        let src = "const p\u{0430}ypal = 1;\nvar f = 'нe_пo_вт', r = /\\d{1,2}η/, g = 'MMMMын';\nvar ελληνικά = 2;\n";
        let s = signals(src);
        assert_eq!(
            s.mixed_script_identifiers.len(),
            1,
            "{:?}",
            s.mixed_script_identifiers
        );
        let id = &s.mixed_script_identifiers[0];
        assert_eq!(id.identifier, "p\u{0430}ypal");
        assert_eq!(id.scripts, ["latin", "cyrillic"]);
        assert_eq!((id.location.line, id.location.column), (1, 7));
    }

    #[test]
    fn only_words_mixing_scripts_send_a_file_to_the_lexer() {
        assert!(!lexer_can_report(
            "var ελληνικά = 2; const s = '10 μ'; // ошибка\n"
        ));
        // A unit written with a Greek letter mixes scripts in one word: lexed.
        assert!(lexer_can_report("const s = '10μs';"));
        assert!(lexer_can_report("const p\u{0430}ypal = 1;"));
        assert!(lexer_can_report("const \u{0430}pple = 1;"));
        assert!(lexer_can_report("const pa\u{0430} = 1;"));
        assert!(lexer_can_report("x = '\u{202E}';"));
        // Linear in a long run of one script (each word is looked at once).
        assert!(!lexer_can_report(&"α".repeat(200_000)));
        assert!(lexer_can_report(&format!("{}a", "α".repeat(200_000))));
    }

    #[test]
    fn template_expressions_return_to_code() {
        let src = "const a = `x ${ {k: 1}.k } y`; const p\u{0430}y = 1;\n";
        assert_eq!(signals(src).mixed_script_identifiers.len(), 1);
    }

    #[test]
    fn code_after_long_whitespace_is_hidden() {
        let src = format!(
            "const ok = 1;{}require('child_process').exec('id');\n",
            " ".repeat(200)
        );
        let s = signals(&src);
        assert_eq!(s.hidden_code.len(), 1);
        assert_eq!(s.hidden_code[0].whitespace, 200);
        assert_eq!(s.hidden_code[0].location.column, 214);
        assert!(s.hidden_code[0].code.text.contains("require("));
    }

    #[test]
    fn trailing_whitespace_and_indentation_are_not_hidden() {
        let src = format!(
            "const ok = 1;{}\n{}// a comment far right\n    x();\n",
            " ".repeat(300),
            " ".repeat(200)
        );
        assert!(signals(&src).hidden_code.is_empty());
    }

    #[test]
    fn console_overrides_are_found() {
        let s = signals(
            "console.log = function () {};\nconsole['warn']=()=>{};\nif (console.log == null) {}\nconsole.log('x');\nmyconsole.x = 1;\n",
        );
        let lines: Vec<u32> = s
            .console_overrides
            .iter()
            .map(|c| c.location.line)
            .collect();
        assert_eq!(lines, [1, 2]);
    }

    #[test]
    fn obfuscator_fingerprints() {
        let src = "var _0x1a2b=['log','x'];(function(_0x3c4d,_0x5e6f){var _0xabcd=function(_0x1234){while(--_0x1234){_0x3c4d['push'](_0x3c4d['shift']());}};}(_0x1a2b,0x1f4));var _0x9f8e=function(a){return parseInt(_0x1a2b[a]);};parseInt(_0x9f8e(0x0));";
        let s = signals(src);
        assert_eq!(s.obfuscation.hex_identifiers, 12);
        assert!(s.obfuscation.rotation.is_some());
        assert_eq!(s.obfuscation.parse_int_hex, 2);
        assert!(s.obfuscation.packer.is_none());
    }

    #[test]
    fn round_robin_push_shift_is_not_rotation() {
        let s =
            signals("while (n--) { queue.push(queue.shift()); } var _0x12 = 1; var a_0x1234 = 2;");
        assert!(s.obfuscation.is_empty(), "{:?}", s.obfuscation);
    }

    #[test]
    fn packer_and_jsfuck() {
        let src = format!(
            "eval(function(p,a,c,k,e,d){{return p}}('0 1',2,2,'a|b'.split('|'),0,{{}}));\n{}",
            "[]+(!![])".repeat(40)
        );
        let s = signals(&src);
        assert_eq!(s.obfuscation.packer.as_ref().map(|l| l.line), Some(1));
        assert_eq!(s.obfuscation.jsfuck_run.as_ref().map(|r| r.1), Some(360));
    }

    fn py(src: &str) -> TextSignals {
        text_signals("pkg/setup.py", src)
    }

    #[test]
    fn language_follows_the_extension() {
        for p in [
            "setup.py",
            "a/b/M.PY",
            "gui.pyw",
            "stubs/x.pyi",
            "evil.pth",
            "a\\b.py",
        ] {
            assert_eq!(Lang::of_path(p), Lang::Python, "{p}");
        }
        for p in [
            "index.js",
            "a.mjs",
            "x.ts",
            "py",
            "a.py/index.js",
            "Makefile",
            "x.pyc",
        ] {
            assert_eq!(Lang::of_path(p), Lang::Js, "{p}");
        }
    }

    #[test]
    fn w4sp_setup_py_payload_is_hidden_code() {
        let src = format!(
            "from setuptools import setup\nprint('ok'){};__import__('builtins').exec(__import__('builtins').compile(__import__('base64').b64decode(\"ZWNobw==\"),'<string>','exec'))\nsetup(name='x')\n",
            " ".repeat(200)
        );
        let s = py(&src);
        assert_eq!(s.hidden_code.len(), 1, "{s:?}");
        assert_eq!(s.hidden_code[0].whitespace, 200);
        assert_eq!(s.hidden_code[0].location.line, 2);
        assert!(
            s.hidden_code[0]
                .code
                .text
                .contains(";__import__('builtins')")
        );
    }

    #[test]
    fn aligned_python_comment_is_not_hidden_code() {
        let src = format!("x = 1{}# pragma: no cover\n", " ".repeat(150));
        assert!(py(&src).hidden_code.is_empty());
        // JavaScript has no `#` comments: unchanged there.
        assert_eq!(signals(&src).hidden_code.len(), 1);
        // Nor are `//` and `*` comments in Python: `//` there is floor division.
        let src = format!("x = 1{}// 2\n", " ".repeat(150));
        assert_eq!(py(&src).hidden_code.len(), 1);
        assert!(signals(&src).hidden_code.is_empty());
    }

    #[test]
    fn python_hash_is_a_comment_outside_strings_only() {
        // Bidi in a `#` comment, then a `#` inside strings, then a homoglyph identifier.
        let src = "# \u{202E} comment\ns = \"# not \u{202E} a comment\"; t = '#'; p\u{0430}y = 1\n";
        let s = py(src);
        let contexts: Vec<TextContext> = s.bidi.iter().map(|c| c.context).collect();
        assert_eq!(contexts, [TextContext::Comment, TextContext::String]);
        assert_eq!(s.mixed_script_identifiers.len(), 1, "{s:?}");
        assert_eq!(s.mixed_script_identifiers[0].location.line, 2);
        // The JavaScript lexer sees `# …` as code: the first bidi lands elsewhere.
        assert_ne!(signals(src).bidi[0].context, TextContext::Comment);
    }

    #[test]
    fn python_triple_quoted_docstring_is_one_string() {
        // `//` and an apostrophe inside a multi-line docstring; the JS lexer would take
        // `// …` as a comment and `don't` as an open string.
        let src = "def f():\n    \"\"\"Fetch http://example.invalid/x \u{200B}.\n\n    Don't \u{202E} panic; 'quoted' \"q\".\n    \"\"\"\n    return v\u{0430}lue\n\nr'''raw \\\\''' + b\"\"\"\"\"\" ; k\u{0430}y = 1\n";
        let s = py(src);
        assert!(s.invisible.is_empty(), "{:?}", s.invisible);
        assert_eq!(s.bidi.len(), 1);
        assert_eq!(s.bidi[0].context, TextContext::String);
        let lines: Vec<u32> = s
            .mixed_script_identifiers
            .iter()
            .map(|i| i.location.line)
            .collect();
        assert_eq!(lines, [6, 8], "{s:?}");
    }

    #[test]
    fn python_f_string_fields_are_code() {
        let src = "a = f\"{p\u{0430}y!r:>{w}} {{k\u{0430}y}}\" + rf'{x}' + F'''{\n  t\u{0430}x}'''\nb = 'fix{k\u{0430}b}'\n";
        let s = py(src);
        let names: Vec<&str> = s
            .mixed_script_identifiers
            .iter()
            .map(|i| i.identifier.as_str())
            .collect();
        assert_eq!(names, ["p\u{0430}y", "t\u{0430}x"], "{s:?}");
    }

    #[test]
    fn python_unterminated_and_odd_input_does_not_panic() {
        for src in [
            "'''\u{200b}",
            "f'{\u{200b}",
            "f'{{{{{{\u{0430}",
            "rb'\\",
            "\"\"\"\\\u{202E}",
            "}}}}f'{'{'{\u{0430}a",
        ] {
            let _ = py(src);
        }
        let deep = format!("f'{}\u{0430}a", "{f'".repeat(1000));
        let _ = py(&deep);
    }

    #[test]
    fn invalid_or_truncated_input_does_not_panic() {
        let src = format!("'{}\u{200b}", "\\".repeat(3));
        let _ = signals(&src);
        let many = "\u{202E}".repeat(1000);
        let s = signals(&many);
        assert_eq!(s.bidi.len(), TextSignals::MAX_PER_KIND);
        assert!(s.truncated);
    }
}
