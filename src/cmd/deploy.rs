//! `lambdeck deploy`, `rollback` and `prune`: the stage actions. The drift or the plan goes to stdout
//! first; questions go to stderr and are asked only on a terminal (else `--yes` is required).

/// Prints a line on stdout; a closed pipe (`| head`) ends the output quietly instead of panicking.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

use std::io::{BufRead, IsTerminal, Write};

use super::{CmdResult, Failure, Session, Status};
use crate::cli::{DeployArgs, PruneArgs, RollbackArgs};
use crate::stack::deploy::{self, StageAction, StageOutcome};
use crate::stack::{Drift, load_stack};

/// Asks a y/N question on stderr; anything but y/yes is no. Without a terminal there is nobody to ask,
/// so the caller must pass --yes (a usage error, exit 2). `action` names what needs the yes.
pub(crate) fn confirm(question: &str, action: &str) -> Result<bool, Failure> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(Failure::usage(format!(
            "{action} needs confirmation and there is no terminal to ask on; pass --yes to go ahead"
        )));
    }
    let mut err = std::io::stderr();
    let _ = write!(err, "{question} [y/N] ");
    let _ = err.flush();
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::error(format!("cannot read the answer: {e}")))?;
    Ok(matches!(
        line.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

fn say_line(text: &str) {
    say!("{text}");
}

/// With --json the plan goes to stderr, so that stdout stays one JSON document.
fn eprint_line(text: &str) {
    eprintln!("{text}");
}

pub(crate) fn print_outcome(o: &StageOutcome, json: bool) -> Result<(), Failure> {
    if json {
        let text = serde_json::to_string_pretty(o).map_err(Failure::error)?;
        say!("{text}");
        return Ok(());
    }
    let verb = match o.action {
        StageAction::Deploy => "deployed",
        StageAction::Rollback => "rolled back to",
        StageAction::Promote => "promoted",
        StageAction::Canary => {
            say!(
                "deployed {} to stage {} as a canary taking {} of its requests; the stage still serves {}",
                o.deployment.id,
                o.stage.name,
                o.stage
                    .canary_percent
                    .map_or_else(|| "none".to_owned(), |p| p.to_string()),
                o.stage.deployment_id.as_deref().unwrap_or("none")
            );
            say!("  url: {}", o.stage.invoke_url);
            return Ok(());
        }
        StageAction::CanaryPromote => "promoted the canary: serving",
        StageAction::CanaryCancel => "cancelled the canary: still serving",
    };
    say!(
        "{verb} {} on stage {} (was {}); confirmed by re-reading the stage",
        o.deployment.id,
        o.stage.name,
        o.previous_deployment_id.as_deref().unwrap_or("none")
    );
    if let Some(d) = &o.deployment.description {
        say!("  description: {d}");
    }
    say!("  url: {}", o.stage.invoke_url);
    say!("  drift now: {}", o.drift.summary());
    Ok(())
}

/// Deploys the working API to the stage. In sync means there is nothing to make live: deploy says so and
/// creates nothing (exit 0) unless --force; a stale or unknown drift is shown, then deployed after a
/// y/N (or --yes).
pub async fn deploy(session: &Session, args: &DeployArgs) -> CmdResult {
    let conn = session.connect().await?;
    let clients = &conn.clients;
    let stack = load_stack(clients, &session.spec).await?;
    let Some(api) = stack.api.as_ref() else {
        return Err(Failure::error(format!(
            "REST API {} not found; run `lambdeck up` to create it",
            stack.names.api
        )));
    };
    if stack.drift == Drift::InSync && !args.force {
        if args.json {
            say!(
                "{}",
                serde_json::json!({"action": "deploy", "api_id": api.id, "deployed": false, "drift": stack.drift})
            );
        } else {
            say!(
                "stage {} already serves the working API of {}: nothing to deploy",
                stack.names.stage,
                api.id
            );
        }
        return Ok(Status::Ok);
    }
    if !args.json {
        say!("stage {}: {}", stack.names.stage, stack.drift.summary());
        for c in stack.drift.changes() {
            say!("  {c}");
        }
    }
    if !args.yes
        && !confirm(
            &format!("deploy to stage {}?", stack.names.stage),
            &format!("deploying to stage {}", stack.names.stage),
        )?
    {
        eprintln!("nothing deployed");
        return Ok(Status::Ok);
    }
    let outcome = deploy::deploy_stage(clients, &session.spec, &stack).await?;
    print_outcome(&outcome, args.json)?;
    warn_if_terraform_owns(session, &outcome);
    Ok(Status::Ok)
}

/// Points the stage at an earlier deployment: the one named, or the one before the current.
pub async fn rollback(session: &Session, args: &RollbackArgs) -> CmdResult {
    let conn = session.connect().await?;
    let clients = &conn.clients;
    let stack = load_stack(clients, &session.spec).await?;
    let stage = &stack.names.stage;
    let Some(api) = stack.api.as_ref() else {
        return Err(Failure::error(format!(
            "REST API {} not found; nothing to roll back",
            stack.names.api
        )));
    };
    let target = deploy::rollback_target(api, stage, args.deployment_id.as_deref())?.clone();
    let changes = deploy::rollback_changes(clients, &stack, &target).await?;
    let current = api
        .stage(stage)
        .and_then(|s| s.deployment_id.as_deref())
        .unwrap_or("none");
    let print = if args.json { eprint_line } else { say_line };
    print(&format!(
        "roll stage {stage} back from {current} to {} ({})",
        target.id,
        target.description.as_deref().unwrap_or("no description")
    ));
    if changes.is_empty() {
        print("  the routes served stay the same");
    }
    for c in &changes {
        print(&format!("  {c}"));
    }
    if !args.yes
        && !confirm(
            &format!("roll stage {stage} back to {}?", target.id),
            &format!("rolling stage {stage} back"),
        )?
    {
        eprintln!("nothing changed");
        return Ok(Status::Ok);
    }
    let outcome = deploy::roll_back(clients, &session.spec, &stack, Some(&target.id)).await?;
    print_outcome(&outcome, args.json)?;
    warn_if_terraform_owns(session, &outcome);
    Ok(Status::Ok)
}

/// A stage Terraform manages goes back to Terraform's deployment at the next apply: say so on stderr
/// (stdout stays the outcome, JSON included), with the fix for the configuration.
pub(crate) fn warn_if_terraform_owns(session: &Session, outcome: &StageOutcome) {
    if let Some(w) = crate::terraform::after_stage_change(
        session.spec.terraform_state.as_ref(),
        &outcome.api_id,
        &outcome.stage.name,
    ) {
        eprintln!("{w}");
    }
}

/// Deletes all but the `--keep` newest deployments, never one a stage uses, after a y/N (or --yes).
pub async fn prune(session: &Session, args: &PruneArgs) -> CmdResult {
    let conn = session.connect().await?;
    let clients = &conn.clients;
    let stack = load_stack(clients, &session.spec).await?;
    let Some(api) = stack.api.as_ref() else {
        return Err(Failure::error(format!(
            "REST API {} not found; nothing to prune",
            stack.names.api
        )));
    };
    let (doomed, terraforms) =
        deploy::without_terraforms(&stack, deploy::prune_candidates(api, args.keep, args.all));
    for (d, address) in &terraforms {
        say!(
            "skipped {}: Terraform manages it ({address}); `terraform destroy` or a new apply removes it",
            d.id
        );
    }
    if doomed.is_empty() {
        say!(
            "nothing to prune: {} deployment(s), keeping the {} newest and any a stage uses",
            api.deployments.len(),
            args.keep
        );
        return Ok(Status::Ok);
    }
    say!(
        "would delete {} of {} deployment(s) of {}:",
        doomed.len(),
        api.deployments.len(),
        api.id
    );
    for d in &doomed {
        say!("  {}  {}", d.id, d.description.as_deref().unwrap_or(""));
    }
    if !args.yes && !confirm("delete them?", "pruning deployments")? {
        eprintln!("nothing deleted");
        return Ok(Status::Ok);
    }
    let outcome = deploy::prune(clients, api, &doomed).await?;
    say!(
        "deleted {} deployment(s); {} remain (re-read)",
        outcome.deleted.len(),
        outcome.remaining
    );
    Ok(Status::Ok)
}
