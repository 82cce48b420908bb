//! The Lambda proxy integration input (payload format 1.0) API Gateway sends a function, built from
//! `aws_lambda_events`' own types (the ones a Rust function deserializes it into).

use std::collections::{BTreeMap, HashMap};

use aws_lambda_events::apigw::{
    ApiGatewayProxyRequest, ApiGatewayProxyRequestContext, ApiGatewayRequestIdentity,
};
use aws_lambda_events::query_map::QueryMap;
use axum::http::{HeaderMap, HeaderValue};
use serde_json::Value;

use crate::local::common::{Req, percent_decode, random_id};
use crate::wire::{EXECUTE_API_HOST_INFIX, LOCAL_ACCOUNT_ID};

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

/// The members API Gateway sends as `null`, not `{}`, when they are empty.
const NULL_WHEN_EMPTY: [&str; 6] = [
    "headers",
    "multiValueHeaders",
    "queryStringParameters",
    "multiValueQueryStringParameters",
    "pathParameters",
    "stageVariables",
];

/// The Lambda proxy integration input (payload format 1.0), absent parts as null.
pub fn proxy_event(input: &EventInput<'_>) -> Value {
    let req = input.req;
    // API Gateway keeps the last value of a repeated header or query parameter in the single-value
    // maps, and every value in the multi-value ones.
    let mut headers = HeaderMap::new();
    let mut multi_headers = HeaderMap::new();
    for name in req.headers.keys() {
        for value in req.headers.get_all(name) {
            // The event is JSON text: a header that is not UTF-8 is passed on lossily.
            let text = String::from_utf8_lossy(value.as_bytes());
            if let Ok(v) = HeaderValue::from_str(&text) {
                headers.insert(name.clone(), v.clone());
                multi_headers.append(name.clone(), v);
            }
        }
    }
    let mut query: HashMap<String, String> = HashMap::new();
    let mut multi_query: HashMap<String, Vec<String>> = HashMap::new();
    for (k, v) in &req.query {
        query.insert(k.clone(), v.clone());
        multi_query.entry(k.clone()).or_default().push(v.clone());
    }
    let host = req.header("host").unwrap_or("localhost").to_owned();
    let domain_prefix = if host.contains(EXECUTE_API_HOST_INFIX) {
        host.split('.').next().unwrap_or(input.api_id).to_owned()
    } else {
        input.api_id.to_owned()
    };
    let path = percent_decode(input.raw_path);
    let now = chrono::Utc::now();
    let mut identity = ApiGatewayRequestIdentity::default();
    identity.source_ip = Some("127.0.0.1".to_owned());
    identity.user_agent = req.header("user-agent").map(ToOwned::to_owned);
    identity
        .other
        .insert("principalOrgId".to_owned(), Value::Null);
    let mut context = ApiGatewayProxyRequestContext::default();
    context.resource_id = Some(input.resource_id.to_owned());
    context.resource_path = Some(input.resource_path.to_owned());
    context.http_method = req.method.clone();
    context.request_time = Some(now.format("%d/%b/%Y:%H:%M:%S +0000").to_string());
    context.path = Some(format!("/{}{}", input.stage, path));
    context.account_id = Some(LOCAL_ACCOUNT_ID.to_owned());
    context.protocol = Some("HTTP/1.1".to_owned());
    context.stage = Some(input.stage.to_owned());
    context.domain_prefix = Some(domain_prefix);
    context.request_time_epoch = now.timestamp_millis();
    context.request_id = Some(input.request_id.to_owned());
    context.identity = identity;
    context.domain_name = Some(host);
    context.apiid = Some(input.api_id.to_owned());
    context.other.insert(
        "extendedRequestId".to_owned(),
        Value::String(format!("{}=", random_id(15))),
    );
    context.other.insert(
        "deploymentId".to_owned(),
        Value::String(input.deployment_id.to_owned()),
    );
    let mut event = ApiGatewayProxyRequest::default();
    event.resource = Some(input.resource_path.to_owned());
    event.path = Some(path);
    event.http_method = req.method.clone();
    event.headers = headers;
    event.multi_value_headers = multi_headers;
    event.query_string_parameters = QueryMap::from(query);
    event.multi_value_query_string_parameters = QueryMap::from(multi_query);
    event.path_parameters = input.path_parameters.clone().into_iter().collect();
    event.stage_variables = input.variables.clone().into_iter().collect();
    event.request_context = context;
    event.body = (!req.body.is_empty()).then(|| String::from_utf8_lossy(&req.body).into_owned());
    event.is_base64_encoded = false;
    let mut value = serde_json::to_value(&event).unwrap_or(Value::Null);
    if let Value::Object(members) = &mut value {
        for key in NULL_WHEN_EMPTY {
            if members
                .get(key)
                .is_some_and(|v| v.as_object().is_some_and(|m| m.is_empty()))
            {
                members.insert(key.to_owned(), Value::Null);
            }
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;
    use serde_json::json;

    use super::*;

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
