//! `lambdeck ping`: call the stage URL of each deployed route and report status and latency.

use std::collections::HashMap;
use std::io::Write as _;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::mpsc;

use super::{CmdResult, Failure, Session, Status};
use crate::cli::PingArgs;
use crate::ping::{
    DeploymentSplit, LatencySeries, LatencyStats, PingConfig, PingMsg, Probe, ProbeLinker,
    SideStats, Unpingable, spawn_pinger, stage_targets,
};
use crate::stack::load_stack;
use crate::tail::{self, CloudWatch, TailConfig, TailMsg};

/// How long to wait, after the last probe, for the log lines that link probes to Lambda requests.
const LINK_GRACE: Duration = Duration::from_secs(15);

/// The `--json` lines: probes as they complete, links as logs reveal them, one summary at the end.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum JsonLine<'a> {
    Probe(&'a Probe),
    Link {
        seq: u64,
        lambda_request_id: &'a str,
    },
    Summary {
        #[serde(flatten)]
        stats: LatencyStats,
        /// Probes whose Lambda request id is known.
        linked: usize,
        /// Per deployment that served probes, when more than one did (a canary release; the local
        /// stack names the deployment, AWS does not).
        #[serde(skip_serializing_if = "Vec::is_empty")]
        deployments: Vec<SideStats>,
    },
}

pub async fn run(session: &Session, args: &PingArgs) -> CmdResult {
    if args.count == 0 {
        return Err(Failure::usage("--count must be at least 1"));
    }
    let conn = session.connect().await?;
    let clients = &conn.clients;
    let stack = load_stack(clients, &session.spec).await?;
    let only = args
        .route
        .as_ref()
        .map(|r| format!("/{}", r.trim_start_matches('/')));
    let opted = crate::ping::opted_in(&session.spec);
    let api_key = session.spec.ping.api_key();
    let plan = stage_targets(&stack, |k| opted.contains(k), api_key.as_deref()).map_err(|why| {
        match (why, &only) {
            (Unpingable::NoRoute, Some(only)) => Failure::usage(format!(
                "route {only} is not deployed on stage {} (deployed: none)",
                session.spec.api.stage
            )),
            (Unpingable::NoStage, _) => Failure::error(format!(
                "stage {} of API {} does not exist; run `lambdeck up` or `lambdeck deploy` first",
                session.spec.api.stage, session.spec.api.name
            )),
            (Unpingable::Unreachable(why), _) => Failure::error(why),
            (Unpingable::NoRoute, None) => Failure::error(format!(
                "stage {} serves no route that can be called; deploy first (`lambdeck deploy`)",
                session.spec.api.stage
            )),
        }
    })?;
    for line in plan.skipped_lines() {
        eprintln!("not pinged: {line}");
    }
    let mut targets = plan.targets;
    if targets.is_empty() && only.is_none() {
        return Err(Failure::error(format!(
            "stage {} serves no route the pinger may call (see above)",
            session.spec.api.stage
        )));
    }
    if let Some(only) = only {
        let deployed: Vec<String> = targets.iter().map(|t| t.route.clone()).collect();
        targets.retain(|t| t.route == only);
        if targets.is_empty() {
            return Err(Failure::usage(format!(
                "route {only} is not deployed on stage {} (deployed: {})",
                session.spec.api.stage,
                deployed.join(", ")
            )));
        }
    }
    // On AWS the response does not name the Lambda request: follow the logs to find it.
    let (log_tx, mut log_rx) = mpsc::channel(64);
    let tail = (!conn.is_local_endpoint()).then(|| {
        let config = TailConfig {
            timing: conn.poll_timing(),
            ..TailConfig::new(
                session.spec.function.log_group(),
                chrono::Utc::now().timestamp_millis(),
            )
        };
        tail::spawn_tail(
            CloudWatch {
                clients: clients.clone(),
            },
            config,
            log_tx,
        )
    });
    let (tx, mut rx) = mpsc::channel(16);
    let pinger = spawn_pinger(
        PingConfig {
            targets,
            interval: Duration::from_millis(args.interval),
            rounds: Some(args.count),
            timeout: Duration::from_secs(30),
            signer: clients.stage_signer(),
        },
        tx,
        tail.as_ref().map(tail::TailHandle::activity),
    )
    .map_err(Failure::error)?;

    let mut series = LatencySeries::new(usize::MAX);
    let mut split = DeploymentSplit::new(usize::MAX);
    let mut linker = ProbeLinker::default();
    let mut probes: HashMap<u64, Probe> = HashMap::new();
    let mut linked = 0;
    let mut pinging = true;
    let mut grace = None;
    loop {
        if !pinging && linker.waiting() == 0 {
            break;
        }
        let deadline = async {
            match grace {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            msg = rx.recv(), if pinging => match msg {
                Some(PingMsg::Probe(p)) => {
                    series.record(&p);
                    split.record(&p);
                    if p.lambda_request_id.is_some() {
                        linked += 1;
                    } else if tail.is_some() {
                        linker.expect(&p);
                    }
                    print_probe(&p, args.json)?;
                    probes.insert(p.seq, *p);
                }
                Some(PingMsg::Finished) | None => {
                    pinging = false;
                    grace = Some(tokio::time::Instant::now() + LINK_GRACE);
                }
            },
            msg = log_rx.recv(), if tail.is_some() => {
                if let Some(TailMsg::Events(events)) = msg {
                    for e in &events {
                        if let Some(link) = linker.link(e) {
                            linked += 1;
                            print_link(link.seq, &link.lambda_request_id, args.json)?;
                        }
                    }
                }
            }
            () = deadline => break,
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    pinger.stop().await;
    if let Some(t) = tail {
        t.stop().await;
    }
    let stats = series.stats();
    let mut sides = split.stats();
    if sides.len() < 2 {
        sides.clear();
    }
    if args.json {
        say(&json(&JsonLine::Summary {
            stats,
            linked,
            deployments: sides,
        })?);
    } else {
        say(&summary_text(&stats, linked));
        for side in &sides {
            say(&side_text(side));
        }
    }
    if stats.probes > 0 && stats.failures == stats.probes {
        return Err(Failure::error(format!(
            "every probe failed ({} of {})",
            stats.failures, stats.probes
        )));
    }
    if stats.failures > 0 {
        return Err(Failure::error(format!(
            "{} of {} probes failed",
            stats.failures, stats.probes
        )));
    }
    Ok(Status::Ok)
}

fn json<T: Serialize>(v: &T) -> Result<String, Failure> {
    serde_json::to_string(v).map_err(|e| Failure::error(format!("cannot encode JSON: {e}")))
}

fn say(line: &str) {
    // A closed pipe (`| head`) is not an error worth a panic.
    let _ = writeln!(std::io::stdout(), "{line}");
}

fn print_probe(p: &Probe, as_json: bool) -> Result<(), Failure> {
    if as_json {
        say(&json(&JsonLine::Probe(p))?);
    } else {
        say(&probe_text(p));
    }
    Ok(())
}

fn print_link(seq: u64, lambda_request_id: &str, as_json: bool) -> Result<(), Failure> {
    if as_json {
        say(&json(&JsonLine::Link {
            seq,
            lambda_request_id,
        })?);
    } else {
        say(&format!("#{seq} lambda request {lambda_request_id}"));
    }
    Ok(())
}

/// `#3 GET /hello_world 200 12.3 ms 20 B apigw 1f2e... lambda 8f5a...`
pub fn probe_text(p: &Probe) -> String {
    let mut line = format!("#{} {} {}", p.seq, p.method, p.route);
    match (p.status, &p.error) {
        (Some(status), _) => line.push_str(&format!(" {status}")),
        (None, Some(e)) => line.push_str(&format!(" failed: {e}")),
        (None, None) => line.push_str(" failed"),
    }
    if let Some(ms) = p.latency_ms {
        line.push_str(&format!(" {ms:.1} ms {} B", p.bytes));
    }
    if let Some(id) = &p.apigw_request_id {
        line.push_str(&format!(" apigw {id}"));
    }
    if let Some(id) = &p.lambda_request_id {
        line.push_str(&format!(" lambda {id}"));
    }
    line
}

/// One side of a canary release: `  deployment abc123: 10 probes, 1 failed (10.0%), p50 12.0 ms p95 ...`.
pub fn side_text(side: &SideStats) -> String {
    let s = &side.stats;
    let ms = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v:.1} ms"));
    format!(
        "  deployment {}: {} probes, {} failed ({:.1}%), p50 {} p95 {} max {}",
        side.deployment_id,
        s.probes,
        s.failures,
        side.error_rate(),
        ms(s.p50_ms),
        ms(s.p95_ms),
        ms(s.max_ms)
    )
}

pub fn summary_text(s: &LatencyStats, linked: usize) -> String {
    let ms = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v:.1} ms"));
    format!(
        "{} probes, {} failed, {} linked to a Lambda request; p50 {} p95 {} p99 {} max {}",
        s.probes,
        s.failures,
        linked,
        ms(s.p50_ms),
        ms(s.p95_ms),
        ms(s.p99_ms),
        ms(s.max_ms)
    )
}
