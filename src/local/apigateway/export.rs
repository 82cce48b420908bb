//! API Gateway's export (GetExport): a stage's deployed snapshot as OpenAPI 3.0.1 or Swagger 2.0.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;

use serde::Serialize;

use super::Ctx;
use super::model::{Deployment, RestApi, Stage};
use super::ops::{Result, api, deployment, stage};
use super::wire::Empty;
use crate::local::common::{Req, RestJsonError, lock};
use crate::wire::EXECUTE_API_HOST_INFIX;

/// The two export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    Oas30,
    Swagger,
}

pub(super) fn get_export(
    cx: &Ctx<'_>,
    req: &Req,
    id: &str,
    name: &str,
    kind: &str,
) -> Result<Response> {
    let kind = match kind {
        "oas30" => ExportKind::Oas30,
        "swagger" => ExportKind::Swagger,
        _ => {
            return Err(RestJsonError::bad_request(format!(
                "Invalid export type specified: {kind}. Valid options are oas30, swagger"
            )));
        }
    };
    let extensions = req
        .query_all("extensions")
        .iter()
        .flat_map(|v| v.split(','))
        .any(|e| matches!(e.trim(), "integrations" | "apigateway"));
    let (document, version) = {
        let state = lock(cx.state);
        let api = api(&state, id)?;
        let s = stage(api, name)?;
        let d = deployment(api, &s.deployment_id)?;
        let doc = export(api, s, d, kind, extensions, cx.region);
        (doc, export_version(d))
    };
    let bytes =
        serde_json::to_vec_pretty(&document).map_err(|e| RestJsonError::internal(e.to_string()))?;
    let prefix = match kind {
        ExportKind::Oas30 => "oas30",
        ExportKind::Swagger => "swagger",
    };
    let mut r = (StatusCode::OK, bytes).into_response();
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    if let Ok(v) =
        HeaderValue::from_str(&format!("attachment; filename=\"{prefix}_{version}.json\""))
    {
        r.headers_mut().insert(http::header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}

/// The `info.version` of an export: the deployment's creation time, as API Gateway renders it.
pub(super) fn export_version(d: &Deployment) -> String {
    chrono::DateTime::from_timestamp(d.created_date, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

/// An exported document: OpenAPI 3.0.1 or Swagger 2.0.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Document {
    Oas30(Oas30),
    Swagger(Swagger),
}

#[derive(Debug, Clone, Serialize)]
pub struct Oas30 {
    pub openapi: &'static str,
    pub info: Info,
    pub servers: Vec<Server>,
    pub paths: Paths,
    pub components: Empty,
}

#[derive(Debug, Clone, Serialize)]
pub struct Server {
    pub url: String,
    pub variables: BTreeMap<&'static str, ServerVariable>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServerVariable {
    pub default: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Swagger {
    pub swagger: &'static str,
    pub info: Info,
    pub host: String,
    pub base_path: String,
    pub schemes: Vec<&'static str>,
    pub paths: Paths,
}

#[derive(Debug, Clone, Serialize)]
pub struct Info {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub title: String,
    pub version: String,
}

/// Path, then the lower-case verb (or `x-amazon-apigateway-any-method`), then the operation.
pub type Paths = BTreeMap<String, BTreeMap<String, Operation>>;

#[derive(Debug, Clone, Serialize)]
pub struct Operation {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<Parameter>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security: Option<Vec<BTreeMap<&'static str, Vec<String>>>>,
    #[serde(
        rename = "x-amazon-apigateway-integration",
        skip_serializing_if = "Option::is_none"
    )]
    pub integration: Option<IntegrationExtension>,
}

/// A path parameter: typed by a schema in OpenAPI 3, by `type` in Swagger 2.
#[derive(Debug, Clone, Serialize)]
pub struct Parameter {
    pub name: String,
    #[serde(rename = "in")]
    pub location: &'static str,
    pub required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<Schema>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Schema {
    #[serde(rename = "type")]
    pub kind: &'static str,
}

/// `x-amazon-apigateway-integration`, in the lower-case spelling exports use.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationExtension {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_method: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    pub passthrough_behavior: String,
    /// Only when it is not the default 29000.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_in_millis: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_handling: Option<String>,
}

/// Renders the stage's deployed snapshot as OpenAPI 3.0.1 or Swagger 2.0: never the working copy.
pub fn export(
    api: &RestApi,
    stage: &Stage,
    deployment: &Deployment,
    kind: ExportKind,
    integrations: bool,
    region: &str,
) -> Document {
    let info = Info {
        description: api.description.clone(),
        title: api.name.clone(),
        version: export_version(deployment),
    };
    let mut paths = Paths::new();
    for r in &deployment.snapshot.resources {
        if r.methods.is_empty() {
            continue;
        }
        let params: Vec<Parameter> = r
            .path
            .split('/')
            .filter_map(|p| p.strip_prefix('{').and_then(|p| p.strip_suffix('}')))
            .map(|name| {
                let oas30 = kind == ExportKind::Oas30;
                Parameter {
                    name: name.trim_end_matches('+').to_owned(),
                    location: "path",
                    required: true,
                    schema: oas30.then_some(Schema { kind: "string" }),
                    kind: (!oas30).then_some("string"),
                }
            })
            .collect();
        let item = r
            .methods
            .iter()
            .map(|(verb, m)| {
                let op = Operation {
                    parameters: params.clone(),
                    security: (m.authorization_type == "AWS_IAM")
                        .then(|| vec![BTreeMap::from([("sigv4", Vec::new())])]),
                    integration: m.integration.as_ref().filter(|_| integrations).map(|i| {
                        IntegrationExtension {
                            kind: i.kind.to_lowercase(),
                            http_method: i.http_method.clone(),
                            uri: i.uri.clone(),
                            passthrough_behavior: i.passthrough_behavior.to_lowercase(),
                            timeout_in_millis: Some(i.timeout_in_millis).filter(|t| *t != 29000),
                            content_handling: i.content_handling.clone(),
                        }
                    }),
                };
                let key = if verb == "ANY" {
                    "x-amazon-apigateway-any-method".to_owned()
                } else {
                    verb.to_lowercase()
                };
                (key, op)
            })
            .collect();
        paths.insert(r.path.clone(), item);
    }
    let host = format!("{}{EXECUTE_API_HOST_INFIX}{region}.amazonaws.com", api.id);
    match kind {
        ExportKind::Oas30 => Document::Oas30(Oas30 {
            openapi: "3.0.1",
            info,
            servers: vec![Server {
                url: format!("https://{host}/{{basePath}}"),
                variables: BTreeMap::from([(
                    "basePath",
                    ServerVariable {
                        default: stage.stage_name.clone(),
                    },
                )]),
            }],
            paths,
            components: Empty {},
        }),
        ExportKind::Swagger => Document::Swagger(Swagger {
            swagger: "2.0",
            info,
            host,
            base_path: format!("/{}", stage.stage_name),
            schemes: vec!["https"],
            paths,
        }),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::model::Snapshot;
    use super::super::model::fixtures::{api_with, resource, working};
    use super::*;

    fn value(doc: Document) -> Value {
        serde_json::to_value(doc).unwrap()
    }

    #[test]
    fn oas30_export_renders_the_deployed_snapshot_with_integrations() {
        let mut working = working();
        let snapshot = Snapshot::of(&working);
        working.insert("new".into(), resource("new", "/new_route", &["POST"]));
        let (api, stage, d) = api_with(working, snapshot);
        let doc = value(export(
            &api,
            &stage,
            &d,
            ExportKind::Oas30,
            true,
            "us-east-1",
        ));
        assert_eq!(
            doc,
            json!({
                "openapi": "3.0.1",
                "info": {"description": "REST API for lambda rust test", "title": "tf-test-api", "version": "2026-11-24T10:00:00Z"},
                "servers": [{"url": "https://abc123defg.execute-api.us-east-1.amazonaws.com/{basePath}", "variables": {"basePath": {"default": "tf-test"}}}],
                "paths": {"/hello_world": {"get": {"x-amazon-apigateway-integration": {
                    "type": "aws_proxy", "httpMethod": "POST",
                    "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:f/invocations",
                    "passthroughBehavior": "when_no_match"
                }}}},
                "components": {}
            })
        );
        let plain = value(export(
            &api,
            &stage,
            &d,
            ExportKind::Oas30,
            false,
            "us-east-1",
        ));
        assert_eq!(plain["paths"], json!({"/hello_world": {"get": {}}}));
    }

    #[test]
    fn swagger_export_has_host_and_base_path() {
        let (api, stage, d) = api_with(working(), Snapshot::of(&working()));
        let doc = value(export(
            &api,
            &stage,
            &d,
            ExportKind::Swagger,
            true,
            "ap-northeast-1",
        ));
        assert_eq!(doc["swagger"], "2.0");
        assert_eq!(
            doc["host"],
            "abc123defg.execute-api.ap-northeast-1.amazonaws.com"
        );
        assert_eq!(doc["basePath"], "/tf-test");
        assert_eq!(
            doc["paths"]["/hello_world"]["get"]["x-amazon-apigateway-integration"]["type"],
            "aws_proxy"
        );
    }
}
