//! CloudWatch Logs (awsJson1.1): the operation table, by `X-Amz-Target`; Live Tail's event stream;
//! and the store the execution engine writes function logs to.

pub mod filter;
pub mod live_tail;
pub mod model;
mod ops;

use axum::response::{IntoResponse, Response};

pub use filter::FilterPattern;
pub use model::{Ingested, Logs, LogsState};

use self::ops::*;
use super::Services;
use super::common::{AwsJsonError, Req};

/// Serves one CloudWatch Logs request (`X-Amz-Target: Logs_20140328.<Op>`).
pub async fn handle(svc: &Services, req: &Req) -> Response {
    let op = req
        .header("x-amz-target")
        .and_then(|t| t.strip_prefix("Logs_20140328."))
        .unwrap_or("")
        .to_owned();
    if op == "StartLiveTail" {
        // Live Tail answers an event stream (application/vnd.amazon.eventstream), not one JSON body:
        // it is served by its own module.
        return live_tail::start_live_tail(svc, req);
    }
    let logs = &svc.store.logs;
    let result = match op.as_str() {
        "CreateLogGroup" => parse(req).and_then(|i| create_log_group(logs, i)),
        "DeleteLogGroup" => parse(req).and_then(|i| delete_log_group(logs, i)),
        "PutRetentionPolicy" => parse(req).and_then(|i| put_retention(logs, i)),
        "DeleteRetentionPolicy" => parse(req).and_then(|i| delete_retention(logs, i)),
        "DescribeLogGroups" => parse(req).map(|i| describe_log_groups(logs, i, &svc.region)),
        "CreateLogStream" => parse(req).and_then(|i| create_log_stream(logs, i)),
        "DeleteLogStream" => parse(req).and_then(|i| delete_log_stream(logs, i)),
        "DescribeLogStreams" => parse(req).and_then(|i| describe_log_streams(logs, i, &svc.region)),
        "PutLogEvents" => parse(req).and_then(|i| put_log_events(logs, i)),
        "FilterLogEvents" => parse(req).and_then(|i| filter_log_events(logs, i)),
        "GetLogEvents" => parse(req).and_then(|i| get_log_events(logs, i)),
        "ListTagsForResource"
        | "TagResource"
        | "UntagResource"
        | "ListTagsLogGroup"
        | "TagLogGroup"
        | "UntagLogGroup" => parse(req).and_then(|i| group_tags(logs, &op, i)),
        other => Err(AwsJsonError::unknown_operation(other)),
    };
    match result {
        Ok(v) => ok(v),
        Err(e) => e.into_response(),
    }
}
