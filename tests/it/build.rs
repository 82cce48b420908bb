//! Build, package and upload: real cargo builds of the hello-world function and of tiny scratch crates,
//! the deterministic zip and its CodeSha256 checked independently, the ELF checks on real and crafted
//! binaries, and uploads through the real SDK clients against moto (and the local stack).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use lambdeck::aws::{Clients, Target};
use lambdeck::build::elf::{self, ElfError, GlibcVersion, Machine};
use lambdeck::build::{
    self, BuildError, BuildEvent, BuildOptions, BuildTarget, CancellationToken, Level, Package,
    UploadError, UploadReport,
};
use lambdeck::config::{Architecture, StackSpec};
use tokio::sync::mpsc;

use crate::support::{self, hello_world_bootstrap};

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

#[tokio::test]
async fn the_zip_is_byte_identical_across_packagings_of_the_same_binary() {
    let binary = std::fs::read(hello_world_bootstrap()).unwrap();
    let a = build::package_zip(&binary).unwrap();
    let b = build::package_zip(&binary).unwrap();
    assert_eq!(a, b, "two packagings of one binary differ");

    // The same through the whole build: two builds write the same zip, byte for byte.
    let spec = repo_spec();
    let (first, _) = build_collecting(&spec, &dev(BuildTarget::Local)).await;
    let first = first.expect("first build");
    let on_disk_first = std::fs::read(&first.zip_path).unwrap();
    let (second, _) = build_collecting(&spec, &dev(BuildTarget::Local)).await;
    let second = second.expect("second build");
    let on_disk_second = std::fs::read(&second.zip_path).unwrap();
    assert_eq!(on_disk_first, on_disk_second);
    assert_eq!(first.code_sha256, second.code_sha256);
    assert_eq!(first.zip.as_ref(), on_disk_first.as_slice());
}

#[tokio::test]
async fn code_sha256_matches_an_independent_computation() {
    let spec = repo_spec();
    let (package, _) = build_collecting(&spec, &dev(BuildTarget::Local)).await;
    let package = package.expect("build");
    assert!(
        package
            .zip_path
            .ends_with("lambda/hello-world/dev/bootstrap.zip")
    );
    let independent = python_code_sha256(&package.zip_path);
    assert_eq!(package.code_sha256, independent);
    assert_eq!(
        package.size,
        std::fs::metadata(&package.zip_path).unwrap().len()
    );
    // The zip holds exactly the binary next to it.
    let inside = build::package::read_bootstrap(&package.zip).unwrap();
    assert_eq!(inside, std::fs::read(&package.binary_path).unwrap());
}

#[tokio::test]
async fn a_build_streams_progress_to_the_total_and_finishes() {
    let spec = repo_spec();
    let (package, events) = build_collecting(&spec, &dev(BuildTarget::Local)).await;
    let package = package.expect("build");
    assert!(
        matches!(events.first(), Some(BuildEvent::Started { command, .. }) if command.contains("--message-format=json")),
        "{events:?}"
    );
    let progress: Vec<(usize, usize)> = events
        .iter()
        .filter_map(|e| match e {
            BuildEvent::Progress {
                compiled, total, ..
            } => Some((*compiled, *total)),
            _ => None,
        })
        .collect();
    assert!(
        progress.len() > 10,
        "hello-world has dozens of crates: {progress:?}"
    );
    assert!(
        progress.windows(2).all(|w| w[1].0 == w[0].0 + 1),
        "{progress:?}"
    );
    assert!(progress.iter().all(|(c, t)| c <= t), "{progress:?}");
    let &(last, total) = progress.last().unwrap();
    assert_eq!(last, total, "the last unit completes the count");
    assert!(matches!(
        events.last(),
        Some(BuildEvent::Finished { code_sha256, .. }) if *code_sha256 == package.code_sha256
    ));
}

#[tokio::test]
async fn a_compile_error_becomes_a_structured_diagnostic_and_a_one_line_failure() {
    let scratch = Scratch::new(
        "fn main() {\n    let x: u32 = \"nope\";\n    let _ = x;\n}\n",
        None,
    );
    let (result, events) = build_collecting(&scratch.spec(), &dev(BuildTarget::Local)).await;
    let err = result.expect_err("does not compile");
    let BuildError::Failed(reason) = &err else {
        panic!("{err}");
    };
    assert!(
        reason.starts_with("error[E0308]: mismatched types at src/main.rs:2:"),
        "{reason}"
    );
    assert!(!err.to_string().contains('\n'), "{err}");
    let diagnostic = events
        .iter()
        .find_map(|e| match e {
            BuildEvent::Diagnostic(d) if d.level == Level::Error => Some(d),
            _ => None,
        })
        .expect("an error diagnostic");
    assert_eq!(diagnostic.code.as_deref(), Some("E0308"));
    assert_eq!(diagnostic.line, Some(2));
    assert!(
        diagnostic.rendered.contains("expected `u32`"),
        "{}",
        diagnostic.rendered
    );
    assert!(matches!(events.last(), Some(BuildEvent::Failed { .. })));
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

#[tokio::test]
async fn cancelling_a_build_kills_cargo_and_what_it_runs() {
    let marker = tempfile::tempdir().unwrap();
    let pid_file = marker.path().join("build-script.pid");
    // A build script that records its pid, then never finishes.
    let build_rs = format!(
        "fn main() {{ std::fs::write({:?}, std::process::id().to_string()).unwrap(); loop {{ std::thread::sleep(std::time::Duration::from_secs(1)); }} }}",
        pid_file
    );
    let scratch = Scratch::new("fn main() {}\n", Some(&build_rs));
    let spec = scratch.spec();
    let cancel = CancellationToken::new();
    let (tx, mut rx) = mpsc::channel(16);
    tokio::spawn(async move { while rx.recv().await.is_some() {} });
    let build = tokio::spawn({
        let cancel = cancel.clone();
        async move { build::build_with(&spec, &dev(BuildTarget::Local), tx, cancel).await }
    });
    // Wait until the build script runs (compiling it takes a moment).
    let pid = loop {
        if let Some(pid) = std::fs::read_to_string(&pid_file)
            .ok()
            .and_then(|t| t.trim().parse::<u32>().ok())
        {
            break pid;
        }
        assert!(
            !build.is_finished(),
            "the build ended before its script ran"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(running(pid));
    cancel.cancel();
    let result = build.await.unwrap();
    assert!(matches!(result, Err(BuildError::Cancelled)), "{result:?}");
    // SIGKILL to the group is delivered before build_with returns; the kernel may take a moment to
    // tear the process down.
    for _ in 0..200 {
        if !running(pid) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the build script {pid} survived the cancel");
}

fn progress_of(events: &[BuildEvent]) -> Vec<(usize, usize)> {
    events
        .iter()
        .filter_map(|e| match e {
            BuildEvent::Progress {
                compiled, total, ..
            } => Some((*compiled, *total)),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn the_total_follows_the_crate_when_its_targets_change() {
    let scratch = Scratch::new("fn main() {}\n", None);
    let lib = scratch.dir.path().join("fn/src/lib.rs");
    std::fs::write(&lib, "pub fn f() {}\n").unwrap();
    let spec = scratch.spec();
    // Library and binary: the estimate before any build is exact.
    let (result, events) = build_collecting(&spec, &dev(BuildTarget::Local)).await;
    result.unwrap();
    assert_eq!(progress_of(&events), [(1, 2), (2, 2)]);
    // Without the library the count the first build recorded no longer applies.
    std::fs::remove_file(&lib).unwrap();
    let (result, events) = build_collecting(&spec, &dev(BuildTarget::Local)).await;
    result.unwrap();
    assert_eq!(progress_of(&events), [(1, 1)]);
}

#[tokio::test]
async fn ctrl_c_in_lambdeck_build_stops_the_build_with_one_line() {
    let marker = tempfile::tempdir().unwrap();
    let pid_file = marker.path().join("build-script.pid");
    let build_rs = format!(
        "fn main() {{ std::fs::write({:?}, std::process::id().to_string()).unwrap(); loop {{ std::thread::sleep(std::time::Duration::from_secs(1)); }} }}",
        pid_file
    );
    let scratch = Scratch::new("fn main() {}\n", Some(&build_rs));
    let mut lambdeck = tokio::process::Command::new(env!("CARGO_BIN_EXE_lambdeck"))
        .arg("--config")
        .arg(scratch.dir.path().join("lambdeck.toml"))
        .args(["--local", "build"])
        .env(build::PROFILE_ENV, "dev")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let script_pid = loop {
        if let Some(pid) = std::fs::read_to_string(&pid_file)
            .ok()
            .and_then(|t| t.trim().parse::<u32>().ok())
        {
            break pid;
        }
        assert!(
            lambdeck.try_wait().unwrap().is_none(),
            "lambdeck ended before the build script ran"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // What the terminal sends on Ctrl-C; cargo runs in its own process group, so only lambdeck gets it.
    let pid =
        rustix::process::Pid::from_raw(i32::try_from(lambdeck.id().unwrap()).unwrap()).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::INT).unwrap();
    let out = lambdeck.wait_with_output().await.unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.lines().last(),
        Some("lambdeck: error: build cancelled"),
        "{stderr}"
    );
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    for _ in 0..200 {
        if !running(script_pid) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the build script {script_pid} survived Ctrl-C");
}

#[tokio::test]
async fn a_package_over_50_mb_is_flagged_by_the_build() {
    let scratch = Scratch::new(
        "static BLOB: &[u8] = include_bytes!(\"../blob.bin\");\nfn main() { println!(\"{}\", std::hint::black_box(BLOB).len()); }\n",
        None,
    );
    // Random bytes do not compress: the zip ends up just over the limit.
    let mut blob = vec![0u8; usize::try_from(build::DIRECT_UPLOAD_LIMIT).unwrap() + 1024];
    rand::Rng::fill(&mut rand::thread_rng(), blob.as_mut_slice());
    std::fs::write(scratch.dir.path().join("fn/blob.bin"), blob).unwrap();
    let (result, events) = build_collecting(&scratch.spec(), &dev(BuildTarget::Local)).await;
    let package = result.unwrap();
    assert!(
        package.size > build::DIRECT_UPLOAD_LIMIT,
        "{}",
        package.size
    );
    let warning = events
        .iter()
        .find_map(|e| match e {
            BuildEvent::Warning { message } if message.contains("direct-upload limit") => {
                Some(message.clone())
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("no warning about the limit: {events:?}"));
    assert_eq!(
        warning,
        format!(
            "the package is {} bytes, over Lambda's 50 MB (52428800 bytes) direct-upload limit for UpdateFunctionCode; shrink the binary (the lambda profile, fewer features) or upload through S3",
            package.size
        )
    );
}

#[tokio::test]
async fn ensure_package_builds_only_when_sources_are_newer() {
    let scratch = Scratch::new("fn main() { println!(\"v1\"); }\n", None);
    let spec = scratch.spec();
    let options = dev(BuildTarget::Local);
    let (tx, _rx) = mpsc::channel(1024);
    let built = build::ensure_package(&spec, &options, tx.clone(), CancellationToken::new())
        .await
        .unwrap();
    assert!(!built.reused);
    let again = build::ensure_package(&spec, &options, tx.clone(), CancellationToken::new())
        .await
        .unwrap();
    assert!(again.reused, "nothing changed, yet it rebuilt");
    assert_eq!(again.code_sha256, built.code_sha256);
    assert_eq!(again.elf, built.elf);

    // Another target is another package.
    let aws = build::ensure_package(
        &spec,
        &dev(BuildTarget::Aws),
        tx.clone(),
        CancellationToken::new(),
    )
    .await
    .unwrap();
    assert!(!aws.reused);

    // A source newer than the package triggers a build, which picks up the change.
    std::fs::write(scratch.main_rs(), "fn main() { println!(\"v2\"); }\n").unwrap();
    let later = std::time::SystemTime::now() + Duration::from_secs(5);
    std::fs::File::options()
        .write(true)
        .open(scratch.main_rs())
        .unwrap()
        .set_modified(later)
        .unwrap();
    let rebuilt = build::ensure_package(&spec, &options, tx, CancellationToken::new())
        .await
        .unwrap();
    assert!(!rebuilt.reused);
    assert_ne!(rebuilt.code_sha256, built.code_sha256);
}

#[test]
fn the_host_build_of_hello_world_passes_the_elf_checks_it_should() {
    let binary = std::fs::read(hello_world_bootstrap()).unwrap();
    let info = elf::inspect(&binary).unwrap();
    let host = host_architecture();
    assert_eq!(info.machine.architecture(), Some(host));
    let glibc = info
        .glibc
        .expect("a glibc build needs versioned glibc symbols");
    assert!(glibc >= GlibcVersion { major: 2, minor: 2 }, "{glibc}");
    // Runnable on its own architecture exactly when its glibc is not newer than provided.al2023's.
    assert_eq!(
        info.check_runnable(host).is_ok(),
        glibc <= elf::AL2023_GLIBC,
        "{glibc}"
    );
    let other = match host {
        Architecture::X86_64 => Architecture::Arm64,
        Architecture::Arm64 => Architecture::X86_64,
    };
    assert!(matches!(
        info.check_runnable(other),
        Err(ElfError::WrongArchitecture { .. })
    ));
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

#[test]
fn a_crafted_wrong_architecture_header_is_refused_with_the_fix() {
    let (binary, machine) = crafted_wrong_architecture();
    let info = elf::inspect(&binary).unwrap();
    assert_eq!(info.machine, machine);
    let err = elf::check_runnable(&binary, host_architecture()).unwrap_err();
    let line = err.to_string();
    assert!(line.contains(&format!("built for {machine}")), "{line}");
    assert!(line.contains("cargo-lambda or cargo-zigbuild"), "{line}");
    assert!(!line.contains('\n'));
}

#[test]
fn a_crafted_glibc_2_39_requirement_is_refused_with_the_fix() {
    let binary = crafted_glibc_2_39();
    let info = elf::inspect(&binary).unwrap();
    assert_eq!(
        info.glibc,
        Some(GlibcVersion {
            major: 2,
            minor: 39
        })
    );
    let err = info.check_runnable(host_architecture()).unwrap_err();
    assert_eq!(
        err,
        ElfError::GlibcTooNew {
            needed: GlibcVersion {
                major: 2,
                minor: 39
            }
        }
    );
    assert!(
        err.to_string()
            .contains("install cargo-lambda or cargo-zigbuild"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------------------
// moto: an independent implementation of the Lambda API.

/// Creates the execution role and a provided.al2023 function holding `zip`.
async fn create_function(clients: &Clients, name: &str, zip: Vec<u8>) {
    let role = clients
        .iam
        .create_role()
        .role_name(format!("{name}-role"))
        .assume_role_policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        )
        .send()
        .await
        .unwrap();
    clients
        .lambda
        .create_function()
        .function_name(name)
        .runtime(aws_sdk_lambda::types::Runtime::Providedal2023)
        .handler("bootstrap")
        .architectures(match host_architecture() {
            Architecture::X86_64 => aws_sdk_lambda::types::Architecture::X8664,
            Architecture::Arm64 => aws_sdk_lambda::types::Architecture::Arm64,
        })
        .role(role.role().unwrap().arn())
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(aws_smithy_types::Blob::new(zip))
                .build(),
        )
        .send()
        .await
        .unwrap();
}

async fn deployed_sha(clients: &Clients, name: &str) -> String {
    lambdeck::aws::lambda_code::deployed_code(clients, name)
        .await
        .unwrap()
        .code_sha256
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

#[tokio::test]
async fn against_moto_the_uploaded_code_sha256_matches_and_a_repeat_is_skipped() {
    let Some(moto) = support::Moto::start() else {
        return;
    };
    let clients = moto.clients().await;
    let name = "lambdeck-upload-moto";
    create_function(&clients, name, crate::support::script_zip("#!/bin/sh\n")).await;
    let before = deployed_sha(&clients, name).await;

    let binary = std::fs::read(hello_world_bootstrap()).unwrap();
    let package = package_of(&binary);
    if package.check_runnable(host_architecture()).is_err() {
        eprintln!("skipping: this host's glibc build would be refused for provided.al2023");
        return;
    }
    let report = build::upload_code(&clients, name, &package, true)
        .await
        .unwrap();
    let UploadReport::Updated {
        old_sha,
        new_sha,
        version,
    } = &report
    else {
        panic!("{report:?}");
    };
    assert_eq!(old_sha, &before);
    assert_eq!(new_sha, &package.code_sha256);
    assert!(version.is_some(), "--publish publishes a version");
    // moto computed CodeSha256 over the bytes it received: they are our zip.
    assert_eq!(deployed_sha(&clients, name).await, package.code_sha256);

    let again = build::upload_code(&clients, name, &package, false)
        .await
        .unwrap();
    assert_eq!(
        again,
        UploadReport::Skipped {
            sha: package.code_sha256.clone(),
            version: None
        }
    );
}

#[tokio::test]
async fn against_moto_a_binary_lambda_cannot_run_is_refused_before_sending() {
    let Some(moto) = support::Moto::start() else {
        return;
    };
    let clients = moto.clients().await;
    let name = "lambdeck-refuse-moto";
    create_function(&clients, name, crate::support::script_zip("#!/bin/sh\n")).await;
    let before = deployed_sha(&clients, name).await;

    let glibc = package_of(&crafted_glibc_2_39());
    let err = build::upload_code(&clients, name, &glibc, false)
        .await
        .unwrap_err();
    assert!(
        matches!(err, UploadError::NotRunnable(ElfError::GlibcTooNew { .. })),
        "{err}"
    );
    assert!(
        err.to_string()
            .starts_with("refusing to upload: bootstrap needs glibc 2.39"),
        "{err}"
    );

    let (wrong, _) = crafted_wrong_architecture();
    let err = build::upload_code(&clients, name, &package_of(&wrong), false)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            UploadError::NotRunnable(ElfError::WrongArchitecture { .. })
        ),
        "{err}"
    );

    assert_eq!(
        deployed_sha(&clients, name).await,
        before,
        "nothing was sent"
    );
}

#[tokio::test]
async fn a_package_over_50_mb_is_refused_naming_the_limit_before_any_call() {
    // No server at all: the size check comes before the first request.
    let clients = Clients::new(&Target {
        profile: None,
        region: Some("us-east-1".into()),
        endpoint_url: Some("http://127.0.0.1:9".into()),
        local: true,
    })
    .await
    .unwrap();
    let mut package = package_of(&std::fs::read(hello_world_bootstrap()).unwrap());
    let oversized = vec![0u8; usize::try_from(build::DIRECT_UPLOAD_LIMIT).unwrap() + 1];
    package.size = oversized.len() as u64;
    package.zip = oversized.into();
    let err = build::upload_code(&clients, "f", &package, false)
        .await
        .unwrap_err();
    assert!(matches!(err, UploadError::TooLarge { .. }));
    assert!(err.to_string().contains("50 MB"), "{err}");
}

/// Runs the lambdeck binary against moto with test credentials, in a scratch working directory. Its
/// builds for AWS (with the real cargo-lambda when it is installed) share the real tools' target
/// directory; callers hold `REAL_TOOLS`.
fn lambdeck_cli(moto: &support::Moto, cwd: &Path, args: &[&str]) -> std::process::Output {
    let config = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("lambdeck.toml");
    Command::new(env!("CARGO_BIN_EXE_lambdeck"))
        .arg("--config")
        .arg(&config)
        .args(["--endpoint-url", &moto.url, "--region", "us-east-1"])
        .args(args)
        .current_dir(cwd)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env_remove("AWS_PROFILE")
        .env(build::PROFILE_ENV, "dev")
        .env("CARGO_TARGET_DIR", real_tools_target_dir())
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[tokio::test]
async fn lambdeck_upload_json_updates_then_reports_up_to_date() {
    let Some(moto) = support::Moto::start() else {
        return;
    };
    let _one_at_a_time = REAL_TOOLS.lock().await;
    let clients = moto.clients().await;
    let name = repo_spec().function.name;
    let cwd = tempfile::tempdir().unwrap();

    // Before the function exists: one line, exit 1, pointing at `lambdeck up`.
    let missing = lambdeck_cli(&moto, cwd.path(), &["upload"]);
    assert_eq!(missing.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&missing.stderr);
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with(
            "lambdeck: error: GetFunction function tf-test-rust-hello-world: not found"
        ),
        "{stderr}"
    );
    assert!(
        last.ends_with("create the stack first with `lambdeck up`"),
        "{stderr}"
    );
    // Found out before building, not after.
    assert!(!stderr.contains("building with"), "{stderr}");

    create_function(&clients, &name, crate::support::script_zip("#!/bin/sh\n")).await;
    let before = deployed_sha(&clients, &name).await;

    let first = lambdeck_cli(&moto, cwd.path(), &["upload", "--json"]);
    let stderr = String::from_utf8_lossy(&first.stderr);
    if stderr.contains("refusing to upload") {
        eprintln!("skipping: this host's glibc build would be refused for provided.al2023");
        return;
    }
    assert!(first.status.success(), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(report["result"], "updated", "{report}");
    assert_eq!(report["function"], name.as_str());
    assert_eq!(report["old_sha"], before.as_str());
    let zip_path = PathBuf::from(report["zip_path"].as_str().unwrap());
    assert_eq!(report["new_sha"], python_code_sha256(&zip_path).as_str());
    assert_eq!(
        deployed_sha(&clients, &name).await,
        report["new_sha"].as_str().unwrap()
    );
    // Build lines and warnings go to stderr: stdout held exactly the one JSON object parsed above.
    assert_eq!(String::from_utf8_lossy(&first.stdout).lines().count(), 1);

    let second = lambdeck_cli(&moto, cwd.path(), &["upload"]);
    assert!(
        second.status.success(),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    let text = String::from_utf8_lossy(&second.stdout);
    assert!(
        text.starts_with(&format!("up to date: {name} already runs ")),
        "{text}"
    );
    assert!(text.contains("nothing sent"), "{text}");
}

// ---------------------------------------------------------------------------------------------------
// The embedded local stack: uploads that the stage URL then serves.

/// A bash `bootstrap` speaking the Runtime API over /dev/tcp, answering every event with `body`: the
/// "old build" the function starts with.
fn old_build_zip(body: &str) -> Vec<u8> {
    let script = format!(
        r#"#!/bin/bash
shopt -s nocasematch
exec 3<>/dev/tcp/${{AWS_LAMBDA_RUNTIME_API%:*}}/${{AWS_LAMBDA_RUNTIME_API#*:}}
while true; do
  printf 'GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: rt\r\n\r\n' >&3
  id=; len=0
  while IFS= read -r line <&3; do
    line=${{line%$'\r'}}
    [ -z "$line" ] && break
    case "$line" in
      lambda-runtime-aws-request-id:*) id=${{line#*: }} ;;
      content-length:*) len=${{line#*: }} ;;
    esac
  done
  if [ "$len" -gt 0 ]; then IFS= read -r -N "$len" event <&3; fi
  out='{{"statusCode":200,"body":"{body}"}}'
  printf 'POST /2018-06-01/runtime/invocation/%s/response HTTP/1.1\r\nHost: rt\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' "$id" "${{#out}}" "$out" >&3
  len=0
  while IFS= read -r line <&3; do
    line=${{line%$'\r'}}
    [ -z "$line" ] && break
    case "$line" in content-length:*) len=${{line#*: }} ;; esac
  done
  if [ "$len" -gt 0 ]; then IFS= read -r -N "$len" rest <&3; fi
done
"#
    );
    crate::support::script_zip(&script)
}

/// The local stack with the repository's stack created by `up` around the old build; returns the
/// server, its clients and the stage URL of /hello_world.
async fn local_stack_with_old_build(
    spec: &StackSpec,
) -> (lambdeck::local::LocalServer, Clients, String) {
    let server = lambdeck::local::LocalServer::start(lambdeck::local::LocalConfig::default())
        .await
        .unwrap();
    let clients = Clients::new(&Target {
        profile: None,
        region: Some(lambdeck::wire::LOCAL_REGION.into()),
        endpoint_url: Some(server.endpoint_url()),
        local: true,
    })
    .await
    .unwrap();
    let stack = lambdeck::stack::load_stack(&clients, spec).await.unwrap();
    lambdeck::stack::provision::up(&clients, spec, &stack, Some(old_build_zip("old build")))
        .await
        .unwrap();
    let stack = lambdeck::stack::load_stack(&clients, spec).await.unwrap();
    let api_id = stack.api.as_ref().expect("up created the API").id.clone();
    let url = format!(
        "{}/hello_world",
        lambdeck::wire::local_stage_url(&server.endpoint_url(), &api_id, &spec.api.stage.0)
    );
    (server, clients, url)
}

async fn get_body(url: &str) -> (u16, String) {
    let response = reqwest::get(url).await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_the_local_stack_an_upload_is_served_by_the_stage_and_a_repeat_is_skipped() {
    let spec = repo_spec();
    let (server, clients, url) = local_stack_with_old_build(&spec).await;
    assert_eq!(get_body(&url).await, (200, "old build".to_owned()));

    let (tx, _rx) = mpsc::channel(1024);
    let package = build::ensure_package(
        &spec,
        &dev(BuildTarget::Local),
        tx,
        CancellationToken::new(),
    )
    .await
    .unwrap();
    let name = &spec.function.name;
    let before = deployed_sha(&clients, name).await;
    let report = build::upload_code(&clients, name, &package, false)
        .await
        .unwrap();
    assert_eq!(
        report,
        UploadReport::Updated {
            old_sha: before,
            new_sha: package.code_sha256.clone(),
            version: None
        }
    );
    // The stage serves the new build at once: the update finished (the waiter saw Successful) before
    // upload_code returned.
    assert_eq!(
        get_body(&url).await,
        (200, "\"Hello from Lambda!\"".to_owned())
    );

    let again = build::upload_code(&clients, name, &package, true)
        .await
        .unwrap();
    let UploadReport::Skipped { sha, version } = again else {
        panic!("{again:?}");
    };
    assert_eq!(sha, package.code_sha256);
    assert!(
        version.is_some(),
        "--publish publishes even when the code is unchanged"
    );
    assert_eq!(
        get_body(&url).await,
        (200, "\"Hello from Lambda!\"".to_owned())
    );
    server.shutdown().await;
}

// ---------------------------------------------------------------------------------------------------
// The real cargo-lambda and cargo-zigbuild (PyPI `cargo-lambda`, `cargo-zigbuild` and `ziglang`, which
// .ci/run installs into its venv): the zip is built, passes the provided.al2023 checks, and the local
// stack serves it.

/// The real tools' builds run one at a time, in a target directory of their own: the cross target's
/// dependencies are compiled once for both tools, and no other test replaces the package between a
/// build and its upload.
static REAL_TOOLS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn real_tools_target_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("real-build-tools")
}

/// `name` on PATH, if it is there.
fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// Runs the lambdeck binary on the repository's lambdeck.toml with `path` as PATH, the dev profile
/// and the real tools' target directory.
async fn lambdeck_with_path(path: &std::ffi::OsStr, args: &[&str]) -> std::process::Output {
    let config = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("lambdeck.toml");
    let cwd = tempfile::tempdir().unwrap();
    tokio::process::Command::new(env!("CARGO_BIN_EXE_lambdeck"))
        .arg("--config")
        .arg(&config)
        .args(args)
        .current_dir(cwd.path())
        .env("PATH", path)
        .env("CARGO_TARGET_DIR", real_tools_target_dir())
        .env(build::PROFILE_ENV, "dev")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env_remove("AWS_PROFILE")
        .stdin(Stdio::null())
        .output()
        .await
        .unwrap()
}

fn json_of(out: &std::process::Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `lambdeck build` with `path` as PATH picks `toolchain` and builds a package provided.al2023 can
/// run; `lambdeck upload` sends it to the local stack as to AWS (not `--local`: the provided.al2023
/// checks apply), and the stage URL serves it.
async fn the_real_tool_builds_a_package_lambda_can_run(path: std::ffi::OsString, toolchain: &str) {
    let _one_at_a_time = REAL_TOOLS.lock().await;
    let report = json_of(&lambdeck_with_path(&path, &["build", "--json"]).await);
    assert_eq!(report["toolchain"], toolchain, "{report}");
    assert_eq!(report["target"], "aws", "{report}");
    assert_eq!(report["runnable_on_lambda"], true, "{report}");
    let glibc = report["glibc"].as_str().expect("a glibc-linked binary");
    let (major, minor) = glibc.split_once('.').unwrap();
    let glibc: (u32, u32) = (major.parse().unwrap(), minor.parse().unwrap());
    assert!(glibc <= (2, 34), "{report}: provided.al2023 has glibc 2.34");
    let zip = PathBuf::from(report["zip_path"].as_str().unwrap());
    assert_eq!(report["code_sha256"], python_code_sha256(&zip).as_str());

    let spec = repo_spec();
    let (server, _clients, url) = local_stack_with_old_build(&spec).await;
    assert_eq!(get_body(&url).await, (200, "old build".to_owned()));
    let endpoint = server.endpoint_url();
    let upload = json_of(
        &lambdeck_with_path(
            &path,
            &[
                "--endpoint-url",
                &endpoint,
                "--region",
                lambdeck::wire::LOCAL_REGION,
                "upload",
                "--json",
            ],
        )
        .await,
    );
    assert_eq!(upload["result"], "updated", "{upload}");
    assert_eq!(upload["built"], false, "the package was reused: {upload}");
    assert_eq!(upload["new_sha"], report["code_sha256"], "{upload}");
    assert_eq!(
        get_body(&url).await,
        (200, "\"Hello from Lambda!\"".to_owned())
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_cargo_lambda_is_preferred_and_builds_a_package_lambda_can_run() {
    if on_path("cargo-lambda").is_none() || on_path("cargo-zigbuild").is_none() {
        support::skip::<()>(
            "cargo-lambda or cargo-zigbuild is not on PATH (pip install cargo-lambda cargo-zigbuild ziglang)",
        );
        return;
    }
    // Both installed: cargo-lambda is the one used.
    let path = std::env::var_os("PATH").unwrap_or_default();
    the_real_tool_builds_a_package_lambda_can_run(path, "cargo-lambda").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_cargo_zigbuild_is_detected_and_builds_a_package_lambda_can_run() {
    let Some(zigbuild) = on_path("cargo-zigbuild") else {
        support::skip::<()>("cargo-zigbuild is not on PATH (pip install cargo-zigbuild ziglang)");
        return;
    };
    // cargo-zigbuild (with the python3 beside it, which has zig as its `ziglang` module) is reached
    // through a directory of its own, on a PATH without cargo-lambda.
    let tools = tempfile::tempdir().unwrap();
    let forward = |name: &str, to: &Path| {
        let script = tools.path().join(name);
        std::fs::write(&script, format!("#!/bin/sh\nexec {:?} \"$@\"\n", to)).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    forward("cargo-zigbuild", &zigbuild);
    let python = zigbuild.with_file_name("python3");
    if python.is_file() {
        forward("python3", &python);
    }
    let Some(path) = path_without_cargo_lambda(tools.path()) else {
        return;
    };
    the_real_tool_builds_a_package_lambda_can_run(path, "cargo-zigbuild").await;
}

/// `first`, then PATH without the directories that hold cargo-lambda; None (skipped, saying why) when
/// cargo-lambda is in cargo's own bin directory, where cargo always finds it.
fn path_without_cargo_lambda(first: &Path) -> Option<std::ffi::OsString> {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    if cargo_home.is_some_and(|h| h.join("bin/cargo-lambda").is_file()) {
        return support::skip(
            "cargo-lambda is in cargo's bin directory, where cargo always finds it",
        );
    }
    let path = std::env::join_paths(
        std::iter::once(first.to_path_buf()).chain(
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
                .filter(|dir| !dir.join("cargo-lambda").exists()),
        ),
    )
    .unwrap();
    Some(path)
}

/// A stand-in cargo-zigbuild for the one case the real tools never produce: a binary for another CPU
/// than the one asked for. It answers `--help` (how lambdeck detects it) and builds natively.
fn native_zigbuild() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    // cargo runs an external subcommand as `cargo-<name> <name> <args>`; `zigbuild --target <triple>.2.34`
    // is dropped.
    let script = "#!/bin/sh\n\
                  [ \"$2\" = --help ] && exit 0\n\
                  shift; shift; shift\n\
                  exec \"${CARGO:-cargo}\" build \"$@\"\n";
    let path = dir.path().join("cargo-zigbuild");
    std::fs::write(&path, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

// ---------------------------------------------------------------------------------------------------
// A scripted Lambda: the answers moto and the local stack never give (an update that ends Failed, one
// still InProgress, a CodeSha256 that is not ours), and a count of what was sent.

/// What the scripted Lambda knows and has been asked.
#[derive(Default)]
struct Script {
    /// The CodeSha256 the function runs.
    code_sha256: String,
    /// LastUpdateStatus (and reason) for the next GetFunction calls, in order; `Successful` when empty.
    statuses: std::collections::VecDeque<(&'static str, Option<&'static str>)>,
    /// When set, the CodeSha256 reported after an update instead of the digest of what was sent.
    report_after_update: Option<String>,
    /// Statuses the next UpdateFunctionCode queues for the GetFunction calls after it.
    after_update: Vec<(&'static str, Option<&'static str>)>,
    /// UpdateFunctionCode requests received.
    updates: usize,
    /// GetFunction requests received, and how many came after the first update.
    gets: usize,
    gets_after_update: usize,
    /// PublishVersion requests received.
    publishes: usize,
    /// The LastUpdateStatus the last GetFunction answered.
    last_status: &'static str,
}

type Shared = std::sync::Arc<std::sync::Mutex<Script>>;

fn configuration(
    name: &str,
    script: &Script,
    status: &str,
    reason: Option<&str>,
) -> serde_json::Value {
    serde_json::json!({
        "FunctionName": name,
        "FunctionArn": format!("arn:aws:lambda:us-east-1:123456789012:function:{name}"),
        "Runtime": "provided.al2023",
        "Handler": "bootstrap",
        "CodeSha256": script.code_sha256,
        "CodeSize": 1,
        "Architectures": [match host_architecture() { Architecture::X86_64 => "x86_64", Architecture::Arm64 => "arm64" }],
        "State": "Active",
        "LastUpdateStatus": status,
        "LastUpdateStatusReason": reason,
        "RevisionId": uuid::Uuid::new_v4().to_string(),
        "Version": "$LATEST",
    })
}

/// Serves GetFunction, UpdateFunctionCode and PublishVersion from `script` on a loopback port.
async fn scripted_lambda(script: Shared) -> (Clients, tokio::task::JoinHandle<()>) {
    use axum::extract::{Path as UrlPath, State};
    use axum::routing::{get, post, put};
    use base64::Engine;

    async fn get_function(
        State(script): State<Shared>,
        UrlPath(name): UrlPath<String>,
    ) -> axum::Json<serde_json::Value> {
        let mut s = script.lock().unwrap();
        s.gets += 1;
        if s.updates > 0 {
            s.gets_after_update += 1;
        }
        let (status, reason) = s.statuses.pop_front().unwrap_or(("Successful", None));
        s.last_status = status;
        axum::Json(serde_json::json!({
            "Configuration": configuration(&name, &s, status, reason),
            "Code": {"RepositoryType": "S3", "Location": "https://example.invalid/code.zip"},
        }))
    }

    async fn update_code(
        State(script): State<Shared>,
        UrlPath(name): UrlPath<String>,
        axum::Json(body): axum::Json<serde_json::Value>,
    ) -> axum::response::Response {
        use axum::response::IntoResponse;
        let mut s = script.lock().unwrap();
        if s.last_status == "InProgress" {
            // What Lambda answers while an earlier update is still being applied.
            return (
                http::StatusCode::CONFLICT,
                [("x-amzn-ErrorType", "ResourceConflictException")],
                axum::Json(serde_json::json!({
                    "Type": "User",
                    "message": "The operation cannot be performed at this time. An update is in progress for resource: fn"
                })),
            )
                .into_response();
        }
        let zip = base64::engine::general_purpose::STANDARD
            .decode(body["ZipFile"].as_str().unwrap())
            .unwrap();
        s.updates += 1;
        s.code_sha256 = s
            .report_after_update
            .clone()
            .unwrap_or_else(|| sha_of(&zip));
        let queued = std::mem::take(&mut s.after_update);
        s.statuses.extend(queued);
        s.last_status = "InProgress";
        axum::Json(configuration(&name, &s, "InProgress", None)).into_response()
    }

    async fn publish(
        State(script): State<Shared>,
        UrlPath(name): UrlPath<String>,
    ) -> (http::StatusCode, axum::Json<serde_json::Value>) {
        let mut s = script.lock().unwrap();
        s.publishes += 1;
        let mut config = configuration(&name, &s, "Successful", None);
        config["Version"] = serde_json::json!(s.publishes.to_string());
        (http::StatusCode::CREATED, axum::Json(config))
    }

    let app = axum::Router::new()
        .route("/2015-03-31/functions/{name}", get(get_function))
        .route("/2015-03-31/functions/{name}/code", put(update_code))
        .route("/2015-03-31/functions/{name}/versions", post(publish))
        // The dev build's zip, base64-encoded, is far over axum's 2 MB default.
        .layer(axum::extract::DefaultBodyLimit::disable())
        .with_state(script);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    let mut clients = Clients::new(&Target {
        profile: None,
        region: Some("us-east-1".into()),
        endpoint_url: Some(url),
        local: true,
    })
    .await
    .unwrap();
    // It stands in for AWS: uploads get the provided.al2023 checks.
    clients.local = false;
    (clients, server)
}

/// base64(SHA-256) with the sha2 crate directly (the scripted Lambda's own digest).
fn sha_of(bytes: &[u8]) -> String {
    use base64::Engine;
    use sha2::Digest;
    base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(bytes))
}

fn hello_world_package() -> Package {
    package_of(&std::fs::read(hello_world_bootstrap()).unwrap())
}

fn script_with(f: impl FnOnce(&mut Script)) -> Shared {
    let mut script = Script {
        code_sha256: "b2xkIGNvZGU=".into(),
        ..Script::default()
    };
    f(&mut script);
    std::sync::Arc::new(std::sync::Mutex::new(script))
}

#[tokio::test]
async fn an_update_lambda_reports_failed_is_an_error_with_lambdas_reason() {
    let script = script_with(|s| {
        s.after_update = vec![(
            "Failed",
            Some("Lambda was unable to configure your environment variables"),
        )]
    });
    let (clients, server) = scripted_lambda(script.clone()).await;
    let package = hello_world_package();
    let err = build::upload_code(&clients, "fn", &package, true)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        UploadError::UpdateFailed {
            function: "fn".into(),
            reason: "Lambda was unable to configure your environment variables".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "the update of fn failed: Lambda was unable to configure your environment variables"
    );
    let s = script.lock().unwrap();
    assert_eq!(s.updates, 1);
    assert_eq!(s.publishes, 0, "no version of a failed update");
    server.abort();
}

#[tokio::test]
async fn the_waiter_polls_through_in_progress_then_the_code_sha256_is_verified() {
    let script = script_with(|s| {
        s.after_update = vec![("InProgress", None), ("InProgress", None)];
    });
    let (clients, server) = scripted_lambda(script.clone()).await;
    let package = hello_world_package();
    let report = build::upload_code(&clients, "fn", &package, false)
        .await
        .unwrap();
    assert_eq!(
        report,
        UploadReport::Updated {
            old_sha: "b2xkIGNvZGU=".into(),
            new_sha: package.code_sha256.clone(),
            version: None
        }
    );
    let s = script.lock().unwrap();
    assert_eq!(s.updates, 1);
    // Two InProgress answers, then the Successful one the verification reads.
    assert_eq!(s.gets_after_update, 3);
    server.abort();
}

#[tokio::test]
async fn a_code_sha256_other_than_ours_after_the_update_fails_verification() {
    let script = script_with(|s| s.report_after_update = Some("c29tZW9uZSBlbHNl".into()));
    let (clients, server) = scripted_lambda(script.clone()).await;
    let package = hello_world_package();
    let err = build::upload_code(&clients, "fn", &package, true)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        UploadError::ShaMismatch {
            function: "fn".into(),
            local: package.code_sha256.clone(),
            deployed: "c29tZW9uZSBlbHNl".into()
        }
    );
    assert!(!err.to_string().contains('\n'));
    assert_eq!(script.lock().unwrap().publishes, 0);
    server.abort();
}

#[tokio::test]
async fn an_unchanged_package_sends_no_code() {
    let package = hello_world_package();
    let sha = package.code_sha256.clone();
    let script = script_with(|s| s.code_sha256 = sha.clone());
    let (clients, server) = scripted_lambda(script.clone()).await;
    let report = build::upload_code(&clients, "fn", &package, false)
        .await
        .unwrap();
    assert_eq!(report, UploadReport::Skipped { sha, version: None });
    let s = script.lock().unwrap();
    assert_eq!((s.updates, s.gets, s.publishes), (0, 1, 0));
    server.abort();
}

#[tokio::test]
async fn an_update_still_in_progress_is_waited_for_before_the_code_is_sent() {
    // Right after CreateFunction, or another developer's update: Lambda would answer
    // UpdateFunctionCode with ResourceConflictException.
    let script = script_with(|s| s.statuses = [("InProgress", None)].into());
    let (clients, server) = scripted_lambda(script.clone()).await;
    let package = hello_world_package();
    let report = build::upload_code(&clients, "fn", &package, false)
        .await
        .unwrap();
    assert!(matches!(report, UploadReport::Updated { .. }), "{report:?}");
    let s = script.lock().unwrap();
    // GetFunction (InProgress), the waiter's GetFunction (Successful), the update, the verification.
    assert_eq!((s.gets, s.updates, s.gets_after_update), (3, 1, 1));
    server.abort();
}

#[tokio::test]
async fn up_refuses_a_binary_for_another_architecture_before_creating_anything() {
    let Some(moto) = support::Moto::start() else {
        return;
    };
    let clients = moto.clients().await;
    // The repository's function, declared for the other Lambda architecture; a stand-in
    // cargo-zigbuild that ignores --target builds it for this machine's.
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let other = match host_architecture() {
        Architecture::X86_64 => "arm64",
        Architecture::Arm64 => "x86_64",
    };
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("lambdeck.toml");
    std::fs::write(
        &config,
        format!(
            "[function]\nname = \"lambdeck-other-arch\"\ncrate = {:?}\narchitecture = \"{other}\"\n",
            repo.join("function").display().to_string()
        ),
    )
    .unwrap();
    let tools = native_zigbuild();
    let Some(path) = path_without_cargo_lambda(tools.path()) else {
        return;
    };
    let run = |command: &str| {
        Command::new(env!("CARGO_BIN_EXE_lambdeck"))
            .arg("--config")
            .arg(&config)
            .args([
                "--endpoint-url",
                &moto.url,
                "--region",
                "us-east-1",
                command,
            ])
            .current_dir(dir.path())
            .env("PATH", &path)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env_remove("AWS_PROFILE")
            .env(build::PROFILE_ENV, "dev")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let expected = format!(
        "lambdeck: error: refusing to upload: bootstrap is built for {}, but the function runs on {other}",
        match host_architecture() {
            Architecture::X86_64 => "x86_64",
            Architecture::Arm64 => "arm64",
        }
    );
    let up = run("up");
    assert_eq!(up.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&up.stderr);
    let last = stderr.lines().last().unwrap_or_default();
    assert!(last.starts_with(&expected), "{stderr}");
    assert!(last.contains("cargo-lambda or cargo-zigbuild"), "{stderr}");
    // Refused before the function was created.
    let err = lambdeck::aws::lambda_code::deployed_code(&clients, "lambdeck-other-arch")
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
}
