//! One module per rule.
pub mod known_malware;
