//! Real cargo builds: progress to the total, compile errors as diagnostics, cancellation (and Ctrl-C in
//! `lambdeck build`), the 50 MB limit, and rebuilding only when sources are newer.

use std::process::Stdio;
use std::time::Duration;

use lambdeck::build::{self, BuildError, BuildEvent, BuildTarget, CancellationToken, Level};
use tokio::sync::mpsc;

use super::{Scratch, build_collecting, dev, repo_spec, running};

#[tokio::test]
async fn a_build_streams_progress_to_the_total_and_finishes() {
    let spec = repo_spec();
    let (package, events) = build_collecting(&spec, &dev(BuildTarget::Local)).await;
    let package = package.expect("build");
    assert!(
        matches!(events.first(), Some(BuildEvent::Started { command, .. }) if command.contains("--message-format=json")),
        "{events:?}"
    );
    let progress: Vec<(usize, usize)> = events
        .iter()
        .filter_map(|e| match e {
            BuildEvent::Progress {
                compiled, total, ..
            } => Some((*compiled, *total)),
            _ => None,
        })
        .collect();
    assert!(
        progress.len() > 10,
        "hello-world has dozens of crates: {progress:?}"
    );
    assert!(
        progress.windows(2).all(|w| w[1].0 == w[0].0 + 1),
        "{progress:?}"
    );
    assert!(progress.iter().all(|(c, t)| c <= t), "{progress:?}");
    let &(last, total) = progress.last().unwrap();
    assert_eq!(last, total, "the last unit completes the count");
    assert!(matches!(
        events.last(),
        Some(BuildEvent::Finished { code_sha256, .. }) if *code_sha256 == package.code_sha256
    ));
}

#[tokio::test]
async fn a_compile_error_becomes_a_structured_diagnostic_and_a_one_line_failure() {
    let scratch = Scratch::new(
        "fn main() {\n    let x: u32 = \"nope\";\n    let _ = x;\n}\n",
        None,
    );
    let (result, events) = build_collecting(&scratch.spec(), &dev(BuildTarget::Local)).await;
    let err = result.expect_err("does not compile");
    let BuildError::Failed(reason) = &err else {
        panic!("{err}");
    };
    assert!(
        reason.starts_with("error[E0308]: mismatched types at src/main.rs:2:"),
        "{reason}"
    );
    assert!(!err.to_string().contains('\n'), "{err}");
    let diagnostic = events
        .iter()
        .find_map(|e| match e {
            BuildEvent::Diagnostic(d) if d.level == Level::Error => Some(d),
            _ => None,
        })
        .expect("an error diagnostic");
    assert_eq!(diagnostic.code.as_deref(), Some("E0308"));
    assert_eq!(diagnostic.line, Some(2));
    assert!(
        diagnostic.rendered.contains("expected `u32`"),
        "{}",
        diagnostic.rendered
    );
    assert!(matches!(events.last(), Some(BuildEvent::Failed { .. })));
}

#[tokio::test]
async fn cancelling_a_build_kills_cargo_and_what_it_runs() {
    let marker = tempfile::tempdir().unwrap();
    let pid_file = marker.path().join("build-script.pid");
    // A build script that records its pid, then never finishes.
    let build_rs = format!(
        "fn main() {{ std::fs::write({:?}, std::process::id().to_string()).unwrap(); loop {{ std::thread::sleep(std::time::Duration::from_secs(1)); }} }}",
        pid_file
    );
    let scratch = Scratch::new("fn main() {}\n", Some(&build_rs));
    let spec = scratch.spec();
    let cancel = CancellationToken::new();
    let (tx, mut rx) = mpsc::channel(16);
    tokio::spawn(async move { while rx.recv().await.is_some() {} });
    let build = tokio::spawn({
        let cancel = cancel.clone();
        async move { build::build_with(&spec, &dev(BuildTarget::Local), tx, cancel).await }
    });
    // Wait until the build script runs (compiling it takes a moment).
    let pid = loop {
        if let Some(pid) = std::fs::read_to_string(&pid_file)
            .ok()
            .and_then(|t| t.trim().parse::<u32>().ok())
        {
            break pid;
        }
        assert!(
            !build.is_finished(),
            "the build ended before its script ran"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(running(pid));
    cancel.cancel();
    let result = build.await.unwrap();
    assert!(matches!(result, Err(BuildError::Cancelled)), "{result:?}");
    // SIGKILL to the group is delivered before build_with returns; the kernel may take a moment to
    // tear the process down.
    for _ in 0..200 {
        if !running(pid) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the build script {pid} survived the cancel");
}

fn progress_of(events: &[BuildEvent]) -> Vec<(usize, usize)> {
    events
        .iter()
        .filter_map(|e| match e {
            BuildEvent::Progress {
                compiled, total, ..
            } => Some((*compiled, *total)),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn the_total_follows_the_crate_when_its_targets_change() {
    let scratch = Scratch::new("fn main() {}\n", None);
    let lib = scratch.dir.path().join("fn/src/lib.rs");
    std::fs::write(&lib, "pub fn f() {}\n").unwrap();
    let spec = scratch.spec();
    // Library and binary: the estimate before any build is exact.
    let (result, events) = build_collecting(&spec, &dev(BuildTarget::Local)).await;
    result.unwrap();
    assert_eq!(progress_of(&events), [(1, 2), (2, 2)]);
    // Without the library the count the first build recorded no longer applies.
    std::fs::remove_file(&lib).unwrap();
    let (result, events) = build_collecting(&spec, &dev(BuildTarget::Local)).await;
    result.unwrap();
    assert_eq!(progress_of(&events), [(1, 1)]);
}

#[tokio::test]
async fn ctrl_c_in_lambdeck_build_stops_the_build_with_one_line() {
    let marker = tempfile::tempdir().unwrap();
    let pid_file = marker.path().join("build-script.pid");
    let build_rs = format!(
        "fn main() {{ std::fs::write({:?}, std::process::id().to_string()).unwrap(); loop {{ std::thread::sleep(std::time::Duration::from_secs(1)); }} }}",
        pid_file
    );
    let scratch = Scratch::new("fn main() {}\n", Some(&build_rs));
    let mut lambdeck = tokio::process::Command::new(env!("CARGO_BIN_EXE_lambdeck"))
        .arg("--config")
        .arg(scratch.dir.path().join("lambdeck.toml"))
        .args(["--local", "build"])
        .env(build::PROFILE_ENV, "dev")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let script_pid = loop {
        if let Some(pid) = std::fs::read_to_string(&pid_file)
            .ok()
            .and_then(|t| t.trim().parse::<u32>().ok())
        {
            break pid;
        }
        assert!(
            lambdeck.try_wait().unwrap().is_none(),
            "lambdeck ended before the build script ran"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // What the terminal sends on Ctrl-C; cargo runs in its own process group, so only lambdeck gets it.
    let pid =
        rustix::process::Pid::from_raw(i32::try_from(lambdeck.id().unwrap()).unwrap()).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::INT).unwrap();
    let out = lambdeck.wait_with_output().await.unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.lines().last(),
        Some("lambdeck: error: build cancelled"),
        "{stderr}"
    );
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    for _ in 0..200 {
        if !running(script_pid) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the build script {script_pid} survived Ctrl-C");
}

#[tokio::test]
async fn a_package_over_50_mb_is_flagged_by_the_build() {
    let scratch = Scratch::new(
        "static BLOB: &[u8] = include_bytes!(\"../blob.bin\");\nfn main() { println!(\"{}\", std::hint::black_box(BLOB).len()); }\n",
        None,
    );
    // Random bytes do not compress: the zip ends up just over the limit.
    let mut blob = vec![0u8; usize::try_from(build::DIRECT_UPLOAD_LIMIT).unwrap() + 1024];
    rand::Rng::fill(&mut rand::thread_rng(), blob.as_mut_slice());
    std::fs::write(scratch.dir.path().join("fn/blob.bin"), blob).unwrap();
    let (result, events) = build_collecting(&scratch.spec(), &dev(BuildTarget::Local)).await;
    let package = result.unwrap();
    assert!(
        package.size > build::DIRECT_UPLOAD_LIMIT,
        "{}",
        package.size
    );
    let warning = events
        .iter()
        .find_map(|e| match e {
            BuildEvent::Warning { message } if message.contains("direct-upload limit") => {
                Some(message.clone())
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("no warning about the limit: {events:?}"));
    assert_eq!(
        warning,
        format!(
            "the package is {} bytes, over Lambda's 50 MB (52428800 bytes) direct-upload limit for UpdateFunctionCode; shrink the binary (the lambda profile, fewer features) or upload through S3",
            package.size
        )
    );
}

#[tokio::test]
async fn ensure_package_builds_only_when_sources_are_newer() {
    let scratch = Scratch::new("fn main() { println!(\"v1\"); }\n", None);
    let spec = scratch.spec();
    let options = dev(BuildTarget::Local);
    let (tx, _rx) = mpsc::channel(1024);
    let built = build::ensure_package(&spec, &options, tx.clone(), CancellationToken::new())
        .await
        .unwrap();
    assert!(!built.reused);
    let again = build::ensure_package(&spec, &options, tx.clone(), CancellationToken::new())
        .await
        .unwrap();
    assert!(again.reused, "nothing changed, yet it rebuilt");
    assert_eq!(again.code_sha256, built.code_sha256);
    assert_eq!(again.elf, built.elf);

    // Another target is another package.
    let aws = build::ensure_package(
        &spec,
        &dev(BuildTarget::Aws),
        tx.clone(),
        CancellationToken::new(),
    )
    .await
    .unwrap();
    assert!(!aws.reused);

    // A source newer than the package triggers a build, which picks up the change.
    std::fs::write(scratch.main_rs(), "fn main() { println!(\"v2\"); }\n").unwrap();
    let later = std::time::SystemTime::now() + Duration::from_secs(5);
    std::fs::File::options()
        .write(true)
        .open(scratch.main_rs())
        .unwrap()
        .set_modified(later)
        .unwrap();
    let rebuilt = build::ensure_package(&spec, &options, tx, CancellationToken::new())
        .await
        .unwrap();
    assert!(!rebuilt.reused);
    assert_ne!(rebuilt.code_sha256, built.code_sha256);
}
