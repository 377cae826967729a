#![expect(
    clippy::unwrap_used,
    reason = "test inputs are built by the test; a panic is a failure"
)]

//! Opening tarballs and directories: normal packages, and every hostile shape the limits and
//! issue records exist for. Tarballs are built in memory; nothing is committed as an archive.

use ferret_source::{
    Limits, SourceError, from_files, open_dir, open_path, open_tarball, sri_sha512,
};
use flate2::Compression;
use flate2::write::GzEncoder;
use std::io::Write;
use std::time::{Duration, Instant};

enum Entry<'a> {
    File(&'a str, &'a [u8], u32),
    /// Written with a hand-set name field: `tar::Builder` refuses `..` and absolute paths.
    Raw(&'a str, &'a [u8]),
    Link(&'a str, tar::EntryType, &'a str),
    Dir(&'a str),
}

fn tar_bytes(entries: &[Entry<'_>]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for e in entries {
        let mut h = tar::Header::new_gnu();
        match e {
            Entry::File(path, data, mode) => {
                h.set_size(data.len() as u64);
                h.set_mode(*mode);
                h.set_entry_type(tar::EntryType::Regular);
                b.append_data(&mut h, path, *data).unwrap();
            }
            Entry::Raw(name, data) => {
                h.set_size(data.len() as u64);
                h.set_mode(0o644);
                h.set_entry_type(tar::EntryType::Regular);
                let field = &mut h.as_old_mut().name;
                field.fill(0);
                field[..name.len()].copy_from_slice(name.as_bytes());
                h.set_cksum();
                b.append(&h, *data).unwrap();
            }
            Entry::Link(path, kind, target) => {
                h.set_size(0);
                h.set_mode(0o777);
                h.set_entry_type(*kind);
                if !target.is_empty() {
                    h.set_link_name(target).unwrap();
                }
                b.append_data(&mut h, path, std::io::empty()).unwrap();
            }
            Entry::Dir(path) => {
                h.set_size(0);
                h.set_mode(0o755);
                h.set_entry_type(tar::EntryType::Directory);
                b.append_data(&mut h, path, std::io::empty()).unwrap();
            }
        }
    }
    b.into_inner().unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn tgz(entries: &[Entry<'_>]) -> Vec<u8> {
    gzip(&tar_bytes(entries))
}

fn paths(tree: &ferret_source::PackageTree) -> Vec<&str> {
    tree.files.iter().map(|f| f.path.as_str()).collect()
}

fn issue_kinds(tree: &ferret_source::PackageTree) -> Vec<(&str, &str)> {
    tree.issues
        .iter()
        .map(|i| (i.path.as_str(), i.kind.as_str()))
        .collect()
}

#[test]
fn normal_package_strips_package_prefix() {
    let bytes = tgz(&[
        Entry::Dir("package/"),
        Entry::File(
            "package/package.json",
            br#"{"name":"x","version":"1.0.0"}"#,
            0o644,
        ),
        Entry::File("package/lib/index.js", b"module.exports = 1;\n", 0o644),
        Entry::File("package/bin/cli", b"#!/usr/bin/env node\n", 0o755),
    ]);
    let tree = open_tarball(&bytes, "x-1.0.0.tgz", &Limits::default()).unwrap();
    assert_eq!(paths(&tree), ["bin/cli", "lib/index.js", "package.json"]);
    assert!(tree.issues.is_empty(), "{:?}", tree.issues);
    assert!(tree.file("bin/cli").unwrap().executable);
    assert!(!tree.file("lib/index.js").unwrap().executable);
    assert_eq!(
        tree.file("lib/index.js").unwrap().data,
        b"module.exports = 1;\n"
    );
    assert_eq!(tree.unpacked_size, 30 + 20 + 20);
    assert_eq!(tree.integrity.as_deref(), Some(sri_sha512(&bytes).as_str()));
    assert!(tree.integrity.unwrap().starts_with("sha512-"));
    assert_eq!(tree.source, "x-1.0.0.tgz");
}

#[test]
fn other_top_level_folder_name_is_stripped_too() {
    let bytes = tgz(&[
        Entry::File("node/package.json", b"{}", 0o644),
        Entry::File("./node/./a//b.js", b"1", 0o644),
    ]);
    let tree = open_tarball(&bytes, "t", &Limits::default()).unwrap();
    assert_eq!(paths(&tree), ["a/b.js", "package.json"]);
}

#[test]
fn plain_uncompressed_tar_is_accepted() {
    let bytes = tar_bytes(&[Entry::File("package/package.json", b"{}", 0o644)]);
    let tree = open_tarball(&bytes, "t.tar", &Limits::default()).unwrap();
    assert_eq!(paths(&tree), ["package.json"]);
}

#[test]
fn path_traversal_and_absolute_paths_are_recorded_not_extracted() {
    let bytes = tgz(&[
        Entry::File("package/package.json", b"{}", 0o644),
        Entry::Raw("package/../../evil.js", b"owned"),
        Entry::Raw("package/..\\..\\win.js", b"owned"),
        Entry::Raw("/etc/passwd", b"owned"),
        Entry::Raw("C:/Windows/x.dll", b"owned"),
    ]);
    let tree = open_tarball(&bytes, "t", &Limits::default()).unwrap();
    assert_eq!(paths(&tree), ["package.json"]);
    assert_eq!(
        issue_kinds(&tree),
        [
            ("/etc/passwd", "absolute-path"),
            ("C:/Windows/x.dll", "absolute-path"),
            ("package/../../evil.js", "path-traversal"),
            ("package/..\\..\\win.js", "path-traversal"),
        ]
    );
}

#[test]
fn links_and_devices_are_recorded_not_followed() {
    let bytes = tgz(&[
        Entry::File("package/package.json", b"{}", 0o644),
        Entry::Link(
            "package/id_rsa",
            tar::EntryType::Symlink,
            "/root/.ssh/id_rsa",
        ),
        Entry::Link("package/hard", tar::EntryType::Link, "package/package.json"),
        Entry::Link("package/tty", tar::EntryType::Char, ""),
        Entry::Link("package/pipe", tar::EntryType::Fifo, ""),
    ]);
    let tree = open_tarball(&bytes, "t", &Limits::default()).unwrap();
    assert_eq!(paths(&tree), ["package.json"]);
    assert_eq!(
        issue_kinds(&tree),
        [
            ("package/hard", "hardlink"),
            ("package/id_rsa", "symlink"),
            ("package/pipe", "fifo"),
            ("package/tty", "device"),
        ]
    );
    let symlink = tree.issues.iter().find(|i| i.kind == "symlink").unwrap();
    assert!(
        symlink.detail.contains("/root/.ssh/id_rsa"),
        "{}",
        symlink.detail
    );
}

#[test]
fn duplicate_entry_last_wins_and_is_recorded() {
    let bytes = tgz(&[
        Entry::File("package/index.js", b"benign", 0o644),
        Entry::File("package/index.js", b"evil", 0o644),
    ]);
    let tree = open_tarball(&bytes, "t", &Limits::default()).unwrap();
    assert_eq!(tree.file("index.js").unwrap().data, b"evil");
    assert_eq!(issue_kinds(&tree), [("index.js", "duplicate-entry")]);
    assert_eq!(tree.unpacked_size, 4);
}

#[test]
fn file_at_archive_root_is_recorded() {
    let bytes = tgz(&[
        Entry::File("package/package.json", b"{}", 0o644),
        Entry::File("stray.js", b"x", 0o644),
    ]);
    let tree = open_tarball(&bytes, "t", &Limits::default()).unwrap();
    assert_eq!(paths(&tree), ["package.json"]);
    assert_eq!(issue_kinds(&tree), [("stray.js", "outside-package-folder")]);
}

#[test]
fn per_file_limit_skips_the_file_and_names_the_limit() {
    let big = vec![b'a'; 100];
    let bytes = tgz(&[
        Entry::File("package/package.json", b"{}", 0o644),
        Entry::File("package/big.js", &big, 0o644),
        Entry::File("package/small.js", b"1", 0o644),
    ]);
    let limits = Limits {
        max_file_size: 50,
        ..Limits::default()
    };
    let tree = open_tarball(&bytes, "t", &limits).unwrap();
    assert_eq!(paths(&tree), ["package.json", "small.js"]);
    assert_eq!(issue_kinds(&tree), [("big.js", "file-too-large")]);
    assert!(tree.issues[0].detail.contains("max_file_size"));
}

#[test]
fn entry_count_limit() {
    let names: Vec<String> = (0..10).map(|i| format!("package/f{i}.js")).collect();
    let entries: Vec<Entry<'_>> = names.iter().map(|n| Entry::File(n, b"1", 0o644)).collect();
    let limits = Limits {
        max_entries: 5,
        ..Limits::default()
    };
    let err = open_tarball(&tgz(&entries), "t", &limits).unwrap_err();
    assert!(
        matches!(err, SourceError::TooManyEntries { limit: 5, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("max_entries"));
}

#[test]
fn total_size_limit() {
    let data = vec![b'a'; 60];
    let bytes = tgz(&[
        Entry::File("package/a.js", &data, 0o644),
        Entry::File("package/b.js", &data, 0o644),
    ]);
    let limits = Limits {
        max_total_size: 100,
        ..Limits::default()
    };
    let err = open_tarball(&bytes, "t", &limits).unwrap_err();
    assert!(
        matches!(err, SourceError::TooLarge { limit: 100, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("max_total_size"));
}

/// A tar header announcing a 200 MiB file of zeros, followed by the zeros as 200 gzip
/// members of 1 MiB each (a multi-member stream is still one gzip file to Node's zlib).
/// Building it compresses only 1 MiB, so the test is fast even in debug builds.
fn bomb_200_mib() -> Vec<u8> {
    const MIB: usize = 1024 * 1024;
    let mut h = tar::Header::new_gnu();
    h.set_path("package/zeros.js").unwrap();
    h.set_size(200 * MIB as u64);
    h.set_mode(0o644);
    h.set_entry_type(tar::EntryType::Regular);
    h.set_cksum();
    let mut out = gzip(h.as_bytes());
    let member = gzip(&vec![0u8; MIB]);
    for _ in 0..200 {
        out.extend_from_slice(&member);
    }
    out
}

#[test]
fn gzip_bomb_stops_early_on_ratio() {
    let bomb = bomb_200_mib();
    assert!(bomb.len() < 1024 * 1024, "{}", bomb.len());
    let start = Instant::now();
    let err = open_tarball(&bomb, "bomb.tgz", &Limits::default()).unwrap_err();
    assert!(
        matches!(err, SourceError::RatioExceeded { limit: 100, ratio, .. } if ratio > 100),
        "{err}"
    );
    assert!(err.to_string().contains("max_ratio"));
    // Inflating all 200 MiB would take far longer in a debug build.
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn gzip_bomb_stops_on_total_size_when_ratio_is_off() {
    let limits = Limits {
        max_total_size: 8 * 1024 * 1024,
        max_entries: 10,
        max_ratio: u64::MAX,
        ..Limits::default()
    };
    let err = open_tarball(&bomb_200_mib(), "bomb.tgz", &limits).unwrap_err();
    assert!(matches!(err, SourceError::TooLarge { .. }), "{err}");
}

#[test]
fn single_member_bomb_past_the_grace_window() {
    // 20 MiB of zeros compresses to ~20 KiB (ratio ~1000): over the limit once past 16 MiB.
    let zeros = vec![0u8; 20 * 1024 * 1024];
    let bytes = tgz(&[Entry::File("package/z.bin", &zeros, 0o644)]);
    let err = open_tarball(&bytes, "t", &Limits::default()).unwrap_err();
    assert!(matches!(err, SourceError::RatioExceeded { .. }), "{err}");
}

#[test]
fn corrupt_input_is_an_error_not_a_panic() {
    let mut bytes = tgz(&[Entry::File("package/a.js", &[b'x'; 5000], 0o644)]);
    let mid = bytes.len() / 2;
    bytes[mid..].iter_mut().for_each(|b| *b ^= 0x55);
    let err = open_tarball(&bytes, "t", &Limits::default()).unwrap_err();
    assert!(
        matches!(err, SourceError::Gzip { .. } | SourceError::Tar { .. }),
        "{err}"
    );

    let err = open_tarball(b"not a tarball at all", "t", &Limits::default()).unwrap_err();
    assert!(matches!(err, SourceError::Tar { .. }), "{err}");
    let err = open_tarball(&[0x1f, 0x8b, 0, 0], "t", &Limits::default()).unwrap_err();
    assert!(
        matches!(err, SourceError::Gzip { .. } | SourceError::Tar { .. }),
        "{err}"
    );
}

#[test]
fn from_files_sorts_and_keeps_the_last_duplicate() {
    let tree = from_files(
        "mem",
        vec![
            ("b.js".into(), b"1".to_vec()),
            ("a.js".into(), b"22".to_vec()),
            ("b.js".into(), b"333".to_vec()),
        ],
    );
    assert_eq!(paths(&tree), ["a.js", "b.js"]);
    assert_eq!(tree.file("b.js").unwrap().data, b"333");
    assert_eq!(tree.unpacked_size, 5);
    assert_eq!(tree.integrity, None);
}

#[test]
fn sri_of_known_bytes() {
    // `printf '' | openssl dgst -sha512 -binary | base64`
    assert_eq!(
        sri_sha512(b""),
        "sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg=="
    );
}

mod dir {
    use super::*;
    use std::fs;

    fn write(root: &std::path::Path, rel: &str, data: &[u8]) {
        let p = root.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, data).unwrap();
    }

    #[test]
    fn package_dir_skips_node_modules_and_git() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        write(root, "package.json", b"{}");
        write(root, "lib/a.js", b"1");
        write(root, "node_modules/dep/index.js", b"2");
        write(root, "lib/node_modules/dep/index.js", b"2");
        write(root, ".git/config", b"3");
        let tree = open_path(root, &Limits::default()).unwrap();
        assert_eq!(paths(&tree), ["lib/a.js", "package.json"]);
        assert_eq!(tree.integrity, None);
        assert_eq!(tree.unpacked_size, 3);
    }

    #[test]
    fn folder_holding_package_folder() {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "package/package.json", b"{}");
        write(tmp.path(), "package/index.js", b"1");
        let tree = open_dir(tmp.path(), &Limits::default()).unwrap();
        assert_eq!(paths(&tree), ["index.js", "package.json"]);
    }

    #[test]
    fn not_a_package() {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "readme.md", b"hi");
        let err = open_path(tmp.path(), &Limits::default()).unwrap_err();
        assert!(matches!(err, SourceError::NotAPackage { .. }), "{err}");
        let err = open_path(&tmp.path().join("readme.md"), &Limits::default()).unwrap_err();
        assert!(matches!(err, SourceError::NotAPackage { .. }), "{err}");
        let err = open_path(&tmp.path().join("missing"), &Limits::default()).unwrap_err();
        assert!(matches!(err, SourceError::Io { .. }), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_recorded_not_followed() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        write(root, "package.json", b"{}");
        let secret = tempfile::tempdir().unwrap();
        write(secret.path(), "id_rsa", b"SECRET");
        std::os::unix::fs::symlink(secret.path().join("id_rsa"), root.join("key.js")).unwrap();
        std::os::unix::fs::symlink(secret.path(), root.join("linked_dir")).unwrap();
        let tree = open_dir(root, &Limits::default()).unwrap();
        assert_eq!(paths(&tree), ["package.json"]);
        assert_eq!(
            issue_kinds(&tree),
            [("key.js", "symlink"), ("linked_dir", "symlink")]
        );
        assert!(tree.files.iter().all(|f| f.data != b"SECRET"));
    }

    #[cfg(unix)]
    #[test]
    fn executable_bit_is_kept() {
        use std::os::unix::fs::PermissionsExt as _;
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "package.json", b"{}");
        write(tmp.path(), "run.sh", b"echo hi");
        fs::set_permissions(tmp.path().join("run.sh"), fs::Permissions::from_mode(0o755)).unwrap();
        let tree = open_dir(tmp.path(), &Limits::default()).unwrap();
        assert!(tree.file("run.sh").unwrap().executable);
        assert!(!tree.file("package.json").unwrap().executable);
    }

    #[test]
    fn dir_limits_apply() {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "package.json", b"{}");
        write(tmp.path(), "big.js", &[b'a'; 100]);
        let limits = Limits {
            max_file_size: 10,
            ..Limits::default()
        };
        let tree = open_dir(tmp.path(), &limits).unwrap();
        assert_eq!(issue_kinds(&tree), [("big.js", "file-too-large")]);
        let limits = Limits {
            max_entries: 1,
            ..Limits::default()
        };
        let err = open_dir(tmp.path(), &limits).unwrap_err();
        assert!(matches!(err, SourceError::TooManyEntries { .. }), "{err}");
        let limits = Limits {
            max_total_size: 50,
            ..Limits::default()
        };
        let err = open_dir(tmp.path(), &limits).unwrap_err();
        assert!(matches!(err, SourceError::TooLarge { .. }), "{err}");
    }

    #[test]
    fn tgz_file_on_disk() {
        let tmp = tempfile::tempdir().unwrap();
        let bytes = tgz(&[Entry::File("package/package.json", b"{}", 0o644)]);
        let p = tmp.path().join("x-1.0.0.tgz");
        fs::write(&p, &bytes).unwrap();
        let tree = open_path(&p, &Limits::default()).unwrap();
        assert_eq!(paths(&tree), ["package.json"]);
        assert_eq!(tree.integrity, Some(sri_sha512(&bytes)));
        // Recognised by magic bytes too, whatever the name.
        let p2 = tmp.path().join("download");
        fs::write(&p2, &bytes).unwrap();
        assert!(open_path(&p2, &Limits::default()).is_ok());
    }
}

/// A caller that verified the download passes its SHA-512 SRI and the unpacker records it
/// instead of hashing again; a weaker algorithm's SRI is not taken for the tree's integrity.
#[test]
fn a_verified_sha512_is_reused_and_other_algorithms_are_not() {
    let bytes = tgz(&[Entry::File(
        "package/package.json",
        br#"{"name":"x","version":"1.0.0"}"#,
        0o644,
    )]);
    let given = "sha512-given-by-the-verifier";
    let tree = ferret_source::open_tarball_hashed(&bytes, "x.tgz", &Limits::default(), Some(given))
        .unwrap();
    assert_eq!(tree.integrity.as_deref(), Some(given));
    let tree = ferret_source::open_tarball_hashed(
        &bytes,
        "x.tgz",
        &Limits::default(),
        Some("sha1-AAAAAAAAAAAAAAAAAAAAAAAAAAA="),
    )
    .unwrap();
    assert_eq!(tree.integrity.as_deref(), Some(sri_sha512(&bytes).as_str()));
}
