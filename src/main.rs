//! The lambdeck binary: parse the command line, then run a headless command or the dashboard.
//! The terminal's lifecycle lives here and only here.

use std::process::ExitCode;

use clap::Parser;
use lambdeck::aws::Target;
use lambdeck::cli::{Cli, Command};
use lambdeck::cmd::{self, CmdResult};
use lambdeck::config::StackSpec;
use lambdeck::session::{Failure, Session, Status};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            return fail(&Failure::error(format!(
                "cannot start the async runtime: {e}"
            )));
        }
    };
    let result = runtime.block_on(run(cli));
    // Child processes and servers are stopped by their owners; do not wait on stray blocking tasks.
    runtime.shutdown_timeout(std::time::Duration::from_millis(500));
    match result {
        Ok(status) => status.into(),
        Err(failure) => fail(&failure),
    }
}

async fn run(cli: Cli) -> CmdResult {
    // `local` needs no stack description: it serves any client.
    if let Some(Command::Local(args)) = &cli.command {
        return cmd::local::run(args).await;
    }
    if cli.log_lines.is_some() && cli.command.is_some() {
        return Err(Failure::usage(
            "--log-lines sizes the dashboard's log pane; give it without a subcommand",
        ));
    }
    let mut spec = StackSpec::load(&cli.global.config).map_err(Failure::usage)?;
    // A build needs only the crate; every other command names AWS resources, which a Terraform
    // state may supply.
    if !matches!(cli.command, Some(Command::Build(_))) {
        lambdeck::session::read_terraform(&mut spec)?;
    }
    let global = cli.global;
    let session = Session::new(
        spec,
        Target {
            profile: global.profile,
            region: global.region,
            endpoint_url: global.endpoint_url,
            local: global.local,
            config_region: None,
        },
    );
    match &cli.command {
        None => run_dashboard(&session, cli.log_lines).await,
        Some(Command::Local(_)) => Ok(Status::Ok),
        Some(Command::Status(a)) => cmd::status::run(&session, a).await,
        Some(Command::Deploy(a)) => cmd::deploy::deploy(&session, a).await,
        Some(Command::Rollback(a)) => cmd::deploy::rollback(&session, a).await,
        Some(Command::Diff(a)) => cmd::stages::diff(&session, a).await,
        Some(Command::Promote(a)) => cmd::stages::promote(&session, a).await,
        Some(Command::Canary(a)) => cmd::stages::canary(&session, a).await,
        Some(Command::Prune(a)) => cmd::deploy::prune(&session, a).await,
        Some(Command::Up(a)) => cmd::up::up(&session, a).await,
        Some(Command::Down(a)) => cmd::up::down(&session, a).await,
        Some(Command::Build(a)) => cmd::build::build(&session, a).await,
        Some(Command::Upload(a)) => cmd::build::upload(&session, a).await,
        Some(Command::Logs(a)) => cmd::logs::run(&session, a).await,
        Some(Command::Ping(a)) => cmd::ping::run(&session, a).await,
        Some(Command::Test(a)) => cmd::test::run(&session, a).await,
        Some(Command::Request(a)) => cmd::request::run(&session, a).await,
        Some(Command::Watch(a)) => cmd::watch::run(&session, a).await,
    }
}

/// Opens the dashboard. `ratatui::init` installs a panic hook that restores the terminal; every other
/// exit path (quit, error, SIGTERM) returns here and restores it too.
async fn run_dashboard(session: &Session, log_lines: Option<u32>) -> CmdResult {
    use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        return Err(Failure::usage(
            "the dashboard needs a terminal; use a subcommand (see --help) for scripts",
        ));
    }
    let mut terminal = ratatui::try_init()
        .map_err(|e| Failure::error(format!("cannot set up the terminal: {e}")))?;
    // ratatui's panic hook restores raw mode and the screen; mouse capture is ours to undo first.
    let restore_terminal = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() == Some("main") {
            // The UI runs on the main thread (inside block_on): it cannot go on, so give the terminal back.
            let _ = crossterm::execute!(std::io::stdout(), DisableMouseCapture);
            restore_terminal(info);
        } else {
            // A worker's panic is caught and shown as that action's error; printing it would scribble over
            // the dashboard, and restoring the terminal would leave a live UI on a cooked screen.
            tracing::error!("{info}");
        }
    }));
    // Mouse capture is best effort: without it the wheel simply does nothing.
    let _ = crossterm::execute!(std::io::stdout(), EnableMouseCapture);
    let result = lambdeck::tui::run(&mut terminal, session, log_lines).await;
    let _ = crossterm::execute!(std::io::stdout(), DisableMouseCapture);
    ratatui::restore();
    result.map(|()| Status::Ok)
}

/// clap's own refusals (an unknown flag, a bad value) in lambdeck's one-line form, clap's tip kept;
/// `--help` and `--version` print as clap prints them.
fn usage_error(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        // Printing help can fail only on a closed stdout; there is nothing left to tell then.
        let _ = e.print();
        return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
    }
    let rendered = e.render().to_string();
    let mut lines = rendered.lines().map(str::trim);
    let first = lines.next().unwrap_or_default();
    let message = first.strip_prefix("error: ").unwrap_or(first);
    let tip = lines
        .find_map(|l| l.strip_prefix("tip: "))
        .map(|t| format!(" ({t})"))
        .unwrap_or_default();
    fail(&Failure::usage(format!(
        "{message}{tip}; see lambdeck --help"
    )))
}

fn fail(failure: &Failure) -> ExitCode {
    eprintln!("lambdeck: error: {failure}");
    failure.status.into()
}

/// Logs go to a file (LAMBDECK_LOG sets the filter, default info), never to the terminal.
fn init_tracing() {
    let dir = std::path::Path::new(".lambdeck");
    let file = std::fs::create_dir_all(dir).and_then(|()| {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("lambdeck.log"))
    });
    let Ok(file) = file else { return };
    // `LAMBDECK_LOG=debug` or `LAMBDECK_LOG=lambdeck=debug,aws_smithy_runtime=info`: a default level
    // and levels per target (tracing-subscriber's `Targets`; a value that does not parse means info).
    let filter = std::env::var("LAMBDECK_LOG")
        .ok()
        .and_then(|s| s.parse::<Targets>().ok())
        .unwrap_or_else(|| Targets::new().with_default(tracing::Level::INFO));
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(std::sync::Mutex::new(file)),
        )
        .try_init();
}
