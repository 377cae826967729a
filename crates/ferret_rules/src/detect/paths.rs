//! Path conventions: which files are shipped bundles (minified by design) and which are
//! tests, docs or examples (never install- or load-time code).

/// Directory names whose files are build output or vendored bundles.
const BUNDLE_DIRS: &[&str] = &[
    "dist", "build", "umd", "bundle", "bundles", "compiled", "vendor", "min", "lib-cov", "esm",
    "cjs", "browser", "out",
];

/// Directory names holding tests, docs and examples.
const NON_RUNTIME_DIRS: &[&str] = &[
    "test",
    "tests",
    "__tests__",
    "spec",
    "specs",
    "__mocks__",
    "__fixtures__",
    "fixtures",
    "docs",
    "doc",
    "example",
    "examples",
    "demo",
    "demos",
    "benchmark",
    "benchmarks",
    "bench",
    "samples",
    "sample",
    "website",
    "coverage",
];

/// The directory components of a `/`-separated path (every component but the last).
fn dirs(path: &str) -> impl Iterator<Item = &str> {
    let parent = path.rsplit_once('/').map_or("", |(d, _)| d);
    parent
        .split('/')
        .filter(|d| !d.is_empty() || !parent.is_empty())
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// A file that is minified or bundled by convention: under `dist/`, `build/`, `umd/`, …,
/// or named `*.min.js`, `*.bundle.js`, `*-bundle.js`, `*.umd.js`, `*.prod.js`, `*.production.min.js`.
pub fn is_bundle_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    if dirs(&lower).any(|d| BUNDLE_DIRS.contains(&d)) {
        return true;
    }
    let name = file_name(&lower);
    let stem = name
        .trim_end_matches(".js")
        .trim_end_matches(".mjs")
        .trim_end_matches(".cjs");
    stem.ends_with(".min")
        || stem.ends_with(".bundle")
        || stem.ends_with("-bundle")
        || stem.ends_with(".umd")
        || stem.ends_with(".prod")
        || stem.ends_with(".production")
        || stem.ends_with("-min")
        || stem == "bundle"
}

/// A file under a test, docs, example or benchmark directory, or named like a test
/// (`*.test.js`, `*.spec.ts`).
///
/// Several detectors ask this of every file of every package: it compares without building a
/// lower-case copy of the path.
pub fn is_test_or_docs_path(path: &str) -> bool {
    let b = path.as_bytes();
    let mut start = 0;
    for slash in memchr::memchr_iter(b'/', b) {
        let dir = &b[start..slash];
        // Names are 3 (`doc`) to 12 (`__fixtures__`) bytes: most components are turned
        // away by their length.
        if (3..=12).contains(&dir.len())
            && NON_RUNTIME_DIRS
                .iter()
                .any(|n| n.len() == dir.len() && n.as_bytes().eq_ignore_ascii_case(dir))
        {
            return true;
        }
        start = slash + 1;
    }
    let name = &b[start..];
    [b".test.".as_slice(), b".spec.", b"_test."]
        .iter()
        .any(|m| name.windows(m.len()).any(|w| w.eq_ignore_ascii_case(m)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundles() {
        assert!(is_bundle_path("dist/index.js"));
        assert!(is_bundle_path("lib/jquery.min.js"));
        assert!(is_bundle_path("next/dist/compiled/webpack/bundle5.js"));
        assert!(is_bundle_path("umd/react.production.min.js"));
        assert!(!is_bundle_path("index.js"));
        assert!(!is_bundle_path("lib/distance.js"));
    }

    #[test]
    fn tests_and_docs() {
        assert!(is_test_or_docs_path("test/index.js"));
        assert!(is_test_or_docs_path("docs/api.js"));
        assert!(is_test_or_docs_path("src/a.spec.ts"));
        assert!(!is_test_or_docs_path("lib/testing.js"));
        assert!(!is_test_or_docs_path("index.js"));
        assert!(is_test_or_docs_path("Docs/API.js"));
        assert!(is_test_or_docs_path("src/A.Test.JS"));
        assert!(is_test_or_docs_path("a/b/__tests__/c/d.js"));
        assert!(!is_test_or_docs_path("test.js"));
        assert!(!is_test_or_docs_path("/test"));
        // The length filter of is_test_or_docs_path holds for every listed name.
        assert!(NON_RUNTIME_DIRS.iter().all(|n| (3..=12).contains(&n.len())));
        assert!(is_test_or_docs_path("x/__FIXTURES__/a.js"));
        assert!(!is_test_or_docs_path("x/fixture/a.js"));
        assert_eq!(dirs("a/b/c.js").collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(dirs("c.js").count(), 0);
    }
}
