//! Tail latency and throughput on the local stack: `cargo bench --bench tail`.
//!
//! Latency: the hello-world function is invoked through its stage URL at random moments (0 to 400 ms
//! apart, 60 s) and writes its request line; the local stack stamps the line when the function writes it,
//! and each tail notes when the engine delivers it. Four tails watch the same workload at once: lambdeck
//! polling (adaptive interval), lambdeck Live Tail, and the same engine polling at the fixed intervals
//! of the usual tools (`aws logs tail --follow` sleeps 5 s between polls, `sam logs --tail` 1 s).
//! Throughput: 10,000 events a second for 5 seconds over four streams (PutLogEvents, 1,000 a batch),
//! counted for loss and duplicates, in both modes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use lambdeck::aws::Clients;
use lambdeck::aws::logs::put_events;
use lambdeck::config::StackSpec;
use lambdeck::local::{LocalConfig, LocalServer};
use lambdeck::ping::percentile;
use lambdeck::tail::{CloudWatch, PollTiming, TailConfig, TailMode, TailMsg, spawn_tail};
use lambdeck_test_support::{hello_world_lambda_zip, local_clients};
use rand::Rng;
use tokio::sync::mpsc;

const WORKLOAD: Duration = Duration::from_secs(60);

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Wall-clock milliseconds with a fraction, to compare with a line's millisecond stamp.
fn now_ms_f64() -> f64 {
    chrono::Utc::now().timestamp_micros() as f64 / 1000.0
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let server = LocalServer::start(LocalConfig::default()).await.unwrap();
        let clients = local_clients(&server.endpoint_url()).await;
        latency(&clients).await;
        for live in [false, true] {
            throughput(&clients, live).await;
        }
        server.shutdown().await;
    });
}

/// A fixed interval, as a tool that sleeps between polls.
fn fixed(every: Duration) -> PollTiming {
    PollTiming {
        fast: every,
        slow: every,
        hot_for: Duration::ZERO,
        ..PollTiming::local()
    }
}

async fn latency(clients: &Clients) {
    let spec = StackSpec::parse("", "lambdeck.toml").unwrap();
    let stack = lambdeck::stack::load_stack(clients, &spec).await.unwrap();
    lambdeck::stack::provision::up(clients, &spec, &stack, Some(hello_world_lambda_zip()))
        .await
        .unwrap();
    let stack = lambdeck::stack::load_stack(clients, &spec).await.unwrap();
    let url = format!("{}/hello_world", stack.invoke_url().unwrap());
    let http = reqwest::Client::new();
    // A first call starts the execution environment: a cold start is not what is measured.
    http.get(&url).send().await.unwrap().bytes().await.unwrap();

    let taps = [
        ("lambdeck, polling", false, PollTiming::local()),
        ("lambdeck, Live Tail", true, PollTiming::local()),
        (
            "fixed 5 s poll (as aws logs tail --follow)",
            false,
            fixed(Duration::from_secs(5)),
        ),
        (
            "fixed 1 s poll (as sam logs --tail)",
            false,
            fixed(Duration::from_secs(1)),
        ),
    ];
    let mut handles = Vec::new();
    let mut collectors = Vec::new();
    for (name, live, timing) in taps {
        let (tx, mut rx) = mpsc::channel(1024);
        let tail = spawn_tail(
            CloudWatch {
                clients: clients.clone(),
            },
            TailConfig {
                live_tail: live,
                timing,
                ..TailConfig::new(spec.function.log_group(), now_ms())
            },
            tx,
        );
        // Until the engine follows in the mode asked for.
        while let Some(msg) = rx.recv().await {
            if let TailMsg::Mode { mode, .. } = msg {
                assert_eq!(mode == TailMode::LiveTail, live, "{name}: mode {mode:?}");
                break;
            }
        }
        handles.push(tail);
        collectors.push(tokio::spawn(async move {
            // apigw request id -> latency
            let mut seen: HashMap<String, f64> = HashMap::new();
            let mut duplicates = 0;
            while let Some(msg) = rx.recv().await {
                if let TailMsg::Events(events) = msg {
                    let now = now_ms_f64();
                    for e in events {
                        if let Some(id) = e.apigw_request_id {
                            let latency = now - e.timestamp as f64;
                            if seen.insert(id, latency).is_some() {
                                duplicates += 1;
                            }
                        }
                    }
                }
            }
            (name, seen, duplicates)
        }));
    }

    let started = Instant::now();
    let mut invoked = Vec::new();
    let mut rng = rand::thread_rng();
    while started.elapsed() < WORKLOAD {
        tokio::time::sleep(Duration::from_millis(rng.gen_range(0..400))).await;
        let response = http.get(&url).send().await.unwrap();
        let id = response
            .headers()
            .get("x-amzn-requestid")
            .and_then(|v| v.to_str().ok())
            .unwrap()
            .to_owned();
        assert!(response.status().is_success());
        response.bytes().await.unwrap();
        invoked.push(id);
    }
    // The slowest tap polls every 5 s: give it time to read the last lines.
    tokio::time::sleep(Duration::from_secs(8)).await;
    for tail in handles {
        tail.stop().await;
    }
    println!(
        "tail latency on the local stack, function write -> engine delivery: {} invocations at random moments (0-400 ms apart) over {} s",
        invoked.len(),
        WORKLOAD.as_secs()
    );
    for c in collectors {
        let (name, seen, duplicates) = c.await.unwrap();
        let lost = invoked.iter().filter(|id| !seen.contains_key(*id)).count();
        let mut ms: Vec<f64> = seen.into_values().collect();
        ms.sort_by(f64::total_cmp);
        println!(
            "  {name:<44} p50 {:>7.1} ms   p99 {:>7.1} ms   max {:>7.1} ms   (lost {lost}, duplicates {duplicates})",
            percentile(&ms, 50.0).unwrap_or(f64::NAN),
            percentile(&ms, 99.0).unwrap_or(f64::NAN),
            ms.last().copied().unwrap_or(f64::NAN),
        );
    }
}

/// 10,000 events a second for 5 s in batches of 1,000 over four streams; every event must arrive once.
async fn throughput(clients: &Clients, live: bool) {
    const GROUP: &str = "/aws/lambda/bench";
    const RATE: usize = 10_000;
    const SECONDS: usize = 5;
    const BATCH: usize = 1_000;
    let total = RATE * SECONDS;
    put_events(clients, GROUP, "warm", &[(now_ms(), "warm".into())])
        .await
        .unwrap();
    let (tx, mut rx) = mpsc::channel(1024);
    let tail = spawn_tail(
        CloudWatch {
            clients: clients.clone(),
        },
        TailConfig {
            live_tail: live,
            ..TailConfig::new(GROUP, now_ms())
        },
        tx,
    );
    while let Some(msg) = rx.recv().await {
        if let TailMsg::Mode { mode, .. } = msg {
            assert_eq!(mode == TailMode::LiveTail, live, "mode {mode:?}");
            break;
        }
    }
    let tag = if live { "tlive" } else { "tpoll" };
    let writer = {
        let clients = clients.clone();
        tokio::spawn(async move {
            let start = Instant::now();
            let mut tick =
                tokio::time::interval(Duration::from_millis((1000 * BATCH / RATE) as u64));
            for b in 0..total / BATCH {
                tick.tick().await;
                let ts = now_ms();
                let lines: Vec<(i64, String)> = (0..BATCH)
                    .map(|i| (ts, format!("{tag} {}", b * BATCH + i)))
                    .collect();
                let stream = format!("2026/11/24/[$LATEST]{}", b % 4);
                put_events(&clients, GROUP, &stream, &lines).await.unwrap();
            }
            start.elapsed()
        })
    };
    let started = Instant::now();
    let mut counts: HashMap<String, u32> = HashMap::with_capacity(total);
    let mut received = 0usize;
    let mut last = started;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let mut settle: Option<tokio::time::Instant> = None;
    loop {
        let until = settle.unwrap_or(deadline);
        let msg = tokio::select! {
            m = rx.recv() => m,
            () = tokio::time::sleep_until(until) => break,
        };
        if let Some(TailMsg::Events(events)) = msg {
            for e in events {
                if e.message.starts_with(tag) {
                    received += 1;
                    *counts.entry(e.message).or_default() += 1;
                }
            }
            if settle.is_none() {
                last = Instant::now();
            }
        }
        // Once all arrived, a little longer so that late duplicates would be counted too.
        if settle.is_none() && counts.len() >= total {
            settle = Some(tokio::time::Instant::now() + Duration::from_secs(2));
        }
    }
    let wrote_in = writer.await.unwrap();
    tail.stop().await;
    let unique = counts.len();
    let duplicates = received - unique;
    let elapsed = last.duration_since(started).as_secs_f64();
    // How far behind the writer the engine finished: it kept up when this is about one tail latency.
    let behind = elapsed - wrote_in.as_secs_f64();
    println!(
        "throughput ({}): wrote {total} events in {:.2} s ({:.0} events/s); delivered {unique}, the last {:.0} ms after the last write; lost {}, duplicates {duplicates}",
        if live { "Live Tail" } else { "polling" },
        wrote_in.as_secs_f64(),
        total as f64 / wrote_in.as_secs_f64(),
        behind * 1000.0,
        total - unique,
    );
}
