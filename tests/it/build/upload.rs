//! Uploads through the real SDK clients: against moto (an independent Lambda), with `lambdeck upload`,
//! and on the embedded local stack, whose stage URL then serves the new code.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use lambdeck::aws::Clients;
use lambdeck::build::elf::ElfError;
use lambdeck::build::{self, BuildTarget, CancellationToken, UploadError, UploadReport};
use lambdeck::config::{Architecture, StackSpec};
use tokio::sync::mpsc;

use super::{
    REAL_TOOLS, crafted_glibc_2_39, crafted_wrong_architecture, dev, host_architecture, package_of,
    python_code_sha256, real_tools_target_dir, repo_spec,
};
use crate::support::{self, hello_world_bootstrap};

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
    let clients = support::local_clients("http://127.0.0.1:9").await;
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
    lambdeck_cli_with(moto, cwd, &config, args)
}

/// `lambdeck_cli` with another lambdeck.toml.
fn lambdeck_cli_with(
    moto: &support::Moto,
    cwd: &Path,
    config: &Path,
    args: &[&str],
) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_lambdeck"))
        .arg("--config")
        .arg(config)
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

    // `publish = true` in lambdeck.toml publishes a version on every upload, as `--publish` does.
    let config = cwd.path().join("publish.toml");
    let function = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("function");
    std::fs::write(
        &config,
        format!(
            "[function]\ncrate = {:?}\npublish = true\n",
            function.display().to_string()
        ),
    )
    .unwrap();
    let third = lambdeck_cli_with(&moto, cwd.path(), &config, &["upload"]);
    let text = String::from_utf8_lossy(&third.stdout);
    assert!(
        third.status.success(),
        "{}",
        String::from_utf8_lossy(&third.stderr)
    );
    assert!(text.contains("nothing sent"), "{text}");
    assert!(text.contains("published version 1"), "{text}");
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
pub(super) async fn local_stack_with_old_build(
    spec: &StackSpec,
) -> (lambdeck::local::LocalServer, Clients, String) {
    let server = lambdeck::local::LocalServer::start(lambdeck::local::LocalConfig::default())
        .await
        .unwrap();
    let clients = support::local_clients(&server.endpoint_url()).await;
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

pub(super) async fn get_body(url: &str) -> (u16, String) {
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

/// A build of the hello-world binary made distinct by a trailing marker (its CodeSha256 differs;
/// the ELF checks still read it).
fn marked_package(marker: &str) -> build::Package {
    let mut binary = std::fs::read(hello_world_bootstrap()).unwrap();
    binary.extend_from_slice(marker.as_bytes());
    package_of(&binary)
}

/// Lambda's create/update window, as AWS has it (here 3 s long): a function just created is
/// `Pending`, one just updated `InProgress`, and either refuses a second update with
/// ResourceConflictException. lambdeck's upload waits it out: right after the create, right after
/// someone else's update, and (update_code alone) retrying the conflict.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_right_after_a_create_or_another_update_wait_out_the_update_window() {
    let server = lambdeck::local::LocalServer::start(lambdeck::local::LocalConfig {
        update_window: std::time::Duration::from_secs(3),
        ..Default::default()
    })
    .await
    .unwrap();
    let clients = support::local_clients(&server.endpoint_url()).await;
    // Packaged first: zipping takes a while, and each call below must come right after the last.
    let (a, b, c) = (
        marked_package("a"),
        marked_package("b"),
        marked_package("c"),
    );
    let name = "update-window";
    create_function(&clients, name, support::script_zip("#!/bin/sh\nexit 1\n")).await;

    // Right after the create: Pending.
    let report = build::upload_code(&clients, name, &a, false).await.unwrap();
    assert!(matches!(report, UploadReport::Updated { .. }), "{report:?}");
    assert_eq!(deployed_sha(&clients, name).await, a.code_sha256);

    // Someone else's update (Terraform, a colleague): InProgress, and a second update is refused
    // with Lambda's answer.
    let configure = |memory: i32| {
        clients
            .lambda
            .update_function_configuration()
            .function_name(name)
            .memory_size(memory)
            .send()
    };
    let updated = configure(256).await.unwrap();
    assert_eq!(
        updated.last_update_status().map(|s| s.as_str()),
        Some("InProgress")
    );
    let conflict = configure(512).await.unwrap_err().into_service_error();
    assert!(conflict.is_resource_conflict_exception(), "{conflict:?}");
    let function_arn = updated.function_arn().unwrap();
    assert_eq!(
        aws_smithy_types::error::metadata::ProvideErrorMetadata::message(&conflict),
        Some(
            format!(
                "The operation cannot be performed at this time. An update is in progress for resource: {function_arn}"
            )
            .as_str()
        )
    );
    let read = clients
        .lambda
        .get_function_configuration()
        .function_name(name)
        .send()
        .await
        .unwrap();
    assert_eq!(
        read.last_update_status().map(|s| s.as_str()),
        Some("InProgress")
    );
    assert_eq!(read.revision_id(), updated.revision_id());

    // An upload right then waits for it, and lands.
    let report = build::upload_code(&clients, name, &b, false).await.unwrap();
    assert!(matches!(report, UploadReport::Updated { .. }), "{report:?}");
    assert_eq!(deployed_sha(&clients, name).await, b.code_sha256);

    // UpdateFunctionCode refused for a conflict is retried once the update settled.
    configure(128).await.unwrap();
    lambdeck::aws::lambda_code::update_code(&clients, name, c.zip.clone())
        .await
        .unwrap();
    let settled = build::upload_code(&clients, name, &c, false).await.unwrap();
    assert!(
        matches!(settled, UploadReport::Skipped { .. }),
        "{settled:?}"
    );
    server.shutdown().await;
}
