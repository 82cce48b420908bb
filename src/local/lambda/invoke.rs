//! Invoke: a call runs the function in the execution engine; its outcome becomes Lambda's answer.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use bytes::Bytes;

use super::Ctx;
use super::model::{FunctionConfig, function_arn, parse_function_name, resolve};
use super::ops::{Result, empty, qualifier};
use super::wire::InvocationError;
use crate::local::common::{LambdaError, Req, lock};
use crate::local::exec::{FunctionCode, Invocation, Outcome};
use crate::wire::REQUEST_ID_HEADER;

/// What the execution engine needs to run a configuration.
pub fn function_code(cfg: &FunctionConfig, region: &str) -> FunctionCode {
    let arn = function_arn(region, &cfg.name);
    FunctionCode {
        name: cfg.name.clone(),
        runtime: cfg.runtime.clone(),
        arn: if cfg.version == "$LATEST" {
            arn
        } else {
            format!("{arn}:{}", cfg.version)
        },
        version: cfg.version.clone(),
        // A version published from $LATEST shares its revision: its environments are its own.
        revision: format!("{}@{}", cfg.revision_id, cfg.version),
        zip: cfg.zip.clone(),
        handler: cfg.handler.clone().unwrap_or_default(),
        memory_mb: cfg.memory_size,
        timeout_secs: cfg.timeout,
        environment: cfg.environment.clone(),
        region: region.to_owned(),
        logging: {
            let l = cfg.logging();
            crate::local::exec::LogSettings {
                group: l.log_group,
                json: l.log_format.as_deref() == Some("JSON"),
                system_level: l.system_log_level,
                application_level: l.application_log_level,
            }
        },
    }
}

fn error_document(error: InvocationError) -> Bytes {
    Bytes::from(serde_json::to_vec(&error).unwrap_or_default())
}

/// The payload Lambda returns for a failed invocation, and whether it is an error at all.
pub fn outcome_payload(inv: &Invocation, timeout_secs: u32) -> (Bytes, bool) {
    match &inv.outcome {
        Outcome::Response(b) => (b.clone(), false),
        Outcome::FunctionError(b) => (b.clone(), true),
        Outcome::Timeout => (
            error_document(InvocationError {
                error_message: format!(
                    "RequestId: {} Error: Task timed out after {timeout_secs}.00 seconds",
                    inv.request_id
                ),
                error_type: "Sandbox.Timedout",
            }),
            true,
        ),
        Outcome::Crashed(reason) => (
            error_document(InvocationError {
                error_message: format!("RequestId: {} Error: {reason}", inv.request_id),
                error_type: crate::local::exec::error_type(reason),
            }),
            true,
        ),
    }
}

/// Which API a call came through: Invoke, or the deprecated InvokeAsync
/// (`POST /2014-11-13/functions/{name}/invoke-async/`), which AWS still serves: always an event
/// (asynchronous) invocation of `$LATEST`, answered 202 with `{"Status": 202}`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Api {
    Invoke,
    InvokeAsync,
}

pub(super) async fn invoke(cx: &Ctx<'_>, req: &Req, raw: &str, api: Api) -> Result<Response> {
    super::names::check_function_ref(raw, req.query_one("Qualifier"))?;
    let (name, q) = parse_function_name(raw);
    let (function, executed_version, reserved) = {
        let state = lock(cx.state);
        let q = qualifier(req, q.as_deref());
        // An alias with a routing config sends its weighted share to the additional version;
        // X-Amz-Executed-Version answers which ran.
        let routed = q
            .and_then(|q| state.functions.get(&name)?.aliases.get(q))
            .map(|a| a.routed_version(rand::random::<f64>()).to_owned());
        let (_, cfg) = resolve(&state, cx.region, &name, routed.as_deref().or(q)).map_err(|e| {
            // Invoke names the missing function with the qualifier it would run, `$LATEST` by default.
            if q.is_none() && !state.functions.contains_key(&name) {
                super::model::not_found(cx.region, &name, Some("$LATEST"))
            } else {
                e
            }
        })?;
        // While an update is applied the previous configuration runs; a function being created
        // cannot be invoked yet.
        let cfg = cfg.runnable()?;
        let reserved = state
            .functions
            .get(&name)
            .and_then(|f| f.reserved_concurrency);
        (function_code(cfg, cx.region), cfg.version.clone(), reserved)
    };
    let payload = if req.body.is_empty() {
        Bytes::from_static(b"{}")
    } else {
        req.body.clone()
    };
    if serde_json::from_slice::<serde::de::IgnoredAny>(&payload).is_err() {
        return Err(LambdaError::new(
            StatusCode::BAD_REQUEST,
            "InvalidRequestContentException",
            "Could not parse request body into json: Unexpected character",
        ));
    }
    let client_context = match req.header("x-amz-client-context") {
        None => None,
        Some(encoded) => Some(
            B64.decode(encoded)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .filter(|c| serde_json::from_str::<serde::de::IgnoredAny>(c).is_ok())
                .ok_or_else(|| {
                    LambdaError::new(
                        StatusCode::BAD_REQUEST,
                        "InvalidRequestContentException",
                        "Client context must be a valid Base64-encoded JSON object.",
                    )
                })?,
        ),
    };
    let version_header = HeaderValue::from_str(&executed_version)
        .unwrap_or_else(|_| HeaderValue::from_static("$LATEST"));
    let invocation_type = match api {
        Api::InvokeAsync => "Event",
        Api::Invoke => req
            .header("x-amz-invocation-type")
            .unwrap_or("RequestResponse"),
    };
    let accepted = |version_header: HeaderValue| {
        let mut r = match api {
            Api::Invoke => empty(StatusCode::ACCEPTED),
            Api::InvokeAsync => super::ops::ok(
                StatusCode::ACCEPTED,
                serde_json::json!({"Status": StatusCode::ACCEPTED.as_u16()}),
            ),
        };
        r.headers_mut()
            .insert("X-Amz-Executed-Version", version_header);
        r
    };
    match invocation_type {
        "DryRun" => {
            let mut r = empty(StatusCode::NO_CONTENT);
            r.headers_mut()
                .insert("X-Amz-Executed-Version", version_header);
            return Ok(r);
        }
        "Event" if reserved == Some(0) => return Ok(accepted(version_header)),
        "Event" => {
            let executor = cx.executor.clone();
            tokio::spawn(async move {
                executor
                    .invoke_with(&function, payload, client_context)
                    .await;
            });
            return Ok(accepted(version_header));
        }
        // Reserved concurrency 0 throttles every synchronous invocation (asynchronous ones are
        // accepted, then throttled: nothing runs).
        "RequestResponse" if reserved == Some(0) => return Ok(super::settings::throttled()),
        "RequestResponse" => {}
        other => {
            return Err(LambdaError::invalid(format!(
                "1 validation error detected: Value '{other}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]"
            )));
        }
    }
    let inv = cx
        .executor
        .invoke_with(&function, payload, client_context)
        .await;
    let (payload, is_error) = outcome_payload(&inv, function.timeout_secs);
    let mut r = (StatusCode::OK, payload).into_response();
    let h = r.headers_mut();
    h.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert("X-Amz-Executed-Version", version_header);
    if let Ok(v) = HeaderValue::from_str(&inv.request_id) {
        h.insert(REQUEST_ID_HEADER, v);
    }
    if is_error {
        h.insert(
            "X-Amz-Function-Error",
            HeaderValue::from_static("Unhandled"),
        );
    }
    if req.header("x-amz-log-type") == Some("Tail") {
        let tail = inv.log_tail.as_bytes();
        let tail = &tail[tail.len().saturating_sub(4096)..];
        if let Ok(v) = HeaderValue::from_str(&B64.encode(tail)) {
            h.insert("X-Amz-Log-Result", v);
        }
    }
    Ok(r)
}
