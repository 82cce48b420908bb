//! Deployments on the local stack: the tutorial's stack deployed, served, gone stale and rolled back;
//! redeploying onto a stage; an API in another region.

use std::time::Duration;

use aws_sdk_apigateway::types::{IntegrationType, Op, PatchOperation};
use aws_sdk_lambda::client::Waiters;
use lambdeck::local::{LocalConfig, LocalServer};

use super::{FUNCTION, STAGE, Stack, assert_greeting, assert_missing_token};
use crate::support::hello_world_zip;

#[tokio::test]
async fn the_tutorial_stack_deploys_serves_goes_stale_and_rolls_back() {
    let s = Stack::start(None).await;
    let arn = s.create_function(FUNCTION, hello_world_zip()).await;
    // The SDK waiter finishes: the function leaves Pending.
    s.lambda
        .wait_until_function_active_v2()
        .function_name(FUNCTION)
        .wait(Duration::from_secs(60))
        .await
        .expect("the function becomes Active");
    let (api, _) = s.create_api(&arn).await;
    s.permit(&api).await;

    // Nothing is deployed yet: the stage does not exist.
    assert_eq!(s.get(&api, "/hello_world").await.status(), 403);
    let first = s.deploy(&api).await;

    let response = s.get(&api, "/hello_world").await;
    let apigw_id = response.headers()["x-amzn-RequestId"]
        .to_str()
        .unwrap()
        .to_owned();
    let lambda_id = response.headers()["x-lambdeck-lambda-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_greeting(response).await;

    // The Host-header form of the stage URL answers the same.
    let port = s.server.addr().port();
    let host = format!("{api}.execute-api.localhost");
    let by_host = reqwest::Client::builder()
        .resolve(&host, s.server.addr())
        .build()
        .unwrap();
    assert_greeting(
        by_host
            .get(format!("http://{host}:{port}/{STAGE}/hello_world"))
            .send()
            .await
            .unwrap(),
    )
    .await;

    // A route added without a deployment is not served, and the deployed views do not show it.
    let root = s
        .apigw
        .get_rest_api()
        .rest_api_id(&api)
        .send()
        .await
        .unwrap();
    let root = root.root_resource_id().unwrap().to_owned();
    s.add_route(&api, &root, "new_route", &arn).await;
    assert_missing_token(s.get(&api, "/new_route").await).await;
    assert_greeting(s.get(&api, "/hello_world").await).await;
    assert_eq!(s.summary_paths(&api, &first).await, ["/hello_world"]);
    assert_eq!(s.export_paths(&api).await, ["/hello_world"]);

    // Deploying makes it live.
    let second = s.deploy(&api).await;
    assert_greeting(s.get(&api, "/new_route").await).await;
    assert_eq!(
        s.summary_paths(&api, &second).await,
        ["/hello_world", "/new_route"]
    );
    assert_eq!(s.export_paths(&api).await, ["/hello_world", "/new_route"]);
    // An earlier deployment's summary is still its own.
    assert_eq!(s.summary_paths(&api, &first).await, ["/hello_world"]);

    // Rolling back with UpdateStage /deploymentId serves the first snapshot again.
    let stage = s
        .apigw
        .update_stage()
        .rest_api_id(&api)
        .stage_name(STAGE)
        .patch_operations(
            PatchOperation::builder()
                .op(Op::Replace)
                .path("/deploymentId")
                .value(&first)
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(stage.deployment_id(), Some(first.as_str()));
    assert_missing_token(s.get(&api, "/new_route").await).await;
    assert_greeting(s.get(&api, "/hello_world").await).await;

    // The function's START and REPORT lines, and its own line carrying API Gateway's request id.
    let lines = s.log_messages("?START ?REPORT").await;
    assert!(
        lines.contains(&format!("START RequestId: {lambda_id} Version: $LATEST")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(&format!("REPORT RequestId: {lambda_id}\tDuration: "))),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .all(|l| l.starts_with("START") || l.starts_with("REPORT"))
    );
    let handler_lines = s
        .log_messages(&format!("\"apigw-request-id={apigw_id}\""))
        .await;
    assert_eq!(
        handler_lines,
        [format!("GET /hello_world apigw-request-id={apigw_id}")]
    );
    s.server.shutdown().await;
}

#[tokio::test]
async fn redeploying_onto_a_stage_repoints_it_and_keeps_its_settings() {
    let s = Stack::start(None).await;
    let arn = s.create_function(FUNCTION, hello_world_zip()).await;
    let (api, _) = s.create_api(&arn).await;
    let first = s
        .apigw
        .create_deployment()
        .rest_api_id(&api)
        .stage_name(STAGE)
        .stage_description("the tutorial's stage")
        .variables("color", "blue")
        .send()
        .await
        .unwrap();
    let first = first.id().unwrap().to_owned();
    let created = s
        .apigw
        .get_stage()
        .rest_api_id(&api)
        .stage_name(STAGE)
        .send()
        .await
        .unwrap();
    assert_eq!(created.deployment_id(), Some(first.as_str()));
    assert_eq!(created.description(), Some("the tutorial's stage"));

    // A redeploy with neither variables nor a stage description only moves the stage.
    let second = s.deploy(&api).await;
    let stage = s
        .apigw
        .get_stage()
        .rest_api_id(&api)
        .stage_name(STAGE)
        .send()
        .await
        .unwrap();
    assert_eq!(stage.deployment_id(), Some(second.as_str()));
    assert_eq!(stage.description(), Some("the tutorial's stage"));
    assert_eq!(stage.variables().unwrap()["color"], "blue");
    assert_eq!(stage.created_date(), created.created_date());
    assert!(stage.last_updated_date() >= created.last_updated_date());

    // Given, they replace what was there.
    s.apigw
        .create_deployment()
        .rest_api_id(&api)
        .stage_name(STAGE)
        .stage_description("moved")
        .variables("size", "L")
        .send()
        .await
        .unwrap();
    let stage = s
        .apigw
        .get_stage()
        .rest_api_id(&api)
        .stage_name(STAGE)
        .send()
        .await
        .unwrap();
    assert_eq!(stage.description(), Some("moved"));
    let vars = stage.variables().unwrap();
    assert_eq!(vars.len(), 1, "{vars:?}");
    assert_eq!(vars["size"], "L");

    // GetDeployments lists all three, without apiSummary (that needs embed on GetDeployment).
    let list = s
        .apigw
        .get_deployments()
        .rest_api_id(&api)
        .send()
        .await
        .unwrap();
    assert_eq!(list.items().len(), 3);
    assert!(list.items().iter().all(|d| d.api_summary().is_none()));
    let plain = s
        .apigw
        .get_deployment()
        .rest_api_id(&api)
        .deployment_id(&first)
        .send()
        .await
        .unwrap();
    assert!(plain.api_summary().is_none());
    s.server.shutdown().await;
}

#[tokio::test]
async fn a_client_signing_for_another_region_sees_its_region_in_arns() {
    let server = LocalServer::start(LocalConfig::default()).await.unwrap();
    let s = Stack::with_server(server, "ap-northeast-1").await;
    let arn = s.create_function(FUNCTION, hello_world_zip()).await;
    assert_eq!(
        arn,
        format!("arn:aws:lambda:ap-northeast-1:000000000000:function:{FUNCTION}")
    );
    let api = s.apigw.create_rest_api().name("r").send().await.unwrap();
    let api_id = api.id().unwrap().to_owned();
    let root = api.root_resource_id().unwrap().to_owned();
    let rid = s.add_route(&api_id, &root, "hello_world", &arn).await;
    // add_route names us-east-1 in the URI; this API lives in ap-northeast-1.
    s.apigw
        .put_integration()
        .rest_api_id(&api_id)
        .resource_id(&rid)
        .http_method("GET")
        .r#type(IntegrationType::AwsProxy)
        .integration_http_method("POST")
        .uri(format!(
            "arn:aws:apigateway:ap-northeast-1:lambda:path/2015-03-31/functions/{arn}/invocations"
        ))
        .send()
        .await
        .unwrap();
    s.lambda
        .add_permission()
        .function_name(FUNCTION)
        .statement_id("apigw")
        .action("lambda:InvokeFunction")
        .principal("apigateway.amazonaws.com")
        .source_arn(format!(
            "arn:aws:execute-api:ap-northeast-1:000000000000:{api_id}/*/GET/hello_world"
        ))
        .send()
        .await
        .unwrap();
    s.deploy(&api_id).await;
    assert_greeting(s.get(&api_id, "/hello_world").await).await;
    s.server.shutdown().await;
}
