//! The watch loop's figure: from saving a one-line change to the local stack's stage serving it, with
//! `lambdeck watch`'s engine (notify, debounce, dev build, upload when the CodeSha256 differs).
//! Run with `cargo bench --bench watch`.

use std::time::{Duration, Instant};

use lambdeck::build::{BuildEvent, BuildOptions, BuildTarget};
use lambdeck::local::{LocalConfig, LocalServer};
use lambdeck::watch::{WatchConfig, WatchEvent, spawn_watch};
use lambdeck_test_support::{Sandbox, hello_world_zip, load_average, local_clients};
use tokio::sync::mpsc;

const ROUNDS: usize = 7;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| fail(&format!("tokio: {e}")));
    runtime.block_on(run());
}

fn fail(message: &str) -> ! {
    eprintln!("bench watch: {message}");
    std::process::exit(1)
}

async fn run() {
    let profile = std::env::var("LAMBDECK_BENCH_PROFILE").unwrap_or_else(|_| "dev".into());
    println!(
        "1-minute load average {} at the start",
        load_average().map_or_else(|| "unknown".into(), |l| l.to_string())
    );
    let sandbox = Sandbox::new("hello-world-watch-bench");
    let spec = sandbox.spec();
    let server = LocalServer::start(LocalConfig::default())
        .await
        .unwrap_or_else(|e| fail(&e.to_string()));
    let clients = local_clients(&server.endpoint_url()).await;
    let stack = lambdeck::stack::load_stack(&clients, &spec)
        .await
        .unwrap_or_else(|e| fail(&e.to_string()));
    lambdeck::stack::provision::up(&clients, &spec, &stack, Some(hello_world_zip()))
        .await
        .unwrap_or_else(|e| fail(&e.to_string()));
    let stack = lambdeck::stack::load_stack(&clients, &spec)
        .await
        .unwrap_or_else(|e| fail(&e.to_string()));
    let url = format!(
        "{}/hello_world",
        stack.invoke_url().unwrap_or_else(|| fail("no stage URL"))
    );
    let config = WatchConfig {
        build: BuildOptions::with_profile(BuildTarget::Local, profile.clone()),
        ..WatchConfig::for_target(&spec, BuildTarget::Local)
    };
    let (tx, mut rx) = mpsc::channel(1024);
    let watch = spawn_watch(clients, spec, config, tx)
        .await
        .unwrap_or_else(|e| fail(&e.to_string()));
    // The first round builds what is there: the starting point, not measured.
    loop {
        match rx.recv().await {
            Some(WatchEvent::Idle { .. }) => break,
            Some(WatchEvent::Failed { reason }) => fail(&reason),
            Some(_) => {}
            None => fail("the watch ended"),
        }
    }
    // When each step of a round ended, as the engine reports it: the breakdown of the figure.
    let marks = std::sync::Arc::new(std::sync::Mutex::new(Vec::<(Instant, &'static str)>::new()));
    let drain = {
        let marks = marks.clone();
        tokio::spawn(async move {
            while let Some(e) = rx.recv().await {
                let step = match e {
                    WatchEvent::Changed { .. } => "changed",
                    WatchEvent::Build(BuildEvent::Started { .. }) => "cargo started",
                    WatchEvent::Build(BuildEvent::Progress { .. }) => "cargo done",
                    WatchEvent::Build(BuildEvent::Finished { .. }) => "packaged",
                    WatchEvent::Uploaded(_) => "uploaded",
                    _ => continue,
                };
                if let Ok(mut m) = marks.lock() {
                    m.push((Instant::now(), step));
                }
            }
        })
    };
    let http = reqwest::Client::new();
    let mut samples = Vec::new();
    let mut steps: Vec<Vec<(&str, Duration)>> = Vec::new();
    for round in 1..=ROUNDS {
        let greeting = format!("Hello from Lambda! (watch edit {round})");
        let started = Instant::now();
        if let Ok(mut m) = marks.lock() {
            m.clear();
        }
        sandbox.edit(&greeting);
        loop {
            let body = match http.get(&url).send().await {
                Ok(r) => r.text().await.unwrap_or_default(),
                Err(e) => fail(&e.to_string()),
            };
            if body.contains(&greeting) {
                break;
            }
            if started.elapsed() > Duration::from_secs(600) {
                fail(&format!(
                    "the stage never served the edit; last body {body}"
                ));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let served = Instant::now();
        samples.push(started.elapsed());
        // Each step's end, the last of its kind (cargo reports a unit at a time), then the first
        // answer with the new body: debounce, cargo, packaging, upload, the new code's first answer.
        let marks = marks.lock().map(|m| m.clone()).unwrap_or_default();
        let end = |step: &str| {
            marks
                .iter()
                .rev()
                .find(|(_, s)| *s == step)
                .map(|(t, _)| *t)
        };
        let mut round_steps = Vec::new();
        let mut from = started;
        for (name, step) in [
            ("debounce", "cargo started"),
            ("cargo", "cargo done"),
            ("zip", "packaged"),
            ("upload", "uploaded"),
        ] {
            if let Some(t) = end(step) {
                round_steps.push((name, t.saturating_duration_since(from)));
                from = t;
            }
        }
        round_steps.push(("first answer", served.saturating_duration_since(from)));
        steps.push(round_steps);
    }
    watch.stop().await;
    drain.abort();
    server.shutdown().await;
    let mut sorted = samples.clone();
    sorted.sort();
    println!(
        "saved one-line change -> stage serves it (watch, local stack, profile {profile}): median {:.2}s, min {:.2}s, max {:.2}s, runs {:?}",
        sorted[sorted.len() / 2].as_secs_f64(),
        sorted[0].as_secs_f64(),
        sorted[sorted.len() - 1].as_secs_f64(),
        samples
            .iter()
            .map(|d| format!("{:.2}s", d.as_secs_f64()))
            .collect::<Vec<_>>()
    );
    // The median of each step over the rounds.
    if let Some(first) = steps.first() {
        let names: Vec<&str> = first.iter().map(|(n, _)| *n).collect();
        let medians: Vec<String> = names
            .iter()
            .map(|name| {
                let mut d: Vec<Duration> = steps
                    .iter()
                    .filter_map(|r| r.iter().find(|(n, _)| n == name).map(|(_, d)| *d))
                    .collect();
                d.sort();
                format!("{name} {:.2}s", d[d.len() / 2].as_secs_f64())
            })
            .collect();
        println!("where it goes (medians): {}", medians.join(", "));
    }
    println!(
        "1-minute load average {} at the end",
        load_average().map_or_else(|| "unknown".into(), |l| l.to_string())
    );
}
