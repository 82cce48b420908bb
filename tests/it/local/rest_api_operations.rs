//! API Gateway operations through the real SDK client, with the messages of AWS's recorded
//! answers: UpdateResource (renames and moves, with AWS's refusals), GetRestApis' order, VPC links
//! and integrations through them, stage access log settings, and the account's settings.

use super::{gateway, refusal};
use aws_sdk_apigateway::Client;
use aws_sdk_apigateway::types::{Op, PatchOperation};

fn replace(path: &str, value: &str) -> PatchOperation {
    PatchOperation::builder()
        .op(Op::Replace)
        .path(path)
        .value(value)
        .build()
}

async fn child(gw: &Client, api: &str, parent: &str, part: &str) -> String {
    gw.create_resource()
        .rest_api_id(api)
        .parent_id(parent)
        .path_part(part)
        .send()
        .await
        .unwrap()
        .id
        .unwrap()
}

async fn paths(gw: &Client, api: &str) -> Vec<String> {
    let mut paths: Vec<String> = gw
        .get_resources()
        .rest_api_id(api)
        .send()
        .await
        .unwrap()
        .items()
        .iter()
        .filter_map(|r| r.path.clone())
        .collect();
    paths.sort();
    paths
}

#[tokio::test]
async fn update_resource_renames_and_moves_subtrees_with_aws_refusals() {
    let (_server, gw) = gateway().await;
    let api = gw.create_rest_api().name("moves").send().await.unwrap();
    let (id, root) = (api.id.unwrap(), api.root_resource_id.unwrap());
    let pets = child(&gw, &id, &root, "pets").await;
    let sub = child(&gw, &id, &pets, "subpets").await;
    let leaf = child(&gw, &id, &sub, "pets").await;

    // `/pets/subpets/pets` cannot move under the root, where `/pets` is.
    let e = gw
        .update_resource()
        .rest_api_id(&id)
        .resource_id(&leaf)
        .patch_operations(replace("/parentId", &root))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refusal(e),
        (
            "ConflictException".into(),
            "Another resource with the same parent already has this name: pets".into()
        )
    );
    // Nor can `/pets` move under its own child.
    let e = gw
        .update_resource()
        .rest_api_id(&id)
        .resource_id(&pets)
        .patch_operations(replace("/parentId", &sub))
        .send()
        .await
        .unwrap_err();
    assert_eq!(refusal(e).1, "Resources cannot be cyclical.");
    let e = gw
        .update_resource()
        .rest_api_id(&id)
        .resource_id(&root)
        .patch_operations(replace("/pathPart", "dogs"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(refusal(e).1, "Root resource cannot update its pathPart.");
    let e = gw
        .update_resource()
        .rest_api_id(&id)
        .resource_id("missing")
        .patch_operations(replace("/pathPart", "dogs"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(refusal(e).1, "Invalid Resource identifier specified");

    // `/pets/subpets` moves to the root with its child.
    let moved = gw
        .update_resource()
        .rest_api_id(&id)
        .resource_id(&sub)
        .patch_operations(replace("/parentId", &root))
        .send()
        .await
        .unwrap();
    assert_eq!(moved.path(), Some("/subpets"));
    assert_eq!(moved.parent_id(), Some(root.as_str()));
    assert_eq!(
        paths(&gw, &id).await,
        ["/", "/pets", "/subpets", "/subpets/pets"]
    );
    // A rename carries the subtree's paths too; deleting the old parent leaves the moved ones.
    gw.update_resource()
        .rest_api_id(&id)
        .resource_id(&sub)
        .patch_operations(replace("/pathPart", "cats"))
        .send()
        .await
        .unwrap();
    gw.delete_resource()
        .rest_api_id(&id)
        .resource_id(&pets)
        .send()
        .await
        .unwrap();
    assert_eq!(paths(&gw, &id).await, ["/", "/cats", "/cats/pets"]);
}

#[tokio::test]
async fn get_rest_apis_lists_apis_in_creation_order() {
    let (_server, gw) = gateway().await;
    let mut created = Vec::new();
    for n in 0..6 {
        let api = gw
            .create_rest_api()
            .name(format!("api-{n}"))
            .send()
            .await
            .unwrap();
        created.push(api.id.unwrap());
    }
    let listed: Vec<String> = gw
        .get_rest_apis()
        .send()
        .await
        .unwrap()
        .items()
        .iter()
        .filter_map(|a| a.id.clone())
        .collect();
    assert_eq!(listed, created);
}

#[tokio::test]
async fn vpc_links_go_from_pending_to_available_and_integrations_name_them() {
    use aws_sdk_apigateway::types::{ConnectionType, IntegrationType, VpcLinkStatus};
    let (_server, gw) = gateway().await;
    let nlb =
        "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/net/nlb/50dc6c495c0c9188";
    let created = gw
        .create_vpc_link()
        .name("link")
        .target_arns(nlb)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), Some(&VpcLinkStatus::Pending));
    let link = created.id.unwrap();
    let e = gw
        .create_vpc_link()
        .name("bad")
        .target_arns("invalid-arn")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refusal(e),
        (
            "BadRequestException".into(),
            "Invalid ARN. ARN is not well formed invalid-arn".into()
        )
    );
    let e = gw
        .get_vpc_link()
        .vpc_link_id("nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refusal(e),
        (
            "NotFoundException".into(),
            "Invalid Vpc Link identifier specified".into()
        )
    );
    // AVAILABLE once the moment has passed (the SDK has no waiter; AWS's take minutes).
    let mut status = None;
    for _ in 0..50 {
        let got = gw.get_vpc_link().vpc_link_id(&link).send().await.unwrap();
        status = got.status().cloned();
        if status == Some(VpcLinkStatus::Available) {
            assert_eq!(got.status_message(), Some("Your vpc link is ready for use"));
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(status, Some(VpcLinkStatus::Available));
    let renamed = gw
        .update_vpc_link()
        .vpc_link_id(&link)
        .patch_operations(replace("/name", "link-2"))
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.name(), Some("link-2"));
    let listed = gw.get_vpc_links().send().await.unwrap();
    assert_eq!(listed.items().len(), 1);
    assert_eq!(listed.items()[0].target_arns(), [nlb]);

    // An HTTP_PROXY integration through the link, by id or by stage variable.
    let api = gw.create_rest_api().name("private").send().await.unwrap();
    let (id, root) = (api.id.unwrap(), api.root_resource_id.unwrap());
    gw.put_method()
        .rest_api_id(&id)
        .resource_id(&root)
        .http_method("GET")
        .authorization_type("NONE")
        .send()
        .await
        .unwrap();
    let put = |connection_id: &str| {
        gw.put_integration()
            .rest_api_id(&id)
            .resource_id(&root)
            .http_method("GET")
            .r#type(IntegrationType::HttpProxy)
            .integration_http_method("GET")
            .uri("http://nlb.example.internal")
            .connection_type(ConnectionType::VpcLink)
            .connection_id(connection_id)
            .send()
    };
    let e = put("missing").await.unwrap_err();
    assert_eq!(refusal(e).1, "Invalid Vpc Link identifier specified");
    let i = put("${stageVariables.vpcLinkId}").await.unwrap();
    assert_eq!(i.connection_type(), Some(&ConnectionType::VpcLink));
    assert_eq!(i.connection_id(), Some("${stageVariables.vpcLinkId}"));
    let updated = gw
        .update_integration()
        .rest_api_id(&id)
        .resource_id(&root)
        .http_method("GET")
        .patch_operations(replace("/connectionId", &link))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.connection_id(), Some(link.as_str()));

    gw.delete_vpc_link()
        .vpc_link_id(&link)
        .send()
        .await
        .unwrap();
    let e = gw
        .delete_vpc_link()
        .vpc_link_id(&link)
        .send()
        .await
        .unwrap_err();
    assert_eq!(refusal(e).0, "NotFoundException");
}

#[tokio::test]
async fn stage_access_log_settings_take_aws_patch_paths() {
    use aws_sdk_apigateway::types::IntegrationType;
    let (_server, gw) = gateway().await;
    let api = gw.create_rest_api().name("logged").send().await.unwrap();
    let (id, root) = (api.id.unwrap(), api.root_resource_id.unwrap());
    gw.put_method()
        .rest_api_id(&id)
        .resource_id(&root)
        .http_method("GET")
        .authorization_type("NONE")
        .send()
        .await
        .unwrap();
    gw.put_integration()
        .rest_api_id(&id)
        .resource_id(&root)
        .http_method("GET")
        .r#type(IntegrationType::Mock)
        .send()
        .await
        .unwrap();
    gw.create_deployment()
        .rest_api_id(&id)
        .stage_name("dev")
        .send()
        .await
        .unwrap();
    let patch = |op: Op, path: &str, value: Option<&str>| {
        gw.update_stage()
            .rest_api_id(&id)
            .stage_name("dev")
            .patch_operations(
                PatchOperation::builder()
                    .op(op)
                    .path(path)
                    .set_value(value.map(ToOwned::to_owned))
                    .build(),
            )
            .send()
    };
    let arn = "arn:aws:logs:us-east-1:000000000000:log-group:access";
    let s = patch(Op::Add, "/accessLogSettings/destinationArn", Some(arn))
        .await
        .unwrap();
    assert_eq!(
        s.access_log_settings().and_then(|a| a.destination_arn()),
        Some(arn)
    );
    let s = patch(
        Op::Add,
        "/accessLogSettings/format",
        Some("$context.requestId"),
    )
    .await
    .unwrap();
    let settings = s.access_log_settings().unwrap();
    assert_eq!(settings.format(), Some("$context.requestId"));
    assert_eq!(settings.destination_arn(), Some(arn));

    let e = patch(Op::Replace, "/accessLogSettings/format", Some(""))
        .await
        .unwrap_err();
    assert_eq!(refusal(e).1, "Access Log value must not be empty");
    let e = patch(Op::Add, "/accessLogSettings/randomValue", Some("x"))
        .await
        .unwrap_err();
    assert_eq!(
        refusal(e).1,
        "Invalid accessLogSettings path. Must be one of : [/accessLogSettings/destinationArn, /accessLogSettings/format]"
    );
    let e = patch(Op::Remove, "/accessLogSettings/destinationArn", None)
        .await
        .unwrap_err();
    assert_eq!(
        refusal(e).1,
        "Cannot remove method setting accessLogSettings/destinationArn because there is no method setting for this method "
    );
    let s = patch(Op::Remove, "/accessLogSettings", None).await.unwrap();
    assert!(s.access_log_settings().is_none());
    let got = gw
        .get_stage()
        .rest_api_id(&id)
        .stage_name("dev")
        .send()
        .await
        .unwrap();
    assert!(got.access_log_settings().is_none());
}

#[tokio::test]
async fn the_account_keeps_its_cloudwatch_role_and_shows_aws_throttle() {
    let (_server, gw) = gateway().await;
    let account = gw.get_account().send().await.unwrap();
    assert_eq!(account.cloudwatch_role_arn(), None);
    let throttle = account.throttle_settings().unwrap();
    assert_eq!(
        (throttle.burst_limit(), throttle.rate_limit()),
        (5000, 10000.0)
    );
    assert_eq!(account.features(), ["UsagePlans"]);
    let role = "arn:aws:iam::000000000000:role/apigateway-logs";
    let updated = gw
        .update_account()
        .patch_operations(replace("/cloudwatchRoleArn", role))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.cloudwatch_role_arn(), Some(role));
    let again = gw.get_account().send().await.unwrap();
    assert_eq!(again.cloudwatch_role_arn(), Some(role));
    let e = gw
        .update_account()
        .patch_operations(replace("/cloudwatchRoleArn", "not-a-role"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refusal(e).1,
        "The role ARN does not have required permissions set to API Gateway"
    );
    let e = gw
        .update_account()
        .patch_operations(replace("/throttleSettings/burstLimit", "10"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(refusal(e).0, "BadRequestException");
}

#[tokio::test]
async fn validation_corners_answer_as_aws_recorded_them() {
    use aws_sdk_apigateway::types::{AuthorizerType, IntegrationType};
    let (_server, gw) = gateway().await;
    let api = gw.create_rest_api().name("corners").send().await.unwrap();
    let (id, root) = (api.id.unwrap(), api.root_resource_id.unwrap());
    gw.put_method()
        .rest_api_id(&id)
        .resource_id(&root)
        .http_method("GET")
        .authorization_type("NONE")
        .send()
        .await
        .unwrap();

    // Several constraint violations in one ValidationException, the operations' first.
    let e = gw
        .update_method_response()
        .rest_api_id(&id)
        .resource_id(&root)
        .http_method("GET")
        .status_code("wrong")
        .patch_operations(
            PatchOperation::builder()
                .op(Op::from("wrong_op"))
                .path("/x")
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refusal(e),
        (
            "ValidationException".into(),
            "2 validation errors detected: Value 'wrong_op' at 'updateMethodResponseInput.patchOperations.1.member.op' failed to satisfy constraint: Member must satisfy enum value set: [add, remove, move, test, replace, copy]; Value 'wrong' at 'statusCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [1-5]\\d\\d".into()
        )
    );
    let e = gw
        .put_integration()
        .rest_api_id(&id)
        .resource_id(&root)
        .http_method("GET")
        .r#type(IntegrationType::from("HTTPS_PROXY"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refusal(e).1,
        "1 validation error detected: Value 'HTTPS_PROXY' at 'putIntegrationInput.type' failed to satisfy constraint: Member must satisfy enum value set: [HTTP, MOCK, AWS_PROXY, HTTP_PROXY, AWS]"
    );
    let e = gw
        .create_rest_api()
        .name("bad")
        .endpoint_configuration(
            aws_sdk_apigateway::types::EndpointConfiguration::builder()
                .types(aws_sdk_apigateway::types::EndpointType::from("wrong"))
                .ip_address_type(aws_sdk_apigateway::types::IpAddressType::from("wrong"))
                .build(),
        )
        .description("")
        .send()
        .await
        .unwrap_err();
    assert!(
        refusal(e)
            .1
            .starts_with("2 validation errors detected: Value '[wrong]' at 'createRestApiInput.endpointConfiguration.types'"),
    );

    // A patch operation without a path.
    let e = gw
        .update_rest_api()
        .rest_api_id(&id)
        .patch_operations(PatchOperation::builder().op(Op::Replace).value("x").build())
        .send()
        .await
        .unwrap_err();
    assert_eq!(refusal(e).1, "Invalid patch path null");

    // A model whose schema is empty text, or missing.
    for schema in [Some(""), None] {
        let e = gw
            .create_model()
            .rest_api_id(&id)
            .name("Empty2")
            .content_type("application/json")
            .set_schema(schema.map(ToOwned::to_owned))
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            refusal(e).1,
            "Model schema must have at least 1 property or array items defined"
        );
    }

    // CreateAuthorizer on an API that does not exist is a 409.
    let e = gw
        .create_authorizer()
        .rest_api_id("missing")
        .name("auth")
        .r#type(AuthorizerType::Token)
        .authorizer_uri("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations")
        .identity_source("method.request.header.Authorization")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refusal(e),
        (
            "ConflictException".into(),
            "Unable to complete operation due to concurrent modification. Please try again later."
                .into()
        )
    );

    // Booleans read as Java reads them.
    let m = gw
        .update_method()
        .rest_api_id(&id)
        .resource_id(&root)
        .http_method("GET")
        .patch_operations(replace("/apiKeyRequired", "whatever"))
        .send()
        .await
        .unwrap();
    assert_eq!(m.api_key_required(), Some(false));
}

#[tokio::test]
async fn a_missing_element_is_named_as_aws_names_it() {
    let (_server, gw) = gateway().await;
    let api = gw.create_rest_api().name("lookups").send().await.unwrap();
    let (id, root) = (api.id.unwrap(), api.root_resource_id.unwrap());
    // The resource is looked up before the verb is checked.
    let e = gw
        .put_method()
        .rest_api_id(&id)
        .resource_id("missing")
        .http_method("WRONG")
        .authorization_type("NONE")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refusal(e),
        (
            "NotFoundException".into(),
            "Invalid Resource identifier specified".into()
        )
    );
    // An integration of an API that does not exist names the resource; of a method that does not
    // exist, the method.
    let e = gw
        .get_integration()
        .rest_api_id("missing")
        .resource_id(&root)
        .http_method("GET")
        .send()
        .await
        .unwrap_err();
    assert_eq!(refusal(e).1, "Invalid Resource identifier specified");
    let e = gw
        .get_integration()
        .rest_api_id(&id)
        .resource_id(&root)
        .http_method("GET")
        .send()
        .await
        .unwrap_err();
    assert_eq!(refusal(e).1, "Invalid Method identifier specified");
    // An integration response of a method that is not there: the method for a read, the
    // integration for a delete, whatever the verb.
    let e = gw
        .get_integration_response()
        .rest_api_id(&id)
        .resource_id(&root)
        .http_method("WRONG")
        .status_code("200")
        .send()
        .await
        .unwrap_err();
    assert_eq!(refusal(e).1, "Invalid Method identifier specified");
    let e = gw
        .delete_integration_response()
        .rest_api_id(&id)
        .resource_id(&root)
        .http_method("GET")
        .status_code("200")
        .send()
        .await
        .unwrap_err();
    assert_eq!(refusal(e).1, "Invalid Integration identifier specified");
}

#[tokio::test]
async fn method_parameters_are_unique_by_name_and_an_unused_authorizer_is_ignored() {
    let (_server, gw) = gateway().await;
    let api = gw.create_rest_api().name("methods").send().await.unwrap();
    let (id, root) = (api.id.unwrap(), api.root_resource_id.unwrap());
    let e = gw
        .put_method()
        .rest_api_id(&id)
        .resource_id(&root)
        .http_method("GET")
        .authorization_type("NONE")
        .request_parameters("method.request.querystring.id", false)
        .request_parameters("method.request.header.id", false)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refusal(e).1,
        "Parameter names must be unique across querystring, header and path"
    );
    gw.put_method()
        .rest_api_id(&id)
        .resource_id(&root)
        .http_method("GET")
        .authorization_type("NONE")
        .send()
        .await
        .unwrap();
    // An authorizer on a NONE method is ignored, as AWS's recorded answer shows.
    let m = gw
        .update_method()
        .rest_api_id(&id)
        .resource_id(&root)
        .http_method("GET")
        .patch_operations(replace("/authorizerId", "abc123"))
        .send()
        .await
        .unwrap();
    assert_eq!(m.authorizer_id(), None);
    let e = gw
        .update_method()
        .rest_api_id(&id)
        .resource_id(&root)
        .http_method("GET")
        .patch_operations(replace("/authorizationType", "CUSTOM"))
        .patch_operations(replace("/authorizerId", "abc123"))
        .send()
        .await
        .unwrap_err();
    assert!(refusal(e).1.starts_with("Invalid authorizer ID specified."));
}

#[tokio::test]
async fn an_authorizer_then_its_type_in_one_update_is_kept() {
    use aws_sdk_apigateway::types::AuthorizerType;
    let (_server, gw) = gateway().await;
    let api = gw.create_rest_api().name("authz").send().await.unwrap();
    let (id, root) = (api.id.unwrap(), api.root_resource_id.unwrap());
    gw.put_method()
        .rest_api_id(&id)
        .resource_id(&root)
        .http_method("GET")
        .authorization_type("AWS_IAM")
        .send()
        .await
        .unwrap();
    let authorizer = gw
        .create_authorizer()
        .rest_api_id(&id)
        .name("auth")
        .r#type(AuthorizerType::Token)
        .authorizer_uri("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations")
        .identity_source("method.request.header.Authorization")
        .send()
        .await
        .unwrap()
        .id
        .unwrap();
    let m = gw
        .update_method()
        .rest_api_id(&id)
        .resource_id(&root)
        .http_method("GET")
        .patch_operations(replace("/authorizerId", &authorizer))
        .patch_operations(replace("/authorizationType", "CUSTOM"))
        .send()
        .await
        .unwrap();
    assert_eq!(m.authorizer_id(), Some(authorizer.as_str()));
    // These fields take only `replace`.
    let e = gw
        .update_method()
        .rest_api_id(&id)
        .resource_id(&root)
        .http_method("GET")
        .patch_operations(
            PatchOperation::builder()
                .op(Op::Add)
                .path("/operationName")
                .value("x")
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refusal(e).1,
        "Invalid patch operation specified. Must be one of: [replace]"
    );
}
