//! `request` and `ping` through the binary: saved requests, a POST only when asked, API keys, SigV4
//! for AWS_IAM routes and a disabled execute-api endpoint explained.

use super::*;

/// The project's lambdeck.toml for `request`: GET and POST on /hello_world, and a saved POST.
const REQUEST_TOML: &str = r#"region = "us-east-1"
[[api.routes]]
path = "/hello_world"
method = "GET"
[[api.routes]]
path = "/hello_world"
method = "POST"
[requests.create]
method = "POST"
path = "/hello_world"
query = { verbose = "1" }
headers = { content-type = "application/json" }
body_file = "pet.json"
"#;

/// `lambdeck request` through the binary: a POST is sent only with --yes (no terminal to ask on), its
/// answer comes with the Lambda log lines of its invocation, and a saved request replays by name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_sends_a_post_only_when_asked_and_shows_its_log_lines() {
    let local = LocalStack::up_with(REQUEST_TOML).await;
    lambdeck::stack::deploy::deploy_stage(&local.clients, &local.spec, &local.load().await)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("lambdeck.toml"), REQUEST_TOML).unwrap();
    std::fs::write(dir.path().join("pet.json"), r#"{"name":"ada"}"#).unwrap();

    let out = local
        .run(
            dir.path(),
            &["request", "POST", "/hello_world", "--body", "{}"],
        )
        .await;
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(
        one_error_line(&out).contains("pass --yes"),
        "{}",
        stderr(&out)
    );
    assert!(
        stdout(&out).is_empty(),
        "nothing was sent: {}",
        stdout(&out)
    );

    let out = local
        .run(
            dir.path(),
            &[
                "request",
                "POST",
                "/hello_world?x=1",
                "--body",
                "@pet.json",
                "--yes",
            ],
        )
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("POST /hello_world?x=1 -> 200 in "),
        "{text}"
    );
    assert!(text.contains("\"Hello from Lambda!\""), "{text}");
    assert!(text.contains("log lines of Lambda request "), "{text}");
    // The function's own line for this request, between its START and its REPORT.
    let lines: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("log lines"))
        .collect();
    let at = |what: &str| lines.iter().position(|l| l.contains(what));
    let (start, own, report) = (
        at("START RequestId:"),
        at("POST /hello_world apigw-request-id="),
        at("REPORT RequestId:"),
    );
    assert!(
        start.is_some() && own.is_some() && report.is_some(),
        "{text}"
    );
    assert!(start < own && own < report, "{text}");

    let out = local
        .run(dir.path(), &["request", "create", "--yes", "--json"])
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json = json_of(&out);
    let request = &json["response"]["request"];
    assert_eq!(request["method"], "POST");
    assert_eq!(request["body"], r#"{"name":"ada"}"#);
    assert_eq!(request["query"][0][0], "verbose");
    assert_eq!(json["response"]["status"], 200);
    assert!(json["log"].as_array().unwrap().len() >= 3, "{json}");

    // A route the stage does not serve: API Gateway answers 403 itself, with no function to log.
    let out = local.run(dir.path(), &["request", "/nowhere"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("API Gateway answered without calling the function"),
        "{}",
        stdout(&out)
    );
    local.server.shutdown().await;
}

#[test]
fn a_bad_saved_request_is_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("lambdeck.toml"),
        "region = \"us-east-1\"\n[requests.x]\npath = \"hello\"\n",
    )
    .unwrap();
    let out = lambdeck(dir.path(), &["request", "x"]);
    assert_eq!(out.status.code(), Some(2));
    let err = one_error_line(&out);
    assert!(err.contains("requests.x.path"), "{err}");
}

/// `ping` leaves a route that requires an API key alone, saying how to give it one, and sends the key
/// from `[ping] api_key` once there is one; an API whose default endpoint is disabled is one line, not
/// a stream of 403s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ping_sends_the_configured_api_key_and_explains_a_disabled_endpoint() {
    let local = LocalStack::up().await;
    let dir = project();
    let stack = local.load().await;
    local.add_route_with(&stack, "keyed", "NONE", true).await;
    let out = local.run(dir.path(), &["deploy", "--yes"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let out = local.run(dir.path(), &["ping", "-n", "1"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "not pinged: GET /keyed: needs an API key (x-api-key): set LAMBDECK_API_KEY or \
             `[ping] api_key` in lambdeck.toml"
        ),
        "{}",
        stderr(&out)
    );
    assert!(!stdout(&out).contains("/keyed"), "{}", stdout(&out));

    // A key the stage does not know: sent, and refused as API Gateway refuses it.
    let with_key = |key: &str| {
        std::fs::write(
            dir.path().join("lambdeck.toml"),
            format!("region = \"us-east-1\"\n[ping]\napi_key = \"{key}\"\n"),
        )
        .unwrap();
    };
    with_key("not-a-key-of-this-account");
    let out = local.run(dir.path(), &["ping", "-n", "1"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(!stderr(&out).contains("not pinged"), "{}", stderr(&out));
    assert!(
        stdout(&out)
            .lines()
            .any(|l| l.contains("/keyed") && l.contains("403")),
        "{}",
        stdout(&out)
    );

    // A key in a usage plan of this stage: every route answers.
    let api = local.load().await.api.as_ref().unwrap().id.clone();
    let gw = &local.clients.apigateway;
    let key = gw
        .create_api_key()
        .name("pinger")
        .enabled(true)
        .send()
        .await
        .unwrap();
    let plan = gw
        .create_usage_plan()
        .name("plan")
        .api_stages(
            aws_sdk_apigateway::types::ApiStage::builder()
                .api_id(&api)
                .stage("tf-test")
                .build(),
        )
        .send()
        .await
        .unwrap();
    gw.create_usage_plan_key()
        .usage_plan_id(plan.id().unwrap())
        .key_id(key.id().unwrap())
        .key_type("API_KEY")
        .send()
        .await
        .unwrap();
    with_key(key.value().unwrap());
    let out = local.run(dir.path(), &["ping", "-n", "1"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out)
            .lines()
            .any(|l| l.contains("/keyed") && l.contains("200")),
        "{}",
        stdout(&out)
    );

    local
        .clients
        .apigateway
        .update_rest_api()
        .rest_api_id(&api)
        .patch_operations(
            aws_sdk_apigateway::types::PatchOperation::builder()
                .op(aws_sdk_apigateway::types::Op::Replace)
                .path("/disableExecuteApiEndpoint")
                .value("true")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let out = local.run(dir.path(), &["ping", "-n", "1"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = one_error_line(&out);
    assert!(
        err.contains("disableExecuteApiEndpoint") && err.contains("custom domain"),
        "{err}"
    );
}

/// `ping` signs the calls to an AWS_IAM route with SigV4 (the credentials the SDK clients use), which
/// the stage accepts; the same call unsigned is refused as API Gateway refuses it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ping_signs_aws_iam_routes_which_the_stage_refuses_unsigned() {
    let local = LocalStack::up().await;
    let dir = project();
    let stack = local.load().await;
    local.add_route_with(&stack, "iam", "AWS_IAM", false).await;
    let out = local.run(dir.path(), &["deploy", "--yes"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let out = local.run(dir.path(), &["ping", "-n", "1"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains("not pinged"), "{}", stderr(&out));
    assert!(
        stdout(&out)
            .lines()
            .any(|l| l.contains("/iam") && l.contains("200")),
        "{}",
        stdout(&out)
    );

    let url = format!("{}/iam", local.load().await.invoke_url().unwrap());
    let unsigned = reqwest::get(&url).await.unwrap();
    assert_eq!(unsigned.status().as_u16(), 403);
    assert_eq!(
        unsigned.text().await.unwrap(),
        r#"{"message":"Missing Authentication Token"}"#
    );
}
