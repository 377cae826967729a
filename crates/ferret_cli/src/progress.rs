//! A one-line progress bar on stderr for project scans: packages done / total, the analysis
//! rate and the download rate. Drawn only when stderr is a terminal (never in redirected
//! output, so JSON/SARIF on stdout and logs stay clean), at most ten times a second.

use std::io::{IsTerminal as _, Write as _};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub struct Bar {
    enabled: bool,
    start: Instant,
    total: AtomicUsize,
    done: AtomicUsize,
    fetched: AtomicUsize,
    bytes: AtomicU64,
    last: Mutex<Option<Instant>>,
}

impl Bar {
    /// A bar that draws only if stderr is a terminal.
    pub fn for_stderr() -> Self {
        Self {
            enabled: std::io::stderr().is_terminal(),
            start: Instant::now(),
            total: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
            fetched: AtomicUsize::new(0),
            bytes: AtomicU64::new(0),
            last: Mutex::new(None),
        }
    }

    fn draw(&self, force: bool) {
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        if let Ok(mut last) = self.last.lock() {
            if !force && last.is_some_and(|l| now - l < Duration::from_millis(100)) {
                return;
            }
            *last = Some(now);
        }
        let secs = self.start.elapsed().as_secs_f64().max(0.001);
        let done = self.done.load(Ordering::Relaxed);
        let total = self.total.load(Ordering::Relaxed);
        let fetched = self.fetched.load(Ordering::Relaxed);
        #[expect(clippy::cast_precision_loss, reason = "display only")]
        let (rate, mb) = (
            done as f64 / secs,
            self.bytes.load(Ordering::Relaxed) as f64 / 1e6,
        );
        let width = 24usize;
        let filled = (done * width).checked_div(total).unwrap_or(0).min(width);
        let line = format!(
            "\r[{}{}] {done}/{total} packages  {rate:.0}/s  fetched {fetched} ({mb:.1} MB, {:.1} MB/s)\x1b[K",
            "#".repeat(filled),
            " ".repeat(width - filled),
            mb / secs
        );
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }

    /// Erases the bar.
    pub fn finish(&self) {
        if self.enabled {
            let _ = std::io::stderr().lock().write_all(b"\r\x1b[K");
        }
    }
}

impl ferret_project::Progress for Bar {
    fn start(&self, total: usize) {
        self.total.store(total, Ordering::Relaxed);
        self.draw(true);
    }

    fn fetched(&self, bytes: u64) {
        self.fetched.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
        self.draw(false);
    }

    fn done(&self) {
        self.done.fetch_add(1, Ordering::Relaxed);
        self.draw(false);
    }
}
