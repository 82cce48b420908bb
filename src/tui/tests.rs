//! Whole-screen snapshots on a TestBackend (clock times masked by insta filters), and widget tests on
//! buffers.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;
use ratatui::widgets::Widget;

use super::app::{App, Effect, Overlay, StageChoice};
use super::command::Command;
use super::fixtures::{self, T0, invocation, later, probe};
use super::msg::Msg;
use super::ui;
use super::view::Pane;
use crate::stack::Drift as DriftState;

/// The screen as text, one line per row.
fn screen(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| ui::draw(f, app)).unwrap();
    text(terminal.backend().buffer())
}

/// insta settings that mask HH:MM:SS(.mmm) clock times, so snapshots do not depend on when a line was
/// logged or the test ran.
fn clock_filters() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"\d{2}:\d{2}:\d{2}\.\d{3}", "HH:MM:SS.mmm");
    settings.add_filter(r"\d{2}:\d{2}:\d{2}", "HH:MM:SS");
    settings
}

/// Snapshots the whole screen, clock times masked; the snapshot is named after the test.
macro_rules! assert_screen {
    ($app:expr, $width:expr, $height:expr) => {{
        let _clock = clock_filters().bind_to_scope();
        insta::assert_snapshot!(screen($app, $width, $height));
    }};
}

fn text(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

fn load(app: &mut App, drift: DriftState) {
    let effects = app.start(false);
    let Some(Effect::LoadStack { generation, .. }) = effects.first().cloned() else {
        panic!("start loads the stack: {effects:?}");
    };
    app.update(Msg::StackLoaded {
        generation,
        result: Ok(Box::new(fixtures::stack(drift))),
    });
}

fn fresh() -> App {
    App::new(
        "tf-test-rust-hello-world · local",
        std::time::Instant::now(),
    )
}

fn with_traffic(app: &mut App) {
    let latencies = [12.0, 14.0, 11.0, 30.0, 13.0, 12.5, 15.0, 11.0, 45.0, 12.0];
    for (i, l) in latencies.iter().enumerate() {
        let i = i as i64;
        let id = format!("req-{i}");
        app.update(Msg::Logs(invocation(i, &id)));
        app.update(Msg::Probe(probe(i, Some(200), Some(*l), &id)));
    }
    app.update(Msg::Probe(probe(10, None, None, "req-x")));
}

#[test]
fn snapshot_loading() {
    let mut app = fresh();
    app.start(false);
    later(&mut app, 1200);
    assert_screen!(&app, 100, 30);
}

#[test]
fn snapshot_in_sync() {
    let mut app = fresh();
    load(&mut app, DriftState::InSync);
    assert_screen!(&app, 100, 30);
}

#[test]
fn snapshot_stale_with_its_diff() {
    let mut app = fresh();
    load(&mut app, fixtures::stale_drift());
    // Select the stage: its details show the diff.
    for _ in 0..8 {
        app.update(Msg::Command(Command::Down));
    }
    assert_screen!(&app, 100, 30);
}

#[test]
fn snapshot_confirm_redeploy() {
    let mut app = fresh();
    load(&mut app, fixtures::stale_drift());
    app.update(Msg::Command(Command::Deploy));
    assert_screen!(&app, 100, 30);
}

#[test]
fn snapshot_build_in_progress() {
    let mut app = fresh();
    load(&mut app, DriftState::InSync);
    // On AWS `b` asks first; `y` builds.
    app.update(Msg::Command(Command::Build));
    let effects = app.update(Msg::Command(Command::Accept));
    let Some(Effect::Build { generation }) = effects.first().cloned() else {
        panic!("b builds: {effects:?}");
    };
    later(&mut app, 4300);
    app.update(Msg::Progress {
        generation,
        step: "compiling lambda_runtime".into(),
        progress: Some((57, 112)),
    });
    assert_screen!(&app, 100, 30);
}

#[test]
fn snapshot_build_error() {
    let mut app = fresh();
    load(&mut app, DriftState::InSync);
    // On AWS `b` asks first; `y` builds.
    app.update(Msg::Command(Command::Build));
    let effects = app.update(Msg::Command(Command::Accept));
    let Some(Effect::Build { generation }) = effects.first().cloned() else {
        panic!("b builds: {effects:?}");
    };
    app.update(Msg::ActionDone {
        generation,
        result: Err("error[E0425]: cannot find value `x` in this scope (src/lib.rs:12:5)".into()),
    });
    assert_screen!(&app, 100, 30);
}

#[test]
fn snapshot_pinging_with_the_chart() {
    let mut app = fresh();
    load(&mut app, DriftState::InSync);
    app.update(Msg::Command(Command::Ping));
    with_traffic(&mut app);
    // Select the second newest probe: its log lines light up.
    app.update(Msg::Command(Command::NextPane));
    app.update(Msg::Command(Command::Down));
    app.update(Msg::Command(Command::Down));
    assert_screen!(&app, 120, 40);
}

#[test]
fn snapshot_logs_filtered() {
    let mut app = fresh();
    load(&mut app, DriftState::InSync);
    with_traffic(&mut app);
    app.update(Msg::Command(Command::Filter));
    for c in "report".chars() {
        app.update(Msg::Command(Command::Type(c)));
    }
    app.update(Msg::Command(Command::Accept));
    assert_screen!(&app, 100, 30);
}

#[test]
fn snapshot_help() {
    let mut app = fresh();
    load(&mut app, DriftState::InSync);
    app.update(Msg::Command(Command::Help));
    assert_screen!(&app, 100, 30);
}

#[test]
fn snapshot_smallest_supported_terminal() {
    let mut app = fresh();
    load(&mut app, fixtures::stale_drift());
    with_traffic(&mut app);
    assert_screen!(&app, 80, 24);
}

#[test]
fn snapshot_help_on_the_smallest_supported_terminal() {
    let mut app = fresh();
    load(&mut app, DriftState::InSync);
    app.update(Msg::Command(Command::Help));
    assert_screen!(&app, 80, 24);
}

/// Selects the tree node with this key.
fn select(app: &mut App, key: &str) {
    app.tree_selected = app
        .visible_nodes()
        .iter()
        .position(|n| n.key == key)
        .unwrap();
}

#[test]
fn snapshot_test_invoke_response() {
    let mut app = fresh();
    load(&mut app, fixtures::stale_drift());
    select(&mut app, "api/res//hello_world/GET");
    let effects = app.update(Msg::Command(Command::Test));
    let Some(Effect::TestInvoke { generation, .. }) = effects.first().cloned() else {
        panic!("t tests the method: {effects:?}");
    };
    app.update(Msg::Answered {
        generation,
        result: Ok(fixtures::tested()),
    });
    assert_screen!(&app, 100, 30);
}

#[test]
fn snapshot_request_composer() {
    let mut app = fresh();
    load(&mut app, DriftState::InSync);
    let mut saved = crate::model::HttpRequest::new("POST", "/pets");
    saved.body = Some("@pet.json".into());
    app.saved_requests = vec![
        ("create-pet".into(), saved),
        (
            "hello".into(),
            crate::model::HttpRequest::new("GET", "/hello_world"),
        ),
    ];
    select(&mut app, "api/res//hello_world/GET");
    app.update(Msg::Command(Command::Compose));
    // From the path to the query.
    app.update(Msg::Command(Command::NextPane));
    for c in "verbose=1".chars() {
        app.update(Msg::Command(Command::Type(c)));
    }
    assert_screen!(&app, 100, 30);
}

#[test]
fn snapshot_confirm_send() {
    let mut app = fresh();
    load(&mut app, DriftState::InSync);
    app.update(Msg::Command(Command::Compose));
    app.update(Msg::Command(Command::PrevPane));
    app.update(Msg::Command(Command::Erase));
    app.update(Msg::Command(Command::Erase));
    app.update(Msg::Command(Command::Erase));
    for c in "DELETE".chars() {
        app.update(Msg::Command(Command::Type(c)));
    }
    app.update(Msg::Command(Command::Accept));
    assert_screen!(&app, 100, 30);
}

#[test]
fn snapshot_stage_response_with_its_log_lines() {
    let mut app = fresh();
    load(&mut app, DriftState::InSync);
    app.update(Msg::Logs(invocation(3, "L1")));
    app.update(Msg::Command(Command::Compose));
    let effects = app.update(Msg::Command(Command::Accept));
    let Some(Effect::Send { generation, .. }) = effects.first().cloned() else {
        panic!("Enter sends a GET unasked: {effects:?}");
    };
    app.update(Msg::Answered {
        generation,
        result: Ok(fixtures::sent("GET", "L1")),
    });
    assert_screen!(&app, 100, 30);
}

#[test]
fn tiny_terminals_do_not_panic() {
    let mut app = fresh();
    load(&mut app, fixtures::stale_drift());
    with_traffic(&mut app);
    for overlay in [
        Command::Help,
        Command::Deploy,
        Command::Rollback,
        Command::Compose,
    ] {
        app.update(Msg::Command(Command::Cancel));
        app.update(Msg::Command(overlay));
        for (w, h) in [(1, 1), (10, 3), (20, 8), (79, 23), (300, 100)] {
            let _ = screen(&app, w, h);
        }
    }
}

// ---- widgets on buffers ----

fn render<W: Widget>(w: W, width: u16, height: u16) -> Buffer {
    let mut buf = Buffer::empty(Rect::new(0, 0, width, height));
    w.render(buf.area, &mut buf);
    buf
}

fn find(buf: &Buffer, needle: &str) -> Option<(u16, u16)> {
    let t = text(buf);
    for (y, line) in t.lines().enumerate() {
        if let Some(byte) = line.find(needle) {
            let x = line[..byte].chars().count();
            return Some((x as u16, y as u16));
        }
    }
    None
}

#[test]
fn a_stale_stage_is_drawn_white_on_red_in_the_tree() {
    let app = fixtures::loaded(fixtures::stale_drift());
    let buf = render(ui::TreePane { app: &app }, 60, 16);
    let (x, y) = find(&buf, "STALE: 2 changes").expect("badge drawn");
    assert_eq!(buf[(x, y)].bg, Color::Red);
    assert_eq!(buf[(x, y)].fg, Color::White);
}

#[test]
fn missing_nodes_are_marked_in_red() {
    let mut app = fixtures::loaded(DriftState::InSync);
    if let Some(s) = app.stack.as_mut() {
        s.role = crate::stack::Found::Missing;
        app.nodes = super::tree::nodes(s);
    }
    let buf = render(ui::TreePane { app: &app }, 60, 16);
    let (x, y) = find(&buf, "✗").expect("missing mark");
    assert_eq!(buf[(x, y)].fg, Color::Red);
    assert!(find(&buf, "missing").is_some());
}

#[test]
fn the_log_pane_draws_only_the_newest_lines_that_fit() {
    let mut app = fixtures::loaded(DriftState::InSync);
    for i in 0..100_000 {
        app.update(Msg::Logs(vec![fixtures::event(
            T0 + i,
            &format!("line {i}"),
        )]));
    }
    let buf = render(ui::LogPane { app: &app }, 60, 7);
    assert!(find(&buf, "line 99999").is_some());
    assert!(find(&buf, "line 99995").is_some());
    assert!(find(&buf, "line 99994").is_none());
    assert!(find(&buf, "100000 lines").is_some());
}

#[test]
fn selecting_a_probe_highlights_its_log_lines_only() {
    let mut app = fixtures::loaded(DriftState::InSync);
    with_traffic(&mut app);
    app.focus = Pane::Pings;
    app.update(Msg::Command(Command::Down)); // newest (failed, req-x)
    app.update(Msg::Command(Command::Down)); // req-9
    assert_eq!(app.highlighted_request(), Some("req-9"));
    let buf = render(ui::LogPane { app: &app }, 100, 12);
    let (_, y) = find(&buf, "END RequestId: req-9").expect("line drawn");
    assert_eq!(buf[(20, y)].bg, Color::Blue);
    let (_, y8) = find(&buf, "END RequestId: req-8").expect("line drawn");
    assert_ne!(buf[(20, y8)].bg, Color::Blue);
}

#[test]
fn a_probe_shows_the_report_of_the_invocation_it_caused() {
    let mut app = fixtures::loaded(DriftState::InSync);
    with_traffic(&mut app);
    let buf = render(ui::PingPane { app: &app }, 110, 14);
    assert!(find(&buf, "[1.52 ms, 18 MB]").is_some(), "{}", text(&buf));
    assert!(find(&buf, "ERR").is_some());
}

#[test]
fn the_filters_mask_clock_times_only() {
    let _clock = clock_filters().bind_to_scope();
    insta::assert_snapshot!(
        "at 12:34:56.789 ok, 23:59:59; 12:34 1:2:3",
        @"at HH:MM:SS.mmm ok, HH:MM:SS; 12:34 1:2:3"
    );
}

#[test]
fn the_help_lists_every_key_even_on_80x24() {
    let mut app = fresh();
    load(&mut app, DriftState::InSync);
    app.update(Msg::Command(Command::Help));
    let s = screen(&app, 80, 24);
    // Two columns at this size, each help wrapped under itself: the key on the line where its help
    // starts, and every word of the help on screen.
    for b in super::command::NORMAL.iter().filter(|b| b.listed()) {
        let first = b.help.split_whitespace().next().unwrap();
        assert!(
            s.lines()
                .any(|l| l.contains(&format!(" {} ", b.keys)) && l.contains(first)),
            "{} is not listed:\n{s}",
            b.keys
        );
        for word in b.help.split_whitespace() {
            assert!(s.contains(word), "{word} of {}:\n{s}", b.keys);
        }
    }
    // The box fits: its bottom border is on screen.
    assert!(s.lines().any(|l| l.contains("└──")), "{s}");
    // The composer's and the response pane's keys, from their own tables.
    for what in [
        "wheel",
        "composer",
        "response",
        "Enter send",
        "s edit and send again",
    ] {
        assert!(s.contains(what), "{what}: {s}");
    }
}

#[test]
fn the_mouse_wheel_scrolls_the_pane_under_the_pointer() {
    use crossterm::event::{Event, KeyModifiers, MouseEvent, MouseEventKind};
    let mut app = fixtures::loaded(DriftState::InSync);
    with_traffic(&mut app);
    let screen_area = Rect::new(0, 0, 120, 40);
    let areas = ui::layout(screen_area);
    let wheel = |kind, at: Rect| {
        Event::Mouse(MouseEvent {
            kind,
            column: at.x + 2,
            row: at.y + 2,
            modifiers: KeyModifiers::NONE,
        })
    };
    let msg = super::runtime::event_msg(
        &wheel(MouseEventKind::ScrollUp, areas.logs),
        &app,
        screen_area,
    )
    .expect("the wheel over the logs scrolls them");
    app.update(msg);
    assert_eq!(app.log_back, 1);
    assert!(!app.follow);
    let msg = super::runtime::event_msg(
        &wheel(MouseEventKind::ScrollDown, areas.tree),
        &app,
        screen_area,
    )
    .expect("the wheel over the tree moves its selection");
    app.update(msg);
    assert_eq!(app.tree_selected, 1);
    let msg = super::runtime::event_msg(
        &wheel(MouseEventKind::ScrollDown, areas.pings),
        &app,
        screen_area,
    )
    .expect("the wheel over the pings selects one");
    app.update(msg);
    assert_eq!(app.probe_selected, Some(0));
    // Over the details pane (not a list) the wheel does nothing.
    assert!(
        super::runtime::event_msg(
            &wheel(MouseEventKind::ScrollDown, areas.details),
            &app,
            screen_area
        )
        .is_none()
    );
}

#[test]
fn a_selected_row_keeps_its_dim_text_readable() {
    let mut app = fixtures::loaded(DriftState::InSync);
    // The deployment history row: a dim mark and a dim badge.
    while app
        .selected_node()
        .is_some_and(|n| n.key != "api/deployments/d2")
    {
        app.update(Msg::Command(Command::Down));
    }
    let buf = render(ui::TreePane { app: &app }, 60, 16);
    let (x, y) = find(&buf, "· d2 2026").expect("row drawn");
    for dx in 0..20 {
        let cell = &buf[(x + dx, y)];
        assert_ne!(cell.fg, cell.bg, "invisible text at column {}", x + dx);
    }
}

#[test]
fn the_ping_pane_leaves_failed_probes_out_of_its_percentiles_as_lambdeck_ping_does() {
    let mut app = fixtures::loaded(DriftState::InSync);
    let mut series = crate::ping::LatencySeries::new(usize::MAX);
    let probes = [
        probe(1, Some(200), Some(10.0), "a"),
        probe(2, Some(200), Some(20.0), "b"),
        // A 5xx answers, and has a latency: it is a failure, not a data point.
        probe(3, Some(502), Some(900.0), "c"),
        probe(4, None, None, "d"),
    ];
    for p in probes {
        series.record(&p);
        app.update(Msg::Probe(p));
    }
    assert_eq!(ui::percentiles(&app), Some([10.0, 20.0, 20.0]));
    let stats = series.stats();
    assert_eq!(
        Some([10.0, 20.0, 20.0]),
        stats
            .p50_ms
            .zip(stats.p95_ms)
            .zip(stats.p99_ms)
            .map(|((a, b), c)| [a, b, c]),
        "the same figures as `lambdeck ping`"
    );
    let buf = render(ui::PingPane { app: &app }, 110, 14);
    assert!(find(&buf, "p99 20ms").is_some(), "{}", text(&buf));
    assert!(
        find(&buf, "900").is_some_and(|(_, y)| y > 0),
        "the 5xx is still listed"
    );
}

/// The app with two stages loaded and the tree's selection on `stage`'s node.
fn two_stages_on(stage: &str) -> App {
    let mut app = fresh();
    let effects = app.start(false);
    let Some(Effect::LoadStack { generation, .. }) = effects.first().cloned() else {
        panic!("start loads the stack: {effects:?}");
    };
    app.update(Msg::StackLoaded {
        generation,
        result: Ok(Box::new(fixtures::two_stages())),
    });
    let key = format!("api/stage/{stage}");
    app.tree_selected = app
        .visible_nodes()
        .iter()
        .position(|n| n.key == key)
        .expect("a stage node");
    app
}

#[test]
fn every_stage_shows_its_own_drift_in_the_tree() {
    let app = two_stages_on("prod");
    let s = screen(&app, 100, 30);
    assert!(s.contains("stage prod STALE: 1 change"), "{s}");
    assert!(s.contains("stage tf-test in sync"), "{s}");
    assert!(
        s.contains("+ GET /goodbye"),
        "prod's details show its diff:\n{s}"
    );
}

#[test]
fn equals_diffs_the_selected_stage_with_the_one_picked() {
    let mut app = two_stages_on("prod");
    assert!(app.update(Msg::Command(Command::Diff)).is_empty());
    assert_eq!(
        app.overlay,
        Overlay::StagePicker {
            choice: StageChoice::Diff,
            from: "prod".into(),
            selected: 0
        }
    );
    assert_screen!(&app, 100, 30);
    app.update(Msg::Command(Command::Accept));
    let Overlay::StageDiff(d) = &app.overlay else {
        panic!("{:?}", app.overlay)
    };
    assert_eq!((d.from.as_str(), d.to.as_str()), ("prod", "tf-test"));
    assert_eq!(d.changes.len(), 1);
    assert_eq!(d.changes[0].to_string(), "+ GET /goodbye");
    let s = screen(&app, 100, 30);
    assert!(
        s.contains("stage prod → stage tf-test: 1 change (+GET /goodbye)"),
        "{s}"
    );
    // Any key closes it.
    app.update(Msg::Command(Command::Down));
    assert_eq!(app.overlay, Overlay::None);
}

#[test]
fn promote_shows_the_diff_then_asks_before_it_moves_the_stage() {
    let mut app = two_stages_on("tf-test");
    app.update(Msg::Command(Command::Promote));
    app.update(Msg::Command(Command::Accept));
    let Overlay::ConfirmPromote { from, to, diff } = &app.overlay else {
        panic!("{:?}", app.overlay)
    };
    assert_eq!((from.as_str(), to.as_str()), ("tf-test", "prod"));
    // What prod would serve differently: the route it does not serve yet.
    assert_eq!(diff.changes[0].to_string(), "+ GET /goodbye");
    assert_screen!(&app, 100, 30);
    // n cancels: nothing happens.
    assert!(app.update(Msg::Command(Command::Cancel)).is_empty());
    assert_eq!(app.overlay, Overlay::None);
    app.update(Msg::Command(Command::Promote));
    app.update(Msg::Command(Command::Accept));
    let effects = app.update(Msg::Command(Command::Accept));
    assert!(
        matches!(&effects[..], [Effect::Promote { from, to, .. }] if from == "tf-test" && to == "prod"),
        "{effects:?}"
    );
    assert!(app.activity.is_some());
}

#[test]
fn promote_onto_a_stage_on_the_same_deployment_is_refused_with_a_line() {
    let mut app = two_stages_on("tf-test");
    if let Some(api) = app.stack.as_mut().and_then(|s| s.api.as_mut()) {
        api.stages[0].deployment_id = Some("d2".into());
    }
    app.update(Msg::Command(Command::Promote));
    assert!(app.update(Msg::Command(Command::Accept)).is_empty());
    assert_eq!(app.overlay, Overlay::None);
    let notice = app
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(notice.contains("already serves deployment d2"), "{notice}");
}

#[test]
fn a_lone_stage_has_nothing_to_diff_with() {
    let mut app = fresh();
    load(&mut app, DriftState::InSync);
    app.update(Msg::Command(Command::Diff));
    assert_eq!(app.overlay, Overlay::None);
    let notice = app
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(notice.contains("only stage"), "{notice}");
}

/// `w` on, and a save that does not compile: the header says the watch is on and failed, and the
/// compiler's error takes the log pane's place.
#[test]
fn snapshot_watch_with_a_compiler_error() {
    use crate::build::{BuildEvent, Diagnostic, Level as BuildLevel, Toolchain};
    use crate::watch::WatchEvent;
    let mut app = fresh();
    load(&mut app, DriftState::InSync);
    let effects = app.update(Msg::Command(Command::Watch));
    let [Effect::StartWatch { generation }] = effects[..] else {
        panic!("w starts the watch: {effects:?}");
    };
    for event in [
        WatchEvent::Watching {
            dir: "function".into(),
            profile: "dev".into(),
        },
        WatchEvent::Changed {
            paths: vec!["function/src/lib.rs".into()],
        },
        WatchEvent::Build(BuildEvent::Started {
            toolchain: Toolchain::Cargo,
            command: "cargo build".into(),
        }),
        WatchEvent::Build(BuildEvent::Diagnostic(Diagnostic {
            level: BuildLevel::Error,
            message: "mismatched types".into(),
            code: Some("E0308".into()),
            file: Some("src/lib.rs".into()),
            line: Some(20),
            column: Some(28),
            rendered: "error[E0308]: mismatched types\n  --> src/lib.rs:20:28\n   |\n20 | pub const GREETING: &str = 42;\n   |                            ^^ expected `&str`, found integer\n".into(),
        })),
        WatchEvent::Failed {
            reason: "cargo build failed".into(),
        },
        WatchEvent::Idle {
            elapsed_ms: 850,
            initial: false,
        },
    ] {
        app.update(Msg::Watch { generation, event });
    }
    let s = screen(&app, 100, 30);
    assert!(s.contains("watch: build failed"), "{s}");
    assert!(s.contains("expected `&str`, found integer"), "{s}");
    assert_screen!(&app, 100, 30);
}

/// A stage with a canary at 50%: the tree says so, the ping pane shows each deployment's figures and
/// which one answered each probe, and `C` opens the canary prompt.
#[test]
fn snapshot_canary_prompt_and_pings_per_deployment() {
    let mut app = fresh();
    load(&mut app, DriftState::InSync);
    let mut stack = app.stack.clone().unwrap();
    let stage = &mut stack.api.as_mut().unwrap().stages[0];
    stage.canary_deployment_id = Some("d3".into());
    stage.canary_percent = Some(crate::model::Percent(50.0));
    let generation = match app.update(Msg::Command(Command::Refresh))[..] {
        [Effect::LoadStack { generation, .. }] => generation,
        ref e => panic!("R reloads: {e:?}"),
    };
    app.update(Msg::StackLoaded {
        generation,
        result: Ok(Box::new(stack)),
    });
    app.update(Msg::Command(Command::Ping));
    for i in 0..6 {
        let mut p = probe(i, Some(200), Some(10.0 + i as f64), &format!("req-{i}"));
        p.deployment_id = Some(if i % 2 == 0 { "d2" } else { "d3" }.into());
        app.update(Msg::Probe(p));
    }
    let s = screen(&app, 100, 30);
    assert!(s.contains("canary d3"), "{s}");
    assert!(s.contains("d2 3 probes, 0% failed"), "{s}");
    assert!(s.contains("d3 3 probes, 0% failed"), "{s}");
    app.update(Msg::Command(Command::Canary));
    assert_screen!(&app, 100, 30);
}

/// The response pane scrolls until its last line is at the bottom, not past it: `k` after many `j`s
/// moves at once.
#[test]
fn the_response_pane_does_not_scroll_past_its_end() {
    let mut app = fresh();
    load(&mut app, DriftState::InSync);
    app.update(Msg::Logs(invocation(3, "L1")));
    app.update(Msg::Command(Command::Compose));
    let effects = app.update(Msg::Command(Command::Accept));
    let Some(Effect::Send { generation, .. }) = effects.first().cloned() else {
        panic!("Enter sends a GET unasked: {effects:?}");
    };
    app.update(Msg::Answered {
        generation,
        result: Ok(fixtures::sent("GET", "L1")),
    });
    // A short screen, so the answer and its log lines do not fit: the runtime's value after a frame.
    let area = Rect::new(0, 0, 80, 12);
    let max = ui::response_max_scroll(&app, area);
    assert!(max > 0, "the answer is longer than the pane");
    app.response_max_scroll = Some(max);
    let last = screen(&app, 80, 12);
    for _ in 0..50 {
        app.update(Msg::Command(Command::Down));
    }
    app.update(Msg::Command(Command::PageDown));
    assert_eq!(app.exchange.as_ref().unwrap().scroll, max);
    let at_end = screen(&app, 80, 12);
    assert_ne!(at_end, last, "scrolled");
    app.update(Msg::Command(Command::Up));
    assert_eq!(app.exchange.as_ref().unwrap().scroll, max - 1);
    assert_ne!(screen(&app, 80, 12), at_end, "one k moves the view");
}

/// The fixture's API with a second deployed route that requires an API key.
fn with_key_route(app: &mut App) {
    let api = app.stack.as_mut().unwrap().api.as_mut().unwrap();
    api.deployed
        .as_mut()
        .unwrap()
        .routes
        .push(crate::model::DeployedRoute {
            key: crate::model::RouteKey::new("GET", "/keyed"),
            authorization_type: "NONE".into(),
            api_key_required: true,
            integration_type: Some("AWS_PROXY".into()),
            integration_uri: None,
        });
}

#[test]
fn the_api_key_is_sent_only_to_routes_that_require_one_and_without_it_they_are_skipped() {
    let mut app = fixtures::loaded(DriftState::InSync);
    with_key_route(&mut app);
    let routes = |app: &App| -> Vec<(String, Option<String>)> {
        app.ping_plan_now()
            .unwrap()
            .targets
            .into_iter()
            .map(|t| (t.route, t.api_key))
            .collect()
    };
    assert_eq!(routes(&app), [("/hello_world".to_owned(), None)]);

    app.ping_api_key = Some("k-123".into());
    assert_eq!(
        routes(&app),
        [
            ("/hello_world".to_owned(), None),
            ("/keyed".to_owned(), Some("k-123".to_owned()))
        ]
    );
}

#[test]
fn a_private_api_or_a_disabled_default_endpoint_is_explained_instead_of_pinged() {
    let mut app = fixtures::loaded(DriftState::InSync);
    let api = app.stack.as_mut().unwrap().api.as_mut().unwrap();
    api.endpoint_types = vec!["PRIVATE".into()];
    let why = app.ping_plan_now().unwrap_err();
    assert!(
        why.contains("is PRIVATE") && why.contains("VPC endpoint"),
        "{why}"
    );

    let api = app.stack.as_mut().unwrap().api.as_mut().unwrap();
    api.endpoint_types = vec!["REGIONAL".into()];
    api.settings.disable_execute_api_endpoint = true;
    let why = app.ping_plan_now().unwrap_err();
    assert!(
        why.contains("disableExecuteApiEndpoint") && why.contains("custom domain"),
        "{why}"
    );
}
