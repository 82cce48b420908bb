//! Discovery: the whole stack lambdeck.toml describes, read with concurrent calls and paginators, then
//! judged node by node. Missing pieces are part of the answer; only a failure that would make every
//! answer wrong (no credentials, endpoint down) fails the whole load.

use super::drift;
use crate::aws::{AwsError, Clients, ErrorKind, apigateway, iam, lambda, log_groups};
use crate::config::StackSpec;
use crate::model::{
    ApiSummary, Drift, Found, FunctionInfo, Health, IntegrationTarget, LogGroupInfo,
    PermissionInfo, RestApiInfo, RoleInfo, Stack, StackNames,
};
use crate::wire::{LOCAL_ACCOUNT_ID, arn_like};

/// The names every piece should have, from lambdeck.toml.
pub fn names(spec: &StackSpec) -> StackNames {
    StackNames {
        function: spec.function.name.clone(),
        log_group: spec.function.log_group(),
        role: spec.function.role.clone(),
        api: spec.api.name.clone(),
        stage: spec.api.stage.0.clone(),
    }
}

/// The REST API and what its stage serves, read as one chain of concurrent steps.
struct ApiRead {
    api: Found<RestApiInfo>,
    drift: Drift,
}

/// Loads the whole stack. Fails only when the target itself is unusable (credentials, endpoint).
pub async fn load_stack(clients: &Clients, spec: &StackSpec) -> Result<Stack, AwsError> {
    // Boxed so the future a caller holds stays small: the joined reads are large in debug builds and
    // callers (tests, the TUI's workers) poll it on ordinary thread stacks.
    Box::pin(load(clients, spec)).await
}

async fn load(clients: &Clients, spec: &StackSpec) -> Result<Stack, AwsError> {
    let names = names(spec);
    // Ok(None): IAM cannot be asked (the local stack has none), so the role is whatever the function
    // names; Ok(Some(None)): IAM says the role does not exist.
    let role_future = async {
        if clients.local {
            Ok(None)
        } else {
            match iam::get_role(&clients.iam, &names.role).await {
                Err(e) if iam::is_no_iam(&e) => Ok(None),
                other => other.map(Some),
            }
        }
    };
    let (function, log_group, policy, role, api) = tokio::join!(
        lambda::get_function(&clients.lambda, &names.function),
        log_groups::get_log_group(&clients.logs, &names.log_group),
        lambda::get_policy(&clients.lambda, &names.function),
        role_future,
        read_api(clients, spec, &names),
    );
    for err in [
        function.as_ref().err(),
        log_group.as_ref().err(),
        policy.as_ref().err(),
        role.as_ref().err(),
    ]
    .into_iter()
    .flatten()
    {
        if matches!(err.kind, ErrorKind::Credentials | ErrorKind::Unreachable) {
            return Err(err.clone());
        }
    }
    let api = api?;
    let function = found(function);
    let role = match role {
        Ok(Some(r)) => found(Ok(r)),
        Ok(None) => match function.as_ref().and_then(|f| f.role_arn.clone()) {
            Some(arn) => Found::Present(RoleInfo {
                name: arn.rsplit('/').next().unwrap_or(&arn).to_owned(),
                arn,
                verified: false,
                trusts_lambda: None,
                managed: false,
                health: Health::Ok,
                notes: vec![if clients.local {
                    "not checked: the local stack has no IAM".into()
                } else {
                    "not checked: this endpoint does not serve IAM".into()
                }],
            }),
            None => Found::Missing,
        },
        Err(e) => Found::Unknown {
            reason: e.to_string(),
        },
    };
    let permission = match policy {
        Ok(Some(statements)) => Found::Present(PermissionInfo {
            statements,
            allows_api: false,
            health: Health::Ok,
            notes: vec![],
        }),
        Ok(None) => Found::Missing,
        Err(e) => Found::Unknown {
            reason: e.to_string(),
        },
    };
    let mut stack = Stack {
        region: clients.region.clone(),
        endpoint_url: clients.endpoint_url.clone(),
        names,
        function,
        log_group: found(log_group),
        role,
        permission,
        api: api.api,
        drift: api.drift,
    };
    assess(&mut stack, spec);
    Ok(stack)
}

fn found<T>(r: Result<Option<T>, AwsError>) -> Found<T> {
    match r {
        Ok(Some(t)) => Found::Present(t),
        Ok(None) => Found::Missing,
        Err(e) => Found::Unknown {
            reason: e.to_string(),
        },
    }
}

async fn read_api(
    clients: &Clients,
    spec: &StackSpec,
    names: &StackNames,
) -> Result<ApiRead, AwsError> {
    let unknown = |reason: String| ApiRead {
        api: Found::Unknown {
            reason: reason.clone(),
        },
        drift: Drift::Unknown { reason },
    };
    let mut apis = match apigateway::find_rest_apis(&clients.apigateway, &names.api).await {
        Ok(apis) => apis,
        Err(e) if matches!(e.kind, ErrorKind::Credentials | ErrorKind::Unreachable) => {
            return Err(e);
        }
        Err(e) => return Ok(unknown(e.to_string())),
    };
    if apis.is_empty() {
        return Ok(ApiRead {
            api: Found::Missing,
            drift: Drift::Unknown {
                reason: format!("REST API {} not found", names.api),
            },
        });
    }
    // Prefer the API lambdeck created when several share the name.
    apis.sort_by_key(|a| !a.managed);
    let duplicates = apis.len() - 1;
    let mut api = apis.swap_remove(0);
    if duplicates > 0 {
        api.notes.push(format!(
            "{duplicates} other REST API(s) are also named {}; showing {}",
            names.api, api.id
        ));
    }
    let gw = &clients.apigateway;
    let endpoint = clients.endpoint_url.as_deref();
    let stage_name = names.stage.as_str();
    let id = api.id.clone();
    // The stage, then its deployment's apiSummary, runs alongside the other reads.
    let stage_and_summary = async {
        let stages = apigateway::get_stages(gw, &id, &clients.region, endpoint).await?;
        let deployment = stages
            .iter()
            .find(|s| s.name == stage_name)
            .and_then(|s| s.deployment_id.clone());
        let summary = match &deployment {
            Some(d) => Some(apigateway::get_api_summary(gw, &id, d).await),
            None => None,
        };
        Ok::<_, AwsError>((stages, deployment, summary))
    };
    let (resources, deployments, stages, export) = tokio::join!(
        apigateway::get_resources(gw, &id),
        apigateway::get_deployments(gw, &id),
        stage_and_summary,
        apigateway::get_export(gw, &id, stage_name),
    );
    let (stages, deployment, summary) = match stages {
        Ok(s) => s,
        Err(e) => return Ok(unknown(e.to_string())),
    };
    let resources = match resources {
        Ok(r) => r,
        Err(e) => return Ok(unknown(e.to_string())),
    };
    api.resources = resources;
    api.deployments = deployments.unwrap_or_else(|e| {
        api.notes.push(e.to_string());
        vec![]
    });
    for d in &mut api.deployments {
        d.stages = stages
            .iter()
            .filter(|s| s.deployment_id.as_deref() == Some(d.id.as_str()))
            .map(|s| s.name.clone())
            .collect();
    }
    api.stages = stages;
    let drift = match (deployment, summary) {
        (None, _) if api.stage(stage_name).is_none() => Drift::Unknown {
            reason: format!("stage {stage_name} not found"),
        },
        (None, _) | (_, None) => Drift::Unknown {
            reason: format!("stage {stage_name} has no deployment"),
        },
        (Some(_), Some(Err(e))) => Drift::Unknown {
            reason: e.to_string(),
        },
        (Some(dep), Some(Ok(summary))) => {
            let summary: ApiSummary = summary;
            let export = export.map_err(|e| e.to_string());
            let deployed =
                drift::deployed_api(&dep, &summary, export.as_ref().map_err(Clone::clone));
            let d = drift::compare(&api.resources, &deployed);
            api.deployed = Some(deployed);
            d
        }
    };
    let _ = spec;
    Ok(ApiRead {
        api: Found::Present(api),
        drift,
    })
}

/// The execution ARN API Gateway invokes a route with.
pub fn execute_arn(
    region: &str,
    account: &str,
    api_id: &str,
    stage: &str,
    verb: &str,
    path: &str,
) -> String {
    let verb = if verb == "ANY" { "*" } else { verb };
    format!(
        "arn:aws:execute-api:{region}:{account}:{api_id}/{stage}/{verb}/{}",
        path.trim_start_matches('/')
    )
}

/// Judges every node against lambdeck.toml: health and notes, the permission's reach.
pub fn assess(stack: &mut Stack, spec: &StackSpec) {
    let account = stack
        .function
        .as_ref()
        .and_then(|f| iam::account_of(&f.arn).map(ToOwned::to_owned))
        .unwrap_or_else(|| LOCAL_ACCOUNT_ID.to_owned());
    if let Some(f) = stack.function.as_mut() {
        assess_function(f, spec);
    }
    if let Some(l) = stack.log_group.as_mut() {
        assess_log_group(l);
    }
    if let Some(r) = stack.role.as_mut()
        && r.trusts_lambda == Some(false)
    {
        r.health = Health::Warning;
        r.notes
            .push("its trust policy does not let lambda.amazonaws.com assume it".into());
    }
    let api_id = stack.api.as_ref().map(|a| a.id.clone());
    let routes: Vec<(String, String)> = stack
        .api
        .as_ref()
        .map(|a| a.routes().map(|(k, _)| (k.method, k.path)).collect())
        .unwrap_or_default();
    if let Some(p) = stack.permission.as_mut() {
        match &api_id {
            Some(api_id) => {
                let arns: Vec<String> = routes
                    .iter()
                    .map(|(verb, path)| {
                        execute_arn(
                            &stack.region,
                            &account,
                            api_id,
                            &stack.names.stage,
                            verb,
                            path,
                        )
                    })
                    .collect();
                p.allows_api = p.statements.iter().any(|s| {
                    s.effect == "Allow"
                        && matches!(
                            s.principal.as_deref(),
                            Some("apigateway.amazonaws.com" | "*")
                        )
                        && matches!(
                            s.action.as_deref(),
                            Some("lambda:InvokeFunction" | "lambda:*" | "*")
                        )
                        && s.source_arn.as_deref().is_none_or(|pattern| {
                            !arns.is_empty() && arns.iter().all(|arn| arn_like(pattern, arn))
                        })
                });
                if !p.allows_api {
                    p.health = Health::Missing;
                    p.notes.push(format!(
                        "no statement lets apigateway.amazonaws.com invoke the function from API {api_id}; calls fail with 500"
                    ));
                }
            }
            None => {
                p.health = Health::Warning;
                p.notes.push("no REST API to judge it against".into());
            }
        }
    }
    if let Some(api) = stack.api.as_mut() {
        assess_api(api, spec, &stack.names.stage);
    }
}

fn assess_function(f: &mut FunctionInfo, spec: &StackSpec) {
    let want = &spec.function;
    let mut note = |n: String| f.notes.push(n);
    if let Some(state) = f.state.as_deref()
        && state != "Active"
    {
        note(format!(
            "state {state}{}",
            f.state_reason
                .as_deref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default()
        ));
    }
    if f.last_update_status.as_deref() == Some("Failed") {
        note(format!(
            "last update failed{}",
            f.last_update_reason
                .as_deref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default()
        ));
    }
    if let Some(rt) = f.runtime.as_deref()
        && rt != want.runtime
    {
        note(format!("runtime {rt}, lambdeck.toml says {}", want.runtime));
    }
    if let Some(a) = f.architecture.as_deref()
        && a != want.architecture.as_str()
    {
        note(format!(
            "architecture {a}, lambdeck.toml says {}",
            want.architecture
        ));
    }
    if let Some(m) = f.memory_mb
        && i64::from(m) != i64::from(want.memory)
    {
        note(format!(
            "memory {m} MB, lambdeck.toml says {} MB",
            want.memory.0
        ));
    }
    if let Some(t) = f.timeout_s
        && i64::from(t) != i64::from(want.timeout)
    {
        note(format!(
            "timeout {t} s, lambdeck.toml says {} s",
            want.timeout.0
        ));
    }
    if !f.notes.is_empty() {
        f.health = Health::Warning;
    }
}

fn assess_log_group(l: &mut LogGroupInfo) {
    if l.latest_streams.is_empty() {
        l.notes
            .push("no log streams yet: the function has not run".into());
    }
}

/// Resolves a Lambda proxy integration URI to the function it calls, compared by function name.
pub fn integration_target(uri: Option<&str>, function_name: &str) -> IntegrationTarget {
    let Some(uri) = uri else {
        return IntegrationTarget::NotLambda;
    };
    // arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{functionArn}/invocations
    let Some(rest) = uri
        .split_once(":lambda:path/2015-03-31/functions/")
        .map(|(_, rest)| rest)
    else {
        return IntegrationTarget::NotLambda;
    };
    let function_arn = rest.strip_suffix("/invocations").unwrap_or(rest);
    // arn:aws:lambda:{region}:{account}:function:{name}[:{qualifier}], or a bare name.
    let name = function_arn
        .split_once(":function:")
        .map_or(function_arn, |(_, n)| n);
    let name = name.split(':').next().unwrap_or(name);
    if name == function_name {
        IntegrationTarget::ThisFunction
    } else {
        IntegrationTarget::OtherFunction {
            function_arn: function_arn.to_owned(),
        }
    }
}

fn assess_api(api: &mut RestApiInfo, spec: &StackSpec, stage_name: &str) {
    let mut worst = if api.notes.is_empty() {
        Health::Ok
    } else {
        Health::Warning
    };
    for resource in &mut api.resources {
        for m in &mut resource.methods {
            if let Some(i) = m.integration.as_mut() {
                i.target = integration_target(i.uri.as_deref(), &spec.function.name);
            }
            match &m.integration {
                None => {
                    m.health = Health::Warning;
                    m.notes
                        .push("no integration: the API cannot be deployed".into());
                }
                Some(i) => match &i.target {
                    IntegrationTarget::ThisFunction => {}
                    IntegrationTarget::OtherFunction { function_arn } => {
                        m.health = Health::Warning;
                        m.notes.push(format!(
                            "integration calls {function_arn}, not {}",
                            spec.function.name
                        ));
                    }
                    IntegrationTarget::NotLambda => {
                        if i.kind == "AWS_PROXY" {
                            m.health = Health::Warning;
                            m.notes
                                .push("AWS_PROXY integration without a Lambda URI".into());
                        }
                    }
                },
            }
            worst = worst.worst(m.health);
        }
    }
    for route in &spec.api.routes {
        let present = api
            .resource(&route.path.0)
            .is_some_and(|r| r.methods.iter().any(|m| m.http_method == route.method.0));
        if !present {
            api.notes.push(format!(
                "route {} {} from lambdeck.toml is not in the API (run `lambdeck up`)",
                route.method, route.path
            ));
            worst = worst.worst(Health::Warning);
        }
    }
    let newest = api.deployments.first().map(|d| d.id.clone());
    match api.stages.iter_mut().find(|s| s.name == stage_name) {
        None => {
            api.notes.push(format!("stage {stage_name} not found"));
            worst = worst.worst(Health::Missing);
        }
        Some(stage) => {
            if stage.deployment_id.is_none() {
                stage.health = Health::Missing;
                stage.notes.push("no deployment".into());
            } else if newest.is_some() && stage.deployment_id != newest {
                stage.notes.push(format!(
                    "serves deployment {}, not the newest ({})",
                    stage.deployment_id.as_deref().unwrap_or("-"),
                    newest.as_deref().unwrap_or("-")
                ));
            }
            worst = worst.worst(stage.health);
        }
    }
    api.health = worst;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::apigateway::lambda_invoke_uri;

    #[test]
    fn arn_like_matches_like_iam() {
        let arn = execute_arn("us-east-1", "1", "abc", "tf-test", "GET", "/hello_world");
        assert_eq!(
            arn,
            "arn:aws:execute-api:us-east-1:1:abc/tf-test/GET/hello_world"
        );
        assert!(arn_like("arn:aws:execute-api:us-east-1:1:abc/*/*", &arn));
        assert!(arn_like(
            "arn:aws:execute-api:us-east-1:1:abc/*/GET/hello_world",
            &arn
        ));
        assert!(!arn_like("arn:aws:execute-api:us-east-1:1:other/*/*", &arn));
        assert!(!arn_like(
            "arn:aws:execute-api:us-east-1:1:abc/*/POST/*",
            &arn
        ));
        assert!(arn_like("arn:aws:execute-api:us-east-1:?:abc/*", &arn));
    }

    #[test]
    fn integration_uris_resolve_to_their_function() {
        let uri = lambda_invoke_uri(
            "ap-northeast-1",
            "arn:aws:lambda:ap-northeast-1:123456789012:function:tf-test-rust-hello-world",
        );
        assert_eq!(
            integration_target(Some(&uri), "tf-test-rust-hello-world"),
            IntegrationTarget::ThisFunction
        );
        assert!(matches!(
            integration_target(Some(&uri), "other"),
            IntegrationTarget::OtherFunction { function_arn } if function_arn.ends_with(":function:tf-test-rust-hello-world")
        ));
        let qualified =
            lambda_invoke_uri("us-east-1", "arn:aws:lambda:us-east-1:1:function:f:live");
        assert_eq!(
            integration_target(Some(&qualified), "f"),
            IntegrationTarget::ThisFunction
        );
        assert_eq!(
            integration_target(Some("https://example.com/x"), "f"),
            IntegrationTarget::NotLambda
        );
        assert_eq!(integration_target(None, "f"), IntegrationTarget::NotLambda);
    }
}
