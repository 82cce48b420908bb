//! Shared helpers for the integration tests: the real hello-world `bootstrap`, built once and zipped as
//! Lambda expects it, and small zips of test-only bootstraps.

use std::io::{Cursor, Write};
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use zip::write::SimpleFileOptions;

/// Builds the hello-world function (`cargo build -p hello-world`) once per test run and returns the path
/// of its `bootstrap` binary.
pub fn hello_world_bootstrap() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let status = Command::new(cargo)
                .args([
                    "build",
                    "--quiet",
                    "-p",
                    "hello-world",
                    "--bin",
                    "bootstrap",
                ])
                .current_dir(&root)
                .status()
                .expect("cargo runs");
            assert!(status.success(), "cargo build -p hello-world failed");
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| root.join("target"));
            let bin = target.join("debug").join("bootstrap");
            assert!(bin.exists(), "{} was not built", bin.display());
            bin
        })
        .clone()
}

/// The hello-world function packaged as Lambda expects it: one executable `bootstrap` at the root.
pub fn hello_world_zip() -> Vec<u8> {
    static ZIP: OnceLock<Vec<u8>> = OnceLock::new();
    ZIP.get_or_init(|| {
        let binary = std::fs::read(hello_world_bootstrap()).expect("bootstrap is readable");
        zip_of(&[("bootstrap", 0o755, &binary)])
    })
    .clone()
}

/// A zip of (name, unix mode, content) entries.
pub fn zip_of(entries: &[(&str, u32, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, mode, content) in entries {
        let opts = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .unix_permissions(*mode);
        w.start_file(*name, opts).expect("zip entry");
        w.write_all(content).expect("zip write");
    }
    w.finish().expect("zip finish").into_inner()
}

/// A zip holding only an executable `bootstrap` script.
pub fn script_zip(script: &str) -> Vec<u8> {
    zip_of(&[("bootstrap", 0o755, script.as_bytes())])
}
