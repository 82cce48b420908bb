//! Tail latency and throughput on the local stack: `cargo bench --bench tail`.
//!
//! Latency: a line is written with PutLogEvents (as the local stack's Lambda executor stores a
//! function's output) at a random moment, and the time until the tail engine delivers it is measured,
//! in polling mode and in Live Tail mode. Throughput: 10,000 events a second for 5 seconds over four
//! streams, counted for loss and duplicates.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use lambdeck::aws::logs::put_events;
use lambdeck::aws::{Clients, Target};
use lambdeck::local::{LocalConfig, LocalServer};
use lambdeck::ping::percentile;
use lambdeck::tail::{CloudWatch, TailConfig, TailMode, TailMsg, spawn_tail};
use rand::Rng;
use tokio::sync::mpsc;

const GROUP: &str = "/aws/lambda/bench";
const SAMPLES: usize = 200;

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let server = LocalServer::start(LocalConfig::default()).await.unwrap();
        let clients = Clients::new(&Target {
            endpoint_url: Some(server.endpoint_url()),
            local: true,
            ..Target::default()
        })
        .await
        .unwrap();
        put_events(&clients, GROUP, "warm", &[(now_ms(), "warm".into())])
            .await
            .unwrap();
        println!("tail latency on the local stack, {SAMPLES} lines written at random moments");
        for live in [false, true] {
            let (p50, p99, max) = latency(&clients, live).await;
            println!(
                "  {:<8} p50 {p50:>7.1} ms   p99 {p99:>7.1} ms   max {max:>7.1} ms",
                if live { "live" } else { "polling" }
            );
        }
        for live in [false, true] {
            throughput(&clients, live).await;
        }
        server.shutdown().await;
    });
}

/// Writes lines one at a time, 0 to 400 ms apart, and times each until the engine delivers it.
async fn latency(clients: &Clients, live: bool) -> (f64, f64, f64) {
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
    // Wait until the engine follows in the mode asked for.
    while let Some(msg) = rx.recv().await {
        if let TailMsg::Mode { mode, .. } = msg {
            assert_eq!(mode == TailMode::LiveTail, live, "mode {mode:?}");
            break;
        }
    }
    let tag = if live { "live" } else { "poll" };
    let mut written: HashMap<String, Instant> = HashMap::new();
    let mut latencies = Vec::new();
    let mut rng = rand::thread_rng();
    for i in 0..SAMPLES {
        tokio::time::sleep(Duration::from_millis(rng.gen_range(0..400))).await;
        let message = format!("{tag} {i}");
        let at = Instant::now();
        put_events(
            clients,
            GROUP,
            "2026/11/24/[$LATEST]bench",
            &[(now_ms(), message.clone())],
        )
        .await
        .unwrap();
        written.insert(message.clone(), at);
        // Receive until this line arrives (earlier ones arrive first).
        while !latencies_has(&written, &message) {
            match rx.recv().await {
                Some(TailMsg::Events(events)) => {
                    let now = Instant::now();
                    for e in events {
                        if let Some(at) = written.remove(&e.message) {
                            latencies.push(now.duration_since(at).as_secs_f64() * 1000.0);
                        }
                    }
                }
                Some(_) => {}
                None => panic!("the tail stopped"),
            }
        }
    }
    tail.stop().await;
    latencies.sort_by(f64::total_cmp);
    (
        percentile(&latencies, 50.0).unwrap(),
        percentile(&latencies, 99.0).unwrap(),
        *latencies.last().unwrap(),
    )
}

fn latencies_has(written: &HashMap<String, Instant>, message: &str) -> bool {
    !written.contains_key(message)
}

/// 10,000 events a second for 5 s in batches of 1,000 over four streams; every event must arrive once.
async fn throughput(clients: &Clients, live: bool) {
    const RATE: usize = 10_000;
    const SECONDS: usize = 5;
    const BATCH: usize = 1_000;
    let total = RATE * SECONDS;
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
        if matches!(msg, TailMsg::Mode { .. }) {
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
    while counts.len() < total {
        let msg = tokio::select! {
            m = rx.recv() => m,
            () = tokio::time::sleep_until(deadline) => break,
        };
        if let Some(TailMsg::Events(events)) = msg {
            for e in events {
                if e.message.starts_with(tag) {
                    received += 1;
                    *counts.entry(e.message).or_default() += 1;
                    last = Instant::now();
                }
            }
        }
    }
    let wrote_in = writer.await.unwrap();
    // A little longer, so late duplicates would be counted too.
    let settle = tokio::time::Instant::now() + Duration::from_secs(2);
    loop {
        let msg = tokio::select! {
            m = rx.recv() => m,
            () = tokio::time::sleep_until(settle) => break,
        };
        if let Some(TailMsg::Events(events)) = msg {
            for e in events {
                if e.message.starts_with(tag) {
                    received += 1;
                    *counts.entry(e.message).or_default() += 1;
                }
            }
        }
    }
    tail.stop().await;
    let unique = counts.len();
    let duplicates = received - unique;
    let elapsed = last.duration_since(started).as_secs_f64();
    println!(
        "throughput ({}): wrote {total} events in {:.2} s; delivered {unique} ({:.0} events/s), lost {}, duplicates {duplicates}",
        if live { "live" } else { "polling" },
        wrote_in.as_secs_f64(),
        unique as f64 / elapsed,
        total - unique,
    );
}
