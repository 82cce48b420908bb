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
