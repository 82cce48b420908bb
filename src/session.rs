//! The session both front ends run in: the resolved configuration, the connection (AWS or the local
//! stack), the build target and the polling cadence, and the one-line failure they both report.

use std::fmt;

use crate::aws::{AwsError, Clients, ErrorKind, Target};
use crate::build::BuildTarget;
use crate::config::StackSpec;
use crate::local::LocalGuard;
use crate::model::{Found, Health, Stack};
use crate::stack::StackError;
use crate::tail::PollTiming;

/// Exit statuses shared by every command (and the dashboard, which exits with Ok or a failure's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Success; for `status`, the stage serves the working API.
    Ok = 0,
    /// A failure (AWS, build, network).
    Error = 1,
    /// A usage or configuration error.
    Usage = 2,
    /// `status` only: the stage serves a stale deployment.
    Stale = 3,
}

impl From<Status> for std::process::ExitCode {
    fn from(s: Status) -> std::process::ExitCode {
        std::process::ExitCode::from(s as u8)
    }
}

/// A failure either front end reports: the status to exit with and one line that explains it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub status: Status,
    pub message: String,
}

impl Failure {
    pub fn error(message: impl fmt::Display) -> Self {
        Self {
            status: Status::Error,
            message: message.to_string(),
        }
    }

    pub fn usage(message: impl fmt::Display) -> Self {
        Self {
            status: Status::Usage,
            message: message.to_string(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<AwsError> for Failure {
    /// A target that cannot be configured (no region, a bad endpoint URL) is a usage error (exit 2);
    /// every other AWS failure is an error (exit 1).
    fn from(e: AwsError) -> Self {
        if e.kind == ErrorKind::Configuration {
            Self::usage(e.message)
        } else {
            Self::error(e)
        }
    }
}

impl From<StackError> for Failure {
    fn from(e: StackError) -> Self {
        Self::error(e)
    }
}

/// The resolved configuration: the stack lambdeck.toml describes and where the AWS calls go.
#[derive(Debug, Clone)]
pub struct Session {
    pub spec: StackSpec,
    /// The region is the flag's, else the environment's or profile's, else lambdeck.toml's.
    pub target: Target,
}

impl Session {
    /// Resolves the flags' target against lambdeck.toml: its region comes after the flag, the
    /// environment and the profile.
    pub fn new(spec: StackSpec, mut target: Target) -> Self {
        target.config_region.clone_from(&spec.region);
        Self { spec, target }
    }

    /// True with --local: the embedded local stack, started (or found) on connect.
    pub fn is_local(&self) -> bool {
        self.target.local
    }

    /// Where the function is built for: a native build for the local stack, a Lambda build otherwise.
    pub fn build_target(&self) -> BuildTarget {
        if self.is_local() {
            BuildTarget::Local
        } else {
            BuildTarget::Aws
        }
    }

    /// True when the project has a Terraform folder whose state names (part of) the stack.
    pub fn has_terraform(&self) -> bool {
        self.spec.terraform_dir().is_some()
    }

    /// Reads Terraform's state again (after a `terraform apply` elsewhere): the names lambdeck.toml
    /// leaves out and the marks follow the new state. Runs `terraform show -json`, so it blocks. When
    /// the state cannot be read now, this session is unchanged and the error says why, in one line.
    pub fn reread_terraform(&self) -> Result<Session, String> {
        let mut spec = self.spec.clone();
        spec.terraform_state = None;
        match adopt_terraform(&mut spec) {
            Ok(None) => Ok(Session {
                spec,
                target: self.target.clone(),
            }),
            Ok(Some(note)) => Err(note),
            Err(failure) => Err(failure.message),
        }
    }

    /// Builds the clients; with --local, first starts (or finds) the project's local stack. The
    /// connection's guard keeps an in-process local stack alive until the connection is dropped or shut
    /// down.
    pub async fn connect(&self) -> Result<Connection, Failure> {
        let mut target = self.target.clone();
        let guard = if target.local {
            let guard = crate::local::ensure_running(&self.spec.root)
                .await
                .map_err(Failure::error)?;
            target.endpoint_url = Some(guard.endpoint_url());
            Some(guard)
        } else {
            None
        };
        let clients = Clients::new(&target).await?;
        Ok(Connection { clients, guard })
    }
}

/// Reads the project's Terraform state (when it has a Terraform folder) and takes from it the names
/// lambdeck.toml leaves out. Without a folder nothing changes. When the state cannot be read (no
/// `terraform` binary, a broken state) and lambdeck.toml does not name the function, API and stage
/// itself, that is one line and exit 2; with every name given, a note on stderr and no Terraform marks.
pub fn read_terraform(spec: &mut StackSpec) -> Result<(), Failure> {
    if let Some(note) = adopt_terraform(spec)? {
        eprintln!("lambdeck: note: {note}");
    }
    Ok(())
}

/// [`read_terraform`] without printing: the note (state unreadable, every name given) is returned.
fn adopt_terraform(spec: &mut StackSpec) -> Result<Option<String>, Failure> {
    let Some(dir) = spec.terraform_dir() else {
        return Ok(None);
    };
    let names_needed = ["function.name", "api.name", "api.stage"]
        .iter()
        .any(|k| !spec.sets(k));
    let state = match crate::terraform::read(&dir, &dir) {
        Ok(state) => state,
        Err(e) => {
            let why = match &e {
                crate::terraform::ReadError::NoTerraform(_) => {
                    "terraform is not on PATH (install Terraform)".to_owned()
                }
                crate::terraform::ReadError::Unreadable(e) => e.clone(),
            };
            if names_needed {
                return Err(Failure::usage(format!(
                    "cannot read Terraform's state in {}: {why}; name the function, API and stage in lambdeck.toml (function.name, api.name, api.stage) to go on without it",
                    dir.display()
                )));
            }
            return Ok(Some(format!(
                "cannot read Terraform's state in {}: {why}; what Terraform manages is not marked",
                dir.display()
            )));
        }
    };
    let resolved = crate::terraform::resolve(&state.resources, spec.terraform_hints())
        .map_err(|e| Failure::usage(format!("{}: {e}", dir.display())))?;
    spec.adopt(&resolved);
    spec.terraform_state = Some(state);
    Ok(None)
}

/// The clients, and the local stack they talk to when this process serves it.
#[derive(Debug)]
pub struct Connection {
    pub clients: Clients,
    guard: Option<LocalGuard>,
}

impl Connection {
    /// A custom endpoint is a local stack (lambdeck's, LocalStack, moto): no shared quota to protect,
    /// Live Tail is free, and responses may name the Lambda request.
    pub fn is_local_endpoint(&self) -> bool {
        self.clients.local || self.clients.endpoints.any()
    }

    /// How often to poll the logs: briskly on a local endpoint, within AWS's shared quota otherwise.
    pub fn poll_timing(&self) -> PollTiming {
        if self.is_local_endpoint() {
            PollTiming::local()
        } else {
            PollTiming::aws()
        }
    }

    /// True when the endpoint is a local stack on this machine (`--local`, or a loopback endpoint):
    /// its functions run with this machine's interpreters.
    pub fn runs_here(&self) -> bool {
        self.clients.local
            || self.clients.endpoints.lambda.as_deref().is_some_and(|u| {
                let host = u.split("://").nth(1).unwrap_or(u);
                host.starts_with("127.")
                    || host.starts_with("localhost")
                    || host.starts_with("[::1]")
            })
    }

    /// On a local stack on this machine, a Node.js or Python function whose interpreter is missing
    /// gets the note its invoke would fail with (the same message), and a warning.
    pub fn note_local_runtime(&self, stack: &mut Stack) {
        if !self.runs_here() {
            return;
        }
        if let Found::Present(f) = &mut stack.function
            && let Some(message) =
                crate::local::exec::runtimes::missing_interpreter(f.runtime.as_deref())
        {
            f.notes.push(message);
            f.health = f.health.worst(Health::Warning);
        }
    }

    /// Stops an in-process local stack cleanly (dropping the connection stops it too, less gently).
    pub async fn shutdown(self) {
        if let Some(guard) = self.guard {
            guard.shutdown().await;
        }
    }
}
