//! `debug-access`: code that reaches into the debugger or engine internals.

use crate::declare_rule;
use crate::rule::{Rule, RuleContext, RuleMeta};
use crate::rules::capability_uses::report_capability;
use ferret_core::{Capability, FileFacts, PackageFacts};

declare_rule! {
    /// ## What it does
    /// Reports files that use the debugger or engine internals: the `inspector` and `v8`
    /// modules, `process.binding` / `process._linkedBinding`, and `worker_threads` workers
    /// started from a string (`eval: true`). One finding per file points at the first use.
    ///
    /// ## Why is this a risk?
    /// These interfaces bypass the normal module system: `process.binding` reaches native
    /// internals directly (for example `spawn_sync` without `child_process`), the inspector can
    /// attach to and rewrite running code, and `v8` can deserialise arbitrary heap data. Malware
    /// uses them to avoid the APIs scanners look for.
    ///
    /// ## Example
    /// ```js
    /// const spawn = process.binding("spawn_sync");
    /// ```
    ///
    /// ## False positives
    /// Profilers, test runners, coverage tools and debuggers use these modules legitimately.
    /// The finding is informational by default.
    ///
    /// ## References
    /// - Socket alert `debugAccess`
    DebugAccess, id = "debug-access", category = Capability, severity = Info, action = Info,
}

impl Rule for DebugAccess {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_file(&self, file: &FileFacts, _pkg: &PackageFacts, cx: &mut RuleContext) {
        report_capability(
            &Self::META,
            Capability::Debug,
            file,
            cx,
            "debugger or engine internals",
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::tester::Tester;

    #[test]
    fn debug_access() {
        let pass = [
            (
                "index.js",
                "const inspector = 'inspector'; console.log(inspector);",
            ),
            ("a.js", "const debug = require('debug'); debug('x');"),
        ];
        let fail = [
            (
                "index.js",
                "const inspector = require('inspector'); inspector.open();",
            ),
            ("a.js", "process.binding('spawn_sync')"),
            ("b.mjs", "import v8 from 'node:v8'; v8.getHeapSnapshot();"),
        ];
        Tester::new(super::DebugAccess)
            .pass(pass)
            .fail(fail)
            .test_and_snapshot();
    }
}
