//! API Gateway's own answers on stage traffic (gateway responses): the deployment's customised
//! response of the type, else its customised DEFAULT_4XX / DEFAULT_5XX, else AWS's default. A
//! customised response sets the status, headers (`gatewayresponse.header.X` from a 'literal', a
//! request header, query string or path parameter, or a stage variable) and body template (a
//! mapping template with `$context.error.*`, the `$context` basics and `$stageVariables.*`).

use std::collections::BTreeMap;

use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::super::apigateway::model::{GatewayResponse, Snapshot};
use super::super::common::{ERROR_TYPE_HEADER, Req};
use super::vtl;

/// One of API Gateway's own errors on stage traffic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayError {
    /// The gateway response type: MISSING_AUTHENTICATION_TOKEN, INVALID_API_KEY, ...
    pub kind: &'static str,
    pub status: StatusCode,
    /// `x-amzn-ErrorType`.
    pub error_type: &'static str,
    pub message: String,
    /// The body exactly as AWS writes it when nothing is customised, when it is not
    /// `{"message":"..."}` (the integration errors put a space after the colon).
    pub literal_body: Option<&'static str>,
}

impl GatewayError {
    pub fn new(
        kind: &'static str,
        status: StatusCode,
        error_type: &'static str,
        message: impl Into<String>,
    ) -> Self {
        GatewayError {
            kind,
            status,
            error_type,
            message: message.into(),
            literal_body: None,
        }
    }

    pub fn missing_token() -> Self {
        Self::new(
            "MISSING_AUTHENTICATION_TOKEN",
            StatusCode::FORBIDDEN,
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
        )
    }

    pub fn invalid_api_key() -> Self {
        Self::new(
            "INVALID_API_KEY",
            StatusCode::FORBIDDEN,
            "ForbiddenException",
            "Forbidden",
        )
    }

    pub fn throttled() -> Self {
        Self::new(
            "THROTTLED",
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequestsException",
            "Too Many Requests",
        )
    }

    pub fn quota_exceeded() -> Self {
        Self::new(
            "QUOTA_EXCEEDED",
            StatusCode::TOO_MANY_REQUESTS,
            "LimitExceededException",
            "Limit Exceeded",
        )
    }

    pub fn unauthorized() -> Self {
        Self::new(
            "UNAUTHORIZED",
            StatusCode::UNAUTHORIZED,
            "UnauthorizedException",
            "Unauthorized",
        )
    }

    pub fn access_denied(explicit: bool) -> Self {
        Self::new(
            "ACCESS_DENIED",
            StatusCode::FORBIDDEN,
            "AccessDeniedException",
            if explicit {
                "User is not authorized to access this resource with an explicit deny"
            } else {
                "User is not authorized to access this resource"
            },
        )
    }

    /// The authorizer could not be called or answered something unusable: 500, `"message": null`.
    pub fn authorizer_configuration() -> Self {
        GatewayError {
            literal_body: Some(r#"{"message": null}"#),
            ..Self::new(
                "AUTHORIZER_CONFIGURATION_ERROR",
                StatusCode::INTERNAL_SERVER_ERROR,
                "AuthorizerConfigurationException",
                "null",
            )
        }
    }

    pub fn bad_body() -> Self {
        Self::new(
            "BAD_REQUEST_BODY",
            StatusCode::BAD_REQUEST,
            "BadRequestException",
            "Invalid request body",
        )
    }

    pub fn bad_parameters(missing: &[String]) -> Self {
        Self::new(
            "BAD_REQUEST_PARAMETERS",
            StatusCode::BAD_REQUEST,
            "BadRequestException",
            format!(
                "Missing required request parameters: [{}]",
                missing.join(", ")
            ),
        )
    }

    /// A request whose content type has no request template, when the passthrough behaviour
    /// refuses it.
    pub fn unsupported_media_type() -> Self {
        Self::new(
            "UNSUPPORTED_MEDIA_TYPE",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UnsupportedMediaTypeException",
            "Unsupported Media Type",
        )
    }

    /// No usable integration, a function that cannot be found or called: 500.
    pub fn configuration() -> Self {
        GatewayError {
            literal_body: Some(r#"{"message": "Internal server error"}"#),
            ..Self::new(
                "API_CONFIGURATION_ERROR",
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalServerErrorException",
                "Internal server error",
            )
        }
    }

    /// Lambda throttled the call (reserved concurrency 0): API Gateway answers 500, as the gateway
    /// response INTEGRATION_FAILURE.
    pub fn lambda_throttled() -> Self {
        GatewayError {
            literal_body: Some(r#"{"message": "Internal server error"}"#),
            ..Self::new(
                "INTEGRATION_FAILURE",
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalServerErrorException",
                "Internal server error",
            )
        }
    }

    /// The function failed or answered a malformed proxy response: 502.
    pub fn integration_failure() -> Self {
        GatewayError {
            literal_body: Some(r#"{"message": "Internal server error"}"#),
            ..Self::new(
                "DEFAULT_5XX",
                StatusCode::BAD_GATEWAY,
                "InternalServerErrorException",
                "Internal server error",
            )
        }
    }

    pub fn timeout() -> Self {
        Self::new(
            "INTEGRATION_TIMEOUT",
            StatusCode::GATEWAY_TIMEOUT,
            "InternalServerErrorException",
            "Endpoint request timed out",
        )
    }
}

/// What a customised response may refer to.
pub struct Scope<'a> {
    pub req: Option<&'a Req>,
    pub path_parameters: Option<&'a BTreeMap<String, String>>,
    pub variables: &'a BTreeMap<String, String>,
    pub context: &'a BTreeMap<&'static str, String>,
}

/// The customisation that applies to `kind` with `status`, if any.
fn customised<'s>(
    snapshot: &'s Snapshot,
    kind: &str,
    status: StatusCode,
) -> Option<&'s GatewayResponse> {
    snapshot.gateway_responses.get(kind).or_else(|| {
        let default = if status.is_client_error() {
            "DEFAULT_4XX"
        } else {
            "DEFAULT_5XX"
        };
        snapshot.gateway_responses.get(default)
    })
}

/// A `method.request.*`, `stageVariables.*` or `context.*` reference, or a `'literal'`.
fn source_value(expr: &str, scope: &Scope<'_>) -> Option<String> {
    if let Some(literal) = expr.strip_prefix('\'').and_then(|e| e.strip_suffix('\'')) {
        return Some(literal.to_owned());
    }
    if let Some(name) = expr.strip_prefix("method.request.header.") {
        return scope.req?.header(name).map(ToOwned::to_owned);
    }
    if let Some(name) = expr.strip_prefix("method.request.querystring.") {
        return scope.req?.query_one(name).map(ToOwned::to_owned);
    }
    if let Some(name) = expr.strip_prefix("method.request.path.") {
        return scope.path_parameters?.get(name).cloned();
    }
    if let Some(name) = expr.strip_prefix("stageVariables.") {
        return scope.variables.get(name).cloned();
    }
    if let Some(name) = expr.strip_prefix("context.") {
        return scope.context.get(name).cloned();
    }
    None
}

/// A gateway response's body template, run as a mapping template (`$context.error.*`, the
/// request's `$context`, `$input.params`, `$stageVariables`); one that fails leaves the body AWS
/// writes by default, and a log line says why.
pub fn template_body(
    template: &str,
    context: &BTreeMap<&'static str, String>,
    scope: &Scope<'_>,
    err: &GatewayError,
) -> String {
    let context: BTreeMap<String, String> = context
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    let empty = BTreeMap::new();
    let s = vtl::Scope {
        req: scope.req,
        headers: None,
        path_parameters: scope.path_parameters.unwrap_or(&empty),
        variables: scope.variables,
        context: &context,
        body: "",
    };
    match vtl::render(template, &s) {
        Ok(body) => body,
        Err(why) => {
            tracing::warn!(target: "lambdeck::local", "the {} gateway response's template failed: {why}", err.kind);
            match err.literal_body {
                Some(b) => b.to_owned(),
                None => serde_json::json!({ "message": err.message }).to_string(),
            }
        }
    }
}

/// Renders `err` as the stage answers it, with the deployment's customisation if any.
pub fn render(err: &GatewayError, snapshot: Option<&Snapshot>, scope: &Scope<'_>) -> Response {
    let custom = snapshot.and_then(|s| customised(s, err.kind, err.status));
    let Some(g) = custom else {
        let body = match err.literal_body {
            Some(b) => b.to_owned(),
            None => serde_json::json!({ "message": err.message }).to_string(),
        };
        let mut r = (err.status, body).into_response();
        let h = r.headers_mut();
        h.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        h.insert(ERROR_TYPE_HEADER, HeaderValue::from_static(err.error_type));
        return r;
    };
    let status = g
        .status_code
        .as_deref()
        .and_then(|s| s.parse::<u16>().ok())
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(err.status);
    let mut context = scope.context.clone();
    context.insert("error.message", err.message.clone());
    context.insert(
        "error.messageString",
        serde_json::Value::String(err.message.clone()).to_string(),
    );
    context.insert("error.responseType", err.kind.to_owned());
    let (content_type, template) = g
        .response_templates
        .get_key_value("application/json")
        .or_else(|| g.response_templates.iter().next())
        .map_or(("application/json", ""), |(k, v)| (k.as_str(), v.as_str()));
    let body = template_body(template, &context, scope, err);
    let mut r = (status, body).into_response();
    let h = r.headers_mut();
    h.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_str(content_type)
            .unwrap_or_else(|_| HeaderValue::from_static("application/json")),
    );
    h.insert(ERROR_TYPE_HEADER, HeaderValue::from_static(err.error_type));
    let scope = Scope {
        context: &context,
        ..*scope
    };
    for (target, expr) in &g.response_parameters {
        let Some(name) = target.strip_prefix("gatewayresponse.header.") else {
            continue;
        };
        let Some(value) = source_value(expr, &scope) else {
            continue;
        };
        if let (Ok(n), Ok(v)) = (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            h.insert(n, v);
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_substitute_context_and_stage_variables() {
        let ctx = BTreeMap::from([
            ("error.messageString", "\"Forbidden\"".to_owned()),
            ("requestId", "r-1".to_owned()),
        ]);
        let vars = BTreeMap::from([("env".to_owned(), "dev".to_owned())]);
        let scope = Scope {
            req: None,
            path_parameters: None,
            variables: &vars,
            context: &ctx,
        };
        assert_eq!(
            template_body(
                r##"{"msg":$context.error.messageString,"id":"${context.requestId}","env":"$stageVariables.env","cost":"$5"#if($stageVariables.env == "dev"),"dev":true#end}"##,
                &ctx,
                &scope,
                &GatewayError::missing_token(),
            ),
            r#"{"msg":"Forbidden","id":"r-1","env":"dev","cost":"$5","dev":true}"#
        );
    }

    fn snapshot_with(kind: &str, status: Option<&str>) -> Snapshot {
        let mut s = Snapshot::default();
        s.gateway_responses.insert(
            kind.to_owned(),
            GatewayResponse {
                response_type: kind.to_owned(),
                status_code: status.map(Into::into),
                response_parameters: BTreeMap::from([(
                    "gatewayresponse.header.Access-Control-Allow-Origin".to_owned(),
                    "'*'".to_owned(),
                )]),
                response_templates: BTreeMap::from([(
                    "application/json".to_owned(),
                    r#"{"error":$context.error.messageString,"type":"$context.error.responseType"}"#
                        .to_owned(),
                )]),
            },
        );
        s
    }

    #[tokio::test]
    async fn a_default_4xx_customisation_applies_to_every_4xx_keeping_its_status() {
        let snapshot = snapshot_with("DEFAULT_4XX", None);
        let ctx = BTreeMap::new();
        let vars = BTreeMap::new();
        let scope = Scope {
            req: None,
            path_parameters: None,
            variables: &vars,
            context: &ctx,
        };
        let r = render(&GatewayError::missing_token(), Some(&snapshot), &scope);
        assert_eq!(r.status(), 403);
        assert_eq!(r.headers()["access-control-allow-origin"], "*");
        let body = axum::body::to_bytes(r.into_body(), 1 << 16).await.unwrap();
        assert_eq!(
            body,
            r#"{"error":"Missing Authentication Token","type":"MISSING_AUTHENTICATION_TOKEN"}"#
        );
        // A 5xx is not touched by a DEFAULT_4XX customisation.
        let r = render(&GatewayError::timeout(), Some(&snapshot), &scope);
        assert_eq!(r.status(), 504);
        assert!(!r.headers().contains_key("access-control-allow-origin"));
        let body = axum::body::to_bytes(r.into_body(), 1 << 16).await.unwrap();
        assert_eq!(body, r#"{"message":"Endpoint request timed out"}"#);
    }

    #[test]
    fn a_customised_status_replaces_the_default() {
        let snapshot = snapshot_with("INVALID_API_KEY", Some("401"));
        let ctx = BTreeMap::new();
        let vars = BTreeMap::new();
        let scope = Scope {
            req: None,
            path_parameters: None,
            variables: &vars,
            context: &ctx,
        };
        let r = render(&GatewayError::invalid_api_key(), Some(&snapshot), &scope);
        assert_eq!(r.status(), 401);
        assert_eq!(r.headers()["x-amzn-ErrorType"], "ForbiddenException");
    }
}
