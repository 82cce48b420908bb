//! The event loop and the workers. One task owns `App`; terminal events, worker messages and (only while
//! something animates) a tick feed `App::update`; a frame is drawn only when something changed, at most
//! once per frame interval. Workers get owned inputs, call the engine, and answer with `Msg`s.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{Event, EventStream, KeyEventKind, MouseEventKind};
use futures::StreamExt;
use ratatui::DefaultTerminal;
use ratatui::layout::Rect;
use tokio::sync::{OnceCell, mpsc};
use tokio::task::JoinHandle;

use super::app::{App, Effect};
use super::command::command_for;
use super::msg::Msg;
use super::ui;
use super::view::Level;
use crate::session::{Connection, Failure, Session};

/// The shortest time between two frames: bursts of log lines are coalesced into one draw.
const FRAME: Duration = Duration::from_millis(16);
/// How often a spinner moves.
const TICK: Duration = Duration::from_millis(100);
/// How many worker messages may wait for the UI task. A full queue makes the workers wait (the tail and
/// the pinger slow down) instead of growing memory without bound behind a busy screen.
const QUEUE: usize = 1024;
/// The most queued messages handled before the next frame is drawn, so that a flood of log lines
/// cannot keep the screen (and the keyboard) waiting.
const DRAIN_PER_FRAME: usize = 256;

/// Runs the dashboard until the user quits or SIGTERM/SIGHUP arrives. The caller owns the terminal's
/// setup and restoration. `log_lines` sizes the log pane (`--log-lines`; `LOG_CAPACITY` when `None`).
pub async fn run(
    terminal: &mut DefaultTerminal,
    session: &Session,
    log_lines: Option<u32>,
) -> Result<(), Failure> {
    let io = |e: std::io::Error| Failure::error(format!("terminal: {e}"));
    let (tx, mut rx) = mpsc::channel::<Msg>(QUEUE);
    let target = if session.is_local() {
        "local".to_owned()
    } else {
        session
            .target
            .region
            .clone()
            .unwrap_or_else(|| "aws".to_owned())
    };
    let mut app = App::new(
        format!("{} · {target}", session.spec.function.name),
        Instant::now(),
    );
    if let Some(n) = log_lines {
        app.set_log_capacity(n as usize);
    }
    app.ping_opt_in = crate::ping::opted_in(&session.spec);
    app.ping_api_key = session.spec.ping.api_key();
    app.saved_requests = session
        .spec
        .requests
        .iter()
        .map(|(name, r)| (name.clone(), crate::request::saved_form(r)))
        .collect();
    let mut workers = Workers::new(session.clone(), tx);
    let first = app.start(session.is_local());
    workers.run(first);

    let mut events = EventStream::new();
    let mut sigterm = signal(tokio::signal::unix::SignalKind::terminate()).map_err(io)?;
    let mut sighup = signal(tokio::signal::unix::SignalKind::hangup()).map_err(io)?;
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let size = terminal.size().map_err(io)?;
    let mut screen = Rect::new(0, 0, size.width, size.height);
    let mut dirty = true;
    let mut last_frame: Option<Instant> = None;

    let result = loop {
        if app.quit {
            break Ok(());
        }
        let now = Instant::now();
        let due = last_frame.map_or(now, |t| t + FRAME);
        if dirty && now >= due {
            app.now = now;
            let frame = terminal.draw(|f| ui::draw(f, &app)).map_err(io)?;
            screen = frame.area;
            app.response_max_scroll = Some(ui::response_max_scroll(&app, screen));
            dirty = false;
            last_frame = Some(now);
        }
        let frame_due = tokio::time::sleep_until(due.into());
        let msg = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(ev)) => match event_msg(&ev, &app, screen) {
                    Some(m) => Some(m),
                    None => {
                        // Unbound keys change nothing; a resize redraws.
                        dirty |= matches!(ev, Event::Resize(..));
                        None
                    }
                },
                Some(Err(e)) => break Err(io(e)),
                None => break Ok(()),
            },
            Some(m) = rx.recv() => Some(m),
            _ = tick.tick(), if app.animating() => Some(Msg::Tick),
            () = frame_due, if dirty => None,
            _ = sigterm.recv() => break Ok(()),
            _ = sighup.recv() => break Ok(()),
        };
        if let Some(m) = msg {
            app.now = Instant::now();
            let effects = app.update(m);
            workers.run(effects);
            dirty = true;
            // Take what else is queued before drawing, so a burst of log lines costs one frame; at most
            // a frame's worth, so that a flood still lets the screen and the keys through.
            for _ in 0..DRAIN_PER_FRAME {
                let Ok(m) = rx.try_recv() else { break };
                let effects = app.update(m);
                workers.run(effects);
            }
        }
    };
    workers.stop().await;
    result
}

fn signal(kind: tokio::signal::unix::SignalKind) -> std::io::Result<tokio::signal::unix::Signal> {
    tokio::signal::unix::signal(kind)
}

/// Turns a terminal event into a message, through the keymap for the app's current mode.
pub fn event_msg(ev: &Event, app: &App, screen: Rect) -> Option<Msg> {
    match ev {
        Event::Key(k) if k.kind != KeyEventKind::Release => {
            command_for(*k, app.mode()).map(Msg::Command)
        }
        Event::Mouse(m) => {
            let down = match m.kind {
                MouseEventKind::ScrollDown => true,
                MouseEventKind::ScrollUp => false,
                _ => return None,
            };
            ui::pane_at(screen, m.column, m.row).map(|pane| Msg::Scroll { pane, down })
        }
        Event::Resize(..) => Some(Msg::Resize),
        _ => None,
    }
}

/// The connection every worker shares: made once, on first use, off the UI task (starting the local
/// stack can take a moment). It keeps an in-process local stack alive until the dashboard exits.
type SharedConn = Arc<OnceCell<Connection>>;
type TailActivity = Arc<std::sync::OnceLock<crate::tail::Activity>>;

async fn connect<'a>(session: &Session, cell: &'a SharedConn) -> Result<&'a Connection, String> {
    cell.get_or_try_init(|| async { session.connect().await.map_err(|f| f.message) })
        .await
}

/// Runs a worker's body, turning a panic into an error line: a bug in one action ends that action with
/// a message, never the dashboard (the panic itself goes to the log file, through the panic hook).
pub async fn caught<T>(work: impl std::future::Future<Output = T>) -> Result<T, String> {
    use futures::FutureExt;
    std::panic::AssertUnwindSafe(work)
        .catch_unwind()
        .await
        .map_err(|panic| {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            format!("internal error ({what}); details in .lambdeck/lambdeck.log")
        })
}

/// The session the workers start from, replaced when `R` reads Terraform's state again.
type SharedSession = Arc<std::sync::Mutex<Session>>;

/// A copy of the session as it is now (a poisoned lock still holds a whole session: it is only ever
/// replaced, never half-written).
fn current(shared: &SharedSession) -> Session {
    shared
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
}

/// Reads Terraform's state again off the UI task and makes the result the session for what follows.
/// When it cannot be read now, the dashboard says why and goes on with the state it had.
async fn reread_terraform(
    shared: &SharedSession,
    session: Session,
    tx: &mpsc::Sender<Msg>,
) -> Session {
    let old = session.clone();
    let why = match tokio::task::spawn_blocking(move || session.reread_terraform()).await {
        Ok(Ok(fresh)) => {
            *shared
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = fresh.clone();
            return fresh;
        }
        Ok(Err(why)) => why,
        Err(_) => "reading Terraform's state stopped unexpectedly".to_owned(),
    };
    let _ = tx
        .send(Msg::WorkerNotice {
            level: Level::Warning,
            text: format!("{why}; showing the state read before"),
        })
        .await;
    old
}

/// Every task the dashboard started, kept so that all of them stop on exit.
struct Workers {
    /// The session every new task starts from: `R` may replace it with one that read Terraform's state
    /// again, and the tasks started after that use the new names and marks.
    session: SharedSession,
    tx: mpsc::Sender<Msg>,
    conn: SharedConn,
    tasks: Vec<JoinHandle<()>>,
    ping: Option<JoinHandle<()>>,
    tail: Option<JoinHandle<()>>,
    /// The running watch, and what stops it (cleanly: a running cargo is cancelled, not left behind).
    watch: Option<(JoinHandle<()>, crate::build::CancellationToken)>,
    /// The running tail's activity, set once it runs: each ping pokes it, so the ping's log lines show
    /// without waiting for the next idle poll.
    tail_activity: TailActivity,
    /// Cancelled on exit: stops a running cargo instead of leaving it behind.
    cancel: crate::build::CancellationToken,
}

impl Workers {
    fn new(session: Session, tx: mpsc::Sender<Msg>) -> Self {
        Self {
            session: Arc::new(std::sync::Mutex::new(session)),
            tx,
            conn: Arc::new(OnceCell::new()),
            tasks: Vec::new(),
            ping: None,
            tail: None,
            watch: None,
            tail_activity: TailActivity::default(),
            cancel: crate::build::CancellationToken::new(),
        }
    }

    fn run(&mut self, effects: Vec<Effect>) {
        self.tasks.retain(|t| !t.is_finished());
        for effect in effects {
            let session = current(&self.session);
            let (tx, conn) = (self.tx.clone(), self.conn.clone());
            let cancel = self.cancel.clone();
            match effect {
                Effect::LoadStack {
                    generation,
                    terraform,
                } => {
                    let shared = self.session.clone();
                    self.tasks.push(tokio::spawn(async move {
                        let session = if terraform && session.has_terraform() {
                            reread_terraform(&shared, session, &tx).await
                        } else {
                            session
                        };
                        let result = caught(work::load(&session, &conn)).await.and_then(|r| r);
                        let _ = tx.send(Msg::StackLoaded { generation, result }).await;
                    }));
                }
                Effect::Bootstrap { generation } => self.tasks.push(tokio::spawn(async move {
                    let result = caught(work::bootstrap(&session, &conn, generation, &tx, cancel))
                        .await
                        .and_then(|r| r);
                    let _ = tx.send(Msg::ActionDone { generation, result }).await;
                })),
                Effect::Build { generation } => self.tasks.push(tokio::spawn(async move {
                    let result = caught(work::build_and_upload(
                        &session, &conn, generation, &tx, cancel,
                    ))
                    .await
                    .and_then(|r| r);
                    let _ = tx.send(Msg::ActionDone { generation, result }).await;
                })),
                Effect::Deploy { generation, stack } => self.tasks.push(tokio::spawn(async move {
                    let result = caught(work::deploy(&session, &conn, &stack))
                        .await
                        .and_then(|r| r);
                    let _ = tx.send(Msg::ActionDone { generation, result }).await;
                })),
                Effect::Rollback {
                    generation,
                    stack,
                    deployment_id,
                } => self.tasks.push(tokio::spawn(async move {
                    let result = caught(work::rollback(&session, &conn, &stack, &deployment_id))
                        .await
                        .and_then(|r| r);
                    let _ = tx.send(Msg::ActionDone { generation, result }).await;
                })),
                Effect::Promote {
                    generation,
                    stack,
                    from,
                    to,
                } => self.tasks.push(tokio::spawn(async move {
                    let result = caught(work::promote(&session, &conn, &stack, &from, &to))
                        .await
                        .and_then(|r| r);
                    let _ = tx.send(Msg::ActionDone { generation, result }).await;
                })),
                Effect::StartPing { targets } => {
                    if let Some(old) = self.ping.take() {
                        old.abort();
                    }
                    let activity = self.tail_activity.clone();
                    self.ping = Some(tokio::spawn(async move {
                        let signer = match targets.iter().any(|t| t.sign) {
                            true => connect(&session, &conn)
                                .await
                                .ok()
                                .and_then(|c| c.clients.stage_signer()),
                            false => None,
                        };
                        if let Err(e) = caught(work::ping(targets, signer, activity, &tx)).await {
                            let _ = tx
                                .send(Msg::WorkerNotice {
                                    level: Level::Error,
                                    text: format!("pinging stopped: {e}"),
                                })
                                .await;
                        }
                    }));
                }
                Effect::TestInvoke {
                    generation,
                    stack,
                    request,
                } => self.tasks.push(tokio::spawn(async move {
                    let result = caught(work::test_invoke(&session, &conn, &stack, request))
                        .await
                        .and_then(|r| r);
                    let _ = tx.send(Msg::Answered { generation, result }).await;
                })),
                Effect::Send {
                    generation,
                    stage_url,
                    request,
                } => {
                    let activity = self.tail_activity.clone();
                    self.tasks.push(tokio::spawn(async move {
                        let result = caught(work::send(&session, &stage_url, request, activity))
                            .await
                            .and_then(|r| r);
                        let _ = tx.send(Msg::Answered { generation, result }).await;
                    }));
                }
                Effect::Canary {
                    generation,
                    stack,
                    stage,
                    action,
                } => self.tasks.push(tokio::spawn(async move {
                    let result = caught(work::canary(&session, &conn, &stack, &stage, action))
                        .await
                        .and_then(|r| r);
                    let _ = tx.send(Msg::ActionDone { generation, result }).await;
                })),
                Effect::StartWatch { generation } => {
                    self.stop_watch();
                    // A child of the dashboard's token: the exit stops the watch too.
                    let stop = cancel.child_token();
                    let token = stop.clone();
                    let task = tokio::spawn(async move {
                        let error = caught(work::watch(&session, &conn, generation, &tx, token))
                            .await
                            .and_then(|r| r);
                        if let Err(error) = error {
                            let _ = tx.send(Msg::WatchEnded { generation, error }).await;
                        }
                    });
                    self.watch = Some((task, stop));
                }
                Effect::StopWatch => self.stop_watch(),
                Effect::StopPing => {
                    if let Some(old) = self.ping.take() {
                        old.abort();
                    }
                }
                Effect::StartTail => {
                    if self.tail.is_none() {
                        let activity = self.tail_activity.clone();
                        self.tail = Some(tokio::spawn(async move {
                            if let Err(e) = caught(work::tail(&session, &conn, activity, &tx)).await
                            {
                                let _ = tx
                                    .send(Msg::WorkerNotice {
                                        level: Level::Error,
                                        text: format!("logs stopped: {e}"),
                                    })
                                    .await;
                            }
                        }));
                    }
                }
            }
        }
    }

    /// Asks a running watch to stop: its task stops the engine, which cancels a running build.
    fn stop_watch(&mut self) {
        if let Some((task, stop)) = self.watch.take() {
            stop.cancel();
            self.tasks.push(task);
        }
    }

    /// Stops every task and waits (briefly) for them to finish, so nothing outlives the dashboard.
    async fn stop(self) {
        self.cancel.cancel();
        // The watch stops itself on the token (cancelling cargo); the others are aborted.
        let watch = self.watch.map(|(task, _)| task);
        let all: Vec<JoinHandle<()>> = self
            .tasks
            .into_iter()
            .chain(self.ping)
            .chain(self.tail)
            .collect();
        for t in &all {
            t.abort();
        }
        let all: Vec<JoinHandle<()>> = all.into_iter().chain(watch).collect();
        let _ = tokio::time::timeout(Duration::from_secs(2), futures::future::join_all(all)).await;
        // Every task is gone, so this is the last reference: stop an in-process local stack cleanly.
        if let Some(conn) = Arc::into_inner(self.conn).and_then(OnceCell::into_inner) {
            let _ = tokio::time::timeout(Duration::from_secs(2), conn.shutdown()).await;
        }
    }
}

/// The worker bodies: each calls the engine with owned inputs and returns what the app shows: a value,
/// or one line saying what failed.
mod work {
    use tokio::sync::mpsc;

    use super::{SharedConn, TailActivity, connect};
    use crate::aws::Clients;
    use crate::build::{self, BuildEvent, BuildOptions, CancellationToken, Package, UploadReport};
    use crate::model::HttpRequest;
    use crate::ping::{PingConfig, PingMsg, PingTarget, spawn_pinger};
    use crate::session::Session;
    use crate::stack::deploy::{deploy_stage, roll_back};
    use crate::stack::provision::{self, StepAction};
    use crate::stack::{Stack, load_stack};
    use crate::tail::{self, CloudWatch, TailConfig, TailMode, TailMsg};
    use crate::tui::app::CanaryAction;
    use crate::tui::msg::{Answer, Msg, Outcome};
    use crate::tui::view::Level;
    use crate::watch::{WatchConfig, spawn_watch};

    /// How far back the log pane starts when the dashboard opens.
    const BACKLOG: std::time::Duration = std::time::Duration::from_secs(15 * 60);

    type Tx = mpsc::Sender<Msg>;

    async fn step(tx: &Tx, generation: u64, text: impl Into<String>) {
        let _ = tx
            .send(Msg::Progress {
                generation,
                step: text.into(),
                progress: None,
            })
            .await;
    }

    pub async fn load(session: &Session, conn: &SharedConn) -> Result<Box<Stack>, String> {
        let connection = connect(session, conn).await?;
        let mut stack = load_stack(&connection.clients, &session.spec)
            .await
            .map_err(|e| e.to_string())?;
        connection.note_local_runtime(&mut stack);
        Ok(Box::new(stack))
    }

    /// Builds (or, with `reuse`, takes the up-to-date package), turning the build's events into the
    /// gauge. The token stops cargo when the dashboard exits mid-build.
    async fn package(
        session: &Session,
        generation: u64,
        tx: &Tx,
        reuse: bool,
        cancel: CancellationToken,
    ) -> Result<Package, String> {
        let options = BuildOptions::new(session.build_target());
        let (events_tx, mut events) = mpsc::channel::<BuildEvent>(256);
        let forward = {
            let tx = tx.clone();
            async move {
                let mut first_error = None;
                while let Some(event) = events.recv().await {
                    let (text, progress) = match event {
                        BuildEvent::Started { toolchain, .. } => {
                            (format!("building with {toolchain}"), None)
                        }
                        BuildEvent::Progress {
                            compiled,
                            total,
                            unit,
                        } => (
                            format!("compiling {unit}"),
                            Some((compiled as u64, total as u64)),
                        ),
                        BuildEvent::Diagnostic(d) if d.level == build::Level::Error => {
                            first_error.get_or_insert_with(|| d.headline());
                            continue;
                        }
                        BuildEvent::Finished { .. } => ("packaged".into(), None),
                        _ => continue,
                    };
                    let _ = tx
                        .send(Msg::Progress {
                            generation,
                            step: text,
                            progress,
                        })
                        .await;
                }
                first_error
            }
        };
        let build = async {
            if reuse {
                build::ensure_package(&session.spec, &options, events_tx, cancel).await
            } else {
                build::build_with(&session.spec, &options, events_tx, cancel).await
            }
        };
        let (result, first_error) = tokio::join!(build, forward);
        result.map_err(|e| match first_error {
            // The compiler's first error says more than "cargo failed".
            Some(diag) => format!("{e}: {diag}"),
            None => e.to_string(),
        })
    }

    async fn upload(
        clients: &Clients,
        session: &Session,
        package: &Package,
        generation: u64,
        tx: &Tx,
    ) -> Result<UploadReport, String> {
        step(tx, generation, "uploading").await;
        build::upload_code(
            clients,
            &session.spec.function.name,
            package,
            session.spec.function.publish,
        )
        .await
        .map_err(|e| e.to_string())
    }

    pub async fn build_and_upload(
        session: &Session,
        conn: &SharedConn,
        generation: u64,
        tx: &Tx,
        cancel: CancellationToken,
    ) -> Result<Outcome, String> {
        let clients = &connect(session, conn).await?.clients;
        let package = package(session, generation, tx, false, cancel).await?;
        let report = upload(clients, session, &package, generation, tx).await?;
        Ok(Outcome::Upload {
            function: session.spec.function.name.clone(),
            report,
        })
    }

    /// With --local: start the stack, create what is missing (building the function first when it has to
    /// be created), upload the current build, and deploy when the stage is stale.
    pub async fn bootstrap(
        session: &Session,
        conn: &SharedConn,
        generation: u64,
        tx: &Tx,
        cancel: CancellationToken,
    ) -> Result<Outcome, String> {
        step(tx, generation, "starting the local stack").await;
        let clients = &connect(session, conn).await?.clients;
        step(tx, generation, "reading the stack").await;
        let stack = load_stack(clients, &session.spec)
            .await
            .map_err(|e| e.to_string())?;
        let package = package(session, generation, tx, true, cancel).await?;
        let mut done = Vec::new();
        step(tx, generation, "creating what is missing").await;
        let zip = provision::needs_package(&stack, &session.spec).then(|| package.zip.to_vec());
        let report = provision::up(clients, &session.spec, &stack, zip)
            .await
            .map_err(|e| e.to_string())?;
        let created = report
            .steps
            .iter()
            .filter(|s| s.action == StepAction::Created)
            .count();
        if created > 0 {
            done.push(format!("created {created} resources"));
        }
        if let UploadReport::Updated { .. } =
            upload(clients, session, &package, generation, tx).await?
        {
            done.push("uploaded the function".into());
        }
        step(tx, generation, "checking the stage").await;
        let mut stack = load_stack(clients, &session.spec)
            .await
            .map_err(|e| e.to_string())?;
        if stack.drift.is_stale() {
            step(tx, generation, "deploying the stage").await;
            let outcome = deploy_stage(clients, &session.spec, &stack)
                .await
                .map_err(|e| e.to_string())?;
            done.push(format!("deployed {}", outcome.deployment.id));
            stack = *outcome.stack;
        }
        Ok(Outcome::Bootstrap {
            done,
            stack: Box::new(stack),
        })
    }

    pub async fn deploy(
        session: &Session,
        conn: &SharedConn,
        stack: &Stack,
    ) -> Result<Outcome, String> {
        let clients = &connect(session, conn).await?.clients;
        deploy_stage(clients, &session.spec, stack)
            .await
            .map(|o| Outcome::Stage(Box::new(o)))
            .map_err(|e| e.to_string())
    }

    pub async fn rollback(
        session: &Session,
        conn: &SharedConn,
        stack: &Stack,
        id: &str,
    ) -> Result<Outcome, String> {
        let clients = &connect(session, conn).await?.clients;
        roll_back(clients, &session.spec, stack, Some(id))
            .await
            .map(|o| Outcome::Stage(Box::new(o)))
            .map_err(|e| e.to_string())
    }

    /// A body typed as `@file` is read now, relative to lambdeck.toml.
    fn resolve_body(session: &Session, request: &mut HttpRequest) -> Result<(), String> {
        if let Some(body) = &request.body {
            request.body = Some(crate::request::body_from(body, &session.spec.root)?);
        }
        Ok(())
    }

    /// TestInvokeMethod on the working API, through the engine `lambdeck test` uses.
    pub async fn test_invoke(
        session: &Session,
        conn: &SharedConn,
        stack: &Stack,
        mut request: HttpRequest,
    ) -> Result<Answer, String> {
        resolve_body(session, &mut request)?;
        let clients = &connect(session, conn).await?.clients;
        crate::stack::invoke::test_invoke(clients, stack, &request)
            .await
            .map(|t| Answer::Tested(Box::new(t)))
            .map_err(|e| e.to_string())
    }

    /// A request to the stage, through the engine `lambdeck request` uses; the tail is poked so that
    /// its log lines come without waiting for the next idle poll.
    pub async fn send(
        session: &Session,
        stage_url: &str,
        mut request: HttpRequest,
        activity: TailActivity,
    ) -> Result<Answer, String> {
        resolve_body(session, &mut request)?;
        let client = crate::request::client()?;
        let response = crate::request::send(&client, stage_url, &request)
            .await
            .map_err(|e| format!("{} {}: {e}", request.method, request.path))?;
        if let Some(a) = activity.get() {
            a.poke();
        }
        Ok(Answer::Sent(Box::new(response)))
    }

    pub async fn promote(
        session: &Session,
        conn: &SharedConn,
        stack: &Stack,
        from: &str,
        to: &str,
    ) -> Result<Outcome, String> {
        let clients = &connect(session, conn).await?.clients;
        crate::stack::stages::promote(clients, &session.spec, stack, from, to)
            .await
            .map(|o| Outcome::Stage(Box::new(o)))
            .map_err(|e| e.to_string())
    }

    /// A canary release on a stage, through the engine `lambdeck canary` runs.
    pub async fn canary(
        session: &Session,
        conn: &SharedConn,
        stack: &Stack,
        stage: &str,
        action: CanaryAction,
    ) -> Result<Outcome, String> {
        let clients = &connect(session, conn).await?.clients;
        let spec = &session.spec;
        match action {
            CanaryAction::Deploy(p) => {
                crate::stack::stages::deploy_canary(clients, spec, stack, stage, p.0).await
            }
            CanaryAction::Promote => {
                crate::stack::stages::end_canary(clients, spec, stack, stage, true).await
            }
            CanaryAction::Cancel => {
                crate::stack::stages::end_canary(clients, spec, stack, stage, false).await
            }
        }
        .map(|o| Outcome::Stage(Box::new(o)))
        .map_err(|e| e.to_string())
    }

    /// Watches the function crate with the engine `lambdeck watch` runs, forwarding its events until
    /// `stop` is cancelled; then stops it (a running build is cancelled). An error is why it could not
    /// start or why it ended.
    pub async fn watch(
        session: &Session,
        conn: &SharedConn,
        generation: u64,
        tx: &Tx,
        stop: CancellationToken,
    ) -> Result<(), String> {
        let clients = connect(session, conn).await?.clients.clone();
        let config = WatchConfig::for_target(&session.spec, session.build_target());
        let (events_tx, mut events) = mpsc::channel(256);
        let handle = spawn_watch(clients, session.spec.clone(), config, events_tx)
            .await
            .map_err(|e| e.to_string())?;
        let ended = loop {
            tokio::select! {
                () = stop.cancelled() => break Ok(()),
                event = events.recv() => match event {
                    Some(event) => {
                        if tx.send(Msg::Watch { generation, event }).await.is_err() {
                            break Ok(());
                        }
                    }
                    None => break Err("the watch ended".to_owned()),
                },
            }
        };
        handle.stop().await;
        ended
    }

    /// Probes until aborted. Dropping the pinger's handle (when this task is aborted) stops it.
    pub async fn ping(
        targets: Vec<PingTarget>,
        signer: Option<crate::aws::sigv4::StageSigner>,
        activity: TailActivity,
        tx: &Tx,
    ) {
        let (probes_tx, mut probes) = mpsc::channel(16);
        let config = PingConfig {
            signer,
            ..PingConfig::new(targets)
        };
        let _pinger = match spawn_pinger(config, probes_tx, activity.get().cloned()) {
            Ok(p) => p,
            Err(e) => {
                let _ = tx
                    .send(Msg::WorkerNotice {
                        level: Level::Error,
                        text: format!("ping: {e}"),
                    })
                    .await;
                return;
            }
        };
        while let Some(PingMsg::Probe(p)) = probes.recv().await {
            if tx.send(Msg::Probe(p)).await.is_err() {
                return;
            }
        }
    }

    /// Follows the function's log group from a few minutes back, until aborted. The local stack pushes
    /// events through Live Tail; on AWS the tail polls FilterLogEvents, because a Live Tail session is
    /// billed by the minute and a dashboard stays open for hours.
    pub async fn tail(session: &Session, conn: &SharedConn, activity: TailActivity, tx: &Tx) {
        let conn = match connect(session, conn).await {
            Ok(c) => c,
            Err(e) => {
                let _ = tx
                    .send(Msg::WorkerNotice {
                        level: Level::Error,
                        text: format!("logs: {e}"),
                    })
                    .await;
                return;
            }
        };
        let start = chrono::Utc::now().timestamp_millis() - BACKLOG.as_millis() as i64;
        let config = TailConfig {
            live_tail: conn.is_local_endpoint(),
            timing: conn.poll_timing(),
            ..TailConfig::new(session.spec.function.log_group(), start)
        };
        let (events_tx, mut events) = mpsc::channel(64);
        let clients = conn.clients.clone();
        let handle = tail::spawn_tail(CloudWatch { clients }, config, events_tx);
        let _ = activity.set(handle.activity());
        while let Some(m) = events.recv().await {
            let msg = match m {
                TailMsg::Events(batch) => Msg::Logs(batch),
                TailMsg::Mode { mode, reason } => Msg::LogSource(match (mode, reason) {
                    (TailMode::LiveTail, _) => "live tail".into(),
                    (TailMode::Polling, None) => "polling".into(),
                    (TailMode::Polling, Some(r)) => format!("polling ({r})"),
                }),
                TailMsg::CaughtUp => continue,
                TailMsg::Trouble { error, retry_in } => Msg::WorkerNotice {
                    level: Level::Warning,
                    text: format!(
                        "logs: {error}; retrying in {:.0} s",
                        retry_in.as_secs_f64().ceil()
                    ),
                },
                TailMsg::Recovered => Msg::WorkerNotice {
                    level: Level::Info,
                    text: "logs: reading again".into(),
                },
                TailMsg::Failed(error) => Msg::WorkerNotice {
                    level: Level::Error,
                    text: format!("logs stopped: {error}"),
                },
            };
            if tx.send(msg).await.is_err() {
                break;
            }
        }
        handle.stop().await;
    }
}

#[cfg(test)]
mod tests {
    use super::caught;

    #[tokio::test]
    async fn a_panicking_worker_becomes_an_error_line() {
        let ok = caught(async { 7 }).await;
        assert_eq!(ok, Ok(7));
        let err = caught(async {
            if ok.is_ok() {
                panic!("index out of bounds");
            }
            7
        })
        .await
        .unwrap_err();
        assert!(
            err.contains("internal error (index out of bounds)"),
            "{err}"
        );
    }
}
