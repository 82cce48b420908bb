//! Node.js and Python functions on the execution engine, run by this machine's `node` and `python3`
//! through the bootstraps lambdeck ships: handler resolution, async and callback handlers, context and
//! environment, console lines in the log, error documents; and a missing interpreter named in the
//! invoke's error.

use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;
use lambdeck::local::exec::{Executor, FunctionCode, Invocation, LogSink, Outcome};
use serde_json::{Value, json};

use lambdeck_test_support::{on_path, skip, zip_of};

struct NoLogs;

impl LogSink for NoLogs {
    fn put(&self, _: &str, _: &str, _: &str, _: Vec<(i64, String)>) {}
}

fn function(name: &str, runtime: &str, handler: &str, files: &[(&str, &str)]) -> FunctionCode {
    let entries: Vec<(&str, u32, &[u8])> = files
        .iter()
        .map(|(n, c)| (*n, 0o644, c.as_bytes()))
        .collect();
    FunctionCode {
        name: name.to_owned(),
        arn: format!("arn:aws:lambda:us-east-1:000000000000:function:{name}"),
        version: "$LATEST".into(),
        revision: "rev-1".to_owned(),
        zip: Arc::new(zip_of(&entries)),
        handler: handler.to_owned(),
        runtime: Some(runtime.to_owned()),
        memory_mb: 256,
        timeout_secs: 10,
        environment: BTreeMap::from([("GREETING".to_owned(), "hi".to_owned())]),
        region: "us-east-1".to_owned(),
        logging: Default::default(),
    }
}

fn response(inv: &Invocation) -> Value {
    match &inv.outcome {
        Outcome::Response(b) => serde_json::from_slice(b).unwrap(),
        other => panic!("expected a response, got {other:?}; log:\n{}", inv.log_tail),
    }
}

fn function_error(inv: &Invocation) -> Value {
    match &inv.outcome {
        Outcome::FunctionError(b) => serde_json::from_slice(b).unwrap(),
        other => panic!(
            "expected a function error, got {other:?}; log:\n{}",
            inv.log_tail
        ),
    }
}

const NODE_INDEX: &str = r#"
exports.handler = async (event, context) => {
  console.log('hello', { n: event.n });
  return {
    n: event.n,
    functionName: context.functionName,
    memory: context.memoryLimitInMB,
    requestId: context.awsRequestId,
    arn: context.invokedFunctionArn,
    remainingPositive: context.getRemainingTimeInMillis() > 0,
    greeting: process.env.GREETING,
    region: process.env.AWS_REGION,
    taskRoot: process.env.LAMBDA_TASK_ROOT === process.cwd(),
  };
};
"#;

const NODE_CALLBACK: &str = r#"
exports.handler = function (event, context, callback) {
  setTimeout(() => callback(null, { via: 'callback', n: event.n }), 5);
};
"#;

const NODE_ESM: &str =
    "export const deep = { handler: async (event) => ({ esm: true, n: event.n }) };\n";

const NODE_THROWS: &str = "exports.handler = async () => { throw new TypeError('boom'); };\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_functions_run_async_callback_and_esm_handlers_with_context_and_log_lines() {
    if on_path("node").is_none() {
        return skip::<()>("node is not installed").unwrap_or_default();
    }
    let executor = Executor::new(Arc::new(NoLogs));
    let event = Bytes::from(json!({"n": 7}).to_string());

    let f = function(
        "node-async",
        "nodejs20.x",
        "index.handler",
        &[("index.js", NODE_INDEX)],
    );
    let inv = executor.invoke(&f, event.clone()).await;
    let out = response(&inv);
    assert_eq!(out["n"], 7);
    assert_eq!(out["functionName"], "node-async");
    assert_eq!(out["memory"], "256");
    assert_eq!(out["requestId"], inv.request_id.as_str());
    assert_eq!(out["arn"], f.arn.as_str());
    assert_eq!(out["remainingPositive"], true);
    assert_eq!(out["greeting"], "hi");
    assert_eq!(out["region"], "us-east-1");
    assert_eq!(out["taskRoot"], true);
    // console.log as the managed runtime writes it: time, request id, level, message.
    assert!(
        inv.log_tail
            .lines()
            .any(|l| l.ends_with(&format!("\t{}\tINFO\thello {{ n: 7 }}", inv.request_id))),
        "{}",
        inv.log_tail
    );

    let f = function(
        "node-cb",
        "nodejs18.x",
        "cb.handler",
        &[("cb.js", NODE_CALLBACK)],
    );
    let out = response(&executor.invoke(&f, event.clone()).await);
    assert_eq!(out, json!({"via": "callback", "n": 7}));

    // A module in a folder, ECMAScript module syntax, a nested handler path.
    let f = function(
        "node-esm",
        "nodejs20.x",
        "lib/app.deep.handler",
        &[("lib/app.mjs", NODE_ESM)],
    );
    let out = response(&executor.invoke(&f, event.clone()).await);
    assert_eq!(out, json!({"esm": true, "n": 7}));

    let f = function(
        "node-throws",
        "nodejs20.x",
        "index.handler",
        &[("index.js", NODE_THROWS)],
    );
    let err = function_error(&executor.invoke(&f, event.clone()).await);
    assert_eq!(err["errorType"], "TypeError");
    assert_eq!(err["errorMessage"], "boom");

    let f = function(
        "node-nohandler",
        "nodejs20.x",
        "index.nope",
        &[("index.js", NODE_THROWS)],
    );
    // The bootstrap's init error document is the invocation's error, as Lambda answers it.
    let err = function_error(&executor.invoke(&f, event.clone()).await);
    assert_eq!(err["errorType"], "Runtime.HandlerNotFound", "{err}");
    assert!(
        err["errorMessage"]
            .as_str()
            .unwrap()
            .contains("index.nope is undefined or not exported"),
        "{err}"
    );
    executor.shutdown().await;
}

const PYTHON_APP: &str = r#"
import os

def lambda_handler(event, context):
    print("hello from python", event["n"])
    return {
        "n": event["n"],
        "function_name": context.function_name,
        "memory": context.memory_limit_in_mb,
        "request_id": context.aws_request_id,
        "arn": context.invoked_function_arn,
        "remaining_positive": context.get_remaining_time_in_millis() > 0,
        "greeting": os.environ["GREETING"],
    }
"#;

const PYTHON_RAISES: &str = "def handler(event, context):\n    raise ValueError('bad input')\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_functions_resolve_module_handlers_with_context_errors_and_log_lines() {
    if on_path("python3").is_none() {
        return skip::<()>("python3 is not installed").unwrap_or_default();
    }
    let executor = Executor::new(Arc::new(NoLogs));
    let event = Bytes::from(json!({"n": 3}).to_string());

    let f = function(
        "py-app",
        "python3.12",
        "app.lambda_handler",
        &[("app.py", PYTHON_APP)],
    );
    let inv = executor.invoke(&f, event.clone()).await;
    let out = response(&inv);
    assert_eq!(out["n"], 3);
    assert_eq!(out["function_name"], "py-app");
    assert_eq!(out["memory"], "256");
    assert_eq!(out["request_id"], inv.request_id.as_str());
    assert_eq!(out["arn"], f.arn.as_str());
    assert_eq!(out["remaining_positive"], true);
    assert_eq!(out["greeting"], "hi");
    assert!(
        inv.log_tail.contains("hello from python 3"),
        "{}",
        inv.log_tail
    );

    // A module in a package folder.
    let f = function(
        "py-pkg",
        "python3.11",
        "pkg/app.lambda_handler",
        &[("pkg/__init__.py", ""), ("pkg/app.py", PYTHON_APP)],
    );
    assert_eq!(response(&executor.invoke(&f, event.clone()).await)["n"], 3);

    let f = function(
        "py-raises",
        "python3.12",
        "err.handler",
        &[("err.py", PYTHON_RAISES)],
    );
    let err = function_error(&executor.invoke(&f, event.clone()).await);
    assert_eq!(err["errorType"], "ValueError");
    assert_eq!(err["errorMessage"], "bad input");

    let f = function(
        "py-nomodule",
        "python3.12",
        "nope.handler",
        &[("app.py", PYTHON_APP)],
    );
    let err = function_error(&executor.invoke(&f, event.clone()).await);
    assert_eq!(err["errorType"], "Runtime.ImportModuleError", "{err}");
    assert!(
        err["errorMessage"]
            .as_str()
            .unwrap()
            .contains("Unable to import module 'nope'"),
        "{err}"
    );
    executor.shutdown().await;
}

/// `lambdeck local` run with no `node` on its PATH: the invoke fails with Lambda's error document and
/// names what to install.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_interpreter_fails_the_invoke_naming_what_to_install() {
    use base64::Engine;
    let empty_path = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_lambdeck"))
        // Invoked right after its create: no create window (the flag's 0).
        .args([
            "local",
            "--port",
            &port.to_string(),
            "--update-window-ms",
            "0",
        ])
        .env("PATH", empty_path.path())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let endpoint = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let mut ready = false;
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(ready, "lambdeck local did not listen");
    let zip = zip_of(&[("index.js", 0o644, NODE_INDEX.as_bytes())]);
    let created = http
        .post(format!("{endpoint}/2015-03-31/functions"))
        .json(&json!({
            "FunctionName": "needs-node",
            "Runtime": "nodejs20.x",
            "Handler": "index.handler",
            "Role": "arn:aws:iam::000000000000:role/r",
            "Code": {"ZipFile": base64::engine::general_purpose::STANDARD.encode(&zip)},
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let invoked = http
        .post(format!(
            "{endpoint}/2015-03-31/functions/needs-node/invocations"
        ))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(invoked.status(), 200);
    assert_eq!(
        invoked.headers()["x-amz-function-error"],
        "Unhandled",
        "{:?}",
        invoked.headers()
    );
    let body: Value = invoked.json().await.unwrap();
    assert_eq!(body["errorType"], "Runtime.InvalidEntrypoint", "{body}");
    let message = body["errorMessage"].as_str().unwrap();
    assert!(message.contains("install Node.js"), "{message}");
    // `lambdeck status` on this machine's local stack says the same on the function.
    let project = tempfile::tempdir().unwrap();
    std::fs::write(
        project.path().join("lambdeck.toml"),
        "region = \"us-east-1\"\n[function]\nname = \"needs-node\"\nruntime = \"nodejs20.x\"\nhandler = \"index.handler\"\n",
    )
    .unwrap();
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_lambdeck"))
        .args(["status", "--endpoint-url", &endpoint])
        .current_dir(project.path())
        .env("PATH", empty_path.path())
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env_remove("AWS_PROFILE")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&status.stdout);
    let note = text
        .lines()
        .find(|l| l.contains("note: the nodejs20.x runtime"))
        .unwrap_or_else(|| panic!("no interpreter note in:\n{text}"));
    assert!(
        message.contains(note.trim().trim_start_matches("note: ")),
        "{note} / {message}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("!! function needs-node")),
        "{text}"
    );
    let _ = server.kill();
    let _ = server.wait();
}
