//! The install wrapper end to end: `ferret npm install …` in a temporary project whose
//! .npmrc points at the local Verdaccio (see `scripts/verdaccio-start`) with the real npm.
//! A benign package is installed; the malicious fixture is refused with exit 1, the blocking
//! rule printed, and the project left byte-for-byte as it was (no node_modules). The same
//! with pnpm and classic yarn; warnings need `--yes` without a terminal (or in CI) and ask
//! on one (a pseudo-terminal from util-linux `script`).

#![expect(clippy::unwrap_used, reason = "tests unwrap on inputs they wrote")]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;
use std::time::Duration;

use assert_cmd::Command;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The shared Verdaccio of `scripts/test` (`FERRET_E2E_REGISTRY`), or one started for this
/// test binary (stopped when it exits).
fn registry() -> &'static str {
    static REGISTRY: OnceLock<Result<String, String>> = OnceLock::new();
    match REGISTRY.get_or_init(start_or_reuse) {
        Ok(r) => r,
        Err(message) => panic!("{message}"),
    }
}

fn start_or_reuse() -> Result<String, String> {
    if let Ok(url) = std::env::var("FERRET_E2E_REGISTRY") {
        return Ok(url.trim_end_matches('/').to_owned());
    }
    let state = std::env::temp_dir().join(format!("ferret-e2e-gate-{}", std::process::id()));
    let script = repo_root().join("scripts/verdaccio-start");
    let out = std::process::Command::new("bash")
        .arg(&script)
        .arg("--state-dir")
        .arg(&state)
        .arg("--watch-pid")
        .arg(std::process::id().to_string())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    if !out.status.success() {
        return Err(format!(
            "scripts/verdaccio-start failed ({}); the gate e2e tests need Node.js/npm and \
             Python 3 (run scripts/test)\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .trim()
        .trim_end_matches('/')
        .to_owned())
}

/// A project with package.json and an .npmrc naming Verdaccio; its own npm cache.
fn project(home: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("package.json"),
        "{\n  \"name\": \"gate-app\",\n  \"version\": \"1.0.0\",\n  \"private\": true\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join(".npmrc"),
        format!(
            "registry={}/\ncache={}\n",
            registry(),
            home.join(".npm-cache").display()
        ),
    )
    .unwrap();
    dir
}

/// `ferret` with a private HOME and cache, working in `dir`, no inherited npm configuration.
fn ferret(home: &Path, dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("ferret").unwrap();
    cmd.current_dir(dir)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("FERRET_CACHE_DIR", home.join("ferret-cache"))
        .env("NO_COLOR", "1")
        .env("YARN_CACHE_FOLDER", home.join(".yarn-cache"))
        .env_remove("CI")
        .timeout(Duration::from_secs(120));
    for (key, _) in std::env::vars_os() {
        if key
            .to_str()
            .is_some_and(|k| k.to_ascii_lowercase().starts_with("npm_config_"))
        {
            cmd.env_remove(key);
        }
    }
    cmd
}

fn describe(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Every file under `dir` (relative path -> bytes), directories included as empty entries.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    let mut all = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(dir).unwrap().to_path_buf();
            if p.is_dir() {
                all.insert(rel, None);
                stack.push(p);
            } else {
                all.insert(rel, Some(std::fs::read(&p).unwrap()));
            }
        }
    }
    all
}

#[test]
fn npm_install_of_a_benign_package_runs_the_real_install() {
    let home = tempfile::tempdir().unwrap();
    let dir = project(home.path());
    let out = ferret(home.path(), dir.path())
        .args(["npm", "install", "ferret-fixture-benign@1.0.0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert!(
        dir.path()
            .join("node_modules/ferret-fixture-benign/package.json")
            .is_file(),
        "{}",
        describe(&out)
    );
    let manifest = std::fs::read_to_string(dir.path().join("package.json")).unwrap();
    assert!(manifest.contains("ferret-fixture-benign"), "{manifest}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("1 new or changed package(s) checked"),
        "{}",
        describe(&out)
    );
}

#[test]
fn npm_install_of_a_malicious_package_is_refused_and_the_project_is_untouched() {
    let home = tempfile::tempdir().unwrap();
    let dir = project(home.path());
    let before = snapshot(dir.path());
    let out = ferret(home.path(), dir.path())
        .args(["npm", "install", "@ferret-fixtures/proxy-malicious"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("@ferret-fixtures/proxy-malicious"), "{text}");
    assert!(
        text.contains("malware"),
        "the blocking rule is named\n{text}"
    );
    assert!(text.contains("refusing to run `npm install"), "{text}");
    assert!(!dir.path().join("node_modules").exists());
    assert_eq!(snapshot(dir.path()), before, "the project changed\n{text}");
}

#[test]
fn commands_that_install_nothing_run_unchanged() {
    let home = tempfile::tempdir().unwrap();
    let dir = project(home.path());
    let out = ferret(home.path(), dir.path())
        .args(["npm", "--version"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let version = String::from_utf8_lossy(&out.stdout);
    // `--version` is also ferret's flag: here it is npm's.
    assert!(
        version.trim().split('.').count() == 3
            && version.trim().split('.').all(|p| p.parse::<u32>().is_ok()),
        "npm's own output passes through\n{}",
        describe(&out)
    );
}

#[test]
fn npx_of_a_malicious_package_is_refused_before_it_runs() {
    let home = tempfile::tempdir().unwrap();
    let dir = project(home.path());
    let before = snapshot(dir.path());
    let out = ferret(home.path(), dir.path())
        .args(["npx", "--yes", "@ferret-fixtures/proxy-malicious"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("refusing to run `npx"),
        "{}",
        describe(&out)
    );
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn pnpm_add_of_a_malicious_package_is_refused_and_benign_is_added() {
    if std::process::Command::new("pnpm")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("pnpm is not installed; skipping");
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let dir = project(home.path());
    let before = snapshot(dir.path());
    let out = ferret(home.path(), dir.path())
        .args(["pnpm", "add", "@ferret-fixtures/proxy-malicious"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("refusing to run `pnpm add"),
        "{}",
        describe(&out)
    );
    assert_eq!(snapshot(dir.path()), before);

    let out = ferret(home.path(), dir.path())
        .args(["pnpm", "add", "ferret-fixture-benign@1.0.0"])
        .env("npm_config_store_dir", home.path().join("pnpm-store"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert!(
        dir.path()
            .join("node_modules/ferret-fixture-benign/package.json")
            .is_file(),
        "{}",
        describe(&out)
    );
}

/// yarn on PATH: `scripts/test` installs classic yarn (e2e/yarn) when the machine has none.
fn have_yarn() -> bool {
    let found = std::process::Command::new("yarn")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "`yarn` is not on PATH: run scripts/test (it installs yarn 1 into e2e/yarn) or `npm install -g yarn@1`"
    );
    found
}

#[test]
fn yarn_add_of_a_malicious_package_is_refused_and_benign_is_added() {
    have_yarn();
    let home = tempfile::tempdir().unwrap();
    let dir = project(home.path());
    let before = snapshot(dir.path());
    let out = ferret(home.path(), dir.path())
        .args(["yarn", "add", "@ferret-fixtures/proxy-malicious"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("refusing to run `yarn add"),
        "{}",
        describe(&out)
    );
    assert!(
        stderr.contains("@ferret-fixtures/proxy-malicious"),
        "{}",
        describe(&out)
    );
    assert_eq!(snapshot(dir.path()), before, "the project changed");

    let out = ferret(home.path(), dir.path())
        .args(["yarn", "add", "ferret-fixture-benign@1.0.0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("1 new or changed package(s) checked"),
        "{}",
        describe(&out)
    );
    assert!(
        dir.path()
            .join("node_modules/ferret-fixture-benign/package.json")
            .is_file(),
        "{}",
        describe(&out)
    );
    let lock = std::fs::read_to_string(dir.path().join("yarn.lock")).unwrap();
    assert!(lock.contains("ferret-fixture-benign@1.0.0"), "{lock}");
}

#[test]
fn bare_yarn_install_of_a_manifest_with_a_malicious_dependency_is_refused() {
    have_yarn();
    let home = tempfile::tempdir().unwrap();
    let dir = project(home.path());
    std::fs::write(
        dir.path().join("package.json"),
        "{\n  \"name\": \"gate-app\",\n  \"version\": \"1.0.0\",\n  \"private\": true,\n  \"dependencies\": {\"@ferret-fixtures/proxy-malicious\": \"*\", \"ferret-fixture-benign\": \"1.0.0\"}\n}\n",
    )
    .unwrap();
    let before = snapshot(dir.path());
    let out = ferret(home.path(), dir.path())
        .arg("yarn")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("blocked: @ferret-fixtures/proxy-malicious"),
        "{}",
        describe(&out)
    );
    assert_eq!(
        snapshot(dir.path()),
        before,
        "no yarn.lock, no node_modules"
    );
}

/// A policy under which the benign fixture warns (it is a trivial package) and nothing blocks.
fn warn_on_benign(dir: &Path) {
    std::fs::write(
        dir.join("ferret.toml"),
        "[rules]\ntrivial-package = \"warn\"\n",
    )
    .unwrap();
}

#[test]
fn a_warning_without_a_terminal_is_refused_and_names_yes() {
    let home = tempfile::tempdir().unwrap();
    let dir = project(home.path());
    warn_on_benign(dir.path());
    let before = snapshot(dir.path());
    let out = ferret(home.path(), dir.path())
        .args(["npm", "install", "ferret-fixture-benign@1.0.0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("trivial-package"), "{}", describe(&out));
    assert!(stderr.contains("--yes"), "{}", describe(&out));
    assert_eq!(snapshot(dir.path()), before, "the project changed");
}

#[test]
fn a_warning_with_yes_proceeds() {
    let home = tempfile::tempdir().unwrap();
    let dir = project(home.path());
    warn_on_benign(dir.path());
    let out = ferret(home.path(), dir.path())
        .args(["npm", "--yes", "install", "ferret-fixture-benign@1.0.0"])
        .env("CI", "true")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("trivial-package"),
        "the warning is shown\n{}",
        describe(&out)
    );
    assert!(
        dir.path()
            .join("node_modules/ferret-fixture-benign/package.json")
            .is_file(),
        "{}",
        describe(&out)
    );
}

/// Runs `ferret npm install <benign>` on a pseudo-terminal (util-linux `script`) answering
/// `answer` to the confirmation; its output (terminal transcript) and exit code.
fn on_a_terminal(home: &Path, dir: &Path, answer: &str, ci: bool) -> (Option<i32>, String) {
    let ferret = assert_cmd::cargo::cargo_bin("ferret");
    let line = format!(
        "{} npm install ferret-fixture-benign@1.0.0",
        ferret.display()
    );
    let mut cmd = ferret_env(std::process::Command::new("script"), home, dir);
    cmd.args(["-qec", &line, "/dev/null"]);
    if ci {
        cmd.env("CI", "true");
    }
    let mut child = cmd
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("util-linux `script` is needed for the terminal tests");
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(answer.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text)
}

/// The environment of [`ferret`] on a plain `std::process::Command`.
fn ferret_env(mut cmd: std::process::Command, home: &Path, dir: &Path) -> std::process::Command {
    cmd.current_dir(dir)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("FERRET_CACHE_DIR", home.join("ferret-cache"))
        .env("NO_COLOR", "1")
        .env("YARN_CACHE_FOLDER", home.join(".yarn-cache"))
        .env_remove("CI");
    for (key, _) in std::env::vars_os() {
        if key
            .to_str()
            .is_some_and(|k| k.to_ascii_lowercase().starts_with("npm_config_"))
        {
            cmd.env_remove(key);
        }
    }
    cmd
}

#[test]
fn on_a_terminal_a_warning_asks_and_n_refuses_y_proceeds() {
    let home = tempfile::tempdir().unwrap();
    let dir = project(home.path());
    warn_on_benign(dir.path());
    let before = snapshot(dir.path());

    let (code, text) = on_a_terminal(home.path(), dir.path(), "n\n", false);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("Proceed with the install? [y/N]"), "{text}");
    assert!(text.contains("not confirmed"), "{text}");
    assert_eq!(snapshot(dir.path()), before, "the project changed\n{text}");

    // CI wins over a terminal: no question, a refusal naming --yes.
    let (code, text) = on_a_terminal(home.path(), dir.path(), "y\n", true);
    assert_eq!(code, Some(1), "{text}");
    assert!(!text.contains("Proceed with the install?"), "{text}");
    assert!(text.contains("--yes"), "{text}");
    assert_eq!(snapshot(dir.path()), before, "the project changed\n{text}");

    let (code, text) = on_a_terminal(home.path(), dir.path(), "y\n", false);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("Proceed with the install? [y/N]"), "{text}");
    assert!(
        dir.path()
            .join("node_modules/ferret-fixture-benign/package.json")
            .is_file(),
        "{text}"
    );
}

/// yarn Berry's release (`@yarnpkg/cli-dist`, one self-contained file), installed into
/// e2e/yarn-berry by `scripts/test` or here on first use (needs the network once).
fn yarn_berry() -> PathBuf {
    static BERRY: OnceLock<PathBuf> = OnceLock::new();
    BERRY
        .get_or_init(|| {
            let prefix = repo_root().join("e2e/yarn-berry");
            let js = prefix.join("node_modules/@yarnpkg/cli-dist/bin/yarn.js");
            if !js.is_file() {
                let out = std::process::Command::new("npm")
                    .args(["install", "--prefix"])
                    .arg(&prefix)
                    .args([
                        "--no-save",
                        "--no-package-lock",
                        "--ignore-scripts",
                        "--no-audit",
                        "--no-fund",
                        BERRY_SPEC,
                    ])
                    .output()
                    .unwrap();
                assert!(
                    out.status.success() && js.is_file(),
                    "cannot install {BERRY_SPEC} into e2e/yarn-berry (network needed once): {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            js
        })
        .clone()
}

/// The Berry release the test runs; scripts/test installs the same.
const BERRY_SPEC: &str = "@yarnpkg/cli-dist@4.5.3";

#[test]
fn yarn_berry_add_is_resolved_lockfile_only_and_refused_or_run() {
    let js = yarn_berry();
    let home = tempfile::tempdir().unwrap();
    // A `yarn` shim first on PATH, as corepack or volta would put there.
    let bin = home.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::fs::write(
        bin.join("yarn"),
        format!(
            "#!/bin/sh\nexec node {:?} \"$@\"\n",
            js.display().to_string()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(bin.join("yarn"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = std::env::join_paths(
        std::iter::once(bin).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let dir = project(home.path());
    std::fs::remove_file(dir.path().join(".npmrc")).unwrap();
    std::fs::write(
        dir.path().join(".yarnrc.yml"),
        format!(
            "npmRegistryServer: \"{}\"\nunsafeHttpWhitelist: [\"127.0.0.1\"]\nnodeLinker: node-modules\nenableTelemetry: false\n",
            registry()
        ),
    )
    .unwrap();
    let before = snapshot(dir.path());
    let out = ferret(home.path(), dir.path())
        .args(["yarn", "add", "@ferret-fixtures/proxy-malicious"])
        .env("PATH", &path)
        .env("YARN_GLOBAL_FOLDER", home.path().join(".yarn-berry"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("blocked: @ferret-fixtures/proxy-malicious"),
        "{}",
        describe(&out)
    );
    assert_eq!(snapshot(dir.path()), before, "the project changed");

    let out = ferret(home.path(), dir.path())
        .args(["yarn", "add", "ferret-fixture-benign@1.0.0"])
        .env("PATH", &path)
        .env("YARN_GLOBAL_FOLDER", home.path().join(".yarn-berry"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert!(
        dir.path()
            .join("node_modules/ferret-fixture-benign/package.json")
            .is_file(),
        "{}",
        describe(&out)
    );
    let lock = std::fs::read_to_string(dir.path().join("yarn.lock")).unwrap();
    assert!(lock.contains("__metadata"), "a Berry lockfile\n{lock}");
}

#[test]
fn an_install_into_another_directory_is_refused_not_passed_through() {
    // `npm --prefix DIR install` would install into DIR while ferret checked the current
    // project (and the first operand, DIR, hid the subcommand).
    let home = tempfile::tempdir().unwrap();
    let dir = project(home.path());
    let other = tempfile::tempdir().unwrap();
    let out = ferret(home.path(), dir.path())
        .args(["npm", "--prefix"])
        .arg(other.path())
        .args(["install", "@ferret-fixtures/proxy-malicious"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("works in another directory"),
        "{}",
        describe(&out)
    );
    assert!(!other.path().join("node_modules").exists());
}
