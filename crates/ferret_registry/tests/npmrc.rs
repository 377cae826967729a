#![expect(clippy::unwrap_used, reason = "test setup; a panic is a failure")]

//! Registry discovery from `.npmrc` files and the environment, in npm's precedence order.

use ferret_registry::{DEFAULT_REGISTRY, RegistryConfig, RegistryError};
use std::path::Path;

fn no_env(_: &str) -> Option<String> {
    None
}

struct Dirs {
    _tmp: tempfile::TempDir,
    project: std::path::PathBuf,
    user: std::path::PathBuf,
}

fn dirs(project_npmrc: Option<&str>, user_npmrc: Option<&str>) -> Dirs {
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("project");
    std::fs::create_dir(&project).unwrap();
    if let Some(text) = project_npmrc {
        std::fs::write(project.join(".npmrc"), text).unwrap();
    }
    let user = tmp.path().join("user.npmrc");
    if let Some(text) = user_npmrc {
        std::fs::write(&user, text).unwrap();
    }
    Dirs {
        _tmp: tmp,
        project,
        user,
    }
}

fn discover(d: &Dirs, cli: Option<&str>, env: &dyn Fn(&str) -> Option<String>) -> RegistryConfig {
    RegistryConfig::discover_with(cli, &d.project, Some(&d.user), env).unwrap()
}

#[test]
fn default_when_nothing_is_configured() {
    let d = dirs(None, None);
    let c = discover(&d, None, &no_env);
    assert_eq!(c.registry, DEFAULT_REGISTRY);
    assert_eq!(c.auth_token, None);
    let missing = RegistryConfig::discover_with(None, Path::new("/nonexistent"), None, &no_env);
    assert_eq!(missing.unwrap().registry, DEFAULT_REGISTRY);
}

#[test]
fn project_over_user_env_over_files_cli_over_all() {
    let d = dirs(
        Some("registry=https://project.example/npm"),
        Some("registry=https://user.example/\n"),
    );
    assert_eq!(
        discover(&d, None, &no_env).registry,
        "https://project.example/npm/"
    );

    let d2 = dirs(None, Some("registry=https://user.example/\n"));
    assert_eq!(
        discover(&d2, None, &no_env).registry,
        "https://user.example/"
    );

    let env = |k: &str| (k == "npm_config_registry").then(|| "http://env.example:4873".to_owned());
    assert_eq!(
        discover(&d, None, &env).registry,
        "http://env.example:4873/"
    );
    let upper = |k: &str| (k == "NPM_CONFIG_REGISTRY").then(|| "http://upper.example/".to_owned());
    assert_eq!(discover(&d, None, &upper).registry, "http://upper.example/");

    assert_eq!(
        discover(&d, Some("http://127.0.0.1:4873"), &env).registry,
        "http://127.0.0.1:4873/"
    );
}

#[test]
fn tokens_scopes_and_env_expansion() {
    let d = dirs(
        Some(
            "@corp:registry=https://npm.corp.example/repo/\n\
             //npm.corp.example/repo/:_authToken=${CORP_TOKEN}\n",
        ),
        Some(
            "registry=https://registry.example/\n\
             //registry.example/:_authToken=user-token\n\
             //npm.corp.example/repo/:_authToken=overridden-by-project\n\
             //npm.corp.example/:_authToken=host-wide\n",
        ),
    );
    let env = |k: &str| (k == "CORP_TOKEN").then(|| "corp-token".to_owned());
    let c = discover(&d, None, &env);
    assert_eq!(c.registry, "https://registry.example/");
    assert_eq!(c.auth_token.as_deref(), Some("user-token"));

    assert_eq!(
        c.registry_for("@corp/lib"),
        "https://npm.corp.example/repo/"
    );
    assert_eq!(c.registry_for("@other/lib"), "https://registry.example/");
    assert_eq!(c.registry_for("plain"), "https://registry.example/");

    // Longest matching //host/path/ prefix wins; the project file overrides the user file.
    assert_eq!(
        c.token_for("https://npm.corp.example/repo/@corp%2flib"),
        Some("corp-token")
    );
    assert_eq!(
        c.token_for("https://npm.corp.example/other/x.tgz"),
        Some("host-wide")
    );
    assert_eq!(
        c.token_for("https://registry.example/x/-/x-1.0.0.tgz"),
        Some("user-token")
    );
    // Other hosts, look-alike hosts, other ports and other schemes get nothing.
    assert_eq!(c.token_for("https://registry.example.evil.example/x"), None);
    assert_eq!(c.token_for("https://registry.example:8443/x"), None);
    assert_eq!(c.token_for("https://cdn.example/x.tgz"), None);
    assert_eq!(c.token_for("file:///registry.example/"), None);
}

#[test]
fn auth_token_applies_under_its_registry_only() {
    let mut c = RegistryConfig::new("http://127.0.0.1:4873");
    c.auth_token = Some("t".to_owned());
    assert_eq!(c.token_for("http://127.0.0.1:4873/x"), Some("t"));
    assert_eq!(c.token_for("http://127.0.0.1:4874/x"), None);
}

#[test]
fn invalid_registry_names_the_file_and_key() {
    let d = dirs(Some("registry=ftp://nope.example/"), None);
    let err = RegistryConfig::discover_with(None, &d.project, Some(&d.user), &no_env).unwrap_err();
    assert!(
        matches!(err, RegistryError::InvalidRegistry { .. }),
        "{err}"
    );
    let msg = err.to_string();
    assert!(msg.contains(".npmrc") && msg.contains("registry"), "{msg}");
}
