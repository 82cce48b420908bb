//! The account's and a function's invocation settings, with the shapes and messages of AWS's recorded
//! answers: GetAccountSettings (limits and usage), reserved concurrency (Put / Get / Delete
//! FunctionConcurrency; Invoke refuses a function reserved at 0) and event invoke configs (Put / Get /
//! Update / Delete / ListFunctionEventInvokeConfigs, per `$LATEST`, version or alias).

use axum::http::{Method as Verb, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::Ctx;
use super::model::{Function, LambdaState, function_arn, parse_function_name, resolve};
use super::ops::save;
use crate::local::common::{LambdaError, Req, lock};

type Result<T, E = LambdaError> = std::result::Result<T, E>;

/// The account's concurrency limit (AWS's default quota) and the share reserved concurrency may not
/// take from it.
pub const CONCURRENT_EXECUTIONS: u32 = 1000;
pub const MIN_UNRESERVED_CONCURRENCY: u32 = 100;
/// The account's code storage (75 GB), and the per-function package limits.
const TOTAL_CODE_SIZE_LIMIT: u64 = 80_530_636_800;
const CODE_SIZE_UNZIPPED: u64 = 262_144_000;
const CODE_SIZE_ZIPPED: u64 = 52_428_800;

/// Serves the calls this module owns; `None` when the request is none of them.
pub fn route(cx: &Ctx<'_>, req: &Req) -> Option<Result<Response>> {
    let seg: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    Some(match (seg.as_slice(), &req.method) {
        (["2016-08-19", "account-settings"], &Verb::GET) => Ok(account_settings(cx)),
        (["2017-10-31", "functions", name, "concurrency"], &Verb::PUT) => {
            put_concurrency(cx, req, name)
        }
        (["2017-10-31", "functions", name, "concurrency"], &Verb::DELETE) => {
            delete_concurrency(cx, name)
        }
        (["2019-09-30", "functions", name, "concurrency"], &Verb::GET) => get_concurrency(cx, name),
        (
            [
                "2019-09-25",
                "functions",
                name,
                "event-invoke-config",
                "list",
            ],
            &Verb::GET,
        ) => list_event_invoke_configs(cx, req, name),
        (["2019-09-25", "functions", name, "event-invoke-config"], verb) => match *verb {
            Verb::PUT => put_event_invoke_config(cx, req, name, false),
            Verb::POST => put_event_invoke_config(cx, req, name, true),
            Verb::GET => get_event_invoke_config(cx, req, name),
            Verb::DELETE => delete_event_invoke_config(cx, req, name),
            _ => return None,
        },
        _ => return None,
    })
}

fn ok(body: impl Serialize) -> Response {
    (StatusCode::OK, axum::Json(body)).into_response()
}

// ---------------------------------------------------------------------------------------------------
// GetAccountSettings

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct AccountSettings {
    account_limit: AccountLimit,
    account_usage: AccountUsage,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct AccountLimit {
    total_code_size: u64,
    code_size_unzipped: u64,
    code_size_zipped: u64,
    concurrent_executions: u32,
    unreserved_concurrent_executions: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct AccountUsage {
    total_code_size: u64,
    function_count: u64,
}

/// Concurrency reserved by every function of the region but `except`.
fn reserved_total(state: &LambdaState, except: Option<&str>) -> u32 {
    state
        .functions
        .iter()
        .filter(|(n, _)| Some(n.as_str()) != except)
        .filter_map(|(_, f)| f.reserved_concurrency)
        .sum()
}

/// The account's limits and usage in the region: every stored package counts toward TotalCodeSize,
/// `$LATEST` and each published version alike (as AWS's recorded usage grows with each version).
fn account_settings(cx: &Ctx<'_>) -> Response {
    let state = lock(cx.state);
    let total_code_size = state
        .functions
        .values()
        .flat_map(|f| std::iter::once(&f.latest).chain(f.versions.values()))
        .map(|c| c.code_size)
        .sum();
    ok(AccountSettings {
        account_limit: AccountLimit {
            total_code_size: TOTAL_CODE_SIZE_LIMIT,
            code_size_unzipped: CODE_SIZE_UNZIPPED,
            code_size_zipped: CODE_SIZE_ZIPPED,
            concurrent_executions: CONCURRENT_EXECUTIONS,
            unreserved_concurrent_executions: CONCURRENT_EXECUTIONS
                .saturating_sub(reserved_total(&state, None)),
        },
        account_usage: AccountUsage {
            total_code_size,
            function_count: state.functions.len() as u64,
        },
    })
}

// ---------------------------------------------------------------------------------------------------
// Reserved concurrency

#[derive(Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct Concurrency {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reserved_concurrent_executions: Option<u32>,
}

/// The function of a call that takes no qualifier: a qualified name or ARN is refused, as AWS does.
/// A missing function is named with `:$LATEST` by PutFunctionConcurrency (`latest`), without by the
/// reads, as AWS's recorded answers name it.
fn unqualified(cx: &Ctx<'_>, raw: &str, latest: bool) -> Result<String> {
    let qualified = raw
        .rsplit_once("function:")
        .map_or(raw, |(_, rest)| rest)
        .contains(':')
        || (!raw.contains("function:") && raw.contains(':') && !raw.starts_with("arn:"));
    if qualified {
        return Err(LambdaError::invalid(
            "This operation is permitted on Lambda functions only. Aliases and versions do not support this operation. Please specify either a function name or an unqualified function ARN.",
        ));
    }
    let (name, _) = parse_function_name(raw);
    let state = lock(cx.state);
    if !state.functions.contains_key(&name) {
        let suffix = if latest { ":$LATEST" } else { "" };
        return Err(LambdaError::not_found(format!(
            "Function not found: {}{suffix}",
            function_arn(cx.region, &name)
        )));
    }
    Ok(name)
}

fn put_concurrency(cx: &Ctx<'_>, req: &Req, raw: &str) -> Result<Response> {
    let input: Concurrency = req.json().map_err(LambdaError::invalid)?;
    let name = unqualified(cx, raw, true)?;
    let wanted = input.reserved_concurrent_executions.ok_or_else(|| {
        LambdaError::new(
            StatusCode::BAD_REQUEST,
            "ValidationException",
            "1 validation error detected: Value null at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must not be null",
        )
    })?;
    {
        let mut state = lock(cx.state);
        let others = reserved_total(&state, Some(&name));
        if CONCURRENT_EXECUTIONS.saturating_sub(others)
            < wanted.saturating_add(MIN_UNRESERVED_CONCURRENCY)
        {
            return Err(LambdaError::invalid(format!(
                "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [{MIN_UNRESERVED_CONCURRENCY}]."
            )));
        }
        if let Some(f) = state.functions.get_mut(&name) {
            f.reserved_concurrency = Some(wanted);
        }
    }
    save_settings(cx)?;
    Ok(ok(Concurrency {
        reserved_concurrent_executions: Some(wanted),
    }))
}

fn get_concurrency(cx: &Ctx<'_>, raw: &str) -> Result<Response> {
    let name = unqualified(cx, raw, false)?;
    let state = lock(cx.state);
    Ok(ok(Concurrency {
        reserved_concurrent_executions: state
            .functions
            .get(&name)
            .and_then(|f| f.reserved_concurrency),
    }))
}

fn delete_concurrency(cx: &Ctx<'_>, raw: &str) -> Result<Response> {
    let name = unqualified(cx, raw, false)?;
    if let Some(f) = lock(cx.state).functions.get_mut(&name) {
        f.reserved_concurrency = None;
    }
    save_settings(cx)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn save_settings(cx: &Ctx<'_>) -> Result<()> {
    save(cx)
}

/// Invoke's refusal of a function whose reserved concurrency is 0 (AWS's recorded answer).
pub fn throttled() -> Response {
    (
        StatusCode::TOO_MANY_REQUESTS,
        [("x-amzn-ErrorType", "TooManyRequestsException")],
        axum::Json(serde_json::json!({
            "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded",
            "Type": "User",
            "message": "Rate Exceeded.",
        })),
    )
        .into_response()
}

// ---------------------------------------------------------------------------------------------------
// Event invoke configs

/// How asynchronous invocations of one qualifier are retried and where their results go.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct EventInvokeConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_retry_attempts: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_event_age_in_seconds: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_success: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_failure: Option<String>,
    /// Epoch seconds.
    pub last_modified: f64,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct EventInvokeConfigIn {
    maximum_retry_attempts: Option<i64>,
    maximum_event_age_in_seconds: Option<i64>,
    destination_config: Option<DestinationConfigIn>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct DestinationConfigIn {
    on_success: Option<DestinationIn>,
    on_failure: Option<DestinationIn>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct DestinationIn {
    destination: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct EventInvokeConfigOut {
    last_modified: f64,
    function_arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    maximum_retry_attempts: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    maximum_event_age_in_seconds: Option<u32>,
    destination_config: DestinationConfigOut,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct DestinationConfigOut {
    on_success: DestinationOut,
    on_failure: DestinationOut,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct DestinationOut {
    #[serde(skip_serializing_if = "Option::is_none")]
    destination: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct EventInvokeConfigsOut {
    function_event_invoke_configs: Vec<EventInvokeConfigOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_marker: Option<String>,
}

fn render(
    region: &str,
    function: &str,
    qualifier: &str,
    c: &EventInvokeConfig,
) -> EventInvokeConfigOut {
    EventInvokeConfigOut {
        last_modified: c.last_modified,
        function_arn: format!("{}:{qualifier}", function_arn(region, function)),
        maximum_retry_attempts: c.maximum_retry_attempts,
        maximum_event_age_in_seconds: c.maximum_event_age_in_seconds,
        destination_config: DestinationConfigOut {
            on_success: DestinationOut {
                destination: c.on_success.clone(),
            },
            on_failure: DestinationOut {
                destination: c.on_failure.clone(),
            },
        },
    }
}

/// The function and qualifier a call names: in the name (`name:q`, an ARN with a qualifier) and/or
/// the `Qualifier` parameter, which must agree; `$LATEST` when neither names one.
fn target(req: &Req, raw: &str) -> Result<(String, String)> {
    let (name, _) = parse_function_name(raw);
    let in_name = super::ops::named_qualifier_in_name(raw);
    let given = req.query_one("Qualifier").map(ToOwned::to_owned);
    if let (Some(a), Some(b)) = (&in_name, &given)
        && a != b
    {
        return Err(LambdaError::invalid(
            "The derived qualifier from the function name does not match the specified qualifier.",
        ));
    }
    Ok((
        name,
        given.or(in_name).unwrap_or_else(|| "$LATEST".to_owned()),
    ))
}

fn function_missing() -> LambdaError {
    LambdaError::not_found("The function doesn't exist.")
}

fn config_missing(region: &str, function: &str, qualifier: &str) -> LambdaError {
    LambdaError::not_found(format!(
        "The function {}:{qualifier} doesn't have an EventInvokeConfig",
        function_arn(region, function)
    ))
}

/// The function, if it exists with this qualifier (`$LATEST`, a version or an alias).
fn function_with<'a>(
    state: &'a LambdaState,
    cx: &Ctx<'_>,
    name: &str,
    qualifier: &str,
) -> Option<&'a Function> {
    resolve(state, cx.region, name, Some(qualifier))
        .ok()
        .map(|(f, _)| f)
}

/// The model's pattern for a destination ARN.
const DESTINATION_PATTERN: &str = r"$|kafka://([^.]([a-zA-Z0-9\-_.]{0,248}))|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*)";

/// Checks a destination as AWS does: the model's pattern, a service that can receive results (SQS,
/// SNS, Lambda, EventBridge, S3), and for Lambda an existing function other than this one.
fn check_destination(
    state: &LambdaState,
    function: &str,
    which: &str,
    arn: &str,
    shown: &dyn Fn() -> String,
) -> Result<()> {
    let pattern = regex::Regex::new(&format!("^(?:{DESTINATION_PATTERN})$"))
        .map_err(|e| LambdaError::service(e.to_string()))?;
    if !pattern.is_match(arn) {
        return Err(LambdaError::new(
            StatusCode::BAD_REQUEST,
            "ValidationException",
            format!(
                "1 validation error detected: Value '{arn}' at 'destinationConfig.{which}.destination' failed to satisfy constraint: Member must satisfy regular expression pattern: {DESTINATION_PATTERN}"
            ),
        ));
    }
    let service = arn.split(':').nth(2).unwrap_or_default();
    match service {
        "lambda" => {
            let (target, _) = parse_function_name(arn);
            if target == function {
                return Err(LambdaError::invalid(
                    "You can't specify the function as a destination for itself.",
                ));
            }
            if !state.functions.contains_key(&target) {
                return Err(LambdaError::invalid(format!(
                    "The destination ARN {arn} is invalid."
                )));
            }
            Ok(())
        }
        "sqs" | "sns" | "events" | "s3" => Ok(()),
        _ => Err(LambdaError::invalid(format!(
            "The provided destination config {} is invalid.",
            shown()
        ))),
    }
}

fn check_range(value: Option<i64>, at: &str, min: i64, max: i64) -> Result<Option<u32>> {
    let Some(v) = value else {
        return Ok(None);
    };
    if v < min || v > max {
        let bound = if v < min {
            format!("greater than or equal to {min}")
        } else {
            format!("less than or equal to {max}")
        };
        return Err(LambdaError::new(
            StatusCode::BAD_REQUEST,
            "ValidationException",
            format!(
                "1 validation error detected: Value '{v}' at '{at}' failed to satisfy constraint: Member must have value {bound}"
            ),
        ));
    }
    Ok(u32::try_from(v).ok())
}

/// PutFunctionEventInvokeConfig (replaces the whole config) and, with `update`,
/// UpdateFunctionEventInvokeConfig (changes only what it names, on an existing config).
fn put_event_invoke_config(cx: &Ctx<'_>, req: &Req, raw: &str, update: bool) -> Result<Response> {
    let input: EventInvokeConfigIn = req.json().map_err(LambdaError::invalid)?;
    let retries = check_range(input.maximum_retry_attempts, "maximumRetryAttempts", 0, 2)?;
    let age = check_range(
        input.maximum_event_age_in_seconds,
        "maximumEventAgeInSeconds",
        60,
        21600,
    )?;
    let destinations = input.destination_config.unwrap_or_default();
    let on_success = destinations.on_success.map(|d| d.destination);
    let on_failure = destinations.on_failure.map(|d| d.destination);
    let given_destinations = on_success.is_some() || on_failure.is_some();
    if retries.is_none() && age.is_none() && !given_destinations {
        return Err(LambdaError::invalid(
            "You must specify at least one of error handling or destination setting.",
        ));
    }
    let (name, qualifier) = target(req, raw)?;
    let rendered = {
        let mut state = lock(cx.state);
        if function_with(&state, cx, &name, &qualifier).is_none() {
            return Err(function_missing());
        }
        let shown = || {
            let part = |d: &Option<Option<String>>, kind: &str| match d {
                None => "null".to_owned(),
                Some(d) => format!(
                    "{kind}(destination={})",
                    d.clone().unwrap_or_else(|| "null".into())
                ),
            };
            format!(
                "DestinationConfig(onSuccess={}, onFailure={})",
                part(&on_success, "OnSuccess"),
                part(&on_failure, "OnFailure")
            )
        };
        for (which, d) in [("onSuccess", &on_success), ("onFailure", &on_failure)] {
            if let Some(Some(arn)) = d {
                check_destination(&state, &name, which, arn, &shown)?;
            }
        }
        let f = state
            .functions
            .get_mut(&name)
            .ok_or_else(function_missing)?;
        let now = chrono::Utc::now().timestamp_millis() as f64 / 1000.0;
        let config = if update {
            let mut c = f
                .event_invoke_configs
                .get(&qualifier)
                .cloned()
                .ok_or_else(|| config_missing(cx.region, &name, &qualifier))?;
            if retries.is_some() {
                c.maximum_retry_attempts = retries;
            }
            if age.is_some() {
                c.maximum_event_age_in_seconds = age;
            }
            if let Some(d) = on_success {
                c.on_success = d;
            }
            if let Some(d) = on_failure {
                c.on_failure = d;
            }
            c.last_modified = now;
            c
        } else {
            EventInvokeConfig {
                maximum_retry_attempts: retries,
                maximum_event_age_in_seconds: age,
                on_success: on_success.flatten(),
                on_failure: on_failure.flatten(),
                last_modified: now,
            }
        };
        let rendered = render(cx.region, &name, &qualifier, &config);
        f.event_invoke_configs.insert(qualifier, config);
        rendered
    };
    save_settings(cx)?;
    Ok(ok(rendered))
}

fn get_event_invoke_config(cx: &Ctx<'_>, req: &Req, raw: &str) -> Result<Response> {
    let (name, qualifier) = target(req, raw)?;
    let state = lock(cx.state);
    let config = state
        .functions
        .get(&name)
        .and_then(|f| f.event_invoke_configs.get(&qualifier))
        .ok_or_else(|| config_missing(cx.region, &name, &qualifier))?;
    Ok(ok(render(cx.region, &name, &qualifier, config)))
}

fn delete_event_invoke_config(cx: &Ctx<'_>, req: &Req, raw: &str) -> Result<Response> {
    let (name, qualifier) = target(req, raw)?;
    {
        let mut state = lock(cx.state);
        state
            .functions
            .get_mut(&name)
            .and_then(|f| f.event_invoke_configs.remove(&qualifier))
            .ok_or_else(|| config_missing(cx.region, &name, &qualifier))?;
    }
    save_settings(cx)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// ListFunctionEventInvokeConfigs: `$LATEST`'s, then the versions' (by number), then the aliases'
/// (by name), `MaxItems` (1 to 50, default 50) at a time.
fn list_event_invoke_configs(cx: &Ctx<'_>, req: &Req, raw: &str) -> Result<Response> {
    let (name, _) = parse_function_name(raw);
    let limit = req
        .query_one("MaxItems")
        .and_then(|m| m.parse::<usize>().ok())
        .unwrap_or(50)
        .clamp(1, 50);
    let start = req
        .query_one("Marker")
        .and_then(|m| m.parse::<usize>().ok())
        .unwrap_or(0);
    let state = lock(cx.state);
    let f = state.functions.get(&name).ok_or_else(function_missing)?;
    let mut entries: Vec<(&String, &EventInvokeConfig)> = f.event_invoke_configs.iter().collect();
    let rank = |q: &str| match q {
        "$LATEST" => (0, 0, String::new()),
        q => match q.parse::<u64>() {
            Ok(n) => (1, n, String::new()),
            Err(_) => (2, 0, q.to_owned()),
        },
    };
    entries.sort_by_key(|(q, _)| rank(q));
    let page: Vec<EventInvokeConfigOut> = entries
        .iter()
        .skip(start)
        .take(limit)
        .map(|(q, c)| render(cx.region, &name, q, c))
        .collect();
    let next = start + page.len();
    Ok(ok(EventInvokeConfigsOut {
        function_event_invoke_configs: page,
        next_marker: (next < entries.len()).then(|| next.to_string()),
    }))
}

/// Drops the event invoke configs and function URLs of qualifiers that no longer exist (a deleted
/// version or alias): a deleted alias's URL is gone, as AWS deletes it.
pub fn prune(f: &mut Function) {
    let versions: Vec<String> = f.versions.keys().map(u64::to_string).collect();
    let aliases: Vec<String> = f.aliases.keys().cloned().collect();
    f.event_invoke_configs
        .retain(|q, _| q == "$LATEST" || versions.contains(q) || aliases.contains(q));
    f.urls.retain(|q, _| q == "$LATEST" || aliases.contains(q));
}
