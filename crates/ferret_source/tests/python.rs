//! Wheels, zip and tar sdists, RECORD verification, core metadata, and the zip reader's
//! limits (lying sizes, ratio bombs, traversal, symlinks).
#![expect(clippy::unwrap_used, reason = "tests unwrap on fixed inputs")]

use base64::Engine as _;
use ferret_source::{
    CoreMetadata, Limits, SourceError, ZipLayout, entry_points, is_python_tree, open_path,
    open_sdist, open_wheel, open_zip,
};
use sha2::Digest as _;
use std::io::{Cursor, Write as _};
use zip::write::SimpleFileOptions;

fn zip_bytes(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries {
        w.start_file(*name, SimpleFileOptions::default()).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn record_line(path: &str, data: &[u8]) -> String {
    let h = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(data));
    format!("{path},sha256={h},{}\n", data.len())
}

const METADATA: &[u8] = b"Metadata-Version: 2.1\nName: demo-pkg\nVersion: 1.0\nSummary: A demo\nRequires-Dist: requests (>=2)\nRequires-Dist: idna; extra == \"x\"\nProject-URL: Source, https://example.invalid/src\n\nLong description\nName: not-a-header\n";

/// A wheel whose RECORD matches, plus whatever `extra` adds after RECORD was written.
fn wheel(extra: &[(&str, &[u8])], tamper: Option<(&str, &[u8])>) -> Vec<u8> {
    let files: Vec<(&str, &[u8])> = vec![
        ("demo/__init__.py", b"print('hi')\n"),
        ("demo-1.0.dist-info/METADATA", METADATA),
        (
            "demo-1.0.dist-info/entry_points.txt",
            b"[console_scripts]\ndemo = demo.cli:main\n",
        ),
        ("demo-1.0.data/scripts/demo-run", b"#!python\nimport demo\n"),
    ];
    let mut record = String::new();
    for (p, d) in &files {
        record.push_str(&record_line(p, d));
    }
    record.push_str("demo-1.0.dist-info/RECORD,,\n");
    let mut all: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, d)| match tamper {
            Some((tp, td)) if tp == *p => (*p, td),
            _ => (*p, *d),
        })
        .collect();
    all.push(("demo-1.0.dist-info/RECORD", record.as_bytes()));
    all.extend_from_slice(extra);
    zip_bytes(&all)
}

fn kinds(tree: &ferret_source::PackageTree) -> Vec<(&str, &str)> {
    tree.issues
        .iter()
        .map(|i| (i.path.as_str(), i.kind.as_str()))
        .collect()
}

#[test]
fn valid_wheel_has_no_issues_and_keeps_its_layout() {
    let tree = open_wheel(&wheel(&[], None), "demo.whl", &Limits::default()).unwrap();
    assert_eq!(kinds(&tree), Vec::<(&str, &str)>::new());
    assert!(tree.file("demo/__init__.py").is_some());
    assert!(tree.file("demo-1.0.data/scripts/demo-run").is_some());
    assert!(tree.integrity.as_deref().unwrap().starts_with("sha512-"));
    assert!(is_python_tree(&tree));
    let meta = CoreMetadata::from_tree(&tree).unwrap();
    assert_eq!(meta.name.as_deref(), Some("demo-pkg"));
    assert_eq!(meta.version.as_deref(), Some("1.0"));
    assert_eq!(meta.requires_dist.len(), 2);
    assert_eq!(
        meta.project_urls,
        vec![("Source".into(), "https://example.invalid/src".into())]
    );
}

#[test]
fn record_mismatches_are_issues() {
    let tampered = wheel(
        &[("demo/evil.pth", b"import os\n")],
        Some(("demo/__init__.py", b"import os; os.system('id')\n")),
    );
    let tree = open_wheel(&tampered, "t.whl", &Limits::default()).unwrap();
    let k = kinds(&tree);
    assert!(
        k.contains(&("demo/__init__.py", "record-hash-mismatch")),
        "{k:?}"
    );
    assert!(
        k.contains(&("demo/__init__.py", "record-size-mismatch")),
        "{k:?}"
    );
    assert!(k.contains(&("demo/evil.pth", "record-unlisted")), "{k:?}");
}

#[test]
fn wheel_without_record_or_with_absent_files() {
    let bare = zip_bytes(&[("demo/__init__.py", b"")]);
    let tree = open_wheel(&bare, "bare.whl", &Limits::default()).unwrap();
    assert_eq!(kinds(&tree), vec![("", "record-missing")]);

    let record = record_line("demo/gone.py", b"x");
    let absent = zip_bytes(&[
        ("demo-1.0.dist-info/METADATA", b"Name: d\n"),
        ("demo-1.0.dist-info/RECORD", record.as_bytes()),
    ]);
    let tree = open_wheel(&absent, "a.whl", &Limits::default()).unwrap();
    let k = kinds(&tree);
    assert!(k.contains(&("demo/gone.py", "record-absent")), "{k:?}");
    assert!(
        k.contains(&("demo-1.0.dist-info/METADATA", "record-unlisted")),
        "{k:?}"
    );
}

#[test]
fn record_paths_with_commas_are_quoted() {
    let data = b"x";
    let h = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(data));
    let record = format!("\"demo/a,b.py\",sha256={h},1\nd-1.dist-info/RECORD,,\n");
    let z = zip_bytes(&[
        ("demo/a,b.py", data),
        ("d-1.dist-info/RECORD", record.as_bytes()),
    ]);
    let tree = open_wheel(&z, "q.whl", &Limits::default()).unwrap();
    assert_eq!(kinds(&tree), Vec::<(&str, &str)>::new());
}

#[test]
fn zip_traversal_absolute_and_symlinks_are_recorded() {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let o = SimpleFileOptions::default();
    w.start_file("../evil.py", o).unwrap();
    w.write_all(b"x").unwrap();
    w.start_file("/etc/x", o).unwrap();
    w.write_all(b"x").unwrap();
    w.start_file("pkg\\..\\..\\y", o).unwrap();
    w.write_all(b"x").unwrap();
    w.add_symlink("pkg/link", "/home/user/.ssh/id_rsa", o)
        .unwrap();
    w.start_file("pkg/ok.py", o).unwrap();
    w.write_all(b"ok").unwrap();
    let bytes = w.finish().unwrap().into_inner();
    let tree = open_zip(&bytes, "x.zip", &Limits::default(), ZipLayout::Flat).unwrap();
    let k = kinds(&tree);
    assert!(k.contains(&("../evil.py", "path-traversal")), "{k:?}");
    assert!(k.contains(&("/etc/x", "absolute-path")), "{k:?}");
    assert!(k.contains(&("pkg\\..\\..\\y", "path-traversal")), "{k:?}");
    assert!(k.contains(&("pkg/link", "symlink")), "{k:?}");
    let paths: Vec<&str> = tree.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, vec!["pkg/ok.py"]);
}

/// Finds the central-directory header of the first entry and rewrites its uncompressed size.
fn patch_declared_size(bytes: &mut [u8], size: u32) {
    let at = bytes.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
    bytes[at + 24..at + 28].copy_from_slice(&size.to_le_bytes());
}

#[test]
fn entry_inflating_beyond_its_declared_size_is_not_extracted() {
    let mut bytes = zip_bytes(&[("pkg/a.py", &[b'a'; 100_000])]);
    patch_declared_size(&mut bytes, 10);
    let tree = open_zip(&bytes, "lie.zip", &Limits::default(), ZipLayout::Flat).unwrap();
    // The zip crate stops at the declared size and then fails the CRC, or we see the extra
    // byte first: either way the entry is recorded and not extracted.
    let k = kinds(&tree);
    assert!(
        k == vec![("pkg/a.py", "size-mismatch")] || k == vec![("pkg/a.py", "corrupt-entry")],
        "{k:?}"
    );
    assert!(tree.files.is_empty());
}

#[test]
fn zip_ratio_bomb_stops_on_the_ratio() {
    let big = vec![0u8; 40 * 1024 * 1024];
    let bytes = zip_bytes(&[("pkg/zeros.bin", &big)]);
    assert!(bytes.len() < 200_000);
    let err = open_zip(&bytes, "bomb.zip", &Limits::default(), ZipLayout::Flat).unwrap_err();
    assert!(matches!(err, SourceError::RatioExceeded { .. }), "{err}");
}

#[test]
fn declared_sizes_are_admitted_against_the_limits() {
    let limits = Limits {
        max_file_size: 10,
        ..Limits::default()
    };
    let bytes = zip_bytes(&[("pkg/big.py", &[b'a'; 100]), ("pkg/small.py", b"x")]);
    let tree = open_zip(&bytes, "z.zip", &limits, ZipLayout::Flat).unwrap();
    assert_eq!(kinds(&tree), vec![("pkg/big.py", "file-too-large")]);
    let limits = Limits {
        max_total_size: 50,
        ..Limits::default()
    };
    let err = open_zip(&bytes, "z.zip", &limits, ZipLayout::Flat).unwrap_err();
    assert!(matches!(err, SourceError::TooLarge { .. }), "{err}");
}

#[test]
fn garbage_is_an_error_not_a_panic() {
    for bytes in [
        b"PK\x03\x04garbage".to_vec(),
        b"PK\x05\x06".to_vec(),
        vec![0u8; 10],
    ] {
        assert!(open_wheel(&bytes, "g.whl", &Limits::default()).is_err());
    }
}

#[test]
fn zip_sdist_strips_its_folder() {
    let bytes = zip_bytes(&[
        ("demo-1.0/PKG-INFO", METADATA),
        (
            "demo-1.0/setup.py",
            b"from setuptools import setup\nsetup()\n",
        ),
        ("stray.txt", b"x"),
    ]);
    let tree = open_sdist(&bytes, "demo-1.0.zip", &Limits::default()).unwrap();
    assert!(tree.file("setup.py").is_some());
    assert_eq!(kinds(&tree), vec![("stray.txt", "outside-package-folder")]);
    assert!(is_python_tree(&tree));
    let meta = CoreMetadata::from_tree(&tree).unwrap();
    assert_eq!(meta.path, "PKG-INFO");
    assert_eq!(meta.name.as_deref(), Some("demo-pkg"));
}

#[test]
fn open_path_dispatches_on_name_and_magic() {
    let dir = tempfile::tempdir().unwrap();
    let whl = dir.path().join("demo-1.0-py3-none-any.whl");
    std::fs::write(&whl, wheel(&[], None)).unwrap();
    let tree = open_path(&whl, &Limits::default()).unwrap();
    assert!(tree.file("demo-1.0.dist-info/METADATA").is_some());

    let sdist = dir.path().join("demo-1.0.zip");
    std::fs::write(&sdist, zip_bytes(&[("demo-1.0/PKG-INFO", METADATA)])).unwrap();
    let tree = open_path(&sdist, &Limits::default()).unwrap();
    assert!(tree.file("PKG-INFO").is_some());

    let mut tar = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(METADATA.len() as u64);
    h.set_mode(0o644);
    h.set_cksum();
    tar.append_data(&mut h, "demo-1.0/PKG-INFO", METADATA)
        .unwrap();
    let tgz = dir.path().join("demo-1.0.tar.gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&tar.into_inner().unwrap()).unwrap();
    std::fs::write(&tgz, gz.finish().unwrap()).unwrap();
    let tree = open_path(&tgz, &Limits::default()).unwrap();
    assert!(is_python_tree(&tree));

    let proj = dir.path().join("proj");
    std::fs::create_dir_all(proj.join(".venv/lib")).unwrap();
    std::fs::write(proj.join("setup.py"), b"setup()").unwrap();
    std::fs::write(proj.join(".venv/lib/x.py"), b"x").unwrap();
    let tree = open_path(&proj, &Limits::default()).unwrap();
    let paths: Vec<&str> = tree.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, vec!["setup.py"]);
}

#[test]
fn entry_points_by_group() {
    let eps = entry_points(
        b"# c\n[console_scripts]\nfoo = foo.cli:main\n\n[foo.plugins]\nbar = bar:Plugin [extra]\n",
    );
    assert_eq!(eps.len(), 2);
    assert_eq!(eps[0].group, "console_scripts");
    assert_eq!(eps[0].target, "foo.cli:main");
    assert_eq!(eps[1].group, "foo.plugins");
    assert_eq!(eps[1].name, "bar");
}

#[test]
fn metadata_headers_stop_at_the_body_and_fold_continuations() {
    let m = CoreMetadata::parse(
        "PKG-INFO",
        b"Name: a\nAuthor: x\n  y\nVersion: 2\n\nVersion: 9\n",
    );
    assert_eq!(m.version.as_deref(), Some("2"));
    assert_eq!(m.author.as_deref(), Some("x\ny"));
    let m = CoreMetadata::parse("PKG-INFO", b"\xff\xfe garbage without colon");
    assert_eq!(m.name, None);
}
