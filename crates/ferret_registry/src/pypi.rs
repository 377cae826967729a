//! PyPI client: index configuration the way pip finds it, the JSON API, the simple index
//! (PEP 691 JSON, PEP 503 HTML fallback), and distribution files verified by sha256.
//!
//! **Which file is analysed** ([`FileChoice`]): by default what pip would install on any
//! platform without building: a pure-Python wheel (`py3-none-any`, `py2.py3-none-any`) when
//! there is one, else the sdist (whose `setup.py`/build backend runs at install — exactly
//! the code to look at), else the first wheel. `Sdist`, `Wheel` and `All` ask explicitly.
//!
//! **Where it looks**: `--index-url`, else `PIP_INDEX_URL`, else `index-url` under `[global]`
//! (or `[install]`/`[download]`) of the pip configuration files — `PIP_CONFIG_FILE` when set,
//! otherwise site-wide (`/etc/xdg/pip/pip.conf`, `/etc/pip.conf`), user
//! (`~/.pip/pip.conf`, `$XDG_CONFIG_HOME/pip/pip.conf` or `~/.config/pip/pip.conf`) and the
//! active virtualenv's (`$VIRTUAL_ENV/pip.conf`), later files overriding earlier ones as in
//! pip — else <https://pypi.org/simple/>. The JSON API (`/pypi/<name>/json`) is tried at the
//! index's host (its path without `/simple`); an index without one (pypiserver, devpi
//! mirrors) is read through its simple API alone.
//!
//! Every file is checked against the index's sha256 before anyone sees it: a mismatch, or a
//! file the index gives no sha256 for, is a hard error. Yanked files are kept, with the
//! reason, because a scan of a yanked release must say so.

use crate::RegistryError;
use serde_json::Value;
use sha2::Digest as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The public index.
pub const DEFAULT_INDEX_URL: &str = "https://pypi.org/simple/";

/// Largest index document read (the JSON API document of a project with thousands of
/// releases — `boto3` — is ~30 MB).
pub(crate) const MAX_INDEX_DOC: u64 = 64 * 1024 * 1024;
/// Largest distribution file downloaded (the biggest wheels on PyPI, CUDA builds of torch,
/// are ~2.5 GB; those are platform wheels that the default choice never fetches).
const MAX_FILE: u64 = 512 * 1024 * 1024;

/// Where to find packages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PypiConfig {
    /// The simple index, ending in `/`.
    pub index_url: String,
    /// Where it came from (`--index-url`, `PIP_INDEX_URL`, a config file path, `default`).
    pub origin: String,
}

impl PypiConfig {
    pub fn new(index_url: &str) -> Self {
        Self {
            index_url: with_slash(index_url),
            origin: "default".to_owned(),
        }
    }

    /// Discovers the index as pip does (see the module docs), reading the process
    /// environment and configuration files.
    pub fn discover(cli_index_url: Option<&str>) -> Result<Self, RegistryError> {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        Self::discover_with(cli_index_url, &env)
    }

    /// [`Self::discover`] with the environment passed in.
    pub fn discover_with(
        cli_index_url: Option<&str>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, RegistryError> {
        if let Some(url) = cli_index_url {
            return Self::checked(url, "--index-url");
        }
        if let Some(url) = env("PIP_INDEX_URL") {
            return Self::checked(&url, "PIP_INDEX_URL");
        }
        let mut found: Option<Self> = None;
        for path in config_files(env) {
            let text = match std::fs::read_to_string(&path) {
                Ok(text) => text,
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                    ) =>
                {
                    continue;
                }
                Err(source) => return Err(RegistryError::Io { path, source }),
            };
            if let Some(url) = pip_conf_index_url(&text) {
                found = Some(Self::checked(&url, &path.display().to_string())?);
            }
        }
        Ok(found.unwrap_or_else(|| Self::new(DEFAULT_INDEX_URL)))
    }

    fn checked(url: &str, origin: &str) -> Result<Self, RegistryError> {
        let url = url.trim();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(RegistryError::InvalidRegistry {
                origin: origin.to_owned(),
                key: "index-url".to_owned(),
                value: url.to_owned(),
            });
        }
        Ok(Self {
            index_url: with_slash(url),
            origin: origin.to_owned(),
        })
    }

    /// The JSON API base for this index: `https://pypi.org/simple/` → `https://pypi.org/pypi/`.
    pub fn json_api_base(&self) -> String {
        let trimmed = self.index_url.trim_end_matches('/');
        let root = trimmed.strip_suffix("/simple").unwrap_or(trimmed);
        format!("{root}/pypi/")
    }
}

fn with_slash(url: &str) -> String {
    let url = url.trim();
    if url.ends_with('/') {
        url.to_owned()
    } else {
        format!("{url}/")
    }
}

/// pip's configuration files, lowest precedence first.
fn config_files(env: &dyn Fn(&str) -> Option<String>) -> Vec<PathBuf> {
    if let Some(file) = env("PIP_CONFIG_FILE") {
        // pip: `os.devnull` disables configuration files altogether.
        if file == "/dev/null" {
            return Vec::new();
        }
        return vec![PathBuf::from(file)];
    }
    let mut files = vec![
        PathBuf::from("/etc/xdg/pip/pip.conf"),
        PathBuf::from("/etc/pip.conf"),
    ];
    if let Some(home) = env("HOME") {
        files.push(Path::new(&home).join(".pip/pip.conf"));
        let xdg =
            env("XDG_CONFIG_HOME").map_or_else(|| Path::new(&home).join(".config"), PathBuf::from);
        files.push(xdg.join("pip/pip.conf"));
    }
    if let Some(venv) = env("VIRTUAL_ENV") {
        files.push(Path::new(&venv).join("pip.conf"));
    }
    files
}

/// `index-url` from a pip.conf (INI): `[global]`, overridden by `[install]`/`[download]`,
/// which are the commands that fetch. Keys accept `_` for `-`, as pip does.
pub fn pip_conf_index_url(text: &str) -> Option<String> {
    let mut section = String::new();
    let mut global = None;
    let mut command = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with(['#', ';']) {
            continue;
        }
        if let Some(s) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = s.trim().to_ascii_lowercase();
            continue;
        }
        let Some((k, v)) = line
            .split_once(['=', ':'])
            .filter(|(k, _)| !k.contains("//"))
        else {
            continue;
        };
        if !k.trim().replace('_', "-").eq_ignore_ascii_case("index-url") {
            continue;
        }
        let v = v.trim().to_owned();
        match section.as_str() {
            "global" => global = Some(v),
            "install" | "download" => command = Some(v),
            _ => {}
        }
    }
    command.or(global)
}

/// PEP 503 normalisation: lowercase, runs of `-`, `_`, `.` become one `-`.
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// Whether a name is a valid project name (PEP 508: ASCII letters, digits, `-_.`, starting
/// and ending with a letter or digit).
pub fn valid_pypi_name(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= 200
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
}

/// Parses `pypi:name`, `pypi:name==1.0` (also `pypi:name@1.0`) into (name, version).
pub fn parse_pypi_spec(input: &str) -> Option<(String, Option<String>)> {
    let rest = input.strip_prefix("pypi:")?;
    let (name, version) = if let Some((n, v)) = rest.split_once("==") {
        (n, Some(v))
    } else if let Some((n, v)) = rest.split_once('@') {
        (n, Some(v))
    } else {
        (rest, None)
    };
    let name = name.trim();
    if !valid_pypi_name(name) {
        return None;
    }
    let version = version.map(str::trim).filter(|v| !v.is_empty());
    if version.is_some_and(|v| {
        v.chars()
            .any(|c| c.is_whitespace() || "<>=!~,;".contains(c))
    }) {
        return None;
    }
    Some((name.to_owned(), version.map(str::to_owned)))
}

/// Which distribution files of a release to analyse (see the module docs).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FileChoice {
    #[default]
    Default,
    Sdist,
    Wheel,
    All,
}

impl std::str::FromStr for FileChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "default" => Ok(Self::Default),
            "sdist" => Ok(Self::Sdist),
            "wheel" => Ok(Self::Wheel),
            "all" => Ok(Self::All),
            other => Err(format!(
                "`{other}` is not one of default, sdist, wheel, all"
            )),
        }
    }
}

/// A distribution file as the index lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PypiFile {
    pub filename: String,
    pub url: String,
    /// Lowercase hex; `None` when the index gave none (such a file is never downloaded).
    pub sha256: Option<String>,
    pub version: String,
    pub wheel: bool,
    /// `Some(reason)` (possibly empty) when the file is yanked (PEP 592).
    pub yanked: Option<String>,
}

impl PypiFile {
    /// A wheel any Python 3 installs without compiling (`py3-none-any`, `py2.py3-none-any`).
    pub fn is_pure_wheel(&self) -> bool {
        let Some(stem) = self.filename.strip_suffix(".whl") else {
            return false;
        };
        let tags: Vec<&str> = stem.rsplitn(4, '-').take(3).collect();
        matches!(tags.as_slice(), [plat, abi, py] if *plat == "any" && *abi == "none" && py.split('.').any(|p| p == "py3"))
    }
}

/// A downloaded, verified distribution file.
#[derive(Debug, Clone)]
pub struct FetchedDist {
    pub file: PypiFile,
    pub bytes: Vec<u8>,
}

/// A release fetched from an index.
#[derive(Debug, Clone)]
pub struct FetchedRelease {
    /// The normalised project name.
    pub name: String,
    pub version: String,
    /// The files chosen, each verified against its sha256.
    pub dists: Vec<FetchedDist>,
    /// Every file of the release the index lists (for the report: what was not analysed).
    pub listed: Vec<PypiFile>,
    /// The JSON API document of the release, when the index has a JSON API.
    pub json: Option<Value>,
}

/// A blocking PyPI (or PEP 503/691 index) client.
#[derive(Debug)]
pub struct PypiClient {
    config: PypiConfig,
    agent: ureq::Agent,
}

impl PypiClient {
    /// Connect timeout 10 s, 120 s per request, redirects followed (no credentials are sent
    /// anywhere, so a redirect cannot leak one).
    pub fn new(config: PypiConfig) -> Self {
        let agent = crate::dns::agent_with_dns_cache(
            ureq::Agent::config_builder()
                .timeout_connect(Some(Duration::from_secs(10)))
                .timeout_global(Some(Duration::from_secs(120)))
                .http_status_as_error(false)
                .max_redirects(5)
                .user_agent(concat!("ferret/", env!("CARGO_PKG_VERSION")))
                .tls_config(
                    ureq::tls::TlsConfig::builder()
                        .root_certs(ureq::tls::RootCerts::PlatformVerifier)
                        .build(),
                )
                .build(),
        );
        Self { config, agent }
    }

    pub fn config(&self) -> &PypiConfig {
        &self.config
    }

    /// Fetches `name` at `version` (the latest non-yanked final release when `None`),
    /// downloads the files `choice` selects and verifies each against the index's sha256.
    pub fn fetch(
        &self,
        name: &str,
        version: Option<&str>,
        choice: FileChoice,
    ) -> Result<FetchedRelease, RegistryError> {
        if !valid_pypi_name(name) {
            return Err(RegistryError::InvalidName {
                name: name.to_owned(),
            });
        }
        let name = normalize_name(name);
        let (version, listed, json) = self.release_files(&name, version)?;
        let chosen = choose_files(&listed, choice);
        if chosen.is_empty() {
            return Err(RegistryError::VersionNotFound {
                name: name.clone(),
                spec: format!("{version} ({choice:?} distribution file)"),
            });
        }
        let mut dists = Vec::new();
        for file in chosen {
            let bytes = self.download(&file)?;
            dists.push(FetchedDist { file, bytes });
        }
        Ok(FetchedRelease {
            name,
            version,
            dists,
            listed,
            json,
        })
    }

    /// The release's files: from the JSON API when the index has one, else the simple index.
    fn release_files(
        &self,
        name: &str,
        version: Option<&str>,
    ) -> Result<(String, Vec<PypiFile>, Option<Value>), RegistryError> {
        let base = self.config.json_api_base();
        let url = match version {
            Some(v) => format!("{base}{name}/{v}/json"),
            None => format!("{base}{name}/json"),
        };
        match self.get(&url, "application/json", MAX_INDEX_DOC) {
            Ok(body) => {
                if let Ok(doc) = serde_json::from_slice::<Value>(&body)
                    && let Some(found) = json_api_files(&doc)
                {
                    return Ok((found.0, found.1, Some(doc)));
                }
            }
            Err(e @ RegistryError::Offline { .. }) => return Err(e),
            Err(_) => {}
        }
        let files = self.simple_files(name)?;
        let version = match version {
            Some(v) => v.to_owned(),
            None => latest_version(&files).ok_or_else(|| RegistryError::VersionNotFound {
                name: name.to_owned(),
                spec: "latest".to_owned(),
            })?,
        };
        let want = Version::parse(&version);
        let files: Vec<PypiFile> = files
            .into_iter()
            .filter(|f| {
                f.version == version || (want.is_some() && Version::parse(&f.version) == want)
            })
            .collect();
        if files.is_empty() {
            return Err(RegistryError::VersionNotFound {
                name: name.to_owned(),
                spec: version,
            });
        }
        Ok((version, files, None))
    }

    /// Every file the simple index lists for `name` (normalised), PEP 691 JSON preferred.
    pub fn simple_files(&self, name: &str) -> Result<Vec<PypiFile>, RegistryError> {
        let url = format!("{}{}/", self.config.index_url, normalize_name(name));
        let (body, content_type) = self.get_typed(
            &url,
            "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1",
            MAX_INDEX_DOC,
        )?;
        let name = normalize_name(name);
        if content_type.contains("json") {
            let doc: Value =
                serde_json::from_slice(&body).map_err(|e| RegistryError::InvalidJson {
                    url: url.clone(),
                    message: e.to_string(),
                })?;
            Ok(simple_json_files(&doc, &url, &name))
        } else {
            Ok(simple_html_files(
                &String::from_utf8_lossy(&body),
                &url,
                &name,
            ))
        }
    }

    /// Downloads one file and checks its sha256.
    pub fn download(&self, file: &PypiFile) -> Result<Vec<u8>, RegistryError> {
        let Some(expected) = file.sha256.as_deref() else {
            return Err(RegistryError::NoPypiHash {
                file: file.filename.clone(),
            });
        };
        let bytes = self.get(&file.url, "application/octet-stream, */*", MAX_FILE)?;
        let actual = hex::encode(sha2::Sha256::digest(&bytes));
        if !actual.eq_ignore_ascii_case(expected) {
            return Err(RegistryError::IntegrityMismatch {
                expected: format!("sha256:{expected} ({})", file.filename),
                actual: format!("sha256:{actual}"),
            });
        }
        Ok(bytes)
    }

    pub(crate) fn get(
        &self,
        url: &str,
        accept: &str,
        limit: u64,
    ) -> Result<Vec<u8>, RegistryError> {
        self.get_typed(url, accept, limit).map(|(b, _)| b)
    }

    fn get_typed(
        &self,
        url: &str,
        accept: &str,
        limit: u64,
    ) -> Result<(Vec<u8>, String), RegistryError> {
        let shown = crate::client::redact(url);
        let mut last = None;
        // Two attempts: one retry on connection trouble or 5xx/429.
        for attempt in 0..2 {
            if attempt > 0 {
                std::thread::sleep(Duration::from_millis(500));
            }
            let response = self.agent.get(url).header("accept", accept).call();
            let mut response = match response {
                Ok(r) => r,
                Err(ureq::Error::HostNotFound | ureq::Error::ConnectionFailed) => {
                    return Err(RegistryError::Offline {
                        url: shown,
                        message: "connection failed".to_owned(),
                    });
                }
                Err(ureq::Error::Io(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                    return Err(RegistryError::Offline {
                        url: shown,
                        message: e.to_string(),
                    });
                }
                Err(e) => {
                    last = Some(RegistryError::Network {
                        url: shown.clone(),
                        message: e.to_string(),
                    });
                    continue;
                }
            };
            let status = response.status().as_u16();
            match status {
                200..=299 => {
                    let content_type = response
                        .headers()
                        .get("content-type")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_ascii_lowercase();
                    let body = response
                        .body_mut()
                        .with_config()
                        .limit(limit)
                        .read_to_vec()
                        .map_err(|e| match e {
                            ureq::Error::BodyExceedsLimit(_) => RegistryError::TooLarge {
                                url: shown.clone(),
                                what: "index document or file",
                                limit,
                                limit_name: "pypi download limit",
                            },
                            other => RegistryError::Network {
                                url: shown.clone(),
                                message: other.to_string(),
                            },
                        })?;
                    return Ok((body, content_type));
                }
                404 => return Err(RegistryError::NotFound { url: shown }),
                429 | 500..=599 => {
                    last = Some(RegistryError::Http {
                        url: shown.clone(),
                        status,
                    });
                }
                _ => return Err(RegistryError::Http { url: shown, status }),
            }
        }
        Err(last.unwrap_or(RegistryError::Network {
            url: shown,
            message: "no answer".to_owned(),
        }))
    }
}

/// (version, files) of a JSON API document (`/pypi/<name>[/<version>]/json`).
fn json_api_files(doc: &Value) -> Option<(String, Vec<PypiFile>)> {
    let version = doc.pointer("/info/version")?.as_str()?.to_owned();
    let urls = doc.get("urls")?.as_array()?;
    let files = urls
        .iter()
        .filter_map(|u| {
            let filename = u.get("filename")?.as_str()?.to_owned();
            let url = u.get("url")?.as_str()?.to_owned();
            let sha256 = u
                .pointer("/digests/sha256")
                .and_then(Value::as_str)
                .map(str::to_ascii_lowercase);
            let yanked = (u.get("yanked").and_then(Value::as_bool) == Some(true)).then(|| {
                u.get("yanked_reason")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned()
            });
            let wheel = filename.ends_with(".whl");
            Some(PypiFile {
                filename,
                url,
                sha256,
                version: version.clone(),
                wheel,
                yanked,
            })
        })
        .collect();
    Some((version, files))
}

/// Files of a PEP 691 JSON project page.
fn simple_json_files(doc: &Value, page_url: &str, name: &str) -> Vec<PypiFile> {
    let Some(files) = doc.get("files").and_then(Value::as_array) else {
        return Vec::new();
    };
    files
        .iter()
        .filter_map(|f| {
            let filename = f.get("filename")?.as_str()?.to_owned();
            let url = join_url(page_url, f.get("url")?.as_str()?);
            let sha256 = f
                .pointer("/hashes/sha256")
                .and_then(Value::as_str)
                .map(str::to_ascii_lowercase);
            let yanked = match f.get("yanked") {
                Some(Value::Bool(true)) => Some(String::new()),
                Some(Value::String(reason)) => Some(reason.clone()),
                _ => None,
            };
            file_entry(filename, url, sha256, yanked, name)
        })
        .collect()
}

/// Files of a PEP 503 HTML project page: `<a href="url#sha256=…" data-yanked="…">file</a>`.
fn simple_html_files(html: &str, page_url: &str, name: &str) -> Vec<PypiFile> {
    crate::simple_html::links(html, page_url)
        .into_iter()
        .filter_map(|link| {
            let sha256 = link
                .fragment
                .strip_prefix("sha256=")
                .map(str::to_ascii_lowercase);
            let yanked = crate::simple_html::yanked(link.attrs);
            file_entry(link.filename, link.url, sha256, yanked, name)
        })
        .collect()
}

fn file_entry(
    filename: String,
    url: String,
    sha256: Option<String>,
    yanked: Option<String>,
    name: &str,
) -> Option<PypiFile> {
    let wheel = filename.ends_with(".whl");
    let version = if wheel {
        let mut parts = filename.split('-');
        let project = parts.next()?;
        if normalize_name(project) != name {
            return None;
        }
        parts.next()?.to_owned()
    } else {
        let lower = filename.to_ascii_lowercase();
        let stem = [".tar.gz", ".zip", ".tar.bz2", ".tgz"]
            .iter()
            .find_map(|ext| lower.strip_suffix(ext).map(|s| &filename[..s.len()]))?;
        let (project, version) = stem.rsplit_once('-')?;
        if normalize_name(project) != name {
            return None;
        }
        version.to_owned()
    };
    Some(PypiFile {
        filename,
        url,
        sha256,
        version,
        wheel,
        yanked,
    })
}

pub use crate::simple_html::join_url;

/// The files `choice` selects, in the index's order.
pub fn choose_files(files: &[PypiFile], choice: FileChoice) -> Vec<PypiFile> {
    let sdist = || files.iter().find(|f| !f.wheel).cloned();
    match choice {
        FileChoice::All => files.to_vec(),
        FileChoice::Sdist => sdist().into_iter().collect(),
        FileChoice::Wheel => files
            .iter()
            .find(|f| f.is_pure_wheel())
            .or_else(|| files.iter().find(|f| f.wheel))
            .cloned()
            .into_iter()
            .collect(),
        FileChoice::Default => files
            .iter()
            .find(|f| f.is_pure_wheel())
            .cloned()
            .or_else(sdist)
            .or_else(|| files.iter().find(|f| f.wheel).cloned())
            .into_iter()
            .collect(),
    }
}

/// The highest final (not pre-release, not dev), non-yanked version among the files; pip's
/// choice for an unconstrained requirement.
pub fn latest_version(files: &[PypiFile]) -> Option<String> {
    files
        .iter()
        .filter(|f| f.yanked.is_none())
        .filter_map(|f| Version::parse(&f.version).map(|v| (v, &f.version)))
        .filter(|(v, _)| v.pre.is_none() && v.dev.is_none())
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, s)| s.clone())
}

/// A PEP 440 version, enough to order releases: epoch, release, pre, post, dev (local
/// versions are compared by their public part).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    epoch: u64,
    release: Vec<u64>,
    pre: Option<(u8, u64)>,
    post: Option<u64>,
    dev: Option<u64>,
}

impl Version {
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim().to_ascii_lowercase();
        let s = s.strip_prefix('v').unwrap_or(&s);
        let s = s.split('+').next().unwrap_or(s);
        let (epoch, s) = match s.split_once('!') {
            Some((e, rest)) => (e.parse().ok()?, rest),
            None => (0, s),
        };
        let b = s.as_bytes();
        let mut i = 0;
        let mut release = Vec::new();
        loop {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if start == i {
                return None;
            }
            release.push(s[start..i].parse().ok()?);
            if i + 1 < b.len() && b[i] == b'.' && b[i + 1].is_ascii_digit() {
                i += 1;
            } else {
                break;
            }
        }
        let mut v = Version {
            epoch,
            release,
            pre: None,
            post: None,
            dev: None,
        };
        let mut rest = &s[i..];
        let number = |r: &str| -> (u64, usize) {
            let r2 = r.trim_start_matches(['.', '-', '_']);
            let skipped = r.len() - r2.len();
            let n = r2.bytes().take_while(u8::is_ascii_digit).count();
            (r2[..n].parse().unwrap_or(0), skipped + n)
        };
        while !rest.is_empty() {
            let trimmed = rest.trim_start_matches(['.', '-', '_']);
            let sep = rest.len() - trimmed.len();
            let tags: [(&str, u8); 9] = [
                ("alpha", 0),
                ("beta", 1),
                ("preview", 2),
                ("pre", 2),
                ("rc", 2),
                ("c", 2),
                ("a", 0),
                ("b", 1),
                ("post", 9),
            ];
            if let Some((tag, kind)) = tags.iter().find(|(t, _)| trimmed.starts_with(t)) {
                let (n, used) = number(&trimmed[tag.len()..]);
                if *kind == 9 {
                    v.post = Some(n);
                } else {
                    v.pre = Some((*kind, n));
                }
                rest = &trimmed[tag.len() + used..];
            } else if let Some(r) = trimmed.strip_prefix("dev") {
                let (n, used) = number(r);
                v.dev = Some(n);
                rest = &r[used..];
            } else if sep > 0
                && trimmed.starts_with(|c: char| c.is_ascii_digit())
                && rest.starts_with('-')
            {
                let (n, used) = number(trimmed);
                v.post = Some(n);
                rest = &trimmed[used..];
            } else {
                return None;
            }
        }
        while v.release.len() > 1 && v.release.last() == Some(&0) {
            v.release.pop();
        }
        Some(v)
    }

    #[expect(clippy::type_complexity, reason = "a sort key, read once below")]
    fn key(&self) -> (u64, &[u64], (u8, u8, u64), (u8, u64), (u8, u64)) {
        let pre = match (self.pre, self.post, self.dev) {
            (Some((k, n)), _, _) => (1, k, n),
            (None, None, Some(_)) => (0, 0, 0),
            _ => (3, 0, 0),
        };
        let post = self.post.map_or((0, 0), |n| (1, n));
        let dev = self.dev.map_or((1, 0), |n| (0, n));
        (self.epoch, &self.release, pre, post, dev)
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests unwrap on fixed inputs")]
mod tests {
    use super::*;

    fn file(name: &str, version: &str, yanked: bool) -> PypiFile {
        PypiFile {
            filename: name.to_owned(),
            url: format!("https://files.example/{name}"),
            sha256: Some("00".to_owned()),
            version: version.to_owned(),
            wheel: name.ends_with(".whl"),
            yanked: yanked.then(String::new),
        }
    }

    #[test]
    fn names_normalise_per_pep_503() {
        assert_eq!(normalize_name("Friendly-Bard"), "friendly-bard");
        assert_eq!(normalize_name("FRIENDLY._-bard"), "friendly-bard");
        assert_eq!(normalize_name("zope.interface"), "zope-interface");
        assert!(valid_pypi_name("zope.interface"));
        assert!(!valid_pypi_name("-x"));
        assert!(!valid_pypi_name("a/b"));
    }

    #[test]
    fn specs() {
        assert_eq!(
            parse_pypi_spec("pypi:requests==2.32.3"),
            Some(("requests".into(), Some("2.32.3".into())))
        );
        assert_eq!(
            parse_pypi_spec("pypi:Requests@2.0"),
            Some(("Requests".into(), Some("2.0".into())))
        );
        assert_eq!(parse_pypi_spec("pypi:flask"), Some(("flask".into(), None)));
        assert_eq!(parse_pypi_spec("pypi:flask>=2"), None);
        assert_eq!(parse_pypi_spec("pypi:../x"), None);
        assert_eq!(parse_pypi_spec("npm:x"), None);
    }

    #[test]
    fn versions_order_like_pep_440() {
        let ordered = [
            "1.0.dev1",
            "1.0a1",
            "1.0a2.dev1",
            "1.0b1",
            "1.0rc1",
            "1.0",
            "1.0.post1",
            "1.0.1",
            "1.1",
            "2!0.1",
        ];
        for w in ordered.windows(2) {
            assert!(
                Version::parse(w[0]).unwrap() < Version::parse(w[1]).unwrap(),
                "{} < {}",
                w[0],
                w[1]
            );
        }
        assert_eq!(Version::parse("1.0.0"), Version::parse("1"));
        assert_eq!(Version::parse("1.0-1"), Version::parse("1.0.post1"));
        assert_eq!(Version::parse("not a version"), None);
    }

    #[test]
    fn latest_skips_prereleases_and_yanked() {
        let files = [
            file("a-1.0.tar.gz", "1.0", false),
            file("a-1.10.tar.gz", "1.10", false),
            file("a-1.9.tar.gz", "1.9", false),
            file("a-2.0.tar.gz", "2.0", true),
            file("a-2.1rc1.tar.gz", "2.1rc1", false),
        ];
        assert_eq!(latest_version(&files).as_deref(), Some("1.10"));
    }

    #[test]
    fn default_choice_is_the_pure_wheel_else_the_sdist() {
        let pure = file("a-1.0-py3-none-any.whl", "1.0", false);
        let both = file("a-1.0-py2.py3-none-any.whl", "1.0", false);
        let plat = file("a-1.0-cp312-cp312-manylinux_2_17_x86_64.whl", "1.0", false);
        let sdist = file("a-1.0.tar.gz", "1.0", false);
        assert!(pure.is_pure_wheel() && both.is_pure_wheel() && !plat.is_pure_wheel());
        let pick = |fs: &[PypiFile], c| {
            choose_files(fs, c)
                .into_iter()
                .map(|f| f.filename)
                .collect::<Vec<_>>()
        };
        let all = [plat.clone(), sdist.clone(), pure.clone()];
        assert_eq!(pick(&all, FileChoice::Default), vec![pure.filename.clone()]);
        assert_eq!(
            pick(&[plat.clone(), sdist.clone()], FileChoice::Default),
            vec![sdist.filename.clone()]
        );
        assert_eq!(
            pick(std::slice::from_ref(&plat), FileChoice::Default),
            vec![plat.filename.clone()]
        );
        assert_eq!(pick(&all, FileChoice::Sdist), vec![sdist.filename.clone()]);
        assert_eq!(pick(&all, FileChoice::All).len(), 3);
        assert!(pick(&[sdist], FileChoice::Wheel).is_empty());
    }

    #[test]
    fn pip_conf_sections_and_precedence() {
        let text = "[global]\nindex-url = https://mirror.example/simple\ntimeout=5\n[install]\nindex_url: https://inst.example/simple\n";
        assert_eq!(
            pip_conf_index_url(text).as_deref(),
            Some("https://inst.example/simple")
        );
        assert_eq!(
            pip_conf_index_url("[global]\nindex-url=https://g.example/\n").as_deref(),
            Some("https://g.example/")
        );
        assert_eq!(pip_conf_index_url("[freeze]\nindex-url=x\n"), None);
    }

    #[test]
    fn discovery_order() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        std::fs::create_dir_all(home.join(".config/pip")).unwrap();
        std::fs::write(
            home.join(".config/pip/pip.conf"),
            "[global]\nindex-url = https://user.example/simple\n",
        )
        .unwrap();
        let venv = dir.path().join("venv");
        std::fs::create_dir_all(&venv).unwrap();
        let h = home.to_str().unwrap().to_owned();
        let env_user = |k: &str| (k == "HOME").then(|| h.clone());
        let c = PypiConfig::discover_with(None, &env_user).unwrap();
        assert_eq!(c.index_url, "https://user.example/simple/");
        assert!(c.origin.ends_with("pip.conf"));
        std::fs::write(
            venv.join("pip.conf"),
            "[global]\nindex-url=http://site.example/s\n",
        )
        .unwrap();
        let v = venv.to_str().unwrap().to_owned();
        let env_site = |k: &str| match k {
            "HOME" => Some(h.clone()),
            "VIRTUAL_ENV" => Some(v.clone()),
            _ => None,
        };
        let c = PypiConfig::discover_with(None, &env_site).unwrap();
        assert_eq!(c.index_url, "http://site.example/s/");
        let env_var =
            |k: &str| (k == "PIP_INDEX_URL").then(|| "https://env.example/simple".to_owned());
        let c = PypiConfig::discover_with(None, &env_var).unwrap();
        assert_eq!(c.origin, "PIP_INDEX_URL");
        let c = PypiConfig::discover_with(Some("http://cli.example/simple"), &env_var).unwrap();
        assert_eq!(c.index_url, "http://cli.example/simple/");
        assert_eq!(c.json_api_base(), "http://cli.example/pypi/");
        assert!(PypiConfig::discover_with(Some("ftp://x"), &env_var).is_err());
        let none = |k: &str| (k == "PIP_CONFIG_FILE").then(|| "/dev/null".to_owned());
        assert_eq!(
            PypiConfig::discover_with(None, &none).unwrap().index_url,
            DEFAULT_INDEX_URL
        );
    }

    #[test]
    fn simple_html_pages_parse() {
        let html = r#"<!DOCTYPE html><html><body><h1>Links for demo</h1>
<a href="../../packages/demo-1.0.tar.gz#sha256=ABCDEF">demo-1.0.tar.gz</a><br>
<a href="/packages/demo-1.0-py3-none-any.whl#sha256=0123" data-requires-python="&gt;=3.8">demo-1.0-py3-none-any.whl</a>
<A HREF="https://files.example/demo-0.9.zip" data-yanked="broken build">demo-0.9.zip</A>
<a href="other-1.0.tar.gz#sha256=99">other-1.0.tar.gz</a>
</body></html>"#;
        let files = simple_html_files(html, "http://127.0.0.1:8080/simple/demo/", "demo");
        assert_eq!(files.len(), 3);
        assert_eq!(
            files[0].url,
            "http://127.0.0.1:8080/packages/demo-1.0.tar.gz"
        );
        assert_eq!(files[0].sha256.as_deref(), Some("abcdef"));
        assert_eq!(files[0].version, "1.0");
        assert_eq!(
            files[1].url,
            "http://127.0.0.1:8080/packages/demo-1.0-py3-none-any.whl"
        );
        assert!(files[1].wheel && files[1].yanked.is_none());
        assert_eq!(files[2].yanked.as_deref(), Some("broken build"));
        assert_eq!(files[2].sha256, None);
    }

    #[test]
    fn simple_json_and_json_api_documents_parse() {
        let doc = serde_json::json!({"meta": {"api-version": "1.0"}, "name": "demo", "files": [
            {"filename": "demo-1.0.tar.gz", "url": "../../packages/demo-1.0.tar.gz", "hashes": {"sha256": "AB"}, "yanked": "bad"},
            {"filename": "demo-1.0-py3-none-any.whl", "url": "https://f.example/w.whl", "hashes": {}}
        ]});
        let files = simple_json_files(&doc, "https://idx.example/simple/demo/", "demo");
        assert_eq!(files.len(), 2);
        assert_eq!(files[0].url, "https://idx.example/packages/demo-1.0.tar.gz");
        assert_eq!(files[0].yanked.as_deref(), Some("bad"));
        assert_eq!(files[1].sha256, None);
        let api = serde_json::json!({"info": {"name": "Demo", "version": "1.0"}, "urls": [
            {"filename": "demo-1.0.tar.gz", "url": "https://f.example/d.tgz", "digests": {"sha256": "CD"}, "yanked": true, "yanked_reason": "oops"}
        ]});
        let (v, files) = json_api_files(&api).unwrap();
        assert_eq!(v, "1.0");
        assert_eq!(files[0].sha256.as_deref(), Some("cd"));
        assert_eq!(files[0].yanked.as_deref(), Some("oops"));
        assert_eq!(json_api_files(&serde_json::json!([1])), None);
    }

    #[test]
    fn urls_join() {
        assert_eq!(
            join_url("http://h:1/simple/x/", "../../p/f.whl"),
            "http://h:1/p/f.whl"
        );
        assert_eq!(join_url("http://h/simple/x/", "/p/f"), "http://h/p/f");
        assert_eq!(
            join_url("https://h/simple/x/", "//cdn.example/f"),
            "https://cdn.example/f"
        );
        assert_eq!(
            join_url("http://h/simple/x/", "f.tgz"),
            "http://h/simple/x/f.tgz"
        );
    }
}
