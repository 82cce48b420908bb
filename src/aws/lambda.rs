//! Lambda calls the stack engine makes: the function's configuration and resource policy, creating and
//! deleting the function, and the permission that lets API Gateway invoke it.

use std::time::Duration;

use aws_sdk_lambda::Client;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{Architecture, FunctionCode, Runtime};
use serde_json::Value;

use super::apigateway::MANAGED_TAG;
use super::{AwsError, ErrorKind};
use crate::model::{FunctionInfo, Health, PolicyStatement};

/// The function's configuration and tags (GetFunction); None when it does not exist.
pub async fn get_function(client: &Client, name: &str) -> Result<Option<FunctionInfo>, AwsError> {
    let out = match client.get_function().function_name(name).send().await {
        Ok(out) => out,
        Err(e) => {
            let err = AwsError::from_sdk("GetFunction", format!("function {name}"), e);
            return if err.is_not_found() {
                Ok(None)
            } else {
                Err(err)
            };
        }
    };
    let managed = out
        .tags()
        .is_some_and(|t| t.get(MANAGED_TAG.0).is_some_and(|v| v == MANAGED_TAG.1));
    let Some(c) = out.configuration() else {
        return Err(AwsError {
            kind: ErrorKind::Malformed,
            operation: "GetFunction",
            resource: format!("function {name}"),
            code: None,
            message: "the response has no Configuration".into(),
        });
    };
    Ok(Some(FunctionInfo {
        name: c.function_name().unwrap_or(name).to_owned(),
        arn: c.function_arn().unwrap_or_default().to_owned(),
        runtime: c.runtime().map(|r| r.as_str().to_owned()),
        handler: c.handler().map(ToOwned::to_owned),
        architecture: c.architectures().first().map(|a| a.as_str().to_owned()),
        memory_mb: c.memory_size(),
        timeout_s: c.timeout(),
        state: c.state().map(|s| s.as_str().to_owned()),
        state_reason: c.state_reason().map(ToOwned::to_owned),
        last_update_status: c.last_update_status().map(|s| s.as_str().to_owned()),
        last_update_reason: c.last_update_status_reason().map(ToOwned::to_owned),
        code_sha256: c.code_sha256().map(ToOwned::to_owned),
        code_size: c.code_size(),
        last_modified: c.last_modified().map(ToOwned::to_owned),
        role_arn: c.role().map(ToOwned::to_owned),
        managed,
        health: Health::Ok,
        notes: vec![],
    }))
}

/// The function's resource policy statements; None when it has no policy.
pub async fn get_policy(
    client: &Client,
    name: &str,
) -> Result<Option<Vec<PolicyStatement>>, AwsError> {
    match client.get_policy().function_name(name).send().await {
        Ok(out) => Ok(Some(parse_policy(out.policy().unwrap_or("{}")))),
        Err(e) => {
            let err = AwsError::from_sdk("GetPolicy", format!("function {name}"), e);
            if err.is_not_found() {
                Ok(None)
            } else {
                Err(err)
            }
        }
    }
}

/// A policy value that may be one string or a list of them, read whole.
fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(ToOwned::to_owned))
            .collect(),
        _ => vec![],
    }
}

/// The statements of a Lambda resource policy document, reduced to principal, action and SourceArn.
pub fn parse_policy(document: &str) -> Vec<PolicyStatement> {
    let Ok(doc) = serde_json::from_str::<Value>(document) else {
        return vec![];
    };
    let statements = match doc.get("Statement") {
        Some(Value::Array(a)) => a.clone(),
        Some(s @ Value::Object(_)) => vec![s.clone()],
        _ => vec![],
    };
    statements
        .iter()
        .map(|s| {
            let principals = match s.get("Principal") {
                Some(Value::String(p)) => vec![p.clone()],
                Some(Value::Object(o)) => {
                    let mut all = strings(o.get("Service"));
                    all.extend(strings(o.get("AWS")));
                    all
                }
                _ => vec![],
            };
            // Every condition operator (ArnLike, ArnEquals, StringLike, ...) naming AWS:SourceArn.
            let source_arns = s
                .get("Condition")
                .and_then(Value::as_object)
                .map(|c| {
                    c.values()
                        .filter_map(Value::as_object)
                        .flat_map(|o| {
                            o.iter()
                                .filter(|(k, _)| k.eq_ignore_ascii_case("AWS:SourceArn"))
                                .flat_map(|(_, v)| strings(Some(v)))
                        })
                        .collect()
                })
                .unwrap_or_default();
            PolicyStatement {
                sid: s.get("Sid").and_then(Value::as_str).map(ToOwned::to_owned),
                effect: s
                    .get("Effect")
                    .and_then(Value::as_str)
                    .unwrap_or("Allow")
                    .to_owned(),
                principals,
                actions: strings(s.get("Action")),
                source_arns,
            }
        })
        .collect()
}

/// What `up` needs to create the function.
#[derive(Debug, Clone)]
pub struct NewFunction<'a> {
    pub name: &'a str,
    pub role_arn: &'a str,
    pub runtime: &'a str,
    pub handler: &'a str,
    pub architecture: &'a str,
    pub memory_mb: i32,
    pub timeout_s: i32,
    pub log_group: &'a str,
    pub zip: Vec<u8>,
}

/// Creates the function from a zip, tagged as lambdeck's, and waits until it is Active.
///
/// When the call is retried after a connection dropped with the answer in flight (by the SDK, or by a
/// caller), Lambda answers the retry "Function already exist": if the function there is lambdeck's
/// and runs exactly this zip, it is the one the first attempt created, and that is success.
pub async fn create_function(client: &Client, f: NewFunction<'_>) -> Result<(), AwsError> {
    let resource = format!("function {}", f.name);
    let zip_sha256 = code_sha256(&f.zip);
    let zip_len = f.zip.len();
    let mut tries = 0;
    loop {
        tries += 1;
        let created = client
            .create_function()
            .function_name(f.name)
            .role(f.role_arn)
            .runtime(Runtime::from(f.runtime))
            .handler(f.handler)
            .architectures(Architecture::from(f.architecture))
            .memory_size(f.memory_mb)
            .timeout(f.timeout_s)
            .code(
                FunctionCode::builder()
                    .zip_file(Blob::new(f.zip.clone()))
                    .build(),
            )
            .logging_config(
                aws_sdk_lambda::types::LoggingConfig::builder()
                    .log_group(f.log_group)
                    .build(),
            )
            .tags(MANAGED_TAG.0, MANAGED_TAG.1)
            .customize()
            .config_override(super::lambda_code::upload_config(zip_len))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("CreateFunction", resource.clone(), e));
        match created {
            Ok(_) => break,
            // The SDK gave up on a lost connection: whether the function was created, the next try
            // tells.
            Err(e) if e.kind == ErrorKind::Unreachable && tries < 2 => {}
            Err(e) => {
                let already = e.code.as_deref() == Some("ResourceConflictException")
                    && e.message.contains("already exist");
                if already && is_our_creation(client, f.name, &zip_sha256).await {
                    break;
                }
                return Err(e);
            }
        }
    }
    use aws_sdk_lambda::client::Waiters;
    super::lambda_code::settle_briefly(client, f.name).await;
    client
        .wait_until_function_active_v2()
        .function_name(f.name)
        .wait(Duration::from_secs(120))
        .await
        .map_err(|e| waiter_error("GetFunction", &resource, e))?;
    Ok(())
}

/// Lambda's CodeSha256 of a zip: base64 of its SHA-256.
fn code_sha256(zip: &[u8]) -> String {
    use base64::Engine;
    use sha2::Digest;
    base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(zip))
}

/// True when the function exists, carries lambdeck's tag and runs the zip with this CodeSha256.
async fn is_our_creation(client: &Client, name: &str, code_sha256: &str) -> bool {
    match get_function(client, name).await {
        Ok(Some(info)) => info.managed && info.code_sha256.as_deref() == Some(code_sha256),
        _ => false,
    }
}

fn waiter_error<O, E>(
    operation: &'static str,
    resource: &str,
    err: aws_smithy_runtime_api::client::waiters::error::WaiterError<O, E>,
) -> AwsError
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata
        + std::error::Error
        + Send
        + Sync
        + 'static,
{
    use aws_smithy_runtime_api::client::waiters::error::WaiterError;
    match err {
        WaiterError::OperationFailed(failed) => {
            AwsError::from_sdk(operation, resource.to_owned(), failed.into_error())
        }
        WaiterError::ExceededMaxWait(_) => AwsError {
            kind: ErrorKind::Service,
            operation,
            resource: resource.to_owned(),
            code: None,
            message: "did not become Active in time".into(),
        },
        _ => AwsError {
            kind: ErrorKind::Service,
            operation,
            resource: resource.to_owned(),
            code: None,
            message: "the function reached a failed state".into(),
        },
    }
}

pub async fn delete_function(client: &Client, name: &str) -> Result<(), AwsError> {
    client
        .delete_function()
        .function_name(name)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("DeleteFunction", format!("function {name}"), e))?;
    Ok(())
}

/// Lets API Gateway invoke the function from any stage and method of this API.
pub async fn add_invoke_permission(
    client: &Client,
    name: &str,
    statement_id: &str,
    source_arn: &str,
) -> Result<(), AwsError> {
    client
        .add_permission()
        .function_name(name)
        .statement_id(statement_id)
        .action("lambda:InvokeFunction")
        .principal("apigateway.amazonaws.com")
        .source_arn(source_arn)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("AddPermission", format!("function {name}"), e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_reduce_to_principal_action_and_source_arn() {
        let doc = r#"{"Version":"2012-10-17","Id":"default","Statement":[{"Sid":"AllowAPIGatewayInvoke",
            "Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"},"Action":"lambda:InvokeFunction",
            "Resource":"arn:aws:lambda:us-east-1:000000000000:function:f",
            "Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:execute-api:us-east-1:000000000000:abc/*/*"}}},
            {"Sid":"x","Effect":"Allow","Principal":"*","Action":["lambda:InvokeFunction"]}]}"#;
        let s = parse_policy(doc);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].principals, ["apigateway.amazonaws.com"]);
        assert_eq!(s[0].actions, ["lambda:InvokeFunction"]);
        assert_eq!(
            s[0].source_arns,
            ["arn:aws:execute-api:us-east-1:000000000000:abc/*/*"]
        );
        assert_eq!(s[1].principals, ["*"]);
        assert!(s[1].source_arns.is_empty());
        assert!(parse_policy("not json").is_empty());
    }

    #[test]
    fn lists_of_actions_and_source_arns_are_read_whole() {
        let doc = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":["events.amazonaws.com","apigateway.amazonaws.com"]},
            "Action":["lambda:GetFunction","lambda:InvokeFunction"],
            "Condition":{"ArnLike":{"AWS:SourceArn":["arn:aws:execute-api:us-east-1:1:abc/*/GET/a","arn:aws:execute-api:us-east-1:1:abc/*/POST/b"]}}}]}"#;
        let s = parse_policy(doc);
        assert_eq!(s[0].actions.len(), 2);
        assert_eq!(s[0].source_arns.len(), 2);
        assert!(s[0].lets_api_gateway_invoke());
    }
}
