//! The upstream side: blocking ureq requests (run on tokio's blocking pool by the caller)
//! with timeouts, size caps and redirects followed by hand, so that the credentials the
//! client sent (or the `.npmrc` token for the upstream) only ever go to the upstream's own
//! origin. Errors say whether the upstream timed out, was unreachable or answered badly, so
//! the server can answer 504 / 502 instead of passing on a broken body.

use ferret_registry::RegistryConfig;
use std::time::Duration;

const MAX_REDIRECTS: usize = 5;

/// Why an upstream request produced no usable answer.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    #[error("upstream timed out: {0}")]
    Timeout(String),
    #[error("upstream unreachable: {0}")]
    Unreachable(String),
    #[error("upstream response larger than {limit} bytes: {url}")]
    TooLarge { url: String, limit: u64 },
    #[error("upstream answered with an invalid redirect: {0}")]
    BadRedirect(String),
}

/// An upstream answer that arrived complete.
#[derive(Debug)]
pub struct Fetched {
    pub status: u16,
    pub body: Vec<u8>,
    pub content_type: Option<String>,
}

#[derive(Debug)]
pub struct Upstream {
    config: RegistryConfig,
    agent: ureq::Agent,
}

impl Upstream {
    pub fn new(config: RegistryConfig, timeout: Duration) -> Self {
        let agent = ferret_registry::agent_with_dns_cache(
            ureq::Agent::config_builder()
                .timeout_connect(Some(timeout.min(Duration::from_secs(10))))
                .timeout_global(Some(timeout))
                .http_status_as_error(false)
                .max_redirects(0)
                .user_agent(concat!("ferret-proxy/", env!("CARGO_PKG_VERSION")))
                .build(),
        );
        Self { config, agent }
    }

    /// The registry that serves `name` (scoped registries of `.npmrc` included), with a
    /// trailing slash.
    pub fn registry_for(&self, name: &str) -> String {
        let base = self.config.registry_for(name);
        if base.ends_with('/') {
            base.to_owned()
        } else {
            format!("{base}/")
        }
    }

    /// `GET url`. `auth` is the client's `Authorization` header: sent to `url`'s origin
    /// only (never to a redirect target on another host); without it the `.npmrc` token for
    /// the URL is used. 4xx/5xx answers are returned as they are (bounded), for the caller
    /// to map.
    pub fn get(
        &self,
        url: &str,
        accept: &str,
        auth: Option<&str>,
        limit: u64,
    ) -> Result<Fetched, UpstreamError> {
        let first_origin = origin(url).to_owned();
        let mut current = url.to_owned();
        for _ in 0..=MAX_REDIRECTS {
            if !(current.starts_with("http://") || current.starts_with("https://")) {
                return Err(UpstreamError::BadRedirect(redact(&current)));
            }
            let mut request = self.agent.get(&current).header("accept", accept);
            let same_origin = origin(&current) == first_origin;
            match auth {
                Some(value) if same_origin => request = request.header("authorization", value),
                _ => {
                    if let Some(token) = self.config.token_for(&current) {
                        request = request.header("authorization", format!("Bearer {token}"));
                    }
                }
            }
            let shown = redact(&current);
            let mut response = request.call().map_err(|e| transport(&shown, e))?;
            let status = response.status().as_u16();
            if matches!(status, 301 | 302 | 303 | 307 | 308) {
                let location = response
                    .headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                    .ok_or_else(|| UpstreamError::BadRedirect(shown.clone()))?;
                current = resolve_location(&current, location);
                continue;
            }
            let content_type = response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let body = response
                .body_mut()
                .with_config()
                .limit(limit)
                .read_to_vec()
                .map_err(|e| match e {
                    ureq::Error::BodyExceedsLimit(_) => UpstreamError::TooLarge {
                        url: shown.clone(),
                        limit,
                    },
                    other => transport(&shown, other),
                })?;
            return Ok(Fetched {
                status,
                body,
                content_type,
            });
        }
        Err(UpstreamError::BadRedirect(format!(
            "more than {MAX_REDIRECTS} redirects from {}",
            redact(url)
        )))
    }
}

fn transport(url: &str, e: ureq::Error) -> UpstreamError {
    match e {
        ureq::Error::Timeout(_) => UpstreamError::Timeout(url.to_owned()),
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
            UpstreamError::Timeout(url.to_owned())
        }
        other => UpstreamError::Unreachable(format!("{url}: {other}")),
    }
}

/// `scheme://host:port` of a URL.
fn origin(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let end = url[after_scheme..]
        .find('/')
        .map_or(url.len(), |i| after_scheme + i);
    &url[..end]
}

/// A URL without user info or query (where tokens hide), for messages and logs.
pub fn redact(url: &str) -> String {
    let no_query = url.split(['?', '#']).next().unwrap_or(url);
    let after_scheme = no_query.find("://").map_or(0, |i| i + 3);
    let rest = &no_query[after_scheme..];
    let host_end = rest.find('/').unwrap_or(rest.len());
    match rest[..host_end].rfind('@') {
        Some(at) => format!("{}{}", &no_query[..after_scheme], &rest[at + 1..]),
        None => no_query.to_owned(),
    }
}

fn resolve_location(base: &str, location: &str) -> String {
    if location.starts_with("http://") || location.starts_with("https://") {
        location.to_owned()
    } else if location.starts_with('/') {
        format!("{}{location}", origin(base))
    } else {
        let dir = base.rsplit_once('/').map_or(base, |(d, _)| d);
        format!("{dir}/{location}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_removes_user_info_and_query() {
        assert_eq!(
            redact("https://u:secret@example.invalid/a/b.tgz?token=x"),
            "https://example.invalid/a/b.tgz"
        );
        assert_eq!(redact("http://127.0.0.1:1/x"), "http://127.0.0.1:1/x");
    }

    #[test]
    fn origin_and_redirects() {
        assert_eq!(origin("http://h:1/a/b"), "http://h:1");
        assert_eq!(resolve_location("http://h:1/a/b", "/c"), "http://h:1/c");
        assert_eq!(resolve_location("http://h:1/a/b", "c"), "http://h:1/a/c");
    }
}
