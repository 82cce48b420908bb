//! The Lambda proxy integration input (payload format 1.0) API Gateway sends a function, in the shape
//! AWS's recorded events have (LocalStack's AWS-validated snapshots): header names as the client
//! spelled them, with the headers API Gateway adds; every `requestContext` member AWS sends; empty
//! maps as `null`. A Rust function reads it into `aws_lambda_events`' `ApiGatewayProxyRequest`.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use serde_json::{Map, Value, json};

use super::response::matches_binary_media_type;
use crate::local::common::{Req, percent_decode, random_id};
use crate::wire::EXECUTE_API_HOST_INFIX;

/// Who sent a stage request, as the HTTP layer saw it.
#[derive(Debug, Clone, Default)]
pub struct Client {
    /// The peer's address: `identity.sourceIp` and `X-Forwarded-For`.
    pub addr: Option<SocketAddr>,
    /// The request's header names as the client spelled them, in order.
    pub header_names: Option<Vec<String>>,
    /// The query string as sent (still encoded), when there was one.
    pub raw_query: Option<String>,
    /// Whether API Gateway's own headers (`X-Forwarded-*`, `X-Amzn-Trace-Id`) are added: true for
    /// stage traffic, false for TestInvokeMethod, which sends only the headers it was given.
    pub forwarded: bool,
    /// What the edge (CloudFront, in front of every edge-optimized stage) stamps on this request and
    /// its answer; `None` for TestInvokeMethod.
    pub edge: Option<Edge>,
}

/// The ids CloudFront and API Gateway give one stage request. The event's `Via`, `X-Amz-Cf-Id` and
/// `X-Amzn-Trace-Id` and `requestContext.extendedRequestId` carry them, and the answer repeats them
/// (`Via`, `X-Amz-Cf-Id`, `X-Amzn-Trace-Id`, `x-amz-apigw-id`), as AWS's recorded exchanges show.
#[derive(Debug, Clone)]
pub struct Edge {
    /// `1.1 <32 hex>.cloudfront.net (CloudFront)`.
    pub via: String,
    /// 56 characters of URL-safe base64.
    pub cf_id: String,
    /// `Root=1-<8 hex epoch seconds>-<24 hex>`.
    pub trace_id: String,
    /// 15 characters and `=`: `requestContext.extendedRequestId` and the answer's `x-amz-apigw-id`.
    pub extended_request_id: String,
    /// Whether CloudFront is in front (an edge-optimized API): its viewer headers, `Via` and
    /// `X-Amz-Cf-Id` reach the integration and its headers the answer. A regional or private API
    /// has no CloudFront: only API Gateway's own ids.
    pub cloudfront: bool,
}

/// The edge location that served the request (`X-Amz-Cf-Pop`): a fixed, plausible one.
pub const EDGE_POP: &str = "IAD89-C1";

impl Edge {
    /// Fresh ids for one request.
    pub fn new() -> Self {
        use base64::Engine;
        use rand::Rng;
        // The thread's generator, not the OS's: ids, not secrets, made on every stage request.
        let mut rng = rand::thread_rng();
        let via_host: u128 = rng.r#gen();
        let mut cf_bytes = [0u8; 40];
        rng.fill(&mut cf_bytes[..]);
        Edge {
            via: format!("1.1 {via_host:032x}.cloudfront.net (CloudFront)"),
            cf_id: base64::engine::general_purpose::URL_SAFE.encode(cf_bytes),
            trace_id: trace_header(chrono::Utc::now().timestamp()),
            extended_request_id: format!("{}=", random_id(15)),
            cloudfront: true,
        }
    }
}

impl Default for Edge {
    fn default() -> Self {
        Self::new()
    }
}

impl Client {
    /// A client of the stage URL.
    pub fn new(
        addr: Option<SocketAddr>,
        header_names: Option<Vec<String>>,
        raw_query: Option<String>,
    ) -> Self {
        Client {
            addr,
            header_names,
            raw_query,
            forwarded: true,
            edge: Some(Edge::new()),
        }
    }
}

/// Everything the proxy event is made of.
pub struct EventInput<'a> {
    pub req: &'a Req,
    pub client: &'a Client,
    pub api_id: &'a str,
    pub stage: &'a str,
    /// The request path without the stage, as sent (still percent-encoded).
    pub raw_path: &'a str,
    pub resource_path: &'a str,
    pub resource_id: &'a str,
    pub path_parameters: &'a BTreeMap<String, String>,
    pub variables: &'a BTreeMap<String, String>,
    pub deployment_id: &'a str,
    pub request_id: &'a str,
    /// What a Lambda authorizer granted: `requestContext.authorizer`.
    pub authorizer: Option<&'a Value>,
    /// The API key (id, value) the request was admitted with: `identity.apiKeyId` / `apiKey`.
    pub api_key: Option<(&'a str, &'a str)>,
    /// The deployed API's `binaryMediaTypes`: a body whose `Content-Type` matches one reaches the
    /// function base64-encoded.
    pub binary_media_types: &'a [String],
    /// The execution log the integration writes its steps to (TestInvokeMethod's); none on stage
    /// traffic.
    pub log: Option<&'a super::execution_log::ExecutionLog>,
}

impl EventInput<'_> {
    /// Writes a step to the execution log, when there is one.
    pub fn log(&self, line: impl FnOnce() -> String) {
        if let Some(log) = self.log {
            log.line(line());
        }
    }

    /// Whether the request's `Accept` (its first media type) is one of the API's binary media types:
    /// only then is a function's base64 body decoded for the client.
    pub fn binary_accepted(&self) -> bool {
        matches_binary_media_type(self.req.header("accept"), self.binary_media_types)
    }
}

/// A map, or `null` when empty, as API Gateway sends empty members.
fn map_or_null(m: Map<String, Value>) -> Value {
    if m.is_empty() {
        Value::Null
    } else {
        Value::Object(m)
    }
}

/// A query string's pairs, form-decoded as API Gateway decodes them (`+` is a space).
fn query_pairs(raw: &str) -> Vec<(String, String)> {
    let decode = |s: &str| percent_decode(&s.replace('+', " "));
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(pair), String::new()),
        })
        .collect()
}

/// `Root=1-<8 hex epoch seconds>-<24 hex>`, an X-Ray trace id as API Gateway adds it.
fn trace_header(epoch_secs: i64) -> String {
    let id = rand::random::<u128>() >> 32;
    format!("Root=1-{epoch_secs:08x}-{id:024x}")
}

/// The request's headers as (name as sent, value) pairs, with API Gateway's own added.
fn headers(input: &EventInput<'_>, source_ip: &str, epoch_secs: i64) -> Vec<(String, String)> {
    let req = input.req;
    // The client's spelling of each name, when the HTTP layer noted it and it matches these headers.
    let mut spelling: BTreeMap<String, String> = BTreeMap::new();
    if let Some(names) = &input.client.header_names {
        for n in names {
            spelling
                .entry(n.to_ascii_lowercase())
                .or_insert_with(|| n.clone());
        }
        if spelling.len() != req.headers.keys_len()
            || req
                .headers
                .keys()
                .any(|k| !spelling.contains_key(k.as_str()))
        {
            spelling.clear();
        }
    }
    let forwarded = input.client.forwarded;
    let mut out: Vec<(String, String)> = Vec::new();
    for name in req.headers.keys() {
        if forwarded && DROPPED.contains(&name.as_str()) {
            continue;
        }
        let respelled = RESPELLED
            .iter()
            .find(|r| forwarded && r.eq_ignore_ascii_case(name.as_str()));
        let spelled = match respelled {
            Some(r) => (*r).to_owned(),
            None => spelling
                .get(name.as_str())
                .cloned()
                .unwrap_or_else(|| name.as_str().to_owned()),
        };
        for value in req.headers.get_all(name) {
            // The event is JSON text: a header that is not UTF-8 is passed on lossily.
            out.push((
                spelled.clone(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            ));
        }
    }
    if input.client.forwarded {
        let position = |out: &[(String, String)], name: &str| {
            out.iter().position(|(n, _)| n.eq_ignore_ascii_case(name))
        };
        // X-Forwarded-For gains the client's address; the port and protocol are the endpoint's.
        match position(&out, "x-forwarded-for") {
            Some(i) => out[i].1 = format!("{}, {source_ip}", out[i].1),
            None => out.push(("X-Forwarded-For".to_owned(), source_ip.to_owned())),
        }
        let port = req
            .header("host")
            .and_then(|h| h.rsplit_once(':'))
            .and_then(|(_, p)| p.parse::<u16>().ok())
            .unwrap_or(80)
            .to_string();
        for (name, value) in [
            ("X-Forwarded-Port", port),
            ("X-Forwarded-Proto", "http".into()),
        ] {
            out.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
            out.push((name.to_owned(), value));
        }
        if position(&out, "x-amzn-trace-id").is_none() {
            let trace = match &input.client.edge {
                Some(edge) => edge.trace_id.clone(),
                None => trace_header(epoch_secs),
            };
            out.push(("X-Amzn-Trace-Id".to_owned(), trace));
        }
        if let Some(edge) = input.client.edge.as_ref().filter(|e| e.cloudfront) {
            let viewer = [
                ("CloudFront-Forwarded-Proto", "https"),
                ("CloudFront-Is-Desktop-Viewer", "true"),
                ("CloudFront-Is-Mobile-Viewer", "false"),
                ("CloudFront-Is-SmartTV-Viewer", "false"),
                ("CloudFront-Is-Tablet-Viewer", "false"),
                ("CloudFront-Viewer-ASN", EDGE_VIEWER_ASN),
                ("CloudFront-Viewer-Country", EDGE_VIEWER_COUNTRY),
            ];
            let ids = [
                ("Via", edge.via.as_str()),
                ("X-Amz-Cf-Id", edge.cf_id.as_str()),
            ];
            for (name, value) in viewer.into_iter().chain(ids) {
                out.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
                out.push((name.to_owned(), value.to_owned()));
            }
        }
    }
    out
}

/// Headers API Gateway does not pass on (to the function's event, or to a template's
/// `$input.params()`): AWS's recorded events have neither `Connection` nor `Content-Length` (the
/// event's body carries the payload), the other hop-by-hop headers of HTTP/1.1 end at the edge too,
/// and `Content-MD5`, `Expect`, `Max-Forwards`, `Proxy-Authenticate`, `Server` and
/// `WWW-Authenticate` are left out as well (AWS's recorded header-remapping exchanges).
const DROPPED: [&str; 14] = [
    "connection",
    "content-length",
    "content-md5",
    "expect",
    "keep-alive",
    "max-forwards",
    "proxy-authenticate",
    "proxy-connection",
    "server",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "www-authenticate",
];

/// Names the edge re-spells whatever the client sent (AWS's recorded events show `authorization` and
/// `aUThorization` arriving as `Authorization`); every other name keeps the client's spelling.
const RESPELLED: [&str; 3] = ["Authorization", "Host", "User-Agent"];

/// The viewer CloudFront reports for a request that reaches the local stack: AWS derives these from
/// the client's address; locally they are fixed, plausible values (Amazon's ASN, the US).
const EDGE_VIEWER_ASN: &str = "16509";
const EDGE_VIEWER_COUNTRY: &str = "US";

/// The request's headers as a mapping template's `$input.params().header` has them: the names as
/// the client spelled them, with API Gateway's own added, as in the proxy event.
pub fn template_headers(input: &EventInput<'_>) -> Vec<(String, String)> {
    let source_ip = input
        .client
        .addr
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "127.0.0.1".to_owned());
    headers(input, &source_ip, chrono::Utc::now().timestamp())
}

/// The Lambda proxy integration input (payload format 1.0), absent parts as null.
pub fn proxy_event(input: &EventInput<'_>) -> Value {
    let req = input.req;
    let now = chrono::Utc::now();
    let source_ip = input
        .client
        .addr
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "127.0.0.1".to_owned());
    // API Gateway keeps the last value of a repeated header or query parameter in the single-value
    // maps, and every value in the multi-value ones.
    let mut single = Map::new();
    let mut multi = Map::new();
    for (name, value) in headers(input, &source_ip, now.timestamp()) {
        single.insert(name.clone(), Value::String(value.clone()));
        match multi
            .entry(name)
            .or_insert_with(|| Value::Array(Vec::new()))
        {
            Value::Array(values) => values.push(Value::String(value)),
            other => *other = json!([value]),
        }
    }
    let pairs = match &input.client.raw_query {
        Some(raw) => query_pairs(raw),
        None => req.query.clone(),
    };
    let mut query = Map::new();
    let mut multi_query = Map::new();
    for (k, v) in pairs {
        query.insert(k.clone(), Value::String(v.clone()));
        match multi_query
            .entry(k)
            .or_insert_with(|| Value::Array(Vec::new()))
        {
            Value::Array(values) => values.push(Value::String(v)),
            other => *other = json!([v]),
        }
    }
    let host = req.header("host").unwrap_or("localhost").to_owned();
    let domain_prefix = if host.contains(EXECUTE_API_HOST_INFIX) {
        host.split('.').next().unwrap_or(input.api_id).to_owned()
    } else {
        input.api_id.to_owned()
    };
    // The path as sent: API Gateway does not decode it (`%2B` stays `%2B`). The event's `path` starts
    // with one slash however many the client sent (`/stage//a` gives `/a`), while the context's path
    // keeps them (AWS's recorded events).
    let path = input.raw_path;
    let event_path = format!("/{}", path.trim_start_matches('/'));
    let strings = |m: &BTreeMap<String, String>| {
        map_or_null(
            m.iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect(),
        )
    };
    // A body of a binary media type is passed base64-encoded; any other as text.
    let binary = !req.body.is_empty()
        && matches_binary_media_type(req.header("content-type"), input.binary_media_types);
    let body = if req.body.is_empty() {
        None
    } else if binary {
        use base64::Engine;
        Some(base64::engine::general_purpose::STANDARD.encode(&req.body))
    } else {
        Some(String::from_utf8_lossy(&req.body).into_owned())
    };
    let mut event = json!({
        "resource": input.resource_path,
        "path": event_path,
        "httpMethod": req.method.as_str(),
        "headers": map_or_null(single),
        "multiValueHeaders": map_or_null(multi),
        "queryStringParameters": map_or_null(query),
        "multiValueQueryStringParameters": map_or_null(multi_query),
        "pathParameters": strings(input.path_parameters),
        "stageVariables": strings(input.variables),
        "requestContext": {
            "resourceId": input.resource_id,
            "resourcePath": input.resource_path,
            "httpMethod": req.method.as_str(),
            "extendedRequestId": input
                .client
                .edge
                .as_ref()
                .map_or_else(|| format!("{}=", random_id(15)), |e| e.extended_request_id.clone()),
            "requestTime": now.format("%d/%b/%Y:%H:%M:%S +0000").to_string(),
            "path": format!("/{}{}", input.stage, path),
            "accountId": crate::local::account_id(),
            "protocol": "HTTP/1.1",
            "stage": input.stage,
            "domainPrefix": domain_prefix,
            "requestTimeEpoch": now.timestamp_millis(),
            "requestId": input.request_id,
            "identity": {
                "cognitoIdentityPoolId": null,
                "accountId": null,
                "cognitoIdentityId": null,
                "caller": null,
                "sourceIp": source_ip,
                "principalOrgId": null,
                "accessKey": null,
                "cognitoAuthenticationType": null,
                "cognitoAuthenticationProvider": null,
                "userArn": null,
                "userAgent": req.header("user-agent"),
                "user": null,
            },
            "domainName": host,
            "deploymentId": input.deployment_id,
            "apiId": input.api_id,
        },
        "body": body,
        "isBase64Encoded": binary,
    });
    let context = &mut event["requestContext"];
    if let Some(a) = input.authorizer {
        context["authorizer"] = a.clone();
    }
    if let Some((id, value)) = input.api_key {
        context["identity"]["apiKeyId"] = json!(id);
        context["identity"]["apiKey"] = json!(value);
    }
    event
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;
    use serde_json::json;

    use super::*;

    fn keys(v: &Value) -> Vec<&str> {
        let mut k: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        k.sort_unstable();
        k
    }

    fn request(headers: &[(&'static str, &'static str)]) -> Req {
        let mut h = http::HeaderMap::new();
        for (k, v) in headers {
            h.append(*k, HeaderValue::from_static(v));
        }
        Req {
            method: http::Method::GET,
            segments: vec![],
            raw_path: String::new(),
            query: vec![],
            headers: h,
            body: bytes::Bytes::new(),
        }
    }

    fn event(req: &Req, client: &Client, params: &BTreeMap<String, String>) -> Value {
        let vars = BTreeMap::new();
        proxy_event(&EventInput {
            req,
            client,
            api_id: "abc",
            stage: "tf-test",
            raw_path: "/proxy-value/api/user/test%2Balias@gmail.com",
            resource_path: "/{proxy+}",
            resource_id: "r1",
            path_parameters: params,
            variables: &vars,
            deployment_id: "d1",
            request_id: "rid",
            authorizer: None,
            api_key: None,
            binary_media_types: &[],
            log: None,
        })
    }

    /// A regional API's event (AWS's recorded header-remapping exchange): no CloudFront headers, the
    /// client's own `Via` kept, and the headers API Gateway keeps for itself left out.
    #[test]
    fn a_regional_event_has_no_cloudfront_headers_and_drops_gateway_headers() {
        let req = request(&[
            ("host", "abc.execute-api.localhost:4566"),
            ("via", "p.example.net"),
            ("server", "https://example.com/"),
            ("max-forwards", "2"),
            ("content-md5", "x"),
            ("www-authenticate", "Basic"),
            ("expect", "100-continue"),
            ("proxy-authenticate", "Basic"),
            ("pragma", "cache"),
        ]);
        let mut client = Client::new(None, None, None);
        if let Some(edge) = client.edge.as_mut() {
            edge.cloudfront = false;
        }
        let e = event(&req, &client, &BTreeMap::new());
        let names: Vec<&str> = e["headers"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            names,
            [
                "Host",
                "X-Amzn-Trace-Id",
                "X-Forwarded-For",
                "X-Forwarded-Port",
                "X-Forwarded-Proto",
                "pragma",
                "via"
            ]
        );
        assert_eq!(e["headers"]["via"], "p.example.net");
    }

    /// The members of AWS's recorded event (test_lambda_aws_proxy_integration), with their values
    /// where the local stack can match them.
    #[test]
    fn the_event_has_the_members_aws_records() {
        let req = request(&[
            ("host", "abc.execute-api.localhost:4566"),
            ("user-agent", "python-requests/testing"),
            ("test-header", "aValUE"),
            ("accept", "*/*"),
            ("accept", "text/plain"),
            ("authorization", "random-value"),
            ("connection", "keep-alive"),
            ("content-length", "0"),
        ]);
        let client = Client::new(
            Some(SocketAddr::from(([10, 1, 2, 3], 50000))),
            Some(vec![
                "Host".into(),
                "User-Agent".into(),
                "tEsT-HEADeR".into(),
                "Accept".into(),
                "accept".into(),
                "aUThorization".into(),
                "Connection".into(),
                "Content-Length".into(),
            ]),
            Some(
                "urlparam=test&plus=test+alias@gmail.com&email=test%2Balias@gmail.com&a=1&a=2"
                    .into(),
            ),
        );
        let params = BTreeMap::from([(
            "proxy".to_owned(),
            "proxy-value/api/user/test%2Balias@gmail.com".to_owned(),
        )]);
        let e = event(&req, &client, &params);
        assert_eq!(
            keys(&e),
            [
                "body",
                "headers",
                "httpMethod",
                "isBase64Encoded",
                "multiValueHeaders",
                "multiValueQueryStringParameters",
                "path",
                "pathParameters",
                "queryStringParameters",
                "requestContext",
                "resource",
                "stageVariables"
            ]
        );
        let rc = &e["requestContext"];
        assert_eq!(
            keys(rc),
            [
                "accountId",
                "apiId",
                "deploymentId",
                "domainName",
                "domainPrefix",
                "extendedRequestId",
                "httpMethod",
                "identity",
                "path",
                "protocol",
                "requestId",
                "requestTime",
                "requestTimeEpoch",
                "resourceId",
                "resourcePath",
                "stage"
            ]
        );
        assert_eq!(
            keys(&rc["identity"]),
            [
                "accessKey",
                "accountId",
                "caller",
                "cognitoAuthenticationProvider",
                "cognitoAuthenticationType",
                "cognitoIdentityId",
                "cognitoIdentityPoolId",
                "principalOrgId",
                "sourceIp",
                "user",
                "userAgent",
                "userArn"
            ]
        );
        assert_eq!(rc["identity"]["sourceIp"], "10.1.2.3");
        assert_eq!(rc["identity"]["userAgent"], "python-requests/testing");
        assert_eq!(rc["identity"]["accessKey"], Value::Null);
        assert_eq!(rc["domainName"], "abc.execute-api.localhost:4566");
        assert_eq!(rc["domainPrefix"], "abc");
        assert_eq!(rc["apiId"], "abc");
        assert_eq!(rc["stage"], "tf-test");
        assert_eq!(rc["resourcePath"], "/{proxy+}");
        assert_eq!(rc["httpMethod"], "GET");
        assert_eq!(rc["protocol"], "HTTP/1.1");
        assert_eq!(rc["requestId"], "rid");
        assert_eq!(rc["accountId"], crate::local::account_id());
        assert!(rc["requestTimeEpoch"].as_i64().unwrap() > 1_600_000_000_000);
        let t = rc["requestTime"].as_str().unwrap();
        assert!(t.ends_with(" +0000") && t.len() == 26, "{t}");
        assert!(rc["extendedRequestId"].as_str().unwrap().ends_with('='));
        // The path as sent (not decoded), the stage before it in the context's path.
        assert_eq!(e["path"], "/proxy-value/api/user/test%2Balias@gmail.com");
        assert_eq!(
            rc["path"],
            "/tf-test/proxy-value/api/user/test%2Balias@gmail.com"
        );
        assert_eq!(
            e["pathParameters"],
            json!({"proxy": "proxy-value/api/user/test%2Balias@gmail.com"})
        );
        // Header names as the client spelled them; API Gateway's own added.
        let h = &e["headers"];
        assert_eq!(h["tEsT-HEADeR"], "aValUE");
        assert_eq!(h["User-Agent"], "python-requests/testing");
        assert_eq!(h["Host"], "abc.execute-api.localhost:4566");
        assert_eq!(h["Accept"], "text/plain");
        assert_eq!(h["X-Forwarded-For"], "10.1.2.3");
        assert_eq!(h["X-Forwarded-Port"], "4566");
        assert_eq!(h["X-Forwarded-Proto"], "http");
        let trace = h["X-Amzn-Trace-Id"].as_str().unwrap();
        assert!(trace.starts_with("Root=1-") && trace.len() == 40, "{trace}");
        // As AWS's recorded events: `Connection` and `Content-Length` dropped, `Authorization`
        // re-spelled, and CloudFront's headers added.
        assert_eq!(h["Authorization"], "random-value");
        for dropped in [
            "Connection",
            "Content-Length",
            "connection",
            "content-length",
        ] {
            assert!(h.get(dropped).is_none(), "{dropped} passed on");
        }
        for (name, value) in [
            ("CloudFront-Forwarded-Proto", "https"),
            ("CloudFront-Is-Desktop-Viewer", "true"),
            ("CloudFront-Is-Mobile-Viewer", "false"),
            ("CloudFront-Is-SmartTV-Viewer", "false"),
            ("CloudFront-Is-Tablet-Viewer", "false"),
        ] {
            assert_eq!(h[name], value, "{name}");
        }
        assert!(
            h["CloudFront-Viewer-ASN"]
                .as_str()
                .unwrap()
                .parse::<u32>()
                .is_ok()
        );
        assert_eq!(h["CloudFront-Viewer-Country"].as_str().unwrap().len(), 2);
        let edge = client.edge.as_ref().unwrap();
        assert_eq!(h["Via"], edge.via.as_str());
        assert!(edge.via.starts_with("1.1 ") && edge.via.ends_with(".cloudfront.net (CloudFront)"));
        let hex = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit());
        assert!(hex(&edge.via[4..36], 32), "{}", edge.via);
        // Root=1-<8 hex>-<24 hex>
        let trace: Vec<&str> = edge.trace_id.split('-').collect();
        assert!(
            trace.len() == 3 && trace[0] == "Root=1",
            "{}",
            edge.trace_id
        );
        assert!(hex(trace[1], 8) && hex(trace[2], 24), "{}", edge.trace_id);
        assert_eq!(h["X-Amz-Cf-Id"], edge.cf_id.as_str());
        assert_eq!(edge.cf_id.len(), 56);
        assert_eq!(h["X-Amzn-Trace-Id"], edge.trace_id.as_str());
        assert_eq!(rc["extendedRequestId"], edge.extended_request_id.as_str());
        // Each request gets its own edge ids.
        let other = Edge::new();
        assert_ne!(other.via, edge.via);
        assert_ne!(other.cf_id, edge.cf_id);
        let m = &e["multiValueHeaders"];
        assert_eq!(m["Accept"], json!(["*/*", "text/plain"]));
        assert_eq!(m["tEsT-HEADeR"], json!(["aValUE"]));
        assert_eq!(m["X-Forwarded-For"], json!(["10.1.2.3"]));
        assert_eq!(keys(h), keys(m));
        // Query strings form-decoded (`+` is a space), as AWS's recorded events show.
        assert_eq!(
            e["queryStringParameters"],
            json!({"urlparam": "test", "plus": "test alias@gmail.com", "email": "test+alias@gmail.com", "a": "2"})
        );
        assert_eq!(e["multiValueQueryStringParameters"]["a"], json!(["1", "2"]));
        assert_eq!(e["stageVariables"], Value::Null);
        assert_eq!(e["body"], Value::Null);
        assert_eq!(e["isBase64Encoded"], false);
        // A Rust function reads it with aws_lambda_events' own type.
        let typed: aws_lambda_events::apigw::ApiGatewayProxyRequest =
            serde_json::from_value(e.clone()).unwrap();
        assert_eq!(typed.headers["test-header"], "aValUE");
        assert_eq!(typed.request_context.request_id.as_deref(), Some("rid"));
    }

    #[test]
    fn empty_members_are_null_and_unknown_spellings_fall_back_to_lowercase() {
        let req = request(&[("host", "127.0.0.1:4566"), ("x-one", "1")]);
        // Names noted for another request (they do not match these headers) are not used.
        let client = Client::new(None, Some(vec!["Other".into()]), None);
        let e = event(&req, &client, &BTreeMap::new());
        assert_eq!(e["headers"]["x-one"], "1");
        assert_eq!(e["headers"]["Host"], "127.0.0.1:4566");
        assert_eq!(e["requestContext"]["domainPrefix"], "abc");
        assert_eq!(e["queryStringParameters"], Value::Null);
        assert_eq!(e["multiValueQueryStringParameters"], Value::Null);
        assert_eq!(e["pathParameters"], Value::Null);
        assert_eq!(e["stageVariables"], Value::Null);
        // An X-Forwarded-For the client sent gains its address.
        let req = request(&[("x-forwarded-for", "1.1.1.1")]);
        let client = Client::new(Some(SocketAddr::from(([127, 0, 0, 1], 1))), None, None);
        let e = event(&req, &client, &BTreeMap::new());
        assert_eq!(e["headers"]["x-forwarded-for"], "1.1.1.1, 127.0.0.1");
        assert_eq!(e["headers"]["X-Forwarded-Port"], "80");
        // TestInvokeMethod adds nothing.
        let e = event(&req, &Client::default(), &BTreeMap::new());
        assert_eq!(keys(&e["headers"]), ["x-forwarded-for"]);
    }

    /// AWS's recorded `invocation-payload-with-prepended-slash` and `invocation-hardcoded`: the
    /// event's `path` starts with one slash, the context's keeps what was sent.
    #[test]
    fn the_event_path_starts_with_one_slash_and_the_context_path_keeps_them() {
        let req = request(&[]);
        let vars = BTreeMap::new();
        let params = BTreeMap::new();
        let client = Client::default();
        let e = proxy_event(&EventInput {
            req: &req,
            client: &client,
            api_id: "abc",
            stage: "stage",
            raw_path: "//hardcoded//x",
            resource_path: "/hardcoded",
            resource_id: "r",
            path_parameters: &params,
            variables: &vars,
            deployment_id: "d",
            request_id: "rid",
            authorizer: None,
            api_key: None,
            binary_media_types: &[],
            log: None,
        });
        assert_eq!(e["path"], "/hardcoded//x");
        assert_eq!(e["requestContext"]["path"], "/stage//hardcoded//x");
    }

    #[test]
    fn a_body_of_a_binary_media_type_is_base64_encoded() {
        let mut req = request(&[("content-type", "image/png")]);
        req.body = bytes::Bytes::from_static(&[0x89, b'P', b'N', b'G', 0xff]);
        let vars = BTreeMap::new();
        let params = BTreeMap::new();
        let client = Client::default();
        let types = vec!["image/png".to_owned()];
        let input = |binary_media_types: &'static [String]| EventInput {
            req: &req,
            client: &client,
            api_id: "abc",
            stage: "s",
            raw_path: "/",
            resource_path: "/",
            resource_id: "r",
            path_parameters: &params,
            variables: &vars,
            deployment_id: "d",
            request_id: "rid",
            authorizer: None,
            api_key: None,
            binary_media_types,
            log: None,
        };
        let e = proxy_event(&input(&[]));
        assert_eq!(e["isBase64Encoded"], false);
        let e = proxy_event(&EventInput {
            binary_media_types: &types,
            ..input(&[])
        });
        assert_eq!(e["isBase64Encoded"], true);
        assert_eq!(e["body"], "iVBOR/8=");
    }
}
