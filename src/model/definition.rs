//! What a deployment freezes, as one comparable shape: the REST API's own settings, every route with its
//! method, method responses, integration and integration responses, and the API-level elements
//! (authorizers, models, request validators, gateway responses). Both sides of the stale diff are read
//! into it: the working API from the control plane, the deployed one from the stage's export. Values are
//! normalised here, once, so the two sides compare equal when AWS would serve the same thing.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

use super::RouteKey;

/// API Gateway's default integration timeout, which the export leaves out.
pub const DEFAULT_TIMEOUT_MS: i64 = 29_000;
/// API Gateway's default authorizer result TTL.
pub const DEFAULT_AUTHORIZER_TTL: i64 = 300;

/// The whole API as one deployment would freeze it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ApiDefinition {
    pub settings: ApiSettings,
    pub routes: BTreeMap<RouteKey, MethodDefinition>,
    /// By name: the export names authorizers, methods refer to them by id in the control plane.
    pub authorizers: BTreeMap<String, AuthorizerDefinition>,
    /// By name; the schema with `$schema` dropped and every model reference reduced to `model:NAME`.
    pub models: BTreeMap<String, String>,
    /// By name.
    pub request_validators: BTreeMap<String, ValidatorDefinition>,
    /// Only the customised ones, by response type (DEFAULT_4XX, MISSING_AUTHENTICATION_TOKEN, ...).
    pub gateway_responses: BTreeMap<String, GatewayResponseDefinition>,
    /// Documentation parts by location ([`documentation_location`]), each a field per top-level
    /// property. On the deployed side: the documentation version published to the stage (published
    /// by version, not by deployment). None where it could not be seen.
    pub documentation: Option<BTreeMap<String, Fields>>,
}

/// The documentation location types that take a `method` (all but `RESOURCE` of those with a path).
pub const DOCUMENTATION_WITH_METHOD: [&str; 8] = [
    "METHOD",
    "PATH_PARAMETER",
    "QUERY_PARAMETER",
    "REQUEST_HEADER",
    "REQUEST_BODY",
    "RESPONSE",
    "RESPONSE_HEADER",
    "RESPONSE_BODY",
];
/// The documentation location types that take a `statusCode`.
pub const DOCUMENTATION_WITH_STATUS: [&str; 3] = ["RESPONSE", "RESPONSE_HEADER", "RESPONSE_BODY"];

/// A documentation part's location as one line: its type, then the method, path, status code and
/// name the type uses, in that order (`METHOD GET /pets`, `RESPONSE GET /pets 200`, `MODEL Pet`,
/// `API`). A method or status code the type uses but the part leaves out is `*`, AWS's default; a
/// path it leaves out is `/`.
pub fn documentation_location(
    kind: &str,
    path: Option<&str>,
    method: Option<&str>,
    status_code: Option<&str>,
    name: Option<&str>,
) -> String {
    let kind = kind.to_ascii_uppercase();
    let mut out = kind.clone();
    if DOCUMENTATION_WITH_METHOD.contains(&kind.as_str()) {
        out.push(' ');
        out.push_str(&method.unwrap_or("*").to_ascii_uppercase());
    }
    if DOCUMENTATION_WITH_METHOD.contains(&kind.as_str()) || kind == "RESOURCE" {
        out.push(' ');
        out.push_str(path.unwrap_or("/"));
    }
    if DOCUMENTATION_WITH_STATUS.contains(&kind.as_str()) {
        out.push(' ');
        out.push_str(status_code.unwrap_or("*"));
    }
    if let Some(n) = name.filter(|n| !n.is_empty()) {
        out.push(' ');
        out.push_str(n);
    }
    out
}

/// A documentation part's properties (a JSON object, or its text) as the diff's fields: one per
/// top-level property, strings as they are, anything else as compact JSON with keys sorted.
pub fn documentation_fields(properties: &Value) -> Fields {
    let v = match properties {
        Value::String(s) => serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.clone())),
        other => other.clone(),
    };
    match v {
        Value::Object(map) => map
            .into_iter()
            .map(|(k, v)| {
                let text = match v {
                    Value::String(s) => s,
                    other => sorted_json(&other),
                };
                (k, text)
            })
            .collect(),
        other => Fields::from([("properties".to_owned(), sorted_json(&other))]),
    }
}

fn sorted_json(v: &Value) -> String {
    fn sort(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let sorted: BTreeMap<&String, Value> =
                    m.iter().map(|(k, v)| (k, sort(v))).collect();
                Value::Object(sorted.into_iter().map(|(k, v)| (k.clone(), v)).collect())
            }
            Value::Array(a) => Value::Array(a.iter().map(sort).collect()),
            other => other.clone(),
        }
    }
    sort(v).to_string()
}

/// The REST API's own settings that a deployment freezes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ApiSettings {
    /// The resource policy as canonical JSON (keys sorted, execute-api ARNs of this API shortened).
    pub policy: Option<String>,
    /// Sorted, deduplicated.
    pub binary_media_types: Vec<String>,
    pub minimum_compression_size: Option<i64>,
    /// HEADER (the default) or AUTHORIZER.
    pub api_key_source: String,
    pub disable_execute_api_endpoint: bool,
    /// Sorted.
    pub vpc_endpoint_ids: Vec<String>,
}

/// A method as deployed: authorization, request shape, responses and integration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MethodDefinition {
    /// NONE, AWS_IAM, CUSTOM, COGNITO_USER_POOLS.
    pub authorization_type: String,
    /// The authorizer's name (the working side resolves the id).
    pub authorizer: Option<String>,
    /// Sorted.
    pub authorization_scopes: Vec<String>,
    pub api_key_required: bool,
    pub operation_name: Option<String>,
    /// `method.request.{querystring|header}.NAME` -> required. Path parameters are left out: the
    /// export derives them from the resource path, so they follow the route itself.
    pub request_parameters: BTreeMap<String, bool>,
    /// Content type -> model name.
    pub request_models: BTreeMap<String, String>,
    /// The request validator's name.
    pub request_validator: Option<String>,
    /// By status code.
    pub responses: BTreeMap<String, MethodResponseDefinition>,
    pub integration: Option<IntegrationDefinition>,
}

/// A method response: the headers it declares and its models. Whether a header is required is not in
/// the export, so it is not part of the comparable shape.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MethodResponseDefinition {
    pub headers: BTreeSet<String>,
    /// Content type -> model name.
    pub models: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IntegrationDefinition {
    /// Upper case: AWS_PROXY, AWS, HTTP, HTTP_PROXY, MOCK.
    pub kind: String,
    /// Upper case.
    pub http_method: Option<String>,
    pub uri: Option<String>,
    pub credentials: Option<String>,
    /// None for INTERNET, the default.
    pub connection_type: Option<String>,
    pub connection_id: Option<String>,
    pub request_parameters: BTreeMap<String, String>,
    pub request_templates: BTreeMap<String, String>,
    /// Upper case; WHEN_NO_MATCH when not given.
    pub passthrough_behavior: String,
    /// Upper case.
    pub content_handling: Option<String>,
    pub timeout_in_millis: i64,
    /// Only meaningful (and only exported) with cache key parameters.
    pub cache_namespace: Option<String>,
    /// Sorted.
    pub cache_key_parameters: Vec<String>,
    pub tls_insecure_skip_verification: bool,
    /// By selection pattern; "default" for the response without one.
    pub responses: BTreeMap<String, IntegrationResponseDefinition>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IntegrationResponseDefinition {
    pub status_code: String,
    pub response_parameters: BTreeMap<String, String>,
    pub response_templates: BTreeMap<String, String>,
    pub content_handling: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AuthorizerDefinition {
    /// TOKEN, REQUEST or COGNITO_USER_POOLS.
    pub kind: String,
    pub authorizer_uri: Option<String>,
    pub authorizer_credentials: Option<String>,
    /// Comma-separated sources, normalised to ", " between them.
    pub identity_source: Option<String>,
    pub identity_validation_expression: Option<String>,
    pub result_ttl_in_seconds: i64,
    /// Sorted.
    pub provider_arns: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ValidatorDefinition {
    pub validate_request_body: bool,
    pub validate_request_parameters: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GatewayResponseDefinition {
    pub status_code: Option<String>,
    pub response_parameters: BTreeMap<String, String>,
    pub response_templates: BTreeMap<String, String>,
}

/// Canonical text of a JSON document: keys sorted, no insignificant whitespace.
pub fn canonical_json(v: &Value) -> String {
    v.to_string()
}

/// A resource policy as canonical JSON. The control plane returns it as a string (sometimes with its
/// quotes escaped), the export as an object; `arn:{partition}:execute-api:{region}:{account}:{api}/...`
/// and `execute-api:/...` name the same resources and are reduced to the short form.
pub fn normalise_policy(policy: &Value) -> Option<String> {
    let mut v = match policy {
        Value::Null => return None,
        Value::String(s) if s.trim().is_empty() => return None,
        Value::String(s) => serde_json::from_str::<Value>(s)
            .or_else(|_| serde_json::from_str::<Value>(&s.replace("\\\"", "\"")))
            .unwrap_or_else(|_| Value::String(s.clone())),
        other => other.clone(),
    };
    shorten_execute_api_arns(&mut v);
    Some(canonical_json(&v))
}

fn shorten_execute_api_arns(v: &mut Value) {
    match v {
        Value::String(s) => {
            // arn:{partition}:execute-api:..., in any partition.
            if let Some(rest) = s
                .strip_prefix("arn:")
                .and_then(|r| r.split_once(":execute-api:"))
                .map(|(_, rest)| rest)
            {
                // {region}:{account}:{api}/{rest}
                let mut parts = rest.splitn(3, ':');
                let (_, _, tail) = (parts.next(), parts.next(), parts.next());
                if let Some(tail) = tail
                    && let Some((_, path)) = tail.split_once('/')
                {
                    *s = format!("execute-api:/{path}");
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(shorten_execute_api_arns),
        Value::Object(map) => map.values_mut().for_each(shorten_execute_api_arns),
        _ => {}
    }
}

/// A model schema as canonical JSON: `$schema` dropped (the export leaves it out) and every `$ref` to
/// a model of this API, in any of its forms, reduced to `model:NAME`.
pub fn normalise_schema(schema: &Value) -> String {
    let mut v = match schema {
        Value::String(s) => serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.clone())),
        other => other.clone(),
    };
    if let Value::Object(map) = &mut v {
        map.remove("$schema");
    }
    rewrite_refs(&mut v);
    canonical_json(&v)
}

fn rewrite_refs(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                if k == "$ref"
                    && let Value::String(s) = child
                    && let Some(name) = model_ref_name(s)
                {
                    *s = format!("model:{name}");
                } else {
                    rewrite_refs(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(rewrite_refs),
        _ => {}
    }
}

/// The model a `$ref` names: `#/components/schemas/X`, `#/definitions/X` or
/// `https://apigateway.amazonaws.com/restapis/{id}/models/X`.
pub fn model_ref_name(reference: &str) -> Option<&str> {
    reference
        .strip_prefix("#/components/schemas/")
        .or_else(|| reference.strip_prefix("#/definitions/"))
        .or_else(|| {
            reference
                .split_once("/models/")
                .filter(|(head, _)| head.contains("/restapis/"))
                .map(|(_, name)| name)
        })
}

/// `a,b` and `a, b` name the same identity sources.
pub fn normalise_identity_source(s: &str) -> String {
    s.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The multi-value forms of request parameters are exported like the single-value ones.
pub fn normalise_request_parameter(name: &str) -> String {
    name.replacen(
        "method.request.multivaluequerystring.",
        "method.request.querystring.",
        1,
    )
    .replacen(
        "method.request.multivalueheader.",
        "method.request.header.",
        1,
    )
}

/// Upper case, or the default when absent or empty.
pub fn upper_or(v: Option<&str>, default: &str) -> String {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => s.to_ascii_uppercase(),
        None => default.to_owned(),
    }
}

/// Upper case, None when absent or empty.
pub fn upper_opt(v: Option<&str>) -> Option<String> {
    v.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_ascii_uppercase)
}

/// None when absent or empty.
pub fn non_empty(v: Option<&str>) -> Option<String> {
    v.filter(|s| !s.is_empty()).map(ToOwned::to_owned)
}

/// Sorted and deduplicated.
pub fn sorted(items: impl IntoIterator<Item = String>) -> Vec<String> {
    let set: BTreeSet<String> = items.into_iter().collect();
    set.into_iter().collect()
}

impl ApiDefinition {
    /// Every model a method of this definition names (request or response).
    pub fn referenced_models(&self) -> BTreeSet<&str> {
        let mut out = BTreeSet::new();
        for m in self.routes.values() {
            out.extend(m.request_models.values().map(String::as_str));
            for r in m.responses.values() {
                out.extend(r.models.values().map(String::as_str));
            }
        }
        // Models referring to models are exported with them.
        let mut frontier: Vec<&str> = out.iter().copied().collect();
        while let Some(name) = frontier.pop() {
            if let Some(schema) = self.models.get(name) {
                for (other, _) in self.models.iter() {
                    if !out.contains(other.as_str())
                        && schema.contains(&format!("\"model:{other}\""))
                    {
                        out.insert(other.as_str());
                        frontier.push(other.as_str());
                    }
                }
            }
        }
        out
    }

    /// Every authorizer a method of this definition names.
    pub fn referenced_authorizers(&self) -> BTreeSet<&str> {
        self.routes
            .values()
            .filter_map(|m| m.authorizer.as_deref())
            .collect()
    }

    /// Every request validator a method of this definition names.
    pub fn referenced_validators(&self) -> BTreeSet<&str> {
        self.routes
            .values()
            .filter_map(|m| m.request_validator.as_deref())
            .collect()
    }
}

/// A flat list of (field, value) pairs: the unit the diff compares. Field names follow the control
/// plane's names, e.g. `integration.timeoutInMillis`, `methodResponse[200].header[X-Id]`.
pub type Fields = BTreeMap<String, String>;

fn put(f: &mut Fields, key: impl Into<String>, value: impl Into<String>) {
    f.insert(key.into(), value.into());
}

fn put_opt(f: &mut Fields, key: &str, value: &Option<String>) {
    if let Some(v) = value {
        put(f, key, v.clone());
    }
}

fn put_map(f: &mut Fields, prefix: &str, map: &BTreeMap<String, String>) {
    for (k, v) in map {
        put(f, format!("{prefix}[{k}]"), v.clone());
    }
}

impl ApiSettings {
    pub fn fields(&self) -> Fields {
        let mut f = Fields::new();
        put_opt(&mut f, "policy", &self.policy);
        if !self.binary_media_types.is_empty() {
            put(
                &mut f,
                "binaryMediaTypes",
                self.binary_media_types.join(", "),
            );
        }
        if let Some(n) = self.minimum_compression_size {
            put(&mut f, "minimumCompressionSize", n.to_string());
        }
        put(&mut f, "apiKeySource", self.api_key_source.clone());
        put(
            &mut f,
            "disableExecuteApiEndpoint",
            self.disable_execute_api_endpoint.to_string(),
        );
        if !self.vpc_endpoint_ids.is_empty() {
            put(
                &mut f,
                "endpointConfiguration.vpcEndpointIds",
                self.vpc_endpoint_ids.join(", "),
            );
        }
        f
    }
}

impl MethodDefinition {
    pub fn fields(&self) -> Fields {
        let mut f = Fields::new();
        put(&mut f, "authorizationType", self.authorization_type.clone());
        put_opt(&mut f, "authorizer", &self.authorizer);
        if !self.authorization_scopes.is_empty() {
            put(
                &mut f,
                "authorizationScopes",
                self.authorization_scopes.join(", "),
            );
        }
        put(&mut f, "apiKeyRequired", self.api_key_required.to_string());
        put_opt(&mut f, "operationName", &self.operation_name);
        for (name, required) in &self.request_parameters {
            put(
                &mut f,
                format!("requestParameters[{name}]"),
                if *required { "required" } else { "optional" },
            );
        }
        put_map(&mut f, "requestModels", &self.request_models);
        put_opt(&mut f, "requestValidator", &self.request_validator);
        for (status, r) in &self.responses {
            let p = format!("methodResponse[{status}]");
            put(&mut f, p.clone(), "declared");
            for h in &r.headers {
                put(&mut f, format!("{p}.header[{h}]"), "declared");
            }
            put_map(&mut f, &format!("{p}.responseModels"), &r.models);
        }
        if let Some(i) = &self.integration {
            i.add_fields(&mut f);
        }
        f
    }
}

impl IntegrationDefinition {
    fn add_fields(&self, f: &mut Fields) {
        put(f, "integration.type", self.kind.clone());
        put_opt(f, "integration.httpMethod", &self.http_method);
        put_opt(f, "integration.uri", &self.uri);
        put_opt(f, "integration.credentials", &self.credentials);
        put_opt(f, "integration.connectionType", &self.connection_type);
        put_opt(f, "integration.connectionId", &self.connection_id);
        put_map(f, "integration.requestParameters", &self.request_parameters);
        put_map(f, "integration.requestTemplates", &self.request_templates);
        put(
            f,
            "integration.passthroughBehavior",
            self.passthrough_behavior.clone(),
        );
        put_opt(f, "integration.contentHandling", &self.content_handling);
        put(
            f,
            "integration.timeoutInMillis",
            self.timeout_in_millis.to_string(),
        );
        if !self.cache_key_parameters.is_empty() {
            put_opt(f, "integration.cacheNamespace", &self.cache_namespace);
            put(
                f,
                "integration.cacheKeyParameters",
                self.cache_key_parameters.join(", "),
            );
        }
        if self.tls_insecure_skip_verification {
            put(f, "integration.tlsConfig.insecureSkipVerification", "true");
        }
        for (pattern, r) in &self.responses {
            let p = format!("integrationResponse[{pattern}]");
            put(f, format!("{p}.statusCode"), r.status_code.clone());
            put_map(
                f,
                &format!("{p}.responseParameters"),
                &r.response_parameters,
            );
            put_map(f, &format!("{p}.responseTemplates"), &r.response_templates);
            put_opt(f, &format!("{p}.contentHandling"), &r.content_handling);
        }
    }
}

impl AuthorizerDefinition {
    pub fn fields(&self) -> Fields {
        let mut f = Fields::new();
        put(&mut f, "type", self.kind.clone());
        put_opt(&mut f, "authorizerUri", &self.authorizer_uri);
        put_opt(
            &mut f,
            "authorizerCredentials",
            &self.authorizer_credentials,
        );
        put_opt(&mut f, "identitySource", &self.identity_source);
        put_opt(
            &mut f,
            "identityValidationExpression",
            &self.identity_validation_expression,
        );
        put(
            &mut f,
            "authorizerResultTtlInSeconds",
            self.result_ttl_in_seconds.to_string(),
        );
        if !self.provider_arns.is_empty() {
            put(&mut f, "providerARNs", self.provider_arns.join(", "));
        }
        f
    }
}

impl ValidatorDefinition {
    pub fn fields(&self) -> Fields {
        let mut f = Fields::new();
        put(
            &mut f,
            "validateRequestBody",
            self.validate_request_body.to_string(),
        );
        put(
            &mut f,
            "validateRequestParameters",
            self.validate_request_parameters.to_string(),
        );
        f
    }
}

impl GatewayResponseDefinition {
    pub fn fields(&self) -> Fields {
        let mut f = Fields::new();
        put_opt(&mut f, "statusCode", &self.status_code);
        put_map(&mut f, "responseParameters", &self.response_parameters);
        put_map(&mut f, "responseTemplates", &self.response_templates);
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn policies_compare_by_content_not_by_form() {
        let object = json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*",
            "Action":"execute-api:Invoke","Resource":"execute-api:/*"}]});
        let stored = Value::String(
            "{\\\"Statement\\\":[{\\\"Resource\\\":\\\"arn:aws:execute-api:us-east-1:123456789012:abc123/*\\\",\\\"Action\\\":\\\"execute-api:Invoke\\\",\\\"Principal\\\":\\\"*\\\",\\\"Effect\\\":\\\"Allow\\\"}],\\\"Version\\\":\\\"2012-10-17\\\"}".into(),
        );
        assert_eq!(normalise_policy(&object), normalise_policy(&stored));
        assert_eq!(normalise_policy(&Value::Null), None);
        // The long form names the same resources in every partition.
        let china = json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*",
            "Action":"execute-api:Invoke","Resource":"arn:aws-cn:execute-api:cn-north-1:1:abc123/*"}]});
        assert_eq!(normalise_policy(&object), normalise_policy(&china));
    }

    #[test]
    fn schemas_compare_without_schema_uri_and_with_any_ref_form() {
        let working = json!({"$schema":"http://json-schema.org/draft-04/schema#","type":"object",
            "properties":{"a":{"$ref":"https://apigateway.amazonaws.com/restapis/abc/models/Pet"}}});
        let exported =
            json!({"type":"object","properties":{"a":{"$ref":"#/components/schemas/Pet"}}});
        let swagger = json!({"type":"object","properties":{"a":{"$ref":"#/definitions/Pet"}}});
        assert_eq!(normalise_schema(&working), normalise_schema(&exported));
        assert_eq!(normalise_schema(&swagger), normalise_schema(&exported));
        assert_ne!(
            normalise_schema(&json!({"type":"object"})),
            normalise_schema(&json!({"type":"string"}))
        );
    }

    #[test]
    fn identity_sources_and_multi_value_parameters_are_normalised() {
        assert_eq!(
            normalise_identity_source("method.request.header.A,method.request.querystring.b"),
            "method.request.header.A, method.request.querystring.b"
        );
        assert_eq!(
            normalise_request_parameter("method.request.multivaluequerystring.x"),
            "method.request.querystring.x"
        );
    }

    #[test]
    fn referenced_models_follow_references_between_models() {
        let mut d = ApiDefinition::default();
        d.models.insert(
            "Pets".into(),
            normalise_schema(&json!({"type":"array","items":{"$ref":"#/definitions/Pet"}})),
        );
        d.models
            .insert("Pet".into(), normalise_schema(&json!({"type":"object"})));
        d.models
            .insert("Error".into(), normalise_schema(&json!({"type":"object"})));
        let mut m = MethodDefinition::default();
        m.responses.insert(
            "200".into(),
            MethodResponseDefinition {
                headers: BTreeSet::new(),
                models: BTreeMap::from([("application/json".into(), "Pets".into())]),
            },
        );
        d.routes.insert(RouteKey::new("GET", "/pets"), m);
        let refs: Vec<&str> = d.referenced_models().into_iter().collect();
        assert_eq!(refs, ["Pet", "Pets"]);
    }
}
