//! The stage URL's failures: a missing permission (500), a crashing function, a malformed answer
//! (502) and a timeout that kills the environment.

use aws_sdk_lambda::types::Environment;

use super::{FUNCTION, PID_RUNTIME, Stack, process_runs};
use crate::support::script_zip;

#[tokio::test]
async fn a_missing_permission_answers_500_and_a_crash_502() {
    let s = Stack::start(None).await;
    let arn = s
        .create_function(FUNCTION, script_zip("#!/bin/sh\necho crashing\nexit 3\n"))
        .await;
    let (api, _) = s.create_api(&arn).await;
    s.deploy(&api).await;

    let response = s.get(&api, "/hello_world").await;
    assert_eq!(response.status(), 500);
    assert_eq!(
        response.headers()["x-amzn-ErrorType"],
        "InternalServerErrorException"
    );
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"message": "Internal server error"}"#
    );

    // A statement for another API does not count.
    s.lambda
        .add_permission()
        .function_name(FUNCTION)
        .statement_id("other-api")
        .action("lambda:InvokeFunction")
        .principal("apigateway.amazonaws.com")
        .source_arn("arn:aws:execute-api:us-east-1:000000000000:otherapi00/*/*")
        .send()
        .await
        .unwrap();
    assert_eq!(s.get(&api, "/hello_world").await.status(), 500);

    // With the permission, the call reaches the function, which crashes: 502, same body.
    s.permit(&api).await;
    let response = s.get(&api, "/hello_world").await;
    assert_eq!(response.status(), 502);
    assert!(
        response
            .headers()
            .contains_key("x-lambdeck-lambda-request-id")
    );
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"message": "Internal server error"}"#
    );
    let crashed = s.log_messages("crashing").await;
    assert_eq!(crashed, ["crashing"]);
    s.server.shutdown().await;
}

/// An integration with `credentials` (a role API Gateway assumes to invoke the function) needs no
/// resource policy on the function, as on AWS.
#[tokio::test]
async fn an_integration_with_credentials_needs_no_permission() {
    let s = Stack::start(None).await;
    let arn = s
        .create_function(FUNCTION, script_zip("#!/bin/sh\necho crashing\nexit 3\n"))
        .await;
    let (api, hello) = s.create_api(&arn).await;
    s.deploy(&api).await;
    assert_eq!(s.get(&api, "/hello_world").await.status(), 500);
    s.apigw
        .put_integration()
        .rest_api_id(&api)
        .resource_id(&hello)
        .http_method("GET")
        .r#type(aws_sdk_apigateway::types::IntegrationType::AwsProxy)
        .integration_http_method("POST")
        .uri(format!(
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations"
        ))
        .credentials("arn:aws:iam::000000000000:role/apigw-invokes-lambda")
        .send()
        .await
        .unwrap();
    s.deploy(&api).await;
    // The function ran (and crashed): 502, not the missing permission's 500.
    assert_eq!(s.get(&api, "/hello_world").await.status(), 502);
    // Lambda is invoked with POST: a proxy integration naming GET answers 500, as on AWS.
    s.apigw
        .put_integration()
        .rest_api_id(&api)
        .resource_id(&hello)
        .http_method("GET")
        .r#type(aws_sdk_apigateway::types::IntegrationType::AwsProxy)
        .integration_http_method("GET")
        .uri(format!(
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations"
        ))
        .credentials("arn:aws:iam::000000000000:role/apigw-invokes-lambda")
        .send()
        .await
        .unwrap();
    s.deploy(&api).await;
    assert_eq!(s.get(&api, "/hello_world").await.status(), 500);
    assert_eq!(s.log_messages("crashing").await, ["crashing"]);
    s.server.shutdown().await;
}

/// Sets the function's environment variables (a new revision, so the next request starts a new
/// environment) and its timeout.
async fn configure(s: &Stack, vars: &[(&str, &str)], timeout: i32) {
    let mut env = Environment::builder();
    for (k, v) in vars {
        env = env.variables(*k, *v);
    }
    s.lambda
        .update_function_configuration()
        .function_name(FUNCTION)
        .environment(env.build())
        .timeout(timeout)
        .send()
        .await
        .unwrap();
}

async fn assert_internal_error(response: reqwest::Response, status: u16) -> String {
    assert_eq!(response.status(), status);
    assert_eq!(
        response.headers()["x-amzn-ErrorType"],
        "InternalServerErrorException"
    );
    let lambda_id = response.headers()["x-lambdeck-lambda-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"message": "Internal server error"}"#
    );
    lambda_id
}

#[tokio::test]
async fn a_malformed_answer_is_a_502_and_a_timeout_kills_the_environment_and_fails_the_request() {
    let s = Stack::start(None).await;
    let arn = s.create_function(FUNCTION, script_zip(PID_RUNTIME)).await;
    let (api, _) = s.create_api(&arn).await;
    s.permit(&api).await;
    s.deploy(&api).await;

    // `{"pid": N}` is not a proxy response (an unknown key): API Gateway answers 502.
    assert_internal_error(s.get(&api, "/hello_world").await, 502).await;
    for malformed in [
        r#"{"statusCode":200,"body":"x","extra":1}"#,
        r#"{"statusCode":"abc"}"#,
        r#""just a string""#,
        r#"{"multiValueHeaders":{"a":"not-an-array"}}"#,
    ] {
        configure(&s, &[("ANSWER", malformed)], 3).await;
        assert_internal_error(s.get(&api, "/hello_world").await, 502).await;
    }
    // `{}` is not malformed: AWS answers it 200 with no body (recorded
    // test_lambda_aws_proxy_response_format).
    configure(&s, &[("ANSWER", "{}")], 3).await;
    let response = s.get(&api, "/hello_world").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "");
    // The same runtime with a well-formed answer: the 502s came from the answers' shape alone.
    configure(
        &s,
        &[(
            "ANSWER",
            r#"{"statusCode":"201","headers":{"x-ok":true},"body":"made"}"#,
        )],
        3,
    )
    .await;
    let response = s.get(&api, "/hello_world").await;
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["x-ok"], "true");
    assert_eq!(response.text().await.unwrap(), "made");

    // A function that outlives its 1 s timeout: 502, the "Task timed out" line, and its process killed.
    configure(&s, &[("HANG", "1")], 1).await;
    let lambda_id = assert_internal_error(s.get(&api, "/hello_world").await, 502).await;
    let lines = s.log_messages("").await;
    let timed_out = format!("{lambda_id} Task timed out after 1.00 seconds");
    assert!(lines.iter().any(|l| l.ends_with(&timed_out)), "{lines:#?}");
    let pids: Vec<u64> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("pid ")?.parse().ok())
        .collect();
    assert_eq!(pids.len(), 1, "{lines:#?}");
    assert!(!process_runs(pids[0]), "the timed-out process still runs");
    // The next request gets a new environment (and times out again: one more pid line).
    assert_internal_error(s.get(&api, "/hello_world").await, 502).await;
    let pids_after: Vec<u64> = s
        .log_messages("pid")
        .await
        .iter()
        .filter_map(|l| l.strip_prefix("pid ")?.parse().ok())
        .collect();
    assert_eq!(pids_after.len(), 2);
    assert_ne!(pids_after[0], pids_after[1]);
    s.server.shutdown().await;
}
