//! The REST API's elements on the local control plane through the real SDK client: gateway responses
//! listed with AWS's defaults, the models CreateRestApi adds, AWS's refusals (with the messages
//! AWS-recorded snapshots show) for patch paths and references that do not resolve and for request
//! parameters of the wrong JSON type, and the empty maps method and integration responses answer.

use super::{gateway_with_api, refusal};
use aws_sdk_apigateway::types::{GatewayResponseType, Op, PatchOperation};

fn op(op: Op, path: &str, value: Option<&str>) -> PatchOperation {
    PatchOperation::builder()
        .op(op)
        .path(path)
        .set_value(value.map(ToOwned::to_owned))
        .build()
}

#[tokio::test]
async fn gateway_responses_are_listed_with_aws_defaults_until_customised() {
    let (_server, gw, id, _) = gateway_with_api("elements").await;
    let list = gw
        .get_gateway_responses()
        .rest_api_id(&id)
        .limit(500)
        .send()
        .await
        .unwrap();
    assert_eq!(list.items().len(), 21);
    assert!(list.items().iter().all(|g| g.default_response()));
    let missing = gw
        .get_gateway_response()
        .rest_api_id(&id)
        .response_type(GatewayResponseType::MissingAuthenticationToken)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status_code(), Some("403"));
    assert_eq!(
        missing.response_templates().unwrap()["application/json"],
        "{\"message\":$context.error.messageString}"
    );

    let put = gw
        .put_gateway_response()
        .rest_api_id(&id)
        .response_type(GatewayResponseType::MissingAuthenticationToken)
        .status_code("404")
        .send()
        .await
        .unwrap();
    assert!(!put.default_response());
    assert_eq!(put.status_code(), Some("404"));
    // Members not given take the defaults.
    assert_eq!(
        put.response_templates().unwrap()["application/json"],
        "{\"message\":$context.error.messageString}"
    );
    let list = gw
        .get_gateway_responses()
        .rest_api_id(&id)
        .send()
        .await
        .unwrap();
    let customised: Vec<_> = list
        .items()
        .iter()
        .filter(|g| !g.default_response())
        .filter_map(|g| g.response_type())
        .collect();
    assert_eq!(
        customised,
        [&GatewayResponseType::MissingAuthenticationToken]
    );

    gw.delete_gateway_response()
        .rest_api_id(&id)
        .response_type(GatewayResponseType::MissingAuthenticationToken)
        .send()
        .await
        .unwrap();
    let again = gw
        .delete_gateway_response()
        .rest_api_id(&id)
        .response_type(GatewayResponseType::MissingAuthenticationToken)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(
        refusal(again),
        (
            "NotFoundException".into(),
            "Gateway response type not defined on api".into()
        )
    );
    // Updating a default response customises it.
    let updated = gw
        .update_gateway_response()
        .rest_api_id(&id)
        .response_type(GatewayResponseType::Default4Xx)
        .patch_operations(op(Op::Replace, "/statusCode", Some("444")))
        .send()
        .await
        .unwrap();
    assert!(!updated.default_response());
    assert_eq!(updated.status_code(), Some("444"));
}

#[tokio::test]
async fn models_start_with_empty_and_error_and_a_used_model_cannot_be_deleted() {
    let (_server, gw, id, root) = gateway_with_api("elements").await;
    let models = gw.get_models().rest_api_id(&id).send().await.unwrap();
    let names: Vec<_> = models.items().iter().filter_map(|m| m.name()).collect();
    assert_eq!(names, ["Empty", "Error"]);
    gw.create_model()
        .rest_api_id(&id)
        .name("Pet")
        .content_type("application/json")
        .schema(r#"{"type": "object"}"#)
        .send()
        .await
        .unwrap();
    let duplicate = gw
        .create_model()
        .rest_api_id(&id)
        .name("Pet")
        .content_type("application/json")
        .schema(r#"{"type": "object"}"#)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(
        refusal(duplicate),
        (
            "ConflictException".into(),
            "Model name already exists for this REST API".into()
        )
    );
    gw.put_method()
        .rest_api_id(&id)
        .resource_id(&root)
        .http_method("ANY")
        .authorization_type("NONE")
        .request_models("application/json", "Pet")
        .send()
        .await
        .unwrap();
    let used = gw
        .delete_model()
        .rest_api_id(&id)
        .model_name("Pet")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(
        refusal(used),
        (
            "ConflictException".into(),
            "Cannot delete model 'Pet', is referenced in method request: //ANY".into()
        )
    );
}

#[tokio::test]
async fn patch_paths_and_references_aws_refuses_are_refused_with_its_messages() {
    let (_server, gw, id, root) = gateway_with_api("elements").await;
    gw.put_method()
        .rest_api_id(&id)
        .resource_id(&root)
        .http_method("GET")
        .authorization_type("NONE")
        .send()
        .await
        .unwrap();
    let update_method = |ops: Vec<PatchOperation>| {
        gw.update_method()
            .rest_api_id(&id)
            .resource_id(&root)
            .http_method("GET")
            .set_patch_operations(Some(ops))
            .send()
    };
    let cases = [
        (
            vec![op(Op::Replace, "/httpMethod", Some("POST"))],
            "Invalid patch path /httpMethod",
        ),
        (
            vec![op(
                Op::Add,
                "/requestModels/application/json",
                Some("Empty"),
            )],
            "Invalid patch path /requestModels/application/json",
        ),
        (
            vec![op(Op::Replace, "/authorizationType", Some("CUSTOM"))],
            "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS requires a valid authorizer.",
        ),
        (
            vec![op(Op::Replace, "/requestValidatorId", Some("nosuchid"))],
            "Invalid Request Validator identifier specified",
        ),
    ];
    for (ops, message) in cases {
        let e = update_method(ops).await.unwrap_err().into_service_error();
        assert_eq!(refusal(e), ("BadRequestException".into(), message.into()));
    }
    let compression = gw
        .update_rest_api()
        .rest_api_id(&id)
        .patch_operations(op(Op::Replace, "/minimumCompressionSize", Some("-1")))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(
        refusal(compression).1,
        "Invalid minimum compression size, must be between 0 and 10485760"
    );
    let bare = gw
        .update_rest_api()
        .rest_api_id(&id)
        .patch_operations(op(Op::Add, "/binaryMediaTypes", Some("image/png")))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(refusal(bare).1, "Invalid patch path /binaryMediaTypes");
    let status = gw
        .put_method_response()
        .rest_api_id(&id)
        .resource_id(&root)
        .http_method("GET")
        .status_code("wrong")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(refusal(status).0, "ValidationException");
}

/// PutMethodResponse and PutIntegrationResponse answer the maps they were given, empty ones as `{}`,
/// and leave out the ones they were not given (AWS's recorded `test_lifecycle_method_response` and
/// `test_put_integration_response_templates`); a `null` response template is kept and answered as
/// `null`, an empty one as `""` (where AWS answers `null`: the Rust SDK refuses a null map value).
#[tokio::test]
async fn method_and_integration_responses_answer_the_maps_they_were_given_even_empty() {
    let (server, gw, id, root) = gateway_with_api("given-maps").await;
    gw.put_method()
        .rest_api_id(&id)
        .resource_id(&root)
        .http_method("GET")
        .authorization_type("NONE")
        .send()
        .await
        .unwrap();
    let put = gw
        .put_method_response()
        .rest_api_id(&id)
        .resource_id(&root)
        .http_method("GET")
        .status_code("200")
        .set_response_parameters(Some(Default::default()))
        .set_response_models(Some(Default::default()))
        .send()
        .await
        .unwrap();
    assert_eq!(put.response_parameters().map(|m| m.len()), Some(0));
    assert_eq!(put.response_models().map(|m| m.len()), Some(0));
    let got = gw
        .get_method_response()
        .rest_api_id(&id)
        .resource_id(&root)
        .http_method("GET")
        .status_code("200")
        .send()
        .await
        .unwrap();
    assert_eq!(got.response_parameters().map(|m| m.len()), Some(0));
    assert_eq!(got.response_models().map(|m| m.len()), Some(0));
    // A map patched empty is left out (AWS's recorded `test_update_method_response`).
    for kind in [Op::Add, Op::Remove] {
        let patched = gw
            .update_method_response()
            .rest_api_id(&id)
            .resource_id(&root)
            .http_method("GET")
            .status_code("200")
            .patch_operations(op(
                kind.clone(),
                "/responseParameters/method.response.header.my-header",
                Some("true"),
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(
            patched.response_parameters().map(|m| m.len()),
            if kind == Op::Add { Some(1) } else { None }
        );
    }
    let bare = gw
        .put_method_response()
        .rest_api_id(&id)
        .resource_id(&root)
        .http_method("GET")
        .status_code("400")
        .send()
        .await
        .unwrap();
    assert!(bare.response_parameters().is_none() && bare.response_models().is_none());

    gw.put_integration()
        .rest_api_id(&id)
        .resource_id(&root)
        .http_method("GET")
        .r#type(aws_sdk_apigateway::types::IntegrationType::Mock)
        .send()
        .await
        .unwrap();
    // The SDK drops a null map value; the wire is what AWS's recorded answers show.
    let http = reqwest::Client::new();
    let url = format!(
        "{}/restapis/{id}/resources/{root}/methods/GET/integration/responses/200",
        server.endpoint_url()
    );
    for (template, answered) in [
        (serde_json::Value::Null, serde_json::Value::Null),
        (serde_json::json!(""), serde_json::json!("")),
    ] {
        let put = http
            .put(&url)
            .json(&serde_json::json!({
                "selectionPattern": "",
                "responseTemplates": {"application/json": template},
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(put.status(), 201);
        let put: serde_json::Value = put.json().await.unwrap();
        let got: serde_json::Value = http.get(&url).send().await.unwrap().json().await.unwrap();
        for answer in [put, got] {
            assert_eq!(
                answer["responseTemplates"],
                serde_json::json!({"application/json": answered}),
                "{answer}"
            );
            assert_eq!(answer["selectionPattern"], "");
        }
    }
    // A template that is a number, or keyed by no media type, is refused as AWS's recorded
    // `test_integration_response_invalid_responsetemplates` shows.
    for (templates, code, message) in [
        (
            serde_json::json!({"application/json": 123}),
            "SerializationException",
            "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String",
        ),
        (
            serde_json::json!({"123": "{\"statusCode\": 200}"}),
            "BadRequestException",
            "Validation Result: warnings : [], errors : [Invalid content type specified: 123]",
        ),
    ] {
        let refused = http
            .put(&url)
            .json(&serde_json::json!({"responseTemplates": templates}))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 400);
        assert_eq!(refused.headers()["x-amzn-errortype"], code);
        let body: serde_json::Value = refused.json().await.unwrap();
        assert_eq!(body["message"], message);
    }
    let empty = gw
        .put_integration_response()
        .rest_api_id(&id)
        .resource_id(&root)
        .http_method("GET")
        .status_code("200")
        .set_response_templates(Some(Default::default()))
        .send()
        .await
        .unwrap();
    assert_eq!(empty.response_templates().map(|m| m.len()), Some(0));
    assert!(empty.response_parameters().is_none());
}

/// Request parameters given the wrong JSON types are refused as AWS's recorded answers show
/// (`test_put_integration_request_parameter_bool_type`): a method request parameter whose name is no
/// mapping expression, and an integration request parameter whose mapping is a boolean.
#[tokio::test]
async fn request_parameters_of_the_wrong_type_are_refused_with_aws_words() {
    let (server, gw, id, root) = gateway_with_api("bool-params").await;
    let http = reqwest::Client::new();
    let method = |verb: &str| {
        format!(
            "{}/restapis/{id}/resources/{root}/methods/{verb}",
            server.endpoint_url()
        )
    };
    let taken = http
        .put(method("GET"))
        .json(&serde_json::json!({
            "authorizationType": "NONE",
            "requestParameters": {"method.request.path.testPath": true},
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(taken.status(), 201);
    let refused = http
        .put(method("POST"))
        .json(&serde_json::json!({
            "authorizationType": "NONE",
            "requestParameters": {"method.request.path.testPath": true, "true": true},
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    assert_eq!(refused.headers()["x-amzn-errortype"], "BadRequestException");
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(
        body["message"],
        "Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression specified: true]"
    );
    for params in [
        serde_json::json!({"true": true}),
        serde_json::json!({"integration.request.path.testPath": true}),
    ] {
        let refused = http
            .put(format!("{}/integration", method("GET")))
            .json(&serde_json::json!({"type": "HTTP_PROXY", "requestParameters": params}))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 400);
        assert_eq!(
            refused.headers()["x-amzn-errortype"],
            "SerializationException"
        );
        let body: serde_json::Value = refused.json().await.unwrap();
        assert_eq!(
            body["message"],
            "class java.lang.Boolean can not be converted to an String"
        );
    }
    // Nothing was put.
    assert!(
        gw.get_integration()
            .rest_api_id(&id)
            .resource_id(&root)
            .http_method("GET")
            .send()
            .await
            .is_err()
    );
}

/// PutIntegration keeps an HTTP integration's `tlsConfig` and GetIntegration answers it, as AWS's API
/// reference describes the member.
#[tokio::test]
async fn an_http_integration_keeps_its_tls_config() {
    let (_server, gw, id, root) = gateway_with_api("tls").await;
    gw.put_method()
        .rest_api_id(&id)
        .resource_id(&root)
        .http_method("GET")
        .authorization_type("NONE")
        .send()
        .await
        .unwrap();
    let tls = aws_sdk_apigateway::types::TlsConfig::builder()
        .insecure_skip_verification(true)
        .build();
    let put = gw
        .put_integration()
        .rest_api_id(&id)
        .resource_id(&root)
        .http_method("GET")
        .r#type(aws_sdk_apigateway::types::IntegrationType::Http)
        .integration_http_method("POST")
        .uri("https://backend.example.com/robots.txt")
        .tls_config(tls)
        .send()
        .await
        .unwrap();
    assert_eq!(
        put.tls_config().map(|t| t.insecure_skip_verification()),
        Some(true)
    );
    gw.update_integration()
        .rest_api_id(&id)
        .resource_id(&root)
        .http_method("GET")
        .patch_operations(op(
            Op::Replace,
            "/tlsConfig/insecureSkipVerification",
            Some("false"),
        ))
        .send()
        .await
        .unwrap();
    let got = gw
        .get_integration()
        .rest_api_id(&id)
        .resource_id(&root)
        .http_method("GET")
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.tls_config().map(|t| t.insecure_skip_verification()),
        Some(false)
    );
}

/// A stage's cache cluster settings are kept and answered (CreateStage, CreateDeployment,
/// UpdateStage's `/cacheClusterEnabled` and `/cacheClusterSize`): AWS's 0.5 GB when enabled without
/// a size, NOT_AVAILABLE while disabled (AWS's recorded stages), and AVAILABLE at once when enabled,
/// since no cluster is created locally; a size AWS does not offer is refused.
#[tokio::test]
async fn a_stage_keeps_its_cache_cluster_settings() {
    let (_server, gw, id, root) = gateway_with_api("cache").await;
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
        .r#type(aws_sdk_apigateway::types::IntegrationType::Mock)
        .send()
        .await
        .unwrap();
    let deployment = gw
        .create_deployment()
        .rest_api_id(&id)
        .stage_name("plain")
        .send()
        .await
        .unwrap();
    let plain = gw
        .get_stage()
        .rest_api_id(&id)
        .stage_name("plain")
        .send()
        .await
        .unwrap();
    assert!(!plain.cache_cluster_enabled());
    assert_eq!(plain.cache_cluster_size(), None);
    assert_eq!(
        plain.cache_cluster_status().map(|s| s.as_str()),
        Some("NOT_AVAILABLE")
    );
    let cached = gw
        .create_stage()
        .rest_api_id(&id)
        .stage_name("cached")
        .deployment_id(deployment.id().unwrap())
        .cache_cluster_enabled(true)
        .send()
        .await
        .unwrap();
    assert!(cached.cache_cluster_enabled());
    assert_eq!(cached.cache_cluster_size().map(|s| s.as_str()), Some("0.5"));
    assert_eq!(
        cached.cache_cluster_status().map(|s| s.as_str()),
        Some("AVAILABLE")
    );
    let resized = gw
        .update_stage()
        .rest_api_id(&id)
        .stage_name("plain")
        .patch_operations(op(Op::Replace, "/cacheClusterEnabled", Some("true")))
        .patch_operations(op(Op::Replace, "/cacheClusterSize", Some("1.6")))
        .send()
        .await
        .unwrap();
    assert!(resized.cache_cluster_enabled());
    assert_eq!(
        resized.cache_cluster_size().map(|s| s.as_str()),
        Some("1.6")
    );
    let refused = gw
        .update_stage()
        .rest_api_id(&id)
        .stage_name("plain")
        .patch_operations(op(Op::Replace, "/cacheClusterSize", Some("2")))
        .send()
        .await
        .unwrap_err();
    assert_eq!(refusal(refused).0, "BadRequestException");
    let refused = gw
        .create_stage()
        .rest_api_id(&id)
        .stage_name("odd")
        .deployment_id(deployment.id().unwrap())
        .cache_cluster_size("3".into())
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refusal(refused),
        (
            "ValidationException".to_owned(),
            "1 validation error detected: Value '3' at 'createStageInput.cacheClusterSize' failed to satisfy constraint: Member must satisfy enum value set: [0.5, 1.6, 6.1, 13.5, 28.4, 58.2, 118, 237]".to_owned()
        )
    );
}

/// CreateRestApi checks `apiKeySource` against its model enum before anything else, and reports it
/// with the endpoint configuration's violations in one ValidationException, in the input's member
/// order (the form of AWS's recorded endpoint configuration refusals).
#[tokio::test]
async fn create_rest_api_refuses_an_unknown_api_key_source_with_the_other_enum_violations() {
    let (_server, gw, _, _) = gateway_with_api("enums").await;
    let refused = gw
        .create_rest_api()
        .name("bad-source")
        .api_key_source("not a valid api key source".into())
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refusal(refused),
        (
            "ValidationException".to_owned(),
            "1 validation error detected: Value 'not a valid api key source' at 'createRestApiInput.apiKeySource' failed to satisfy constraint: Member must satisfy enum value set: [HEADER, AUTHORIZER]".to_owned()
        )
    );
    let endpoint = aws_sdk_apigateway::types::EndpointConfiguration::builder()
        .types("wrong".into())
        .build();
    let refused = gw
        .create_rest_api()
        .name("bad-both")
        .api_key_source("NONE".into())
        .endpoint_configuration(endpoint)
        .send()
        .await
        .unwrap_err();
    let (code, message) = refusal(refused);
    assert_eq!(code, "ValidationException");
    assert!(
        message.starts_with(
            "2 validation errors detected: Value 'NONE' at 'createRestApiInput.apiKeySource'"
        ),
        "{message}"
    );
    let listed = gw.get_rest_apis().send().await.unwrap();
    assert_eq!(listed.items().len(), 1, "nothing was created");
    for source in ["HEADER", "AUTHORIZER"] {
        let api = gw
            .create_rest_api()
            .name(source)
            .api_key_source(source.into())
            .send()
            .await
            .unwrap();
        assert_eq!(api.api_key_source().map(|s| s.as_str()), Some(source));
    }
}

/// GetApiKeys and GetUsagePlanKeys filter by `nameQuery`, which the SDK sends as the query string's
/// `name`: a case-sensitive prefix of the key's name (AWS's recorded `test_get_api_keys` and
/// `test_get_usage_plan_api_keys`).
#[tokio::test]
async fn api_keys_and_usage_plan_keys_are_filtered_by_name_prefix() {
    let (_server, gw, _, _) = gateway_with_api("keys").await;
    let mut ids = Vec::new();
    for name in ["test-key-one", "test-key-two", "other"] {
        let key = gw.create_api_key().name(name).send().await.unwrap();
        ids.push(key.id().unwrap().to_owned());
    }
    let names = |items: Vec<Option<String>>| {
        let mut names: Vec<String> = items.into_iter().flatten().collect();
        names.sort();
        names
    };
    let query = |q: &'static str| {
        let gw = gw.clone();
        async move {
            let page = gw.get_api_keys().name_query(q).send().await.unwrap();
            names(
                page.items()
                    .iter()
                    .map(|k| k.name().map(ToOwned::to_owned))
                    .collect(),
            )
        }
    };
    assert_eq!(query("test-key").await, ["test-key-one", "test-key-two"]);
    assert_eq!(query("test-key-two").await, ["test-key-two"]);
    assert!(query("TEST-key").await.is_empty(), "case-sensitive");
    assert!(query("key").await.is_empty(), "a prefix, not a substring");
    let plan = gw.create_usage_plan().name("plan").send().await.unwrap();
    let plan = plan.id().unwrap();
    for id in &ids {
        gw.create_usage_plan_key()
            .usage_plan_id(plan)
            .key_id(id)
            .key_type("API_KEY")
            .send()
            .await
            .unwrap();
    }
    let in_plan = gw
        .get_usage_plan_keys()
        .usage_plan_id(plan)
        .name_query("test-key-one")
        .send()
        .await
        .unwrap();
    assert_eq!(
        names(
            in_plan
                .items()
                .iter()
                .map(|k| k.name().map(ToOwned::to_owned))
                .collect()
        ),
        ["test-key-one"]
    );
}

/// PutIntegration's refusals AWS answers (seen in its users' reports): a role of another account
/// (403 `Cross-account pass role is not allowed.`, on UpdateIntegration too), an `AWS` integration
/// with a service other than Lambda and no role, and an HTTP integration whose URI is not HTTP.
#[tokio::test]
async fn put_integration_refuses_foreign_roles_missing_roles_and_non_http_uris() {
    use aws_sdk_apigateway::types::IntegrationType;
    let (_server, gw, id, root) = gateway_with_api("integration-refusals").await;
    gw.put_method()
        .rest_api_id(&id)
        .resource_id(&root)
        .http_method("GET")
        .authorization_type("NONE")
        .send()
        .await
        .unwrap();
    let put = |kind: IntegrationType, uri: &str, role: Option<&str>| {
        gw.put_integration()
            .rest_api_id(&id)
            .resource_id(&root)
            .http_method("GET")
            .r#type(kind)
            .integration_http_method("POST")
            .uri(uri)
            .set_credentials(role.map(ToOwned::to_owned))
            .send()
    };
    let s3 = "arn:aws:apigateway:us-east-1:s3:path/bucket/key";
    let foreign = "arn:aws:iam::123456789012:role/other-account";
    for kind in [IntegrationType::Aws, IntegrationType::AwsProxy] {
        let e = put(kind, s3, Some(foreign)).await.unwrap_err();
        assert_eq!(e.raw_response().map(|r| r.status().as_u16()), Some(403));
        assert_eq!(
            refusal(e),
            (
                "AccessDeniedException".to_owned(),
                "Cross-account pass role is not allowed.".to_owned()
            )
        );
    }
    let e = put(IntegrationType::Aws, s3, None).await.unwrap_err();
    assert_eq!(
        refusal(e),
        (
            "BadRequestException".to_owned(),
            "Role ARN must be specified for AWS integrations".to_owned()
        )
    );
    for kind in [IntegrationType::Http, IntegrationType::HttpProxy] {
        let e = put(kind, "non-valid-http", None).await.unwrap_err();
        assert_eq!(
            refusal(e),
            (
                "BadRequestException".to_owned(),
                "Invalid HTTP endpoint specified for URI".to_owned()
            )
        );
    }
    // A MOCK drops the URI it was given, as AWS's recorded answer shows.
    let mock = gw
        .put_integration()
        .rest_api_id(&id)
        .resource_id(&root)
        .http_method("GET")
        .r#type(IntegrationType::Mock)
        .uri("http://example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(mock.uri(), None);
    // Taken: the account's own role, a Lambda function without a role, an HTTPS endpoint.
    let own = "arn:aws:iam::000000000000:role/apigateway-s3";
    put(IntegrationType::Aws, s3, Some(own)).await.unwrap();
    let lambda = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:f/invocations";
    put(IntegrationType::Aws, lambda, None).await.unwrap();
    put(
        IntegrationType::HttpProxy,
        "HTTPS://example.com/{proxy}",
        None,
    )
    .await
    .unwrap();
    let e = gw
        .update_integration()
        .rest_api_id(&id)
        .resource_id(&root)
        .http_method("GET")
        .patch_operations(op(Op::Replace, "/credentials", Some(foreign)))
        .send()
        .await
        .unwrap_err();
    assert_eq!(refusal(e).0, "AccessDeniedException");
}
