//! Function code packages: checks an uploaded zip as Lambda does, and unpacks it privately.

use std::collections::HashSet;
use std::fs::{self, OpenOptions};
use std::io::{self, Cursor, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

use base64::Engine as _;
use sha2::{Digest, Sha256};
use zip::ZipArchive;

/// The direct-upload limit for a zipped package (50 MB).
pub const MAX_ZIPPED_BYTES: u64 = 50 * 1024 * 1024;
/// The limit on a package's unzipped size, as Lambda words it.
pub const MAX_UNZIPPED_BYTES: u64 = 262_144_000;

/// What Lambda reports about a package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeInfo {
    /// base64 of the SHA-256 of the zip bytes (Lambda's CodeSha256).
    pub sha256: String,
    /// Length of the zip in bytes (Lambda's CodeSize).
    pub size: u64,
}

/// Why a package is refused, mapped by the Lambda API to its wire error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    /// 400 InvalidParameterValueException: not a zip, too large unzipped, an entry escaping the root.
    #[error("{0}")]
    Invalid(String),
    /// 413 RequestEntityTooLargeException: over the 50 MB direct-upload limit.
    #[error("{0}")]
    TooLarge(String),
}

/// Lambda's own words for a package it cannot read.
const NOT_A_ZIP: &str =
    "Could not unzip uploaded file. Please check your file, then try to upload again.";

fn too_large_unzipped() -> CodeError {
    CodeError::Invalid(format!(
        "Unzipped size must be smaller than {MAX_UNZIPPED_BYTES} bytes"
    ))
}

fn escapes(name: &str) -> CodeError {
    CodeError::Invalid(format!(
        "Could not unzip uploaded file: entry {name:?} escapes the package directory."
    ))
}

fn unreadable(e: impl std::fmt::Display) -> CodeError {
    CodeError::Invalid(format!("{NOT_A_ZIP} ({e})"))
}

/// Checks a package: a readable zip, within the size limits, with no entry escaping its directory.
///
/// Every entry is decompressed (and discarded) so that the sizes checked are the real ones: a zip's
/// declared sizes are only claims.
pub fn inspect(zip: &[u8]) -> Result<CodeInfo, CodeError> {
    check_zipped_size(zip)?;
    walk(zip, MAX_UNZIPPED_BYTES, &mut |_, _| Ok(()))?;
    Ok(CodeInfo {
        sha256: base64::engine::general_purpose::STANDARD.encode(Sha256::digest(zip)),
        size: zip.len() as u64,
    })
}

/// Unpacks a checked package into `dir` (created private, 0700), keeping executable bits.
///
/// The checks of [`inspect`] are applied again while writing, so nothing escaping `dir` is ever
/// written even for a package that was not inspected.
pub fn unpack(zip: &[u8], dir: &Path) -> Result<(), CodeError> {
    check_zipped_size(zip)?;
    let io_err = |what: &str, e: io::Error| CodeError::Invalid(format!("cannot {what}: {e}"));
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| io_err("create the package directory", e))?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
        .map_err(|e| io_err("make the package directory private", e))?;
    // Symbolic links are created last, so no file or directory is ever written through one.
    let mut links: Vec<(PathBuf, String)> = Vec::new();
    walk(zip, MAX_UNZIPPED_BYTES, &mut |entry, content| {
        let target = dir.join(&entry.path);
        match &entry.kind {
            Kind::Dir => fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(&target)
                .map_err(|e| io_err("create a directory", e)),
            Kind::Link(to) => {
                links.push((target, to.clone()));
                Ok(())
            }
            Kind::File { executable } => {
                if let Some(parent) = target.parent() {
                    fs::DirBuilder::new()
                        .recursive(true)
                        .mode(0o700)
                        .create(parent)
                        .map_err(|e| io_err("create a directory", e))?;
                }
                let mode = if *executable { 0o755 } else { 0o644 };
                let mut file = OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(mode)
                    .open(&target)
                    .map_err(|e| io_err(&format!("write {}", entry.name), e))?;
                file.write_all(content)
                    .map_err(|e| io_err(&format!("write {}", entry.name), e))?;
                // The umask may have narrowed the mode; bootstrap must stay executable.
                file.set_permissions(fs::Permissions::from_mode(mode))
                    .map_err(|e| io_err(&format!("set the mode of {}", entry.name), e))
            }
        }
    })?;
    for (path, to) in links {
        std::os::unix::fs::symlink(&to, &path).map_err(|e| io_err("create a symbolic link", e))?;
    }
    Ok(())
}

fn check_zipped_size(zip: &[u8]) -> Result<(), CodeError> {
    if zip.len() as u64 > MAX_ZIPPED_BYTES {
        // AWS's words (test_lambda_api.py's TestLambdaSizeLimits snapshot).
        return Err(CodeError::TooLarge(format!(
            "Zipped size must be smaller than {MAX_ZIPPED_BYTES} bytes"
        )));
    }
    Ok(())
}

#[derive(Debug)]
enum Kind {
    Dir,
    File {
        executable: bool,
    },
    /// A symbolic link with its (checked, relative) target.
    Link(String),
}

#[derive(Debug)]
struct Entry {
    name: String,
    /// The entry's path relative to the package root, normalized, never escaping it.
    path: PathBuf,
    kind: Kind,
}

/// What [`walk`] does with each checked entry and its content.
type Visit<'a> = dyn FnMut(&Entry, &[u8]) -> Result<(), CodeError> + 'a;

/// Reads every entry, checking names, link targets and real sizes, and hands each to `visit` with its
/// content (empty for directories and links).
fn walk(zip: &[u8], limit: u64, visit: &mut Visit<'_>) -> Result<(), CodeError> {
    let mut archive =
        ZipArchive::new(Cursor::new(zip)).map_err(|_| CodeError::Invalid(NOT_A_ZIP.into()))?;
    // Declared sizes first: a package that admits to being too large is refused before any inflating.
    let mut declared: u64 = 0;
    for i in 0..archive.len() {
        let file = archive.by_index_raw(i).map_err(unreadable)?;
        declared = declared.saturating_add(file.size());
    }
    if declared > limit {
        return Err(too_large_unzipped());
    }
    let mut links: HashSet<PathBuf> = HashSet::new();
    let mut seen: HashSet<PathBuf> = HashSet::new();
    let mut total: u64 = 0;
    let mut content = Vec::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).map_err(unreadable)?;
        let name = file.name().to_owned();
        if file.encrypted() {
            return Err(CodeError::Invalid(format!(
                "Could not unzip uploaded file: entry {name:?} is encrypted."
            )));
        }
        let path = relative_path(&name).ok_or_else(|| escapes(&name))?;
        // Nothing may be written through a link: a later entry under a link's path could land outside.
        if path.ancestors().skip(1).any(|a| links.contains(a)) {
            return Err(escapes(&name));
        }
        content.clear();
        // Read at most what the whole budget allows, plus one byte to notice a lie.
        let budget = limit - total;
        let read = (&mut file)
            .take(budget + 1)
            .read_to_end(&mut content)
            .map_err(unreadable)? as u64;
        if read > budget {
            return Err(too_large_unzipped());
        }
        total += read;
        if read != file.size() {
            return Err(CodeError::Invalid(format!(
                "Could not unzip uploaded file: entry {name:?} declares {} bytes but holds {read}.",
                file.size()
            )));
        }
        let kind = if file.is_symlink() {
            let to = String::from_utf8(content.clone()).map_err(|_| escapes(&name))?;
            if !link_stays_inside(&path, &to) {
                return Err(escapes(&name));
            }
            links.insert(path.clone());
            Kind::Link(to)
        } else if file.is_dir() {
            Kind::Dir
        } else {
            let mode = file.unix_mode().unwrap_or(0o644);
            Kind::File {
                executable: mode & 0o111 != 0,
            }
        };
        if path.as_os_str().is_empty() {
            // The root itself ("./"): nothing to write.
            continue;
        }
        if !matches!(kind, Kind::Dir) && !seen.insert(path.clone()) {
            return Err(CodeError::Invalid(format!(
                "Could not unzip uploaded file: entry {name:?} appears twice."
            )));
        }
        visit(&Entry { name, path, kind }, &content)?;
    }
    Ok(())
}

/// The normalized relative path of an entry name, or None when it is absolute or climbs out of the root.
fn relative_path(name: &str) -> Option<PathBuf> {
    if name.contains('\0') || name.contains('\\') {
        return None;
    }
    normalize(Path::new(name))
}

/// Resolves `.` and `..` lexically; None when the path is absolute or leaves its root.
fn normalize(path: &Path) -> Option<PathBuf> {
    let mut parts: Vec<&std::ffi::OsStr> = Vec::new();
    for c in path.components() {
        match c {
            Component::Normal(p) => parts.push(p),
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(parts.iter().collect())
}

/// Whether a link at `link` (relative to the root) pointing to `to` resolves inside the root.
fn link_stays_inside(link: &Path, to: &str) -> bool {
    if to.is_empty() || to.contains('\0') || Path::new(to).is_absolute() {
        return false;
    }
    let base = link.parent().unwrap_or(Path::new(""));
    normalize(&base.join(to)).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;
    use zip::write::SimpleFileOptions;

    /// Builds a zip from (name, unix mode, content); a mode with S_IFLNK makes a symlink entry.
    fn build(entries: &[(&str, u32, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, mode, content) in entries {
            if mode & 0o170000 == 0o120000 {
                let opts = SimpleFileOptions::default().unix_permissions(0o777);
                w.add_symlink(*name, std::str::from_utf8(content).unwrap(), opts)
                    .unwrap();
            } else if name.ends_with('/') {
                w.add_directory(*name, SimpleFileOptions::default())
                    .unwrap();
            } else {
                let opts = SimpleFileOptions::default()
                    .compression_method(zip::CompressionMethod::Deflated)
                    .unix_permissions(*mode);
                w.start_file(*name, opts).unwrap();
                w.write_all(content).unwrap();
            }
        }
        w.finish().unwrap().into_inner()
    }

    fn valid() -> Vec<u8> {
        build(&[
            ("bootstrap", 0o755, b"#!/bin/sh\nexit 0\n"),
            ("lib/", 0o755, b""),
            ("lib/data.txt", 0o644, b"hello"),
            ("lib/link", 0o120777, b"data.txt"),
        ])
    }

    #[test]
    fn valid_package_reports_sha256_and_size() {
        let zip = valid();
        let info = inspect(&zip).unwrap();
        assert_eq!(info.size, zip.len() as u64);
        let expected = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&zip));
        assert_eq!(info.sha256, expected);
        assert_eq!(info.sha256.len(), 44);
    }

    #[test]
    fn not_a_zip_is_invalid() {
        let err = inspect(b"definitely not a zip file").unwrap_err();
        assert_eq!(err, CodeError::Invalid(NOT_A_ZIP.into()));
        assert!(matches!(inspect(b""), Err(CodeError::Invalid(_))));
    }

    #[test]
    fn parent_traversal_is_refused() {
        let zip = build(&[("bootstrap", 0o755, b"x"), ("../evil", 0o644, b"x")]);
        let err = inspect(&zip).unwrap_err();
        assert!(
            matches!(&err, CodeError::Invalid(m) if m.contains("../evil")),
            "{err}"
        );
        let zip = build(&[("a/../../evil", 0o644, b"x")]);
        assert!(matches!(inspect(&zip), Err(CodeError::Invalid(_))));
    }

    #[test]
    fn a_climb_that_stays_inside_is_fine() {
        let zip = build(&[("a/../bootstrap", 0o755, b"x")]);
        inspect(&zip).unwrap();
    }

    #[test]
    fn absolute_path_is_refused() {
        let zip = build(&[("/tmp/evil", 0o644, b"x")]);
        let err = inspect(&zip).unwrap_err();
        assert!(
            matches!(&err, CodeError::Invalid(m) if m.contains("/tmp/evil")),
            "{err}"
        );
    }

    #[test]
    fn symlink_out_is_refused() {
        for to in ["../../etc/passwd", "/etc/passwd", "a/../../../x"] {
            let zip = build(&[("lib/link", 0o120777, to.as_bytes())]);
            let err = inspect(&zip).unwrap_err();
            assert!(
                matches!(&err, CodeError::Invalid(m) if m.contains("lib/link")),
                "{to}: {err}"
            );
        }
        // One level up from lib/ is still the package root.
        inspect(&build(&[("lib/link", 0o120777, b"../bootstrap")])).unwrap();
    }

    #[test]
    fn writing_through_a_link_is_refused() {
        // lib/up -> .. is inside; lib/up/x would also be inside, but lib/up/up2 -> .. would not be.
        let zip = build(&[("lib/up", 0o120777, b".."), ("lib/up/up2", 0o120777, b"..")]);
        assert!(matches!(inspect(&zip), Err(CodeError::Invalid(_))));
    }

    #[test]
    fn oversized_declared_size_is_refused_before_inflating() {
        let mut zip = build(&[("big", 0o644, b"small content")]);
        // Patch the central directory's uncompressed size (offset 24 in the central header) to 300 MB.
        let cd = zip
            .windows(4)
            .rposition(|w| w == [0x50, 0x4b, 0x01, 0x02])
            .unwrap();
        zip[cd + 24..cd + 28].copy_from_slice(&300_000_000u32.to_le_bytes());
        let err = inspect(&zip).unwrap_err();
        assert_eq!(err, too_large_unzipped());
        assert!(err.to_string().contains("262144000"));
    }

    #[test]
    fn a_size_that_lies_low_is_caught() {
        let mut zip = build(&[("bomb", 0o644, &[0u8; 10_000])]);
        let cd = zip
            .windows(4)
            .rposition(|w| w == [0x50, 0x4b, 0x01, 0x02])
            .unwrap();
        zip[cd + 24..cd + 28].copy_from_slice(&10u32.to_le_bytes());
        assert!(matches!(inspect(&zip), Err(CodeError::Invalid(_))));
    }

    #[test]
    fn a_bomb_is_never_inflated_past_the_limit() {
        // Declares 10 bytes, holds 10 000: with a 1 000-byte budget reading stops at 1 001 bytes.
        let mut zip = build(&[("bomb", 0o644, &[0u8; 10_000])]);
        let cd = zip
            .windows(4)
            .rposition(|w| w == [0x50, 0x4b, 0x01, 0x02])
            .unwrap();
        zip[cd + 24..cd + 28].copy_from_slice(&10u32.to_le_bytes());
        let mut visited = 0;
        let err = walk(&zip, 1_000, &mut |_, _| {
            visited += 1;
            Ok(())
        })
        .unwrap_err();
        assert!(matches!(err, CodeError::Invalid(_)), "{err}");
        assert_eq!(visited, 0);
    }

    #[test]
    fn honest_sizes_over_the_limit_are_refused() {
        let zip = build(&[("a", 0o644, &[1u8; 600]), ("b", 0o644, &[2u8; 600])]);
        assert_eq!(
            walk(&zip, 1_000, &mut |_, _| Ok(())).unwrap_err(),
            too_large_unzipped()
        );
        walk(&zip, 1_200, &mut |_, _| Ok(())).unwrap();
    }

    #[test]
    fn over_50_mb_zipped_is_too_large() {
        let zip = vec![0u8; MAX_ZIPPED_BYTES as usize + 1];
        let err = inspect(&zip).unwrap_err();
        assert!(
            matches!(&err, CodeError::TooLarge(m) if m.contains("52428800")),
            "{err}"
        );
    }

    #[test]
    fn unpack_is_private_and_keeps_exec_bits() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("task");
        unpack(&valid(), &dir).unwrap();
        assert_eq!(fs::metadata(&dir).unwrap().mode() & 0o777, 0o700);
        assert_eq!(
            fs::metadata(dir.join("bootstrap")).unwrap().mode() & 0o777,
            0o755
        );
        assert_eq!(
            fs::metadata(dir.join("lib/data.txt")).unwrap().mode() & 0o111,
            0
        );
        let mut s = String::new();
        fs::File::open(dir.join("lib/link"))
            .unwrap()
            .read_to_string(&mut s)
            .unwrap();
        assert_eq!(s, "hello");
    }

    #[test]
    fn unpack_writes_nothing_outside() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("task");
        let zip = build(&[("ok", 0o644, b"x"), ("../evil", 0o644, b"x")]);
        assert!(unpack(&zip, &dir).is_err());
        assert!(!tmp.path().join("evil").exists());
    }
}
