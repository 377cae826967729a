//! ferret's rules and the scan engine.
//!
//! `engine::scan` turns a [`ferret_source::PackageTree`] into [`ferret_core::PackageFacts`]
//! (every file parsed once, in parallel) and runs every registered rule over them,
//! producing a [`ferret_core::PackageReport`]. Rules live in `rules/`, one file each, and are
//! listed once in `registry.rs`; `docs` renders their pages and `tester` tests them.

// Tests unwrap on fixed inputs; library code never unwraps package data (checked in the
// non-test build of `cargo clippy --all-targets`).
#![cfg_attr(
    test,
    expect(clippy::unwrap_used, reason = "tests unwrap on fixed inputs")
)]

pub mod detect;
pub mod diff;
pub mod docs;
pub mod engine;
pub mod input;
pub mod install_script;
pub mod known_malware;
pub mod python_install;
pub mod registry;
pub mod resolve;
pub mod rule;
pub mod rules;
pub mod tester;

pub use engine::{build_facts, scan};
pub use input::{ScanInput, mark_metadata_unavailable, scan_with_metadata};
pub use registry::{all_rules, find_rule};
pub use rule::{FindingExt, Rule, RuleContext, RuleMeta};
