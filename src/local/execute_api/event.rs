//! The Lambda proxy integration input (payload format 1.0) API Gateway sends a function.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::local::common::{Req, percent_decode, random_id};
use crate::wire::LOCAL_ACCOUNT_ID;

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
    let path = percent_decode(input.raw_path);
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
            "accountId": LOCAL_ACCOUNT_ID,
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

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

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
