//! `lambdeck watch`: rebuild the function on every saved change and upload it when its code changed,
//! until Ctrl-C. Compiler errors are printed and watching goes on.

use std::io::Write as _;

use tokio::sync::mpsc;

use super::{CmdResult, Failure, Session, Status};
use crate::build::{BuildEvent, Level, UploadReport};
use crate::cli::WatchArgs;
use crate::watch::{WatchConfig, WatchEvent, spawn_watch};

pub async fn run(session: &Session, args: &WatchArgs) -> CmdResult {
    let mut config = WatchConfig::for_target(&session.spec, session.build_target());
    if let Some(p) = &args.build_profile {
        config.build.profile.clone_from(p);
    }
    let conn = session.connect().await?;
    let (tx, mut rx) = mpsc::channel(256);
    let handle = spawn_watch(conn.clients.clone(), session.spec.clone(), config, tx)
        .await
        .map_err(Failure::error)?;
    let function = session.spec.function.name.clone();
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break,
            event = rx.recv() => {
                let Some(event) = event else { break };
                if args.json {
                    if let Ok(line) = serde_json::to_string(&event) {
                        println!("{line}");
                    }
                } else if let Some(line) = describe(&event, &function) {
                    print!("{line}");
                }
                let _ = std::io::stdout().flush();
            }
        }
    }
    handle.stop().await;
    conn.shutdown().await;
    Ok(Status::Ok)
}

/// The text form of a watch event: complete lines, or nothing for the quiet ones.
pub fn describe(event: &WatchEvent, function: &str) -> Option<String> {
    Some(match event {
        WatchEvent::Watching { dir, profile } => format!(
            "watching {} (profile {profile}); Ctrl-C to stop\n",
            dir.display()
        ),
        WatchEvent::Changed { paths } => {
            let names: Vec<String> = paths
                .iter()
                .map(|p| {
                    p.file_name()
                        .map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into())
                })
                .collect();
            format!("changed: {}\n", names.join(", "))
        }
        WatchEvent::Restarted => "changed during the build: restarting it\n".to_owned(),
        WatchEvent::Build(BuildEvent::Started { command, .. }) => format!("building: {command}\n"),
        WatchEvent::Build(BuildEvent::Warning { message }) => format!("warning: {message}\n"),
        WatchEvent::Build(BuildEvent::Diagnostic(d)) => match d.level {
            Level::Error => d.rendered.clone(),
            Level::Warning => format!("{}\n", d.headline()),
            _ => return None,
        },
        WatchEvent::Build(BuildEvent::Finished {
            code_sha256,
            elapsed_ms,
            ..
        }) => format!("built {code_sha256} in {elapsed_ms} ms\n"),
        WatchEvent::Build(BuildEvent::Failed { .. } | BuildEvent::Progress { .. }) => return None,
        WatchEvent::Uploaded(UploadReport::Skipped { sha, .. }) => {
            format!("unchanged: {function} already runs {sha}; nothing sent\n")
        }
        WatchEvent::Uploaded(UploadReport::Updated { new_sha, .. }) => {
            format!("uploaded: {function} now runs {new_sha}\n")
        }
        WatchEvent::Failed { reason } => format!("failed: {reason}; still watching\n"),
        WatchEvent::Idle {
            elapsed_ms,
            initial: true,
        } => format!("ready (first build, {elapsed_ms} ms)\n"),
        WatchEvent::Idle {
            elapsed_ms,
            initial: false,
        } => format!("ready ({elapsed_ms} ms after the change)\n"),
    })
}
