//! A function's code on Lambda: the deployed CodeSha256 (GetFunction), UpdateFunctionCode, the SDK's
//! FunctionUpdatedV2 waiter and PublishVersion, returned as domain types.

use std::time::Duration;

use aws_sdk_lambda::client::Waiters;
use aws_sdk_lambda::types::{Architecture as SdkArchitecture, FunctionConfiguration};
use aws_smithy_runtime_api::client::waiters::error::WaiterError;
use aws_smithy_types::Blob;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::{AwsError, Clients, ErrorKind};
use crate::config::Architecture;

/// The code a function runs now, as GetFunction / UpdateFunctionCode report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployedCode {
    /// base64 of the SHA-256 of the deployed zip.
    pub code_sha256: String,
    pub code_size: u64,
    /// The function's instruction set (Lambda's default is x86_64).
    pub architecture: Architecture,
    /// `Pending`, `Active`, `Inactive` or `Failed`.
    pub state: Option<String>,
    /// `InProgress`, `Successful` or `Failed`.
    pub last_update_status: Option<String>,
    pub last_update_status_reason: Option<String>,
    pub revision_id: Option<String>,
}

impl DeployedCode {
    fn from_configuration(config: &FunctionConfiguration) -> Self {
        let architecture = match config.architectures().first() {
            Some(SdkArchitecture::Arm64) => Architecture::Arm64,
            _ => Architecture::X86_64,
        };
        Self {
            code_sha256: config.code_sha256().unwrap_or_default().to_owned(),
            code_size: u64::try_from(config.code_size()).unwrap_or(0),
            architecture,
            state: config.state().map(|s| s.as_str().to_owned()),
            last_update_status: config.last_update_status().map(|s| s.as_str().to_owned()),
            last_update_status_reason: config.last_update_status_reason().map(ToOwned::to_owned),
            revision_id: config.revision_id().map(ToOwned::to_owned),
        }
    }
}

/// How an update ended, once the waiter stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdateOutcome {
    /// LastUpdateStatus is Successful; the code now deployed.
    Successful(DeployedCode),
    /// LastUpdateStatus is Failed, with Lambda's reason.
    Failed { reason: String },
}

fn resource(function_name: &str) -> String {
    format!("function {function_name}")
}

fn missing_configuration(operation: &'static str, function_name: &str) -> AwsError {
    AwsError {
        kind: ErrorKind::Malformed,
        operation,
        resource: resource(function_name),
        code: None,
        message: "the response has no function configuration".into(),
    }
}

/// GetFunction: the code the function runs now.
pub async fn deployed_code(
    clients: &Clients,
    function_name: &str,
) -> Result<DeployedCode, AwsError> {
    let output = clients
        .lambda
        .get_function()
        .function_name(function_name)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("GetFunction", resource(function_name), e))?;
    output
        .configuration()
        .map(DeployedCode::from_configuration)
        .ok_or_else(|| missing_configuration("GetFunction", function_name))
}

/// How long one attempt to send a package may take: 30 s, plus what the request (the zip, base64 in
/// JSON, so 4/3 of its size) takes at 1 Mbit/s, a slow uplink. A 40 MB zip gets about 7.5 minutes,
/// where a flat 30 s cut it off.
pub fn upload_timeout(zip_len: usize) -> Duration {
    const SLOW_UPLINK_BYTES_PER_SEC: u64 = 125_000;
    let wire = u64::try_from(zip_len).unwrap_or(u64::MAX).saturating_mul(4) / 3;
    Duration::from_secs(30 + wire / SLOW_UPLINK_BYTES_PER_SEC)
}

/// The attempt timeout of a call that sends a package of `zip_len` bytes.
pub fn upload_config(zip_len: usize) -> aws_sdk_lambda::config::Builder {
    aws_sdk_lambda::config::Builder::default().timeout_config(
        aws_smithy_types::timeout::TimeoutConfig::builder()
            .operation_attempt_timeout(upload_timeout(zip_len))
            .build(),
    )
}

/// How often a call Lambda refuses with ResourceConflictException (an update in progress) is tried
/// again, each time after the update settled.
const CONFLICT_RETRIES: u32 = 5;

fn is_conflict(e: &AwsError) -> bool {
    e.code.as_deref() == Some("ResourceConflictException")
}

/// Waits until the function accepts an update: created (not Pending) and its last update settled (not
/// InProgress), with the SDK's waiters.
pub async fn wait_settled(clients: &Clients, function_name: &str) -> Result<(), AwsError> {
    let result = clients
        .lambda
        .wait_until_function_active_v2()
        .function_name(function_name)
        .wait(SETTLE_MAX_WAIT)
        .await;
    match result {
        // Failed or Inactive is for the update that follows to report, not this wait.
        Ok(_) | Err(WaiterError::FailureState(_)) => {}
        Err(WaiterError::OperationFailed(failed)) => {
            return Err(AwsError::from_sdk(
                "GetFunction",
                resource(function_name),
                failed.into_error(),
            ));
        }
        Err(other) => {
            return Err(AwsError {
                kind: ErrorKind::Service,
                operation: "GetFunction",
                resource: resource(function_name),
                code: None,
                message: format!("the function did not leave Pending: {other}"),
            });
        }
    }
    wait_updated(clients, function_name, SETTLE_MAX_WAIT)
        .await
        .map(|_| ())
}

/// Quick looks before the SDK's waiters, whose polls are at least a second apart: an update that
/// settles within a few hundred milliseconds (the local stack's window is 100 ms by default, and
/// small updates on Lambda can be as quick) would otherwise cost a whole second. Returns as soon as
/// the function is neither `Pending` nor `InProgress`, or after about 0.75 s. Any failure is left to
/// the waiter that follows, which polls at once and is what decides.
pub(crate) async fn settle_briefly(client: &aws_sdk_lambda::Client, function_name: &str) {
    use aws_sdk_lambda::types::{LastUpdateStatus, State};
    for wait_ms in [0, 50, 100, 200, 400] {
        tokio::time::sleep(Duration::from_millis(wait_ms)).await;
        let Ok(c) = client
            .get_function_configuration()
            .function_name(function_name)
            .send()
            .await
        else {
            return;
        };
        let pending = c.state() == Some(&State::Pending);
        let in_progress = c.last_update_status() == Some(&LastUpdateStatus::InProgress);
        if !pending && !in_progress {
            return;
        }
    }
}

/// The longest wait for a function to settle before an update.
const SETTLE_MAX_WAIT: Duration = Duration::from_secs(300);

/// UpdateFunctionCode with the zip in the request (the direct-upload path, up to 50 MB). Refused while
/// another update is in progress (someone else's deploy, Terraform): waits for it and tries again.
pub async fn update_code(
    clients: &Clients,
    function_name: &str,
    zip: bytes::Bytes,
) -> Result<DeployedCode, AwsError> {
    let mut conflicts = 0;
    let output = loop {
        let result = clients
            .lambda
            .update_function_code()
            .function_name(function_name)
            .zip_file(Blob::new(zip.clone()))
            .customize()
            .config_override(upload_config(zip.len()))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("UpdateFunctionCode", resource(function_name), e));
        match result {
            Err(e) if is_conflict(&e) && conflicts < CONFLICT_RETRIES => {
                conflicts += 1;
                wait_settled(clients, function_name).await?;
            }
            other => break other?,
        }
    };
    let config = FunctionConfiguration::builder()
        .set_code_sha256(output.code_sha256().map(ToOwned::to_owned))
        .code_size(output.code_size())
        .set_architectures(Some(output.architectures().to_vec()))
        .set_state(output.state().cloned())
        .set_last_update_status(output.last_update_status().cloned())
        .set_last_update_status_reason(output.last_update_status_reason().map(ToOwned::to_owned))
        .set_revision_id(output.revision_id().map(ToOwned::to_owned))
        .build();
    Ok(DeployedCode::from_configuration(&config))
}

/// Waits with the SDK's FunctionUpdatedV2 waiter (GetFunction every second or more) until the last
/// update is Successful or Failed, for at most `max_wait`.
pub async fn wait_updated(
    clients: &Clients,
    function_name: &str,
    max_wait: Duration,
) -> Result<UpdateOutcome, AwsError> {
    settle_briefly(&clients.lambda, function_name).await;
    let result = clients
        .lambda
        .wait_until_function_updated_v2()
        .function_name(function_name)
        .wait(max_wait)
        .await;
    let final_poll = match result {
        Ok(poll) => poll,
        Err(WaiterError::FailureState(failure)) => {
            return match failure.final_poll().as_result() {
                Ok(output) => {
                    let code = output.configuration().map(DeployedCode::from_configuration);
                    let reason = code
                        .and_then(|c| c.last_update_status_reason)
                        .unwrap_or_else(|| "Lambda gave no reason".into());
                    Ok(UpdateOutcome::Failed { reason })
                }
                Err(e) => Err(AwsError {
                    kind: ErrorKind::Service,
                    operation: "GetFunction",
                    resource: resource(function_name),
                    code: e.code().map(ToOwned::to_owned),
                    message: e.message().unwrap_or_default().to_owned(),
                }),
            };
        }
        Err(WaiterError::OperationFailed(failed)) => {
            return Err(AwsError::from_sdk(
                "GetFunction",
                resource(function_name),
                failed.into_error(),
            ));
        }
        Err(WaiterError::ExceededMaxWait(exceeded)) => {
            return Err(AwsError {
                kind: ErrorKind::Service,
                operation: "UpdateFunctionCode",
                resource: resource(function_name),
                code: None,
                message: format!(
                    "LastUpdateStatus was still InProgress after {}s ({} polls)",
                    exceeded.elapsed().as_secs(),
                    exceeded.poll_count()
                ),
            });
        }
        Err(other) => {
            return Err(AwsError {
                kind: ErrorKind::Service,
                operation: "GetFunction",
                resource: resource(function_name),
                code: None,
                message: other.to_string(),
            });
        }
    };
    let output = final_poll
        .into_result()
        .map_err(|e| AwsError::from_sdk("GetFunction", resource(function_name), e))?;
    output
        .configuration()
        .map(|c| UpdateOutcome::Successful(DeployedCode::from_configuration(c)))
        .ok_or_else(|| missing_configuration("GetFunction", function_name))
}

/// PublishVersion, guarded by the expected CodeSha256 (Lambda refuses when the code differs).
/// Returns the version number.
pub async fn publish_version(
    clients: &Clients,
    function_name: &str,
    code_sha256: &str,
) -> Result<String, AwsError> {
    let mut conflicts = 0;
    let output = loop {
        let result = clients
            .lambda
            .publish_version()
            .function_name(function_name)
            .code_sha256(code_sha256)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("PublishVersion", resource(function_name), e));
        match result {
            Err(e) if is_conflict(&e) && conflicts < CONFLICT_RETRIES => {
                conflicts += 1;
                wait_settled(clients, function_name).await?;
            }
            other => break other?,
        }
    };
    output
        .version()
        .map(ToOwned::to_owned)
        .ok_or_else(|| AwsError {
            kind: ErrorKind::Malformed,
            operation: "PublishVersion",
            resource: resource(function_name),
            code: None,
            message: "the response has no version".into(),
        })
}
