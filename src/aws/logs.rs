//! CloudWatch Logs calls for the tail: FilterLogEvents one page at a time, StartLiveTail as a stream of
//! batches, and PutLogEvents. Everything returned is a domain type; failures are `AwsError`.

use aws_sdk_cloudwatchlogs::types::{InputLogEvent, StartLiveTailResponseStream};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::{AwsError, Clients, ErrorKind};

/// One log event as CloudWatch Logs returns it. Live Tail events have no event id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawEvent {
    pub event_id: Option<String>,
    pub stream: String,
    /// Epoch milliseconds, as the writer stamped it.
    pub timestamp: i64,
    /// Epoch milliseconds, when CloudWatch Logs stored it.
    pub ingestion_time: i64,
    pub message: String,
}

/// One FilterLogEvents request: the whole group from `start_time`, optionally matching a pattern.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterQuery {
    pub group: String,
    /// Inclusive, epoch milliseconds.
    pub start_time: i64,
    /// Inclusive, epoch milliseconds.
    pub end_time: Option<i64>,
    pub pattern: Option<String>,
    pub next_token: Option<String>,
}

/// One page of FilterLogEvents. A page may be short or empty while more remain: only an absent
/// `next_token` ends a scan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterPage {
    pub events: Vec<RawEvent>,
    pub next_token: Option<String>,
}

/// Reads one FilterLogEvents page.
pub async fn filter_page(clients: &Clients, query: &FilterQuery) -> Result<FilterPage, AwsError> {
    let out = clients
        .logs
        .filter_log_events()
        .log_group_name(&query.group)
        .start_time(query.start_time)
        .set_end_time(query.end_time)
        .set_filter_pattern(query.pattern.clone())
        .set_next_token(query.next_token.clone())
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("FilterLogEvents", group_resource(&query.group), e))?;
    let events = out
        .events()
        .iter()
        .map(|e| RawEvent {
            event_id: e.event_id().map(ToOwned::to_owned),
            stream: e.log_stream_name().unwrap_or_default().to_owned(),
            timestamp: e.timestamp().unwrap_or_default(),
            ingestion_time: e.ingestion_time().unwrap_or_default(),
            message: e.message().unwrap_or_default().to_owned(),
        })
        .collect();
    Ok(FilterPage {
        events,
        // Some services answer the last page with an empty token rather than none.
        next_token: out
            .next_token()
            .filter(|t| !t.is_empty())
            .map(ToOwned::to_owned),
    })
}

/// The ARN StartLiveTail wants for a group (without the trailing `:*`), found with DescribeLogGroups.
pub async fn group_arn(clients: &Clients, group: &str) -> Result<String, AwsError> {
    let out = clients
        .logs
        .describe_log_groups()
        .log_group_name_prefix(group)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("DescribeLogGroups", group_resource(group), e))?;
    let found = out
        .log_groups()
        .iter()
        .find(|g| g.log_group_name() == Some(group))
        .ok_or_else(|| AwsError {
            kind: ErrorKind::NotFound,
            operation: "DescribeLogGroups",
            resource: group_resource(group),
            code: None,
            message: "the log group does not exist yet (the function has not logged anything)"
                .into(),
        })?;
    if let Some(arn) = found.log_group_arn() {
        return Ok(arn.to_owned());
    }
    // Older endpoints only send `arn`, which ends in `:*`.
    found
        .arn()
        .map(|a| a.trim_end_matches(":*").to_owned())
        .ok_or_else(|| AwsError {
            kind: ErrorKind::Malformed,
            operation: "DescribeLogGroups",
            resource: group_resource(group),
            code: None,
            message: "the log group has no ARN".into(),
        })
}

/// One Live Tail update.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveBatch {
    pub events: Vec<RawEvent>,
    /// The service left events out (AWS samples above about 500 events a second).
    pub sampled: bool,
}

/// What to follow with Live Tail.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveQuery {
    pub group_arn: String,
    pub pattern: Option<String>,
}

/// An open Live Tail session: batches of events as the service pushes them (about once a second).
#[derive(Debug)]
pub struct LiveSession {
    // The output owns the event receiver (whose type the SDK does not export).
    output: aws_sdk_cloudwatchlogs::operation::start_live_tail::StartLiveTailOutput,
    group_arn: String,
}

/// Opens a Live Tail session. The call returns once the service sent its first frame (sessionStart).
pub async fn start_live_tail(
    clients: &Clients,
    query: &LiveQuery,
) -> Result<LiveSession, AwsError> {
    let out = clients
        .logs
        .start_live_tail()
        .log_group_identifiers(&query.group_arn)
        .set_log_event_filter_pattern(query.pattern.clone())
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("StartLiveTail", query.group_arn.clone(), e))?;
    Ok(LiveSession {
        output: out,
        group_arn: query.group_arn.clone(),
    })
}

impl LiveSession {
    /// The next batch of events (possibly empty: a heartbeat update), or `None` when the session ended:
    /// closed by the server, or timed out (`SessionTimeoutException`, after 3 hours on AWS), which is
    /// the normal end of a session, not a failure.
    pub async fn next_batch(&mut self) -> Result<Option<LiveBatch>, AwsError> {
        loop {
            let item = self.output.response_stream.recv().await.map_err(|e| {
                let (kind, code, message) = match e.as_service_error() {
                    Some(service) => {
                        // A modeled exception may come without error metadata: name it by its variant.
                        let code = service.code().map(ToOwned::to_owned).or_else(|| {
                            service
                                .is_session_timeout_exception()
                                .then(|| "SessionTimeoutException".to_owned())
                        });
                        let kind = match code.as_deref() {
                            Some("AccessDeniedException") => ErrorKind::AccessDenied,
                            Some("ResourceNotFoundException") => ErrorKind::NotFound,
                            Some("LimitExceededException" | "ThrottlingException") => {
                                ErrorKind::Throttled
                            }
                            _ => ErrorKind::Service,
                        };
                        (kind, code, service.message().unwrap_or_default().to_owned())
                    }
                    None => (ErrorKind::Unreachable, None, error_chain(&e)),
                };
                AwsError {
                    kind,
                    operation: "StartLiveTail",
                    resource: self.group_arn.clone(),
                    code,
                    message,
                }
            });
            let item = match item {
                Ok(item) => item,
                Err(e) if e.code.as_deref() == Some("SessionTimeoutException") => return Ok(None),
                Err(e) => return Err(e),
            };
            match item {
                None => return Ok(None),
                Some(StartLiveTailResponseStream::SessionUpdate(update)) => {
                    let events = update
                        .session_results()
                        .iter()
                        .map(|e| RawEvent {
                            event_id: None,
                            stream: e.log_stream_name().unwrap_or_default().to_owned(),
                            timestamp: e.timestamp().unwrap_or_default(),
                            ingestion_time: e.ingestion_time().unwrap_or_default(),
                            message: e.message().unwrap_or_default().to_owned(),
                        })
                        .collect();
                    let sampled = update.session_metadata().is_some_and(|m| m.sampled());
                    return Ok(Some(LiveBatch { events, sampled }));
                }
                // sessionStart and anything newer than this SDK carry no events.
                Some(_) => continue,
            }
        }
    }
}

/// Appends events to a stream, creating the group and the stream when they are missing.
pub async fn put_events(
    clients: &Clients,
    group: &str,
    stream: &str,
    events: &[(i64, String)],
) -> Result<(), AwsError> {
    for attempt in 0..2 {
        let mut req = clients
            .logs
            .put_log_events()
            .log_group_name(group)
            .log_stream_name(stream);
        for (ts, msg) in events {
            req = req.log_events(
                InputLogEvent::builder()
                    .timestamp(*ts)
                    .message(msg)
                    .build()
                    .map_err(|e| AwsError {
                        kind: ErrorKind::Validation,
                        operation: "PutLogEvents",
                        resource: group_resource(group),
                        code: None,
                        message: e.to_string(),
                    })?,
            );
        }
        match req.send().await {
            Ok(_) => return Ok(()),
            Err(e) => {
                let err = AwsError::from_sdk("PutLogEvents", group_resource(group), e);
                if attempt > 0 || !err.is_not_found() {
                    return Err(err);
                }
            }
        }
        // The group or the stream is missing: create both (either may already exist).
        let created = clients
            .logs
            .create_log_group()
            .log_group_name(group)
            .send()
            .await;
        if let Err(e) = created {
            let err = AwsError::from_sdk("CreateLogGroup", group_resource(group), e);
            if err.kind != ErrorKind::Conflict {
                return Err(err);
            }
        }
        let created = clients
            .logs
            .create_log_stream()
            .log_group_name(group)
            .log_stream_name(stream)
            .send()
            .await;
        if let Err(e) = created {
            let err = AwsError::from_sdk("CreateLogStream", format!("log stream {stream}"), e);
            if err.kind != ErrorKind::Conflict {
                return Err(err);
            }
        }
    }
    Ok(())
}

fn group_resource(group: &str) -> String {
    format!("log group {group}")
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    parts
        .join(": ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}
