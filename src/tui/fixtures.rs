//! Test fixtures: the tutorial's stack as the dashboard shows it, in sync and stale, with pings and logs.

use std::time::{Duration, Instant};

use super::app::App;
use super::tree;
use crate::ping::Probe;
use crate::stack::{
    Change, DeployedApi, DeployedRoute, Deployment, Drift, Element, Found, FunctionInfo, Health,
    Integration, IntegrationTarget, LogGroupInfo, Method, PermissionInfo, Resource, RestApiInfo,
    RoleInfo, RouteKey, Stack, StackNames, Stage,
};
use crate::tail::{LineKind, LogEvent, ReportMetrics};

const URL: &str = "http://127.0.0.1:4566/restapis/abc123/tf-test/_user_request_";

/// The tutorial's stack, everything present, with the given drift.
pub fn stack(drift: Drift) -> Stack {
    let fn_arn = "arn:aws:lambda:us-east-1:000000000000:function:tf-test-rust-hello-world";
    let uri = format!(
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{fn_arn}/invocations"
    );
    let method = Method {
        http_method: "GET".into(),
        authorization_type: "NONE".into(),
        authorizer_id: None,
        api_key_required: false,
        integration: Some(Integration {
            kind: "AWS_PROXY".into(),
            http_method: Some("POST".into()),
            uri: Some(uri.clone()),
            credentials: None,
            target: IntegrationTarget::ThisFunction,
            health: Health::Ok,
        }),
        health: Health::Ok,
        notes: vec![],
    };
    Stack {
        region: "us-east-1".into(),
        endpoint_url: Some("http://127.0.0.1:4566".into()),
        names: StackNames {
            function: "tf-test-rust-hello-world".into(),
            log_group: "/aws/lambda/tf-test-rust-hello-world".into(),
            role: "tf-test-lambda-role".into(),
            api: "tf-test-to-lambda-rust-api".into(),
            stage: "tf-test".into(),
        },
        function: Found::Present(FunctionInfo {
            name: "tf-test-rust-hello-world".into(),
            arn: fn_arn.into(),
            runtime: Some("provided.al2023".into()),
            handler: Some("bootstrap".into()),
            architecture: Some("x86_64".into()),
            memory_mb: Some(128),
            timeout_s: Some(3),
            state: Some("Active".into()),
            state_reason: None,
            last_update_status: Some("Successful".into()),
            last_update_reason: None,
            code_sha256: Some("AbCdEf0123456789=".into()),
            code_size: 748_544,
            last_modified: Some("2026-11-24T15:00:00.000+0000".into()),
            role_arn: Some("arn:aws:iam::000000000000:role/tf-test-lambda-role".into()),
            managed: true,
            health: Health::Ok,
            notes: vec![],
        }),
        log_group: Found::Present(LogGroupInfo {
            name: "/aws/lambda/tf-test-rust-hello-world".into(),
            arn: None,
            retention_days: Some(14),
            stored_bytes: Some(2048),
            created_ms: None,
            latest_streams: vec![],
            managed: true,
            health: Health::Ok,
            notes: vec![],
        }),
        role: Found::Present(RoleInfo {
            name: "tf-test-lambda-role".into(),
            arn: "arn:aws:iam::000000000000:role/tf-test-lambda-role".into(),
            verified: false,
            trusts_lambda: None,
            managed: true,
            health: Health::Ok,
            notes: vec![],
        }),
        permission: Found::Present(PermissionInfo {
            statements: vec![],
            allows_api: true,
            health: Health::Ok,
            notes: vec![],
        }),
        api: Found::Present(RestApiInfo {
            id: "abc123".into(),
            name: "tf-test-to-lambda-rust-api".into(),
            description: Some("REST API for lambda rust test".into()),
            created: Some(1_795_000_000),
            root_resource_id: Some("r0".into()),
            settings: Default::default(),
            endpoint_types: vec![],
            resources: vec![Resource {
                id: "r1".into(),
                parent_id: Some("r0".into()),
                path: "/hello_world".into(),
                path_part: Some("hello_world".into()),
                methods: vec![method],
            }],
            deployments: vec![
                Deployment {
                    id: "d2".into(),
                    created: Some(1_795_003_600),
                    description: Some("lambdeck: +GET /hello_world".into()),
                    stages: vec!["tf-test".into()],
                },
                Deployment {
                    id: "d1".into(),
                    created: Some(1_795_000_000),
                    description: Some("first deployment".into()),
                    stages: vec![],
                },
            ],
            stages: vec![Stage {
                name: "tf-test".into(),
                deployment_id: Some("d2".into()),
                canary_deployment_id: None,
                canary_percent: None,
                invoke_url: URL.into(),
                description: None,
                documentation_version: None,
                created: Some(1_795_000_000),
                last_updated: Some(1_795_003_600),
                drift: Some(drift.clone()),
                not_comparable: vec![],
                served: None,
                health: Health::Ok,
                notes: vec![],
            }],
            deployed: Some(DeployedApi {
                deployment_id: "d2".into(),
                routes: vec![DeployedRoute {
                    key: RouteKey::new("GET", "/hello_world"),
                    authorization_type: "NONE".into(),
                    api_key_required: false,
                    integration_type: Some("AWS_PROXY".into()),
                    integration_uri: Some(uri),
                }],
                integrations_unread: None,
                not_comparable: vec![],
            }),
            managed: true,
            health: Health::Ok,
            notes: vec![],
        }),
        drift,
        terraform: None,
    }
}

pub fn stale_drift() -> Drift {
    Drift::Stale {
        changes: vec![
            Change::added(Element::Route(RouteKey::new("GET", "/goodbye"))),
            Change::modified(
                Element::Route(RouteKey::new("GET", "/hello_world")),
                "authorizationType",
                Some("NONE".into()),
                Some("AWS_IAM".into()),
            ),
        ],
    }
}

/// The tutorial's stack with a second stage, prod, on the older deployment d1: tf-test serves GET
/// /hello_world and GET /goodbye, prod only GET /hello_world (so prod is one route behind).
pub fn two_stages() -> Stack {
    use crate::model::definition::{ApiDefinition, MethodDefinition};
    let method = || MethodDefinition {
        authorization_type: "NONE".into(),
        ..MethodDefinition::default()
    };
    let mut newer = ApiDefinition::default();
    newer
        .routes
        .insert(RouteKey::new("GET", "/hello_world"), method());
    let older = newer.clone();
    newer
        .routes
        .insert(RouteKey::new("GET", "/goodbye"), method());
    let mut s = stack(Drift::InSync);
    if let Some(api) = s.api.as_mut() {
        api.stages[0].served = Some(Ok(newer));
        let mut prod = api.stages[0].clone();
        prod.name = "prod".into();
        prod.deployment_id = Some("d1".into());
        prod.invoke_url = prod.invoke_url.replace("tf-test", "prod");
        prod.served = Some(Ok(older));
        prod.drift = Some(Drift::Stale {
            changes: vec![Change::added(Element::Route(RouteKey::new(
                "GET", "/goodbye",
            )))],
        });
        api.stages.insert(0, prod);
        api.deployments[1].stages = vec!["prod".into()];
    }
    s
}

pub const T0: i64 = 1_795_000_000_000;

/// A probe as the pinger reports it; `i` is its sequence number and second.
pub fn probe(i: i64, status: Option<u16>, latency: Option<f64>, request_id: &str) -> Box<Probe> {
    Box::new(Probe {
        seq: i as u64,
        round: 1,
        method: "GET".into(),
        route: "/hello_world".into(),
        url: format!("{URL}/hello_world"),
        sent_at: T0 + i * 1000,
        status,
        latency_ms: latency,
        bytes: 20,
        apigw_request_id: Some(format!("apigw-{request_id}")),
        lambda_request_id: Some(request_id.into()),
        deployment_id: None,
        error: (status.is_none()).then(|| "connection refused".into()),
        body: if status == Some(200) {
            "\"Hello from Lambda!\"".into()
        } else {
            String::new()
        },
    })
}

/// A plain log line at `timestamp`.
pub fn event(timestamp: i64, message: &str) -> LogEvent {
    LogEvent {
        event_id: None,
        stream: "2026/11/24/[$LATEST]abc".into(),
        timestamp,
        ingestion_time: timestamp,
        message: message.into(),
        request_id: None,
        apigw_request_id: None,
        kind: LineKind::Plain,
    }
}

/// One invocation's lines as the tail delivers them: START, the function's line, END, REPORT.
pub fn invocation(i: i64, request_id: &str) -> Vec<LogEvent> {
    let ts = T0 + i * 1000;
    let line = |dt: i64, message: String, kind: LineKind| LogEvent {
        request_id: Some(request_id.into()),
        apigw_request_id: message
            .contains("apigw-request-id=")
            .then(|| format!("apigw-{request_id}")),
        kind,
        ..event(ts + dt, &message)
    };
    vec![
        line(
            1,
            format!("START RequestId: {request_id} Version: $LATEST"),
            LineKind::Start {
                version: Some("$LATEST".into()),
            },
        ),
        line(
            2,
            format!("GET /hello_world apigw-request-id=apigw-{request_id}"),
            LineKind::Plain,
        ),
        line(3, format!("END RequestId: {request_id}"), LineKind::End),
        line(
            4,
            format!(
                "REPORT RequestId: {request_id}\tDuration: 1.52 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 18 MB\t"
            ),
            LineKind::Report(ReportMetrics {
                duration_ms: 1.52,
                billed_duration_ms: 2,
                memory_size_mb: 128,
                max_memory_used_mb: 18,
                init_duration_ms: None,
            }),
        ),
    ]
}

/// An app at a fixed instant, with the stack loaded.
pub fn loaded(drift: Drift) -> App {
    let now = Instant::now();
    let mut app = App::new("tf-test-rust-hello-world · local", now);
    let s = stack(drift);
    app.nodes = tree::nodes(&s);
    app.stack = Some(s);
    app
}

/// The app some time later (spinners and elapsed times depend on it).
pub fn later(app: &mut App, ms: u64) {
    app.now += Duration::from_millis(ms);
}

/// What TestInvokeMethod answers for GET /hello_world.
pub fn tested() -> crate::tui::msg::Answer {
    crate::tui::msg::Answer::Tested(Box::new(crate::model::TestInvocation {
        route: RouteKey::new("GET", "/hello_world"),
        status: 200,
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: "\"Hello from Lambda!\"".into(),
        log: vec![
            "Execution log for request test-request".into(),
            "Thu Nov 26 19:00:00 UTC 2026 : Starting execution for request: test-request".into(),
            "Thu Nov 26 19:00:00 UTC 2026 : Method completed with status: 200".into(),
        ],
        latency_ms: 12,
    }))
}

/// What the stage answers for `method /hello_world`, naming Lambda request `lambda_request_id`.
pub fn sent(method: &str, lambda_request_id: &str) -> crate::tui::msg::Answer {
    let mut request = crate::model::HttpRequest::new(method, "/hello_world");
    request.body = Some("{}".into());
    crate::tui::msg::Answer::Sent(Box::new(crate::request::StageResponse {
        request,
        url: format!("{URL}/hello_world"),
        sent_at: T0,
        status: 200,
        headers: vec![
            ("content-type".into(), "application/json".into()),
            (
                "x-amzn-requestid".into(),
                format!("apigw-{lambda_request_id}"),
            ),
        ],
        body: "\"Hello from Lambda!\"".into(),
        latency_ms: 14.2,
        apigw_request_id: Some(format!("apigw-{lambda_request_id}")),
        lambda_request_id: Some(lambda_request_id.into()),
    }))
}
