//! The watch engine on the local stack with a real function crate (a sandbox copy): a saved change is
//! rebuilt, uploaded and served; a change during a build restarts it; a compiler error is reported and
//! watching goes on; an unchanged build sends no code.

use std::time::Duration;

use lambdeck::build::{BuildEvent, BuildOptions, BuildTarget, Level, UploadReport};
use lambdeck::local::{LocalConfig, LocalServer};
use lambdeck::stack::{load_stack, provision};
use lambdeck::watch::{WatchConfig, WatchEvent, spawn_watch};
use tokio::sync::mpsc;

use crate::support::{Sandbox, local_clients};

/// The next event that `pick` accepts, skipping others; fails after a generous wait (a build).
async fn next<T>(
    rx: &mut mpsc::Receiver<WatchEvent>,
    mut pick: impl FnMut(&WatchEvent) -> Option<T>,
) -> T {
    let wait = async {
        while let Some(e) = rx.recv().await {
            eprintln!(
                "watch event: {}",
                serde_json::to_string(&e).unwrap_or_default()
            );
            if let Some(t) = pick(&e) {
                return t;
            }
        }
        panic!("the watch ended");
    };
    tokio::time::timeout(Duration::from_secs(600), wait)
        .await
        .expect("the event came")
}

#[tokio::test]
async fn a_saved_change_is_served_a_change_during_a_build_restarts_it_and_errors_keep_watching() {
    let sandbox = Sandbox::new("hello-world-watch");
    let spec = sandbox.spec();
    let server = LocalServer::start(LocalConfig::default()).await.unwrap();
    let clients = local_clients(&server.endpoint_url()).await;
    let stack = load_stack(&clients, &spec).await.unwrap();
    provision::up(
        &clients,
        &spec,
        &stack,
        Some(crate::support::hello_world_zip()),
    )
    .await
    .unwrap();
    let stack = load_stack(&clients, &spec).await.unwrap();
    let url = format!("{}/hello_world", stack.invoke_url().unwrap());
    let http = reqwest::Client::new();

    let config = WatchConfig {
        build: BuildOptions::with_profile(BuildTarget::Local, "dev"),
        ..WatchConfig::for_target(&spec, BuildTarget::Local)
    };
    let (tx, mut rx) = mpsc::channel(256);
    let watch = spawn_watch(clients.clone(), spec.clone(), config, tx)
        .await
        .unwrap();
    // The first round builds what is there and uploads it (the stack ran the repository's build).
    let initial = next(&mut rx, |e| match e {
        WatchEvent::Idle { initial, .. } => Some(*initial),
        _ => None,
    })
    .await;
    assert!(initial, "the first round is the initial one");

    // A change, then another while its build runs: the first build is restarted, the second served.
    sandbox.edit("first edit");
    next(&mut rx, |e| {
        matches!(e, WatchEvent::Build(BuildEvent::Started { .. })).then_some(())
    })
    .await;
    sandbox.edit("second edit");
    next(&mut rx, |e| {
        matches!(e, WatchEvent::Restarted).then_some(())
    })
    .await;
    let report = next(&mut rx, |e| match e {
        WatchEvent::Uploaded(r) => Some(r.clone()),
        _ => None,
    })
    .await;
    assert!(matches!(report, UploadReport::Updated { .. }), "{report:?}");
    let body = http.get(&url).send().await.unwrap().text().await.unwrap();
    assert_eq!(body, "\"second edit\"");
    let initial = next(&mut rx, |e| match e {
        WatchEvent::Idle { initial, .. } => Some(*initial),
        _ => None,
    })
    .await;
    assert!(!initial, "a round caused by a change is timed from it");

    // A compiler error is reported as a diagnostic, the round fails, and watching goes on.
    sandbox.replace_greeting_line("pub const GREETING: &str = 42;");
    let error = next(&mut rx, |e| match e {
        WatchEvent::Build(BuildEvent::Diagnostic(d)) if d.level == Level::Error => {
            Some(d.headline())
        }
        _ => None,
    })
    .await;
    assert!(error.contains("mismatched types"), "{error}");
    next(&mut rx, |e| {
        matches!(e, WatchEvent::Failed { .. }).then_some(())
    })
    .await;
    assert_eq!(
        http.get(&url).send().await.unwrap().text().await.unwrap(),
        "\"second edit\""
    );
    // Back to the served code: rebuilt, and nothing sent since the function already runs it.
    sandbox.edit("second edit");
    let report = next(&mut rx, |e| match e {
        WatchEvent::Uploaded(r) => Some(r.clone()),
        _ => None,
    })
    .await;
    assert!(matches!(report, UploadReport::Skipped { .. }), "{report:?}");
    assert!(!watch.is_finished());
    watch.stop().await;
    server.shutdown().await;
}
