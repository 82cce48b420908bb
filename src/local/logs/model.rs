//! CloudWatch Logs' state model: groups, streams and their events with stable ids, and the `Logs`
//! store that the API, Live Tail and the execution engine (as its log sink) share.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use crate::local::common::{AwsJsonError, Dirty, lock, now_ms};
use crate::local::exec::LogSink;

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
    pub(super) fn new(name: &str, no: u64, now: i64) -> Self {
        Self {
            name: name.to_owned(),
            no,
            creation_time: now,
            next_seq: 0,
            events: Vec::new(),
            last_ingestion_time: None,
        }
    }

    pub(super) fn append(&mut self, timestamp: i64, ingestion_time: i64, message: String) {
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
    pub(super) fn new(name: &str, now: i64) -> Self {
        Self {
            name: name.to_owned(),
            creation_time: now,
            retention_in_days: None,
            next_stream_no: 0,
            streams: BTreeMap::new(),
        }
    }

    pub(super) fn stream_mut(&mut self, name: &str, now: i64) -> &mut LogStream {
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

    pub(super) fn mutate<T>(&self, f: impl FnOnce(&mut LogsState) -> Result<T>) -> Result<T> {
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

pub(super) fn missing_group() -> AwsJsonError {
    AwsJsonError::not_found("The specified log group does not exist.")
}

pub(super) fn missing_stream() -> AwsJsonError {
    AwsJsonError::not_found("The specified log stream does not exist.")
}
