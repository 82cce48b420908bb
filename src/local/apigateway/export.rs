//! API Gateway's export (GetExport): a stage's deployed snapshot as OpenAPI 3.0.1 or Swagger 2.0, with
//! the `x-amazon-apigateway-*` extensions for integrations (and their responses, parameters and
//! templates), authorizers and API keys (security schemes), request validators, gateway responses, the
//! resource policy, binary media types, compression and the API key source.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::Value;

use super::Ctx;
use super::model::{Deployment, Integration, Method, RestApi, Snapshot, Stage, TlsConfig};
use super::ops::{Result, api, deployment, stage};
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
    let documentation = req
        .query_all("extensions")
        .iter()
        .flat_map(|v| v.split(','))
        .any(|e| e.trim() == "documentation");
    let (document, version) = {
        let state = lock(cx.state);
        let api = api(&state, id)?;
        let s = stage(api, name)?;
        let d = deployment(api, &s.deployment_id)?;
        let mut doc = export(api, s, d, kind, extensions, cx.region);
        if documentation {
            doc.root_mut().documentation = super::documentation::export_extension(api, s);
        }
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

impl Document {
    /// The extensions at the document's root.
    pub fn root_mut(&mut self) -> &mut RootExtensions {
        match self {
            Self::Oas30(d) => &mut d.extensions,
            Self::Swagger(d) => &mut d.extensions,
        }
    }
}

/// The API-level extensions both formats carry at their root.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RootExtensions {
    #[serde(
        rename = "x-amazon-apigateway-gateway-responses",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub gateway_responses: BTreeMap<String, GatewayResponseExtension>,
    #[serde(
        rename = "x-amazon-apigateway-request-validators",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub request_validators: BTreeMap<String, ValidatorExtension>,
    #[serde(
        rename = "x-amazon-apigateway-policy",
        skip_serializing_if = "Option::is_none"
    )]
    pub policy: Option<Value>,
    #[serde(
        rename = "x-amazon-apigateway-binary-media-types",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub binary_media_types: Vec<String>,
    #[serde(
        rename = "x-amazon-apigateway-minimum-compression-size",
        skip_serializing_if = "Option::is_none"
    )]
    pub minimum_compression_size: Option<i64>,
    #[serde(
        rename = "x-amazon-apigateway-api-key-source",
        skip_serializing_if = "Option::is_none"
    )]
    pub api_key_source: Option<String>,
    #[serde(
        rename = "x-amazon-apigateway-endpoint-configuration",
        skip_serializing_if = "Option::is_none"
    )]
    pub endpoint_configuration: Option<EndpointExtension>,
    /// The documentation version published to the stage (`extensions=documentation`).
    #[serde(
        rename = "x-amazon-apigateway-documentation",
        skip_serializing_if = "Option::is_none"
    )]
    pub documentation: Option<Value>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointExtension {
    pub disable_execute_api_endpoint: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GatewayResponseExtension {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub response_parameters: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub response_templates: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidatorExtension {
    pub validate_request_body: bool,
    pub validate_request_parameters: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Oas30 {
    pub openapi: &'static str,
    pub info: Info,
    pub servers: Vec<Server>,
    pub paths: Paths,
    pub components: Components,
    #[serde(flatten)]
    pub extensions: RootExtensions,
}

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Components {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub schemas: BTreeMap<String, Value>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub security_schemes: BTreeMap<String, SecurityScheme>,
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
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub security_definitions: BTreeMap<String, SecurityScheme>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub definitions: BTreeMap<String, Value>,
    #[serde(flatten)]
    pub extensions: RootExtensions,
}

#[derive(Debug, Clone, Serialize)]
pub struct Info {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub title: String,
    pub version: String,
}

/// A security scheme: API keys, SigV4, or an authorizer (all `apiKey` schemes in a header).
#[derive(Debug, Clone, Serialize)]
pub struct SecurityScheme {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub name: String,
    #[serde(rename = "in")]
    pub location: &'static str,
    #[serde(
        rename = "x-amazon-apigateway-authtype",
        skip_serializing_if = "Option::is_none"
    )]
    pub auth_type: Option<String>,
    #[serde(
        rename = "x-amazon-apigateway-authorizer",
        skip_serializing_if = "Option::is_none"
    )]
    pub authorizer: Option<AuthorizerExtension>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizerExtension {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorizer_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorizer_credentials: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_validation_expression: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorizer_result_ttl_in_seconds: Option<i64>,
    #[serde(rename = "providerARNs", skip_serializing_if = "Vec::is_empty")]
    pub provider_arns: Vec<String>,
}

/// Path, then the lower-case verb (or `x-amazon-apigateway-any-method`), then the operation.
pub type Paths = BTreeMap<String, BTreeMap<String, Operation>>;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_id: Option<String>,
    /// Swagger 2.0 only: the request models' content types.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub consumes: Vec<String>,
    /// Swagger 2.0 only: the response models' content types.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub produces: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<Parameter>,
    /// OpenAPI 3 only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_body: Option<RequestBody>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub responses: BTreeMap<String, ResponseObject>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub security: Vec<BTreeMap<String, Vec<String>>>,
    #[serde(
        rename = "x-amazon-apigateway-request-validator",
        skip_serializing_if = "Option::is_none"
    )]
    pub request_validator: Option<String>,
    #[serde(
        rename = "x-amazon-apigateway-integration",
        skip_serializing_if = "Option::is_none"
    )]
    pub integration: Option<IntegrationExtension>,
}

/// A parameter: typed by a schema in OpenAPI 3, by `type` in Swagger 2 (a Swagger body parameter
/// carries the model's schema).
#[derive(Debug, Clone, Serialize)]
pub struct Parameter {
    pub name: String,
    #[serde(rename = "in")]
    pub location: &'static str,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<Schema>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static str>,
}

/// `{"type": "string"}` or `{"$ref": "#/components/schemas/X"}`.
#[derive(Debug, Clone, Serialize)]
pub struct Schema {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static str>,
    #[serde(rename = "$ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RequestBody {
    pub content: BTreeMap<String, MediaType>,
    pub required: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct MediaType {
    pub schema: Schema,
}

/// A method response: OpenAPI 3 puts models under `content`, Swagger 2 one `schema`.
#[derive(Debug, Clone, Serialize)]
pub struct ResponseObject {
    pub description: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, Header>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<BTreeMap<String, MediaType>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<Schema>,
}

/// A response header: typed by a schema in OpenAPI 3, by `type` in Swagger 2.
#[derive(Debug, Clone, Serialize)]
pub struct Header {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<Schema>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static str>,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credentials: Option<String>,
    /// Only for a VPC link (`VPC_LINK`, with the link's id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_config: Option<TlsConfig>,
    /// By selection pattern (`default` for the response without one).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub responses: BTreeMap<String, IntegrationResponseExtension>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub request_parameters: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub request_templates: BTreeMap<String, String>,
    pub passthrough_behavior: String,
    /// Only when it is not the default 29000.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_in_millis: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_handling: Option<String>,
    /// Only with cache key parameters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_namespace: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cache_key_parameters: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationResponseExtension {
    pub status_code: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub response_parameters: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub response_templates: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_handling: Option<String>,
}

/// Everything the document's methods refer to, collected while the paths are rendered.
#[derive(Default)]
struct Referenced {
    models: BTreeSet<String>,
    authorizers: BTreeSet<String>,
    validators: BTreeSet<String>,
    api_key: bool,
    sigv4: bool,
}

fn string_schema(oas30: bool) -> (Option<Schema>, Option<&'static str>) {
    if oas30 {
        (
            Some(Schema {
                kind: Some("string"),
                reference: None,
            }),
            None,
        )
    } else {
        (None, Some("string"))
    }
}

fn model_ref(name: &str, oas30: bool) -> Schema {
    Schema {
        kind: None,
        reference: Some(if oas30 {
            format!("#/components/schemas/{name}")
        } else {
            format!("#/definitions/{name}")
        }),
    }
}

/// A query string or header parameter of a method (`method.request.querystring.q`).
fn request_parameter(name: &str, required: bool, oas30: bool) -> Option<Parameter> {
    let rest = name.strip_prefix("method.request.")?;
    let (location, name) = match rest.split_once('.')? {
        ("querystring" | "multivaluequerystring", n) => ("query", n),
        ("header" | "multivalueheader", n) => ("header", n),
        _ => return None,
    };
    let (schema, kind) = string_schema(oas30);
    Some(Parameter {
        name: name.to_owned(),
        location,
        required,
        schema,
        kind,
    })
}

fn operation(
    snapshot: &Snapshot,
    path_params: &[String],
    m: &Method,
    oas30: bool,
    integrations: bool,
    refs: &mut Referenced,
) -> Operation {
    let mut parameters: Vec<Parameter> = path_params
        .iter()
        .map(|name| {
            let (schema, kind) = string_schema(oas30);
            Parameter {
                name: name.clone(),
                location: "path",
                required: true,
                schema,
                kind,
            }
        })
        .collect();
    parameters.extend(
        m.request_parameters
            .iter()
            .filter_map(|(name, required)| request_parameter(name, *required, oas30)),
    );
    let mut consumes = Vec::new();
    let mut request_body = None;
    if !m.request_models.is_empty() {
        refs.models.extend(m.request_models.values().cloned());
        if oas30 {
            request_body = Some(RequestBody {
                content: m
                    .request_models
                    .iter()
                    .map(|(ct, model)| {
                        (
                            ct.clone(),
                            MediaType {
                                schema: model_ref(model, true),
                            },
                        )
                    })
                    .collect(),
                required: true,
            });
        } else if let Some(model) = m.request_models.values().next() {
            consumes = m.request_models.keys().cloned().collect();
            parameters.push(Parameter {
                name: model.clone(),
                location: "body",
                required: true,
                schema: Some(model_ref(model, false)),
                kind: None,
            });
        }
    }
    let mut produces = Vec::new();
    let responses = m
        .method_responses
        .iter()
        .map(|(status, r)| {
            refs.models.extend(r.response_models.values().cloned());
            let headers = r
                .response_parameters
                .keys()
                .filter_map(|k| k.strip_prefix("method.response.header."))
                .map(|h| {
                    let (schema, kind) = string_schema(oas30);
                    (h.to_owned(), Header { schema, kind })
                })
                .collect();
            let (content, schema) = if oas30 {
                let content = r
                    .response_models
                    .iter()
                    .map(|(ct, model)| {
                        (
                            ct.clone(),
                            MediaType {
                                schema: model_ref(model, true),
                            },
                        )
                    })
                    .collect();
                (Some(content), None)
            } else {
                for ct in r.response_models.keys() {
                    if !produces.contains(ct) {
                        produces.push(ct.clone());
                    }
                }
                (
                    None,
                    r.response_models
                        .values()
                        .next()
                        .map(|model| model_ref(model, false)),
                )
            };
            (
                status.clone(),
                ResponseObject {
                    description: format!("{status} response"),
                    headers,
                    content,
                    schema,
                },
            )
        })
        .collect();
    let mut security = Vec::new();
    if let Some(a) = m
        .authorizer_id
        .as_deref()
        .and_then(|id| snapshot.authorizers.get(id))
        .filter(|_| ["CUSTOM", "COGNITO_USER_POOLS"].contains(&m.authorization_type.as_str()))
    {
        refs.authorizers.insert(a.id.clone());
        security.push(BTreeMap::from([(
            a.name.clone(),
            m.authorization_scopes.clone(),
        )]));
    }
    if m.authorization_type == "AWS_IAM" {
        refs.sigv4 = true;
        security.push(BTreeMap::from([("sigv4".to_owned(), Vec::new())]));
    }
    if m.api_key_required {
        refs.api_key = true;
        security.push(BTreeMap::from([("api_key".to_owned(), Vec::new())]));
    }
    let request_validator = m
        .request_validator_id
        .as_deref()
        .and_then(|id| snapshot.request_validators.get(id))
        .map(|v| {
            refs.validators.insert(v.id.clone());
            v.name.clone()
        });
    Operation {
        operation_id: m.operation_name.clone(),
        consumes,
        produces,
        parameters,
        request_body,
        responses,
        security,
        request_validator,
        integration: m
            .integration
            .as_ref()
            .filter(|_| integrations)
            .map(integration_extension),
    }
}

fn integration_extension(i: &Integration) -> IntegrationExtension {
    IntegrationExtension {
        kind: i.kind.to_lowercase(),
        http_method: i.http_method.clone(),
        uri: i.uri.clone(),
        credentials: i.credentials.clone(),
        connection_type: i.connection_type.clone(),
        connection_id: i.connection_id.clone(),
        tls_config: i.tls_config,
        responses: i
            .integration_responses
            .values()
            .map(|r| {
                (
                    r.selection_pattern
                        .clone()
                        .filter(|p| !p.is_empty())
                        .unwrap_or_else(|| "default".into()),
                    IntegrationResponseExtension {
                        status_code: r.status_code.clone(),
                        response_parameters: r.response_parameters.clone(),
                        response_templates: r.response_templates.clone(),
                        content_handling: r.content_handling.clone(),
                    },
                )
            })
            .collect(),
        request_parameters: i.request_parameters.clone(),
        request_templates: i.request_templates.clone(),
        passthrough_behavior: i.passthrough_behavior.to_lowercase(),
        timeout_in_millis: Some(i.timeout_in_millis).filter(|t| *t != 29000),
        content_handling: i.content_handling.clone(),
        cache_namespace: (!i.cache_key_parameters.is_empty()).then(|| i.cache_namespace.clone()),
        cache_key_parameters: i.cache_key_parameters.clone(),
    }
}

/// A model's schema as the export shows it: parsed, `$schema` left out, references to the API's
/// models pointed at the document's own schemas.
fn export_schema(schema: Option<&str>, oas30: bool) -> Value {
    let mut v = schema
        .and_then(|s| serde_json::from_str::<Value>(s).ok())
        .unwrap_or_else(|| Value::Object(serde_json::Map::new()));
    if let Value::Object(map) = &mut v {
        map.remove("$schema");
    }
    point_refs(&mut v, oas30);
    v
}

fn point_refs(v: &mut Value, oas30: bool) {
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                if k == "$ref"
                    && let Value::String(s) = child
                    && let Some((head, name)) = s.split_once("/models/")
                    && head.contains("/restapis/")
                {
                    *s = model_ref(name, oas30).reference.unwrap_or_default();
                } else {
                    point_refs(child, oas30);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| point_refs(i, oas30)),
        _ => {}
    }
}

/// The models the methods name, with every model those refer to.
fn referenced_models(snapshot: &Snapshot, direct: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = direct.clone();
    let mut frontier: Vec<String> = direct.iter().cloned().collect();
    while let Some(name) = frontier.pop() {
        let Some(schema) = snapshot.models.get(&name).and_then(|m| m.schema.as_deref()) else {
            continue;
        };
        for other in snapshot.models.keys() {
            if !out.contains(other) && schema.contains(&format!("/models/{other}\"")) {
                out.insert(other.clone());
                frontier.push(other.clone());
            }
        }
    }
    out
}

fn security_schemes(snapshot: &Snapshot, refs: &Referenced) -> BTreeMap<String, SecurityScheme> {
    let mut out = BTreeMap::new();
    if refs.api_key {
        out.insert(
            "api_key".to_owned(),
            SecurityScheme {
                kind: "apiKey",
                name: "x-api-key".into(),
                location: "header",
                auth_type: None,
                authorizer: None,
            },
        );
    }
    if refs.sigv4 {
        out.insert(
            "sigv4".to_owned(),
            SecurityScheme {
                kind: "apiKey",
                name: "Authorization".into(),
                location: "header",
                auth_type: Some("awsSigv4".into()),
                authorizer: None,
            },
        );
    }
    for a in refs
        .authorizers
        .iter()
        .filter_map(|id| snapshot.authorizers.get(id))
    {
        // A TOKEN authorizer's one header is the scheme's name; REQUEST ones list their sources.
        let header = a
            .identity_source
            .as_deref()
            .and_then(|s| s.strip_prefix("method.request.header."))
            .filter(|h| !h.contains(','));
        let token = a.kind == "TOKEN";
        out.insert(
            a.name.clone(),
            SecurityScheme {
                kind: "apiKey",
                name: header
                    .filter(|_| a.kind != "REQUEST")
                    .unwrap_or("Unused")
                    .to_owned(),
                location: "header",
                auth_type: Some(if a.kind == "COGNITO_USER_POOLS" {
                    "cognito_user_pools".into()
                } else {
                    a.auth_type.clone().unwrap_or_else(|| "custom".into())
                }),
                authorizer: Some(AuthorizerExtension {
                    kind: a.kind.to_lowercase(),
                    authorizer_uri: a.authorizer_uri.clone(),
                    authorizer_credentials: a.authorizer_credentials.clone(),
                    identity_source: a
                        .identity_source
                        .clone()
                        .filter(|_| !(token && header.is_some())),
                    identity_validation_expression: a.identity_validation_expression.clone(),
                    authorizer_result_ttl_in_seconds: a.authorizer_result_ttl_in_seconds,
                    provider_arns: a.provider_arns.clone(),
                }),
            },
        );
    }
    out
}

/// Renders the stage's deployed snapshot as OpenAPI 3.0.1 or Swagger 2.0: never the working copy.
/// With `extensions`, every `x-amazon-apigateway-*` extension that carries something the deployment
/// froze.
pub fn export(
    api: &RestApi,
    stage: &Stage,
    deployment: &Deployment,
    kind: ExportKind,
    extensions: bool,
    region: &str,
) -> Document {
    let snapshot = &deployment.snapshot;
    let oas30 = kind == ExportKind::Oas30;
    let info = Info {
        description: api.description.clone(),
        title: api.name.clone(),
        version: export_version(deployment),
    };
    let mut refs = Referenced::default();
    let mut paths = Paths::new();
    for r in &snapshot.resources {
        if r.methods.is_empty() {
            continue;
        }
        let path_params: Vec<String> = r
            .path
            .split('/')
            .filter_map(|p| p.strip_prefix('{').and_then(|p| p.strip_suffix('}')))
            .map(|name| name.trim_end_matches('+').to_owned())
            .collect();
        let item = r
            .methods
            .iter()
            .map(|(verb, m)| {
                let op = operation(snapshot, &path_params, m, oas30, extensions, &mut refs);
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
    let schemas: BTreeMap<String, Value> = referenced_models(snapshot, &refs.models)
        .into_iter()
        .filter_map(|name| {
            let m = snapshot.models.get(&name)?;
            Some((name, export_schema(m.schema.as_deref(), oas30)))
        })
        .collect();
    let schemes = security_schemes(snapshot, &refs);
    let root = if extensions {
        root_extensions(snapshot, &refs)
    } else {
        RootExtensions::default()
    };
    let host = format!(
        "{}{EXECUTE_API_HOST_INFIX}{region}.{}",
        api.id,
        crate::partition::of_region(region).dns_suffix
    );
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
            components: Components {
                schemas,
                security_schemes: schemes,
            },
            extensions: root,
        }),
        ExportKind::Swagger => Document::Swagger(Swagger {
            swagger: "2.0",
            info,
            host,
            base_path: format!("/{}", stage.stage_name),
            schemes: vec!["https"],
            paths,
            security_definitions: schemes,
            definitions: schemas,
            extensions: root,
        }),
    }
}

fn root_extensions(snapshot: &Snapshot, refs: &Referenced) -> RootExtensions {
    let settings = &snapshot.settings;
    RootExtensions {
        gateway_responses: snapshot
            .gateway_responses
            .iter()
            .map(|(kind, g)| {
                (
                    kind.clone(),
                    GatewayResponseExtension {
                        status_code: g.status_code.clone(),
                        response_parameters: g.response_parameters.clone(),
                        response_templates: g.response_templates.clone(),
                    },
                )
            })
            .collect(),
        request_validators: refs
            .validators
            .iter()
            .filter_map(|id| snapshot.request_validators.get(id))
            .map(|v| {
                (
                    v.name.clone(),
                    ValidatorExtension {
                        validate_request_body: v.validate_request_body,
                        validate_request_parameters: v.validate_request_parameters,
                    },
                )
            })
            .collect(),
        // The policy is exported as the document it is; one that is not JSON as its text.
        policy: settings.policy.as_deref().map(|p| {
            serde_json::from_str::<Value>(p)
                .or_else(|_| serde_json::from_str::<Value>(&p.replace("\\\"", "\"")))
                .unwrap_or_else(|_| Value::String(p.to_owned()))
        }),
        binary_media_types: settings.binary_media_types.clone(),
        minimum_compression_size: settings.minimum_compression_size,
        api_key_source: Some(settings.api_key_source.clone())
            .filter(|s| !s.is_empty() && s != "HEADER"),
        endpoint_configuration: settings.disable_execute_api_endpoint.then_some(
            EndpointExtension {
                disable_execute_api_endpoint: true,
            },
        ),
        documentation: None,
    }
}

#[cfg(test)]
pub(super) mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

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

    /// An API using every element: the extensions and shapes AWS's exports use.
    pub(in crate::local::apigateway) fn full_api() -> (RestApi, Stage, Deployment) {
        use super::super::model::{
            Authorizer, GatewayResponse, IntegrationResponse, MethodResponse, Model,
            RequestValidator,
        };
        let mut working = working();
        let hw = working.get_mut("hw").unwrap();
        let get = hw.methods.get_mut("GET").unwrap();
        get.authorization_type = "CUSTOM".into();
        get.authorizer_id = Some("auth1".into());
        get.api_key_required = true;
        get.request_validator_id = Some("val1".into());
        get.request_models = BTreeMap::from([("application/json".into(), "Pet".into())]);
        get.request_parameters =
            BTreeMap::from([("method.request.querystring.page".into(), false)]);
        get.method_responses = BTreeMap::from([(
            "200".into(),
            MethodResponse {
                status_code: "200".into(),
                response_parameters: BTreeMap::from([(
                    "method.response.header.Access-Control-Allow-Origin".into(),
                    false,
                )]),
                response_models: BTreeMap::new(),
                ..MethodResponse::default()
            },
        )]);
        let i = get.integration.as_mut().unwrap();
        i.timeout_in_millis = 5000;
        i.integration_responses = BTreeMap::from([(
            "200".into(),
            IntegrationResponse {
                status_code: "200".into(),
                selection_pattern: None,
                response_parameters: BTreeMap::from([(
                    "method.response.header.Access-Control-Allow-Origin".into(),
                    "'*'".into(),
                )]),
                response_templates: BTreeMap::new(),
                content_handling: None,
                ..IntegrationResponse::default()
            },
        )]);
        let (mut api, stage, mut d) = api_with(working, Snapshot::default());
        api.policy = Some(r#"{"Version":"2012-10-17","Statement":[]}"#.into());
        api.binary_media_types = vec!["image/png".into()];
        api.minimum_compression_size = Some(0);
        api.authorizers = BTreeMap::from([(
            "auth1".into(),
            Authorizer {
                id: "auth1".into(),
                name: "tokenAuth".into(),
                kind: "TOKEN".into(),
                provider_arns: vec![],
                auth_type: None,
                authorizer_uri: Some("arn:aws:apigateway:us-east-1:lambda:path/x".into()),
                authorizer_credentials: None,
                identity_source: Some("method.request.header.Authorization".into()),
                identity_validation_expression: None,
                authorizer_result_ttl_in_seconds: Some(300),
            },
        )]);
        api.models = BTreeMap::from([
            (
                "Pet".into(),
                Model {
                    id: "m1".into(),
                    name: "Pet".into(),
                    description: None,
                    schema: Some(r#"{"$schema":"http://json-schema.org/draft-04/schema#","type":"object","properties":{"tag":{"$ref":"https://apigateway.amazonaws.com/restapis/abc123defg/models/Tag"}}}"#.into()),
                    content_type: "application/json".into(),
                },
            ),
            (
                "Tag".into(),
                Model {
                    id: "m2".into(),
                    name: "Tag".into(),
                    description: None,
                    schema: Some(r#"{"type":"string"}"#.into()),
                    content_type: "application/json".into(),
                },
            ),
            (
                "Unused".into(),
                Model {
                    id: "m3".into(),
                    name: "Unused".into(),
                    description: None,
                    schema: Some(r#"{"type":"string"}"#.into()),
                    content_type: "application/json".into(),
                },
            ),
        ]);
        api.request_validators = BTreeMap::from([(
            "val1".into(),
            RequestValidator {
                id: "val1".into(),
                name: "params".into(),
                validate_request_body: false,
                validate_request_parameters: true,
            },
        )]);
        api.gateway_responses = BTreeMap::from([(
            "DEFAULT_4XX".into(),
            GatewayResponse {
                response_type: "DEFAULT_4XX".into(),
                status_code: None,
                response_parameters: BTreeMap::from([(
                    "gatewayresponse.header.Access-Control-Allow-Origin".into(),
                    "'*'".into(),
                )]),
                response_templates: BTreeMap::new(),
            },
        )]);
        d.snapshot = std::sync::Arc::new(Snapshot::freeze(&api));
        (api, stage, d)
    }

    #[test]
    fn oas30_export_carries_every_frozen_element() {
        let (api, stage, d) = full_api();
        let doc = value(export(
            &api,
            &stage,
            &d,
            ExportKind::Oas30,
            true,
            "us-east-1",
        ));
        let get = &doc["paths"]["/hello_world"]["get"];
        assert_eq!(get["security"], json!([{"tokenAuth": []}, {"api_key": []}]));
        assert_eq!(get["x-amazon-apigateway-request-validator"], "params");
        assert_eq!(
            get["parameters"],
            json!([{"name": "page", "in": "query", "schema": {"type": "string"}}])
        );
        assert_eq!(
            get["requestBody"],
            json!({"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}, "required": true})
        );
        assert_eq!(
            get["responses"]["200"],
            json!({"description": "200 response", "headers": {"Access-Control-Allow-Origin": {"schema": {"type": "string"}}}, "content": {}})
        );
        let integration = &get["x-amazon-apigateway-integration"];
        assert_eq!(integration["timeoutInMillis"], 5000);
        assert_eq!(
            integration["responses"],
            json!({"default": {"statusCode": "200", "responseParameters": {"method.response.header.Access-Control-Allow-Origin": "'*'"}}})
        );
        // Referenced models, with the models they refer to; $schema left out, references local.
        assert_eq!(
            doc["components"]["schemas"],
            json!({"Pet": {"type": "object", "properties": {"tag": {"$ref": "#/components/schemas/Tag"}}}, "Tag": {"type": "string"}})
        );
        assert_eq!(
            doc["components"]["securitySchemes"],
            json!({
                "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"},
                "tokenAuth": {"type": "apiKey", "name": "Authorization", "in": "header",
                    "x-amazon-apigateway-authtype": "custom",
                    "x-amazon-apigateway-authorizer": {"type": "token",
                        "authorizerUri": "arn:aws:apigateway:us-east-1:lambda:path/x",
                        "authorizerResultTtlInSeconds": 300}}
            })
        );
        assert_eq!(
            doc["x-amazon-apigateway-request-validators"],
            json!({"params": {"validateRequestBody": false, "validateRequestParameters": true}})
        );
        assert_eq!(
            doc["x-amazon-apigateway-gateway-responses"],
            json!({"DEFAULT_4XX": {"responseParameters": {"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"}}})
        );
        assert_eq!(
            doc["x-amazon-apigateway-policy"],
            json!({"Version": "2012-10-17", "Statement": []})
        );
        assert_eq!(
            doc["x-amazon-apigateway-binary-media-types"],
            json!(["image/png"])
        );
        assert_eq!(doc["x-amazon-apigateway-minimum-compression-size"], 0);
        assert!(doc.get("x-amazon-apigateway-api-key-source").is_none());
    }

    #[test]
    fn the_export_shows_the_deployment_not_later_changes() {
        let (mut api, stage, d) = full_api();
        api.policy = None;
        api.gateway_responses.clear();
        api.authorizers.clear();
        let doc = value(export(
            &api,
            &stage,
            &d,
            ExportKind::Swagger,
            true,
            "us-east-1",
        ));
        assert!(doc["x-amazon-apigateway-policy"].is_object());
        assert!(doc["x-amazon-apigateway-gateway-responses"]["DEFAULT_4XX"].is_object());
        assert_eq!(
            doc["securityDefinitions"]["tokenAuth"]["x-amazon-apigateway-authorizer"]["type"],
            "token"
        );
        assert_eq!(
            doc["definitions"]["Pet"]["properties"]["tag"]["$ref"],
            "#/definitions/Tag"
        );
        assert_eq!(
            doc["paths"]["/hello_world"]["get"]["parameters"][1],
            json!({"name": "Pet", "in": "body", "required": true, "schema": {"$ref": "#/definitions/Pet"}})
        );
    }
}
