//! The one listener's router: which service a request is for, the request read whole, and the request
//! id every answer carries. The order is documented in `local`'s module comment.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method};
use axum::response::{IntoResponse, Response};

use super::common::{LambdaError, Req, RestJsonError, parse_query, percent_decode};
use super::{Services, apigateway, execute_api, fault, lambda, logs};
use crate::wire::{EXECUTE_API_HOST_INFIX, REQUEST_ID_HEADER, USER_REQUEST_MARKER};

/// The largest request body accepted: Lambda's direct-upload limit, base64-encoded, plus JSON framing.
const MAX_BODY: usize = 70 * 1024 * 1024;
/// Which service a request is for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Route {
    /// A stage URL: the API id and the rest of the path (`/{stage}/{path...}`), raw.
    ExecuteApi {
        api_id: String,
        rest: String,
    },
    ApiGateway,
    Lambda,
    Logs,
    Iam,
    Sts,
    /// `/_lambdeck/code/<sha256 hex>.zip`: the package download GetFunction's Code.Location points at.
    Code,
    Unknown,
}

fn route(method: &Method, path: &str, headers: &HeaderMap) -> Route {
    let host = headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let hostname = host.rsplit_once(':').map_or(host, |(h, _)| h);
    if let Some((api_id, domain)) = hostname.split_once(EXECUTE_API_HOST_INFIX)
        && (domain == "localhost"
            || domain.starts_with("localhost.")
            || domain.ends_with(".amazonaws.com"))
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
    let _ = method;
    if let Some(service) = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(credential_scope_service)
    {
        match service {
            "apigateway" => return Route::ApiGateway,
            "lambda" => return Route::Lambda,
            "logs" => return Route::Logs,
            "iam" => return Route::Iam,
            "sts" => return Route::Sts,
            _ => {}
        }
    }
    if headers
        .get("x-amz-target")
        .and_then(|h| h.to_str().ok())
        .is_some_and(|t| t.starts_with("Logs_20140328."))
    {
        return Route::Logs;
    }
    if path.starts_with("/_lambdeck/code/") {
        Route::Code
    } else if path.starts_with("/restapis") || path.starts_with("/tags/") {
        Route::ApiGateway
    } else if [
        "/2015-03-31/",
        "/2017-03-31/",
        "/2016-08-19/",
        "/2019-09-25/",
        "/2019-09-30/",
        "/2020-06-30/",
        "/2021-07-20/",
        "/2024-08-31/",
    ]
    .iter()
    .any(|p| path.starts_with(p))
    {
        Route::Lambda
    } else {
        Route::Unknown
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
    let peer = request
        .extensions()
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    let route = route(&parts.method, &path, &parts.headers);
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return with_request_id(
                LambdaError::too_large(format!(
                    "Request must be smaller than {MAX_BODY} bytes for the operation"
                ))
                .into_response(),
            );
        }
    };
    let svc = match signed_region(&parts.headers) {
        Some(region) if region != svc.region => Arc::new(Services {
            store: svc.store.clone(),
            executor: svc.executor.clone(),
            region,
            faults: svc.faults.clone(),
        }),
        _ => svc,
    };
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
    let op = fault::operation(&req).filter(|_| {
        svc.faults.enabled() && matches!(route, Route::ApiGateway | Route::Lambda | Route::Logs)
    });
    let function = op.as_deref().and_then(|op| fault::function_of(op, &req));
    if let Some(op) = &op {
        match svc.faults.before(op, &req) {
            fault::Verdict::Pass => {}
            fault::Verdict::Respond(r) => return with_request_id(r),
            fault::Verdict::Drop => return fault::dropped(),
        }
        if op == "PutLogEvents" {
            let held = svc.faults.hold_back_logs(&mut req);
            let nothing_now = !held.is_empty() && req.body.is_empty();
            fault::ingest_later(&svc.store.logs, held);
            if nothing_now {
                return with_request_id(axum::Json(serde_json::json!({})).into_response());
            }
        }
    }
    let response = match route {
        Route::ExecuteApi { api_id, rest } => execute_api::handle(&svc, &api_id, &rest, req).await,
        Route::ApiGateway => apigateway::handle(&svc, &req).await,
        Route::Lambda => lambda::handle(&svc, &req).await,
        Route::Logs => logs::handle(&svc, &req).await,
        Route::Iam => super::iam::handle(&svc, &req).await,
        Route::Sts => super::sts::handle(&svc, &req).await,
        Route::Code => lambda::download(&svc, &req),
        Route::Unknown => RestJsonError::new(
            http::StatusCode::NOT_FOUND,
            "UnknownOperationException",
            format!(
                "lambdeck's local stack serves API Gateway, Lambda, CloudWatch Logs, IAM and STS; nothing answers {} {}",
                req.method, req.raw_path
            ),
        )
        .into_response(),
    };
    let response = match &op {
        Some(op) => match svc.faults.after(op, function.as_deref(), response).await {
            Ok(r) => r,
            Err(fault::Dropped) => return fault::dropped(),
        },
        None => response,
    };
    with_request_id(response)
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
            route(&Method::POST, "/", &headers(&[("authorization", auth)])),
            Route::Logs
        );
        let auth = auth.replace("/logs/", "/lambda/");
        assert_eq!(
            route(
                &Method::GET,
                "/restapis",
                &headers(&[("authorization", &auth)])
            ),
            Route::Lambda
        );
        assert_eq!(
            route(
                &Method::POST,
                "/",
                &headers(&[("x-amz-target", "Logs_20140328.CreateLogGroup")])
            ),
            Route::Logs
        );
        assert_eq!(
            route(&Method::GET, "/restapis/abc", &HeaderMap::new()),
            Route::ApiGateway
        );
        assert_eq!(
            route(&Method::GET, "/2015-03-31/functions", &HeaderMap::new()),
            Route::Lambda
        );
        assert_eq!(route(&Method::GET, "/x", &HeaderMap::new()), Route::Unknown);
    }

    #[test]
    fn recognises_the_three_stage_url_forms() {
        let want = Route::ExecuteApi {
            api_id: "abc123defg".into(),
            rest: "/tf-test/hello_world".into(),
        };
        assert_eq!(
            route(
                &Method::GET,
                "/restapis/abc123defg/tf-test/_user_request_/hello_world",
                &HeaderMap::new()
            ),
            want
        );
        assert_eq!(
            route(
                &Method::GET,
                "/tf-test/hello_world",
                &headers(&[("host", "abc123defg.execute-api.localhost:4566")])
            ),
            want
        );
        assert_eq!(
            route(
                &Method::GET,
                "/tf-test/hello_world",
                &headers(&[("host", "abc123defg.execute-api.us-east-1.amazonaws.com")])
            ),
            want
        );
        // LocalStack's own host form works too.
        assert_eq!(
            route(
                &Method::GET,
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
            route(
                &Method::GET,
                "/restapis/abc123defg/stages/tf-test",
                &HeaderMap::new()
            ),
            Route::ApiGateway
        );
    }
}
