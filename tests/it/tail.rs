//! The tail engine and the pinger against the local stack through lambdeck's own clients: exactly once
//! through a proxy that throttles and drops connections, Live Tail against polling on one workload,
//! and a ping linked to its log lines.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use lambdeck::aws::Clients;
use lambdeck::aws::logs::put_events;
use lambdeck::local::{LocalConfig, LocalServer};
use lambdeck::tail::{CloudWatch, LogEvent, PollTiming, TailConfig, TailMode, TailMsg, spawn_tail};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};

const GROUP: &str = "/aws/lambda/tail-test";

async fn clients(endpoint: &str) -> Clients {
    crate::support::local_clients(endpoint).await
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A TCP proxy in front of the local stack that can answer with throttling errors, refuse
/// connections, and cut the ones that are open.
#[derive(Clone)]
struct FaultyProxy {
    url: String,
    /// The next this-many requests get a 400 ThrottlingException.
    throttle: Arc<AtomicU32>,
    /// The next this-many connections are closed as soon as they are accepted.
    refuse: Arc<AtomicU32>,
    /// Bumping it cuts every open connection.
    cut: watch::Sender<u64>,
    /// Counts requests answered with a fault.
    faults: Arc<AtomicU32>,
}

impl FaultyProxy {
    async fn start(upstream: std::net::SocketAddr) -> FaultyProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy = FaultyProxy {
            url: format!("http://{}", listener.local_addr().unwrap()),
            throttle: Arc::default(),
            refuse: Arc::default(),
            cut: watch::channel(0).0,
            faults: Arc::default(),
        };
        let p = proxy.clone();
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let p = p.clone();
                tokio::spawn(async move {
                    if take(&p.refuse) {
                        p.faults.fetch_add(1, Ordering::SeqCst);
                        drop(client);
                        return;
                    }
                    if take(&p.throttle) {
                        p.faults.fetch_add(1, Ordering::SeqCst);
                        answer_throttled(&mut client).await;
                        return;
                    }
                    let Ok(mut server) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    let mut cut = p.cut.subscribe();
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
        proxy
    }

    fn cut_open_connections(&self) {
        self.cut.send_modify(|n| *n += 1);
    }
}

fn take(budget: &AtomicU32) -> bool {
    budget
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}

/// Reads one request and answers as CloudWatch Logs does when the account's quota is exceeded.
async fn answer_throttled(client: &mut TcpStream) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let Ok(n) = client.read(&mut chunk).await else {
            return;
        };
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf);
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())
                        .flatten()
                })
                .unwrap_or(0);
            if buf.len() >= end + 4 + length {
                break;
            }
        }
    }
    let body = r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#;
    let response = format!(
        "HTTP/1.1 400 Bad Request\r\nContent-Type: application/x-amz-json-1.1\r\n\
         x-amzn-RequestId: 00000000-0000-4000-8000-000000000000\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = client.write_all(response.as_bytes()).await;
    let _ = client.shutdown().await;
}

/// What a tail delivered, and what it reported.
#[derive(Default)]
struct Seen {
    events: Vec<LogEvent>,
    troubles: Vec<String>,
    modes: Vec<TailMode>,
    caught_up: bool,
}

impl Seen {
    fn take(&mut self, msg: TailMsg) {
        match msg {
            TailMsg::Events(e) => self.events.extend(e),
            TailMsg::Trouble { error, .. } => self.troubles.push(error.to_string()),
            TailMsg::Failed(error) => self.troubles.push(error.to_string()),
            TailMsg::Mode { mode, .. } => self.modes.push(mode),
            TailMsg::CaughtUp => self.caught_up = true,
            TailMsg::Recovered => {}
        }
    }

    /// Receives until `done` holds; the guard only turns a hang into a failure.
    async fn until(&mut self, rx: &mut mpsc::Receiver<TailMsg>, done: impl Fn(&Seen) -> bool) {
        let wait = async {
            while !done(self) {
                self.take(rx.recv().await.expect("the tail runs"));
            }
        };
        tokio::time::timeout(Duration::from_secs(120), wait)
            .await
            .expect("the tail delivers");
    }

    fn messages(&self) -> Vec<String> {
        self.events.iter().map(|e| e.message.clone()).collect()
    }
}

fn assert_each_once(seen: &Seen, expected: &[String]) {
    let mut got = seen.messages();
    got.sort();
    let mut want = expected.to_vec();
    want.sort();
    // As multisets: identical lines written twice must show twice, anything else once.
    assert_eq!(got.len(), want.len(), "as many events as written");
    assert_eq!(got, want);
}

fn polling(start_time: i64) -> TailConfig {
    TailConfig {
        timing: PollTiming {
            // Short waits: this test is about faults, not about being gentle with a quota.
            throttle_backoff: Duration::from_millis(50),
            max_backoff: Duration::from_millis(400),
            ..PollTiming::local()
        },
        ..TailConfig::new(GROUP, start_time)
    }
}

#[tokio::test]
async fn events_written_through_throttling_and_dropped_connections_arrive_exactly_once() {
    let server = LocalServer::start(LocalConfig::default()).await.unwrap();
    let direct = clients(&server.endpoint_url()).await;
    let proxy = FaultyProxy::start(server.addr()).await;
    let through_proxy = clients(&proxy.url).await;
    let start = now_ms() - 1000;
    let stream_a = "2026/11/24/[$LATEST]aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let stream_b = "2026/11/24/[$LATEST]bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    put_events(&direct, GROUP, stream_a, &[(now_ms(), "first".into())])
        .await
        .unwrap();
    let mut expected = vec!["first".to_owned()];

    let (tx, mut rx) = mpsc::channel(64);
    let tail = spawn_tail(
        CloudWatch {
            clients: through_proxy,
        },
        polling(start),
        tx,
    );
    let mut seen = Seen::default();
    seen.until(&mut rx, |s| s.events.len() == 1).await;

    for round in 0..6u32 {
        // More faults in a row than the SDK retries (4 attempts), so the engine itself sees them.
        if round % 2 == 0 {
            proxy.throttle.store(10, Ordering::SeqCst);
        } else {
            proxy.refuse.store(10, Ordering::SeqCst);
        }
        proxy.cut_open_connections();
        // Written while the tail cannot read; a new stream appears halfway.
        let stream = if round < 3 { stream_a } else { stream_b };
        let ts = now_ms();
        let lines: Vec<(i64, String)> = (0..5)
            .map(|i| (ts, format!("round {round} line {i}")))
            .collect();
        expected.extend(lines.iter().map(|(_, m)| m.clone()));
        put_events(&direct, GROUP, stream, &lines).await.unwrap();
        let want = expected.len();
        seen.until(&mut rx, |s| s.events.len() >= want).await;
    }
    // Some more scans over the same window, to give a duplicate every chance to appear.
    put_events(&direct, GROUP, stream_b, &[(now_ms(), "last".into())])
        .await
        .unwrap();
    expected.push("last".into());
    let want = expected.len();
    seen.until(&mut rx, |s| s.events.len() >= want).await;
    tail.activity().poke();
    put_events(
        &direct,
        GROUP,
        stream_a,
        &[(now_ms(), "after the poke".into())],
    )
    .await
    .unwrap();
    expected.push("after the poke".into());
    let want = expected.len();
    seen.until(&mut rx, |s| s.events.len() >= want).await;
    tail.stop().await;
    while let Ok(msg) = rx.try_recv() {
        seen.take(msg);
    }
    assert_each_once(&seen, &expected);
    assert!(
        proxy.faults.load(Ordering::SeqCst) >= 40,
        "faults were injected"
    );
    assert!(
        seen.troubles.iter().any(|t| t.contains("throttled")),
        "the engine saw throttling: {:?}",
        seen.troubles
    );
    assert!(
        seen.troubles.iter().any(|t| t.contains("unreachable")),
        "the engine saw dropped connections: {:?}",
        seen.troubles
    );
    assert!(seen.events.iter().any(|e| e.stream == stream_b));
    server.shutdown().await;
}

#[tokio::test]
async fn live_tail_and_polling_deliver_the_same_events() {
    let server = LocalServer::start(LocalConfig::default()).await.unwrap();
    let clients = clients(&server.endpoint_url()).await;
    let start = now_ms() - 1000;
    put_events(&clients, GROUP, "s/1", &[(now_ms(), "before both".into())])
        .await
        .unwrap();

    let (live_tx, mut live_rx) = mpsc::channel(64);
    let live = spawn_tail(
        CloudWatch {
            clients: clients.clone(),
        },
        TailConfig {
            live_tail: true,
            ..polling(start)
        },
        live_tx,
    );
    let (poll_tx, mut poll_rx) = mpsc::channel(64);
    let poll = spawn_tail(
        CloudWatch {
            clients: clients.clone(),
        },
        polling(start),
        poll_tx,
    );
    let mut live_seen = Seen::default();
    let mut poll_seen = Seen::default();
    live_seen
        .until(&mut live_rx, |s| s.modes.contains(&TailMode::LiveTail))
        .await;
    poll_seen.until(&mut poll_rx, |s| s.caught_up).await;

    // The workload: three streams (execution environments), lines in bursts, two identical lines in
    // one millisecond, a platform REPORT line.
    let mut expected = vec!["before both".to_owned()];
    for burst in 0..5 {
        for stream in ["s/1", "s/2", "s/3"] {
            let ts = now_ms();
            let mut lines = vec![
                (ts, format!("{stream} burst {burst}")),
                (ts, "twin".to_owned()),
                (ts, "twin".to_owned()),
            ];
            if burst == 4 {
                lines.push((
                    ts,
                    "REPORT RequestId: 8f5a2b1e-3c4d-4e5f-9a6b-7c8d9e0f1a2b\tDuration: 1.74 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 17 MB\t".to_owned(),
                ));
            }
            expected.extend(lines.iter().map(|(_, m)| m.clone()));
            put_events(&clients, GROUP, stream, &lines).await.unwrap();
        }
    }
    let want = expected.len();
    live_seen
        .until(&mut live_rx, |s| s.events.len() >= want)
        .await;
    poll_seen
        .until(&mut poll_rx, |s| s.events.len() >= want)
        .await;
    live.stop().await;
    poll.stop().await;
    while let Ok(m) = live_rx.try_recv() {
        live_seen.take(m);
    }
    while let Ok(m) = poll_rx.try_recv() {
        poll_seen.take(m);
    }
    assert_each_once(&live_seen, &expected);
    assert_each_once(&poll_seen, &expected);
    let key = |e: &LogEvent| (e.stream.clone(), e.timestamp, e.message.clone());
    let mut live_events: Vec<_> = live_seen.events.iter().map(key).collect();
    let mut poll_events: Vec<_> = poll_seen.events.iter().map(key).collect();
    live_events.sort();
    poll_events.sort();
    assert_eq!(live_events, poll_events);
    let report = live_seen.events.iter().find_map(LogEvent::report).unwrap();
    assert_eq!(report.billed_duration_ms, 2);
    server.shutdown().await;
}

#[tokio::test]
async fn a_missing_group_fails_a_one_shot_read_in_one_line() {
    let server = LocalServer::start(LocalConfig::default()).await.unwrap();
    let clients = clients(&server.endpoint_url()).await;
    let (tx, mut rx) = mpsc::channel(8);
    let tail = spawn_tail(
        CloudWatch { clients },
        TailConfig {
            follow: false,
            ..polling(0)
        },
        tx,
    );
    let mut seen = Seen::default();
    seen.until(&mut rx, |s| !s.troubles.is_empty()).await;
    tail.finished().await;
    let line = &seen.troubles[0];
    assert!(
        line.starts_with("FilterLogEvents log group /aws/lambda/tail-test: not found"),
        "{line}"
    );
    assert!(!line.contains('\n'));
    server.shutdown().await;
}

#[tokio::test]
async fn a_ping_is_linked_to_its_lambda_request_through_the_logs() {
    use lambdeck::config::StackSpec;
    use lambdeck::ping::{PingConfig, PingMsg, PingTarget, ProbeLinker, spawn_pinger};
    use lambdeck::stack::{load_stack, provision};

    let server = LocalServer::start(LocalConfig::default()).await.unwrap();
    let clients = clients(&server.endpoint_url()).await;
    let spec = StackSpec::parse("", "lambdeck.toml").unwrap();
    let stack = load_stack(&clients, &spec).await.unwrap();
    provision::up(
        &clients,
        &spec,
        &stack,
        Some(crate::support::hello_world_zip()),
    )
    .await
    .unwrap();
    let stack = load_stack(&clients, &spec).await.unwrap();
    let stage_url = stack.invoke_url().unwrap().to_owned();
    let targets: Vec<PingTarget> = stack
        .deployed_routes()
        .iter()
        .map(|r| PingTarget::on_stage(&stage_url, &r.method, &r.path))
        .collect();
    assert_eq!(targets.len(), 1);

    let (log_tx, mut log_rx) = mpsc::channel(64);
    let tail = spawn_tail(
        CloudWatch {
            clients: clients.clone(),
        },
        TailConfig::new(spec.function.log_group(), now_ms() - 1000),
        log_tx,
    );
    let (tx, mut rx) = mpsc::channel(16);
    let pinger = spawn_pinger(
        PingConfig {
            interval: Duration::from_millis(50),
            rounds: Some(3),
            ..PingConfig::new(targets)
        },
        tx,
        Some(tail.activity()),
    )
    .unwrap();
    let mut probes = Vec::new();
    while let Some(PingMsg::Probe(p)) = rx.recv().await {
        probes.push(*p);
    }
    pinger.finished().await;
    assert_eq!(probes.len(), 3);
    // AWS does not send the Lambda request id: link through the log line, as lambdeck does there, and
    // check it against the id the local stack sends.
    let mut linker = ProbeLinker::default();
    for p in &probes {
        assert_eq!(p.status, Some(200), "{p:?}");
        assert!(p.latency_ms.is_some() && p.bytes > 0);
        let mut as_on_aws = p.clone();
        as_on_aws.lambda_request_id = None;
        linker.expect(&as_on_aws);
    }
    let mut links = Vec::new();
    let wait = async {
        while links.len() < 3 {
            if let Some(TailMsg::Events(events)) = log_rx.recv().await {
                links.extend(events.iter().filter_map(|e| linker.link(e)));
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(120), wait)
        .await
        .expect("the log lines arrive");
    tail.stop().await;
    for link in &links {
        let probe = probes.iter().find(|p| p.seq == link.seq).unwrap();
        assert_eq!(
            probe.lambda_request_id.as_deref(),
            Some(link.lambda_request_id.as_str())
        );
    }
    server.shutdown().await;
}

#[tokio::test]
async fn live_tail_through_dropped_connections_delivers_each_event_once() {
    let server = LocalServer::start(LocalConfig::default()).await.unwrap();
    let direct = clients(&server.endpoint_url()).await;
    let proxy = FaultyProxy::start(server.addr()).await;
    let start = now_ms() - 1000;
    put_events(&direct, GROUP, "s/1", &[(now_ms(), "before".into())])
        .await
        .unwrap();
    let mut expected = vec!["before".to_owned()];
    let (tx, mut rx) = mpsc::channel(64);
    let tail = spawn_tail(
        CloudWatch {
            clients: clients(&proxy.url).await,
        },
        TailConfig {
            live_tail: true,
            ..polling(start)
        },
        tx,
    );
    let mut seen = Seen::default();
    seen.until(&mut rx, |s| {
        s.modes.contains(&TailMode::LiveTail) && s.events.len() == 1
    })
    .await;

    // The session's connection drops; lines are written before and after the engine reopens one.
    for round in 0..4 {
        proxy.cut_open_connections();
        let ts = now_ms();
        let lines: Vec<(i64, String)> = (0..4)
            .map(|i| (ts, format!("cut {round} line {i}")))
            .collect();
        expected.extend(lines.iter().map(|(_, m)| m.clone()));
        put_events(&direct, GROUP, "s/2", &lines).await.unwrap();
        let want = expected.len();
        seen.until(&mut rx, |s| s.events.len() >= want).await;
    }
    assert!(
        !seen.modes.contains(&TailMode::Polling),
        "a dropped session is reopened, not given up: {:?}",
        seen.troubles
    );
    assert!(
        seen.troubles.iter().any(|t| t.starts_with("StartLiveTail")),
        "the engine saw the sessions drop: {:?}",
        seen.troubles
    );

    // Now the service cannot be reached for longer than the SDK retries: the engine falls back to
    // polling, and what Live Tail showed is not shown again by the scans.
    proxy.refuse.store(8, Ordering::SeqCst);
    proxy.cut_open_connections();
    let ts = now_ms();
    let lines: Vec<(i64, String)> = (0..4).map(|i| (ts, format!("fallback {i}"))).collect();
    expected.extend(lines.iter().map(|(_, m)| m.clone()));
    put_events(&direct, GROUP, "s/3", &lines).await.unwrap();
    let want = expected.len();
    seen.until(&mut rx, |s| s.events.len() >= want).await;
    seen.until(&mut rx, |s| s.modes.contains(&TailMode::Polling))
        .await;
    put_events(&direct, GROUP, "s/1", &[(now_ms(), "polled".into())])
        .await
        .unwrap();
    expected.push("polled".into());
    let want = expected.len();
    seen.until(&mut rx, |s| s.events.len() >= want).await;
    tail.stop().await;
    while let Ok(msg) = rx.try_recv() {
        seen.take(msg);
    }
    assert_each_once(&seen, &expected);
    server.shutdown().await;
}

#[tokio::test]
async fn a_restarted_tail_continues_from_its_cursor_on_the_local_stack() {
    let server = LocalServer::start(LocalConfig::default()).await.unwrap();
    let clients = clients(&server.endpoint_url()).await;
    let start = now_ms() - 1000;
    let ts = now_ms();
    let first: Vec<(i64, String)> = (0..3).map(|i| (ts, format!("first {i}"))).collect();
    put_events(&clients, GROUP, "s/1", &first).await.unwrap();
    let mut expected: Vec<String> = first.iter().map(|(_, m)| m.clone()).collect();
    let (tx, mut rx) = mpsc::channel(64);
    let tail = spawn_tail(
        CloudWatch {
            clients: clients.clone(),
        },
        polling(start),
        tx,
    );
    let mut seen = Seen::default();
    seen.until(&mut rx, |s| s.events.len() == 3).await;
    let cursor = tail.stop().await;
    while let Ok(msg) = rx.try_recv() {
        seen.take(msg);
    }
    // Written while nothing tails: some in the very millisecond of the lines already shown, one in a
    // stream that did not exist.
    let more = vec![
        (ts, "same millisecond".to_owned()),
        (now_ms(), "later".to_owned()),
    ];
    put_events(&clients, GROUP, "s/1", &more).await.unwrap();
    put_events(&clients, GROUP, "s/new", &[(now_ms(), "new stream".into())])
        .await
        .unwrap();
    expected.extend(more.into_iter().map(|(_, m)| m));
    expected.push("new stream".into());
    let (tx, mut rx) = mpsc::channel(64);
    let tail = spawn_tail(
        CloudWatch { clients },
        TailConfig {
            resume: Some(cursor),
            ..polling(start)
        },
        tx,
    );
    // The restarted tail's first scan reads the whole window again (the first lines included): only
    // the new ones may come out of it.
    seen.caught_up = false;
    seen.until(&mut rx, |s| s.caught_up).await;
    let want = expected.len();
    seen.until(&mut rx, |s| s.events.len() >= want).await;
    let cursor = tail.stop().await;
    while let Ok(msg) = rx.try_recv() {
        seen.take(msg);
    }
    assert_each_once(&seen, &expected);
    assert!(cursor.resume_time() >= start);
    server.shutdown().await;
}

#[tokio::test]
async fn start_live_tail_reaches_a_custom_endpoint_without_the_streaming_host_prefix() {
    use lambdeck::aws::logs::{LiveQuery, group_arn, start_live_tail};
    // Without the prefix fix the SDK sends StartLiveTail to `stream-127.0.0.1`, which does not resolve.
    let server = LocalServer::start(LocalConfig::default()).await.unwrap();
    let clients = clients(&server.endpoint_url()).await;
    put_events(&clients, GROUP, "s", &[(now_ms(), "x".into())])
        .await
        .unwrap();
    let arn = group_arn(&clients, GROUP).await.unwrap();
    assert!(arn.ends_with(":log-group:/aws/lambda/tail-test"), "{arn}");
    let mut session = start_live_tail(
        &clients,
        &LiveQuery {
            group_arn: arn,
            pattern: None,
        },
    )
    .await
    .unwrap();
    put_events(&clients, GROUP, "s", &[(now_ms(), "pushed".into())])
        .await
        .unwrap();
    let wait = async {
        loop {
            let batch = session.next_batch().await.unwrap().expect("session open");
            if let Some(e) = batch.events.into_iter().next() {
                return e;
            }
        }
    };
    let event = tokio::time::timeout(Duration::from_secs(60), wait)
        .await
        .unwrap();
    assert_eq!(event.message, "pushed");
    assert_eq!(event.stream, "s");
    server.shutdown().await;
}

#[tokio::test]
async fn probes_record_failures_as_gaps() {
    use lambdeck::config::StackSpec;
    use lambdeck::ping::{LatencySeries, PingConfig, PingMsg, PingTarget, spawn_pinger};
    use lambdeck::stack::{load_stack, provision};

    let server = LocalServer::start(LocalConfig::default()).await.unwrap();
    let clients = clients(&server.endpoint_url()).await;
    let spec = StackSpec::parse("", "lambdeck.toml").unwrap();
    let stack = load_stack(&clients, &spec).await.unwrap();
    provision::up(
        &clients,
        &spec,
        &stack,
        Some(crate::support::hello_world_zip()),
    )
    .await
    .unwrap();
    let stack = load_stack(&clients, &spec).await.unwrap();
    let stage_url = stack.invoke_url().unwrap().to_owned();
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/tf-test", l.local_addr().unwrap())
    };
    let targets = vec![
        PingTarget::on_stage(&stage_url, "GET", "/hello_world"),
        // API Gateway answers a route the stage does not have with 403 Missing Authentication Token.
        PingTarget::on_stage(&stage_url, "GET", "/nope"),
        PingTarget::on_stage(&dead, "GET", "/hello_world"),
    ];
    let (tx, mut rx) = mpsc::channel(16);
    let pinger = spawn_pinger(
        PingConfig {
            interval: Duration::from_millis(10),
            rounds: Some(2),
            ..PingConfig::new(targets)
        },
        tx,
        None,
    )
    .unwrap();
    let mut probes = Vec::new();
    while let Some(PingMsg::Probe(p)) = rx.recv().await {
        probes.push(p);
    }
    pinger.finished().await;
    assert_eq!(probes.len(), 6);
    let mut series = LatencySeries::new(100);
    for p in &probes {
        series.record(p);
    }
    let ok = &probes[0];
    assert_eq!(ok.status, Some(200));
    assert_eq!(ok.bytes, 20, "{ok:?}");
    assert!(ok.apigw_request_id.is_some() && ok.lambda_request_id.is_some());
    let missing = &probes[1];
    assert_eq!(missing.status, Some(403));
    assert!(missing.apigw_request_id.is_some());
    assert_eq!(missing.lambda_request_id, None, "no function ran");
    let dead = &probes[2];
    assert_eq!((dead.status, dead.latency_ms), (None, None));
    assert!(
        dead.error
            .as_deref()
            .unwrap()
            .starts_with("connection failed"),
        "{dead:?}"
    );
    let gaps: Vec<bool> = series.points().map(|p| p.is_none()).collect();
    assert_eq!(gaps, [false, true, true, false, true, true]);
    let stats = series.stats();
    assert_eq!((stats.probes, stats.failures), (6, 4));
    assert!(stats.p50_ms.is_some() && stats.p99_ms.is_some());
    assert_eq!(
        probes.iter().map(|p| p.seq).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5, 6]
    );
    server.shutdown().await;
}

/// Runs the lambdeck binary against `endpoint` from a fresh project directory; the guard only turns a
/// hang into a failure.
async fn lambdeck(endpoint: &str, args: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("lambdeck.toml"), "region = \"us-east-1\"\n").unwrap();
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_lambdeck"))
        .arg("--endpoint-url")
        .arg(endpoint)
        .args(args)
        .current_dir(dir.path())
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    tokio::time::timeout(Duration::from_secs(120), child.wait_with_output())
        .await
        .expect("lambdeck finishes")
        .unwrap()
}

fn out(o: &std::process::Output) -> (Option<i32>, String, String) {
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// One line on stderr, with the right exit status.
fn assert_fails(o: &std::process::Output, code: i32, says: &str) {
    let (status, _, err) = out(o);
    assert_eq!(status, Some(code), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("lambdeck: error: "), "{err}");
    assert!(err.contains(says), "{err:?} should say {says:?}");
}

#[tokio::test]
async fn logs_and_ping_as_a_user_runs_them() {
    use lambdeck::config::StackSpec;
    use lambdeck::stack::{load_stack, provision};

    let server = LocalServer::start(LocalConfig::default()).await.unwrap();
    let url = server.endpoint_url();
    let clients = clients(&url).await;

    // Nothing deployed, nothing logged yet.
    assert_fails(
        &lambdeck(&url, &["logs"]).await,
        1,
        "the function has not logged anything yet",
    );
    assert_fails(
        &lambdeck(&url, &["logs", "--since", "banana"]).await,
        2,
        "--since \"banana\"",
    );
    assert_fails(
        &lambdeck(&url, &["ping", "--count", "0"]).await,
        2,
        "--count",
    );

    let spec = StackSpec::parse("", "lambdeck.toml").unwrap();
    let stack = load_stack(&clients, &spec).await.unwrap();
    provision::up(
        &clients,
        &spec,
        &stack,
        Some(crate::support::hello_world_zip()),
    )
    .await
    .unwrap();

    let o = lambdeck(
        &url,
        &["ping", "--count", "2", "--interval", "10", "--json"],
    )
    .await;
    let (status, stdout, err) = out(&o);
    assert_eq!(status, Some(0), "{err}");
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    let mut lambda_ids = Vec::new();
    for probe in &lines[..2] {
        assert_eq!(probe["type"], "probe");
        assert_eq!(probe["status"], 200);
        assert_eq!(probe["route"], "/hello_world");
        assert!(probe["latency_ms"].as_f64().unwrap() > 0.0);
        assert!(probe["bytes"].as_u64().unwrap() > 0);
        assert!(probe["apigw_request_id"].is_string());
        lambda_ids.push(probe["lambda_request_id"].as_str().unwrap().to_owned());
    }
    let summary = &lines[2];
    assert_eq!(summary["type"], "summary");
    assert_eq!(
        (summary["probes"].as_u64(), summary["failures"].as_u64()),
        (Some(2), Some(0))
    );
    assert_eq!(summary["linked"], 2);
    assert!(summary["p50_ms"].is_f64() && summary["p95_ms"].is_f64() && summary["p99_ms"].is_f64());

    // The two invocations' lines, as JSON: every line carries its request id; REPORT carries metrics.
    let o = lambdeck(&url, &["logs", "--since", "10m", "--json"]).await;
    let (status, stdout, err) = out(&o);
    assert_eq!(status, Some(0), "{err}");
    let events: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for e in &events {
        let rid = e["request_id"].as_str().unwrap_or_else(|| panic!("{e}"));
        assert!(lambda_ids.iter().any(|id| id == rid), "{e}");
        assert!(e["time"].as_str().unwrap().ends_with('Z'));
    }
    let reports: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e["kind"]["type"] == "report")
        .collect();
    assert_eq!(reports.len(), 2, "{stdout}");
    assert!(reports[0]["kind"]["billed_duration_ms"].as_u64().unwrap() >= 1);
    assert!(reports[0]["kind"]["memory_size_mb"].as_u64().unwrap() > 0);

    let o = lambdeck(&url, &["logs", "--filter", "REPORT"]).await;
    let (status, stdout, _) = out(&o);
    assert_eq!(status, Some(0));
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
    assert!(stdout.lines().all(|l| l.contains(" REPORT RequestId: ")));

    assert_fails(
        &lambdeck(&url, &["logs", "--filter", "\"unclosed"]).await,
        2,
        "invalid --filter",
    );
    // Following does not wait out an invalid pattern either.
    assert_fails(
        &lambdeck(&url, &["logs", "--follow", "--filter", "\"unclosed"]).await,
        2,
        "invalid --filter",
    );
    assert_fails(
        &lambdeck(&url, &["ping", "--route", "/nope"]).await,
        2,
        "deployed: /hello_world",
    );

    // The function is gone: the stage answers, the probe fails, the command says so.
    clients
        .lambda
        .delete_function()
        .function_name(&spec.function.name)
        .send()
        .await
        .unwrap();
    let o = lambdeck(&url, &["ping", "--count", "1"]).await;
    let (status, stdout, err) = out(&o);
    assert_eq!(status, Some(1), "{stdout}{err}");
    assert!(stdout.starts_with("#1 GET /hello_world 5"), "{stdout}");
    assert!(stdout.contains("1 probes, 1 failed"), "{stdout}");
    assert_fails(&o, 1, "every probe failed (1 of 1)");
    server.shutdown().await;

    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    // (Following waits a network failure out instead: it says so once and keeps trying.)
    for cmd in ["ping", "logs"] {
        assert_fails(&lambdeck(&dead, &[cmd]).await, 1, "endpoint unreachable");
    }
}

#[tokio::test]
async fn logs_follow_prints_a_line_written_after_it_started() {
    use tokio::io::AsyncBufReadExt;

    let server = LocalServer::start(LocalConfig::default()).await.unwrap();
    let url = server.endpoint_url();
    let clients = clients(&url).await;
    let group = "/aws/lambda/tf-test-rust-hello-world";
    put_events(&clients, group, "s", &[(now_ms(), "old line".into())])
        .await
        .unwrap();
    for extra in [&[][..], &["--no-live-tail"][..]] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("lambdeck.toml"), "region = \"us-east-1\"\n").unwrap();
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_lambdeck"))
            .args(["--endpoint-url", &url, "logs", "--follow", "--since", "1h"])
            .args(extra)
            .current_dir(dir.path())
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env_remove("AWS_PROFILE")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut stdout = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let mut stderr = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
        let wait = async {
            let mode = stderr.next_line().await.unwrap().unwrap();
            if extra.is_empty() {
                assert_eq!(mode, "lambdeck: following with Live Tail");
            } else {
                assert_eq!(mode, "lambdeck: following by polling FilterLogEvents");
            }
            let first = stdout.next_line().await.unwrap().unwrap();
            assert!(first.ends_with(" old line"), "{first}");
            let line = format!("new line {}", extra.len());
            put_events(&clients, group, "s", &[(now_ms(), line.clone())])
                .await
                .unwrap();
            // (What the first round wrote comes before it.)
            loop {
                let next = stdout.next_line().await.unwrap().unwrap();
                assert!(!next.ends_with("old line"), "printed once");
                if next.ends_with(&line) {
                    break;
                }
            }
        };
        tokio::time::timeout(Duration::from_secs(120), wait)
            .await
            .expect("the line is printed");
        child.kill().await.unwrap();
    }
    server.shutdown().await;
}
