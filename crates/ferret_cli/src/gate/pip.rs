//! `ferret pip install …`: what pip would install, found by pip's own resolver without
//! building anything, every file scanned, then pip runs — pinned to what was checked.
//!
//! Resolution: `pip install <the user's arguments> --dry-run --report <json>
//! --only-binary=:all:` in the user's environment. A dry run changes nothing. It runs
//! without `--ignore-installed`, so the report lists exactly what this command would add
//! or upgrade (with it, every requirement already satisfied would be listed and its pin
//! would make the real pip "upgrade" it to whatever the dry run picked). pip runs setup.py
//! or a build backend to learn an sdist's metadata, which would execute package code, so:
//! - `--only-binary=:all:` keeps the resolver on wheels;
//! - a release that only has an sdist (or is newer than the wheel pip chose, has no wheel
//!   and is allowed by every known specifier, so the real pip would build it) is
//!   downloaded with `ferret_registry` (sha256 checked) and its PKG-INFO read statically;
//!   a *stub wheel* carrying that metadata (Requires-Dist, Requires-Python, Provides-Extra)
//!   goes into a `--find-links` folder and the resolution runs again, so pip resolves the
//!   rest of the tree as it would; an sdist whose dependencies are `Dynamic` (only its
//!   build knows them) is refused;
//! - a guard `sitecustomize` on PYTHONPATH stops any further Python process pip would
//!   start during the resolution (a build backend, `setup.py egg_info`), and
//!   `--no-build-isolation` keeps pip from replacing that PYTHONPATH with a build
//!   environment's: local directories, VCS and URL requirements are refused before any of
//!   their code runs.
//!
//! The build requirements of the sdists pip will build (`build-system.requires`, which pip
//! installs into an isolated build environment and runs) are resolved the same way, as if
//! nothing were installed.
//!
//! Then every file of both reports is downloaded (sha256 from the report) and scanned; the
//! real `pip …` runs with the user's arguments unchanged and one addition to its
//! environment: `PIP_CONSTRAINT` names a file pinning each checked project to the checked
//! version (appended to the user's own constraints), so the install cannot pick a version
//! that was not scanned. The sdists pip then builds are the ones scanned here.
//!
//! Known gaps: requirements a build backend adds at build time
//! (`get_requires_for_build_wheel`) are not known without running it; a release newer
//! than the chosen wheel whose own wheels do not fit this interpreter is not considered
//! (the pin installs the checked, older one); pip fetches the files again (a compromised
//! index could swap them between the two fetches unless `--require-hashes` is used); scan
//! results are not cached yet.

use super::RealCommand;
use anyhow::{Context as _, Result, anyhow, bail};
use ferret_core::{Ecosystem, PackageReport, SCHEMA_VERSION, ScanError, ScanReport};
use ferret_registry::{PypiClient, PypiConfig, PypiFile, PypiVersion as Version, normalize_name};
use ferret_source::Limits;
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The environment variable that carries the pins to the real pip.
pub(super) const CONSTRAINT_ENV: &str = "PIP_CONSTRAINT";

/// Resolution passes at most (each adds stub wheels for sdists pip would build).
const MAX_PASSES: usize = 8;

/// sdists read per project for one pass at most (the newest ones).
const MAX_STUBS_PER_PROJECT: usize = 4;

/// Printed by the guard; its presence in pip's output means a build was attempted.
const GUARD_MARK: &str = "ferret-pip-gate: refused to start a Python process";

/// Runs in every Python interpreter started with our PYTHONPATH: the first one (pip) marks
/// the environment and leaves a proof that the guard is active (a sitecustomize that fails
/// is silently skipped by Python, so its absence stops the gate); any interpreter it
/// starts (a build) exits at once.
const GUARD: &str = r"import os, sys
if os.environ.get('FERRET_PIP_GATE_STARTED') == '1':
    sys.stderr.write('ferret-pip-gate: refused to start a Python process during resolution (it would build package code)\n')
    sys.stderr.flush()
    os._exit(86)
os.environ['FERRET_PIP_GATE_STARTED'] = '1'
open(os.environ['FERRET_PIP_GATE_PROOF'], 'w').close()
";

/// pip's options before the subcommand that take a value (so `pip --log f install x` is
/// recognised as an install).
const GLOBAL_WITH_VALUE: &[&str] = &[
    "--log",
    "--proxy",
    "--retries",
    "--timeout",
    "--exists-action",
    "--trusted-host",
    "--cert",
    "--client-cert",
    "--cache-dir",
    "--python",
    "--keyring-provider",
    "--use-feature",
    "--use-deprecated",
    "--log-file",
];

/// What was checked, and what the real pip needs to install exactly that.
pub(super) struct Checked {
    pub report: ScanReport,
    /// The value of `PIP_CONSTRAINT` for the real pip.
    pub constraint_env: OsString,
    /// Holds the pins file; must live until pip has finished.
    pub scratch: tempfile::TempDir,
}

/// `pip` on PATH, else `python3 -m pip`.
pub(super) fn real_pip() -> Result<RealCommand> {
    if let Some(pip) = super::find_on_path("pip") {
        return Ok(RealCommand::new(pip));
    }
    let python = super::find_on_path("python3")
        .or_else(|| super::find_on_path("python"))
        .context("cannot find `pip` or `python3` on PATH")?;
    let mut real = RealCommand::new(python);
    real.prefix = vec!["-m".into(), "pip".into()];
    Ok(real)
}

/// The subcommand: the first argument that is neither an option nor an option's value.
fn subcommand(args: &[String]) -> Option<&str> {
    let mut iter = args.iter();
    while let Some(a) = iter.next() {
        if GLOBAL_WITH_VALUE.contains(&a.as_str()) {
            iter.next();
        } else if !a.starts_with('-') {
            return Some(a);
        }
    }
    None
}

/// The index the user's arguments name (`-i URL`, `--index-url[=]URL`).
fn index_url(args: &[String]) -> Option<String> {
    let mut iter = args.iter();
    while let Some(a) = iter.next() {
        if a == "-i" || a == "--index-url" {
            return iter.next().cloned();
        }
        if let Some(v) = a.strip_prefix("--index-url=") {
            return Some(v.to_owned());
        }
        if let Some(v) = a.strip_prefix("-i").filter(|v| !v.is_empty()) {
            return Some(v.to_owned());
        }
    }
    None
}

/// A release pip would have to build, read statically.
struct Stub {
    name: String,
    version: String,
    file: PypiFile,
    bytes: Vec<u8>,
}

/// `None` when the command installs nothing (`pip list`, `pip --version`): it runs unchanged.
pub(super) fn check(real: &RealCommand, args: &[String], cwd: &Path) -> Result<Option<Checked>> {
    if subcommand(args) != Some("install") {
        return Ok(None);
    }
    let scratch = tempfile::Builder::new()
        .prefix("ferret-pip-gate-")
        .tempdir()
        .context("cannot create a temporary directory")?;
    let guard = scratch.path().join("guard");
    let stubs_dir = scratch.path().join("stubs");
    std::fs::create_dir_all(&guard).context("cannot create a temporary directory")?;
    std::fs::create_dir_all(&stubs_dir).context("cannot create a temporary directory")?;
    std::fs::write(guard.join("sitecustomize.py"), GUARD).context("cannot write the guard")?;
    let config = PypiConfig::discover(index_url(args).as_deref())
        .map_err(anyhow::Error::from)
        .context("cannot determine the package index")?;
    let client = PypiClient::new(config);
    let pre = args.iter().any(|a| a == "--pre");
    // The user's own format choices: with `--only-binary :all:` pip never builds (no
    // stubs); with `--prefer-binary` it takes an older wheel over a newer sdist (no
    // newer-sdist stubs); with `--no-binary` it may build the sdist of a version whose
    // wheel was resolved here, so that sdist is scanned too.
    let only_binary = args
        .windows(2)
        .any(|w| w[0] == "--only-binary" && w[1] == ":all:")
        || args.iter().any(|a| a == "--only-binary=:all:");
    let prefer_binary = only_binary || args.iter().any(|a| a == "--prefer-binary");
    let no_binary = args.iter().any(|a| a.starts_with("--no-binary"));

    let mut stubs: BTreeMap<(String, String), Stub> = BTreeMap::new();
    let mut items = None;
    for _ in 0..MAX_PASSES {
        let report_path = scratch.path().join("report.json");
        let _ = std::fs::remove_file(&report_path);
        let _ = std::fs::remove_file(guard.join("loaded"));
        let out = resolve(real, args, cwd, &guard, &stubs_dir, &report_path)?;
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        if !guard.join("loaded").is_file() {
            show(&out);
            bail!(
                "the build guard did not load in pip's interpreter ({}), so resolving could run package code; nothing was changed",
                real.program.display()
            );
        }
        if stderr.contains(GUARD_MARK) {
            show(&out);
            bail!(
                "pip would build a package from source to resolve `pip {}` (a local directory, a VCS or URL requirement, or an sdist it found outside the index): building runs its code, so ferret refuses; scan it with `ferret scan` and run pip yourself; nothing was changed",
                args.join(" ")
            );
        }
        if !out.status.success() && !only_binary {
            // A requirement without any wheel: read its sdists and try again.
            let missing: Vec<(String, String)> = stderr
                .lines()
                .filter_map(no_matching_distribution)
                .collect();
            let mut added = 0;
            for (name, spec) in &missing {
                match add_stubs(&client, name, &stubs_dir, &mut stubs, pre, |v| {
                    spec_allows(spec, v)
                }) {
                    Ok(n) => added += n,
                    Err(e) => {
                        show(&out);
                        return Err(e.context(format!(
                            "pip found no wheel for `{name}` and ferret cannot read its sdist; nothing was changed"
                        )));
                    }
                }
            }
            if added == 0 {
                show(&out);
                bail!(
                    "pip could not resolve `pip {}` ({}); nothing was changed",
                    args.join(" "),
                    out.status
                );
            }
            continue;
        }
        if !out.status.success() {
            show(&out);
            bail!(
                "pip could not resolve `pip {}` ({}); nothing was changed",
                args.join(" "),
                out.status
            );
        }
        let text = std::fs::read(&report_path).context("pip wrote no --report")?;
        let resolved = parse_report(&text)?;
        // A newer release with no wheel is what the real pip would build: offer it too.
        let mut added = 0;
        // Only versions every known specifier allows (the user's requirements and the
        // Requires-Dist of the resolved releases; markers ignored, which can only leave a
        // candidate out, and then the pins keep the checked version).
        let mut specs: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let operands = args.iter().skip_while(|a| *a != "install").skip(1);
        let requires = resolved.iter().flat_map(|i| i.requires.iter());
        for req in operands.chain(requires).filter(|a| !a.starts_with('-')) {
            if let Some((name, spec)) = split_requirement(req) {
                specs.entry(normalize_name(&name)).or_default().push(spec);
            }
        }
        for item in resolved.iter().filter(|_| !prefer_binary) {
            let Some(current) = Version::parse(&item.version) else {
                continue;
            };
            if item.url.starts_with("file:") && item.url.contains("/stubs/") {
                continue;
            }
            let known = specs.get(&normalize_name(&item.name));
            added += add_stubs(&client, &item.name, &stubs_dir, &mut stubs, pre, |v| {
                Version::parse(v).is_some_and(|v| v > current)
                    && known.is_none_or(|all| all.iter().all(|spec| spec_allows(spec, v)))
            })
            .unwrap_or(0);
        }
        if added == 0 {
            items = Some(resolved);
            break;
        }
    }
    let Some(items) = items else {
        bail!(
            "pip's resolution of `pip {}` did not settle in {MAX_PASSES} passes; nothing was changed",
            args.join(" ")
        );
    };

    let mut build_error = None;
    let build_items = if args.iter().any(|a| a == "--no-build-isolation") {
        Vec::new()
    } else {
        let built = items
            .iter()
            .filter(|i| i.url.starts_with("file:"))
            .filter_map(|i| stubs.get(&(normalize_name(&i.name), i.version.clone())));
        let reqs: BTreeSet<String> = built.flat_map(|stub| build_requires(&stub.bytes)).collect();
        // Unresolvable build requirements are packages that could not be checked (the
        // report says so); a blocked package still decides the refusal.
        match resolve_build_requirements(real, args, cwd, &guard, &stubs_dir, scratch.path(), &reqs)
        {
            Ok(found) => found,
            Err(e) => {
                build_error = Some(ScanError {
                    target: format!(
                        "build requirements ({})",
                        reqs.iter().cloned().collect::<Vec<_>>().join(", ")
                    ),
                    error: format!("{e:#}"),
                });
                Vec::new()
            }
        }
    };

    let mut report = ScanReport {
        schema_version: SCHEMA_VERSION,
        ferret_version: env!("CARGO_PKG_VERSION").to_owned(),
        packages: Vec::new(),
        errors: Vec::new(),
        project: None,
    };
    let limits = Limits::default();
    let mut pins = String::new();
    for item in &items {
        pins.push_str(&format!("{}=={}\n", item.name, item.version));
        let key = (normalize_name(&item.name), item.version.clone());
        let scanned = match stubs.get(&key) {
            Some(stub) if item.url.starts_with("file:") => {
                scan_dist(&stub.bytes, &stub.file, &stub.name, &stub.version, &limits)
            }
            _ => fetch(&client, item).and_then(|(file, bytes)| {
                scan_dist(&bytes, &file, &item.name, &item.version, &limits)
            }),
        };
        let also_sdist = if no_binary && !stubs.contains_key(&key) {
            match fetch_sdist(&client, &item.name, &item.version) {
                Ok(Some((file, bytes))) => {
                    Some(scan_dist(&bytes, &file, &item.name, &item.version, &limits))
                }
                Ok(None) => None,
                Err(e) => Some(Err(e)),
            }
        } else {
            None
        };
        for scanned in std::iter::once(scanned).chain(also_sdist) {
            match scanned {
                Ok(pkg) => report.packages.push(pkg),
                Err(e) => report.errors.push(ScanError {
                    target: format!("pypi:{}=={}", item.name, item.version),
                    error: format!("{e:#}"),
                }),
            }
        }
    }
    // Not pinned: pip resolves them for its build environment on its own, and a pin could
    // clash with a runtime requirement of the same name.
    for item in &build_items {
        match fetch(&client, item)
            .and_then(|(file, bytes)| scan_dist(&bytes, &file, &item.name, &item.version, &limits))
        {
            Ok(pkg) => report.packages.push(pkg),
            Err(e) => report.errors.push(ScanError {
                target: format!("pypi:{}=={} (build requirement)", item.name, item.version),
                error: format!("{e:#}"),
            }),
        }
    }
    report.errors.extend(build_error);
    report.packages.sort_by(|a, b| {
        (&a.package.name, &a.package.version).cmp(&(&b.package.name, &b.package.version))
    });
    let pins_path = scratch.path().join("ferret-pins.txt");
    std::fs::write(&pins_path, pins).context("cannot write the pins file")?;
    let mut constraint_env = OsString::new();
    if let Some(mine) = std::env::var_os(CONSTRAINT_ENV).filter(|v| !v.is_empty()) {
        constraint_env.push(mine);
        constraint_env.push(" ");
    }
    constraint_env.push(pins_path.as_os_str());
    Ok(Some(Checked {
        report,
        constraint_env,
        scratch,
    }))
}

/// The build requirements of the sdists pip will build in an isolated environment
/// (`build-system.requires`): that environment installs them and runs their code, so they
/// are resolved (wheels only, as if nothing were installed) and checked like the rest.
fn resolve_build_requirements(
    real: &RealCommand,
    args: &[String],
    cwd: &Path,
    guard: &Path,
    stubs: &Path,
    scratch: &Path,
    reqs: &BTreeSet<String>,
) -> Result<Vec<ReportItem>> {
    if reqs.is_empty() {
        return Ok(Vec::new());
    }
    let mut build_args: Vec<String> = vec!["install".into(), "--ignore-installed".into()];
    build_args.extend(index_options(args));
    build_args.extend(reqs.iter().cloned());
    let report_path = scratch.join("build-report.json");
    let _ = std::fs::remove_file(guard.join("loaded"));
    let out = resolve(real, &build_args, cwd, guard, stubs, &report_path)?;
    let listed = reqs.iter().cloned().collect::<Vec<_>>().join(", ");
    if !out.status.success() || !guard.join("loaded").is_file() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let why = stderr
            .lines()
            .filter(|l| l.starts_with("ERROR:"))
            .collect::<Vec<_>>()
            .join("; ");
        bail!("pip cannot resolve {listed} without building ({why})");
    }
    let text = std::fs::read(&report_path).context("pip wrote no --report")?;
    parse_report(&text)
}

/// The user's options that choose where packages come from, for the build requirements'
/// resolution.
fn index_options(args: &[String]) -> Vec<String> {
    const WITH_VALUE: &[&str] = &[
        "-i",
        "--index-url",
        "--extra-index-url",
        "-f",
        "--find-links",
        "--trusted-host",
    ];
    const FLAGS: &[&str] = &["--no-index", "--pre"];
    let mut out = Vec::new();
    let mut iter = args.iter();
    while let Some(a) = iter.next() {
        let name = a.split('=').next().unwrap_or_default();
        if WITH_VALUE.contains(&a.as_str()) {
            out.push(a.clone());
            out.extend(iter.next().cloned());
        } else if WITH_VALUE.contains(&name) || FLAGS.contains(&a.as_str()) {
            out.push(a.clone());
        }
    }
    out
}

/// `build-system.requires` of an sdist's pyproject.toml; pip's default for a project
/// without one (setuptools and wheel).
fn build_requires(sdist: &[u8]) -> Vec<String> {
    let default = || vec!["setuptools>=40.8.0".to_owned(), "wheel".to_owned()];
    let Ok(tree) = ferret_source::open_sdist(sdist, "sdist", &Limits::default()) else {
        return default();
    };
    let Some(file) = tree.file("pyproject.toml") else {
        return default();
    };
    let text = String::from_utf8_lossy(&file.data);
    let mut in_section = false;
    let mut collecting: Option<String> = None;
    for line in text.lines() {
        let trimmed = line.trim();
        if let Some(acc) = collecting.as_mut() {
            acc.push_str(trimmed);
            acc.push('\n');
            if trimmed.contains(']') {
                break;
            }
            continue;
        }
        if trimmed.starts_with('[') {
            in_section = trimmed == "[build-system]";
            continue;
        }
        if in_section
            && let Some(rest) = trimmed.strip_prefix("requires")
            && let Some(value) = rest.trim_start().strip_prefix('=')
        {
            let value = value.trim().to_owned();
            let done = value.contains(']');
            collecting = Some(value);
            if done {
                break;
            }
        }
    }
    let Some(array) = collecting else {
        return default();
    };
    // The quoted strings of the array, comments dropped.
    let mut reqs = Vec::new();
    for line in array.lines() {
        let line = line.split(" #").next().unwrap_or(line);
        let mut rest = line;
        while let Some(start) = rest.find(['"', '\'']) {
            let quote = rest[start..].chars().next().unwrap_or('"');
            let after = &rest[start + 1..];
            let Some(end) = after.find(quote) else { break };
            let req = after[..end].trim();
            if !req.is_empty() {
                reqs.push(req.to_owned());
            }
            rest = &after[end + 1..];
        }
    }
    reqs
}

fn show(out: &std::process::Output) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(&out.stdout);
    let _ = err.write_all(&out.stderr);
}

/// One wheels-only dry run with the guard and the stubs.
fn resolve(
    real: &RealCommand,
    args: &[String],
    cwd: &Path,
    guard: &Path,
    stubs: &Path,
    report: &Path,
) -> Result<std::process::Output> {
    let mut extra: Vec<OsString> = vec![
        "--dry-run".into(),
        "--report".into(),
        report.as_os_str().to_owned(),
        "--only-binary=:all:".into(),
        // Without isolation a build would run with our PYTHONPATH, so the guard stops it
        // (an isolated build environment replaces PYTHONPATH).
        "--no-build-isolation".into(),
        "--find-links".into(),
        stubs.as_os_str().to_owned(),
        "--disable-pip-version-check".into(),
        "--no-input".into(),
        "--progress-bar".into(),
        "off".into(),
    ];
    let mut all: Vec<OsString> = args.iter().map(OsString::from).collect();
    all.append(&mut extra);
    let mut pythonpath = OsString::from(guard.as_os_str());
    if let Some(old) = std::env::var_os("PYTHONPATH").filter(|v| !v.is_empty()) {
        pythonpath.push(":");
        pythonpath.push(old);
    }
    let mut cmd = real.command(&all);
    cmd.current_dir(cwd)
        .env("PYTHONPATH", pythonpath)
        .env_remove("FERRET_PIP_GATE_STARTED")
        .env("FERRET_PIP_GATE_PROOF", guard.join("loaded"))
        .env("PIP_NO_INPUT", "1")
        .stdin(std::process::Stdio::null());
    cmd.output()
        .with_context(|| format!("cannot run {}", real.program.display()))
}

/// `ERROR: No matching distribution found for foo>=1` -> ("foo", ">=1").
fn no_matching_distribution(line: &str) -> Option<(String, String)> {
    split_requirement(line.split_once("No matching distribution found for ")?.1)
}

/// A PEP 508 requirement's name and version specifier (`foo[x] (>=1,<2) ; marker` ->
/// ("foo", ">=1,<2")); `None` when it does not start with a name. A direct reference
/// (`foo @ url`) has no specifier.
fn split_requirement(req: &str) -> Option<(String, String)> {
    let req = req.trim();
    let end = req
        .find(|c: char| !(c.is_ascii_alphanumeric() || "-_.".contains(c)))
        .unwrap_or(req.len());
    let name = &req[..end];
    if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return None;
    }
    let rest = req[end..].trim_start();
    // Extras (`[x]`) and a marker (`; …`) do not constrain the version.
    let rest = match rest.strip_prefix('[') {
        Some(r) => r.split_once(']').map_or("", |(_, after)| after),
        None => rest,
    };
    let spec = rest.split(';').next().unwrap_or("").trim();
    if spec.starts_with('@') {
        return Some((name.to_owned(), String::new()));
    }
    let spec = spec.trim_start_matches('(').trim_end_matches(')').trim();
    Some((name.to_owned(), spec.to_owned()))
}

/// Whether `version` satisfies a PEP 440 specifier set (`>=1,<2`, `==1.2.*`, `~=1.4`).
/// Unparseable clauses allow everything: the stubs are only candidates, pip decides.
fn spec_allows(spec: &str, version: &str) -> bool {
    let Some(v) = Version::parse(version) else {
        return false;
    };
    spec.split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .all(|clause| {
            let op_len = clause
                .find(|c: char| !"<>=!~".contains(c))
                .unwrap_or(clause.len());
            let (op, target) = (&clause[..op_len], clause[op_len..].trim());
            if let Some(prefix) = target.strip_suffix(".*") {
                let hit = release_starts_with(version, prefix);
                return match op {
                    "==" => hit,
                    "!=" => !hit,
                    _ => true,
                };
            }
            let Some(t) = Version::parse(target) else {
                return true;
            };
            match op {
                "==" | "===" => v == t,
                "!=" => v != t,
                "<" => v < t,
                "<=" => v <= t,
                ">" => v > t,
                ">=" => v >= t,
                "~=" => {
                    let parts: Vec<&str> = target.split('.').collect();
                    let prefix = parts[..parts.len().saturating_sub(1).max(1)].join(".");
                    v >= t && release_starts_with(version, &prefix)
                }
                _ => true,
            }
        })
}

/// Not a pre-release or development release (pip skips those unless `--pre`).
fn is_final(version: &str) -> bool {
    let v = version.to_ascii_lowercase();
    let public = v.split('+').next().unwrap_or_default();
    let public = public
        .strip_prefix('v')
        .unwrap_or(public)
        .replace("post", "");
    !public.chars().any(|c| c.is_ascii_alphabetic())
}

fn release_starts_with(version: &str, prefix: &str) -> bool {
    let num = |s: &str| -> Vec<u64> {
        s.split('.')
            .map_while(|p| {
                let d: String = p.chars().take_while(char::is_ascii_digit).collect();
                d.parse().ok()
            })
            .collect()
    };
    let (v, p) = (num(version), num(prefix));
    !p.is_empty() && v.len() >= p.len() && v[..p.len()] == p[..]
}

/// Reads the newest sdists of `name` whose version `wanted` accepts and that have no wheel,
/// and writes a stub wheel for each; how many were added.
fn add_stubs(
    client: &PypiClient,
    name: &str,
    dir: &Path,
    stubs: &mut BTreeMap<(String, String), Stub>,
    pre: bool,
    wanted: impl Fn(&str) -> bool,
) -> Result<usize> {
    let files = client
        .simple_files(name)
        .with_context(|| format!("cannot list `{name}` on the package index"))?;
    let with_wheel: BTreeSet<&str> = files
        .iter()
        .filter(|f| f.wheel)
        .map(|f| f.version.as_str())
        .collect();
    let mut candidates: Vec<(Version, &PypiFile)> = files
        .iter()
        .filter(|f| !f.wheel && f.yanked.is_none() && f.sha256.is_some())
        .filter(|f| !with_wheel.contains(f.version.as_str()))
        .filter(|f| !stubs.contains_key(&(normalize_name(name), f.version.clone())))
        .filter(|f| wanted(&f.version))
        .filter(|f| pre || is_final(&f.version))
        .filter_map(|f| Version::parse(&f.version).map(|v| (v, f)))
        .collect();
    candidates.sort_by(|a, b| b.0.cmp(&a.0));
    candidates.dedup_by(|a, b| a.0 == b.0);
    let mut added = 0;
    for (_, file) in candidates.into_iter().take(MAX_STUBS_PER_PROJECT) {
        let bytes = client
            .download(file)
            .with_context(|| format!("cannot download {}", file.filename))?;
        let tree = ferret_source::open_sdist(&bytes, &file.url, &Limits::default())
            .with_context(|| format!("cannot open {}", file.filename))?;
        let meta = tree
            .file("PKG-INFO")
            .with_context(|| format!("{} has no PKG-INFO", file.filename))?;
        let meta = static_metadata(&String::from_utf8_lossy(&meta.data))
            .with_context(|| file.filename.clone())?;
        write_stub_wheel(dir, name, &file.version, &meta)?;
        stubs.insert(
            (normalize_name(name), file.version.clone()),
            Stub {
                name: normalize_name(name),
                version: file.version.clone(),
                file: file.clone(),
                bytes,
            },
        );
        added += 1;
    }
    Ok(added)
}

/// The metadata lines of an sdist's PKG-INFO that resolution needs, when they are static.
///
/// Metadata 2.2+ (PEP 643) promises that a field not listed as `Dynamic` is what the build
/// will produce. Older PKG-INFO files are taken as they are: setuptools has written
/// `install_requires` into `Requires-Dist` of the sdist's PKG-INFO since 2017, so the lines
/// there are what the build declares; such a file from another tool could be incomplete
/// (the pins then keep pip from adding anything unchecked: the install fails instead).
fn static_metadata(pkg_info: &str) -> Result<Vec<String>> {
    let mut keep = Vec::new();
    for line in pkg_info.lines() {
        if line.is_empty() {
            break; // the body (long description)
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let key = key.trim();
        let value = value.trim();
        if key.eq_ignore_ascii_case("Dynamic")
            && matches!(
                value.to_ascii_lowercase().as_str(),
                "requires-dist" | "requires-python" | "provides-extra"
            )
        {
            bail!(
                "its dependencies are `Dynamic` in PKG-INFO: only running its build would tell them, which ferret does not do"
            );
        }
        if ["Requires-Dist", "Requires-Python", "Provides-Extra"]
            .iter()
            .any(|k| key.eq_ignore_ascii_case(k))
        {
            keep.push(format!("{key}: {value}"));
        }
    }
    Ok(keep)
}

/// A `py3-none-any` wheel holding only a .dist-info with `meta`: what pip reads to resolve.
/// It is never installed (dry runs only).
fn write_stub_wheel(dir: &Path, name: &str, version: &str, meta: &[String]) -> Result<PathBuf> {
    let dist = normalize_name(name).replace('-', "_");
    let info = format!("{dist}-{version}.dist-info");
    let mut metadata = format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n");
    for line in meta {
        metadata.push_str(line);
        metadata.push('\n');
    }
    let wheel = "Wheel-Version: 1.0\nGenerator: ferret-pip-gate\nRoot-Is-Purelib: true\nTag: py3-none-any\n";
    let record = format!("{info}/METADATA,,\n{info}/WHEEL,,\n{info}/RECORD,,\n");
    let entries = [
        (format!("{info}/METADATA"), metadata.into_bytes()),
        (format!("{info}/WHEEL"), wheel.as_bytes().to_vec()),
        (format!("{info}/RECORD"), record.into_bytes()),
    ];
    let path = dir.join(format!("{dist}-{version}-py3-none-any.whl"));
    std::fs::write(&path, stored_zip(&entries))
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

/// A zip archive of uncompressed (stored) entries.
fn stored_zip(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    fn u16le(out: &mut Vec<u8>, v: usize) {
        out.extend_from_slice(&u16::try_from(v).unwrap_or(u16::MAX).to_le_bytes());
    }
    fn u32le(out: &mut Vec<u8>, v: usize) {
        out.extend_from_slice(&u32::try_from(v).unwrap_or(u32::MAX).to_le_bytes());
    }
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in entries {
        let offset = out.len();
        let crc = crc32(data) as usize;
        // Local header: signature, version 2.0, flags, stored, time/date 1980-01-01.
        out.extend_from_slice(&0x0403_4b50_u32.to_le_bytes());
        for v in [20, 0, 0, 0, 0x21] {
            u16le(&mut out, v);
        }
        u32le(&mut out, crc);
        u32le(&mut out, data.len());
        u32le(&mut out, data.len());
        u16le(&mut out, name.len());
        u16le(&mut out, 0);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);

        central.extend_from_slice(&0x0201_4b50_u32.to_le_bytes());
        for v in [20, 20, 0, 0, 0, 0x21] {
            u16le(&mut central, v);
        }
        u32le(&mut central, crc);
        u32le(&mut central, data.len());
        u32le(&mut central, data.len());
        u16le(&mut central, name.len());
        for _ in 0..4 {
            u16le(&mut central, 0); // extra, comment, disk, internal attributes
        }
        u32le(&mut central, 0); // external attributes
        u32le(&mut central, offset);
        central.extend_from_slice(name.as_bytes());
    }
    let central_offset = out.len();
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50_u32.to_le_bytes());
    for v in [0, 0, entries.len(), entries.len()] {
        u16le(&mut out, v);
    }
    u32le(&mut out, central.len());
    u32le(&mut out, central_offset);
    u16le(&mut out, 0);
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFF_u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// One entry of pip's `--report`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ReportItem {
    name: String,
    version: String,
    url: String,
    sha256: Option<String>,
    /// `Requires-Dist` of this release.
    requires: Vec<String>,
}

fn parse_report(bytes: &[u8]) -> Result<Vec<ReportItem>> {
    let doc: serde_json::Value =
        serde_json::from_slice(bytes).context("pip's --report is not JSON")?;
    let install = doc
        .get("install")
        .and_then(serde_json::Value::as_array)
        .ok_or_else(|| anyhow!("pip's --report has no `install` list"))?;
    let mut items = Vec::new();
    for entry in install {
        let text = |v: &serde_json::Value| v.as_str().map(str::to_owned);
        let name = entry.pointer("/metadata/name").and_then(text);
        let version = entry.pointer("/metadata/version").and_then(text);
        let url = entry.pointer("/download_info/url").and_then(text);
        let (Some(name), Some(version), Some(url)) = (name, version, url) else {
            bail!("pip's --report lists an entry without name, version or URL");
        };
        if entry.pointer("/download_info/archive_info").is_none() {
            bail!(
                "pip would install {name} {version} from {url}, which is not an archive (a directory or VCS checkout); ferret only checks index and archive files"
            );
        }
        let sha256 = entry
            .pointer("/download_info/archive_info/hashes/sha256")
            .and_then(text)
            .or_else(|| {
                entry
                    .pointer("/download_info/archive_info/hash")
                    .and_then(serde_json::Value::as_str)
                    .and_then(|h| h.strip_prefix("sha256="))
                    .map(str::to_owned)
            });
        let requires = entry
            .pointer("/metadata/requires_dist")
            .and_then(serde_json::Value::as_array)
            .map(|a| a.iter().filter_map(text).collect())
            .unwrap_or_default();
        items.push(ReportItem {
            name,
            version,
            url,
            sha256,
            requires,
        });
    }
    Ok(items)
}

/// The sdist of a release from the index (`--no-binary`: pip may build it).
/// `None` when it has none (then pip cannot build it either).
fn fetch_sdist(
    client: &PypiClient,
    name: &str,
    version: &str,
) -> Result<Option<(PypiFile, Vec<u8>)>> {
    let want = Version::parse(version);
    let files = client
        .simple_files(name)
        .with_context(|| format!("cannot list `{name}` on the package index"))?;
    let Some(file) = files
        .into_iter()
        .find(|f| !f.wheel && want.is_some() && Version::parse(&f.version) == want)
    else {
        return Ok(None);
    };
    let bytes = client
        .download(&file)
        .with_context(|| format!("cannot download {}", file.filename))?;
    Ok(Some((file, bytes)))
}

/// Downloads (or reads, for `file:` URLs) one file of the report and checks its sha256.
fn fetch(client: &PypiClient, item: &ReportItem) -> Result<(PypiFile, Vec<u8>)> {
    let sha256 = item
        .sha256
        .clone()
        .with_context(|| format!("pip's report gives no sha256 for {}", item.url))?;
    let filename = item
        .url
        .split(['#', '?'])
        .next()
        .unwrap_or_default()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let file = PypiFile {
        wheel: filename.ends_with(".whl"),
        filename,
        url: item.url.clone(),
        sha256: Some(sha256.clone()),
        version: item.version.clone(),
        yanked: None,
    };
    let bytes = if let Some(path) = item.url.strip_prefix("file://") {
        // A file on this machine (a `--find-links` folder, a wheel path): pip reads the
        // same bytes, so there is nothing a download could have swapped.
        let path = percent_decode(path);
        std::fs::read(&path).with_context(|| format!("cannot read {path}"))?
    } else {
        client
            .download(&file)
            .with_context(|| format!("cannot download {}", item.url))?
    };
    Ok((file, bytes))
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(v) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn scan_dist(
    bytes: &[u8],
    file: &PypiFile,
    name: &str,
    version: &str,
    limits: &Limits,
) -> Result<PackageReport> {
    let tree = if file.wheel {
        ferret_source::open_wheel(bytes, &file.url, limits)?
    } else {
        ferret_source::open_sdist(bytes, &file.url, limits)?
    };
    let mut report = ferret_rules::engine::scan(&tree, Ecosystem::PyPI);
    report.package.name = normalize_name(name);
    report.package.version = version.to_owned();
    report.package.integrity = file.sha256.as_ref().map(|h| format!("sha256:{h}"));
    report.package.source.clone_from(&file.url);
    Ok(report)
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests unwrap on inputs they wrote")]
mod tests {
    use super::*;

    #[test]
    fn the_subcommand_skips_global_option_values() {
        let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            subcommand(&s(&["--log", "f", "install", "x"])),
            Some("install")
        );
        assert_eq!(subcommand(&s(&["-q", "install", "x"])), Some("install"));
        assert_eq!(subcommand(&s(&["list"])), Some("list"));
        assert_eq!(subcommand(&s(&["--version"])), None);
    }

    #[test]
    fn specifiers() {
        assert!(spec_allows("", "1.0"));
        assert!(spec_allows(">=1,<2", "1.5"));
        assert!(!spec_allows(">=1,<2", "2.0"));
        assert!(spec_allows("==1.2.*", "1.2.9"));
        assert!(!spec_allows("==1.2.*", "1.3"));
        assert!(spec_allows("~=1.4.5", "1.4.9"));
        assert!(!spec_allows("~=1.4.5", "1.5.0"));
        assert!(spec_allows("~=1.4", "1.9"));
        assert!(!spec_allows("!=1.0", "1.0"));
    }

    #[test]
    fn pips_no_matching_distribution_line() {
        assert_eq!(
            no_matching_distribution(
                "ERROR: No matching distribution found for foo_bar[x]>=1.0,<2; python_version > \"3\""
            ),
            Some(("foo_bar".to_owned(), ">=1.0,<2".to_owned()))
        );
        assert_eq!(
            no_matching_distribution("ERROR: No matching distribution found for evil"),
            Some(("evil".to_owned(), String::new()))
        );
        assert_eq!(no_matching_distribution("ERROR: something else"), None);
    }

    #[test]
    fn dynamic_dependencies_are_refused_and_static_ones_kept() {
        let ok = "Metadata-Version: 2.2\nName: a\nVersion: 1\nRequires-Dist: b>=1\nDynamic: Summary\n\nbody: Requires-Dist: nope\n";
        assert_eq!(
            static_metadata(ok).unwrap(),
            vec!["Requires-Dist: b>=1".to_owned()]
        );
        assert!(static_metadata("Metadata-Version: 2.2\nDynamic: Requires-Dist\n").is_err());
    }

    #[test]
    fn build_requirements_from_pyproject_or_pips_default() {
        let sdist = |files: &[(&str, &str)]| -> Vec<u8> {
            // A plain (uncompressed) tar with the name-version/ folder.
            let mut out = Vec::new();
            for (name, data) in files {
                let mut header = [0u8; 512];
                let path = format!("p-1.0/{name}");
                header[..path.len()].copy_from_slice(path.as_bytes());
                header[100..108].copy_from_slice(b"0000644\0");
                let size = format!("{:011o}\0", data.len());
                header[124..136].copy_from_slice(size.as_bytes());
                header[136..148].copy_from_slice(b"00000000000\0");
                header[156] = b'0';
                header[257..263].copy_from_slice(b"ustar\0");
                header[263..265].copy_from_slice(b"00");
                header[148..156].copy_from_slice(b"        ");
                let sum: u32 = header.iter().map(|b| u32::from(*b)).sum();
                header[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
                out.extend_from_slice(&header);
                out.extend_from_slice(data.as_bytes());
                out.resize(out.len().div_ceil(512) * 512, 0);
            }
            out.resize(out.len() + 1024, 0);
            out
        };
        let toml = "[project]\nname = 'p'\n[build-system]\nrequires = [\n  \"hatchling>=1.2\",  # the backend\n  'hatch-vcs',\n]\nbuild-backend = \"hatchling.build\"\n";
        assert_eq!(
            build_requires(&sdist(&[
                ("pyproject.toml", toml),
                ("PKG-INFO", "Name: p\n")
            ])),
            vec!["hatchling>=1.2".to_owned(), "hatch-vcs".to_owned()]
        );
        assert_eq!(
            build_requires(&sdist(&[("setup.py", "")])),
            vec!["setuptools>=40.8.0".to_owned(), "wheel".to_owned()]
        );
        assert_eq!(
            index_options(&[
                "install".into(),
                "-i".into(),
                "http://x/".into(),
                "--pre".into(),
                "--upgrade".into(),
                "a".into()
            ]),
            vec!["-i".to_owned(), "http://x/".to_owned(), "--pre".to_owned()]
        );
    }

    #[test]
    fn the_stub_wheel_is_a_zip_python_can_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_stub_wheel(
            dir.path(),
            "My.Pkg",
            "1.0",
            &["Requires-Dist: b".to_owned()],
        )
        .unwrap();
        let tree =
            ferret_source::open_wheel(&std::fs::read(&path).unwrap(), "stub", &Limits::default())
                .unwrap();
        let meta = tree.file("my_pkg-1.0.dist-info/METADATA").unwrap();
        assert!(String::from_utf8_lossy(&meta.data).contains("Requires-Dist: b\n"));
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }
}
