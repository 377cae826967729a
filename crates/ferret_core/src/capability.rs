//! The capabilities of section 1 of the red-flag catalog: what code in a package *can* do.
//! A capability is a fact, never a verdict on its own; rules combine them.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Capability {
    /// Outbound or inbound network: sockets, HTTP, DNS, fetch, WebSocket.
    Network,
    /// Reading or writing files.
    Filesystem,
    /// Starting operating-system processes.
    Shell,
    /// Reading environment variables.
    Env,
    /// Running code built at run time: eval, Function, vm, computed require.
    DynamicCode,
    /// Debugger / engine internals: inspector, v8, process.binding.
    Debug,
    /// Native binaries and addons.
    NativeCode,
    /// Code that runs at install time (npm lifecycle scripts, setup.py, .pth).
    InstallScript,
    /// Clipboard read/write.
    Clipboard,
    /// Browser profile / cookie / wallet stores.
    BrowserData,
    /// Host, user, platform and network-interface collection.
    SystemInfo,
}

impl Capability {
    pub const ALL: [Capability; 11] = [
        Capability::Network,
        Capability::Filesystem,
        Capability::Shell,
        Capability::Env,
        Capability::DynamicCode,
        Capability::Debug,
        Capability::NativeCode,
        Capability::InstallScript,
        Capability::Clipboard,
        Capability::BrowserData,
        Capability::SystemInfo,
    ];

    /// The id of the rule that reports this capability (also its JSON name).
    pub fn rule_id(self) -> &'static str {
        match self {
            Capability::Network => "network-access",
            Capability::Filesystem => "filesystem-access",
            Capability::Shell => "shell-access",
            Capability::Env => "env-access",
            Capability::DynamicCode => "dynamic-code",
            Capability::Debug => "debug-access",
            Capability::NativeCode => "native-code",
            Capability::InstallScript => "install-script",
            Capability::Clipboard => "clipboard-access",
            Capability::BrowserData => "browser-data-access",
            Capability::SystemInfo => "system-info",
        }
    }

    /// Short human label for the capability profile.
    pub fn label(self) -> &'static str {
        match self {
            Capability::Network => "network",
            Capability::Filesystem => "filesystem",
            Capability::Shell => "shell",
            Capability::Env => "environment",
            Capability::DynamicCode => "dynamic code",
            Capability::Debug => "debugger/engine internals",
            Capability::NativeCode => "native code",
            Capability::InstallScript => "install scripts",
            Capability::Clipboard => "clipboard",
            Capability::BrowserData => "browser data",
            Capability::SystemInfo => "system info",
        }
    }
}
