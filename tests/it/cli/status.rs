//! `status` (text and `--json` schema 2) and `up`/`down` through the binary: exit codes following the
//! stage through deploy and rollback, elements a deployment freezes, a missing stack against moto.

use super::*;

#[test]
fn against_moto_a_missing_stack_is_reported_not_hidden() {
    let Some(moto) = Moto::start() else { return };
    let dir = project();
    let out = lambdeck(dir.path(), &["status", "--endpoint-url", &moto.url]);
    // Drift cannot be known without the API: exit 1, but the tree is printed, every piece missing.
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("-- function tf-test-rust-hello-world: missing"),
        "{text}"
    );
    assert!(
        text.contains("-- rest api tf-test-to-lambda-rust-api: missing"),
        "{text}"
    );
    assert!(text.contains("drift: unknown: REST API tf-test-to-lambda-rust-api not found"));
    assert!(
        text.ends_with("run `lambdeck up` to create what is missing\n"),
        "{text}"
    );

    let out = lambdeck(
        dir.path(),
        &["status", "--json", "--endpoint-url", &moto.url],
    );
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["schema"], 2);
    assert_eq!(json["exit_code"], 1);
    assert_eq!(json["health"], "missing");
    assert_eq!(json["stack"]["api"]["status"], "missing");
    assert_eq!(json["stack"]["function"]["status"], "missing");
    assert_eq!(json["stack"]["drift"]["state"], "unknown");
    assert_eq!(json["stack"]["names"]["stage"], "tf-test");

    // Actions on a missing API say what to do, in one line.
    let out = lambdeck(
        dir.path(),
        &["deploy", "--yes", "--endpoint-url", &moto.url],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("REST API tf-test-to-lambda-rust-api not found"),
        "{err}"
    );
    assert!(err.contains("lambdeck up"), "{err}");
    let out = lambdeck(dir.path(), &["rollback", "--endpoint-url", &moto.url]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
}

#[test]
fn against_moto_down_without_a_terminal_asks_for_yes() {
    let Some(moto) = Moto::start() else { return };
    let dir = project();
    // A tagged log group is something down would remove.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let clients = moto.clients().await;
        lambdeck::aws::log_groups::create_log_group(
            &clients.logs,
            "/aws/lambda/tf-test-rust-hello-world",
        )
        .await
        .unwrap();
    });
    let out = lambdeck(dir.path(), &["down", "--endpoint-url", &moto.url]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("pass --yes"), "{}", stderr(&out));
    assert!(stdout(&out).contains("delete  log group /aws/lambda/tf-test-rust-hello-world"));
    let out = lambdeck(dir.path(), &["down", "--yes", "--endpoint-url", &moto.url]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = lambdeck(dir.path(), &["down", "--endpoint-url", &moto.url]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("nothing lambdeck created is there"));
}

/// `status --json` on the tutorial's stack, whole: schema 2 cannot change without this snapshot
/// changing (`cargo insta review` shows how). What differs from run to run is filtered: ids, times,
/// the local stack's port, and the function's digest and size, which follow the compiler.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_json_schema_2_on_the_tutorial_stack() {
    let local = LocalStack::up().await;
    let dir = project();
    let out = local.run(dir.path(), &["status", "--json"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json = json_of(&out);
    let mut settings = insta::Settings::clone_current();
    // Each id by what it names, so the snapshot still shows which deployment the stage serves.
    let api = &json["stack"]["api"];
    let ids = |list: &serde_json::Value| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|v| v["id"].as_str().unwrap().to_owned())
            .collect()
    };
    settings.add_filter(api["id"].as_str().unwrap(), "[api id]");
    for (i, id) in ids(&api["resources"]).iter().enumerate() {
        settings.add_filter(id, format!("[resource id {i}]"));
    }
    for (i, id) in ids(&api["deployments"]).iter().enumerate() {
        settings.add_filter(id, format!("[deployment id {i}]"));
    }
    settings.add_filter(r"127\.0\.0\.1:\d+", "127.0.0.1:[port]");
    settings.add_filter(
        r#""(created|created_ms|last_updated)": \d+"#,
        r#""$1": "[time]""#,
    );
    settings.add_filter(
        r#""last_modified": "[^"]+""#,
        r#""last_modified": "[time]""#,
    );
    settings.add_filter(r#""code_sha256": "[^"]+""#, r#""code_sha256": "[digest]""#);
    settings.add_filter(r#""code_size": \d+"#, r#""code_size": "[size]""#);
    settings.bind(|| insta::assert_json_snapshot!(json));
    local.server.shutdown().await;
}

/// API-level elements through the binary: `status` prints their lines and exits 3, `deploy --yes`
/// records them in the description and makes the stage in sync.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_shows_a_gateway_response_and_a_policy_until_deployed() {
    use aws_sdk_apigateway::types::{GatewayResponseType, Op, PatchOperation};
    let local = LocalStack::up().await;
    let dir = project();
    let api_id = local.load().await.api.as_ref().unwrap().id.clone();
    let gw = &local.clients.apigateway;
    gw.put_gateway_response()
        .rest_api_id(&api_id)
        .response_type(GatewayResponseType::Default4Xx)
        .response_parameters("gatewayresponse.header.Access-Control-Allow-Origin", "'*'")
        .send()
        .await
        .unwrap();
    gw.update_rest_api()
        .rest_api_id(&api_id)
        .patch_operations(
            PatchOperation::builder()
                .op(Op::Replace)
                .path("/policy")
                .value(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}"#)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let out = local.run(dir.path(), &["status"]).await;
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("~ rest api policy\n"), "{text}");
    assert!(text.contains("+ gateway response DEFAULT_4XX\n"), "{text}");
    let out = local.run(dir.path(), &["deploy", "--yes", "--json"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let outcome = json_of(&out);
    assert_eq!(
        outcome["deployment"]["description"],
        "lambdeck(tf-test): ~rest api policy, +gateway response DEFAULT_4XX"
    );
    let out = local.run(dir.path(), &["status"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_exit_codes_and_json_follow_the_stage_through_deploy_and_rollback() {
    let local = LocalStack::up().await;
    let dir = project();
    let first = local
        .load()
        .await
        .stage()
        .unwrap()
        .deployment_id
        .clone()
        .unwrap();

    // In sync: exit 0, and the JSON shape the README documents.
    let out = local.run(dir.path(), &["status"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).ends_with("drift: in sync\n"),
        "{}",
        stdout(&out)
    );
    let out = local.run(dir.path(), &["status", "--json"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json = json_of(&out);
    // The whole shape is pinned by the snapshot in status_json_schema_2_on_the_tutorial_stack.
    assert_eq!(
        (json["schema"].as_u64(), json["exit_code"].as_u64()),
        (Some(2), Some(0))
    );
    let stack = &json["stack"];
    assert_eq!(stack["drift"], serde_json::json!({"state": "in_sync"}));
    assert_eq!(stack["function"]["status"], "present");
    assert_eq!(stack["function"]["runtime"], "provided.al2023");
    assert!(
        stack["function"]["code_sha256"]
            .as_str()
            .is_some_and(|s| s.len() == 44)
    );
    // The local stack serves IAM: the role `up` created is read back and checked.
    assert_eq!(stack["role"]["status"], "present");
    assert_eq!(stack["role"]["verified"], true);
    assert_eq!(stack["role"]["trusts_lambda"], true);
    assert_eq!(stack["permission"]["allows_api"], true);
    let api = &stack["api"];
    assert_eq!(api["status"], "present");
    assert_eq!(api["stages"][0]["deployment_id"], first.as_str());
    assert_eq!(
        api["deployments"][0]["stages"],
        serde_json::json!(["tf-test"])
    );
    let get = &api["resources"][1]["methods"][0];
    assert_eq!(get["http_method"], "GET");
    assert_eq!(get["integration"]["type"], "AWS_PROXY");
    assert_eq!(
        get["integration"]["target"],
        serde_json::json!({"kind": "this_function"})
    );
    assert_eq!(
        api["deployed"]["routes"][0]["key"],
        serde_json::json!({"method": "GET", "path": "/hello_world"})
    );
    assert_eq!(
        api["deployed"]["routes"][0]["integration_type"],
        "AWS_PROXY"
    );

    // A route added through the SDK is stale: exit 3, listed in text and JSON.
    local.add_route(&local.load().await, "new").await;
    let out = local.run(dir.path(), &["status"]).await;
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("drift: stale: 1 change (+GET /new)"),
        "{text}"
    );
    assert!(text.contains("run `lambdeck deploy`"), "{text}");
    let out = local.run(dir.path(), &["status", "--json"]).await;
    assert_eq!(out.status.code(), Some(3));
    let json = json_of(&out);
    assert_eq!(json["exit_code"], 3);
    assert_eq!(
        json["stack"]["drift"],
        serde_json::json!({"state": "stale", "changes": [
            {"element": {"route": {"method": "GET", "path": "/new"}}, "change": "added"}]})
    );

    // deploy without --yes and without a terminal: shows the drift, refuses (exit 2), deploys nothing.
    let out = local.run(dir.path(), &["deploy"]).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stdout(&out).contains("+GET /new"), "{}", stdout(&out));
    assert!(one_error_line(&out).contains("pass --yes"));
    assert_eq!(
        local.load().await.api.as_ref().unwrap().deployments.len(),
        1
    );

    // deploy --yes: the description records the change, the stage is re-read, drift is gone.
    let out = local.run(dir.path(), &["deploy", "--yes", "--json"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let outcome = json_of(&out);
    assert_eq!(outcome["action"], "deploy");
    assert_eq!(
        outcome["deployment"]["description"],
        "lambdeck(tf-test): +GET /new"
    );
    assert_eq!(
        outcome["stage"]["deployment_id"],
        outcome["deployment"]["id"]
    );
    assert_eq!(outcome["previous_deployment_id"], first.as_str());
    assert_eq!(outcome["drift"], serde_json::json!({"state": "in_sync"}));
    let second = outcome["deployment"]["id"].as_str().unwrap().to_owned();
    let out = local.run(dir.path(), &["status"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    // Deploying an in-sync stage creates nothing and says so.
    let out = local.run(dir.path(), &["deploy", "--yes"]).await;
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).contains("nothing to deploy"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        local.load().await.api.as_ref().unwrap().deployments.len(),
        2
    );

    // A rollback shows what it would take back and asks first; without a terminal it needs --yes.
    let out = local.run(dir.path(), &["rollback", &first]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).contains("- GET /new"), "{}", stdout(&out));
    one_error_line(&out);
    // With --yes it leaves the stage on an older deployment: stale again, exit 3.
    let out = local.run(dir.path(), &["rollback", &first, "--yes"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!(
            "rolled back to {first} on stage tf-test (was {second})"
        )),
        "{}",
        stdout(&out)
    );
    let out = local.run(dir.path(), &["status"]).await;
    assert_eq!(out.status.code(), Some(3));
    assert!(stdout(&out).contains("+GET /new"));

    // A deployment that does not exist: one line, exit 1, nothing changed.
    let out = local.run(dir.path(), &["rollback", "nosuchid"]).await;
    assert_eq!(out.status.code(), Some(1));
    let err = one_error_line(&out);
    assert!(err.contains("deployment nosuchid does not exist"), "{err}");
    assert_eq!(
        local.load().await.stage().unwrap().deployment_id.as_deref(),
        Some(first.as_str())
    );

    // prune: asks first; with --yes deletes the unused deployment, never the one the stage serves.
    let out = local.run(dir.path(), &["prune", "--keep", "0"]).await;
    assert_eq!(out.status.code(), Some(2));
    one_error_line(&out);
    let out = local
        .run(dir.path(), &["prune", "--keep", "0", "--yes"])
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let after = local.load().await;
    let ids: Vec<&str> = after
        .api
        .as_ref()
        .unwrap()
        .deployments
        .iter()
        .map(|d| d.id.as_str())
        .collect();
    assert_eq!(ids, [first.as_str()]);

    // up on a complete stack changes nothing and says so (no build: the function exists).
    let out = local.run(dir.path(), &["up"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("up: nothing to do"), "{text}");
    assert!(
        text.lines().any(
            |l| l.trim_start().starts_with("exists") && l.ends_with("role tf-test-lambda-role")
        ),
        "{text}"
    );
    // down asks first, and without a terminal refuses in one line.
    let out = local.run(dir.path(), &["down"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(one_error_line(&out).contains("pass --yes"));
    assert!(local.load().await.function.is_present());
    local.server.shutdown().await;
}
