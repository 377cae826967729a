//! Signals read from the raw source text, which rules never see: bidi controls, invisible
//! characters, code pushed past the visible edge by whitespace, identifiers that mix scripts,
//! and the byte-level fingerprints of obfuscators.
//!
//! The text pass that fills these lives in `ferret_rules::detect::text`; this module is only
//! the vocabulary, so analysers and rules share it. Every list is capped at
//! [`TextSignals::MAX_PER_KIND`] entries so a hostile file cannot grow the facts without
//! bound; `truncated` says a cap was hit.

use crate::location::{Excerpt, Location};
use serde::{Deserialize, Serialize};

/// Where in the source a character sits, as far as a light lexer can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TextContext {
    /// Identifiers, operators, JSX text: anything outside strings, comments and regexes.
    Code,
    /// A string or template literal.
    String,
    Comment,
    Regex,
}

/// One suspicious character, or a run of them (`run` > 1) inside one literal.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CharSignal {
    pub location: Location,
    pub code_point: u32,
    pub context: TextContext,
    /// How many such characters follow each other from here (1 for a lone character).
    pub run: u32,
    pub code: Excerpt,
}

/// Code that starts after a long run of spaces/tabs on its line, beyond what an editor shows.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct HiddenCode {
    /// Where the hidden code starts.
    pub location: Location,
    /// Length of the whitespace run before it, in bytes.
    pub whitespace: u32,
    /// The hidden code itself (start of it).
    pub code: Excerpt,
}

/// A piece of code found by the text pass, with its location.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CodeSignal {
    pub location: Location,
    pub code: Excerpt,
}

/// An identifier whose letters come from more than one script (Latin mixed with Cyrillic,
/// Greek, Armenian or Cherokee look-alikes).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct IdentifierSignal {
    pub location: Location,
    pub identifier: String,
    /// Script names, sorted: `cyrillic`, `greek`, `latin`, ...
    pub scripts: Vec<String>,
    pub code: Excerpt,
}

/// Fingerprints of obfuscator output, counted in the same pass.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObfuscationHints {
    /// Occurrences of javascript-obfuscator style identifiers `_0x[0-9a-f]{4,6}`.
    #[serde(default)]
    pub hex_identifiers: u32,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub first_hex_identifier: Option<Location>,
    /// A string-array rotation loop: `x['push'](x['shift']())` / `x.push(x.shift())`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub rotation: Option<Location>,
    /// `parseInt(_0x…(0x…))` lookups of the string array.
    #[serde(default)]
    pub parse_int_hex: u32,
    /// Dean Edwards' packer: `eval(function(p,a,c,k,e,`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub packer: Option<Location>,
    /// The longest run made only of `[]()!+` (JSFuck), with its length in bytes.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub jsfuck_run: Option<(Location, u32)>,
}

impl ObfuscationHints {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// Everything the text pass found in one file. Empty for ordinary files.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextSignals {
    /// Bidirectional control characters (embeddings, overrides, isolates).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub bidi: Vec<CharSignal>,
    /// Zero-width and other invisible characters: every one in code, runs in literals.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub invisible: Vec<CharSignal>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub hidden_code: Vec<HiddenCode>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub mixed_script_identifiers: Vec<IdentifierSignal>,
    /// Assignments replacing console methods: `console.log = …`, `console[m] = …`.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub console_overrides: Vec<CodeSignal>,
    #[serde(skip_serializing_if = "ObfuscationHints::is_empty", default)]
    pub obfuscation: ObfuscationHints,
    /// Loops at module top level that never end (`for (;;)`, `while (true)`, `i < Infinity`
    /// with no `break`/`return`/`throw`/`process.exit` in the body): they hang every program
    /// that loads the file.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub top_level_infinite_loops: Vec<CodeSignal>,
    /// A list reached [`TextSignals::MAX_PER_KIND`] and further entries were dropped.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub truncated: bool,
}

impl TextSignals {
    pub const MAX_PER_KIND: usize = 32;

    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}
