//! Runs functions for real: execution environments that exec the package's `bootstrap` against a Lambda
//! Runtime API, reused while warm.
//!
//! Each environment is one `bootstrap` process with its own private directory and its own Runtime API
//! listener on 127.0.0.1:0, so a request never needs routing between environments. An invocation hands
//! its event to the environment's waiting `next` long-poll through a channel and gets the answer back
//! through a oneshot: no polling, no sleeping, no file work on the warm path beyond one `pread` of
//! `/proc/<pid>/status` for the REPORT line's Max Memory Used.
//!
//! Concurrency: at most [`ExecLimits::max_environments`] environments per function; requests beyond
//! that wait in a first-come queue for one to become free (they are not refused with
//! TooManyRequestsException: a caller that gives up simply leaves the queue).

pub mod code;
mod log;
mod runtime_api;
pub mod runtimes;

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{self, Read};
use std::os::fd::AsFd;
use std::os::unix::fs::FileExt;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use bytes::Bytes;
use serde::Serialize;
use tokio::net::unix::pipe;
use tokio::process::{Child, Command};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use super::common::lock;
use crate::wire::{END_PREFIX, REPORT_PREFIX, lambda_log_group};
use log::*;
use runtime_api::*;

/// Everything needed to run one version of a function.
#[derive(Debug, Clone)]
pub struct FunctionCode {
    pub name: String,
    /// The runtime string: `nodejs*` and `python*` run an interpreter, anything else `bootstrap`.
    pub runtime: Option<String>,
    pub arn: String,
    /// `$LATEST` or a published version's number: the START line, the stream name's `[version]` and
    /// `AWS_LAMBDA_FUNCTION_VERSION`.
    pub version: String,
    /// Changes whenever the code or configuration changes; environments of an older revision are retired.
    pub revision: String,
    pub zip: Arc<Vec<u8>>,
    pub handler: String,
    pub memory_mb: u32,
    pub timeout_secs: u32,
    pub environment: BTreeMap<String, String>,
    pub region: String,
    /// Where the platform lines go and in which format.
    pub logging: LogSettings,
}

/// A function's LoggingConfig as the platform lines follow it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogSettings {
    /// The log group; `None` for `/aws/lambda/<name>`.
    pub group: Option<String>,
    /// `LogFormat: JSON`: START and REPORT become `platform.start` and `platform.report` records
    /// (END is not written), as Lambda writes them.
    pub json: bool,
    /// With JSON, the system log level (`TRACE` .. `FATAL`, default `INFO`): the start and report
    /// records are INFO records, left out from `WARN` up.
    pub system_level: Option<String>,
    /// With JSON, the application log level (default `INFO`): a line the process writes is a record
    /// of the level its JSON `level` member names (INFO when it is not JSON or names none), and
    /// records below this level are dropped, as Lambda's log-level filtering does.
    pub application_level: Option<String>,
}

/// The rank of a log level, `TRACE` (0) to `FATAL` (5); `None` for anything else.
pub fn level_rank(level: &str) -> Option<u8> {
    let rank = match level.to_ascii_uppercase().as_str() {
        "TRACE" => 0,
        "DEBUG" => 1,
        "INFO" => 2,
        "WARN" | "WARNING" => 3,
        "ERROR" => 4,
        "FATAL" | "CRITICAL" => 5,
        _ => return None,
    };
    Some(rank)
}

/// The level of a line the process wrote: its JSON `level` member, else INFO (Lambda's rule).
fn line_rank(line: &str) -> u8 {
    const INFO: u8 = 2;
    if !line.trim_start().starts_with('{') {
        return INFO;
    }
    serde_json::from_str::<serde_json::Value>(line)
        .ok()
        .and_then(|v| v.get("level").and_then(|l| l.as_str()).and_then(level_rank))
        .unwrap_or(INFO)
}

impl LogSettings {
    /// Whether a line the process wrote reaches the log: always with `Text`; with JSON, when its
    /// level is at least the application log level.
    pub fn keeps_application_line(&self, line: &str) -> bool {
        if !self.json {
            return true;
        }
        let min = self
            .application_level
            .as_deref()
            .and_then(level_rank)
            .unwrap_or(2);
        line_rank(line) >= min
    }

    /// Whether INFO platform records are written.
    fn platform_info(&self) -> bool {
        !self.json
            || matches!(
                self.system_level.as_deref(),
                None | Some("TRACE" | "DEBUG" | "INFO")
            )
    }
}

/// Where the platform lines (START, END, REPORT) and the process's output go: CloudWatch Logs.
pub trait LogSink: Send + Sync + 'static {
    /// Appends events (epoch ms, message) to a stream of a region's log group, creating the group and
    /// stream when missing.
    fn put(&self, region: &str, group: &str, stream: &str, events: Vec<(i64, String)>);
}

/// The result of one invocation.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// The Lambda request id (as in START/END/REPORT).
    pub request_id: String,
    pub outcome: Outcome,
    /// The last 4 KB of the invocation's log, for X-Amz-Log-Result.
    pub log_tail: String,
}

#[derive(Debug, Clone)]
pub enum Outcome {
    /// The function's response payload.
    Response(Bytes),
    /// The function reported an error (X-Amz-Function-Error: Unhandled); the payload is its error JSON.
    FunctionError(Bytes),
    /// The invocation exceeded the function's timeout; the environment was killed.
    Timeout,
    /// The environment failed: the process could not start, crashed, or reported an init error.
    Crashed(String),
}

/// How many environments a function may have and how long they live.
#[derive(Debug, Clone)]
pub struct ExecLimits {
    /// Environments per function; overlapping requests beyond this wait for a free one.
    pub max_environments: usize,
    /// An environment idle this long is stopped.
    pub idle_timeout: Duration,
    /// How long a new environment may take to reach its first `next` (Lambda's 10 s init limit).
    pub init_timeout: Duration,
}

impl Default for ExecLimits {
    fn default() -> Self {
        Self {
            max_environments: 10,
            idle_timeout: Duration::from_secs(300),
            init_timeout: Duration::from_secs(10),
        }
    }
}

/// The largest response a function may return (Lambda's synchronous payload limit).
const MAX_RESPONSE_BYTES: usize = 6_291_556;
/// The longest log event CloudWatch Logs accepts; longer output lines are split.
const MAX_LINE_BYTES: usize = 256 * 1024;
/// The size of the log tail returned with an invocation (X-Amz-Log-Result).
const TAIL_BYTES: usize = 4096;

/// Owns every execution environment.
pub struct Executor {
    inner: Arc<Inner>,
}

struct Inner {
    sink: Arc<dyn LogSink>,
    limits: ExecLimits,
    pools: Mutex<HashMap<String, Arc<Pool>>>,
    /// Every environment started, to stop the busy ones too at shutdown.
    envs: Mutex<Vec<Weak<Env>>>,
    next_env: AtomicU64,
    reaper_started: AtomicBool,
    shut: AtomicBool,
}

/// One function's environments: permits cap how many run at once, idle ones wait to be reused.
struct Pool {
    permits: Arc<Semaphore>,
    idle: Mutex<Vec<Idle>>,
}

struct Idle {
    env: Arc<Env>,
    since: Instant,
}

fn epoch_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl Executor {
    pub fn new(sink: Arc<dyn LogSink>) -> Self {
        Self::with_limits(sink, ExecLimits::default())
    }

    pub fn with_limits(sink: Arc<dyn LogSink>, limits: ExecLimits) -> Self {
        Self {
            inner: Arc::new(Inner {
                sink,
                limits,
                pools: Mutex::new(HashMap::new()),
                envs: Mutex::new(Vec::new()),
                next_env: AtomicU64::new(1),
                reaper_started: AtomicBool::new(false),
                shut: AtomicBool::new(false),
            }),
        }
    }

    /// Runs one invocation, on a warm environment when one is idle.
    pub async fn invoke(&self, function: &FunctionCode, payload: Bytes) -> Invocation {
        self.invoke_with(function, payload, None).await
    }

    /// Runs one invocation with the caller's client context (decoded JSON), which the runtime reads
    /// from `Lambda-Runtime-Client-Context`.
    pub async fn invoke_with(
        &self,
        function: &FunctionCode,
        payload: Bytes,
        client_context: Option<String>,
    ) -> Invocation {
        let request_id = uuid::Uuid::new_v4().to_string();
        let inner = &self.inner;
        if inner.shut.load(Ordering::Acquire) {
            return Invocation {
                request_id,
                outcome: Outcome::Crashed("the local stack is shutting down".into()),
                log_tail: String::new(),
            };
        }
        inner.start_reaper();
        // Functions of the same name in two regions are two functions.
        let pool = inner.pool(&format!("{}:{}", function.region, function.name));
        let Ok(permit) = pool.permits.clone().acquire_owned().await else {
            return Invocation {
                request_id,
                outcome: Outcome::Crashed("the local stack is shutting down".into()),
                log_tail: String::new(),
            };
        };
        // Once it has an environment, an invocation runs to completion even if the caller goes away
        // (as on Lambda): a dropped request must not kill a warm environment or lose its END line.
        let inner = self.inner.clone();
        let function = function.clone();
        let id = request_id.clone();
        let task = tokio::spawn(async move {
            let env = match pool.take_idle(&function.revision) {
                Some(env) => env,
                None => match inner.start_env(&function).await {
                    Ok(env) => env,
                    Err(failed) => return failed.report(&id, &function),
                },
            };
            let invocation = env
                .run(&function, payload, client_context, id, &inner)
                .await;
            pool.release(env, permit);
            invocation
        });
        task.await.unwrap_or_else(|e| Invocation {
            request_id,
            outcome: Outcome::Crashed(format!("the invocation failed: {e}")),
            log_tail: String::new(),
        })
    }

    /// Live environments of a function (idle or busy), for status displays and tests.
    pub fn environments(&self, function: &str) -> usize {
        lock(&self.inner.envs)
            .iter()
            .filter_map(Weak::upgrade)
            .filter(|e| e.function == function && e.alive())
            .count()
    }

    /// Stops every environment (kills its process, removes its directory).
    pub async fn shutdown(&self) {
        let inner = &self.inner;
        inner.shut.store(true, Ordering::Release);
        // Hold every environment before the pools let go of the idle ones, so each is stopped and
        // awaited here rather than merely signalled by its Drop.
        let envs: Vec<Arc<Env>> = lock(&inner.envs)
            .drain(..)
            .filter_map(|w| w.upgrade())
            .collect();
        let pools: Vec<Arc<Pool>> = lock(&inner.pools).drain().map(|(_, p)| p).collect();
        for pool in &pools {
            pool.permits.close();
            lock(&pool.idle).clear();
        }
        futures::future::join_all(envs.iter().map(|e| e.stop())).await;
    }
}

impl Drop for Executor {
    fn drop(&mut self) {
        // Idle environments die with their pools; busy ones are told to stop as well, so no process
        // outlives the executor (each is also spawned with kill_on_drop).
        for env in lock(&self.inner.envs).iter().filter_map(Weak::upgrade) {
            env.rt.kill.notify_one();
        }
        lock(&self.inner.pools).clear();
    }
}

impl Inner {
    fn pool(&self, function: &str) -> Arc<Pool> {
        let mut pools = lock(&self.pools);
        if let Some(p) = pools.get(function) {
            return p.clone();
        }
        let p = Arc::new(Pool {
            permits: Arc::new(Semaphore::new(self.limits.max_environments.max(1))),
            idle: Mutex::new(Vec::new()),
        });
        pools.insert(function.to_owned(), p.clone());
        p
    }

    /// Starts the idle reaper the first time work arrives (it needs a running tokio runtime).
    fn start_reaper(self: &Arc<Self>) {
        if self.reaper_started.swap(true, Ordering::AcqRel) {
            return;
        }
        let weak = Arc::downgrade(self);
        let every = (self.limits.idle_timeout / 4)
            .clamp(Duration::from_millis(100), Duration::from_secs(30));
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let Some(inner) = weak.upgrade() else { return };
                let pools: Vec<Arc<Pool>> = lock(&inner.pools).values().cloned().collect();
                let mut expired = Vec::new();
                for pool in pools {
                    let mut idle = lock(&pool.idle);
                    let (keep, old): (Vec<Idle>, Vec<Idle>) = idle
                        .drain(..)
                        .partition(|i| i.since.elapsed() < inner.limits.idle_timeout);
                    *idle = keep;
                    expired.extend(old);
                }
                drop(inner);
                // Dropping an environment kills its process and removes its directory.
                drop(expired);
            }
        });
    }

    async fn start_env(&self, function: &FunctionCode) -> Result<Arc<Env>, StartFailure> {
        let id = self.next_env.fetch_add(1, Ordering::Relaxed);
        let stream = stream_name(&function.version);
        let group = function
            .logging
            .group
            .clone()
            .unwrap_or_else(|| lambda_log_group(&function.name));
        let log = Arc::new(EnvLog::new(
            self.sink.clone(),
            function.region.clone(),
            group.clone(),
            stream.clone(),
            function.logging.clone(),
        ));
        let started = Instant::now();
        let fail = |reason: String, kind: &'static str| StartFailure {
            log: log.clone(),
            reason,
            kind,
            started,
        };

        let dir = tempfile::Builder::new()
            .prefix("lambdeck-env-")
            .tempdir()
            .map_err(|e| {
                fail(
                    format!("cannot create the environment directory: {e}"),
                    "Runtime.Unknown",
                )
            })?;
        let task_root = dir.path().join("task");
        let runtime_dir = dir.path().join("runtime");
        let zip = function.zip.clone();
        let unpack_to = task_root.clone();
        let unpacked = tokio::task::spawn_blocking(move || code::unpack(&zip, &unpack_to)).await;
        match unpacked {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                return Err(fail(
                    format!("cannot unpack the code: {e}"),
                    "Runtime.Unknown",
                ));
            }
            Err(e) => {
                return Err(fail(
                    format!("cannot unpack the code: {e}"),
                    "Runtime.Unknown",
                ));
            }
        }
        std::fs::create_dir(&runtime_dir).map_err(|e| {
            fail(
                format!("cannot create the runtime directory: {e}"),
                "Runtime.Unknown",
            )
        })?;

        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| {
                fail(
                    format!("cannot open the Runtime API: {e}"),
                    "Runtime.Unknown",
                )
            })?;
        let api = listener.local_addr().map_err(|e| {
            fail(
                format!("cannot open the Runtime API: {e}"),
                "Runtime.Unknown",
            )
        })?;
        let (events_tx, events_rx) = mpsc::channel(1);
        let rt = Arc::new(Runtime {
            arn: function.arn.clone(),
            events: tokio::sync::Mutex::new(events_rx),
            slot: Mutex::new(Slot::default()),
            phase: watch::Sender::new(Phase::Starting),
            ready_at: Mutex::new(None),
            kill: Notify::new(),
            init_error: Mutex::new(None),
        });
        let server = tokio::spawn(serve_runtime_api(listener, rt.clone()));

        let launch = match runtimes::launch(function.runtime.as_deref(), &task_root, &runtime_dir) {
            Ok(l) => l,
            Err(reason) => {
                server.abort();
                return Err(fail(reason, "Runtime.InvalidEntrypoint"));
            }
        };
        let mut cmd = Command::new(&launch.program);
        cmd.args(&launch.args)
            .env_clear()
            .envs(&function.environment)
            .envs(reserved_env(
                function,
                &api.to_string(),
                &group,
                &stream,
                &task_root,
                &runtime_dir,
            ))
            .current_dir(&task_root)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let child = match spawn(&mut cmd).await {
            Ok(child) => child,
            Err(e) => {
                server.abort();
                let reason = if e.kind() == io::ErrorKind::NotFound {
                    format!(
                        "Couldn't find valid bootstrap(s): [{}]",
                        "/var/task/bootstrap"
                    )
                } else {
                    format!("fork/exec bootstrap: {e}")
                };
                return Err(fail(reason, "Runtime.InvalidEntrypoint"));
            }
        };
        let mut child = child;
        let pid = child.id();
        let pipes = [
            child.stdout.take().and_then(|p| p.into_owned_fd().ok()),
            child.stderr.take().and_then(|p| p.into_owned_fd().ok()),
        ];
        let mut watched = Vec::new();
        let mut raw = Vec::new();
        for fd in pipes.into_iter().flatten() {
            // tokio hands the pipe back in blocking mode; registering it again makes it non-blocking.
            // The log also reads it directly (through a duplicate of the descriptor, which shares that
            // mode) so that output written before a response is never missed at END.
            let pair = tokio::net::unix::pipe::Receiver::from_owned_fd(fd).and_then(|rx| {
                let dup = rx.as_fd().try_clone_to_owned()?;
                Ok((rx, File::from(dup)))
            });
            match pair {
                Ok((rx, file)) => {
                    watched.push(rx);
                    raw.push(file);
                }
                Err(e) => tracing::warn!("cannot watch a function's output: {e}"),
            }
        }
        log.attach(raw);
        let reader = tokio::spawn(read_output(log.clone(), watched));
        let monitor = tokio::spawn(monitor(child, rt.clone()));
        let status = pid.and_then(|pid| File::open(format!("/proc/{pid}/status")).ok());

        let env = Arc::new(Env {
            function: function.name.clone(),
            revision: function.revision.clone(),
            rt,
            events: events_tx,
            log,
            status,
            max_rss_kb: AtomicU64::new(0),
            dir: Mutex::new(Some(dir)),
            server,
            reader,
            monitor: Mutex::new(Some(monitor)),
            started,
            fresh: AtomicBool::new(true),
            _id: id,
        });
        let mut envs = lock(&self.envs);
        envs.retain(|w| w.strong_count() > 0);
        envs.push(Arc::downgrade(&env));
        Ok(env)
    }
}

/// Spawns the process, retrying ETXTBSY: a file just written can stay "busy" for as long as another
/// thread's fork inherited its write descriptor, until that child execs.
async fn spawn(cmd: &mut Command) -> io::Result<Child> {
    let mut tries = 0;
    loop {
        match cmd.spawn() {
            Err(e) if e.raw_os_error() == Some(26) && tries < 50 => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            other => return other,
        }
    }
}

/// The environment of spec §4; the function's own variables cannot override these.
fn reserved_env(
    f: &FunctionCode,
    api: &str,
    group: &str,
    stream: &str,
    task_root: &Path,
    runtime_dir: &Path,
) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_LAMBDA_RUNTIME_API", api.to_owned()),
        ("_HANDLER", f.handler.clone()),
        ("AWS_REGION", f.region.clone()),
        ("AWS_DEFAULT_REGION", f.region.clone()),
        ("AWS_LAMBDA_FUNCTION_NAME", f.name.clone()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", f.memory_mb.to_string()),
        ("AWS_LAMBDA_FUNCTION_VERSION", f.version.clone()),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".into()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", group.to_owned()),
        ("AWS_LAMBDA_LOG_STREAM_NAME", stream.to_owned()),
        ("LAMBDA_TASK_ROOT", path_str(task_root)),
        ("LAMBDA_RUNTIME_DIR", path_str(runtime_dir)),
        ("LANG", "en_US.UTF-8".into()),
        ("PATH", "/usr/local/bin:/usr/bin:/bin".into()),
        ("TZ", ":UTC".into()),
        // Dummy credentials: a function calling AWS from the local stack must never use real ones.
        ("AWS_ACCESS_KEY_ID", "test".into()),
        ("AWS_SECRET_ACCESS_KEY", "test".into()),
        ("AWS_SESSION_TOKEN", "test".into()),
    ]
}

fn path_str(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// `YYYY/MM/DD/[<version>]<32 hex>`, the UTC date of the environment's start.
fn stream_name(version: &str) -> String {
    format!(
        "{}/[{version}]{}",
        chrono::Utc::now().format("%Y/%m/%d"),
        uuid::Uuid::new_v4().simple()
    )
}

impl Pool {
    /// A warm environment of this revision; idle ones of other revisions are retired.
    fn take_idle(&self, revision: &str) -> Option<Arc<Env>> {
        let mut retired = Vec::new();
        let found = {
            let mut idle = lock(&self.idle);
            if idle.iter().any(|i| i.env.revision != revision) {
                let (keep, old): (Vec<Idle>, Vec<Idle>) =
                    idle.drain(..).partition(|i| i.env.revision == revision);
                *idle = keep;
                retired = old;
            }
            let mut found = None;
            // Most recently used first: keeps the fewest environments warm.
            while let Some(i) = idle.pop() {
                if i.env.alive() {
                    found = Some(i.env);
                    break;
                }
                retired.push(i);
            }
            found
        };
        drop(retired);
        found
    }

    fn release(&self, env: Arc<Env>, permit: OwnedSemaphorePermit) {
        if env.alive() {
            lock(&self.idle).push(Idle {
                env,
                since: Instant::now(),
            });
        } else {
            drop(env);
        }
        drop(permit);
    }
}

/// One execution environment: a `bootstrap` process and its Runtime API.
struct Env {
    function: String,
    revision: String,
    rt: Arc<Runtime>,
    events: mpsc::Sender<Event>,
    log: Arc<EnvLog>,
    /// `/proc/<pid>/status`, kept open: re-reading it from offset 0 regenerates it.
    status: Option<File>,
    max_rss_kb: AtomicU64,
    dir: Mutex<Option<tempfile::TempDir>>,
    server: JoinHandle<()>,
    reader: JoinHandle<()>,
    monitor: Mutex<Option<JoinHandle<()>>>,
    started: Instant,
    /// True until the first invocation, which reports the Init Duration.
    fresh: AtomicBool,
    _id: u64,
}

impl Drop for Env {
    fn drop(&mut self) {
        self.rt.kill.notify_one();
        self.server.abort();
        self.reader.abort();
        // The directory (a TempDir) is removed as the struct is dropped.
    }
}

impl Env {
    fn alive(&self) -> bool {
        !matches!(*self.rt.phase.borrow(), Phase::Dead(_))
    }

    /// Kills the process, waits until it is gone, and removes the directory.
    async fn stop(&self) {
        self.rt.kill.notify_one();
        let monitor = lock(&self.monitor).take();
        if let Some(m) = monitor {
            let _ = m.await;
        }
        self.server.abort();
        self.reader.abort();
        let dir = lock(&self.dir).take();
        drop(dir);
    }

    /// Kills the process and waits until it has exited.
    async fn kill(&self, why: &str) {
        self.rt.fail(why.to_owned());
        self.rt.kill.notify_one();
        let monitor = lock(&self.monitor).take();
        if let Some(m) = monitor {
            let _ = m.await;
        }
    }

    /// Max Memory Used in MB: the process's peak resident set (VmHWM).
    fn max_memory_mb(&self) -> u64 {
        if let Some(f) = &self.status {
            let mut buf = [0u8; 4096];
            if let Ok(n) = f.read_at(&mut buf, 0)
                && let Some(kb) = parse_vmhwm(&buf[..n])
            {
                self.max_rss_kb.fetch_max(kb, Ordering::Relaxed);
            }
        }
        self.max_rss_kb.load(Ordering::Relaxed).div_ceil(1024)
    }

    async fn run(
        &self,
        function: &FunctionCode,
        payload: Bytes,
        client_context: Option<String>,
        request_id: String,
        inner: &Inner,
    ) -> Invocation {
        let mut init = None;
        if self.fresh.swap(false, Ordering::AcqRel) {
            let mut phase = self.rt.phase.subscribe();
            // The watch guard must not live across an await: the invoke future has to stay Send.
            let failure = match tokio::time::timeout(
                inner.limits.init_timeout,
                phase.wait_for(|p| *p != Phase::Starting),
            )
            .await
            {
                Ok(Ok(p)) => match &*p {
                    Phase::Dead(reason) => Some(reason.clone()),
                    _ => None,
                },
                Ok(Err(_)) => Some("the environment stopped".to_owned()),
                Err(_) => Some(format!(
                    "Init timed out after {:.2} seconds",
                    inner.limits.init_timeout.as_secs_f64()
                )),
            };
            let ready_at = (*lock(&self.rt.ready_at)).unwrap_or_else(Instant::now);
            init = Some(ready_at.saturating_duration_since(self.started));
            if let Some(reason) = failure {
                self.kill(&reason).await;
                self.log.begin(&request_id, &function.version);
                let mut invocation = self.finish(
                    request_id,
                    function,
                    Duration::ZERO,
                    init,
                    Outcome::Crashed(reason),
                );
                // A runtime that reported its init failure: Lambda answers with the runtime's own
                // error document (its errorType and errorMessage), as an Unhandled function error.
                if let Some(document) = lock(&self.rt.init_error).take() {
                    invocation.outcome = Outcome::FunctionError(document);
                }
                return invocation;
            }
        }

        self.log.begin(&request_id, &function.version);
        let (tx, rx) = oneshot::channel();
        if let Err(reason) = self.rt.arm(&request_id, tx) {
            return self.finish(
                request_id,
                function,
                Duration::ZERO,
                init,
                Outcome::Crashed(reason),
            );
        }
        let timeout = Duration::from_secs(u64::from(function.timeout_secs.max(1)));
        let event = Event {
            request_id: request_id.clone(),
            payload,
            deadline_ms: epoch_ms() + timeout.as_millis() as i64,
            trace_id: trace_id(),
            client_context,
        };
        let t0 = Instant::now();
        if self.events.send(event).await.is_err() {
            let reason = "the environment stopped".to_owned();
            return self.finish(
                request_id,
                function,
                Duration::ZERO,
                init,
                Outcome::Crashed(reason),
            );
        }
        let reply = tokio::time::timeout(timeout, rx).await;
        let took = t0.elapsed();
        let outcome = match reply {
            Ok(Ok(Reply::Response(body))) => Outcome::Response(body),
            Ok(Ok(Reply::Error(body))) => Outcome::FunctionError(body),
            Ok(Ok(Reply::Crashed(reason))) => Outcome::Crashed(reason),
            Ok(Err(_)) => Outcome::Crashed("the environment stopped".into()),
            Err(_) => {
                self.rt.disarm(&request_id);
                self.kill("timed out").await;
                Outcome::Timeout
            }
        };
        self.finish(request_id, function, took, init, outcome)
    }

    /// Writes the closing lines (error lines, END, REPORT) and builds the invocation's result.
    fn finish(
        &self,
        request_id: String,
        function: &FunctionCode,
        took: Duration,
        init: Option<Duration>,
        outcome: Outcome,
    ) -> Invocation {
        let mut lines = Vec::new();
        match &outcome {
            Outcome::Timeout => lines.push(format!(
                "{} {request_id} Task timed out after {}.00 seconds",
                chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ"),
                function.timeout_secs.max(1)
            )),
            Outcome::Crashed(reason) => {
                lines.push(format!("RequestId: {request_id} Error: {reason}"));
                lines.push(error_type(reason).to_owned());
            }
            _ => {}
        }
        let status = match &outcome {
            Outcome::Response(_) => "success",
            Outcome::FunctionError(_) => "error",
            Outcome::Timeout => "timeout",
            Outcome::Crashed(_) => "failure",
        };
        lines.extend(closing_lines(
            &function.logging,
            &request_id,
            Report {
                took,
                memory_mb: function.memory_mb,
                used_mb: self.max_memory_mb(),
                init,
                status,
            },
        ));
        let log_tail = self.log.finish(lines);
        Invocation {
            request_id,
            outcome,
            log_tail,
        }
    }
}

/// The error type Lambda reports alongside a crash reason.
pub fn error_type(reason: &str) -> &'static str {
    if reason.starts_with("Runtime exited") {
        "Runtime.ExitError"
    } else if reason.starts_with("Couldn't find valid bootstrap")
        || reason.starts_with("Couldn't start the runtime")
        || reason.starts_with("fork/exec")
    {
        "Runtime.InvalidEntrypoint"
    } else if reason.starts_with("Init timed out") {
        "Runtime.InitTimeout"
    } else if reason.starts_with("Init error") {
        "Runtime.InitError"
    } else {
        "Runtime.Unknown"
    }
}

/// What a REPORT line (or `platform.report` record) says.
struct Report {
    took: Duration,
    memory_mb: u32,
    used_mb: u64,
    init: Option<Duration>,
    /// `success`, `error`, `timeout` or `failure`.
    status: &'static str,
}

/// An invocation's closing platform lines: END and REPORT as text (a timed-out REPORT ends with
/// `Status: timeout`), or, with JSON, one `platform.report` record.
fn closing_lines(logging: &LogSettings, request_id: &str, r: Report) -> Vec<String> {
    if logging.json {
        if !logging.platform_info() {
            return Vec::new();
        }
        let ms = |d: Duration| (d.as_secs_f64() * 100_000.0).round() / 100.0;
        let duration = ms(r.took);
        let mut metrics = serde_json::json!({
            "durationMs": duration,
            "billedDurationMs": (duration.ceil() as u64).max(1),
            "memorySizeMB": r.memory_mb,
            "maxMemoryUsedMB": r.used_mb,
        });
        if let Some(init) = r.init {
            metrics["initDurationMs"] = serde_json::json!(ms(init));
        }
        return vec![platform_record(
            "platform.report",
            serde_json::json!({"requestId": request_id, "metrics": metrics, "status": r.status}),
        )];
    }
    let mut report = report_line(request_id, r.took, r.memory_mb, r.used_mb, r.init);
    if r.status == "timeout" {
        report.push_str("Status: timeout");
    }
    vec![format!("{END_PREFIX}{request_id}"), report]
}

/// A platform event as Lambda writes it in the JSON log format: `{"time", "type", "record"}`.
pub(super) fn platform_record(kind: &str, record: serde_json::Value) -> String {
    serde_json::json!({
        "time": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        "type": kind,
        "record": record,
    })
    .to_string()
}

fn report_line(
    request_id: &str,
    took: Duration,
    memory_mb: u32,
    used_mb: u64,
    init: Option<Duration>,
) -> String {
    let ms = took.as_secs_f64() * 1000.0;
    let billed = (ms.ceil() as u64).max(1);
    let mut line = format!(
        "{REPORT_PREFIX}{request_id}\tDuration: {ms:.2} ms\tBilled Duration: {billed} ms\t\
         Memory Size: {memory_mb} MB\tMax Memory Used: {used_mb} MB\t"
    );
    if let Some(init) = init {
        line.push_str(&format!(
            "Init Duration: {:.2} ms\t",
            init.as_secs_f64() * 1000.0
        ));
    }
    line
}

fn parse_vmhwm(status: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(status).ok()?;
    let line = text.lines().find(|l| l.starts_with("VmHWM:"))?;
    line["VmHWM:".len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// `Root=1-<8 hex epoch>-<24 hex>;Parent=<16 hex>;Sampled=0`, the X-Ray header Lambda passes on.
fn trace_id() -> String {
    let a = uuid::Uuid::new_v4().simple().to_string();
    let b = uuid::Uuid::new_v4().simple().to_string();
    let secs = epoch_ms() / 1000;
    format!(
        "Root=1-{secs:08x}-{};Parent={};Sampled=0",
        &a[..24],
        &b[..16]
    )
}

/// An environment that failed before its process ran.
struct StartFailure {
    log: Arc<EnvLog>,
    reason: String,
    kind: &'static str,
    started: Instant,
}

impl StartFailure {
    fn report(self, request_id: &str, function: &FunctionCode) -> Invocation {
        self.log.begin(request_id, &function.version);
        let mut lines = vec![
            format!("RequestId: {request_id} Error: {}", self.reason),
            self.kind.to_owned(),
        ];
        lines.extend(closing_lines(
            &function.logging,
            request_id,
            Report {
                took: Duration::ZERO,
                memory_mb: function.memory_mb,
                used_mb: 0,
                init: Some(self.started.elapsed()),
                status: "failure",
            },
        ));
        let log_tail = self.log.finish(lines);
        Invocation {
            request_id: request_id.to_owned(),
            outcome: Outcome::Crashed(self.reason),
            log_tail,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The server awaits invocations inside axum handlers, which must be Send.
    #[test]
    fn invoke_is_send() {
        fn assert_send<T: Send>(_: &T) {}
        struct Nothing;
        impl LogSink for Nothing {
            fn put(&self, _: &str, _: &str, _: &str, _: Vec<(i64, String)>) {}
        }
        let executor = Executor::new(Arc::new(Nothing));
        let f = FunctionCode {
            logging: LogSettings::default(),
            name: "f".into(),
            runtime: None,
            arn: "arn".into(),
            version: "$LATEST".into(),
            revision: "r".into(),
            zip: Arc::new(Vec::new()),
            handler: "h".into(),
            memory_mb: 128,
            timeout_secs: 3,
            environment: BTreeMap::new(),
            region: "us-east-1".into(),
        };
        assert_send(&executor.invoke(&f, Bytes::new()));
        assert_send(&executor.shutdown());
    }

    #[test]
    fn report_line_has_aws_shape() {
        let line = report_line("id-1", Duration::from_micros(1234), 128, 12, None);
        assert_eq!(
            line,
            "REPORT RequestId: id-1\tDuration: 1.23 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 12 MB\t"
        );
        let cold = report_line(
            "id-2",
            Duration::from_micros(200),
            256,
            20,
            Some(Duration::from_micros(113_510)),
        );
        assert!(
            cold.ends_with("Max Memory Used: 20 MB\tInit Duration: 113.51 ms\t"),
            "{cold}"
        );
        assert!(cold.contains("Billed Duration: 1 ms"));
    }

    #[test]
    fn vmhwm_is_parsed_from_proc_status() {
        let status =
            b"Name:\tbootstrap\nVmPeak:\t   9000 kB\nVmHWM:\t    5120 kB\nVmRSS:\t 4000 kB\n";
        assert_eq!(parse_vmhwm(status), Some(5120));
        assert_eq!(parse_vmhwm(b"Name:\tx\n"), None);
    }

    #[test]
    fn stream_name_is_dated_and_has_32_hex() {
        assert!(stream_name("3").contains("/[3]"));
        let name = stream_name("$LATEST");
        let (date, rest) = name.split_at(11);
        assert_eq!(date, chrono::Utc::now().format("%Y/%m/%d/").to_string());
        let hex = rest.strip_prefix("[$LATEST]").unwrap();
        assert_eq!(hex.len(), 32);
        assert!(
            hex.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
    }

    #[test]
    fn exit_reasons_use_lambda_wording() {
        assert_eq!(
            exit_reason(ExitStatus::from_raw(3 << 8)),
            "Runtime exited with error: exit status 3"
        );
        assert_eq!(
            exit_reason(ExitStatus::from_raw(9)),
            "Runtime exited with error: signal: killed"
        );
        assert_eq!(
            exit_reason(ExitStatus::from_raw(0)),
            "Runtime exited without providing a reason"
        );
    }

    #[test]
    fn tail_keeps_the_last_4_kb_on_a_char_boundary() {
        let s = "é".repeat(3000);
        let t = last_bytes(&s, TAIL_BYTES);
        assert!(t.len() <= TAIL_BYTES && t.len() >= TAIL_BYTES - 1);
        assert!(t.chars().all(|c| c == 'é'));
    }

    #[test]
    fn trace_id_has_xray_shape() {
        let t = trace_id();
        let parts: Vec<&str> = t.split(';').collect();
        assert!(parts[0].starts_with("Root=1-"));
        assert_eq!(parts[0].len(), "Root=1-".len() + 8 + 1 + 24);
        assert_eq!(parts[1].len(), "Parent=".len() + 16);
        assert_eq!(parts[2], "Sampled=0");
    }
}
