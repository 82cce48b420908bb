//! What a deployment freezes, applied to stage traffic, driven through the real SDK and reqwest: API
//! keys and usage plans (with their control plane's shapes and refusals), Lambda authorizers (TOKEN
//! and REQUEST), customised gateway responses, request validators, MOCK integrations with their
//! mapping templates, and the integration timeout. The functions are Python,
//! run by this machine's `python3`.

use super::refusal;
use aws_sdk_apigateway::types::{
    ApiStage, AuthorizerType, GatewayResponseType, IntegrationType, Op, PatchOperation,
    QuotaPeriodType, ThrottleSettings,
};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, Runtime};
use lambdeck_test_support::{skip, zip_of};
use serde_json::{Value, json};

use super::{STAGE, Stack};

/// Answers every request with the parts of its event the tests look at (after 5 s with `$SLOW` set).
const BACKEND: &str = r#"import json, os, time
def handler(event, context):
    if os.environ.get("SLOW"):
        time.sleep(5)
    ctx = event["requestContext"]
    return {"statusCode": 200, "body": json.dumps({
        "authorizer": ctx.get("authorizer"),
        "apiKeyId": ctx["identity"].get("apiKeyId"),
        "body": event.get("body"),
    })}
"#;

/// A Lambda authorizer answering by token: `allow`, `deny`, `fail` (raises Unauthorized). A REQUEST
/// event's token is its `token` header. Each call prints a line, so the tests can count them.
const AUTHORIZER: &str = r#"import json
def handler(event, context):
    if event["type"] == "TOKEN":
        token = event["authorizationToken"]
    else:
        token = event["headers"]["token"]
    print("authorizer called:", event["type"], token)
    if token == "fail":
        raise Exception("Unauthorized")
    effect = "Allow" if token.endswith("allow") else "Deny"
    return {
        "principalId": "user-" + token,
        "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}
        ]},
        "context": {"who": token, "n": 7},
    }
"#;

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
}

/// A local stack with the BACKEND and AUTHORIZER functions, or None (a skip) without python3.
async fn stack() -> Option<(Stack, String, String)> {
    if !on_path("python3") {
        return skip("python3 is not installed");
    }
    let s = Stack::start(None).await;
    let mut arns = Vec::new();
    for (name, code) in [("backend", BACKEND), ("authorizer", AUTHORIZER)] {
        let out = s
            .lambda
            .create_function()
            .function_name(name)
            .runtime(Runtime::Python312)
            .handler("index.handler")
            .role("arn:aws:iam::000000000000:role/r")
            .code(
                FunctionCode::builder()
                    .zip_file(Blob::new(zip_of(&[("index.py", 0o644, code.as_bytes())])))
                    .build(),
            )
            .send()
            .await
            .unwrap();
        arns.push(out.function_arn.unwrap());
    }
    let authorizer = arns.pop().unwrap_or_default();
    let backend = arns.pop().unwrap_or_default();
    Some((s, backend, authorizer))
}

fn uri(function_arn: &str) -> String {
    format!(
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{function_arn}/invocations"
    )
}

/// An API with GET /item (and POST /item when `post`) integrated with the backend, which API Gateway
/// may call; returns (api id, /item's resource id). Methods are added by the caller.
async fn api(s: &Stack, backend: &str) -> (String, String) {
    let api = s
        .apigw
        .create_rest_api()
        .name("access")
        .send()
        .await
        .unwrap();
    let id = api.id.unwrap();
    let item = s
        .apigw
        .create_resource()
        .rest_api_id(&id)
        .parent_id(api.root_resource_id.unwrap())
        .path_part("item")
        .send()
        .await
        .unwrap();
    s.lambda
        .add_permission()
        .function_name(backend)
        .statement_id("apigw")
        .action("lambda:InvokeFunction")
        .principal("apigateway.amazonaws.com")
        .source_arn(format!(
            "arn:aws:execute-api:us-east-1:000000000000:{id}/*/*"
        ))
        .send()
        .await
        .unwrap();
    (id, item.id.unwrap())
}

async fn integrate(s: &Stack, api: &str, rid: &str, verb: &str, backend: &str) {
    s.apigw
        .put_integration()
        .rest_api_id(api)
        .resource_id(rid)
        .http_method(verb)
        .r#type(IntegrationType::AwsProxy)
        .integration_http_method("POST")
        .uri(uri(backend))
        .send()
        .await
        .unwrap();
}

fn op(op: Op, path: &str, value: &str) -> PatchOperation {
    PatchOperation::builder()
        .op(op)
        .path(path)
        .value(value)
        .build()
}

/// (status, x-amzn-ErrorType, body as JSON).
async fn answer(r: reqwest::Response) -> (u16, String, Value) {
    let status = r.status().as_u16();
    let kind = r
        .headers()
        .get("x-amzn-ErrorType")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = r.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, kind, body)
}

#[tokio::test]
async fn api_keys_and_usage_plans_gate_methods_that_require_a_key() {
    let Some((s, backend, _)) = stack().await else {
        return;
    };
    let (api, item) = api(&s, &backend).await;
    s.apigw
        .put_method()
        .rest_api_id(&api)
        .resource_id(&item)
        .http_method("GET")
        .authorization_type("NONE")
        .api_key_required(true)
        .send()
        .await
        .unwrap();
    integrate(&s, &api, &item, "GET", &backend).await;
    s.deploy(&api).await;
    let url = s.stage_url(&api, "/item");
    let get = |key: Option<&str>| {
        let mut r = s.http.get(&url);
        if let Some(k) = key {
            r = r.header("x-api-key", k);
        }
        r.send()
    };
    let forbidden = (
        403,
        "ForbiddenException".to_owned(),
        json!({"message": "Forbidden"}),
    );
    assert_eq!(answer(get(None).await.unwrap()).await, forbidden);

    // Control plane: AWS's defaults (a key is created disabled) and refusals.
    let short = s
        .apigw
        .create_api_key()
        .name("k")
        .value("short")
        .send()
        .await;
    assert_eq!(
        refusal(short.unwrap_err().into_service_error()),
        (
            "BadRequestException".into(),
            "API Key value should be at least 20 characters".into()
        )
    );
    let key = s.apigw.create_api_key().name("k").send().await.unwrap();
    assert!(!key.enabled());
    let value = key.value().unwrap().to_owned();
    let key_id = key.id().unwrap().to_owned();
    assert!(value.len() >= 20);
    let read = s.apigw.get_api_key().api_key(&key_id).send().await.unwrap();
    assert_eq!(read.value(), None, "the value only when asked for");
    let read = s
        .apigw
        .get_api_key()
        .api_key(&key_id)
        .include_value(true)
        .send()
        .await
        .unwrap();
    assert_eq!(read.value(), Some(value.as_str()));
    let missing = s.apigw.get_api_key().api_key("nope").send().await;
    assert_eq!(
        refusal(missing.unwrap_err().into_service_error()),
        (
            "NotFoundException".into(),
            "Invalid API Key identifier specified".into()
        )
    );
    let immutable = s
        .apigw
        .update_api_key()
        .api_key(&key_id)
        .patch_operations(op(Op::Replace, "/id", "x"))
        .send()
        .await;
    assert_eq!(
        refusal(immutable.unwrap_err().into_service_error()).1,
        "Invalid patch path  '/id' specified for op 'replace'. Must be one of: [/description, /enabled, /name, /customerId]"
    );
    let bad_stage = s
        .apigw
        .create_usage_plan()
        .name("plan")
        .api_stages(ApiStage::builder().api_id(&api).stage("nostage").build())
        .send()
        .await;
    assert_eq!(
        refusal(bad_stage.unwrap_err().into_service_error()).0,
        "NotFoundException"
    );
    let plan = s
        .apigw
        .create_usage_plan()
        .name("plan")
        .api_stages(ApiStage::builder().api_id(&api).stage(STAGE).build())
        .throttle(
            ThrottleSettings::builder()
                .burst_limit(10)
                .rate_limit(5.0)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let plan_id = plan.id().unwrap().to_owned();
    assert_eq!(plan.api_stages()[0].stage(), Some(STAGE));
    assert_eq!(plan.throttle().unwrap().rate_limit(), 5.0);
    let plan_key = s
        .apigw
        .create_usage_plan_key()
        .usage_plan_id(&plan_id)
        .key_id(&key_id)
        .key_type("API_KEY")
        .send()
        .await
        .unwrap();
    assert_eq!(plan_key.r#type(), Some("API_KEY"));
    assert_eq!(plan_key.value(), Some(value.as_str()));
    let keys = s
        .apigw
        .get_usage_plan_keys()
        .usage_plan_id(&plan_id)
        .send()
        .await
        .unwrap();
    assert_eq!(keys.items().len(), 1);
    let plans = s
        .apigw
        .get_usage_plans()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    assert_eq!(plans.items().len(), 1);

    // Data plane: a disabled key, an unknown key, then the enabled key in the plan.
    assert_eq!(answer(get(Some(&value)).await.unwrap()).await, forbidden);
    assert_eq!(
        answer(get(Some("x".repeat(30).as_str())).await.unwrap()).await,
        forbidden
    );
    s.apigw
        .update_api_key()
        .api_key(&key_id)
        .patch_operations(op(Op::Replace, "/enabled", "true"))
        .send()
        .await
        .unwrap();
    let (status, _, body) = answer(get(Some(&value)).await.unwrap()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["apiKeyId"], json!(key_id));

    // A quota of 2 a day, counted from when it is set: two more requests pass, the next is refused.
    s.apigw
        .update_usage_plan()
        .usage_plan_id(&plan_id)
        .patch_operations(op(Op::Replace, "/quota/limit", "2"))
        .patch_operations(op(Op::Replace, "/quota/period", "DAY"))
        .send()
        .await
        .unwrap();
    let read = s
        .apigw
        .get_usage_plan()
        .usage_plan_id(&plan_id)
        .send()
        .await
        .unwrap();
    assert_eq!(read.quota().unwrap().limit(), 2);
    assert_eq!(read.quota().unwrap().period(), Some(&QuotaPeriodType::Day));
    assert_eq!(answer(get(Some(&value)).await.unwrap()).await.0, 200);
    assert_eq!(answer(get(Some(&value)).await.unwrap()).await.0, 200);
    assert_eq!(
        answer(get(Some(&value)).await.unwrap()).await,
        (
            429,
            "LimitExceededException".to_owned(),
            json!({"message": "Limit Exceeded"})
        )
    );
    s.apigw
        .update_usage_plan()
        .usage_plan_id(&plan_id)
        .patch_operations(
            PatchOperation::builder()
                .op(Op::Remove)
                .path("/quota")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(answer(get(Some(&value)).await.unwrap()).await.0, 200);

    // Out of the plan, the key no longer opens the stage.
    s.apigw
        .delete_usage_plan_key()
        .usage_plan_id(&plan_id)
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    assert_eq!(answer(get(Some(&value)).await.unwrap()).await, forbidden);
    s.apigw
        .delete_usage_plan()
        .usage_plan_id(&plan_id)
        .send()
        .await
        .unwrap();
    s.apigw
        .delete_api_key()
        .api_key(&key_id)
        .send()
        .await
        .unwrap();
    assert!(
        s.apigw
            .get_api_keys()
            .send()
            .await
            .unwrap()
            .items()
            .is_empty()
    );
    let gone = s
        .apigw
        .get_usage_plan()
        .usage_plan_id(&plan_id)
        .send()
        .await;
    assert_eq!(
        refusal(gone.unwrap_err().into_service_error()),
        (
            "NotFoundException".into(),
            "Invalid Usage Plan ID specified".into()
        )
    );
    s.server.shutdown().await;
}

/// How many times the authorizer function ran.
async fn authorizer_calls(s: &Stack) -> usize {
    let page = s
        .logs
        .filter_log_events()
        .log_group_name("/aws/lambda/authorizer")
        .filter_pattern("\"authorizer called\"")
        .send()
        .await;
    page.map(|p| p.events().len()).unwrap_or(0)
}

#[tokio::test]
async fn lambda_authorizers_allow_deny_and_pass_their_context() {
    let Some((s, backend, authorizer)) = stack().await else {
        return;
    };
    let (api, item) = api(&s, &backend).await;
    let token = s
        .apigw
        .create_authorizer()
        .rest_api_id(&api)
        .name("token")
        .r#type(AuthorizerType::Token)
        .authorizer_uri(uri(&authorizer))
        .identity_source("method.request.header.Authorization")
        .identity_validation_expression("^[a-z]+$")
        .send()
        .await
        .unwrap();
    let request = s
        .apigw
        .create_authorizer()
        .rest_api_id(&api)
        .name("request")
        .r#type(AuthorizerType::Request)
        .authorizer_uri(uri(&authorizer))
        .identity_source("method.request.header.token")
        .authorizer_result_ttl_in_seconds(0)
        .send()
        .await
        .unwrap();
    for (verb, authorizer_id) in [
        ("GET", token.id().unwrap()),
        ("POST", request.id().unwrap()),
    ] {
        s.apigw
            .put_method()
            .rest_api_id(&api)
            .resource_id(&item)
            .http_method(verb)
            .authorization_type("CUSTOM")
            .authorizer_id(authorizer_id)
            .send()
            .await
            .unwrap();
        integrate(&s, &api, &item, verb, &backend).await;
    }
    s.deploy(&api).await;
    let url = s.stage_url(&api, "/item");
    let get = |auth: Option<&str>| {
        let mut r = s.http.get(&url);
        if let Some(a) = auth {
            r = r.header("Authorization", a);
        }
        r.send()
    };

    // Without a permission for API Gateway, the authorizer cannot be called: 500.
    let (status, kind, _) = answer(get(Some("allow")).await.unwrap()).await;
    assert_eq!(
        (status, kind.as_str()),
        (500, "AuthorizerConfigurationException")
    );
    s.lambda
        .add_permission()
        .function_name("authorizer")
        .statement_id("apigw")
        .action("lambda:InvokeFunction")
        .principal("apigateway.amazonaws.com")
        .source_arn(format!(
            "arn:aws:execute-api:us-east-1:000000000000:{api}/authorizers/*"
        ))
        .send()
        .await
        .unwrap();

    let unauthorized = (
        401,
        "UnauthorizedException".to_owned(),
        json!({"message": "Unauthorized"}),
    );
    // No token, or one the validation expression refuses: 401 without calling the function.
    assert_eq!(answer(get(None).await.unwrap()).await, unauthorized);
    assert_eq!(
        answer(get(Some("Not Valid!")).await.unwrap()).await,
        unauthorized
    );
    assert_eq!(authorizer_calls(&s).await, 0);

    let (status, _, body) = answer(get(Some("allow")).await.unwrap()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["authorizer"],
        json!({"who": "allow", "n": "7", "principalId": "user-allow", "integrationLatency": 0})
    );
    // The answer is cached for the authorizer's TTL (300 s by default): no second call.
    assert_eq!(answer(get(Some("allow")).await.unwrap()).await.0, 200);
    assert_eq!(authorizer_calls(&s).await, 1);

    assert_eq!(
        answer(get(Some("deny")).await.unwrap()).await,
        (
            403,
            "AccessDeniedException".to_owned(),
            json!({"message": "User is not authorized to access this resource with an explicit deny"})
        )
    );
    // The function raising "Unauthorized" is a 401.
    assert_eq!(answer(get(Some("fail")).await.unwrap()).await, unauthorized);

    // REQUEST: the identity source is the `token` header; with a TTL of 0 every request calls it.
    let post = |token: &str| s.http.post(&url).header("token", token).body("{}").send();
    let before = authorizer_calls(&s).await;
    let (status, _, body) = answer(post("allow").await.unwrap()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["authorizer"]["who"], "allow");
    assert_eq!(answer(post("allow").await.unwrap()).await.0, 200);
    assert_eq!(answer(post("deny").await.unwrap()).await.0, 403);
    assert_eq!(authorizer_calls(&s).await, before + 3);
    s.server.shutdown().await;
}

#[tokio::test]
async fn gateway_responses_and_request_validators_apply_as_deployed() {
    let Some((s, backend, _)) = stack().await else {
        return;
    };
    let (api, item) = api(&s, &backend).await;
    let validator = s
        .apigw
        .create_request_validator()
        .rest_api_id(&api)
        .name("all")
        .validate_request_body(true)
        .validate_request_parameters(true)
        .send()
        .await
        .unwrap();
    s.apigw
        .create_model()
        .rest_api_id(&api)
        .name("Item")
        .content_type("application/json")
        .schema(
            json!({
                "$schema": "http://json-schema.org/draft-04/schema#",
                "type": "object",
                "required": ["name"],
                "properties": {"name": {"type": "string"}, "count": {"type": "integer", "minimum": 1}}
            })
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    s.apigw
        .put_method()
        .rest_api_id(&api)
        .resource_id(&item)
        .http_method("POST")
        .authorization_type("NONE")
        .request_validator_id(validator.id().unwrap())
        .request_parameters("method.request.header.x-tenant", true)
        .request_parameters("method.request.querystring.version", true)
        .request_parameters("method.request.querystring.optional", false)
        .request_models("application/json", "Item")
        .send()
        .await
        .unwrap();
    integrate(&s, &api, &item, "POST", &backend).await;
    s.deploy(&api).await;
    let url = s.stage_url(&api, "/item");

    let (status, kind, body) = answer(s.http.post(&url).body("{}").send().await.unwrap()).await;
    assert_eq!((status, kind.as_str()), (400, "BadRequestException"));
    assert_eq!(
        body,
        json!({"message": "Missing required request parameters: [x-tenant, version]"})
    );
    let post = |body: &'static str| {
        s.http
            .post(format!("{url}?version=1"))
            .header("x-tenant", "t")
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let invalid = (
        400,
        "BadRequestException".to_owned(),
        json!({"message": "Invalid request body"}),
    );
    assert_eq!(
        answer(post(r#"{"count": 2}"#).await.unwrap()).await,
        invalid
    );
    assert_eq!(
        answer(post(r#"{"name": "a", "count": 0}"#).await.unwrap()).await,
        invalid
    );
    assert_eq!(answer(post("not json").await.unwrap()).await, invalid);
    let (status, _, body) = answer(post(r#"{"name": "a", "count": 2}"#).await.unwrap()).await;
    assert_eq!(status, 200, "{body}");

    // Gateway responses: customised, but only served once deployed.
    s.apigw
        .put_gateway_response()
        .rest_api_id(&api)
        .response_type(GatewayResponseType::Default4Xx)
        .response_parameters("gatewayresponse.header.Access-Control-Allow-Origin", "'*'")
        .response_parameters(
            "gatewayresponse.header.x-tenant",
            "method.request.header.x-tenant",
        )
        .response_templates(
            "application/json",
            r#"{"error": $context.error.messageString, "type": "$context.error.responseType"}"#,
        )
        .send()
        .await
        .unwrap();
    s.apigw
        .put_gateway_response()
        .rest_api_id(&api)
        .response_type(GatewayResponseType::MissingAuthenticationToken)
        .status_code("404")
        .response_templates("application/json", r#"{"gone": "$context.path"}"#)
        .send()
        .await
        .unwrap();
    let nowhere = s
        .http
        .get(s.stage_url(&api, "/nowhere"))
        .send()
        .await
        .unwrap();
    assert_eq!(nowhere.status(), 403, "not deployed yet");
    s.deploy(&api).await;

    let nowhere = s
        .http
        .get(s.stage_url(&api, "/nowhere"))
        .send()
        .await
        .unwrap();
    assert_eq!(nowhere.status(), 404);
    assert_eq!(
        nowhere.headers()["x-amzn-ErrorType"],
        "MissingAuthenticationTokenException"
    );
    assert_eq!(
        nowhere.json::<Value>().await.unwrap(),
        json!({"gone": format!("/{STAGE}/nowhere")})
    );
    // Every other 4xx takes the DEFAULT_4XX customisation, keeping its own status.
    let r = s
        .http
        .post(&url)
        .header("x-tenant", "acme")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    assert_eq!(r.headers()["x-tenant"], "acme");
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"error": "Missing required request parameters: [version]", "type": "BAD_REQUEST_PARAMETERS"})
    );
    s.server.shutdown().await;
}

async fn mock_method(s: &Stack, api: &str, rid: &str, verb: &str, template: &str) {
    s.apigw
        .put_method()
        .rest_api_id(api)
        .resource_id(rid)
        .http_method(verb)
        .authorization_type("NONE")
        .send()
        .await
        .unwrap();
    s.apigw
        .put_integration()
        .rest_api_id(api)
        .resource_id(rid)
        .http_method(verb)
        .r#type(IntegrationType::Mock)
        .request_templates("application/json", template)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn mock_integrations_map_templates_and_slow_functions_time_out() {
    let Some((s, backend, _)) = stack().await else {
        return;
    };
    let (api, item) = api(&s, &backend).await;
    // The CORS preflight pattern: a MOCK OPTIONS whose integration response sets the headers.
    mock_method(&s, &api, &item, "OPTIONS", r#"{"statusCode": 200}"#).await;
    s.apigw
        .put_method_response()
        .rest_api_id(&api)
        .resource_id(&item)
        .http_method("OPTIONS")
        .status_code("200")
        .response_parameters("method.response.header.Access-Control-Allow-Origin", true)
        .response_parameters("method.response.header.Access-Control-Allow-Methods", true)
        .send()
        .await
        .unwrap();
    let put = s
        .apigw
        .put_integration_response()
        .rest_api_id(&api)
        .resource_id(&item)
        .http_method("OPTIONS")
        .status_code("200")
        .response_parameters("method.response.header.Access-Control-Allow-Origin", "'*'")
        .response_parameters(
            "method.response.header.Access-Control-Allow-Methods",
            "'GET,OPTIONS'",
        )
        .response_templates("application/json", "")
        .send()
        .await;
    // Stored; answered as AWS answers it, the empty template as `null`, which the bare SDK cannot
    // read ("dense map cannot contain null values"; lambdeck's own client reads it as "").
    let refused = format!(
        "{:?}",
        put.expect_err("the bare SDK refuses a null template")
    );
    assert!(
        refused.contains("dense map cannot contain null values"),
        "{refused}"
    );
    // The request template's statusCode selects the integration response.
    mock_method(
        &s,
        &api,
        &item,
        "GET",
        r#"{"statusCode": $input.params('code')}"#,
    )
    .await;
    for (status, pattern, template) in [
        (
            "200",
            None,
            r#"{"id": "$input.params('id')", "stage": "$context.stage", "tenant": "$input.params('x-tenant')"}"#,
        ),
        ("404", Some("404"), r#"{"message": "no such item"}"#),
    ] {
        s.apigw
            .put_integration_response()
            .rest_api_id(&api)
            .resource_id(&item)
            .http_method("GET")
            .status_code(status)
            .set_selection_pattern(pattern.map(ToOwned::to_owned))
            .response_templates("application/json", template)
            .send()
            .await
            .unwrap();
    }
    // A template AWS cannot evaluate (an #if without its #end): 500.
    mock_method(&s, &api, &item, "PUT", "#if($x)\n{\"statusCode\": 200}").await;
    // A function slower than the integration's 100 ms timeout: 504.
    s.apigw
        .put_method()
        .rest_api_id(&api)
        .resource_id(&item)
        .http_method("POST")
        .authorization_type("NONE")
        .send()
        .await
        .unwrap();
    integrate(&s, &api, &item, "POST", &backend).await;
    s.apigw
        .update_integration()
        .rest_api_id(&api)
        .resource_id(&item)
        .http_method("POST")
        .patch_operations(op(Op::Replace, "/timeoutInMillis", "100"))
        .send()
        .await
        .unwrap();
    s.lambda
        .update_function_configuration()
        .function_name("backend")
        .environment(
            aws_sdk_lambda::types::Environment::builder()
                .variables("SLOW", "1")
                .build(),
        )
        .timeout(30)
        .send()
        .await
        .unwrap();
    s.deploy(&api).await;
    let url = s.stage_url(&api, "/item");

    let preflight = s
        .http
        .request(reqwest::Method::OPTIONS, &url)
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 200);
    assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
    assert_eq!(
        preflight.headers()["access-control-allow-methods"],
        "GET,OPTIONS"
    );
    assert_eq!(preflight.text().await.unwrap(), "");

    let found = s
        .http
        .get(format!("{url}?code=200&id=5"))
        .header("x-tenant", "acme")
        .send()
        .await
        .unwrap();
    assert_eq!(
        answer(found).await,
        (
            200,
            String::new(),
            json!({"id": "5", "stage": STAGE, "tenant": "acme"})
        )
    );
    let missing = s.http.get(format!("{url}?code=404")).send().await.unwrap();
    assert_eq!(
        answer(missing).await,
        (404, String::new(), json!({"message": "no such item"}))
    );

    let r = s.http.put(&url).send().await.unwrap();
    assert_eq!(r.status(), 500);
    assert_eq!(
        r.text().await.unwrap(),
        r#"{"message": "Internal server error"}"#
    );

    assert_eq!(
        answer(s.http.post(&url).send().await.unwrap()).await,
        (
            504,
            "InternalServerErrorException".to_owned(),
            json!({"message": "Endpoint request timed out"})
        )
    );
    s.server.shutdown().await;
}
