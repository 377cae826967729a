//! The HTTP side: a blocking ureq agent with timeouts, bounded retries with backoff,
//! size-capped bodies, and redirects followed by hand so that the `Authorization` header is
//! decided for every hop by [`RegistryConfig::token_for`] — a tarball on another host never
//! receives the registry's token.

use crate::spec::{resolve_version, validate_name};
use crate::{RegistryConfig, RegistryError, verify_integrity};
use serde_json::Value;
use std::time::Duration;

/// Size caps and time bounds on what one fetch may download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientLimits {
    /// Full packuments of very busy packages reach tens of megabytes (`@types/node` is
    /// ~15 MB, `typescript` ~30 MB in 2025); 200 MiB leaves room and still bounds memory.
    pub max_packument_size: u64,
    /// Twice ferret_source's default unpacked limit of 512 MiB would be pointless; real
    /// tarballs stay below ~100 MB compressed.
    pub max_tarball_size: u64,
    /// Connection setup (DNS, TCP, TLS).
    pub connect_timeout: Duration,
    /// The longest silence tolerated while waiting for an answer or reading a body: a
    /// registry that accepts the connection and never answers, or stalls mid-tarball, fails
    /// the attempt after this long. It restarts with every read, so a large tarball on a
    /// slow but moving link is not cut off.
    pub stall_timeout: Duration,
    /// A whole request, redirects and body included: the bound for a link that trickles a
    /// byte at a time. npm's own `fetch-timeout` default is 5 minutes.
    pub request_timeout: Duration,
}

impl Default for ClientLimits {
    fn default() -> Self {
        Self {
            max_packument_size: 200 * 1024 * 1024,
            max_tarball_size: 256 * 1024 * 1024,
            connect_timeout: Duration::from_secs(10),
            stall_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(300),
        }
    }
}

impl ClientLimits {
    /// The defaults with a stall timeout of `timeout` (what `FERRET_HTTP_TIMEOUT` sets): the
    /// connect timeout never exceeds it and the whole-request bound never falls below it.
    #[must_use]
    pub fn with_stall_timeout(timeout: Duration) -> Self {
        let d = Self::default();
        Self {
            connect_timeout: d.connect_timeout.min(timeout),
            stall_timeout: timeout,
            request_timeout: d.request_timeout.max(timeout),
            ..d
        }
    }
}

/// A version fetched from the registry whose tarball passed the integrity check.
#[derive(Debug, Clone)]
pub struct FetchedPackage {
    pub name: String,
    pub version: String,
    pub tarball: Vec<u8>,
    /// The SRI string the tarball was verified against (`sha512-…`, or `sha1-…` for old
    /// packages that only have `shasum`).
    pub integrity: String,
    pub tarball_url: String,
    /// `versions[version]` of the packument: manifest, `dist`, maintainers as published.
    pub version_doc: Value,
}

/// A blocking npm registry client.
#[derive(Debug)]
pub struct NpmClient {
    config: RegistryConfig,
    agent: ureq::Agent,
    limits: ClientLimits,
    /// Pause before each retry; its length is the number of retries.
    backoff: Vec<Duration>,
}

const MAX_REDIRECTS: usize = 5;
/// A `Retry-After` longer than this is not waited for in full.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(10);

/// A packument answer: unchanged since the validators given, or a new body.
#[derive(Debug, Clone)]
pub enum Packument {
    NotModified,
    Fresh {
        value: Value,
        /// The body as received, for the cache.
        body: Vec<u8>,
        etag: Option<String>,
        last_modified: Option<String>,
    },
}

/// One response: `body` is `None` for a 304.
struct Got {
    body: Option<Vec<u8>>,
    etag: Option<String>,
    last_modified: Option<String>,
}

enum Failure {
    /// Worth another attempt: connection trouble, 429, 5xx.
    Transient(RegistryError, Option<Duration>),
    Fatal(RegistryError),
}

impl NpmClient {
    /// Timeouts of [`ClientLimits::default`] (connect 10 s, 30 s of silence, 5 minutes for a
    /// whole request); 3 attempts (backoff 0.5 s, 2 s); certificates checked against the
    /// operating system's trust store.
    pub fn new(config: RegistryConfig) -> Self {
        let limits = ClientLimits::default();
        Self {
            config,
            agent: agent(&limits),
            limits,
            backoff: vec![Duration::from_millis(500), Duration::from_secs(2)],
        }
    }

    /// Replaces the size caps and timeouts (the connection pool starts afresh).
    #[must_use]
    pub fn with_limits(mut self, limits: ClientLimits) -> Self {
        if (
            limits.connect_timeout,
            limits.stall_timeout,
            limits.request_timeout,
        ) != (
            self.limits.connect_timeout,
            self.limits.stall_timeout,
            self.limits.request_timeout,
        ) {
            self.agent = agent(&limits);
        }
        self.limits = limits;
        self
    }

    pub fn limits(&self) -> &ClientLimits {
        &self.limits
    }

    /// Replaces the pauses between attempts (one entry per retry); tests use short ones.
    #[must_use]
    pub fn with_backoff(mut self, backoff: Vec<Duration>) -> Self {
        self.backoff = backoff;
        self
    }

    pub fn config(&self) -> &RegistryConfig {
        &self.config
    }

    /// The full packument (`application/json`, not the abbreviated install document: rules
    /// want `time`, maintainers and scripts). Scoped names are requested as `@scope%2fname`.
    pub fn packument(&self, name: &str) -> Result<Value, RegistryError> {
        validate_name(name)?;
        let url = format!(
            "{}{}",
            self.config.registry_for(name),
            name.replacen('/', "%2f", 1)
        );
        let body = self.get(
            &url,
            "packument",
            self.limits.max_packument_size,
            "max_packument_size",
            "application/json",
        )?;
        serde_json::from_slice(&body).map_err(|e| RegistryError::InvalidJson {
            url: redact(&url),
            message: e.to_string(),
        })
    }

    /// Fetches one version's tarball and verifies it. `spec`: `None` = `dist-tags.latest`, an
    /// exact version, a dist-tag, or a semver range (npm semantics, see [`resolve_version`]).
    pub fn fetch(&self, name: &str, spec: Option<&str>) -> Result<FetchedPackage, RegistryError> {
        let packument = self.packument(name)?;
        let version = resolve_version(&packument, name, spec)?;
        let version_doc = packument
            .get("versions")
            .and_then(|v| v.get(&version))
            .cloned()
            .unwrap_or(Value::Null);
        let missing = |field| RegistryError::MissingField {
            name: name.to_owned(),
            version: version.clone(),
            field,
        };
        let dist = version_doc.get("dist").ok_or_else(|| missing("dist"))?;
        let tarball_url = dist
            .get("tarball")
            .and_then(Value::as_str)
            .ok_or_else(|| missing("dist.tarball"))?
            .to_owned();
        let tarball = self.get(
            &tarball_url,
            "tarball",
            self.limits.max_tarball_size,
            "max_tarball_size",
            "application/octet-stream, */*",
        )?;
        let integrity = verify_integrity(&tarball, dist)?;
        Ok(FetchedPackage {
            name: name.to_owned(),
            version,
            tarball,
            integrity,
            tarball_url,
            version_doc,
        })
    }

    /// The full packument with HTTP caching: with the validators of a cached copy, the
    /// request is conditional (`If-None-Match` / `If-Modified-Since`) and a `304 Not
    /// Modified` comes back as [`Packument::NotModified`].
    pub fn packument_conditional(
        &self,
        name: &str,
        etag: Option<&str>,
        last_modified: Option<&str>,
    ) -> Result<Packument, RegistryError> {
        self.packument_parsed(name, etag, last_modified, |body| {
            serde_json::from_slice(body)
        })
    }

    /// [`NpmClient::packument_conditional`] whose `value` holds only what
    /// [`crate::npm_registry_facts`] reads ([`crate::parse_packument_for_facts`]): the same
    /// facts, without building (and dropping) READMEs and every version's manifest. `body`
    /// is the full document, for the cache.
    pub fn packument_for_facts(
        &self,
        name: &str,
        etag: Option<&str>,
        last_modified: Option<&str>,
    ) -> Result<Packument, RegistryError> {
        self.packument_parsed(name, etag, last_modified, crate::parse_packument_for_facts)
    }

    fn packument_parsed(
        &self,
        name: &str,
        etag: Option<&str>,
        last_modified: Option<&str>,
        parse: fn(&[u8]) -> Result<Value, serde_json::Error>,
    ) -> Result<Packument, RegistryError> {
        validate_name(name)?;
        let url = self.packument_url(name);
        let mut extra: Vec<(&'static str, &str)> = Vec::new();
        if let Some(etag) = etag {
            extra.push(("if-none-match", etag));
        }
        if let Some(lm) = last_modified {
            extra.push(("if-modified-since", lm));
        }
        let got = self.get_full(
            &url,
            "packument",
            self.limits.max_packument_size,
            "max_packument_size",
            "application/json",
            &extra,
        )?;
        let Some(body) = got.body else {
            return Ok(Packument::NotModified);
        };
        // Parsed here so a broken body is an error now, not a poisoned cache entry later.
        let value: Value = parse(&body).map_err(|e| RegistryError::InvalidJson {
            url: redact(&url),
            message: e.to_string(),
        })?;
        Ok(Packument::Fresh {
            value,
            body,
            etag: got.etag,
            last_modified: got.last_modified,
        })
    }

    /// The packument URL of `name` on the registry serving it (per-scope registries).
    pub fn packument_url(&self, name: &str) -> String {
        format!(
            "{}{}",
            self.config.registry_for(name),
            name.replacen('/', "%2f", 1)
        )
    }

    /// Downloads a tarball by URL (a lockfile's `resolved`) and verifies it against an SRI
    /// `integrity` string (or, with `None`, accepts it and returns its sha512). The token
    /// sent is the one configured for the URL's host and path.
    pub fn tarball(
        &self,
        url: &str,
        integrity: Option<&str>,
        name: &str,
        version: &str,
    ) -> Result<(Vec<u8>, String), RegistryError> {
        let tarball = self.get(
            url,
            "tarball",
            self.limits.max_tarball_size,
            "max_tarball_size",
            "application/octet-stream, */*",
        )?;
        let dist = match integrity {
            Some(sri) => serde_json::json!({ "integrity": sri }),
            None => {
                use base64::Engine as _;
                use sha2::Digest as _;
                let digest = sha2::Sha512::digest(&tarball);
                let sri = format!(
                    "sha512-{}",
                    base64::engine::general_purpose::STANDARD.encode(digest)
                );
                return Ok((tarball, sri));
            }
        };
        let verified = verify_integrity(&tarball, &dist).map_err(|e| match e {
            RegistryError::MissingField { field, .. } => RegistryError::MissingField {
                name: name.to_owned(),
                version: version.to_owned(),
                field,
            },
            other => other,
        })?;
        Ok((tarball, verified))
    }

    fn get(
        &self,
        url: &str,
        what: &'static str,
        limit: u64,
        limit_name: &'static str,
        accept: &str,
    ) -> Result<Vec<u8>, RegistryError> {
        let got = self.get_full(url, what, limit, limit_name, accept, &[])?;
        // Without validators the server has nothing to answer 304 to; treat one as an error.
        got.body.ok_or_else(|| RegistryError::Http {
            url: redact(url),
            status: 304,
        })
    }

    fn get_full(
        &self,
        url: &str,
        what: &'static str,
        limit: u64,
        limit_name: &'static str,
        accept: &str,
        extra: &[(&'static str, &str)],
    ) -> Result<Got, RegistryError> {
        let mut attempt = 0;
        loop {
            match self.get_once(url, what, limit, limit_name, accept, extra) {
                Ok(got) => return Ok(got),
                Err(Failure::Transient(err, retry_after)) => {
                    let Some(pause) = self.backoff.get(attempt) else {
                        return Err(err);
                    };
                    let pause = retry_after.map_or(*pause, |r| r.min(MAX_RETRY_AFTER).max(*pause));
                    std::thread::sleep(pause);
                    attempt += 1;
                }
                Err(Failure::Fatal(err)) => return Err(err),
            }
        }
    }

    fn get_once(
        &self,
        url: &str,
        what: &'static str,
        limit: u64,
        limit_name: &'static str,
        accept: &str,
        extra: &[(&'static str, &str)],
    ) -> Result<Got, Failure> {
        let mut current = url.to_owned();
        for _ in 0..=MAX_REDIRECTS {
            if !(current.starts_with("https://") || current.starts_with("http://")) {
                return Err(Failure::Fatal(RegistryError::InvalidUrl {
                    url: redact(&current),
                }));
            }
            let mut request = self.agent.get(&current).header("accept", accept);
            for (name, value) in extra {
                request = request.header(*name, *value);
            }
            if let Some(token) = self.config.token_for(&current) {
                request = request.header("authorization", format!("Bearer {token}"));
            }
            let shown = redact(&current);
            let mut response = request
                .call()
                .map_err(|e| transport_failure(&shown, e, &self.limits))?;
            let status = response.status().as_u16();
            let header = |name: &str| {
                response
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            let etag = header("etag");
            let last_modified = header("last-modified");
            match status {
                304 if !extra.is_empty() => {
                    return Ok(Got {
                        body: None,
                        etag,
                        last_modified,
                    });
                }
                200..=299 => {
                    return response
                        .body_mut()
                        .with_config()
                        .limit(limit)
                        .read_to_vec()
                        .map_err(|e| match e {
                            ureq::Error::BodyExceedsLimit(_) => {
                                Failure::Fatal(RegistryError::TooLarge {
                                    url: shown.clone(),
                                    what,
                                    limit,
                                    limit_name,
                                })
                            }
                            other => transport_failure(&shown, other, &self.limits),
                        })
                        .map(|body| Got {
                            body: Some(body),
                            etag,
                            last_modified,
                        });
                }
                301 | 302 | 303 | 307 | 308 => {
                    let location = response
                        .headers()
                        .get("location")
                        .and_then(|v| v.to_str().ok())
                        .ok_or(Failure::Fatal(RegistryError::Http {
                            url: shown.clone(),
                            status,
                        }))?;
                    current = resolve_location(&current, location);
                }
                404 => return Err(Failure::Fatal(RegistryError::NotFound { url: shown })),
                401 | 403 => {
                    return Err(Failure::Fatal(RegistryError::Unauthorized {
                        url: shown,
                        status,
                    }));
                }
                429 | 500..=599 => {
                    let retry_after = response
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .map(Duration::from_secs);
                    return Err(Failure::Transient(
                        RegistryError::Http { url: shown, status },
                        retry_after,
                    ));
                }
                _ => return Err(Failure::Fatal(RegistryError::Http { url: shown, status })),
            }
        }
        Err(Failure::Fatal(RegistryError::Network {
            url: redact(url),
            message: format!("more than {MAX_REDIRECTS} redirects"),
        }))
    }
}

/// One keep-alive agent with the timeouts of `limits`; redirects are followed by hand.
fn agent(limits: &ClientLimits) -> ureq::Agent {
    crate::dns::agent_with_dns_cache(
        ureq::Agent::config_builder()
            .timeout_connect(Some(limits.connect_timeout))
            // Per read: a silent server (no answer, or a body that stops) ends the attempt.
            .timeout_per_read(Some(limits.stall_timeout))
            .timeout_global(Some(limits.request_timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(concat!("ferret/", env!("CARGO_PKG_VERSION")))
            .tls_config(
                ureq::tls::TlsConfig::builder()
                    .root_certs(ureq::tls::RootCerts::PlatformVerifier)
                    .build(),
            )
            .build(),
    )
}

fn transport_failure(url: &str, err: ureq::Error, limits: &ClientLimits) -> Failure {
    let url = url.to_owned();
    let timed_out = match &err {
        ureq::Error::Timeout(_) => true,
        ureq::Error::Io(e) => matches!(
            e.kind(),
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
        ),
        _ => false,
    };
    if timed_out {
        // Said plainly, with the bounds in force and how to change them.
        return Failure::Transient(
            RegistryError::Network {
                url,
                message: format!(
                    "timed out ({err}; limits: {} s connect, {} s without data, {} s per request; FERRET_HTTP_TIMEOUT sets the second)",
                    limits.connect_timeout.as_secs(),
                    limits.stall_timeout.as_secs(),
                    limits.request_timeout.as_secs()
                ),
            },
            None,
        );
    }
    let unreachable = match &err {
        ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => true,
        ureq::Error::Io(e) => matches!(
            e.kind(),
            std::io::ErrorKind::ConnectionRefused
                | std::io::ErrorKind::NetworkUnreachable
                | std::io::ErrorKind::HostUnreachable
                | std::io::ErrorKind::NetworkDown
                | std::io::ErrorKind::AddrNotAvailable
        ),
        _ => false,
    };
    match err {
        _ if unreachable => Failure::Transient(
            RegistryError::Offline {
                url,
                message: err.to_string(),
            },
            None,
        ),
        ureq::Error::Io(_) | ureq::Error::Timeout(_) => Failure::Transient(
            RegistryError::Network {
                url,
                message: err.to_string(),
            },
            None,
        ),
        other => Failure::Fatal(RegistryError::Network {
            url,
            message: other.to_string(),
        }),
    }
}

/// Resolves a `Location` header against the URL that returned it.
fn resolve_location(base: &str, location: &str) -> String {
    if location.starts_with("https://") || location.starts_with("http://") {
        return location.to_owned();
    }
    let (scheme, rest) = base.split_once("://").unwrap_or(("https", base));
    if let Some(net) = location.strip_prefix("//") {
        return format!("{scheme}://{net}");
    }
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let origin = format!("{scheme}://{}", &rest[..authority_end]);
    if location.starts_with('/') {
        return format!("{origin}{location}");
    }
    let path = rest[authority_end..].split(['?', '#']).next().unwrap_or("");
    let dir = path.rfind('/').map_or("/", |i| &path[..=i]);
    format!("{origin}{dir}{location}")
}

/// The URL without `user:password@`, for messages.
pub(crate) fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => url.to_owned(),
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests: a panic is a failure")]
mod tests {
    use super::*;
    use std::io::{BufRead as _, BufReader, Write as _};
    use std::time::Instant;

    /// A server that reads each request, sends `head` (maybe nothing) and then holds the
    /// connection open without another byte, for a minute.
    fn silent_server(head: &'static [u8]) -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut line = String::new();
                    while reader.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
                        line.clear();
                    }
                    let _ = stream.write_all(head);
                    std::thread::sleep(Duration::from_secs(60));
                });
            }
        });
        base
    }

    fn timed_out_within(head: &'static [u8]) {
        let base = silent_server(head);
        let limits = ClientLimits::with_stall_timeout(Duration::from_millis(300));
        let client = NpmClient::new(RegistryConfig::new(&base))
            .with_limits(limits)
            .with_backoff(vec![Duration::from_millis(10)]);
        let start = Instant::now();
        let err = client
            .tarball(&format!("{base}/x/-/x-1.0.0.tgz"), None, "x", "1.0.0")
            .unwrap_err();
        let took = start.elapsed();
        let msg = err.to_string();
        assert!(msg.contains("timed out"), "{msg}");
        assert!(msg.contains("FERRET_HTTP_TIMEOUT"), "{msg}");
        // Two attempts of ~0.3 s each; far below the 5-minute request bound.
        assert!(took < Duration::from_secs(5), "took {took:?}");
        assert!(took >= Duration::from_millis(600), "took {took:?}");
    }

    /// A registry that accepts the connection and never answers is a clear error after the
    /// stall timeout (per attempt), not a hang.
    #[test]
    fn registry_that_never_answers_times_out() {
        timed_out_within(b"");
    }

    /// A tarball that stops mid-body (length announced, half sent, connection kept open).
    #[test]
    fn tarball_that_stalls_mid_body_times_out() {
        timed_out_within(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\nonly a part of it");
    }

    #[test]
    fn stall_timeout_bounds_the_others() {
        let l = ClientLimits::with_stall_timeout(Duration::from_secs(2));
        assert_eq!(l.connect_timeout, Duration::from_secs(2));
        assert_eq!(l.request_timeout, Duration::from_secs(300));
        let l = ClientLimits::with_stall_timeout(Duration::from_secs(900));
        assert_eq!(l.connect_timeout, Duration::from_secs(10));
        assert_eq!(l.request_timeout, Duration::from_secs(900));
    }

    #[test]
    fn locations_resolve() {
        let base = "http://r.example:8080/pkg/-/x.tgz?a=1";
        assert_eq!(
            resolve_location(base, "https://cdn.example/x"),
            "https://cdn.example/x"
        );
        assert_eq!(
            resolve_location(base, "//cdn.example/x"),
            "http://cdn.example/x"
        );
        assert_eq!(
            resolve_location(base, "/other/y"),
            "http://r.example:8080/other/y"
        );
        assert_eq!(
            resolve_location(base, "y.tgz"),
            "http://r.example:8080/pkg/-/y.tgz"
        );
    }

    #[test]
    fn credentials_are_redacted() {
        assert_eq!(redact("https://u:p@h.example/a@b"), "https://h.example/a@b");
        assert_eq!(redact("https://h.example/a"), "https://h.example/a");
    }
}
