//! Lambda resource policies: how a statement added by AddPermission is evaluated when a service
//! (API Gateway) invokes the function.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::wire::arn_like;

/// One statement AddPermission adds: allow `principal` to call `action` on the function.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Statement {
    pub sid: String,
    pub effect: &'static str,
    pub principal: Principal,
    pub action: String,
    pub resource: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub condition: BTreeMap<&'static str, BTreeMap<&'static str, String>>,
}

/// Who a statement allows: anyone, a service, or an account or role.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Principal {
    Anyone(&'static str),
    Service {
        #[serde(rename = "Service")]
        service: String,
    },
    Aws {
        #[serde(rename = "AWS")]
        aws: String,
    },
}

impl Principal {
    /// AddPermission's `Principal`: `*`, a service (`apigateway.amazonaws.com`), an account id (the
    /// account's root in the region's partition), or an ARN.
    pub fn parse(principal: &str, region: &str) -> Self {
        if principal == "*" {
            Self::Anyone("*")
        } else if principal.contains('.') {
            Self::Service {
                service: principal.to_owned(),
            }
        } else if principal.chars().all(|c| c.is_ascii_digit()) {
            Self::Aws {
                aws: format!(
                    "arn:{}:iam::{principal}:root",
                    crate::partition::of_region(region).id
                ),
            }
        } else {
            Self::Aws {
                aws: principal.to_owned(),
            }
        }
    }
}

/// The conditions AddPermission can attach.
#[derive(Debug, Clone, Default)]
pub struct Conditions {
    pub source_arn: Option<String>,
    pub source_account: Option<String>,
    pub principal_org_id: Option<String>,
    /// `NONE` or `AWS_IAM`, for `lambda:InvokeFunctionUrl`.
    pub function_url_auth_type: Option<String>,
    /// An Alexa skill's id.
    pub event_source_token: Option<String>,
    /// `InvokedViaFunctionUrl`: `lambda:InvokeFunction` only through the function's URL.
    pub invoked_via_function_url: bool,
}

impl Statement {
    pub fn allow(
        sid: String,
        principal: Principal,
        action: String,
        resource: String,
        conditions: &Conditions,
    ) -> Self {
        let mut condition = BTreeMap::new();
        if let Some(arn) = &conditions.source_arn {
            condition.insert("ArnLike", BTreeMap::from([("AWS:SourceArn", arn.clone())]));
        }
        let mut equals = BTreeMap::new();
        if let Some(account) = &conditions.source_account {
            equals.insert("AWS:SourceAccount", account.clone());
        }
        if let Some(org) = &conditions.principal_org_id {
            equals.insert("aws:PrincipalOrgID", org.clone());
        }
        if let Some(auth) = &conditions.function_url_auth_type {
            equals.insert("lambda:FunctionUrlAuthType", auth.clone());
        }
        if let Some(token) = &conditions.event_source_token {
            equals.insert("lambda:EventSourceToken", token.clone());
        }
        if !equals.is_empty() {
            condition.insert("StringEquals", equals);
        }
        if conditions.invoked_via_function_url {
            condition.insert(
                "Bool",
                BTreeMap::from([("lambda:InvokedViaFunctionUrl", "true".to_owned())]),
            );
        }
        Self {
            sid,
            effect: "Allow",
            principal,
            action,
            resource,
            condition,
        }
    }
}

/// A function's resource policy as GetPolicy returns it. Stored statements stay JSON values, so a
/// policy is read back whatever IAM grammar it was written in.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyDocument<'a> {
    pub version: &'static str,
    pub id: &'static str,
    pub statement: &'a [Value],
}

impl<'a> PolicyDocument<'a> {
    pub fn of(statements: &'a [Value]) -> Self {
        Self {
            version: "2012-10-17",
            id: "default",
            statement: statements,
        }
    }
}

fn one_or_many(v: &Value) -> Vec<&str> {
    match v {
        Value::String(s) => vec![s.as_str()],
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Whether a resource policy lets a service principal invoke the function from `source_arn`.
pub fn policy_allows(policy: &[Value], service: &str, source_arn: &str) -> bool {
    policy.iter().any(|s| {
        let allow = s["Effect"] == "Allow";
        let action = one_or_many(&s["Action"])
            .iter()
            .any(|a| matches!(*a, "lambda:InvokeFunction" | "lambda:*" | "*"));
        let principal = s["Principal"] == "*"
            || one_or_many(&s["Principal"]["Service"]).contains(&service)
            || s["Principal"]["AWS"] == "*";
        let cond = &s["Condition"];
        let arn_ok = ["ArnLike", "ArnEquals", "StringLike", "StringEquals"]
            .iter()
            .all(|op| {
                let c = &cond[*op]["AWS:SourceArn"];
                if c.is_null() {
                    return true;
                }
                one_or_many(c).iter().any(|p| {
                    if op.ends_with("Like") {
                        arn_like(p, source_arn)
                    } else {
                        *p == source_arn
                    }
                })
            });
        let account_ok = one_or_many(&cond["StringEquals"]["AWS:SourceAccount"])
            .iter()
            .all(|a| *a == crate::local::account_id());
        allow && action && principal && arn_ok && account_ok
    })
}

/// Whether a resource policy opens a function URL of auth type `NONE` to the public, as Lambda
/// requires since October 2025: a statement allowing anyone `lambda:InvokeFunctionUrl` (its
/// `lambda:FunctionUrlAuthType` condition, if any, `NONE`) and one allowing anyone
/// `lambda:InvokeFunction` (its `lambda:InvokedViaFunctionUrl` condition, if any, true), each on the
/// URL's `resource` (the function's ARN, qualified by the URL's alias).
pub fn url_policy_allows(policy: &[Value], resource: &str) -> bool {
    let grants = |wanted: &str| {
        policy.iter().any(|s| {
            let action = one_or_many(&s["Action"])
                .iter()
                .any(|a| *a == wanted || matches!(*a, "lambda:*" | "*"));
            let anyone = s["Principal"] == "*" || s["Principal"]["AWS"] == "*";
            let on = one_or_many(&s["Resource"])
                .iter()
                .any(|r| *r == resource || arn_like(r, resource));
            let cond = &s["Condition"];
            let auth_ok = one_or_many(&cond["StringEquals"]["lambda:FunctionUrlAuthType"])
                .iter()
                .all(|a| *a == "NONE");
            let via_ok = match &cond["Bool"]["lambda:InvokedViaFunctionUrl"] {
                Value::Null => true,
                v => v == "true" || v == true,
            };
            s["Effect"] == "Allow" && action && anyone && on && auth_ok && via_ok
        })
    };
    grants("lambda:InvokeFunctionUrl") && grants("lambda:InvokeFunction")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn conditions_are_written_as_aws_records_them() {
        let statement = Statement::allow(
            "urlPermission".into(),
            Principal::parse("*", "us-east-1"),
            "lambda:InvokeFunctionUrl".into(),
            "arn:aws:lambda:us-east-1:000000000000:function:f".into(),
            &Conditions {
                source_arn: Some("arn:aws:s3:::bucket".into()),
                source_account: Some("000000000000".into()),
                principal_org_id: Some("o-1234567890".into()),
                function_url_auth_type: Some("NONE".into()),
                event_source_token: Some("amzn1.ask.skill.x".into()),
                invoked_via_function_url: false,
            },
        );
        assert_eq!(
            serde_json::to_value(statement).unwrap()["Condition"],
            json!({
                "ArnLike": {"AWS:SourceArn": "arn:aws:s3:::bucket"},
                "StringEquals": {
                    "AWS:SourceAccount": "000000000000",
                    "aws:PrincipalOrgID": "o-1234567890",
                    "lambda:FunctionUrlAuthType": "NONE",
                    "lambda:EventSourceToken": "amzn1.ask.skill.x",
                }
            })
        );
    }

    #[test]
    fn policy_checks_principal_action_and_source_arn() {
        let statement = json!({
            "Sid": "apigw", "Effect": "Allow",
            "Principal": {"Service": "apigateway.amazonaws.com"},
            "Action": "lambda:InvokeFunction",
            "Resource": "arn:aws:lambda:us-east-1:000000000000:function:f",
            "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:execute-api:us-east-1:000000000000:abc/*/*"}}
        });
        let policy = vec![statement.clone()];
        let src = "arn:aws:execute-api:us-east-1:000000000000:abc/tf-test/GET/hello_world";
        assert!(policy_allows(&policy, "apigateway.amazonaws.com", src));
        assert!(!policy_allows(
            &policy,
            "apigateway.amazonaws.com",
            "arn:aws:execute-api:us-east-1:000000000000:other/tf-test/GET/x"
        ));
        assert!(!policy_allows(&policy, "s3.amazonaws.com", src));
        assert!(!policy_allows(&[], "apigateway.amazonaws.com", src));
        let mut other_action = statement;
        other_action["Action"] = json!("lambda:GetFunction");
        assert!(!policy_allows(
            &[other_action],
            "apigateway.amazonaws.com",
            src
        ));
    }

    #[test]
    fn a_public_function_url_needs_both_invoke_permissions() {
        let arn = "arn:aws:lambda:us-east-1:000000000000:function:f";
        let url = json!({
            "Sid": "url", "Effect": "Allow", "Principal": "*",
            "Action": "lambda:InvokeFunctionUrl", "Resource": arn,
            "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}
        });
        let invoke = json!({
            "Sid": "invoke", "Effect": "Allow", "Principal": "*",
            "Action": "lambda:InvokeFunction", "Resource": arn,
            "Condition": {"Bool": {"lambda:InvokedViaFunctionUrl": "true"}}
        });
        assert!(url_policy_allows(&[url.clone(), invoke.clone()], arn));
        assert!(!url_policy_allows(std::slice::from_ref(&url), arn));
        assert!(!url_policy_allows(std::slice::from_ref(&invoke), arn));
        // Another alias's statements do not open this URL.
        assert!(!url_policy_allows(
            &[url.clone(), invoke.clone()],
            &format!("{arn}:live")
        ));
        let mut iam_only = url;
        iam_only["Condition"]["StringEquals"]["lambda:FunctionUrlAuthType"] = json!("AWS_IAM");
        assert!(!url_policy_allows(&[iam_only, invoke], arn));
    }
}
