//! The Lambda reads the Terraform AWS provider makes after every create and on every refresh
//! (code signing, recursion and runtime-management settings), and aliases. None of these settings is modelled beyond its default; each answers exactly what Lambda
//! answers for a function that never set it.

use axum::http::{Method as Verb, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::Ctx;
use super::model::{Function, LambdaState, function_arn, parse_function_name, resolve};
use super::ops::save;
use super::wire::{
    AliasConfiguration, AliasIn, Aliases, CodeSigningConfig, RecursionConfig,
    RuntimeManagementConfig,
};
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing_config: Option<serde_json::Value>,
}

impl Alias {
    /// The version an invocation of this alias runs, given a uniform draw in [0, 1): the additional
    /// version of the routing config for its weighted share of draws, else the alias's own.
    pub fn routed_version(&self, draw: f64) -> &str {
        let additional = self
            .routing_config
            .as_ref()
            .and_then(|c| c.get("AdditionalVersionWeights"))
            .and_then(|w| w.as_object())
            .and_then(|w| w.iter().next())
            .and_then(|(v, w)| Some((v, w.as_f64()?)));
        match additional {
            Some((version, weight)) if draw < weight => version,
            _ => &self.function_version,
        }
    }
}

/// A routing config with weights, or none (an empty one removes it).
fn routing(config: Option<serde_json::Value>) -> Option<serde_json::Value> {
    config.filter(|c| {
        c.get("AdditionalVersionWeights")
            .and_then(|w| w.as_object())
            .is_some_and(|w| !w.is_empty())
    })
}

/// Alias names: `[a-zA-Z0-9-_]+`, up to 128 characters, and not all digits (those are versions).
fn check_alias_name(name: &str) -> Result<()> {
    let valid = !name.is_empty()
        && name.len() <= 128
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && !name.chars().all(|c| c.is_ascii_digit());
    if valid {
        Ok(())
    } else {
        Err(LambdaError::new(
            StatusCode::BAD_REQUEST,
            "ValidationException",
            format!(
                "1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)"
            ),
        ))
    }
}

fn ok(body: impl Serialize) -> Response {
    (StatusCode::OK, axum::Json(body)).into_response()
}

fn exists(cx: &Ctx<'_>, raw: &str) -> Result<String> {
    let (name, _) = parse_function_name(raw);
    let state = lock(cx.state);
    resolve(&state, cx.region, &name, None)?;
    Ok(name)
}

/// Serves the calls this module owns; `None` when the request is none of them.
pub fn route(cx: &Ctx<'_>, req: &Req) -> Option<Result<Response>> {
    let seg: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    Some(match (seg.as_slice(), &req.method) {
        (["2020-06-30", "functions", name, "code-signing-config"], &Verb::GET) => exists(cx, name)
            .map(|n| {
                ok(CodeSigningConfig {
                    function_name: n,
                    code_signing_config_arn: String::new(),
                })
            }),
        (["2024-08-31", "functions", name, "recursion-config"], &Verb::GET) => exists(cx, name)
            .map(|_| {
                ok(RecursionConfig {
                    recursive_loop: "Terminate",
                })
            }),
        (["2021-07-20", "functions", name, "runtime-management-config"], &Verb::GET) => {
            exists(cx, name).map(|n| {
                ok(RuntimeManagementConfig {
                    update_runtime_on: "Auto",
                    function_arn: function_arn(cx.region, &n),
                })
            })
        }
        (["2015-03-31", "functions", name, "aliases"], &Verb::POST) => create_alias(cx, req, name),
        (["2015-03-31", "functions", name, "aliases"], &Verb::GET) => {
            list_aliases(cx, name, req.query_one("FunctionVersion"))
        }
        (["2015-03-31", "functions", name, "aliases", alias], &Verb::GET) => {
            get_alias(cx, name, alias)
        }
        (["2015-03-31", "functions", name, "aliases", alias], &Verb::PUT) => {
            update_alias(cx, req, name, alias)
        }
        (["2015-03-31", "functions", name, "aliases", alias], &Verb::DELETE) => {
            delete_alias(cx, name, alias)
        }
        _ => return None,
    })
}

fn render_alias(region: &str, function: &str, a: &Alias) -> AliasConfiguration {
    AliasConfiguration {
        alias_arn: format!("{}:{}", function_arn(region, function), a.name),
        name: a.name.clone(),
        function_version: a.function_version.clone(),
        description: a.description.clone(),
        revision_id: a.revision_id.clone(),
        routing_config: a.routing_config.clone(),
    }
}

/// GetAlias's (and most calls') missing alias; UpdateAlias words it as `Alias not found: ...`.
fn alias_not_found(region: &str, function: &str, alias: &str) -> LambdaError {
    LambdaError::not_found(format!(
        "Cannot find alias arn: {}:{alias}",
        function_arn(region, function)
    ))
}

/// Checks a routing config as AWS does, in AWS's order: the model's constraints on weights and
/// version keys, at most one additional version, every version existing, the additional version
/// not the alias's own, and no weights on an alias of `$LATEST`.
fn check_routing(
    cx: &Ctx<'_>,
    function: &str,
    target: &str,
    config: Option<&serde_json::Value>,
) -> Result<()> {
    let Some(weights) = config
        .and_then(|c| c.get("AdditionalVersionWeights"))
        .and_then(|w| w.as_object())
        .filter(|w| !w.is_empty())
    else {
        return Ok(());
    };
    let shown = || {
        let pairs: Vec<String> = weights
            .iter()
            .map(|(k, v)| format!("{k}={:?}", v.as_f64().unwrap_or(f64::NAN)))
            .collect();
        format!("{{{}}}", pairs.join(", "))
    };
    let validation =
        |m: String| LambdaError::new(StatusCode::BAD_REQUEST, "ValidationException", m);
    if weights
        .values()
        .any(|w| w.as_f64().is_none_or(|w| !(0.0..=1.0).contains(&w)))
    {
        return Err(validation(format!(
            "1 validation error detected: Value '{}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]",
            shown()
        )));
    }
    if weights
        .keys()
        .any(|k| k.is_empty() || !k.chars().all(|c| c.is_ascii_digit()))
    {
        return Err(validation(format!(
            "1 validation error detected: Value '{}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [0-9]+]",
            shown()
        )));
    }
    if weights.len() > 1 {
        return Err(LambdaError::invalid(
            "Number of items in AdditionalVersionWeights cannot be greater than 1",
        ));
    }
    check_version(cx, function, target)?;
    for version in weights.keys() {
        check_version(cx, function, version)?;
        if version == target {
            return Err(LambdaError::invalid(format!(
                "Invalid function version {version}. Function version {version} is already included in routing configuration."
            )));
        }
    }
    if target == "$LATEST" {
        return Err(LambdaError::invalid(
            "$LATEST is not supported for an alias pointing to more than 1 version",
        ));
    }
    Ok(())
}

fn check_version(cx: &Ctx<'_>, function: &str, version: &str) -> Result<()> {
    let state = lock(cx.state);
    resolve(&state, cx.region, function, Some(version)).map(|_| ())
}

fn create_alias(cx: &Ctx<'_>, req: &Req, raw: &str) -> Result<Response> {
    let input: AliasIn = req.json().map_err(LambdaError::invalid)?;
    // A missing function is named with the version the alias would point at, as AWS's recorded
    // answer names it.
    let function = exists(cx, raw).map_err(|e| match input.function_version.as_deref() {
        Some(v) if e.code == "ResourceNotFoundException" => {
            let (name, _) = parse_function_name(raw);
            LambdaError::not_found(format!(
                "Function not found: {}:{v}",
                function_arn(cx.region, &name)
            ))
        }
        _ => e,
    })?;
    let name = input.name.filter(|n| !n.is_empty()).ok_or_else(|| {
        LambdaError::invalid("1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null")
    })?;
    check_alias_name(&name)?;
    let version = input.function_version.unwrap_or_default();
    check_routing(cx, &function, &version, input.routing_config.as_ref())?;
    check_version(cx, &function, &version)?;
    let alias = Alias {
        name: name.clone(),
        function_version: version,
        description: input.description.unwrap_or_default(),
        revision_id: uuid::Uuid::new_v4().to_string(),
        routing_config: routing(input.routing_config),
    };
    {
        let mut state = lock(cx.state);
        let aliases = &mut function_mut(&mut state, cx, &function)?.aliases;
        if aliases.contains_key(&name) {
            return Err(LambdaError::conflict(format!(
                "Alias already exists: {}:{name}",
                function_arn(cx.region, &function)
            )));
        }
        aliases.insert(name, alias.clone());
    }
    save(cx)?;
    Ok((
        StatusCode::CREATED,
        axum::Json(render_alias(cx.region, &function, &alias)),
    )
        .into_response())
}

fn get_alias(cx: &Ctx<'_>, raw: &str, name: &str) -> Result<Response> {
    let function = exists(cx, raw)?;
    let state = lock(cx.state);
    let (f, _) = resolve(&state, cx.region, &function, None)?;
    let a = f
        .aliases
        .get(name)
        .ok_or_else(|| alias_not_found(cx.region, &function, name))?;
    Ok(ok(render_alias(cx.region, &function, a)))
}

fn list_aliases(cx: &Ctx<'_>, raw: &str, version: Option<&str>) -> Result<Response> {
    let function = exists(cx, raw)?;
    let state = lock(cx.state);
    let (f, _) = resolve(&state, cx.region, &function, None)?;
    let aliases = f
        .aliases
        .values()
        .filter(|a| version.is_none_or(|v| a.function_version == v))
        .map(|a| render_alias(cx.region, &function, a))
        .collect();
    Ok(ok(Aliases { aliases }))
}

fn update_alias(cx: &Ctx<'_>, req: &Req, raw: &str, name: &str) -> Result<Response> {
    let input: AliasIn = req.json().map_err(LambdaError::invalid)?;
    let function = exists(cx, raw)?;
    if let Some(v) = &input.function_version {
        check_version(cx, &function, v)?;
    }
    let current = {
        let state = lock(cx.state);
        let (f, _) = resolve(&state, cx.region, &function, None)?;
        f.aliases
            .get(name)
            .map(|a| (a.function_version.clone(), a.revision_id.clone()))
    };
    let Some((current, revision)) = current else {
        return Err(LambdaError::not_found(format!(
            "Alias not found: {}:{name}",
            function_arn(cx.region, &function)
        )));
    };
    if input.revision_id.as_ref().is_some_and(|r| *r != revision) {
        return Err(LambdaError::precondition_failed(
            "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id",
        ));
    }
    if input.routing_config.is_some() {
        let target = input.function_version.as_deref().unwrap_or(&current);
        check_routing(cx, &function, target, input.routing_config.as_ref())?;
    }
    let rendered = {
        let mut state = lock(cx.state);
        let a = function_mut(&mut state, cx, &function)?
            .aliases
            .get_mut(name)
            .ok_or_else(|| alias_not_found(cx.region, &function, name))?;
        if let Some(v) = input.function_version {
            a.function_version = v;
        }
        if let Some(d) = input.description {
            a.description = d;
        }
        if input.routing_config.is_some() {
            a.routing_config = routing(input.routing_config);
        }
        a.revision_id = uuid::Uuid::new_v4().to_string();
        render_alias(cx.region, &function, a)
    };
    save(cx)?;
    Ok(ok(rendered))
}

fn delete_alias(cx: &Ctx<'_>, raw: &str, name: &str) -> Result<Response> {
    let function = exists(cx, raw)?;
    {
        let mut state = lock(cx.state);
        let f = function_mut(&mut state, cx, &function)?;
        f.aliases.remove(name);
        super::settings::prune(f);
    }
    save(cx)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn function_mut<'a>(
    state: &'a mut LambdaState,
    cx: &Ctx<'_>,
    name: &str,
) -> Result<&'a mut Function> {
    resolve(state, cx.region, name, None)?;
    state.functions.get_mut(name).ok_or_else(|| {
        LambdaError::not_found(format!(
            "Function not found: {}",
            function_arn(cx.region, name)
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_alias_routes_its_weighted_share_to_the_additional_version() {
        let alias = Alias {
            name: "live".into(),
            function_version: "1".into(),
            description: String::new(),
            revision_id: String::new(),
            routing_config: Some(serde_json::json!({"AdditionalVersionWeights": {"2": 0.25}})),
        };
        assert_eq!(alias.routed_version(0.0), "2");
        assert_eq!(alias.routed_version(0.2499), "2");
        assert_eq!(alias.routed_version(0.25), "1");
        assert_eq!(alias.routed_version(0.99), "1");
        let plain = Alias {
            routing_config: None,
            ..alias
        };
        assert_eq!(plain.routed_version(0.0), "1");
    }
}
