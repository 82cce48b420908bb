//! `lambdeck local`: serve the embedded local AWS stack in the foreground.

use std::net::SocketAddr;

use super::{CmdResult, Failure, Status};
use crate::cli::LocalArgs;
use crate::local::fault::parse_plan;
use crate::local::{LocalConfig, LocalServer};

pub async fn run(args: &LocalArgs) -> CmdResult {
    let faults = match &args.faults {
        Some(text) => Some(parse_plan(text).map_err(Failure::usage)?),
        None => None,
    };
    let config = LocalConfig {
        addr: SocketAddr::from(([127, 0, 0, 1], args.port)),
        state_dir: args.state_dir.clone(),
        faults,
        max_log_events: Some(args.max_log_events).filter(|n| *n > 0),
        update_window: std::time::Duration::from_millis(args.update_window_ms),
        account_id: args.account_id.clone(),
        ..LocalConfig::default()
    };
    let server = LocalServer::start(config).await.map_err(Failure::error)?;
    let url = server.endpoint_url();
    let state = match &args.state_dir {
        Some(dir) => format!("state kept in {}", dir.display()),
        None => "state in memory (use --state-dir DIR to keep it)".to_owned(),
    };
    println!("lambdeck local stack listening on {url} ({state})");
    println!("  serves API Gateway REST (v1), Lambda, CloudWatch Logs, IAM and STS; stage URLs:");
    println!("    {url}/restapis/<api-id>/<stage>/_user_request_/<path>");
    println!(
        "    http://<api-id>.execute-api.localhost:{}/<stage>/<path>",
        server.addr().port()
    );
    println!("  AWS CLI:  aws --endpoint-url {url} --region us-east-1 apigateway get-rest-apis");
    println!(
        "            (any credentials work, e.g. AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test)"
    );
    println!(
        "  lambdeck: AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test lambdeck --endpoint-url {url} status"
    );
    println!(
        "            (lambdeck --local finds this server by itself when --state-dir is the project's .lambdeck/local)"
    );
    if args.faults.is_some() {
        println!(
            "  fault injection on: PUT a plan to {url}{} (GET reads it, DELETE clears it)",
            crate::local::fault::CONTROL_PATH
        );
    }
    println!("Ctrl-C stops it.");
    wait_for_stop().await;
    println!("stopping: ending function environments and saving state");
    server.shutdown().await;
    Ok(Status::Ok)
}

/// Ctrl-C or SIGTERM.
async fn wait_for_stop() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
