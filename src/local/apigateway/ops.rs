//! API Gateway's operations: each validates, then changes the model under its lock and saves the
//! store before answering.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::http::{HeaderValue, Method as Verb, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::Ctx;
use super::model::{
    ApiGatewayState, Canary, Deployment, Integration, Method, Model, Resource, RestApi, Snapshot,
    Stage, TlsConfig,
};
use super::patch;
use super::validation::Violations;
use super::vpc_links;
use super::wire::{
    CreateDeploymentIn, CreateRestApiIn, EndpointConfigurationIn, Page, PatchIn, PatchOp,
    PutIntegrationIn, PutMethodIn, Tags, TagsIn, render_api, render_api_single, render_deployment,
    render_integration, render_method, render_resource,
};
use crate::local::common::{Req, RestJsonError, lock, now_ms, random_id};

pub type Result<T, E = RestJsonError> = std::result::Result<T, E>;

pub(super) fn ok(status: StatusCode, body: impl Serialize) -> Response {
    (status, axum::Json(body)).into_response()
}

pub(super) fn no_content(status: StatusCode) -> Response {
    let mut r = status.into_response();
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

pub(super) fn unsupported(req: &Req) -> RestJsonError {
    RestJsonError::new(
        StatusCode::NOT_FOUND,
        "UnknownOperationException",
        format!(
            "lambdeck's local API Gateway does not support {} {}",
            req.method, req.raw_path
        ),
    )
}

pub(super) fn embeds(req: &Req, what: &str) -> bool {
    req.query_all("embed")
        .iter()
        .flat_map(|v| v.split(','))
        .any(|v| v.trim() == what)
}

pub(super) fn missing_api(id: &str) -> RestJsonError {
    RestJsonError::not_found(format!(
        "Invalid API identifier specified {}:{id}",
        crate::local::account_id()
    ))
}

/// AWS answers a call on an element of an API that does not exist as if the element did not:
/// `Invalid Resource identifier specified`, not the API's own message.
pub(super) fn unknown_api_as(
    element: RestJsonError,
) -> impl FnOnce(RestJsonError) -> RestJsonError {
    move |e| {
        if e.message.starts_with("Invalid API identifier specified") {
            element
        } else {
            e
        }
    }
}

pub(super) fn api<'a>(state: &'a ApiGatewayState, id: &str) -> Result<&'a RestApi> {
    state.apis.get(id).ok_or_else(|| missing_api(id))
}

pub(super) fn api_mut<'a>(state: &'a mut ApiGatewayState, id: &str) -> Result<&'a mut RestApi> {
    state.apis.get_mut(id).ok_or_else(|| missing_api(id))
}

pub(super) fn missing_resource() -> RestJsonError {
    RestJsonError::not_found("Invalid Resource identifier specified")
}

pub(super) fn resource<'a>(api: &'a RestApi, id: &str) -> Result<&'a Resource> {
    api.resources.get(id).ok_or_else(missing_resource)
}

pub(super) fn deployment<'a>(api: &'a RestApi, id: &str) -> Result<&'a Deployment> {
    api.deployments
        .get(id)
        .ok_or_else(|| RestJsonError::not_found("Invalid Deployment identifier specified"))
}

pub(super) fn stage<'a>(api: &'a RestApi, name: &str) -> Result<&'a Stage> {
    api.stages
        .get(name)
        .ok_or_else(|| RestJsonError::not_found("Invalid stage identifier specified"))
}

/// Runs a read-only closure on one API under the lock.
pub(super) fn read(
    cx: &Ctx<'_>,
    id: &str,
    f: impl FnOnce(&RestApi) -> Result<Response>,
) -> Result<Response> {
    let state = lock(cx.state);
    f(api(&state, id)?)
}

/// Runs a mutation under the lock, then saves the store (outside the lock) before answering.
pub(super) fn write<T>(
    cx: &Ctx<'_>,
    id: &str,
    f: impl FnOnce(&mut ApiGatewayState) -> Result<T>,
) -> Result<T> {
    let out = {
        let mut state = lock(cx.state);
        if !id.is_empty() {
            api(&state, id)?;
        }
        f(&mut state)?
    };
    save(cx)?;
    Ok(out)
}

pub(super) fn save(cx: &Ctx<'_>) -> Result<()> {
    cx.saver.save_control().map_err(RestJsonError::internal)
}

pub(super) fn body<T: serde::de::DeserializeOwned>(req: &Req) -> Result<T> {
    req.json().map_err(|e| {
        // AWS's Java front end answers a boolean or a number where a string belongs (a request
        // parameter's mapping given as `true`, a template as `123`) with its own words, as its
        // recorded answers show.
        let class = if !e.contains("expected a string") {
            None
        } else if e.contains("invalid type: boolean") {
            Some("java.lang.Boolean")
        } else if e.contains("invalid type: integer") || e.contains("invalid type: floating point")
        {
            Some("com.amazon.coral.value.json.numbers.TruncatingBigNumber")
        } else {
            None
        };
        match class {
            Some(class) => RestJsonError::new(
                StatusCode::BAD_REQUEST,
                "SerializationException",
                format!("class {class} can not be converted to an String"),
            ),
            None => RestJsonError::bad_request(e),
        }
    })
}

/// One page of a list; the position is the offset of the next item.
pub(super) fn page<T>(items: Vec<T>, req: &Req) -> Page<T> {
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
    let total = items.len();
    let end = (start + limit).min(total);
    Page {
        item: items
            .into_iter()
            .skip(start)
            .take(end.saturating_sub(start))
            .collect(),
        position: (end < total).then(|| end.to_string()),
    }
}

pub(super) fn now_s() -> i64 {
    now_ms() / 1000
}

/// An id unused among `existing`.
pub(super) fn fresh_id<V>(existing: &BTreeMap<String, V>) -> String {
    loop {
        let id = random_id(10);
        if !existing.contains_key(&id) {
            return id;
        }
    }
}

pub(super) fn create_rest_api(cx: &Ctx<'_>, req: &Req) -> Result<Response> {
    let input: CreateRestApiIn = body(req)?;
    let endpoint = input.endpoint_configuration.as_ref();
    check_model_values(input.api_key_source.as_deref(), endpoint)?;
    let name = input
        .name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| RestJsonError::bad_request("Invalid REST API name specified"))?;
    if input.description.as_deref() == Some("") {
        return Err(RestJsonError::bad_request(
            "Description cannot be an empty string",
        ));
    }
    if let Some(size) = input.minimum_compression_size {
        check_compression_size(size)?;
    }
    if let Some(e) = endpoint {
        check_endpoint_configuration(&e.types, ip_address_type(e))?;
    }
    let value = write(cx, "", |state| {
        let id = fresh_id(&state.apis);
        let root_id = random_id(10);
        let root = Resource {
            id: root_id.clone(),
            parent_id: None,
            path_part: None,
            path: "/".into(),
            methods: BTreeMap::new(),
        };
        let ip_address_type = input
            .endpoint_configuration
            .as_ref()
            .and_then(ip_address_type)
            .map(ToOwned::to_owned);
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
            created_seq: next_api_seq(state),
            root_resource_id: root_id.clone(),
            api_key_source: input.api_key_source.unwrap_or_else(|| "HEADER".into()),
            endpoint_types: types,
            ip_address_type,
            binary_media_types: input.binary_media_types,
            disable_execute_api_endpoint: input.disable_execute_api_endpoint,
            policy: input.policy.filter(|p| !p.trim().is_empty()),
            minimum_compression_size: input.minimum_compression_size,
            tags: input.tags,
            resources: BTreeMap::from([(root_id, root)]),
            authorizers: BTreeMap::new(),
            models: default_models(),
            request_validators: BTreeMap::new(),
            gateway_responses: BTreeMap::new(),
            documentation_parts: Vec::new(),
            documentation_versions: BTreeMap::new(),
            deployments: BTreeMap::new(),
            stages: BTreeMap::new(),
        };
        let value = render_api(&api);
        state.apis.insert(id, api);
        Ok(value)
    })?;
    Ok(ok(StatusCode::CREATED, value))
}

/// The creation order of the next API in the account.
pub(super) fn next_api_seq(state: &ApiGatewayState) -> u64 {
    state
        .apis
        .values()
        .map(|a| a.created_seq)
        .max()
        .unwrap_or(0)
        + 1
}

pub(super) fn get_rest_apis(cx: &Ctx<'_>, req: &Req) -> Response {
    let state = lock(cx.state);
    let mut apis: Vec<&RestApi> = state.apis.values().collect();
    apis.sort_by(|a, b| {
        (a.created_date, a.created_seq, &a.id).cmp(&(b.created_date, b.created_seq, &b.id))
    });
    let items = apis.into_iter().map(render_api).collect();
    ok(StatusCode::OK, page(items, req))
}

/// The two models CreateRestApi adds to every API, as AWS writes them.
fn default_models() -> BTreeMap<String, Model> {
    let model = |name: &str, schema: &str| {
        (
            name.to_owned(),
            Model {
                id: random_id(6),
                name: name.to_owned(),
                description: Some(format!(
                    "This is a default {} schema model",
                    name.to_lowercase()
                )),
                schema: Some(schema.to_owned()),
                content_type: "application/json".into(),
            },
        )
    };
    BTreeMap::from([
        model(
            "Empty",
            "{\n  \"$schema\": \"http://json-schema.org/draft-04/schema#\",\n  \"title\" : \"Empty Schema\",\n  \"type\" : \"object\"\n}",
        ),
        model(
            "Error",
            "{\n  \"$schema\" : \"http://json-schema.org/draft-04/schema#\",\n  \"title\" : \"Error Schema\",\n  \"type\" : \"object\",\n  \"properties\" : {\n    \"message\" : { \"type\" : \"string\" }\n  }\n}",
        ),
    ])
}

/// An endpoint configuration's `ipAddressType`; an empty one is none.
fn ip_address_type(e: &EndpointConfigurationIn) -> Option<&str> {
    e.ip_address_type.as_deref().filter(|i| !i.is_empty())
}

/// CreateRestApi's enum members (the API key source, the endpoint configuration's types and IP
/// address type) against their enums, before anything else is checked: AWS's ValidationException
/// lists every violation at once, in the input's member order.
fn check_model_values(
    api_key_source: Option<&str>,
    e: Option<&EndpointConfigurationIn>,
) -> Result<()> {
    let mut v = Violations::new();
    if let Some(source) = api_key_source {
        v.one_of(
            source,
            "createRestApiInput.apiKeySource",
            &["HEADER", "AUTHORIZER"],
        );
    }
    if let Some(e) = e {
        if e.types
            .iter()
            .any(|t| !["PRIVATE", "EDGE", "REGIONAL"].contains(&t.as_str()))
        {
            v.push(format!(
                "Value '[{}]' at 'createRestApiInput.endpointConfiguration.types' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [PRIVATE, EDGE, REGIONAL]]",
                e.types.join(", ")
            ));
        }
        if let Some(ip) = ip_address_type(e) {
            v.one_of(
                ip,
                "createRestApiInput.endpointConfiguration.ipAddressType",
                &["ipv4", "dualstack"],
            );
        }
    }
    v.check()
}

/// One endpoint type, and `ipv4` only for a public one, with AWS's messages.
fn check_endpoint_configuration(types: &[String], ip: Option<&str>) -> Result<()> {
    if types.is_empty() {
        return Err(RestJsonError::bad_request(
            "REGIONAL Configuration and EDGE Configuration cannot be both DISABLED.",
        ));
    }
    if types.len() > 1 {
        return Err(RestJsonError::bad_request(
            "Cannot create an api with multiple Endpoint Types.",
        ));
    }
    if ip == Some("ipv4") && types.iter().any(|t| t == "PRIVATE") {
        return Err(RestJsonError::bad_request(
            "Only dualstack ipAddressType is supported for Private APIs.",
        ));
    }
    Ok(())
}

fn check_compression_size(size: i64) -> Result<()> {
    if (0..=10_485_760).contains(&size) {
        Ok(())
    } else {
        Err(RestJsonError::bad_request(
            "Invalid minimum compression size, must be between 0 and 10485760",
        ))
    }
}

pub(super) fn update_rest_api(cx: &Ctx<'_>, req: &Req, id: &str) -> Result<Response> {
    let input: PatchIn = body(req)?;
    patch::check_ops(&input.patch_operations, "updateRestApiInput")?;
    let value = write(cx, id, |state| {
        let mut api = api(state, id)?.clone();
        for op in &input.patch_operations {
            if let Some(media_type) = patch::key(op, "/binaryMediaTypes") {
                patch::list_member(&mut api.binary_media_types, op, media_type)?;
                continue;
            }
            match (op.op.as_str(), op.path.as_str()) {
                ("replace", "/name") => {
                    api.name = op.value.clone().filter(|n| !n.is_empty()).ok_or_else(|| {
                        RestJsonError::bad_request("Invalid REST API name specified")
                    })?;
                }
                ("replace", "/description") => api.description = op.value.clone(),
                ("remove", "/description") => api.description = None,
                ("replace", "/endpointConfiguration/types/0") => {
                    let kind = op.value.clone().unwrap_or_default();
                    if !["REGIONAL", "EDGE", "PRIVATE"].contains(&kind.as_str()) {
                        return Err(RestJsonError::bad_request(
                            "Invalid EndpointTypes specified. Valid options are REGIONAL,EDGE,PRIVATE",
                        ));
                    }
                    // A private API is dualstack only; AWS switches it.
                    if kind == "PRIVATE" {
                        api.ip_address_type = Some("dualstack".into());
                    }
                    api.endpoint_types = vec![kind];
                }
                (_, "/endpointConfiguration/types/0") => {
                    return Err(RestJsonError::bad_request(
                        "Invalid patch operation specified. Must be 'add'|'remove'|'replace'",
                    ));
                }
                ("replace", "/endpointConfiguration/ipAddressType") => {
                    let ip = op.value.clone().unwrap_or_default();
                    if !["ipv4", "dualstack"].contains(&ip.as_str()) {
                        return Err(RestJsonError::bad_request(
                            "ipAddressType must be either ipv4 or dualstack.",
                        ));
                    }
                    check_endpoint_configuration(&api.endpoint_types, Some(&ip))?;
                    api.ip_address_type = Some(ip);
                }
                (_, "/endpointConfiguration/ipAddressType") => {
                    return Err(RestJsonError::bad_request(
                        "Invalid patch operation specified. Must be one of: [replace]",
                    ));
                }
                ("replace", "/policy") => api.policy = patch::optional(op),
                ("replace", "/minimumCompressionSize") => {
                    api.minimum_compression_size = match patch::optional(op) {
                        None => None,
                        Some(v) => {
                            let size = v.parse::<i64>().map_err(|_| {
                                RestJsonError::bad_request(
                                    "Invalid minimum compression size, must be between 0 and 10485760",
                                )
                            })?;
                            check_compression_size(size)?;
                            Some(size)
                        }
                    };
                }
                (_, "/minimumCompressionSize") => {
                    return Err(RestJsonError::bad_request(
                        "Invalid patch operation specified. Must be one of: [replace]",
                    ));
                }
                ("replace", "/apiKeySource") => {
                    let source = op.value.clone().unwrap_or_default();
                    if !["HEADER", "AUTHORIZER"].contains(&source.as_str()) {
                        return Err(RestJsonError::bad_request(format!(
                            "Invalid API Key source specified: {source}. Valid options are HEADER,AUTHORIZER"
                        )));
                    }
                    api.api_key_source = source;
                }
                ("replace", "/disableExecuteApiEndpoint") => {
                    api.disable_execute_api_endpoint = patch::boolean(op)?;
                }
                _ => return Err(patch::bad_path(op)),
            }
        }
        let value = render_api_single(&api);
        state.apis.insert(id.to_owned(), api);
        Ok(value)
    })?;
    Ok(ok(StatusCode::OK, value))
}

pub(super) fn get_resources(cx: &Ctx<'_>, req: &Req, id: &str) -> Result<Response> {
    read(cx, id, |api| {
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

pub(super) const VERBS: [&str; 8] = [
    "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "ANY",
];

/// PutMethod's own check, with the verbs in the order AWS's message lists them; the other calls
/// on a method that cannot exist answer that it is not found, as AWS's recorded answers show.
fn check_put_verb(verb: &str) -> Result<()> {
    check_verb(verb).map_err(|_| {
        RestJsonError::bad_request(
            "Invalid HttpMethod specified. Valid options are GET,PUT,POST,DELETE,PATCH,OPTIONS,HEAD,ANY",
        )
    })
}

pub(super) fn check_verb(verb: &str) -> Result<()> {
    if VERBS.contains(&verb) {
        Ok(())
    } else {
        Err(RestJsonError::bad_request(format!(
            "Invalid HttpMethod specified. Valid options are {}",
            VERBS.join(",")
        )))
    }
}

pub(super) fn missing_method() -> RestJsonError {
    RestJsonError::not_found("Invalid Method identifier specified")
}

pub(super) fn method_call(
    cx: &Ctx<'_>,
    req: &Req,
    id: &str,
    rid: &str,
    verb: &str,
) -> Result<Response> {
    if req.method == Verb::PUT {
        // The API and the resource are looked up before the verb is checked, as AWS does.
        {
            let state = lock(cx.state);
            resource(api(&state, id)?, rid)?;
        }
        check_put_verb(verb)?;
    }
    match req.method {
        Verb::GET => read(cx, id, |api| {
            let m = resource(api, rid)?
                .methods
                .get(verb)
                .ok_or_else(missing_method)?;
            Ok(ok(StatusCode::OK, render_method(m, true)))
        }),
        Verb::PUT => {
            let input: PutMethodIn = body(req)?;
            // AWS takes the type in any case (`none`) and keeps it upper-case.
            let auth = input
                .authorization_type
                .unwrap_or_default()
                .to_ascii_uppercase();
            if !["NONE", "AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS"].contains(&auth.as_str()) {
                return Err(RestJsonError::bad_request(format!(
                    "Invalid authorization type specified: '{auth}'"
                )));
            }
            let value = write(cx, id, |state| {
                let api = api_mut(state, id)?;
                resource(api, rid)?;
                check_parameter_names(&input.request_parameters)?;
                check_method_refs(
                    api,
                    &auth,
                    input.authorizer_id.as_deref(),
                    input.request_validator_id.as_deref(),
                    input.request_models.values(),
                )?;
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
                    authorization_scopes: input.authorization_scopes,
                    request_models: input.request_models,
                    request_validator_id: input.request_validator_id,
                    method_responses: BTreeMap::new(),
                    integration: None,
                };
                let value = render_method(&m, false);
                r.methods.insert(verb.to_owned(), m);
                Ok(value)
            })?;
            Ok(ok(StatusCode::CREATED, value))
        }
        Verb::DELETE => {
            write(cx, id, |state| {
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
            patch::check_ops(&input.patch_operations, "updateMethodInput")?;
            let value = write(cx, id, |state| {
                let api = api_mut(state, id)?;
                resource(api, rid)?;
                let mut updated = api
                    .resources
                    .get(rid)
                    .and_then(|r| r.methods.get(verb))
                    .ok_or_else(missing_method)?
                    .clone();
                for op in &input.patch_operations {
                    patch_method(&mut updated, op)?;
                }
                // An authorizer on a method whose authorization type (once every operation has
                // applied) takes none is ignored, as AWS's recorded answers show.
                if !["CUSTOM", "COGNITO_USER_POOLS"].contains(&updated.authorization_type.as_str())
                {
                    updated.authorizer_id = None;
                }
                check_parameter_names(&updated.request_parameters)?;
                check_method_refs(
                    api,
                    &updated.authorization_type,
                    updated.authorizer_id.as_deref(),
                    updated.request_validator_id.as_deref(),
                    updated.request_models.values(),
                )?;
                let value = render_method(&updated, true);
                if let Some(m) = api
                    .resources
                    .get_mut(rid)
                    .and_then(|r| r.methods.get_mut(verb))
                {
                    *m = updated;
                }
                Ok(value)
            })?;
            Ok(ok(StatusCode::OK, value))
        }
        _ => Err(unsupported(req)),
    }
}

/// An integration's role belongs to the API's account: API Gateway cannot pass another account's
/// role (403 AccessDeniedException, as AWS answers PutIntegration).
fn check_credentials_account(credentials: Option<&str>) -> Result<()> {
    let account = credentials
        .filter(|c| c.contains(":iam::") && c.contains(":role/"))
        .and_then(|c| c.split(':').nth(4));
    match account {
        Some(a)
            if a.len() == 12
                && a.bytes().all(|b| b.is_ascii_digit())
                && a != crate::local::account_id() =>
        {
            Err(RestJsonError::new(
                StatusCode::FORBIDDEN,
                "AccessDeniedException",
                "Cross-account pass role is not allowed.",
            ))
        }
        _ => Ok(()),
    }
}

fn check_integration(input: &PutIntegrationIn) -> Result<()> {
    let kind = input.kind.as_deref().unwrap_or("");
    if kind.is_empty() {
        return Err(RestJsonError::bad_request(
            "Enumeration value for Integration type must be one of AWS, AWS_PROXY, HTTP, HTTP_PROXY, MOCK",
        ));
    }
    let mut v = Violations::new();
    v.one_of(
        kind,
        "putIntegrationInput.type",
        &["HTTP", "MOCK", "AWS_PROXY", "HTTP_PROXY", "AWS"],
    );
    v.check()?;
    if kind != "MOCK" {
        let method = input.http_method.as_deref().unwrap_or("");
        if method.is_empty() {
            return Err(RestJsonError::bad_request(
                "Enumeration value for HttpMethod must be non-empty",
            ));
        }
        check_verb(method)?;
        check_credentials_account(input.credentials.as_deref())?;
        let uri = input.uri.as_deref().unwrap_or("");
        if uri.is_empty() {
            return Err(RestJsonError::bad_request(
                "Invalid integration URI specified",
            ));
        }
        if kind.starts_with("AWS") {
            check_aws_uri(kind, uri)?;
            // Every AWS service but Lambda is called with a role.
            let lambda = uri.split(':').nth(4) == Some("lambda");
            let role = input.credentials.as_deref().is_some_and(|c| !c.is_empty());
            if kind == "AWS" && !lambda && !role {
                return Err(RestJsonError::bad_request(
                    "Role ARN must be specified for AWS integrations",
                ));
            }
        }
        let http = ["http://", "https://"].iter().any(|scheme| {
            uri.get(..scheme.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(scheme))
        });
        if kind.starts_with("HTTP") && !http && !uri.contains("${stageVariables.") {
            return Err(RestJsonError::bad_request(
                "Invalid HTTP endpoint specified for URI",
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

/// An `AWS` or `AWS_PROXY` integration's URI, `arn:{partition}:apigateway:{region}:{service}:
/// {path|action}/...`, refused with AWS's messages (LocalStack's AWS-validated snapshots): not an ARN;
/// an ARN without `path/` or `action/` (a function's own ARN given as the URI); for `AWS_PROXY`,
/// anything but a Lambda function's invocations path or a Firehose action.
fn check_aws_uri(kind: &str, uri: &str) -> Result<()> {
    let Some(rest) = uri.strip_prefix("arn:") else {
        return Err(RestJsonError::bad_request(
            "Invalid ARN specified in the request",
        ));
    };
    let mut parts = rest.splitn(5, ':');
    let (_partition, service, _region, target, tail) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    if service != Some("apigateway") || !(tail.starts_with("path/") || tail.starts_with("action/"))
    {
        return Err(RestJsonError::bad_request(
            "AWS ARN for integration must contain path or action",
        ));
    }
    let lambda = target == "lambda"
        && tail.starts_with("path/2015-03-31/functions/")
        && tail.ends_with("/invocations");
    let firehose = target == "firehose" && tail.starts_with("action/");
    if kind == "AWS_PROXY" && !lambda && !firehose {
        return Err(RestJsonError::bad_request(
            "Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream invocations.",
        ));
    }
    Ok(())
}

pub(super) fn integration_call(
    cx: &Ctx<'_>,
    req: &Req,
    id: &str,
    rid: &str,
    verb: &str,
) -> Result<Response> {
    let missing = || RestJsonError::not_found("Invalid Integration identifier specified");
    if req.method == Verb::PUT {
        check_verb(verb)?;
    }
    match req.method {
        // AWS names the method when it is not there, then the integration.
        Verb::GET => read(cx, id, |api| {
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
            let value = write(cx, id, |state| {
                let (connection_type, connection_id) = vpc_links::check_connection(
                    state,
                    input.connection_type.as_deref(),
                    input.connection_id.as_deref(),
                    "putIntegrationInput",
                )?;
                let api = api_mut(state, id)?;
                resource(api, rid)?;
                let m = api
                    .resources
                    .get_mut(rid)
                    .and_then(|r| r.methods.get_mut(verb))
                    .ok_or_else(missing_method)?;
                let kind = input.kind.unwrap_or_default();
                // A MOCK calls nothing: AWS drops the integration HTTP method and the URI it was
                // given (its recorded test_put_integration_validation).
                let http_method = input.http_method.filter(|_| kind != "MOCK");
                let uri = input.uri.filter(|_| kind != "MOCK");
                let i = Integration {
                    kind,
                    http_method,
                    uri,
                    passthrough_behavior: input
                        .passthrough_behavior
                        .unwrap_or_else(|| "WHEN_NO_MATCH".into()),
                    timeout_in_millis: input.timeout_in_millis.unwrap_or(29000),
                    cache_namespace: input.cache_namespace.unwrap_or_else(|| rid.to_owned()),
                    cache_key_parameters: input.cache_key_parameters,
                    content_handling: input.content_handling,
                    credentials: input.credentials,
                    connection_type,
                    connection_id,
                    tls_config: input.tls_config,
                    request_parameters: input.request_parameters,
                    request_templates: input.request_templates,
                    // Integration responses stay when the integration is put again.
                    integration_responses: m
                        .integration
                        .take()
                        .map(|old| old.integration_responses)
                        .unwrap_or_default(),
                };
                let value = render_integration(&i);
                m.integration = Some(i);
                Ok(value)
            })?;
            Ok(ok(StatusCode::CREATED, value))
        }
        Verb::DELETE => {
            write(cx, id, |state| {
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
        Verb::PATCH => {
            let input: PatchIn = body(req)?;
            patch::check_ops(&input.patch_operations, "updateIntegrationInput")?;
            let value = write(cx, id, |state| {
                let mut updated = resource(api(state, id)?, rid)?
                    .methods
                    .get(verb)
                    .ok_or_else(missing_method)?
                    .integration
                    .clone()
                    .ok_or_else(missing)?;
                for op in &input.patch_operations {
                    patch_integration(&mut updated, op)?;
                }
                (updated.connection_type, updated.connection_id) = vpc_links::check_connection(
                    state,
                    updated.connection_type.as_deref(),
                    updated.connection_id.as_deref(),
                    "updateIntegrationInput",
                )?;
                let value = render_integration(&updated);
                if let Some(m) = api_mut(state, id)?
                    .resources
                    .get_mut(rid)
                    .and_then(|r| r.methods.get_mut(verb))
                {
                    m.integration = Some(updated);
                }
                Ok(value)
            })?;
            Ok(ok(StatusCode::OK, value))
        }
        _ => Err(unsupported(req)),
    }
}

/// A method's request parameters name each parameter once, whatever its location
/// (`method.request.querystring.a` and `method.request.header.a` clash), as AWS checks them.
fn check_parameter_names(params: &BTreeMap<String, bool>) -> Result<()> {
    let mut seen = std::collections::BTreeSet::new();
    for key in params.keys() {
        // A key that is no method request expression (`{"true": true}`), with AWS's recorded words.
        if !key.starts_with("method.request.") {
            return Err(RestJsonError::bad_request(format!(
                "Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression specified: {key}]"
            )));
        }
        let name = ["querystring", "header", "path"]
            .iter()
            .find_map(|at| key.strip_prefix(&format!("method.request.{at}.")))
            .unwrap_or(key);
        if !seen.insert(name) {
            return Err(RestJsonError::bad_request(
                "Parameter names must be unique across querystring, header and path",
            ));
        }
    }
    Ok(())
}

/// A method's references resolve: its authorizer (required for CUSTOM and COGNITO_USER_POOLS), its
/// request validator and its request models.
fn check_method_refs<'a>(
    api: &RestApi,
    authorization_type: &str,
    authorizer_id: Option<&str>,
    validator_id: Option<&str>,
    models: impl Iterator<Item = &'a String>,
) -> Result<()> {
    let needs_authorizer = ["CUSTOM", "COGNITO_USER_POOLS"].contains(&authorization_type);
    let authorizer_ok = authorizer_id.is_some_and(|a| api.authorizers.contains_key(a));
    if (needs_authorizer || authorizer_id.is_some()) && !authorizer_ok {
        return Err(RestJsonError::bad_request(
            "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS requires a valid authorizer.",
        ));
    }
    if let Some(v) = validator_id
        && !api.request_validators.contains_key(v)
    {
        return Err(RestJsonError::bad_request(
            "Invalid Request Validator identifier specified",
        ));
    }
    for model in models {
        if !api.models.contains_key(model) {
            return Err(RestJsonError::bad_request(format!(
                "Invalid model identifier specified: {model}"
            )));
        }
    }
    Ok(())
}

/// One UpdateMethod operation.
fn patch_method(m: &mut Method, op: &PatchOp) -> Result<()> {
    if let Some(name) = patch::key(op, "/requestParameters") {
        return patch::flag_member(&mut m.request_parameters, op, name, || {
            RestJsonError::not_found("Invalid parameter name specified")
        });
    }
    if let Some(content_type) = patch::key(op, "/requestModels") {
        if content_type.contains('/') && op.path.matches('/').count() > 2 {
            // An unescaped content type (`/requestModels/application/json`) is not a member.
            return Err(patch::bad_path(op));
        }
        return patch::string_member(&mut m.request_models, op, content_type, || {
            RestJsonError::not_found("Content-Type specified was not found")
        });
    }
    if let Some(scope) = patch::key(op, "/authorizationScopes") {
        return patch::list_member(&mut m.authorization_scopes, op, scope);
    }
    match (op.op.as_str(), op.path.as_str()) {
        ("replace", "/authorizationType") => {
            m.authorization_type = op.value.clone().unwrap_or_default();
            if !["CUSTOM", "COGNITO_USER_POOLS"].contains(&m.authorization_type.as_str()) {
                m.authorizer_id = None;
            }
        }
        ("replace", "/apiKeyRequired") => m.api_key_required = patch::boolean(op)?,
        ("replace", "/authorizerId") => m.authorizer_id = patch::optional(op),
        ("replace", "/operationName") => m.operation_name = patch::optional(op),
        ("replace", "/requestValidatorId") => m.request_validator_id = patch::optional(op),
        (
            _,
            "/authorizationType"
            | "/apiKeyRequired"
            | "/authorizerId"
            | "/operationName"
            | "/requestValidatorId",
        ) => {
            return Err(RestJsonError::bad_request(
                "Invalid patch operation specified. Must be one of: [replace]",
            ));
        }
        _ => return Err(patch::bad_path(op)),
    }
    Ok(())
}

/// One UpdateIntegration operation.
fn patch_integration(i: &mut Integration, op: &PatchOp) -> Result<()> {
    let missing = || RestJsonError::not_found("Invalid mapping expression specified");
    if let Some(name) = patch::key(op, "/requestParameters") {
        return patch::string_member(&mut i.request_parameters, op, name, missing);
    }
    if let Some(content_type) = patch::key(op, "/requestTemplates") {
        return patch::string_member(&mut i.request_templates, op, content_type, || {
            RestJsonError::not_found("Content-Type specified was not found")
        });
    }
    if let Some(name) = patch::key(op, "/cacheKeyParameters") {
        return patch::list_member(&mut i.cache_key_parameters, op, name);
    }
    match (op.op.as_str(), op.path.as_str()) {
        ("replace", "/timeoutInMillis") => {
            let t = op
                .value
                .as_deref()
                .and_then(|v| v.parse::<u64>().ok())
                .filter(|t| (50..=29000).contains(t))
                .ok_or_else(|| {
                    RestJsonError::bad_request("Timeout should be between 50 ms and 29000 ms")
                })?;
            i.timeout_in_millis = t;
        }
        ("replace", "/contentHandling") => {
            let v = patch::optional(op);
            if let Some(c) = &v
                && !["CONVERT_TO_BINARY", "CONVERT_TO_TEXT"].contains(&c.as_str())
            {
                return Err(RestJsonError::bad_request(format!(
                    "Invalid content handling specified: {c}"
                )));
            }
            i.content_handling = v;
        }
        ("remove", "/contentHandling") => i.content_handling = None,
        ("replace", "/passthroughBehavior") => {
            let v = op.value.clone().unwrap_or_default();
            if !["WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER"].contains(&v.as_str()) {
                return Err(RestJsonError::bad_request(format!(
                    "Invalid passthrough behavior specified: {v}"
                )));
            }
            i.passthrough_behavior = v;
        }
        ("replace", "/uri") => i.uri = patch::optional(op),
        ("replace", "/httpMethod") => {
            let v = op.value.clone().unwrap_or_default();
            check_verb(&v)?;
            i.http_method = Some(v);
        }
        ("replace", "/credentials") => {
            check_credentials_account(op.value.as_deref())?;
            i.credentials = patch::optional(op);
        }
        // Checked whole once every operation has applied (a link's id needs its type).
        ("replace", "/connectionType") => i.connection_type = patch::optional(op),
        ("replace", "/connectionId") => i.connection_id = patch::optional(op),
        ("remove", "/credentials") => i.credentials = None,
        ("replace", "/tlsConfig/insecureSkipVerification") => {
            let skip = op.value.as_deref().unwrap_or_default();
            i.tls_config = Some(TlsConfig {
                insecure_skip_verification: skip.eq_ignore_ascii_case("true"),
            });
        }
        ("replace", "/cacheNamespace") => {
            i.cache_namespace = op.value.clone().unwrap_or_default();
        }
        _ => return Err(patch::bad_path(op)),
    }
    Ok(())
}

/// percentTraffic is a share of the stage's requests: 0.0 to 100.0.
pub(super) fn check_percent(p: Option<f64>) -> Result<()> {
    match p {
        Some(p) if !(0.0..=100.0).contains(&p) => Err(RestJsonError::bad_request(
            "Canary traffic percentage must be between 0.0 and 100.0",
        )),
        _ => Ok(()),
    }
}

pub(super) fn check_stage_name(name: &str) -> Result<()> {
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

pub(super) fn create_deployment(cx: &Ctx<'_>, req: &Req, id: &str) -> Result<Response> {
    let input: CreateDeploymentIn = body(req)?;
    let stage_name = input.stage_name.filter(|s| !s.is_empty());
    if let Some(s) = &stage_name {
        check_stage_name(s)?;
    }
    if input.canary_settings.is_some() && stage_name.is_none() {
        return Err(RestJsonError::bad_request(
            "Invalid deployment content specified.Non null and non empty stageName must be provided for canary deployment. Provided value is null",
        ));
    }
    if let Some(c) = &input.canary_settings {
        check_percent(c.percent_traffic)?;
    }
    let value = write(cx, id, |state| {
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
        if input.canary_settings.is_some()
            && let Some(name) = &stage_name
            && !api.stages.contains_key(name)
        {
            return Err(RestJsonError::bad_request(format!(
                "Invalid deployment content specified.Stage {name} must already be created before making a canary release deployment"
            )));
        }
        let now = now_s();
        let d = Deployment {
            id: fresh_id(&api.deployments),
            created_date: now,
            description: input.description,
            snapshot: Arc::new(Snapshot::freeze(api)),
        };
        if let (Some(name), Some(c)) = (&stage_name, &input.canary_settings) {
            // A canary release: the stage keeps its deployment; the new one takes percentTraffic of
            // its requests.
            if let Some(s) = api.stages.get_mut(name) {
                s.canary = Some(Canary {
                    deployment_id: d.id.clone(),
                    percent_traffic: c.percent_traffic.unwrap_or(0.0),
                    stage_variable_overrides: c.stage_variable_overrides.clone(),
                    use_stage_cache: c.use_stage_cache,
                });
                s.last_updated_date = now;
            }
        } else if let Some(name) = stage_name {
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
                    if let Some(enabled) = input.cache_cluster_enabled {
                        s.cache_cluster_enabled = enabled;
                    }
                    if input.cache_cluster_size.is_some() {
                        s.cache_cluster_size = input.cache_cluster_size;
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
                            canary: None,
                            documentation_version: None,
                            method_settings: BTreeMap::new(),
                            access_log_settings: None,
                            cache_cluster_enabled: input.cache_cluster_enabled.unwrap_or(false),
                            cache_cluster_size: input.cache_cluster_size,
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

/// Tags on REST APIs and stages, addressed by ARN `arn:aws:apigateway:{region}::/restapis/{id}[/stages/{name}]`.
pub(super) fn tags_call(cx: &Ctx<'_>, req: &Req, arn: &str) -> Result<Response> {
    let path = arn.split("::").nth(1).unwrap_or("");
    let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    // The tagged object: an API, a stage, an API key or a usage plan.
    let (id, stage_name, account_level) = match parts.as_slice() {
        ["restapis", id] => (*id, None, None),
        ["restapis", id, "stages", s] => (*id, Some(*s), None),
        [kind @ ("apikeys" | "usageplans" | "vpclinks"), id] => ("", None, Some((*kind, *id))),
        _ => {
            return Err(RestJsonError::not_found(format!(
                "Invalid resource ARN specified: {arn}"
            )));
        }
    };
    let with_tags = |state: &mut ApiGatewayState,
                     f: &mut dyn FnMut(&mut BTreeMap<String, String>)|
     -> Result<()> {
        match account_level {
            Some(("apikeys", key)) => {
                let k = state.api_keys.get_mut(key).ok_or_else(|| {
                    RestJsonError::not_found("Invalid API Key identifier specified")
                })?;
                f(&mut k.tags);
                return Ok(());
            }
            Some(("vpclinks", link)) => {
                let l = state.vpc_links.get_mut(link).ok_or_else(|| {
                    RestJsonError::not_found("Invalid Vpc Link identifier specified")
                })?;
                f(&mut l.tags);
                return Ok(());
            }
            Some((_, plan)) => {
                let p = state
                    .usage_plans
                    .get_mut(plan)
                    .ok_or_else(|| RestJsonError::not_found("Invalid Usage Plan ID specified"))?;
                f(&mut p.tags);
                return Ok(());
            }
            None => {}
        }
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
            let mut state = lock(cx.state);
            let mut out = BTreeMap::new();
            with_tags(&mut state, &mut |t| out = t.clone())?;
            Ok(ok(StatusCode::OK, Tags { tags: out }))
        }
        Verb::PUT => {
            let input: TagsIn = body(req)?;
            write(cx, id, |state| {
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
            write(cx, id, |state| {
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
