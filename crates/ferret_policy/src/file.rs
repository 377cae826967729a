//! `ferret.toml`: finding it (walk up from the scanned directory) and turning its text into
//! a [`Policy`]. The file is parsed into toml's spanned tree (`DeTable`) rather than
//! straight into serde structs, so every key and value keeps its byte span and every
//! problem is collected (not just the first) and pointed at precisely, with a suggestion
//! for misspelt keys, rule ids, actions and ecosystems. `docs/policy.md` documents the
//! schema; the key lists below are the whole of it.

use crate::diagnostic::{PolicyFileError, Problem, ProblemKind, line_col};
use crate::exception::{Exception, PackagePattern, VersionMatcher};
use crate::{Fail, Policy, PolicyError, suggest};
use ferret_core::{Action, Ecosystem, Severity};
use std::io::Read as _;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// The policy file's name, looked up in the scanned directory and its ancestors.
pub const POLICY_FILE_NAME: &str = "ferret.toml";

/// A policy is a short hand-written file; anything larger is a mistake (a wrong `--policy`
/// argument), not a policy.
const MAX_POLICY_BYTES: u64 = 1 << 20;

const TOP_KEYS: &[&str] = &["rules", "exceptions", "fail", "registry", "all-platforms"];
const EXCEPTION_KEYS: &[&str] = &["package", "rule", "versions", "reason", "action"];
const FAIL_KEYS: &[&str] = &["on", "severity"];
const REGISTRY_KEYS: &[&str] = &["soak-hours"];
const ACTIONS: &[&str] = &["block", "warn", "monitor", "info", "ignore"];
const SEVERITIES: &[&str] = &["info", "low", "medium", "high", "critical"];
/// A year: a longer soak is a typo (minutes or days meant as hours).
const MAX_SOAK_HOURS: i64 = 24 * 366;

/// The nearest `ferret.toml` at or above `start` (made absolute against the current
/// directory first), up to the file-system root. A directory named `ferret.toml` is not a
/// policy.
pub fn discover(start: &Path) -> Option<PathBuf> {
    let start = std::path::absolute(start).unwrap_or_else(|_| start.to_path_buf());
    start
        .ancestors()
        .map(|dir| dir.join(POLICY_FILE_NAME))
        .find(|candidate| candidate.is_file())
}

pub(crate) fn read(path: &Path) -> Result<String, PolicyError> {
    let err = |source| PolicyError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(err)?;
    let mut text = String::new();
    file.take(MAX_POLICY_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(err)?;
    if text.len() as u64 > MAX_POLICY_BYTES {
        return Err(err(std::io::Error::other(
            "larger than 1 MiB; is this the policy file?",
        )));
    }
    Ok(text)
}

pub(crate) fn parse(
    text: &str,
    path: &Path,
    known_ids: &[&str],
) -> Result<Policy, PolicyFileError> {
    let fail = |problems| PolicyFileError {
        path: path.to_path_buf(),
        source_text: text.to_string(),
        problems,
    };
    let root = DeTable::parse(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        fail(vec![Problem::new(
            ProblemKind::Syntax,
            span,
            "invalid TOML",
            e.message().trim().to_string(),
        )])
    })?;
    let mut p = Parser {
        text,
        known_ids,
        problems: Vec::new(),
    };
    let mut policy = Policy {
        source: Some(path.to_path_buf()),
        ..Policy::default()
    };
    for (key, value) in root.get_ref() {
        match key.get_ref().as_ref() {
            "rules" => p.rules(value, &mut policy),
            "exceptions" => p.exceptions(value, &mut policy),
            "fail" => p.fail(value, &mut policy.fail),
            "registry" => p.registry(value, &mut policy),
            "all-platforms" => match value.get_ref() {
                DeValue::Boolean(b) => policy.all_platforms = *b,
                _ => p.wrong_type("all-platforms", value, "`true` or `false`"),
            },
            _ => p.unknown_key(key, TOP_KEYS, "a top-level key"),
        }
    }
    if p.problems.is_empty() {
        Ok(policy)
    } else {
        p.problems.sort_by_key(|p| (p.span.start, p.span.end));
        Err(fail(p.problems))
    }
}

type Key<'i> = Spanned<std::borrow::Cow<'i, str>>;
type Value<'i> = Spanned<DeValue<'i>>;

struct Parser<'a> {
    text: &'a str,
    known_ids: &'a [&'a str],
    problems: Vec<Problem>,
}

impl Parser<'_> {
    fn push(&mut self, problem: Problem) {
        self.problems.push(problem);
    }

    fn unknown_key(&mut self, key: &Key<'_>, known: &[&str], what: &str) {
        let name = key.get_ref().as_ref();
        let hint = suggest(name, known.iter().copied());
        self.push(
            Problem::new(
                ProblemKind::UnknownKey,
                key.span(),
                format!("unknown key `{name}`"),
                format!("not {what}"),
            )
            .help(Some(hint.map_or_else(
                || format!("expected one of {}", list(known)),
                |s| format!("did you mean `{s}`?"),
            ))),
        );
    }

    fn wrong_type(&mut self, key: &str, value: &Value<'_>, expected: &str) {
        self.push(Problem::new(
            ProblemKind::WrongType,
            value.span(),
            format!("`{key}` must be {expected}"),
            format!("found {}", value.get_ref().type_str()),
        ));
    }

    fn table<'v, 'i>(
        &mut self,
        key: &str,
        value: &'v Value<'i>,
        expected: &str,
    ) -> Option<&'v DeTable<'i>> {
        match value.get_ref() {
            DeValue::Table(t) => Some(t),
            _ => {
                self.wrong_type(key, value, expected);
                None
            }
        }
    }

    fn string<'v>(&mut self, key: &str, value: &'v Value<'_>) -> Option<&'v str> {
        match value.get_ref() {
            DeValue::String(s) => Some(s.as_ref()),
            _ => {
                self.wrong_type(key, value, "a string");
                None
            }
        }
    }

    /// A string or an array of strings, each with its span.
    fn strings(&mut self, key: &str, value: &Value<'_>) -> Option<Vec<(String, Range<usize>)>> {
        match value.get_ref() {
            DeValue::String(s) => Some(vec![(s.to_string(), value.span())]),
            DeValue::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items.iter() {
                    out.push((self.string(key, item)?.to_string(), item.span()));
                }
                Some(out)
            }
            _ => {
                self.wrong_type(key, value, "a string or an array of strings");
                None
            }
        }
    }

    fn action(&mut self, key: &str, value: &Value<'_>) -> Option<Action> {
        let s = self.string(key, value)?;
        let action = Action::parse(s);
        if action.is_none() {
            self.push(
                Problem::new(
                    ProblemKind::InvalidAction,
                    value.span(),
                    format!("unknown action `{s}`"),
                    format!("expected one of {}", list(ACTIONS)),
                )
                .help(suggest(s, ACTIONS.iter().copied()).map(|a| format!("did you mean `{a}`?"))),
            );
        }
        action
    }

    /// A rule id that must be registered; `"*"` too when `star` allows it.
    fn rule_id(&mut self, id: &str, span: Range<usize>, star: bool) -> bool {
        if self.known_ids.contains(&id) || (star && id == "*") {
            return true;
        }
        let hint = suggest(id, self.known_ids.iter().copied());
        self.push(
            Problem::new(
                ProblemKind::UnknownRule,
                span,
                format!("unknown rule `{id}`"),
                "no rule has this id",
            )
            .help(Some(hint.map_or_else(
                || "`ferret rules` lists every rule id".to_string(),
                |s| format!("did you mean `{s}`?"),
            ))),
        );
        false
    }

    /// `[rules]`: `rule-id = "action"`.
    fn rules(&mut self, value: &Value<'_>, policy: &mut Policy) {
        let Some(table) = self.table("rules", value, "a table of `rule-id = \"action\"`") else {
            return;
        };
        for (key, value) in table {
            let id = key.get_ref().as_ref();
            let known = self.rule_id(id, key.span(), false);
            if let Some(action) = self.action(id, value)
                && known
            {
                policy.rules.insert(id.to_string(), action);
            }
        }
    }

    /// `[[exceptions]]`: an array of tables (inline tables in an array work too).
    fn exceptions(&mut self, value: &Value<'_>, policy: &mut Policy) {
        let DeValue::Array(items) = value.get_ref() else {
            self.push(
                Problem::new(
                    ProblemKind::WrongType,
                    value.span(),
                    "`exceptions` must be an array of tables",
                    format!("found {}", value.get_ref().type_str()),
                )
                .help(Some(
                    "write each exception as its own `[[exceptions]]` table".into(),
                )),
            );
            return;
        };
        for item in items.iter() {
            if let Some(table) = self.table("exceptions", item, "a table")
                && let Some(e) = self.exception(table, item.span())
            {
                policy.exceptions.push(e);
            }
        }
    }

    fn exception(&mut self, table: &DeTable<'_>, span: Range<usize>) -> Option<Exception> {
        let (mut package, mut rules, mut versions, mut reason, mut action) =
            (None, None, None, None, Some(Action::Ignore));
        let mut ok = true;
        for (key, value) in table {
            match key.get_ref().as_ref() {
                "package" => package = Some(value),
                "rule" => rules = Some(value),
                "versions" => versions = Some(value),
                "reason" => reason = Some(value),
                "action" => action = self.action("action", value),
                _ => {
                    self.unknown_key(key, EXCEPTION_KEYS, "a key of [[exceptions]]");
                    ok = false;
                }
            }
        }
        let package = self.required(package, "package", &span).and_then(|v| {
            let spec = self.string("package", v)?;
            PackagePattern::parse(spec)
                .map_err(|(message, hint)| {
                    self.push(
                        Problem::new(
                            ProblemKind::InvalidPackage,
                            v.span(),
                            message,
                            "expected `[ecosystem:]name`, e.g. `npm:esbuild`",
                        )
                        .help(hint.map(|h| {
                            if h.contains(' ') {
                                h
                            } else {
                                format!("did you mean `{h}`?")
                            }
                        })),
                    );
                })
                .ok()
        });
        let rules = self.required(rules, "rule", &span).and_then(|v| {
            let ids = self.strings("rule", v)?;
            if ids.iter().any(|(id, _)| id == "*") {
                if ids.len() > 1 {
                    self.push(Problem::new(
                        ProblemKind::InvalidValue,
                        v.span(),
                        "`*` covers every rule and cannot be listed with others",
                        "write `rule = \"*\"` alone",
                    ));
                    return None;
                }
                return Some(None);
            }
            if ids.is_empty() {
                self.push(Problem::new(
                    ProblemKind::InvalidValue,
                    v.span(),
                    "an exception must name at least one rule",
                    "empty list",
                ));
                return None;
            }
            let mut all_known = true;
            for (id, span) in &ids {
                all_known &= self.rule_id(id, span.clone(), true);
            }
            all_known.then(|| Some(ids.into_iter().map(|(id, _)| id).collect()))
        });
        let reason = self.required(reason, "reason", &span).and_then(|v| {
            let text = self.string("reason", v)?.trim();
            if text.is_empty() {
                self.push(
                    Problem::new(
                        ProblemKind::InvalidValue,
                        v.span(),
                        "empty reason",
                        "an exception must say why it is safe",
                    )
                    .help(Some(REASON_HELP.into())),
                );
                return None;
            }
            Some(text.to_string())
        });
        let versions = match versions {
            None => Some(None),
            Some(v) => self.versions(v, package.as_ref().map(|p| p.ecosystem)),
        };
        let (line, _) = line_col(self.text, span.start);
        match (ok, package, rules, versions, reason, action) {
            (true, Some(package), Some(rules), Some(versions), Some(reason), Some(action)) => Some(
                Exception::new(package, rules, versions, reason, action, span, line),
            ),
            _ => None,
        }
    }

    fn required<'v, 'i>(
        &mut self,
        value: Option<&'v Value<'i>>,
        key: &str,
        span: &Range<usize>,
    ) -> Option<&'v Value<'i>> {
        if value.is_none() {
            let help = match key {
                "reason" => REASON_HELP,
                "rule" => {
                    "name the rule it allows, e.g. `rule = \"install-script\"` (`\"*\"` for every rule)"
                }
                _ => "name the package, e.g. `package = \"npm:esbuild\"`",
            };
            self.push(
                Problem::new(
                    ProblemKind::MissingKey,
                    header_span(self.text, span),
                    format!("exception without `{key}`"),
                    format!("this exception has no `{key}`"),
                )
                .help(Some(help.into())),
            );
        }
        value
    }

    /// `versions = ["0.25.*", "1.2.3"]`; `None` on error, `Some(None)` never (absent is
    /// handled by the caller).
    fn versions(
        &mut self,
        value: &Value<'_>,
        ecosystem: Option<Ecosystem>,
    ) -> Option<Option<Vec<VersionMatcher>>> {
        let DeValue::Array(items) = value.get_ref() else {
            self.wrong_type("versions", value, "an array of versions or npm ranges");
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for item in items.iter() {
            let Some(raw) = self.string("versions", item) else {
                ok = false;
                continue;
            };
            // The package's own error is already reported; check npm syntax meanwhile.
            match VersionMatcher::parse(ecosystem.unwrap_or(Ecosystem::Npm), raw) {
                Ok(m) => out.push(m),
                Err(message) => {
                    ok = false;
                    self.push(
                        Problem::new(
                            ProblemKind::InvalidVersion,
                            item.span(),
                            message,
                            "not a version or range",
                        )
                        .help(Some(
                            "write an exact version (`1.2.3`) or an npm range (`0.25.*`, `^1.2`, `>=1 <2`)"
                                .into(),
                        )),
                    );
                }
            }
        }
        if out.is_empty() && ok {
            self.push(
                Problem::new(
                    ProblemKind::InvalidValue,
                    value.span(),
                    "`versions` is empty, so the exception would cover no version",
                    "empty list",
                )
                .help(Some("remove `versions` to cover every version".into())),
            );
            return None;
        }
        ok.then_some(Some(out))
    }

    /// `[fail]`: `on = "block" | "warn"`, `severity = "high"`.
    fn fail(&mut self, value: &Value<'_>, fail: &mut Fail) {
        let Some(table) = self.table("fail", value, "a table") else {
            return;
        };
        for (key, value) in table {
            match key.get_ref().as_ref() {
                "on" => {
                    let Some(s) = self.string("on", value) else {
                        continue;
                    };
                    match s {
                        "block" => fail.on = Action::Block,
                        "warn" => fail.on = Action::Warn,
                        _ => {
                            let hint = suggest(s, ["block", "warn"]);
                            self.push(
                                Problem::new(
                                    ProblemKind::InvalidValue,
                                    value.span(),
                                    format!("`on` must be `block` or `warn`, not `{s}`"),
                                    "the weakest action that fails the run",
                                )
                                .help(Some(hint.map_or_else(
                                    || "to fail on severity, use `severity = \"high\"`".to_string(),
                                    |h| format!("did you mean `{h}`?"),
                                ))),
                            );
                        }
                    }
                }
                "severity" => {
                    let Some(s) = self.string("severity", value) else {
                        continue;
                    };
                    match parse_severity(s) {
                        Some(sev) => fail.severity = Some(sev),
                        None => self.push(
                            Problem::new(
                                ProblemKind::InvalidValue,
                                value.span(),
                                format!("unknown severity `{s}`"),
                                format!("expected one of {}", list(SEVERITIES)),
                            )
                            .help(
                                suggest(s, SEVERITIES.iter().copied())
                                    .map(|h| format!("did you mean `{h}`?")),
                            ),
                        ),
                    }
                }
                _ => self.unknown_key(key, FAIL_KEYS, "a key of [fail]"),
            }
        }
    }

    /// `[registry]`: `soak-hours = 48`.
    fn registry(&mut self, value: &Value<'_>, policy: &mut Policy) {
        let Some(table) = self.table("registry", value, "a table") else {
            return;
        };
        for (key, value) in table {
            if key.get_ref().as_ref() != "soak-hours" {
                self.unknown_key(key, REGISTRY_KEYS, "a key of [registry]");
                continue;
            }
            let DeValue::Integer(n) = value.get_ref() else {
                self.wrong_type("soak-hours", value, "a whole number of hours");
                continue;
            };
            match i64::from_str_radix(n.as_str(), n.radix()) {
                Ok(h @ 0..=MAX_SOAK_HOURS) => {
                    policy.soak_hours = u32::try_from(h).ok();
                }
                _ => self.push(Problem::new(
                    ProblemKind::InvalidValue,
                    value.span(),
                    format!("`soak-hours` must be between 0 and {MAX_SOAK_HOURS}"),
                    "hours since the version was published",
                )),
            }
        }
    }
}

const REASON_HELP: &str = "every exception needs a reason: why the package may do this, who reviewed it and when, e.g. `reason = \"downloads its platform binary; reviewed 2026-05\"`";

fn parse_severity(s: &str) -> Option<Severity> {
    Some(match s {
        "info" => Severity::Info,
        "low" => Severity::Low,
        "medium" => Severity::Medium,
        "high" => Severity::High,
        "critical" => Severity::Critical,
        _ => return None,
    })
}

fn list(items: &[&str]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A table's span can cover its whole body; a missing-key error points at its first line
/// (the `[[exceptions]]` header or the start of the inline table).
fn header_span(text: &str, span: &Range<usize>) -> Range<usize> {
    let start = span.start.min(text.len());
    let end = text[start..]
        .find('\n')
        .map_or(span.end.min(text.len()), |i| start + i)
        .min(span.end.max(start));
    start..end.max(start)
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests unwrap on fixed inputs")]
mod tests {
    use super::*;

    const KNOWN: &[&str] = &[
        "env-access",
        "install-script",
        "malware",
        "network-access",
        "shell-access",
        "telemetry",
    ];

    fn parse_ok(text: &str) -> Policy {
        parse(text, Path::new("ferret.toml"), KNOWN)
            .unwrap_or_else(|e| panic!("policy should parse:\n{e}"))
    }

    /// The rendered diagnostics of a policy that must fail, with the kinds found.
    fn errors(text: &str) -> (Vec<ProblemKind>, String) {
        let err = parse(text, Path::new("ferret.toml"), KNOWN).unwrap_err();
        (
            err.problems.iter().map(|p| p.kind).collect(),
            err.render(false),
        )
    }

    #[test]
    fn parses_every_key() {
        let p = parse_ok(
            r#"
[rules]
install-script = "warn"
telemetry = "ignore"

[[exceptions]]
package = "npm:esbuild"
rule = "install-script"
versions = ["0.25.*", "0.24.2"]
reason = "downloads its platform binary; reviewed 2026-05"

[[exceptions]]
package = "@my-org/*"
rule = ["network-access", "env-access"]
reason = "our own packages"
action = "monitor"

[[exceptions]]
package = "pypi:Some_Tool"
rule = "*"
reason = "vendored and audited"

[fail]
on = "warn"
severity = "high"

[registry]
soak-hours = 72
"#,
        );
        assert_eq!(p.rules.get("install-script"), Some(&Action::Warn));
        assert_eq!(p.rules.get("telemetry"), Some(&Action::Ignore));
        assert_eq!(p.exceptions.len(), 3);
        let e = &p.exceptions[0];
        assert_eq!(e.package.to_string(), "npm:esbuild");
        assert_eq!(
            e.rules.as_deref(),
            Some(&["install-script".to_string()][..])
        );
        assert_eq!(e.versions.as_ref().unwrap().len(), 2);
        assert_eq!(e.action, Action::Ignore, "exceptions ignore by default");
        assert_eq!(e.line, 6);
        assert_eq!(p.exceptions[1].action, Action::Monitor);
        assert_eq!(
            p.exceptions[1].rules.as_deref().unwrap(),
            ["network-access", "env-access"]
        );
        assert_eq!(p.exceptions[2].package.to_string(), "pypi:some-tool");
        assert_eq!(p.exceptions[2].rules, None);
        assert_eq!(p.fail.on, Action::Warn);
        assert_eq!(p.fail.severity, Some(Severity::High));
        assert_eq!(p.soak_hours(), 72);
        assert_eq!(p.source.as_deref(), Some(Path::new("ferret.toml")));
    }

    #[test]
    fn empty_file_is_the_default_policy() {
        let p = parse_ok("# nothing yet\n");
        assert!(p.rules.is_empty() && p.exceptions.is_empty());
        assert_eq!(p.fail, Fail::default());
        assert_eq!(p.soak_hours(), crate::DEFAULT_SOAK_HOURS);
    }

    #[test]
    fn inline_exception_tables_work() {
        let p = parse_ok(
            "exceptions = [{ package = \"esbuild\", rule = \"install-script\", reason = \"binary\" }]\n",
        );
        assert_eq!(p.exceptions[0].package.to_string(), "npm:esbuild");
    }

    #[test]
    fn error_syntax() {
        let (kinds, text) = errors("[rules]\ninstall-script = warn\n");
        assert_eq!(kinds, [ProblemKind::Syntax]);
        insta::assert_snapshot!(text);
    }

    #[test]
    fn error_unknown_rule_in_rules() {
        let (kinds, text) = errors("[rules]\nshell-acess = \"block\"\n");
        assert_eq!(kinds, [ProblemKind::UnknownRule]);
        assert!(text.contains("ferret.toml:2:1"), "{text}");
        assert!(text.contains("did you mean `shell-access`?"), "{text}");
        insta::assert_snapshot!(text);
    }

    #[test]
    fn error_unknown_rule_without_suggestion() {
        let (kinds, text) = errors("[rules]\nfrobnicate = \"block\"\n");
        assert_eq!(kinds, [ProblemKind::UnknownRule]);
        insta::assert_snapshot!(text);
    }

    #[test]
    fn error_unknown_rule_in_exception() {
        let (kinds, text) = errors(
            "[[exceptions]]\npackage = \"esbuild\"\nrule = [\"install-script\", \"instal-script\"]\nreason = \"r\"\n",
        );
        assert_eq!(kinds, [ProblemKind::UnknownRule]);
        assert!(text.contains("ferret.toml:3:27"), "{text}");
        insta::assert_snapshot!(text);
    }

    #[test]
    fn error_unknown_top_level_key() {
        let (kinds, text) = errors("[rule]\nshell-access = \"block\"\n");
        assert_eq!(kinds, [ProblemKind::UnknownKey]);
        assert!(text.contains("did you mean `rules`?"), "{text}");
        insta::assert_snapshot!(text);
    }

    #[test]
    fn error_unknown_exception_key() {
        let (kinds, text) = errors(
            "[[exceptions]]\npackage = \"esbuild\"\nrule = \"install-script\"\nversion = \"1.0.0\"\nreason = \"r\"\n",
        );
        assert_eq!(kinds, [ProblemKind::UnknownKey]);
        assert!(text.contains("did you mean `versions`?"), "{text}");
        insta::assert_snapshot!(text);
    }

    /// `all-platforms = true`: project scans download packages for other platforms too.
    #[test]
    fn all_platforms_key() {
        assert!(parse_ok("all-platforms = true\n").all_platforms);
        assert!(!parse_ok("all-platforms = false\n").all_platforms);
        assert!(!parse_ok("").all_platforms);
        let (kinds, text) = errors("all-platforms = \"yes\"\n");
        assert_eq!(kinds, [ProblemKind::WrongType]);
        assert!(
            text.contains("`all-platforms` must be `true` or `false`"),
            "{text}"
        );
        let (kinds, text) = errors("all-platform = true\n");
        assert_eq!(kinds, [ProblemKind::UnknownKey]);
        assert!(text.contains("did you mean `all-platforms`?"), "{text}");
    }

    #[test]
    fn error_unknown_fail_and_registry_keys() {
        let (kinds, text) =
            errors("[fail]\nseverity = \"high\"\nonn = \"warn\"\n\n[registry]\nsoak-hour = 1\n");
        assert_eq!(kinds, [ProblemKind::UnknownKey, ProblemKind::UnknownKey]);
        assert!(text.contains("did you mean `on`?"), "{text}");
        assert!(text.contains("did you mean `soak-hours`?"), "{text}");
        insta::assert_snapshot!(text);
    }

    #[test]
    fn error_exception_without_reason() {
        let (kinds, text) =
            errors("[[exceptions]]\npackage = \"npm:esbuild\"\nrule = \"install-script\"\n");
        assert_eq!(kinds, [ProblemKind::MissingKey]);
        assert!(text.contains("exception without `reason`"), "{text}");
        assert!(text.contains("ferret.toml:1:1"), "{text}");
        insta::assert_snapshot!(text);
    }

    #[test]
    fn error_exception_with_empty_reason() {
        let (kinds, text) = errors(
            "[[exceptions]]\npackage = \"npm:esbuild\"\nrule = \"install-script\"\nreason = \"  \"\n",
        );
        assert_eq!(kinds, [ProblemKind::InvalidValue]);
        insta::assert_snapshot!(text);
    }

    #[test]
    fn error_exception_without_package_and_rule() {
        let (kinds, _) = errors("[[exceptions]]\nreason = \"x\"\n");
        assert_eq!(kinds, [ProblemKind::MissingKey, ProblemKind::MissingKey]);
    }

    #[test]
    fn error_wrong_types() {
        let (kinds, text) = errors(
            "rules = [\"shell-access\"]\nexceptions = { package = \"x\" }\n\n[registry]\nsoak-hours = \"48\"\n",
        );
        assert_eq!(
            kinds,
            [
                ProblemKind::WrongType,
                ProblemKind::WrongType,
                ProblemKind::WrongType
            ]
        );
        insta::assert_snapshot!(text);
    }

    #[test]
    fn error_invalid_action() {
        let (kinds, text) = errors("[rules]\nshell-access = \"blok\"\n");
        assert_eq!(kinds, [ProblemKind::InvalidAction]);
        assert!(text.contains("did you mean `block`?"), "{text}");
        insta::assert_snapshot!(text);
    }

    #[test]
    fn error_invalid_package() {
        let (kinds, text) = errors(
            "[[exceptions]]\npackage = \"nmp:esbuild\"\nrule = \"install-script\"\nreason = \"r\"\n\n[[exceptions]]\npackage = \"esbuild@0.25.0\"\nrule = \"install-script\"\nreason = \"r\"\n",
        );
        assert_eq!(
            kinds,
            [ProblemKind::InvalidPackage, ProblemKind::InvalidPackage]
        );
        assert!(text.contains("did you mean `npm`?"), "{text}");
        insta::assert_snapshot!(text);
    }

    #[test]
    fn error_invalid_version() {
        let (kinds, text) = errors(
            "[[exceptions]]\npackage = \"esbuild\"\nrule = \"install-script\"\nversions = [\"0.25.*\", \"latest!\"]\nreason = \"r\"\n",
        );
        assert_eq!(kinds, [ProblemKind::InvalidVersion]);
        insta::assert_snapshot!(text);
    }

    #[test]
    fn error_invalid_values() {
        let (kinds, text) = errors(
            "[fail]\non = \"monitor\"\nseverity = \"hihg\"\n\n[registry]\nsoak-hours = 100000\n\n[[exceptions]]\npackage = \"x\"\nrule = [\"*\", \"malware\"]\nreason = \"r\"\nversions = []\n",
        );
        assert_eq!(kinds, [ProblemKind::InvalidValue; 5]);
        assert!(text.contains("did you mean `high`?"), "{text}");
        insta::assert_snapshot!(text);
    }

    #[test]
    fn problems_come_in_file_order() {
        // DeTable iterates keys alphabetically; the report must follow the file.
        let err = parse(
            "[rules]\nzzz = \"warn\"\naaa = \"warn\"\n",
            Path::new("ferret.toml"),
            KNOWN,
        )
        .unwrap_err();
        let lines: Vec<usize> = err
            .problems
            .iter()
            .map(|p| err.line_col(p.span.start).0)
            .collect();
        assert_eq!(lines, [2, 3]);
    }

    #[test]
    fn discovery_walks_up_to_the_nearest_file() {
        let root = tempfile::tempdir().unwrap();
        let project = root.path().join("app");
        let deep = project.join("node_modules/pkg/lib");
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::write(root.path().join(POLICY_FILE_NAME), "").unwrap();
        std::fs::write(project.join(POLICY_FILE_NAME), "").unwrap();
        assert_eq!(discover(&deep), Some(project.join(POLICY_FILE_NAME)));
        assert_eq!(discover(&project), Some(project.join(POLICY_FILE_NAME)));
        // A directory named ferret.toml is skipped; the search goes on upwards.
        let other = root.path().join("other");
        std::fs::create_dir_all(other.join(POLICY_FILE_NAME)).unwrap();
        assert_eq!(discover(&other), Some(root.path().join(POLICY_FILE_NAME)));
    }

    #[test]
    fn find_and_load_prefers_the_explicit_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(POLICY_FILE_NAME),
            "[rules]\nmalware = \"warn\"\n",
        )
        .unwrap();
        let explicit = dir.path().join("strict.toml");
        std::fs::write(&explicit, "[fail]\non = \"warn\"\n").unwrap();
        let found = Policy::find_and_load(None, dir.path(), KNOWN).unwrap();
        assert_eq!(found.rules.get("malware"), Some(&Action::Warn));
        let chosen = Policy::find_and_load(Some(&explicit), dir.path(), KNOWN).unwrap();
        assert!(chosen.rules.is_empty());
        assert_eq!(chosen.fail.on, Action::Warn);
        let missing = Policy::find_and_load(Some(&dir.path().join("nope.toml")), dir.path(), KNOWN);
        assert!(matches!(missing, Err(PolicyError::Read { .. })));
    }

    #[test]
    fn oversized_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(POLICY_FILE_NAME);
        std::fs::write(&path, "#".repeat(2 << 20)).unwrap();
        assert!(matches!(
            Policy::load(&path, KNOWN),
            Err(PolicyError::Read { .. })
        ));
    }
}
