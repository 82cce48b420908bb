//! Mapping templates with Velocity directives on stage traffic, built through the real SDK: an `AWS`
//! (non-proxy) Lambda integration whose request template walks `$input.params()` with `#foreach`
//! and whose response template overrides the status and a header; a MOCK integration choosing its
//! status with `#if`. The function is Python, run by this machine's `python3`.

use aws_sdk_apigateway::types::IntegrationType;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, Runtime};
use lambdeck_test_support::{skip, zip_of};
use serde_json::{Value, json};

use super::Stack;

/// Echoes the mapped payload back, with a verdict the response template reads.
const ECHO: &str = r#"def handler(event, context):
    return {"verdict": "customerror" if event["body"].get("fail") else "fine", "event": event}
"#;

const REQUEST_TEMPLATE: &str = r##"#set($allParams = $input.params())
{
"stage": "$context.stage",
"method": "$context.httpMethod",
#foreach($type in $allParams.keySet())
#set($params = $allParams.get($type))
"$type": {
#foreach($name in $params.keySet())
"$name": "$util.escapeJavaScript($params.get($name))"#if($foreach.hasNext),#end
#end
},
#end
"body": $input.json('$')
}"##;

const RESPONSE_TEMPLATE: &str = r#"#set($root = $input.path('$'))
{"verdict": "$root.verdict", "query": $input.json('$.event.querystring'), "n": $root.event.body.items.size()}
#if($root.toString().contains("customerror"))
#set($context.responseOverride.status = 400)
#set($context.responseOverride.header.X-Verdict = $root.verdict)
#end"#;

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
}

#[tokio::test]
async fn directives_map_requests_and_override_answers() {
    if !on_path("python3") {
        skip::<()>("python3 is not installed");
        return;
    }
    let s = Stack::start(None).await;
    let function = s
        .lambda
        .create_function()
        .function_name("echo")
        .runtime(Runtime::Python312)
        .handler("index.handler")
        .role("arn:aws:iam::000000000000:role/r")
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(zip_of(&[("index.py", 0o644, ECHO.as_bytes())])))
                .build(),
        )
        .send()
        .await
        .unwrap();
    let api = s
        .apigw
        .create_rest_api()
        .name("templates")
        .send()
        .await
        .unwrap();
    let id = api.id.unwrap();
    let root = api.root_resource_id.unwrap();
    let mut resources = Vec::new();
    for part in ["echo", "mock"] {
        let r = s
            .apigw
            .create_resource()
            .rest_api_id(&id)
            .parent_id(&root)
            .path_part(part)
            .send()
            .await
            .unwrap();
        resources.push(r.id.unwrap());
        s.apigw
            .put_method()
            .rest_api_id(&id)
            .resource_id(resources.last().unwrap())
            .http_method("POST")
            .authorization_type("NONE")
            .send()
            .await
            .unwrap();
    }
    let (echo, mock) = (&resources[0], &resources[1]);
    s.apigw
        .put_integration()
        .rest_api_id(&id)
        .resource_id(echo)
        .http_method("POST")
        .r#type(IntegrationType::Aws)
        .integration_http_method("POST")
        .uri(format!(
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{}/invocations",
            function.function_arn.unwrap()
        ))
        .credentials("arn:aws:iam::000000000000:role/apigw")
        .request_templates("application/json", REQUEST_TEMPLATE)
        .send()
        .await
        .unwrap();
    s.apigw
        .put_integration_response()
        .rest_api_id(&id)
        .resource_id(echo)
        .http_method("POST")
        .status_code("200")
        .selection_pattern("")
        .response_templates("application/json", RESPONSE_TEMPLATE)
        .send()
        .await
        .unwrap();
    // A MOCK whose request template picks the status by the body.
    s.apigw
        .put_integration()
        .rest_api_id(&id)
        .resource_id(mock)
        .http_method("POST")
        .r#type(IntegrationType::Mock)
        .request_templates(
            "application/json",
            "#if($input.path('$.ok'))\n{\"statusCode\": 200}\n#else\n{\"statusCode\": 403}\n#end",
        )
        .send()
        .await
        .unwrap();
    for (status, pattern) in [("200", None), ("403", Some("403"))] {
        s.apigw
            .put_integration_response()
            .rest_api_id(&id)
            .resource_id(mock)
            .http_method("POST")
            .status_code(status)
            .set_selection_pattern(pattern.map(ToOwned::to_owned))
            .response_templates(
                "application/json",
                "#set($n = $input.params('n'))[#foreach($i in [1..$n])$i#if($foreach.hasNext),#end#end]",
            )
            .send()
            .await
            .unwrap();
    }
    s.deploy(&id).await;

    let url = s.stage_url(&id, "/echo");
    let send = |body: Value| {
        s.http
            .post(format!("{url}?q=say%20%22hi%22"))
            .header("Content-Type", "application/json")
            .header("X-Tenant", "acme")
            .body(body.to_string())
            .send()
    };
    let fine = send(json!({"items": [1, 2, 3]})).await.unwrap();
    assert_eq!(fine.status(), 200);
    assert!(fine.headers().get("x-verdict").is_none());
    let body: Value = fine.json().await.unwrap();
    assert_eq!(
        body,
        json!({"verdict": "fine", "query": {"q": "say \"hi\""}, "n": 3})
    );

    let failed = send(json!({"items": [1], "fail": true})).await.unwrap();
    assert_eq!(failed.status(), 400);
    assert_eq!(failed.headers()["x-verdict"], "customerror");
    let body: Value = failed.json().await.unwrap();
    assert_eq!(body["verdict"], "customerror");

    let mock_url = s.stage_url(&id, "/mock");
    for (ok, status) in [(true, 200), (false, 403)] {
        let r = s
            .http
            .post(format!("{mock_url}?n=3"))
            .header("Content-Type", "application/json")
            .body(json!({ "ok": ok }).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status);
        assert_eq!(r.text().await.unwrap(), "[1,2,3]");
    }
    s.server.shutdown().await;
}

/// The overrides a MOCK's request template sets carry into its response template and apply to the
/// answer even with no response template; `{statusCode: 200}` (not JSON, as CDK writes it) selects.
#[tokio::test]
async fn request_template_overrides_carry_into_the_answer() {
    let s = Stack::start(None).await;
    let api = s
        .apigw
        .create_rest_api()
        .name("overrides")
        .send()
        .await
        .unwrap();
    let id = api.id.unwrap();
    let root = api.root_resource_id.unwrap();
    let request = "#set($context.responseOverride.status = 444)\n#set($context.responseOverride.header.foo = \"bar\")\n#set($context.requestOverride.path.body = $input.params('v'))\n{statusCode: 200}";
    let response = "{\"status\": \"$context.responseOverride.status\", \"carried\": \"$context.requestOverride.path.body\"}";
    for (part, template) in [("with", Some(response)), ("without", None)] {
        let r = s
            .apigw
            .create_resource()
            .rest_api_id(&id)
            .parent_id(&root)
            .path_part(part)
            .send()
            .await
            .unwrap()
            .id
            .unwrap();
        s.apigw
            .put_method()
            .rest_api_id(&id)
            .resource_id(&r)
            .http_method("GET")
            .authorization_type("NONE")
            .send()
            .await
            .unwrap();
        s.apigw
            .put_integration()
            .rest_api_id(&id)
            .resource_id(&r)
            .http_method("GET")
            .r#type(IntegrationType::Mock)
            .request_templates("application/json", request)
            .send()
            .await
            .unwrap();
        s.apigw
            .put_integration_response()
            .rest_api_id(&id)
            .resource_id(&r)
            .http_method("GET")
            .status_code("200")
            .selection_pattern("2\\d{2}")
            .set_response_templates(
                template.map(|t| [("application/json".to_owned(), t.to_owned())].into()),
            )
            .send()
            .await
            .unwrap();
    }
    s.deploy(&id).await;
    let with = s
        .http
        .get(format!("{}?v=x1", s.stage_url(&id, "/with")))
        .send()
        .await
        .unwrap();
    assert_eq!(with.status(), 444);
    assert_eq!(with.headers()["foo"], "bar");
    assert_eq!(
        with.json::<Value>().await.unwrap(),
        json!({"status": "444", "carried": "x1"})
    );
    let without = s
        .http
        .get(s.stage_url(&id, "/without"))
        .send()
        .await
        .unwrap();
    assert_eq!(without.status(), 444);
    assert_eq!(without.headers()["foo"], "bar");
    assert_eq!(without.text().await.unwrap(), "");
    s.server.shutdown().await;
}
