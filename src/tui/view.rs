//! What the dashboard shows, shaped for drawing: panes, tree rows with their health, log lines and probe
//! rows. Domain data (the stack, its drift, deployments) stays in the engine's types.

use crate::stack::Drift;
pub use crate::stack::Health;

/// How a notice reads: its colour and its weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Success,
    Warning,
    Error,
}

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
    /// True for the configured stage, the one `d` deploys.
    pub is_stage: bool,
    /// A stage's own drift (every stage has one); None on other nodes. The details pane shows it.
    pub drift: Option<Drift>,
    /// A stage's diff, worded: a sign (`+ - ~ ?`) and the line after it.
    pub diff: Vec<(char, String)>,
    /// The method a method node (or its integration's node) stands for, which `t` tests.
    pub route: Option<crate::stack::RouteKey>,
}

/// One log event as the log pane keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// Milliseconds since the epoch.
    pub timestamp: i64,
    pub request_id: Option<String>,
    /// The API Gateway request id the line names, which links it to a ping on AWS.
    pub apigw_request_id: Option<String>,
    pub message: String,
    /// REPORT metrics, when this is a REPORT line: "1.52 ms, 18 MB".
    pub report: Option<String>,
}

impl LogLine {
    /// The tail engine's event, shaped for the log pane.
    pub fn from_event(e: crate::tail::LogEvent) -> Self {
        let report = e.report().map(report_text);
        Self {
            timestamp: e.timestamp,
            request_id: e.request_id,
            apigw_request_id: e.apigw_request_id,
            // REPORT lines separate their fields with tabs, which a terminal cell cannot show.
            message: if e.message.contains('\t') {
                e.message.trim_end().replace('\t', "  ")
            } else {
                e.message
            },
            report,
        }
    }
}

/// A REPORT line's figures as they sit beside a ping: "1.52 ms, 18 MB" (", init 113.5 ms" on a cold start).
pub fn report_text(m: &crate::tail::ReportMetrics) -> String {
    let mut text = format!("{:.2} ms, {} MB", m.duration_ms, m.max_memory_used_mb);
    if let Some(init) = m.init_duration_ms {
        text.push_str(&format!(", init {init:.1} ms"));
    }
    text
}

/// One ping, as the ping pane shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeRow {
    /// The pinger's sequence number, which the probe linker names when a log line links it.
    pub seq: u64,
    /// Milliseconds since the epoch.
    pub timestamp: i64,
    pub route: String,
    /// HTTP status, or None when the request failed.
    pub status: Option<u16>,
    pub latency_ms: Option<f64>,
    /// Body excerpt or the error.
    pub summary: String,
    /// The Lambda request id that links the ping to its log lines (on AWS, found later in the logs).
    pub request_id: Option<String>,
    /// API Gateway's request id, from the response.
    pub apigw_request_id: Option<String>,
    /// The deployment that answered, when the stage names it (the local stack does).
    pub deployment_id: Option<String>,
}

impl ProbeRow {
    /// The pinger's probe, shaped for the ping pane: the summary is the body's first line, or the error.
    pub fn from_probe(p: crate::ping::Probe) -> Self {
        let summary = match (&p.error, p.status) {
            (Some(e), _) => e.clone(),
            (None, Some(_)) => {
                let first = p.body.lines().next().unwrap_or_default().trim();
                if first.is_empty() {
                    format!("{} bytes", p.bytes)
                } else {
                    first.to_owned()
                }
            }
            (None, None) => "no response".to_owned(),
        };
        Self {
            seq: p.seq,
            timestamp: p.sent_at,
            route: format!("{} {}", p.method, p.route),
            status: p.status,
            latency_ms: p.latency_ms,
            summary,
            request_id: p.lambda_request_id,
            apigw_request_id: p.apigw_request_id,
            deployment_id: p.deployment_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tail::{LineKind, LogEvent, ReportMetrics};

    #[test]
    fn a_report_line_reads_with_spaces_and_its_metrics() {
        let metrics = ReportMetrics {
            duration_ms: 26.734,
            billed_duration_ms: 27,
            memory_size_mb: 128,
            max_memory_used_mb: 18,
            init_duration_ms: Some(113.51),
        };
        let line = LogLine::from_event(LogEvent {
            event_id: None,
            stream: "s".into(),
            timestamp: 5,
            ingestion_time: 6,
            message: "REPORT RequestId: r-1\tDuration: 26.73 ms\tBilled Duration: 27 ms\t\n".into(),
            request_id: Some("r-1".into()),
            apigw_request_id: None,
            kind: LineKind::Report(metrics),
        });
        assert_eq!(
            line.message,
            "REPORT RequestId: r-1  Duration: 26.73 ms  Billed Duration: 27 ms"
        );
        assert_eq!(
            line.report.as_deref(),
            Some("26.73 ms, 18 MB, init 113.5 ms")
        );
        assert_eq!(line.request_id.as_deref(), Some("r-1"));
    }

    fn probe() -> crate::ping::Probe {
        crate::ping::Probe {
            seq: 1,
            round: 1,
            method: "GET".into(),
            route: "/hello_world".into(),
            url: "http://x/tf-test/hello_world".into(),
            sent_at: 7,
            status: Some(200),
            latency_ms: Some(3.5),
            bytes: 20,
            apigw_request_id: Some("a-1".into()),
            lambda_request_id: Some("l-1".into()),
            deployment_id: None,
            error: None,
            body: "\"Hello from Lambda!\"".into(),
        }
    }

    #[test]
    fn a_probe_row_shows_the_body_or_the_error() {
        let row = ProbeRow::from_probe(probe());
        assert_eq!(row.summary, "\"Hello from Lambda!\"");
        assert_eq!(row.route, "GET /hello_world");
        assert_eq!(row.request_id.as_deref(), Some("l-1"));
        assert_eq!(row.apigw_request_id.as_deref(), Some("a-1"));
        let failed = ProbeRow::from_probe(crate::ping::Probe {
            status: None,
            latency_ms: None,
            error: Some("connection failed: refused".into()),
            body: String::new(),
            ..probe()
        });
        assert_eq!(failed.summary, "connection failed: refused");
        let empty = ProbeRow::from_probe(crate::ping::Probe {
            status: Some(204),
            body: String::new(),
            bytes: 0,
            ..probe()
        });
        assert_eq!(empty.summary, "0 bytes");
    }
}
