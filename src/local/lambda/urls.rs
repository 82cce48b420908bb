//! Function URLs' control plane, with the shapes and messages of AWS's recorded answers:
//! Create / Get / Update / Delete / ListFunctionUrlConfigs, one config per function (`$LATEST`) or
//! alias. The URL each one names is served by `url_invoke.rs`.

use axum::http::{Method as Verb, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::Ctx;
use super::model::{LambdaState, function_arn, parse_function_name};
use super::ops::save;
use crate::local::common::{LambdaError, Req, lock, random_id};

type Result<T, E = LambdaError> = std::result::Result<T, E>;

/// The host suffix of a function URL after its id: `<url-id>.lambda-url.<region>.on.aws`.
pub const URL_HOST_INFIX: &str = ".lambda-url.";

/// The key of `$LATEST`'s config (an unqualified URL) among a function's URL configs.
pub const LATEST: &str = "$LATEST";

/// One function URL: its id (the host's first label), how it is authorised, its CORS settings and
/// invoke mode.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FunctionUrl {
    pub url_id: String,
    pub auth_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cors: Option<Cors>,
    /// `BUFFERED` (the default) or `RESPONSE_STREAM`; `None` until set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoke_mode: Option<String>,
    pub creation_time: String,
    pub last_modified_time: String,
}

/// A function URL's CORS settings, as given.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct Cors {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_credentials: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_headers: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_methods: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_origins: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expose_headers: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct UrlConfigIn {
    auth_type: Option<String>,
    cors: Option<Cors>,
    invoke_mode: Option<String>,
}

/// A config as the answers render it; which members appear depends on the operation (see
/// [`Shape`]).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct UrlConfigOut {
    function_url: String,
    function_arn: String,
    auth_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    cors: Option<Cors>,
    creation_time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_modified_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    invoke_mode: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct UrlConfigsOut {
    function_url_configs: Vec<UrlConfigOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_marker: Option<String>,
}

/// What AWS's recorded answers carry: Create answers without LastModifiedTime, Update with it; both
/// carry InvokeMode only when one was ever given; Get and the list carry both (InvokeMode `BUFFERED`
/// by default).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Created,
    Updated,
    Full,
}

/// The URL AWS gives a config: `https://<url-id>.lambda-url.<region>.on.aws/`.
pub fn function_url(url_id: &str, region: &str) -> String {
    format!("https://{url_id}{URL_HOST_INFIX}{region}.on.aws/")
}

fn render(
    region: &str,
    function: &str,
    qualifier: &str,
    u: &FunctionUrl,
    shape: Shape,
) -> UrlConfigOut {
    let arn = function_arn(region, function);
    UrlConfigOut {
        function_url: function_url(&u.url_id, region),
        function_arn: if qualifier == LATEST {
            arn
        } else {
            format!("{arn}:{qualifier}")
        },
        auth_type: u.auth_type.clone(),
        cors: u.cors.clone(),
        creation_time: u.creation_time.clone(),
        last_modified_time: (shape != Shape::Created).then(|| u.last_modified_time.clone()),
        invoke_mode: match shape {
            Shape::Full => Some(
                u.invoke_mode
                    .clone()
                    .unwrap_or_else(|| "BUFFERED".to_owned()),
            ),
            Shape::Created | Shape::Updated => u.invoke_mode.clone(),
        },
    }
}

/// Serves the calls this module owns; `None` when the request is none of them.
pub fn route(cx: &Ctx<'_>, req: &Req) -> Option<Result<Response>> {
    let seg: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    Some(match (seg.as_slice(), &req.method) {
        (["2021-10-31", "functions", name, "url"], verb) => match *verb {
            Verb::POST => create(cx, req, name),
            Verb::GET => get(cx, req, name),
            Verb::PUT => update(cx, req, name),
            Verb::DELETE => delete(cx, req, name),
            _ => return None,
        },
        (["2021-10-31", "functions", name, "urls"], &Verb::GET) => list(cx, req, name),
        _ => return None,
    })
}

fn validation(message: String) -> LambdaError {
    LambdaError::new(StatusCode::BAD_REQUEST, "ValidationException", message)
}

/// A function URL's qualifier names an alias: not a version, not `$LATEST` (AWS's pattern).
fn check_qualifier(q: &str) -> Result<()> {
    let valid = !q.is_empty()
        && q.len() <= 128
        && q.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && !q.chars().all(|c| c.is_ascii_digit());
    if valid {
        return Ok(());
    }
    Err(validation(format!(
        "1 validation error detected: Value '{q}' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: ((?!^\\d+$)^[0-9a-zA-Z-_]+$)"
    )))
}

fn check_enum(value: &str, at: &str, allowed: &[&str]) -> Result<()> {
    if allowed.contains(&value) {
        return Ok(());
    }
    Err(validation(format!(
        "1 validation error detected: Value '{value}' at '{at}' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
        allowed.join(", ")
    )))
}

fn check_input(input: &UrlConfigIn) -> Result<()> {
    if let Some(a) = &input.auth_type {
        check_enum(a, "authType", &["NONE", "AWS_IAM"])?;
    }
    if let Some(m) = &input.invoke_mode {
        check_enum(m, "invokeMode", &["RESPONSE_STREAM", "BUFFERED"])?;
    }
    if let Some(age) = input.cors.as_ref().and_then(|c| c.max_age)
        && !(0..=86_400).contains(&age)
    {
        return Err(validation(format!(
            "1 validation error detected: Value '{age}' at 'cors.maxAge' failed to satisfy constraint: Member must have value less than or equal to 86400"
        )));
    }
    Ok(())
}

/// The function and qualifier (`$LATEST` for none) a call names, checked as AWS checks them: the
/// name's pattern, then the `Qualifier` parameter's, then that the name's own qualifier agrees.
fn target(req: &Req, raw: &str) -> Result<(String, String)> {
    super::names::check_function_ref(raw, None)?;
    let given = req.query_one("Qualifier");
    if let Some(q) = given {
        check_qualifier(q)?;
    }
    let in_name = super::ops::named_qualifier_in_name(raw);
    if let (Some(a), Some(b)) = (&in_name, given)
        && a != b
    {
        return Err(LambdaError::invalid(
            "The derived qualifier from the function name does not match the specified qualifier.",
        ));
    }
    let (name, _) = parse_function_name(raw);
    let qualifier = given
        .map(ToOwned::to_owned)
        .or(in_name)
        .unwrap_or_else(|| LATEST.to_owned());
    if qualifier != LATEST {
        check_qualifier(&qualifier)?;
    }
    Ok((name, qualifier))
}

/// Whether the function and (for a qualified call) its alias exist.
fn exists(state: &LambdaState, name: &str, qualifier: &str) -> bool {
    state
        .functions
        .get(name)
        .is_some_and(|f| qualifier == LATEST || f.aliases.contains_key(qualifier))
}

fn function_missing() -> LambdaError {
    LambdaError::not_found("Function does not exist")
}

fn resource_missing() -> LambdaError {
    LambdaError::not_found("The resource you requested does not exist.")
}

fn now() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string()
}

fn create(cx: &Ctx<'_>, req: &Req, raw: &str) -> Result<Response> {
    let input: UrlConfigIn = req.json().map_err(LambdaError::invalid)?;
    let (name, qualifier) = target(req, raw)?;
    let auth_type = input.auth_type.clone().ok_or_else(|| {
        validation(
            "1 validation error detected: Value null at 'authType' failed to satisfy constraint: Member must not be null".to_owned(),
        )
    })?;
    check_input(&input)?;
    let rendered = {
        let mut state = lock(cx.state);
        if !exists(&state, &name, &qualifier) {
            return Err(function_missing());
        }
        let Some(f) = state.functions.get_mut(&name) else {
            return Err(function_missing());
        };
        if f.urls.contains_key(&qualifier) {
            let arn = function_arn(cx.region, &name);
            let arn = if qualifier == LATEST {
                arn
            } else {
                format!("{arn}:{qualifier}")
            };
            return Err(LambdaError::conflict(format!(
                "Failed to create function url config for [functionArn = {arn}]. Error message:  FunctionUrlConfig exists for this Lambda function"
            )));
        }
        let at = now();
        let url = FunctionUrl {
            url_id: random_id(32),
            auth_type,
            cors: input.cors,
            invoke_mode: input.invoke_mode,
            creation_time: at.clone(),
            last_modified_time: at,
        };
        let rendered = render(cx.region, &name, &qualifier, &url, Shape::Created);
        f.urls.insert(qualifier, url);
        rendered
    };
    save(cx)?;
    Ok((StatusCode::CREATED, axum::Json(rendered)).into_response())
}

fn get(cx: &Ctx<'_>, req: &Req, raw: &str) -> Result<Response> {
    let (name, qualifier) = target(req, raw)?;
    let state = lock(cx.state);
    let url = state
        .functions
        .get(&name)
        .filter(|_| exists(&state, &name, &qualifier))
        .and_then(|f| f.urls.get(&qualifier))
        .ok_or_else(resource_missing)?;
    Ok(ok(render(cx.region, &name, &qualifier, url, Shape::Full)))
}

fn update(cx: &Ctx<'_>, req: &Req, raw: &str) -> Result<Response> {
    let input: UrlConfigIn = req.json().map_err(LambdaError::invalid)?;
    let (name, qualifier) = target(req, raw)?;
    check_input(&input)?;
    let rendered = {
        let mut state = lock(cx.state);
        if !exists(&state, &name, &qualifier) {
            return Err(function_missing());
        }
        let url = state
            .functions
            .get_mut(&name)
            .and_then(|f| f.urls.get_mut(&qualifier))
            .ok_or_else(resource_missing)?;
        if let Some(a) = input.auth_type {
            url.auth_type = a;
        }
        if let Some(c) = input.cors {
            url.cors = Some(c);
        }
        if let Some(m) = input.invoke_mode {
            url.invoke_mode = Some(m);
        }
        url.last_modified_time = now();
        render(cx.region, &name, &qualifier, url, Shape::Updated)
    };
    save(cx)?;
    Ok(ok(rendered))
}

fn delete(cx: &Ctx<'_>, req: &Req, raw: &str) -> Result<Response> {
    let (name, qualifier) = target(req, raw)?;
    {
        let mut state = lock(cx.state);
        if !exists(&state, &name, &qualifier) {
            return Err(resource_missing());
        }
        state
            .functions
            .get_mut(&name)
            .and_then(|f| f.urls.remove(&qualifier))
            .ok_or_else(resource_missing)?;
    }
    save(cx)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn list(cx: &Ctx<'_>, req: &Req, raw: &str) -> Result<Response> {
    super::names::check_function_ref(raw, None)?;
    let (name, _) = parse_function_name(raw);
    let max_items = match req.query_one("MaxItems") {
        None => 50,
        Some(m) => match m.parse::<usize>() {
            Ok(n) if (1..=50).contains(&n) => n,
            _ => {
                return Err(validation(format!(
                    "1 validation error detected: Value '{m}' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 50"
                )));
            }
        },
    };
    let state = lock(cx.state);
    let f = state.functions.get(&name).ok_or_else(function_missing)?;
    // Listed by qualifier; the marker is the last qualifier of the previous page.
    let after = req.query_one("Marker");
    let mut rest = f
        .urls
        .iter()
        .filter(|(q, _)| after.is_none_or(|m| q.as_str() > m))
        .peekable();
    let mut page = Vec::new();
    let mut last = None;
    while page.len() < max_items {
        let Some((q, u)) = rest.next() else { break };
        page.push(render(cx.region, &name, q, u, Shape::Full));
        last = Some(q.clone());
    }
    let next_marker = rest.peek().and(last);
    Ok(ok(UrlConfigsOut {
        function_url_configs: page,
        next_marker,
    }))
}

fn ok(body: impl Serialize) -> Response {
    (StatusCode::OK, axum::Json(body)).into_response()
}

/// The config a URL id names in this region's state: (function, qualifier, config).
pub fn find<'a>(
    state: &'a LambdaState,
    url_id: &str,
) -> Option<(&'a str, &'a str, &'a FunctionUrl)> {
    state.functions.iter().find_map(|(name, f)| {
        f.urls
            .iter()
            .find(|(_, u)| u.url_id == url_id)
            .map(|(q, u)| (name.as_str(), q.as_str(), u))
    })
}

/// The URL id and region of a function URL's host (`<url-id>.lambda-url.<region>.on.aws`, or a
/// local form: `....<region>.localhost[...]`), port aside.
pub fn parse_host(host: &str) -> Option<(&str, Option<&str>)> {
    let hostname = host.rsplit_once(':').map_or(host, |(h, _)| h);
    let (id, rest) = hostname.split_once(URL_HOST_INFIX)?;
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return None;
    }
    let region = rest
        .split('.')
        .next()
        .filter(|r| super::names::is_region(r));
    let known = rest.ends_with(".on.aws") || rest.contains("localhost") || rest == "localhost";
    known.then_some((id, region))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_hosts_name_their_id_and_region() {
        assert_eq!(
            parse_host("abcd1234.lambda-url.us-east-1.on.aws"),
            Some(("abcd1234", Some("us-east-1")))
        );
        assert_eq!(
            parse_host("abcd1234.lambda-url.eu-west-2.localhost.localstack.cloud:4566"),
            Some(("abcd1234", Some("eu-west-2")))
        );
        assert_eq!(
            parse_host("abcd1234.lambda-url.localhost:4566"),
            Some(("abcd1234", None))
        );
        assert_eq!(parse_host("abcd1234.execute-api.localhost"), None);
        assert_eq!(parse_host("abcd1234.lambda-url.example.com"), None);
        assert_eq!(
            function_url("abcd", "us-east-1"),
            "https://abcd.lambda-url.us-east-1.on.aws/"
        );
    }

    #[test]
    fn a_url_qualifier_names_an_alias_only() {
        assert!(check_qualifier("live").is_ok());
        assert!(check_qualifier("my-alias_2").is_ok());
        for bad in ["1", "$LATEST", "", "a:b"] {
            let e = check_qualifier(bad).unwrap_err();
            assert_eq!(e.code, "ValidationException", "{bad}");
        }
    }
}
