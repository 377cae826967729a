//! The popular-package lists: the reference the typosquat rule compares names with, and the
//! popularity ferret knows without asking a registry.
//!
//! `scripts/build-popular` turns the shared snapshots (npm: names with monthly downloads;
//! PyPI: names by rank) into `data/popular-{npm,pypi}.tsv.gz`, embedded here and decoded once
//! on first use. [`import_popular`] reads the same input TSV at run time, so a front end can
//! refresh a list (`ferret db import-popular`) without a rebuild; [`PopularIndex::parse`]
//! reads the embedded format back.

use ferret_core::Ecosystem;
use flate2::read::GzDecoder;
use std::collections::HashMap;
use std::io::Read;
use std::sync::OnceLock;

static NPM_GZ: &[u8] = include_bytes!("../../../../data/popular-npm.tsv.gz");
static PYPI_GZ: &[u8] = include_bytes!("../../../../data/popular-pypi.tsv.gz");

const FORMAT_LINE: &str = "#format\tferret-popular-1";

/// A decoded list larger than this is refused (the embedded ones are ~0.3 MB).
const MAX_DECODED_BYTES: u64 = 64 * 1024 * 1024;

/// Why a popular list could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PopularError {
    #[error("popular list: line {line}: {message}")]
    Format { line: usize, message: String },
    #[error("popular list: {0}")]
    Io(#[from] std::io::Error),
}

/// One popular package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Popular {
    pub name: String,
    /// 1 = most popular.
    pub rank: u32,
    /// Downloads in a month, when the source list has them (npm).
    pub downloads: Option<u64>,
}

/// A popular list, most popular first, with lookup by name.
#[derive(Debug, Clone, Default)]
pub struct PopularIndex {
    pub ecosystem: Option<Ecosystem>,
    entries: Vec<Popular>,
    by_name: HashMap<String, usize>,
}

impl PopularIndex {
    /// The embedded list of an ecosystem (decoded once). An undecodable embedded list (a
    /// broken build) gives an empty index: typosquat then reports nothing rather than panic.
    pub fn embedded(ecosystem: Ecosystem) -> &'static PopularIndex {
        static NPM: OnceLock<PopularIndex> = OnceLock::new();
        static PYPI: OnceLock<PopularIndex> = OnceLock::new();
        let (cell, gz) = match ecosystem {
            Ecosystem::Npm => (&NPM, NPM_GZ),
            Ecosystem::PyPI => (&PYPI, PYPI_GZ),
        };
        cell.get_or_init(|| Self::from_gz(gz).unwrap_or_default())
    }

    /// Reads the compressed embedded format.
    pub fn from_gz(gz: &[u8]) -> Result<Self, PopularError> {
        let mut text = String::new();
        GzDecoder::new(gz)
            .take(MAX_DECODED_BYTES)
            .read_to_string(&mut text)?;
        Self::parse(&text)
    }

    /// Reads the embedded format (see `scripts/build-popular`).
    pub fn parse(text: &str) -> Result<Self, PopularError> {
        let mut lines = text.lines().enumerate();
        match lines.next() {
            Some((_, l)) if l == FORMAT_LINE => {}
            _ => {
                return Err(PopularError::Format {
                    line: 1,
                    message: format!("expected `{FORMAT_LINE}`"),
                });
            }
        }
        let mut index = PopularIndex::default();
        for (i, line) in lines {
            if let Some(eco) = line.strip_prefix("#ecosystem\t") {
                index.ecosystem = match eco {
                    "npm" => Some(Ecosystem::Npm),
                    "pypi" => Some(Ecosystem::PyPI),
                    _ => None,
                };
                continue;
            }
            if line.starts_with('#') || line.is_empty() {
                continue;
            }
            let (name, downloads) = line.split_once('\t').unwrap_or((line, ""));
            if name.is_empty() {
                return Err(PopularError::Format {
                    line: i + 1,
                    message: "empty name".into(),
                });
            }
            index.push(name, downloads.parse().ok());
        }
        Ok(index)
    }

    /// Builds an index from `(name, downloads)` pairs, most popular first.
    pub fn from_names<'a>(names: impl IntoIterator<Item = (&'a str, Option<u64>)>) -> Self {
        let mut index = PopularIndex::default();
        for (n, d) in names {
            index.push(n, d);
        }
        index
    }

    fn push(&mut self, name: &str, downloads: Option<u64>) {
        if self.by_name.contains_key(name) {
            return;
        }
        let rank = u32::try_from(self.entries.len() + 1).unwrap_or(u32::MAX);
        self.by_name.insert(name.to_string(), self.entries.len());
        self.entries.push(Popular {
            name: name.to_string(),
            rank,
            downloads,
        });
    }

    pub fn get(&self, name: &str) -> Option<&Popular> {
        self.by_name.get(name).map(|&i| &self.entries[i])
    }

    pub fn entries(&self) -> &[Popular] {
        &self.entries
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Converts a popular-list TSV as published in the shared snapshots (header `name`, and
/// `downloads_a_month` or `rank`) into the embedded format, so `ferret db import-popular
/// FILE.tsv` can refresh the list. Rows are ordered by downloads (else rank, else input
/// order); PyPI names are normalised per PEP 503.
pub fn import_popular(tsv: &str, ecosystem: Ecosystem) -> Result<String, PopularError> {
    let mut lines = tsv.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split('\t').collect();
    let col = |name: &str| header.iter().position(|h| h.trim() == name);
    let name_col = col("name").ok_or_else(|| PopularError::Format {
        line: 1,
        message: "no `name` column".into(),
    })?;
    let dl_col = col("downloads_a_month");
    let rank_col = col("rank");
    let mut rows: Vec<(String, Option<u64>, u64)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, line) in lines.enumerate() {
        let cells: Vec<&str> = line.split('\t').collect();
        let Some(raw) = cells.get(name_col).map(|s| s.trim()) else {
            continue;
        };
        let name = match ecosystem {
            Ecosystem::Npm => raw.to_string(),
            Ecosystem::PyPI => normalize_pypi(raw),
        };
        if name.is_empty() || name.contains(char::is_whitespace) || !seen.insert(name.clone()) {
            continue;
        }
        let dl = dl_col.and_then(|c| cells.get(c)?.trim().parse().ok());
        let rank = rank_col
            .and_then(|c| cells.get(c)?.trim().parse().ok())
            .unwrap_or(i as u64 + 1);
        rows.push((name, dl, rank));
    }
    if rows.is_empty() {
        return Err(PopularError::Format {
            line: 1,
            message: "no packages".into(),
        });
    }
    rows.sort_by(|a, b| {
        (std::cmp::Reverse(a.1.unwrap_or(0)), a.2, &a.0).cmp(&(
            std::cmp::Reverse(b.1.unwrap_or(0)),
            b.2,
            &b.0,
        ))
    });
    let mut out = format!("{FORMAT_LINE}\n#ecosystem\t{ecosystem}\n");
    for (name, dl, _) in rows {
        out.push_str(&name);
        out.push('\t');
        if let Some(d) = dl {
            out.push_str(&d.to_string());
        }
        out.push('\n');
    }
    Ok(out)
}

/// PEP 503: runs of `-`, `_`, `.` become `-`, lower-case.
pub fn normalize_pypi(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_lists_decode() {
        let npm = PopularIndex::embedded(Ecosystem::Npm);
        assert_eq!(npm.len(), 10_000);
        assert_eq!(npm.ecosystem, Some(Ecosystem::Npm));
        let react = npm.get("react").unwrap();
        assert!(react.rank < 1000 && react.downloads.unwrap() > 10_000_000);
        let pypi = PopularIndex::embedded(Ecosystem::PyPI);
        assert_eq!(pypi.len(), 10_000);
        assert_eq!(pypi.get("boto3").map(|p| p.rank), Some(1));
    }

    #[test]
    fn import_round_trips_and_orders_by_downloads() {
        let tsv =
            "name\tlatest_version\tdownloads_a_month\nsmall\t1\t10\nbig\t1\t1000\nbig\t1\t5\n";
        let out = import_popular(tsv, Ecosystem::Npm).unwrap();
        let index = PopularIndex::parse(&out).unwrap();
        let names: Vec<_> = index.entries().iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["big", "small"]);
        assert_eq!(index.get("small").unwrap().rank, 2);
        let py = import_popular("name\trank\nSome_Pkg.x\t2\nfirst\t1\n", Ecosystem::PyPI).unwrap();
        let index = PopularIndex::parse(&py).unwrap();
        assert_eq!(index.entries()[1].name, "some-pkg-x");
        assert!(import_popular("nothing\n", Ecosystem::Npm).is_err());
        assert!(PopularIndex::parse("garbage").is_err());
    }
}
