//! HTTP and HTTP_PROXY integrations on stage traffic: the integration request is sent to the URI the
//! integration names (its `{name}` placeholders filled from `integration.request.path.name`, else
//! the method request's path parameter of that name, and its `${stageVariables.x}`), with the
//! integration's `timeoutInMillis`.
//! - HTTP_PROXY passes the method, body, query string and headers through (less the hop-by-hop ones
//!   and those AWS's recorded requests show it drops), adds the mapped ones, and answers with the
//!   backend's status, headers (those API Gateway writes itself renamed `x-amzn-Remapped-*`) and body.
//! - HTTP sends the request template's output (else the body passed through) with only the mapped
//!   headers and API Gateway's own (`Accept: application/json`, `User-Agent:
//!   AmazonAPIGateway_{apiId}`, ...); the backend's status code selects the integration response,
//!   whose template and parameters make the answer.
//!
//! A backend that cannot be reached answers 500 `{"message": "Internal server error"}`, one slower
//! than the timeout 504 `{"message": "Endpoint request timed out"}`, as API Gateway does.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::super::apigateway::model::Integration;
use super::event::EventInput;
use super::execution_log::java_map;
use super::gateway::GatewayError;
use super::params::{self, Backend};
use super::{Ctx, mock, vtl};

/// Client headers an HTTP_PROXY integration does not pass on (AWS's recorded requests): hop-by-hop
/// headers, the framing API Gateway redoes, and a few it keeps for itself.
const NOT_PROXIED: [&str; 18] = [
    "connection",
    "content-encoding",
    "content-length",
    "content-md5",
    "expect",
    "host",
    "keep-alive",
    "max-forwards",
    "proxy-authenticate",
    "proxy-connection",
    "server",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "via",
    "www-authenticate",
    "x-amzn-apigateway-api-id",
];

/// API Gateway's words for an integration URI that gives no address to send to.
const INVALID_ENDPOINT: &str = "Invalid endpoint address";

/// Marks an answer that is an HTTP_PROXY backend's, passed through.
#[derive(Debug, Clone, Copy)]
pub struct Proxied;

/// What the backend answered.
pub struct Answered {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: bytes::Bytes,
    pub latency: Duration,
}

/// How sending the integration request ended.
pub enum Sent {
    Answered(Answered),
    /// `timeoutInMillis` passed first: 504.
    TimedOut,
    /// The request could not be made or the backend not reached: 500; why, for the log.
    Failed(String),
}

/// The integration request an HTTP or HTTP_PROXY integration sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: bytes::Bytes,
}

/// Fills a URI's `{name}` placeholders (`{name+}` too) from `path`, and its stage variables. A
/// placeholder with no value is an error naming it.
pub fn fill_uri(
    uri: &str,
    path: &BTreeMap<String, String>,
    variables: &BTreeMap<String, String>,
) -> Result<String, String> {
    let mut uri = uri.to_owned();
    for (k, v) in variables {
        uri = uri.replace(&format!("${{stageVariables.{k}}}"), v);
    }
    // A stage variable the stage does not define leaves no usable address.
    if uri.contains("${") {
        return Err(INVALID_ENDPOINT.to_owned());
    }
    let mut out = String::with_capacity(uri.len());
    let mut rest = uri.as_str();
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            return Err(format!("unbalanced '{{' in the integration URI {uri}"));
        };
        let name = &after[..close];
        let key = name.trim_end_matches('+');
        let value = path.get(key).or_else(|| path.get(name)).ok_or_else(|| {
            format!("no value for the path parameter {{{name}}} of the integration URI")
        })?;
        out.push_str(&encode_path(value));
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// A path parameter's value as it goes into a URL: `/` kept (a greedy parameter spans segments) and
/// `%` too (a method request's path parameters are as sent, still encoded); anything else outside
/// RFC 3986's unreserved and sub-delimiter characters percent-encoded.
fn encode_path(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        let keep = b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/%".contains(&b);
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn set_header(headers: &mut Vec<(String, String)>, name: &str, value: String) {
    headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    headers.push((name.to_owned(), value));
}

/// The integration request for `input` through `integration` (HTTP or HTTP_PROXY): `body` and
/// `overrides` are the request template's output (the method body and none for a proxy).
pub fn outgoing(
    integration: &Integration,
    input: &EventInput<'_>,
    mapped: &params::Mapped,
    body: bytes::Bytes,
    overrides: &vtl::Overrides,
) -> Result<Outgoing, String> {
    let proxy = integration.kind == "HTTP_PROXY";
    // Path values: the method request's, then the mapped ones, then the template's overrides.
    let mut path = input.path_parameters.clone();
    path.extend(mapped.path.clone());
    path.extend(overrides.request_path());
    let uri = integration
        .uri
        .as_deref()
        .ok_or_else(|| "the integration has no URI".to_owned())?;
    let filled = fill_uri(uri, &path, input.variables)?;
    let mut url = reqwest::Url::parse(&filled).map_err(|_| INVALID_ENDPOINT.to_owned())?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(INVALID_ENDPOINT.to_owned());
    }
    let mut query: Vec<(String, String)> = Vec::new();
    if proxy {
        query.extend(input.req.query.iter().cloned());
    }
    query.extend(mapped.query.iter().cloned());
    for (k, v) in overrides.request_querystring() {
        query.retain(|(n, _)| n != &k);
        query.push((k, v));
    }
    if !query.is_empty() {
        let mut pairs = url.query_pairs_mut();
        for (k, v) in &query {
            pairs.append_pair(k, v);
        }
    }
    let mut headers: Vec<(String, String)> = Vec::new();
    if proxy {
        for (name, value) in &input.req.headers {
            if NOT_PROXIED.contains(&name.as_str()) {
                continue;
            }
            if let Ok(v) = value.to_str() {
                headers.push((name.as_str().to_owned(), v.to_owned()));
            }
        }
    } else {
        headers.push(("Accept".to_owned(), "application/json".to_owned()));
        headers.push((
            "User-Agent".to_owned(),
            format!("AmazonAPIGateway_{}", input.api_id),
        ));
        if !body.is_empty() {
            let ct = input
                .req
                .header("content-type")
                .unwrap_or("application/json");
            headers.push(("Content-Type".to_owned(), ct.to_owned()));
        }
    }
    set_header(
        &mut headers,
        "X-Amzn-Apigateway-Api-Id",
        input.api_id.to_owned(),
    );
    let trace = input
        .req
        .header("x-amzn-trace-id")
        .map(ToOwned::to_owned)
        .or_else(|| input.client.edge.as_ref().map(|e| e.trace_id.clone()));
    if let Some(trace) = trace {
        set_header(&mut headers, "X-Amzn-Trace-Id", trace);
    }
    for (k, v) in mapped
        .headers
        .iter()
        .cloned()
        .chain(overrides.request_headers())
    {
        set_header(&mut headers, &k, v);
    }
    let method = match integration.http_method.as_deref() {
        None | Some("ANY") => input.req.method.as_str().to_owned(),
        Some(m) => m.to_owned(),
    };
    Ok(Outgoing {
        method,
        url: url.to_string(),
        headers,
        body,
    })
}

/// Sends `out` with `timeout`; the backend's whole answer, or why there is none.
pub async fn send(client: &reqwest::Client, out: &Outgoing, timeout: Duration) -> Sent {
    let Ok(method) = reqwest::Method::from_bytes(out.method.as_bytes()) else {
        return Sent::Failed(format!("{} is not an HTTP method", out.method));
    };
    let mut request = client.request(method, &out.url).body(out.body.clone());
    // API Gateway states an empty body's length (AWS's recorded requests carry `Content-Length: 0`).
    if out.body.is_empty() {
        request = request.header(http::header::CONTENT_LENGTH, "0");
    }
    for (k, v) in &out.headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::try_from(k.as_str()),
            HeaderValue::try_from(v.as_str()),
        ) {
            request = request.header(n, v);
        }
    }
    let started = Instant::now();
    let exchange = async {
        let response = request.send().await?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect::<Vec<_>>();
        let body = response.bytes().await?;
        Ok::<_, reqwest::Error>((status, headers, body))
    };
    match tokio::time::timeout(timeout, exchange).await {
        Err(_) => Sent::TimedOut,
        Ok(Err(e)) => Sent::Failed(describe(&e)),
        Ok(Ok((status, headers, body))) => Sent::Answered(Answered {
            status,
            headers,
            body,
            latency: started.elapsed(),
        }),
    }
}

fn describe(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text = format!("{text}: {s}");
        source = s.source();
    }
    text
}

/// The integration request of an HTTP or HTTP_PROXY integration, made from the method request:
/// its parameter mappings, then (HTTP) its request template. The template's overrides are returned
/// for the integration response.
pub fn prepare(
    integration: &Integration,
    input: &EventInput<'_>,
    context: &BTreeMap<String, String>,
) -> Result<(Outgoing, vtl::Overrides), GatewayError> {
    let mapped = params::integration_request(integration, input, context).map_err(|why| {
        configuration_error(input, &why);
        GatewayError::configuration()
    })?;
    let (body, overrides) = if integration.kind == "HTTP_PROXY" {
        (input.req.body.clone(), vtl::Overrides::default())
    } else {
        let rendered = mock::integration_request(integration, input, context)?;
        (bytes::Bytes::from(rendered.body), rendered.overrides)
    };
    let out = outgoing(integration, input, &mapped, body, &overrides).map_err(|why| {
        configuration_error(input, &why);
        GatewayError::configuration()
    })?;
    Ok((out, overrides))
}

fn configuration_error(input: &EventInput<'_>, why: &str) {
    input.log(|| format!("Execution failed due to configuration error: {why}"));
    tracing::warn!(
        target: "lambdeck::local",
        "{} {} {} {}: 500, Execution failed due to configuration error: {why}",
        input.api_id,
        input.stage,
        input.req.method,
        input.resource_path
    );
}

/// The method response for what the backend answered: passed through for HTTP_PROXY, through the
/// integration response the status code selects for HTTP.
pub fn method_response(
    integration: &Integration,
    input: &EventInput<'_>,
    context: &BTreeMap<String, String>,
    answered: &Answered,
    overrides: &vtl::Overrides,
) -> Result<Response, GatewayError> {
    if integration.kind == "HTTP_PROXY" {
        let status = StatusCode::from_u16(answered.status).unwrap_or(StatusCode::BAD_GATEWAY);
        let mut r = (status, answered.body.clone()).into_response();
        r.extensions_mut().insert(Proxied);
        let h = r.headers_mut();
        h.remove(http::header::CONTENT_TYPE);
        for (name, value) in &answered.headers {
            let Some(name) = params::response_header_name(name) else {
                continue;
            };
            if let (Ok(n), Ok(v)) = (
                HeaderName::try_from(name.as_str()),
                HeaderValue::try_from(value.as_str()),
            ) {
                h.append(n, v);
            }
        }
        return Ok(r);
    }
    let body = String::from_utf8_lossy(&answered.body);
    let backend = Backend {
        headers: &answered.headers,
        body: &body,
    };
    mock::integration_response(
        integration,
        input,
        context,
        Some(&answered.status.to_string()),
        backend,
        overrides,
    )
}

/// Serves a request through an HTTP or HTTP_PROXY integration.
pub async fn answer(
    cx: Ctx<'_>,
    input: &EventInput<'_>,
    integration: &Integration,
) -> Result<Response, GatewayError> {
    let context = mock::template_context(input);
    let (out, overrides) = prepare(integration, input, &context)?;
    input.log(|| format!("Endpoint request URI: {}", out.url));
    input.log(|| {
        format!(
            "Endpoint request headers: {}",
            java_map(out.headers.iter().map(|(k, v)| (k, v)))
        )
    });
    input.log(|| {
        format!(
            "Endpoint request body after transformations: {}",
            String::from_utf8_lossy(&out.body)
        )
    });
    input.log(|| format!("Sending request to {}", out.url));
    let timeout = Duration::from_millis(integration.timeout_in_millis);
    match send(cx.http, &out, timeout).await {
        Sent::TimedOut => {
            input.log(|| "Execution failed due to a timeout error".to_owned());
            Err(GatewayError::timeout())
        }
        Sent::Failed(why) => {
            tracing::debug!(target: "lambdeck::local", "{} {}: the backend {} did not answer: {why}", input.api_id, input.resource_path, out.url);
            configuration_error(input, INVALID_ENDPOINT);
            Err(GatewayError::configuration())
        }
        Sent::Answered(answered) => {
            input.log(|| {
                format!(
                    "Received response. Status: {}, Integration latency: {} ms",
                    answered.status,
                    answered.latency.as_millis()
                )
            });
            input.log(|| {
                format!(
                    "Endpoint response headers: {}",
                    java_map(answered.headers.iter().map(|(k, v)| (k, v)))
                )
            });
            input.log(|| {
                format!(
                    "Endpoint response body before transformations: {}",
                    String::from_utf8_lossy(&answered.body)
                )
            });
            method_response(integration, input, &context, &answered, &overrides)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_placeholders_take_path_values_and_stage_variables() {
        let path = BTreeMap::from([
            ("proxy".to_owned(), "a/b c".to_owned()),
            ("id".to_owned(), "7".to_owned()),
        ]);
        let vars = BTreeMap::from([("host".to_owned(), "example.com".to_owned())]);
        assert_eq!(
            fill_uri(
                "http://${stageVariables.host}/x/{id}/{proxy+}?q={id}",
                &path,
                &vars
            )
            .unwrap(),
            "http://example.com/x/7/a/b%20c?q=7"
        );
        assert!(
            fill_uri("http://h/{missing}", &path, &vars)
                .unwrap_err()
                .contains("{missing}")
        );
        assert_eq!(
            fill_uri("https://${stageVariables.undefined}", &path, &vars).unwrap_err(),
            INVALID_ENDPOINT
        );
    }
}
