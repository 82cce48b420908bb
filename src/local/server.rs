//! Starting and stopping a local stack: the listener, the state directory's lock, the background log
//! saver, and finding a project's running stack.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::exec::Executor;
use super::logs::model::{DEFAULT_MAX_EVENTS, LogRetention};
use super::router::dispatch;
use super::store::{Store, StoreError};
use super::{Services, fault};
use crate::wire::{LOCAL_ACCOUNT_ID, LOCAL_REGION};

/// The lock file in a state directory: held by the serving process, it records the server's address.
pub const LOCK_FILE: &str = "server.lock";
/// How long a stopping server waits for open connections (a live tail, a long invocation) to finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// How to run a local stack.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalConfig {
    /// Where to listen; port 0 picks a free port.
    pub addr: SocketAddr,
    /// Persist the stack here; `None` keeps it in memory.
    pub state_dir: Option<PathBuf>,
    /// The region in ARNs and URLs.
    pub region: String,
    /// Fault injection: `None` (the default) disables it; a plan (possibly empty) enables it.
    pub faults: Option<fault::FaultPlan>,
    /// The most log events kept over all log groups (the oldest go first); `None`: no cap.
    pub max_log_events: Option<u64>,
    /// How long a Lambda create or update stays `Pending` / `InProgress` (refusing further updates),
    /// as on AWS; zero settles at once. Default [`DEFAULT_UPDATE_WINDOW`].
    pub update_window: std::time::Duration,
    /// The account id in ARNs and STS answers (default [`LOCAL_ACCOUNT_ID`]). One per process: see
    /// [`super::account_id`].
    pub account_id: String,
}

/// The default create/update window: long enough that a client reading right after an update sees
/// `InProgress` and a second update is refused, as on AWS (where it lasts seconds), and short enough
/// that a waiter's first retry (the SDK's come a second or more apart) finds the update settled.
pub const DEFAULT_UPDATE_WINDOW: std::time::Duration = std::time::Duration::from_millis(100);

impl Default for LocalConfig {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            state_dir: None,
            region: LOCAL_REGION.to_owned(),
            faults: None,
            max_log_events: Some(DEFAULT_MAX_EVENTS),
            update_window: DEFAULT_UPDATE_WINDOW,
            account_id: LOCAL_ACCOUNT_ID.to_owned(),
        }
    }
}

/// Why a local stack cannot start.
#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("the state directory {} is in use by another local stack{}", dir.display(), addr.as_ref().map(|a| format!(" (at http://{a})")).unwrap_or_default())]
    InUse { dir: PathBuf, addr: Option<String> },
    #[error("cannot lock the state directory {}: {source}", dir.display())]
    Lock {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot build the HTTP client for HTTP integrations: {0}")]
    HttpClient(String),
    #[error(
        "this process already serves account {current}; one local stack process has one account id (asked for {asked})"
    )]
    Account { current: String, asked: String },
}

/// A running local stack.
pub struct LocalServer {
    addr: SocketAddr,
    services: Arc<Services>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl fmt::Debug for LocalServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl LocalServer {
    /// Opens the store (taking the state directory's lock), binds the listener and starts serving.
    pub async fn start(config: LocalConfig) -> Result<LocalServer, LocalError> {
        super::set_account_id(&config.account_id)?;
        let (store, lock) = match &config.state_dir {
            Some(dir) => {
                let lock = wait_for_lock(dir).await?;
                let retention = LogRetention {
                    max_events: config.max_log_events,
                };
                let store = Store::open_with(dir, &config.region, retention)?;
                (store, Some(lock))
            }
            None => (Store::in_memory(&config.region)?, None),
        };
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .map_err(|source| LocalError::Bind {
                addr: config.addr,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| LocalError::Bind {
            addr: config.addr,
            source,
        })?;
        let lock = match (lock, &config.state_dir) {
            (Some(mut file), Some(dir)) => {
                record_address(&mut file, addr).map_err(|source| LocalError::Lock {
                    dir: dir.clone(),
                    source,
                })?;
                Some(file)
            }
            _ => None,
        };
        let store = Arc::new(store);
        // HTTP integrations reach their backends as API Gateway does: no redirects followed, no
        // proxy from this machine's environment.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .map_err(|e| LocalError::HttpClient(e.to_string()))?;
        let executor = Arc::new(Executor::new(store.logs.clone()));
        let services = Arc::new(Services {
            store: store.clone(),
            executor: executor.clone(),
            region: config.region.clone(),
            faults: Arc::new(fault::Faults::new(config.faults.clone())),
            authorizer_cache: Default::default(),
            http,
            update_window: config.update_window,
        });
        let (stop, stopped) = watch::channel(false);
        let app = axum::Router::new()
            .fallback(dispatch)
            .with_state(services.clone());
        let mut graceful = stopped.clone();
        let app = app.into_make_service_with_connect_info::<super::heads::Conn>();
        let serve = axum::serve(super::heads::RecordingListener(listener), app)
            .with_graceful_shutdown(async move {
                let _ = graceful.wait_for(|s| *s).await;
            });
        let flush_store = store.clone();
        let task = tokio::spawn(async move {
            // Logs are saved in the background (at most a second late), never on the request path.
            let flush_loop = async {
                let mut tick = tokio::time::interval(Duration::from_secs(1));
                loop {
                    tick.tick().await;
                    let s = flush_store.clone();
                    if let Ok(Err(e)) = tokio::task::spawn_blocking(move || s.flush_logs()).await {
                        tracing::warn!("local stack: {e}");
                    }
                }
            };
            let mut grace = stopped;
            let deadline = async move {
                let _ = grace.wait_for(|s| *s).await;
                tokio::time::sleep(SHUTDOWN_GRACE).await;
            };
            tokio::select! {
                r = serve.into_future() => if let Err(e) = r { tracing::warn!("local stack: {e}") },
                () = deadline => {}
                () = flush_loop => {}
            }
            executor.shutdown().await;
            if let Err(e) = store.flush_logs() {
                tracing::warn!("local stack: {e}");
            }
            // The lock is released only now, when nothing writes to the store any more.
            drop(lock);
        });
        Ok(LocalServer {
            addr,
            services,
            stop,
            task: Some(task),
        })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The fault injection of this server (inert unless `LocalConfig::faults` enabled it).
    pub fn faults(&self) -> &fault::Faults {
        &self.services.faults
    }

    /// The base URL for SDK clients (`endpoint_url`).
    pub fn endpoint_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops serving, stops every execution environment and saves what is unsaved.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        // Dropping without `shutdown` still stops the server task (it watches this channel) and saves
        // the logs now, in case the runtime goes away before the task runs again.
        let _ = self.stop.send(true);
        if self.task.is_some()
            && let Err(e) = self.services.store.flush_logs()
        {
            tracing::warn!("local stack: {e}");
        }
    }
}

/// How long a lock held by no live server is waited for before the directory is reported in use.
const LOCK_WAIT: Duration = Duration::from_secs(2);

/// Takes the state directory's lock. When a live server holds it (its recorded address answers), says
/// so at once. Otherwise the holder is starting, exiting, or is a child process forked by some thread
/// of this process that has not yet exec'd (it shares the lock until then): wait for it a little.
async fn wait_for_lock(dir: &Path) -> Result<File, LocalError> {
    let deadline = tokio::time::Instant::now() + LOCK_WAIT;
    loop {
        match take_lock(dir) {
            Err(LocalError::InUse {
                addr: Some(addr), ..
            }) if answers(&addr).await => {
                return Err(LocalError::InUse {
                    dir: dir.to_path_buf(),
                    addr: Some(addr),
                });
            }
            Err(e @ LocalError::InUse { .. }) if tokio::time::Instant::now() >= deadline => {
                return Err(e);
            }
            Err(LocalError::InUse { .. }) => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            other => return other,
        }
    }
}

/// True when a server answers at `addr`: an HTTP request gets a reply within a second. A TCP connect
/// alone is not enough: a child process another thread forked (and has not yet exec'd) holds the
/// listening socket of a server that has stopped, and the kernel completes connections to it that
/// nobody will ever answer.
async fn answers(addr: &str) -> bool {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let probe = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await.ok()?;
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .await
            .ok()?;
        let mut first = [0u8; 1];
        (stream.read(&mut first).await.ok()? > 0).then_some(())
    };
    matches!(
        tokio::time::timeout(Duration::from_secs(1), probe).await,
        Ok(Some(()))
    )
}

fn take_lock(dir: &Path) -> Result<File, LocalError> {
    let lock_err = |source| LocalError::Lock {
        dir: dir.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(lock_err)?;
    let path = dir.join(LOCK_FILE);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(lock_err)?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut text = String::new();
            let _ = file.read_to_string(&mut text);
            let addr = text.trim();
            Err(LocalError::InUse {
                dir: dir.to_path_buf(),
                addr: (!addr.is_empty()).then(|| addr.to_owned()),
            })
        }
        Err(std::fs::TryLockError::Error(e)) => Err(lock_err(e)),
    }
}

fn record_address(file: &mut File, addr: SocketAddr) -> std::io::Result<()> {
    file.set_len(0)?;
    file.seek(SeekFrom::Start(0))?;
    writeln!(file, "{addr}")?;
    file.sync_all()
}

/// Keeps a local stack reachable while a command runs: either one this process serves, or a live one
/// another lambdeck process serves for the same project.
pub struct LocalGuard {
    endpoint_url: String,
    server: Option<LocalServer>,
}

impl fmt::Debug for LocalGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalGuard")
            .field("endpoint_url", &self.endpoint_url)
            .field("serves", &self.server.is_some())
            .finish()
    }
}

impl LocalGuard {
    /// The base URL to give the SDK clients as endpoint_url.
    pub fn endpoint_url(&self) -> String {
        self.endpoint_url.clone()
    }

    /// True when this process serves the stack (false: another lambdeck process does).
    pub fn serves(&self) -> bool {
        self.server.is_some()
    }

    /// Stops the in-process server, if this guard owns one.
    pub async fn shutdown(mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await;
        }
    }
}

/// The project's state directory for `--local`.
pub fn project_state_dir(project_root: &Path) -> PathBuf {
    project_root.join(".lambdeck").join("local")
}

/// Finds the project's running local stack, or starts one in-process with the project's state directory.
pub async fn ensure_running(project_root: &Path) -> Result<LocalGuard, String> {
    let dir = project_state_dir(project_root);
    // Another process may hold the lock but not have written its address yet, or be exiting: `start`
    // waits a little for such a holder; try a few times before giving up.
    let mut last = String::new();
    for _ in 0..5 {
        let config = LocalConfig {
            state_dir: Some(dir.clone()),
            ..LocalConfig::default()
        };
        match LocalServer::start(config).await {
            Ok(server) => {
                return Ok(LocalGuard {
                    endpoint_url: server.endpoint_url(),
                    server: Some(server),
                });
            }
            Err(LocalError::InUse {
                addr: Some(addr), ..
            }) if answers(&addr).await => {
                return Ok(LocalGuard {
                    endpoint_url: format!("http://{addr}"),
                    server: None,
                });
            }
            Err(e @ LocalError::InUse { .. }) => last = e.to_string(),
            Err(e) => return Err(e.to_string()),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("{last}, which does not answer"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_socket_nobody_answers_on_is_not_a_live_server() {
        // What a forked child holds: a listening socket on which connections complete but nobody reads.
        let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        assert!(!answers(&silent.local_addr().unwrap().to_string()).await);
        let server = LocalServer::start(LocalConfig::default()).await.unwrap();
        assert!(answers(&server.addr().to_string()).await);
        server.shutdown().await;
    }
}
