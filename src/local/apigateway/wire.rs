//! API Gateway's wire shapes: how the model is rendered in rest-json answers.

use serde_json::{Map, Value, json};

use super::model::{Deployment, Integration, Method, Resource, RestApi, Snapshot, Stage};

fn insert_opt(map: &mut Map<String, Value>, key: &str, value: &Option<String>) {
    if let Some(v) = value {
        map.insert(key.to_owned(), Value::String(v.clone()));
    }
}

pub fn render_api(api: &RestApi) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(api.id));
    m.insert("name".into(), json!(api.name));
    insert_opt(&mut m, "description", &api.description);
    insert_opt(&mut m, "version", &api.version);
    m.insert("createdDate".into(), json!(api.created_date));
    if !api.binary_media_types.is_empty() {
        m.insert("binaryMediaTypes".into(), json!(api.binary_media_types));
    }
    m.insert("apiKeySource".into(), json!(api.api_key_source));
    m.insert(
        "endpointConfiguration".into(),
        json!({ "types": api.endpoint_types }),
    );
    m.insert(
        "disableExecuteApiEndpoint".into(),
        json!(api.disable_execute_api_endpoint),
    );
    m.insert("rootResourceId".into(), json!(api.root_resource_id));
    if !api.tags.is_empty() {
        m.insert("tags".into(), json!(api.tags));
    }
    Value::Object(m)
}

pub fn render_resource(r: &Resource, embed_methods: bool) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(r.id));
    insert_opt(&mut m, "parentId", &r.parent_id);
    insert_opt(&mut m, "pathPart", &r.path_part);
    m.insert("path".into(), json!(r.path));
    if !r.methods.is_empty() {
        let methods: Map<String, Value> = r
            .methods
            .iter()
            .map(|(verb, method)| {
                let v = if embed_methods {
                    render_method(method, true)
                } else {
                    json!({})
                };
                (verb.clone(), v)
            })
            .collect();
        m.insert("resourceMethods".into(), Value::Object(methods));
    }
    Value::Object(m)
}

pub fn render_method(method: &Method, with_integration: bool) -> Value {
    let mut m = Map::new();
    m.insert("httpMethod".into(), json!(method.http_method));
    m.insert("authorizationType".into(), json!(method.authorization_type));
    insert_opt(&mut m, "authorizerId", &method.authorizer_id);
    m.insert("apiKeyRequired".into(), json!(method.api_key_required));
    insert_opt(&mut m, "operationName", &method.operation_name);
    if !method.request_parameters.is_empty() {
        m.insert("requestParameters".into(), json!(method.request_parameters));
    }
    if with_integration && let Some(i) = &method.integration {
        m.insert("methodIntegration".into(), render_integration(i));
    }
    Value::Object(m)
}

pub fn render_integration(i: &Integration) -> Value {
    let mut m = Map::new();
    m.insert("type".into(), json!(i.kind));
    insert_opt(&mut m, "httpMethod", &i.http_method);
    insert_opt(&mut m, "uri", &i.uri);
    insert_opt(&mut m, "credentials", &i.credentials);
    if !i.request_parameters.is_empty() {
        m.insert("requestParameters".into(), json!(i.request_parameters));
    }
    if !i.request_templates.is_empty() {
        m.insert("requestTemplates".into(), json!(i.request_templates));
    }
    m.insert("passthroughBehavior".into(), json!(i.passthrough_behavior));
    insert_opt(&mut m, "contentHandling", &i.content_handling);
    m.insert("timeoutInMillis".into(), json!(i.timeout_in_millis));
    m.insert("cacheNamespace".into(), json!(i.cache_namespace));
    m.insert("cacheKeyParameters".into(), json!(i.cache_key_parameters));
    Value::Object(m)
}

pub fn render_deployment(d: &Deployment, embed_summary: bool) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(d.id));
    insert_opt(&mut m, "description", &d.description);
    m.insert("createdDate".into(), json!(d.created_date));
    if embed_summary {
        m.insert("apiSummary".into(), api_summary(&d.snapshot));
    }
    Value::Object(m)
}

pub fn render_stage(s: &Stage, _region: &str, _api_id: &str) -> Value {
    let mut m = Map::new();
    m.insert("deploymentId".into(), json!(s.deployment_id));
    m.insert("stageName".into(), json!(s.stage_name));
    insert_opt(&mut m, "description", &s.description);
    m.insert("cacheClusterEnabled".into(), json!(false));
    m.insert("cacheClusterStatus".into(), json!("NOT_AVAILABLE"));
    m.insert("methodSettings".into(), json!({}));
    if !s.variables.is_empty() {
        m.insert("variables".into(), json!(s.variables));
    }
    m.insert("tracingEnabled".into(), json!(s.tracing_enabled));
    if !s.tags.is_empty() {
        m.insert("tags".into(), json!(s.tags));
    }
    m.insert("createdDate".into(), json!(s.created_date));
    m.insert("lastUpdatedDate".into(), json!(s.last_updated_date));
    Value::Object(m)
}

/// `{"/path": {"VERB": {"authorizationType", "apiKeyRequired"}}}`, what `embed=apisummary` shows.
pub fn api_summary(snapshot: &Snapshot) -> Value {
    let mut summary = Map::new();
    for r in &snapshot.resources {
        if r.methods.is_empty() {
            continue;
        }
        let methods: Map<String, Value> = r
            .methods
            .iter()
            .map(|(verb, m)| {
                (
                    verb.clone(),
                    json!({"authorizationType": m.authorization_type, "apiKeyRequired": m.api_key_required}),
                )
            })
            .collect();
        summary.insert(r.path.clone(), Value::Object(methods));
    }
    Value::Object(summary)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::super::model::fixtures::{resource, working};
    use super::*;

    #[test]
    fn api_summary_lists_deployed_methods_only() {
        let mut working = working();
        let snapshot = Snapshot::of(&working);
        working.insert("new".into(), resource("new", "/new_route", &["POST"]));
        assert_eq!(
            api_summary(&snapshot),
            json!({"/hello_world": {"GET": {"authorizationType": "NONE", "apiKeyRequired": false}}})
        );
        assert_eq!(
            render_deployment(
                &Deployment {
                    id: "d".into(),
                    created_date: 5,
                    description: None,
                    snapshot: Arc::new(snapshot)
                },
                false
            ),
            json!({"id": "d", "createdDate": 5})
        );
    }

    #[test]
    fn resources_render_methods_empty_unless_embedded() {
        let r = resource("hw", "/hello_world", &["GET"]);
        assert_eq!(
            render_resource(&r, false)["resourceMethods"],
            json!({"GET": {}})
        );
        let embedded = render_resource(&r, true);
        assert_eq!(
            embedded["resourceMethods"]["GET"]["methodIntegration"]["type"],
            "AWS_PROXY"
        );
        let root = resource("root", "/", &[]);
        assert_eq!(
            render_resource(&root, false),
            json!({"id": "root", "path": "/"})
        );
    }
}
