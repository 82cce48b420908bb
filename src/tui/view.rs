//! What the dashboard shows, shaped for drawing: tree rows with their health, the stage's drift as diff
//! lines, deployment rows, log lines and probe rows. Built from the engine's results by the workers.

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

/// Health at a glance, per node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    Ok,
    Warning,
    Missing,
    /// Neither good nor bad (a folder, history).
    Neutral,
}

/// One node of the resource tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeNode {
    /// Stable key, so expansion and selection survive a refresh.
    pub key: String,
    pub depth: u16,
    pub label: String,
    /// Short text after the label: "STALE: 2 changes", "Active", "missing".
    pub badge: String,
    pub health: Health,
    /// Key/value lines for the details pane.
    pub details: Vec<(String, String)>,
    /// True for a stage: the details pane shows the drift diff under the details.
    pub is_stage: bool,
}

/// One line of a stage's drift: what would change if the working API were deployed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffLine {
    pub kind: DiffKind,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffKind {
    Added,
    Removed,
    Changed,
}

/// Where the stage stands against the working API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DriftState {
    InSync,
    Stale(Vec<DiffLine>),
    Unknown(String),
}

/// One deployment, for the rollback picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeploymentRow {
    pub id: String,
    pub created: String,
    pub description: String,
    /// The stage points at it.
    pub current: bool,
}

/// Everything one stack load produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub nodes: Vec<TreeNode>,
    pub drift: DriftState,
    pub deployments: Vec<DeploymentRow>,
    /// The stage's base URL, when the stage exists.
    pub invoke_url: Option<String>,
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
