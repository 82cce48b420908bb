//! API Gateway's wire shapes (rest-json), serde-derived: the requests its operations read and the
//! answers the model is rendered into.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::model::{
    AccessLogSettings, Authorizer, CACHE_CLUSTER_SIZES, Deployment, GatewayResponse, Integration,
    IntegrationResponse, Method, MethodResponse, MethodSetting, Model, RequestValidator, Resource,
    RestApi, Snapshot, Stage, TlsConfig,
};

/// `{}`: a member AWS sends as an empty object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Empty {}

/// One page of a list: `{"item": [...], "position"?}`; the position is the offset of the next item.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub item: Vec<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
}

/// GetTags.
#[derive(Debug, Clone, Serialize)]
pub struct Tags {
    pub tags: BTreeMap<String, String>,
}

/// A REST API (CreateRestApi, GetRestApi, GetRestApis, UpdateRestApi).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RestApiOut {
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    pub created_date: i64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub binary_media_types: Vec<String>,
    pub api_key_source: String,
    pub endpoint_configuration: EndpointConfiguration,
    pub disable_execute_api_endpoint: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimum_compression_size: Option<i64>,
    pub root_resource_id: String,
    /// Always on a single read, an update and PutRestApi (`{}` when none); elsewhere only when
    /// there are some, as AWS's recorded answers show.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
    /// What ImportRestApi and PutRestApi could not import.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointConfiguration {
    pub types: Vec<String>,
    pub ip_address_type: String,
}

/// A resource; its methods are listed as `{}` unless embedded (`embed=methods`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceOut {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_part: Option<String>,
    pub path: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub resource_methods: BTreeMap<String, MethodEntry>,
}

/// A method as a resource lists it.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum MethodEntry {
    Embedded(Box<MethodOut>),
    Listed(Empty),
}

/// A method (PutMethod, GetMethod, UpdateMethod).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MethodOut {
    pub http_method: String,
    pub authorization_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorizer_id: Option<String>,
    pub api_key_required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_name: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub request_parameters: BTreeMap<String, bool>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub authorization_scopes: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub request_models: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_validator_id: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub method_responses: BTreeMap<String, MethodResponseOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method_integration: Option<IntegrationOut>,
}

/// A method response (PutMethodResponse, GetMethodResponse, UpdateMethodResponse).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MethodResponseOut {
    pub status_code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_parameters: Option<BTreeMap<String, bool>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_models: Option<BTreeMap<String, String>>,
}

/// An integration response (PutIntegrationResponse, GetIntegrationResponse, UpdateIntegrationResponse).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationResponseOut {
    pub status_code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selection_pattern: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_parameters: Option<BTreeMap<String, String>>,
    /// An empty template (given as `null` or `""`) is answered as `null`, as AWS does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_templates: Option<BTreeMap<String, Option<String>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_handling: Option<String>,
}

/// An authorizer.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizerOut {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(rename = "providerARNs", skip_serializing_if = "Vec::is_empty")]
    pub provider_arns: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_type: Option<String>,
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
}

/// A model.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelOut {
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    pub content_type: String,
}

/// A request validator.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestValidatorOut {
    pub id: String,
    pub name: String,
    pub validate_request_body: bool,
    pub validate_request_parameters: bool,
}

/// A gateway response, customised or API Gateway's default.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GatewayResponseOut {
    pub response_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<String>,
    pub response_parameters: BTreeMap<String, String>,
    pub response_templates: BTreeMap<String, String>,
    pub default_response: bool,
}

/// An integration (PutIntegration, GetIntegration).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationOut {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_method: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// `VPC_LINK` as set, else `INTERNET` for HTTP integrations, as AWS renders them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credentials: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub request_parameters: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub request_templates: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_config: Option<TlsConfig>,
    pub passthrough_behavior: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_handling: Option<String>,
    pub timeout_in_millis: u64,
    pub cache_namespace: String,
    pub cache_key_parameters: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub integration_responses: BTreeMap<String, IntegrationResponseOut>,
}

/// A deployment; its API summary only with `embed=apisummary`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentOut {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub created_date: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_summary: Option<ApiSummary>,
}

/// `{"/path": {"VERB": {"authorizationType", "apiKeyRequired"}}}` of a deployed snapshot.
pub type ApiSummary = BTreeMap<String, BTreeMap<String, MethodSummary>>;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MethodSummary {
    pub authorization_type: String,
    pub api_key_required: bool,
}

/// A stage.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StageOut {
    pub deployment_id: String,
    pub stage_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub cache_cluster_enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_cluster_size: Option<String>,
    pub cache_cluster_status: &'static str,
    pub method_settings: BTreeMap<String, MethodSetting>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub variables: BTreeMap<String, String>,
    pub tracing_enabled: bool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub documentation_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub canary_settings: Option<CanaryOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_log_settings: Option<AccessLogSettings>,
    pub created_date: i64,
    pub last_updated_date: i64,
}

/// A stage's canarySettings as AWS renders them: percentTraffic a double, overrides only when set.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CanaryOut {
    pub deployment_id: String,
    pub percent_traffic: f64,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub stage_variable_overrides: BTreeMap<String, String>,
    pub use_stage_cache: bool,
}

/// canarySettings as CreateDeployment and CreateStage take them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CanaryIn {
    pub deployment_id: Option<String>,
    pub percent_traffic: Option<f64>,
    #[serde(default)]
    pub stage_variable_overrides: BTreeMap<String, String>,
    #[serde(default)]
    pub use_stage_cache: bool,
}

/// A resource policy as API Gateway's control plane answers it: the document minified, then its
/// backslashes, quotes and slashes escaped inside the string (`{\"Version\":...:abc\/*}`), as AWS
/// records it. The Terraform provider un-escapes exactly this form when it reads the policy back.
pub fn escaped_policy(policy: &str) -> String {
    let minified = serde_json::from_str::<serde_json::Value>(policy)
        .map_or_else(|_| policy.to_owned(), |v| v.to_string());
    minified
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('/', "\\/")
}

pub fn render_api(api: &RestApi) -> RestApiOut {
    RestApiOut {
        id: api.id.clone(),
        name: api.name.clone(),
        description: api.description.clone(),
        version: api.version.clone(),
        created_date: api.created_date,
        binary_media_types: api.binary_media_types.clone(),
        api_key_source: api.api_key_source.clone(),
        endpoint_configuration: EndpointConfiguration {
            types: api.endpoint_types.clone(),
            ip_address_type: api.ip_address_type.clone().unwrap_or_else(|| {
                // AWS's default: dualstack for a private API, ipv4 otherwise.
                if api.endpoint_types.iter().any(|t| t == "PRIVATE") {
                    "dualstack".into()
                } else {
                    "ipv4".into()
                }
            }),
        },
        disable_execute_api_endpoint: api.disable_execute_api_endpoint,
        policy: api.policy.as_deref().map(escaped_policy),
        minimum_compression_size: api.minimum_compression_size,
        root_resource_id: api.root_resource_id.clone(),
        tags: Some(api.tags.clone()).filter(|t| !t.is_empty()),
        warnings: Vec::new(),
    }
}

/// A REST API as GetRestApi, UpdateRestApi and PutRestApi answer it: `tags` always.
pub fn render_api_single(api: &RestApi) -> RestApiOut {
    RestApiOut {
        tags: Some(api.tags.clone()),
        ..render_api(api)
    }
}

pub fn render_resource(r: &Resource, embed_methods: bool) -> ResourceOut {
    ResourceOut {
        id: r.id.clone(),
        parent_id: r.parent_id.clone(),
        path_part: r.path_part.clone(),
        path: r.path.clone(),
        resource_methods: r
            .methods
            .iter()
            .map(|(verb, method)| {
                let entry = if embed_methods {
                    MethodEntry::Embedded(Box::new(render_method(method, true)))
                } else {
                    MethodEntry::Listed(Empty {})
                };
                (verb.clone(), entry)
            })
            .collect(),
    }
}

pub fn render_method(method: &Method, with_integration: bool) -> MethodOut {
    MethodOut {
        http_method: method.http_method.clone(),
        authorization_type: method.authorization_type.clone(),
        authorizer_id: method.authorizer_id.clone(),
        api_key_required: method.api_key_required,
        operation_name: method.operation_name.clone(),
        request_parameters: method.request_parameters.clone(),
        authorization_scopes: method.authorization_scopes.clone(),
        request_models: method.request_models.clone(),
        request_validator_id: method.request_validator_id.clone(),
        method_responses: method
            .method_responses
            .iter()
            .map(|(k, r)| (k.clone(), render_method_response(r)))
            .collect(),
        method_integration: method
            .integration
            .as_ref()
            .filter(|_| with_integration)
            .map(render_integration),
    }
}

pub fn render_integration(i: &Integration) -> IntegrationOut {
    IntegrationOut {
        kind: i.kind.clone(),
        http_method: i.http_method.clone(),
        uri: i.uri.clone(),
        connection_type: i
            .connection_type
            .clone()
            .or_else(|| i.kind.starts_with("HTTP").then(|| "INTERNET".into())),
        connection_id: i.connection_id.clone(),
        credentials: i.credentials.clone(),
        request_parameters: i.request_parameters.clone(),
        request_templates: i.request_templates.clone(),
        tls_config: i.tls_config,
        passthrough_behavior: i.passthrough_behavior.clone(),
        content_handling: i.content_handling.clone(),
        timeout_in_millis: i.timeout_in_millis,
        cache_namespace: i.cache_namespace.clone(),
        cache_key_parameters: i.cache_key_parameters.clone(),
        integration_responses: i
            .integration_responses
            .iter()
            .map(|(k, r)| (k.clone(), render_integration_response(r)))
            .collect(),
    }
}

/// A map as AWS answers it: when it has members or was given (even empty), else left out.
fn given_map<V: Clone>(map: &BTreeMap<String, V>, given: bool) -> Option<BTreeMap<String, V>> {
    (given || !map.is_empty()).then(|| map.clone())
}

pub fn render_method_response(r: &MethodResponse) -> MethodResponseOut {
    MethodResponseOut {
        status_code: r.status_code.clone(),
        response_parameters: given_map(&r.response_parameters, r.given.parameters),
        response_models: given_map(&r.response_models, r.given.bodies),
    }
}

pub fn render_integration_response(r: &IntegrationResponse) -> IntegrationResponseOut {
    IntegrationResponseOut {
        status_code: r.status_code.clone(),
        selection_pattern: r.selection_pattern.clone(),
        response_parameters: given_map(&r.response_parameters, r.given.parameters),
        response_templates: given_map(&r.response_templates, r.given.bodies).map(|templates| {
            templates
                .into_iter()
                // AWS answers an empty template, given as `null` or `""`, as `null` (its recorded
                // PutIntegrationResponse answers); lambdeck's client reads it back as "".
                .map(|(ct, t)| (ct, Some(t).filter(|t| !t.is_empty())))
                .collect()
        }),
        content_handling: r.content_handling.clone(),
    }
}

pub fn render_authorizer(a: &Authorizer) -> AuthorizerOut {
    AuthorizerOut {
        id: a.id.clone(),
        name: a.name.clone(),
        kind: a.kind.clone(),
        provider_arns: a.provider_arns.clone(),
        auth_type: a.auth_type.clone(),
        authorizer_uri: a.authorizer_uri.clone(),
        authorizer_credentials: a.authorizer_credentials.clone(),
        identity_source: a.identity_source.clone(),
        identity_validation_expression: a.identity_validation_expression.clone(),
        authorizer_result_ttl_in_seconds: a.authorizer_result_ttl_in_seconds,
    }
}

pub fn render_model(m: &Model) -> ModelOut {
    ModelOut {
        id: m.id.clone(),
        name: m.name.clone(),
        description: m.description.clone(),
        schema: m.schema.clone(),
        content_type: m.content_type.clone(),
    }
}

pub fn render_validator(v: &RequestValidator) -> RequestValidatorOut {
    RequestValidatorOut {
        id: v.id.clone(),
        name: v.name.clone(),
        validate_request_body: v.validate_request_body,
        validate_request_parameters: v.validate_request_parameters,
    }
}

pub fn render_gateway_response(g: &GatewayResponse, default_response: bool) -> GatewayResponseOut {
    GatewayResponseOut {
        response_type: g.response_type.clone(),
        status_code: g.status_code.clone(),
        response_parameters: g.response_parameters.clone(),
        response_templates: g.response_templates.clone(),
        default_response,
    }
}

pub fn render_deployment(d: &Deployment, embed_summary: bool) -> DeploymentOut {
    DeploymentOut {
        id: d.id.clone(),
        description: d.description.clone(),
        created_date: d.created_date,
        api_summary: embed_summary.then(|| api_summary(&d.snapshot)),
    }
}

pub fn render_stage(s: &Stage) -> StageOut {
    StageOut {
        deployment_id: s.deployment_id.clone(),
        stage_name: s.stage_name.clone(),
        description: s.description.clone(),
        cache_cluster_enabled: s.cache_cluster_enabled,
        // An enabled cluster has AWS's default size unless given one.
        cache_cluster_size: s.cache_cluster_size.clone().or_else(|| {
            s.cache_cluster_enabled
                .then(|| CACHE_CLUSTER_SIZES[0].to_owned())
        }),
        // No cluster is created locally, so an enabled one is available at once (AWS's reads say
        // CREATE_IN_PROGRESS for the minutes it takes).
        cache_cluster_status: if s.cache_cluster_enabled {
            "AVAILABLE"
        } else {
            "NOT_AVAILABLE"
        },
        method_settings: s.method_settings.clone(),
        variables: s.variables.clone(),
        tracing_enabled: s.tracing_enabled,
        tags: s.tags.clone(),
        documentation_version: s.documentation_version.clone(),
        canary_settings: s.canary.as_ref().map(|c| CanaryOut {
            deployment_id: c.deployment_id.clone(),
            percent_traffic: c.percent_traffic,
            stage_variable_overrides: c.stage_variable_overrides.clone(),
            use_stage_cache: c.use_stage_cache,
        }),
        access_log_settings: s.access_log_settings.clone(),
        created_date: s.created_date,
        last_updated_date: s.last_updated_date,
    }
}

/// What `embed=apisummary` shows: the deployed methods, by path and verb.
pub fn api_summary(snapshot: &Snapshot) -> ApiSummary {
    snapshot
        .resources
        .iter()
        .filter(|r| !r.methods.is_empty())
        .map(|r| {
            let methods = r
                .methods
                .iter()
                .map(|(verb, m)| {
                    let summary = MethodSummary {
                        authorization_type: m.authorization_type.clone(),
                        api_key_required: m.api_key_required,
                    };
                    (verb.clone(), summary)
                })
                .collect();
            (r.path.clone(), methods)
        })
        .collect()
}

// Requests.

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateRestApiIn {
    pub name: Option<String>,
    pub description: Option<String>,
    pub version: Option<String>,
    #[serde(default)]
    pub binary_media_types: Vec<String>,
    pub api_key_source: Option<String>,
    pub endpoint_configuration: Option<EndpointConfigurationIn>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(default)]
    pub disable_execute_api_endpoint: bool,
    pub policy: Option<String>,
    pub minimum_compression_size: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointConfigurationIn {
    #[serde(default)]
    pub types: Vec<String>,
    pub ip_address_type: Option<String>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PatchIn {
    #[serde(default)]
    pub patch_operations: Vec<PatchOp>,
}

#[derive(Deserialize)]
pub struct PatchOp {
    pub op: String,
    /// A missing path reads as `null`, the word AWS's messages print for it ("Invalid patch path
    /// null"), so every refusal names it as AWS's does.
    #[serde(default = "missing_path")]
    pub path: String,
    pub value: Option<String>,
}

fn missing_path() -> String {
    "null".into()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateResourceIn {
    pub path_part: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PutMethodIn {
    pub authorization_type: Option<String>,
    pub authorizer_id: Option<String>,
    #[serde(default)]
    pub api_key_required: bool,
    pub operation_name: Option<String>,
    #[serde(default)]
    pub request_parameters: BTreeMap<String, bool>,
    #[serde(default)]
    pub authorization_scopes: Vec<String>,
    #[serde(default)]
    pub request_models: BTreeMap<String, String>,
    pub request_validator_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PutMethodResponseIn {
    pub response_parameters: Option<BTreeMap<String, bool>>,
    pub response_models: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PutIntegrationResponseIn {
    pub selection_pattern: Option<String>,
    pub response_parameters: Option<BTreeMap<String, String>>,
    /// A `null` template is taken, as AWS takes it.
    pub response_templates: Option<BTreeMap<String, Option<String>>>,
    pub content_handling: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateAuthorizerIn {
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    #[serde(rename = "providerARNs", default)]
    pub provider_arns: Vec<String>,
    pub auth_type: Option<String>,
    pub authorizer_uri: Option<String>,
    pub authorizer_credentials: Option<String>,
    pub identity_source: Option<String>,
    pub identity_validation_expression: Option<String>,
    pub authorizer_result_ttl_in_seconds: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateModelIn {
    pub name: Option<String>,
    pub description: Option<String>,
    pub schema: Option<String>,
    pub content_type: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateRequestValidatorIn {
    pub name: Option<String>,
    #[serde(default)]
    pub validate_request_body: bool,
    #[serde(default)]
    pub validate_request_parameters: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PutGatewayResponseIn {
    pub status_code: Option<String>,
    pub response_parameters: Option<BTreeMap<String, String>>,
    pub response_templates: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PutIntegrationIn {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// The model's `integrationHttpMethod`, sent on the wire as `httpMethod`.
    pub http_method: Option<String>,
    pub uri: Option<String>,
    pub passthrough_behavior: Option<String>,
    pub timeout_in_millis: Option<u64>,
    pub cache_namespace: Option<String>,
    #[serde(default)]
    pub cache_key_parameters: Vec<String>,
    pub content_handling: Option<String>,
    pub credentials: Option<String>,
    pub connection_type: Option<String>,
    pub connection_id: Option<String>,
    pub tls_config: Option<TlsConfig>,
    #[serde(default)]
    pub request_parameters: BTreeMap<String, String>,
    #[serde(default)]
    pub request_templates: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateDeploymentIn {
    pub stage_name: Option<String>,
    pub stage_description: Option<String>,
    pub description: Option<String>,
    pub cache_cluster_enabled: Option<bool>,
    pub cache_cluster_size: Option<String>,
    pub variables: Option<BTreeMap<String, String>>,
    pub canary_settings: Option<CanaryIn>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateStageIn {
    pub stage_name: Option<String>,
    pub deployment_id: Option<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
    #[serde(default)]
    pub tracing_enabled: bool,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    pub canary_settings: Option<CanaryIn>,
    pub documentation_version: Option<String>,
    #[serde(default)]
    pub cache_cluster_enabled: bool,
    pub cache_cluster_size: Option<String>,
}

#[derive(Deserialize)]
pub struct TagsIn {
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::{Value, json};

    use super::super::model::fixtures::{resource, working};
    use super::*;

    fn value(v: impl Serialize) -> Value {
        serde_json::to_value(v).unwrap()
    }

    #[test]
    fn a_policy_is_answered_escaped_and_minified_as_aws_records_it() {
        let written = r#"{ "Version": "2012-10-17",
          "Statement": [{"Effect": "Allow", "Resource": "arn:aws:execute-api:us-east-1:1:abc/*/GET/"}]}"#;
        let answered = escaped_policy(written);
        assert_eq!(
            answered,
            r#"{\"Statement\":[{\"Effect\":\"Allow\",\"Resource\":\"arn:aws:execute-api:us-east-1:1:abc\/*\/GET\/\"}],\"Version\":\"2012-10-17\"}"#
        );
        // lambdeck's own reader sees the same document in either form.
        assert_eq!(
            crate::model::definition::normalise_policy(&Value::String(answered)),
            crate::model::definition::normalise_policy(&Value::String(written.into()))
        );
        // What is not JSON is still escaped, never dropped.
        assert_eq!(escaped_policy(r#"a"b"#), r#"a\"b"#);
    }

    #[test]
    fn api_summary_lists_deployed_methods_only() {
        let mut working = working();
        let snapshot = Snapshot::of(&working);
        working.insert("new".into(), resource("new", "/new_route", &["POST"]));
        assert_eq!(
            value(api_summary(&snapshot)),
            json!({"/hello_world": {"GET": {"authorizationType": "NONE", "apiKeyRequired": false}}})
        );
        assert_eq!(
            value(render_deployment(
                &Deployment {
                    id: "d".into(),
                    created_date: 5,
                    description: None,
                    snapshot: Arc::new(snapshot)
                },
                false
            )),
            json!({"id": "d", "createdDate": 5})
        );
    }

    #[test]
    fn resources_render_methods_empty_unless_embedded() {
        let r = resource("hw", "/hello_world", &["GET"]);
        assert_eq!(
            value(render_resource(&r, false))["resourceMethods"],
            json!({"GET": {}})
        );
        let embedded = value(render_resource(&r, true));
        assert_eq!(
            embedded["resourceMethods"]["GET"]["methodIntegration"]["type"],
            "AWS_PROXY"
        );
        let root = resource("root", "/", &[]);
        assert_eq!(
            value(render_resource(&root, false)),
            json!({"id": "root", "path": "/"})
        );
    }
}
