//! API Gateway's state model: REST APIs with their working copy of everything a deployment freezes
//! (settings, resources, methods with their responses, integrations with theirs, authorizers, models,
//! request validators, gateway responses), deployments as frozen snapshots, and stages. Serialized as
//! is into the store.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::local::common::arc_serde;

/// Every REST API of the local stack.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ApiGatewayState {
    pub apis: BTreeMap<String, RestApi>,
    /// API keys, by id: the account's, not a deployment's (they apply at once).
    #[serde(default)]
    pub api_keys: BTreeMap<String, ApiKey>,
    /// Usage plans, by id: which API stages they cover and which keys they hold.
    #[serde(default)]
    pub usage_plans: BTreeMap<String, UsagePlan>,
    /// Requests counted against usage plan quotas, by `plan/key/period start`: kept in memory only,
    /// so a restart starts every quota afresh.
    #[serde(skip)]
    pub quota_used: BTreeMap<String, i64>,
    /// Admitted requests by `plan/key/YYYY-MM-DD` (UTC), for GetUsage; in memory only.
    #[serde(skip)]
    pub usage_daily: BTreeMap<String, i64>,
    /// VPC links, by id: the account's (in the region), as on AWS.
    #[serde(default)]
    pub vpc_links: BTreeMap<String, VpcLink>,
    /// The account's API Gateway settings (GetAccount, UpdateAccount).
    #[serde(default)]
    pub account: AccountSettings,
    /// The token buckets of usage plan throttles, by `plan/key` (the plan's throttle) or
    /// `plan/key/api/stage/path/VERB` (a method's); in memory only.
    #[serde(skip)]
    pub buckets: BTreeMap<String, Bucket>,
}

/// A VPC link to a network load balancer. Its status is PENDING for a moment after creation, then
/// AVAILABLE (nothing is provisioned locally).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VpcLink {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub target_arns: Vec<String>,
    /// Epoch milliseconds: when the PENDING moment started.
    pub created_ms: i64,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// The account's settings: the CloudWatch Logs role API Gateway writes logs with.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AccountSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloudwatch_role_arn: Option<String>,
}

/// A token bucket: holds up to the burst limit, refills at the rate limit per second.
#[derive(Debug, Clone, Copy)]
pub struct Bucket {
    pub tokens: f64,
    pub at: std::time::Instant,
}

/// An API key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiKey {
    pub id: String,
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    pub enabled: bool,
    pub created_date: i64,
    pub last_updated_date: i64,
    /// `restApiId/stageName`, the legacy binding of a key to stages.
    #[serde(default)]
    pub stage_keys: Vec<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// A usage plan: API stages, a throttle, a quota, and the keys it holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsagePlan {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub api_stages: Vec<PlanStage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throttle: Option<Throttle>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota: Option<Quota>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_code: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// The API key ids the plan holds (its usage plan keys).
    #[serde(default)]
    pub key_ids: Vec<String>,
}

/// One API stage a usage plan covers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanStage {
    pub api_id: String,
    pub stage: String,
    /// `/{resourcePath}/{METHOD}` -> a per-method throttle.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub throttle: BTreeMap<String, Throttle>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Throttle {
    #[serde(default)]
    pub burst_limit: i64,
    #[serde(default)]
    pub rate_limit: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Quota {
    pub limit: i64,
    #[serde(default)]
    pub offset: i64,
    /// DAY, WEEK or MONTH.
    pub period: String,
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
    /// The order of creation in the account (GetRestApis lists APIs so, as AWS does; APIs created
    /// within one second would otherwise sort by their random ids). 0 in stores written before.
    #[serde(default)]
    pub created_seq: u64,
    pub root_resource_id: String,
    pub api_key_source: String,
    pub endpoint_types: Vec<String>,
    /// `ipv4` or `dualstack`; None for AWS's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_address_type: Option<String>,
    #[serde(default)]
    pub binary_media_types: Vec<String>,
    #[serde(default)]
    pub disable_execute_api_endpoint: bool,
    /// The resource policy, as the caller wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_compression_size: Option<i64>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// The working copy: what the next deployment will freeze.
    pub resources: BTreeMap<String, Resource>,
    /// By id.
    #[serde(default)]
    pub authorizers: BTreeMap<String, Authorizer>,
    /// By name (models are addressed by name).
    #[serde(default)]
    pub models: BTreeMap<String, Model>,
    /// By id.
    #[serde(default)]
    pub request_validators: BTreeMap<String, RequestValidator>,
    /// Only the customised ones, by response type; the others are AWS's defaults.
    #[serde(default)]
    pub gateway_responses: BTreeMap<String, GatewayResponse>,
    /// The working documentation parts, in the order they were created (AWS lists them so).
    #[serde(default)]
    pub documentation_parts: Vec<DocumentationPart>,
    /// Published snapshots of the documentation parts, by version name.
    #[serde(default)]
    pub documentation_versions: BTreeMap<String, DocumentationVersion>,
    pub deployments: BTreeMap<String, Deployment>,
    pub stages: BTreeMap<String, Stage>,
}

/// A documentation part: where it applies and its properties (a JSON object, as the caller wrote it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentationPart {
    pub id: String,
    pub location: DocumentationLocation,
    pub properties: String,
}

/// Where a documentation part applies; the members a type does not use are absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentationLocation {
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A documentation version: the documentation parts as they were when it was created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentationVersion {
    pub version: String,
    /// Epoch seconds.
    pub created_date: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub parts: Vec<DocumentationPart>,
}

impl RestApi {
    /// The settings a deployment freezes.
    pub fn settings(&self) -> ApiSettings {
        ApiSettings {
            policy: self.policy.clone(),
            binary_media_types: self.binary_media_types.clone(),
            minimum_compression_size: self.minimum_compression_size,
            api_key_source: self.api_key_source.clone(),
            disable_execute_api_endpoint: self.disable_execute_api_endpoint,
        }
    }
}

/// The REST API's own settings that a deployment freezes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ApiSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    #[serde(default)]
    pub binary_media_types: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_compression_size: Option<i64>,
    #[serde(default)]
    pub api_key_source: String,
    #[serde(default)]
    pub disable_execute_api_endpoint: bool,
}

/// A Lambda (TOKEN or REQUEST) or Cognito authorizer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Authorizer {
    pub id: String,
    pub name: String,
    /// TOKEN, REQUEST or COGNITO_USER_POOLS.
    pub kind: String,
    #[serde(default)]
    pub provider_arns: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorizer_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorizer_credentials: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_validation_expression: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorizer_result_ttl_in_seconds: Option<i64>,
}

/// A model: a JSON schema named for methods to refer to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    pub content_type: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestValidator {
    pub id: String,
    pub name: String,
    pub validate_request_body: bool,
    pub validate_request_parameters: bool,
}

/// A customised gateway response (API Gateway's own answers: DEFAULT_4XX, MISSING_AUTHENTICATION_TOKEN, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GatewayResponse {
    pub response_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<String>,
    #[serde(default)]
    pub response_parameters: BTreeMap<String, String>,
    #[serde(default)]
    pub response_templates: BTreeMap<String, String>,
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
    #[serde(default)]
    pub authorization_scopes: Vec<String>,
    /// Content type -> model name.
    #[serde(default)]
    pub request_models: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_validator_id: Option<String>,
    /// By status code.
    #[serde(default)]
    pub method_responses: BTreeMap<String, MethodResponse>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integration: Option<Integration>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MethodResponse {
    pub status_code: String,
    /// `method.response.header.NAME` -> required.
    #[serde(default)]
    pub response_parameters: BTreeMap<String, bool>,
    /// Content type -> model name.
    #[serde(default)]
    pub response_models: BTreeMap<String, String>,
    /// Which of the maps above the response was given, even empty: AWS answers a map it was
    /// given (`{}` included) and leaves out one it never was.
    #[serde(default, skip_serializing_if = "Given::is_none")]
    pub given: Given,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IntegrationResponse {
    pub status_code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selection_pattern: Option<String>,
    #[serde(default)]
    pub response_parameters: BTreeMap<String, String>,
    /// Content type -> template.
    #[serde(default)]
    pub response_templates: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_handling: Option<String>,
    /// Which of the maps above the response was given, even empty (see [`MethodResponse::given`]).
    #[serde(default, skip_serializing_if = "Given::is_none")]
    pub given: Given,
}

/// Which maps of a method or integration response were given, so an empty one is answered as
/// `{}`: `parameters` for `responseParameters`, `bodies` for `responseModels` (a method response)
/// or `responseTemplates` (an integration response).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Given {
    #[serde(default)]
    pub parameters: bool,
    #[serde(default)]
    pub bodies: bool,
}

impl Given {
    pub fn is_none(&self) -> bool {
        !self.parameters && !self.bodies
    }
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
    /// `VPC_LINK`, or None for `INTERNET` (the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_type: Option<String>,
    /// The VPC link's id (or a `${stageVariables.X}` naming it) of a `VPC_LINK` connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<String>,
    /// `tlsConfig` (HTTP and HTTP_PROXY): whether API Gateway skips verifying the backend's
    /// certificate authority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_config: Option<TlsConfig>,
    #[serde(default)]
    pub request_parameters: BTreeMap<String, String>,
    #[serde(default)]
    pub request_templates: BTreeMap<String, String>,
    /// By status code.
    #[serde(default)]
    pub integration_responses: BTreeMap<String, IntegrationResponse>,
}

/// An integration's TLS configuration, as PutIntegration takes it and GetIntegration answers it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TlsConfig {
    #[serde(default)]
    pub insecure_skip_verification: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Deployment {
    pub id: String,
    /// Epoch seconds.
    pub created_date: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The frozen deep copy of everything the deployment serves. Shared by reference so stage traffic
    /// takes it without copying.
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
    /// A canary release: part of the stage's traffic goes to another deployment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canary: Option<Canary>,
    /// The documentation version published to the stage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation_version: Option<String>,
    /// Method settings by `*/*` (every method) or `{resourcePath}/{VERB}` (`test/GET`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub method_settings: BTreeMap<String, MethodSetting>,
    /// Where and how access logs would be written (stored, not written locally).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_log_settings: Option<AccessLogSettings>,
    /// The stage's cache cluster (none is run locally: the settings are kept and answered).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cache_cluster_enabled: bool,
    /// In GB, one of [`CACHE_CLUSTER_SIZES`]; AWS's 0.5 when a cluster is enabled without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_cluster_size: Option<String>,
}

/// The cache cluster sizes API Gateway offers, in its model's order.
pub const CACHE_CLUSTER_SIZES: [&str; 8] =
    ["0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237"];

/// A stage's accessLogSettings; serialized as AWS renders them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessLogSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_arn: Option<String>,
}

/// A stage's settings for one method (or every method, `*/*`); serialized as AWS renders it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MethodSetting {
    pub metrics_enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logging_level: Option<String>,
    pub data_trace_enabled: bool,
    pub throttling_burst_limit: i64,
    pub throttling_rate_limit: f64,
    pub caching_enabled: bool,
    pub cache_ttl_in_seconds: i64,
    pub cache_data_encrypted: bool,
    pub require_authorization_for_cache_control: bool,
    pub unauthorized_cache_control_header_strategy: String,
}

impl Default for MethodSetting {
    /// AWS's defaults (the account's throttle: 5000 burst, 10000 a second).
    fn default() -> Self {
        Self {
            metrics_enabled: false,
            logging_level: None,
            data_trace_enabled: false,
            throttling_burst_limit: 5000,
            throttling_rate_limit: 10000.0,
            caching_enabled: false,
            cache_ttl_in_seconds: 300,
            cache_data_encrypted: false,
            require_authorization_for_cache_control: true,
            unauthorized_cache_control_header_strategy: "SUCCEED_WITH_RESPONSE_HEADER".into(),
        }
    }
}

/// A stage's canarySettings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Canary {
    pub deployment_id: String,
    /// 0.0 to 100.0.
    pub percent_traffic: f64,
    #[serde(default)]
    pub stage_variable_overrides: BTreeMap<String, String>,
    #[serde(default)]
    pub use_stage_cache: bool,
}

/// A deployed API as it was: the resources (with their methods, integrations and responses) sorted by
/// path, the API's settings and its authorizers, models, request validators and gateway responses.
/// Snapshots stored before the API-level elements were modelled read them as empty.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub resources: Vec<Resource>,
    #[serde(default)]
    pub settings: ApiSettings,
    #[serde(default)]
    pub authorizers: BTreeMap<String, Authorizer>,
    #[serde(default)]
    pub models: BTreeMap<String, Model>,
    #[serde(default)]
    pub request_validators: BTreeMap<String, RequestValidator>,
    #[serde(default)]
    pub gateway_responses: BTreeMap<String, GatewayResponse>,
}

impl Snapshot {
    /// Freezes the resources of a working copy (and nothing else: for tests of the data plane).
    pub fn of(resources: &BTreeMap<String, Resource>) -> Self {
        let mut resources: Vec<Resource> = resources.values().cloned().collect();
        resources.sort_by(|a, b| a.path.cmp(&b.path));
        Self {
            resources,
            ..Self::default()
        }
    }

    /// Freezes everything a deployment of `api` serves.
    pub fn freeze(api: &RestApi) -> Self {
        Self {
            settings: api.settings(),
            authorizers: api.authorizers.clone(),
            models: api.models.clone(),
            request_validators: api.request_validators.clone(),
            gateway_responses: api.gateway_responses.clone(),
            ..Self::of(&api.resources)
        }
    }
}

/// Builders of small APIs for tests of the services that read API Gateway's model.
#[cfg(test)]
pub mod fixtures {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use super::*;

    pub fn method(verb: &str, uri: &str) -> Method {
        Method {
            http_method: verb.into(),
            authorization_type: "NONE".into(),
            api_key_required: false,
            authorizer_id: None,
            operation_name: None,
            request_parameters: BTreeMap::new(),
            authorization_scopes: vec![],
            request_models: BTreeMap::new(),
            request_validator_id: None,
            method_responses: BTreeMap::new(),
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
                connection_type: None,
                connection_id: None,
                tls_config: None,
                request_parameters: BTreeMap::new(),
                request_templates: BTreeMap::new(),
                integration_responses: BTreeMap::new(),
            }),
        }
    }

    pub fn resource(id: &str, path: &str, verbs: &[&str]) -> Resource {
        Resource {
            id: id.into(),
            parent_id: (path != "/").then(|| "root".into()),
            path_part: path.rsplit('/').next().filter(|p| !p.is_empty()).map(Into::into),
            path: path.into(),
            methods: verbs.iter().map(|v| ((*v).to_owned(), method(v, "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:f/invocations"))).collect(),
        }
    }

    pub fn working() -> BTreeMap<String, Resource> {
        [
            resource("root", "/", &[]),
            resource("hw", "/hello_world", &["GET"]),
        ]
        .into_iter()
        .map(|r| (r.id.clone(), r))
        .collect()
    }

    pub fn api_with(
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
            canary: None,
            documentation_version: None,
            method_settings: BTreeMap::new(),
            access_log_settings: None,
            cache_cluster_enabled: false,
            cache_cluster_size: None,
        };
        let api = RestApi {
            id: "abc123defg".into(),
            name: "tf-test-api".into(),
            description: Some("REST API for lambda rust test".into()),
            version: None,
            created_date: 0,
            created_seq: 0,
            root_resource_id: "root".into(),
            api_key_source: "HEADER".into(),
            endpoint_types: vec!["EDGE".into()],
            ip_address_type: None,
            binary_media_types: vec![],
            disable_execute_api_endpoint: false,
            policy: None,
            minimum_compression_size: None,
            tags: BTreeMap::new(),
            resources,
            authorizers: BTreeMap::new(),
            models: BTreeMap::new(),
            request_validators: BTreeMap::new(),
            gateway_responses: BTreeMap::new(),
            documentation_parts: Vec::new(),
            documentation_versions: BTreeMap::new(),
            deployments: BTreeMap::new(),
            stages: BTreeMap::new(),
        };
        (api, s, d)
    }
}
