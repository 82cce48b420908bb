//! The embedded local stack driven only through the real aws-sdk-rust clients and reqwest: the
//! tutorial's stack end to end with the real hello-world function, the stale-deployment behaviour,
//! AWS's error wire formats, persistence, and the state directory's lock; and the execution engine
//! alone. One file per topic; the harness they share is here.

mod aws_cli;
mod awslambdaric;
mod deployments;
mod documentation;
mod exec;
mod function_settings;
mod function_urls;
mod http_integrations;
mod import;
mod invoke;
mod lambda_errors;
mod logs;
mod mapping_templates;
mod metering;
mod persistence;
mod regions;
mod rest_api_elements;
mod rest_api_operations;
mod runtimes;
mod stage_access;
mod stage_errors;
mod store_crash;
mod test_invoke;
mod update_window;
mod versions;
mod wire_errors;
mod wire_fidelity;

use std::path::Path;

use lambdeck::local::{LocalConfig, LocalServer};
use lambdeck_test_support::{Tutorial, sdk_config};

const FUNCTION: &str = Tutorial::FUNCTION;
const STAGE: &str = Tutorial::STAGE;

/// A local stack and an API Gateway client pointed at it.
async fn gateway() -> (LocalServer, aws_sdk_apigateway::Client) {
    let server = LocalServer::start(LocalConfig::default())
        .await
        .expect("the local stack starts");
    let config = sdk_config(&server.endpoint_url(), "us-east-1").await;
    (server, aws_sdk_apigateway::Client::new(&config))
}

/// [`gateway`] with a new REST API named `name`: the server, the client, the API's id and its root
/// resource's id.
async fn gateway_with_api(name: &str) -> (LocalServer, aws_sdk_apigateway::Client, String, String) {
    let (server, gw) = gateway().await;
    let api = gw.create_rest_api().name(name).send().await.unwrap();
    (server, gw, api.id.unwrap(), api.root_resource_id.unwrap())
}

/// (error code, message) of a refused call.
fn refusal<E: aws_sdk_apigateway::error::ProvideErrorMetadata>(e: E) -> (String, String) {
    (
        e.code().unwrap_or_default().to_owned(),
        e.message().unwrap_or_default().to_owned(),
    )
}

/// `config` without Lambda's create/update window.
fn settled_at_once(config: LocalConfig) -> LocalConfig {
    LocalConfig {
        update_window: std::time::Duration::ZERO,
        ..config
    }
}

/// A local stack, the three SDK clients pointed at it, and the tutorial's stack built through them.
struct Stack {
    server: LocalServer,
    apigw: aws_sdk_apigateway::Client,
    lambda: aws_sdk_lambda::Client,
    logs: aws_sdk_cloudwatchlogs::Client,
    http: reqwest::Client,
    tutorial: Tutorial,
}

async fn clients_for(
    url: &str,
) -> (
    aws_sdk_apigateway::Client,
    aws_sdk_lambda::Client,
    aws_sdk_cloudwatchlogs::Client,
) {
    let config = sdk_config(url, "us-east-1").await;
    (
        aws_sdk_apigateway::Client::new(&config),
        aws_sdk_lambda::Client::new(&config),
        aws_sdk_cloudwatchlogs::Client::new(&config),
    )
}

impl Stack {
    /// A local stack whose creates and updates settle at once: these tests call Lambda back to back
    /// about other things (`update_window.rs` and the engine's tests keep the window).
    async fn start(state_dir: Option<&Path>) -> Stack {
        let server = LocalServer::start(settled_at_once(LocalConfig {
            state_dir: state_dir.map(Path::to_path_buf),
            ..LocalConfig::default()
        }))
        .await
        .expect("the local stack starts");
        Self::with_server(server, "us-east-1").await
    }

    /// Clients signing for `region`.
    async fn with_server(server: LocalServer, region: &str) -> Stack {
        let config = sdk_config(&server.endpoint_url(), region).await;
        Stack {
            server,
            apigw: aws_sdk_apigateway::Client::new(&config),
            lambda: aws_sdk_lambda::Client::new(&config),
            logs: aws_sdk_cloudwatchlogs::Client::new(&config),
            http: reqwest::Client::new(),
            tutorial: Tutorial::new(&config),
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
        self.tutorial.create_function(name, zip).await
    }

    /// The tutorial's REST API: GET /hello_world as an AWS_PROXY integration of the function, not deployed.
    async fn create_api(&self, function_arn: &str) -> (String, String) {
        let (api_id, hello, integration) = self.tutorial.create_api(function_arn).await;
        assert_integration_defaults(&integration, &hello);
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
        let (rid, integration) = self
            .tutorial
            .add_route(api_id, parent, part, function_arn)
            .await;
        assert_integration_defaults(&integration, &rid);
        rid
    }

    async fn permit(&self, api_id: &str) {
        self.tutorial.permit(api_id).await;
    }

    async fn deploy(&self, api_id: &str) -> String {
        self.tutorial.deploy(api_id).await
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

/// What PutIntegration answers for fields the request left out, as API Gateway does.
fn assert_integration_defaults(
    integration: &aws_sdk_apigateway::operation::put_integration::PutIntegrationOutput,
    resource_id: &str,
) {
    assert_eq!(integration.passthrough_behavior(), Some("WHEN_NO_MATCH"));
    assert_eq!(integration.timeout_in_millis(), 29000);
    assert_eq!(integration.cache_namespace(), Some(resource_id));
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
/// set, or with the event itself when `$ECHO` is set; with `$HANG` set it takes an invocation, prints
/// its process id and never answers.
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
  if [ -n "$ECHO" ]; then out=$body; fi
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

/// Starts the real `lambdeck local` binary on a free port with `args` added; returns it and the URL
/// it prints. Its output is read (and dropped) on a thread so it never blocks on a full pipe.
pub fn spawn_local<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> (std::process::Child, String) {
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_lambdeck"))
        .args(["local", "--port", "0"])
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("lambdeck local starts");
    let stdout = child.stdout.take().expect("its stdout");
    let mut lines = BufReader::new(stdout).lines();
    let url = loop {
        let line = lines
            .next()
            .expect("lambdeck local prints its address")
            .expect("a line");
        if let Some(rest) = line.split("listening on ").nth(1) {
            break rest.split_whitespace().next().expect("a URL").to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    (child, url)
}
