//! Every stage of the API, through the real SDK against the embedded local stack: each stage judged
//! against the working API on its own.

use lambdeck::stack::deploy::deploy_stage;
use lambdeck::stack::tree::{self, Piece};
use lambdeck::stack::{Change, Drift, Element, Health, RouteKey, Stack};

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
