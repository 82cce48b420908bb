//! `lambdeck status`: the resource tree and the stage's drift, as text or JSON.

/// Prints a line on stdout; a closed pipe (`| head`) ends the output quietly instead of panicking.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

use std::fmt::Write as _;

use serde::Serialize;

use super::{CmdResult, Session, Status};
use crate::cli::JsonArgs;
use crate::stack::tree::{self, DiffLine, Piece, list_or};
use crate::stack::{Drift, Found, Health, IntegrationTarget, Stack, load_stack};

/// Version of the `--json` shapes; bumped only on an incompatible change.
pub const JSON_SCHEMA: u32 = 2;

/// What `status --json` prints: the stack, its overall health and the exit status it implies.
#[derive(Debug, Serialize)]
pub struct StatusReport<'a> {
    pub schema: u32,
    pub health: Health,
    /// The exit status `status` returns: 0 in sync, 3 stale, 1 drift unknown.
    pub exit_code: u8,
    pub stack: &'a Stack,
}

/// The exit status a stack's drift implies: 0 in sync, 3 stale, 1 when drift is unknown.
pub fn exit_status(stack: &Stack) -> Status {
    match stack.drift {
        Drift::InSync => Status::Ok,
        Drift::Stale { .. } => Status::Stale,
        Drift::Unknown { .. } => Status::Error,
    }
}

pub async fn run(session: &Session, args: &JsonArgs) -> CmdResult {
    let conn = session.connect().await?;
    let clients = &conn.clients;
    let mut stack = load_stack(clients, &session.spec).await?;
    conn.note_local_runtime(&mut stack);
    let status = exit_status(&stack);
    if args.json {
        let report = StatusReport {
            schema: JSON_SCHEMA,
            health: stack.health(),
            exit_code: status as u8,
            stack: &stack,
        };
        let text = serde_json::to_string_pretty(&report)
            .map_err(|e| super::Failure::error(format!("cannot encode the status: {e}")))?;
        say!("{text}");
    } else {
        use std::io::Write as _;
        let _ = std::io::stdout().write_all(render_text(&stack).as_bytes());
    }
    Ok(status)
}

fn mark(h: Health) -> &'static str {
    match h {
        Health::Ok => "ok",
        Health::Warning => "!!",
        Health::Missing => "--",
    }
}

fn missing_line<T>(out: &mut String, what: &str, name: &str, found: &Found<T>) {
    let why = match found {
        Found::Unknown { reason } => format!("unknown: {reason}"),
        _ => "missing".to_owned(),
    };
    let _ = writeln!(out, "{} {what} {name}: {why}", mark(Health::Missing));
}

fn notes(out: &mut String, indent: &str, notes: &[String]) {
    for n in notes {
        let _ = writeln!(out, "{indent}note: {n}");
    }
}

fn when(secs: Option<i64>) -> String {
    secs.and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .map(|t| t.format("%Y-%m-%d %H:%M:%SZ").to_string())
        .unwrap_or_else(|| "-".into())
}

/// The tree, as `status` prints it: one node per line, a mark (ok, !!, --) for its health, notes below.
pub fn render_text(stack: &Stack) -> String {
    let mut out = String::new();
    let n = &stack.names;
    let _ = writeln!(
        out,
        "stack in {}{}",
        stack.region,
        stack
            .endpoint_url
            .as_deref()
            .map(|e| format!(" via {e}"))
            .unwrap_or_default()
    );
    // The engine's tree, one line per node (integrations ride on their method's line, a stage's
    // deployment on the stage's; the history shows its five newest).
    let mut listed = 0;
    // The configured stage's diff, printed under the drift summary after the tree.
    let mut diff = Vec::new();
    if let Some(tf) = &stack.terraform {
        let _ = writeln!(
            out,
            "terraform state in {}: {} piece(s) marked [tf ...] are Terraform's",
            tf.dir,
            tf.nodes.len()
        );
    }
    for node in tree::nodes(stack) {
        let mark = node.health.map_or("  ", mark);
        let start = out.len();
        // What Terraform manages is marked at the end of the node's first line.
        let tf_mark = node.terraform.map(|a| format!("  [tf {a}]"));
        match node.piece {
            Piece::Function(Found::Present(f)) => {
                let _ = writeln!(
                    out,
                    "{mark} function {}  {} {} {} MB {} s  {}/{}  code {} ({} bytes)  modified {}",
                    f.name,
                    f.runtime.as_deref().unwrap_or("-"),
                    f.architecture.as_deref().unwrap_or("-"),
                    f.memory_mb.unwrap_or_default(),
                    f.timeout_s.unwrap_or_default(),
                    f.state.as_deref().unwrap_or("-"),
                    f.last_update_status.as_deref().unwrap_or("-"),
                    f.code_sha256.as_deref().unwrap_or("-"),
                    f.code_size,
                    f.last_modified.as_deref().unwrap_or("-"),
                );
                notes(&mut out, "   ", &f.notes);
            }
            Piece::Function(other) => missing_line(&mut out, "function", &n.function, other),
            Piece::LogGroup(Found::Present(l)) => {
                let _ = writeln!(
                    out,
                    "{mark} log group {}  retention {}  {} recent stream(s){}",
                    l.name,
                    l.retention_days
                        .map_or_else(|| "never expires".into(), |d| format!("{d} days")),
                    l.latest_streams.len(),
                    l.latest_streams
                        .first()
                        .map(|s| format!(", newest {}", s.name))
                        .unwrap_or_default()
                );
                notes(&mut out, "   ", &l.notes);
            }
            Piece::LogGroup(other) => missing_line(&mut out, "log group", &n.log_group, other),
            Piece::Role(Found::Present(r)) => {
                let _ = writeln!(out, "{mark} role {}  {}", r.name, r.arn);
                notes(&mut out, "   ", &r.notes);
            }
            Piece::Role(other) => missing_line(&mut out, "role", &n.role, other),
            Piece::Permission(Found::Present(p)) => {
                let _ = writeln!(
                    out,
                    "{mark} permission  {} statement(s); API Gateway {} invoke the function",
                    p.statements.len(),
                    if p.allows_api { "may" } else { "may NOT" }
                );
                for s in &p.statements {
                    let _ = writeln!(
                        out,
                        "   {} {} {} {}",
                        s.sid.as_deref().unwrap_or("-"),
                        list_or(&s.principals, "-"),
                        list_or(&s.actions, "-"),
                        list_or(&s.source_arns, "(any source)")
                    );
                }
                notes(&mut out, "   ", &p.notes);
            }
            Piece::Permission(other) => missing_line(
                &mut out,
                "permission for",
                "apigateway.amazonaws.com",
                other,
            ),
            Piece::Api(Found::Present(api)) => {
                let _ = writeln!(out, "{mark} rest api {} ({})", api.name, api.id);
                notes(&mut out, "   ", &api.notes);
            }
            Piece::Api(other) => missing_line(&mut out, "rest api", &n.api, other),
            Piece::Resource(r) => {
                let _ = writeln!(out, "   {}", r.path);
            }
            Piece::Method(m) => {
                let integration = match &m.integration {
                    None => "no integration".to_owned(),
                    Some(i) => match &i.target {
                        IntegrationTarget::ThisFunction => {
                            format!("{} -> {}", i.kind, n.function)
                        }
                        IntegrationTarget::OtherFunction { function_arn } => {
                            format!("{} -> {function_arn}", i.kind)
                        }
                        IntegrationTarget::NotLambda => {
                            format!("{} {}", i.kind, i.uri.as_deref().unwrap_or(""))
                        }
                    },
                };
                let _ = writeln!(
                    out,
                    "   {mark} {:<7} auth {}{}  {}",
                    m.http_method,
                    m.authorization_type,
                    if m.api_key_required { " +api key" } else { "" },
                    integration.trim_end()
                );
                notes(&mut out, "        ", &m.notes);
            }
            Piece::Stage {
                stage: s,
                configured,
                diff: lines,
            } => {
                let _ = writeln!(
                    out,
                    "   {mark} stage {} -> deployment {}  {}",
                    s.name,
                    s.deployment_id.as_deref().unwrap_or("-"),
                    s.invoke_url
                );
                if let Some(canary) = &s.canary_deployment_id {
                    let _ = writeln!(out, "        canary: deployment {canary}");
                }
                notes(&mut out, "        ", &s.notes);
                if configured {
                    // Printed under the drift summary after the tree.
                    diff = lines;
                } else if let Some(drift) = &s.drift {
                    // Every other stage's own drift, under the stage.
                    let _ = writeln!(out, "        drift: {}", drift.summary());
                    for line in lines {
                        let _ = match line {
                            DiffLine::Change(c) => writeln!(out, "          {c}"),
                            DiffLine::NotComparable(n) => {
                                writeln!(out, "          ? not comparable: {n}")
                            }
                        };
                    }
                }
            }
            Piece::Deployments(all) => {
                let _ = writeln!(out, "   deployments ({}, newest first):", all.len());
            }
            Piece::Deployment(d) => {
                listed += 1;
                if listed > 5 {
                    continue;
                }
                let _ = writeln!(
                    out,
                    "     {}  {}  {}{}",
                    d.id,
                    when(d.created),
                    d.description.as_deref().unwrap_or(""),
                    if d.stages.is_empty() {
                        String::new()
                    } else {
                        format!("  [{}]", d.stages.join(", "))
                    }
                );
            }
            Piece::Integration(_)
            | Piece::StageDeployment(_)
            | Piece::StageCanary(_)
            | Piece::MissingStage => {}
        }
        if let Some(m) = tf_mark
            && let Some(nl) = out[start..].find('\n')
        {
            out.insert_str(start + nl, &m);
        }
    }
    if listed > 5 {
        let _ = writeln!(out, "     ... {} older", listed - 5);
    }
    let _ = writeln!(out, "drift: {}", stack.drift.summary());
    for line in diff {
        let _ = match line {
            DiffLine::Change(c) => writeln!(out, "  {c}"),
            DiffLine::NotComparable(n) => writeln!(out, "  ? not comparable: {n}"),
        };
    }
    if stack.drift.is_stale() {
        let _ = writeln!(out, "run `lambdeck deploy` to make these changes live");
    }
    let no_stage = stack
        .api
        .as_ref()
        .is_some_and(|a| a.stage(&stack.names.stage).is_none());
    if stack.function.is_missing()
        || stack.log_group.is_missing()
        || stack.role.is_missing()
        || stack.permission.is_missing()
        || stack.api.is_missing()
        || no_stage
    {
        let _ = writeln!(out, "run `lambdeck up` to create what is missing");
    }
    out
}
