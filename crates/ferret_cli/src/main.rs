//! The `ferret` binary: a thin adapter over the engine. It parses arguments, turns each
//! target into a package tree (local path or registry fetch), runs the scan, applies the
//! policy, renders the report and maps the result to an exit code. No analysis lives here.

mod diff_cmd;
mod gate;
mod progress;
mod project;
mod proxy_cmd;
mod pypi;
mod target;
mod watch_cmd;

use anyhow::{Context as _, Result, anyhow};
use clap::{Parser, Subcommand, ValueEnum};
use ferret_core::{SCHEMA_VERSION, ScanError, ScanReport};
use ferret_policy::Policy;
use ferret_report::{
    RuleDescriptor, SarifOptions, TerminalOptions, render_json, render_markdown, render_sarif,
    render_terminal,
};
use ferret_rules::{Rule, known_malware};
use std::io::{self, IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const EXIT_CODES: &str = "\
Exit codes:
  0  nothing is blocked by the policy (warnings do not fail)
  1  the policy blocks at least one package
  2  error: bad arguments, unknown rule, invalid policy file (ferret.toml), or a
     target that could not be scanned (fetch failure, integrity mismatch, unpack limit). An error wins over a block:
     a run that could not scan everything never looks like a clean or a plain block.
A closed stdout (e.g. `ferret scan x | head`) ends the run quietly with exit code 0.";

#[derive(Debug, Parser)]
#[command(
    name = "ferret",
    about = "Supply-chain firewall: inspect npm packages before you install them",
    disable_version_flag = true,
    after_help = EXIT_CODES
)]
struct Cli {
    /// Print the version (and the date of the embedded data)
    #[arg(short = 'V', long, global = true)]
    version: bool,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Scan packages: directories, tarballs or registry specs
    #[command(after_help = EXIT_CODES)]
    Scan(ScanArgs),
    /// What an update newly brings in: two versions of a package, or a branch's lockfile
    /// changes against a base revision (`--base origin/main`)
    #[command(after_help = EXIT_CODES)]
    Diff(diff_cmd::DiffArgs),
    /// Keep watching a project: report what each lockfile/node_modules change adds and
    /// which new risks it brings (`--format jsonl` for tools)
    Watch(watch_cmd::WatchArgs),
    /// List every rule: id, category, default severity and action
    Rules,
    /// Show a rule's documentation
    Explain {
        /// Rule id, e.g. `shell-access`
        id: String,
    },
    /// Manage ferret's data (the known-malware index)
    #[command(subcommand)]
    Db(DbCommand),
    /// The analysis/registry cache (`FERRET_CACHE_DIR`, default `~/.cache/ferret`)
    #[command(subcommand)]
    Cache(CacheCommand),
    /// Registry firewall: serve the npm registry protocol in front of an upstream, without
    /// the versions the policy blocks (then: npm install --registry http://127.0.0.1:4873)
    Proxy(proxy_cmd::ProxyArgs),
    /// Install wrapper: `ferret npm install x` resolves what npm would add (lockfile only,
    /// scripts off, on a copy of the project), scans it, then runs npm unchanged or refuses
    /// (exit 1) leaving the project untouched. Also `ferret npm ci`, `ferret npm update`.
    Npm(gate::GateArgs),
    /// `ferret npx pkg …`: scans pkg (and its dependencies) before npx runs it
    Npx(gate::GateArgs),
    /// `ferret pnpm add x`: as `ferret npm`, with pnpm (lockfile only, scripts off)
    Pnpm(gate::GateArgs),
    /// `ferret yarn add x`: as `ferret npm`, with yarn (Berry: lockfile only; classic: a
    /// scripts-off install into a scratch copy)
    Yarn(gate::GateArgs),
    /// `ferret pip install x`: resolves with pip's dry run (wheels only; sdists read
    /// statically, never built), scans every file, then runs pip or refuses (exit 1)
    Pip(gate::GateArgs),
}

#[derive(Debug, Subcommand)]
enum CacheCommand {
    /// Entries and bytes per table (analysis results, packuments, tarballs)
    Stats {
        /// Cache directory (default: FERRET_CACHE_DIR, then ~/.cache/ferret)
        #[arg(long, value_name = "DIR")]
        cache_dir: Option<PathBuf>,
    },
    /// Delete every cached entry
    Clear {
        /// Cache directory (default: FERRET_CACHE_DIR, then ~/.cache/ferret)
        #[arg(long, value_name = "DIR")]
        cache_dir: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum DbCommand {
    /// Refresh the known-malware index from OSV advisories (a directory of JSON files, a
    /// .zip of them, or one .json file). The result is merged over the embedded index and
    /// stored in the cache directory (`FERRET_CACHE_DIR`, default `~/.cache/ferret`).
    Import {
        /// Directory, .zip or .json of OSV `MAL-` advisories
        path: std::path::PathBuf,
    },
}

#[derive(Debug, clap::Args)]
struct ScanArgs {
    /// What to scan: a package directory (holding package.json or `package/`), a
    /// .tgz/.tar.gz/.tar file, or a registry spec: `npm:name@version`, `name@version`,
    /// `name` (latest), `@scope/name@version`. Existing paths win over specs.
    /// Project mode: with no TARGET, the current directory is scanned as a project (every
    /// dependency its lockfiles name, or its package.json resolved against the registry); a
    /// directory TARGET that holds a lockfile (package-lock.json, npm-shrinkwrap.json,
    /// yarn.lock, pnpm-lock.yaml, bun.lock) is scanned as a project too. A directory with
    /// only package.json is one package.
    #[arg(value_name = "TARGET")]
    targets: Vec<String>,

    /// Scan DIR as a project (even without a lockfile: package.json ranges are resolved)
    #[arg(long, value_name = "DIR", conflicts_with = "targets")]
    project: Option<PathBuf>,

    /// Project scans: use only node_modules and the cache; list what could not be checked
    #[arg(long)]
    offline: bool,

    /// Project scans: registry downloads in flight
    #[arg(long, value_name = "N", default_value_t = ferret_project::DEFAULT_JOBS)]
    jobs: usize,

    /// Project scans: download and analyse the content of optional packages for other
    /// platforms too (by default those whose os/cpu/libc exclude this machine are checked
    /// from their registry metadata only; policy key `all-platforms = true`)
    #[arg(long)]
    all_platforms: bool,

    /// Cache directory (default: FERRET_CACHE_DIR, then $XDG_CACHE_HOME/ferret, ~/.cache/ferret)
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,

    /// Project scans: neither read nor write the cache
    #[arg(long)]
    no_cache: bool,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Terminal)]
    format: Format,

    /// Turn a rule off for this run (repeatable)
    #[arg(long = "ignore", value_name = "RULE")]
    ignore: Vec<String>,

    /// Policy file (default: the nearest ferret.toml in the scanned directory or above it;
    /// see docs/policy.md)
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,

    /// Registry URL (default: npm_config_registry, then .npmrc, then registry.npmjs.org)
    #[arg(long, value_name = "URL")]
    registry: Option<String>,

    /// PyPI simple index for `pypi:` targets and a project's Python files (default:
    /// PIP_INDEX_URL, then pip.conf, then
    /// https://pypi.org/simple/)
    #[arg(long, value_name = "URL")]
    index_url: Option<String>,

    /// Which files of a PyPI release to scan: `default` (the pure-Python wheel pip would
    /// install, else the sdist), `sdist`, `wheel`, `all`
    #[arg(long, value_name = "KIND", default_value = "default")]
    pypi_file: ferret_registry::FileChoice,

    /// Also show info and monitor alerts in the terminal report
    #[arg(long)]
    all: bool,

    /// Never use colors (also: NO_COLOR set, or stdout not a terminal)
    #[arg(long)]
    no_color: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Terminal,
    Json,
    /// SARIF 2.1.0, for GitHub code scanning
    Sarif,
    /// A summary for a pull-request comment
    Markdown,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            match err.downcast_ref::<ferret_policy::PolicyError>() {
                // Already rendered as diagnostics (`error: …` with the file's line and a caret).
                Some(ferret_policy::PolicyError::File(e)) => {
                    let _ = writeln!(io::stderr().lock(), "{}", e.render(use_color_stderr()));
                }
                _ => {
                    let _ = writeln!(io::stderr().lock(), "error: {err:#}");
                }
            }
            ExitCode::from(2)
        }
    }
}

fn run(mut cli: Cli) -> Result<ExitCode> {
    if cli.version {
        // `ferret npm --version` asks npm (clap takes the global flag before the wrapped
        // command's arguments start).
        if let Some(
            Command::Npm(args)
            | Command::Npx(args)
            | Command::Pnpm(args)
            | Command::Yarn(args)
            | Command::Pip(args),
        ) = &mut cli.command
        {
            args.pass_version_on();
        } else {
            print_out(&version_text())?;
            return Ok(ExitCode::SUCCESS);
        }
    }
    match cli.command {
        Some(Command::Scan(args)) => scan(&args),
        Some(Command::Diff(args)) => diff_cmd::run(&args),
        Some(Command::Watch(args)) => watch_cmd::run(&args),
        Some(Command::Rules) => {
            print_out(&rules_table())?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Explain { id }) => {
            let rule = find_rule_or_suggest(&id)?;
            print_out(&ferret_rules::docs::rule_doc_markdown(rule.meta()))?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Db(DbCommand::Import { path })) => db_import(&path),
        Some(Command::Cache(CacheCommand::Stats { cache_dir: dir })) => {
            print_out(&project::cache_stats(&cache_dir_or(dir)?)?)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Proxy(args)) => proxy_cmd::run(&args, &known_rule_ids(), cache_dir()),
        Some(Command::Npm(args)) => {
            install_malware_index();
            gate::run(gate::Tool::Npm, &args, &known_rule_ids(), cache_dir())
        }
        Some(Command::Npx(args)) => {
            install_malware_index();
            gate::run(gate::Tool::Npx, &args, &known_rule_ids(), cache_dir())
        }
        Some(Command::Pnpm(args)) => {
            install_malware_index();
            gate::run(gate::Tool::Pnpm, &args, &known_rule_ids(), cache_dir())
        }
        Some(Command::Yarn(args)) => {
            install_malware_index();
            gate::run(gate::Tool::Yarn, &args, &known_rule_ids(), cache_dir())
        }
        Some(Command::Pip(args)) => {
            install_malware_index();
            gate::run(gate::Tool::Pip, &args, &known_rule_ids(), cache_dir())
        }
        Some(Command::Cache(CacheCommand::Clear { cache_dir: dir })) => {
            print_out(&project::cache_clear(&cache_dir_or(dir)?)?)?;
            Ok(ExitCode::SUCCESS)
        }
        None => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let help = cmd.render_help().to_string();
            let _ = write!(io::stderr().lock(), "{help}");
            Ok(ExitCode::from(2))
        }
    }
}

/// `ferret --version`. Later lines report the embedded data (the malware index date); each
/// data source adds one line here.
fn version_text() -> String {
    let mut out = format!("ferret {}\n", env!("CARGO_PKG_VERSION"));
    for line in data_versions() {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// One line per data set: the known-malware index in use (embedded, or a newer import
/// from the cache directory) with its date and size.
fn data_versions() -> Vec<String> {
    install_malware_index();
    let index = known_malware::Index::active();
    vec![format!(
        "known-malware index: {} ({} advisories)",
        index.date(),
        index.len()
    )]
}

/// The cache directory: `FERRET_CACHE_DIR`, else `$XDG_CACHE_HOME/ferret`, else
/// `~/.cache/ferret`.
fn cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("FERRET_CACHE_DIR").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(dir).join("ferret"));
    }
    std::env::home_dir().map(|h| h.join(".cache").join("ferret"))
}

/// `--cache-dir`, else [`cache_dir`].
fn cache_dir_or(flag: Option<PathBuf>) -> Result<PathBuf> {
    flag.or_else(cache_dir)
        .context("cannot determine a cache directory; set FERRET_CACHE_DIR or --cache-dir")
}

/// The project directory of a scan, when it is a project scan: `--project DIR`, no TARGET
/// (the current directory), or one directory TARGET holding a lockfile.
fn project_root(args: &ScanArgs, cwd: &Path) -> Option<PathBuf> {
    if let Some(dir) = &args.project {
        return Some(dir.clone());
    }
    match args.targets.as_slice() {
        [] => Some(cwd.to_path_buf()),
        [one] => {
            let p = Path::new(one);
            (p.is_dir() && ferret_project::has_lockfile(p)).then(|| p.to_path_buf())
        }
        _ => None,
    }
}

/// Makes a newer imported index (if any) the one rules consult. Rules do no I/O, so the
/// adapter loads it before scanning.
fn install_malware_index() {
    let _ = known_malware::Index::install(known_malware::Index::current(cache_dir().as_deref()));
}

/// `ferret db import PATH`.
fn db_import(path: &Path) -> Result<ExitCode> {
    let dir = cache_dir().context("cannot determine a cache directory; set FERRET_CACHE_DIR")?;
    let (imported, import_report) = known_malware::import::import_path_with_report(path)
        .with_context(|| format!("cannot import advisories from {}", path.display()))?;
    let merged = known_malware::Index::embedded().merged_with(imported);
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create cache directory {}", dir.display()))?;
    let target = dir.join(known_malware::CACHE_FILE);
    merged
        .write_to(&target)
        .with_context(|| format!("cannot write {}", target.display()))?;
    let mut out = format!(
        "imported {} advisories from {} files ({} skipped); index now {} advisories dated {}\nwritten to {}\n",
        import_report.advisories,
        import_report.files,
        import_report.skipped.len(),
        merged.len(),
        merged.date(),
        target.display()
    );
    for s in &import_report.skipped {
        out.push_str(&format!("  skipped {}: {}\n", s.file, s.reason));
    }
    print_out(&out)?;
    Ok(ExitCode::SUCCESS)
}

fn scan(args: &ScanArgs) -> Result<ExitCode> {
    let known = known_rule_ids();
    let mut policy = load_policy(args, &known)?;
    for id in &args.ignore {
        policy.ignore(id, &known).context("--ignore")?;
    }

    install_malware_index();
    let cwd = std::env::current_dir().context("cannot determine the current directory")?;
    if let Some(root) = project_root(args, &cwd) {
        let mut report = project::scan(&project::ProjectArgs {
            root: &root,
            registry: args.registry.as_deref(),
            offline: args.offline,
            jobs: args.jobs,
            cache_dir: args.cache_dir.clone().or_else(cache_dir),
            no_cache: args.no_cache,
            index_url: args.index_url.as_deref(),
            soak_hours: Some(policy.soak_hours()),
            all_platforms: args.all_platforms || policy.all_platforms,
        })?;
        for pkg in &mut report.packages {
            policy.apply(pkg);
        }
        warn_unused_exceptions(&policy);
        for e in &report.errors {
            let _ = writeln!(
                io::stderr().lock(),
                "error: cannot scan {}: {}",
                e.target,
                e.error
            );
        }
        return render_and_exit(args, report);
    }
    let mut scanner =
        target::Scanner::new(args.registry.as_deref(), &cwd).with_pypi(pypi::PypiOptions {
            index_url: args.index_url.clone(),
            choice: args.pypi_file,
        });
    let mut report = ScanReport {
        schema_version: SCHEMA_VERSION,
        ferret_version: env!("CARGO_PKG_VERSION").to_string(),
        packages: Vec::new(),
        errors: Vec::new(),
        project: None,
    };
    for target in &args.targets {
        match scanner.scan_all(target) {
            Ok(pkgs) => {
                for mut pkg in pkgs {
                    policy.apply(&mut pkg);
                    report.packages.push(pkg);
                }
            }
            Err(err) => {
                let error = format!("{err:#}");
                let _ = writeln!(io::stderr().lock(), "error: cannot scan {target}: {error}");
                report.errors.push(ScanError {
                    target: target.clone(),
                    error,
                });
            }
        }
    }
    warn_unused_exceptions(&policy);
    render_and_exit(args, report)
}

fn render_and_exit(args: &ScanArgs, report: ScanReport) -> Result<ExitCode> {
    let out = match args.format {
        Format::Json => render_json(&report),
        Format::Sarif => render_sarif(
            &report,
            &rule_descriptors(),
            &SarifOptions {
                all: args.all,
                information_uri: Some(env!("CARGO_PKG_HOMEPAGE").to_string()),
            },
        ),
        Format::Markdown => render_markdown(&report),
        Format::Terminal => render_terminal(
            &report,
            &TerminalOptions {
                color: use_color(args.no_color),
                all: args.all,
            },
        ),
    };
    print_out(&out)?;
    Ok(exit_code(&report))
}

/// 2 if any target failed, else 1 if anything is blocked, else 0 (documented in `--help`).
fn exit_code(report: &ScanReport) -> ExitCode {
    if !report.errors.is_empty() {
        ExitCode::from(2)
    } else if report
        .packages
        .iter()
        .any(ferret_core::PackageReport::is_blocked)
    {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// `--policy FILE`, else the nearest ferret.toml at or above the scanned directory
/// (`--project DIR`, the first directory TARGET, else the current directory), else the
/// default policy.
fn load_policy(args: &ScanArgs, known: &[&str]) -> Result<Policy> {
    let target_dir = || args.targets.iter().map(PathBuf::from).find(|p| p.is_dir());
    let start = match args.project.clone().or_else(target_dir) {
        Some(dir) => dir,
        None => std::env::current_dir().context("cannot determine the current directory")?,
    };
    let policy = Policy::find_and_load(args.policy.as_deref(), &start, known)?;
    Ok(policy)
}

/// Exceptions of the policy file that changed no alert: stale or mistyped (stderr).
fn warn_unused_exceptions(policy: &Policy) {
    for warning in policy.unused_exception_warnings() {
        let _ = writeln!(io::stderr().lock(), "warning: {warning}");
    }
}

fn use_color_stderr() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && io::stderr().is_terminal()
}

fn use_color(no_color: bool) -> bool {
    !no_color
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && io::stdout().is_terminal()
}

fn known_rule_ids() -> Vec<&'static str> {
    ferret_rules::registry::all_rules()
        .iter()
        .map(|r| r.meta().id)
        .collect()
}

fn find_rule_or_suggest(id: &str) -> Result<&'static dyn Rule> {
    ferret_rules::registry::find_rule(id).ok_or_else(|| {
        let known = known_rule_ids();
        match ferret_policy::suggest(id, known.iter().copied()) {
            Some(s) => anyhow!("unknown rule `{id}`; did you mean `{s}`? (see `ferret rules`)"),
            None => anyhow!("unknown rule `{id}` (see `ferret rules`)"),
        }
    })
}

/// `ferret rules`: one aligned line per rule, sorted by id.
/// Every registered rule, described for the SARIF renderer.
fn rule_descriptors() -> Vec<RuleDescriptor> {
    ferret_rules::registry::all_rules()
        .iter()
        .map(|r| {
            let m = r.meta();
            RuleDescriptor {
                id: m.id.to_string(),
                name: m.name.to_string(),
                summary: m.summary(),
                docs_markdown: m.docs_markdown(),
                default_action: m.default_action,
                severity: m.severity,
                category: m.category,
            }
        })
        .collect()
}

fn rules_table() -> String {
    let mut rows: Vec<[String; 5]> = ferret_rules::registry::all_rules()
        .iter()
        .map(|r| {
            let m = r.meta();
            [
                m.id.to_string(),
                m.category.as_str().to_string(),
                m.severity.as_str().to_string(),
                m.default_action.as_str().to_string(),
                first_sentence(&m.summary()).to_string(),
            ]
        })
        .collect();
    rows.sort();
    let header = ["ID", "CATEGORY", "SEVERITY", "ACTION", "SUMMARY"].map(str::to_string);
    let mut widths = [0usize; 4];
    for row in std::iter::once(&header).chain(&rows) {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (w, cell) in widths.iter().zip(row) {
            line.push_str(&format!("{cell:w$}  "));
        }
        line.push_str(&row[4]);
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The first sentence of a summary, so `ferret rules` stays one short line per rule
/// (`ferret explain` has the rest). A sentence ends at `. ` before an uppercase letter,
/// which skips `e.g. x` and `(`…`). One` alike.
fn first_sentence(text: &str) -> &str {
    let mut search = 0;
    while let Some(i) = text[search..].find(". ") {
        let end = search + i;
        let next = text[end + 2..].chars().next();
        if next.is_some_and(char::is_uppercase) {
            return &text[..=end];
        }
        search = end + 2;
    }
    text
}

/// Writes to stdout through the lock (never `println!`, which panics on a closed pipe).
fn print_out(text: &str) -> Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .context("cannot write to stdout")
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_sentence_cuts_at_a_sentence_end_only() {
        assert_eq!(
            first_sentence("Reports `fs` (e.g. reads). One finding per file."),
            "Reports `fs` (e.g. reads)."
        );
        assert_eq!(first_sentence("No second sentence."), "No second sentence.");
        assert_eq!(
            first_sentence("Ends at x. lower case goes on"),
            "Ends at x. lower case goes on"
        );
    }

    #[test]
    fn exit_code_prefers_errors_over_blocks() {
        let mut report = ScanReport {
            schema_version: SCHEMA_VERSION,
            ferret_version: String::new(),
            packages: Vec::new(),
            errors: Vec::new(),
            project: None,
        };
        assert_eq!(exit_code(&report), ExitCode::SUCCESS);
        report.errors.push(ScanError {
            target: "x".into(),
            error: "boom".into(),
        });
        assert_eq!(exit_code(&report), ExitCode::from(2));
    }
}
