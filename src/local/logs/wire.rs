//! CloudWatch Logs' wire shapes (awsJson1.1): the requests and the answers, serde-derived.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

// Requests.

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupIn {
    pub log_group_name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateGroupIn {
    pub log_group_name: String,
    pub kms_key_id: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// The tag calls, new (by `resourceArn`) and legacy (by `logGroupName`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TagsIn {
    pub resource_arn: Option<String>,
    pub log_group_name: Option<String>,
    /// A map to tag with; UntagLogGroup (legacy) sends its key list here too, so it is read loosely.
    #[serde(default)]
    pub tags: Value,
    #[serde(default)]
    pub tag_keys: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RetentionIn {
    pub log_group_name: String,
    pub retention_in_days: u32,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeGroupsIn {
    pub log_group_name_prefix: Option<String>,
    pub log_group_name_pattern: Option<String>,
    pub limit: Option<usize>,
    pub next_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamIn {
    pub log_group_name: String,
    pub log_stream_name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeStreamsIn {
    pub log_group_name: Option<String>,
    pub log_group_identifier: Option<String>,
    pub log_stream_name_prefix: Option<String>,
    pub order_by: Option<String>,
    #[serde(default)]
    pub descending: bool,
    pub limit: Option<usize>,
    pub next_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PutEventsIn {
    pub log_group_name: String,
    pub log_stream_name: String,
    pub log_events: Vec<InputEvent>,
}

#[derive(Deserialize)]
pub struct InputEvent {
    pub timestamp: i64,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FilterIn {
    pub log_group_name: Option<String>,
    pub log_group_identifier: Option<String>,
    pub log_stream_names: Option<Vec<String>>,
    pub log_stream_name_prefix: Option<String>,
    pub start_time: Option<i64>,
    pub end_time: Option<i64>,
    pub filter_pattern: Option<String>,
    pub limit: Option<usize>,
    pub next_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetEventsIn {
    pub log_group_name: Option<String>,
    pub log_group_identifier: Option<String>,
    pub log_stream_name: String,
    pub start_time: Option<i64>,
    pub end_time: Option<i64>,
    pub next_token: Option<String>,
    pub limit: Option<usize>,
    #[serde(default)]
    pub start_from_head: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartLiveTailIn {
    pub log_group_identifiers: Vec<String>,
    #[serde(default)]
    pub log_stream_names: Option<Vec<String>>,
    #[serde(default)]
    pub log_stream_name_prefixes: Option<Vec<String>>,
    #[serde(default)]
    pub log_event_filter_pattern: Option<String>,
}

// Answers.

/// `{}`: the answer of an operation that returns nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Empty {}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeLogGroupsOut {
    pub log_groups: Vec<LogGroupOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogGroupOut {
    pub log_group_name: String,
    pub creation_time: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retention_in_days: Option<u32>,
    pub metric_filter_count: u32,
    pub arn: String,
    pub stored_bytes: u64,
    pub log_group_class: &'static str,
    pub log_group_arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
}

/// ListTagsForResource / ListTagsLogGroup's answer; the tagging calls answer `{}`.
#[derive(Debug, Clone, Serialize)]
pub struct TagsOut {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeLogStreamsOut {
    pub log_streams: Vec<LogStreamOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogStreamOut {
    pub log_stream_name: String,
    pub creation_time: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_event_timestamp: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_event_timestamp: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_ingestion_time: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upload_sequence_token: Option<String>,
    pub arn: String,
    pub stored_bytes: u64,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PutLogEventsOut {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_sequence_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejected_log_events_info: Option<RejectedLogEventsInfo>,
}

/// Which of a PutLogEvents batch's (chronological) events were refused: before `tooOld...EndIndex`
/// (exclusive) too old, from `tooNew...StartIndex` (inclusive) too new, before
/// `expiredLogEventEndIndex` older than the group's retention.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RejectedLogEventsInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub too_new_log_event_start_index: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub too_old_log_event_end_index: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expired_log_event_end_index: Option<usize>,
}

/// ListLogGroups.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListGroupsIn {
    pub log_group_name_pattern: Option<String>,
    pub log_group_class: Option<String>,
    pub limit: Option<usize>,
    pub next_token: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListLogGroupsOut {
    pub log_groups: Vec<LogGroupSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogGroupSummary {
    pub log_group_name: String,
    pub log_group_arn: String,
    pub log_group_class: &'static str,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FilterLogEventsOut {
    pub events: Vec<FilteredEvent>,
    pub searched_log_streams: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FilteredEvent {
    pub log_stream_name: String,
    pub timestamp: i64,
    pub message: String,
    pub ingestion_time: i64,
    pub event_id: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GetLogEventsOut {
    pub events: Vec<OutputEvent>,
    pub next_forward_token: String,
    pub next_backward_token: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutputEvent {
    pub timestamp: i64,
    pub message: String,
    pub ingestion_time: i64,
}

/// Live Tail's first frame: the session as the service understood it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionStart {
    pub request_id: String,
    pub session_id: String,
    pub log_group_identifiers: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_stream_names: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_stream_name_prefixes: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_event_filter_pattern: Option<String>,
}

/// Live Tail's update frame.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionUpdate {
    pub session_metadata: SessionMetadata,
    pub session_results: Vec<LiveTailEvent>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SessionMetadata {
    pub sampled: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveTailEvent {
    pub log_stream_name: String,
    pub log_group_identifier: String,
    pub message: String,
    pub timestamp: i64,
    pub ingestion_time: i64,
}

/// The body of an exception frame.
#[derive(Debug, Clone, Serialize)]
pub struct ExceptionBody<'a> {
    pub message: &'a str,
}

/// PutResourcePolicy (an account-level policy, by name).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PutPolicyIn {
    pub policy_name: Option<String>,
    pub policy_document: Option<String>,
}

/// DeleteResourcePolicy.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeletePolicyIn {
    pub policy_name: Option<String>,
}

/// DescribeResourcePolicies.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribePoliciesIn {
    pub limit: Option<usize>,
    pub next_token: Option<String>,
}

/// A resource policy as AWS's recorded answers show it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourcePolicyOut {
    pub policy_name: String,
    pub policy_document: String,
    pub last_updated_time: i64,
    pub policy_scope: &'static str,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PutPolicyOut {
    pub resource_policy: ResourcePolicyOut,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribePoliciesOut {
    pub resource_policies: Vec<ResourcePolicyOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}
