//! `lambdeck up` and `down`: provision the stack lambdeck.toml describes, and remove what up created.

/// Prints a line on stdout; a closed pipe (`| head`) ends the output quietly instead of panicking.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

use tokio::sync::mpsc;

use super::deploy::confirm;
use super::{CmdResult, Failure, Session, Status};
use crate::build::{self, BuildEvent, BuildOptions, CancellationToken};
use crate::cli::{DownArgs, JsonArgs};
use crate::stack::load_stack;
use crate::stack::provision::{self, ProvisionReport, Step, StepAction};

fn action_word(a: StepAction) -> &'static str {
    match a {
        StepAction::Created => "created",
        StepAction::Exists => "exists ",
        StepAction::Deleted => "deleted",
        StepAction::Skipped => "skipped",
    }
}

/// What a plan step will do, before anything happened.
fn plan_word(a: StepAction) -> &'static str {
    match a {
        StepAction::Deleted => "delete ",
        _ => "keep   ",
    }
}

fn print_steps(steps: &[Step]) {
    print_lines(steps, action_word);
}

fn print_plan(steps: &[Step]) {
    print_lines(steps, plan_word);
}

fn print_lines(steps: &[Step], word: fn(StepAction) -> &'static str) {
    for s in steps {
        say!(
            "  {} {} {}{}",
            word(s.action),
            s.kind,
            s.name,
            s.detail
                .as_deref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default()
        );
    }
}

/// The function's package from the build module (reused when up to date), for the target the flags
/// select: a native build for the local stack, a Lambda build otherwise.
async fn package(session: &Session) -> Result<build::Package, Failure> {
    let (tx, mut rx) = mpsc::channel::<BuildEvent>(64);
    let printer = tokio::spawn(async move {
        while let Some(event) = rx.recv().await {
            match event {
                BuildEvent::Started { toolchain, command } => {
                    eprintln!("building the function with {toolchain}: {command}");
                }
                BuildEvent::Warning { message } => eprintln!("warning: {message}"),
                BuildEvent::Failed { reason } => eprintln!("build failed: {reason}"),
                _ => {}
            }
        }
    });
    let result = build::ensure_package(
        &session.spec,
        &BuildOptions::new(session.build_target()),
        tx,
        CancellationToken::new(),
    )
    .await;
    let _ = printer.await;
    result.map_err(Failure::error)
}

pub async fn up(session: &Session, args: &JsonArgs) -> CmdResult {
    let conn = session.connect().await?;
    let clients = &conn.clients;
    let stack = load_stack(clients, &session.spec).await?;
    // Build only when the function has to be created: a second `up` must not rebuild anything.
    let zip = if provision::needs_package(&stack, &session.spec) {
        let package = package(session).await?;
        if !clients.local {
            // The same refusal as `upload`: provided.al2023 cannot run another CPU's or a newer glibc's
            // binary, and CreateFunction would accept it anyway.
            package
                .check_runnable(session.spec.function.architecture)
                .map_err(|e| Failure::error(build::UploadError::NotRunnable(e)))?;
        }
        Some(package.zip.to_vec())
    } else {
        None
    };
    let report = provision::up(clients, &session.spec, &stack, zip).await?;
    print_report("up", &report, args.json)?;
    Ok(Status::Ok)
}

fn print_report(what: &str, report: &ProvisionReport, json: bool) -> Result<(), Failure> {
    if json {
        let text = serde_json::to_string_pretty(report).map_err(Failure::error)?;
        say!("{text}");
        return Ok(());
    }
    if report.changed {
        say!("{what}:");
    } else if what == "up" {
        say!("up: nothing to do, every piece exists");
    } else {
        say!("{what}: nothing removed");
    }
    print_steps(&report.steps);
    if let Some(d) = &report.drift {
        say!("drift: {}", d.summary());
    }
    if let Some(next) = provision::follow_up(report) {
        say!("{next}");
    }
    Ok(())
}

pub async fn down(session: &Session, args: &DownArgs) -> CmdResult {
    let conn = session.connect().await?;
    let clients = &conn.clients;
    let stack = load_stack(clients, &session.spec).await?;
    let plan = provision::down_plan(&stack);
    if !plan.iter().any(|s| s.action == StepAction::Deleted) {
        say!("down: nothing lambdeck created is there");
        print_plan(&plan);
        return Ok(Status::Ok);
    }
    say!("down will delete what lambdeck created and keep the rest:");
    print_plan(&plan);
    if !args.yes && !confirm("delete these?", "down")? {
        eprintln!("nothing removed");
        return Ok(Status::Ok);
    }
    let report = provision::down(clients, &session.spec, &stack).await?;
    print_report("down", &report, false)?;
    Ok(Status::Ok)
}
