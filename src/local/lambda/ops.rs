//! Lambda's control-plane operations: functions, code and configuration updates with the State and
//! LastUpdateStatus the SDK waiters expect, versions, permissions, tags and package downloads.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::http::{HeaderValue, Method as Verb, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::Serialize;

use super::model::{
    Function, FunctionConfig, function_arn, last_modified, new_revision, not_found,
    parse_function_name, resolve,
};
use super::names::{
    check_architectures, check_function_ref, check_new_function_name, check_role, check_runtime,
};
use super::policy::{Conditions, PolicyDocument, Principal, Statement};
use super::wire::{
    AddPermissionIn, AddPermissionOut, CodeIn, CodeLocation, CreateFunctionIn, ExtraSettingsIn,
    GetFunctionOut, GetPolicyOut, ListFunctionsOut, ListVersionsOut, Phase, PublishVersionIn,
    TagsIn, TagsOut, UpdateCodeIn, UpdateConfigIn, qualified, render, render_config,
};
use super::{CODE_PATH, Ctx};
use crate::local::common::{LambdaError, Req, lock};
use crate::local::exec::code::{self, CodeError};

pub type Result<T, E = LambdaError> = std::result::Result<T, E>;

pub(super) fn ok(status: StatusCode, body: impl Serialize) -> Response {
    (status, axum::Json(body)).into_response()
}

pub(super) fn empty(status: StatusCode) -> Response {
    status.into_response()
}

pub(super) fn body<T: serde::de::DeserializeOwned>(req: &Req) -> Result<T> {
    req.json().map_err(LambdaError::invalid)
}

pub(super) fn save(cx: &Ctx<'_>) -> Result<()> {
    cx.saver.save_control().map_err(LambdaError::service)
}

/// A checked package: its bytes and what Lambda reports about it.
struct Package {
    zip: Arc<Vec<u8>>,
    info: code::CodeInfo,
}

fn package(cx: &Ctx<'_>, code: Option<&CodeIn>) -> Result<Package> {
    let code =
        code.ok_or_else(|| LambdaError::invalid("Please provide a source for function code."))?;
    let Some(zip_b64) = &code.zip_file else {
        let what = if code.s3_bucket.is_some() {
            "S3 code locations"
        } else if code.image_uri.is_some() {
            "container images"
        } else {
            return Err(LambdaError::invalid(
                "Please provide a source for function code.",
            ));
        };
        return Err(LambdaError::invalid(format!(
            "lambdeck's local stack does not support {what}; upload the zip as ZipFile"
        )));
    };
    let zip = B64.decode(zip_b64).map_err(|_| {
        LambdaError::invalid(
            "Could not unzip uploaded file. Please check your file, then try to upload again.",
        )
    })?;
    let info = code::inspect(&zip).map_err(|e| match e {
        CodeError::Invalid(m) => LambdaError::invalid(m),
        CodeError::TooLarge(m) => LambdaError::too_large(m),
    })?;
    let pkg = Package {
        zip: Arc::new(zip),
        info,
    };
    let hex: String = B64
        .decode(&pkg.info.sha256)
        .map(|b| b.iter().map(|x| format!("{x:02x}")).collect())
        .unwrap_or_default();
    cx.saver
        .save_code(&hex, &pkg.zip)
        .map_err(LambdaError::service)?;
    Ok(pkg)
}

pub(super) fn check_limits(timeout: u32, memory: u32) -> Result<()> {
    if !(1..=900).contains(&timeout) {
        return Err(LambdaError::invalid(format!(
            "1 validation error detected: Value '{timeout}' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900"
        )));
    }
    if !(128..=10240).contains(&memory) {
        return Err(LambdaError::invalid(format!(
            "1 validation error detected: Value '{memory}' at 'memorySize' failed to satisfy constraint: Member must have value between 128 and 10240"
        )));
    }
    Ok(())
}

fn validation(message: String) -> LambdaError {
    LambdaError::new(StatusCode::BAD_REQUEST, "ValidationException", message)
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

/// Lambda's limit on the environment: its variables as compact JSON, at most 4 KB.
fn check_environment(variables: &BTreeMap<String, String>) -> Result<()> {
    let measured = serde_json::to_string(variables).unwrap_or_default();
    if measured.len() > 4096 {
        return Err(LambdaError::invalid(format!(
            "Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: {measured}"
        )));
    }
    Ok(())
}

/// A function carries at most 50 tags.
fn check_tag_count(count: usize) -> Result<()> {
    if count > 50 {
        return Err(LambdaError::invalid(
            "Number of tags exceeds resource tag limit.",
        ));
    }
    Ok(())
}

const LOG_LEVELS: [&str; 6] = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"];

/// Applies EphemeralStorage, TracingConfig, SnapStart and LoggingConfig (a partial LoggingConfig
/// updates only the members it names), refusing values outside AWS's model constraints with its
/// messages.
fn apply_settings(cfg: &mut FunctionConfig, extra: ExtraSettingsIn) -> Result<()> {
    if let Some(size) = extra.ephemeral_storage.and_then(|e| e.size) {
        if size < 512 {
            return Err(validation(format!(
                "1 validation error detected: Value '{size}' at 'ephemeralStorage.size' failed to satisfy constraint: Member must have value greater than or equal to 512"
            )));
        }
        if size > 10240 {
            return Err(validation(format!(
                "1 validation error detected: Value '{size}' at 'ephemeralStorage.size' failed to satisfy constraint: Member must have value less than or equal to 10240"
            )));
        }
        cfg.ephemeral_storage = u32::try_from(size).unwrap_or(512);
    }
    if let Some(mode) = extra.tracing_config.and_then(|t| t.mode) {
        check_enum(&mode, "tracingConfig.mode", &["Active", "PassThrough"])?;
        cfg.tracing_mode = Some(mode);
    }
    if let Some(apply_on) = extra.snap_start.and_then(|s| s.apply_on) {
        check_enum(
            &apply_on,
            "snapStart.applyOn",
            &["PublishedVersions", "None"],
        )?;
        cfg.snap_start = Some(apply_on);
    }
    if let Some(l) = extra.logging_config {
        let mut logging = cfg.logging.clone();
        if let Some(f) = l.log_format {
            check_enum(&f, "loggingConfig.logFormat", &["JSON", "Text"])?;
            logging.log_format = Some(f);
        }
        if let Some(level) = l.application_log_level {
            check_enum(&level, "loggingConfig.applicationLogLevel", &LOG_LEVELS)?;
            logging.application_log_level = Some(level);
        }
        if let Some(level) = l.system_log_level {
            check_enum(&level, "loggingConfig.systemLogLevel", &LOG_LEVELS)?;
            logging.system_log_level = Some(level);
        }
        if let Some(group) = l.log_group {
            logging.log_group = Some(group);
        }
        // Log levels belong to the JSON format: switching to Text drops them.
        if logging.log_format.as_deref() != Some("JSON") {
            logging.application_log_level = None;
            logging.system_log_level = None;
        }
        cfg.logging = logging;
    }
    Ok(())
}

pub(super) fn create_function(cx: &Ctx<'_>, req: &Req) -> Result<Response> {
    let input: CreateFunctionIn = body(req)?;
    let given = input.function_name.clone().unwrap_or_default();
    check_new_function_name(&given)?;
    let (name, _) = parse_function_name(&given);
    if let Some(runtime) = &input.runtime {
        check_runtime(runtime)?;
    }
    let role = input
        .role
        .clone()
        .filter(|r| !r.is_empty())
        .ok_or_else(|| {
            LambdaError::invalid("The role defined for the function cannot be assumed by Lambda.")
        })?;
    check_role(&role)?;
    if let Some(a) = &input.architectures {
        check_architectures(a)?;
    }
    let timeout = input.timeout.unwrap_or(3);
    let memory = input.memory_size.unwrap_or(128);
    check_limits(timeout, memory)?;
    if lock(cx.state).functions.contains_key(&name) {
        return Err(LambdaError::conflict(format!(
            "Function already exist: {name}"
        )));
    }
    if let Some(e) = &input.environment {
        check_environment(&e.variables)?;
    }
    check_tag_count(input.tags.len())?;
    // The settings' model constraints (ValidationException) are checked before the code is, as
    // AWS checks a request's constraints before anything else: the package comes in below.
    let mut cfg = FunctionConfig {
        name: name.clone(),
        version: "$LATEST".into(),
        runtime: input.runtime,
        role,
        handler: input.handler,
        description: input.description.unwrap_or_default(),
        timeout,
        memory_size: memory,
        last_modified: last_modified(),
        code_sha256: String::new(),
        code_size: 0,
        environment_given: input.environment.is_some(),
        environment: input.environment.unwrap_or_default().variables,
        revision_id: new_revision(),
        architectures: input
            .architectures
            .filter(|a| !a.is_empty())
            .unwrap_or_else(|| vec!["x86_64".into()]),
        ephemeral_storage: 512,
        tracing_mode: None,
        snap_start: None,
        logging: Default::default(),
        published_from: None,
        zip: Arc::new(Vec::new()),
        transition: None,
    };
    apply_settings(&mut cfg, input.extra)?;
    let pkg = package(cx, input.code.as_ref())?;
    cfg.code_sha256 = pkg.info.sha256;
    cfg.code_size = pkg.info.size;
    cfg.zip = pkg.zip;
    let value = {
        let mut state = lock(cx.state);
        if state.functions.contains_key(&name) {
            return Err(LambdaError::conflict(format!(
                "Function already exist: {name}"
            )));
        }
        let mut f = Function {
            latest: cfg,
            versions: BTreeMap::new(),
            policy: Vec::new(),
            policy_revision: new_revision(),
            tags: input.tags,
            aliases: BTreeMap::new(),
            reserved_concurrency: None,
            event_invoke_configs: BTreeMap::new(),
            urls: BTreeMap::new(),
        };
        // The answer carries the Pending state's RevisionId; settling to Active makes a new one.
        let mut revision = f.latest.begin_transition(cx.update_window, true, None);
        let shown = if input.publish {
            let (v, version_revision) = publish_pending(&mut f, cx.update_window);
            revision = version_revision;
            v
        } else {
            f.latest.clone()
        };
        // With Publish, Lambda answers with the new version's number but the unqualified ARN.
        let mut shown = render(&shown, cx.region, Phase::Creating);
        shown.function_arn = function_arn(cx.region, &name);
        shown.revision_id = revision;
        state.functions.insert(name, f);
        shown
    };
    save(cx)?;
    Ok(ok(StatusCode::CREATED, value))
}

pub(super) fn qualifier<'a>(req: &'a Req, from_name: Option<&'a str>) -> Option<&'a str> {
    req.query_one("Qualifier")
        .or(from_name)
        .filter(|q| *q != "$LATEST")
}

/// The qualifier a call named, `$LATEST` included (in the name or as `Qualifier`).
pub(super) fn named_qualifier(req: &Req, raw: &str) -> Option<String> {
    req.query_one("Qualifier")
        .map(ToOwned::to_owned)
        .or_else(|| named_qualifier_in_name(raw))
}

/// The qualifier the function name itself carries (`name:q`, `...:function:name:q`), `$LATEST`
/// included.
pub(super) fn named_qualifier_in_name(raw: &str) -> Option<String> {
    let rest = raw
        .find("function:")
        .map_or(raw, |i| &raw[i + "function:".len()..]);
    rest.split_once(':').map(|(_, q)| q.to_owned())
}

pub(super) fn get_function(cx: &Ctx<'_>, req: &Req, raw: &str, full: bool) -> Result<Response> {
    check_function_ref(raw, req.query_one("Qualifier"))?;
    let (name, q) = parse_function_name(raw);
    let state = lock(cx.state);
    let named = named_qualifier(req, raw);
    let (f, cfg) = resolve(&state, cx.region, &name, qualifier(req, q.as_deref()))
        // A missing function named with `:$LATEST` is reported with it, as AWS does.
        .map_err(|e| match named.as_deref() {
            Some("$LATEST") => not_found(cx.region, &name, Some("$LATEST")),
            _ => e,
        })?;
    let mut config = render_config(cfg, cx.region);
    // A qualified read answers with the ARN qualified as named (`:$LATEST`, `:1`, `:alias`).
    if let Some(named) = named {
        config = qualified(config, cx.region, &named);
    }
    if !full {
        return Ok(ok(StatusCode::OK, config));
    }
    let host = req.header("host").unwrap_or("127.0.0.1");
    let out = GetFunctionOut {
        configuration: config,
        code: CodeLocation {
            repository_type: "S3",
            location: format!("http://{host}{CODE_PATH}{}.zip", cfg.code_hex()),
        },
        tags: f.tags.clone(),
    };
    Ok(ok(StatusCode::OK, out))
}

pub(super) fn list_functions(cx: &Ctx<'_>, req: &Req) -> Result<Response> {
    let limit = req
        .query_one("MaxItems")
        .and_then(|m| m.parse::<usize>().ok())
        .unwrap_or(50)
        .clamp(1, 50);
    let all = match req.query_one("FunctionVersion") {
        None => false,
        Some("ALL") => true,
        Some(other) => {
            return Err(LambdaError::new(
                StatusCode::BAD_REQUEST,
                "ValidationException",
                format!(
                    "1 validation error detected: Value '{other}' at 'functionVersion' failed to satisfy constraint: Member must satisfy enum value set: [ALL]"
                ),
            ));
        }
    };
    let marker = req.query_one("Marker");
    let state = lock(cx.state);
    let mut items = state
        .functions
        .iter()
        .filter(|(n, _)| marker.is_none_or(|m| n.as_str() > m));
    let page: Vec<(&String, &Function)> = items.by_ref().take(limit).collect();
    let more = items.next().is_some();
    let functions = page
        .iter()
        .flat_map(|(_, f)| {
            if all {
                // Every version, `$LATEST` qualified as in ListVersionsByFunction.
                version_list(f, cx.region)
            } else {
                vec![render(&f.latest, cx.region, Phase::Listed)]
            }
        })
        .collect();
    let out = ListFunctionsOut {
        functions,
        next_marker: page.last().filter(|_| more).map(|(n, _)| (*n).clone()),
    };
    Ok(ok(StatusCode::OK, out))
}

/// `$LATEST` (its ARN qualified `:$LATEST`) and every published version, as Lambda lists them.
fn version_list(f: &Function, region: &str) -> Vec<super::wire::FunctionConfiguration> {
    std::iter::once(qualified(
        render(&f.latest, region, Phase::Listed),
        region,
        "$LATEST",
    ))
    .chain(
        f.versions
            .values()
            .map(|c| render(c, region, Phase::Listed)),
    )
    .collect()
}

pub(super) fn delete_function(cx: &Ctx<'_>, req: &Req, raw: &str) -> Result<Response> {
    check_function_ref(raw, req.query_one("Qualifier"))?;
    let (name, _) = parse_function_name(raw);
    let named = named_qualifier(req, raw);
    if named.as_deref() == Some("$LATEST") {
        return Err(LambdaError::invalid(
            "$LATEST version cannot be deleted without deleting the function.",
        ));
    }
    {
        let mut state = lock(cx.state);
        // AWS names the unqualified function when it is missing, whatever the qualifier.
        let f = state
            .functions
            .get_mut(&name)
            .ok_or_else(|| not_found(cx.region, &name, None))?;
        match named {
            None => {
                state.functions.remove(&name);
            }
            // Deleting a version that does not exist succeeds, as on AWS.
            Some(q) => match q.parse::<u64>() {
                Ok(n) => {
                    f.versions.remove(&n);
                    super::settings::prune(f);
                }
                Err(_) => {
                    return Err(LambdaError::invalid(format!(
                        "DeleteFunction deletes a function or one of its versions, not the alias {q}; use DeleteAlias"
                    )));
                }
            },
        }
    }
    save(cx)?;
    Ok(empty(StatusCode::NO_CONTENT))
}

pub(super) fn check_revision(f: &Function, expected: Option<&str>) -> Result<()> {
    match expected {
        Some(r) if r != f.latest.revision_id => Err(LambdaError::precondition_failed(
            "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id",
        )),
        _ => Ok(()),
    }
}

pub(super) fn update_code(cx: &Ctx<'_>, req: &Req, raw: &str) -> Result<Response> {
    let input: UpdateCodeIn = body(req)?;
    let (name, _) = parse_function_name(raw);
    {
        let state = lock(cx.state);
        let (f, _) = resolve(&state, cx.region, &name, None)?;
        f.latest.check_settled(cx.region)?;
        check_revision(f, input.revision_id.as_deref())?;
    }
    let code = CodeIn {
        zip_file: input.zip_file,
        s3_bucket: input.s3_bucket,
        image_uri: input.image_uri,
    };
    let pkg = package(cx, Some(&code))?;
    let value = {
        let mut state = lock(cx.state);
        let f = state
            .functions
            .get_mut(&name)
            .ok_or_else(|| not_found(cx.region, &name, None))?;
        // Another update may have started while the package was checked.
        f.latest.check_settled(cx.region)?;
        let mut cfg = f.latest.clone();
        cfg.code_sha256 = pkg.info.sha256;
        cfg.code_size = pkg.info.size;
        cfg.zip = pkg.zip;
        cfg.last_modified = last_modified();
        cfg.revision_id = new_revision();
        cfg.transition = None;
        if input.dry_run {
            return Ok(ok(StatusCode::OK, render(&cfg, cx.region, Phase::Settled)));
        }
        let previous = std::mem::replace(&mut f.latest, cfg);
        // The transitional state's RevisionId; settling makes a new one.
        let revision = f
            .latest
            .begin_transition(cx.update_window, false, Some(previous));
        if input.publish {
            // A version published with the update answers as a new function does: Pending.
            let (v, revision) = publish_pending(f, cx.update_window);
            let mut shown = render(&v, cx.region, Phase::Creating);
            shown.revision_id = revision;
            shown
        } else {
            let mut shown = render(&f.latest, cx.region, Phase::Updating);
            shown.revision_id = revision;
            shown
        }
    };
    save(cx)?;
    Ok(ok(StatusCode::OK, value))
}

pub(super) fn update_configuration(cx: &Ctx<'_>, req: &Req, raw: &str) -> Result<Response> {
    let input: UpdateConfigIn = body(req)?;
    let (name, _) = parse_function_name(raw);
    let value = {
        let mut state = lock(cx.state);
        let (f, _) = resolve(&state, cx.region, &name, None)?;
        f.latest.check_settled(cx.region)?;
        check_revision(f, input.revision_id.as_deref())?;
        let mut cfg = f.latest.clone();
        cfg.transition = None;
        if let Some(r) = input.role {
            check_role(&r)?;
            cfg.role = r;
        }
        if let Some(h) = input.handler {
            cfg.handler = Some(h);
        }
        if let Some(d) = input.description {
            cfg.description = d;
        }
        if let Some(r) = input.runtime {
            check_runtime(&r)?;
            cfg.runtime = Some(r);
        }
        cfg.timeout = input.timeout.unwrap_or(cfg.timeout);
        cfg.memory_size = input.memory_size.unwrap_or(cfg.memory_size);
        check_limits(cfg.timeout, cfg.memory_size)?;
        if let Some(e) = input.environment {
            check_environment(&e.variables)?;
            cfg.environment = e.variables;
            cfg.environment_given = true;
        }
        apply_settings(&mut cfg, input.extra)?;
        cfg.last_modified = last_modified();
        cfg.revision_id = new_revision();
        let f = state
            .functions
            .get_mut(&name)
            .ok_or_else(|| not_found(cx.region, &name, None))?;
        let previous = std::mem::replace(&mut f.latest, cfg);
        // The InProgress state's RevisionId; settling makes a new one.
        let revision = f
            .latest
            .begin_transition(cx.update_window, false, Some(previous));
        let mut value = render(&f.latest, cx.region, Phase::Updating);
        value.revision_id = revision;
        value
    };
    save(cx)?;
    Ok(ok(StatusCode::OK, value))
}

/// Publishes `$LATEST` as a new version with its own RevisionId (and `description`, when given),
/// unless `$LATEST` has not changed since the newest version was published: Lambda then returns
/// that version as it is.
pub(super) fn publish(f: &mut Function, description: Option<String>) -> FunctionConfig {
    if let Some((_, last)) = f.versions.iter().next_back() {
        let unchanged = match &last.published_from {
            Some(revision) => *revision == f.latest.revision_id,
            None => {
                last.code_sha256 == f.latest.code_sha256
                    && last.timeout == f.latest.timeout
                    && last.memory_size == f.latest.memory_size
                    && last.environment == f.latest.environment
                    && last.handler == f.latest.handler
                    && last.runtime == f.latest.runtime
            }
        };
        if unchanged {
            return last.clone();
        }
    }
    let n = f.versions.keys().next_back().map_or(1, |n| n + 1);
    let mut v = f.latest.clone();
    v.transition = None;
    v.version = n.to_string();
    v.revision_id = new_revision();
    // Publishing gives `$LATEST` a new RevisionId too (AWS's recorded revisions); the version
    // remembers it, so publishing again without a change returns this version.
    f.latest.revision_id = new_revision();
    v.published_from = Some(f.latest.revision_id.clone());
    if let Some(d) = description {
        v.description = d;
    }
    f.versions.insert(n, v.clone());
    v
}

/// Publishes the version a create or update with `Publish` makes: it is `Pending` for the window,
/// as a new function is. Returns it and the RevisionId its answer shows.
fn publish_pending(f: &mut Function, window: std::time::Duration) -> (FunctionConfig, String) {
    let v = publish(f, None);
    let stored = v
        .version
        .parse::<u64>()
        .ok()
        .and_then(|n| f.versions.get_mut(&n));
    match stored {
        Some(stored) => {
            let revision = stored.begin_transition(window, true, None);
            (stored.clone(), revision)
        }
        None => (v, new_revision()),
    }
}

pub(super) fn publish_version(cx: &Ctx<'_>, req: &Req, raw: &str) -> Result<Response> {
    let input: PublishVersionIn = body(req)?;
    let (name, _) = parse_function_name(raw);
    let value = {
        let mut state = lock(cx.state);
        let (f, _) = resolve(&state, cx.region, &name, None)?;
        f.latest.check_settled(cx.region)?;
        check_revision(f, input.revision_id.as_deref())?;
        if let Some(sha) = &input.code_sha256
            && *sha != f.latest.code_sha256
        {
            return Err(LambdaError::invalid(format!(
                "CodeSHA256 ({sha}) is different from current CodeSHA256 in $LATEST ({}). Please try again with the CodeSHA256 in $LATEST.",
                f.latest.code_sha256
            )));
        }
        let f = state
            .functions
            .get_mut(&name)
            .ok_or_else(|| not_found(cx.region, &name, None))?;
        let v = publish(f, input.description);
        render_config(&v, cx.region)
    };
    save(cx)?;
    Ok(ok(StatusCode::CREATED, value))
}

pub(super) fn list_versions(cx: &Ctx<'_>, raw: &str) -> Result<Response> {
    let (name, _) = parse_function_name(raw);
    let state = lock(cx.state);
    let (f, _) = resolve(&state, cx.region, &name, None)?;
    let versions = version_list(f, cx.region);
    Ok(ok(StatusCode::OK, ListVersionsOut { versions }))
}

pub(super) fn add_permission(cx: &Ctx<'_>, req: &Req, raw: &str) -> Result<Response> {
    let input: AddPermissionIn = body(req)?;
    let (name, q) = parse_function_name(raw);
    let sid = input.statement_id.unwrap_or_default();
    let action = input.action.unwrap_or_default();
    let principal = input.principal.unwrap_or_default();
    if sid.is_empty() || action.is_empty() || principal.is_empty() {
        return Err(LambdaError::invalid(
            "StatementId, Action and Principal are required",
        ));
    }
    let statement = {
        let mut state = lock(cx.state);
        let q = qualifier(req, q.as_deref()).map(str::to_owned);
        let (f, _) = resolve(&state, cx.region, &name, q.as_deref())?;
        check_revision(f, input.revision_id.as_deref())?;
        if f.policy.iter().any(|s| s["Sid"] == sid.as_str()) {
            return Err(LambdaError::conflict(format!(
                "The statement id ({sid}) provided already exists. Please provide a new statement id, or remove the existing statement."
            )));
        }
        let mut resource = function_arn(cx.region, &name);
        if let Some(q) = &q {
            resource = format!("{resource}:{q}");
        }
        let statement = Statement::allow(
            sid,
            Principal::parse(&principal, cx.region),
            action,
            resource,
            &Conditions {
                source_arn: input.source_arn.clone(),
                source_account: input.source_account.clone(),
                principal_org_id: input.principal_org_i_d.clone(),
                function_url_auth_type: input.function_url_auth_type.clone(),
                event_source_token: input.event_source_token.clone(),
                invoked_via_function_url: input.invoked_via_function_url == Some(true),
            },
        );
        let statement =
            serde_json::to_value(statement).map_err(|e| LambdaError::service(e.to_string()))?;
        if let Some(f) = state.functions.get_mut(&name) {
            f.policy.push(statement.clone());
            f.policy_revision = new_revision();
        }
        statement
    };
    save(cx)?;
    Ok(ok(
        StatusCode::CREATED,
        AddPermissionOut {
            statement: statement.to_string(),
        },
    ))
}

pub(super) fn get_policy(cx: &Ctx<'_>, raw: &str) -> Result<Response> {
    let (name, _) = parse_function_name(raw);
    let state = lock(cx.state);
    let (f, _) = resolve(&state, cx.region, &name, None)?;
    if f.policy.is_empty() {
        return Err(LambdaError::not_found(
            "The resource you requested does not exist.",
        ));
    }
    let policy = serde_json::to_string(&PolicyDocument::of(&f.policy))
        .map_err(|e| LambdaError::service(e.to_string()))?;
    Ok(ok(
        StatusCode::OK,
        GetPolicyOut {
            policy,
            revision_id: f.policy_revision.clone(),
        },
    ))
}

pub(super) fn remove_permission(cx: &Ctx<'_>, raw: &str, sid: &str) -> Result<Response> {
    let (name, _) = parse_function_name(raw);
    {
        let mut state = lock(cx.state);
        // AWS's recorded answers: a missing function has no policy to be found; a function without
        // a policy has none associated.
        let arn = function_arn(cx.region, &name);
        let f = state
            .functions
            .get_mut(&name)
            .ok_or_else(|| LambdaError::not_found(format!("No policy found for: {arn}")))?;
        if f.policy.is_empty() {
            return Err(LambdaError::not_found(
                "No policy is associated with the given resource.",
            ));
        }
        let before = f.policy.len();
        f.policy.retain(|s| s["Sid"] != sid);
        if f.policy.len() == before {
            return Err(LambdaError::not_found(format!(
                "Statement {sid} is not found in resource policy."
            )));
        }
        f.policy_revision = new_revision();
    }
    save(cx)?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// Serves a package by its SHA-256 (hex): where GetFunction's `Code.Location` points.
pub(super) fn download(cx: &Ctx<'_>, req: &Req) -> Response {
    let wanted = req
        .segments
        .last()
        .and_then(|s| s.strip_suffix(".zip"))
        .unwrap_or("");
    let zip = {
        let state = lock(cx.state);
        state
            .functions
            .values()
            .flat_map(|f| std::iter::once(&f.latest).chain(f.versions.values()))
            .find(|c| c.code_hex() == wanted)
            .map(|c| c.zip.clone())
    };
    match zip {
        Some(zip) => {
            let mut r = (StatusCode::OK, zip.as_ref().clone()).into_response();
            r.headers_mut().insert(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/zip"),
            );
            r
        }
        None => {
            LambdaError::not_found("The resource you requested does not exist.").into_response()
        }
    }
}

pub(super) fn tags(cx: &Ctx<'_>, req: &Req, arn: &str) -> Result<Response> {
    let (name, q) = parse_function_name(arn);
    if q.is_some() || arn.ends_with(":$LATEST") {
        return Err(LambdaError::invalid(
            "Tags on function aliases and versions are not supported. Please specify a function ARN.",
        ));
    }
    match req.method {
        Verb::GET => {
            let state = lock(cx.state);
            let (f, _) = resolve(&state, cx.region, &name, None)?;
            Ok(ok(
                StatusCode::OK,
                TagsOut {
                    tags: f.tags.clone(),
                },
            ))
        }
        Verb::POST => {
            let input: TagsIn = body(req)?;
            {
                let mut state = lock(cx.state);
                let (f, _) = resolve(&state, cx.region, &name, None)?;
                // Tagging changes the function (a new RevisionId): refused while a create or update
                // is applied, as the other updates are.
                f.latest.check_settled(cx.region)?;
                if input.tags.is_empty() {
                    return Err(LambdaError::invalid(
                        "An error occurred and the request cannot be processed.",
                    ));
                }
                let keys: std::collections::BTreeSet<&String> =
                    f.tags.keys().chain(input.tags.keys()).collect();
                check_tag_count(keys.len())?;
                if let Some(f) = state.functions.get_mut(&name) {
                    f.tags.extend(input.tags);
                    // Tagging is a change of the function: a new RevisionId, as on AWS.
                    f.latest.revision_id = new_revision();
                }
            }
            save(cx)?;
            Ok(empty(StatusCode::NO_CONTENT))
        }
        Verb::DELETE => {
            let keys = req.query_all("tagKeys");
            {
                let mut state = lock(cx.state);
                let (f, _) = resolve(&state, cx.region, &name, None)?;
                f.latest.check_settled(cx.region)?;
                if keys.is_empty() {
                    return Err(LambdaError::new(
                        StatusCode::BAD_REQUEST,
                        "ValidationException",
                        "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null",
                    ));
                }
                if let Some(f) = state.functions.get_mut(&name) {
                    for k in keys {
                        f.tags.remove(k);
                    }
                    f.latest.revision_id = new_revision();
                }
            }
            save(cx)?;
            Ok(empty(StatusCode::NO_CONTENT))
        }
        _ => Err(LambdaError::invalid("unsupported tags operation")),
    }
}
