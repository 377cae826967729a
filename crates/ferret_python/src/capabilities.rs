//! THE capability table for Python: which modules, module members and builtins grant which
//! [`Capability`]. Meant to be read by a security reviewer in one sitting; the analyser only
//! *resolves* names (through `import`, `from … import … as …`, `__import__`, `importlib`,
//! `getattr`, `globals()['__builtins__']` and string folding) and asks this table what the
//! resolved dotted name means.
//!
//! Names are canonical dotted paths: `subprocess.Popen`, `os.system`,
//! `urllib.request.urlopen`. Builtins are `builtins.<name>` while resolving and are reported
//! without the prefix (`exec`, `open`, `__import__`). Instances of a few classes keep their
//! class path, so `socket.socket().connect` is `socket.socket.connect` and
//! `Path(p).write_text` is `pathlib.Path.write_text`.

use ferret_core::Capability;

/// Which members of a module carry its capability.
#[derive(Debug, Clone, Copy)]
pub enum Members {
    /// Importing the module is itself the capability, and every member use is.
    All,
    /// Importing is not a capability; only these members (first path segment) are.
    Only(&'static [&'static str]),
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
use Members::{All, Only};

/// Modules (dotted, as imported) and the capability they carry. Lookup takes the longest
/// table module that is a dotted prefix of the name, so `urllib.parse.quote` (absent) is
/// not `urllib.request` and `os.path.join` is only `os` with member `path`.
pub const MODULES: &[ModuleEntry] = &[
    // --- Network: sockets, HTTP clients and servers, mail/FTP, DNS, WebSockets, SSH.
    m("socket", Network, All),
    m("socketserver", Network, All),
    m("ssl", Network, All),
    m("urllib.request", Network, All),
    m("urllib2", Network, All),
    // Python 2's `urllib`; in Python 3 `urllib` is a package whose `parse` computes strings.
    m(
        "urllib",
        Network,
        Only(&["urlopen", "urlretrieve", "URLopener"]),
    ),
    m("urllib3", Network, All),
    m("http.client", Network, All),
    m("http.server", Network, All),
    m("httplib", Network, All),
    m("requests", Network, All),
    m("httpx", Network, All),
    m("aiohttp", Network, All),
    m("pycurl", Network, All),
    m("ftplib", Network, All),
    m("smtplib", Network, All),
    m("poplib", Network, All),
    m("imaplib", Network, All),
    m("telnetlib", Network, All),
    m("xmlrpc.client", Network, All),
    m("dns.resolver", Network, All),
    m("websocket", Network, All),
    m("websockets", Network, All),
    m("paramiko", Network, All),
    m(
        "asyncio",
        Network,
        Only(&["open_connection", "start_server"]),
    ),
    // --- Filesystem. `os.path` is absent on purpose: it only computes strings.
    m("shutil", Filesystem, All),
    m("io", Filesystem, Only(&["open", "FileIO"])),
    m("codecs", Filesystem, Only(&["open"])),
    m("tempfile", Filesystem, All),
    m(
        "pathlib",
        Filesystem,
        Only(&[
            "Path.write_text",
            "Path.write_bytes",
            "Path.open",
            "Path.unlink",
            "Path.rmdir",
            "Path.mkdir",
            "Path.touch",
            "Path.rename",
            "Path.replace",
            "Path.chmod",
            "Path.symlink_to",
            "Path.hardlink_to",
            "Path.read_text",
            "Path.read_bytes",
            "Path.iterdir",
            "Path.glob",
            "Path.rglob",
        ]),
    ),
    // --- Shell: starting operating-system processes.
    m("subprocess", Shell, All),
    m("commands", Shell, All),
    m("popen2", Shell, All),
    m("pty", Shell, Only(&["spawn"])),
    m("asyncio.subprocess", Shell, All),
    // --- Dynamic code: deserialising code objects or arbitrary objects, running files.
    m("marshal", DynamicCode, Only(&["loads", "load"])),
    m("pickle", DynamicCode, Only(&["loads", "load", "Unpickler"])),
    m(
        "cPickle",
        DynamicCode,
        Only(&["loads", "load", "Unpickler"]),
    ),
    m("dill", DynamicCode, Only(&["loads", "load"])),
    m("runpy", DynamicCode, All),
    m("types", DynamicCode, Only(&["CodeType", "FunctionType"])),
    m(
        "importlib.machinery",
        DynamicCode,
        Only(&["SourceFileLoader", "SourcelessFileLoader"]),
    ),
    // --- Native code.
    m("ctypes", NativeCode, All),
    m("_ctypes", NativeCode, All),
    m("cffi", NativeCode, All),
    // --- Clipboard.
    m("pyperclip", Clipboard, All),
    m("clipboard", Clipboard, All),
    m("win32clipboard", Clipboard, All),
    // --- System identity. `platform.system()`/`machine()` are in every build script and
    // HTTP client's user agent (requests, pip), so only host/user identity counts.
    m("getpass", SystemInfo, Only(&["getuser"])),
    m("platform", SystemInfo, Only(&["node", "uname"])),
    m("uuid", SystemInfo, Only(&["getnode"])),
    // --- Debug: tracing hooks see every frame and local variable.
    m("sys", Debug, Only(&["settrace", "setprofile"])),
    m("threading", Debug, Only(&["settrace", "setprofile"])),
    m("pdb", Debug, All),
];

/// Exact dotted APIs, checked before [`MODULES`]: members of modules whose import alone
/// means nothing (`os`), or whose members differ from the module (`socket.gethostname`).
/// A trailing `*` matches any suffix of the last segment (`os.exec*`).
pub const APIS: &[(&str, Capability)] = &[
    // --- Shell through `os`.
    ("os.system", Shell),
    ("os.popen", Shell),
    ("os.popen2", Shell),
    ("os.popen3", Shell),
    ("os.exec*", Shell),
    ("os.spawn*", Shell),
    ("os.posix_spawn*", Shell),
    ("os.startfile", Shell),
    ("platform.popen", Shell),
    ("asyncio.create_subprocess_exec", Shell),
    ("asyncio.create_subprocess_shell", Shell),
    // --- Filesystem through `os`.
    ("os.remove", Filesystem),
    ("os.unlink", Filesystem),
    ("os.rename", Filesystem),
    ("os.replace", Filesystem),
    ("os.rmdir", Filesystem),
    ("os.removedirs", Filesystem),
    ("os.mkdir", Filesystem),
    ("os.makedirs", Filesystem),
    ("os.chmod", Filesystem),
    ("os.chown", Filesystem),
    ("os.listdir", Filesystem),
    ("os.scandir", Filesystem),
    ("os.walk", Filesystem),
    ("os.open", Filesystem),
    ("os.symlink", Filesystem),
    ("os.link", Filesystem),
    ("os.truncate", Filesystem),
    ("os.fdopen", Filesystem),
    // --- Environment (reads with a name are recorded separately, with the name).
    ("os.environ", Env),
    ("os.environb", Env),
    ("os.getenv", Env),
    ("os.getenvb", Env),
    ("os.putenv", Env),
    ("os.unsetenv", Env),
    // --- System identity.
    ("os.uname", SystemInfo),
    ("os.getlogin", SystemInfo),
    ("socket.gethostname", SystemInfo),
    ("socket.getfqdn", SystemInfo),
    // --- Native code loaded by path.
    ("os.add_dll_directory", NativeCode),
    ("sys.setdlopenflags", NativeCode),
    ("importlib.machinery.ExtensionFileLoader", NativeCode),
];

/// Builtins and what calling them means. `__import__` and `importlib.import_module` are
/// handled by the analyser: a constant name is an import, a computed one is dynamic code.
pub const BUILTINS: &[(&str, Capability)] = &[
    ("exec", DynamicCode),
    ("eval", DynamicCode),
    ("compile", DynamicCode),
    ("execfile", DynamicCode),
    ("open", Filesystem),
    ("file", Filesystem),
    ("breakpoint", Debug),
];

/// Builtins the resolver tracks at all (anything else is an ordinary name). Includes the
/// ones the folder evaluates and the reflection helpers evasions go through.
pub const TRACKED_BUILTINS: &[&str] = &[
    "exec",
    "eval",
    "compile",
    "execfile",
    "open",
    "file",
    "breakpoint",
    "__import__",
    "getattr",
    "globals",
    "locals",
    "vars",
    "chr",
    "bytes",
    "bytearray",
    "str",
    "map",
    "reversed",
    "input",
    "print",
    "setattr",
    "dict",
    "list",
    "tuple",
    "unichr",
];

/// The capability of a resolved dotted name (`builtins.exec`, `os.system`,
/// `socket.socket.connect`), if any.
pub fn capability_of(path: &str) -> Option<Capability> {
    if let Some(b) = path.strip_prefix("builtins.") {
        return BUILTINS.iter().find(|(n, _)| *n == b).map(|&(_, c)| c);
    }
    if let Some(c) = api_capability(path) {
        return Some(c);
    }
    let (entry, rest) = module_entry_for(path)?;
    match entry.members {
        All => Some(entry.capability),
        Only(list) => {
            let hit = list.iter().any(|allowed| {
                rest == *allowed
                    || (rest.len() > allowed.len()
                        && rest.starts_with(allowed)
                        && rest.as_bytes()[allowed.len()] == b'.')
            });
            hit.then_some(entry.capability)
        }
    }
}

fn api_capability(path: &str) -> Option<Capability> {
    APIS.iter()
        .find(|(api, _)| match api.strip_suffix('*') {
            Some(prefix) => path.starts_with(prefix) && !path[prefix.len()..].contains('.'),
            None => {
                path == *api
                    || (path.len() > api.len()
                        && path.starts_with(api)
                        && path.as_bytes()[api.len()] == b'.')
            }
        })
        .map(|&(_, c)| c)
}

/// The longest table module that is `path` or a dotted prefix of it, and the member rest.
pub fn module_entry_for(path: &str) -> Option<(&'static ModuleEntry, &str)> {
    let mut best: Option<(&'static ModuleEntry, &str)> = None;
    for e in MODULES {
        let rest = if path == e.module {
            ""
        } else if path.len() > e.module.len()
            && path.starts_with(e.module)
            && path.as_bytes()[e.module.len()] == b'.'
        {
            &path[e.module.len() + 1..]
        } else {
            continue;
        };
        if best.is_none_or(|(b, _)| e.module.len() > b.module.len()) {
            best = Some((e, rest));
        }
    }
    best
}

/// The capability of importing `module` (`import x`, `from x import …`), when importing it
/// is itself a capability. `from urllib import request` asks for `urllib.request`.
pub fn import_capability(module: &str) -> Option<Capability> {
    let (entry, rest) = module_entry_for(module)?;
    match entry.members {
        All => Some(entry.capability),
        Only(_) => {
            let _ = rest;
            None
        }
    }
}

/// Calls of members of these modules are recorded as call facts (with folded arguments),
/// for data-flow rules: the standard library's process, file, network, codec and
/// reflection modules, plus every module of the table.
pub const RECORDED_MODULES: &[&str] = &[
    "os",
    "sys",
    "base64",
    "binascii",
    "codecs",
    "zlib",
    "gzip",
    "bz2",
    "lzma",
    "json",
    "importlib",
    "builtins",
    "platform",
    "getpass",
    "socket",
    "urllib",
    "http",
    "pathlib",
    "shutil",
    "tempfile",
    "ctypes",
    "marshal",
    "pickle",
    "subprocess",
    "webbrowser",
    "uuid",
    "glob",
    "sqlite3",
    "zipfile",
    "tarfile",
    "winreg",
    "_winreg",
    "setuptools",
    "distutils",
    "pip",
    "site",
    "string",
];

/// Whether calls of the dotted `path` are recorded as call facts.
pub fn records_calls(path: &str) -> bool {
    if let Some(b) = path.strip_prefix("builtins.") {
        return TRACKED_BUILTINS.contains(&b);
    }
    let root = path.split('.').next().unwrap_or(path);
    RECORDED_MODULES.contains(&root) || module_entry_for(path).is_some()
}

/// The name a resolved path is reported under: builtins lose their prefix.
pub fn canonical(path: &str) -> &str {
    path.strip_prefix("builtins.").unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_lookups() {
        assert_eq!(capability_of("os.system"), Some(Shell));
        assert_eq!(capability_of("os.execvpe"), Some(Shell));
        assert_eq!(capability_of("os.path.join"), None);
        assert_eq!(capability_of("os.environ.get"), Some(Env));
        assert_eq!(capability_of("os.environment"), None);
        assert_eq!(capability_of("subprocess.Popen"), Some(Shell));
        assert_eq!(capability_of("urllib.request.urlopen"), Some(Network));
        assert_eq!(capability_of("urllib.parse.quote"), None);
        assert_eq!(capability_of("urllib.urlopen"), Some(Network));
        assert_eq!(capability_of("socket.gethostname"), Some(SystemInfo));
        assert_eq!(capability_of("socket.socket.connect"), Some(Network));
        assert_eq!(capability_of("pathlib.Path.write_text"), Some(Filesystem));
        assert_eq!(capability_of("pathlib.Path.name"), None);
        assert_eq!(capability_of("builtins.exec"), Some(DynamicCode));
        assert_eq!(capability_of("builtins.print"), None);
        assert_eq!(capability_of("platform.system"), None);
        assert_eq!(capability_of("platform.node"), Some(SystemInfo));
        assert_eq!(import_capability("subprocess"), Some(Shell));
        assert_eq!(import_capability("os"), None);
        assert_eq!(import_capability("urllib"), None);
        assert_eq!(import_capability("urllib.request"), Some(Network));
        assert_eq!(import_capability("pty"), None);
        assert_eq!(import_capability("ctypes.util"), Some(NativeCode));
        assert!(records_calls("base64.b64decode"));
        assert!(!records_calls("numpy.array"));
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
        for (i, a) in APIS.iter().enumerate() {
            assert!(APIS[i + 1..].iter().all(|b| b.0 != a.0), "{}", a.0);
        }
    }
}
