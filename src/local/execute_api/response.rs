//! API Gateway's validation of a Lambda proxy answer, and its rendering as the stage response.

use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::Value;

/// Whether a media type (a `Content-Type` value, or the first type of an `Accept` list) is one of an
/// API's `binaryMediaTypes`: the same type (parameters and case aside), or a configured `type/*` or
/// `*/*` covering it. A wildcard on the left (`*/png`) matches nothing, not even itself, and a wildcard the client sends
/// (`Accept: image/*`) matches only the same wildcard, as AWS's recorded answers show.
pub fn matches_binary_media_type(value: Option<&str>, types: &[String]) -> bool {
    let Some(value) = value else {
        return false;
    };
    let first = value.split(',').next().unwrap_or_default();
    let wanted = first
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if wanted.is_empty() {
        return false;
    }
    types.iter().any(|t| {
        let t = t.trim().to_ascii_lowercase();
        match t.split_once('/') {
            Some(("*", "*")) => true,
            Some(("*", _)) => false,
            _ if t == wanted => true,
            Some((kind, "*")) if kind != "*" => {
                wanted.split_once('/').is_some_and(|(k, _)| k == kind)
            }
            _ => false,
        }
    })
}

/// A function's answer that passed API Gateway's validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl IntoResponse for ProxyResponse {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::OK);
        let mut r = (status, self.body).into_response();
        // The names as the function spelled them, which the connection writes (AWS keeps them).
        let spelling = self.headers.iter().map(|(k, _)| k.clone()).collect();
        r.extensions_mut()
            .insert(crate::local::heads::Spelling(spelling));
        let h = r.headers_mut();
        h.remove(http::header::CONTENT_TYPE);
        let mut typed = false;
        for (k, v) in self.headers {
            let (Ok(name), Ok(value)) = (
                HeaderName::try_from(k.as_str()),
                HeaderValue::try_from(v.as_str()),
            ) else {
                continue;
            };
            typed |= name == http::header::CONTENT_TYPE;
            h.append(name, value);
        }
        if !typed {
            h.insert(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
        }
        r
    }
}

fn header_value(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Validates a Lambda proxy response as API Gateway does; `None` means 502. Allowed keys are
/// statusCode, headers, multiValueHeaders, body and isBase64Encoded; anything else, a non-object or a
/// non-numeric statusCode is malformed.
pub fn parse_proxy_response(payload: &[u8]) -> Option<ProxyResponse> {
    parse_proxy_response_for(payload, true).ok()
}

/// Why API Gateway does not pass a function's answer on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not an answer of the proxy format: 502.
    Malformed,
    /// A body flagged `isBase64Encoded`, to be decoded, that is not base64: 500, as AWS's recorded
    /// test_aws_proxy_binary_response shows.
    BadBase64,
}

/// [`parse_proxy_response`] for a stage request: a body flagged `isBase64Encoded` is decoded only when
/// `decode` (the request's `Accept` names one of the API's binary media types); otherwise the client
/// gets the base64 text, as AWS answers.
pub fn parse_proxy_response_for(payload: &[u8], decode: bool) -> Result<ProxyResponse, Refusal> {
    let (mut answer, base64) = validate(payload).ok_or(Refusal::Malformed)?;
    if base64 && decode {
        answer.body = B64.decode(&answer.body).map_err(|_| Refusal::BadBase64)?;
    }
    Ok(answer)
}

/// The answer with its body as sent, and whether it is flagged `isBase64Encoded`.
fn validate(payload: &[u8]) -> Option<(ProxyResponse, bool)> {
    let value: Value = serde_json::from_slice(payload).ok()?;
    // `{}` passes: AWS answers it 200 with no body (recorded test_lambda_aws_proxy_response_format).
    let obj = value.as_object()?;
    const ALLOWED: [&str; 5] = [
        "statusCode",
        "headers",
        "multiValueHeaders",
        "body",
        "isBase64Encoded",
    ];
    if obj.keys().any(|k| !ALLOWED.contains(&k.as_str())) {
        return None;
    }
    let status = match obj.get("statusCode") {
        None | Some(Value::Null) => 200,
        Some(Value::Number(n)) => u16::try_from(n.as_u64()?).ok()?,
        Some(Value::String(s)) => s.trim().parse::<u16>().ok()?,
        Some(_) => return None,
    };
    if !(100..=599).contains(&status) {
        return None;
    }
    let solo: Vec<(String, String)> = match obj.get("headers") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(m)) => m
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| Some((k.clone(), header_value(v)?)))
            .collect::<Option<_>>()?,
        Some(_) => return None,
    };
    let multi: Vec<(String, Vec<String>)> = match obj.get("multiValueHeaders") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| {
                let values = v
                    .as_array()?
                    .iter()
                    .map(header_value)
                    .collect::<Option<Vec<_>>>()?;
                Some((k.clone(), values))
            })
            .collect::<Option<_>>()?,
        Some(_) => return None,
    };
    let mut headers = Vec::new();
    for (k, values) in &multi {
        match solo.iter().find(|(s, _)| s.eq_ignore_ascii_case(k)) {
            // Both set: the multi values first, then the single one, in one header.
            Some((_, v)) => {
                let mut all = values.clone();
                all.push(v.clone());
                headers.push((k.clone(), all.join(", ")));
            }
            None => headers.extend(values.iter().map(|v| (k.clone(), v.clone()))),
        }
    }
    for (k, v) in &solo {
        if !multi.iter().any(|(m, _)| m.eq_ignore_ascii_case(k)) {
            headers.push((k.clone(), v.clone()));
        }
    }
    let base64 = match obj.get("isBase64Encoded") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return None,
    };
    let body = match obj.get("body") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => s.clone().into_bytes(),
        Some(_) => return None,
    };
    Some((
        ProxyResponse {
            status,
            headers,
            body,
        },
        base64,
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse(v: Value) -> Option<ProxyResponse> {
        parse_proxy_response(v.to_string().as_bytes())
    }

    #[test]
    fn the_tutorial_answer_passes() {
        let p = parse(json!({"isBase64Encoded": false, "statusCode": 200, "headers": {}, "body": "\"Hello from Lambda!\""})).unwrap();
        assert_eq!(p.status, 200);
        assert_eq!(p.body, b"\"Hello from Lambda!\"");
    }

    #[test]
    fn malformed_answers_are_rejected() {
        assert!(parse(json!([])).is_none());
        assert!(parse(json!("just a string")).is_none());
        assert!(parse(json!({"statusCode": 200, "extra": 1})).is_none());
        assert!(parse(json!({"statusCode": "abc"})).is_none());
        assert!(parse(json!({"multiValueHeaders": {"a": "not-an-array"}})).is_none());
        assert!(parse_proxy_response(b"not json").is_none());
    }

    #[test]
    fn lenient_shapes_are_accepted_as_api_gateway_does() {
        // `{}`: 200 with no body (recorded test_lambda_aws_proxy_response_format).
        let empty = parse(json!({})).unwrap();
        assert_eq!((empty.status, empty.body.len()), (200, 0));
        assert_eq!(parse(json!({"statusCode": "201"})).unwrap().status, 201);
        let only_headers = parse(json!({"headers": {"x-a": "1"}})).unwrap();
        assert_eq!(only_headers.status, 200);
        assert!(only_headers.body.is_empty());
        let p = parse(json!({"statusCode": 200, "headers": {"x-flag": true}})).unwrap();
        assert_eq!(p.headers, vec![("x-flag".to_owned(), "true".to_owned())]);
        let p = parse(json!({"headers": {"x-v": "value-solo"}, "multiValueHeaders": {"x-v": ["value-multi"]}})).unwrap();
        assert_eq!(
            p.headers,
            vec![("x-v".to_owned(), "value-multi, value-solo".to_owned())]
        );
        let p = parse(json!({"body": "aGk=", "isBase64Encoded": true})).unwrap();
        assert_eq!(p.body, b"hi");
    }

    /// The cases of AWS's recorded test_aws_proxy_binary_response: only the first `Accept` type,
    /// matched exactly or by a configured `type/*` or `*/*`, never by a wildcard on the left.
    #[test]
    fn binary_media_types_match_as_aws_matches_them() {
        let types = vec!["image/png".to_owned(), "*/test".to_owned()];
        let m = |v: &str| matches_binary_media_type(Some(v), &types);
        assert!(m("image/png"));
        assert!(m("IMAGE/PNG; q=0.9"));
        assert!(m("image/png, text/html"));
        assert!(!m("text/html, image/png"));
        assert!(!m("image/jpg"));
        assert!(!m("image/*"));
        assert!(!m("*/test"));
        assert!(!m("random/test"));
        assert!(!m("*/*"));
        assert!(!matches_binary_media_type(None, &types));
        assert!(matches_binary_media_type(
            Some("text/plain"),
            &["*/*".to_owned()]
        ));
        assert!(matches_binary_media_type(
            Some("image/gif"),
            &["image/*".to_owned()]
        ));
    }

    #[test]
    fn a_base64_body_is_decoded_only_for_a_binary_accept() {
        let answer = json!({"statusCode": 200, "body": "dGVzdC1kYXRh", "isBase64Encoded": true});
        let bytes = answer.to_string();
        let text = parse_proxy_response_for(bytes.as_bytes(), false).unwrap();
        assert_eq!(text.body, b"dGVzdC1kYXRh");
        let binary = parse_proxy_response_for(bytes.as_bytes(), true).unwrap();
        assert_eq!(binary.body, b"test-data");
        // Not base64: the text when not decoding, API Gateway's 500 when decoding.
        let bad = json!({"statusCode": 200, "body": "èé+à)(", "isBase64Encoded": true}).to_string();
        assert_eq!(
            parse_proxy_response_for(bad.as_bytes(), false)
                .unwrap()
                .body,
            "èé+à)(".as_bytes()
        );
        assert_eq!(
            parse_proxy_response_for(bad.as_bytes(), true),
            Err(Refusal::BadBase64)
        );
        assert_eq!(
            parse_proxy_response_for(b"[]", true),
            Err(Refusal::Malformed)
        );
    }

    #[test]
    fn default_content_type_is_json() {
        let r = parse(json!({"statusCode": 200, "body": "{}"}))
            .unwrap()
            .into_response();
        assert_eq!(r.headers()[http::header::CONTENT_TYPE], "application/json");
        let r = parse(json!({"statusCode": 200, "headers": {"Content-Type": "text/plain"}}))
            .unwrap()
            .into_response();
        assert_eq!(r.headers()[http::header::CONTENT_TYPE], "text/plain");
    }
}
