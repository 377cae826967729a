//! The decision on one version (npm) or distribution file (PyPI): the analysis from the
//! shared cache (the keys ferret_project uses: tarball integrity or file sha256 + analyser
//! version, so `ferret scan` and the proxy share verdicts), else a scan of the verified
//! bytes by the engine; then the policy.

use ferret_cache::{Cache, Table};
use ferret_core::{Action, Ecosystem, PackageReport};
use ferret_policy::Policy;
use ferret_source::Limits;
use std::collections::HashMap;
use std::sync::{Condvar, Mutex};

/// Tarballs larger than this are scanned and served but not kept in the cache.
const MAX_CACHED_TARBALL: usize = 64 * 1024 * 1024;
/// Verdicts remembered in memory (a few hundred bytes each) before the memo starts over.
const MAX_MEMO: usize = 100_000;

/// One PyPI distribution file, as the inspector needs it.
pub struct PypiDist<'a> {
    /// Normalised project name.
    pub project: &'a str,
    pub version: &'a str,
    pub filename: &'a str,
    /// Lowercase hex, verified before any scan.
    pub sha256: &'a str,
    /// Upstream URL (the report's source).
    pub url: &'a str,
}

impl PypiDist<'_> {
    fn label(&self) -> String {
        format!("{}=={} ({})", self.project, self.version, self.filename)
    }
}

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
    /// `name@version|integrity` → verdict: a packument lists many versions and every
    /// request would otherwise read and re-judge each cached analysis (JSON reports of up
    /// to megabytes). The policy is fixed for the process, so a verdict never goes stale.
    memo: Mutex<HashMap<String, Verdict>>,
}

impl Inspector {
    pub fn new(policy: Policy, cache: Option<Cache>, analyser: String, max_scans: usize) -> Self {
        Self {
            policy,
            cache,
            analyser,
            limits: Limits::default(),
            scans: Semaphore::new(max_scans.max(1)),
            memo: Mutex::new(HashMap::new()),
        }
    }

    fn memo_key(name: &str, version: &str, integrity: &str) -> String {
        format!("{name}@{version}|{integrity}")
    }

    fn remember(&self, key: String, verdict: &Verdict) {
        let mut memo = self
            .memo
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if memo.len() >= MAX_MEMO {
            memo.clear();
        }
        memo.insert(key, verdict.clone());
    }

    fn recall(&self, key: &str) -> Option<Verdict> {
        self.memo
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(key)
            .cloned()
    }

    /// [`Inspector::cached`] for many versions of `name` (`(version, integrity)`), reading
    /// what the memo lacks in one cache transaction.
    pub fn cached_many(&self, name: &str, items: &[(&str, &str)]) -> Vec<Option<Verdict>> {
        let mut out: Vec<Option<Verdict>> = items
            .iter()
            .map(|(v, sri)| self.recall(&Self::memo_key(name, v, sri)))
            .collect();
        let Some(cache) = &self.cache else {
            return out;
        };
        let missing: Vec<usize> = (0..items.len()).filter(|&i| out[i].is_none()).collect();
        if missing.is_empty() {
            return out;
        }
        let keys: Vec<String> = missing.iter().map(|&i| self.key(items[i].1)).collect();
        let key_refs: Vec<&str> = keys.iter().map(String::as_str).collect();
        for (&i, bytes) in missing
            .iter()
            .zip(cache.get_many(Table::Analysis, &key_refs))
        {
            let Some(report) = bytes.and_then(|b| serde_json::from_slice(&b).ok()) else {
                continue;
            };
            let (version, sri) = items[i];
            let verdict = self.judge(&format!("{name}@{version}"), report, true);
            self.remember(Self::memo_key(name, version, sri), &verdict);
            out[i] = Some(verdict);
        }
        out
    }

    fn key(&self, integrity: &str) -> String {
        format!("tgz|{integrity}|{}", self.analyser)
    }

    /// The verdict from the cache alone (no network, no scan).
    pub fn cached(&self, name: &str, version: &str, integrity: &str) -> Option<Verdict> {
        self.cached_many(name, &[(version, integrity)])
            .pop()
            .flatten()
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
        let verdict = self.judge(&label, report, false);
        let mut memo = verdict.clone();
        memo.cached = true;
        self.remember(Self::memo_key(name, version, sri), &memo);
        verdict
    }

    fn judge(&self, label: &str, mut report: PackageReport, cached: bool) -> Verdict {
        self.policy.apply(&mut report);
        let blocking = report.alerts.iter().find(|f| f.action == Action::Block);
        match blocking {
            Some(f) => Verdict {
                blocked: true,
                rule: Some(f.rule.clone()),
                reason: format!("{label}: {}: {}", f.rule, one_line(&f.message)),
                cached,
            },
            None => Verdict {
                blocked: false,
                rule: None,
                reason: format!("{label}: allowed"),
                cached,
            },
        }
    }

    /// The analysis key ferret_project uses for a PyPI distribution file, so `ferret scan`
    /// of a Python project and the proxy share verdicts.
    fn pypi_key(&self, sha256: &str) -> String {
        format!("pypi|file|sha256:{sha256}|{}", self.analyser)
    }

    /// The verdict on a PyPI file from the memo or the cache alone.
    pub fn cached_pypi(&self, file: &PypiDist<'_>) -> Option<Verdict> {
        let memo_key = format!("pypi:{}|{}", file.filename, file.sha256);
        if let Some(v) = self.recall(&memo_key) {
            return Some(v);
        }
        let bytes = self
            .cache
            .as_ref()?
            .get(Table::Analysis, &self.pypi_key(file.sha256))?;
        let report: PackageReport = serde_json::from_slice(&bytes).ok()?;
        let verdict = self.judge(&file.label(), report, true);
        self.remember(memo_key, &verdict);
        Some(verdict)
    }

    /// The file's bytes from the cache, re-verified against its sha256.
    pub fn cached_pypi_bytes(&self, sha256: &str) -> Option<Vec<u8>> {
        use sha2::Digest as _;
        let bytes = self
            .cache
            .as_ref()?
            .get(Table::Tarball, &format!("pypi|sha256:{sha256}"))?;
        hex::encode(sha2::Sha256::digest(&bytes))
            .eq_ignore_ascii_case(sha256)
            .then_some(bytes)
    }

    /// Scans a verified PyPI distribution file (wheel or sdist) as a PyPI package, stores
    /// the analysis and the bytes. A file that cannot be opened is blocked.
    pub fn scan_pypi(&self, file: &PypiDist<'_>, bytes: &[u8]) -> Verdict {
        let label = file.label();
        let _permit = self.scans.acquire();
        let opened = if file.filename.ends_with(".whl") {
            ferret_source::open_wheel(bytes, file.url, &self.limits)
        } else {
            ferret_source::open_sdist(bytes, file.url, &self.limits)
        };
        let tree = match opened {
            Ok(tree) => tree,
            Err(e) => {
                return Verdict {
                    blocked: true,
                    rule: Some("unreadable-archive".to_owned()),
                    reason: format!("{label}: the file cannot be inspected: {e}"),
                    cached: false,
                };
            }
        };
        let mut report = ferret_rules::engine::scan(&tree, Ecosystem::PyPI);
        // The index's identity, verified by hash (as ferret_project records it).
        report.package.name = file.project.to_owned();
        report.package.version = file.version.to_owned();
        report.package.integrity = Some(format!("sha256:{}", file.sha256));
        report.package.source = file.url.to_owned();
        if let Some(cache) = &self.cache {
            if let Ok(json) = serde_json::to_vec(&report) {
                let _ = cache.put(Table::Analysis, &self.pypi_key(file.sha256), &json);
            }
            if bytes.len() <= MAX_CACHED_TARBALL {
                let _ = cache.put(
                    Table::Tarball,
                    &format!("pypi|sha256:{}", file.sha256),
                    bytes,
                );
            }
        }
        let verdict = self.judge(&label, report, false);
        let mut memo = verdict.clone();
        memo.cached = true;
        self.remember(format!("pypi:{}|{}", file.filename, file.sha256), &memo);
        verdict
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
