//! `lambdeck build` and `upload`: build, package and upload the function, headless. Progress and
//! diagnostics go to stderr as short lines; the result goes to stdout (one JSON object with --json).

use serde_json::json;
use tokio::sync::mpsc;

use super::{CmdResult, Failure, Session, Status};
use crate::build::{
    self, BuildEvent, BuildOptions, BuildTarget, CancellationToken, Level, Package, UploadError,
    UploadReport,
};
use crate::cli::{JsonArgs, UploadArgs};

pub async fn build(session: &Session, args: &JsonArgs) -> CmdResult {
    let options = BuildOptions::new(session.build_target());
    let package = run_build(session, &options, false).await?;
    let runnable = runnable(session, &package);
    if args.json {
        println!(
            "{}",
            package_json(session, &options, &package, runnable.as_ref())
        );
    } else {
        println!(
            "built {} ({}, CodeSha256 {})",
            package.zip_path.display(),
            human_size(package.size),
            package.code_sha256
        );
    }
    Ok(Status::Ok)
}

pub async fn upload(session: &Session, args: &UploadArgs) -> CmdResult {
    let options = BuildOptions::new(session.build_target());
    let conn = session.connect().await?;
    let clients = &conn.clients;
    let function = &session.spec.function.name;
    let explain = |e: UploadError| match &e {
        UploadError::Aws(aws) if aws.is_not_found() => {
            let up = if session.is_local() {
                "lambdeck --local up"
            } else {
                "lambdeck up"
            };
            Failure::error(format!("{e}; create the stack first with `{up}`"))
        }
        _ => Failure::error(e),
    };
    // Ask for the function before building: a wrong endpoint, missing credentials or a function that
    // does not exist should fail in a second, not after a long build.
    crate::aws::lambda_code::deployed_code(clients, function)
        .await
        .map_err(|e| explain(e.into()))?;
    let package = run_build(session, &options, true).await?;
    let report = build::upload_code(
        clients,
        function,
        &package,
        args.publish || session.spec.function.publish,
    )
    .await
    .map_err(explain)?;
    if args.json {
        let mut value = serde_json::to_value(&report).map_err(Failure::error)?;
        if let Some(object) = value.as_object_mut() {
            object.insert("function".into(), json!(function));
            object.insert("zip_path".into(), json!(package.zip_path));
            object.insert("size".into(), json!(package.size));
            object.insert("built".into(), json!(!package.reused));
        }
        println!("{value}");
        return Ok(Status::Ok);
    }
    match &report {
        UploadReport::Skipped { sha, version } => {
            println!("up to date: {function} already runs {sha}; nothing sent");
            if let Some(v) = version {
                println!("published version {v}");
            }
        }
        UploadReport::Updated {
            old_sha,
            new_sha,
            version,
        } => {
            println!(
                "updated {function}: {old_sha} -> {new_sha} ({}, verified)",
                human_size(package.size)
            );
            if let Some(v) = version {
                println!("published version {v}");
            }
        }
    }
    Ok(Status::Ok)
}

/// Builds (or, for upload, reuses an up-to-date package), printing events on stderr as they arrive.
async fn run_build(
    session: &Session,
    options: &BuildOptions,
    reuse: bool,
) -> Result<Package, Failure> {
    let (tx, rx) = mpsc::channel(64);
    let printer = tokio::spawn(print_events(rx));
    let cancel = CancellationToken::new();
    // Ctrl-C stops cargo instead of leaving it running after lambdeck exits.
    let on_interrupt = {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                cancel.cancel();
            }
        })
    };
    let result = if reuse {
        build::ensure_package(&session.spec, options, tx, cancel).await
    } else {
        build::build_with(&session.spec, options, tx, cancel).await
    };
    on_interrupt.abort();
    let _ = printer.await;
    result.map_err(Failure::error)
}

async fn print_events(mut rx: mpsc::Receiver<BuildEvent>) {
    let mut last_quarter = 0;
    while let Some(event) = rx.recv().await {
        match event {
            BuildEvent::Started { toolchain, command } => {
                eprintln!("building with {toolchain}: {command}");
            }
            BuildEvent::Warning { message } => eprintln!("warning: {message}"),
            BuildEvent::Progress {
                compiled, total, ..
            } => {
                // A line per quarter: enough to show life without a line per crate.
                let quarter = compiled * 4 / total.max(1);
                if quarter > last_quarter {
                    last_quarter = quarter;
                    eprintln!("compiled {compiled} of {total} crates");
                }
            }
            BuildEvent::Diagnostic(d) => match d.level {
                Level::Error => eprint!("{}", d.rendered),
                Level::Warning => eprintln!("{}", d.headline()),
                _ => {}
            },
            BuildEvent::Finished { .. } | BuildEvent::Failed { .. } => {}
        }
    }
}

/// Whether provided.al2023 can run the package, when it is meant for Lambda.
fn runnable(session: &Session, package: &Package) -> Option<Result<(), String>> {
    (package.target == BuildTarget::Aws).then(|| {
        package
            .check_runnable(session.spec.function.architecture)
            .map_err(|e| e.to_string())
    })
}

fn package_json(
    session: &Session,
    options: &BuildOptions,
    package: &Package,
    runnable: Option<&Result<(), String>>,
) -> serde_json::Value {
    json!({
        "function": session.spec.function.name,
        "target": options.target,
        "profile": options.profile,
        "toolchain": package.toolchain,
        "zip_path": package.zip_path,
        "binary_path": package.binary_path,
        "code_sha256": package.code_sha256,
        "size": package.size,
        "machine": package.elf.machine.to_string(),
        "glibc": package.elf.glibc.map(|g| g.to_string()),
        "runnable_on_lambda": runnable.map(Result::is_ok),
        "not_runnable_reason": runnable.and_then(|r| r.as_ref().err()),
    })
}

fn human_size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{:.0} KB", bytes as f64 / 1024.0)
    }
}
