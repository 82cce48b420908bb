//! The build tool choice for AWS, with the real tools (PyPI `cargo-lambda`, `cargo-zigbuild` and
//! `ziglang`, which .ci/run installs into its venv): cargo-lambda preferred, cargo-zigbuild detected when
//! it is the only one, each building a zip that passes the provided.al2023 checks and that the local
//! stack serves; and a binary for the other architecture refused by `up` before anything is created.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use lambdeck::build;
use lambdeck::config::Architecture;

use super::upload::{get_body, local_stack_with_old_build};
use super::{REAL_TOOLS, host_architecture, python_code_sha256, real_tools_target_dir, repo_spec};
use crate::support::{self, on_path};

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
