//! CloudWatch Logs in the store's database: groups, streams and events as SQLite tables.
//!
//! Events are appended to `log_events` (its rowid is the order of arrival, which the default cap trims
//! from) and indexed by stream and time (`log_events_by_stream`); a stream belongs to one group, so a
//! group's events are its streams' index ranges. Groups and streams are small rows that the `Logs` model
//! also keeps in memory; their counters (next sequence number, first and last timestamp, stored bytes)
//! are written in the same transaction as the events they count.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, params, params_from_iter};

pub type DbResult<T> = Result<T, rusqlite::Error>;

/// A group to import, with its streams and their events.
pub type ImportedGroup = (GroupRow, Vec<(StreamRow, Vec<NewEvent>)>);

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS log_groups (
    name TEXT PRIMARY KEY,
    creation_time INTEGER NOT NULL,
    retention_in_days INTEGER,
    next_stream_no INTEGER NOT NULL,
    tags TEXT NOT NULL DEFAULT '{}'
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS log_streams (
    sid INTEGER PRIMARY KEY,
    group_name TEXT NOT NULL,
    name TEXT NOT NULL,
    no INTEGER NOT NULL,
    creation_time INTEGER NOT NULL,
    next_seq INTEGER NOT NULL,
    last_ingestion_time INTEGER,
    first_ts INTEGER,
    last_ts INTEGER,
    stored_bytes INTEGER NOT NULL,
    UNIQUE (group_name, name)
);
CREATE TABLE IF NOT EXISTS log_events (
    id INTEGER PRIMARY KEY,
    sid INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    ingestion_time INTEGER NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS log_events_by_stream ON log_events (sid, ts, seq);
CREATE TABLE IF NOT EXISTS log_resource_policies (
    key TEXT PRIMARY KEY,
    document TEXT NOT NULL,
    last_updated INTEGER NOT NULL
) WITHOUT ROWID;
";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRow {
    pub name: String,
    pub creation_time: i64,
    pub retention_in_days: Option<u32>,
    pub next_stream_no: u64,
    pub tags: BTreeMap<String, String>,
    pub kms_key_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamRow {
    pub sid: i64,
    pub group: String,
    pub name: String,
    pub no: u64,
    pub creation_time: i64,
    pub next_seq: u64,
    pub last_ingestion_time: Option<i64>,
    pub first_ts: Option<i64>,
    pub last_ts: Option<i64>,
    pub stored_bytes: u64,
}

/// An event on its way into the database.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub sid: i64,
    pub timestamp: i64,
    pub seq: u64,
    pub ingestion_time: i64,
    pub message: String,
}

/// An event read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    pub sid: i64,
    pub timestamp: i64,
    pub seq: u64,
    pub ingestion_time: i64,
    pub message: String,
}

fn u(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

fn i(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn event(row: &rusqlite::Row<'_>) -> DbResult<EventRow> {
    Ok(EventRow {
        sid: row.get(0)?,
        timestamp: row.get(1)?,
        seq: u(row.get(2)?),
        ingestion_time: row.get(3)?,
        message: row.get(4)?,
    })
}

/// The logs tables of one database connection.
pub struct LogDb {
    conn: Connection,
}

impl LogDb {
    pub fn new(conn: Connection) -> DbResult<Self> {
        conn.execute_batch(SCHEMA)?;
        // Added after the first database format: a column older databases lack (NULL for theirs).
        let has_kms: bool = conn.query_row(
            "SELECT COUNT(*) FROM pragma_table_info('log_groups') WHERE name = 'kms_key_id'",
            [],
            |r| r.get::<_, i64>(0).map(|n| n > 0),
        )?;
        if !has_kms {
            conn.execute_batch("ALTER TABLE log_groups ADD COLUMN kms_key_id TEXT")?;
        }
        Ok(Self { conn })
    }

    /// Every group and stream (their rows, not their events).
    pub fn load(&self) -> DbResult<(Vec<GroupRow>, Vec<StreamRow>)> {
        let mut q = self.conn.prepare(
            "SELECT name, creation_time, retention_in_days, next_stream_no, tags, kms_key_id \
             FROM log_groups",
        )?;
        let groups = q
            .query_map([], |r| {
                Ok(GroupRow {
                    name: r.get(0)?,
                    creation_time: r.get(1)?,
                    retention_in_days: r.get(2)?,
                    next_stream_no: u(r.get(3)?),
                    tags: tags_from(&r.get::<_, String>(4)?),
                    kms_key_id: r.get(5)?,
                })
            })?
            .collect::<DbResult<Vec<_>>>()?;
        let mut q = self.conn.prepare(
            "SELECT sid, group_name, name, no, creation_time, next_seq, last_ingestion_time, first_ts, \
             last_ts, stored_bytes FROM log_streams ORDER BY sid",
        )?;
        let streams = q
            .query_map([], |r| {
                Ok(StreamRow {
                    sid: r.get(0)?,
                    group: r.get(1)?,
                    name: r.get(2)?,
                    no: u(r.get(3)?),
                    creation_time: r.get(4)?,
                    next_seq: u(r.get(5)?),
                    last_ingestion_time: r.get(6)?,
                    first_ts: r.get(7)?,
                    last_ts: r.get(8)?,
                    stored_bytes: u(r.get(9)?),
                })
            })?
            .collect::<DbResult<Vec<_>>>()?;
        Ok((groups, streams))
    }

    /// The account's resource policies: (region-qualified name, document, last update).
    pub fn load_policies(&self) -> DbResult<Vec<(String, String, i64)>> {
        let mut q = self
            .conn
            .prepare("SELECT key, document, last_updated FROM log_resource_policies")?;
        q.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect()
    }

    pub fn put_policy(&self, key: &str, document: &str, last_updated: i64) -> DbResult<()> {
        self.conn.execute(
            "INSERT OR REPLACE INTO log_resource_policies (key, document, last_updated) \
             VALUES (?1, ?2, ?3)",
            params![key, document, last_updated],
        )?;
        Ok(())
    }

    pub fn delete_policy(&self, key: &str) -> DbResult<()> {
        self.conn
            .execute("DELETE FROM log_resource_policies WHERE key = ?1", [key])?;
        Ok(())
    }

    pub fn put_group(&self, g: &GroupRow) -> DbResult<()> {
        self.conn.execute(
            "INSERT OR REPLACE INTO log_groups (name, creation_time, retention_in_days, next_stream_no, \
             tags, kms_key_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                g.name,
                g.creation_time,
                g.retention_in_days,
                i(g.next_stream_no),
                tags_json(&g.tags),
                g.kms_key_id
            ],
        )?;
        Ok(())
    }

    /// Deletes a group with its streams and events, in one transaction.
    pub fn delete_group(&mut self, name: &str) -> DbResult<()> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "DELETE FROM log_events WHERE sid IN (SELECT sid FROM log_streams WHERE group_name = ?1)",
            [name],
        )?;
        tx.execute("DELETE FROM log_streams WHERE group_name = ?1", [name])?;
        tx.execute("DELETE FROM log_groups WHERE name = ?1", [name])?;
        tx.commit()
    }

    /// Deletes a stream with its events, in one transaction.
    pub fn delete_stream(&mut self, sid: i64) -> DbResult<()> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM log_events WHERE sid = ?1", [sid])?;
        tx.execute("DELETE FROM log_streams WHERE sid = ?1", [sid])?;
        tx.commit()
    }

    /// Creates a stream (and writes its group's stream counter) in one transaction; returns its id.
    pub fn insert_stream(&mut self, group: &GroupRow, s: &StreamRow) -> DbResult<i64> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT OR REPLACE INTO log_groups (name, creation_time, retention_in_days, next_stream_no, \
             tags, kms_key_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                group.name,
                group.creation_time,
                group.retention_in_days,
                i(group.next_stream_no),
                tags_json(&group.tags),
                group.kms_key_id
            ],
        )?;
        tx.execute(
            "INSERT INTO log_streams (group_name, name, no, creation_time, next_seq, stored_bytes) \
             VALUES (?1, ?2, ?3, ?4, 0, 0)",
            params![s.group, s.name, i(s.no), s.creation_time],
        )?;
        let sid = tx.last_insert_rowid();
        tx.commit()?;
        Ok(sid)
    }

    /// Appends events and writes the counters of the streams they went to, in one transaction.
    pub fn commit(&mut self, events: &[NewEvent], streams: &[StreamRow]) -> DbResult<()> {
        let tx = self.conn.transaction()?;
        {
            let mut ins = tx.prepare_cached(
                "INSERT INTO log_events (sid, ts, seq, ingestion_time, message) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for e in events {
                ins.execute(params![
                    e.sid,
                    e.timestamp,
                    i(e.seq),
                    e.ingestion_time,
                    e.message
                ])?;
            }
            let mut upd = tx.prepare_cached(
                "UPDATE log_streams SET next_seq = ?2, last_ingestion_time = ?3, first_ts = ?4, \
                 last_ts = ?5, stored_bytes = ?6 WHERE sid = ?1",
            )?;
            for s in streams {
                upd.execute(params![
                    s.sid,
                    i(s.next_seq),
                    s.last_ingestion_time,
                    s.first_ts,
                    s.last_ts,
                    i(s.stored_bytes)
                ])?;
            }
        }
        tx.commit()
    }

    /// Events of one stream with `from <= timestamp < to`, in (timestamp, seq) order, `skip` first ones
    /// skipped.
    pub fn stream_events(
        &self,
        sid: i64,
        from: i64,
        to: i64,
        skip: u64,
        limit: u64,
    ) -> DbResult<Vec<EventRow>> {
        let mut q = self.conn.prepare_cached(
            "SELECT sid, ts, seq, ingestion_time, message FROM log_events \
             WHERE sid = ?1 AND ts >= ?2 AND ts < ?3 ORDER BY ts, seq LIMIT ?4 OFFSET ?5",
        )?;
        q.query_map(params![sid, from, to, i(limit), i(skip)], event)?
            .collect()
    }

    /// How many events of one stream have `from <= timestamp < to`.
    pub fn count_stream(&self, sid: i64, from: i64, to: i64) -> DbResult<u64> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM log_events WHERE sid = ?1 AND ts >= ?2 AND ts < ?3",
            params![sid, from, to],
            |r| r.get(0),
        )?;
        Ok(u(n))
    }

    /// Events of the given streams with `from <= timestamp <= to` and (timestamp, stream, seq) after
    /// `after`, in that order, handed to `visit` until it returns false.
    pub fn scan(
        &self,
        sids: &[i64],
        from: i64,
        to: i64,
        after: (i64, i64, u64),
        mut visit: impl FnMut(EventRow) -> bool,
    ) -> DbResult<()> {
        if sids.is_empty() {
            return Ok(());
        }
        let marks = vec!["?"; sids.len()].join(",");
        let sql = format!(
            "SELECT sid, ts, seq, ingestion_time, message FROM log_events \
             WHERE sid IN ({marks}) AND ts >= ? AND ts <= ? AND (ts, sid, seq) > (?, ?, ?) \
             ORDER BY ts, sid, seq"
        );
        let mut q = self.conn.prepare(&sql)?;
        let mut args: Vec<i64> = sids.to_vec();
        args.extend([from, to, after.0, after.1, i(after.2)]);
        let mut rows = q.query(params_from_iter(args))?;
        while let Some(row) = rows.next()? {
            if !visit(event(row)?) {
                break;
            }
        }
        Ok(())
    }

    /// Deletes a stream's events older than `before`; returns the stream's new first timestamp and the
    /// bytes deleted.
    pub fn expire(&mut self, sid: i64, before: i64) -> DbResult<(Option<i64>, u64)> {
        let tx = self.conn.transaction()?;
        let bytes: i64 = tx.query_row(
            "SELECT coalesce(sum(length(CAST(message AS BLOB))), 0) FROM log_events WHERE sid = ?1 AND ts < ?2",
            params![sid, before],
            |r| r.get(0),
        )?;
        tx.execute(
            "DELETE FROM log_events WHERE sid = ?1 AND ts < ?2",
            params![sid, before],
        )?;
        let first: Option<i64> = tx
            .query_row(
                "SELECT ts FROM log_events WHERE sid = ?1 ORDER BY ts, seq LIMIT 1",
                [sid],
                |r| r.get(0),
            )
            .optional()?;
        tx.execute(
            "UPDATE log_streams SET first_ts = ?2, last_ts = CASE WHEN ?2 IS NULL THEN NULL ELSE last_ts END, \
             stored_bytes = max(stored_bytes - ?3, 0) WHERE sid = ?1",
            params![sid, first, bytes],
        )?;
        tx.commit()?;
        Ok((first, u(bytes)))
    }

    /// Keeps only the newest `keep` events (by arrival); returns, per stream that lost events, its new
    /// first timestamp and the bytes deleted.
    pub fn cap(&mut self, keep: u64) -> DbResult<Vec<(i64, Option<i64>, u64)>> {
        let max: Option<i64> = self
            .conn
            .query_row("SELECT max(id) FROM log_events", [], |r| r.get(0))?;
        let Some(cut) = max.map(|m| m - i(keep)).filter(|c| *c > 0) else {
            return Ok(Vec::new());
        };
        let tx = self.conn.transaction()?;
        let lost: Vec<(i64, i64)> = {
            let mut q = tx.prepare(
                "SELECT sid, sum(length(CAST(message AS BLOB))) FROM log_events WHERE id <= ?1 GROUP BY sid",
            )?;
            q.query_map([cut], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<DbResult<_>>()?
        };
        tx.execute("DELETE FROM log_events WHERE id <= ?1", [cut])?;
        let mut out = Vec::with_capacity(lost.len());
        for (sid, bytes) in lost {
            let first: Option<i64> = tx
                .query_row(
                    "SELECT ts FROM log_events WHERE sid = ?1 ORDER BY ts, seq LIMIT 1",
                    [sid],
                    |r| r.get(0),
                )
                .optional()?;
            tx.execute(
                "UPDATE log_streams SET first_ts = ?2, last_ts = CASE WHEN ?2 IS NULL THEN NULL ELSE last_ts END, \
                 stored_bytes = max(stored_bytes - ?3, 0) WHERE sid = ?1",
                params![sid, first, bytes],
            )?;
            out.push((sid, first, u(bytes)));
        }
        tx.commit()?;
        Ok(out)
    }

    /// Replaces every group, stream and event with these, in one transaction (the import of an
    /// earlier version's `logs.json`).
    pub fn import(&mut self, groups: Vec<ImportedGroup>) -> DbResult<()> {
        let tx = self.conn.transaction()?;
        tx.execute_batch(
            "DELETE FROM log_events; DELETE FROM log_streams; DELETE FROM log_groups;",
        )?;
        for (g, streams) in groups {
            tx.execute(
                "INSERT INTO log_groups (name, creation_time, retention_in_days, next_stream_no) \
                 VALUES (?1, ?2, ?3, ?4)",
                params![
                    g.name,
                    g.creation_time,
                    g.retention_in_days,
                    i(g.next_stream_no)
                ],
            )?;
            for (s, events) in streams {
                tx.execute(
                    "INSERT INTO log_streams (group_name, name, no, creation_time, next_seq, \
                     last_ingestion_time, first_ts, last_ts, stored_bytes) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                    params![
                        g.name,
                        s.name,
                        i(s.no),
                        s.creation_time,
                        i(s.next_seq),
                        s.last_ingestion_time,
                        s.first_ts,
                        s.last_ts,
                        i(s.stored_bytes)
                    ],
                )?;
                let sid = tx.last_insert_rowid();
                let mut ins = tx.prepare_cached(
                    "INSERT INTO log_events (sid, ts, seq, ingestion_time, message) VALUES (?1, ?2, ?3, ?4, ?5)",
                )?;
                for e in events {
                    ins.execute(params![
                        sid,
                        e.timestamp,
                        i(e.seq),
                        e.ingestion_time,
                        e.message
                    ])?;
                }
            }
        }
        tx.commit()
    }
}

/// A group's tags as stored: a JSON object of strings.
fn tags_json(tags: &BTreeMap<String, String>) -> String {
    serde_json::to_string(tags).unwrap_or_else(|_| "{}".to_owned())
}

/// Reads stored tags; a column that does not parse reads as no tags.
fn tags_from(json: &str) -> BTreeMap<String, String> {
    serde_json::from_str(json).unwrap_or_default()
}
