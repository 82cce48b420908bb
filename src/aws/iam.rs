//! IAM calls for the function's execution role: read it, create it with the tutorial's least-privilege
//! logging policy, delete it.

use aws_sdk_iam::Client;
use aws_sdk_iam::types::Tag;

use super::AwsError;
use super::apigateway::MANAGED_TAG;
use crate::model::{Health, RoleInfo};

/// The name of the inline policy `up` attaches to the role.
pub const LOGGING_POLICY: &str = "lambdeck-logging";

/// Lambda may assume the role.
pub const TRUST_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

/// The tutorial's logging policy: create log groups in the account and region, write streams and
/// events only to the function's own group.
pub fn logging_policy(region: &str, account: &str, log_group: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Action": "logs:CreateLogGroup",
                "Effect": "Allow",
                "Resource": format!("arn:aws:logs:{region}:{account}:*"),
            },
            {
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Effect": "Allow",
                "Resource": [format!("arn:aws:logs:{region}:{account}:log-group:{log_group}:*")],
            }
        ]
    })
    .to_string()
}

/// True when the endpoint does not serve IAM at all (lambdeck's local stack reached with
/// --endpoint-url): IAM names a missing entity `NoSuchEntity`, while such an endpoint answers any IAM
/// call with a bare 404.
pub fn is_no_iam(err: &AwsError) -> bool {
    err.is_not_found() && err.code.as_deref() != Some("NoSuchEntity")
}

/// The role with this name; None when it does not exist. An endpoint without IAM is an error that
/// `is_no_iam` recognises.
pub async fn get_role(client: &Client, name: &str) -> Result<Option<RoleInfo>, AwsError> {
    let out = match client.get_role().role_name(name).send().await {
        Ok(out) => out,
        Err(e) => {
            let err = AwsError::from_sdk("GetRole", format!("role {name}"), e);
            return if err.is_not_found() && !is_no_iam(&err) {
                Ok(None)
            } else {
                Err(err)
            };
        }
    };
    let Some(role) = out.role() else {
        return Ok(None);
    };
    // The trust policy comes URL-encoded; the service name survives encoding unchanged.
    let trusts_lambda = role
        .assume_role_policy_document()
        .map(|d| d.contains("lambda.amazonaws.com"));
    Ok(Some(RoleInfo {
        name: role.role_name().to_owned(),
        arn: role.arn().to_owned(),
        verified: true,
        trusts_lambda,
        managed: role
            .tags()
            .iter()
            .any(|t| t.key() == MANAGED_TAG.0 && t.value() == MANAGED_TAG.1),
        health: Health::Ok,
        notes: vec![],
    }))
}

/// Creates the role, tagged as lambdeck's, and attaches the logging policy. Returns its ARN.
pub async fn create_role(
    client: &Client,
    name: &str,
    region: &str,
    log_group: &str,
) -> Result<String, AwsError> {
    let resource = format!("role {name}");
    let tag = Tag::builder()
        .key(MANAGED_TAG.0)
        .value(MANAGED_TAG.1)
        .build()
        .map_err(|e| AwsError {
            kind: super::ErrorKind::Validation,
            operation: "CreateRole",
            resource: resource.clone(),
            code: None,
            message: e.to_string(),
        })?;
    let out = client
        .create_role()
        .role_name(name)
        .assume_role_policy_document(TRUST_POLICY)
        .description("Execution role for the function lambdeck manages")
        .tags(tag)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("CreateRole", resource.clone(), e))?;
    let arn = out.role().map(|r| r.arn().to_owned()).unwrap_or_default();
    let account = account_of(&arn).unwrap_or("*").to_owned();
    client
        .put_role_policy()
        .role_name(name)
        .policy_name(LOGGING_POLICY)
        .policy_document(logging_policy(region, &account, log_group))
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("PutRolePolicy", resource.clone(), e))?;
    Ok(arn)
}

/// Deletes the role and its inline logging policy.
pub async fn delete_role(client: &Client, name: &str) -> Result<(), AwsError> {
    let resource = format!("role {name}");
    if let Err(e) = client
        .delete_role_policy()
        .role_name(name)
        .policy_name(LOGGING_POLICY)
        .send()
        .await
    {
        let err = AwsError::from_sdk("DeleteRolePolicy", resource.clone(), e);
        if !err.is_not_found() {
            return Err(err);
        }
    }
    client
        .delete_role()
        .role_name(name)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("DeleteRole", resource, e))?;
    Ok(())
}

/// The account id inside an ARN (`arn:aws:{service}:{region}:{account}:...`).
pub fn account_of(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_logging_policy_is_least_privilege() {
        let doc: serde_json::Value =
            serde_json::from_str(&logging_policy("ap-northeast-1", "123", "/aws/lambda/f"))
                .unwrap();
        assert_eq!(doc["Statement"][0]["Action"], "logs:CreateLogGroup");
        assert_eq!(
            doc["Statement"][1]["Resource"][0],
            "arn:aws:logs:ap-northeast-1:123:log-group:/aws/lambda/f:*"
        );
        assert_eq!(
            account_of("arn:aws:iam::123456789012:role/r"),
            Some("123456789012")
        );
        assert_eq!(account_of("nope"), None);
    }
}
