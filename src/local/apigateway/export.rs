//! API Gateway's export (GetExport): a stage's deployed snapshot as OpenAPI 3.0.1 or Swagger 2.0.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::model::{Deployment, RestApi, Stage};
use super::ops::{Result, api, deployment, stage};
use crate::local::Services;
use crate::local::common::{Req, RestJsonError, lock};

/// The two export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    Oas30,
    Swagger,
}

pub(super) fn get_export(
    svc: &Services,
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
        let state = lock(&svc.store.apis);
        let api = api(&state, id)?;
        let s = stage(api, name)?;
        let d = deployment(api, &s.deployment_id)?;
        let doc = export(api, s, d, kind, extensions, &svc.region);
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

/// Renders the stage's deployed snapshot as OpenAPI 3.0.1 or Swagger 2.0: never the working copy.
pub fn export(
    api: &RestApi,
    stage: &Stage,
    deployment: &Deployment,
    kind: ExportKind,
    integrations: bool,
    region: &str,
) -> Value {
    let mut info = Map::new();
    if let Some(d) = &api.description {
        info.insert("description".into(), json!(d));
    }
    info.insert("title".into(), json!(api.name));
    info.insert("version".into(), json!(export_version(deployment)));
    let mut paths = Map::new();
    for r in &deployment.snapshot.resources {
        if r.methods.is_empty() {
            continue;
        }
        let params: Vec<Value> = r
            .path
            .split('/')
            .filter_map(|p| p.strip_prefix('{').and_then(|p| p.strip_suffix('}')))
            .map(|name| {
                let name = name.trim_end_matches('+');
                match kind {
                    ExportKind::Oas30 => json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}),
                    ExportKind::Swagger => json!({"name": name, "in": "path", "required": true, "type": "string"}),
                }
            })
            .collect();
        let mut item = Map::new();
        for (verb, m) in &r.methods {
            let mut op = Map::new();
            if !params.is_empty() {
                op.insert("parameters".into(), Value::Array(params.clone()));
            }
            if m.authorization_type == "AWS_IAM" {
                op.insert("security".into(), json!([{"sigv4": []}]));
            }
            if integrations && let Some(i) = &m.integration {
                let mut x = Map::new();
                x.insert("type".into(), json!(i.kind.to_lowercase()));
                if let Some(h) = &i.http_method {
                    x.insert("httpMethod".into(), json!(h));
                }
                if let Some(u) = &i.uri {
                    x.insert("uri".into(), json!(u));
                }
                x.insert(
                    "passthroughBehavior".into(),
                    json!(i.passthrough_behavior.to_lowercase()),
                );
                if i.timeout_in_millis != 29000 {
                    x.insert("timeoutInMillis".into(), json!(i.timeout_in_millis));
                }
                if let Some(c) = &i.content_handling {
                    x.insert("contentHandling".into(), json!(c));
                }
                op.insert("x-amazon-apigateway-integration".into(), Value::Object(x));
            }
            let key = if verb == "ANY" {
                "x-amazon-apigateway-any-method".to_owned()
            } else {
                verb.to_lowercase()
            };
            item.insert(key, Value::Object(op));
        }
        paths.insert(r.path.clone(), Value::Object(item));
    }
    let host = format!("{}.execute-api.{region}.amazonaws.com", api.id);
    match kind {
        ExportKind::Oas30 => json!({
            "openapi": "3.0.1",
            "info": info,
            "servers": [{
                "url": format!("https://{host}/{{basePath}}"),
                "variables": {"basePath": {"default": stage.stage_name}}
            }],
            "paths": paths,
            "components": {}
        }),
        ExportKind::Swagger => json!({
            "swagger": "2.0",
            "info": info,
            "host": host,
            "basePath": format!("/{}", stage.stage_name),
            "schemes": ["https"],
            "paths": paths
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::super::model::Snapshot;
    use super::super::model::fixtures::{api_with, resource, working};
    use super::*;

    #[test]
    fn oas30_export_renders_the_deployed_snapshot_with_integrations() {
        let mut working = working();
        let snapshot = Snapshot::of(&working);
        working.insert("new".into(), resource("new", "/new_route", &["POST"]));
        let (api, stage, d) = api_with(working, snapshot);
        let doc = export(&api, &stage, &d, ExportKind::Oas30, true, "us-east-1");
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
        let plain = export(&api, &stage, &d, ExportKind::Oas30, false, "us-east-1");
        assert_eq!(plain["paths"], json!({"/hello_world": {"get": {}}}));
    }

    #[test]
    fn swagger_export_has_host_and_base_path() {
        let (api, stage, d) = api_with(working(), Snapshot::of(&working()));
        let doc = export(
            &api,
            &stage,
            &d,
            ExportKind::Swagger,
            true,
            "ap-northeast-1",
        );
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
