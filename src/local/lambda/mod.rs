//! Lambda control plane (rest-json, `/2015-03-31`): the route table of functions, code updates,
//! versions, resource policies, tags, and Invoke.

pub mod config;
mod invoke;
pub mod model;
mod names;
mod ops;
pub mod policy;
pub mod settings;
pub mod url_invoke;
pub mod urls;
pub mod wire;

use std::sync::{Arc, Mutex};

use axum::http::{Method as Verb, StatusCode};
use axum::response::{IntoResponse, Response};

pub use invoke::function_code;
pub use model::{function_arn, parse_function_name, resolve};
pub use policy::policy_allows;

use self::invoke::invoke;
use self::model::LambdaState;
use self::ops::*;
use super::common::{LambdaError, Req, Saver, ServiceRoute};
use super::exec::Executor;

/// Where GetFunction's `Code.Location` points: `/_lambdeck/code/<sha256 hex>.zip`.
pub const CODE_PATH: &str = "/_lambdeck/code/";

/// How the router recognises Lambda's requests (and the package downloads it hands out).
pub const ROUTE: ServiceRoute = ServiceRoute {
    name: "Lambda",
    signing_name: "lambda",
    target_prefix: None,
    path_prefixes: &[
        CODE_PATH,
        "/2014-11-13/",
        "/2015-03-31/",
        "/2017-03-31/",
        "/2016-08-19/",
        "/2017-10-31/",
        "/2019-09-25/",
        "/2019-09-30/",
        "/2020-06-30/",
        "/2021-07-20/",
        "/2021-10-31/",
        "/2024-08-31/",
    ],
};

/// What Lambda's handlers work with: its state, the saver, the execution engine, and the region of
/// the call.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub state: &'a Mutex<LambdaState>,
    pub saver: &'a dyn Saver,
    pub executor: &'a Arc<Executor>,
    pub region: &'a str,
    /// How long a create or update stays `Pending` / `InProgress` (zero: settled at once).
    pub update_window: std::time::Duration,
}

/// Serves one Lambda request, or a package download.
pub async fn handle(cx: Ctx<'_>, req: &Req) -> Response {
    if req.raw_path.starts_with(CODE_PATH) {
        return download(&cx, req);
    }
    match route(&cx, req).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn route(cx: &Ctx<'_>, req: &Req) -> Result<Response> {
    let seg: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    if let [_, "functions", name, ..] = seg.as_slice() {
        names::check_region(name, cx.region)?;
    }
    let r = match (seg.as_slice(), &req.method) {
        (["2015-03-31", "functions"], &Verb::POST) => create_function(cx, req)?,
        (["2015-03-31", "functions"], &Verb::GET) => list_functions(cx, req)?,
        (["2015-03-31", "functions", name], &Verb::GET) => get_function(cx, req, name, true)?,
        (["2015-03-31", "functions", name, "configuration"], &Verb::GET) => {
            get_function(cx, req, name, false)?
        }
        (["2015-03-31", "functions", name], &Verb::DELETE) => delete_function(cx, req, name)?,
        (["2015-03-31", "functions", name, "code"], &Verb::PUT) => update_code(cx, req, name)?,
        (["2015-03-31", "functions", name, "configuration"], &Verb::PUT) => {
            update_configuration(cx, req, name)?
        }
        (["2015-03-31", "functions", name, "versions"], &Verb::POST) => {
            publish_version(cx, req, name)?
        }
        (["2015-03-31", "functions", name, "versions"], &Verb::GET) => list_versions(cx, name)?,
        (["2015-03-31", "functions", name, "policy"], &Verb::POST) => {
            add_permission(cx, req, name)?
        }
        (["2015-03-31", "functions", name, "policy"], &Verb::GET) => get_policy(cx, name)?,
        (["2015-03-31", "functions", name, "policy", sid], &Verb::DELETE) => {
            remove_permission(cx, name, sid)?
        }
        (["2015-03-31", "functions", name, "invocations"], &Verb::POST) => {
            invoke(cx, req, name, invoke::Api::Invoke).await?
        }
        (["2014-11-13", "functions", name, "invoke-async"], &Verb::POST) => {
            invoke(cx, req, name, invoke::Api::InvokeAsync).await?
        }
        (["2017-03-31", "tags", arn], _) => tags(cx, req, arn)?,
        _ if let Some(r) = config::route(cx, req) => r?,
        _ if let Some(r) = settings::route(cx, req) => r?,
        _ if let Some(r) = urls::route(cx, req) => r?,
        _ => {
            return Err(LambdaError::new(
                StatusCode::NOT_FOUND,
                "UnknownOperationException",
                format!(
                    "lambdeck's local Lambda does not support {} {}",
                    req.method, req.raw_path
                ),
            ));
        }
    };
    Ok(r)
}
