//! CloudWatch Logs' resource policies (PutResourcePolicy, DescribeResourcePolicies,
//! DeleteResourcePolicy): account-level documents by name, at most 10 per region, with the answers
//! and refusals of AWS's recorded `TestResourcePolicies` snapshots. They are stored, not enforced
//! (the local stack does not check who may write to a log group).

use super::model::{Logs, ResourcePolicy};
use super::ops::{Result, check_limit};
use super::wire::{
    DeletePolicyIn, DescribePoliciesIn, DescribePoliciesOut, Empty, PutPolicyIn, PutPolicyOut,
    ResourcePolicyOut,
};
use crate::local::common::AwsJsonError;
use crate::local::store::log_group_key;

fn out(name: &str, p: &ResourcePolicy, document: String) -> ResourcePolicyOut {
    ResourcePolicyOut {
        policy_name: name.to_owned(),
        policy_document: document,
        last_updated_time: p.last_updated,
        policy_scope: "ACCOUNT",
    }
}

/// The document as DescribeResourcePolicies gives it back: PutResourcePolicy answers it as given,
/// but AWS's recorded describe answers show it normalised, a one-element list of principals
/// (`"Service": ["route53.amazonaws.com"]`) as that one principal and a missing `Version` as
/// `2008-10-17`. A document that is not a JSON object is given back as it was put.
fn as_described(document: &str) -> String {
    let Ok(serde_json::Value::Object(mut doc)) = serde_json::from_str(document) else {
        return document.to_owned();
    };
    doc.entry("Version")
        .or_insert_with(|| serde_json::Value::from("2008-10-17"));
    if let Some(serde_json::Value::Array(statements)) = doc.get_mut("Statement") {
        for statement in statements {
            if let Some(serde_json::Value::Object(principal)) = statement.get_mut("Principal") {
                for value in principal.values_mut() {
                    if let serde_json::Value::Array(list) = value
                        && list.len() == 1
                    {
                        *value = list.remove(0);
                    }
                }
            }
        }
    }
    serde_json::Value::Object(doc).to_string()
}

fn required(value: Option<String>, member: &str) -> Result<String> {
    value.filter(|v| !v.is_empty()).ok_or_else(|| {
        AwsJsonError::invalid(format!(
            "1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"
        ))
    })
}

pub(super) fn put_resource_policy(
    logs: &Logs,
    region: &str,
    input: PutPolicyIn,
) -> Result<PutPolicyOut> {
    let name = required(input.policy_name, "policyName")?;
    let document = required(input.policy_document, "policyDocument")?;
    let policy = logs.put_policy(
        &log_group_key(region, ""),
        &log_group_key(region, &name),
        &document,
    )?;
    Ok(PutPolicyOut {
        resource_policy: out(&name, &policy, document),
    })
}

pub(super) fn delete_resource_policy(
    logs: &Logs,
    region: &str,
    input: DeletePolicyIn,
) -> Result<Empty> {
    let name = required(input.policy_name, "policyName")?;
    if !logs.delete_policy(&log_group_key(region, &name))? {
        return Err(AwsJsonError::not_found(format!(
            "Policy with name [{name}] does not exist."
        )));
    }
    Ok(Empty {})
}

pub(super) fn describe_resource_policies(
    logs: &Logs,
    region: &str,
    input: DescribePoliciesIn,
) -> Result<DescribePoliciesOut> {
    let limit = check_limit(input.limit, 50, 50)?;
    let skip = match input.next_token.as_deref() {
        None => 0,
        Some(t) => t
            .parse::<usize>()
            .map_err(|_| AwsJsonError::invalid("The specified nextToken is invalid."))?,
    };
    let prefix = log_group_key(region, "");
    let all: Vec<ResourcePolicyOut> = logs.with_state(|s| {
        s.policies
            .iter()
            .filter_map(|(k, p)| Some(out(k.strip_prefix(&prefix)?, p, as_described(&p.document))))
            .collect()
    });
    let next_token = (all.len() > skip + limit).then(|| (skip + limit).to_string());
    Ok(DescribePoliciesOut {
        resource_policies: all.into_iter().skip(skip).take(limit).collect(),
        next_token,
    })
}

#[cfg(test)]
mod tests {
    use super::as_described;

    #[test]
    fn described_documents_are_normalised_as_aws_records_them() {
        let given = r#"{"Statement":[{"Action":"logs:*","Effect":"Allow","Principal":{"Service":["route53.amazonaws.com"]},"Resource":"*"}]}"#;
        let described: serde_json::Value = serde_json::from_str(&as_described(given)).unwrap();
        assert_eq!(
            described,
            serde_json::json!({"Version": "2008-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"Service": "route53.amazonaws.com"}, "Action": "logs:*", "Resource": "*"}]})
        );
        let two = r#"{"Version":"2012-10-17","Statement":[{"Principal":{"Service":["a","b"]}}]}"#;
        let described: serde_json::Value = serde_json::from_str(&as_described(two)).unwrap();
        assert_eq!(
            described["Statement"][0]["Principal"]["Service"],
            serde_json::json!(["a", "b"])
        );
        assert_eq!(described["Version"], "2012-10-17");
        assert_eq!(as_described("not json"), "not json");
    }
}
