//! Benchmark of `lambdeck status --json`'s engine path (discovery, drift, JSON) against the embedded local
//! stack on loopback: wall time and the number of API calls, on the tutorial's stack and on a large API
//! (300 resources, 900 methods, 50 deployments; every GET behind one of 5 TOKEN authorizers, with one
//! of 20 request models, one of 2 request validators, a method response and an integration response). Run with `cargo bench --bench status`. Not a test: it
//! prints figures, it asserts nothing.

use std::fmt::Display;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use aws_sdk_apigateway::types::{AuthorizerType, Op, PatchOperation};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use lambdeck::aws::{Clients, apigateway};
use lambdeck::config::StackSpec;
use lambdeck::local::{LocalConfig, LocalServer};
use lambdeck::stack::{Drift, load_stack, provision};
use lambdeck_test_support::{hello_world_zip, sdk_config};

const RUNS: usize = 50;
const BINARY_RUNS: usize = 20;
const LARGE_RESOURCES: usize = 300;
const LARGE_DEPLOYMENTS: usize = 50;
const LARGE_AUTHORIZERS: usize = 5;
const LARGE_MODELS: usize = 20;

fn ok<T, E: Display>(r: Result<T, E>, what: &str) -> T {
    r.unwrap_or_else(|e| panic!("{what}: {e}"))
}

/// Counts every HTTP attempt any client sends.
#[derive(Debug, Clone)]
struct CallCounter(Arc<AtomicU64>);

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "CallCounter"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

/// The same clients `Clients::new` builds for the local stack, each with the counting interceptor.
async fn counted_clients(endpoint: &str, counter: &CallCounter) -> Clients {
    let sdk = sdk_config(endpoint, "us-east-1").await;
    Clients {
        credentials: sdk.credentials_provider(),
        apigateway: aws_sdk_apigateway::Client::from_conf(
            aws_sdk_apigateway::config::Builder::from(&sdk)
                .interceptor(counter.clone())
                .build(),
        ),
        lambda: aws_sdk_lambda::Client::from_conf(
            aws_sdk_lambda::config::Builder::from(&sdk)
                .interceptor(counter.clone())
                .build(),
        ),
        logs: aws_sdk_cloudwatchlogs::Client::from_conf(
            aws_sdk_cloudwatchlogs::config::Builder::from(&sdk)
                .interceptor(counter.clone())
                .build(),
        ),
        iam: aws_sdk_iam::Client::from_conf(
            aws_sdk_iam::config::Builder::from(&sdk)
                .interceptor(counter.clone())
                .build(),
        ),
        region: "us-east-1".into(),
        endpoint_url: Some(endpoint.to_owned()),
        endpoints: lambdeck::aws::Endpoints {
            apigateway: Some(endpoint.to_owned()),
            lambda: Some(endpoint.to_owned()),
            logs: Some(endpoint.to_owned()),
            iam: Some(endpoint.to_owned()),
        },
        local: true,
    }
}

fn main() {
    let runtime = ok(
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build(),
        "tokio runtime",
    );
    runtime.block_on(run());
}

struct Figures {
    median: Duration,
    p90: Duration,
    min: Duration,
    calls: u64,
    json_bytes: usize,
}

/// Runs the status engine path RUNS times after one warm-up: load, judge, drift, serialise.
async fn measure(clients: &Clients, counter: &CallCounter, spec: &StackSpec) -> Figures {
    let warm = ok(load_stack(clients, spec).await, "status");
    assert!(matches!(warm.drift, Drift::InSync), "{:?}", warm.drift);
    let mut times = Vec::with_capacity(RUNS);
    let mut calls = 0;
    let mut json_bytes = 0;
    for _ in 0..RUNS {
        let before = counter.0.load(Ordering::Relaxed);
        let start = Instant::now();
        let stack = ok(load_stack(clients, spec).await, "status");
        let json = ok(serde_json::to_string_pretty(&stack), "json");
        times.push(start.elapsed());
        calls = counter.0.load(Ordering::Relaxed) - before;
        json_bytes = json.len();
    }
    times.sort();
    Figures {
        median: times[RUNS / 2],
        p90: times[RUNS * 9 / 10],
        min: times[0],
        calls,
        json_bytes,
    }
}

fn report(name: &str, f: &Figures) {
    println!(
        "{name}: median {:.1} ms, p90 {:.1} ms, min {:.1} ms, {} API calls per status, {} bytes of JSON ({RUNS} runs)",
        f.median.as_secs_f64() * 1e3,
        f.p90.as_secs_f64() * 1e3,
        f.min.as_secs_f64() * 1e3,
        f.calls,
        f.json_bytes
    );
}

async fn run() {
    let zip = hello_world_zip();
    let spec = ok(StackSpec::parse("", "lambdeck.toml"), "spec");

    // The tutorial's stack, created by `up`.
    let server = ok(
        LocalServer::start(LocalConfig::default()).await,
        "local stack",
    );
    let counter = CallCounter(Arc::new(AtomicU64::new(0)));
    let clients = counted_clients(&server.endpoint_url(), &counter).await;
    let empty = ok(load_stack(&clients, &spec).await, "status");
    ok(
        provision::up(&clients, &spec, &empty, Some(zip.clone())).await,
        "up",
    );
    let tutorial = measure(&clients, &counter, &spec).await;
    report("tutorial stack", &tutorial);

    // The whole command as a user runs it: process start, clients, discovery, drift, JSON on stdout.
    let binary = measure_binary(&server.endpoint_url());
    report_binary("tutorial stack", &binary);

    // A large API: 300 resources with GET, POST and DELETE each (900 methods, all AWS_PROXY to the
    // function), deployed 50 times. The tutorial's /hello_world is one of the 300.
    let stack = ok(load_stack(&clients, &spec).await, "status");
    let api = stack.api.as_ref().unwrap_or_else(|| panic!("api"));
    let fn_arn = stack
        .function
        .as_ref()
        .map(|f| f.arn.clone())
        .unwrap_or_default();
    let uri = apigateway::lambda_invoke_uri("us-east-1", &fn_arn);
    let root = api.resource("/").map(|r| r.id.clone()).unwrap_or_default();
    let gw = &clients.apigateway;
    let setup = Instant::now();
    let hello = api
        .resource("/hello_world")
        .map(|r| r.id.clone())
        .unwrap_or_default();
    for verb in ["POST", "DELETE"] {
        ok(
            apigateway::put_method(gw, &api.id, &hello, verb, "NONE", false).await,
            "method",
        );
        ok(
            apigateway::put_proxy_integration(gw, &api.id, &hello, verb, &uri).await,
            "integration",
        );
    }
    let elements = Elements::create(gw, &api.id, &uri).await;
    elements.dress(gw, &api.id, &hello, 0).await;
    for i in 1..LARGE_RESOURCES {
        let rid = ok(
            apigateway::create_resource(gw, &api.id, &root, &format!("r{i:03}")).await,
            "resource",
        );
        for verb in ["GET", "POST", "DELETE"] {
            ok(
                apigateway::put_method(gw, &api.id, &rid, verb, "NONE", false).await,
                "method",
            );
            ok(
                apigateway::put_proxy_integration(gw, &api.id, &rid, verb, &uri).await,
                "integration",
            );
        }
        elements.dress(gw, &api.id, &rid, i).await;
    }
    // The tutorial's first deployment counts as one of the 50.
    for i in 1..LARGE_DEPLOYMENTS {
        ok(
            apigateway::create_deployment(gw, &api.id, "tf-test", &format!("bench {i}")).await,
            "deployment",
        );
    }
    println!("large API set up in {:.1} s", setup.elapsed().as_secs_f64());
    let large = measure(&clients, &counter, &spec).await;
    let check = ok(load_stack(&clients, &spec).await, "status");
    let api = check.api.as_ref().unwrap_or_else(|| panic!("api"));
    println!(
        "large API: {} resources besides the root, {} methods, {} deployments, {LARGE_AUTHORIZERS} authorizers, {} models, 2 request validators",
        api.resources.iter().filter(|r| r.path != "/").count(),
        api.routes().count(),
        api.deployments.len(),
        LARGE_MODELS + 2
    );
    report("large API", &large);
    report_binary("large API", &measure_binary(&server.endpoint_url()));
    println!(
        "target (tutorial stack, engine path, under 100 ms on loopback): {}",
        if tutorial.median < Duration::from_millis(100) {
            "met"
        } else {
            "NOT met"
        }
    );
    server.shutdown().await;
}

/// Runs `lambdeck --endpoint-url URL status --json` (the optimised binary `cargo bench` builds)
/// BINARY_RUNS times after one warm-up, timing each from spawn to exit.
fn measure_binary(endpoint: &str) -> Vec<Duration> {
    // The tutorial's lambdeck.toml (every default), in a directory of its own for the log file.
    let project = ok(tempfile::tempdir(), "project directory");
    ok(
        std::fs::write(project.path().join("lambdeck.toml"), ""),
        "lambdeck.toml",
    );
    let run = || {
        let start = Instant::now();
        let out = ok(
            Command::new(env!("CARGO_BIN_EXE_lambdeck"))
                .args(["--endpoint-url", endpoint, "status", "--json"])
                .current_dir(project.path())
                .env("AWS_ACCESS_KEY_ID", "bench")
                .env("AWS_SECRET_ACCESS_KEY", "bench")
                .env("AWS_REGION", "us-east-1")
                .env("AWS_EC2_METADATA_DISABLED", "true")
                .env_remove("AWS_PROFILE")
                .output(),
            "lambdeck status",
        );
        let elapsed = start.elapsed();
        assert_eq!(
            out.status.code(),
            Some(0),
            "status --json did not report in sync: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        elapsed
    };
    run();
    let mut times: Vec<Duration> = (0..BINARY_RUNS).map(|_| run()).collect();
    times.sort();
    times
}

fn report_binary(name: &str, times: &[Duration]) {
    println!(
        "{name}, whole `lambdeck status --json` process: median {:.1} ms, p90 {:.1} ms, min {:.1} ms ({} runs)",
        times[times.len() / 2].as_secs_f64() * 1e3,
        times[times.len() * 9 / 10].as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times.len()
    );
}

/// The API-level elements every GET of the large API uses.
struct Elements {
    authorizers: Vec<String>,
    validators: Vec<String>,
}

fn patch(op: Op, path: &str, value: Option<&str>) -> PatchOperation {
    PatchOperation::builder()
        .op(op)
        .path(path)
        .set_value(value.map(ToOwned::to_owned))
        .build()
}

impl Elements {
    async fn create(gw: &aws_sdk_apigateway::Client, api_id: &str, uri: &str) -> Self {
        let mut authorizers = Vec::new();
        for i in 0..LARGE_AUTHORIZERS {
            let a = ok(
                gw.create_authorizer()
                    .rest_api_id(api_id)
                    .name(format!("auth{i}"))
                    .r#type(AuthorizerType::Token)
                    .authorizer_uri(uri)
                    .identity_source("method.request.header.Authorization")
                    .send()
                    .await,
                "authorizer",
            );
            authorizers.push(a.id.unwrap_or_default());
        }
        for i in 0..LARGE_MODELS {
            ok(
                gw.create_model()
                    .rest_api_id(api_id)
                    .name(format!("Model{i}"))
                    .content_type("application/json")
                    .schema(format!(
                        r#"{{"type":"object","required":["id"],"properties":{{"id":{{"type":"integer"}},"name{i}":{{"type":"string"}}}}}}"#
                    ))
                    .send()
                    .await,
                "model",
            );
        }
        let mut validators = Vec::new();
        for (name, body) in [("params", false), ("all", true)] {
            let v = ok(
                gw.create_request_validator()
                    .rest_api_id(api_id)
                    .name(name)
                    .validate_request_parameters(true)
                    .validate_request_body(body)
                    .send()
                    .await,
                "validator",
            );
            validators.push(v.id.unwrap_or_default());
        }
        Self {
            authorizers,
            validators,
        }
    }

    /// Puts resource `rid`'s GET behind an authorizer, with a request model, a validator, a
    /// query parameter, a method response and an integration response.
    async fn dress(&self, gw: &aws_sdk_apigateway::Client, api_id: &str, rid: &str, i: usize) {
        let authorizer = &self.authorizers[i % self.authorizers.len()];
        let validator = &self.validators[i % self.validators.len()];
        let model = format!("Model{}", i % LARGE_MODELS);
        ok(
            gw.update_method()
                .rest_api_id(api_id)
                .resource_id(rid)
                .http_method("GET")
                .patch_operations(patch(Op::Replace, "/authorizationType", Some("CUSTOM")))
                .patch_operations(patch(Op::Replace, "/authorizerId", Some(authorizer)))
                .patch_operations(patch(Op::Replace, "/requestValidatorId", Some(validator)))
                .patch_operations(patch(
                    Op::Add,
                    "/requestModels/application~1json",
                    Some(&model),
                ))
                .patch_operations(patch(
                    Op::Add,
                    "/requestParameters/method.request.querystring.page",
                    Some("false"),
                ))
                .send()
                .await,
            "method",
        );
        ok(
            gw.put_method_response()
                .rest_api_id(api_id)
                .resource_id(rid)
                .http_method("GET")
                .status_code("200")
                .response_parameters("method.response.header.X-Trace", false)
                .send()
                .await,
            "method response",
        );
        ok(
            gw.put_integration_response()
                .rest_api_id(api_id)
                .resource_id(rid)
                .http_method("GET")
                .status_code("200")
                .response_parameters("method.response.header.X-Trace", "'bench'")
                .send()
                .await,
            "integration response",
        );
    }
}
