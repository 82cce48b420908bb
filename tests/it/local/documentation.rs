//! Documentation parts and versions on the local control plane through the real SDK client: the
//! parts' lifecycle with AWS's recorded answers and refusals, ImportDocumentationParts (merge and
//! overwrite), versions published to a stage, the export carrying the stage's version as
//! `x-amazon-apigateway-documentation`, and ImportRestApi reading it back.

use super::{gateway_with_api, refusal};
use aws_sdk_apigateway::Client;
use aws_sdk_apigateway::primitives::Blob;
use aws_sdk_apigateway::types::{
    DocumentationPartLocation, DocumentationPartType, IntegrationType, Op, PatchOperation, PutMode,
};
use serde_json::{Value, json};

fn location(kind: DocumentationPartType) -> DocumentationPartLocation {
    DocumentationPartLocation::builder()
        .r#type(kind)
        .build()
        .unwrap()
}

fn op(op: Op, path: &str, value: &str) -> PatchOperation {
    PatchOperation::builder()
        .op(op)
        .path(path)
        .value(value)
        .build()
}

#[tokio::test]
async fn a_part_is_created_read_listed_updated_and_deleted_as_aws_answers() {
    let (_server, gw, id, _) = gateway_with_api("documented").await;
    let created = gw
        .create_documentation_part()
        .rest_api_id(&id)
        .location(location(DocumentationPartType::Api))
        .properties(r#"{ "description": "Sample API description" }"#)
        .send()
        .await
        .unwrap();
    let pid = created.id().unwrap().to_owned();
    assert_eq!(pid.len(), 10);
    assert_eq!(
        created.location().unwrap().r#type(),
        &DocumentationPartType::Api
    );
    assert_eq!(created.location().unwrap().path(), None);
    // A method's part gets AWS's default path.
    let method = gw
        .create_documentation_part()
        .rest_api_id(&id)
        .location(
            DocumentationPartLocation::builder()
                .r#type(DocumentationPartType::Method)
                .method("GET")
                .build()
                .unwrap(),
        )
        .properties(r#"{"description": "the root"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(method.location().unwrap().path(), Some("/"));
    let listed = gw
        .get_documentation_parts()
        .rest_api_id(&id)
        .send()
        .await
        .unwrap();
    let ids: Vec<&str> = listed.items().iter().filter_map(|p| p.id()).collect();
    assert_eq!(ids, [pid.as_str(), method.id().unwrap()], "creation order");
    let only_methods = gw
        .get_documentation_parts()
        .rest_api_id(&id)
        .r#type(DocumentationPartType::Method)
        .send()
        .await
        .unwrap();
    assert_eq!(only_methods.items().len(), 1);

    let updated = gw
        .update_documentation_part()
        .rest_api_id(&id)
        .documentation_part_id(&pid)
        .patch_operations(op(
            Op::Replace,
            "/properties",
            r#"{ "description": "Updated Sample API description" }"#,
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(
        updated.properties(),
        Some(r#"{ "description": "Updated Sample API description" }"#)
    );
    let got = gw
        .get_documentation_part()
        .rest_api_id(&id)
        .documentation_part_id(&pid)
        .send()
        .await
        .unwrap();
    assert_eq!(got.properties(), updated.properties());

    // AWS's recorded refusals.
    let add = gw
        .update_documentation_part()
        .rest_api_id(&id)
        .documentation_part_id(&pid)
        .patch_operations(op(Op::Add, "/properties", "{}"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refusal(add.into_service_error()),
        (
            "BadRequestException".into(),
            "Invalid patch path  '/properties' specified for op 'add'. Please choose supported operations".into()
        )
    );
    let bad_path = gw
        .update_documentation_part()
        .rest_api_id(&id)
        .documentation_part_id(&pid)
        .patch_operations(op(Op::Replace, "/invalidPath", "{}"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refusal(bad_path.into_service_error()).1,
        "Invalid patch path  '/invalidPath' specified for op 'replace'. Must be one of: [/properties]"
    );
    let duplicate = gw
        .create_documentation_part()
        .rest_api_id(&id)
        .location(location(DocumentationPartType::Api))
        .properties("{}")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refusal(duplicate.into_service_error()).0,
        "ConflictException"
    );
    let wrong_api = gw
        .get_documentation_part()
        .rest_api_id("nosuchapi0")
        .documentation_part_id(&pid)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refusal(wrong_api.into_service_error()),
        (
            "NotFoundException".into(),
            "Invalid Documentation part identifier specified".into()
        )
    );
    let no_name = gw
        .create_documentation_part()
        .rest_api_id(&id)
        .location(location(DocumentationPartType::Model))
        .properties("{}")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refusal(no_name.into_service_error()).0,
        "BadRequestException"
    );

    gw.delete_documentation_part()
        .rest_api_id(&id)
        .documentation_part_id(&pid)
        .send()
        .await
        .unwrap();
    let again = gw
        .delete_documentation_part()
        .rest_api_id(&id)
        .documentation_part_id(&pid)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refusal(again.into_service_error()),
        (
            "NotFoundException".into(),
            "Invalid Documentation part identifier specified".into()
        )
    );
}

/// The document of AWS's recorded import test: four parts under `x-amazon-apigateway-documentation`.
fn documented_openapi() -> Value {
    json!({
        "openapi": "3.0.0",
        "info": {"description": "description", "version": "1", "title": "doc"},
        "paths": {"/": {"get": {"description": "Method description.",
            "responses": {"200": {"description": "200 response"}},
            "x-amazon-apigateway-integration": {"type": "mock",
                "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
                "responses": {"default": {"statusCode": "200"}}}}}},
        "x-amazon-apigateway-documentation": {
            "version": "1.0.3",
            "documentationParts": [
                {"location": {"type": "API"}, "properties": {"description": "API description",
                    "info": {"description": "API info description 4", "version": "API info version 3"}}},
                {"location": {"type": "METHOD", "method": "GET"},
                    "properties": {"description": "Method description."}},
                {"location": {"type": "MODEL", "name": "Empty"}, "properties": {"title": "Empty Schema"}},
                {"location": {"type": "RESPONSE", "method": "GET", "statusCode": "200"},
                    "properties": {"description": "200 response"}}
            ]
        }
    })
}

#[tokio::test]
async fn parts_are_imported_merged_and_overwritten() {
    let (_server, gw, id, _) = gateway_with_api("documented").await;
    let body = serde_json::to_vec(&documented_openapi()).unwrap();
    let imported = gw
        .import_documentation_parts()
        .rest_api_id(&id)
        .mode(PutMode::Overwrite)
        .body(Blob::new(body.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(imported.ids().len(), 4);
    let parts = gw
        .get_documentation_parts()
        .rest_api_id(&id)
        .send()
        .await
        .unwrap();
    let response = &parts.items()[3];
    let l = response.location().unwrap();
    assert_eq!(
        (l.r#type(), l.path(), l.method(), l.status_code()),
        (
            &DocumentationPartType::Response,
            Some("/"),
            Some("GET"),
            Some("200")
        )
    );
    let api_part: Value = serde_json::from_str(parts.items()[0].properties().unwrap()).unwrap();
    assert_eq!(api_part["info"]["version"], "API info version 3");

    // Merge: a part for a documented location keeps its id; a new one is added.
    let mut doc = documented_openapi();
    doc["x-amazon-apigateway-documentation"]["documentationParts"] = json!([
        {"location": {"type": "METHOD", "method": "GET", "path": "/"},
            "properties": {"description": "merged"}},
        {"location": {"type": "RESOURCE", "path": "/"}, "properties": {"description": "root"}}
    ]);
    let merged = gw
        .import_documentation_parts()
        .rest_api_id(&id)
        .body(Blob::new(serde_json::to_vec(&doc).unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(merged.ids()[0], imported.ids()[1]);
    let parts = gw
        .get_documentation_parts()
        .rest_api_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(parts.items().len(), 5);
    assert_eq!(
        parts.items()[1].properties(),
        Some(r#"{"description":"merged"}"#)
    );
    // Overwrite: only the document's parts remain.
    gw.import_documentation_parts()
        .rest_api_id(&id)
        .mode(PutMode::Overwrite)
        .body(Blob::new(serde_json::to_vec(&doc).unwrap()))
        .send()
        .await
        .unwrap();
    let parts = gw
        .get_documentation_parts()
        .rest_api_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(parts.items().len(), 2);
    let bad = gw
        .import_documentation_parts()
        .rest_api_id(&id)
        .body(Blob::new(b"test:\n  - \"unterminated".to_vec()))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refusal(bad.into_service_error()),
        (
            "BadRequestException".into(),
            "Unable to build importer with provided input.".into()
        )
    );
}

async fn export(gw: &Client, id: &str, stage: &str, extensions: &str) -> Value {
    let out = gw
        .get_export()
        .rest_api_id(id)
        .stage_name(stage)
        .export_type("oas30")
        .parameters("extensions", extensions)
        .accepts("application/json")
        .send()
        .await
        .unwrap();
    serde_json::from_slice(out.body().unwrap().as_ref()).unwrap()
}

#[tokio::test]
async fn a_version_published_to_a_stage_is_what_its_export_carries() {
    let (_server, gw, id, root) = gateway_with_api("documented").await;
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
        .stage_name("prod")
        .send()
        .await
        .unwrap();
    let part = gw
        .create_documentation_part()
        .rest_api_id(&id)
        .location(location(DocumentationPartType::Api))
        .properties(r#"{"description": "v1"}"#)
        .send()
        .await
        .unwrap();
    // No version published yet: the export has no documentation.
    let doc = export(&gw, &id, "prod", "documentation").await;
    assert!(doc.get("x-amazon-apigateway-documentation").is_none());

    let v1 = gw
        .create_documentation_version()
        .rest_api_id(&id)
        .documentation_version("1.0.0")
        .stage_name("prod")
        .description("first")
        .send()
        .await
        .unwrap();
    assert_eq!(v1.version(), Some("1.0.0"));
    assert!(v1.created_date().is_some());
    let stage = gw
        .get_stage()
        .rest_api_id(&id)
        .stage_name("prod")
        .send()
        .await
        .unwrap();
    assert_eq!(stage.documentation_version(), Some("1.0.0"));

    // The working part changes; the stage keeps publishing the version's snapshot.
    gw.update_documentation_part()
        .rest_api_id(&id)
        .documentation_part_id(part.id().unwrap())
        .patch_operations(op(Op::Replace, "/properties", r#"{"description": "v2"}"#))
        .send()
        .await
        .unwrap();
    let doc = export(&gw, &id, "prod", "documentation,integrations").await;
    assert_eq!(
        doc["x-amazon-apigateway-documentation"],
        json!({"version": "1.0.0", "documentationParts": [
            {"location": {"type": "API"}, "properties": {"description": "v1"}}]})
    );
    // Without `documentation` among the extensions the export leaves it out.
    let doc = export(&gw, &id, "prod", "integrations").await;
    assert!(doc.get("x-amazon-apigateway-documentation").is_none());

    gw.create_documentation_version()
        .rest_api_id(&id)
        .documentation_version("2.0.0")
        .send()
        .await
        .unwrap();
    let versions = gw
        .get_documentation_versions()
        .rest_api_id(&id)
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = versions
        .items()
        .iter()
        .filter_map(|v| v.version())
        .collect();
    assert_eq!(names, ["1.0.0", "2.0.0"]);
    let updated = gw
        .update_documentation_version()
        .rest_api_id(&id)
        .documentation_version("2.0.0")
        .patch_operations(op(Op::Replace, "/description", "second"))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.description(), Some("second"));
    // Publishing 2.0.0 to the stage.
    gw.update_stage()
        .rest_api_id(&id)
        .stage_name("prod")
        .patch_operations(op(Op::Replace, "/documentationVersion", "2.0.0"))
        .send()
        .await
        .unwrap();
    let doc = export(&gw, &id, "prod", "documentation").await;
    assert_eq!(
        doc["x-amazon-apigateway-documentation"]["documentationParts"][0]["properties"]["description"],
        "v2"
    );
    // A version a stage publishes cannot be deleted; another one can.
    let refused = gw
        .delete_documentation_version()
        .rest_api_id(&id)
        .documentation_version("2.0.0")
        .send()
        .await
        .unwrap_err();
    assert_eq!(refusal(refused.into_service_error()).0, "ConflictException");
    gw.delete_documentation_version()
        .rest_api_id(&id)
        .documentation_version("1.0.0")
        .send()
        .await
        .unwrap();
    let gone = gw
        .get_documentation_version()
        .rest_api_id(&id)
        .documentation_version("1.0.0")
        .send()
        .await
        .unwrap_err();
    assert_eq!(refusal(gone.into_service_error()).0, "NotFoundException");
    let duplicate = gw
        .create_documentation_version()
        .rest_api_id(&id)
        .documentation_version("2.0.0")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refusal(duplicate.into_service_error()).0,
        "ConflictException"
    );
}

#[tokio::test]
async fn import_rest_api_reads_the_documentation_extension() {
    let (_server, gw, _, _) = gateway_with_api("documented").await;
    let body = serde_json::to_vec(&documented_openapi()).unwrap();
    let imported = gw
        .import_rest_api()
        .fail_on_warnings(true)
        .body(Blob::new(body))
        .send()
        .await
        .unwrap();
    let id = imported.id().unwrap();
    let parts = gw
        .get_documentation_parts()
        .rest_api_id(id)
        .send()
        .await
        .unwrap();
    let kinds: Vec<&str> = parts
        .items()
        .iter()
        .filter_map(|p| p.location().map(|l| l.r#type().as_str()))
        .collect();
    assert_eq!(kinds, ["API", "METHOD", "MODEL", "RESPONSE"]);
    // Published and exported, then imported as a new API: the same parts.
    gw.create_deployment()
        .rest_api_id(id)
        .stage_name("prod")
        .send()
        .await
        .unwrap();
    gw.create_documentation_version()
        .rest_api_id(id)
        .documentation_version("1")
        .stage_name("prod")
        .send()
        .await
        .unwrap();
    let exported = export(&gw, id, "prod", "integrations,documentation").await;
    let again = gw
        .import_rest_api()
        .fail_on_warnings(true)
        .body(Blob::new(serde_json::to_vec(&exported).unwrap()))
        .send()
        .await
        .unwrap();
    let copy = gw
        .get_documentation_parts()
        .rest_api_id(again.id().unwrap())
        .send()
        .await
        .unwrap();
    let strip = |items: &[aws_sdk_apigateway::types::DocumentationPart]| {
        items
            .iter()
            .map(|p| {
                (
                    p.location().cloned(),
                    serde_json::from_str::<Value>(p.properties().unwrap()).unwrap(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(copy.items()), strip(parts.items()));
}
