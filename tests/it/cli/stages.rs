//! `diff`, `promote` and `canary` between stages, as the binary runs them against the local stack.

use super::*;

/// `diff` and `promote` between two stages, headless: exit codes, the diff's lines, the y/N rule, and
/// every other stage's drift in `status`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diff_and_promote_between_stages() {
    let local = LocalStack::up().await;
    let dir = project();
    let before = local.load().await;
    let api = before.api.as_ref().unwrap();
    let gw = &local.clients.apigateway;
    lambdeck::aws::apigateway::create_stage(
        gw,
        &api.id,
        "prod",
        before.stage().unwrap().deployment_id.as_deref().unwrap(),
    )
    .await
    .unwrap();
    let out = local.run(dir.path(), &["diff", "tf-test", "prod"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("the same deployment"),
        "{}",
        stdout(&out)
    );

    // A new route deployed to tf-test only: prod is behind, on its own node, and diff says how.
    local.add_route(&before, "new").await;
    let out = local.run(dir.path(), &["deploy", "--yes"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = local.run(dir.path(), &["status"]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "the configured stage decides: {}",
        stdout(&out)
    );
    let text = stdout(&out);
    assert!(
        text.contains("stage prod -> deployment")
            && text.contains("        drift: stale: 1 change (+GET /new)\n          + GET /new\n"),
        "{text}"
    );
    let out = local.run(dir.path(), &["diff", "prod", "tf-test"]).await;
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "stage prod → stage tf-test: 1 change (+GET /new)\n  + GET /new\n"
    );
    let out = local
        .run(dir.path(), &["diff", "prod", "tf-test", "--json"])
        .await;
    let json = json_of(&out);
    assert_eq!(
        json["changes"],
        serde_json::json!([{"element": {"route": {"method": "GET", "path": "/new"}}, "change": "added"}])
    );
    let out = local.run(dir.path(), &["diff", "prod", "nosuch"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(one_error_line(&out).contains("stage nosuch not found"));

    // promote without a terminal: shows the diff, needs --yes (exit 2), changes nothing.
    let out = local.run(dir.path(), &["promote", "tf-test", "prod"]).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stdout(&out).contains("+ GET /new"), "{}", stdout(&out));
    one_error_line(&out);
    let out = local
        .run(
            dir.path(),
            &["promote", "tf-test", "prod", "--yes", "--json"],
        )
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let outcome = json_of(&out);
    assert_eq!(outcome["action"], "promote");
    assert_eq!(outcome["stage"]["name"], "prod");
    assert_eq!(outcome["drift"], serde_json::json!({"state": "in_sync"}));
    let out = local.run(dir.path(), &["diff", "prod", "tf-test"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    local.server.shutdown().await;
}

/// `canary` headless: a 50 % canary whose pings show both deployments with their own figures, then
/// promoted; a canary with no action is a usage error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_canary_at_half_the_traffic_pinged_then_promoted() {
    let local = LocalStack::up().await;
    let dir = project();
    let main = local
        .load()
        .await
        .stage()
        .unwrap()
        .deployment_id
        .clone()
        .unwrap();
    let out = local.run(dir.path(), &["canary"]).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = local.run(dir.path(), &["canary", "--percent", "50"]).await;
    assert_eq!(out.status.code(), Some(2), "asks first: {}", stderr(&out));
    let out = local
        .run(
            dir.path(),
            &["canary", "--percent", "50", "--yes", "--json"],
        )
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let outcome = json_of(&out);
    assert_eq!(outcome["action"], "canary");
    assert_eq!(outcome["stage"]["deployment_id"], main.as_str());
    assert_eq!(outcome["stage"]["canary_percent"], 50.0);
    let canary = outcome["deployment"]["id"].as_str().unwrap().to_owned();
    let out = local.run(dir.path(), &["status"]).await;
    assert!(
        stdout(&out).contains(&format!("        canary: deployment {canary}")),
        "{}",
        stdout(&out)
    );
    // 40 probes all on one side would happen once in 2^39 runs.
    let out = local
        .run(dir.path(), &["ping", "-n", "40", "--interval", "10"])
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    for d in [&main, &canary] {
        assert!(
            text.contains(&format!("  deployment {d}: ")) && text.contains("failed (0.0%)"),
            "{text}"
        );
    }
    let out = local
        .run(dir.path(), &["canary", "--promote", "--yes"])
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!(
            "promoted the canary: serving {canary} on stage tf-test"
        )),
        "{}",
        stdout(&out)
    );
    let after = local.load().await;
    let stage = after.stage().unwrap();
    assert_eq!(stage.deployment_id.as_deref(), Some(canary.as_str()));
    assert_eq!(stage.canary_deployment_id, None);
    let out = local.run(dir.path(), &["canary", "--cancel"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(one_error_line(&out).contains("no canary"));
    local.server.shutdown().await;
}
