//! ImportRestApi and PutRestApi through the real SDK client: AWS's answers (as its recorded
//! snapshots show them) to bad documents, the merge and overwrite modes, `basepath`, and warnings
//! with and without `failonwarnings`.

use aws_sdk_apigateway::Client;
use aws_sdk_apigateway::error::ProvideErrorMetadata;
use aws_sdk_apigateway::primitives::Blob;
use aws_sdk_apigateway::types::PutMode;
use lambdeck::local::{LocalConfig, LocalServer};
use lambdeck_test_support::sdk_config;
use serde_json::json;

async fn client() -> (LocalServer, Client) {
    let server = LocalServer::start(LocalConfig::default())
        .await
        .expect("the local stack starts");
    let config = sdk_config(&server.endpoint_url(), "us-east-1").await;
    (server, Client::new(&config))
}

fn blob(doc: &serde_json::Value) -> Blob {
    Blob::new(serde_json::to_vec(doc).unwrap())
}

/// A CORS preflight on a MOCK integration, as AWS's console writes it.
fn petstore() -> serde_json::Value {
    json!({
        "openapi": "3.0.1",
        "info": {"title": "PetStore", "version": "1.0.0"},
        "servers": [{"url": "https://example.com/{basePath}", "variables": {"basePath": {"default": "/v1"}}}],
        "paths": {"/pets": {"options": {
            "responses": {"200": {"description": "200 response", "headers": {
                "Access-Control-Allow-Origin": {"schema": {"type": "string"}}}}},
            "x-amazon-apigateway-integration": {
                "type": "mock",
                "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
                "responses": {"default": {"statusCode": "200", "responseParameters": {
                    "method.response.header.Access-Control-Allow-Origin": "'*'"}}},
                "passthroughBehavior": "when_no_match"
            }
        }}},
        "x-amazon-apigateway-binary-media-types": ["image/png", "image/jpg"]
    })
}

#[tokio::test]
async fn bad_documents_are_refused_as_aws_refuses_them() {
    let (_server, gw) = client().await;
    for body in [
        // AWS's recorded test documents: YAML that does not parse, and JSON that does not.
        "test:\n    value:\n        - \"value ... \"escaped\": $var, \"dt\": $(var +\"%a\")}\"\n        ",
        "{'key:value}",
    ] {
        let e = gw
            .import_rest_api()
            .body(Blob::new(body))
            .send()
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("BadRequestException"));
        assert_eq!(e.message(), Some("Invalid OpenAPI input."));
        // The document is checked before the API is looked up.
        let e = gw
            .put_rest_api()
            .rest_api_id("nosuchapi1")
            .body(Blob::new(body))
            .send()
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("BadRequestException"));
        assert_eq!(e.message(), Some("Invalid OpenAPI input."));
    }
}

#[tokio::test]
async fn put_merges_or_overwrites_binary_media_types() {
    let (_server, gw) = client().await;
    for (mode, expected) in [
        (PutMode::Merge, vec!["image/heif", "image/png", "image/jpg"]),
        (PutMode::Overwrite, vec!["image/png", "image/jpg"]),
    ] {
        let api = gw
            .create_rest_api()
            .name("before")
            .binary_media_types("image/heif")
            .send()
            .await
            .unwrap();
        let id = api.id().unwrap();
        let put = gw
            .put_rest_api()
            .rest_api_id(id)
            .mode(mode.clone())
            .body(blob(&petstore()))
            .send()
            .await
            .unwrap();
        assert_eq!(put.name(), Some("PetStore"));
        assert_eq!(put.version(), Some("1.0.0"));
        assert_eq!(put.binary_media_types(), expected, "{mode:?}");
        let resources = gw.get_resources().rest_api_id(id).send().await.unwrap();
        let mut paths: Vec<&str> = resources.items().iter().filter_map(|r| r.path()).collect();
        paths.sort_unstable();
        assert_eq!(paths, ["/", "/pets"]);
    }
}

#[tokio::test]
async fn an_import_builds_the_mock_preflight_under_the_base_path_asked_for() {
    let (_server, gw) = client().await;
    let api = gw
        .import_rest_api()
        .parameters("basepath", "prepend")
        .parameters("endpointConfigurationTypes", "REGIONAL")
        .body(blob(&petstore()))
        .send()
        .await
        .unwrap();
    assert_eq!(api.name(), Some("PetStore"));
    let types = api.endpoint_configuration().unwrap().types();
    assert_eq!(types.len(), 1);
    assert_eq!(types[0].as_str(), "REGIONAL");
    let id = api.id().unwrap();
    let resources = gw.get_resources().rest_api_id(id).send().await.unwrap();
    let pets = resources
        .items()
        .iter()
        .find(|r| r.path() == Some("/v1/pets"))
        .expect("the base path is prepended");
    let integration = gw
        .get_integration()
        .rest_api_id(id)
        .resource_id(pets.id().unwrap())
        .http_method("OPTIONS")
        .send()
        .await
        .unwrap();
    assert_eq!(integration.r#type().unwrap().as_str(), "MOCK");
    assert_eq!(
        integration.request_templates().unwrap()["application/json"],
        "{\"statusCode\": 200}"
    );
    let response = &integration.integration_responses().unwrap()["200"];
    assert_eq!(
        response.response_parameters().unwrap()["method.response.header.Access-Control-Allow-Origin"],
        "'*'"
    );
    let method = gw
        .get_method_response()
        .rest_api_id(id)
        .resource_id(pets.id().unwrap())
        .http_method("OPTIONS")
        .status_code("200")
        .send()
        .await
        .unwrap();
    assert!(
        !method.response_parameters().unwrap()["method.response.header.Access-Control-Allow-Origin"]
    );
}

#[tokio::test]
async fn warnings_are_answered_or_fail_the_import_when_asked() {
    let (_server, gw) = client().await;
    let mut doc = petstore();
    doc["paths"]["/pets"]["options"]["security"] = json!([{"undefinedAuth": []}]);
    let api = gw.import_rest_api().body(blob(&doc)).send().await.unwrap();
    assert_eq!(api.warnings().len(), 1, "{:?}", api.warnings());
    assert!(api.warnings()[0].contains("undefinedAuth"));
    let before = gw.get_rest_apis().send().await.unwrap().items().len();
    let e = gw
        .import_rest_api()
        .fail_on_warnings(true)
        .body(blob(&doc))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("BadRequestException"));
    assert!(
        e.message()
            .unwrap()
            .starts_with("Warnings found during import:\n\t")
    );
    assert_eq!(
        gw.get_rest_apis().send().await.unwrap().items().len(),
        before,
        "nothing is created"
    );
}

#[tokio::test]
async fn a_yaml_document_imports_like_its_json_twin() {
    let (_server, gw) = client().await;
    let yaml = "openapi: 3.0.1
info:
  title: PetStore
  version: 1.0.0
paths:
  /pets:
    options:
      responses:
        200:
          description: 200 response
          headers:
            Access-Control-Allow-Origin:
              schema:
                type: string
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates:
          application/json: '{\"statusCode\": 200}'
        responses:
          default:
            statusCode: 200
            responseParameters:
              method.response.header.Access-Control-Allow-Origin: \"'*'\"
        passthroughBehavior: when_no_match
x-amazon-apigateway-binary-media-types:
  - image/png
  - image/jpg
";
    let mut ids = Vec::new();
    for body in [Blob::new(yaml), blob(&petstore())] {
        let api = gw
            .import_rest_api()
            .fail_on_warnings(true)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(api.binary_media_types(), ["image/png", "image/jpg"]);
        ids.push(api.id().unwrap().to_owned());
    }
    let mut integrations = Vec::new();
    for id in &ids {
        let resources = gw.get_resources().rest_api_id(id).send().await.unwrap();
        let pets = resources
            .items()
            .iter()
            .find(|r| r.path() == Some("/pets"))
            .unwrap();
        let i = gw
            .get_integration()
            .rest_api_id(id)
            .resource_id(pets.id().unwrap())
            .http_method("OPTIONS")
            .send()
            .await
            .unwrap();
        integrations.push(format!(
            "{:?} {:?} {:?}",
            i.r#type(),
            i.request_templates(),
            i.integration_responses()
        ));
    }
    assert_eq!(integrations[0], integrations[1]);
}
