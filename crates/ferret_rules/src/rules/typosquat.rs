//! `typosquat`: a name that imitates a far more popular package.

use crate::declare_rule;
use crate::detect::metadata::manifest_location;
use crate::detect::typosquat::{
    ESTABLISHED_DOWNLOADS, POPULARITY_RATIO, SquatIndex, imitated, listed,
};
use crate::rule::{FindingExt, Rule, RuleContext, RuleMeta};
use ferret_core::{Finding, PackageFacts};

declare_rule! {
    /// ## What it does
    /// Reports a package whose name is one typo away from a popular package — one character
    /// inserted, deleted or replaced, two adjacent characters swapped, a separator changed
    /// (`-`, `_`, `.` or none), a scope flattened (`types-node` for `@types/node`), a
    /// `js`/`node` (PyPI: `py`/`python`) prefix or suffix added, or look-alike characters
    /// (`l0dash`, `rnoment`, Cyrillic letters) — **and** far less popular than the package it
    /// resembles: at least 100 times fewer monthly downloads, by the registry's count when
    /// known, else by ferret's embedded list of the 10,000 most downloaded packages (a
    /// package outside that list counts as unpopular). Packages with a million downloads a
    /// month are never reported. The finding names the imitated package.
    ///
    /// ## Why is this a risk?
    /// Typosquatting is the most common way malware reaches npm and PyPI: the attacker
    /// publishes `crossenv` next to `cross-env` and waits for a mistyped install or a
    /// copy-pasted command. The malicious package usually re-exports the real one so nothing
    /// looks broken.
    ///
    /// ## Example
    /// ```json
    /// { "name": "crossenv", "scripts": { "postinstall": "node steal.js" } }
    /// ```
    ///
    /// ## False positives
    /// Small, legitimate packages with a name close to a big one (`lodash.get`-style family
    /// members are not close; forks named `react-x` are not one edit away). Popular packages
    /// close to each other (`react-dom`/`react-dnd`, `ws`/`wd`) never fire: measured on the
    /// 10,000 popular npm names, see `docs/accuracy.md`, section "typosquat".
    ///
    /// ## References
    /// - Socket alert `didYouMean`; GuardDog `typosquatting`
    /// - "crossenv" (2017): 40 typosquats stealing environment variables
    Typosquat, id = "typosquat", category = Metadata, severity = High, action = Warn,
}

impl Rule for Typosquat {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_package(&self, pkg: &PackageFacts, cx: &mut RuleContext) {
        let name = pkg
            .registry
            .as_ref()
            .map(|r| r.name.as_str())
            .filter(|n| !n.is_empty())
            .unwrap_or(pkg.id.name.as_str());
        if name.is_empty() || name == "unknown" {
            return;
        }
        let squat = SquatIndex::embedded(pkg.id.ecosystem);
        let index = squat.popular();
        let Some((target, relation)) = imitated(name, squat) else {
            return;
        };
        // The scanned package's popularity: the registry's count, else the list's.
        let own = pkg
            .registry
            .as_ref()
            .and_then(|r| r.downloads)
            .or_else(|| {
                listed(name, index, pkg.id.ecosystem).map(|p| p.downloads.unwrap_or(u64::MAX))
            })
            .unwrap_or(0);
        let theirs = target.downloads.unwrap_or(u64::MAX);
        if own >= ESTABLISHED_DOWNLOADS || own.saturating_mul(POPULARITY_RATIO) > theirs {
            return;
        }
        // A PyPI distribution names itself in its core metadata (`PKG-INFO`, a wheel's
        // `*.dist-info/METADATA`), which the manifest records as `metadata_file`.
        let (location, code) = match pkg
            .manifest
            .as_ref()
            .and_then(|m| m.get("metadata_file"))
            .and_then(serde_json::Value::as_str)
        {
            Some(file) if pkg.id.ecosystem == ferret_core::Ecosystem::PyPI => {
                let location = crate::engine::file_start(file);
                let code = crate::detect::excerpt_at(&location, &format!("Name: {name}"));
                (location, code)
            }
            _ => manifest_location(&format!("\"name\": \"{name}\"")),
        };
        let mut finding = Finding::of(
            &Self::META,
            format!(
                "`{name}` resembles the popular package `{}` ({})",
                target.name,
                relation.as_str()
            ),
        )
        .primary(&location, &code, "package name")
        .evidence("imitates", target.name.clone())
        .evidence("relation", relation.as_str())
        .evidence("imitated_rank", target.rank);
        if let Some(d) = target.downloads {
            finding = finding.evidence("imitated_downloads_a_month", d);
        }
        cx.report(finding);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::metadata::testing::{check, package, registry};
    use crate::detect::typosquat::{MIN_EDIT_LEN, resembles};

    fn named(name: &str) -> PackageFacts {
        package(
            &[(
                "package.json",
                &format!(r#"{{"name":"{name}","version":"1.0.0"}}"#),
            )],
            None,
        )
    }

    #[test]
    fn typosquat() {
        let mut popular_by_registry = named("reactt");
        let mut reg = registry("reactt", &[("1.0.0", 400, "a")]);
        reg.downloads = Some(50_000_000);
        popular_by_registry.registry = Some(reg);
        check(
            Typosquat,
            &[
                named("react"),
                named("react-dom"),
                named("react-dnd"),
                named("ws"),
                named("wd"),
                named("my-own-thing-2024"),
                popular_by_registry,
            ],
            &[
                named("crossenv"),
                named("lodahs"),
                named("types-node"),
                named("expresss"),
                named("l0dash"),
            ],
        );
    }

    /// The 10,000 popular npm names checked against the list itself: each is in the list, so
    /// its own popularity applies, and no popular package may be reported as imitating
    /// another. Also records how many pairs the name relations alone match (what the
    /// popularity gate removes), for docs/accuracy.md.
    #[test]
    fn popular_names_do_not_fire_on_each_other() {
        let squat = SquatIndex::embedded(ferret_core::Ecosystem::Npm);
        let mut related = 0;
        let mut fired = Vec::new();
        for p in squat.popular().entries() {
            if resembles(&p.name, squat).is_some() {
                related += 1;
                let f = crate::detect::metadata::testing::run(Typosquat, &named(&p.name));
                if !f.is_empty() {
                    fired.push(p.name.clone());
                }
            }
        }
        eprintln!(
            "typosquat: {related} of 10,000 popular npm names resemble a more popular one; fired on {}",
            fired.len()
        );
        assert!(
            related > 50,
            "relations matched only {related} popular names"
        );
        assert_eq!(fired, Vec::<String>::new(), "{} related", related);
        assert_eq!(MIN_EDIT_LEN, 4);
    }

    /// A PyPI typosquat points at the distribution's own metadata file, not `package.json`.
    #[test]
    fn pypi_finding_points_at_the_metadata_file() {
        let mut pkg = named("reqeusts");
        pkg.id.ecosystem = ferret_core::Ecosystem::PyPI;
        pkg.id.name = "reqeusts".to_owned();
        pkg.manifest = Some(serde_json::json!({ "name": "reqeusts", "metadata_file": "PKG-INFO" }));
        let f = crate::detect::metadata::testing::run(Typosquat, &pkg);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(
            f[0].location.as_ref().map(|l| l.path.as_str()),
            Some("PKG-INFO")
        );
        assert!(f[0].message.contains("`requests`"), "{}", f[0].message);
    }

    /// The popular PyPI names, spelled as projects spell them (`PyYAML`, `Git_Python`: PEP 503
    /// forms of listed names), never fire; an unlisted look-alike of one does.
    #[test]
    fn popular_pypi_names_never_fire() {
        let pypi = |name: &str| {
            let mut pkg = named("x");
            pkg.id.ecosystem = ferret_core::Ecosystem::PyPI;
            pkg.id.name = name.to_owned();
            crate::detect::metadata::testing::run(Typosquat, &pkg)
        };
        let squat = SquatIndex::embedded(ferret_core::Ecosystem::PyPI);
        let mut fired = Vec::new();
        for p in squat.popular().entries() {
            let mut spelled: String = p.name.replace('-', "_");
            if let Some(first) = spelled.get(..1) {
                spelled = first.to_ascii_uppercase() + &spelled[1..];
            }
            if !pypi(&spelled).is_empty() {
                fired.push(spelled);
            }
        }
        assert_eq!(fired, Vec::<String>::new());
        for name in [
            "PyYAML",
            "PyJWT",
            "GitPython",
            "Mako",
            "Authlib",
            "Markdown",
        ] {
            assert!(pypi(name).is_empty(), "{name}");
        }
        assert!(!pypi("reqeusts").is_empty());
        assert!(!pypi("PyYAMLL").is_empty());
    }

    /// Detection rate on real typosquats: known-malware npm names one edit from a popular
    /// name (`testdata/typosquats-npm.tsv`). Offline (no download counts), as `ferret scan`
    /// of a tarball sees them. The rate is recorded in docs/accuracy.md.
    #[test]
    fn detects_known_malware_typosquats() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/typosquats-npm.tsv");
        let text = std::fs::read_to_string(path).unwrap();
        let (mut total, mut caught, mut missed) = (0, 0, Vec::new());
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let (name, popular) = line.split_once('\t').unwrap();
            total += 1;
            let f = crate::detect::metadata::testing::run(Typosquat, &named(name));
            if f.iter().any(|f| f.evidence.contains_key("imitates")) {
                caught += 1;
            } else {
                missed.push(format!("{name} ({popular})"));
            }
        }
        eprintln!("typosquat detection: {caught}/{total}; missed: {missed:?}");
        assert!(total > 100);
        // Misses are names shorter than MIN_EDIT_LEN (`6ini`/`ini`) by design.
        assert!(caught * 100 >= total * 85, "{caught}/{total}: {missed:?}");
    }
}
