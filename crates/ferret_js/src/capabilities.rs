//! THE capability table for JavaScript: which modules, module members and globals grant which
//! [`Capability`]. This file is meant to be read by a security reviewer in one sitting; the
//! analyser only *resolves* names (through `require`, `import`, aliases and folding) and then
//! asks this table what the resolved name means.
//!
//! Names are canonical: module names without the `node:` prefix, members as dotted paths
//! (`child_process.exec`, `fs.promises.readFile`), globals as dotted paths from the global
//! object (`fetch`, `navigator.sendBeacon`, `process.env`).

use ferret_core::Capability;

/// Which members of a module carry its capability.
#[derive(Debug, Clone, Copy)]
pub enum Members {
    /// Importing the module is itself the capability, and every member call uses it.
    All,
    /// Importing the module is not a capability; only calls/constructs of these members are.
    Only(&'static [&'static str]),
    /// Importing the module is the capability, but only these members are recorded as uses.
    ImportAnd(&'static [&'static str]),
}

/// One row of the module table.
#[derive(Debug, Clone, Copy)]
pub struct ModuleEntry {
    pub module: &'static str,
    pub capability: Capability,
    pub members: Members,
}

const fn m(module: &'static str, capability: Capability, members: Members) -> ModuleEntry {
    ModuleEntry {
        module,
        capability,
        members,
    }
}

use Capability::{
    Clipboard, Debug, DynamicCode, Env, Filesystem, NativeCode, Network, Shell, SystemInfo,
};
use Members::{All, ImportAnd, Only};

/// The members of `child_process` that start a process.
const CHILD_PROCESS_SPAWNERS: &[&str] = &[
    "exec",
    "execSync",
    "execFile",
    "execFileSync",
    "spawn",
    "spawnSync",
    "fork",
];

/// Modules (canonical name, without `node:`) and the capability they carry.
pub const MODULES: &[ModuleEntry] = &[
    // --- Network: Node's socket/HTTP/DNS modules and the popular HTTP/WebSocket clients.
    m("http", Network, All),
    m("https", Network, All),
    m("http2", Network, All),
    m("net", Network, All),
    m("tls", Network, All),
    m("dgram", Network, All),
    m("dns", Network, All),
    m("dns/promises", Network, All),
    m("undici", Network, All),
    m("node-fetch", Network, All),
    m("axios", Network, All),
    m("got", Network, All),
    m("request", Network, All),
    m("ws", Network, All),
    m("socket.io-client", Network, All),
    // --- Filesystem. `path` is deliberately absent: it only computes strings.
    m("fs", Filesystem, All),
    m("fs/promises", Filesystem, All),
    m("graceful-fs", Filesystem, All),
    m("fs-extra", Filesystem, All),
    // --- Shell: starting operating-system processes.
    m("child_process", Shell, ImportAnd(CHILD_PROCESS_SPAWNERS)),
    m("execa", Shell, All),
    m("cross-spawn", Shell, All),
    m("shelljs", Shell, All),
    // --- Dynamic code: every use of `vm` compiles or runs code.
    m("vm", DynamicCode, All),
    // --- Debug / engine internals.
    m("inspector", Debug, All),
    m("inspector/promises", Debug, All),
    m("v8", Debug, All),
    // --- Clipboard.
    m("clipboardy", Clipboard, All),
    // --- System info: importing `os` is not a signal, collecting identity is.
    // `os.platform`/`os.arch` are too common (every build tool) to mean anything.
    m(
        "os",
        SystemInfo,
        Only(&["hostname", "userInfo", "networkInterfaces", "homedir"]),
    ),
];

/// The module entry for a canonical module name.
pub fn module_entry(module: &str) -> Option<&'static ModuleEntry> {
    MODULES.iter().find(|e| e.module == module)
}

/// The capability granted by importing `module`, if importing it is itself a capability.
/// A `.node` file is a native addon.
pub fn import_capability(module: &str) -> Option<Capability> {
    if module.ends_with(".node") {
        return Some(NativeCode);
    }
    module_entry(module).and_then(|e| match e.members {
        All | ImportAnd(_) => Some(e.capability),
        Only(_) => None,
    })
}

/// The capability of calling/constructing `module.member` (`member` is a dotted path, empty
/// for the module itself, as in `execa('ls')`).
pub fn member_capability(module: &str, member: &str) -> Option<Capability> {
    let entry = module_entry(module)?;
    match entry.members {
        All => Some(entry.capability),
        Only(list) | ImportAnd(list) => {
            let first = member.split('.').next().unwrap_or(member);
            list.contains(&first).then_some(entry.capability)
        }
    }
}

/// How a global path matches a table row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// Only this exact path (`Function` but not `Function.prototype.toString`).
    Exact,
    /// This path and everything under it (`XMLHttpRequest.prototype.open`).
    Prefix,
}

/// One row of the globals table.
#[derive(Debug, Clone, Copy)]
pub struct GlobalEntry {
    pub path: &'static str,
    pub capability: Capability,
    pub matching: Match,
}

const fn g(path: &'static str, capability: Capability, matching: Match) -> GlobalEntry {
    GlobalEntry {
        path,
        capability,
        matching,
    }
}

/// Globals (paths from the global object) and the capability they carry.
pub const GLOBALS: &[GlobalEntry] = &[
    // --- Network: browser/Node global HTTP and socket APIs.
    g("fetch", Network, Match::Exact),
    g("XMLHttpRequest", Network, Match::Prefix),
    g("WebSocket", Network, Match::Prefix),
    g("EventSource", Network, Match::Prefix),
    g("navigator.sendBeacon", Network, Match::Exact),
    // --- Environment variables (member reads are recorded separately with the name).
    g("process.env", Env, Match::Prefix),
    // --- Dynamic code. `setTimeout`/`setInterval` only count with a string argument,
    // which the analyser checks itself (api `setTimeout(string)`).
    g("eval", DynamicCode, Match::Exact),
    g("Function", DynamicCode, Match::Exact),
    g("module._compile", DynamicCode, Match::Exact),
    // --- Debug / engine internals. `process.binding('spawn_sync')` is also recorded as
    // shell access by the analyser.
    g("process.binding", Debug, Match::Exact),
    g("process._linkedBinding", Debug, Match::Exact),
    // --- Native code loaded directly.
    g("process.dlopen", NativeCode, Match::Exact),
    // --- Clipboard.
    g("navigator.clipboard", Clipboard, Match::Prefix),
];

/// The capability of a global path, if any.
pub fn global_capability(path: &str) -> Option<Capability> {
    GLOBALS
        .iter()
        .find(|e| {
            path == e.path
                || (e.matching == Match::Prefix
                    && path.len() > e.path.len()
                    && path.starts_with(e.path)
                    && path.as_bytes()[e.path.len()] == b'.')
        })
        .map(|e| e.capability)
}

/// Global functions whose first argument is code when it is a string.
pub const STRING_TIMERS: &[&str] = &["setTimeout", "setInterval", "setImmediate"];

/// Unresolved identifiers the analyser tracks at all. Anything else global (`console`,
/// `document`, `Math`) resolves to "unknown" and costs nothing.
pub const GLOBAL_ROOTS: &[&str] = &[
    "process",
    "require",
    "module",
    "globalThis",
    "global",
    "window",
    "self",
    "fetch",
    "XMLHttpRequest",
    "WebSocket",
    "EventSource",
    "navigator",
    "eval",
    "Function",
    "setTimeout",
    "setInterval",
    "setImmediate",
    "Buffer",
    "String",
    "JSON",
    "Object",
    "atob",
    "btoa",
    "decodeURIComponent",
    "decodeURI",
    "unescape",
];

/// Names of the global object itself: `globalThis.fetch` is `fetch`.
pub const GLOBAL_OBJECTS: &[&str] = &["globalThis", "global", "window", "self"];

/// Global callees recorded as [`ferret_core::CallFact`]s even without a capability: the
/// decoders and serialisers that data-flow rules follow.
pub const KNOWN_CALLEES: &[&str] = &[
    "require",
    "eval",
    "Function",
    "fetch",
    "atob",
    "btoa",
    "decodeURIComponent",
    "decodeURI",
    "unescape",
    "Buffer.from",
    "String.fromCharCode",
    "JSON.stringify",
    "JSON.parse",
    "Object.keys",
    "Object.entries",
    "Object.values",
    "Object.assign",
    "setTimeout",
    "setInterval",
    "setImmediate",
    "process.binding",
    "process._linkedBinding",
    "process.dlopen",
    "process.exit",
    "process.kill",
    "process.chdir",
    "module._compile",
];

/// Node's built-in modules: calls of their members are recorded as call facts (with folded
/// arguments), so rules can look at `fs.writeFileSync(path)` or `dns.lookup(name)`.
pub const NODE_BUILTINS: &[&str] = &[
    "assert",
    "buffer",
    "child_process",
    "cluster",
    "crypto",
    "dgram",
    "dns",
    "dns/promises",
    "events",
    "fs",
    "fs/promises",
    "http",
    "http2",
    "https",
    "inspector",
    "module",
    "net",
    "os",
    "path",
    "process",
    "querystring",
    "readline",
    "stream",
    "string_decoder",
    "timers",
    "tls",
    "tty",
    "url",
    "util",
    "v8",
    "vm",
    "worker_threads",
    "zlib",
];

/// Whether calls of `module`'s members are recorded as call facts.
pub fn records_calls(module: &str) -> bool {
    NODE_BUILTINS.contains(&module) || module_entry(module).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_lookups() {
        assert_eq!(import_capability("child_process"), Some(Shell));
        assert_eq!(import_capability("os"), None);
        assert_eq!(import_capability("path"), None);
        assert_eq!(
            import_capability("build/Release/addon.node"),
            Some(NativeCode)
        );
        assert_eq!(member_capability("child_process", "exec"), Some(Shell));
        assert_eq!(member_capability("child_process", "ChildProcess"), None);
        assert_eq!(member_capability("os", "hostname"), Some(SystemInfo));
        assert_eq!(member_capability("os", "platform"), None);
        assert_eq!(
            member_capability("fs", "promises.readFile"),
            Some(Filesystem)
        );
        assert_eq!(
            global_capability("XMLHttpRequest.prototype.open"),
            Some(Network)
        );
        assert_eq!(global_capability("Function"), Some(DynamicCode));
        assert_eq!(global_capability("Function.prototype.toString"), None);
        assert_eq!(global_capability("fetchLater"), None);
        assert_eq!(global_capability("process.envx"), None);
    }

    #[test]
    fn table_has_no_duplicates() {
        for (i, a) in MODULES.iter().enumerate() {
            assert!(
                MODULES[i + 1..].iter().all(|b| b.module != a.module),
                "{}",
                a.module
            );
        }
        for (i, a) in GLOBALS.iter().enumerate() {
            assert!(
                GLOBALS[i + 1..].iter().all(|b| b.path != a.path),
                "{}",
                a.path
            );
        }
    }
}
