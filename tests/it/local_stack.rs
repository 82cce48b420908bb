//! The embedded local stack driven only through the real aws-sdk-rust clients and reqwest: the
//! tutorial's stack end to end with the real hello-world function, the stale-deployment behaviour,
//! AWS's error wire formats, persistence, and the state directory's lock.

use std::path::Path;
use std::time::Duration;

use aws_config::{BehaviorVersion, Region};
use aws_sdk_apigateway::error::ProvideErrorMetadata;
use aws_sdk_apigateway::types::{IntegrationType, Op, PatchOperation};
use aws_sdk_lambda::client::Waiters;
use aws_sdk_lambda::config::Credentials;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{Environment, FunctionCode, InvocationType, LogType, Runtime};
use lambdeck::local::{self, LocalConfig, LocalServer};

use crate::support::{hello_world_zip, script_zip};

const FUNCTION: &str = "tf-test-rust-hello-world";
const STAGE: &str = "tf-test";

/// A local stack and the three SDK clients pointed at it.
struct Stack {
    server: LocalServer,
    apigw: aws_sdk_apigateway::Client,
    lambda: aws_sdk_lambda::Client,
    logs: aws_sdk_cloudwatchlogs::Client,
    http: reqwest::Client,
}

async fn clients_for(
    url: &str,
) -> (
    aws_sdk_apigateway::Client,
    aws_sdk_lambda::Client,
    aws_sdk_cloudwatchlogs::Client,
) {
    let config = aws_config::defaults(BehaviorVersion::latest())
        .http_client(lambdeck::aws::http_client())
        .region(Region::new("us-east-1"))
        .endpoint_url(url)
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .load()
        .await;
    (
        aws_sdk_apigateway::Client::new(&config),
        aws_sdk_lambda::Client::new(&config),
        aws_sdk_cloudwatchlogs::Client::new(&config),
    )
}

impl Stack {
    async fn start(state_dir: Option<&Path>) -> Stack {
        let server = LocalServer::start(LocalConfig {
            state_dir: state_dir.map(Path::to_path_buf),
            ..LocalConfig::default()
        })
        .await
        .expect("the local stack starts");
        let (apigw, lambda, logs) = clients_for(&server.endpoint_url()).await;
        Stack {
            server,
            apigw,
            lambda,
            logs,
            http: reqwest::Client::new(),
        }
    }

    fn stage_url(&self, api: &str, path: &str) -> String {
        format!(
            "{}{path}",
            lambdeck::wire::local_stage_url(&self.server.endpoint_url(), api, STAGE)
        )
    }

    async fn get(&self, api: &str, path: &str) -> reqwest::Response {
        self.http
            .get(self.stage_url(api, path))
            .send()
            .await
            .unwrap()
    }

    async fn create_function(&self, name: &str, zip: Vec<u8>) -> String {
        let out = self
            .lambda
            .create_function()
            .function_name(name)
            .runtime(Runtime::Providedal2023)
            .handler("bootstrap")
            .role("arn:aws:iam::000000000000:role/tf-test-lambda-role")
            .code(FunctionCode::builder().zip_file(Blob::new(zip)).build())
            .send()
            .await
            .expect("CreateFunction");
        out.function_arn().unwrap().to_owned()
    }

    /// The tutorial's REST API: GET /hello_world as an AWS_PROXY integration of the function, not deployed.
    async fn create_api(&self, function_arn: &str) -> (String, String) {
        let api = self
            .apigw
            .create_rest_api()
            .name("tf-test-to-lambda-rust-api")
            .description("REST API for lambda rust test")
            .send()
            .await
            .unwrap();
        let api_id = api.id().unwrap().to_owned();
        let root = api.root_resource_id().unwrap().to_owned();
        let hello = self
            .add_route(&api_id, &root, "hello_world", function_arn)
            .await;
        (api_id, hello)
    }

    /// A child resource with GET as an AWS_PROXY integration of the function; returns its id.
    async fn add_route(
        &self,
        api_id: &str,
        parent: &str,
        part: &str,
        function_arn: &str,
    ) -> String {
        let r = self
            .apigw
            .create_resource()
            .rest_api_id(api_id)
            .parent_id(parent)
            .path_part(part)
            .send()
            .await
            .unwrap();
        let rid = r.id().unwrap().to_owned();
        self.apigw
            .put_method()
            .rest_api_id(api_id)
            .resource_id(&rid)
            .http_method("GET")
            .authorization_type("NONE")
            .send()
            .await
            .unwrap();
        let integration = self
            .apigw
            .put_integration()
            .rest_api_id(api_id)
            .resource_id(&rid)
            .http_method("GET")
            .r#type(IntegrationType::AwsProxy)
            .integration_http_method("POST")
            .uri(format!(
                "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{function_arn}/invocations"
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(integration.passthrough_behavior(), Some("WHEN_NO_MATCH"));
        assert_eq!(integration.timeout_in_millis(), 29000);
        assert_eq!(integration.cache_namespace(), Some(rid.as_str()));
        rid
    }

    async fn permit(&self, api_id: &str) {
        self.lambda
            .add_permission()
            .function_name(FUNCTION)
            .statement_id("AllowAPIGatewayInvoke")
            .action("lambda:InvokeFunction")
            .principal("apigateway.amazonaws.com")
            .source_arn(format!(
                "arn:aws:execute-api:us-east-1:000000000000:{api_id}/*/*"
            ))
            .send()
            .await
            .unwrap();
    }

    async fn deploy(&self, api_id: &str) -> String {
        let d = self
            .apigw
            .create_deployment()
            .rest_api_id(api_id)
            .stage_name(STAGE)
            .send()
            .await
            .unwrap();
        d.id().unwrap().to_owned()
    }

    async fn export_paths(&self, api_id: &str) -> Vec<String> {
        let export = self
            .apigw
            .get_export()
            .rest_api_id(api_id)
            .stage_name(STAGE)
            .export_type("oas30")
            .parameters("extensions", "integrations")
            .send()
            .await
            .unwrap();
        let doc: serde_json::Value =
            serde_json::from_slice(export.body().unwrap().as_ref()).unwrap();
        assert_eq!(doc["openapi"], "3.0.1");
        let mut paths: Vec<String> = doc["paths"].as_object().unwrap().keys().cloned().collect();
        paths.sort();
        paths
    }

    async fn summary_paths(&self, api_id: &str, deployment: &str) -> Vec<String> {
        let d = self
            .apigw
            .get_deployment()
            .rest_api_id(api_id)
            .deployment_id(deployment)
            .embed("apisummary")
            .send()
            .await
            .unwrap();
        let mut paths: Vec<String> = d.api_summary().unwrap().keys().cloned().collect();
        paths.sort();
        paths
    }

    /// Every event of the function's log group matching a pattern, following nextToken to the end.
    async fn log_messages(&self, pattern: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut token = None;
        loop {
            let page = self
                .logs
                .filter_log_events()
                .log_group_name(format!("/aws/lambda/{FUNCTION}"))
                .filter_pattern(pattern)
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
}

async fn assert_missing_token(response: reqwest::Response) {
    assert_eq!(response.status(), 403);
    assert_eq!(
        response.headers()["x-amzn-ErrorType"],
        "MissingAuthenticationTokenException"
    );
    assert!(response.headers().contains_key("x-amzn-RequestId"));
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        body,
        serde_json::json!({"message": "Missing Authentication Token"})
    );
}

async fn assert_greeting(response: reqwest::Response) {
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, 200, "body: {text}");
    assert_eq!(text, "\"Hello from Lambda!\"");
}

#[tokio::test]
async fn the_tutorial_stack_deploys_serves_goes_stale_and_rolls_back() {
    let s = Stack::start(None).await;
    let arn = s.create_function(FUNCTION, hello_world_zip()).await;
    // The SDK waiter finishes: the function leaves Pending.
    s.lambda
        .wait_until_function_active_v2()
        .function_name(FUNCTION)
        .wait(Duration::from_secs(60))
        .await
        .expect("the function becomes Active");
    let (api, _) = s.create_api(&arn).await;
    s.permit(&api).await;

    // Nothing is deployed yet: the stage does not exist.
    assert_eq!(s.get(&api, "/hello_world").await.status(), 403);
    let first = s.deploy(&api).await;

    let response = s.get(&api, "/hello_world").await;
    let apigw_id = response.headers()["x-amzn-RequestId"]
        .to_str()
        .unwrap()
        .to_owned();
    let lambda_id = response.headers()["x-lambdeck-lambda-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_greeting(response).await;

    // The Host-header form of the stage URL answers the same.
    let port = s.server.addr().port();
    let host = format!("{api}.execute-api.localhost");
    let by_host = reqwest::Client::builder()
        .resolve(&host, s.server.addr())
        .build()
        .unwrap();
    assert_greeting(
        by_host
            .get(format!("http://{host}:{port}/{STAGE}/hello_world"))
            .send()
            .await
            .unwrap(),
    )
    .await;

    // A route added without a deployment is not served, and the deployed views do not show it.
    let root = s
        .apigw
        .get_rest_api()
        .rest_api_id(&api)
        .send()
        .await
        .unwrap();
    let root = root.root_resource_id().unwrap().to_owned();
    s.add_route(&api, &root, "new_route", &arn).await;
    assert_missing_token(s.get(&api, "/new_route").await).await;
    assert_greeting(s.get(&api, "/hello_world").await).await;
    assert_eq!(s.summary_paths(&api, &first).await, ["/hello_world"]);
    assert_eq!(s.export_paths(&api).await, ["/hello_world"]);

    // Deploying makes it live.
    let second = s.deploy(&api).await;
    assert_greeting(s.get(&api, "/new_route").await).await;
    assert_eq!(
        s.summary_paths(&api, &second).await,
        ["/hello_world", "/new_route"]
    );
    assert_eq!(s.export_paths(&api).await, ["/hello_world", "/new_route"]);
    // An earlier deployment's summary is still its own.
    assert_eq!(s.summary_paths(&api, &first).await, ["/hello_world"]);

    // Rolling back with UpdateStage /deploymentId serves the first snapshot again.
    let stage = s
        .apigw
        .update_stage()
        .rest_api_id(&api)
        .stage_name(STAGE)
        .patch_operations(
            PatchOperation::builder()
                .op(Op::Replace)
                .path("/deploymentId")
                .value(&first)
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(stage.deployment_id(), Some(first.as_str()));
    assert_missing_token(s.get(&api, "/new_route").await).await;
    assert_greeting(s.get(&api, "/hello_world").await).await;

    // The function's START and REPORT lines, and its own line carrying API Gateway's request id.
    let lines = s.log_messages("?START ?REPORT").await;
    assert!(
        lines.contains(&format!("START RequestId: {lambda_id} Version: $LATEST")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(&format!("REPORT RequestId: {lambda_id}\tDuration: "))),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .all(|l| l.starts_with("START") || l.starts_with("REPORT"))
    );
    let handler_lines = s
        .log_messages(&format!("\"apigw-request-id={apigw_id}\""))
        .await;
    assert_eq!(
        handler_lines,
        [format!("GET /hello_world apigw-request-id={apigw_id}")]
    );
    s.server.shutdown().await;
}

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

#[tokio::test]
async fn a_missing_permission_answers_500_and_a_crash_502() {
    let s = Stack::start(None).await;
    let arn = s
        .create_function(FUNCTION, script_zip("#!/bin/sh\necho crashing\nexit 3\n"))
        .await;
    let (api, _) = s.create_api(&arn).await;
    s.deploy(&api).await;

    let response = s.get(&api, "/hello_world").await;
    assert_eq!(response.status(), 500);
    assert_eq!(
        response.headers()["x-amzn-ErrorType"],
        "InternalServerErrorException"
    );
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"message": "Internal server error"}"#
    );

    // A statement for another API does not count.
    s.lambda
        .add_permission()
        .function_name(FUNCTION)
        .statement_id("other-api")
        .action("lambda:InvokeFunction")
        .principal("apigateway.amazonaws.com")
        .source_arn("arn:aws:execute-api:us-east-1:000000000000:otherapi00/*/*")
        .send()
        .await
        .unwrap();
    assert_eq!(s.get(&api, "/hello_world").await.status(), 500);

    // With the permission, the call reaches the function, which crashes: 502, same body.
    s.permit(&api).await;
    let response = s.get(&api, "/hello_world").await;
    assert_eq!(response.status(), 502);
    assert!(
        response
            .headers()
            .contains_key("x-lambdeck-lambda-request-id")
    );
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"message": "Internal server error"}"#
    );
    let crashed = s.log_messages("crashing").await;
    assert_eq!(crashed, ["crashing"]);
    s.server.shutdown().await;
}

#[tokio::test]
async fn errors_use_the_aws_wire_formats() {
    let s = Stack::start(None).await;
    // API Gateway.
    let err = s
        .apigw
        .get_rest_api()
        .rest_api_id("nope")
        .send()
        .await
        .unwrap_err();
    let err = err.into_service_error();
    assert!(err.is_not_found_exception(), "{err:?}");
    assert_eq!(
        err.message(),
        Some("Invalid API identifier specified 000000000000:nope")
    );

    let api = s
        .apigw
        .create_rest_api()
        .name("empty")
        .send()
        .await
        .unwrap();
    let api_id = api.id().unwrap();
    let api_arn = format!("arn:aws:apigateway:us-east-1::/restapis/{api_id}");
    s.apigw
        .tag_resource()
        .resource_arn(&api_arn)
        .tags("app", "lambdeck")
        .send()
        .await
        .unwrap();
    let tags = s
        .apigw
        .get_tags()
        .resource_arn(&api_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tags().unwrap()["app"], "lambdeck");
    let root = api.root_resource_id().unwrap();
    let err = s
        .apigw
        .create_deployment()
        .rest_api_id(api_id)
        .stage_name(STAGE)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_bad_request_exception(), "{err:?}");
    assert_eq!(
        err.message(),
        Some("The REST API doesn't contain any methods")
    );

    s.apigw
        .create_resource()
        .rest_api_id(api_id)
        .parent_id(root)
        .path_part("a")
        .send()
        .await
        .unwrap();
    let err = s
        .apigw
        .create_resource()
        .rest_api_id(api_id)
        .parent_id(root)
        .path_part("a")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_conflict_exception(), "{err:?}");
    assert_eq!(
        err.message(),
        Some("Another resource with the same parent already has this name: a")
    );

    let err = s
        .apigw
        .get_stage()
        .rest_api_id(api_id)
        .stage_name("missing")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_not_found_exception(), "{err:?}");
    assert_eq!(err.message(), Some("Invalid stage identifier specified"));

    let err = s
        .apigw
        .get_method()
        .rest_api_id(api_id)
        .resource_id(root)
        .http_method("GET")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_not_found_exception(), "{err:?}");
    assert_eq!(err.message(), Some("Invalid Method identifier specified"));

    // A deployment a stage points at cannot be deleted.
    let arn = s.create_function(FUNCTION, hello_world_zip()).await;
    let (api, _) = s.create_api(&arn).await;
    let deployment = s.deploy(&api).await;
    let err = s
        .apigw
        .delete_deployment()
        .rest_api_id(&api)
        .deployment_id(&deployment)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_bad_request_exception(), "{err:?}");
    assert_eq!(
        err.message(),
        Some("Active stages pointing to this deployment must be moved or deleted")
    );
    let err = s
        .apigw
        .update_stage()
        .rest_api_id(&api)
        .stage_name(STAGE)
        .patch_operations(
            PatchOperation::builder()
                .op(Op::Replace)
                .path("/deploymentId")
                .value("zzzzzzzzzz")
                .build(),
        )
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_bad_request_exception(), "{err:?}");

    // Lambda.
    let err = s
        .lambda
        .get_function()
        .function_name("nope")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");
    assert_eq!(
        err.message(),
        Some("Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope")
    );
    let err = s
        .lambda
        .create_function()
        .function_name(FUNCTION)
        .role("arn:aws:iam::000000000000:role/r")
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(hello_world_zip()))
                .build(),
        )
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_resource_conflict_exception(), "{err:?}");
    assert_eq!(
        err.message(),
        Some(format!("Function already exist: {FUNCTION}").as_str())
    );
    let err = s
        .lambda
        .create_function()
        .function_name("not-a-zip")
        .role("arn:aws:iam::000000000000:role/r")
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(b"plain text".to_vec()))
                .build(),
        )
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_invalid_parameter_value_exception(), "{err:?}");
    let err = s
        .lambda
        .get_policy()
        .function_name(FUNCTION)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");
    s.permit(&api).await;
    let policy = s
        .lambda
        .get_policy()
        .function_name(FUNCTION)
        .send()
        .await
        .unwrap();
    let policy: serde_json::Value = serde_json::from_str(policy.policy().unwrap()).unwrap();
    assert_eq!(
        policy["Statement"][0]["Principal"]["Service"],
        "apigateway.amazonaws.com"
    );
    let err = s
        .lambda
        .add_permission()
        .function_name(FUNCTION)
        .statement_id("AllowAPIGatewayInvoke")
        .action("lambda:InvokeFunction")
        .principal("apigateway.amazonaws.com")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_resource_conflict_exception(), "{err:?}");
    s.lambda
        .remove_permission()
        .function_name(FUNCTION)
        .statement_id("AllowAPIGatewayInvoke")
        .send()
        .await
        .unwrap();
    assert_eq!(s.get(&api, "/hello_world").await.status(), 500);

    // CloudWatch Logs.
    let err = s
        .logs
        .filter_log_events()
        .log_group_name("/aws/lambda/none")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");
    assert_eq!(
        err.message(),
        Some("The specified log group does not exist.")
    );
    s.logs
        .create_log_group()
        .log_group_name("/g")
        .send()
        .await
        .unwrap();
    let err = s
        .logs
        .create_log_group()
        .log_group_name("/g")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_resource_already_exists_exception(), "{err:?}");
    s.server.shutdown().await;
}

#[tokio::test]
async fn logs_streams_events_and_pagination_through_the_sdk() {
    let s = Stack::start(None).await;
    s.logs
        .create_log_group()
        .log_group_name("/app")
        .send()
        .await
        .unwrap();
    s.logs
        .put_retention_policy()
        .log_group_name("/app")
        .retention_in_days(7)
        .send()
        .await
        .unwrap();
    for stream in ["a", "b"] {
        s.logs
            .create_log_stream()
            .log_group_name("/app")
            .log_stream_name(stream)
            .send()
            .await
            .unwrap();
    }
    for (stream, base) in [("a", 1000), ("b", 1001)] {
        let events = (0..5).map(|i| {
            aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                .timestamp(base + i * 2)
                .message(format!("{stream} line {i}"))
                .build()
                .unwrap()
        });
        s.logs
            .put_log_events()
            .log_group_name("/app")
            .log_stream_name(stream)
            .set_log_events(Some(events.collect()))
            .send()
            .await
            .unwrap();
    }
    let groups = s
        .logs
        .describe_log_groups()
        .log_group_name_prefix("/ap")
        .send()
        .await
        .unwrap();
    let g = &groups.log_groups()[0];
    assert_eq!(g.log_group_name(), Some("/app"));
    assert_eq!(g.retention_in_days(), Some(7));
    assert_eq!(
        g.arn(),
        Some("arn:aws:logs:us-east-1:000000000000:log-group:/app:*")
    );

    let streams = s
        .logs
        .describe_log_streams()
        .log_group_name("/app")
        .order_by(aws_sdk_cloudwatchlogs::types::OrderBy::LastEventTime)
        .descending(true)
        .send()
        .await
        .unwrap();
    let names: Vec<_> = streams
        .log_streams()
        .iter()
        .map(|s| s.log_stream_name().unwrap())
        .collect();
    assert_eq!(names, ["b", "a"]);

    // Three events per page, interleaved across streams by time, until nextToken is absent.
    let mut seen = Vec::new();
    let mut ids = Vec::new();
    let mut token = None;
    loop {
        let page = s
            .logs
            .filter_log_events()
            .log_group_name("/app")
            .limit(3)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        for e in page.events() {
            seen.push(e.timestamp().unwrap());
            ids.push(e.event_id().unwrap().to_owned());
        }
        match page.next_token() {
            Some(t) => token = Some(t.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, (1000..1010).collect::<Vec<_>>());
    assert!(ids.iter().all(|i| i.len() == 56));

    let filtered = s
        .logs
        .filter_log_events()
        .log_group_name("/app")
        .filter_pattern("line -\"b line\" ?3 ?4")
        .send()
        .await
        .unwrap();
    let msgs: Vec<_> = filtered
        .events()
        .iter()
        .map(|e| e.message().unwrap())
        .collect();
    assert_eq!(msgs, ["a line 3", "a line 4"]);

    let head = s
        .logs
        .get_log_events()
        .log_group_name("/app")
        .log_stream_name("a")
        .start_from_head(true)
        .limit(4)
        .send()
        .await
        .unwrap();
    assert_eq!(head.events().len(), 4);
    let next = s
        .logs
        .get_log_events()
        .log_group_name("/app")
        .log_stream_name("a")
        .next_token(head.next_forward_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(next.events()[0].message(), Some("a line 4"));
    s.server.shutdown().await;
}

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
                .timestamp(1)
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
async fn redeploying_onto_a_stage_repoints_it_and_keeps_its_settings() {
    let s = Stack::start(None).await;
    let arn = s.create_function(FUNCTION, hello_world_zip()).await;
    let (api, _) = s.create_api(&arn).await;
    let first = s
        .apigw
        .create_deployment()
        .rest_api_id(&api)
        .stage_name(STAGE)
        .stage_description("the tutorial's stage")
        .variables("color", "blue")
        .send()
        .await
        .unwrap();
    let first = first.id().unwrap().to_owned();
    let created = s
        .apigw
        .get_stage()
        .rest_api_id(&api)
        .stage_name(STAGE)
        .send()
        .await
        .unwrap();
    assert_eq!(created.deployment_id(), Some(first.as_str()));
    assert_eq!(created.description(), Some("the tutorial's stage"));

    // A redeploy with neither variables nor a stage description only moves the stage.
    let second = s.deploy(&api).await;
    let stage = s
        .apigw
        .get_stage()
        .rest_api_id(&api)
        .stage_name(STAGE)
        .send()
        .await
        .unwrap();
    assert_eq!(stage.deployment_id(), Some(second.as_str()));
    assert_eq!(stage.description(), Some("the tutorial's stage"));
    assert_eq!(stage.variables().unwrap()["color"], "blue");
    assert_eq!(stage.created_date(), created.created_date());
    assert!(stage.last_updated_date() >= created.last_updated_date());

    // Given, they replace what was there.
    s.apigw
        .create_deployment()
        .rest_api_id(&api)
        .stage_name(STAGE)
        .stage_description("moved")
        .variables("size", "L")
        .send()
        .await
        .unwrap();
    let stage = s
        .apigw
        .get_stage()
        .rest_api_id(&api)
        .stage_name(STAGE)
        .send()
        .await
        .unwrap();
    assert_eq!(stage.description(), Some("moved"));
    let vars = stage.variables().unwrap();
    assert_eq!(vars.len(), 1, "{vars:?}");
    assert_eq!(vars["size"], "L");

    // GetDeployments lists all three, without apiSummary (that needs embed on GetDeployment).
    let list = s
        .apigw
        .get_deployments()
        .rest_api_id(&api)
        .send()
        .await
        .unwrap();
    assert_eq!(list.items().len(), 3);
    assert!(list.items().iter().all(|d| d.api_summary().is_none()));
    let plain = s
        .apigw
        .get_deployment()
        .rest_api_id(&api)
        .deployment_id(&first)
        .send()
        .await
        .unwrap();
    assert!(plain.api_summary().is_none());
    s.server.shutdown().await;
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

#[tokio::test]
async fn a_client_signing_for_another_region_sees_its_region_in_arns() {
    let server = LocalServer::start(LocalConfig::default()).await.unwrap();
    let config = aws_config::defaults(BehaviorVersion::latest())
        .http_client(lambdeck::aws::http_client())
        .region(Region::new("ap-northeast-1"))
        .endpoint_url(server.endpoint_url())
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .load()
        .await;
    let s = Stack {
        apigw: aws_sdk_apigateway::Client::new(&config),
        lambda: aws_sdk_lambda::Client::new(&config),
        logs: aws_sdk_cloudwatchlogs::Client::new(&config),
        http: reqwest::Client::new(),
        server,
    };
    let arn = s.create_function(FUNCTION, hello_world_zip()).await;
    assert_eq!(
        arn,
        format!("arn:aws:lambda:ap-northeast-1:000000000000:function:{FUNCTION}")
    );
    let api = s.apigw.create_rest_api().name("r").send().await.unwrap();
    let api_id = api.id().unwrap().to_owned();
    let root = api.root_resource_id().unwrap().to_owned();
    let rid = s.add_route(&api_id, &root, "hello_world", &arn).await;
    // add_route names us-east-1 in the URI; this API lives in ap-northeast-1.
    s.apigw
        .put_integration()
        .rest_api_id(&api_id)
        .resource_id(&rid)
        .http_method("GET")
        .r#type(IntegrationType::AwsProxy)
        .integration_http_method("POST")
        .uri(format!(
            "arn:aws:apigateway:ap-northeast-1:lambda:path/2015-03-31/functions/{arn}/invocations"
        ))
        .send()
        .await
        .unwrap();
    s.lambda
        .add_permission()
        .function_name(FUNCTION)
        .statement_id("apigw")
        .action("lambda:InvokeFunction")
        .principal("apigateway.amazonaws.com")
        .source_arn(format!(
            "arn:aws:execute-api:ap-northeast-1:000000000000:{api_id}/*/GET/hello_world"
        ))
        .send()
        .await
        .unwrap();
    s.deploy(&api_id).await;
    assert_greeting(s.get(&api_id, "/hello_world").await).await;
    s.server.shutdown().await;
}

/// A bash Lambda runtime that answers every invocation with its own process id, or with `$ANSWER` when
/// set; with `$HANG` set it takes an invocation, prints its process id and never answers.
const PID_RUNTIME: &str = r#"#!/bin/bash
shopt -s nocasematch
exec 3<>/dev/tcp/${AWS_LAMBDA_RUNTIME_API%:*}/${AWS_LAMBDA_RUNTIME_API#*:}
while true; do
  printf 'GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: rt\r\n\r\n' >&3
  id=; len=0
  while IFS= read -r line <&3; do
    line=${line%$'\r'}
    [ -z "$line" ] && break
    case "$line" in
      lambda-runtime-aws-request-id:*) id=${line#*: } ;;
      content-length:*) len=${line#*: } ;;
    esac
  done
  if [ "$len" -gt 0 ]; then IFS= read -r -N "$len" body <&3; fi
  if [ -n "$HANG" ]; then echo "pid $$"; exec sleep 600; fi
  if [ -n "$ANSWER" ]; then out=$ANSWER; else out="{\"pid\": $$}"; fi
  printf 'POST /2018-06-01/runtime/invocation/%s/response HTTP/1.1\r\nHost: rt\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' "$id" "${#out}" "$out" >&3
  len=0
  while IFS= read -r line <&3; do
    line=${line%$'\r'}
    [ -z "$line" ] && break
    case "$line" in content-length:*) len=${line#*: } ;; esac
  done
  if [ "$len" -gt 0 ]; then IFS= read -r -N "$len" rest <&3; fi
done
"#;

/// Whether a process runs (a zombie waiting to be reaped does not count).
fn process_runs(pid: u64) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let state = stat.rsplit_once(") ").map(|(_, rest)| rest.chars().next());
            !matches!(state, Some(Some('Z' | 'X')))
        }
        Err(_) => false,
    }
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

/// Sets the function's environment variables (a new revision, so the next request starts a new
/// environment) and its timeout.
async fn configure(s: &Stack, vars: &[(&str, &str)], timeout: i32) {
    let mut env = Environment::builder();
    for (k, v) in vars {
        env = env.variables(*k, *v);
    }
    s.lambda
        .update_function_configuration()
        .function_name(FUNCTION)
        .environment(env.build())
        .timeout(timeout)
        .send()
        .await
        .unwrap();
}

async fn assert_internal_error(response: reqwest::Response, status: u16) -> String {
    assert_eq!(response.status(), status);
    assert_eq!(
        response.headers()["x-amzn-ErrorType"],
        "InternalServerErrorException"
    );
    let lambda_id = response.headers()["x-lambdeck-lambda-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"message": "Internal server error"}"#
    );
    lambda_id
}

#[tokio::test]
async fn a_malformed_answer_is_a_502_and_a_timeout_kills_the_environment_and_fails_the_request() {
    let s = Stack::start(None).await;
    let arn = s.create_function(FUNCTION, script_zip(PID_RUNTIME)).await;
    let (api, _) = s.create_api(&arn).await;
    s.permit(&api).await;
    s.deploy(&api).await;

    // `{"pid": N}` is not a proxy response (an unknown key): API Gateway answers 502.
    assert_internal_error(s.get(&api, "/hello_world").await, 502).await;
    for malformed in [
        r#"{"statusCode":200,"body":"x","extra":1}"#,
        r#"{"statusCode":"abc"}"#,
        r#"{}"#,
        r#""just a string""#,
        r#"{"multiValueHeaders":{"a":"not-an-array"}}"#,
    ] {
        configure(&s, &[("ANSWER", malformed)], 3).await;
        assert_internal_error(s.get(&api, "/hello_world").await, 502).await;
    }
    // The same runtime with a well-formed answer: the 502s came from the answers' shape alone.
    configure(
        &s,
        &[(
            "ANSWER",
            r#"{"statusCode":"201","headers":{"x-ok":true},"body":"made"}"#,
        )],
        3,
    )
    .await;
    let response = s.get(&api, "/hello_world").await;
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["x-ok"], "true");
    assert_eq!(response.text().await.unwrap(), "made");

    // A function that outlives its 1 s timeout: 502, the "Task timed out" line, and its process killed.
    configure(&s, &[("HANG", "1")], 1).await;
    let lambda_id = assert_internal_error(s.get(&api, "/hello_world").await, 502).await;
    let lines = s.log_messages("").await;
    let timed_out = format!("{lambda_id} Task timed out after 1.00 seconds");
    assert!(lines.iter().any(|l| l.ends_with(&timed_out)), "{lines:#?}");
    let pids: Vec<u64> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("pid ")?.parse().ok())
        .collect();
    assert_eq!(pids.len(), 1, "{lines:#?}");
    assert!(!process_runs(pids[0]), "the timed-out process still runs");
    // The next request gets a new environment (and times out again: one more pid line).
    assert_internal_error(s.get(&api, "/hello_world").await, 502).await;
    let pids_after: Vec<u64> = s
        .log_messages("pid")
        .await
        .iter()
        .filter_map(|l| l.strip_prefix("pid ")?.parse().ok())
        .collect();
    assert_eq!(pids_after.len(), 2);
    assert_ne!(pids_after[0], pids_after[1]);
    s.server.shutdown().await;
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
