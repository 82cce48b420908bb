//! Dashboard benchmarks: frame render time and memory with 100,000 log lines buffered (in process), and,
//! on the real binary in tmux against its own local stack, the time from start to a fully drawn tree and
//! the idle CPU over 10 s. Run with `cargo bench --bench tui`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use lambdeck::ping::Probe;
use lambdeck::tail::LogEvent;
use lambdeck::tui::msg::Msg;
use lambdeck::tui::{App, ui};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use lambdeck_test_support::{Tmux, project};

const LINES: usize = 100_000;

fn rss_kb(pid: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// One log event as the tail delivers it, classified by the tail's own parser.
fn event(timestamp: i64, request_id: &str, message: String) -> LogEvent {
    LogEvent {
        event_id: None,
        stream: "2026/11/24/[$LATEST]abc".into(),
        timestamp,
        ingestion_time: timestamp,
        kind: lambdeck::tail::parse::parse_line(&message).kind,
        message,
        request_id: Some(request_id.to_owned()),
        apigw_request_id: None,
    }
}

/// A dashboard holding `LINES` realistic log lines (START/line/END/REPORT per request) and 1,000 pings.
fn busy_app() -> App {
    let mut app = App::new("tf-test-rust-hello-world · local", Instant::now());
    let t0 = 1_795_000_000_000_i64;
    let mut batch = Vec::with_capacity(4);
    for i in 0..LINES / 4 {
        let id = format!("{:08x}-1f2e-4d3c-8b7a-{:012x}", i, i * 7);
        let ts = t0 + i as i64 * 40;
        batch.push(event(
            ts,
            &id,
            format!("START RequestId: {id} Version: $LATEST"),
        ));
        batch.push(event(
            ts + 1,
            &id,
            format!(
                "2026-11-24T16:00:00.000Z INFO hello_world: GET /hello_world apigw-request-id={i:x}-abcd"
            ),
        ));
        batch.push(event(ts + 2, &id, format!("END RequestId: {id}")));
        batch.push(event(
            ts + 3,
            &id,
            format!(
                "REPORT RequestId: {id}\tDuration: 1.52 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 18 MB"
            ),
        ));
        app.update(Msg::Logs(std::mem::take(&mut batch)));
        if i % 25 == 0 {
            app.update(Msg::Probe(Box::new(Probe {
                seq: i as u64,
                round: 1,
                method: "GET".into(),
                route: "/hello_world".into(),
                url: "http://127.0.0.1:4566/restapis/abc123/tf-test/_user_request_/hello_world"
                    .into(),
                sent_at: ts,
                status: Some(200),
                latency_ms: Some(10.0 + (i % 17) as f64),
                bytes: 20,
                apigw_request_id: None,
                lambda_request_id: Some(id),
                deployment_id: None,
                error: None,
                body: "\"Hello from Lambda!\"".into(),
            })));
        }
    }
    app
}

fn frame_times(app: &App, width: u16, height: u16, frames: usize) -> Vec<Duration> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    let mut times = Vec::with_capacity(frames);
    for _ in 0..frames {
        let start = Instant::now();
        terminal.draw(|f| ui::draw(f, app)).unwrap();
        times.push(start.elapsed());
    }
    times.sort();
    times
}

fn report(label: &str, times: &[Duration]) {
    let mean = times.iter().sum::<Duration>() / times.len() as u32;
    let p = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    println!(
        "{label}: mean {:.3} ms, p50 {:.3} ms, p99 {:.3} ms over {} frames",
        mean.as_secs_f64() * 1e3,
        p(0.5).as_secs_f64() * 1e3,
        p(0.99).as_secs_f64() * 1e3,
        times.len()
    );
}

fn in_process() {
    let before = rss_kb("self");
    let mut app = busy_app();
    let after = rss_kb("self");
    println!(
        "RSS with {LINES} log lines and 1000 pings buffered: {:.1} MB (the buffers: {:.1} MB)",
        after as f64 / 1024.0,
        after.saturating_sub(before) as f64 / 1024.0
    );
    report(
        "frame, 120x40, following",
        &frame_times(&app, 120, 40, 2000),
    );
    report(
        "frame, 250x70, following",
        &frame_times(&app, 250, 70, 1000),
    );
    app.update(Msg::Command(lambdeck::tui::command::Command::NextPane));
    app.update(Msg::Command(lambdeck::tui::command::Command::NextPane));
    for _ in 0..5 {
        app.update(Msg::Command(lambdeck::tui::command::Command::PageUp));
    }
    report(
        "frame, 120x40, scrolled back",
        &frame_times(&app, 120, 40, 2000),
    );
    app.update(Msg::Command(lambdeck::tui::command::Command::Filter));
    for c in "report".chars() {
        app.update(Msg::Command(lambdeck::tui::command::Command::Type(c)));
    }
    app.update(Msg::Command(lambdeck::tui::command::Command::Accept));
    report("frame, 120x40, filtered", &frame_times(&app, 120, 40, 2000));
}

/// Starts the dashboard in tmux and returns the session with the time until the tree is fully drawn.
fn start_until_tree(name: &str, dir: &Path) -> (Tmux, Duration) {
    let bin = env!("CARGO_BIN_EXE_lambdeck");
    let start = Instant::now();
    let tmux = Tmux::start(
        name,
        dir,
        &format!("LAMBDECK_BUILD_PROFILE=dev exec {bin} --local"),
    );
    loop {
        let screen = tmux.screen();
        // Fully drawn: the function, the API's route and the stage with its drift.
        if screen.contains("λ tf-test-rust-hello-world")
            && screen.contains("/hello_world")
            && screen.contains("stage tf-test")
            && (screen.contains("in sync") || screen.contains("STALE"))
        {
            return (tmux, start.elapsed());
        }
        assert!(
            start.elapsed() < Duration::from_secs(900),
            "no tree:\n{screen}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Waits for the dashboard's first setup (provisioning, upload, deploy) to finish.
fn until_ready(tmux: &Tmux) {
    let t = Instant::now();
    while !tmux.screen().contains("local stack ready") {
        assert!(
            t.elapsed() < Duration::from_secs(900),
            "setup never finished"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Quits the dashboard with q, then ends the session.
fn quit(tmux: Tmux, grace: Duration) {
    tmux.keys("q");
    std::thread::sleep(grace);
    drop(tmux);
}

fn cpu_ticks(pid: &str) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command name (which may contain spaces): utime is the 14th field, stime the 15th.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap()
}

fn real_binary() {
    if !Tmux::available() {
        println!("skipping the real-binary figures: tmux is not installed");
        return;
    }
    let dir = project();
    let name = format!("lambdeck-bench-{}", std::process::id());

    let (tmux, cold) = start_until_tree(&name, dir.path());
    // Let the first run finish its setup before quitting it.
    until_ready(&tmux);
    quit(tmux, Duration::from_secs(2));
    println!(
        "start to a fully drawn tree, first run (empty local stack): {:.0} ms",
        cold.as_secs_f64() * 1e3
    );

    let mut warm = Vec::new();
    for _ in 0..5 {
        let (tmux, t) = start_until_tree(&name, dir.path());
        warm.push(t);
        quit(tmux, Duration::from_secs(1));
    }
    warm.sort();
    println!(
        "start to a fully drawn tree, stack in place: median {:.0} ms (min {:.0}, max {:.0}, 5 runs)",
        warm[2].as_secs_f64() * 1e3,
        warm[0].as_secs_f64() * 1e3,
        warm[4].as_secs_f64() * 1e3
    );

    // Idle: the stack shown, setup done, pinging stopped; only the log tail's slow idle poll remains.
    let (tmux, _) = start_until_tree(&name, dir.path());
    let pid = tmux.pid();
    until_ready(&tmux);
    std::thread::sleep(Duration::from_secs(1));
    tmux.keys("p");
    std::thread::sleep(Duration::from_secs(3));
    let hz: f64 = String::from_utf8_lossy(
        &Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .unwrap()
            .stdout,
    )
    .trim()
    .parse()
    .unwrap_or(100.0);
    let before = cpu_ticks(&pid);
    let wall = Instant::now();
    std::thread::sleep(Duration::from_secs(10));
    let ticks = cpu_ticks(&pid) - before;
    let secs = wall.elapsed().as_secs_f64();
    println!(
        "idle CPU of the real dashboard (with its in-process local stack and log tail) over {secs:.1} s: {:.2}% ({ticks} ticks of 1/{hz} s)",
        ticks as f64 / hz / secs * 100.0
    );
    println!(
        "RSS of the real dashboard, idle: {:.1} MB",
        rss_kb(&pid) as f64 / 1024.0
    );
    quit(tmux, Duration::from_secs(1));
}

fn main() {
    in_process();
    real_binary();
}
