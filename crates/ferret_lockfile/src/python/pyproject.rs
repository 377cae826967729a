//! `pyproject.toml` without a lock: `[project]` `dependencies` and `optional-dependencies`
//! (PEP 621), `[dependency-groups]` (PEP 735), `[tool.poetry.dependencies]` and poetry groups,
//! `[build-system] requires` (installed to build the project, group `build-system`), and the
//! indexes named in `[[tool.poetry.source]]`, `[[tool.uv.index]]` and `[tool.uv]`
//! `index-url`/`extra-index-url`. Pinned and non-registry requirements become packages; ranges
//! stay requirements for a resolver (the highest compatible version, as pip would choose).

use toml::de::{DeTable, DeValue};

use super::requirements::build_packages;
use super::toml_util::{Lines, Value, array, get, parse_doc, string, table, tables};
use super::{
    IndexKind, PackageIndex, Requirement, classify_python_spec, normalize_name, parse_pep508,
    pinned_version, redact_url,
};
use crate::{ExtractError, Format, Lockfile, SpecKind};

pub(crate) fn parse(path: &str, text: &str) -> Result<Lockfile, ExtractError> {
    let lines = Lines::new(text);
    let doc = parse_doc(path, text, &lines)?;
    let mut lock = Lockfile::new(path, Format::Pyproject);
    let mut cx = Cx {
        path,
        lines: &lines,
        out: Vec::new(),
    };
    if let Some(project) = table(&doc, "project") {
        lock.root.name = string(project, "name").map(normalize_name);
        lock.root.version = string(project, "version").map(str::to_owned);
        cx.pep508_list(project, "dependencies", None);
        if let Some(opt) = table(project, "optional-dependencies") {
            for (k, _) in opt.iter() {
                cx.pep508_list(opt, k.get_ref(), Some(k.get_ref()));
            }
        }
    }
    if let Some(groups) = table(&doc, "dependency-groups") {
        for (k, _) in groups.iter() {
            cx.pep508_list(groups, k.get_ref(), Some(k.get_ref()));
        }
    }
    if let Some(bs) = table(&doc, "build-system") {
        cx.pep508_list(bs, "requires", Some("build-system"));
    }
    let tool = table(&doc, "tool");
    if let Some(poetry) = tool.and_then(|t| table(t, "poetry")) {
        if lock.root.name.is_none() {
            lock.root.name = string(poetry, "name").map(normalize_name);
            lock.root.version = string(poetry, "version").map(str::to_owned);
        }
        if let Some(d) = table(poetry, "dependencies") {
            cx.poetry_table(d, None);
        }
        if let Some(d) = table(poetry, "dev-dependencies") {
            cx.poetry_table(d, Some("dev"));
        }
        if let Some(groups) = table(poetry, "group") {
            for (g, v) in groups.iter() {
                if let Some(d) = v
                    .get_ref()
                    .as_table()
                    .and_then(|t| table(t, "dependencies"))
                {
                    cx.poetry_table(d, Some(g.get_ref()));
                }
            }
        }
        for (offset, src) in tables(poetry, "source") {
            let Some(url) = string(src, "url") else {
                continue;
            };
            let kind = match string(src, "priority") {
                Some("primary" | "default") => IndexKind::Primary,
                Some("explicit") => IndexKind::Source,
                _ if string(src, "default").is_some() => IndexKind::Primary,
                _ => IndexKind::Extra,
            };
            lock.indexes.push(index(
                url,
                kind,
                string(src, "name"),
                path,
                lines.line(offset),
            ));
        }
    }
    if let Some(uv) = tool.and_then(|t| table(t, "uv")) {
        for (offset, idx) in tables(uv, "index") {
            let Some(url) = string(idx, "url") else {
                continue;
            };
            let kind = if get(idx, "default").and_then(|v| v.get_ref().as_bool()) == Some(true) {
                IndexKind::Primary
            } else if get(idx, "explicit").and_then(|v| v.get_ref().as_bool()) == Some(true) {
                IndexKind::Source
            } else {
                IndexKind::Extra
            };
            lock.indexes.push(index(
                url,
                kind,
                string(idx, "name"),
                path,
                lines.line(offset),
            ));
        }
        if let Some(v) = get(uv, "index-url")
            && let Some(url) = v.get_ref().as_str()
        {
            lock.indexes.push(index(
                url,
                IndexKind::Primary,
                None,
                path,
                lines.line(v.span().start),
            ));
        }
        for v in array(uv, "extra-index-url").into_iter().flatten() {
            if let Some(url) = v.get_ref().as_str() {
                lock.indexes.push(index(
                    url,
                    IndexKind::Extra,
                    None,
                    path,
                    lines.line(v.span().start),
                ));
            }
        }
    }
    // Poetry tables iterate in key order: report requirements in file order.
    cx.out.sort_by_key(|r| r.line);
    lock.requirements = cx.out;
    build_packages(&mut lock, path);
    // Optional and dev groups are not installed by default: flag their direct deps.
    let groups: Vec<(String, Option<String>)> = lock
        .requirements
        .iter()
        .filter(|r| !r.constraint && r.group.as_deref() != Some("build-system"))
        .map(|r| (r.name.clone(), r.group.clone()))
        .collect();
    for (d, (_, group)) in lock.root.direct.iter_mut().zip(groups) {
        d.dev = super::is_dev_group(group.as_deref());
        d.optional = group.is_some() && !d.dev;
    }
    Ok(lock)
}

fn index(url: &str, kind: IndexKind, name: Option<&str>, path: &str, line: u32) -> PackageIndex {
    PackageIndex {
        url: redact_url(url),
        kind,
        name: name.map(str::to_owned),
        file: path.to_owned(),
        line,
    }
}

struct Cx<'a> {
    path: &'a str,
    lines: &'a Lines,
    out: Vec<Requirement>,
}

impl Cx<'_> {
    fn req(&self, name: &str, line: u32, group: Option<&str>) -> Requirement {
        Requirement {
            name: normalize_name(name),
            spec: String::new(),
            kind: SpecKind::Registry {
                range: String::new(),
            },
            pinned: None,
            extras: Vec::new(),
            markers: None,
            hashes: Vec::new(),
            editable: false,
            constraint: false,
            group: group.map(str::to_owned),
            file: self.path.to_owned(),
            line,
        }
    }

    /// An array of PEP 508 strings (`{include-group = …}` tables in dependency groups are
    /// skipped: the included group is read on its own).
    fn pep508_list(&mut self, t: &DeTable<'_>, key: &str, group: Option<&str>) {
        for v in array(t, key).into_iter().flatten() {
            let Some(s) = v.get_ref().as_str() else {
                continue;
            };
            let line = self.lines.line(v.span().start);
            let Some(p) = parse_pep508(s) else {
                continue;
            };
            let mut r = self.req(&p.name, line, group);
            r.extras = p.extras;
            r.markers = p.markers;
            if let Some(url) = p.url {
                r.kind = classify_python_spec(&url);
                if matches!(r.kind, SpecKind::Registry { .. }) {
                    r.kind = SpecKind::Other { spec: url.clone() };
                }
                r.spec = url;
            } else {
                r.pinned = pinned_version(&p.specifier);
                r.kind = SpecKind::Registry {
                    range: p.specifier.clone(),
                };
                r.spec = p.specifier;
            }
            self.out.push(r);
        }
    }

    /// `[tool.poetry.dependencies]`: `name = "^1.2"` or `name = { version, extras, markers,
    /// git, url, path, … }` (or a list of those: the first is taken). `python` is skipped.
    fn poetry_table(&mut self, t: &DeTable<'_>, group: Option<&str>) {
        for (k, v) in t.iter() {
            let name = k.get_ref().as_ref();
            if name.eq_ignore_ascii_case("python") {
                continue;
            }
            let line = self.lines.line(k.span().start);
            let mut r = self.req(name, line, group);
            let first: Option<&Value<'_>> = match v.get_ref() {
                DeValue::Array(a) => a.iter().next(),
                _ => Some(v),
            };
            match first.map(|f| f.get_ref()) {
                Some(DeValue::String(s)) => poetry_version(&mut r, s),
                Some(DeValue::Table(d)) => {
                    r.extras = array(d, "extras")
                        .into_iter()
                        .flatten()
                        .filter_map(|e| e.get_ref().as_str().map(normalize_name))
                        .collect();
                    r.markers = string(d, "markers").map(str::to_owned);
                    r.editable =
                        get(d, "develop").and_then(|x| x.get_ref().as_bool()) == Some(true);
                    if let Some(git) = string(d, "git") {
                        let rev = string(d, "rev")
                            .or_else(|| string(d, "tag"))
                            .or_else(|| string(d, "branch"));
                        let url = match rev {
                            Some(rev) => format!("git+{}@{rev}", redact_url(git)),
                            None => format!("git+{}", redact_url(git)),
                        };
                        r.kind = SpecKind::Git { url: url.clone() };
                        r.spec = url;
                    } else if let Some(url) = string(d, "url") {
                        r.kind = classify_python_spec(url);
                        r.spec = url.to_owned();
                    } else if let Some(p) = string(d, "path") {
                        r.kind = SpecKind::File { path: p.to_owned() };
                        r.spec = p.to_owned();
                    } else {
                        poetry_version(&mut r, string(d, "version").unwrap_or(""));
                    }
                }
                _ => {}
            }
            self.out.push(r);
        }
    }
}

/// Poetry version constraints: `1.2.3` and `==1.2.3` pin; `^`, `~`, `*`, ranges do not.
fn poetry_version(r: &mut Requirement, spec: &str) {
    let s = spec.trim();
    r.spec = s.to_owned();
    r.kind = SpecKind::Registry {
        range: s.to_owned(),
    };
    r.pinned = pinned_version(s).or_else(|| {
        let exact = !s.is_empty()
            && s.starts_with(|c: char| c.is_ascii_digit())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '!' | '-' | '_'));
        exact.then(|| s.to_owned())
    });
}
