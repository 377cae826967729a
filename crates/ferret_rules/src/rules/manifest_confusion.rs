//! `manifest-confusion`: the registry's version document and the tarball's package.json
//! disagree.

use crate::declare_rule;
use crate::detect::metadata::{manifest_bin, manifest_location};
use crate::install_script::is_implicit;
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{Ecosystem, Finding, PackageFacts, VersionDoc};
use serde_json::Value;
use std::collections::BTreeMap;

declare_rule! {
    /// ## What it does
    /// Compares the registry's document for the version (what `npm view`, the website and
    /// most scanners read) with the `package.json` inside the tarball (what npm installs and
    /// runs) and reports every disagreement in `name`, `version`, `scripts`, runtime
    /// `dependencies` (with `optionalDependencies`), `bin`, `main` and `exports`. npm's own
    /// publish-time normalisation is not a disagreement: `./` in paths, a string `bin`, the
    /// implicit `node-gyp rebuild` install script, `v` prefixes on versions, git dependency
    /// URLs rewritten by hosted-git-info.
    ///
    /// ## Why is this a risk?
    /// The npm registry does not check that the metadata of a publish matches the tarball.
    /// A crafted publish shows clean metadata (no install script, no dependencies) while
    /// the tarball installs a `postinstall` hook or a hidden dependency: every tool that
    /// trusts the registry document is blind to it.
    ///
    /// ## Example
    /// ```text
    /// registry: { "scripts": {} }
    /// tarball:  { "scripts": { "postinstall": "node x.js" } }
    /// ```
    ///
    /// ## False positives
    /// Very old packages (2010–2013) whose documents the registry rewrote during migrations.
    ///
    /// ## References
    /// - Darcy Clarke, "The massive hole in the npm ecosystem" (2023)
    /// - Socket alert `manifestConfusion`; GuardDog `metadata_mismatch`
    ManifestConfusion, id = "manifest-confusion", category = Metadata, severity = High, action = Warn,
}

impl Rule for ManifestConfusion {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_package(&self, pkg: &PackageFacts, cx: &mut RuleContext) {
        if pkg.id.ecosystem != Ecosystem::Npm {
            return;
        }
        let (Some(doc), Some(manifest)) = (
            pkg.registry.as_ref().and_then(|r| r.version.as_ref()),
            pkg.manifest.as_ref(),
        ) else {
            return;
        };
        for (field, registry, tarball) in differences(doc, manifest, pkg) {
            let (location, code) = manifest_location(&format!("\"{field}\": {tarball}"));
            cx.report(
                Finding::of(
                    &Self::META,
                    format!(
                        "`{field}` differs: the registry says {registry}, the tarball's package.json says {tarball}"
                    ),
                )
                .primary(&location, &code, "what npm installs")
                .evidence("field", field.clone())
                .evidence("registry", registry)
                .evidence("tarball", tarball),
            );
        }
    }
}

/// `(field, registry value, tarball value)` for every disagreement, values as short JSON.
fn differences(doc: &VersionDoc, m: &Value, pkg: &PackageFacts) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let s = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or_default();
    if s("name") != doc.name {
        out.push(("name".into(), show(&doc.name), show(s("name"))));
    }
    if clean_version(s("version")) != clean_version(&doc.version) {
        out.push(("version".into(), show(&doc.version), show(s("version"))));
    }
    // Scripts: compare every script; the implicit `node-gyp rebuild` npm adds for a
    // `binding.gyp` is on either side only.
    let tar_scripts = string_map(m.get("scripts"));
    let implicit: Vec<&str> = pkg
        .install_scripts
        .iter()
        .filter(|s| is_implicit(s))
        .map(|s| s.hook.as_str())
        .collect();
    let gyp = pkg.file("binding.gyp").is_some();
    for key in union(&doc.scripts, &tar_scripts) {
        let (r, t) = (doc.scripts.get(&key), tar_scripts.get(&key));
        let npm_added = key == "install"
            && (gyp || implicit.contains(&"install"))
            && t.is_none()
            && r.is_some_and(|c| c.trim() == "node-gyp rebuild");
        if r != t && !npm_added {
            out.push((format!("scripts.{key}"), opt(r), opt(t)));
        }
    }
    let mut tar_deps = string_map(m.get("dependencies"));
    for (k, v) in string_map(m.get("optionalDependencies")) {
        tar_deps.entry(k).or_insert(v);
    }
    for key in union(&doc.dependencies, &tar_deps) {
        let (r, t) = (doc.dependencies.get(&key), tar_deps.get(&key));
        let same = match (r, t) {
            (Some(a), Some(b)) => a.trim() == b.trim() || (is_url_like(a) && is_url_like(b)),
            _ => false,
        };
        if !same {
            out.push((format!("dependencies.{key}"), opt(r), opt(t)));
        }
    }
    let tar_bin: BTreeMap<String, String> = manifest_bin(pkg)
        .into_iter()
        .map(|(k, v)| (k, clean_path(&v)))
        .collect();
    let reg_bin: BTreeMap<String, String> = doc
        .bin
        .iter()
        .map(|(k, v)| (k.clone(), clean_path(v)))
        .collect();
    if tar_bin != reg_bin {
        out.push(("bin".into(), json(&reg_bin), json(&tar_bin)));
    }
    let tar_main = m.get("main").and_then(Value::as_str).map(clean_path);
    let reg_main = doc.main.as_deref().map(clean_path);
    // npm fills a missing `main` with nothing, but some registries default it to index.js.
    let main_default = |x: &Option<String>| x.as_deref().is_none_or(|v| v == "index.js");
    if tar_main != reg_main && !(main_default(&tar_main) && main_default(&reg_main)) {
        out.push((
            "main".into(),
            opt(reg_main.as_ref()),
            opt(tar_main.as_ref()),
        ));
    }
    let tar_exports = m.get("exports");
    if tar_exports != doc.exports.as_ref() {
        out.push((
            "exports".into(),
            doc.exports.as_ref().map_or("nothing".into(), short_json),
            tar_exports.map_or("nothing".into(), short_json),
        ));
    }
    out
}

fn clean_version(v: &str) -> &str {
    let v = v.trim();
    v.strip_prefix('v')
        .or_else(|| v.strip_prefix('='))
        .unwrap_or(v)
}

fn clean_path(p: &str) -> String {
    let mut p = p.trim();
    while let Some(rest) = p.strip_prefix("./") {
        p = rest;
    }
    p.replace('\\', "/")
}

/// Git and URL specs that npm's normaliser rewrites (`user/repo` → `git+https://…`).
fn is_url_like(spec: &str) -> bool {
    use crate::detect::metadata::{SpecKind, classify_spec};
    matches!(classify_spec(spec), SpecKind::Git)
}

fn string_map(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|o| {
            o.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

fn union(a: &BTreeMap<String, String>, b: &BTreeMap<String, String>) -> Vec<String> {
    let mut keys: Vec<String> = a.keys().chain(b.keys()).cloned().collect();
    keys.sort();
    keys.dedup();
    keys
}

fn show(s: &str) -> String {
    format!("`{s}`")
}

fn opt(s: Option<&String>) -> String {
    s.map_or_else(|| "nothing".to_string(), |v| show(v))
}

fn json(m: &BTreeMap<String, String>) -> String {
    if m.is_empty() {
        "nothing".into()
    } else {
        short_json(&serde_json::to_value(m).unwrap_or(Value::Null))
    }
}

fn short_json(v: &Value) -> String {
    let s = v.to_string();
    let cut: String = s.chars().take(120).collect();
    if cut.len() < s.len() {
        format!("`{cut}…`")
    } else {
        format!("`{cut}`")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::metadata::testing::{check, package, registry};

    fn pkg(manifest: &str, doc: impl FnOnce(&mut VersionDoc)) -> PackageFacts {
        let mut reg = registry("x", &[("1.0.0", 10, "alice")]);
        if let Some(d) = reg.version.as_mut() {
            d.main = Some("index.js".into());
            doc(d);
        }
        package(
            &[
                ("package.json", manifest),
                ("index.js", "module.exports = 1"),
            ],
            Some(reg),
        )
    }

    #[test]
    fn manifest_confusion() {
        let clean = r#"{"name":"x","version":"1.0.0","main":"./index.js"}"#;
        let with_bin = r#"{"name":"x","version":"v1.0.0","main":"index.js","bin":"./cli.js",
            "dependencies":{"a":"user/repo"}}"#;
        check(
            ManifestConfusion,
            &[
                pkg(clean, |_| {}),
                pkg(with_bin, |d| {
                    d.bin.insert("x".into(), "cli.js".into());
                    d.dependencies
                        .insert("a".into(), "git+https://github.com/user/repo.git".into());
                }),
                // No registry document: nothing to compare.
                package(&[("package.json", clean)], None),
            ],
            &[
                // The registry shows no scripts; the tarball installs a postinstall hook.
                pkg(
                    r#"{"name":"x","version":"1.0.0","main":"index.js","scripts":{"postinstall":"node x.js"}}"#,
                    |_| {},
                ),
                // A hidden dependency and a different entry point.
                pkg(
                    r#"{"name":"x","version":"1.0.0","main":"evil.js","dependencies":{"evil":"1.0.0"}}"#,
                    |_| {},
                ),
                // Another name and version inside the tarball.
                pkg(
                    r#"{"name":"y","version":"2.0.0","main":"index.js"}"#,
                    |_| {},
                ),
            ],
        );
    }
}
