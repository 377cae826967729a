//! pip requirements files (`requirements*.txt`, pip-tools `.in`): requirement lines (PEP 508,
//! bare URLs and paths, `-e` editables) with per-line `--hash` options, `-r`/`-c` includes
//! resolved relative to the including file, and the index options (`--index-url`,
//! `--extra-index-url`, `--find-links`).
//!
//! pip's rules followed here: a trailing `\` joins the next line; `#` starts a comment at the
//! line start or after whitespace; options after the requirement belong to it. A line that
//! is neither an option nor a requirement is an error, as it is for pip.

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};

use super::{
    IndexKind, PackageIndex, Requirement, classify_python_spec, normalize_name, parse_pep508,
    pinned_version, py_package, redact_url,
};
use crate::{DepSource, DirectDep, ExtractError, Format, Lockfile, SpecKind};

/// Includes nested deeper than this are not followed (recorded in [`Lockfile::notes`]).
pub const MAX_INCLUDE_DEPTH: usize = 16;
/// At most this many files are read per top-level requirements file.
pub const MAX_INCLUDED_FILES: usize = 64;

struct Walk<'l> {
    lock: Lockfile,
    visited: HashSet<PathBuf>,
    files: usize,
    load: &'l mut dyn FnMut(&Path) -> Option<String>,
}

/// Parses a requirements file. `-r`/`-c` includes are resolved relative to `path`'s directory
/// and read through `load` (return `None` for a missing file: it is noted, not an error);
/// each file is read once (cycles are noted and cut), at most [`MAX_INCLUDE_DEPTH`] deep and
/// [`MAX_INCLUDED_FILES`] in all. URL includes are never fetched.
///
/// Pinned (`==X`) and non-registry requirements become packages; every installing
/// requirement becomes a direct dependency of the root. A constraint pins an unpinned
/// requirement of the same name.
pub fn parse_requirements(
    path: &Path,
    text: &str,
    load: &mut dyn FnMut(&Path) -> Option<String>,
) -> Result<Lockfile, ExtractError> {
    let display = path.to_string_lossy().into_owned();
    let mut walk = Walk {
        lock: Lockfile::new(&display, Format::Requirements),
        visited: HashSet::new(),
        files: 1,
        load,
    };
    walk.visited.insert(lexical(path));
    walk.file(path, text, false, 0)?;
    let mut lock = walk.lock;
    build_packages(&mut lock, &display);
    Ok(lock)
}

impl Walk<'_> {
    fn file(
        &mut self,
        path: &Path,
        text: &str,
        constraint: bool,
        depth: usize,
    ) -> Result<(), ExtractError> {
        let display = path.to_string_lossy().into_owned();
        for (line_no, line) in logical_lines(text) {
            let line = strip_comment(&line);
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let tokens: Vec<&str> = line.split_whitespace().collect();
            if tokens[0].starts_with('-') {
                self.option_line(path, &display, line_no, &tokens, constraint, depth)?;
            } else {
                let req = requirement_line(&display, line_no, &tokens, constraint)?;
                self.lock.requirements.push(req);
            }
        }
        Ok(())
    }

    fn option_line(
        &mut self,
        path: &Path,
        display: &str,
        line: u32,
        tokens: &[&str],
        constraint: bool,
        depth: usize,
    ) -> Result<(), ExtractError> {
        let (opt, value, rest) = split_option(tokens);
        let need = |v: Option<&str>| {
            v.map(str::to_owned).ok_or_else(|| {
                ExtractError::syntax(display, line, format!("`{opt}` needs a value"))
            })
        };
        match opt {
            "-r" | "--requirement" | "-c" | "--constraint" => {
                let target = need(value)?;
                let is_c = matches!(opt, "-c" | "--constraint");
                self.include(path, display, line, &target, constraint || is_c, depth);
            }
            "-e" | "--editable" => {
                let target = need(value)?;
                let mut all = vec![target.as_str()];
                all.extend(rest.iter().copied());
                let mut req = requirement_line(display, line, &all, constraint)?;
                req.editable = true;
                self.lock.requirements.push(req);
            }
            "-i" | "--index-url" | "--extra-index-url" | "-f" | "--find-links" => {
                let url = need(value)?;
                let kind = match opt {
                    "-i" | "--index-url" => IndexKind::Primary,
                    "--extra-index-url" => IndexKind::Extra,
                    _ => IndexKind::FindLinks,
                };
                self.lock.indexes.push(PackageIndex {
                    url: redact_url(&url),
                    kind,
                    name: None,
                    file: display.to_owned(),
                    line,
                });
            }
            "--no-index" => self.lock.notes.push(format!(
                "{display}:{line}: `--no-index`: PyPI is not consulted"
            )),
            "--trusted-host" => self.lock.notes.push(format!(
                "{display}:{line}: `--trusted-host {}`: TLS is not verified for it",
                value.unwrap_or("")
            )),
            _ => {}
        }
        Ok(())
    }

    fn include(
        &mut self,
        from: &Path,
        display: &str,
        line: u32,
        target: &str,
        constraint: bool,
        depth: usize,
    ) {
        if target.contains("://") {
            self.lock.notes.push(format!(
                "{display}:{line}: include `{}` is a URL and was not fetched",
                redact_url(target)
            ));
            return;
        }
        let resolved = from.parent().unwrap_or(Path::new("")).join(target);
        let key = lexical(&resolved);
        let shown = key.to_string_lossy().into_owned();
        if !self.visited.insert(key.clone()) {
            self.lock.notes.push(format!(
                "{display}:{line}: `{shown}` already read (include cycle or repeat)"
            ));
            return;
        }
        if depth + 1 > MAX_INCLUDE_DEPTH || self.files >= MAX_INCLUDED_FILES {
            self.lock.notes.push(format!(
                "{display}:{line}: include `{shown}` not followed: too many or too deep"
            ));
            return;
        }
        let Some(text) = (self.load)(&key) else {
            self.lock
                .notes
                .push(format!("{display}:{line}: include `{shown}` not read"));
            return;
        };
        self.files += 1;
        self.lock.includes.push(shown.clone());
        if let Err(e) = self.file(&key, &text, constraint, depth + 1) {
            // A broken included file does not hide the rest of the project.
            self.lock.notes.push(e.to_string());
        }
    }
}

/// `(option, value, remaining tokens)` for `-r x`, `-rx`, `--requirement=x`, `--requirement x`.
fn split_option<'t>(tokens: &[&'t str]) -> (&'t str, Option<&'t str>, Vec<&'t str>) {
    let first = tokens[0];
    if let Some((o, v)) = first.split_once('=')
        && o.starts_with("--")
    {
        return (o, Some(v), tokens[1..].to_vec());
    }
    if !first.starts_with("--") && first.len() > 2 {
        return (&first[..2], Some(&first[2..]), tokens[1..].to_vec());
    }
    (
        first,
        tokens.get(1).copied(),
        tokens.get(2..).map(<[&str]>::to_vec).unwrap_or_default(),
    )
}

/// One requirement line: the requirement, then its options (`--hash`).
fn requirement_line(
    file: &str,
    line: u32,
    tokens: &[&str],
    constraint: bool,
) -> Result<Requirement, ExtractError> {
    let split = tokens
        .iter()
        .position(|t| t.starts_with('-') && t.len() > 1)
        .unwrap_or(tokens.len());
    let text = tokens[..split].join(" ");
    let mut hashes = Vec::new();
    let mut i = split;
    while i < tokens.len() {
        let t = tokens[i];
        if let Some(h) = t.strip_prefix("--hash=") {
            hashes.push(h.to_owned());
        } else if t == "--hash"
            && let Some(h) = tokens.get(i + 1)
        {
            hashes.push((*h).to_owned());
            i += 1;
        }
        i += 1;
    }
    let mut req = Requirement {
        name: String::new(),
        spec: String::new(),
        kind: SpecKind::Registry {
            range: String::new(),
        },
        pinned: None,
        extras: Vec::new(),
        markers: None,
        hashes,
        editable: false,
        constraint,
        group: None,
        file: file.to_owned(),
        line,
    };
    let kind = classify_python_spec(&text);
    if !matches!(kind, SpecKind::Registry { .. }) {
        // A bare URL or path; markers may follow after `; `.
        let (url, markers) = match text.split_once(" ;").or_else(|| text.split_once("; ")) {
            Some((u, m)) => (u.trim(), Some(m.trim().trim_start_matches(';').trim())),
            None => (text.as_str(), None),
        };
        req.markers = markers.filter(|m| !m.is_empty()).map(str::to_owned);
        req.name = name_from_url(url)
            .map(|n| normalize_name(&n))
            .unwrap_or_default();
        req.spec = url.to_owned();
        req.kind = classify_python_spec(url);
        return Ok(req);
    }
    let Some(p) = parse_pep508(&text) else {
        return Err(ExtractError::syntax(
            file,
            line,
            format!("invalid requirement `{}`", truncate(&text, 80)),
        ));
    };
    req.name = normalize_name(&p.name);
    req.extras = p.extras;
    req.markers = p.markers;
    if let Some(url) = p.url {
        req.kind = classify_python_spec(&url);
        if matches!(req.kind, SpecKind::Registry { .. }) {
            req.kind = SpecKind::Other { spec: url.clone() };
        }
        req.spec = url;
    } else {
        req.pinned = pinned_version(&p.specifier);
        req.kind = SpecKind::Registry {
            range: p.specifier.clone(),
        };
        req.spec = p.specifier;
    }
    Ok(req)
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut t: String = s.chars().take(max).collect();
    t.push('…');
    t
}

/// The project a URL or path names: `#egg=name`, a wheel's or sdist's file name, else the
/// last path segment of a local directory.
pub(crate) fn name_from_url(url: &str) -> Option<String> {
    if let Some(frag) = url.split_once('#').map(|x| x.1) {
        for part in frag.split('&') {
            if let Some(egg) = part.strip_prefix("egg=") {
                let egg = egg.split('[').next().unwrap_or(egg);
                if !egg.is_empty() {
                    return Some(egg.to_owned());
                }
            }
        }
    }
    let base = url.split(['#', '?']).next().unwrap_or(url);
    let base = base.trim_end_matches(['/', '\\']);
    let file = base.rsplit(['/', '\\']).next().unwrap_or(base);
    if let Some(stem) = file.strip_suffix(".whl") {
        return stem
            .split('-')
            .next()
            .filter(|n| !n.is_empty())
            .map(str::to_owned);
    }
    for ext in [".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".zip", ".tar"] {
        if let Some(stem) = file.strip_suffix(ext) {
            let cut = stem
                .rmatch_indices('-')
                .find(|(i, _)| stem[i + 1..].starts_with(|c: char| c.is_ascii_digit()))
                .map_or(stem.len(), |(i, _)| i);
            return (cut > 0).then(|| stem[..cut].to_owned());
        }
    }
    if url.contains("://") || file == "." || file == ".." || file.is_empty() {
        return None;
    }
    Some(file.to_owned())
}

/// Lines joined on a trailing backslash, with the 1-based number of their first line.
fn logical_lines(text: &str) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let mut cur: Option<(u32, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let no = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let raw = if i == 0 {
            raw.trim_start_matches('\u{feff}')
        } else {
            raw
        };
        let (start, mut acc) = cur.take().unwrap_or((no, String::new()));
        if let Some(body) = raw.strip_suffix('\\') {
            acc.push_str(body);
            acc.push(' ');
            cur = Some((start, acc));
        } else {
            acc.push_str(raw);
            out.push((start, acc));
        }
    }
    if let Some(c) = cur {
        out.push(c);
    }
    out
}

/// Drops `#…` at the line start or after whitespace (a `#` inside a URL fragment stays).
fn strip_comment(line: &str) -> String {
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace()) {
            return line[..i].to_owned();
        }
    }
    line.to_owned()
}

/// `a/./b/../c` → `a/c`, without touching the file system (no symlink resolution).
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// Packages and direct dependencies from the requirements read.
pub(crate) fn build_packages(lock: &mut Lockfile, root_file: &str) {
    let constraints: Vec<(String, String)> = lock
        .requirements
        .iter()
        .filter(|r| r.constraint)
        .filter_map(|r| Some((r.name.clone(), r.pinned.clone()?)))
        .collect();
    let reqs = lock.requirements.clone();
    // `[build-system] requires` builds the project; it is not one of its dependencies.
    for r in reqs
        .iter()
        .filter(|r| !r.constraint && r.group.as_deref() != Some("build-system"))
    {
        let line = if r.file == root_file { r.line } else { 0 };
        let pkg = match &r.kind {
            SpecKind::Registry { .. } => {
                let version = r.pinned.clone().or_else(|| {
                    constraints
                        .iter()
                        .find(|(n, _)| *n == r.name)
                        .map(|(_, v)| v.clone())
                });
                version.map(|v| py_package(&r.name, &v, line))
            }
            kind => {
                let mut p = py_package(
                    if r.name.is_empty() { &r.spec } else { &r.name },
                    &r.spec,
                    line,
                );
                if r.name.is_empty() {
                    p.name.clone_from(&r.spec);
                    p.id = format!("{}@{}", r.spec, r.spec);
                }
                p.source = match kind {
                    SpecKind::Git { url } => DepSource::Git { url: url.clone() },
                    SpecKind::Http { url } => DepSource::Http { url: url.clone() },
                    SpecKind::File { path } => DepSource::File { path: path.clone() },
                    _ => DepSource::Http {
                        url: r.spec.clone(),
                    },
                };
                p.resolved = Some(r.spec.clone());
                Some(p)
            }
        };
        let target = pkg.as_ref().map(|p| p.id.clone());
        if let Some(mut p) = pkg {
            if let Some(existing) = lock.packages.iter_mut().find(|e| e.id == p.id) {
                for h in &r.hashes {
                    if !existing.hashes.contains(h) {
                        existing.hashes.push(h.clone());
                    }
                }
            } else {
                p.hashes.clone_from(&r.hashes);
                lock.packages.push(p);
            }
        }
        lock.root.direct.push(DirectDep {
            name: if r.name.is_empty() {
                r.spec.clone()
            } else {
                r.name.clone()
            },
            spec: Some(r.spec.clone()),
            dev: false,
            optional: false,
            peer: false,
            target,
            importer: String::new(),
        });
    }
}
