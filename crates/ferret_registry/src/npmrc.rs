//! Registry configuration discovered the way npm does it: `--registry`, then the
//! `npm_config_registry` environment variable, then `registry=` in the project's `.npmrc`,
//! then the user's `~/.npmrc`, then the public registry. Tokens and `@scope:registry` entries
//! merge from both files, the project's winning.

use crate::RegistryError;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// npm's public registry.
pub const DEFAULT_REGISTRY: &str = "https://registry.npmjs.org/";

/// Where packages come from and which credentials go where.
#[derive(Clone, PartialEq, Eq)]
pub struct RegistryConfig {
    /// The default registry; always ends with `/`.
    pub registry: String,
    /// The token for `registry`, when one is configured. Used only for URLs under it.
    pub auth_token: Option<String>,
    /// `@scope` → registry URL (ending with `/`).
    pub scoped_registries: BTreeMap<String, String>,
    /// npm "nerf darts" `//host[:port]/path/` → token.
    pub tokens: BTreeMap<String, String>,
}

/// Tokens are secrets: `Debug` shows where they apply, never what they are.
impl fmt::Debug for RegistryConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegistryConfig")
            .field("registry", &self.registry)
            .field(
                "auth_token",
                &self.auth_token.as_ref().map(|_| "<redacted>"),
            )
            .field("scoped_registries", &self.scoped_registries)
            .field("tokens", &self.tokens.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Default for RegistryConfig {
    fn default() -> Self {
        Self::new(DEFAULT_REGISTRY)
    }
}

impl RegistryConfig {
    /// A configuration for one registry and no credentials. A missing trailing `/` is added.
    pub fn new(registry: &str) -> Self {
        Self {
            registry: with_slash(registry.trim()),
            auth_token: None,
            scoped_registries: BTreeMap::new(),
            tokens: BTreeMap::new(),
        }
    }

    /// `--registry` flag, else `npm_config_registry` (also `NPM_CONFIG_REGISTRY`), else
    /// `registry=` in `<project_dir>/.npmrc`, else `~/.npmrc` (or `$NPM_CONFIG_USERCONFIG`),
    /// else <https://registry.npmjs.org/>.
    ///
    /// Only `<project_dir>/.npmrc` is read, not its ancestors: ferret scans from where it is
    /// told, unlike npm which first climbs to the nearest `package.json`.
    pub fn discover(cli_registry: Option<&str>, project_dir: &Path) -> Result<Self, RegistryError> {
        let env = |k: &str| std::env::var(k).ok();
        let user = env("npm_config_userconfig")
            .or_else(|| env("NPM_CONFIG_USERCONFIG"))
            .map(PathBuf::from)
            .or_else(|| {
                env("HOME")
                    .or_else(|| env("USERPROFILE"))
                    .map(|h| Path::new(&h).join(".npmrc"))
            });
        Self::discover_with(cli_registry, project_dir, user.as_deref(), &env)
    }

    /// [`Self::discover`] with the user `.npmrc` path and the environment passed in, so it can
    /// be tested without touching the process environment.
    pub fn discover_with(
        cli_registry: Option<&str>,
        project_dir: &Path,
        user_npmrc: Option<&Path>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, RegistryError> {
        let mut config = Self::default();
        let project = project_dir.join(".npmrc");
        // Lowest precedence first: each layer overwrites the keys it sets.
        for path in user_npmrc.into_iter().chain([project.as_path()]) {
            let text = match std::fs::read_to_string(path) {
                Ok(text) => text,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(source) => {
                    return Err(RegistryError::Io {
                        path: path.to_path_buf(),
                        source,
                    });
                }
            };
            config.apply(&path.display().to_string(), &parse_npmrc(&text, env))?;
        }
        let from_env = env("npm_config_registry")
            .or_else(|| env("NPM_CONFIG_REGISTRY"))
            .filter(|v| !v.trim().is_empty());
        if let Some(url) = from_env {
            config.registry = checked_registry("environment", "npm_config_registry", &url)?;
        }
        if let Some(url) = cli_registry {
            config.registry = checked_registry("command line", "--registry", url)?;
        }
        config.auth_token = config.lookup_token(&config.registry).map(str::to_owned);
        Ok(config)
    }

    fn apply(&mut self, origin: &str, entries: &[(String, String)]) -> Result<(), RegistryError> {
        for (key, value) in entries {
            if key == "registry" {
                self.registry = checked_registry(origin, key, value)?;
            } else if let Some(scope) = key.strip_suffix(":registry")
                && scope.starts_with('@')
            {
                let url = checked_registry(origin, key, value)?;
                self.scoped_registries.insert(scope.to_owned(), url);
            } else if let Some(dart) = key.strip_suffix(":_authToken")
                && dart.starts_with("//")
            {
                self.tokens.insert(normalize_dart(dart), value.clone());
            }
            // Everything else (`_auth`, `always-auth`, proxies, …) is not needed to fetch.
        }
        Ok(())
    }

    /// The registry serving `package`, honouring `@scope:registry`.
    pub fn registry_for(&self, package: &str) -> &str {
        package
            .split_once('/')
            .filter(|(scope, _)| scope.starts_with('@'))
            .and_then(|(scope, _)| self.scoped_registries.get(scope))
            .map_or(self.registry.as_str(), String::as_str)
    }

    /// The token to send with a request to `url`: the one configured for the longest
    /// `//host/path/` prefix of the URL. A URL on any other host gets none.
    pub fn token_for(&self, url: &str) -> Option<&str> {
        self.lookup_token(url).or_else(|| {
            let token = self.auth_token.as_deref()?;
            under(&nerf_dart(url)?, &nerf_dart(&self.registry)?).then_some(token)
        })
    }

    fn lookup_token(&self, url: &str) -> Option<&str> {
        let dart = nerf_dart(url)?;
        self.tokens
            .iter()
            .filter(|(prefix, _)| under(&dart, prefix))
            .max_by_key(|(prefix, _)| prefix.len())
            .map(|(_, token)| token.as_str())
    }
}

/// Whether `dart` lies under `prefix`; both are nerf darts and `prefix` ends with `/`, so
/// `//host/` never matches `//host.evil.example/`.
fn under(dart: &str, prefix: &str) -> bool {
    prefix.ends_with('/') && dart.starts_with(prefix)
}

fn checked_registry(origin: &str, key: &str, value: &str) -> Result<String, RegistryError> {
    let value = value.trim();
    if value.starts_with("https://") || value.starts_with("http://") {
        Ok(with_slash(value))
    } else {
        Err(RegistryError::InvalidRegistry {
            origin: origin.to_owned(),
            key: key.to_owned(),
            value: value.to_owned(),
        })
    }
}

fn with_slash(url: &str) -> String {
    if url.ends_with('/') {
        url.to_owned()
    } else {
        format!("{url}/")
    }
}

/// npm's "nerf dart" of a URL: `//host[:port]/path`, without scheme, credentials, query,
/// fragment or default port, host lowercased. `None` for anything not http(s).
pub(crate) fn nerf_dart(url: &str) -> Option<String> {
    let (scheme, rest) = url.trim().split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    let (authority, path) = rest.find('/').map_or((rest, "/"), |i| rest.split_at(i));
    let host = authority
        .rsplit('@')
        .next()
        .unwrap_or(authority)
        .to_ascii_lowercase();
    let default_port = if scheme == "https" { ":443" } else { ":80" };
    let host = host.strip_suffix(default_port).unwrap_or(&host);
    if host.is_empty() {
        return None;
    }
    Some(format!("//{host}{path}"))
}

fn normalize_dart(dart: &str) -> String {
    // Reuse the URL normaliser so keys and request URLs compare the same way.
    nerf_dart(&format!("https:{dart}")).map_or_else(|| with_slash(dart), |d| with_slash(&d))
}

/// Parses `.npmrc` text into `(key, value)` pairs, in order: `key=value` lines, `;`/`#`
/// comments, optional quotes, and `${VAR}` expansion in keys and values (`${VAR?}` expands to
/// nothing when unset; plain `${VAR}` stays literal when unset, as in npm).
pub(crate) fn parse_npmrc(
    text: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty()
            || line.starts_with(';')
            || line.starts_with('#')
            || line.starts_with('[')
        {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = expand_env(unquote(key.trim()), env);
        let value = expand_env(unquote(value.trim()), env);
        if !key.is_empty() {
            out.push((key, value));
        }
    }
    out
}

fn unquote(s: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = s.strip_prefix(q).and_then(|s| s.strip_suffix(q)) {
            return inner;
        }
    }
    s
}

fn expand_env(s: &str, env: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let inner = &after[..end];
        let (name, optional) = inner
            .strip_suffix('?')
            .map_or((inner, false), |n| (n, true));
        match env(name) {
            Some(v) => out.push_str(&v),
            None if optional => {}
            None => out.push_str(&rest[start..start + 2 + end + 1]),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn parses_comments_quotes_and_env() {
        let env = env_of(&[("TOKEN", "s3cret"), ("HOST", "npm.example")]);
        let text = "; comment\n# also\n\nregistry = \"https://${HOST}/repo\"\n//${HOST}/repo/:_authToken=${TOKEN}\nmissing=${NOPE}\noptional=${NOPE?}x\n[section]\nnoequals\n";
        assert_eq!(
            parse_npmrc(text, &env),
            [
                ("registry".to_owned(), "https://npm.example/repo".to_owned()),
                (
                    "//npm.example/repo/:_authToken".to_owned(),
                    "s3cret".to_owned()
                ),
                ("missing".to_owned(), "${NOPE}".to_owned()),
                ("optional".to_owned(), "x".to_owned()),
            ]
        );
    }

    #[test]
    fn nerf_darts() {
        assert_eq!(
            nerf_dart("https://Registry.Example:443/a/b?x#y").as_deref(),
            Some("//registry.example/a/b")
        );
        assert_eq!(
            nerf_dart("http://user:pw@127.0.0.1:4873/x").as_deref(),
            Some("//127.0.0.1:4873/x")
        );
        assert_eq!(nerf_dart("http://h").as_deref(), Some("//h/"));
        assert_eq!(nerf_dart("file:///etc/passwd"), None);
        assert_eq!(normalize_dart("//127.0.0.1:4873"), "//127.0.0.1:4873/");
    }

    #[test]
    fn debug_never_shows_tokens() {
        let mut c = RegistryConfig::new("https://r.example/");
        c.auth_token = Some("s3cret".into());
        c.tokens.insert("//r.example/".into(), "s3cret".into());
        let shown = format!("{c:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("//r.example/"), "{shown}");
    }
}
