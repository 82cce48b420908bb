//! API Gateway REST (v1) control plane (rest-json): REST APIs, resources, methods, integrations,
//! deployments as frozen snapshots, stages, exports and tags.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::http::{HeaderValue, Method as Verb, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::error::RestJsonError;
use super::state::{ACCOUNT_ID, arc_serde, lock, now_ms, random_id};
use super::{Req, Services};

type Result<T, E = RestJsonError> = std::result::Result<T, E>;

/// Every REST API of the local stack.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ApiGatewayState {
    pub apis: BTreeMap<String, RestApi>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RestApi {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Epoch seconds.
    pub created_date: i64,
    pub root_resource_id: String,
    pub api_key_source: String,
    pub endpoint_types: Vec<String>,
    #[serde(default)]
    pub binary_media_types: Vec<String>,
    #[serde(default)]
    pub disable_execute_api_endpoint: bool,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// The working copy: what the next deployment will freeze.
    pub resources: BTreeMap<String, Resource>,
    pub deployments: BTreeMap<String, Deployment>,
    pub stages: BTreeMap<String, Stage>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_part: Option<String>,
    pub path: String,
    /// Keyed by verb (GET, POST, ..., ANY).
    pub methods: BTreeMap<String, Method>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Method {
    pub http_method: String,
    pub authorization_type: String,
    pub api_key_required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorizer_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_name: Option<String>,
    #[serde(default)]
    pub request_parameters: BTreeMap<String, bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integration: Option<Integration>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Integration {
    /// AWS_PROXY, AWS, HTTP, HTTP_PROXY, MOCK.
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    pub passthrough_behavior: String,
    pub timeout_in_millis: u64,
    pub cache_namespace: String,
    #[serde(default)]
    pub cache_key_parameters: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_handling: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<String>,
    #[serde(default)]
    pub request_parameters: BTreeMap<String, String>,
    #[serde(default)]
    pub request_templates: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Deployment {
    pub id: String,
    /// Epoch seconds.
    pub created_date: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The frozen deep copy of the resources, methods and integrations at deployment time. Shared by
    /// reference so stage traffic takes it without copying.
    #[serde(with = "arc_serde")]
    pub snapshot: Arc<Snapshot>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stage {
    pub stage_name: String,
    pub deployment_id: String,
    pub created_date: i64,
    pub last_updated_date: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
    #[serde(default)]
    pub tracing_enabled: bool,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// A deployed API: the resources (with their methods and integrations) as they were, sorted by path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub resources: Vec<Resource>,
}

/// A route found in a snapshot for a request path.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteMatch<'a> {
    pub resource: &'a Resource,
    /// Values of `{name}` and `{name+}` path parts, percent-decoded.
    pub path_parameters: BTreeMap<String, String>,
}

impl Snapshot {
    /// Freezes a working copy.
    pub fn of(resources: &BTreeMap<String, Resource>) -> Self {
        let mut resources: Vec<Resource> = resources.values().cloned().collect();
        resources.sort_by(|a, b| a.path.cmp(&b.path));
        Self { resources }
    }

    /// `{"/path": {"VERB": {"authorizationType", "apiKeyRequired"}}}`, what `embed=apisummary` shows.
    pub fn api_summary(&self) -> Value {
        let mut summary = Map::new();
        for r in &self.resources {
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

    /// The resource a request path resolves to, as API Gateway picks it: literal path parts before
    /// `{param}`, `{param}` before `{greedy+}`.
    pub fn match_path(&self, path: &str) -> Option<RouteMatch<'_>> {
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let mut best: Option<(Vec<u8>, RouteMatch<'_>)> = None;
        for resource in &self.resources {
            let Some((score, params)) = match_template(&resource.path, &segments) else {
                continue;
            };
            if best.as_ref().is_none_or(|(s, _)| score < *s) {
                best = Some((
                    score,
                    RouteMatch {
                        resource,
                        path_parameters: params,
                    },
                ));
            }
        }
        best.map(|(_, m)| m)
    }
}

fn match_template(
    template: &str,
    segments: &[&str],
) -> Option<(Vec<u8>, BTreeMap<String, String>)> {
    let parts: Vec<&str> = template.split('/').filter(|s| !s.is_empty()).collect();
    let mut score = Vec::with_capacity(parts.len());
    let mut params = BTreeMap::new();
    for (i, part) in parts.iter().enumerate() {
        if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix("+}")) {
            if i >= segments.len() || i + 1 != parts.len() {
                return None;
            }
            let rest: Vec<String> = segments[i..]
                .iter()
                .map(|s| super::percent_decode(s))
                .collect();
            params.insert(name.to_owned(), rest.join("/"));
            score.push(2);
            return Some((score, params));
        }
        let segment = segments.get(i)?;
        if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            params.insert(name.to_owned(), super::percent_decode(segment));
            score.push(1);
        } else if part == segment {
            score.push(0);
        } else {
            return None;
        }
    }
    (parts.len() == segments.len()).then_some((score, params))
}

fn ok(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

fn no_content(status: StatusCode) -> Response {
    let mut r = status.into_response();
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn unsupported(req: &Req) -> RestJsonError {
    RestJsonError::new(
        StatusCode::NOT_FOUND,
        "UnknownOperationException",
        format!(
            "lambdeck's local API Gateway does not support {} {}",
            req.method, req.raw_path
        ),
    )
}

/// Serves one API Gateway control-plane request.
pub async fn handle(svc: &Services, req: &Req) -> Response {
    match route(svc, req) {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

fn route(svc: &Services, req: &Req) -> Result<Response> {
    let seg: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    let m = &req.method;
    let response = match (seg.as_slice(), m) {
        (["restapis"], &Verb::POST) => create_rest_api(svc, req)?,
        (["restapis"], &Verb::GET) => get_rest_apis(svc, req),
        (["restapis", id], &Verb::GET) => {
            read(svc, id, |api| Ok(ok(StatusCode::OK, render_api(api))))?
        }
        (["restapis", id], &Verb::PATCH) => update_rest_api(svc, req, id)?,
        (["restapis", id], &Verb::DELETE) => {
            write(svc, id, |state, _| {
                state.apis.remove(*id);
                Ok(())
            })?;
            no_content(StatusCode::ACCEPTED)
        }
        (["restapis", id, "resources"], &Verb::GET) => get_resources(svc, req, id)?,
        (["restapis", id, "resources", rid], &Verb::GET) => read(svc, id, |api| {
            let r = resource(api, rid)?;
            Ok(ok(
                StatusCode::OK,
                render_resource(r, embeds(req, "methods")),
            ))
        })?,
        (["restapis", id, "resources", parent], &Verb::POST) => {
            create_resource(svc, req, id, parent)?
        }
        (["restapis", id, "resources", rid], &Verb::DELETE) => delete_resource(svc, id, rid)?,
        (["restapis", id, "resources", rid, "methods", verb], _) => {
            method_call(svc, req, id, rid, verb)?
        }
        (
            [
                "restapis",
                id,
                "resources",
                rid,
                "methods",
                verb,
                "integration",
            ],
            _,
        ) => integration_call(svc, req, id, rid, verb)?,
        // Not modelled yet, and none can be created here: the lists are truthfully empty, so the
        // stale diff compares them instead of reporting them unreadable.
        (
            [
                "restapis",
                id,
                "authorizers" | "models" | "requestvalidators" | "gatewayresponses",
            ],
            &Verb::GET,
        )
        | (["restapis", id, "documentation", "parts"], &Verb::GET) => {
            read(svc, id, |_| Ok(ok(StatusCode::OK, page(vec![], req))))?
        }
        (["restapis", id, "deployments"], &Verb::POST) => create_deployment(svc, req, id)?,
        (["restapis", id, "deployments"], &Verb::GET) => read(svc, id, |api| {
            let items = api
                .deployments
                .values()
                .map(|d| render_deployment(d, false))
                .collect();
            Ok(ok(StatusCode::OK, page(items, req)))
        })?,
        (["restapis", id, "deployments", did], &Verb::GET) => read(svc, id, |api| {
            let d = deployment(api, did)?;
            Ok(ok(
                StatusCode::OK,
                render_deployment(d, embeds(req, "apisummary")),
            ))
        })?,
        (["restapis", id, "deployments", did], &Verb::DELETE) => {
            write(svc, id, |state, _| {
                let api = api_mut(state, id)?;
                deployment(api, did)?;
                if api.stages.values().any(|s| s.deployment_id == *did) {
                    return Err(RestJsonError::bad_request(
                        "Active stages pointing to this deployment must be moved or deleted",
                    ));
                }
                api.deployments.remove(*did);
                Ok(())
            })?;
            no_content(StatusCode::ACCEPTED)
        }
        (["restapis", id, "stages"], &Verb::POST) => create_stage(svc, req, id)?,
        (["restapis", id, "stages"], &Verb::GET) => read(svc, id, |api| {
            let filter = req.query_one("deploymentId");
            let items = api
                .stages
                .values()
                .filter(|s| filter.is_none_or(|d| s.deployment_id == d))
                .map(|s| render_stage(s, &svc.region, id))
                .collect::<Vec<_>>();
            Ok(ok(StatusCode::OK, json!({ "item": items })))
        })?,
        (["restapis", id, "stages", name], &Verb::GET) => read(svc, id, |api| {
            Ok(ok(
                StatusCode::OK,
                render_stage(stage(api, name)?, &svc.region, id),
            ))
        })?,
        (["restapis", id, "stages", name], &Verb::PATCH) => update_stage(svc, req, id, name)?,
        (["restapis", id, "stages", name], &Verb::DELETE) => {
            write(svc, id, |state, _| {
                let api = api_mut(state, id)?;
                if api.stages.remove(*name).is_none() {
                    return Err(RestJsonError::not_found(
                        "Invalid stage identifier specified",
                    ));
                }
                Ok(())
            })?;
            no_content(StatusCode::ACCEPTED)
        }
        (["restapis", id, "stages", name, "exports", kind], &Verb::GET) => {
            get_export(svc, req, id, name, kind)?
        }
        (["tags", arn], _) => tags_call(svc, req, arn)?,
        _ => return Err(unsupported(req)),
    };
    Ok(response)
}

fn embeds(req: &Req, what: &str) -> bool {
    req.query_all("embed")
        .iter()
        .flat_map(|v| v.split(','))
        .any(|v| v.trim() == what)
}

fn missing_api(id: &str) -> RestJsonError {
    RestJsonError::not_found(format!(
        "Invalid API identifier specified {ACCOUNT_ID}:{id}"
    ))
}

fn api<'a>(state: &'a ApiGatewayState, id: &str) -> Result<&'a RestApi> {
    state.apis.get(id).ok_or_else(|| missing_api(id))
}

fn api_mut<'a>(state: &'a mut ApiGatewayState, id: &str) -> Result<&'a mut RestApi> {
    state.apis.get_mut(id).ok_or_else(|| missing_api(id))
}

fn resource<'a>(api: &'a RestApi, id: &str) -> Result<&'a Resource> {
    api.resources
        .get(id)
        .ok_or_else(|| RestJsonError::not_found("Invalid Resource identifier specified"))
}

fn deployment<'a>(api: &'a RestApi, id: &str) -> Result<&'a Deployment> {
    api.deployments
        .get(id)
        .ok_or_else(|| RestJsonError::not_found("Invalid Deployment identifier specified"))
}

fn stage<'a>(api: &'a RestApi, name: &str) -> Result<&'a Stage> {
    api.stages
        .get(name)
        .ok_or_else(|| RestJsonError::not_found("Invalid stage identifier specified"))
}

/// Runs a read-only closure on one API under the lock.
fn read(
    svc: &Services,
    id: &str,
    f: impl FnOnce(&RestApi) -> Result<Response>,
) -> Result<Response> {
    let state = lock(&svc.store.apis);
    f(api(&state, id)?)
}

/// Runs a mutation under the lock, then saves the store (outside the lock) before answering.
fn write<T>(
    svc: &Services,
    id: &str,
    f: impl FnOnce(&mut ApiGatewayState, &Services) -> Result<T>,
) -> Result<T> {
    let out = {
        let mut state = lock(&svc.store.apis);
        if !id.is_empty() {
            api(&state, id)?;
        }
        f(&mut state, svc)?
    };
    save(svc)?;
    Ok(out)
}

fn save(svc: &Services) -> Result<()> {
    svc.store
        .save_control()
        .map_err(|e| RestJsonError::internal(e.to_string()))
}

fn body<T: serde::de::DeserializeOwned>(req: &Req) -> Result<T> {
    req.json().map_err(RestJsonError::bad_request)
}

/// One page of a list: `{"item": [...], "position"?}`. The position is the offset of the next item.
fn page(items: Vec<Value>, req: &Req) -> Value {
    let limit = req
        .query_one("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .filter(|l| *l > 0)
        .unwrap_or(25)
        .min(500);
    let start = req
        .query_one("position")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(0);
    let end = (start + limit).min(items.len());
    let slice: Vec<Value> = items
        .get(start..end)
        .map(<[Value]>::to_vec)
        .unwrap_or_default();
    let mut out = json!({ "item": slice });
    if end < items.len() {
        out["position"] = Value::String(end.to_string());
    }
    out
}

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
        m.insert("apiSummary".into(), d.snapshot.api_summary());
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

fn now_s() -> i64 {
    now_ms() / 1000
}

/// An id unused among `existing`.
fn fresh_id<V>(existing: &BTreeMap<String, V>) -> String {
    loop {
        let id = random_id(10);
        if !existing.contains_key(&id) {
            return id;
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateRestApiIn {
    name: Option<String>,
    description: Option<String>,
    version: Option<String>,
    #[serde(default)]
    binary_media_types: Vec<String>,
    api_key_source: Option<String>,
    endpoint_configuration: Option<EndpointConfigurationIn>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    #[serde(default)]
    disable_execute_api_endpoint: bool,
}

#[derive(Deserialize)]
struct EndpointConfigurationIn {
    #[serde(default)]
    types: Vec<String>,
}

fn create_rest_api(svc: &Services, req: &Req) -> Result<Response> {
    let input: CreateRestApiIn = body(req)?;
    let name = input
        .name
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| RestJsonError::bad_request("Invalid REST API name specified"))?;
    let value = write(svc, "", |state, _| {
        let id = fresh_id(&state.apis);
        let root_id = random_id(10);
        let root = Resource {
            id: root_id.clone(),
            parent_id: None,
            path_part: None,
            path: "/".into(),
            methods: BTreeMap::new(),
        };
        let types = input
            .endpoint_configuration
            .map(|e| e.types)
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| vec!["EDGE".into()]);
        let api = RestApi {
            id: id.clone(),
            name,
            description: input.description,
            version: input.version,
            created_date: now_s(),
            root_resource_id: root_id.clone(),
            api_key_source: input.api_key_source.unwrap_or_else(|| "HEADER".into()),
            endpoint_types: types,
            binary_media_types: input.binary_media_types,
            disable_execute_api_endpoint: input.disable_execute_api_endpoint,
            tags: input.tags,
            resources: BTreeMap::from([(root_id, root)]),
            deployments: BTreeMap::new(),
            stages: BTreeMap::new(),
        };
        let value = render_api(&api);
        state.apis.insert(id, api);
        Ok(value)
    })?;
    Ok(ok(StatusCode::CREATED, value))
}

fn get_rest_apis(svc: &Services, req: &Req) -> Response {
    let state = lock(&svc.store.apis);
    let mut apis: Vec<&RestApi> = state.apis.values().collect();
    apis.sort_by(|a, b| (a.created_date, &a.id).cmp(&(b.created_date, &b.id)));
    let items = apis.into_iter().map(render_api).collect();
    ok(StatusCode::OK, page(items, req))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PatchIn {
    #[serde(default)]
    patch_operations: Vec<PatchOp>,
}

#[derive(Deserialize)]
struct PatchOp {
    op: String,
    path: String,
    value: Option<String>,
}

fn bad_patch(op: &PatchOp) -> RestJsonError {
    RestJsonError::bad_request(format!(
        "Invalid patch path '{}' specified for op '{}'",
        op.path, op.op
    ))
}

fn update_rest_api(svc: &Services, req: &Req, id: &str) -> Result<Response> {
    let input: PatchIn = body(req)?;
    let value = write(svc, id, |state, _| {
        let mut api = api(state, id)?.clone();
        for op in &input.patch_operations {
            match (op.op.as_str(), op.path.as_str()) {
                ("replace", "/name") => {
                    api.name = op.value.clone().filter(|n| !n.is_empty()).ok_or_else(|| {
                        RestJsonError::bad_request("Invalid REST API name specified")
                    })?;
                }
                ("replace", "/description") => api.description = op.value.clone(),
                _ => return Err(bad_patch(op)),
            }
        }
        let value = render_api(&api);
        state.apis.insert(id.to_owned(), api);
        Ok(value)
    })?;
    Ok(ok(StatusCode::OK, value))
}

fn get_resources(svc: &Services, req: &Req, id: &str) -> Result<Response> {
    read(svc, id, |api| {
        let mut resources: Vec<&Resource> = api.resources.values().collect();
        resources.sort_by(|a, b| a.path.cmp(&b.path));
        let embed = embeds(req, "methods");
        let items = resources
            .into_iter()
            .map(|r| render_resource(r, embed))
            .collect();
        Ok(ok(StatusCode::OK, page(items, req)))
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateResourceIn {
    path_part: Option<String>,
}

fn create_resource(svc: &Services, req: &Req, id: &str, parent_id: &str) -> Result<Response> {
    let input: CreateResourceIn = body(req)?;
    let part = input.path_part.unwrap_or_default();
    if part.is_empty() || part.contains('/') {
        return Err(RestJsonError::bad_request(format!(
            "Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end and an optional plus sign before the closing brace. Invalid path part: '{part}'"
        )));
    }
    let is_variable = part.starts_with('{') && part.ends_with('}');
    let value = write(svc, id, |state, _| {
        let api = api_mut(state, id)?;
        let parent = resource(api, parent_id)?.clone();
        if parent
            .path_part
            .as_deref()
            .is_some_and(|p| p.ends_with("+}"))
        {
            return Err(RestJsonError::bad_request(
                "Cannot create a child of a resource with a greedy path variable",
            ));
        }
        for sibling in api
            .resources
            .values()
            .filter(|r| r.parent_id.as_deref() == Some(parent_id))
        {
            let sibling_part = sibling.path_part.as_deref().unwrap_or("");
            if sibling_part == part {
                return Err(RestJsonError::conflict(format!(
                    "Another resource with the same parent already has this name: {part}"
                )));
            }
            if is_variable && sibling_part.starts_with('{') {
                return Err(RestJsonError::bad_request(format!(
                    "A sibling ({sibling_part}) of this resource already has a variable path part -- only one is allowed"
                )));
            }
        }
        let rid = fresh_id(&api.resources);
        let path = if parent.path == "/" {
            format!("/{part}")
        } else {
            format!("{}/{part}", parent.path)
        };
        let r = Resource {
            id: rid.clone(),
            parent_id: Some(parent_id.to_owned()),
            path_part: Some(part.clone()),
            path,
            methods: BTreeMap::new(),
        };
        let value = render_resource(&r, false);
        api.resources.insert(rid, r);
        Ok(value)
    })?;
    Ok(ok(StatusCode::CREATED, value))
}

fn delete_resource(svc: &Services, id: &str, rid: &str) -> Result<Response> {
    write(svc, id, |state, _| {
        let api = api_mut(state, id)?;
        resource(api, rid)?;
        if rid == api.root_resource_id {
            return Err(RestJsonError::bad_request("Cannot delete root resource"));
        }
        // The whole subtree goes.
        let mut doomed = vec![rid.to_owned()];
        let mut i = 0;
        while i < doomed.len() {
            let current = doomed[i].clone();
            doomed.extend(
                api.resources
                    .values()
                    .filter(|r| r.parent_id.as_deref() == Some(current.as_str()))
                    .map(|r| r.id.clone()),
            );
            i += 1;
        }
        for d in doomed {
            api.resources.remove(&d);
        }
        Ok(())
    })?;
    Ok(no_content(StatusCode::ACCEPTED))
}

const VERBS: [&str; 8] = [
    "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "ANY",
];

fn check_verb(verb: &str) -> Result<()> {
    if VERBS.contains(&verb) {
        Ok(())
    } else {
        Err(RestJsonError::bad_request(format!(
            "Invalid HttpMethod specified. Valid options are {}",
            VERBS.join(",")
        )))
    }
}

fn missing_method() -> RestJsonError {
    RestJsonError::not_found("Invalid Method identifier specified")
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PutMethodIn {
    authorization_type: Option<String>,
    authorizer_id: Option<String>,
    #[serde(default)]
    api_key_required: bool,
    operation_name: Option<String>,
    #[serde(default)]
    request_parameters: BTreeMap<String, bool>,
}

fn method_call(svc: &Services, req: &Req, id: &str, rid: &str, verb: &str) -> Result<Response> {
    check_verb(verb)?;
    match req.method {
        Verb::GET => read(svc, id, |api| {
            let m = resource(api, rid)?
                .methods
                .get(verb)
                .ok_or_else(missing_method)?;
            Ok(ok(StatusCode::OK, render_method(m, true)))
        }),
        Verb::PUT => {
            let input: PutMethodIn = body(req)?;
            let auth = input.authorization_type.unwrap_or_default();
            if !["NONE", "AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS"].contains(&auth.as_str()) {
                return Err(RestJsonError::bad_request(format!(
                    "Invalid authorization type specified: '{auth}'"
                )));
            }
            let value = write(svc, id, |state, _| {
                let api = api_mut(state, id)?;
                resource(api, rid)?;
                let r = api.resources.get_mut(rid).ok_or_else(|| {
                    RestJsonError::not_found("Invalid Resource identifier specified")
                })?;
                if r.methods.contains_key(verb) {
                    return Err(RestJsonError::conflict(
                        "Method already exists for this resource",
                    ));
                }
                let m = Method {
                    http_method: verb.to_owned(),
                    authorization_type: auth,
                    api_key_required: input.api_key_required,
                    authorizer_id: input.authorizer_id,
                    operation_name: input.operation_name,
                    request_parameters: input.request_parameters,
                    integration: None,
                };
                let value = render_method(&m, false);
                r.methods.insert(verb.to_owned(), m);
                Ok(value)
            })?;
            Ok(ok(StatusCode::CREATED, value))
        }
        Verb::DELETE => {
            write(svc, id, |state, _| {
                let api = api_mut(state, id)?;
                resource(api, rid)?;
                api.resources
                    .get_mut(rid)
                    .and_then(|r| r.methods.remove(verb))
                    .ok_or_else(missing_method)?;
                Ok(())
            })?;
            Ok(no_content(StatusCode::NO_CONTENT))
        }
        Verb::PATCH => {
            let input: PatchIn = body(req)?;
            let value = write(svc, id, |state, _| {
                let api = api_mut(state, id)?;
                resource(api, rid)?;
                let m = api
                    .resources
                    .get_mut(rid)
                    .and_then(|r| r.methods.get_mut(verb))
                    .ok_or_else(missing_method)?;
                let mut updated = m.clone();
                for op in &input.patch_operations {
                    match (op.op.as_str(), op.path.as_str()) {
                        ("replace", "/authorizationType") => {
                            updated.authorization_type = op.value.clone().unwrap_or_default();
                        }
                        ("replace", "/apiKeyRequired") => {
                            updated.api_key_required = op.value.as_deref() == Some("true");
                        }
                        ("replace", "/authorizerId") => updated.authorizer_id = op.value.clone(),
                        ("replace", "/operationName") => updated.operation_name = op.value.clone(),
                        _ => return Err(bad_patch(op)),
                    }
                }
                *m = updated;
                Ok(render_method(m, true))
            })?;
            Ok(ok(StatusCode::OK, value))
        }
        _ => Err(unsupported(req)),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PutIntegrationIn {
    #[serde(rename = "type")]
    kind: Option<String>,
    /// The model's `integrationHttpMethod`, sent on the wire as `httpMethod`.
    http_method: Option<String>,
    uri: Option<String>,
    passthrough_behavior: Option<String>,
    timeout_in_millis: Option<u64>,
    cache_namespace: Option<String>,
    #[serde(default)]
    cache_key_parameters: Vec<String>,
    content_handling: Option<String>,
    credentials: Option<String>,
    #[serde(default)]
    request_parameters: BTreeMap<String, String>,
    #[serde(default)]
    request_templates: BTreeMap<String, String>,
}

fn check_integration(input: &PutIntegrationIn) -> Result<()> {
    let kind = input.kind.as_deref().unwrap_or("");
    if !["AWS_PROXY", "AWS", "HTTP", "HTTP_PROXY", "MOCK"].contains(&kind) {
        return Err(RestJsonError::bad_request(
            "Enumeration value for Integration type must be one of AWS, AWS_PROXY, HTTP, HTTP_PROXY, MOCK",
        ));
    }
    if kind != "MOCK" {
        let method = input.http_method.as_deref().unwrap_or("");
        if method.is_empty() {
            return Err(RestJsonError::bad_request(
                "Enumeration value for HttpMethod must be non-empty",
            ));
        }
        check_verb(method)?;
        let uri = input.uri.as_deref().unwrap_or("");
        if uri.is_empty() {
            return Err(RestJsonError::bad_request(
                "Invalid integration URI specified",
            ));
        }
        if kind.starts_with("AWS") && !uri.starts_with("arn:aws:apigateway:") {
            return Err(RestJsonError::bad_request(
                "AWS ARN for integration must contain path or action",
            ));
        }
    }
    if let Some(t) = input.timeout_in_millis
        && !(50..=29000).contains(&t)
    {
        return Err(RestJsonError::bad_request(
            "Timeout should be between 50 ms and 29000 ms",
        ));
    }
    Ok(())
}

fn integration_call(
    svc: &Services,
    req: &Req,
    id: &str,
    rid: &str,
    verb: &str,
) -> Result<Response> {
    check_verb(verb)?;
    let missing = || RestJsonError::not_found("Invalid Integration identifier specified");
    match req.method {
        Verb::GET => read(svc, id, |api| {
            let m = resource(api, rid)?
                .methods
                .get(verb)
                .ok_or_else(missing_method)?;
            let i = m.integration.as_ref().ok_or_else(missing)?;
            Ok(ok(StatusCode::OK, render_integration(i)))
        }),
        Verb::PUT => {
            let input: PutIntegrationIn = body(req)?;
            check_integration(&input)?;
            let value = write(svc, id, |state, _| {
                let api = api_mut(state, id)?;
                resource(api, rid)?;
                let m = api
                    .resources
                    .get_mut(rid)
                    .and_then(|r| r.methods.get_mut(verb))
                    .ok_or_else(missing_method)?;
                let i = Integration {
                    kind: input.kind.unwrap_or_default(),
                    http_method: input.http_method,
                    uri: input.uri,
                    passthrough_behavior: input
                        .passthrough_behavior
                        .unwrap_or_else(|| "WHEN_NO_MATCH".into()),
                    timeout_in_millis: input.timeout_in_millis.unwrap_or(29000),
                    cache_namespace: input.cache_namespace.unwrap_or_else(|| rid.to_owned()),
                    cache_key_parameters: input.cache_key_parameters,
                    content_handling: input.content_handling,
                    credentials: input.credentials,
                    request_parameters: input.request_parameters,
                    request_templates: input.request_templates,
                };
                let value = render_integration(&i);
                m.integration = Some(i);
                Ok(value)
            })?;
            Ok(ok(StatusCode::CREATED, value))
        }
        Verb::DELETE => {
            write(svc, id, |state, _| {
                let api = api_mut(state, id)?;
                resource(api, rid)?;
                let m = api
                    .resources
                    .get_mut(rid)
                    .and_then(|r| r.methods.get_mut(verb))
                    .ok_or_else(missing_method)?;
                m.integration.take().ok_or_else(missing)?;
                Ok(())
            })?;
            Ok(no_content(StatusCode::NO_CONTENT))
        }
        _ => Err(unsupported(req)),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateDeploymentIn {
    stage_name: Option<String>,
    stage_description: Option<String>,
    description: Option<String>,
    variables: Option<BTreeMap<String, String>>,
}

fn check_stage_name(name: &str) -> Result<()> {
    if !name.is_empty()
        && name.len() <= 128
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        Ok(())
    } else {
        Err(RestJsonError::bad_request(
            "Stage name only allows a-zA-Z0-9_ and -",
        ))
    }
}

fn create_deployment(svc: &Services, req: &Req, id: &str) -> Result<Response> {
    let input: CreateDeploymentIn = body(req)?;
    let stage_name = input.stage_name.filter(|s| !s.is_empty());
    if let Some(s) = &stage_name {
        check_stage_name(s)?;
    }
    let value = write(svc, id, |state, _| {
        let api = api_mut(state, id)?;
        let methods: Vec<&Method> = api
            .resources
            .values()
            .flat_map(|r| r.methods.values())
            .collect();
        if methods.is_empty() {
            return Err(RestJsonError::bad_request(
                "The REST API doesn't contain any methods",
            ));
        }
        if methods.iter().any(|m| m.integration.is_none()) {
            return Err(RestJsonError::bad_request(
                "No integration defined for method",
            ));
        }
        let now = now_s();
        let d = Deployment {
            id: fresh_id(&api.deployments),
            created_date: now,
            description: input.description,
            snapshot: Arc::new(Snapshot::of(&api.resources)),
        };
        if let Some(name) = stage_name {
            match api.stages.get_mut(&name) {
                // Redeploying onto a stage re-points it and keeps its other settings.
                Some(s) => {
                    s.deployment_id = d.id.clone();
                    s.last_updated_date = now;
                    if let Some(v) = input.variables {
                        s.variables = v;
                    }
                    if input.stage_description.is_some() {
                        s.description = input.stage_description;
                    }
                }
                None => {
                    api.stages.insert(
                        name.clone(),
                        Stage {
                            stage_name: name,
                            deployment_id: d.id.clone(),
                            created_date: now,
                            last_updated_date: now,
                            description: input.stage_description,
                            variables: input.variables.unwrap_or_default(),
                            tracing_enabled: false,
                            tags: BTreeMap::new(),
                        },
                    );
                }
            }
        }
        let value = render_deployment(&d, false);
        api.deployments.insert(d.id.clone(), d);
        Ok(value)
    })?;
    Ok(ok(StatusCode::CREATED, value))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateStageIn {
    stage_name: Option<String>,
    deployment_id: Option<String>,
    description: Option<String>,
    #[serde(default)]
    variables: BTreeMap<String, String>,
    #[serde(default)]
    tracing_enabled: bool,
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

fn create_stage(svc: &Services, req: &Req, id: &str) -> Result<Response> {
    let input: CreateStageIn = body(req)?;
    let name = input.stage_name.unwrap_or_default();
    check_stage_name(&name)?;
    let value = write(svc, id, |state, _| {
        let api = api_mut(state, id)?;
        let did = input.deployment_id.unwrap_or_default();
        if !api.deployments.contains_key(&did) {
            return Err(RestJsonError::bad_request("Deployment id does not exist"));
        }
        if api.stages.contains_key(&name) {
            return Err(RestJsonError::conflict("Stage already exists"));
        }
        let now = now_s();
        let s = Stage {
            stage_name: name.clone(),
            deployment_id: did,
            created_date: now,
            last_updated_date: now,
            description: input.description,
            variables: input.variables,
            tracing_enabled: input.tracing_enabled,
            tags: input.tags,
        };
        let value = render_stage(&s, "", id);
        api.stages.insert(name, s);
        Ok(value)
    })?;
    Ok(ok(StatusCode::CREATED, value))
}

fn update_stage(svc: &Services, req: &Req, id: &str, name: &str) -> Result<Response> {
    let input: PatchIn = body(req)?;
    let value = write(svc, id, |state, _| {
        let api = api_mut(state, id)?;
        let mut s = stage(api, name)?.clone();
        for op in &input.patch_operations {
            let path = op.path.as_str();
            match (op.op.as_str(), path) {
                ("replace", "/deploymentId") => {
                    let did = op.value.clone().unwrap_or_default();
                    if !api.deployments.contains_key(&did) {
                        return Err(RestJsonError::bad_request("Deployment id does not exist"));
                    }
                    s.deployment_id = did;
                }
                ("replace", "/description") => s.description = op.value.clone(),
                ("replace", "/tracingEnabled") => {
                    s.tracing_enabled = op.value.as_deref() == Some("true");
                }
                ("replace" | "add", p) if p.starts_with("/variables/") => {
                    let key = p.trim_start_matches("/variables/").to_owned();
                    s.variables
                        .insert(key, op.value.clone().unwrap_or_default());
                }
                ("remove", p) if p.starts_with("/variables/") => {
                    s.variables.remove(p.trim_start_matches("/variables/"));
                }
                _ => return Err(bad_patch(op)),
            }
        }
        s.last_updated_date = now_s();
        let value = render_stage(&s, "", id);
        api.stages.insert(name.to_owned(), s);
        Ok(value)
    })?;
    Ok(ok(StatusCode::OK, value))
}

/// The two export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    Oas30,
    Swagger,
}

fn get_export(svc: &Services, req: &Req, id: &str, name: &str, kind: &str) -> Result<Response> {
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
fn export_version(d: &Deployment) -> String {
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

#[derive(Deserialize)]
struct TagsIn {
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

/// Tags on REST APIs and stages, addressed by ARN `arn:aws:apigateway:{region}::/restapis/{id}[/stages/{name}]`.
fn tags_call(svc: &Services, req: &Req, arn: &str) -> Result<Response> {
    let path = arn.split("::").nth(1).unwrap_or("");
    let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let (id, stage_name) = match parts.as_slice() {
        ["restapis", id] => (*id, None),
        ["restapis", id, "stages", s] => (*id, Some(*s)),
        _ => {
            return Err(RestJsonError::not_found(format!(
                "Invalid resource ARN specified: {arn}"
            )));
        }
    };
    let with_tags = |state: &mut ApiGatewayState,
                     f: &mut dyn FnMut(&mut BTreeMap<String, String>)|
     -> Result<()> {
        let api = api_mut(state, id)?;
        match stage_name {
            None => f(&mut api.tags),
            Some(s) => f(&mut api
                .stages
                .get_mut(s)
                .ok_or_else(|| RestJsonError::not_found("Invalid stage identifier specified"))?
                .tags),
        }
        Ok(())
    };
    match req.method {
        Verb::GET => {
            let mut state = lock(&svc.store.apis);
            let mut out = BTreeMap::new();
            with_tags(&mut state, &mut |t| out = t.clone())?;
            Ok(ok(StatusCode::OK, json!({ "tags": out })))
        }
        Verb::PUT => {
            let input: TagsIn = body(req)?;
            write(svc, id, |state, _| {
                with_tags(state, &mut |t| t.extend(input.tags.clone()))
            })?;
            Ok(no_content(StatusCode::NO_CONTENT))
        }
        Verb::DELETE => {
            let keys: Vec<String> = req
                .query_all("tagKeys")
                .iter()
                .map(|s| (*s).to_owned())
                .collect();
            write(svc, id, |state, _| {
                with_tags(state, &mut |t| {
                    for k in &keys {
                        t.remove(k);
                    }
                })
            })?;
            Ok(no_content(StatusCode::NO_CONTENT))
        }
        _ => Err(unsupported(req)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn method(verb: &str, uri: &str) -> Method {
        Method {
            http_method: verb.into(),
            authorization_type: "NONE".into(),
            api_key_required: false,
            authorizer_id: None,
            operation_name: None,
            request_parameters: BTreeMap::new(),
            integration: Some(Integration {
                kind: "AWS_PROXY".into(),
                http_method: Some("POST".into()),
                uri: Some(uri.into()),
                passthrough_behavior: "WHEN_NO_MATCH".into(),
                timeout_in_millis: 29000,
                cache_namespace: "r".into(),
                cache_key_parameters: vec![],
                content_handling: None,
                credentials: None,
                request_parameters: BTreeMap::new(),
                request_templates: BTreeMap::new(),
            }),
        }
    }

    fn resource(id: &str, path: &str, verbs: &[&str]) -> Resource {
        Resource {
            id: id.into(),
            parent_id: (path != "/").then(|| "root".into()),
            path_part: path.rsplit('/').next().filter(|p| !p.is_empty()).map(Into::into),
            path: path.into(),
            methods: verbs.iter().map(|v| ((*v).to_owned(), method(v, "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:f/invocations"))).collect(),
        }
    }

    fn working() -> BTreeMap<String, Resource> {
        [
            resource("root", "/", &[]),
            resource("hw", "/hello_world", &["GET"]),
        ]
        .into_iter()
        .map(|r| (r.id.clone(), r))
        .collect()
    }

    fn api_with(
        resources: BTreeMap<String, Resource>,
        snapshot: Snapshot,
    ) -> (RestApi, Stage, Deployment) {
        let d = Deployment {
            id: "dep1".into(),
            created_date: 1_795_514_400,
            description: None,
            snapshot: Arc::new(snapshot),
        };
        let s = Stage {
            stage_name: "tf-test".into(),
            deployment_id: "dep1".into(),
            created_date: 0,
            last_updated_date: 0,
            description: None,
            variables: BTreeMap::new(),
            tracing_enabled: false,
            tags: BTreeMap::new(),
        };
        let api = RestApi {
            id: "abc123defg".into(),
            name: "tf-test-api".into(),
            description: Some("REST API for lambda rust test".into()),
            version: None,
            created_date: 0,
            root_resource_id: "root".into(),
            api_key_source: "HEADER".into(),
            endpoint_types: vec!["EDGE".into()],
            binary_media_types: vec![],
            disable_execute_api_endpoint: false,
            tags: BTreeMap::new(),
            resources,
            deployments: BTreeMap::new(),
            stages: BTreeMap::new(),
        };
        (api, s, d)
    }

    #[test]
    fn a_snapshot_is_a_deep_copy_unaffected_by_later_changes() {
        let mut working = working();
        let snapshot = Snapshot::of(&working);
        working.insert("new".into(), resource("new", "/new_route", &["POST"]));
        if let Some(r) = working.get_mut("hw") {
            r.methods.insert("PUT".into(), method("PUT", "x"));
        }
        assert!(snapshot.match_path("/new_route").is_none());
        let hw = snapshot.match_path("/hello_world").unwrap();
        assert_eq!(hw.resource.methods.keys().collect::<Vec<_>>(), ["GET"]);
    }

    #[test]
    fn api_summary_lists_deployed_methods_only() {
        let mut working = working();
        let snapshot = Snapshot::of(&working);
        working.insert("new".into(), resource("new", "/new_route", &["POST"]));
        assert_eq!(
            snapshot.api_summary(),
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
    fn routing_prefers_literals_then_variables_then_greedy() {
        let snapshot = Snapshot {
            resources: vec![
                resource("root", "/", &["GET"]),
                resource("a", "/pets", &["GET"]),
                resource("b", "/pets/{id}", &["GET"]),
                resource("c", "/pets/mine", &["GET"]),
                resource("d", "/{proxy+}", &["ANY"]),
            ],
        };
        assert_eq!(snapshot.match_path("/").unwrap().resource.id, "root");
        assert_eq!(snapshot.match_path("/pets/mine").unwrap().resource.id, "c");
        let m = snapshot.match_path("/pets/7%20x").unwrap();
        assert_eq!(m.resource.id, "b");
        assert_eq!(m.path_parameters["id"], "7 x");
        let m = snapshot.match_path("/a/b/c").unwrap();
        assert_eq!(m.resource.id, "d");
        assert_eq!(m.path_parameters["proxy"], "a/b/c");
        assert_eq!(snapshot.match_path("/pets/").unwrap().resource.id, "a");
    }

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
