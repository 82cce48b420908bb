//! The headless commands: the engine's results printed instead of drawn. Each returns an exit status;
//! failures are one line, never a Debug dump.

pub mod build;
pub mod deploy;
pub mod local;
pub mod logs;
pub mod ping;
pub mod status;
pub mod up;

use std::fmt;
use std::process::ExitCode;

use crate::aws::{AwsError, Clients, Target};
use crate::cli::GlobalArgs;
use crate::config::StackSpec;

/// Exit statuses shared by every command.
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

impl From<Status> for ExitCode {
    fn from(s: Status) -> ExitCode {
        ExitCode::from(s as u8)
    }
}

/// A command failure: the status to exit with and one line that explains it.
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
    fn from(e: AwsError) -> Self {
        Self::error(e)
    }
}

pub type CmdResult = Result<Status, Failure>;

/// Everything a command needs: the flags, the stack description, and the AWS target they select.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub global: GlobalArgs,
    pub spec: StackSpec,
}

impl Ctx {
    /// The AWS target the flags select (the local stack's endpoint is filled in by `connect`).
    pub fn target(&self) -> Target {
        Target {
            profile: self.global.profile.clone(),
            region: self
                .global
                .region
                .clone()
                .or_else(|| self.spec.region.clone()),
            endpoint_url: self.global.endpoint_url.clone(),
            local: self.global.local,
        }
    }

    /// Builds the clients; with --local, first starts (or finds) the project's local stack. The returned
    /// guard keeps an in-process local stack alive while the command runs.
    pub async fn connect(&self) -> Result<(Clients, Option<crate::local::LocalGuard>), Failure> {
        let mut target = self.target();
        let guard = if self.global.local {
            let guard = crate::local::ensure_running(&self.spec.root)
                .await
                .map_err(Failure::error)?;
            target.endpoint_url = Some(guard.endpoint_url());
            Some(guard)
        } else {
            None
        };
        // No region is a configuration problem (exit 2), not an AWS failure.
        let clients = Clients::new(&target).await.map_err(|e| {
            if e.is_configuration() {
                Failure::usage(e.message)
            } else {
                Failure::from(e)
            }
        })?;
        Ok((clients, guard))
    }
}
