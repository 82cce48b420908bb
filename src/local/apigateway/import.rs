//! ImportRestApi and PutRestApi: an OpenAPI 3.0 or Swagger 2.0 document (JSON or YAML) with API Gateway's
//! `x-amazon-apigateway-*` extensions, read into a REST API's working copy. The inverse of the
//! export: a stage's export imported again gives the same API.

use std::collections::{BTreeMap, BTreeSet};

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value};

use super::Ctx;
use super::elements::{GATEWAY_RESPONSE_TYPES, check_authorizer};
use super::model::{
    Authorizer, DocumentationLocation, GatewayResponse, Given, Integration, IntegrationResponse,
    Method, MethodResponse, Model, RequestValidator, Resource, RestApi, TlsConfig,
};
use super::ops::{Result, api_mut, fresh_id, next_api_seq, now_s, ok, write};
use super::wire::{render_api, render_api_single};
use crate::local::common::{Req, RestJsonError, random_id};

/// AWS's answer to a body that is not an OpenAPI or Swagger document.
const INVALID_INPUT: &str = "Invalid OpenAPI input.";

/// How PutRestApi applies a document to an existing API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The document replaces the API's definition (resource ids are kept by path).
    Overwrite,
    /// The document's resources, methods and elements are added, replacing those of the same
    /// path and verb or name; everything else stays.
    Merge,
}

/// The `basepath` import parameter: what becomes of the document's base path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BasePath {
    Ignore,
    Prepend,
    /// The base path's first segment is dropped, the rest prepended.
    Split,
}

/// What a document defines, before ids are given.
#[derive(Debug, Default)]
pub struct Definition {
    pub title: Option<String>,
    pub description: Option<String>,
    pub version: Option<String>,
    pub policy: Option<String>,
    pub binary_media_types: Vec<String>,
    pub minimum_compression_size: Option<i64>,
    pub api_key_source: Option<String>,
    pub disable_execute_api_endpoint: Option<bool>,
    pub routes: Vec<Route>,
    /// By name; ids are empty.
    pub authorizers: BTreeMap<String, Authorizer>,
    /// By name; ids are empty and references are `#/…/Name` until applied.
    pub models: BTreeMap<String, Model>,
    /// By name: (validateRequestBody, validateRequestParameters).
    pub validators: BTreeMap<String, (bool, bool)>,
    pub gateway_responses: BTreeMap<String, GatewayResponse>,
    /// `x-amazon-apigateway-documentation`'s parts, when the document has the extension.
    pub documentation: Option<Vec<(DocumentationLocation, String)>>,
    pub warnings: Vec<String>,
}

/// One operation: its resource path, verb, and the method (authorizer and validator by name).
#[derive(Debug)]
pub struct Route {
    pub path: String,
    pub verb: String,
    pub method: Method,
    pub authorizer: Option<String>,
    pub validator: Option<String>,
}

const VERBS: [&str; 7] = ["get", "put", "post", "delete", "options", "head", "patch"];

fn obj(v: Option<&Value>) -> Option<&Map<String, Value>> {
    v.and_then(Value::as_object)
}

/// A scalar as text (documents write status codes and numbers either way).
fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn int(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn boolean(v: Option<&Value>) -> Option<bool> {
    match v? {
        Value::Bool(b) => Some(*b),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// A string-to-text map; a template written as a JSON object (as some documents do) is kept as its
/// JSON text.
fn text_map(v: Option<&Value>) -> BTreeMap<String, String> {
    obj(v)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| {
                    let t = match v {
                        Value::Object(_) | Value::Array(_) => Some(v.to_string()),
                        other => text(Some(other)),
                    };
                    t.map(|t| (k.clone(), t))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn text_list(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|s| text(Some(s))).collect())
        .unwrap_or_default()
}

fn upper(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_ascii_uppercase)
}

/// The model a `$ref` names (`#/components/schemas/X`, `#/definitions/X`, or an API model URL).
fn ref_name(schema: Option<&Value>) -> Option<String> {
    let r = schema?.get("$ref")?.as_str()?;
    r.strip_prefix("#/components/schemas/")
        .or_else(|| r.strip_prefix("#/definitions/"))
        .or_else(|| r.rsplit_once("/models/").map(|(_, n)| n))
        .map(ToOwned::to_owned)
}

/// Parses the request body into a document: JSON or YAML, an OpenAPI 3.x or Swagger 2.0 object.
pub fn parse_document(body: &[u8]) -> Result<Value> {
    let doc: Value = serde_json::from_slice(body)
        .or_else(|_| serde_norway::from_slice(body))
        .map_err(|_| RestJsonError::bad_request(INVALID_INPUT))?;
    let swagger = doc.get("swagger").and_then(|v| text(Some(v)));
    let openapi = doc.get("openapi").and_then(Value::as_str);
    let known = swagger.as_deref().is_some_and(|v| v.starts_with('2'))
        || openapi.is_some_and(|v| v.starts_with('3'));
    if !doc.is_object() || !known {
        return Err(RestJsonError::bad_request(INVALID_INPUT));
    }
    Ok(doc)
}

/// The document's base path: Swagger's `basePath`, or the path of OpenAPI's first server URL with
/// its variables' defaults substituted. As segments.
fn base_path_segments(doc: &Value) -> Vec<String> {
    let path = if let Some(b) = doc.get("basePath").and_then(Value::as_str) {
        b.to_owned()
    } else if let Some(server) = doc
        .get("servers")
        .and_then(Value::as_array)
        .and_then(|s| s.first())
    {
        let mut url = server
            .get("url")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        for (name, var) in obj(server.get("variables")).into_iter().flatten() {
            let default = var.get("default").and_then(Value::as_str).unwrap_or("");
            url = url.replace(&format!("{{{name}}}"), default);
        }
        match url.split_once("://") {
            Some((_, rest)) => rest
                .find('/')
                .map(|i| rest[i..].to_owned())
                .unwrap_or_default(),
            None => url,
        }
    } else {
        String::new()
    };
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(ToOwned::to_owned)
        .collect()
}

/// How a security scheme authorises.
enum Scheme {
    Sigv4,
    ApiKey,
    Authorizer { cognito: bool },
}

/// Reads a document into a [`Definition`].
pub fn read_definition(doc: &Value, base: BasePath) -> Definition {
    let swagger = doc.get("swagger").is_some();
    let mut def = Definition {
        title: doc
            .pointer("/info/title")
            .and_then(Value::as_str)
            .map(ToOwned::to_owned),
        description: doc
            .pointer("/info/description")
            .and_then(Value::as_str)
            .map(ToOwned::to_owned),
        version: doc.pointer("/info/version").and_then(|v| text(Some(v))),
        ..Definition::default()
    };

    // Security schemes: authorizers, API keys, SigV4.
    let schemes_obj = if swagger {
        obj(doc.get("securityDefinitions"))
    } else {
        obj(doc.pointer("/components/securitySchemes"))
    };
    let mut schemes = BTreeMap::new();
    for (name, s) in schemes_obj.into_iter().flatten() {
        let authtype = s
            .get("x-amazon-apigateway-authtype")
            .and_then(Value::as_str);
        if let Some(a) = obj(s.get("x-amazon-apigateway-authorizer")) {
            let kind = upper(a.get("type")).unwrap_or_else(|| "TOKEN".into());
            let header = s.get("name").and_then(Value::as_str);
            let identity_source = text(a.get("identitySource")).or_else(|| {
                (kind != "REQUEST")
                    .then_some(header)
                    .flatten()
                    .map(|h| format!("method.request.header.{h}"))
            });
            let authorizer = Authorizer {
                id: String::new(),
                name: name.clone(),
                kind: kind.clone(),
                provider_arns: text_list(a.get("providerARNs")),
                auth_type: authtype.map(ToOwned::to_owned),
                authorizer_uri: text(a.get("authorizerUri")),
                authorizer_credentials: text(a.get("authorizerCredentials")),
                identity_source,
                identity_validation_expression: text(a.get("identityValidationExpression")),
                authorizer_result_ttl_in_seconds: int(a.get("authorizerResultTtlInSeconds")),
            };
            if let Err(e) = check_authorizer(&authorizer) {
                def.warnings.push(format!(
                    "Unable to create authorizer '{name}': {}",
                    e.message
                ));
                continue;
            }
            def.authorizers.insert(name.clone(), authorizer);
            schemes.insert(
                name.clone(),
                Scheme::Authorizer {
                    cognito: kind == "COGNITO_USER_POOLS",
                },
            );
        } else if authtype.is_some_and(|t| t.eq_ignore_ascii_case("awsSigv4")) {
            schemes.insert(name.clone(), Scheme::Sigv4);
        } else if s.get("type").and_then(Value::as_str) == Some("apiKey") {
            schemes.insert(name.clone(), Scheme::ApiKey);
        }
    }

    // Models.
    let models_obj = if swagger {
        obj(doc.get("definitions"))
    } else {
        obj(doc.pointer("/components/schemas"))
    };
    for (name, schema) in models_obj.into_iter().flatten() {
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
            def.warnings
                .push(format!("Model name must be alphanumeric: {name}"));
            continue;
        }
        def.models.insert(
            name.clone(),
            Model {
                id: String::new(),
                name: name.clone(),
                description: None,
                schema: Some(schema.to_string()),
                content_type: "application/json".into(),
            },
        );
    }

    // API-level extensions.
    for (name, v) in obj(doc.get("x-amazon-apigateway-request-validators"))
        .into_iter()
        .flatten()
    {
        def.validators.insert(
            name.clone(),
            (
                boolean(v.get("validateRequestBody")).unwrap_or(false),
                boolean(v.get("validateRequestParameters")).unwrap_or(false),
            ),
        );
    }
    if doc.get("x-amazon-apigateway-documentation").is_some() {
        let (parts, warnings) = super::documentation::document_parts(doc);
        def.documentation = Some(parts);
        def.warnings.extend(warnings);
    }
    for (kind, v) in obj(doc.get("x-amazon-apigateway-gateway-responses"))
        .into_iter()
        .flatten()
    {
        if !GATEWAY_RESPONSE_TYPES.iter().any(|(t, _)| t == kind) {
            def.warnings
                .push(format!("Invalid gateway response type specified: {kind}"));
            continue;
        }
        def.gateway_responses.insert(
            kind.clone(),
            GatewayResponse {
                response_type: kind.clone(),
                status_code: text(v.get("statusCode")),
                response_parameters: text_map(v.get("responseParameters")),
                response_templates: text_map(v.get("responseTemplates")),
            },
        );
    }
    def.policy = doc
        .get("x-amazon-apigateway-policy")
        .and_then(|p| match p {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        })
        .filter(|p| !p.trim().is_empty());
    def.binary_media_types = text_list(doc.get("x-amazon-apigateway-binary-media-types"));
    def.minimum_compression_size = int(doc.get("x-amazon-apigateway-minimum-compression-size"));
    def.api_key_source = upper(doc.get("x-amazon-apigateway-api-key-source"));
    def.disable_execute_api_endpoint = boolean(
        doc.pointer("/x-amazon-apigateway-endpoint-configuration/disableExecuteApiEndpoint"),
    );

    // Paths.
    let prefix: Vec<String> = {
        let segments = base_path_segments(doc);
        match base {
            BasePath::Ignore => Vec::new(),
            BasePath::Prepend => segments,
            BasePath::Split => segments.into_iter().skip(1).collect(),
        }
    };
    let root_security = doc.get("security");
    let root_validator = text(doc.get("x-amazon-apigateway-request-validator"));
    for (path, item) in obj(doc.get("paths")).into_iter().flatten() {
        let Some(item) = item.as_object() else {
            continue;
        };
        if !path.starts_with('/') {
            def.warnings
                .push(format!("Invalid resource path specified: {path}"));
            continue;
        }
        let segments: Vec<&str> = prefix
            .iter()
            .map(String::as_str)
            .chain(path.split('/').filter(|s| !s.is_empty()))
            .collect();
        let full = format!("/{}", segments.join("/"));
        for (key, op) in item {
            let verb = if key == "x-amazon-apigateway-any-method" {
                "ANY".to_owned()
            } else if VERBS.contains(&key.as_str()) {
                key.to_ascii_uppercase()
            } else {
                continue;
            };
            let route = read_operation(
                &full,
                &verb,
                op,
                item.get("parameters"),
                OperationContext {
                    swagger,
                    doc,
                    schemes: &schemes,
                    root_security,
                    root_validator: root_validator.as_deref(),
                },
                &mut def,
            );
            def.routes.push(route);
        }
    }
    def
}

#[derive(Clone, Copy)]
struct OperationContext<'a> {
    swagger: bool,
    doc: &'a Value,
    schemes: &'a BTreeMap<String, Scheme>,
    root_security: Option<&'a Value>,
    root_validator: Option<&'a str>,
}

/// The content types a Swagger operation consumes or produces (the document's, else JSON).
fn media_types(op: &Value, doc: &Value, key: &str) -> Vec<String> {
    let own = text_list(op.get(key));
    if !own.is_empty() {
        return own;
    }
    let root = text_list(doc.get(key));
    if root.is_empty() {
        vec!["application/json".into()]
    } else {
        root
    }
}

fn read_operation(
    path: &str,
    verb: &str,
    op: &Value,
    path_params: Option<&Value>,
    cx: OperationContext<'_>,
    def: &mut Definition,
) -> Route {
    let mut m = Method {
        http_method: verb.to_owned(),
        authorization_type: "NONE".into(),
        api_key_required: false,
        authorizer_id: None,
        operation_name: text(op.get("operationId")).filter(|s| !s.is_empty()),
        request_parameters: BTreeMap::new(),
        authorization_scopes: Vec::new(),
        request_models: BTreeMap::new(),
        request_validator_id: None,
        method_responses: BTreeMap::new(),
        integration: None,
    };
    let mut authorizer = None;
    let security = op.get("security").or(cx.root_security);
    for requirement in security.and_then(Value::as_array).into_iter().flatten() {
        for (name, scopes) in requirement.as_object().into_iter().flatten() {
            match cx.schemes.get(name) {
                Some(Scheme::Sigv4) => m.authorization_type = "AWS_IAM".into(),
                Some(Scheme::ApiKey) => m.api_key_required = true,
                Some(Scheme::Authorizer { cognito }) => {
                    m.authorization_type = if *cognito {
                        "COGNITO_USER_POOLS".into()
                    } else {
                        "CUSTOM".into()
                    };
                    authorizer = Some(name.clone());
                    m.authorization_scopes = text_list(Some(scopes));
                }
                None => def.warnings.push(format!(
                    "Unable to put method '{verb}' on resource at path '{path}': security scheme '{name}' is not defined"
                )),
            }
        }
    }
    if let Some(t) = op
        .pointer("/x-amazon-apigateway-auth/type")
        .and_then(Value::as_str)
    {
        if t.eq_ignore_ascii_case("aws_iam") {
            m.authorization_type = "AWS_IAM".into();
        } else if t.eq_ignore_ascii_case("none") {
            m.authorization_type = "NONE".into();
        }
    }
    let params = path_params
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .chain(
            op.get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten(),
        );
    for p in params {
        let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
        let required = boolean(p.get("required")).unwrap_or(false);
        let location = match p.get("in").and_then(Value::as_str) {
            Some("path") => "path",
            Some("query") => "querystring",
            Some("header") => "header",
            Some("body") if cx.swagger => {
                match ref_name(p.get("schema")) {
                    Some(model) => {
                        for ct in media_types(op, cx.doc, "consumes") {
                            m.request_models.insert(ct, model.clone());
                        }
                    }
                    None => def.warnings.push(format!(
                        "Unable to put method '{verb}' on resource at path '{path}': a body parameter needs a $ref to a model (inline schemas are not imported)"
                    )),
                }
                continue;
            }
            _ => continue,
        };
        if name.is_empty() {
            continue;
        }
        m.request_parameters.insert(
            format!("method.request.{location}.{name}"),
            location == "path" || required,
        );
    }
    for (ct, media) in obj(op.pointer("/requestBody/content"))
        .into_iter()
        .flatten()
    {
        if let Some(model) = ref_name(media.get("schema")) {
            m.request_models.insert(ct.clone(), model);
        }
    }
    for (status, r) in obj(op.get("responses")).into_iter().flatten() {
        if status.len() != 3 || !status.bytes().all(|b| b.is_ascii_digit()) {
            def.warnings.push(format!(
                "Unable to put method response '{status}' on '{verb} {path}': not a status code"
            ));
            continue;
        }
        let mut response = MethodResponse {
            status_code: status.clone(),
            response_parameters: obj(r.get("headers"))
                .into_iter()
                .flatten()
                .map(|(h, _)| (format!("method.response.header.{h}"), false))
                .collect(),
            response_models: BTreeMap::new(),
            given: Given::default(),
        };
        if cx.swagger {
            if let Some(model) = ref_name(r.get("schema")) {
                for ct in media_types(op, cx.doc, "produces") {
                    response.response_models.insert(ct, model.clone());
                }
            }
        } else {
            for (ct, media) in obj(r.get("content")).into_iter().flatten() {
                if let Some(model) = ref_name(media.get("schema")) {
                    response.response_models.insert(ct.clone(), model);
                }
            }
        }
        m.method_responses.insert(status.clone(), response);
    }
    if let Some(i) = obj(op.get("x-amazon-apigateway-integration")) {
        match read_integration(i) {
            Ok(integration) => m.integration = Some(integration),
            Err(e) => def.warnings.push(format!(
                "Unable to put integration on '{verb}' for resource at path '{path}': {e}"
            )),
        }
    }
    Route {
        path: path.to_owned(),
        verb: verb.to_owned(),
        method: m,
        authorizer,
        validator: text(op.get("x-amazon-apigateway-request-validator"))
            .or_else(|| cx.root_validator.map(ToOwned::to_owned)),
    }
}

fn read_integration(i: &Map<String, Value>) -> std::result::Result<Integration, String> {
    let kind = upper(i.get("type")).ok_or("Invalid integration type specified: null")?;
    if !["AWS", "AWS_PROXY", "HTTP", "HTTP_PROXY", "MOCK"].contains(&kind.as_str()) {
        return Err(format!(
            "Invalid integration type specified: {kind}. Valid options are HTTP,HTTP_PROXY,AWS,AWS_PROXY,MOCK"
        ));
    }
    let uri = text(i.get("uri")).filter(|u| !u.is_empty());
    if kind != "MOCK" && uri.is_none() {
        return Err("Enumeration value for Integration URI must be non-empty".into());
    }
    let timeout = match int(i.get("timeoutInMillis")) {
        None => 29000,
        Some(t) if t >= 50 => u64::try_from(t).unwrap_or(29000),
        Some(_) => {
            return Err("Timeout should be between 50 ms and 29000 ms".into());
        }
    };
    let integration_responses = obj(i.get("responses"))
        .into_iter()
        .flatten()
        .filter_map(|(pattern, r)| {
            let status = text(r.get("statusCode"))?;
            Some((
                status.clone(),
                IntegrationResponse {
                    status_code: status,
                    selection_pattern: (pattern != "default").then(|| pattern.clone()),
                    response_parameters: text_map(r.get("responseParameters")),
                    response_templates: text_map(r.get("responseTemplates")),
                    content_handling: upper(r.get("contentHandling")),
                    given: Given::default(),
                },
            ))
        })
        .collect();
    Ok(Integration {
        kind,
        http_method: upper(i.get("httpMethod")),
        uri,
        passthrough_behavior: upper(i.get("passthroughBehavior"))
            .unwrap_or_else(|| "WHEN_NO_MATCH".into()),
        timeout_in_millis: timeout,
        cache_namespace: text(i.get("cacheNamespace")).unwrap_or_default(),
        cache_key_parameters: text_list(i.get("cacheKeyParameters")),
        content_handling: upper(i.get("contentHandling")),
        credentials: text(i.get("credentials")).filter(|c| !c.is_empty()),
        connection_type: upper(i.get("connectionType")).filter(|c| c != "INTERNET"),
        connection_id: text(i.get("connectionId")).filter(|c| !c.is_empty()),
        tls_config: i.get("tlsConfig").map(|t| TlsConfig {
            insecure_skip_verification: t
                .get("insecureSkipVerification")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        }),
        request_parameters: text_map(i.get("requestParameters")),
        request_templates: text_map(i.get("requestTemplates")),
        integration_responses,
    })
}

/// A document's model references (`#/components/schemas/X`, `#/definitions/X`) pointed at the
/// API's models, as API Gateway stores them.
fn api_model_refs(v: &mut Value, api_id: &str) {
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                if k == "$ref"
                    && let Value::String(s) = child
                    && let Some(name) = s
                        .strip_prefix("#/components/schemas/")
                        .or_else(|| s.strip_prefix("#/definitions/"))
                {
                    *s =
                        format!("https://apigateway.amazonaws.com/restapis/{api_id}/models/{name}");
                } else {
                    api_model_refs(child, api_id);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| api_model_refs(i, api_id)),
        _ => {}
    }
}

/// Keeps the ids of `old` elements by name, gives fresh ones to new names.
fn by_name_ids<T>(
    new: impl IntoIterator<Item = String>,
    old: &BTreeMap<String, T>,
    old_name: impl Fn(&T) -> &str,
) -> BTreeMap<String, String> {
    let mut taken: BTreeMap<String, ()> = old.keys().map(|k| (k.clone(), ())).collect();
    new.into_iter()
        .map(|name| {
            let id = old
                .iter()
                .find(|(_, v)| old_name(v) == name)
                .map(|(id, _)| id.clone())
                .unwrap_or_else(|| {
                    let id = fresh_id(&taken);
                    taken.insert(id.clone(), ());
                    id
                });
            (name, id)
        })
        .collect()
}

/// Applies a definition to an API's working copy. Returns the warnings of resolving references.
pub fn apply(api: &mut RestApi, mut def: Definition, mode: Mode) -> Vec<String> {
    let overwrite = mode == Mode::Overwrite;
    if let Some(parts) = def.documentation.take() {
        super::documentation::put_parts(api, parts, overwrite);
    }
    if let Some(title) = def.title.take().filter(|t| !t.trim().is_empty()) {
        api.name = title;
    }
    if overwrite || def.description.is_some() {
        api.description = def.description.take();
    }
    if overwrite || def.version.is_some() {
        api.version = def.version.take();
    }
    // Settings.
    if overwrite {
        api.policy = def.policy.take();
        api.binary_media_types = std::mem::take(&mut def.binary_media_types);
        api.minimum_compression_size = def.minimum_compression_size;
        api.api_key_source = def
            .api_key_source
            .clone()
            .unwrap_or_else(|| "HEADER".into());
        api.disable_execute_api_endpoint = def.disable_execute_api_endpoint.unwrap_or(false);
    } else {
        if let Some(p) = def.policy.take() {
            api.policy = Some(p);
        }
        for t in std::mem::take(&mut def.binary_media_types) {
            if !api.binary_media_types.contains(&t) {
                api.binary_media_types.push(t);
            }
        }
        if def.minimum_compression_size.is_some() {
            api.minimum_compression_size = def.minimum_compression_size;
        }
        if let Some(s) = def.api_key_source.clone() {
            api.api_key_source = s;
        }
        if let Some(d) = def.disable_execute_api_endpoint {
            api.disable_execute_api_endpoint = d;
        }
    }
    let mut warnings = Vec::new();

    // Authorizers, keeping the ids of those of the same name.
    let authorizer_ids = by_name_ids(def.authorizers.keys().cloned(), &api.authorizers, |a| {
        a.name.as_str()
    });
    if overwrite {
        api.authorizers.clear();
    }
    for (name, mut a) in std::mem::take(&mut def.authorizers) {
        api.authorizers.retain(|_, old| old.name != name);
        a.id = authorizer_ids[&name].clone();
        api.authorizers.insert(a.id.clone(), a);
    }
    // Request validators.
    let validator_ids = by_name_ids(
        def.validators.keys().cloned(),
        &api.request_validators,
        |v| v.name.as_str(),
    );
    if overwrite {
        api.request_validators.clear();
    }
    for (name, (body, params)) in std::mem::take(&mut def.validators) {
        api.request_validators.retain(|_, old| old.name != name);
        let id = validator_ids[&name].clone();
        api.request_validators.insert(
            id.clone(),
            RequestValidator {
                id,
                name,
                validate_request_body: body,
                validate_request_parameters: params,
            },
        );
    }
    // Models, by name, their references pointed at this API.
    if overwrite {
        let keep: BTreeSet<&String> = def.models.keys().collect();
        api.models.retain(|name, _| keep.contains(name));
    }
    for (name, mut model) in std::mem::take(&mut def.models) {
        model.id = api
            .models
            .get(&name)
            .map(|m| m.id.clone())
            .unwrap_or_else(|| random_id(6));
        if let Some(mut v) = model
            .schema
            .as_deref()
            .and_then(|s| serde_json::from_str::<Value>(s).ok())
        {
            api_model_refs(&mut v, &api.id);
            model.schema = Some(v.to_string());
        }
        api.models.insert(name, model);
    }
    // Gateway responses.
    if overwrite {
        api.gateway_responses.clear();
    }
    api.gateway_responses
        .append(&mut std::mem::take(&mut def.gateway_responses));

    // Resources: ids kept by path; in overwrite mode, the paths the document does not name go.
    let mut wanted: BTreeSet<String> = BTreeSet::from(["/".to_owned()]);
    for r in &def.routes {
        let mut p = String::new();
        for seg in r.path.split('/').filter(|s| !s.is_empty()) {
            p.push('/');
            p.push_str(seg);
            wanted.insert(p.clone());
        }
    }
    if overwrite {
        api.resources
            .retain(|_, r| r.path == "/" || wanted.contains(&r.path));
        for r in api.resources.values_mut() {
            r.methods.clear();
        }
    }
    let mut by_path: BTreeMap<String, String> = api
        .resources
        .values()
        .map(|r| (r.path.clone(), r.id.clone()))
        .collect();
    let mut ordered: Vec<&String> = wanted.iter().collect();
    ordered.sort_by_key(|p| p.matches('/').count());
    for path in ordered {
        if by_path.contains_key(path) {
            continue;
        }
        let (parent_path, part) = match path.rsplit_once('/') {
            Some(("", part)) => ("/", part),
            Some((parent, part)) => (parent, part),
            None => continue,
        };
        let Some(parent_id) = by_path.get(parent_path).cloned() else {
            continue;
        };
        let id = fresh_id(&api.resources);
        api.resources.insert(
            id.clone(),
            Resource {
                id: id.clone(),
                parent_id: Some(parent_id),
                path_part: Some(part.to_owned()),
                path: path.clone(),
                methods: BTreeMap::new(),
            },
        );
        by_path.insert(path.clone(), id);
    }
    // Methods, their references resolved.
    for route in std::mem::take(&mut def.routes) {
        let Some(rid) = by_path.get(&route.path).cloned() else {
            continue;
        };
        let mut m = route.method;
        let at = format!("'{} {}'", route.verb, route.path);
        if let Some(name) = &route.authorizer {
            match api.authorizers.values().find(|a| &a.name == name) {
                Some(a) => m.authorizer_id = Some(a.id.clone()),
                None => {
                    warnings.push(format!(
                        "Authorizer '{name}' of {at} is not defined; the method is not authorized"
                    ));
                    m.authorization_type = "NONE".into();
                }
            }
        }
        if let Some(name) = &route.validator {
            match api.request_validators.values().find(|v| &v.name == name) {
                Some(v) => m.request_validator_id = Some(v.id.clone()),
                None => warnings.push(format!(
                    "Request validator '{name}' of {at} is not defined. Ignoring."
                )),
            }
        }
        let known = |model: &String| api.models.contains_key(model);
        let mut missing = Vec::new();
        m.request_models.retain(|_, model| {
            let ok = known(model);
            if !ok {
                missing.push(model.clone());
            }
            ok
        });
        for r in m.method_responses.values_mut() {
            r.response_models.retain(|_, model| {
                let ok = known(model);
                if !ok {
                    missing.push(model.clone());
                }
                ok
            });
        }
        for model in missing {
            warnings.push(format!("Reference to model '{model}' not found. Ignoring."));
        }
        if let Some(i) = m.integration.as_mut()
            && i.cache_namespace.is_empty()
        {
            i.cache_namespace = rid.clone();
        }
        if let Some(r) = api.resources.get_mut(&rid) {
            r.methods.insert(route.verb, m);
        }
    }
    warnings
}

fn check_warnings(req: &Req, warnings: &[String]) -> Result<()> {
    let fail = req
        .query_one("failonwarnings")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    if fail && !warnings.is_empty() {
        return Err(RestJsonError::bad_request(format!(
            "Warnings found during import:\n\t{}",
            warnings.join("\n\t")
        )));
    }
    Ok(())
}

fn base_path(req: &Req) -> Result<BasePath> {
    match req
        .query_one("basepath")
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("ignore") => Ok(BasePath::Ignore),
        Some("prepend") => Ok(BasePath::Prepend),
        Some("split") => Ok(BasePath::Split),
        Some(other) => Err(RestJsonError::bad_request(format!(
            "Invalid basepath parameter specified: {other}. Valid options are ignore,prepend,split"
        ))),
    }
}

/// The document read and checked: (definition, warnings so far).
fn definition(req: &Req) -> Result<Definition> {
    let doc = parse_document(&req.body)?;
    Ok(read_definition(&doc, base_path(req)?))
}

/// ImportRestApi: `POST /restapis?mode=import`.
pub(super) fn import_rest_api(cx: &Ctx<'_>, req: &Req) -> Result<Response> {
    let def = definition(req)?;
    if def.title.as_deref().is_none_or(|t| t.trim().is_empty()) {
        return Err(RestJsonError::bad_request(
            "Invalid REST API name specified",
        ));
    }
    let endpoint_types: Vec<String> = req
        .query_one("endpointConfigurationTypes")
        .map(|t| {
            t.split(',')
                .map(|s| s.trim().to_ascii_uppercase())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    if let Some(bad) = endpoint_types
        .iter()
        .find(|t| !["EDGE", "REGIONAL", "PRIVATE"].contains(&t.as_str()))
    {
        return Err(RestJsonError::bad_request(format!(
            "Invalid endpoint configuration type specified: {bad}. Valid options are EDGE,REGIONAL,PRIVATE"
        )));
    }
    let out = write(cx, "", |state| {
        let id = fresh_id(&state.apis);
        let root_id = random_id(10);
        let mut api = RestApi {
            id: id.clone(),
            name: String::new(),
            description: None,
            version: None,
            created_date: now_s(),
            created_seq: next_api_seq(state),
            root_resource_id: root_id.clone(),
            api_key_source: "HEADER".into(),
            endpoint_types: if endpoint_types.is_empty() {
                vec!["EDGE".into()]
            } else {
                endpoint_types
            },
            ip_address_type: None,
            binary_media_types: Vec::new(),
            disable_execute_api_endpoint: false,
            policy: None,
            minimum_compression_size: None,
            tags: BTreeMap::new(),
            resources: BTreeMap::from([(
                root_id.clone(),
                Resource {
                    id: root_id,
                    parent_id: None,
                    path_part: None,
                    path: "/".into(),
                    methods: BTreeMap::new(),
                },
            )]),
            authorizers: BTreeMap::new(),
            models: BTreeMap::new(),
            request_validators: BTreeMap::new(),
            gateway_responses: BTreeMap::new(),
            documentation_parts: Vec::new(),
            documentation_versions: BTreeMap::new(),
            deployments: BTreeMap::new(),
            stages: BTreeMap::new(),
        };
        let mut warnings = def.warnings.clone();
        warnings.extend(apply(&mut api, def, Mode::Overwrite));
        check_warnings(req, &warnings)?;
        let mut out = render_api(&api);
        out.warnings = warnings;
        state.apis.insert(id, api);
        Ok(out)
    })?;
    Ok(ok(StatusCode::CREATED, out))
}

/// PutRestApi: `PUT /restapis/{id}?mode=overwrite|merge` (merge by default).
pub(super) fn put_rest_api(cx: &Ctx<'_>, req: &Req, id: &str) -> Result<Response> {
    // The document is checked before the API is looked up, as AWS does.
    let def = definition(req)?;
    let mode = match req
        .query_one("mode")
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("merge") => Mode::Merge,
        Some("overwrite") => Mode::Overwrite,
        Some(other) => {
            return Err(RestJsonError::bad_request(format!(
                "Invalid mode specified: {other}. Valid options are merge,overwrite"
            )));
        }
    };
    let out = write(cx, id, |state| {
        let mut api = api_mut(state, id)?.clone();
        let mut warnings = def.warnings.clone();
        warnings.extend(apply(&mut api, def, mode));
        check_warnings(req, &warnings)?;
        let mut out = render_api_single(&api);
        out.warnings = warnings;
        state.apis.insert(id.to_owned(), api);
        Ok(out)
    })?;
    Ok(ok(StatusCode::OK, out))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;

    use super::super::export::tests::full_api;
    use super::super::export::{ExportKind, export};
    use super::super::model::Snapshot;
    use super::super::model::fixtures::api_with;
    use super::*;

    /// An empty API (its root only) to import into.
    fn empty() -> RestApi {
        let root = Resource {
            id: "root".into(),
            parent_id: None,
            path_part: None,
            path: "/".into(),
            methods: BTreeMap::new(),
        };
        let (api, _, _) = api_with(
            BTreeMap::from([("root".to_owned(), root)]),
            Snapshot::default(),
        );
        api
    }

    #[test]
    fn an_export_imported_again_exports_the_same_document() {
        for kind in [ExportKind::Oas30, ExportKind::Swagger] {
            let (api, stage, d) = full_api();
            let first =
                serde_json::to_value(export(&api, &stage, &d, kind, true, "us-east-1")).unwrap();
            let def = read_definition(&first, BasePath::Ignore);
            assert!(def.warnings.is_empty(), "{:?}", def.warnings);
            let mut imported = empty();
            let warnings = apply(&mut imported, def, Mode::Overwrite);
            assert!(warnings.is_empty(), "{warnings:?}");
            let mut d2 = d.clone();
            d2.snapshot = Arc::new(Snapshot::freeze(&imported));
            let again =
                serde_json::to_value(export(&imported, &stage, &d2, kind, true, "us-east-1"))
                    .unwrap();
            assert_eq!(first, again, "{kind:?}");
        }
    }

    #[test]
    fn yaml_documents_read_as_their_json_twins() {
        let yaml = b"openapi: 3.0.1\ninfo:\n  title: pets\n  version: '1.0'\npaths:\n  /pets:\n    get:\n      responses:\n        200:\n          description: ok\n      x-amazon-apigateway-integration:\n        type: mock\n        timeoutInMillis: 5000\n        responses:\n          default:\n            statusCode: 200\n";
        let doc = parse_document(yaml).unwrap();
        let def = read_definition(&doc, BasePath::Ignore);
        assert!(def.warnings.is_empty(), "{:?}", def.warnings);
        assert_eq!(def.title.as_deref(), Some("pets"));
        assert_eq!(def.version.as_deref(), Some("1.0"));
        let m = &def.routes[0].method;
        // An integer status code (a YAML mapping key) is a status code.
        assert!(m.method_responses.contains_key("200"));
        let i = m.integration.as_ref().unwrap();
        assert_eq!(i.timeout_in_millis, 5000);
        assert_eq!(i.integration_responses["200"].status_code, "200");
    }

    #[test]
    fn bad_documents_are_refused_with_aws_message() {
        for body in [
            &b"{'key:value}"[..],
            b"test:\n  value: 1\n",
            b"test:\n    value:\n        - \"value ... \"escaped\": $var, \"dt\": $(var +\"%a\")}\"\n        ",
            b"{\"info\": {\"title\": \"x\"}}",
            b"[1, 2]",
        ] {
            let e = parse_document(body).unwrap_err();
            assert_eq!(e.message, "Invalid OpenAPI input.");
            assert_eq!(e.status, StatusCode::BAD_REQUEST);
        }
    }

    fn swagger_with_base_path() -> Value {
        json!({
            "swagger": "2.0",
            "info": {"title": "pets", "version": "1"},
            "basePath": "/base/v1",
            "paths": {"/pets/{petId}": {"get": {
                "parameters": [{"name": "petId", "in": "path", "required": true, "type": "string"}],
                "x-amazon-apigateway-integration": {"type": "mock", "requestTemplates": {"application/json": {"statusCode": 200}}}
            }}}
        })
    }

    #[test]
    fn the_base_path_is_ignored_prepended_or_split() {
        let doc = swagger_with_base_path();
        for (base, path) in [
            (BasePath::Ignore, "/pets/{petId}"),
            (BasePath::Prepend, "/base/v1/pets/{petId}"),
            (BasePath::Split, "/v1/pets/{petId}"),
        ] {
            let def = read_definition(&doc, base);
            assert_eq!(def.routes[0].path, path);
        }
        let oas = json!({
            "openapi": "3.0.1", "info": {"title": "t", "version": "1"},
            "servers": [{"url": "https://example.com/{basePath}", "variables": {"basePath": {"default": "/base-var"}}}],
            "paths": {"/test": {"get": {}}}
        });
        assert_eq!(
            read_definition(&oas, BasePath::Prepend).routes[0].path,
            "/base-var/test"
        );
        assert_eq!(
            read_definition(&oas, BasePath::Split).routes[0].path,
            "/test"
        );
    }

    #[test]
    fn an_import_builds_resources_parameters_and_templates() {
        let mut api = empty();
        let def = read_definition(&swagger_with_base_path(), BasePath::Ignore);
        assert!(apply(&mut api, def, Mode::Overwrite).is_empty());
        assert_eq!(api.name, "pets");
        let paths: BTreeSet<&str> = api.resources.values().map(|r| r.path.as_str()).collect();
        assert_eq!(paths, BTreeSet::from(["/", "/pets", "/pets/{petId}"]));
        let r = api
            .resources
            .values()
            .find(|r| r.path == "/pets/{petId}")
            .unwrap();
        let m = &r.methods["GET"];
        assert_eq!(
            m.request_parameters,
            BTreeMap::from([("method.request.path.petId".to_owned(), true)])
        );
        let i = m.integration.as_ref().unwrap();
        assert_eq!(i.kind, "MOCK");
        assert_eq!(i.cache_namespace, r.id);
        assert_eq!(
            i.request_templates["application/json"],
            "{\"statusCode\":200}"
        );
    }

    #[test]
    fn merge_keeps_what_the_document_does_not_name_and_overwrite_does_not() {
        let (mut api, _, _) = full_api();
        api.binary_media_types = vec!["image/heif".into()];
        let doc = json!({
            "openapi": "3.0.1", "info": {"title": "renamed", "version": "1.0.0"},
            "paths": {"/other": {"post": {}}},
            "x-amazon-apigateway-binary-media-types": ["image/png"]
        });
        let mut merged = api.clone();
        apply(
            &mut merged,
            read_definition(&doc, BasePath::Ignore),
            Mode::Merge,
        );
        assert_eq!(merged.name, "renamed");
        assert_eq!(merged.binary_media_types, vec!["image/heif", "image/png"]);
        let hw = merged
            .resources
            .values()
            .find(|r| r.path == "/hello_world")
            .unwrap();
        assert!(hw.methods.contains_key("GET"));
        assert_eq!(merged.authorizers.len(), 1);

        let mut overwritten = api.clone();
        apply(
            &mut overwritten,
            read_definition(&doc, BasePath::Ignore),
            Mode::Overwrite,
        );
        assert_eq!(overwritten.binary_media_types, vec!["image/png"]);
        let paths: BTreeSet<&str> = overwritten
            .resources
            .values()
            .map(|r| r.path.as_str())
            .collect();
        assert_eq!(paths, BTreeSet::from(["/", "/other"]));
        assert!(overwritten.authorizers.is_empty());
        assert!(overwritten.policy.is_none());
        // The root keeps its id.
        assert!(overwritten.resources.contains_key("root"));
    }

    #[test]
    fn unresolved_references_are_warnings() {
        let doc = json!({
            "openapi": "3.0.1", "info": {"title": "t", "version": "1"},
            "paths": {"/a": {"get": {
                "security": [{"nope": []}],
                "x-amazon-apigateway-request-validator": "missing",
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Gone"}}}}
            }}}
        });
        let mut def = read_definition(&doc, BasePath::Ignore);
        let mut warnings = std::mem::take(&mut def.warnings);
        let mut api = empty();
        warnings.extend(apply(&mut api, def, Mode::Overwrite));
        assert_eq!(warnings.len(), 3, "{warnings:?}");
        assert!(warnings.contains(&"Reference to model 'Gone' not found. Ignoring.".to_owned()));
    }
}
