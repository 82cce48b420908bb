//! Function URLs through the real SDK and plain HTTP, with the shapes and messages of AWS's recorded
//! answers: the configs' lifecycle and refusals, the URL served by its Host header, its authorisation
//! (a public URL needs both invoke permissions; an AWS_IAM one a signed request), the function URL
//! event (payload 2.0) and the answer's format rules.

use aws_sdk_lambda::types::{Environment, FunctionUrlAuthType, InvokeMode};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use serde_json::{Value, json};

use super::{PID_RUNTIME, Stack};
use crate::support;

/// The Host of a function URL (`https://<id>.lambda-url.<region>.on.aws/`), as a client resolving it
/// to the endpoint sends it.
fn host_of(url: &str) -> String {
    url.trim_start_matches("https://")
        .trim_end_matches('/')
        .to_owned()
}

impl Stack {
    /// A request to a function URL, sent to the endpoint with the URL's Host.
    fn url_request(
        &self,
        method: reqwest::Method,
        url: &str,
        path: &str,
    ) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.server.endpoint_url()))
            .header("host", host_of(url))
    }

    pub(super) async fn set_env(&self, name: &str, vars: &[(&str, &str)]) {
        let mut env = Environment::builder();
        for (k, v) in vars {
            env = env.variables(*k, *v);
        }
        self.lambda
            .update_function_configuration()
            .function_name(name)
            .environment(env.build())
            .send()
            .await
            .unwrap();
    }

    async fn permit_url(&self, name: &str, qualifier: Option<&str>) {
        self.lambda
            .add_permission()
            .function_name(name)
            .set_qualifier(qualifier.map(ToOwned::to_owned))
            .statement_id("url")
            .action("lambda:InvokeFunctionUrl")
            .principal("*")
            .function_url_auth_type(FunctionUrlAuthType::None)
            .send()
            .await
            .unwrap();
        self.lambda
            .add_permission()
            .function_name(name)
            .set_qualifier(qualifier.map(ToOwned::to_owned))
            .statement_id("invoke")
            .action("lambda:InvokeFunction")
            .principal("*")
            .invoked_via_function_url(true)
            .send()
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn url_configs_are_created_read_updated_listed_and_deleted_as_aws_records() {
    let s = Stack::start(None).await;
    let arn = s
        .create_function("urls", support::script_zip(PID_RUNTIME))
        .await;
    s.lambda
        .publish_version()
        .function_name("urls")
        .send()
        .await
        .unwrap();
    s.lambda
        .create_alias()
        .function_name("urls")
        .name("live")
        .function_version("1")
        .send()
        .await
        .unwrap();

    let created = s
        .lambda
        .create_function_url_config()
        .function_name("urls")
        .auth_type(FunctionUrlAuthType::None)
        .send()
        .await
        .unwrap();
    assert_eq!(created.function_arn(), arn);
    let url = created.function_url().to_owned();
    let id = host_of(&url).split('.').next().unwrap().to_owned();
    assert_eq!(url, format!("https://{id}.lambda-url.us-east-1.on.aws/"));
    assert_eq!(id.len(), 32);
    // Create answers InvokeMode only when it was given.
    assert_eq!(created.invoke_mode(), None);

    let again = s
        .lambda
        .create_function_url_config()
        .function_name("urls")
        .auth_type(FunctionUrlAuthType::None)
        .send()
        .await
        .unwrap_err();
    assert_eq!(again.code(), Some("ResourceConflictException"));
    assert_eq!(
        again.message(),
        Some(
            format!(
                "Failed to create function url config for [functionArn = {arn}]. Error message:  FunctionUrlConfig exists for this Lambda function"
            )
            .as_str()
        )
    );

    let got = s
        .lambda
        .get_function_url_config()
        .function_name("urls")
        .send()
        .await
        .unwrap();
    assert_eq!(got.invoke_mode(), Some(&InvokeMode::Buffered));
    assert_eq!(got.function_url(), url);

    // Update answers InvokeMode only once one was given.
    let updated = s
        .lambda
        .update_function_url_config()
        .function_name("urls")
        .auth_type(FunctionUrlAuthType::AwsIam)
        .send()
        .await
        .unwrap();
    assert_eq!(updated.invoke_mode(), None);
    assert!(!updated.last_modified_time().is_empty());
    let updated = s
        .lambda
        .update_function_url_config()
        .function_name("urls")
        .invoke_mode(InvokeMode::ResponseStream)
        .send()
        .await
        .unwrap();
    assert_eq!(updated.auth_type(), &FunctionUrlAuthType::AwsIam);
    assert_eq!(updated.invoke_mode(), Some(&InvokeMode::ResponseStream));
    assert_eq!(updated.function_url(), url);

    // An alias has a URL of its own; a version or `$LATEST` cannot be named.
    let aliased = s
        .lambda
        .create_function_url_config()
        .function_name("urls")
        .qualifier("live")
        .auth_type(FunctionUrlAuthType::None)
        .send()
        .await
        .unwrap();
    assert_eq!(aliased.function_arn(), format!("{arn}:live"));
    for bad in ["1", "$LATEST"] {
        let e = s
            .lambda
            .get_function_url_config()
            .function_name("urls")
            .qualifier(bad)
            .send()
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("ValidationException"), "{bad}");
        assert_eq!(
            e.message(),
            Some(format!("1 validation error detected: Value '{bad}' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: ((?!^\\d+$)^[0-9a-zA-Z-_]+$)").as_str())
        );
    }
    let mismatch = s
        .lambda
        .get_function_url_config()
        .function_name("urls:other")
        .qualifier("live")
        .send()
        .await
        .unwrap_err();
    assert_eq!(mismatch.code(), Some("InvalidParameterValueException"));
    let no_alias = s
        .lambda
        .create_function_url_config()
        .function_name("urls")
        .qualifier("v1")
        .auth_type(FunctionUrlAuthType::None)
        .send()
        .await
        .unwrap_err();
    assert_eq!(no_alias.message(), Some("Function does not exist"));
    let bad_mode = s
        .lambda
        .create_function_url_config()
        .function_name("urls")
        .qualifier("live")
        .auth_type(FunctionUrlAuthType::None)
        .invoke_mode(InvokeMode::from("UNKNOWN"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        bad_mode.message(),
        Some(
            "1 validation error detected: Value 'UNKNOWN' at 'invokeMode' failed to satisfy constraint: Member must satisfy enum value set: [RESPONSE_STREAM, BUFFERED]"
        )
    );

    let all = s
        .lambda
        .list_function_url_configs()
        .function_name("urls")
        .send()
        .await
        .unwrap();
    assert_eq!(all.function_url_configs().len(), 2);
    let first = s
        .lambda
        .list_function_url_configs()
        .function_name("urls")
        .max_items(1)
        .send()
        .await
        .unwrap();
    let second = s
        .lambda
        .list_function_url_configs()
        .function_name("urls")
        .max_items(1)
        .marker(first.next_marker().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(second.next_marker(), None);
    assert_ne!(
        first.function_url_configs()[0].function_url(),
        second.function_url_configs()[0].function_url()
    );
    let missing = s
        .lambda
        .list_function_url_configs()
        .function_name("nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(missing.message(), Some("Function does not exist"));

    // Deleting the unqualified config leaves the alias's; deleting the alias takes its URL along.
    s.lambda
        .delete_function_url_config()
        .function_name("urls")
        .send()
        .await
        .unwrap();
    let gone = s
        .lambda
        .get_function_url_config()
        .function_name("urls")
        .send()
        .await
        .unwrap_err();
    assert_eq!(gone.code(), Some("ResourceNotFoundException"));
    assert_eq!(
        gone.message(),
        Some("The resource you requested does not exist.")
    );
    s.lambda
        .get_function_url_config()
        .function_name("urls")
        .qualifier("live")
        .send()
        .await
        .unwrap();
    s.lambda
        .delete_alias()
        .function_name("urls")
        .name("live")
        .send()
        .await
        .unwrap();
    let listed = s
        .lambda
        .list_function_url_configs()
        .function_name("urls")
        .send()
        .await
        .unwrap();
    assert!(listed.function_url_configs().is_empty());
    s.server.shutdown().await;
}

#[tokio::test]
async fn a_function_url_serves_the_function_with_the_url_event_and_its_rules() {
    let s = Stack::start(None).await;
    s.create_function("web", support::script_zip(PID_RUNTIME))
        .await;
    s.set_env("web", &[("ECHO", "1")]).await;
    let url = s
        .lambda
        .create_function_url_config()
        .function_name("web")
        .auth_type(FunctionUrlAuthType::None)
        .send()
        .await
        .unwrap()
        .function_url()
        .to_owned();

    // An unknown URL id and a URL nobody may call answer as AWS does.
    let unknown = s
        .http
        .get(format!("{}/", s.server.endpoint_url()))
        .header(
            "host",
            "0123456789abcdefghijklmnopqrstuv.lambda-url.us-east-1.on.aws",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 403);
    assert_eq!(
        unknown.headers()["x-amzn-ErrorType"],
        "AccessDeniedException"
    );
    assert_eq!(unknown.text().await.unwrap(), r#"{"Message":null}"#);
    let closed = s
        .url_request(reqwest::Method::GET, &url, "/")
        .send()
        .await
        .unwrap();
    assert_eq!(closed.status(), 403);
    let body: Value = closed.json().await.unwrap();
    assert_eq!(
        body,
        json!({"Message": "Forbidden. For troubleshooting Function URL authorization issues, see: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"})
    );
    // InvokeFunctionUrl alone no longer opens a URL (AWS requires InvokeFunction too since 2025-10).
    s.lambda
        .add_permission()
        .function_name("web")
        .statement_id("url")
        .action("lambda:InvokeFunctionUrl")
        .principal("*")
        .function_url_auth_type(FunctionUrlAuthType::None)
        .send()
        .await
        .unwrap();
    let half = s
        .url_request(reqwest::Method::GET, &url, "/")
        .send()
        .await
        .unwrap();
    assert_eq!(half.status(), 403);
    s.lambda
        .add_permission()
        .function_name("web")
        .statement_id("invoke")
        .action("lambda:InvokeFunction")
        .principal("*")
        .invoked_via_function_url(true)
        .send()
        .await
        .unwrap();
    let policy: Value = serde_json::from_str(
        s.lambda
            .get_policy()
            .function_name("web")
            .send()
            .await
            .unwrap()
            .policy()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        policy["Statement"][1]["Condition"],
        json!({"Bool": {"lambda:InvokedViaFunctionUrl": "true"}})
    );

    // The event: payload 2.0, header names lowercase, cookies apart, the query decoded and joined.
    let answer = s
        .url_request(
            reqwest::Method::POST,
            &url,
            "/pa2%Fth/1?q=query&multi=foo&multi=%2Fbar",
        )
        .header("ExTrA-HeadErs", "With WeiRd CapS")
        .header("content-type", "text/plain")
        .header("cookie", "a=1; b=2")
        .body("text")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.headers()["content-type"], "application/json");
    assert!(answer.headers().contains_key("x-amzn-RequestId"));
    let event: Value = answer.json().await.unwrap();
    let id = host_of(&url).split('.').next().unwrap().to_owned();
    assert_eq!(event["version"], "2.0");
    assert_eq!(event["routeKey"], "$default");
    assert_eq!(event["rawPath"], "/pa2%Fth/1");
    assert_eq!(event["rawQueryString"], "q=query&multi=foo&multi=%2Fbar");
    assert_eq!(
        event["queryStringParameters"],
        json!({"q": "query", "multi": "foo,/bar"})
    );
    assert_eq!(event["cookies"], json!(["a=1", "b=2"]));
    assert_eq!(event["body"], "text");
    assert_eq!(event["isBase64Encoded"], false);
    let headers = event["headers"].as_object().unwrap();
    assert_eq!(headers["extra-headers"], "With WeiRd CapS");
    assert_eq!(headers["host"], host_of(&url));
    for added in [
        "x-amzn-tls-cipher-suite",
        "x-amzn-tls-version",
        "x-amzn-trace-id",
        "x-forwarded-for",
        "x-forwarded-port",
        "x-forwarded-proto",
    ] {
        assert!(headers.contains_key(added), "{added}");
    }
    assert!(!headers.contains_key("cookie"));
    assert!(!headers.contains_key("connection"));
    let context = &event["requestContext"];
    assert_eq!(context["accountId"], "anonymous");
    assert_eq!(context["apiId"], id.as_str());
    assert_eq!(context["domainName"], host_of(&url));
    assert_eq!(context["domainPrefix"], id.as_str());
    assert_eq!(context["http"]["method"], "POST");
    assert_eq!(context["http"]["path"], "/pa2%Fth/1");
    assert_eq!(context["http"]["sourceIp"], "127.0.0.1");
    assert_eq!(context["stage"], "$default");
    assert!(context["timeEpoch"].is_i64());
    // A body that is not text arrives base64-encoded.
    let form: Value = s
        .url_request(reqwest::Method::POST, &url, "/form")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("a=1")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(form["body"], "YT0x");
    assert_eq!(form["isBase64Encoded"], true);

    // An answer with a statusCode is a response: status, headers, cookies, body.
    s.set_env(
        "web",
        &[(
            "ANSWER",
            r#"{"statusCode": "418", "headers": {"My-Custom-Header": "Custom Value"}, "cookies": ["c=3"], "body": "i am a teapot"}"#,
        )],
    )
    .await;
    let teapot = s
        .url_request(reqwest::Method::GET, &url, "/")
        .send()
        .await
        .unwrap();
    assert_eq!(teapot.status(), 418);
    assert_eq!(teapot.headers()["my-custom-header"], "Custom Value");
    assert_eq!(teapot.headers()["set-cookie"], "c=3");
    assert_eq!(teapot.headers()["content-type"], "application/json");
    assert_eq!(teapot.text().await.unwrap(), "i am a teapot");
    // A plain string is the body itself.
    s.set_env("web", &[("ANSWER", r#""hello""#)]).await;
    let plain = s
        .url_request(reqwest::Method::GET, &url, "/")
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), 200);
    assert_eq!(plain.text().await.unwrap(), "hello");

    // Reserved concurrency 0 throttles the URL too.
    s.lambda
        .put_function_concurrency()
        .function_name("web")
        .reserved_concurrent_executions(0)
        .send()
        .await
        .unwrap();
    let throttled = s
        .url_request(reqwest::Method::GET, &url, "/")
        .send()
        .await
        .unwrap();
    assert_eq!(throttled.status(), 429);
    s.server.shutdown().await;
}

#[tokio::test]
async fn an_aws_iam_url_refuses_unsigned_requests_and_names_the_signer() {
    let s = Stack::start(None).await;
    s.create_function("private", support::script_zip(PID_RUNTIME))
        .await;
    s.set_env("private", &[("ECHO", "1")]).await;
    s.lambda
        .publish_version()
        .function_name("private")
        .send()
        .await
        .unwrap();
    s.lambda
        .create_alias()
        .function_name("private")
        .name("live")
        .function_version("1")
        .send()
        .await
        .unwrap();
    let url = s
        .lambda
        .create_function_url_config()
        .function_name("private")
        .qualifier("live")
        .auth_type(FunctionUrlAuthType::AwsIam)
        .send()
        .await
        .unwrap()
        .function_url()
        .to_owned();
    let unsigned = s
        .url_request(reqwest::Method::GET, &url, "/")
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 403);
    assert_eq!(
        unsigned.headers()["x-amzn-ErrorType"],
        "AccessDeniedException"
    );
    let signed = s
        .url_request(reqwest::Method::GET, &url, "/")
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20261127/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=abc",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), 200);
    let event: Value = signed.json().await.unwrap();
    assert_eq!(event["requestContext"]["accountId"], "000000000000");
    assert_eq!(
        event["requestContext"]["authorizer"]["iam"]["accessKey"],
        "AKIDLOCAL"
    );
    // A public URL on the alias would need the alias's own permissions: $LATEST's do not count.
    s.permit_url("private", None).await;
    s.lambda
        .update_function_url_config()
        .function_name("private")
        .qualifier("live")
        .auth_type(FunctionUrlAuthType::None)
        .send()
        .await
        .unwrap();
    let not_yet = s
        .url_request(reqwest::Method::GET, &url, "/")
        .send()
        .await
        .unwrap();
    assert_eq!(not_yet.status(), 403);
    s.server.shutdown().await;
}

/// The answer's header names as the function wrote them (and AWS's own as AWS spells them), written
/// byte for byte on a kept-alive connection: two answers, each re-spelled, bodies intact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answers_header_names_keep_the_functions_spelling_on_the_wire() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let s = Stack::start(None).await;
    s.create_function("spelled", support::script_zip(PID_RUNTIME))
        .await;
    s.set_env(
        "spelled",
        &[(
            "ANSWER",
            r#"{"statusCode": 200, "headers": {"tesT-Multi": "v", "content-type": "text/plain"}, "body": "HTTP/1.1 200 OK"}"#,
        )],
    )
    .await;
    let url = s
        .lambda
        .create_function_url_config()
        .function_name("spelled")
        .auth_type(FunctionUrlAuthType::None)
        .send()
        .await
        .unwrap()
        .function_url()
        .to_owned();
    s.permit_url("spelled", None).await;
    let host = host_of(&url);
    let requests = format!(
        "POST /a HTTP/1.1\r\nHost: {host}\r\nContent-Length: 3\r\n\r\nabc\
         GET /b HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    );
    let mut tcp = tokio::net::TcpStream::connect(s.server.addr())
        .await
        .unwrap();
    tcp.write_all(requests.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    tcp.read_to_end(&mut raw).await.unwrap();
    let raw = String::from_utf8(raw).unwrap();
    let heads: Vec<&str> = raw
        .split("\r\n\r\n")
        .filter(|h| h.contains("tesT-Multi"))
        .collect();
    assert_eq!(heads.len(), 2, "{raw}");
    for head in heads {
        assert!(head.contains("\r\ntesT-Multi: v"), "{raw}");
        // The function's lowercase spelling wins over AWS's own.
        assert!(head.contains("\r\ncontent-type: text/plain"), "{raw}");
        assert!(head.contains("\r\nx-amzn-RequestId: "), "{raw}");
        assert!(head.contains("\r\nContent-Length: 15"), "{raw}");
    }
    assert_eq!(raw.matches("\r\n\r\nHTTP/1.1 200 OK").count(), 2, "{raw}");
    assert!(!raw.contains("x-lambdeck-spelling"), "{raw}");
    s.server.shutdown().await;
}
