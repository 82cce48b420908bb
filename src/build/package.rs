//! The deployment package: a deterministic zip holding only `bootstrap`, and its CodeSha256.

use std::io::{Cursor, Read, Write};

use base64::Engine;
use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipArchive, ZipWriter};

/// The direct-upload limit of UpdateFunctionCode / CreateFunction: 50 MB zipped.
pub const DIRECT_UPLOAD_LIMIT: u64 = 50 * 1024 * 1024;

/// The name Lambda's provided runtimes execute.
pub const ENTRY_NAME: &str = "bootstrap";

/// Zips `bootstrap` deterministically: one entry named `bootstrap`, mode 0755, the DOS epoch
/// (1980-01-01 00:00) as its timestamp, deflate at a fixed level and no extra fields, so the same binary
/// always gives the same bytes, and so the same CodeSha256.
pub fn package_zip(bootstrap: &[u8]) -> Result<Vec<u8>, std::io::Error> {
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(9))
        .last_modified_time(DateTime::default())
        .unix_permissions(0o755)
        .large_file(false);
    let mut writer = ZipWriter::new(Cursor::new(Vec::with_capacity(bootstrap.len() / 2)));
    writer
        .start_file(ENTRY_NAME, options)
        .map_err(std::io::Error::other)?;
    writer.write_all(bootstrap)?;
    let cursor = writer.finish().map_err(std::io::Error::other)?;
    Ok(cursor.into_inner())
}

/// Lambda's CodeSha256: the standard base64 (with padding) of the SHA-256 of the zip bytes.
pub fn code_sha256(zip: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(zip))
}

/// Reads `bootstrap` back out of a package (to check an existing package's binary before upload).
pub fn read_bootstrap(zip: &[u8]) -> Result<Vec<u8>, String> {
    let mut archive =
        ZipArchive::new(Cursor::new(zip)).map_err(|e| format!("not a readable zip: {e}"))?;
    let mut entry = archive
        .by_name(ENTRY_NAME)
        .map_err(|_| format!("the zip has no `{ENTRY_NAME}` entry"))?;
    let mut bytes = Vec::with_capacity(usize::try_from(entry.size()).unwrap_or(0));
    entry
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot unzip `{ENTRY_NAME}`: {e}"))?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_bytes_give_the_same_zip() {
        let a = package_zip(b"\x7fELF pretend binary").expect("zip");
        let b = package_zip(b"\x7fELF pretend binary").expect("zip");
        assert_eq!(a, b);
        assert_ne!(a, package_zip(b"\x7fELF other binary").expect("zip"));
    }

    #[test]
    fn the_entry_is_bootstrap_0755_at_the_dos_epoch() {
        let zip = package_zip(b"hello").expect("zip");
        let mut archive = ZipArchive::new(Cursor::new(&zip)).expect("readable");
        assert_eq!(archive.len(), 1);
        let entry = archive.by_index(0).expect("entry");
        assert_eq!(entry.name(), "bootstrap");
        assert_eq!(entry.unix_mode().map(|m| m & 0o777), Some(0o755));
        assert_eq!(entry.last_modified(), Some(DateTime::default()));
        drop(entry);
        assert_eq!(read_bootstrap(&zip).expect("read back"), b"hello");
    }

    #[test]
    fn code_sha256_is_base64_of_the_digest() {
        // SHA-256 of the empty string, base64-encoded, as Lambda would report it.
        assert_eq!(
            code_sha256(b""),
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
    }

    #[test]
    fn a_zip_without_bootstrap_is_refused() {
        assert!(read_bootstrap(b"not a zip").is_err());
    }
}
