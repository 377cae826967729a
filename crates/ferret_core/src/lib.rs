//! ferret's vocabulary, shared by every other crate: what a package is, where a fact sits
//! in a file, which capabilities code can have, what a finding says and what a package
//! report contains. No I/O happens here; everything is plain data that serialises
//! deterministically.

pub mod analysis_thread;
pub mod capability;
pub mod diff;
pub mod facts;
pub mod finding;
pub mod location;
pub mod package;
pub mod registry;
pub mod report;
pub mod signals;

pub use capability::Capability;
pub use diff::{
    AlertKey, CapabilityDiff, ChangeKind, DiffExcerpt, DiffReport, FileChanges, PackageChange,
    ProjectDiffReport, PublisherChange, ValueChange,
};
pub use facts::{
    ArchiveIssue, CallFact, CapabilityUse, ContentChunk, FileFacts, FileKind, ImportFact,
    ImportKind, InstallScript, PackageFacts, ParseStatus, StringFact, TextFacts, UseKind,
};
pub use finding::{Action, Category, Evidence, Finding, Related, Severity};
pub use location::{Excerpt, LineIndex, Location, Span};
pub use package::{Ecosystem, PackageId};
pub use registry::{
    DistInfo, MetadataStatus, NotEvaluated, Person, RegistryFacts, UnixTime, Unpublished,
    VersionDoc, VersionInfo,
};
pub use report::{
    CapabilitySummary, FileError, LockfileRef, PackageInfo, PackageReport, ProjectInfo,
    ProjectPackage, ScanError, ScanReport,
};
pub use signals::{
    CharSignal, CodeSignal, HiddenCode, IdentifierSignal, ObfuscationHints, TextContext,
    TextSignals,
};

/// Version of the JSON report schema (`docs/json-schema.md`). Bump on any breaking change.
pub const SCHEMA_VERSION: u32 = 1;
