//! The one listener's router: which service a request is for (the table of control planes), the
//! request read whole, and the request id every answer carries. The order is documented in `local`'s
//! module comment.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};

use super::common::{LambdaError, Req, RestJsonError, ServiceRoute, parse_query, percent_decode};
use super::store::Regional;
use super::{Services, apigateway, execute_api, fault, iam, lambda, logs, sts};
use crate::wire::{EXECUTE_API_HOST_INFIX, REQUEST_ID_HEADER, USER_REQUEST_MARKER};

/// The largest request body accepted: Lambda's (a 50 MB zip, base64-encoded, plus the rest of the
/// request), which AWS names in its refusal.
const MAX_BODY: usize = 70_167_211;
/// Which service a request is for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Route {
    /// A stage URL: the API id and the rest of the path (`/{stage}/{path...}`), raw.
    ExecuteApi {
        api_id: String,
        rest: String,
    },
    /// A function URL: its id, and the region its host names.
    FunctionUrl {
        url_id: String,
        region: Option<String>,
    },
    /// A control plane, by its signing name.
    Plane(&'static str),
    Unknown,
}

/// A control plane's entry point: builds its context from the stack's services and the region of the
/// call, and serves the request.
type Handler = for<'a> fn(
    &'a Services,
    &'a str,
    &'a Req,
) -> Pin<Box<dyn Future<Output = Response> + Send + 'a>>;

/// Every control plane, in the order path prefixes are tried. Adding a service is its
/// folder, with a `ROUTE`, a `Ctx` and a `handle`, and one line here.
const CONTROL_PLANES: &[(ServiceRoute, Handler)] = &[
    (apigateway::ROUTE, |s, region, r| {
        Box::pin(async move {
            let regional = s.store.regional(region);
            // TestInvokeMethod runs the method's integration: it needs the data plane's context.
            match apigateway::test_invoke::handle(s.execute_api(region, &regional), r).await {
                Some(answer) => answer,
                None => apigateway::handle(s.apigateway(region, &regional), r).await,
            }
        })
    }),
    (lambda::ROUTE, |s, region, r| {
        Box::pin(async move {
            let regional = s.store.regional(region);
            lambda::handle(s.lambda(region, &regional), r).await
        })
    }),
    (logs::ROUTE, |s, region, r| {
        Box::pin(logs::handle(s.logs(region), r))
    }),
    (iam::ROUTE, |s, region, r| {
        Box::pin(iam::handle(s.iam(region), r))
    }),
    (sts::ROUTE, |_, region, r| Box::pin(sts::handle(region, r))),
];

/// The contexts each service's handlers get: its own part of the store (API Gateway's, Lambda's and
/// Logs' of the region of the call; IAM's is global), never the whole stack.
impl Services {
    fn apigateway<'a>(&'a self, region: &'a str, regional: &'a Regional) -> apigateway::Ctx<'a> {
        apigateway::Ctx {
            state: &regional.apis,
            saver: &*self.store,
            region,
        }
    }

    fn lambda<'a>(&'a self, region: &'a str, regional: &'a Regional) -> lambda::Ctx<'a> {
        lambda::Ctx {
            state: &regional.lambda,
            saver: &*self.store,
            executor: &self.executor,
            region,
            // A fault plan's `holdInProgressSeconds` lengthens the window.
            update_window: self.faults.update_window().unwrap_or(self.update_window),
        }
    }

    fn logs<'a>(&'a self, region: &'a str) -> logs::Ctx<'a> {
        logs::Ctx {
            logs: &self.store.logs,
            region,
            session_timeout: self
                .faults
                .live_tail_session()
                .unwrap_or(logs::live_tail::SESSION_TIMEOUT),
        }
    }

    fn iam<'a>(&'a self, region: &'a str) -> iam::Ctx<'a> {
        iam::Ctx {
            state: &self.store.iam,
            saver: &*self.store,
            region,
        }
    }

    fn execute_api<'a>(&'a self, region: &'a str, regional: &'a Regional) -> execute_api::Ctx<'a> {
        execute_api::Ctx {
            apis: &regional.apis,
            store: &self.store,
            executor: &self.executor,
            authorizer_cache: &self.authorizer_cache,
            http: &self.http,
            region,
        }
    }
}

fn route(path: &str, headers: &HeaderMap) -> Route {
    let host = headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let hostname = host.rsplit_once(':').map_or(host, |(h, _)| h);
    if let Some((url_id, region)) = lambda::urls::parse_host(host) {
        return Route::FunctionUrl {
            url_id: url_id.to_owned(),
            region: region.map(ToOwned::to_owned),
        };
    }
    if let Some((api_id, domain)) = hostname.split_once(EXECUTE_API_HOST_INFIX)
        && (domain == "localhost"
            || domain.starts_with("localhost.")
            || domain.ends_with(".amazonaws.com")
            || domain.ends_with(".amazonaws.com.cn"))
        && !api_id.is_empty()
    {
        return Route::ExecuteApi {
            api_id: api_id.to_owned(),
            rest: path.to_owned(),
        };
    }
    // /restapis/{id}/{stage}/_user_request_/{path}
    let mut parts = path.trim_start_matches('/').splitn(4, '/');
    if let (Some("restapis"), Some(id), Some(stage), Some(rest)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    {
        let (marker, tail) = rest.split_once('/').unwrap_or((rest, ""));
        if marker == USER_REQUEST_MARKER {
            return Route::ExecuteApi {
                api_id: id.to_owned(),
                rest: format!("/{stage}/{tail}"),
            };
        }
    }
    let planes = || CONTROL_PLANES.iter().map(|(r, _)| r);
    let signed_for = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(credential_scope_service);
    let target = headers.get("x-amz-target").and_then(|h| h.to_str().ok());
    let plane = signed_for
        .and_then(|service| planes().find(|r| r.signing_name == service))
        .or_else(|| {
            let target = target?;
            planes().find(|r| r.target_prefix.is_some_and(|p| target.starts_with(p)))
        })
        .or_else(|| planes().find(|r| r.path_prefixes.iter().any(|p| path.starts_with(p))));
    match plane {
        Some(r) => Route::Plane(r.signing_name),
        None => Route::Unknown,
    }
}

/// The (region, service) of a SigV4 `Authorization` header:
/// `Credential=AKID/date/region/service/aws4_request`.
fn credential_scope(auth: &str) -> Option<(&str, &str)> {
    let cred = auth.split("Credential=").nth(1)?;
    let cred = cred.split([',', ' ']).next()?;
    let mut parts = cred.split('/');
    let (_key, _date, region, service) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    Some((region, service))
}

fn credential_scope_service(auth: &str) -> Option<&str> {
    credential_scope(auth).map(|(_, s)| s)
}

/// The region a client signed for, when it names one: ARNs in answers use it, so a client configured
/// for any region sees consistent ARNs from the one local stack.
fn signed_region(headers: &HeaderMap) -> Option<String> {
    let auth = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let (region, _) = credential_scope(auth)?;
    let valid = !region.is_empty()
        && region.len() <= 32
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    valid.then(|| region.to_owned())
}

pub async fn dispatch(
    State(svc): State<Arc<Services>>,
    request: axum::extract::Request,
) -> Response {
    let route = route(request.uri().path(), request.headers());
    let conn = request
        .extensions()
        .get::<axum::extract::ConnectInfo<super::heads::Conn>>()
        .map(|c| c.0.clone());
    // Every request takes its own head's names, whichever service it is for, to stay in step.
    let header_names = conn.as_ref().and_then(|c| c.heads.take());
    // Only a stage or function URL answer has header names AWS does not write lowercase; the control
    // planes' clients read names case-insensitively, and their answers are written as they are. A
    // request whose head the connection did not note (noting stopped: a head too long) gets no
    // spelling: the writer no longer follows that connection and could not remove the private header.
    let spell = (header_names.is_some()
        && matches!(route, Route::ExecuteApi { .. } | Route::FunctionUrl { .. }))
    .then(|| request.method().clone());
    let peer = conn.map(|c| c.addr);
    let response = serve(svc, request, route, peer, header_names).await;
    match spell {
        Some(method) => spelled(response, &method),
        None => response,
    }
}

/// How AWS spells the header names of lambdeck's stage and function URL answers (the HTTP server
/// writes them lowercase), as the private header lists them; names not listed keep the server's
/// spelling.
const AWS_SPELLING: &str = "Connection Content-Length Content-Type Date Via X-Amz-Cf-Id X-Amz-Cf-Pop \
X-Amz-Executed-Version X-Amz-Function-Error X-Amz-Log-Result X-Amzn-Trace-Id X-Cache x-amz-apigw-id \
x-amzn-ErrorType x-amzn-RequestId";

/// The answer with its [`heads::SPELLING_HEADER`]: the request's method, then the names a function
/// spelled (a proxy or function URL answer's [`heads::Spelling`]) and AWS's spelling of its own.
fn spelled(mut response: Response, method: &http::Method) -> Response {
    let own = response
        .extensions_mut()
        .remove::<super::heads::Spelling>()
        .unwrap_or_default();
    let mut value = String::with_capacity(
        method.as_str().len()
            + own.0.iter().map(|n| n.len() + 1).sum::<usize>()
            + AWS_SPELLING.len()
            + 1,
    );
    value.push_str(method.as_str());
    for name in &own.0 {
        // A name the function spelled comes first and wins; a name that is not a token is left out.
        if !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic() && b != b':') {
            value.push(' ');
            value.push_str(name);
        }
    }
    value.push(' ');
    value.push_str(AWS_SPELLING);
    if let Ok(v) = HeaderValue::from_str(&value) {
        response
            .headers_mut()
            .insert(super::heads::SPELLING_HEADER, v);
    }
    response
}

async fn serve(
    svc: Arc<Services>,
    request: axum::extract::Request,
    route: Route,
    peer: Option<std::net::SocketAddr>,
    header_names: Option<Vec<String>>,
) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return with_request_id(
                LambdaError::too_large(format!(
                    "Request must be smaller than {MAX_BODY} bytes for the {} operation",
                    operation_of(&parts.method, &path)
                ))
                .into_response(),
            );
        }
    };
    let raw_query = parts.uri.query().map(ToOwned::to_owned);
    let region = signed_region(&parts.headers).unwrap_or_else(|| svc.region.clone());
    let mut req = Req {
        method: parts.method,
        segments: path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(percent_decode)
            .collect(),
        raw_path: path,
        query: parse_query(parts.uri.query().unwrap_or("")),
        headers: parts.headers,
        body,
    };
    if req.raw_path == fault::CONTROL_PATH {
        return with_request_id(fault::control(&svc.faults, peer, &req));
    }
    let op =
        fault::operation(&req).filter(|_| svc.faults.enabled() && matches!(route, Route::Plane(_)));
    if let Some(op) = &op {
        match svc.faults.before(op) {
            fault::Verdict::Pass => {}
            fault::Verdict::Respond(r) => return with_request_id(r),
            fault::Verdict::Drop => return fault::dropped(),
        }
        if op == "PutLogEvents" {
            let held = svc.faults.hold_back_logs(&mut req);
            let nothing_now = !held.is_empty() && req.body.is_empty();
            fault::ingest_later(&svc.store.logs, &region, held);
            if nothing_now {
                return with_request_id(axum::Json(serde_json::json!({})).into_response());
            }
        }
    }
    let region_of_call = region.clone();
    let response = match route {
        Route::ExecuteApi { api_id, rest } => {
            // Stage URLs seldom name a region (and are not signed): the API's region is the one that
            // holds it.
            let region = svc.store.region_of_api(&api_id).unwrap_or(region);
            let regional = svc.store.regional(&region);
            let client = execute_api::Client::new(peer, header_names, raw_query);
            execute_api::handle(
                svc.execute_api(&region, &regional),
                &api_id,
                &rest,
                req,
                client,
            )
            .await
        }
        Route::FunctionUrl { url_id, region } => {
            let region = region.unwrap_or(region_of_call);
            let regional = svc.store.regional(&region);
            let caller = lambda::url_invoke::Caller {
                addr: peer,
                raw_query,
            };
            lambda::url_invoke::serve(svc.lambda(&region, &regional), &url_id, &req, &caller).await
        }
        Route::Plane(name) => match CONTROL_PLANES.iter().find(|(r, _)| r.signing_name == name) {
            Some((_, handle)) => handle(&svc, &region, &req).await,
            None => unknown(&req),
        },
        Route::Unknown => unknown(&req),
    };
    let response = match &op {
        Some(op) => match svc.faults.after(op, response) {
            Ok(r) => r,
            Err(fault::Dropped) => return fault::dropped(),
        },
        None => response,
    };
    with_request_id(response)
}

/// The operation a request too large to read was for, as AWS names it in the refusal: Lambda's
/// package uploads by name, anything else generically.
fn operation_of(method: &http::Method, path: &str) -> &'static str {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match (method, segments.as_slice()) {
        (&http::Method::POST, ["2015-03-31", "functions"]) => "CreateFunction",
        (&http::Method::PUT, ["2015-03-31", "functions", _, "code"]) => "UpdateFunctionCode",
        (&http::Method::POST, ["2018-10-31", "layers", _, "versions"]) => "PublishLayerVersion",
        _ => "requested",
    }
}

/// The answer to a request no service recognises, naming the services that are served.
fn unknown(req: &Req) -> Response {
    let names: Vec<&str> = CONTROL_PLANES.iter().map(|(r, _)| r.name).collect();
    let served = match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => names.concat(),
    };
    RestJsonError::new(
        http::StatusCode::NOT_FOUND,
        "UnknownOperationException",
        format!(
            "lambdeck's local stack serves {served}; nothing answers {} {}",
            req.method, req.raw_path
        ),
    )
    .into_response()
}

fn with_request_id(mut response: Response) -> Response {
    if !response.headers().contains_key(REQUEST_ID_HEADER)
        && let Ok(v) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string())
    {
        response.headers_mut().insert(REQUEST_ID_HEADER, v);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn routes_by_credential_scope_target_and_path() {
        let auth = "AWS4-HMAC-SHA256 Credential=AKID/20261124/us-east-1/logs/aws4_request, SignedHeaders=host, Signature=x";
        assert_eq!(
            route("/", &headers(&[("authorization", auth)])),
            Route::Plane("logs")
        );
        let auth = auth.replace("/logs/", "/lambda/");
        assert_eq!(
            route("/restapis", &headers(&[("authorization", &auth)])),
            Route::Plane("lambda")
        );
        assert_eq!(
            route(
                "/",
                &headers(&[("x-amz-target", "Logs_20140328.CreateLogGroup")])
            ),
            Route::Plane("logs")
        );
        assert_eq!(
            route("/restapis/abc", &HeaderMap::new()),
            Route::Plane("apigateway")
        );
        assert_eq!(
            route("/2015-03-31/functions", &HeaderMap::new()),
            Route::Plane("lambda")
        );
        let auth = auth.replace("/lambda/", "/iam/");
        assert_eq!(
            route("/", &headers(&[("authorization", &auth)])),
            Route::Plane("iam")
        );
        let auth = auth.replace("/iam/", "/sts/");
        assert_eq!(
            route("/", &headers(&[("authorization", &auth)])),
            Route::Plane("sts")
        );
        assert_eq!(
            route(
                "/2021-07-20/functions/f/runtime-management-config",
                &HeaderMap::new()
            ),
            Route::Plane("lambda")
        );
        assert_eq!(route("/x", &HeaderMap::new()), Route::Unknown);
    }

    #[test]
    fn an_oversize_request_names_its_operation_as_aws_does() {
        use http::Method;
        assert_eq!(
            operation_of(&Method::POST, "/2015-03-31/functions"),
            "CreateFunction"
        );
        assert_eq!(
            operation_of(&Method::PUT, "/2015-03-31/functions/f/code"),
            "UpdateFunctionCode"
        );
        assert_eq!(operation_of(&Method::POST, "/restapis"), "requested");
    }

    #[test]
    fn recognises_the_three_stage_url_forms() {
        let want = Route::ExecuteApi {
            api_id: "abc123defg".into(),
            rest: "/tf-test/hello_world".into(),
        };
        assert_eq!(
            route(
                "/restapis/abc123defg/tf-test/_user_request_/hello_world",
                &HeaderMap::new()
            ),
            want
        );
        assert_eq!(
            route(
                "/tf-test/hello_world",
                &headers(&[("host", "abc123defg.execute-api.localhost:4566")])
            ),
            want
        );
        assert_eq!(
            route(
                "/tf-test/hello_world",
                &headers(&[("host", "abc123defg.execute-api.us-east-1.amazonaws.com")])
            ),
            want
        );
        // LocalStack's own host form works too.
        assert_eq!(
            route(
                "/tf-test/hello_world",
                &headers(&[(
                    "host",
                    "abc123defg.execute-api.localhost.localstack.cloud:4566"
                )])
            ),
            want
        );
        // The control plane under /restapis is not a stage URL.
        assert_eq!(
            route("/restapis/abc123defg/stages/tf-test", &HeaderMap::new()),
            Route::Plane("apigateway")
        );
    }
}
