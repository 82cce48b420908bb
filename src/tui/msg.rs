//! Messages: everything that changes the dashboard's state, from the keyboard, the mouse, the clock and the
//! worker tasks. Worker results carry the generation of the request they answer, so late replies are dropped.

use super::app::Level;
use super::command::Command;
use super::view::{LogLine, Pane, ProbeRow};
use crate::stack::Stack;

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
    /// A long action ended: its success line, or its error line.
    ActionDone {
        generation: u64,
        result: Result<String, String>,
    },
    /// The pinger measured one request.
    Probe(ProbeRow),
    /// The tail delivered events (in order).
    Logs(Vec<LogLine>),
    /// The tail or the pinger reported something: a problem it keeps retrying through, or its end.
    WorkerNotice { level: Level, text: String },
    /// How the log tail follows now ("live tail", "polling").
    LogSource(String),
}
