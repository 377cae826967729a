//! Workspaces / monorepos: the dependencies of every workspace member are scanned, and their
//! dependency paths start at the member (`ws-app/packages/web > is-number@7.0.0`).
//!
//! `testdata/npm-workspaces` was written by the real npm 11 (`npm install
//! --package-lock-only --ignore-scripts` against registry.npmjs.org): a root with a dev
//! dependency and two members, `packages/web` (depends on the other member and on
//! is-number@7, installed nested under the member) and `packages/api` (is-number@6 and
//! kind-of, hoisted). The yarn and pnpm cases reuse ferret_lockfile's real-client testdata.

#![expect(clippy::unwrap_used, reason = "tests unwrap on inputs they wrote")]

use ferret_project::{Item, plan_from_lockfiles};
use std::path::{Path, PathBuf};

fn testdata(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn item<'a>(items: &'a [Item], name: &str, version: &str) -> &'a Item {
    items
        .iter()
        .find(|i| i.name == name && i.version == version)
        .unwrap_or_else(|| panic!("{name}@{version} not planned: {items:#?}"))
}

fn paths(item: &Item) -> Vec<String> {
    item.project.paths.iter().map(|p| p.join(" > ")).collect()
}

#[test]
fn npm_workspace_members_dependencies_are_planned_with_paths_from_the_member() {
    let plan = plan_from_lockfiles(&testdata("tests/testdata/npm-workspaces")).unwrap();
    assert_eq!(plan.root_name.as_deref(), Some("ws-app@1.0.0"));
    // The members themselves are the project's own code, not dependencies.
    assert!(
        plan.items.iter().all(|i| !i.name.starts_with("@ws-app/")),
        "{plan:#?}"
    );
    let names: Vec<String> = plan
        .items
        .iter()
        .map(|i| format!("{}@{}", i.name, i.version))
        .collect();
    assert_eq!(
        names,
        [
            "is-number@6.0.0",
            "is-number@7.0.0",
            "kind-of@6.0.3",
            "ms@2.1.3"
        ]
    );

    let web_dep = item(&plan.items, "is-number", "7.0.0");
    assert_eq!(paths(web_dep), ["ws-app/packages/web > is-number@7.0.0"]);
    assert!(web_dep.project.direct && !web_dep.project.dev);
    assert_eq!(
        web_dep.install_path.as_deref(),
        Some("packages/web/node_modules/is-number")
    );
    // Reached from api directly and from web through api: the path starts at the member
    // whose package.json declares it, once.
    let api_dep = item(&plan.items, "is-number", "6.0.0");
    assert_eq!(paths(api_dep), ["ws-app/packages/api > is-number@6.0.0"]);
    assert_eq!(
        paths(item(&plan.items, "kind-of", "6.0.3")),
        ["ws-app/packages/api > kind-of@6.0.3"]
    );
    // The root's own dev dependency keeps the root as its start.
    let ms = item(&plan.items, "ms", "2.1.3");
    assert_eq!(paths(ms), ["ws-app > ms@2.1.3"]);
    assert!(ms.project.dev);
}

/// The same project with its dependencies installed: every member's dependency is analysed
/// from node_modules (the nested one under the member too), none is left unchecked.
#[test]
fn npm_workspace_scan_uses_member_node_modules() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let src = testdata("tests/testdata/npm-workspaces");
    for rel in [
        "package.json",
        "package-lock.json",
        "packages/web/package.json",
        "packages/api/package.json",
    ] {
        std::fs::create_dir_all(root.join(rel).parent().unwrap()).unwrap();
        std::fs::copy(src.join(rel), root.join(rel)).unwrap();
    }
    for (at, name, version) in [
        ("node_modules/is-number", "is-number", "6.0.0"),
        ("node_modules/kind-of", "kind-of", "6.0.3"),
        ("node_modules/ms", "ms", "2.1.3"),
        ("packages/web/node_modules/is-number", "is-number", "7.0.0"),
    ] {
        std::fs::create_dir_all(root.join(at)).unwrap();
        std::fs::write(
            root.join(at).join("package.json"),
            format!(r#"{{"name":"{name}","version":"{version}"}}"#),
        )
        .unwrap();
        std::fs::write(root.join(at).join("index.js"), "module.exports = 1;\n").unwrap();
    }
    let mut opts = ferret_project::Options::new(root, "test");
    opts.offline = true;
    let report =
        ferret_project::scan_project(&opts, None, None, &ferret_project::NoProgress).unwrap();
    assert_eq!(report.errors, [], "{report:#?}");
    let info = report.project.as_ref().unwrap();
    assert_eq!(info.sources.get("node_modules"), Some(&4), "{info:?}");
    assert_eq!((info.direct, info.transitive), (4, 0), "{info:?}");
    let web_dep = report
        .packages
        .iter()
        .find(|p| p.package.name == "is-number" && p.package.version == "7.0.0")
        .unwrap();
    let project = web_dep.project.as_ref().unwrap();
    assert_eq!(project.origin, "node_modules");
    assert_eq!(project.paths, [["ws-app/packages/web", "is-number@7.0.0"]]);
}

/// yarn classic records no workspace members: their package.json files (found through the
/// root's `workspaces` globs) make their dependencies direct dependencies of the member.
/// pnpm (importers) and yarn berry record them; every format gives the member-first path.
#[test]
fn yarn_and_pnpm_workspace_members_start_their_paths() {
    for format in ["yarn-v1", "yarn-berry", "pnpm-v9", "pnpm-v6", "bun"] {
        let dir = testdata(&format!("../ferret_lockfile/testdata/{format}/workspaces"));
        let plan = plan_from_lockfiles(&dir).unwrap();
        let odd = item(&plan.items, "is-odd", "3.0.1");
        assert_eq!(
            paths(odd),
            ["monorepo/packages/b > is-odd@3.0.1"],
            "{format}: {plan:#?}"
        );
        assert!(odd.project.direct, "{format}");
        let n6 = item(&plan.items, "is-number", "6.0.0");
        assert_eq!(
            paths(n6),
            ["monorepo/packages/b > is-odd > is-number@6.0.0"],
            "{format}"
        );
        assert!(!n6.project.direct, "{format}");
        assert!(
            plan.items.iter().all(|i| !i.name.starts_with("@ws/")),
            "{format}: {plan:#?}"
        );
    }
}

#[test]
fn unreadable_member_is_skipped() {
    // A lockfile naming a member outside the project is never followed.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("package-lock.json"),
        r#"{"name":"x","version":"1.0.0","lockfileVersion":3,"packages":{"":{"name":"x","version":"1.0.0","workspaces":["../outside"]},"../outside":{"name":"o","version":"1.0.0","dependencies":{"a":"1"}}}}"#,
    )
    .unwrap();
    let plan = plan_from_lockfiles(dir.path()).unwrap();
    assert!(plan.items.is_empty(), "{plan:#?}");
}
