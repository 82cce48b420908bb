//! The watch engine (`spawn_watch`): the function crate watched with the OS's file notifications
//! (`notify`), changes debounced, a build per quiet moment (a change during a build cancels and restarts
//! it), and the package uploaded only when its CodeSha256 differs from what the function runs. Compiler
//! errors are reported and watching goes on.

use std::path::{Component, Path, PathBuf};
use std::time::{Duration, Instant};

use notify::{EventKind, RecursiveMode, Watcher};
use serde::Serialize;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::aws::Clients;
use crate::build::{
    BuildError, BuildEvent, BuildOptions, BuildTarget, CancellationToken, Layout, UploadError,
    UploadReport, build_with, upload_code,
};
use crate::config::StackSpec;

/// How long the crate must be quiet before a build starts: an editor's save (write, rename, chmod)
/// and a formatter's rewrite land in one build.
pub const DEBOUNCE: Duration = Duration::from_millis(150);

/// How to watch.
#[derive(Debug, Clone)]
pub struct WatchConfig {
    pub build: BuildOptions,
    pub debounce: Duration,
    /// Build (and upload if needed) once at the start, before any change.
    pub initial_build: bool,
}

impl WatchConfig {
    /// The profile lambdeck.toml's `[watch] profile` names, else the fast one for the target: `dev`
    /// on the local stack (a native build that runs here), the size-tuned `release-lambda` profile on AWS.
    pub fn for_target(spec: &StackSpec, target: BuildTarget) -> Self {
        let profile = spec.watch.profile.clone().unwrap_or_else(|| {
            match target {
                BuildTarget::Local => "dev",
                BuildTarget::Aws => crate::build::LAMBDA_PROFILE,
            }
            .to_owned()
        });
        Self {
            build: BuildOptions::with_profile(target, profile),
            debounce: DEBOUNCE,
            initial_build: true,
        }
    }
}

/// What watching reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum WatchEvent {
    /// Watching this directory with this profile.
    Watching { dir: PathBuf, profile: String },
    /// Files changed (after the debounce); a build follows.
    Changed { paths: Vec<PathBuf> },
    /// A change arrived while a build ran: that build was cancelled and a new one follows.
    Restarted,
    /// What the running build reports (progress, diagnostics, finished or failed).
    Build(BuildEvent),
    /// The build's package was uploaded, or not (the function already runs it).
    Uploaded(UploadReport),
    /// The build or the upload failed; watching goes on. Compiler errors came before as diagnostics.
    Failed { reason: String },
    /// One build-and-upload round is over; `elapsed_ms` from the change (or the start) to the end.
    /// `initial` for the round that builds what is there when watching starts (no change caused it).
    Idle { elapsed_ms: u64, initial: bool },
}

/// Why watching could not start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WatchError {
    #[error("{0}")]
    Build(#[from] BuildError),
    #[error("cannot watch {dir}: {reason}")]
    Notify { dir: String, reason: String },
}

/// The running watch: dropping it (or `stop`) stops watching and cancels a running build.
#[derive(Debug)]
pub struct WatchHandle {
    cancel: CancellationToken,
    task: Option<JoinHandle<()>>,
}

impl WatchHandle {
    /// Stops watching and waits for a running build to be cancelled.
    pub async fn stop(mut self) {
        self.cancel.cancel();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    pub fn is_finished(&self) -> bool {
        self.task.as_ref().is_none_or(JoinHandle::is_finished)
    }
}

impl Drop for WatchHandle {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// Starts watching the function crate lambdeck.toml names. Events arrive on `events`; the watch ends
/// when the handle is dropped or stopped, or when `events` is closed.
pub async fn spawn_watch(
    clients: Clients,
    spec: StackSpec,
    config: WatchConfig,
    events: mpsc::Sender<WatchEvent>,
) -> Result<WatchHandle, WatchError> {
    let mut layout = Layout::discover(&spec).await?;
    // The OS reports absolute paths: a crate named relative to lambdeck.toml ("function") is made
    // absolute, else no event would be seen as under it (and under a hidden directory, such as a
    // temporary one, every event would be taken for a hidden file's).
    if let Ok(dir) = std::fs::canonicalize(&layout.crate_dir) {
        layout.crate_dir = dir;
    }
    let (fs_tx, fs_rx) = mpsc::unbounded_channel();
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Ok(event) = res {
            let _ = fs_tx.send(event);
        }
    })
    .map_err(|e| notify_error(&layout.crate_dir, &e))?;
    watcher
        .watch(&layout.crate_dir, RecursiveMode::Recursive)
        .map_err(|e| notify_error(&layout.crate_dir, &e))?;
    let cancel = CancellationToken::new();
    let task = tokio::spawn(run(Watch {
        clients,
        spec,
        config,
        layout,
        events,
        fs_rx,
        cancel: cancel.clone(),
        _watcher: watcher,
    }));
    Ok(WatchHandle {
        cancel,
        task: Some(task),
    })
}

fn notify_error(dir: &Path, e: &notify::Error) -> WatchError {
    WatchError::Notify {
        dir: dir.display().to_string(),
        reason: e.to_string(),
    }
}

struct Watch {
    clients: Clients,
    spec: StackSpec,
    config: WatchConfig,
    layout: Layout,
    events: mpsc::Sender<WatchEvent>,
    fs_rx: mpsc::UnboundedReceiver<notify::Event>,
    cancel: CancellationToken,
    /// Kept alive for as long as the watch runs: dropping it stops the notifications.
    _watcher: notify::RecommendedWatcher,
}

/// A build-and-upload round in flight.
struct Round {
    cancel: CancellationToken,
    task: JoinHandle<Result<UploadReport, RoundError>>,
    /// When the change that started it was first seen.
    since: Instant,
    /// The round that builds what is there when watching starts.
    initial: bool,
}

enum RoundError {
    Build(BuildError),
    Upload(UploadError),
}

async fn run(mut w: Watch) {
    let _ = w
        .events
        .send(WatchEvent::Watching {
            dir: w.layout.crate_dir.clone(),
            profile: w.config.build.profile.clone(),
        })
        .await;
    // A change seen and not yet built: the paths, when the first came, and when the crate went quiet.
    let mut pending: Option<(Vec<PathBuf>, Instant)> = None;
    let mut quiet_at = tokio::time::Instant::now();
    let mut round: Option<Round> = None;
    if w.config.initial_build {
        round = Some(start_round(&w, Instant::now(), true));
    }
    loop {
        tokio::select! {
            () = w.cancel.cancelled() => break,
            () = w.events.closed() => break,
            event = w.fs_rx.recv() => {
                let Some(event) = event else { break };
                let paths = relevant_paths(&event, &w.layout.crate_dir, &w.layout.target_dir);
                if paths.is_empty() {
                    continue;
                }
                let (seen, since) = pending.get_or_insert_with(|| (Vec::new(), Instant::now()));
                for p in paths {
                    if !seen.contains(&p) {
                        seen.push(p);
                    }
                }
                quiet_at = tokio::time::Instant::now() + w.config.debounce;
                if let Some(r) = round.take() {
                    // The build is for sources that no longer are: cancel it; the next one restarts
                    // from the earlier change's time, which is what the user waits from.
                    r.cancel.cancel();
                    let _ = r.task.await;
                    *since = (*since).min(r.since);
                    let _ = w.events.send(WatchEvent::Restarted).await;
                }
            }
            () = tokio::time::sleep_until(quiet_at), if pending.is_some() && round.is_none() => {
                if let Some((paths, since)) = pending.take() {
                    let _ = w.events.send(WatchEvent::Changed { paths }).await;
                    round = Some(start_round(&w, since, false));
                }
            }
            result = async { match round.as_mut() {
                Some(r) => (&mut r.task).await,
                None => std::future::pending().await,
            } } => {
                let (since, initial) = round.take().map_or_else(|| (Instant::now(), false), |r| (r.since, r.initial));
                let event = match result {
                    Ok(Ok(report)) => WatchEvent::Uploaded(report),
                    Ok(Err(RoundError::Build(BuildError::Cancelled))) => continue,
                    Ok(Err(RoundError::Build(e))) => WatchEvent::Failed { reason: e.to_string() },
                    Ok(Err(RoundError::Upload(e))) => WatchEvent::Failed { reason: e.to_string() },
                    Err(e) => WatchEvent::Failed { reason: format!("the build task failed: {e}") },
                };
                let _ = w.events.send(event).await;
                let elapsed_ms = u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX);
                let _ = w.events.send(WatchEvent::Idle { elapsed_ms, initial }).await;
            }
        }
    }
    if let Some(r) = round {
        r.cancel.cancel();
        let _ = r.task.await;
    }
}

fn start_round(w: &Watch, since: Instant, initial: bool) -> Round {
    let cancel = CancellationToken::new();
    let (clients, spec, options, events) = (
        w.clients.clone(),
        w.spec.clone(),
        w.config.build.clone(),
        w.events.clone(),
    );
    let token = cancel.clone();
    let task = tokio::spawn(async move {
        let (build_tx, mut build_rx) = mpsc::channel(64);
        let cancelled = token.clone();
        let forward = tokio::spawn(async move {
            while let Some(e) = build_rx.recv().await {
                // A cancelled build is restarted, not failed: its end is not news.
                if matches!(e, BuildEvent::Failed { .. }) && cancelled.is_cancelled() {
                    continue;
                }
                if events.send(WatchEvent::Build(e)).await.is_err() {
                    break;
                }
            }
        });
        let built = build_with(&spec, &options, build_tx, token).await;
        let _ = forward.await;
        let package = built.map_err(RoundError::Build)?;
        upload_code(&clients, &spec.function.name, &package, false)
            .await
            .map_err(RoundError::Upload)
    });
    Round {
        cancel,
        task,
        since,
        initial,
    }
}

/// The paths of a file event that should rebuild: created, changed or removed files of the crate,
/// not the target directory's, not hidden ones under the crate (`.git`, editor state), not editor
/// scratch files.
pub fn relevant_paths(event: &notify::Event, crate_dir: &Path, target_dir: &Path) -> Vec<PathBuf> {
    if !matches!(
        event.kind,
        EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_) | EventKind::Any
    ) {
        return Vec::new();
    }
    event
        .paths
        .iter()
        .filter(|p| !p.starts_with(target_dir))
        .filter(|p| {
            let inside = p.strip_prefix(crate_dir).unwrap_or(p);
            !inside.components().any(|c| match c {
                Component::Normal(n) => {
                    let n = n.to_string_lossy();
                    n.starts_with('.') || n == "target"
                }
                _ => false,
            })
        })
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default();
            !(name.ends_with('~')
                || name.ends_with(".swp")
                || name.ends_with(".swx")
                || name == "4913")
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use notify::event::{AccessKind, CreateKind, DataChange, ModifyKind};

    use super::*;

    fn event(kind: EventKind, paths: &[&str]) -> notify::Event {
        let mut e = notify::Event::new(kind);
        e.paths = paths.iter().map(PathBuf::from).collect();
        e
    }

    #[test]
    fn only_source_changes_rebuild() {
        let target = Path::new("/p/target");
        let crate_dir = Path::new("/p/fn");
        let modify = EventKind::Modify(ModifyKind::Data(DataChange::Content));
        assert_eq!(
            relevant_paths(
                &event(
                    modify,
                    &[
                        "/p/fn/src/lib.rs",
                        "/p/target/debug/x",
                        "/p/fn/.git/index",
                        "/p/fn/src/.lib.rs.swp",
                        "/p/fn/src/lib.rs~",
                        "/p/fn/4913",
                        "/p/fn/target/y",
                    ]
                ),
                crate_dir,
                target
            ),
            [PathBuf::from("/p/fn/src/lib.rs")]
        );
        assert!(
            relevant_paths(
                &event(EventKind::Access(AccessKind::Any), &["/p/fn/src/lib.rs"]),
                crate_dir,
                target
            )
            .is_empty()
        );
        assert_eq!(
            relevant_paths(
                &event(EventKind::Create(CreateKind::File), &["/p/fn/src/new.rs"]),
                crate_dir,
                target
            )
            .len(),
            1
        );
        // A crate under a hidden directory (a temporary one) still rebuilds.
        assert_eq!(
            relevant_paths(
                &event(modify, &["/tmp/.tmpA/fn/src/lib.rs"]),
                Path::new("/tmp/.tmpA/fn"),
                target
            )
            .len(),
            1
        );
    }

    #[test]
    fn the_local_default_profile_is_the_fast_one_and_the_file_wins() {
        let mut spec = StackSpec::parse("", "lambdeck.toml").unwrap();
        assert_eq!(
            WatchConfig::for_target(&spec, BuildTarget::Local)
                .build
                .profile,
            "dev"
        );
        assert_eq!(
            WatchConfig::for_target(&spec, BuildTarget::Aws)
                .build
                .profile,
            crate::build::LAMBDA_PROFILE
        );
        spec.watch.profile = Some("release".into());
        assert_eq!(
            WatchConfig::for_target(&spec, BuildTarget::Local)
                .build
                .profile,
            "release"
        );
    }
}
