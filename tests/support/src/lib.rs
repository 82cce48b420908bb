//! Helpers shared by the integration tests (`tests/it`) and the benchmarks (`tests/bench`): the real
//! hello-world function built and zipped, test-only bootstraps, the local stack reached through lambdeck's
//! clients or the bare SDK, the tutorial's API built through the SDK, moto_server, and tmux.
//!
//! A library of its own rather than a module each binary includes: every binary uses a different part
//! of it, and a library's public items are never dead code.
// A helper that cannot do its job fails the test or benchmark that called it, with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod moto;
mod package;
mod sandbox;
mod sdk;
mod tmux;

pub use moto::Moto;
pub use package::{
    hello_world_bootstrap, hello_world_lambda_zip, hello_world_zip, script_zip, zip_of,
};
pub use sandbox::Sandbox;
pub use sdk::{Tutorial, local_clients, sdk_config, wait_active};
pub use tmux::Tmux;

use std::path::{Path, PathBuf};

/// The repository's root (the lambdeck package).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the repository root exists")
}

/// A project directory of its own whose lambdeck.toml names the repository's hello-world crate: its
/// local stack keeps its state there.
pub fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let function = repo_root().join("function");
    std::fs::write(
        dir.path().join("lambdeck.toml"),
        format!("[function]\ncrate = {:?}\n", function.display().to_string()),
    )
    .unwrap();
    dir
}

/// `program` on PATH, if it is there: how a test finds the real tool it drives (terraform, node,
/// cargo-lambda, ...).
pub fn on_path(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// Skips a test that needs a tool this machine lacks, saying why; under `.ci/run`
/// (`LAMBDECK_REQUIRE_TOOLS=1`) a missing tool fails the test instead, so a green CI run never hides a
/// skipped suite.
pub fn skip<T>(why: &str) -> Option<T> {
    assert!(
        std::env::var_os("LAMBDECK_REQUIRE_TOOLS").is_none(),
        "LAMBDECK_REQUIRE_TOOLS is set, but: {why}"
    );
    eprintln!("skipping: {why}");
    None
}

/// The 1-minute load average, printed beside benchmark figures (the machine may be shared).
pub fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}
