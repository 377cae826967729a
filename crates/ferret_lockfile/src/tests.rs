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
        if !p.os.is_empty() || !p.cpu.is_empty() {
            writeln!(s, "    os {:?} cpu {:?}", p.os, p.cpu).unwrap();
        }
        if !p.libc.is_empty() {
            writeln!(s, "    libc {:?}", p.libc).unwrap();
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

#[test]
fn hostile_inputs_error_never_panic() {
    let names = [
        "package-lock.json",
        "npm-shrinkwrap.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "bun.lock",
    ];
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let inputs = [
        String::new(),
        "\u{feff}".to_owned(),
        "null".to_owned(),
        "[1,2]".to_owned(),
        "{\"packages\": {\"node_modules/a\": 3}, \"lockfileVersion\": 3}".to_owned(),
        "{\"lockfileVersion\": 99}".to_owned(),
        "lockfileVersion: '9.0'\npackages: 7\nsnapshots: [1]\nimporters: {'.': 3}\n".to_owned(),
        "__metadata:\n  version: 8\n\"a@npm:1\": 5\n".to_owned(),
        "a@1:\n      deep \"x\"\n".to_owned(),
        "{\"packages\": {\"a\": []}}".to_owned(),
        "{\"packages\": {\"a\": [\"@\"]}}".to_owned(),
        deep,
        "a: &x [*x, *x]\n".to_owned(),
    ];
    for name in names {
        for input in &inputs {
            // Ok or Err are both fine; a panic fails the test.
            let _ = parse(Path::new(name), input);
        }
    }
    let too_big = " ".repeat(crate::MAX_LOCKFILE_BYTES + 1);
    assert!(matches!(
        parse(Path::new("yarn.lock"), &too_big),
        Err(crate::ExtractError::TooLarge { .. })
    ));
    assert!(matches!(
        parse(Path::new("Gemfile.lock"), "{}"),
        Err(crate::ExtractError::UnknownFile { .. })
    ));
    let err = parse(Path::new("package-lock.json"), "{\"lockfileVersion\": 99}").unwrap_err();
    assert!(err.to_string().contains("lockfileVersion 99"), "{err}");
}

#[test]
fn dependency_paths_bounded_and_cycle_safe() {
    // a -> b -> c -> b (cycle); a -> c: c has two paths, the shorter first.
    let text = r#"{"lockfileVersion": 3, "packages": {
      "": {"name": "app", "dependencies": {"a": "1"}},
      "node_modules/a": {"version": "1.0.0", "dependencies": {"b": "1", "c": "1"}},
      "node_modules/b": {"version": "1.0.0", "dependencies": {"c": "1"}},
      "node_modules/c": {"version": "1.0.0", "dependencies": {"b": "1"}}
    }}"#;
    let lock = parse(Path::new("package-lock.json"), text).unwrap();
    let paths = dependency_paths(&lock, 2);
    let c = &paths[&("c".to_owned(), "1.0.0".to_owned())];
    assert_eq!(c[0], ["app", "a", "c@1.0.0"]);
    assert_eq!(c[1], ["app", "a", "b", "c@1.0.0"]);
    assert_eq!(
        dependency_paths(&lock, 1)[&("b".to_owned(), "1.0.0".to_owned())].len(),
        1
    );
    assert!(dependency_paths(&lock, 0).is_empty());
    assert_eq!(lock.package("node_modules/a").unwrap().line, 3);
}

/// Every format that records platform constraints keeps them for `platform`'s two optional
/// packages: `fsevents` (os darwin) and `@esbuild/linux-arm64` (os linux, cpu arm64).
#[test]
fn platform_constraints_recorded() {
    for format in [
        "package-lock-v2",
        "package-lock-v3",
        "npm-shrinkwrap",
        "pnpm-v6",
        "pnpm-v9",
        "bun",
        "yarn-berry",
    ] {
        let dir = testdata().join(format).join("platform");
        let path = LOCKFILE_NAMES
            .iter()
            .map(|n| dir.join(n))
            .find(|p| p.is_file())
            .unwrap();
        let lock = load(&path);
        let find = |name: &str| {
            lock.packages
                .iter()
                .find(|p| p.name == name)
                .unwrap_or_else(|| panic!("{format}: no {name}"))
        };
        let fsevents = find("fsevents");
        assert_eq!(fsevents.os, ["darwin"], "{format}");
        assert!(fsevents.cpu.is_empty(), "{format}");
        let esbuild = find("@esbuild/linux-arm64");
        assert_eq!(
            (&esbuild.os[..], &esbuild.cpu[..]),
            (&["linux".to_owned()][..], &["arm64".to_owned()][..]),
            "{format}"
        );
        let plain = find("is-number");
        assert!(plain.os.is_empty() && plain.cpu.is_empty(), "{format}");
        // Additive JSON: absent when empty.
        let json = serde_json::to_value(plain).unwrap();
        assert!(json.get("os").is_none() && json.get("cpu").is_none());
        assert_eq!(
            serde_json::to_value(fsevents).unwrap()["os"],
            serde_json::json!(["darwin"])
        );
    }
    // npm's libc, a single string where an array is expected, negations, hostile shapes.
    let text = r#"{"lockfileVersion": 3, "packages": {
      "": {"name": "app", "optionalDependencies": {"m": "1", "w": "1", "h": "1"}},
      "node_modules/m": {"version": "1.0.0", "os": ["linux"], "cpu": ["x64"], "libc": ["musl"], "optional": true},
      "node_modules/w": {"version": "1.0.0", "os": "!win32", "cpu": ["", "!ia32"], "optional": true},
      "node_modules/h": {"version": "1.0.0", "os": {"x": 1}, "cpu": [5, null]}
    }}"#;
    let lock = parse(Path::new("package-lock.json"), text).unwrap();
    let m = lock.package("node_modules/m").unwrap();
    assert_eq!(m.libc, ["musl"]);
    let w = lock.package("node_modules/w").unwrap();
    assert_eq!(
        (&w.os[..], &w.cpu[..]),
        (&["!win32".to_owned()][..], &["!ia32".to_owned()][..])
    );
    let h = lock.package("node_modules/h").unwrap();
    assert!(h.os.is_empty() && h.cpu.is_empty() && h.libc.is_empty());
    // npm's hasInstallScript is kept; absent, it is false (and left out of JSON).
    let text = r#"{"lockfileVersion": 3, "packages": {
      "": {"name": "app", "optionalDependencies": {"s": "1", "n": "1"}},
      "node_modules/s": {"version": "1.0.0", "os": ["darwin"], "hasInstallScript": true, "optional": true},
      "node_modules/n": {"version": "1.0.0", "os": ["darwin"], "optional": true}
    }}"#;
    let lock = parse(Path::new("package-lock.json"), text).unwrap();
    assert!(lock.package("node_modules/s").unwrap().has_install_script);
    let n = lock.package("node_modules/n").unwrap();
    assert!(!n.has_install_script);
    assert!(
        serde_json::to_value(n)
            .unwrap()
            .get("has_install_script")
            .is_none()
    );
    // Formats without the fields: nothing invented.
    for format in ["package-lock-v1", "yarn-v1"] {
        let dir = testdata().join(format).join("platform");
        let path = LOCKFILE_NAMES
            .iter()
            .map(|n| dir.join(n))
            .find(|p| p.is_file())
            .unwrap();
        assert!(
            load(&path)
                .packages
                .iter()
                .all(|p| p.os.is_empty() && p.cpu.is_empty())
        );
    }
}

#[test]
fn detect_lists_lockfiles_then_manifest() {
    let dir = testdata().join("package-lock-v3").join("alias");
    let found: Vec<String> = crate::detect(&dir)
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(found, ["package-lock.json", "package.json"]);
}

#[test]
fn manifest_fields_and_lines() {
    let text = "{\n  \"name\": \"app\",\n  \"dependencies\": {\n    \"x\": \"github:u/r\",\n    \"n\": 5\n  },\n  \"devDependencies\": {\"y\": \"^1\"},\n  \"workspaces\": {\"packages\": [\"packages/*\"]}\n}";
    let m = parse_manifest("package.json", text).unwrap();
    assert_eq!(m.spec_of("x"), Some("github:u/r"));
    assert_eq!(m.spec_of("n"), None);
    assert_eq!(m.lines[&("dependencies".to_owned(), "x".to_owned())], 4);
    assert_eq!(m.workspaces, ["packages/*"]);
    assert_eq!(m.all_dependencies().filter(|d| d.2).count(), 1);
    assert!(
        parse_manifest("package.json", "{\n\"a\": }")
            .unwrap_err()
            .line()
            .is_some()
    );
}
