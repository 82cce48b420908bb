//! Uploads a package: skipped when the deployed CodeSha256 already matches, else UpdateFunctionCode,
//! the SDK's waiter until the update is Successful, and a check that Lambda now has exactly our zip.

use std::time::Duration;

use serde::Serialize;

use super::package::DIRECT_UPLOAD_LIMIT;
use super::{ElfError, Package};
use crate::aws::lambda_code::{self, UpdateOutcome};
use crate::aws::{AwsError, Clients};

/// How long the waiter may poll before an update counts as stuck. Real updates take seconds.
pub const UPDATE_MAX_WAIT: Duration = Duration::from_secs(300);

/// What an upload did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum UploadReport {
    /// The function already runs this exact zip; no code was sent.
    Skipped {
        sha: String,
        /// The version published, with `--publish` (PublishVersion returns the latest version when
        /// nothing changed since it).
        version: Option<String>,
    },
    /// The code was replaced, the update finished Successful, and Lambda reports our CodeSha256.
    Updated {
        old_sha: String,
        new_sha: String,
        version: Option<String>,
    },
}

impl UploadReport {
    /// The CodeSha256 the function runs after the upload.
    pub fn sha(&self) -> &str {
        match self {
            Self::Skipped { sha, .. } => sha,
            Self::Updated { new_sha, .. } => new_sha,
        }
    }
}

/// Why an upload did not happen or did not finish, in one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UploadError {
    #[error(
        "the package is {size} bytes, over Lambda's 50 MB ({DIRECT_UPLOAD_LIMIT} bytes) direct-upload limit for UpdateFunctionCode; shrink the binary (the lambda profile, fewer features) or upload through S3"
    )]
    TooLarge { size: u64 },
    #[error("refusing to upload: {0}")]
    NotRunnable(ElfError),
    #[error("{0}")]
    Aws(#[from] AwsError),
    #[error("the update of {function} failed: {reason}")]
    UpdateFailed { function: String, reason: String },
    #[error(
        "after the update {function} reports CodeSha256 {deployed}, not the uploaded {local}; upload again"
    )]
    ShaMismatch {
        function: String,
        local: String,
        deployed: String,
    },
}

/// Uploads `package` to `function_name` unless the function already runs it. Outside the embedded local
/// stack the binary must be runnable by provided.al2023 on the function's architecture; it is checked
/// before anything is sent. An update still in progress (e.g. right after `up` created the function) is
/// waited for before the new code is sent. With `publish`, a version is published after the code is in
/// place.
pub async fn upload_code(
    clients: &Clients,
    function_name: &str,
    package: &Package,
    publish: bool,
) -> Result<UploadReport, UploadError> {
    if package.size > DIRECT_UPLOAD_LIMIT {
        return Err(UploadError::TooLarge { size: package.size });
    }
    let deployed = lambda_code::deployed_code(clients, function_name).await?;
    if deployed.code_sha256 == package.code_sha256 {
        let version = if publish {
            Some(lambda_code::publish_version(clients, function_name, &package.code_sha256).await?)
        } else {
            None
        };
        return Ok(UploadReport::Skipped {
            sha: package.code_sha256.clone(),
            version,
        });
    }

    if !clients.local {
        // The local stack runs bootstrap on this machine; everything else is (or emulates)
        // provided.al2023 and cannot run a binary for another CPU or a newer glibc.
        package
            .check_runnable(deployed.architecture)
            .map_err(UploadError::NotRunnable)?;
    }
    // Lambda refuses UpdateFunctionCode (ResourceConflictException) while the function is being
    // created or an earlier update is still being applied: wait for it to settle first. Whether it
    // ended Successful or Failed, the new code replaces it.
    if deployed.state.as_deref() == Some("Pending") {
        lambda_code::wait_settled(clients, function_name).await?;
    } else if deployed.last_update_status.as_deref() == Some("InProgress") {
        lambda_code::wait_updated(clients, function_name, UPDATE_MAX_WAIT).await?;
    }
    lambda_code::update_code(clients, function_name, package.zip.clone()).await?;
    let updated = match lambda_code::wait_updated(clients, function_name, UPDATE_MAX_WAIT).await? {
        UpdateOutcome::Successful(code) => code,
        UpdateOutcome::Failed { reason } => {
            return Err(UploadError::UpdateFailed {
                function: function_name.to_owned(),
                reason,
            });
        }
    };
    if updated.code_sha256 != package.code_sha256 {
        return Err(UploadError::ShaMismatch {
            function: function_name.to_owned(),
            local: package.code_sha256.clone(),
            deployed: updated.code_sha256,
        });
    }
    let version = if publish {
        Some(lambda_code::publish_version(clients, function_name, &package.code_sha256).await?)
    } else {
        None
    };
    Ok(UploadReport::Updated {
        old_sha: deployed.code_sha256,
        new_sha: updated.code_sha256,
        version,
    })
}
