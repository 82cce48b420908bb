//! TestInvokeMethod (`POST /restapis/{id}/resources/{rid}/methods/{verb}`): one request run through a
//! method of the working API, not a deployed one, answered as API Gateway's console Test tab shows it:
//! status, body, headers, multiValueHeaders, the execution log and the latency.

use std::collections::BTreeMap;
use std::time::Instant;

use axum::http::{HeaderMap, HeaderName, HeaderValue, Method as Verb, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::model::{Integration, Method, Resource, Snapshot};
use crate::local::common::{Req, RestJsonError, lock};
use crate::local::exec::Outcome;
use crate::local::execute_api::event::{Client, EventInput};
use crate::local::execute_api::execution_log::{ExecutionLog, java_map};
use crate::local::execute_api::gateway::GatewayError;
use crate::local::execute_api::path::match_path;
use crate::local::execute_api::response::parse_proxy_response;
use crate::local::execute_api::{
    Ctx, Integrated, call_integration, http, lambda_custom, log_lambda_call, mock,
};

/// The stage and deployment a test invocation's event names, as API Gateway's are.
const TEST_STAGE: &str = "test-invoke-stage";
const TEST_DEPLOYMENT: &str = "test-invoke-deployment-id";

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TestInvokeIn {
    path_with_query_string: Option<String>,
    body: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    multi_value_headers: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    stage_variables: BTreeMap<String, String>,
}

/// Answers a TestInvokeMethod call; `None` when the request is not one (left to the other routes).
pub async fn handle(cx: Ctx<'_>, req: &Req) -> Option<Response> {
    let seg: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    let ["restapis", id, "resources", rid, "methods", verb] = seg.as_slice() else {
        return None;
    };
    if req.method != Verb::POST {
        return None;
    }
    Some(match test_invoke(cx, req, id, rid, verb).await {
        Ok(v) => (StatusCode::OK, axum::Json(v)).into_response(),
        Err(e) => e.into_response(),
    })
}

async fn test_invoke(
    cx: Ctx<'_>,
    req: &Req,
    api_id: &str,
    rid: &str,
    verb: &str,
) -> Result<Value, RestJsonError> {
    let input: TestInvokeIn = req.json().map_err(RestJsonError::bad_request)?;
    let (resource, method) = working_method(cx, api_id, rid, verb)?;
    let started = Instant::now();
    let request_id = uuid::Uuid::new_v4().to_string();
    let path_and_query = input
        .path_with_query_string
        .clone()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| resource.path.clone());
    let (raw_path, query) = split_query(&path_and_query);
    // The path's parameters are those of this resource's template; a path that does not fit it
    // (the console sends the template itself when none is filled in) has none.
    let single = Snapshot {
        resources: vec![resource.clone()],
        ..Snapshot::default()
    };
    let path_parameters = match_path(&single, &raw_path)
        .map(|m| m.path_parameters)
        .unwrap_or_default();
    let headers = header_map(&input);
    let method_verb = Verb::from_bytes(verb.as_bytes()).unwrap_or(Verb::GET);
    let body = input.body.clone().unwrap_or_default();
    let call = Req {
        method: method_verb,
        segments: vec![],
        raw_path: raw_path.clone(),
        query: query.clone(),
        headers,
        body: bytes::Bytes::from(body.clone()),
    };
    let log = ExecutionLog::new(&request_id);
    log.line(format!("Starting execution for request: {request_id}"));
    // AWS names the path the request was made with (the resource's template when none is given).
    log.line(format!("HTTP Method: {verb}, Resource Path: {raw_path}"));
    log.line(format!(
        "Method request path: {}",
        java_map(path_parameters.iter())
    ));
    log.line(format!(
        "Method request query string: {}",
        java_map(query.iter().map(|(k, v)| (k, v)))
    ));
    log.line(format!(
        "Method request headers: {}",
        java_map(input.headers.iter())
    ));
    log.line(format!(
        "Method request body before transformations: {body}"
    ));
    // TestInvokeMethod sends only the headers it was given (no X-Forwarded-*).
    let client = Client::default();
    let event_input = EventInput {
        req: &call,
        client: &client,
        api_id,
        stage: TEST_STAGE,
        raw_path: &raw_path,
        resource_path: &resource.path,
        resource_id: &resource.id,
        path_parameters: &path_parameters,
        variables: &input.stage_variables,
        deployment_id: TEST_DEPLOYMENT,
        request_id: &request_id,
        authorizer: None,
        api_key: None,
        binary_media_types: &[],
        log: Some(&log),
    };
    if let Some(i) = method
        .integration
        .as_ref()
        .filter(|i| i.kind != "AWS_PROXY")
    {
        let answer = through(cx, &event_input, i).await;
        return Ok(answer.render(log.text(), started.elapsed().as_millis()));
    }
    let answer = match call_integration(cx, &event_input, method.integration.as_ref()).await {
        Integrated::Misconfigured(why) => {
            log.line(format!(
                "Execution failed due to configuration error: {why}"
            ));
            log.line("Method completed with status: 500");
            Answer::internal(500)
        }
        Integrated::TimedOut => {
            log.line("Execution failed due to a timeout error");
            log.line("Method completed with status: 504");
            Answer::message(504, "Endpoint request timed out")
        }
        Integrated::Invoked {
            function_arn,
            event,
            invocation,
            latency,
        } => {
            log_lambda_call(
                cx,
                &event_input,
                &function_arn,
                &event,
                &invocation,
                latency,
            );
            let parsed = match &invocation.outcome {
                Outcome::Response(b) => parse_proxy_response(b),
                _ => None,
            };
            match parsed {
                Some(p) => {
                    let mut headers = p.headers;
                    // A proxy answer without a Content-Type is sent as JSON.
                    if !headers
                        .iter()
                        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
                    {
                        headers.push(("Content-Type".to_owned(), "application/json".to_owned()));
                    }
                    let answer = Answer {
                        status: p.status,
                        body: String::from_utf8_lossy(&p.body).into_owned(),
                        headers,
                    };
                    log.line(format!(
                        "Method response body after transformations: {}",
                        answer.body
                    ));
                    log.line(format!(
                        "Method response headers: {}",
                        java_map(answer.headers.iter().map(|(k, v)| (k, v)))
                    ));
                    log.line("Successfully completed execution");
                    log.line(format!("Method completed with status: {}", answer.status));
                    answer
                }
                None => {
                    log.line(
                        "Execution failed due to configuration error: Malformed Lambda proxy response",
                    );
                    log.line("Method completed with status: 502");
                    Answer::internal(502)
                }
            }
        }
    };
    Ok(answer.render(log.text(), started.elapsed().as_millis()))
}

/// A method whose integration is not a Lambda proxy (MOCK, `AWS`, HTTP, HTTP_PROXY), run as stage
/// traffic runs it, writing its steps to the execution log.
async fn through(cx: Ctx<'_>, input: &EventInput<'_>, integration: &Integration) -> Answer {
    let mut lambda_request_id = None;
    let result = match integration.kind.as_str() {
        "MOCK" => mock::answer(integration, input),
        "HTTP" | "HTTP_PROXY" => http::answer(cx, input, integration).await,
        "AWS" => lambda_custom(cx, input, integration, &mut lambda_request_id).await,
        other => {
            input.log(|| {
                format!("Execution failed due to configuration error: {other} integrations do not run on the local stack")
            });
            Err(GatewayError::configuration())
        }
    };
    let answer = match result {
        Ok(response) => {
            let answer = Answer::of(response, integration).await;
            input.log(|| {
                format!(
                    "Method response body after transformations: {}",
                    answer.body
                )
            });
            input.log(|| {
                format!(
                    "Method response headers: {}",
                    java_map(answer.headers.iter().map(|(k, v)| (k, v)))
                )
            });
            input.log(|| "Successfully completed execution".to_owned());
            answer
        }
        Err(e) => Answer::failed(&e),
    };
    input.log(|| format!("Method completed with status: {}", answer.status));
    answer
}

/// The method of the working API (what a redeploy would freeze), cloned out of the store.
fn working_method(
    cx: Ctx<'_>,
    api_id: &str,
    rid: &str,
    verb: &str,
) -> Result<(Resource, Method), RestJsonError> {
    let state = lock(cx.apis);
    let api = state.apis.get(api_id).ok_or_else(|| {
        RestJsonError::not_found(format!(
            "Invalid API identifier specified {}:{api_id}",
            crate::local::account_id()
        ))
    })?;
    let resource = api
        .resources
        .get(rid)
        .ok_or_else(|| RestJsonError::not_found("Invalid Resource identifier specified"))?;
    // A method of ANY answers every verb, as on stage traffic.
    let method = resource
        .methods
        .get(verb)
        .or_else(|| resource.methods.get("ANY"))
        .ok_or_else(|| RestJsonError::not_found("Invalid Method identifier specified"))?;
    Ok((resource.clone(), method.clone()))
}

fn split_query(path_and_query: &str) -> (String, Vec<(String, String)>) {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let path = if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("/{path}")
    };
    let pairs = serde_urlencoded::from_str::<Vec<(String, String)>>(query).unwrap_or_default();
    (path, pairs)
}

fn header_map(input: &TestInvokeIn) -> HeaderMap {
    let mut headers = HeaderMap::new();
    // A header in both maps (the SDK sends both) counts once: multiValueHeaders holds all its values.
    let single = input.headers.iter().filter(|(k, _)| {
        !input
            .multi_value_headers
            .keys()
            .any(|m| m.eq_ignore_ascii_case(k))
    });
    let all = input
        .multi_value_headers
        .iter()
        .flat_map(|(k, vs)| vs.iter().map(move |v| (k, v)))
        .chain(single);
    for (k, v) in all {
        if let (Ok(name), Ok(value)) = (
            HeaderName::try_from(k.as_str()),
            HeaderValue::try_from(v.as_str()),
        ) {
            headers.append(name, value);
        }
    }
    headers
}

/// A response header's name as API Gateway spells it: as a `method.response.header.X` mapping of
/// the integration names it, `Content-Type`, and `x-amzn-Remapped-` before a remapped one.
fn spelled(name: &str, integration: &Integration) -> String {
    if let Some(inner) = name.strip_prefix("x-amzn-remapped-") {
        return format!("x-amzn-Remapped-{}", spelled(inner, integration));
    }
    if name.eq_ignore_ascii_case("content-type") {
        return "Content-Type".to_owned();
    }
    integration
        .integration_responses
        .values()
        .flat_map(|r| r.response_parameters.keys())
        .filter_map(|k| k.strip_prefix("method.response.header."))
        .find(|k| k.eq_ignore_ascii_case(name))
        .map_or_else(|| name.to_owned(), ToOwned::to_owned)
}

/// What the method answered.
struct Answer {
    status: u16,
    body: String,
    headers: Vec<(String, String)>,
}

impl Answer {
    /// A response the integration made, read whole; header names spelled as the integration's
    /// mappings spell them (the response keeps them lowercase).
    async fn of(response: Response, integration: &Integration) -> Self {
        let status = response.status().as_u16();
        // The names the integration spelled (a backend's, a mapping's), else the mappings' own.
        let spelling = response
            .extensions()
            .get::<crate::local::heads::Spelling>()
            .map(|s| s.0.clone())
            .unwrap_or_default();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| {
                let name = spelling
                    .iter()
                    .find(|s| s.eq_ignore_ascii_case(k.as_str()))
                    .cloned()
                    .unwrap_or_else(|| spelled(k.as_str(), integration));
                (name, String::from_utf8_lossy(v.as_bytes()).into_owned())
            })
            .collect();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap_or_default();
        Self {
            status,
            body: String::from_utf8_lossy(&body).into_owned(),
            headers,
        }
    }

    /// One of API Gateway's own errors, with the body AWS writes when nothing is customised.
    fn failed(e: &GatewayError) -> Self {
        let body = match e.literal_body {
            Some(b) => b.to_owned(),
            None => json!({ "message": e.message }).to_string(),
        };
        Self {
            status: e.status.as_u16(),
            body,
            headers: vec![("x-amzn-ErrorType".to_owned(), e.error_type.to_owned())],
        }
    }

    fn message(status: u16, text: &str) -> Self {
        Self {
            status,
            body: json!({ "message": text }).to_string(),
            headers: vec![(
                "x-amzn-ErrorType".to_owned(),
                "InternalServerErrorException".to_owned(),
            )],
        }
    }

    fn internal(status: u16) -> Self {
        Self::message(status, "Internal server error")
    }

    /// The TestInvokeMethod response: `headers` holds each header's last value, `multiValueHeaders`
    /// all of them.
    fn render(self, log: String, latency_ms: u128) -> Value {
        let mut headers = serde_json::Map::new();
        let mut multi: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let all = self.headers;
        for (k, v) in all {
            headers.insert(k.clone(), json!(v));
            multi.entry(k).or_default().push(v);
        }
        json!({
            "status": self.status,
            "body": self.body,
            "headers": headers,
            "multiValueHeaders": multi,
            "log": log,
            "latency": u64::try_from(latency_ms).unwrap_or(u64::MAX),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_and_its_query_are_split_and_decoded() {
        let (path, query) = split_query("/pets/7?name=a%20b&x=1&x=2");
        assert_eq!(path, "/pets/7");
        assert_eq!(
            query,
            vec![
                ("name".to_owned(), "a b".to_owned()),
                ("x".to_owned(), "1".to_owned()),
                ("x".to_owned(), "2".to_owned())
            ]
        );
        assert_eq!(split_query("hello").0, "/hello");
    }

    #[test]
    fn the_answer_has_the_aws_shape() {
        let a = Answer {
            status: 201,
            body: "hi".into(),
            headers: vec![("x-a".into(), "1".into()), ("x-a".into(), "2".into())],
        };
        let v = a.render("log".into(), 12);
        assert_eq!(v["status"], 201);
        assert_eq!(v["headers"]["x-a"], "2");
        assert_eq!(v["multiValueHeaders"]["x-a"], json!(["1", "2"]));
        assert_eq!(v["latency"], 12);
        assert_eq!(v["log"], "log");
    }

    #[test]
    fn a_failure_carries_only_the_error_type_header() {
        let v = Answer::failed(&GatewayError::configuration()).render(String::new(), 0);
        assert_eq!(v["status"], 500);
        assert_eq!(v["body"], r#"{"message": "Internal server error"}"#);
        assert_eq!(
            v["headers"],
            json!({"x-amzn-ErrorType": "InternalServerErrorException"})
        );
    }

    #[test]
    fn a_header_in_both_maps_is_sent_once_with_all_its_values() {
        let input = TestInvokeIn {
            headers: BTreeMap::from([("x-a".into(), "2".into()), ("x-b".into(), "3".into())]),
            multi_value_headers: BTreeMap::from([("X-A".into(), vec!["1".into(), "2".into()])]),
            ..TestInvokeIn::default()
        };
        let h = header_map(&input);
        let a: Vec<_> = h.get_all("x-a").iter().collect();
        assert_eq!(a, ["1", "2"]);
        assert_eq!(h["x-b"], "3");
    }
}
