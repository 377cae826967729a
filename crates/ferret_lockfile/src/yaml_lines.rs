//! Line numbers for YAML mapping keys in block style, as yarn and pnpm write them: keys at
//! column 0 (yarn entries) or keys indented two spaces under a column-0 section (`packages:`,
//! `snapshots:`, `importers:` in pnpm-lock.yaml). A line scan, so it never fails.

use std::collections::HashMap;

/// Unquotes a YAML key on one line: `'@s/x@1': {}` → `@s/x@1`, `"a@npm:1, a@npm:^1":` →
/// `a@npm:1, a@npm:^1`, `a@1:` → `a@1`, `local@file:local: {}` → `local@file:local`.
pub(crate) fn line_key(line: &str) -> Option<String> {
    let t = line.trim_start();
    if t.starts_with('#') || t.is_empty() {
        return None;
    }
    if let Some(rest) = t.strip_prefix('\'') {
        let mut out = String::new();
        let mut chars = rest.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\'' {
                if chars.peek() == Some(&'\'') {
                    chars.next();
                    out.push('\'');
                } else {
                    return Some(out);
                }
            } else {
                out.push(c);
            }
        }
        return None;
    }
    if let Some(rest) = t.strip_prefix('"') {
        let end = rest.find('"')?;
        return Some(rest[..end].to_owned());
    }
    // Plain scalar key: ends at the first `: ` or a trailing `:`.
    if let Some(i) = t.find(": ") {
        return Some(t[..i].to_owned());
    }
    t.strip_suffix(':').map(str::to_owned)
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// Column-0 keys → 1-based line.
pub(crate) fn top_level_keys(text: &str) -> HashMap<String, u32> {
    let mut out = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        if let Some(k) = line_key(line).filter(|_| indent(line) == 0) {
            out.entry(k)
                .or_insert(u32::try_from(i + 1).unwrap_or(u32::MAX));
        }
    }
    out
}

/// Keys indented under the column-0 `section:` (at the first indentation seen there) → line.
pub(crate) fn section_keys(text: &str, section: &str) -> HashMap<String, u32> {
    let mut out = HashMap::new();
    let mut inside = false;
    let mut level: Option<usize> = None;
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let ind = indent(line);
        if ind == 0 {
            inside = line_key(line).as_deref() == Some(section);
            level = None;
            continue;
        }
        if !inside {
            continue;
        }
        let want = *level.get_or_insert(ind);
        if let Some(k) = line_key(line).filter(|_| ind == want) {
            out.entry(k)
                .or_insert(u32::try_from(i + 1).unwrap_or(u32::MAX));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{line_key, section_keys};

    #[test]
    fn keys() {
        assert_eq!(
            line_key("  '@types/node@20.11.0':").as_deref(),
            Some("@types/node@20.11.0")
        );
        assert_eq!(
            line_key("  local@file:local: {}").as_deref(),
            Some("local@file:local")
        );
        assert_eq!(
            line_key("  gitdep@git+file:///r.git#abc:").as_deref(),
            Some("gitdep@git+file:///r.git#abc")
        );
        assert_eq!(
            line_key("\"a@npm:1, a@npm:^1\":").as_deref(),
            Some("a@npm:1, a@npm:^1")
        );
        assert_eq!(line_key("  'it''s':").as_deref(), Some("it's"));
        assert_eq!(line_key("# comment"), None);
    }

    #[test]
    fn sections() {
        let text = "a: 1\npackages:\n\n  x@1:\n    resolution: {}\n  '@s/y@2': {}\nsnapshots:\n  x@1: {}\n";
        let k = section_keys(text, "packages");
        assert_eq!(k.get("x@1"), Some(&4));
        assert_eq!(k.get("@s/y@2"), Some(&6));
        assert_eq!(section_keys(text, "snapshots").get("x@1"), Some(&8));
    }
}
