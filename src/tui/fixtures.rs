//! Test fixtures: the tutorial's stack as the dashboard shows it, in sync and stale, with pings and logs.

use std::time::{Duration, Instant};

use super::app::App;
use super::view::{
    DeploymentRow, DiffKind, DiffLine, DriftState, Health, LogLine, ProbeRow, Snapshot, TreeNode,
};

fn node(key: &str, depth: u16, label: &str, badge: &str, health: Health) -> TreeNode {
    TreeNode {
        key: key.into(),
        depth,
        label: label.into(),
        badge: badge.into(),
        health,
        details: vec![],
        is_stage: false,
    }
}

pub fn snapshot(drift: DriftState) -> Snapshot {
    let stale = matches!(drift, DriftState::Stale(_));
    let mut function = node("fn", 0, "λ tf-test-rust-hello-world", "Active", Health::Ok);
    function.details = vec![
        ("runtime".into(), "provided.al2023 (x86_64)".into()),
        ("memory".into(), "128 MB, timeout 3 s".into()),
        ("code".into(), "AbCdEf0123456789= (731 KB)".into()),
    ];
    let mut stage = node(
        "stage/tf-test",
        1,
        "stage tf-test",
        if stale { "STALE: 2 changes" } else { "in sync" },
        if stale { Health::Warning } else { Health::Ok },
    );
    stage.is_stage = true;
    stage.details = vec![
        ("deployment".into(), "d2 (2026-11-24 15:00)".into()),
        (
            "url".into(),
            "http://127.0.0.1:4566/restapis/abc123/tf-test/_user_request_".into(),
        ),
    ];
    let nodes = vec![
        function,
        node(
            "fn/logs",
            1,
            "log group /aws/lambda/tf-test-rust-hello-world",
            "",
            Health::Ok,
        ),
        node("fn/role", 1, "role tf-test-lambda-role", "", Health::Ok),
        node(
            "fn/permission",
            1,
            "permission apigateway invoke",
            "",
            Health::Ok,
        ),
        node(
            "api",
            0,
            "REST API tf-test-to-lambda-rust-api",
            "",
            Health::Ok,
        ),
        node("api/res//hello_world", 1, "/hello_world", "", Health::Ok),
        node("api/res//hello_world/GET", 2, "GET", "NONE", Health::Ok),
        node(
            "api/res//hello_world/GET/int",
            3,
            "AWS_PROXY → tf-test-rust-hello-world",
            "",
            Health::Ok,
        ),
        stage,
        node("deployments", 1, "deployments (2)", "", Health::Neutral),
        node("deployments/d2", 2, "d2 current", "", Health::Neutral),
        node("deployments/d1", 2, "d1", "", Health::Neutral),
    ];
    Snapshot {
        nodes,
        drift,
        deployments: vec![
            DeploymentRow {
                id: "d2".into(),
                created: "2026-11-24 15:00".into(),
                description: "lambdeck: 1 route".into(),
                current: true,
            },
            DeploymentRow {
                id: "d1".into(),
                created: "2026-11-24 14:00".into(),
                description: "first deployment".into(),
                current: false,
            },
        ],
        invoke_url: Some("http://127.0.0.1:4566/restapis/abc123/tf-test/_user_request_".into()),
    }
}

pub fn stale_drift() -> DriftState {
    DriftState::Stale(vec![
        DiffLine {
            kind: DiffKind::Added,
            text: "GET /goodbye (route added)".into(),
        },
        DiffLine {
            kind: DiffKind::Changed,
            text: "GET /hello_world: integration URI changed".into(),
        },
    ])
}

pub const T0: i64 = 1_795_000_000_000;

pub fn probe(i: i64, status: Option<u16>, latency: Option<f64>, request_id: &str) -> ProbeRow {
    ProbeRow {
        timestamp: T0 + i * 1000,
        route: "/hello_world".into(),
        status,
        latency_ms: latency,
        summary: if status == Some(200) {
            "\"Hello from Lambda!\"".into()
        } else {
            "connection refused".into()
        },
        request_id: Some(request_id.into()),
    }
}

pub fn invocation(i: i64, request_id: &str) -> Vec<LogLine> {
    let ts = T0 + i * 1000;
    let line = |dt: i64, message: String, report: Option<String>| LogLine {
        timestamp: ts + dt,
        request_id: Some(request_id.into()),
        message,
        report,
    };
    vec![
        line(
            1,
            format!("START RequestId: {request_id} Version: $LATEST"),
            None,
        ),
        line(2, "hello-world: GET /hello_world".into(), None),
        line(3, format!("END RequestId: {request_id}"), None),
        line(
            4,
            format!(
                "REPORT RequestId: {request_id} Duration: 1.52 ms Billed Duration: 2 ms Memory Size: 128 MB Max Memory Used: 18 MB"
            ),
            Some("1.52 ms, 18 MB".into()),
        ),
    ]
}

/// An app at a fixed instant, with the stack loaded.
pub fn loaded(drift: DriftState) -> App {
    let now = Instant::now();
    let mut app = App::new("tf-test-rust-hello-world · local", now);
    app.snapshot = Some(snapshot(drift));
    app
}

/// The app some time later (spinners and elapsed times depend on it).
pub fn later(app: &mut App, ms: u64) {
    app.now += Duration::from_millis(ms);
}
