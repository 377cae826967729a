//! Scan targets: an existing path (directory or tarball) is scanned locally; anything else
//! must be a registry spec (`npm:name@version`, `name@version`, `name`), fetched, verified
//! against the registry's integrity and scanned from memory.

use anyhow::{Context as _, Result, anyhow, bail};
use ferret_core::{Ecosystem, PackageReport};
use ferret_registry::{NpmClient, RegistryConfig, RegistryError};
use ferret_source::Limits;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// What a TARGET argument names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Local(PathBuf),
    Registry {
        name: String,
        spec: Option<String>,
    },
    /// `pypi:name==version` (or `pypi:name` for the latest release).
    Pypi {
        name: String,
        version: Option<String>,
    },
}

impl Target {
    /// Existing paths win; strings that look like paths but do not exist are errors (never
    /// sent to the registry, where `./x` would be a confusing 404); the rest must parse as
    /// a package spec.
    pub fn classify(arg: &str) -> Result<Self> {
        let path = Path::new(arg);
        if path.exists() {
            return Ok(Target::Local(path.to_path_buf()));
        }
        if looks_like_path(arg) {
            bail!("no such file or directory: {arg}");
        }
        if arg.starts_with("pypi:") {
            let Some((name, version)) = ferret_registry::parse_pypi_spec(arg) else {
                bail!("`{arg}` is not a PyPI spec (`pypi:name==version` or `pypi:name`)");
            };
            return Ok(Target::Pypi { name, version });
        }
        match ferret_registry::parse_spec(arg) {
            Some((name, spec)) => Ok(Target::Registry { name, spec }),
            None => bail!(
                "`{arg}` is neither an existing path nor a package spec (`npm:name@version`, `name@version`, `name`)"
            ),
        }
    }
}

fn looks_like_path(arg: &str) -> bool {
    let lower = arg.to_ascii_lowercase();
    arg.starts_with('.')
        || arg.starts_with('/')
        || arg.starts_with('~')
        || arg.contains('\\')
        || (arg.contains('/') && !arg.starts_with('@') && !arg.starts_with("npm:"))
        || [".tgz", ".tar.gz", ".tar", ".whl", ".zip"]
            .iter()
            .any(|ext| lower.ends_with(ext))
}

/// Scans targets one by one; the registry client is created on the first registry target,
/// so local scans never read registry configuration.
pub struct Scanner<'a> {
    cli_registry: Option<&'a str>,
    project_dir: &'a Path,
    client: Option<NpmClient>,
    limits: Limits,
    pypi: crate::pypi::PypiOptions,
}

impl<'a> Scanner<'a> {
    pub fn new(cli_registry: Option<&'a str>, project_dir: &'a Path) -> Self {
        Self {
            cli_registry,
            project_dir,
            client: None,
            limits: Limits::default(),
            pypi: crate::pypi::PypiOptions::default(),
        }
    }

    /// Index and file choice for `pypi:` targets.
    #[must_use]
    pub fn with_pypi(mut self, pypi: crate::pypi::PypiOptions) -> Self {
        self.pypi = pypi;
        self
    }

    /// Like [`Self::scan`], but a `pypi:` target with `--pypi-file all` gives one report
    /// per distribution file.
    pub fn scan_all(&mut self, arg: &str) -> Result<Vec<PackageReport>> {
        match Target::classify(arg)? {
            Target::Pypi { name, version } => {
                crate::pypi::scan(&self.pypi, &name, version.as_deref(), &self.limits)
            }
            _ => self.scan(arg).map(|r| vec![r]),
        }
    }

    pub fn scan(&mut self, arg: &str) -> Result<PackageReport> {
        match Target::classify(arg)? {
            Target::Local(path) => {
                let tree = ferret_source::open_path(&path, &self.limits)?;
                // A wheel, an sdist or a Python project folder (no package.json).
                let ecosystem = if ferret_source::is_python_tree(&tree) {
                    Ecosystem::PyPI
                } else {
                    Ecosystem::Npm
                };
                // No registry documents for a local copy: the report lists the metadata
                // rules as not evaluated instead of passing them silently.
                let input = ferret_rules::ScanInput::unavailable(
                    "local directory or archive: no registry metadata",
                );
                Ok(ferret_rules::scan_with_metadata(&tree, ecosystem, &input))
            }
            Target::Pypi { name, version } => {
                crate::pypi::scan(&self.pypi, &name, version.as_deref(), &self.limits)?
                    .into_iter()
                    .next()
                    .ok_or_else(|| anyhow!("pypi:{name}: no distribution file was scanned"))
            }
            Target::Registry { name, spec } => self.scan_registry(&name, spec.as_deref()),
        }
    }

    fn scan_registry(&mut self, name: &str, spec: Option<&str>) -> Result<PackageReport> {
        let client = self.client()?;
        let what = || format!("cannot fetch {name}@{}", spec.unwrap_or("latest"));
        // One packument fetch serves both the tarball and the metadata rules.
        let packument = client.packument(name).with_context(what)?;
        let version =
            ferret_registry::resolve_version(&packument, name, spec).with_context(what)?;
        let facts = ferret_registry::npm_registry_facts(&packument, &version, SystemTime::now());
        let missing = |field| RegistryError::MissingField {
            name: name.to_owned(),
            version: version.clone(),
            field,
        };
        let dist = packument
            .get("versions")
            .and_then(|v| v.get(&version))
            .and_then(|d| d.get("dist"))
            .ok_or_else(|| missing("dist"))
            .with_context(what)?;
        let tarball_url = dist
            .get("tarball")
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| missing("dist.tarball"))
            .with_context(what)?
            .to_owned();
        let (tarball, _) = client
            .tarball(&tarball_url, None, name, &version)
            .with_context(what)?;
        // A mismatch with the registry's `dist.integrity`/`shasum` is a hard error.
        let integrity = ferret_registry::verify_integrity(&tarball, dist).with_context(what)?;
        let tree = ferret_source::open_tarball(&tarball, &tarball_url, &self.limits)?;
        let input = ferret_rules::ScanInput::with_registry(facts);
        let mut report = ferret_rules::scan_with_metadata(&tree, Ecosystem::Npm, &input);
        // What was asked for, fetched and verified is the registry's identity; a tarball whose
        // own package.json disagrees is for a rule to report, not for the header to hide.
        report.package.name = name.to_owned();
        report.package.version = version;
        report.package.integrity = Some(integrity);
        report.package.source = tarball_url;
        Ok(report)
    }

    fn client(&mut self) -> Result<&NpmClient> {
        if self.client.is_none() {
            let config = RegistryConfig::discover(self.cli_registry, self.project_dir)
                .map_err(|e| anyhow!(e))
                .context("cannot determine the registry")?;
            self.client = Some(NpmClient::new(config));
        }
        self.client
            .as_ref()
            .ok_or_else(|| anyhow!("registry client unavailable"))
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests unwrap on fixed inputs")]
mod tests {
    use super::*;

    #[test]
    fn path_like_targets_that_do_not_exist_are_errors() {
        for arg in [
            "./nope",
            "/nonexistent/x",
            "nope.tgz",
            "dir/sub",
            "x.TAR.GZ",
            "~/pkg",
        ] {
            let err = Target::classify(arg).unwrap_err().to_string();
            assert!(err.contains("no such file or directory"), "{arg}: {err}");
        }
    }

    #[test]
    fn existing_paths_are_local() {
        let dir = std::env::temp_dir();
        let arg = dir.to_str().unwrap();
        assert_eq!(Target::classify(arg).unwrap(), Target::Local(dir.clone()));
    }

    #[test]
    fn pypi_specs_are_pypi_targets() {
        assert_eq!(
            Target::classify("pypi:requests==2.32.3").unwrap(),
            Target::Pypi {
                name: "requests".into(),
                version: Some("2.32.3".into())
            }
        );
        assert!(Target::classify("pypi:bad name").is_err());
        assert!(looks_like_path("x-1.0-py3-none-any.whl"));
        assert!(looks_like_path("x-1.0.zip"));
    }

    #[test]
    fn specs_go_to_the_registry() {
        assert!(!looks_like_path("@scope/x@1"));
        assert!(!looks_like_path("npm:@scope/x@1"));
        assert!(!looks_like_path("express@4.21.2"));
        assert!(!looks_like_path("express"));
    }
}
