//! The decision on one version: the analysis from the shared cache (the key ferret_project
//! uses: tarball integrity + analyser version, so `ferret scan` and the proxy share
//! verdicts), else a scan of the verified tarball by the engine; then the policy.

use ferret_cache::{Cache, Table};
use ferret_core::{Action, Ecosystem, PackageReport};
use ferret_policy::Policy;
use ferret_source::Limits;
use std::sync::{Condvar, Mutex};

/// Tarballs larger than this are scanned and served but not kept in the cache.
const MAX_CACHED_TARBALL: usize = 64 * 1024 * 1024;

/// The policy's answer for one version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub blocked: bool,
    /// The rule that decided a block.
    pub rule: Option<String>,
    /// One line for humans (npm prints it): `name@version: rule: message`.
    pub reason: String,
    pub cached: bool,
}

pub struct Inspector {
    pub policy: Policy,
    pub cache: Option<Cache>,
    pub analyser: String,
    pub limits: Limits,
    scans: Semaphore,
}

impl Inspector {
    pub fn new(policy: Policy, cache: Option<Cache>, analyser: String, max_scans: usize) -> Self {
        Self {
            policy,
            cache,
            analyser,
            limits: Limits::default(),
            scans: Semaphore::new(max_scans.max(1)),
        }
    }

    fn key(&self, integrity: &str) -> String {
        format!("tgz|{integrity}|{}", self.analyser)
    }

    /// The verdict from the cache alone (no network, no scan).
    pub fn cached(&self, name: &str, version: &str, integrity: &str) -> Option<Verdict> {
        let bytes = self
            .cache
            .as_ref()?
            .get(Table::Analysis, &self.key(integrity))?;
        let report: PackageReport = serde_json::from_slice(&bytes).ok()?;
        Some(self.judge(name, version, report, true))
    }

    /// Tarball bytes from the cache, re-verified against `integrity`.
    pub fn cached_tarball(&self, integrity: &str) -> Option<Vec<u8>> {
        let bytes = self.cache.as_ref()?.get(Table::Tarball, integrity)?;
        let dist = serde_json::json!({ "integrity": integrity });
        ferret_registry::verify_integrity(&bytes, &dist)
            .ok()
            .map(|_| bytes)
    }

    /// Keeps verified tarball bytes for the next request (best effort).
    pub fn store_tarball(&self, sri: &str, bytes: &[u8]) {
        if let Some(cache) = &self.cache
            && bytes.len() <= MAX_CACHED_TARBALL
        {
            let _ = cache.put(Table::Tarball, sri, bytes);
        }
    }

    /// Scans verified tarball bytes (at most `max_scans` at once) and stores the analysis
    /// and the tarball in the cache. A tarball that cannot be opened (a bomb, traversal,
    /// not gzip) is blocked: it is nothing npm should unpack either.
    pub fn scan(&self, name: &str, version: &str, sri: &str, bytes: &[u8]) -> Verdict {
        let label = format!("{name}@{version}");
        let _permit = self.scans.acquire();
        let tree = match ferret_source::open_tarball(bytes, &label, &self.limits) {
            Ok(tree) => tree,
            Err(e) => {
                return Verdict {
                    blocked: true,
                    rule: Some("unreadable-tarball".to_owned()),
                    reason: format!("{label}: the tarball cannot be inspected: {e}"),
                    cached: false,
                };
            }
        };
        let report = ferret_rules::engine::scan(&tree, Ecosystem::Npm);
        if let Some(cache) = &self.cache {
            // A cache write failure costs time on the next request, never correctness.
            if let Ok(json) = serde_json::to_vec(&report) {
                let _ = cache.put(Table::Analysis, &self.key(sri), &json);
            }
            if bytes.len() <= MAX_CACHED_TARBALL {
                let _ = cache.put(Table::Tarball, sri, bytes);
            }
        }
        self.judge(name, version, report, false)
    }

    fn judge(&self, name: &str, version: &str, mut report: PackageReport, cached: bool) -> Verdict {
        self.policy.apply(&mut report);
        let blocking = report.alerts.iter().find(|f| f.action == Action::Block);
        match blocking {
            Some(f) => Verdict {
                blocked: true,
                rule: Some(f.rule.clone()),
                reason: format!("{name}@{version}: {}: {}", f.rule, one_line(&f.message)),
                cached,
            },
            None => Verdict {
                blocked: false,
                rule: None,
                reason: format!("{name}@{version}: allowed"),
                cached,
            },
        }
    }
}

fn one_line(s: &str) -> String {
    let flat: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if flat.chars().count() > 300 {
        let cut: String = flat.chars().take(300).collect();
        format!("{cut}…")
    } else {
        flat
    }
}

/// A counting semaphore for blocking code (scans run on tokio's blocking pool).
pub struct Semaphore {
    free: Mutex<usize>,
    cv: Condvar,
}

pub struct Permit<'a>(&'a Semaphore);

impl Semaphore {
    pub fn new(n: usize) -> Self {
        Self {
            free: Mutex::new(n),
            cv: Condvar::new(),
        }
    }

    pub fn acquire(&self) -> Permit<'_> {
        let mut free = self
            .free
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while *free == 0 {
            free = self
                .cv
                .wait(free)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        *free -= 1;
        Permit(self)
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut free = self
            .0
            .free
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *free += 1;
        self.0.cv.notify_one();
    }
}
