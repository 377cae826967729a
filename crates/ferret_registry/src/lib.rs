//! npm registry client — the only crate in ferret that touches the network.
//!
//! [`RegistryConfig`] finds the registry and tokens the way npm does (`--registry`,
//! `npm_config_registry`, project and user `.npmrc`); [`NpmClient`] fetches packuments and
//! tarballs with timeouts, bounded retries and size caps; every tarball is verified against
//! the version document's `dist.integrity`/`dist.shasum` before anyone sees it
//! ([`verify_integrity`]): a mismatch is a hard error, never a silent scan.
//!
//! Tokens are sent only to URLs under the host/path they were configured for and never
//! appear in errors or `Debug` output.

mod client;
mod dns;
mod facts;
mod integrity;
mod npmrc;
mod pypi;
mod pypi_facts;
pub mod simple_html;
mod spec;

pub use client::{ClientLimits, FetchedPackage, NpmClient, Packument};
pub use dns::{CachingResolver, DNS_TTL, agent_with_dns_cache};
pub use facts::{
    declares_install_scripts, npm_bin, npm_registry_facts, npm_version_doc,
    parse_packument_for_facts, parse_time,
};
pub use integrity::verify_integrity;
pub use npmrc::{DEFAULT_REGISTRY, RegistryConfig};
pub use pypi::{
    DEFAULT_INDEX_URL, FetchedDist, FetchedRelease, FileChoice, PypiClient, PypiConfig, PypiFile,
    Version as PypiVersion, choose_files, latest_version, normalize_name, parse_pypi_spec,
    pip_conf_index_url, valid_pypi_name,
};
pub use pypi_facts::{PYPI_UNKNOWN_PUBLISHER, pypi_registry_facts};
pub use spec::{parse_spec, resolve_version, validate_name};

use std::path::PathBuf;

/// Why talking to a registry failed. Messages name the URL (with any credentials removed)
/// or the limit involved; tokens never appear.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{origin}: `{key}` is not a valid registry URL: `{value}` (expected http:// or https://)"
    )]
    InvalidRegistry {
        origin: String,
        key: String,
        value: String,
    },
    #[error("`{name}` is not a valid npm package name")]
    InvalidName { name: String },
    #[error("invalid URL `{url}`")]
    InvalidUrl { url: String },
    #[error("cannot reach {url}: {message} (are you offline? check the network or --registry)")]
    Offline { url: String, message: String },
    #[error("request to {url} failed: {message}")]
    Network { url: String, message: String },
    #[error("{url} answered HTTP {status}")]
    Http { url: String, status: u16 },
    #[error("{url} was not found (HTTP 404)")]
    NotFound { url: String },
    #[error("{url} refused access (HTTP {status}); check `_authToken` for this registry in .npmrc")]
    Unauthorized { url: String, status: u16 },
    #[error("{url}: the {what} is larger than the limit of {limit} bytes ({limit_name})")]
    TooLarge {
        url: String,
        what: &'static str,
        limit: u64,
        limit_name: &'static str,
    },
    #[error("{url} returned invalid JSON: {message}")]
    InvalidJson { url: String, message: String },
    #[error("{name}: no version matches `{spec}`")]
    VersionNotFound { name: String, spec: String },
    #[error("{name}@{version}: the version document has no `{field}`")]
    MissingField {
        name: String,
        version: String,
        field: &'static str,
    },
    #[error(
        "the version document has neither `dist.integrity` nor `dist.shasum`; refusing an unverifiable tarball"
    )]
    NoIntegrity,
    #[error("{file}: the index gives no sha256 for this file; refusing an unverifiable download")]
    NoPypiHash { file: String },
    #[error("`dist.integrity` has no supported hash: `{value}`")]
    UnsupportedIntegrity { value: String },
    #[error(
        "integrity check failed: expected {expected}, the tarball is {actual}; refusing to scan a tampered or corrupted tarball"
    )]
    IntegrityMismatch { expected: String, actual: String },
}
