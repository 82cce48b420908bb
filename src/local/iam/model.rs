//! IAM's state: roles (with their inline and attached policies and tags) and customer managed
//! policies (with their versions and tags). Policies are stored and returned, never evaluated.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct IamState {
    /// By role name.
    #[serde(default)]
    pub roles: BTreeMap<String, Role>,
    /// Customer managed policies, by ARN.
    #[serde(default)]
    pub policies: BTreeMap<String, ManagedPolicy>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

/// Adds or overwrites tags, keeping the order in which keys were first set (as IAM lists them).
pub fn merge_tags(tags: &mut Vec<Tag>, new: Vec<(String, String)>) {
    for (key, value) in new {
        match tags.iter_mut().find(|t| t.key == key) {
            Some(t) => t.value = value,
            None => tags.push(Tag { key, value }),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Role {
    pub name: String,
    pub id: String,
    pub path: String,
    /// ISO 8601, as IAM renders it.
    pub created: String,
    /// The trust policy, as written.
    pub assume_role_policy: String,
    #[serde(default)]
    pub description: Option<String>,
    pub max_session_duration: u32,
    #[serde(default)]
    pub permissions_boundary: Option<String>,
    #[serde(default)]
    pub tags: Vec<Tag>,
    /// Inline policies: name -> document as written.
    #[serde(default)]
    pub inline_policies: BTreeMap<String, String>,
    /// ARNs of the attached managed policies, in attachment order.
    #[serde(default)]
    pub attached: Vec<String>,
}

impl Role {
    /// Its ARN in `partition` (IAM is global; the partition is the caller's).
    pub fn arn(&self, partition: &str) -> String {
        format!(
            "arn:{partition}:iam::{}:role{}{}",
            crate::local::account_id(),
            self.path,
            self.name
        )
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ManagedPolicy {
    pub name: String,
    pub id: String,
    pub path: String,
    #[serde(default)]
    pub description: Option<String>,
    pub created: String,
    pub updated: String,
    pub default_version: String,
    /// Oldest first.
    pub versions: Vec<PolicyVersion>,
    /// The number the next version gets (`v{n}`): numbers are never reused.
    pub next_version: u32,
    #[serde(default)]
    pub tags: Vec<Tag>,
}

impl ManagedPolicy {
    pub fn arn(&self, partition: &str) -> String {
        policy_arn(partition, &self.path, &self.name)
    }

    pub fn default_document(&self) -> Option<&PolicyVersion> {
        self.versions.iter().find(|v| v.id == self.default_version)
    }
}

pub fn policy_arn(partition: &str, path: &str, name: &str) -> String {
    format!(
        "arn:{partition}:iam::{}:policy{path}{name}",
        crate::local::account_id()
    )
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PolicyVersion {
    pub id: String,
    pub document: String,
    pub created: String,
}

/// AWS managed policies (`arn:aws:iam::aws:policy/...`, in any partition) exist in every account:
/// they may be attached without being created here.
pub fn is_aws_managed(arn: &str) -> bool {
    arn.strip_prefix("arn:")
        .and_then(|rest| rest.split_once(':'))
        .is_some_and(|(partition, rest)| {
            !partition.is_empty() && rest.starts_with("iam::aws:policy/")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_managed_policies_are_known_in_every_partition() {
        assert!(is_aws_managed(
            "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
        ));
        assert!(is_aws_managed("arn:aws-cn:iam::aws:policy/ReadOnlyAccess"));
        assert!(!is_aws_managed(&policy_arn("aws-cn", "/", "mine")));
        assert_eq!(
            policy_arn("aws-us-gov", "/", "p"),
            format!(
                "arn:aws-us-gov:iam::{}:policy/p",
                crate::local::account_id()
            )
        );
    }
}
