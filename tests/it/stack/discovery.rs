//! Conformance of the stack engine against moto, an AWS implementation lambdeck did not write: discovery
//! of resources, methods and integrations, the function's configuration and CodeSha256, IAM role creation
//! in `up`, log groups, and `down` touching only what `up` tagged. Skips (saying why) only when
//! moto_server cannot start. moto does not model deployments as snapshots, so drift is not checked here.

use base64::Engine as _;
use lambdeck::config::StackSpec;
use lambdeck::stack::provision::{self, StepAction};
use lambdeck::stack::{Found, IntegrationTarget, load_stack};
use sha2::Digest as _;

use crate::support;

fn spec() -> StackSpec {
    StackSpec::parse("", "lambdeck.toml").unwrap()
}

fn code_sha256(zip: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(zip))
}

#[tokio::test]
async fn up_creates_every_piece_and_discovery_reads_them_back() {
    let Some(moto) = support::Moto::start() else {
        return;
    };
    let clients = moto.clients().await;
    let spec = spec();
    let zip = support::script_zip("#!/bin/sh\necho hello\n");

    let before = load_stack(&clients, &spec).await.unwrap();
    assert!(before.function.is_missing() && before.api.is_missing());
    assert!(before.role.is_missing() && before.log_group.is_missing());
    assert!(provision::needs_package(&before, &spec));

    let report = provision::up(&clients, &spec, &before, Some(zip.clone()))
        .await
        .unwrap();
    assert!(report.changed);
    let created: Vec<&str> = report
        .steps
        .iter()
        .filter(|s| s.action == StepAction::Created)
        .map(|s| s.kind)
        .collect();
    assert_eq!(
        created,
        [
            "role",
            "log group",
            "function",
            "rest api",
            "resource",
            "method",
            "integration",
            "permission",
            "stage"
        ]
    );

    let stack = load_stack(&clients, &spec).await.unwrap();
    // The function: configuration as lambdeck.toml says, CodeSha256 computed independently.
    let f = stack.function.as_ref().expect("function present");
    assert_eq!(f.runtime.as_deref(), Some("provided.al2023"));
    assert_eq!(f.architecture.as_deref(), Some("x86_64"));
    assert_eq!((f.memory_mb, f.timeout_s), (Some(128), Some(3)));
    assert_eq!(f.code_sha256.as_deref(), Some(code_sha256(&zip).as_str()));
    assert_eq!(f.code_size, i64::try_from(zip.len()).unwrap());
    assert!(f.managed, "the function carries lambdeck's tag");
    // The role, through IAM: tagged, trusting Lambda, and the function runs as it.
    let role = stack.role.as_ref().expect("role present");
    assert!(role.verified && role.managed);
    assert_eq!(role.trusts_lambda, Some(true));
    assert_eq!(f.role_arn.as_deref(), Some(role.arn.as_str()));
    // The log group.
    let logs = stack.log_group.as_ref().expect("log group present");
    assert_eq!(logs.name, "/aws/lambda/tf-test-rust-hello-world");
    // The API: one resource with the GET method and its AWS_PROXY integration to this function.
    let api = stack.api.as_ref().expect("api present");
    assert!(api.managed);
    let hello = api.resource("/hello_world").expect("resource");
    assert_eq!(hello.methods.len(), 1);
    let get = &hello.methods[0];
    assert_eq!(
        (get.http_method.as_str(), get.authorization_type.as_str()),
        ("GET", "NONE")
    );
    let integration = get.integration.as_ref().expect("integration");
    assert_eq!(integration.kind, "AWS_PROXY");
    assert_eq!(integration.target, IntegrationTarget::ThisFunction);
    assert_eq!(
        integration.uri.as_deref(),
        Some(
            format!(
                "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{}/invocations",
                f.arn
            )
            .as_str()
        )
    );
    // The permission is scoped to this API, and the stage points at the first deployment.
    let permission = stack.permission.as_ref().expect("policy present");
    assert!(permission.allows_api, "{permission:?}");
    assert_eq!(
        permission.statements[0].source_arns,
        [format!(
            "arn:aws:execute-api:us-east-1:123456789012:{}/*/*",
            api.id
        )]
    );
    let stage = stack.stage().expect("stage");
    let first = api.deployments.first().expect("a deployment");
    assert_eq!(stage.deployment_id.as_deref(), Some(first.id.as_str()));
    assert_eq!(first.stages, ["tf-test"]);
    assert_eq!(
        stack.invoke_url(),
        Some(format!("{}/restapis/{}/tf-test/_user_request_", moto.url, api.id).as_str())
    );

    // A second up changes nothing.
    let again = provision::up(&clients, &spec, &stack, None).await.unwrap();
    assert!(!again.changed, "{:?}", again.steps);
    assert!(again.steps.iter().all(|s| s.action != StepAction::Created));

    // down removes all four tagged pieces; afterwards discovery finds none of them.
    let plan = provision::down_plan(&stack);
    assert_eq!(
        plan.iter()
            .filter(|s| s.action == StepAction::Deleted)
            .count(),
        4,
        "{plan:?}"
    );
    let gone = provision::down(&clients, &spec, &stack).await.unwrap();
    assert!(gone.changed);
    // down re-read the stack: nothing it deleted is still listed.
    assert!(
        gone.steps
            .iter()
            .all(|s| s.detail.as_deref() != Some("still listed right after its deletion")),
        "{:?}",
        gone.steps
    );
    let after = load_stack(&clients, &spec).await.unwrap();
    assert!(after.function.is_missing(), "{:?}", after.function);
    assert!(after.api.is_missing());
    assert!(after.role.is_missing());
    assert!(after.log_group.is_missing());
}

#[tokio::test]
async fn discovery_resolves_integrations_and_down_leaves_untagged_pieces_alone() {
    let Some(moto) = support::Moto::start() else {
        return;
    };
    let clients = moto.clients().await;
    let spec = spec();
    // An API lambdeck did not create: a nested resource, an integration to another function, a MOCK.
    let gw = &clients.apigateway;
    let api = gw
        .create_rest_api()
        .name("tf-test-to-lambda-rust-api")
        .send()
        .await
        .unwrap();
    let api_id = api.id().unwrap().to_owned();
    let root = api.root_resource_id().unwrap().to_owned();
    let a = lambdeck::aws::apigateway::create_resource(gw, &api_id, &root, "hello_world")
        .await
        .unwrap();
    let b = lambdeck::aws::apigateway::create_resource(gw, &api_id, &a, "{id}")
        .await
        .unwrap();
    for (rid, verb) in [(&a, "GET"), (&b, "POST"), (&b, "OPTIONS")] {
        lambdeck::aws::apigateway::put_method(gw, &api_id, rid, verb, "NONE", verb == "POST")
            .await
            .unwrap();
    }
    let this = "arn:aws:lambda:us-east-1:123456789012:function:tf-test-rust-hello-world";
    let other = "arn:aws:lambda:us-east-1:123456789012:function:someone-else";
    for (rid, verb, fn_arn) in [(&a, "GET", this), (&b, "POST", other)] {
        let uri = lambdeck::aws::apigateway::lambda_invoke_uri("us-east-1", fn_arn);
        lambdeck::aws::apigateway::put_proxy_integration(gw, &api_id, rid, verb, &uri)
            .await
            .unwrap();
    }
    gw.put_integration()
        .rest_api_id(&api_id)
        .resource_id(&b)
        .http_method("OPTIONS")
        .r#type(aws_sdk_apigateway::types::IntegrationType::Mock)
        .send()
        .await
        .unwrap();

    let stack = load_stack(&clients, &spec).await.unwrap();
    let found = stack.api.as_ref().expect("api found by name");
    assert!(!found.managed);
    let paths: Vec<&str> = found.resources.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(paths, ["/", "/hello_world", "/hello_world/{id}"]);
    let nested = found.resource("/hello_world/{id}").unwrap();
    let verbs: Vec<&str> = nested
        .methods
        .iter()
        .map(|m| m.http_method.as_str())
        .collect();
    assert_eq!(verbs, ["OPTIONS", "POST"]);
    let post = &nested.methods[1];
    assert!(post.api_key_required);
    assert_eq!(
        post.integration.as_ref().unwrap().target,
        IntegrationTarget::OtherFunction {
            function_arn: other.into()
        }
    );
    assert_eq!(post.health, lambdeck::stack::Health::Warning);
    assert_eq!(nested.methods[0].integration.as_ref().unwrap().kind, "MOCK");
    assert_eq!(
        found.resource("/hello_world").unwrap().methods[0]
            .integration
            .as_ref()
            .unwrap()
            .target,
        IntegrationTarget::ThisFunction
    );
    // No stage: drift cannot be computed, and says why.
    assert!(matches!(
        &stack.drift,
        lambdeck::stack::Drift::Unknown { reason } if reason.contains("stage tf-test not found")
    ));
    // down would leave the untagged API alone.
    let plan = provision::down_plan(&stack);
    assert_eq!(plan.len(), 1);
    assert_eq!(plan[0].action, StepAction::Skipped);
    let report = provision::down(&clients, &spec, &stack).await.unwrap();
    assert!(!report.changed);
    let still = load_stack(&clients, &spec).await.unwrap();
    assert!(matches!(still.api, Found::Present(ref a) if a.id == api_id));
}

#[tokio::test]
async fn log_groups_are_discovered_with_retention_and_streams() {
    let Some(moto) = support::Moto::start() else {
        return;
    };
    let clients = moto.clients().await;
    let name = "/aws/lambda/tf-test-rust-hello-world";
    lambdeck::aws::log_groups::create_log_group(&clients.logs, name)
        .await
        .unwrap();
    clients
        .logs
        .put_retention_policy()
        .log_group_name(name)
        .retention_in_days(14)
        .send()
        .await
        .unwrap();
    clients
        .logs
        .create_log_stream()
        .log_group_name(name)
        .log_stream_name("2026/11/24/[$LATEST]abc")
        .send()
        .await
        .unwrap();
    // A group whose name merely starts the same is not the function's.
    lambdeck::aws::log_groups::create_log_group(&clients.logs, &format!("{name}-other"))
        .await
        .unwrap();
    let group = lambdeck::aws::log_groups::get_log_group(&clients.logs, name)
        .await
        .unwrap()
        .expect("found");
    assert_eq!(group.name, name);
    assert_eq!(group.retention_days, Some(14));
    assert_eq!(group.latest_streams.len(), 1);
    assert_eq!(group.latest_streams[0].name, "2026/11/24/[$LATEST]abc");
    assert!(group.arn.as_deref().is_some_and(|a| a.ends_with(name)));
    assert!(
        lambdeck::aws::log_groups::get_log_group(&clients.logs, "/aws/lambda/none")
            .await
            .unwrap()
            .is_none()
    );
}
