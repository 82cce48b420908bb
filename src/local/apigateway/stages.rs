//! Stages: CreateStage and UpdateStage with every patch path AWS accepts: the deployment (the
//! documented rollback), description, variables, tracing, the documentation version, method
//! settings, canary settings and access log settings.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::Response;

use super::Ctx;
use super::model::{AccessLogSettings, CACHE_CLUSTER_SIZES, Canary, RestApi, Stage};
use super::ops::{
    Result, api_mut, body, check_percent, check_stage_name, check_verb, now_s, ok, stage, write,
};
use super::patch;
use super::validation::Violations;
use super::wire::{CreateStageIn, PatchIn, PatchOp, render_stage};
use crate::local::common::{Req, RestJsonError};

/// A path UpdateStage does not have.
fn bad_patch(op: &PatchOp) -> RestJsonError {
    RestJsonError::bad_request(format!(
        "Invalid patch path '{}' specified for op '{}'",
        op.path, op.op
    ))
}

/// The `/accessLogSettings/...` patch paths, as AWS's recorded answers show them: `add` or
/// `replace` the destination ARN or the format (not empty), `remove /accessLogSettings` whole; a
/// single member cannot be removed, and any other path is refused.
fn patch_access_log(s: &mut Stage, op: &PatchOp) -> Result<()> {
    let member = op.path.strip_prefix("/accessLogSettings/");
    if op.op == "remove" {
        let Some(member) = member else {
            s.access_log_settings = None;
            return Ok(());
        };
        return Err(RestJsonError::bad_request(format!(
            "Cannot remove method setting accessLogSettings/{member} because there is no method setting for this method "
        )));
    }
    let invalid = || {
        RestJsonError::bad_request(
            "Invalid accessLogSettings path. Must be one of : [/accessLogSettings/destinationArn, /accessLogSettings/format]",
        )
    };
    if !matches!(op.op.as_str(), "add" | "replace") {
        return Err(invalid());
    }
    let member = member.filter(|m| ["destinationArn", "format"].contains(m));
    let Some(member) = member else {
        return Err(invalid());
    };
    let value = op
        .value
        .clone()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| RestJsonError::bad_request("Access Log value must not be empty"))?;
    let settings = s
        .access_log_settings
        .get_or_insert_with(AccessLogSettings::default);
    if member == "format" {
        settings.format = Some(value);
    } else {
        settings.destination_arn = Some(value);
    }
    Ok(())
}

/// The `/canarySettings/...` patch paths of UpdateStage. Setting a field of a stage without a canary
/// starts one, as AWS does: on the stage's own deployment, at 0 %, unless the patch says otherwise.
fn patch_canary(s: &mut Stage, op: &PatchOp, api: &RestApi) -> Result<()> {
    let field = op.path.trim_start_matches("/canarySettings/");
    let value = op.value.clone().unwrap_or_default();
    if op.op == "remove" {
        let removed = match (
            field.strip_prefix("stageVariableOverrides/"),
            s.canary.as_mut(),
        ) {
            (Some(key), Some(c)) => c.stage_variable_overrides.remove(key).is_some(),
            _ => false,
        };
        if !removed {
            return Err(RestJsonError::bad_request(format!(
                "Cannot remove method setting canarySettings/{field} because there is no method setting for this method "
            )));
        }
        return Ok(());
    }
    if !matches!(op.op.as_str(), "replace" | "add") {
        return Err(bad_patch(op));
    }
    let deployment_id = s.deployment_id.clone();
    let canary = s.canary.get_or_insert_with(|| Canary {
        deployment_id,
        ..Canary::default()
    });
    match field {
        "percentTraffic" => {
            let p: f64 = value.parse().map_err(|_| {
                RestJsonError::bad_request(format!("Invalid value for percentTraffic: {value}"))
            })?;
            check_percent(Some(p))?;
            canary.percent_traffic = p;
        }
        "deploymentId" => {
            if !api.deployments.contains_key(&value) {
                return Err(RestJsonError::bad_request("Deployment id does not exist"));
            }
            canary.deployment_id = value;
        }
        "useStageCache" => canary.use_stage_cache = value == "true",
        f => match f.strip_prefix("stageVariableOverrides/") {
            Some(key) if !key.is_empty() => {
                canary
                    .stage_variable_overrides
                    .insert(key.to_owned(), value);
            }
            _ => return Err(bad_patch(op)),
        },
    }
    Ok(())
}

/// A cache cluster size is one API Gateway offers (its model's enum, checked as AWS checks it).
pub(super) fn check_cache_cluster_size(size: Option<&str>, input: &str) -> Result<()> {
    let mut v = Violations::new();
    if let Some(size) = size {
        v.one_of(
            size,
            &format!("{input}.cacheClusterSize"),
            &CACHE_CLUSTER_SIZES,
        );
    }
    v.check()
}

pub(super) fn create_stage(cx: &Ctx<'_>, req: &Req, id: &str) -> Result<Response> {
    let input: CreateStageIn = body(req)?;
    check_cache_cluster_size(input.cache_cluster_size.as_deref(), "createStageInput")?;
    let name = input.stage_name.unwrap_or_default();
    check_stage_name(&name)?;
    let value = write(cx, id, |state| {
        let api = api_mut(state, id)?;
        let did = input.deployment_id.unwrap_or_default();
        if !api.deployments.contains_key(&did) {
            return Err(RestJsonError::bad_request("Deployment id does not exist"));
        }
        if api.stages.contains_key(&name) {
            return Err(RestJsonError::conflict("Stage already exists"));
        }
        let canary = match input.canary_settings {
            None => None,
            Some(c) => {
                check_percent(c.percent_traffic)?;
                let cid = c.deployment_id.unwrap_or_else(|| did.clone());
                if !api.deployments.contains_key(&cid) {
                    return Err(RestJsonError::bad_request("Deployment id does not exist"));
                }
                Some(Canary {
                    deployment_id: cid,
                    percent_traffic: c.percent_traffic.unwrap_or(0.0),
                    stage_variable_overrides: c.stage_variable_overrides,
                    use_stage_cache: c.use_stage_cache,
                })
            }
        };
        let now = now_s();
        let s = Stage {
            stage_name: name.clone(),
            deployment_id: did,
            created_date: now,
            last_updated_date: now,
            description: input.description,
            variables: input.variables,
            tracing_enabled: input.tracing_enabled,
            tags: input.tags,
            canary,
            documentation_version: input.documentation_version,
            method_settings: BTreeMap::new(),
            access_log_settings: None,
            cache_cluster_enabled: input.cache_cluster_enabled,
            cache_cluster_size: input.cache_cluster_size,
        };
        let value = render_stage(&s);
        api.stages.insert(name, s);
        Ok(value)
    })?;
    Ok(ok(StatusCode::CREATED, value))
}

pub(super) fn update_stage(cx: &Ctx<'_>, req: &Req, id: &str, name: &str) -> Result<Response> {
    let input: PatchIn = body(req)?;
    patch::check_ops(&input.patch_operations, "updateStageInput")?;
    let value = write(cx, id, |state| {
        let api = api_mut(state, id)?;
        let mut s = stage(api, name)?.clone();
        for op in &input.patch_operations {
            let path = op.path.as_str();
            match (op.op.as_str(), path) {
                ("replace", "/deploymentId") => {
                    let did = op.value.clone().unwrap_or_default();
                    if !api.deployments.contains_key(&did) {
                        return Err(RestJsonError::bad_request("Deployment id does not exist"));
                    }
                    s.deployment_id = did;
                }
                ("replace", "/description") => s.description = op.value.clone(),
                // AWS's recorded CreateStage takes a version that does not exist; so does this.
                ("replace", "/documentationVersion") => {
                    s.documentation_version = patch::optional(op);
                }
                ("remove", "/documentationVersion") => s.documentation_version = None,
                ("replace", "/tracingEnabled") => {
                    s.tracing_enabled = op.value.as_deref() == Some("true");
                }
                ("replace", "/cacheClusterEnabled") => {
                    s.cache_cluster_enabled = op
                        .value
                        .as_deref()
                        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
                }
                ("replace", "/cacheClusterSize") => {
                    let size = op.value.clone().unwrap_or_default();
                    if !CACHE_CLUSTER_SIZES.contains(&size.as_str()) {
                        return Err(RestJsonError::bad_request(format!(
                            "Invalid cache cluster size specified: {size}"
                        )));
                    }
                    s.cache_cluster_size = Some(size);
                }
                ("replace" | "add", p) if p.starts_with("/variables/") => {
                    let key = p.trim_start_matches("/variables/").to_owned();
                    s.variables
                        .insert(key, op.value.clone().unwrap_or_default());
                }
                ("remove", p) if p.starts_with("/variables/") => {
                    s.variables.remove(p.trim_start_matches("/variables/"));
                }
                ("remove", "/canarySettings") => s.canary = None,
                (_, p) if p == "/accessLogSettings" || p.starts_with("/accessLogSettings/") => {
                    patch_access_log(&mut s, op)?;
                }
                (_, p) if method_setting_path(p).is_some() => patch_method_setting(&mut s, op)?,
                (_, p) if p.starts_with("/canarySettings/") => {
                    patch_canary(&mut s, op, api)?;
                }
                _ => return Err(bad_patch(op)),
            }
        }
        s.last_updated_date = now_s();
        let value = render_stage(&s);
        api.stages.insert(name.to_owned(), s);
        Ok(value)
    })?;
    Ok(ok(StatusCode::OK, value))
}

/// `/{resourcePath}/{VERB}[/{group}/{field}]` (or `/*/*/...`): the method setting's key (`*/*`,
/// `test/GET`, the resource path unescaped and without its leading slash) and the field, if any.
fn method_setting_path(path: &str) -> Option<(String, Option<String>)> {
    let segs: Vec<&str> = path.strip_prefix('/')?.split('/').collect();
    let (res, verb, field) = match segs.as_slice() {
        [res, verb] => (*res, *verb, None),
        [res, verb, group, field] => (*res, *verb, Some(format!("{group}/{field}"))),
        _ => return None,
    };
    let verb_ok = verb == "*" || check_verb(verb).is_ok();
    if !verb_ok || res.is_empty() || (res == "*") != (verb == "*") {
        return None;
    }
    let key = if res == "*" {
        "*/*".to_owned()
    } else {
        format!("{}/{verb}", patch::unescape(res).trim_start_matches('/'))
    };
    Some((key, field))
}

/// UpdateStage on a method setting: a field is set on the method's setting, created from the
/// stage's `*/*` setting (or AWS's defaults) when there is none; `remove /{res}/{VERB}` drops it.
fn patch_method_setting(s: &mut Stage, op: &PatchOp) -> Result<()> {
    let Some((key, field)) = method_setting_path(&op.path) else {
        return Err(bad_patch(op));
    };
    let Some(field) = field else {
        if op.op == "remove" {
            if s.method_settings.remove(&key).is_none() {
                return Err(RestJsonError::bad_request(format!(
                    "Cannot remove method setting {key} because there is no method setting for this method "
                )));
            }
            return Ok(());
        }
        return Err(bad_patch(op));
    };
    if op.op != "replace" {
        return Err(bad_patch(op));
    }
    let value = op.value.clone().unwrap_or_default();
    let invalid = || {
        RestJsonError::bad_request(format!(
            "Invalid value '{value}' for method setting {}",
            op.path
        ))
    };
    let flag = || match value.as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(invalid()),
    };
    let base = s.method_settings.get("*/*").cloned().unwrap_or_default();
    let mut m = s.method_settings.get(&key).cloned().unwrap_or(base);
    match field.as_str() {
        "metrics/enabled" => m.metrics_enabled = flag()?,
        "logging/dataTrace" => m.data_trace_enabled = flag()?,
        "logging/loglevel" => {
            if !["OFF", "ERROR", "INFO"].contains(&value.as_str()) {
                return Err(invalid());
            }
            m.logging_level = Some(value.clone());
        }
        "throttling/burstLimit" => {
            m.throttling_burst_limit = value.parse().map_err(|_| invalid())?;
        }
        "throttling/rateLimit" => {
            m.throttling_rate_limit = value.parse().map_err(|_| invalid())?;
        }
        "caching/enabled" => m.caching_enabled = flag()?,
        "caching/ttlInSeconds" => m.cache_ttl_in_seconds = value.parse().map_err(|_| invalid())?,
        "caching/dataEncrypted" => m.cache_data_encrypted = flag()?,
        "caching/requireAuthorizationForCacheControl" => {
            m.require_authorization_for_cache_control = flag()?;
        }
        "caching/unauthorizedCacheControlHeaderStrategy" => {
            m.unauthorized_cache_control_header_strategy
                .clone_from(&value);
        }
        _ => return Err(bad_patch(op)),
    }
    s.method_settings.insert(key, m);
    Ok(())
}
