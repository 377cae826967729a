//! `browser-data-access`: code that touches browser profiles, cookies or wallet stores.

use crate::declare_rule;
use crate::rule::{Rule, RuleContext, RuleMeta};
use crate::rules::capability_uses::report_capability;
use ferret_core::{Capability, FileFacts, PackageFacts};

declare_rule! {
    /// ## What it does
    /// Reports files that refer to browser profile stores — Chrome/Edge/Brave `Login Data`,
    /// `Cookies`, `Local State`, Firefox `logins.json`/`cookies.sqlite` — or browser-extension
    /// wallet storage, as recognised by the JavaScript analyser. One finding per file points at
    /// the first use.
    ///
    /// ## Why is this a risk?
    /// Browser stores hold saved passwords, session cookies and crypto-wallet vaults; reading
    /// them is what info-stealers shipped in npm packages do. Libraries almost never need them.
    ///
    /// ## Example
    /// ```js
    /// const p = path.join(os.homedir(), "AppData/Local/Google/Chrome/User Data/Default/Login Data");
    /// ```
    ///
    /// ## False positives
    /// Browser automation and testing tools (Puppeteer, Playwright) manage browser profiles.
    /// The finding is informational by default.
    ///
    /// ## References
    /// - GuardDog `capability-filesystem-browser`
    BrowserDataAccess, id = "browser-data-access", category = Capability, severity = Info, action = Info,
}

impl Rule for BrowserDataAccess {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_file(&self, file: &FileFacts, _pkg: &PackageFacts, cx: &mut RuleContext) {
        report_capability(
            &Self::META,
            Capability::BrowserData,
            file,
            cx,
            "browser data access",
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::browser_data_access::BrowserDataAccess;
    use crate::tester::Tester;
    use ferret_core::{Capability, CapabilityUse, FileFacts, FileKind, PackageFacts, PackageId};

    // Which strings count as browser stores is the analyser's table; the rule's job is to
    // report the uses it is given, tested here on hand-made facts.
    #[test]
    fn reports_browser_data_uses() {
        let mut file = FileFacts::new("a.js", FileKind::JavaScript, 10);
        let location = crate::engine::file_start("a.js");
        file.uses.push(CapabilityUse {
            capability: Capability::BrowserData,
            api: "Login Data".to_string(),
            kind: ferret_core::UseKind::Read,
            code: ferret_core::Excerpt {
                line: 1,
                text: "'Login Data'".to_string(),
                highlight_start: 0,
                highlight_len: 12,
            },
            location,
            detail: None,
            install_time: false,
        });
        let pkg = PackageFacts {
            id: PackageId::npm("x", "1.0.0"),
            manifest: None,
            manifest_error: None,
            files: vec![file],
            install_scripts: Vec::new(),
            install_time_files: Default::default(),
            archive_issues: Vec::new(),
            registry: None,
            metadata_status: ferret_core::MetadataStatus::default(),
        };
        let findings = crate::engine::run_rules(&pkg, &[BrowserDataAccess]);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].message, "browser data access via `Login Data`");
        let none = Tester::new(BrowserDataAccess).findings([("a.js", "module.exports = 1;")]);
        assert!(none.is_empty());
    }
}
