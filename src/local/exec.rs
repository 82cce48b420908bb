//! Runs functions for real: execution environments that exec the package's `bootstrap` against a Lambda
//! Runtime API, reused while warm.

use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;

/// Everything needed to run one version of a function.
#[derive(Debug, Clone)]
pub struct FunctionCode {
    pub name: String,
    pub arn: String,
    /// Changes whenever the code or configuration changes; environments of an older revision are retired.
    pub revision: String,
    pub zip: Arc<Vec<u8>>,
    pub handler: String,
    pub memory_mb: u32,
    pub timeout_secs: u32,
    pub environment: BTreeMap<String, String>,
    pub region: String,
}

/// Where the platform lines (START, END, REPORT) and the process's output go: CloudWatch Logs.
pub trait LogSink: Send + Sync + 'static {
    /// Appends events (epoch ms, message) to a stream, creating the group and stream when missing.
    fn put(&self, group: &str, stream: &str, events: Vec<(i64, String)>);
}

/// The result of one invocation.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// The Lambda request id (as in START/END/REPORT).
    pub request_id: String,
    pub outcome: Outcome,
    /// The last 4 KB of the invocation's log, for X-Amz-Log-Result.
    pub log_tail: String,
}

#[derive(Debug, Clone)]
pub enum Outcome {
    /// The function's response payload.
    Response(Bytes),
    /// The function reported an error (X-Amz-Function-Error: Unhandled); the payload is its error JSON.
    FunctionError(Bytes),
    /// The invocation exceeded the function's timeout; the environment was killed.
    Timeout,
    /// The environment failed: the process could not start, crashed, or reported an init error.
    Crashed(String),
}

/// Owns every execution environment.
pub struct Executor {
    _sink: Arc<dyn LogSink>,
}

impl Executor {
    pub fn new(sink: Arc<dyn LogSink>) -> Self {
        Self { _sink: sink }
    }

    /// Runs one invocation, on a warm environment when one is idle.
    pub async fn invoke(&self, _function: &FunctionCode, _payload: Bytes) -> Invocation {
        Invocation {
            request_id: uuid::Uuid::new_v4().to_string(),
            outcome: Outcome::Crashed("function execution is not implemented yet".into()),
            log_tail: String::new(),
        }
    }

    /// Stops every environment (kills its process, removes its directory).
    pub async fn shutdown(&self) {}
}
