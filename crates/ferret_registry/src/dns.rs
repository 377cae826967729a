//! A DNS cache for the HTTP agents.
//!
//! ureq resolves the host before every request, even one that goes out on a pooled keep-alive
//! connection. A project scan makes a thousand requests to one registry host from 16 threads at
//! once; on a resolver that drops some of those concurrent UDP queries (measured here: of 32
//! lookups 16 at a time, the slowest take 5 s, libc's retry timeout), a cold scan of the bench
//! app spent most of its 52 s waiting for answers it already had.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

/// How long an answer is reused. Long enough to cover a scan's burst of requests, short
/// enough that a long-running proxy follows a registry that moves.
pub const DNS_TTL: Duration = Duration::from_secs(60);

/// [`DefaultResolver`] with answers kept for [`DNS_TTL`] per scheme and authority. A miss
/// resolves under the lock, so a burst of requests to a new host makes one lookup, not 16.
#[derive(Debug, Default)]
pub struct CachingResolver {
    inner: DefaultResolver,
    answers: Mutex<HashMap<String, (Instant, ResolvedSocketAddrs)>>,
}

impl Resolver for CachingResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let Some(authority) = uri.authority() else {
            return self.inner.resolve(uri, config, timeout);
        };
        let key = format!(
            "{}://{}",
            uri.scheme_str().unwrap_or(""),
            authority.as_str()
        );
        // A poisoned lock only means another thread panicked mid-insert: the map is still a
        // valid cache.
        let mut answers = self
            .answers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((at, addrs)) = answers.get(&key)
            && at.elapsed() < DNS_TTL
        {
            return Ok(addrs.clone());
        }
        let addrs = self.inner.resolve(uri, config, timeout)?;
        answers.insert(key, (Instant::now(), addrs.clone()));
        Ok(addrs)
    }
}

/// An agent for `config` that resolves through a [`CachingResolver`].
pub fn agent_with_dns_cache(config: Config) -> ureq::Agent {
    ureq::Agent::with_parts(
        config,
        DefaultConnector::default(),
        CachingResolver::default(),
    )
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "tests unwrap on inputs they wrote")]
    use super::*;

    /// Two requests to the same host resolve once; the answer is the resolver's.
    #[test]
    fn second_lookup_is_served_from_the_cache() {
        let r = CachingResolver::default();
        let config = Config::default();
        let uri: Uri = "http://127.0.0.1:4873/left-pad".parse().unwrap();
        let first = r.resolve(&uri, &config, NextTimeout::default()).unwrap();
        assert!(
            first
                .iter()
                .any(|a| a.port() == 4873 && a.ip().is_loopback())
        );
        assert_eq!(r.answers.lock().unwrap().len(), 1);
        let other: Uri = "http://127.0.0.1:4873/-/ping".parse().unwrap();
        let second = r.resolve(&other, &config, NextTimeout::default()).unwrap();
        assert_eq!(
            first.iter().collect::<Vec<_>>(),
            second.iter().collect::<Vec<_>>()
        );
        assert_eq!(r.answers.lock().unwrap().len(), 1);
        let third: Uri = "http://127.0.0.1:9/".parse().unwrap();
        r.resolve(&third, &config, NextTimeout::default()).unwrap();
        assert_eq!(r.answers.lock().unwrap().len(), 2);
    }
}
