//! CloudWatch Logs (awsJson1.1): the operation table, by `X-Amz-Target`; Live Tail's event stream;
//! and the store the execution engine writes function logs to.

pub mod filter;
pub mod live_tail;
pub mod model;
mod ops;
mod policies;
pub mod wire;

use axum::response::{IntoResponse, Response};

pub use filter::FilterPattern;
pub use model::{Ingested, Logs, LogsState};

use self::ops::*;
use super::common::{AwsJsonError, Req, ServiceRoute};

/// The `X-Amz-Target` prefix of every CloudWatch Logs operation.
const TARGET_PREFIX: &str = "Logs_20140328.";

/// How the router recognises CloudWatch Logs' requests.
pub const ROUTE: ServiceRoute = ServiceRoute {
    name: "CloudWatch Logs",
    signing_name: "logs",
    target_prefix: Some(TARGET_PREFIX),
    path_prefixes: &[],
};

/// What CloudWatch Logs' handlers work with: the log store and the region of the call. Logs are
/// saved in the background, not by the handlers.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub logs: &'a Logs,
    pub region: &'a str,
    /// How long a Live Tail session lasts (3 hours, unless fault injection shortens it).
    pub session_timeout: std::time::Duration,
}

/// Serves one CloudWatch Logs request (`X-Amz-Target: Logs_20140328.<Op>`).
pub async fn handle(cx: Ctx<'_>, req: &Req) -> Response {
    let op = req
        .header("x-amz-target")
        .and_then(|t| t.strip_prefix(TARGET_PREFIX))
        .unwrap_or("")
        .to_owned();
    if op == "StartLiveTail" {
        // Live Tail answers an event stream (application/vnd.amazon.eventstream), not one JSON body:
        // it is served by its own module.
        return live_tail::start_live_tail(cx, req);
    }
    let logs = cx.logs;
    let result = match op.as_str() {
        "CreateLogGroup" => parse(req)
            .and_then(|i| create_log_group(logs, cx.region, i))
            .map(ok),
        "DeleteLogGroup" => parse(req)
            .and_then(|i| delete_log_group(logs, cx.region, i))
            .map(ok),
        "PutRetentionPolicy" => parse(req)
            .and_then(|i| put_retention(logs, cx.region, i))
            .map(ok),
        "DeleteRetentionPolicy" => parse(req)
            .and_then(|i| delete_retention(logs, cx.region, i))
            .map(ok),
        "DescribeLogGroups" => parse(req)
            .and_then(|i| describe_log_groups(logs, i, cx.region))
            .map(ok),
        "ListLogGroups" => parse(req)
            .and_then(|i| list_log_groups(logs, i, cx.region))
            .map(ok),
        "CreateLogStream" => parse(req)
            .and_then(|i| create_log_stream(logs, cx.region, i))
            .map(ok),
        "DeleteLogStream" => parse(req)
            .and_then(|i| delete_log_stream(logs, cx.region, i))
            .map(ok),
        "DescribeLogStreams" => parse(req)
            .and_then(|i| describe_log_streams(logs, i, cx.region))
            .map(ok),
        "PutLogEvents" => parse(req)
            .and_then(|i| put_log_events(logs, cx.region, i))
            .map(ok),
        "FilterLogEvents" => parse(req)
            .and_then(|i| filter_log_events(logs, cx.region, i))
            .map(ok),
        "GetLogEvents" => parse(req)
            .and_then(|i| get_log_events(logs, cx.region, i))
            .map(ok),
        "ListTagsForResource"
        | "TagResource"
        | "UntagResource"
        | "ListTagsLogGroup"
        | "TagLogGroup"
        | "UntagLogGroup" => parse(req)
            .and_then(|i| group_tags(logs, &op, cx.region, i))
            .map(ok),
        "PutResourcePolicy" => parse(req)
            .and_then(|i| policies::put_resource_policy(logs, cx.region, i))
            .map(ok),
        "DescribeResourcePolicies" => parse(req)
            .and_then(|i| policies::describe_resource_policies(logs, cx.region, i))
            .map(ok),
        "DeleteResourcePolicy" => parse(req)
            .and_then(|i| policies::delete_resource_policy(logs, cx.region, i))
            .map(ok),
        other => Err(AwsJsonError::unknown_operation(other)),
    };
    result.unwrap_or_else(IntoResponse::into_response)
}
