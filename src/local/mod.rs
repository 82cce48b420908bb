//! The embedded local AWS stack: API Gateway REST, Lambda, CloudWatch Logs, IAM and STS on one loopback port,
//! laid out per service as moto and LocalStack lay out theirs.
//!
//! Layout. Each control plane is a folder (`apigateway/`, `lambda/`, `logs/`) holding its routes
//! (`mod.rs`), state model (`model.rs`), operations and wire shapes; the data plane stands apart:
//! `execute_api/` serves stage traffic (path matching, the proxy event, the answer's validation) and
//! `exec/` runs functions (execution environments, their Runtime API, package checks). `common/` holds
//! what every service shares (the request, the AWS-shaped errors, locking, ids); `store` persists every
//! service's state; `server` starts and stops the stack; `router` sends each request to its service.
//! The wire contract the clients share with this emulator lives in `crate::wire`.
//!
//! Router order. One listener serves every service. A request is routed, in this order:
//! 1. execute-api, a stage URL: by the Host header (`{id}.execute-api.{domain}`) or by the path
//!    `/restapis/{id}/{stage}/_user_request_/...`;
//! 2. the service named in the SigV4 credential scope of `Authorization`;
//! 3. `X-Amz-Target` (CloudWatch Logs);
//! 4. path prefix (`/_lambdeck/code/` package downloads, `/restapis` and `/tags/`, `/2015-03-31/`).
//!
//! Signatures are not verified.

pub mod apigateway;
pub mod common;
pub mod exec;
pub mod execute_api;
pub mod fault;
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
    LOCK_FILE, LocalConfig, LocalError, LocalGuard, LocalServer, ensure_running, project_state_dir,
};

/// What every handler gets: the store and the execution engine.
pub struct Services {
    pub store: Arc<Store>,
    pub executor: Arc<Executor>,
    pub region: String,
    pub faults: Arc<fault::Faults>,
}
