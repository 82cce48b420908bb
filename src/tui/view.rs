//! What the dashboard shows, shaped for drawing: panes, tree rows with their health, log lines and probe
//! rows. Domain data (the stack, its drift, deployments) stays in the engine's types.

pub use crate::stack::Health;

/// The panes Tab moves between (the details pane follows the tree's selection).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Tree,
    Pings,
    Logs,
}

impl Pane {
    pub fn next(self) -> Self {
        match self {
            Self::Tree => Self::Pings,
            Self::Pings => Self::Logs,
            Self::Logs => Self::Tree,
        }
    }

    pub fn prev(self) -> Self {
        match self {
            Self::Tree => Self::Logs,
            Self::Pings => Self::Tree,
            Self::Logs => Self::Pings,
        }
    }
}

/// One node of the resource tree, shaped for drawing (built from the engine's `Stack` by `tree::nodes`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeNode {
    /// Stable key, so expansion and selection survive a refresh.
    pub key: String,
    pub depth: u16,
    pub label: String,
    /// Short text after the label: "STALE: 2 changes", "Active", "missing".
    pub badge: String,
    /// None for nodes that are neither good nor bad (folders, history).
    pub health: Option<Health>,
    /// Key/value lines for the details pane.
    pub details: Vec<(String, String)>,
    /// True for the configured stage: the details pane shows its drift diff.
    pub is_stage: bool,
}

/// One log event as the log pane keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// Milliseconds since the epoch.
    pub timestamp: i64,
    pub request_id: Option<String>,
    pub message: String,
    /// REPORT metrics, when this is a REPORT line: "1.52 ms, 18 MB".
    pub report: Option<String>,
}

/// One ping, as the ping pane shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeRow {
    /// Milliseconds since the epoch.
    pub timestamp: i64,
    pub route: String,
    /// HTTP status, or None when the request failed.
    pub status: Option<u16>,
    pub latency_ms: Option<f64>,
    /// Body excerpt or the error.
    pub summary: String,
    /// The Lambda request id that links the ping to its log lines.
    pub request_id: Option<String>,
}
