//! Classifies a dependency spec as written in package.json, for the dependency-spec alerts
//! (git-dependency, http-dependency, file-dependency): anything not served by the registry
//! by name and version is content the registry's integrity and malware checks never saw.

use serde::Serialize;

/// What kind of dependency spec a package.json value is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum SpecKind {
    /// A version, range or dist-tag (`1.2.3`, `^1.0.0`, `>=1 <2 || 3`, `latest`, `*`, ``).
    Registry { range: String },
    /// `npm:real-name@range`: installed under another name.
    Alias { name: String, range: String },
    /// `git+ssh://…`, `git+https://…`, `git://…`, `github:u/r`, `gitlab:`/`bitbucket:`/`gist:`,
    /// the `user/repo[#ref]` GitHub shorthand, or a URL ending in `.git`.
    Git { url: String },
    /// An `http(s)://` tarball URL.
    Http { url: String },
    /// `file:…` or a bare local path (`./x`, `../x`, `/x`, `~/x`).
    File { path: String },
    /// `link:…` / `portal:…` (a symlink to a local directory).
    Link { path: String },
    /// `workspace:*` / `workspace:^` / `workspace:packages/a`.
    Workspace { spec: String },
    /// Anything else (`patch:…`, `exec:…`, unknown protocols).
    Other { spec: String },
}

impl SpecKind {
    /// True for specs whose content does not come from the registry by name and version.
    pub fn is_non_registry(&self) -> bool {
        matches!(
            self,
            SpecKind::Git { .. }
                | SpecKind::Http { .. }
                | SpecKind::File { .. }
                | SpecKind::Link { .. }
                | SpecKind::Other { .. }
        )
    }
}

const GIT_HOSTS: [&str; 4] = ["github:", "gitlab:", "bitbucket:", "gist:"];

/// Classifies a dependency spec (the value in `dependencies`). Never fails: unknown shapes
/// are [`SpecKind::Other`].
pub fn classify_spec(spec: &str) -> SpecKind {
    let s = spec.trim();
    let lower = s.to_ascii_lowercase();
    if let Some(rest) = s.strip_prefix("npm:") {
        let (name, range) = match crate::split_name_at(rest) {
            Some((n, r)) => (n, r),
            None => (rest, ""),
        };
        return SpecKind::Alias {
            name: name.to_owned(),
            range: range.to_owned(),
        };
    }
    if lower.starts_with("git+")
        || lower.starts_with("git://")
        || GIT_HOSTS.iter().any(|h| lower.starts_with(h))
    {
        return SpecKind::Git { url: s.to_owned() };
    }
    if lower.starts_with("http://") || lower.starts_with("https://") {
        // `https://host/u/r.git` (optionally `#ref`) is a git repository, not a tarball.
        let no_ref = lower.split('#').next().unwrap_or("");
        if no_ref.ends_with(".git") {
            return SpecKind::Git { url: s.to_owned() };
        }
        return SpecKind::Http { url: s.to_owned() };
    }
    if let Some(path) = s.strip_prefix("file:") {
        return SpecKind::File {
            path: path.to_owned(),
        };
    }
    if let Some(path) = s
        .strip_prefix("link:")
        .or_else(|| s.strip_prefix("portal:"))
    {
        return SpecKind::Link {
            path: path.to_owned(),
        };
    }
    if s.starts_with("workspace:") {
        return SpecKind::Workspace { spec: s.to_owned() };
    }
    if s.starts_with("./")
        || s.starts_with("../")
        || s.starts_with('/')
        || s.starts_with("~/")
        || s == "."
        || s == ".."
    {
        return SpecKind::File { path: s.to_owned() };
    }
    if is_github_shorthand(s) {
        return SpecKind::Git { url: s.to_owned() };
    }
    if let Some(colon) = s.find(':') {
        // A protocol we do not know (`patch:`, `exec:`); ranges never contain `:`.
        if s[..colon]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-')
            && colon > 0
        {
            return SpecKind::Other { spec: s.to_owned() };
        }
    }
    SpecKind::Registry {
        range: s.to_owned(),
    }
}

/// `user/repo` or `user/repo#ref`: exactly one `/`, neither side empty, no spaces; ranges and
/// dist-tags never contain `/`, scoped names start with `@`.
fn is_github_shorthand(s: &str) -> bool {
    let base = s.split('#').next().unwrap_or("");
    let Some((user, repo)) = base.split_once('/') else {
        return false;
    };
    let ok = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    };
    !s.starts_with('@') && !s.starts_with('.') && ok(user) && ok(repo)
}

#[cfg(test)]
mod tests {
    use super::{SpecKind, classify_spec};

    fn kind(s: &str) -> &'static str {
        match classify_spec(s) {
            SpecKind::Registry { .. } => "registry",
            SpecKind::Alias { .. } => "alias",
            SpecKind::Git { .. } => "git",
            SpecKind::Http { .. } => "http",
            SpecKind::File { .. } => "file",
            SpecKind::Link { .. } => "link",
            SpecKind::Workspace { .. } => "workspace",
            SpecKind::Other { .. } => "other",
        }
    }

    #[test]
    fn classify_table() {
        let table = [
            ("1.2.3", "registry"),
            ("^1.0.0", "registry"),
            (">=1.0.0 <2 || 3.x", "registry"),
            ("1.0.0 - 2.0.0", "registry"),
            ("latest", "registry"),
            ("*", "registry"),
            ("", "registry"),
            ("npm:is-odd@3.0.1", "alias"),
            ("npm:@scope/x@^1", "alias"),
            ("git+ssh://git@github.com/u/r.git#v1", "git"),
            ("git+https://github.com/u/r.git", "git"),
            ("git://github.com/u/r.git", "git"),
            ("git+file:///tmp/r.git", "git"),
            ("github:user/repo", "git"),
            ("gitlab:user/repo#main", "git"),
            ("user/repo", "git"),
            ("user/repo#semver:^1", "git"),
            ("https://github.com/u/r.git", "git"),
            ("https://example.invalid/x-1.0.0.tgz", "http"),
            ("http://198.51.100.7/x.tgz", "http"),
            ("file:../local", "file"),
            ("file:vendor/x.tgz", "file"),
            ("./local", "file"),
            ("../x", "file"),
            ("/abs/dir", "file"),
            ("~/x", "file"),
            ("link:./linked", "link"),
            ("portal:./p", "link"),
            ("workspace:*", "workspace"),
            ("workspace:^1.0.0", "workspace"),
            ("patch:x@npm:1#./p.patch", "other"),
            ("@scope/name", "registry"),
        ];
        for (spec, want) in table {
            assert_eq!(kind(spec), want, "{spec}");
        }
    }

    #[test]
    fn alias_parts_and_non_registry() {
        assert_eq!(
            classify_spec("npm:@types/node@20"),
            SpecKind::Alias {
                name: "@types/node".into(),
                range: "20".into()
            }
        );
        assert_eq!(
            classify_spec("npm:lodash"),
            SpecKind::Alias {
                name: "lodash".into(),
                range: String::new()
            }
        );
        assert!(classify_spec("github:u/r").is_non_registry());
        assert!(!classify_spec("^1").is_non_registry());
        assert!(!classify_spec("workspace:*").is_non_registry());
    }
}
