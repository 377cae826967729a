//! Table tests over `testdata/<format>/<case>/`: every lockfile produced by the real client
//! is parsed, its package.json attached, and the result snapshotted (packages with line
//! numbers, sources, flags, edges, direct deps and dependency paths).
#![expect(clippy::unwrap_used, reason = "tests")]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::{DepSource, LOCKFILE_NAMES, Lockfile, dependency_paths, parse, parse_manifest};

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

/// (format dir, case dir, lockfile path) for every case that has a lockfile.
fn cases() -> Vec<(String, String, PathBuf)> {
    let mut out = Vec::new();
    let mut formats: Vec<_> = std::fs::read_dir(testdata())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    formats.sort();
    for f in formats {
        let mut cases: Vec<_> = std::fs::read_dir(&f)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        cases.sort();
        for c in cases {
            for name in LOCKFILE_NAMES {
                let p = c.join(name);
                if p.is_file() {
                    let fname = f.file_name().unwrap().to_string_lossy().into_owned();
                    let cname = c.file_name().unwrap().to_string_lossy().into_owned();
                    out.push((fname, cname, p));
                }
            }
        }
    }
    out
}

fn source(s: &DepSource) -> String {
    match s {
        DepSource::Registry => "registry".into(),
        DepSource::Git { url } => format!("git {url}"),
        DepSource::Http { url } => format!("http {url}"),
        DepSource::File { path } => format!("file {path}"),
        DepSource::Link { path } => format!("link {path}"),
        DepSource::Workspace { path } => format!("workspace {path}"),
    }
}

pub(crate) fn render(lock: &Lockfile) -> String {
    let mut s = String::new();
    let r = &lock.root;
    writeln!(s, "format: {}", lock.format).unwrap();
    writeln!(
        s,
        "root: {} {}",
        r.name.as_deref().unwrap_or("-"),
        r.version.as_deref().unwrap_or("-")
    )
    .unwrap();
    for w in &r.workspaces {
        writeln!(
            s,
            "workspace: {} {}",
            w.path,
            w.name.as_deref().unwrap_or("-")
        )
        .unwrap();
    }
    for d in &r.direct {
        let flags = [
            (d.dev, " dev"),
            (d.optional, " optional"),
            (d.peer, " peer"),
        ]
        .iter()
        .filter(|f| f.0)
        .map(|f| f.1)
        .collect::<String>();
        writeln!(
            s,
            "direct [{}] {} {} -> {}{flags}",
            d.importer,
            d.name,
            d.spec.as_deref().unwrap_or("-"),
            d.target.as_deref().unwrap_or("?")
        )
        .unwrap();
    }
    for p in &lock.packages {
        let mut flags = String::new();
        if p.dev {
            flags.push_str(" dev");
        }
        if p.optional {
            flags.push_str(" optional");
        }
        if let Some(a) = &p.alias {
            write!(flags, " alias={a}").unwrap();
        }
        writeln!(
            s,
            "L{} {}@{} [{}]{flags} id={}",
            p.line,
            p.name,
            p.version,
            source(&p.source),
            p.id
        )
        .unwrap();
        if let Some(i) = &p.integrity {
            writeln!(
                s,
                "    integrity {}…",
                i.chars().take(20).collect::<String>()
            )
            .unwrap();
        }
        if let Some(r) = &p.resolved {
            writeln!(s, "    resolved {r}").unwrap();
        }
        for (n, t) in &p.dependencies {
            writeln!(s, "    -> {n} = {t}").unwrap();
        }
    }
    for ((n, v), paths) in dependency_paths(lock, 2) {
        for p in paths {
            writeln!(s, "path {n}@{v}: {}", p.join(" > ")).unwrap();
        }
    }
    s
}

/// Parses a case the way the project scanner does: the lockfile, then the root's and each
/// workspace member's package.json.
fn load(lock_path: &Path) -> Lockfile {
    let text = std::fs::read_to_string(lock_path).unwrap();
    let mut lock =
        parse(lock_path, &text).unwrap_or_else(|e| panic!("{}: {e}", lock_path.display()));
    let dir = lock_path.parent().unwrap();
    let manifest = parse_manifest(
        "package.json",
        &std::fs::read_to_string(dir.join("package.json")).unwrap(),
    )
    .unwrap();
    lock.attach_manifest("", &manifest);
    for ws in ["packages/a", "packages/b"] {
        if let Ok(t) = std::fs::read_to_string(dir.join(ws).join("package.json")) {
            lock.attach_manifest(ws, &parse_manifest(ws, &t).unwrap());
        }
    }
    // Stable path in snapshots.
    lock.path = lock_path
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    lock
}

#[test]
fn extractors_over_client_testdata() {
    let cases = cases();
    assert!(cases.len() >= 50, "testdata missing: {}", cases.len());
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_snapshot_path(testdata().join("snapshots"));
    settings.bind(|| {
        for (format, case, path) in cases {
            if case.starts_with("not-") {
                let text = std::fs::read_to_string(&path).unwrap();
                let err = parse(Path::new(path.file_name().unwrap()), &text)
                    .expect_err(&format!("{format}/{case} must fail"));
                assert!(
                    err.line().is_some(),
                    "{format}/{case}: error without a line: {err}"
                );
                insta::assert_snapshot!(format!("{format}__{case}"), err.to_string());
            } else {
                let lock = load(&path);
                insta::assert_snapshot!(format!("{format}__{case}"), render(&lock));
            }
        }
    });
}
