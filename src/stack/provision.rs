//! `up` and `down`: reconcile the stack to lambdeck.toml by creating only what is missing, in dependency
//! order; remove only what `up` created (what carries lambdeck's tag).

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use super::StackError;
use super::load::load_stack;
use crate::aws::{AwsError, Clients, ErrorKind, apigateway, iam, lambda, log_groups};
use crate::config::StackSpec;
use crate::model::{Drift, Found, Stack};
use crate::wire::LOCAL_ACCOUNT_ID;

/// The role ARN given where the endpoint serves no IAM: IAM is global, so no region, but in the
/// region's partition.
fn local_role_arn(region: &str, role: &str) -> String {
    format!(
        "arn:{}:iam::{LOCAL_ACCOUNT_ID}:role/{role}",
        crate::partition::of_region(region).id
    )
}

/// The statement id of the permission `up` adds for an API.
pub fn permission_sid(api_id: &str) -> String {
    format!("lambdeck-apigateway-{api_id}")
}

/// The SourceArn `up` scopes the permission to: any stage, any method of this API.
pub fn api_source_arn(region: &str, account: &str, api_id: &str) -> String {
    crate::partition::arn(region, "execute-api", account, &format!("{api_id}/*/*"))
}

/// What happened to one piece.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepAction {
    Created,
    Exists,
    Deleted,
    /// Left alone: not lambdeck's, or not applicable here.
    Skipped,
}

/// One line of an `up` or `down` report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// e.g. "role", "log group", "function", "rest api", "resource", "method", "integration",
    /// "permission", "stage".
    pub kind: &'static str,
    /// Its name, path or id.
    pub name: String,
    pub action: StepAction,
    pub detail: Option<String>,
}

/// What `up` or `down` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProvisionReport {
    pub steps: Vec<Step>,
    /// True when anything was created or deleted.
    pub changed: bool,
    /// Drift after the run (for `up`).
    pub drift: Option<Drift>,
}

struct Steps(Vec<Step>);

impl Steps {
    fn push(
        &mut self,
        kind: &'static str,
        name: impl Into<String>,
        action: StepAction,
        detail: Option<String>,
    ) {
        self.0.push(Step {
            kind,
            name: name.into(),
            action,
            detail,
        });
    }
}

/// The package `up` needs only when the function is missing.
pub fn needs_package(stack: &Stack, spec: &StackSpec) -> bool {
    stack.function.is_missing() && terraform_function(spec, &stack.names.function).is_none()
}

/// The address of the function in Terraform's state, when Terraform manages it: `up` then neither
/// builds nor creates it (`terraform apply` does).
pub fn terraform_function<'a>(spec: &'a StackSpec, name: &str) -> Option<&'a str> {
    spec.terraform_state
        .as_ref()?
        .address_where("aws_lambda_function", "function_name", name)
}

/// Creates whatever lambdeck.toml describes and `stack` lacks, in dependency order: role, log group,
/// function, REST API, resources, methods, integrations, permission, first deployment and stage.
/// `zip` is the function's package, needed only when the function is missing.
pub async fn up(
    clients: &Clients,
    spec: &StackSpec,
    stack: &Stack,
    zip: Option<Vec<u8>>,
) -> Result<ProvisionReport, StackError> {
    Box::pin(reconcile(clients, spec, stack, zip)).await
}

async fn reconcile(
    clients: &Clients,
    spec: &StackSpec,
    stack: &Stack,
    zip: Option<Vec<u8>>,
) -> Result<ProvisionReport, StackError> {
    let mut steps = Steps(Vec::new());
    let names = &stack.names;
    let refuse_unknown = |what: &str, found_reason: Option<&String>| -> Result<(), StackError> {
        match found_reason {
            Some(reason) => Err(StackError::Refused(format!(
                "cannot tell whether the {what} exists, so `up` will not create it: {reason}"
            ))),
            None => Ok(()),
        }
    };
    refuse_unknown("function", reason_of(&stack.function).as_ref())?;
    refuse_unknown("log group", reason_of(&stack.log_group).as_ref())?;
    refuse_unknown("REST API", reason_of(&stack.api).as_ref())?;
    // What Terraform's state holds is Terraform's to create: `up` skips it when it is missing.
    let tf = spec.terraform_state.as_ref();
    let tf_owner = |kind: &str, key: &str, value: &str| -> Option<String> {
        tf?.address_where(kind, key, value).map(str::to_owned)
    };
    let tf_skip = |address: &str| {
        Some(format!(
            "missing, but Terraform manages it ({address}): `terraform apply` creates it"
        ))
    };

    // 1. The execution role (IAM: AWS and the embedded local stack serve it; an endpoint that serves
    //    none only needs an ARN).
    let role_arn = match &stack.role {
        Found::Present(r) if !r.verified => {
            steps.push(
                "role",
                &r.name,
                StepAction::Skipped,
                Some("this endpoint does not serve IAM".into()),
            );
            r.arn.clone()
        }
        Found::Present(r) => {
            steps.push("role", &r.name, StepAction::Exists, None);
            r.arn.clone()
        }
        Found::Missing if tf_owner("aws_iam_role", "name", &names.role).is_some() => {
            let address = tf_owner("aws_iam_role", "name", &names.role).unwrap_or_default();
            steps.push("role", &names.role, StepAction::Skipped, tf_skip(&address));
            tf.and_then(|t| {
                t.of_kind("aws_iam_role")
                    .find(|r| r.value("name") == Some(names.role.as_str()))
                    .and_then(|r| r.value("arn"))
            })
            .map_or_else(
                || local_role_arn(&clients.region, &names.role),
                str::to_owned,
            )
        }
        Found::Missing => {
            match iam::create_role(&clients.iam, &names.role, &clients.region, &names.log_group)
                .await
            {
                Ok(arn) => {
                    steps.push(
                        "role",
                        &names.role,
                        StepAction::Created,
                        Some(format!("with inline policy {}", iam::LOGGING_POLICY)),
                    );
                    arn
                }
                // An endpoint that serves no IAM (LocalStack without it, a stand-in): no role is needed.
                Err(e) if iam::is_no_iam(&e) => {
                    steps.push(
                        "role",
                        &names.role,
                        StepAction::Skipped,
                        Some("this endpoint does not serve IAM".into()),
                    );
                    local_role_arn(&clients.region, &names.role)
                }
                Err(e) => return Err(e.into()),
            }
        }
        Found::Unknown { reason } => {
            return Err(StackError::Refused(format!(
                "cannot tell whether role {} exists, so `up` will not create it: {reason}",
                names.role
            )));
        }
    };

    // 2. The log group.
    if stack.log_group.is_present() {
        steps.push("log group", &names.log_group, StepAction::Exists, None);
    } else if let Some(address) = tf_owner("aws_cloudwatch_log_group", "name", &names.log_group) {
        steps.push(
            "log group",
            &names.log_group,
            StepAction::Skipped,
            tf_skip(&address),
        );
    } else {
        log_groups::create_log_group(&clients.logs, &names.log_group).await?;
        steps.push("log group", &names.log_group, StepAction::Created, None);
    }

    // 3. The function, from the built package.
    let function_arn = match &stack.function {
        Found::Present(f) => {
            steps.push("function", &f.name, StepAction::Exists, None);
            f.arn.clone()
        }
        _ if tf_owner("aws_lambda_function", "function_name", &names.function).is_some() => {
            let f = tf.and_then(|t| {
                t.of_kind("aws_lambda_function")
                    .find(|r| r.value("function_name") == Some(names.function.as_str()))
            });
            steps.push(
                "function",
                &names.function,
                StepAction::Skipped,
                tf_skip(f.map(|f| f.address.as_str()).unwrap_or_default()),
            );
            f.and_then(|f| f.value("arn"))
                .map(str::to_owned)
                .unwrap_or_else(|| {
                    format!(
                        "arn:{}:lambda:{}:{LOCAL_ACCOUNT_ID}:function:{}",
                        crate::partition::of_region(&clients.region).id,
                        clients.region,
                        names.function
                    )
                })
        }
        _ => {
            let zip = zip.ok_or_else(|| {
                StackError::Refused(format!(
                    "function {} is missing and there is no package to create it from (run `lambdeck build`)",
                    names.function
                ))
            })?;
            let size = zip.len();
            create_function(clients, spec, &role_arn, zip).await?;
            let created = lambda::get_function(&clients.lambda, &names.function)
                .await?
                .ok_or_else(|| {
                    StackError::Unconfirmed(format!(
                        "function {} is not found after CreateFunction",
                        names.function
                    ))
                })?;
            steps.push(
                "function",
                &names.function,
                StepAction::Created,
                Some(format!(
                    "{size} byte package, CodeSha256 {}",
                    created.code_sha256.as_deref().unwrap_or("-")
                )),
            );
            created.arn
        }
    };
    let account = iam::account_of(&function_arn)
        .unwrap_or(LOCAL_ACCOUNT_ID)
        .to_owned();

    // 4. The REST API.
    let (api_id, root_id) = match stack.api.as_ref() {
        Some(api) => {
            steps.push(
                "rest api",
                format!("{} ({})", api.name, api.id),
                StepAction::Exists,
                None,
            );
            let root = api
                .resources
                .iter()
                .find(|r| r.path == "/")
                .map(|r| r.id.clone())
                .or_else(|| api.root_resource_id.clone())
                .unwrap_or_default();
            (api.id.clone(), root)
        }
        None if tf_owner("aws_api_gateway_rest_api", "name", &spec.api.name).is_some() => {
            let address =
                tf_owner("aws_api_gateway_rest_api", "name", &spec.api.name).unwrap_or_default();
            steps.push(
                "rest api",
                &spec.api.name,
                StepAction::Skipped,
                Some(format!(
                    "missing, but Terraform manages it ({address}): `terraform apply` creates it with its routes, permission and stage; `up` creates nothing under it"
                )),
            );
            let after = load_stack(clients, spec).await?;
            return Ok(ProvisionReport {
                changed: steps.0.iter().any(|s| s.action == StepAction::Created),
                steps: steps.0,
                drift: Some(after.drift),
            });
        }
        None => {
            let (id, root) = apigateway::create_rest_api(
                &clients.apigateway,
                &spec.api.name,
                &spec.api.description,
            )
            .await?;
            steps.push(
                "rest api",
                format!("{} ({id})", spec.api.name),
                StepAction::Created,
                None,
            );
            (id, root)
        }
    };

    // 5-7. Resources, methods and integrations, route by route.
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    ids.insert("/".into(), root_id);
    let existing = stack
        .api
        .as_ref()
        .map(|a| a.resources.as_slice())
        .unwrap_or_default();
    for r in existing {
        ids.insert(r.path.clone(), r.id.clone());
    }
    let uri = apigateway::lambda_invoke_uri(&clients.region, &function_arn);
    let tf_route = |kind: &str, path: &str, verb: Option<&str>| -> Option<String> {
        tf?.route_address(kind, &api_id, path, verb)
            .map(str::to_owned)
    };
    'routes: for route in &spec.api.routes {
        let mut path = String::new();
        let mut parent = ids.get("/").cloned().unwrap_or_default();
        for part in route.path.parts() {
            path.push('/');
            path.push_str(part);
            parent = match ids.get(&path) {
                Some(id) => id.clone(),
                None if tf_route("", &path, None).is_some() => {
                    let address = tf_route("", &path, None).unwrap_or_default();
                    steps.push("resource", &path, StepAction::Skipped, tf_skip(&address));
                    continue 'routes;
                }
                None => {
                    let id =
                        apigateway::create_resource(&clients.apigateway, &api_id, &parent, part)
                            .await?;
                    steps.push("resource", &path, StepAction::Created, None);
                    ids.insert(path.clone(), id.clone());
                    id
                }
            };
        }
        let resource_path = if path.is_empty() {
            "/".to_owned()
        } else {
            path
        };
        let resource_id = parent;
        let verb = route.method.0.as_str();
        let label = format!("{verb} {resource_path}");
        let method = existing
            .iter()
            .find(|r| r.path == resource_path)
            .and_then(|r| r.methods.iter().find(|m| m.http_method == verb));
        match method {
            Some(m) => {
                let differs = (m.authorization_type != route.authorization
                    || m.api_key_required != route.api_key_required)
                    .then(|| {
                        format!(
                            "authorization {} api key {} differ from lambdeck.toml; left as they are",
                            m.authorization_type, m.api_key_required
                        )
                    });
                steps.push("method", &label, StepAction::Exists, differs);
            }
            None if tf_route("aws_api_gateway_method", &resource_path, Some(verb)).is_some() => {
                let address = tf_route("aws_api_gateway_method", &resource_path, Some(verb))
                    .unwrap_or_default();
                steps.push("method", &label, StepAction::Skipped, tf_skip(&address));
                continue;
            }
            None => {
                apigateway::put_method(
                    &clients.apigateway,
                    &api_id,
                    &resource_id,
                    verb,
                    &route.authorization,
                    route.api_key_required,
                )
                .await?;
                steps.push("method", &label, StepAction::Created, None);
            }
        }
        match method.and_then(|m| m.integration.as_ref()) {
            Some(i) => steps.push(
                "integration",
                &label,
                StepAction::Exists,
                i.points_elsewhere().then(|| {
                    format!(
                        "{} {} does not call {}",
                        i.kind,
                        i.uri.as_deref().unwrap_or("-"),
                        names.function
                    )
                }),
            ),
            None if tf_route("aws_api_gateway_integration", &resource_path, Some(verb))
                .is_some() =>
            {
                let address = tf_route("aws_api_gateway_integration", &resource_path, Some(verb))
                    .unwrap_or_default();
                steps.push(
                    "integration",
                    &label,
                    StepAction::Skipped,
                    tf_skip(&address),
                );
            }
            None => {
                apigateway::put_proxy_integration(
                    &clients.apigateway,
                    &api_id,
                    &resource_id,
                    verb,
                    &uri,
                )
                .await?;
                steps.push(
                    "integration",
                    &label,
                    StepAction::Created,
                    Some("AWS_PROXY".into()),
                );
            }
        }
    }

    // 8. The permission that lets this API invoke the function.
    let allowed = stack.api.is_present()
        && stack.function.is_present()
        && stack.permission.as_ref().is_some_and(|p| p.allows_api);
    let sid = permission_sid(&api_id);
    // A function Terraform has yet to create cannot be given a permission: `terraform apply` first.
    let function_pending =
        stack.function.is_missing() && terraform_function(spec, &names.function).is_some();
    if allowed {
        steps.push("permission", &sid, StepAction::Exists, None);
    } else if function_pending {
        steps.push(
            "permission",
            &sid,
            StepAction::Skipped,
            Some("the function is Terraform's and not created yet: `terraform apply`, then `up` again".into()),
        );
    } else {
        let source = api_source_arn(&clients.region, &account, &api_id);
        match lambda::add_invoke_permission(&clients.lambda, &names.function, &sid, &source).await {
            Ok(()) => steps.push("permission", &sid, StepAction::Created, Some(source)),
            Err(e) if e.kind == ErrorKind::Conflict => steps.push(
                "permission",
                &sid,
                StepAction::Exists,
                Some("a statement with this id exists but does not cover the API; remove it and run up again".into()),
            ),
            Err(e) => return Err(e.into()),
        }
    }

    // 9. The first deployment and the stage.
    let stage = stack.api.as_ref().and_then(|a| a.stage(&names.stage));
    match stage {
        Some(s) => steps.push(
            "stage",
            &names.stage,
            StepAction::Exists,
            s.deployment_id.as_ref().map(|d| format!("serves {d}")),
        ),
        None if tf.is_some_and(|t| {
            t.of_kind("aws_api_gateway_stage").any(|s| {
                s.value("rest_api_id") == Some(api_id.as_str())
                    && s.value("stage_name") == Some(names.stage.as_str())
            })
        }) =>
        {
            steps.push(
                "stage",
                &names.stage,
                StepAction::Skipped,
                Some("missing, but Terraform manages it: `terraform apply` creates it".into()),
            );
        }
        None => {
            let d = apigateway::create_deployment(
                &clients.apigateway,
                &api_id,
                &names.stage,
                &crate::stack::deploy::stage_description(&names.stage, "up, first deployment"),
            )
            .await?;
            steps.push(
                "stage",
                &names.stage,
                StepAction::Created,
                Some(format!("deployment {}", d.id)),
            );
        }
    }

    let changed = steps.0.iter().any(|s| s.action == StepAction::Created);
    let after = load_stack(clients, spec).await?;
    Ok(ProvisionReport {
        steps: steps.0,
        changed,
        drift: Some(after.drift),
    })
}

fn reason_of<T>(f: &Found<T>) -> Option<String> {
    match f {
        Found::Unknown { reason } => Some(reason.clone()),
        _ => None,
    }
}

/// How long a new role may take to become assumable by Lambda. IAM is eventually consistent: seconds
/// usually, sometimes over a minute (the Terraform provider waits up to 15).
const ROLE_PROPAGATION_MAX_WAIT: Duration = Duration::from_secs(120);

/// Creates the function. A role IAM has just created is not assumable by Lambda for a while and no
/// waiter covers that propagation, so this one rejection is retried with a growing wait (1 s doubling
/// to 15 s) for up to two minutes.
async fn create_function(
    clients: &Clients,
    spec: &StackSpec,
    role_arn: &str,
    zip: Vec<u8>,
) -> Result<(), AwsError> {
    let f = &spec.function;
    let log_group = f.log_group();
    let started = tokio::time::Instant::now();
    let mut wait = Duration::from_secs(1);
    loop {
        let result = lambda::create_function(
            &clients.lambda,
            lambda::NewFunction {
                name: &f.name,
                role_arn,
                runtime: &f.runtime,
                handler: &f.handler,
                architecture: f.architecture.as_str(),
                memory_mb: i32::try_from(f.memory.0).unwrap_or(128),
                timeout_s: i32::try_from(f.timeout.0).unwrap_or(3),
                log_group: &log_group,
                zip: zip.clone(),
            },
        )
        .await;
        match result {
            Err(e)
                if e.kind == ErrorKind::Validation
                    && e.message.contains("cannot be assumed")
                    && started.elapsed() + wait <= ROLE_PROPAGATION_MAX_WAIT =>
            {
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(15));
            }
            other => return other,
        }
    }
}

/// What `down` would remove and what it would leave alone, without changing anything.
pub fn down_plan(stack: &Stack) -> Vec<Step> {
    let mut steps = Steps(Vec::new());
    match &stack.api {
        Found::Present(a) if a.managed => steps.push(
            "rest api",
            format!("{} ({})", a.name, a.id),
            StepAction::Deleted,
            Some("with its resources, deployments and stages".into()),
        ),
        Found::Present(a) => steps.push(
            "rest api",
            format!("{} ({})", a.name, a.id),
            StepAction::Skipped,
            Some("not created by lambdeck".into()),
        ),
        _ => {}
    }
    match &stack.function {
        Found::Present(f) if f.managed => steps.push(
            "function",
            &f.name,
            StepAction::Deleted,
            Some("with its resource policy".into()),
        ),
        Found::Present(f) => steps.push(
            "function",
            &f.name,
            StepAction::Skipped,
            Some("not created by lambdeck".into()),
        ),
        _ => {}
    }
    match &stack.log_group {
        Found::Present(l) if l.managed => {
            steps.push("log group", &l.name, StepAction::Deleted, None)
        }
        Found::Present(l) => steps.push(
            "log group",
            &l.name,
            StepAction::Skipped,
            Some(
                l.notes
                    .iter()
                    .find(|n| n.contains("tags"))
                    .cloned()
                    .unwrap_or_else(|| "not created by lambdeck".into()),
            ),
        ),
        _ => {}
    }
    match &stack.role {
        Found::Present(r) if r.verified && r.managed => steps.push(
            "role",
            &r.name,
            StepAction::Deleted,
            Some(format!("with inline policy {}", iam::LOGGING_POLICY)),
        ),
        Found::Present(r) if r.verified => steps.push(
            "role",
            &r.name,
            StepAction::Skipped,
            Some("not created by lambdeck".into()),
        ),
        _ => {}
    }
    // What Terraform manages stays, even when it carries lambdeck's tag: Terraform removes it.
    for step in &mut steps.0 {
        let key = match step.kind {
            "rest api" => "api",
            "function" => "fn",
            "log group" => "fn/logs",
            "role" => "fn/role",
            _ => continue,
        };
        if let Some(address) = stack.terraform.as_ref().and_then(|t| t.nodes.get(key)) {
            step.action = StepAction::Skipped;
            step.detail = Some(format!(
                "Terraform manages it ({address}); `terraform destroy` removes it"
            ));
        }
    }
    steps.0
}

/// Removes what `down_plan` marks for deletion: API, function, log group, role (the reverse of `up`),
/// then re-reads the stack and notes any piece still listed (IAM may list a deleted role for a moment).
pub async fn down(
    clients: &Clients,
    spec: &StackSpec,
    stack: &Stack,
) -> Result<ProvisionReport, StackError> {
    let mut plan = down_plan(stack);
    for step in &mut plan {
        if step.action != StepAction::Deleted {
            continue;
        }
        let result = match step.kind {
            "rest api" => match stack.api.as_ref() {
                Some(a) => apigateway::delete_rest_api(&clients.apigateway, &a.id).await,
                None => Ok(()),
            },
            "function" => lambda::delete_function(&clients.lambda, &stack.names.function).await,
            "log group" => {
                log_groups::delete_log_group(&clients.logs, &stack.names.log_group).await
            }
            "role" => iam::delete_role(&clients.iam, &stack.names.role).await,
            _ => Ok(()),
        };
        match result {
            Ok(()) => {}
            // Already gone (e.g. removed by hand since the plan was shown) is what down wants.
            Err(e) if e.is_not_found() => step.detail = Some("already gone".into()),
            Err(e) => return Err(e.into()),
        }
    }
    let changed = plan.iter().any(|s| s.action == StepAction::Deleted);
    if changed {
        let after = load_stack(clients, spec).await?;
        for step in plan.iter_mut().filter(|s| s.action == StepAction::Deleted) {
            let still = match step.kind {
                "rest api" => after
                    .api
                    .as_ref()
                    .zip(stack.api.as_ref())
                    .is_some_and(|(now, was)| now.id == was.id),
                "function" => after.function.is_present(),
                "log group" => after.log_group.is_present(),
                "role" => after.role.as_ref().is_some_and(|r| r.verified),
                _ => false,
            };
            if still {
                step.detail = Some("still listed right after its deletion".into());
            }
        }
    }
    Ok(ProvisionReport {
        steps: plan,
        changed,
        drift: None,
    })
}

/// Deploys when `up` left the stage stale is not `up`'s job; this names the follow-up for the report.
pub fn follow_up(report: &ProvisionReport) -> Option<String> {
    match &report.drift {
        Some(d @ Drift::Stale { .. }) => Some(format!(
            "the stage is {}; run `lambdeck deploy` to make it live",
            d.summary()
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_permission_is_scoped_to_the_api() {
        assert_eq!(
            api_source_arn("us-east-1", "000000000000", "abc"),
            "arn:aws:execute-api:us-east-1:000000000000:abc/*/*"
        );
        assert_eq!(permission_sid("abc"), "lambdeck-apigateway-abc");
    }
}
