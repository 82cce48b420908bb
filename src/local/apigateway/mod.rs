//! API Gateway REST (v1) control plane (rest-json): the route table of REST APIs, resources, methods
//! and their responses, integrations and theirs, authorizers, models, request validators, gateway
//! responses, documentation parts and versions, deployments as frozen snapshots, stages, exports,
//! imports (ImportRestApi, PutRestApi) and tags; and the account's API keys, usage plans, VPC links
//! and settings.

mod account;
pub mod documentation;
pub mod elements;
pub mod export;
pub mod import;
pub mod model;
mod ops;
mod patch;
mod resources;
mod responses;
mod stages;
pub mod test_invoke;
pub mod usage;
mod validation;
pub mod vpc_links;
pub mod wire;

use axum::http::{Method as Verb, StatusCode};
use axum::response::{IntoResponse, Response};

use std::sync::Mutex;

use self::elements::{
    authorizer_call, authorizers_call, gateway_response_call, gateway_responses_list, model_call,
    models_call, validator_call, validators_call,
};
use self::export::get_export;
use self::model::ApiGatewayState;
use self::ops::*;
use self::resources::{create_resource, delete_resource, update_resource};
use self::responses::{integration_response_call, method_response_call};
use self::stages::{create_stage, update_stage};
use self::wire::{Page, render_api_single, render_deployment, render_resource, render_stage};
use super::common::{Req, RestJsonError, Saver, ServiceRoute};

/// How the router recognises API Gateway's control-plane requests.
pub const ROUTE: ServiceRoute = ServiceRoute {
    name: "API Gateway",
    signing_name: "apigateway",
    target_prefix: None,
    path_prefixes: &[
        "/restapis",
        "/tags/",
        "/apikeys",
        "/usageplans",
        "/vpclinks",
        "/account",
    ],
};

/// What API Gateway's handlers work with: its state, the saver, and the region of the call.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub state: &'a Mutex<ApiGatewayState>,
    pub saver: &'a dyn Saver,
    pub region: &'a str,
}

/// Serves one API Gateway control-plane request.
pub async fn handle(cx: Ctx<'_>, req: &Req) -> Response {
    match route(&cx, req) {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

fn route(cx: &Ctx<'_>, req: &Req) -> Result<Response> {
    let seg: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    let m = &req.method;
    if let Some(answer) = usage::route(cx, req, &seg) {
        return answer;
    }
    if let Some(answer) = vpc_links::route(cx, req, &seg) {
        return answer;
    }
    if let Some(answer) = account::route(cx, req, &seg) {
        return answer;
    }
    let response = match (seg.as_slice(), m) {
        (["restapis"], &Verb::POST) if req.query_one("mode") == Some("import") => {
            import::import_rest_api(cx, req)?
        }
        (["restapis"], &Verb::POST) => create_rest_api(cx, req)?,
        (["restapis"], &Verb::GET) => get_rest_apis(cx, req),
        (["restapis", id], &Verb::GET) => {
            read(cx, id, |api| Ok(ok(StatusCode::OK, render_api_single(api))))?
        }
        (["restapis", id], &Verb::PATCH) => update_rest_api(cx, req, id)?,
        (["restapis", id], &Verb::PUT) => import::put_rest_api(cx, req, id)?,
        (["restapis", id], &Verb::DELETE) => {
            write(cx, id, |state| {
                state.apis.remove(*id);
                Ok(())
            })?;
            no_content(StatusCode::ACCEPTED)
        }
        (["restapis", id, "resources"], &Verb::GET) => get_resources(cx, req, id)?,
        (["restapis", id, "resources", rid], &Verb::GET) => read(cx, id, |api| {
            let r = resource(api, rid)?;
            Ok(ok(
                StatusCode::OK,
                render_resource(r, embeds(req, "methods")),
            ))
        })
        .map_err(unknown_api_as(missing_resource()))?,
        (["restapis", id, "resources", parent], &Verb::POST) => {
            create_resource(cx, req, id, parent)?
        }
        (["restapis", id, "resources", rid], &Verb::DELETE) => delete_resource(cx, id, rid)?,
        (["restapis", id, "resources", rid], &Verb::PATCH) => {
            update_resource(cx, req, id, rid).map_err(unknown_api_as(missing_resource()))?
        }
        (["restapis", id, "resources", rid, "methods", verb], _) => {
            method_call(cx, req, id, rid, verb).map_err(unknown_api_as(missing_resource()))?
        }
        (
            [
                "restapis",
                id,
                "resources",
                rid,
                "methods",
                verb,
                "integration",
            ],
            _,
        ) => integration_call(cx, req, id, rid, verb).map_err(unknown_api_as(missing_resource()))?,
        (
            [
                "restapis",
                id,
                "resources",
                rid,
                "methods",
                verb,
                "responses",
                status,
            ],
            _,
        ) => method_response_call(cx, req, (id, rid, verb, status))?,
        (
            [
                "restapis",
                id,
                "resources",
                rid,
                "methods",
                verb,
                "integration",
                "responses",
                status,
            ],
            _,
        ) => integration_response_call(cx, req, (id, rid, verb, status))
            .map_err(unknown_api_as(missing_resource()))?,
        // AWS answers CreateAuthorizer on an API that does not exist with a 409, as its recorded
        // answer shows.
        (["restapis", id, "authorizers"], &Verb::POST) => authorizers_call(cx, req, id)
            .map_err(unknown_api_as(RestJsonError::conflict(
                "Unable to complete operation due to concurrent modification. Please try again later.",
            )))?,
        (["restapis", id, "authorizers"], _) => authorizers_call(cx, req, id)?,
        (["restapis", id, "authorizers", aid], _) => authorizer_call(cx, req, id, aid)?,
        (["restapis", id, "models"], _) => models_call(cx, req, id)?,
        (["restapis", id, "models", name], _) => {
            model_call(cx, req, id, name).map_err(unknown_api_as(RestJsonError::not_found(
                format!("Invalid model name specified: {name}"),
            )))?
        }
        (["restapis", id, "requestvalidators"], &Verb::POST) => validators_call(cx, req, id)
            .map_err(unknown_api_as(RestJsonError::bad_request(
                "Invalid REST API identifier specified",
            )))?,
        (["restapis", id, "requestvalidators"], _) => validators_call(cx, req, id)?,
        (["restapis", id, "requestvalidators", vid], _) => validator_call(cx, req, id, vid)
            .map_err(unknown_api_as(RestJsonError::not_found(
                "Invalid Request Validator identifier specified",
            )))?,
        (["restapis", id, "gatewayresponses"], &Verb::GET) => gateway_responses_list(cx, req, id)?,
        (["restapis", id, "gatewayresponses", kind], _) => {
            gateway_response_call(cx, req, id, kind)?
        }
        (["restapis", id, "documentation", "parts"], _) => documentation::parts_call(cx, req, id)?,
        (["restapis", id, "documentation", "parts", pid], _) => {
            documentation::part_call(cx, req, id, pid)?
        }
        (["restapis", id, "documentation", "versions"], _) => {
            documentation::versions_call(cx, req, id)?
        }
        (["restapis", id, "documentation", "versions", v], _) => {
            documentation::version_call(cx, req, id, v)?
        }
        (["restapis", id, "deployments"], &Verb::POST) => create_deployment(cx, req, id)?,
        (["restapis", id, "deployments"], &Verb::GET) => read(cx, id, |api| {
            let items = api
                .deployments
                .values()
                .map(|d| render_deployment(d, false))
                .collect();
            Ok(ok(StatusCode::OK, page(items, req)))
        })?,
        (["restapis", id, "deployments", did], &Verb::GET) => read(cx, id, |api| {
            let d = deployment(api, did)?;
            Ok(ok(
                StatusCode::OK,
                render_deployment(d, embeds(req, "apisummary")),
            ))
        })?,
        (["restapis", id, "deployments", did], &Verb::DELETE) => {
            write(cx, id, |state| {
                let api = api_mut(state, id)?;
                deployment(api, did)?;
                if api.stages.values().any(|s| {
                    s.deployment_id == *did
                        || s.canary.as_ref().is_some_and(|c| c.deployment_id == *did)
                }) {
                    return Err(RestJsonError::bad_request(
                        "Active stages pointing to this deployment must be moved or deleted",
                    ));
                }
                api.deployments.remove(*did);
                Ok(())
            })?;
            no_content(StatusCode::ACCEPTED)
        }
        (["restapis", id, "stages"], &Verb::POST) => create_stage(cx, req, id)?,
        (["restapis", id, "stages"], &Verb::GET) => read(cx, id, |api| {
            let filter = req.query_one("deploymentId");
            let items = api
                .stages
                .values()
                .filter(|s| filter.is_none_or(|d| s.deployment_id == d))
                .map(render_stage)
                .collect::<Vec<_>>();
            Ok(ok(
                StatusCode::OK,
                Page {
                    item: items,
                    position: None,
                },
            ))
        })?,
        (["restapis", id, "stages", name], &Verb::GET) => read(cx, id, |api| {
            Ok(ok(StatusCode::OK, render_stage(stage(api, name)?)))
        })?,
        (["restapis", id, "stages", name], &Verb::PATCH) => update_stage(cx, req, id, name)?,
        (["restapis", id, "stages", name], &Verb::DELETE) => {
            write(cx, id, |state| {
                let api = api_mut(state, id)?;
                if api.stages.remove(*name).is_none() {
                    return Err(RestJsonError::not_found(
                        "Invalid stage identifier specified",
                    ));
                }
                Ok(())
            })?;
            no_content(StatusCode::ACCEPTED)
        }
        (["restapis", id, "stages", name, "exports", kind], &Verb::GET) => {
            get_export(cx, req, id, name, kind)?
        }
        (["tags", arn], _) => tags_call(cx, req, arn)?,
        _ => return Err(unsupported(req)),
    };
    Ok(response)
}
