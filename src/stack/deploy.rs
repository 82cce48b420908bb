//! The stage actions: deploy the working API, roll the stage back to an earlier deployment, prune old
//! deployments. Every action re-reads what it changed and reports what it found.

use serde::Serialize;

use super::{StackError, load_stack};
use crate::aws::{Clients, apigateway};
use crate::config::StackSpec;
use crate::model::{Change, Deployment, Drift, RestApiInfo, Stack, Stage, describe_changes};

/// The longest description lambdeck writes on a deployment; the change list is cut with "..." after it.
const MAX_DESCRIPTION: usize = 1000;

/// What a deployment's description records: "lambdeck: +GET /new, ~GET /hello_world integration".
pub fn deployment_description(changes: &[Change]) -> String {
    let list = if changes.is_empty() {
        "redeploy, no changes".to_owned()
    } else {
        describe_changes(changes)
    };
    let mut text = format!("lambdeck: {list}");
    cut(&mut text);
    text
}

/// Cuts a description to MAX_DESCRIPTION bytes, marking the cut with "...".
fn cut(text: &mut String) {
    if text.len() > MAX_DESCRIPTION {
        let mut end = MAX_DESCRIPTION - 3;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push_str("...");
    }
}

/// Which action changed the stage. JSON: "deploy" or "rollback".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StageAction {
    Deploy,
    Rollback,
}

/// The result of an action on the stage, as re-read after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageOutcome {
    pub action: StageAction,
    pub api_id: String,
    /// The stage as re-read after the action.
    pub stage: Stage,
    /// The deployment the stage pointed at before.
    pub previous_deployment_id: Option<String>,
    /// The deployment it points at now (created by deploy, chosen by rollback).
    pub deployment: Deployment,
    /// What the action made live (deploy) or took back (rollback), from the drift before it.
    pub changes: Vec<Change>,
    /// The drift after the action.
    pub drift: Drift,
    /// The whole stack as re-read after the action, so a caller shows it without reading it again.
    #[serde(skip)]
    pub stack: Box<Stack>,
}

fn api_of(stack: &Stack) -> Result<&RestApiInfo, StackError> {
    stack.api.as_ref().ok_or_else(|| {
        StackError::Refused(format!(
            "REST API {} not found (run `lambdeck up` to create it)",
            stack.names.api
        ))
    })
}

/// Creates a deployment of the working API on the configured stage (the stage keeps its URL), then
/// confirms the stage points at it. `stack` is the state the caller showed the user.
pub async fn deploy_stage(
    clients: &Clients,
    spec: &StackSpec,
    stack: &Stack,
) -> Result<StageOutcome, StackError> {
    let api = api_of(stack)?;
    let stage_name = &stack.names.stage;
    let previous = api.stage(stage_name).and_then(|s| s.deployment_id.clone());
    let changes = stack.drift.changes().to_vec();
    let description = match (&previous, &stack.drift) {
        (None, _) => format!("lambdeck: first deployment of stage {stage_name}"),
        (Some(_), Drift::Unknown { reason }) => {
            let mut text = format!("lambdeck: redeploy, changes unknown ({reason})");
            cut(&mut text);
            text
        }
        _ => deployment_description(&changes),
    };
    let deployment =
        apigateway::create_deployment(&clients.apigateway, &api.id, stage_name, &description)
            .await?;
    let stage = confirm_stage(clients, &api.id, stage_name, &deployment.id).await?;
    let after = load_stack(clients, spec).await?;
    Ok(StageOutcome {
        action: StageAction::Deploy,
        api_id: api.id.clone(),
        stage,
        previous_deployment_id: previous,
        deployment,
        changes,
        drift: after.drift.clone(),
        stack: Box::new(after),
    })
}

/// Re-reads the stage and checks it serves `deployment_id`.
async fn confirm_stage(
    clients: &Clients,
    api_id: &str,
    stage_name: &str,
    deployment_id: &str,
) -> Result<Stage, StackError> {
    let stage = apigateway::get_stage(
        &clients.apigateway,
        api_id,
        stage_name,
        &clients.region,
        clients.endpoint_url.as_deref(),
    )
    .await?;
    if stage.deployment_id.as_deref() != Some(deployment_id) {
        return Err(StackError::Unconfirmed(format!(
            "stage {stage_name} of {api_id} points at {} after the change, not {deployment_id}",
            stage.deployment_id.as_deref().unwrap_or("no deployment")
        )));
    }
    Ok(stage)
}

/// The deployment a rollback goes to: the one asked for, or the newest one older than the current.
pub fn rollback_target<'a>(
    api: &'a RestApiInfo,
    stage_name: &str,
    requested: Option<&str>,
) -> Result<&'a Deployment, StackError> {
    let current = api
        .stage(stage_name)
        .and_then(|s| s.deployment_id.as_deref());
    if let Some(id) = requested {
        let target = api.deployment(id).ok_or_else(|| {
            StackError::Refused(format!(
                "deployment {id} does not exist in REST API {} (see `lambdeck status`)",
                api.id
            ))
        })?;
        if Some(id) == current {
            return Err(StackError::Refused(format!(
                "stage {stage_name} already serves deployment {id}"
            )));
        }
        return Ok(target);
    }
    let current = current.ok_or_else(|| {
        StackError::Refused(format!(
            "stage {stage_name} has no deployment to roll back from"
        ))
    })?;
    // Deployments are newest first: the previous one is the next in the list after the current.
    let position = api
        .deployments
        .iter()
        .position(|d| d.id == current)
        .ok_or_else(|| {
            StackError::Refused(format!(
                "stage {stage_name} serves {current}, which is not in the deployment history"
            ))
        })?;
    api.deployments.get(position + 1).ok_or_else(|| {
        StackError::Refused(format!(
            "deployment {current} is the oldest: there is nothing earlier to roll back to"
        ))
    })
}

/// Points the stage at an earlier deployment (UpdateStage /deploymentId), then confirms it.
pub async fn roll_back(
    clients: &Clients,
    spec: &StackSpec,
    stack: &Stack,
    requested: Option<&str>,
) -> Result<StageOutcome, StackError> {
    let api = api_of(stack)?;
    let stage_name = &stack.names.stage;
    if api.stage(stage_name).is_none() {
        return Err(StackError::Refused(format!(
            "stage {stage_name} not found in REST API {}",
            api.id
        )));
    }
    let previous = api.stage(stage_name).and_then(|s| s.deployment_id.clone());
    let target = rollback_target(api, stage_name, requested)?.clone();
    apigateway::set_stage_deployment(&clients.apigateway, &api.id, stage_name, &target.id).await?;
    let stage = confirm_stage(clients, &api.id, stage_name, &target.id).await?;
    let after = load_stack(clients, spec).await?;
    let mut deployment = target;
    deployment.stages = vec![stage_name.clone()];
    Ok(StageOutcome {
        action: StageAction::Rollback,
        api_id: api.id.clone(),
        stage,
        previous_deployment_id: previous,
        deployment,
        changes: after.drift.changes().to_vec(),
        drift: after.drift.clone(),
        stack: Box::new(after),
    })
}

/// The deployments prune would delete: all but the `keep` newest, never one a stage uses.
pub fn prune_candidates(api: &RestApiInfo, keep: usize) -> Vec<Deployment> {
    api.deployments
        .iter()
        .skip(keep)
        .filter(|d| {
            d.stages.is_empty()
                && !api
                    .stages
                    .iter()
                    .any(|s| s.deployment_id.as_deref() == Some(d.id.as_str()))
        })
        .cloned()
        .collect()
}

/// What prune did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PruneOutcome {
    pub api_id: String,
    pub deleted: Vec<String>,
    /// Deployments left, as re-read after pruning.
    pub remaining: usize,
}

/// Deletes the given deployments, then re-reads the history to confirm they are gone.
pub async fn prune(
    clients: &Clients,
    api: &RestApiInfo,
    doomed: &[Deployment],
) -> Result<PruneOutcome, StackError> {
    let mut deleted = Vec::new();
    for d in doomed {
        apigateway::delete_deployment(&clients.apigateway, &api.id, &d.id).await?;
        deleted.push(d.id.clone());
    }
    let remaining = apigateway::get_deployments(&clients.apigateway, &api.id).await?;
    if let Some(still) = remaining.iter().find(|d| deleted.contains(&d.id)) {
        return Err(StackError::Unconfirmed(format!(
            "deployment {} of {} is still listed after DeleteDeployment",
            still.id, api.id
        )));
    }
    Ok(PruneOutcome {
        api_id: api.id.clone(),
        deleted,
        remaining: remaining.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Element, Health, RouteKey};

    fn dep(id: &str, created: i64, stages: &[&str]) -> Deployment {
        Deployment {
            id: id.into(),
            created: Some(created),
            description: None,
            stages: stages.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    fn api(deployments: Vec<Deployment>, current: &str) -> RestApiInfo {
        RestApiInfo {
            id: "api".into(),
            name: "n".into(),
            description: None,
            created: None,
            root_resource_id: None,
            settings: Default::default(),
            resources: vec![],
            deployments,
            stages: vec![Stage {
                name: "tf-test".into(),
                deployment_id: Some(current.into()),
                invoke_url: String::new(),
                description: None,
                created: None,
                last_updated: None,
                health: Health::Ok,
                notes: vec![],
            }],
            deployed: None,
            managed: true,
            health: Health::Ok,
            notes: vec![],
        }
    }

    #[test]
    fn rollback_defaults_to_the_deployment_before_the_current() {
        let a = api(
            vec![
                dep("d3", 3, &[]),
                dep("d2", 2, &["tf-test"]),
                dep("d1", 1, &[]),
            ],
            "d2",
        );
        assert_eq!(rollback_target(&a, "tf-test", None).unwrap().id, "d1");
        assert_eq!(rollback_target(&a, "tf-test", Some("d3")).unwrap().id, "d3");
        assert!(matches!(
            rollback_target(&a, "tf-test", Some("d2")),
            Err(StackError::Refused(m)) if m.contains("already serves")
        ));
        assert!(matches!(
            rollback_target(&a, "tf-test", Some("nope")),
            Err(StackError::Refused(m)) if m.contains("does not exist")
        ));
        let oldest = api(vec![dep("d2", 2, &[]), dep("d1", 1, &["tf-test"])], "d1");
        assert!(matches!(
            rollback_target(&oldest, "tf-test", None),
            Err(StackError::Refused(m)) if m.contains("oldest")
        ));
    }

    #[test]
    fn prune_never_touches_a_deployment_a_stage_uses() {
        let a = api(
            vec![
                dep("d4", 4, &[]),
                dep("d3", 3, &[]),
                dep("d2", 2, &[]),
                dep("d1", 1, &["tf-test"]),
            ],
            "d1",
        );
        let ids: Vec<String> = prune_candidates(&a, 1).into_iter().map(|d| d.id).collect();
        assert_eq!(ids, ["d3", "d2"]);
        assert!(prune_candidates(&a, 10).is_empty());
    }

    #[test]
    fn descriptions_record_the_changes() {
        let changes = vec![
            Change::added(Element::Route(RouteKey::new("GET", "/new"))),
            Change::modified(
                Element::Route(RouteKey::new("GET", "/hello_world")),
                "integration.uri",
                None,
                Some("x".into()),
            ),
        ];
        assert_eq!(
            deployment_description(&changes),
            "lambdeck: +GET /new, ~GET /hello_world integration"
        );
        assert_eq!(
            deployment_description(&[]),
            "lambdeck: redeploy, no changes"
        );
        let many: Vec<Change> = (0..200)
            .map(|i| Change::added(Element::Route(RouteKey::new("GET", format!("/route{i}")))))
            .collect();
        let long = deployment_description(&many);
        assert!(long.len() <= MAX_DESCRIPTION && long.ends_with("..."));
    }
}
