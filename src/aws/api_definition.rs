//! The working side of the stale diff: the REST API's settings, methods (with method responses,
//! integrations and integration responses), authorizers, models, request validators, gateway
//! responses and documentation parts, read from the control plane into the comparable
//! [`ApiDefinition`] pieces. Authorizers and validators are returned with their ids; the engine names
//! them.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_apigateway::Client;
use aws_sdk_apigateway::types;

use super::AwsError;
use crate::model::RouteKey;
use crate::model::definition::{
    ApiSettings, AuthorizerDefinition, DEFAULT_AUTHORIZER_TTL, DEFAULT_TIMEOUT_MS, Fields,
    GatewayResponseDefinition, IntegrationDefinition, IntegrationResponseDefinition,
    MethodDefinition, MethodResponseDefinition, ValidatorDefinition, documentation_fields,
    documentation_location, non_empty, normalise_identity_source, normalise_policy,
    normalise_request_parameter, normalise_schema, sorted, upper_opt, upper_or,
};

fn map<V: Clone>(m: Option<&std::collections::HashMap<String, V>>) -> BTreeMap<String, V> {
    m.map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

/// The settings of a REST API that a deployment freezes.
pub fn api_settings(api: &types::RestApi) -> ApiSettings {
    ApiSettings {
        policy: api
            .policy()
            .and_then(|p| normalise_policy(&serde_json::Value::String(p.to_owned()))),
        binary_media_types: sorted(api.binary_media_types().iter().cloned()),
        minimum_compression_size: api.minimum_compression_size().map(i64::from),
        api_key_source: upper_or(api.api_key_source().map(|s| s.as_str()), "HEADER"),
        disable_execute_api_endpoint: api.disable_execute_api_endpoint(),
        vpc_endpoint_ids: sorted(
            api.endpoint_configuration()
                .map(|e| e.vpc_endpoint_ids().to_vec())
                .unwrap_or_default(),
        ),
    }
}

/// What the working methods use that no export can show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportBlind {
    /// Method response headers marked required (the export lists headers, not whether they are required).
    pub required_response_headers: usize,
    /// Routes whose integration goes through a VPC link (the export names the link, not its target).
    pub vpc_link_routes: usize,
}

/// One method of GetResources (embed=methods) as a comparable definition; its authorizer and request
/// validator are ids here.
pub fn method_definition(m: &types::Method, blind: &mut ExportBlind) -> MethodDefinition {
    let mut responses = BTreeMap::new();
    for (status, r) in m.method_responses().into_iter().flatten() {
        let params = map(r.response_parameters());
        blind.required_response_headers += params.values().filter(|required| **required).count();
        responses.insert(
            status.clone(),
            MethodResponseDefinition {
                headers: params
                    .keys()
                    .filter_map(|k| k.strip_prefix("method.response.header."))
                    .map(ToOwned::to_owned)
                    .collect::<BTreeSet<_>>(),
                models: map(r.response_models()),
            },
        );
    }
    let integration = m.method_integration().map(|i| {
        if i.connection_type().map(|c| c.as_str()) == Some("VPC_LINK") {
            blind.vpc_link_routes += 1;
        }
        integration_definition(i)
    });
    MethodDefinition {
        authorization_type: upper_or(m.authorization_type(), "NONE"),
        authorizer: non_empty(m.authorizer_id()),
        authorization_scopes: sorted(m.authorization_scopes().iter().cloned()),
        api_key_required: m.api_key_required().unwrap_or(false),
        operation_name: non_empty(m.operation_name()),
        request_parameters: map(m.request_parameters())
            .into_iter()
            .filter(|(k, _)| !k.starts_with("method.request.path."))
            .map(|(k, v)| (normalise_request_parameter(&k), v))
            .collect(),
        request_models: map(m.request_models()),
        request_validator: non_empty(m.request_validator_id()),
        responses,
        integration,
    }
}

fn integration_definition(i: &types::Integration) -> IntegrationDefinition {
    let responses = i
        .integration_responses()
        .into_iter()
        .flatten()
        .map(|(status, r)| {
            (
                r.selection_pattern()
                    .filter(|p| !p.is_empty())
                    .unwrap_or("default")
                    .to_owned(),
                IntegrationResponseDefinition {
                    status_code: r.status_code().unwrap_or(status).to_owned(),
                    response_parameters: map(r.response_parameters()),
                    response_templates: map(r.response_templates()),
                    content_handling: upper_opt(r.content_handling().map(|c| c.as_str())),
                },
            )
        })
        .collect();
    IntegrationDefinition {
        kind: upper_or(i.r#type().map(|t| t.as_str()), ""),
        http_method: upper_opt(i.http_method()),
        uri: non_empty(i.uri()),
        credentials: non_empty(i.credentials()),
        connection_type: upper_opt(i.connection_type().map(|c| c.as_str()))
            .filter(|c| c != "INTERNET"),
        connection_id: non_empty(i.connection_id()),
        request_parameters: map(i.request_parameters()),
        request_templates: map(i.request_templates()),
        passthrough_behavior: upper_or(i.passthrough_behavior(), "WHEN_NO_MATCH"),
        content_handling: upper_opt(i.content_handling().map(|c| c.as_str())),
        // Absent is read as 0; API Gateway's default applies then.
        timeout_in_millis: match i.timeout_in_millis() {
            0 => DEFAULT_TIMEOUT_MS,
            ms => i64::from(ms),
        },
        cache_namespace: non_empty(i.cache_namespace()),
        cache_key_parameters: sorted(i.cache_key_parameters().iter().cloned()),
        tls_insecure_skip_verification: i
            .tls_config()
            .is_some_and(|t| t.insecure_skip_verification()),
        responses,
    }
}

/// Pages through a list call without a paginator in the SDK: `call(position)` returns one page's
/// items and the next position.
async fn all_pages<T, F, Fut>(mut call: F) -> Result<Vec<T>, AwsError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: std::future::Future<Output = Result<(Vec<T>, Option<String>), AwsError>>,
{
    let mut out = Vec::new();
    let mut position = None;
    loop {
        let (items, next) = call(position.take()).await?;
        out.extend(items);
        match next {
            Some(p) if !p.is_empty() => position = Some(p),
            _ => return Ok(out),
        }
    }
}

/// Every authorizer: (id, name, definition).
pub async fn get_authorizers(
    client: &Client,
    api_id: &str,
) -> Result<Vec<(String, String, AuthorizerDefinition)>, AwsError> {
    all_pages(|position| async move {
        let out = client
            .get_authorizers()
            .rest_api_id(api_id)
            .limit(500)
            .set_position(position)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("GetAuthorizers", format!("rest api {api_id}"), e))?;
        let items = out
            .items()
            .iter()
            .map(|a| {
                (
                    a.id().unwrap_or_default().to_owned(),
                    a.name().unwrap_or_default().to_owned(),
                    AuthorizerDefinition {
                        kind: upper_or(a.r#type().map(|t| t.as_str()), "TOKEN"),
                        authorizer_uri: non_empty(a.authorizer_uri()),
                        authorizer_credentials: non_empty(a.authorizer_credentials()),
                        identity_source: a.identity_source().map(normalise_identity_source),
                        identity_validation_expression: non_empty(
                            a.identity_validation_expression(),
                        ),
                        result_ttl_in_seconds: a
                            .authorizer_result_ttl_in_seconds()
                            .map_or(DEFAULT_AUTHORIZER_TTL, i64::from),
                        provider_arns: sorted(a.provider_arns().iter().cloned()),
                    },
                )
            })
            .collect();
        Ok((items, out.position().map(ToOwned::to_owned)))
    })
    .await
}

/// Every model: (name, normalised schema).
pub async fn get_models(client: &Client, api_id: &str) -> Result<Vec<(String, String)>, AwsError> {
    let items = client
        .get_models()
        .rest_api_id(api_id)
        .limit(500)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| AwsError::from_sdk("GetModels", format!("rest api {api_id}"), e))?;
    Ok(items
        .iter()
        .map(|m| {
            (
                m.name().unwrap_or_default().to_owned(),
                normalise_schema(&serde_json::Value::String(
                    m.schema().unwrap_or("{}").to_owned(),
                )),
            )
        })
        .collect())
}

/// Every request validator: (id, name, definition).
pub async fn get_request_validators(
    client: &Client,
    api_id: &str,
) -> Result<Vec<(String, String, ValidatorDefinition)>, AwsError> {
    all_pages(|position| async move {
        let out = client
            .get_request_validators()
            .rest_api_id(api_id)
            .limit(500)
            .set_position(position)
            .send()
            .await
            .map_err(|e| {
                AwsError::from_sdk("GetRequestValidators", format!("rest api {api_id}"), e)
            })?;
        let items = out
            .items()
            .iter()
            .map(|v| {
                (
                    v.id().unwrap_or_default().to_owned(),
                    v.name().unwrap_or_default().to_owned(),
                    ValidatorDefinition {
                        validate_request_body: v.validate_request_body(),
                        validate_request_parameters: v.validate_request_parameters(),
                    },
                )
            })
            .collect();
        Ok((items, out.position().map(ToOwned::to_owned)))
    })
    .await
}

/// The customised gateway responses (API Gateway lists its defaults too, flagged `defaultResponse`).
pub async fn get_gateway_responses(
    client: &Client,
    api_id: &str,
) -> Result<BTreeMap<String, GatewayResponseDefinition>, AwsError> {
    let all = all_pages(|position| async move {
        let out = client
            .get_gateway_responses()
            .rest_api_id(api_id)
            .limit(500)
            .set_position(position)
            .send()
            .await
            .map_err(|e| {
                AwsError::from_sdk("GetGatewayResponses", format!("rest api {api_id}"), e)
            })?;
        let items = out
            .items()
            .iter()
            .filter(|g| !g.default_response())
            .filter_map(|g| {
                Some((
                    g.response_type()?.as_str().to_owned(),
                    GatewayResponseDefinition {
                        status_code: non_empty(g.status_code()),
                        response_parameters: map(g.response_parameters()),
                        response_templates: map(g.response_templates()),
                    },
                ))
            })
            .collect();
        Ok((items, out.position().map(ToOwned::to_owned)))
    })
    .await?;
    Ok(all.into_iter().collect())
}

/// Every documentation part, by location (see [`documentation_location`]), its properties as fields.
pub async fn get_documentation_parts(
    client: &Client,
    api_id: &str,
) -> Result<BTreeMap<String, Fields>, AwsError> {
    let all = all_pages(|position| async move {
        let out = client
            .get_documentation_parts()
            .rest_api_id(api_id)
            .limit(500)
            .set_position(position)
            .send()
            .await
            .map_err(|e| {
                AwsError::from_sdk("GetDocumentationParts", format!("rest api {api_id}"), e)
            })?;
        let items = out
            .items()
            .iter()
            .map(|p| {
                let l = p.location();
                let key = documentation_location(
                    l.map(|l| l.r#type().as_str()).unwrap_or(""),
                    l.and_then(|l| l.path()),
                    l.and_then(|l| l.method()),
                    l.and_then(|l| l.status_code()),
                    l.and_then(|l| l.name()),
                );
                let properties =
                    serde_json::Value::String(p.properties().unwrap_or("{}").to_owned());
                (key, documentation_fields(&properties))
            })
            .collect::<Vec<_>>();
        Ok((items, out.position().map(ToOwned::to_owned)))
    })
    .await?;
    Ok(all.into_iter().collect())
}

/// The working methods of GetResources (embed=methods), by route.
pub fn method_definitions(
    resources: &[types::Resource],
) -> (BTreeMap<RouteKey, MethodDefinition>, ExportBlind) {
    let mut blind = ExportBlind::default();
    let mut out = BTreeMap::new();
    for r in resources {
        let path = r.path().unwrap_or("/");
        for (verb, m) in r.resource_methods().into_iter().flatten() {
            let verb = m.http_method().unwrap_or(verb).to_ascii_uppercase();
            out.insert(RouteKey::new(verb, path), method_definition(m, &mut blind));
        }
    }
    (out, blind)
}
