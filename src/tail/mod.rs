//! The log tail engine: follows a function's whole log group (every stream, new ones included) by
//! polling FilterLogEvents or through Live Tail, and delivers each event exactly once, in timestamp
//! order, as typed messages on a channel.
//!
//! Exactly once rests on one invariant, kept after every page: every event stamped at or after the
//! cursor's `resume` time is either remembered (and so never delivered again) or not read yet (and so
//! found by the next regular scan, which starts at `resume`). After an error or throttling the scan is
//! retried from the last delivered timestamp (at or after `resume`), and a restarted tail continues from
//! its cursor; dedupe by event id absorbs every overlap. `resume` trails the newest delivered timestamp by a lookback
//! that absorbs ingestion delay.
//!
//! FilterLogEvents selects by the event's own timestamp, and CloudWatch Logs may store an event long
//! after that timestamp (a stream whose writer is slow, a Lambda environment flushing late). So the
//! lookback widens to the ingestion lag actually observed (`ingestionTime − timestamp`, with a cap), and
//! a periodic reconciliation scan reads the whole capped window again: an event stored up to the cap
//! late is delivered (at most one reconciliation period after it was stored), never lost. Ids are kept
//! for that whole window, so memory is bounded by the event rate times the cap.

pub mod buffer;
pub mod parse;

use std::collections::HashMap;
use std::future::Future;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::{Notify, mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::aws::logs::{self as cwl, FilterPage, FilterQuery, LiveBatch, LiveQuery, RawEvent};
use crate::aws::{AwsError, Clients, ErrorKind};
pub use buffer::LogBuffer;
pub use parse::{LineKind, ReportMetrics};

/// One log event, classified, with the Lambda request it belongs to when that is known.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogEvent {
    /// FilterLogEvents' id; Live Tail does not send one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    pub stream: String,
    /// Epoch milliseconds, as the function stamped the line.
    pub timestamp: i64,
    /// Epoch milliseconds, when CloudWatch Logs stored it.
    pub ingestion_time: i64,
    pub message: String,
    /// START, END and REPORT name it; plain lines between a START and its END in the same stream
    /// belong to that request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The API Gateway request id the line names (`apigw-request-id=<id>`), linking it to a ping.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub apigw_request_id: Option<String>,
    pub kind: LineKind,
}

impl LogEvent {
    pub fn report(&self) -> Option<&ReportMetrics> {
        match &self.kind {
            LineKind::Report(m) => Some(m),
            _ => None,
        }
    }
}

/// Where events come from: CloudWatch Logs in lambdeck, a scripted fake in tests.
pub trait LogSource: Clone + Send + Sync + 'static {
    type Live: LiveFeed;

    /// One FilterLogEvents page.
    fn filter(
        &self,
        query: &FilterQuery,
    ) -> impl Future<Output = Result<FilterPage, AwsError>> + Send;

    /// Opens a Live Tail session on the group; returns once the session has started.
    fn live(
        &self,
        group: &str,
        pattern: Option<&str>,
    ) -> impl Future<Output = Result<Self::Live, AwsError>> + Send;
}

/// An open Live Tail session.
pub trait LiveFeed: Send + 'static {
    /// The next batch (possibly empty), or `None` when the session has ended.
    fn next_batch(&mut self) -> impl Future<Output = Result<Option<LiveBatch>, AwsError>> + Send;
}

/// CloudWatch Logs through the SDK clients (AWS, or a local stack through endpoint_url).
#[derive(Debug, Clone)]
pub struct CloudWatch {
    pub clients: Clients,
}

impl LogSource for CloudWatch {
    type Live = cwl::LiveSession;

    async fn filter(&self, query: &FilterQuery) -> Result<FilterPage, AwsError> {
        cwl::filter_page(&self.clients, query).await
    }

    async fn live(&self, group: &str, pattern: Option<&str>) -> Result<Self::Live, AwsError> {
        let group_arn = cwl::group_arn(&self.clients, group).await?;
        cwl::start_live_tail(
            &self.clients,
            &LiveQuery {
                group_arn,
                pattern: pattern.map(ToOwned::to_owned),
            },
        )
        .await
    }
}

impl LiveFeed for cwl::LiveSession {
    async fn next_batch(&mut self) -> Result<Option<LiveBatch>, AwsError> {
        cwl::LiveSession::next_batch(self).await
    }
}

/// How often to poll, and how patient to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollTiming {
    /// The interval while the stack is active (events arrived, or a caller said so).
    pub fast: Duration,
    /// The ceiling the interval grows to while idle.
    pub slow: Duration,
    /// How long activity keeps the interval fast.
    pub hot_for: Duration,
    /// The least time between two calls, pages of one scan included.
    pub min_call_gap: Duration,
    /// How far behind the newest event a scan restarts, for events that reach the service late; the
    /// least lookback, widened to the ingestion lag observed.
    pub lookback: Duration,
    /// The widest lookback, and the window the reconciliation scan reads again: the latest an event
    /// may be stored and still be delivered.
    pub max_lookback: Duration,
    /// How often, while following, a reconciliation scan reads the last `max_lookback` again.
    pub reconcile_every: Duration,
    /// The first wait after the service throttled a call (doubling while it keeps doing so).
    pub throttle_backoff: Duration,
    /// The longest wait after repeated failures.
    pub max_backoff: Duration,
}

impl PollTiming {
    /// On AWS FilterLogEvents allows 5 requests per second per account and region, shared with every
    /// other tool: lambdeck stays at or under 2 a second while active and 1 every 5 s when idle.
    /// Lambda's logs can reach CloudWatch seconds after they were stamped, hence the long lookback;
    /// some arrive minutes late, hence the reconciliation of the last 5 minutes every 20 s (one more
    /// call, or a few pages for a busy function, every 20 s).
    pub fn aws() -> Self {
        Self {
            fast: Duration::from_millis(500),
            slow: Duration::from_secs(5),
            hot_for: Duration::from_secs(30),
            min_call_gap: Duration::from_millis(500),
            lookback: Duration::from_secs(10),
            max_lookback: Duration::from_secs(300),
            reconcile_every: Duration::from_secs(20),
            throttle_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
        }
    }

    /// The local stack has no rate limit and stores lines as they are written.
    pub fn local() -> Self {
        Self {
            fast: Duration::from_millis(100),
            slow: Duration::from_secs(1),
            hot_for: Duration::from_secs(10),
            min_call_gap: Duration::from_millis(10),
            lookback: Duration::from_secs(2),
            max_lookback: Duration::from_secs(120),
            reconcile_every: Duration::from_secs(5),
            throttle_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(5),
        }
    }
}

/// How to follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TailMode {
    /// FilterLogEvents at an adaptive interval.
    Polling,
    /// StartLiveTail: the service pushes events.
    LiveTail,
}

/// What the engine is asked to do.
#[derive(Debug, Clone)]
pub struct TailConfig {
    /// `/aws/lambda/<fn>`.
    pub group: String,
    /// CloudWatch Logs filter pattern.
    pub pattern: Option<String>,
    /// Epoch milliseconds to start from (ignored when resuming from a cursor).
    pub start_time: i64,
    /// Keep following; otherwise read up to now once and finish.
    pub follow: bool,
    /// Try Live Tail first (following only); polling is the fallback.
    pub live_tail: bool,
    /// Live Tail is billed here (AWS, not a local stack): the first session that opens says so, once.
    pub live_tail_billed: bool,
    pub timing: PollTiming,
    /// Continue where an earlier tail stopped, without repeating or skipping an event.
    pub resume: Option<TailCursor>,
}

impl TailConfig {
    pub fn new(group: impl Into<String>, start_time: i64) -> Self {
        Self {
            group: group.into(),
            pattern: None,
            start_time,
            follow: true,
            live_tail: false,
            live_tail_billed: false,
            timing: PollTiming::local(),
            resume: None,
        }
    }
}

/// What the engine tells its owner.
#[derive(Debug, Clone, PartialEq)]
pub enum TailMsg {
    /// New events, in timestamp order.
    Events(Vec<LogEvent>),
    /// The engine follows in this mode now; `reason` says why it fell back to polling, or, for Live
    /// Tail on AWS, that the session is billed.
    Mode {
        mode: TailMode,
        reason: Option<String>,
    },
    /// The events up to now have all been delivered (after the first scan).
    CaughtUp,
    /// A call failed; the engine waits `retry_in` and resumes where it was. Sent once per kind of
    /// failure in a row.
    Trouble { error: AwsError, retry_in: Duration },
    /// Calls succeed again after trouble.
    Recovered,
    /// The engine has stopped on a failure: a one-shot read (not following) failed after the SDK's
    /// retries, or a call failed in a way waiting cannot fix (an invalid filter pattern, access denied,
    /// bad credentials).
    Failed(AwsError),
}

/// Tells a running tail that something just happened (a ping, a deploy): poll now and stay fast.
#[derive(Debug, Clone, Default)]
pub struct Activity(Arc<Notify>);

impl Activity {
    pub fn poke(&self) {
        self.0.notify_one();
    }
}

/// A running tail: stop it to get its cursor back.
#[derive(Debug)]
pub struct TailHandle {
    stop: watch::Sender<bool>,
    activity: Activity,
    join: JoinHandle<TailCursor>,
}

impl TailHandle {
    /// A handle other tasks (the pinger, a deploy) can poke.
    pub fn activity(&self) -> Activity {
        self.activity.clone()
    }

    /// True once the engine has finished (not following, or its receiver is gone).
    pub fn is_finished(&self) -> bool {
        self.join.is_finished()
    }

    /// Stops the engine; the cursor lets a new tail continue exactly where this one stopped.
    pub async fn stop(self) -> TailCursor {
        let _ = self.stop.send(true);
        self.join.await.unwrap_or_default()
    }

    /// Waits for a non-following tail to finish.
    pub async fn finished(self) -> TailCursor {
        self.join.await.unwrap_or_default()
    }
}

/// Starts a tail of `config.group` on `source`, sending what it finds to `tx`.
pub fn spawn_tail<S: LogSource>(
    source: S,
    config: TailConfig,
    tx: mpsc::Sender<TailMsg>,
) -> TailHandle {
    let (stop_tx, stop_rx) = watch::channel(false);
    let activity = Activity::default();
    let cursor = config
        .resume
        .clone()
        .unwrap_or_else(|| TailCursor::starting_at(config.start_time));
    let engine = Engine {
        source,
        timing: config.timing,
        config,
        tx,
        stop: stop_rx,
        activity: activity.clone(),
        cursor,
        last_call: None,
        last_activity: Instant::now(),
        last_reconcile: Instant::now(),
        interval: Duration::ZERO,
        backoff: Duration::ZERO,
        trouble: None,
    };
    let join = tokio::spawn(engine.run());
    TailHandle {
        stop: stop_tx,
        activity,
        join,
    }
}

/// Where a tail is: the resume time, and what it must remember to never deliver an event twice.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TailCursor {
    /// Scans start here (epoch ms).
    resume: i64,
    /// The newest timestamp delivered.
    high: i64,
    /// The largest ingestion lag seen recently (ms), and the timestamp of the event that showed it.
    lag: (i64, i64),
    /// Ids stamped before this are forgotten.
    kept_from: i64,
    /// The start of a scan still running beside Live Tail: nothing it may read is forgotten meanwhile.
    held_from: Option<i64>,
    /// Ids delivered that a scan may still read again (at or after `resume`, or inside the
    /// reconciliation window), with their timestamps.
    ids: HashMap<String, i64>,
    /// Events delivered from a scan that Live Tail may still push (no id to match on there).
    polled_unmatched: HashMap<ContentKey, u32>,
    /// Events delivered from Live Tail that a scan may still return.
    live_unmatched: HashMap<ContentKey, u32>,
    /// The open request (between START and END) of each stream.
    open_requests: HashMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ContentKey {
    stream: String,
    timestamp: i64,
    message: u64,
}

impl ContentKey {
    fn of(e: &RawEvent) -> Self {
        let mut h = DefaultHasher::new();
        e.message.hash(&mut h);
        Self {
            stream: e.stream.clone(),
            timestamp: e.timestamp,
            message: h.finish(),
        }
    }
}

/// Streams whose open request is remembered; more means a pathological group, and forgetting costs
/// only the request id of lines of an unfinished invocation.
const MAX_OPEN_REQUESTS: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Via {
    Scan,
    Live,
}

impl TailCursor {
    pub fn starting_at(start_time: i64) -> Self {
        Self {
            resume: start_time,
            high: start_time,
            kept_from: start_time,
            ..Self::default()
        }
    }

    /// Scans start here (epoch ms).
    pub fn resume_time(&self) -> i64 {
        self.resume
    }

    /// The ingestion lag (ms) the lookback is widened to: the largest seen within the last 10 minutes of
    /// event time.
    pub fn observed_lag(&self) -> i64 {
        self.lag.0
    }

    /// How many event ids are remembered (bounded by the event rate times the widest lookback).
    pub fn remembered(&self) -> usize {
        self.ids.len() + self.polled_unmatched.len() + self.live_unmatched.len()
    }

    /// Decides whether an event is new, and remembers it.
    fn admit(&mut self, e: &RawEvent, via: Via) -> bool {
        match (via, &e.event_id) {
            (Via::Scan, Some(id)) => {
                if self.ids.contains_key(id) {
                    return false;
                }
                self.ids.insert(id.clone(), e.timestamp);
                let key = ContentKey::of(e);
                if take_one(&mut self.live_unmatched, &key) {
                    // Live Tail showed it already.
                    return false;
                }
                *self.polled_unmatched.entry(key).or_default() += 1;
                true
            }
            (Via::Scan, None) => true,
            (Via::Live, _) => {
                let key = ContentKey::of(e);
                if take_one(&mut self.polled_unmatched, &key) {
                    return false;
                }
                *self.live_unmatched.entry(key).or_default() += 1;
                true
            }
        }
    }

    /// Remembers the ingestion lag an event shows; a peak is forgotten once 10 minutes of event time
    /// passed without one as large.
    fn observe_lag(&mut self, e: &RawEvent) {
        const LAG_MEMORY_MS: i64 = 600_000;
        let lag = e.ingestion_time.saturating_sub(e.timestamp).max(0);
        if lag >= self.lag.0 || e.timestamp.saturating_sub(self.lag.1) > LAG_MEMORY_MS {
            self.lag = (lag, e.timestamp);
        }
    }

    /// The lookback now: the least one, widened to the observed lag (plus the least one as margin),
    /// capped.
    fn lookback_ms(&self, timing: &PollTiming) -> i64 {
        let least = duration_ms(timing.lookback);
        let cap = duration_ms(timing.max_lookback).max(least);
        self.lag.0.saturating_add(least).clamp(least, cap)
    }

    /// Where a reconciliation scan starts: the widest lookback behind the newest event.
    fn reconcile_from(&self, timing: &PollTiming) -> i64 {
        let cap = duration_ms(timing.max_lookback.max(timing.lookback));
        self.high.saturating_sub(cap).min(self.resume)
    }

    /// Moves `resume` up behind the newest event, and forgets what no scan reads again.
    fn advance(&mut self, now_ms: i64, timing: &PollTiming) {
        let target = self
            .high
            .min(now_ms)
            .saturating_sub(self.lookback_ms(timing));
        if target > self.resume {
            self.resume = target;
        }
        let keep_from = self.reconcile_from(timing);
        let keep_from = self.held_from.map_or(keep_from, |held| keep_from.min(held));
        if keep_from > self.kept_from {
            self.kept_from = keep_from;
            self.ids.retain(|_, ts| *ts >= keep_from);
            self.polled_unmatched
                .retain(|k, _| k.timestamp >= keep_from);
            self.live_unmatched.retain(|k, _| k.timestamp >= keep_from);
        }
    }

    /// Classifies the event and gives it its request id.
    fn annotate(&mut self, e: RawEvent) -> LogEvent {
        let parsed = parse::parse_line(&e.message);
        let request_id = match (&parsed.kind, parsed.request_id) {
            (LineKind::Start { .. }, Some(id)) => {
                if self.open_requests.len() >= MAX_OPEN_REQUESTS
                    && !self.open_requests.contains_key(&e.stream)
                {
                    self.open_requests.clear();
                }
                self.open_requests.insert(e.stream.clone(), id.clone());
                Some(id)
            }
            (LineKind::End, Some(id)) => {
                if self.open_requests.get(&e.stream) == Some(&id) {
                    self.open_requests.remove(&e.stream);
                }
                Some(id)
            }
            (_, Some(id)) => Some(id),
            (_, None) => self.open_requests.get(&e.stream).cloned(),
        };
        let apigw_request_id = parse::apigw_request_id(&e.message).map(ToOwned::to_owned);
        LogEvent {
            event_id: e.event_id,
            stream: e.stream,
            timestamp: e.timestamp,
            ingestion_time: e.ingestion_time,
            message: e.message,
            request_id,
            apigw_request_id,
            kind: parsed.kind,
        }
    }
}

fn take_one(map: &mut HashMap<ContentKey, u32>, key: &ContentKey) -> bool {
    match map.get_mut(key) {
        Some(n) if *n > 1 => {
            *n -= 1;
            true
        }
        Some(_) => {
            map.remove(key);
            true
        }
        None => false,
    }
}

/// The engine was told to stop, or nobody listens any more.
#[derive(Debug)]
struct Stopped;

enum Failure {
    Stopped,
    Call(AwsError),
}

impl From<Stopped> for Failure {
    fn from(_: Stopped) -> Self {
        Self::Stopped
    }
}

struct Engine<S: LogSource> {
    source: S,
    config: TailConfig,
    timing: PollTiming,
    tx: mpsc::Sender<TailMsg>,
    stop: watch::Receiver<bool>,
    activity: Activity,
    cursor: TailCursor,
    last_call: Option<Instant>,
    last_activity: Instant,
    /// When the last reconciliation scan (or the backlog scan, which reads as far back) ran.
    last_reconcile: Instant,
    /// The current polling interval (grows while idle).
    interval: Duration,
    /// The current wait after failures (zero while calls succeed).
    backoff: Duration,
    /// The kind of the failure streak in progress, to report each kind once.
    trouble: Option<ErrorKind>,
}

enum Wake {
    Elapsed,
    Activity,
}

impl<S: LogSource> Engine<S> {
    async fn run(mut self) -> TailCursor {
        // Stopping is not a failure: whatever was delivered is in the cursor.
        let _ = self.follow().await;
        self.cursor
    }

    async fn follow(&mut self) -> Result<(), Stopped> {
        // The backlog (from the start time, or from where an earlier tail stopped), then the present.
        let end_time = (!self.config.follow).then(now_ms);
        self.scan_until_done(self.cursor.resume, end_time).await?;
        self.last_reconcile = Instant::now();
        self.send(TailMsg::CaughtUp).await?;
        if !self.config.follow {
            return Ok(());
        }
        if self.config.live_tail {
            let reason = self.live().await?;
            self.send(TailMsg::Mode {
                mode: TailMode::Polling,
                reason: Some(reason),
            })
            .await?;
        } else {
            self.send(TailMsg::Mode {
                mode: TailMode::Polling,
                reason: None,
            })
            .await?;
        }
        self.interval = self.timing.fast;
        loop {
            let delay = self.next_delay();
            match self.pause(delay).await? {
                Wake::Activity => {
                    self.last_activity = Instant::now();
                    self.interval = self.timing.fast;
                }
                Wake::Elapsed => {}
            }
            let from = if self.last_reconcile.elapsed() >= self.timing.reconcile_every {
                // Events stored late, behind `resume`, are found here (dedupe drops the rest).
                self.last_reconcile = Instant::now();
                self.cursor.reconcile_from(&self.timing)
            } else {
                self.cursor.resume
            };
            self.scan_until_done(from, None).await?;
        }
    }

    /// Follows with Live Tail for as long as sessions open; returns why it gave up.
    async fn live(&mut self) -> Result<String, Stopped> {
        let mut announced = false;
        // The wait before reopening a session that ended before it delivered anything.
        let mut backoff = Duration::ZERO;
        loop {
            let open = self
                .source
                .live(&self.config.group, self.config.pattern.as_deref());
            let opened = until_stopped(&mut self.stop, open).await?;
            let mut feed = match opened {
                Ok(feed) => feed,
                Err(e) => return Ok(format!("Live Tail unavailable: {e}")),
            };
            if !announced {
                self.send(TailMsg::Mode {
                    mode: TailMode::LiveTail,
                    reason: self
                        .config
                        .live_tail_billed
                        .then(|| LIVE_TAIL_BILLED.to_owned()),
                })
                .await?;
                announced = true;
            }
            // The session is read by a task of its own, so that nothing the engine waits for (the
            // scans below) stalls it; its batches wait in a short queue.
            let (batch_tx, mut batches) = mpsc::channel(16);
            let _reader = AbortOnDrop(tokio::spawn(async move {
                loop {
                    let next = feed.next_batch().await;
                    let last = !matches!(next, Ok(Some(_)));
                    if batch_tx.send(next).await.is_err() || last {
                        break;
                    }
                }
            }));
            // The session only pushes what arrives after it started: close the gap since the last scan.
            self.scan_until_done(self.cursor.resume, None).await?;
            let mut delivered = false;
            // The scan for what a sampled batch left out, one page call at a time, raced against the
            // session so that its batches keep being shown while a page is slow or retried. Dedupe
            // drops what both deliver.
            let mut catch_up: Option<PageCall> = None;
            // Where a catch-up scan that failed starts again, after the next batch.
            let mut retry_from: Option<i64> = None;
            let ended = loop {
                if *self.stop.borrow() {
                    return Err(Stopped);
                }
                let next = tokio::select! {
                    _ = self.stop.changed() => return Err(Stopped),
                    batch = batches.recv() => Next::Batch(batch),
                    (query, page) = in_flight(&mut catch_up) => Next::Page(query, page),
                };
                match next {
                    Next::Batch(Some(Ok(Some(batch)))) => {
                        delivered = true;
                        self.deliver(batch.events, Via::Live).await?;
                        if batch.sampled && retry_from.is_none() {
                            retry_from = Some(self.cursor.resume);
                        }
                        if catch_up.is_none()
                            && let Some(from) = retry_from.take()
                        {
                            // Not before what is already forgotten; and nothing it reads is
                            // forgotten until it ends.
                            let from = from.max(self.cursor.kept_from);
                            self.cursor.held_from = Some(from);
                            catch_up = Some(self.page_call(self.query_from(from, None)));
                        }
                    }
                    // The session timed out (3 h on AWS) or the server closed it: open another.
                    Next::Batch(Some(Ok(None)) | None) => break None,
                    Next::Batch(Some(Err(e))) => break Some(e),
                    Next::Page(mut query, Ok(page)) => {
                        self.deliver(page.events, Via::Scan).await?;
                        catch_up = page.next_token.map(|token| {
                            query.next_token = Some(token);
                            self.page_call(query)
                        });
                        if catch_up.is_none() {
                            self.cursor.held_from = None;
                        }
                    }
                    Next::Page(query, Err(_)) => {
                        // Tried again from its start after the next batch (the call gap spaces the
                        // tries); the session goes on meanwhile.
                        catch_up = None;
                        retry_from = Some(query.start_time);
                    }
                }
            };
            // A catch-up cut short by the session's end is covered by the next session's first scan.
            self.cursor.held_from = None;
            // A session that fails at once (a dropped connection, a service in trouble) is not
            // reopened in a tight loop: wait, doubling while it keeps failing. A session that
            // worked (AWS sends an update every second) is reopened at once.
            backoff = if delivered {
                Duration::ZERO
            } else {
                (backoff * 2).clamp(self.timing.fast, self.timing.max_backoff)
            };
            if let Some(error) = ended {
                self.send(TailMsg::Trouble {
                    error,
                    retry_in: backoff,
                })
                .await?;
            }
            if !backoff.is_zero() {
                let until = Instant::now() + backoff;
                while let Wake::Activity = self.pause_until(until).await? {}
            }
        }
    }

    /// Scans from `from` (`resume`, or further back to reconcile) until nextToken is absent, retrying
    /// after failures until a scan completes.
    async fn scan_until_done(&mut self, from: i64, end_time: Option<i64>) -> Result<(), Stopped> {
        let mut start = from;
        loop {
            match self.scan(start, end_time).await {
                Ok(()) => {
                    if self.trouble.take().is_some() {
                        self.send(TailMsg::Recovered).await?;
                    }
                    self.backoff = Duration::ZERO;
                    return Ok(());
                }
                Err(Failure::Stopped) => return Err(Stopped),
                Err(Failure::Call(error)) if !self.config.follow || gives_up_on(&error) => {
                    // Nobody waits for a one-shot read to recover, and no wait mends a bad pattern or a
                    // missing permission: say why and stop.
                    self.send(TailMsg::Failed(error)).await?;
                    return Err(Stopped);
                }
                Err(Failure::Call(error)) => {
                    let floor = if error.kind == ErrorKind::Throttled {
                        // Slow down for real: the quota is shared with the whole account.
                        self.timing.throttle_backoff.max(self.timing.fast)
                    } else {
                        self.timing.fast
                    };
                    self.backoff = (self.backoff * 2).clamp(floor, self.timing.max_backoff);
                    if self.trouble != Some(error.kind) {
                        self.trouble = Some(error.kind);
                        self.send(TailMsg::Trouble {
                            error,
                            retry_in: self.backoff,
                        })
                        .await?;
                    }
                    // Activity does not cut a backoff short.
                    let until = Instant::now() + self.backoff;
                    while let Wake::Activity = self.pause_until(until).await? {}
                    // Resume from the last delivered timestamp, not from `resume`: re-reading the whole
                    // lookback after every failure could, under steady failures, never get past it.
                    // The next regular scan starts at `resume` again and catches late arrivals there.
                    start = self.cursor.high.max(self.cursor.resume);
                }
            }
        }
    }

    /// One scan: every page from `start` until nextToken is absent.
    /// A FilterLogEvents query of the tailed group from `start`.
    fn query_from(&self, start: i64, end_time: Option<i64>) -> FilterQuery {
        FilterQuery {
            group: self.config.group.clone(),
            start_time: start,
            end_time,
            pattern: self.config.pattern.clone(),
            next_token: None,
        }
    }

    /// One page of `query` as a future of its own (it holds no borrow of the engine), started once the
    /// gap between calls has passed.
    fn page_call(&mut self, query: FilterQuery) -> PageCall {
        let source = self.source.clone();
        let at = self.last_call.map_or_else(Instant::now, |last| {
            (last + self.timing.min_call_gap).max(Instant::now())
        });
        self.last_call = Some(at);
        Box::pin(async move {
            tokio::time::sleep_until(at).await;
            let page = source.filter(&query).await;
            (query, page)
        })
    }

    async fn scan(&mut self, start: i64, end_time: Option<i64>) -> Result<(), Failure> {
        // A token continues the query it came from, so the start time is fixed for the whole scan.
        let mut query = self.query_from(start, end_time);
        loop {
            self.respect_call_gap().await?;
            self.last_call = Some(Instant::now());
            let call = self.source.filter(&query);
            let page = until_stopped(&mut self.stop, call).await?;
            let page = page.map_err(Failure::Call)?;
            self.deliver(page.events, Via::Scan).await?;
            match page.next_token {
                Some(token) => query.next_token = Some(token),
                None => return Ok(()),
            }
        }
    }

    async fn deliver(&mut self, mut events: Vec<RawEvent>, via: Via) -> Result<(), Stopped> {
        events.sort_by(|a, b| {
            (a.timestamp, &a.stream, &a.event_id).cmp(&(b.timestamp, &b.stream, &b.event_id))
        });
        let mut out = Vec::new();
        for e in events {
            self.cursor.observe_lag(&e);
            if self.cursor.admit(&e, via) {
                self.cursor.high = self.cursor.high.max(e.timestamp);
                out.push(self.cursor.annotate(e));
            }
        }
        if !out.is_empty() {
            self.last_activity = Instant::now();
            self.interval = self.timing.fast;
            self.send(TailMsg::Events(out)).await?;
        }
        self.cursor.advance(now_ms(), &self.timing);
        Ok(())
    }

    fn next_delay(&mut self) -> Duration {
        if self.last_activity.elapsed() < self.timing.hot_for {
            self.interval = self.timing.fast;
        } else {
            // Idle: back off gently towards the ceiling.
            self.interval = (self.interval * 2).clamp(self.timing.fast, self.timing.slow);
        }
        self.interval
    }

    async fn respect_call_gap(&mut self) -> Result<(), Stopped> {
        if let Some(last) = self.last_call {
            let until = last + self.timing.min_call_gap;
            while let Wake::Activity = self.pause_until(until).await? {}
        }
        Ok(())
    }

    async fn pause(&mut self, d: Duration) -> Result<Wake, Stopped> {
        self.pause_until(Instant::now() + d).await
    }

    async fn pause_until(&mut self, until: Instant) -> Result<Wake, Stopped> {
        if *self.stop.borrow() {
            return Err(Stopped);
        }
        let notify = self.activity.0.clone();
        tokio::select! {
            _ = self.stop.changed() => Err(Stopped),
            () = tokio::time::sleep_until(until) => Ok(Wake::Elapsed),
            () = notify.notified() => Ok(Wake::Activity),
        }
    }

    async fn send(&mut self, msg: TailMsg) -> Result<(), Stopped> {
        let tx = self.tx.clone();
        match until_stopped(&mut self.stop, tx.send(msg)).await? {
            Ok(()) => Ok(()),
            Err(_) => Err(Stopped),
        }
    }
}

/// What the first Live Tail session on AWS says.
pub const LIVE_TAIL_BILLED: &str = "a Live Tail session is billed per minute on AWS";

/// Failures a following tail does not wait out. A missing log group is waited for: Lambda creates it
/// when the function first logs. Throttling and network failures pass, and so do expired or missing
/// credentials: an SSO session renewed in another terminal (`aws sso login`) is picked up by the
/// SDK's credential chain on the next call, and the tail resumes where it was.
fn gives_up_on(error: &AwsError) -> bool {
    matches!(error.kind, ErrorKind::Validation | ErrorKind::AccessDenied)
}

/// Runs `fut` unless the engine is told to stop first.
/// A page call in flight: the query it answers and its outcome.
type PageCall =
    std::pin::Pin<Box<dyn Future<Output = (FilterQuery, Result<FilterPage, AwsError>)> + Send>>;

/// What the Live Tail loop woke for.
enum Next {
    Batch(Option<Result<Option<LiveBatch>, AwsError>>),
    Page(FilterQuery, Result<FilterPage, AwsError>),
}

/// The page call in flight, or never (no scan is running).
async fn in_flight(call: &mut Option<PageCall>) -> (FilterQuery, Result<FilterPage, AwsError>) {
    match call {
        // The loop replaces a finished call before it polls this again.
        Some(call) => call.as_mut().await,
        None => std::future::pending().await,
    }
}

/// A task stopped when its owner is dropped (the reader of a Live Tail session the engine left).
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn until_stopped<T>(
    stop: &mut watch::Receiver<bool>,
    fut: impl Future<Output = T>,
) -> Result<T, Stopped> {
    if *stop.borrow() {
        return Err(Stopped);
    }
    tokio::select! {
        _ = stop.changed() => Err(Stopped),
        v = fut => Ok(v),
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn duration_ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Parses `--since`: `30s`, `10m`, `2h`, `1d` (a bare number is seconds).
pub fn parse_since(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (digits, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let n: u64 = digits.parse().map_err(|_| {
        format!("--since {text:?}: expected a number and a unit, e.g. 30s, 10m, 2h, 1d")
    })?;
    let secs = match unit {
        "s" => n,
        "m" => n.saturating_mul(60),
        "h" => n.saturating_mul(3600),
        "d" => n.saturating_mul(86_400),
        _ => {
            return Err(format!(
                "--since {text:?}: unknown unit {unit:?}; use s, m, h or d"
            ));
        }
    };
    Ok(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests;
