//! File kind detection from the name *and* the bytes. Magic bytes win over the extension:
//! an ELF binary named `index.js` is a native binary, and a file named `.js` full of NUL
//! bytes is binary (the engine reports it as "binary disguised as JS").

use ferret_core::FileKind;

/// How many leading bytes decide text versus binary; the same window `file(1)` and git use
/// in spirit (git checks 8000 bytes for NUL).
const SNIFF_WINDOW: usize = 8 * 1024;

/// Decides a file's kind from its path and content.
pub fn sniff_kind(path: &str, data: &[u8]) -> FileKind {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    if ext == "node" || is_native(data) {
        return FileKind::NativeBinary;
    }
    if data.starts_with(b"\0asm") {
        return FileKind::Wasm;
    }
    if is_binary(data) {
        return FileKind::Binary;
    }
    match ext {
        "js" | "cjs" | "mjs" | "jsx" => FileKind::JavaScript,
        "ts" | "tsx" | "mts" | "cts" => FileKind::TypeScript,
        "py" => FileKind::Python,
        "json" => FileKind::Json,
        "sh" | "bash" | "bat" | "cmd" | "ps1" => FileKind::Script,
        // npm `bin` files often have no extension and a `#!/usr/bin/env node` line: they are
        // JavaScript that runs on the user's machine, so they must be parsed as such.
        _ => shebang_kind(data).unwrap_or(FileKind::Text),
    }
}

fn is_native(data: &[u8]) -> bool {
    let magic4 = data.get(..4);
    let elf = data.starts_with(b"\x7fELF");
    let macho = matches!(
        magic4,
        Some(
            [0xfe, 0xed, 0xfa, 0xce | 0xcf] // 32/64-bit big-endian
                | [0xce | 0xcf, 0xfa, 0xed, 0xfe] // 32/64-bit little-endian
        )
    );
    // 0xcafebabe is both a fat Mach-O and a Java class file; the next word is the number of
    // architectures (small) in one and the class-file version (>= 45) in the other.
    let fat = matches!(magic4, Some([0xca, 0xfe, 0xba, 0xbe | 0xbf]))
        && data
            .get(4..8)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .is_some_and(|b| u32::from_be_bytes(b) < 45);
    // "MZ" alone is two printable letters; a real PE/DOS header always has NUL bytes.
    let pe = data.starts_with(b"MZ") && window(data).contains(&0);
    elf || macho || fat || pe
}

fn window(data: &[u8]) -> &[u8] {
    &data[..data.len().min(SNIFF_WINDOW)]
}

fn is_binary(data: &[u8]) -> bool {
    let head = window(data);
    if head.contains(&0) {
        return true;
    }
    match std::str::from_utf8(head) {
        Ok(_) => false,
        // A multi-byte character cut by the window edge is fine (`error_len() == None`).
        Err(e) => e.error_len().is_some(),
    }
}

fn shebang_kind(data: &[u8]) -> Option<FileKind> {
    let rest = data.strip_prefix(b"#!")?;
    let line = rest.split(|&b| b == b'\n').next().unwrap_or(rest);
    let line = String::from_utf8_lossy(line);
    let interpreter = line
        .split_whitespace()
        .flat_map(|w| w.rsplit('/').next())
        .find(|w| *w != "env" && !w.starts_with('-'))?;
    match interpreter {
        i if i == "node" || i.starts_with("node") || i == "deno" || i == "bun" => {
            Some(FileKind::JavaScript)
        }
        i if i.starts_with("python") => Some(FileKind::Python),
        "sh" | "bash" | "dash" | "zsh" | "ksh" => Some(FileKind::Script),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_bytes_beat_the_extension() {
        assert_eq!(
            sniff_kind("index.js", b"\x7fELF\x02\x01\x01\0"),
            FileKind::NativeBinary
        );
        assert_eq!(
            sniff_kind("a.js", b"MZ\x90\0\x03\0\0\0"),
            FileKind::NativeBinary
        );
        assert_eq!(
            sniff_kind("lib", &[0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1]),
            FileKind::NativeBinary
        );
        assert_eq!(
            sniff_kind("lib", &[0xfe, 0xed, 0xfa, 0xce, 0, 0, 0, 7]),
            FileKind::NativeBinary
        );
        assert_eq!(
            sniff_kind("fat", &[0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2]),
            FileKind::NativeBinary
        );
        assert_eq!(sniff_kind("x.node", b"anything"), FileKind::NativeBinary);
        assert_eq!(sniff_kind("m.wasm", b"\0asm\x01\0\0\0"), FileKind::Wasm);
    }

    #[test]
    fn java_class_is_not_mach_o() {
        assert_eq!(
            sniff_kind("A.class", &[0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 52]),
            FileKind::Binary
        );
    }

    #[test]
    fn binary_disguised_as_js() {
        assert_eq!(
            sniff_kind("index.js", b"var a = 1;\0\0\0"),
            FileKind::Binary
        );
        assert_eq!(
            sniff_kind("index.js", b"var a = '\xff\xfe';"),
            FileKind::Binary
        );
        // "MZ" text without NULs is just text.
        assert_eq!(sniff_kind("index.js", b"MZ = 1;"), FileKind::JavaScript);
    }

    #[test]
    fn utf8_cut_at_the_window_edge_is_text() {
        let mut data = vec![b'a'; SNIFF_WINDOW - 1];
        data.extend_from_slice("é".as_bytes());
        assert_eq!(sniff_kind("a.js", &data), FileKind::JavaScript);
    }

    #[test]
    fn by_extension() {
        let cases = [
            ("a.js", FileKind::JavaScript),
            ("A.CJS", FileKind::JavaScript),
            ("a.mjs", FileKind::JavaScript),
            ("a.jsx", FileKind::JavaScript),
            ("a.d.ts", FileKind::TypeScript),
            ("a.tsx", FileKind::TypeScript),
            ("a.mts", FileKind::TypeScript),
            ("a.cts", FileKind::TypeScript),
            ("setup.py", FileKind::Python),
            ("package.json", FileKind::Json),
            ("x.sh", FileKind::Script),
            ("x.bash", FileKind::Script),
            ("x.bat", FileKind::Script),
            ("x.cmd", FileKind::Script),
            ("x.ps1", FileKind::Script),
            ("README.md", FileKind::Text),
            ("LICENSE", FileKind::Text),
            ("dir.js/readme", FileKind::Text),
        ];
        for (path, kind) in cases {
            assert_eq!(sniff_kind(path, b"hello"), kind, "{path}");
        }
    }

    #[test]
    fn shebang_decides_extensionless_files() {
        assert_eq!(
            sniff_kind("bin/cli", b"#!/usr/bin/env node\nrequire('x')"),
            FileKind::JavaScript
        );
        assert_eq!(
            sniff_kind("bin/cli", b"#!/usr/bin/env -S node --no-warnings\n"),
            FileKind::JavaScript
        );
        assert_eq!(
            sniff_kind("bin/run", b"#!/bin/sh\necho hi"),
            FileKind::Script
        );
        assert_eq!(
            sniff_kind("bin/x", b"#!/usr/bin/python3\n"),
            FileKind::Python
        );
        assert_eq!(sniff_kind("bin/x", b"#!/usr/bin/perl\n"), FileKind::Text);
    }
}
