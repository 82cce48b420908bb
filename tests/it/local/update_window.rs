//! Lambda's create/update window, as AWS's recorded answers and documentation ("Lambda function
//! states") give it: after CreateFunction the function is `Pending` (StateReasonCode `Creating`) and
//! cannot be invoked or updated; after UpdateFunctionCode / UpdateFunctionConfiguration it reads
//! `LastUpdateStatus: InProgress` with the answer's RevisionId, a second update is refused with
//! ResourceConflictException (and so is tagging, which changes the RevisionId too), and invocations
//! run the configuration from before the update; then it settles (`Active`, `Successful`, a new
//! RevisionId).

use std::time::Duration;

use aws_sdk_lambda::types::{Environment, FunctionCode, Runtime};
use aws_smithy_types::Blob;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use lambdeck::local::{LocalConfig, LocalServer};

use super::PID_RUNTIME;
use crate::support;

fn answering(answer: &str) -> Environment {
    Environment::builder().variables("ANSWER", answer).build()
}

/// Polls until the function reads `Active` and `Successful`; returns that read's RevisionId.
async fn settled(lambda: &aws_sdk_lambda::Client, name: &str) -> String {
    loop {
        let c = lambda
            .get_function_configuration()
            .function_name(name)
            .send()
            .await
            .unwrap();
        if c.state().map(|s| s.as_str()) == Some("Active")
            && c.last_update_status().map(|s| s.as_str()) == Some("Successful")
        {
            return c.revision_id().unwrap().to_owned();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn invoke(lambda: &aws_sdk_lambda::Client, name: &str) -> String {
    let out = lambda.invoke().function_name(name).send().await.unwrap();
    String::from_utf8(out.payload().unwrap().as_ref().to_vec()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creates_and_updates_stay_pending_or_in_progress_for_the_window_then_settle() {
    let server = LocalServer::start(LocalConfig {
        update_window: Duration::from_secs(2),
        ..LocalConfig::default()
    })
    .await
    .unwrap();
    let config = support::sdk_config(&server.endpoint_url(), "us-east-1").await;
    let lambda = aws_sdk_lambda::Client::new(&config);
    let name = "windowed";
    let created = lambda
        .create_function()
        .function_name(name)
        .runtime(Runtime::Providedal2023)
        .handler("bootstrap")
        .role("arn:aws:iam::000000000000:role/lambda-role")
        .environment(answering("\"one\""))
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(support::script_zip(PID_RUNTIME)))
                .build(),
        )
        .send()
        .await
        .unwrap();
    let arn = created.function_arn().unwrap().to_owned();

    // Pending: a read shows it with the create's RevisionId; Invoke and updates are refused.
    let read = lambda
        .get_function()
        .function_name(name)
        .send()
        .await
        .unwrap();
    let c = read.configuration().unwrap();
    assert_eq!(c.state().map(|s| s.as_str()), Some("Pending"));
    assert_eq!(c.state_reason_code().map(|s| s.as_str()), Some("Creating"));
    assert_eq!(c.state_reason(), Some("The function is being created."));
    assert_eq!(c.last_update_status(), None);
    assert_eq!(c.revision_id(), created.revision_id());
    let pending = "The operation cannot be performed at this time. The function is currently in the following state: Pending";
    let refused = lambda
        .invoke()
        .function_name(name)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(refused.is_resource_conflict_exception(), "{refused:?}");
    assert_eq!(refused.message(), Some(pending));
    let refused = lambda
        .update_function_configuration()
        .function_name(name)
        .timeout(10)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(refused.is_resource_conflict_exception(), "{refused:?}");
    assert_eq!(refused.message(), Some(pending));

    // Settled: Active, Successful, a new RevisionId.
    let active_revision = settled(&lambda, name).await;
    assert_ne!(Some(active_revision.as_str()), created.revision_id());
    assert_eq!(invoke(&lambda, name).await, "\"one\"");

    // An update: InProgress with the update's RevisionId; the previous configuration still runs; a
    // second update (code, configuration or PublishVersion) is refused naming the function.
    let updated = lambda
        .update_function_configuration()
        .function_name(name)
        .environment(answering("\"two\""))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.state().map(|s| s.as_str()), Some("Active"));
    assert_eq!(
        updated.last_update_status().map(|s| s.as_str()),
        Some("InProgress")
    );
    assert_eq!(
        updated.last_update_status_reason_code().map(|s| s.as_str()),
        Some("Creating")
    );
    let read = lambda
        .get_function_configuration()
        .function_name(name)
        .send()
        .await
        .unwrap();
    assert_eq!(
        read.last_update_status().map(|s| s.as_str()),
        Some("InProgress")
    );
    assert_eq!(read.revision_id(), updated.revision_id());
    assert_eq!(invoke(&lambda, name).await, "\"one\"");
    let in_progress = format!(
        "The operation cannot be performed at this time. An update is in progress for resource: {arn}"
    );
    let refusals = [
        lambda
            .update_function_code()
            .function_name(name)
            .zip_file(Blob::new(support::script_zip(PID_RUNTIME)))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| e.into_service_error().meta().clone()),
        lambda
            .update_function_configuration()
            .function_name(name)
            .timeout(10)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| e.into_service_error().meta().clone()),
        lambda
            .publish_version()
            .function_name(name)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| e.into_service_error().meta().clone()),
        // Tagging changes the function (a new RevisionId): refused within the window too.
        lambda
            .tag_resource()
            .resource(&arn)
            .tags("team", "web")
            .send()
            .await
            .map(|_| ())
            .map_err(|e| e.into_service_error().meta().clone()),
        lambda
            .untag_resource()
            .resource(&arn)
            .tag_keys("team")
            .send()
            .await
            .map(|_| ())
            .map_err(|e| e.into_service_error().meta().clone()),
    ];
    for refusal in refusals {
        let e = refusal.unwrap_err();
        assert_eq!(e.code(), Some("ResourceConflictException"));
        assert_eq!(e.message(), Some(in_progress.as_str()));
    }

    // Settled again: the update runs, with a RevisionId of its own.
    let updated_revision = settled(&lambda, name).await;
    assert_ne!(Some(updated_revision.as_str()), updated.revision_id());
    assert_eq!(invoke(&lambda, name).await, "\"two\"");
    server.shutdown().await;
}
