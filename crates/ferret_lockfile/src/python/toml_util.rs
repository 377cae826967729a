//! Spanned TOML access for the TOML formats (poetry.lock, uv.lock, pylock.toml,
//! pyproject.toml): `toml`'s span-keeping document model, lookups by key, and byte offsets
//! turned into 1-based lines.

use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue};

use crate::ExtractError;

pub(crate) type Value<'i> = Spanned<DeValue<'i>>;

/// Lines of a text, for offset → line.
pub(crate) struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    pub(crate) fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr_iter(text.as_bytes()));
        Lines { starts }
    }

    /// 1-based line of a byte offset.
    pub(crate) fn line(&self, offset: usize) -> u32 {
        let i = self.starts.partition_point(|&s| s <= offset);
        u32::try_from(i.max(1)).unwrap_or(u32::MAX)
    }
}

fn memchr_iter(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .map(|(i, _)| i + 1)
}

/// Parses a TOML document; a syntax error carries its line.
pub(crate) fn parse_doc<'i>(
    path: &str,
    text: &'i str,
    lines: &Lines,
) -> Result<DeTable<'i>, ExtractError> {
    // The TOML parser recurses on nested arrays and inline tables: refuse absurd nesting
    // before handing it the text (no lockfile nests deeper than a handful of levels).
    let mut depth = 0usize;
    for (i, b) in text.bytes().enumerate() {
        match b {
            b'[' | b'{' => {
                depth += 1;
                if depth > 256 {
                    return Err(ExtractError::syntax(
                        path,
                        lines.line(i),
                        "nesting too deep",
                    ));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    DeTable::parse(text).map(Spanned::into_inner).map_err(|e| {
        let line = e.span().map_or(1, |s| lines.line(s.start));
        let message = e
            .message()
            .lines()
            .next()
            .unwrap_or("invalid TOML")
            .to_owned();
        ExtractError::syntax(path, line, format!("not TOML: {message}"))
    })
}

pub(crate) fn get<'a, 'i>(t: &'a DeTable<'i>, key: &str) -> Option<&'a Value<'i>> {
    t.iter()
        .find(|(k, _)| k.get_ref().as_ref() == key)
        .map(|(_, v)| v)
}

pub(crate) fn table<'a, 'i>(t: &'a DeTable<'i>, key: &str) -> Option<&'a DeTable<'i>> {
    get(t, key).and_then(|v| v.get_ref().as_table())
}

pub(crate) fn array<'a, 'i>(t: &'a DeTable<'i>, key: &str) -> Option<&'a DeArray<'i>> {
    get(t, key).and_then(|v| v.get_ref().as_array())
}

pub(crate) fn string<'a>(t: &'a DeTable<'_>, key: &str) -> Option<&'a str> {
    get(t, key).and_then(|v| v.get_ref().as_str())
}

/// Tables of an array (array of tables or inline tables), with their spans' start.
pub(crate) fn tables<'a, 'i>(
    t: &'a DeTable<'i>,
    key: &str,
) -> impl Iterator<Item = (usize, &'a DeTable<'i>)> {
    array(t, key)
        .into_iter()
        .flat_map(|a| a.iter())
        .filter_map(|v| Some((v.span().start, v.get_ref().as_table()?)))
}

/// 1-based lines of the `[[key]]` headers, in order: the n-th element of an array of tables
/// is declared at the n-th header (the spans `toml` gives array-of-tables elements do not
/// point at their header).
pub(crate) fn header_lines(text: &str, key: &str) -> Vec<u32> {
    let mut out = Vec::new();
    for (i, l) in text.lines().enumerate() {
        let Some(inner) = l
            .trim()
            .strip_prefix("[[")
            .and_then(|r| r.split("]]").next())
        else {
            continue;
        };
        if inner.trim() == key {
            out.push(u32::try_from(i + 1).unwrap_or(u32::MAX));
        }
    }
    out
}
