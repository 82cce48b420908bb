//! StartLiveTail on the local stack: an `application/vnd.amazon.eventstream` response that starts, as
//! AWS's does, with an `initial-response` event (the operation's non-stream output members, none here:
//! `{}`; botocore refuses a stream without it, the SDK for Rust consumes it), then a `sessionStart`
//! frame, then `sessionUpdate` frames with the group's new events.
//!
//! AWS sends an update once a second. Here an update goes out as soon as events arrive (whatever is
//! ready is batched, up to 500 per update as on AWS) and an empty one every second otherwise, so a tail
//! on the local stack sees a line within milliseconds and still gets AWS's heartbeat when idle. Nothing
//! is sampled unless the session falls so far behind the store's feed that events were skipped; then
//! the update says `sampled: true`, as AWS does when it drops events.

use std::convert::Infallible;
use std::time::Duration;

use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
use axum::body::Body;
use axum::http::{HeaderValue as HttpHeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Serialize;
use tokio::sync::broadcast::{self, error::RecvError, error::TryRecvError};
use tokio::time::Instant;

use super::Ctx;
use super::filter::FilterPattern;
use super::model::Ingested;
use super::wire::{
    Empty, ExceptionBody, LiveTailEvent, SessionMetadata, SessionStart, SessionUpdate,
    StartLiveTailIn,
};
use crate::local::common::{AwsJsonError, Req};
use crate::wire::REQUEST_ID_HEADER;

/// An idle session still gets an update this often.
pub const HEARTBEAT: Duration = Duration::from_secs(1);
/// AWS ends a session after three hours.
pub const SESSION_TIMEOUT: Duration = Duration::from_secs(3 * 60 * 60);
/// The most results in one update.
const MAX_RESULTS: usize = 500;

/// Which events a session passes on.
struct Selection {
    /// (group's key in the store, identifier as the client gave it)
    groups: Vec<(String, String)>,
    stream_names: Option<Vec<String>>,
    stream_prefixes: Option<Vec<String>>,
    pattern: FilterPattern,
}

impl Selection {
    /// The identifier to report the event under, when the session wants it.
    fn select(&self, e: &Ingested) -> Option<&str> {
        let (_, identifier) = self.groups.iter().find(|(name, _)| *name == e.group)?;
        if let Some(names) = &self.stream_names
            && !names.contains(&e.stream)
        {
            return None;
        }
        if let Some(prefixes) = &self.stream_prefixes
            && !prefixes.iter().any(|p| e.stream.starts_with(p.as_str()))
        {
            return None;
        }
        self.pattern
            .matches(&e.message)
            .then_some(identifier.as_str())
    }
}

/// Serves one StartLiveTail request. Bad input and unknown groups are plain JSON errors, as on AWS;
/// a good request gets the event stream.
pub fn start_live_tail(cx: Ctx<'_>, req: &Req) -> Response {
    match open(cx, req) {
        Ok(response) => response,
        Err(e) => e.into_response(),
    }
}

fn open(cx: Ctx<'_>, req: &Req) -> Result<Response, AwsJsonError> {
    let input: StartLiveTailIn = req
        .json()
        .map_err(|m| AwsJsonError::new("SerializationException", m))?;
    check_selection(&input)?;
    let pattern = FilterPattern::parse(input.log_event_filter_pattern.as_deref().unwrap_or(""))
        .map_err(AwsJsonError::invalid)?;
    let mut groups = Vec::new();
    for identifier in &input.log_group_identifiers {
        let name = crate::local::store::log_group_key(cx.region, &group_name(identifier));
        let exists = cx.logs.with_state(|s| s.groups.contains_key(&name));
        if !exists {
            return Err(AwsJsonError::not_found(
                "The specified log group does not exist.",
            ));
        }
        groups.push((name, identifier.clone()));
    }
    // Subscribe before answering: every event stored after sessionStart is in the session.
    let feed = cx.logs.subscribe();
    let request_id = uuid::Uuid::new_v4().to_string();
    let start = SessionStart {
        request_id: request_id.clone(),
        session_id: uuid::Uuid::new_v4().to_string(),
        log_group_identifiers: input.log_group_identifiers.clone(),
        log_stream_names: input.log_stream_names.clone(),
        log_stream_name_prefixes: input.log_stream_name_prefixes.clone(),
        log_event_filter_pattern: input.log_event_filter_pattern.clone(),
    };
    let session = Session {
        feed,
        selection: Selection {
            groups,
            stream_names: input.log_stream_names,
            stream_prefixes: input.log_stream_name_prefixes,
            pattern,
        },
        initial: true,
        start: Some(start),
        ends_at: Instant::now() + cx.session_timeout,
        done: false,
    };
    let body = Body::from_stream(futures::stream::unfold(session, |mut s| async move {
        let frame = s.next_frame().await?;
        Some((Ok::<Bytes, Infallible>(frame), s))
    }));
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        HttpHeaderValue::from_static("application/vnd.amazon.eventstream"),
    );
    if let Ok(v) = HttpHeaderValue::from_str(&request_id) {
        headers.insert(REQUEST_ID_HEADER, v);
    }
    Ok(response)
}

/// StartLiveTail's constraints, as its API reference states them: 1 to 10 log groups, each named by
/// its ARN without the trailing `:*` (or by name); stream names or prefixes, not both, and only with
/// a single log group. AWS documents these refusals but not their wording: the size one is in the
/// API model's validation form, the other two say what is wrong in a sentence.
fn check_selection(input: &StartLiveTailIn) -> Result<(), AwsJsonError> {
    let groups = input.log_group_identifiers.len();
    if groups == 0 || groups > 10 {
        let bound = if groups == 0 {
            "greater than or equal to 1"
        } else {
            "less than or equal to 10"
        };
        return Err(AwsJsonError::invalid(format!(
            "1 validation error detected: Value at 'logGroupIdentifiers' failed to satisfy constraint: Member must have length {bound}"
        )));
    }
    for identifier in &input.log_group_identifiers {
        super::ops::check_identifier("logGroupIdentifiers", identifier)?;
    }
    let names = input.log_stream_names.is_some();
    let prefixes = input.log_stream_name_prefixes.is_some();
    if names && prefixes {
        return Err(AwsJsonError::invalid(
            "Only one of logStreamNames or logStreamNamePrefixes can be provided.",
        ));
    }
    if (names || prefixes) && groups > 1 {
        return Err(AwsJsonError::invalid(
            "logStreamNames and logStreamNamePrefixes can only be used with a single log group.",
        ));
    }
    Ok(())
}

/// `arn:aws:logs:<region>:<account>:log-group:<name>` or a bare name.
fn group_name(identifier: &str) -> String {
    match identifier.split_once(":log-group:") {
        Some((_, name)) if identifier.starts_with("arn:") => name.to_owned(),
        _ => identifier.to_owned(),
    }
}

struct Session {
    feed: broadcast::Receiver<Ingested>,
    selection: Selection,
    /// Whether the `initial-response` event is still to be sent.
    initial: bool,
    /// The sessionStart payload, until it is sent.
    start: Option<SessionStart>,
    ends_at: Instant,
    done: bool,
}

impl Session {
    async fn next_frame(&mut self) -> Option<Bytes> {
        if self.done {
            return None;
        }
        if std::mem::take(&mut self.initial) {
            return Some(event_frame("initial-response", &Empty {}));
        }
        if let Some(start) = self.start.take() {
            return Some(event_frame("sessionStart", &start));
        }
        let mut results = Vec::new();
        let mut sampled = false;
        let heartbeat = tokio::time::sleep(HEARTBEAT);
        tokio::select! {
            () = tokio::time::sleep_until(self.ends_at) => {
                self.done = true;
                return Some(exception_frame(
                    "SessionTimeoutException",
                    "Session has timed out after 3 hours",
                ));
            }
            () = heartbeat => {}
            first = self.feed.recv() => match first {
                Ok(e) => self.take(e, &mut results),
                Err(RecvError::Lagged(_)) => sampled = true,
                Err(RecvError::Closed) => {
                    // The store is going away with the server: end the stream cleanly.
                    self.done = true;
                    return None;
                }
            },
        }
        // Whatever else is ready goes in the same update.
        while results.len() < MAX_RESULTS {
            match self.feed.try_recv() {
                Ok(e) => self.take(e, &mut results),
                Err(TryRecvError::Lagged(_)) => sampled = true,
                Err(_) => break,
            }
        }
        let update = SessionUpdate {
            session_metadata: SessionMetadata { sampled },
            session_results: results,
        };
        Some(event_frame("sessionUpdate", &update))
    }

    fn take(&self, e: Ingested, results: &mut Vec<LiveTailEvent>) {
        if let Some(identifier) = self.selection.select(&e) {
            results.push(LiveTailEvent {
                log_stream_name: e.stream,
                log_group_identifier: identifier.to_owned(),
                message: e.message,
                timestamp: e.timestamp,
                ingestion_time: e.ingestion_time,
            });
        }
    }
}

/// One event-stream message: `[total len][headers len][prelude crc][headers][payload][message crc]`,
/// written by the SDK's own frame writer.
fn event_frame(event_type: &'static str, payload: &impl Serialize) -> Bytes {
    frame(
        vec![
            Header::new(":message-type", HeaderValue::String("event".into())),
            Header::new(":event-type", HeaderValue::String(event_type.into())),
            Header::new(
                ":content-type",
                HeaderValue::String("application/json".into()),
            ),
        ],
        payload,
    )
}

fn exception_frame(exception_type: &'static str, message: &str) -> Bytes {
    frame(
        vec![
            Header::new(":message-type", HeaderValue::String("exception".into())),
            Header::new(
                ":exception-type",
                HeaderValue::String(exception_type.into()),
            ),
            Header::new(
                ":content-type",
                HeaderValue::String("application/json".into()),
            ),
        ],
        &ExceptionBody { message },
    )
}

fn frame(headers: Vec<Header>, payload: &impl Serialize) -> Bytes {
    let message = Message::new_from_parts(headers, serde_json::to_vec(payload).unwrap_or_default());
    let mut out = Vec::new();
    if let Err(e) = aws_smithy_eventstream::frame::write_message_to(&message, &mut out) {
        // Only an oversized header could fail, and every header here is fixed and short.
        tracing::warn!("local stack: cannot write a Live Tail frame: {e}");
    }
    Bytes::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_eventstream::frame::read_message_from;

    fn header<'a>(m: &'a Message, name: &str) -> Option<&'a str> {
        m.headers()
            .iter()
            .find(|h| h.name().as_str() == name)
            .and_then(|h| h.value().as_string().ok())
            .map(|s| s.as_str())
    }

    #[test]
    fn frames_round_trip_through_the_sdk_reader() {
        let bytes = event_frame("sessionUpdate", &serde_json::json!({"sessionResults": []}));
        let m = read_message_from(bytes).unwrap();
        assert_eq!(header(&m, ":message-type"), Some("event"));
        assert_eq!(header(&m, ":event-type"), Some("sessionUpdate"));
        assert_eq!(header(&m, ":content-type"), Some("application/json"));
        assert_eq!(m.payload().as_ref(), br#"{"sessionResults":[]}"#);
        let bytes = exception_frame("SessionTimeoutException", "over");
        let m = read_message_from(bytes).unwrap();
        assert_eq!(
            header(&m, ":exception-type"),
            Some("SessionTimeoutException")
        );
    }

    #[test]
    fn a_session_selects_by_group_stream_and_pattern() {
        let selection = Selection {
            groups: vec![(
                "/aws/lambda/fn".into(),
                "arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/fn".into(),
            )],
            stream_names: None,
            stream_prefixes: Some(vec!["2026/".into()]),
            pattern: FilterPattern::parse("hello").unwrap(),
        };
        let event = |group: &str, stream: &str, message: &str| Ingested {
            group: group.into(),
            stream: stream.into(),
            timestamp: 1,
            ingestion_time: 1,
            message: message.into(),
        };
        assert_eq!(
            selection.select(&event(
                "/aws/lambda/fn",
                "2026/11/24/[$LATEST]a",
                "hello world"
            )),
            Some("arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/fn")
        );
        assert_eq!(
            selection.select(&event("/aws/lambda/other", "2026/x", "hello")),
            None
        );
        assert_eq!(
            selection.select(&event("/aws/lambda/fn", "1999/x", "hello")),
            None
        );
        assert_eq!(
            selection.select(&event("/aws/lambda/fn", "2026/x", "bye")),
            None
        );
        assert_eq!(
            group_name("arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/fn"),
            "/aws/lambda/fn"
        );
        assert_eq!(group_name("/aws/lambda/fn"), "/aws/lambda/fn");
    }

    fn refusal(input: serde_json::Value) -> String {
        let input: StartLiveTailIn = serde_json::from_value(input).unwrap();
        let e = check_selection(&input).unwrap_err();
        assert_eq!(e.code, "InvalidParameterException");
        e.message
    }

    #[test]
    fn the_documented_selection_constraints_are_refused() {
        let arn = |n: usize| format!("arn:aws:logs:us-east-1:000000000000:log-group:g{n}");
        let eleven: Vec<String> = (0..11).map(arn).collect();
        assert_eq!(
            refusal(serde_json::json!({"logGroupIdentifiers": eleven})),
            "1 validation error detected: Value at 'logGroupIdentifiers' failed to satisfy constraint: Member must have length less than or equal to 10"
        );
        // The `arn` member DescribeLogGroups returns ends in `:*`, which the API reference forbids.
        assert!(
            refusal(serde_json::json!({"logGroupIdentifiers": [format!("{}:*", arn(1))]}))
                .contains("Member must satisfy regular expression pattern: [\\w#+=/:,.@-]*")
        );
        assert_eq!(
            refusal(serde_json::json!({"logGroupIdentifiers": [arn(1)],
                "logStreamNames": ["a"], "logStreamNamePrefixes": ["a"]})),
            "Only one of logStreamNames or logStreamNamePrefixes can be provided."
        );
        for member in ["logStreamNames", "logStreamNamePrefixes"] {
            assert_eq!(
                refusal(
                    serde_json::json!({"logGroupIdentifiers": [arn(1), arn(2)], member: ["a"]})
                ),
                "logStreamNames and logStreamNamePrefixes can only be used with a single log group."
            );
        }
        let one =
            serde_json::json!({"logGroupIdentifiers": [arn(1)], "logStreamNamePrefixes": ["a"]});
        assert!(check_selection(&serde_json::from_value(one).unwrap()).is_ok());
    }
}
