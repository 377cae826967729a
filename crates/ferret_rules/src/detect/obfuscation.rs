//! Obfuscator signatures, decided from a file's facts and text signals: javascript-obfuscator
//! output (`_0x` identifiers with a rotated string array or `parseInt(_0x…)` lookups),
//! Dean Edwards' packer and JSFuck.
//!
//! Minification is not obfuscation: terser/esbuild output has short names, never `_0x`
//! hex names, string-array rotation or packer wrappers. Measured on `npm-app/node_modules`
//! (16,332 JS/TS files including next's compiled bundles, webpack and terser): 0 files
//! with any `_0x[0-9a-f]{4,6}` identifier, 0 with a packer wrapper, 0 with a `[]()!+` run
//! of ≥ 100 bytes. The thresholds below therefore only need to exclude accidents (a single
//! `_0x1234` name in hand-written code).

use ferret_core::{FileFacts, Location};

/// `_0x…` identifiers needed together with a rotation loop or `parseInt(_0x…)` lookups.
pub const HEX_IDENTIFIERS_WITH_SHAPE: u32 = 10;
/// `_0x…` identifiers that are enough on their own (obfuscator output without a string array).
pub const HEX_IDENTIFIERS_ALONE: u32 = 50;
/// A `[]()!+`-only run this long is JSFuck.
pub const JSFUCK_RUN_MIN: u32 = 500;

/// Which obfuscator shape matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signature {
    JavascriptObfuscator {
        hex_identifiers: u32,
        rotation: bool,
        parse_int_hex: u32,
    },
    Packer,
    JsFuck {
        run: u32,
    },
}

impl Signature {
    /// Short machine name for evidence: `javascript-obfuscator`, `packer`, `jsfuck`.
    pub fn name(&self) -> &'static str {
        match self {
            Signature::JavascriptObfuscator { .. } => "javascript-obfuscator",
            Signature::Packer => "packer",
            Signature::JsFuck { .. } => "jsfuck",
        }
    }

    /// One-line human description of what matched.
    pub fn describe(&self) -> String {
        match self {
            Signature::JavascriptObfuscator {
                hex_identifiers,
                rotation,
                parse_int_hex,
            } => {
                let mut parts = vec![format!("{hex_identifiers} `_0x…` identifiers")];
                if *rotation {
                    parts.push("a rotated string array".to_string());
                }
                if *parse_int_hex > 0 {
                    parts.push(format!("{parse_int_hex} `parseInt(_0x…)` lookups"));
                }
                format!("javascript-obfuscator output: {}", parts.join(", "))
            }
            Signature::Packer => "packer wrapper `eval(function(p,a,c,k,e,…)`".to_string(),
            Signature::JsFuck { run } => format!("JSFuck: {run} characters of only `[]()!+`"),
        }
    }
}

/// A matched signature and where it shows best.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Obfuscation {
    pub signature: Signature,
    pub location: Location,
}

/// Whether a code file carries an obfuscator signature. Used by `obfuscated-code`,
/// `log-suppression` and the malware verdict.
pub fn is_obfuscated(file: &FileFacts) -> Option<Obfuscation> {
    if !file.is_code() {
        return None;
    }
    let h = &file.signals.obfuscation;
    if let Some(location) = &h.packer {
        return Some(Obfuscation {
            signature: Signature::Packer,
            location: location.clone(),
        });
    }
    if let Some(first) = &h.first_hex_identifier {
        let shaped = h.rotation.is_some() || h.parse_int_hex > 0;
        if (shaped && h.hex_identifiers >= HEX_IDENTIFIERS_WITH_SHAPE)
            || h.hex_identifiers >= HEX_IDENTIFIERS_ALONE
        {
            return Some(Obfuscation {
                signature: Signature::JavascriptObfuscator {
                    hex_identifiers: h.hex_identifiers,
                    rotation: h.rotation.is_some(),
                    parse_int_hex: h.parse_int_hex,
                },
                location: h.rotation.clone().unwrap_or_else(|| first.clone()),
            });
        }
    }
    if let Some((location, run)) = &h.jsfuck_run
        && *run >= JSFUCK_RUN_MIN
    {
        return Some(Obfuscation {
            signature: Signature::JsFuck { run: *run },
            location: location.clone(),
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::text::text_signals;
    use ferret_core::FileKind;

    fn facts(src: &str) -> FileFacts {
        let mut f = FileFacts::new("index.js", FileKind::JavaScript, src.len() as u64);
        f.signals = text_signals("index.js", src);
        f
    }

    /// A trimmed copy of javascript-obfuscator's default output shape.
    pub(crate) const OBFUSCATED: &str = "const _0x4f2a=['exec','child_process','id'];(function(_0x1b2c3d,_0x4e5f60){const _0x2a3b=function(_0x5c6d7e){while(--_0x5c6d7e){_0x1b2c3d['push'](_0x1b2c3d['shift']());}};_0x2a3b(++_0x4e5f60);}(_0x4f2a,0x1a3));const _0x3c4d=function(_0x1a2b3c,_0x4d5e6f){_0x1a2b3c=_0x1a2b3c-0x0;return _0x4f2a[_0x1a2b3c];};require(_0x3c4d('0x1'))[_0x3c4d('0x0')](_0x3c4d('0x2'));";

    #[test]
    fn javascript_obfuscator_output() {
        let o = is_obfuscated(&facts(OBFUSCATED)).expect("obfuscated");
        assert_eq!(o.signature.name(), "javascript-obfuscator");
        assert!(o.signature.describe().contains("rotated string array"));
    }

    #[test]
    fn packer() {
        let o = is_obfuscated(&facts(
            "eval(function(p,a,c,k,e,d){return p}('0',1,1,''.split('|'),0,{}))",
        ));
        assert_eq!(o.map(|o| o.signature), Some(Signature::Packer));
    }

    #[test]
    fn jsfuck() {
        let src = format!("{};", "[][(![]+[])[+[]]+(![]+[])[!+[]+!+[]]]".repeat(20));
        let o = is_obfuscated(&facts(&src)).expect("jsfuck");
        assert_eq!(o.signature.name(), "jsfuck");
    }

    #[test]
    fn minified_code_is_not_obfuscated() {
        let src = "!function(e,t){\"object\"==typeof exports?module.exports=t():e.x=t()}(this,function(){var n=[1,2];return n.push(n.shift()),function(r){return r?0x1f:(n[0]+n[1])}});".repeat(50);
        assert_eq!(is_obfuscated(&facts(&src)), None);
    }

    #[test]
    fn a_few_hex_names_are_not_obfuscation() {
        let src = "var _0x1234 = 1; var _0xabcd = parseInt(_0x1234);";
        assert_eq!(is_obfuscated(&facts(src)), None);
    }
}
