//! The state directory: a restart keeps the stack, a corrupt store is reported with its path, the lock
//! finds a running stack or takes a stale one over, shutting down stops the function processes, and a
//! package escaping its directory writes nothing.

use std::time::Duration;

use aws_sdk_apigateway::error::ProvideErrorMetadata;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, Runtime};
use lambdeck::local::{self, LocalConfig, LocalServer};

use super::{FUNCTION, PID_RUNTIME, STAGE, Stack, assert_greeting, clients_for, process_runs};
use crate::support::{hello_world_zip, script_zip};

#[tokio::test]
async fn the_stack_survives_a_restart_with_a_state_directory() {
    let dir = tempfile::tempdir().unwrap();
    let s = Stack::start(Some(dir.path())).await;
    let arn = s.create_function(FUNCTION, hello_world_zip()).await;
    let (api, _) = s.create_api(&arn).await;
    s.permit(&api).await;
    let deployment = s.deploy(&api).await;
    let sha = s
        .lambda
        .get_function()
        .function_name(FUNCTION)
        .send()
        .await
        .unwrap()
        .configuration()
        .unwrap()
        .code_sha256()
        .unwrap()
        .to_owned();
    s.logs
        .create_log_group()
        .log_group_name("/kept")
        .send()
        .await
        .unwrap();
    s.logs
        .create_log_stream()
        .log_group_name("/kept")
        .log_stream_name("s")
        .send()
        .await
        .unwrap();
    s.logs
        .put_log_events()
        .log_group_name("/kept")
        .log_stream_name("s")
        .log_events(
            aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                .timestamp(chrono::Utc::now().timestamp_millis())
                .message("still here")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    s.server.shutdown().await;

    let s = Stack::start(Some(dir.path())).await;
    let stage = s
        .apigw
        .get_stage()
        .rest_api_id(&api)
        .stage_name(STAGE)
        .send()
        .await
        .unwrap();
    assert_eq!(stage.deployment_id(), Some(deployment.as_str()));
    let f = s
        .lambda
        .get_function()
        .function_name(FUNCTION)
        .send()
        .await
        .unwrap();
    assert_eq!(f.configuration().unwrap().code_sha256(), Some(sha.as_str()));
    assert_eq!(s.summary_paths(&api, &deployment).await, ["/hello_world"]);
    let events = s
        .logs
        .filter_log_events()
        .log_group_name("/kept")
        .send()
        .await
        .unwrap();
    assert_eq!(events.events()[0].message(), Some("still here"));
    // The package came back from the state directory: the function still runs.
    assert_greeting(s.get(&api, "/hello_world").await).await;
    s.server.shutdown().await;

    // A package changed on disk is reported, never run in place of the recorded code.
    use sha2::Digest;
    let hex: String = sha2::Sha256::digest(hello_world_zip())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let package = dir.path().join("code").join(format!("{hex}.zip"));
    std::fs::write(&package, script_zip("#!/bin/sh\necho other code\n")).unwrap();
    let err = LocalServer::start(LocalConfig {
        state_dir: Some(dir.path().to_path_buf()),
        ..LocalConfig::default()
    })
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains(&format!("{hex}.zip")), "{err}");
    assert!(err.contains("SHA-256"), "{err}");
}

#[tokio::test]
async fn a_corrupt_store_is_reported_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("store.json"),
        b"{\"format\": 1, \"apigateway\": [",
    )
    .unwrap();
    let err = LocalServer::start(LocalConfig {
        state_dir: Some(dir.path().to_path_buf()),
        ..LocalConfig::default()
    })
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("store.json"), "{err}");
    assert!(err.contains("is corrupt"), "{err}");
    // Never silently discarded.
    assert!(
        std::fs::read(dir.path().join("store.json"))
            .unwrap()
            .ends_with(b"[")
    );
}

#[tokio::test]
async fn a_second_ensure_running_finds_the_first_and_a_stale_lock_is_taken_over() {
    let root = tempfile::tempdir().unwrap();
    let first = local::ensure_running(root.path()).await.unwrap();
    assert!(first.serves());
    let second = local::ensure_running(root.path()).await.unwrap();
    assert!(!second.serves());
    assert_eq!(second.endpoint_url(), first.endpoint_url());

    // The second talks to the first's store.
    let (apigw, ..) = clients_for(&second.endpoint_url()).await;
    apigw.create_rest_api().name("shared").send().await.unwrap();
    let (apigw_first, ..) = clients_for(&first.endpoint_url()).await;
    let apis = apigw_first.get_rest_apis().send().await.unwrap();
    assert_eq!(apis.items().len(), 1);

    // No second writer: starting another server on the same directory is refused.
    let err = LocalServer::start(LocalConfig {
        state_dir: Some(local::project_state_dir(root.path())),
        ..LocalConfig::default()
    })
    .await
    .unwrap_err();
    assert!(err.to_string().contains("in use"), "{err}");

    first.shutdown().await;
    // The lock file still names the old, dead address; the next one takes over and sees the store.
    let third = local::ensure_running(root.path()).await.unwrap();
    assert!(third.serves());
    let (apigw, ..) = clients_for(&third.endpoint_url()).await;
    let apis = apigw.get_rest_apis().send().await.unwrap();
    assert_eq!(apis.items()[0].name(), Some("shared"));
    third.shutdown().await;
}

#[tokio::test]
async fn a_lock_held_by_no_live_server_is_waited_for_not_refused() {
    // What a child process forked by another thread holds until it execs: the lock, and an address
    // that does not answer.
    let dir = tempfile::tempdir().unwrap();
    let lock_path = dir.path().join(local::LOCK_FILE);
    let held = std::fs::File::create(&lock_path).unwrap();
    held.try_lock().unwrap();
    std::fs::write(&lock_path, "127.0.0.1:1\n").unwrap();
    let state_dir = dir.path().to_path_buf();
    let start = tokio::spawn(async move {
        LocalServer::start(LocalConfig {
            state_dir: Some(state_dir),
            ..LocalConfig::default()
        })
        .await
    });
    // Give the start a moment to find the lock taken (ordering only, nothing is timed).
    tokio::time::sleep(Duration::from_millis(100)).await;
    drop(held);
    let server = start
        .await
        .unwrap()
        .expect("the lock is taken once released");
    let recorded = std::fs::read_to_string(&lock_path).unwrap();
    assert_eq!(recorded.trim(), server.addr().to_string());
    server.shutdown().await;
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn shutting_the_guard_down_stops_the_function_processes() {
    let root = tempfile::tempdir().unwrap();
    let guard = local::ensure_running(root.path()).await.unwrap();
    let (_, lambda, _) = clients_for(&guard.endpoint_url()).await;
    lambda
        .create_function()
        .function_name("pid")
        .runtime(Runtime::Providedal2023)
        .handler("bootstrap")
        .role("arn:aws:iam::000000000000:role/r")
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(script_zip(PID_RUNTIME)))
                .build(),
        )
        .send()
        .await
        .unwrap();
    lambdeck_test_support::wait_active(&lambda, "pid").await;
    let out = lambda.invoke().function_name("pid").send().await.unwrap();
    assert_eq!(out.function_error(), None);
    let payload: serde_json::Value =
        serde_json::from_slice(out.payload().unwrap().as_ref()).unwrap();
    let pid = payload["pid"].as_u64().unwrap();
    // Warm: the environment's process waits for the next invocation.
    assert!(process_runs(pid));
    guard.shutdown().await;
    assert!(!process_runs(pid), "process {pid} outlived the local stack");
}

#[tokio::test]
async fn a_package_escaping_its_directory_is_refused_and_nothing_is_written() {
    let s = Stack::start(None).await;
    let evil_name = format!("../lambdeck-evil-{}", std::process::id());
    let evil = crate::support::zip_of(&[
        ("bootstrap", 0o755, b"#!/bin/sh\n"),
        (&evil_name, 0o644, b"x"),
    ]);
    let err = s
        .lambda
        .create_function()
        .function_name(FUNCTION)
        .role("arn:aws:iam::000000000000:role/r")
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(evil.clone()))
                .build(),
        )
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_invalid_parameter_value_exception(), "{err:?}");
    assert_eq!(
        err.message(),
        Some(
            format!(
                "Could not unzip uploaded file: entry \"{evil_name}\" escapes the package directory."
            )
            .as_str()
        )
    );
    // No function was created.
    let err = s
        .lambda
        .get_function()
        .function_name(FUNCTION)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");

    // An update with it is refused too, and the function keeps its code.
    let good = s.create_function(FUNCTION, script_zip(PID_RUNTIME)).await;
    let before = s
        .lambda
        .get_function_configuration()
        .function_name(&good)
        .send()
        .await
        .unwrap();
    let err = s
        .lambda
        .update_function_code()
        .function_name(FUNCTION)
        .zip_file(Blob::new(evil))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_invalid_parameter_value_exception(), "{err:?}");
    let after = s
        .lambda
        .get_function_configuration()
        .function_name(FUNCTION)
        .send()
        .await
        .unwrap();
    assert_eq!(after.code_sha256(), before.code_sha256());
    assert_eq!(after.revision_id(), before.revision_id());
    // The function still runs its own code; nothing landed next to any directory it was unpacked in.
    let out = s
        .lambda
        .invoke()
        .function_name(FUNCTION)
        .send()
        .await
        .unwrap();
    assert_eq!(out.function_error(), None);
    let tmp = std::env::temp_dir();
    assert!(!tmp.join(evil_name.trim_start_matches("../")).exists());
    s.server.shutdown().await;
}
