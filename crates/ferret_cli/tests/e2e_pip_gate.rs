//! The pip install gate end to end: `ferret pip install …` with the real pip of a fresh
//! virtual environment (its `bin` first on PATH, as when it is activated) against the local
//! pypiserver holding the distributions built from `tests/fixtures/pypi/` (see
//! `scripts/pypiserver-start`; `scripts/test` exports `FERRET_E2E_PYPI`).
//!
//! The benign wheel is installed; the malicious fixture (an sdist whose setup.py beacons)
//! is refused with exit 1 and the environment is left as it was; a newer release that only
//! has an sdist is the one checked (what pip would build), read without building it; a
//! local directory is refused before its setup.py can run.

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

/// The simple index URL (`http://127.0.0.1:PORT/simple/`).
fn index() -> &'static str {
    static INDEX: OnceLock<Result<String, String>> = OnceLock::new();
    match INDEX.get_or_init(start_or_reuse) {
        Ok(url) => url,
        Err(message) => panic!("{message}"),
    }
}

fn start_or_reuse() -> Result<String, String> {
    if let Ok(url) = std::env::var("FERRET_E2E_PYPI") {
        return Ok(url);
    }
    let state = std::env::temp_dir().join(format!(
        "ferret-e2e-pip-gate-pypiserver-{}",
        std::process::id()
    ));
    let script = repo_root().join("scripts/pypiserver-start");
    let out = std::process::Command::new("bash")
        .arg(&script)
        .arg("--state-dir")
        .arg(&state)
        .arg("--watch-pid")
        .arg(std::process::id().to_string())
        .output()
        .map_err(|e| format!("cannot run {} with bash: {e}", script.display()))?;
    if !out.status.success() {
        return Err(format!(
            "FERRET_E2E_PYPI is unset and `scripts/pypiserver-start` failed ({}); the pip gate \
             tests need Python 3 and network access once to install pypiserver. Run \
             `scripts/test`.\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// A fresh virtual environment under `home`. `python3 -m venv` with its own pip takes
/// seconds (ensurepip); this one sees the base interpreter's pip (system site-packages) and
/// gets a `bin/pip` that runs it with the venv's python, so installs land in the venv.
fn venv(home: &Path) -> PathBuf {
    let dir = home.join("venv");
    let out = std::process::Command::new("python3")
        .args(["-m", "venv", "--without-pip", "--system-site-packages"])
        .arg(&dir)
        .output()
        .expect("python3 is needed for the pip gate tests");
    assert!(
        out.status.success(),
        "python3 -m venv failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pip = dir.join("bin/pip");
    std::fs::write(
        &pip,
        "#!/bin/sh\nexec \"$(dirname \"$0\")/python\" -m pip \"$@\"\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&pip, std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

/// `ferret` working in `dir` with the venv activated, the local index as PIP_INDEX_URL and
/// no other pip configuration.
fn ferret(home: &Path, venv: &Path, dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("ferret").unwrap();
    apply_env(&mut cmd, home, venv, dir);
    cmd.timeout(Duration::from_secs(120));
    cmd
}

fn apply_env(cmd: &mut Command, home: &Path, venv: &Path, dir: &Path) {
    for (key, _) in std::env::vars_os() {
        if key.to_str().is_some_and(|k| k.starts_with("PIP_")) {
            cmd.env_remove(key);
        }
    }
    let path = std::env::join_paths(
        std::iter::once(venv.join("bin"))
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    cmd.current_dir(dir)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("FERRET_CACHE_DIR", home.join("ferret-cache"))
        .env("PIP_CONFIG_FILE", "/dev/null")
        .env("PIP_INDEX_URL", index())
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .env("VIRTUAL_ENV", venv)
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .env_remove("PYTHONPATH")
        .env_remove("CI");
}

fn describe(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Every file of the environment's site-packages: path -> (size, modification time).
fn site_packages(venv: &Path) -> BTreeMap<PathBuf, (u64, std::time::SystemTime)> {
    let lib = venv.join("lib");
    let mut all = BTreeMap::new();
    let mut stack = vec![lib.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            if meta.is_dir() {
                stack.push(p.clone());
            }
            all.insert(
                p.strip_prefix(&lib).unwrap().to_path_buf(),
                (meta.len(), meta.modified().unwrap()),
            );
        }
    }
    all
}

/// `pip list` of the environment.
fn pip_list(venv: &Path) -> String {
    let out = std::process::Command::new(venv.join("bin/python"))
        .args(["-m", "pip", "list", "--disable-pip-version-check"])
        .env("PIP_CONFIG_FILE", "/dev/null")
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn pip_install_of_a_benign_wheel_installs_it() {
    let home = tempfile::tempdir().unwrap();
    let env = venv(home.path());
    let out = ferret(home.path(), &env, home.path())
        .args(["pip", "install", "ferret_fixture_benign==1.0.0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("1 new or changed package(s) checked"),
        "{}",
        describe(&out)
    );
    let list = pip_list(&env);
    assert!(
        list.lines()
            .any(|l| l.starts_with("ferret_fixture_benign") && l.ends_with("1.0.0")),
        "{list}\n{}",
        describe(&out)
    );
}

#[test]
fn pip_install_of_a_malicious_sdist_is_refused_and_the_environment_is_unchanged() {
    let home = tempfile::tempdir().unwrap();
    let env = venv(home.path());
    let before = site_packages(&env);
    let list_before = pip_list(&env);
    let out = ferret(home.path(), &env, home.path())
        .args(["pip", "install", "ferret_fixture_evil"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("blocked: ferret-fixture-evil@1.0.0"),
        "{}",
        describe(&out)
    );
    assert!(
        stderr.contains("refusing to run `pip install ferret_fixture_evil`"),
        "{}",
        describe(&out)
    );
    assert_eq!(pip_list(&env), list_before);
    assert_eq!(site_packages(&env), before, "site-packages changed");
}

#[test]
fn a_newer_release_with_only_an_sdist_is_the_one_checked_and_warnings_need_yes() {
    // ferret_fixture_benign 1.0.0 has a wheel, 1.1.0 only an sdist: pip would build 1.1.0,
    // so that is what the gate must check (its setup.py is an install script: a warning
    // under this policy, and without a terminal a warning is a refusal).
    let home = tempfile::tempdir().unwrap();
    let env = venv(home.path());
    let project = home.path().join("project");
    std::fs::create_dir(&project).unwrap();
    std::fs::write(
        project.join("ferret.toml"),
        "[rules]\ninstall-script = \"warn\"\n",
    )
    .unwrap();
    let before = site_packages(&env);
    // --no-build-isolation: the build would use the environment's setuptools, so there are
    // no build requirements to fetch (the fixture index has none; see the next test).
    let out = ferret(home.path(), &env, &project)
        .args([
            "pip",
            "install",
            "--no-build-isolation",
            "ferret_fixture_benign",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("ferret_fixture_benign-1.1.0.tar.gz"),
        "{}",
        describe(&out)
    );
    assert!(stderr.contains("install-script"), "{}", describe(&out));
    assert!(stderr.contains("--yes"), "{}", describe(&out));
    assert_eq!(site_packages(&env), before, "site-packages changed");
}

#[test]
fn the_build_requirements_of_an_sdist_to_build_are_resolved_too() {
    // pip would build ferret_fixture_benign 1.1.0 in an isolated environment after
    // installing setuptools and wheel into it; the fixture index has neither, so they
    // cannot be checked, and the install is refused before anything runs.
    let home = tempfile::tempdir().unwrap();
    let env = venv(home.path());
    let before = site_packages(&env);
    let out = ferret(home.path(), &env, home.path())
        .args(["pip", "install", "ferret_fixture_benign"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("build requirements (setuptools>=40.8.0, wheel)"),
        "{}",
        describe(&out)
    );
    assert_eq!(site_packages(&env), before, "site-packages changed");
}

/// Writes minimal `py3-none-any` wheels named `names` (version 99.0, one empty module)
/// into `dir`, with the standard library.
fn stand_in_wheels(dir: &Path, names: &[&str]) {
    let script = r#"
import sys, zipfile
out = sys.argv[1]
for name in sys.argv[2:]:
    info = f"{name}-99.0.dist-info"
    with zipfile.ZipFile(f"{out}/{name}-99.0-py3-none-any.whl", "w") as z:
        z.writestr(f"{name}/__init__.py", "")
        z.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: 99.0\n")
        z.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        z.writestr(f"{info}/RECORD", "")
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(dir)
        .args(names)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn build_requirements_that_resolve_are_checked_before_pip_builds() {
    // With setuptools and wheel available (stand-ins in a --find-links folder), the sdist
    // and both build requirements are checked, then the real pip runs (its build with the
    // stand-in setuptools fails, which is pip's business: ferret passes its exit code on).
    let home = tempfile::tempdir().unwrap();
    let env = venv(home.path());
    let links = home.path().join("links");
    std::fs::create_dir(&links).unwrap();
    stand_in_wheels(&links, &["setuptools", "wheel"]);
    let out = ferret(home.path(), &env, home.path())
        .args(["pip", "install", "--find-links"])
        .arg(&links)
        .arg("ferret_fixture_benign")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("3 new or changed package(s) checked"),
        "{}",
        describe(&out)
    );
    assert!(
        stderr.contains("No module named 'setuptools.build_meta'"),
        "the real pip ran and built with the checked (stand-in) setuptools\n{}",
        describe(&out)
    );
    assert_ne!(out.status.code(), Some(0), "{}", describe(&out));
}

#[test]
fn a_local_directory_is_refused_before_its_setup_py_runs() {
    let home = tempfile::tempdir().unwrap();
    let env = venv(home.path());
    let local = home.path().join("localpkg");
    std::fs::create_dir(&local).unwrap();
    let marker = home.path().join("setup-py-ran");
    std::fs::write(
        local.join("setup.py"),
        format!(
            "open({:?}, 'w').close()\nfrom setuptools import setup\nsetup(name='localpkg', version='1.0')\n",
            marker.display().to_string()
        ),
    )
    .unwrap();
    let out = ferret(home.path(), &env, home.path())
        .args(["pip", "install", "./localpkg"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("would build a package from source"),
        "{}",
        describe(&out)
    );
    assert!(!marker.exists(), "setup.py ran\n{}", describe(&out));
    assert!(!pip_list(&env).contains("localpkg"));
}

#[test]
fn pip_commands_that_install_nothing_run_unchanged() {
    let home = tempfile::tempdir().unwrap();
    let env = venv(home.path());
    let out = ferret(home.path(), &env, home.path())
        .args(["pip", "--version"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("pip ") && stdout.contains("(python 3"),
        "pip answers, not ferret\n{}",
        describe(&out)
    );
}

/// A stand-in `pip` for the contract with the real one: its dry run copies a prepared
/// report (and, as it loads no sitecustomize, proves the guard itself); its install
/// records its arguments and the constraints it was given.
const FAKE_PIP: &str = r#"#!/bin/sh
dry=""
report=""
prev=""
for a in "$@"; do
  [ "$a" = "--dry-run" ] && dry=1
  [ "$prev" = "--report" ] && report="$a"
  prev="$a"
done
if [ -n "$dry" ]; then
  : > "$FERRET_PIP_GATE_PROOF"
  cp "$FAKE_REPORT" "$report"
  exit 0
fi
printf '%s\n' "$@" > "$FAKE_LOG.args"
printf '%s' "$PIP_CONSTRAINT" > "$FAKE_LOG.env"
for f in $PIP_CONSTRAINT; do cat "$f"; done > "$FAKE_LOG.pins"
"#;

#[test]
fn the_real_pip_gets_the_users_arguments_unchanged_and_pins_to_what_was_checked() {
    let home = tempfile::tempdir().unwrap();
    let env = venv(home.path());
    let fake = home.path().join("fake-bin");
    std::fs::create_dir(&fake).unwrap();
    std::fs::write(fake.join("pip"), FAKE_PIP).unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(fake.join("pip"), std::fs::Permissions::from_mode(0o755)).unwrap();

    let wheel = format!(
        "{}/packages/ferret_fixture_benign-1.0.0-py3-none-any.whl",
        index().trim_end_matches('/').trim_end_matches("/simple")
    );
    let digest = std::process::Command::new("python3")
        .args([
            "-c",
            "import hashlib, sys, urllib.request; print(hashlib.sha256(urllib.request.urlopen(sys.argv[1]).read()).hexdigest())",
            &wheel,
        ])
        .output()
        .unwrap();
    let digest = String::from_utf8_lossy(&digest.stdout).trim().to_owned();
    assert_eq!(digest.len(), 64, "cannot hash {wheel}");
    let report = home.path().join("report.json");
    std::fs::write(
        &report,
        serde_json::json!({
            "version": "1",
            "install": [{
                "download_info": {"url": wheel, "archive_info": {"hashes": {"sha256": digest}}},
                "metadata": {"name": "ferret_fixture_benign", "version": "1.0.0"}
            }]
        })
        .to_string(),
    )
    .unwrap();
    let mine = home.path().join("my-constraints.txt");
    std::fs::write(&mine, "").unwrap();
    let log = home.path().join("fake");
    let path = std::env::join_paths(
        std::iter::once(fake.clone())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let out = ferret(home.path(), &env, home.path())
        .args(["pip", "install", "-q", "ferret_fixture_benign==1.0.0"])
        .env("PATH", path)
        .env("FAKE_REPORT", &report)
        .env("FAKE_LOG", &log)
        .env("PIP_CONSTRAINT", &mine)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let args = std::fs::read_to_string(log.with_extension("args")).unwrap();
    assert_eq!(args, "install\n-q\nferret_fixture_benign==1.0.0\n");
    let constraints = std::fs::read_to_string(log.with_extension("env")).unwrap();
    assert!(
        constraints.starts_with(&format!("{} ", mine.display())),
        "the user's constraints come first: {constraints}"
    );
    let pins = std::fs::read_to_string(log.with_extension("pins")).unwrap();
    assert_eq!(pins, "ferret_fixture_benign==1.0.0\n");
}
