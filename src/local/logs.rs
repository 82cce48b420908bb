//! CloudWatch Logs (awsJson1.1): log groups and streams, PutLogEvents, FilterLogEvents with filter
//! patterns and pagination, GetLogEvents; and the sink the execution engine writes function logs to.

use std::collections::BTreeMap;
use std::sync::Mutex;

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::broadcast;

use super::error::AwsJsonError;
use super::exec::LogSink;
use super::state::{ACCOUNT_ID, Dirty, lock, now_ms};
use super::{Req, Services};

type Result<T, E = AwsJsonError> = std::result::Result<T, E>;

/// Every log group.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LogsState {
    pub groups: BTreeMap<String, LogGroup>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LogGroup {
    pub name: String,
    pub creation_time: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_in_days: Option<u32>,
    /// Numbers streams in creation order; part of every event id, so ids stay unique and stable.
    pub next_stream_no: u64,
    pub streams: BTreeMap<String, LogStream>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LogStream {
    pub name: String,
    pub no: u64,
    pub creation_time: i64,
    pub next_seq: u64,
    /// Sorted by timestamp (stable for equal timestamps).
    pub events: Vec<LogEvent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_ingestion_time: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEvent {
    #[serde(rename = "t")]
    pub timestamp: i64,
    #[serde(rename = "i")]
    pub ingestion_time: i64,
    #[serde(rename = "s")]
    pub seq: u64,
    #[serde(rename = "m")]
    pub message: String,
}

/// A new event, as broadcast to live subscribers (Live Tail).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ingested {
    pub group: String,
    pub stream: String,
    pub timestamp: i64,
    pub ingestion_time: i64,
    pub message: String,
}

/// The 56-digit event id: timestamp, stream number, sequence in the stream. Sorting ids sorts events
/// by time, and an id never changes once given.
pub fn event_id(timestamp: i64, stream_no: u64, seq: u64) -> String {
    format!("{:020}{:016}{:020}", timestamp.max(0), stream_no, seq)
}

impl LogStream {
    fn new(name: &str, no: u64, now: i64) -> Self {
        Self {
            name: name.to_owned(),
            no,
            creation_time: now,
            next_seq: 0,
            events: Vec::new(),
            last_ingestion_time: None,
        }
    }

    fn append(&mut self, timestamp: i64, ingestion_time: i64, message: String) {
        let event = LogEvent {
            timestamp,
            ingestion_time,
            seq: self.next_seq,
            message,
        };
        self.next_seq += 1;
        self.last_ingestion_time = Some(ingestion_time);
        // Usually the newest event: a push. A late one is inserted in time order.
        let at = self.events.partition_point(|e| e.timestamp <= timestamp);
        self.events.insert(at, event);
    }
}

impl LogGroup {
    fn new(name: &str, now: i64) -> Self {
        Self {
            name: name.to_owned(),
            creation_time: now,
            retention_in_days: None,
            next_stream_no: 0,
            streams: BTreeMap::new(),
            tags: BTreeMap::new(),
        }
    }

    fn stream_mut(&mut self, name: &str, now: i64) -> &mut LogStream {
        let next = &mut self.next_stream_no;
        self.streams.entry(name.to_owned()).or_insert_with(|| {
            let no = *next;
            *next += 1;
            LogStream::new(name, no, now)
        })
    }
}

/// The CloudWatch Logs store: its state, a dirty flag for the saver, and a feed of new events.
pub struct Logs {
    state: Mutex<LogsState>,
    dirty: Dirty,
    feed: broadcast::Sender<Ingested>,
}

impl Logs {
    pub fn new(state: LogsState) -> Self {
        Self {
            state: Mutex::new(state),
            dirty: Dirty::default(),
            feed: broadcast::channel(4096).0,
        }
    }

    /// Reads the state under its lock.
    pub fn with_state<T>(&self, f: impl FnOnce(&LogsState) -> T) -> T {
        f(&lock(&self.state))
    }

    /// Whether anything changed since the last call.
    pub fn take_dirty(&self) -> bool {
        self.dirty.take()
    }

    /// Marks the state as changed (a failed save is retried).
    pub fn mark_dirty(&self) {
        self.dirty.set();
    }

    /// Every event ingested from now on (Live Tail subscribes here).
    pub fn subscribe(&self) -> broadcast::Receiver<Ingested> {
        self.feed.subscribe()
    }

    fn mutate<T>(&self, f: impl FnOnce(&mut LogsState) -> Result<T>) -> Result<T> {
        let out = f(&mut lock(&self.state))?;
        self.dirty.set();
        Ok(out)
    }

    /// Appends events to a stream; with `create`, missing group and stream are created.
    pub fn append(
        &self,
        group: &str,
        stream: &str,
        events: Vec<(i64, String)>,
        create: bool,
    ) -> Result<()> {
        let now = now_ms();
        let fed: Vec<Ingested> = self.mutate(|state| {
            if !state.groups.contains_key(group) {
                if !create {
                    return Err(missing_group());
                }
                state
                    .groups
                    .insert(group.to_owned(), LogGroup::new(group, now));
            }
            let g = state.groups.get_mut(group).ok_or_else(missing_group)?;
            if !create && !g.streams.contains_key(stream) {
                return Err(missing_stream());
            }
            let s = g.stream_mut(stream, now);
            let mut fed = Vec::with_capacity(events.len());
            for (timestamp, message) in events {
                if self.feed.receiver_count() > 0 {
                    fed.push(Ingested {
                        group: group.to_owned(),
                        stream: stream.to_owned(),
                        timestamp,
                        ingestion_time: now,
                        message: message.clone(),
                    });
                }
                s.append(timestamp, now, message);
            }
            Ok(fed)
        })?;
        for event in fed {
            let _ = self.feed.send(event);
        }
        Ok(())
    }
}

impl LogSink for Logs {
    fn put(&self, group: &str, stream: &str, events: Vec<(i64, String)>) {
        if let Err(e) = self.append(group, stream, events, true) {
            tracing::warn!("local stack: cannot store function logs: {e}");
        }
    }
}

fn missing_group() -> AwsJsonError {
    AwsJsonError::not_found("The specified log group does not exist.")
}

fn missing_stream() -> AwsJsonError {
    AwsJsonError::not_found("The specified log stream does not exist.")
}

fn group_arn(region: &str, name: &str) -> String {
    format!("arn:aws:logs:{region}:{ACCOUNT_ID}:log-group:{name}")
}

/// A group named directly, or by ARN (with or without the trailing `:*`).
fn group_name(name: Option<&str>, identifier: Option<&str>) -> Result<String> {
    let raw = name.or(identifier).ok_or_else(|| {
        AwsJsonError::invalid("Either logGroupName or logGroupIdentifier must be specified")
    })?;
    let raw = raw.strip_suffix(":*").unwrap_or(raw);
    Ok(match raw.split_once(":log-group:") {
        Some((_, n)) if raw.starts_with("arn:") => n.to_owned(),
        _ => raw.to_owned(),
    })
}

fn ok(body: Value) -> Response {
    let mut r = (StatusCode::OK, axum::Json(body)).into_response();
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-amz-json-1.1"),
    );
    r
}

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
        return super::live_tail::start_live_tail(svc, req);
    }
    let logs = &svc.store.logs;
    let result = match op.as_str() {
        "CreateLogGroup" => parse(req).and_then(|i| create_log_group(logs, i)),
        "DeleteLogGroup" => parse(req).and_then(|i| delete_log_group(logs, i)),
        "PutRetentionPolicy" => parse(req).and_then(|i| put_retention(logs, i)),
        "DeleteRetentionPolicy" => parse(req).and_then(|i: GroupIn| {
            logs.mutate(|s| {
                s.groups
                    .get_mut(&i.log_group_name)
                    .ok_or_else(missing_group)?
                    .retention_in_days = None;
                Ok(json!({}))
            })
        }),
        "DescribeLogGroups" => parse(req).map(|i| describe_log_groups(logs, i, &svc.region)),
        "CreateLogStream" => parse(req).and_then(|i| create_log_stream(logs, i)),
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

fn parse<T: serde::de::DeserializeOwned>(req: &Req) -> Result<T> {
    req.json()
        .map_err(|m| AwsJsonError::new("SerializationException", m))
}

fn check_group_name(name: &str) -> Result<()> {
    let valid = !name.is_empty()
        && name.len() <= 512
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-/#".contains(c));
    if valid {
        Ok(())
    } else {
        Err(AwsJsonError::invalid(format!(
            "1 validation error detected: Value '{name}' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+"
        )))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GroupIn {
    log_group_name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateGroupIn {
    log_group_name: String,
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

/// The tag calls, new (by `resourceArn`) and legacy (by `logGroupName`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TagsIn {
    resource_arn: Option<String>,
    log_group_name: Option<String>,
    /// A map to tag with; UntagLogGroup (legacy) sends its key list here too.
    #[serde(default)]
    tags: Value,
    #[serde(default)]
    tag_keys: Vec<String>,
}

fn group_tags(logs: &Logs, op: &str, input: TagsIn) -> Result<Value> {
    let name = match (&input.resource_arn, &input.log_group_name) {
        (Some(arn), _) => arn
            .split_once(":log-group:")
            .map(|(_, n)| n.trim_end_matches(":*").to_owned())
            .ok_or_else(|| AwsJsonError::invalid(format!("Invalid resource arn: {arn}")))?,
        (None, Some(n)) => n.clone(),
        (None, None) => {
            return Err(AwsJsonError::invalid(
                "1 validation error detected: Value null at 'resourceArn' failed to satisfy constraint: Member must not be null",
            ));
        }
    };
    let read = |s: &LogsState| -> Result<Value> {
        let g = s.groups.get(&name).ok_or_else(missing_group)?;
        Ok(json!({ "tags": g.tags }))
    };
    match op {
        "ListTagsForResource" | "ListTagsLogGroup" => logs.with_state(read),
        _ => logs.mutate(|s| {
            let g = s.groups.get_mut(&name).ok_or_else(missing_group)?;
            match (op, input.tags) {
                ("TagResource" | "TagLogGroup", Value::Object(m)) => {
                    for (k, v) in m {
                        let v = v
                            .as_str()
                            .map(str::to_owned)
                            .unwrap_or_else(|| v.to_string());
                        g.tags.insert(k, v);
                    }
                }
                ("TagResource" | "TagLogGroup", _) => {
                    return Err(AwsJsonError::invalid("tags must be a map of strings"));
                }
                (_, keys) => {
                    let listed = keys.as_array().cloned().unwrap_or_default();
                    let listed = listed.iter().filter_map(Value::as_str).map(str::to_owned);
                    for k in input.tag_keys.into_iter().chain(listed) {
                        g.tags.remove(&k);
                    }
                }
            }
            Ok(json!({}))
        }),
    }
}

fn create_log_group(logs: &Logs, input: CreateGroupIn) -> Result<Value> {
    check_group_name(&input.log_group_name)?;
    logs.mutate(|s| {
        if s.groups.contains_key(&input.log_group_name) {
            return Err(AwsJsonError::already_exists(
                "The specified log group already exists",
            ));
        }
        let mut group = LogGroup::new(&input.log_group_name, now_ms());
        group.tags = input.tags;
        s.groups.insert(input.log_group_name.clone(), group);
        Ok(json!({}))
    })
}

fn delete_log_group(logs: &Logs, input: GroupIn) -> Result<Value> {
    logs.mutate(|s| {
        s.groups
            .remove(&input.log_group_name)
            .ok_or_else(missing_group)?;
        Ok(json!({}))
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RetentionIn {
    log_group_name: String,
    retention_in_days: u32,
}

const RETENTION_DAYS: [u32; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

fn put_retention(logs: &Logs, input: RetentionIn) -> Result<Value> {
    if !RETENTION_DAYS.contains(&input.retention_in_days) {
        return Err(AwsJsonError::invalid(format!(
            "1 validation error detected: Value '{}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: {RETENTION_DAYS:?}",
            input.retention_in_days
        )));
    }
    logs.mutate(|s| {
        s.groups
            .get_mut(&input.log_group_name)
            .ok_or_else(missing_group)?
            .retention_in_days = Some(input.retention_in_days);
        Ok(json!({}))
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DescribeGroupsIn {
    log_group_name_prefix: Option<String>,
    log_group_name_pattern: Option<String>,
    limit: Option<usize>,
    next_token: Option<String>,
}

fn describe_log_groups(logs: &Logs, input: DescribeGroupsIn, region: &str) -> Value {
    let limit = input.limit.unwrap_or(50).clamp(1, 50);
    logs.with_state(|s| {
        let mut groups = s
            .groups
            .values()
            .filter(|g| {
                input
                    .log_group_name_prefix
                    .as_deref()
                    .is_none_or(|p| g.name.starts_with(p))
                    && input
                        .log_group_name_pattern
                        .as_deref()
                        .is_none_or(|p| g.name.contains(p))
            })
            .filter(|g| {
                input
                    .next_token
                    .as_deref()
                    .is_none_or(|t| g.name.as_str() > t)
            });
        let page: Vec<&LogGroup> = groups.by_ref().take(limit).collect();
        let more = groups.next().is_some();
        let items: Vec<Value> = page
            .iter()
            .map(|g| {
                let arn = group_arn(region, &g.name);
                let stored: usize = g
                    .streams
                    .values()
                    .flat_map(|s| s.events.iter())
                    .map(|e| e.message.len())
                    .sum();
                let mut v = json!({
                    "logGroupName": g.name,
                    "creationTime": g.creation_time,
                    "metricFilterCount": 0,
                    "arn": format!("{arn}:*"),
                    "storedBytes": stored,
                    "logGroupClass": "STANDARD",
                    "logGroupArn": arn,
                });
                if let Some(r) = g.retention_in_days {
                    v["retentionInDays"] = json!(r);
                }
                v
            })
            .collect();
        let mut out = json!({ "logGroups": items });
        if more && let Some(last) = page.last() {
            out["nextToken"] = json!(last.name);
        }
        out
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StreamIn {
    log_group_name: String,
    log_stream_name: String,
}

fn create_log_stream(logs: &Logs, input: StreamIn) -> Result<Value> {
    if input.log_stream_name.is_empty() || input.log_stream_name.contains([':', '*']) {
        return Err(AwsJsonError::invalid(
            "The log stream name must not be empty and must not contain ':' or '*'",
        ));
    }
    logs.mutate(|s| {
        let g = s
            .groups
            .get_mut(&input.log_group_name)
            .ok_or_else(missing_group)?;
        if g.streams.contains_key(&input.log_stream_name) {
            return Err(AwsJsonError::already_exists(
                "The specified log stream already exists",
            ));
        }
        g.stream_mut(&input.log_stream_name, now_ms());
        Ok(json!({}))
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DescribeStreamsIn {
    log_group_name: Option<String>,
    log_group_identifier: Option<String>,
    log_stream_name_prefix: Option<String>,
    order_by: Option<String>,
    #[serde(default)]
    descending: bool,
    limit: Option<usize>,
    next_token: Option<String>,
}

fn describe_log_streams(logs: &Logs, input: DescribeStreamsIn, region: &str) -> Result<Value> {
    let name = group_name(
        input.log_group_name.as_deref(),
        input.log_group_identifier.as_deref(),
    )?;
    let by_time = match input.order_by.as_deref() {
        None | Some("LogStreamName") => false,
        Some("LastEventTime") => true,
        Some(o) => {
            return Err(AwsJsonError::invalid(format!(
                "1 validation error detected: Value '{o}' at 'orderBy' failed to satisfy constraint: Member must satisfy enum value set: [LogStreamName, LastEventTime]"
            )));
        }
    };
    if by_time && input.log_stream_name_prefix.is_some() {
        return Err(AwsJsonError::invalid(
            "Cannot order by LastEventTime with a logStreamNamePrefix.",
        ));
    }
    let limit = input.limit.unwrap_or(50).clamp(1, 50);
    let offset = input
        .next_token
        .as_deref()
        .and_then(|t| t.parse::<usize>().ok())
        .unwrap_or(0);
    logs.with_state(|s| {
        let g = s.groups.get(&name).ok_or_else(missing_group)?;
        let mut streams: Vec<&LogStream> = g
            .streams
            .values()
            .filter(|st| {
                input
                    .log_stream_name_prefix
                    .as_deref()
                    .is_none_or(|p| st.name.starts_with(p))
            })
            .collect();
        if by_time {
            streams.sort_by_key(|st| (st.events.last().map(|e| e.timestamp), st.no));
        }
        if input.descending {
            streams.reverse();
        }
        let end = (offset + limit).min(streams.len());
        let items: Vec<Value> = streams
            .get(offset.min(end)..end)
            .unwrap_or_default()
            .iter()
            .map(|st| {
                let mut v = json!({
                    "logStreamName": st.name,
                    "creationTime": st.creation_time,
                    "arn": format!("{}:log-stream:{}", group_arn(region, &g.name), st.name),
                    "storedBytes": 0,
                });
                if let (Some(first), Some(last)) = (st.events.first(), st.events.last()) {
                    v["firstEventTimestamp"] = json!(first.timestamp);
                    v["lastEventTimestamp"] = json!(last.timestamp);
                }
                if let Some(t) = st.last_ingestion_time {
                    v["lastIngestionTime"] = json!(t);
                    v["uploadSequenceToken"] = json!(event_id(t, st.no, st.next_seq));
                }
                v
            })
            .collect();
        let mut out = json!({ "logStreams": items });
        if end < streams.len() {
            out["nextToken"] = json!(end.to_string());
        }
        Ok(out)
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PutEventsIn {
    log_group_name: String,
    log_stream_name: String,
    log_events: Vec<InputEvent>,
}

#[derive(Deserialize)]
struct InputEvent {
    timestamp: i64,
    message: String,
}

fn put_log_events(logs: &Logs, input: PutEventsIn) -> Result<Value> {
    if input.log_events.is_empty() || input.log_events.len() > 10_000 {
        return Err(AwsJsonError::invalid(
            "1 validation error detected: Value at 'logEvents' failed to satisfy constraint: Member must have length between 1 and 10000",
        ));
    }
    if input
        .log_events
        .windows(2)
        .any(|w| w[1].timestamp < w[0].timestamp)
    {
        return Err(AwsJsonError::invalid(
            "Log events in a single PutLogEvents request must be in chronological order.",
        ));
    }
    let events = input
        .log_events
        .into_iter()
        .map(|e| (e.timestamp, e.message))
        .collect();
    logs.append(&input.log_group_name, &input.log_stream_name, events, false)?;
    let token = logs.with_state(|s| {
        s.groups
            .get(&input.log_group_name)
            .and_then(|g| g.streams.get(&input.log_stream_name))
            .map(|st| event_id(now_ms(), st.no, st.next_seq))
    });
    Ok(match token {
        Some(t) => json!({ "nextSequenceToken": t }),
        None => json!({}),
    })
}

/// A CloudWatch Logs filter pattern over unstructured text: terms that must all appear, `"quoted
/// phrases"`, `?term` (at least one of them must appear) and `-term` (must not appear). Matching is
/// case-sensitive substring matching.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterPattern {
    all: Vec<String>,
    any: Vec<String>,
    none: Vec<String>,
}

impl FilterPattern {
    pub fn parse(pattern: &str) -> Result<Self, String> {
        let trimmed = pattern.trim();
        if trimmed.starts_with('{') || trimmed.starts_with('[') {
            return Err(
                "JSON and space-delimited filter patterns are not supported by lambdeck's local stack"
                    .into(),
            );
        }
        let mut out = Self::default();
        let mut chars = trimmed.chars().peekable();
        loop {
            while chars.next_if(|c| c.is_whitespace()).is_some() {}
            let Some(&first) = chars.peek() else { break };
            let kind = match first {
                '?' | '-' => {
                    chars.next();
                    first
                }
                _ => ' ',
            };
            let mut term = String::new();
            if chars.next_if_eq(&'"').is_some() {
                let mut closed = false;
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some(n) = chars.next() {
                                term.push(n);
                            }
                        }
                        '"' => {
                            closed = true;
                            break;
                        }
                        c => term.push(c),
                    }
                }
                if !closed {
                    return Err(format!(
                        "Invalid filter pattern: unclosed quote in {pattern}"
                    ));
                }
            } else {
                while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                    term.push(c);
                }
            }
            if term.is_empty() {
                continue;
            }
            match kind {
                '?' => out.any.push(term),
                '-' => out.none.push(term),
                _ => out.all.push(term),
            }
        }
        Ok(out)
    }

    pub fn matches(&self, message: &str) -> bool {
        self.all.iter().all(|t| message.contains(t.as_str()))
            && (self.any.is_empty() || self.any.iter().any(|t| message.contains(t.as_str())))
            && !self.none.iter().any(|t| message.contains(t.as_str()))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FilterIn {
    log_group_name: Option<String>,
    log_group_identifier: Option<String>,
    log_stream_names: Option<Vec<String>>,
    log_stream_name_prefix: Option<String>,
    start_time: Option<i64>,
    end_time: Option<i64>,
    filter_pattern: Option<String>,
    limit: Option<usize>,
    next_token: Option<String>,
}

fn filter_log_events(logs: &Logs, input: FilterIn) -> Result<Value> {
    let name = group_name(
        input.log_group_name.as_deref(),
        input.log_group_identifier.as_deref(),
    )?;
    if input.log_stream_names.is_some() && input.log_stream_name_prefix.is_some() {
        return Err(AwsJsonError::invalid(
            "logStreamNames and logStreamNamePrefix are mutually exclusive",
        ));
    }
    let pattern = FilterPattern::parse(input.filter_pattern.as_deref().unwrap_or(""))
        .map_err(AwsJsonError::invalid)?;
    let limit = input.limit.unwrap_or(10_000).clamp(1, 10_000);
    let after = match input.next_token.as_deref() {
        Some(t) => Some(parse_filter_token(t)?),
        None => None,
    };
    logs.with_state(|s| {
        let g = s.groups.get(&name).ok_or_else(missing_group)?;
        // Candidates: (timestamp, stream no, seq) is the event id's order.
        let mut found: Vec<((i64, u64, u64), &LogStream, &LogEvent)> = Vec::new();
        for st in g.streams.values() {
            let selected = match (&input.log_stream_names, &input.log_stream_name_prefix) {
                (Some(names), _) => names.contains(&st.name),
                (_, Some(p)) => st.name.starts_with(p.as_str()),
                _ => true,
            };
            if !selected {
                continue;
            }
            let from = input
                .start_time
                .map_or(0, |t| st.events.partition_point(|e| e.timestamp < t));
            for e in &st.events[from..] {
                if input.end_time.is_some_and(|t| e.timestamp > t) {
                    break;
                }
                let key = (e.timestamp.max(0), st.no, e.seq);
                if after.is_some_and(|a| key <= a) || !pattern.matches(&e.message) {
                    continue;
                }
                found.push((key, st, e));
            }
        }
        found.sort_by_key(|(k, _, _)| *k);
        let more = found.len() > limit;
        found.truncate(limit);
        let events: Vec<Value> = found
            .iter()
            .map(|((ts, no, seq), st, e)| {
                json!({
                    "logStreamName": st.name,
                    "timestamp": e.timestamp,
                    "message": e.message,
                    "ingestionTime": e.ingestion_time,
                    "eventId": event_id(*ts, *no, *seq),
                })
            })
            .collect();
        let mut out = json!({ "events": events, "searchedLogStreams": [] });
        if more && let Some(((ts, no, seq), _, _)) = found.last() {
            out["nextToken"] = json!(event_id(*ts, *no, *seq));
        }
        Ok(out)
    })
}

fn parse_filter_token(token: &str) -> Result<(i64, u64, u64)> {
    let bad = || AwsJsonError::invalid("The specified nextToken is invalid.");
    if token.len() != 56 || !token.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let ts = token[..20].parse::<i64>().map_err(|_| bad())?;
    let no = token[20..36].parse::<u64>().map_err(|_| bad())?;
    let seq = token[36..].parse::<u64>().map_err(|_| bad())?;
    Ok((ts, no, seq))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GetEventsIn {
    log_group_name: Option<String>,
    log_group_identifier: Option<String>,
    log_stream_name: String,
    start_time: Option<i64>,
    end_time: Option<i64>,
    next_token: Option<String>,
    limit: Option<usize>,
    #[serde(default)]
    start_from_head: bool,
}

fn get_log_events(logs: &Logs, input: GetEventsIn) -> Result<Value> {
    let name = group_name(
        input.log_group_name.as_deref(),
        input.log_group_identifier.as_deref(),
    )?;
    let limit = input.limit.unwrap_or(10_000).clamp(1, 10_000);
    logs.with_state(|s| {
        let g = s.groups.get(&name).ok_or_else(missing_group)?;
        let st = g
            .streams
            .get(&input.log_stream_name)
            .ok_or_else(missing_stream)?;
        // The window of the stream within [startTime, endTime).
        let lo = input
            .start_time
            .map_or(0, |t| st.events.partition_point(|e| e.timestamp < t));
        let hi = input
            .end_time
            .map_or(st.events.len(), |t| st.events.partition_point(|e| e.timestamp < t))
            .max(lo);
        let window = &st.events[lo..hi];
        let (start, end) = match input.next_token.as_deref() {
            Some(t) => {
                let (dir, n) = t
                    .split_once('/')
                    .and_then(|(d, n)| Some((d, n.parse::<usize>().ok()?)))
                    .filter(|(d, _)| *d == "f" || *d == "b")
                    .ok_or_else(|| AwsJsonError::invalid("The specified nextToken is invalid."))?;
                let n = n.min(window.len());
                if dir == "f" {
                    (n, (n + limit).min(window.len()))
                } else {
                    (n.saturating_sub(limit), n)
                }
            }
            None if input.start_from_head => (0, limit.min(window.len())),
            None => (window.len().saturating_sub(limit), window.len()),
        };
        let events: Vec<Value> = window[start..end]
            .iter()
            .map(|e| {
                json!({"timestamp": e.timestamp, "message": e.message, "ingestionTime": e.ingestion_time})
            })
            .collect();
        Ok(json!({
            "events": events,
            "nextForwardToken": format!("f/{end:056}"),
            "nextBackwardToken": format!("b/{start:056}"),
        }))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logs_with(events: &[(&str, i64, &str)]) -> Logs {
        let logs = Logs::new(LogsState::default());
        for (stream, ts, msg) in events {
            logs.put("/aws/lambda/f", stream, vec![(*ts, (*msg).to_owned())]);
        }
        logs
    }

    fn filter(logs: &Logs, input: Value) -> Value {
        let input: FilterIn = serde_json::from_value(input).unwrap();
        filter_log_events(logs, input).unwrap()
    }

    #[test]
    fn filter_patterns() {
        let p = FilterPattern::parse("ERROR ?timeout ?refused -retry").unwrap();
        assert!(p.matches("ERROR connection refused"));
        assert!(p.matches("ERROR timeout"));
        assert!(!p.matches("ERROR other"));
        assert!(!p.matches("ERROR timeout, retry"));
        assert!(!p.matches("timeout"));
        let p = FilterPattern::parse("\"RequestId: abc\" REPORT").unwrap();
        assert!(p.matches("REPORT RequestId: abc\tDuration: 1 ms"));
        assert!(!p.matches("REPORT RequestId: abd"));
        let p = FilterPattern::parse("?START ?REPORT").unwrap();
        assert!(p.matches("START RequestId: x"));
        assert!(!p.matches("END RequestId: x"));
        assert!(FilterPattern::parse("").unwrap().matches("anything"));
        assert!(FilterPattern::parse("-\"a b\"").unwrap().matches("a c b"));
        assert!(!FilterPattern::parse("-\"a b\"").unwrap().matches("xa by"));
        assert!(FilterPattern::parse("\"open").is_err());
        assert!(FilterPattern::parse("{ $.level = \"error\" }").is_err());
        // Case matters, as on CloudWatch.
        assert!(!FilterPattern::parse("error").unwrap().matches("ERROR"));
    }

    #[test]
    fn event_ids_are_56_digits_unique_and_stable() {
        let logs = logs_with(&[("a", 5, "one"), ("b", 5, "two"), ("a", 5, "three")]);
        let first = filter(&logs, json!({"logGroupName": "/aws/lambda/f"}));
        let again = filter(&logs, json!({"logGroupName": "/aws/lambda/f"}));
        assert_eq!(first, again);
        let ids: Vec<&str> = first["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["eventId"].as_str().unwrap())
            .collect();
        assert_eq!(ids.len(), 3);
        assert!(
            ids.iter()
                .all(|i| i.len() == 56 && i.bytes().all(|b| b.is_ascii_digit()))
        );
        let mut unique = ids.clone();
        unique.dedup();
        assert_eq!(unique.len(), 3);
        assert_eq!(event_id(1, 2, 3).len(), 56);
    }

    #[test]
    fn filter_paginates_until_the_token_is_absent() {
        let events: Vec<(&str, i64, &str)> = (0..7)
            .map(|i| (if i % 2 == 0 { "a" } else { "b" }, 100 + i, "line"))
            .collect();
        let logs = logs_with(&events);
        let mut seen = Vec::new();
        let mut token: Option<String> = None;
        let mut pages = 0;
        loop {
            let mut input = json!({"logGroupName": "/aws/lambda/f", "limit": 3});
            if let Some(t) = &token {
                input["nextToken"] = json!(t);
            }
            let page = filter(&logs, input);
            pages += 1;
            for e in page["events"].as_array().unwrap() {
                seen.push(e["timestamp"].as_i64().unwrap());
            }
            match page.get("nextToken").and_then(Value::as_str) {
                Some(t) => token = Some(t.to_owned()),
                None => break,
            }
        }
        assert_eq!(pages, 3);
        assert_eq!(seen, (100..107).collect::<Vec<_>>());
    }

    #[test]
    fn filter_by_time_stream_and_pattern() {
        let logs = logs_with(&[
            ("a", 10, "START RequestId: 1"),
            ("a", 20, "hello"),
            ("b", 30, "REPORT RequestId: 1"),
            ("c", 40, "START RequestId: 2"),
        ]);
        let page = filter(
            &logs,
            json!({"logGroupName": "/aws/lambda/f", "filterPattern": "?START ?REPORT", "startTime": 15, "endTime": 40}),
        );
        let msgs: Vec<&str> = page["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["message"].as_str().unwrap())
            .collect();
        assert_eq!(msgs, ["REPORT RequestId: 1", "START RequestId: 2"]);
        let page = filter(
            &logs,
            json!({"logGroupIdentifier": "arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/f:*", "logStreamNames": ["a"]}),
        );
        assert_eq!(page["events"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn get_log_events_tokens_come_back_at_the_end() {
        let logs = logs_with(&[("a", 1, "x"), ("a", 2, "y"), ("a", 3, "z")]);
        let get = |v: Value| get_log_events(&logs, serde_json::from_value(v).unwrap()).unwrap();
        let head = get(
            json!({"logGroupName": "/aws/lambda/f", "logStreamName": "a", "startFromHead": true, "limit": 2}),
        );
        assert_eq!(head["events"].as_array().unwrap().len(), 2);
        let fwd = head["nextForwardToken"].as_str().unwrap().to_owned();
        let rest =
            get(json!({"logGroupName": "/aws/lambda/f", "logStreamName": "a", "nextToken": fwd}));
        assert_eq!(rest["events"][0]["message"], "z");
        let end = rest["nextForwardToken"].as_str().unwrap().to_owned();
        let again =
            get(json!({"logGroupName": "/aws/lambda/f", "logStreamName": "a", "nextToken": end}));
        assert!(again["events"].as_array().unwrap().is_empty());
        assert_eq!(again["nextForwardToken"].as_str().unwrap(), end);
        let tail = get(json!({"logGroupName": "/aws/lambda/f", "logStreamName": "a", "limit": 1}));
        assert_eq!(tail["events"][0]["message"], "z");
    }

    #[test]
    fn put_into_a_missing_stream_is_an_error_but_the_sink_creates_it() {
        let logs = Logs::new(LogsState::default());
        let err = logs
            .append("g", "s", vec![(1, "x".into())], false)
            .unwrap_err();
        assert_eq!(err.code, "ResourceNotFoundException");
        logs.put("g", "s", vec![(1, "x".into())]);
        assert!(logs.take_dirty());
        logs.with_state(|s| assert_eq!(s.groups["g"].streams["s"].events.len(), 1));
    }
}
