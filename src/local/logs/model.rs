//! CloudWatch Logs' state model: groups and streams (in memory, written through to the store), their
//! events (in the store's database only), stable event ids, and the `Logs` store that the API, Live
//! Tail and the execution engine (as its log sink) share.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use rusqlite::Connection;
use tokio::sync::broadcast;

use crate::local::common::{AwsJsonError, lock, now_ms};
use crate::local::exec::LogSink;
use crate::local::store::logdb::{GroupRow, LogDb, NewEvent, StreamRow};

type Result<T, E = AwsJsonError> = std::result::Result<T, E>;

/// Every log group, without their events (those stay in the store's database).
#[derive(Debug, Clone, Default)]
pub struct LogsState {
    pub groups: BTreeMap<String, LogGroup>,
    /// The account's resource policies (PutResourcePolicy), by region-qualified name.
    pub policies: BTreeMap<String, ResourcePolicy>,
}

/// A resource policy: its document as given, and when it was last put (ms since the epoch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourcePolicy {
    pub document: String,
    pub last_updated: i64,
}

/// AWS's quota of resource policies per account and region.
pub const MAX_RESOURCE_POLICIES: usize = 10;

#[derive(Debug, Clone)]
pub struct LogGroup {
    pub name: String,
    pub creation_time: i64,
    pub retention_in_days: Option<u32>,
    /// Numbers streams in creation order; part of every event id, so ids stay unique and stable.
    pub next_stream_no: u64,
    pub streams: BTreeMap<String, LogStream>,
    pub tags: BTreeMap<String, String>,
    /// The KMS key the group was created with (stored and returned; nothing is encrypted locally).
    pub kms_key_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct LogStream {
    pub name: String,
    pub no: u64,
    /// The stream's key in the database.
    pub sid: i64,
    pub creation_time: i64,
    pub next_seq: u64,
    pub last_ingestion_time: Option<i64>,
    pub first_timestamp: Option<i64>,
    pub last_timestamp: Option<i64>,
    pub stored_bytes: u64,
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

impl LogGroup {
    fn row(&self) -> GroupRow {
        GroupRow {
            name: self.name.clone(),
            creation_time: self.creation_time,
            retention_in_days: self.retention_in_days,
            next_stream_no: self.next_stream_no,
            tags: self.tags.clone(),
            kms_key_id: self.kms_key_id.clone(),
        }
    }
}

impl LogStream {
    fn row(&self, group: &str) -> StreamRow {
        StreamRow {
            sid: self.sid,
            group: group.to_owned(),
            name: self.name.clone(),
            no: self.no,
            creation_time: self.creation_time,
            next_seq: self.next_seq,
            last_ingestion_time: self.last_ingestion_time,
            first_ts: self.first_timestamp,
            last_ts: self.last_timestamp,
            stored_bytes: self.stored_bytes,
        }
    }
}

/// How much the store keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogRetention {
    /// The most events kept over all groups; the oldest (by arrival) go first. `None`: no cap.
    pub max_events: Option<u64>,
}

impl Default for LogRetention {
    fn default() -> Self {
        Self {
            max_events: Some(DEFAULT_MAX_EVENTS),
        }
    }
}

/// The default cap: about six days of the dashboard pinging (350,000 events a day).
pub const DEFAULT_MAX_EVENTS: u64 = 2_000_000;

struct Inner {
    state: LogsState,
    db: LogDb,
    /// Events of the function-log sink not yet committed: they are committed together, at most a
    /// second later (or before the next read), so a trickle of log lines costs one transaction a second.
    pending: Vec<NewEvent>,
    /// The streams `pending` goes to, by (group, stream).
    touched: BTreeSet<(String, String)>,
}

/// The CloudWatch Logs store: groups and streams in memory, events in the store's database, and a
/// feed of new events.
pub struct Logs {
    inner: Mutex<Inner>,
    feed: broadcast::Sender<Ingested>,
    retention: LogRetention,
}

fn db_error(e: rusqlite::Error) -> AwsJsonError {
    tracing::warn!("local stack: the logs store failed: {e}");
    AwsJsonError::internal(format!("The local stack's store failed: {e}"))
}

impl Logs {
    /// The logs of `db` (groups and streams are read now; events stay in the database).
    pub fn open(db: LogDb, retention: LogRetention) -> Result<Self, rusqlite::Error> {
        let (groups, streams) = db.load()?;
        let mut state = LogsState::default();
        for (key, document, last_updated) in db.load_policies()? {
            state.policies.insert(
                key,
                ResourcePolicy {
                    document,
                    last_updated,
                },
            );
        }
        for g in groups {
            state.groups.insert(
                g.name.clone(),
                LogGroup {
                    name: g.name,
                    creation_time: g.creation_time,
                    retention_in_days: g.retention_in_days,
                    next_stream_no: g.next_stream_no,
                    streams: BTreeMap::new(),
                    tags: g.tags,
                    kms_key_id: g.kms_key_id,
                },
            );
        }
        for s in streams {
            if let Some(g) = state.groups.get_mut(&s.group) {
                g.streams.insert(
                    s.name.clone(),
                    LogStream {
                        name: s.name,
                        no: s.no,
                        sid: s.sid,
                        creation_time: s.creation_time,
                        next_seq: s.next_seq,
                        last_ingestion_time: s.last_ingestion_time,
                        first_timestamp: s.first_ts,
                        last_timestamp: s.last_ts,
                        stored_bytes: s.stored_bytes,
                    },
                );
            }
        }
        Ok(Self {
            inner: Mutex::new(Inner {
                state,
                db,
                pending: Vec::new(),
                touched: BTreeSet::new(),
            }),
            feed: broadcast::channel(4096).0,
            retention,
        })
    }

    /// Empty logs in memory only.
    pub fn in_memory() -> Result<Self, rusqlite::Error> {
        Self::open(
            LogDb::new(Connection::open_in_memory()?)?,
            LogRetention::default(),
        )
    }

    /// Reads the state (groups and streams, events committed) under its lock.
    pub fn with_state<T>(&self, f: impl FnOnce(&LogsState) -> T) -> T {
        let mut inner = lock(&self.inner);
        if let Err(e) = commit_pending(&mut inner) {
            tracing::warn!("local stack: cannot store logs: {e}");
        }
        f(&inner.state)
    }

    /// Reads the state and the events, after committing pending events (a read sees every event
    /// stored before it).
    pub(super) fn read<T>(&self, f: impl FnOnce(&LogsState, &LogDb) -> Result<T>) -> Result<T> {
        let mut inner = lock(&self.inner);
        commit_pending(&mut inner).map_err(db_error)?;
        f(&inner.state, &inner.db)
    }

    /// Every message of a group, in time order (for tests).
    #[cfg(test)]
    pub fn read_all(&self, group: &str) -> Vec<String> {
        self.read(|s, db| {
            let sids: Vec<i64> = s
                .groups
                .get(group)
                .map(|g| g.streams.values().map(|st| st.sid).collect())
                .unwrap_or_default();
            let mut out = Vec::new();
            db.scan(&sids, i64::MIN, i64::MAX, (i64::MIN, i64::MIN, 0), |e| {
                out.push(e.message);
                true
            })
            .map_err(db_error)?;
            Ok(out)
        })
        .unwrap_or_default()
    }

    /// Every event ingested from now on (Live Tail subscribes here).
    pub fn subscribe(&self) -> broadcast::Receiver<Ingested> {
        self.feed.subscribe()
    }

    /// Creates a group.
    #[cfg(test)]
    pub(crate) fn create_group(&self, name: &str) -> Result<()> {
        self.create_group_tagged(name, BTreeMap::new(), None)
    }

    /// Creates a group with tags.
    pub(crate) fn create_group_tagged(
        &self,
        name: &str,
        tags: BTreeMap<String, String>,
        kms_key_id: Option<String>,
    ) -> Result<()> {
        let mut inner = lock(&self.inner);
        if inner.state.groups.contains_key(name) {
            return Err(AwsJsonError::already_exists(
                "The specified log group already exists",
            ));
        }
        let g = LogGroup {
            name: name.to_owned(),
            creation_time: now_ms(),
            retention_in_days: None,
            next_stream_no: 0,
            streams: BTreeMap::new(),
            tags,
            kms_key_id,
        };
        inner.db.put_group(&g.row()).map_err(db_error)?;
        inner.state.groups.insert(name.to_owned(), g);
        Ok(())
    }

    /// Puts a resource policy (`key` is region-qualified; `region_prefix` is `"{region}:"`): a new
    /// name beyond the region's quota is AWS's LimitExceededException; an existing one is replaced.
    pub(crate) fn put_policy(
        &self,
        region_prefix: &str,
        key: &str,
        document: &str,
    ) -> Result<ResourcePolicy> {
        let mut inner = lock(&self.inner);
        let in_region = inner
            .state
            .policies
            .keys()
            .filter(|k| k.starts_with(region_prefix))
            .count();
        if !inner.state.policies.contains_key(key) && in_region >= MAX_RESOURCE_POLICIES {
            return Err(AwsJsonError::new(
                "LimitExceededException",
                "Resource limit exceeded.",
            ));
        }
        let policy = ResourcePolicy {
            document: document.to_owned(),
            last_updated: now_ms(),
        };
        inner
            .db
            .put_policy(key, document, policy.last_updated)
            .map_err(db_error)?;
        inner.state.policies.insert(key.to_owned(), policy.clone());
        Ok(policy)
    }

    /// Deletes a resource policy; false when there is none of that name.
    pub(crate) fn delete_policy(&self, key: &str) -> Result<bool> {
        let mut inner = lock(&self.inner);
        if !inner.state.policies.contains_key(key) {
            return Ok(false);
        }
        inner.db.delete_policy(key).map_err(db_error)?;
        inner.state.policies.remove(key);
        Ok(true)
    }

    /// Deletes a group with its streams and events.
    pub(crate) fn delete_group(&self, name: &str) -> Result<()> {
        let mut inner = lock(&self.inner);
        if !inner.state.groups.contains_key(name) {
            return Err(missing_group());
        }
        commit_pending(&mut inner).map_err(db_error)?;
        inner.db.delete_group(name).map_err(db_error)?;
        inner.state.groups.remove(name);
        Ok(())
    }

    /// Deletes a stream with its events.
    pub(crate) fn delete_stream(&self, group: &str, stream: &str) -> Result<()> {
        let mut inner = lock(&self.inner);
        commit_pending(&mut inner).map_err(db_error)?;
        let g = inner.state.groups.get(group).ok_or_else(missing_group)?;
        let sid = g.streams.get(stream).ok_or_else(missing_stream)?.sid;
        inner.db.delete_stream(sid).map_err(db_error)?;
        if let Some(g) = inner.state.groups.get_mut(group) {
            g.streams.remove(stream);
        }
        Ok(())
    }

    /// Changes a group's tags and writes them through.
    pub(crate) fn update_tags(
        &self,
        name: &str,
        f: impl FnOnce(&mut BTreeMap<String, String>) -> Result<()>,
    ) -> Result<()> {
        let mut inner = lock(&self.inner);
        let inner = &mut *inner;
        let g = inner.state.groups.get_mut(name).ok_or_else(missing_group)?;
        let mut tags = g.tags.clone();
        f(&mut tags)?;
        let mut row = g.row();
        row.tags = tags.clone();
        inner.db.put_group(&row).map_err(db_error)?;
        g.tags = tags;
        Ok(())
    }

    /// Sets or clears a group's retention.
    pub(crate) fn set_retention(&self, name: &str, days: Option<u32>) -> Result<()> {
        let mut inner = lock(&self.inner);
        let inner = &mut *inner;
        let g = inner.state.groups.get_mut(name).ok_or_else(missing_group)?;
        let mut row = g.row();
        row.retention_in_days = days;
        inner.db.put_group(&row).map_err(db_error)?;
        g.retention_in_days = days;
        Ok(())
    }

    /// Creates a stream.
    pub(crate) fn create_stream(&self, group: &str, stream: &str) -> Result<()> {
        let mut inner = lock(&self.inner);
        let g = inner.state.groups.get(group).ok_or_else(missing_group)?;
        if g.streams.contains_key(stream) {
            return Err(AwsJsonError::already_exists(
                "The specified log stream already exists",
            ));
        }
        ensure_stream(&mut inner, group, stream, false).map_err(db_error)?;
        Ok(())
    }

    /// Appends events to a stream; with `create`, missing group and stream are created. With
    /// `durable`, the events are committed before this returns (an answered PutLogEvents survives a
    /// crash); otherwise with the next commit, at most a second later.
    pub fn append(
        &self,
        group: &str,
        stream: &str,
        events: Vec<(i64, String)>,
        create: bool,
    ) -> Result<()> {
        self.append_with(group, stream, events, create, !create)
    }

    fn append_with(
        &self,
        group: &str,
        stream: &str,
        events: Vec<(i64, String)>,
        create: bool,
        durable: bool,
    ) -> Result<()> {
        let now = now_ms();
        let mut fed = Vec::new();
        {
            let mut inner = lock(&self.inner);
            if !create {
                let g = inner.state.groups.get(group).ok_or_else(missing_group)?;
                if !g.streams.contains_key(stream) {
                    return Err(missing_stream());
                }
            }
            ensure_stream(&mut inner, group, stream, true).map_err(db_error)?;
            let inner = &mut *inner;
            let s = inner
                .state
                .groups
                .get_mut(group)
                .and_then(|g| g.streams.get_mut(stream))
                .ok_or_else(missing_stream)?;
            let live = self.feed.receiver_count() > 0;
            for (timestamp, message) in events {
                if live {
                    fed.push(Ingested {
                        group: group.to_owned(),
                        stream: stream.to_owned(),
                        timestamp,
                        ingestion_time: now,
                        message: message.clone(),
                    });
                }
                s.first_timestamp = Some(s.first_timestamp.map_or(timestamp, |f| f.min(timestamp)));
                s.last_timestamp = Some(s.last_timestamp.map_or(timestamp, |l| l.max(timestamp)));
                s.last_ingestion_time = Some(now);
                s.stored_bytes += message.len() as u64;
                inner.pending.push(NewEvent {
                    sid: s.sid,
                    timestamp,
                    seq: s.next_seq,
                    ingestion_time: now,
                    message,
                });
                s.next_seq += 1;
            }
            inner.touched.insert((group.to_owned(), stream.to_owned()));
            if durable {
                commit_pending(inner).map_err(db_error)?;
            }
        }
        for event in fed {
            let _ = self.feed.send(event);
        }
        Ok(())
    }

    /// Commits pending events, then applies retention: each group's `retentionInDays`, then the cap.
    pub fn flush(&self, expire: bool) -> Result<(), rusqlite::Error> {
        let mut inner = lock(&self.inner);
        commit_pending(&mut inner)?;
        if !expire {
            return Ok(());
        }
        let now = now_ms();
        let inner = &mut *inner;
        for g in inner.state.groups.values_mut() {
            let Some(days) = g.retention_in_days else {
                continue;
            };
            let before = now - i64::from(days) * 86_400_000;
            for s in g.streams.values_mut() {
                if s.first_timestamp.is_some_and(|f| f < before) {
                    let (first, bytes) = inner.db.expire(s.sid, before)?;
                    forget(s, first, bytes);
                }
            }
        }
        if let Some(keep) = self.retention.max_events {
            let lost = inner.db.cap(keep)?;
            if !lost.is_empty() {
                let by_sid: BTreeMap<i64, (Option<i64>, u64)> =
                    lost.into_iter().map(|(sid, f, b)| (sid, (f, b))).collect();
                for s in inner
                    .state
                    .groups
                    .values_mut()
                    .flat_map(|g| g.streams.values_mut())
                {
                    if let Some((first, bytes)) = by_sid.get(&s.sid) {
                        forget(s, *first, *bytes);
                    }
                }
            }
        }
        Ok(())
    }
}

/// Records in memory what an expiry did to a stream.
fn forget(s: &mut LogStream, first: Option<i64>, bytes: u64) {
    s.first_timestamp = first;
    if first.is_none() {
        s.last_timestamp = None;
    }
    s.stored_bytes = s.stored_bytes.saturating_sub(bytes);
}

/// Creates the group (when `create_group`) and the stream when missing.
fn ensure_stream(
    inner: &mut Inner,
    group: &str,
    stream: &str,
    create_group: bool,
) -> Result<(), rusqlite::Error> {
    let now = now_ms();
    if !inner.state.groups.contains_key(group) {
        if !create_group {
            return Ok(());
        }
        inner.state.groups.insert(
            group.to_owned(),
            LogGroup {
                name: group.to_owned(),
                creation_time: now,
                retention_in_days: None,
                next_stream_no: 0,
                streams: BTreeMap::new(),
                tags: BTreeMap::new(),
                kms_key_id: None,
            },
        );
    }
    let Some(g) = inner.state.groups.get_mut(group) else {
        return Ok(());
    };
    if g.streams.contains_key(stream) {
        return Ok(());
    }
    let mut s = LogStream {
        name: stream.to_owned(),
        no: g.next_stream_no,
        sid: 0,
        creation_time: now,
        next_seq: 0,
        last_ingestion_time: None,
        first_timestamp: None,
        last_timestamp: None,
        stored_bytes: 0,
    };
    let mut row = g.row();
    row.next_stream_no += 1;
    match inner.db.insert_stream(&row, &s.row(group)) {
        Ok(sid) => {
            s.sid = sid;
            g.next_stream_no += 1;
            g.streams.insert(stream.to_owned(), s);
            Ok(())
        }
        Err(e) => {
            if g.streams.is_empty() && g.next_stream_no == 0 && create_group {
                inner.state.groups.remove(group);
            }
            Err(e)
        }
    }
}

/// Commits the pending events with their streams' counters.
fn commit_pending(inner: &mut Inner) -> Result<(), rusqlite::Error> {
    if inner.pending.is_empty() {
        return Ok(());
    }
    let streams: Vec<StreamRow> = inner
        .touched
        .iter()
        .filter_map(|(g, s)| {
            inner
                .state
                .groups
                .get(g)
                .and_then(|grp| grp.streams.get(s))
                .map(|st| st.row(g))
        })
        .collect();
    inner.db.commit(&inner.pending, &streams)?;
    inner.pending.clear();
    inner.touched.clear();
    Ok(())
}

impl LogSink for Logs {
    fn put(&self, region: &str, group: &str, stream: &str, events: Vec<(i64, String)>) {
        let group = crate::local::store::log_group_key(region, group);
        if let Err(e) = self.append_with(&group, stream, events, true, false) {
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
