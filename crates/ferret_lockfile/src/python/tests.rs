//! Table tests over the Python testdata (`testdata/{requirements,poetry,uv,pipfile,pylock,
//! pyproject}/<case>/`): each file is read the way the project scanner does (includes followed,
//! poetry.lock with its pyproject.toml attached) and snapshotted with line numbers, plus the
//! requirements, indexes and notes Python adds.
#![expect(clippy::unwrap_used, reason = "tests")]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::{
    classify_python_spec, is_pylock_name, is_requirements_name, normalize_name, pinned_version,
    redact_url,
};
use crate::{Lockfile, SpecKind, parse};

const FORMATS: [&str; 6] = [
    "requirements",
    "poetry",
    "uv",
    "pipfile",
    "pylock",
    "pyproject",
];

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

fn case_file(dir: &Path) -> Option<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    let name = |p: &PathBuf| p.file_name().unwrap().to_string_lossy().into_owned();
    for want in ["poetry.lock", "uv.lock", "Pipfile.lock", "requirements.txt"] {
        if let Some(p) = files.iter().find(|p| name(p) == want) {
            return Some(p.clone());
        }
    }
    files
        .iter()
        .find(|p| is_pylock_name(&name(p)) || is_requirements_name(&name(p)))
        .or_else(|| files.iter().find(|p| name(p) == "pyproject.toml"))
        .cloned()
}

fn render(lock: &Lockfile) -> String {
    let mut s = crate::tests::render(lock);
    for r in &lock.requirements {
        let mut flags = String::new();
        for (on, f) in [(r.editable, " editable"), (r.constraint, " constraint")] {
            if on {
                flags.push_str(f);
            }
        }
        if let Some(g) = &r.group {
            write!(flags, " group={g}").unwrap();
        }
        if let Some(p) = &r.pinned {
            write!(flags, " pinned={p}").unwrap();
        }
        if !r.extras.is_empty() {
            write!(flags, " extras={}", r.extras.join(",")).unwrap();
        }
        if let Some(m) = &r.markers {
            write!(flags, " markers=({m})").unwrap();
        }
        if !r.hashes.is_empty() {
            write!(flags, " hashes={}", r.hashes.len()).unwrap();
        }
        let kind = match &r.kind {
            SpecKind::Registry { .. } => "registry",
            SpecKind::Git { .. } => "git",
            SpecKind::Http { .. } => "http",
            SpecKind::File { .. } => "file",
            _ => "other",
        };
        writeln!(
            s,
            "req {}:{} {} `{}` [{kind}]{flags}",
            r.file, r.line, r.name, r.spec
        )
        .unwrap();
    }
    for p in lock.packages.iter().filter(|p| !p.hashes.is_empty()) {
        writeln!(s, "hashes {}: {}", p.id, p.hashes.len()).unwrap();
    }
    for i in &lock.indexes {
        writeln!(
            s,
            "index {:?} {} {} {}:{}",
            i.kind,
            i.url,
            i.name.as_deref().unwrap_or("-"),
            i.file,
            i.line
        )
        .unwrap();
    }
    for i in &lock.includes {
        writeln!(s, "include {i}").unwrap();
    }
    for n in &lock.notes {
        writeln!(s, "note {n}").unwrap();
    }
    s
}

/// Reads a case as the project scanner does; paths in the result are relative to the case.
fn load(path: &Path) -> Lockfile {
    let dir = path.parent().unwrap();
    let name = path.file_name().unwrap();
    // Relative paths, so snapshots do not depend on the checkout location.
    let text = std::fs::read_to_string(path).unwrap();
    let mut lock = if is_requirements_name(&name.to_string_lossy()) {
        let mut lock = super::parse_requirements(Path::new(name), &text, &mut |p| {
            std::fs::read_to_string(dir.join(p)).ok()
        })
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        lock.finish();
        lock
    } else {
        parse(Path::new(name), &text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    };
    let pyproject = dir.join("pyproject.toml");
    if name != "pyproject.toml" && pyproject.is_file() && lock.root.direct.is_empty() {
        let pp = parse(
            Path::new("pyproject.toml"),
            &std::fs::read_to_string(&pyproject).unwrap(),
        )
        .unwrap();
        lock.attach_pyproject(&pp);
    }
    lock
}

#[test]
fn python_extractors_over_client_testdata() {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_snapshot_path(testdata().join("snapshots"));
    let mut n = 0;
    settings.bind(|| {
        for format in FORMATS {
            let mut cases: Vec<PathBuf> = std::fs::read_dir(testdata().join(format))
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.is_dir())
                .collect();
            cases.sort();
            for case in cases {
                let cname = case.file_name().unwrap().to_string_lossy().into_owned();
                let Some(file) = case_file(&case) else {
                    continue;
                };
                n += 1;
                if cname.starts_with("not-") {
                    let text = std::fs::read_to_string(&file).unwrap();
                    let err = parse(Path::new(file.file_name().unwrap()), &text)
                        .expect_err(&format!("{format}/{cname} must fail"));
                    assert!(
                        err.line().is_some(),
                        "{format}/{cname}: error without a line: {err}"
                    );
                    insta::assert_snapshot!(format!("{format}__{cname}"), err.to_string());
                } else {
                    insta::assert_snapshot!(format!("{format}__{cname}"), render(&load(&file)));
                }
            }
        }
    });
    assert!(n >= 20, "python testdata missing: {n}");
}

#[test]
fn names_specs_and_urls() {
    assert_eq!(normalize_name("Zope.Interface"), "zope-interface");
    assert_eq!(normalize_name("charset_normalizer"), "charset-normalizer");
    assert_eq!(normalize_name("a-_.-b"), "a-b");
    assert_eq!(normalize_name("PyYAML"), "pyyaml");
    assert_eq!(
        redact_url("https://user:tok@pkgs.example.invalid/simple"),
        "https://***@pkgs.example.invalid/simple"
    );
    assert_eq!(
        redact_url("https://pypi.org/simple?x=a@b"),
        "https://pypi.org/simple?x=a@b"
    );
    let kind = |s: &str| match classify_python_spec(s) {
        SpecKind::Registry { .. } => "registry",
        SpecKind::Git { .. } => "git",
        SpecKind::Http { .. } => "http",
        SpecKind::File { .. } => "file",
        _ => "other",
    };
    for (spec, want) in [
        ("==1.0", "registry"),
        (">=1,<2", "registry"),
        ("^1.2", "registry"),
        ("", "registry"),
        ("git+https://github.com/u/r.git@v1#egg=r", "git"),
        ("git+ssh://git@github.com/u/r", "git"),
        ("hg+https://hg.example.invalid/r", "other"),
        ("svn+https://svn.example.invalid/r", "other"),
        ("https://example.invalid/x-1.0.tar.gz", "http"),
        ("https://github.com/u/r.git", "git"),
        ("file:///tmp/x", "file"),
        ("./local", "file"),
        ("..", "file"),
    ] {
        assert_eq!(kind(spec), want, "{spec}");
    }
    assert_eq!(pinned_version("==2.32.3").as_deref(), Some("2.32.3"));
    assert_eq!(pinned_version("===1.0+local").as_deref(), Some("1.0+local"));
    assert_eq!(pinned_version("==2.*"), None);
    assert_eq!(pinned_version(">=1"), None);
    assert_eq!(pinned_version("==1,!=1.1"), None);
    for (n, want) in [
        ("requirements.txt", true),
        ("requirements-dev.txt", true),
        ("dev-requirements.txt", true),
        ("requirements.in", true),
        ("constraints.txt", true),
        ("notes.txt", false),
        ("requirements.txt.bak", false),
    ] {
        assert_eq!(is_requirements_name(n), want, "{n}");
    }
    assert!(is_pylock_name("pylock.toml") && is_pylock_name("pylock.dev.toml"));
    assert!(!is_pylock_name("pylock..toml") && !is_pylock_name("poetry.toml"));
    for (url, want) in [
        (
            "https://x.invalid/a/six-1.16.0-py2.py3-none-any.whl",
            Some("six"),
        ),
        ("https://x.invalid/tarpkg-2.0.tar.gz", Some("tarpkg")),
        ("https://x.invalid/my-pkg-2.0.zip", Some("my-pkg")),
        (
            "git+https://x.invalid/r.git#egg=Edit_Pkg[extra]",
            Some("Edit_Pkg"),
        ),
        ("./local/editable_pkg", Some("editable_pkg")),
        (".", None),
        ("git+https://x.invalid/r.git", None),
    ] {
        assert_eq!(
            super::requirements::name_from_url(url).as_deref(),
            want,
            "{url}"
        );
    }
}

#[test]
fn requirements_include_cycle_and_bounds() {
    // a includes b includes a: each read once, the cycle noted.
    let mut reads = 0;
    let lock = super::parse_requirements(
        Path::new("a/requirements.txt"),
        "-r b.txt\nx==1\n",
        &mut |p| {
            reads += 1;
            (p == Path::new("a/b.txt")).then(|| "-r requirements.txt\ny==2\n".to_owned())
        },
    )
    .unwrap();
    assert_eq!(reads, 1);
    assert_eq!(lock.includes, ["a/b.txt"]);
    assert!(
        lock.notes.iter().any(|n| n.contains("already read")),
        "{:?}",
        lock.notes
    );
    let names: Vec<&str> = lock.packages.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["y", "x"]);
    // A chain of includes longer than the file budget stops there, without error.
    let mut served = 0;
    let lock = super::parse_requirements(Path::new("r0.txt"), "-r r1.txt\n", &mut |p| {
        served += 1;
        let n: usize = p
            .to_string_lossy()
            .trim_start_matches('r')
            .trim_end_matches(".txt")
            .parse()
            .unwrap();
        Some(format!("-r r{}.txt\npkg{n}==1\n", n + 1))
    })
    .unwrap();
    assert!(served <= super::MAX_INCLUDED_FILES, "{served}");
    assert!(
        lock.notes
            .iter()
            .any(|n| n.contains("too many or too deep"))
    );
}

#[test]
fn python_hostile_inputs_error_never_panic() {
    let deep = format!("a = {}{}", "[".repeat(100_000), "]".repeat(100_000));
    let deep_inline = format!("a = {}{}", "{b = ".repeat(50_000), "}".repeat(50_000));
    let inputs = [
        String::new(),
        "\u{feff}".to_owned(),
        "null".to_owned(),
        deep,
        deep_inline,
        "version = 1\n[[package]]\nname = 3\n".to_owned(),
        "version = 1\npackage = 7\n".to_owned(),
        "lock-version = \"1.0\"\npackages = [1, \"x\", {name = 2}]\n".to_owned(),
        "[metadata]\nlock-version = \"2.1\"\n[[package]]\nname = \"a\"\nfiles = 3\n[package.dependencies]\nb = {}\n".to_owned(),
        "{\"_meta\": {\"sources\": 3}, \"default\": {\"a\": 4}}".to_owned(),
        "{\"_meta\": {}, \"default\": {\"a\": {\"git\": 1, \"hashes\": [2]}}}".to_owned(),
        "[project]\ndependencies = [1, \"\", \"@@\", \"a @\"]\noptional-dependencies = 3\n".to_owned(),
        "[tool.poetry.dependencies]\na = [1]\nb = {git = 2}\n".to_owned(),
        "-r\n-e\n--hash\n\\\n".to_owned(),
        "a==1 --hash\n".to_owned(),
        "é==1\n".to_owned(),
    ];
    for name in [
        "poetry.lock",
        "uv.lock",
        "Pipfile.lock",
        "pylock.toml",
        "pyproject.toml",
        "requirements.txt",
    ] {
        for input in &inputs {
            // Ok or Err are both fine; a panic (or a stack overflow) fails the test.
            let _ = parse(Path::new(name), input);
        }
    }
    let err = parse(Path::new("uv.lock"), "version = 2\n").unwrap_err();
    assert!(err.to_string().contains("uv.lock version 2"), "{err}");
    let err = parse(Path::new("requirements.txt"), "ok==1\n-r\n").unwrap_err();
    assert_eq!(err.line(), Some(2));
}

#[test]
fn detect_python_lists_project_files() {
    let dir = testdata().join("uv").join("dev");
    let found: Vec<String> = super::detect_python(&dir)
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(found, ["uv.lock", "pyproject.toml"]);
    // npm's detect stays npm-only.
    assert!(crate::detect(&dir).is_empty());
}
