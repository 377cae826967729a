//! `ferret proxy`: the CLI side of ferret_proxy (arguments, the upstream from `.npmrc`, the
//! policy, the cache, the access log). The server itself lives in that crate.

use anyhow::{Context as _, Result, anyhow};
use ferret_policy::Policy;
use ferret_registry::RegistryConfig;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Debug, clap::Args)]
pub struct ProxyArgs {
    /// Address to listen on (loopback by default: the proxy has no authentication of its own)
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:4873")]
    listen: String,

    /// Upstream registry (default: npm_config_registry, then .npmrc, then registry.npmjs.org)
    #[arg(long, value_name = "URL")]
    upstream: Option<String>,

    /// Also proxy a PyPI simple index (PEP 503/691), e.g. https://pypi.org/simple/, under
    /// /pypi/simple/: `pip install --index-url http://ADDR/pypi/simple/ NAME`
    #[arg(long, value_name = "URL")]
    pypi_upstream: Option<String>,

    /// URL clients reach the proxy at, for tarball URLs (default: the request's Host header)
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,

    /// Policy file (default: the nearest ferret.toml at or above the current directory)
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,

    /// Cache directory (default: FERRET_CACHE_DIR, then $XDG_CACHE_HOME/ferret, ~/.cache/ferret)
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,

    /// Access log (JSON lines), default stderr
    #[arg(long, value_name = "FILE")]
    access_log: Option<PathBuf>,

    /// Seconds an upstream request may take in total
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    upstream_timeout: u64,

    /// Largest tarball accepted from the upstream (MiB)
    #[arg(long, value_name = "MIB", default_value_t = 128)]
    max_tarball_mib: u64,

    /// Versions of a package inspected before its packument is answered (the dist-tags'
    /// targets, then the highest release of each major line); blocked ones are removed
    #[arg(long, value_name = "N", default_value_t = 8)]
    prescan_max: usize,

    /// Seconds a packument answer waits for those inspections; versions not judged by then
    /// are served and checked when their tarball is requested (access log: `unscanned`)
    #[arg(long, value_name = "SECS", default_value_t = 20)]
    prescan_budget: u64,
}

pub fn run(args: &ProxyArgs, known: &[&str], cache_dir: Option<PathBuf>) -> Result<ExitCode> {
    let cwd = std::env::current_dir().context("cannot determine the current directory")?;
    let policy = Policy::find_and_load(args.policy.as_deref(), &cwd, known)?;
    let registry = RegistryConfig::discover(args.upstream.as_deref(), &cwd)
        .map_err(|e| anyhow!(e))
        .context("cannot determine the upstream registry")?;
    let cache = match args.cache_dir.clone().or(cache_dir) {
        Some(dir) => match ferret_cache::Cache::open(&dir) {
            Ok(c) => Some(c),
            Err(e) => {
                warn(&format!("cache unavailable, every tarball is scanned: {e}"));
                None
            }
        },
        None => None,
    };
    let access_log = match &args.access_log {
        Some(path) => ferret_proxy::AccessLog::new(Box::new(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .with_context(|| format!("cannot open {}", path.display()))?,
        )),
        None => ferret_proxy::AccessLog::stderr(),
    };
    let limits = ferret_proxy::ProxyLimits {
        upstream_timeout: Duration::from_secs(args.upstream_timeout.max(1)),
        max_tarball_bytes: args.max_tarball_mib.max(1) * 1024 * 1024,
        prescan_max: args.prescan_max,
        prescan_budget: Duration::from_secs(args.prescan_budget),
        ..ferret_proxy::ProxyLimits::default()
    };
    let upstream = registry.registry_for("").to_owned();
    let pypi = args.pypi_upstream.clone();
    let config = ferret_proxy::ProxyConfig {
        registry,
        policy,
        cache,
        analyser: crate::project::analyser_version(),
        public_url: args.public_url.clone(),
        limits,
        access_log,
        pypi_upstream: args.pypi_upstream.clone(),
    };
    ferret_proxy::run(&args.listen, config, |addr| {
        let _ = writeln!(
            std::io::stderr().lock(),
            "ferret proxy: listening on http://{addr}/ in front of {}",
            ferret_proxy::redact(&upstream)
        );
        if let Some(index) = &pypi {
            let _ = writeln!(
                std::io::stderr().lock(),
                "ferret proxy: PyPI at http://{addr}/pypi/simple/ in front of {}",
                ferret_proxy::redact(index)
            );
        }
    })?;
    Ok(ExitCode::SUCCESS)
}

fn warn(msg: &str) {
    let _ = writeln!(std::io::stderr().lock(), "warning: {msg}");
}
