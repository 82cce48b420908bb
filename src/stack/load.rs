//! Discovery: the whole stack lambdeck.toml describes, read with concurrent calls and paginators, then
//! judged node by node. Missing pieces are part of the answer; only a failure that would make every
//! answer wrong (no credentials, endpoint down) fails the whole load.

use std::collections::{BTreeMap, BTreeSet};

use futures::{StreamExt as _, stream};

use super::diff::WorkingApi;
use super::drift;
use crate::aws::api_definition::{self, ExportBlind};
use crate::aws::{AwsError, Clients, ErrorKind, apigateway, iam, lambda, log_groups};
use crate::config::StackSpec;
use crate::model::definition::{
    ApiDefinition, ApiSettings, AuthorizerDefinition, Fields, GatewayResponseDefinition,
    MethodDefinition, ValidatorDefinition,
};
use crate::model::{
    ApiSummary, DeployedApi, Drift, Found, FunctionInfo, Health, IntegrationTarget, LogGroupInfo,
    PermissionInfo, PolicyStatement, RestApiInfo, RoleInfo, RouteKey, Stack, StackNames, Stage,
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
    // Ok(None): IAM cannot be asked (an endpoint that serves none), so the role is whatever the
    // function names; Ok(Some(None)): IAM says the role does not exist. The embedded local stack
    // serves IAM, so it is asked like AWS.
    let role_future = async {
        match iam::get_role(&clients.iam, &names.role).await {
            Err(e) if iam::is_no_iam(&e) => Ok(None),
            other => other.map(Some),
        }
    };
    let (function, log_group, policy, role, api) = tokio::join!(
        lambda::get_function(&clients.lambda, &names.function),
        log_groups::get_log_group(&clients.logs, &names.log_group),
        lambda::get_policy(&clients.lambda, &names.function),
        role_future,
        read_api(
            clients,
            &names,
            spec.api.id.as_deref(),
            terraform_api_id(spec)
        ),
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
                notes: vec!["not checked: this endpoint does not serve IAM".into()],
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
        terraform: None,
    };
    assess(&mut stack, spec);
    if let Some(state) = &spec.terraform_state {
        stack.terraform = Some(crate::model::TerraformMarks {
            dir: state.dir.display().to_string(),
            nodes: super::tree::terraform_addresses(&stack, state),
        });
    }
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

/// The id of the REST API of that name in Terraform's state.
fn terraform_api_id(spec: &StackSpec) -> Option<&str> {
    spec.terraform_state
        .as_ref()?
        .of_kind("aws_api_gateway_rest_api")
        .find(|r| r.value("name") == Some(spec.api.name.as_str()))?
        .value("id")
}

async fn read_api(
    clients: &Clients,
    names: &StackNames,
    chosen_id: Option<&str>,
    terraform_api_id: Option<&str>,
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
    // `api.id` in lambdeck.toml picks one of several APIs sharing the name; an id no API of that
    // name has is a mistake to show, not a missing API for `up` to create (it would get another id).
    if let Some(id) = chosen_id {
        apis.retain(|a| a.id == id);
        if apis.is_empty() {
            return Ok(unknown(format!(
                "no REST API named {} has id {id} (api.id in lambdeck.toml)",
                names.api
            )));
        }
    }
    if apis.is_empty() {
        return Ok(ApiRead {
            api: Found::Missing,
            drift: Drift::Unknown {
                reason: format!("REST API {} not found", names.api),
            },
        });
    }
    // Prefer the API Terraform's state names, then the one lambdeck created, when several share the name.
    apis.sort_by_key(|a| (Some(a.id.as_str()) != terraform_api_id, !a.managed));
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
    // The stages, then every deployment's apiSummary and every other stage's export, run alongside
    // the other reads (the configured stage's export needs no stage list, so it starts at once).
    let stages_and_served = async {
        let stages = apigateway::get_stages(gw, &id, &clients.region, endpoint).await?;
        let deployments: BTreeSet<String> = stages
            .iter()
            .filter_map(|s| s.deployment_id.clone())
            .collect();
        let id = &id;
        let summaries = stream::iter(deployments)
            .map(|d| async move {
                let summary = apigateway::get_api_summary(gw, id, &d).await;
                (d, summary)
            })
            .buffer_unordered(STAGE_READS)
            .collect::<BTreeMap<_, _>>();
        let others: Vec<String> = stages
            .iter()
            .filter(|s| s.name != stage_name && s.deployment_id.is_some())
            .map(|s| s.name.clone())
            .collect();
        let exports = stream::iter(others)
            .map(|name| async move {
                let export = apigateway::get_export(gw, id, &name).await;
                (name, export)
            })
            .buffer_unordered(STAGE_READS)
            .collect::<BTreeMap<_, _>>();
        let (summaries, exports) = tokio::join!(summaries, exports);
        Ok::<_, AwsError>((stages, summaries, exports))
    };
    let (working, elements, deployments, stages, export) = tokio::join!(
        apigateway::get_working_resources(gw, &id),
        read_elements(gw, &id),
        apigateway::get_deployments(gw, &id),
        stages_and_served,
        apigateway::get_export(gw, &id, stage_name),
    );
    let (mut stages, summaries, mut exports) = match stages {
        Ok(s) => s,
        Err(e) => return Ok(unknown(e.to_string())),
    };
    let working = match working {
        Ok(r) => r,
        Err(e) => return Ok(unknown(e.to_string())),
    };
    api.resources = working.resources;
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
    let working = working_api(
        api.settings.clone(),
        working.methods,
        working.blind,
        elements,
    );
    let mut configured_export = Some(export);
    let mut drift = Drift::Unknown {
        reason: format!("stage {stage_name} not found"),
    };
    for s in &mut stages {
        let export = if s.name == stage_name {
            configured_export.take()
        } else {
            exports.remove(&s.name)
        };
        let judged = judge_stage(&working, s, &summaries, export);
        if s.name == stage_name {
            drift = s.drift.clone().unwrap_or_else(|| Drift::Unknown {
                reason: format!("stage {stage_name} was not judged"),
            });
            api.deployed = judged;
        }
    }
    api.stages = stages;
    Ok(ApiRead {
        api: Found::Present(api),
        drift,
    })
}

/// At most this many summaries or exports are read at once (API Gateway's control plane allows
/// few requests a second; the retry policy absorbs the rest).
const STAGE_READS: usize = 4;

/// Judges one stage against the working API: its drift, what it could not compare, and what it serves
/// as a whole. Returns what the stage serves route by route, which the stack keeps for the configured
/// stage.
fn judge_stage(
    working: &WorkingApi,
    stage: &mut Stage,
    summaries: &BTreeMap<String, Result<ApiSummary, AwsError>>,
    export: Option<Result<serde_json::Value, AwsError>>,
) -> Option<DeployedApi> {
    let Some(dep) = stage.deployment_id.clone() else {
        let reason = format!("stage {} has no deployment", stage.name);
        stage.drift = Some(Drift::Unknown {
            reason: reason.clone(),
        });
        stage.served = Some(Err(reason));
        return None;
    };
    let summary = match summaries.get(&dep) {
        Some(Ok(summary)) => summary,
        Some(Err(e)) => {
            stage.drift = Some(Drift::Unknown {
                reason: e.to_string(),
            });
            stage.served = Some(Err(e.to_string()));
            return None;
        }
        None => {
            let reason = format!("the apiSummary of deployment {dep} was not read");
            stage.drift = Some(Drift::Unknown {
                reason: reason.clone(),
            });
            stage.served = Some(Err(reason));
            return None;
        }
    };
    let export = export
        .unwrap_or_else(|| {
            Err(AwsError {
                kind: ErrorKind::Malformed,
                operation: "GetExport",
                resource: format!("stage {}", stage.name),
                code: None,
                message: "not read".into(),
            })
        })
        .map_err(|e| e.to_string());
    let (mut deployed, mut definition) =
        drift::deployed_api(&dep, summary, export.as_ref().map_err(Clone::clone));
    // Documentation is published by documentation version, not by deployment: a stage that
    // publishes none serves no documentation, whatever its export says.
    if let Ok(d) = definition.as_mut()
        && stage.documentation_version.is_none()
    {
        d.documentation = Some(BTreeMap::new());
    }
    let (d, not_comparable) = drift::compare(working, summary, &definition);
    deployed.not_comparable.clone_from(&not_comparable);
    stage.drift = Some(d);
    stage.not_comparable = not_comparable;
    stage.served = Some(drift::served(definition, summary));
    Some(deployed)
}

/// The API-level elements of the working API, each read on its own: one that cannot be read (an
/// endpoint that does not serve it, access denied) is left out of the diff and said so.
struct Elements {
    authorizers: Result<Vec<(String, String, AuthorizerDefinition)>, AwsError>,
    models: Result<Vec<(String, String)>, AwsError>,
    validators: Result<Vec<(String, String, ValidatorDefinition)>, AwsError>,
    gateway_responses: Result<BTreeMap<String, GatewayResponseDefinition>, AwsError>,
    documentation_parts: Result<BTreeMap<String, Fields>, AwsError>,
}

async fn read_elements(gw: &aws_sdk_apigateway::Client, id: &str) -> Elements {
    let (authorizers, models, validators, gateway_responses, documentation_parts) = tokio::join!(
        api_definition::get_authorizers(gw, id),
        api_definition::get_models(gw, id),
        api_definition::get_request_validators(gw, id),
        api_definition::get_gateway_responses(gw, id),
        api_definition::get_documentation_parts(gw, id),
    );
    Elements {
        authorizers,
        models,
        validators,
        gateway_responses,
        documentation_parts,
    }
}

/// The working side of the diff: methods name their authorizer and validator, as the export does.
fn working_api(
    settings: ApiSettings,
    methods: BTreeMap<RouteKey, MethodDefinition>,
    blind: ExportBlind,
    elements: Elements,
) -> WorkingApi {
    let mut w = WorkingApi::default();
    let mut unread = |kind: &'static str, e: &AwsError| {
        w.unread.insert(kind, e.to_string());
    };
    let mut authorizer_names = BTreeMap::new();
    let mut authorizers = BTreeMap::new();
    match elements.authorizers {
        Ok(list) => {
            for (id, name, def) in list {
                authorizer_names.insert(id, name.clone());
                authorizers.insert(name, def);
            }
        }
        Err(e) => unread("authorizers", &e),
    }
    let mut validator_names = BTreeMap::new();
    let mut validators = BTreeMap::new();
    match elements.validators {
        Ok(list) => {
            for (id, name, def) in list {
                validator_names.insert(id, name.clone());
                validators.insert(name, def);
            }
        }
        Err(e) => unread("request validators", &e),
    }
    let models = match elements.models {
        Ok(list) => list.into_iter().collect(),
        Err(e) => {
            unread("models", &e);
            BTreeMap::new()
        }
    };
    let gateway_responses = match elements.gateway_responses {
        Ok(g) => g,
        Err(e) => {
            unread("gateway responses", &e);
            BTreeMap::new()
        }
    };
    let routes = methods
        .into_iter()
        .map(|(k, mut m)| {
            // An id with no authorizer or validator behind it stays visible as the id.
            m.authorizer = m
                .authorizer
                .map(|id| authorizer_names.get(&id).cloned().unwrap_or(id));
            m.request_validator = m
                .request_validator
                .map(|id| validator_names.get(&id).cloned().unwrap_or(id));
            (k, m)
        })
        .collect();
    let documentation = match elements.documentation_parts {
        Ok(parts) => Some(parts),
        Err(e) => {
            unread("documentation parts", &e);
            None
        }
    };
    if blind.required_response_headers > 0 {
        w.export_blind.push(format!(
            "{} method response header(s) marked required: the export lists headers, not whether they are required",
            blind.required_response_headers
        ));
    }
    if blind.vpc_link_routes > 0 {
        w.export_blind.push(format!(
            "{} route(s) through a VPC link: the export names the link, not where it leads",
            blind.vpc_link_routes
        ));
    }
    w.definition = ApiDefinition {
        settings,
        routes,
        authorizers,
        models,
        request_validators: validators,
        gateway_responses,
        documentation,
    };
    w
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
    crate::partition::arn(
        region,
        "execute-api",
        account,
        &format!("{api_id}/{stage}/{verb}/{}", path.trim_start_matches('/')),
    )
}

/// The routes ("GET /a") no Allow statement lets API Gateway invoke the function for: each route needs
/// some statement whose SourceArn covers its execution ARN (any of the statement's source ARNs; a
/// statement without one covers every source). With no route to check, `GET /` of the stage stands
/// for the API, so a statement for it must still exist.
pub fn uncovered_routes(
    statements: &[PolicyStatement],
    routes: &[(String, String)],
    arn: impl Fn(&str, &str) -> String,
) -> Vec<String> {
    let usable: Vec<&PolicyStatement> = statements
        .iter()
        .filter(|s| s.lets_api_gateway_invoke())
        .collect();
    let stand_in = [("GET".to_owned(), "/".to_owned())];
    let routes = if routes.is_empty() {
        &stand_in[..]
    } else {
        routes
    };
    routes
        .iter()
        .filter(|(verb, path)| {
            let target = arn(verb, path);
            !usable.iter().any(|s| {
                s.source_arns.is_empty() || s.source_arns.iter().any(|p| arn_like(p, &target))
            })
        })
        .map(|(verb, path)| format!("{verb} {path}"))
        .collect()
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
    // The routes that need a statement: those whose integration calls this function without a role
    // of their own (with `credentials`, API Gateway assumes the role and the resource policy is not
    // consulted).
    let routes: Vec<(String, String)> = stack
        .api
        .as_ref()
        .map(|a| {
            a.routes()
                .filter(|(_, m)| {
                    m.integration.as_ref().is_some_and(|i| {
                        i.credentials.is_none()
                            && integration_target(i.uri.as_deref(), &spec.function.name)
                                == IntegrationTarget::ThisFunction
                    })
                })
                .map(|(k, _)| (k.method, k.path))
                .collect()
        })
        .unwrap_or_default();
    if let Some(p) = stack.permission.as_mut() {
        match &api_id {
            Some(api_id) => {
                let uncovered = uncovered_routes(&p.statements, &routes, |verb, path| {
                    execute_arn(
                        &stack.region,
                        &account,
                        api_id,
                        &stack.names.stage,
                        verb,
                        path,
                    )
                });
                p.allows_api = uncovered.is_empty();
                if !p.allows_api {
                    p.health = Health::Missing;
                    p.notes.push(if uncovered.len() == routes.len() || routes.is_empty() {
                        format!(
                            "no statement lets apigateway.amazonaws.com invoke the function from API {api_id}; calls fail with 500"
                        )
                    } else {
                        format!(
                            "no statement lets apigateway.amazonaws.com invoke the function for {}; those calls fail with 500",
                            uncovered.join(", ")
                        )
                    });
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
    let Some((function_arn, name, _)) = uri.and_then(invoked_function) else {
        return IntegrationTarget::NotLambda;
    };
    if name == function_name {
        IntegrationTarget::ThisFunction
    } else {
        IntegrationTarget::OtherFunction {
            function_arn: function_arn.to_owned(),
        }
    }
}

/// What a Lambda integration URI invokes: the function ARN as written, the function's name, and the
/// qualifier (`live` in `...:function:f:live`, `$LATEST` when named), None for a URI that is not a
/// Lambda invocation.
fn invoked_function(uri: &str) -> Option<(&str, &str, Option<&str>)> {
    // arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{functionArn}/invocations
    let rest = uri.split_once(":lambda:path/2015-03-31/functions/")?.1;
    let function_arn = rest.strip_suffix("/invocations").unwrap_or(rest);
    // arn:aws:lambda:{region}:{account}:function:{name}[:{qualifier}], or a bare name.
    let name = function_arn
        .split_once(":function:")
        .map_or(function_arn, |(_, n)| n);
    Some(match name.split_once(':') {
        Some((name, qualifier)) => (function_arn, name, Some(qualifier)),
        None => (function_arn, name, None),
    })
}

/// The qualifier a Lambda integration URI invokes its function with, None when unqualified.
fn integration_qualifier(uri: &str) -> Option<&str> {
    invoked_function(uri)?.2
}

/// Does uploading new code change what the configured stage serves live? Yes when one of its
/// deployed integrations invokes the stack's function unqualified or as `$LATEST`, and whenever that
/// cannot be told (the stage or its integrations unread); no when every one invokes an alias or a
/// published version, which an upload leaves as they are.
pub fn latest_is_live(stack: &Stack) -> bool {
    let Some(deployed) = stack.api.as_ref().and_then(|a| a.deployed.as_ref()) else {
        return true;
    };
    if deployed.integrations_unread.is_some() {
        return true;
    }
    let function = &stack.names.function;
    deployed.routes.iter().any(|r| {
        let uri = r.integration_uri.as_deref();
        integration_target(uri, function) == IntegrationTarget::ThisFunction
            && uri
                .and_then(integration_qualifier)
                .is_none_or(|q| q == "$LATEST")
    })
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
                // The integration node: does it call the stack's function?
                i.health = if i.points_elsewhere() {
                    Health::Warning
                } else {
                    Health::Ok
                };
            }
            // The method: can it work as lambdeck.toml means it to? A MOCK or HTTP integration can
            // (an OPTIONS route for CORS); a proxy to another function or to no Lambda at all cannot.
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

    fn statement(actions: &[&str], arns: &[&str]) -> PolicyStatement {
        PolicyStatement {
            sid: None,
            effect: "Allow".into(),
            principals: vec!["apigateway.amazonaws.com".into()],
            actions: actions.iter().map(|s| (*s).to_owned()).collect(),
            source_arns: arns.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn every_route_needs_a_statement_covering_it() {
        let arn = |verb: &str, path: &str| execute_arn("us-east-1", "1", "abc", "prod", verb, path);
        let routes = vec![
            ("GET".to_owned(), "/a".to_owned()),
            ("POST".to_owned(), "/b".to_owned()),
            ("ANY".to_owned(), "/{proxy+}".to_owned()),
        ];
        // One permission per route, the Terraform pattern.
        let per_route = vec![
            statement(
                &["lambda:InvokeFunction"],
                &["arn:aws:execute-api:us-east-1:1:abc/*/GET/a"],
            ),
            statement(
                &["lambda:InvokeFunction"],
                &["arn:aws:execute-api:us-east-1:1:abc/*/POST/b"],
            ),
            statement(
                &["lambda:InvokeFunction"],
                &["arn:aws:execute-api:us-east-1:1:abc/*/*/*"],
            ),
        ];
        assert!(uncovered_routes(&per_route, &routes, arn).is_empty());
        // One statement with a list of actions and several source ARNs, read whole.
        let listed = vec![statement(
            &["lambda:GetFunction", "lambda:InvokeFunction"],
            &[
                "arn:aws:execute-api:us-east-1:1:abc/*/GET/a",
                "arn:aws:execute-api:us-east-1:1:abc/*/POST/b",
            ],
        )];
        assert_eq!(uncovered_routes(&listed, &routes, arn), ["ANY /{proxy+}"]);
        // A statement for another action covers nothing.
        let wrong = vec![statement(&["lambda:GetFunction"], &[])];
        assert_eq!(uncovered_routes(&wrong, &routes, arn).len(), 3);
        // No routes: a statement for the API is still needed.
        assert!(uncovered_routes(&per_route[2..], &[], arn).is_empty());
        assert_eq!(uncovered_routes(&[], &[], arn), ["GET /"]);
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

    #[test]
    fn an_integration_names_its_qualifier_or_none() {
        let uri = |arn: &str| lambda_invoke_uri("us-east-1", arn);
        let f = "arn:aws:lambda:us-east-1:1:function:f";
        assert_eq!(integration_qualifier(&uri(f)), None);
        assert_eq!(
            integration_qualifier(&uri(&format!("{f}:live"))),
            Some("live")
        );
        assert_eq!(integration_qualifier(&uri(&format!("{f}:7"))), Some("7"));
        assert_eq!(
            integration_qualifier(&uri(&format!("{f}:$LATEST"))),
            Some("$LATEST")
        );
        assert_eq!(integration_qualifier("https://example.com/x"), None);
    }
}
