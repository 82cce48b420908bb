//! The API-level elements a deployment freezes besides resources: authorizers, models, request
//! validators and gateway responses (customised ones; GetGatewayResponses lists AWS's defaults for
//! the rest, flagged `defaultResponse`).

use std::collections::BTreeMap;

use axum::http::{Method as Verb, StatusCode};
use axum::response::Response;

use super::Ctx;
use super::model::{Authorizer, GatewayResponse, Model, RequestValidator, RestApi};
use super::ops::{Result, api_mut, body, fresh_id, no_content, ok, page, read, unsupported, write};
use super::patch;
use super::wire::{
    CreateAuthorizerIn, CreateModelIn, CreateRequestValidatorIn, PatchIn, PutGatewayResponseIn,
    render_authorizer, render_gateway_response, render_model, render_validator,
};
use crate::local::common::{Req, RestJsonError};

// Authorizers.

fn missing_authorizer() -> RestJsonError {
    RestJsonError::not_found("Invalid Authorizer identifier specified")
}

pub(super) fn check_authorizer(a: &Authorizer) -> Result<()> {
    if a.name.trim().is_empty() {
        return Err(RestJsonError::bad_request(
            "Invalid authorizer name specified",
        ));
    }
    match a.kind.as_str() {
        "TOKEN" | "REQUEST" => {
            if a.authorizer_uri.is_none() {
                return Err(RestJsonError::bad_request(
                    "Invalid Authorizer URI specified: null",
                ));
            }
        }
        "COGNITO_USER_POOLS" => {
            if a.provider_arns.is_empty() {
                return Err(RestJsonError::bad_request(
                    "Invalid Cognito User Pool ARNs specified: []",
                ));
            }
        }
        other => {
            return Err(RestJsonError::bad_request(format!(
                "Invalid authorizer type specified: {other}. Valid options are TOKEN,REQUEST,COGNITO_USER_POOLS"
            )));
        }
    }
    if a.kind == "TOKEN" && a.identity_source.is_none() {
        return Err(RestJsonError::bad_request(
            "Invalid identity source specified: null",
        ));
    }
    if let Some(ttl) = a.authorizer_result_ttl_in_seconds
        && !(0..=3600).contains(&ttl)
    {
        return Err(RestJsonError::bad_request(
            "Invalid authorizer result TTL specified: must be between 0 and 3600",
        ));
    }
    Ok(())
}

pub(super) fn authorizers_call(cx: &Ctx<'_>, req: &Req, id: &str) -> Result<Response> {
    match req.method {
        Verb::GET => read(cx, id, |api| {
            let items = api.authorizers.values().map(render_authorizer).collect();
            Ok(ok(StatusCode::OK, page(items, req)))
        }),
        Verb::POST => {
            let input: CreateAuthorizerIn = body(req)?;
            // AWS checks the authorizer before it looks the API up; an API that does not exist is
            // then its 409 (answered by the route).
            let kind = input.kind.clone().unwrap_or_default();
            let mut a = Authorizer {
                id: String::new(),
                name: input.name.clone().unwrap_or_default(),
                // Lambda authorizers cache for 300 s unless told otherwise.
                authorizer_result_ttl_in_seconds: input
                    .authorizer_result_ttl_in_seconds
                    .or((kind != "COGNITO_USER_POOLS").then_some(300)),
                kind,
                provider_arns: input.provider_arns.clone(),
                auth_type: input.auth_type.clone(),
                authorizer_uri: input.authorizer_uri.clone(),
                authorizer_credentials: input.authorizer_credentials.clone(),
                identity_source: input.identity_source.clone(),
                identity_validation_expression: input.identity_validation_expression.clone(),
            };
            check_authorizer(&a)?;
            let value = write(cx, id, |state| {
                let api = api_mut(state, id)?;
                a.id = fresh_id(&api.authorizers);
                let value = render_authorizer(&a);
                api.authorizers.insert(a.id.clone(), a);
                Ok(value)
            })?;
            Ok(ok(StatusCode::CREATED, value))
        }
        _ => Err(unsupported(req)),
    }
}

pub(super) fn authorizer_call(cx: &Ctx<'_>, req: &Req, id: &str, aid: &str) -> Result<Response> {
    match req.method {
        Verb::GET => read(cx, id, |api| {
            let a = api.authorizers.get(aid).ok_or_else(missing_authorizer)?;
            Ok(ok(StatusCode::OK, render_authorizer(a)))
        }),
        Verb::PATCH => {
            let input: PatchIn = body(req)?;
            patch::check_ops(&input.patch_operations, "updateAuthorizerInput")?;
            let value = write(cx, id, |state| {
                let api = api_mut(state, id)?;
                let mut a = api
                    .authorizers
                    .get(aid)
                    .ok_or_else(missing_authorizer)?
                    .clone();
                for op in &input.patch_operations {
                    if let Some(arn) = patch::key(op, "/providerARNs") {
                        patch::list_member(&mut a.provider_arns, op, arn)?;
                        continue;
                    }
                    match (op.op.as_str(), op.path.as_str()) {
                        ("replace", "/name") => a.name = op.value.clone().unwrap_or_default(),
                        ("replace", "/type") => a.kind = op.value.clone().unwrap_or_default(),
                        ("replace", "/authType") => a.auth_type = patch::optional(op),
                        ("replace", "/authorizerUri") => a.authorizer_uri = patch::optional(op),
                        ("replace", "/authorizerCredentials") => {
                            a.authorizer_credentials = patch::optional(op);
                        }
                        ("replace", "/identitySource") => a.identity_source = patch::optional(op),
                        ("replace", "/identityValidationExpression") => {
                            a.identity_validation_expression = patch::optional(op);
                        }
                        ("replace", "/authorizerResultTtlInSeconds") => {
                            a.authorizer_result_ttl_in_seconds = Some(
                                op.value
                                    .as_deref()
                                    .and_then(|v| v.parse().ok())
                                    .ok_or_else(|| {
                                        RestJsonError::bad_request(
                                            "Invalid authorizer result TTL specified: must be between 0 and 3600",
                                        )
                                    })?,
                            );
                        }
                        _ => return Err(patch::bad_path(op)),
                    }
                }
                check_authorizer(&a)?;
                let value = render_authorizer(&a);
                api.authorizers.insert(aid.to_owned(), a);
                Ok(value)
            })?;
            Ok(ok(StatusCode::OK, value))
        }
        Verb::DELETE => {
            write(cx, id, |state| {
                let api = api_mut(state, id)?;
                api.authorizers.get(aid).ok_or_else(missing_authorizer)?;
                if let Some(route) =
                    methods(api).find(|(_, m)| m.authorizer_id.as_deref() == Some(aid))
                {
                    return Err(RestJsonError::conflict(format!(
                        "Cannot delete authorizer '{}', is referenced in method: {}",
                        api.authorizers[aid].name, route.0
                    )));
                }
                api.authorizers.remove(aid);
                Ok(())
            })?;
            Ok(no_content(StatusCode::ACCEPTED))
        }
        _ => Err(unsupported(req)),
    }
}

/// Every method of the working copy with its `path/VERB`.
fn methods(api: &RestApi) -> impl Iterator<Item = (String, &super::model::Method)> {
    api.resources.values().flat_map(|r| {
        r.methods
            .iter()
            .map(move |(verb, m)| (format!("{}/{verb}", r.path), m))
    })
}

// Models.

fn missing_model(name: &str) -> RestJsonError {
    RestJsonError::not_found(format!("Invalid model name specified: {name}"))
}

/// A model's schema as AWS checks it: present and not blank (whatever the content type), JSON, and
/// not an empty object.
fn check_schema(schema: Option<&str>) -> Result<()> {
    let empty = || {
        RestJsonError::bad_request(
            "Model schema must have at least 1 property or array items defined",
        )
    };
    let Some(schema) = schema.filter(|s| !s.trim().is_empty()) else {
        return Err(empty());
    };
    let v: serde_json::Value = serde_json::from_str(schema).map_err(|e| {
        RestJsonError::bad_request(format!(
            "Validation Result: warnings : [], errors : [Invalid model specified: {e}]"
        ))
    })?;
    if v.as_object().is_some_and(serde_json::Map::is_empty) {
        return Err(empty());
    }
    Ok(())
}

pub(super) fn models_call(cx: &Ctx<'_>, req: &Req, id: &str) -> Result<Response> {
    match req.method {
        Verb::GET => read(cx, id, |api| {
            let items = api.models.values().map(render_model).collect();
            Ok(ok(StatusCode::OK, page(items, req)))
        }),
        Verb::POST => {
            let input: CreateModelIn = body(req)?;
            let name = input.name.clone().unwrap_or_default();
            if name.is_empty() {
                return Err(RestJsonError::bad_request("Model name must be non-empty"));
            }
            if !name.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(RestJsonError::bad_request(
                    "Model name must be alphanumeric",
                ));
            }
            check_schema(input.schema.as_deref())?;
            let value = write(cx, id, |state| {
                let api = api_mut(state, id)?;
                if api.models.contains_key(&name) {
                    return Err(RestJsonError::conflict(
                        "Model name already exists for this REST API",
                    ));
                }
                let m = Model {
                    id: fresh_id(&api.models),
                    name: name.clone(),
                    // AWS leaves an empty description out.
                    description: input.description.clone().filter(|d| !d.is_empty()),
                    schema: input.schema.clone(),
                    content_type: input
                        .content_type
                        .clone()
                        .unwrap_or_else(|| "application/json".into()),
                };
                let value = render_model(&m);
                api.models.insert(name.clone(), m);
                Ok(value)
            })?;
            Ok(ok(StatusCode::CREATED, value))
        }
        _ => Err(unsupported(req)),
    }
}

pub(super) fn model_call(cx: &Ctx<'_>, req: &Req, id: &str, name: &str) -> Result<Response> {
    match req.method {
        Verb::GET => read(cx, id, |api| {
            let m = api.models.get(name).ok_or_else(|| missing_model(name))?;
            Ok(ok(StatusCode::OK, render_model(m)))
        }),
        Verb::PATCH => {
            let input: PatchIn = body(req)?;
            patch::check_ops(&input.patch_operations, "updateModelInput")?;
            let value = write(cx, id, |state| {
                let api = api_mut(state, id)?;
                let mut m = api
                    .models
                    .get(name)
                    .ok_or_else(|| missing_model(name))?
                    .clone();
                for op in &input.patch_operations {
                    match (op.op.as_str(), op.path.as_str()) {
                        ("replace", "/schema") => {
                            check_schema(op.value.as_deref())?;
                            m.schema = op.value.clone();
                        }
                        ("replace", "/description") => m.description = patch::optional(op),
                        ("replace", _) => {
                            return Err(patch::bad_op(op, &["/description", "/schema"]));
                        }
                        _ => return Err(patch::unsupported_op(op)),
                    }
                }
                let value = render_model(&m);
                api.models.insert(name.to_owned(), m);
                Ok(value)
            })?;
            Ok(ok(StatusCode::OK, value))
        }
        Verb::DELETE => {
            write(cx, id, |state| {
                let api = api_mut(state, id)?;
                api.models.get(name).ok_or_else(|| missing_model(name))?;
                // Of several methods using it, AWS's recorded answer names `/test/ANY` over
                // `//ANY`: the last route in path order is named (the rule behind it is not
                // documented), so the answer does not depend on random resource ids.
                let used = methods(api)
                    .filter(|(_, m)| {
                        m.request_models.values().any(|n| n == name)
                            || m.method_responses
                                .values()
                                .any(|r| r.response_models.values().any(|n| n == name))
                    })
                    .map(|(route, _)| route)
                    .max();
                if let Some(route) = used {
                    return Err(RestJsonError::conflict(format!(
                        "Cannot delete model '{name}', is referenced in method request: {route}"
                    )));
                }
                api.models.remove(name);
                Ok(())
            })?;
            Ok(no_content(StatusCode::ACCEPTED))
        }
        _ => Err(unsupported(req)),
    }
}

// Request validators.

fn missing_validator() -> RestJsonError {
    RestJsonError::not_found("Invalid Request Validator identifier specified")
}

pub(super) fn validators_call(cx: &Ctx<'_>, req: &Req, id: &str) -> Result<Response> {
    match req.method {
        Verb::GET => read(cx, id, |api| {
            let items = api
                .request_validators
                .values()
                .map(render_validator)
                .collect();
            Ok(ok(StatusCode::OK, page(items, req)))
        }),
        Verb::POST => {
            let input: CreateRequestValidatorIn = body(req)?;
            let value = write(cx, id, |state| {
                let api = api_mut(state, id)?;
                let v = RequestValidator {
                    id: fresh_id(&api.request_validators),
                    name: input.name.clone().unwrap_or_default(),
                    validate_request_body: input.validate_request_body,
                    validate_request_parameters: input.validate_request_parameters,
                };
                if v.name.trim().is_empty() {
                    return Err(RestJsonError::bad_request(
                        "Request Validator name cannot be blank",
                    ));
                }
                let value = render_validator(&v);
                api.request_validators.insert(v.id.clone(), v);
                Ok(value)
            })?;
            Ok(ok(StatusCode::CREATED, value))
        }
        _ => Err(unsupported(req)),
    }
}

pub(super) fn validator_call(cx: &Ctx<'_>, req: &Req, id: &str, vid: &str) -> Result<Response> {
    match req.method {
        Verb::GET => read(cx, id, |api| {
            let v = api
                .request_validators
                .get(vid)
                .ok_or_else(missing_validator)?;
            Ok(ok(StatusCode::OK, render_validator(v)))
        }),
        Verb::PATCH => {
            let input: PatchIn = body(req)?;
            patch::check_ops(&input.patch_operations, "updateRequestValidatorInput")?;
            let value = write(cx, id, |state| {
                let api = api_mut(state, id)?;
                let mut v = api
                    .request_validators
                    .get(vid)
                    .ok_or_else(missing_validator)?
                    .clone();
                const PATHS: [&str; 3] = [
                    "/name",
                    "/validateRequestParameters",
                    "/validateRequestBody",
                ];
                for op in &input.patch_operations {
                    match (op.op.as_str(), op.path.as_str()) {
                        ("replace", "/name") => {
                            v.name = op
                                .value
                                .clone()
                                .filter(|n| !n.trim().is_empty())
                                .ok_or_else(|| {
                                    RestJsonError::bad_request(
                                        "Request Validator name cannot be blank",
                                    )
                                })?;
                        }
                        ("replace", "/validateRequestBody") => {
                            v.validate_request_body = patch::boolean(op)?;
                        }
                        ("replace", "/validateRequestParameters") => {
                            v.validate_request_parameters = patch::boolean(op)?;
                        }
                        ("replace", _) => return Err(patch::bad_op(op, &PATHS)),
                        _ => return Err(patch::unsupported_op(op)),
                    }
                }
                let value = render_validator(&v);
                api.request_validators.insert(vid.to_owned(), v);
                Ok(value)
            })?;
            Ok(ok(StatusCode::OK, value))
        }
        Verb::DELETE => {
            write(cx, id, |state| {
                let api = api_mut(state, id)?;
                api.request_validators
                    .remove(vid)
                    .map(|_| ())
                    .ok_or_else(missing_validator)
            })?;
            Ok(no_content(StatusCode::ACCEPTED))
        }
        _ => Err(unsupported(req)),
    }
}

// Gateway responses.

/// Every response type with its default status code, in the order GetGatewayResponses lists them.
pub const GATEWAY_RESPONSE_TYPES: [(&str, Option<&str>); 21] = [
    ("ACCESS_DENIED", Some("403")),
    ("API_CONFIGURATION_ERROR", Some("500")),
    ("AUTHORIZER_CONFIGURATION_ERROR", Some("500")),
    ("AUTHORIZER_FAILURE", Some("500")),
    ("BAD_REQUEST_BODY", Some("400")),
    ("BAD_REQUEST_PARAMETERS", Some("400")),
    ("DEFAULT_4XX", None),
    ("DEFAULT_5XX", None),
    ("EXPIRED_TOKEN", Some("403")),
    ("INTEGRATION_FAILURE", Some("504")),
    ("INTEGRATION_TIMEOUT", Some("504")),
    ("INVALID_API_KEY", Some("403")),
    ("INVALID_SIGNATURE", Some("403")),
    ("MISSING_AUTHENTICATION_TOKEN", Some("403")),
    ("QUOTA_EXCEEDED", Some("429")),
    ("REQUEST_TOO_LARGE", Some("413")),
    ("RESOURCE_NOT_FOUND", Some("404")),
    ("THROTTLED", Some("429")),
    ("UNAUTHORIZED", Some("401")),
    ("UNSUPPORTED_MEDIA_TYPE", Some("415")),
    ("WAF_FILTERED", Some("403")),
];

/// The body template of every default gateway response.
pub const DEFAULT_GATEWAY_TEMPLATE: &str = "{\"message\":$context.error.messageString}";

/// API Gateway's own answer for a response type nobody customised.
pub fn default_gateway_response(kind: &str) -> Option<GatewayResponse> {
    let (_, status) = GATEWAY_RESPONSE_TYPES.iter().find(|(k, _)| *k == kind)?;
    Some(GatewayResponse {
        response_type: kind.to_owned(),
        status_code: status.map(ToOwned::to_owned),
        response_parameters: BTreeMap::new(),
        response_templates: BTreeMap::from([(
            "application/json".to_owned(),
            DEFAULT_GATEWAY_TEMPLATE.to_owned(),
        )]),
    })
}

fn check_response_type(kind: &str) -> Result<GatewayResponse> {
    default_gateway_response(kind).ok_or_else(|| {
        let all = [
            "REQUEST_TOO_LARGE", "RESOURCE_NOT_FOUND", "AUTHORIZER_CONFIGURATION_ERROR",
            "MISSING_AUTHENTICATION_TOKEN", "BAD_REQUEST_BODY", "INVALID_SIGNATURE",
            "INVALID_API_KEY", "BAD_REQUEST_PARAMETERS", "AUTHORIZER_FAILURE", "UNAUTHORIZED",
            "INTEGRATION_TIMEOUT", "ACCESS_DENIED", "DEFAULT_4XX", "DEFAULT_5XX", "WAF_FILTERED",
            "QUOTA_EXCEEDED", "THROTTLED", "API_CONFIGURATION_ERROR", "UNSUPPORTED_MEDIA_TYPE",
            "INTEGRATION_FAILURE", "EXPIRED_TOKEN",
        ];
        RestJsonError::new(
            StatusCode::BAD_REQUEST,
            "ValidationException",
            format!(
                "1 validation error detected: Value '{kind}' at 'responseType' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
                all.join(", ")
            ),
        )
    })
}

pub(super) fn gateway_responses_list(cx: &Ctx<'_>, req: &Req, id: &str) -> Result<Response> {
    read(cx, id, |api| {
        let items = GATEWAY_RESPONSE_TYPES
            .iter()
            .filter_map(|(kind, _)| match api.gateway_responses.get(*kind) {
                Some(g) => Some(render_gateway_response(g, false)),
                None => default_gateway_response(kind).map(|g| render_gateway_response(&g, true)),
            })
            .collect();
        Ok(ok(StatusCode::OK, page(items, req)))
    })
}

pub(super) fn gateway_response_call(
    cx: &Ctx<'_>,
    req: &Req,
    id: &str,
    kind: &str,
) -> Result<Response> {
    let default = check_response_type(kind)?;
    match req.method {
        Verb::GET => read(cx, id, |api| {
            Ok(ok(
                StatusCode::OK,
                match api.gateway_responses.get(kind) {
                    Some(g) => render_gateway_response(g, false),
                    None => render_gateway_response(&default, true),
                },
            ))
        }),
        Verb::PUT => {
            let input: PutGatewayResponseIn = body(req)?;
            let g = GatewayResponse {
                response_type: kind.to_owned(),
                status_code: input.status_code.or(default.status_code),
                response_parameters: input.response_parameters.unwrap_or_default(),
                response_templates: input
                    .response_templates
                    .unwrap_or(default.response_templates),
            };
            let value = write(cx, id, |state| {
                let api = api_mut(state, id)?;
                let value = render_gateway_response(&g, false);
                api.gateway_responses.insert(kind.to_owned(), g);
                Ok(value)
            })?;
            Ok(ok(StatusCode::CREATED, value))
        }
        Verb::PATCH => {
            let input: PatchIn = body(req)?;
            patch::check_ops(&input.patch_operations, "updateGatewayResponseInput")?;
            let value = write(cx, id, |state| {
                let api = api_mut(state, id)?;
                // Updating a default response customises it.
                let mut g = api.gateway_responses.get(kind).cloned().unwrap_or(default);
                for op in &input.patch_operations {
                    if let Some(name) = patch::key(op, "/responseParameters") {
                        if op.op != "remove" && op.value.as_deref().is_none_or(str::is_empty) {
                            return Err(RestJsonError::bad_request(
                                "Invalid null or empty value in responseParameters",
                            ));
                        }
                        patch::string_member(&mut g.response_parameters, op, name, || {
                            RestJsonError::not_found("Invalid parameter name specified")
                        })?;
                    } else if let Some(content_type) = patch::key(op, "/responseTemplates") {
                        if op.op != "remove" && op.value.as_deref().is_none_or(str::is_empty) {
                            return Err(RestJsonError::bad_request(
                                "Invalid null or empty value in responseTemplates",
                            ));
                        }
                        patch::string_member(&mut g.response_templates, op, content_type, || {
                            RestJsonError::not_found("Invalid parameter name specified")
                        })?;
                    } else {
                        match (op.op.as_str(), op.path.as_str()) {
                            ("replace", "/statusCode") => g.status_code = patch::optional(op),
                            _ => return Err(patch::bad_path(op)),
                        }
                    }
                }
                let value = render_gateway_response(&g, false);
                api.gateway_responses.insert(kind.to_owned(), g);
                Ok(value)
            })?;
            Ok(ok(StatusCode::OK, value))
        }
        Verb::DELETE => {
            write(cx, id, |state| {
                api_mut(state, id)?
                    .gateway_responses
                    .remove(kind)
                    .map(|_| ())
                    .ok_or_else(|| {
                        RestJsonError::not_found("Gateway response type not defined on api")
                    })
            })?;
            Ok(no_content(StatusCode::ACCEPTED))
        }
        _ => Err(unsupported(req)),
    }
}
