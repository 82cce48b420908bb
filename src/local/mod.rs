//! The embedded local AWS stack: API Gateway REST, Lambda, CloudWatch Logs, IAM and STS on one loopback port,
//! laid out per service as moto and LocalStack lay out theirs.
//!
//! Layout. Each control plane is a folder (`apigateway/`, `lambda/`, `logs/`, `iam/`, `sts/`): `mod.rs` holds its
//! `ROUTE` (how the router recognises it), its `Ctx` (the part of the stack its handlers get) and its
//! route table; `model.rs` its state; `ops.rs` its operations; `wire.rs` its serde-derived requests
//! and answers (and `apigateway/export.rs` the OpenAPI/Swagger export). The data plane stands apart:
//! `execute_api/` serves stage traffic (path matching, the `aws_lambda_events` proxy event, the
//! answer's validation) and `exec/` runs functions (execution environments, their Runtime API, their
//! log streams, package checks). `common/` holds what every service shares (the request, the
//! AWS-shaped errors, the `Saver` the store implements, locking, ids) and imports no service, and no
//! service imports another's handlers: only `execute_api` reads the API Gateway and Lambda models.
//! `store` persists every service's state; `server` starts and stops the stack; `router` sends each
//! request to its service; `fault` (off by default) wraps the control planes' calls in AWS's bad days.
//! The wire contract shared with the clients lives in `crate::wire`.
//!
//! Router order. One listener serves every service. `/_lambdeck/faults` (fault injection's control
//! endpoint) is answered first; any other request is routed, in this order:
//! 1. a Lambda function URL, by the Host header (`{id}.lambda-url.{region}.on.aws`, or
//!    `...{region}.localhost`); then execute-api, a stage URL: by the Host header
//!    (`{id}.execute-api.{domain}`) or by the path `/restapis/{id}/{stage}/_user_request_/...`;
//! 2. the control plane whose signing name is the service in the SigV4 credential scope of
//!    `Authorization` (`apigateway`, `lambda`, `logs`, `iam`, `sts`);
//! 3. the control plane whose `X-Amz-Target` prefix the request carries (`Logs_20140328.`);
//! 4. the first control plane, in `router::CONTROL_PLANES` order, with a matching path prefix
//!    (`/restapis` and `/tags/` for API Gateway; `/_lambdeck/code/` package downloads and
//!    `/2015-03-31/` and Lambda's other dated prefixes for Lambda);
//! 5. otherwise `UnknownOperationException`, naming the services served.
//!
//! Signatures are not verified.
//!
//! Adding a service: a folder with `ROUTE`, `Ctx` and `handle`, its state in the
//! store, and one line in `router::CONTROL_PLANES`.

pub mod apigateway;
pub mod common;
pub mod exec;
pub mod execute_api;
pub mod fault;
pub mod heads;
pub mod iam;
pub mod lambda;
pub mod logs;
pub mod router;
pub mod server;
pub mod store;
pub mod sts;

use std::sync::Arc;

use exec::Executor;
use store::Store;

pub use server::{
    DEFAULT_UPDATE_WINDOW, LOCK_FILE, LocalConfig, LocalError, LocalGuard, LocalServer,
    ensure_running, project_state_dir,
};

/// The account id the stack answers as, set once per process by the first [`LocalServer::start`].
static ACCOUNT_ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// The account id in the local stack's ARNs and STS answers: `LocalConfig::account_id` (`lambdeck
/// local --account-id`), [`crate::wire::LOCAL_ACCOUNT_ID`] by default.
///
/// Process-wide rather than per server: ARNs are built in model code far from any request context
/// (function, log group and role ARNs), and a process serves one stack (`lambdeck local`); tests that
/// start several in one process all keep the default.
pub fn account_id() -> &'static str {
    ACCOUNT_ID
        .get()
        .map_or(crate::wire::LOCAL_ACCOUNT_ID, String::as_str)
}

/// Fixes the process's account id; a second server asking for another is refused.
fn set_account_id(id: &str) -> Result<(), LocalError> {
    let current = ACCOUNT_ID.get_or_init(|| id.to_owned());
    if current == id {
        Ok(())
    } else {
        Err(LocalError::Account {
            current: current.clone(),
            asked: id.to_owned(),
        })
    }
}

/// The running stack's shared parts; the router hands each service only its own part (its `Ctx`).
pub struct Services {
    pub store: Arc<Store>,
    pub executor: Arc<Executor>,
    pub region: String,
    pub faults: Arc<fault::Faults>,
    /// Lambda authorizers' cached answers (stage traffic's, in memory only).
    pub authorizer_cache: execute_api::authorizer::Cache,
    /// The client HTTP integrations reach their backends with.
    pub http: reqwest::Client,
    /// How long a Lambda create or update stays `Pending` / `InProgress`.
    pub update_window: std::time::Duration,
}
