//! Build benchmarks: the zipped size of the release `bootstrap` (release-lambda profile), the time to package and
//! hash it, and the time from a one-line source change to the local stack's stage URL serving it.
//! Run with `cargo bench --bench build`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use lambdeck::aws::Clients;
use lambdeck::build::{self, BuildEvent, BuildOptions, BuildTarget, CancellationToken, Package};
use lambdeck::config::StackSpec;
use lambdeck::local::{LocalConfig, LocalServer};
use lambdeck_test_support::{Sandbox, load_average, local_clients};
use tokio::sync::mpsc;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| fail(&format!("tokio: {e}")));
    runtime.block_on(run());
}

fn fail(message: &str) -> ! {
    eprintln!("bench build: {message}");
    std::process::exit(1)
}

fn repo_spec() -> StackSpec {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    StackSpec::load(&root.join("lambdeck.toml")).unwrap_or_else(|e| fail(&e.to_string()))
}

async fn build_quietly(spec: &StackSpec, options: &BuildOptions) -> Package {
    let (tx, mut rx) = mpsc::channel::<BuildEvent>(64);
    let drain = tokio::spawn(async move {
        let mut errors = Vec::new();
        while let Some(event) = rx.recv().await {
            if let BuildEvent::Diagnostic(d) = event {
                errors.push(d.headline());
            }
        }
        errors
    });
    let result = build::build_with(spec, options, tx, CancellationToken::new()).await;
    let diagnostics = drain.await.unwrap_or_default();
    result.unwrap_or_else(|e| fail(&format!("{e} {diagnostics:?}")))
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// The 1-minute load average, to judge whether the machine was quiet while measuring.
/// The 1-minute load average, or "unknown".
fn load() -> String {
    load_average().map_or_else(|| "unknown".into(), |l| l.to_string())
}

async fn run() {
    let spec = repo_spec();
    println!(
        "cargo bench --bench build, {} UTC, {} cores, 1-minute load average {} at start",
        chrono::Utc::now().format("%Y-%m-%d %H:%M"),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load()
    );

    // 1. The release bootstrap, as `lambdeck build --local` makes it (lambda profile, native).
    let started = Instant::now();
    let package = build_quietly(
        &spec,
        &BuildOptions::with_profile(BuildTarget::Local, build::LAMBDA_PROFILE),
    )
    .await;
    let build_time = started.elapsed();
    let binary = std::fs::read(&package.binary_path).unwrap_or_else(|e| fail(&e.to_string()));
    println!(
        "release bootstrap (profile release-lambda): binary {} bytes ({:.0} KB), zip {} bytes ({:.0} KB; target < 800 KB); build {:.1}s (incremental when already built)",
        binary.len(),
        binary.len() as f64 / 1024.0,
        package.size,
        package.size as f64 / 1024.0,
        build_time.as_secs_f64()
    );

    // 2. Package + hash of that binary.
    let mut samples = Vec::new();
    let mut sha = String::new();
    for _ in 0..30 {
        let t = Instant::now();
        let zip = build::package_zip(&binary).unwrap_or_else(|e| fail(&e.to_string()));
        sha = build::code_sha256(&zip);
        samples.push(t.elapsed());
    }
    let best = samples.iter().min().copied().unwrap_or_default();
    println!(
        "package + hash: median {:.1} ms, best {:.1} ms over {} runs (target < 100 ms); CodeSha256 {sha}",
        median(samples.clone()).as_secs_f64() * 1000.0,
        best.as_secs_f64() * 1000.0,
        samples.len()
    );
    if sha != package.code_sha256 {
        fail("packaging is not deterministic: the bench's CodeSha256 differs from the build's");
    }

    // 3. A one-line source change until the local stack's stage URL serves it.
    source_change_to_stage().await;
    println!("1-minute load average {} at the end", load());
}

/// Edits, builds, uploads and waits for the stage URL to serve the edit; returns the elapsed time.
async fn change_to_served(
    sandbox: &Sandbox,
    spec: &StackSpec,
    options: &BuildOptions,
    clients: &Clients,
    url: &str,
    greeting: &str,
) -> Duration {
    let http = reqwest::Client::new();
    let started = Instant::now();
    sandbox.edit(greeting);
    let (tx, mut rx) = mpsc::channel(64);
    let drain = tokio::spawn(async move { while rx.recv().await.is_some() {} });
    let package = build::ensure_package(spec, options, tx, CancellationToken::new())
        .await
        .unwrap_or_else(|e| fail(&e.to_string()));
    let _ = drain.await;
    build::upload_code(clients, &spec.function.name, &package, false)
        .await
        .unwrap_or_else(|e| fail(&e.to_string()));
    loop {
        let body = match http.get(url).send().await {
            Ok(r) => r.text().await.unwrap_or_default(),
            Err(e) => fail(&e.to_string()),
        };
        if body.contains(greeting) {
            return started.elapsed();
        }
        if started.elapsed() > Duration::from_secs(900) {
            fail(&format!(
                "the stage never served the edit; last body {body}"
            ));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn source_change_to_stage() {
    let sandbox = Sandbox::new("hello-world-bench");
    let spec = sandbox.spec();
    let server = LocalServer::start(LocalConfig::default())
        .await
        .unwrap_or_else(|e| fail(&e.to_string()));
    let clients = local_clients(&server.endpoint_url()).await;
    for profile in ["dev", build::LAMBDA_PROFILE] {
        let options = BuildOptions::with_profile(BuildTarget::Local, profile);
        // The starting point: the stack up with a first build of the sandbox.
        let first = build_quietly(&spec, &options).await;
        let stack = lambdeck::stack::load_stack(&clients, &spec)
            .await
            .unwrap_or_else(|e| fail(&e.to_string()));
        lambdeck::stack::provision::up(&clients, &spec, &stack, Some(first.zip.to_vec()))
            .await
            .unwrap_or_else(|e| fail(&e.to_string()));
        build::upload_code(&clients, &spec.function.name, &first, false)
            .await
            .unwrap_or_else(|e| fail(&e.to_string()));
        let stack = lambdeck::stack::load_stack(&clients, &spec)
            .await
            .unwrap_or_else(|e| fail(&e.to_string()));
        let api_id = stack
            .api
            .as_ref()
            .map(|a| a.id.clone())
            .unwrap_or_else(|| fail("no API after up"));
        let url = format!(
            "{}/hello_world",
            lambdeck::wire::local_stage_url(&server.endpoint_url(), &api_id, &spec.api.stage.0)
        );
        let mut samples = Vec::new();
        for round in 1..=3 {
            let greeting = format!("Hello from Lambda! ({profile} edit {round})");
            samples
                .push(change_to_served(&sandbox, &spec, &options, &clients, &url, &greeting).await);
        }
        println!(
            "one-line change -> stage URL serves it (local stack, profile {profile}): median {:.1}s, runs {:?}",
            median(samples.clone()).as_secs_f64(),
            samples
                .iter()
                .map(|d| format!("{:.1}s", d.as_secs_f64()))
                .collect::<Vec<_>>()
        );
    }
    server.shutdown().await;
}
