//! AWS's own Python runtime interface client (awslambdaric, from PyPI) as a function's runtime on the
//! local stack: a `provided.al2023` package whose `bootstrap` execs `python -m awslambdaric`, invoked
//! through the Lambda API. Every check awslambdaric makes of the Runtime API, and what Lambda answers
//! around it (the error document and `X-Amz-Function-Error`, an init failure, the context, the log).

use std::path::PathBuf;
use std::process::Command;

use aws_sdk_lambda::operation::RequestId;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, LogType, Runtime};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};

use super::Stack;
use crate::support::{repo_root, skip, zip_of};

/// A Python with awslambdaric: `.ci/run`'s virtualenv, else `python3`.
fn python_with_awslambdaric() -> Option<PathBuf> {
    let venv = repo_root().join("target/ci-venv/bin/python3");
    for python in [venv, PathBuf::from("python3")] {
        let ok = Command::new(&python)
            .args(["-c", "import awslambdaric"])
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            return Some(python);
        }
    }
    skip("no Python with awslambdaric (.ci/run installs it into target/ci-venv)")
}

/// The handler: echoes the event and the context awslambdaric built; prints and logs a line; raises
/// when the event asks it to.
const APP: &str = r#"
import json, logging, os
logger = logging.getLogger()
logger.setLevel(logging.INFO)

def handler(event, context):
    if event.get("fail"):
        raise ValueError("boom " + event["fail"])
    print("printed " + json.dumps(event))
    logger.info("logged %s", event.get("n"))
    cc = context.client_context
    return {
        "event": event,
        "aws_request_id": context.aws_request_id,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "client_custom": cc.custom if cc else None,
        "client_env": cc.env if cc else None,
        "client_app_title": cc.client.app_title if cc and cc.client else None,
        "trace_id": os.environ.get("_X_AMZN_TRACE_ID"),
    }
"#;

/// A module that fails while it is imported (awslambdaric posts /runtime/init/error).
const FAILING_APP: &str = r#"
raise RuntimeError("no configuration found")

def handler(event, context):
    return "unreachable"
"#;

fn package(python: &std::path::Path, app: &str) -> Vec<u8> {
    let bootstrap = format!(
        "#!/bin/sh\ncd \"$LAMBDA_TASK_ROOT\"\nexec {:?} -m awslambdaric \"$_HANDLER\"\n",
        python.display().to_string()
    );
    zip_of(&[
        ("bootstrap", 0o755, bootstrap.as_bytes()),
        ("app.py", 0o644, app.as_bytes()),
    ])
}

async fn create(s: &Stack, name: &str, zip: Vec<u8>) -> String {
    s.lambda
        .create_function()
        .function_name(name)
        .runtime(Runtime::Providedal2023)
        .handler("app.handler")
        .timeout(30)
        .memory_size(256)
        .role("arn:aws:iam::000000000000:role/ric")
        .code(FunctionCode::builder().zip_file(Blob::new(zip)).build())
        .send()
        .await
        .expect("CreateFunction")
        .function_arn()
        .unwrap()
        .to_owned()
}

async fn group_messages(s: &Stack, group: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let page = s
            .logs
            .filter_log_events()
            .log_group_name(group)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        out.extend(
            page.events()
                .iter()
                .filter_map(|e| e.message().map(str::to_owned)),
        );
        match page.next_token() {
            Some(t) => token = Some(t.to_owned()),
            None => return out,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn awslambdaric_runs_a_python_function_on_the_runtime_api() {
    let Some(python) = python_with_awslambdaric() else {
        return;
    };
    let s = Stack::start(None).await;
    let arn = create(&s, "ric", package(&python, APP)).await;

    // An invocation: the event arrives, the answer is the handler's return value, and the context
    // awslambdaric builds from the Runtime API's headers and the environment is Lambda's.
    let client_context = json!({
        "custom": {"k": "v"},
        "env": {"platform": "test"},
        "client": {"app_title": "lambdeck"}
    });
    let out = s
        .lambda
        .invoke()
        .function_name("ric")
        .client_context(B64.encode(client_context.to_string()))
        .payload(Blob::new(json!({"n": 1}).to_string()))
        .log_type(LogType::Tail)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status_code(), 200);
    assert_eq!(out.function_error(), None);
    assert_eq!(out.executed_version(), Some("$LATEST"));
    let request_id = out.request_id().unwrap().to_owned();
    let body: Value = serde_json::from_slice(out.payload().unwrap().as_ref()).unwrap();
    assert_eq!(body["event"], json!({"n": 1}));
    assert_eq!(body["aws_request_id"], request_id);
    assert_eq!(body["function_name"], "ric");
    assert_eq!(body["function_version"], "$LATEST");
    assert_eq!(body["invoked_function_arn"], arn);
    assert_eq!(body["memory_limit_in_mb"], "256");
    assert_eq!(body["log_group_name"], "/aws/lambda/ric");
    let stream = body["log_stream_name"].as_str().unwrap().to_owned();
    assert!(stream.contains("[$LATEST]"), "{stream}");
    let remaining = body["remaining_ms"].as_i64().unwrap();
    assert!(remaining > 0 && remaining <= 30_000, "{remaining}");
    assert_eq!(body["client_custom"], json!({"k": "v"}));
    assert_eq!(body["client_env"], json!({"platform": "test"}));
    assert_eq!(body["client_app_title"], "lambdeck");
    assert!(
        body["trace_id"].as_str().unwrap().starts_with("Root=1-"),
        "{body}"
    );
    let tail = String::from_utf8(B64.decode(out.log_result().unwrap()).unwrap()).unwrap();
    assert!(tail.contains("printed {\"n\": 1}"), "{tail}");

    // A raised exception: awslambdaric's error document is the payload, flagged Unhandled, as AWS
    // records it (errorMessage, errorType, requestId, stackTrace).
    let failed = s
        .lambda
        .invoke()
        .function_name("ric")
        .payload(Blob::new(json!({"fail": "x"}).to_string()))
        .send()
        .await
        .unwrap();
    assert_eq!(failed.status_code(), 200);
    assert_eq!(failed.function_error(), Some("Unhandled"));
    let failed_id = failed.request_id().unwrap().to_owned();
    let doc: Value = serde_json::from_slice(failed.payload().unwrap().as_ref()).unwrap();
    assert_eq!(doc["errorMessage"], "boom x");
    assert_eq!(doc["errorType"], "ValueError");
    assert_eq!(doc["requestId"], failed_id);
    let trace = doc["stackTrace"].as_array().unwrap();
    assert!(
        trace
            .iter()
            .any(|l| l.as_str().unwrap().contains("in handler")),
        "{doc}"
    );

    // The log: the platform lines around each invocation, the printed line, the logging module's line
    // in awslambdaric's format, and the error it logs.
    let messages = group_messages(&s, "/aws/lambda/ric").await;
    let has = |what: &str| messages.iter().any(|m| m.contains(what));
    assert!(has(&format!(
        "START RequestId: {request_id} Version: $LATEST"
    )));
    assert!(has(&format!("END RequestId: {request_id}")));
    assert!(has(&format!("REPORT RequestId: {request_id}\tDuration: ")));
    assert!(has("printed {\"n\": 1}"), "{messages:#?}");
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("[INFO]\t") && m.contains(&format!("\t{request_id}\tlogged 1"))),
        "{messages:#?}"
    );
    assert!(has("[ERROR] ValueError: boom x"), "{messages:#?}");
    assert!(has(&format!("START RequestId: {failed_id} ")));
    assert!(has(&format!("REPORT RequestId: {failed_id}\t")));
    s.server.shutdown().await;
}

/// A module that raises while it is imported: awslambdaric posts its error document to
/// /runtime/init/error, and Lambda answers the invocation with that document (the runtime's own
/// errorType and errorMessage, `requestId` empty), flagged Unhandled, as AWS records it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn awslambdaric_init_error_is_the_invocations_error() {
    let Some(python) = python_with_awslambdaric() else {
        return;
    };
    let s = Stack::start(None).await;
    create(&s, "ric-init", package(&python, FAILING_APP)).await;
    let out = s
        .lambda
        .invoke()
        .function_name("ric-init")
        .payload(Blob::new("{}"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status_code(), 200);
    assert_eq!(out.function_error(), Some("Unhandled"));
    let doc: Value = serde_json::from_slice(out.payload().unwrap().as_ref()).unwrap();
    assert_eq!(doc["errorType"], "RuntimeError", "{doc}");
    assert_eq!(doc["errorMessage"], "no configuration found", "{doc}");
    assert_eq!(doc["requestId"], "", "{doc}");
    assert!(
        doc["stackTrace"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l.as_str().unwrap().contains("no configuration found")),
        "{doc}"
    );
    let messages = group_messages(&s, "/aws/lambda/ric-init").await;
    assert!(
        messages
            .iter()
            .any(|m| m.contains("[ERROR] RuntimeError: no configuration found")),
        "{messages:#?}"
    );
    s.server.shutdown().await;
}
