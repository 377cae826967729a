//! The install wrapper: `ferret npm install …`, `ferret npm ci`, `ferret npx …`,
//! `ferret pnpm add …`, `ferret yarn add …` and `ferret pip install …` (see [`pip`]).
//!
//! What the command would add or change is computed by the real package manager on a
//! temporary copy of the project (package.json, lockfiles, its configuration — never
//! node_modules) without running package code: npm and pnpm in lockfile-only mode with
//! scripts disabled, yarn Berry with `--mode=update-lockfile` and scripts disabled, classic
//! yarn (which has no lockfile-only mode) with `--ignore-scripts` in the copy. The packages
//! whose name, version or integrity are new in the resulting lockfile are scanned with the
//! project scanner (cache, registry client honouring .npmrc); then the real command runs
//! unchanged, or ferret refuses (exit 1) and the project is left exactly as it was.
//! Warnings ask for confirmation on a terminal and fail without one (or in CI) unless
//! `--yes`.

mod pip;

use anyhow::{Context as _, Result, anyhow, bail};
use ferret_cache::Cache;
use ferret_core::{Action, ScanReport};
use ferret_policy::Policy;
use ferret_project::{Item, Plan};
use ferret_registry::{NpmClient, RegistryConfig};
use ferret_report::{TerminalOptions, render_terminal};
use std::collections::BTreeSet;
use std::ffi::OsString;
use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Files copied into the scratch project: what npm reads to resolve, never node_modules.
const NPM_FILES: &[&str] = &[
    "package.json",
    "package-lock.json",
    "npm-shrinkwrap.json",
    ".npmrc",
];

/// What pnpm reads to resolve.
const PNPM_FILES: &[&str] = &[
    "package.json",
    "pnpm-lock.yaml",
    "pnpm-workspace.yaml",
    ".npmrc",
    ".pnpmfile.cjs",
];

/// pnpm subcommands that change what is installed.
const PNPM_INSTALLING: &[&str] = &["add", "install", "i", "update", "up", "upgrade"];

/// What yarn (classic and Berry) reads to resolve: its own configuration and, for Berry,
/// the checked-in release it runs (`yarnPath`), plugins and patches.
const YARN_FILES: &[&str] = &[
    "package.json",
    "yarn.lock",
    ".npmrc",
    ".yarnrc",
    ".yarnrc.yml",
];
const YARN_DIRS: &[&str] = &[".yarn/releases", ".yarn/plugins", ".yarn/patches"];

/// yarn subcommands that change what is installed (bare `yarn` is `yarn install`).
/// `upgrade`/`upgrade-interactive` are classic's, `up`/`dedupe` Berry's.
const YARN_INSTALLING: &[&str] = &[
    "add",
    "install",
    "upgrade",
    "upgrade-interactive",
    "up",
    "dedupe",
];

/// npm subcommands that change what is installed and are gated (aliases included).
const NPM_INSTALLING: &[&str] = &[
    "install",
    "i",
    "in",
    "ins",
    "inst",
    "insta",
    "instal",
    "isnt",
    "isnta",
    "isntal",
    "add",
    "update",
    "up",
    "upgrade",
    "udpate",
    "ci",
    "clean-install",
    "ic",
    "install-clean",
    "isntall-clean",
];

#[derive(Debug, clap::Args)]
pub struct GateArgs {
    /// Proceed without asking when the policy only warns (ferret's flag: put it before the
    /// package manager's arguments, e.g. `ferret npm --yes install x`)
    #[arg(long)]
    yes: bool,

    /// Policy file (default: the nearest ferret.toml at or above the current directory)
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,

    /// Cache directory (default: FERRET_CACHE_DIR, then $XDG_CACHE_HOME/ferret, ~/.cache/ferret)
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,

    /// The package manager's arguments, passed on unchanged
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "ARGS"
    )]
    args: Vec<OsString>,
}

impl GateArgs {
    /// `--version` was given before the wrapped command's arguments: it is theirs.
    pub fn pass_version_on(&mut self) {
        self.args.insert(0, "--version".into());
    }
}

/// Which wrapped command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Npm,
    Npx,
    Pnpm,
    Yarn,
    Pip,
}

impl Tool {
    fn binary(self) -> &'static str {
        match self {
            Tool::Npm => "npm",
            Tool::Npx => "npx",
            Tool::Pnpm => "pnpm",
            Tool::Yarn => "yarn",
            Tool::Pip => "pip",
        }
    }
}

pub fn run(
    tool: Tool,
    args: &GateArgs,
    known: &[&str],
    cache_dir: Option<PathBuf>,
) -> Result<ExitCode> {
    let cwd = std::env::current_dir().context("cannot determine the current directory")?;
    let user_args: Vec<String> = args
        .args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let cache_dir = args.cache_dir.clone().or(cache_dir);

    // `_scratch` lives until the real command has finished: pip reads its constraints file.
    let (real, mut report, _scratch) = if tool == Tool::Pip {
        let real = pip::real_pip()?;
        let Some(checked) = pip::check(&real, &user_args, &cwd)? else {
            return exec(&real, &args.args);
        };
        let real = real.with_env(pip::CONSTRAINT_ENV, checked.constraint_env.clone());
        (real, checked.report, checked.scratch)
    } else {
        let real = RealCommand::new(
            find_on_path(tool.binary())
                .with_context(|| format!("cannot find the real `{}` on PATH", tool.binary()))?,
        );
        let Some(plan) = plan_changes(tool, &user_args, &cwd)? else {
            return exec(&real, &args.args);
        };
        // Where the package manager resolves: its `--registry` flag first.
        let registry = registry_flag(&user_args).or_else(|| {
            if tool == Tool::Yarn {
                yarn_registry(&cwd)
            } else {
                None
            }
        });
        let report = scan(
            &plan.plan,
            &plan.scratch,
            &cwd,
            registry.as_deref(),
            cache_dir,
        )?;
        (real, report, plan.scratch)
    };
    let policy = Policy::find_and_load(args.policy.as_deref(), &cwd, known)?;
    for pkg in &mut report.packages {
        policy.apply(pkg);
    }
    if let Some(code) = decide(tool, &user_args, &report, args.yes)? {
        return Ok(code);
    }
    exec(&real, &args.args)
}

/// Prints the report when there is something to say and decides: `Some(exit code)` when
/// the command must not run (blocked: 1, unchecked packages: 2, a warning not confirmed: 1).
fn decide(
    tool: Tool,
    user_args: &[String],
    report: &ScanReport,
    yes: bool,
) -> Result<Option<ExitCode>> {
    let blocked = report
        .packages
        .iter()
        .any(ferret_core::PackageReport::is_blocked);
    let warned = report
        .packages
        .iter()
        .any(|p| p.worst_action() == Some(Action::Warn));
    let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::io::stderr().is_terminal();
    let mut err = std::io::stderr().lock();
    if blocked || warned || !report.errors.is_empty() {
        let text = render_terminal(report, &TerminalOptions { color, all: false });
        let _ = err.write_all(text.as_bytes());
    }
    for e in &report.errors {
        let _ = writeln!(err, "error: cannot scan {}: {}", e.target, e.error);
    }
    // A block is the more specific refusal (exit 1) when packages also went unchecked.
    if !report.errors.is_empty() && !blocked {
        let _ = writeln!(
            err,
            "ferret: refusing to run `{} {}`: not every package could be checked; nothing was changed",
            tool.binary(),
            user_args.join(" ")
        );
        return Ok(Some(ExitCode::from(2)));
    }
    if blocked {
        let _ = writeln!(
            err,
            "ferret: refusing to run `{} {}`: the policy blocks a package it would install; nothing was changed",
            tool.binary(),
            user_args.join(" ")
        );
        return Ok(Some(ExitCode::from(1)));
    }
    let _ = writeln!(
        err,
        "ferret: {} new or changed package(s) checked",
        report.packages.len()
    );
    drop(err);
    if warned && !yes && !confirm(tool)? {
        return Ok(Some(ExitCode::from(1)));
    }
    Ok(None)
}

/// Asks on the terminal; without one (or in CI) it is a refusal that names `--yes`.
fn confirm(tool: Tool) -> Result<bool> {
    let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false");
    if ci || !std::io::stdin().is_terminal() {
        let _ = writeln!(
            std::io::stderr().lock(),
            "ferret: the policy warns about a package and there is no terminal to ask (or CI is set); \
             nothing was changed; rerun with `--yes` to proceed (e.g. `ferret {} --yes install …`)",
            tool.binary()
        );
        return Ok(false);
    }
    let _ = write!(std::io::stderr().lock(), "Proceed with the install? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the answer")?;
    let yes = matches!(line.trim(), "y" | "Y" | "yes" | "YES" | "Yes");
    if !yes {
        let _ = writeln!(
            std::io::stderr().lock(),
            "ferret: not confirmed; nothing was changed"
        );
    }
    Ok(yes)
}

/// The packages to check and the scratch project they were resolved in.
struct Changes {
    plan: Plan,
    scratch: tempfile::TempDir,
}

/// Whether a yarn command line installs: `add`, `install`, `up`, …, bare `yarn`, and
/// classic's `global add`.
fn yarn_installs(args: &[String]) -> bool {
    let words = [YARN_INSTALLING, &["global"]].concat();
    match subcommand(args, &words) {
        None => !args
            .iter()
            .any(|a| matches!(a.as_str(), "--version" | "-v" | "--help" | "-h")),
        Some("global") => {
            let rest = args.iter().skip_while(|a| *a != "global").skip(1);
            let rest: Vec<String> = rest.cloned().collect();
            subcommand(&rest, &["add", "upgrade"]).is_some_and(|s| s == "add" || s == "upgrade")
        }
        Some(s) => YARN_INSTALLING.contains(&s),
    }
}

/// The subcommand: the first operand, where an operand right after an option without `=`
/// may be that option's value (`npm --registry URL install x`) unless it is one of
/// `commands`. Taking the first operand alone let `--registry URL install x` through as
/// the command `URL`, unchecked.
fn subcommand<'a>(args: &'a [String], commands: &[&str]) -> Option<&'a str> {
    let mut after_option = false;
    for a in args {
        if a.starts_with('-') {
            after_option = !a.contains('=');
            continue;
        }
        if commands.contains(&a.as_str()) || !after_option {
            return Some(a);
        }
        after_option = false;
    }
    None
}

/// `yarn [add|install|up…]` (bare `yarn` installs too), resolved on a scratch copy.
///
/// Berry (2+) has a lockfile-only mode: `--mode=update-lockfile` with scripts disabled
/// (`YARN_ENABLE_SCRIPTS=0`) writes yarn.lock and links nothing. Classic yarn 1 has no such
/// mode (`generate-lock-entry` only prints the root's own entry), so the command runs as the
/// user wrote it plus `--ignore-scripts` in the scratch copy: it downloads and extracts the
/// packages there (yarn's cache is shared, which is only data) but runs no lifecycle script
/// of any package or of the project, and nothing of the user's project is touched. The
/// resulting yarn.lock is compared with what is installed now.
fn plan_yarn(args: &[String], cwd: &Path, scratch: tempfile::TempDir) -> Result<Changes> {
    let yarn = find_on_path("yarn").context("cannot find the real `yarn` on PATH")?;
    let ops: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let global = ops.first().is_some_and(|s| *s == "global");
    copy_project(cwd, scratch.path(), YARN_FILES)?;
    for dir in YARN_DIRS {
        copy_dir(&cwd.join(dir), &scratch.path().join(dir))?;
    }
    let berry = yarn_major(&yarn, scratch.path())? >= 2;
    let mut lock_args: Vec<String> = args.to_vec();
    let before = if global {
        // `yarn global add x` (classic): resolved in an empty project, all of it checked.
        lock_args.remove(args.iter().position(|a| a == "global").unwrap_or_default());
        for name in YARN_FILES
            .iter()
            .filter(|n| **n != ".npmrc" && **n != ".yarnrc")
        {
            let _ = std::fs::remove_file(scratch.path().join(name));
        }
        copy_project(cwd, scratch.path(), &[])?;
        Vec::new()
    } else if cwd.join("node_modules").is_dir() || cwd.join(".pnp.cjs").is_file() {
        // Installed as the lockfile says (yarn keeps no hidden lockfile with versions).
        if ferret_project::has_lockfile(scratch.path()) {
            ferret_project::plan_from_lockfiles(scratch.path())?.items
        } else {
            Vec::new()
        }
    } else {
        Vec::new()
    };
    if berry {
        lock_args.push("--mode=update-lockfile".to_owned());
    } else {
        lock_args.extend(["--ignore-scripts", "--non-interactive"].map(str::to_owned));
    }
    resolve(&yarn, &lock_args, scratch.path())?;
    let mut plan = ferret_project::plan_from_lockfiles(scratch.path())?;
    plan.items = new_items(&before, plan.items);
    if berry {
        // Berry's `checksum` (`10c0/<hex>`) hashes yarn's own zip of the package, not the
        // registry tarball: it cannot verify a download. The tarball is checked against the
        // registry's `dist.integrity` instead.
        for item in &mut plan.items {
            if item
                .integrity
                .as_deref()
                .is_some_and(|i| !i.starts_with("sha"))
            {
                item.integrity = None;
            }
        }
    }
    Ok(Changes { plan, scratch })
}

/// yarn's major version as it runs in `dir` (a Berry project runs its own `yarnPath`).
fn yarn_major(yarn: &Path, dir: &Path) -> Result<u32> {
    let out = std::process::Command::new(yarn)
        .arg("--version")
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .output()
        .with_context(|| format!("cannot run {}", yarn.display()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim()
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .filter(|_| out.status.success())
        .with_context(|| format!("`yarn --version` printed no version: {:?}", text.trim()))
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    if !from.is_dir() {
        return Ok(());
    }
    std::fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
    for entry in
        std::fs::read_dir(from).with_context(|| format!("cannot read {}", from.display()))?
    {
        let entry = entry.with_context(|| format!("cannot read {}", from.display()))?;
        let kind = entry
            .file_type()
            .with_context(|| format!("cannot read {}", from.display()))?;
        let target = to.join(entry.file_name());
        if kind.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &target)
                .with_context(|| format!("cannot copy {}", entry.path().display()))?;
        }
    }
    Ok(())
}

/// `None` when the command installs nothing (e.g. `npm run test`): it runs unchanged.
fn plan_changes(tool: Tool, args: &[String], cwd: &Path) -> Result<Option<Changes>> {
    let scratch = tempfile::Builder::new()
        .prefix("ferret-gate-")
        .tempdir()
        .context("cannot create a temporary directory")?;
    let sub = match tool {
        Tool::Npm => subcommand(args, NPM_INSTALLING),
        Tool::Pnpm => subcommand(args, PNPM_INSTALLING),
        _ => None,
    };
    let installing: &[&str] = match tool {
        Tool::Npm => NPM_INSTALLING,
        Tool::Pnpm => PNPM_INSTALLING,
        Tool::Yarn => YARN_INSTALLING,
        Tool::Npx | Tool::Pip => &[],
    };
    let elsewhere = args.iter().find(|a| {
        let name = a.split('=').next().unwrap_or_default();
        matches!(name, "--prefix" | "-C" | "--cwd" | "--dir")
    });
    if let Some(flag) = elsewhere.filter(|_| {
        args.iter().any(|a| installing.contains(&a.as_str()))
            // `yarn --cwd dir` alone installs there; which word is the command is unclear.
            || tool == Tool::Yarn
    }) {
        // The package manager would work on another project than the one copied here.
        bail!(
            "`{} … {flag}` works in another directory: run `ferret {} …` there instead; nothing was changed",
            tool.binary(),
            tool.binary()
        );
    }
    if tool == Tool::Yarn && !yarn_installs(args) {
        return Ok(None);
    }
    match tool {
        Tool::Npm => {
            let Some(sub) = sub.filter(|s| NPM_INSTALLING.contains(s)) else {
                return Ok(None);
            };
            let npm = find_on_path("npm").context("cannot find the real `npm` on PATH")?;
            copy_project(cwd, scratch.path(), NPM_FILES)?;
            if matches!(
                sub,
                "ci" | "clean-install" | "ic" | "install-clean" | "isntall-clean"
            ) {
                // `npm ci` installs the lockfile as it is: every package in it is checked.
                if !ferret_project::has_lockfile(scratch.path()) {
                    bail!("`npm ci` needs a package-lock.json or npm-shrinkwrap.json");
                }
                let plan = ferret_project::plan_from_lockfiles(scratch.path())?;
                return Ok(Some(Changes { plan, scratch }));
            }
            let before = installed(
                cwd,
                "node_modules/.package-lock.json",
                "package-lock.json",
                scratch.path(),
            )?;
            let mut lock_args: Vec<String> = args.to_vec();
            lock_args.extend(
                [
                    "--package-lock-only",
                    "--ignore-scripts",
                    "--no-audit",
                    "--no-fund",
                ]
                .map(str::to_owned),
            );
            resolve(&npm, &lock_args, scratch.path())?;
            let mut plan = ferret_project::plan_from_lockfiles(scratch.path())?;
            plan.items = new_items(&before, plan.items);
            Ok(Some(Changes { plan, scratch }))
        }
        Tool::Pnpm => {
            let Some(_) = sub.filter(|s| PNPM_INSTALLING.contains(s)) else {
                return Ok(None);
            };
            let pnpm = find_on_path("pnpm").context("cannot find the real `pnpm` on PATH")?;
            copy_project(cwd, scratch.path(), PNPM_FILES)?;
            let before = installed(
                cwd,
                "node_modules/.pnpm/lock.yaml",
                "pnpm-lock.yaml",
                scratch.path(),
            )?;
            let mut lock_args: Vec<String> = args.to_vec();
            lock_args.extend(["--lockfile-only", "--ignore-scripts"].map(str::to_owned));
            resolve(&pnpm, &lock_args, scratch.path())?;
            let mut plan = ferret_project::plan_from_lockfiles(scratch.path())?;
            plan.items = new_items(&before, plan.items);
            Ok(Some(Changes { plan, scratch }))
        }
        Tool::Yarn => plan_yarn(args, cwd, scratch).map(Some),
        Tool::Pip => Ok(None),
        Tool::Npx => {
            // The package npx would run: `--package=x`/`-p x` first, else the first
            // non-option argument. It is resolved in an empty project so its whole tree
            // is checked.
            let Some(spec) = npx_package(args) else {
                return Ok(None);
            };
            let npm = find_on_path("npm").context("cannot find the real `npm` on PATH")?;
            if let Ok(text) = std::fs::read(cwd.join(".npmrc")) {
                std::fs::write(scratch.path().join(".npmrc"), text)
                    .context("cannot copy .npmrc")?;
            }
            std::fs::write(
                scratch.path().join("package.json"),
                "{\"name\":\"ferret-npx-check\",\"version\":\"0.0.0\",\"private\":true}\n",
            )
            .context("cannot write the scratch package.json")?;
            let lock_args: Vec<String> = vec![
                "install".into(),
                spec,
                "--package-lock-only".into(),
                "--ignore-scripts".into(),
                "--no-audit".into(),
                "--no-fund".into(),
            ];
            resolve(&npm, &lock_args, scratch.path())?;
            let plan = ferret_project::plan_from_lockfiles(scratch.path())?;
            Ok(Some(Changes { plan, scratch }))
        }
    }
}

/// What is installed now, by the package manager's hidden lockfile in node_modules
/// (`hidden`, read as `as_name`). Without node_modules nothing is installed, so every
/// package of the resulting lockfile is new (a fresh clone's `npm install` installs them
/// all); node_modules without a hidden lockfile falls back to the project's lockfile.
fn installed(cwd: &Path, hidden: &str, as_name: &str, scratch: &Path) -> Result<Vec<Item>> {
    let hidden = cwd.join(hidden);
    if hidden.is_file() {
        let dir = scratch.join(".ferret-installed");
        std::fs::create_dir_all(&dir).context("cannot create a temporary directory")?;
        std::fs::copy(&hidden, dir.join(as_name))
            .with_context(|| format!("cannot copy {}", hidden.display()))?;
        let items = ferret_project::plan_from_lockfiles(&dir)?.items;
        let _ = std::fs::remove_dir_all(&dir);
        return Ok(items);
    }
    if !cwd.join("node_modules").is_dir() || !ferret_project::has_lockfile(scratch) {
        return Ok(Vec::new());
    }
    Ok(ferret_project::plan_from_lockfiles(scratch)?.items)
}

/// `npx [options] <pkg> [args…]`: the package it would fetch.
fn npx_package(args: &[String]) -> Option<String> {
    let mut iter = args.iter();
    while let Some(a) = iter.next() {
        if let Some(p) = a.strip_prefix("--package=") {
            return Some(p.to_owned());
        }
        if a == "-p" || a == "--package" {
            return iter.next().cloned();
        }
        if a == "-c" || a == "--call" {
            return None;
        }
        if !a.starts_with('-') {
            return Some(a.clone());
        }
    }
    None
}

/// Items whose (name, version, integrity) is not in `before`.
fn new_items(before: &[Item], after: Vec<Item>) -> Vec<Item> {
    let old: BTreeSet<(&str, &str, Option<&str>)> = before
        .iter()
        .map(|i| (i.name.as_str(), i.version.as_str(), i.integrity.as_deref()))
        .collect();
    after
        .into_iter()
        .filter(|i| !old.contains(&(i.name.as_str(), i.version.as_str(), i.integrity.as_deref())))
        .collect()
}

fn copy_project(from: &Path, to: &Path, files: &[&str]) -> Result<()> {
    for name in files {
        let src = from.join(name);
        if src.is_file() {
            std::fs::copy(&src, to.join(name))
                .with_context(|| format!("cannot copy {}", src.display()))?;
        }
    }
    if !to.join("package.json").is_file() {
        // As npm does in a folder without one: the install creates it.
        std::fs::write(to.join("package.json"), "{}\n")
            .context("cannot write the scratch package.json")?;
    }
    Ok(())
}

/// Runs npm (or pnpm) in lockfile-only mode in the scratch project; its output is shown on failure.
fn resolve(npm: &Path, args: &[String], dir: &Path) -> Result<()> {
    let out = std::process::Command::new(npm)
        .args(args)
        .current_dir(dir)
        .env("npm_config_ignore_scripts", "true")
        .env("npm_config_audit", "false")
        .env("npm_config_fund", "false")
        .env("npm_config_update_notifier", "false")
        // yarn Berry: no lifecycle scripts, a lockfile that may change, no telemetry.
        .env("YARN_ENABLE_SCRIPTS", "0")
        .env("YARN_ENABLE_IMMUTABLE_INSTALLS", "0")
        .env("YARN_ENABLE_TELEMETRY", "0")
        .stdin(std::process::Stdio::null())
        .output()
        .with_context(|| format!("cannot run {}", npm.display()))?;
    if !out.status.success() {
        let _ = std::io::stderr().write_all(&out.stdout);
        let _ = std::io::stderr().write_all(&out.stderr);
        return Err(anyhow!(
            "`{} {}` (lockfile only, scripts disabled, on a copy of the project) failed ({}); nothing was changed",
            npm.file_name()
                .map_or(std::borrow::Cow::Borrowed("npm"), |n| n.to_string_lossy()),
            args.join(" "),
            out.status
        ));
    }
    Ok(())
}

/// `--registry URL` / `--registry=URL` among the package manager's arguments.
fn registry_flag(args: &[String]) -> Option<String> {
    let mut iter = args.iter();
    while let Some(a) = iter.next() {
        if a == "--registry" {
            return iter.next().cloned();
        }
        if let Some(url) = a.strip_prefix("--registry=") {
            return Some(url.to_owned());
        }
    }
    None
}

/// yarn Berry's registry (`YARN_NPM_REGISTRY_SERVER`, `npmRegistryServer` in the project's
/// .yarnrc.yml): Berry ignores .npmrc, and its lockfile records no tarball URLs, so the
/// scan must fetch from where yarn resolved. `None`: .npmrc decides (as classic yarn does).
fn yarn_registry(cwd: &Path) -> Option<String> {
    if let Some(url) = std::env::var("YARN_NPM_REGISTRY_SERVER")
        .ok()
        .filter(|u| !u.is_empty())
    {
        return Some(url);
    }
    let text = std::fs::read_to_string(cwd.join(".yarnrc.yml")).ok()?;
    text.lines().find_map(|line| {
        let value = line.strip_prefix("npmRegistryServer:")?;
        let value = value.split(" #").next().unwrap_or(value).trim();
        let value = value.trim_matches(|c| c == '"' || c == '\'');
        (!value.is_empty()).then(|| value.to_owned())
    })
}

fn scan(
    plan: &Plan,
    scratch: &tempfile::TempDir,
    cwd: &Path,
    registry: Option<&str>,
    cache_dir: Option<PathBuf>,
) -> Result<ScanReport> {
    let cache = cache_dir.and_then(|dir| match Cache::open(&dir) {
        Ok(c) => Some(c),
        Err(e) => {
            let _ = writeln!(
                std::io::stderr().lock(),
                "warning: cache unavailable, scanning without it: {e}"
            );
            None
        }
    });
    let config = RegistryConfig::discover(registry, cwd)
        .map_err(|e| anyhow!(e))
        .context("cannot determine the registry")?;
    let client = NpmClient::new(config);
    let opts = ferret_project::Options::new(scratch.path(), crate::project::analyser_version());
    let bar = crate::progress::Bar::for_stderr();
    let report =
        ferret_project::scan_plan(&opts, plan.clone(), Some(&client), cache.as_ref(), &bar);
    bar.finish();
    Ok(report)
}

/// The real package manager: a program, arguments before the user's (`-m pip`) and
/// variables added to the environment.
#[derive(Debug, Clone)]
pub(crate) struct RealCommand {
    program: PathBuf,
    prefix: Vec<OsString>,
    env: Vec<(OsString, OsString)>,
}

impl RealCommand {
    fn new(program: PathBuf) -> Self {
        Self {
            program,
            prefix: Vec::new(),
            env: Vec::new(),
        }
    }

    fn with_env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// A command line that runs it with `args` (for the scratch passes).
    fn command(&self, args: &[OsString]) -> std::process::Command {
        let mut cmd = std::process::Command::new(&self.program);
        cmd.args(&self.prefix).args(args);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }
}

/// Runs the real command with the user's arguments and inherited stdio; its exit code.
fn exec(real: &RealCommand, args: &[OsString]) -> Result<ExitCode> {
    let status = real
        .command(args)
        .status()
        .with_context(|| format!("cannot run {}", real.program.display()))?;
    Ok(match status.code() {
        Some(0) => ExitCode::SUCCESS,
        Some(c) => ExitCode::from(u8::try_from(c).unwrap_or(1)),
        None => ExitCode::from(1),
    })
}

/// The first `name` on PATH that is an executable file and not ferret itself (so a shim or
/// alias pointing at ferret is skipped). nvm/volta/asdf shims are ordinary PATH entries.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    let me = std::env::current_exe()
        .ok()
        .and_then(|p| std::fs::canonicalize(p).ok());
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).find_map(|dir| {
        let candidate = dir.join(name);
        if !is_executable(&candidate) {
            return None;
        }
        let canonical = std::fs::canonicalize(&candidate).ok()?;
        if me.as_ref() == Some(&canonical) {
            return None;
        }
        Some(candidate)
    })
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npx_package_is_the_first_operand_or_the_package_flag() {
        let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            npx_package(&s(&["--yes", "cowsay", "hi"])).as_deref(),
            Some("cowsay")
        );
        assert_eq!(
            npx_package(&s(&["-p", "a@1", "bin"])).as_deref(),
            Some("a@1")
        );
        assert_eq!(npx_package(&s(&["--package=b", "x"])).as_deref(), Some("b"));
        assert_eq!(npx_package(&s(&["-c", "echo"])), None);
    }

    #[test]
    fn yarn_commands_that_install() {
        let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        assert!(yarn_installs(&s(&[])));
        assert!(yarn_installs(&s(&["--frozen-lockfile"])));
        assert!(yarn_installs(&s(&["add", "x"])));
        assert!(yarn_installs(&s(&["global", "add", "x"])));
        assert!(yarn_installs(&s(&["up", "x"])));
        assert!(!yarn_installs(&s(&["--version"])));
        assert!(!yarn_installs(&s(&["run", "build"])));
        assert!(!yarn_installs(&s(&["global", "list"])));
        assert!(yarn_installs(&s(&["--registry", "http://r", "add", "x"])));
        assert!(!yarn_installs(&s(&["--silent", "run", "build"])));
    }

    #[test]
    fn the_subcommand_is_not_an_options_value() {
        let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        let sub = |v: &[&str]| subcommand(&s(v), NPM_INSTALLING).map(str::to_owned);
        assert_eq!(
            sub(&["--registry", "http://r", "install", "x"]).as_deref(),
            Some("install")
        );
        assert_eq!(
            sub(&["--registry=http://r", "i", "x"]).as_deref(),
            Some("i")
        );
        assert_eq!(sub(&["-g", "install", "x"]).as_deref(), Some("install"));
        assert_eq!(sub(&["run", "build"]).as_deref(), Some("run"));
        assert_eq!(sub(&["--version"]), None);
    }
}
