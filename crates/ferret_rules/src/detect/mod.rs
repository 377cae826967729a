//! Pure detectors shared by the red-flag rules and the malware verdict: the raw-text pass
//! (bidi, invisible characters, hidden code, mixed-script identifiers, obfuscator
//! fingerprints), string entropy and payload decoding, endpoint extraction and
//! classification, obfuscation signatures, and path conventions (bundles, tests, docs).
//!
//! Everything here is a function of its inputs, linear in their size, and never panics on
//! package content. Thresholds name the measurement that chose them; the benign corpus is
//! `npm-app/node_modules` (381 packages, 16,332 JS/TS files, including next, moment,
//! mongoose, webpack, terser, typescript).

pub mod behavior;
pub mod campaigns;
pub mod endpoints;
pub mod entropy;
pub mod license;
pub mod metadata;
pub mod obfuscation;
pub mod paths;
pub mod popular;
pub mod text;
pub mod typosquat;

use ferret_core::{Excerpt, Location, StringFact};

/// An excerpt for a location whose line text is not at hand: shows `text` (escaped, cut to
/// [`Excerpt::MAX_CHARS`]) highlighted whole.
pub fn excerpt_at(location: &Location, text: &str) -> Excerpt {
    let mut out = String::new();
    let mut n = 0usize;
    for c in text.chars() {
        if n + 1 >= Excerpt::MAX_CHARS {
            out.push('…');
            break;
        }
        if c.is_control() || ferret_core::location::is_format_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
            n += 8;
        } else {
            out.push(c);
            n += 1;
        }
    }
    let len = u32::try_from(out.chars().count()).unwrap_or(u32::MAX);
    Excerpt {
        line: location.line,
        text: out,
        highlight_start: 0,
        highlight_len: len.max(1),
    }
}

/// The excerpt of a string fact: its value, quoted and cut.
pub fn string_excerpt(s: &StringFact) -> Excerpt {
    let head: String = s.value.chars().take(Excerpt::MAX_CHARS).collect();
    excerpt_at(&s.location, &format!("{head:?}"))
}
