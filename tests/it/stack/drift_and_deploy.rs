//! The stack engine against the embedded local stack, through the real SDK clients: `up` twice, the
//! stage serving the real hello-world, every drift case (added route, removed route, changed integration
//! URI, changed authorization, API key and integration type, a stage left on an old deployment by a
//! rollback), deploy, rollback, prune and `down`.

use aws_sdk_apigateway::types::{Op, PatchOperation};
use lambdeck::aws::apigateway;
use lambdeck::stack::deploy::{deploy_stage, prune, prune_candidates, roll_back};
use lambdeck::stack::provision::{self, StepAction};
use lambdeck::stack::{Change, Drift, Element, RouteKey, StackError};

use super::start;

fn added(method: &str, path: &str) -> Change {
    Change::added(Element::Route(RouteKey::new(method, path)))
}

fn gone(method: &str, path: &str) -> Change {
    Change::removed(Element::Route(RouteKey::new(method, path)))
}

fn modified(method: &str, path: &str, field: &str, from: Option<&str>, to: Option<&str>) -> Change {
    Change::modified(
        Element::Route(RouteKey::new(method, path)),
        field,
        from.map(ToOwned::to_owned),
        to.map(ToOwned::to_owned),
    )
}

#[tokio::test]
async fn up_twice_serves_hello_world_in_sync_and_down_removes_it() {
    let local = start().await;
    let stack = local.up().await;
    assert_eq!(stack.drift, Drift::InSync, "{:?}", stack.drift);
    let role = stack.role.as_ref().unwrap();
    // The local stack serves IAM: `up` created the role and discovery read it back.
    assert!(role.verified && role.managed, "{role:?}");
    assert_eq!(role.trusts_lambda, Some(true));
    assert_eq!(
        role.arn,
        "arn:aws:iam::000000000000:role/tf-test-lambda-role"
    );
    assert!(stack.permission.as_ref().unwrap().allows_api);
    assert_eq!(
        stack.invoke_url().unwrap(),
        lambdeck::wire::local_stage_url(
            &local.server.endpoint_url(),
            &stack.api.as_ref().unwrap().id,
            "tf-test"
        )
    );
    assert_eq!(
        stack.deployed_routes(),
        [RouteKey::new("GET", "/hello_world")]
    );
    assert_eq!(stack.health(), lambdeck::stack::Health::Ok, "{stack:#?}");
    // The stage really serves the function through the permission up added.
    assert_eq!(
        local.get(&stack, "/hello_world").await,
        (200, "\"Hello from Lambda!\"".to_owned())
    );

    let again = provision::up(&local.clients, &local.spec, &stack, None)
        .await
        .unwrap();
    assert!(!again.changed, "{:?}", again.steps);
    assert_eq!(again.drift, Some(Drift::InSync));
    let unchanged = local.load().await;
    assert_eq!(
        unchanged.api.as_ref().unwrap().deployments.len(),
        1,
        "a second up does not deploy"
    );

    let plan = provision::down_plan(&unchanged);
    let kinds: Vec<&str> = plan
        .iter()
        .filter(|s| s.action == StepAction::Deleted)
        .map(|s| s.kind)
        .collect();
    assert_eq!(kinds[..2], ["rest api", "function"]);
    // The log group goes too when the endpoint reports its tags; otherwise down must leave it alone.
    let logs = plan.iter().find(|s| s.kind == "log group").unwrap();
    if logs.action == StepAction::Skipped {
        assert!(
            logs.detail
                .as_deref()
                .unwrap()
                .contains("tags cannot be read"),
            "{logs:?}"
        );
    }
    provision::down(&local.clients, &local.spec, &unchanged)
        .await
        .unwrap();
    let gone = local.load().await;
    assert!(gone.api.is_missing() && gone.function.is_missing());
    assert_eq!(
        gone.log_group.is_missing(),
        logs.action == StepAction::Deleted
    );
}

#[tokio::test]
async fn drift_added_and_removed_routes_then_deploy_makes_them_live() {
    let local = start().await;
    let stack = local.up().await;
    local.add_route(&stack, "new").await;
    let stale = local.load().await;
    assert_eq!(stale.drift.changes(), [added("GET", "/new")]);
    // Not live until deployed: the stage answers as API Gateway does for an unknown route.
    assert_eq!(local.get(&stale, "/new").await.0, 403);

    let outcome = deploy_stage(&local.clients, &local.spec, &stale)
        .await
        .unwrap();
    assert_eq!(outcome.drift, Drift::InSync);
    assert_eq!(
        outcome.deployment.description.as_deref(),
        Some("lambdeck(tf-test): +GET /new")
    );
    assert_eq!(
        outcome.stage.deployment_id.as_deref(),
        Some(outcome.deployment.id.as_str())
    );
    assert_eq!(
        outcome.previous_deployment_id,
        stale.stage().unwrap().deployment_id
    );
    let live = local.load().await;
    assert_eq!(
        live.stage().unwrap().invoke_url,
        stale.stage().unwrap().invoke_url
    );
    assert_eq!(local.get(&live, "/new").await.0, 200);
    let recorded = live
        .api
        .as_ref()
        .unwrap()
        .deployment(&outcome.deployment.id)
        .unwrap();
    assert_eq!(
        recorded.description.as_deref(),
        Some("lambdeck(tf-test): +GET /new")
    );
    assert_eq!(recorded.stages, ["tf-test"]);

    // Removing the resource is a removed route until deployed.
    let api = live.api.as_ref().unwrap();
    let rid = api.resource("/new").unwrap().id.clone();
    local
        .clients
        .apigateway
        .delete_resource()
        .rest_api_id(&api.id)
        .resource_id(rid)
        .send()
        .await
        .unwrap();
    let removed = local.load().await;
    assert_eq!(removed.drift.changes(), [gone("GET", "/new")]);
    assert_eq!(
        local.get(&removed, "/new").await.0,
        200,
        "the stage still serves it"
    );
}

#[tokio::test]
async fn drift_changed_integration_uri_and_authorization() {
    let local = start().await;
    let stack = local.up().await;
    let api = stack.api.as_ref().unwrap();
    let rid = api.resource("/hello_world").unwrap().id.clone();
    let gw = &local.clients.apigateway;
    let old_uri = api.resource("/hello_world").unwrap().methods[0]
        .integration
        .as_ref()
        .unwrap()
        .uri
        .clone();
    let other = apigateway::lambda_invoke_uri(
        "us-east-1",
        "arn:aws:lambda:us-east-1:000000000000:function:someone-else",
    );
    apigateway::put_proxy_integration(gw, &api.id, &rid, "GET", &other)
        .await
        .unwrap();
    gw.update_method()
        .rest_api_id(&api.id)
        .resource_id(&rid)
        .http_method("GET")
        .patch_operations(
            PatchOperation::builder()
                .op(Op::Replace)
                .path("/authorizationType")
                .value("AWS_IAM")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let stale = local.load().await;
    assert_eq!(
        stale.drift.changes(),
        [
            modified(
                "GET",
                "/hello_world",
                "authorizationType",
                Some("NONE"),
                Some("AWS_IAM")
            ),
            modified(
                "GET",
                "/hello_world",
                "integration.uri",
                old_uri.as_deref(),
                Some(&other)
            ),
        ]
    );
    // The working integration now points elsewhere, and the tree says so.
    let method = &stale
        .api
        .as_ref()
        .unwrap()
        .resource("/hello_world")
        .unwrap()
        .methods[0];
    assert_eq!(method.health, lambdeck::stack::Health::Warning);
    let outcome = deploy_stage(&local.clients, &local.spec, &stale)
        .await
        .unwrap();
    assert_eq!(
        outcome.deployment.description.as_deref(),
        Some(
            "lambdeck(tf-test): ~GET /hello_world authorizationType, ~GET /hello_world integration"
        )
    );
    assert_eq!(outcome.drift, Drift::InSync);

    // Now require an API key and replace the proxy integration with a MOCK: three changes.
    gw.update_method()
        .rest_api_id(&api.id)
        .resource_id(&rid)
        .http_method("GET")
        .patch_operations(
            PatchOperation::builder()
                .op(Op::Replace)
                .path("/apiKeyRequired")
                .value("true")
                .build(),
        )
        .send()
        .await
        .unwrap();
    gw.put_integration()
        .rest_api_id(&api.id)
        .resource_id(&rid)
        .http_method("GET")
        .r#type(aws_sdk_apigateway::types::IntegrationType::Mock)
        .send()
        .await
        .unwrap();
    let stale = local.load().await;
    assert_eq!(
        stale.drift.changes(),
        [
            modified(
                "GET",
                "/hello_world",
                "apiKeyRequired",
                Some("false"),
                Some("true")
            ),
            modified(
                "GET",
                "/hello_world",
                "integration.httpMethod",
                Some("POST"),
                None
            ),
            modified(
                "GET",
                "/hello_world",
                "integration.type",
                Some("AWS_PROXY"),
                Some("MOCK")
            ),
            modified("GET", "/hello_world", "integration.uri", Some(&other), None),
        ]
    );
    let outcome = deploy_stage(&local.clients, &local.spec, &stale)
        .await
        .unwrap();
    assert_eq!(
        outcome.deployment.description.as_deref(),
        Some("lambdeck(tf-test): ~GET /hello_world apiKeyRequired, ~GET /hello_world integration")
    );
    assert_eq!(outcome.drift, Drift::InSync);
}

#[tokio::test]
async fn rollback_leaves_the_stage_stale_and_prune_keeps_what_a_stage_uses() {
    let local = start().await;
    let stack = local.up().await;
    let first = stack.stage().unwrap().deployment_id.clone().unwrap();
    // API Gateway dates are whole seconds: "the previous deployment" is only defined across seconds.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    local.add_route(&stack, "new").await;
    let stale = local.load().await;
    let second = deploy_stage(&local.clients, &local.spec, &stale)
        .await
        .unwrap()
        .deployment
        .id;

    // Default rollback: the deployment before the current one.
    let current = local.load().await;
    let back = roll_back(&local.clients, &local.spec, &current, None)
        .await
        .unwrap();
    assert_eq!(back.deployment.id, first);
    assert_eq!(back.stage.deployment_id.as_deref(), Some(first.as_str()));
    assert_eq!(back.drift.changes(), [added("GET", "/new")]);
    let old = local.load().await;
    assert!(old.drift.is_stale());
    assert_eq!(local.get(&old, "/new").await.0, 403);
    assert_eq!(local.get(&old, "/hello_world").await.0, 200);
    // Nothing older than the first deployment.
    assert!(matches!(
        roll_back(&local.clients, &local.spec, &old, None).await,
        Err(StackError::Refused(m)) if m.contains("oldest")
    ));
    // Forward again by id.
    let forward = roll_back(&local.clients, &local.spec, &old, Some(&second))
        .await
        .unwrap();
    assert_eq!(forward.drift, Drift::InSync);
    assert!(matches!(
        roll_back(&local.clients, &local.spec, &old, Some("nope0nope0")).await,
        Err(StackError::Refused(m)) if m.contains("does not exist")
    ));

    // Three more deployments, then point the stage at the oldest: prune keeps it and the newest.
    let mut latest = local.load().await;
    for _ in 0..3 {
        apigateway::create_deployment(
            &local.clients.apigateway,
            &latest.api.as_ref().unwrap().id,
            "tf-test",
            "lambdeck(tf-test): extra",
        )
        .await
        .unwrap();
    }
    latest = local.load().await;
    roll_back(&local.clients, &local.spec, &latest, Some(&first))
        .await
        .unwrap();
    latest = local.load().await;
    let api = latest.api.as_ref().unwrap();
    assert_eq!(api.deployments.len(), 5);
    let doomed = prune_candidates(api, 1, false);
    assert_eq!(doomed.len(), 3);
    assert!(doomed.iter().all(|d| d.id != first));
    let outcome = prune(&local.clients, api, &doomed).await.unwrap();
    assert_eq!(outcome.remaining, 2);
    let after = local.load().await;
    let ids: Vec<&str> = after
        .api
        .as_ref()
        .unwrap()
        .deployments
        .iter()
        .map(|d| d.id.as_str())
        .collect();
    assert!(ids.contains(&first.as_str()));
    assert_eq!(
        after.stage().unwrap().deployment_id.as_deref(),
        Some(first.as_str())
    );
}

#[tokio::test]
async fn a_missing_stage_and_a_missing_api_are_answers_not_errors() {
    let local = start().await;
    let empty = local.load().await;
    assert!(empty.api.is_missing());
    assert!(matches!(&empty.drift, Drift::Unknown { reason } if reason.contains("not found")));
    assert!(matches!(
        deploy_stage(&local.clients, &local.spec, &empty).await,
        Err(StackError::Refused(m)) if m.contains("lambdeck up")
    ));
    // An API with the route but no stage yet: deploying creates the stage.
    let (id, root) =
        apigateway::create_rest_api(&local.clients.apigateway, "tf-test-to-lambda-rust-api", "d")
            .await
            .unwrap();
    let gw = &local.clients.apigateway;
    let rid = apigateway::create_resource(gw, &id, &root, "hello_world")
        .await
        .unwrap();
    apigateway::put_method(gw, &id, &rid, "GET", "NONE", false)
        .await
        .unwrap();
    apigateway::put_proxy_integration(
        gw,
        &id,
        &rid,
        "GET",
        &apigateway::lambda_invoke_uri(
            "us-east-1",
            "arn:aws:lambda:us-east-1:000000000000:function:tf-test-rust-hello-world",
        ),
    )
    .await
    .unwrap();
    let no_stage = local.load().await;
    assert!(no_stage.function.is_missing());
    assert!(
        matches!(&no_stage.drift, Drift::Unknown { reason } if reason.contains("stage tf-test not found"))
    );
    let outcome = deploy_stage(&local.clients, &local.spec, &no_stage)
        .await
        .unwrap();
    assert_eq!(outcome.previous_deployment_id, None);
    assert_eq!(
        outcome.deployment.description.as_deref(),
        Some("lambdeck(tf-test): first deployment")
    );
    assert_eq!(outcome.drift, Drift::InSync);
}

/// The issue's first case: a changed integration timeout is one field-level line; a deployment makes it
/// live; a rollback to the earlier deployment makes the stage stale again with the same line.
#[tokio::test]
async fn an_integration_timeout_is_stale_until_deployed_and_again_after_a_rollback() {
    let local = start().await;
    let stack = local.up().await;
    let api = stack.api.as_ref().unwrap();
    let rid = api.resource("/hello_world").unwrap().id.clone();
    let uri = apigateway::lambda_invoke_uri("us-east-1", &stack.function.as_ref().unwrap().arn);
    local
        .clients
        .apigateway
        .put_integration()
        .rest_api_id(&api.id)
        .resource_id(&rid)
        .http_method("GET")
        .r#type(aws_sdk_apigateway::types::IntegrationType::AwsProxy)
        .integration_http_method("POST")
        .uri(&uri)
        .timeout_in_millis(5000)
        .send()
        .await
        .unwrap();
    let stale = local.load().await;
    let lines: Vec<String> = stale
        .drift
        .changes()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        lines,
        ["~ GET /hello_world integration.timeoutInMillis 29000 → 5000"]
    );
    let outcome = deploy_stage(&local.clients, &local.spec, &stale)
        .await
        .unwrap();
    assert_eq!(outcome.drift, Drift::InSync);
    // Back to the deployment `up` made (by id: two deployments made within one second tie on date).
    let first = stack.stage().and_then(|s| s.deployment_id.clone()).unwrap();
    let deployed = local.load().await;
    roll_back(&local.clients, &local.spec, &deployed, Some(&first))
        .await
        .unwrap();
    let back = local.load().await;
    assert_eq!(
        back.drift.changes(),
        [modified(
            "GET",
            "/hello_world",
            "integration.timeoutInMillis",
            Some("29000"),
            Some("5000")
        )]
    );
}

/// A function missing from AWS that Terraform's state holds is Terraform's to create: `up` needs no
/// package for it (so builds nothing) and skips it, saying where it is managed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn up_neither_builds_nor_creates_a_function_terraform_manages() {
    let mut local = start().await;
    let name = local.spec.function.name.clone();
    let show = format!(
        r#"{{"values":{{"root_module":{{"resources":[{{"address":"aws_lambda_function.hello","mode":"managed","type":"aws_lambda_function","name":"hello","values":{{"function_name":"{name}","arn":"arn:aws:lambda:us-east-1:000000000000:function:{name}"}}}}]}}}}}}"#
    );
    local.spec.terraform_state = Some(lambdeck::terraform::TerraformState {
        dir: "terraform".into(),
        resources: lambdeck::terraform::parse_show(&show).unwrap(),
    });
    let before = local.load().await;
    assert!(before.function.is_missing());
    assert!(!provision::needs_package(&before, &local.spec));
    let report = provision::up(&local.clients, &local.spec, &before, None)
        .await
        .unwrap();
    let step = report.steps.iter().find(|s| s.kind == "function").unwrap();
    assert_eq!(step.action, StepAction::Skipped);
    assert!(
        step.detail
            .as_deref()
            .is_some_and(|d| d.contains("Terraform manages it (aws_lambda_function.hello)")),
        "{step:?}"
    );
    assert!(local.load().await.function.is_missing());
    local.server.shutdown().await;
}
