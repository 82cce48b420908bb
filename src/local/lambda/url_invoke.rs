//! Function URLs' data plane: a request to `https://<url-id>.lambda-url.<region>.on.aws/` (reached
//! through the endpoint URL by its Host header) authorised as its config says, the function URL
//! event (payload format 2.0) sent to the function, and its answer turned into the HTTP response by
//! Lambda's rules for function URLs.

use std::net::SocketAddr;

use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use bytes::Bytes;
use serde_json::{Map, Value, json};

use super::Ctx;
use super::invoke::function_code;
use super::model::{function_arn, resolve};
use super::policy::url_policy_allows;
use super::urls::{Cors, FunctionUrl, LATEST, find};
use crate::local::common::{Req, lock, now_ms, percent_decode};
use crate::local::exec::{FunctionCode, Outcome};
use crate::wire::{LAMBDA_REQUEST_ID_HEADER, REQUEST_ID_HEADER};

/// Who called the URL, as the HTTP layer saw it.
#[derive(Debug, Clone, Default)]
pub struct Caller {
    pub addr: Option<SocketAddr>,
    /// The query string as sent (still encoded).
    pub raw_query: Option<String>,
}

/// The TLS details the URL's front end adds (`x-amzn-tls-*`): the local stack speaks plain HTTP,
/// so these are what an AWS client typically negotiates.
const TLS_VERSION: &str = "TLSv1.3";
const TLS_CIPHER_SUITE: &str = "TLS_AES_128_GCM_SHA256";

/// AWS's refusal of a request its authorisation does not let through.
const FORBIDDEN: &str = "Forbidden. For troubleshooting Function URL authorization issues, see: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html";

/// Headers that end at the URL's front end, as HTTP/1.1's hop-by-hop headers do.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

fn error(status: StatusCode, error_type: &'static str, message: Value) -> Response {
    let mut r = (status, axum::Json(json!({ "Message": message }))).into_response();
    r.headers_mut()
        .insert("x-amzn-ErrorType", HeaderValue::from_static(error_type));
    r
}

/// What a failed invocation answers: 502 and the text AWS sends.
fn internal_error() -> Response {
    let mut r = (StatusCode::BAD_GATEWAY, "Internal Server Error").into_response();
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// What the URL resolved to, taken out of the state so no lock is held while the function runs.
struct Target {
    function: FunctionCode,
    url: FunctionUrl,
    allowed: bool,
    reserved_zero: bool,
}

/// Serves a request to the function URL `url_id` of this region.
pub async fn serve(cx: Ctx<'_>, url_id: &str, req: &Req, caller: &Caller) -> Response {
    let target = {
        let state = lock(cx.state);
        let Some((name, qualifier, url)) = find(&state, url_id) else {
            // No such URL: AWS answers every unknown id alike.
            return error(StatusCode::FORBIDDEN, "AccessDeniedException", Value::Null);
        };
        let arn = function_arn(cx.region, name);
        let resource = if qualifier == LATEST {
            arn
        } else {
            format!("{arn}:{qualifier}")
        };
        let q = (qualifier != LATEST).then_some(qualifier);
        // An alias with a routing config sends its weighted share to the additional version.
        let routed = q
            .and_then(|q| state.functions.get(name)?.aliases.get(q))
            .map(|a| a.routed_version(rand::random::<f64>()).to_owned());
        let Ok((f, cfg)) = resolve(&state, cx.region, name, routed.as_deref().or(q)) else {
            return internal_error();
        };
        let Ok(cfg) = cfg.runnable() else {
            return internal_error();
        };
        Target {
            function: function_code(cfg, cx.region),
            url: url.clone(),
            allowed: url_policy_allows(&f.policy, &resource),
            reserved_zero: f.reserved_concurrency == Some(0),
        }
    };
    let origin = req.header("origin").map(ToOwned::to_owned);
    if let Some(cors) = &target.url.cors
        && req.method == Method::OPTIONS
        && req.header("access-control-request-method").is_some()
    {
        return preflight(cors, origin.as_deref(), req);
    }
    let iam = target.url.auth_type == "AWS_IAM";
    let authorised = if iam {
        signed_by(req).is_some()
    } else {
        target.allowed
    };
    if !authorised {
        return error(
            StatusCode::FORBIDDEN,
            "AccessDeniedException",
            Value::from(FORBIDDEN),
        );
    }
    if target.reserved_zero {
        return error(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequestsException",
            Value::from("Rate Exceeded."),
        );
    }
    let trace_id = req
        .header("x-amzn-trace-id")
        .map(ToOwned::to_owned)
        .unwrap_or_else(|| trace_header(chrono::Utc::now().timestamp()));
    let event = url_event(url_id, req, caller, &trace_id, iam);
    let inv = cx
        .executor
        .invoke(&target.function, Bytes::from(event.to_string()))
        .await;
    let mut response = match &inv.outcome {
        Outcome::Response(body) => answer(body).unwrap_or_else(internal_error),
        Outcome::FunctionError(_) | Outcome::Timeout | Outcome::Crashed(_) => internal_error(),
    };
    if let Some(cors) = &target.url.cors {
        add_cors(response.headers_mut(), cors, origin.as_deref());
    }
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&inv.request_id) {
        h.insert(REQUEST_ID_HEADER, v.clone());
        h.insert(LAMBDA_REQUEST_ID_HEADER, v);
    }
    if let Ok(v) = HeaderValue::from_str(&trace_id) {
        h.insert("x-amzn-trace-id", v);
    }
    response
}

/// `Root=1-<8 hex epoch seconds>-<24 hex>`.
fn trace_header(epoch_secs: i64) -> String {
    let hex = uuid::Uuid::new_v4().simple().to_string();
    format!("Root=1-{epoch_secs:08x}-{}", &hex[..24])
}

/// The access key of a SigV4-signed request (an `Authorization` header or a presigned
/// `X-Amz-Credential`), if it is signed. The signature itself is not checked: the local stack keeps no
/// secret keys.
fn signed_by(req: &Req) -> Option<String> {
    let credential = match req.header("authorization") {
        Some(auth) if auth.starts_with("AWS4-HMAC-SHA256") => auth
            .split("Credential=")
            .nth(1)?
            .split([',', ' '])
            .next()?
            .to_owned(),
        _ => {
            req.query_one("X-Amz-Signature")?;
            req.query_one("X-Amz-Credential")?.to_owned()
        }
    };
    credential.split('/').next().map(ToOwned::to_owned)
}

/// Whether a body of this content type reaches the function as text (else base64-encoded).
fn is_text(content_type: Option<&str>) -> bool {
    let Some(ct) = content_type else {
        return false;
    };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence.starts_with("text/")
        || essence.ends_with("/json")
        || essence.ends_with("+json")
        || essence.ends_with("/xml")
        || essence.ends_with("+xml")
        || essence.ends_with("/javascript")
        || essence.ends_with("/yaml")
}

/// The function URL event (payload format 2.0) for one request.
fn url_event(url_id: &str, req: &Req, caller: &Caller, trace_id: &str, iam: bool) -> Value {
    let source_ip = caller
        .addr
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "127.0.0.1".to_owned());
    let host = req.header("host").unwrap_or("").to_owned();
    let port = host
        .rsplit_once(':')
        .and_then(|(_, p)| p.parse::<u16>().ok())
        .unwrap_or(80);
    // Header names lowercase, repeated values joined with commas; cookies apart.
    let mut headers = Map::new();
    let mut cookies: Vec<String> = Vec::new();
    for name in req.headers.keys() {
        let n = name.as_str();
        if HOP_BY_HOP.contains(&n) {
            continue;
        }
        let values: Vec<String> = req
            .headers
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect();
        if n == "cookie" {
            cookies.extend(
                values
                    .iter()
                    .flat_map(|v| v.split(';'))
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(ToOwned::to_owned),
            );
            continue;
        }
        headers.insert(n.to_owned(), Value::from(values.join(",")));
    }
    for (name, value) in [
        ("x-amzn-tls-cipher-suite", TLS_CIPHER_SUITE.to_owned()),
        ("x-amzn-tls-version", TLS_VERSION.to_owned()),
        ("x-amzn-trace-id", trace_id.to_owned()),
        ("x-forwarded-for", source_ip.clone()),
        ("x-forwarded-port", port.to_string()),
        ("x-forwarded-proto", "http".to_owned()),
    ] {
        headers.insert(name.to_owned(), Value::from(value));
    }
    let raw_query = caller.raw_query.clone().unwrap_or_default();
    let mut query = Map::new();
    for pair in raw_query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, v) = (percent_decode(k), percent_decode(v));
        match query.get_mut(&k) {
            Some(Value::String(s)) => {
                s.push(',');
                s.push_str(&v);
            }
            _ => {
                query.insert(k, Value::from(v));
            }
        }
    }
    let now = chrono::Utc::now();
    let user_agent = req.header("user-agent").unwrap_or("");
    let mut context = json!({
        "accountId": if iam { crate::local::account_id() } else { "anonymous" },
        "apiId": url_id,
        "domainName": host,
        "domainPrefix": url_id,
        "http": {
            "method": req.method.as_str(),
            "path": req.raw_path,
            "protocol": "HTTP/1.1",
            "sourceIp": source_ip,
            "userAgent": user_agent,
        },
        "requestId": uuid::Uuid::new_v4().to_string(),
        "routeKey": "$default",
        "stage": "$default",
        "time": now.format("%d/%b/%Y:%H:%M:%S %z").to_string(),
        "timeEpoch": now_ms(),
    });
    if iam && let Some(key) = signed_by(req) {
        context["authorizer"] = json!({"iam": {
            "accessKey": key,
            "accountId": crate::local::account_id(),
            "callerId": key,
            "cognitoIdentity": null,
            "principalOrgId": null,
            "userArn": format!("arn:aws:iam::{}:root", crate::local::account_id()),
            "userId": crate::local::account_id(),
        }});
    }
    let mut event = json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": req.raw_path,
        "rawQueryString": raw_query,
    });
    if !cookies.is_empty() {
        event["cookies"] = json!(cookies);
    }
    event["headers"] = Value::Object(headers);
    if !query.is_empty() {
        event["queryStringParameters"] = Value::Object(query);
    }
    event["requestContext"] = context;
    let text = is_text(req.header("content-type"));
    if !req.body.is_empty() {
        event["body"] = Value::from(if text {
            String::from_utf8_lossy(&req.body).into_owned()
        } else {
            B64.encode(&req.body)
        });
    }
    event["isBase64Encoded"] = Value::from(!req.body.is_empty() && !text);
    event
}

/// The HTTP response a function's answer makes, by Lambda's rules for function URLs: an object with
/// a `statusCode` is a response (`statusCode`, `headers`, `cookies`, `body`, `isBase64Encoded`);
/// anything else is a 200 `application/json` answer whose body is the JSON (a string's own text).
/// `None` when the answer is unusable (AWS then answers 502).
pub fn answer(payload: &[u8]) -> Option<Response> {
    let Ok(value) = serde_json::from_slice::<Value>(payload) else {
        // Not JSON: passed on as it is.
        return Some(json_answer(Bytes::copy_from_slice(payload)));
    };
    let shaped = value.as_object().filter(|o| o.contains_key("statusCode"));
    let Some(o) = shaped else {
        let body = match value {
            Value::String(s) => s,
            other => other.to_string(),
        };
        return Some(json_answer(Bytes::from(body)));
    };
    let status = match &o["statusCode"] {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    }
    .and_then(|n| u16::try_from(n).ok())
    .and_then(|n| StatusCode::from_u16(n).ok())?;
    let body = match o.get("body") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) if o.get("isBase64Encoded") == Some(&Value::Bool(true)) => {
            B64.decode(s).ok()?
        }
        Some(Value::String(s)) => s.clone().into_bytes(),
        Some(other) => other.to_string().into_bytes(),
    };
    let mut response = (status, body).into_response();
    if let Some(Value::Object(headers)) = o.get("headers") {
        // The names as the function spelled them, which the connection writes.
        let spelling = headers.keys().cloned().collect();
        response
            .extensions_mut()
            .insert(crate::local::heads::Spelling(spelling));
    }
    let h = response.headers_mut();
    h.remove(http::header::CONTENT_TYPE);
    if let Some(Value::Object(headers)) = o.get("headers") {
        for (name, value) in headers {
            let text = match value {
                Value::String(s) => s.clone(),
                Value::Null => continue,
                other => other.to_string(),
            };
            if let (Ok(n), Ok(v)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(&text),
            ) {
                h.insert(n, v);
            }
        }
    }
    if let Some(Value::Array(cookies)) = o.get("cookies") {
        for c in cookies.iter().filter_map(Value::as_str) {
            if let Ok(v) = HeaderValue::from_str(c) {
                h.append(http::header::SET_COOKIE, v);
            }
        }
    }
    Some(with_json_type(response))
}

/// `application/json`, unless the function's own headers set a type.
fn with_json_type(mut r: Response) -> Response {
    if !r.headers().contains_key(http::header::CONTENT_TYPE) {
        r.headers_mut().insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
    r
}

/// A 200 `application/json` answer.
fn json_answer(body: Bytes) -> Response {
    let mut r = (StatusCode::OK, body).into_response();
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// The origin a CORS config allows for this request's `Origin`, if any.
fn allowed_origin(cors: &Cors, origin: Option<&str>) -> Option<String> {
    let origin = origin?;
    let origins = cors.allow_origins.as_deref().unwrap_or(&[]);
    if origins.iter().any(|o| o == "*") {
        return Some(if cors.allow_credentials == Some(true) {
            origin.to_owned()
        } else {
            "*".to_owned()
        });
    }
    origins
        .iter()
        .any(|o| o.eq_ignore_ascii_case(origin))
        .then(|| origin.to_owned())
}

/// A CORS preflight: answered by the URL itself from its config, without calling the function.
fn preflight(cors: &Cors, origin: Option<&str>, req: &Req) -> Response {
    let mut r = StatusCode::OK.into_response();
    let h = r.headers_mut();
    let Some(allowed) = allowed_origin(cors, origin) else {
        return r;
    };
    let mut set = |name: &'static str, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(name, v);
        }
    };
    set("access-control-allow-origin", allowed);
    if let Some(methods) = &cors.allow_methods {
        set("access-control-allow-methods", methods.join(","));
    }
    match (
        &cors.allow_headers,
        req.header("access-control-request-headers"),
    ) {
        (Some(headers), _) if headers.iter().any(|x| x == "*") => {
            if let Some(asked) = req.header("access-control-request-headers") {
                set("access-control-allow-headers", asked.to_owned());
            }
        }
        (Some(headers), _) if !headers.is_empty() => {
            set("access-control-allow-headers", headers.join(","));
        }
        _ => {}
    }
    if let Some(age) = cors.max_age {
        set("access-control-max-age", age.to_string());
    }
    if cors.allow_credentials == Some(true) {
        set("access-control-allow-credentials", "true".to_owned());
    }
    r
}

/// The CORS headers of an answer to an allowed origin (they replace the function's own).
fn add_cors(h: &mut HeaderMap, cors: &Cors, origin: Option<&str>) {
    let Some(allowed) = allowed_origin(cors, origin) else {
        return;
    };
    if let Ok(v) = HeaderValue::from_str(&allowed) {
        h.insert("access-control-allow-origin", v);
    }
    if let Some(expose) = cors.expose_headers.as_ref().filter(|e| !e.is_empty())
        && let Ok(v) = HeaderValue::from_str(&expose.join(","))
    {
        h.insert("access-control-expose-headers", v);
    }
    if cors.allow_credentials == Some(true) {
        h.insert(
            "access-control-allow-credentials",
            HeaderValue::from_static("true"),
        );
    }
    h.append(http::header::VARY, HeaderValue::from_static("Origin"));
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn read(r: Response) -> (u16, String, String) {
        let status = r.status().as_u16();
        let ct = r.headers()[http::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_owned();
        let body = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
        (status, ct, String::from_utf8(body.to_vec()).unwrap())
    }

    /// AWS's recorded answers (LocalStack's `test_lambda_url_invocation` snapshots): what each
    /// function result becomes.
    #[tokio::test]
    async fn answers_follow_the_function_url_format_rules() {
        let cases = [
            (r#"{"hello": "world"}"#, 200, r#"{"hello":"world"}"#),
            (r#"{"statusCode": 200, "body": "body123"}"#, 200, "body123"),
            (
                r#"{"statusCode": 200, "body": "{\"hello\": \"world\"}"}"#,
                200,
                r#"{"hello": "world"}"#,
            ),
            (r#"["hello", 3, true]"#, 200, r#"["hello",3,true]"#),
            (r#""hello""#, 200, "hello"),
            ("3", 200, "3"),
            ("3.1", 200, "3.1"),
            ("true", 200, "true"),
            (
                r#"{"statusCode": "418", "body": "i'm a teapot"}"#,
                418,
                "i'm a teapot",
            ),
            (
                r#"{"statusCode": 201, "body": {"a": 1}}"#,
                201,
                r#"{"a":1}"#,
            ),
            (
                r#"{"statusCode": 200, "body": "aGk=", "isBase64Encoded": true}"#,
                200,
                "hi",
            ),
        ];
        for (payload, status, body) in cases {
            let (s, ct, b) = read(answer(payload.as_bytes()).unwrap()).await;
            assert_eq!(
                (s, ct.as_str(), b.as_str()),
                (status, "application/json", body),
                "{payload}"
            );
        }
        for bad in [r#"{"statusCode": "abc"}"#, r#"{"statusCode": 99999}"#] {
            assert!(answer(bad.as_bytes()).is_none(), "{bad}");
        }
    }

    #[tokio::test]
    async fn an_answer_sets_headers_and_cookies() {
        let r = answer(
            br#"{"statusCode": 201, "headers": {"Content-Type": "text/plain", "My-Custom-Header": "Custom Value"},
                "cookies": ["a=1; Max-Age=60", "b=2"], "body": "ok"}"#,
        )
        .unwrap();
        assert_eq!(r.status(), 201);
        assert_eq!(r.headers()["content-type"], "text/plain");
        assert_eq!(r.headers()["my-custom-header"], "Custom Value");
        let cookies: Vec<_> = r.headers().get_all("set-cookie").iter().collect();
        assert_eq!(cookies, ["a=1; Max-Age=60", "b=2"]);
    }

    #[test]
    fn text_bodies_stay_text_and_the_rest_is_base64() {
        assert!(is_text(Some("text/plain")));
        assert!(is_text(Some("application/json; charset=utf-8")));
        assert!(is_text(Some("application/vnd.api+json")));
        assert!(!is_text(Some("multipart/form-data; boundary=x")));
        assert!(!is_text(Some("application/x-www-form-urlencoded")));
        assert!(!is_text(Some("image/png")));
        assert!(!is_text(None));
    }
}
