//! Every stage of the API: the field-level diff between two stages (what each serves, as discovery read
//! it) and promote, which points one stage at the deployment another serves.

use serde::Serialize;

use super::deploy::{StageAction, StageOutcome, api_of, confirm_stage};
use super::diff::{Comparison, WorkingApi, compare_definitions};
use super::{StackError, load_stack};
use crate::aws::{Clients, apigateway};
use crate::config::StackSpec;
use crate::model::definition::ApiDefinition;
use crate::model::{Change, Drift, RestApiInfo, Stack, Stage, describe_changes};

/// What changes from one stage to another, field by field: `+` served by `to` only, `-` by `from`
/// only, `~ field a → b` with `a` from `from`. JSON: `{"from", "to", "from_deployment",
/// "to_deployment", "changes": [<change>], "not_comparable": [..], "unknown": null | reason}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageDiff {
    pub from: String,
    pub to: String,
    pub from_deployment: Option<String>,
    pub to_deployment: Option<String>,
    pub changes: Vec<Change>,
    /// What the comparison could not see, one line each.
    pub not_comparable: Vec<String>,
    /// Why the two could not be compared at all (an export that could not be read), when so.
    pub unknown: Option<String>,
}

impl StageDiff {
    /// Both stages serve the same deployment, or what they serve compares equal.
    pub fn is_same(&self) -> bool {
        self.unknown.is_none() && self.changes.is_empty()
    }

    /// One line: "prod → dev: 2 changes (+GET /new, ...)", "same deployment", "unknown: ...".
    pub fn summary(&self) -> String {
        let head = format!("stage {} → stage {}", self.from, self.to);
        if let Some(reason) = &self.unknown {
            return format!("{head}: changes unknown: {reason}");
        }
        if self.from_deployment.is_some() && self.from_deployment == self.to_deployment {
            return format!(
                "{head}: the same deployment ({})",
                self.to_deployment.as_deref().unwrap_or("-")
            );
        }
        if self.changes.is_empty() {
            return format!("{head}: no differences");
        }
        let n = self.changes.len();
        format!(
            "{head}: {n} change{} ({})",
            if n == 1 { "" } else { "s" },
            describe_changes(&self.changes)
        )
    }
}

/// A stage of the stack's API by name, or a one-line refusal naming the stages there are.
pub fn stage_named<'a>(api: &'a RestApiInfo, name: &str) -> Result<&'a Stage, StackError> {
    api.stage(name).ok_or_else(|| {
        let names: Vec<&str> = api.stages.iter().map(|s| s.name.as_str()).collect();
        StackError::Refused(format!(
            "stage {name} not found in REST API {} (its stages: {})",
            api.id,
            if names.is_empty() {
                "none".to_owned()
            } else {
                names.join(", ")
            }
        ))
    })
}

/// The diff from stage `from` to stage `to`, from what discovery read of each (no I/O).
pub fn diff_stages(stack: &Stack, from: &str, to: &str) -> Result<StageDiff, StackError> {
    let api = api_of(stack)?;
    let (a, b) = (stage_named(api, from)?, stage_named(api, to)?);
    let mut diff = StageDiff {
        from: from.to_owned(),
        to: to.to_owned(),
        from_deployment: a.deployment_id.clone(),
        to_deployment: b.deployment_id.clone(),
        changes: vec![],
        not_comparable: vec![],
        unknown: None,
    };
    if a.deployment_id.is_some() && a.deployment_id == b.deployment_id {
        return Ok(diff);
    }
    fn served(s: &Stage) -> Result<&ApiDefinition, String> {
        match &s.served {
            Some(Ok(d)) => Ok(d),
            Some(Err(reason)) => Err(format!("stage {}: {reason}", s.name)),
            None => Err(format!("stage {} was not read", s.name)),
        }
    }
    match (served(a), served(b)) {
        (Ok(da), Ok(db)) => {
            // The diff is written as drift is: `working` is where we go, `deployed` where we are.
            let target = WorkingApi {
                definition: db.clone(),
                ..WorkingApi::default()
            };
            let Comparison {
                changes,
                not_comparable,
            } = compare_definitions(&target, da);
            diff.changes = changes;
            diff.not_comparable = not_comparable;
        }
        (Err(e), _) | (_, Err(e)) => diff.unknown = Some(e),
    }
    Ok(diff)
}

/// Why promote cannot go ahead, before anything is asked: no API, a stage missing, nothing to promote.
pub fn promote_check<'a>(stack: &'a Stack, from: &str, to: &str) -> Result<&'a str, StackError> {
    let api = api_of(stack)?;
    if from == to {
        return Err(StackError::Refused(format!(
            "promote needs two different stages (got {from} twice)"
        )));
    }
    let source = stage_named(api, from)?;
    let deployment = source
        .deployment_id
        .as_deref()
        .ok_or_else(|| StackError::Refused(format!("stage {from} has no deployment to promote")))?;
    if let Some(target) = api.stage(to)
        && target.deployment_id.as_deref() == Some(deployment)
    {
        return Err(StackError::Refused(format!(
            "stage {to} already serves deployment {deployment}, the one {from} serves"
        )));
    }
    Ok(deployment)
}

/// Points stage `to` at the deployment stage `from` serves (UpdateStage /deploymentId; CreateStage when
/// `to` does not exist yet), then confirms it by re-reading the stage and the stack. The outcome's
/// changes are the diff from `to` to `from` as `stack` showed it; its drift is `to`'s after the change.
pub async fn promote(
    clients: &Clients,
    spec: &StackSpec,
    stack: &Stack,
    from: &str,
    to: &str,
) -> Result<StageOutcome, StackError> {
    let deployment_id = promote_check(stack, from, to)?.to_owned();
    let api = api_of(stack)?;
    let previous = api.stage(to).and_then(|s| s.deployment_id.clone());
    let changes = if api.stage(to).is_some() {
        diff_stages(stack, to, from)?.changes
    } else {
        vec![]
    };
    if api.stage(to).is_some() {
        apigateway::set_stage_deployment(&clients.apigateway, &api.id, to, &deployment_id).await?;
    } else {
        apigateway::create_stage(&clients.apigateway, &api.id, to, &deployment_id).await?;
    }
    let stage = confirm_stage(clients, &api.id, to, &deployment_id).await?;
    let after = load_stack(clients, spec).await?;
    let mut deployment = api.deployment(&deployment_id).cloned().ok_or_else(|| {
        StackError::Unconfirmed(format!(
            "deployment {deployment_id} is not in the deployment history"
        ))
    })?;
    deployment.stages = vec![to.to_owned()];
    let drift = after
        .api
        .as_ref()
        .and_then(|a| a.stage(to))
        .and_then(|s| s.drift.clone())
        .unwrap_or_else(|| Drift::Unknown {
            reason: format!("stage {to} was not judged after the change"),
        });
    Ok(StageOutcome {
        action: StageAction::Promote,
        api_id: api.id.clone(),
        stage,
        previous_deployment_id: previous,
        deployment,
        changes,
        drift,
        stack: Box::new(after),
    })
}
