//! Fault injection: makes the local stack behave as real AWS does on a bad day, so lambdeck's handling
//! of quotas, eventual consistency and late logs is tested through the real SDK clients.
//!
//! Off by default. `lambdeck local --faults [PLAN]` (or `LocalConfig::faults`) enables it; then a plan
//! is set by `PUT /_lambdeck/faults` with a JSON body (`GET` reads it back, `DELETE` clears it),
//! answered only to loopback peers. A plan can:
//! - throttle a share of an operation's calls (429 `TooManyRequestsException` with `Retry-After` for API
//!   Gateway and Lambda, CloudWatch Logs' 400 `ThrottlingException`);
//! - hold back chosen PutLogEvents events and store them `seconds` later (their ingestion time is when
//!   they are stored, as on AWS when a writer is late);
//! - fail CreateFunction with Lambda's IAM propagation error, a number of times or for some seconds;
//! - lengthen the window a Lambda create or update stays `Pending` / `InProgress` (the Lambda model
//!   keeps it; see `LocalConfig::update_window`): reads say so
//!   and updates are refused with `ResourceConflictException`, as Lambda does;
//! - drop the connection of a share of an operation's calls, before or after the call took effect;
//! - answer an operation's next calls with AWS's expired-token error, as when an SSO session runs out
//!   (until `aws sso login` in another terminal renews it);
//! - end Live Tail sessions after some seconds with `SessionTimeoutException`, as AWS does after 3 hours.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::time::Instant;

use super::common::{AwsJsonError, LambdaError, Req, RestJsonError};
use super::logs::Logs;

/// The control endpoint's path.
pub const CONTROL_PATH: &str = "/_lambdeck/faults";

/// What to break. Every part is optional; the default breaks nothing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultPlan {
    /// Throttle a share of an operation's calls.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub throttle: Vec<Throttle>,
    /// Store chosen PutLogEvents events late.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub delay_ingestion: Vec<DelayIngestion>,
    /// Fail the next N CreateFunction calls with the IAM propagation error.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub create_function_failures: u32,
    /// Fail CreateFunction with the IAM propagation error for this many seconds after the plan is set
    /// (as if the role had just been created).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub iam_propagation_seconds: u32,
    /// Hold a function Pending / InProgress this many seconds after each create or update.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub hold_in_progress_seconds: u32,
    /// Drop the connection of a share of an operation's calls.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drop_connections: Vec<DropConnections>,
    /// Answer an operation's next calls with the expired-token error.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expired_credentials: Vec<ExpiredCredentials>,
    /// End Live Tail sessions after this many seconds (AWS: 3 hours).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_tail_session_seconds: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExpiredCredentials {
    /// The operation's name as AWS spells it (`FilterLogEvents`).
    pub operation: String,
    /// How many of its next calls fail.
    pub calls: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Throttle {
    /// The operation's name as AWS spells it (`CreateDeployment`, `GetResources`, `FilterLogEvents`).
    pub operation: String,
    /// The share of calls throttled, 0 to 1, spread evenly (0.5: every second call).
    pub share: f64,
    /// The `Retry-After` sent (seconds).
    #[serde(default = "one")]
    pub retry_after_seconds: u32,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DelayIngestion {
    /// Only events of streams whose name starts with this (all streams when absent).
    #[serde(default)]
    pub log_stream_prefix: Option<String>,
    /// Only events whose message contains this (all when absent).
    #[serde(default)]
    pub contains: Option<String>,
    /// How long after the PutLogEvents call they are stored.
    pub seconds: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DropConnections {
    pub operation: String,
    /// The share of calls dropped, spread evenly.
    pub share: f64,
    /// Drop after the call took effect (the client never learns that it did), not before.
    #[serde(default)]
    pub after: bool,
}

/// The live fault state of one server.
#[derive(Debug, Default)]
pub struct Faults {
    enabled: bool,
    state: Mutex<FaultState>,
}

#[derive(Debug, Default)]
struct FaultState {
    plan: FaultPlan,
    set_at: Option<Instant>,
    /// Calls seen per operation, for the even spread of shares.
    calls: HashMap<String, u64>,
    create_failures_left: u32,
    /// Calls left to fail with the expired-token error, per operation.
    expired_left: HashMap<String, u32>,
    /// Faults injected per operation since the plan was set.
    injected: HashMap<String, u64>,
}

/// What the fault layer decided for a call.
pub enum Verdict {
    /// Serve it.
    Pass,
    /// Answer this instead.
    Respond(Response),
    /// Close the connection without an answer.
    Drop,
}

impl Faults {
    /// Fault injection for a server: `None` disables it (the control endpoint does not exist).
    pub fn new(plan: Option<FaultPlan>) -> Self {
        let faults = Self {
            enabled: plan.is_some(),
            state: Mutex::default(),
        };
        if let Some(plan) = plan {
            faults.set(plan);
        }
        faults
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    fn lock(&self) -> MutexGuard<'_, FaultState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Replaces the plan; counters start again.
    pub fn set(&self, plan: FaultPlan) {
        let mut st = self.lock();
        st.create_failures_left = plan.create_function_failures;
        st.expired_left = plan
            .expired_credentials
            .iter()
            .map(|e| (e.operation.clone(), e.calls))
            .collect();
        st.calls.clear();
        st.injected.clear();
        st.set_at = Some(Instant::now());
        st.plan = plan;
    }

    pub fn plan(&self) -> FaultPlan {
        self.lock().plan.clone()
    }

    /// How long a Live Tail session lasts, when the plan shortens it.
    pub fn live_tail_session(&self) -> Option<Duration> {
        if !self.enabled {
            return None;
        }
        self.lock()
            .plan
            .live_tail_session_seconds
            .and_then(|s| Duration::try_from_secs_f64(s).ok())
    }

    /// The Lambda create/update window the plan sets (`holdInProgressSeconds`), if any.
    pub fn update_window(&self) -> Option<Duration> {
        if !self.enabled {
            return None;
        }
        let seconds = self.lock().plan.hold_in_progress_seconds;
        (seconds > 0).then(|| Duration::from_secs(u64::from(seconds)))
    }

    /// How many faults were injected into `op`'s calls since the plan was set.
    pub fn injected(&self, op: &str) -> u64 {
        self.lock().injected.get(op).copied().unwrap_or(0)
    }

    /// Decides, before a call is served, whether it fails.
    pub fn before(&self, op: &str) -> Verdict {
        let verdict = self.decide(op);
        if !matches!(verdict, Verdict::Pass) {
            *self.lock().injected.entry(op.to_owned()).or_default() += 1;
        }
        verdict
    }

    fn decide(&self, op: &str) -> Verdict {
        if !self.enabled {
            return Verdict::Pass;
        }
        let mut st = self.lock();
        let n = {
            let c = st.calls.entry(op.to_owned()).or_default();
            *c += 1;
            *c - 1
        };
        if st
            .plan
            .drop_connections
            .iter()
            .any(|d| d.operation == op && !d.after && hits(d.share, n))
        {
            return Verdict::Drop;
        }
        if let Some(left) = st.expired_left.get_mut(op).filter(|n| **n > 0) {
            *left -= 1;
            return Verdict::Respond(expired(op));
        }
        if let Some(t) = st
            .plan
            .throttle
            .iter()
            .find(|t| t.operation == op && hits(t.share, n))
        {
            return Verdict::Respond(throttled(op, t.retry_after_seconds));
        }
        if op == "CreateFunction" {
            let propagating = st.set_at.is_some_and(|at| {
                at.elapsed() < Duration::from_secs(u64::from(st.plan.iam_propagation_seconds))
            });
            if propagating || st.create_failures_left > 0 {
                st.create_failures_left = st.create_failures_left.saturating_sub(1);
                return Verdict::Respond(
                    LambdaError::invalid(
                        "The role defined for the function cannot be assumed by Lambda.",
                    )
                    .into_response(),
                );
            }
        }
        Verdict::Pass
    }

    /// Drops connections after the fact: a call that took effect, whose answer the client never gets.
    pub fn after(&self, op: &str, response: Response) -> Result<Response, Dropped> {
        if !self.enabled {
            return Ok(response);
        }
        let mut st = self.lock();
        let n = st.calls.get(op).copied().unwrap_or(1).saturating_sub(1);
        // Only a call that took effect has an answer worth losing.
        if response.status().is_success()
            && st
                .plan
                .drop_connections
                .iter()
                .any(|d| d.operation == op && d.after && hits(d.share, n))
        {
            *st.injected.entry(op.to_owned()).or_default() += 1;
            return Err(Dropped);
        }
        Ok(response)
    }

    /// Splits a PutLogEvents call: the events to store now stay in the request, the held-back ones are
    /// returned with their delay.
    pub fn hold_back_logs(&self, req: &mut Req) -> HeldEvents {
        if !self.enabled {
            return Vec::new();
        }
        let rules = self.lock().plan.delay_ingestion.clone();
        if rules.is_empty() {
            return Vec::new();
        }
        let Ok(mut body) = serde_json::from_slice::<Value>(&req.body) else {
            return Vec::new();
        };
        let group = str_field(&body, "logGroupName");
        let stream = str_field(&body, "logStreamName");
        let Some(events) = body.get_mut("logEvents").and_then(Value::as_array_mut) else {
            return Vec::new();
        };
        let mut held: HeldEvents = Vec::new();
        let mut now = Vec::new();
        for e in events.drain(..) {
            let message = str_field(&e, "message");
            let timestamp = e.get("timestamp").and_then(Value::as_i64).unwrap_or(0);
            let rule = rules.iter().find(|r| {
                r.log_stream_prefix
                    .as_deref()
                    .is_none_or(|p| stream.starts_with(p))
                    && r.contains.as_deref().is_none_or(|c| message.contains(c))
            });
            match rule {
                Some(r) => {
                    let delay = Duration::from_secs_f64(r.seconds.max(0.0));
                    match held.iter_mut().find(|h| h.0 == delay) {
                        Some(h) => h.3.push((timestamp, message)),
                        None => held.push((
                            delay,
                            group.clone(),
                            stream.clone(),
                            vec![(timestamp, message)],
                        )),
                    }
                }
                None => now.push(e),
            }
        }
        if held.is_empty() {
            return held;
        }
        if now.is_empty() {
            // Nothing stored now; answer as AWS does to an accepted call.
            req.body = axum::body::Bytes::new();
        } else {
            body["logEvents"] = Value::Array(now);
            req.body = axum::body::Bytes::from(body.to_string());
        }
        held
    }
}

/// Log events held back: the delay, the group, the stream, and the events (timestamp, message).
pub type HeldEvents = Vec<(Duration, String, String, Vec<(i64, String)>)>;

/// The connection is to be closed without an answer.
#[derive(Debug)]
pub struct Dropped;

/// Whether call `n` (from 0) is among a `share` spread evenly over the calls.
fn hits(share: f64, n: u64) -> bool {
    let share = share.clamp(0.0, 1.0);
    #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
    let at = |k: u64| (k as f64 * share).floor() as u64;
    at(n + 1) > at(n)
}

fn str_field(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// The throttling answer each protocol gives.
fn throttled(op: &str, retry_after: u32) -> Response {
    let mut response = match service_of(op) {
        Service::Logs => AwsJsonError::new("ThrottlingException", "Rate exceeded").into_response(),
        Service::Lambda => (
            StatusCode::TOO_MANY_REQUESTS,
            [("x-amzn-ErrorType", "TooManyRequestsException")],
            axum::Json(json!({
                "Type": "User",
                "message": "Rate exceeded",
                "Reason": "CallerRateLimitExceeded",
                "retryAfterSeconds": retry_after.to_string(),
            })),
        )
            .into_response(),
        Service::ApiGateway => RestJsonError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequestsException",
            "Too Many Requests",
        )
        .into_response(),
    };
    if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
        response.headers_mut().insert("Retry-After", v);
    }
    response
}

/// AWS's answer to a request signed with expired temporary credentials, in the service's protocol.
fn expired(op: &str) -> Response {
    const MESSAGE: &str = "The security token included in the request is expired";
    match service_of(op) {
        Service::Logs => AwsJsonError::new("ExpiredTokenException", MESSAGE).into_response(),
        Service::Lambda | Service::ApiGateway => {
            RestJsonError::new(StatusCode::FORBIDDEN, "ExpiredTokenException", MESSAGE)
                .into_response()
        }
    }
}

/// An answer whose body fails at once: the server closes the connection before the client has a
/// complete response, as when a connection drops.
pub fn dropped() -> Response {
    let fail = futures::stream::once(async {
        Err::<axum::body::Bytes, std::io::Error>(std::io::Error::other(
            "fault injection: connection dropped",
        ))
    });
    Response::new(Body::from_stream(fail))
}

enum Service {
    ApiGateway,
    Lambda,
    Logs,
}

fn service_of(op: &str) -> Service {
    const LOGS: &[&str] = &[
        "CreateLogGroup",
        "DeleteLogGroup",
        "DescribeLogGroups",
        "CreateLogStream",
        "DescribeLogStreams",
        "PutLogEvents",
        "FilterLogEvents",
        "GetLogEvents",
        "PutRetentionPolicy",
        "StartLiveTail",
    ];
    const LAMBDA: &[&str] = &[
        "CreateFunction",
        "ListFunctions",
        "GetFunction",
        "GetFunctionConfiguration",
        "DeleteFunction",
        "UpdateFunctionCode",
        "UpdateFunctionConfiguration",
        "PublishVersion",
        "ListVersionsByFunction",
        "AddPermission",
        "GetPolicy",
        "RemovePermission",
        "Invoke",
        "TagResource",
        "UntagResource",
        "ListTags",
    ];
    if LOGS.contains(&op) {
        Service::Logs
    } else if LAMBDA.contains(&op) {
        Service::Lambda
    } else {
        Service::ApiGateway
    }
}

/// The AWS operation a control-plane request calls, named as the service models name it.
pub fn operation(req: &Req) -> Option<String> {
    if let Some(target) = req.header("x-amz-target") {
        return target.split_once('.').map(|(_, op)| op.to_owned());
    }
    let seg: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    let m = &req.method;
    let get = m == Method::GET;
    let post = m == Method::POST;
    let put = m == Method::PUT;
    let delete = m == Method::DELETE;
    let patch = m == Method::PATCH;
    let op = match seg.as_slice() {
        ["2015-03-31", "functions"] if post => "CreateFunction",
        ["2015-03-31", "functions"] if get => "ListFunctions",
        ["2015-03-31", "functions", _] if get => "GetFunction",
        ["2015-03-31", "functions", _] if delete => "DeleteFunction",
        ["2015-03-31", "functions", _, "configuration"] if get => "GetFunctionConfiguration",
        ["2015-03-31", "functions", _, "configuration"] if put => "UpdateFunctionConfiguration",
        ["2015-03-31", "functions", _, "code"] if put => "UpdateFunctionCode",
        ["2015-03-31", "functions", _, "versions"] if post => "PublishVersion",
        ["2015-03-31", "functions", _, "versions"] if get => "ListVersionsByFunction",
        ["2015-03-31", "functions", _, "policy"] if post => "AddPermission",
        ["2015-03-31", "functions", _, "policy"] if get => "GetPolicy",
        ["2015-03-31", "functions", _, "policy", _] if delete => "RemovePermission",
        ["2015-03-31", "functions", _, "invocations"] if post => "Invoke",
        ["restapis"] if post => "CreateRestApi",
        ["restapis"] if get => "GetRestApis",
        ["restapis", _] if get => "GetRestApi",
        ["restapis", _] if delete => "DeleteRestApi",
        ["restapis", _] if patch => "UpdateRestApi",
        ["restapis", _, "resources"] if get => "GetResources",
        ["restapis", _, "resources", _] if post => "CreateResource",
        ["restapis", _, "resources", _] if get => "GetResource",
        ["restapis", _, "resources", _] if delete => "DeleteResource",
        ["restapis", _, "resources", _, "methods", _] if put => "PutMethod",
        ["restapis", _, "resources", _, "methods", _] if get => "GetMethod",
        ["restapis", _, "resources", _, "methods", _] if delete => "DeleteMethod",
        ["restapis", _, "resources", _, "methods", _, "integration"] if put => "PutIntegration",
        ["restapis", _, "resources", _, "methods", _, "integration"] if get => "GetIntegration",
        ["restapis", _, "deployments"] if post => "CreateDeployment",
        ["restapis", _, "deployments"] if get => "GetDeployments",
        ["restapis", _, "deployments", _] if get => "GetDeployment",
        ["restapis", _, "deployments", _] if delete => "DeleteDeployment",
        ["restapis", _, "stages"] if post => "CreateStage",
        ["restapis", _, "stages"] if get => "GetStages",
        ["restapis", _, "stages", _] if get => "GetStage",
        ["restapis", _, "stages", _] if patch => "UpdateStage",
        ["restapis", _, "stages", _] if delete => "DeleteStage",
        ["restapis", _, "stages", _, "exports", _] if get => "GetExport",
        _ => return None,
    };
    Some(op.to_owned())
}

/// Serves the control endpoint: `PUT` sets the plan, `GET` reads it, `DELETE` clears it. Loopback
/// peers only.
pub fn control(faults: &Faults, peer: Option<SocketAddr>, req: &Req) -> Response {
    if !faults.enabled() {
        return RestJsonError::not_found(
            "fault injection is off: start the local stack with --faults to enable it",
        )
        .into_response();
    }
    if !peer.is_some_and(|p| p.ip().is_loopback()) {
        return RestJsonError::new(
            StatusCode::FORBIDDEN,
            "AccessDeniedException",
            "fault injection answers loopback clients only",
        )
        .into_response();
    }
    match req.method {
        Method::GET => axum::Json(faults.plan()).into_response(),
        Method::DELETE => {
            faults.set(FaultPlan::default());
            StatusCode::NO_CONTENT.into_response()
        }
        Method::PUT | Method::POST => match req.json::<FaultPlan>() {
            Ok(plan) => {
                faults.set(plan.clone());
                axum::Json(plan).into_response()
            }
            Err(e) => RestJsonError::bad_request(format!("fault plan: {e}")).into_response(),
        },
        _ => RestJsonError::bad_request("use GET, PUT or DELETE").into_response(),
    }
}

/// Stores held-back log events once their delay has passed.
pub fn ingest_later(logs: &Arc<Logs>, region: &str, held: HeldEvents) {
    for (delay, group, stream, events) in held {
        let logs = logs.clone();
        let group = crate::local::store::log_group_key(region, &group);
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            if let Err(e) = logs.append(&group, &stream, events, true) {
                tracing::warn!("local stack: late ingestion into {group}/{stream}: {e}");
            }
        });
    }
}

/// Parses a `--faults` value: a JSON plan, or empty for none yet.
pub fn parse_plan(text: &str) -> Result<FaultPlan, String> {
    if text.trim().is_empty() {
        return Ok(FaultPlan::default());
    }
    serde_json::from_str(text).map_err(|e| format!("--faults: not a fault plan: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_share_is_spread_evenly() {
        let hit = |share| (0..10).filter(|n| hits(share, *n)).count();
        assert_eq!(hit(0.5), 5);
        assert_eq!(hit(0.0), 0);
        assert_eq!(hit(1.0), 10);
        assert_eq!(hit(0.3), 3);
        // Half: every second call, the first one served.
        assert!(!hits(0.5, 0));
        assert!(hits(0.5, 1));
    }

    #[test]
    fn a_plan_parses_from_json() {
        let plan = parse_plan(
            r#"{"throttle":[{"operation":"CreateDeployment","share":0.5,"retryAfterSeconds":2}],
                "createFunctionFailures":3,"holdInProgressSeconds":5}"#,
        )
        .unwrap();
        assert_eq!(plan.throttle[0].retry_after_seconds, 2);
        assert_eq!(plan.create_function_failures, 3);
        assert!(parse_plan(r#"{"throttel":[]}"#).is_err());
        assert_eq!(parse_plan("").unwrap(), FaultPlan::default());
    }
}
