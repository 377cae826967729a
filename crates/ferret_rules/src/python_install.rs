//! Python distributions: the manifest rules see, and the code that runs at install time.
//!
//! **Manifest.** A Python distribution has no `package.json`; its identity is the core
//! metadata (`PKG-INFO` in an sdist, `*.dist-info/METADATA` in a wheel), falling back to
//! `pyproject.toml`'s `[project]` table for a source tree. [`read_manifest`] normalises it
//! into one JSON object in [`PackageFacts::manifest`](ferret_core::PackageFacts), so rules
//! read Python packages the way they read npm ones:
//!
//! ```json
//! { "name": "demo", "version": "1.0", "format": "sdist" | "wheel" | "source",
//!   "metadata_file": "PKG-INFO", "summary": "…", "requires_python": ">=3.8",
//!   "requires_dist": ["requests>=2"], "author": "…", "author_email": "…",
//!   "maintainer": "…", "home_page": "…", "license": "…",
//!   "project_urls": { "Source": "https://…" },
//!   "build_system": { "build-backend": "…", "backend-path": ["…"], "requires": ["…"] },
//!   "entry_points": { "console_scripts": { "demo": "demo.cli:main" } } }
//! ```
//! Absent fields are left out.
//!
//! **Install time** ([`install_hooks`]), recorded as [`InstallScript`]s so the existing
//! `install-script` rule reports them and the verdict weighs their code as install-time:
//! - `setup.py` of an sdist or source tree: pip runs it to build (top-level code and every
//!   `cmdclass` override, whose names the hook's command lists). A wheel's `setup.py` is not
//!   run and is not a hook.
//! - a build backend named in `[build-system]` with `backend-path` (an in-tree backend: the
//!   package's own code runs as the build) — hook `build-backend`; well-known backends from
//!   PyPI are not hooks. `hatch_build.py` (hatchling's custom build hook) likewise.
//! - `.pth` files at the top of a wheel (installed into `site-packages`): every line starting
//!   with `import` runs at **every** interpreter start — hook `pth`. Those lines are
//!   analysed as Python ([`analyse_pth`]), so their calls and strings are facts like any
//!   other code.
//!
//! Files the hooks run, and the package modules they import (absolute imports resolved
//! against the package's own top-level packages, relative imports against the file), are
//! marked install-time by [`mark_install_time`]. A package's `__init__.py` top-level code
//! runs on import; rules see that through [`CallFact::top_level`](ferret_core::CallFact).

use crate::engine::file_start;
use ferret_core::{FileFacts, FileKind, InstallScript};
use ferret_source::{CoreMetadata, PackageTree, dist_info_dir, entry_points};
use serde_json::{Map, Value, json};
use std::collections::{BTreeSet, VecDeque};

/// Build backends installed from PyPI; naming one runs no code from the package itself
/// (setuptools runs `setup.py`, which is its own hook).
const KNOWN_BACKENDS: &[&str] = &[
    "setuptools.build_meta",
    "setuptools.build_meta:__legacy__",
    "hatchling.build",
    "flit_core.buildapi",
    "flit.buildapi",
    "poetry.core.masonry.api",
    "poetry.masonry.api",
    "pdm.backend",
    "pdm.pep517.api",
    "maturin",
    "scikit_build_core.build",
    "mesonpy",
    "sipbuild.api",
    "whey",
    "uv_build",
    "enscons.api",
    "pbr.build",
];

/// Longest `.pth` file analysed; real ones (`distutils-precedence.pth`, namespace-package
/// shims) are one or two lines.
const MAX_PTH_BYTES: usize = 64 * 1024;

/// The normalised manifest (see the module docs), or why there is none.
pub fn read_manifest(tree: &PackageTree) -> (Option<Value>, Option<String>) {
    let mut m = Map::new();
    let wheel = dist_info_dir(tree).is_some();
    let format = if wheel {
        "wheel"
    } else if tree.file("PKG-INFO").is_some() {
        "sdist"
    } else {
        "source"
    };
    m.insert("format".into(), json!(format));
    if let Some(meta) = CoreMetadata::from_tree(tree) {
        m.insert("metadata_file".into(), json!(meta.path));
        let fields = [
            ("name", &meta.name),
            ("version", &meta.version),
            ("summary", &meta.summary),
            ("requires_python", &meta.requires_python),
            ("author", &meta.author),
            ("author_email", &meta.author_email),
            ("maintainer", &meta.maintainer),
            ("home_page", &meta.home_page),
            ("license", &meta.license),
        ];
        for (k, v) in fields {
            if let Some(v) = v {
                m.insert(k.into(), json!(v));
            }
        }
        if !meta.requires_dist.is_empty() {
            m.insert("requires_dist".into(), json!(meta.requires_dist));
        }
        if !meta.project_urls.is_empty() {
            let urls: Map<String, Value> = meta
                .project_urls
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect();
            m.insert("project_urls".into(), Value::Object(urls));
        }
    }
    if let Some(py) = tree.file("pyproject.toml") {
        let text = String::from_utf8_lossy(&py.data);
        let build = toml_table(&text, "build-system");
        if !build.is_empty() {
            m.insert("build_system".into(), Value::Object(build));
        }
        let project = toml_table(&text, "project");
        for key in ["name", "version"] {
            if !m.contains_key(key)
                && let Some(v) = project.get(key).filter(|v| v.is_string())
            {
                m.insert(key.into(), v.clone());
            }
        }
    }
    if let Some(dir) = dist_info_dir(tree)
        && let Some(f) = tree.file(&format!("{dir}/entry_points.txt"))
    {
        let mut groups: Map<String, Value> = Map::new();
        for ep in entry_points(&f.data) {
            let group = groups
                .entry(ep.group)
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(g) = group {
                g.insert(ep.name, json!(ep.target));
            }
        }
        m.insert("entry_points".into(), Value::Object(groups));
    }
    let error = if m.contains_key("name") {
        None
    } else {
        Some("the distribution has no PKG-INFO, METADATA or [project] name".to_owned())
    };
    (Some(Value::Object(m)), error)
}

/// The keys of one TOML table that hold a string or an array of strings (multi-line arrays
/// included). A deliberately small reader: the manifest needs a handful of keys, and a file
/// this reader misunderstands only loses those keys.
fn toml_table(text: &str, table: &str) -> Map<String, Value> {
    let mut out = Map::new();
    let mut inside = false;
    let mut pending: Option<(String, String)> = None;
    for line in text.lines().take(10_000) {
        let line = strip_comment(line).trim().to_owned();
        if let Some((key, mut acc)) = pending.take() {
            acc.push_str(&line);
            if line.contains(']') {
                out.insert(key, Value::Array(toml_strings(&acc)));
            } else {
                pending = Some((key, acc));
            }
            continue;
        }
        if line.starts_with('[') {
            inside = line.trim_start_matches('[').trim_end_matches(']').trim() == table;
            continue;
        }
        if !inside {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let key = k.trim().trim_matches('"').to_owned();
        let v = v.trim();
        if v.starts_with('[') {
            if v.contains(']') {
                out.insert(key, Value::Array(toml_strings(v)));
            } else {
                pending = Some((key, v.to_owned()));
            }
        } else if let Some(s) = toml_strings(v).into_iter().next() {
            out.insert(key, s);
        }
    }
    out
}

fn strip_comment(line: &str) -> &str {
    let mut quote = None;
    for (i, c) in line.char_indices() {
        match (c, quote) {
            ('"' | '\'', None) => quote = Some(c),
            (c, Some(q)) if c == q => quote = None,
            ('#', None) => return &line[..i],
            _ => {}
        }
    }
    line
}

/// Every quoted string in `s`, in order.
fn toml_strings(s: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut chars = s.chars();
    while let Some(c) = chars.by_ref().find(|c| *c == '"' || *c == '\'') {
        let v: String = chars.by_ref().take_while(|x| *x != c).collect();
        out.push(json!(v));
    }
    out
}

/// The install-time hooks of a Python distribution (see the module docs).
pub fn install_hooks(tree: &PackageTree, manifest: Option<&Value>) -> Vec<InstallScript> {
    let mut hooks = Vec::new();
    let wheel = manifest
        .and_then(|m| m.get("format"))
        .and_then(Value::as_str)
        == Some("wheel");
    if !wheel && let Some(setup) = tree.file("setup.py") {
        let text = String::from_utf8_lossy(&setup.data);
        let overrides = cmdclass_overrides(&text);
        let command = if overrides.is_empty() {
            "python setup.py (pip builds the sdist with it)".to_owned()
        } else {
            format!(
                "python setup.py (pip builds the sdist with it; cmdclass overrides: {})",
                overrides.join(", ")
            )
        };
        hooks.push(hook(
            "setup.py",
            command,
            vec!["setup.py".into()],
            "setup.py",
        ));
    }
    if !wheel {
        if let Some(build) = manifest.and_then(|m| m.get("build_system")) {
            in_tree_backend(tree, build, &mut hooks);
        }
        if tree.file("hatch_build.py").is_some() {
            hooks.push(hook(
                "build-hook",
                "hatchling runs hatch_build.py as a custom build hook".to_owned(),
                vec!["hatch_build.py".into()],
                "hatch_build.py",
            ));
        }
    }
    for f in &tree.files {
        // Only top-level `.pth` files land in site-packages (a wheel's root is its
        // purelib/platlib; `*.data/purelib/x.pth` lands there too).
        let top = !f.path.contains('/')
            || f.path.split_once(".data/").is_some_and(|(_, rest)| {
                rest.matches('/').count() == 1
                    && (rest.starts_with("purelib/") || rest.starts_with("platlib/"))
            });
        if !top || !f.path.to_ascii_lowercase().ends_with(".pth") {
            continue;
        }
        let text = String::from_utf8_lossy(&f.data[..f.data.len().min(MAX_PTH_BYTES)]);
        for (i, line) in text.lines().enumerate() {
            if is_pth_exec_line(line) {
                let mut h = hook("pth", line.trim().to_owned(), vec![f.path.clone()], &f.path);
                if let Some(loc) = &mut h.location {
                    loc.line = u32::try_from(i + 1).unwrap_or(u32::MAX);
                }
                hooks.push(h);
            }
        }
    }
    hooks
}

/// site.py executes a `.pth` line that starts with `import` followed by a space or tab.
fn is_pth_exec_line(line: &str) -> bool {
    line.starts_with("import ") || line.starts_with("import\t")
}

fn hook(name: &str, command: String, runs: Vec<String>, at: &str) -> InstallScript {
    InstallScript {
        hook: name.to_owned(),
        commands: vec![command.split_whitespace().map(str::to_owned).collect()],
        command,
        runs_files: runs,
        location: Some(file_start(at)),
    }
}

/// `cmdclass` keys (`install`, `develop`, `egg_info`, `build_py`, …) named in `setup.py`.
fn cmdclass_overrides(text: &str) -> Vec<String> {
    let Some(at) = text.find("cmdclass") else {
        return Vec::new();
    };
    let rest = &text[at..text.len().min(at + 2048)];
    let mut out: Vec<String> = [
        "install",
        "develop",
        "egg_info",
        "build_py",
        "build_ext",
        "build",
        "sdist",
        "bdist_wheel",
        "install_lib",
        "install_scripts",
        "easy_install",
    ]
    .iter()
    .filter(|k| {
        rest.contains(&format!("'{k}'"))
            || rest.contains(&format!("\"{k}\""))
            || rest.contains(&format!("{k}="))
    })
    .map(|k| (*k).to_owned())
    .collect();
    if out.is_empty() {
        out.push("cmdclass".to_owned());
    }
    out
}

fn in_tree_backend(tree: &PackageTree, build: &Value, hooks: &mut Vec<InstallScript>) {
    let Some(backend) = build.get("build-backend").and_then(Value::as_str) else {
        return;
    };
    let paths: Vec<&str> = build
        .get("backend-path")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if paths.is_empty() && KNOWN_BACKENDS.contains(&backend) {
        return;
    }
    if paths.is_empty() {
        // An unknown backend from PyPI is a dependency, judged when it is scanned.
        return;
    }
    let module = backend
        .split(':')
        .next()
        .unwrap_or(backend)
        .replace('.', "/");
    let mut runs = Vec::new();
    for dir in &paths {
        let dir = dir.trim_start_matches("./").trim_end_matches('/');
        let base = if dir.is_empty() || dir == "." {
            module.clone()
        } else {
            format!("{dir}/{module}")
        };
        for cand in [format!("{base}.py"), format!("{base}/__init__.py")] {
            if tree.file(&cand).is_some() {
                runs.push(cand);
            }
        }
    }
    hooks.push(hook(
        "build-backend",
        format!(
            "in-tree build backend `{backend}` (backend-path {}): the package's own code builds it",
            paths.join(", ")
        ),
        runs,
        "pyproject.toml",
    ));
}

/// Re-analyses `.pth` files that execute lines: their `import` lines become Python facts on
/// the `.pth` file (kind Python), so behaviour rules read them like a module.
pub fn analyse_pth(files: &mut [FileFacts], tree: &PackageTree, hooks: &[InstallScript]) {
    let pth: BTreeSet<&str> = hooks
        .iter()
        .filter(|h| h.hook == "pth")
        .flat_map(|h| h.runs_files.iter().map(String::as_str))
        .collect();
    if pth.is_empty() {
        return;
    }
    let mut analyzer = ferret_python::Analyzer::new();
    for file in files.iter_mut().filter(|f| pth.contains(f.path.as_str())) {
        let Some(tf) = tree.file(&file.path) else {
            continue;
        };
        let text = String::from_utf8_lossy(&tf.data[..tf.data.len().min(MAX_PTH_BYTES)]);
        // Non-executed lines (paths) are blanked, keeping line numbers and offsets.
        let source: String = text
            .lines()
            .map(|l| {
                if is_pth_exec_line(l) {
                    l.to_owned()
                } else {
                    String::new()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        let mut facts = analyzer.analyze(&file.path, &source);
        facts.signals = crate::detect::text::text_signals(&file.path, &source);
        facts.kind = FileKind::Python;
        facts.size = file.size;
        facts.uses.append(&mut file.uses);
        *file = facts;
    }
}

/// Marks the files the hooks run, and the package modules they import, as install-time.
/// Returns the paths marked.
pub fn mark_install_time(
    files: &mut [FileFacts],
    hooks: &[InstallScript],
    paths: &BTreeSet<String>,
) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut queue: VecDeque<String> = hooks
        .iter()
        .flat_map(|h| h.runs_files.iter().cloned())
        .collect();
    while let Some(path) = queue.pop_front() {
        if seen.len() > 10_000 || !seen.insert(path.clone()) {
            continue;
        }
        let Ok(i) = files.binary_search_by(|f| f.path.as_str().cmp(&path)) else {
            continue;
        };
        for import in &files[i].imports {
            let Some(spec) = import.specifier.as_deref() else {
                continue;
            };
            if let Some(target) = resolve_module(&path, spec, paths)
                && !seen.contains(&target)
            {
                queue.push_back(target);
            }
        }
    }
    for file in files.iter_mut() {
        if seen.contains(&file.path) {
            file.install_time = true;
            for u in &mut file.uses {
                u.install_time = true;
            }
        }
    }
    seen
}

/// The package file a Python import names: `a.b` → `a/b.py` or `a/b/__init__.py` (also
/// under `src/`), `.x` → a sibling of the importing file.
fn resolve_module(from: &str, spec: &str, paths: &BTreeSet<String>) -> Option<String> {
    let dots = spec.chars().take_while(|c| *c == '.').count();
    let module = &spec[dots..];
    let mut bases: Vec<String> = Vec::new();
    if dots > 0 {
        let mut dir: Vec<&str> = from.split('/').collect();
        dir.pop();
        for _ in 1..dots {
            dir.pop()?;
        }
        bases.push(dir.join("/"));
    } else {
        bases.push(String::new());
        bases.push("src".to_owned());
    }
    let rel = module.replace('.', "/");
    for base in bases {
        let stem = match (base.is_empty(), rel.is_empty()) {
            (true, _) => rel.clone(),
            (false, true) => base.clone(),
            (false, false) => format!("{base}/{rel}"),
        };
        if stem.is_empty() {
            continue;
        }
        for cand in [format!("{stem}.py"), format!("{stem}/__init__.py")] {
            if paths.contains(&cand) {
                return Some(cand);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferret_core::ParseStatus;

    fn tree(files: &[(&str, &str)]) -> PackageTree {
        ferret_source::from_files(
            "t",
            files
                .iter()
                .map(|(p, d)| ((*p).to_owned(), d.as_bytes().to_vec()))
                .collect(),
        )
    }

    #[test]
    fn sdist_manifest_and_setup_hook() {
        let t = tree(&[
            (
                "PKG-INFO",
                "Metadata-Version: 2.1\nName: Demo\nVersion: 1.0\nRequires-Dist: requests\n",
            ),
            (
                "setup.py",
                "from setuptools import setup\nfrom setuptools.command.install import install\nclass I(install):\n    def run(self): pass\nsetup(cmdclass={'install': I})\n",
            ),
            (
                "pyproject.toml",
                "[build-system]\nrequires = [\n  \"setuptools>=61\", # c\n  \"wheel\"]\nbuild-backend = \"setuptools.build_meta\"\n",
            ),
        ]);
        let (m, err) = read_manifest(&t);
        let m = m.unwrap();
        assert_eq!(err, None);
        assert_eq!(m["name"], "Demo");
        assert_eq!(m["format"], "sdist");
        assert_eq!(m["requires_dist"][0], "requests");
        assert_eq!(m["build_system"]["requires"][1], "wheel");
        let hooks = install_hooks(&t, Some(&m));
        assert_eq!(hooks.len(), 1, "{hooks:?}");
        assert_eq!(hooks[0].hook, "setup.py");
        assert!(hooks[0].command.contains("cmdclass overrides: install"));
    }

    #[test]
    fn in_tree_backend_is_a_hook_and_known_backends_are_not() {
        let t = tree(&[
            (
                "pyproject.toml",
                "[project]\nname = \"x\"\nversion = \"0.1\"\n[build-system]\nbuild-backend = \"backend\"\nbackend-path = [\"_build\"]\n",
            ),
            ("_build/backend.py", "import os\n"),
        ]);
        let (m, err) = read_manifest(&t);
        let m = m.unwrap();
        assert_eq!(err, None);
        assert_eq!(m["name"], "x");
        assert_eq!(m["format"], "source");
        let hooks = install_hooks(&t, Some(&m));
        assert_eq!(hooks.len(), 1);
        assert_eq!(hooks[0].hook, "build-backend");
        assert_eq!(hooks[0].runs_files, vec!["_build/backend.py".to_owned()]);

        let t = tree(&[(
            "pyproject.toml",
            "[build-system]\nbuild-backend = \"hatchling.build\"\n",
        )]);
        let (m, _) = read_manifest(&t);
        assert!(install_hooks(&t, m.as_ref()).is_empty());
    }

    #[test]
    fn pth_import_lines_are_hooks_in_wheels_and_setup_py_is_not() {
        let t = tree(&[
            ("demo-1.0.dist-info/METADATA", "Name: demo\nVersion: 1.0\n"),
            (
                "demo-1.0.dist-info/entry_points.txt",
                "[console_scripts]\nd = demo:main\n",
            ),
            ("demo.pth", "/some/path\nimport os; os.system('id')\n"),
            ("demo/nested.pth", "import os\n"),
            ("setup.py", "print(1)\n"),
        ]);
        let (m, _) = read_manifest(&t);
        let m = m.unwrap();
        assert_eq!(m["format"], "wheel");
        assert_eq!(m["entry_points"]["console_scripts"]["d"], "demo:main");
        let hooks = install_hooks(&t, Some(&m));
        assert_eq!(hooks.len(), 1, "{hooks:?}");
        assert_eq!(hooks[0].hook, "pth");
        assert_eq!(hooks[0].location.as_ref().unwrap().line, 2);
    }

    #[test]
    fn imports_resolve_to_package_modules() {
        let paths: BTreeSet<String> = ["pkg/__init__.py", "pkg/util.py", "src/lib2/__init__.py"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        assert_eq!(
            resolve_module("setup.py", "pkg.util", &paths).as_deref(),
            Some("pkg/util.py")
        );
        assert_eq!(
            resolve_module("setup.py", "pkg", &paths).as_deref(),
            Some("pkg/__init__.py")
        );
        assert_eq!(
            resolve_module("setup.py", "lib2", &paths).as_deref(),
            Some("src/lib2/__init__.py")
        );
        assert_eq!(
            resolve_module("pkg/__init__.py", ".util", &paths).as_deref(),
            Some("pkg/util.py")
        );
        assert_eq!(resolve_module("pkg/__init__.py", "os", &paths), None);
        assert_eq!(resolve_module("x.py", "...up", &paths), None);
    }

    #[test]
    fn setup_py_and_what_it_imports_are_install_time() {
        let t = tree(&[
            ("PKG-INFO", "Name: d\nVersion: 1\n"),
            (
                "setup.py",
                "import helpers.net\nfrom setuptools import setup\nsetup()\n",
            ),
            ("helpers/__init__.py", ""),
            (
                "helpers/net.py",
                "import urllib.request\nurllib.request.urlopen('http://198.51.100.7/x')\n",
            ),
            ("other.py", "import socket\n"),
        ]);
        let facts = crate::engine::build_facts(&t, ferret_core::Ecosystem::PyPI);
        assert_eq!(facts.id.name, "d");
        assert!(facts.install_time_files.contains("setup.py"));
        assert!(facts.install_time_files.contains("helpers/net.py"));
        assert!(!facts.install_time_files.contains("other.py"));
        let net = facts.file("helpers/net.py").unwrap();
        assert!(net.install_time && net.uses.iter().all(|u| u.install_time));
        assert!(matches!(net.status, ParseStatus::Parsed));
    }

    #[test]
    fn record_disagreements_are_not_called_unextracted() {
        let mut t = tree(&[("d-1.dist-info/METADATA", "Name: d\nVersion: 1\n")]);
        t.issues.push(ferret_core::ArchiveIssue {
            path: "d/x.py".into(),
            kind: "record-hash-mismatch".into(),
            detail: "RECORD says sha256=a, the file is sha256=b".into(),
        });
        let facts = crate::engine::build_facts(&t, ferret_core::Ecosystem::PyPI);
        let errors = crate::engine::file_errors(&facts);
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0]
                .reason
                .starts_with("wheel RECORD check (record-hash-mismatch)"),
            "{}",
            errors[0].reason
        );
    }

    #[test]
    fn pth_code_is_analysed_as_install_time_python() {
        let t = tree(&[
            ("d-1.dist-info/METADATA", "Name: d\nVersion: 1\n"),
            ("evil.pth", "import subprocess; subprocess.Popen(['id'])\n"),
        ]);
        let facts = crate::engine::build_facts(&t, ferret_core::Ecosystem::PyPI);
        let f = facts.file("evil.pth").unwrap();
        assert_eq!(f.kind, FileKind::Python);
        assert!(f.install_time);
        assert!(
            f.uses
                .iter()
                .any(|u| u.capability == ferret_core::Capability::Shell && u.install_time)
        );
        assert!(facts.install_scripts.iter().any(|s| s.hook == "pth"));
    }
}

#[cfg(test)]
mod dump {
    #[test]
    #[ignore = "debug helper: dumps the facts and detections of the Python package in $FERRET_PY_DUMP"]
    fn dump_python_facts() {
        let dir = std::env::var("FERRET_PY_DUMP").unwrap();
        let tree = ferret_source::open_path(
            std::path::Path::new(&dir),
            &ferret_source::Limits::default(),
        )
        .unwrap();
        let facts = crate::engine::build_facts(&tree, ferret_core::Ecosystem::PyPI);
        for f in &facts.files {
            println!("FILE {} it={}", f.path, f.install_time);
            for u in &f.uses {
                println!(
                    "  USE {:?} {} {:?} {:?} it={}",
                    u.capability, u.api, u.kind, u.detail, u.install_time
                );
            }
            for c in &f.calls {
                println!(
                    "  CALL {} {:?} top={} scope={} src={:?}",
                    c.callee, c.args, c.top_level, c.scope, c.arg_sources
                );
            }
        }
        for d in crate::detect::behavior::detect(&facts) {
            println!("DETECT {:?} mal={} {}", d.technique, d.malicious, d.chain());
        }
    }
}
