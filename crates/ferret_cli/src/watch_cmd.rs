//! `ferret watch [DIR]`: keeps watching a project's package.json, lockfiles and the top level
//! of node_modules with the operating system's file events (inotify, FSEvents, kqueue via
//! `notify`), debounced, and on each change reports what was added, removed or updated and
//! what new risks came with it — the project diff of `ferret diff --base`, with the previous
//! state of the project as the base.
//!
//! A half-written lockfile is an `error` event with the parser's message; the previous
//! state is kept and the next complete write is diffed against it. `--format jsonl` writes
//! one JSON object per line (`ready`, `change`, `error`) for other tools. Ctrl-C stops it.

use crate::diff_cmd::{BASE_FILES, Fetcher, diff_plans, plan};
use anyhow::{Context as _, Result};
use ferret_core::{ChangeKind, PackageChange, ProjectDiffReport, SCHEMA_VERSION};
use ferret_policy::Policy;
use ferret_project::Plan;
use ferret_report::{TerminalOptions, render_project_diff_terminal};
use notify::{RecursiveMode, Watcher as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::Duration;

/// Quiet time after the last file event before the project is re-read: package managers
/// write lockfile and node_modules in bursts; 200 ms folds a burst into one report while
/// staying well inside the one-second reaction target.
const DEBOUNCE: Duration = Duration::from_millis(200);

#[derive(Debug, clap::Args)]
pub struct WatchArgs {
    /// Project directory (default: the current directory)
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// Output: terminal text, or one JSON object per line
    #[arg(long, value_enum, default_value_t = WatchFormat::Terminal)]
    pub format: WatchFormat,

    /// Policy file (default: the nearest ferret.toml)
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,

    /// Registry URL
    #[arg(long, value_name = "URL")]
    pub registry: Option<String>,

    /// Use only node_modules and the cache
    #[arg(long)]
    pub offline: bool,

    /// Cache directory (default: FERRET_CACHE_DIR, then ~/.cache/ferret)
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,

    /// Never use colors
    #[arg(long)]
    pub no_color: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum WatchFormat {
    Terminal,
    /// One JSON object per event and line
    Jsonl,
}

pub fn run(args: &WatchArgs) -> Result<ExitCode> {
    let known = super::known_rule_ids();
    super::install_malware_index();
    let root = match &args.dir {
        Some(d) => d.clone(),
        None => std::env::current_dir().context("cannot determine the current directory")?,
    };
    let policy = Policy::find_and_load(args.policy.as_deref(), &root, &known)?;
    let fetcher = Fetcher::with(
        args.offline,
        args.registry.as_deref(),
        args.cache_dir.clone(),
        &root,
    );
    let (tx, rx) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(move |ev: notify::Result<notify::Event>| {
        let _ = tx.send(ev);
    })
    .context("cannot start the file watcher")?;
    watcher
        .watch(&root, RecursiveMode::NonRecursive)
        .with_context(|| format!("cannot watch {}", root.display()))?;
    let node_modules = root.join("node_modules");
    let mut watching_modules = watcher
        .watch(&node_modules, RecursiveMode::NonRecursive)
        .is_ok();

    let mut state = match plan(&root) {
        Ok(p) => p,
        Err(e) => {
            emit_error(args, &format!("{e:#}"))?;
            Plan::default()
        }
    };
    emit(
        args,
        &serde_json::json!({ "event": "ready", "root": root.display().to_string(), "packages": state.items.len() }),
        &format!(
            "watching {} ({} packages); Ctrl-C to stop\n",
            root.display(),
            state.items.len()
        ),
    )?;
    loop {
        // Block for the first event, then fold the burst.
        let Ok(first) = rx.recv() else {
            return Ok(ExitCode::SUCCESS);
        };
        let mut relevant = is_relevant(&first, &root);
        while let Ok(ev) = rx.recv_timeout(DEBOUNCE) {
            relevant |= is_relevant(&ev, &root);
        }
        if !relevant {
            continue;
        }
        if !watching_modules && node_modules.is_dir() {
            watching_modules = watcher
                .watch(&node_modules, RecursiveMode::NonRecursive)
                .is_ok();
        }
        let next = match plan(&root) {
            Ok(p) => p,
            Err(e) => {
                // A half-written lockfile: say so, keep the last good state.
                emit_error(args, &format!("{e:#}"))?;
                continue;
            }
        };
        let (mut changes, errors) = diff_plans(&state, &next, &root, &fetcher);
        state = next;
        if changes.is_empty() && errors.is_empty() {
            continue;
        }
        for c in &mut changes {
            if let Some(r) = c.verdict_report_mut() {
                policy.apply(r);
            }
        }
        changes.sort_by(|a, b| {
            b.is_blocked()
                .cmp(&a.is_blocked())
                .then_with(|| a.name.cmp(&b.name))
        });
        let report = ProjectDiffReport {
            schema_version: SCHEMA_VERSION,
            ferret_version: env!("CARGO_PKG_VERSION").to_string(),
            root: root.display().to_string(),
            base: "previous state".to_string(),
            lockfiles: state.lockfiles.clone(),
            changes,
            errors,
            notes: Vec::new(),
        };
        let names = |k: ChangeKind| -> Vec<String> {
            report
                .changes
                .iter()
                .filter(|c| c.change == k)
                .map(PackageChange::label)
                .collect()
        };
        let event = serde_json::json!({
            "event": "change",
            "added": names(ChangeKind::Added),
            "removed": names(ChangeKind::Removed),
            "updated": names(ChangeKind::Changed),
            "blocked": report.is_blocked(),
            "report": report,
        });
        let text = render_project_diff_terminal(
            &report,
            &TerminalOptions {
                color: super::use_color(args.no_color),
                all: false,
            },
        );
        emit(args, &event, &text)?;
    }
}

/// Whether an event touches what the project plan reads: package.json, a lockfile, or an
/// entry directly in node_modules.
fn is_relevant(ev: &notify::Result<notify::Event>, root: &Path) -> bool {
    let Ok(ev) = ev else { return true };
    if matches!(ev.kind, notify::EventKind::Access(_)) {
        return false;
    }
    ev.paths.iter().any(|p| {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let parent = p.parent();
        (parent == Some(root) && (BASE_FILES.contains(&name) || name == "node_modules"))
            || parent.is_some_and(|d| d == root.join("node_modules"))
    })
}

fn emit(args: &WatchArgs, json: &serde_json::Value, text: &str) -> Result<()> {
    match args.format {
        WatchFormat::Jsonl => super::print_out(&format!("{json}\n")),
        WatchFormat::Terminal => super::print_out(text),
    }
}

fn emit_error(args: &WatchArgs, message: &str) -> Result<()> {
    emit(
        args,
        &serde_json::json!({ "event": "error", "message": message }),
        &format!("error: {message} (waiting for the next write)\n"),
    )
}
