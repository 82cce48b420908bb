//! Every stage of the API, through the real SDK against the embedded local stack: each stage judged
//! against the working API on its own, the diff between two stages, promote.

use lambdeck::stack::deploy::{StageAction, deploy_stage};
use lambdeck::stack::stages::{diff_stages, promote};
use lambdeck::stack::tree::{self, Piece};
use lambdeck::stack::{Change, Drift, Element, Health, RouteKey, Stack, StackError};

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
