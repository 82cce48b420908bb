//! execute-api, API Gateway's data plane: a stage URL resolved against the stage's deployed snapshot
//! only, a Lambda proxy (v1) event, the Lambda permission check, and API Gateway's validation of the
//! function's answer.

pub mod event;
pub mod path;
pub mod response;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::apigateway::model::{ApiGatewayState, Integration, Snapshot};
use super::common::{ERROR_TYPE_HEADER, MessageBody, Req, lock, percent_decode};
use super::exec::{Executor, Invocation, Outcome};
use super::lambda::{function_code, parse_function_name, policy_allows, resolve};
use super::store::Store;
use crate::wire::{
    DEPLOYMENT_ID_HEADER, LAMBDA_REQUEST_ID_HEADER, LOCAL_ACCOUNT_ID, REQUEST_ID_HEADER,
};
pub use event::Client;
use event::{EventInput, proxy_event};
use path::match_path;
use response::parse_proxy_response;

fn message(status: StatusCode, error_type: &'static str, text: &str) -> Response {
    let mut r = (status, axum::Json(MessageBody { message: text })).into_response();
    r.headers_mut()
        .insert(ERROR_TYPE_HEADER, HeaderValue::from_static(error_type));
    r
}

/// 403 for any route or method the stage's deployment does not have.
fn missing_token() -> Response {
    message(
        StatusCode::FORBIDDEN,
        "MissingAuthenticationTokenException",
        "Missing Authentication Token",
    )
}

/// 500 and 502 share this body, space after the colon included, as API Gateway sends it.
fn internal(status: StatusCode) -> Response {
    let mut r = (status, r#"{"message": "Internal server error"}"#).into_response();
    let h = r.headers_mut();
    h.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(
        ERROR_TYPE_HEADER,
        HeaderValue::from_static("InternalServerErrorException"),
    );
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
    pub region: &'a str,
}

/// Serves a stage URL: `rest` is `/{stage}/{path...}` as sent.
pub async fn handle(cx: Ctx<'_>, api_id: &str, rest: &str, req: Req, client: Client) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let mut response = serve(cx, api_id, rest, &req, &client, &request_id).await;
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, v);
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

/// The request against the deployment `target` resolved to.
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
    let Some(route) = match_path(&target.snapshot, raw_path) else {
        return missing_token();
    };
    let verb = req.method.as_str();
    let Some(method) = route
        .resource
        .methods
        .get(verb)
        .or_else(|| route.resource.methods.get("ANY"))
    else {
        return missing_token();
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
    };
    match call_integration(cx, &input, method.integration.as_ref()).await {
        Integrated::Misconfigured(_) => internal(StatusCode::INTERNAL_SERVER_ERROR),
        Integrated::TimedOut => message(
            StatusCode::GATEWAY_TIMEOUT,
            "InternalServerErrorException",
            "Endpoint request timed out",
        ),
        Integrated::Invoked { invocation, .. } => {
            let mut response = match &invocation.outcome {
                Outcome::Response(body) => match parse_proxy_response(body) {
                    Some(p) => p.into_response(),
                    None => internal(StatusCode::BAD_GATEWAY),
                },
                Outcome::FunctionError(_) | Outcome::Timeout | Outcome::Crashed(_) => {
                    internal(StatusCode::BAD_GATEWAY)
                }
            };
            if let Ok(v) = HeaderValue::from_str(&invocation.request_id) {
                response.headers_mut().insert(LAMBDA_REQUEST_ID_HEADER, v);
            }
            response
        }
    }
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
    let Some(function_ref) = lambda_target(integration, input.variables) else {
        return Integrated::Misconfigured("Invalid integration URI specified");
    };
    // The execution ARN: the API's region, in its partition.
    let source_arn = crate::partition::arn(
        cx.region,
        "execute-api",
        LOCAL_ACCOUNT_ID,
        &format!(
            "{}/{}/{}{}",
            input.api_id,
            input.stage,
            input.req.method.as_str(),
            input.resource_path
        ),
    );
    // The function's region: the one its ARN names (arn:{partition}:lambda:{region}:...), else the
    // integration URI's (arn:{partition}:apigateway:{region}:lambda:path/...), else the API's.
    let region_after = |text: &str, marker: &str| {
        text.split_once(marker)
            .and_then(|(_, rest)| rest.split(':').next())
            .filter(|r| !r.is_empty())
            .map(ToOwned::to_owned)
    };
    let function_region = region_after(&function_ref, ":lambda:")
        .or_else(|| {
            integration
                .uri
                .as_deref()
                .and_then(|u| region_after(u, ":apigateway:"))
        })
        .unwrap_or_else(|| cx.region.to_owned());
    let (name, qualifier) = parse_function_name(&function_ref);
    let function = {
        let regional = cx.store.regional(&function_region);
        let state = lock(&regional.lambda);
        let Ok((f, cfg)) = resolve(&state, &function_region, &name, qualifier.as_deref()) else {
            return Integrated::Misconfigured("Lambda function not found");
        };
        if !policy_allows(&f.policy, "apigateway.amazonaws.com", &source_arn) {
            return Integrated::Misconfigured("Invalid permissions on Lambda function");
        }
        function_code(cfg, &function_region)
    };
    let event = proxy_event(input);
    let payload = bytes::Bytes::from(event.to_string());
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

/// The function an AWS_PROXY integration URI names, with `${stageVariables.x}` substituted:
/// `arn:{partition}:apigateway:{region}:lambda:path/2015-03-31/functions/{functionArn}/invocations`.
pub fn lambda_target(
    integration: &Integration,
    variables: &BTreeMap<String, String>,
) -> Option<String> {
    let uri = integration.uri.as_deref()?;
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
            request_parameters: BTreeMap::new(),
            request_templates: BTreeMap::new(),
            integration_responses: BTreeMap::new(),
        };
        let vars = BTreeMap::from([("fn".to_owned(), "hello".to_owned())]);
        assert_eq!(
            lambda_target(&i, &vars).as_deref(),
            Some("arn:aws:lambda:us-east-1:000000000000:function:hello")
        );
        assert_eq!(lambda_target(&i, &BTreeMap::new()), None);
        i.uri = Some("https://example.com".into());
        assert_eq!(lambda_target(&i, &vars), None);
    }
}
