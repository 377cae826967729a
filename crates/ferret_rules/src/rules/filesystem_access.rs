//! `filesystem-access`: code that can read or write files.

use crate::declare_rule;
use crate::rule::{Rule, RuleContext, RuleMeta};
use crate::rules::capability_uses::report_capability;
use ferret_core::{Capability, FileFacts, PackageFacts};

declare_rule! {
    /// ## What it does
    /// Reports files that can read or write the file system: the node modules `fs` and
    /// `fs/promises` (with or without the `node:` prefix) and their members. One finding per
    /// file points at the first use; every use is listed in the capability profile.
    ///
    /// ## Why is this a risk?
    /// Reading files is how credentials (`~/.npmrc`, `~/.ssh`, `~/.aws`, browser stores) are
    /// stolen; writing files is how malware persists (shell rc files, autostart entries) or
    /// destroys data. On its own it is routine, so it is recorded as a fact of the package.
    ///
    /// ## Example
    /// ```js
    /// const { readFileSync } = require("fs");
    /// readFileSync(require("os").homedir() + "/.npmrc", "utf8");
    /// ```
    ///
    /// ## False positives
    /// Build tools, loaders, bundlers and CLIs read and write files as their job. The finding
    /// is informational by default.
    ///
    /// ## References
    /// - Socket alert `filesystemAccess`; GuardDog `capability-filesystem-read`
    FilesystemAccess, id = "filesystem-access", category = Capability, severity = Info, action = Info,
}

impl Rule for FilesystemAccess {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_file(&self, file: &FileFacts, _pkg: &PackageFacts, cx: &mut RuleContext) {
        report_capability(
            &Self::META,
            Capability::Filesystem,
            file,
            cx,
            "filesystem access",
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::tester::Tester;

    #[test]
    fn filesystem_access() {
        let pass = [
            ("index.js", "const fs = 'fs'; console.log(fs);"),
            ("a.js", "function require(x) { return x; }\nrequire('fs');"),
        ];
        let fail = [
            (
                "index.js",
                "const fs = require('fs'); fs.readFileSync('/etc/hostname');",
            ),
            (
                "a.mjs",
                "import { writeFile } from 'node:fs/promises'; await writeFile('x', 'y');",
            ),
            ("b.js", "const { readFileSync: r } = require('fs'); r('x');"),
        ];
        Tester::new(super::FilesystemAccess)
            .pass(pass)
            .fail(fail)
            .test_and_snapshot();
    }
}
