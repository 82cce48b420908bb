//! Reads a stage's export (GetExport, OpenAPI 3.0 or Swagger 2.0, with API Gateway's extensions) into
//! the comparable [`ApiDefinition`]: every `x-amazon-apigateway-*` extension that carries something a
//! deployment freezes. Pure: no I/O.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::model::RouteKey;
use crate::model::definition::{
    ApiDefinition, ApiSettings, AuthorizerDefinition, DEFAULT_AUTHORIZER_TTL, DEFAULT_TIMEOUT_MS,
    Fields, GatewayResponseDefinition, IntegrationDefinition, IntegrationResponseDefinition,
    MethodDefinition, MethodResponseDefinition, ValidatorDefinition, documentation_fields,
    documentation_location, model_ref_name, non_empty, normalise_identity_source, normalise_policy,
    normalise_request_parameter, normalise_schema, sorted, upper_opt, upper_or,
};

const VERBS: [&str; 7] = ["get", "put", "post", "delete", "options", "head", "patch"];

/// How a security scheme of the export authorises.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Scheme {
    Sigv4,
    ApiKey,
    /// A Lambda or Cognito authorizer: its type and name.
    Authorizer {
        cognito: bool,
        name: String,
    },
}

fn obj(v: Option<&Value>) -> Option<&Map<String, Value>> {
    v.and_then(Value::as_object)
}

fn string(v: Option<&Value>) -> Option<String> {
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

fn string_map(v: Option<&Value>) -> BTreeMap<String, String> {
    obj(v)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| string(Some(v)).map(|s| (k.clone(), s)))
                .collect()
        })
        .unwrap_or_default()
}

fn string_list(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|s| string(Some(s))).collect())
        .unwrap_or_default()
}

/// Parses an export. Fails only when the document has no `paths` object.
pub fn parse_export(doc: &Value) -> Result<ApiDefinition, String> {
    let paths = obj(doc.get("paths")).ok_or("the export has no \"paths\" object")?;
    let swagger = doc.get("swagger").is_some();
    let schemes_obj = if swagger {
        obj(doc.get("securityDefinitions"))
    } else {
        obj(doc.get("components").and_then(|c| c.get("securitySchemes")))
    };
    let mut schemes: BTreeMap<String, Scheme> = BTreeMap::new();
    let mut authorizers = BTreeMap::new();
    for (name, s) in schemes_obj.into_iter().flatten() {
        let authtype = s
            .get("x-amazon-apigateway-authtype")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if let Some(a) = obj(s.get("x-amazon-apigateway-authorizer")) {
            let kind = upper_or(a.get("type").and_then(Value::as_str), "TOKEN");
            let cognito = kind == "COGNITO_USER_POOLS";
            // A TOKEN or Cognito authorizer's source is the header the scheme names.
            let identity_source = string(a.get("identitySource")).or_else(|| {
                (kind != "REQUEST")
                    .then(|| s.get("name").and_then(Value::as_str))
                    .flatten()
                    .map(|h| format!("method.request.header.{h}"))
            });
            authorizers.insert(
                name.clone(),
                AuthorizerDefinition {
                    kind,
                    authorizer_uri: non_empty(a.get("authorizerUri").and_then(Value::as_str)),
                    authorizer_credentials: non_empty(
                        a.get("authorizerCredentials").and_then(Value::as_str),
                    ),
                    identity_source: identity_source.map(|s| normalise_identity_source(&s)),
                    identity_validation_expression: non_empty(
                        a.get("identityValidationExpression")
                            .and_then(Value::as_str),
                    ),
                    result_ttl_in_seconds: int(a.get("authorizerResultTtlInSeconds"))
                        .unwrap_or(DEFAULT_AUTHORIZER_TTL),
                    provider_arns: sorted(string_list(a.get("providerARNs"))),
                },
            );
            schemes.insert(
                name.clone(),
                Scheme::Authorizer {
                    cognito,
                    name: name.clone(),
                },
            );
        } else if authtype.eq_ignore_ascii_case("awsSigv4") {
            schemes.insert(name.clone(), Scheme::Sigv4);
        } else if s.get("type").and_then(Value::as_str) == Some("apiKey") {
            schemes.insert(name.clone(), Scheme::ApiKey);
        }
    }
    let root_security = doc.get("security");
    let root_validator = string(doc.get("x-amazon-apigateway-request-validator"));
    let mut routes = BTreeMap::new();
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        let path_params = item.get("parameters");
        for (key, op) in item {
            let verb = if key == "x-amazon-apigateway-any-method" {
                "ANY".to_owned()
            } else if VERBS.contains(&key.as_str()) {
                key.to_ascii_uppercase()
            } else {
                continue;
            };
            let method = parse_operation(
                op,
                path_params,
                swagger,
                doc,
                &schemes,
                root_security,
                root_validator.as_deref(),
            );
            routes.insert(RouteKey::new(verb, path.clone()), method);
        }
    }
    let models_obj = if swagger {
        obj(doc.get("definitions"))
    } else {
        obj(doc.get("components").and_then(|c| c.get("schemas")))
    };
    let models = models_obj
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), normalise_schema(v)))
        .collect();
    let request_validators = obj(doc.get("x-amazon-apigateway-request-validators"))
        .into_iter()
        .flatten()
        .map(|(name, v)| {
            (
                name.clone(),
                ValidatorDefinition {
                    validate_request_body: v
                        .get("validateRequestBody")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                    validate_request_parameters: v
                        .get("validateRequestParameters")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                },
            )
        })
        .collect();
    let gateway_responses = obj(doc.get("x-amazon-apigateway-gateway-responses"))
        .into_iter()
        .flatten()
        .map(|(kind, v)| {
            (
                kind.clone(),
                GatewayResponseDefinition {
                    status_code: string(v.get("statusCode")),
                    response_parameters: string_map(v.get("responseParameters")),
                    response_templates: string_map(v.get("responseTemplates")),
                },
            )
        })
        .collect();
    let endpoint = obj(doc.get("x-amazon-apigateway-endpoint-configuration"));
    let settings = ApiSettings {
        policy: doc
            .get("x-amazon-apigateway-policy")
            .and_then(normalise_policy),
        binary_media_types: sorted(string_list(
            doc.get("x-amazon-apigateway-binary-media-types"),
        )),
        minimum_compression_size: int(doc.get("x-amazon-apigateway-minimum-compression-size")),
        api_key_source: upper_or(
            doc.get("x-amazon-apigateway-api-key-source")
                .and_then(Value::as_str),
            "HEADER",
        ),
        disable_execute_api_endpoint: endpoint
            .and_then(|e| e.get("disableExecuteApiEndpoint"))
            .and_then(Value::as_bool)
            .unwrap_or(false),
        vpc_endpoint_ids: sorted(string_list(endpoint.and_then(|e| e.get("vpcEndpointIds")))),
    };
    Ok(ApiDefinition {
        settings,
        routes,
        authorizers,
        models,
        request_validators,
        gateway_responses,
        documentation: documentation(doc),
    })
}

/// `x-amazon-apigateway-documentation`: the parts of the documentation version published to the
/// stage, by location. None when the export does not carry it.
fn documentation(doc: &Value) -> Option<BTreeMap<String, Fields>> {
    let d = obj(doc.get("x-amazon-apigateway-documentation"))?;
    let parts = d
        .get("documentationParts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|p| {
            let l = p.get("location");
            let field = |k: &str| l.and_then(|l| l.get(k)).and_then(Value::as_str);
            (
                documentation_location(
                    field("type").unwrap_or(""),
                    field("path"),
                    field("method"),
                    field("statusCode"),
                    field("name"),
                ),
                documentation_fields(p.get("properties").unwrap_or(&Value::Null)),
            )
        })
        .collect();
    Some(parts)
}

fn ref_model(schema: Option<&Value>) -> Option<String> {
    schema
        .and_then(|s| s.get("$ref"))
        .and_then(Value::as_str)
        .and_then(model_ref_name)
        .map(ToOwned::to_owned)
}

/// The content types a Swagger operation consumes or produces (the API's own list when it has none).
fn media_types(op: &Value, doc: &Value, key: &str) -> Vec<String> {
    let own = string_list(op.get(key));
    if !own.is_empty() {
        return own;
    }
    let root = string_list(doc.get(key));
    if root.is_empty() {
        vec!["application/json".into()]
    } else {
        root
    }
}

fn parse_operation(
    op: &Value,
    path_params: Option<&Value>,
    swagger: bool,
    doc: &Value,
    schemes: &BTreeMap<String, Scheme>,
    root_security: Option<&Value>,
    root_validator: Option<&str>,
) -> MethodDefinition {
    let mut m = MethodDefinition {
        authorization_type: "NONE".into(),
        operation_name: non_empty(op.get("operationId").and_then(Value::as_str)),
        request_validator: string(op.get("x-amazon-apigateway-request-validator"))
            .or_else(|| root_validator.map(ToOwned::to_owned)),
        ..MethodDefinition::default()
    };
    // Security: each requirement names a scheme, with scopes for Cognito.
    let security = op.get("security").or(root_security);
    for requirement in security.and_then(Value::as_array).into_iter().flatten() {
        for (name, scopes) in requirement.as_object().into_iter().flatten() {
            match schemes.get(name) {
                Some(Scheme::Sigv4) => m.authorization_type = "AWS_IAM".into(),
                Some(Scheme::ApiKey) => m.api_key_required = true,
                Some(Scheme::Authorizer { cognito, name }) => {
                    m.authorization_type = if *cognito {
                        "COGNITO_USER_POOLS".into()
                    } else {
                        "CUSTOM".into()
                    };
                    m.authorizer = Some(name.clone());
                    m.authorization_scopes = sorted(string_list(Some(scopes)));
                }
                None => {}
            }
        }
    }
    if let Some(t) = op
        .get("x-amazon-apigateway-auth")
        .and_then(|a| a.get("type"))
        .and_then(Value::as_str)
        && t.eq_ignore_ascii_case("aws_iam")
    {
        m.authorization_type = "AWS_IAM".into();
    }
    // Parameters: the path item's, then the operation's.
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
        let required = p.get("required").and_then(Value::as_bool).unwrap_or(false);
        match p.get("in").and_then(Value::as_str) {
            Some("query") => {
                m.request_parameters
                    .insert(format!("method.request.querystring.{name}"), required);
            }
            Some("header") => {
                m.request_parameters
                    .insert(format!("method.request.header.{name}"), required);
            }
            Some("body") if swagger => {
                if let Some(model) = ref_model(p.get("schema")) {
                    for ct in media_types(op, doc, "consumes") {
                        m.request_models.insert(ct, model.clone());
                    }
                }
            }
            _ => {}
        }
    }
    m.request_parameters = m
        .request_parameters
        .into_iter()
        .map(|(k, v)| (normalise_request_parameter(&k), v))
        .collect();
    if let Some(content) = obj(op.get("requestBody").and_then(|b| b.get("content"))) {
        for (ct, media) in content {
            if let Some(model) = ref_model(media.get("schema")) {
                m.request_models.insert(ct.clone(), model);
            }
        }
    }
    for (status, r) in obj(op.get("responses")).into_iter().flatten() {
        let mut resp = MethodResponseDefinition {
            headers: obj(r.get("headers"))
                .map(|h| h.keys().cloned().collect())
                .unwrap_or_default(),
            models: BTreeMap::new(),
        };
        if swagger {
            if let Some(model) = ref_model(r.get("schema")) {
                for ct in media_types(op, doc, "produces") {
                    resp.models.insert(ct, model.clone());
                }
            }
        } else {
            for (ct, media) in obj(r.get("content")).into_iter().flatten() {
                if let Some(model) = ref_model(media.get("schema")) {
                    resp.models.insert(ct.clone(), model);
                }
            }
        }
        m.responses.insert(status.clone(), resp);
    }
    m.integration = obj(op.get("x-amazon-apigateway-integration")).map(parse_integration);
    m
}

fn parse_integration(i: &Map<String, Value>) -> IntegrationDefinition {
    let get = |k: &str| i.get(k);
    let responses = obj(get("responses"))
        .into_iter()
        .flatten()
        .map(|(pattern, r)| {
            (
                pattern.clone(),
                IntegrationResponseDefinition {
                    status_code: string(r.get("statusCode")).unwrap_or_default(),
                    response_parameters: string_map(r.get("responseParameters")),
                    response_templates: string_map(r.get("responseTemplates")),
                    content_handling: upper_opt(r.get("contentHandling").and_then(Value::as_str)),
                },
            )
        })
        .collect();
    IntegrationDefinition {
        kind: upper_or(get("type").and_then(Value::as_str), ""),
        http_method: upper_opt(get("httpMethod").and_then(Value::as_str)),
        uri: non_empty(get("uri").and_then(Value::as_str)),
        credentials: non_empty(get("credentials").and_then(Value::as_str)),
        connection_type: upper_opt(get("connectionType").and_then(Value::as_str))
            .filter(|c| c != "INTERNET"),
        connection_id: non_empty(get("connectionId").and_then(Value::as_str)),
        request_parameters: string_map(get("requestParameters")),
        request_templates: string_map(get("requestTemplates")),
        passthrough_behavior: upper_or(
            get("passthroughBehavior").and_then(Value::as_str),
            "WHEN_NO_MATCH",
        ),
        content_handling: upper_opt(get("contentHandling").and_then(Value::as_str)),
        timeout_in_millis: int(get("timeoutInMillis")).unwrap_or(DEFAULT_TIMEOUT_MS),
        cache_namespace: non_empty(get("cacheNamespace").and_then(Value::as_str)),
        cache_key_parameters: sorted(string_list(get("cacheKeyParameters"))),
        tls_insecure_skip_verification: get("tlsConfig")
            .and_then(|t| t.get("insecureSkipVerification"))
            .and_then(Value::as_bool)
            .unwrap_or(false),
        responses,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The shape API Gateway gives a CORS preflight, a Lambda proxy behind a TOKEN authorizer and an
    /// IAM route, with the API-level extensions (as in AWS's documented and recorded exports).
    fn export() -> Value {
        json!({
          "openapi": "3.0.1",
          "info": {"title": "t", "version": "2026-11-24T15:58:11Z"},
          "paths": {
            "/pets": {
              "get": {
                "parameters": [{"name": "type", "in": "query", "schema": {"type": "string"}},
                               {"name": "X-Trace", "in": "header", "required": true, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "200 response",
                  "headers": {"Access-Control-Allow-Origin": {"schema": {"type": "string"}}},
                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pets"}}}}},
                "security": [{"tokenAuth": []}, {"api_key": []}],
                "x-amazon-apigateway-request-validator": "params",
                "x-amazon-apigateway-integration": {
                  "type": "aws_proxy", "httpMethod": "POST",
                  "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:f/invocations",
                  "passthroughBehavior": "when_no_match", "timeoutInMillis": 5000}
              },
              "options": {
                "responses": {"200": {"description": "200 response", "headers": {
                  "Access-Control-Allow-Origin": {"schema": {"type": "string"}}}, "content": {}}},
                "x-amazon-apigateway-integration": {"type": "mock",
                  "responses": {"default": {"statusCode": "200", "responseParameters": {
                    "method.response.header.Access-Control-Allow-Origin": "'*'"}}},
                  "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
                  "passthroughBehavior": "when_no_match"}
              }
            },
            "/{proxy+}": {
              "x-amazon-apigateway-any-method": {
                "parameters": [{"name": "proxy", "in": "path", "required": true, "schema": {"type": "string"}}],
                "security": [{"sigv4": []}],
                "x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST",
                  "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${stageVariables.fn}/invocations",
                  "passthroughBehavior": "when_no_match"}
              }
            }
          },
          "components": {
            "schemas": {"Pets": {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}},
                        "Pet": {"type": "object", "title": "Pet"}},
            "securitySchemes": {
              "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"},
              "sigv4": {"type": "apiKey", "name": "Authorization", "in": "header",
                        "x-amazon-apigateway-authtype": "awsSigv4"},
              "tokenAuth": {"type": "apiKey", "name": "Authorization", "in": "header",
                "x-amazon-apigateway-authtype": "custom",
                "x-amazon-apigateway-authorizer": {"type": "token",
                  "authorizerUri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:auth/invocations",
                  "authorizerResultTtlInSeconds": 60}}
            }
          },
          "x-amazon-apigateway-policy": {"Version": "2012-10-17", "Statement": []},
          "x-amazon-apigateway-binary-media-types": ["image/png", "application/octet-stream"],
          "x-amazon-apigateway-minimum-compression-size": 1024,
          "x-amazon-apigateway-api-key-source": "AUTHORIZER",
          "x-amazon-apigateway-endpoint-configuration": {"disableExecuteApiEndpoint": true},
          "x-amazon-apigateway-request-validators": {"params": {"validateRequestBody": false, "validateRequestParameters": true}},
          "x-amazon-apigateway-gateway-responses": {"DEFAULT_4XX": {"statusCode": 400,
            "responseParameters": {"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"},
            "responseTemplates": {"application/json": "{\"message\":$context.error.messageString}"}}}
        })
    }

    #[test]
    fn every_extension_is_read() {
        let d = parse_export(&export()).unwrap();
        let get = &d.routes[&RouteKey::new("GET", "/pets")];
        assert_eq!(get.authorization_type, "CUSTOM");
        assert_eq!(get.authorizer.as_deref(), Some("tokenAuth"));
        assert!(get.api_key_required);
        assert_eq!(get.request_validator.as_deref(), Some("params"));
        assert_eq!(
            get.request_parameters,
            BTreeMap::from([
                ("method.request.header.X-Trace".into(), true),
                ("method.request.querystring.type".into(), false)
            ])
        );
        assert_eq!(get.responses["200"].models["application/json"], "Pets");
        let i = get.integration.as_ref().unwrap();
        assert_eq!((i.kind.as_str(), i.timeout_in_millis), ("AWS_PROXY", 5000));
        let options = &d.routes[&RouteKey::new("OPTIONS", "/pets")];
        let mock = options.integration.as_ref().unwrap();
        assert_eq!(mock.kind, "MOCK");
        assert_eq!(mock.timeout_in_millis, DEFAULT_TIMEOUT_MS);
        assert_eq!(mock.responses["default"].status_code, "200");
        let any = &d.routes[&RouteKey::new("ANY", "/{proxy+}")];
        assert_eq!(any.authorization_type, "AWS_IAM");
        assert!(
            any.request_parameters.is_empty(),
            "path parameters follow the path"
        );
        let auth = &d.authorizers["tokenAuth"];
        assert_eq!(auth.kind, "TOKEN");
        assert_eq!(
            auth.identity_source.as_deref(),
            Some("method.request.header.Authorization")
        );
        assert_eq!(auth.result_ttl_in_seconds, 60);
        assert!(d.models["Pets"].contains("\"model:Pet\""));
        assert_eq!(
            d.settings.binary_media_types,
            ["application/octet-stream", "image/png"]
        );
        assert_eq!(d.settings.minimum_compression_size, Some(1024));
        assert_eq!(d.settings.api_key_source, "AUTHORIZER");
        assert!(d.settings.disable_execute_api_endpoint);
        assert!(d.settings.policy.is_some());
        assert!(d.request_validators["params"].validate_request_parameters);
        assert_eq!(
            d.gateway_responses["DEFAULT_4XX"].status_code.as_deref(),
            Some("400")
        );
    }

    #[test]
    fn swagger_bodies_and_responses_take_their_media_types() {
        let doc = json!({
          "swagger": "2.0", "basePath": "/s", "paths": {"/": {"post": {
            "consumes": ["application/json"], "produces": ["application/json"],
            "parameters": [{"in": "body", "name": "Pet", "required": true, "schema": {"$ref": "#/definitions/Pet"}}],
            "responses": {"200": {"description": "200 response", "schema": {"$ref": "#/definitions/Empty"}}},
            "x-amazon-apigateway-integration": {"type": "mock", "passthroughBehavior": "never"}}}},
          "definitions": {"Pet": {"type": "object"}, "Empty": {"type": "object", "title": "Empty Schema"}}
        });
        let d = parse_export(&doc).unwrap();
        let post = &d.routes[&RouteKey::new("POST", "/")];
        assert_eq!(post.request_models["application/json"], "Pet");
        assert_eq!(post.responses["200"].models["application/json"], "Empty");
        assert_eq!(
            post.integration.as_ref().unwrap().passthrough_behavior,
            "NEVER"
        );
        assert_eq!(d.settings.api_key_source, "HEADER");
    }

    #[test]
    fn an_export_without_paths_is_an_error() {
        assert!(parse_export(&json!({"openapi": "3.0.1"})).is_err());
    }
}
