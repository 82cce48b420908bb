//! Build, package and upload the Rust function: cargo runs quietly and streams progress, the binary is
//! checked against provided.al2023, zipped deterministically, and uploaded only when its CodeSha256
//! differs from the deployed one.

pub mod cargo;
pub mod elf;
pub mod package;
pub mod upload;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
pub use tokio_util::sync::CancellationToken;

use crate::config::{Architecture, StackSpec};
pub use elf::{ElfError, ElfInfo};
pub use package::{DIRECT_UPLOAD_LIMIT, code_sha256, package_zip};
pub use upload::{UploadError, UploadReport, upload_code};

/// Where the built function will run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BuildTarget {
    /// The embedded local stack: a native build that runs on this machine.
    Local,
    /// AWS Lambda (provided.al2023): cargo-lambda, else cargo-zigbuild, else cargo with a warning.
    Aws,
}

/// The tool that ran the build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Toolchain {
    CargoLambda,
    CargoZigbuild,
    Cargo,
}

impl fmt::Display for Toolchain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::CargoLambda => "cargo-lambda",
            Self::CargoZigbuild => "cargo-zigbuild",
            Self::Cargo => "cargo",
        })
    }
}

/// The size-tuned profile in the workspace's Cargo.toml that function builds use by default. Not
/// `lambda`: cargo writes a profile's outputs to `target/<profile>/`, and `target/lambda/` is where
/// cargo-lambda (and lambdeck's packages) put `target/lambda/<binary>/bootstrap`; a native build's
/// `target/lambda/bootstrap` file would stop cargo-lambda creating its `bootstrap/` directory there.
pub const LAMBDA_PROFILE: &str = "release-lambda";

/// Environment variable that selects another cargo profile (e.g. `dev` in tests, where a size-tuned
/// release build is not worth its minutes).
pub const PROFILE_ENV: &str = "LAMBDECK_BUILD_PROFILE";

/// How to build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildOptions {
    pub target: BuildTarget,
    /// The cargo profile: `release-lambda` unless `LAMBDECK_BUILD_PROFILE` names another.
    pub profile: String,
}

impl BuildOptions {
    /// The options `build_function` uses for `target`.
    pub fn new(target: BuildTarget) -> Self {
        let profile = std::env::var(PROFILE_ENV)
            .ok()
            .filter(|p| !p.trim().is_empty())
            .unwrap_or_else(|| LAMBDA_PROFILE.to_owned());
        Self { target, profile }
    }

    /// The same target with an explicit profile.
    pub fn with_profile(target: BuildTarget, profile: impl Into<String>) -> Self {
        Self {
            target,
            profile: profile.into(),
        }
    }
}

/// A compiler diagnostic's severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Error,
    Warning,
    Note,
    Help,
    Other,
}

impl Level {
    fn parse(level: &str) -> Self {
        match level {
            "error" | "error: internal compiler error" => Self::Error,
            "warning" => Self::Warning,
            "note" => Self::Note,
            "help" => Self::Help,
            _ => Self::Other,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Error => "error",
            Self::Warning => "warning",
            Self::Note => "note",
            Self::Help => "help",
            Self::Other => "message",
        })
    }
}

/// A compiler diagnostic, structured (for a list in the TUI) and rendered (as rustc prints it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub level: Level,
    pub message: String,
    /// e.g. `E0308`.
    pub code: Option<String>,
    pub file: Option<String>,
    pub line: Option<u32>,
    pub column: Option<u32>,
    /// rustc's own rendering, several lines.
    pub rendered: String,
}

impl Diagnostic {
    /// One line: `error[E0308]: mismatched types at src/lib.rs:3:5`.
    pub fn headline(&self) -> String {
        let mut line = self.level.to_string();
        if let Some(code) = &self.code {
            line.push_str(&format!("[{code}]"));
        }
        line.push_str(": ");
        line.push_str(self.message.lines().next().unwrap_or_default());
        if let (Some(file), Some(l), Some(c)) = (&self.file, self.line, self.column) {
            line.push_str(&format!(" at {file}:{l}:{c}"));
        }
        line
    }
}

/// What a build reports while it runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum BuildEvent {
    /// The build started with this tool and command line.
    Started {
        toolchain: Toolchain,
        command: String,
    },
    /// Something the user should know (e.g. no cross-compiling tool is installed).
    Warning { message: String },
    /// A unit (library, binary, proc macro) was compiled or found up to date.
    Progress {
        compiled: usize,
        total: usize,
        unit: String,
    },
    /// A compiler error or warning.
    Diagnostic(Diagnostic),
    /// The package is ready.
    Finished {
        code_sha256: String,
        size: u64,
        elapsed_ms: u64,
    },
    /// The build failed (the same reason as the returned error).
    Failed { reason: String },
}

/// A packaged function, ready to upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// `<target>/lambda/<package>/bootstrap.zip` (for the `release-lambda` profile; other profiles get a
    /// subdirectory named after the profile so a test build never replaces the release package).
    pub zip_path: PathBuf,
    pub zip: Bytes,
    /// base64 of the SHA-256 of the zip, as Lambda computes CodeSha256.
    pub code_sha256: String,
    /// Zip length in bytes (Lambda's CodeSize).
    pub size: u64,
    /// The `bootstrap` next to the zip (the exact bytes inside it).
    pub binary_path: PathBuf,
    /// What the binary's ELF header says.
    pub elf: ElfInfo,
    /// The target it was built for.
    pub target: BuildTarget,
    /// The tool that built it.
    pub toolchain: Toolchain,
    /// True when this package was found up to date and not rebuilt.
    pub reused: bool,
}

impl Package {
    /// Why provided.al2023 on `arch` cannot run this package, if it cannot.
    pub fn check_runnable(&self, arch: Architecture) -> Result<(), ElfError> {
        self.elf.check_runnable(arch)
    }
}

/// Why a build failed, in one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    #[error("cannot run `{command}`: {reason}")]
    Spawn { command: String, reason: String },
    #[error("build failed: {0}")]
    Failed(String),
    #[error("build cancelled")]
    Cancelled,
    #[error("the function crate: {0}")]
    Crate(String),
    #[error("{0}")]
    Io(String),
    #[error("the built bootstrap: {0}")]
    Elf(#[from] ElfError),
}

/// Where the function crate and its package live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// The function crate's directory.
    pub crate_dir: PathBuf,
    /// The package name from the crate's Cargo.toml (e.g. `hello-world`).
    pub package: String,
    /// Cargo's target directory for the workspace.
    pub target_dir: PathBuf,
    /// The workspace root (where Cargo.lock is).
    pub workspace_root: PathBuf,
    /// The units the crate itself compiles with `--bins`: each binary, plus its library if it has one.
    pub own_units: usize,
}

impl Layout {
    /// Finds the crate lambdeck.toml names, its package name and the workspace's target directory.
    pub async fn discover(spec: &StackSpec) -> Result<Self, BuildError> {
        let crate_dir = spec.root.join(&spec.function.crate_path);
        let manifest = crate_dir.join("Cargo.toml");
        let text = tokio::fs::read_to_string(&manifest)
            .await
            .map_err(|e| BuildError::Crate(format!("cannot read {}: {e}", manifest.display())))?;
        let package = package_name(&text).ok_or_else(|| {
            BuildError::Crate(format!("{} has no [package] name", manifest.display()))
        })?;
        let (workspace_root, target_dir, own_units) = cargo_dirs(&manifest, &package).await?;
        Ok(Self {
            crate_dir,
            package,
            target_dir,
            workspace_root,
            own_units,
        })
    }

    /// The directory the package is written to for `profile`.
    pub fn package_dir(&self, profile: &str) -> PathBuf {
        let dir = self.target_dir.join("lambda").join(&self.package);
        if profile == LAMBDA_PROFILE {
            dir
        } else {
            dir.join(profile)
        }
    }

    /// The zip path for `profile`: `target/lambda/hello-world/bootstrap.zip` for the release-lambda
    /// profile.
    pub fn zip_path(&self, profile: &str) -> PathBuf {
        self.package_dir(profile).join("bootstrap.zip")
    }
}

fn package_name(manifest: &str) -> Option<String> {
    let value: toml::Table = toml::from_str(manifest).ok()?;
    value
        .get("package")?
        .get("name")?
        .as_str()
        .map(ToOwned::to_owned)
}

/// Asks cargo for the workspace root and target directory (honours CARGO_TARGET_DIR and .cargo/config),
/// and how many units `package` itself compiles with `--bins`.
async fn cargo_dirs(
    manifest: &Path,
    package: &str,
) -> Result<(PathBuf, PathBuf, usize), BuildError> {
    #[derive(Deserialize)]
    struct Metadata {
        target_directory: PathBuf,
        workspace_root: PathBuf,
        #[serde(default)]
        packages: Vec<MetaPackage>,
    }
    #[derive(Deserialize)]
    struct MetaPackage {
        name: String,
        #[serde(default)]
        targets: Vec<MetaTarget>,
    }
    #[derive(Deserialize)]
    struct MetaTarget {
        #[serde(default)]
        kind: Vec<String>,
    }
    let output = tokio::process::Command::new(cargo::cargo_program())
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--offline",
        ])
        .arg("--manifest-path")
        .arg(manifest)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|e| BuildError::Spawn {
            command: "cargo metadata".into(),
            reason: e.to_string(),
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let reason = stderr
            .lines()
            .find(|l| l.starts_with("error"))
            .or_else(|| stderr.lines().next())
            .unwrap_or("cargo metadata failed")
            .to_owned();
        return Err(BuildError::Crate(reason));
    }
    let meta: Metadata = serde_json::from_slice(&output.stdout)
        .map_err(|e| BuildError::Crate(format!("cargo metadata: {e}")))?;
    let own_units = meta
        .packages
        .iter()
        .find(|p| p.name == package)
        .map_or(1, |p| {
            let bins = p
                .targets
                .iter()
                .filter(|t| t.kind.iter().any(|k| k == "bin"))
                .count();
            let lib = p.targets.iter().any(|t| {
                t.kind
                    .iter()
                    .any(|k| k.ends_with("lib") || k == "proc-macro")
            });
            bins + usize::from(lib)
        });
    Ok((meta.workspace_root, meta.target_directory, own_units))
}

/// What was built, written next to the zip so `ensure_package` knows whether the package fits a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Manifest {
    target: BuildTarget,
    toolchain: Toolchain,
    profile: String,
    code_sha256: String,
    /// When cargo was started (ms since the epoch): a source saved after this may have been missed
    /// by the build, so it makes the package stale even if it predates the zip.
    #[serde(default)]
    sources_read_at_ms: Option<u64>,
    /// Cargo.lock's digest after the build: compared by content, because the build itself may write it.
    #[serde(default)]
    lock_sha256: Option<String>,
}

/// The digest of the workspace's Cargo.lock, if it has one.
async fn lock_digest(layout: &Layout) -> Option<String> {
    let bytes = tokio::fs::read(layout.workspace_root.join("Cargo.lock"))
        .await
        .ok()?;
    Some(package::code_sha256(&bytes))
}

/// What decides how many units a build compiles: Cargo.lock, the workspace's and the crate's manifests,
/// the crate's own targets and the profile. A change to any of them makes the recorded count stale.
async fn graph_fingerprint(layout: &Layout, profile: &str) -> String {
    let mut input = Vec::new();
    for path in [
        layout.workspace_root.join("Cargo.lock"),
        layout.workspace_root.join("Cargo.toml"),
        layout.crate_dir.join("Cargo.toml"),
    ] {
        input.extend(tokio::fs::read(&path).await.unwrap_or_default());
        input.push(0);
    }
    input.extend(format!("{profile} {}", layout.own_units).as_bytes());
    // base64 may contain `/` and `+` but never a space, the separator in the units file.
    package::code_sha256(&input)
}

fn epoch_ms(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Builds the function for `target` with the release-lambda profile (or `LAMBDECK_BUILD_PROFILE`), packages it,
/// and writes `target/lambda/<package>/bootstrap.zip`.
pub async fn build_function(
    spec: &StackSpec,
    target: BuildTarget,
    events: mpsc::Sender<BuildEvent>,
    cancel: CancellationToken,
) -> Result<Package, BuildError> {
    build_with(spec, &BuildOptions::new(target), events, cancel).await
}

/// `build_function` with explicit options.
pub async fn build_with(
    spec: &StackSpec,
    options: &BuildOptions,
    events: mpsc::Sender<BuildEvent>,
    cancel: CancellationToken,
) -> Result<Package, BuildError> {
    let result = build_inner(spec, options, &events, &cancel).await;
    if let Err(e) = &result {
        let _ = events
            .send(BuildEvent::Failed {
                reason: e.to_string(),
            })
            .await;
    }
    result
}

async fn build_inner(
    spec: &StackSpec,
    options: &BuildOptions,
    events: &mpsc::Sender<BuildEvent>,
    cancel: &CancellationToken,
) -> Result<Package, BuildError> {
    let started = Instant::now();
    let sources_read_at = SystemTime::now();
    let layout = Layout::discover(spec).await?;
    let arch = spec.function.architecture;
    let plan = plan(&layout, options, arch).await;
    for warning in &plan.warnings {
        let _ = events
            .send(BuildEvent::Warning {
                message: warning.clone(),
            })
            .await;
    }
    let _ = events
        .send(BuildEvent::Started {
            toolchain: plan.toolchain,
            command: plan.invocation.display(),
        })
        .await;

    let units_file = layout.package_dir(&options.profile).join(format!(
        ".units-{}-{}",
        plan.toolchain,
        plan.triple.unwrap_or("host")
    ));
    // The count a previous build recorded holds only for the same dependency graph and profile.
    let graph = graph_fingerprint(&layout, &options.profile).await;
    let recorded = tokio::fs::read_to_string(&units_file)
        .await
        .ok()
        .and_then(|t| {
            let (fingerprint, count) = t.trim().split_once(' ')?;
            (fingerprint == graph).then(|| count.parse().ok())?
        });
    let total = match recorded {
        Some(n) => Some(n),
        None => {
            cargo::estimate_units(
                &layout.crate_dir,
                &layout.package,
                plan.triple,
                layout.own_units,
            )
            .await
        }
    };
    let outcome = cargo::run(&plan.invocation, total, events, cancel).await?;

    let binary = outcome
        .executables
        .iter()
        .find(|(name, _)| name == package::ENTRY_NAME)
        .or(match outcome.executables.as_slice() {
            [only] => Some(only),
            _ => None,
        })
        .map(|(name, path)| plan.output.binary(&layout, name, path))
        .ok_or_else(|| {
            BuildError::Crate(format!(
                "package {} has no `bootstrap` binary (add [[bin]] name = \"bootstrap\")",
                layout.package
            ))
        })?;
    let bytes = tokio::fs::read(&binary)
        .await
        .map_err(|e| BuildError::Io(format!("cannot read {}: {e}", binary.display())))?;
    let elf = elf::inspect(&bytes)?;
    if let (BuildTarget::Aws, Err(e)) = (options.target, elf.check_runnable(arch)) {
        let _ = events
            .send(BuildEvent::Warning {
                message: format!("{e}; `lambdeck upload` will refuse it"),
            })
            .await;
    }

    let dir = layout.package_dir(&options.profile);
    let zip = tokio::task::spawn_blocking(move || package::package_zip(&bytes).map(|z| (z, bytes)))
        .await
        .map_err(|e| BuildError::Io(format!("packaging: {e}")))?
        .map_err(|e| BuildError::Io(format!("packaging: {e}")))?;
    let (zip, bytes) = zip;
    let code_sha256 = package::code_sha256(&zip);
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| BuildError::Io(format!("cannot create {}: {e}", dir.display())))?;
    let binary_path = dir.join(package::ENTRY_NAME);
    let zip_path = dir.join("bootstrap.zip");
    write_atomic(&binary_path, &bytes, true).await?;
    let manifest = Manifest {
        target: options.target,
        toolchain: plan.toolchain,
        profile: options.profile.clone(),
        code_sha256: code_sha256.clone(),
        sources_read_at_ms: Some(epoch_ms(sources_read_at)),
        lock_sha256: lock_digest(&layout).await,
    };
    let manifest_json = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| BuildError::Io(format!("package manifest: {e}")))?;
    // The manifest goes first: if writing the zip fails, its CodeSha256 no longer matches and
    // `ensure_package` rebuilds.
    write_atomic(&dir.join("package.json"), &manifest_json, false).await?;
    write_atomic(&zip_path, &zip, false).await?;
    let _ = tokio::fs::write(&units_file, format!("{graph} {}", outcome.units)).await;

    let size = zip.len() as u64;
    if size > DIRECT_UPLOAD_LIMIT {
        // Said now rather than only when the upload refuses it, minutes later.
        let _ = events
            .send(BuildEvent::Warning {
                message: UploadError::TooLarge { size }.to_string(),
            })
            .await;
    }
    let _ = events
        .send(BuildEvent::Finished {
            code_sha256: code_sha256.clone(),
            size,
            elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        })
        .await;
    Ok(Package {
        zip_path,
        zip: Bytes::from(zip),
        code_sha256,
        size,
        binary_path,
        elf,
        target: options.target,
        toolchain: plan.toolchain,
        reused: false,
    })
}

/// Where the built binary is once the tool has finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Output {
    /// Where cargo's JSON message says it wrote it.
    Cargo,
    /// cargo-lambda moves each binary cargo built (it copies, then deletes the original) to
    /// `<target>/lambda/<binary name>/bootstrap`, its "lambda directory".
    LambdaDir,
}

impl Output {
    /// The binary's path, given the name and path cargo reported for it.
    fn binary(self, layout: &Layout, name: &str, reported: &Path) -> PathBuf {
        match self {
            Self::Cargo => reported.to_path_buf(),
            Self::LambdaDir => layout
                .target_dir
                .join("lambda")
                .join(name)
                .join(package::ENTRY_NAME),
        }
    }
}

/// The chosen tool, its command line and what the user should be told about the choice.
struct Plan {
    toolchain: Toolchain,
    invocation: cargo::Invocation,
    output: Output,
    /// The `--target` triple, when not a native build.
    triple: Option<&'static str>,
    warnings: Vec<String>,
}

fn host_architecture() -> Option<Architecture> {
    match std::env::consts::ARCH {
        "x86_64" => Some(Architecture::X86_64),
        "aarch64" => Some(Architecture::Arm64),
        _ => None,
    }
}

/// Which cross-compiling cargo subcommands are installed.
#[derive(Debug, Clone, Copy, Default)]
struct Installed {
    lambda: bool,
    zigbuild: bool,
}

async fn plan(layout: &Layout, options: &BuildOptions, arch: Architecture) -> Plan {
    let mut installed = Installed::default();
    if options.target == BuildTarget::Aws {
        installed.lambda = cargo::has_subcommand("lambda").await;
        installed.zigbuild = !installed.lambda && cargo::has_subcommand("zigbuild").await;
    }
    plan_for(layout, options, arch, host_architecture(), installed)
}

fn plan_for(
    layout: &Layout,
    options: &BuildOptions,
    arch: Architecture,
    host: Option<Architecture>,
    installed: Installed,
) -> Plan {
    let common = |args: &mut Vec<String>| {
        args.extend(
            [
                "--message-format=json",
                "--profile",
                &options.profile,
                "-p",
                &layout.package,
                "--bins",
            ]
            .map(String::from),
        );
    };
    let invocation = |args| cargo::Invocation {
        program: cargo::cargo_program(),
        args,
        cwd: layout.workspace_root.clone(),
    };
    let native = host == Some(arch);
    if options.target == BuildTarget::Local {
        let mut args = vec!["build".to_owned()];
        common(&mut args);
        return Plan {
            toolchain: Toolchain::Cargo,
            invocation: invocation(args),
            output: Output::Cargo,
            triple: None,
            warnings: Vec::new(),
        };
    }
    let triple = arch.target_triple();
    if installed.lambda {
        // cargo-lambda passes cargo's own flags through (--profile, --message-format), picks the
        // target from --arm64 / --x86-64 and links through zig (cargo-zigbuild, built in).
        let mut args = vec![
            "lambda".to_owned(),
            "build".to_owned(),
            match arch {
                Architecture::X86_64 => "--x86-64".to_owned(),
                Architecture::Arm64 => "--arm64".to_owned(),
            },
        ];
        common(&mut args);
        return Plan {
            toolchain: Toolchain::CargoLambda,
            invocation: invocation(args),
            output: Output::LambdaDir,
            triple: Some(triple),
            warnings: Vec::new(),
        };
    }
    if installed.zigbuild {
        // The `.2.34` suffix makes zig link against provided.al2023's glibc.
        let mut args = vec![
            "zigbuild".to_owned(),
            "--target".to_owned(),
            format!("{triple}.{}", elf::AL2023_GLIBC),
        ];
        common(&mut args);
        return Plan {
            toolchain: Toolchain::CargoZigbuild,
            invocation: invocation(args),
            output: Output::Cargo,
            triple: Some(triple),
            warnings: Vec::new(),
        };
    }
    let mut args = vec!["build".to_owned()];
    if !native {
        args.extend(["--target".to_owned(), triple.to_owned()]);
    }
    common(&mut args);
    Plan {
        toolchain: Toolchain::Cargo,
        invocation: invocation(args),
        output: Output::Cargo,
        triple: (!native).then_some(triple),
        warnings: vec![format!(
            "neither cargo-lambda nor cargo-zigbuild is installed: building with plain cargo, linked against this machine's glibc; provided.al2023 has glibc {} (install cargo-lambda or cargo-zigbuild)",
            elf::AL2023_GLIBC
        )],
    }
}

async fn write_atomic(path: &Path, bytes: &[u8], executable: bool) -> Result<(), BuildError> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        uuid::Uuid::new_v4().simple()
    ));
    let io = |e: std::io::Error| BuildError::Io(format!("cannot write {}: {e}", path.display()));
    tokio::fs::write(&tmp, bytes).await.map_err(io)?;
    if executable {
        use std::os::unix::fs::PermissionsExt;
        tokio::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755))
            .await
            .map_err(io)?;
    }
    // Rename is atomic: concurrent builds never see a half-written package.
    if let Err(e) = tokio::fs::rename(&tmp, path).await {
        let _ = tokio::fs::remove_file(&tmp).await;
        return Err(io(e));
    }
    Ok(())
}

/// Returns the package for `options`, building first only when there is none, it was built for another
/// target or profile, or a source (the function crate, the workspace's Cargo.toml or Cargo.lock)
/// was modified after the build that made the package started.
pub async fn ensure_package(
    spec: &StackSpec,
    options: &BuildOptions,
    events: mpsc::Sender<BuildEvent>,
    cancel: CancellationToken,
) -> Result<Package, BuildError> {
    let layout = Layout::discover(spec).await?;
    if let Some(package) = existing_package(&layout, options).await {
        return Ok(package);
    }
    build_with(spec, options, events, cancel).await
}

/// The package on disk when it is usable for `options` and newer than every source.
async fn existing_package(layout: &Layout, options: &BuildOptions) -> Option<Package> {
    let dir = layout.package_dir(&options.profile);
    let zip_path = dir.join("bootstrap.zip");
    let manifest: Manifest =
        serde_json::from_slice(&tokio::fs::read(dir.join("package.json")).await.ok()?).ok()?;
    if manifest.target != options.target || manifest.profile != options.profile {
        return None;
    }
    if lock_digest(layout).await != manifest.lock_sha256 {
        return None;
    }
    let sources = vec![
        layout.crate_dir.clone(),
        layout.workspace_root.join("Cargo.toml"),
    ];
    let target_dir = layout.target_dir.clone();
    let newest = tokio::task::spawn_blocking(move || newest_mtime(&sources, &target_dir))
        .await
        .ok()?;
    let read_at = manifest.sources_read_at_ms?;
    if newest.is_some_and(|t| epoch_ms(t) >= read_at) {
        return None;
    }
    let zip = tokio::fs::read(&zip_path).await.ok()?;
    let code_sha256 = package::code_sha256(&zip);
    if code_sha256 != manifest.code_sha256 {
        return None;
    }
    let bootstrap = package::read_bootstrap(&zip).ok()?;
    let elf = elf::inspect(&bootstrap).ok()?;
    Some(Package {
        size: zip.len() as u64,
        zip: Bytes::from(zip),
        code_sha256,
        binary_path: dir.join(package::ENTRY_NAME),
        zip_path,
        elf,
        target: options.target,
        toolchain: manifest.toolchain,
        reused: true,
    })
}

/// The newest modification time under `paths` (files, or directories walked recursively), skipping
/// the target directory, hidden entries and Cargo.lock (compared by content instead).
fn newest_mtime(paths: &[PathBuf], target_dir: &Path) -> Option<SystemTime> {
    let mut newest: Option<SystemTime> = None;
    let mut stack: Vec<PathBuf> = paths.to_vec();
    while let Some(path) = stack.pop() {
        if path == target_dir {
            continue;
        }
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            let Ok(entries) = std::fs::read_dir(&path) else {
                continue;
            };
            for entry in entries.flatten() {
                let name = entry.file_name();
                let name = name.to_string_lossy();
                if !name.starts_with('.') && name != "Cargo.lock" {
                    stack.push(entry.path());
                }
            }
        } else if let Ok(modified) = meta.modified() {
            newest = newest.max(Some(modified));
        }
    }
    newest
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn package_name_comes_from_the_manifest() {
        assert_eq!(
            package_name("[package]\nname = \"hello-world\"\n").as_deref(),
            Some("hello-world")
        );
        assert_eq!(package_name("[workspace]\n"), None);
    }

    #[test]
    fn the_lambda_profile_writes_where_terraform_looks() {
        let layout = Layout {
            crate_dir: "function".into(),
            package: "hello-world".into(),
            target_dir: "target".into(),
            workspace_root: ".".into(),
            own_units: 2,
        };
        assert_eq!(
            layout.zip_path(LAMBDA_PROFILE),
            Path::new("target/lambda/hello-world/bootstrap.zip")
        );
        assert_eq!(
            layout.zip_path("dev"),
            Path::new("target/lambda/hello-world/dev/bootstrap.zip")
        );
    }

    fn layout() -> Layout {
        Layout {
            crate_dir: "function".into(),
            package: "hello-world".into(),
            target_dir: "target".into(),
            workspace_root: ".".into(),
            own_units: 2,
        }
    }

    fn args(plan: &Plan) -> String {
        plan.invocation.args.join(" ")
    }

    #[test]
    fn each_toolchain_gets_its_command_line() {
        let layout = layout();
        let aws = BuildOptions::with_profile(BuildTarget::Aws, LAMBDA_PROFILE);
        let x86 = Some(Architecture::X86_64);
        let common = "--message-format=json --profile release-lambda -p hello-world --bins";

        let all = Installed {
            lambda: true,
            zigbuild: true,
        };
        let p = plan_for(&layout, &aws, Architecture::Arm64, x86, all);
        assert_eq!(p.toolchain, Toolchain::CargoLambda);
        assert_eq!(args(&p), format!("lambda build --arm64 {common}"));
        assert_eq!(p.triple, Some("aarch64-unknown-linux-gnu"));
        assert!(p.warnings.is_empty());
        let p = plan_for(&layout, &aws, Architecture::X86_64, x86, all);
        assert_eq!(args(&p), format!("lambda build --x86-64 {common}"));
        // cargo-lambda moves the binary out of cargo's output directory into its lambda directory.
        let reported = Path::new("target/x86_64-unknown-linux-gnu/release-lambda/bootstrap");
        assert_eq!(
            p.output.binary(&layout, "bootstrap", reported),
            Path::new("target/lambda/bootstrap/bootstrap")
        );

        let zig = Installed {
            lambda: false,
            zigbuild: true,
        };
        let p = plan_for(&layout, &aws, Architecture::X86_64, x86, zig);
        assert_eq!(p.toolchain, Toolchain::CargoZigbuild);
        assert_eq!(p.output.binary(&layout, "bootstrap", reported), reported);
        assert_eq!(
            args(&p),
            format!("zigbuild --target x86_64-unknown-linux-gnu.2.34 {common}")
        );

        let none = Installed::default();
        let p = plan_for(&layout, &aws, Architecture::X86_64, x86, none);
        assert_eq!(p.toolchain, Toolchain::Cargo);
        assert_eq!(args(&p), format!("build {common}"));
        assert_eq!(p.triple, None);
        assert!(p.warnings[0].contains("install cargo-lambda or cargo-zigbuild"));
        let p = plan_for(&layout, &aws, Architecture::Arm64, x86, none);
        assert_eq!(
            args(&p),
            format!("build --target aarch64-unknown-linux-gnu {common}")
        );

        // The local stack runs the binary here: always a native build, whatever is installed.
        let local = BuildOptions::with_profile(BuildTarget::Local, "dev");
        let p = plan_for(&layout, &local, Architecture::Arm64, x86, all);
        assert_eq!(p.toolchain, Toolchain::Cargo);
        assert_eq!(
            args(&p),
            "build --message-format=json --profile dev -p hello-world --bins"
        );
        assert!(p.warnings.is_empty());
    }

    #[test]
    fn headline_is_one_line_with_location() {
        let d = Diagnostic {
            level: Level::Warning,
            message: "unused variable: `x`\nmore".into(),
            code: None,
            file: Some("src/lib.rs".into()),
            line: Some(4),
            column: Some(9),
            rendered: String::new(),
        };
        assert_eq!(
            d.headline(),
            "warning: unused variable: `x` at src/lib.rs:4:9"
        );
    }

    #[test]
    fn newest_mtime_skips_the_target_dir() {
        let dir = tempfile::tempdir().expect("tempdir");
        let src = dir.path().join("src");
        let target = dir.path().join("target");
        std::fs::create_dir_all(&src).expect("mkdir");
        std::fs::create_dir_all(&target).expect("mkdir");
        std::fs::write(src.join("lib.rs"), "").expect("write");
        let before = newest_mtime(&[dir.path().to_path_buf()], &target).expect("a file");
        std::thread::sleep(Duration::from_millis(20));
        std::fs::write(target.join("new"), "").expect("write");
        assert_eq!(
            newest_mtime(&[dir.path().to_path_buf()], &target),
            Some(before)
        );
    }
}
