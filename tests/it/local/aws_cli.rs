//! The AWS CLI (PyPI `awscli`, on botocore), a client lambdeck did not write, against the local stack:
//! the tutorial's stack built through the SDK, then read, exported, invoked and its logs filtered with
//! real `aws` commands, their JSON output checked.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use super::{FUNCTION, STAGE, Stack};
use crate::support::{hello_world_zip, on_path, repo_root, skip};

/// The `aws` command: `.ci/run`'s virtualenv, else PATH.
fn aws_cli() -> Option<PathBuf> {
    let venv = repo_root().join("target/ci-venv/bin/aws");
    if venv.is_file() {
        return Some(venv);
    }
    on_path("aws").or_else(|| skip("the AWS CLI is not installed (.ci/run installs awscli)"))
}

/// Runs `aws ARGS --endpoint-url URL` in `dir` with test credentials and no shared config; the
/// parsed JSON it printed.
fn aws(cli: &Path, url: &str, dir: &Path, args: &[&str]) -> Value {
    let out = Command::new(cli)
        .args(args)
        .args(["--endpoint-url", url, "--output", "json"])
        .current_dir(dir)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", dir.join("no-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("no-credentials"))
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "aws {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "aws {}: not JSON ({e}): {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_aws_cli_reads_exports_invokes_and_filters_logs_on_the_local_stack() {
    let Some(cli) = aws_cli() else {
        return;
    };
    let stack = Stack::start(None).await;
    let api_id = stack.tutorial.create(hello_world_zip()).await;
    let url = stack.server.endpoint_url();
    let dir = tempfile::tempdir().unwrap();
    let run = move |args: Vec<String>| {
        let (cli, url, dir) = (cli.clone(), url.clone(), dir.path().to_owned());
        async move {
            tokio::task::spawn_blocking(move || {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                aws(&cli, &url, &dir, &args)
            })
            .await
            .unwrap()
        }
    };
    let args = |s: &[&str]| s.iter().map(ToString::to_string).collect::<Vec<_>>();
    let files = tempfile::tempdir().unwrap();
    let file = |name: &str| files.path().join(name).display().to_string();

    let functions = run(args(&["lambda", "list-functions"])).await;
    let names: Vec<&str> = functions["Functions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["FunctionName"].as_str())
        .collect();
    assert_eq!(names, [FUNCTION]);
    assert_eq!(
        functions["Functions"][0]["Runtime"], "provided.al2023",
        "{functions}"
    );

    let apis = run(args(&["apigateway", "get-rest-apis"])).await;
    assert_eq!(apis["items"][0]["id"], api_id.as_str(), "{apis}");
    let stages = run(args(&[
        "apigateway",
        "get-stages",
        "--rest-api-id",
        &api_id,
    ]))
    .await;
    assert_eq!(stages["item"][0]["stageName"], STAGE, "{stages}");

    // get-export writes the body to a file and prints the other fields.
    let export = file("export.json");
    let head = run(args(&[
        "apigateway",
        "get-export",
        "--rest-api-id",
        &api_id,
        "--stage-name",
        STAGE,
        "--export-type",
        "oas30",
        &export,
    ]))
    .await;
    assert_eq!(head["contentType"], "application/octet-stream", "{head}");
    assert!(
        head["contentDisposition"]
            .as_str()
            .is_some_and(|c| c.starts_with("attachment; filename=\"oas30_")),
        "{head}"
    );
    let oas: Value = serde_json::from_slice(&std::fs::read(&export).unwrap()).unwrap();
    assert!(oas["paths"]["/hello_world"]["get"].is_object(), "{oas}");

    // invoke writes the payload to a file. An event that is not an API Gateway proxy event fails in
    // the function's own deserializer: the CLI reads the error document and X-Amz-Function-Error.
    let payload = file("payload.json");
    let event = file("event.json");
    std::fs::write(&event, r#"{"not":"a proxy event"}"#).unwrap();
    let invoked = run(args(&[
        "lambda",
        "invoke",
        "--function-name",
        FUNCTION,
        "--payload",
        &format!("fileb://{event}"),
        &payload,
    ]))
    .await;
    assert_eq!(invoked["StatusCode"], 200, "{invoked}");
    assert_eq!(invoked["FunctionError"], "Unhandled", "{invoked}");
    assert_eq!(invoked["ExecutedVersion"], "$LATEST", "{invoked}");
    let answer: Value = serde_json::from_slice(&std::fs::read(&payload).unwrap()).unwrap();
    assert!(
        answer["errorMessage"]
            .as_str()
            .is_some_and(|m| m.contains("failed to deserialize")),
        "{answer}"
    );

    let log_group = format!("/aws/lambda/{FUNCTION}");
    let events = run(args(&[
        "logs",
        "filter-log-events",
        "--log-group-name",
        &log_group,
        "--filter-pattern",
        "REPORT",
    ]))
    .await;
    let reports = events["events"].as_array().unwrap();
    assert_eq!(reports.len(), 1, "{events}");
    assert!(
        reports[0]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("REPORT RequestId: ")),
        "{events}"
    );
}
