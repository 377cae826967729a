//! One module per rule. Each file holds one `declare_rule!`, its `impl Rule`, helpers and
//! tests; every rule is also listed once in `registry.rs`.

pub mod capability_uses;

// Capabilities (section 1 of the red-flag catalog).
pub mod browser_data_access;
pub mod clipboard_access;
pub mod debug_access;
pub mod dynamic_code;
pub mod env_access;
pub mod filesystem_access;
pub mod install_script;
pub mod native_code;
pub mod network_access;
pub mod shell_access;
pub mod system_info;

// The shape of the package.
pub mod disguised_binary;
pub mod invalid_manifest;
pub mod known_malware;
pub mod unparseable_code;
pub mod unsafe_archive_entry;

// Hidden and obfuscated code (section 2), and suspicious endpoints.
pub mod high_entropy_string;
pub mod homoglyph_identifiers;
pub mod invisible_characters;
pub mod log_suppression;
pub mod long_string;
pub mod minified_code;
pub mod obfuscated_code;
pub mod suspicious_endpoint;
pub mod trojan_source;
pub mod whitespace_hidden_code;

// Malicious behaviour recognised by combination (section 3; detect/campaigns.rs).
pub mod ai_agent_abuse;
pub mod ci_workflow_injection;
pub mod crypto_clipper;
pub mod cryptominer;
pub mod protestware;
pub mod sandbox_evasion;
pub mod telemetry;

// Malicious behaviour (section 3; detect/behavior.rs) and the verdict.
pub mod credential_access;
pub mod destructive_code;
pub mod download_exec;
pub mod encoded_payload_exec;
pub mod exfiltration;
pub mod malware;
pub mod persistence;
pub mod reverse_shell;
pub mod self_propagation;

// Identity and registry metadata (section 4 of the red-flag catalog).
pub mod bin_shadowing;
pub mod copyleft_license;
pub mod dependency_confusion;
pub mod deprecated;
pub mod empty_package;
pub mod file_dependency;
pub mod floating_dependency;
pub mod git_dependency;
pub mod http_dependency;
pub mod manifest_confusion;
pub mod missing_license;
pub mod missing_tarball;
pub mod new_publisher;
pub mod non_permissive_license;
pub mod recently_published;
pub mod shrinkwrap;
pub mod too_many_files;
pub mod trivial_package;
pub mod typosquat;
pub mod unidentified_license;
pub mod unmaintained;
pub mod unpopular;
pub mod unpublished;
pub mod version_anomaly;

// Change between versions (section 5): `check_diff` only.
pub mod behavior_added;
pub mod capability_added;
pub mod dependency_added;
pub mod entrypoint_changed;
pub mod install_script_added;
pub mod major_refactor;
pub mod obfuscation_added;
