//! API Gateway REST (v1) control plane (rest-json): the route table of REST APIs, resources, methods,
//! integrations, deployments as frozen snapshots, stages, exports and tags.

pub mod export;
pub mod model;
mod ops;
pub mod test_invoke;
pub mod wire;

use axum::http::{Method as Verb, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use self::export::get_export;
use self::ops::*;
use self::wire::{render_api, render_deployment, render_resource, render_stage};
use super::Services;
use super::common::{Req, RestJsonError};

/// Serves one API Gateway control-plane request.
pub async fn handle(svc: &Services, req: &Req) -> Response {
    // TestInvokeMethod runs the function, so it is the one asynchronous operation.
    if let Some(r) = test_invoke::handle(svc, req).await {
        return r;
    }
    match route(svc, req) {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

fn route(svc: &Services, req: &Req) -> Result<Response> {
    let seg: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    let m = &req.method;
    let response = match (seg.as_slice(), m) {
        (["restapis"], &Verb::POST) => create_rest_api(svc, req)?,
        (["restapis"], &Verb::GET) => get_rest_apis(svc, req),
        (["restapis", id], &Verb::GET) => {
            read(svc, id, |api| Ok(ok(StatusCode::OK, render_api(api))))?
        }
        (["restapis", id], &Verb::PATCH) => update_rest_api(svc, req, id)?,
        (["restapis", id], &Verb::DELETE) => {
            write(svc, id, |state, _| {
                state.apis.remove(*id);
                Ok(())
            })?;
            no_content(StatusCode::ACCEPTED)
        }
        (["restapis", id, "resources"], &Verb::GET) => get_resources(svc, req, id)?,
        (["restapis", id, "resources", rid], &Verb::GET) => read(svc, id, |api| {
            let r = resource(api, rid)?;
            Ok(ok(
                StatusCode::OK,
                render_resource(r, embeds(req, "methods")),
            ))
        })?,
        (["restapis", id, "resources", parent], &Verb::POST) => {
            create_resource(svc, req, id, parent)?
        }
        (["restapis", id, "resources", rid], &Verb::DELETE) => delete_resource(svc, id, rid)?,
        (["restapis", id, "resources", rid, "methods", verb], _) => {
            method_call(svc, req, id, rid, verb)?
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
        ) => integration_call(svc, req, id, rid, verb)?,
        // Not modelled yet, and none can be created here: the lists are truthfully empty, so the
        // stale diff compares them instead of reporting them unreadable.
        (
            [
                "restapis",
                id,
                "authorizers" | "models" | "requestvalidators" | "gatewayresponses",
            ],
            &Verb::GET,
        )
        | (["restapis", id, "documentation", "parts"], &Verb::GET) => {
            read(svc, id, |_| Ok(ok(StatusCode::OK, page(vec![], req))))?
        }
        (["restapis", id, "deployments"], &Verb::POST) => create_deployment(svc, req, id)?,
        (["restapis", id, "deployments"], &Verb::GET) => read(svc, id, |api| {
            let items = api
                .deployments
                .values()
                .map(|d| render_deployment(d, false))
                .collect();
            Ok(ok(StatusCode::OK, page(items, req)))
        })?,
        (["restapis", id, "deployments", did], &Verb::GET) => read(svc, id, |api| {
            let d = deployment(api, did)?;
            Ok(ok(
                StatusCode::OK,
                render_deployment(d, embeds(req, "apisummary")),
            ))
        })?,
        (["restapis", id, "deployments", did], &Verb::DELETE) => {
            write(svc, id, |state, _| {
                let api = api_mut(state, id)?;
                deployment(api, did)?;
                if api.stages.values().any(|s| s.deployment_id == *did) {
                    return Err(RestJsonError::bad_request(
                        "Active stages pointing to this deployment must be moved or deleted",
                    ));
                }
                api.deployments.remove(*did);
                Ok(())
            })?;
            no_content(StatusCode::ACCEPTED)
        }
        (["restapis", id, "stages"], &Verb::POST) => create_stage(svc, req, id)?,
        (["restapis", id, "stages"], &Verb::GET) => read(svc, id, |api| {
            let filter = req.query_one("deploymentId");
            let items = api
                .stages
                .values()
                .filter(|s| filter.is_none_or(|d| s.deployment_id == d))
                .map(|s| render_stage(s, &svc.region, id))
                .collect::<Vec<_>>();
            Ok(ok(StatusCode::OK, json!({ "item": items })))
        })?,
        (["restapis", id, "stages", name], &Verb::GET) => read(svc, id, |api| {
            Ok(ok(
                StatusCode::OK,
                render_stage(stage(api, name)?, &svc.region, id),
            ))
        })?,
        (["restapis", id, "stages", name], &Verb::PATCH) => update_stage(svc, req, id, name)?,
        (["restapis", id, "stages", name], &Verb::DELETE) => {
            write(svc, id, |state, _| {
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
            get_export(svc, req, id, name, kind)?
        }
        (["tags", arn], _) => tags_call(svc, req, arn)?,
        _ => return Err(unsupported(req)),
    };
    Ok(response)
}
