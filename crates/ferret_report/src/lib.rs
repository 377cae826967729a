//! Renderers: turn a [`ScanReport`] into what a person or a program reads: terminal text,
//! JSON, SARIF 2.1.0 (code scanning) and markdown (pull-request comments).
//!
//! Renderers are pure functions from the report to a `String`: no I/O, no environment
//! reads (the caller decides about color), deterministic output so it can be snapshotted.
//! Package-derived text (paths, messages, excerpts) is hostile input: the terminal renderer
//! escapes control characters so a file name cannot inject terminal escape sequences.

mod diff;
mod json;
mod markdown;
mod sarif;
mod terminal;
#[cfg(test)]
mod test_support;

pub use diff::{
    project_diff_as_scan, render_diff_json, render_diff_markdown, render_diff_terminal,
    render_project_diff_json, render_project_diff_markdown, render_project_diff_terminal,
};
pub use json::render_json;
pub use markdown::render_markdown;
pub use sarif::{RuleDescriptor, SARIF_SCHEMA_URI, SarifOptions, render_sarif};
pub use terminal::{TerminalOptions, render_terminal};

#[doc(no_inline)]
pub use ferret_core::ScanReport;
