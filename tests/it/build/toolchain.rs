//! The build tool choice for AWS: cargo-lambda, then cargo-zigbuild (glibc 2.34), and a binary for the
//! other architecture refused by `up` before anything is created.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use lambdeck::build;
use lambdeck::config::Architecture;

use super::{host_architecture, python_code_sha256};
use crate::support;

/// A directory with stand-ins for cargo-lambda and cargo-zigbuild: each logs its arguments, answers
/// `--version` when `installed`, and builds natively with the same cargo flags.
fn fake_tools(lambda: bool, zigbuild: bool) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("args.log");
    let tool = |name: &str, installed: bool, strip: &str| {
        // cargo runs an external subcommand as `cargo-<name> <name> <args>`.
        let script = format!(
            "#!/bin/sh\n\
             [ \"$2\" = --version ] && {{ {answer}; }}\n\
             printf '%s\\n' \"$*\" >> {log:?}\n\
             shift\n\
             {strip}\n\
             exec \"${{CARGO:-cargo}}\" build \"$@\"\n",
            answer = if installed {
                "echo fake 1.0; exit 0"
            } else {
                "exit 1"
            },
        );
        let path = dir.path().join(format!("cargo-{name}"));
        std::fs::write(&path, script).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    // `cargo lambda build --x86-64 ...` -> `cargo build ...`
    tool("lambda", lambda, "shift; shift");
    // `cargo zigbuild --target <triple>.2.34 ...` -> `cargo build ...` (native, for the test)
    tool("zigbuild", zigbuild, "shift; shift");
    (dir, log)
}

fn lambdeck_build_json_with_tools(tools: &Path) -> serde_json::Value {
    let config = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("lambdeck.toml");
    let cwd = tempfile::tempdir().unwrap();
    let path = format!(
        "{}:{}",
        tools.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new(env!("CARGO_BIN_EXE_lambdeck"))
        .arg("--config")
        .arg(&config)
        .args(["build", "--json"])
        .current_dir(cwd.path())
        .env("PATH", path)
        .env(build::PROFILE_ENV, "dev")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn for_aws_cargo_lambda_is_preferred_when_installed() {
    let (tools, log) = fake_tools(true, true);
    let report = lambdeck_build_json_with_tools(tools.path());
    assert_eq!(report["toolchain"], "cargo-lambda", "{report}");
    assert_eq!(report["target"], "aws");
    let args = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        args.trim(),
        "lambda build --x86-64 --message-format=json --profile dev -p hello-world --bins"
    );
    // Its cargo output was parsed like cargo's own: the package is the binary it built.
    let zip = PathBuf::from(report["zip_path"].as_str().unwrap());
    assert_eq!(report["code_sha256"], python_code_sha256(&zip).as_str());
}

#[test]
fn for_aws_cargo_zigbuild_targets_glibc_2_34_when_cargo_lambda_is_missing() {
    let (tools, log) = fake_tools(false, true);
    let report = lambdeck_build_json_with_tools(tools.path());
    assert_eq!(report["toolchain"], "cargo-zigbuild", "{report}");
    let args = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        args.trim(),
        "zigbuild --target x86_64-unknown-linux-gnu.2.34 --message-format=json --profile dev -p hello-world --bins"
    );
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
    let (tools, _log) = fake_tools(false, true);
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
            .env(
                "PATH",
                format!(
                    "{}:{}",
                    tools.path().display(),
                    std::env::var("PATH").unwrap_or_default()
                ),
            )
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
