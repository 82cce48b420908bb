//! Lambda's errors as AWS records them (LocalStack's AWS-validated snapshots of test_lambda.py and
//! test_lambda_api.py): a response over 6 MB, unknown and deprecated runtimes, malformed function
//! names and qualifiers.

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, Runtime};
use serde_json::json;

use super::Stack;
use crate::support::zip_of;

const BIG: &str = r#"
def handler(event, context):
    if event.get("big"):
        return "x" * 7_000_000
    return {"ok": True}
"#;

fn python_zip(app: &str) -> Vec<u8> {
    zip_of(&[("app.py", 0o644, app.as_bytes())])
}

async fn create(s: &Stack, name: &str, runtime: Runtime) -> Result<(), String> {
    s.lambda
        .create_function()
        .function_name(name)
        .runtime(runtime)
        .handler("app.handler")
        .role("arn:aws:iam::000000000000:role/r")
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(python_zip(BIG)))
                .build(),
        )
        .send()
        .await
        .map(|_| ())
        .map_err(|e| {
            let e = e.into_service_error();
            format!(
                "{}: {}",
                e.meta().code().unwrap_or(""),
                e.meta().message().unwrap_or("")
            )
        })
}

/// A response over Lambda's 6 MB limit: `Function.ResponseSizeTooLarge`, flagged Unhandled, with
/// AWS's message; the environment stays usable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_response_over_6_mb_is_function_response_size_too_large() {
    let s = Stack::start(None).await;
    create(&s, "big", Runtime::Python312).await.unwrap();
    let out = s
        .lambda
        .invoke()
        .function_name("big")
        .payload(Blob::new(json!({"big": true}).to_string()))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status_code(), 200);
    assert_eq!(out.function_error(), Some("Unhandled"));
    let doc: serde_json::Value = serde_json::from_slice(out.payload().unwrap().as_ref()).unwrap();
    assert_eq!(
        doc,
        json!({
            "errorMessage": "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
            "errorType": "Function.ResponseSizeTooLarge"
        })
    );
    let small = s
        .lambda
        .invoke()
        .function_name("big")
        .payload(Blob::new("{}"))
        .send()
        .await
        .unwrap();
    assert_eq!(small.function_error(), None);
    assert_eq!(small.payload().unwrap().as_ref(), br#"{"ok": true}"#);
    s.server.shutdown().await;
}

/// Unknown runtimes are refused with AWS's enum message; deprecated ones with AWS's deprecation
/// message, for new functions and updates alike.
#[tokio::test]
async fn unknown_and_deprecated_runtimes_are_refused() {
    let s = Stack::start(None).await;
    let unknown = create(&s, "f1", Runtime::from("non-existent-runtime"))
        .await
        .unwrap_err();
    assert!(
        unknown.starts_with(
            "InvalidParameterValueException: Value non-existent-runtime at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [nodejs20.x, python3.14, provided.al2023,"
        ),
        "{unknown}"
    );
    assert!(unknown.ends_with("] or be a valid ARN"), "{unknown}");
    for old in ["python3.7", "nodejs14.x", "go1.x", "provided", "java8"] {
        let refused = create(&s, "f2", Runtime::from(old)).await.unwrap_err();
        assert_eq!(
            refused,
            format!(
                "InvalidParameterValueException: The runtime parameter of {old} is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions."
            )
        );
    }
    create(&s, "f3", Runtime::Python312).await.unwrap();
    let update = s
        .lambda
        .update_function_configuration()
        .function_name("f3")
        .runtime(Runtime::from("python3.7"))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(update.meta().code(), Some("InvalidParameterValueException"));
    s.server.shutdown().await;
}

/// Malformed function names and qualifiers: ValidationException with AWS's message, before any
/// lookup; a name that is merely too long or an unknown lowercase `$latest` is simply not found.
#[tokio::test]
async fn malformed_names_and_qualifiers_are_validation_exceptions() {
    let s = Stack::start(None).await;
    const READ: &str = r"(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?";
    for name in [
        "*",
        "my-function!",
        "invalid-account:function:my-function",
        "arn:aws:lambda:invalid-region:000000000000:function:my-function",
        "arn:aws:ec2:us-east-1:000000000000:instance:i-1234567890abcdef0",
        "arn:aws:lambda::000000000000:function:my-function",
        "arn:aws:lambda:us-east-1::function:my-function",
        "arn:aws:lambda:us-east-1:000000000000:function:my-function:1:2",
        "function:my-function:$LATEST:extra",
        "arn:aws:lambda:us-east-1:000000000000:function:my-function:$LATES",
    ] {
        let e = s
            .lambda
            .get_function()
            .function_name(name)
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        assert_eq!(e.meta().code(), Some("ValidationException"), "{name}");
        assert_eq!(
            e.meta().message().unwrap(),
            format!(
                "1 validation error detected: Value '{name}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: {READ}"
            ),
            "{name}"
        );
        let e = s
            .lambda
            .invoke()
            .function_name(name)
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        assert_eq!(e.meta().code(), Some("ValidationException"), "{name}");
    }
    let e = s
        .lambda
        .get_function()
        .function_name("my-function")
        .qualifier("invalid!")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(
        e.meta().message().unwrap(),
        r"1 validation error detected: Value 'invalid!' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: \$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9-_$]+"
    );
    let long = "a".repeat(129);
    let e = s
        .lambda
        .delete_function()
        .function_name("my-function")
        .qualifier(&long)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(
        e.meta().message().unwrap(),
        format!(
            "1 validation error detected: Value '{long}' at 'qualifier' failed to satisfy constraint: Member must have length less than or equal to 128"
        )
    );
    let e = s
        .lambda
        .get_function()
        .function_name("arn:aws:lambda:us-east-1:000000000000:function:my-function:$LATEST")
        .qualifier("1")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(e.meta().code(), Some("InvalidParameterValueException"));
    assert_eq!(
        e.meta().message(),
        Some(
            "The derived qualifier from the function name does not match the specified qualifier."
        )
    );
    // Not malformed: simply not found.
    for (name, qualifier, arn) in [
        ("a".repeat(65), None, format!("function:{}", "a".repeat(65))),
        (
            "my-function".to_owned(),
            Some("$latest"),
            "function:my-function:$latest".to_owned(),
        ),
        (
            "arn:aws:lambda:us-east-1:000000000000:function".to_owned(),
            None,
            "function:function".to_owned(),
        ),
    ] {
        let e = s
            .lambda
            .get_function()
            .function_name(&name)
            .set_qualifier(qualifier.map(ToOwned::to_owned))
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        assert!(e.is_resource_not_found_exception(), "{name}");
        assert_eq!(
            e.meta().message().unwrap(),
            format!("Function not found: arn:aws:lambda:us-east-1:000000000000:{arn}")
        );
    }
    // CreateFunction: its own pattern, and the 64-character limit of a plain name.
    let e = create(&s, "my-function!", Runtime::Python312)
        .await
        .unwrap_err();
    assert_eq!(
        e,
        r"ValidationException: 1 validation error detected: Value 'my-function!' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?"
    );
    let e = create(&s, &"a".repeat(65), Runtime::Python312)
        .await
        .unwrap_err();
    assert_eq!(
        e,
        format!(
            "InvalidParameterValueException: 1 validation error detected: Value '{}' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 64",
            "a".repeat(65)
        )
    );
    s.server.shutdown().await;
}

/// More of Lambda's refusals as AWS records them (test_lambda_api.py's TestLambdaFunction,
/// TestRuntimeValidation snapshots): runtime errors carry the lowercase `message` member and
/// `Type: User`; a malformed role or architecture list is a ValidationException; an ARN of another
/// region is out of reach; DeleteFunction refuses `$LATEST` and deletes a missing version without
/// complaint; a missing function read or invoked through `$LATEST` is named with it;
/// GetFunctionEventInvokeConfig names the qualifier without looking the function up.
#[tokio::test]
async fn refusals_carry_awss_codes_members_and_messages() {
    let s = Stack::start(None).await;
    let endpoint = s.server.endpoint_url();
    let raw = s
        .http
        .post(format!("{endpoint}/2015-03-31/functions"))
        .json(&json!({
            "FunctionName": "old",
            "Runtime": "python3.7",
            "Role": "arn:aws:iam::000000000000:role/r",
            "Handler": "app.handler",
            "Code": {"ZipFile": "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 400);
    let body: serde_json::Value = raw.json().await.unwrap();
    assert_eq!(body["Type"], "User");
    assert_eq!(
        body["message"],
        "The runtime parameter of python3.7 is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions."
    );

    let bad_role = s
        .lambda
        .create_function()
        .function_name("f")
        .runtime(Runtime::Python312)
        .handler("app.handler")
        .role("r1")
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(python_zip(BIG)))
                .build(),
        )
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(bad_role.meta().code(), Some("ValidationException"));
    assert_eq!(
        bad_role.meta().message(),
        Some(
            r"1 validation error detected: Value 'r1' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+"
        )
    );
    let two = s
        .lambda
        .create_function()
        .function_name("f")
        .runtime(Runtime::Python312)
        .handler("app.handler")
        .role("arn:aws:iam::000000000000:role/r")
        .architectures("x86_64".into())
        .architectures("arm64".into())
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(python_zip(BIG)))
                .build(),
        )
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(
        two.meta().message(),
        Some(
            "1 validation error detected: Value '[x86_64, arm64]' at 'architectures' failed to satisfy constraint: Member must have length less than or equal to 1"
        )
    );

    create(&s, "f", Runtime::Python312).await.unwrap();
    let far = s
        .lambda
        .get_function()
        .function_name("arn:aws:lambda:eu-central-1:000000000000:function:f")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(far.is_resource_not_found_exception());
    assert_eq!(
        far.meta().message(),
        Some("Functions from 'eu-central-1' are not reachable in this region ('us-east-1')")
    );
    let no_config = s
        .lambda
        .get_function_event_invoke_config()
        .function_name("missing")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(
        no_config.meta().message(),
        Some(
            "The function arn:aws:lambda:us-east-1:000000000000:function:missing:$LATEST doesn't have an EventInvokeConfig"
        )
    );
    let latest = s
        .lambda
        .get_function()
        .function_name("arn:aws:lambda:us-east-1:000000000000:function:missing:$LATEST")
        .qualifier("$LATEST")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(
        latest.meta().message(),
        Some("Function not found: arn:aws:lambda:us-east-1:000000000000:function:missing:$LATEST")
    );
    let invoked = s
        .lambda
        .invoke()
        .function_name("missing")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(
        invoked.meta().message(),
        Some("Function not found: arn:aws:lambda:us-east-1:000000000000:function:missing:$LATEST")
    );
    let delete_latest = s
        .lambda
        .delete_function()
        .function_name("f")
        .qualifier("$LATEST")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(
        delete_latest.meta().code(),
        Some("InvalidParameterValueException")
    );
    assert_eq!(
        delete_latest.meta().message(),
        Some("$LATEST version cannot be deleted without deleting the function.")
    );
    for _ in 0..2 {
        s.lambda
            .delete_function()
            .function_name("f")
            .qualifier("1233")
            .send()
            .await
            .unwrap();
    }
    s.lambda
        .delete_function()
        .function_name("f")
        .send()
        .await
        .unwrap();
    let gone = s
        .lambda
        .delete_function()
        .function_name("f")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(gone.is_resource_not_found_exception());
    s.server.shutdown().await;
}

/// Tags and limits as AWS records them (TestLambdaTags, TestLambdaSizeLimits, TestLambdaRevisions):
/// a version's or alias's ARN cannot be tagged, at most 50 tags, an empty TagResource or
/// UntagResource is refused; tagging gives the function a new RevisionId; an environment over 4 KB
/// is refused with the string Lambda measured; a stale RevisionId is refused with the lowercase
/// `message` member.
#[tokio::test]
async fn tags_limits_and_revisions_are_refused_as_aws_records() {
    let s = Stack::start(None).await;
    create(&s, "f", Runtime::Python312).await.unwrap();
    let arn = "arn:aws:lambda:us-east-1:000000000000:function:f";
    let before = s
        .lambda
        .get_function_configuration()
        .function_name("f")
        .send()
        .await
        .unwrap();
    s.lambda
        .tag_resource()
        .resource(arn)
        .tags("a", "1")
        .send()
        .await
        .unwrap();
    let after = s
        .lambda
        .get_function_configuration()
        .function_name("f")
        .send()
        .await
        .unwrap();
    assert_ne!(before.revision_id(), after.revision_id());
    for qualified in [format!("{arn}:$LATEST"), format!("{arn}:1")] {
        let e = s
            .lambda
            .tag_resource()
            .resource(qualified)
            .tags("a", "1")
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        assert_eq!(e.meta().code(), Some("InvalidParameterValueException"));
        assert_eq!(
            e.meta().message(),
            Some(
                "Tags on function aliases and versions are not supported. Please specify a function ARN."
            )
        );
    }
    let mut many = s.lambda.tag_resource().resource(arn);
    for i in 0..50 {
        many = many.tags(format!("k{i}"), "v");
    }
    let e = many.send().await.unwrap_err().into_service_error();
    assert_eq!(
        e.meta().message(),
        Some("Number of tags exceeds resource tag limit.")
    );

    let large = "x".repeat(4097 - r#"{"LARGE_VAR":""}"#.len());
    let e = s
        .lambda
        .update_function_configuration()
        .function_name("f")
        .environment(
            aws_sdk_lambda::types::Environment::builder()
                .variables("LARGE_VAR", &large)
                .build(),
        )
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(e.meta().code(), Some("InvalidParameterValueException"));
    assert_eq!(
        e.meta().message(),
        Some(
            format!(
                "Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: {{\"LARGE_VAR\":\"{large}\"}}"
            )
            .as_str()
        )
    );

    let stale = s
        .http
        .put(format!(
            "{}/2015-03-31/functions/f/configuration",
            s.server.endpoint_url()
        ))
        .json(&json!({"Description": "d", "RevisionId": before.revision_id().unwrap()}))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 412);
    let body: serde_json::Value = stale.json().await.unwrap();
    assert_eq!(
        body["message"],
        "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id"
    );
    s.server.shutdown().await;
}
