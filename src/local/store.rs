//! The local stack's store: every service's state in memory, persisted atomically to a state directory.
//!
//! Layout of a state directory: `store.json` (API Gateway and Lambda control planes), `logs.json`
//! (CloudWatch Logs), `code/<sha256 hex>.zip` (function packages, kept out of the JSON), `server.lock`
//! (owned by the running server, see `local::ensure_running`). Every file is written to a temporary
//! name, fsynced and renamed, so a crash mid-write leaves the previous version intact.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use super::apigateway::model::ApiGatewayState;
use super::common::{Saver, lock};
use super::lambda::model::LambdaState;
use super::logs::model::{Logs, LogsState};

const STORE_FILE: &str = "store.json";
const LOGS_FILE: &str = "logs.json";
const CODE_DIR: &str = "code";
/// Bumped when the file layout changes incompatibly; an unknown format is reported, not guessed at.
const FORMAT: u32 = 1;

/// Why a store cannot be opened or saved.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the local stack's store {path} is corrupt ({reason}); it is left as it is: repair it, or move the state directory away to start from an empty stack"
    )]
    Corrupt { path: PathBuf, reason: String },
    #[error("cannot use the local stack's state directory {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// All services' state.
pub struct Store {
    pub region: String,
    pub apis: Mutex<ApiGatewayState>,
    pub lambda: Mutex<LambdaState>,
    pub logs: Arc<Logs>,
    persist: Option<Persistence>,
}

struct Persistence {
    dir: PathBuf,
    /// Serializes whole-file writes so a later snapshot never gets overwritten by an earlier one.
    write: Mutex<()>,
}

#[derive(Serialize)]
struct ControlFileOut<'a> {
    format: u32,
    apigateway: &'a serde_json::Value,
    lambda: &'a serde_json::Value,
}

#[derive(Deserialize)]
struct ControlFileIn {
    apigateway: ApiGatewayState,
    lambda: LambdaState,
}

#[derive(Serialize)]
struct LogsFileOut<'a> {
    format: u32,
    logs: &'a LogsState,
}

#[derive(Deserialize)]
struct LogsFile {
    logs: LogsState,
}

impl Store {
    /// An empty store that lives in memory only.
    pub fn in_memory(region: &str) -> Self {
        Self {
            region: region.to_owned(),
            apis: Mutex::new(ApiGatewayState::default()),
            lambda: Mutex::new(LambdaState::default()),
            logs: Arc::new(Logs::new(LogsState::default())),
            persist: None,
        }
    }

    /// Opens (or creates) the store in `dir`. A file that does not parse is an error, never discarded.
    /// The caller owns the directory (holds its lock): temporary files left by a writer that crashed
    /// mid-write are removed, their half-written content never read.
    pub fn open(dir: &Path, region: &str) -> Result<Self, StoreError> {
        fs::create_dir_all(dir.join(CODE_DIR)).map_err(io_err(dir))?;
        remove_torn_writes(dir);
        remove_torn_writes(&dir.join(CODE_DIR));
        let store_path = dir.join(STORE_FILE);
        let (apis, mut lambda) = match fs::read(&store_path) {
            Ok(bytes) => {
                check_format(&store_path, &bytes)?;
                let file: ControlFileIn = parse(&store_path, &bytes)?;
                (file.apigateway, file.lambda)
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                (ApiGatewayState::default(), LambdaState::default())
            }
            Err(e) => return Err(io_err(&store_path)(e)),
        };
        lambda.load_code(|sha_hex| {
            let path = dir.join(CODE_DIR).join(format!("{sha_hex}.zip"));
            let zip = fs::read(&path).map_err(|e| StoreError::Corrupt {
                path: store_path.clone(),
                reason: format!("the package {} cannot be read: {e}", path.display()),
            })?;
            // A package that changed on disk would run other code than its CodeSha256 claims.
            if hex_sha256(&zip) != sha_hex {
                return Err(StoreError::Corrupt {
                    path: path.clone(),
                    reason:
                        "its SHA-256 is not the one its name and the function's CodeSha256 record"
                            .to_owned(),
                });
            }
            Ok(zip)
        })?;
        let logs_path = dir.join(LOGS_FILE);
        let logs = match fs::read(&logs_path) {
            Ok(bytes) => {
                check_format(&logs_path, &bytes)?;
                let file: LogsFile = parse(&logs_path, &bytes)?;
                file.logs
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => LogsState::default(),
            Err(e) => return Err(io_err(&logs_path)(e)),
        };
        Ok(Self {
            region: region.to_owned(),
            apis: Mutex::new(apis),
            lambda: Mutex::new(lambda),
            logs: Arc::new(Logs::new(logs)),
            persist: Some(Persistence {
                dir: dir.to_path_buf(),
                write: Mutex::new(()),
            }),
        })
    }

    /// The state directory, when the store is persisted.
    pub fn dir(&self) -> Option<&Path> {
        self.persist.as_ref().map(|p| p.dir.as_path())
    }

    /// Saves the control planes (API Gateway, Lambda) after a change. Called by mutating handlers before
    /// they answer, so an acknowledged change survives a restart.
    pub fn save_control(&self) -> Result<(), StoreError> {
        let Some(p) = &self.persist else {
            return Ok(());
        };
        let _write = lock(&p.write);
        // Each service is serialized under its own lock only, briefly; the file is written with no
        // service lock held, so traffic is never blocked on the disk.
        let apis = serde_json::to_value(&*lock(&self.apis));
        let lambda = serde_json::to_value(&*lock(&self.lambda));
        let (apis, lambda) = match (apis, lambda) {
            (Ok(a), Ok(l)) => (a, l),
            (Err(e), _) | (_, Err(e)) => {
                return Err(io_err(&p.dir)(io::Error::other(e)));
            }
        };
        let bytes = serde_json::to_vec(&ControlFileOut {
            format: FORMAT,
            apigateway: &apis,
            lambda: &lambda,
        })
        .map_err(|e| io_err(&p.dir)(io::Error::other(e)))?;
        let path = p.dir.join(STORE_FILE);
        write_atomic(&path, &bytes).map_err(io_err(&path))
    }

    /// Saves a function package under its SHA-256 (hex), before the store that refers to it.
    pub fn save_code(&self, sha_hex: &str, zip: &[u8]) -> Result<(), StoreError> {
        let Some(p) = &self.persist else {
            return Ok(());
        };
        let path = p.dir.join(CODE_DIR).join(format!("{sha_hex}.zip"));
        if path.exists() {
            return Ok(());
        }
        write_atomic(&path, zip).map_err(io_err(&path))
    }

    /// Saves the logs when they changed since the last save. Called periodically and at shutdown:
    /// log traffic never waits for the disk.
    pub fn flush_logs(&self) -> Result<(), StoreError> {
        let Some(p) = &self.persist else {
            return Ok(());
        };
        if !self.logs.take_dirty() {
            return Ok(());
        }
        let _write = lock(&p.write);
        let path = p.dir.join(LOGS_FILE);
        let bytes = self
            .logs
            .with_state(|logs| {
                serde_json::to_vec(&LogsFileOut {
                    format: FORMAT,
                    logs,
                })
            })
            .map_err(|e| io_err(&path)(io::Error::other(e)));
        let result = bytes.and_then(|b| write_atomic(&path, &b).map_err(io_err(&path)));
        if result.is_err() {
            // Unsaved changes stay unsaved: the next flush tries again.
            self.logs.mark_dirty();
        }
        result
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
    if format == FORMAT {
        Ok(())
    } else {
        Err(StoreError::Corrupt {
            path: path.to_path_buf(),
            reason: format!("format {format} is not the supported format {FORMAT}"),
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

    #[test]
    fn a_write_torn_by_a_crash_leaves_the_previous_store() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), "us-east-1").unwrap();
        lock(&store.apis).apis.insert(
            "kept".into(),
            serde_json::from_value(serde_json::json!({
                "id": "kept", "name": "kept", "created_date": 1, "root_resource_id": "root",
                "api_key_source": "HEADER", "endpoint_types": ["EDGE"],
                "resources": {}, "deployments": {}, "stages": {}
            }))
            .unwrap_or_else(|e| panic!("an API from JSON: {e}")),
        );
        store.save_control().unwrap();
        drop(store);
        // A writer that crashed before its rename leaves a half-written temporary file, never a torn
        // store.json.
        let full = fs::read(dir.path().join(STORE_FILE)).unwrap();
        let torn = dir.path().join(format!(".{STORE_FILE}.4242.0.tmp"));
        fs::write(&torn, &full[..full.len() / 2]).unwrap();
        let torn_code = dir.path().join(CODE_DIR).join(".abc.zip.4242.1.tmp");
        fs::write(&torn_code, b"PK").unwrap();

        let again = Store::open(dir.path(), "us-east-1").unwrap();
        assert!(lock(&again.apis).apis.contains_key("kept"));
        assert!(!torn.exists());
        assert!(!torn_code.exists());
    }

    #[test]
    fn a_store_round_trips_through_its_directory() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), "us-east-1").unwrap();
        store.save_control().unwrap();
        let again = Store::open(dir.path(), "us-east-1").unwrap();
        assert!(lock(&again.apis).apis.is_empty());
    }
}
