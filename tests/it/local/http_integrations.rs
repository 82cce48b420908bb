//! HTTP and HTTP_PROXY integrations on stage traffic, built through the real SDK against a small
//! backend this test serves on 127.0.0.1: what the backend receives (method, path with the greedy
//! parameter, query string, headers, body, mapped parameters and template overrides), what the
//! client gets back (the backend's answer as is for a proxy; the integration response the status
//! code selects, its template and header mappings for HTTP), and API Gateway's answers when the
//! backend is too slow (504) or not there (500).

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_apigateway::types::IntegrationType;
use axum::extract::{Path, Request};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::{Value, json};

use super::Stack;

/// Echoes the request it got as JSON, with headers of its own (one of them `Server`, which API
/// Gateway remaps).
async fn echo(req: Request) -> axum::response::Response {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let headers: BTreeMap<String, String> = parts
        .headers
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let answer = json!({
        "method": parts.method.as_str(),
        "path": parts.uri.path(),
        "query": parts.uri.query(),
        "headers": headers,
        "body": String::from_utf8_lossy(&body),
    });
    (
        StatusCode::CREATED,
        [
            ("x-backend", "yes"),
            ("server", "backend/1"),
            ("content-type", "application/json"),
        ],
        answer.to_string(),
    )
        .into_response()
}

async fn status(Path(code): Path<u16>) -> axum::response::Response {
    (
        StatusCode::from_u16(code).unwrap_or(StatusCode::IM_A_TEAPOT),
        [("x-backend", "status")],
        json!({ "code": code }).to_string(),
    )
        .into_response()
}

async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_secs(30)).await;
    "late"
}

/// The backend's base URL (`http://127.0.0.1:PORT`).
async fn backend() -> String {
    let app = axum::Router::new()
        .route("/status/{code}", axum::routing::any(status))
        .route("/slow", axum::routing::any(slow))
        .fallback(echo);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

/// A REST API with one resource under the root and `verb` on it; (api id, resource id).
async fn api_with(s: &Stack, part: &str, verb: &str) -> (String, String) {
    let api = s.apigw.create_rest_api().name("http").send().await.unwrap();
    let id = api.id.unwrap();
    let r = s
        .apigw
        .create_resource()
        .rest_api_id(&id)
        .parent_id(api.root_resource_id.unwrap())
        .path_part(part)
        .send()
        .await
        .unwrap();
    let rid = r.id.unwrap();
    s.apigw
        .put_method()
        .rest_api_id(&id)
        .resource_id(&rid)
        .http_method(verb)
        .authorization_type("NONE")
        .send()
        .await
        .unwrap();
    (id, rid)
}

#[tokio::test]
async fn http_proxy_passes_the_request_through_and_answers_as_the_backend_did() {
    let s = Stack::start(None).await;
    let base = backend().await;
    let (id, rid) = api_with(&s, "{proxy+}", "ANY").await;
    s.apigw
        .put_integration()
        .rest_api_id(&id)
        .resource_id(&rid)
        .http_method("ANY")
        .r#type(IntegrationType::HttpProxy)
        .integration_http_method("ANY")
        .uri(format!("{base}/echo/{{proxy}}?fixed=1"))
        .request_parameters(
            "integration.request.path.proxy",
            "method.request.path.proxy",
        )
        .request_parameters("integration.request.header.X-Mapped", "'static'")
        .request_parameters(
            "integration.request.querystring.fromHeader",
            "method.request.header.x-q",
        )
        .send()
        .await
        .unwrap();
    s.deploy(&id).await;
    let r = s
        .http
        .put(s.stage_url(&id, "/a/b%20c?x=1&x=2"))
        .header("x-client", "c")
        .header("x-q", "qv")
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "the backend's status passes through");
    assert_eq!(r.headers()["x-backend"], "yes");
    assert_eq!(
        r.headers()["x-amzn-remapped-server"],
        "backend/1",
        "API Gateway's own header names are remapped"
    );
    let got: Value = r.json().await.unwrap();
    assert_eq!(got["method"], "PUT");
    assert_eq!(got["path"], "/echo/a/b%20c");
    assert_eq!(got["query"], "fixed=1&x=1&x=2&fromHeader=qv");
    assert_eq!(got["body"], "hello");
    let h = &got["headers"];
    assert_eq!(h["x-client"], "c");
    assert_eq!(h["x-mapped"], "static");
    assert_eq!(h["content-type"], "text/plain");
    assert_eq!(h["x-amzn-apigateway-api-id"], id.as_str());
    assert!(h["host"].as_str().unwrap().starts_with("127.0.0.1:"));
}

#[tokio::test]
async fn http_selects_the_integration_response_by_the_backends_status_code() {
    let s = Stack::start(None).await;
    let base = backend().await;
    let (id, rid) = api_with(&s, "{code}", "GET").await;
    s.apigw
        .put_integration()
        .rest_api_id(&id)
        .resource_id(&rid)
        .http_method("GET")
        .r#type(IntegrationType::Http)
        .integration_http_method("GET")
        .uri(format!("{base}/status/{{code}}"))
        .request_parameters("integration.request.path.code", "method.request.path.code")
        .send()
        .await
        .unwrap();
    for code in ["200", "400"] {
        s.apigw
            .put_method_response()
            .rest_api_id(&id)
            .resource_id(&rid)
            .http_method("GET")
            .status_code(code)
            .send()
            .await
            .unwrap();
    }
    s.apigw
        .put_integration_response()
        .rest_api_id(&id)
        .resource_id(&rid)
        .http_method("GET")
        .status_code("200")
        .send()
        .await
        .unwrap();
    s.apigw
        .put_integration_response()
        .rest_api_id(&id)
        .resource_id(&rid)
        .http_method("GET")
        .status_code("400")
        .selection_pattern(r"4\d{2}")
        .response_templates(
            "application/json",
            r#"{"backend": $input.json('$.code'), "status": "$context.stage"}"#,
        )
        .response_parameters(
            "method.response.header.X-From-Backend",
            "integration.response.header.x-backend",
        )
        .response_parameters("method.response.header.X-Static", "'fixed'")
        .response_parameters(
            "method.response.header.X-Body",
            "integration.response.body.code",
        )
        .send()
        .await
        .unwrap();
    s.deploy(&id).await;

    let r = s.get(&id, "/404").await;
    assert_eq!(r.status(), 400, "4\\d{{2}} selects the 400 response");
    assert_eq!(r.headers()["x-from-backend"], "status");
    assert_eq!(r.headers()["x-static"], "fixed");
    assert_eq!(r.headers()["x-body"], "404");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body, json!({"backend": 404, "status": super::STAGE}));

    let r = s.get(&id, "/201").await;
    assert_eq!(
        r.status(),
        200,
        "no pattern matches 201: the default response"
    );
    assert!(
        r.headers().get("x-backend").is_none(),
        "a non-proxy integration does not pass the backend's headers"
    );
    assert_eq!(r.text().await.unwrap(), r#"{"code":201}"#);
}

#[tokio::test]
async fn http_sends_the_request_templates_output_and_its_overrides() {
    let s = Stack::start(None).await;
    let base = backend().await;
    let (id, rid) = api_with(&s, "mapped", "POST").await;
    let template = r#"#set($context.requestOverride.header.X-Over = "over")
#set($context.requestOverride.querystring.q = $input.params('name'))
{"name": "$input.params('name')", "sent": $input.json('$.n')}"#;
    s.apigw
        .put_integration()
        .rest_api_id(&id)
        .resource_id(&rid)
        .http_method("POST")
        .r#type(IntegrationType::Http)
        .integration_http_method("PUT")
        .uri(format!("{base}/echo"))
        .request_templates("application/json", template)
        .request_parameters("integration.request.header.X-Stage", "context.stage")
        .send()
        .await
        .unwrap();
    s.apigw
        .put_integration_response()
        .rest_api_id(&id)
        .resource_id(&rid)
        .http_method("POST")
        .status_code("200")
        .response_templates(
            "application/json",
            "#set($context.responseOverride.status = 202)$input.body",
        )
        .send()
        .await
        .unwrap();
    s.deploy(&id).await;
    let r = s
        .http
        .post(s.stage_url(&id, "/mapped?name=ada"))
        .header("content-type", "application/json")
        .header("user-agent", "client/1")
        .header("x-client", "c")
        .body(r#"{"n": 3}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202, "the response template's override");
    let got: Value = r.json().await.unwrap();
    assert_eq!(got["method"], "PUT", "the integration's own method");
    assert_eq!(got["query"], "q=ada");
    let sent: Value = serde_json::from_str(got["body"].as_str().unwrap()).unwrap();
    assert_eq!(sent, json!({"name": "ada", "sent": 3}));
    let h = &got["headers"];
    assert_eq!(h["x-over"], "over");
    assert_eq!(h["x-stage"], super::STAGE);
    assert_eq!(h["accept"], "application/json");
    assert_eq!(h["user-agent"], format!("AmazonAPIGateway_{id}").as_str());
    assert!(
        h.get("x-client").is_none(),
        "a non-proxy integration sends only mapped headers"
    );
}

#[tokio::test]
async fn a_slow_backend_answers_504_and_an_absent_one_500() {
    let s = Stack::start(None).await;
    let base = backend().await;
    // A port nothing listens on: bound, then closed.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let (id, slow_rid) = api_with(&s, "slow", "GET").await;
    let gone = s
        .apigw
        .get_resources()
        .rest_api_id(&id)
        .send()
        .await
        .unwrap()
        .items
        .unwrap()
        .into_iter()
        .find(|r| r.path.as_deref() == Some("/"))
        .unwrap()
        .id
        .unwrap();
    s.apigw
        .put_method()
        .rest_api_id(&id)
        .resource_id(&gone)
        .http_method("GET")
        .authorization_type("NONE")
        .send()
        .await
        .unwrap();
    for (rid, uri, timeout) in [
        (&slow_rid, format!("{base}/slow"), 50),
        (&gone, format!("http://{closed}/"), 29000),
    ] {
        s.apigw
            .put_integration()
            .rest_api_id(&id)
            .resource_id(rid)
            .http_method("GET")
            .r#type(IntegrationType::HttpProxy)
            .integration_http_method("GET")
            .uri(uri)
            .timeout_in_millis(timeout)
            .send()
            .await
            .unwrap();
    }
    s.deploy(&id).await;
    let r = s.get(&id, "/slow").await;
    assert_eq!(r.status(), 504);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"message": "Endpoint request timed out"})
    );
    let r = s.get(&id, "/").await;
    assert_eq!(r.status(), 500);
    assert_eq!(
        r.headers()["x-amzn-errortype"],
        "InternalServerErrorException"
    );
    assert_eq!(
        r.text().await.unwrap(),
        r#"{"message": "Internal server error"}"#
    );
}

#[tokio::test]
async fn test_invoke_runs_the_working_http_integration_and_logs_the_endpoint_exchange() {
    let s = Stack::start(None).await;
    let base = backend().await;
    let (id, rid) = api_with(&s, "{code}", "GET").await;
    s.apigw
        .put_integration()
        .rest_api_id(&id)
        .resource_id(&rid)
        .http_method("GET")
        .r#type(IntegrationType::Http)
        .integration_http_method("GET")
        .uri(format!("{base}/status/{{code}}"))
        .request_parameters("integration.request.path.code", "method.request.path.code")
        .send()
        .await
        .unwrap();
    s.apigw
        .put_integration_response()
        .rest_api_id(&id)
        .resource_id(&rid)
        .http_method("GET")
        .status_code("404")
        .selection_pattern("404")
        .response_parameters(
            "method.response.header.X-Backend",
            "integration.response.header.x-backend",
        )
        .send()
        .await
        .unwrap();
    // Never deployed: TestInvokeMethod runs the working API.
    let out = s
        .apigw
        .test_invoke_method()
        .rest_api_id(&id)
        .resource_id(&rid)
        .http_method("GET")
        .path_with_query_string("/404")
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 404);
    assert_eq!(out.body(), Some(r#"{"code":404}"#));
    let headers = out.headers().unwrap();
    assert_eq!(headers["X-Backend"], "status");
    assert_eq!(headers["Content-Type"], "application/json");
    let log = out.log().unwrap();
    for step in [
        format!(" : Endpoint request URI: {base}/status/404\n"),
        format!(" : Sending request to {base}/status/404\n"),
        " : Received response. Status: 404, Integration latency: ".to_owned(),
        " : Endpoint response body before transformations: {\"code\":404}\n".to_owned(),
        " : Method completed with status: 404\n".to_owned(),
    ] {
        assert!(log.contains(&step), "{step} missing from:\n{log}");
    }
    // A status no integration response selects, with no default one: 500.
    let out = s
        .apigw
        .test_invoke_method()
        .rest_api_id(&id)
        .resource_id(&rid)
        .http_method("GET")
        .path_with_query_string("/200")
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 500);
    assert!(
        out.log()
            .unwrap()
            .contains("No match for output mapping and no default output mapping configured"),
        "{:?}",
        out.log()
    );
}

#[tokio::test]
async fn only_an_edge_optimized_api_answers_with_cloudfront_headers() {
    let s = Stack::start(None).await;
    let mut ids = Vec::new();
    for kind in ["EDGE", "REGIONAL"] {
        let api = s
            .apigw
            .create_rest_api()
            .name(kind)
            .endpoint_configuration(
                aws_sdk_apigateway::types::EndpointConfiguration::builder()
                    .types(kind.into())
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let id = api.id.unwrap();
        let root = api.root_resource_id.unwrap();
        s.apigw
            .put_method()
            .rest_api_id(&id)
            .resource_id(&root)
            .http_method("GET")
            .authorization_type("NONE")
            .send()
            .await
            .unwrap();
        s.apigw
            .put_integration()
            .rest_api_id(&id)
            .resource_id(&root)
            .http_method("GET")
            .r#type(IntegrationType::Mock)
            .request_templates("application/json", r#"{"statusCode": 200}"#)
            .send()
            .await
            .unwrap();
        s.apigw
            .put_integration_response()
            .rest_api_id(&id)
            .resource_id(&root)
            .http_method("GET")
            .status_code("200")
            .send()
            .await
            .unwrap();
        s.deploy(&id).await;
        ids.push(id);
    }
    let edge = s.get(&ids[0], "/").await;
    let regional = s.get(&ids[1], "/").await;
    assert_eq!(
        (edge.status().as_u16(), regional.status().as_u16()),
        (200, 200)
    );
    for name in ["via", "x-amz-cf-id", "x-amz-cf-pop", "x-cache"] {
        assert!(edge.headers().contains_key(name), "{name}");
        assert!(!regional.headers().contains_key(name), "{name}");
    }
    assert!(regional.headers().contains_key("x-amz-apigw-id"));
    assert!(regional.headers().contains_key("x-amzn-trace-id"));
    // API Gateway's own error: without CloudFront, no trace id (AWS's recorded regional answers).
    let missing = s.get(&ids[1], "/nowhere").await;
    assert_eq!(missing.status(), 403);
    assert!(missing.headers().contains_key("x-amz-apigw-id"));
    assert!(!missing.headers().contains_key("x-amzn-trace-id"));
    let missing = s.get(&ids[0], "/nowhere").await;
    assert!(missing.headers().contains_key("x-amzn-trace-id"));
}
