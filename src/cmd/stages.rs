//! `lambdeck diff`, `promote` and `canary`: every stage of the API, compared and moved. The diff goes to stdout
//! first; the question goes to stderr and is asked only on a terminal (else `--yes` is required).

/// Prints a line on stdout; a closed pipe (`| head`) ends the output quietly instead of panicking.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

use super::deploy::{confirm, print_outcome, warn_if_terraform_owns};
use super::{CmdResult, Failure, Session, Status};
use crate::cli::{CanaryArgs, DiffArgs, PromoteArgs};
use crate::stack::load_stack;
use crate::stack::stages::{self, StageDiff};

/// The diff as text, one line per change (the same lines `status` prints for drift).
pub fn render_diff(d: &StageDiff) -> String {
    use std::fmt::Write as _;
    let mut out = format!("{}\n", d.summary());
    for c in &d.changes {
        let _ = writeln!(out, "  {c}");
    }
    for n in &d.not_comparable {
        let _ = writeln!(out, "  ? not comparable: {n}");
    }
    out
}

/// Compares what two stages serve: exit 0 when the same, 3 when they differ, 1 when unknown.
pub async fn diff(session: &Session, args: &DiffArgs) -> CmdResult {
    let conn = session.connect().await?;
    let stack = load_stack(&conn.clients, &session.spec).await?;
    let d = stages::diff_stages(&stack, &args.from, &args.to)?;
    if args.json {
        let text = serde_json::to_string_pretty(&d).map_err(Failure::error)?;
        say!("{text}");
    } else {
        use std::io::Write as _;
        let _ = std::io::stdout().write_all(render_diff(&d).as_bytes());
    }
    Ok(if d.unknown.is_some() {
        Status::Error
    } else if d.is_same() {
        Status::Ok
    } else {
        Status::Stale
    })
}

/// Points stage TO at the deployment FROM serves, after showing what TO would serve differently.
pub async fn promote(session: &Session, args: &PromoteArgs) -> CmdResult {
    let conn = session.connect().await?;
    let clients = &conn.clients;
    let stack = load_stack(clients, &session.spec).await?;
    let (from, to) = (args.from.as_str(), args.to.as_str());
    let deployment = stages::promote_check(&stack, from, to)?;
    let exists = stack.api.as_ref().is_some_and(|a| a.stage(to).is_some());
    let plan = if exists {
        render_diff(&stages::diff_stages(&stack, to, from)?)
    } else {
        format!("stage {to} does not exist yet: it is created on deployment {deployment}\n")
    };
    let plan = format!("promote {from} → {to}: deployment {deployment}\n{plan}");
    if args.json {
        eprint!("{plan}");
    } else {
        say!("{}", plan.trim_end());
    }
    if !args.yes
        && !confirm(
            &format!("point stage {to} at deployment {deployment}?"),
            &format!("promoting to stage {to}"),
        )?
    {
        eprintln!("nothing changed");
        return Ok(Status::Ok);
    }
    let outcome = stages::promote(clients, &session.spec, &stack, from, to).await?;
    print_outcome(&outcome, args.json)?;
    warn_if_terraform_owns(session, &outcome);
    Ok(Status::Ok)
}

/// A canary release on a stage: deploy one (`--percent`, after showing what it would serve differently
/// and a y/N), promote it (y/N) or cancel it (at once: it is the way back).
pub async fn canary(session: &Session, args: &CanaryArgs) -> CmdResult {
    let conn = session.connect().await?;
    let clients = &conn.clients;
    let stack = load_stack(clients, &session.spec).await?;
    let stage = args
        .stage
        .clone()
        .unwrap_or_else(|| stack.names.stage.clone());
    let api = stack.api.as_ref().ok_or_else(|| {
        Failure::error(format!(
            "REST API {} not found; run `lambdeck up` to create it",
            stack.names.api
        ))
    })?;
    let current = stages::stage_named(api, &stage)?;
    let print = |text: &str| {
        if args.json {
            eprintln!("{text}");
        } else {
            say!("{text}");
        }
    };
    let outcome = if let Some(percent) = args.percent {
        if let Some(c) = &current.canary_deployment_id {
            print(&format!(
                "stage {stage} already has a canary ({c}); it is replaced by the new one"
            ));
        }
        let drift = current
            .drift
            .clone()
            .unwrap_or(crate::stack::Drift::Unknown {
                reason: "not judged".into(),
            });
        print(&format!(
            "canary on stage {stage} at {percent}% of its requests: {}",
            drift.summary()
        ));
        for c in drift.changes() {
            print(&format!("  {c}"));
        }
        if !args.yes
            && !confirm(
                &format!("deploy the working API to stage {stage} as a {percent}% canary?"),
                &format!("a canary on stage {stage}"),
            )?
        {
            eprintln!("nothing deployed");
            return Ok(Status::Ok);
        }
        stages::deploy_canary(clients, &session.spec, &stack, &stage, percent).await?
    } else if args.promote {
        let canary = current.canary_deployment_id.as_deref().unwrap_or("none");
        print(&format!(
            "promote the canary of stage {stage}: serve {canary} (now {}) instead of {}",
            current
                .canary_percent
                .map_or_else(|| "-".to_owned(), |p| p.to_string()),
            current.deployment_id.as_deref().unwrap_or("none")
        ));
        if current.canary_deployment_id.is_some()
            && !args.yes
            && !confirm(
                &format!("point stage {stage} at {canary}?"),
                &format!("promoting the canary of stage {stage}"),
            )?
        {
            eprintln!("nothing changed");
            return Ok(Status::Ok);
        }
        stages::end_canary(clients, &session.spec, &stack, &stage, true).await?
    } else {
        stages::end_canary(clients, &session.spec, &stack, &stage, false).await?
    };
    print_outcome(&outcome, args.json)?;
    if outcome.action == crate::stack::deploy::StageAction::CanaryPromote {
        warn_if_terraform_owns(session, &outcome);
    }
    Ok(Status::Ok)
}
