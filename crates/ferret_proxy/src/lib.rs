//! `ferret proxy`: a registry firewall. A local HTTP server speaking the npm registry
//! protocol in front of an upstream registry; npm, pnpm, yarn and bun point at it with
//! `--registry`. It never lets a package the policy blocks reach the client:
//!
//! - **Packuments** (full, and abbreviated with `Accept: application/vnd.npm.install-v1+json`)
//!   are fetched from the upstream, stripped of the versions known to be blocked (their
//!   `time` entries too), dist-tags that named one repointed to the highest remaining
//!   version, and every `dist.tarball` rewritten to the proxy. When every version is
//!   blocked the packument itself is refused with 403 and the reason.
//! - **Tarballs** are downloaded completely, verified against the packument's
//!   `dist.integrity`/`shasum`, scanned by the engine (or judged from the shared cache) and
//!   served only when allowed; a blocked one is a 403 whose JSON `error` npm prints.
//!
//! Which versions are blocked is known only once they are scanned. Versions whose analysis
//! is in the cache are filtered for free. Before a packument is answered, the versions a
//! client is likely to resolve ([`packument::candidates`]: the dist-tags' targets and the
//! highest release of each major line, at most [`ProxyLimits::prescan_max`]) are inspected
//! concurrently (downloads and scans bounded by the shared semaphores, results in the
//! shared cache); when one is blocked, the next lower version of its line is inspected too
//! (up to [`ProxyLimits::prescan_depth`] steps), so a repointed dist-tag lands on a version
//! that was checked and `^1.2.0` resolves to a safe version on the first install. The
//! inspection has a time budget ([`ProxyLimits::prescan_budget`]): what is not judged by
//! then is served (the access log names it under `unscanned`) and left to the tarball-time
//! check, which refuses a blocked tarball with 403. A range that resolves to a version
//! outside the candidates (an old pin) gets that 403 too; once scanned, it is filtered from
//! every later packument.
//!
//! Upstream failures never become a good answer: a timeout is 504, a connection error or
//! 5xx is 502, an integrity mismatch or a truncated body is 502, and nothing is sent to
//! the client before the whole tarball was received, verified and judged. Memory is bounded
//! by size caps and semaphores on requests in flight, tarball downloads and scans.
//!
//! **PyPI** (with `pypi_upstream`, a PEP 503/691 simple index): `/pypi/simple/<project>/`
//! serves the upstream's project page — as PEP 691 JSON or PEP 503 HTML, as the client
//! asks — with every file link pointing at `/pypi/files/<project>/<filename>`, the
//! upstream's hashes, `requires-python` and yanked marks passed through, and files known to
//! be blocked (or that the index gives no sha256 for, so nobody could verify them) left
//! out. A file is downloaded by `ferret_registry::PypiClient::download`, which verifies its
//! sha256, scanned as a PyPI package (wheel or sdist) when the cache has no verdict, and
//! served only when allowed; a blocked one is a 403 whose reason phrase (what pip prints)
//! and JSON body say why. Point pip at it with `--index-url http://HOST:PORT/pypi/simple/`.
//!
//! Every decision is one JSON line in the access log (time, method, package, version,
//! decision, rule, status, duration); headers and URLs with credentials never are.

mod inspect;
pub mod packument;
pub mod pypi;
mod upstream;

pub use inspect::Verdict;
pub use upstream::{UpstreamError, redact};

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;
use ferret_cache::Cache;
use ferret_policy::Policy;
use ferret_registry::RegistryConfig;
use inspect::{Inspector, Semaphore};
use packument::Route;
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use upstream::Upstream;

const ABBREVIATED: &str = "application/vnd.npm.install-v1+json";
/// Version → dist entries remembered from served packuments before they are forgotten.
const MAX_REMEMBERED_DISTS: usize = 200_000;

#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("proxy server failed: {0}")]
    Serve(std::io::Error),
}

/// Bounds on what the proxy holds and waits for.
#[derive(Debug, Clone)]
pub struct ProxyLimits {
    pub max_tarball_bytes: u64,
    pub max_packument_bytes: u64,
    /// Requests handled at once (each may hold one packument or tarball in memory).
    pub max_requests: usize,
    /// Uncached tarballs downloaded at once.
    pub max_downloads: usize,
    /// Engine scans at once (CPU bound: default the number of cores).
    pub max_scans: usize,
    /// A whole upstream request (connect to last byte).
    pub upstream_timeout: Duration,
    /// Versions inspected before a packument is served ([`packument::candidates`]).
    pub prescan_max: usize,
    /// When a candidate is blocked, how many successively lower versions of its line are
    /// inspected until one is allowed.
    pub prescan_depth: usize,
    /// How long a packument answer waits for those inspections; the rest is left to the
    /// tarball-time check.
    pub prescan_budget: Duration,
}

impl Default for ProxyLimits {
    fn default() -> Self {
        Self {
            // Real tarballs stay under ~100 MB compressed.
            max_tarball_bytes: 128 * 1024 * 1024,
            // Full packuments of the busiest packages reach ~30 MB (typescript, 2025).
            max_packument_bytes: 128 * 1024 * 1024,
            max_requests: 64,
            max_downloads: 8,
            max_scans: std::thread::available_parallelism().map_or(2, std::num::NonZero::get),
            upstream_timeout: Duration::from_secs(60),
            // npm's `latest` plus the top of a few major lines covers what ranges resolve to.
            prescan_max: 8,
            prescan_depth: 3,
            // A cold scan of a large package takes a few seconds; npm waits minutes.
            prescan_budget: Duration::from_secs(20),
        }
    }
}

/// Where the JSON-lines access log goes.
pub struct AccessLog(Mutex<Box<dyn Write + Send>>);

impl AccessLog {
    pub fn new(sink: Box<dyn Write + Send>) -> Self {
        Self(Mutex::new(sink))
    }

    pub fn stderr() -> Self {
        Self::new(Box::new(std::io::stderr()))
    }

    fn write(&self, entry: &Value) {
        if let Ok(mut sink) = self.0.lock() {
            let _ = writeln!(sink, "{entry}");
            let _ = sink.flush();
        }
    }
}

/// Everything the proxy needs.
pub struct ProxyConfig {
    /// The upstream registry (and scoped registries, tokens) as from `.npmrc`.
    pub registry: RegistryConfig,
    pub policy: Policy,
    pub cache: Option<Cache>,
    /// Part of every analysis cache key (see ferret_project's `Options::analyser`).
    pub analyser: String,
    /// The URL clients reach the proxy at (tarball URLs point there). Default: from each
    /// request's `Host` header.
    pub public_url: Option<String>,
    pub limits: ProxyLimits,
    pub access_log: AccessLog,
    /// A PyPI simple index (`https://pypi.org/simple/`) to serve under `/pypi/simple/`;
    /// `None`: PyPI requests are 404.
    pub pypi_upstream: Option<String>,
}

struct Shared {
    upstream: Upstream,
    inspector: Inspector,
    public_url: Option<String>,
    limits: ProxyLimits,
    log: AccessLog,
    requests: tokio::sync::Semaphore,
    downloads: Semaphore,
    dists: Mutex<HashMap<(String, String), Value>>,
    /// Versions being judged right now, so a tarball request waits for the packument's
    /// inspection of the same version instead of downloading and scanning it twice.
    inflight: Mutex<HashMap<(String, String), Arc<Flight>>>,
    pypi: Option<PypiSide>,
}

/// The PyPI side: the upstream simple index and the files its pages listed.
struct PypiSide {
    client: ferret_registry::PypiClient,
    /// The simple index URL, ending with `/`.
    index: String,
    /// (project, filename) → the file as the upstream listed it, for downloads.
    files: Mutex<HashMap<(String, String), pypi::IndexFile>>,
}

/// One judgement in progress; `done` flips once.
#[derive(Default)]
struct Flight {
    done: Mutex<bool>,
    cv: std::sync::Condvar,
}

impl Flight {
    fn wait(&self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        let mut done = self
            .done
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while !*done {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            done = self
                .cv
                .wait_timeout(done, left)
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .0;
        }
    }

    fn finish(&self) {
        *self
            .done
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = true;
        self.cv.notify_all();
    }
}

/// A running proxy (see [`spawn`]).
pub struct Handle {
    pub addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<Result<(), ProxyError>>>,
}

impl Handle {
    /// Stops accepting, lets requests in flight finish, and waits.
    pub fn shutdown(mut self) -> Result<(), ProxyError> {
        self.stop()
    }

    fn stop(&mut self) -> Result<(), ProxyError> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match self.thread.take().map(std::thread::JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(ProxyError::Serve(std::io::Error::other(
                "proxy thread panicked",
            ))),
            None => Ok(()),
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

/// Serves on `listener` in a background thread (its own runtime) until
/// [`Handle::shutdown`].
pub fn spawn(listener: std::net::TcpListener, config: ProxyConfig) -> Result<Handle, ProxyError> {
    let addr = listener.local_addr().map_err(ProxyError::Serve)?;
    listener.set_nonblocking(true).map_err(ProxyError::Serve)?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("ferret-proxy".to_owned())
        .spawn(move || {
            let rt = runtime()?;
            rt.block_on(async move {
                let listener =
                    tokio::net::TcpListener::from_std(listener).map_err(ProxyError::Serve)?;
                serve(listener, config, async {
                    let _ = rx.await;
                })
                .await
            })
        })
        .map_err(ProxyError::Serve)?;
    Ok(Handle {
        addr,
        shutdown: Some(tx),
        thread: Some(thread),
    })
}

/// Listens on `addr` and serves until SIGTERM or Ctrl-C, then finishes the requests in
/// flight. `ready` is called with the bound address once accepting.
pub fn run(
    addr: &str,
    config: ProxyConfig,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), ProxyError> {
    let rt = runtime()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| ProxyError::Bind {
                addr: addr.to_owned(),
                source,
            })?;
        ready(listener.local_addr().map_err(ProxyError::Serve)?);
        serve(listener, config, termination()).await
    })
}

fn runtime() -> Result<tokio::runtime::Runtime, ProxyError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("ferret-proxy")
        .build()
        .map_err(ProxyError::Serve)
}

async fn termination() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Serves on `listener` until `shutdown` completes (graceful: requests in flight finish).
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: ProxyConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ProxyError> {
    let limits = config.limits.clone();
    let shared = Arc::new(Shared {
        upstream: Upstream::new(config.registry, limits.upstream_timeout),
        inspector: Inspector::new(
            config.policy,
            config.cache,
            config.analyser,
            limits.max_scans,
        ),
        public_url: config
            .public_url
            .map(|u| format!("{}/", u.trim_end_matches('/'))),
        requests: tokio::sync::Semaphore::new(limits.max_requests.max(1)),
        downloads: Semaphore::new(limits.max_downloads.max(1)),
        limits,
        log: config.access_log,
        dists: Mutex::new(HashMap::new()),
        inflight: Mutex::new(HashMap::new()),
        pypi: config.pypi_upstream.map(|u| {
            let pypi_config = ferret_registry::PypiConfig::new(&u);
            PypiSide {
                index: pypi_config.index_url.clone(),
                client: ferret_registry::PypiClient::new(pypi_config),
                files: Mutex::new(HashMap::new()),
            }
        }),
    });
    let app = axum::Router::new().fallback(handle).with_state(shared);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(ProxyError::Serve)
}

/// One answer plus what the access log says about it.
struct Outcome {
    response: Response,
    package: Option<String>,
    version: Option<String>,
    decision: &'static str,
    rule: Option<String>,
    removed: Vec<String>,
    /// Likely versions not judged within the inspection budget (served; the tarball
    /// request decides).
    unscanned: Vec<String>,
}

impl Outcome {
    fn new(response: Response, decision: &'static str) -> Self {
        Self {
            response,
            package: None,
            version: None,
            decision,
            rule: None,
            removed: Vec::new(),
            unscanned: Vec::new(),
        }
    }

    /// The answer for an index page (packument, simple page) after its blocked versions
    /// were filtered out: `filter` when some were, `allow` when none, `not-modified` when the
    /// client's copy is current.
    fn filtered_page(response: Response, removed: Vec<String>, rule: Option<String>) -> Self {
        let decision = if response.status() == StatusCode::NOT_MODIFIED {
            "not-modified"
        } else if removed.is_empty() {
            "allow"
        } else {
            "filter"
        };
        Self {
            rule,
            removed,
            ..Self::new(response, decision)
        }
    }
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let start = Instant::now();
    let path = uri.path().to_owned();
    let outcome = if method != Method::GET && method != Method::HEAD {
        Outcome::new(
            error(
                StatusCode::METHOD_NOT_ALLOWED,
                "ferret proxy serves reads only (GET, HEAD)",
            ),
            "error",
        )
    } else {
        let work = if path.starts_with("/pypi/simple/") || path.starts_with("/pypi/files/") {
            match (&shared.pypi, pypi::route(&path)) {
                (None, _) => Err(Outcome::new(
                    error(
                        StatusCode::NOT_FOUND,
                        "PyPI is not proxied here: start ferret proxy with --pypi-upstream URL",
                    ),
                    "error",
                )),
                (Some(_), None | Some(pypi::PypiRoute::Root)) => Err(Outcome::new(
                    error(
                        StatusCode::NOT_FOUND,
                        "not a PyPI read ferret proxies (project pages: /pypi/simple/<project>/)",
                    ),
                    "error",
                )),
                (Some(_), Some(r)) => Ok(Work::Pypi(r)),
            }
        } else {
            match packument::route(&path) {
                None => Err(Outcome::new(
                    error(StatusCode::NOT_FOUND, "not a registry read ferret proxies"),
                    "error",
                )),
                Some(Route::Ping) => Err(Outcome::new(
                    json_response(StatusCode::OK, &json!({})),
                    "allow",
                )),
                Some(route) => Ok(Work::Npm(route)),
            }
        };
        match work {
            Err(outcome) => outcome,
            Ok(work) => match shared.requests.acquire().await {
                Ok(_permit) => {
                    let s = Arc::clone(&shared);
                    let base = s.base_url(&headers);
                    let req = Req::from_headers(&headers);
                    let job = tokio::task::spawn_blocking(move || match work {
                        Work::Npm(Route::Packument { name }) => s.packument(&name, &base, &req),
                        Work::Npm(Route::Tarball { name, version }) => s.tarball(&name, &version),
                        Work::Npm(Route::Ping) => Outcome::new(empty(StatusCode::OK), "allow"),
                        Work::Pypi(pypi::PypiRoute::Project(name)) => {
                            s.pypi_page(&name, &base, &req)
                        }
                        Work::Pypi(pypi::PypiRoute::File { project, filename }) => {
                            s.pypi_file(&project, &filename, &req)
                        }
                        Work::Pypi(pypi::PypiRoute::Root) => Outcome::new(
                            error(StatusCode::NOT_FOUND, "the project list is not proxied"),
                            "error",
                        ),
                    });
                    match job.await {
                        Ok(o) => o,
                        Err(_) => Outcome::new(
                            error(StatusCode::INTERNAL_SERVER_ERROR, "internal error"),
                            "error",
                        ),
                    }
                }
                Err(_) => Outcome::new(
                    error(StatusCode::SERVICE_UNAVAILABLE, "shutting down"),
                    "error",
                ),
            },
        }
    };
    let entry = json!({
        "time": SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis()),
        "method": method.as_str(),
        "path": redact(&path),
        "package": outcome.package,
        "version": outcome.version,
        "decision": outcome.decision,
        "rule": outcome.rule,
        "removed": outcome.removed,
        "unscanned": outcome.unscanned,
        "status": outcome.response.status().as_u16(),
        "duration_ms": start.elapsed().as_secs_f64() * 1000.0,
    });
    shared.log.write(&entry);
    outcome.response
}

/// A request the blocking pool answers.
enum Work {
    Npm(Route),
    Pypi(pypi::PypiRoute),
}

/// What of the client's request matters upstream and for the answer.
struct Req {
    auth: Option<String>,
    accept: Option<String>,
    abbreviated: bool,
    gzip: bool,
    if_none_match: Option<String>,
}

impl Req {
    fn from_headers(h: &HeaderMap) -> Self {
        let get = |k: header::HeaderName| h.get(k).and_then(|v| v.to_str().ok()).map(str::to_owned);
        Self {
            auth: get(header::AUTHORIZATION),
            accept: get(header::ACCEPT),
            abbreviated: get(header::ACCEPT).is_some_and(|a| a.contains(ABBREVIATED)),
            gzip: get(header::ACCEPT_ENCODING).is_some_and(|a| a.contains("gzip")),
            if_none_match: get(header::IF_NONE_MATCH),
        }
    }
}

impl Shared {
    fn base_url(&self, headers: &HeaderMap) -> String {
        if let Some(u) = &self.public_url {
            return u.clone();
        }
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .filter(|h| {
                !h.is_empty()
                    && h.chars()
                        .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
            })
            .unwrap_or("127.0.0.1");
        format!("http://{host}/")
    }

    fn packument(self: &Arc<Self>, name: &str, base: &str, req: &Req) -> Outcome {
        let mut out = self.packument_inner(name, base, req);
        out.package = Some(name.to_owned());
        out
    }

    fn packument_inner(self: &Arc<Self>, name: &str, base: &str, req: &Req) -> Outcome {
        let url = packument::packument_url(&self.upstream.registry_for(name), name);
        let accept = if req.abbreviated {
            "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*"
        } else {
            "application/json"
        };
        let fetched = match self.upstream.get(
            &url,
            accept,
            req.auth.as_deref(),
            self.limits.max_packument_bytes,
        ) {
            Ok(f) => f,
            Err(e) => return upstream_failure(&e),
        };
        if fetched.status != 200 {
            return passthrough(fetched);
        }
        let Ok(mut doc) = serde_json::from_slice::<Value>(&fetched.body) else {
            return Outcome::new(
                error(
                    StatusCode::BAD_GATEWAY,
                    "upstream sent a packument that is not JSON",
                ),
                "error",
            );
        };
        let versions = packument::versions(&doc);
        self.remember(name, &versions);

        let with_sri: Vec<(&str, &str)> = versions
            .iter()
            .filter_map(|(v, d)| Some((v.as_str(), d.get("integrity")?.as_str()?)))
            .collect();
        let mut known: BTreeMap<String, Verdict> = with_sri
            .iter()
            .zip(self.inspector.cached_many(name, &with_sri))
            .filter_map(|((v, _), verdict)| Some(((*v).to_owned(), verdict?)))
            .collect();
        let unscanned = self.prescan(name, &doc, &versions, &mut known);
        let blocked: BTreeMap<String, Verdict> =
            known.into_iter().filter(|(_, v)| v.blocked).collect();
        let set: BTreeSet<String> = blocked.keys().cloned().collect();
        let removed = packument::remove_versions(&mut doc, &set);
        if !versions.is_empty() && versions.len() == removed.len() {
            let reasons: Vec<&str> = blocked.values().map(|v| v.reason.as_str()).collect();
            let mut o = Outcome::new(
                error(
                    StatusCode::FORBIDDEN,
                    &format!(
                        "ferret blocked every version of {name}: {}",
                        reasons.join("; ")
                    ),
                ),
                "block",
            );
            o.rule = blocked.values().find_map(|v| v.rule.clone());
            o.removed = removed;
            return o;
        }
        packument::rewrite_tarballs(&mut doc, base, name);
        let body = serde_json::to_vec(&doc).unwrap_or_default();
        let content_type = if req.abbreviated {
            ABBREVIATED
        } else {
            "application/json"
        };
        let rule = blocked.values().find_map(|v| v.rule.clone());
        let mut o = Outcome::filtered_page(json_bytes(body, content_type, req), removed, rule);
        o.unscanned = unscanned;
        o
    }

    /// Inspects the versions a client is likely to resolve (see the module docs) that
    /// `known` has no verdict for, adding the verdicts to `known`. Returns the candidates
    /// left unjudged when the time budget ran out (or whose inspection failed: the tarball
    /// request reports that failure).
    fn prescan(
        self: &Arc<Self>,
        name: &str,
        doc: &Value,
        versions: &[(String, Value)],
        known: &mut BTreeMap<String, Verdict>,
    ) -> Vec<String> {
        let deadline = Instant::now() + self.limits.prescan_budget;
        let mut unscanned = Vec::new();
        let mut round: Vec<String> = packument::candidates(doc, self.limits.prescan_max)
            .into_iter()
            .filter(|v| !known.contains_key(v))
            .collect();
        let mut tried: BTreeSet<String> = BTreeSet::new();
        for step in 0..=self.limits.prescan_depth {
            if round.is_empty() {
                break;
            }
            tried.extend(round.iter().cloned());
            let (tx, rx) = std::sync::mpsc::channel();
            for v in &round {
                let dist = versions
                    .iter()
                    .find(|(ver, _)| ver == v)
                    .map_or(Value::Null, |(_, d)| d.clone());
                let (s, tx, name, v) = (Arc::clone(self), tx.clone(), name.to_owned(), v.clone());
                let job = move || {
                    let verdict = s.judge_once(&name, &v, &dist);
                    let _ = tx.send((v, verdict));
                };
                // Detached: a judgement that outlives the budget still lands in the cache
                // for the tarball request.
                if std::thread::Builder::new()
                    .name("ferret-prescan".to_owned())
                    .spawn(job)
                    .is_err()
                {
                    break;
                }
            }
            drop(tx);
            let mut pending: BTreeSet<String> = round.iter().cloned().collect();
            let mut blocked_now = Vec::new();
            while !pending.is_empty() {
                let left = deadline.saturating_duration_since(Instant::now());
                let Ok((v, verdict)) = rx.recv_timeout(left) else {
                    break;
                };
                pending.remove(&v);
                match verdict {
                    Some(verdict) => {
                        if verdict.blocked {
                            blocked_now.push(v.clone());
                        }
                        known.insert(v, verdict);
                    }
                    None => unscanned.push(v),
                }
            }
            unscanned.extend(pending);
            if step == self.limits.prescan_depth || Instant::now() >= deadline {
                // The lower versions a blocked candidate falls back to were not reached.
                for b in &blocked_now {
                    let mut exclude: BTreeSet<String> = known.keys().cloned().collect();
                    exclude.extend(tried.iter().cloned());
                    if let Some(lower) =
                        packument::next_lower(doc, b, &exclude).filter(|l| !known.contains_key(l))
                    {
                        unscanned.push(lower);
                    }
                }
                break;
            }
            // A blocked candidate: its line falls back to the next lower version, which is
            // judged next (unless already known: allowed ends the walk, blocked continues).
            round = Vec::new();
            for b in blocked_now {
                let mut at = b;
                loop {
                    let blocked_or_tried: BTreeSet<String> = known
                        .iter()
                        .filter(|(_, v)| v.blocked)
                        .map(|(k, _)| k.clone())
                        .chain(tried.iter().cloned())
                        .collect();
                    match packument::next_lower(doc, &at, &blocked_or_tried) {
                        Some(lower) if known.contains_key(&lower) => break,
                        Some(lower) if !round.contains(&lower) => {
                            round.push(lower);
                            break;
                        }
                        Some(lower) => at = lower,
                        None => break,
                    }
                }
            }
        }
        unscanned.sort();
        unscanned.dedup();
        unscanned
    }

    /// The verdict on one version without its bytes, one judgement per version at a time:
    /// a second caller waits for the first and then reads its result from the cache.
    /// `None` when it cannot be decided now (upstream trouble).
    fn judge_once(&self, name: &str, version: &str, dist: &Value) -> Option<Verdict> {
        let key = (name.to_owned(), version.to_owned());
        let (flight, mine) = {
            let mut map = self
                .inflight
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match map.get(&key) {
                Some(f) => (Arc::clone(f), false),
                None => {
                    let f = Arc::new(Flight::default());
                    map.insert(key.clone(), Arc::clone(&f));
                    (f, true)
                }
            }
        };
        if !mine {
            flight.wait(self.limits.upstream_timeout * 2);
            return self
                .judge_version(name, version, dist, false)
                .ok()
                .map(|x| x.0);
        }
        let verdict = self
            .judge_version(name, version, dist, false)
            .ok()
            .map(|x| x.0);
        self.inflight
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&key);
        flight.finish();
        verdict
    }

    /// Waits while a packument's inspection of this version is in flight.
    fn wait_inflight(&self, name: &str, version: &str) {
        let flight = self
            .inflight
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&(name.to_owned(), version.to_owned()))
            .cloned();
        if let Some(f) = flight {
            f.wait(self.limits.upstream_timeout * 2);
        }
    }

    fn remember(&self, name: &str, versions: &[(String, Value)]) {
        if let Ok(mut map) = self.dists.lock() {
            if map.len() + versions.len() > MAX_REMEMBERED_DISTS {
                map.clear();
            }
            for (v, d) in versions {
                map.insert((name.to_owned(), v.clone()), d.clone());
            }
        }
    }

    fn dist_of(&self, name: &str, version: &str) -> Result<Option<Value>, Box<Outcome>> {
        if let Some(d) = self
            .dists
            .lock()
            .ok()
            .and_then(|m| m.get(&(name.to_owned(), version.to_owned())).cloned())
        {
            return Ok(Some(d));
        }
        let url = packument::packument_url(&self.upstream.registry_for(name), name);
        let fetched = self
            .upstream
            .get(
                &url,
                "application/json",
                None,
                self.limits.max_packument_bytes,
            )
            .map_err(|e| Box::new(upstream_failure(&e)))?;
        if fetched.status == 404 {
            return Ok(None);
        }
        if fetched.status != 200 {
            return Err(Box::new(passthrough(fetched)));
        }
        let doc: Value = serde_json::from_slice(&fetched.body).map_err(|_| {
            Box::new(Outcome::new(
                error(
                    StatusCode::BAD_GATEWAY,
                    "upstream sent a packument that is not JSON",
                ),
                "error",
            ))
        })?;
        let versions = packument::versions(&doc);
        self.remember(name, &versions);
        Ok(versions
            .into_iter()
            .find(|(v, _)| v == version)
            .map(|(_, d)| d))
    }

    /// The verdict on one version and, when `need_bytes`, its verified tarball (from the
    /// cache or the upstream). A blocked version's tarball is never downloaded again.
    fn judge_version(
        &self,
        name: &str,
        version: &str,
        dist: &Value,
        need_bytes: bool,
    ) -> Result<(Verdict, Option<Vec<u8>>), Box<Outcome>> {
        let integrity = dist.get("integrity").and_then(Value::as_str);
        let cached = integrity.and_then(|sri| self.inspector.cached(name, version, sri));
        if let Some(v) = &cached {
            if v.blocked || !need_bytes {
                return Ok((v.clone(), None));
            }
            if let Some(bytes) = integrity.and_then(|sri| self.inspector.cached_tarball(sri)) {
                return Ok((v.clone(), Some(bytes)));
            }
        }
        let Some(url) = dist.get("tarball").and_then(Value::as_str) else {
            return Err(Box::new(Outcome::new(
                error(
                    StatusCode::BAD_GATEWAY,
                    "upstream packument has no tarball URL",
                ),
                "error",
            )));
        };
        let fetched = {
            let _permit = self.downloads.acquire();
            self.upstream
                .get(
                    url,
                    "application/octet-stream, */*",
                    None,
                    self.limits.max_tarball_bytes,
                )
                .map_err(|e| Box::new(upstream_failure(&e)))?
        };
        if fetched.status != 200 {
            return Err(Box::new(passthrough(fetched)));
        }
        // Complete and verified before anything is judged or served: a truncated or
        // swapped tarball is an error, never a package.
        let sri = ferret_registry::verify_integrity(&fetched.body, dist).map_err(|e| {
            Box::new(Outcome::new(
                error(
                    StatusCode::BAD_GATEWAY,
                    &format!("{name}@{version}: the upstream tarball fails its integrity check, not served: {e}"),
                ),
                "error",
            ))
        })?;
        let verdict = match cached.or_else(|| self.inspector.cached(name, version, &sri)) {
            Some(v) => {
                self.inspector.store_tarball(&sri, &fetched.body);
                v
            }
            None => self.inspector.scan(name, version, &sri, &fetched.body),
        };
        Ok((verdict, Some(fetched.body)))
    }

    fn tarball(&self, name: &str, version: &str) -> Outcome {
        let mut o = self.tarball_inner(name, version);
        o.package = Some(name.to_owned());
        o.version = Some(version.to_owned());
        o
    }

    fn tarball_inner(&self, name: &str, version: &str) -> Outcome {
        let dist = match self.dist_of(name, version) {
            Ok(Some(d)) => d,
            Ok(None) => {
                return Outcome::new(
                    error(
                        StatusCode::NOT_FOUND,
                        &format!("{name}@{version} not found"),
                    ),
                    "error",
                );
            }
            Err(o) => return *o,
        };
        self.wait_inflight(name, version);
        let (verdict, bytes) = match self.judge_version(name, version, &dist, true) {
            Ok(x) => x,
            Err(o) => return *o,
        };
        let bytes = match bytes {
            Some(b) if !verdict.blocked => b,
            _ => {
                let mut o = Outcome::new(
                    error(
                        StatusCode::FORBIDDEN,
                        &format!("ferret blocked {}", verdict.reason),
                    ),
                    "block",
                );
                o.rule = verdict.rule;
                return o;
            }
        };
        let response = Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .header(header::CONTENT_LENGTH, bytes.len())
            .body(Body::from(bytes))
            .unwrap_or_else(|_| empty(StatusCode::INTERNAL_SERVER_ERROR));
        Outcome::new(response, "allow")
    }
}

/// The PyPI side of [`Shared`].
impl Shared {
    /// The upstream's files of `project` (normalised), remembered for downloads.
    fn pypi_listing(
        &self,
        project: &str,
        auth: Option<&str>,
    ) -> Result<Vec<pypi::IndexFile>, Box<Outcome>> {
        let Some(side) = &self.pypi else {
            return Err(Box::new(Outcome::new(
                error(StatusCode::NOT_FOUND, "PyPI is not proxied here"),
                "error",
            )));
        };
        let url = format!("{}{project}/", side.index);
        let accept = format!(
            "{}, {};q=0.2, text/html;q=0.1",
            pypi::SIMPLE_JSON,
            pypi::SIMPLE_HTML
        );
        let fetched = self
            .upstream
            .get(&url, &accept, auth, self.limits.max_packument_bytes)
            .map_err(|e| Box::new(upstream_failure(&e)))?;
        if fetched.status != 200 {
            return Err(Box::new(passthrough(fetched)));
        }
        let json = fetched
            .content_type
            .as_deref()
            .is_some_and(|c| c.contains("json"));
        let files = if json {
            let doc: Value = serde_json::from_slice(&fetched.body).map_err(|_| {
                Box::new(Outcome::new(
                    error(
                        StatusCode::BAD_GATEWAY,
                        "upstream sent a project page that is not JSON",
                    ),
                    "error",
                ))
            })?;
            pypi::parse_json_page(&doc, &url)
        } else {
            pypi::parse_html_page(&String::from_utf8_lossy(&fetched.body), &url)
        };
        if let Ok(mut map) = side.files.lock() {
            if map.len() + files.len() > MAX_REMEMBERED_DISTS {
                map.clear();
            }
            for f in &files {
                map.insert((project.to_owned(), f.filename.clone()), f.clone());
            }
        }
        Ok(files)
    }

    fn pypi_page(&self, project: &str, base: &str, req: &Req) -> Outcome {
        let mut o = self.pypi_page_inner(project, base, req);
        o.package = Some(project.to_owned());
        o
    }

    fn pypi_page_inner(&self, project: &str, base: &str, req: &Req) -> Outcome {
        let files = match self.pypi_listing(project, req.auth.as_deref()) {
            Ok(f) => f,
            Err(o) => return *o,
        };
        let mut kept = Vec::new();
        let mut removed = Vec::new();
        let mut blocked: Vec<Verdict> = Vec::new();
        for f in files {
            let Some(sha) = f.sha256() else {
                // Nobody could verify what would be served.
                removed.push(f.filename.clone());
                continue;
            };
            let version = f.version();
            let dist = inspect::PypiDist {
                project,
                version: &version,
                filename: &f.filename,
                sha256: sha,
                url: &f.url,
            };
            match self.inspector.cached_pypi(&dist) {
                Some(v) if v.blocked => {
                    removed.push(f.filename.clone());
                    blocked.push(v);
                }
                _ => kept.push(f),
            }
        }
        if kept.is_empty() && !blocked.is_empty() {
            let reasons: Vec<&str> = blocked.iter().map(|v| v.reason.as_str()).collect();
            let mut o = Outcome::new(
                forbidden(&format!(
                    "ferret blocked every file of {project}: {}",
                    reasons.join("; ")
                )),
                "block",
            );
            o.rule = blocked.iter().find_map(|v| v.rule.clone());
            o.removed = removed;
            return o;
        }
        let (body, content_type) = if pypi::wants_json(req.accept.as_deref()) {
            (pypi::render_json(project, &kept, base), pypi::SIMPLE_JSON)
        } else {
            (
                pypi::render_html(project, &kept, base),
                "text/html; charset=utf-8",
            )
        };
        let rule = blocked.iter().find_map(|v| v.rule.clone());
        Outcome::filtered_page(json_bytes(body, content_type, req), removed, rule)
    }

    fn pypi_file(&self, project: &str, filename: &str, req: &Req) -> Outcome {
        let mut o = self.pypi_file_inner(project, filename, req);
        o.package = Some(project.to_owned());
        o
    }

    fn pypi_file_inner(&self, project: &str, filename: &str, req: &Req) -> Outcome {
        let Some(side) = &self.pypi else {
            return Outcome::new(
                error(StatusCode::NOT_FOUND, "PyPI is not proxied here"),
                "error",
            );
        };
        let key = (project.to_owned(), filename.to_owned());
        let remembered = side.files.lock().ok().and_then(|m| m.get(&key).cloned());
        let file = match remembered {
            Some(f) => f,
            None => match self.pypi_listing(project, req.auth.as_deref()) {
                Ok(files) => match files.into_iter().find(|f| f.filename == filename) {
                    Some(f) => f,
                    None => {
                        return Outcome::new(
                            error(
                                StatusCode::NOT_FOUND,
                                &format!("{filename} is not a file of {project} on the index"),
                            ),
                            "error",
                        );
                    }
                },
                Err(o) => return *o,
            },
        };
        let version = file.version();
        let Some(sha) = file.sha256().map(str::to_owned) else {
            return Outcome::new(
                forbidden(&format!(
                    "ferret cannot verify {filename}: the index gives no sha256 for it"
                )),
                "block",
            );
        };
        let dist = inspect::PypiDist {
            project,
            version: &version,
            filename,
            sha256: &sha,
            url: &file.url,
        };
        let mut o = self.pypi_file_verdict(side, &file, &dist);
        o.version = Some(version.clone());
        o
    }

    fn pypi_file_verdict(
        &self,
        side: &PypiSide,
        file: &pypi::IndexFile,
        dist: &inspect::PypiDist<'_>,
    ) -> Outcome {
        let cached = self.inspector.cached_pypi(dist);
        let mut bytes = None;
        if let Some(v) = &cached
            && !v.blocked
        {
            bytes = self.inspector.cached_pypi_bytes(dist.sha256);
        }
        let verdict = match (cached, bytes.is_some()) {
            (Some(v), _) if v.blocked => v,
            (Some(v), true) => v,
            (cached, _) => {
                let listed = ferret_registry::PypiFile {
                    filename: dist.filename.to_owned(),
                    url: file.url.clone(),
                    sha256: Some(dist.sha256.to_owned()),
                    version: dist.version.to_owned(),
                    wheel: file.wheel(),
                    yanked: file.yanked.clone(),
                };
                let downloaded = {
                    let _permit = self.downloads.acquire();
                    side.client.download(&listed)
                };
                let body = match downloaded {
                    Ok(b) => b,
                    Err(e) => return registry_failure(dist.filename, &e),
                };
                let v = match cached {
                    Some(v) => v,
                    None => self.inspector.scan_pypi(dist, &body),
                };
                bytes = Some(body);
                v
            }
        };
        if verdict.blocked {
            let mut o = Outcome::new(
                forbidden(&format!("ferret blocked {}", verdict.reason)),
                "block",
            );
            o.rule = verdict.rule;
            return o;
        }
        let Some(bytes) = bytes else {
            return Outcome::new(
                error(StatusCode::INTERNAL_SERVER_ERROR, "internal error"),
                "error",
            );
        };
        let response = Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .header(header::CONTENT_LENGTH, bytes.len())
            .body(Body::from(bytes))
            .unwrap_or_else(|_| empty(StatusCode::INTERNAL_SERVER_ERROR));
        Outcome::new(response, "allow")
    }
}

use std::collections::BTreeMap;

/// A PyPI download that failed: a file that is not what the index's sha256 says is never
/// served (502), a missing one is 404, anything else upstream trouble (502).
fn registry_failure(filename: &str, e: &ferret_registry::RegistryError) -> Outcome {
    use ferret_registry::RegistryError as E;
    let (status, message) = match e {
        E::IntegrityMismatch { .. } => (
            StatusCode::BAD_GATEWAY,
            format!("{filename}: the upstream file fails its sha256 check, not served: {e}"),
        ),
        E::NotFound { .. } => (StatusCode::NOT_FOUND, e.to_string()),
        _ => (StatusCode::BAD_GATEWAY, e.to_string()),
    };
    Outcome::new(error(status, &message), "error")
}

/// 403 with the reason in the JSON body (npm prints it) and in the HTTP reason phrase
/// (pip prints `403 Client Error: <reason phrase> for url`).
fn forbidden(reason: &str) -> Response {
    let mut r = error(StatusCode::FORBIDDEN, reason);
    let phrase: String = reason
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '?'
            }
        })
        .take(300)
        .collect();
    if let Ok(p) = hyper::ext::ReasonPhrase::try_from(phrase) {
        r.extensions_mut().insert(p);
    }
    r
}

fn upstream_failure(e: &UpstreamError) -> Outcome {
    let status = match e {
        UpstreamError::Timeout(_) => StatusCode::GATEWAY_TIMEOUT,
        _ => StatusCode::BAD_GATEWAY,
    };
    Outcome::new(error(status, &e.to_string()), "error")
}

/// An upstream answer other than 200: 4xx passed on (404 is how npm learns a name does
/// not exist, 401/403 how it learns to log in), 5xx and the rest as 502.
fn passthrough(f: upstream::Fetched) -> Outcome {
    let status = match f.status {
        400..=499 => StatusCode::from_u16(f.status).unwrap_or(StatusCode::BAD_GATEWAY),
        _ => {
            return Outcome::new(
                error(
                    StatusCode::BAD_GATEWAY,
                    &format!("upstream answered HTTP {}", f.status),
                ),
                "error",
            );
        }
    };
    let response = Response::builder()
        .status(status)
        .header(
            header::CONTENT_TYPE,
            f.content_type.as_deref().unwrap_or("application/json"),
        )
        .body(Body::from(f.body))
        .unwrap_or_else(|_| empty(StatusCode::BAD_GATEWAY));
    Outcome::new(response, "error")
}

fn json_bytes(body: Vec<u8>, content_type: &str, req: &Req) -> Response {
    use sha2::Digest as _;
    let etag = format!(
        "\"ferret-{}\"",
        hex::encode(&sha2::Sha256::digest(&body)[..12])
    );
    let matches = req.if_none_match.as_deref().is_some_and(|inm| {
        inm.split(',')
            .any(|t| t.trim().trim_start_matches("W/") == etag || t.trim() == "*")
    });
    let builder = Response::builder()
        .header(header::ETAG, &etag)
        .header(header::VARY, "Accept, Accept-Encoding")
        .header(header::CACHE_CONTROL, "no-cache");
    if matches {
        return builder
            .status(StatusCode::NOT_MODIFIED)
            .body(Body::empty())
            .unwrap_or_else(|_| empty(StatusCode::NOT_MODIFIED));
    }
    let (body, gz) = if req.gzip && body.len() > 1024 {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        match enc.write_all(&body).and_then(|()| enc.finish()) {
            Ok(z) => (z, true),
            Err(_) => (body, false),
        }
    } else {
        (body, false)
    };
    let mut builder = builder
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CONTENT_LENGTH, body.len());
    if gz {
        builder = builder.header(header::CONTENT_ENCODING, "gzip");
    }
    builder
        .body(Body::from(body))
        .unwrap_or_else(|_| empty(StatusCode::INTERNAL_SERVER_ERROR))
}

fn json_response(status: StatusCode, value: &Value) -> Response {
    let mut r = Response::new(Body::from(value.to_string()));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// `{"error": message}`: npm appends `error` to its message for 4xx/5xx answers.
fn error(status: StatusCode, message: &str) -> Response {
    json_response(status, &json!({ "error": message }))
}

fn empty(status: StatusCode) -> Response {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = status;
    r
}
