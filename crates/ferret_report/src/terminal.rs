//! The terminal renderer: per package a header, the capability profile, the alerts with
//! underlined code excerpts, the files that could not be analysed, and a final summary.
//!
//! Colors are plain ANSI SGR codes written here (no crate): the caller decides whether the
//! output is a terminal. Every piece of package-derived text goes through [`clean`], so a
//! file named `\x1b[2J` shows up escaped instead of clearing the screen.

use ferret_core::location::is_format_char;
use ferret_core::{
    Action, CapabilitySummary, Excerpt, Finding, Location, PackageReport, ProjectInfo, ScanReport,
    Severity,
};
use std::borrow::Cow;
use std::fmt::Write as _;

/// How the terminal report looks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TerminalOptions {
    /// Emit ANSI color codes.
    pub color: bool,
    /// Also show `info` and `monitor` alerts (hidden by default: the capability profile
    /// already summarises the info ones).
    pub all: bool,
}

/// How many locations a capability line lists before `+N more`.
const CAPABILITY_LOCATIONS: usize = 3;

/// Renders the whole report for a terminal. Ends with a newline.
pub fn render_terminal(report: &ScanReport, opts: &TerminalOptions) -> String {
    let p = Painter { on: opts.color };
    let mut out = String::new();
    for (i, pkg) in report.packages.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        render_package(&mut out, pkg, opts, p);
    }
    if !report.packages.is_empty() {
        out.push('\n');
    }
    render_summary(&mut out, report, p);
    out
}

fn render_package(out: &mut String, pkg: &PackageReport, opts: &TerminalOptions, p: Painter) {
    let info = &pkg.package;
    let _ = writeln!(
        out,
        "{}  {} {}, {} unpacked",
        p.paint(BOLD, &package_label(&info.name, &info.version)),
        info.file_count,
        plural(info.file_count, "file", "files"),
        human_size(info.unpacked_size),
    );
    let integrity = info
        .integrity
        .as_deref()
        .map_or(Cow::Borrowed("unknown"), clean);
    let _ = writeln!(out, "  integrity  {integrity}");
    let _ = writeln!(out, "  source     {}", clean(&info.source));
    // Registry-metadata rules that could not run: never a silent pass. A project scan says it
    // once in its summary instead of once per package.
    if pkg.project.is_none() {
        for (reason, rules) in not_evaluated_by_reason(pkg) {
            let _ = writeln!(
                out,
                "  {}  {} metadata {} ({}): {}",
                p.paint(YELLOW_BOLD, "not evaluated"),
                rules.len(),
                plural(rules.len() as u64, "rule", "rules"),
                clean(reason),
                rules.join(", ")
            );
        }
    }
    // In a project scan, say who pulled a flagged package in: that is what a user acts on.
    if let Some(project) = pkg.project.as_ref()
        && pkg.worst_action() >= Some(Action::Warn)
    {
        for path in &project.paths {
            let _ = writeln!(out, "  via        {}", clean(&path.join(" > ")));
        }
        if let Some(lock) = &project.lockfile {
            let _ = writeln!(out, "  locked at  {}:{}", clean(&lock.path), lock.line);
        }
    }

    out.push('\n');
    render_capabilities(out, &pkg.capabilities, p);

    out.push('\n');
    render_alerts(out, &pkg.alerts, opts, p);

    if !pkg.files_failed.is_empty() {
        out.push('\n');
        let _ = writeln!(out, "{}", p.paint(BOLD, "Files that could not be analysed"));
        for f in &pkg.files_failed {
            let _ = writeln!(
                out,
                "  {}: {}",
                p.paint(CYAN, &clean(&f.path)),
                clean(&f.reason)
            );
        }
    }
}

fn render_capabilities(out: &mut String, caps: &[CapabilitySummary], p: Painter) {
    if caps.is_empty() {
        let _ = writeln!(out, "{}  none detected", p.paint(BOLD, "Capabilities"));
        return;
    }
    let _ = writeln!(out, "{}", p.paint(BOLD, "Capabilities"));
    let counts: Vec<String> = caps
        .iter()
        .map(|c| format!("{} {}", c.count, plural(c.count as u64, "place", "places")))
        .collect();
    let label_w = caps
        .iter()
        .map(|c| c.capability.label().chars().count())
        .max()
        .unwrap_or(0);
    let count_w = counts.iter().map(String::len).max().unwrap_or(0);
    let any_install = caps.iter().any(|c| c.install_time);
    for (cap, count) in caps.iter().zip(&counts) {
        let mut line = format!("  {:label_w$}  {:>count_w$}", cap.capability.label(), count);
        if any_install {
            let marker = if cap.install_time {
                p.paint(RED, "(install-time)")
            } else {
                " ".repeat("(install-time)".len())
            };
            let _ = write!(line, "  {marker}");
        }
        let mut places: Vec<String> = cap
            .locations
            .iter()
            .take(CAPABILITY_LOCATIONS)
            .map(|u| p.paint(CYAN, &fmt_loc(&u.location)))
            .collect();
        let more = cap.count.max(cap.locations.len()) - places.len();
        if more > 0 {
            places.push(format!("+{more} more"));
        }
        if !places.is_empty() {
            let _ = write!(line, "  {}", places.join(", "));
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
}

fn render_alerts(out: &mut String, alerts: &[Finding], opts: &TerminalOptions, p: Painter) {
    let hidden = |a: &Finding| !opts.all && a.action <= Action::Monitor;
    let shown: Vec<&Finding> = alerts.iter().filter(|a| !hidden(a)).collect();
    let hidden_count = alerts.len() - shown.len();
    if shown.is_empty() {
        let _ = writeln!(out, "{}  none shown", p.paint(BOLD, "Alerts"));
    } else {
        let _ = writeln!(out, "{}", p.paint(BOLD, "Alerts"));
        // Input is sorted by `Finding::sort_key` already; sorting again keeps the contract
        // even for hand-built reports.
        let mut shown = shown;
        shown.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        for (i, alert) in shown.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            render_alert(out, alert, p);
        }
    }
    if hidden_count > 0 {
        out.push('\n');
        let _ = writeln!(
            out,
            "{hidden_count} monitored/info {} hidden; use --all to show {}",
            plural(hidden_count as u64, "alert", "alerts"),
            if hidden_count == 1 { "it" } else { "them" },
        );
    }
}

fn render_alert(out: &mut String, alert: &Finding, p: Painter) {
    let tag = format!("[{}]", alert.action.as_str().to_ascii_uppercase());
    let _ = write!(
        out,
        "{} {} {}  {}",
        p.paint(action_style(alert.action), &tag),
        p.paint(severity_style(alert.severity), alert.severity.as_str()),
        p.paint(BOLD, &clean(&alert.rule)),
        clean(&alert.message),
    );
    if alert.install_time {
        let _ = write!(out, "  {}", p.paint(RED, "(install-time)"));
    }
    out.push('\n');

    // Gutter wide enough for every line number this alert prints.
    let gutter = std::iter::once(alert.code.as_ref())
        .chain(alert.related.iter().map(|r| r.code.as_ref()))
        .flatten()
        .map(|c| c.line.to_string().len())
        .max()
        .unwrap_or(1);
    let pad = " ".repeat(gutter);
    if let Some(l) = &alert.location {
        let _ = writeln!(out, "{pad}{} {}", p.paint(BLUE, "-->"), fmt_loc(l));
    }
    if let Some(code) = &alert.code {
        render_excerpt(
            out,
            code,
            alert.label.as_deref(),
            gutter,
            action_style(alert.action),
            p,
        );
    }
    for rel in &alert.related {
        let _ = writeln!(
            out,
            "{pad} {} {}  {}",
            p.paint(BLUE, "="),
            p.paint(CYAN, &fmt_loc(&rel.location)),
            clean(&rel.label)
        );
        if let Some(code) = &rel.code {
            render_excerpt(out, code, None, gutter, BLUE, p);
        }
    }
}

/// ```text
///    |
///  3 | const r = https.request(url)
///    |           ^^^^^^^^^^^^^ label
/// ```
fn render_excerpt(
    out: &mut String,
    ex: &Excerpt,
    label: Option<&str>,
    gutter: usize,
    style: &str,
    p: Painter,
) {
    let (text, start, len) = clean_excerpt(ex);
    let bar = p.paint(BLUE, "|");
    let pad = " ".repeat(gutter);
    let _ = writeln!(out, "{pad} {bar}");
    let _ = writeln!(
        out,
        "{} {bar} {text}",
        p.paint(BLUE, &format!("{:>gutter$}", ex.line))
    );
    let mut underline = format!("{}{}", " ".repeat(start), "^".repeat(len.max(1)));
    if let Some(label) = label {
        underline.push(' ');
        underline.push_str(&clean(label));
    }
    let _ = writeln!(out, "{pad} {bar} {}", p.paint(style, &underline));
}

/// The excerpt's text made safe for a terminal, with the highlight re-mapped to the
/// cleaned text. Highlight offsets count characters (as [`Excerpt`] documents), never
/// bytes, and are clamped to the text so a malformed excerpt cannot misplace the carets
/// beyond the line.
fn clean_excerpt(ex: &Excerpt) -> (String, usize, usize) {
    let hl_start = ex.highlight_start as usize;
    let hl_end = hl_start.saturating_add(ex.highlight_len as usize);
    let mut text = String::new();
    let mut width = 0usize;
    let mut start = None;
    let mut end = None;
    for (i, c) in ex.text.chars().enumerate() {
        if i == hl_start {
            start = Some(width);
        }
        if i == hl_end {
            end = Some(width);
        }
        let piece = escape_char(c);
        width += piece.chars().count();
        text.push_str(&piece);
    }
    let start = start.unwrap_or(width);
    let end = end.unwrap_or(width).max(start);
    (text, start, end - start)
}

fn escape_char(c: char) -> Cow<'static, str> {
    if c == '\t' {
        Cow::Borrowed(" ")
    } else if c.is_control() || is_format_char(c) {
        Cow::Owned(format!("\\u{{{:x}}}", c as u32))
    } else {
        let mut s = String::new();
        s.push(c);
        Cow::Owned(s)
    }
}

fn render_summary(out: &mut String, report: &ScanReport, p: Painter) {
    let count = |action: Action| -> usize {
        report
            .packages
            .iter()
            .flat_map(|pkg| &pkg.alerts)
            .filter(|a| a.action == action)
            .count()
    };
    let blocked = count(Action::Block);
    let warned = count(Action::Warn);
    let errors = report.errors.len();
    let packages = report.packages.len();
    let status = if errors > 0 {
        p.paint(RED_BOLD, "ERROR")
    } else if blocked > 0 {
        p.paint(RED_BOLD, "BLOCKED")
    } else if warned > 0 {
        p.paint(YELLOW_BOLD, "WARNINGS")
    } else {
        p.paint(GREEN_BOLD, "OK")
    };
    let mut line = format!(
        "{status}: {packages} {} scanned, {blocked} blocked, {warned} warned",
        plural(packages as u64, "package", "packages")
    );
    if errors > 0 {
        let _ = write!(
            line,
            ", {errors} {} could not be scanned",
            plural(errors as u64, "target", "targets")
        );
    }
    let _ = writeln!(out, "{line}");
    let blocked_pkgs: Vec<String> = report
        .packages
        .iter()
        .filter(|pkg| pkg.is_blocked())
        .map(|pkg| package_label(&pkg.package.name, &pkg.package.version))
        .collect();
    if !blocked_pkgs.is_empty() {
        let _ = writeln!(out, "  blocked: {}", blocked_pkgs.join(", "));
    }
    if errors > 0 {
        let targets: Vec<Cow<str>> = report.errors.iter().map(|e| clean(&e.target)).collect();
        let _ = writeln!(out, "  failed:  {}", targets.join(", "));
    }
    let unevaluated = report
        .packages
        .iter()
        .filter(|pkg| pkg.project.is_some() && !pkg.not_evaluated.is_empty())
        .count();
    if unevaluated > 0 {
        let mut reasons: Vec<&str> = report
            .packages
            .iter()
            .flat_map(|pkg| &pkg.not_evaluated)
            .map(|n| n.reason.as_str())
            .collect();
        reasons.sort_unstable();
        reasons.dedup();
        let reasons: Vec<Cow<str>> = reasons.into_iter().map(clean).collect();
        let _ = writeln!(
            out,
            "  not evaluated: registry-metadata rules for {unevaluated} {} ({})",
            plural(unevaluated as u64, "package", "packages"),
            reasons.join("; ")
        );
    }
    if let Some(project) = &report.project {
        render_project_summary(out, project);
    }
}

/// The package's not-evaluated rules grouped by reason (sorted), rule ids cleaned.
fn not_evaluated_by_reason(pkg: &PackageReport) -> Vec<(&str, Vec<Cow<'_, str>>)> {
    let mut groups: Vec<(&str, Vec<Cow<str>>)> = Vec::new();
    for n in &pkg.not_evaluated {
        match groups.iter_mut().find(|(r, _)| *r == n.reason) {
            Some((_, rules)) => rules.push(clean(&n.rule)),
            None => groups.push((n.reason.as_str(), vec![clean(&n.rule)])),
        }
    }
    groups.sort_by(|a, b| a.0.cmp(b.0));
    groups
}

/// The project lines of the summary: what was scanned (direct / transitive), where each
/// package's content came from, the lockfiles read and the notes (what could not be checked,
/// what is unverifiable).
fn render_project_summary(out: &mut String, project: &ProjectInfo) {
    let mut line = String::from("  project: ");
    line.push_str(
        &project
            .name
            .as_deref()
            .map_or(Cow::Borrowed("(unnamed)"), clean),
    );
    if project.lockfiles.is_empty() {
        line.push_str(", no lockfile");
    } else {
        let files: Vec<Cow<str>> = project.lockfiles.iter().map(|f| clean(f)).collect();
        let _ = write!(line, ", {}", files.join(", "));
    }
    let _ = writeln!(out, "{line}");
    let sources: Vec<String> = source_counts(project)
        .into_iter()
        .map(|(n, label)| format!("{n} {}", clean(&label)))
        .collect();
    let _ = writeln!(
        out,
        "  packages: {} direct, {} transitive; {}",
        project.direct,
        project.transitive,
        sources.join(", ")
    );
    for note in &project.notes {
        let _ = writeln!(out, "  note: {}", clean(note));
    }
}

/// Where the packages of a project scan came from, as `(count, "from the registry")`: the
/// three sources a user asks about (node_modules, the cache, the registry) always, even at
/// zero (a cold run says "0 from the cache"), then any other origin present (`lockfile`:
/// git/http/file specs reported, not fetched).
pub(crate) fn source_counts(project: &ProjectInfo) -> Vec<(usize, String)> {
    let fixed = [
        ("node_modules", "from node_modules"),
        ("cache", "from the cache"),
        ("registry", "from the registry"),
    ];
    let mut out: Vec<(usize, String)> = fixed
        .iter()
        .map(|(key, label)| {
            (
                project.sources.get(*key).copied().unwrap_or(0),
                (*label).to_owned(),
            )
        })
        .collect();
    for (key, n) in &project.sources {
        if fixed.iter().any(|(k, _)| k == key) {
            continue;
        }
        let label = if key == "lockfile" {
            "not fetched (git/http/file specs)".to_owned()
        } else {
            format!("from {key}")
        };
        out.push((*n, label));
    }
    out
}

/// `name@version`; a package without a manifest has neither, which must still read clearly.
fn package_label(name: &str, version: &str) -> String {
    let name = if name.is_empty() {
        Cow::Borrowed("(unnamed package)")
    } else {
        clean(name)
    };
    let version = if version.is_empty() {
        Cow::Borrowed("(no version)")
    } else {
        clean(version)
    };
    format!("{name}@{version}")
}

fn fmt_loc(l: &Location) -> String {
    format!("{}:{}:{}", clean(&l.path), l.line, l.column)
}

/// Escapes control and invisible formatting characters (ANSI escapes, bidi overrides,
/// zero-width characters) so hostile package text cannot rewrite the terminal.
fn clean(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c.is_control() || is_format_char(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() || is_format_char(c) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Binary units with one decimal: `900 B`, `22.9 KiB`, `3.0 MiB`.
fn human_size(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    // Precision loss is irrelevant for a one-decimal display.
    #[expect(clippy::cast_precision_loss, reason = "display only")]
    let mut v = n as f64 / 1024.0;
    let mut unit = UNITS[0];
    for u in &UNITS[1..] {
        if v < 1024.0 {
            break;
        }
        v /= 1024.0;
        unit = u;
    }
    format!("{v:.1} {unit}")
}

fn plural<'a>(n: u64, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

const BOLD: &str = "1";
const RED: &str = "31";
const BLUE: &str = "34";
const CYAN: &str = "36";
const RED_BOLD: &str = "1;31";
const YELLOW_BOLD: &str = "1;33";
const GREEN_BOLD: &str = "1;32";

fn action_style(a: Action) -> &'static str {
    match a {
        Action::Block => RED_BOLD,
        Action::Warn => YELLOW_BOLD,
        Action::Monitor => "1;36",
        Action::Info | Action::Ignore => "1;34",
    }
}

fn severity_style(s: Severity) -> &'static str {
    match s {
        Severity::Critical => RED_BOLD,
        Severity::High => RED,
        Severity::Medium => "33",
        Severity::Low | Severity::Info => "2",
    }
}

#[derive(Debug, Clone, Copy)]
struct Painter {
    on: bool,
}

impl Painter {
    fn paint(self, style: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{style}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::sample_report;

    fn plain(all: bool) -> String {
        render_terminal(&sample_report(), &TerminalOptions { color: false, all })
    }

    #[test]
    fn terminal_snapshot() {
        insta::assert_snapshot!(plain(false));
    }

    #[test]
    fn terminal_snapshot_all() {
        insta::assert_snapshot!(plain(true));
    }

    #[test]
    fn no_escape_codes_without_color_even_from_hostile_names() {
        let out = plain(true);
        assert!(!out.contains('\x1b'), "{out}");
        assert!(out.contains("lib/\\u{1b}[31mevil.js"), "{out}");
    }

    #[test]
    fn color_wraps_tags_in_sgr_codes() {
        let out = render_terminal(
            &sample_report(),
            &TerminalOptions {
                color: true,
                all: false,
            },
        );
        assert!(out.contains("\x1b[1;31m[BLOCK]\x1b[0m"), "{out}");
        assert!(out.contains("\x1b[1;33m[WARN]\x1b[0m"), "{out}");
        // The hostile file name's own escape stays escaped even in color mode.
        assert!(!out.contains("\x1b[31mevil"), "{out}");
    }

    #[test]
    fn hidden_alerts_are_counted_and_shown_with_all() {
        let out = plain(false);
        assert!(out.contains("2 monitored/info alerts hidden; use --all"));
        assert!(!out.contains("telemetry"));
        let out = plain(true);
        assert!(out.contains("[MONITOR] low telemetry"));
        assert!(out.contains("[INFO] medium shell-access"));
        assert!(!out.contains("hidden"));
    }

    #[test]
    fn underline_counts_characters_not_bytes() {
        let ex = Excerpt {
            line: 1,
            text: "é€ fetch(x)".into(),
            highlight_start: 3,
            highlight_len: 5,
        };
        assert_eq!(clean_excerpt(&ex), ("é€ fetch(x)".to_string(), 3, 5));
        let mut out = String::new();
        render_excerpt(&mut out, &ex, Some("here"), 1, RED, Painter { on: false });
        assert_eq!(out, "  |\n1 | é€ fetch(x)\n  |    ^^^^^ here\n");
    }

    #[test]
    fn raw_control_chars_in_excerpt_shift_the_underline() {
        let ex = Excerpt {
            line: 1,
            text: "\u{1b}ab".into(),
            highlight_start: 1,
            highlight_len: 2,
        };
        assert_eq!(clean_excerpt(&ex), ("\\u{1b}ab".to_string(), 6, 2));
    }

    #[test]
    fn out_of_range_highlight_is_clamped() {
        let ex = Excerpt {
            line: 1,
            text: "abc".into(),
            highlight_start: 10,
            highlight_len: 4,
        };
        assert_eq!(clean_excerpt(&ex), ("abc".to_string(), 3, 0));
    }

    #[test]
    fn package_without_manifest_is_labelled() {
        assert_eq!(package_label("", ""), "(unnamed package)@(no version)");
        assert_eq!(package_label("a\u{1b}", "1"), "a\\u{1b}@1");
    }

    #[test]
    fn dependency_path_under_flagged_package_header() {
        let report = crate::test_support::sample_project_report();
        let out = render_terminal(&report, &TerminalOptions::default());
        let header = out.find("evil-pkg@1.0.3  6 files").unwrap_or(usize::MAX);
        let via = out
            .find("  via        my-app > jest > evil-pkg@1.0.3\n  via        my-app > ts-jest > jest > evil-pkg@1.0.3\n  locked at  package-lock.json:120\n")
            .unwrap_or(0);
        assert!(via > header && header != usize::MAX, "{out}");
        // A clean package gets no path line even in a project scan.
        let clean = out.find("@scope/clean@2.0.0").unwrap_or(0);
        assert!(
            !out[clean..].contains("via        my-app > @scope/clean"),
            "{out}"
        );
    }

    #[test]
    fn metadata_rules_not_evaluated_are_listed_never_silent() {
        let mut report = sample_report();
        let not = |rule: &str, reason: &str| ferret_core::NotEvaluated {
            rule: rule.into(),
            reason: reason.into(),
        };
        report.packages[1].not_evaluated = vec![
            not("deprecated", "offline"),
            not("new-publisher", "no uploader known"),
            not("recently-published", "offline"),
        ];
        let out = render_terminal(&report, &TerminalOptions::default());
        assert!(
            out.contains(
                "  not evaluated  2 metadata rules (offline): deprecated, recently-published\n"
            ),
            "{out}"
        );
        assert!(
            out.contains("  not evaluated  1 metadata rule (no uploader known): new-publisher\n"),
            "{out}"
        );
        // Evaluated packages say nothing.
        assert_eq!(out.matches("not evaluated").count(), 2, "{out}");

        // In a project scan: one summary line, not one per package.
        for pkg in &mut report.packages {
            pkg.project = Some(ferret_core::ProjectPackage::default());
            pkg.not_evaluated = vec![not("deprecated", "offline")];
        }
        let out = render_terminal(&report, &TerminalOptions::default());
        assert_eq!(out.matches("not evaluated").count(), 1, "{out}");
        assert!(
            out.contains("  not evaluated: registry-metadata rules for 2 packages (offline)\n"),
            "{out}"
        );
    }

    #[test]
    fn human_sizes() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(1023), "1023 B");
        assert_eq!(human_size(1024), "1.0 KiB");
        assert_eq!(human_size(23_456), "22.9 KiB");
        assert_eq!(human_size(3 * 1024 * 1024), "3.0 MiB");
    }

    #[test]
    fn summary_counts_blocked_and_warned() {
        let out = plain(false);
        let last = out.lines().rev().take(3).collect::<Vec<_>>();
        assert!(
            last.contains(
                &"ERROR: 2 packages scanned, 1 blocked, 1 warned, 1 target could not be scanned"
            ),
            "{out}"
        );
        assert!(last.contains(&"  blocked: evil-pkg@1.0.3"), "{out}");
    }

    /// Issue 4: a project summary says how many packages were direct / transitive and how
    /// many came from node_modules, the cache and the registry (zero included).
    #[test]
    fn project_summary_counts_direct_transitive_and_sources() {
        let mut report = crate::test_support::sample_project_report();
        if let Some(p) = report.project.as_mut() {
            p.sources.insert("lockfile".into(), 1);
        }
        let out = render_terminal(&report, &TerminalOptions::default());
        let summary = &out[out.rfind("BLOCKED:").unwrap_or(0)..];
        assert!(summary.starts_with("BLOCKED:"), "{out}");
        assert!(
            summary.contains("  project: my-app@1.0.0, package-lock.json\n"),
            "{summary}"
        );
        assert!(
            summary.contains(
                "  packages: 1 direct, 2 transitive; 2 from node_modules, 0 from the cache, 1 from the registry, 1 not fetched (git/http/file specs)\n"
            ),
            "{summary}"
        );
        assert!(
            summary.contains("  note: offline: 1 package not checked\n"),
            "{summary}"
        );
        // Single-package scans have no project lines.
        let out = plain(false);
        assert!(!out.contains("  packages: "), "{out}");
    }
}
