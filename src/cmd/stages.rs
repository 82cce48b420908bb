//! `lambdeck diff` and `promote`: every stage of the API, compared and moved. The diff goes to stdout
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
use crate::cli::{DiffArgs, PromoteArgs};
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
