//! execute-api: a stage URL resolved against the stage's deployed snapshot only, a Lambda proxy (v1)
//! event, the Lambda permission check, and API Gateway's validation of the function's answer.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Map, Value, json};

use super::apigateway::{Integration, Snapshot};
use super::error::ERROR_TYPE_HEADER;
use super::exec::Outcome;
use super::lambda::{function_code, parse_function_name, policy_allows, resolve};
use super::state::{ACCOUNT_ID, lock, random_id};
use super::{REQUEST_ID_HEADER, Req, Services};

/// The header carrying the Lambda request id of the invocation behind a stage response, so a caller
/// can find its START/REPORT lines.
pub const LAMBDA_REQUEST_ID_HEADER: &str = "x-lambdeck-lambda-request-id";

fn message(status: StatusCode, error_type: &'static str, text: &str) -> Response {
    let mut r = (status, axum::Json(json!({ "message": text }))).into_response();
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

/// Serves a stage URL: `rest` is `/{stage}/{path...}` as sent.
pub async fn handle(svc: &Services, api_id: &str, rest: &str, req: Req) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let mut response = serve(svc, api_id, rest, &req, &request_id).await;
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, v);
    }
    response
}

async fn serve(svc: &Services, api_id: &str, rest: &str, req: &Req, request_id: &str) -> Response {
    let rest = rest.trim_start_matches('/');
    let (stage, raw_path) = rest.split_once('/').unwrap_or((rest, ""));
    let stage = super::percent_decode(stage);
    let raw_path = format!("/{raw_path}");
    let target = {
        let state = lock(&svc.store.apis);
        let Some(api) = state.apis.get(api_id) else {
            return message(StatusCode::NOT_FOUND, "NotFoundException", "Not Found");
        };
        let Some(s) = api.stages.get(&stage) else {
            return message(StatusCode::FORBIDDEN, "ForbiddenException", "Forbidden");
        };
        let Some(d) = api.deployments.get(&s.deployment_id) else {
            return message(StatusCode::FORBIDDEN, "ForbiddenException", "Forbidden");
        };
        Target {
            snapshot: d.snapshot.clone(),
            deployment_id: d.id.clone(),
            variables: s.variables.clone(),
        }
    };
    let Some(route) = target.snapshot.match_path(&raw_path) else {
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
    let Some(integration) = &method.integration else {
        return internal(StatusCode::INTERNAL_SERVER_ERROR);
    };
    if integration.kind != "AWS_PROXY" {
        // Only Lambda proxy integrations run locally; anything else fails as a misconfigured one would.
        return internal(StatusCode::INTERNAL_SERVER_ERROR);
    }
    let Some(function_ref) = lambda_target(integration, &target.variables) else {
        return internal(StatusCode::INTERNAL_SERVER_ERROR);
    };
    // The API's region is the one its integration URI names (a client may use any region locally).
    let region = integration
        .uri
        .as_deref()
        .and_then(|u| u.strip_prefix("arn:aws:apigateway:"))
        .and_then(|u| u.split(':').next())
        .filter(|r| !r.is_empty())
        .unwrap_or(&svc.region);
    let source_arn = format!(
        "arn:aws:execute-api:{region}:{ACCOUNT_ID}:{api_id}/{stage}/{verb}{}",
        route.resource.path
    );
    let (name, qualifier) = parse_function_name(&function_ref);
    let function = {
        let state = lock(&svc.store.lambda);
        let Ok((f, cfg)) = resolve(&state, &svc.region, &name, qualifier.as_deref()) else {
            return internal(StatusCode::INTERNAL_SERVER_ERROR);
        };
        if !policy_allows(&f.policy, "apigateway.amazonaws.com", &source_arn) {
            return internal(StatusCode::INTERNAL_SERVER_ERROR);
        }
        function_code(cfg, region)
    };
    let event = proxy_event(&EventInput {
        req,
        api_id,
        stage: &stage,
        raw_path: &raw_path,
        resource_path: &route.resource.path,
        resource_id: &route.resource.id,
        path_parameters: &route.path_parameters,
        variables: &target.variables,
        deployment_id: &target.deployment_id,
        request_id,
    });
    let payload = bytes::Bytes::from(event.to_string());
    let limit = Duration::from_millis(integration.timeout_in_millis);
    let Ok(invocation) = tokio::time::timeout(limit, svc.executor.invoke(&function, payload)).await
    else {
        return message(
            StatusCode::GATEWAY_TIMEOUT,
            "InternalServerErrorException",
            "Endpoint request timed out",
        );
    };
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

/// The function an AWS_PROXY integration URI names, with `${stageVariables.x}` substituted:
/// `arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{functionArn}/invocations`.
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

/// Everything the proxy event is made of.
pub struct EventInput<'a> {
    pub req: &'a Req,
    pub api_id: &'a str,
    pub stage: &'a str,
    /// The request path without the stage, as sent (still percent-encoded).
    pub raw_path: &'a str,
    pub resource_path: &'a str,
    pub resource_id: &'a str,
    pub path_parameters: &'a BTreeMap<String, String>,
    pub variables: &'a BTreeMap<String, String>,
    pub deployment_id: &'a str,
    pub request_id: &'a str,
}

fn map_or_null<V: serde::Serialize>(m: &BTreeMap<String, V>) -> Value {
    if m.is_empty() { Value::Null } else { json!(m) }
}

/// The Lambda proxy integration input (payload format 1.0), absent parts as null.
pub fn proxy_event(input: &EventInput<'_>) -> Value {
    let req = input.req;
    let mut headers = Map::new();
    let mut multi_headers: Map<String, Value> = Map::new();
    for name in req.headers.keys() {
        let values: Vec<String> = req
            .headers
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect();
        if let Some(last) = values.last() {
            headers.insert(name.as_str().to_owned(), json!(last));
        }
        multi_headers.insert(name.as_str().to_owned(), json!(values));
    }
    let mut query: BTreeMap<String, String> = BTreeMap::new();
    let mut multi_query: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in &req.query {
        query.insert(k.clone(), v.clone());
        multi_query.entry(k.clone()).or_default().push(v.clone());
    }
    let host = req.header("host").unwrap_or("localhost").to_owned();
    let domain_prefix = if host.contains(".execute-api.") {
        host.split('.').next().unwrap_or(input.api_id).to_owned()
    } else {
        input.api_id.to_owned()
    };
    let path = super::percent_decode(input.raw_path);
    let now = chrono::Utc::now();
    let body = if req.body.is_empty() {
        Value::Null
    } else {
        json!(String::from_utf8_lossy(&req.body))
    };
    let user_agent = req.header("user-agent");
    json!({
        "resource": input.resource_path,
        "path": path,
        "httpMethod": req.method.as_str(),
        "headers": if headers.is_empty() { Value::Null } else { Value::Object(headers) },
        "multiValueHeaders": if multi_headers.is_empty() { Value::Null } else { Value::Object(multi_headers) },
        "queryStringParameters": map_or_null(&query),
        "multiValueQueryStringParameters": map_or_null(&multi_query),
        "pathParameters": map_or_null(input.path_parameters),
        "stageVariables": map_or_null(input.variables),
        "requestContext": {
            "resourceId": input.resource_id,
            "resourcePath": input.resource_path,
            "httpMethod": req.method.as_str(),
            "extendedRequestId": format!("{}=", random_id(15)),
            "requestTime": now.format("%d/%b/%Y:%H:%M:%S +0000").to_string(),
            "path": format!("/{}{}", input.stage, path),
            "accountId": ACCOUNT_ID,
            "protocol": "HTTP/1.1",
            "stage": input.stage,
            "domainPrefix": domain_prefix,
            "requestTimeEpoch": now.timestamp_millis(),
            "requestId": input.request_id,
            "identity": {
                "cognitoIdentityPoolId": null,
                "accountId": null,
                "cognitoIdentityId": null,
                "caller": null,
                "sourceIp": "127.0.0.1",
                "principalOrgId": null,
                "accessKey": null,
                "cognitoAuthenticationType": null,
                "cognitoAuthenticationProvider": null,
                "userArn": null,
                "userAgent": user_agent,
                "user": null
            },
            "domainName": host,
            "deploymentId": input.deployment_id,
            "apiId": input.api_id
        },
        "body": body,
        "isBase64Encoded": false
    })
}

/// A function's answer that passed API Gateway's validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl IntoResponse for ProxyResponse {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::OK);
        let mut r = (status, self.body).into_response();
        let h = r.headers_mut();
        h.remove(http::header::CONTENT_TYPE);
        let mut typed = false;
        for (k, v) in self.headers {
            let (Ok(name), Ok(value)) = (
                HeaderName::try_from(k.as_str()),
                HeaderValue::try_from(v.as_str()),
            ) else {
                continue;
            };
            typed |= name == http::header::CONTENT_TYPE;
            h.append(name, value);
        }
        if !typed {
            h.insert(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
        }
        r
    }
}

fn header_value(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Validates a Lambda proxy response as API Gateway does; `None` means 502. Allowed keys are
/// statusCode, headers, multiValueHeaders, body and isBase64Encoded; anything else, a non-object, `{}`
/// or a non-numeric statusCode is malformed.
pub fn parse_proxy_response(payload: &[u8]) -> Option<ProxyResponse> {
    let value: Value = serde_json::from_slice(payload).ok()?;
    let obj = value.as_object()?;
    if obj.is_empty() {
        return None;
    }
    const ALLOWED: [&str; 5] = [
        "statusCode",
        "headers",
        "multiValueHeaders",
        "body",
        "isBase64Encoded",
    ];
    if obj.keys().any(|k| !ALLOWED.contains(&k.as_str())) {
        return None;
    }
    let status = match obj.get("statusCode") {
        None | Some(Value::Null) => 200,
        Some(Value::Number(n)) => u16::try_from(n.as_u64()?).ok()?,
        Some(Value::String(s)) => s.trim().parse::<u16>().ok()?,
        Some(_) => return None,
    };
    if !(100..=599).contains(&status) {
        return None;
    }
    let solo: Vec<(String, String)> = match obj.get("headers") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(m)) => m
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| Some((k.clone(), header_value(v)?)))
            .collect::<Option<_>>()?,
        Some(_) => return None,
    };
    let multi: Vec<(String, Vec<String>)> = match obj.get("multiValueHeaders") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| {
                let values = v
                    .as_array()?
                    .iter()
                    .map(header_value)
                    .collect::<Option<Vec<_>>>()?;
                Some((k.clone(), values))
            })
            .collect::<Option<_>>()?,
        Some(_) => return None,
    };
    let mut headers = Vec::new();
    for (k, values) in &multi {
        match solo.iter().find(|(s, _)| s.eq_ignore_ascii_case(k)) {
            // Both set: the multi values first, then the single one, in one header.
            Some((_, v)) => {
                let mut all = values.clone();
                all.push(v.clone());
                headers.push((k.clone(), all.join(", ")));
            }
            None => headers.extend(values.iter().map(|v| (k.clone(), v.clone()))),
        }
    }
    for (k, v) in &solo {
        if !multi.iter().any(|(m, _)| m.eq_ignore_ascii_case(k)) {
            headers.push((k.clone(), v.clone()));
        }
    }
    let base64 = match obj.get("isBase64Encoded") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return None,
    };
    let body = match obj.get("body") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) if base64 => B64.decode(s).ok()?,
        Some(Value::String(s)) => s.clone().into_bytes(),
        Some(_) => return None,
    };
    Some(ProxyResponse {
        status,
        headers,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: Value) -> Option<ProxyResponse> {
        parse_proxy_response(v.to_string().as_bytes())
    }

    #[test]
    fn the_tutorial_answer_passes() {
        let p = parse(json!({"isBase64Encoded": false, "statusCode": 200, "headers": {}, "body": "\"Hello from Lambda!\""})).unwrap();
        assert_eq!(p.status, 200);
        assert_eq!(p.body, b"\"Hello from Lambda!\"");
    }

    #[test]
    fn malformed_answers_are_rejected() {
        assert!(parse(json!({})).is_none());
        assert!(parse(json!("just a string")).is_none());
        assert!(parse(json!({"statusCode": 200, "extra": 1})).is_none());
        assert!(parse(json!({"statusCode": "abc"})).is_none());
        assert!(parse(json!({"multiValueHeaders": {"a": "not-an-array"}})).is_none());
        assert!(parse_proxy_response(b"not json").is_none());
    }

    #[test]
    fn lenient_shapes_are_accepted_as_api_gateway_does() {
        assert_eq!(parse(json!({"statusCode": "201"})).unwrap().status, 201);
        let only_headers = parse(json!({"headers": {"x-a": "1"}})).unwrap();
        assert_eq!(only_headers.status, 200);
        assert!(only_headers.body.is_empty());
        let p = parse(json!({"statusCode": 200, "headers": {"x-flag": true}})).unwrap();
        assert_eq!(p.headers, vec![("x-flag".to_owned(), "true".to_owned())]);
        let p = parse(json!({"headers": {"x-v": "value-solo"}, "multiValueHeaders": {"x-v": ["value-multi"]}})).unwrap();
        assert_eq!(
            p.headers,
            vec![("x-v".to_owned(), "value-multi, value-solo".to_owned())]
        );
        let p = parse(json!({"body": "aGk=", "isBase64Encoded": true})).unwrap();
        assert_eq!(p.body, b"hi");
    }

    #[test]
    fn default_content_type_is_json() {
        let r = parse(json!({"statusCode": 200, "body": "{}"}))
            .unwrap()
            .into_response();
        assert_eq!(r.headers()[http::header::CONTENT_TYPE], "application/json");
        let r = parse(json!({"statusCode": 200, "headers": {"Content-Type": "text/plain"}}))
            .unwrap()
            .into_response();
        assert_eq!(r.headers()[http::header::CONTENT_TYPE], "text/plain");
    }

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

    #[test]
    fn the_event_has_the_v1_shape() {
        let req = Req {
            method: http::Method::GET,
            segments: vec![],
            raw_path: String::new(),
            query: vec![("a".into(), "1".into()), ("a".into(), "2".into())],
            headers: {
                let mut h = http::HeaderMap::new();
                h.insert(
                    "host",
                    HeaderValue::from_static("abc.execute-api.localhost:4566"),
                );
                h
            },
            body: bytes::Bytes::new(),
        };
        let params = BTreeMap::new();
        let vars = BTreeMap::new();
        let e = proxy_event(&EventInput {
            req: &req,
            api_id: "abc",
            stage: "tf-test",
            raw_path: "/hello_world",
            resource_path: "/hello_world",
            resource_id: "r1",
            path_parameters: &params,
            variables: &vars,
            deployment_id: "d1",
            request_id: "rid",
        });
        assert_eq!(e["path"], "/hello_world");
        assert_eq!(e["requestContext"]["path"], "/tf-test/hello_world");
        assert_eq!(e["requestContext"]["requestId"], "rid");
        assert_eq!(e["requestContext"]["domainPrefix"], "abc");
        assert_eq!(e["queryStringParameters"], json!({"a": "2"}));
        assert_eq!(
            e["multiValueQueryStringParameters"],
            json!({"a": ["1", "2"]})
        );
        assert_eq!(e["pathParameters"], Value::Null);
        assert_eq!(e["stageVariables"], Value::Null);
        assert_eq!(e["body"], Value::Null);
        let t = e["requestContext"]["requestTime"].as_str().unwrap();
        assert!(t.ends_with(" +0000") && t.len() == 26, "{t}");
    }
}
