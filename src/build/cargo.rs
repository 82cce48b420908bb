//! Runs cargo (or cargo-lambda / cargo-zigbuild) as a quiet subprocess and turns its JSON messages
//! into build events: units compiled of the total, structured compiler diagnostics, the binary built.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde::Deserialize;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{BuildError, BuildEvent, Diagnostic, Level};

/// The cargo program to run: the one that runs lambdeck's own build when there is one (`CARGO`), else
/// `cargo` from PATH.
pub fn cargo_program() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// True when `cargo <subcommand> --help` succeeds: the subcommand (cargo-lambda, cargo-zigbuild) is
/// installed where cargo finds it (PATH or cargo's own bin directory). `--help` rather than
/// `--version`: cargo-zigbuild answers `cargo zigbuild --version` with a usage error (exit 2), since
/// cargo passes the flag to its `zigbuild` subcommand, which has no such flag.
pub async fn has_subcommand(subcommand: &str) -> bool {
    Command::new(cargo_program())
        .args([subcommand, "--help"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .status()
        .await
        .is_ok_and(|s| s.success())
}

/// One cargo run: program, arguments and working directory.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub program: OsString,
    pub args: Vec<String>,
    pub cwd: PathBuf,
}

impl Invocation {
    /// The command as a user would type it (for events and errors).
    pub fn display(&self) -> String {
        let program = Path::new(&self.program)
            .file_name()
            .map_or_else(|| "cargo".into(), |n| n.to_string_lossy().into_owned());
        std::iter::once(program)
            .chain(self.args.iter().cloned())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// What a successful run produced.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// The executables cargo reported, by binary name.
    pub executables: Vec<(String, PathBuf)>,
    /// How many units (libraries, binaries, proc macros) the run compiled or found fresh.
    pub units: usize,
}

/// Cargo's JSON messages, the parts lambdeck uses.
#[derive(Debug, Deserialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
#[allow(clippy::enum_variant_names)] // the variants mirror cargo's `reason` values
enum Message {
    CompilerArtifact {
        target: ArtifactTarget,
        #[serde(default)]
        executable: Option<PathBuf>,
    },
    CompilerMessage {
        message: RustcDiagnostic,
    },
    BuildFinished {
        success: bool,
    },
    #[serde(other)]
    Other,
}

#[derive(Debug, Deserialize)]
struct ArtifactTarget {
    name: String,
    #[serde(default)]
    kind: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct RustcDiagnostic {
    message: String,
    level: String,
    #[serde(default)]
    code: Option<RustcCode>,
    #[serde(default)]
    spans: Vec<RustcSpan>,
    #[serde(default)]
    rendered: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RustcCode {
    code: String,
}

#[derive(Debug, Deserialize)]
struct RustcSpan {
    file_name: String,
    line_start: u32,
    column_start: u32,
    is_primary: bool,
}

impl From<RustcDiagnostic> for Diagnostic {
    fn from(d: RustcDiagnostic) -> Self {
        let primary = d.spans.iter().find(|s| s.is_primary);
        Diagnostic {
            level: Level::parse(&d.level),
            message: d.message,
            code: d.code.map(|c| c.code),
            file: primary.map(|s| s.file_name.clone()),
            line: primary.map(|s| s.line_start),
            column: primary.map(|s| s.column_start),
            rendered: d.rendered.unwrap_or_default(),
        }
    }
}

/// Kept from stderr for the failure reason (cargo's own errors, linker output, cargo-lambda's lines).
const STDERR_TAIL: usize = 12;

/// Runs one build. Progress and diagnostics go to `events` as they arrive; nothing reaches the terminal.
/// Cancelling `cancel` kills the child and returns `BuildError::Cancelled`.
pub async fn run(
    invocation: &Invocation,
    total_hint: Option<usize>,
    events: &mpsc::Sender<BuildEvent>,
    cancel: &CancellationToken,
) -> Result<RunOutcome, BuildError> {
    let mut child = Command::new(&invocation.program)
        .args(&invocation.args)
        .current_dir(&invocation.cwd)
        .env("CARGO_TERM_COLOR", "never")
        .env("CARGO_TERM_PROGRESS_WHEN", "never")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        // Its own process group, so cancelling stops rustc, linkers and build scripts too, not only
        // cargo (which would leave them compiling as orphans).
        .process_group(0)
        .spawn()
        .map_err(|e| BuildError::Spawn {
            command: invocation.display(),
            reason: e.to_string(),
        })?;
    let mut group = ProcessGroup::of(&child);
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return Err(BuildError::Spawn {
            command: invocation.display(),
            reason: "no output pipes".into(),
        });
    };

    // stderr is drained on its own task so a chatty child never blocks on a full pipe.
    let stderr_task = tokio::spawn(async move {
        let mut tail = VecDeque::with_capacity(STDERR_TAIL);
        let mut lines = BufReader::new(stderr).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            let line = line.trim_end().to_owned();
            if line.is_empty() {
                continue;
            }
            if tail.len() == STDERR_TAIL {
                tail.pop_front();
            }
            tail.push_back(line);
        }
        tail
    });

    let mut lines = BufReader::new(stdout).lines();
    let mut outcome = RunOutcome {
        executables: Vec::new(),
        units: 0,
    };
    let mut first_error: Option<String> = None;
    let mut errors = 0usize;
    let mut finished_ok = None;
    loop {
        let line = tokio::select! {
            () = cancel.cancelled() => {
                // Kill now rather than on drop so the caller knows cargo is gone when this returns.
                group.kill();
                let _ = child.wait().await;
                return Err(BuildError::Cancelled);
            }
            line = lines.next_line() => line,
        };
        let line = match line {
            Ok(Some(line)) => line,
            Ok(None) => break,
            Err(e) => {
                group.kill();
                let _ = child.wait().await;
                return Err(BuildError::Io(format!("reading cargo's output: {e}")));
            }
        };
        // cargo-lambda and zigbuild may print plain lines on stdout; only JSON objects are messages.
        let Ok(message) = serde_json::from_str::<Message>(&line) else {
            continue;
        };
        match message {
            Message::CompilerArtifact { target, executable } => {
                // Build-script compilations are extra units with no counterpart in the estimate.
                if target.kind.iter().any(|k| k == "custom-build") {
                    continue;
                }
                outcome.units += 1;
                if let Some(exe) = executable {
                    outcome.executables.push((target.name.clone(), exe));
                }
                let total = total_hint.map_or(outcome.units, |t| t.max(outcome.units));
                send(
                    events,
                    BuildEvent::Progress {
                        compiled: outcome.units,
                        total,
                        unit: target.name,
                    },
                )
                .await;
            }
            Message::CompilerMessage { message } => {
                let diagnostic = Diagnostic::from(message);
                if diagnostic.level == Level::Error {
                    errors += 1;
                    if first_error.is_none() {
                        first_error = Some(diagnostic.headline());
                    }
                }
                send(events, BuildEvent::Diagnostic(diagnostic)).await;
            }
            Message::BuildFinished { success } => finished_ok = Some(success),
            Message::Other => {}
        }
    }

    let status = tokio::select! {
        () = cancel.cancelled() => {
            group.kill();
            let _ = child.wait().await;
            return Err(BuildError::Cancelled);
        }
        status = child.wait() => status.map_err(|e| BuildError::Io(format!("waiting for cargo: {e}")))?,
    };
    // cargo exited and was reaped: its group id may be reused from now on, so never signal it again.
    group.disarm();
    let tail = stderr_task.await.unwrap_or_default();
    if status.success() && finished_ok != Some(false) {
        return Ok(outcome);
    }
    let reason = match first_error {
        Some(first) if errors > 1 => format!("{first} (and {} more errors)", errors - 1),
        Some(first) => first,
        None => stderr_reason(&tail)
            .unwrap_or_else(|| format!("{} exited with {status}", invocation.display())),
    };
    Err(BuildError::Failed(reason))
}

/// The build's process group, killed when the build is cancelled or its future is dropped.
struct ProcessGroup {
    pgid: Option<rustix::process::Pid>,
}

impl ProcessGroup {
    fn of(child: &tokio::process::Child) -> Self {
        let pgid = child
            .id()
            .and_then(|id| i32::try_from(id).ok())
            .and_then(rustix::process::Pid::from_raw);
        Self { pgid }
    }

    fn kill(&mut self) {
        if let Some(pgid) = self.pgid.take() {
            let _ = rustix::process::kill_process_group(pgid, rustix::process::Signal::KILL);
        }
    }

    fn disarm(&mut self) {
        self.pgid = None;
    }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The most telling stderr line: the first `error:` line, else the last line.
fn stderr_reason(tail: &VecDeque<String>) -> Option<String> {
    tail.iter()
        .find(|l| l.trim_start().starts_with("error"))
        .or_else(|| tail.back())
        .map(|l| l.trim().to_owned())
}

/// Events are best effort: a receiver that went away must not stop the build.
async fn send(events: &mpsc::Sender<BuildEvent>, event: BuildEvent) {
    let _ = events.send(event).await;
}

/// Counts the units a build of `package` compiles: every other package in its normal and build
/// dependency graph, plus the package's own units (its binaries and library). Used for "N of M" before
/// a build of the same dependency graph has recorded the exact figure.
pub async fn estimate_units(
    cwd: &Path,
    package: &str,
    target_triple: Option<&str>,
    own_units: usize,
) -> Option<usize> {
    let mut command = Command::new(cargo_program());
    command
        .args(["tree", "--quiet", "--offline", "-p", package])
        .args(["-e", "normal,build", "--prefix", "none", "-f", "{p}"]);
    if let Some(triple) = target_triple {
        command.args(["--target", triple]);
    }
    let output = command
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let unique: std::collections::BTreeSet<&str> = text
        .lines()
        // `(*)` marks a repeated subtree.
        .map(|l| l.trim_end_matches(" (*)").trim())
        .filter(|l| !l.is_empty())
        .collect();
    // The first line is the package itself, counted by `own_units` instead.
    Some(unique.len().saturating_sub(1) + own_units)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiler_messages_become_structured_diagnostics() {
        let line = r#"{"reason":"compiler-message","package_id":"x","manifest_path":"m","target":{"kind":["lib"],"name":"hello_world"},"message":{"rendered":"error[E0308]: mismatched types\n --> function/src/lib.rs:3:5\n","children":[],"code":{"code":"E0308","explanation":null},"level":"error","message":"mismatched types","spans":[{"byte_end":1,"byte_start":0,"column_end":6,"column_start":5,"expansion":null,"file_name":"function/src/lib.rs","is_primary":true,"label":null,"line_end":3,"line_start":3,"suggested_replacement":null,"suggestion_applicability":null,"text":[]}]}}"#;
        let Message::CompilerMessage { message } = serde_json::from_str(line).expect("parses")
        else {
            panic!("not a compiler message");
        };
        let d = Diagnostic::from(message);
        assert_eq!(d.level, Level::Error);
        assert_eq!(d.code.as_deref(), Some("E0308"));
        assert_eq!(
            (d.file.as_deref(), d.line, d.column),
            (Some("function/src/lib.rs"), Some(3), Some(5))
        );
        assert_eq!(
            d.headline(),
            "error[E0308]: mismatched types at function/src/lib.rs:3:5"
        );
    }

    #[test]
    fn artifacts_and_unknown_reasons_parse() {
        let line = r#"{"reason":"compiler-artifact","package_id":"p","target":{"kind":["bin"],"crate_types":["bin"],"name":"bootstrap","src_path":"s"},"profile":{},"features":[],"filenames":["/t/bootstrap"],"executable":"/t/bootstrap","fresh":false}"#;
        match serde_json::from_str::<Message>(line).expect("parses") {
            Message::CompilerArtifact { target, executable } => {
                assert_eq!(target.name, "bootstrap");
                assert_eq!(executable, Some(PathBuf::from("/t/bootstrap")));
            }
            other => panic!("{other:?}"),
        }
        let other = r#"{"reason":"build-script-executed","package_id":"p"}"#;
        assert!(matches!(
            serde_json::from_str::<Message>(other).expect("parses"),
            Message::Other
        ));
    }

    #[test]
    fn stderr_reason_prefers_the_error_line() {
        let tail: VecDeque<String> = [
            "   Compiling x v1",
            "error: linker `cc` not found",
            "note: done",
        ]
        .into_iter()
        .map(String::from)
        .collect();
        assert_eq!(
            stderr_reason(&tail).as_deref(),
            Some("error: linker `cc` not found")
        );
    }
}
