//! Every stage of the API, through the real SDK against the embedded local stack: each stage judged
//! against the working API on its own, the diff between two stages, promote, canary releases (and the
//! local stack's canary routing, stage fields and patch paths, as AWS records them).

use lambdeck::stack::deploy::{StageAction, deploy_stage};
use lambdeck::stack::stages::{deploy_canary, diff_stages, end_canary, promote};
use lambdeck::stack::tree::{self, Piece};
use lambdeck::stack::{Change, Drift, Element, Health, Percent, RouteKey, Stack, StackError};

use super::{Local, start};

fn added(method: &str, path: &str) -> Change {
    Change::added(Element::Route(RouteKey::new(method, path)))
}

/// A second stage, `name`, on the deployment the configured stage serves now.
pub async fn add_stage(local: &Local, stack: &Stack, name: &str) {
    let api = stack.api.as_ref().unwrap();
    let deployment = stack.stage().unwrap().deployment_id.clone().unwrap();
    local
        .clients
        .apigateway
        .create_stage()
        .rest_api_id(&api.id)
        .stage_name(name)
        .deployment_id(deployment)
        .send()
        .await
        .unwrap();
}

fn stage_drift<'a>(stack: &'a Stack, name: &str) -> &'a Drift {
    stack
        .api
        .as_ref()
        .unwrap()
        .stage(name)
        .unwrap()
        .drift
        .as_ref()
        .unwrap()
}

#[tokio::test]
async fn every_stage_is_judged_against_the_working_api_on_its_own() {
    let local = start().await;
    let stack = local.up().await;
    add_stage(&local, &stack, "prod").await;
    let both = local.load().await;
    assert_eq!(stage_drift(&both, "tf-test"), &Drift::InSync);
    assert_eq!(stage_drift(&both, "prod"), &Drift::InSync);

    local.add_route(&both, "new").await;
    let stale = local.load().await;
    assert_eq!(
        stage_drift(&stale, "prod").changes(),
        [added("GET", "/new")]
    );
    assert_eq!(stale.drift.changes(), [added("GET", "/new")]);

    // Deploying the configured stage leaves prod on the old deployment: stale on its own.
    let outcome = deploy_stage(&local.clients, &local.spec, &stale)
        .await
        .unwrap();
    let after = *outcome.stack;
    assert_eq!(after.drift, Drift::InSync);
    assert_eq!(stage_drift(&after, "tf-test"), &Drift::InSync);
    assert_eq!(
        stage_drift(&after, "prod").changes(),
        [added("GET", "/new")]
    );
    // The stack's health follows the configured stage only; prod's node warns.
    assert_eq!(after.health(), Health::Ok);
    let nodes = tree::nodes(&after);
    let prod = nodes
        .iter()
        .find(|n| n.key == "api/stage/prod")
        .expect("a prod node");
    assert_eq!(prod.health, Some(Health::Warning));
    let Piece::Stage {
        configured, diff, ..
    } = &prod.piece
    else {
        panic!("{prod:?}")
    };
    assert!(!configured);
    assert_eq!(diff.len(), 1);
    assert_eq!(diff[0].mark(), '+');
}

fn served_by(stack: &Stack, stage: &str) -> String {
    stack
        .api
        .as_ref()
        .unwrap()
        .stage(stage)
        .unwrap()
        .invoke_url
        .clone()
}

#[tokio::test]
async fn a_diff_between_two_stages_then_promote_makes_them_serve_the_same() {
    let local = start().await;
    let stack = local.up().await;
    add_stage(&local, &stack, "prod").await;
    local.add_route(&stack, "new").await;
    let stale = local.load().await;
    let dev = *deploy_stage(&local.clients, &local.spec, &stale)
        .await
        .unwrap()
        .stack;

    // From prod to tf-test: tf-test serves /new, prod does not; the other way round it is removed.
    let d = diff_stages(&dev, "prod", "tf-test").unwrap();
    assert_eq!(d.changes, [added("GET", "/new")]);
    assert!(!d.is_same() && d.unknown.is_none());
    assert_eq!(
        d.summary(),
        "stage prod → stage tf-test: 1 change (+GET /new)"
    );
    let back = diff_stages(&dev, "tf-test", "prod").unwrap();
    assert_eq!(
        back.changes,
        [Change::removed(Element::Route(RouteKey::new(
            "GET", "/new"
        )))]
    );
    assert!(matches!(
        diff_stages(&dev, "prod", "nosuch"),
        Err(StackError::Refused(m)) if m.contains("stage nosuch not found") && m.contains("prod, tf-test")
    ));

    // Promote tf-test to prod: prod serves tf-test's deployment, /new answers there, in sync.
    let prod_url = served_by(&dev, "prod");
    assert_eq!(
        reqwest::get(format!("{prod_url}/new"))
            .await
            .unwrap()
            .status(),
        403
    );
    let outcome = promote(&local.clients, &local.spec, &dev, "tf-test", "prod")
        .await
        .unwrap();
    assert_eq!(outcome.action, StageAction::Promote);
    assert_eq!(outcome.stage.name, "prod");
    assert_eq!(outcome.changes, [added("GET", "/new")]);
    assert_eq!(outcome.drift, Drift::InSync);
    let after = *outcome.stack;
    let dev_deployment = dev.stage().unwrap().deployment_id.clone();
    assert_eq!(
        after
            .api
            .as_ref()
            .unwrap()
            .stage("prod")
            .unwrap()
            .deployment_id,
        dev_deployment
    );
    assert!(diff_stages(&after, "prod", "tf-test").unwrap().is_same());
    assert_eq!(
        reqwest::get(format!("{prod_url}/new"))
            .await
            .unwrap()
            .status(),
        200
    );
    // Nothing left to promote; a stage that does not exist yet is created on the deployment.
    assert!(matches!(
        promote(&local.clients, &local.spec, &after, "tf-test", "prod").await,
        Err(StackError::Refused(m)) if m.contains("already serves")
    ));
    let qa = promote(&local.clients, &local.spec, &after, "prod", "qa")
        .await
        .unwrap();
    assert_eq!(qa.previous_deployment_id, None);
    assert_eq!(qa.stage.deployment_id, dev_deployment);
}

/// Which deployment served each of `n` GETs of `path` on `stage`, by the local stack's header.
async fn served_by_deployment(stack: &Stack, stage: &str, path: &str, n: usize) -> Vec<String> {
    let url = format!("{}{path}", served_by(stack, stage));
    let client = reqwest::Client::new();
    let mut out = Vec::new();
    for _ in 0..n {
        let res = client.get(&url).send().await.unwrap();
        assert_eq!(res.status(), 200);
        out.push(
            res.headers()[lambdeck::wire::DEPLOYMENT_ID_HEADER]
                .to_str()
                .unwrap()
                .to_owned(),
        );
    }
    out
}

#[tokio::test]
async fn a_canary_takes_its_share_of_the_stage_then_is_promoted_or_cancelled() {
    let local = start().await;
    let stack = local.up().await;
    let main = stack.stage().unwrap().deployment_id.clone().unwrap();
    // A new route, deployed as a canary taking every request: only the canary serves /new.
    local.add_route(&stack, "new").await;
    let stale = local.load().await;
    let outcome = deploy_canary(&local.clients, &local.spec, &stale, "tf-test", 100.0)
        .await
        .unwrap();
    assert_eq!(outcome.action, StageAction::Canary);
    assert_eq!(outcome.changes, [added("GET", "/new")]);
    let canary = outcome.deployment.id.clone();
    assert_eq!(outcome.stage.deployment_id.as_deref(), Some(main.as_str()));
    assert_eq!(
        outcome.stage.canary_deployment_id.as_deref(),
        Some(canary.as_str())
    );
    assert_eq!(outcome.stage.canary_percent, Some(Percent(100.0)));
    let all = *outcome.stack;
    assert!(
        served_by_deployment(&all, "tf-test", "/hello_world", 5)
            .await
            .iter()
            .all(|d| *d == canary)
    );

    // At 50 % both sides serve: 60 requests all on one side would happen once in 2^59 runs.
    lambdeck::aws::apigateway::end_canary(
        &local.clients.apigateway,
        &all.api.as_ref().unwrap().id,
        "tf-test",
        None,
    )
    .await
    .unwrap();
    local
        .clients
        .apigateway
        .update_stage()
        .rest_api_id(&all.api.as_ref().unwrap().id)
        .stage_name("tf-test")
        .patch_operations(
            aws_sdk_apigateway::types::PatchOperation::builder()
                .op(aws_sdk_apigateway::types::Op::Replace)
                .path("/canarySettings/deploymentId")
                .value(&canary)
                .build(),
        )
        .patch_operations(
            aws_sdk_apigateway::types::PatchOperation::builder()
                .op(aws_sdk_apigateway::types::Op::Replace)
                .path("/canarySettings/percentTraffic")
                .value("50")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let half = local.load().await;
    assert_eq!(half.stage().unwrap().canary_percent, Some(Percent(50.0)));
    let sides = served_by_deployment(&half, "tf-test", "/hello_world", 60).await;
    assert!(
        sides.contains(&main) && sides.contains(&canary),
        "{sides:?}"
    );

    // Cancel: the stage serves its own deployment only.
    let cancelled = end_canary(&local.clients, &local.spec, &half, "tf-test", false)
        .await
        .unwrap();
    assert_eq!(cancelled.action, StageAction::CanaryCancel);
    assert_eq!(cancelled.stage.canary_deployment_id, None);
    let back = *cancelled.stack;
    assert!(
        served_by_deployment(&back, "tf-test", "/hello_world", 5)
            .await
            .iter()
            .all(|d| *d == main)
    );
    assert!(matches!(
        end_canary(&local.clients, &local.spec, &back, "tf-test", true).await,
        Err(StackError::Refused(m)) if m.contains("no canary")
    ));

    // A canary again, promoted: the stage serves it, /new is live, the canary is gone.
    let again = deploy_canary(&local.clients, &local.spec, &back, "tf-test", 10.0)
        .await
        .unwrap();
    let canary = again.deployment.id.clone();
    let promoted = end_canary(&local.clients, &local.spec, &again.stack, "tf-test", true)
        .await
        .unwrap();
    assert_eq!(promoted.action, StageAction::CanaryPromote);
    assert_eq!(
        promoted.stage.deployment_id.as_deref(),
        Some(canary.as_str())
    );
    assert_eq!(promoted.stage.canary_deployment_id, None);
    assert_eq!(promoted.drift, Drift::InSync);
    let after = *promoted.stack;
    assert_eq!(local.get(&after, "/new").await.0, 200);
}

#[tokio::test]
async fn the_local_stack_answers_canary_calls_as_aws_does() {
    use aws_sdk_apigateway::types::{DeploymentCanarySettings, Op, PatchOperation};
    fn message<E: std::error::Error + 'static, R: std::fmt::Debug>(
        e: &aws_sdk_apigateway::error::SdkError<E, R>,
    ) -> String {
        format!("{}", aws_sdk_apigateway::error::DisplayErrorContext(e))
    }
    let local = start().await;
    let stack = local.up().await;
    let api = stack.api.as_ref().unwrap().id.clone();
    let gw = &local.clients.apigateway;
    let settings = || {
        DeploymentCanarySettings::builder()
            .percent_traffic(50.0)
            .build()
    };
    let e = gw
        .create_deployment()
        .rest_api_id(&api)
        .canary_settings(settings())
        .send()
        .await
        .unwrap_err();
    assert!(
        message(&e)
            .contains("Non null and non empty stageName must be provided for canary deployment"),
        "{}",
        message(&e)
    );
    let e = gw
        .create_deployment()
        .rest_api_id(&api)
        .stage_name("nosuch")
        .canary_settings(settings())
        .send()
        .await
        .unwrap_err();
    assert!(
        message(&e).contains(
            "Stage nosuch must already be created before making a canary release deployment"
        ),
        "{}",
        message(&e)
    );
    let canary = gw
        .create_deployment()
        .rest_api_id(&api)
        .stage_name("tf-test")
        .canary_settings(settings())
        .send()
        .await
        .unwrap();
    let stage = gw
        .get_stage()
        .rest_api_id(&api)
        .stage_name("tf-test")
        .send()
        .await
        .unwrap();
    let c = stage.canary_settings().expect("canarySettings");
    assert_eq!(c.deployment_id(), canary.id());
    assert_eq!(c.percent_traffic(), 50.0);
    assert!(!c.use_stage_cache());
    assert_ne!(stage.deployment_id(), canary.id());
    // A deployment a canary uses cannot be deleted.
    assert!(
        gw.delete_deployment()
            .rest_api_id(&api)
            .deployment_id(canary.id().unwrap())
            .send()
            .await
            .is_err()
    );
    let patch = |op: Op, path: &str, value: Option<&str>| {
        PatchOperation::builder()
            .op(op)
            .path(path)
            .set_value(value.map(Into::into))
            .build()
    };
    let updated = gw
        .update_stage()
        .rest_api_id(&api)
        .stage_name("tf-test")
        .patch_operations(patch(
            Op::Replace,
            "/canarySettings/stageVariableOverrides/color",
            Some("blue"),
        ))
        .patch_operations(patch(
            Op::Replace,
            "/canarySettings/useStageCache",
            Some("true"),
        ))
        .send()
        .await
        .unwrap();
    let c = updated.canary_settings().unwrap();
    assert_eq!(c.stage_variable_overrides().unwrap()["color"], "blue");
    assert!(c.use_stage_cache());
    let e = gw
        .update_stage()
        .rest_api_id(&api)
        .stage_name("tf-test")
        .patch_operations(patch(Op::Remove, "/canarySettings/badPath", None))
        .send()
        .await
        .unwrap_err();
    assert!(
        message(&e).contains("Cannot remove method setting canarySettings/badPath because there is no method setting for this method"),
        "{}",
        message(&e)
    );
    let removed = gw
        .update_stage()
        .rest_api_id(&api)
        .stage_name("tf-test")
        .patch_operations(patch(Op::Remove, "/canarySettings", None))
        .send()
        .await
        .unwrap();
    assert!(removed.canary_settings().is_none());
    // A canary field set on a stage without one starts one on the stage's own deployment.
    let started = gw
        .update_stage()
        .rest_api_id(&api)
        .stage_name("tf-test")
        .patch_operations(patch(
            Op::Replace,
            "/canarySettings/percentTraffic",
            Some("50"),
        ))
        .send()
        .await
        .unwrap();
    let c = started.canary_settings().unwrap();
    assert_eq!(c.deployment_id(), started.deployment_id());
    assert_eq!(c.percent_traffic(), 50.0);
}
