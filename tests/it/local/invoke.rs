//! Invoke through the Lambda API: the payload, the version, the log tail and the invocation types.

use std::time::Duration;

use aws_sdk_lambda::client::Waiters;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{InvocationType, LogType};

use super::{FUNCTION, Stack};
use crate::support::hello_world_zip;

#[tokio::test]
async fn invoke_answers_with_payload_version_and_log_tail() {
    let s = Stack::start(None).await;
    s.create_function(FUNCTION, hello_world_zip()).await;
    let event = serde_json::json!({
        "resource": "/x", "path": "/x", "httpMethod": "GET",
        "requestContext": {"requestId": "r-1", "httpMethod": "GET", "resourcePath": "/x", "stage": "s"}
    });
    let out = s
        .lambda
        .invoke()
        .function_name(FUNCTION)
        .payload(Blob::new(event.to_string()))
        .log_type(LogType::Tail)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status_code(), 200);
    assert_eq!(out.function_error(), None);
    assert_eq!(out.executed_version(), Some("$LATEST"));
    let payload: serde_json::Value =
        serde_json::from_slice(out.payload().unwrap().as_ref()).unwrap();
    assert_eq!(payload["body"], "\"Hello from Lambda!\"");
    use base64::Engine;
    let tail = base64::engine::general_purpose::STANDARD
        .decode(out.log_result().unwrap())
        .unwrap();
    let tail = String::from_utf8(tail).unwrap();
    assert!(tail.contains("START RequestId: "), "{tail}");
    assert!(tail.contains("REPORT RequestId: "), "{tail}");

    // DryRun checks and answers 204 without running; Event answers 202 and runs in the background.
    let dry = s
        .lambda
        .invoke()
        .function_name(FUNCTION)
        .invocation_type(InvocationType::DryRun)
        .payload(Blob::new(event.to_string()))
        .send()
        .await
        .unwrap();
    assert_eq!(dry.status_code(), 204);
    let queued = serde_json::json!({
        "resource": "/queued", "path": "/queued", "httpMethod": "GET",
        "requestContext": {"requestId": "evt-1", "httpMethod": "GET", "resourcePath": "/queued", "stage": "s"}
    });
    let async_out = s
        .lambda
        .invoke()
        .function_name(FUNCTION)
        .invocation_type(InvocationType::Event)
        .payload(Blob::new(queued.to_string()))
        .send()
        .await
        .unwrap();
    assert_eq!(async_out.status_code(), 202);
    // The handler's own line shows it ran; poll the logs for it (bounded, never a timed assertion).
    let mut ran = false;
    for _ in 0..300 {
        if s.log_messages("\"apigw-request-id=evt-1\"").await
            == ["GET /queued apigw-request-id=evt-1"]
        {
            ran = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ran, "the Event invocation never ran");
    // The deprecated InvokeAsync, which AWS still serves: an event invocation of $LATEST, answered
    // 202 with `{"Status": 202}`.
    let queued = serde_json::json!({
        "resource": "/old", "path": "/old", "httpMethod": "GET",
        "requestContext": {"requestId": "evt-2", "httpMethod": "GET", "resourcePath": "/old", "stage": "s"}
    });
    #[allow(deprecated)]
    let old = s
        .lambda
        .invoke_async()
        .function_name(FUNCTION)
        .invoke_args(aws_sdk_lambda::primitives::ByteStream::from(
            queued.to_string().into_bytes(),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), 202);
    let mut ran = false;
    for _ in 0..300 {
        if s.log_messages("\"apigw-request-id=evt-2\"").await == ["GET /old apigw-request-id=evt-2"]
        {
            ran = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ran, "the InvokeAsync invocation never ran");
    #[allow(deprecated)]
    let err = s
        .lambda
        .invoke_async()
        .function_name("missing")
        .invoke_args(aws_sdk_lambda::primitives::ByteStream::from_static(b"{}"))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");
    let err = s
        .lambda
        .invoke()
        .function_name(FUNCTION)
        .invocation_type(InvocationType::from("Sometimes"))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_invalid_parameter_value_exception(), "{err:?}");

    // Not a proxy event: the function fails, which Lambda reports as an Unhandled function error.
    let out = s
        .lambda
        .invoke()
        .function_name(FUNCTION)
        .payload(Blob::new("[1, 2]"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status_code(), 200);
    assert_eq!(out.function_error(), Some("Unhandled"));

    // GetFunction's Code.Location serves the package as uploaded.
    let f = s
        .lambda
        .get_function()
        .function_name(FUNCTION)
        .send()
        .await
        .unwrap();
    assert_eq!(f.code().unwrap().repository_type(), Some("S3"));
    let location = f.code().unwrap().location().unwrap();
    let downloaded = s
        .http
        .get(location)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(downloaded.as_ref(), hello_world_zip().as_slice());

    // An update answers InProgress; the SDK's FunctionUpdatedV2 waiter then sees Successful. CodeSha256
    // is base64(SHA-256(zip)), CodeSize its length.
    let zip = hello_world_zip();
    let updated = s
        .lambda
        .update_function_code()
        .function_name(FUNCTION)
        .zip_file(Blob::new(zip.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(
        updated.last_update_status(),
        Some(&aws_sdk_lambda::types::LastUpdateStatus::InProgress)
    );
    use sha2::Digest;
    let sha = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(&zip));
    assert_eq!(updated.code_sha256(), Some(sha.as_str()));
    assert_eq!(updated.code_size(), zip.len() as i64);
    s.lambda
        .wait_until_function_updated_v2()
        .function_name(FUNCTION)
        .wait(Duration::from_secs(60))
        .await
        .expect("the update settles");

    // Tags on the function.
    let arn = updated.function_arn().unwrap();
    s.lambda
        .tag_resource()
        .resource(arn)
        .tags("app", "lambdeck")
        .tags("x", "1")
        .send()
        .await
        .unwrap();
    s.lambda
        .untag_resource()
        .resource(arn)
        .tag_keys("x")
        .send()
        .await
        .unwrap();
    let tags = s.lambda.list_tags().resource(arn).send().await.unwrap();
    assert_eq!(
        tags.tags().unwrap().iter().collect::<Vec<_>>(),
        [(&"app".to_owned(), &"lambdeck".to_owned())]
    );

    // Publish a version, then invoke it by qualifier.
    let v = s
        .lambda
        .publish_version()
        .function_name(FUNCTION)
        .send()
        .await
        .unwrap();
    assert_eq!(v.version(), Some("1"));
    let out = s
        .lambda
        .invoke()
        .function_name(FUNCTION)
        .qualifier("1")
        .payload(Blob::new(event.to_string()))
        .send()
        .await
        .unwrap();
    assert_eq!(out.executed_version(), Some("1"));
    assert_eq!(out.function_error(), None);
    s.server.shutdown().await;
}

/// `LoggingConfig` honoured as AWS writes it: with `LogFormat: JSON` the START and REPORT lines
/// become `platform.start` and `platform.report` records (`{"time","type","record"}`, END is not
/// written) in the configured log group; `SystemLogLevel: WARN` leaves them out.
#[tokio::test]
async fn json_logging_writes_platform_records_into_the_configured_group() {
    use aws_sdk_lambda::types::{LogFormat, LoggingConfig, SystemLogLevel};
    let s = Stack::start(None).await;
    s.create_function(FUNCTION, hello_world_zip()).await;
    let event = serde_json::json!({
        "resource": "/x", "path": "/x", "httpMethod": "GET",
        "requestContext": {"requestId": "r-1", "httpMethod": "GET", "resourcePath": "/x", "stage": "s"}
    });
    s.lambda
        .update_function_configuration()
        .function_name(FUNCTION)
        .logging_config(
            LoggingConfig::builder()
                .log_format(LogFormat::Json)
                .log_group("/custom/json")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let out = s
        .lambda
        .invoke()
        .function_name(FUNCTION)
        .payload(Blob::new(event.to_string()))
        .log_type(LogType::Tail)
        .send()
        .await
        .unwrap();
    use base64::Engine;
    let tail = base64::engine::general_purpose::STANDARD
        .decode(out.log_result().unwrap())
        .unwrap();
    let tail = String::from_utf8(tail).unwrap();
    let records: Vec<serde_json::Value> = tail
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .filter(|v: &serde_json::Value| v["type"].as_str().is_some())
        .collect();
    let kinds: Vec<&str> = records
        .iter()
        .map(|r| r["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["platform.start", "platform.report"], "{tail}");
    assert!(!tail.contains("END RequestId"), "{tail}");
    let start = &records[0]["record"];
    assert_eq!(start["version"], "$LATEST");
    let report = &records[1]["record"];
    assert_eq!(report["requestId"], start["requestId"]);
    assert_eq!(report["status"], "success");
    assert_eq!(report["metrics"]["memorySizeMB"], 128);
    assert!(report["metrics"]["durationMs"].is_number());
    assert!(report["metrics"]["initDurationMs"].is_number());
    assert!(records[1]["time"].as_str().unwrap().ends_with('Z'));

    // The records are in the configured group, not in /aws/lambda/<fn>.
    let events = s
        .logs
        .filter_log_events()
        .log_group_name("/custom/json")
        .send()
        .await
        .unwrap();
    let messages: Vec<&str> = events.events().iter().filter_map(|e| e.message()).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("\"type\":\"platform.report\"")),
        "{messages:?}"
    );

    // SystemLogLevel WARN: no INFO platform records.
    s.lambda
        .update_function_configuration()
        .function_name(FUNCTION)
        .logging_config(
            LoggingConfig::builder()
                .system_log_level(SystemLogLevel::Warn)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let quiet = s
        .lambda
        .invoke()
        .function_name(FUNCTION)
        .payload(Blob::new(event.to_string()))
        .log_type(LogType::Tail)
        .send()
        .await
        .unwrap();
    let tail = base64::engine::general_purpose::STANDARD
        .decode(quiet.log_result().unwrap())
        .unwrap();
    let tail = String::from_utf8(tail).unwrap();
    assert!(!tail.contains("platform."), "{tail}");
    s.server.shutdown().await;
}

/// Lambda's log-level filtering of the function's own output with `LogFormat: JSON`: a line is a
/// record of the level its JSON `level` member names (any case), INFO when it is not JSON or names
/// none, and records below `ApplicationLogLevel` (default INFO) are dropped; with `Text` nothing is.
#[tokio::test]
async fn application_log_level_drops_the_functions_records_below_it() {
    use aws_sdk_lambda::types::{ApplicationLogLevel, LogFormat, LoggingConfig};
    let s = Stack::start(None).await;
    let printing = super::PID_RUNTIME.replacen(
        "  if [ -n \"$ANSWER\" ]",
        "  echo '{\"level\":\"debug\",\"msg\":\"d\"}'\n  echo '{\"level\":\"WARN\",\"msg\":\"w\"}'\n  echo 'plain line'\n  echo '{\"level\":\"error\",\"msg\":\"e\"}'\n  if [ -n \"$ANSWER\" ]",
        1,
    );
    assert_ne!(printing, super::PID_RUNTIME);
    s.create_function("levels", crate::support::script_zip(&printing))
        .await;
    let printed = |tail: &str| -> Vec<String> {
        ["\"d\"", "\"w\"", "plain line", "\"e\""]
            .iter()
            .filter(|m| tail.contains(*m))
            .map(|m| m.trim_matches('"').to_owned())
            .collect()
    };
    let invoke = || async {
        let out = s
            .lambda
            .invoke()
            .function_name("levels")
            .log_type(LogType::Tail)
            .send()
            .await
            .unwrap();
        use base64::Engine;
        String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(out.log_result().unwrap())
                .unwrap(),
        )
        .unwrap()
    };
    // Text: everything.
    assert_eq!(printed(&invoke().await), ["d", "w", "plain line", "e"]);
    let configure = |logging: LoggingConfig| async {
        s.lambda
            .update_function_configuration()
            .function_name("levels")
            .logging_config(logging)
            .send()
            .await
            .unwrap();
    };
    // JSON with the default INFO: the DEBUG record goes.
    configure(LoggingConfig::builder().log_format(LogFormat::Json).build()).await;
    assert_eq!(printed(&invoke().await), ["w", "plain line", "e"]);
    // WARN: only WARN and ERROR stay (the plain line counts as INFO).
    configure(
        LoggingConfig::builder()
            .log_format(LogFormat::Json)
            .application_log_level(ApplicationLogLevel::Warn)
            .build(),
    )
    .await;
    let tail = invoke().await;
    assert_eq!(printed(&tail), ["w", "e"], "{tail}");
    // What was dropped is not in the log group either.
    let events = s
        .logs
        .filter_log_events()
        .log_group_name("/aws/lambda/levels")
        .filter_pattern("\"plain line\"")
        .send()
        .await
        .unwrap();
    assert_eq!(
        events.events().len(),
        2,
        "printed under Text and under INFO only"
    );
    s.server.shutdown().await;
}
