//! Every service's errors in AWS's wire formats, as the SDK parses them.

use aws_sdk_apigateway::error::ProvideErrorMetadata;
use aws_sdk_apigateway::types::{Op, PatchOperation};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::FunctionCode;

use super::{FUNCTION, STAGE, Stack};
use crate::support::hello_world_zip;

#[tokio::test]
async fn errors_use_the_aws_wire_formats() {
    let s = Stack::start(None).await;
    // API Gateway.
    let err = s
        .apigw
        .get_rest_api()
        .rest_api_id("nope")
        .send()
        .await
        .unwrap_err();
    let err = err.into_service_error();
    assert!(err.is_not_found_exception(), "{err:?}");
    assert_eq!(
        err.message(),
        Some("Invalid API identifier specified 000000000000:nope")
    );

    let api = s
        .apigw
        .create_rest_api()
        .name("empty")
        .send()
        .await
        .unwrap();
    let api_id = api.id().unwrap();
    let api_arn = format!("arn:aws:apigateway:us-east-1::/restapis/{api_id}");
    s.apigw
        .tag_resource()
        .resource_arn(&api_arn)
        .tags("app", "lambdeck")
        .send()
        .await
        .unwrap();
    let tags = s
        .apigw
        .get_tags()
        .resource_arn(&api_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tags().unwrap()["app"], "lambdeck");
    let root = api.root_resource_id().unwrap();
    let err = s
        .apigw
        .create_deployment()
        .rest_api_id(api_id)
        .stage_name(STAGE)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_bad_request_exception(), "{err:?}");
    assert_eq!(
        err.message(),
        Some("The REST API doesn't contain any methods")
    );

    s.apigw
        .create_resource()
        .rest_api_id(api_id)
        .parent_id(root)
        .path_part("a")
        .send()
        .await
        .unwrap();
    let err = s
        .apigw
        .create_resource()
        .rest_api_id(api_id)
        .parent_id(root)
        .path_part("a")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_conflict_exception(), "{err:?}");
    assert_eq!(
        err.message(),
        Some("Another resource with the same parent already has this name: a")
    );

    let err = s
        .apigw
        .get_stage()
        .rest_api_id(api_id)
        .stage_name("missing")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_not_found_exception(), "{err:?}");
    assert_eq!(err.message(), Some("Invalid stage identifier specified"));

    let err = s
        .apigw
        .get_method()
        .rest_api_id(api_id)
        .resource_id(root)
        .http_method("GET")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_not_found_exception(), "{err:?}");
    assert_eq!(err.message(), Some("Invalid Method identifier specified"));

    // A deployment a stage points at cannot be deleted.
    let arn = s.create_function(FUNCTION, hello_world_zip()).await;
    let (api, _) = s.create_api(&arn).await;
    let deployment = s.deploy(&api).await;
    let err = s
        .apigw
        .delete_deployment()
        .rest_api_id(&api)
        .deployment_id(&deployment)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_bad_request_exception(), "{err:?}");
    assert_eq!(
        err.message(),
        Some("Active stages pointing to this deployment must be moved or deleted")
    );
    let err = s
        .apigw
        .update_stage()
        .rest_api_id(&api)
        .stage_name(STAGE)
        .patch_operations(
            PatchOperation::builder()
                .op(Op::Replace)
                .path("/deploymentId")
                .value("zzzzzzzzzz")
                .build(),
        )
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_bad_request_exception(), "{err:?}");

    // Lambda.
    let err = s
        .lambda
        .get_function()
        .function_name("nope")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");
    assert_eq!(
        err.message(),
        Some("Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope")
    );
    let err = s
        .lambda
        .create_function()
        .function_name(FUNCTION)
        .role("arn:aws:iam::000000000000:role/r")
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(hello_world_zip()))
                .build(),
        )
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_resource_conflict_exception(), "{err:?}");
    assert_eq!(
        err.message(),
        Some(format!("Function already exist: {FUNCTION}").as_str())
    );
    let err = s
        .lambda
        .create_function()
        .function_name("not-a-zip")
        .role("arn:aws:iam::000000000000:role/r")
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(b"plain text".to_vec()))
                .build(),
        )
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_invalid_parameter_value_exception(), "{err:?}");
    let err = s
        .lambda
        .get_policy()
        .function_name(FUNCTION)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");
    s.permit(&api).await;
    let policy = s
        .lambda
        .get_policy()
        .function_name(FUNCTION)
        .send()
        .await
        .unwrap();
    let policy: serde_json::Value = serde_json::from_str(policy.policy().unwrap()).unwrap();
    assert_eq!(
        policy["Statement"][0]["Principal"]["Service"],
        "apigateway.amazonaws.com"
    );
    let err = s
        .lambda
        .add_permission()
        .function_name(FUNCTION)
        .statement_id("AllowAPIGatewayInvoke")
        .action("lambda:InvokeFunction")
        .principal("apigateway.amazonaws.com")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_resource_conflict_exception(), "{err:?}");
    s.lambda
        .remove_permission()
        .function_name(FUNCTION)
        .statement_id("AllowAPIGatewayInvoke")
        .send()
        .await
        .unwrap();
    assert_eq!(s.get(&api, "/hello_world").await.status(), 500);
    // AWS's recorded refusals (LocalStack's `test_permission_exceptions`): a function left without
    // a policy has none associated; a function that does not exist has none to be found.
    let err = s
        .lambda
        .remove_permission()
        .function_name(FUNCTION)
        .statement_id("AllowAPIGatewayInvoke")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");
    assert_eq!(
        err.message(),
        Some("No policy is associated with the given resource.")
    );
    let err = s
        .lambda
        .remove_permission()
        .function_name("doesnotexist")
        .statement_id("s")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");
    assert_eq!(
        err.message(),
        Some("No policy found for: arn:aws:lambda:us-east-1:000000000000:function:doesnotexist")
    );

    // CloudWatch Logs.
    let err = s
        .logs
        .filter_log_events()
        .log_group_name("/aws/lambda/none")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");
    assert_eq!(
        err.message(),
        Some("The specified log group does not exist.")
    );
    s.logs
        .create_log_group()
        .log_group_name("/g")
        .send()
        .await
        .unwrap();
    let err = s
        .logs
        .create_log_group()
        .log_group_name("/g")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_resource_already_exists_exception(), "{err:?}");
    s.server.shutdown().await;
}
