//! Benchmark of the embedded local stack's hot path: warm invocations of the real hello-world
//! function, requests/s and p50/p99 at concurrency 1 and 16, and the cold start of a new environment.
//! Run with `cargo bench --bench local_stack`. Not a test: it prints figures, it asserts nothing.

use std::collections::BTreeMap;
use std::io::{Cursor, Write};
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use lambdeck::local::exec::{Executor, FunctionCode, LogSink, Outcome};

const WARM_REQUESTS: usize = 4000;
const COLD_STARTS: usize = 20;

/// Counts events instead of storing them: the benchmark measures the executor, not a log store.
struct CountingSink(std::sync::atomic::AtomicU64);

impl LogSink for CountingSink {
    fn put(&self, _group: &str, _stream: &str, events: Vec<(i64, String)>) {
        self.0
            .fetch_add(events.len() as u64, std::sync::atomic::Ordering::Relaxed);
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("tokio runtime: {e}"));
    runtime.block_on(run());
}

async fn run() {
    let zip = hello_world_zip();
    println!(
        "hello-world package: {} bytes zipped (profile lambda)",
        zip.len()
    );
    executor_only(zip).await;
}

/// The execution engine alone: Executor::invoke with an API Gateway proxy event.
async fn executor_only(zip: Vec<u8>) {
    let sink = Arc::new(CountingSink(Default::default()));
    let executor = Arc::new(Executor::new(sink));
    let mut f = FunctionCode {
        name: "tf-test-rust-hello-world".into(),
        arn: "arn:aws:lambda:us-east-1:000000000000:function:tf-test-rust-hello-world".into(),
        revision: "r0".into(),
        zip: Arc::new(zip),
        handler: "bootstrap".into(),
        memory_mb: 128,
        timeout_secs: 10,
        environment: BTreeMap::new(),
        region: "us-east-1".into(),
    };
    let event = proxy_event();

    // Cold starts: each revision retires the previous environment and starts a new one.
    let mut cold = Vec::new();
    let mut init = Vec::new();
    for i in 0..COLD_STARTS {
        f.revision = format!("cold-{i}");
        let t = Instant::now();
        let inv = executor.invoke(&f, event.clone()).await;
        cold.push(t.elapsed());
        expect_ok(&inv.outcome);
        if let Some(ms) = inv
            .log_tail
            .split("Init Duration: ")
            .nth(1)
            .and_then(|r| r.split(" ms").next())
            .and_then(|v| v.parse::<f64>().ok())
        {
            init.push(Duration::from_secs_f64(ms / 1000.0));
        }
    }
    report(
        "executor cold start (unzip + spawn + init + first invoke)",
        &mut cold,
        None,
    );
    report(
        "executor cold start, Init Duration reported",
        &mut init,
        None,
    );

    for concurrency in [1usize, 16] {
        // Warm up as many environments as the concurrency will use.
        let f = Arc::new(f.clone());
        let run = |n: usize| {
            let executor = executor.clone();
            let f = f.clone();
            let event = event.clone();
            async move {
                let mut lat = Vec::with_capacity(n);
                for _ in 0..n {
                    let t = Instant::now();
                    let inv = executor.invoke(&f, event.clone()).await;
                    lat.push(t.elapsed());
                    expect_ok(&inv.outcome);
                }
                lat
            }
        };
        let warmup: Vec<_> = (0..concurrency).map(|_| tokio::spawn(run(50))).collect();
        for w in warmup {
            let _ = w.await;
        }
        let per_task = WARM_REQUESTS / concurrency;
        let t = Instant::now();
        let tasks: Vec<_> = (0..concurrency)
            .map(|_| tokio::spawn(run(per_task)))
            .collect();
        let mut all = Vec::new();
        for task in tasks {
            all.extend(task.await.unwrap_or_default());
        }
        let wall = t.elapsed();
        report(
            &format!("executor warm invoke, concurrency {concurrency}"),
            &mut all,
            Some(wall),
        );
    }
    executor.shutdown().await;
}

fn expect_ok(outcome: &Outcome) {
    if !matches!(outcome, Outcome::Response(_)) {
        panic!("invocation failed: {outcome:?}");
    }
}

fn report(what: &str, samples: &mut [Duration], wall: Option<Duration>) {
    samples.sort();
    let pick = |q: f64| {
        let i = ((samples.len() as f64 - 1.0) * q).round() as usize;
        samples[i].as_secs_f64() * 1000.0
    };
    let rate = wall
        .map(|w| format!(", {:.0} req/s", samples.len() as f64 / w.as_secs_f64()))
        .unwrap_or_default();
    println!(
        "{what}: n={}, p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms{rate}",
        samples.len(),
        pick(0.50),
        pick(0.99),
        pick(1.0)
    );
}

fn proxy_event() -> Bytes {
    Bytes::from(
        serde_json::json!({
            "resource": "/hello_world", "path": "/hello_world", "httpMethod": "GET",
            "headers": {"Accept": "*/*"}, "multiValueHeaders": {"Accept": ["*/*"]},
            "queryStringParameters": null, "multiValueQueryStringParameters": null,
            "pathParameters": null, "stageVariables": null,
            "requestContext": {
                "resourceId": "x1y2z3", "resourcePath": "/hello_world", "httpMethod": "GET",
                "requestTime": "24/Nov/2026:10:00:00 +0000", "path": "/tf-test/hello_world",
                "accountId": "000000000000", "protocol": "HTTP/1.1", "stage": "tf-test",
                "domainPrefix": "abc123defg", "requestTimeEpoch": 1795514400000i64,
                "requestId": "bench", "identity": {"sourceIp": "127.0.0.1", "userAgent": "bench"},
                "domainName": "abc123defg.execute-api.localhost", "apiId": "abc123defg"
            },
            "body": null, "isBase64Encoded": false
        })
        .to_string(),
    )
}

/// The hello-world function built as it is deployed (`--profile lambda`) and zipped as `bootstrap`.
fn hello_world_zip() -> Vec<u8> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args([
            "build",
            "--quiet",
            "--profile",
            "lambda",
            "-p",
            "hello-world",
            "--bin",
            "bootstrap",
        ])
        .current_dir(&root)
        .status()
        .unwrap_or_else(|e| panic!("cargo: {e}"));
    assert!(status.success(), "cargo build -p hello-world failed");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let binary = std::fs::read(target.join("lambda").join("bootstrap"))
        .unwrap_or_else(|e| panic!("bootstrap: {e}"));
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o755);
    w.start_file("bootstrap", opts)
        .unwrap_or_else(|e| panic!("zip: {e}"));
    w.write_all(&binary).unwrap_or_else(|e| panic!("zip: {e}"));
    w.finish()
        .unwrap_or_else(|e| panic!("zip: {e}"))
        .into_inner()
}
