//! TestInvokeMethod on the local stack, through the real SDK: it runs the working API's method (what a
//! redeploy would make live), not the deployed one, and answers in AWS's shape; lambdeck's engine finds
//! the method by the path a user calls.

use lambdeck::config::StackSpec;
use lambdeck::stack::invoke::test_invoke;
use lambdeck::stack::{HttpRequest, StackError, load_stack};

use super::{FUNCTION, Stack, assert_missing_token};
use crate::support::{hello_world_zip, local_clients};

#[tokio::test]
async fn an_undeployed_route_answers_test_invoke_while_the_stage_does_not_serve_it() {
    let s = Stack::start(None).await;
    let arn = s.create_function(FUNCTION, hello_world_zip()).await;
    let (api, hello) = s.create_api(&arn).await;
    s.permit(&api).await;

    // Never deployed: the stage does not exist, yet the working method answers.
    assert_eq!(s.get(&api, "/hello_world").await.status(), 403);
    let out = s
        .apigw
        .test_invoke_method()
        .rest_api_id(&api)
        .resource_id(&hello)
        .http_method("GET")
        .path_with_query_string("/hello_world?name=ada")
        .headers("X-Probe", "1")
        .send()
        .await
        .expect("TestInvokeMethod");
    assert_eq!(out.status(), 200);
    assert_eq!(out.body(), Some("\"Hello from Lambda!\""));
    assert_eq!(
        out.headers()
            .unwrap()
            .get("Content-Type")
            .map(String::as_str),
        Some("application/json")
    );
    assert_eq!(
        out.multi_value_headers().unwrap()["Content-Type"],
        ["application/json"]
    );
    let log = out.log().unwrap();
    assert!(log.starts_with("Execution log for request "), "{log}");
    for step in [
        "HTTP Method: GET, Resource Path: /hello_world",
        "Method request query string: {name=ada}",
        "Method request headers: {X-Probe=1}",
        "\"stage\":\"test-invoke-stage\"",
        "Endpoint response body before transformations: ",
        "Method completed with status: 200",
    ] {
        assert!(log.contains(step), "{step} missing from:\n{log}");
    }
    assert!(out.latency() >= 0);

    // Deployed, then a route added: the stage still 403s on it, test-invoke runs it.
    s.deploy(&api).await;
    let root = s
        .apigw
        .get_rest_api()
        .rest_api_id(&api)
        .send()
        .await
        .unwrap()
        .root_resource_id()
        .unwrap()
        .to_owned();
    let new_route = s.add_route(&api, &root, "new_route", &arn).await;
    assert_missing_token(s.get(&api, "/new_route").await).await;
    let out = s
        .apigw
        .test_invoke_method()
        .rest_api_id(&api)
        .resource_id(&new_route)
        .http_method("GET")
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 200);
    assert_eq!(out.body(), Some("\"Hello from Lambda!\""));
    assert!(out.log().unwrap().contains("Resource Path: /new_route"));

    // lambdeck's engine finds the method by the called path and reads the answer into the model.
    let clients = local_clients(&s.server.endpoint_url()).await;
    let spec = StackSpec::parse("", "lambdeck.toml").unwrap();
    let stack = load_stack(&clients, &spec).await.unwrap();
    let t = test_invoke(&clients, &stack, &HttpRequest::new("GET", "/new_route"))
        .await
        .unwrap();
    assert_eq!(
        (t.route.to_string(), t.status),
        ("GET /new_route".into(), 200)
    );
    assert_eq!(t.body, "\"Hello from Lambda!\"");
    assert!(
        t.log
            .iter()
            .any(|l| l.ends_with("Method completed with status: 200"))
    );
    let e = test_invoke(&clients, &stack, &HttpRequest::new("POST", "/new_route"))
        .await
        .unwrap_err();
    assert!(matches!(e, StackError::Refused(_)), "{e}");
}

#[tokio::test]
async fn test_invoke_of_a_missing_method_or_without_permission_is_as_api_gateway_answers() {
    let s = Stack::start(None).await;
    let arn = s.create_function(FUNCTION, hello_world_zip()).await;
    let (api, hello) = s.create_api(&arn).await;

    let err = s
        .apigw
        .test_invoke_method()
        .rest_api_id(&api)
        .resource_id(&hello)
        .http_method("POST")
        .send()
        .await
        .unwrap_err();
    let err = err.into_service_error();
    assert!(err.is_not_found_exception(), "{err:?}");
    assert_eq!(
        err.meta().message(),
        Some("Invalid Method identifier specified")
    );

    // No resource policy lets API Gateway call the function: a 500 whose log says why.
    let out = s
        .apigw
        .test_invoke_method()
        .rest_api_id(&api)
        .resource_id(&hello)
        .http_method("GET")
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 500);
    assert_eq!(out.body(), Some(r#"{"message":"Internal server error"}"#));
    let log = out.log().unwrap();
    assert!(
        log.contains(
            "Execution failed due to configuration error: Invalid permissions on Lambda function"
        ),
        "{log}"
    );
}

/// The steps of an execution log, without their time stamps.
fn steps(log: &str) -> Vec<String> {
    log.lines()
        .skip(1)
        .map(|l| l.split_once(" : ").map_or(l, |(_, s)| s).to_owned())
        .collect()
}

#[tokio::test]
async fn test_invoke_runs_a_mock_integration_and_logs_as_api_gateway_does() {
    let s = Stack::start(None).await;
    let api = s.apigw.create_rest_api().name("mock").send().await.unwrap();
    let id = api.id.unwrap();
    let pets = s
        .apigw
        .create_resource()
        .rest_api_id(&id)
        .parent_id(api.root_resource_id.unwrap())
        .path_part("{petId}")
        .send()
        .await
        .unwrap()
        .id
        .unwrap();
    s.apigw
        .put_method()
        .rest_api_id(&id)
        .resource_id(&pets)
        .http_method("GET")
        .authorization_type("NONE")
        .send()
        .await
        .unwrap();
    s.apigw
        .put_integration()
        .rest_api_id(&id)
        .resource_id(&pets)
        .http_method("GET")
        .r#type(aws_sdk_apigateway::types::IntegrationType::Mock)
        .request_templates("application/json", r#"{"statusCode": 200}"#)
        .send()
        .await
        .unwrap();
    s.apigw
        .put_integration_response()
        .rest_api_id(&id)
        .resource_id(&pets)
        .http_method("GET")
        .status_code("200")
        .response_templates("application/json", r#"{"petId": "$input.params('petId')"}"#)
        .response_parameters("method.response.header.X-Pet", "method.request.path.petId")
        .send()
        .await
        .unwrap();
    let out = s
        .apigw
        .test_invoke_method()
        .rest_api_id(&id)
        .resource_id(&pets)
        .http_method("GET")
        .path_with_query_string("/123")
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 200);
    assert_eq!(out.body(), Some(r#"{"petId": "123"}"#));
    let headers = out.headers().unwrap();
    assert_eq!(headers["Content-Type"], "application/json");
    assert_eq!(headers["X-Pet"], "123", "spelled as the mapping spells it");
    assert_eq!(
        steps(out.log().unwrap())[1..],
        [
            "HTTP Method: GET, Resource Path: /123",
            "Method request path: {petId=123}",
            "Method request query string: {}",
            "Method request headers: {}",
            "Method request body before transformations: ",
            r#"Method response body after transformations: {"petId": "123"}"#,
            "Method response headers: {Content-Type=application/json, X-Pet=123}",
            "Successfully completed execution",
            "Method completed with status: 200",
        ]
    );
}

#[tokio::test]
async fn test_invoke_of_an_http_proxy_without_an_address_fails_as_api_gateway_does() {
    let s = Stack::start(None).await;
    let api = s
        .apigw
        .create_rest_api()
        .name("proxy")
        .send()
        .await
        .unwrap();
    let id = api.id.unwrap();
    let root = api.root_resource_id.unwrap();
    s.apigw
        .put_method()
        .rest_api_id(&id)
        .resource_id(&root)
        .http_method("ANY")
        .authorization_type("NONE")
        .send()
        .await
        .unwrap();
    s.apigw
        .put_integration()
        .rest_api_id(&id)
        .resource_id(&root)
        .http_method("ANY")
        .r#type(aws_sdk_apigateway::types::IntegrationType::HttpProxy)
        .integration_http_method("ANY")
        .uri("https://${stageVariables.testHost}")
        .send()
        .await
        .unwrap();
    let out = s
        .apigw
        .test_invoke_method()
        .rest_api_id(&id)
        .resource_id(&root)
        .http_method("GET")
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 500);
    assert_eq!(out.body(), Some(r#"{"message": "Internal server error"}"#));
    let headers = out.headers().unwrap();
    assert_eq!(headers.len(), 1, "{headers:?}");
    assert_eq!(headers["x-amzn-ErrorType"], "InternalServerErrorException");
    let steps = steps(out.log().unwrap());
    assert_eq!(
        steps[steps.len() - 2..],
        [
            "Execution failed due to configuration error: Invalid endpoint address",
            "Method completed with status: 500",
        ]
    );
}
