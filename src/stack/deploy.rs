//! The stage actions: deploy the working API, roll the stage back to an earlier deployment, prune old
//! deployments. Every action re-reads what it changed and reports what it found.

use serde::Serialize;

use super::{StackError, load_stack};
use crate::aws::{Clients, apigateway};
use crate::config::StackSpec;
use crate::model::{
    ApiSummary, Change, DeployedRoute, Deployment, Drift, Element, RestApiInfo, RouteKey, Stack,
    Stage, describe_changes, sort_changes,
};

/// The longest description lambdeck writes on a deployment; the change list is cut with "..." after it.
const MAX_DESCRIPTION: usize = 1000;

/// What a deployment's description records: the stage it was made for and its changes,
/// "lambdeck(tf-test): +GET /new, ~GET /hello_world integration". The stage is what keeps a
/// rollback on its own stage's history; the prefix is what tells lambdeck's deployments from others.
pub fn deployment_description(stage: &str, changes: &[Change]) -> String {
    let list = if changes.is_empty() {
        "redeploy, no changes".to_owned()
    } else {
        describe_changes(changes)
    };
    stage_description(stage, &list)
}

/// "lambdeck(<stage>): <text>", cut to the longest description lambdeck writes.
pub fn stage_description(stage: &str, text: &str) -> String {
    let mut text = format!("lambdeck({stage}): {text}");
    cut(&mut text);
    text
}

/// The stage a deployment was made for, when lambdeck made it and recorded one.
pub fn recorded_stage(description: Option<&str>) -> Option<&str> {
    let rest = description?.strip_prefix("lambdeck(")?;
    rest.split_once("): ").map(|(stage, _)| stage)
}

/// True for a deployment lambdeck made (this version records the stage; earlier ones wrote
/// "lambdeck: ..." or "lambdeck up: ...").
pub fn made_by_lambdeck(description: Option<&str>) -> bool {
    recorded_stage(description).is_some()
        || description
            .is_some_and(|d| d.starts_with("lambdeck: ") || d.starts_with("lambdeck up: "))
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

/// Which action changed the stage. JSON: "deploy", "rollback", "promote", "canary",
/// "canary_promote" or "canary_cancel".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StageAction {
    Deploy,
    Rollback,
    /// The stage was pointed at the deployment another stage serves.
    Promote,
    /// The working API was deployed to the stage as a canary release.
    Canary,
    /// The stage now serves its canary's deployment; the canary is gone.
    CanaryPromote,
    /// The canary was removed; the stage serves what it served.
    CanaryCancel,
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

pub(super) fn api_of(stack: &Stack) -> Result<&RestApiInfo, StackError> {
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
        (None, _) => stage_description(stage_name, "first deployment"),
        (Some(_), Drift::Unknown { reason }) => {
            stage_description(stage_name, &format!("redeploy, changes unknown ({reason})"))
        }
        _ => deployment_description(stage_name, &changes),
    };
    let deployment =
        apigateway::create_deployment(&clients.apigateway, &api.id, stage_name, &description)
            .await?;
    let mut stage = confirm_stage(clients, &api.id, stage_name, &deployment.id).await?;
    let mut after = load_stack(clients, spec).await?;
    // Documentation is published by documentation version, not by deployment: when the stage's
    // documentation still differs, the working parts are published to it as a new version.
    if after
        .drift
        .changes()
        .iter()
        .any(|c| matches!(c.element, Element::Documentation(_)))
    {
        apigateway::publish_documentation(
            &clients.apigateway,
            &api.id,
            stage_name,
            &format!("lambdeck-{}", deployment.id),
            &format!("published by lambdeck with deployment {}", deployment.id),
        )
        .await?;
        stage = confirm_stage(clients, &api.id, stage_name, &deployment.id).await?;
        after = load_stack(clients, spec).await?;
    }
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
pub(super) async fn confirm_stage(
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

/// The deployment a rollback goes to: the one asked for, or the newest deployment made for this stage
/// (as lambdeck records it) that is older than the one the stage serves. Never, by default, one made
/// for another stage, nor one lambdeck cannot tell the stage of.
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
    // Deployments are newest first: the previous one of this stage comes after the current.
    let position = api
        .deployments
        .iter()
        .position(|d| d.id == current)
        .ok_or_else(|| {
            StackError::Refused(format!(
                "stage {stage_name} serves {current}, which is not in the deployment history"
            ))
        })?;
    api.deployments
        .iter()
        .skip(position + 1)
        .find(|d| recorded_stage(d.description.as_deref()) == Some(stage_name))
        .ok_or_else(|| {
            StackError::Refused(format!(
                "deployment {current} is the oldest lambdeck made for stage {stage_name}: there is \
                 nothing earlier to roll back to (name a deployment id to go to another one)"
            ))
        })
}

/// What pointing the stage at `target` would change in what it serves (Added: served after, not
/// now), from the target's apiSummary and the stage's current snapshot; shown before a rollback.
pub async fn rollback_changes(
    clients: &Clients,
    stack: &Stack,
    target: &Deployment,
) -> Result<Vec<Change>, StackError> {
    let api = api_of(stack)?;
    let summary = apigateway::get_api_summary(&clients.apigateway, &api.id, &target.id).await?;
    let now = api
        .deployed
        .as_ref()
        .map_or(&[][..], |d| d.routes.as_slice());
    Ok(serving_changes(now, &summary))
}

/// The routes a stage serves now against another deployment's apiSummary, field by field, in the
/// diff's order: what the stage would serve after switching to that deployment. The apiSummary holds
/// only each route's authorization and API key, so those are the fields compared.
pub fn serving_changes(now: &[DeployedRoute], then: &ApiSummary) -> Vec<Change> {
    use std::collections::BTreeMap;
    let now: BTreeMap<RouteKey, (&str, bool)> = now
        .iter()
        .map(|r| {
            (
                r.key.clone(),
                (r.authorization_type.as_str(), r.api_key_required),
            )
        })
        .collect();
    let then: BTreeMap<RouteKey, (&str, bool)> = then
        .iter()
        .flat_map(|(path, verbs)| {
            verbs.iter().map(move |(verb, m)| {
                (
                    RouteKey::new(verb.clone(), path.clone()),
                    (m.authorization_type.as_str(), m.api_key_required),
                )
            })
        })
        .collect();
    let mut changes = Vec::new();
    for (key, (auth, key_required)) in &then {
        let route = || Element::Route(key.clone());
        let Some((a, k)) = now.get(key) else {
            changes.push(Change::added(route()));
            continue;
        };
        if a != auth {
            changes.push(Change::modified(
                route(),
                "authorizationType",
                Some((*a).to_owned()),
                Some((*auth).to_owned()),
            ));
        }
        if k != key_required {
            changes.push(Change::modified(
                route(),
                "apiKeyRequired",
                Some(k.to_string()),
                Some(key_required.to_string()),
            ));
        }
    }
    for key in now.keys().filter(|k| !then.contains_key(*k)) {
        changes.push(Change::removed(Element::Route(key.clone())));
    }
    sort_changes(&mut changes);
    changes
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

/// The deployments prune would delete: all but the `keep` newest, never one a stage uses or a
/// canary release sends traffic to, and (unless `foreign`) only those lambdeck made.
pub fn prune_candidates(api: &RestApiInfo, keep: usize, foreign: bool) -> Vec<Deployment> {
    api.deployments
        .iter()
        .skip(keep)
        .filter(|d| {
            d.stages.is_empty()
                && (foreign || made_by_lambdeck(d.description.as_deref()))
                && !api.stages.iter().any(|s| {
                    s.deployment_id.as_deref() == Some(d.id.as_str())
                        || s.canary_deployment_id.as_deref() == Some(d.id.as_str())
                })
        })
        .cloned()
        .collect()
}

/// Splits prune candidates into those to delete and those Terraform's state holds (each with its
/// address): `prune`, even with `--all`, never deletes a deployment Terraform manages.
pub fn without_terraforms(
    stack: &Stack,
    candidates: Vec<Deployment>,
) -> (Vec<Deployment>, Vec<(Deployment, String)>) {
    let mut doomed = Vec::new();
    let mut kept = Vec::new();
    for d in candidates {
        match stack
            .terraform
            .as_ref()
            .and_then(|t| t.nodes.get(&format!("api/deployments/{}", d.id)))
        {
            Some(address) => kept.push((d, address.clone())),
            None => doomed.push(d),
        }
    }
    (doomed, kept)
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
    use crate::model::Health;

    /// A deployment lambdeck made for tf-test.
    fn dep(id: &str, created: i64, stages: &[&str]) -> Deployment {
        Deployment {
            id: id.into(),
            created: Some(created),
            description: Some(stage_description("tf-test", "x")),
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
            endpoint_types: vec![],
            resources: vec![],
            deployments,
            stages: vec![Stage {
                name: "tf-test".into(),
                deployment_id: Some(current.into()),
                canary_deployment_id: None,
                canary_percent: None,
                invoke_url: String::new(),
                description: None,
                documentation_version: None,
                created: None,
                last_updated: None,
                drift: None,
                not_comparable: vec![],
                served: None,
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
    fn rollback_never_defaults_to_another_stages_deployment() {
        let other = |id: &str, created| Deployment {
            description: Some(stage_description("prod", "y")),
            ..dep(id, created, &[])
        };
        let console = |id: &str, created| Deployment {
            description: Some("made in the console".into()),
            ..dep(id, created, &[])
        };
        let a = api(
            vec![
                dep("d5", 5, &["tf-test"]),
                other("d4", 4),
                console("d3", 3),
                dep("d2", 2, &[]),
                other("d1", 1),
            ],
            "d5",
        );
        assert_eq!(rollback_target(&a, "tf-test", None).unwrap().id, "d2");
        let only_others = api(vec![dep("d2", 2, &["tf-test"]), other("d1", 1)], "d2");
        assert!(rollback_target(&only_others, "tf-test", None).is_err());
        // Named, any deployment goes.
        assert_eq!(
            rollback_target(&only_others, "tf-test", Some("d1"))
                .unwrap()
                .id,
            "d1"
        );
    }

    #[test]
    fn a_rollback_shows_what_the_stage_would_serve_field_by_field() {
        use crate::model::MethodSummary;
        let route = |verb: &str, path: &str, auth: &str, key| DeployedRoute {
            key: RouteKey::new(verb, path),
            authorization_type: auth.into(),
            api_key_required: key,
            integration_type: Some("AWS_PROXY".into()),
            integration_uri: None,
        };
        let now = [
            route("GET", "/hello_world", "NONE", false),
            route("POST", "/items", "NONE", false),
        ];
        let summary = |auth: &str, key| MethodSummary {
            authorization_type: auth.into(),
            api_key_required: key,
        };
        let then: ApiSummary = [
            (
                "/hello_world".to_owned(),
                [("GET".to_owned(), summary("AWS_IAM", true))].into(),
            ),
            (
                "/old".to_owned(),
                [("GET".to_owned(), summary("NONE", false))].into(),
            ),
        ]
        .into();
        let lines: Vec<String> = serving_changes(&now, &then)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            lines,
            [
                "~ GET /hello_world apiKeyRequired false → true",
                "~ GET /hello_world authorizationType NONE → AWS_IAM",
                "- POST /items",
                "+ GET /old",
            ]
        );
        assert!(
            serving_changes(
                &now[..1],
                &[(
                    "/hello_world".to_owned(),
                    [("GET".to_owned(), summary("NONE", false))].into()
                )]
                .into()
            )
            .is_empty()
        );
    }

    #[test]
    fn descriptions_record_the_stage_and_tell_lambdecks_deployments() {
        let d = deployment_description("tf-test", &[]);
        assert_eq!(d, "lambdeck(tf-test): redeploy, no changes");
        assert_eq!(recorded_stage(Some(&d)), Some("tf-test"));
        assert!(made_by_lambdeck(Some(&d)));
        assert!(made_by_lambdeck(Some("lambdeck: +GET /new")));
        assert_eq!(recorded_stage(Some("lambdeck: +GET /new")), None);
        assert!(!made_by_lambdeck(Some("terraform")));
        assert!(!made_by_lambdeck(None));
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
        let ids: Vec<String> = prune_candidates(&a, 1, false)
            .into_iter()
            .map(|d| d.id)
            .collect();
        assert_eq!(ids, ["d3", "d2"]);
        assert!(prune_candidates(&a, 10, false).is_empty());
    }

    #[test]
    fn prune_keeps_others_deployments_and_canaries_by_default() {
        let mut a = api(
            vec![
                dep("d4", 4, &[]),
                Deployment {
                    description: Some("terraform".into()),
                    ..dep("d3", 3, &[])
                },
                dep("d2", 2, &[]),
                dep("d1", 1, &["tf-test"]),
            ],
            "d1",
        );
        a.stages[0].canary_deployment_id = Some("d2".into());
        let ids = |foreign| -> Vec<String> {
            prune_candidates(&a, 0, foreign)
                .into_iter()
                .map(|d| d.id)
                .collect()
        };
        assert_eq!(ids(false), ["d4"]);
        assert_eq!(ids(true), ["d4", "d3"]);
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
            deployment_description("tf-test", &changes),
            "lambdeck(tf-test): +GET /new, ~GET /hello_world integration"
        );
        assert_eq!(
            deployment_description("tf-test", &[]),
            "lambdeck(tf-test): redeploy, no changes"
        );
        let many: Vec<Change> = (0..200)
            .map(|i| Change::added(Element::Route(RouteKey::new("GET", format!("/route{i}")))))
            .collect();
        let long = deployment_description("tf-test", &many);
        assert!(long.len() <= MAX_DESCRIPTION && long.ends_with("..."));
    }
}
