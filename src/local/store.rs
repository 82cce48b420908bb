//! The local stack's store: every service's state, kept in one SQLite database in a state directory.
//!
//! Layout of a state directory: `lambdeck.db` (with SQLite's `-wal` and `-shm` files while a server
//! runs), `code/<sha256 hex>.zip` (function packages, kept out of the database), `server.lock` (owned
//! by the running server, see `local::ensure_running`).
//!
//! The database runs in WAL mode: a transaction is on disk (in the write-ahead log) when its commit
//! returns, so killing the process at any moment loses only what was not committed, and never tears
//! the database. What is committed when:
//! - API Gateway and Lambda (the control planes, small): the whole state of both, in one transaction,
//!   before a mutating request is answered ([`Store::save_control`]).
//! - CloudWatch Logs: groups and streams as they are created or deleted, and `PutLogEvents` events,
//!   before the request is answered; the function-log sink's events together, at most a second later
//!   (like CloudWatch's own ingestion delay), or before the next read (see `logs::model`).
//!
//! Regions are isolated as on AWS: API Gateway and Lambda keep one state per region (a `control` row
//! `apigateway/{region}`, `lambda/{region}`), log groups are keyed `{region}:{name}` (a colon never
//! occurs in a group name); IAM is global.
//!
//! State directories of earlier versions (`store.json`, `logs.json`) are imported on first open, in
//! one transaction, and then renamed to `*.json.migrated`. A database of format 1 (one state for
//! every region) is upgraded in one transaction: its resources go to the region their ARNs name most
//! often (the server's region when none does), and a warning says which.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension, params};
use serde::Deserialize;

use super::apigateway::model::ApiGatewayState;
use super::common::{Saver, lock, now_ms};
use super::iam::model::IamState;
use super::lambda::model::LambdaState;
use super::logs::model::{LogRetention, Logs};

pub mod logdb;

const DB_FILE: &str = "lambdeck.db";
const STORE_FILE: &str = "store.json";
const LOGS_FILE: &str = "logs.json";
const CODE_DIR: &str = "code";
/// The JSON files' format, which the migration reads.
const JSON_FORMAT: u32 = 1;
/// The database's schema version (`PRAGMA user_version`); a database of a newer version is refused.
const DB_FORMAT: i64 = 2;
/// How often retention is applied.
const EXPIRE_EVERY_MS: i64 = 60_000;

/// Why a store cannot be opened or saved.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the local stack's store {path} is corrupt ({reason}); it is left as it is: repair it, or move the state directory away to start from an empty stack"
    )]
    Corrupt { path: PathBuf, reason: String },
    #[error("cannot use the local stack's state directory {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("the local stack's database {path} failed: {source}")]
    Db {
        path: PathBuf,
        source: rusqlite::Error,
    },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn db_err(path: &Path) -> impl FnOnce(rusqlite::Error) -> StoreError + '_ {
    move |source| StoreError::Db {
        path: path.to_path_buf(),
        source,
    }
}

/// One region's API Gateway and Lambda state.
#[derive(Default)]
pub struct Regional {
    pub apis: Mutex<ApiGatewayState>,
    pub lambda: Mutex<LambdaState>,
}

/// The key of a log group in the store: its region and name.
pub fn log_group_key(region: &str, name: &str) -> String {
    format!("{region}:{name}")
}

/// All services' state.
pub struct Store {
    pub region: String,
    regions: Mutex<BTreeMap<String, Arc<Regional>>>,
    pub iam: Mutex<IamState>,
    pub logs: Arc<Logs>,
    control: Mutex<Connection>,
    db_path: PathBuf,
    dir: Option<PathBuf>,
    last_expiry: AtomicI64,
}

/// Opens a connection the way the store uses it: WAL, and a commit is durable against a crash of the
/// process (`synchronous=NORMAL` syncs the log at checkpoints, which is what a power loss needs, not a
/// SIGKILL).
fn connect(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(conn)
}

const CONTROL_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS control (service TEXT PRIMARY KEY, state TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
";

impl Store {
    /// An empty store that lives in memory only.
    pub fn in_memory(region: &str) -> Result<Self, StoreError> {
        let path = PathBuf::from(":memory:");
        let control = Connection::open_in_memory().map_err(db_err(&path))?;
        control
            .execute_batch(CONTROL_SCHEMA)
            .map_err(db_err(&path))?;
        Ok(Self {
            region: region.to_owned(),
            regions: Mutex::new(BTreeMap::new()),
            iam: Mutex::new(IamState::default()),
            logs: Arc::new(Logs::in_memory().map_err(db_err(&path))?),
            control: Mutex::new(control),
            db_path: path,
            dir: None,
            last_expiry: AtomicI64::new(now_ms()),
        })
    }

    /// Opens (or creates) the store in `dir` with the default log retention.
    pub fn open(dir: &Path, region: &str) -> Result<Self, StoreError> {
        Self::open_with(dir, region, LogRetention::default())
    }

    /// Opens (or creates) the store in `dir`. State that does not parse is an error, never discarded.
    /// The caller owns the directory (holds its lock): temporary files left by a writer that crashed
    /// mid-write are removed, their half-written content never read.
    pub fn open_with(
        dir: &Path,
        region: &str,
        retention: LogRetention,
    ) -> Result<Self, StoreError> {
        fs::create_dir_all(dir.join(CODE_DIR)).map_err(io_err(dir))?;
        remove_torn_writes(dir);
        remove_torn_writes(&dir.join(CODE_DIR));
        let db_path = dir.join(DB_FILE);
        let mut control = connect(&db_path).map_err(db_err(&db_path))?;
        let version: i64 = control
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(db_err(&db_path))?;
        if version > DB_FORMAT {
            return Err(StoreError::Corrupt {
                path: db_path,
                reason: format!(
                    "format {version} is not the supported format {DB_FORMAT}: it was written by a newer lambdeck"
                ),
            });
        }
        control
            .execute_batch(CONTROL_SCHEMA)
            .map_err(db_err(&db_path))?;
        let mut logdb = logdb::LogDb::new(connect(&db_path).map_err(db_err(&db_path))?)
            .map_err(db_err(&db_path))?;
        let imported = migrate_json(dir, &db_path, &mut control, &mut logdb)?;
        if version < DB_FORMAT || imported {
            isolate_regions(&db_path, &mut control, region)?;
        }

        let rows: Vec<(String, String)> = {
            let mut q = control
                .prepare("SELECT service, state FROM control")
                .map_err(db_err(&db_path))?;
            q.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .and_then(Iterator::collect)
                .map_err(db_err(&db_path))?
        };
        let mut iam = IamState::default();
        let mut regions: BTreeMap<String, Arc<Regional>> = BTreeMap::new();
        for (service, json) in rows {
            if service == "iam" {
                iam = parse(&db_path, json.as_bytes())?;
                continue;
            }
            let Some((service, region)) = service.split_once('/') else {
                continue;
            };
            let regional = regions.entry(region.to_owned()).or_default();
            match service {
                "apigateway" => {
                    *lock(&regional.apis) = parse(&db_path, json.as_bytes())?;
                }
                "lambda" => {
                    let mut lambda: LambdaState = parse(&db_path, json.as_bytes())?;
                    lambda.load_code(|sha_hex| read_code(dir, &db_path, sha_hex))?;
                    *lock(&regional.lambda) = lambda;
                }
                _ => {}
            }
        }
        let logs = Logs::open(logdb, retention).map_err(db_err(&db_path))?;
        Ok(Self {
            region: region.to_owned(),
            regions: Mutex::new(regions),
            iam: Mutex::new(iam),
            logs: Arc::new(logs),
            control: Mutex::new(control),
            db_path,
            dir: Some(dir.to_path_buf()),
            last_expiry: AtomicI64::new(0),
        })
    }

    /// A region's API Gateway and Lambda state (empty the first time the region is named).
    pub fn regional(&self, region: &str) -> Arc<Regional> {
        lock(&self.regions)
            .entry(region.to_owned())
            .or_default()
            .clone()
    }

    /// The region that holds an API, for stage traffic that does not name one.
    pub fn region_of_api(&self, api_id: &str) -> Option<String> {
        lock(&self.regions)
            .iter()
            .find(|(_, r)| lock(&r.apis).apis.contains_key(api_id))
            .map(|(name, _)| name.clone())
    }

    /// The state directory, when the store is persisted.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// Saves the control planes (API Gateway, Lambda, IAM) after a change, in one transaction. Called by
    /// mutating handlers before they answer, so an acknowledged change survives a crash.
    pub fn save_control(&self) -> Result<(), StoreError> {
        let mut conn = lock(&self.control);
        // Each service is serialized under its own lock only, briefly; the database is written with
        // no service lock held, so traffic is never blocked on the disk.
        let regions: Vec<(String, Arc<Regional>)> = lock(&self.regions)
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let mut rows = Vec::with_capacity(1 + 2 * regions.len());
        let to_json = |r: serde_json::Result<String>| {
            r.map_err(|e| io_err(&self.db_path)(io::Error::other(e)))
        };
        rows.push((
            "iam".to_owned(),
            to_json(serde_json::to_string(&*lock(&self.iam)))?,
        ));
        for (region, r) in regions {
            rows.push((
                format!("apigateway/{region}"),
                to_json(serde_json::to_string(&*lock(&r.apis)))?,
            ));
            rows.push((
                format!("lambda/{region}"),
                to_json(serde_json::to_string(&*lock(&r.lambda)))?,
            ));
        }
        write_control(&mut conn, &rows).map_err(db_err(&self.db_path))
    }

    /// Saves a function package under its SHA-256 (hex), before the store that refers to it.
    pub fn save_code(&self, sha_hex: &str, zip: &[u8]) -> Result<(), StoreError> {
        let Some(dir) = &self.dir else {
            return Ok(());
        };
        let path = dir.join(CODE_DIR).join(format!("{sha_hex}.zip"));
        if path.exists() {
            return Ok(());
        }
        write_atomic(&path, zip).map_err(io_err(&path))
    }

    /// Commits the function-log sink's pending events and, once a minute, applies log retention.
    /// Called every second and at shutdown: function logs never wait for the disk.
    pub fn flush_logs(&self) -> Result<(), StoreError> {
        let now = now_ms();
        let due = now - self.last_expiry.load(Ordering::Relaxed) >= EXPIRE_EVERY_MS;
        if due {
            self.last_expiry.store(now, Ordering::Relaxed);
        }
        self.logs.flush(due).map_err(db_err(&self.db_path))
    }
}

fn write_control(conn: &mut Connection, rows: &[(String, String)]) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    {
        let mut q =
            tx.prepare("INSERT OR REPLACE INTO control (service, state) VALUES (?1, ?2)")?;
        for (service, state) in rows {
            q.execute(params![service, state])?;
        }
    }
    tx.commit()
}

/// Reads a function package from `code/`, checking it against the SHA-256 it is stored under.
fn read_code(dir: &Path, db_path: &Path, sha_hex: &str) -> Result<Vec<u8>, StoreError> {
    let path = dir.join(CODE_DIR).join(format!("{sha_hex}.zip"));
    let zip = fs::read(&path).map_err(|e| StoreError::Corrupt {
        path: db_path.to_path_buf(),
        reason: format!("the package {} cannot be read: {e}", path.display()),
    })?;
    // A package that changed on disk would run other code than its CodeSha256 claims.
    if hex_sha256(&zip) != sha_hex {
        return Err(StoreError::Corrupt {
            path,
            reason: "its SHA-256 is not the one its name and the function's CodeSha256 record"
                .to_owned(),
        });
    }
    Ok(zip)
}

/// The region an earlier (region-less) state belongs to: the one its ARNs and integration URIs name
/// most often (`arn:aws:lambda:eu-west-1:...`, `arn:aws:apigateway:eu-west-1:lambda:path/...`), or
/// `fallback` when they name none.
fn dominant_region(texts: &[&str], fallback: &str) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for text in texts {
        for service in [":lambda:", ":apigateway:", ":execute-api:", ":logs:"] {
            for (at, _) in text.match_indices(service) {
                let rest = &text[at + service.len()..];
                let region = rest.split(':').next().unwrap_or("");
                let plausible = !region.is_empty()
                    && region.len() <= 32
                    && region.contains('-')
                    && region
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
                if plausible {
                    *counts.entry(region).or_default() += 1;
                }
            }
        }
    }
    counts
        .into_iter()
        .max_by_key(|(_, n)| *n)
        .map_or_else(|| fallback.to_owned(), |(r, _)| r.to_owned())
}

/// Upgrades a database of format 1 (or the JSON import), whose API Gateway, Lambda and log state
/// served every region, to per-region state, in one transaction; then marks it format 2.
fn isolate_regions(
    db_path: &Path,
    control: &mut Connection,
    server_region: &str,
) -> Result<(), StoreError> {
    let tx = control.transaction().map_err(db_err(db_path))?;
    let old = |service: &str| -> Result<Option<String>, StoreError> {
        tx.query_row(
            "SELECT state FROM control WHERE service = ?1",
            [service],
            |r| r.get(0),
        )
        .optional()
        .map_err(db_err(db_path))
    };
    let apis = old("apigateway")?;
    let lambda = old("lambda")?;
    let groups: i64 = tx
        .query_row("SELECT COUNT(*) FROM log_groups", [], |r| r.get(0))
        .map_err(db_err(db_path))?;
    let texts: Vec<&str> = [apis.as_deref(), lambda.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    let region = dominant_region(&texts, server_region);
    let empty = |s: &Option<String>| s.as_deref().is_none_or(|s| s.len() < 64);
    if !(empty(&apis) && empty(&lambda) && groups == 0) {
        tracing::warn!(
            "local stack: {} held one state for every region; its functions, APIs and log groups are now in {region} (regions are isolated, as on AWS)",
            db_path.display()
        );
    }
    let prefix = format!("{region}:");
    let moved = tx
        .execute(
            "UPDATE control SET service = service || '/' || ?1 WHERE service IN ('apigateway', 'lambda')",
            [&region],
        )
        .and_then(|_| {
            tx.execute(
                "UPDATE log_groups SET name = ?1 || name WHERE instr(name, ':') = 0",
                [&prefix],
            )
        })
        .and_then(|_| {
            tx.execute(
                "UPDATE log_streams SET group_name = ?1 || group_name WHERE instr(group_name, ':') = 0",
                [&prefix],
            )
        })
        .and_then(|_| tx.pragma_update(None, "user_version", DB_FORMAT));
    moved.map_err(db_err(db_path))?;
    tx.commit().map_err(db_err(db_path))
}

/// The JSON files of earlier versions.
#[derive(Deserialize)]
struct ControlFileIn {
    apigateway: serde_json::Value,
    lambda: serde_json::Value,
}

#[derive(Deserialize)]
struct LogsFileIn {
    logs: LegacyLogs,
}

#[derive(Deserialize)]
struct LegacyLogs {
    groups: std::collections::BTreeMap<String, LegacyGroup>,
}

#[derive(Deserialize)]
struct LegacyGroup {
    name: String,
    creation_time: i64,
    #[serde(default)]
    retention_in_days: Option<u32>,
    next_stream_no: u64,
    streams: std::collections::BTreeMap<String, LegacyStream>,
}

#[derive(Deserialize)]
struct LegacyStream {
    name: String,
    no: u64,
    creation_time: i64,
    next_seq: u64,
    events: Vec<LegacyEvent>,
    #[serde(default)]
    last_ingestion_time: Option<i64>,
}

#[derive(Deserialize)]
struct LegacyEvent {
    t: i64,
    i: i64,
    s: u64,
    m: String,
}

/// Imports `store.json` and `logs.json` (the layout before the database) once, then renames them to
/// `*.migrated`. The logs are imported first (replacing whatever a crashed earlier import left), then
/// the control planes with the mark that the import is done, so a crash mid-way imports again.
fn migrate_json(
    dir: &Path,
    db_path: &Path,
    control: &mut Connection,
    logdb: &mut logdb::LogDb,
) -> Result<bool, StoreError> {
    let store_path = dir.join(STORE_FILE);
    let logs_path = dir.join(LOGS_FILE);
    if !store_path.exists() && !logs_path.exists() {
        return Ok(false);
    }
    let done: Option<String> = control
        .query_row(
            "SELECT value FROM meta WHERE key = 'migrated_from_json'",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(db_err(db_path))?;
    let imported = done.is_none();
    if imported {
        if let Some(bytes) = read_if_exists(&logs_path)? {
            check_format(&logs_path, &bytes)?;
            let file: LogsFileIn = parse(&logs_path, &bytes)?;
            let groups = file
                .logs
                .groups
                .into_values()
                .map(|g| {
                    let row = logdb::GroupRow {
                        name: g.name.clone(),
                        creation_time: g.creation_time,
                        retention_in_days: g.retention_in_days,
                        next_stream_no: g.next_stream_no,
                        tags: Default::default(),
                        kms_key_id: None,
                    };
                    let mut streams: Vec<_> = g
                        .streams
                        .into_values()
                        .map(|s| {
                            let row = logdb::StreamRow {
                                sid: 0,
                                group: g.name.clone(),
                                name: s.name,
                                no: s.no,
                                creation_time: s.creation_time,
                                next_seq: s.next_seq,
                                last_ingestion_time: s.last_ingestion_time,
                                first_ts: s.events.iter().map(|e| e.t).min(),
                                last_ts: s.events.iter().map(|e| e.t).max(),
                                stored_bytes: s.events.iter().map(|e| e.m.len() as u64).sum(),
                            };
                            let events = s
                                .events
                                .into_iter()
                                .map(|e| logdb::NewEvent {
                                    sid: 0,
                                    timestamp: e.t,
                                    seq: e.s,
                                    ingestion_time: e.i,
                                    message: e.m,
                                })
                                .collect();
                            (row, events)
                        })
                        .collect();
                    streams.sort_by_key(|(s, _)| s.no);
                    (row, streams)
                })
                .collect();
            logdb.import(groups).map_err(db_err(db_path))?;
        }
        let (apis, lambda) = match read_if_exists(&store_path)? {
            Some(bytes) => {
                check_format(&store_path, &bytes)?;
                let file: ControlFileIn = parse(&store_path, &bytes)?;
                // Checked now, so a file that does not fit the model is refused before it is imported.
                parse::<ApiGatewayState>(&store_path, file.apigateway.to_string().as_bytes())?;
                parse::<LambdaState>(&store_path, file.lambda.to_string().as_bytes())?;
                (file.apigateway.to_string(), file.lambda.to_string())
            }
            None => (
                serde_json::json!(ApiGatewayState::default()).to_string(),
                serde_json::json!(LambdaState::default()).to_string(),
            ),
        };
        let tx = control.transaction().map_err(db_err(db_path))?;
        tx.execute(
            "INSERT OR REPLACE INTO control (service, state) VALUES ('apigateway', ?1), ('lambda', ?2)",
            params![apis, lambda],
        )
        .and_then(|_| {
            tx.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('migrated_from_json', ?1)",
                [now_ms().to_string()],
            )
        })
        .map_err(db_err(db_path))?;
        tx.commit().map_err(db_err(db_path))?;
    }
    for path in [store_path, logs_path] {
        if path.exists() {
            let mut to = path.clone().into_os_string();
            to.push(".migrated");
            fs::rename(&path, &to).map_err(io_err(&path))?;
        }
    }
    Ok(imported)
}

fn read_if_exists(path: &Path) -> Result<Option<Vec<u8>>, StoreError> {
    match fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_err(path)(e)),
    }
}

impl Saver for Store {
    fn save_control(&self) -> Result<(), String> {
        Store::save_control(self).map_err(|e| e.to_string())
    }

    fn save_code(&self, sha_hex: &str, zip: &[u8]) -> Result<(), String> {
        Store::save_code(self, sha_hex, zip).map_err(|e| e.to_string())
    }
}

fn parse<T: for<'de> Deserialize<'de>>(path: &Path, bytes: &[u8]) -> Result<T, StoreError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| StoreError::Corrupt {
        path: path.to_path_buf(),
        // "." is the document itself, "?" a position serde could not name (a truncated file).
        reason: if matches!(e.path().to_string().as_str(), "." | "?") {
            e.inner().to_string()
        } else {
            format!("at {}: {}", e.path(), e.inner())
        },
    })
}

/// Reads only the file's `format` first, so a file from another lambdeck version is reported as such
/// rather than as whatever field of its content fails to parse.
fn check_format(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    #[derive(Deserialize)]
    struct Header {
        format: u32,
    }
    let format = parse::<Header>(path, bytes)?.format;
    if format == JSON_FORMAT {
        Ok(())
    } else {
        Err(StoreError::Corrupt {
            path: path.to_path_buf(),
            reason: format!("format {format} is not the supported format {JSON_FORMAT}"),
        })
    }
}

fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Removes the temporary files of [`write_atomic`] (`.<name>.<pid>.<n>.tmp`) that a crash left behind.
fn remove_torn_writes(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') && name.ends_with(".tmp") {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Writes a file so that readers see either the old or the new content, never a torn one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut file = File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, path)?;
        // The rename itself must reach the disk too.
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.json");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn a_corrupt_store_is_reported_not_discarded() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join(STORE_FILE),
            b"{\"format\":1,\"apigateway\":",
        )
        .unwrap();
        let Err(err) = Store::open(dir.path(), "us-east-1") else {
            panic!("a corrupt store must not open");
        };
        let msg = err.to_string();
        assert!(msg.contains("is corrupt"), "{msg}");
        assert!(msg.contains("store.json"), "{msg}");
        assert!(!msg.contains("at ?"), "{msg}");
        // The file is left as it was, for the user to inspect.
        assert_eq!(
            fs::read(dir.path().join(STORE_FILE)).unwrap(),
            b"{\"format\":1,\"apigateway\":"
        );
    }

    #[test]
    fn a_store_of_another_format_says_so() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join(STORE_FILE),
            br#"{"format":2,"apigateway":{},"lambda":{}}"#,
        )
        .unwrap();
        let Err(err) = Store::open(dir.path(), "us-east-1") else {
            panic!("a store of another format must not open");
        };
        let msg = err.to_string();
        assert!(
            msg.contains("format 2 is not the supported format 1"),
            "{msg}"
        );
    }

    fn kept_api() -> crate::local::apigateway::model::RestApi {
        serde_json::from_value(serde_json::json!({
            "id": "kept", "name": "kept", "created_date": 1, "root_resource_id": "root",
            "api_key_source": "HEADER", "endpoint_types": ["EDGE"],
            "resources": {}, "deployments": {}, "stages": {}
        }))
        .unwrap_or_else(|e| panic!("an API from JSON: {e}"))
    }

    /// A us-east-1 group's messages.
    fn messages(store: &Store, group: &str) -> Vec<String> {
        store.logs.read_all(&log_group_key("us-east-1", group))
    }

    const G: &str = "us-east-1:g";

    #[test]
    fn a_write_torn_by_a_crash_leaves_the_previous_store() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), "us-east-1").unwrap();
        lock(&store.regional("us-east-1").apis)
            .apis
            .insert("kept".into(), kept_api());
        store.save_control().unwrap();
        drop(store);
        // A package writer that crashed before its rename leaves a half-written temporary file.
        let torn_code = dir.path().join(CODE_DIR).join(".abc.zip.4242.1.tmp");
        fs::write(&torn_code, b"PK").unwrap();

        let again = Store::open(dir.path(), "us-east-1").unwrap();
        assert!(
            lock(&again.regional("us-east-1").apis)
                .apis
                .contains_key("kept")
        );
        assert!(!torn_code.exists());
    }

    #[test]
    fn a_store_round_trips_through_its_directory() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), "us-east-1").unwrap();
        store.save_control().unwrap();
        // An answered PutLogEvents is committed at once; the sink's events with the next flush.
        store.logs.create_group(G).unwrap();
        store.logs.create_stream(G, "s").unwrap();
        store
            .logs
            .append(G, "s", vec![(1, "put".into())], false)
            .unwrap();
        crate::local::exec::LogSink::put(
            &*store.logs,
            "us-east-1",
            "g",
            "sink",
            vec![(2, "sunk".into())],
        );
        store.flush_logs().unwrap();
        drop(store);
        let again = Store::open(dir.path(), "us-east-1").unwrap();
        assert!(lock(&again.regional("us-east-1").apis).apis.is_empty());
        assert_eq!(messages(&again, "g"), ["put", "sunk"]);
        again.logs.with_state(|s| {
            let st = &s.groups[G].streams["s"];
            assert_eq!(
                (st.next_seq, st.first_timestamp, st.stored_bytes),
                (1, Some(1), 3)
            );
            assert_eq!(s.groups[G].streams["sink"].no, 1);
        });
    }

    #[test]
    fn a_database_of_a_newer_version_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
        conn.pragma_update(None, "user_version", 7).unwrap();
        drop(conn);
        let Err(err) = Store::open(dir.path(), "us-east-1") else {
            panic!("a newer database must not open");
        };
        assert!(
            err.to_string()
                .contains("format 7 is not the supported format 2"),
            "{err}"
        );
    }

    #[test]
    fn json_state_directories_are_migrated_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut apis = ApiGatewayState::default();
        apis.apis.insert("kept".into(), kept_api());
        let lambda = serde_json::to_value(LambdaState::default()).unwrap();
        fs::write(
            dir.path().join(STORE_FILE),
            serde_json::json!({"format": 1, "apigateway": apis, "lambda": lambda}).to_string(),
        )
        .unwrap();
        fs::write(
            dir.path().join(LOGS_FILE),
            serde_json::json!({"format": 1, "logs": {"groups": {"g": {
                "name": "g", "creation_time": 5, "retention_in_days": 7, "next_stream_no": 2,
                "streams": {
                    "a": {"name": "a", "no": 0, "creation_time": 5, "next_seq": 2, "last_ingestion_time": 9,
                          "events": [{"t": 10, "i": 11, "s": 0, "m": "one"}, {"t": 30, "i": 31, "s": 1, "m": "three"}]},
                    "b": {"name": "b", "no": 1, "creation_time": 6, "next_seq": 1,
                          "events": [{"t": 20, "i": 21, "s": 0, "m": "two"}]}
                }}}}})
            .to_string(),
        )
        .unwrap();
        let store = Store::open(dir.path(), "us-east-1").unwrap();
        assert!(
            lock(&store.regional("us-east-1").apis)
                .apis
                .contains_key("kept")
        );
        assert_eq!(messages(&store, "g"), ["one", "two", "three"]);
        store.logs.with_state(|s| {
            assert_eq!(s.groups[G].retention_in_days, Some(7));
            assert_eq!(s.groups[G].next_stream_no, 2);
            assert_eq!(s.groups[G].streams["a"].last_timestamp, Some(30));
        });
        drop(store);
        assert!(!dir.path().join(LOGS_FILE).exists());
        assert!(dir.path().join("logs.json.migrated").exists());
        let again = Store::open(dir.path(), "us-east-1").unwrap();
        assert_eq!(messages(&again, "g"), ["one", "two", "three"]);
    }

    #[test]
    fn retention_and_the_cap_delete_the_oldest_events() {
        let dir = tempfile::tempdir().unwrap();
        let retention = LogRetention {
            max_events: Some(4),
        };
        let store = Store::open_with(dir.path(), "us-east-1", retention).unwrap();
        let now = now_ms();
        let day = 86_400_000;
        let sink = |g: &str, ts: i64, m: &str| {
            crate::local::exec::LogSink::put(
                &*store.logs,
                "us-east-1",
                g,
                "s",
                vec![(ts, m.to_owned())],
            );
        };
        store.logs.create_group("us-east-1:kept-a-day").unwrap();
        store
            .logs
            .set_retention("us-east-1:kept-a-day", Some(1))
            .unwrap();
        sink("kept-a-day", now - 2 * day, "expired");
        sink("kept-a-day", now, "fresh");
        sink("capped", now, "c1");
        sink("capped", now, "c2");
        sink("capped", now, "c3");
        store.flush_logs().unwrap();
        // The group's retention removed the event older than a day.
        assert_eq!(messages(&store, "kept-a-day"), ["fresh"]);
        assert_eq!(messages(&store, "capped"), ["c1", "c2", "c3"]);
        // Over the cap of four, the oldest by arrival go, whatever their group.
        sink("capped", now, "c4");
        sink("capped", now, "c5");
        store.logs.flush(true).unwrap();
        assert_eq!(messages(&store, "kept-a-day"), Vec::<String>::new());
        assert_eq!(messages(&store, "capped"), ["c2", "c3", "c4", "c5"]);
        store.logs.with_state(|s| {
            let st = &s.groups["us-east-1:kept-a-day"].streams["s"];
            assert_eq!((st.first_timestamp, st.stored_bytes), (None, 0));
            assert_eq!(s.groups["us-east-1:capped"].streams["s"].stored_bytes, 8);
        });
    }

    #[test]
    fn a_database_of_one_state_for_every_region_moves_to_the_region_its_arns_name() {
        let dir = tempfile::tempdir().unwrap();
        let mut api = kept_api();
        api.policy = Some(
            r#"{"Statement":[{"Resource":"arn:aws:execute-api:eu-west-1:000000000000:kept/*"}]}"#
                .into(),
        );
        let mut apis = ApiGatewayState::default();
        apis.apis.insert("kept".into(), api);
        {
            // A format-1 database: region-less control rows and log groups.
            let mut conn = connect(&dir.path().join(DB_FILE)).unwrap();
            conn.execute_batch(CONTROL_SCHEMA).unwrap();
            let logdb = logdb::LogDb::new(connect(&dir.path().join(DB_FILE)).unwrap()).unwrap();
            drop(logdb);
            let lambda = serde_json::to_string(&LambdaState::default()).unwrap();
            let apis = serde_json::to_string(&apis).unwrap();
            let iam = serde_json::to_string(&IamState::default()).unwrap();
            let tx = conn.transaction().unwrap();
            tx.execute(
                "INSERT INTO control (service, state) VALUES ('apigateway', ?1), ('lambda', ?2), ('iam', ?3)",
                params![apis, lambda, iam],
            )
            .unwrap();
            tx.execute(
                "INSERT INTO log_groups (name, creation_time, next_stream_no) VALUES ('/aws/lambda/f', 1, 0)",
                [],
            )
            .unwrap();
            tx.commit().unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
        }
        let store = Store::open(dir.path(), "us-east-1").unwrap();
        assert!(
            lock(&store.regional("eu-west-1").apis)
                .apis
                .contains_key("kept")
        );
        assert!(lock(&store.regional("us-east-1").apis).apis.is_empty());
        store.logs.with_state(|s| {
            let names: Vec<&String> = s.groups.keys().collect();
            assert_eq!(names, ["eu-west-1:/aws/lambda/f"]);
        });
        drop(store);
        // Upgraded once: the next start reads the same regions.
        let again = Store::open(dir.path(), "us-east-1").unwrap();
        assert!(
            lock(&again.regional("eu-west-1").apis)
                .apis
                .contains_key("kept")
        );
    }

    #[test]
    fn dominant_region_counts_the_arns_and_falls_back_to_the_servers() {
        let text = "arn:aws:lambda:ap-south-1:0:function:a arn:aws:apigateway:eu-west-1:lambda:path/x \
                    arn:aws:execute-api:eu-west-1:0:id/*";
        assert_eq!(dominant_region(&[text], "us-east-1"), "eu-west-1");
        assert_eq!(dominant_region(&["{}"], "us-east-1"), "us-east-1");
    }
}
