//! The embedded local stack driven only through the real aws-sdk-rust clients and reqwest: the
//! tutorial's stack end to end with the real hello-world function, the stale-deployment behaviour,
//! AWS's error wire formats, persistence, and the state directory's lock; and the execution engine
//! alone. One file per topic; the harness they share is here.

mod deployments;
mod exec;
mod invoke;
mod logs;
mod persistence;
mod stage_errors;
mod wire_errors;

use std::path::Path;

use aws_config::{BehaviorVersion, Region};
use aws_sdk_apigateway::types::IntegrationType;
use aws_sdk_lambda::config::Credentials;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, Runtime};
use lambdeck::local::{self, LocalConfig, LocalServer};

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
            local::stage_url(&self.server.endpoint_url(), api, STAGE)
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
