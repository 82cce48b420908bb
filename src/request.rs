//! Any request to the stage: sent (`send`), answered with status, headers, body and latency, and linked
//! to the Lambda log lines of the invocation it caused (`RequestLog`): by the local stack's request-id
//! header, or on AWS through the function's log line that names API Gateway's request (`ProbeLinker`).
//! `lambdeck request` and the dashboard's composer both send through here; the headless command also
//! follows the log group with the tail engine (`exchange`), the dashboard with the tail it already runs.

use std::collections::VecDeque;
use std::path::Path;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::aws::Clients;
use crate::config::{SavedRequest, StackSpec};
use crate::model::HttpRequest;
use crate::ping::ProbeLinker;
use crate::tail::{self, CloudWatch, LineKind, LogEvent, PollTiming, TailConfig, TailMsg};
use crate::wire::{LAMBDA_REQUEST_ID_HEADER, REQUEST_ID_HEADER};

/// The header API Gateway names its own refusals in (`MissingAuthenticationTokenException`, ...).
pub const ERROR_TYPE_HEADER: &str = "x-amzn-ErrorType";

/// What the stage answered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageResponse {
    /// The request as sent (its body resolved).
    pub request: HttpRequest,
    pub url: String,
    /// When it was sent, epoch milliseconds.
    pub sent_at: i64,
    pub status: u16,
    /// Every header, in the order received.
    pub headers: Vec<(String, String)>,
    /// The whole body, lossy UTF-8.
    pub body: String,
    /// From sending to the last byte of the body.
    pub latency_ms: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub apigw_request_id: Option<String>,
    /// From the local stack's header; on AWS found later in the function's log line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lambda_request_id: Option<String>,
}

impl StageResponse {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether the request reached the function, so that log lines are worth waiting for: the local
    /// stack names the Lambda request; elsewhere anything but API Gateway's own refusal (403 missing
    /// route, 401/403 authorizer, 429 throttling) may have.
    pub fn reached_lambda(&self) -> bool {
        if self.lambda_request_id.is_some() {
            return true;
        }
        let refused =
            matches!(self.status, 401 | 403 | 429) && self.header(ERROR_TYPE_HEADER).is_some();
        self.apigw_request_id.is_some() && !refused
    }
}

/// The HTTP client requests go out on (30 s: API Gateway itself gives up after 29).
pub fn client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .user_agent(concat!("lambdeck/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))
}

/// Sends `request` to the stage at `stage_url` (`.../tf-test` or the local stack's path-style URL).
pub async fn send(
    client: &reqwest::Client,
    stage_url: &str,
    request: &HttpRequest,
) -> Result<StageResponse, String> {
    let method = reqwest::Method::from_bytes(request.method.as_bytes())
        .map_err(|_| format!("{:?} is not an HTTP method", request.method))?;
    let url = format!(
        "{}{}",
        stage_url.trim_end_matches('/'),
        request.path_with_query()
    );
    let mut builder = client.request(method, &url);
    for (k, v) in &request.headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    if let Some(body) = &request.body {
        builder = builder.body(body.clone());
    }
    let sent_at = chrono::Utc::now().timestamp_millis();
    let started = Instant::now();
    let response = builder.send().await.map_err(|e| describe(&e))?;
    let status = response.status().as_u16();
    let headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let body = response.bytes().await.map_err(|e| describe(&e))?;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let find = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    Ok(StageResponse {
        request: request.clone(),
        url,
        sent_at,
        status,
        apigw_request_id: find(REQUEST_ID_HEADER),
        lambda_request_id: find(LAMBDA_REQUEST_ID_HEADER),
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
        latency_ms,
    })
}

/// reqwest's error and its causes, on one line.
fn describe(e: &reqwest::Error) -> String {
    let mut text = if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "connection failed".to_owned()
    } else {
        "request failed".to_owned()
    };
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// How many log events of other requests a `RequestLog` keeps while it waits to learn its own
/// request's id (the START line comes before the line that names API Gateway's request).
const EARLY_CAPACITY: usize = 512;

/// The log lines of one request's Lambda invocation, picked out of a log group's events as they
/// arrive: from START to REPORT.
#[derive(Debug, Clone, Default)]
pub struct RequestLog {
    lambda_request_id: Option<String>,
    linker: ProbeLinker,
    /// Lines of some request, kept until the link says which is ours.
    early: VecDeque<LogEvent>,
    lines: Vec<LogEvent>,
    complete: bool,
}

impl RequestLog {
    /// For a response: its Lambda request when the stage named it, else its API Gateway request to
    /// find in the function's log line.
    pub fn for_response(response: &StageResponse) -> Self {
        let mut log = Self {
            lambda_request_id: response.lambda_request_id.clone(),
            ..Self::default()
        };
        if log.lambda_request_id.is_none()
            && let Some(apigw) = &response.apigw_request_id
        {
            log.linker.expect_request(apigw, 0);
        }
        log
    }

    /// Takes the event if it belongs to the request; returns whether it did.
    pub fn offer(&mut self, event: &LogEvent) -> bool {
        if self.complete {
            return false;
        }
        if self.lambda_request_id.is_none() {
            match self.linker.link(event) {
                Some(link) => {
                    let id = link.lambda_request_id;
                    let early = std::mem::take(&mut self.early);
                    self.lines.extend(
                        early
                            .into_iter()
                            .filter(|e| e.request_id.as_deref() == Some(id.as_str())),
                    );
                    self.lambda_request_id = Some(id);
                }
                None => {
                    if event.request_id.is_some() {
                        if self.early.len() == EARLY_CAPACITY {
                            self.early.pop_front();
                        }
                        self.early.push_back(event.clone());
                    }
                    return false;
                }
            }
        }
        if event.request_id != self.lambda_request_id {
            return false;
        }
        self.lines.push(event.clone());
        if matches!(event.kind, LineKind::Report(_)) {
            self.complete = true;
        }
        true
    }

    /// The invocation's lines so far, in the order they arrived.
    pub fn lines(&self) -> &[LogEvent] {
        &self.lines
    }

    /// The REPORT line has arrived: nothing more will.
    pub fn is_complete(&self) -> bool {
        self.complete
    }

    pub fn lambda_request_id(&self) -> Option<&str> {
        self.lambda_request_id.as_deref()
    }
}

/// Where the logs of a request are read from, for `exchange`.
#[derive(Debug, Clone)]
pub struct LogWatch {
    pub clients: Clients,
    pub group: String,
    /// Live Tail (a local stack) or polling (AWS).
    pub live_tail: bool,
    pub timing: PollTiming,
    /// How long to wait for the invocation's REPORT line after the response.
    pub wait: Duration,
}

/// Sends the request while following the function's log group, then waits (up to `watch.wait`) for
/// the log lines of the invocation it caused. The tail starts before the request, so no line is missed.
pub async fn exchange(
    client: &reqwest::Client,
    stage_url: &str,
    request: &HttpRequest,
    watch: &LogWatch,
) -> Result<(StageResponse, RequestLog), String> {
    // A little before now: the function's clock stamps its lines, and the tail selects by that stamp.
    let start = chrono::Utc::now().timestamp_millis() - 2_000;
    let config = TailConfig {
        live_tail: watch.live_tail,
        timing: watch.timing,
        ..TailConfig::new(watch.group.clone(), start)
    };
    let (tx, mut rx) = mpsc::channel(64);
    let tail = tail::spawn_tail(
        CloudWatch {
            clients: watch.clients.clone(),
        },
        config,
        tx,
    );
    let activity = tail.activity();
    let response = match send(client, stage_url, request).await {
        Ok(r) => r,
        Err(e) => {
            tail.stop().await;
            return Err(e);
        }
    };
    let mut log = RequestLog::for_response(&response);
    if response.reached_lambda() {
        activity.poke();
        let deadline = Instant::now() + watch.wait;
        while !log.is_complete() {
            let msg = tokio::select! {
                m = rx.recv() => m,
                () = tokio::time::sleep_until(deadline) => break,
            };
            match msg {
                Some(TailMsg::Events(events)) => {
                    for e in &events {
                        log.offer(e);
                    }
                }
                Some(TailMsg::Failed(_)) | None => break,
                Some(_) => {}
            }
        }
    }
    tail.stop().await;
    Ok((response, log))
}

/// A body as typed on the command line or in the composer: `@file` reads the file (relative to `base`
/// unless absolute), `@@text` is the text `@text`, anything else is the body itself.
pub fn body_from(text: &str, base: &Path) -> Result<String, String> {
    if let Some(rest) = text.strip_prefix("@@") {
        return Ok(format!("@{rest}"));
    }
    match text.strip_prefix('@') {
        Some(file) => {
            let path = base.join(file);
            std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read the body from {}: {e}", path.display()))
        }
        None => Ok(text.to_owned()),
    }
}

/// The request `[requests.<name>]` in lambdeck.toml describes, its body file read (relative to
/// lambdeck.toml).
pub fn saved(spec: &StackSpec, name: &str) -> Result<HttpRequest, String> {
    let saved = spec.requests.get(name).ok_or_else(|| {
        let names: Vec<&str> = spec.requests.keys().map(String::as_str).collect();
        format!(
            "no saved request {name:?} in lambdeck.toml (saved: {})",
            if names.is_empty() {
                "none".to_owned()
            } else {
                names.join(", ")
            }
        )
    })?;
    let mut request = saved_form(saved);
    request.body = match &saved.body_file {
        Some(file) => {
            let path = spec.root.join(file);
            Some(
                std::fs::read_to_string(&path)
                    .map_err(|e| format!("cannot read the body from {}: {e}", path.display()))?,
            )
        }
        None => saved.body.clone(),
    };
    Ok(request)
}

/// A saved request as the composer shows it: its body file as `@file`, read only when sent.
pub fn saved_form(saved: &SavedRequest) -> HttpRequest {
    let mut request = HttpRequest::new(&saved.method, &saved.path);
    request.query = saved
        .query
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    request.headers = saved
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    request.body = match (&saved.body, &saved.body_file) {
        // As typed in the composer: `@` starts a file name, so a body's own leading `@` is doubled.
        (Some(b), _) if b.starts_with('@') => Some(format!("@{b}")),
        (Some(b), _) => Some(b.clone()),
        (None, Some(f)) => Some(format!("@{}", f.display())),
        (None, None) => None,
    };
    request
}

/// Parses `name=value&name=value` (percent-encoded or not).
pub fn parse_query(text: &str) -> Result<Vec<(String, String)>, String> {
    let text = text.trim().trim_start_matches('?');
    serde_urlencoded::from_str(text).map_err(|e| format!("bad query {text:?}: {e}"))
}

/// Parses one `name: value` header.
pub fn parse_header(text: &str) -> Result<(String, String), String> {
    let Some((k, v)) = text.split_once(':') else {
        return Err(format!("a header is name: value (got {text:?})"));
    };
    let k = k.trim();
    if k.is_empty() || !k.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(format!("bad header name in {text:?}"));
    }
    Ok((k.to_owned(), v.trim().to_owned()))
}

/// Checks a method typed by a user: letters only, upper-cased.
pub fn parse_method(text: &str) -> Result<String, String> {
    let m = text.trim();
    if m.is_empty() || !m.chars().all(|c| c.is_ascii_alphabetic()) {
        return Err(format!(
            "{m:?} is not an HTTP method (GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS)"
        ));
    }
    Ok(m.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tail::ReportMetrics;

    fn event(
        request: Option<&str>,
        apigw: Option<&str>,
        kind: LineKind,
        message: &str,
    ) -> LogEvent {
        LogEvent {
            event_id: None,
            stream: "s".into(),
            timestamp: 0,
            ingestion_time: 0,
            message: message.into(),
            request_id: request.map(Into::into),
            apigw_request_id: apigw.map(Into::into),
            kind,
        }
    }

    fn report() -> LineKind {
        LineKind::Report(ReportMetrics {
            duration_ms: 1.0,
            billed_duration_ms: 1,
            memory_size_mb: 128,
            max_memory_used_mb: 18,
            init_duration_ms: None,
        })
    }

    fn start() -> LineKind {
        LineKind::Start { version: None }
    }

    fn response(lambda: Option<&str>, apigw: Option<&str>) -> StageResponse {
        StageResponse {
            request: HttpRequest::new("POST", "/hello_world"),
            url: "u".into(),
            sent_at: 0,
            status: 200,
            headers: vec![],
            body: String::new(),
            latency_ms: 1.0,
            apigw_request_id: apigw.map(Into::into),
            lambda_request_id: lambda.map(Into::into),
        }
    }

    #[test]
    fn locally_the_header_names_the_invocation_and_its_report_ends_it() {
        let mut log = RequestLog::for_response(&response(Some("L1"), Some("A1")));
        assert!(!log.offer(&event(Some("L0"), None, start(), "START other")));
        assert!(log.offer(&event(Some("L1"), None, start(), "START")));
        assert!(log.offer(&event(Some("L1"), Some("A1"), LineKind::Plain, "POST")));
        assert!(!log.is_complete());
        assert!(log.offer(&event(Some("L1"), None, report(), "REPORT")));
        assert!(log.is_complete());
        assert!(!log.offer(&event(Some("L1"), None, LineKind::Plain, "late")));
        let messages: Vec<&str> = log.lines().iter().map(|e| e.message.as_str()).collect();
        assert_eq!(messages, ["START", "POST", "REPORT"]);
    }

    #[test]
    fn on_aws_the_function_line_links_the_invocation_and_brings_its_start() {
        let mut log = RequestLog::for_response(&response(None, Some("A1")));
        assert!(!log.offer(&event(Some("L9"), None, start(), "START other")));
        assert!(!log.offer(&event(Some("L1"), None, start(), "START mine")));
        assert!(log.lambda_request_id().is_none());
        assert!(log.offer(&event(Some("L1"), Some("A1"), LineKind::Plain, "POST")));
        assert_eq!(log.lambda_request_id(), Some("L1"));
        assert!(log.offer(&event(Some("L1"), None, report(), "REPORT")));
        let messages: Vec<&str> = log.lines().iter().map(|e| e.message.as_str()).collect();
        assert_eq!(messages, ["START mine", "POST", "REPORT"]);
    }

    #[test]
    fn api_gateway_refusals_reached_no_function() {
        let mut r = response(None, Some("A1"));
        assert!(r.reached_lambda());
        r.status = 403;
        r.headers = vec![(
            "x-amzn-errortype".into(),
            "MissingAuthenticationTokenException".into(),
        )];
        assert!(!r.reached_lambda());
        assert!(response(Some("L1"), None).reached_lambda());
        assert!(!response(None, None).reached_lambda());
    }

    #[test]
    fn a_body_may_come_from_a_file_and_double_at_escapes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b.json"), "{\"a\":1}").unwrap();
        assert_eq!(body_from("@b.json", dir.path()).unwrap(), "{\"a\":1}");
        assert_eq!(body_from("@@home", dir.path()).unwrap(), "@home");
        assert_eq!(body_from("plain", dir.path()).unwrap(), "plain");
        let e = body_from("@missing", dir.path()).unwrap_err();
        assert!(
            e.starts_with("cannot read the body from") && !e.contains('\n'),
            "{e}"
        );
    }

    #[test]
    fn queries_headers_and_methods_parse_or_say_why_not() {
        assert_eq!(
            parse_query("?a=1&b=x%20y").unwrap(),
            vec![("a".into(), "1".into()), ("b".into(), "x y".into())]
        );
        assert_eq!(
            parse_header(" Content-Type : application/json ").unwrap(),
            ("Content-Type".into(), "application/json".into())
        );
        assert!(parse_header("nocolon").is_err());
        assert_eq!(parse_method("post").unwrap(), "POST");
        assert!(parse_method("G T").is_err());
    }
}
