//! Renderers for change reports: a package diff ([`DiffReport`]) and a project diff
//! ([`ProjectDiffReport`]) as terminal text, JSON, markdown (the pull-request comment) and
//! SARIF (through the scan renderer, on the verdict reports).
//!
//! The terminal view leads with the verdict and what is *new*: capabilities the old version
//! did not have with their locations, changed install scripts, dependencies and entry points,
//! the publisher, then a unified-diff excerpt of the code around each new capability, then
//! the new alerts (rendered like a scan's). Unchanged capabilities are one summary line.
//! Package text is hostile: everything goes through the same escaping as the scan renderers.

use crate::markdown::{code, html, message, text, toml_string};
use crate::terminal::{TerminalOptions, render_terminal};
use ferret_core::location::is_format_char;
use ferret_core::{
    Action, ChangeKind, DiffReport, PackageChange, PackageReport, ProjectDiffReport, ScanReport,
    ValueChange,
};
use std::fmt::Write as _;

/// Locations listed per new capability in the terminal view before `+N more`.
const NEW_LOCATIONS: usize = 5;

// ---------------------------------------------------------------------------------------
// Package diff.

/// A package diff for a terminal. Ends with a newline.
pub fn render_diff_terminal(diff: &DiffReport, opts: &TerminalOptions) -> String {
    let p = Paint(opts.color);
    let mut out = String::new();
    diff_body(&mut out, diff, opts, p, "");
    out
}

fn diff_body(out: &mut String, diff: &DiffReport, opts: &TerminalOptions, p: Paint, indent: &str) {
    let new = &diff.report.package;
    let verdict = match diff.report.worst_action() {
        Some(Action::Block) => p.paint("1;31", "BLOCKED"),
        Some(Action::Warn) => p.paint("1;33", "WARN"),
        _ => p.paint("1;32", "OK"),
    };
    let _ = writeln!(
        out,
        "{indent}{} {} → {}  {verdict}",
        p.paint("1", &clean(&new.name)),
        clean(&diff.old.version),
        clean(&new.version),
    );
    if let Some(pubr) = &diff.publisher {
        let (o, n) = (
            pubr.old.as_deref().unwrap_or("?"),
            pubr.new.as_deref().unwrap_or("?"),
        );
        if pubr.changed {
            let _ = writeln!(
                out,
                "{indent}  publisher: {} → {}  {}",
                clean(o),
                clean(n),
                p.paint("1;33", "(new publisher)")
            );
        } else {
            let _ = writeln!(out, "{indent}  publisher: {}", clean(n));
        }
    }
    let f = &diff.files;
    let _ = writeln!(
        out,
        "{indent}  files: {} added, {} removed, {} modified, {} unchanged (+{} −{} lines)",
        f.added.len(),
        f.removed.len(),
        f.modified.len(),
        f.unchanged,
        f.lines_added,
        f.lines_removed
    );
    let mut unchanged = Vec::new();
    for cap in &diff.capabilities {
        match cap.change {
            ChangeKind::Added | ChangeKind::Changed => {
                let what = if cap.change == ChangeKind::Added {
                    p.paint("1;31", "new capability")
                } else {
                    p.paint("33", "new uses")
                };
                let _ = writeln!(
                    out,
                    "{indent}  {what} {}: {} new use{} (was {})",
                    p.paint("1", cap.capability.label()),
                    cap.added.len(),
                    if cap.added.len() == 1 { "" } else { "s" },
                    cap.old_count
                );
                for u in cap.added.iter().take(NEW_LOCATIONS) {
                    let _ = writeln!(
                        out,
                        "{indent}      + {} {}{}",
                        clean(&u.location.to_string()),
                        clean(&u.api),
                        if u.install_time {
                            " (install time)"
                        } else {
                            ""
                        }
                    );
                }
                if cap.added.len() > NEW_LOCATIONS {
                    let _ = writeln!(
                        out,
                        "{indent}      +{} more",
                        cap.added.len() - NEW_LOCATIONS
                    );
                }
            }
            ChangeKind::Unchanged => unchanged.push(cap.capability.label()),
            ChangeKind::Removed => {
                let _ = writeln!(
                    out,
                    "{indent}  capability removed: {}",
                    cap.capability.label()
                );
            }
        }
    }
    if !unchanged.is_empty() {
        let _ = writeln!(out, "{indent}  unchanged: {}", unchanged.join(", "));
    }
    for (title, changes) in [
        ("install scripts", &diff.install_scripts),
        ("dependencies", &diff.dependencies),
        ("entry points", &diff.entry_points),
    ] {
        if changes.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{indent}  {title}:");
        for c in changes {
            let _ = writeln!(out, "{indent}    {}", value_change_line(c, p));
        }
    }
    for ex in &diff.excerpts {
        let _ = writeln!(
            out,
            "\n{indent}  {} {}:{} ({})",
            p.paint("36", "──"),
            clean(&ex.path),
            ex.line,
            clean(&ex.label)
        );
        for line in ex.hunk.lines() {
            let styled = match line.chars().next() {
                Some('+') => p.paint("32", &clean(line)),
                Some('-') => p.paint("31", &clean(line)),
                Some('@') => p.paint("36", &clean(line)),
                _ => clean(line),
            };
            let _ = writeln!(out, "{indent}  {styled}");
        }
    }
    // The new alerts, rendered like a scan (excerpts, related locations); the capability
    // profile is above already.
    let mut shown = diff.report.clone();
    shown.capabilities.clear();
    shown.alerts = diff.new_alerts().cloned().collect();
    let hidden = diff.report.alerts.len() - shown.alerts.len();
    if !shown.alerts.is_empty() {
        let _ = writeln!(out, "\n{indent}  new alerts:");
        let report = ScanReport {
            schema_version: ferret_core::SCHEMA_VERSION,
            ferret_version: String::new(),
            packages: vec![shown],
            errors: Vec::new(),
            project: None,
        };
        let text = render_terminal(&report, opts);
        // Without the scan summary line: the verdict is in the header.
        let body: Vec<&str> = text.trim_end().lines().collect();
        let keep = body.len().saturating_sub(1);
        for line in body.iter().take(keep).skip(1) {
            let _ = writeln!(out, "{indent}  {line}");
        }
    }
    if hidden > 0 {
        let _ = writeln!(
            out,
            "{indent}  ({hidden} alert{} the previous version had too)",
            if hidden == 1 { "" } else { "s" }
        );
    }
}

fn value_change_line(c: &ValueChange, p: Paint) -> String {
    match c.change {
        ChangeKind::Added => p.paint(
            "32",
            &format!(
                "+ {}: {}",
                clean(&c.key),
                clean(c.new.as_deref().unwrap_or(""))
            ),
        ),
        ChangeKind::Removed => p.paint(
            "31",
            &format!(
                "- {}: {}",
                clean(&c.key),
                clean(c.old.as_deref().unwrap_or(""))
            ),
        ),
        _ => format!(
            "~ {}: {} → {}",
            clean(&c.key),
            clean(c.old.as_deref().unwrap_or("")),
            clean(c.new.as_deref().unwrap_or(""))
        ),
    }
}

/// The package diff as pretty JSON (the serde form of [`DiffReport`]) with a newline.
pub fn render_diff_json(diff: &DiffReport) -> String {
    to_json(diff)
}

/// A package diff as a markdown comment.
pub fn render_diff_markdown(diff: &DiffReport) -> String {
    let mut out = String::new();
    let status = status_word(diff.report.worst_action());
    let _ = writeln!(
        out,
        "## ferret diff: {status} — {} {} → {}\n",
        code(&diff.report.package.name, false),
        code(&diff.old.version, false),
        code(&diff.report.package.version, false)
    );
    diff_markdown_body(&mut out, diff);
    allow_hint(&mut out, std::iter::once(&diff.report));
    out
}

fn diff_markdown_body(out: &mut String, diff: &DiffReport) {
    if let Some(pubr) = &diff.publisher
        && pubr.changed
    {
        let _ = writeln!(
            out,
            "- **New publisher**: {} → {}",
            code(pubr.old.as_deref().unwrap_or("?"), false),
            code(pubr.new.as_deref().unwrap_or("?"), false)
        );
    }
    for cap in &diff.capabilities {
        if matches!(cap.change, ChangeKind::Added | ChangeKind::Changed) {
            let locs: Vec<String> = cap
                .added
                .iter()
                .take(NEW_LOCATIONS)
                .map(|u| code(&format!("{} {}", u.location, u.api), false))
                .collect();
            let _ = writeln!(
                out,
                "- **{} {}**: {}{}",
                if cap.change == ChangeKind::Added {
                    "New capability"
                } else {
                    "New uses of"
                },
                text(cap.capability.label()),
                locs.join(", "),
                if cap.added.len() > NEW_LOCATIONS {
                    format!(" and {} more", cap.added.len() - NEW_LOCATIONS)
                } else {
                    String::new()
                }
            );
        }
    }
    let unchanged: Vec<&str> = diff
        .capabilities
        .iter()
        .filter(|c| c.change == ChangeKind::Unchanged)
        .map(|c| c.capability.label())
        .collect();
    if !unchanged.is_empty() {
        let _ = writeln!(
            out,
            "- Unchanged capabilities: {}",
            text(&unchanged.join(", "))
        );
    }
    for c in diff
        .install_scripts
        .iter()
        .chain(&diff.dependencies)
        .chain(&diff.entry_points)
    {
        let _ = writeln!(
            out,
            "- {} {}: {}",
            c.change.as_str(),
            code(&c.key, false),
            match (&c.old, &c.new) {
                (Some(o), Some(n)) => format!("{} → {}", code(o, false), code(n, false)),
                (None, Some(v)) | (Some(v), None) => code(v, false),
                (None, None) => String::new(),
            }
        );
    }
    let f = &diff.files;
    let _ = writeln!(
        out,
        "- Files: {} added, {} removed, {} modified (+{} −{} lines)",
        f.added.len(),
        f.removed.len(),
        f.modified.len(),
        f.lines_added,
        f.lines_removed
    );
    let new_alerts: Vec<_> = diff
        .new_alerts()
        .filter(|a| a.action >= Action::Warn)
        .collect();
    if !new_alerts.is_empty() {
        out.push_str("\n| Action | Rule | Message | Location |\n|---|---|---|---|\n");
        for a in new_alerts {
            let _ = writeln!(
                out,
                "| **{}** | {} | {} | {} |",
                a.action.as_str(),
                code(&a.rule, true),
                message(&a.message, true),
                a.location
                    .as_ref()
                    .map_or_else(String::new, |l| code(&l.to_string(), true))
            );
        }
    }
    for ex in &diff.excerpts {
        let _ = writeln!(
            out,
            "\n{} line {} ({}):\n",
            code(&ex.path, false),
            ex.line,
            text(&ex.label)
        );
        let body: String = ex.hunk.chars().map(visible).collect();
        let fence = "`".repeat((longest_run(&body) + 1).max(3));
        let _ = writeln!(out, "{fence}diff\n{}{fence}", body);
    }
}

// ---------------------------------------------------------------------------------------
// Project diff.

/// A project diff for a terminal. Ends with a newline.
pub fn render_project_diff_terminal(report: &ProjectDiffReport, opts: &TerminalOptions) -> String {
    let p = Paint(opts.color);
    let mut out = String::new();
    let (added, removed, updated) = counts(report);
    let _ = writeln!(
        out,
        "{} vs {}: {added} added, {removed} removed, {updated} updated ({})",
        clean(&report.root),
        clean(&report.base),
        report.lockfiles.join(", ")
    );
    for note in &report.notes {
        let _ = writeln!(out, "  note: {}", clean(note));
    }
    for change in &report.changes {
        out.push('\n');
        let verdict = match change
            .verdict_report()
            .and_then(PackageReport::worst_action)
        {
            Some(Action::Block) => p.paint("1;31", "BLOCKED"),
            Some(Action::Warn) => p.paint("1;33", "WARN"),
            _ if change.error.is_some() => p.paint("1;31", "NOT CHECKED"),
            _ => p.paint("1;32", "ok"),
        };
        let kind = match change.change {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            _ => "updated",
        };
        let _ = writeln!(
            out,
            "{kind} {}  {verdict}",
            p.paint("1", &clean(&change.label()))
        );
        if let Some(path) = change.paths.first() {
            let _ = writeln!(out, "  via {}", clean(&path.join(" > ")));
        }
        if let Some(e) = &change.error {
            let _ = writeln!(out, "  error: {}", clean(e));
        }
        if let Some(d) = &change.diff {
            diff_body(&mut out, d, opts, p, "  ");
        } else if let Some(r) = &change.report {
            let shown: Vec<_> = r
                .alerts
                .iter()
                .filter(|a| opts.all || a.action >= Action::Warn)
                .cloned()
                .collect();
            if !shown.is_empty() {
                let mut pkg = (**r).clone();
                pkg.alerts = shown;
                let scan = ScanReport {
                    schema_version: ferret_core::SCHEMA_VERSION,
                    ferret_version: String::new(),
                    packages: vec![pkg],
                    errors: Vec::new(),
                    project: None,
                };
                for line in render_terminal(&scan, opts).trim_end().lines() {
                    let _ = writeln!(out, "  {line}");
                }
            }
        }
    }
    let blocked = report.changes.iter().filter(|c| c.is_blocked()).count();
    let _ = writeln!(
        out,
        "\n{} change{}: {}",
        report.changes.len(),
        if report.changes.len() == 1 { "" } else { "s" },
        if blocked > 0 {
            p.paint("1;31", &format!("{blocked} blocked"))
        } else {
            p.paint("1;32", "nothing blocked")
        }
    );
    for e in &report.errors {
        let _ = writeln!(out, "error: {}: {}", clean(&e.target), clean(&e.error));
    }
    out
}

fn counts(report: &ProjectDiffReport) -> (usize, usize, usize) {
    let n = |k: ChangeKind| report.changes.iter().filter(|c| c.change == k).count();
    (
        n(ChangeKind::Added),
        n(ChangeKind::Removed),
        n(ChangeKind::Changed),
    )
}

/// The project diff as pretty JSON with a newline.
pub fn render_project_diff_json(report: &ProjectDiffReport) -> String {
    to_json(report)
}

/// The project diff as a pull-request comment: a title with the counts, a table of every
/// change (blocked and warned first), one collapsible section per flagged change, and how to
/// allow an item in `ferret.toml`.
pub fn render_project_diff_markdown(report: &ProjectDiffReport) -> String {
    let mut changes: Vec<&PackageChange> = report.changes.iter().collect();
    changes.sort_by(|a, b| {
        let w = |c: &PackageChange| c.verdict_report().and_then(PackageReport::worst_action);
        w(b).cmp(&w(a)).then_with(|| a.name.cmp(&b.name))
    });
    let flagged: Vec<&PackageChange> = changes
        .iter()
        .copied()
        .filter(|c| {
            c.verdict_report()
                .and_then(PackageReport::worst_action)
                .is_some_and(|a| a >= Action::Warn)
        })
        .collect();
    let blocked = changes.iter().filter(|c| c.is_blocked()).count();
    let warned = flagged.len() - blocked;
    let (added, removed, updated) = counts(report);
    let status = if !report.errors.is_empty() {
        "error"
    } else if blocked > 0 {
        "blocked"
    } else if warned > 0 {
        "warnings"
    } else {
        "ok"
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## ferret: dependency changes {status} — {blocked} blocked, {warned} warned\n\n{added} added, {removed} removed, {updated} updated against {} ({}).",
        code(&report.base, false),
        report
            .lockfiles
            .iter()
            .map(|l| code(l, false))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if !changes.is_empty() {
        out.push_str(
            "\n| Status | Package | Change | Dependency path | Findings |\n|---|---|---|---|---|\n",
        );
        for c in &changes {
            let status = match c.verdict_report().and_then(PackageReport::worst_action) {
                Some(Action::Block) => "**block**".to_string(),
                Some(Action::Warn) => "**warn**".to_string(),
                _ if c.error.is_some() => "**not checked**".to_string(),
                _ => "ok".to_string(),
            };
            let change = match (c.change, &c.old_version, &c.new_version) {
                (ChangeKind::Added, _, Some(n)) => format!("added {}", code(n, true)),
                (ChangeKind::Removed, Some(o), _) => format!("removed {}", code(o, true)),
                (_, Some(o), Some(n)) => format!("{} → {}", code(o, true), code(n, true)),
                _ => text(c.change.as_str()),
            };
            let path = c
                .paths
                .first()
                .map_or_else(String::new, |p| code(&p.join(" > "), true));
            let rules: Vec<String> = c
                .verdict_report()
                .map(|r| {
                    let mut ids: Vec<&str> = r
                        .alerts
                        .iter()
                        .filter(|a| a.action >= Action::Warn)
                        .map(|a| a.rule.as_str())
                        .collect();
                    ids.sort_unstable();
                    ids.dedup();
                    ids.into_iter().map(|id| code(id, true)).collect()
                })
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "| {status} | {} | {change} | {path} | {} |",
                code(&c.name, true),
                rules.join(" ")
            );
        }
    }
    for c in &flagged {
        let action = c
            .verdict_report()
            .and_then(PackageReport::worst_action)
            .map_or("clean", Action::as_str);
        let _ = writeln!(
            out,
            "\n<details>\n<summary><b>{action}</b> <code>{}</code></summary>\n",
            html(&c.label())
        );
        if let Some(d) = &c.diff {
            diff_markdown_body(&mut out, d);
        } else if let Some(r) = &c.report {
            for a in r.alerts.iter().filter(|a| a.action >= Action::Warn) {
                let _ = writeln!(
                    out,
                    "- **{}** {}: {}{}",
                    a.action.as_str(),
                    code(&a.rule, false),
                    message(&a.message, false),
                    a.location.as_ref().map_or_else(String::new, |l| format!(
                        " ({})",
                        code(&l.to_string(), false)
                    ))
                );
            }
        }
        out.push_str("\n</details>\n");
    }
    if !report.errors.is_empty() {
        out.push_str("\n**Could not be checked**\n\n");
        for e in &report.errors {
            let _ = writeln!(out, "- {}: {}", code(&e.target, false), text(&e.error));
        }
    }
    allow_hint(&mut out, flagged.iter().filter_map(|c| c.verdict_report()));
    out
}

/// The verdict reports of a project diff as a scan report, for the SARIF renderer.
pub fn project_diff_as_scan(report: &ProjectDiffReport) -> ScanReport {
    ScanReport {
        schema_version: report.schema_version,
        ferret_version: report.ferret_version.clone(),
        packages: report
            .changes
            .iter()
            .filter_map(|c| {
                let mut r = c.verdict_report()?.clone();
                if r.project.is_none() {
                    r.project = Some(ferret_core::ProjectPackage {
                        direct: c.direct,
                        dev: c.dev,
                        paths: c.paths.clone(),
                        lockfile: c.lockfile.clone(),
                        origin: String::new(),
                    });
                }
                Some(r)
            })
            .collect(),
        errors: report.errors.clone(),
        project: None,
    }
}

// ---------------------------------------------------------------------------------------
// Shared.

fn allow_hint<'a>(out: &mut String, reports: impl Iterator<Item = &'a PackageReport>) {
    let mut example = None;
    for r in reports {
        if let Some(a) = r.alerts.iter().find(|a| a.action >= Action::Warn) {
            example = Some((r, a));
            break;
        }
    }
    let Some((pkg, alert)) = example else {
        return;
    };
    let toml = format!(
        "[[exceptions]]\npackage = {}\nrule = {}\nreason = \"why this is acceptable\"",
        toml_string(&format!("{}:{}", pkg.package.ecosystem, pkg.package.name)),
        toml_string(&alert.rule)
    );
    let fence = "`".repeat((longest_run(&toml) + 1).max(3));
    let _ = writeln!(
        out,
        "\nTo allow an item, add an exception with a reason to `ferret.toml`:\n\n{fence}toml\n{toml}\n{fence}"
    );
}

fn status_word(a: Option<Action>) -> &'static str {
    match a {
        Some(Action::Block) => "blocked",
        Some(Action::Warn) => "warnings",
        _ => "ok",
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_string_pretty(v) {
        Ok(mut s) => {
            s.push('\n');
            s
        }
        Err(e) => format!("{}\n", serde_json::json!({ "error": e.to_string() })),
    }
}

fn longest_run(s: &str) -> usize {
    s.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

/// A character safe to print: controls and invisible formatting characters as `\u{..}`
/// (newlines kept: callers split lines first or want them).
fn visible(c: char) -> String {
    if c == '\n' {
        return "\n".to_string();
    }
    if c.is_control() || is_format_char(c) {
        format!("\\u{{{:x}}}", c as u32)
    } else {
        c.to_string()
    }
}

fn clean(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c == '\n' {
                "\\n".to_string()
            } else {
                visible(c)
            }
        })
        .collect()
}

#[derive(Clone, Copy)]
struct Paint(bool);

impl Paint {
    fn paint(self, style: &str, text: &str) -> String {
        if self.0 {
            format!("\x1b[{style}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests unwrap on fixed inputs")]
mod tests {
    use super::*;
    use ferret_core::{
        AlertKey, Capability, CapabilityDiff, CapabilityUse, Excerpt, FileChanges, Location,
        PublisherChange, Span, UseKind,
    };

    fn sample() -> DiffReport {
        let report: PackageReport = crate::test_support::sample_report().packages[0].clone();
        let mut old = report.package.clone();
        old.version = "0.9.0".into();
        let loc = Location {
            path: "index.js".into(),
            line: 12,
            column: 1,
            span: Span::new(0, 5),
        };
        DiffReport {
            old,
            capabilities: vec![CapabilityDiff {
                capability: Capability::Network,
                change: ChangeKind::Added,
                old_count: 0,
                new_count: 1,
                added: vec![CapabilityUse {
                    capability: Capability::Network,
                    api: "fetch".into(),
                    kind: UseKind::Write,
                    location: loc,
                    code: Excerpt {
                        line: 12,
                        text: "window.fetch = x".into(),
                        highlight_start: 0,
                        highlight_len: 5,
                    },
                    detail: None,
                    install_time: false,
                }],
            }],
            previous_alerts: vec![AlertKey {
                rule: "nothing".into(),
                path: None,
                message: String::new(),
            }],
            install_scripts: Vec::new(),
            dependencies: vec![ValueChange {
                key: "dependencies.flatmap-stream".into(),
                change: ChangeKind::Added,
                old: None,
                new: Some("^0.1.0".into()),
            }],
            entry_points: Vec::new(),
            files: FileChanges::default(),
            publisher: Some(PublisherChange {
                old: Some("dominictarr".into()),
                new: Some("right9ctrl".into()),
                changed: true,
            }),
            excerpts: vec![ferret_core::DiffExcerpt {
                path: "index.js".into(),
                label: "new network use: `fetch`".into(),
                line: 12,
                hunk: "@@ -1,1 +1,2 @@\n a\n+window.fetch = x\n".into(),
            }],
            report,
        }
    }

    #[test]
    fn terminal_shows_new_capabilities_publisher_and_the_hunk() {
        let d = sample();
        let out = render_diff_terminal(&d, &TerminalOptions::default());
        assert!(out.contains("→"), "{out}");
        assert!(
            out.contains("new capability network: 1 new use (was 0)"),
            "{out}"
        );
        assert!(out.contains("+ index.js:12:1 fetch"), "{out}");
        assert!(
            out.contains("dominictarr → right9ctrl  (new publisher)"),
            "{out}"
        );
        assert!(out.contains("+window.fetch = x"), "{out}");
        assert!(
            out.contains("+ dependencies.flatmap-stream: ^0.1.0"),
            "{out}"
        );
        assert!(!out.contains('\x1b'), "no color unless asked");
    }

    #[test]
    fn markdown_comment_has_table_details_and_allow_hint() {
        let mut d = sample();
        d.report.package.name = "evil|`pkg`".into();
        let pkg_report = d.report.clone();
        let project = ProjectDiffReport {
            schema_version: 1,
            ferret_version: "0".into(),
            root: ".".into(),
            base: "origin/main".into(),
            lockfiles: vec!["package-lock.json".into()],
            changes: vec![
                PackageChange {
                    name: "ok-pkg".into(),
                    change: ChangeKind::Removed,
                    old_version: Some("1.0.0".into()),
                    new_version: None,
                    direct: true,
                    dev: false,
                    paths: Vec::new(),
                    lockfile: None,
                    diff: None,
                    report: None,
                    error: None,
                },
                PackageChange {
                    name: d.report.package.name.clone(),
                    change: ChangeKind::Changed,
                    old_version: Some("0.9.0".into()),
                    new_version: Some("1.0.0".into()),
                    direct: false,
                    dev: false,
                    paths: vec![vec!["app".into(), "a".into(), "evil@1.0.0".into()]],
                    lockfile: None,
                    diff: Some(Box::new(d)),
                    report: None,
                    error: None,
                },
            ],
            errors: Vec::new(),
            notes: Vec::new(),
        };
        let md = render_project_diff_markdown(&project);
        let flagged = pkg_report.worst_action().is_some_and(|a| a >= Action::Warn);
        assert!(md.starts_with("## ferret: dependency changes"), "{md}");
        assert!(md.contains("| Status | Package | Change |"), "{md}");
        // Flagged first, the removal after it.
        let evil = md.find("evil").unwrap();
        let ok = md.find("ok-pkg").unwrap();
        assert!(!flagged || evil < ok, "{md}");
        // The pipe in the name cannot break the table.
        assert!(
            md.lines()
                .filter(|l| l.starts_with('|'))
                .all(|l| !l.contains("evil|")),
            "{md}"
        );
        assert!(md.contains("`` evil\\|`pkg` ``"), "{md}");
        if flagged {
            assert!(md.contains("<details>"), "{md}");
            assert!(md.contains("[[exceptions]]"), "{md}");
        }
        let sarif_input = project_diff_as_scan(&project);
        assert_eq!(sarif_input.packages.len(), 1);
    }
}
