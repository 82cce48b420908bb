//! Non-proxy integrations on stage traffic: MOCK, and `AWS` integrations calling a Lambda function.
//! The request template for the request's content type (by the integration's passthrough behaviour)
//! is evaluated; for a MOCK its `statusCode` selects the integration response, for a Lambda function
//! its output is the payload and the function's `errorMessage` (when it fails) selects it (a
//! `selectionPattern` matching whole, else the default one). The chosen response's status,
//! `method.response.header.X` parameters and response template make the answer. Templates are
//! evaluated by `vtl`; one that fails (as it would on AWS) answers 500, with a log line saying why.
//! A response template's `$context.responseOverride.status` and `.header.X` replace the chosen
//! response's status and headers.

use std::collections::BTreeMap;

use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::super::apigateway::model::{Integration, IntegrationResponse};
use super::event::EventInput;
use super::gateway::GatewayError;
use super::params::{self, Backend};
use super::vtl;

/// `$context` for templates: the request's members by dotted name.
pub fn template_context(input: &EventInput<'_>) -> BTreeMap<String, String> {
    let now = chrono::Utc::now();
    let mut c = BTreeMap::from([
        ("requestId".to_owned(), input.request_id.to_owned()),
        ("stage".to_owned(), input.stage.to_owned()),
        ("apiId".to_owned(), input.api_id.to_owned()),
        (
            "accountId".to_owned(),
            crate::local::account_id().to_owned(),
        ),
        ("deploymentId".to_owned(), input.deployment_id.to_owned()),
        (
            "httpMethod".to_owned(),
            input.req.method.as_str().to_owned(),
        ),
        ("resourceId".to_owned(), input.resource_id.to_owned()),
        ("resourcePath".to_owned(), input.resource_path.to_owned()),
        (
            "path".to_owned(),
            format!("/{}{}", input.stage, input.raw_path),
        ),
        ("protocol".to_owned(), "HTTP/1.1".to_owned()),
        (
            "requestTime".to_owned(),
            now.format("%d/%b/%Y:%H:%M:%S +0000").to_string(),
        ),
        (
            "requestTimeEpoch".to_owned(),
            now.timestamp_millis().to_string(),
        ),
        (
            "identity.sourceIp".to_owned(),
            input
                .client
                .addr
                .map_or_else(|| "127.0.0.1".to_owned(), |a| a.ip().to_string()),
        ),
        (
            "identity.userAgent".to_owned(),
            input
                .req
                .header("user-agent")
                .unwrap_or_default()
                .to_owned(),
        ),
        (
            "domainName".to_owned(),
            input.req.header("host").unwrap_or_default().to_owned(),
        ),
    ]);
    if let Some((id, value)) = input.api_key {
        c.insert("identity.apiKeyId".into(), id.to_owned());
        c.insert("identity.apiKey".into(), value.to_owned());
    }
    if let Some(Value::Object(a)) = input.authorizer {
        for (k, v) in a {
            // A Cognito authorizer's claims are addressed one by one: `$context.authorizer.claims.email`.
            if let Value::Object(inner) = v {
                for (ik, iv) in inner {
                    let iv = iv
                        .as_str()
                        .map_or_else(|| iv.to_string(), ToOwned::to_owned);
                    c.insert(format!("authorizer.{k}.{ik}"), iv);
                }
            }
            let v = v.as_str().map_or_else(|| v.to_string(), ToOwned::to_owned);
            c.insert(format!("authorizer.{k}"), v);
        }
    }
    c
}

/// The request's content type as API Gateway selects templates by it (`application/json` when none).
fn content_type(input: &EventInput<'_>) -> String {
    input
        .req
        .header("content-type")
        .and_then(|c| c.split(';').next())
        .map(|c| c.trim().to_ascii_lowercase())
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "application/json".to_owned())
}

fn unsupported(what: &str, input: &EventInput<'_>) -> GatewayError {
    input.log(|| {
        format!("Execution failed due to configuration error: the mapping template failed: {what}")
    });
    tracing::warn!(
        target: "lambdeck::local",
        "{} {} {} {}: 500, Execution failed due to configuration error: the mapping template failed: {what}",
        input.api_id,
        input.stage,
        input.req.method,
        input.resource_path
    );
    GatewayError::configuration()
}

/// The default integration response: the one without a selection pattern.
fn select_default(integration: &Integration) -> Option<&IntegrationResponse> {
    integration
        .integration_responses
        .values()
        .find(|r| r.selection_pattern.as_deref().is_none_or(str::is_empty))
}

/// The integration response `status` selects: a selection pattern matching it whole, else the
/// default one (no pattern).
fn select<'i>(integration: &'i Integration, status: &str) -> Option<&'i IntegrationResponse> {
    let responses = integration.integration_responses.values();
    responses
        .clone()
        .filter(|r| {
            r.selection_pattern
                .as_deref()
                .is_some_and(|p| !p.is_empty())
        })
        .find(|r| {
            let p = r.selection_pattern.as_deref().unwrap_or_default();
            regex::Regex::new(&format!("^(?:{p})$")).is_ok_and(|re| re.is_match(status))
        })
        .or_else(|| {
            responses
                .clone()
                .find(|r| r.selection_pattern.as_deref().is_none_or(str::is_empty))
        })
}

/// The integration request of a non-proxy integration: the request template for the request's
/// content type, rendered (else the body passed through, by the passthrough behaviour).
pub fn integration_request(
    integration: &Integration,
    input: &EventInput<'_>,
    context: &BTreeMap<String, String>,
) -> Result<vtl::Rendered, GatewayError> {
    let body = String::from_utf8_lossy(&input.req.body).into_owned();
    let ct = content_type(input);
    let template = match integration.request_templates.get(&ct) {
        Some(t) => Some(t.as_str()),
        None => match integration.passthrough_behavior.as_str() {
            "NEVER" => return Err(GatewayError::unsupported_media_type()),
            "WHEN_NO_TEMPLATES" if !integration.request_templates.is_empty() => {
                return Err(GatewayError::unsupported_media_type());
            }
            _ => None,
        },
    };
    let headers = super::event::template_headers(input);
    let scope = vtl::Scope {
        req: Some(input.req),
        headers: Some(&headers),
        path_parameters: input.path_parameters,
        variables: input.variables,
        context,
        body: &body,
    };
    match template {
        Some(t) => vtl::render_full(t, &scope, None).map_err(|e| unsupported(&e, input)),
        None => Ok(vtl::Rendered {
            body,
            ..Default::default()
        }),
    }
}

/// The integration response of a non-proxy integration: the one `selector` selects (a selection
/// pattern matching it whole; with no selector, or none matching, the default one), its status,
/// `method.response.header.X` parameters and response template over the integration's answer
/// (`backend`: its body is `$input.body`, passed through when there is no template; its headers are
/// `integration.response.header.X`). `carried`: the overrides the request template left, which the
/// response template starts from.
pub fn integration_response(
    integration: &Integration,
    input: &EventInput<'_>,
    context: &BTreeMap<String, String>,
    selector: Option<&str>,
    backend: Backend<'_>,
    carried: &vtl::Overrides,
) -> Result<Response, GatewayError> {
    let body = backend.body;
    let chosen = match selector {
        Some(s) => select(integration, s),
        None => select_default(integration),
    };
    let Some(chosen) = chosen else {
        input.log(|| {
            "Execution failed due to configuration error: No match for output mapping and no default output mapping configured".to_owned()
        });
        tracing::warn!(
            target: "lambdeck::local",
            "{} {}: 500, no integration response for {} and no default one",
            input.api_id,
            input.resource_path,
            selector.unwrap_or("a success"),
        );
        return Err(GatewayError::configuration());
    };
    let headers = super::event::template_headers(input);
    let scope = vtl::Scope {
        req: Some(input.req),
        headers: Some(&headers),
        path_parameters: input.path_parameters,
        variables: input.variables,
        context,
        body,
    };
    let (response_type, rendered) = match chosen
        .response_templates
        .get_key_value("application/json")
        .or_else(|| chosen.response_templates.iter().next())
    {
        Some((ct, t)) => (
            ct.clone(),
            vtl::render_full(t, &scope, Some(carried)).map_err(|e| unsupported(&e, input))?,
        ),
        None => (
            "application/json".to_owned(),
            vtl::Rendered {
                body: body.to_owned(),
                overrides: carried.clone(),
            },
        ),
    };
    // `$context.responseOverride.status` replaces the integration response's status.
    let overridden = rendered.overrides.status();
    let status = overridden.as_deref().unwrap_or(&chosen.status_code);
    let Some(code) = status
        .trim()
        .parse::<u16>()
        .ok()
        .and_then(|c| StatusCode::from_u16(c).ok())
    else {
        return Err(unsupported(
            &format!("{status:?} is not an HTTP status code"),
            input,
        ));
    };
    let mut r = (code, rendered.body).into_response();
    let h = r.headers_mut();
    h.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_str(&response_type)
            .unwrap_or_else(|_| HeaderValue::from_static("application/json")),
    );
    let mapped =
        params::method_response_headers(&chosen.response_parameters, input, context, backend);
    // `$context.responseOverride.header.X` comes last: overrides are final.
    let mut spelling = Vec::new();
    for (name, value) in mapped
        .into_iter()
        .chain(rendered.overrides.response_headers())
    {
        let Some(name) = params::response_header_name(&name) else {
            continue;
        };
        if let (Ok(n), Ok(v)) = (
            HeaderName::try_from(name.as_str()),
            HeaderValue::try_from(value.as_str()),
        ) {
            h.insert(n, v);
            // The answer spells the name as the mapping does.
            spelling.push(name);
        }
    }
    r.extensions_mut()
        .insert(crate::local::heads::Spelling(spelling));
    Ok(r)
}

/// Answers a request with a MOCK integration: the request template's `statusCode` (200 when absent)
/// selects the integration response; the mock's own answer (`$input.body`) is empty.
pub fn answer(integration: &Integration, input: &EventInput<'_>) -> Result<Response, GatewayError> {
    let context = template_context(input);
    let mocked = integration_request(integration, input, &context)?;
    let status = mock_status(&mocked.body).unwrap_or_else(|| "200".to_owned());
    integration_response(
        integration,
        input,
        &context,
        Some(&status),
        Backend::default(),
        &mocked.overrides,
    )
}

/// The `statusCode` a MOCK's request template gave: from JSON, else from text AWS accepts that is
/// not quite JSON (`{statusCode: 200}`, as CDK writes it).
fn mock_status(mocked: &str) -> Option<String> {
    if let Ok(v) = serde_json::from_str::<Value>(mocked) {
        return match &v["statusCode"] {
            Value::Number(n) => Some(n.to_string()),
            Value::String(s) => Some(s.clone()),
            _ => None,
        };
    }
    let re = regex::Regex::new(r#"["']?statusCode["']?\s*:\s*["']?(\d+)"#).ok()?;
    re.captures(mocked).map(|c| c[1].to_owned())
}
