//! The account's and a function's invocation settings through the real SDK, with AWS's recorded
//! shapes and messages: GetAccountSettings, reserved concurrency (and Invoke throttled at 0), and
//! event invoke configs per qualifier.

use aws_sdk_lambda::types::{DestinationConfig, OnSuccess};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::{PID_RUNTIME, Stack};
use crate::support;

#[tokio::test]
async fn account_settings_count_functions_versions_and_reserved_concurrency() {
    let s = Stack::start(None).await;
    let before = s.lambda.get_account_settings().send().await.unwrap();
    let limit = before.account_limit().unwrap();
    assert_eq!(limit.concurrent_executions(), 1000);
    assert_eq!(limit.unreserved_concurrent_executions(), Some(1000));
    assert_eq!(limit.code_size_zipped(), 52_428_800);
    assert_eq!(limit.code_size_unzipped(), 262_144_000);
    assert_eq!(limit.total_code_size(), 80_530_636_800);
    let usage = before.account_usage().unwrap();
    assert_eq!((usage.function_count(), usage.total_code_size()), (0, 0));

    let zip = support::script_zip(PID_RUNTIME);
    let size = zip.len() as i64;
    s.create_function("counted", zip).await;
    s.lambda
        .publish_version()
        .function_name("counted")
        .send()
        .await
        .unwrap();
    s.lambda
        .put_function_concurrency()
        .function_name("counted")
        .reserved_concurrent_executions(30)
        .send()
        .await
        .unwrap();
    let after = s.lambda.get_account_settings().send().await.unwrap();
    let usage = after.account_usage().unwrap();
    // $LATEST and version 1 each count.
    assert_eq!(
        (usage.function_count(), usage.total_code_size()),
        (1, 2 * size)
    );
    assert_eq!(
        after
            .account_limit()
            .unwrap()
            .unreserved_concurrent_executions(),
        Some(970)
    );
    s.server.shutdown().await;
}

#[tokio::test]
async fn reserved_concurrency_is_put_read_and_deleted_and_zero_throttles_invoke() {
    let s = Stack::start(None).await;
    let arn = s
        .create_function("reserved", support::script_zip(PID_RUNTIME))
        .await;
    let none = s
        .lambda
        .get_function_concurrency()
        .function_name("reserved")
        .send()
        .await
        .unwrap();
    assert_eq!(none.reserved_concurrent_executions(), None);

    let put = s
        .lambda
        .put_function_concurrency()
        .function_name("reserved")
        .reserved_concurrent_executions(0)
        .send()
        .await
        .unwrap();
    assert_eq!(put.reserved_concurrent_executions(), Some(0));
    let throttled = s
        .lambda
        .invoke()
        .function_name("reserved")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(throttled.is_too_many_requests_exception(), "{throttled:?}");
    assert_eq!(throttled.message(), Some("Rate Exceeded."));
    let aws_sdk_lambda::operation::invoke::InvokeError::TooManyRequestsException(t) = &throttled
    else {
        panic!("{throttled:?}");
    };
    assert_eq!(
        t.reason().map(|r| r.as_str()),
        Some("ReservedFunctionConcurrentInvocationLimitExceeded")
    );
    // An asynchronous invocation is accepted (and then throttled).
    let queued = s
        .lambda
        .invoke()
        .function_name("reserved")
        .invocation_type(aws_sdk_lambda::types::InvocationType::Event)
        .send()
        .await
        .unwrap();
    assert_eq!(queued.status_code(), 202);

    s.lambda
        .put_function_concurrency()
        .function_name("reserved")
        .reserved_concurrent_executions(1)
        .send()
        .await
        .unwrap();
    let read = s
        .lambda
        .get_function_concurrency()
        .function_name("reserved")
        .send()
        .await
        .unwrap();
    assert_eq!(read.reserved_concurrent_executions(), Some(1));
    let ran = s
        .lambda
        .invoke()
        .function_name("reserved")
        .send()
        .await
        .unwrap();
    assert_eq!(ran.status_code(), 200);

    // More than the account can spare (it keeps 100 unreserved), a qualified name, a missing function.
    let refused = s
        .lambda
        .put_function_concurrency()
        .function_name("reserved")
        .reserved_concurrent_executions(901)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(
        refused.is_invalid_parameter_value_exception(),
        "{refused:?}"
    );
    assert_eq!(
        refused.message(),
        Some(
            "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100]."
        )
    );
    let refused = s
        .lambda
        .put_function_concurrency()
        .function_name(format!("{arn}:$LATEST"))
        .reserved_concurrent_executions(0)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(
        refused.is_invalid_parameter_value_exception(),
        "{refused:?}"
    );
    assert_eq!(
        refused.message(),
        Some(
            "This operation is permitted on Lambda functions only. Aliases and versions do not support this operation. Please specify either a function name or an unqualified function ARN."
        )
    );
    let missing = s
        .lambda
        .put_function_concurrency()
        .function_name("doesnotexist")
        .reserved_concurrent_executions(1)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(missing.is_resource_not_found_exception(), "{missing:?}");
    assert_eq!(
        missing.message(),
        Some(
            "Function not found: arn:aws:lambda:us-east-1:000000000000:function:doesnotexist:$LATEST"
        )
    );

    s.lambda
        .delete_function_concurrency()
        .function_name("reserved")
        .send()
        .await
        .unwrap();
    let gone = s
        .lambda
        .get_function_concurrency()
        .function_name("reserved")
        .send()
        .await
        .unwrap();
    assert_eq!(gone.reserved_concurrent_executions(), None);
    s.server.shutdown().await;
}

#[tokio::test]
async fn event_invoke_configs_per_qualifier_put_update_list_and_delete() {
    let s = Stack::start(None).await;
    let arn = s
        .create_function("async-fn", support::script_zip(PID_RUNTIME))
        .await;
    let other = s
        .create_function("destination-fn", support::script_zip(PID_RUNTIME))
        .await;
    let missing = s
        .lambda
        .get_function_event_invoke_config()
        .function_name("async-fn")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(
        missing.message(),
        Some(format!("The function {arn}:$LATEST doesn't have an EventInvokeConfig").as_str())
    );

    // Put replaces the whole config; Update changes only what it names.
    s.lambda
        .put_function_event_invoke_config()
        .function_name("async-fn")
        .maximum_retry_attempts(2)
        .maximum_event_age_in_seconds(60)
        .send()
        .await
        .unwrap();
    let put = s
        .lambda
        .put_function_event_invoke_config()
        .function_name("async-fn")
        .maximum_retry_attempts(0)
        .send()
        .await
        .unwrap();
    assert_eq!(put.function_arn(), Some(format!("{arn}:$LATEST").as_str()));
    assert_eq!(put.maximum_retry_attempts(), Some(0));
    assert_eq!(put.maximum_event_age_in_seconds(), None);
    assert!(put.last_modified().is_some());
    let destinations = put.destination_config().unwrap();
    assert!(destinations.on_success().is_some() && destinations.on_failure().is_some());
    let updated = s
        .lambda
        .update_function_event_invoke_config()
        .function_name("async-fn")
        .maximum_event_age_in_seconds(120)
        .destination_config(
            DestinationConfig::builder()
                .on_success(OnSuccess::builder().destination(&other).build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(updated.maximum_retry_attempts(), Some(0));
    assert_eq!(updated.maximum_event_age_in_seconds(), Some(120));
    assert_eq!(
        updated
            .destination_config()
            .and_then(|d| d.on_success())
            .and_then(|d| d.destination()),
        Some(other.as_str())
    );

    // A version's own config; the qualifier in the name and `Qualifier` must agree.
    s.lambda
        .publish_version()
        .function_name("async-fn")
        .send()
        .await
        .unwrap();
    let version = s
        .lambda
        .put_function_event_invoke_config()
        .function_name("async-fn:1")
        .maximum_retry_attempts(1)
        .send()
        .await
        .unwrap();
    assert_eq!(version.function_arn(), Some(format!("{arn}:1").as_str()));
    let conflict = s
        .lambda
        .put_function_event_invoke_config()
        .function_name("async-fn:1")
        .qualifier("$LATEST")
        .maximum_retry_attempts(1)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(
        conflict.message(),
        Some(
            "The derived qualifier from the function name does not match the specified qualifier."
        )
    );

    // AWS's refusals.
    let refusal = |r: Result<_, aws_sdk_lambda::error::SdkError<_, _>>| {
        let e: aws_sdk_lambda::operation::put_function_event_invoke_config::PutFunctionEventInvokeConfigError =
            r.map(|_: aws_sdk_lambda::operation::put_function_event_invoke_config::PutFunctionEventInvokeConfigOutput| ())
                .unwrap_err()
                .into_service_error();
        (
            e.code().unwrap_or_default().to_owned(),
            e.message().unwrap_or_default().to_owned(),
        )
    };
    assert_eq!(
        refusal(
            s.lambda
                .put_function_event_invoke_config()
                .function_name("async-fn")
                .send()
                .await
        ),
        (
            "InvalidParameterValueException".into(),
            "You must specify at least one of error handling or destination setting.".into()
        )
    );
    assert_eq!(
        refusal(
            s.lambda
                .put_function_event_invoke_config()
                .function_name("async-fn")
                .destination_config(
                    DestinationConfig::builder()
                        .on_success(OnSuccess::builder().destination(&arn).build())
                        .build(),
                )
                .send()
                .await
        ),
        (
            "InvalidParameterValueException".into(),
            "You can't specify the function as a destination for itself.".into()
        )
    );
    assert_eq!(
        refusal(
            s.lambda
                .put_function_event_invoke_config()
                .function_name("doesnotexist")
                .maximum_retry_attempts(1)
                .send()
                .await
        ),
        (
            "ResourceNotFoundException".into(),
            "The function doesn't exist.".into()
        )
    );

    let listed = s
        .lambda
        .list_function_event_invoke_configs()
        .function_name("async-fn")
        .send()
        .await
        .unwrap();
    let arns: Vec<&str> = listed
        .function_event_invoke_configs()
        .iter()
        .filter_map(|c| c.function_arn())
        .collect();
    assert_eq!(
        arns,
        [
            format!("{arn}:$LATEST").as_str(),
            format!("{arn}:1").as_str()
        ]
    );
    let first = s
        .lambda
        .list_function_event_invoke_configs()
        .function_name("async-fn")
        .max_items(1)
        .send()
        .await
        .unwrap();
    assert_eq!(first.function_event_invoke_configs().len(), 1);
    let rest = s
        .lambda
        .list_function_event_invoke_configs()
        .function_name("async-fn")
        .marker(first.next_marker().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(
        rest.function_event_invoke_configs()[0].function_arn(),
        Some(format!("{arn}:1").as_str())
    );

    s.lambda
        .delete_function_event_invoke_config()
        .function_name("async-fn")
        .send()
        .await
        .unwrap();
    let again = s
        .lambda
        .delete_function_event_invoke_config()
        .function_name("async-fn")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(again.is_resource_not_found_exception(), "{again:?}");
    // Deleting the version deletes its config.
    s.lambda
        .delete_function()
        .function_name("async-fn")
        .qualifier("1")
        .send()
        .await
        .unwrap();
    let listed = s
        .lambda
        .list_function_event_invoke_configs()
        .function_name("async-fn")
        .send()
        .await
        .unwrap();
    assert!(listed.function_event_invoke_configs().is_empty());
    s.server.shutdown().await;
}

/// A function reserved at 0 is throttled through API Gateway too: Lambda's 429 reaches the client as
/// API Gateway's 500 `{"message": "Internal server error"}`, the gateway response INTEGRATION_FAILURE
/// (which a customisation can turn into a 429).
#[tokio::test]
async fn a_function_reserved_at_zero_is_a_500_on_the_stage() {
    let s = Stack::start(None).await;
    let arn = s
        .create_function(super::FUNCTION, support::script_zip(PID_RUNTIME))
        .await;
    s.set_env(
        super::FUNCTION,
        &[("ANSWER", r#"{"statusCode": 200, "body": "ok"}"#)],
    )
    .await;
    let (api, _) = s.create_api(&arn).await;
    s.permit(&api).await;
    s.deploy(&api).await;
    assert_eq!(s.get(&api, "/hello_world").await.status(), 200);
    s.lambda
        .put_function_concurrency()
        .function_name(super::FUNCTION)
        .reserved_concurrent_executions(0)
        .send()
        .await
        .unwrap();
    let throttled = s.get(&api, "/hello_world").await;
    assert_eq!(throttled.status(), 500);
    assert_eq!(
        throttled.text().await.unwrap(),
        r#"{"message": "Internal server error"}"#
    );
    s.apigw
        .put_gateway_response()
        .rest_api_id(&api)
        .response_type(aws_sdk_apigateway::types::GatewayResponseType::IntegrationFailure)
        .status_code("429")
        .send()
        .await
        .unwrap();
    s.deploy(&api).await;
    assert_eq!(s.get(&api, "/hello_world").await.status(), 429);
    s.server.shutdown().await;
}
