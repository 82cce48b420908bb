//! API keys, usage plans and usage plan keys: the account's (not a deployment's), so stage traffic
//! sees a change at once. Shapes and messages as AWS records them (LocalStack's AWS-validated
//! snapshots): a key's value only on create or when asked for, `tags: {}` on a single read.

use std::collections::BTreeMap;

use axum::http::{Method as Verb, StatusCode};
use axum::response::Response;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::Ctx;
use super::model::{ApiGatewayState, ApiKey, PlanStage, Quota, Throttle, UsagePlan};
use super::ops::{Result, body, fresh_id, no_content, now_s, ok, page, unsupported, write};
use super::patch;
use super::wire::PatchIn;
use crate::local::common::{Req, RestJsonError, lock, random_id};

// Wire shapes.

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyOut {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub enabled: bool,
    pub created_date: i64,
    pub last_updated_date: i64,
    pub stage_keys: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UsagePlanOut {
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub api_stages: Vec<PlanStage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub throttle: Option<Throttle>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quota: Option<Quota>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct UsagePlanKeyOut {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StageKeyIn {
    rest_api_id: Option<String>,
    stage_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateApiKeyIn {
    name: Option<String>,
    description: Option<String>,
    #[serde(default)]
    enabled: bool,
    value: Option<String>,
    customer_id: Option<String>,
    #[serde(default)]
    stage_keys: Vec<StageKeyIn>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateUsagePlanIn {
    name: Option<String>,
    description: Option<String>,
    #[serde(default)]
    api_stages: Vec<PlanStage>,
    throttle: Option<Throttle>,
    quota: Option<Quota>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateUsagePlanKeyIn {
    key_id: Option<String>,
    key_type: Option<String>,
}

/// `tags` is sent on a single read and an update always, elsewhere only when there are some.
fn tags_out(tags: &BTreeMap<String, String>, always: bool) -> Option<BTreeMap<String, String>> {
    (always || !tags.is_empty()).then(|| tags.clone())
}

pub fn render_api_key(k: &ApiKey, with_value: bool, single: bool) -> ApiKeyOut {
    ApiKeyOut {
        id: k.id.clone(),
        value: with_value.then(|| k.value.clone()),
        name: k.name.clone(),
        customer_id: k.customer_id.clone(),
        description: k.description.clone(),
        enabled: k.enabled,
        created_date: k.created_date,
        last_updated_date: k.last_updated_date,
        stage_keys: k.stage_keys.clone(),
        tags: tags_out(&k.tags, single),
    }
}

pub fn render_usage_plan(p: &UsagePlan, single: bool) -> UsagePlanOut {
    UsagePlanOut {
        id: p.id.clone(),
        name: p.name.clone(),
        description: p.description.clone(),
        api_stages: p.api_stages.clone(),
        throttle: p.throttle.clone(),
        quota: p.quota.clone(),
        product_code: p.product_code.clone(),
        tags: tags_out(&p.tags, single),
    }
}

fn render_plan_key(k: &ApiKey) -> UsagePlanKeyOut {
    UsagePlanKeyOut {
        id: k.id.clone(),
        kind: "API_KEY",
        value: k.value.clone(),
        name: k.name.clone(),
    }
}

// Errors.

fn missing_key() -> RestJsonError {
    RestJsonError::not_found("Invalid API Key identifier specified")
}

fn missing_plan() -> RestJsonError {
    RestJsonError::not_found("Invalid Usage Plan ID specified")
}

fn flag(req: &Req, name: &str) -> bool {
    req.query_one(name)
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

// API keys.

fn check_key_fields(k: &ApiKey) -> Result<()> {
    if k.name.as_ref().is_some_and(|n| n.chars().count() > 1024) {
        return Err(RestJsonError::bad_request(
            "Invalid API Key name, can be at most 1024 characters.",
        ));
    }
    if k.description
        .as_ref()
        .is_some_and(|d| d.chars().count() > 125)
    {
        return Err(RestJsonError::bad_request(
            "Invalid API Key description specified.",
        ));
    }
    Ok(())
}

/// `restApiId/stageName` for a stage that exists.
fn stage_key(state: &ApiGatewayState, api_id: &str, stage: &str) -> Result<String> {
    let exists = state
        .apis
        .get(api_id)
        .is_some_and(|a| a.stages.contains_key(stage));
    if !exists {
        return Err(RestJsonError::bad_request(format!(
            "Invalid stage key specified: {api_id}/{stage}"
        )));
    }
    Ok(format!("{api_id}/{stage}"))
}

fn create_api_key(cx: &Ctx<'_>, req: &Req) -> Result<Response> {
    let input: CreateApiKeyIn = body(req)?;
    let value = match input.value.filter(|v| !v.is_empty()) {
        Some(v) if v.chars().count() < 20 => {
            return Err(RestJsonError::bad_request(
                "API Key value should be at least 20 characters",
            ));
        }
        Some(v) if v.chars().count() > 128 => {
            return Err(RestJsonError::bad_request(
                "API Key value exceeds maximum size of 128 characters",
            ));
        }
        Some(v) => v,
        None => random_id(40),
    };
    let out = write(cx, "", |state| {
        if state.api_keys.values().any(|k| k.value == value) {
            return Err(RestJsonError::conflict("API Key already exists"));
        }
        let stage_keys = input
            .stage_keys
            .iter()
            .map(|s| {
                stage_key(
                    state,
                    s.rest_api_id.as_deref().unwrap_or_default(),
                    s.stage_name.as_deref().unwrap_or_default(),
                )
            })
            .collect::<Result<Vec<_>>>()?;
        let now = now_s();
        let k = ApiKey {
            id: fresh_id(&state.api_keys),
            value: value.clone(),
            name: input.name.clone().filter(|n| !n.is_empty()),
            description: input.description.clone(),
            customer_id: input.customer_id.clone(),
            enabled: input.enabled,
            created_date: now,
            last_updated_date: now,
            stage_keys,
            tags: input.tags.clone(),
        };
        check_key_fields(&k)?;
        let out = render_api_key(&k, true, false);
        state.api_keys.insert(k.id.clone(), k);
        Ok(out)
    })?;
    Ok(ok(StatusCode::CREATED, out))
}

fn api_keys_call(cx: &Ctx<'_>, req: &Req) -> Result<Response> {
    match req.method {
        Verb::POST => create_api_key(cx, req),
        Verb::GET => {
            let state = lock(cx.state);
            // The model's `nameQuery` is the query string's `name`.
            let name = req.query_one("name");
            let customer = req.query_one("customerId");
            let with_values = flag(req, "includeValues");
            let items = state
                .api_keys
                .values()
                .filter(|k| name.is_none_or(|q| k.name.as_deref().unwrap_or("").starts_with(q)))
                .filter(|k| customer.is_none_or(|c| k.customer_id.as_deref() == Some(c)))
                .map(|k| render_api_key(k, with_values, false))
                .collect();
            Ok(ok(StatusCode::OK, page(items, req)))
        }
        _ => Err(unsupported(req)),
    }
}

fn api_key_call(cx: &Ctx<'_>, req: &Req, key_id: &str) -> Result<Response> {
    match req.method {
        Verb::GET => {
            let state = lock(cx.state);
            let k = state.api_keys.get(key_id).ok_or_else(missing_key)?;
            Ok(ok(
                StatusCode::OK,
                render_api_key(k, flag(req, "includeValue"), true),
            ))
        }
        Verb::PATCH => {
            let input: PatchIn = body(req)?;
            patch::check_ops(&input.patch_operations, "updateApiKeyInput")?;
            let out = write(cx, "", |state| {
                let mut k = state.api_keys.get(key_id).ok_or_else(missing_key)?.clone();
                for op in &input.patch_operations {
                    match (op.op.as_str(), op.path.as_str()) {
                        ("replace", "/name") => k.name = patch::optional(op),
                        ("replace", "/description") => k.description = patch::optional(op),
                        ("replace", "/customerId") => k.customer_id = patch::optional(op),
                        // AWS reads anything but "true" as false here.
                        ("replace", "/enabled") => {
                            k.enabled = op
                                .value
                                .as_deref()
                                .is_some_and(|v| v.eq_ignore_ascii_case("true"));
                        }
                        ("add" | "remove", "/stages") => {
                            let v = op.value.as_deref().unwrap_or_default();
                            let (api_id, stage) = v.split_once('/').ok_or_else(|| {
                                RestJsonError::bad_request(format!(
                                    "Invalid stage key specified: {v}"
                                ))
                            })?;
                            if op.op == "add" {
                                let key = stage_key(state, api_id, stage)?;
                                if !k.stage_keys.contains(&key) {
                                    k.stage_keys.push(key);
                                }
                            } else {
                                k.stage_keys.retain(|s| s != v);
                            }
                        }
                        ("replace", _) => {
                            return Err(patch::bad_op(
                                op,
                                &["/description", "/enabled", "/name", "/customerId"],
                            ));
                        }
                        _ => return Err(patch::unsupported_op(op)),
                    }
                }
                check_key_fields(&k)?;
                k.last_updated_date = now_s();
                let out = render_api_key(&k, false, true);
                state.api_keys.insert(key_id.to_owned(), k);
                Ok(out)
            })?;
            Ok(ok(StatusCode::OK, out))
        }
        Verb::DELETE => {
            write(cx, "", |state| {
                state.api_keys.remove(key_id).ok_or_else(missing_key)?;
                for p in state.usage_plans.values_mut() {
                    p.key_ids.retain(|k| k != key_id);
                }
                Ok(())
            })?;
            Ok(no_content(StatusCode::ACCEPTED))
        }
        _ => Err(unsupported(req)),
    }
}

// Usage plans.

fn check_plan(p: &UsagePlan) -> Result<()> {
    if p.name.trim().is_empty() {
        return Err(RestJsonError::bad_request(
            "Invalid usage plan name specified",
        ));
    }
    if let Some(q) = &p.quota {
        if !["DAY", "WEEK", "MONTH"].contains(&q.period.as_str()) {
            return Err(RestJsonError::bad_request(format!(
                "Invalid quota period specified: {}. Valid options are DAY,WEEK,MONTH",
                q.period
            )));
        }
        if q.limit < 0 {
            return Err(RestJsonError::bad_request(
                "Quota limit should be a non-negative integer",
            ));
        }
    }
    if let Some(t) = &p.throttle
        && (t.rate_limit < 0.0 || t.burst_limit < 0)
    {
        return Err(RestJsonError::bad_request(
            "Throttle limits should be non-negative",
        ));
    }
    Ok(())
}

/// An API stage of a plan must exist.
fn check_plan_stage(state: &ApiGatewayState, plan_id: &str, s: &PlanStage) -> Result<()> {
    let exists = state
        .apis
        .get(&s.api_id)
        .is_some_and(|a| a.stages.contains_key(&s.stage));
    if exists {
        Ok(())
    } else {
        Err(RestJsonError::not_found(format!(
            "Invalid API Stage {{api: {}, stage: {}}} specified for usageplan {plan_id}",
            s.api_id, s.stage
        )))
    }
}

fn create_usage_plan(cx: &Ctx<'_>, req: &Req) -> Result<Response> {
    let input: CreateUsagePlanIn = body(req)?;
    let out = write(cx, "", |state| {
        let p = UsagePlan {
            id: fresh_id(&state.usage_plans),
            name: input.name.clone().unwrap_or_default(),
            description: input.description.clone(),
            api_stages: input.api_stages.clone(),
            throttle: input.throttle.clone(),
            quota: input.quota.clone(),
            product_code: None,
            tags: input.tags.clone(),
            key_ids: Vec::new(),
        };
        check_plan(&p)?;
        for s in &p.api_stages {
            check_plan_stage(state, &p.id, s)?;
        }
        let out = render_usage_plan(&p, false);
        state.usage_plans.insert(p.id.clone(), p);
        Ok(out)
    })?;
    Ok(ok(StatusCode::CREATED, out))
}

fn usage_plans_call(cx: &Ctx<'_>, req: &Req) -> Result<Response> {
    match req.method {
        Verb::POST => create_usage_plan(cx, req),
        Verb::GET => {
            let state = lock(cx.state);
            let key = req.query_one("keyId");
            let items = state
                .usage_plans
                .values()
                .filter(|p| key.is_none_or(|k| p.key_ids.iter().any(|id| id == k)))
                .map(|p| render_usage_plan(p, false))
                .collect();
            Ok(ok(StatusCode::OK, page(items, req)))
        }
        _ => Err(unsupported(req)),
    }
}

fn number<T: std::str::FromStr>(op: &super::wire::PatchOp) -> Result<T> {
    op.value
        .as_deref()
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| {
            RestJsonError::bad_request(format!(
                "Invalid value '{}' for {}",
                op.value.as_deref().unwrap_or("null"),
                op.path
            ))
        })
}

/// Applies one patch operation to a plan.
fn quota(p: &mut UsagePlan) -> &mut Quota {
    p.quota.get_or_insert_with(|| Quota {
        limit: 0,
        offset: 0,
        period: "DAY".into(),
    })
}

fn patch_plan(state: &ApiGatewayState, p: &mut UsagePlan, op: &super::wire::PatchOp) -> Result<()> {
    match (op.op.as_str(), op.path.as_str()) {
        ("replace", "/name") => p.name = op.value.clone().unwrap_or_default(),
        ("replace", "/description") => p.description = patch::optional(op),
        ("replace", "/productCode") => p.product_code = patch::optional(op),
        ("add" | "remove", "/apiStages") => {
            let invalid = || RestJsonError::bad_request("Invalid API Stage specified");
            let v = op.value.as_deref().ok_or_else(invalid)?;
            let (api_id, stage) = v.split_once(':').ok_or_else(invalid)?;
            let s = PlanStage {
                api_id: api_id.to_owned(),
                stage: stage.to_owned(),
                throttle: BTreeMap::new(),
            };
            if op.op == "add" {
                check_plan_stage(state, &p.id, &s)?;
                if !p
                    .api_stages
                    .iter()
                    .any(|x| x.api_id == s.api_id && x.stage == s.stage)
                {
                    p.api_stages.push(s);
                }
            } else {
                p.api_stages
                    .retain(|x| !(x.api_id == s.api_id && x.stage == s.stage));
            }
        }
        ("replace", "/throttle/burstLimit") => {
            p.throttle.get_or_insert_with(Throttle::default).burst_limit = number(op)?;
        }
        ("replace", "/throttle/rateLimit") => {
            p.throttle.get_or_insert_with(Throttle::default).rate_limit = number(op)?;
        }
        ("remove", "/throttle") => p.throttle = None,
        ("replace", "/quota/limit") => quota(p).limit = number(op)?,
        ("replace", "/quota/offset") => quota(p).offset = number(op)?,
        ("replace", "/quota/period") => quota(p).period = op.value.clone().unwrap_or_default(),
        ("remove", "/quota") => p.quota = None,
        _ => return Err(patch::bad_path(op)),
    }
    Ok(())
}

fn usage_plan_call(cx: &Ctx<'_>, req: &Req, plan_id: &str) -> Result<Response> {
    match req.method {
        Verb::GET => {
            let state = lock(cx.state);
            let p = state.usage_plans.get(plan_id).ok_or_else(missing_plan)?;
            Ok(ok(StatusCode::OK, render_usage_plan(p, true)))
        }
        Verb::PATCH => {
            let input: PatchIn = body(req)?;
            patch::check_ops(&input.patch_operations, "updateUsagePlanInput")?;
            let out = write(cx, "", |state| {
                let mut p = state
                    .usage_plans
                    .get(plan_id)
                    .ok_or_else(missing_plan)?
                    .clone();
                for op in &input.patch_operations {
                    patch_plan(state, &mut p, op)?;
                }
                check_plan(&p)?;
                let out = render_usage_plan(&p, true);
                state.usage_plans.insert(plan_id.to_owned(), p);
                Ok(out)
            })?;
            Ok(ok(StatusCode::OK, out))
        }
        Verb::DELETE => {
            write(cx, "", |state| {
                state
                    .usage_plans
                    .remove(plan_id)
                    .map(|_| ())
                    .ok_or_else(missing_plan)
            })?;
            Ok(no_content(StatusCode::ACCEPTED))
        }
        _ => Err(unsupported(req)),
    }
}

// Usage plan keys.

fn plan_keys_call(cx: &Ctx<'_>, req: &Req, plan_id: &str) -> Result<Response> {
    match req.method {
        Verb::POST => {
            let input: CreateUsagePlanKeyIn = body(req)?;
            let kind = input.key_type.unwrap_or_default();
            if kind != "API_KEY" {
                return Err(RestJsonError::bad_request(format!(
                    "Invalid key type specified: {kind}"
                )));
            }
            let key_id = input.key_id.unwrap_or_default();
            let out = write(cx, "", |state| {
                let key = state.api_keys.get(&key_id).ok_or_else(missing_key)?.clone();
                let p = state
                    .usage_plans
                    .get_mut(plan_id)
                    .ok_or_else(missing_plan)?;
                if p.key_ids.contains(&key_id) {
                    return Err(RestJsonError::conflict(format!(
                        "Usage Plan {plan_id} already contains API Key {key_id}"
                    )));
                }
                p.key_ids.push(key_id.clone());
                Ok(render_plan_key(&key))
            })?;
            Ok(ok(StatusCode::CREATED, out))
        }
        Verb::GET => {
            let state = lock(cx.state);
            let name = req.query_one("name");
            // An unknown plan lists no keys, as AWS answers.
            let items = state
                .usage_plans
                .get(plan_id)
                .map(|p| p.key_ids.as_slice())
                .unwrap_or_default()
                .iter()
                .filter_map(|id| state.api_keys.get(id))
                .filter(|k| name.is_none_or(|q| k.name.as_deref().unwrap_or("").starts_with(q)))
                .map(render_plan_key)
                .collect();
            Ok(ok(StatusCode::OK, page(items, req)))
        }
        _ => Err(unsupported(req)),
    }
}

fn plan_key_call(cx: &Ctx<'_>, req: &Req, plan_id: &str, key_id: &str) -> Result<Response> {
    match req.method {
        Verb::GET => {
            let state = lock(cx.state);
            let p = state.usage_plans.get(plan_id).ok_or_else(missing_plan)?;
            let k = p
                .key_ids
                .iter()
                .find(|k| *k == key_id)
                .and_then(|k| state.api_keys.get(k))
                .ok_or_else(missing_key)?;
            Ok(ok(StatusCode::OK, render_plan_key(k)))
        }
        Verb::DELETE => {
            write(cx, "", |state| {
                let p = state
                    .usage_plans
                    .get_mut(plan_id)
                    .ok_or_else(missing_plan)?;
                if !p.key_ids.iter().any(|k| k == key_id) {
                    return Err(missing_key());
                }
                p.key_ids.retain(|k| k != key_id);
                Ok(())
            })?;
            Ok(no_content(StatusCode::ACCEPTED))
        }
        _ => Err(unsupported(req)),
    }
}

/// Serves the API key and usage plan routes; `None` when the path is not one of them.
pub(super) fn route(cx: &Ctx<'_>, req: &Req, seg: &[&str]) -> Option<Result<Response>> {
    Some(match seg {
        ["apikeys"] => api_keys_call(cx, req),
        ["apikeys", id] => api_key_call(cx, req, id),
        ["usageplans"] => usage_plans_call(cx, req),
        ["usageplans", id] => usage_plan_call(cx, req, id),
        ["usageplans", id, "keys"] => plan_keys_call(cx, req, id),
        ["usageplans", id, "keys", key] => plan_key_call(cx, req, id, key),
        ["usageplans", id, "usage"] if req.method == Verb::GET => get_usage(cx, req, id),
        ["usageplans", id, "keys", key, "usage"] if req.method == Verb::PATCH => {
            update_usage(cx, req, id, key)
        }
        _ => return None,
    })
}

/// Why stage traffic refuses a method that requires an API key, or `None` when the key passes:
/// the key must exist, be enabled, and belong to a usage plan that covers the API stage.
pub fn api_key_denied(
    state: &ApiGatewayState,
    api_id: &str,
    stage: &str,
    value: Option<&str>,
) -> Option<&'static str> {
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        return Some("no API key in the request");
    };
    let Some(key) = state.api_keys.values().find(|k| k.value == value) else {
        return Some("the API key does not exist");
    };
    if !key.enabled {
        return Some("the API key is disabled");
    }
    let covered = state.usage_plans.values().any(|p| {
        p.key_ids.contains(&key.id)
            && p.api_stages
                .iter()
                .any(|s| s.api_id == api_id && s.stage == stage)
    });
    (!covered).then_some("no usage plan with the API key covers this API stage")
}

/// The usage plan that admits `value` on the API stage, with the key's id.
pub fn plan_of_key<'a>(
    state: &'a ApiGatewayState,
    api_id: &str,
    stage: &str,
    value: &str,
) -> Option<(&'a UsagePlan, &'a ApiKey)> {
    let key = state.api_keys.values().find(|k| k.value == value)?;
    let plan = state.usage_plans.values().find(|p| {
        p.key_ids.contains(&key.id)
            && p.api_stages
                .iter()
                .any(|s| s.api_id == api_id && s.stage == stage)
    })?;
    Some((plan, key))
}

/// The start of the quota period `day` falls in: the day itself, its ISO week's Monday, or the first
/// of its month.
pub fn period_start(period: &str, day: NaiveDate) -> NaiveDate {
    match period {
        "WEEK" => day - chrono::Days::new(u64::from(day.weekday().num_days_from_monday())),
        "MONTH" => day.with_day(1).unwrap_or(day),
        _ => day,
    }
}

/// The counter of a plan's quota for a key in the period `day` falls in.
pub fn quota_counter(plan: &str, key: &str, quota: &Quota, day: NaiveDate) -> String {
    format!("{plan}/{key}/{}", period_start(&quota.period, day))
}

fn daily_counter(plan: &str, key: &str, day: NaiveDate) -> String {
    format!("{plan}/{key}/{day}")
}

/// Counts one admitted request of `key` under `plan` on `day`.
pub fn count_usage(state: &mut ApiGatewayState, plan: &str, key: &str, day: NaiveDate) {
    *state
        .usage_daily
        .entry(daily_counter(plan, key, day))
        .or_insert(0) += 1;
}

/// `[used, remaining]` of `key` under `plan` for each day from `start` to `end`: used that day, and
/// what the quota had left at the end of it (0 without a quota).
fn key_usage(
    state: &ApiGatewayState,
    plan: &UsagePlan,
    key: &str,
    start: NaiveDate,
    end: NaiveDate,
    today: NaiveDate,
) -> Vec<[i64; 2]> {
    let used = |d: NaiveDate| {
        state
            .usage_daily
            .get(&daily_counter(&plan.id, key, d))
            .copied()
            .unwrap_or(0)
    };
    start
        .iter_days()
        .take_while(|d| *d <= end)
        .map(|d| {
            let remaining = plan.quota.as_ref().map_or(0, |q| {
                let from = period_start(&q.period, d);
                let through: i64 = from.iter_days().take_while(|x| *x <= d).map(used).sum();
                // UpdateUsage moves the period's counter away from the sum of its days.
                let counted = if d > today {
                    0
                } else {
                    let whole: i64 = from.iter_days().take_while(|x| *x <= today).map(used).sum();
                    let counter = state
                        .quota_used
                        .get(&quota_counter(&plan.id, key, q, d))
                        .copied()
                        .unwrap_or(whole);
                    through + (counter - whole)
                };
                q.limit - counted
            });
            [used(d), remaining]
        })
        .collect()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UsageOut {
    usage_plan_id: String,
    start_date: String,
    end_date: String,
    values: BTreeMap<String, Vec<[i64; 2]>>,
}

fn date(req: &Req, name: &str) -> Result<NaiveDate> {
    req.query_one(name)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .ok_or_else(|| {
            RestJsonError::bad_request(format!(
                "Invalid {name} specified: a date of the form YYYY-MM-DD is required"
            ))
        })
}

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// GetUsage: `GET /usageplans/{id}/usage?startDate&endDate[&keyId]`.
fn get_usage(cx: &Ctx<'_>, req: &Req, plan_id: &str) -> Result<Response> {
    let (start, end) = (date(req, "startDate")?, date(req, "endDate")?);
    if end < start {
        return Err(RestJsonError::bad_request(
            "Invalid endDate specified: it is before startDate",
        ));
    }
    let state = lock(cx.state);
    let plan = state.usage_plans.get(plan_id).ok_or_else(missing_plan)?;
    let keys: Vec<&String> = match req.query_one("keyId") {
        Some(k) => vec![
            plan.key_ids
                .iter()
                .find(|id| *id == k)
                .ok_or_else(missing_key)?,
        ],
        None => plan.key_ids.iter().collect(),
    };
    let today = today();
    let values = keys
        .into_iter()
        .map(|k| (k.clone(), key_usage(&state, plan, k, start, end, today)))
        .collect();
    Ok(ok(
        StatusCode::OK,
        UsageOut {
            usage_plan_id: plan.id.clone(),
            start_date: start.to_string(),
            end_date: end.to_string(),
            values,
        },
    ))
}

/// UpdateUsage: `PATCH /usageplans/{id}/keys/{keyId}/usage` with `replace /remaining N`: the key's
/// quota has N requests left in the current period.
fn update_usage(cx: &Ctx<'_>, req: &Req, plan_id: &str, key_id: &str) -> Result<Response> {
    let input: PatchIn = body(req)?;
    patch::check_ops(&input.patch_operations, "updateUsageInput")?;
    let today = today();
    let out = {
        let mut state = lock(cx.state);
        let plan = state
            .usage_plans
            .get(plan_id)
            .ok_or_else(missing_plan)?
            .clone();
        if !plan.key_ids.iter().any(|k| k == key_id) {
            return Err(missing_key());
        }
        for op in &input.patch_operations {
            match (op.op.as_str(), op.path.as_str()) {
                ("replace", "/remaining") => {
                    let remaining: i64 = number(op)?;
                    let q = plan.quota.as_ref().ok_or_else(|| {
                        RestJsonError::bad_request(format!(
                            "Usage plan {plan_id} has no quota to set the remaining requests of"
                        ))
                    })?;
                    state.quota_used.insert(
                        quota_counter(plan_id, key_id, q, today),
                        q.limit - remaining,
                    );
                }
                ("replace", _) => return Err(patch::bad_op(op, &["/remaining"])),
                _ => return Err(patch::unsupported_op(op)),
            }
        }
        UsageOut {
            usage_plan_id: plan_id.to_owned(),
            start_date: today.to_string(),
            end_date: today.to_string(),
            values: BTreeMap::from([(
                key_id.to_owned(),
                key_usage(&state, &plan, key_id, today, today, today),
            )]),
        }
    };
    Ok(ok(StatusCode::OK, out))
}
