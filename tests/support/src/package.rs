//! The real hello-world function built by cargo and zipped as Lambda expects it, and small zips of
//! test-only bootstraps.

use std::io::{Cursor, Write};
use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;

use zip::write::SimpleFileOptions;

/// Builds the hello-world function's `bootstrap` with a cargo profile once per process, and returns its
/// path with its zip.
fn built(profile: &'static str) -> (PathBuf, Vec<u8>) {
    static BUILT: Mutex<Vec<(&str, PathBuf, Vec<u8>)>> = Mutex::new(Vec::new());
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, path, zip)) = built.iter().find(|(p, _, _)| *p == profile) {
        return (path.clone(), zip.clone());
    }
    let root = super::repo_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--quiet", "--profile", profile])
        .args(["-p", "hello-world", "--bin", "bootstrap"])
        .current_dir(&root)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "cargo build -p hello-world failed");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let dir = if profile == "dev" { "debug" } else { profile };
    let bin = target.join(dir).join("bootstrap");
    let binary =
        std::fs::read(&bin).unwrap_or_else(|e| panic!("{} was not built: {e}", bin.display()));
    let zip = zip_of(&[("bootstrap", 0o755, &binary)]);
    built.push((profile, bin.clone(), zip.clone()));
    (bin, zip)
}

/// The hello-world function's `bootstrap`, built with the dev profile (what the tests run).
pub fn hello_world_bootstrap() -> PathBuf {
    built("dev").0
}

/// The dev build of the hello-world function packaged as Lambda expects it: one executable `bootstrap`
/// at the root.
pub fn hello_world_zip() -> Vec<u8> {
    built("dev").1
}

/// The hello-world function as it is deployed (the size-tuned `release-lambda` profile), zipped.
pub fn hello_world_lambda_zip() -> Vec<u8> {
    built(lambdeck::build::LAMBDA_PROFILE).1
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
