//! The markdown renderer: a summary fit for a pull-request comment (GitHub-flavoured).
//!
//! A title line with the counts, a table of every blocked and warned alert (blocked
//! packages first) with the dependency path that pulled the package in, then one collapsible
//! `<details>` section per blocked or warned package with its alerts and capability profile;
//! clean packages are only counted. The last line says how to allow an item in `ferret.toml`.
//!
//! Package-controlled text (names, versions, paths, messages, code) is hostile: it must not
//! inject markup, links, images, HTML, @-mentions or break the table. Identifiers go into code
//! spans whose backtick fence is longer than any run inside them; free text is
//! backslash-escaped (every ASCII punctuation character, which also defeats autolinking);
//! text in raw-HTML context (`<summary>`) is entity-escaped; code excerpts go into fenced
//! blocks whose fence outgrows any backtick run of the excerpt. Control and invisible
//! formatting characters are written as `\u{..}` everywhere, so nothing can break a line.

use ferret_core::location::is_format_char;
use ferret_core::{Action, Finding, PackageReport, ScanReport};
use std::fmt::Write as _;

/// Renders the report as a markdown comment. Ends with a newline.
pub fn render_markdown(report: &ScanReport) -> String {
    let mut packages: Vec<&PackageReport> = report.packages.iter().collect();
    // Blocked first, then warned, then the rest; by name and version within each group, so
    // the comment does not depend on scan order.
    packages.sort_by(|a, b| {
        b.worst_action()
            .cmp(&a.worst_action())
            .then_with(|| a.package.name.cmp(&b.package.name))
            .then_with(|| a.package.version.cmp(&b.package.version))
    });
    let blocked = packages.iter().filter(|p| p.is_blocked()).count();
    let warned = packages
        .iter()
        .filter(|p| p.worst_action() == Some(Action::Warn))
        .count();
    let flagged = &packages[..blocked + warned];
    let clean = packages.len() - flagged.len();

    let mut out = String::new();
    title(&mut out, report, blocked, warned, clean);
    project_line(&mut out, report);

    if !flagged.is_empty() {
        out.push('\n');
        table(&mut out, flagged);
        for pkg in flagged {
            out.push('\n');
            details(&mut out, pkg);
        }
    }
    if clean > 0 {
        let _ = writeln!(
            out,
            "\n{clean} {} with no blocked or warned alerts.",
            plural(clean, "package", "packages")
        );
    }
    if !report.errors.is_empty() {
        let _ = writeln!(out, "\n**Could not be scanned**\n");
        for e in &report.errors {
            let _ = writeln!(out, "- {}: {}", code(&e.target, false), text(&e.error));
        }
    }
    allow_hint(&mut out, flagged);
    out
}

fn title(out: &mut String, report: &ScanReport, blocked: usize, warned: usize, clean: usize) {
    let status = if !report.errors.is_empty() {
        "error"
    } else if blocked > 0 {
        "blocked"
    } else if warned > 0 {
        "warnings"
    } else {
        "ok"
    };
    let total = report.packages.len();
    let _ = write!(
        out,
        "## ferret: {status} — {blocked} blocked, {warned} warned, {clean} clean of {total} {}",
        plural(total, "package", "packages")
    );
    if !report.errors.is_empty() {
        let _ = write!(out, ", {} not scanned", report.errors.len());
    }
    out.push('\n');
}

fn project_line(out: &mut String, report: &ScanReport) {
    let Some(project) = &report.project else {
        return;
    };
    let mut line = String::from("\nProject");
    if let Some(name) = &project.name {
        let _ = write!(line, " {}", code(name, false));
    }
    let _ = write!(
        line,
        ": {} direct, {} transitive",
        project.direct, project.transitive
    );
    let sources: Vec<String> = crate::terminal::source_counts(project)
        .into_iter()
        .map(|(n, label)| format!("{n} {}", text(&label)))
        .collect();
    let _ = write!(line, " ({})", sources.join(", "));
    if !project.lockfiles.is_empty() {
        let files: Vec<String> = project.lockfiles.iter().map(|f| code(f, false)).collect();
        let _ = write!(line, "; lockfile {}", files.join(", "));
    }
    let _ = writeln!(out, "{line}.");
    for note in &project.notes {
        let _ = writeln!(out, "- {}", text(note));
    }
}

fn table(out: &mut String, flagged: &[&PackageReport]) {
    out.push_str("| Action | Package | Dependency path | Rule | Message | Location |\n");
    out.push_str("|---|---|---|---|---|---|\n");
    for pkg in flagged {
        let label = code(&package_label(pkg), true);
        let path = pkg
            .project
            .as_ref()
            .and_then(|p| p.paths.first())
            .map_or_else(String::new, |p| code(&p.join(" > "), true));
        for alert in sorted_alerts(pkg).filter(|a| a.action >= Action::Warn) {
            let mut locations = Vec::new();
            if let Some(lock) = pkg.project.as_ref().and_then(|p| p.lockfile.as_ref()) {
                locations.push(code(&format!("{}:{}", lock.path, lock.line), true));
            }
            if let Some(l) = &alert.location {
                locations.push(code(&l.to_string(), true));
            }
            let _ = writeln!(
                out,
                "| **{}** | {label} | {path} | {} | {} | {} |",
                alert.action.as_str(),
                code(&alert.rule, true),
                message(&alert.message, true),
                locations.join("<br>"),
            );
        }
    }
}

fn details(out: &mut String, pkg: &PackageReport) {
    let action = pkg.worst_action().map_or("clean", Action::as_str);
    let shown: Vec<&Finding> = sorted_alerts(pkg)
        .filter(|a| a.action >= Action::Warn)
        .collect();
    let _ = writeln!(
        out,
        "<details>\n<summary><b>{action}</b> <code>{}</code>: {} {}</summary>\n",
        html(&package_label(pkg)),
        shown.len(),
        plural(shown.len(), "alert", "alerts"),
    );
    if let Some(project) = &pkg.project {
        for path in &project.paths {
            let _ = writeln!(out, "- via {}", code(&path.join(" > "), false));
        }
        if let Some(lock) = &project.lockfile {
            let _ = writeln!(
                out,
                "- locked at {}",
                code(&format!("{}:{}", lock.path, lock.line), false)
            );
        }
        let _ = writeln!(
            out,
            "- {}{}, from {}",
            if project.direct {
                "direct dependency"
            } else {
                "transitive dependency"
            },
            if project.dev { " (dev only)" } else { "" },
            text(&project.origin),
        );
        out.push('\n');
    }

    for alert in &shown {
        let _ = write!(
            out,
            "- **{}** {} {}: {}",
            alert.action.as_str(),
            alert.severity.as_str(),
            code(&alert.rule, false),
            message(&alert.message, false),
        );
        if alert.install_time {
            out.push_str(" (install-time)");
        }
        if let Some(l) = &alert.location {
            let _ = write!(out, " at {}", code(&l.to_string(), false));
        }
        out.push('\n');
        if let Some(c) = &alert.code {
            fenced(out, &c.text, "  ");
        }
        for r in &alert.related {
            let _ = writeln!(
                out,
                "  - {} {}",
                code(&r.location.to_string(), false),
                message(&r.label, false)
            );
        }
    }
    let hidden = pkg.alerts.len() - shown.len();
    if hidden > 0 {
        let _ = writeln!(
            out,
            "- and {hidden} monitored/info {}",
            plural(hidden, "alert", "alerts")
        );
    }

    if pkg.capabilities.is_empty() {
        out.push_str("\nCapabilities: none detected\n");
    } else {
        let caps: Vec<String> = pkg
            .capabilities
            .iter()
            .map(|c| {
                let install = if c.install_time { ", install-time" } else { "" };
                format!("{} ({}{install})", c.capability.label(), c.count)
            })
            .collect();
        let _ = writeln!(out, "\nCapabilities: {}", caps.join(", "));
    }
    if !pkg.files_failed.is_empty() {
        let _ = writeln!(
            out,
            "\n{} {} could not be analysed",
            pkg.files_failed.len(),
            plural(pkg.files_failed.len(), "file", "files")
        );
    }
    out.push_str("\n</details>\n");
}

/// The last line: how to allow an item, with the first flagged item as the example.
fn allow_hint(out: &mut String, flagged: &[&PackageReport]) {
    let example = flagged.iter().find_map(|pkg| {
        sorted_alerts(pkg)
            .find(|a| a.action >= Action::Warn)
            .map(|a| (pkg, a))
    });
    let Some((pkg, alert)) = example else {
        return;
    };
    let package = format!("{}:{}", pkg.package.ecosystem, pkg.package.name);
    let toml = format!(
        "[[exceptions]]\npackage = {}\nrule = {}\nreason = \"why this is acceptable\"",
        toml_string(&package),
        toml_string(&alert.rule)
    );
    out.push_str("\nTo allow an item, add an exception with a reason to `ferret.toml`:\n");
    let fence = "`".repeat((longest_backtick_run(&toml) + 1).max(3));
    let _ = writeln!(out, "\n{fence}toml\n{toml}\n{fence}");
}

fn sorted_alerts(pkg: &PackageReport) -> impl Iterator<Item = &Finding> {
    let mut alerts: Vec<&Finding> = pkg.alerts.iter().collect();
    alerts.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    alerts.into_iter()
}

fn package_label(pkg: &PackageReport) -> String {
    format!("{}@{}", pkg.package.name, pkg.package.version)
}

/// A message whose backtick-quoted parts are code: those become safe code spans, the rest is
/// escaped text. An odd number of backticks means the quoting cannot be trusted: all text.
pub(crate) fn message(msg: &str, in_table: bool) -> String {
    if !msg.matches('`').count().is_multiple_of(2) {
        return text(msg);
    }
    msg.split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                code(part, in_table)
            } else {
                text(part)
            }
        })
        .collect()
}

/// Free text in markdown context: every ASCII punctuation character backslash-escaped.
pub(crate) fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_ascii_punctuation() {
            out.push('\\');
            out.push(c);
        } else {
            push_visible(&mut out, c);
        }
    }
    out
}

/// A code span: its content is literal, so only the fence, the table pipe and line breaks
/// need care. In a table, GFM splits cells on `|` before parsing code spans, so the pipe is
/// escaped there (and shown as `|`).
pub(crate) fn code(s: &str, in_table: bool) -> String {
    let mut content = String::with_capacity(s.len());
    for c in s.chars() {
        if in_table && c == '|' {
            content.push_str("\\|");
        } else {
            push_visible(&mut content, c);
        }
    }
    if content.is_empty() {
        return String::new();
    }
    let fence = "`".repeat(longest_backtick_run(&content) + 1);
    // A space on both sides when the content touches a backtick (stripped by the renderer).
    let pad = if content.starts_with('`') || content.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{content}{pad}{fence}")
}

/// Text inside raw HTML (`<summary>`), where markdown is not parsed: entity-escaped.
pub(crate) fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => push_visible(&mut out, c),
        }
    }
    out
}

/// A fenced code block (one excerpt line), indented to sit inside a list item.
pub(crate) fn fenced(out: &mut String, s: &str, indent: &str) {
    let mut content = String::with_capacity(s.len());
    for c in s.chars() {
        push_visible(&mut content, c);
    }
    let fence = "`".repeat((longest_backtick_run(&content) + 1).max(3));
    let _ = writeln!(out, "\n{indent}{fence}\n{indent}{content}\n{indent}{fence}");
}

fn push_visible(out: &mut String, c: char) {
    if c.is_control() || is_format_char(c) {
        let _ = write!(out, "\\u{{{:x}}}", c as u32);
    } else {
        out.push(c);
    }
}

pub(crate) fn longest_backtick_run(s: &str) -> usize {
    s.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

/// A TOML basic string.
pub(crate) fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() || is_format_char(c) => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{sample_project_report, sample_report};

    #[test]
    fn markdown_snapshot_single_packages() {
        insta::assert_snapshot!(render_markdown(&sample_report()));
    }

    #[test]
    fn markdown_snapshot_project() {
        insta::assert_snapshot!(render_markdown(&sample_project_report()));
    }

    #[test]
    fn markdown_is_deterministic_and_independent_of_package_order() {
        let report = sample_project_report();
        let mut reversed = report.clone();
        reversed.packages.reverse();
        assert_eq!(render_markdown(&report), render_markdown(&reversed));
    }

    /// Issue 4: the project line names direct / transitive and all three sources, a zero
    /// included (a cold run says "0 from the cache").
    #[test]
    fn project_line_counts_direct_transitive_and_sources() {
        let out = render_markdown(&sample_project_report());
        assert!(
            out.contains(
                ": 1 direct, 2 transitive (2 from node\\_modules, 0 from the cache, 1 from the registry)"
            ),
            "{out}"
        );
    }

    #[test]
    fn title_counts_and_blocked_first() {
        let out = render_markdown(&sample_project_report());
        assert!(
            out.starts_with("## ferret: blocked — 1 blocked, 1 warned, 1 clean of 3 packages\n"),
            "{out}"
        );
        let blocked = out
            .find("<b>block</b> <code>evil-pkg@1.0.3</code>")
            .unwrap_or(0);
        let warned = out.find("<b>warn</b>").unwrap_or(0);
        assert!(blocked > 0 && warned > blocked, "{out}");
        assert!(out.contains("1 package with no blocked or warned alerts."));
        assert!(
            out.contains("| `my-app > jest > evil-pkg@1.0.3` |"),
            "{out}"
        );
        assert!(
            out.contains("`package-lock.json:120`<br>`install.js:3:11`"),
            "{out}"
        );
        assert!(
            out.trim_end()
                .ends_with("reason = \"why this is acceptable\"\n```")
        );
        assert!(out.contains("package = \"npm:evil-pkg\"\nrule = \"malware\""));
    }

    #[test]
    fn hostile_text_cannot_inject_markup() {
        let out = render_markdown(&sample_project_report());
        // No raw tag from package text survives outside a code span or entity escape.
        for needle in [
            "<img",
            "<script",
            "</code><script",
            "<b>bold",
            "](https://",
            "](javascript:",
        ] {
            for line in out.lines() {
                // `<code>` in the raw-HTML summary holds entity-escaped text only.
                let line = match (line.find("<code>"), line.find("</code>:")) {
                    (Some(a), Some(b)) if a < b => format!("{}{}", &line[..a], &line[b..]),
                    _ => line.to_string(),
                };
                let outside_code: String = line
                    .split('`')
                    .enumerate()
                    .filter(|(i, _)| i % 2 == 0)
                    .map(|(_, s)| s)
                    .collect();
                assert!(
                    !outside_code.contains(needle),
                    "`{needle}` outside code in: {line}"
                );
            }
        }
        // The table keeps six cells per row: the pipe in the name is escaped.
        for row in out.lines().filter(|l| l.starts_with("| **")) {
            let cells = row.replace("\\|", "").matches('|').count();
            assert_eq!(cells, 7, "{row}");
        }
        // Free text escapes every punctuation character.
        assert_eq!(text("**[x](y)** <b>"), "\\*\\*\\[x\\]\\(y\\)\\*\\* \\<b\\>");
        // Summary is HTML context.
        assert!(out.contains("<code>&lt;img src=x onerror=alert(1)&gt;|[click](https://evil.example)@0.0.1</code>"), "{out}");
        // A code excerpt with a triple backtick gets a longer fence.
        assert!(
            out.contains("  ````\n  fetch(`x`)``` </details> <b>\n  ````"),
            "{out}"
        );
    }

    #[test]
    fn code_spans_outgrow_backtick_runs() {
        assert_eq!(code("a`b", false), "``a`b``");
        assert_eq!(code("`x", false), "`` `x ``");
        assert_eq!(code("a|b", true), "`a\\|b`");
        assert_eq!(code("a\nb", false), "`a\\u{a}b`");
        assert_eq!(code("", false), "");
    }

    #[test]
    fn messages_keep_their_code_spans() {
        assert_eq!(
            message("`child_process.exec` can run *shell*", false),
            "`child_process.exec` can run \\*shell\\*"
        );
        assert_eq!(message("odd ` quote", false), "odd \\` quote");
    }

    #[test]
    fn nothing_flagged_has_no_table_and_no_hint() {
        let mut report = sample_report();
        report.packages.remove(0);
        report.errors.clear();
        let out = render_markdown(&report);
        assert_eq!(
            out,
            "## ferret: ok — 0 blocked, 0 warned, 1 clean of 1 package\n\n1 package with no blocked or warned alerts.\n"
        );
    }
}
