//! The tail engine against a scripted CloudWatch Logs: paging, faults, new streams, Live Tail.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    Throttle,
    Drop,
    /// The service refuses the request itself (an invalid filter pattern).
    Invalid,
    /// The log group does not exist (yet).
    NoGroup,
    /// The credentials expired (an SSO session ran out).
    Expired,
}

#[derive(Debug, Default)]
struct FakeState {
    events: Vec<RawEvent>,
    next_id: u64,
    page_size: usize,
    /// Every scan starts with an empty page that carries a token, as CloudWatch Logs may answer.
    empty_first_page: bool,
    /// Faults for the next calls, in order; then `fail_every` applies.
    faults: VecDeque<Fault>,
    /// Every nth call fails (alternating throttle and dropped connection).
    fail_every: Option<u64>,
    calls: u64,
    live: Option<LiveMode>,
    live_senders: Vec<mpsc::UnboundedSender<Option<LivePush>>>,
    /// While false, FilterLogEvents calls wait (a slow or stuck scan).
    scans_open: Option<watch::Receiver<bool>>,
    live_opens: u64,
}

/// What a Live Tail session is pushed: its events, and whether the batch is sampled.
type LivePush = (Vec<RawEvent>, bool);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LiveMode {
    Works,
    Denied,
    /// Sessions open, then fail before their first update (a connection dropped at once).
    FailsAtOnce,
}

/// An in-memory log group with FilterLogEvents' paging and scripted failures.
#[derive(Debug, Clone)]
struct FakeLogs {
    state: Arc<Mutex<FakeState>>,
    /// Counts successful calls, so a test can wait for progress instead of time.
    progress: watch::Sender<u64>,
}

impl FakeLogs {
    fn new(page_size: usize) -> Self {
        Self {
            state: Arc::new(Mutex::new(FakeState {
                page_size,
                ..FakeState::default()
            })),
            progress: watch::channel(0).0,
        }
    }

    /// Appends lines (pushed to open Live Tail sessions too). Returns their ids.
    fn write(&self, stream: &str, lines: &[(i64, &str)]) -> Vec<String> {
        let mut st = self.state.lock().unwrap();
        let mut batch = Vec::new();
        for (ts, msg) in lines {
            st.next_id += 1;
            let e = RawEvent {
                event_id: Some(format!("{:056}", st.next_id)),
                stream: stream.into(),
                timestamp: *ts,
                ingestion_time: *ts,
                message: (*msg).into(),
            };
            batch.push(e);
        }
        st.events.extend(batch.iter().cloned());
        let live: Vec<RawEvent> = batch
            .iter()
            .map(|e| RawEvent {
                event_id: None,
                ..e.clone()
            })
            .collect();
        st.live_senders
            .retain(|tx| tx.send(Some((live.clone(), false))).is_ok());
        batch.into_iter().filter_map(|e| e.event_id).collect()
    }

    /// Appends lines of which Live Tail shows only the first `shown`, flagging its batch as sampled
    /// (as AWS does above about 500 events a second).
    fn write_sampled(&self, stream: &str, lines: &[(i64, &str)], shown: usize) {
        let mut st = self.state.lock().unwrap();
        let mut live = Vec::new();
        for (i, (ts, msg)) in lines.iter().enumerate() {
            st.next_id += 1;
            let e = RawEvent {
                event_id: Some(format!("{:056}", st.next_id)),
                stream: stream.into(),
                timestamp: *ts,
                ingestion_time: *ts,
                message: (*msg).into(),
            };
            if i < shown {
                live.push(RawEvent {
                    event_id: None,
                    ..e.clone()
                });
            }
            st.events.push(e);
        }
        st.live_senders
            .retain(|tx| tx.send(Some((live.clone(), true))).is_ok());
    }

    /// Appends lines that CloudWatch Logs stores only now, at `ingested`, whatever their timestamps.
    fn write_late(&self, stream: &str, lines: &[(i64, &str)], ingested: i64) -> Vec<String> {
        let mut st = self.state.lock().unwrap();
        let mut ids = Vec::new();
        for (ts, msg) in lines {
            st.next_id += 1;
            let id = format!("{:056}", st.next_id);
            st.events.push(RawEvent {
                event_id: Some(id.clone()),
                stream: stream.into(),
                timestamp: *ts,
                ingestion_time: ingested,
                message: (*msg).into(),
            });
            ids.push(id);
        }
        ids
    }

    fn end_live_sessions(&self) {
        let mut st = self.state.lock().unwrap();
        for tx in st.live_senders.drain(..) {
            let _ = tx.send(None);
        }
    }

    fn set(&self, f: impl FnOnce(&mut FakeState)) {
        f(&mut self.state.lock().unwrap());
    }

    fn successful_calls(&self) -> u64 {
        *self.progress.borrow()
    }
}

impl LogSource for FakeLogs {
    type Live = FakeLive;

    async fn filter(&self, query: &FilterQuery) -> Result<FilterPage, AwsError> {
        let gate = self.state.lock().unwrap().scans_open.clone();
        if let Some(mut open) = gate {
            let _ = open.wait_for(|open| *open).await;
        }
        let page = {
            let mut st = self.state.lock().unwrap();
            st.calls += 1;
            let calls = st.calls;
            let fault = st.faults.pop_front().or_else(|| {
                st.fail_every.filter(|n| calls.is_multiple_of(*n)).map(|n| {
                    if (calls / n).is_multiple_of(2) {
                        Fault::Throttle
                    } else {
                        Fault::Drop
                    }
                })
            });
            if let Some(fault) = fault {
                return Err(match fault {
                    Fault::Throttle => AwsError {
                        kind: ErrorKind::Throttled,
                        operation: "FilterLogEvents",
                        resource: query.group.clone(),
                        code: Some("ThrottlingException".into()),
                        message: "Rate exceeded".into(),
                    },
                    Fault::Drop => AwsError {
                        kind: ErrorKind::Unreachable,
                        operation: "FilterLogEvents",
                        resource: query.group.clone(),
                        code: None,
                        message: "connection reset by peer".into(),
                    },
                    Fault::Invalid => AwsError {
                        kind: ErrorKind::Validation,
                        operation: "FilterLogEvents",
                        resource: query.group.clone(),
                        code: Some("InvalidParameterException".into()),
                        message: "Invalid filter pattern".into(),
                    },
                    Fault::Expired => AwsError {
                        kind: ErrorKind::Credentials,
                        operation: "FilterLogEvents",
                        resource: query.group.clone(),
                        code: Some("ExpiredTokenException".into()),
                        message: "The security token included in the request is expired".into(),
                    },
                    Fault::NoGroup => AwsError {
                        kind: ErrorKind::NotFound,
                        operation: "FilterLogEvents",
                        resource: query.group.clone(),
                        code: Some("ResourceNotFoundException".into()),
                        message: "The specified log group does not exist.".into(),
                    },
                });
            }
            let mut matching: Vec<RawEvent> = st
                .events
                .iter()
                .filter(|e| e.timestamp >= query.start_time)
                .filter(|e| query.end_time.is_none_or(|end| e.timestamp < end))
                .cloned()
                .collect();
            matching.sort_by(|a, b| (a.timestamp, &a.event_id).cmp(&(b.timestamp, &b.event_id)));
            match query.next_token.as_deref() {
                None if st.empty_first_page => FilterPage {
                    events: Vec::new(),
                    next_token: Some("0".into()),
                },
                token => {
                    let offset: usize = token.map_or(0, |t| t.parse().unwrap());
                    let end = (offset + st.page_size).min(matching.len());
                    FilterPage {
                        events: matching.get(offset..end).unwrap_or_default().to_vec(),
                        next_token: (end < matching.len()).then(|| end.to_string()),
                    }
                }
            }
        };
        self.progress.send_modify(|c| *c += 1);
        Ok(page)
    }

    async fn live(&self, group: &str, _pattern: Option<&str>) -> Result<FakeLive, AwsError> {
        let mut st = self.state.lock().unwrap();
        match st.live {
            Some(LiveMode::Works) => {
                let (tx, rx) = mpsc::unbounded_channel();
                st.live_senders.push(tx);
                Ok(FakeLive { rx, fail: false })
            }
            Some(LiveMode::FailsAtOnce) => {
                st.live_opens += 1;
                Ok(FakeLive {
                    rx: mpsc::unbounded_channel().1,
                    fail: true,
                })
            }
            _ => Err(AwsError {
                kind: ErrorKind::AccessDenied,
                operation: "StartLiveTail",
                resource: group.into(),
                code: Some("AccessDeniedException".into()),
                message: "not authorized to perform logs:StartLiveTail".into(),
            }),
        }
    }
}

#[derive(Debug)]
struct FakeLive {
    rx: mpsc::UnboundedReceiver<Option<LivePush>>,
    fail: bool,
}

impl LiveFeed for FakeLive {
    async fn next_batch(&mut self) -> Result<Option<LiveBatch>, AwsError> {
        if self.fail {
            return Err(AwsError {
                kind: ErrorKind::Unreachable,
                operation: "StartLiveTail",
                resource: "g".into(),
                code: None,
                message: "connection reset by peer".into(),
            });
        }
        Ok(self
            .rx
            .recv()
            .await
            .flatten()
            .map(|(events, sampled)| LiveBatch { events, sampled }))
    }
}

/// Quick timing: tests wait for progress, never for time.
fn quick() -> PollTiming {
    PollTiming {
        fast: Duration::from_millis(1),
        slow: Duration::from_millis(4),
        hot_for: Duration::from_millis(20),
        min_call_gap: Duration::ZERO,
        lookback: Duration::from_millis(5),
        max_lookback: Duration::from_millis(5),
        reconcile_every: Duration::from_millis(2),
        throttle_backoff: Duration::from_millis(2),
        max_backoff: Duration::from_millis(8),
    }
}

fn config(timing: PollTiming) -> TailConfig {
    TailConfig {
        timing,
        ..TailConfig::new("/aws/lambda/fn", 0)
    }
}

/// Everything the engine sent, split by kind.
#[derive(Debug, Default)]
struct Seen {
    events: Vec<LogEvent>,
    troubles: Vec<AwsError>,
    /// The waits announced with each trouble.
    retries: Vec<Duration>,
    failed: Option<AwsError>,
    modes: Vec<(TailMode, Option<String>)>,
    caught_up: usize,
}

impl Seen {
    fn take(&mut self, msg: TailMsg) {
        match msg {
            TailMsg::Events(e) => self.events.extend(e),
            TailMsg::Trouble { error, retry_in } => {
                self.troubles.push(error);
                self.retries.push(retry_in);
            }
            TailMsg::Mode { mode, reason } => self.modes.push((mode, reason)),
            TailMsg::CaughtUp => self.caught_up += 1,
            TailMsg::Recovered => {}
            TailMsg::Failed(e) => self.failed = Some(e),
        }
    }

    /// Receives until `done` holds (a generous guard turns a hang into a failure, not a timing check).
    async fn until(&mut self, rx: &mut mpsc::Receiver<TailMsg>, done: impl Fn(&Seen) -> bool) {
        let wait = async {
            while !done(self) {
                let msg = rx.recv().await.expect("the engine is running");
                self.take(msg);
            }
        };
        tokio::time::timeout(Duration::from_secs(60), wait)
            .await
            .expect("the engine delivers");
    }

    /// Receives while waiting for `n` more successful calls to the source, so the engine never blocks
    /// on a full channel meanwhile.
    async fn pump_calls(&mut self, rx: &mut mpsc::Receiver<TailMsg>, logs: &FakeLogs, n: u64) {
        let target = logs.successful_calls() + n;
        let mut progress = logs.progress.subscribe();
        let wait = async {
            loop {
                tokio::select! {
                    msg = rx.recv() => self.take(msg.expect("the engine is running")),
                    _ = progress.wait_for(|c| *c >= target) => return,
                }
            }
        };
        tokio::time::timeout(Duration::from_secs(60), wait)
            .await
            .expect("the engine keeps calling");
    }

    fn drain(&mut self, rx: &mut mpsc::Receiver<TailMsg>) {
        while let Ok(msg) = rx.try_recv() {
            self.take(msg);
        }
    }

    fn ids(&self) -> Vec<String> {
        self.events
            .iter()
            .filter_map(|e| e.event_id.clone())
            .collect()
    }

    fn messages(&self) -> Vec<&str> {
        self.events.iter().map(|e| e.message.as_str()).collect()
    }
}

fn assert_exactly_once(seen: &Seen, expected: &[String]) {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for id in seen.ids() {
        *counts.entry(id).or_default() += 1;
    }
    let dupes: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(dupes.is_empty(), "delivered twice: {dupes:?}");
    let missing: Vec<_> = expected
        .iter()
        .filter(|id| !counts.contains_key(*id))
        .collect();
    assert!(missing.is_empty(), "never delivered: {missing:?}");
    assert_eq!(seen.events.len(), expected.len());
}

#[tokio::test]
async fn events_written_while_throttled_or_dropped_are_delivered_exactly_once() {
    let logs = FakeLogs::new(3);
    logs.set(|s| {
        s.fail_every = Some(3);
        s.empty_first_page = true;
    });
    let mut expected = Vec::new();
    for i in 0..10 {
        expected.extend(logs.write("2026/11/24/[$LATEST]a", &[(1000 + i, "backlog")]));
    }
    let (tx, mut rx) = mpsc::channel(16);
    let tail = spawn_tail(logs.clone(), config(quick()), tx);
    let mut seen = Seen::default();
    // Lines arrive while the engine is failing every third call; some share a millisecond.
    let mut ts = 2000;
    for round in 0..20 {
        let stream = if round % 2 == 0 {
            "2026/11/24/[$LATEST]a"
        } else {
            "2026/11/24/[$LATEST]b"
        };
        expected.extend(logs.write(
            stream,
            &[(ts, "live one"), (ts, "live two"), (ts + 1, "live three")],
        ));
        ts += 2;
        seen.pump_calls(&mut rx, &logs, 2).await;
    }
    let total = expected.len();
    seen.until(&mut rx, |s| s.events.len() >= total).await;
    // A few more complete scans, to give a duplicate every chance to show.
    seen.pump_calls(&mut rx, &logs, 6).await;
    let cursor = tail.stop().await;
    seen.drain(&mut rx);
    assert_exactly_once(&seen, &expected);
    assert!(
        seen.troubles.iter().any(|e| e.kind == ErrorKind::Throttled),
        "the engine saw throttling"
    );
    assert!(
        seen.troubles
            .iter()
            .any(|e| e.kind == ErrorKind::Unreachable)
    );
    let stamps: Vec<i64> = seen.events.iter().map(|e| e.timestamp).collect();
    assert!(stamps.is_sorted(), "timestamp order: {stamps:?}");
    // Only ids at or after the resume time are remembered.
    let after_resume = seen
        .events
        .iter()
        .filter(|e| e.timestamp >= cursor.resume_time())
        .count();
    assert!(cursor.ids.len() <= after_resume);
    assert!(cursor.resume_time() > 1000);
}

#[tokio::test]
async fn a_burst_of_failures_delays_but_loses_nothing() {
    let logs = FakeLogs::new(2);
    let expected = logs.write(
        "s1",
        &[(10, "a"), (11, "b"), (12, "c"), (13, "d"), (14, "e")],
    );
    logs.set(|s| {
        s.faults = [
            Fault::Drop,
            Fault::Drop,
            Fault::Throttle,
            Fault::Throttle,
            Fault::Throttle,
        ]
        .into_iter()
        .collect();
    });
    let (tx, mut rx) = mpsc::channel(16);
    let tail = spawn_tail(logs.clone(), config(quick()), tx);
    let mut seen = Seen::default();
    seen.until(&mut rx, |s| s.events.len() >= 5).await;
    seen.pump_calls(&mut rx, &logs, 4).await;
    tail.stop().await;
    seen.drain(&mut rx);
    assert_exactly_once(&seen, &expected);
    assert_eq!(seen.messages(), ["a", "b", "c", "d", "e"]);
    // One report per kind of failure in a row, not one per failed call.
    assert_eq!(seen.troubles.len(), 2);
}

#[tokio::test]
async fn new_streams_are_picked_up() {
    let logs = FakeLogs::new(10);
    logs.write(
        "2026/11/24/[$LATEST]first",
        &[(100, "from the first environment")],
    );
    let (tx, mut rx) = mpsc::channel(16);
    let tail = spawn_tail(logs.clone(), config(quick()), tx);
    let mut seen = Seen::default();
    seen.until(&mut rx, |s| s.events.len() == 1).await;
    // A second execution environment starts: a stream the engine has never seen.
    logs.write(
        "2026/11/24/[$LATEST]second",
        &[(101, "from the second environment")],
    );
    seen.until(&mut rx, |s| s.events.len() == 2).await;
    tail.stop().await;
    assert_eq!(seen.events[1].stream, "2026/11/24/[$LATEST]second");
    assert_eq!(seen.events[1].message, "from the second environment");
}

#[tokio::test]
async fn a_restarted_tail_continues_without_repeats_or_gaps() {
    let logs = FakeLogs::new(4);
    let mut expected = logs.write("s", &[(500, "one"), (501, "two"), (502, "three")]);
    let (tx, mut rx) = mpsc::channel(16);
    let tail = spawn_tail(logs.clone(), config(quick()), tx);
    let mut seen = Seen::default();
    seen.until(&mut rx, |s| s.events.len() == 3).await;
    let cursor = tail.stop().await;
    seen.drain(&mut rx);
    // Written while nothing tails, one of them in the same millisecond as the last one shown.
    expected.extend(logs.write("s", &[(502, "three again"), (503, "four")]));
    let (tx, mut rx) = mpsc::channel(16);
    let tail = spawn_tail(
        logs.clone(),
        TailConfig {
            resume: Some(cursor),
            ..config(quick())
        },
        tx,
    );
    seen.until(&mut rx, |s| s.events.len() >= 5).await;
    seen.pump_calls(&mut rx, &logs, 4).await;
    tail.stop().await;
    seen.drain(&mut rx);
    assert_exactly_once(&seen, &expected);
}

#[tokio::test]
async fn lines_between_start_and_end_carry_their_request_id() {
    let logs = FakeLogs::new(100);
    logs.write(
        "a",
        &[
            (1, "START RequestId: 11111111-1111-4111-8111-111111111111 Version: $LATEST"),
            (2, "GET /hello_world apigw-request-id=c6af9ac6-7b61-11e6-9a41-93e8deadbeef"),
            (4, "END RequestId: 11111111-1111-4111-8111-111111111111"),
            (
                5,
                "REPORT RequestId: 11111111-1111-4111-8111-111111111111\tDuration: 1.50 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 18 MB\t",
            ),
            (6, "after the request"),
        ],
    );
    logs.write("b", &[(3, "another environment, no request open")]);
    let (tx, mut rx) = mpsc::channel(16);
    let tail = spawn_tail(
        logs.clone(),
        TailConfig {
            follow: false,
            ..config(quick())
        },
        tx,
    );
    let mut seen = Seen::default();
    seen.until(&mut rx, |s| s.caught_up == 1).await;
    tail.finished().await;
    let rid = Some("11111111-1111-4111-8111-111111111111");
    let by_msg = |m: &str| {
        seen.events
            .iter()
            .find(|e| e.message.starts_with(m))
            .unwrap()
    };
    assert_eq!(by_msg("START").request_id.as_deref(), rid);
    let plain = by_msg("GET /hello_world");
    assert_eq!(plain.request_id.as_deref(), rid);
    assert_eq!(
        plain.apigw_request_id.as_deref(),
        Some("c6af9ac6-7b61-11e6-9a41-93e8deadbeef")
    );
    assert_eq!(by_msg("another").request_id, None);
    assert_eq!(by_msg("REPORT").request_id.as_deref(), rid);
    assert_eq!(by_msg("REPORT").report().unwrap().billed_duration_ms, 2);
    assert_eq!(by_msg("after").request_id, None);
}

#[tokio::test]
async fn without_follow_the_tail_reads_up_to_now_and_finishes() {
    let logs = FakeLogs::new(2);
    let expected = logs.write("s", &[(10, "a"), (20, "b"), (30, "c")]);
    let (tx, mut rx) = mpsc::channel(16);
    let tail = spawn_tail(
        logs.clone(),
        TailConfig {
            follow: false,
            start_time: 15,
            ..config(quick())
        },
        tx,
    );
    tail.finished().await;
    let mut seen = Seen::default();
    seen.drain(&mut rx);
    assert_eq!(seen.messages(), ["b", "c"]);
    assert_eq!(seen.caught_up, 1);
    assert_eq!(seen.ids(), expected[1..]);
}

#[tokio::test]
async fn activity_wakes_an_idle_tail() {
    let logs = FakeLogs::new(10);
    // An interval of an hour: only a poke can make the engine look again.
    let timing = PollTiming {
        fast: Duration::from_secs(3600),
        slow: Duration::from_secs(3600),
        ..quick()
    };
    let (tx, mut rx) = mpsc::channel(16);
    let tail = spawn_tail(logs.clone(), config(timing), tx);
    let mut seen = Seen::default();
    seen.until(&mut rx, |s| s.caught_up == 1 && !s.modes.is_empty())
        .await;
    logs.write("s", &[(5, "after the ping")]);
    tail.activity().poke();
    seen.until(&mut rx, |s| s.events.len() == 1).await;
    tail.stop().await;
    assert_eq!(seen.messages(), ["after the ping"]);
}

#[tokio::test]
async fn live_tail_and_its_catch_up_scan_deliver_each_event_once() {
    let logs = FakeLogs::new(3);
    logs.set(|s| s.live = Some(LiveMode::Works));
    let mut expected = logs.write("s", &[(10, "before"), (11, "before too")]);
    let (tx, mut rx) = mpsc::channel(64);
    let tail = spawn_tail(
        logs.clone(),
        TailConfig {
            live_tail: true,
            ..config(quick())
        },
        tx,
    );
    let mut seen = Seen::default();
    seen.until(&mut rx, |s| {
        s.modes.first().is_some_and(|m| m.0 == TailMode::LiveTail)
    })
    .await;
    // Both the session and the next scans see these; each must show once. Two are identical lines in
    // the same millisecond: distinct events, both shown.
    expected.extend(logs.write("s", &[(20, "live"), (21, "twin"), (21, "twin")]));
    seen.until(&mut rx, |s| s.events.len() >= 5).await;
    // The session ends (as after 3 h): the engine reopens one and scans the gap.
    logs.end_live_sessions();
    seen.pump_calls(&mut rx, &logs, 1).await;
    expected.extend(logs.write("t", &[(30, "after reopening")]));
    seen.until(&mut rx, |s| s.events.len() >= 6).await;
    // Once more: the scan that follows a new session must not repeat what Live Tail showed.
    logs.end_live_sessions();
    seen.pump_calls(&mut rx, &logs, 1).await;
    tail.stop().await;
    seen.drain(&mut rx);
    assert_eq!(
        seen.messages(),
        [
            "before",
            "before too",
            "live",
            "twin",
            "twin",
            "after reopening"
        ]
    );
    assert_eq!(seen.events.len(), expected.len());
}

#[tokio::test]
async fn a_sampled_batch_is_caught_up_by_a_scan_that_never_stalls_the_session() {
    let logs = FakeLogs::new(2);
    logs.set(|s| s.live = Some(LiveMode::Works));
    let (tx, mut rx) = mpsc::channel(64);
    let tail = spawn_tail(
        logs.clone(),
        TailConfig {
            live_tail: true,
            ..config(quick())
        },
        tx,
    );
    let mut seen = Seen::default();
    seen.until(&mut rx, |s| {
        s.modes.first().is_some_and(|m| m.0 == TailMode::LiveTail)
    })
    .await;
    // Once a live line shows, the engine reads the session.
    logs.write("s", &[(10, "first")]);
    seen.until(&mut rx, |s| s.events.len() == 1).await;
    // Scans hang from now on; the session samples: of four lines it shows one.
    let (open, gate) = watch::channel(false);
    logs.set(|s| s.scans_open = Some(gate));
    logs.write_sampled(
        "s",
        &[
            (20, "shown"),
            (21, "left out"),
            (22, "left out too"),
            (23, "and this"),
        ],
        1,
    );
    seen.until(&mut rx, |s| s.messages().contains(&"shown"))
        .await;
    // The catch-up scan is stuck; the session's next batch still shows.
    logs.write("s", &[(30, "during the scan")]);
    seen.until(&mut rx, |s| s.messages().contains(&"during the scan"))
        .await;
    assert!(
        !seen.messages().contains(&"left out"),
        "{:?}",
        seen.messages()
    );
    // The scan answers: what the session left out shows, each line once.
    open.send_replace(true);
    seen.until(&mut rx, |s| s.events.len() >= 6).await;
    tail.stop().await;
    seen.drain(&mut rx);
    let mut messages = seen.messages();
    messages.sort_unstable();
    assert_eq!(
        messages,
        [
            "and this",
            "during the scan",
            "first",
            "left out",
            "left out too",
            "shown"
        ]
    );
}

#[tokio::test]
async fn denied_live_tail_falls_back_to_polling() {
    let logs = FakeLogs::new(3);
    logs.set(|s| s.live = Some(LiveMode::Denied));
    let (tx, mut rx) = mpsc::channel(16);
    let tail = spawn_tail(
        logs.clone(),
        TailConfig {
            live_tail: true,
            ..config(quick())
        },
        tx,
    );
    let mut seen = Seen::default();
    seen.until(&mut rx, |s| !s.modes.is_empty()).await;
    let (mode, reason) = seen.modes[0].clone();
    assert_eq!(mode, TailMode::Polling);
    assert!(reason.unwrap().contains("access denied"));
    let expected = logs.write("s", &[(40, "polled")]);
    seen.until(&mut rx, |s| s.events.len() == 1).await;
    tail.stop().await;
    assert_eq!(seen.ids(), expected);
}

#[tokio::test]
async fn an_event_stored_a_minute_late_while_another_stream_advances_is_delivered_once() {
    let logs = FakeLogs::new(10);
    let timing = PollTiming {
        max_lookback: Duration::from_secs(120),
        ..quick()
    };
    let (tx, mut rx) = mpsc::channel(64);
    let tail = spawn_tail(logs.clone(), config(timing), tx);
    let mut seen = Seen::default();
    let mut expected = Vec::new();
    // Stream b moves a minute and more ahead: `resume` follows it, 5 ms behind.
    for t in (0..=60_000i64).step_by(1_000) {
        expected.extend(logs.write("b", &[(100_000 + t, "b")]));
    }
    let n = expected.len();
    seen.until(&mut rx, |s| s.events.len() == n).await;
    // Stream a's event, stamped 60 s before b's newest, is stored only now.
    expected.extend(logs.write_late("a", &[(100_000, "late a")], 160_000));
    let n = expected.len();
    seen.until(&mut rx, |s| s.events.len() == n).await;
    // The lag seen widens the lookback: the next late event of a is found by the regular scan too, and
    // nothing read again by the reconciliation scans is delivered twice.
    expected.extend(logs.write("b", &[(161_000, "b")]));
    expected.extend(logs.write_late("a", &[(101_500, "later a")], 161_500));
    let n = expected.len();
    seen.until(&mut rx, |s| s.events.len() >= n).await;
    seen.pump_calls(&mut rx, &logs, 5).await;
    let cursor = tail.stop().await;
    seen.drain(&mut rx);
    assert_exactly_once(&seen, &expected);
    assert_eq!(cursor.observed_lag(), 60_000);
}

#[tokio::test]
async fn memory_stays_bounded_by_the_lookback() {
    let logs = FakeLogs::new(50);
    let (tx, mut rx) = mpsc::channel(16);
    let tail = spawn_tail(logs.clone(), config(quick()), tx);
    let mut seen = Seen::default();
    for batch in 0..40i64 {
        let lines: Vec<(i64, &str)> = (0..25).map(|i| (batch * 100 + i, "x")).collect();
        logs.write("s", &lines);
        let want = (batch as usize + 1) * 25;
        seen.until(&mut rx, |s| s.events.len() >= want).await;
    }
    seen.pump_calls(&mut rx, &logs, 2).await;
    let cursor = tail.stop().await;
    // 1000 events delivered; with a 5 ms lookback only the last batch (25 ids) can still be read again.
    assert_eq!(seen.events.len(), 1000);
    assert!(
        cursor.remembered() <= 2 * 25,
        "remembered {}",
        cursor.remembered()
    );
}

#[test]
fn the_ring_buffer_keeps_the_newest_and_counts_the_dropped() {
    let mut buf = LogBuffer::new(3);
    for i in 0..10 {
        buf.push(LogEvent {
            event_id: None,
            stream: "s".into(),
            timestamp: i,
            ingestion_time: i,
            message: i.to_string(),
            request_id: None,
            apigw_request_id: None,
            kind: LineKind::Plain,
        });
        assert!(buf.len() <= 3);
    }
    assert_eq!(buf.dropped(), 7);
    let kept: Vec<&str> = buf.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(kept, ["7", "8", "9"]);
    assert_eq!(LogBuffer::new(0).capacity(), 1);
}

#[test]
fn since_accepts_units() {
    assert_eq!(parse_since("30s"), Ok(Duration::from_secs(30)));
    assert_eq!(parse_since("10m"), Ok(Duration::from_secs(600)));
    assert_eq!(parse_since("2h"), Ok(Duration::from_secs(7200)));
    assert_eq!(parse_since("1d"), Ok(Duration::from_secs(86_400)));
    assert_eq!(parse_since("45"), Ok(Duration::from_secs(45)));
    assert!(parse_since("10x").unwrap_err().contains("unknown unit"));
    assert!(parse_since("m").is_err());
}

#[tokio::test]
async fn a_following_tail_stops_on_a_failure_no_wait_can_mend() {
    let logs = FakeLogs::new(10);
    logs.write("s", &[(10, "never shown")]);
    logs.set(|s| s.faults = [Fault::Invalid].into_iter().collect());
    let (tx, mut rx) = mpsc::channel(16);
    let tail = spawn_tail(logs.clone(), config(quick()), tx);
    let mut seen = Seen::default();
    seen.until(&mut rx, |s| s.failed.is_some()).await;
    // The engine ends by itself: no retry loop on an invalid pattern.
    tail.finished().await;
    seen.drain(&mut rx);
    assert_eq!(seen.failed.unwrap().kind, ErrorKind::Validation);
    assert!(seen.events.is_empty());
    assert!(seen.troubles.is_empty(), "failed without retrying");
    assert_eq!(logs.state.lock().unwrap().calls, 1);
}

#[tokio::test]
async fn a_following_tail_waits_for_the_log_group_to_appear() {
    let logs = FakeLogs::new(10);
    // The function has not logged yet: the group is missing for the first calls.
    logs.set(|s| {
        s.faults = [Fault::NoGroup, Fault::NoGroup, Fault::NoGroup]
            .into_iter()
            .collect();
    });
    let (tx, mut rx) = mpsc::channel(16);
    let tail = spawn_tail(logs.clone(), config(quick()), tx);
    let mut seen = Seen::default();
    seen.until(&mut rx, |s| !s.troubles.is_empty()).await;
    let expected = logs.write("s", &[(20, "first line of the function")]);
    seen.until(&mut rx, |s| !s.events.is_empty()).await;
    tail.stop().await;
    seen.drain(&mut rx);
    assert_eq!(seen.ids(), expected);
    assert!(seen.failed.is_none());
    // Reported once, not once per call.
    assert_eq!(seen.troubles.len(), 1);
    assert_eq!(seen.troubles[0].kind, ErrorKind::NotFound);
}

#[tokio::test]
async fn a_live_tail_session_that_fails_at_once_is_reopened_with_a_growing_wait() {
    let logs = FakeLogs::new(10);
    logs.set(|s| s.live = Some(LiveMode::FailsAtOnce));
    let timing = quick();
    let (tx, mut rx) = mpsc::channel(16);
    let tail = spawn_tail(
        logs.clone(),
        TailConfig {
            live_tail: true,
            ..config(timing)
        },
        tx,
    );
    let mut seen = Seen::default();
    seen.until(&mut rx, |s| s.retries.len() >= 5).await;
    tail.stop().await;
    // fast, doubling, capped at max_backoff: 1, 2, 4, 8, 8 ms.
    assert_eq!(
        seen.retries[..5],
        [1, 2, 4, 8, 8].map(Duration::from_millis)
    );
    assert!(seen.troubles.iter().all(|e| e.operation == "StartLiveTail"));
    assert_eq!(seen.modes[0].0, TailMode::LiveTail);
}

/// Expired credentials (an SSO session that ran out) do not stop a following tail: it reports the
/// trouble once, waits with backoff, and resumes where it was once calls succeed again (after
/// `aws sso login` in another terminal), losing nothing.
#[tokio::test]
async fn a_following_tail_waits_out_expired_credentials_and_resumes() {
    let logs = FakeLogs::new(10);
    logs.write("s", &[(10, "before")]);
    logs.set(|s| s.faults = VecDeque::from([Fault::Expired; 4]));
    let (tx, mut rx) = mpsc::channel(64);
    let tail = spawn_tail(logs.clone(), config(quick()), tx);
    let mut seen = Seen::default();
    seen.until(&mut rx, |s| !s.events.is_empty()).await;
    logs.write("s", &[(20, "after the refresh")]);
    seen.until(&mut rx, |s| s.events.len() >= 2).await;
    tail.stop().await;
    seen.drain(&mut rx);
    assert_eq!(seen.messages(), ["before", "after the refresh"]);
    assert!(seen.failed.is_none(), "{:?}", seen.failed);
    let kinds: Vec<ErrorKind> = seen.troubles.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [ErrorKind::Credentials], "reported once");
}

/// A one-shot read (not following) has nobody waiting for it to recover: expired credentials end it.
#[tokio::test]
async fn a_one_shot_read_stops_on_expired_credentials() {
    let logs = FakeLogs::new(10);
    logs.set(|s| s.faults = VecDeque::from([Fault::Expired]));
    let (tx, mut rx) = mpsc::channel(64);
    let tail = spawn_tail(
        logs.clone(),
        TailConfig {
            follow: false,
            ..config(quick())
        },
        tx,
    );
    tail.finished().await;
    let mut seen = Seen::default();
    seen.drain(&mut rx);
    assert_eq!(
        seen.failed.map(|e| e.kind),
        Some(ErrorKind::Credentials),
        "{:?}",
        seen.troubles
    );
}

/// On AWS the first Live Tail session says, once, that it is billed; reopened sessions say nothing
/// more, and a local stack's sessions never say it.
#[tokio::test]
async fn the_first_live_tail_session_on_aws_says_once_that_it_is_billed() {
    for billed in [true, false] {
        let logs = FakeLogs::new(10);
        logs.set(|s| s.live = Some(LiveMode::Works));
        let (tx, mut rx) = mpsc::channel(64);
        let tail = spawn_tail(
            logs.clone(),
            TailConfig {
                live_tail: true,
                live_tail_billed: billed,
                ..config(quick())
            },
            tx,
        );
        let mut seen = Seen::default();
        seen.until(&mut rx, |s| !s.modes.is_empty()).await;
        for _ in 0..2 {
            logs.end_live_sessions();
            seen.pump_calls(&mut rx, &logs, 1).await;
        }
        logs.write("s", &[(10, "still live")]);
        seen.until(&mut rx, |s| !s.events.is_empty()).await;
        tail.stop().await;
        seen.drain(&mut rx);
        let want = billed.then(|| LIVE_TAIL_BILLED.to_owned());
        assert_eq!(seen.modes, [(TailMode::LiveTail, want)], "billed: {billed}");
    }
}
