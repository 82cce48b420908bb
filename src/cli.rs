//! The command line: global target flags and the headless subcommands. No subcommand opens the TUI.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "lambdeck",
    version,
    about = "A terminal dashboard for a Lambda function behind an API Gateway REST API",
    long_about = "lambdeck shows a Lambda + API Gateway REST API stack, tells when a stage serves a stale \
                  deployment, redeploys or rolls back in one key, builds and uploads the Rust function, and \
                  pings the endpoint while tailing its logs. Run it without a subcommand to open the dashboard."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    /// How many log lines the dashboard's log pane keeps; older ones are dropped (about 300 bytes each)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(100..=2_000_000))]
    pub log_lines: Option<u32>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Where the stack lives, shared by every subcommand.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// The stack description
    #[arg(
        long,
        global = true,
        value_name = "FILE",
        default_value = "lambdeck.toml"
    )]
    pub config: PathBuf,

    /// AWS profile from the shared config files
    #[arg(long, global = true, env = "AWS_PROFILE")]
    pub profile: Option<String>,

    /// AWS region (overrides lambdeck.toml and the profile)
    #[arg(long, global = true)]
    pub region: Option<String>,

    /// Send every AWS call to this endpoint (a local stack, LocalStack, moto); AWS_ENDPOINT_URL also works
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,

    /// Use the embedded local stack (started in-process, or the one already running for this project)
    #[arg(long, global = true, conflicts_with = "endpoint_url")]
    pub local: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the embedded local AWS stack (API Gateway, Lambda, CloudWatch Logs, IAM, STS) in the foreground
    Local(LocalArgs),
    /// Show the resource tree and whether the stage serves the working API (exit 3 when stale)
    Status(JsonArgs),
    /// Create a deployment of the working API and point the stage at it (the URL stays the same)
    Deploy(DeployArgs),
    /// Point the stage back at an earlier deployment (default: the previous one)
    Rollback(RollbackArgs),
    /// Show what differs between what two stages serve, field by field (exit 3 when they differ)
    Diff(DiffArgs),
    /// Point stage TO at the deployment stage FROM serves, after showing the diff
    Promote(PromoteArgs),
    /// Deploy the working API to a stage as a canary release, then promote or cancel it
    Canary(CanaryArgs),
    /// Delete old deployments that no stage uses
    Prune(PruneArgs),
    /// Create whatever lambdeck.toml describes and is missing; changes nothing when all is there
    Up(JsonArgs),
    /// Remove what `up` created (only resources tagged as lambdeck's)
    Down(DownArgs),
    /// Build the function and package it as a deterministic zip
    Build(JsonArgs),
    /// Upload the package (building first when sources are newer); skipped when the code is unchanged
    Upload(UploadArgs),
    /// Print the function's log events, optionally following them live
    Logs(LogsArgs),
    /// Call the stage URL of each deployed route and report status and latency
    Ping(PingArgs),
    /// Run a request through the working API's method (TestInvokeMethod), before deploying it
    Test(TestArgs),
    /// Send a request to the stage URL and print the answer and the Lambda log lines it caused
    Request(RequestArgs),
    /// Rebuild the function on every saved change and upload it when its code changed (Ctrl-C stops)
    Watch(WatchArgs),
}

#[derive(Debug, Clone, Args)]
pub struct JsonArgs {
    /// Print machine-readable JSON instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct LocalArgs {
    /// Port to listen on (127.0.0.1 only)
    #[arg(long, default_value_t = 4566)]
    pub port: u16,

    /// Keep the stack in this directory so it survives a restart (default: in memory only)
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,

    /// Enable fault injection (off by default): PUT a JSON plan to /_lambdeck/faults from this
    /// machine, or give the plan here, e.g. '{"throttle":[{"operation":"CreateDeployment","share":0.5}]}'
    #[arg(long, value_name = "PLAN", num_args = 0..=1, default_missing_value = "")]
    pub faults: Option<String>,

    /// The most CloudWatch Logs events the stack keeps over all log groups; the oldest go first
    /// (0: no cap). A log group's own retention (PutRetentionPolicy) applies too
    #[arg(long, value_name = "N", default_value_t = 2_000_000)]
    pub max_log_events: u64,

    /// How long a Lambda create or update stays Pending / InProgress, in milliseconds: reads say so
    /// and a second update is refused with ResourceConflictException, as on AWS (0: settled at once)
    #[arg(long, value_name = "MS", default_value_t = 100)]
    pub update_window_ms: u64,

    /// The AWS account id in the stack's ARNs and in STS GetCallerIdentity (12 digits); for
    /// templates or tests that name an account, e.g. 123456789012
    #[arg(long, value_name = "ID", default_value = crate::wire::LOCAL_ACCOUNT_ID, value_parser = parse_account_id)]
    pub account_id: String,
}

/// An AWS account id: exactly 12 digits.
fn parse_account_id(s: &str) -> Result<String, String> {
    if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
        Ok(s.to_owned())
    } else {
        Err("an AWS account id is 12 digits, e.g. 123456789012".to_owned())
    }
}

#[derive(Debug, Clone, Args)]
pub struct DeployArgs {
    /// Deploy without asking for confirmation
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Deploy even when the stage already serves the working API (e.g. to refresh what the diff
    /// cannot compare)
    #[arg(long)]
    pub force: bool,

    /// Print machine-readable JSON instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct DiffArgs {
    /// The stage to compare from (`-` lines: served by it only)
    pub from: String,

    /// The stage to compare to (`+` lines: served by it only)
    pub to: String,

    /// Print machine-readable JSON instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct PromoteArgs {
    /// The stage whose deployment is promoted
    pub from: String,

    /// The stage pointed at it (created when the API has no such stage)
    pub to: String,

    /// Promote without asking for confirmation
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Print machine-readable JSON instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
#[command(group(clap::ArgGroup::new("canary_action").required(true).args(["percent", "promote", "cancel"])))]
pub struct CanaryArgs {
    /// The stage (default: lambdeck.toml's)
    pub stage: Option<String>,

    /// Deploy the working API as a canary taking this percentage (0 < P <= 100) of the stage's requests
    #[arg(long, value_name = "P")]
    pub percent: Option<f64>,

    /// Point the stage at its canary's deployment and remove the canary
    #[arg(long)]
    pub promote: bool,

    /// Remove the canary: the stage serves only its own deployment (no question asked)
    #[arg(long)]
    pub cancel: bool,

    /// Go ahead without asking for confirmation
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Print machine-readable JSON instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct RollbackArgs {
    /// The deployment to point the stage at (default: the one lambdeck made for this stage before the
    /// current)
    pub deployment_id: Option<String>,

    /// Roll back without asking for confirmation
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Print machine-readable JSON instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct PruneArgs {
    /// How many of the newest deployments to keep, besides any a stage uses
    #[arg(long, default_value_t = 10)]
    pub keep: usize,

    /// Also delete deployments lambdeck did not make (the console's, Terraform's, other tools')
    #[arg(long)]
    pub all: bool,

    /// Delete without asking for confirmation
    #[arg(long, short = 'y')]
    pub yes: bool,
}

#[derive(Debug, Clone, Args)]
pub struct DownArgs {
    /// Remove without asking for confirmation
    #[arg(long, short = 'y')]
    pub yes: bool,
}

#[derive(Debug, Clone, Args)]
pub struct UploadArgs {
    /// Publish a new version after the update
    #[arg(long)]
    pub publish: bool,

    /// Print machine-readable JSON instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct LogsArgs {
    /// Keep printing new events as they arrive
    #[arg(long, short = 'f')]
    pub follow: bool,

    /// How far back to start, e.g. 30s, 10m, 2h, 1d
    #[arg(long, default_value = "10m")]
    pub since: String,

    /// CloudWatch Logs filter pattern (terms, "phrases", ?any, -exclude)
    #[arg(long)]
    pub filter: Option<String>,

    /// Poll with FilterLogEvents even where Live Tail is available
    #[arg(long)]
    pub no_live_tail: bool,

    /// Print one JSON object per event
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct PingArgs {
    /// Number of rounds (each round calls every deployed route once)
    #[arg(long, short = 'n', default_value_t = 5)]
    pub count: u32,

    /// Milliseconds between rounds
    #[arg(long, default_value_t = 1000)]
    pub interval: u64,

    /// Only this route, e.g. /hello_world
    #[arg(long)]
    pub route: Option<String>,

    /// Print one JSON object per probe, then a summary
    #[arg(long)]
    pub json: bool,
}

/// A request on the command line: `[METHOD] PATH` and its parts.
#[derive(Debug, Clone, Args)]
pub struct RequestSpec {
    /// The method then the path (`POST /pets`), the path alone (GET), or the name of a request saved in
    /// lambdeck.toml (`[requests.<name>]`); the path may carry a query
    #[arg(value_name = "[METHOD] PATH | NAME", num_args = 1..=2, required = true)]
    pub target: Vec<String>,

    /// A query parameter, `name=value` (repeatable)
    #[arg(long, short = 'q', value_name = "NAME=VALUE")]
    pub query: Vec<String>,

    /// A header, `name: value` (repeatable)
    #[arg(long, short = 'H', value_name = "NAME:VALUE")]
    pub header: Vec<String>,

    /// The request body; `@FILE` reads it from a file (`@@` for a body starting with @)
    #[arg(long, short = 'd', conflicts_with = "body_file")]
    pub body: Option<String>,

    /// Read the request body from this file
    #[arg(long, value_name = "FILE")]
    pub body_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct TestArgs {
    #[command(flatten)]
    pub request: RequestSpec,

    /// Print the result as JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct RequestArgs {
    #[command(flatten)]
    pub request: RequestSpec,

    /// Send a method other than GET, HEAD or OPTIONS without asking (it may change data)
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Do not follow the logs for the request's Lambda log lines
    #[arg(long)]
    pub no_logs: bool,

    /// Print the response and its log lines as one JSON object
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct WatchArgs {
    /// The cargo profile to build with (default: lambdeck.toml's [watch] profile, else dev with
    /// --local and release-lambda on AWS)
    #[arg(long, value_name = "PROFILE")]
    pub build_profile: Option<String>,

    /// Print one JSON object per event
    #[arg(long)]
    pub json: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn local_conflicts_with_endpoint_url() {
        let err = Cli::try_parse_from([
            "lambdeck",
            "--local",
            "--endpoint-url",
            "http://x",
            "status",
        ])
        .expect_err("conflicting flags are refused");
        assert_eq!(err.kind(), clap::error::ErrorKind::ArgumentConflict);
    }

    #[test]
    fn test_takes_an_optional_method_then_a_path() {
        let cli = Cli::try_parse_from([
            "lambdeck", "test", "POST", "/pets", "--body", "{}", "-H", "x-a: 1",
        ])
        .expect("parses");
        let Some(Command::Test(a)) = cli.command else {
            panic!("not test")
        };
        assert_eq!(a.request.target, ["POST", "/pets"]);
        assert_eq!(a.request.header, ["x-a: 1"]);
        let cli = Cli::try_parse_from(["lambdeck", "test", "/hello_world"]).expect("parses");
        assert!(
            matches!(cli.command, Some(Command::Test(a)) if a.request.target == ["/hello_world"])
        );
        assert!(Cli::try_parse_from(["lambdeck", "test"]).is_err());
    }

    #[test]
    fn global_flags_work_after_the_subcommand() {
        let cli = Cli::try_parse_from(["lambdeck", "status", "--json", "--local"]).expect("parses");
        assert!(cli.global.local);
        assert!(matches!(
            cli.command,
            Some(Command::Status(JsonArgs { json: true }))
        ));
    }
}
