//! Where a fact sits: byte spans, 1-based line/column locations and short code excerpts.
//!
//! Columns are 1-based and count Unicode scalar values (characters), which is what editors
//! and terminals show. Package files can be 50 MB single lines, so converting an offset to a
//! column must not rescan the line for every fact: ASCII lines (nearly all minified code)
//! convert in O(1), other lines keep character checkpoints every 4 KiB.

use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A byte range `[start, end)` in one file.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub const fn new(start: u32, end: u32) -> Self {
        Self { start, end }
    }
}

/// A position in a package: the file path (relative to the package root, `/`-separated),
/// 1-based line and column of the start, and the byte span.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Location {
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub span: Span,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.path, self.line, self.column)
    }
}

/// A short, printable piece of the line holding a span, for terminal underlining and JSON
/// consumers. `text` never exceeds [`Excerpt::MAX_CHARS`] characters; `highlight_start` is a
/// 0-based character offset into `text` and `highlight_len` a length in characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Excerpt {
    pub line: u32,
    pub text: String,
    pub highlight_start: u32,
    pub highlight_len: u32,
}

impl Excerpt {
    pub const MAX_CHARS: usize = 160;
    /// Characters kept before the highlight when a line must be cut.
    const BEFORE: usize = 40;
}

/// Maps byte offsets of one source text to lines and columns.
#[derive(Debug)]
pub struct LineIndex {
    /// Byte offset of the start of each line.
    starts: Vec<u32>,
    /// For each non-ASCII line, checkpoints (byte offset, char count from line start). Empty
    /// when the whole text is ASCII (most package files), where columns are byte offsets.
    checkpoints: Vec<Option<Vec<(u32, u32)>>>,
    len: u32,
    /// The line of the last lookup: facts are collected in source order, so the next offset
    /// is nearly always on the same line or the next, found without a binary search.
    last_line: AtomicUsize,
}

impl Clone for LineIndex {
    fn clone(&self) -> Self {
        Self {
            starts: self.starts.clone(),
            checkpoints: self.checkpoints.clone(),
            len: self.len,
            last_line: AtomicUsize::new(self.last_line.load(Ordering::Relaxed)),
        }
    }
}

const CHECKPOINT_EVERY: usize = 4096;

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        // Most code lines are shorter than 64 bytes: one allocation for nearly every file.
        let mut starts = Vec::with_capacity(bytes.len() / 64 + 1);
        starts.push(0u32);
        for pos in memchr_iter_newlines(bytes) {
            starts.push(to_u32(pos + 1));
        }
        if bytes.is_ascii() {
            // One vectorised pass instead of a per-line vector of `None`s.
            return Self {
                starts,
                checkpoints: Vec::new(),
                len: to_u32(bytes.len()),
                last_line: AtomicUsize::new(0),
            };
        }
        let mut checkpoints = Vec::with_capacity(starts.len());
        for (i, &start) in starts.iter().enumerate() {
            let end = starts.get(i + 1).map_or(bytes.len(), |&e| e as usize);
            let line = &bytes[start as usize..end];
            if line.is_ascii() {
                checkpoints.push(None);
            } else {
                let mut cps = Vec::new();
                let mut last = 0usize;
                for (chars, (off, _)) in text[start as usize..end].char_indices().enumerate() {
                    if off - last >= CHECKPOINT_EVERY {
                        cps.push((to_u32(off), to_u32(chars)));
                        last = off;
                    }
                }
                checkpoints.push(Some(cps));
            }
        }
        Self {
            starts,
            checkpoints,
            len: to_u32(bytes.len()),
            last_line: AtomicUsize::new(0),
        }
    }

    /// Byte offset of the start of each line (the first is 0; a text ending in `\n` has a
    /// last, empty line starting at its length).
    pub fn line_starts(&self) -> &[u32] {
        &self.starts
    }

    /// 0-based line number of a byte offset.
    pub fn line_of(&self, offset: u32) -> usize {
        let offset = offset.min(self.len);
        let contains = |line: usize| {
            self.starts.get(line).is_some_and(|&s| s <= offset)
                && self.starts.get(line + 1).is_none_or(|&next| offset < next)
        };
        let hint = self.last_line.load(Ordering::Relaxed);
        if contains(hint) {
            return hint;
        }
        if contains(hint + 1) {
            self.last_line.store(hint + 1, Ordering::Relaxed);
            return hint + 1;
        }
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        self.last_line.store(line, Ordering::Relaxed);
        line
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// 1-based (line, column) of a byte offset; the column counts characters.
    pub fn line_col(&self, text: &str, offset: u32) -> (u32, u32) {
        let offset = floor_char_boundary(text, offset.min(self.len) as usize);
        let line = self.line_of(to_u32(offset));
        let start = self.starts[line] as usize;
        let col = match self.checkpoints.get(line).and_then(Option::as_ref) {
            None => offset - start,
            Some(cps) => {
                let rel = offset - start;
                let (base_off, base_chars) =
                    match cps.binary_search_by(|&(o, _)| (o as usize).cmp(&rel)) {
                        Ok(i) => (cps[i].0 as usize, cps[i].1 as usize),
                        Err(0) => (0, 0),
                        Err(i) => (cps[i - 1].0 as usize, cps[i - 1].1 as usize),
                    };
                base_chars + text[start + base_off..offset].chars().count()
            }
        };
        (to_u32(line + 1), to_u32(col + 1))
    }

    /// A [`Location`] for a span of this text.
    pub fn location(&self, path: &str, text: &str, span: Span) -> Location {
        let (line, column) = self.line_col(text, span.start);
        Location {
            path: path.to_string(),
            line,
            column,
            span,
        }
    }

    /// The excerpt of the line holding `span.start`, cut to at most
    /// [`Excerpt::MAX_CHARS`] characters around the span. Control characters (including
    /// bidi overrides, which could reorder the terminal line) are shown as `\u{..}` escapes
    /// so the excerpt itself cannot hide code.
    pub fn excerpt(&self, text: &str, span: Span) -> Excerpt {
        let start_off = floor_char_boundary(text, span.start.min(self.len) as usize);
        let end_off = floor_char_boundary(text, span.end.min(self.len) as usize).max(start_off);
        let line = self.line_of(to_u32(start_off));
        let line_start = self.starts[line] as usize;
        let line_end = self
            .starts
            .get(line + 1)
            .map_or(text.len(), |&e| e as usize)
            .max(line_start);
        let line_text = text[line_start..line_end].trim_end_matches(['\n', '\r']);
        let line_end = line_start + line_text.len();
        let hl_end = end_off.min(line_end).max(start_off);

        // Work on a window of the line: at most BEFORE chars before the span, up to the limit.
        // Every fact carries an excerpt, so this avoids allocating more than the result and
        // copies printable ASCII (nearly all code) without looking at it char by char.
        let head = &text[line_start..start_off];
        let (before, cut_before) = match head.char_indices().rev().nth(Excerpt::BEFORE) {
            Some((i, c)) => (&head[i + c.len_utf8()..], true),
            None => (head, false),
        };
        let mut out = String::with_capacity(Excerpt::MAX_CHARS + 8);
        let mut highlight_start = 0;
        if cut_before {
            out.push('…');
            highlight_start += 1;
        }
        highlight_start += push_limited(&mut out, before, usize::MAX).0;
        let budget = Excerpt::MAX_CHARS.saturating_sub(highlight_start + 1);
        let (highlight_len, mut truncated) =
            push_limited(&mut out, &text[start_off..hl_end], budget);
        if !truncated {
            let room = Excerpt::MAX_CHARS.saturating_sub(highlight_start + highlight_len + 1);
            // A span starting inside the line break (`\r\n`) is past the trimmed line.
            let rest = text.get(hl_end..line_end).unwrap_or_default();
            truncated = push_limited(&mut out, rest, room).1;
        }
        if truncated {
            out.push('…');
        }
        Excerpt {
            line: to_u32(line + 1),
            text: out,
            highlight_start: to_u32(highlight_start),
            highlight_len: to_u32(highlight_len.max(1)),
        }
    }
}

/// Pushes the printable form of `c`; returns how many characters that took.
fn push_printable_char(out: &mut String, c: char) -> usize {
    if c == '\t' {
        out.push(' ');
        1
    } else if c.is_control() || is_format_char(c) {
        use std::fmt::Write as _;
        let before = out.len();
        let _ = write!(out, "\\u{{{:x}}}", c as u32);
        // The escape is ASCII: bytes are characters.
        out.len() - before
    } else {
        out.push(c);
        1
    }
}

/// Pushes the printable form of at most `limit` characters of `s`: the characters pushed
/// (escapes count in full) and whether `s` had more.
fn push_limited(out: &mut String, s: &str, limit: usize) -> (usize, bool) {
    let prefix = &s.as_bytes()[..s.len().min(limit)];
    if prefix.iter().all(|b| (0x20..0x7f).contains(b)) {
        // Printable ASCII: bytes are characters, copied as they are.
        out.push_str(&s[..prefix.len()]);
        return (prefix.len(), s.len() > prefix.len());
    }
    let mut pushed = 0;
    for (taken, c) in s.chars().enumerate() {
        if taken >= limit {
            return (pushed, true);
        }
        pushed += push_printable_char(out, c);
    }
    (pushed, false)
}

/// Bidi controls and zero-width characters: printing them raw would let the excerpt lie.
pub fn is_format_char(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{180E}' | '\u{00AD}')
}

fn memchr_iter_newlines(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    memchr::memchr_iter(b'\n', bytes)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    if i >= text.len() {
        return text.len();
    }
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Offsets are u32 throughout (oxc's choice too); files are capped well below 4 GiB by the
/// source limits, so saturating here only guards against misuse.
fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_and_unicode_columns() {
        let text = "ab\nxé€ cp.exec('id')\n";
        let idx = LineIndex::new(text);
        let off = text.find("cp").unwrap_or(0) as u32;
        assert_eq!(idx.line_col(text, off), (2, 5));
        assert_eq!(idx.line_col(text, 1), (1, 2));
        let ex = idx.excerpt(text, Span::new(off, off + 7));
        assert_eq!(ex.text, "xé€ cp.exec('id')");
        assert_eq!(ex.highlight_start, 4);
        assert_eq!(ex.highlight_len, 7);
    }

    #[test]
    fn long_line_excerpt_is_cut_around_span() {
        let text = format!("{}eval(x){}", "a".repeat(10_000), "b".repeat(10_000));
        let idx = LineIndex::new(&text);
        let ex = idx.excerpt(&text, Span::new(10_000, 10_007));
        assert!(ex.text.chars().count() <= Excerpt::MAX_CHARS);
        assert!(ex.text.starts_with('…') && ex.text.ends_with('…'));
        let hl: String = ex
            .text
            .chars()
            .skip(ex.highlight_start as usize)
            .take(ex.highlight_len as usize)
            .collect();
        assert_eq!(hl, "eval(x)");
    }

    #[test]
    fn bidi_characters_are_escaped_in_excerpts() {
        let text = "let a = '\u{202E}x';";
        let idx = LineIndex::new(text);
        let ex = idx.excerpt(text, Span::new(0, 3));
        assert!(ex.text.contains("\\u{202e}"), "{}", ex.text);
    }

    /// The excerpt as it was written before the allocation-free version (a window of
    /// `char`s, escapes pushed one by one, lengths recounted), kept to check the new one.
    fn reference_excerpt(idx: &LineIndex, text: &str, span: Span) -> (String, u32, u32) {
        let start_off = floor_char_boundary(text, span.start.min(idx.len) as usize);
        let end_off = floor_char_boundary(text, span.end.min(idx.len) as usize).max(start_off);
        let line = idx.line_of(to_u32(start_off));
        let line_start = idx.starts[line] as usize;
        let line_end = idx
            .starts
            .get(line + 1)
            .map_or(text.len(), |&e| e as usize)
            .max(line_start);
        let line_text = text[line_start..line_end].trim_end_matches(['\n', '\r']);
        let line_end = line_start + line_text.len();
        let hl_end = end_off.min(line_end).max(start_off);
        let before: Vec<char> = text[line_start..start_off]
            .chars()
            .rev()
            .take(Excerpt::BEFORE + 1)
            .collect();
        let cut_before = before.len() > Excerpt::BEFORE;
        let before: Vec<char> = before.into_iter().take(Excerpt::BEFORE).collect();
        let mut out = String::new();
        if cut_before {
            out.push('…');
        }
        for c in before.into_iter().rev() {
            push_printable_char(&mut out, c);
        }
        let highlight_start = out.chars().count();
        let budget = Excerpt::MAX_CHARS.saturating_sub(highlight_start + 1);
        let mut hl = String::new();
        let mut truncated = false;
        for (taken, c) in text[start_off..hl_end].chars().enumerate() {
            if taken >= budget {
                truncated = true;
                break;
            }
            push_printable_char(&mut hl, c);
        }
        let highlight_len = hl.chars().count();
        out.push_str(&hl);
        if !truncated {
            let room = Excerpt::MAX_CHARS.saturating_sub(out.chars().count() + 1);
            for (n, c) in text
                .get(hl_end..line_end)
                .unwrap_or_default()
                .chars()
                .enumerate()
            {
                if n >= room {
                    truncated = true;
                    break;
                }
                push_printable_char(&mut out, c);
            }
        }
        if truncated {
            out.push('…');
        }
        (out, to_u32(highlight_start), to_u32(highlight_len.max(1)))
    }

    #[test]
    fn excerpts_match_the_reference_on_mixed_text() {
        // Lines of every kind the fast path must tell apart: printable ASCII, tabs, ASCII
        // controls, DEL, bidi and zero-width characters, multi-byte text, long lines.
        let pieces = [
            "cp.exec('id')",
            "\t",
            "\u{7}",
            "\u{7f}",
            "\u{202E}",
            "\u{200B}",
            "é€",
            "😀",
            " ",
            "\r\n",
            "\n",
        ];
        let mut seed: u32 = 7;
        let mut next = move || {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (seed >> 16) as usize
        };
        let mut checked = 0;
        for _ in 0..60 {
            let mut text = String::new();
            for _ in 0..next() % 40 {
                let p = pieces[next() % pieces.len()];
                for _ in 0..1 + next() % 12 {
                    text.push_str(p);
                }
            }
            let idx = LineIndex::new(&text);
            let len = text.len() as u32 + 1;
            for _ in 0..40 {
                let a = (next() as u32) % len;
                let b = a + (next() as u32) % 400;
                let got = idx.excerpt(&text, Span::new(a, b));
                let want = reference_excerpt(&idx, &text, Span::new(a, b));
                assert_eq!(
                    (got.text, got.highlight_start, got.highlight_len),
                    want,
                    "span {a}..{b} of {text:?}"
                );
                checked += 1;
            }
        }
        assert_eq!(checked, 2_400);
    }

    #[test]
    fn span_inside_a_crlf_line_break_does_not_panic() {
        // It used to slice `text[hl_end..line_end]` with `hl_end` past the trimmed line.
        let text = "a = 1;\r\nb";
        let idx = LineIndex::new(text);
        let ex = idx.excerpt(text, Span::new(7, 8));
        assert_eq!((ex.line, ex.text.as_str()), (1, "a = 1;\\u{d}"));
    }

    /// The last-line hint never changes an answer, in order or out of it.
    #[test]
    fn line_of_with_the_hint_agrees_with_a_search() {
        let text = "a\n\nbb\nccc\n\n\nd".repeat(50);
        let idx = LineIndex::new(&text);
        let search = |o: u32| match idx.starts.binary_search(&o) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let n = text.len() as u32;
        let forward: Vec<u32> = (0..=n).collect();
        let mut seed = 17u32;
        let shuffled: Vec<u32> = (0..=n)
            .map(|_| {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                seed % (n + 1)
            })
            .collect();
        for o in forward.iter().chain(&shuffled).chain(forward.iter().rev()) {
            assert_eq!(idx.line_of(*o), search(*o), "offset {o}");
        }
        assert_eq!(idx.line_of(n + 100), search(n));
    }

    #[test]
    fn long_non_ascii_line_uses_checkpoints() {
        let text = "é".repeat(20_000);
        let idx = LineIndex::new(&text);
        assert_eq!(idx.line_col(&text, 2 * 15_000), (1, 15_001));
    }
}
