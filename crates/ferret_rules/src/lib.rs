//! ferret's rules and the scan engine.
//!
//! `engine::scan` turns a [`ferret_source::PackageTree`] into [`ferret_core::PackageFacts`]
//! (every file parsed once, in parallel) and runs every registered rule over them,
//! producing a [`ferret_core::PackageReport`]. Rules live in `rules/`, one file each, and are
//! listed once in `registry.rs`.

pub mod detect;
pub mod known_malware;
pub mod rule;
pub mod rules;

pub use rule::{FindingExt, Rule, RuleContext, RuleMeta};
