//! Messages: everything that changes the dashboard's state, from the keyboard, the mouse, the clock and the
//! worker tasks. Worker results carry the generation of the request they answer, so late replies are dropped.
//! Workers send the engine's own values; the app shapes them for drawing.

use super::command::Command;
use super::view::{Level, Pane};
use crate::build::UploadReport;
use crate::model::TestInvocation;
use crate::ping::Probe;
use crate::request::StageResponse;
use crate::stack::Stack;
use crate::stack::deploy::StageOutcome;
use crate::tail::LogEvent;

/// One input to `App::update`.
#[derive(Debug, Clone)]
pub enum Msg {
    /// A key, already mapped through the keymap.
    Command(Command),
    /// Mouse wheel over a pane.
    Scroll { pane: Pane, down: bool },
    /// Animation tick (only sent while something animates).
    Tick,
    /// The terminal changed size: redraw.
    Resize,
    /// A stack load finished.
    StackLoaded {
        generation: u64,
        result: Result<Box<Stack>, String>,
    },
    /// A long action moved on: a step name and, when known, done/total (the build gauge).
    Progress {
        generation: u64,
        step: String,
        progress: Option<(u64, u64)>,
    },
    /// A long action ended: what it achieved, or its error line.
    ActionDone {
        generation: u64,
        result: Result<Outcome, String>,
    },
    /// The pinger measured one request.
    Probe(Box<Probe>),
    /// The tail delivered events (in order).
    Logs(Vec<LogEvent>),
    /// The tail or the pinger reported something: a problem it keeps retrying through, or its end.
    WorkerNotice { level: Level, text: String },
    /// How the log tail follows now ("live tail", "polling").
    LogSource(String),
    /// A test invoke or a request to the stage was answered (or could not be made).
    Answered {
        generation: u64,
        result: Result<Answer, String>,
    },
    /// The watch engine reported something.
    Watch {
        generation: u64,
        event: crate::watch::WatchEvent,
    },
    /// The watch could not start, or ended on its own.
    WatchEnded { generation: u64, error: String },
}

/// What a test invoke or a request to the stage came back with.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// TestInvokeMethod on the working API.
    Tested(Box<TestInvocation>),
    /// The stage's response.
    Sent(Box<StageResponse>),
}

/// What a long action achieved, as the engine reported it.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// A deploy or a rollback, confirmed; it carries the stack as re-read after it.
    Stage(Box<StageOutcome>),
    /// The function's code after a build and upload.
    Upload {
        function: String,
        report: UploadReport,
    },
    /// The local stack's setup: what it did (empty when everything was up to date), and the stack as
    /// it left it.
    Bootstrap {
        done: Vec<String>,
        stack: Box<Stack>,
    },
}
