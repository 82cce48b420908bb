//! execute-api, API Gateway's data plane: a stage URL resolved against the stage's deployed snapshot
//! only, a Lambda proxy (v1) event, the Lambda permission check, and API Gateway's validation of the
//! function's answer.

pub mod authorizer;
mod cognito;
pub mod event;
pub mod execution_log;
pub mod gateway;
pub mod http;
pub mod mock;
pub mod params;
pub mod path;
pub mod response;
mod validate;
pub mod vtl;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::apigateway::model::{
    ApiGatewayState, Bucket, Integration, Resource, Snapshot, Throttle,
};
use super::apigateway::usage::{api_key_denied, count_usage, plan_of_key, quota_counter};
use super::common::{ERROR_TYPE_HEADER, MessageBody, Req, lock, percent_decode};
use super::exec::{Executor, FunctionCode, Invocation, Outcome};
use super::lambda::{function_code, parse_function_name, policy_allows, resolve};
use super::store::Store;
use crate::wire::{DEPLOYMENT_ID_HEADER, LAMBDA_REQUEST_ID_HEADER, REQUEST_ID_HEADER};
pub use event::Client;
use event::{EventInput, proxy_event};
use gateway::GatewayError;
use path::match_path;
use response::{Refusal, parse_proxy_response_for};

fn message(status: StatusCode, error_type: &'static str, text: &str) -> Response {
    let mut r = (status, axum::Json(MessageBody { message: text })).into_response();
    r.headers_mut()
        .insert(ERROR_TYPE_HEADER, HeaderValue::from_static(error_type));
    r
}

/// What a stage request resolved to, taken out of the store so no lock is held while it runs.
struct Target {
    snapshot: Arc<Snapshot>,
    deployment_id: String,
    variables: BTreeMap<String, String>,
}

/// What stage traffic reads: the deployed APIs, the functions they integrate with, and the execution
/// engine that runs them.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub apis: &'a Mutex<ApiGatewayState>,
    /// Every region's state: an integration may name a function of another region.
    pub store: &'a Store,
    pub executor: &'a Executor,
    pub authorizer_cache: &'a authorizer::Cache,
    /// The client HTTP and HTTP_PROXY integrations send their requests with.
    pub http: &'a reqwest::Client,
    pub region: &'a str,
}

/// Serves a stage URL: `rest` is `/{stage}/{path...}` as sent.
pub async fn handle(
    cx: Ctx<'_>,
    api_id: &str,
    rest: &str,
    req: Req,
    mut client: Client,
) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    // Only an edge-optimized API has CloudFront in front of it.
    let edge_optimized = lock(cx.apis)
        .apis
        .get(api_id)
        .is_none_or(|a| a.endpoint_types.iter().any(|t| t == "EDGE"));
    if let Some(edge) = client.edge.as_mut() {
        edge.cloudfront = edge_optimized;
    }
    let mut response = serve(cx, api_id, rest, &req, &client, &request_id).await;
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, v);
    }
    if let Some(edge) = &client.edge {
        // The trace id the function saw: the client's own, else the one API Gateway added.
        let trace = req.header("x-amzn-trace-id").unwrap_or(&edge.trace_id);
        let status = response.status();
        let cache = if status.is_client_error() || status.is_server_error() {
            "Error from cloudfront"
        } else {
            "Miss from cloudfront"
        };
        // Without CloudFront, API Gateway's own errors and an HTTP_PROXY backend's answer carry no
        // trace id (AWS's recorded regional exchanges).
        let untraced = !edge.cloudfront
            && (response.headers().contains_key(ERROR_TYPE_HEADER)
                || response.extensions().get::<http::Proxied>().is_some());
        let h = response.headers_mut();
        let cloudfront = [
            ("via", edge.via.as_str()),
            ("x-amz-cf-id", edge.cf_id.as_str()),
            ("x-amz-cf-pop", event::EDGE_POP),
            ("x-cache", cache),
        ];
        let own = [
            ("x-amz-apigw-id", edge.extended_request_id.as_str()),
            ("x-amzn-trace-id", trace),
        ];
        let count = if edge.cloudfront { cloudfront.len() } else { 0 };
        let own = if untraced { &own[..1] } else { &own[..] };
        for (name, value) in cloudfront
            .into_iter()
            .take(count)
            .chain(own.iter().copied())
        {
            if let Ok(v) = HeaderValue::from_str(value) {
                h.insert(name, v);
            }
        }
    }
    response
}

async fn serve(
    cx: Ctx<'_>,
    api_id: &str,
    rest: &str,
    req: &Req,
    client: &Client,
    request_id: &str,
) -> Response {
    let rest = rest.trim_start_matches('/');
    let (stage, raw_path) = rest.split_once('/').unwrap_or((rest, ""));
    let stage = percent_decode(stage);
    let raw_path = format!("/{raw_path}");
    let target = {
        let state = lock(cx.apis);
        let Some(api) = state.apis.get(api_id) else {
            return message(StatusCode::NOT_FOUND, "NotFoundException", "Not Found");
        };
        let Some(s) = api.stages.get(&stage) else {
            return message(StatusCode::FORBIDDEN, "ForbiddenException", "Forbidden");
        };
        // A canary release takes percentTraffic of the requests, with its stage variable overrides.
        let canary = s.canary.as_ref().filter(|c| {
            c.percent_traffic > 0.0 && rand::random::<f64>() * 100.0 < c.percent_traffic
        });
        let (deployment_id, variables) = match canary {
            Some(c) => {
                let mut v = s.variables.clone();
                v.extend(c.stage_variable_overrides.clone());
                (&c.deployment_id, v)
            }
            None => (&s.deployment_id, s.variables.clone()),
        };
        let Some(d) = api.deployments.get(deployment_id) else {
            return message(StatusCode::FORBIDDEN, "ForbiddenException", "Forbidden");
        };
        Target {
            snapshot: d.snapshot.clone(),
            deployment_id: d.id.clone(),
            variables,
        }
    };
    let mut response = routed(
        cx, api_id, &stage, &raw_path, req, client, request_id, &target,
    )
    .await;
    // Which deployment served it (the stage's or its canary's): AWS keeps that to its execution log.
    if let Ok(v) = HeaderValue::from_str(&target.deployment_id) {
        response.headers_mut().insert(DEPLOYMENT_ID_HEADER, v);
    }
    response
}

/// The request against the deployment `target` resolved to; API Gateway's own errors rendered with
/// the deployment's gateway responses.
#[allow(clippy::too_many_arguments)]
async fn routed(
    cx: Ctx<'_>,
    api_id: &str,
    stage: &str,
    raw_path: &str,
    req: &Req,
    client: &Client,
    request_id: &str,
    target: &Target,
) -> Response {
    let route = match_path(&target.snapshot, raw_path);
    let empty = BTreeMap::new();
    let context = BTreeMap::from([
        ("requestId", request_id.to_owned()),
        ("stage", stage.to_owned()),
        ("apiId", api_id.to_owned()),
        ("httpMethod", req.method.as_str().to_owned()),
        ("path", format!("/{stage}{raw_path}")),
        (
            "resourcePath",
            route
                .as_ref()
                .map(|r| r.resource.path.clone())
                .unwrap_or_default(),
        ),
    ]);
    let scope = gateway::Scope {
        req: Some(req),
        path_parameters: Some(route.as_ref().map_or(&empty, |r| &r.path_parameters)),
        variables: &target.variables,
        context: &context,
    };
    let Some(route) = &route else {
        return gateway::render(
            &GatewayError::missing_token(),
            Some(&target.snapshot),
            &scope,
        );
    };
    let input = EventInput {
        req,
        client,
        api_id,
        stage,
        raw_path,
        resource_path: &route.resource.path,
        resource_id: &route.resource.id,
        path_parameters: &route.path_parameters,
        variables: &target.variables,
        deployment_id: &target.deployment_id,
        request_id,
        authorizer: None,
        api_key: None,
        binary_media_types: &target.snapshot.settings.binary_media_types,
        log: None,
    };
    let mut lambda_request_id = None;
    let mut response = match pipeline(
        cx,
        &input,
        route.resource,
        &target.snapshot,
        &mut lambda_request_id,
    )
    .await
    {
        Ok(r) => r,
        Err(e) => gateway::render(&e, Some(&target.snapshot), &scope),
    };
    if let Some(v) = lambda_request_id.and_then(|id| HeaderValue::from_str(&id).ok()) {
        response.headers_mut().insert(LAMBDA_REQUEST_ID_HEADER, v);
    }
    response
}

/// Does the request carry a SigV4 signature (an `Authorization: AWS4-HMAC-SHA256 Credential=...,
/// Signature=...` header, or a presigned URL's `X-Amz-Signature`)? The signature itself is not
/// verified: the local stack keeps no secret keys to verify it with.
fn sigv4_signed(req: &crate::local::common::request::Req) -> bool {
    let header = req.header("authorization").is_some_and(|a| {
        a.starts_with("AWS4-HMAC-SHA256 ") && a.contains("Credential=") && a.contains("Signature=")
    });
    header || req.query_one("X-Amz-Signature").is_some()
}

/// A method's request through what the deployment froze: authorization, API key and usage plan,
/// request validation, then the integration.
async fn pipeline(
    cx: Ctx<'_>,
    input: &EventInput<'_>,
    resource: &Resource,
    snapshot: &Snapshot,
    lambda_request_id: &mut Option<String>,
) -> Result<Response, GatewayError> {
    let verb = input.req.method.as_str();
    let method = resource
        .methods
        .get(verb)
        .or_else(|| resource.methods.get("ANY"))
        .ok_or_else(GatewayError::missing_token)?;
    check_stage_throttle(cx, input)?;
    let grant = match method.authorization_type.as_str() {
        "CUSTOM" => {
            let a = method
                .authorizer_id
                .as_deref()
                .and_then(|id| snapshot.authorizers.get(id))
                .ok_or_else(GatewayError::authorizer_configuration)?;
            if a.kind == "COGNITO_USER_POOLS" {
                Some(cognito::authorize(
                    a,
                    &method.authorization_scopes,
                    input.req,
                )?)
            } else {
                Some(authorizer::authorize(cx, cx.authorizer_cache, a, input).await?)
            }
        }
        "COGNITO_USER_POOLS" => {
            let a = method
                .authorizer_id
                .as_deref()
                .and_then(|id| snapshot.authorizers.get(id))
                .ok_or_else(GatewayError::authorizer_configuration)?;
            Some(cognito::authorize(
                a,
                &method.authorization_scopes,
                input.req,
            )?)
        }
        "AWS_IAM" if !sigv4_signed(input.req) => return Err(GatewayError::missing_token()),
        _ => None,
    };
    let key = if method.api_key_required {
        let value = if snapshot.settings.api_key_source == "AUTHORIZER" {
            grant.as_ref().and_then(|g| g.usage_identifier_key.clone())
        } else {
            input.req.header("x-api-key").map(ToOwned::to_owned)
        };
        Some(check_api_key(cx, input, value.as_deref())?)
    } else {
        None
    };
    let input = EventInput {
        authorizer: grant.as_ref().map(|g| &g.context),
        api_key: key.as_ref().map(|(id, v)| (id.as_str(), v.as_str())),
        ..*input
    };
    validate::check(method, snapshot, &input)?;
    if let Some(i) = &method.integration {
        match i.kind.as_str() {
            "MOCK" => return mock::answer(i, &input),
            "HTTP" | "HTTP_PROXY" => return http::answer(cx, &input, i).await,
            "AWS" => return lambda_custom(cx, &input, i, lambda_request_id).await,
            _ => refused_mappings(i, &input)?,
        }
    }
    match call_integration(cx, &input, method.integration.as_ref()).await {
        Integrated::Misconfigured(LAMBDA_THROTTLED) => Err(GatewayError::lambda_throttled()),
        Integrated::Misconfigured(_) => Err(GatewayError::configuration()),
        Integrated::TimedOut => Err(GatewayError::timeout()),
        Integrated::Invoked { invocation, .. } => {
            *lambda_request_id = Some(invocation.request_id.clone());
            match &invocation.outcome {
                Outcome::Response(body) => {
                    match parse_proxy_response_for(body, input.binary_accepted()) {
                        Ok(answer) => Ok(answer.into_response()),
                        Err(Refusal::Malformed) => Err(GatewayError::integration_failure()),
                        Err(Refusal::BadBase64) => Err(GatewayError::configuration()),
                    }
                }
                Outcome::FunctionError(_) | Outcome::Timeout | Outcome::Crashed(_) => {
                    Err(GatewayError::integration_failure())
                }
            }
        }
    }
}

/// A non-proxy (`AWS`) integration calling a Lambda function: the request template's output is the
/// payload; the function's answer, or its error document selected by its `errorMessage`, goes through
/// the integration response.
pub async fn lambda_custom(
    cx: Ctx<'_>,
    input: &EventInput<'_>,
    integration: &Integration,
    lambda_request_id: &mut Option<String>,
) -> Result<Response, GatewayError> {
    let context = mock::template_context(input);
    refused_mappings(integration, input)?;
    let mapped = mock::integration_request(integration, input, &context)?;
    // Lambda takes a JSON document: an empty body is sent as an empty object.
    let payload = if mapped.body.trim().is_empty() {
        "{}".to_owned()
    } else {
        mapped.body
    };
    let carried = mapped.overrides;
    let payload = Payload::Mapped(bytes::Bytes::from(payload));
    match invoke_integration(cx, input, integration, payload).await {
        Integrated::Misconfigured(why) => {
            input.log(|| format!("Execution failed due to configuration error: {why}"));
            tracing::warn!(target: "lambdeck::local", "{} {} {}: 500, {why}", input.api_id, input.stage, input.resource_path);
            if why == LAMBDA_THROTTLED {
                return Err(GatewayError::lambda_throttled());
            }
            Err(GatewayError::configuration())
        }
        Integrated::TimedOut => {
            input.log(|| "Execution failed due to a timeout error".to_owned());
            Err(GatewayError::timeout())
        }
        Integrated::Invoked {
            invocation,
            function_arn,
            event,
            latency,
        } => {
            *lambda_request_id = Some(invocation.request_id.clone());
            log_lambda_call(cx, input, &function_arn, &event, &invocation, latency);
            match &invocation.outcome {
                Outcome::Response(body) => mock::integration_response(
                    integration,
                    input,
                    &context,
                    None,
                    params::Backend {
                        headers: &[],
                        body: &String::from_utf8_lossy(body),
                    },
                    &carried,
                ),
                Outcome::FunctionError(body) => {
                    let message = serde_json::from_slice::<serde_json::Value>(body)
                        .ok()
                        .and_then(|v| v["errorMessage"].as_str().map(ToOwned::to_owned))
                        .unwrap_or_default();
                    mock::integration_response(
                        integration,
                        input,
                        &context,
                        Some(&message),
                        params::Backend {
                            headers: &[],
                            body: &String::from_utf8_lossy(body),
                        },
                        &carried,
                    )
                }
                Outcome::Timeout | Outcome::Crashed(_) => Err(GatewayError::integration_failure()),
            }
        }
    }
}

/// The execution log's lines for a call of a Lambda function: the endpoint request and what the
/// function answered.
pub fn log_lambda_call(
    cx: Ctx<'_>,
    input: &EventInput<'_>,
    function_arn: &str,
    payload: &serde_json::Value,
    invocation: &Invocation,
    latency: Duration,
) {
    if input.log.is_none() {
        return;
    }
    let uri = format!(
        "https://lambda.{}.{}/2015-03-31/functions/{function_arn}/invocations",
        cx.region,
        crate::partition::of_region(cx.region).dns_suffix
    );
    input.log(|| format!("Endpoint request URI: {uri}"));
    input.log(|| format!("Endpoint request body after transformations: {payload}"));
    input.log(|| format!("Sending request to {uri}"));
    let (status, body) = match &invocation.outcome {
        Outcome::Response(b) | Outcome::FunctionError(b) => {
            (200, String::from_utf8_lossy(b).into_owned())
        }
        Outcome::Timeout => (200, String::new()),
        Outcome::Crashed(why) => (500, why.clone()),
    };
    input.log(|| {
        format!(
            "Received response. Status: {status}, Integration latency: {} ms",
            latency.as_millis()
        )
    });
    input.log(|| {
        format!(
            "Endpoint response headers: {{x-amz-request-id={}}}",
            invocation.request_id
        )
    });
    input.log(|| format!("Endpoint response body before transformations: {body}"));
}

/// A Lambda integration whose `requestParameters` map a header API Gateway refuses to send Lambda
/// (`Content-Length`, `Authorization`, ...) fails the request with 500, as on AWS.
fn refused_mappings(integration: &Integration, input: &EventInput<'_>) -> Result<(), GatewayError> {
    match params::refused_mapping(integration) {
        Ok(()) => Ok(()),
        Err(why) => {
            input.log(|| format!("Execution failed due to configuration error: {why}"));
            tracing::warn!(target: "lambdeck::local", "{} {} {}: 500, Execution failed due to configuration error: {why}", input.api_id, input.stage, input.resource_path);
            Err(GatewayError::configuration())
        }
    }
}

/// Takes one token from a bucket that holds up to `throttle.burst_limit` tokens (at least one) and
/// refills at `throttle.rate_limit` a second; false when none is left.
fn take_token(
    buckets: &mut BTreeMap<String, Bucket>,
    key: String,
    throttle: &Throttle,
    now: Instant,
) -> bool {
    let capacity = (throttle.burst_limit as f64).max(1.0);
    let b = buckets.entry(key).or_insert(Bucket {
        tokens: capacity,
        at: now,
    });
    let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
    b.tokens = (b.tokens + elapsed * throttle.rate_limit.max(0.0)).min(capacity);
    b.at = now;
    if b.tokens >= 1.0 {
        b.tokens -= 1.0;
        true
    } else {
        false
    }
}

/// The stage's own throttle for the method: its `{resourcePath}/{VERB}` method setting, else its
/// `*/*` one, one bucket per setting for all callers (none without method settings).
fn check_stage_throttle(cx: Ctx<'_>, input: &EventInput<'_>) -> Result<(), GatewayError> {
    let mut state = lock(cx.apis);
    let verb = input.req.method.as_str();
    let path = input.resource_path.trim_start_matches('/');
    let setting = state
        .apis
        .get(input.api_id)
        .and_then(|a| a.stages.get(input.stage))
        .and_then(|s| {
            [
                format!("{path}/{verb}"),
                format!("{path}/ANY"),
                "*/*".to_owned(),
            ]
            .into_iter()
            .find_map(|k| s.method_settings.get(&k).map(|m| (k, m.clone())))
        });
    let Some((key, m)) = setting else {
        return Ok(());
    };
    let throttle = Throttle {
        burst_limit: m.throttling_burst_limit,
        rate_limit: m.throttling_rate_limit,
    };
    let bucket = format!("stage/{}/{}/{key}", input.api_id, input.stage);
    if take_token(&mut state.buckets, bucket, &throttle, Instant::now()) {
        Ok(())
    } else {
        Err(GatewayError::throttled())
    }
}

/// The API key check of a method with apiKeyRequired, then its usage plan's throttle (the method's
/// own throttle in the plan, else the plan's) and quota: the key's (id, value), or 403 Forbidden,
/// 429 Too Many Requests, 429 Limit Exceeded.
fn check_api_key(
    cx: Ctx<'_>,
    input: &EventInput<'_>,
    value: Option<&str>,
) -> Result<(String, String), GatewayError> {
    let mut state = lock(cx.apis);
    if let Some(why) = api_key_denied(&state, input.api_id, input.stage, value) {
        tracing::debug!(target: "lambdeck::local", "{} {}: 403, {why}", input.api_id, input.stage);
        return Err(GatewayError::invalid_api_key());
    }
    let value = value.unwrap_or_default();
    let Some((plan, key)) = plan_of_key(&state, input.api_id, input.stage, value) else {
        let id = state
            .api_keys
            .values()
            .find(|k| k.value == value)
            .map(|k| k.id.clone())
            .unwrap_or_default();
        return Ok((id, value.to_owned()));
    };
    let (plan_id, key_id, quota) = (plan.id.clone(), key.id.clone(), plan.quota.clone());
    let verb = input.req.method.as_str();
    let method_throttle = plan
        .api_stages
        .iter()
        .filter(|s| s.api_id == input.api_id && s.stage == input.stage)
        .find_map(|s| {
            [verb, "ANY", "*"]
                .iter()
                .find_map(|v| s.throttle.get(&format!("{}/{v}", input.resource_path)))
        })
        .cloned();
    let throttle = match method_throttle {
        Some(t) => Some((
            format!(
                "{plan_id}/{key_id}/{}/{}{}/{verb}",
                input.api_id, input.stage, input.resource_path
            ),
            t,
        )),
        None => plan
            .throttle
            .clone()
            .map(|t| (format!("{plan_id}/{key_id}"), t)),
    };
    if let Some((bucket, t)) = throttle
        && !take_token(&mut state.buckets, bucket, &t, Instant::now())
    {
        return Err(GatewayError::throttled());
    }
    let today = chrono::Utc::now().date_naive();
    if let Some(q) = &quota {
        let used = state
            .quota_used
            .entry(quota_counter(&plan_id, &key_id, q, today))
            .or_insert(0);
        if *used >= q.limit {
            return Err(GatewayError::quota_exceeded());
        }
        *used += 1;
    }
    count_usage(&mut state, &plan_id, &key_id, today);
    Ok((key_id, value.to_owned()))
}

/// How a method's integration call ended, for the stage and for TestInvokeMethod alike.
pub enum Integrated {
    /// No integration, not a Lambda proxy, a function that cannot be found or a resource policy that
    /// does not let API Gateway call it: API Gateway answers 500. The reason is for the execution log.
    Misconfigured(&'static str),
    /// The integration's timeout passed first: 504.
    TimedOut,
    /// The function ran.
    Invoked {
        /// The function's ARN (what the endpoint URI names).
        function_arn: String,
        /// The proxy event sent.
        event: serde_json::Value,
        invocation: Invocation,
        /// How long the function call took.
        latency: Duration,
    },
}

/// Calls a method's integration as API Gateway does for a request (only Lambda proxy integrations run
/// locally), checking the function's resource policy against the request's execute-api ARN.
pub async fn call_integration(
    cx: Ctx<'_>,
    input: &EventInput<'_>,
    integration: Option<&Integration>,
) -> Integrated {
    let Some(integration) = integration else {
        return Integrated::Misconfigured("No integration defined for method");
    };
    if integration.kind != "AWS_PROXY" {
        // Only Lambda proxy integrations run locally; anything else fails as a misconfigured one would.
        return Integrated::Misconfigured(
            "only Lambda proxy (AWS_PROXY) integrations run on the local stack",
        );
    }
    invoke_integration(cx, input, integration, Payload::ProxyEvent).await
}

/// What a Lambda integration sends the function.
enum Payload {
    /// The request's proxy event (`AWS_PROXY`).
    ProxyEvent,
    /// A request template's output, or the body passed through (`AWS`).
    Mapped(bytes::Bytes),
}

/// Calls the Lambda function a Lambda integration names with `payload`, checking the function's
/// resource policy against the request's execute-api ARN.
async fn invoke_integration(
    cx: Ctx<'_>,
    input: &EventInput<'_>,
    integration: &Integration,
    payload: Payload,
) -> Integrated {
    // Lambda is invoked with POST: an integration with another method fails as on AWS (500).
    if integration
        .http_method
        .as_deref()
        .is_some_and(|m| m != "POST")
    {
        return Integrated::Misconfigured("Lambda integrations must use the POST method");
    }
    let Some(function_ref) = integration
        .uri
        .as_deref()
        .and_then(|uri| lambda_target(uri, input.variables))
    else {
        return Integrated::Misconfigured("Invalid integration URI specified");
    };
    let region = uri_region(integration.uri.as_deref(), cx.region);
    // The execution ARN: the API's region, in its partition.
    let source_arn = crate::partition::arn(
        cx.region,
        "execute-api",
        crate::local::account_id(),
        &format!(
            "{}/{}/{}{}",
            input.api_id,
            input.stage,
            input.req.method.as_str(),
            input.resource_path
        ),
    );
    // An integration with credentials invokes the function with that role: no resource policy needed.
    let with_role = integration.credentials.is_some();
    let function = match function_for(cx, &function_ref, &source_arn, with_role, region) {
        Ok(f) => f,
        Err(why) => return Integrated::Misconfigured(why),
    };
    let (event, payload) = match payload {
        Payload::ProxyEvent => {
            let event = proxy_event(input);
            // Serialized straight into bytes (the same text `Display` writes, without its
            // formatter in between).
            let payload = bytes::Bytes::from(serde_json::to_vec(&event).unwrap_or_default());
            (event, payload)
        }
        Payload::Mapped(payload) => (
            serde_json::from_slice(&payload).unwrap_or(serde_json::Value::Null),
            payload,
        ),
    };
    let limit = Duration::from_millis(integration.timeout_in_millis);
    let started = std::time::Instant::now();
    let Ok(invocation) = tokio::time::timeout(limit, cx.executor.invoke(&function, payload)).await
    else {
        return Integrated::TimedOut;
    };
    Integrated::Invoked {
        function_arn: function.arn.clone(),
        event,
        invocation,
        latency: started.elapsed(),
    }
}

/// Why a Lambda integration failed when Lambda throttled the call (as API Gateway's execution log
/// words it).
pub const LAMBDA_THROTTLED: &str = "Rate Exceeded.";

/// The function to run (in `region`, the one its URI names) for `function_ref`, if it exists and
/// (unless `skip_policy`: a role was given) its resource policy lets API Gateway call it from
/// `source_arn`.
pub fn function_for(
    cx: Ctx<'_>,
    function_ref: &str,
    source_arn: &str,
    skip_policy: bool,
    region: &str,
) -> Result<FunctionCode, &'static str> {
    // The function's region: the one its ARN names (arn:{partition}:lambda:{region}:...), else the
    // integration URI's (`region`).
    let region = function_ref
        .strip_prefix("arn:")
        .and_then(|arn| arn.split_once(":lambda:"))
        .and_then(|(_, rest)| rest.split(':').next())
        .filter(|r| !r.is_empty())
        .unwrap_or(region);
    let (name, qualifier) = parse_function_name(function_ref);
    let regional = cx.store.regional(region);
    let state = lock(&regional.lambda);
    // An alias with a routing config sends its weighted share of calls to the additional version, as
    // Invoke does.
    let routed = qualifier
        .as_deref()
        .and_then(|q| state.functions.get(&name)?.aliases.get(q))
        .map(|a| a.routed_version(rand::random::<f64>()).to_owned());
    let Ok((f, cfg)) = resolve(
        &state,
        region,
        &name,
        routed.as_deref().or(qualifier.as_deref()),
    ) else {
        return Err("Lambda function not found");
    };
    if !skip_policy && !policy_allows(&f.policy, "apigateway.amazonaws.com", source_arn) {
        return Err("Invalid permissions on Lambda function");
    }
    // Lambda refuses to invoke a function still being created (API Gateway answers 500); during an
    // update the previous configuration runs.
    let cfg = cfg
        .runnable()
        .map_err(|_| "Lambda function is not active yet")?;
    // Lambda throttles every call of a function reserved at 0 (429); API Gateway answers 500.
    if f.reserved_concurrency == Some(0) {
        return Err(LAMBDA_THROTTLED);
    }
    Ok(function_code(cfg, region))
}

/// The API's region is the one its integration (or authorizer) URI names (a client may use any
/// region locally): `arn:{partition}:apigateway:{region}:lambda:path/...`.
pub fn uri_region<'a>(uri: Option<&'a str>, default: &'a str) -> &'a str {
    uri.and_then(|u| u.split_once(":apigateway:"))
        .and_then(|(_, u)| u.split(':').next())
        .filter(|r| !r.is_empty())
        .unwrap_or(default)
}

/// The function a Lambda integration or authorizer URI names, with `${stageVariables.x}` substituted:
/// `arn:{partition}:apigateway:{region}:lambda:path/2015-03-31/functions/{functionArn}/invocations`.
pub fn lambda_target(uri: &str, variables: &BTreeMap<String, String>) -> Option<String> {
    let (_, rest) = uri.split_once(":lambda:path/2015-03-31/functions/")?;
    let arn = rest.strip_suffix("/invocations")?;
    let mut out = arn.to_owned();
    for (k, v) in variables {
        out = out.replace(&format!("${{stageVariables.{k}}}"), v);
    }
    (!out.contains("${")).then_some(out)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn integration_uri_names_the_function_with_stage_variables() {
        let mut i = Integration {
            kind: "AWS_PROXY".into(),
            http_method: Some("POST".into()),
            uri: Some("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:${stageVariables.fn}/invocations".into()),
            passthrough_behavior: "WHEN_NO_MATCH".into(),
            timeout_in_millis: 29000,
            cache_namespace: "x".into(),
            cache_key_parameters: vec![],
            content_handling: None,
            credentials: None,
            connection_type: None,
            connection_id: None,
            tls_config: None,
            request_parameters: BTreeMap::new(),
            request_templates: BTreeMap::new(),
            integration_responses: BTreeMap::new(),
        };
        let vars = BTreeMap::from([("fn".to_owned(), "hello".to_owned())]);
        let uri = i.uri.clone().unwrap();
        assert_eq!(
            lambda_target(&uri, &vars).as_deref(),
            Some("arn:aws:lambda:us-east-1:000000000000:function:hello")
        );
        assert_eq!(lambda_target(&uri, &BTreeMap::new()), None);
        i.uri = Some("https://example.com".into());
        assert_eq!(lambda_target(i.uri.as_deref().unwrap(), &vars), None);
    }
}
