//! The endpoint prober: calls the stage URL of each deployed route at an interval, records status,
//! latency, size and request ids, links probes to their Lambda request, and keeps a latency series.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::aws::sigv4::StageSigner;
use crate::model::{DeployedRoute, RestApiInfo, RouteKey, Stack};
use crate::tail::{Activity, LogEvent};
use crate::wire::{DEPLOYMENT_ID_HEADER, LAMBDA_REQUEST_ID_HEADER, REQUEST_ID_HEADER};

/// One URL to call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PingTarget {
    /// The HTTP method to call with (a route's `ANY` is called with GET).
    pub method: String,
    /// The route as API Gateway names it, e.g. `/hello_world`.
    pub route: String,
    pub url: String,
    /// Sent as `x-api-key` (the route requires an API key and one is configured); never printed.
    #[serde(skip)]
    pub api_key: Option<String>,
    /// Signed with SigV4 (the route's authorization is AWS_IAM).
    #[serde(skip)]
    pub sign: bool,
}

impl PingTarget {
    /// The target for `method route` on a stage URL (`https://{id}.execute-api.{region}.amazonaws.com/{stage}`
    /// or the local stack's path-style stage URL).
    pub fn on_stage(stage_url: &str, method: &str, route: &str) -> Self {
        let method = if method.eq_ignore_ascii_case("ANY") {
            "GET".to_owned()
        } else {
            method.to_ascii_uppercase()
        };
        let path = if route.starts_with('/') {
            route.to_owned()
        } else {
            format!("/{route}")
        };
        Self {
            method,
            route: path.clone(),
            url: format!("{}{}", stage_url.trim_end_matches('/'), path),
            api_key: None,
            sign: false,
        }
    }
}

/// Why a stack offers nothing to ping; each front end words it for its own remedy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unpingable {
    /// The configured stage does not exist.
    NoStage,
    /// The stage serves no route with one URL to call (none at all, or only templated paths).
    NoRoute,
    /// The stage URL cannot answer from here: a PRIVATE API, or its default endpoint disabled. The
    /// reason, worded for the user.
    Unreachable(String),
}

/// Why a REST API's stage URL cannot answer a call from this machine, if it cannot: a PRIVATE API
/// answers only through an interface VPC endpoint, and `disableExecuteApiEndpoint` turns the
/// `execute-api` URL off (callers use a custom domain name). Either way every call would be a 403.
pub fn unreachable_reason(api: &RestApiInfo) -> Option<String> {
    if api.endpoint_types.iter().any(|t| t == "PRIVATE") {
        return Some(format!(
            "API {} is PRIVATE: its stages answer only through an interface VPC endpoint, not from \
             this machine",
            api.name
        ));
    }
    if api.settings.disable_execute_api_endpoint {
        return Some(format!(
            "API {} has its default execute-api endpoint disabled (disableExecuteApiEndpoint): its \
             stages answer only on a custom domain name",
            api.name
        ));
    }
    None
}

/// The methods the pinger calls unasked: by HTTP's rules they read and change nothing. Calling POST,
/// PUT, PATCH or DELETE every second on a real API would create and delete real data.
pub const SAFE_METHODS: [&str; 4] = ["GET", "HEAD", "OPTIONS", "ANY"];

/// Why the pinger leaves a deployed route alone, or None when it calls it. `opted_in`: lambdeck.toml
/// lets the route be pinged whatever its method (`ping = true`); `has_api_key`: an API key is
/// configured for routes that require one.
pub fn skip_reason(route: &DeployedRoute, opted_in: bool, has_api_key: bool) -> Option<String> {
    let method = route.key.method.to_ascii_uppercase();
    if route.key.path.contains('{') {
        return Some("a templated path has no one URL to call".into());
    }
    if !opted_in && !SAFE_METHODS.contains(&method.as_str()) {
        return Some(format!(
            "{method} may change data: not pinged unless the route has `ping = true` in lambdeck.toml"
        ));
    }
    if route.api_key_required && !has_api_key {
        return Some(format!(
            "needs an API key (x-api-key): set {} or `[ping] api_key` in lambdeck.toml",
            crate::config::API_KEY_ENV
        ));
    }
    None
}

/// What a ping calls on a stack, and what it leaves alone and why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PingPlan {
    pub targets: Vec<PingTarget>,
    pub skipped: Vec<(RouteKey, String)>,
}

impl PingPlan {
    /// "POST /items: POST may change data: ..." for each skipped route.
    pub fn skipped_lines(&self) -> Vec<String> {
        self.skipped
            .iter()
            .map(|(k, why)| format!("{k}: {why}"))
            .collect()
    }
}

/// What a ping calls on a stack: every route the stage serves that `skip_reason` lets through, on the
/// stage's URL. `opted_in` says which routes lambdeck.toml lets be pinged whatever their method;
/// `api_key` is sent to the routes that require one.
pub fn stage_targets(
    stack: &Stack,
    opted_in: impl Fn(&RouteKey) -> bool,
    api_key: Option<&str>,
) -> Result<PingPlan, Unpingable> {
    let url = stack.invoke_url().ok_or(Unpingable::NoStage)?;
    if let Some(why) = stack.api.as_ref().and_then(unreachable_reason) {
        return Err(Unpingable::Unreachable(why));
    }
    let mut plan = PingPlan::default();
    let routes = stack
        .api
        .as_ref()
        .and_then(|a| a.deployed.as_ref())
        .map(|d| d.routes.as_slice())
        .unwrap_or_default();
    for r in routes {
        match skip_reason(r, opted_in(&r.key), api_key.is_some()) {
            Some(why) => plan.skipped.push((r.key.clone(), why)),
            None => plan.targets.push(PingTarget {
                api_key: api_key
                    .filter(|_| r.api_key_required)
                    .map(ToOwned::to_owned),
                sign: r.authorization_type == "AWS_IAM",
                ..PingTarget::on_stage(url, &r.key.method, &r.key.path)
            }),
        }
    }
    if plan.targets.is_empty() && plan.skipped.is_empty() {
        return Err(Unpingable::NoRoute);
    }
    Ok(plan)
}

/// The routes lambdeck.toml lets the pinger call whatever their method.
pub fn opted_in(spec: &crate::config::StackSpec) -> Vec<RouteKey> {
    spec.api
        .routes
        .iter()
        .filter(|r| r.ping)
        .map(|r| RouteKey::new(r.method.0.to_ascii_uppercase(), r.path.0.clone()))
        .collect()
}

/// What to probe, and how often.
#[derive(Debug, Clone)]
pub struct PingConfig {
    pub targets: Vec<PingTarget>,
    /// Between the starts of two rounds (each round calls every target once).
    pub interval: Duration,
    /// How many rounds; `None` runs until stopped.
    pub rounds: Option<u32>,
    /// A call that takes longer fails (API Gateway itself gives up after 29 s).
    pub timeout: Duration,
    /// Signs the calls to AWS_IAM routes (`PingTarget::sign`); without it they fail, saying why.
    pub signer: Option<StageSigner>,
}

impl PingConfig {
    pub fn new(targets: Vec<PingTarget>) -> Self {
        Self {
            targets,
            interval: Duration::from_secs(1),
            rounds: None,
            timeout: Duration::from_secs(30),
            signer: None,
        }
    }
}

/// One call and what came back.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Probe {
    /// Numbers probes in the order they were sent, from 1.
    pub seq: u64,
    pub round: u32,
    pub method: String,
    pub route: String,
    pub url: String,
    /// When it was sent, epoch milliseconds.
    pub sent_at: i64,
    /// None when no response came (refused, reset, timed out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// From sending to the last byte of the body; None when no response came.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<f64>,
    pub bytes: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub apigw_request_id: Option<String>,
    /// From the local stack's header, or found later through the function's log line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lambda_request_id: Option<String>,
    /// The deployment that served it (the stage's, or its canary's), from the local stack's header;
    /// AWS does not say which (its execution log does, when enabled).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployment_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The start of the body (up to `BODY_EXCERPT` bytes, lossy UTF-8), for a dashboard to show.
    #[serde(skip)]
    pub body: String,
}

/// How much of a response body a probe keeps.
pub const BODY_EXCERPT: usize = 200;

impl Probe {
    /// A 2xx answer.
    pub fn ok(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// What the pinger tells its owner.
#[derive(Debug, Clone, PartialEq)]
pub enum PingMsg {
    /// Boxed: a probe is large next to `Finished`, and is moved once.
    Probe(Box<Probe>),
    /// Every round has run.
    Finished,
}

/// A running pinger.
#[derive(Debug)]
pub struct PingHandle {
    stop: watch::Sender<bool>,
    join: JoinHandle<()>,
}

impl PingHandle {
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.join.await;
    }

    /// Waits until every round has run.
    pub async fn finished(self) {
        let _ = self.join.await;
    }
}

/// Starts probing. Each call pokes `activity` (when given) so a tail polls quickly for its log lines.
pub fn spawn_pinger(
    config: PingConfig,
    tx: mpsc::Sender<PingMsg>,
    activity: Option<Activity>,
) -> Result<PingHandle, String> {
    let client = reqwest::Client::builder()
        .timeout(config.timeout)
        .user_agent(concat!("lambdeck/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
    let (stop_tx, mut stop) = watch::channel(false);
    let join = tokio::spawn(async move {
        let mut seq = 0;
        let mut next = Instant::now();
        let mut round = 0u32;
        while config.rounds.is_none_or(|n| round < n) {
            round += 1;
            for target in &config.targets {
                seq += 1;
                if let Some(a) = &activity {
                    a.poke();
                }
                let probe = tokio::select! {
                    _ = stop.changed() => return,
                    p = probe(&client, config.signer.as_ref(), target, seq, round) => p,
                };
                if tx.send(PingMsg::Probe(Box::new(probe))).await.is_err() {
                    return;
                }
            }
            if config.rounds.is_some_and(|n| round >= n) {
                break;
            }
            // A fixed rate, not a fixed gap: a slow answer does not push every later round back.
            next += config.interval;
            let now = Instant::now();
            if next < now {
                next = now;
            }
            tokio::select! {
                _ = stop.changed() => return,
                () = tokio::time::sleep_until(next) => {}
            }
        }
        let _ = tx.send(PingMsg::Finished).await;
    });
    Ok(PingHandle {
        stop: stop_tx,
        join,
    })
}

/// Calls one target once, signed when the target asks for it.
pub async fn probe(
    client: &reqwest::Client,
    signer: Option<&StageSigner>,
    target: &PingTarget,
    seq: u64,
    round: u32,
) -> Probe {
    let sent_at = chrono::Utc::now().timestamp_millis();
    let started = Instant::now();
    let mut p = Probe {
        seq,
        round,
        method: target.method.clone(),
        route: target.route.clone(),
        url: target.url.clone(),
        sent_at,
        status: None,
        latency_ms: None,
        bytes: 0,
        apigw_request_id: None,
        lambda_request_id: None,
        deployment_id: None,
        error: None,
        body: String::new(),
    };
    let method = match reqwest::Method::from_bytes(target.method.as_bytes()) {
        Ok(m) => m,
        Err(_) => {
            p.error = Some(format!("invalid method {}", target.method));
            return p;
        }
    };
    let mut request = client.request(method, &target.url);
    if let Some(key) = &target.api_key {
        request = request.header("x-api-key", key);
    }
    if target.sign {
        let signed = match signer {
            Some(s) => s.headers(&target.method, &target.url, b"").await,
            None => Err("cannot sign the request: no credentials to sign with".to_owned()),
        };
        match signed {
            Ok(headers) => {
                for (name, value) in headers {
                    request = request.header(name, value);
                }
            }
            Err(e) => {
                p.error = Some(e);
                return p;
            }
        }
    }
    let response = match request.send().await {
        Ok(r) => r,
        Err(e) => {
            p.error = Some(describe(&e));
            return p;
        }
    };
    p.status = Some(response.status().as_u16());
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(ToOwned::to_owned)
    };
    p.apigw_request_id = header(REQUEST_ID_HEADER);
    p.lambda_request_id = header(LAMBDA_REQUEST_ID_HEADER);
    p.deployment_id = header(DEPLOYMENT_ID_HEADER);
    match response.bytes().await {
        Ok(body) => {
            p.bytes = body.len() as u64;
            p.body = String::from_utf8_lossy(&body[..body.len().min(BODY_EXCERPT)]).into_owned();
            p.latency_ms = Some(started.elapsed().as_secs_f64() * 1000.0);
        }
        Err(e) => p.error = Some(describe(&e)),
    }
    p
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

/// Latencies of the last `window` probes, failures kept as gaps.
#[derive(Debug, Clone)]
pub struct LatencySeries {
    window: usize,
    points: VecDeque<Option<f64>>,
}

/// Percentiles over a window (nearest rank, successes only).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LatencyStats {
    pub probes: usize,
    pub failures: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p50_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p95_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p99_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_ms: Option<f64>,
}

impl LatencySeries {
    pub fn new(window: usize) -> Self {
        Self {
            window: window.max(1),
            points: VecDeque::new(),
        }
    }

    /// Adds a probe: its latency when it succeeded (2xx), a gap otherwise.
    pub fn record(&mut self, probe: &Probe) {
        self.push(probe.ok().then_some(probe.latency_ms).flatten());
    }

    pub fn push(&mut self, latency_ms: Option<f64>) {
        if self.points.len() == self.window {
            self.points.pop_front();
        }
        self.points.push_back(latency_ms);
    }

    /// Oldest first; `None` is a failed probe.
    pub fn points(&self) -> impl ExactSizeIterator<Item = Option<f64>> + '_ {
        self.points.iter().copied()
    }

    pub fn stats(&self) -> LatencyStats {
        let mut ok: Vec<f64> = self.points.iter().flatten().copied().collect();
        ok.sort_by(f64::total_cmp);
        LatencyStats {
            probes: self.points.len(),
            failures: self.points.len() - ok.len(),
            p50_ms: percentile(&ok, 50.0),
            p95_ms: percentile(&ok, 95.0),
            p99_ms: percentile(&ok, 99.0),
            max_ms: ok.last().copied(),
        }
    }
}

/// Probes split by the deployment that served them (a canary release has two sides): each side's
/// error rate and latency. Probes whose deployment is not known (AWS) are left out.
#[derive(Debug, Clone, Default)]
pub struct DeploymentSplit {
    sides: std::collections::BTreeMap<String, LatencySeries>,
    window: usize,
}

/// One side of a split: the deployment and its figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SideStats {
    pub deployment_id: String,
    #[serde(flatten)]
    pub stats: LatencyStats,
}

impl SideStats {
    /// Failed probes over probes, in percent.
    pub fn error_rate(&self) -> f64 {
        if self.stats.probes == 0 {
            0.0
        } else {
            self.stats.failures as f64 * 100.0 / self.stats.probes as f64
        }
    }
}

impl DeploymentSplit {
    /// Each side keeps the last `window` probes.
    pub fn new(window: usize) -> Self {
        Self {
            sides: Default::default(),
            window,
        }
    }

    pub fn record(&mut self, probe: &Probe) {
        if let Some(d) = &probe.deployment_id {
            let window = self.window;
            self.sides
                .entry(d.clone())
                .or_insert_with(|| LatencySeries::new(window))
                .record(probe);
        }
    }

    /// How many deployments answered.
    pub fn sides(&self) -> usize {
        self.sides.len()
    }

    /// Every side seen, by deployment id.
    pub fn stats(&self) -> Vec<SideStats> {
        self.sides
            .iter()
            .map(|(d, s)| SideStats {
                deployment_id: d.clone(),
                stats: s.stats(),
            })
            .collect()
    }
}

/// Nearest-rank percentile of sorted values.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

/// Links probes to their Lambda request on AWS: the hello-world function logs the API Gateway request
/// id, and that log line's request id is the Lambda request id.
#[derive(Debug, Clone, Default)]
pub struct ProbeLinker {
    waiting: HashMap<String, u64>,
    order: VecDeque<String>,
}

/// A probe's Lambda request id, found in the logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeLink {
    pub seq: u64,
    pub lambda_request_id: String,
}

/// Probes waiting for their log line; older ones are given up on.
const MAX_WAITING: usize = 4096;

impl ProbeLinker {
    /// Remembers a probe whose Lambda request id is not known yet.
    pub fn expect(&mut self, probe: &Probe) {
        if probe.lambda_request_id.is_some() {
            return;
        }
        let Some(id) = &probe.apigw_request_id else {
            return;
        };
        self.expect_request(id, probe.seq);
    }

    /// Remembers a request by its API Gateway request id, under a number of the caller's choosing (a
    /// probe's sequence number, a sent request's).
    pub fn expect_request(&mut self, apigw_request_id: &str, seq: u64) {
        let id = apigw_request_id;
        if self.waiting.len() >= MAX_WAITING
            && let Some(old) = self.order.pop_front()
        {
            self.waiting.remove(&old);
        }
        self.waiting.insert(id.to_owned(), seq);
        self.order.push_back(id.to_owned());
    }

    /// The probe a log event answers, if any.
    pub fn link(&mut self, event: &LogEvent) -> Option<ProbeLink> {
        let apigw = event.apigw_request_id.as_ref()?;
        let lambda_request_id = event.request_id.clone()?;
        let seq = self.waiting.remove(apigw)?;
        self.order.retain(|id| id != apigw);
        Some(ProbeLink {
            seq,
            lambda_request_id,
        })
    }

    pub fn waiting(&self) -> usize {
        self.waiting.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tail::LineKind;

    fn deployed(method: &str, path: &str, auth: &str, key: bool) -> DeployedRoute {
        DeployedRoute {
            key: RouteKey::new(method, path),
            authorization_type: auth.into(),
            api_key_required: key,
            integration_type: None,
            integration_uri: None,
        }
    }

    #[test]
    fn only_safe_methods_are_pinged_unless_the_route_opts_in() {
        assert_eq!(
            skip_reason(&deployed("GET", "/a", "NONE", false), false, false),
            None
        );
        assert_eq!(
            skip_reason(&deployed("ANY", "/a", "NONE", false), false, false),
            None
        );
        for verb in ["POST", "PUT", "PATCH", "DELETE"] {
            let r = deployed(verb, "/items", "NONE", false);
            let why = skip_reason(&r, false, false).unwrap();
            assert!(why.contains("ping = true"), "{why}");
            assert_eq!(skip_reason(&r, true, false), None);
        }
        // AWS_IAM routes are signed, not skipped.
        assert_eq!(
            skip_reason(&deployed("GET", "/a", "AWS_IAM", false), false, false),
            None
        );
        let why = skip_reason(&deployed("GET", "/a", "NONE", true), false, false).unwrap();
        assert!(
            why.contains("API key") && why.contains("LAMBDECK_API_KEY"),
            "{why}"
        );
        assert_eq!(
            skip_reason(&deployed("GET", "/a", "NONE", true), false, true),
            None
        );
        assert!(
            skip_reason(&deployed("GET", "/items/{id}", "NONE", false), false, false).is_some()
        );
    }

    fn probe(seq: u64, status: Option<u16>, latency: Option<f64>) -> Probe {
        Probe {
            seq,
            round: 1,
            method: "GET".into(),
            route: "/hello_world".into(),
            url: "http://x/tf-test/hello_world".into(),
            sent_at: 0,
            status,
            latency_ms: latency,
            bytes: 0,
            apigw_request_id: None,
            lambda_request_id: None,
            deployment_id: None,
            error: None,
            body: String::new(),
        }
    }

    #[test]
    fn the_series_keeps_gaps_and_its_window() {
        let mut s = LatencySeries::new(4);
        s.record(&probe(1, Some(200), Some(10.0)));
        s.record(&probe(2, None, None));
        s.record(&probe(3, Some(502), Some(3.0)));
        s.record(&probe(4, Some(200), Some(30.0)));
        s.record(&probe(5, Some(200), Some(20.0)));
        let points: Vec<_> = s.points().collect();
        assert_eq!(points, [None, None, Some(30.0), Some(20.0)]);
        let stats = s.stats();
        assert_eq!(stats.probes, 4);
        assert_eq!(stats.failures, 2);
        assert_eq!(stats.p50_ms, Some(20.0));
        assert_eq!(stats.p99_ms, Some(30.0));
    }

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 50.0), Some(50.0));
        assert_eq!(percentile(&v, 95.0), Some(95.0));
        assert_eq!(percentile(&v, 99.0), Some(99.0));
        assert_eq!(percentile(&[7.0], 99.0), Some(7.0));
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(LatencySeries::new(3).stats().p50_ms, None);
    }

    #[test]
    fn a_probe_is_linked_through_its_log_line() {
        let mut linker = ProbeLinker::default();
        let mut p = probe(7, Some(200), Some(5.0));
        p.apigw_request_id = Some("c6af9ac6-7b61-11e6-9a41-93e8deadbeef".into());
        linker.expect(&p);
        let line = LogEvent {
            event_id: None,
            stream: "s".into(),
            timestamp: 1,
            ingestion_time: 1,
            message: "GET /hello_world apigw-request-id=c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
                .into(),
            request_id: Some("8f5a2b1e-3c4d-4e5f-9a6b-7c8d9e0f1a2b".into()),
            apigw_request_id: Some("c6af9ac6-7b61-11e6-9a41-93e8deadbeef".into()),
            kind: LineKind::Plain,
        };
        assert_eq!(
            linker.link(&line),
            Some(ProbeLink {
                seq: 7,
                lambda_request_id: "8f5a2b1e-3c4d-4e5f-9a6b-7c8d9e0f1a2b".into()
            })
        );
        assert_eq!(linker.link(&line), None, "linked once");
        assert_eq!(linker.waiting(), 0);
    }

    #[test]
    fn targets_are_built_on_the_stage_url() {
        let t = PingTarget::on_stage(
            "https://abc123defg.execute-api.us-east-1.amazonaws.com/tf-test/",
            "ANY",
            "hello_world",
        );
        assert_eq!(t.method, "GET");
        assert_eq!(
            t.url,
            "https://abc123defg.execute-api.us-east-1.amazonaws.com/tf-test/hello_world"
        );
    }
}
