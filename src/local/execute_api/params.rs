//! Integration parameter mappings: an integration's `requestParameters` (`integration.request.
//! {header,querystring,path}.X` from `method.request.{header,multivalueheader,querystring,
//! multivaluequerystring,path}.Y`, `method.request.body[.JSONPath]`, `stageVariables.Y`, `context.Y`
//! or a `'literal'`) and an integration response's `responseParameters` (`method.response.header.X`
//! from `integration.response.{header,multivalueheader}.Y`, `integration.response.body[.JSONPath]`,
//! the same request-side sources, or a literal). Header names API Gateway keeps for itself are
//! renamed `x-amzn-Remapped-X` on the way out, or dropped, as AWS's recorded answers show.

use std::collections::BTreeMap;

use serde_json::Value;

use super::super::apigateway::model::Integration;
use super::event::EventInput;

/// What a request parameter mapping gave the integration request.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Mapped {
    pub headers: Vec<(String, String)>,
    pub query: Vec<(String, String)>,
    pub path: BTreeMap<String, String>,
}

/// Which integration the request parameters feed: API Gateway refuses different header targets for
/// each when the request is served (500), though it accepts them when the integration is put.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// `AWS` and `AWS_PROXY` (a Lambda function).
    Lambda,
    /// `HTTP` and `HTTP_PROXY`.
    Http,
    Mock,
}

impl Flavor {
    pub fn of(kind: &str) -> Self {
        match kind {
            "HTTP" | "HTTP_PROXY" => Flavor::Http,
            "MOCK" => Flavor::Mock,
            _ => Flavor::Lambda,
        }
    }

    /// Header targets that fail the request (AWS answers 500) for this integration.
    fn refused(self, header: &str) -> bool {
        let refused: &[&str] = match self {
            Flavor::Lambda => &[
                "content-length",
                "transfer-encoding",
                "authorization",
                "connection",
                "expect",
                "proxy-authenticate",
                "te",
            ],
            Flavor::Http => &["content-length", "transfer-encoding"],
            Flavor::Mock => &[],
        };
        refused.iter().any(|r| r.eq_ignore_ascii_case(header))
    }
}

/// Header targets API Gateway leaves out of the integration request whatever they map from.
const UNSENT: [&str; 5] = ["connection", "proxy-authenticate", "te", "via", "expect"];

/// A value at `path` (`a.b[0]`, API Gateway's JSONPath without the leading `$.`) in `body` (JSON):
/// text as is, anything else as JSON.
pub fn body_path(body: &str, path: &str) -> Option<String> {
    let root: Value = serde_json::from_str(body).ok()?;
    let mut current = &root;
    let path = path.trim_start_matches('$').trim_start_matches('.');
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (key, indexes) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            current = current.get(key)?;
        }
        for index in indexes.split('[').filter(|i| !i.is_empty()) {
            let index = index.trim_end_matches(']');
            current = match index.parse::<usize>() {
                Ok(i) => current.get(i)?,
                Err(_) => current.get(index.trim_matches(['\'', '"']))?,
            };
        }
    }
    Some(match current {
        Value::String(s) => s.clone(),
        Value::Null => return None,
        other => other.to_string(),
    })
}

/// A request-side source: a `'literal'`, a method request parameter, the method request body, a
/// stage variable or a `$context` member (by dotted name).
pub fn request_source(
    expr: &str,
    input: &EventInput<'_>,
    context: &BTreeMap<String, String>,
) -> Option<String> {
    let expr = expr.trim();
    if let Some(l) = expr.strip_prefix('\'').and_then(|e| e.strip_suffix('\'')) {
        return Some(l.to_owned());
    }
    if let Some(h) = expr.strip_prefix("method.request.header.") {
        return input.req.header(h).map(ToOwned::to_owned);
    }
    if let Some(h) = expr.strip_prefix("method.request.multivalueheader.") {
        let values: Vec<&str> = input
            .req
            .headers
            .get_all(h)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        return (!values.is_empty()).then(|| values.join(","));
    }
    if let Some(q) = expr.strip_prefix("method.request.querystring.") {
        return input.req.query_one(q).map(ToOwned::to_owned);
    }
    if let Some(q) = expr.strip_prefix("method.request.multivaluequerystring.") {
        let values = input.req.query_all(q);
        return (!values.is_empty()).then(|| values.join(","));
    }
    if let Some(p) = expr.strip_prefix("method.request.path.") {
        return input.path_parameters.get(p).cloned();
    }
    if expr == "method.request.body" {
        return Some(String::from_utf8_lossy(&input.req.body).into_owned());
    }
    if let Some(path) = expr.strip_prefix("method.request.body.") {
        return body_path(&String::from_utf8_lossy(&input.req.body), path);
    }
    if let Some(v) = expr.strip_prefix("stageVariables.") {
        return input.variables.get(v).cloned();
    }
    if let Some(c) = expr.strip_prefix("context.") {
        return context.get(c).cloned();
    }
    None
}

/// Why the integration's request parameters cannot be applied: the first mapping (in the
/// integration's order) of a header the integration type refuses to send, as API Gateway words it.
/// Needs only the mappings' targets, so it costs nothing for an integration without any.
pub fn refused_mapping(integration: &Integration) -> Result<(), String> {
    let flavor = Flavor::of(&integration.kind);
    match integration.request_parameters.keys().find_map(|target| {
        target
            .strip_prefix("integration.request.header.")
            .filter(|name| flavor.refused(name))
    }) {
        Some(name) => Err(format!(
            "the integration request header {name} cannot be mapped"
        )),
        None => Ok(()),
    }
}

/// The integration's `requestParameters` applied to the method request. `Err` names a header target
/// API Gateway refuses for this integration (the request answers 500).
pub fn integration_request(
    integration: &Integration,
    input: &EventInput<'_>,
    context: &BTreeMap<String, String>,
) -> Result<Mapped, String> {
    refused_mapping(integration)?;
    let mut out = Mapped::default();
    for (target, expr) in &integration.request_parameters {
        let Some(value) = request_source(expr, input, context) else {
            continue;
        };
        if let Some(name) = target.strip_prefix("integration.request.header.") {
            if !UNSENT.iter().any(|u| u.eq_ignore_ascii_case(name)) {
                out.headers.push((name.to_owned(), value));
            }
        } else if let Some(name) = target.strip_prefix("integration.request.querystring.") {
            out.query.push((name.to_owned(), value));
        } else if let Some(name) = target.strip_prefix("integration.request.path.") {
            out.path.insert(name.to_owned(), value);
        }
    }
    Ok(out)
}

/// What an integration answered, for response parameter mappings.
#[derive(Debug, Default, Clone, Copy)]
pub struct Backend<'a> {
    pub headers: &'a [(String, String)],
    pub body: &'a str,
}

/// A response-side source: the integration's answer (`integration.response.*`), else any
/// request-side source.
pub fn response_source(
    expr: &str,
    input: &EventInput<'_>,
    context: &BTreeMap<String, String>,
    backend: Backend<'_>,
) -> Option<String> {
    let expr = expr.trim();
    let values = |name: &str| -> Vec<&str> {
        backend
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    };
    if let Some(h) = expr.strip_prefix("integration.response.header.") {
        return values(h).last().map(|v| (*v).to_owned());
    }
    if let Some(h) = expr.strip_prefix("integration.response.multivalueheader.") {
        let all = values(h);
        return (!all.is_empty()).then(|| all.join(","));
    }
    if expr == "integration.response.body" {
        return Some(backend.body.to_owned());
    }
    if let Some(path) = expr.strip_prefix("integration.response.body.") {
        return body_path(backend.body, path);
    }
    request_source(expr, input, context)
}

/// The `method.response.header.X` values an integration response's `responseParameters` give.
pub fn method_response_headers(
    response_parameters: &BTreeMap<String, String>,
    input: &EventInput<'_>,
    context: &BTreeMap<String, String>,
    backend: Backend<'_>,
) -> Vec<(String, String)> {
    response_parameters
        .iter()
        .filter_map(|(target, expr)| {
            let name = target.strip_prefix("method.response.header.")?;
            let value = response_source(expr, input, context, backend)?;
            Some((name.to_owned(), value))
        })
        .collect()
}

/// Response headers API Gateway writes itself: one an integration or a mapping sets reaches the
/// client as `x-amzn-Remapped-{name}`.
const REMAPPED: [&str; 15] = [
    "Authorization",
    "Connection",
    "Content-Length",
    "Content-MD5",
    "Date",
    "Expect",
    "Host",
    "Max-Forwards",
    "Proxy-Authenticate",
    "Server",
    "Trailer",
    "Upgrade",
    "User-Agent",
    "WWW-Authenticate",
    "x-amzn-RequestId",
];

/// The name a header an integration (or a response mapping) sets reaches the client under: as is,
/// `x-amzn-Remapped-{name}` for one API Gateway writes itself, or `None` (dropped:
/// `Transfer-Encoding`, which the answer's own framing decides).
pub fn response_header_name(name: &str) -> Option<String> {
    if name.eq_ignore_ascii_case("transfer-encoding") {
        return None;
    }
    match REMAPPED.iter().find(|r| r.eq_ignore_ascii_case(name)) {
        Some(r) => Some(format!("x-amzn-Remapped-{r}")),
        None => Some(name.to_owned()),
    }
}

/// `content-type` as most servers spell it, `Content-Type` (what an HTTP client hands back is
/// lowercase; API Gateway passes a backend's spelling on).
pub fn title_case(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_paths_read_members_indexes_and_documents() {
        let body = r#"{"a":{"b":[1,{"c":"x"}]},"s":"t"}"#;
        assert_eq!(body_path(body, "a.b[1].c").as_deref(), Some("x"));
        assert_eq!(body_path(body, "$.s").as_deref(), Some("t"));
        assert_eq!(body_path(body, "a.b[0]").as_deref(), Some("1"));
        assert_eq!(
            body_path(body, "a").as_deref(),
            Some(r#"{"b":[1,{"c":"x"}]}"#)
        );
        assert_eq!(body_path(body, "missing"), None);
        assert_eq!(body_path("not json", "a"), None);
    }

    #[test]
    fn headers_api_gateway_owns_are_remapped_and_transfer_encoding_dropped() {
        assert_eq!(
            response_header_name("content-length").as_deref(),
            Some("x-amzn-Remapped-Content-Length")
        );
        assert_eq!(
            response_header_name("Server").as_deref(),
            Some("x-amzn-Remapped-Server")
        );
        assert_eq!(
            response_header_name("X-Amzn-RequestId").as_deref(),
            Some("x-amzn-Remapped-x-amzn-RequestId")
        );
        assert_eq!(
            response_header_name("Content-Type").as_deref(),
            Some("Content-Type")
        );
        assert_eq!(response_header_name("Transfer-Encoding"), None);
    }

    #[test]
    fn backend_names_are_title_cased() {
        assert_eq!(
            title_case("access-control-allow-origin"),
            "Access-Control-Allow-Origin"
        );
        assert_eq!(title_case("x-backend"), "X-Backend");
    }

    #[test]
    fn refused_header_targets_differ_by_integration() {
        assert!(Flavor::Lambda.refused("Authorization"));
        assert!(!Flavor::Http.refused("Authorization"));
        assert!(Flavor::Http.refused("Content-Length"));
        assert!(!Flavor::Mock.refused("Content-Length"));
    }

    #[test]
    fn the_first_refused_mapping_is_named_whatever_its_source() {
        let integration = |kind: &str, mappings: &[(&str, &str)]| -> Integration {
            serde_json::from_value(serde_json::json!({
                "kind": kind, "passthrough_behavior": "WHEN_NO_MATCH",
                "timeout_in_millis": 29000, "cache_namespace": "c",
                "request_parameters": mappings.iter().copied().collect::<BTreeMap<_, _>>(),
            }))
            .unwrap()
        };
        let lambda = integration(
            "AWS_PROXY",
            &[
                ("integration.request.header.X-Ok", "'v'"),
                (
                    "integration.request.header.Content-Length",
                    "method.request.header.nope",
                ),
                ("integration.request.header.Authorization", "'v'"),
            ],
        );
        // The mappings' order: Authorization comes before Content-Length.
        assert_eq!(
            refused_mapping(&lambda),
            Err("the integration request header Authorization cannot be mapped".to_owned())
        );
        let http = integration(
            "HTTP",
            &[("integration.request.header.Authorization", "'v'")],
        );
        assert_eq!(refused_mapping(&http), Ok(()));
        assert_eq!(refused_mapping(&integration("AWS_PROXY", &[])), Ok(()));
    }
}
