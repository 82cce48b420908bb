//! Benchmark of the local stack's store (SQLite) with a large log store: 10 million events (spread
//! over 30 days of one function's log group, a new stream every hour, about 4 events a second as the
//! dashboard's pinging makes them) are stored first; then the store is reopened (restart), fed 100
//! events a second for 30 s the way the server does (the function-log sink, committed once a second),
//! and the CPU time, bytes written and RSS of this process are read from /proc; finally a local stack
//! is started on the same directory and FilterLogEvents over a 5-minute window is timed through the
//! SDK (HTTP included).
//! Run with `cargo bench --bench store`; `STORE_BENCH_EVENTS=N` stores N events instead.
//! Not a test: it prints figures.

use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region};
use aws_sdk_lambda::config::Credentials;
use lambdeck::local::exec::LogSink;
use lambdeck::local::logs::model::LogRetention;
use lambdeck::local::store::Store;
use lambdeck::local::{LocalConfig, LocalServer};

const GROUP: &str = "/aws/lambda/bench";
const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// A line of a function's log, as the engine writes them (START, output, END, REPORT in turn).
fn line(k: u64) -> String {
    let id = format!("{:08x}-0000-4000-8000-{:012x}", k / 4, k / 4);
    match k % 4 {
        0 => format!("START RequestId: {id} Version: $LATEST"),
        1 => format!("{{\"level\":\"INFO\",\"request\":\"{id}\",\"message\":\"hello world\"}}"),
        2 => format!("END RequestId: {id}"),
        _ => format!(
            "REPORT RequestId: {id}\tDuration: 1.23 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 18 MB"
        ),
    }
}

/// (utime + stime in seconds, write_bytes, wchar) of this process.
fn usage() -> (f64, u64, u64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    // After the command name: state is field 3, utime 14 and stime 15 (1-based, in clock ticks).
    let ticks = |i: usize| {
        fields
            .get(i - 3)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    let cpu = (ticks(14) + ticks(15)) / 100.0;
    let io = std::fs::read_to_string("/proc/self/io").unwrap_or_default();
    let field = |name: &str| {
        io.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(0)
    };
    (cpu, field("write_bytes:"), field("wchar:"))
}

fn status(name: &str) -> String {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(name))
        .map(|l| l.split_whitespace().skip(1).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn dir_size(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| e.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

fn main() {
    let n: u64 = std::env::var("STORE_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000_000);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("a temporary directory: {e}"));
    let no_cap = LogRetention { max_events: None };
    let end = now_ms() - HOUR_MS;
    let start = end - 30 * DAY_MS;
    let step = (end - start) as f64 / n as f64;

    let t = Instant::now();
    {
        let store = Store::open_with(dir.path(), "us-east-1", no_cap)
            .unwrap_or_else(|e| panic!("the store opens: {e}"));
        let mut batch = Vec::with_capacity(10_000);
        let mut stream = String::new();
        for k in 0..n {
            let ts = start + (k as f64 * step) as i64;
            let s = format!("2026/bench/[$LATEST]{:016x}", (ts - start) / HOUR_MS);
            if s != stream || batch.len() == 10_000 {
                if !batch.is_empty() {
                    store
                        .logs
                        .put("us-east-1", GROUP, &stream, std::mem::take(&mut batch));
                }
                stream = s;
            }
            batch.push((ts, line(k)));
            if k % 200_000 == 199_999 {
                store
                    .logs
                    .put("us-east-1", GROUP, &stream, std::mem::take(&mut batch));
                store.flush_logs().unwrap_or_else(|e| panic!("flush: {e}"));
            }
        }
        store.logs.put("us-east-1", GROUP, &stream, batch);
        store.flush_logs().unwrap_or_else(|e| panic!("flush: {e}"));
    }
    println!(
        "stored {n} events in {:.1} s; state directory {:.0} MB",
        t.elapsed().as_secs_f64(),
        dir_size(dir.path()) as f64 / 1e6
    );

    // Restart: open the store again.
    let t = Instant::now();
    let store = Store::open_with(dir.path(), "us-east-1", no_cap)
        .unwrap_or_else(|e| panic!("the store reopens: {e}"));
    let restart = t.elapsed();
    println!(
        "restart (Store::open): {:.1} ms",
        restart.as_secs_f64() * 1e3
    );

    // A trickle of 100 events/s for 30 s: 25 invocations' four lines a second, committed once a second.
    let seconds = 30;
    let (cpu0, wb0, wc0) = usage();
    let began = Instant::now();
    let mut k = n;
    for s in 0..seconds {
        for i in 0..25 {
            let ts = now_ms();
            let events = (0..4).map(|j| (ts, line(k + j))).collect();
            k += 4;
            store
                .logs
                .put("us-east-1", GROUP, "2026/bench/[$LATEST]live", events);
            let next = began + Duration::from_millis(s * 1000 + (i + 1) * 40);
            std::thread::sleep(next.saturating_duration_since(Instant::now()));
        }
        store.flush_logs().unwrap_or_else(|e| panic!("flush: {e}"));
    }
    let wall = began.elapsed().as_secs_f64();
    let (cpu1, wb1, wc1) = usage();
    let appended = (k - n) as f64;
    println!(
        "append {appended} events over {wall:.1} s: CPU {:.2}% of a core, {:.0} B/event to disk (write_bytes), {:.0} B/event written (wchar)",
        (cpu1 - cpu0) / wall * 100.0,
        (wb1 - wb0) as f64 / appended,
        (wc1 - wc0) as f64 / appended
    );
    println!(
        "RSS after the append phase: {} (high-water mark, including the initial load: {})",
        status("VmRSS:"),
        status("VmHWM:")
    );
    drop(store);

    // FilterLogEvents over 5 minutes, through a local stack on the same directory.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("tokio runtime: {e}"));
    runtime.block_on(async {
        let t = Instant::now();
        let server = LocalServer::start(LocalConfig {
            state_dir: Some(dir.path().to_path_buf()),
            max_log_events: None,
            ..LocalConfig::default()
        })
        .await
        .unwrap_or_else(|e| panic!("the local stack starts: {e}"));
        println!(
            "restart (LocalServer::start on the directory): {:.1} ms",
            t.elapsed().as_secs_f64() * 1e3
        );
        let config = aws_config::defaults(BehaviorVersion::latest())
            .http_client(lambdeck::aws::http_client())
            .region(Region::new("us-east-1"))
            .endpoint_url(server.endpoint_url())
            .credentials_provider(Credentials::new("test", "test", None, None, "test"))
            .load()
            .await;
        let logs = aws_sdk_cloudwatchlogs::Client::new(&config);
        let mut times = Vec::new();
        let mut found = 0;
        for i in 0..20 {
            let to = end - i * 7 * HOUR_MS;
            let t = Instant::now();
            let out = logs
                .filter_log_events()
                .log_group_name(GROUP)
                .start_time(to - 5 * 60_000)
                .end_time(to)
                .send()
                .await
                .unwrap_or_else(|e| panic!("FilterLogEvents: {e}"));
            times.push(t.elapsed());
            found = out.events.map(|e| e.len()).unwrap_or(0);
        }
        times.sort();
        println!(
            "FilterLogEvents, 5-minute window ({found} events), 20 windows: p50 {:.1} ms, max {:.1} ms",
            times[times.len() / 2].as_secs_f64() * 1e3,
            times[times.len() - 1].as_secs_f64() * 1e3
        );
        server.shutdown().await;
    });
}
