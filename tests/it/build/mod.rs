//! Build, package and upload: real cargo builds of the hello-world function and of tiny scratch crates,
//! the deterministic zip and its CodeSha256 checked independently, the ELF checks on real and crafted
//! binaries, and uploads through the real SDK clients against moto, the local stack and a scripted Lambda.
//! One file per topic; the helpers they share are here.

mod cargo;
mod elf_checks;
mod package;
mod toolchain;
mod upload;
mod upload_scripted;

use std::path::{Path, PathBuf};
use std::process::Command;

use lambdeck::build::elf::{self, Machine};
use lambdeck::build::{
    self, BuildError, BuildEvent, BuildOptions, BuildTarget, CancellationToken, Package,
};
use lambdeck::config::{Architecture, StackSpec};
use tokio::sync::mpsc;

use crate::support::hello_world_bootstrap;

/// The builds for AWS of the repository's function, where the real cargo-lambda or cargo-zigbuild may
/// run, go one at a time into a target directory of their own: the cross target's dependencies are
/// compiled once for both tools, and no other test replaces the package between a build and its upload.
static REAL_TOOLS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn real_tools_target_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("real-build-tools")
}

/// The repository's own stack description, rooted at the repository.
fn repo_spec() -> StackSpec {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    StackSpec::load(&root.join("lambdeck.toml")).expect("lambdeck.toml loads")
}

/// The dev profile: the tests never need a size-tuned release build of the function.
fn dev(target: BuildTarget) -> BuildOptions {
    BuildOptions::with_profile(target, "dev")
}

/// Runs a build, collecting every event it sends.
async fn build_collecting(
    spec: &StackSpec,
    options: &BuildOptions,
) -> (Result<Package, BuildError>, Vec<BuildEvent>) {
    let (tx, mut rx) = mpsc::channel(16);
    let collector = tokio::spawn(async move {
        let mut events = Vec::new();
        while let Some(e) = rx.recv().await {
            events.push(e);
        }
        events
    });
    let result = build::build_with(spec, options, tx, CancellationToken::new()).await;
    (result, collector.await.unwrap())
}

fn host_architecture() -> Architecture {
    match std::env::consts::ARCH {
        "aarch64" => Architecture::Arm64,
        _ => Architecture::X86_64,
    }
}

/// base64(SHA-256(file)) computed by Python's hashlib, independently of lambdeck's sha2/base64 code.
fn python_code_sha256(path: &Path) -> String {
    let out = Command::new("python3")
        .args([
            "-c",
            "import base64,hashlib,sys; print(base64.b64encode(hashlib.sha256(open(sys.argv[1],'rb').read()).digest()).decode())",
        ])
        .arg(path)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// A scratch crate outside the workspace with a `bootstrap` binary, and a lambdeck.toml pointing at it.
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new(main_rs: &str, build_rs: Option<&str>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let krate = dir.path().join("fn");
        std::fs::create_dir_all(krate.join("src")).unwrap();
        std::fs::write(
            krate.join("Cargo.toml"),
            "[package]\nname = \"scratch-fn\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [[bin]]\nname = \"bootstrap\"\npath = \"src/main.rs\"\n\n[workspace]\n",
        )
        .unwrap();
        std::fs::write(krate.join("src/main.rs"), main_rs).unwrap();
        if let Some(build_rs) = build_rs {
            std::fs::write(krate.join("build.rs"), build_rs).unwrap();
        }
        std::fs::write(
            dir.path().join("lambdeck.toml"),
            "[function]\ncrate = \"fn\"\n",
        )
        .unwrap();
        Self { dir }
    }

    fn spec(&self) -> StackSpec {
        StackSpec::load(&self.dir.path().join("lambdeck.toml")).unwrap()
    }

    fn main_rs(&self) -> PathBuf {
        self.dir.path().join("fn/src/main.rs")
    }
}

/// Whether a process is still running (a zombie or a missing /proc entry means it is gone).
fn running(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let state = stat.rsplit(')').next().unwrap_or("").trim_start();
            !state.starts_with('Z') && !state.starts_with('X')
        }
        Err(_) => false,
    }
}

/// A package of `binary` as the build would make it (without running cargo).
fn package_of(binary: &[u8]) -> Package {
    let zip = build::package_zip(binary).unwrap();
    Package {
        zip_path: PathBuf::from("bootstrap.zip"),
        code_sha256: build::code_sha256(&zip),
        size: zip.len() as u64,
        zip: zip.into(),
        binary_path: PathBuf::from("bootstrap"),
        elf: elf::inspect(binary).unwrap(),
        target: BuildTarget::Aws,
        toolchain: build::Toolchain::Cargo,
        reused: false,
    }
}

/// The host binary with its `e_machine` rewritten to the other Lambda architecture.
fn crafted_wrong_architecture() -> (Vec<u8>, Machine) {
    let mut binary = std::fs::read(hello_world_bootstrap()).unwrap();
    // e_machine is the little-endian u16 at offset 18 of the ELF header.
    let (em, machine) = match host_architecture() {
        Architecture::X86_64 => (object::elf::EM_AARCH64, Machine::Arm64),
        Architecture::Arm64 => (object::elf::EM_X86_64, Machine::X86_64),
    };
    binary[18..20].copy_from_slice(&em.to_le_bytes());
    (binary, machine)
}

/// The host binary with its newest GLIBC_2.x requirement renamed to GLIBC_2.39 in the dynamic string
/// table (same length, so every offset stays valid).
fn crafted_glibc_2_39() -> Vec<u8> {
    let mut binary = std::fs::read(hello_world_bootstrap()).unwrap();
    let newest = elf::inspect(&binary).unwrap().glibc.unwrap();
    let from = format!("GLIBC_{newest}\0");
    let to = format!(
        "GLIBC_2.{:0width$}\0",
        39,
        width = from.len() - "GLIBC_2.\0".len()
    );
    assert_eq!(from.len(), to.len(), "{from} -> {to}");
    let mut replaced = 0;
    let mut i = 0;
    while let Some(pos) = binary[i..]
        .windows(from.len())
        .position(|w| w == from.as_bytes())
    {
        let at = i + pos;
        binary[at..at + to.len()].copy_from_slice(to.as_bytes());
        replaced += 1;
        i = at + to.len();
    }
    assert!(replaced > 0, "no {from} in the binary");
    binary
}
