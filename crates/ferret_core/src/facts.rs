//! The fact model: what parsing a package once produces, and the only thing rules read.
//!
//! Language analysers (`ferret_js`, later `ferret_python`) fill [`FileFacts`] with the same
//! vocabulary, so a rule written against facts works for every ecosystem. Facts carry their
//! location and a code excerpt, so rules never need the source text.

use crate::capability::Capability;
use crate::location::{Excerpt, Location};
use crate::package::PackageId;
use crate::registry::{MetadataStatus, RegistryFacts};
use crate::signals::TextSignals;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// What kind of file this is, decided from its name *and* its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileKind {
    JavaScript,
    TypeScript,
    Python,
    Json,
    /// ELF, PE or Mach-O executable or library, or a `.node` addon.
    NativeBinary,
    /// WebAssembly module.
    Wasm,
    /// Any other binary content.
    Binary,
    /// Shell, batch or PowerShell script.
    Script,
    Text,
}

/// Whether the analyser understood the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum ParseStatus {
    Parsed,
    /// The parser reported errors; facts are from whatever it recovered.
    Failed {
        message: String,
        location: Option<Location>,
    },
    /// Not analysed (too large, too deeply nested, not code); the reason says which limit.
    Skipped {
        reason: String,
    },
    /// Not source code (data, binary, text): nothing to parse.
    NotCode,
}

/// How a capability is reached at one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UseKind {
    /// A module that grants the capability is imported/required.
    Import,
    /// An API is called (`cp.exec(...)`, `fetch(...)`).
    Call,
    /// An API is constructed (`new WebSocket(...)`, `new Function(...)`).
    Construct,
    /// A value is read (`process.env.HOME`).
    Read,
    /// A value is written or replaced (`process.env.X = ...`, `window.fetch = ...`).
    Write,
    /// The API is referenced without being called here (passed along, aliased).
    Reference,
    /// A file in the package carries the capability (native binary, install script).
    File,
}

/// One place where code uses a capability.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CapabilityUse {
    pub capability: Capability,
    /// Canonical name of what is used: `child_process.exec`, `fetch`, `process.env`,
    /// `eval`, `fs.readFileSync`, `install:postinstall`.
    pub api: String,
    pub kind: UseKind,
    pub location: Location,
    pub code: Excerpt,
    /// Extra detail: the environment variable name, the folded module name, the command.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Set by the engine when the file runs at install time.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub install_time: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImportKind {
    /// `require(x)` and its aliases (`module.require`, `process.mainModule.require`, ...).
    Require,
    /// `import ... from 'x'` / `export ... from 'x'`.
    Static,
    /// `import(x)`.
    Dynamic,
}

/// A module import. `specifier` is `None` when the argument could not be folded to a
/// constant string (that is itself a dynamic-code fact).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ImportFact {
    pub specifier: Option<String>,
    pub kind: ImportKind,
    pub location: Location,
    pub code: Excerpt,
}

/// A call whose callee resolved to something known (a builtin, a module member, a global),
/// with the arguments that fold to constant strings.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CallFact {
    /// Canonical callee: `child_process.exec`, `eval`, `Buffer.from`, `String.fromCharCode`.
    pub callee: String,
    /// One entry per argument: the folded constant string, if any.
    pub args: Vec<Option<String>>,
    pub location: Location,
    pub code: Excerpt,
    /// True when the call is at module top level (runs on load), not inside a function.
    pub top_level: bool,
    /// The innermost enclosing function: an index into [`FileFacts::functions`] plus one;
    /// 0 = module top level. Two facts with the same scope run in the same function body.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub scope: u32,
    /// Per argument (same indexing as `args`), the kinds of data that flow into it through
    /// local bindings, object/array/template literals, concatenation and encoders
    /// (`JSON.stringify`, `Buffer.from`, `encodeURIComponent`, `btoa`, `.toString()`), sorted
    /// and deduplicated. Empty when no argument carries any source.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub arg_sources: Vec<Vec<Source>>,
}

impl CallFact {
    /// Every source kind that reaches any argument.
    pub fn sources(&self) -> impl Iterator<Item = Source> + '_ {
        self.arg_sources.iter().flatten().copied()
    }

    /// Whether data of `kind` reaches any argument.
    pub fn receives(&self, kind: Source) -> bool {
        self.sources().any(|s| s == kind)
    }
}

#[expect(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's skip_serializing_if passes a reference"
)]
fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// A kind of sensitive or untrusted data a value may carry (light, intra-file data flow).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// The whole environment object (`process.env`, `{...process.env}`,
    /// `JSON.stringify(process.env)`); not its key names alone (`Object.keys(process.env)`).
    EnvAll,
    /// The value of one environment variable (`process.env.NPM_TOKEN`).
    EnvVar,
    /// Host and user identity: `os.hostname()`, `os.userInfo()`, `os.networkInterfaces()`.
    SystemInfo,
    /// File contents (`fs.readFileSync`, `fs.promises.readFile`).
    FileRead,
    /// The output of a command (`child_process.execSync`).
    CommandOutput,
    /// Decoded data (`atob`, `Buffer.from(x, 'base64' | 'hex')`).
    Decoded,
    /// A body received from the network (`await fetch(u)`, `await axios.get(u)`).
    Download,
}

/// A string the code contains or computes. `folded` strings were computed (concatenation,
/// base64/hex/char-code decoding, `join`, `reverse`) rather than written literally.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct StringFact {
    /// The value, cut to [`StringFact::MAX_CHARS`] characters; `len` is the full length.
    pub value: String,
    pub len: usize,
    pub folded: bool,
    pub location: Location,
}

impl StringFact {
    pub const MAX_CHARS: usize = 64 * 1024;
}

/// Facts about the raw text, independent of parsing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextFacts {
    pub lines: u32,
    /// Longest line in characters.
    pub longest_line: u32,
    /// Whether the file looks minified (few, very long lines of code).
    pub minified: bool,
}

/// Everything known about one file of a package.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileFacts {
    /// Relative to the package root, `/`-separated.
    pub path: String,
    pub kind: FileKind,
    pub size: u64,
    pub status: ParseStatus,
    /// Set by the engine: this file runs at install time (an install script or reachable
    /// from one through static requires).
    #[serde(default)]
    pub install_time: bool,
    pub uses: Vec<CapabilityUse>,
    pub imports: Vec<ImportFact>,
    pub calls: Vec<CallFact>,
    pub strings: Vec<StringFact>,
    pub text: TextFacts,
    /// Signals from the raw text (bidi, invisible characters, hidden code, obfuscator
    /// fingerprints); empty for most files.
    #[serde(default, skip_serializing_if = "TextSignals::is_empty")]
    pub signals: TextSignals,
    /// Byte spans of the file's functions (declarations, expressions, arrows, methods) in
    /// source order; function `i` is scope `i + 1` (see [`CallFact::scope`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub functions: Vec<crate::location::Span>,
    /// Content-defined chunks of a code file's text, set by the package diff only, for the
    /// files that differ between the two versions (a scan leaves them empty): what
    /// `major-refactor` compares to measure how much code changed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub chunks: Vec<ContentChunk>,
    /// The parse found a loop statement (`for`, `while`, `do`) outside any braces: at module
    /// top level, possibly under a brace-less `if` or label. Only then can the text check for
    /// endless import-time loops find one (when the parse failed, it always runs).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub top_level_loop: bool,
}

/// One content-defined chunk of a file: a hash of a run of its non-whitespace bytes and the
/// run's length. Chunk boundaries depend on the content only (a rolling hash), so an edit
/// changes the chunks around it and no others, and two versions of a file compare by the
/// chunks they share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ContentChunk {
    pub hash: u64,
    /// Non-whitespace bytes in the chunk.
    pub len: u32,
}

impl FileFacts {
    pub fn new(path: impl Into<String>, kind: FileKind, size: u64) -> Self {
        Self {
            path: path.into(),
            kind,
            size,
            status: ParseStatus::NotCode,
            install_time: false,
            uses: Vec::new(),
            imports: Vec::new(),
            calls: Vec::new(),
            strings: Vec::new(),
            text: TextFacts::default(),
            signals: TextSignals::default(),
            functions: Vec::new(),
            chunks: Vec::new(),
            top_level_loop: false,
        }
    }

    /// The innermost function containing byte offset `offset` (scope id, 0 = top level), so
    /// uses and strings, which carry only their location, compare with [`CallFact::scope`].
    pub fn scope_at(&self, offset: u32) -> u32 {
        // `functions` is sorted by start and properly nested: the innermost container is the
        // last function starting at or before `offset` that still contains it.
        let upto = self.functions.partition_point(|f| f.start <= offset);
        let mut i = upto;
        // Bounded walk outwards: enclosing functions start earlier; siblings end earlier.
        let mut steps = 0u32;
        while i > 0 && steps < 4096 {
            i -= 1;
            steps += 1;
            let f = self.functions[i];
            if offset < f.end {
                return u32::try_from(i + 1).unwrap_or(u32::MAX);
            }
        }
        0
    }

    pub fn uses_of(&self, cap: Capability) -> impl Iterator<Item = &CapabilityUse> {
        self.uses.iter().filter(move |u| u.capability == cap)
    }

    pub fn is_code(&self) -> bool {
        matches!(
            self.kind,
            FileKind::JavaScript | FileKind::TypeScript | FileKind::Python
        )
    }
}

/// One npm lifecycle script (or, for PyPI, an install-time hook).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct InstallScript {
    /// `preinstall`, `install`, `postinstall`, `prepare`.
    pub hook: String,
    /// The command line as written.
    pub command: String,
    /// Each simple command of the line, as argv words.
    pub commands: Vec<Vec<String>>,
    /// Package files the script runs (`node lib/build.js` → `lib/build.js`).
    pub runs_files: Vec<String>,
    /// Where the script is declared (in `package.json`).
    pub location: Option<Location>,
}

/// An archive entry that was not extracted because it is unsafe, or a limit that was hit.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ArchiveIssue {
    pub path: String,
    /// `path-traversal`, `absolute-path`, `symlink`, `hardlink`, `device`, `file-too-large`, ...
    pub kind: String,
    pub detail: String,
}

/// Everything known about one package, built once and handed to every rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackageFacts {
    pub id: PackageId,
    /// The tarball's own package.json (or the Python metadata), when it parsed.
    pub manifest: Option<serde_json::Value>,
    /// Why the manifest is missing or invalid.
    pub manifest_error: Option<String>,
    /// Sorted by path.
    pub files: Vec<FileFacts>,
    pub install_scripts: Vec<InstallScript>,
    /// Paths of files that run at install time.
    pub install_time_files: BTreeSet<String>,
    pub archive_issues: Vec<ArchiveIssue>,
    /// What the registry says about the package (input data; rules never fetch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry: Option<RegistryFacts>,
    /// Whether registry metadata was available, so metadata rules can say they did not run.
    #[serde(default)]
    pub metadata_status: MetadataStatus,
}

impl PackageFacts {
    pub fn file(&self, path: &str) -> Option<&FileFacts> {
        self.files
            .binary_search_by(|f| f.path.as_str().cmp(path))
            .ok()
            .map(|i| &self.files[i])
    }
}
