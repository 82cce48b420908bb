//! The dashboard's state and its update function: `Msg` in, state changed, `Effect`s out. No I/O here, so
//! every transition is tested without a terminal or a network.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

use super::command::{Command, Mode};
use super::compose::{Composer, Exchange, SendTo};
use super::msg::{Answer, Msg, Outcome};
use super::tree;
pub use super::view::Level;
use super::view::{LogLine, Pane, ProbeRow, TreeNode};
use crate::build::UploadReport;
use crate::model::HttpRequest;
use crate::ping::{
    DeploymentSplit, LatencySeries, PingPlan, PingTarget, Probe, ProbeLinker, Unpingable,
    stage_targets,
};
use crate::request::RequestLog;
use crate::stack::deploy::{StageAction, rollback_target};
use crate::stack::{Deployment, Drift, Stack};
use crate::tail::LogEvent;

mod canary;
mod stages;
mod watch;
pub use canary::{CanaryAction, CanaryPrompt};
pub use stages::StageChoice;
pub use watch::{WatchPhase, WatchView};

/// How many log lines the pane keeps; older ones are dropped and counted.
pub const LOG_CAPACITY: usize = 100_000;
/// How many probes the ping pane keeps.
pub const PROBE_CAPACITY: usize = 1_000;
/// How many REPORT metrics are kept for correlation with probes.
const REPORT_CAPACITY: usize = 4_096;
/// The window the latency percentiles are computed over.
pub const LATENCY_WINDOW: usize = 100;
const PAGE: usize = 10;
/// How many sent requests the composer recalls.
pub const HISTORY_CAPACITY: usize = 50;
/// How many recent log events (of some Lambda request) are kept for a response that arrives after
/// its invocation's lines (the local stack writes them before it answers).
const RECENT_EVENTS: usize = 512;

/// Work the runtime does for the app: each becomes a worker task that answers with `Msg`s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Read the stack and its drift; on `R`, Terraform's state first (a project with a Terraform
    /// folder), since an apply elsewhere may have changed what it manages.
    LoadStack {
        generation: u64,
        terraform: bool,
    },
    /// With --local: provision what is missing, build and upload, deploy when stale.
    Bootstrap {
        generation: u64,
    },
    /// Build the function and upload it.
    Build {
        generation: u64,
    },
    /// Deploy the working API onto the stage; `stack` is what the user saw and confirmed.
    Deploy {
        generation: u64,
        stack: Box<Stack>,
    },
    /// Point the stage at an earlier deployment.
    Rollback {
        generation: u64,
        stack: Box<Stack>,
        deployment_id: String,
    },
    /// Point stage `to` at the deployment stage `from` serves; `stack` is what the user saw.
    Promote {
        generation: u64,
        stack: Box<Stack>,
        from: String,
        to: String,
    },
    /// Probe these routes of the stage, every second, until stopped (replaces a running pinger).
    StartPing {
        targets: Vec<PingTarget>,
    },
    StopPing,
    StartTail,
    /// Run the request through the working API's method (TestInvokeMethod).
    TestInvoke {
        generation: u64,
        stack: Box<Stack>,
        request: HttpRequest,
    },
    /// Send the request to the stage.
    Send {
        generation: u64,
        stage_url: String,
        request: HttpRequest,
    },
    /// Watch the function crate (the watch engine), answering with `Msg::Watch` of this generation.
    StartWatch {
        generation: u64,
    },
    StopWatch,
    /// Deploy, promote or cancel a canary release on stage `stage`; `stack` is what the user saw.
    Canary {
        generation: u64,
        stack: Box<Stack>,
        stage: String,
        action: CanaryAction,
    },
}

/// A long action in flight: drawn as a spinner with elapsed time, or a gauge when progress is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    pub generation: u64,
    pub kind: ActivityKind,
    pub started: Instant,
    pub step: String,
    pub progress: Option<(u64, u64)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityKind {
    Bootstrap,
    Build,
    Deploy,
    Rollback,
    Promote,
    Canary,
}

impl ActivityKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::Bootstrap => "setting up the local stack",
            Self::Build => "build + upload",
            Self::Deploy => "deploying",
            Self::Rollback => "rolling back",
            Self::Promote => "promoting",
            Self::Canary => "canary",
        }
    }
}

/// The last outcome, shown until the next one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub level: Level,
    pub text: String,
}

/// What sits on top of the panes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    None,
    Help,
    ConfirmDeploy,
    /// On AWS, `b` replaces the code `$LATEST` serves live: asked first.
    ConfirmBuild,
    Rollback {
        selected: usize,
    },
    /// The request composer (its form is `App::composer`).
    Composer,
    /// A request with a method that may change data, composed for the stage: asked first.
    ConfirmSend,
    /// The answer of a test invoke or a request (`App::exchange`).
    Response,
    /// The other stage for a diff or a promote of stage `from`.
    StagePicker {
        choice: StageChoice,
        from: String,
        selected: usize,
    },
    /// The diff from one stage to another; any key closes it.
    StageDiff(Box<crate::stack::stages::StageDiff>),
    /// Promote `from` onto `to`: `diff` is what `to` would serve differently; y/n.
    ConfirmPromote {
        from: String,
        to: String,
        diff: Box<crate::stack::stages::StageDiff>,
    },
    /// The canary prompt of a stage: set the percent, promote, cancel.
    Canary(CanaryPrompt),
}

/// The log pane's buffer: bounded, with an index of the lines the filter keeps so that drawing touches
/// only the visible window, however many lines are buffered.
#[derive(Debug, Clone, Default)]
pub struct LogBuffer {
    lines: VecDeque<LogLine>,
    /// Sequence number of `lines[0]`; every line ever pushed has one.
    first_seq: u64,
    capacity: usize,
    dropped: u64,
    /// Lowercased filter; empty keeps everything.
    filter: String,
    /// Sequence numbers of the lines the filter keeps (only used when the filter is set).
    matches: VecDeque<u64>,
}

impl LogBuffer {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            ..Self::default()
        }
    }

    /// Adds a line; returns whether the filter shows it.
    pub fn push(&mut self, line: LogLine) -> bool {
        if self.lines.len() == self.capacity {
            self.lines.pop_front();
            self.first_seq += 1;
            self.dropped += 1;
            while self.matches.front().is_some_and(|s| *s < self.first_seq) {
                self.matches.pop_front();
            }
        }
        let seq = self.first_seq + self.lines.len() as u64;
        let shown = self.keeps(&line);
        if shown && !self.filter.is_empty() {
            self.matches.push_back(seq);
        }
        self.lines.push_back(line);
        shown
    }

    fn keeps(&self, line: &LogLine) -> bool {
        self.filter.is_empty() || line.message.to_lowercase().contains(&self.filter)
    }

    pub fn set_filter(&mut self, filter: &str) {
        self.filter = filter.to_lowercase();
        self.matches.clear();
        if !self.filter.is_empty() {
            let first = self.first_seq;
            let kept: Vec<u64> = self
                .lines
                .iter()
                .enumerate()
                .filter(|(_, l)| l.message.to_lowercase().contains(&self.filter))
                .map(|(i, _)| first + i as u64)
                .collect();
            self.matches.extend(kept);
        }
    }

    pub fn filter(&self) -> &str {
        &self.filter
    }

    /// Lines the filter shows.
    pub fn visible_len(&self) -> usize {
        if self.filter.is_empty() {
            self.lines.len()
        } else {
            self.matches.len()
        }
    }

    /// The i-th shown line.
    pub fn visible(&self, i: usize) -> Option<&LogLine> {
        if self.filter.is_empty() {
            self.lines.get(i)
        } else {
            let seq = *self.matches.get(i)?;
            let idx = usize::try_from(seq - self.first_seq).ok()?;
            self.lines.get(idx)
        }
    }

    pub fn total(&self) -> usize {
        self.lines.len()
    }

    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    pub fn clear(&mut self) {
        self.first_seq += self.lines.len() as u64;
        self.lines.clear();
        self.matches.clear();
    }
}

/// The one owner of the dashboard's state.
#[derive(Debug, Clone)]
pub struct App {
    /// "tf-test-rust-hello-world · local".
    pub title: String,
    pub now: Instant,
    pub focus: Pane,
    pub overlay: Overlay,
    /// The filter being typed, while the prompt is open; the filter it replaces.
    pub filter_edit: Option<(String, String)>,
    /// The stack as the last load found it.
    pub stack: Option<Stack>,
    /// The tree drawn from it (kept, so that drawing does not rebuild it every frame).
    pub nodes: Vec<TreeNode>,
    /// The last load failed (the previous stack, if any, stays on screen).
    pub stack_error: Option<String>,
    /// A stack load is in flight, since then.
    pub loading: Option<Instant>,
    pub collapsed: HashSet<String>,
    /// Index into the visible tree rows.
    pub tree_selected: usize,
    pub activity: Option<Activity>,
    pub notice: Option<Notice>,
    pub pinging: bool,
    /// What the running pinger calls (empty when not pinging).
    pub ping_targets: Vec<PingTarget>,
    /// The routes the running pinger leaves alone, each with why ("POST /items: POST may change data…").
    pub ping_skipped: Vec<String>,
    /// Probes whose Lambda request is not known yet (on AWS it is found in the logs, through the line
    /// the function writes for each request): the engine's linker, as `lambdeck ping` uses it.
    linker: ProbeLinker,
    /// The latest probes' latencies, failures as gaps: the engine's series, as `lambdeck ping` keeps it,
    /// so both report the same percentiles.
    pub latency: LatencySeries,
    /// The same probes per deployment that served them (two sides during a canary release), as
    /// `lambdeck ping` splits them.
    pub split: DeploymentSplit,
    /// How the log tail follows ("live tail", "polling"), once it says.
    pub log_source: Option<String>,
    /// Newest last.
    pub probes: VecDeque<ProbeRow>,
    /// Selected probe, counted from the newest (0 = newest).
    pub probe_selected: Option<usize>,
    pub logs: LogBuffer,
    /// Lines scrolled back from the bottom of the log pane (0 = at the bottom).
    pub log_back: usize,
    pub follow: bool,
    /// REPORT metrics by request id, so that a probe shows the metrics of the invocation it caused.
    pub reports: HashMap<String, String>,
    report_order: VecDeque<String>,
    /// Start pinging as soon as a load brings the stage URL (after the local stack's setup).
    pub ping_when_loaded: bool,
    stack_generation: u64,
    action_generation: u64,
    /// The stack is lambdeck's local one (no confirmation before replacing its code).
    pub local: bool,
    /// Routes lambdeck.toml lets the pinger call whatever their method (`ping = true`).
    pub ping_opt_in: Vec<crate::model::RouteKey>,
    /// Sent as `x-api-key` to routes that require one (`[ping] api_key`, `LAMBDECK_API_KEY`).
    pub ping_api_key: Option<String>,
    /// The composer's form, kept between openings.
    pub composer: Option<Composer>,
    /// The last test invoke or request, shown in the response pane.
    pub exchange: Option<Exchange>,
    exchange_generation: u64,
    /// Sent requests, as composed, newest first.
    pub history: VecDeque<HttpRequest>,
    /// `[requests.<name>]` from lambdeck.toml, in name order.
    pub saved_requests: Vec<(String, HttpRequest)>,
    /// The latest log events of Lambda requests, for a response that comes after its log lines.
    recent_events: VecDeque<LogEvent>,
    /// How far the response pane can scroll on the screen last drawn (the runtime sets it after each
    /// frame); None before the first.
    pub response_max_scroll: Option<usize>,
    /// Watch mode (`w`), while on.
    pub watch: Option<WatchView>,
    watch_generation: u64,
    pub quit: bool,
}

impl App {
    pub fn new(title: impl Into<String>, now: Instant) -> Self {
        Self {
            title: title.into(),
            now,
            focus: Pane::Tree,
            overlay: Overlay::None,
            filter_edit: None,
            stack: None,
            nodes: Vec::new(),
            stack_error: None,
            loading: None,
            collapsed: HashSet::new(),
            tree_selected: 0,
            activity: None,
            notice: None,
            pinging: false,
            ping_targets: Vec::new(),
            ping_skipped: Vec::new(),
            linker: ProbeLinker::default(),
            latency: LatencySeries::new(LATENCY_WINDOW),
            split: DeploymentSplit::new(LATENCY_WINDOW),
            log_source: None,
            probes: VecDeque::new(),
            probe_selected: None,
            logs: LogBuffer::new(LOG_CAPACITY),
            log_back: 0,
            follow: true,
            reports: HashMap::new(),
            report_order: VecDeque::new(),
            ping_when_loaded: false,
            stack_generation: 0,
            action_generation: 0,
            local: false,
            ping_opt_in: Vec::new(),
            ping_api_key: None,
            composer: None,
            exchange: None,
            exchange_generation: 0,
            history: VecDeque::new(),
            saved_requests: Vec::new(),
            recent_events: VecDeque::new(),
            response_max_scroll: None,
            watch: None,
            watch_generation: 0,
            quit: false,
        }
    }

    /// The effects to run at start: with the local stack, set it up first (which then loads, tails and
    /// pings); against AWS, load the stack and tail its logs.
    /// Sizes the log pane's ring buffer (`--log-lines`), emptying it: called before the first line.
    pub fn set_log_capacity(&mut self, capacity: usize) {
        self.logs = LogBuffer::new(capacity);
    }

    pub fn start(&mut self, local: bool) -> Vec<Effect> {
        self.local = local;
        if local {
            let generation = self.begin(ActivityKind::Bootstrap, "starting the local stack");
            // The tree shows what exists while the setup runs; the setup's end refreshes it.
            vec![Effect::Bootstrap { generation }, self.refresh()]
        } else {
            vec![self.refresh(), Effect::StartTail]
        }
    }

    /// Which keymap applies.
    pub fn mode(&self) -> Mode {
        if self.filter_edit.is_some() {
            return Mode::FilterInput;
        }
        match self.overlay {
            Overlay::None => Mode::Normal,
            Overlay::Help | Overlay::StageDiff(_) => Mode::Help,
            Overlay::ConfirmDeploy
            | Overlay::ConfirmBuild
            | Overlay::ConfirmSend
            | Overlay::ConfirmPromote { .. } => Mode::Confirm,
            Overlay::Rollback { .. } | Overlay::StagePicker { .. } => Mode::Picker,
            Overlay::Composer => Mode::Compose,
            Overlay::Response => Mode::Response,
            Overlay::Canary(_) => Mode::Canary,
        }
    }

    /// True while something on screen moves on its own (a spinner), so the runtime ticks.
    pub fn animating(&self) -> bool {
        self.activity.is_some()
            || self.loading.is_some()
            || self.exchange.as_ref().is_some_and(Exchange::in_flight)
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::Command(c) => self.command(c),
            Msg::Scroll { pane, down } => {
                let c = if down { Command::Down } else { Command::Up };
                self.move_in(pane, c);
                vec![]
            }
            Msg::Tick | Msg::Resize => vec![],
            Msg::StackLoaded { generation, result } => self.stack_loaded(generation, result),
            Msg::Progress {
                generation,
                step,
                progress,
            } => {
                if let Some(a) = self
                    .activity
                    .as_mut()
                    .filter(|a| a.generation == generation)
                {
                    a.step = step;
                    a.progress = progress;
                }
                vec![]
            }
            Msg::ActionDone { generation, result } => self.action_done(generation, result),
            Msg::Probe(p) => {
                self.push_probe(*p);
                vec![]
            }
            Msg::Logs(events) => {
                for event in events {
                    self.push_log(event);
                }
                vec![]
            }
            Msg::WorkerNotice { level, text } => {
                self.notice(level, text);
                vec![]
            }
            Msg::LogSource(source) => {
                self.log_source = Some(source);
                vec![]
            }
            Msg::Answered { generation, result } => {
                self.answered(generation, result);
                vec![]
            }
            Msg::Watch { generation, event } => self.watch_event(generation, event),
            Msg::WatchEnded { generation, error } => {
                self.watch_ended(generation, error);
                vec![]
            }
        }
    }

    fn command(&mut self, c: Command) -> Vec<Effect> {
        if c == Command::Quit {
            self.quit = true;
            return vec![Effect::StopPing];
        }
        match self.mode() {
            Mode::FilterInput => {
                self.filter_key(c);
                vec![]
            }
            Mode::Help => {
                self.overlay = Overlay::None;
                vec![]
            }
            Mode::Confirm => self.confirm_key(c),
            Mode::Picker => self.picker_key(c),
            Mode::Compose => self.composer_key(c),
            Mode::Response => self.response_key(c),
            Mode::Canary => self.canary_key(c),
            Mode::Normal => self.normal_key(c),
        }
    }

    fn normal_key(&mut self, c: Command) -> Vec<Effect> {
        match c {
            Command::Up
            | Command::Down
            | Command::PageUp
            | Command::PageDown
            | Command::Top
            | Command::Bottom => self.move_in(self.focus, c),
            Command::Expand | Command::Collapse | Command::Toggle => self.expand(c),
            Command::NextPane => self.focus = self.focus.next(),
            Command::PrevPane => self.focus = self.focus.prev(),
            Command::Build => {
                if self.refuse_if_busy() {
                    return vec![];
                }
                if !self.local && self.stack.as_ref().is_none_or(crate::stack::latest_is_live) {
                    // Real traffic runs on $LATEST: replacing it is asked for, never a keystroke away.
                    // A stage whose integrations invoke an alias or a version is not changed by it.
                    self.overlay = Overlay::ConfirmBuild;
                    return vec![];
                }
                let generation = self.begin(ActivityKind::Build, "building");
                return vec![Effect::Build { generation }];
            }
            Command::Deploy => {
                if self.refuse_if_busy() {
                    return vec![];
                }
                if self.stack.is_none() {
                    self.notice(
                        Level::Error,
                        "the stack is not loaded yet; press R to refresh",
                    );
                    return vec![];
                }
                self.overlay = Overlay::ConfirmDeploy;
            }
            Command::Rollback => {
                if self.refuse_if_busy() {
                    return vec![];
                }
                let deployments = self.deployments();
                if deployments.len() < 2 {
                    self.notice(Level::Warning, "no earlier deployment to roll back to");
                    return vec![];
                }
                // Default to the deployment `lambdeck rollback` would pick (the one lambdeck made for
                // this stage before the current one); without one, the next older (the user picks).
                let current = deployments
                    .iter()
                    .position(|d| self.is_current(d))
                    .unwrap_or(0);
                let selected = self
                    .stack
                    .as_ref()
                    .and_then(|s| {
                        let api = s.api.as_ref()?;
                        rollback_target(api, &s.names.stage, None).ok()
                    })
                    .and_then(|target| deployments.iter().position(|d| d.id == target.id))
                    .unwrap_or(if current + 1 < deployments.len() {
                        current + 1
                    } else {
                        0
                    });
                self.overlay = Overlay::Rollback { selected };
            }
            Command::Diff => self.open_stage_picker(StageChoice::Diff),
            Command::Promote => self.open_stage_picker(StageChoice::Promote),
            Command::Ping => return self.toggle_ping(),
            Command::Test => return self.test_selected(),
            Command::Compose => self.open_composer(SendTo::Stage),
            Command::Watch => return self.toggle_watch(),
            Command::Canary => self.open_canary(),
            Command::Filter => {
                let current = self.logs.filter().to_owned();
                self.filter_edit = Some((current.clone(), current));
            }
            Command::Follow => {
                self.follow = !self.follow;
                if self.follow {
                    self.log_back = 0;
                }
            }
            Command::Clear => {
                self.logs.clear();
                self.log_back = 0;
                self.probes.clear();
                self.linker = ProbeLinker::default();
                self.latency = LatencySeries::new(LATENCY_WINDOW);
                self.split = DeploymentSplit::new(LATENCY_WINDOW);
                self.probe_selected = None;
                self.notice(Level::Info, "cleared logs and pings");
            }
            Command::Refresh => return vec![self.reload(true)],
            Command::Help => self.overlay = Overlay::Help,
            Command::Cancel => {
                self.probe_selected = None;
                self.notice = None;
            }
            Command::Quit
            | Command::Accept
            | Command::Type(_)
            | Command::Erase
            | Command::DropCanary => {}
        }
        vec![]
    }

    fn confirm_key(&mut self, c: Command) -> Vec<Effect> {
        if self.overlay == Overlay::ConfirmSend {
            return match c {
                Command::Accept => {
                    self.overlay = Overlay::None;
                    match self.composer.as_ref().map(Composer::request) {
                        Some(Ok(request)) => self.send(SendTo::Stage, request),
                        _ => vec![],
                    }
                }
                Command::Cancel => {
                    self.overlay = Overlay::Composer;
                    if let Some(c) = self.composer.as_mut() {
                        c.error = Some("not sent".into());
                    }
                    vec![]
                }
                _ => vec![],
            };
        }
        if matches!(self.overlay, Overlay::ConfirmPromote { .. }) {
            return self.confirm_promote_key(c);
        }
        if self.overlay == Overlay::ConfirmBuild {
            return match c {
                Command::Accept => {
                    self.overlay = Overlay::None;
                    let generation = self.begin(ActivityKind::Build, "building");
                    vec![Effect::Build { generation }]
                }
                Command::Cancel => {
                    self.overlay = Overlay::None;
                    self.notice(Level::Info, "build cancelled; $LATEST unchanged");
                    vec![]
                }
                _ => vec![],
            };
        }
        match c {
            Command::Accept => {
                self.overlay = Overlay::None;
                let Some(stack) = self.stack.clone() else {
                    return vec![];
                };
                let generation = self.begin(ActivityKind::Deploy, "creating a deployment");
                vec![Effect::Deploy {
                    generation,
                    stack: Box::new(stack),
                }]
            }
            Command::Cancel => {
                self.overlay = Overlay::None;
                self.notice(Level::Info, "redeploy cancelled; nothing changed");
                vec![]
            }
            _ => vec![],
        }
    }

    fn picker_key(&mut self, c: Command) -> Vec<Effect> {
        if matches!(self.overlay, Overlay::StagePicker { .. }) {
            return self.stage_picker_key(c);
        }
        let Overlay::Rollback { selected } = self.overlay else {
            return vec![];
        };
        let n = self.deployments().len();
        match c {
            Command::Up => {
                self.overlay = Overlay::Rollback {
                    selected: selected.saturating_sub(1),
                }
            }
            Command::Down => {
                self.overlay = Overlay::Rollback {
                    selected: (selected + 1).min(n.saturating_sub(1)),
                }
            }
            Command::Accept => {
                let Some(d) = self.deployments().get(selected).cloned() else {
                    return vec![];
                };
                self.overlay = Overlay::None;
                if self.is_current(&d) {
                    self.notice(Level::Info, format!("the stage already serves {}", d.id));
                    return vec![];
                }
                let Some(stack) = self.stack.clone() else {
                    return vec![];
                };
                let generation = self.begin(
                    ActivityKind::Rollback,
                    &format!("pointing the stage at {}", d.id),
                );
                return vec![Effect::Rollback {
                    generation,
                    stack: Box::new(stack),
                    deployment_id: d.id,
                }];
            }
            Command::Cancel => {
                self.overlay = Overlay::None;
                self.notice(Level::Info, "rollback cancelled; nothing changed");
            }
            _ => {}
        }
        vec![]
    }

    fn filter_key(&mut self, c: Command) {
        let Some((text, before)) = self.filter_edit.as_mut() else {
            return;
        };
        match c {
            Command::Type(ch) => text.push(ch),
            Command::Erase => {
                text.pop();
            }
            Command::Accept => {
                self.filter_edit = None;
                self.log_back = 0;
                return;
            }
            Command::Cancel => {
                let before = before.clone();
                self.logs.set_filter(&before);
                self.filter_edit = None;
                return;
            }
            _ => return,
        }
        // The filter applies as it is typed.
        let text = text.clone();
        self.logs.set_filter(&text);
        self.log_back = 0;
    }

    /// `t`: the selected method (or its integration) through TestInvokeMethod; a path with parameters
    /// opens the composer to fill them first.
    fn test_selected(&mut self) -> Vec<Effect> {
        let Some(route) = self.selected_node().and_then(|n| n.route.clone()) else {
            self.notice(
                Level::Warning,
                "t tests a method: select one in the tree (e.g. GET /hello_world); s composes any request",
            );
            return vec![];
        };
        // TestInvokeMethod on ANY runs it with a concrete verb.
        let method = if route.method == "ANY" {
            "GET"
        } else {
            route.method.as_str()
        };
        let request = HttpRequest::new(method, &route.path);
        if route.path.contains('{') {
            let mut composer = Composer::new(SendTo::WorkingApi, &request);
            composer.error = Some("fill the path's {parameters}, then Enter".into());
            self.composer = Some(composer);
            self.overlay = Overlay::Composer;
            return vec![];
        }
        self.send(SendTo::WorkingApi, request)
    }

    /// Opens the composer: on the selected method when there is one, else on the last draft, else on
    /// the last request sent.
    fn open_composer(&mut self, to: SendTo) {
        let selected = self.selected_node().and_then(|n| n.route.clone()).map(|r| {
            let method = if r.method == "ANY" { "GET" } else { &r.method };
            HttpRequest::new(method, &r.path)
        });
        let composer = match (selected, self.composer.take()) {
            (Some(request), Some(mut draft)) => {
                // The draft is kept when it is already about the selected method.
                if draft.fields[1] != request.path || draft.fields[0] != request.method {
                    draft.fill(&request);
                    draft.recall = None;
                    draft.recalled = None;
                }
                draft.to = to;
                draft
            }
            (Some(request), None) => Composer::new(to, &request),
            (None, Some(mut draft)) => {
                draft.to = to;
                draft
            }
            (None, None) => {
                let last = self
                    .history
                    .front()
                    .cloned()
                    .unwrap_or_else(|| HttpRequest::new("GET", "/"));
                Composer::new(to, &last)
            }
        };
        self.composer = Some(composer);
        self.overlay = Overlay::Composer;
    }

    /// What ↑/↓ in the composer goes through: sent requests newest first, then the saved ones.
    fn recall_entry(&self, i: usize) -> Option<(String, HttpRequest)> {
        let sent = self.history.len();
        if i < sent {
            return Some((format!("sent {} of {sent}", i + 1), self.history[i].clone()));
        }
        self.saved_requests
            .get(i - sent)
            .map(|(name, r)| (format!("saved: {name}"), r.clone()))
    }

    fn composer_key(&mut self, c: Command) -> Vec<Effect> {
        let total = self.history.len() + self.saved_requests.len();
        let Some(composer) = self.composer.as_mut() else {
            self.overlay = Overlay::None;
            return vec![];
        };
        match c {
            Command::Type(ch) => composer.type_char(ch),
            Command::Erase => composer.erase(),
            Command::NextPane => composer.next_field(),
            Command::PrevPane => composer.prev_field(),
            Command::Up | Command::Down => {
                if total == 0 {
                    composer.error = Some(
                        "nothing to recall: no request sent yet, none saved in lambdeck.toml"
                            .into(),
                    );
                    return vec![];
                }
                let next = match (c, composer.recall) {
                    (Command::Up, None) => 0,
                    (Command::Up, Some(i)) => (i + 1).min(total - 1),
                    (_, None) | (_, Some(0)) => 0,
                    (_, Some(i)) => i - 1,
                };
                if let Some((label, request)) = self.recall_entry(next)
                    && let Some(composer) = self.composer.as_mut()
                {
                    composer.fill(&request);
                    composer.recall = Some(next);
                    composer.recalled = Some(label);
                }
            }
            Command::Accept => match composer.request() {
                Err(e) => composer.error = Some(e),
                Ok(request) => {
                    if composer.to == SendTo::Stage && !request.is_safe() {
                        self.overlay = Overlay::ConfirmSend;
                        return vec![];
                    }
                    let to = composer.to;
                    self.overlay = Overlay::None;
                    return self.send(to, request);
                }
            },
            Command::Cancel => self.overlay = Overlay::None,
            _ => {}
        }
        vec![]
    }

    fn response_key(&mut self, c: Command) -> Vec<Effect> {
        match c {
            Command::Compose => {
                if let Some(x) = &self.exchange {
                    let mut composer = Composer::new(x.to, &x.request);
                    composer.field = 0;
                    self.composer = Some(composer);
                }
                self.overlay = Overlay::Composer;
            }
            Command::Cancel => self.overlay = Overlay::None,
            Command::Up | Command::Down | Command::PageUp | Command::PageDown => {
                if let Some(x) = self.exchange.as_mut() {
                    x.scroll = match c {
                        Command::Up => x.scroll.saturating_sub(1),
                        Command::Down => x.scroll + 1,
                        Command::PageUp => x.scroll.saturating_sub(PAGE),
                        _ => x.scroll + PAGE,
                    };
                    // Not past the end: the last line stays at the bottom.
                    if let Some(max) = self.response_max_scroll {
                        x.scroll = x.scroll.min(max);
                    }
                }
            }
            _ => {}
        }
        vec![]
    }

    /// Sends a request (to the stage, or through TestInvokeMethod) and opens the response pane; a
    /// newer request replaces an older one still in flight, whose answer is then dropped.
    fn send(&mut self, to: SendTo, request: HttpRequest) -> Vec<Effect> {
        let Some(stack) = &self.stack else {
            self.notice(
                Level::Error,
                "the stack is not loaded yet; press R to refresh",
            );
            return vec![];
        };
        let stage_url = match to {
            SendTo::Stage => match stack.invoke_url() {
                Some(url) => Some(url.to_owned()),
                None => {
                    let text = format!(
                        "stage {} does not exist: nothing to send to (d deploys it; t tests the working API)",
                        stack.names.stage
                    );
                    self.notice(Level::Error, text);
                    return vec![];
                }
            },
            SendTo::WorkingApi => None,
        };
        self.exchange_generation += 1;
        let generation = self.exchange_generation;
        let effect = match stage_url {
            Some(stage_url) => Effect::Send {
                generation,
                stage_url,
                request: request.clone(),
            },
            None => Effect::TestInvoke {
                generation,
                stack: Box::new(stack.clone()),
                request: request.clone(),
            },
        };
        if self.history.front() != Some(&request) {
            self.history.push_front(request.clone());
            self.history.truncate(HISTORY_CAPACITY);
        }
        if let Some(c) = self.composer.as_mut() {
            c.recall = None;
            c.recalled = None;
        }
        self.exchange = Some(Exchange {
            generation,
            to,
            request,
            started: self.now,
            answer: None,
            log: None,
            scroll: 0,
        });
        self.overlay = Overlay::Response;
        vec![effect]
    }

    fn answered(&mut self, generation: u64, result: Result<Answer, String>) {
        let Some(x) = self
            .exchange
            .as_mut()
            .filter(|x| x.generation == generation)
        else {
            return; // a newer request replaced it
        };
        if let Ok(Answer::Sent(response)) = &result {
            let mut log = RequestLog::for_response(response);
            for e in &self.recent_events {
                log.offer(e);
            }
            x.log = Some(log);
        }
        x.answer = Some(result);
    }

    fn refuse_if_busy(&mut self) -> bool {
        if let Some(a) = &self.activity {
            let text = format!("busy: {} is still running", a.kind.label());
            self.notice(Level::Warning, text);
            return true;
        }
        false
    }

    fn begin(&mut self, kind: ActivityKind, step: &str) -> u64 {
        self.action_generation += 1;
        self.activity = Some(Activity {
            generation: self.action_generation,
            kind,
            started: self.now,
            step: step.to_owned(),
            progress: None,
        });
        self.notice = None;
        self.action_generation
    }

    fn refresh(&mut self) -> Effect {
        self.reload(false)
    }

    /// A new stack load; `terraform` re-reads Terraform's state first (the user's `R`).
    fn reload(&mut self, terraform: bool) -> Effect {
        self.stack_generation += 1;
        self.loading = Some(self.now);
        Effect::LoadStack {
            generation: self.stack_generation,
            terraform,
        }
    }

    fn toggle_ping(&mut self) -> Vec<Effect> {
        if self.pinging {
            self.pinging = false;
            self.ping_targets.clear();
            self.ping_skipped.clear();
            self.notice(Level::Info, "pinging stopped");
            return vec![Effect::StopPing];
        }
        match self.ping_plan_now() {
            Ok(plan) => {
                let routes: Vec<String> = plan
                    .targets
                    .iter()
                    .map(|t| format!("{} {}", t.method, t.route))
                    .collect();
                let mut text = format!("pinging {} every second", routes.join(", "));
                if !plan.skipped.is_empty() {
                    text.push_str(&format!("; skipped {}", plan.skipped_lines().join("; ")));
                }
                self.notice(Level::Info, text);
                self.start_ping(plan)
            }
            Err(e) => {
                self.notice(Level::Error, e);
                vec![]
            }
        }
    }

    fn start_ping(&mut self, plan: PingPlan) -> Vec<Effect> {
        self.pinging = true;
        self.ping_targets = plan.targets.clone();
        self.ping_skipped = plan.skipped_lines();
        vec![Effect::StartPing {
            targets: plan.targets,
        }]
    }

    /// What a ping calls and what it leaves alone (and why), or why there is nothing to call.
    pub fn ping_plan_now(&self) -> Result<PingPlan, String> {
        let Some(stack) = &self.stack else {
            return Err("the stack is not loaded yet; press R to refresh".into());
        };
        let plan = stage_targets(
            stack,
            |k| self.ping_opt_in.contains(k),
            self.ping_api_key.as_deref(),
        )
        .map_err(|why| match why {
            Unpingable::NoStage => format!(
                "nothing to ping: stage {} does not exist (d deploys it)",
                stack.names.stage
            ),
            Unpingable::NoRoute => format!(
                "nothing to ping: stage {} serves no route (d deploys the working API)",
                stack.names.stage
            ),
            Unpingable::Unreachable(why) => format!("nothing to ping: {why}"),
        })?;
        if plan.targets.is_empty() {
            return Err(format!(
                "nothing to ping: {}",
                plan.skipped_lines().join("; ")
            ));
        }
        Ok(plan)
    }

    fn stack_loaded(&mut self, generation: u64, result: Result<Box<Stack>, String>) -> Vec<Effect> {
        if generation != self.stack_generation {
            return vec![]; // an older refresh answered late
        }
        self.loading = None;
        match result {
            Ok(stack) => return self.show_stack(*stack),
            Err(e) => {
                self.notice(Level::Error, format!("refresh failed: {e}"));
                self.stack_error = Some(e);
            }
        }
        vec![]
    }

    /// Shows a stack the engine read (a load, or the re-read at the end of an action), keeping the
    /// selection, and points a running pinger at what the stage serves now.
    fn show_stack(&mut self, stack: Stack) -> Vec<Effect> {
        let selected_key = self.selected_node().map(|n| n.key.clone());
        self.nodes = tree::nodes(&stack);
        self.stack = Some(stack);
        self.stack_error = None;
        let rows = self.visible_nodes();
        self.tree_selected = selected_key
            .and_then(|k| rows.iter().position(|n| n.key == k))
            .unwrap_or(0);
        let plan = self.ping_plan_now();
        if self.ping_when_loaded && !self.pinging {
            self.ping_when_loaded = false;
            if let Ok(plan) = plan {
                return self.start_ping(plan);
            }
        } else if self.pinging
            && let Ok(plan) = plan
            && plan.targets != self.ping_targets
        {
            // A deploy or rollback changed what the stage serves: ping that instead.
            return self.start_ping(plan);
        }
        vec![]
    }

    /// Shows a stack an action re-read: it is newer than any load in flight, which is dropped.
    fn show_reread(&mut self, stack: Stack) -> Vec<Effect> {
        self.stack_generation += 1;
        self.loading = None;
        self.show_stack(stack)
    }

    fn action_done(&mut self, generation: u64, result: Result<Outcome, String>) -> Vec<Effect> {
        let Some(activity) = self.activity.take_if(|a| a.generation == generation) else {
            return vec![];
        };
        let outcome = match result {
            Ok(outcome) => outcome,
            Err(e) => {
                self.notice(
                    Level::Error,
                    format!("{} failed: {e}", activity.kind.label()),
                );
                let mut effects = vec![self.refresh()];
                if activity.kind == ActivityKind::Bootstrap {
                    effects.push(Effect::StartTail);
                }
                return effects;
            }
        };
        match outcome {
            Outcome::Stage(o) => {
                let previous = o.previous_deployment_id.as_deref().unwrap_or("none");
                let text = match o.action {
                    StageAction::Deploy => format!(
                        "deployed {} to stage {} (was {previous}); the stage is {}",
                        o.deployment.id,
                        o.stage.name,
                        o.drift.summary()
                    ),
                    StageAction::Rollback => format!(
                        "stage {} serves {} again (was {previous}); it is {}",
                        o.stage.name,
                        o.deployment.id,
                        o.drift.summary()
                    ),
                    StageAction::Promote => format!(
                        "promoted: stage {} serves {} (was {previous}); it is {}",
                        o.stage.name,
                        o.deployment.id,
                        o.drift.summary()
                    ),
                    StageAction::Canary => format!(
                        "canary {} on stage {} takes {} of its requests",
                        o.deployment.id,
                        o.stage.name,
                        o.stage
                            .canary_percent
                            .map_or_else(|| "none".to_owned(), |p| p.to_string())
                    ),
                    StageAction::CanaryPromote => format!(
                        "canary promoted: stage {} serves {} (was {previous})",
                        o.stage.name, o.deployment.id
                    ),
                    StageAction::CanaryCancel => format!(
                        "canary cancelled: stage {} serves {} only",
                        o.stage.name, o.deployment.id
                    ),
                };
                self.notice(Level::Success, text);
                self.show_reread(*o.stack)
            }
            Outcome::Upload { function, report } => {
                let text = match report {
                    UploadReport::Skipped { sha, version } => {
                        format!("up to date: {function} already runs {sha}")
                            + &published(version.as_deref())
                    }
                    UploadReport::Updated {
                        new_sha, version, ..
                    } => {
                        format!("uploaded {function}: now runs {new_sha} (verified)")
                            + &published(version.as_deref())
                    }
                };
                self.notice(Level::Success, text);
                // The function's new code shows in the tree once it is read again.
                vec![self.refresh()]
            }
            Outcome::Bootstrap { done, stack } => {
                let text = if done.is_empty() {
                    "local stack ready; everything was up to date".to_owned()
                } else {
                    format!("local stack ready: {}", done.join(", "))
                };
                self.notice(Level::Success, text);
                // The stage URL is known now: pinging starts with the stack shown.
                self.ping_when_loaded = true;
                let mut effects = vec![Effect::StartTail];
                effects.extend(self.show_reread(*stack));
                effects
            }
        }
    }

    fn push_probe(&mut self, probe: Probe) {
        self.latency.record(&probe);
        self.split.record(&probe);
        self.linker.expect(&probe);
        self.probes.push_back(ProbeRow::from_probe(probe));
        if self.probes.len() > PROBE_CAPACITY {
            self.probes.pop_front();
        }
        // Keep the same probe selected as newer ones arrive.
        if let Some(s) = self.probe_selected.as_mut() {
            *s = (*s + 1).min(self.probes.len() - 1);
        }
    }

    fn push_log(&mut self, event: LogEvent) {
        // On AWS a probe learns its Lambda request id from the line the function logs for it.
        if let Some(link) = self.linker.link(&event)
            && let Some(p) = self.probes.iter_mut().rev().find(|p| p.seq == link.seq)
        {
            p.request_id = Some(link.lambda_request_id);
        }
        if event.request_id.is_some() {
            if let Some(log) = self.exchange.as_mut().and_then(|x| x.log.as_mut()) {
                log.offer(&event);
            }
            if self.recent_events.len() == RECENT_EVENTS {
                self.recent_events.pop_front();
            }
            self.recent_events.push_back(event.clone());
        }
        let line = LogLine::from_event(event);
        if let (Some(id), Some(report)) = (&line.request_id, &line.report) {
            if self.report_order.len() == REPORT_CAPACITY
                && let Some(old) = self.report_order.pop_front()
            {
                self.reports.remove(&old);
            }
            self.report_order.push_back(id.clone());
            self.reports.insert(id.clone(), report.clone());
        }
        let shown = self.logs.push(line);
        // Scrolled back: keep the same lines in view as new ones arrive below.
        if shown && !self.follow {
            self.log_back += 1;
        }
    }

    fn notice(&mut self, level: Level, text: impl Into<String>) {
        self.notice = Some(Notice {
            level,
            text: text.into(),
        });
    }

    fn move_in(&mut self, pane: Pane, c: Command) {
        match pane {
            Pane::Tree => {
                let n = self.visible_nodes().len();
                self.tree_selected = step(self.tree_selected, n, c);
            }
            Pane::Pings => {
                let n = self.probes.len();
                if n == 0 {
                    return;
                }
                // The list is drawn newest first: "down" goes to older probes.
                let cur = self.probe_selected.unwrap_or(0);
                let next = match self.probe_selected {
                    None if matches!(c, Command::Down | Command::Up) => 0,
                    _ => step(cur, n, c),
                };
                self.probe_selected = Some(next);
            }
            Pane::Logs => {
                let n = self.logs.visible_len();
                let max = n.saturating_sub(1);
                let back = match c {
                    Command::Up => self.log_back + 1,
                    Command::Down => self.log_back.saturating_sub(1),
                    Command::PageUp => self.log_back + PAGE,
                    Command::PageDown => self.log_back.saturating_sub(PAGE),
                    Command::Top => max,
                    Command::Bottom => 0,
                    _ => self.log_back,
                };
                self.log_back = back.min(max);
                // Scrolling back pauses following; reaching the bottom resumes it.
                self.follow = self.log_back == 0;
            }
        }
    }

    fn expand(&mut self, c: Command) {
        if self.focus != Pane::Tree {
            return;
        }
        let rows = self.visible_nodes();
        let Some(i) = rows.get(self.tree_selected).map(|_| self.tree_selected) else {
            return;
        };
        let has_children = rows
            .get(i + 1)
            .is_some_and(|next| next.depth > rows[i].depth);
        let key = rows[i].key.clone();
        let depth = rows[i].depth;
        let collapsed = self.collapsed.contains(&key);
        match c {
            Command::Expand if has_children || collapsed => {
                self.collapsed.remove(&key);
            }
            Command::Collapse if has_children && !collapsed => {
                self.collapsed.insert(key);
            }
            Command::Collapse => {
                // On a leaf or a collapsed node, go to the parent, as file trees do.
                if let Some(parent) = rows[..i].iter().rposition(|n| n.depth < depth) {
                    self.tree_selected = parent;
                }
            }
            Command::Toggle if collapsed => {
                self.collapsed.remove(&key);
            }
            Command::Toggle if has_children => {
                self.collapsed.insert(key);
            }
            _ => {}
        }
    }

    /// The tree rows not hidden under a collapsed node.
    pub fn visible_nodes(&self) -> Vec<&TreeNode> {
        let mut rows = Vec::with_capacity(self.nodes.len());
        let mut hide_below: Option<u16> = None;
        for node in &self.nodes {
            if let Some(d) = hide_below {
                if node.depth > d {
                    continue;
                }
                hide_below = None;
            }
            if self.collapsed.contains(&node.key) {
                hide_below = Some(node.depth);
            }
            rows.push(node);
        }
        rows
    }

    pub fn selected_node(&self) -> Option<&TreeNode> {
        self.visible_nodes().get(self.tree_selected).copied()
    }

    /// The deployment history, newest first.
    pub fn deployments(&self) -> &[Deployment] {
        self.stack
            .as_ref()
            .and_then(|s| s.api.as_ref())
            .map(|a| a.deployments.as_slice())
            .unwrap_or_default()
    }

    /// True when the configured stage serves this deployment.
    pub fn is_current(&self, d: &Deployment) -> bool {
        self.stack
            .as_ref()
            .is_some_and(|s| d.stages.contains(&s.names.stage))
    }

    pub fn drift(&self) -> Option<&Drift> {
        self.stack.as_ref().map(|s| &s.drift)
    }

    /// The configured stage's URL, when the stage exists.
    pub fn invoke_url(&self) -> Option<String> {
        self.stack.as_ref()?.invoke_url().map(str::to_owned)
    }

    /// The probe the user selected, if any.
    pub fn selected_probe(&self) -> Option<&ProbeRow> {
        let back = self.probe_selected?;
        let i = self.probes.len().checked_sub(back + 1)?;
        self.probes.get(i)
    }

    /// The request id whose log lines are highlighted.
    pub fn highlighted_request(&self) -> Option<&str> {
        self.selected_probe()?.request_id.as_deref()
    }

    /// Elapsed time of the running activity.
    pub fn elapsed(&self, since: Instant) -> Duration {
        self.now.saturating_duration_since(since)
    }
}

/// "; published version 3" after an upload notice, when a version was published.
fn published(version: Option<&str>) -> String {
    version.map_or_else(String::new, |v| format!("; published version {v}"))
}

fn step(cur: usize, n: usize, c: Command) -> usize {
    if n == 0 {
        return 0;
    }
    let max = n - 1;
    match c {
        Command::Up => cur.saturating_sub(1),
        Command::Down => (cur + 1).min(max),
        Command::PageUp => cur.saturating_sub(PAGE),
        Command::PageDown => (cur + PAGE).min(max),
        Command::Top => 0,
        Command::Bottom => max,
        _ => cur.min(max),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stack::Drift as DriftState;
    use crate::stack::deploy::StageOutcome;
    use crate::tui::fixtures::{self, event, invocation, probe};

    /// A deploy's outcome, carrying the stack as re-read after it.
    fn deployed(stack: Stack) -> Outcome {
        let stage = stack.stage().cloned().unwrap();
        Outcome::Stage(Box::new(StageOutcome {
            action: StageAction::Deploy,
            api_id: "abc123".into(),
            previous_deployment_id: Some("d1".into()),
            deployment: stack.api.as_ref().unwrap().deployments[0].clone(),
            stage,
            changes: vec![],
            drift: stack.drift.clone(),
            stack: Box::new(stack),
        }))
    }

    fn app() -> App {
        App::new("t", Instant::now())
    }

    fn cmd(app: &mut App, c: Command) -> Vec<Effect> {
        app.update(Msg::Command(c))
    }

    fn loaded_app(drift: DriftState) -> App {
        let mut a = app();
        let effects = a.start(false);
        assert_eq!(effects[1], Effect::StartTail);
        let Effect::LoadStack { generation, .. } = effects[0] else {
            panic!("{effects:?}")
        };
        a.update(Msg::StackLoaded {
            generation,
            result: Ok(Box::new(fixtures::stack(drift))),
        });
        a
    }

    fn line(i: i64, message: &str) -> LogLine {
        LogLine {
            timestamp: i,
            request_id: None,
            apigw_request_id: None,
            message: message.into(),
            report: None,
        }
    }

    #[test]
    fn only_the_users_refresh_reads_terraforms_state_again() {
        let mut a = app();
        assert!(matches!(
            cmd(&mut a, Command::Refresh)[..],
            [Effect::LoadStack {
                terraform: true,
                ..
            }]
        ));
        // The loads the dashboard starts itself (at start, after an action) keep the state it has.
        let mut b = app();
        assert!(matches!(
            b.start(false)[..],
            [
                Effect::LoadStack {
                    terraform: false,
                    ..
                },
                ..
            ]
        ));
    }

    #[test]
    fn a_late_stack_reply_is_dropped() {
        let mut a = app();
        let Effect::LoadStack {
            generation: old, ..
        } = cmd(&mut a, Command::Refresh)[0]
        else {
            panic!()
        };
        let Effect::LoadStack {
            generation: new, ..
        } = cmd(&mut a, Command::Refresh)[0]
        else {
            panic!()
        };
        a.update(Msg::StackLoaded {
            generation: new,
            result: Ok(Box::new(fixtures::stack(DriftState::InSync))),
        });
        a.update(Msg::StackLoaded {
            generation: old,
            result: Ok(Box::new(fixtures::stack(fixtures::stale_drift()))),
        });
        assert_eq!(a.drift(), Some(&DriftState::InSync));
        assert!(a.loading.is_none());
    }

    #[test]
    fn a_failed_refresh_keeps_what_was_shown_and_says_why() {
        let mut a = loaded_app(DriftState::InSync);
        let Effect::LoadStack { generation, .. } = cmd(&mut a, Command::Refresh)[0] else {
            panic!()
        };
        a.update(Msg::StackLoaded {
            generation,
            result: Err("endpoint unreachable".into()),
        });
        assert!(a.stack.is_some());
        let n = a.notice.clone().unwrap();
        assert_eq!(n.level, Level::Error);
        assert!(n.text.contains("endpoint unreachable"));
    }

    #[test]
    fn a_refresh_keeps_the_selected_node() {
        let mut a = loaded_app(DriftState::InSync);
        for _ in 0..5 {
            cmd(&mut a, Command::Down);
        }
        let key = a.selected_node().unwrap().key.clone();
        let Effect::LoadStack { generation, .. } = cmd(&mut a, Command::Refresh)[0] else {
            panic!()
        };
        a.update(Msg::StackLoaded {
            generation,
            result: Ok(Box::new(fixtures::stack(DriftState::InSync))),
        });
        assert_eq!(a.selected_node().unwrap().key, key);
    }

    #[test]
    fn redeploy_asks_first_and_no_changes_nothing() {
        let mut a = loaded_app(fixtures::stale_drift());
        assert!(cmd(&mut a, Command::Deploy).is_empty());
        assert_eq!(a.overlay, Overlay::ConfirmDeploy);
        assert_eq!(a.mode(), Mode::Confirm);
        assert!(cmd(&mut a, Command::Cancel).is_empty());
        assert_eq!(a.overlay, Overlay::None);
        assert!(a.activity.is_none());
    }

    #[test]
    fn yes_deploys_and_shows_the_stack_the_deploy_reread() {
        let mut a = loaded_app(fixtures::stale_drift());
        cmd(&mut a, Command::Deploy);
        let effects = cmd(&mut a, Command::Accept);
        let [Effect::Deploy { generation, .. }] = effects[..] else {
            panic!("{effects:?}")
        };
        assert_eq!(a.activity.as_ref().unwrap().kind, ActivityKind::Deploy);
        // A load started before the deploy answers after it: it is older than the re-read, so dropped.
        let Effect::LoadStack {
            generation: load, ..
        } = cmd(&mut a, Command::Refresh)[0]
        else {
            panic!()
        };
        let in_sync = fixtures::stack(DriftState::InSync);
        // A reply for another action changes nothing.
        assert!(
            a.update(Msg::ActionDone {
                generation: generation + 7,
                result: Ok(deployed(in_sync.clone()))
            })
            .is_empty()
        );
        assert!(a.activity.is_some());
        let effects = a.update(Msg::ActionDone {
            generation,
            result: Ok(deployed(in_sync)),
        });
        // No second discovery: the outcome carries the stack.
        assert!(effects.is_empty(), "{effects:?}");
        assert!(a.activity.is_none());
        assert!(a.loading.is_none());
        assert_eq!(a.drift(), Some(&DriftState::InSync));
        let notice = a.notice.clone().unwrap();
        assert_eq!(notice.level, Level::Success);
        assert!(
            notice
                .text
                .starts_with("deployed d2 to stage tf-test (was d1)"),
            "{}",
            notice.text
        );
        a.update(Msg::StackLoaded {
            generation: load,
            result: Ok(Box::new(fixtures::stack(fixtures::stale_drift()))),
        });
        assert_eq!(a.drift(), Some(&DriftState::InSync));
    }

    #[test]
    fn on_aws_b_asks_before_replacing_latest_and_n_changes_nothing() {
        let mut a = loaded_app(DriftState::InSync);
        assert!(cmd(&mut a, Command::Build).is_empty());
        assert_eq!(a.overlay, Overlay::ConfirmBuild);
        assert!(cmd(&mut a, Command::Cancel).is_empty());
        assert_eq!(a.overlay, Overlay::None);
        cmd(&mut a, Command::Build);
        assert!(matches!(
            cmd(&mut a, Command::Accept)[..],
            [Effect::Build { .. }]
        ));
        // On the local stack nothing real is at stake: no question.
        let mut local = loaded_app(DriftState::InSync);
        local.local = true;
        assert!(matches!(
            cmd(&mut local, Command::Build)[..],
            [Effect::Build { .. }]
        ));
        // A stage that invokes an alias is not changed by new $LATEST code: no question either.
        let mut aliased = loaded_app(DriftState::InSync);
        let api = aliased.stack.as_mut().unwrap().api.as_mut().unwrap();
        for r in &mut api.deployed.as_mut().unwrap().routes {
            let uri = r.integration_uri.take().unwrap();
            r.integration_uri = Some(uri.replace("/invocations", ":live/invocations"));
        }
        assert!(matches!(
            cmd(&mut aliased, Command::Build)[..],
            [Effect::Build { .. }]
        ));
    }

    #[test]
    fn a_second_action_is_refused_while_one_runs() {
        let mut a = loaded_app(DriftState::InSync);
        a.local = true;
        assert!(matches!(
            cmd(&mut a, Command::Build)[..],
            [Effect::Build { .. }]
        ));
        assert!(cmd(&mut a, Command::Build).is_empty());
        assert!(cmd(&mut a, Command::Deploy).is_empty());
        assert_eq!(a.overlay, Overlay::None);
        assert_eq!(a.notice.as_ref().unwrap().level, Level::Warning);
    }

    #[test]
    fn build_progress_moves_the_gauge_and_an_error_ends_it() {
        let mut a = loaded_app(DriftState::InSync);
        a.local = true;
        let [Effect::Build { generation }] = cmd(&mut a, Command::Build)[..] else {
            panic!()
        };
        a.update(Msg::Progress {
            generation,
            step: "compiling".into(),
            progress: Some((3, 10)),
        });
        assert_eq!(a.activity.as_ref().unwrap().progress, Some((3, 10)));
        a.update(Msg::ActionDone {
            generation,
            result: Err("error[E0425]".into()),
        });
        assert!(a.activity.is_none());
        let n = a.notice.clone().unwrap();
        assert_eq!(n.level, Level::Error);
        assert!(n.text.contains("error[E0425]"), "{}", n.text);
    }

    #[test]
    fn rollback_defaults_to_the_previous_deployment() {
        let mut a = loaded_app(DriftState::InSync);
        assert!(cmd(&mut a, Command::Rollback).is_empty());
        assert_eq!(a.overlay, Overlay::Rollback { selected: 1 });
        let effects = cmd(&mut a, Command::Accept);
        assert!(
            matches!(&effects[..], [Effect::Rollback { deployment_id, .. }] if deployment_id == "d1"),
            "{effects:?}"
        );
    }

    #[test]
    fn rolling_back_to_the_current_deployment_does_nothing() {
        let mut a = loaded_app(DriftState::InSync);
        cmd(&mut a, Command::Rollback);
        cmd(&mut a, Command::Up);
        assert!(cmd(&mut a, Command::Accept).is_empty());
        assert!(a.activity.is_none());
    }

    #[test]
    fn p_toggles_pinging_the_stage_url() {
        let mut a = app();
        assert!(cmd(&mut a, Command::Ping).is_empty());
        assert_eq!(a.notice.as_ref().unwrap().level, Level::Error);
        let mut a = loaded_app(DriftState::InSync);
        let effects = cmd(&mut a, Command::Ping);
        let [Effect::StartPing { targets }] = &effects[..] else {
            panic!("{effects:?}")
        };
        assert_eq!(targets.len(), 1);
        assert_eq!(targets[0].route, "/hello_world");
        assert!(
            targets[0].url.contains("/tf-test/") && targets[0].url.ends_with("/hello_world"),
            "{}",
            targets[0].url
        );
        assert!(a.pinging);
        assert_eq!(cmd(&mut a, Command::Ping), vec![Effect::StopPing]);
        assert!(!a.pinging);
    }

    #[test]
    fn the_filter_applies_as_typed_and_esc_restores_it() {
        let mut a = loaded_app(DriftState::InSync);
        a.update(Msg::Logs(vec![
            event(1, "alpha"),
            event(2, "beta"),
            event(3, "ALPHABET"),
        ]));
        cmd(&mut a, Command::Filter);
        assert_eq!(a.mode(), Mode::FilterInput);
        cmd(&mut a, Command::Type('a'));
        cmd(&mut a, Command::Type('l'));
        assert_eq!(a.logs.visible_len(), 2);
        cmd(&mut a, Command::Accept);
        assert_eq!(a.mode(), Mode::Normal);
        assert_eq!(a.logs.visible_len(), 2);
        cmd(&mut a, Command::Filter);
        cmd(&mut a, Command::Erase);
        cmd(&mut a, Command::Erase);
        assert_eq!(a.logs.visible_len(), 3);
        cmd(&mut a, Command::Cancel);
        assert_eq!(a.logs.filter(), "al");
        assert_eq!(a.logs.visible_len(), 2);
    }

    #[test]
    fn log_lines_sizes_the_log_pane() {
        let mut a = loaded_app(DriftState::InSync);
        a.set_log_capacity(100);
        a.update(Msg::Logs((0..150).map(|i| event(i, "x")).collect()));
        assert_eq!(a.logs.total(), 100);
        assert_eq!(a.logs.dropped(), 50);
        assert_eq!(
            a.logs.visible(0).unwrap().timestamp,
            50,
            "the oldest go first"
        );
    }

    #[test]
    fn scrolling_back_pauses_follow_and_holds_the_view() {
        let mut a = loaded_app(DriftState::InSync);
        a.update(Msg::Logs((0..50).map(|i| event(i, "x")).collect()));
        a.focus = Pane::Logs;
        cmd(&mut a, Command::Up);
        cmd(&mut a, Command::Up);
        assert!(!a.follow);
        assert_eq!(a.log_back, 2);
        a.update(Msg::Logs(vec![event(51, "new"), event(52, "new")]));
        assert_eq!(a.log_back, 4, "the same lines stay in view");
        cmd(&mut a, Command::Follow);
        assert!(a.follow);
        assert_eq!(a.log_back, 0);
        a.update(Msg::Scroll {
            pane: Pane::Logs,
            down: false,
        });
        assert!(!a.follow);
    }

    #[test]
    fn the_log_buffer_is_bounded_and_counts_what_it_drops() {
        let mut b = LogBuffer::new(3);
        b.set_filter("keep");
        for i in 0..5 {
            b.push(line(i, if i % 2 == 0 { "keep" } else { "drop" }));
        }
        assert_eq!(b.total(), 3);
        assert_eq!(b.dropped(), 2);
        assert_eq!(b.visible_len(), 2);
        assert_eq!(b.visible(0).unwrap().timestamp, 2);
        assert_eq!(b.visible(1).unwrap().timestamp, 4);
        b.clear();
        assert_eq!(b.visible_len(), 0);
        b.push(line(9, "keep"));
        assert_eq!(b.visible(0).unwrap().timestamp, 9);
    }

    #[test]
    fn collapsing_hides_children_and_left_on_a_leaf_goes_to_the_parent() {
        let mut a = loaded_app(DriftState::InSync);
        let all = a.visible_nodes().len();
        cmd(&mut a, Command::Collapse); // on "fn", which has children
        assert_eq!(a.visible_nodes().len(), all - 3);
        cmd(&mut a, Command::Expand);
        assert_eq!(a.visible_nodes().len(), all);
        cmd(&mut a, Command::Down); // fn/logs, a leaf
        cmd(&mut a, Command::Collapse);
        assert_eq!(a.selected_node().unwrap().key, "fn");
        cmd(&mut a, Command::Toggle);
        assert_eq!(a.visible_nodes().len(), all - 3);
    }

    #[test]
    fn after_the_local_setup_it_shows_the_stack_tails_then_pings() {
        let mut a = app();
        let [Effect::Bootstrap { generation }, Effect::LoadStack { .. }] = a.start(true)[..] else {
            panic!()
        };
        let effects = a.update(Msg::ActionDone {
            generation,
            result: Ok(Outcome::Bootstrap {
                done: vec!["created 6 resources".into()],
                stack: Box::new(fixtures::stack(DriftState::InSync)),
            }),
        });
        // The setup's own re-read is shown: no second discovery before tailing and pinging.
        assert!(
            matches!(&effects[..], [Effect::StartTail, Effect::StartPing { .. }]),
            "{effects:?}"
        );
        assert_eq!(
            a.notice.as_ref().unwrap().text,
            "local stack ready: created 6 resources"
        );
        assert!(a.pinging);
    }

    #[test]
    fn the_selected_probe_stays_selected_as_new_ones_arrive() {
        let mut a = loaded_app(DriftState::InSync);
        a.update(Msg::Probe(probe(0, Some(200), Some(10.0), "a")));
        a.update(Msg::Probe(probe(1, Some(200), Some(10.0), "b")));
        a.focus = Pane::Pings;
        cmd(&mut a, Command::Down);
        cmd(&mut a, Command::Down);
        assert_eq!(a.highlighted_request(), Some("a"));
        a.update(Msg::Probe(probe(2, Some(200), Some(10.0), "c")));
        assert_eq!(a.highlighted_request(), Some("a"));
        a.update(Msg::Logs(invocation(0, "a")));
        assert_eq!(
            a.reports.get("a").map(String::as_str),
            Some("1.52 ms, 18 MB")
        );
    }

    #[test]
    fn q_quits_from_any_mode_and_stops_pinging() {
        let mut a = loaded_app(DriftState::InSync);
        cmd(&mut a, Command::Help);
        assert_eq!(cmd(&mut a, Command::Quit), vec![Effect::StopPing]);
        assert!(a.quit);
    }

    #[test]
    fn on_aws_a_probe_learns_its_request_from_the_function_log_line() {
        let mut a = loaded_app(DriftState::InSync);
        // AWS's response names only API Gateway's request, not Lambda's.
        let mut p = probe(0, Some(200), Some(10.0), "r-1");
        p.lambda_request_id = None;
        a.update(Msg::Probe(p));
        a.update(Msg::Probe(probe(1, Some(200), Some(10.0), "r-2")));
        a.focus = Pane::Pings;
        cmd(&mut a, Command::Down);
        cmd(&mut a, Command::Down);
        assert_eq!(a.highlighted_request(), None, "not linked yet");
        // The function logs "... apigw-request-id=apigw-r-1" inside Lambda request r-1.
        a.update(Msg::Logs(invocation(0, "r-1")));
        assert_eq!(a.highlighted_request(), Some("r-1"));
        assert_eq!(
            a.reports.get("r-1").map(String::as_str),
            Some("1.52 ms, 18 MB")
        );
    }

    #[test]
    fn after_a_deploy_the_pinger_follows_what_the_stage_serves() {
        let mut a = loaded_app(DriftState::InSync);
        let [Effect::StartPing { targets }] = &cmd(&mut a, Command::Ping)[..] else {
            panic!()
        };
        assert_eq!(targets.len(), 1);
        // The same routes: the running pinger is left alone.
        let Effect::LoadStack { generation, .. } = cmd(&mut a, Command::Refresh)[0] else {
            panic!()
        };
        let effects = a.update(Msg::StackLoaded {
            generation,
            result: Ok(Box::new(fixtures::stack(DriftState::InSync))),
        });
        assert!(effects.is_empty(), "{effects:?}");
        // A deployment added GET /goodbye: it is pinged too.
        let mut stack = fixtures::stack(DriftState::InSync);
        if let Some(api) = stack.api.as_mut()
            && let Some(d) = api.deployed.as_mut()
        {
            let mut route = d.routes[0].clone();
            route.key = crate::stack::RouteKey::new("GET", "/goodbye");
            d.routes.push(route);
        }
        let Effect::LoadStack { generation, .. } = cmd(&mut a, Command::Refresh)[0] else {
            panic!()
        };
        let effects = a.update(Msg::StackLoaded {
            generation,
            result: Ok(Box::new(stack)),
        });
        let [Effect::StartPing { targets }] = &effects[..] else {
            panic!("{effects:?}")
        };
        let routes: Vec<&str> = targets.iter().map(|t| t.route.as_str()).collect();
        assert!(routes.contains(&"/goodbye") && routes.contains(&"/hello_world"));
        assert!(a.pinging);
    }

    #[test]
    fn p_names_the_routes_it_leaves_alone_and_the_pane_counts_them() {
        let mut a = app();
        let Effect::LoadStack { generation, .. } = a.start(false)[0] else {
            panic!()
        };
        // The stage serves GET /hello_world and POST /items; a POST may change data.
        let mut stack = fixtures::stack(DriftState::InSync);
        if let Some(d) = stack.api.as_mut().and_then(|api| api.deployed.as_mut()) {
            let mut route = d.routes[0].clone();
            route.key = crate::stack::RouteKey::new("POST", "/items");
            d.routes.push(route);
        }
        a.update(Msg::StackLoaded {
            generation,
            result: Ok(Box::new(stack)),
        });
        let [Effect::StartPing { targets }] = &cmd(&mut a, Command::Ping)[..] else {
            panic!()
        };
        assert_eq!(targets.len(), 1);
        let n = a.notice.clone().unwrap();
        assert!(
            n.text
                .starts_with("pinging GET /hello_world every second; skipped POST /items: "),
            "{}",
            n.text
        );
        assert_eq!(a.ping_skipped.len(), 1, "{:?}", a.ping_skipped);
        // Stopping forgets them.
        cmd(&mut a, Command::Ping);
        assert!(a.ping_skipped.is_empty());
    }

    #[test]
    fn without_a_stage_p_says_why_it_cannot_ping() {
        let mut a = app();
        let effects = a.start(false);
        let Effect::LoadStack { generation, .. } = effects[0] else {
            panic!()
        };
        let mut stack = fixtures::stack(DriftState::InSync);
        if let Some(api) = stack.api.as_mut() {
            api.stages.clear();
            api.deployed = None;
        }
        a.update(Msg::StackLoaded {
            generation,
            result: Ok(Box::new(stack)),
        });
        assert!(cmd(&mut a, Command::Ping).is_empty());
        assert!(!a.pinging);
        let n = a.notice.clone().unwrap();
        assert_eq!(n.level, Level::Error);
        assert!(
            n.text.contains("stage tf-test does not exist"),
            "{}",
            n.text
        );
    }

    #[test]
    fn the_tail_and_pinger_report_without_stopping_anything() {
        let mut a = loaded_app(DriftState::InSync);
        a.update(Msg::LogSource("live tail".into()));
        assert_eq!(a.log_source.as_deref(), Some("live tail"));
        a.update(Msg::WorkerNotice {
            level: Level::Warning,
            text: "logs: throttled; retrying in 2 s".into(),
        });
        assert_eq!(a.notice.as_ref().unwrap().level, Level::Warning);
        assert!(!a.quit);
    }

    #[test]
    fn help_closes_on_any_key() {
        let mut a = loaded_app(DriftState::InSync);
        cmd(&mut a, Command::Help);
        assert_eq!(a.mode(), Mode::Help);
        cmd(&mut a, Command::Down);
        assert_eq!(a.mode(), Mode::Normal);
    }

    fn select(a: &mut App, key: &str) {
        a.tree_selected = a
            .visible_nodes()
            .iter()
            .position(|n| n.key == key)
            .unwrap_or_else(|| panic!("no node {key}"));
    }

    fn type_text(a: &mut App, text: &str) {
        for c in text.chars() {
            cmd(a, Command::Type(c));
        }
    }

    fn clear_field(a: &mut App) {
        let n = a.composer.as_ref().unwrap().fields[a.composer.as_ref().unwrap().field]
            .chars()
            .count();
        for _ in 0..n {
            cmd(a, Command::Erase);
        }
    }

    #[test]
    fn t_tests_the_selected_method_on_the_working_api_and_a_late_answer_is_dropped() {
        let mut a = loaded_app(DriftState::InSync);
        // On the function: not a method.
        assert!(cmd(&mut a, Command::Test).is_empty());
        assert_eq!(a.notice.as_ref().unwrap().level, Level::Warning);
        // The integration's node tests its method too.
        select(&mut a, "api/res//hello_world/GET/integration");
        let effects = cmd(&mut a, Command::Test);
        let [
            Effect::TestInvoke {
                generation,
                request,
                ..
            },
        ] = &effects[..]
        else {
            panic!("{effects:?}")
        };
        assert_eq!(request, &HttpRequest::new("GET", "/hello_world"));
        assert_eq!(a.overlay, Overlay::Response);
        assert_eq!(a.mode(), Mode::Response);
        assert!(a.animating(), "the pane's spinner turns while it runs");
        let first = *generation;
        // A second test replaces the first, whose answer then comes too late.
        cmd(&mut a, Command::Cancel);
        let [Effect::TestInvoke { generation, .. }] = cmd(&mut a, Command::Test)[..] else {
            panic!()
        };
        a.update(Msg::Answered {
            generation: first,
            result: Err("old".into()),
        });
        assert!(a.exchange.as_ref().unwrap().in_flight());
        a.update(Msg::Answered {
            generation,
            result: Ok(fixtures::tested()),
        });
        assert!(!a.animating());
        assert!(matches!(
            a.exchange.as_ref().unwrap().answer,
            Some(Ok(Answer::Tested(_)))
        ));
        // A test is no long action: a build may run beside it.
        assert!(a.activity.is_none());
        cmd(&mut a, Command::Cancel);
        assert_eq!(a.overlay, Overlay::None);
    }

    #[test]
    fn t_on_a_path_with_parameters_opens_the_composer_to_fill_them() {
        let mut a = loaded_app(DriftState::InSync);
        select(&mut a, "api/res//hello_world/GET");
        a.nodes[a.tree_selected].route = Some(crate::model::RouteKey::new("ANY", "/pets/{id}"));
        assert!(cmd(&mut a, Command::Test).is_empty());
        assert_eq!(a.mode(), Mode::Compose);
        let c = a.composer.as_ref().unwrap();
        assert_eq!(c.to, SendTo::WorkingApi);
        assert_eq!(c.fields[0], "GET", "ANY is tested with GET");
        // Enter with the parameter unfilled says so and sends nothing.
        assert!(cmd(&mut a, Command::Accept).is_empty());
        assert_eq!(
            a.composer.as_ref().unwrap().error.as_deref(),
            Some("fill {id} in the path with a value")
        );
        for _ in 0.."{id}".len() {
            cmd(&mut a, Command::Erase);
        }
        type_text(&mut a, "7");
        let effects = cmd(&mut a, Command::Accept);
        assert!(
            matches!(&effects[..], [Effect::TestInvoke { request, .. }] if request.path == "/pets/7"),
            "{effects:?}"
        );
    }

    #[test]
    fn a_post_to_the_stage_is_sent_only_after_yes_and_its_log_lines_are_linked() {
        let mut a = loaded_app(DriftState::InSync);
        // The invocation's lines arrive before the response (the local stack writes them first).
        a.update(Msg::Logs(invocation(0, "other")));
        a.update(Msg::Logs(invocation(1, "L1")));
        assert!(cmd(&mut a, Command::Compose).is_empty());
        assert_eq!(a.mode(), Mode::Compose);
        clear_field(&mut a);
        type_text(&mut a, "/hello_world");
        cmd(&mut a, Command::PrevPane);
        clear_field(&mut a);
        type_text(&mut a, "post");
        // Back from the method wraps round to the body.
        cmd(&mut a, Command::PrevPane);
        type_text(&mut a, "{}");
        assert!(cmd(&mut a, Command::Accept).is_empty());
        assert_eq!(a.overlay, Overlay::ConfirmSend);
        assert_eq!(a.mode(), Mode::Confirm);
        // n goes back to the composer, the form kept.
        assert!(cmd(&mut a, Command::Cancel).is_empty());
        assert_eq!(a.overlay, Overlay::Composer);
        assert_eq!(a.composer.as_ref().unwrap().fields[4], "{}");
        assert!(a.history.is_empty(), "nothing was sent");
        cmd(&mut a, Command::Accept);
        let effects = cmd(&mut a, Command::Accept);
        let [
            Effect::Send {
                generation,
                stage_url,
                request,
            },
        ] = &effects[..]
        else {
            panic!("{effects:?}")
        };
        assert!(stage_url.contains("/tf-test"), "{stage_url}");
        assert_eq!(request.method, "POST");
        assert_eq!(request.body.as_deref(), Some("{}"));
        assert_eq!(a.history.len(), 1);
        let generation = *generation;
        a.update(Msg::Answered {
            generation,
            result: Ok(fixtures::sent("POST", "L1")),
        });
        let log = a.exchange.as_ref().unwrap().log.as_ref().unwrap();
        assert_eq!(
            log.lines().len(),
            4,
            "START, the function's line, END, REPORT"
        );
        assert!(log.is_complete());
        assert!(
            log.lines()
                .iter()
                .all(|e| e.request_id.as_deref() == Some("L1"))
        );
    }

    #[test]
    fn on_aws_a_response_finds_its_log_lines_when_they_come() {
        let mut a = loaded_app(DriftState::InSync);
        cmd(&mut a, Command::Compose);
        let [Effect::Send { generation, .. }] = cmd(&mut a, Command::Accept)[..] else {
            panic!()
        };
        let Answer::Sent(mut response) = fixtures::sent("GET", "L2") else {
            panic!()
        };
        // AWS's response names only API Gateway's request.
        response.lambda_request_id = None;
        a.update(Msg::Answered {
            generation,
            result: Ok(Answer::Sent(response)),
        });
        assert!(
            a.exchange
                .as_ref()
                .unwrap()
                .log
                .as_ref()
                .unwrap()
                .lines()
                .is_empty()
        );
        a.update(Msg::Logs(invocation(0, "L9")));
        a.update(Msg::Logs(invocation(1, "L2")));
        let log = a.exchange.as_ref().unwrap().log.as_ref().unwrap();
        assert_eq!(log.lambda_request_id(), Some("L2"));
        assert_eq!(log.lines().len(), 4);
    }

    #[test]
    fn up_and_down_recall_sent_requests_then_saved_ones() {
        let mut a = loaded_app(DriftState::InSync);
        let mut saved = HttpRequest::new("POST", "/pets");
        saved.body = Some("@pet.json".into());
        a.saved_requests = vec![("create".into(), saved)];
        cmd(&mut a, Command::Compose);
        let [Effect::Send { .. }] = cmd(&mut a, Command::Accept)[..] else {
            panic!()
        };
        cmd(&mut a, Command::Compose);
        assert_eq!(a.history.len(), 1);
        cmd(&mut a, Command::Up);
        assert_eq!(
            a.composer.as_ref().unwrap().recalled.as_deref(),
            Some("sent 1 of 1")
        );
        cmd(&mut a, Command::Up);
        let c = a.composer.as_ref().unwrap();
        assert_eq!(c.recalled.as_deref(), Some("saved: create"));
        assert_eq!(
            (c.fields[0].as_str(), c.fields[4].as_str()),
            ("POST", "@pet.json")
        );
        cmd(&mut a, Command::Up);
        assert_eq!(
            a.composer.as_ref().unwrap().recalled.as_deref(),
            Some("saved: create"),
            "the oldest stays"
        );
        cmd(&mut a, Command::Down);
        assert_eq!(a.composer.as_ref().unwrap().fields[0], "GET");
        // Sending the same request again keeps one history entry.
        let [Effect::Send { .. }] = cmd(&mut a, Command::Accept)[..] else {
            panic!()
        };
        assert_eq!(a.history.len(), 1);
        // From the response pane, s edits and sends again.
        cmd(&mut a, Command::Compose);
        assert_eq!(a.mode(), Mode::Compose);
    }

    #[test]
    fn without_a_stage_a_request_says_why_and_sends_nothing() {
        let mut a = loaded_app(DriftState::InSync);
        if let Some(api) = a.stack.as_mut().and_then(|s| s.api.as_mut()) {
            api.stages.clear();
        }
        cmd(&mut a, Command::Compose);
        assert!(cmd(&mut a, Command::Accept).is_empty());
        let n = a.notice.clone().unwrap();
        assert_eq!(n.level, Level::Error);
        assert!(
            n.text.contains("stage tf-test does not exist"),
            "{}",
            n.text
        );
    }
}
