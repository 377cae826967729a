//! Line numbers for JSON object keys. serde_json gives no spans, so a small scanner walks the
//! text once and records the 1-based line of every key whose enclosing object sits under one
//! of the wanted parent keys (`packages`, `dependencies`), by its full key path.
//! Also tolerates JSONC (comments, trailing commas) for bun.lock.

use std::collections::HashMap;

/// Nesting deeper than this stops recording (the JSON parser rejects such files first).
const MAX_DEPTH: usize = 512;

struct Frame {
    object: bool,
    /// Key under which this container sits in its parent (`[]` for array elements).
    label: String,
    key: Option<String>,
}

/// Key path (joined with `\u{0}`) → 1-based line, for keys whose parent key is in `parents`.
pub(crate) struct KeyLines {
    lines: HashMap<String, u32>,
}

impl KeyLines {
    pub(crate) fn scan(text: &str, parents: &[&str]) -> Self {
        let bytes = text.as_bytes();
        let mut lines = HashMap::new();
        let mut stack: Vec<Frame> = Vec::new();
        let mut line: u32 = 1;
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            match b {
                b'\n' => line = line.saturating_add(1),
                b'/' if bytes.get(i + 1) == Some(&b'/') => {
                    while i < bytes.len() && bytes[i] != b'\n' {
                        i += 1;
                    }
                    continue;
                }
                b'/' if bytes.get(i + 1) == Some(&b'*') => {
                    i += 2;
                    while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/'))
                    {
                        if bytes[i] == b'\n' {
                            line = line.saturating_add(1);
                        }
                        i += 1;
                    }
                    i += 2;
                    continue;
                }
                b'{' | b'[' => {
                    if stack.len() >= MAX_DEPTH {
                        break;
                    }
                    let label = match stack.last_mut() {
                        Some(f) if f.object => f.key.take().unwrap_or_default(),
                        Some(_) => "[]".to_owned(),
                        None => String::new(),
                    };
                    stack.push(Frame {
                        object: b == b'{',
                        label,
                        key: None,
                    });
                }
                b'}' | b']' => {
                    stack.pop();
                }
                b',' => {
                    if let Some(f) = stack.last_mut() {
                        f.key = None;
                    }
                }
                b'"' => {
                    let start = i;
                    i += 1;
                    let mut escaped = false;
                    while i < bytes.len() {
                        match bytes[i] {
                            b'\\' => {
                                escaped = true;
                                i += 1;
                            }
                            b'"' => break,
                            b'\n' => line = line.saturating_add(1),
                            _ => {}
                        }
                        i += 1;
                    }
                    let end = i.min(bytes.len());
                    // A string is a key when it is followed by `:`.
                    let mut j = end + 1;
                    while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                        j += 1;
                    }
                    let is_key = bytes.get(j) == Some(&b':');
                    if let Some(f) = stack.last_mut().filter(|f| f.object && is_key) {
                        let raw = text.get(start + 1..end).unwrap_or("");
                        let key = if escaped {
                            serde_json::from_str::<String>(text.get(start..=end).unwrap_or("\"\""))
                                .unwrap_or_else(|_| raw.to_owned())
                        } else {
                            raw.to_owned()
                        };
                        if parents.contains(&f.label.as_str()) {
                            let mut path = String::new();
                            for fr in stack.iter().skip(1) {
                                path.push_str(&fr.label);
                                path.push('\0');
                            }
                            path.push_str(&key);
                            lines.entry(path).or_insert(line);
                        }
                        if let Some(f) = stack.last_mut() {
                            f.key = Some(key);
                        }
                    }
                }
                _ => {}
            }
            i += 1;
        }
        KeyLines { lines }
    }

    /// Line of the key at `path` (keys from the document root).
    pub(crate) fn get(&self, path: &[&str]) -> u32 {
        self.lines.get(&path.join("\0")).copied().unwrap_or(0)
    }
}

/// JSONC → JSON: comments and trailing commas become spaces (line structure kept).
pub(crate) fn strip_jsonc(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = bytes.to_vec();
    let mut i = 0;
    let mut last_comma: Option<usize> = None;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                last_comma = None;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    out[i] = b' ';
                    i += 1;
                }
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                    if bytes[i] != b'\n' {
                        out[i] = b' ';
                    }
                    i += 1;
                }
                let end = (i + 2).min(bytes.len());
                out[i..end].fill(b' ');
                i += 2;
                continue;
            }
            b',' => last_comma = Some(i),
            b'}' | b']' => {
                if let Some(c) = last_comma.take() {
                    out[c] = b' ';
                }
            }
            b if b.is_ascii_whitespace() => {}
            _ => last_comma = None,
        }
        i += 1;
    }
    // Only ASCII bytes outside strings were replaced by ASCII spaces: still valid UTF-8.
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::{KeyLines, strip_jsonc};

    #[test]
    fn key_lines_nested_and_escaped() {
        let text = "{\n \"packages\": {\n  \"\": {},\n  \"node_modules/a\": {\"dependencies\": {\"b\": \"1\"}},\n  \"x\\u0041\": 1\n }\n}";
        let k = KeyLines::scan(text, &["packages"]);
        assert_eq!(k.get(&["packages", ""]), 3);
        assert_eq!(k.get(&["packages", "node_modules/a"]), 4);
        assert_eq!(k.get(&["packages", "xA"]), 5);
        assert_eq!(
            k.get(&["packages", "node_modules/a", "dependencies", "b"]),
            0
        );
    }

    #[test]
    fn jsonc_trailing_commas_and_comments() {
        let text = "{ // c\n \"a\": [1, 2,], /* x */ \"b\": \"//,}\",\n}";
        let v: serde_json::Value = serde_json::from_str(&strip_jsonc(text)).unwrap_or_default();
        assert_eq!(v["b"], "//,}");
        assert_eq!(v["a"][1], 2);
    }
}
