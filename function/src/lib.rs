//! The hello-world handler: the Rust port of the tutorial's Node function, answering API Gateway REST
//! (v1) proxy events.

use aws_lambda_events::apigw::ApiGatewayProxyRequest;
use serde::Serialize;

/// The proxy response API Gateway expects from an AWS_PROXY integration.
///
/// Field order and names mirror what the tutorial's `index.js` returns, so the wire JSON is the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProxyResponse {
    pub is_base64_encoded: bool,
    pub status_code: u16,
    pub headers: serde_json::Map<String, serde_json::Value>,
    pub body: String,
}

/// The greeting, as `JSON.stringify('Hello from Lambda!')` renders it: a JSON string, quotes included.
pub const GREETING: &str = "\"Hello from Lambda!\"";

/// Answers every proxy request with the greeting, whatever the route or method.
pub fn handle(request: &ApiGatewayProxyRequest) -> ProxyResponse {
    // One line per request in the function's log stream. It carries API Gateway's request id (the
    // x-amzn-RequestId a caller sees), so a ping can be linked to its log lines on real AWS too.
    println!("{}", log_line(request));
    ProxyResponse {
        is_base64_encoded: false,
        status_code: 200,
        headers: serde_json::Map::new(),
        body: GREETING.to_owned(),
    }
}

/// `GET /hello_world apigw-request-id=<id>`: what the handler logs for a request.
pub fn log_line(request: &ApiGatewayProxyRequest) -> String {
    format!(
        "{} {} apigw-request-id={}",
        request.http_method,
        request.path.as_deref().unwrap_or("/"),
        request.request_context.request_id.as_deref().unwrap_or("-")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A REST API proxy event as API Gateway sends it for `GET /hello_world` on stage `tf-test`.
    const REST_EVENT: &str = r#"{
        "resource": "/hello_world",
        "path": "/hello_world",
        "httpMethod": "GET",
        "headers": {"Accept": "*/*", "Host": "abc123defg.execute-api.ap-northeast-1.amazonaws.com", "User-Agent": "curl/8.5.0"},
        "multiValueHeaders": {"Accept": ["*/*"], "Host": ["abc123defg.execute-api.ap-northeast-1.amazonaws.com"], "User-Agent": ["curl/8.5.0"]},
        "queryStringParameters": null,
        "multiValueQueryStringParameters": null,
        "pathParameters": null,
        "stageVariables": null,
        "requestContext": {
            "resourceId": "x1y2z3",
            "resourcePath": "/hello_world",
            "httpMethod": "GET",
            "extendedRequestId": "Qz1xGFvXtjMFZ2A=",
            "requestTime": "24/Nov/2026:10:00:00 +0000",
            "path": "/tf-test/hello_world",
            "accountId": "123456789012",
            "protocol": "HTTP/1.1",
            "stage": "tf-test",
            "domainPrefix": "abc123defg",
            "requestTimeEpoch": 1795514400000,
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "identity": {"sourceIp": "203.0.113.7", "userAgent": "curl/8.5.0", "cognitoIdentityPoolId": null, "accountId": null, "cognitoIdentityId": null, "caller": null, "accessKey": null, "cognitoAuthenticationType": null, "cognitoAuthenticationProvider": null, "userArn": null, "user": null},
            "domainName": "abc123defg.execute-api.ap-northeast-1.amazonaws.com",
            "deploymentId": "d1e2f3",
            "apiId": "abc123defg"
        },
        "body": null,
        "isBase64Encoded": false
    }"#;

    fn rest_event() -> ApiGatewayProxyRequest {
        serde_json::from_str(REST_EVENT).expect("the sample is a valid REST proxy event")
    }

    #[test]
    fn answers_the_tutorial_response_exactly() {
        let response = serde_json::to_value(handle(&rest_event())).expect("serializes");
        assert_eq!(
            response,
            serde_json::json!({
                "isBase64Encoded": false,
                "statusCode": 200,
                "headers": {},
                "body": "\"Hello from Lambda!\""
            })
        );
    }

    #[test]
    fn body_is_what_json_stringify_produces() {
        let body = handle(&rest_event()).body;
        let decoded: String = serde_json::from_str(&body).expect("the body is a JSON string");
        assert_eq!(decoded, "Hello from Lambda!");
        assert_eq!(
            body,
            serde_json::to_string("Hello from Lambda!").expect("string")
        );
    }

    #[test]
    fn log_line_carries_the_api_gateway_request_id() {
        assert_eq!(
            log_line(&rest_event()),
            "GET /hello_world apigw-request-id=c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
        );
    }

    #[test]
    fn any_route_and_method_gets_the_greeting() {
        let mut event = rest_event();
        event.http_method = aws_lambda_events::http::Method::POST;
        event.path = Some("/other/path".into());
        event.body = Some("{\"x\":1}".into());
        let response = handle(&event);
        assert_eq!(response.status_code, 200);
        assert_eq!(response.body, GREETING);
    }
}
