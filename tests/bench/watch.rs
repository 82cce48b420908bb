//! The watch loop's figure: from saving a one-line change to the local stack's stage serving it, with
//! `lambdeck watch`'s engine (notify, debounce, dev build, upload when the CodeSha256 differs).
//! Run with `cargo bench --bench watch`.

use std::time::{Duration, Instant};

use lambdeck::build::{BuildOptions, BuildTarget};
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
    let drain = tokio::spawn(async move { while rx.recv().await.is_some() {} });
    let http = reqwest::Client::new();
    let mut samples = Vec::new();
    for round in 1..=ROUNDS {
        let greeting = format!("Hello from Lambda! (watch edit {round})");
        let started = Instant::now();
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
        samples.push(started.elapsed());
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
    println!(
        "1-minute load average {} at the end",
        load_average().map_or_else(|| "unknown".into(), |l| l.to_string())
    );
}
