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
/// parsed JSON it printed (null when it printed nothing).
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
    if out.stdout.iter().all(u8::is_ascii_whitespace) {
        return Value::Null; // an operation that answers nothing (CreateLogGroup)
    }
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

/// The lines `lambdeck status --endpoint-url URL` prints under `drift:`, and its exit status.
fn status_lines(url: &str, dir: &Path) -> (Option<i32>, Vec<String>) {
    let out = Command::new(env!("CARGO_BIN_EXE_lambdeck"))
        .args(["status", "--endpoint-url", url])
        .current_dir(dir)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let lines = text
        .lines()
        .skip_while(|l| !l.starts_with("drift: "))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .map(|l| l.trim().to_owned())
        .collect();
    (out.status.code(), lines)
}

/// The issue's seed stack (the tutorial's function behind GET /hello_world), extended with a CORS
/// preflight (MOCK OPTIONS), a gateway response, a TOKEN authorizer and a request validator, built
/// only with `aws` commands: the stage serves them as AWS does, and `lambdeck status` is in sync once
/// deployed, then shows exactly one line for one change; a documentation part likewise until a
/// documentation version is published to the stage.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_stack_built_with_the_aws_cli_serves_and_diffs_as_aws_does() {
    let Some(cli) = aws_cli() else {
        return;
    };
    let stack = Stack::start(None).await;
    let url = stack.server.endpoint_url();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("lambdeck.toml"), "region = \"us-east-1\"\n").unwrap();
    let project = dir.path().to_owned();
    let run = {
        let (cli, url, dir) = (cli.clone(), url.clone(), project.clone());
        move |args: Vec<String>| {
            let (cli, url, dir) = (cli.clone(), url.clone(), dir.clone());
            async move {
                tokio::task::spawn_blocking(move || {
                    let args: Vec<&str> = args.iter().map(String::as_str).collect();
                    aws(&cli, &url, &dir, &args)
                })
                .await
                .unwrap()
            }
        }
    };
    let args = |s: &[&str]| s.iter().map(ToString::to_string).collect::<Vec<_>>();
    let zip = project.join("function.zip");
    std::fs::write(&zip, hello_world_zip()).unwrap();

    let function = run(args(&[
        "lambda",
        "create-function",
        "--function-name",
        FUNCTION,
        "--runtime",
        "provided.al2023",
        "--handler",
        "bootstrap",
        "--role",
        "arn:aws:iam::000000000000:role/tf-test-lambda-role",
        "--zip-file",
        &format!("fileb://{}", zip.display()),
    ]))
    .await;
    let function_arn = function["FunctionArn"].as_str().unwrap().to_owned();
    let invoke_uri = format!(
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{function_arn}/invocations"
    );
    let api = run(args(&[
        "apigateway",
        "create-rest-api",
        "--name",
        "tf-test-to-lambda-rust-api",
        "--description",
        "REST API for lambda rust test",
    ]))
    .await;
    let id = api["id"].as_str().unwrap().to_owned();
    let root = api["rootResourceId"].as_str().unwrap().to_owned();
    let gw = |more: &[&str]| {
        let mut a = vec!["apigateway".to_owned()];
        a.extend(more.iter().map(ToString::to_string));
        a.extend(["--rest-api-id".to_owned(), id.clone()]);
        a
    };
    let hello = run(gw(&[
        "create-resource",
        "--parent-id",
        &root,
        "--path-part",
        "hello_world",
    ]))
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let secure = run(gw(&[
        "create-resource",
        "--parent-id",
        &root,
        "--path-part",
        "secure",
    ]))
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let greet = run(gw(&[
        "create-resource",
        "--parent-id",
        &root,
        "--path-part",
        "greet",
    ]))
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // The TOKEN authorizer and the request validator the routes use.
    let authorizer = run(gw(&[
        "create-authorizer",
        "--name",
        "tokenAuth",
        "--type",
        "TOKEN",
        "--authorizer-uri",
        &invoke_uri,
        "--identity-source",
        "method.request.header.Authorization",
    ]))
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let validator = run(gw(&[
        "create-request-validator",
        "--name",
        "params",
        "--validate-request-parameters",
    ]))
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    run(gw(&[
        "put-method",
        "--resource-id",
        &hello,
        "--http-method",
        "GET",
        "--authorization-type",
        "NONE",
    ]))
    .await;
    run(gw(&[
        "put-method",
        "--resource-id",
        &secure,
        "--http-method",
        "GET",
        "--authorization-type",
        "CUSTOM",
        "--authorizer-id",
        &authorizer,
    ]))
    .await;
    run(gw(&[
        "put-method",
        "--resource-id",
        &greet,
        "--http-method",
        "GET",
        "--authorization-type",
        "NONE",
        "--request-validator-id",
        &validator,
        "--request-parameters",
        r#"{"method.request.querystring.name":true}"#,
    ]))
    .await;
    for rid in [&hello, &secure, &greet] {
        run(gw(&[
            "put-integration",
            "--resource-id",
            rid,
            "--http-method",
            "GET",
            "--type",
            "AWS_PROXY",
            "--integration-http-method",
            "POST",
            "--uri",
            &invoke_uri,
        ]))
        .await;
    }
    // The CORS preflight: a MOCK OPTIONS whose integration response sets the headers.
    run(gw(&[
        "put-method",
        "--resource-id",
        &hello,
        "--http-method",
        "OPTIONS",
        "--authorization-type",
        "NONE",
    ]))
    .await;
    run(gw(&[
        "put-integration",
        "--resource-id",
        &hello,
        "--http-method",
        "OPTIONS",
        "--type",
        "MOCK",
        "--request-templates",
        r#"{"application/json":"{\"statusCode\": 200}"}"#,
    ]))
    .await;
    run(gw(&[
        "put-method-response", "--resource-id", &hello, "--http-method", "OPTIONS",
        "--status-code", "200", "--response-parameters",
        r#"{"method.response.header.Access-Control-Allow-Origin":false,"method.response.header.Access-Control-Allow-Methods":false,"method.response.header.Access-Control-Allow-Headers":false}"#,
    ]))
    .await;
    run(gw(&[
        "put-integration-response", "--resource-id", &hello, "--http-method", "OPTIONS",
        "--status-code", "200", "--response-parameters",
        r#"{"method.response.header.Access-Control-Allow-Origin":"'*'","method.response.header.Access-Control-Allow-Methods":"'GET,OPTIONS'","method.response.header.Access-Control-Allow-Headers":"'Content-Type,Authorization'"}"#,
    ]))
    .await;
    // API Gateway's own 401 carries the CORS header too.
    run(gw(&[
        "put-gateway-response",
        "--response-type",
        "UNAUTHORIZED",
        "--response-parameters",
        r#"{"gatewayresponse.header.Access-Control-Allow-Origin":"'*'"}"#,
    ]))
    .await;
    run(args(&[
        "lambda",
        "add-permission",
        "--function-name",
        FUNCTION,
        "--statement-id",
        "AllowAPIGatewayInvoke",
        "--action",
        "lambda:InvokeFunction",
        "--principal",
        "apigateway.amazonaws.com",
        "--source-arn",
        &format!("arn:aws:execute-api:us-east-1:000000000000:{id}/*/*"),
    ]))
    .await;
    run(gw(&["create-deployment", "--stage-name", STAGE])).await;

    // Served as AWS serves it.
    let http = reqwest::Client::new();
    let stage = |path: &str| format!("{url}/restapis/{id}/{STAGE}/_user_request_{path}");
    let preflight = http
        .request(reqwest::Method::OPTIONS, stage("/hello_world"))
        .header("Origin", "https://example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 200);
    let h = preflight.headers();
    assert_eq!(h["access-control-allow-origin"], "*");
    assert_eq!(h["access-control-allow-methods"], "GET,OPTIONS");
    assert_eq!(
        h["access-control-allow-headers"],
        "Content-Type,Authorization"
    );

    let unauthorized = http.get(stage("/secure")).send().await.unwrap();
    assert_eq!(unauthorized.status(), 401);
    assert_eq!(unauthorized.headers()["access-control-allow-origin"], "*");
    assert_eq!(
        unauthorized.headers()["x-amzn-errortype"],
        "UnauthorizedException"
    );
    assert_eq!(
        unauthorized.text().await.unwrap(),
        r#"{"message":"Unauthorized"}"#
    );

    let invalid = http.get(stage("/greet")).send().await.unwrap();
    assert_eq!(invalid.status(), 400);
    assert_eq!(
        invalid.text().await.unwrap(),
        r#"{"message":"Missing required request parameters: [name]"}"#
    );
    let hello_answer = http.get(stage("/hello_world")).send().await.unwrap();
    assert_eq!(hello_answer.status(), 200);

    // Diffed exactly: in sync as deployed; one change, one line (exit 3); in sync once deployed.
    let status = |project: PathBuf, url: String| async move {
        tokio::task::spawn_blocking(move || status_lines(&url, &project))
            .await
            .unwrap()
    };
    assert_eq!(
        status(project.clone(), url.clone()).await,
        (Some(0), Vec::<String>::new())
    );
    run(gw(&[
        "update-integration",
        "--resource-id",
        &hello,
        "--http-method",
        "OPTIONS",
        "--patch-operations",
        "op=replace,path=/timeoutInMillis,value=5000",
    ]))
    .await;
    assert_eq!(
        status(project.clone(), url.clone()).await,
        (
            Some(3),
            vec!["~ OPTIONS /hello_world integration.timeoutInMillis 29000 → 5000".to_owned()]
        )
    );
    run(gw(&["create-deployment", "--stage-name", STAGE])).await;
    assert_eq!(
        status(project.clone(), url.clone()).await,
        (Some(0), Vec::<String>::new())
    );

    // Documentation is published by version: a part is one line until a version of it is
    // published to the stage, and the stage's export then carries that version.
    run(gw(&[
        "create-documentation-part",
        "--location",
        "type=METHOD,method=GET,path=/hello_world",
        "--properties",
        r#"{"description": "Says hello"}"#,
    ]))
    .await;
    assert_eq!(
        status(project.clone(), url.clone()).await,
        (
            Some(3),
            vec!["+ documentation METHOD GET /hello_world".to_owned()]
        )
    );
    let version = run(gw(&[
        "create-documentation-version",
        "--documentation-version",
        "1.0.0",
        "--stage-name",
        STAGE,
    ]))
    .await;
    assert_eq!(version["version"], "1.0.0", "{version}");
    assert_eq!(
        status(project.clone(), url.clone()).await,
        (Some(0), Vec::<String>::new())
    );
    let export = project.join("documented.json").display().to_string();
    run(gw(&[
        "get-export",
        "--stage-name",
        STAGE,
        "--export-type",
        "swagger",
        "--parameters",
        "extensions=documentation",
        &export,
    ]))
    .await;
    let swagger: Value = serde_json::from_slice(&std::fs::read(&export).unwrap()).unwrap();
    assert_eq!(
        swagger["x-amazon-apigateway-documentation"],
        serde_json::json!({"version": "1.0.0", "documentationParts": [{
            "location": {"type": "METHOD", "path": "/hello_world", "method": "GET"},
            "properties": {"description": "Says hello"}}]}),
        "{swagger}"
    );
}

/// `lambdeck local --account-id`: the account the AWS CLI's identity, roles and log groups name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_account_id_given_to_lambdeck_local_is_the_one_in_every_arn() {
    let Some(cli) = aws_cli() else {
        return;
    };
    let (mut server, url) = super::spawn_local(&["--account-id", "123456789012"]);
    let dir = tempfile::tempdir().unwrap();
    let answers = tokio::task::spawn_blocking(move || {
        let run = |args: &[&str]| aws(&cli, &url, dir.path(), args);
        let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        [
            run(&["sts", "get-caller-identity"]),
            run(&["iam", "create-role", "--role-name", "r", "--assume-role-policy-document", trust]),
            {
                run(&["logs", "create-log-group", "--log-group-name", "/g"]);
                run(&["logs", "describe-log-groups"])
            },
        ]
    })
    .await
    .unwrap();
    server.kill().unwrap();
    server.wait().unwrap();
    let [identity, role, groups] = answers;
    assert_eq!(identity["Account"], "123456789012", "{identity}");
    assert_eq!(
        identity["Arn"], "arn:aws:iam::123456789012:root",
        "{identity}"
    );
    assert_eq!(
        role["Role"]["Arn"], "arn:aws:iam::123456789012:role/r",
        "{role}"
    );
    assert_eq!(
        groups["logGroups"][0]["arn"], "arn:aws:logs:us-east-1:123456789012:log-group:/g:*",
        "{groups}"
    );
}
