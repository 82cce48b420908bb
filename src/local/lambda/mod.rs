//! Lambda control plane (rest-json, `/2015-03-31`): the route table of functions, code updates,
//! versions, resource policies, tags, and Invoke.

pub mod config;
mod invoke;
pub mod model;
mod ops;
pub mod policy;
pub mod wire;

use axum::http::{Method as Verb, StatusCode};
use axum::response::{IntoResponse, Response};

pub use invoke::{function_code, outcome_payload};
pub use model::{function_arn, parse_function_name, resolve};
pub use ops::download;
pub use policy::{arn_like, policy_allows};

use self::invoke::invoke;
use self::ops::*;
use super::Services;
use super::common::{LambdaError, Req};

/// Serves one Lambda request.
pub async fn handle(svc: &Services, req: &Req) -> Response {
    match route(svc, req).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn route(svc: &Services, req: &Req) -> Result<Response> {
    let seg: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    let r = match (seg.as_slice(), &req.method) {
        (["2015-03-31", "functions"], &Verb::POST) => create_function(svc, req)?,
        (["2015-03-31", "functions"], &Verb::GET) => list_functions(svc, req),
        (["2015-03-31", "functions", name], &Verb::GET) => get_function(svc, req, name, true)?,
        (["2015-03-31", "functions", name, "configuration"], &Verb::GET) => {
            get_function(svc, req, name, false)?
        }
        (["2015-03-31", "functions", name], &Verb::DELETE) => delete_function(svc, req, name)?,
        (["2015-03-31", "functions", name, "code"], &Verb::PUT) => update_code(svc, req, name)?,
        (["2015-03-31", "functions", name, "configuration"], &Verb::PUT) => {
            update_configuration(svc, req, name)?
        }
        (["2015-03-31", "functions", name, "versions"], &Verb::POST) => {
            publish_version(svc, req, name)?
        }
        (["2015-03-31", "functions", name, "versions"], &Verb::GET) => list_versions(svc, name)?,
        (["2015-03-31", "functions", name, "policy"], &Verb::POST) => {
            add_permission(svc, req, name)?
        }
        (["2015-03-31", "functions", name, "policy"], &Verb::GET) => get_policy(svc, name)?,
        (["2015-03-31", "functions", name, "policy", sid], &Verb::DELETE) => {
            remove_permission(svc, name, sid)?
        }
        (["2015-03-31", "functions", name, "invocations"], &Verb::POST) => {
            invoke(svc, req, name).await?
        }
        (["2017-03-31", "tags", arn], _) => tags(svc, req, arn)?,
        _ if let Some(r) = config::route(svc, req) => r?,
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
