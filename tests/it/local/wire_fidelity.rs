//! The local stack's wire behaviour checked with clients lambdeck did not write, against what AWS
//! records (AWS's own responses, as LocalStack's AWS-validated snapshots carry them).

use std::process::Command;

use aws_config::{BehaviorVersion, Region};
use aws_sdk_lambda::config::Credentials;
use lambdeck::local::{LocalConfig, LocalServer};

use crate::support::skip;

/// A Python that has boto3: `.ci/run`'s virtualenv, else `python3`.
fn python_with_boto3() -> Option<std::path::PathBuf> {
    let venv = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/ci-venv/bin/python");
    let candidates = [venv, std::path::PathBuf::from("python3")];
    for python in candidates {
        let ok = Command::new(&python)
            .args(["-c", "import boto3"])
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            return Some(python);
        }
    }
    skip("no Python with boto3 (.ci/run installs it into target/ci-venv)")
}

/// boto3's `start_live_tail` reads the stream: botocore requires the `initial-response` event first
/// ("First event was not of type initial-response" otherwise), then sees sessionStart and the update
/// carrying an event put while the session is open.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_reads_the_live_tail_stream() {
    let Some(python) = python_with_boto3() else {
        return;
    };
    let server = LocalServer::start(LocalConfig::default()).await.unwrap();
    let config = aws_config::defaults(BehaviorVersion::latest())
        .http_client(lambdeck::aws::http_client())
        .region(Region::new("us-east-1"))
        .endpoint_url(server.endpoint_url())
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .load()
        .await;
    let logs = aws_sdk_cloudwatchlogs::Client::new(&config);
    logs.create_log_group()
        .log_group_name("/live")
        .send()
        .await
        .unwrap();
    logs.create_log_stream()
        .log_group_name("/live")
        .log_stream_name("s")
        .send()
        .await
        .unwrap();
    let script = r#"
import json, sys, time
import boto3
from botocore.config import Config
c = boto3.client("logs", endpoint_url=sys.argv[1], region_name="us-east-1",
                 aws_access_key_id="test", aws_secret_access_key="test",
                 config=Config(inject_host_prefix=False))
seen = []
r = c.start_live_tail(logGroupIdentifiers=["/live"])
for ev in r["responseStream"]:
    if "sessionStart" in ev:
        seen.append("sessionStart")
        c.put_log_events(logGroupName="/live", logStreamName="s",
                         logEvents=[{"timestamp": int(time.time() * 1000), "message": "hello boto3"}])
    elif "sessionUpdate" in ev:
        msgs = [x["message"] for x in ev["sessionUpdate"]["sessionResults"]]
        if "hello boto3" in msgs:
            seen.append("hello boto3")
            break
print(json.dumps(seen))
"#;
    let url = server.endpoint_url();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .args(["-c", script, &url])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "boto3 failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        r#"["sessionStart", "hello boto3"]"#
    );
    server.shutdown().await;
}

/// A Python function that answers with the proxy event it received.
const ECHO_EVENT: &str = r#"
import json

def handler(event, context):
    return {"statusCode": 200, "body": json.dumps(event)}
"#;

/// The responses on one connection, as (head, body) text: split on each status line.
fn responses(raw: &str) -> Vec<(String, String)> {
    raw.split("HTTP/1.1 ")
        .filter(|r| !r.is_empty())
        .map(|r| {
            let (head, body) = r.split_once("\r\n\r\n").unwrap_or((r, ""));
            (head.to_owned(), body.to_owned())
        })
        .collect()
}

/// Control-plane answers carry no spelling: on one kept-alive connection a control plane's answers
/// to a GET and to a HEAD (no body, though it names a length) are written as the HTTP server writes
/// them, lowercase, and a stage answer after them is still re-spelled as AWS spells it; the private
/// header never leaves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_stage_answers_are_respelled_on_a_connection_shared_with_the_control_plane() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let server = LocalServer::start(LocalConfig::default()).await.unwrap();
    let addr = server.addr();
    let requests = format!(
        "GET /restapis HTTP/1.1\r\nHost: {addr}\r\n\r\n\
         HEAD /restapis HTTP/1.1\r\nHost: {addr}\r\n\r\n\
         GET /restapis/nope/stage/_user_request_/x HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    );
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tcp.write_all(requests.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    tcp.read_to_end(&mut raw).await.unwrap();
    let raw = String::from_utf8(raw).unwrap();
    let answers = responses(&raw);
    assert_eq!(answers.len(), 3, "{raw}");
    for (head, _) in &answers[..2] {
        assert!(head.contains("\r\nx-amzn-requestid: "), "{raw}");
        assert!(head.contains("\r\ncontent-type: "), "{raw}");
    }
    // The HEAD answer names a length but has no body: the stage answer follows its head at once.
    assert!(answers[1].0.contains("\r\ncontent-length: "), "{raw}");
    assert_eq!(answers[1].1, "", "{raw}");
    let (stage_head, stage_body) = &answers[2];
    assert!(stage_head.starts_with("404"), "{raw}");
    for name in ["x-amzn-ErrorType", "x-amzn-RequestId", "Content-Type"] {
        assert!(
            stage_head.contains(&format!("\r\n{name}: ")),
            "{name}: {raw}"
        );
    }
    assert!(stage_body.contains("Not Found"), "{raw}");
    assert!(!raw.contains("x-lambdeck-spelling"), "{raw}");
    server.shutdown().await;
}

/// A request head too long to note (over 64 KB) stops the noting for its connection: a stage answer
/// after it on the same connection keeps the server's lowercase names, and the private spelling
/// header never leaves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_head_too_long_to_note_the_private_spelling_header_never_leaves() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let server = LocalServer::start(LocalConfig::default()).await.unwrap();
    let addr = server.addr();
    // The long head arrives in two writes, so the connection sees 70 KB of it with no end in sight.
    let first = format!(
        "GET /restapis HTTP/1.1\r\nHost: {addr}\r\nX-Big: {}",
        "a".repeat(70 * 1024)
    );
    let rest = format!(
        "\r\n\r\nGET /restapis/nope/stage/_user_request_/x HTTP/1.1\r\nHost: {addr}\r\n\
         Connection: close\r\n\r\n"
    );
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tcp.write_all(first.as_bytes()).await.unwrap();
    tcp.flush().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    tcp.write_all(rest.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    tcp.read_to_end(&mut raw).await.unwrap();
    let raw = String::from_utf8(raw).unwrap();
    let answers = responses(&raw);
    assert_eq!(answers.len(), 2, "{raw}");
    let (stage_head, stage_body) = &answers[1];
    assert!(stage_head.starts_with("404"), "{raw}");
    assert!(stage_body.contains("Not Found"), "{raw}");
    assert!(!raw.contains("x-lambdeck-spelling"), "{raw}");
    server.shutdown().await;
}

/// A stage request written byte for byte (a client that spells its header names its own way), on a
/// kept-alive connection after another request with a body: the function's event carries the names
/// as sent, API Gateway's added headers, the client's address, and the query form-decoded, as AWS's
/// recorded events (test_lambda_aws_proxy_integration) show.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_proxy_event_carries_header_names_as_the_client_spelled_them() {
    use aws_sdk_lambda::primitives::Blob;
    use aws_sdk_lambda::types::{FunctionCode, Runtime};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let s = super::Stack::start(None).await;
    let zip = crate::support::zip_of(&[("app.py", 0o644, ECHO_EVENT.as_bytes())]);
    let arn = s
        .lambda
        .create_function()
        .function_name(super::FUNCTION)
        .runtime(Runtime::Python312)
        .handler("app.handler")
        .role("arn:aws:iam::000000000000:role/echo")
        .code(FunctionCode::builder().zip_file(Blob::new(zip)).build())
        .send()
        .await
        .unwrap()
        .function_arn()
        .unwrap()
        .to_owned();
    let (api_id, _) = s.create_api(&arn).await;
    s.permit(&api_id).await;
    s.deploy(&api_id).await;

    let addr = s.server.addr();
    let path = format!(
        "/restapis/{api_id}/{}/_user_request_/hello_world",
        super::STAGE
    );
    let requests = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 5\r\nX-First: 1\r\n\r\nhello\
         GET {path}?urlparam=test&plus=test+alias@gmail.com&a=1&a=2 HTTP/1.1\r\nHost: {addr}\r\n\
         tEsT-HEADeR: aValUE\r\nUser-Agent: raw-test/1.0\r\nACCEPT: */*\r\nConnection: close\r\n\r\n"
    );
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tcp.write_all(requests.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    tcp.read_to_end(&mut raw).await.unwrap();
    let raw = String::from_utf8(raw).unwrap();
    let answers = responses(&raw);
    assert_eq!(answers.len(), 2, "{raw}");
    // POST is not deployed on the route: API Gateway's 403.
    assert!(answers[0].0.starts_with("403"), "{raw}");
    assert!(answers[1].0.starts_with("200"), "{raw}");
    // The answers' header names are spelled as AWS spells them (the HTTP server writes them
    // lowercase; the connection re-spells them), and the private spelling header stays home.
    assert!(answers[0].0.contains("\r\nx-amzn-ErrorType: "), "{raw}");
    for name in [
        "x-amzn-RequestId",
        "Content-Type",
        "Via",
        "X-Amz-Cf-Id",
        "X-Cache",
    ] {
        assert!(
            answers[1].0.contains(&format!("\r\n{name}: ")),
            "{name}: {raw}"
        );
    }
    assert!(!raw.contains("x-lambdeck-spelling"), "{raw}");
    let event: serde_json::Value = serde_json::from_str(&answers[1].1).unwrap();
    let headers = &event["headers"];
    assert_eq!(headers["tEsT-HEADeR"], "aValUE", "{event}");
    assert_eq!(headers["User-Agent"], "raw-test/1.0");
    assert_eq!(headers["ACCEPT"], "*/*");
    assert_eq!(headers["Host"], addr.to_string());
    assert_eq!(headers["X-Forwarded-For"], "127.0.0.1");
    assert_eq!(headers["X-Forwarded-Port"], addr.port().to_string());
    assert_eq!(headers["X-Forwarded-Proto"], "http");
    assert!(
        headers["X-Amzn-Trace-Id"]
            .as_str()
            .unwrap()
            .starts_with("Root=1-")
    );
    assert!(headers.get("X-First").is_none(), "{event}");
    assert_eq!(
        event["multiValueHeaders"]["tEsT-HEADeR"],
        serde_json::json!(["aValUE"])
    );
    assert_eq!(
        event["queryStringParameters"],
        serde_json::json!({"urlparam": "test", "plus": "test alias@gmail.com", "a": "2"})
    );
    assert_eq!(
        event["multiValueQueryStringParameters"]["a"],
        serde_json::json!(["1", "2"])
    );
    let rc = &event["requestContext"];
    assert_eq!(rc["identity"]["sourceIp"], "127.0.0.1");
    assert_eq!(rc["identity"]["userAgent"], "raw-test/1.0");
    assert_eq!(rc["path"], format!("/{}/hello_world", super::STAGE));
    assert_eq!(rc["resourcePath"], "/hello_world");
    assert_eq!(rc["domainName"], addr.to_string());
    assert_eq!(rc["domainPrefix"], api_id);
    assert_eq!(rc["apiId"], api_id);
    assert_eq!(rc["stage"], super::STAGE);
    assert!(rc["requestTimeEpoch"].as_i64().is_some());
    assert_eq!(event["pathParameters"], serde_json::Value::Null);
    assert_eq!(event["stageVariables"], serde_json::Value::Null);
    s.server.shutdown().await;
}

/// A Python function that answers with whatever JSON the request's body holds (LocalStack's
/// `LAMBDA_RESPONSE_FROM_BODY`), so one function gives every answer shape.
const ANSWER_FROM_BODY: &str = r#"
import base64, json

def handler(event, context):
    body = event["body"]
    if event.get("isBase64Encoded"):
        body = base64.b64decode(body)
    answer = json.loads(body)
    if isinstance(answer, dict) and answer.get("echo"):
        return {"statusCode": 200, "body": json.dumps(event)}
    return answer
"#;

/// AWS's recorded stage exchanges (test_lambda_aws_proxy_integration, test_aws_proxy_binary_response,
/// test_aws_proxy_response_payload_format_validation): the event drops `Connection` and
/// `Content-Length`, re-spells `Authorization`, carries CloudFront's headers; the answer repeats the
/// edge's ids; a base64 body is decoded only for an `Accept` among the deployed binary media types,
/// and a request body of such a type reaches the function base64-encoded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stage_traffic_carries_the_edge_headers_and_binary_media_as_aws_records() {
    use aws_sdk_apigateway::types::{Op, PatchOperation};
    use aws_sdk_lambda::primitives::Blob;
    use aws_sdk_lambda::types::{FunctionCode, Runtime};
    use base64::Engine;

    let s = super::Stack::start(None).await;
    let zip = crate::support::zip_of(&[("app.py", 0o644, ANSWER_FROM_BODY.as_bytes())]);
    let arn = s
        .lambda
        .create_function()
        .function_name(super::FUNCTION)
        .runtime(Runtime::Python312)
        .handler("app.handler")
        .role("arn:aws:iam::000000000000:role/echo")
        .code(FunctionCode::builder().zip_file(Blob::new(zip)).build())
        .send()
        .await
        .unwrap()
        .function_arn()
        .unwrap()
        .to_owned();
    let (api_id, hello) = s.create_api(&arn).await;
    // POST on the same route, so bodies reach the function.
    s.apigw
        .put_method()
        .rest_api_id(&api_id)
        .resource_id(&hello)
        .http_method("POST")
        .authorization_type("NONE")
        .send()
        .await
        .unwrap();
    s.apigw
        .put_integration()
        .rest_api_id(&api_id)
        .resource_id(&hello)
        .http_method("POST")
        .r#type(aws_sdk_apigateway::types::IntegrationType::AwsProxy)
        .integration_http_method("POST")
        .uri(format!(
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations"
        ))
        .credentials("arn:aws:iam::000000000000:role/apigw")
        .send()
        .await
        .unwrap();
    s.deploy(&api_id).await;
    let url = s.stage_url(&api_id, "/hello_world");
    let post = |body: String, headers: Vec<(&'static str, &'static str)>| {
        let mut r = s.http.post(&url).body(body);
        for (k, v) in headers {
            r = r.header(k, v);
        }
        r.send()
    };

    // The event, as the function saw it, and the answer's edge headers.
    let r = post(
        r#"{"echo": true}"#.to_owned(),
        vec![
            ("authorization", "random-value"),
            ("Connection", "keep-alive"),
        ],
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    let answer_headers = r.headers().clone();
    let event: serde_json::Value = r.json().await.unwrap();
    let h = &event["headers"];
    assert_eq!(h["Authorization"], "random-value", "{event}");
    assert!(h.get("authorization").is_none());
    for dropped in [
        "Connection",
        "connection",
        "Content-Length",
        "content-length",
    ] {
        assert!(h.get(dropped).is_none(), "{dropped}: {event}");
        assert!(event["multiValueHeaders"].get(dropped).is_none());
    }
    assert_eq!(h["CloudFront-Forwarded-Proto"], "https");
    assert_eq!(h["CloudFront-Is-Desktop-Viewer"], "true");
    assert_eq!(
        event["multiValueHeaders"]["Authorization"],
        serde_json::json!(["random-value"])
    );
    let answer = |name: &str| answer_headers[name].to_str().unwrap().to_owned();
    assert_eq!(h["Via"], answer("via"));
    assert!(answer("via").ends_with(".cloudfront.net (CloudFront)"));
    assert_eq!(h["X-Amz-Cf-Id"], answer("x-amz-cf-id"));
    assert_eq!(h["X-Amzn-Trace-Id"], answer("x-amzn-trace-id"));
    assert_eq!(
        event["requestContext"]["extendedRequestId"],
        answer("x-amz-apigw-id")
    );
    assert!(!answer("x-amz-cf-pop").is_empty());
    assert_eq!(answer("x-cache"), "Miss from cloudfront");
    // A second request: its own edge ids.
    let r = post(r#"{"statusCode": 200}"#.to_owned(), vec![])
        .await
        .unwrap();
    assert_ne!(r.headers()["via"].to_str().unwrap(), answer("via"));
    assert_ne!(
        r.headers()["x-amz-cf-id"].to_str().unwrap(),
        answer("x-amz-cf-id")
    );

    // No binary media types deployed: the base64 text comes back, whatever the Accept.
    let png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mP8/wIAAgkBAyMAlYwAAAAASUVORK5CYII=";
    let image = serde_json::json!({
        "statusCode": 200, "body": png, "isBase64Encoded": true,
        "headers": {"Content-Type": "image/png"},
    })
    .to_string();
    let body_for = |accept: &'static str| {
        let image = image.clone();
        let post = &post;
        async move {
            let r = post(image, vec![("Accept", accept)]).await.unwrap();
            assert_eq!(r.status(), 200);
            r.bytes().await.unwrap().to_vec()
        }
    };
    assert_eq!(body_for("image/png").await, png.as_bytes());

    s.apigw
        .update_rest_api()
        .rest_api_id(&api_id)
        .patch_operations(
            PatchOperation::builder()
                .op(Op::Add)
                .path("/binaryMediaTypes/image~1png")
                .build(),
        )
        .send()
        .await
        .unwrap();
    // Not yet deployed: still text.
    assert_eq!(body_for("image/png").await, png.as_bytes());
    s.deploy(&api_id).await;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(png)
        .unwrap();
    assert_eq!(body_for("image/png").await, decoded);
    for accept in ["image/jpg", "image/*", "*/*"] {
        assert_eq!(body_for(accept).await, png.as_bytes(), "Accept: {accept}");
    }

    // A request body of a binary media type reaches the function base64-encoded.
    let r = post(
        r#"{"echo": true}"#.to_owned(),
        vec![("Content-Type", "image/png")],
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    let event: serde_json::Value = r.json().await.unwrap();
    assert_eq!(event["isBase64Encoded"], true);
    assert_eq!(
        event["body"],
        base64::engine::general_purpose::STANDARD.encode(r#"{"echo": true}"#)
    );
    s.server.shutdown().await;
}

/// PutIntegration refuses a malformed Lambda URI with AWS's messages (test_put_integration_aws_proxy_uri).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_integration_refuses_malformed_lambda_uris_as_aws_does() {
    use aws_sdk_apigateway::error::ProvideErrorMetadata;
    use aws_sdk_apigateway::types::IntegrationType;

    let s = super::Stack::start(None).await;
    let lambda_arn = "arn:aws:lambda:us-east-1:000000000000:function:f";
    let (api_id, hello) = s.create_api(lambda_arn).await;
    let path_or_action = "AWS ARN for integration must contain path or action";
    let only_lambda = "Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream invocations.";
    let cases = [
        (lambda_arn.to_owned(), path_or_action),
        (
            format!("bad-arn:lambda:path/2015-03-31/functions/{lambda_arn}/invocations"),
            "Invalid ARN specified in the request",
        ),
        (
            format!(
                "arn:aws:apigateway:us-east-1:lambda:test/2015-03-31/functions/{lambda_arn}/invocations"
            ),
            path_or_action,
        ),
        (
            format!(
                "arn:aws:apigateway:us-east-1:firehose:path/2015-03-31/functions/{lambda_arn}/invocations"
            ),
            only_lambda,
        ),
        (
            format!(
                "arn:aws:apigateway:us-east-1:lambda:path/random/value/{lambda_arn}/invocations"
            ),
            only_lambda,
        ),
    ];
    for (uri, message) in cases {
        let e = s
            .apigw
            .put_integration()
            .rest_api_id(&api_id)
            .resource_id(&hello)
            .http_method("GET")
            .r#type(IntegrationType::AwsProxy)
            .integration_http_method("POST")
            .uri(&uri)
            .send()
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("BadRequestException"), "{uri}");
        assert_eq!(e.message(), Some(message), "{uri}");
    }
    s.server.shutdown().await;
}

/// LocalStack's `lambda_select_pattern.py` and `lambda_echo.py` in one function: a `statusCode` of
/// 400 or 500 raises, 200 passes, anything else is echoed.
const SELECT_PATTERN: &str = r#"
def handler(event, context):
    status_code = event.get("statusCode")
    if status_code == "200":
        return "Pass"
    if status_code == "400":
        raise Exception("Error: Raising four hundred from within the Lambda function")
    if status_code == "500":
        raise Exception("Error: Raising five hundred from within the Lambda function")
    return event
"#;

/// Non-proxy `AWS` integrations calling Lambda, as AWS's recorded test_lambda_selection_patterns,
/// test_lambda_aws_integration and test_lambda_aws_integration_with_request_template show them: the
/// request template makes the payload, the function's `errorMessage` selects the integration
/// response by its `selectionPattern` (never the function's status: the `200` pattern is not
/// chosen), a success takes the default one, and a response template maps the answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_integrations_map_templates_and_select_responses_by_error_message() {
    use aws_sdk_apigateway::types::IntegrationType;
    use aws_sdk_lambda::primitives::Blob;
    use aws_sdk_lambda::types::{FunctionCode, Runtime};

    let s = super::Stack::start(None).await;
    let zip = crate::support::zip_of(&[("app.py", 0o644, SELECT_PATTERN.as_bytes())]);
    let arn = s
        .lambda
        .create_function()
        .function_name(super::FUNCTION)
        .runtime(Runtime::Python312)
        .handler("app.handler")
        .role("arn:aws:iam::000000000000:role/echo")
        .code(FunctionCode::builder().zip_file(Blob::new(zip)).build())
        .send()
        .await
        .unwrap()
        .function_arn()
        .unwrap()
        .to_owned();
    let (api_id, hello) = s.create_api(&arn).await;
    let uri =
        format!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations");
    let root = s
        .apigw
        .get_resources()
        .rest_api_id(&api_id)
        .send()
        .await
        .unwrap()
        .items()
        .iter()
        .find(|r| r.path() == Some("/"))
        .and_then(|r| r.id())
        .unwrap()
        .to_owned();
    let status_route = s
        .apigw
        .create_resource()
        .rest_api_id(&api_id)
        .parent_id(&root)
        .path_part("{statusCode}")
        .send()
        .await
        .unwrap()
        .id()
        .unwrap()
        .to_owned();
    // GET /{statusCode}: the selection patterns of AWS's recorded test.
    // GET /hello_world: a request template and a response template.
    let routes = [
        (
            &status_route,
            r#"{"statusCode": "$input.params('statusCode')"}"#,
            None,
        ),
        (
            &hello,
            r#"{"param1": "$input.params('param1')"}"#,
            Some(r#"{"mapped": $input.json('$.param1')}"#),
        ),
    ];
    s.apigw
        .put_method()
        .rest_api_id(&api_id)
        .resource_id(&status_route)
        .http_method("GET")
        .authorization_type("NONE")
        .send()
        .await
        .unwrap();
    for (rid, request_template, response_template) in routes {
        s.apigw
            .put_integration()
            .rest_api_id(&api_id)
            .resource_id(rid)
            .http_method("GET")
            .r#type(IntegrationType::Aws)
            .integration_http_method("POST")
            .uri(&uri)
            .credentials("arn:aws:iam::000000000000:role/apigw")
            .request_templates("application/json", request_template)
            .send()
            .await
            .unwrap();
        let mut default = s
            .apigw
            .put_integration_response()
            .rest_api_id(&api_id)
            .resource_id(rid)
            .http_method("GET")
            .status_code("200")
            .selection_pattern("");
        if let Some(t) = response_template {
            default = default.response_templates("application/json", t);
        }
        default.send().await.unwrap();
    }
    for (status, pattern) in [("405", ".*four hundred.*"), ("502", ".+"), ("504", "200")] {
        s.apigw
            .put_integration_response()
            .rest_api_id(&api_id)
            .resource_id(&status_route)
            .http_method("GET")
            .status_code(status)
            .selection_pattern(pattern)
            .send()
            .await
            .unwrap();
    }
    s.deploy(&api_id).await;

    let get = |path: String| {
        let url = s.stage_url(&api_id, &path);
        let http = s.http.clone();
        async move {
            let r = http.get(url).send().await.unwrap();
            let status = r.status().as_u16();
            let body: serde_json::Value = r.json().await.unwrap();
            (status, body)
        }
    };
    assert_eq!(get("/200".into()).await, (200, serde_json::json!("Pass")));
    let (status, error) = get("/400".into()).await;
    assert_eq!(status, 405, "{error}");
    assert_eq!(
        error["errorMessage"],
        "Error: Raising four hundred from within the Lambda function"
    );
    assert_eq!(error["errorType"], "Exception");
    let (status, error) = get("/500".into()).await;
    assert_eq!(status, 502, "{error}");
    assert_eq!(
        error["errorMessage"],
        "Error: Raising five hundred from within the Lambda function"
    );
    assert_eq!(
        get("/hello_world?param1=foobar&Signature=1".into()).await,
        (200, serde_json::json!({"mapped": "foobar"}))
    );
    s.server.shutdown().await;
}
