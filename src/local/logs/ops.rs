//! CloudWatch Logs' operations: log groups and streams, retention, PutLogEvents, FilterLogEvents
//! with filter patterns and pagination, GetLogEvents.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;

use super::filter::FilterPattern;
use super::model::{LogGroup, LogStream, Logs, LogsState, event_id, missing_group, missing_stream};
use super::wire::{
    CreateGroupIn, DescribeGroupsIn, DescribeLogGroupsOut, DescribeLogStreamsOut,
    DescribeStreamsIn, Empty, FilterIn, FilterLogEventsOut, FilteredEvent, GetEventsIn,
    GetLogEventsOut, GroupIn, ListGroupsIn, ListLogGroupsOut, LogGroupOut, LogGroupSummary,
    LogStreamOut, OutputEvent, PutEventsIn, PutLogEventsOut, RejectedLogEventsInfo, RetentionIn,
    StreamIn, TagsIn, TagsOut,
};
use crate::local::common::{AwsJsonError, Req, now_ms};
use crate::local::store::log_group_key;

pub type Result<T, E = AwsJsonError> = std::result::Result<T, E>;

pub(super) fn group_arn(region: &str, name: &str) -> String {
    crate::partition::arn(
        region,
        "logs",
        crate::local::account_id(),
        &format!("log-group:{name}"),
    )
}

/// Whether a `logGroupIdentifier` satisfies the API model's pattern `[\w#+=/:,.@-]*`: a name or a
/// group's `logGroupArn`, never the `arn` that ends in `:*`.
fn valid_identifier(identifier: &str) -> bool {
    identifier
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_#+=/:,.@-".contains(c))
}

/// AWS's refusal of an identifier outside the pattern (the `arn` member DescribeLogGroups returns,
/// with its trailing `:*`), as AWS's answers give it: the value is not repeated.
pub(super) fn check_identifier(member: &str, identifier: &str) -> Result<()> {
    if valid_identifier(identifier) {
        return Ok(());
    }
    Err(AwsJsonError::invalid(format!(
        "1 validation error detected: Value at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w#+=/:,.@-]*"
    )))
}

/// A group named directly, or by its ARN (`logGroupArn`, without the trailing `:*`, which AWS
/// refuses in `logGroupIdentifier`).
pub(super) fn group_name(name: Option<&str>, identifier: Option<&str>) -> Result<String> {
    if let (None, Some(id)) = (name, identifier) {
        check_identifier("logGroupIdentifier", id)?;
    }
    let raw = name.or(identifier).ok_or_else(|| {
        AwsJsonError::invalid("Either logGroupName or logGroupIdentifier must be specified")
    })?;
    Ok(match raw.split_once(":log-group:") {
        Some((_, n)) if raw.starts_with("arn:") => n.to_owned(),
        _ => raw.to_owned(),
    })
}

pub(super) fn ok(body: impl Serialize) -> Response {
    let mut r = (StatusCode::OK, axum::Json(body)).into_response();
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-amz-json-1.1"),
    );
    r
}

pub(super) fn parse<T: serde::de::DeserializeOwned>(req: &Req) -> Result<T> {
    req.json()
        .map_err(|m| AwsJsonError::new("SerializationException", m))
}

/// CreateLogGroup's name: 1 to 512 characters of `[\.\-_/#A-Za-z0-9]`. Every constraint the name
/// violates is reported in one ValidationException-style message, as AWS reports them.
pub(super) fn check_group_name(name: &str) -> Result<()> {
    let mut violations = Vec::new();
    if name.len() > 512 {
        violations.push("Member must have length less than or equal to 512");
    }
    if name.is_empty() {
        violations.push("Member must have length greater than or equal to 1");
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._-/#".contains(c))
    {
        violations.push("Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+");
    }
    if violations.is_empty() {
        return Ok(());
    }
    let count = match violations.len() {
        1 => "1 validation error detected".to_owned(),
        n => format!("{n} validation errors detected"),
    };
    let each: Vec<String> = violations
        .iter()
        .map(|v| format!("Value '{name}' at 'logGroupName' failed to satisfy constraint: {v}"))
        .collect();
    Err(AwsJsonError::invalid(format!(
        "{count}: {}",
        each.join("; ")
    )))
}

pub(super) fn group_tags(logs: &Logs, op: &str, region: &str, input: TagsIn) -> Result<TagsOut> {
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
    let read = |s: &LogsState| -> Result<TagsOut> {
        let g = s
            .groups
            .get(&log_group_key(region, &name))
            .ok_or_else(missing_group)?;
        Ok(TagsOut {
            tags: Some(g.tags.clone()),
        })
    };
    match op {
        "ListTagsForResource" | "ListTagsLogGroup" => logs.with_state(read),
        _ => {
            logs.update_tags(&log_group_key(region, &name), |tags| {
                match (op, input.tags) {
                    ("TagResource" | "TagLogGroup", Value::Object(m)) => {
                        for (k, v) in m {
                            let v = v
                                .as_str()
                                .map(str::to_owned)
                                .unwrap_or_else(|| v.to_string());
                            tags.insert(k, v);
                        }
                    }
                    ("TagResource" | "TagLogGroup", _) => {
                        return Err(AwsJsonError::invalid("tags must be a map of strings"));
                    }
                    (_, keys) => {
                        let listed = keys.as_array().cloned().unwrap_or_default();
                        let listed = listed.iter().filter_map(Value::as_str).map(str::to_owned);
                        for k in input.tag_keys.into_iter().chain(listed) {
                            tags.remove(&k);
                        }
                    }
                }
                Ok(())
            })?;
            Ok(TagsOut { tags: None })
        }
    }
}

pub(super) fn create_log_group(logs: &Logs, region: &str, input: CreateGroupIn) -> Result<Empty> {
    check_group_name(&input.log_group_name)?;
    logs.create_group_tagged(
        &log_group_key(region, &input.log_group_name),
        input.tags,
        input.kms_key_id,
    )?;
    Ok(Empty {})
}

pub(super) fn delete_log_group(logs: &Logs, region: &str, input: GroupIn) -> Result<Empty> {
    logs.delete_group(&log_group_key(region, &input.log_group_name))?;
    Ok(Empty {})
}

pub(super) fn delete_retention(logs: &Logs, region: &str, input: GroupIn) -> Result<Empty> {
    logs.set_retention(&log_group_key(region, &input.log_group_name), None)?;
    Ok(Empty {})
}

const RETENTION_DAYS: [u32; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

pub(super) fn put_retention(logs: &Logs, region: &str, input: RetentionIn) -> Result<Empty> {
    if !RETENTION_DAYS.contains(&input.retention_in_days) {
        return Err(AwsJsonError::invalid(format!(
            "1 validation error detected: Value '{}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: {RETENTION_DAYS:?}",
            input.retention_in_days
        )));
    }
    logs.set_retention(
        &log_group_key(region, &input.log_group_name),
        Some(input.retention_in_days),
    )?;
    Ok(Empty {})
}

/// A request's `limit`: its default when absent, refused (with AWS's message) outside 1..=max.
pub(super) fn check_limit(limit: Option<usize>, default: usize, max: usize) -> Result<usize> {
    match limit {
        None => Ok(default),
        Some(0) => Err(AwsJsonError::invalid(
            "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
        )),
        Some(n) if n > max => Err(AwsJsonError::invalid(format!(
            "1 validation error detected: Value '{n}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to {max}"
        ))),
        Some(n) => Ok(n),
    }
}

/// ListLogGroups: the groups' names, ARNs and class, by name pattern (a substring), paginated.
pub(super) fn list_log_groups(
    logs: &Logs,
    input: ListGroupsIn,
    region: &str,
) -> Result<ListLogGroupsOut> {
    let limit = check_limit(input.limit, 50, 1000)?;
    if input
        .log_group_class
        .as_deref()
        .is_some_and(|c| c != "STANDARD")
    {
        return Ok(ListLogGroupsOut {
            log_groups: Vec::new(),
            next_token: None,
        });
    }
    let prefix = log_group_key(region, "");
    Ok(logs.with_state(|s| {
        let mut groups = s
            .groups
            .range(prefix.clone()..)
            .map_while(|(k, g)| k.strip_prefix(&prefix).map(|name| (name, g)))
            .filter(|(name, _)| {
                input
                    .log_group_name_pattern
                    .as_deref()
                    .is_none_or(|p| name.contains(p))
            })
            .filter(|(name, _)| input.next_token.as_deref().is_none_or(|t| *name > t));
        let page: Vec<(&str, &LogGroup)> = groups.by_ref().take(limit).collect();
        let more = groups.next().is_some();
        ListLogGroupsOut {
            log_groups: page
                .iter()
                .map(|(name, _)| LogGroupSummary {
                    log_group_name: (*name).to_owned(),
                    log_group_arn: group_arn(region, name),
                    log_group_class: "STANDARD",
                })
                .collect(),
            next_token: page
                .last()
                .filter(|_| more)
                .map(|(last, _)| (*last).to_owned()),
        }
    }))
}

pub(super) fn describe_log_groups(
    logs: &Logs,
    input: DescribeGroupsIn,
    region: &str,
) -> Result<DescribeLogGroupsOut> {
    let limit = check_limit(input.limit, 50, 50)?;
    let prefix = log_group_key(region, "");
    Ok(logs.with_state(|s| {
        let mut groups = s
            .groups
            .range(prefix.clone()..)
            .map_while(|(k, g)| k.strip_prefix(&prefix).map(|name| (name, g)))
            .filter(|(name, _)| {
                input
                    .log_group_name_prefix
                    .as_deref()
                    .is_none_or(|p| name.starts_with(p))
                    && input
                        .log_group_name_pattern
                        .as_deref()
                        .is_none_or(|p| name.contains(p))
            })
            .filter(|(name, _)| input.next_token.as_deref().is_none_or(|t| *name > t));
        let page: Vec<(&str, &LogGroup)> = groups.by_ref().take(limit).collect();
        let more = groups.next().is_some();
        let items = page
            .iter()
            .map(|(name, g)| {
                let arn = group_arn(region, name);
                LogGroupOut {
                    log_group_name: (*name).to_owned(),
                    creation_time: g.creation_time,
                    retention_in_days: g.retention_in_days,
                    metric_filter_count: 0,
                    arn: format!("{arn}:*"),
                    stored_bytes: g.streams.values().map(|s| s.stored_bytes).sum(),
                    log_group_class: "STANDARD",
                    log_group_arn: arn,
                    kms_key_id: g.kms_key_id.clone(),
                }
            })
            .collect();
        DescribeLogGroupsOut {
            log_groups: items,
            next_token: page
                .last()
                .filter(|_| more)
                .map(|(last, _)| (*last).to_owned()),
        }
    }))
}

pub(super) fn create_log_stream(logs: &Logs, region: &str, input: StreamIn) -> Result<Empty> {
    if input.log_stream_name.is_empty() || input.log_stream_name.contains([':', '*']) {
        return Err(AwsJsonError::invalid(
            "The log stream name must not be empty and must not contain ':' or '*'",
        ));
    }
    logs.create_stream(
        &log_group_key(region, &input.log_group_name),
        &input.log_stream_name,
    )?;
    Ok(Empty {})
}

pub(super) fn delete_log_stream(logs: &Logs, region: &str, input: StreamIn) -> Result<Empty> {
    logs.delete_stream(
        &log_group_key(region, &input.log_group_name),
        &input.log_stream_name,
    )?;
    Ok(Empty {})
}

pub(super) fn describe_log_streams(
    logs: &Logs,
    input: DescribeStreamsIn,
    region: &str,
) -> Result<DescribeLogStreamsOut> {
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
    let limit = check_limit(input.limit, 50, 50)?;
    let offset = input
        .next_token
        .as_deref()
        .and_then(|t| t.parse::<usize>().ok())
        .unwrap_or(0);
    logs.with_state(|s| {
        let g = s
            .groups
            .get(&log_group_key(region, &name))
            .ok_or_else(missing_group)?;
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
            streams.sort_by_key(|st| (st.last_timestamp, st.no));
        }
        if input.descending {
            streams.reverse();
        }
        let end = (offset + limit).min(streams.len());
        let items = streams
            .get(offset.min(end)..end)
            .unwrap_or_default()
            .iter()
            .map(|st| {
                let span = st.first_timestamp.zip(st.last_timestamp);
                LogStreamOut {
                    log_stream_name: st.name.clone(),
                    creation_time: st.creation_time,
                    first_event_timestamp: span.map(|(first, _)| first),
                    last_event_timestamp: span.map(|(_, last)| last),
                    last_ingestion_time: st.last_ingestion_time,
                    upload_sequence_token: st
                        .last_ingestion_time
                        .map(|t| event_id(t, st.no, st.next_seq)),
                    arn: format!("{}:log-stream:{}", group_arn(region, &name), st.name),
                    stored_bytes: 0,
                }
            })
            .collect();
        Ok(DescribeLogStreamsOut {
            log_streams: items,
            next_token: (end < streams.len()).then(|| end.to_string()),
        })
    })
}

pub(super) fn put_log_events(
    logs: &Logs,
    region: &str,
    input: PutEventsIn,
) -> Result<PutLogEventsOut> {
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
    // CloudWatch refuses events more than 14 days old, older than the group's retention, or more than
    // 2 hours ahead, and says which in rejectedLogEventsInfo; the batch is in order, so the refused
    // ones are a prefix and a suffix.
    let now = now_ms();
    let retention = logs.with_state(|s| {
        s.groups
            .get(&log_group_key(region, &input.log_group_name))
            .and_then(|g| g.retention_in_days)
    });
    let too_old = now - 14 * 86_400_000;
    let expired = retention.map(|days| now - i64::from(days) * 86_400_000);
    let n_old = input
        .log_events
        .iter()
        .take_while(|e| e.timestamp < too_old)
        .count();
    let n_expired = expired.map_or(0, |limit| {
        input
            .log_events
            .iter()
            .take_while(|e| e.timestamp < limit)
            .count()
    });
    let new_from = input
        .log_events
        .iter()
        .position(|e| e.timestamp > now + 2 * 3_600_000);
    let rejected = RejectedLogEventsInfo {
        too_new_log_event_start_index: new_from,
        too_old_log_event_end_index: (n_old > 0).then_some(n_old),
        expired_log_event_end_index: (n_expired > 0).then_some(n_expired),
    };
    let keep_from = n_old.max(n_expired);
    let keep_to = new_from.unwrap_or(input.log_events.len()).max(keep_from);
    let events = input
        .log_events
        .into_iter()
        .take(keep_to)
        .skip(keep_from)
        .map(|e| (e.timestamp, e.message))
        .collect();
    logs.append(
        &log_group_key(region, &input.log_group_name),
        &input.log_stream_name,
        events,
        false,
    )?;
    let token = logs.with_state(|s| {
        s.groups
            .get(&log_group_key(region, &input.log_group_name))
            .and_then(|g| g.streams.get(&input.log_stream_name))
            .map(|st| event_id(now_ms(), st.no, st.next_seq))
    });
    let any_rejected = rejected.too_new_log_event_start_index.is_some()
        || rejected.too_old_log_event_end_index.is_some()
        || rejected.expired_log_event_end_index.is_some();
    Ok(PutLogEventsOut {
        next_sequence_token: token,
        rejected_log_events_info: any_rejected.then_some(rejected),
    })
}

pub(super) fn filter_log_events(
    logs: &Logs,
    region: &str,
    input: FilterIn,
) -> Result<FilterLogEventsOut> {
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
    let limit = check_limit(input.limit, 10_000, 10_000)?;
    let after = match input.next_token.as_deref() {
        Some(t) => Some(parse_filter_token(t)?),
        None => None,
    };
    logs.read(|s, db| {
        let g = s
            .groups
            .get(&log_group_key(region, &name))
            .ok_or_else(missing_group)?;
        let selected: Vec<&LogStream> = g
            .streams
            .values()
            .filter(
                |st| match (&input.log_stream_names, &input.log_stream_name_prefix) {
                    (Some(names), _) => names.contains(&st.name),
                    (_, Some(p)) => st.name.starts_with(p.as_str()),
                    _ => true,
                },
            )
            .collect();
        let by_sid: std::collections::HashMap<i64, &LogStream> =
            selected.iter().map(|st| (st.sid, *st)).collect();
        let sids: Vec<i64> = selected.iter().map(|st| st.sid).collect();
        // The token names (timestamp, stream no, seq); the database orders by (timestamp, stream id,
        // seq), the same order within a group (both number streams in creation order).
        let after = match after {
            Some((ts, no, seq)) => {
                let sid = g
                    .streams
                    .values()
                    .filter(|st| st.no <= no)
                    .map(|st| st.sid)
                    .max()
                    .unwrap_or(i64::MIN);
                (ts, sid, seq)
            }
            None => (i64::MIN, i64::MIN, 0),
        };
        let mut found: Vec<FilteredEvent> = Vec::new();
        let mut last = None;
        let mut more = false;
        db.scan(
            &sids,
            input.start_time.unwrap_or(i64::MIN),
            input.end_time.unwrap_or(i64::MAX),
            after,
            |e| {
                if !pattern.matches(&e.message) {
                    return true;
                }
                if found.len() == limit {
                    more = true;
                    return false;
                }
                let Some(st) = by_sid.get(&e.sid) else {
                    return true;
                };
                let id = event_id(e.timestamp, st.no, e.seq);
                last = Some(id.clone());
                found.push(FilteredEvent {
                    log_stream_name: st.name.clone(),
                    timestamp: e.timestamp,
                    message: e.message.clone(),
                    ingestion_time: e.ingestion_time,
                    event_id: id,
                });
                true
            },
        )
        .map_err(|e| AwsJsonError::internal(format!("The local stack's store failed: {e}")))?;
        Ok(FilterLogEventsOut {
            events: found,
            searched_log_streams: Vec::new(),
            next_token: last.filter(|_| more),
        })
    })
}

pub(super) fn parse_filter_token(token: &str) -> Result<(i64, u64, u64)> {
    let bad = || AwsJsonError::invalid("The specified nextToken is invalid.");
    if token.len() != 56 || !token.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let ts = token[..20].parse::<i64>().map_err(|_| bad())?;
    let no = token[20..36].parse::<u64>().map_err(|_| bad())?;
    let seq = token[36..].parse::<u64>().map_err(|_| bad())?;
    Ok((ts, no, seq))
}

pub(super) fn get_log_events(
    logs: &Logs,
    region: &str,
    input: GetEventsIn,
) -> Result<GetLogEventsOut> {
    let name = group_name(
        input.log_group_name.as_deref(),
        input.log_group_identifier.as_deref(),
    )?;
    let limit = check_limit(input.limit, 10_000, 10_000)?;
    let store_failed =
        |e: rusqlite::Error| AwsJsonError::internal(format!("The local stack's store failed: {e}"));
    logs.read(|s, db| {
        let g = s
            .groups
            .get(&log_group_key(region, &name))
            .ok_or_else(missing_group)?;
        let st = g
            .streams
            .get(&input.log_stream_name)
            .ok_or_else(missing_stream)?;
        // The window of the stream within [startTime, endTime).
        let from = input.start_time.unwrap_or(i64::MIN);
        let to = input.end_time.unwrap_or(i64::MAX);
        let len = usize::try_from(db.count_stream(st.sid, from, to).map_err(store_failed)?)
            .unwrap_or(usize::MAX);
        let (start, end) = match input.next_token.as_deref() {
            Some(t) => {
                let (dir, n) = t
                    .split_once('/')
                    .and_then(|(d, n)| Some((d, n.parse::<usize>().ok()?)))
                    .filter(|(d, _)| *d == "f" || *d == "b")
                    .ok_or_else(|| AwsJsonError::invalid("The specified nextToken is invalid."))?;
                let n = n.min(len);
                if dir == "f" {
                    (n, (n + limit).min(len))
                } else {
                    (n.saturating_sub(limit), n)
                }
            }
            None if input.start_from_head => (0, limit.min(len)),
            None => (len.saturating_sub(limit), len),
        };
        let rows = db
            .stream_events(st.sid, from, to, start as u64, (end - start) as u64)
            .map_err(store_failed)?;
        let events = rows
            .into_iter()
            .map(|e| OutputEvent {
                timestamp: e.timestamp,
                message: e.message,
                ingestion_time: e.ingestion_time,
            })
            .collect();
        Ok(GetLogEventsOut {
            events,
            next_forward_token: format!("f/{end:056}"),
            next_backward_token: format!("b/{start:056}"),
        })
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::local::exec::LogSink;

    fn logs_with(events: &[(&str, i64, &str)]) -> Logs {
        let logs = Logs::in_memory().unwrap();
        for (stream, ts, msg) in events {
            logs.put(
                "us-east-1",
                "/aws/lambda/f",
                stream,
                vec![(*ts, (*msg).to_owned())],
            );
        }
        logs
    }

    fn filter(logs: &Logs, input: Value) -> Value {
        let input: FilterIn = serde_json::from_value(input).unwrap();
        serde_json::to_value(filter_log_events(logs, "us-east-1", input).unwrap()).unwrap()
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
            json!({"logGroupIdentifier": "arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/f", "logStreamNames": ["a"]}),
        );
        assert_eq!(page["events"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn an_identifier_ending_in_a_star_is_refused_as_aws_refuses_it() {
        // AWS's answer to DescribeLogStreams and GetLogEvents given the group's `arn` member
        // (`...:log-group:NAME:*`) rather than its `logGroupArn`.
        let logs = logs_with(&[("a", 10, "x")]);
        let arn = "arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/f:*";
        let expected = "1 validation error detected: Value at 'logGroupIdentifier' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w#+=/:,.@-]*";
        let input: FilterIn = serde_json::from_value(json!({"logGroupIdentifier": arn})).unwrap();
        let e = filter_log_events(&logs, "us-east-1", input).unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            ("InvalidParameterException", expected)
        );
        let input: GetEventsIn =
            serde_json::from_value(json!({"logGroupIdentifier": arn, "logStreamName": "a"}))
                .unwrap();
        let e = get_log_events(&logs, "us-east-1", input).unwrap_err();
        assert_eq!(e.message, expected);
        let input: DescribeStreamsIn =
            serde_json::from_value(json!({"logGroupIdentifier": arn})).unwrap();
        let e = describe_log_streams(&logs, input, "us-east-1").unwrap_err();
        assert_eq!(e.message, expected);
        let input: DescribeStreamsIn =
            serde_json::from_value(json!({"logGroupIdentifier": arn.trim_end_matches(":*")}))
                .unwrap();
        assert!(describe_log_streams(&logs, input, "us-east-1").is_ok());
    }

    #[test]
    fn a_log_group_name_reports_each_constraint_it_violates() {
        let long = "a".repeat(513);
        assert_eq!(
            check_group_name(&long).unwrap_err().message,
            format!(
                "1 validation error detected: Value '{long}' at 'logGroupName' failed to satisfy constraint: Member must have length less than or equal to 512"
            )
        );
        let both = "!".repeat(513);
        assert_eq!(
            check_group_name(&both).unwrap_err().message,
            format!(
                "2 validation errors detected: Value '{both}' at 'logGroupName' failed to satisfy constraint: Member must have length less than or equal to 512; Value '{both}' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+"
            )
        );
        assert!(check_group_name(&"a".repeat(512)).is_ok());
    }

    #[test]
    fn get_log_events_tokens_come_back_at_the_end() {
        let logs = logs_with(&[("a", 1, "x"), ("a", 2, "y"), ("a", 3, "z")]);
        let get = |v: Value| {
            serde_json::to_value(
                get_log_events(&logs, "us-east-1", serde_json::from_value(v).unwrap()).unwrap(),
            )
            .unwrap()
        };
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
        let logs = Logs::in_memory().unwrap();
        let err = logs
            .append("g", "s", vec![(1, "x".into())], false)
            .unwrap_err();
        assert_eq!(err.code, "ResourceNotFoundException");
        logs.put("us-east-1", "g", "s", vec![(1, "x".into())]);
        logs.with_state(|s| assert_eq!(s.groups["us-east-1:g"].streams["s"].next_seq, 1));
    }
}
