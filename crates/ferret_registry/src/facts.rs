//! npm packument → [`RegistryFacts`]: the registry's documents turned into the
//! ecosystem-neutral input the metadata rules read.
//!
//! The conversion never fails: a packument is hostile input, and a field that is missing or
//! of the wrong type is simply absent from the facts (rules treat "unknown" as "no signal").
//! Times are parsed once from the registry's ISO-8601 strings into Unix seconds; "now" is the
//! caller's `now`, recorded as [`RegistryFacts::fetched_at`].

use ferret_core::{
    DistInfo, Person, RegistryFacts, UnixTime, Unpublished, VersionDoc, VersionInfo,
};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

/// npm lifecycle scripts that run when the package is installed.
const INSTALL_HOOKS: [&str; 3] = ["preinstall", "install", "postinstall"];

/// Most versions a packument may contribute; `@types/node`-sized packuments list ~2,000,
/// a crafted one could list millions.
const MAX_VERSIONS: usize = 50_000;

/// Builds the registry facts of `version` from an npm packument (the full document served at
/// `GET /<name>`, not the abbreviated install document: that lacks `time` and `_npmUser`).
pub fn npm_registry_facts(packument: &Value, version: &str, now: SystemTime) -> RegistryFacts {
    let fetched_at = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let time = packument.get("time").and_then(Value::as_object);
    let time_of = |key: &str| {
        time.and_then(|t| t.get(key))
            .and_then(Value::as_str)
            .and_then(parse_time)
    };
    let empty = serde_json::Map::new();
    let version_docs = packument
        .get("versions")
        .and_then(Value::as_object)
        .unwrap_or(&empty);

    let mut versions: Vec<VersionInfo> = version_docs
        .iter()
        .take(MAX_VERSIONS)
        .map(|(v, doc)| VersionInfo {
            version: v.clone(),
            published: time_of(v),
            publisher: publisher(doc),
            deprecated: str_field(doc, "deprecated"),
            install_scripts: declares_install_scripts(doc),
        })
        .collect();
    versions.sort_by(|a, b| {
        (a.published.is_none(), a.published, &a.version).cmp(&(
            b.published.is_none(),
            b.published,
            &b.version,
        ))
    });

    let unpublished = time
        .and_then(|t| t.get("unpublished"))
        .map(|u| Unpublished {
            time: u.get("time").and_then(Value::as_str).and_then(parse_time),
            versions: u
                .get("versions")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .take(MAX_VERSIONS)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
        });

    let name = str_field(packument, "name").unwrap_or_default();
    RegistryFacts {
        fetched_at,
        created: time_of("created"),
        modified: time_of("modified"),
        versions,
        dist_tags: string_map(packument.get("dist-tags")),
        maintainers: people(packument.get("maintainers")),
        repository: repository(packument.get("repository")),
        license: license(packument.get("license")),
        unpublished,
        downloads: None,
        version: version_docs
            .get(version)
            .map(|doc| npm_version_doc(doc, &name)),
        soak_hours: None,
        name,
    }
}

/// A packument body parsed into only the fields [`npm_registry_facts`] and
/// [`npm_version_doc`] read (and the same facts come out of it): READMEs, descriptions,
/// keywords and every version's devDependencies, files and the like — most of a
/// multi-megabyte packument — are skipped while parsing instead of being built into values
/// and dropped. A document the lean parse does not accept (duplicate keys, a `versions` that
/// is not an object, …) is parsed whole, so the facts never differ; the error is the full
/// parse's, for a body that is not JSON.
pub fn parse_packument_for_facts(body: &[u8]) -> Result<Value, serde_json::Error> {
    match serde_json::from_slice::<lean::Doc>(body) {
        Ok(doc) => Ok(doc.into_value()),
        Err(_) => serde_json::from_slice(body),
    }
}

mod lean {
    use serde::{Deserialize, Deserializer};
    use serde_json::{Map, Value};
    use std::collections::BTreeMap;

    /// A field as the full parse would hold it: present (even `null`) or absent.
    fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
        Value::deserialize(d).map(Some)
    }

    macro_rules! lean_struct {
        ($name:ident { $($field:ident = $key:literal),* $(,)? } $(extra $extra:ident: $ty:ty = $ekey:literal)?) => {
            #[derive(Deserialize)]
            pub(super) struct $name {
                $(
                    #[serde(default, rename = $key, deserialize_with = "present")]
                    $field: Option<Value>,
                )*
                $(
                    #[serde(default, rename = $ekey)]
                    $extra: Option<$ty>,
                )?
            }

            impl $name {
                fn into_map(self) -> Map<String, Value> {
                    let mut m = Map::new();
                    $(
                        if let Some(v) = self.$field {
                            m.insert($key.to_owned(), v);
                        }
                    )*
                    m
                }
            }
        };
    }

    lean_struct!(Version {
        name = "name",
        version = "version",
        npm_user = "_npmUser",
        deprecated = "deprecated",
        scripts = "scripts",
        dependencies = "dependencies",
        optional_dependencies = "optionalDependencies",
        bin = "bin",
        main = "main",
        exports = "exports",
        dist = "dist",
        license = "license",
        os = "os",
        cpu = "cpu",
        libc = "libc",
        gypfile = "gypfile",
        has_install_script = "hasInstallScript",
    });

    lean_struct!(Doc {
        name = "name",
        dist_tags = "dist-tags",
        time = "time",
        maintainers = "maintainers",
        repository = "repository",
        license = "license",
    } extra versions: BTreeMap<String, Version> = "versions");

    impl Doc {
        pub(super) fn into_value(mut self) -> Value {
            let versions = self.versions.take();
            let mut m = self.into_map();
            if let Some(versions) = versions {
                m.insert(
                    "versions".to_owned(),
                    Value::Object(
                        versions
                            .into_iter()
                            .map(|(k, v)| (k, Value::Object(v.into_map())))
                            .collect(),
                    ),
                );
            }
            Value::Object(m)
        }
    }
}

/// The facts of one npm version document.
pub fn npm_version_doc(doc: &Value, package_name: &str) -> VersionDoc {
    let name = str_field(doc, "name").unwrap_or_else(|| package_name.to_string());
    let mut dependencies = string_map(doc.get("dependencies"));
    for (k, v) in string_map(doc.get("optionalDependencies")) {
        dependencies.entry(k).or_insert(v);
    }
    let dist = doc.get("dist");
    VersionDoc {
        version: str_field(doc, "version").unwrap_or_default(),
        scripts: string_map(doc.get("scripts")),
        dependencies,
        bin: npm_bin(doc.get("bin"), &name),
        main: str_field(doc, "main"),
        exports: doc.get("exports").cloned(),
        dist: DistInfo {
            tarball: dist.and_then(|d| str_field(d, "tarball")),
            integrity: dist.and_then(|d| str_field(d, "integrity")),
            shasum: dist.and_then(|d| str_field(d, "shasum")),
            file_count: dist
                .and_then(|d| d.get("fileCount"))
                .and_then(Value::as_u64),
            unpacked_size: dist
                .and_then(|d| d.get("unpackedSize"))
                .and_then(Value::as_u64),
        },
        publisher: publisher(doc),
        deprecated: str_field(doc, "deprecated"),
        license: license(doc.get("license")),
        os: string_list(doc.get("os")),
        cpu: string_list(doc.get("cpu")),
        libc: string_list(doc.get("libc")),
        gypfile: doc.get("gypfile").and_then(Value::as_bool).unwrap_or(false),
        has_install_script: doc
            .get("hasInstallScript")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        name,
    }
}

/// npm's `os`/`cpu`/`libc`: an array of strings or a single string; bounded.
fn string_list(value: Option<&Value>) -> Vec<String> {
    let values: Vec<&str> = match value {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    values
        .into_iter()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .take(32)
        .map(str::to_owned)
        .collect()
}

/// npm's `bin`: a string means one command named after the package (scope dropped).
pub fn npm_bin(bin: Option<&Value>, package_name: &str) -> BTreeMap<String, String> {
    match bin {
        Some(Value::String(path)) => {
            let cmd = package_name.rsplit('/').next().unwrap_or(package_name);
            BTreeMap::from([(cmd.to_string(), path.clone())])
        }
        other => string_map(other),
    }
}

/// Parses the registry's `YYYY-MM-DDTHH:MM:SS(.fff)Z` times (also without the `Z` or with a
/// `+00:00` offset) to Unix seconds. Other offsets are applied.
pub fn parse_time(s: &str) -> Option<UnixTime> {
    let b = s.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b' ') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> { s.get(r)?.parse().ok() };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        rest = frac.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    let offset = match rest {
        "" | "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let digits: String = rest[1..].chars().filter(char::is_ascii_digit).collect();
            if digits.len() != 4 {
                return None;
            }
            let h: i64 = digits[..2].parse().ok()?;
            let mi: i64 = digits[2..].parse().ok()?;
            sign * (h * 3600 + mi * 60)
        }
    };
    Some(days_from_civil(y, m, d) * 86_400 + hh * 3600 + mm * 60 + ss - offset)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn str_field(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

fn string_map(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|o| {
            o.iter()
                .take(MAX_VERSIONS)
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

fn publisher(doc: &Value) -> Option<String> {
    match doc.get("_npmUser")? {
        Value::Object(o) => o.get("name").and_then(Value::as_str).map(str::to_string),
        // Very old documents: "name <email>".
        Value::String(s) => s.split('<').next().map(|n| n.trim().to_string()),
        _ => None,
    }
    .filter(|n| !n.is_empty())
}

/// Whether a version document's `scripts` declare an install hook (`preinstall`, `install`,
/// `postinstall`).
pub fn declares_install_scripts(doc: &Value) -> bool {
    doc.get("scripts")
        .and_then(Value::as_object)
        .is_some_and(|s| INSTALL_HOOKS.iter().any(|h| s.contains_key(*h)))
}

fn people(v: Option<&Value>) -> Vec<Person> {
    let Some(list) = v.and_then(Value::as_array) else {
        return Vec::new();
    };
    let mut out: Vec<Person> = list
        .iter()
        .take(1000)
        .filter_map(|p| match p {
            Value::Object(o) => Some(Person {
                name: o.get("name")?.as_str()?.to_string(),
                email: o.get("email").and_then(Value::as_str).map(str::to_string),
            }),
            Value::String(s) => Some(Person {
                name: s.split('<').next()?.trim().to_string(),
                email: None,
            }),
            _ => None,
        })
        .collect();
    out.sort();
    out
}

fn repository(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("url").and_then(Value::as_str).map(str::to_string),
        _ => None,
    }
}

/// `license` as a string; the legacy `{ "type": "MIT" }` object and `licenses: [...]` array
/// forms are reduced to their type(s).
fn license(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("type").and_then(Value::as_str).map(str::to_string),
        Value::Array(a) => {
            let types: Vec<&str> = a
                .iter()
                .filter_map(|l| l.get("type").and_then(Value::as_str).or(l.as_str()))
                .collect();
            (!types.is_empty()).then(|| types.join(" OR "))
        }
        _ => None,
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests unwrap on fixed inputs")]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn fixture(name: &str) -> Value {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/packuments")
            .join(format!("{name}.json"));
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    }

    /// The lean parse gives the very facts of the full parse, for real packuments and for
    /// shapes it does not accept (then it parses whole); and a body that is not JSON fails.
    #[test]
    fn lean_packument_parse_gives_the_same_facts() {
        let mut bodies: Vec<(Vec<u8>, Vec<&str>)> = Vec::new();
        for name in ["left-pad", "event-stream"] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("testdata/packuments")
                .join(format!("{name}.json"));
            let doc = fixture(name);
            let versions: Vec<&str> = ["1.3.0", "3.3.6", "4.0.0", "9.9.9"].to_vec();
            bodies.push((std::fs::read(path).unwrap(), versions));
            assert!(doc["versions"].as_object().unwrap().len() > 3);
        }
        let extra = serde_json::json!({
            "name": "x", "readme": "long text", "dist-tags": {"latest": "1.0.0"},
            "time": {"1.0.0": "2024-01-01T00:00:00Z"},
            "versions": {"1.0.0": {"name": "x", "version": "1.0.0", "exports": null,
                "os": "darwin", "cpu": ["arm64"], "libc": ["musl"], "gypfile": true,
                "hasInstallScript": true, "devDependencies": {"big": "1"},
                "scripts": {"install": "node-gyp rebuild"}, "_npmUser": "bob <b@x>"}}
        });
        bodies.push((serde_json::to_vec(&extra).unwrap(), vec!["1.0.0"]));
        // Not accepted by the lean parse: a version that is not an object, duplicate keys.
        bodies.push((
            br#"{"name":"y","versions":{"1.0.0":"nope","2.0.0":{"version":"2.0.0"}}}"#.to_vec(),
            vec!["1.0.0", "2.0.0"],
        ));
        bodies.push((
            br#"{"name":"z","name":"w","versions":7}"#.to_vec(),
            vec!["1.0.0"],
        ));
        for (body, versions) in &bodies {
            let full: Value = serde_json::from_slice(body).unwrap();
            let lean = parse_packument_for_facts(body).unwrap();
            assert!(serde_json::to_vec(&lean).unwrap().len() <= body.len());
            for v in versions {
                assert_eq!(
                    npm_registry_facts(&lean, v, at(1_800_000_000)),
                    npm_registry_facts(&full, v, at(1_800_000_000)),
                    "{v}"
                );
            }
        }
        let doc = npm_version_doc(
            &parse_packument_for_facts(&bodies[2].0).unwrap()["versions"]["1.0.0"],
            "x",
        );
        assert_eq!(
            (doc.os, doc.cpu, doc.libc),
            (
                vec!["darwin".to_owned()],
                vec!["arm64".to_owned()],
                vec!["musl".to_owned()]
            )
        );
        assert!(doc.gypfile && doc.has_install_script);
        assert_eq!(doc.exports, Some(Value::Null));
        assert!(parse_packument_for_facts(b"{not json").is_err());
    }

    #[test]
    fn parses_registry_times() {
        assert_eq!(parse_time("1970-01-01T00:00:00.000Z"), Some(0));
        assert_eq!(parse_time("2011-03-05T21:24:18.123Z"), Some(1_299_360_258));
        assert_eq!(parse_time("2024-02-29T12:00:00Z"), Some(1_709_208_000));
        assert_eq!(parse_time("2024-02-29T14:00:00+02:00"), Some(1_709_208_000));
        for bad in [
            "",
            "2024-13-01T00:00:00Z",
            "yesterday",
            "2024-01-01",
            "2024-01-01T00:00:00Q",
        ] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn left_pad_packument() {
        let p = fixture("left-pad");
        let facts = npm_registry_facts(&p, "1.3.0", at(1_800_000_000));
        assert_eq!(facts.name, "left-pad");
        assert_eq!(facts.fetched_at, 1_800_000_000);
        assert!(facts.versions.len() >= 3);
        // Sorted by publish time.
        let times: Vec<_> = facts.versions.iter().map(|v| v.published).collect();
        let mut sorted = times.clone();
        sorted.sort();
        assert_eq!(times, sorted);
        let doc = facts.version.as_ref().unwrap();
        assert_eq!(doc.version, "1.3.0");
        assert_eq!(doc.license.as_deref(), Some("WTFPL"));
        assert!(
            doc.dist
                .integrity
                .as_deref()
                .unwrap()
                .starts_with("sha512-")
        );
        assert_eq!(doc.main.as_deref(), Some("index.js"));
        assert!(doc.scripts.contains_key("test"));
        // The mirror this was recorded from serves synthetic times: 0.0.2 is the newest.
        assert_eq!(
            facts.versions.last().map(|v| v.version.as_str()),
            Some("0.0.2")
        );
        assert_eq!(
            facts.dist_tags.get("latest").map(String::as_str),
            Some("1.3.0")
        );
    }

    #[test]
    fn event_stream_packument() {
        let facts = npm_registry_facts(&fixture("event-stream"), "4.0.1", at(1_800_000_000));
        let doc = facts.version.as_ref().unwrap();
        assert_eq!(
            doc.dependencies.get("through").map(String::as_str),
            Some("^2.3.8")
        );
        assert_eq!(facts.versions.len(), 6);
        assert!(facts.versions.iter().all(|v| v.published.is_some()));
    }

    #[test]
    fn version_missing_from_packument_has_no_doc() {
        let facts = npm_registry_facts(&fixture("left-pad"), "99.0.0", at(0));
        assert!(facts.version.is_none());
        assert!(!facts.versions.is_empty());
    }

    #[test]
    fn unpublished_packument() {
        let p = serde_json::json!({
            "name": "gone",
            "time": {"created": "2020-01-01T00:00:00.000Z", "modified": "2020-01-02T00:00:00.000Z",
                     "unpublished": {"time": "2020-01-02T00:00:00.000Z", "versions": ["1.0.0"]}}
        });
        let facts = npm_registry_facts(&p, "1.0.0", at(0));
        let u = facts.unpublished.unwrap();
        assert_eq!(u.versions, ["1.0.0"]);
        assert_eq!(u.time, parse_time("2020-01-02T00:00:00Z"));
        assert!(facts.versions.is_empty());
    }

    #[test]
    fn hostile_shapes_do_not_panic() {
        for p in [
            serde_json::json!(null),
            serde_json::json!([]),
            serde_json::json!({"versions": [], "time": "x", "maintainers": {}, "dist-tags": 3}),
            serde_json::json!({"versions": {"1.0.0": {"bin": 5, "_npmUser": [], "scripts": "x",
                "dependencies": {"a": 1}, "dist": "y"}}}),
        ] {
            let facts = npm_registry_facts(&p, "1.0.0", at(0));
            assert!(facts.name.is_empty() || facts.name == "x");
        }
    }

    #[test]
    fn bin_string_is_named_after_the_package() {
        let doc = serde_json::json!({"name": "@s/tool", "version": "1.0.0", "bin": "./cli.js",
            "optionalDependencies": {"fsevents": "^2"}, "dependencies": {"a": "1.0.0"},
            "scripts": {"postinstall": "node x.js"}, "_npmUser": {"name": "alice"}});
        let v = npm_version_doc(&doc, "@s/tool");
        assert_eq!(v.bin.get("tool").map(String::as_str), Some("./cli.js"));
        assert_eq!(v.dependencies.len(), 2);
        assert_eq!(v.publisher.as_deref(), Some("alice"));
    }
}
