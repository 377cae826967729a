//! The registry: every rule ferret runs, one line each. A test fails when a rule file is
//! not listed here, when ids collide, or when a rule's docs lack a required section.

use crate::rule::Rule;
use crate::rules;

static RULES: &[&dyn Rule] = &[
    // Capabilities.
    &rules::network_access::NetworkAccess,
    &rules::filesystem_access::FilesystemAccess,
    &rules::shell_access::ShellAccess,
    &rules::env_access::EnvAccess,
    &rules::dynamic_code::DynamicCode,
    &rules::debug_access::DebugAccess,
    &rules::native_code::NativeCode,
    &rules::install_script::InstallScript,
    &rules::clipboard_access::ClipboardAccess,
    &rules::browser_data_access::BrowserDataAccess,
    &rules::system_info::SystemInfo,
    // Package shape.
    &rules::unsafe_archive_entry::UnsafeArchiveEntry,
    &rules::unparseable_code::UnparseableCode,
    &rules::disguised_binary::DisguisedBinary,
    &rules::invalid_manifest::InvalidManifest,
    &rules::known_malware::KnownMalware,
    &rules::obfuscated_code::ObfuscatedCode,
    &rules::minified_code::MinifiedCode,
    &rules::trojan_source::TrojanSource,
    &rules::invisible_characters::InvisibleCharacters,
    &rules::homoglyph_identifiers::HomoglyphIdentifiers,
    &rules::high_entropy_string::HighEntropyString,
    &rules::long_string::LongString,
    &rules::whitespace_hidden_code::WhitespaceHiddenCode,
    &rules::log_suppression::LogSuppression,
    &rules::suspicious_endpoint::SuspiciousEndpoint,
    &rules::crypto_clipper::CryptoClipper,
    &rules::cryptominer::Cryptominer,
    &rules::ai_agent_abuse::AiAgentAbuse,
    &rules::ci_workflow_injection::CiWorkflowInjection,
    &rules::sandbox_evasion::SandboxEvasion,
    &rules::protestware::Protestware,
    &rules::telemetry::Telemetry,
    &rules::download_exec::DownloadExec,
    &rules::exfiltration::Exfiltration,
    &rules::credential_access::CredentialAccess,
    &rules::reverse_shell::ReverseShell,
    &rules::persistence::Persistence,
    &rules::destructive_code::DestructiveCode,
    &rules::self_propagation::SelfPropagation,
    &rules::encoded_payload_exec::EncodedPayloadExec,
    &rules::malware::Malware,
    // Identity and registry metadata.
    &rules::typosquat::Typosquat,
    &rules::dependency_confusion::DependencyConfusion,
    &rules::manifest_confusion::ManifestConfusion,
    &rules::new_publisher::NewPublisher,
    &rules::recently_published::RecentlyPublished,
    &rules::deprecated::Deprecated,
    &rules::unpublished::Unpublished,
    &rules::missing_tarball::MissingTarball,
    &rules::unmaintained::Unmaintained,
    &rules::unpopular::Unpopular,
    &rules::version_anomaly::VersionAnomaly,
    &rules::git_dependency::GitDependency,
    &rules::http_dependency::HttpDependency,
    &rules::file_dependency::FileDependency,
    &rules::floating_dependency::FloatingDependency,
    &rules::shrinkwrap::Shrinkwrap,
    &rules::bin_shadowing::BinShadowing,
    &rules::trivial_package::TrivialPackage,
    &rules::empty_package::EmptyPackage,
    &rules::too_many_files::TooManyFiles,
    &rules::missing_license::MissingLicense,
    &rules::unidentified_license::UnidentifiedLicense,
    &rules::copyleft_license::CopyleftLicense,
    &rules::non_permissive_license::NonPermissiveLicense,
    // Change between versions (run by the diff only).
    &rules::capability_added::CapabilityAdded,
    &rules::install_script_added::InstallScriptAdded,
    &rules::dependency_added::DependencyAdded,
    &rules::obfuscation_added::ObfuscationAdded,
    &rules::entrypoint_changed::EntrypointChanged,
    &rules::major_refactor::MajorRefactor,
    &rules::behavior_added::BehaviorAdded,
];

/// Every registered rule, in registry order.
pub fn all_rules() -> &'static [&'static dyn Rule] {
    RULES
}

/// The rule with this id.
pub fn find_rule(id: &str) -> Option<&'static dyn Rule> {
    RULES.iter().copied().find(|r| r.meta().id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::path::Path;

    /// The sections every rule's documentation must have (STYLE.md).
    const REQUIRED_SECTIONS: [&str; 3] =
        ["## What it does", "## Why is this a risk?", "## Example"];

    #[test]
    fn ids_are_unique_and_kebab_case() {
        let mut seen = BTreeSet::new();
        for rule in all_rules() {
            let id = rule.meta().id;
            assert!(seen.insert(id), "duplicate rule id `{id}`");
            let kebab = !id.is_empty()
                && !id.starts_with('-')
                && !id.ends_with('-')
                && !id.contains("--")
                && id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            assert!(kebab, "rule id `{id}` is not kebab-case");
        }
    }

    #[test]
    fn docs_have_required_sections() {
        for rule in all_rules() {
            let meta = rule.meta();
            let docs = meta.docs_markdown();
            for section in REQUIRED_SECTIONS {
                assert!(
                    docs.lines().any(|l| l.trim_end() == section),
                    "rule `{}` docs lack `{section}`",
                    meta.id
                );
            }
            assert!(
                !meta.summary().is_empty(),
                "rule `{}` has no summary",
                meta.id
            );
        }
    }

    #[test]
    fn find_rule_by_id() {
        assert_eq!(
            find_rule("shell-access").map(|r| r.meta().name),
            Some("ShellAccess")
        );
        assert!(find_rule("no-such-rule").is_none());
    }

    /// Reads `src/rules/` at test time: every file that declares a rule must have each of its
    /// ids registered, so a new rule file cannot be forgotten.
    #[test]
    fn every_rule_file_is_registered() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules");
        let registered: BTreeSet<&str> = all_rules().iter().map(|r| r.meta().id).collect();
        let mut files = Vec::new();
        collect_rs_files(&dir, &mut files);
        assert!(files.len() > 1, "no rule files found in {}", dir.display());
        let mut declared = 0;
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            if !text.contains("declare_rule! {") {
                continue;
            }
            let ids = declared_ids(&text);
            assert!(
                !ids.is_empty(),
                "{} declares a rule without an id",
                path.display()
            );
            for id in ids {
                declared += 1;
                assert!(
                    registered.contains(id.as_str()),
                    "rule `{id}` in {} is not listed in registry.rs",
                    path.display()
                );
            }
        }
        assert_eq!(
            declared,
            registered.len(),
            "registry lists rules without files"
        );
    }

    fn collect_rs_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                collect_rs_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    fn declared_ids(text: &str) -> Vec<String> {
        text.match_indices("id = \"")
            .filter_map(|(i, m)| {
                let rest = &text[i + m.len()..];
                rest.find('"').map(|end| rest[..end].to_string())
            })
            .collect()
    }
}
