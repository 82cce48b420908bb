//! Benchmark of the embedded local stack's hot path: warm stage-URL round trips through the whole path
//! (HTTP server, router, deployment snapshot lookup, permission check, proxy event, Runtime API, the real
//! hello-world function, response validation), requests/s and p50/p99 at concurrency 1 and 16, and the
//! cold start of a new environment; then the execution engine alone, for the breakdown.
//! Run with `cargo bench --bench local_stack`. Not a test: it prints figures (and stops on a wrong answer).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_lambda::types::Environment;
use bytes::Bytes;
use lambdeck::local::exec::{self, Executor, LogSink, Outcome};
use lambdeck::local::{LocalConfig, LocalServer};
use lambdeck_test_support::{Tutorial, hello_world_lambda_zip, load_average, sdk_config};

const WARM_REQUESTS: usize = 4000;
const COLD_STARTS: usize = 20;

/// Counts events instead of storing them: the benchmark measures the executor, not a log store.
struct CountingSink(std::sync::atomic::AtomicU64);

impl LogSink for CountingSink {
    fn put(&self, _region: &str, _group: &str, _stream: &str, events: Vec<(i64, String)>) {
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
    let zip = hello_world_lambda_zip();
    println!(
        "hello-world package: {} bytes zipped (profile release-lambda)",
        zip.len()
    );
    let load_before = load_average();
    let warm_p50 = whole_path(zip.clone()).await;
    executor_only(zip).await;
    print_table(load_before, warm_p50);
}

const FUNCTION: &str = Tutorial::FUNCTION;

/// The tutorial's stack created through the SDK on an in-process local stack, then stage-URL requests.
/// Returns the warm p50 at concurrency 1, in ms.
async fn whole_path(zip: Vec<u8>) -> Option<f64> {
    let server = LocalServer::start(LocalConfig::default())
        .await
        .unwrap_or_else(|e| panic!("local stack: {e}"));
    let config = sdk_config(&server.endpoint_url(), "us-east-1").await;
    let tutorial = Tutorial::new(&config);
    let api_id = tutorial.create(zip).await;
    let lambda = &tutorial.lambda;

    let url = format!(
        "{}/hello_world",
        lambdeck::wire::local_stage_url(&server.endpoint_url(), &api_id, Tutorial::STAGE)
    );
    let http = reqwest::Client::builder()
        .tcp_nodelay(true)
        .build()
        .unwrap_or_else(|e| panic!("reqwest: {e}"));
    let get = |http: reqwest::Client, url: String| async move {
        let response = http
            .get(&url)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        let status = response.status();
        let body = response.bytes().await.unwrap_or_default();
        if status != 200 || body.as_ref() != b"\"Hello from Lambda!\"" {
            panic!("GET {url}: {status} {}", String::from_utf8_lossy(&body));
        }
    };

    // Cold starts: each configuration change is a new revision, whose first request starts a new
    // environment (unzip, spawn, init) behind the stage URL.
    let mut cold = Vec::new();
    for i in 0..COLD_STARTS {
        lambda
            .update_function_configuration()
            .function_name(FUNCTION)
            .environment(
                Environment::builder()
                    .variables("BENCH_REVISION", i.to_string())
                    .build(),
            )
            .send()
            .await
            .unwrap_or_else(|e| panic!("UpdateFunctionConfiguration: {e:?}"));
        // Until the update is applied (Lambda's InProgress window, 100 ms on the local stack) the
        // stage still runs the previous revision, warm: wait it out, then time the first request.
        settled(lambda).await;
        let t = Instant::now();
        get(http.clone(), url.clone()).await;
        cold.push(t.elapsed());
    }
    report(
        "stage URL, cold start of a new environment",
        &mut cold,
        None,
    );

    let mut warm_p50 = None;
    for concurrency in [1usize, 16] {
        let run = |n: usize| {
            let http = http.clone();
            let url = url.clone();
            async move {
                let mut lat = Vec::with_capacity(n);
                for _ in 0..n {
                    let t = Instant::now();
                    get(http.clone(), url.clone()).await;
                    lat.push(t.elapsed());
                }
                lat
            }
        };
        // Warm up: connections, and as many environments as this concurrency keeps busy.
        let warmup: Vec<_> = (0..concurrency).map(|_| tokio::spawn(run(100))).collect();
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
        let p50 = report(
            &format!("stage URL warm, concurrency {concurrency}"),
            &mut all,
            Some(wall),
        );
        if concurrency == 1 {
            warm_p50 = Some(p50);
        }
    }
    server.shutdown().await;
    warm_p50
}

/// The execution engine alone: Executor::invoke with an API Gateway proxy event.
async fn executor_only(zip: Vec<u8>) {
    let sink = Arc::new(CountingSink(Default::default()));
    let executor = Arc::new(Executor::new(sink));
    let mut f = exec::FunctionCode {
        name: "tf-test-rust-hello-world".into(),
        runtime: None,
        arn: "arn:aws:lambda:us-east-1:000000000000:function:tf-test-rust-hello-world".into(),
        version: "$LATEST".into(),
        revision: "r0".into(),
        zip: Arc::new(zip),
        handler: "bootstrap".into(),
        memory_mb: 128,
        timeout_secs: 10,
        environment: BTreeMap::new(),
        region: "us-east-1".into(),
        logging: Default::default(),
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
        "executor alone, cold start (unzip + spawn + init + first invoke)",
        &mut cold,
        None,
    );
    report(
        "executor alone, cold start, Init Duration reported",
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
            &format!("executor alone, warm invoke, concurrency {concurrency}"),
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

/// One measured line of the final table.
struct Row {
    what: String,
    n: usize,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    rate: Option<f64>,
}

/// Every figure measured, printed again at the end as a table ready for the README.
static ROWS: Mutex<Vec<Row>> = Mutex::new(Vec::new());

fn report(what: &str, samples: &mut [Duration], wall: Option<Duration>) -> f64 {
    samples.sort();
    let pick = |q: f64| {
        let i = ((samples.len() as f64 - 1.0) * q).round() as usize;
        samples[i].as_secs_f64() * 1000.0
    };
    let row = Row {
        what: what.to_owned(),
        n: samples.len(),
        p50_ms: pick(0.50),
        p99_ms: pick(0.99),
        max_ms: pick(1.0),
        rate: wall.map(|w| samples.len() as f64 / w.as_secs_f64()),
    };
    let rate = row
        .rate
        .map(|r| format!(", {r:.0} req/s"))
        .unwrap_or_default();
    println!(
        "{what}: n={}, p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms{rate}",
        row.n, row.p50_ms, row.p99_ms, row.max_ms
    );
    let p50 = row.p50_ms;
    ROWS.lock().unwrap_or_else(|e| e.into_inner()).push(row);
    p50
}

fn print_table(load_before: Option<f64>, warm_p50: Option<f64>) {
    let load_after = load_average();
    let load = |l: Option<f64>| l.map_or("unknown".to_owned(), |l| format!("{l:.2}"));
    println!();
    println!(
        "For the README (`cargo bench --bench local_stack`, {}, 2-core machine, 1-minute load {} before, {} after):",
        chrono::Utc::now().format("%Y-%m-%d"),
        load(load_before),
        load(load_after)
    );
    println!();
    println!("| measurement | n | p50 | p99 | max | throughput |");
    println!("|---|---|---|---|---|---|");
    for r in ROWS.lock().unwrap_or_else(|e| e.into_inner()).iter() {
        let rate = r.rate.map_or("".to_owned(), |r| format!("{r:.0} req/s"));
        println!(
            "| {} | {} | {:.2} ms | {:.2} ms | {:.2} ms | {rate} |",
            r.what, r.n, r.p50_ms, r.p99_ms, r.max_ms
        );
    }
    println!();
    if let Some(p50) = warm_p50 {
        let verdict = if p50 < 2.0 { "met" } else { "MISSED" };
        println!("target: warm stage-URL p50 under 2 ms at concurrency 1: {verdict} ({p50:.3} ms)");
    }
    if [load_before, load_after]
        .iter()
        .any(|l| l.is_some_and(|l| l >= 2.0))
    {
        println!(
            "warning: the 1-minute load average was 2 or more; measure again on a quiet machine"
        );
    }
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

/// Polls GetFunctionConfiguration until the function's last update is no longer in progress.
async fn settled(lambda: &aws_sdk_lambda::Client) {
    use aws_sdk_lambda::types::LastUpdateStatus;
    loop {
        let cfg = lambda
            .get_function_configuration()
            .function_name(FUNCTION)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GetFunctionConfiguration: {e:?}"));
        if cfg.last_update_status() != Some(&LastUpdateStatus::InProgress) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}
