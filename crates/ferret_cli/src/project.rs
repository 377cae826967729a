//! `ferret scan` on a project and `ferret cache stats|clear`: the CLI side of
//! ferret_project and ferret_cache (options, the cache directory, the progress bar, notes on
//! stderr). All the work is in those crates.

use anyhow::{Context as _, Result, anyhow};
use ferret_cache::Cache;
use ferret_core::ScanReport;
use ferret_registry::{ClientLimits, NpmClient, RegistryConfig};
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// What the project scan needs from the command line.
pub struct ProjectArgs<'a> {
    pub root: &'a Path,
    pub registry: Option<&'a str>,
    pub offline: bool,
    pub jobs: usize,
    pub cache_dir: Option<PathBuf>,
    pub no_cache: bool,
    /// `--index-url`: the Python index for the project's Python files (else PIP_INDEX_URL,
    /// pip.conf, a requirements file's own `--index-url`, PyPI).
    pub index_url: Option<&'a str>,
    /// The policy's `[registry] soak-hours` (`recently-published`).
    pub soak_hours: Option<u32>,
    /// `--all-platforms` or the policy's `all-platforms = true`.
    pub all_platforms: bool,
}

/// Scans the project in `args.root`; the caller applies the policy and renders.
pub fn scan(args: &ProjectArgs<'_>) -> Result<ScanReport> {
    let cache = if args.no_cache {
        None
    } else {
        match &args.cache_dir {
            Some(dir) => match Cache::open(dir) {
                Ok(cache) => Some(cache),
                Err(e) => {
                    // A cache we cannot open costs time, never correctness.
                    warn(&format!("cache unavailable, scanning without it: {e}"));
                    None
                }
            },
            None => {
                warn(
                    "no cache directory (set FERRET_CACHE_DIR or --cache-dir); scanning without a cache",
                );
                None
            }
        }
    };
    // Offline, the client makes no request: it only names the registry whose cached
    // packuments the metadata rules read (a configuration that cannot be read then leaves
    // them not evaluated instead of failing the scan).
    let client = match RegistryConfig::discover(args.registry, args.root) {
        Ok(config) => Some(NpmClient::new(config).with_limits(client_limits()?)),
        Err(_) if args.offline => None,
        Err(e) => return Err(anyhow!(e)).context("cannot determine the registry"),
    };
    let mut opts = ferret_project::Options::new(args.root, analyser_version());
    opts.offline = args.offline;
    opts.jobs = args.jobs;
    opts.pypi_index_url = args.index_url.map(str::to_owned);
    opts.soak_hours = args.soak_hours;
    opts.all_platforms = args.all_platforms;
    let bar = crate::progress::Bar::for_stderr();
    let result = ferret_project::scan_project(&opts, client.as_ref(), cache.as_ref(), &bar);
    bar.finish();
    let mut report =
        result.with_context(|| format!("cannot scan project {}", args.root.display()))?;
    // npm packages got their registry metadata (or a not-evaluated list saying why not)
    // from ferret_project; the Python side fetches no PyPI metadata yet, and says so (never
    // a silent pass).
    for pkg in &mut report.packages {
        if pkg.package.ecosystem == ferret_core::Ecosystem::PyPI {
            ferret_rules::mark_metadata_unavailable(
                pkg,
                "project scans do not fetch PyPI metadata yet",
            );
        }
    }
    if args.no_cache
        && let Some(p) = report.project.as_mut()
    {
        p.notes.push("cache disabled (--no-cache)".to_owned());
    }
    if args.cache_dir.is_some()
        && cache.is_none()
        && !args.no_cache
        && let Some(p) = report.project.as_mut()
    {
        p.notes
            .push("the cache could not be opened; everything was fetched or read again".to_owned());
    }
    Ok(report)
}

/// The registry client's limits: the defaults, or with `FERRET_HTTP_TIMEOUT=SECONDS` the
/// longest silence tolerated from the registry (default 30 s; a registry that accepts the
/// connection and never answers, or stalls mid-tarball, fails each attempt after this long).
pub fn client_limits() -> Result<ClientLimits> {
    match std::env::var("FERRET_HTTP_TIMEOUT") {
        Err(std::env::VarError::NotPresent) => Ok(ClientLimits::default()),
        Ok(v) => {
            let secs: f64 = v
                .trim()
                .parse()
                .ok()
                .filter(|s: &f64| s.is_finite() && *s > 0.0 && *s <= 86_400.0)
                .ok_or_else(|| {
                    anyhow!("FERRET_HTTP_TIMEOUT={v:?}: expected seconds, e.g. 30 or 2.5")
                })?;
            Ok(ClientLimits::with_stall_timeout(
                std::time::Duration::from_secs_f64(secs),
            ))
        }
        Err(e) => Err(anyhow!("FERRET_HTTP_TIMEOUT: {e}")),
    }
}

/// Identifies this analyser for the analysis cache: the ferret version, the rules (id,
/// severity, default action), the known-malware index in use, and the executable itself
/// (size and modification time), so a rebuilt binary never reuses a verdict of the old one.
pub fn analyser_version() -> String {
    let mut parts = vec![env!("CARGO_PKG_VERSION").to_owned()];
    let mut rules: Vec<String> = ferret_rules::registry::all_rules()
        .iter()
        .map(|r| {
            let m = r.meta();
            format!(
                "{}:{}:{}",
                m.id,
                m.severity.as_str(),
                m.default_action.as_str()
            )
        })
        .collect();
    rules.sort();
    parts.push(rules.join(","));
    let index = ferret_rules::known_malware::Index::active();
    parts.push(format!("km:{}:{}", index.date(), index.len()));
    if let Some(meta) = std::env::current_exe()
        .ok()
        .and_then(|p| std::fs::metadata(p).ok())
    {
        let mtime = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        parts.push(format!("exe:{}:{mtime}", meta.len()));
    }
    format!(
        "{}+{:016x}",
        env!("CARGO_PKG_VERSION"),
        fnv1a(parts.join("|").as_bytes())
    )
}

/// FNV-1a 64: a stable, dependency-free fingerprint (not a security boundary: the cache
/// is the user's own).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// `ferret cache stats`.
pub fn cache_stats(dir: &Path) -> Result<String> {
    let cache =
        Cache::open(dir).with_context(|| format!("cannot open the cache in {}", dir.display()))?;
    let stats = cache.stats()?;
    let mut out = format!(
        "cache: {} ({} bytes on disk)\n",
        stats.path.display(),
        stats.file_bytes
    );
    for (table, entries, bytes) in stats.tables {
        out.push_str(&format!(
            "  {table:<10} {entries:>7} entries {bytes:>12} bytes\n"
        ));
    }
    Ok(out)
}

/// `ferret cache clear`.
pub fn cache_clear(dir: &Path) -> Result<String> {
    let cache =
        Cache::open(dir).with_context(|| format!("cannot open the cache in {}", dir.display()))?;
    cache.clear()?;
    Ok(format!("cleared {}\n", cache.path().display()))
}

fn warn(msg: &str) {
    let _ = writeln!(std::io::stderr().lock(), "warning: {msg}");
}
