//! The Lambda reads the Terraform AWS provider makes after every create and on every refresh
//! (code signing, concurrency, recursion and runtime-management settings, event invoke configs), and
//! aliases. None of these settings is modelled beyond its default; each answers exactly what Lambda
//! answers for a function that never set it.

use axum::http::{Method as Verb, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::model::{Function, LambdaState, function_arn, parse_function_name, resolve};
use crate::local::Services;
use crate::local::common::LambdaError;
use crate::local::common::Req;
use crate::local::common::lock;

type Result<T, E = LambdaError> = std::result::Result<T, E>;

/// An alias: a name pointing at a version.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Alias {
    pub name: String,
    pub function_version: String,
    #[serde(default)]
    pub description: String,
    pub revision_id: String,
}

fn ok(body: Value) -> Response {
    (StatusCode::OK, axum::Json(body)).into_response()
}

fn exists(svc: &Services, raw: &str) -> Result<String> {
    let (name, _) = parse_function_name(raw);
    let state = lock(&svc.store.lambda);
    resolve(&state, &svc.region, &name, None)?;
    Ok(name)
}

/// Serves the calls this module owns; `None` when the request is none of them.
pub fn route(svc: &Services, req: &Req) -> Option<Result<Response>> {
    let seg: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    Some(match (seg.as_slice(), &req.method) {
        (["2020-06-30", "functions", name, "code-signing-config"], &Verb::GET) => {
            exists(svc, name).map(|n| ok(json!({ "FunctionName": n, "CodeSigningConfigArn": "" })))
        }
        (["2019-09-30", "functions", name, "concurrency"], &Verb::GET) => {
            exists(svc, name).map(|_| ok(json!({})))
        }
        (["2024-08-31", "functions", name, "recursion-config"], &Verb::GET) => {
            exists(svc, name).map(|_| ok(json!({ "RecursiveLoop": "Terminate" })))
        }
        (["2021-07-20", "functions", name, "runtime-management-config"], &Verb::GET) => {
            exists(svc, name).map(|n| {
                ok(json!({
                    "UpdateRuntimeOn": "Auto",
                    "FunctionArn": function_arn(&svc.region, &n),
                }))
            })
        }
        (["2019-09-25", "functions", name, "event-invoke-config"], &Verb::GET) => exists(svc, name)
            .and_then(|n| {
                Err(LambdaError::not_found(format!(
                    "The function {} doesn't have an EventInvokeConfig",
                    function_arn(&svc.region, &n)
                )))
            }),
        (["2015-03-31", "functions", name, "aliases"], &Verb::POST) => create_alias(svc, req, name),
        (["2015-03-31", "functions", name, "aliases"], &Verb::GET) => list_aliases(svc, name),
        (["2015-03-31", "functions", name, "aliases", alias], &Verb::GET) => {
            get_alias(svc, name, alias)
        }
        (["2015-03-31", "functions", name, "aliases", alias], &Verb::PUT) => {
            update_alias(svc, req, name, alias)
        }
        (["2015-03-31", "functions", name, "aliases", alias], &Verb::DELETE) => {
            delete_alias(svc, name, alias)
        }
        _ => return None,
    })
}

fn render_alias(region: &str, function: &str, a: &Alias) -> Value {
    json!({
        "AliasArn": format!("{}:{}", function_arn(region, function), a.name),
        "Name": a.name,
        "FunctionVersion": a.function_version,
        "Description": a.description,
        "RevisionId": a.revision_id,
    })
}

fn alias_not_found(region: &str, function: &str, alias: &str) -> LambdaError {
    LambdaError::not_found(format!(
        "Alias not found: {}:{alias}",
        function_arn(region, function)
    ))
}

fn check_version(svc: &Services, function: &str, version: &str) -> Result<()> {
    let state = lock(&svc.store.lambda);
    resolve(&state, &svc.region, function, Some(version)).map(|_| ())
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AliasIn {
    name: Option<String>,
    function_version: Option<String>,
    description: Option<String>,
}

fn create_alias(svc: &Services, req: &Req, raw: &str) -> Result<Response> {
    let input: AliasIn = req.json().map_err(LambdaError::invalid)?;
    let function = exists(svc, raw)?;
    let name = input.name.filter(|n| !n.is_empty()).ok_or_else(|| {
        LambdaError::invalid("1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null")
    })?;
    let version = input.function_version.unwrap_or_default();
    check_version(svc, &function, &version)?;
    let alias = Alias {
        name: name.clone(),
        function_version: version,
        description: input.description.unwrap_or_default(),
        revision_id: uuid::Uuid::new_v4().to_string(),
    };
    {
        let mut state = lock(&svc.store.lambda);
        let aliases = &mut function_mut(&mut state, svc, &function)?.aliases;
        if aliases.contains_key(&name) {
            return Err(LambdaError::conflict(format!(
                "Alias already exists: {}:{name}",
                function_arn(&svc.region, &function)
            )));
        }
        aliases.insert(name, alias.clone());
    }
    save(svc)?;
    Ok((
        StatusCode::CREATED,
        axum::Json(render_alias(&svc.region, &function, &alias)),
    )
        .into_response())
}

fn get_alias(svc: &Services, raw: &str, name: &str) -> Result<Response> {
    let function = exists(svc, raw)?;
    let state = lock(&svc.store.lambda);
    let (f, _) = resolve(&state, &svc.region, &function, None)?;
    let a = f
        .aliases
        .get(name)
        .ok_or_else(|| alias_not_found(&svc.region, &function, name))?;
    Ok(ok(render_alias(&svc.region, &function, a)))
}

fn list_aliases(svc: &Services, raw: &str) -> Result<Response> {
    let function = exists(svc, raw)?;
    let state = lock(&svc.store.lambda);
    let (f, _) = resolve(&state, &svc.region, &function, None)?;
    let items: Vec<Value> = f
        .aliases
        .values()
        .map(|a| render_alias(&svc.region, &function, a))
        .collect();
    Ok(ok(json!({ "Aliases": items })))
}

fn update_alias(svc: &Services, req: &Req, raw: &str, name: &str) -> Result<Response> {
    let input: AliasIn = req.json().map_err(LambdaError::invalid)?;
    let function = exists(svc, raw)?;
    if let Some(v) = &input.function_version {
        check_version(svc, &function, v)?;
    }
    let rendered = {
        let mut state = lock(&svc.store.lambda);
        let a = function_mut(&mut state, svc, &function)?
            .aliases
            .get_mut(name)
            .ok_or_else(|| alias_not_found(&svc.region, &function, name))?;
        if let Some(v) = input.function_version {
            a.function_version = v;
        }
        if let Some(d) = input.description {
            a.description = d;
        }
        a.revision_id = uuid::Uuid::new_v4().to_string();
        render_alias(&svc.region, &function, a)
    };
    save(svc)?;
    Ok(ok(rendered))
}

fn delete_alias(svc: &Services, raw: &str, name: &str) -> Result<Response> {
    let function = exists(svc, raw)?;
    {
        let mut state = lock(&svc.store.lambda);
        function_mut(&mut state, svc, &function)?
            .aliases
            .remove(name);
    }
    save(svc)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn function_mut<'a>(
    state: &'a mut LambdaState,
    svc: &Services,
    name: &str,
) -> Result<&'a mut Function> {
    resolve(state, &svc.region, name, None)?;
    state.functions.get_mut(name).ok_or_else(|| {
        LambdaError::not_found(format!(
            "Function not found: {}",
            function_arn(&svc.region, name)
        ))
    })
}

fn save(svc: &Services) -> Result<()> {
    svc.store
        .save_control()
        .map_err(|e| LambdaError::service(e.to_string()))
}
