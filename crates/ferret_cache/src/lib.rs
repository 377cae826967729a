//! ferret's persistent cache: one embedded redb database under the cache directory holding
//! analysis results (keyed by tarball integrity + analyser version), packuments with their
//! HTTP caching headers, and tarballs by integrity.
//!
//! Nothing read back is trusted blindly. Every value is framed with a magic, its length and
//! a CRC-32 of the payload; an entry that fails the check (a torn write, bit rot, a tool that
//! edited the file) is reported as a miss, counted and deleted so the caller rebuilds it. A
//! database file redb itself refuses (or panics on) is moved aside and a fresh one created.
//!
//! Two ferret processes may share the directory: the database is opened in redb's
//! multi-writer mode (byte-range locks; one write transaction at a time across processes).
//! An older redb holding the whole-file lock makes the open wait and retry; when it stays
//! locked the cache is unavailable and the caller runs without it (and says so).
//!
//! This is a crate of its own rather than a module of ferret_registry: it stores analysis
//! results as well as registry data, has no network dependency, and `ferret cache` needs it
//! without a registry client.

use redb::{ConcurrencyMode, Database, DatabaseError, ReadableDatabase as _, TableDefinition};
use redb::{ReadableTable as _, ReadableTableMetadata as _};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The database file inside the cache directory.
pub const DB_FILE: &str = "cache.redb";

/// Frame magic, version 1.
const MAGIC: &[u8; 4] = b"FCE1";
/// Magic + CRC-32 + payload length.
const HEADER: usize = 4 + 4 + 8;

/// How long `open` waits for a database another process holds exclusively.
const LOCK_WAIT: Duration = Duration::from_secs(5);

/// The kinds of entries, one redb table each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Table {
    /// A package's analysis (the pre-policy `PackageReport` as JSON).
    Analysis,
    /// A packument with its `ETag` / `Last-Modified` (see [`PackumentEntry`]).
    Packument,
    /// Tarball bytes keyed by their SRI integrity.
    Tarball,
}

impl Table {
    pub const ALL: [Table; 3] = [Table::Analysis, Table::Packument, Table::Tarball];

    pub fn name(self) -> &'static str {
        match self {
            Table::Analysis => "analysis",
            Table::Packument => "packument",
            Table::Tarball => "tarball",
        }
    }

    fn def(self) -> TableDefinition<'static, &'static str, &'static [u8]> {
        TableDefinition::new(self.name())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("cannot create cache directory {path}: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cache database {path} is locked by another process (waited {waited_ms} ms)")]
    Locked { path: PathBuf, waited_ms: u128 },
    #[error("cache database {path}: {message}")]
    Database { path: PathBuf, message: String },
    #[error("cannot remove cache database {path}: {source}")]
    Remove {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Entry counts and payload bytes per table, and the file size.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CacheStats {
    pub path: PathBuf,
    pub file_bytes: u64,
    /// `(table name, entries, payload bytes)`, in [`Table::ALL`] order.
    pub tables: Vec<(&'static str, u64, u64)>,
}

/// A packument as cached: the body and the validators for a conditional GET.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PackumentEntry {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub body: Vec<u8>,
}

impl PackumentEntry {
    /// `u32 len + etag`, `u32 len + last-modified` (len `u32::MAX` = absent), then the body.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.body.len() + 64);
        for field in [&self.etag, &self.last_modified] {
            match field {
                Some(s) => {
                    out.extend_from_slice(&u32::try_from(s.len()).unwrap_or(0).to_le_bytes());
                    out.extend_from_slice(s.as_bytes());
                }
                None => out.extend_from_slice(&u32::MAX.to_le_bytes()),
            }
        }
        out.extend_from_slice(&self.body);
        out
    }

    /// `None` when the bytes are not a valid encoding.
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        let mut rest = bytes;
        let mut field = || -> Option<Option<String>> {
            let len = u32::from_le_bytes(rest.get(..4)?.try_into().ok()?);
            rest = &rest[4..];
            if len == u32::MAX {
                return Some(None);
            }
            let len = usize::try_from(len).ok()?;
            let s = std::str::from_utf8(rest.get(..len)?).ok()?.to_owned();
            rest = &rest[len..];
            Some(Some(s))
        };
        let etag = field()?;
        let last_modified = field()?;
        Some(Self {
            etag,
            last_modified,
            body: rest.to_vec(),
        })
    }
}

/// An open cache. Cheap to share across threads (`&Cache`): redb serialises writers.
pub struct Cache {
    path: PathBuf,
    db: Database,
    dropped: AtomicUsize,
    notes: Vec<String>,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache").field("path", &self.path).finish()
    }
}

impl Cache {
    /// Opens (creating when needed) the cache in `dir`. Waits up to 5 s for a database
    /// another process holds exclusively. A database redb rejects as corrupted is moved aside
    /// (`cache.redb.corrupt`) and replaced by an empty one; [`Cache::notes`] says so.
    pub fn open(dir: &Path) -> Result<Self, CacheError> {
        Self::open_with_wait(dir, LOCK_WAIT)
    }

    pub fn open_with_wait(dir: &Path, wait: Duration) -> Result<Self, CacheError> {
        std::fs::create_dir_all(dir).map_err(|source| CacheError::CreateDir {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = dir.join(DB_FILE);
        let mut notes = Vec::new();
        let start = Instant::now();
        let mut quarantined = false;
        loop {
            match open_db(&path) {
                Ok(db) => {
                    // Creating the tables up front also proves the file is usable.
                    let usable = ensure_tables(&db).is_ok();
                    if usable || quarantined {
                        return Ok(Self {
                            path,
                            db,
                            dropped: AtomicUsize::new(0),
                            notes,
                        });
                    }
                    drop(db);
                    notes.push("cache database tables were unreadable".to_owned());
                    quarantine(&path, &mut notes)?;
                    quarantined = true;
                }
                Err(OpenFailure::Locked) => {
                    if start.elapsed() >= wait {
                        return Err(CacheError::Locked {
                            path,
                            waited_ms: start.elapsed().as_millis(),
                        });
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(OpenFailure::Corrupted(message)) if !quarantined => {
                    notes.push(format!("cache database was unreadable ({message})"));
                    quarantine(&path, &mut notes)?;
                    quarantined = true;
                }
                Err(OpenFailure::Corrupted(message)) => {
                    return Err(CacheError::Database { path, message });
                }
            }
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What happened on open (a corrupted database moved aside, …), for the report.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// Entries found corrupted (and deleted) since this cache was opened.
    pub fn dropped(&self) -> usize {
        self.dropped.load(Ordering::Relaxed)
    }

    fn db_err(&self, e: impl std::fmt::Display) -> CacheError {
        CacheError::Database {
            path: self.path.clone(),
            message: e.to_string(),
        }
    }

    /// One entry, checksum-verified. A corrupted entry is deleted and reported as a miss.
    pub fn get(&self, table: Table, key: &str) -> Option<Vec<u8>> {
        self.get_many(table, &[key]).pop().flatten()
    }

    /// Several entries in one read transaction, in `keys` order. Any storage error is a miss.
    pub fn get_many(&self, table: Table, keys: &[&str]) -> Vec<Option<Vec<u8>>> {
        let mut bad: Vec<String> = Vec::new();
        let read = guarded(|| -> Result<Vec<Option<Vec<u8>>>, CacheError> {
            let tx = self.db.begin_read().map_err(|e| self.db_err(e))?;
            let t = tx.open_table(table.def()).map_err(|e| self.db_err(e))?;
            let mut out = Vec::with_capacity(keys.len());
            for key in keys {
                let value = match t.get(*key) {
                    Ok(Some(guard)) => match unframe(guard.value()) {
                        Some(payload) => Some(payload.to_vec()),
                        None => {
                            bad.push((*key).to_owned());
                            None
                        }
                    },
                    Ok(None) => None,
                    Err(_) => {
                        bad.push((*key).to_owned());
                        None
                    }
                };
                out.push(value);
            }
            Ok(out)
        });
        let out = match read {
            Some(Ok(values)) => values,
            _ => vec![None; keys.len()],
        };
        if !bad.is_empty() {
            self.dropped.fetch_add(bad.len(), Ordering::Relaxed);
            let refs: Vec<&str> = bad.iter().map(String::as_str).collect();
            let _ = self.remove_many(table, &refs);
        }
        out
    }

    pub fn put(&self, table: Table, key: &str, value: &[u8]) -> Result<(), CacheError> {
        self.put_many(table, &[(key, value)])
    }

    /// Writes entries in one transaction (durable on return).
    pub fn put_many(&self, table: Table, entries: &[(&str, &[u8])]) -> Result<(), CacheError> {
        if entries.is_empty() {
            return Ok(());
        }
        guarded(|| {
            let tx = self.db.begin_write().map_err(|e| self.db_err(e))?;
            {
                let mut t = tx.open_table(table.def()).map_err(|e| self.db_err(e))?;
                for (key, value) in entries {
                    t.insert(*key, frame(value).as_slice())
                        .map_err(|e| self.db_err(e))?;
                }
            }
            tx.commit().map_err(|e| self.db_err(e))
        })
        .unwrap_or_else(|| Err(self.db_err("redb panicked writing")))
    }

    pub fn remove_many(&self, table: Table, keys: &[&str]) -> Result<(), CacheError> {
        guarded(|| {
            let tx = self.db.begin_write().map_err(|e| self.db_err(e))?;
            {
                let mut t = tx.open_table(table.def()).map_err(|e| self.db_err(e))?;
                for key in keys {
                    t.remove(*key).map_err(|e| self.db_err(e))?;
                }
            }
            tx.commit().map_err(|e| self.db_err(e))
        })
        .unwrap_or_else(|| Err(self.db_err("redb panicked removing")))
    }

    /// The cached packument of `key` (registry URL + name), when present and intact.
    pub fn packument(&self, key: &str) -> Option<PackumentEntry> {
        let bytes = self.get(Table::Packument, key)?;
        let entry = PackumentEntry::decode(&bytes);
        if entry.is_none() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            let _ = self.remove_many(Table::Packument, &[key]);
        }
        entry
    }

    pub fn put_packument(&self, key: &str, entry: &PackumentEntry) -> Result<(), CacheError> {
        self.put(Table::Packument, key, &entry.encode())
    }

    /// Entry counts and bytes per table.
    pub fn stats(&self) -> Result<CacheStats, CacheError> {
        let tables = guarded(|| -> Result<Vec<(&'static str, u64, u64)>, CacheError> {
            let tx = self.db.begin_read().map_err(|e| self.db_err(e))?;
            let mut out = Vec::new();
            for table in Table::ALL {
                let t = tx.open_table(table.def()).map_err(|e| self.db_err(e))?;
                let entries = t.len().map_err(|e| self.db_err(e))?;
                let mut bytes = 0u64;
                for item in t.iter().map_err(|e| self.db_err(e))? {
                    let (_, v) = item.map_err(|e| self.db_err(e))?;
                    bytes += u64::try_from(v.value().len().saturating_sub(HEADER)).unwrap_or(0);
                }
                out.push((table.name(), entries, bytes));
            }
            Ok(out)
        })
        .unwrap_or_else(|| Err(self.db_err("redb panicked reading stats")))?;
        Ok(CacheStats {
            path: self.path.clone(),
            file_bytes: std::fs::metadata(&self.path).map_or(0, |m| m.len()),
            tables,
        })
    }

    /// Deletes every entry of every table.
    pub fn clear(&self) -> Result<(), CacheError> {
        guarded(|| {
            let tx = self.db.begin_write().map_err(|e| self.db_err(e))?;
            for table in Table::ALL {
                tx.delete_table(table.def()).map_err(|e| self.db_err(e))?;
                tx.open_table(table.def()).map_err(|e| self.db_err(e))?;
            }
            tx.commit().map_err(|e| self.db_err(e))
        })
        .unwrap_or_else(|| Err(self.db_err("redb panicked clearing")))
    }
}

fn ensure_tables(db: &Database) -> Result<(), String> {
    guarded(|| -> Result<(), String> {
        // A read first: a write transaction syncs to disk, and a warm scan should not pay it.
        let tx = db.begin_read().map_err(|e| e.to_string())?;
        if Table::ALL.iter().all(|t| tx.open_table(t.def()).is_ok()) {
            return Ok(());
        }
        drop(tx);
        let tx = db.begin_write().map_err(|e| e.to_string())?;
        for table in Table::ALL {
            tx.open_table(table.def()).map_err(|e| e.to_string())?;
        }
        tx.commit().map_err(|e| e.to_string())
    })
    .unwrap_or_else(|| Err("redb panicked creating tables".to_owned()))
}

enum OpenFailure {
    Locked,
    Corrupted(String),
}

fn open_db(path: &Path) -> Result<Database, OpenFailure> {
    let opened = guarded(|| {
        Database::builder()
            .set_concurrency_mode(ConcurrencyMode::MultiWriter)
            .create(path)
    });
    match opened {
        Some(Ok(db)) => Ok(db),
        Some(Err(DatabaseError::DatabaseAlreadyOpen | DatabaseError::LockProtocolMismatch)) => {
            Err(OpenFailure::Locked)
        }
        Some(Err(e)) => Err(OpenFailure::Corrupted(e.to_string())),
        None => Err(OpenFailure::Corrupted(
            "redb panicked opening it".to_owned(),
        )),
    }
}

/// Moves a database redb cannot use out of the way (kept for inspection, replaced next time).
fn quarantine(path: &Path, notes: &mut Vec<String>) -> Result<(), CacheError> {
    let aside = path.with_extension("redb.corrupt");
    match std::fs::rename(path, &aside) {
        Ok(()) => {
            notes.push(format!(
                "moved the unreadable cache database to {} and started a new one",
                aside.display()
            ));
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(CacheError::Remove {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// redb documents that a plain open of an altered file "may panic"; a cache must never take
/// the scan down with it, so every database call runs under `catch_unwind`.
fn guarded<T>(f: impl FnOnce() -> T) -> Option<T> {
    catch_unwind(AssertUnwindSafe(f)).ok()
}

fn frame(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// The payload of a framed value, or `None` when magic, length or checksum disagree.
fn unframe(value: &[u8]) -> Option<&[u8]> {
    if value.len() < HEADER || &value[..4] != MAGIC {
        return None;
    }
    let crc = u32::from_le_bytes(value[4..8].try_into().ok()?);
    let len = u64::from_le_bytes(value[8..16].try_into().ok()?);
    let payload = &value[HEADER..];
    (payload.len() as u64 == len && crc32fast::hash(payload) == crc).then_some(payload)
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests: a panic is a failure")]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_and_stats() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path()).unwrap();
        cache.put(Table::Analysis, "k1", b"hello").unwrap();
        cache.put(Table::Tarball, "sha512-x", &[0u8; 100]).unwrap();
        assert_eq!(cache.get(Table::Analysis, "k1").unwrap(), b"hello");
        assert_eq!(cache.get(Table::Analysis, "k2"), None);
        assert_eq!(cache.get(Table::Tarball, "k1"), None);
        let stats = cache.stats().unwrap();
        assert_eq!(stats.tables[0], ("analysis", 1, 5));
        assert_eq!(stats.tables[2], ("tarball", 1, 100));
        cache.clear().unwrap();
        assert_eq!(cache.get(Table::Analysis, "k1"), None);
        assert_eq!(cache.stats().unwrap().tables[0], ("analysis", 0, 0));
    }

    #[test]
    fn packument_entries_roundtrip() {
        let e = PackumentEntry {
            etag: Some("\"abc\"".into()),
            last_modified: None,
            body: b"{\"name\":\"x\"}".to_vec(),
        };
        assert_eq!(PackumentEntry::decode(&e.encode()).unwrap(), e);
        assert_eq!(PackumentEntry::decode(&[1, 2]), None);
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path()).unwrap();
        cache.put_packument("r/x", &e).unwrap();
        assert_eq!(cache.packument("r/x").unwrap(), e);
    }

    #[test]
    fn frames_reject_truncation_and_flipped_bits() {
        let f = frame(b"payload bytes");
        assert_eq!(unframe(&f).unwrap(), b"payload bytes");
        assert_eq!(unframe(&f[..f.len() - 1]), None);
        let mut flipped = f.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert_eq!(unframe(&flipped), None);
        assert_eq!(unframe(b"FCE1"), None);
    }

    /// Corrupts the stored bytes of an entry inside the database file itself: the entry must
    /// read as a miss (never the altered bytes), be deleted, and be writable again.
    #[test]
    fn corrupted_entry_in_the_file_is_dropped_and_rebuilt() {
        let dir = tempfile::tempdir().unwrap();
        let marker = b"FERRET-CACHE-TEST-PAYLOAD-0123456789-abcdefghijklmnopqrstuvwxyz";
        {
            let cache = Cache::open(dir.path()).unwrap();
            cache.put(Table::Analysis, "victim", marker).unwrap();
            cache.put(Table::Analysis, "other", b"intact").unwrap();
        }
        let path = dir.path().join(DB_FILE);
        let mut bytes = std::fs::read(&path).unwrap();
        let at = bytes
            .windows(marker.len())
            .position(|w| w == marker)
            .expect("payload stored verbatim");
        bytes[at + 10] ^= 0x20;
        std::fs::write(&path, &bytes).unwrap();

        let cache = Cache::open(dir.path()).unwrap();
        let got = cache.get(Table::Analysis, "victim");
        assert_ne!(got.as_deref(), Some(&marker[..]));
        assert!(got.is_none(), "altered bytes must never be returned");
        // Either the entry failed its checksum (dropped) or redb refused the database
        // (moved aside on open): both rebuild.
        assert!(
            cache.dropped() == 1 || !cache.notes().is_empty(),
            "dropped {} notes {:?}",
            cache.dropped(),
            cache.notes()
        );
        cache.put(Table::Analysis, "victim", marker).unwrap();
        assert_eq!(cache.get(Table::Analysis, "victim").unwrap(), marker);
    }

    #[test]
    fn garbage_file_is_moved_aside() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(DB_FILE), b"not a redb database at all").unwrap();
        let cache = Cache::open(dir.path()).unwrap();
        assert!(!cache.notes().is_empty(), "{:?}", cache.notes());
        assert!(dir.path().join("cache.redb.corrupt").exists());
        cache.put(Table::Analysis, "k", b"v").unwrap();
        assert_eq!(cache.get(Table::Analysis, "k").unwrap(), b"v");
    }

    /// Two handles at once (what two processes do): both read and write.
    #[test]
    fn two_handles_share_the_database() {
        let dir = tempfile::tempdir().unwrap();
        let a = Cache::open(dir.path()).unwrap();
        let b = Cache::open_with_wait(dir.path(), Duration::from_millis(200));
        match b {
            Ok(b) => {
                a.put(Table::Analysis, "from-a", b"1").unwrap();
                b.put(Table::Analysis, "from-b", b"2").unwrap();
                assert_eq!(b.get(Table::Analysis, "from-a").unwrap(), b"1");
                assert_eq!(a.get(Table::Analysis, "from-b").unwrap(), b"2");
            }
            Err(e) => panic!("a second handle must open the shared cache: {e}"),
        }
    }

    /// Two processes writing the same cache at once: this test re-runs its own binary as the
    /// second process (`FERRET_CACHE_CHILD` names the directory), and every entry of both
    /// must be there afterwards.
    #[test]
    fn two_processes_write_concurrently() {
        const N: usize = 40;
        if let Some(dir) = std::env::var_os("FERRET_CACHE_CHILD") {
            let cache = Cache::open(Path::new(&dir)).unwrap();
            for i in 0..N {
                cache
                    .put(Table::Analysis, &format!("child-{i}"), b"c")
                    .unwrap();
            }
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path()).unwrap();
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "tests::two_processes_write_concurrently",
                "--quiet",
            ])
            .env("FERRET_CACHE_CHILD", dir.path())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        for i in 0..N {
            cache
                .put(Table::Analysis, &format!("parent-{i}"), b"p")
                .unwrap();
        }
        assert!(child.wait().unwrap().success(), "child process failed");
        for i in 0..N {
            assert_eq!(
                cache.get(Table::Analysis, &format!("child-{i}")).unwrap(),
                b"c"
            );
            assert_eq!(
                cache.get(Table::Analysis, &format!("parent-{i}")).unwrap(),
                b"p"
            );
        }
        assert_eq!(cache.stats().unwrap().tables[0].1, 2 * N as u64);
    }
}
