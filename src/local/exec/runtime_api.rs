//! The Runtime API of one execution environment: the `next` long-poll, responses and errors, and
//! the monitor that reports the process's exit.

use super::*;

pub(super) struct Event {
    pub(super) request_id: String,
    pub(super) payload: Bytes,
    pub(super) deadline_ms: i64,
    pub(super) trace_id: String,
    /// The caller's client context (JSON), passed on as `Lambda-Runtime-Client-Context`.
    pub(super) client_context: Option<String>,
}

pub(super) enum Reply {
    Response(Bytes),
    Error(Bytes),
    Crashed(String),
}

pub(super) struct Current {
    pub(super) request_id: String,
    pub(super) tx: oneshot::Sender<Reply>,
}

#[derive(Default)]
pub(super) struct Slot {
    pub(super) dead: Option<String>,
    pub(super) current: Option<Current>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Phase {
    /// The process runs but has not asked for its first event yet.
    Starting,
    /// The process has called `next` at least once.
    Ready,
    /// The process is gone (or must go), with the reason.
    Dead(String),
}

/// The state an environment's Runtime API handlers, its monitor and its invocations share.
pub(super) struct Runtime {
    pub(super) arn: String,
    pub(super) events: tokio::sync::Mutex<mpsc::Receiver<Event>>,
    /// The invocation in flight, and whether the environment is dead: one lock, so an invocation is
    /// never armed on an environment that has already died.
    pub(super) slot: Mutex<Slot>,
    pub(super) phase: watch::Sender<Phase>,
    pub(super) ready_at: Mutex<Option<Instant>>,
    pub(super) kill: Notify,
    /// The error document the runtime posted to `/runtime/init/error`: Lambda answers the invocation
    /// that waited for the environment with it.
    pub(super) init_error: Mutex<Option<Bytes>>,
}

impl Runtime {
    pub(super) fn arm(&self, request_id: &str, tx: oneshot::Sender<Reply>) -> Result<(), String> {
        let mut slot = lock(&self.slot);
        if let Some(reason) = &slot.dead {
            return Err(reason.clone());
        }
        slot.current = Some(Current {
            request_id: request_id.to_owned(),
            tx,
        });
        Ok(())
    }

    pub(super) fn disarm(&self, request_id: &str) {
        let mut slot = lock(&self.slot);
        if slot
            .current
            .as_ref()
            .is_some_and(|c| c.request_id == request_id)
        {
            slot.current = None;
        }
    }

    /// Answers the invocation in flight if it is `request_id`.
    pub(super) fn complete(&self, request_id: &str, reply: Reply) -> bool {
        let current = {
            let mut slot = lock(&self.slot);
            match &slot.current {
                Some(c) if c.request_id == request_id => slot.current.take(),
                _ => None,
            }
        };
        match current {
            Some(c) => {
                let _ = c.tx.send(reply);
                true
            }
            None => false,
        }
    }

    /// Marks the environment dead and fails the invocation in flight with `reason`.
    pub(super) fn fail(&self, reason: String) {
        let current = {
            let mut slot = lock(&self.slot);
            if slot.dead.is_none() {
                slot.dead = Some(reason.clone());
            }
            slot.current.take()
        };
        if let Some(c) = current {
            let _ = c.tx.send(Reply::Crashed(reason.clone()));
        }
        self.phase.send_if_modified(|p| {
            if matches!(p, Phase::Dead(_)) {
                false
            } else {
                *p = Phase::Dead(reason);
                true
            }
        });
    }
}

pub(super) async fn serve_runtime_api(listener: tokio::net::TcpListener, rt: Arc<Runtime>) {
    let app = Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next_invocation))
        .route(
            "/2018-06-01/runtime/invocation/{id}/response",
            post(invocation_response),
        )
        .route(
            "/2018-06-01/runtime/invocation/{id}/error",
            post(invocation_error),
        )
        .route("/2018-06-01/runtime/init/error", post(init_error))
        .layer(DefaultBodyLimit::max(MAX_RESPONSE_BYTES))
        .with_state(rt);
    // Small request/response exchanges on a kept-alive connection: Nagle would only add latency.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    if let Err(e) = axum::serve(listener, app).await {
        tracing::warn!("a Runtime API listener stopped: {e}");
    }
}

pub(super) async fn next_invocation(State(rt): State<Arc<Runtime>>) -> Response {
    if *rt.phase.borrow() == Phase::Starting {
        *lock(&rt.ready_at) = Some(Instant::now());
        rt.phase.send_if_modified(|p| {
            if *p == Phase::Starting {
                *p = Phase::Ready;
                true
            } else {
                false
            }
        });
    }
    let event = {
        let mut events = rt.events.lock().await;
        events.recv().await
    };
    let Some(event) = event else {
        return runtime_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "ContainerError",
            "the environment is stopping",
        );
    };
    let mut response = Response::new(Body::from(event.payload));
    let headers = response.headers_mut();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    if let Ok(v) = HeaderValue::from_str(&event.request_id) {
        headers.insert("lambda-runtime-aws-request-id", v);
    }
    headers.insert(
        "lambda-runtime-deadline-ms",
        HeaderValue::from(event.deadline_ms),
    );
    if let Ok(v) = HeaderValue::from_str(&rt.arn) {
        headers.insert("lambda-runtime-invoked-function-arn", v);
    }
    if let Ok(v) = HeaderValue::from_str(&event.trace_id) {
        headers.insert("lambda-runtime-trace-id", v);
    }
    if let Some(v) = event
        .client_context
        .as_deref()
        .and_then(|c| HeaderValue::from_str(c).ok())
    {
        headers.insert("lambda-runtime-client-context", v);
    }
    response
}

pub(super) fn accepted() -> Response {
    (
        StatusCode::ACCEPTED,
        [("content-type", "application/json")],
        r#"{"status":"OK"}"#,
    )
        .into_response()
}

/// The Runtime API's error document: `{"errorMessage": "...", "errorType": "..."}`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ErrorDocument<'a> {
    pub(super) error_message: &'a str,
    pub(super) error_type: &'a str,
}

impl ErrorDocument<'_> {
    pub(super) fn to_bytes(&self) -> Bytes {
        Bytes::from(serde_json::to_vec(self).unwrap_or_default())
    }
}

pub(super) fn runtime_error(status: StatusCode, kind: &str, message: &str) -> Response {
    let body = ErrorDocument {
        error_message: message,
        error_type: kind,
    }
    .to_bytes();
    (status, [("content-type", "application/json")], body).into_response()
}

pub(super) fn unknown_request(id: &str) -> Response {
    runtime_error(
        StatusCode::BAD_REQUEST,
        "InvalidRequestID",
        &format!("Invalid request ID: {id}"),
    )
}

pub(super) async fn invocation_response(
    State(rt): State<Arc<Runtime>>,
    UrlPath(id): UrlPath<String>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            // Over Lambda's synchronous limit: the invocation fails with Lambda's error, and the
            // runtime is told its response was refused.
            let document = ErrorDocument {
                error_message: &format!(
                    "Response payload size exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes)."
                ),
                error_type: "Function.ResponseSizeTooLarge",
            }
            .to_bytes();
            if !rt.complete(&id, Reply::Error(document)) {
                return unknown_request(&id);
            }
            return runtime_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "RequestEntityTooLarge",
                &format!("Exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes)."),
            );
        }
        Err(rejection) => return rejection.into_response(),
    };
    if rt.complete(&id, Reply::Response(body)) {
        accepted()
    } else {
        unknown_request(&id)
    }
}

pub(super) async fn invocation_error(
    State(rt): State<Arc<Runtime>>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body = error_body(&headers, body);
    if rt.complete(&id, Reply::Error(body)) {
        accepted()
    } else {
        unknown_request(&id)
    }
}

pub(super) async fn init_error(
    State(rt): State<Arc<Runtime>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body = error_body(&headers, body);
    let detail = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .map(|v| {
            let kind = v["errorType"].as_str().unwrap_or("Unknown").to_owned();
            let message = v["errorMessage"].as_str().unwrap_or("").to_owned();
            format!("{kind}: {message}")
        })
        .unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned());
    *lock(&rt.init_error) = Some(body);
    rt.fail(format!("Init error: {detail}"));
    rt.kill.notify_one();
    accepted()
}

/// The error document a runtime posted, or one built from its error-type header when the body is empty.
pub(super) fn error_body(headers: &HeaderMap, body: Bytes) -> Bytes {
    if !body.is_empty() {
        return body;
    }
    let kind = headers
        .get("lambda-runtime-function-error-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("Unhandled");
    ErrorDocument {
        error_message: "",
        error_type: kind,
    }
    .to_bytes()
}

/// Owns the process: reports its exit as a crash, or kills it when told to.
pub(super) async fn monitor(mut child: Child, rt: Arc<Runtime>) {
    let reason = tokio::select! {
        status = child.wait() => match status {
            Ok(status) => exit_reason(status),
            Err(e) => format!("Runtime exited with error: {e}"),
        },
        _ = rt.kill.notified() => {
            let _ = child.start_kill();
            let _ = child.wait().await;
            "the environment was stopped".to_owned()
        }
    };
    rt.fail(reason);
}

/// Lambda's wording for a runtime process that ended.
pub(super) fn exit_reason(status: ExitStatus) -> String {
    if let Some(code) = status.code() {
        if code == 0 {
            "Runtime exited without providing a reason".to_owned()
        } else {
            format!("Runtime exited with error: exit status {code}")
        }
    } else if let Some(signal) = status.signal() {
        let name = match signal {
            6 => "aborted".to_owned(),
            9 => "killed".to_owned(),
            11 => "segmentation fault".to_owned(),
            15 => "terminated".to_owned(),
            n => format!("{n}"),
        };
        format!("Runtime exited with error: signal: {name}")
    } else {
        format!("Runtime exited with error: {status}")
    }
}
