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
    let get_missing = s
        .lambda
        .get_alias()
        .function_name(FUNCTION)
        .name("non-existent")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(
        get_missing.meta().message(),
        Some(format!("Cannot find alias arn: {arn}:non-existent").as_str())
    );

    // Invoke by version, alias and $LATEST: each runs its own configuration.
    assert_eq!(invoke_body(&s, Some("1")).await, ("one".into(), "1".into()));
    assert_eq!(invoke_body(&s, Some("2")).await, ("two".into(), "2".into()));
    // The alias's routing config applies: weight 1.0 sends every call to version 2, 0.0 none.
    for (weight, want) in [(1.0, ("two", "2")), (0.0, ("one", "1"))] {
        s.lambda
            .update_alias()
            .function_name(FUNCTION)
            .name("live")
            .routing_config(
                AliasRoutingConfiguration::builder()
                    .additional_version_weights("2", weight)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(
            invoke_body(&s, Some("live")).await,
            (want.0.into(), want.1.into())
        );
    }
    // AWS's checks of a routing config, in its order and words.
    for (version, weights, code, message) in [
        (
            "1",
            vec![("1", 0.8), ("2", 0.2)],
            "InvalidParameterValueException",
            "Number of items in AdditionalVersionWeights cannot be greater than 1".to_owned(),
        ),
        (
            "1",
            vec![("2", 2.0)],
            "ValidationException",
            "1 validation error detected: Value '{2=2.0}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]".to_owned(),
        ),
        (
            "1",
            vec![("1", 0.5)],
            "InvalidParameterValueException",
            "Invalid function version 1. Function version 1 is already included in routing configuration.".to_owned(),
        ),
        (
            "1",
            vec![("10", 0.5)],
            "ResourceNotFoundException",
            format!("Function not found: {arn}:10"),
        ),
        (
            "$LATEST",
            vec![("1", 0.5)],
            "InvalidParameterValueException",
            "$LATEST is not supported for an alias pointing to more than 1 version".to_owned(),
        ),
        (
            "1",
            vec![("$LATEST", 0.5)],
            "ValidationException",
            "1 validation error detected: Value '{$LATEST=0.5}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [0-9]+]".to_owned(),
        ),
    ] {
        let mut routing = AliasRoutingConfiguration::builder();
        for (v, w) in weights {
            routing = routing.additional_version_weights(v, w);
        }
        let e = s
            .lambda
            .create_alias()
            .function_name(FUNCTION)
            .name("custom")
            .function_version(version)
            .routing_config(routing.build())
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        assert_eq!(e.meta().code(), Some(code), "{message}");
        assert_eq!(e.meta().message(), Some(message.as_str()));
    }
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
    // The stage applies the alias's routing config as Invoke does: weight 1.0 sends every request to
    // the additional version, 0.0 none.
    for (weight, want) in [(1.0, "two"), (0.0, "one")] {
        s.lambda
            .update_alias()
            .function_name(FUNCTION)
            .name("live")
            .function_version("1")
            .routing_config(
                AliasRoutingConfiguration::builder()
                    .additional_version_weights("2", weight)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        for _ in 0..3 {
            let r = s.get(&api_id, "/hello_world").await;
            assert_eq!(r.text().await.unwrap(), want, "weight {weight}");
        }
    }
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

/// The configuration members AWS returns (test_lambda_api.py's TestLambdaFunction,
/// TestLambdaVersions and TestLoggingConfig snapshots): RuntimeVersionConfig, EphemeralStorage,
/// SnapStart and LoggingConfig; a create answers Pending without LastUpdateStatus, an update
/// InProgress "being created"; each settles to a new RevisionId; lists carry neither State nor
/// LastUpdateStatus nor RuntimeVersionConfig.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuration_members_answer_as_aws_records_them() {
    use aws_sdk_lambda::types::{
        ApplicationLogLevel, EphemeralStorage, LastUpdateStatus, LogFormat, LoggingConfig,
        SnapStart, SnapStartApplyOn, State, SystemLogLevel,
    };
    let s = Stack::start(None).await;
    let created = s
        .lambda
        .create_function()
        .function_name(FUNCTION)
        .runtime(Runtime::Python312)
        .handler("bootstrap")
        .role("arn:aws:iam::000000000000:role/r")
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(script_zip(PID_RUNTIME)))
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(created.state(), Some(&State::Pending));
    assert_eq!(
        created.state_reason(),
        Some("The function is being created.")
    );
    assert_eq!(created.last_update_status(), None);
    // No Environment given: none returned.
    assert!(created.environment().is_none());
    let runtime_arn = created
        .runtime_version_config()
        .and_then(|r| r.runtime_version_arn())
        .unwrap()
        .to_owned();
    let digest = runtime_arn
        .strip_prefix("arn:aws:lambda:us-east-1::runtime:")
        .unwrap();
    assert_eq!(digest.len(), 64);
    assert!(digest.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(created.ephemeral_storage().map(|e| e.size()), Some(512));
    let snap = created.snap_start().unwrap();
    assert_eq!(snap.apply_on(), Some(&SnapStartApplyOn::None));
    assert_eq!(snap.optimization_status().map(|o| o.as_str()), Some("Off"));
    let logging = created.logging_config().unwrap();
    assert_eq!(logging.log_format(), Some(&LogFormat::Text));
    assert_eq!(
        logging.log_group(),
        Some(format!("/aws/lambda/{FUNCTION}").as_str())
    );
    assert_eq!(logging.application_log_level(), None);

    let got = s
        .lambda
        .get_function_configuration()
        .function_name(FUNCTION)
        .send()
        .await
        .unwrap();
    assert_eq!(got.state(), Some(&State::Active));
    assert_eq!(
        got.last_update_status(),
        Some(&LastUpdateStatus::Successful)
    );
    assert_ne!(got.revision_id(), created.revision_id());
    assert_eq!(
        got.runtime_version_config().unwrap().runtime_version_arn(),
        Some(runtime_arn.as_str())
    );

    // EphemeralStorage, SnapStart and JSON logging set by UpdateFunctionConfiguration.
    let updated = s
        .lambda
        .update_function_configuration()
        .function_name(FUNCTION)
        .ephemeral_storage(EphemeralStorage::builder().size(1024).build().unwrap())
        .snap_start(
            SnapStart::builder()
                .apply_on(SnapStartApplyOn::PublishedVersions)
                .build(),
        )
        .logging_config(LoggingConfig::builder().log_format(LogFormat::Json).build())
        .send()
        .await
        .unwrap();
    assert_eq!(
        updated.last_update_status(),
        Some(&LastUpdateStatus::InProgress)
    );
    assert_eq!(
        updated.last_update_status_reason(),
        Some("The function is being created.")
    );
    assert_eq!(
        updated.last_update_status_reason_code().map(|c| c.as_str()),
        Some("Creating")
    );
    assert_eq!(updated.ephemeral_storage().map(|e| e.size()), Some(1024));
    assert_eq!(
        updated.snap_start().unwrap().apply_on(),
        Some(&SnapStartApplyOn::PublishedVersions)
    );
    let logging = updated.logging_config().unwrap();
    assert_eq!(logging.log_format(), Some(&LogFormat::Json));
    assert_eq!(
        logging.application_log_level(),
        Some(&ApplicationLogLevel::Info)
    );
    assert_eq!(logging.system_log_level(), Some(&SystemLogLevel::Info));
    let settled = s
        .lambda
        .get_function_configuration()
        .function_name(FUNCTION)
        .send()
        .await
        .unwrap();
    assert_ne!(settled.revision_id(), updated.revision_id());

    // A partial LoggingConfig changes only what it names; back to Text drops the levels.
    let partial = s
        .lambda
        .update_function_configuration()
        .function_name(FUNCTION)
        .logging_config(
            LoggingConfig::builder()
                .application_log_level(ApplicationLogLevel::Debug)
                .log_group("cool_lambda")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let logging = partial.logging_config().unwrap();
    assert_eq!(logging.log_format(), Some(&LogFormat::Json));
    assert_eq!(
        logging.application_log_level(),
        Some(&ApplicationLogLevel::Debug)
    );
    assert_eq!(logging.system_log_level(), Some(&SystemLogLevel::Info));
    assert_eq!(logging.log_group(), Some("cool_lambda"));
    let text = s
        .lambda
        .update_function_configuration()
        .function_name(FUNCTION)
        .logging_config(LoggingConfig::builder().log_format(LogFormat::Text).build())
        .send()
        .await
        .unwrap();
    let logging = text.logging_config().unwrap();
    assert_eq!(logging.application_log_level(), None);
    assert_eq!(logging.system_log_level(), None);
    assert_eq!(logging.log_group(), Some("cool_lambda"));

    // Out of AWS's model constraints: ValidationException with its messages.
    for (size, message) in [
        (
            10241,
            "1 validation error detected: Value '10241' at 'ephemeralStorage.size' failed to satisfy constraint: Member must have value less than or equal to 10240",
        ),
        (
            511,
            "1 validation error detected: Value '511' at 'ephemeralStorage.size' failed to satisfy constraint: Member must have value greater than or equal to 512",
        ),
    ] {
        let e = s
            .lambda
            .update_function_configuration()
            .function_name(FUNCTION)
            .ephemeral_storage(EphemeralStorage::builder().size(size).build().unwrap())
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        assert_eq!(e.meta().code(), Some("ValidationException"));
        assert_eq!(e.meta().message(), Some(message));
    }
    // On create, too: the constraint is reported before the code source is looked at (here a
    // container image, which the local stack would otherwise refuse as not supported).
    let e = s
        .lambda
        .create_function()
        .function_name("too-big")
        .role("arn:aws:iam::000000000000:role/r")
        .code(
            FunctionCode::builder()
                .image_uri("000000000000.dkr.ecr.us-east-1.amazonaws.com/x:1")
                .build(),
        )
        .ephemeral_storage(EphemeralStorage::builder().size(3_000_000).build().unwrap())
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(e.meta().code(), Some("ValidationException"));
    assert_eq!(
        e.meta().message(),
        Some(
            "1 validation error detected: Value '3000000' at 'ephemeralStorage.size' failed to satisfy constraint: Member must have value less than or equal to 10240"
        )
    );
    let e = s
        .lambda
        .update_function_configuration()
        .function_name(FUNCTION)
        .snap_start(
            SnapStart::builder()
                .apply_on(SnapStartApplyOn::from("invalidOption"))
                .build(),
        )
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(
        e.meta().message(),
        Some(
            "1 validation error detected: Value 'invalidOption' at 'snapStart.applyOn' failed to satisfy constraint: Member must satisfy enum value set: [PublishedVersions, None]"
        )
    );

    // Publishing twice without a change returns the first version, its description kept.
    let v1 = s
        .lambda
        .publish_version()
        .function_name(FUNCTION)
        .description("first")
        .send()
        .await
        .unwrap();
    let again = s
        .lambda
        .publish_version()
        .function_name(FUNCTION)
        .description("repeated")
        .send()
        .await
        .unwrap();
    assert_eq!(again.version(), Some("1"));
    assert_eq!(again.description(), Some("first"));
    assert_eq!(again.revision_id(), v1.revision_id());
    assert_eq!(
        v1.snap_start()
            .unwrap()
            .optimization_status()
            .map(|o| o.as_str()),
        Some("On")
    );

    // Version lists carry neither State nor LastUpdateStatus nor RuntimeVersionConfig.
    let versions = s
        .lambda
        .list_versions_by_function()
        .function_name(FUNCTION)
        .send()
        .await
        .unwrap();
    assert_eq!(versions.versions().len(), 2);
    for v in versions.versions() {
        assert_eq!(v.state(), None);
        assert_eq!(v.last_update_status(), None);
        assert!(v.runtime_version_config().is_none());
        assert_eq!(v.ephemeral_storage().map(|e| e.size()), Some(1024));
    }
    let listed = s.lambda.list_functions().send().await.unwrap();
    assert_eq!(listed.functions()[0].state(), None);
    assert_eq!(listed.functions()[0].last_update_status(), None);
}

/// AWS's recorded revisions (`test_function_revisions_version_and_alias`): publishing a version gives
/// `$LATEST` a new RevisionId, creating an alias does not; publishing again without a change returns
/// the same version. CreateAlias on a missing function names the version it would point at.
#[tokio::test]
async fn publishing_renews_latests_revision_and_alias_errors_name_the_version() {
    let s = Stack::start(None).await;
    s.create_function("revised", script_zip(PID_RUNTIME)).await;
    let read = |s: &Stack| {
        let lambda = s.lambda.clone();
        async move {
            lambda
                .get_function_configuration()
                .function_name("revised")
                .send()
                .await
                .unwrap()
                .revision_id()
                .unwrap()
                .to_owned()
        }
    };
    let before = read(&s).await;
    let v1 = s
        .lambda
        .publish_version()
        .function_name("revised")
        .revision_id(&before)
        .send()
        .await
        .unwrap();
    let after = read(&s).await;
    assert_ne!(after, before);
    assert_ne!(Some(after.as_str()), v1.revision_id());
    let again = s
        .lambda
        .publish_version()
        .function_name("revised")
        .send()
        .await
        .unwrap();
    assert_eq!(again.version(), Some("1"));
    assert_eq!(read(&s).await, after);
    let alias = s
        .lambda
        .create_alias()
        .function_name("revised")
        .name("live")
        .function_version("1")
        .send()
        .await
        .unwrap();
    assert_eq!(read(&s).await, after);
    // UpdateAlias checks the alias's RevisionId.
    let stale = s
        .lambda
        .update_alias()
        .function_name("revised")
        .name("live")
        .description("something changed")
        .revision_id("wrong")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(stale.is_precondition_failed_exception(), "{stale:?}");
    let updated = s
        .lambda
        .update_alias()
        .function_name("revised")
        .name("live")
        .description("something changed")
        .revision_id(alias.revision_id().unwrap())
        .send()
        .await
        .unwrap();
    assert_ne!(updated.revision_id(), alias.revision_id());

    let missing = s
        .lambda
        .create_alias()
        .function_name("revised-unknown")
        .name("custom")
        .function_version("1")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(missing.is_resource_not_found_exception());
    assert_eq!(
        aws_smithy_types::error::metadata::ProvideErrorMetadata::message(&missing),
        Some(
            "Function not found: arn:aws:lambda:us-east-1:000000000000:function:revised-unknown:1"
        )
    );
    s.server.shutdown().await;
}
