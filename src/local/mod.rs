//! The embedded local AWS stack: API Gateway REST, Lambda and CloudWatch Logs on one loopback port.
//!
//! One listener serves every service. A request is routed, in this order, to execute-api (a stage URL:
//! by the Host header or the `/restapis/{id}/{stage}/_user_request_/` path), then by the service named in
//! the SigV4 credential scope of `Authorization`, then by `X-Amz-Target` (CloudWatch Logs), then by path
//! prefix (`/restapis`, `/2015-03-31/`). Signatures are not verified.

pub mod apigateway;
pub mod code;
pub mod error;
pub mod exec;
pub mod execute_api;
pub mod fault;
pub mod lambda;
pub mod live_tail;
pub mod logs;
pub mod state;

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use error::{LambdaError, RestJsonError};
use exec::Executor;
use state::{Store, StoreError};

/// The header that carries the request id on every response.
pub const REQUEST_ID_HEADER: &str = "x-amzn-RequestId";
/// The largest request body accepted: Lambda's direct-upload limit, base64-encoded, plus JSON framing.
const MAX_BODY: usize = 70 * 1024 * 1024;
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
}

impl Default for LocalConfig {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            state_dir: None,
            region: crate::aws::LOCAL_REGION.to_owned(),
            faults: None,
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
}

/// What every handler gets: the store and the execution engine.
pub struct Services {
    pub store: Arc<Store>,
    pub executor: Arc<Executor>,
    pub region: String,
    pub faults: Arc<fault::Faults>,
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
        let (store, lock) = match &config.state_dir {
            Some(dir) => {
                let lock = wait_for_lock(dir).await?;
                let store = Store::open(dir, &config.region)?;
                (store, Some(lock))
            }
            None => (Store::in_memory(&config.region), None),
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
        let executor = Arc::new(Executor::new(store.logs.clone()));
        let services = Arc::new(Services {
            store: store.clone(),
            executor: executor.clone(),
            region: config.region.clone(),
            faults: Arc::new(fault::Faults::new(config.faults.clone())),
        });
        let (stop, stopped) = watch::channel(false);
        let app = axum::Router::new()
            .fallback(dispatch)
            .with_state(services.clone());
        let mut graceful = stopped.clone();
        let app = app.into_make_service_with_connect_info::<SocketAddr>();
        let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
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
            }) if tokio::net::TcpStream::connect(&addr).await.is_ok() => {
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

/// The path-style stage URL of a REST API on a local endpoint (LocalStack's convention too).
pub fn stage_url(endpoint_url: &str, api_id: &str, stage: &str) -> String {
    format!(
        "{}/restapis/{api_id}/{stage}/_user_request_",
        endpoint_url.trim_end_matches('/')
    )
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
            }) if tokio::net::TcpStream::connect(&addr).await.is_ok() => {
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

/// One request, read whole, as the service modules see it.
pub struct Req {
    pub method: Method,
    /// The path, percent-decoded, split on `/` (no empty leading segment).
    pub segments: Vec<String>,
    /// The raw path, as sent.
    pub raw_path: String,
    /// Query parameters, percent-decoded, in order.
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Req {
    pub fn query_one(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn query_all(&self, key: &str) -> Vec<&str> {
        self.query
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as JSON; an empty body reads as `{}`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, String> {
        let body: &[u8] = if self.body.is_empty() {
            b"{}"
        } else {
            &self.body
        };
        let de = &mut serde_json::Deserializer::from_slice(body);
        serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            // "." is the document itself, "?" a position serde could not name (a truncated body).
            if path == "." || path == "?" {
                format!("invalid request body: {}", e.inner())
            } else {
                format!("invalid request body at {path}: {}", e.inner())
            }
        })
    }
}

/// Decodes `%XX` escapes; invalid escapes are kept as they are.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Parses a query string into decoded pairs, keeping order and repeats.
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => (percent_decode(k), percent_decode(v)),
            None => (percent_decode(pair), String::new()),
        })
        .collect()
}

/// Which service a request is for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Route {
    /// A stage URL: the API id and the rest of the path (`/{stage}/{path...}`), raw.
    ExecuteApi {
        api_id: String,
        rest: String,
    },
    ApiGateway,
    Lambda,
    Logs,
    /// `/_lambdeck/code/<sha256 hex>.zip`: the package download GetFunction's Code.Location points at.
    Code,
    Unknown,
}

fn route(method: &Method, path: &str, headers: &HeaderMap) -> Route {
    let host = headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let hostname = host.rsplit_once(':').map_or(host, |(h, _)| h);
    if let Some((api_id, domain)) = hostname.split_once(".execute-api.")
        && (domain == "localhost"
            || domain.starts_with("localhost.")
            || domain.ends_with(".amazonaws.com"))
        && !api_id.is_empty()
    {
        return Route::ExecuteApi {
            api_id: api_id.to_owned(),
            rest: path.to_owned(),
        };
    }
    // /restapis/{id}/{stage}/_user_request_/{path}
    let mut parts = path.trim_start_matches('/').splitn(4, '/');
    if let (Some("restapis"), Some(id), Some(stage), Some(rest)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    {
        let (marker, tail) = rest.split_once('/').unwrap_or((rest, ""));
        if marker == "_user_request_" {
            return Route::ExecuteApi {
                api_id: id.to_owned(),
                rest: format!("/{stage}/{tail}"),
            };
        }
    }
    let _ = method;
    if let Some(service) = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(credential_scope_service)
    {
        match service {
            "apigateway" => return Route::ApiGateway,
            "lambda" => return Route::Lambda,
            "logs" => return Route::Logs,
            _ => {}
        }
    }
    if headers
        .get("x-amz-target")
        .and_then(|h| h.to_str().ok())
        .is_some_and(|t| t.starts_with("Logs_20140328."))
    {
        return Route::Logs;
    }
    if path.starts_with("/_lambdeck/code/") {
        Route::Code
    } else if path.starts_with("/restapis") || path.starts_with("/tags/") {
        Route::ApiGateway
    } else if ["/2015-03-31/", "/2017-03-31/", "/2016-08-19/"]
        .iter()
        .any(|p| path.starts_with(p))
    {
        Route::Lambda
    } else {
        Route::Unknown
    }
}

/// The (region, service) of a SigV4 `Authorization` header:
/// `Credential=AKID/date/region/service/aws4_request`.
fn credential_scope(auth: &str) -> Option<(&str, &str)> {
    let cred = auth.split("Credential=").nth(1)?;
    let cred = cred.split([',', ' ']).next()?;
    let mut parts = cred.split('/');
    let (_key, _date, region, service) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    Some((region, service))
}

fn credential_scope_service(auth: &str) -> Option<&str> {
    credential_scope(auth).map(|(_, s)| s)
}

/// The region a client signed for, when it names one: ARNs in answers use it, so a client configured
/// for any region sees consistent ARNs from the one local stack.
fn signed_region(headers: &HeaderMap) -> Option<String> {
    let auth = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let (region, _) = credential_scope(auth)?;
    let valid = !region.is_empty()
        && region.len() <= 32
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    valid.then(|| region.to_owned())
}

async fn dispatch(State(svc): State<Arc<Services>>, request: axum::extract::Request) -> Response {
    let peer = request
        .extensions()
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    let route = route(&parts.method, &path, &parts.headers);
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return with_request_id(
                LambdaError::too_large(format!(
                    "Request must be smaller than {MAX_BODY} bytes for the operation"
                ))
                .into_response(),
            );
        }
    };
    let svc = match signed_region(&parts.headers) {
        Some(region) if region != svc.region => Arc::new(Services {
            store: svc.store.clone(),
            executor: svc.executor.clone(),
            region,
            faults: svc.faults.clone(),
        }),
        _ => svc,
    };
    let mut req = Req {
        method: parts.method,
        segments: path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(percent_decode)
            .collect(),
        raw_path: path,
        query: parse_query(parts.uri.query().unwrap_or("")),
        headers: parts.headers,
        body,
    };
    if req.raw_path == fault::CONTROL_PATH {
        return with_request_id(fault::control(&svc, peer, &req));
    }
    let op = fault::operation(&req).filter(|_| {
        svc.faults.enabled() && matches!(route, Route::ApiGateway | Route::Lambda | Route::Logs)
    });
    let function = op.as_deref().and_then(|op| fault::function_of(op, &req));
    if let Some(op) = &op {
        match svc.faults.before(op, &req) {
            fault::Verdict::Pass => {}
            fault::Verdict::Respond(r) => return with_request_id(r),
            fault::Verdict::Drop => return fault::dropped(),
        }
        if op == "PutLogEvents" {
            let held = svc.faults.hold_back_logs(&mut req);
            let nothing_now = !held.is_empty() && req.body.is_empty();
            fault::ingest_later(&svc, held);
            if nothing_now {
                return with_request_id(axum::Json(serde_json::json!({})).into_response());
            }
        }
    }
    let response = match route {
        Route::ExecuteApi { api_id, rest } => execute_api::handle(&svc, &api_id, &rest, req).await,
        Route::ApiGateway => apigateway::handle(&svc, &req).await,
        Route::Lambda => lambda::handle(&svc, &req).await,
        Route::Logs => logs::handle(&svc, &req).await,
        Route::Code => lambda::download(&svc, &req),
        Route::Unknown => RestJsonError::new(
            http::StatusCode::NOT_FOUND,
            "UnknownOperationException",
            format!(
                "lambdeck's local stack serves API Gateway, Lambda and CloudWatch Logs; nothing answers {} {}",
                req.method, req.raw_path
            ),
        )
        .into_response(),
    };
    let response = match &op {
        Some(op) => match svc.faults.after(op, function.as_deref(), response).await {
            Ok(r) => r,
            Err(fault::Dropped) => return fault::dropped(),
        },
        None => response,
    };
    with_request_id(response)
}

fn with_request_id(mut response: Response) -> Response {
    if !response.headers().contains_key(REQUEST_ID_HEADER)
        && let Ok(v) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string())
    {
        response.headers_mut().insert(REQUEST_ID_HEADER, v);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn routes_by_credential_scope_target_and_path() {
        let auth = "AWS4-HMAC-SHA256 Credential=AKID/20261124/us-east-1/logs/aws4_request, SignedHeaders=host, Signature=x";
        assert_eq!(
            route(&Method::POST, "/", &headers(&[("authorization", auth)])),
            Route::Logs
        );
        let auth = auth.replace("/logs/", "/lambda/");
        assert_eq!(
            route(
                &Method::GET,
                "/restapis",
                &headers(&[("authorization", &auth)])
            ),
            Route::Lambda
        );
        assert_eq!(
            route(
                &Method::POST,
                "/",
                &headers(&[("x-amz-target", "Logs_20140328.CreateLogGroup")])
            ),
            Route::Logs
        );
        assert_eq!(
            route(&Method::GET, "/restapis/abc", &HeaderMap::new()),
            Route::ApiGateway
        );
        assert_eq!(
            route(&Method::GET, "/2015-03-31/functions", &HeaderMap::new()),
            Route::Lambda
        );
        assert_eq!(route(&Method::GET, "/x", &HeaderMap::new()), Route::Unknown);
    }

    #[test]
    fn recognises_the_three_stage_url_forms() {
        let want = Route::ExecuteApi {
            api_id: "abc123defg".into(),
            rest: "/tf-test/hello_world".into(),
        };
        assert_eq!(
            route(
                &Method::GET,
                "/restapis/abc123defg/tf-test/_user_request_/hello_world",
                &HeaderMap::new()
            ),
            want
        );
        assert_eq!(
            route(
                &Method::GET,
                "/tf-test/hello_world",
                &headers(&[("host", "abc123defg.execute-api.localhost:4566")])
            ),
            want
        );
        assert_eq!(
            route(
                &Method::GET,
                "/tf-test/hello_world",
                &headers(&[("host", "abc123defg.execute-api.us-east-1.amazonaws.com")])
            ),
            want
        );
        // LocalStack's own host form works too.
        assert_eq!(
            route(
                &Method::GET,
                "/tf-test/hello_world",
                &headers(&[(
                    "host",
                    "abc123defg.execute-api.localhost.localstack.cloud:4566"
                )])
            ),
            want
        );
        // The control plane under /restapis is not a stage URL.
        assert_eq!(
            route(
                &Method::GET,
                "/restapis/abc123defg/stages/tf-test",
                &HeaderMap::new()
            ),
            Route::ApiGateway
        );
    }

    #[test]
    fn stage_url_is_path_style() {
        assert_eq!(
            stage_url("http://127.0.0.1:4566/", "abc", "tf-test"),
            "http://127.0.0.1:4566/restapis/abc/tf-test/_user_request_"
        );
    }

    #[test]
    fn a_truncated_body_is_reported_without_a_meaningless_path() {
        let req = Req {
            method: Method::POST,
            segments: Vec::new(),
            raw_path: "/restapis".into(),
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: Bytes::from_static(b"{"),
        };
        let err = req.json::<serde_json::Value>().unwrap_err();
        assert_eq!(
            err,
            "invalid request body: EOF while parsing an object at line 1 column 1"
        );
    }

    #[test]
    fn percent_decoding_and_queries() {
        assert_eq!(percent_decode("a%3Ab%2f%zz"), "a:b/%zz");
        assert_eq!(
            parse_query("a=1&b=x%20y&a=2&flag"),
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "x y".into()),
                ("a".into(), "2".into()),
                ("flag".into(), String::new())
            ]
        );
    }
}
