//! Which platform a package is for: npm's `os` / `cpu` / `libc` constraints checked against
//! the machine the scan runs on, with npm's semantics (`npm-install-checks`): a list of
//! allowed values, `!value` excluding one; a list of only exclusions allows everything
//! else; `libc` only counts on Linux.
//!
//! A package whose constraints exclude this platform is one npm does not install here (an
//! optional dependency is skipped; a required one fails the install with EBADPLATFORM).

use std::path::Path;

/// The platform as node names it (`process.platform`, `process.arch`, the C library).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    /// `process.platform`: `linux`, `darwin`, `win32`, `freebsd`, …
    pub os: String,
    /// `process.arch`: `x64`, `arm64`, `ia32`, `arm`, …
    pub cpu: String,
    /// `glibc` or `musl` on Linux; `None` elsewhere or when unknown.
    pub libc: Option<String>,
}

/// What a package declares it runs on (empty lists: anything).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Constraints {
    pub os: Vec<String>,
    pub cpu: Vec<String>,
    pub libc: Vec<String>,
}

impl Constraints {
    pub fn is_empty(&self) -> bool {
        self.os.is_empty() && self.cpu.is_empty() && self.libc.is_empty()
    }
}

impl Platform {
    /// The machine this process runs on.
    pub fn current() -> Self {
        let os = node_os(std::env::consts::OS).to_owned();
        let libc = (os == "linux").then(|| detect_libc(Path::new("/")).to_owned());
        Platform {
            os,
            cpu: node_arch(std::env::consts::ARCH).to_owned(),
            libc,
        }
    }

    /// Whether npm would install a package with these constraints here.
    pub fn allows(&self, c: &Constraints) -> bool {
        if !check_list(&self.os, &c.os) || !check_list(&self.cpu, &c.cpu) {
            return false;
        }
        match (&self.libc, self.os.as_str()) {
            (Some(libc), "linux") if !c.libc.is_empty() => check_list(libc, &c.libc),
            _ => true,
        }
    }

    /// `linux-x64-glibc`, `darwin-arm64`.
    pub fn label(&self) -> String {
        match &self.libc {
            Some(l) => format!("{}-{}-{l}", self.os, self.cpu),
            None => format!("{}-{}", self.os, self.cpu),
        }
    }
}

/// npm's `checkList`: `any` alone allows all; a value listed as `!value` is excluded; else
/// the value must be listed, unless every entry is an exclusion.
fn check_list(value: &str, list: &[String]) -> bool {
    if list.is_empty() || (list.len() == 1 && list[0] == "any") {
        return true;
    }
    let mut negated = 0usize;
    let mut matched = false;
    for entry in list {
        match entry.strip_prefix('!') {
            Some(excluded) => {
                negated += 1;
                if excluded == value {
                    return false;
                }
            }
            None => matched |= entry == value,
        }
    }
    matched || negated == list.len()
}

/// Rust's `std::env::consts::OS` as node's `process.platform`.
pub fn node_os(rust_os: &str) -> &str {
    match rust_os {
        "macos" => "darwin",
        "windows" => "win32",
        "solaris" | "illumos" => "sunos",
        other => other,
    }
}

/// Rust's `std::env::consts::ARCH` as node's `process.arch`.
pub fn node_arch(rust_arch: &str) -> &str {
    match rust_arch {
        "x86_64" => "x64",
        "aarch64" => "arm64",
        "x86" => "ia32",
        "powerpc64" => "ppc64",
        "powerpc" => "ppc",
        "loongarch64" => "loong64",
        "mips64" => "mips64el",
        "mips" => "mipsel",
        other => other,
    }
}

/// The C library of a Linux system under `root`: `musl` when its dynamic loader
/// (`/lib/ld-musl-*.so.1`) is there, else `glibc` (npm reads `ldd` for the same answer).
fn detect_libc(root: &Path) -> &'static str {
    let musl = std::fs::read_dir(root.join("lib")).is_ok_and(|entries| {
        entries
            .filter_map(Result::ok)
            .any(|e| e.file_name().to_string_lossy().starts_with("ld-musl-"))
    });
    if musl { "musl" } else { "glibc" }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests: a panic is a failure")]
mod tests {
    use super::*;

    fn list(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    fn linux_x64() -> Platform {
        Platform {
            os: "linux".into(),
            cpu: "x64".into(),
            libc: Some("glibc".into()),
        }
    }

    #[test]
    fn npm_check_list_semantics() {
        assert!(check_list("linux", &[]));
        assert!(check_list("linux", &list(&["any"])));
        assert!(check_list("linux", &list(&["darwin", "linux"])));
        assert!(!check_list("linux", &list(&["darwin"])));
        assert!(!check_list("win32", &list(&["!win32"])));
        assert!(check_list("linux", &list(&["!win32"])));
        // An allow-list with an exclusion: the value must still be listed.
        assert!(!check_list("linux", &list(&["darwin", "!win32"])));
        assert!(check_list("darwin", &list(&["darwin", "!win32"])));
    }

    #[test]
    fn platform_packages_of_the_bench_app() {
        let here = linux_x64();
        let c = |os: &[&str], cpu: &[&str], libc: &[&str]| Constraints {
            os: list(os),
            cpu: list(cpu),
            libc: list(libc),
        };
        assert!(here.allows(&c(&[], &[], &[])));
        assert!(here.allows(&c(&["linux"], &["x64"], &["glibc"])));
        assert!(!here.allows(&c(&["linux"], &["x64"], &["musl"])));
        assert!(!here.allows(&c(&["darwin"], &[], &[])));
        assert!(!here.allows(&c(&["linux"], &["arm64"], &["glibc"])));
        assert!(!here.allows(&c(&[], &["wasm32"], &[])));
        // libc counts on Linux only.
        let mac = Platform {
            os: "darwin".into(),
            cpu: "arm64".into(),
            libc: None,
        };
        assert!(mac.allows(&c(&["darwin"], &["arm64"], &["glibc"])));
        assert_eq!(here.label(), "linux-x64-glibc");
        assert_eq!(mac.label(), "darwin-arm64");
    }

    #[test]
    fn rust_names_map_to_node_names() {
        assert_eq!(node_os("macos"), "darwin");
        assert_eq!(node_os("windows"), "win32");
        assert_eq!(node_os("linux"), "linux");
        assert_eq!(node_os("freebsd"), "freebsd");
        assert_eq!(node_arch("x86_64"), "x64");
        assert_eq!(node_arch("aarch64"), "arm64");
        assert_eq!(node_arch("x86"), "ia32");
        assert_eq!(node_arch("arm"), "arm");
        let current = Platform::current();
        assert!(!current.os.is_empty() && !current.cpu.is_empty());
        assert!(!current.cpu.contains('_'), "{current:?}");
    }

    #[test]
    fn libc_from_the_loader() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("lib")).unwrap();
        assert_eq!(detect_libc(dir.path()), "glibc");
        std::fs::write(dir.path().join("lib/ld-musl-x86_64.so.1"), "").unwrap();
        assert_eq!(detect_libc(dir.path()), "musl");
    }
}
