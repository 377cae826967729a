//! Tarball integrity: Subresource Integrity strings (`sha512-…`, possibly several separated by
//! spaces) as npm writes them in `dist.integrity`, falling back to the legacy hex
//! `dist.shasum` (sha1) for old packages.

use crate::RegistryError;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use sha2::Digest as _;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Algo {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl Algo {
    fn parse(name: &str) -> Option<Self> {
        match name {
            "sha1" => Some(Self::Sha1),
            "sha256" => Some(Self::Sha256),
            "sha384" => Some(Self::Sha384),
            "sha512" => Some(Self::Sha512),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Sha1 => "sha1",
            Self::Sha256 => "sha256",
            Self::Sha384 => "sha384",
            Self::Sha512 => "sha512",
        }
    }

    fn digest(self, bytes: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha1 => sha1::Sha1::digest(bytes).to_vec(),
            Self::Sha256 => sha2::Sha256::digest(bytes).to_vec(),
            Self::Sha384 => sha2::Sha384::digest(bytes).to_vec(),
            Self::Sha512 => sha2::Sha512::digest(bytes).to_vec(),
        }
    }

    fn sri(self, digest: &[u8]) -> String {
        format!("{}-{}", self.name(), STANDARD.encode(digest))
    }
}

/// Verifies tarball bytes against a version document's `dist` object and returns the SRI
/// string that matched (`sha512-…`, or `sha1-…` when only `shasum` was available).
///
/// `dist.integrity` may list several hashes; as in SRI, only the strongest algorithm present
/// counts, and any of its hashes may match. Without a usable `integrity`, `dist.shasum` (hex
/// sha1) is checked. Neither present is an error: an unverifiable tarball is never scanned
/// as if it were the published one.
pub fn verify_integrity(bytes: &[u8], dist: &Value) -> Result<String, RegistryError> {
    if let Some(integrity) = dist.get("integrity").and_then(Value::as_str) {
        let hashes: Vec<(Algo, Vec<u8>)> = integrity
            .split_whitespace()
            .filter_map(|token| {
                let (algo, rest) = token.split_once('-')?;
                // SRI allows `?options` after the digest.
                let b64 = rest.split('?').next().unwrap_or(rest);
                Some((Algo::parse(algo)?, STANDARD.decode(b64).ok()?))
            })
            .collect();
        if let Some(strongest) = hashes.iter().map(|(a, _)| *a).max() {
            let actual = strongest.digest(bytes);
            let expected: Vec<&Vec<u8>> = hashes
                .iter()
                .filter(|(a, _)| *a == strongest)
                .map(|(_, d)| d)
                .collect();
            if expected.iter().any(|d| **d == actual) {
                return Ok(strongest.sri(&actual));
            }
            return Err(RegistryError::IntegrityMismatch {
                expected: expected
                    .iter()
                    .map(|d| strongest.sri(d))
                    .collect::<Vec<_>>()
                    .join(" "),
                actual: strongest.sri(&actual),
            });
        }
        if dist.get("shasum").is_none() {
            return Err(RegistryError::UnsupportedIntegrity {
                value: integrity.to_owned(),
            });
        }
    }
    let Some(shasum) = dist.get("shasum").and_then(Value::as_str) else {
        return Err(RegistryError::NoIntegrity);
    };
    let actual = Algo::Sha1.digest(bytes);
    let actual_hex = hex::encode(&actual);
    if actual_hex.eq_ignore_ascii_case(shasum.trim()) {
        Ok(Algo::Sha1.sri(&actual))
    } else {
        Err(RegistryError::IntegrityMismatch {
            expected: format!("shasum {}", shasum.trim()),
            actual: format!("shasum {actual_hex}"),
        })
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests: a panic is a failure")]
mod tests {
    use super::*;
    use serde_json::json;

    fn sri(algo: Algo, bytes: &[u8]) -> String {
        algo.sri(&algo.digest(bytes))
    }

    #[test]
    fn sha512_ok_and_mismatch() {
        let good = sri(Algo::Sha512, b"tarball");
        assert_eq!(
            verify_integrity(b"tarball", &json!({ "integrity": good })).unwrap(),
            good
        );
        let err = verify_integrity(b"tampered", &json!({ "integrity": good })).unwrap_err();
        match err {
            RegistryError::IntegrityMismatch { expected, actual } => {
                assert_eq!(expected, good);
                assert_eq!(actual, sri(Algo::Sha512, b"tampered"));
            }
            other => panic!("{other}"),
        }
    }

    #[test]
    fn strongest_algorithm_decides() {
        // A correct sha1 cannot rescue a wrong sha512.
        let value = format!("{} {}", sri(Algo::Sha1, b"x"), sri(Algo::Sha512, b"y"));
        assert!(matches!(
            verify_integrity(b"x", &json!({ "integrity": value })),
            Err(RegistryError::IntegrityMismatch { .. })
        ));
        // Any of several sha512 values may match; options after `?` are ignored.
        let value = format!(
            "{} {}?opt",
            sri(Algo::Sha512, b"y"),
            sri(Algo::Sha512, b"x")
        );
        assert_eq!(
            verify_integrity(b"x", &json!({ "integrity": value })).unwrap(),
            sri(Algo::Sha512, b"x")
        );
    }

    #[test]
    fn sha1_shasum_fallback() {
        let hex = hex::encode(Algo::Sha1.digest(b"old"));
        let ok = verify_integrity(b"old", &json!({ "shasum": hex.to_uppercase() })).unwrap();
        assert!(ok.starts_with("sha1-"));
        assert!(matches!(
            verify_integrity(b"new", &json!({ "shasum": hex })),
            Err(RegistryError::IntegrityMismatch { .. })
        ));
        // An integrity field with no supported hash falls back to shasum when present.
        assert!(
            verify_integrity(b"old", &json!({ "integrity": "md5-AAAA", "shasum": hex })).is_ok()
        );
    }

    #[test]
    fn nothing_to_verify_is_an_error() {
        assert!(matches!(
            verify_integrity(b"x", &json!({})),
            Err(RegistryError::NoIntegrity)
        ));
        assert!(matches!(
            verify_integrity(b"x", &json!({ "integrity": "md5-AAAA" })),
            Err(RegistryError::UnsupportedIntegrity { .. })
        ));
    }
}
