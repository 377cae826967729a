//! Pure detectors shared by the red-flag rules and the malware verdict: the raw-text pass
//! (bidi, invisible characters, hidden code, mixed-script identifiers, obfuscator
//! fingerprints), string entropy and payload decoding, endpoint extraction and
//! classification, obfuscation signatures, and path conventions (bundles, tests, docs).
//!
//! Everything here is a function of its inputs, linear in their size, and never panics on
//! package content. Thresholds name the measurement that chose them; the benign corpus is
//! `npm-app/node_modules` (381 packages, 16,332 JS/TS files, including next, moment,
//! mongoose, webpack, terser, typescript).

pub mod endpoints;
pub mod entropy;
pub mod obfuscation;
pub mod paths;
pub mod text;
