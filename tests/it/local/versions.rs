//! Lambda versions and aliases as AWS records them (LocalStack's AWS-validated snapshots of
//! test_lambda_api.py: TestLambdaVersions, TestLambdaAlias, test_list_functions): what Publish
//! answers, qualified ARNs, ListFunctions(FunctionVersion=ALL), alias CRUD, and invoking a version or
//! an alias directly and through an API Gateway integration URI that names one.

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{
    AliasRoutingConfiguration, Environment, FunctionCode, FunctionVersion, Runtime,
};
use serde_json::json;

use super::{FUNCTION, PID_RUNTIME, Stack};
use crate::support::script_zip;

fn answer(body: &str) -> Environment {
    Environment::builder()
        .variables(
            "ANSWER",
            json!({"statusCode": 200, "body": body}).to_string(),
        )
        .build()
}

async fn invoke_body(s: &Stack, qualifier: Option<&str>) -> (String, String) {
    let out = s
        .lambda
        .invoke()
        .function_name(FUNCTION)
        .set_qualifier(qualifier.map(ToOwned::to_owned))
        .payload(Blob::new("{}"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.function_error(), None);
    let v: serde_json::Value = serde_json::from_slice(out.payload().unwrap().as_ref()).unwrap();
    (
        v["body"].as_str().unwrap().to_owned(),
        out.executed_version().unwrap().to_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_and_aliases_answer_as_aws_records_them() {
    let s = Stack::start(None).await;
    let arn = format!("arn:aws:lambda:us-east-1:000000000000:function:{FUNCTION}");

    // CreateFunction with Publish: version 1, the unqualified ARN.
    let created = s
        .lambda
        .create_function()
        .function_name(FUNCTION)
        .runtime(Runtime::Providedal2023)
        .handler("bootstrap")
        .role("arn:aws:iam::000000000000:role/r")
        .environment(answer("one"))
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(script_zip(PID_RUNTIME)))
                .build(),
        )
        .publish(true)
        .send()
        .await
        .unwrap();
    assert_eq!(created.version(), Some("1"));
    assert_eq!(created.function_arn(), Some(arn.as_str()));

    // UpdateFunctionCode with Publish: version 2, its ARN qualified.
    s.lambda
        .update_function_configuration()
        .function_name(FUNCTION)
        .environment(answer("two"))
        .send()
        .await
        .unwrap();
    let updated = s
        .lambda
        .update_function_code()
        .function_name(FUNCTION)
        .zip_file(Blob::new(script_zip(&format!("{PID_RUNTIME}\n"))))
        .publish(true)
        .send()
        .await
        .unwrap();
    assert_eq!(updated.version(), Some("2"));
    assert_eq!(updated.function_arn(), Some(format!("{arn}:2").as_str()));
    s.lambda
        .update_function_configuration()
        .function_name(FUNCTION)
        .environment(answer("latest"))
        .send()
        .await
        .unwrap();

    // ListVersionsByFunction and ListFunctions(ALL): $LATEST qualified, then each version.
    let versions = s
        .lambda
        .list_versions_by_function()
        .function_name(FUNCTION)
        .send()
        .await
        .unwrap();
    let listed: Vec<(&str, &str)> = versions
        .versions()
        .iter()
        .map(|c| (c.function_arn().unwrap(), c.version().unwrap()))
        .collect();
    let want = [
        (format!("{arn}:$LATEST"), "$LATEST"),
        (format!("{arn}:1"), "1"),
        (format!("{arn}:2"), "2"),
    ];
    let want: Vec<(&str, &str)> = want.iter().map(|(a, v)| (a.as_str(), *v)).collect();
    assert_eq!(listed, want);
    let all = s
        .lambda
        .list_functions()
        .function_version(FunctionVersion::All)
        .send()
        .await
        .unwrap();
    let listed: Vec<(&str, &str)> = all
        .functions()
        .iter()
        .map(|c| (c.function_arn().unwrap(), c.version().unwrap()))
        .collect();
    assert_eq!(listed, want);
    let default = s.lambda.list_functions().send().await.unwrap();
    assert_eq!(default.functions()[0].function_arn(), Some(arn.as_str()));
    let invalid = s
        .lambda
        .list_functions()
        .function_version(FunctionVersion::from("invalid"))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(invalid.meta().code(), Some("ValidationException"));
    assert_eq!(
        invalid.meta().message(),
        Some(
            "1 validation error detected: Value 'invalid' at 'functionVersion' failed to satisfy constraint: Member must satisfy enum value set: [ALL]"
        )
    );

    // GetFunction qualified: the ARN as named.
    let latest = s
        .lambda
        .get_function()
        .function_name(FUNCTION)
        .qualifier("$LATEST")
        .send()
        .await
        .unwrap();
    let latest = latest.configuration().unwrap();
    assert_eq!(
        latest.function_arn(),
        Some(format!("{arn}:$LATEST").as_str())
    );
    let plain = s
        .lambda
        .get_function_configuration()
        .function_name(FUNCTION)
        .send()
        .await
        .unwrap();
    assert_eq!(plain.function_arn(), Some(arn.as_str()));

    // Aliases: create (a routing config is kept), read, list (also by version), update, delete.
    let weights = AliasRoutingConfiguration::builder()
        .additional_version_weights("2", 0.2)
        .build();
    let live = s
        .lambda
        .create_alias()
        .function_name(FUNCTION)
        .name("live")
        .function_version("1")
        .description("custom-alias")
        .routing_config(weights)
        .send()
        .await
        .unwrap();
    assert_eq!(live.alias_arn(), Some(format!("{arn}:live").as_str()));
    assert_eq!(
        live.routing_config()
            .unwrap()
            .additional_version_weights()
            .unwrap()["2"],
        0.2
    );
    s.lambda
        .create_alias()
        .function_name(FUNCTION)
        .name("next")
        .function_version("2")
        .send()
        .await
        .unwrap();
    let numeric = s
        .lambda
        .create_alias()
        .function_name(FUNCTION)
        .name("2024")
        .function_version("1")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(numeric.meta().code(), Some("ValidationException"));
    assert_eq!(
        numeric.meta().message(),
        Some(
            "1 validation error detected: Value '2024' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)"
        )
    );
    let got = s
        .lambda
        .get_alias()
        .function_name(FUNCTION)
        .name("live")
        .send()
        .await
        .unwrap();
    assert_eq!(got.function_version(), Some("1"));
    assert_eq!(got.description(), Some("custom-alias"));
    let names = |out: &aws_sdk_lambda::operation::list_aliases::ListAliasesOutput| {
        out.aliases()
            .iter()
            .map(|a| a.name().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let listed = s
        .lambda
        .list_aliases()
        .function_name(FUNCTION)
        .send()
        .await
        .unwrap();
    assert_eq!(names(&listed), ["live", "next"]);
    let of_one = s
        .lambda
        .list_aliases()
        .function_name(FUNCTION)
        .function_version("1")
        .send()
        .await
        .unwrap();
    assert_eq!(names(&of_one), ["live"]);
    let by_alias = s
        .lambda
        .get_function()
        .function_name(FUNCTION)
        .qualifier("live")
        .send()
        .await
        .unwrap();
    let by_alias = by_alias.configuration().unwrap();
    assert_eq!(
        by_alias.function_arn(),
        Some(format!("{arn}:live").as_str())
    );
    assert_eq!(by_alias.version(), Some("1"));
    let missing = s
        .lambda
        .get_function()
        .function_name(FUNCTION)
        .qualifier("nope")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(missing.is_resource_not_found_exception());
    assert_eq!(
        missing.meta().message(),
        Some(format!("Function not found: {arn}:nope").as_str())
    );
    let update_missing = s
        .lambda
        .update_alias()
        .function_name(FUNCTION)
        .name("non-existent")
        .function_version("1")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(
        update_missing.meta().message(),
        Some(format!("Alias not found: {arn}:non-existent").as_str())
    );

    // Invoke by version, alias and $LATEST: each runs its own configuration.
    assert_eq!(invoke_body(&s, Some("1")).await, ("one".into(), "1".into()));
    assert_eq!(invoke_body(&s, Some("2")).await, ("two".into(), "2".into()));
    assert_eq!(
        invoke_body(&s, Some("live")).await,
        ("one".into(), "1".into())
    );
    assert_eq!(
        invoke_body(&s, None).await,
        ("latest".into(), "$LATEST".into())
    );

    // Through API Gateway: the integration URI names the alias; moving the alias moves the stage.
    let (api_id, _) = s.create_api(&format!("{arn}:live")).await;
    s.permit(&api_id).await;
    s.deploy(&api_id).await;
    let r = s.get(&api_id, "/hello_world").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "one");
    s.lambda
        .update_alias()
        .function_name(FUNCTION)
        .name("live")
        .function_version("2")
        .send()
        .await
        .unwrap();
    let r = s.get(&api_id, "/hello_world").await;
    assert_eq!(r.text().await.unwrap(), "two");
    s.lambda
        .delete_alias()
        .function_name(FUNCTION)
        .name("next")
        .send()
        .await
        .unwrap();
    let listed = s
        .lambda
        .list_aliases()
        .function_name(FUNCTION)
        .send()
        .await
        .unwrap();
    assert_eq!(names(&listed), ["live"]);

    // DeleteFunction deletes every version.
    s.lambda
        .delete_function()
        .function_name(FUNCTION)
        .send()
        .await
        .unwrap();
    for q in ["1", "2", "live"] {
        let gone = s
            .lambda
            .get_function()
            .function_name(FUNCTION)
            .qualifier(q)
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        assert!(gone.is_resource_not_found_exception(), "{q}");
    }
    s.server.shutdown().await;
}
