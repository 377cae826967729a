//! npm lifecycle scripts: which commands run at install time and which package files they
//! execute.
//!
//! npm runs `preinstall`, `install`, `postinstall` (and `prepare` for git installs) through
//! `sh -c` (or `cmd /d /s /c` on Windows), and runs `node-gyp rebuild` on its own when a
//! package ships `binding.gyp` without an `install`/`preinstall` script. Each command line is
//! split as a shell would split it (quotes, escapes, `&&`, `||`, `;`, `|`, `&`, redirections,
//! leading `VAR=value` assignments) and unwrapped through launchers (`env`, `nohup`,
//! `cross-env`, Windows `start /B`, `sh -c "…"`, `cmd /c`, `npm run <script>`), so that the
//! files it runs (`node lib/x.js`, `bash ./setup.sh`, `./install`) become install-time code.
//! Nothing here executes anything; the split is a static reading of the text.

use crate::resolve::{resolve_exact, resolve_node};
use ferret_core::{InstallScript, LineIndex, Location, Span};
use std::collections::BTreeSet;

/// The lifecycle hooks npm runs when a package is installed, in the order it runs them.
pub const INSTALL_HOOKS: [&str; 4] = ["preinstall", "install", "postinstall", "prepare"];

/// The command npm runs implicitly for a package with `binding.gyp` and no install script.
pub const IMPLICIT_GYP_COMMAND: &str = "node-gyp rebuild";

/// Nesting bound for `sh -c "…"` and `npm run x` unwrapping: real scripts nest one or two
/// levels; the bound keeps a self-referencing script (`"a": "npm run a"`) finite.
const MAX_DEPTH: usize = 4;

/// Bound on the commands recorded for one hook, so a hostile script cannot grow the facts.
const MAX_COMMANDS: usize = 256;

/// The install scripts of an npm manifest. `manifest_src` is the text of `package.json`
/// (used for locations); `files` is the package's file list (used to resolve run files).
pub fn parse_install_scripts(
    manifest: &serde_json::Value,
    manifest_src: &str,
    files: &BTreeSet<String>,
) -> Vec<InstallScript> {
    let scripts = manifest
        .get("scripts")
        .and_then(serde_json::Value::as_object);
    let index = LineIndex::new(manifest_src);
    let mut out = Vec::new();
    for hook in INSTALL_HOOKS {
        let Some(command) = scripts
            .and_then(|s| s.get(hook))
            .and_then(serde_json::Value::as_str)
        else {
            continue;
        };
        let location = script_span(manifest_src, hook)
            .map(|span| index.location("package.json", manifest_src, span));
        out.push(analyse(hook, command, location, manifest, files));
    }
    let has_install = out
        .iter()
        .any(|s| s.hook == "install" || s.hook == "preinstall");
    if files.contains("binding.gyp") && !has_install {
        let location = Location {
            path: "binding.gyp".to_string(),
            line: 1,
            column: 1,
            span: Span::new(0, 0),
        };
        out.push(analyse(
            "install",
            IMPLICIT_GYP_COMMAND,
            Some(location),
            manifest,
            files,
        ));
    }
    out
}

/// Whether a script is npm's implicit `node-gyp rebuild` (not written in the manifest).
pub fn is_implicit(script: &InstallScript) -> bool {
    script
        .location
        .as_ref()
        .is_some_and(|l| l.path == "binding.gyp")
        && script.command == IMPLICIT_GYP_COMMAND
}

/// Inline code passed on a command line (`node -e "…"`, `node -p`, `python -c`).
pub fn inline_code(commands: &[Vec<String>]) -> Vec<String> {
    let mut out = Vec::new();
    for argv in commands {
        let argv = unwrap_launchers(argv);
        let Some(prog) = argv.first().map(|p| program_name(p)) else {
            continue;
        };
        let flags: &[&str] = match prog.as_str() {
            "node" | "nodejs" => &["-e", "--eval", "-p", "--print", "-pe"],
            "python" | "python3" | "python2" => &["-c"],
            _ => continue,
        };
        let mut it = argv.iter().skip(1);
        while let Some(a) = it.next() {
            if flags.contains(&a.as_str()) {
                if let Some(code) = it.next() {
                    out.push(code.clone());
                }
            } else if let Some(code) = a.strip_prefix("--eval=") {
                out.push(code.to_string());
            }
        }
    }
    out
}

fn analyse(
    hook: &str,
    command: &str,
    location: Option<Location>,
    manifest: &serde_json::Value,
    files: &BTreeSet<String>,
) -> InstallScript {
    let mut commands = Vec::new();
    let mut runs = BTreeSet::new();
    expand(command, manifest, files, 0, &mut commands, &mut runs);
    InstallScript {
        hook: hook.to_string(),
        command: command.to_string(),
        commands,
        runs_files: runs.into_iter().collect(),
        location,
    }
}

/// Splits `line`, records each simple command, follows `sh -c` and `npm run` into nested
/// command lines and collects the package files that get run.
fn expand(
    line: &str,
    manifest: &serde_json::Value,
    files: &BTreeSet<String>,
    depth: usize,
    commands: &mut Vec<Vec<String>>,
    runs: &mut BTreeSet<String>,
) {
    for argv in split_command_line(line) {
        if commands.len() >= MAX_COMMANDS {
            return;
        }
        let inner = unwrap_launchers(&argv).to_vec();
        commands.push(argv);
        let Some(prog) = inner.first() else { continue };
        let name = program_name(prog);
        let args = &inner[1..];
        match name.as_str() {
            "sh" | "bash" | "zsh" | "dash" | "ksh" => {
                if let Some(pos) = args.iter().position(|a| a == "-c") {
                    if depth < MAX_DEPTH
                        && let Some(code) = args.get(pos + 1)
                    {
                        expand(code, manifest, files, depth + 1, commands, runs);
                    }
                } else if let Some(f) = args.iter().find(|a| !a.starts_with('-')) {
                    runs.extend(resolve_exact(f, files));
                }
            }
            "cmd" => {
                if let Some(pos) = args
                    .iter()
                    .position(|a| a.eq_ignore_ascii_case("/c") || a.eq_ignore_ascii_case("/k"))
                    && depth < MAX_DEPTH
                {
                    let rest = args[pos + 1..].join(" ");
                    expand(&rest, manifest, files, depth + 1, commands, runs);
                }
            }
            "node" | "nodejs" | "tsx" | "ts-node" => node_files(args, files, runs),
            "python" | "python3" | "python2" => {
                if !args.iter().any(|a| a == "-c")
                    && let Some(f) = args.iter().find(|a| !a.starts_with('-'))
                {
                    runs.extend(resolve_exact(f, files));
                }
            }
            "node-gyp" => {
                if files.contains("binding.gyp") {
                    runs.insert("binding.gyp".to_string());
                }
            }
            "npm" | "pnpm" | "yarn" | "bun" => {
                if let Some(script) = run_script_name(&name, args)
                    && depth < MAX_DEPTH
                    && let Some(body) = manifest
                        .get("scripts")
                        .and_then(|s| s.get(script))
                        .and_then(serde_json::Value::as_str)
                {
                    expand(body, manifest, files, depth + 1, commands, runs);
                } else if name == "bun" {
                    // `bun x.js` runs a file the way `node x.js` does.
                    node_files(args, files, runs);
                }
            }
            _ => {
                // A file run directly: `./install.sh`, `bin/setup`, `scripts\x.cmd`.
                if prog.contains('/') || prog.contains('\\') || has_script_extension(prog) {
                    runs.extend(resolve_exact(prog, files));
                }
            }
        }
    }
}

/// The script a package-manager command runs (`npm run build`, `yarn build`, `pnpm build`).
fn run_script_name<'a>(manager: &str, args: &'a [String]) -> Option<&'a str> {
    let mut words = args.iter().filter(|a| !a.starts_with('-'));
    let first = words.next()?;
    match first.as_str() {
        "run" | "run-script" | "rum" | "urn" => words.next().map(String::as_str),
        // `yarn build`, `pnpm build`, `bun build` run a script when no such command exists.
        _ if manager != "npm" && !is_pm_command(first) => Some(first.as_str()),
        _ => None,
    }
}

fn is_pm_command(word: &str) -> bool {
    matches!(
        word,
        "install" | "i" | "add" | "remove" | "exec" | "dlx" | "x" | "publish" | "link" | "test"
    )
}

/// Node options that consume the next argument.
const NODE_VALUE_OPTIONS: [&str; 12] = [
    "-r",
    "--require",
    "--import",
    "--loader",
    "--experimental-loader",
    "-C",
    "--conditions",
    "--env-file",
    "--input-type",
    "--title",
    "--stack-size",
    "--max-old-space-size",
];

/// The files `node …` runs: preloads (`-r ./x`, `--import ./x`) and the entry script.
fn node_files(args: &[String], files: &BTreeSet<String>, runs: &mut BTreeSet<String>) {
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if matches!(a.as_str(), "-e" | "--eval" | "-p" | "--print" | "-pe") {
            // Inline code is the program; what follows are its arguments.
            return;
        }
        if NODE_VALUE_OPTIONS.contains(&a.as_str()) {
            if let Some(v) = it.next()
                && matches!(a.as_str(), "-r" | "--require" | "--import" | "--loader")
            {
                runs.extend(resolve_node("", v, files));
            }
            continue;
        }
        if let Some((opt, v)) = a.split_once('=')
            && matches!(opt, "--require" | "--import" | "--loader")
        {
            runs.extend(resolve_node("", v, files));
            continue;
        }
        if a.starts_with('-') {
            continue;
        }
        runs.extend(resolve_node("", a, files));
        return;
    }
}

fn has_script_extension(word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    [
        ".sh", ".js", ".cjs", ".mjs", ".cmd", ".bat", ".ps1", ".py", ".exe",
    ]
    .iter()
    .any(|e| lower.ends_with(e))
}

/// `/usr/bin/node.exe` → `node`.
fn program_name(word: &str) -> String {
    let base = word.rsplit(['/', '\\']).next().unwrap_or(word);
    let lower = base.to_ascii_lowercase();
    lower
        .strip_suffix(".exe")
        .or_else(|| lower.strip_suffix(".cmd"))
        .unwrap_or(&lower)
        .to_string()
}

/// Skips launchers that run the rest of the line as a command: `env A=1 x`, `nohup x`,
/// `exec x`, `cross-env A=1 x`, `start /B "" x`, `time x`.
fn unwrap_launchers(argv: &[String]) -> &[String] {
    let mut rest = argv;
    for _ in 0..8 {
        let Some(first) = rest.first() else {
            return rest;
        };
        let name = program_name(first);
        let skip = match name.as_str() {
            "env" | "cross-env" | "cross-env-shell" | "sudo" => {
                1 + rest[1..]
                    .iter()
                    .take_while(|a| a.starts_with('-') || is_assignment(a))
                    .count()
            }
            "nohup" | "exec" | "time" | "command" | "nice" | "setsid" => 1,
            "start" => {
                1 + rest[1..]
                    .iter()
                    .take_while(|a| a.starts_with('/') && a.len() <= 12 || a.is_empty())
                    .count()
            }
            _ => return rest,
        };
        rest = &rest[skip.min(rest.len())..];
    }
    rest
}

fn is_assignment(word: &str) -> bool {
    let Some((name, _)) = word.split_once('=') else {
        return false;
    };
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Splits a shell command line into simple commands (argv words), dropping leading
/// `VAR=value` assignments and redirections (`> out`, `2>&1`). Unbalanced quotes end at the
/// end of the line rather than failing: npm would hand the text to `sh` regardless, and
/// the words are still the best static reading.
pub fn split_command_line(line: &str) -> Vec<Vec<String>> {
    let mut commands = Vec::new();
    let mut argv: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut redirect_next = false;
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;

    let finish_word =
        |word: &mut String, in_word: &mut bool, argv: &mut Vec<String>, redirect: &mut bool| {
            if *in_word {
                if *redirect {
                    *redirect = false;
                } else if !(argv.is_empty() && is_assignment(word)) {
                    argv.push(std::mem::take(word));
                }
                word.clear();
                *in_word = false;
            }
        };

    while i < chars.len() {
        let c = chars[i];
        match c {
            '\'' => {
                in_word = true;
                i += 1;
                while i < chars.len() && chars[i] != '\'' {
                    word.push(chars[i]);
                    i += 1;
                }
            }
            '"' => {
                in_word = true;
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\'
                        && i + 1 < chars.len()
                        && matches!(chars[i + 1], '"' | '\\' | '$' | '`')
                    {
                        i += 1;
                    }
                    word.push(chars[i]);
                    i += 1;
                }
            }
            '\\' => {
                in_word = true;
                if let Some(&next) = chars.get(i + 1) {
                    if next != '\n' {
                        word.push(next);
                    }
                    i += 1;
                }
            }
            '$' if chars.get(i + 1) == Some(&'(') => {
                // Command substitution: kept inside the word, balanced on parentheses.
                in_word = true;
                let mut depth = 0usize;
                while i < chars.len() {
                    word.push(chars[i]);
                    match chars[i] {
                        '(' => depth += 1,
                        ')' => {
                            depth = depth.saturating_sub(1);
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
            }
            c if c.is_whitespace() && c != '\n' => {
                finish_word(&mut word, &mut in_word, &mut argv, &mut redirect_next);
            }
            '>' | '<' => {
                // `2>` / `2>&1`: the fd number belongs to the redirection.
                if in_word && word.chars().all(|d| d.is_ascii_digit()) {
                    word.clear();
                    in_word = false;
                } else {
                    finish_word(&mut word, &mut in_word, &mut argv, &mut redirect_next);
                }
                while matches!(chars.get(i + 1), Some('>' | '&' | '|')) {
                    i += 1;
                }
                redirect_next = true;
            }
            '&' | '|' | ';' | '\n' | '(' | ')' => {
                finish_word(&mut word, &mut in_word, &mut argv, &mut redirect_next);
                redirect_next = false;
                if !argv.is_empty() {
                    commands.push(std::mem::take(&mut argv));
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
        i += 1;
    }
    finish_word(&mut word, &mut in_word, &mut argv, &mut redirect_next);
    if !argv.is_empty() {
        commands.push(argv);
    }
    commands
}

/// The span of `"hook": "…"` inside the `scripts` object of the manifest text.
fn script_span(src: &str, hook: &str) -> Option<Span> {
    let scripts_at = find_key(src, "scripts", 0)?;
    let key_at = find_key(src, hook, scripts_at)?;
    let after_key = key_at + hook.len() + 2;
    let rest = &src[after_key..];
    let colon = rest.find(':')?;
    let value_rel = rest[colon + 1..].find(|c: char| !c.is_whitespace())?;
    let value_at = after_key + colon + 1 + value_rel;
    let end = json_string_end(src, value_at).unwrap_or(value_at);
    Some(Span::new(to_u32(key_at), to_u32(end)))
}

/// Byte offset of `"key"` followed by optional whitespace and `:`, at or after `from`.
fn find_key(src: &str, key: &str, from: usize) -> Option<usize> {
    let needle = format!("\"{key}\"");
    let mut start = from;
    while let Some(rel) = src.get(start..)?.find(&needle) {
        let at = start + rel;
        let after = &src[at + needle.len()..];
        if after.trim_start().starts_with(':') {
            return Some(at);
        }
        start = at + needle.len();
    }
    None
}

/// The offset just past the JSON string starting at `at` (which must be `"`).
fn json_string_end(src: &str, at: usize) -> Option<usize> {
    let bytes = src.as_bytes();
    if bytes.get(at) != Some(&b'"') {
        return None;
    }
    let mut i = at + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(paths: &[&str]) -> BTreeSet<String> {
        paths.iter().map(|s| (*s).to_string()).collect()
    }

    fn words(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_string()).collect()
    }

    fn scripts(manifest: &str, paths: &[&str]) -> Vec<InstallScript> {
        let value: serde_json::Value = serde_json::from_str(manifest).unwrap();
        parse_install_scripts(&value, manifest, &files(paths))
    }

    #[test]
    fn splits_operators_quotes_and_assignments() {
        let cmds = split_command_line(
            r#"FOO=1 BAR="a b" node x.js && echo 'it''s' || true; a | b & c "q\"d" 2>&1 > /dev/null"#,
        );
        assert_eq!(
            cmds,
            vec![
                words(&["node", "x.js"]),
                words(&["echo", "its"]),
                words(&["true"]),
                words(&["a"]),
                words(&["b"]),
                words(&["c", "q\"d"]),
            ]
        );
    }

    #[test]
    fn unbalanced_quote_does_not_fail() {
        assert_eq!(
            split_command_line("node 'x.js"),
            vec![words(&["node", "x.js"])]
        );
    }

    #[test]
    fn node_script_with_location() {
        let manifest = "{\n  \"name\": \"x\",\n  \"scripts\": {\n    \"test\": \"jest\",\n    \"postinstall\": \"node ./lib/build.js\"\n  }\n}";
        let s = scripts(manifest, &["package.json", "lib/build.js"]);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].hook, "postinstall");
        assert_eq!(s[0].runs_files, vec!["lib/build.js"]);
        assert_eq!(s[0].commands, vec![words(&["node", "./lib/build.js"])]);
        let loc = s[0].location.clone().unwrap();
        assert_eq!(
            (loc.path.as_str(), loc.line, loc.column),
            ("package.json", 5, 5)
        );
        assert_eq!(
            &manifest[loc.span.start as usize..loc.span.end as usize],
            "\"postinstall\": \"node ./lib/build.js\""
        );
    }

    #[test]
    fn start_b_trick_and_launchers() {
        let manifest = r#"{"scripts":{"preinstall":"start /B node x.js & node x.js","install":"cross-env A=1 nohup bash setup.sh","postinstall":"env -i X=1 ./bin/run"}}"#;
        let s = scripts(manifest, &["x.js", "setup.sh", "bin/run"]);
        let hooks: Vec<_> = s.iter().map(|s| s.hook.as_str()).collect();
        assert_eq!(hooks, ["preinstall", "install", "postinstall"]);
        assert_eq!(s[0].runs_files, vec!["x.js"]);
        assert_eq!(s[0].commands.len(), 2);
        assert_eq!(s[1].runs_files, vec!["setup.sh"]);
        assert_eq!(s[2].runs_files, vec!["bin/run"]);
    }

    #[test]
    fn node_options_preloads_and_inline_code() {
        let manifest = r#"{"scripts":{"postinstall":"node --no-warnings -r ./hook index && node -e \"require('child_process').exec('id')\""}}"#;
        let s = scripts(manifest, &["hook.js", "index.js"]);
        assert_eq!(s[0].runs_files, vec!["hook.js", "index.js"]);
        assert_eq!(
            inline_code(&s[0].commands),
            vec!["require('child_process').exec('id')"]
        );
    }

    #[test]
    fn sh_c_and_npm_run_are_followed() {
        let manifest = r#"{"scripts":{"postinstall":"sh -c 'node a.js' && npm run setup && bun c.js","setup":"node b.js","prepare":"npm run prepare"}}"#;
        let s = scripts(manifest, &["a.js", "b.js", "c.js"]);
        assert_eq!(s[0].runs_files, vec!["a.js", "b.js", "c.js"]);
        // A self-referencing script terminates.
        assert_eq!(s[1].hook, "prepare");
        assert!(s[1].commands.len() <= MAX_DEPTH + 1);
    }

    #[test]
    fn implicit_node_gyp_install() {
        let s = scripts(r#"{"name":"x"}"#, &["binding.gyp", "src/a.cc"]);
        assert_eq!(s.len(), 1);
        assert!(is_implicit(&s[0]));
        assert_eq!(s[0].command, IMPLICIT_GYP_COMMAND);
        assert_eq!(s[0].runs_files, vec!["binding.gyp"]);
        // An explicit install script replaces the implicit one.
        let s = scripts(
            r#"{"scripts":{"install":"prebuild-install || node-gyp rebuild"}}"#,
            &["binding.gyp"],
        );
        assert_eq!(s.len(), 1);
        assert!(!is_implicit(&s[0]));
        assert_eq!(s[0].commands.len(), 2);
    }

    #[test]
    fn files_outside_the_package_are_not_resolved() {
        let s = scripts(
            r#"{"scripts":{"postinstall":"node ../../evil.js; sh /tmp/x.sh"}}"#,
            &["evil.js"],
        );
        assert!(s[0].runs_files.is_empty());
    }

    #[test]
    fn non_string_scripts_are_ignored() {
        let s = scripts(r#"{"scripts":{"postinstall":42}}"#, &[]);
        assert!(s.is_empty());
    }
}
