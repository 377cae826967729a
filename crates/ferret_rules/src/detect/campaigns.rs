//! Campaign detectors: the malicious-behaviour techniques of section 3 of the red-flag
//! catalog that are recognised by a *combination* of facts in one file — crypto-clippers,
//! cryptominers, AI-agent abuse, CI-workflow injection, sandbox evasion, protestware and
//! telemetry. Each is one pure function over [`PackageFacts`]:
//!
//! ```ignore
//! if let Some(ev) = campaigns::crypto_clipper(pkg) {
//!     if ev.confidence == Confidence::High { /* the verdict blocks */ }
//!     for (location, code, label) in &ev.steps { /* the evidence chain */ }
//! }
//! ```
//!
//! The rules `crypto-clipper`, `cryptominer`, … report these as findings and the `malware`
//! verdict reads their [`Confidence`]: `High` means the technique itself is present (a hook
//! of the page's network APIs *and* a battery of wallet addresses; an AI CLI flag that
//! bypasses permissions *and* a secret-hunting prompt *and* a process spawn), `Medium` means
//! one half of it, worth a look or a score-up but never a verdict alone.
//!
//! False positives are the enemy: each detector requires facts that benign packages do not
//! combine. Web3 libraries hold address regexes but do not overwrite `fetch`; fetch
//! polyfills overwrite `fetch` but hold no wallet addresses; i18n libraries read the locale
//! but never walk and overwrite the home directory. Files under `test/`, `docs/`,
//! `examples/` are never looked at. Matching is over the string facts (literal and
//! constant-folded), one Aho-Corasick pass per file for the needles of every detector (see
//! [`Searches`]), so it is linear in the strings of the package.

use crate::detect::paths::is_test_or_docs_path;
use crate::detect::string_excerpt;
use crate::rule::{FindingExt, RuleMeta};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind};
use ferret_core::{
    Action, Capability, CapabilityUse, Excerpt, FileFacts, FileKind, Finding, Location,
    PackageFacts, StringFact, UseKind,
};
use std::cell::OnceCell;
use std::sync::OnceLock;

/// How sure a detector is that the technique is present.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Confidence {
    /// Part of the technique: a signal to score up, never a verdict on its own.
    Medium,
    /// The whole technique: the verdict may act on it.
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// What a campaign detector found in one file: a one-line summary, the evidence chain
/// (location, code excerpt, label) in the order a reviewer should read it, and how sure
/// the detector is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignEvidence {
    /// One line naming the technique and its parts, code in backticks, no trailing period.
    pub summary: String,
    /// The evidence chain; never empty.
    pub steps: Vec<(Location, Excerpt, String)>,
    pub confidence: Confidence,
    /// The file holding the evidence runs at install time.
    pub install_time: bool,
}

impl CampaignEvidence {
    /// The finding of `meta` for this evidence: the first step is the primary location, the
    /// others are related locations; `action` replaces the rule's default action.
    pub fn finding(&self, meta: &RuleMeta, action: Action) -> Option<Finding> {
        let (loc, code, label) = self.steps.first()?;
        let mut f = Finding::of(meta, self.summary.clone())
            .primary(loc, code, label.clone())
            .install_time(self.install_time)
            .evidence("confidence", self.confidence.as_str());
        for (loc, code, label) in self.steps.iter().skip(1) {
            f = f.related(loc, Some(code), label.clone());
        }
        f.action = action;
        Some(f)
    }
}

/// Every campaign detector by rule id, for the verdict: each one that fired, with its evidence.
pub fn all(pkg: &PackageFacts) -> Vec<(&'static str, CampaignEvidence)> {
    // One search of each file's strings, shared by the detectors that match needles.
    let searches = Searches::new(pkg);
    let detectors: [(&'static str, Detector); 7] = [
        ("crypto-clipper", crypto_clipper_with),
        ("cryptominer", cryptominer_with),
        ("ai-agent-abuse", ai_agent_abuse_with),
        ("ci-workflow-injection", ci_workflow_injection_with),
        ("sandbox-evasion", sandbox_evasion_with),
        ("protestware", protestware_with),
        ("telemetry", telemetry_with),
    ];
    detectors
        .into_iter()
        .filter_map(|(id, d)| d(pkg, &searches).map(|e| (id, e)))
        .collect()
}

type Detector = fn(&PackageFacts, &Searches) -> Option<CampaignEvidence>;

/// The result of [`all`] for one package, as a [`crate::rule::RuleContext::shared`] analysis:
/// the seven campaign rules and the malware verdict read the same detections, so each
/// detector runs once per package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Campaigns(pub Vec<(&'static str, CampaignEvidence)>);

impl Campaigns {
    /// Runs every detector over `pkg` (see [`all`]).
    pub fn detect(pkg: &PackageFacts) -> Self {
        Campaigns(all(pkg))
    }

    /// The evidence of the detector of rule `id`, when it fired.
    pub fn get(&self, id: &str) -> Option<&CampaignEvidence> {
        self.0.iter().find(|(i, _)| *i == id).map(|(_, e)| e)
    }

    /// Every detector that fired, in [`all`]'s order.
    pub fn iter(&self) -> impl Iterator<Item = &(&'static str, CampaignEvidence)> {
        self.0.iter()
    }
}

/// Runs a per-file detector over the runtime code files of a package (not tests, docs or
/// examples; [`Searches::runtime`]) and keeps the strongest result; on a tie, the first file
/// by path.
fn strongest(
    pkg: &PackageFacts,
    searches: &Searches,
    detect: impl Fn(usize, &FileFacts) -> Option<CampaignEvidence>,
) -> Option<CampaignEvidence> {
    let mut best: Option<CampaignEvidence> = None;
    for &i in &searches.runtime {
        let Some(file) = pkg.files.get(i) else {
            continue;
        };
        if let Some(ev) = detect(i, file) {
            if ev.steps.is_empty() {
                continue;
            }
            let better = best.as_ref().is_none_or(|b| ev.confidence > b.confidence);
            if better {
                let high = ev.confidence == Confidence::High;
                best = Some(ev);
                if high {
                    break;
                }
            }
        }
    }
    best
}

// ---------------------------------------------------------------------------------------
// Matching helpers.

/// A case-insensitive needle set, built once.
fn matcher(
    cell: &'static OnceLock<Option<AhoCorasick>>,
    needles: &[&str],
) -> Option<&'static AhoCorasick> {
    cell.get_or_init(|| {
        AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            // Every string of every code file goes through these small sets (overlapping
            // search): a DFA is the fastest automaton for that and stays small.
            .kind(Some(AhoCorasickKind::DFA))
            .build(needles)
            .ok()
    })
    .as_ref()
}

/// The needle sets of the detectors that run on every code file, searched together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Set {
    Miner,
    Workflow,
    Sandbox,
    Vm,
}

impl Set {
    const ALL: [Set; 4] = [Set::Miner, Set::Workflow, Set::Sandbox, Set::Vm];

    fn needles(self) -> Vec<&'static str> {
        match self {
            Set::Miner => MINER_NEEDLES.iter().map(|(n, _)| *n).collect(),
            Set::Workflow => WORKFLOW_NEEDLES.to_vec(),
            Set::Sandbox => SANDBOX_MARKERS.to_vec(),
            Set::Vm => VM_MARKERS.to_vec(),
        }
    }

    /// Strings longer than this are not searched for the set (data tables, embedded
    /// bundles): markers are short strings of their own, a workflow file is written whole.
    fn max_len(self) -> usize {
        match self {
            Set::Miner => 4096,
            Set::Workflow => 64 * 1024,
            Set::Sandbox | Set::Vm => 256,
        }
    }
}

/// Every needle of every [`Set`] in one case-insensitive automaton.
struct Combined {
    ac: AhoCorasick,
    /// The set of each pattern, by pattern id.
    set_of: Vec<Set>,
    /// The first pattern id of each set, in [`Set::ALL`] order, and the total at the end.
    starts: [usize; 5],
}

fn combined() -> Option<&'static Combined> {
    static CELL: OnceLock<Option<Combined>> = OnceLock::new();
    CELL.get_or_init(|| {
        let mut needles = Vec::new();
        let mut set_of = Vec::new();
        let mut starts = [0; 5];
        for (k, set) in Set::ALL.into_iter().enumerate() {
            starts[k] = needles.len();
            for n in set.needles() {
                needles.push(n);
                set_of.push(set);
            }
        }
        starts[4] = needles.len();
        let ac = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&needles)
            .ok()?;
        Some(Combined { ac, set_of, starts })
    })
    .as_ref()
}

/// The needle search of one package: for each code file, searched when a detector first
/// asks, the first string containing each needle of every [`Set`]. The detectors used to
/// search each file once per set (four passes over every string of every file).
struct Searches {
    files: Vec<OnceCell<Vec<Option<usize>>>>,
    /// The files the detectors look at: code and scripts outside tests, docs and examples
    /// (decided once per package instead of once per detector).
    runtime: Vec<usize>,
}

impl Searches {
    fn new(pkg: &PackageFacts) -> Self {
        Searches {
            files: (0..pkg.files.len()).map(|_| OnceCell::new()).collect(),
            runtime: pkg
                .files
                .iter()
                .enumerate()
                .filter(|(_, f)| {
                    (f.is_code() || f.kind == FileKind::Script) && !is_test_or_docs_path(&f.path)
                })
                .map(|(i, _)| i)
                .collect(),
        }
    }

    /// For each needle of `set`, the index of the first string of `file` (the package's file
    /// number `i`) that contains it. `None` when the automaton could not be built.
    fn hits(&self, i: usize, file: &FileFacts, set: Set) -> Option<&[Option<usize>]> {
        let c = combined()?;
        let all = match self.files.get(i) {
            Some(cell) => cell.get_or_init(|| search_all(file, c)),
            None => return None,
        };
        let k = Set::ALL.iter().position(|s| *s == set)?;
        all.get(c.starts[k]..c.starts[k + 1])
    }
}

fn search_all(file: &FileFacts, c: &Combined) -> Vec<Option<usize>> {
    let mut hits = vec![None; c.starts[4]];
    let min_len = c.ac.min_pattern_len();
    let max_len = Set::ALL.iter().map(|s| s.max_len()).max().unwrap_or(0);
    for (i, s) in file.strings.iter().enumerate() {
        let len = s.value.len();
        // Nearly every string matches nothing: the plain test (prefiltered) settles those
        // before an overlapping search is set up.
        if len > max_len || len < min_len || !c.ac.is_match(s.value.as_str()) {
            continue;
        }
        for m in c.ac.find_overlapping_iter(s.value.as_str()) {
            let p = m.pattern().as_usize();
            let (Some(set), Some(slot)) = (c.set_of.get(p), hits.get_mut(p)) else {
                continue;
            };
            if slot.is_none() && len <= set.max_len() {
                *slot = Some(i);
            }
        }
    }
    hits
}

/// For each needle, the index of the first string (in `file.strings`) that contains it.
/// Strings longer than `max_len` bytes are skipped (data tables, embedded bundles).
fn first_hits(
    file: &FileFacts,
    ac: &AhoCorasick,
    needles: usize,
    max_len: usize,
) -> Vec<Option<usize>> {
    let mut hits = vec![None; needles];
    // Most strings of a code file are shorter than any needle; skipping them before the
    // automaton is set up halves the cost of these passes.
    let min_len = ac.min_pattern_len();
    for (i, s) in file.strings.iter().enumerate() {
        if s.value.len() > max_len || s.value.len() < min_len {
            continue;
        }
        for m in ac.find_overlapping_iter(s.value.as_str()) {
            let slot = &mut hits[m.pattern().as_usize()];
            if slot.is_none() {
                *slot = Some(i);
            }
        }
    }
    hits
}

fn string_step(s: &StringFact, label: impl Into<String>) -> (Location, Excerpt, String) {
    (s.location.clone(), string_excerpt(s), label.into())
}

fn use_step(u: &CapabilityUse, label: impl Into<String>) -> (Location, Excerpt, String) {
    (u.location.clone(), u.code.clone(), label.into())
}

/// The first string exactly equal (ASCII case-insensitively) to one of `words`.
fn exact<'a>(file: &'a FileFacts, words: &[&str]) -> Option<&'a StringFact> {
    file.strings
        .iter()
        .find(|s| s.value.len() <= 64 && words.iter().any(|w| s.value.eq_ignore_ascii_case(w)))
}

fn calls_named<'a>(
    file: &'a FileFacts,
    pred: impl Fn(&str) -> bool + 'a,
) -> impl Iterator<Item = &'a ferret_core::CallFact> + 'a {
    file.calls.iter().filter(move |c| pred(&c.callee))
}

fn preview(s: &str) -> String {
    let cut: String = s.chars().take(60).collect();
    if cut.len() < s.len() {
        format!("{cut}…")
    } else {
        cut
    }
}

// ---------------------------------------------------------------------------------------
// crypto-clipper

/// Blockchains whose addresses clippers swap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Chain {
    Ethereum,
    Bitcoin,
    Tron,
}

impl Chain {
    fn name(self) -> &'static str {
        match self {
            Chain::Ethereum => "Ethereum",
            Chain::Bitcoin => "Bitcoin",
            Chain::Tron => "Tron",
        }
    }
}

fn is_base58(c: u8) -> bool {
    c.is_ascii_alphanumeric() && !matches!(c, b'0' | b'O' | b'I' | b'l')
}

/// The chain of a literal wallet address, or of a regex source that matches addresses
/// (`new RegExp("0x[a-fA-F0-9]{40}")`). The all-zero Ethereum address, which every web3
/// library holds as a constant, does not count.
fn address_chain(s: &str) -> Option<Chain> {
    let b = s.as_bytes();
    if b.len() == 42 && s.starts_with("0x") && b[2..].iter().all(u8::is_ascii_hexdigit) {
        return (!b[2..].iter().all(|&c| c == b'0')).then_some(Chain::Ethereum);
    }
    if (s.starts_with("bc1") || s.starts_with("BC1"))
        && (28..=65).contains(&b.len())
        && b.iter().all(u8::is_ascii_alphanumeric)
    {
        return Some(Chain::Bitcoin);
    }
    if (b.first() == Some(&b'1') || b.first() == Some(&b'3'))
        && (26..=35).contains(&b.len())
        && b.iter().all(|&c| is_base58(c))
        && b.iter().any(u8::is_ascii_alphabetic)
    {
        return Some(Chain::Bitcoin);
    }
    if b.first() == Some(&b'T')
        && b.len() == 34
        && b.iter().all(|&c| is_base58(c))
        && b.iter().any(u8::is_ascii_digit)
    {
        return Some(Chain::Tron);
    }
    // Regex sources of address patterns.
    if s.len() <= 200 && s.contains('{') {
        let lower = s.to_ascii_lowercase();
        if lower.contains("0x[") && lower.contains("{40}") {
            return Some(Chain::Ethereum);
        }
        if lower.contains("bc1") && lower.contains('[') {
            return Some(Chain::Bitcoin);
        }
        if s.contains("T[") && s.contains("{33}") {
            return Some(Chain::Tron);
        }
    }
    None
}

/// Wallet-provider methods a clipper intercepts to swap the recipient before signing.
const PROVIDER_METHODS: &[&str] = &[
    "eth_sendTransaction",
    "eth_signTransaction",
    "eth_sendRawTransaction",
    "eth_signTypedData_v4",
    "personal_sign",
    "signTransaction",
    "signAndSendTransaction",
];

/// Canonical APIs whose replacement lets code read or rewrite every request and response of
/// a page (or what the user copies).
fn is_hooked_api(u: &CapabilityUse) -> bool {
    (u.kind == UseKind::Write
        && (u.api == "fetch"
            || u.api == "XMLHttpRequest"
            || u.api.starts_with("XMLHttpRequest.prototype.")
            || u.api.starts_with("WebSocket.prototype.")
            || u.api.contains("ethereum")))
        || (u.capability == Capability::Clipboard
            && u.kind == UseKind::Call
            && u.api.contains("write"))
}

/// A browser crypto-clipper: code that hooks the page's network APIs (`window.fetch`,
/// `XMLHttpRequest.prototype.open/send`), the wallet provider or the clipboard, and holds
/// wallet addresses or address regexes of several chains to swap in.
///
/// `High`: a hook (a write of those APIs, or the names `fetch`/`prototype`/`open`/`send`
/// in an obfuscator's string array) and addresses of two or more chains. `Medium`: a hook
/// with one chain and wallet-provider methods (`eth_sendTransaction`), or the provider
/// methods with addresses of two chains and no visible hook.
pub fn crypto_clipper(pkg: &PackageFacts) -> Option<CampaignEvidence> {
    crypto_clipper_with(pkg, &Searches::new(pkg))
}

fn crypto_clipper_with(pkg: &PackageFacts, searches: &Searches) -> Option<CampaignEvidence> {
    strongest(pkg, searches, |_, f| clipper_in_file(f))
}

fn clipper_in_file(file: &FileFacts) -> Option<CampaignEvidence> {
    let mut chains: Vec<(Chain, &StringFact)> = Vec::new();
    for s in &file.strings {
        if s.value.len() > 200 {
            continue;
        }
        if let Some(c) = address_chain(&s.value)
            && !chains.iter().any(|(k, _)| *k == c)
        {
            chains.push((c, s));
        }
    }
    if chains.is_empty() {
        return None;
    }
    let hook_use = file.uses.iter().find(|u| is_hooked_api(u));
    // Obfuscated clippers reach the APIs through a string array (`w[a[2]] = …`), which
    // leaves no write fact but the names as strings.
    let hook_names = if hook_use.is_none() {
        match (
            exact(file, &["fetch", "ethereum", "XMLHttpRequest"]),
            exact(file, &["prototype"]),
            exact(file, &["open", "send"]),
        ) {
            (Some(a), Some(_), Some(_)) => Some(a),
            _ => None,
        }
    } else {
        None
    };
    let provider = exact(file, PROVIDER_METHODS);
    let hooked = hook_use.is_some() || hook_names.is_some();
    let confidence = if hooked && chains.len() >= 2 {
        Confidence::High
    } else if provider.is_some() && (hooked || chains.len() >= 2) {
        Confidence::Medium
    } else {
        return None;
    };
    let mut steps = Vec::new();
    let hook_desc = if let Some(u) = hook_use {
        steps.push(use_step(u, format!("`{}` replaced", u.api)));
        format!("replaces `{}`", u.api)
    } else if let Some(s) = hook_names {
        steps.push(string_step(s, "hooked API named in a string array"));
        format!("hooks `{}` through a string array", s.value)
    } else {
        String::new()
    };
    if let Some(p) = provider {
        steps.push(string_step(p, "wallet-provider method intercepted"));
    }
    for (c, s) in &chains {
        steps.push(string_step(s, format!("{} address", c.name())));
    }
    let names: Vec<&str> = chains.iter().map(|(c, _)| c.name()).collect();
    let summary = if hook_desc.is_empty() {
        format!(
            "wallet-provider method `{}` with {} wallet addresses",
            provider.map_or("", |p| p.value.as_str()),
            names.join("/")
        )
    } else {
        format!(
            "{hook_desc} and holds {} wallet addresses to swap in",
            names.join("/")
        )
    };
    Some(CampaignEvidence {
        summary,
        steps,
        confidence,
        install_time: file.install_time,
    })
}

// ---------------------------------------------------------------------------------------
// cryptominer

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Miner {
    /// `stratum+tcp://` pool URLs.
    Stratum,
    /// Stratum JSON-RPC methods spoken by an in-process miner.
    StratumRpc,
    /// Miner binaries.
    Binary,
    /// Command-line options only miners take.
    Args,
    /// Public mining pools.
    Pool,
    /// In-browser miners.
    Browser,
}

const MINER_NEEDLES: &[(&str, Miner)] = &[
    ("stratum+tcp://", Miner::Stratum),
    ("stratum+ssl://", Miner::Stratum),
    ("stratum+tls://", Miner::Stratum),
    ("stratum2+tcp://", Miner::Stratum),
    ("mining.subscribe", Miner::StratumRpc),
    ("mining.authorize", Miner::StratumRpc),
    ("mining.submit", Miner::StratumRpc),
    ("xmrig", Miner::Binary),
    ("xmr-stak", Miner::Binary),
    ("cpuminer", Miner::Binary),
    ("nbminer", Miner::Binary),
    ("lolminer", Miner::Binary),
    ("phoenixminer", Miner::Binary),
    ("ethminer", Miner::Binary),
    ("nanominer", Miner::Binary),
    ("srbminer", Miner::Binary),
    ("teamredminer", Miner::Binary),
    ("--donate-level", Miner::Args),
    ("--cpu-max-threads-hint", Miner::Args),
    ("--rig-id", Miner::Args),
    ("--randomx", Miner::Args),
    ("--max-cpu-usage", Miner::Args),
    ("--coin=monero", Miner::Args),
    ("supportxmr", Miner::Pool),
    ("minexmr", Miner::Pool),
    ("moneroocean", Miner::Pool),
    ("nanopool.org", Miner::Pool),
    ("hashvault.pro", Miner::Pool),
    ("c3pool", Miner::Pool),
    ("herominers", Miner::Pool),
    ("unmineable", Miner::Pool),
    ("2miners.com", Miner::Pool),
    ("f2pool", Miner::Pool),
    ("coinhive", Miner::Browser),
    ("coin-hive", Miner::Browser),
    ("authedmine", Miner::Browser),
    ("crypto-loot", Miner::Browser),
    ("coinimp", Miner::Browser),
    ("webminepool", Miner::Browser),
];

/// A cryptominer: pool URLs (`stratum+tcp://`), the stratum protocol (`mining.subscribe`),
/// miner binaries (`xmrig`) with pool options (`--donate-level`, public pools), or in-browser
/// miners (Coinhive).
///
/// Found when there is a stratum URL, two stratum methods, or a miner binary with miner
/// options or a pool. `High` when the same file can run it: it spawns processes, or opens
/// sockets and speaks stratum. A browser-miner name alone (ad-blocker lists hold them) is
/// `Medium`.
pub fn cryptominer(pkg: &PackageFacts) -> Option<CampaignEvidence> {
    cryptominer_with(pkg, &Searches::new(pkg))
}

fn cryptominer_with(pkg: &PackageFacts, searches: &Searches) -> Option<CampaignEvidence> {
    strongest(pkg, searches, |i, f| {
        miner_in_file(f, searches.hits(i, f, Set::Miner)?)
    })
}

fn miner_in_file(file: &FileFacts, hits: &[Option<usize>]) -> Option<CampaignEvidence> {
    let kind_hits = |k: Miner| -> Vec<usize> {
        MINER_NEEDLES
            .iter()
            .zip(hits)
            .filter(|((_, kind), h)| *kind == k && h.is_some())
            .filter_map(|(_, h)| *h)
            .collect()
    };
    let stratum = kind_hits(Miner::Stratum);
    let rpc = kind_hits(Miner::StratumRpc);
    let binary = kind_hits(Miner::Binary);
    let args = kind_hits(Miner::Args);
    let pool = kind_hits(Miner::Pool);
    let browser = kind_hits(Miner::Browser);
    let found = !stratum.is_empty()
        || rpc.len() >= 2
        || (!binary.is_empty() && (!args.is_empty() || !pool.is_empty()));
    let shell = file
        .uses_of(Capability::Shell)
        .find(|u| u.kind != UseKind::Import);
    let socket = file
        .uses_of(Capability::Network)
        .find(|u| u.kind != UseKind::Import);
    // Browser-miner names alone are blocklist material; they count with a way to load one.
    if !found && (browser.is_empty() || socket.is_none()) {
        return None;
    }
    let runs = if found {
        shell.or(if stratum.is_empty() && rpc.is_empty() {
            None
        } else {
            socket
        })
    } else {
        None
    };
    // A shell or batch script runs what it names.
    let script = found && file.kind == FileKind::Script;
    let confidence = if runs.is_some() || script {
        Confidence::High
    } else {
        Confidence::Medium
    };
    let mut steps = Vec::new();
    let mut parts = Vec::new();
    let mut idx: Vec<(usize, &str)> = Vec::new();
    for (list, label) in [
        (&stratum, "mining-pool URL"),
        (&rpc, "stratum protocol"),
        (&binary, "miner binary"),
        (&args, "miner options"),
        (&pool, "mining pool"),
        (&browser, "browser miner"),
    ] {
        if let Some(&i) = list.first()
            && !idx.iter().any(|(j, _)| *j == i)
        {
            idx.push((i, label));
        }
    }
    for (i, label) in &idx {
        let s = &file.strings[*i];
        steps.push(string_step(s, *label));
        parts.push(format!("{label} `{}`", preview(&s.value)));
    }
    if let Some(u) = runs {
        steps.push(use_step(u, format!("run with `{}`", u.api)));
    }
    let summary = match runs {
        Some(u) => format!("cryptominer: {} run with `{}`", parts.join(", "), u.api),
        None if script => format!("cryptominer started by a script: {}", parts.join(", ")),
        None => format!("cryptominer: {}", parts.join(", ")),
    };
    Some(CampaignEvidence {
        summary,
        steps,
        confidence,
        install_time: file.install_time,
    })
}

// ---------------------------------------------------------------------------------------
// ai-agent-abuse

/// Flags of AI coding-agent CLIs that grant every tool without asking.
const BYPASS_FLAGS: &[&str] = &[
    "--dangerously-skip-permissions",
    "--allow-dangerously-skip-permissions",
    "--dangerously-bypass-approvals-and-sandbox",
    "--yolo",
    "--approval-mode=yolo",
    "--trust-all-tools",
    "--allow-all-tools",
    "--permission-mode=bypassPermissions",
    "bypassPermissions",
];

/// AI coding-agent executables (`q` is too short to be a string fact).
const AGENT_BINARIES: &[&str] = &[
    "claude",
    "gemini",
    "codex",
    "cursor-agent",
    "aider",
    "opencode",
    "qwen",
    "copilot",
];

/// Words of a prompt that asks an agent to search the machine.
const SEARCH_WORDS: &[&str] = &[
    "search",
    "locate",
    "find ",
    "inventory",
    "recursively",
    "enumerate",
    "list all",
    "scan ",
];

/// Secret categories a secret-hunting prompt names; two or more make it one.
const SECRET_GROUPS: &[&[&str]] = &[
    &[
        "wallet",
        "keystore",
        "seed phrase",
        "mnemonic",
        "metamask",
        "private key",
    ],
    &["id_rsa", "ssh key", "ssh private", ".ssh"],
    &[
        ".env",
        "environment-definition",
        "environment variable",
        "dotenv",
    ],
    &[
        "credential",
        "api key",
        "api_key",
        ".npmrc",
        "password",
        "access token",
        "secret",
    ],
];

fn secret_prompt(s: &str) -> bool {
    if s.len() < 60 || s.len() > 16 * 1024 || !s.contains(' ') {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    SEARCH_WORDS.iter().any(|w| lower.contains(w))
        && SECRET_GROUPS
            .iter()
            .filter(|g| g.iter().any(|w| lower.contains(w)))
            .count()
            >= 2
}

/// AI-agent abuse: a local AI coding agent (`claude`, `gemini`, `q`, `codex`) started with
/// a flag that bypasses its permission prompts (`--dangerously-skip-permissions`, `--yolo`,
/// `--trust-all-tools`) and a prompt that sends it hunting for secrets.
///
/// `High`: a bypass flag, a secret-hunting prompt (a search instruction naming two kinds of
/// secret: wallets, SSH keys, `.env`, credentials) and a process spawn in the same file.
/// `Medium`: a bypass flag and a process spawn without such a prompt (agent orchestration
/// tools do that legitimately).
pub fn ai_agent_abuse(pkg: &PackageFacts) -> Option<CampaignEvidence> {
    ai_agent_abuse_with(pkg, &Searches::new(pkg))
}

fn ai_agent_abuse_with(pkg: &PackageFacts, searches: &Searches) -> Option<CampaignEvidence> {
    strongest(pkg, searches, |_, f| agent_in_file(f))
}

fn agent_in_file(file: &FileFacts) -> Option<CampaignEvidence> {
    static AC: OnceLock<Option<AhoCorasick>> = OnceLock::new();
    let spawn = file
        .uses_of(Capability::Shell)
        .find(|u| u.kind != UseKind::Import)?;
    let ac = matcher(&AC, BYPASS_FLAGS)?;
    // Case matters for flags, so check the hit again exactly.
    let flag = file.strings.iter().find(|s| {
        s.value.len() <= 16 * 1024
            && ac
                .find_iter(s.value.as_str())
                .any(|m| BYPASS_FLAGS.contains(&&s.value[m.range()]))
    })?;
    let prompt = file.strings.iter().find(|s| secret_prompt(&s.value));
    let mut steps = vec![string_step(flag, "permission-bypass flag")];
    let flag_text = preview(&flag.value);
    let (confidence, summary) = match prompt {
        Some(p) => {
            steps.push(string_step(p, "secret-hunting prompt"));
            (
                Confidence::High,
                format!(
                    "AI agent run with `{flag_text}` and a secret-hunting prompt `{}`",
                    preview(&p.value)
                ),
            )
        }
        None => {
            // Without a prompt, only a named agent makes the flag mean anything: `--yolo`
            // is also an ordinary option of unrelated CLIs.
            let agent = file.strings.iter().find(|s| {
                s.value.len() <= 256
                    && AGENT_BINARIES.iter().any(|a| {
                        s.value
                            .strip_prefix(a)
                            .is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
                    })
            })?;
            steps.push(string_step(agent, "AI agent binary"));
            (
                Confidence::Medium,
                format!(
                    "AI agent `{}` run with permission-bypass flag `{flag_text}`",
                    preview(&agent.value)
                ),
            )
        }
    };
    steps.push(use_step(
        spawn,
        format!("process spawned with `{}`", spawn.api),
    ));
    Some(CampaignEvidence {
        summary,
        steps,
        confidence,
        install_time: file.install_time,
    })
}

// ---------------------------------------------------------------------------------------
// ci-workflow-injection

const WORKFLOW_NEEDLES: &[&str] = &[
    ".github/workflows", // 0: path
    "toJSON(secrets)",   // 1: dump of every secret
    "${{ secrets.",      // 2: one secret
    "${{secrets.",       // 3
    "runs-on:",          // 4: workflow body
    "jobs:",             // 5
    "curl ",             // 6: exfiltration command in a body
    "wget ",             // 7
    "Invoke-WebRequest", // 8
    "/user/repos",       // 9: repository creation through the API
];

fn is_file_write(u: &CapabilityUse) -> bool {
    u.capability == Capability::Filesystem
        && u.kind == UseKind::Call
        && ["write", "append", "outputFile", "copy"]
            .iter()
            .any(|w| u.api.contains(w))
}

/// CI-workflow injection: code that writes a GitHub Actions workflow — into the consuming
/// project (`fs.writeFileSync(".github/workflows/x.yml")`) or into the victim's repositories
/// through the API (`PUT /repos/…/contents/.github/workflows/x.yml`) — whose body sends
/// the repository's secrets away (`${{ toJSON(secrets) }}` piped to `curl`).
///
/// `High`: a workflow path, a body dumping secrets (`toJSON(secrets)`, or a secret with
/// `curl`/`wget`), a write (file write or the contents API), in install-time code or with a
/// GitHub token from the environment. `Medium`: a workflow written without a secrets dump,
/// or repositories created through the API with a token from the environment at install
/// time.
pub fn ci_workflow_injection(pkg: &PackageFacts) -> Option<CampaignEvidence> {
    ci_workflow_injection_with(pkg, &Searches::new(pkg))
}

fn ci_workflow_injection_with(pkg: &PackageFacts, searches: &Searches) -> Option<CampaignEvidence> {
    strongest(pkg, searches, |i, f| {
        workflow_in_file(f, searches.hits(i, f, Set::Workflow)?)
    })
}

fn workflow_in_file(file: &FileFacts, h: &[Option<usize>]) -> Option<CampaignEvidence> {
    let token = file.uses_of(Capability::Env).find(|u| {
        u.detail
            .as_deref()
            .is_some_and(|d| matches!(d, "GITHUB_TOKEN" | "GH_TOKEN" | "GITHUB_PAT" | "GH_PAT"))
    });
    let split_path = match (exact(file, &[".github"]), exact(file, &["workflows"])) {
        (Some(a), Some(_)) => Some(a),
        _ => None,
    };
    let path = h[0].map(|i| &file.strings[i]).or(split_path);
    let path_text = match h[0] {
        Some(i) => preview(&file.strings[i].value),
        None => ".github/workflows".to_string(),
    };
    let api_write = h[0].is_some_and(|i| file.strings[i].value.contains("contents/"));
    let fs_write = file.uses.iter().find(|u| is_file_write(u));
    let strong_context = file.install_time || token.is_some();

    if let Some(path) = path
        && (api_write || fs_write.is_some())
    {
        // The body: a dump of every secret, or a secret next to a download tool.
        let dump = h[1].or_else(|| {
            let secret = h[2].or(h[3])?;
            let exfil = file.strings[secret].value.as_str();
            ["curl ", "wget ", "Invoke-WebRequest"]
                .iter()
                .any(|c| exfil.contains(c))
                .then_some(secret)
        });
        let confidence = if dump.is_some() && strong_context {
            Confidence::High
        } else {
            Confidence::Medium
        };
        let mut steps = vec![string_step(path, "workflow path")];
        if let Some(d) = dump.or(h[4]).or(h[5]) {
            let label = if dump.is_some() {
                "workflow body sends the repository's secrets"
            } else {
                "workflow body"
            };
            steps.push(string_step(&file.strings[d], label));
        }
        // The contents-API path names the sink itself; a file write elsewhere in a bundle
        // may be unrelated.
        let how = match fs_write {
            Some(w) if !api_write => {
                steps.push(use_step(w, format!("written with `{}`", w.api)));
                format!("written with `{}`", w.api)
            }
            _ => "uploaded through the GitHub contents API".to_string(),
        };
        if let Some(t) = token {
            steps.push(use_step(t, "GitHub token from the environment"));
        }
        let what = if dump.is_some() {
            "GitHub Actions workflow that sends the repository's secrets away"
        } else {
            "GitHub Actions workflow"
        };
        return Some(CampaignEvidence {
            summary: format!("{what} {how} (`{path_text}`)"),
            steps,
            confidence,
            install_time: file.install_time,
        });
    }
    // Repositories created with a token taken from the environment, at install time.
    if let (Some(repos), Some(t), true) = (h[9], token, file.install_time) {
        let s = &file.strings[repos];
        return Some(CampaignEvidence {
            summary: format!(
                "creates GitHub repositories (`{}`) with a token from the environment at install time",
                preview(&s.value)
            ),
            steps: vec![
                string_step(s, "repository-creation API"),
                use_step(t, "GitHub token from the environment"),
            ],
            confidence: Confidence::Medium,
            install_time: true,
        });
    }
    None
}

// ---------------------------------------------------------------------------------------
// sandbox-evasion

/// Honeytokens and markers of analysis sandboxes that evasive payloads look for.
const SANDBOX_MARKERS: &[&str] = &[
    "AKIAIOSFODNN7EXAMPLE",
    "DetonationLogFilePath",
    "PYPI_POISON",
    "HONEY_TOKEN",
    "honeytoken",
    "SANDYCLAW",
    "supplysec",
    "cuckoo",
    "detonat",
    "maltest",
    "joesandbox",
    "hybrid-analysis",
    "any.run",
];

/// Virtual-machine fingerprints: one signal together, since system-information libraries
/// list them legitimately.
const VM_MARKERS: &[&str] = &[
    "virtualbox",
    "vbox",
    "vmware",
    "qemu",
    "08:00:27",
    "00:0c:29",
    "00:50:56",
];

/// User names analysis sandboxes run as.
const SANDBOX_USERS: &[&str] = &[
    "sandbox",
    "malware",
    "virus",
    "analyst",
    "cuckoo",
    "maltest",
    "currentuser",
    "vmuser",
    "wdagutilityaccount",
];

/// Sandbox evasion: checks for honeytokens (`AKIAIOSFODNN7EXAMPLE`), sandbox markers
/// (`DetonationLogFilePath`, `SANDYCLAW_*`, `cuckoo`), analysis user names, VM fingerprints,
/// or a gate that runs only under `npm install` (`npm_package_name` and `process.exit`).
///
/// Found with two distinct signals, at least one not a VM fingerprint. Always `Medium`: a
/// score-up signal for the verdict, never a verdict alone.
pub fn sandbox_evasion(pkg: &PackageFacts) -> Option<CampaignEvidence> {
    sandbox_evasion_with(pkg, &Searches::new(pkg))
}

fn sandbox_evasion_with(pkg: &PackageFacts, searches: &Searches) -> Option<CampaignEvidence> {
    strongest(pkg, searches, |i, f| {
        evasion_in_file(
            f,
            searches.hits(i, f, Set::Sandbox)?,
            searches.hits(i, f, Set::Vm)?,
        )
    })
}

fn evasion_in_file(
    file: &FileFacts,
    markers: &[Option<usize>],
    vm: &[Option<usize>],
) -> Option<CampaignEvidence> {
    let mut steps = Vec::new();
    let mut names = Vec::new();
    // One signal per string: `PYPI_POISON_HONEY_TOKEN` matches two needles.
    let mut marker_strings: Vec<usize> = markers.iter().flatten().copied().collect();
    marker_strings.sort_unstable();
    marker_strings.dedup();
    for i in marker_strings {
        let s = &file.strings[i];
        steps.push(string_step(s, "sandbox marker or honeytoken"));
        names.push(format!("`{}`", preview(&s.value)));
    }
    let identity = file
        .calls
        .iter()
        .any(|c| matches!(c.callee.as_str(), "os.userInfo" | "os.hostname"));
    let users: Vec<&StringFact> = file
        .strings
        .iter()
        .filter(|s| {
            s.value.len() <= 32
                && SANDBOX_USERS
                    .iter()
                    .any(|u| s.value.eq_ignore_ascii_case(u))
        })
        .collect();
    let distinct_users = {
        let mut v: Vec<String> = users.iter().map(|s| s.value.to_ascii_lowercase()).collect();
        v.sort();
        v.dedup();
        v.len()
    };
    let mut signals = names.len();
    if identity
        && distinct_users >= 3
        && let Some(u) = users.first()
    {
        signals += 1;
        steps.push(string_step(u, "list of sandbox user or host names"));
        names.push("sandbox user names".to_string());
    }
    let npm_gate = file
        .uses_of(Capability::Env)
        .find(|u| u.detail.as_deref() == Some("npm_package_name"));
    if let Some(g) = npm_gate
        && calls_named(file, |c| c == "process.exit").next().is_some()
    {
        signals += 1;
        steps.push(use_step(g, "runs only under `npm install`"));
        names.push("`npm_package_name` gate".to_string());
    }
    let non_vm = signals;
    if let Some(i) = vm.iter().flatten().copied().min() {
        signals += 1;
        steps.push(string_step(&file.strings[i], "virtual-machine fingerprint"));
        names.push("VM fingerprints".to_string());
    }
    if signals < 2 || non_vm == 0 {
        return None;
    }
    Some(CampaignEvidence {
        summary: format!("checks for analysis sandboxes: {}", names.join(", ")),
        steps,
        confidence: Confidence::Medium,
        install_time: file.install_time,
    })
}

// ---------------------------------------------------------------------------------------
// protestware

/// Time zones, locales and country names of the countries protestware has targeted.
const TARGET_NEEDLES: &[&str] = &[
    "europe/moscow",
    "europe/minsk",
    "europe/samara",
    "europe/volgograd",
    "europe/kaliningrad",
    "asia/yekaterinburg",
    "ru-ru",
    "ru_ru",
    "be-by",
    "be_by",
    "russia",
    "belarus",
];

/// Geo-IP services and country fields of their answers.
const GEO_NEEDLES: &[&str] = &[
    "ipgeolocation",
    "ipgeo",
    "ip-api",
    "ipapi",
    "geoip",
    "ipinfo",
    "geojs",
    "ipwhois",
    "ipdata",
    "country_name",
    "countrycode",
    "country_code",
];

const LOCALE_ENV: &[&str] = &["LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "TZ"];

/// Protestware: behaviour gated on the machine's country — a geo-IP lookup, the time zone or
/// the locale compared with targeted countries — that destroys or disrupts.
///
/// `High`: a geo gate (a target time zone, locale or country name, or a geo-IP country
/// lookup) and, in the same file, a walk of the home directory that overwrites or deletes
/// what it finds (`readdir` with `writeFile`/`rm`/`unlink`, rooted at `os.homedir()`,
/// `$HOME` or the Desktop). `Medium`: a geo gate with a write to the home directory or
/// Desktop, or with `process.exit`. i18n libraries read locales and hold time-zone names but
/// never walk and overwrite the home directory.
pub fn protestware(pkg: &PackageFacts) -> Option<CampaignEvidence> {
    protestware_with(pkg, &Searches::new(pkg))
}

fn protestware_with(pkg: &PackageFacts, searches: &Searches) -> Option<CampaignEvidence> {
    strongest(pkg, searches, |_, f| protest_in_file(f))
}

fn protest_in_file(file: &FileFacts) -> Option<CampaignEvidence> {
    static TARGET: OnceLock<Option<AhoCorasick>> = OnceLock::new();
    static GEO: OnceLock<Option<AhoCorasick>> = OnceLock::new();
    let target = matcher(&TARGET, TARGET_NEEDLES)?;
    let geo = matcher(&GEO, GEO_NEEDLES)?;
    let fs_calls: Vec<&CapabilityUse> = file
        .uses_of(Capability::Filesystem)
        .filter(|u| u.kind == UseKind::Call)
        .collect();
    let walk = fs_calls.iter().find(|u| u.api.contains("readdir"));
    let destroy = fs_calls.iter().find(|u| {
        ["write", "rm", "unlink", "truncate", "remove", "emptyDir"]
            .iter()
            .any(|w| u.api.contains(w))
    });
    let destroy = destroy?;
    let home = file.uses.iter().find(|u| {
        u.api == "os.homedir"
            || (u.capability == Capability::Env
                && matches!(u.detail.as_deref(), Some("HOME" | "USERPROFILE")))
    });
    let desktop = exact(file, &["Desktop", "OneDrive/Desktop"]);
    if home.is_none() && desktop.is_none() {
        return None;
    }
    // The gate: a targeted time zone or country name, a targeted locale code with a read of
    // the locale (translation tables hold locale codes), or a geo-IP lookup of the country.
    let locale = file
        .uses_of(Capability::Env)
        .find(|u| u.detail.as_deref().is_some_and(|d| LOCALE_ENV.contains(&d)));
    let tgt = first_hits(file, target, TARGET_NEEDLES.len(), 256)
        .into_iter()
        .enumerate()
        .filter(|(n, _)| locale.is_some() || !TARGET_NEEDLES[*n].contains(['-', '_']))
        .filter_map(|(_, h)| h)
        .min();
    let geo_hit = first_hits(file, geo, GEO_NEEDLES.len(), 512)
        .into_iter()
        .flatten()
        .min();
    let gate_found = tgt.is_some()
        || geo_hit.is_some_and(|i| {
            file.strings[i]
                .value
                .to_ascii_lowercase()
                .contains("country")
        });
    if !gate_found {
        return None;
    }
    let mut steps = Vec::new();
    if let Some(i) = geo_hit {
        steps.push(string_step(&file.strings[i], "geo-IP lookup"));
    }
    if let Some(u) = locale {
        steps.push(use_step(u, "locale read"));
    }
    if let Some(i) = tgt {
        steps.push(string_step(
            &file.strings[i],
            "targeted country, time zone or locale",
        ));
    }
    let gate = match (tgt, geo_hit) {
        (Some(i), _) => format!("`{}`", preview(&file.strings[i].value)),
        (None, Some(i)) => format!("geo-IP lookup `{}`", preview(&file.strings[i].value)),
        (None, None) => String::new(),
    };
    let (confidence, action) = if let Some(w) = walk {
        steps.push(use_step(w, "walks the directory tree"));
        steps.push(use_step(
            destroy,
            format!("overwrites or deletes with `{}`", destroy.api),
        ));
        (
            Confidence::High,
            format!(
                "walks the home directory and overwrites or deletes files with `{}`",
                destroy.api
            ),
        )
    } else {
        steps.push(use_step(destroy, format!("writes with `{}`", destroy.api)));
        (
            Confidence::Medium,
            format!("writes to the home directory with `{}`", destroy.api),
        )
    };
    if let Some(h) = home {
        steps.push(use_step(h, "home directory"));
    } else if let Some(d) = desktop {
        steps.push(string_step(d, "the Desktop"));
    }
    Some(CampaignEvidence {
        summary: format!("gated on the machine's country ({gate}), {action}"),
        steps,
        confidence,
        install_time: file.install_time,
    })
}

// ---------------------------------------------------------------------------------------
// telemetry

/// Analytics and telemetry collectors.
const TELEMETRY_NEEDLES: &[&str] = &[
    "telemetry",
    "google-analytics.com",
    "api.segment.io",
    "api.mixpanel.com",
    "api.amplitude.com",
    "api2.amplitude.com",
    "posthog.com",
    "stats.g.doubleclick.net",
    "/analytics",
    "analytics.",
];

/// Telemetry: code that can make network requests and names an analytics or telemetry
/// endpoint (`https://telemetry.example/…`, Segment, Mixpanel, Amplitude, PostHog, Google
/// Analytics). Opt-out variables it reads (`DO_NOT_TRACK`, `*_TELEMETRY_DISABLED`) are part of
/// the evidence, not an excuse: the finding is informational (`Medium`) either way.
pub fn telemetry(pkg: &PackageFacts) -> Option<CampaignEvidence> {
    telemetry_with(pkg, &Searches::new(pkg))
}

fn telemetry_with(pkg: &PackageFacts, searches: &Searches) -> Option<CampaignEvidence> {
    strongest(pkg, searches, |_, f| telemetry_in_file(f))
}

fn telemetry_in_file(file: &FileFacts) -> Option<CampaignEvidence> {
    static AC: OnceLock<Option<AhoCorasick>> = OnceLock::new();
    let net = file
        .uses_of(Capability::Network)
        .find(|u| u.kind != UseKind::Import)?;
    let ac = matcher(&AC, TELEMETRY_NEEDLES)?;
    let endpoint = file.strings.iter().find(|s| {
        s.value.len() <= 512
            && (s.value.starts_with("http://") || s.value.starts_with("https://"))
            // Links to documentation (`…/telemetry#opt-out`, `/docs/telemetry`) send nothing.
            && !s.value.contains(['#', ' '])
            && !s.value.contains("/docs")
            && ac.is_match(s.value.as_str())
    })?;
    let mut steps = vec![
        string_step(endpoint, "telemetry endpoint"),
        use_step(net, format!("sent with `{}`", net.api)),
    ];
    let opt_out = file.uses_of(Capability::Env).find(|u| {
        u.detail.as_deref().is_some_and(|d| {
            let d = d.to_ascii_uppercase();
            d == "DO_NOT_TRACK" || d.contains("TELEMETRY") || d.contains("ANALYTICS")
        })
    });
    let mut summary = format!("sends usage data to `{}`", preview(&endpoint.value));
    if let Some(o) = opt_out {
        steps.push(use_step(o, "opt-out variable"));
        summary.push_str(&format!(
            " (opt-out: `{}`)",
            o.detail.as_deref().unwrap_or_default()
        ));
    }
    Some(CampaignEvidence {
        summary,
        steps,
        confidence: Confidence::Medium,
        install_time: file.install_time,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferret_core::Ecosystem;
    use std::path::Path;

    /// A detector as the public API offers it (its own search of the package).
    type Detector = fn(&PackageFacts) -> Option<CampaignEvidence>;

    /// The shared search finds, for every set, what a search of that set alone finds,
    /// including the per-set length caps (a 300-byte string is past the sandbox markers'
    /// cap but within the miner's).
    #[test]
    fn shared_search_matches_per_set_search() {
        let long_marker = format!("{}sandbox-honeytoken", "x".repeat(300));
        let tree = ferret_source::from_files(
            "t",
            vec![(
                "a.js".to_string(),
                format!(
                    "const a = ['stratum+tcp://pool.example:3333', 'XMRIG', '.github/workflows/x.yml', \
                     'VBOX', 'vmware', '{long_marker}', 'mining.subscribe', 'short'];"
                )
                .into_bytes(),
            )],
        );
        let facts = crate::engine::build_facts(&tree, Ecosystem::Npm);
        let file = &facts.files[0];
        let searches = Searches::new(&facts);
        let mut found = 0;
        for set in Set::ALL {
            static CELL: [OnceLock<Option<AhoCorasick>>; 4] = [
                OnceLock::new(),
                OnceLock::new(),
                OnceLock::new(),
                OnceLock::new(),
            ];
            let k = Set::ALL.iter().position(|s| *s == set).unwrap();
            let needles = set.needles();
            let alone = first_hits(
                file,
                matcher(&CELL[k], &needles).unwrap(),
                needles.len(),
                set.max_len(),
            );
            let shared = searches.hits(0, file, set).unwrap();
            assert_eq!(shared, alone.as_slice(), "{set:?}");
            found += alone.iter().flatten().count();
        }
        assert!(
            found >= 4,
            "the fixture strings hit needles of several sets: {found}"
        );
    }

    #[test]
    fn address_chains() {
        let eth = "0x000000000000000000000000000000000000dEaD";
        assert_eq!(address_chain(eth), Some(Chain::Ethereum));
        // The zero address is every web3 library's constant.
        assert_eq!(address_chain(&format!("0x{}", "0".repeat(40))), None);
        assert_eq!(
            address_chain("bc1qfakefakefakefakefakefakefakefake000"),
            Some(Chain::Bitcoin)
        );
        assert_eq!(
            address_chain("1FakeAddressDoNotUse1111111111111"),
            Some(Chain::Bitcoin)
        );
        assert_eq!(
            address_chain("TFakeTronAddressDoNotUse1111111111"),
            Some(Chain::Tron)
        );
        assert_eq!(address_chain("0x[a-fA-F0-9]{40}"), Some(Chain::Ethereum));
        assert_eq!(
            address_chain("^T[1-9A-HJ-NP-Za-km-z]{33}$"),
            Some(Chain::Tron)
        );
        for benign in [
            "0x1234",
            "12345678901234567890123456", // digits only
            "TheQuickBrownFoxJumpsOverTheLazy1",
            "use strict",
            "3.14159265358979323846264338327950",
        ] {
            assert_eq!(address_chain(benign), None, "{benign}");
        }
    }

    #[test]
    fn flags_are_matched_case_sensitively() {
        let tree = ferret_source::from_files(
            "t",
            vec![(
                "a.js".to_string(),
                b"require('child_process').spawn('claude', ['--YOLO-MODE-OFF']);".to_vec(),
            )],
        );
        let facts = crate::engine::build_facts(&tree, Ecosystem::Npm);
        assert!(ai_agent_abuse(&facts).is_none());
    }

    /// The corpus fixtures of these techniques (`tests/corpus/malicious/`), scanned as real
    /// packages: each detector must fire with the confidence the verdict relies on.
    #[test]
    fn corpus_fixtures_fire() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus/malicious");
        let cases: [(&str, Detector, Confidence); 14] = [
            (
                "10-chalk-debug-browser-clipper",
                crypto_clipper,
                Confidence::High,
            ),
            (
                "26-browser-clipper-xhr-plain",
                crypto_clipper,
                Confidence::High,
            ),
            (
                "11-nx-s1ngularity-ai-agent",
                ai_agent_abuse,
                Confidence::High,
            ),
            (
                "45-ai-agent-abuse-gemini-q",
                ai_agent_abuse,
                Confidence::High,
            ),
            (
                "11-nx-s1ngularity-ai-agent",
                ci_workflow_injection,
                Confidence::Medium,
            ),
            (
                "39-ci-workflow-injection-api",
                ci_workflow_injection,
                Confidence::High,
            ),
            (
                "40-ci-workflow-local-write",
                ci_workflow_injection,
                Confidence::High,
            ),
            (
                "43-cryptominer-xmrig-download",
                cryptominer,
                Confidence::High,
            ),
            ("44-cryptominer-stratum-js", cryptominer, Confidence::High),
            (
                "17-feishu-sandbox-evasion-stealer",
                sandbox_evasion,
                Confidence::Medium,
            ),
            (
                "29-sandbox-evasion-ci-gate",
                sandbox_evasion,
                Confidence::Medium,
            ),
            ("08-node-ipc-geo-wiper", protestware, Confidence::High),
            (
                "30-protestware-timezone-wiper",
                protestware,
                Confidence::High,
            ),
            (
                "31-protestware-peacenotwar-desktop",
                protestware,
                Confidence::High,
            ),
        ];
        for (dir, detect, want) in cases {
            let tree = ferret_source::open_dir(&root.join(dir), &ferret_source::Limits::default())
                .unwrap();
            let facts = crate::engine::build_facts(&tree, Ecosystem::Npm);
            let ev = detect(&facts).unwrap_or_else(|| panic!("{dir}: nothing found"));
            assert_eq!(ev.confidence, want, "{dir}: {}", ev.summary);
            assert!(!ev.steps.is_empty(), "{dir}");
        }
        // Benign look-alikes of the corpus: nothing at all.
        let benign = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus/benign");
        for entry in std::fs::read_dir(&benign).unwrap() {
            let dir = entry.unwrap().path();
            let tree = ferret_source::open_dir(&dir, &ferret_source::Limits::default()).unwrap();
            let facts = crate::engine::build_facts(&tree, Ecosystem::Npm);
            for (id, ev) in all(&facts) {
                assert!(
                    id == "telemetry",
                    "{}: {id} fired: {}",
                    dir.display(),
                    ev.summary
                );
            }
        }
    }

    /// The campaign rules and the malware verdict read one shared [`Campaigns`] per package:
    /// each rule's id must name its detector there, and the shared result must be what the
    /// detectors give one by one.
    #[test]
    fn shared_campaigns_match_the_detectors() {
        use crate::rules::{
            ai_agent_abuse::AiAgentAbuse, ci_workflow_injection::CiWorkflowInjection,
            crypto_clipper::CryptoClipper, cryptominer::Cryptominer, protestware::Protestware,
            sandbox_evasion::SandboxEvasion, telemetry::Telemetry,
        };
        let ids: [(&str, Detector); 7] = [
            (CryptoClipper::META.id, crypto_clipper),
            (Cryptominer::META.id, cryptominer),
            (AiAgentAbuse::META.id, ai_agent_abuse),
            (CiWorkflowInjection::META.id, ci_workflow_injection),
            (SandboxEvasion::META.id, sandbox_evasion),
            (Protestware::META.id, protestware),
            (Telemetry::META.id, telemetry),
        ];
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus/malicious");
        let tree = ferret_source::open_dir(
            &root.join("11-nx-s1ngularity-ai-agent"),
            &ferret_source::Limits::default(),
        )
        .unwrap();
        let facts = crate::engine::build_facts(&tree, Ecosystem::Npm);
        let mut cx = crate::rule::RuleContext::new();
        let shared = cx.shared(&facts, Campaigns::detect);
        assert!(
            std::sync::Arc::ptr_eq(&shared, &cx.shared(&facts, Campaigns::detect)),
            "computed twice"
        );
        let mut fired = 0;
        for (id, detect) in ids {
            assert_eq!(shared.get(id), detect(&facts).as_ref(), "{id}");
            fired += usize::from(shared.get(id).is_some());
        }
        assert!(fired >= 2, "ai-agent-abuse and ci-workflow-injection fire");
        assert_eq!(shared.iter().count(), fired);
    }
}
