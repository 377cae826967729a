//! PyPI JSON API → [`RegistryFacts`]: the same rule input npm packuments give, so the
//! metadata rules (recently-published, deprecated/yanked, unmaintained, version-anomaly,
//! unpublished, missing-tarball, unpopular) fire for `ferret scan pypi:…` too.
//!
//! The source is the project document `/pypi/<name>/json`: `releases` lists every version
//! with its files, each with `upload_time_iso_8601`, `yanked` and `yanked_reason`;
//! `ownership.roles` names the PyPI accounts that own the project; `info` describes the
//! latest release. A version document (`/pypi/<name>/<version>/json`) may be given too: its
//! `info` describes the scanned version (license, yank) and wins over the project's.
//!
//! What the API does **not** reveal: which account uploaded a file. So
//! [`VersionInfo::publisher`] stays `None` and `new-publisher` cannot be evaluated for PyPI
//! ([`PYPI_UNKNOWN_PUBLISHER`] says why, for the report's `not_evaluated`). Also absent:
//! install-time hooks in the metadata (a sdist's `setup.py` runs at build time whatever the
//! index says; the Python rules read it from the file itself), and download counts (the
//! API's `downloads` are `-1`, disabled).
//!
//! Like the npm conversion this never fails: a missing or mistyped field is absent from the
//! facts. Versions and files per version are bounded.

use crate::RegistryError;
use crate::facts::parse_time;
use crate::pypi::{MAX_INDEX_DOC, PypiClient, normalize_name};
use ferret_core::{DistInfo, Person, RegistryFacts, UnixTime, VersionDoc, VersionInfo};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

/// Why `new-publisher` is not evaluated for PyPI packages.
pub const PYPI_UNKNOWN_PUBLISHER: &str =
    "the PyPI JSON API does not name the account that uploaded a file";

/// Most versions one project document may contribute (the largest real projects list a few
/// thousand releases).
const MAX_VERSIONS: usize = 50_000;
/// Most files read per release (real releases: up to a few hundred platform wheels).
const MAX_FILES: usize = 2_000;

/// Builds the registry facts of `version` of a PyPI project.
///
/// `project` is `/pypi/<name>/json`; `release` optionally `/pypi/<name>/<version>/json`;
/// `filename` the distribution file being scanned: its own upload time is the version's
/// publish time (a file added to an old release later is as fresh as a new release: PyPI
/// accepts new files for an existing version), its yank state the version's. Without it,
/// the version's earliest upload counts and the version is yanked when all its files are.
pub fn pypi_registry_facts(
    project: &Value,
    release: Option<&Value>,
    version: &str,
    filename: Option<&str>,
    now: SystemTime,
) -> RegistryFacts {
    let fetched_at = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let info = release
        .and_then(|r| r.get("info"))
        .or_else(|| project.get("info"));
    let raw_name = str_at(project, "/info/name")
        .or_else(|| info.and_then(|i| str_field(i, "name")))
        .unwrap_or_default();
    let name = normalize_name(&raw_name);

    // Release → files. The version document's `urls` are the scanned version's files when the
    // project document lacks them (a trimmed mirror).
    let mut releases: BTreeMap<String, Vec<FileFacts>> = project
        .get("releases")
        .and_then(Value::as_object)
        .map(|o| {
            o.iter()
                .take(MAX_VERSIONS)
                .map(|(v, files)| (v.clone(), files_of(files)))
                .collect()
        })
        .unwrap_or_default();
    if let Some(urls) = release.and_then(|r| r.get("urls")) {
        releases
            .entry(version.to_string())
            .or_insert_with(|| files_of(urls));
    }

    let mut versions: Vec<VersionInfo> = releases
        .iter()
        .map(|(v, files)| {
            let scanned = (v == version)
                .then(|| filename.and_then(|f| files.iter().find(|x| x.filename == f)))
                .flatten();
            let (published, deprecated) = match scanned {
                Some(file) => (file.uploaded, file.yanked.clone().map(yank_message)),
                None => (
                    files.iter().filter_map(|f| f.uploaded).min(),
                    all_yanked(files).map(yank_message),
                ),
            };
            VersionInfo {
                version: v.clone(),
                published,
                publisher: None,
                deprecated,
                install_scripts: false,
            }
        })
        .collect();
    versions.sort_by(|a, b| {
        (a.published.is_none(), a.published, &a.version).cmp(&(
            b.published.is_none(),
            b.published,
            &b.version,
        ))
    });

    let uploads = || releases.values().flatten().filter_map(|f| f.uploaded);
    let doc = releases.get(version).map(|files| {
        let file = filename.and_then(|f| files.iter().find(|x| x.filename == f));
        // The version's own `info.yanked` (version document) or its files' state.
        let info_yank = release
            .and_then(|r| r.get("info"))
            .filter(|i| i.get("yanked").and_then(Value::as_bool) == Some(true))
            .map(|i| str_field(i, "yanked_reason").unwrap_or_default());
        let deprecated = file
            .map_or_else(|| all_yanked(files), |f| f.yanked.clone())
            .or(info_yank)
            .map(yank_message);
        VersionDoc {
            name: name.clone(),
            version: version.to_string(),
            dist: DistInfo {
                tarball: file.map(|f| f.url.clone()).filter(|u| !u.is_empty()),
                integrity: file
                    .and_then(|f| f.sha256.as_ref())
                    .map(|h| format!("sha256:{h}")),
                unpacked_size: None,
                file_count: None,
                shasum: None,
            },
            deprecated,
            // The version document describes this version; the project's `info` only the
            // latest.
            license: release.and_then(|r| r.get("info")).and_then(license),
            ..VersionDoc::default()
        }
    });

    let latest = str_at(project, "/info/version");
    RegistryFacts {
        name,
        fetched_at,
        created: uploads().min(),
        modified: uploads().max(),
        versions,
        dist_tags: latest
            .map(|l| BTreeMap::from([("latest".to_string(), l)]))
            .unwrap_or_default(),
        maintainers: owners(project.get("ownership")),
        repository: info.and_then(repository),
        license: info.and_then(license),
        unpublished: None,
        downloads: info
            .and_then(|i| i.pointer("/downloads/last_month"))
            .and_then(Value::as_i64)
            .and_then(|d| u64::try_from(d).ok()),
        version: doc,
        soak_hours: None,
    }
}

impl PypiClient {
    /// The project document `/pypi/<name>/json` of the index's JSON API (PyPI, Warehouse
    /// mirrors). Indexes with only the simple API (pypiserver, devpi) answer 404: then there
    /// is no registry metadata to evaluate.
    pub fn project_json(&self, name: &str) -> Result<Value, RegistryError> {
        let url = format!(
            "{}{}/json",
            self.config().json_api_base(),
            normalize_name(name)
        );
        let body = self.get(&url, "application/json", MAX_INDEX_DOC)?;
        let doc: Value = serde_json::from_slice(&body).map_err(|e| RegistryError::InvalidJson {
            url: crate::client::redact(&url),
            message: e.to_string(),
        })?;
        if doc.get("releases").and_then(Value::as_object).is_none() {
            return Err(RegistryError::MissingField {
                name: name.to_owned(),
                version: "*".to_owned(),
                field: "releases",
            });
        }
        Ok(doc)
    }
}

/// What the rules need of one distribution file.
#[derive(Debug, Clone)]
struct FileFacts {
    filename: String,
    url: String,
    sha256: Option<String>,
    uploaded: Option<UnixTime>,
    /// `Some(reason)` (possibly empty) when yanked.
    yanked: Option<String>,
}

fn files_of(v: &Value) -> Vec<FileFacts> {
    v.as_array()
        .map(|files| {
            files
                .iter()
                .take(MAX_FILES)
                .filter_map(|f| {
                    Some(FileFacts {
                        filename: str_field(f, "filename")?,
                        url: str_field(f, "url").unwrap_or_default(),
                        sha256: str_at(f, "/digests/sha256").map(|h| h.to_ascii_lowercase()),
                        uploaded: str_field(f, "upload_time_iso_8601")
                            .or_else(|| str_field(f, "upload_time"))
                            .as_deref()
                            .and_then(parse_time),
                        yanked: (f.get("yanked").and_then(Value::as_bool) == Some(true))
                            .then(|| str_field(f, "yanked_reason").unwrap_or_default()),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The yank reason when every file of a release is yanked (PyPI yanks whole releases; a
/// release with no files is not "yanked").
fn all_yanked(files: &[FileFacts]) -> Option<String> {
    if files.is_empty() || files.iter().any(|f| f.yanked.is_none()) {
        return None;
    }
    files.iter().find_map(|f| f.yanked.clone())
}

/// The `deprecated` text of a yanked version: never empty (an empty message means "not
/// deprecated" to the rules).
fn yank_message(reason: String) -> String {
    let reason = reason.trim();
    if reason.is_empty() {
        "yanked (no reason given)".to_owned()
    } else {
        format!("yanked: {reason}")
    }
}

/// The project's owners: PyPI accounts (`ownership.roles[].user`), and the organization.
fn owners(v: Option<&Value>) -> Vec<Person> {
    let Some(o) = v else {
        return Vec::new();
    };
    let mut out: Vec<Person> = o
        .get("roles")
        .and_then(Value::as_array)
        .map(|roles| {
            roles
                .iter()
                .take(1000)
                .filter_map(|r| str_field(r, "user"))
                .filter(|u| !u.is_empty())
                .map(|name| Person { name, email: None })
                .collect()
        })
        .unwrap_or_default();
    if let Some(org) = str_field(o, "organization").filter(|s| !s.is_empty()) {
        out.push(Person {
            name: format!("organization:{org}"),
            email: None,
        });
    }
    out.sort();
    out.dedup();
    out
}

/// The source repository: a `project_urls` entry named like one, else a forge home page.
fn repository(info: &Value) -> Option<String> {
    let urls = info.get("project_urls").and_then(Value::as_object);
    let named = urls.and_then(|u| {
        ["source", "source code", "repository", "code", "github"]
            .iter()
            .find_map(|want| {
                u.iter()
                    .find(|(k, _)| k.trim().eq_ignore_ascii_case(want))
                    .and_then(|(_, v)| v.as_str())
            })
    });
    let forge = |s: &&str| {
        [
            "github.com/",
            "gitlab.com/",
            "bitbucket.org/",
            "codeberg.org/",
        ]
        .iter()
        .any(|f| s.contains(f))
    };
    named
        .or_else(|| info.get("home_page").and_then(Value::as_str).filter(forge))
        .map(str::to_string)
}

/// The declared license: the PEP 639 `license_expression`, else a one-line `license` field
/// (older metadata often holds the whole license text there, which is no identifier).
fn license(info: &Value) -> Option<String> {
    str_field(info, "license_expression")
        .filter(|s| !s.trim().is_empty())
        .or_else(|| {
            str_field(info, "license")
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty() && s.len() <= 100 && !s.contains('\n'))
        })
}

fn str_field(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

fn str_at(v: &Value, pointer: &str) -> Option<String> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_string)
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests unwrap on recorded documents")]
mod tests {
    use super::*;
    use std::time::Duration;

    fn recorded(name: &str) -> Value {
        let path = format!("{}/testdata/pypi/{name}.json", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    }

    fn at(iso: &str) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(u64::try_from(parse_time(iso).unwrap()).unwrap())
    }

    #[test]
    fn release_history_and_owners_of_requests() {
        let doc = recorded("requests");
        let facts = pypi_registry_facts(&doc, None, "2.32.3", None, at("2026-11-27T00:00:00Z"));
        assert_eq!(facts.name, "requests");
        assert_eq!(
            facts.fetched_at,
            parse_time("2026-11-27T00:00:00Z").unwrap()
        );
        // Sorted by upload time: 0.2.0 (2011) first.
        assert_eq!(facts.versions.first().unwrap().version, "0.2.0");
        assert_eq!(facts.created, facts.versions[0].published);
        assert!(
            facts
                .versions
                .windows(2)
                .all(|w| w[0].published <= w[1].published)
        );
        let v = facts.version_info("2.32.3").unwrap();
        // The version's earliest upload.
        let first_upload = doc["releases"]["2.32.3"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| parse_time(f["upload_time_iso_8601"].as_str()?))
            .min();
        assert!(first_upload.is_some());
        assert_eq!(v.published, first_upload);
        assert!(v.publisher.is_none(), "the JSON API names no uploader");
        assert_eq!(
            facts
                .maintainers
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>(),
            ["Lukasa", "graffatcolmingov", "nateprewitt"]
        );
        assert_eq!(
            facts.repository.as_deref(),
            Some("https://github.com/psf/requests")
        );
        assert_eq!(facts.license.as_deref(), Some("Apache-2.0"));
        assert_eq!(
            facts.dist_tags["latest"],
            doc["info"]["version"].as_str().unwrap()
        );
        assert_eq!(facts.downloads, None, "PyPI reports -1: unknown, not zero");
        let doc = facts.version.as_ref().unwrap();
        assert_eq!(
            (doc.name.as_str(), doc.version.as_str()),
            ("requests", "2.32.3")
        );
        assert!(doc.deprecated.is_none());
        // A release dates from its first file; the last file of the newest release is later.
        assert!(facts.last_publish() <= facts.modified);
        assert!(facts.last_publish() >= facts.modified.map(|m| m - 60));
    }

    #[test]
    fn yanked_release_carries_its_reason() {
        let doc = recorded("requests");
        let facts = pypi_registry_facts(&doc, None, "2.32.0", None, at("2026-11-27T00:00:00Z"));
        let msg = "yanked: Yanked due to conflicts with CVE-2024-35195 mitigation";
        assert_eq!(
            facts.version_info("2.32.0").unwrap().deprecated.as_deref(),
            Some(msg)
        );
        assert_eq!(facts.version.unwrap().deprecated.as_deref(), Some(msg));
        // 2.32.2 is not yanked.
        let facts = pypi_registry_facts(&doc, None, "2.32.2", None, at("2026-11-27T00:00:00Z"));
        assert!(facts.version.unwrap().deprecated.is_none());
    }

    #[test]
    fn the_scanned_file_dates_and_describes_the_version() {
        let doc = recorded("requests");
        let wheel = "requests-2.32.3-py3-none-any.whl";
        let facts = pypi_registry_facts(
            &doc,
            None,
            "2.32.3",
            Some(wheel),
            at("2026-11-27T00:00:00Z"),
        );
        let file = doc["releases"]["2.32.3"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["filename"] == wheel)
            .unwrap();
        let uploaded = parse_time(file["upload_time_iso_8601"].as_str().unwrap());
        assert_eq!(facts.version_info("2.32.3").unwrap().published, uploaded);
        let dist = &facts.version.as_ref().unwrap().dist;
        assert_eq!(dist.tarball.as_deref(), file["url"].as_str());
        assert_eq!(
            dist.integrity.as_deref(),
            Some(format!("sha256:{}", file["digests"]["sha256"].as_str().unwrap()).as_str())
        );
    }

    #[test]
    fn a_file_added_to_an_old_release_is_as_fresh_as_its_upload() {
        // PyPI accepts new files for an existing version: a hijacker can add a wheel to
        // 2.31.0 years later. Its version is dated by that file, not by the release.
        let mut doc = recorded("requests");
        let files = doc["releases"]["2.31.0"].as_array_mut().unwrap();
        let mut added = files[0].clone();
        added["filename"] = "requests-2.31.0-py3-none-manylinux_2_17_x86_64.whl".into();
        added["upload_time_iso_8601"] = "2026-11-26T22:00:00.000000Z".into();
        files.push(added);
        let now = at("2026-11-27T00:00:00Z");
        let facts = pypi_registry_facts(
            &doc,
            None,
            "2.31.0",
            Some("requests-2.31.0-py3-none-manylinux_2_17_x86_64.whl"),
            now,
        );
        let published = facts.version_info("2.31.0").unwrap().published.unwrap();
        assert_eq!(facts.fetched_at - published, 2 * 3600);
        // The release's original files still date it to 2023.
        let facts = pypi_registry_facts(&doc, None, "2.31.0", None, now);
        let published = facts.version_info("2.31.0").unwrap().published.unwrap();
        assert!(published < parse_time("2024-01-01T00:00:00Z").unwrap());
    }

    #[test]
    fn unmaintained_project_with_two_part_versions() {
        let doc = recorded("docopt");
        let facts = pypi_registry_facts(&doc, None, "0.6.2", None, at("2026-11-27T00:00:00Z"));
        let last = facts.last_publish().unwrap();
        assert!(facts.fetched_at - last > 10 * 365 * ferret_core::registry::DAY);
        assert_eq!(facts.versions.last().unwrap().version, "0.6.2");
        assert_eq!(facts.license.as_deref(), Some("MIT"));
        assert!(facts.versions.iter().any(|v| v.version == "0.1"));
    }

    #[test]
    fn backports_keep_their_own_upload_order() {
        // urllib3 1.26.x patches were uploaded after 2.x releases: a normal history.
        let doc = recorded("urllib3");
        let facts = pypi_registry_facts(&doc, None, "1.26.20", None, at("2026-11-27T00:00:00Z"));
        let before: Vec<&str> = facts
            .versions_before("1.26.20")
            .iter()
            .map(|v| v.version.as_str())
            .collect();
        assert!(before.contains(&"2.2.2"), "{before:?}");
        assert_eq!(facts.license.as_deref(), Some("MIT"), "license_expression");
        assert_eq!(
            facts.repository.as_deref(),
            Some("https://github.com/urllib3/urllib3")
        );
    }

    #[test]
    fn unknown_version_and_hostile_documents_give_empty_facts() {
        let doc = recorded("requests");
        let facts = pypi_registry_facts(&doc, None, "99.0.0", None, SystemTime::now());
        assert!(facts.version.is_none());
        assert!(facts.version_info("99.0.0").is_none());
        for bad in [
            serde_json::json!(null),
            serde_json::json!([]),
            serde_json::json!({"releases": 5, "info": "x", "ownership": []}),
            serde_json::json!({"releases": {"1.0": [{"filename": 3}, 7, {"filename": "a", "upload_time_iso_8601": "not a time", "yanked": "yes"}]}}),
        ] {
            let facts = pypi_registry_facts(&bad, Some(&bad), "1.0", Some("a"), SystemTime::now());
            assert!(facts.maintainers.is_empty());
            assert!(facts.versions.iter().all(|v| v.published.is_none()));
        }
    }

    #[test]
    fn version_document_info_describes_the_scanned_version() {
        let project = recorded("requests");
        let release = serde_json::json!({
            "info": {"name": "requests", "version": "2.0.0", "license": "Apache 2.0",
                     "yanked": true, "yanked_reason": ""},
            "urls": [],
        });
        let facts = pypi_registry_facts(&project, Some(&release), "2.0.0", None, SystemTime::now());
        let doc = facts.version.unwrap();
        assert_eq!(doc.license.as_deref(), Some("Apache 2.0"));
        assert_eq!(doc.deprecated.as_deref(), Some("yanked (no reason given)"));
    }
}
