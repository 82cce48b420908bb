//! `lambdeck logs`: print the function's log events, optionally following them.

use std::io::Write as _;

use serde::Serialize;
use tokio::sync::mpsc;

use super::{CmdResult, Failure, Session, Status};
use crate::aws::{AwsError, ErrorKind};
use crate::cli::LogsArgs;
use crate::tail::{self, CloudWatch, LogEvent, TailConfig, TailMode, TailMsg};

/// One `--json` line per event.
#[derive(Debug, Serialize)]
pub struct JsonEvent<'a> {
    /// RFC 3339, UTC, milliseconds.
    pub time: String,
    #[serde(flatten)]
    pub event: &'a LogEvent,
}

pub async fn run(session: &Session, args: &LogsArgs) -> CmdResult {
    let since = tail::parse_since(&args.since).map_err(Failure::usage)?;
    let conn = session.connect().await?;
    let clients = &conn.clients;
    let timing = conn.poll_timing();
    let now = chrono::Utc::now().timestamp_millis();
    let since_ms = i64::try_from(since.as_millis()).unwrap_or(i64::MAX);
    let config = TailConfig {
        group: session.spec.function.log_group(),
        pattern: args.filter.clone(),
        // Further back than 1970 is as far back as there is.
        start_time: now.saturating_sub(since_ms).max(0),
        follow: args.follow,
        live_tail: args.follow && !args.no_live_tail,
        live_tail_billed: !conn.is_local_endpoint(),
        timing,
        resume: None,
    };
    let (tx, mut rx) = mpsc::channel(64);
    let tail = tail::spawn_tail(
        CloudWatch {
            clients: clients.clone(),
        },
        config,
        tx,
    );
    let mut out = std::io::stdout().lock();
    let result = loop {
        let msg = tokio::select! {
            m = rx.recv() => m,
            _ = tokio::signal::ctrl_c() => break Ok(Status::Ok),
        };
        match msg {
            None => break Ok(Status::Ok),
            Some(TailMsg::Events(events)) => {
                for e in &events {
                    let line = if args.json {
                        serde_json::to_string(&JsonEvent {
                            time: iso_time(e.timestamp),
                            event: e,
                        })
                        .map_err(|err| Failure::error(format!("cannot encode an event: {err}")))?
                    } else {
                        render(e)
                    };
                    // A closed pipe (`| head`) ends the command quietly.
                    if writeln!(out, "{line}").is_err() {
                        break;
                    }
                }
                if out.flush().is_err() {
                    break Ok(Status::Ok);
                }
            }
            Some(TailMsg::Mode { mode, reason }) => {
                let what = match mode {
                    TailMode::LiveTail => "following with Live Tail",
                    TailMode::Polling => "following by polling FilterLogEvents",
                };
                match (mode, reason) {
                    (TailMode::LiveTail, Some(r)) => {
                        eprintln!("lambdeck: {what} ({r}; --no-live-tail polls instead)");
                    }
                    (_, Some(r)) => eprintln!("lambdeck: {what} ({r})"),
                    (_, None) => eprintln!("lambdeck: {what}"),
                }
            }
            Some(TailMsg::Trouble { error, retry_in }) => {
                eprintln!(
                    "lambdeck: {error}; retrying in {:.1} s",
                    retry_in.as_secs_f64()
                );
            }
            Some(TailMsg::Recovered) => eprintln!("lambdeck: reading logs again"),
            Some(TailMsg::CaughtUp) => {}
            Some(TailMsg::Failed(error)) => break Err(failure(error, args)),
        }
    };
    tail.stop().await;
    result
}

/// The one line a failed read ends with: what the user can do about it where that is known.
fn failure(error: AwsError, args: &LogsArgs) -> Failure {
    match (error.kind, &args.filter) {
        // The service checks the pattern; the start time is always valid, so the pattern is what it refused.
        (ErrorKind::Validation, Some(pattern)) => {
            Failure::usage(format!("invalid --filter {pattern}: {}", error.message))
        }
        // Lambda creates the group when the function first logs.
        (ErrorKind::NotFound, _) => Failure::error(format!(
            "{}: the function has not logged anything yet (invoke it, e.g. with `lambdeck ping`)",
            error.resource
        )),
        _ => Failure::from(error),
    }
}

/// `2026-11-24T16:00:00.123Z a1b2c3d4 message`: the stream shown by the last 8 characters of its id,
/// enough to tell execution environments apart.
pub fn render(e: &LogEvent) -> String {
    let stream = e
        .stream
        .char_indices()
        .rev()
        .nth(7)
        .map_or(e.stream.as_str(), |(i, _)| &e.stream[i..]);
    format!(
        "{} {stream} {}",
        iso_time(e.timestamp),
        e.message.trim_end_matches(['\n', '\r'])
    )
}

fn iso_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_else(|| ms.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tail::LineKind;

    #[test]
    fn a_line_shows_time_stream_and_message() {
        let e = LogEvent {
            event_id: None,
            stream: "2026/11/24/[$LATEST]0123456789abcdef0123456789abcdef".into(),
            timestamp: 1_795_514_400_123,
            ingestion_time: 0,
            message: "hello\n".into(),
            request_id: None,
            apigw_request_id: None,
            kind: LineKind::Plain,
        };
        assert_eq!(render(&e), "2026-11-24T10:00:00.123Z 89abcdef hello");
    }
}
