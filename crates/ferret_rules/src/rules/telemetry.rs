//! `telemetry`: code that phones home usage data.

use crate::declare_rule;
use crate::detect::campaigns;
use crate::rule::{Rule, RuleContext, RuleMeta};
use ferret_core::PackageFacts;

declare_rule! {
    /// ## What it does
    /// Records code that can make network requests and names a telemetry or analytics
    /// endpoint: a URL with `telemetry` in it, Segment, Mixpanel, Amplitude, PostHog or Google
    /// Analytics collectors. The opt-out variable the code reads (`DO_NOT_TRACK`,
    /// `NEXT_TELEMETRY_DISABLED`), if any, is shown with the finding.
    ///
    /// ## Why is this a risk?
    /// Usage data leaves the machine — project names, paths, CI details — often at install
    /// time and before anyone could opt out. It is rarely malicious, but an organisation may
    /// want to know, and to set the opt-out variables in CI.
    ///
    /// ## Example
    /// ```js
    /// if (!process.env.TOOL_TELEMETRY_DISABLED)
    ///   fetch("https://telemetry.tool.example/v1/record", { method: "POST", body: JSON.stringify(event) });
    /// ```
    ///
    /// ## False positives
    /// Telemetry with an opt-out is normal for build tools (Next.js, Angular CLI, Astro); the
    /// finding is informational (monitor) by default and never warns.
    ///
    /// ## References
    /// - GuardDog `telemetry`; consoledonottrack.com
    Telemetry, id = "telemetry", category = Malicious, severity = Low, action = Monitor,
}

impl Rule for Telemetry {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_package(&self, pkg: &PackageFacts, cx: &mut RuleContext) {
        if let Some(f) = cx
            .shared(pkg, campaigns::Campaigns::detect)
            .get(Self::META.id)
            .and_then(|ev| ev.finding(&Self::META, Self::META.default_action))
        {
            cx.report(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::tester::Tester;
    use ferret_core::Action;

    #[test]
    fn telemetry() {
        let pass = [
            // The telemetry URL in a constant, no way to send it.
            (
                "consts.js",
                "module.exports = { TELEMETRY_DOCS: 'https://tool.example/docs/telemetry' };",
            ),
            // A link to the telemetry docs next to an unrelated request (next's dev overlay).
            (
                "overlay.js",
                "const LINK = 'https://nextjs.org/telemetry#error-feedback'; fetch('/__nextjs_original-stack-frame');",
            ),
            // An ordinary API client.
            (
                "client.js",
                "module.exports = (q) => fetch('https://api.tool.example/v1/search?q=' + q);",
            ),
        ];
        let fail = [
            (
                "lib/telemetry.js",
                "if (!process.env.NEXT_TELEMETRY_DISABLED) fetch('https://telemetry.nextjs.example/api/v1/record', { method: 'POST' });",
            ),
            (
                "a.js",
                "const https = require('https'); https.request('https://api.segment.io/v1/track', { method: 'POST' }).end('{}');",
            ),
        ];
        let t = Tester::new(super::Telemetry).pass(pass).fail(fail);
        t.test_and_snapshot();
        let f = t.findings([(
            "lib/telemetry.js",
            "if (!process.env.DO_NOT_TRACK) fetch('https://telemetry.tool.example/e');",
        )]);
        assert_eq!(f[0].action, Action::Monitor);
        assert!(f[0].message.contains("DO_NOT_TRACK"), "{}", f[0].message);
    }
}
