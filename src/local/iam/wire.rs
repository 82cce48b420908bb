//! IAM answer shapes as the Query protocol's XML renders them (`<member>` lists, URL-encoded policy
//! documents), and the flat inputs of the calls that have no lists.

use serde::{Deserialize, Serialize};

use super::model::{ManagedPolicy, PolicyVersion, Role, Tag};
use crate::local::common::query::{Members, url_encode};

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagOut {
    pub key: String,
    pub value: String,
}

pub fn tags_out(tags: &[Tag]) -> Members<TagOut> {
    tags.iter()
        .map(|t| TagOut {
            key: t.key.clone(),
            value: t.value.clone(),
        })
        .collect::<Vec<_>>()
        .into()
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Boundary {
    pub permissions_boundary_type: &'static str,
    pub permissions_boundary_arn: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RoleLastUsed {}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RoleOut {
    pub path: String,
    pub role_name: String,
    pub role_id: String,
    pub arn: String,
    pub create_date: String,
    pub assume_role_policy_document: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub max_session_duration: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<Boundary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Members<TagOut>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_last_used: Option<RoleLastUsed>,
}

impl RoleOut {
    /// `full`: GetRole's shape (tags and RoleLastUsed); list answers leave them out, as IAM does.
    /// `partition`: the caller's, which the ARN names.
    pub fn new(role: &Role, full: bool, partition: &str) -> Self {
        Self {
            path: role.path.clone(),
            role_name: role.name.clone(),
            role_id: role.id.clone(),
            arn: role.arn(partition),
            create_date: role.created.clone(),
            assume_role_policy_document: url_encode(&role.assume_role_policy),
            description: role.description.clone(),
            max_session_duration: role.max_session_duration,
            permissions_boundary: role.permissions_boundary.as_ref().map(|arn| Boundary {
                permissions_boundary_type: "Policy",
                permissions_boundary_arn: arn.clone(),
            }),
            tags: (full && !role.tags.is_empty()).then(|| tags_out(&role.tags)),
            role_last_used: full.then_some(RoleLastUsed {}),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RoleResult {
    pub role: RoleOut,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListRolesResult {
    pub roles: Members<RoleOut>,
    pub is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListTagsResult {
    pub tags: Members<TagOut>,
    pub is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListInstanceProfilesResult {
    pub instance_profiles: Members<String>,
    pub is_truncated: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListRolePoliciesResult {
    pub policy_names: Members<String>,
    pub is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RolePolicyResult {
    pub role_name: String,
    pub policy_name: String,
    pub policy_document: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttachedPolicy {
    pub policy_name: String,
    pub policy_arn: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListAttachedResult {
    pub attached_policies: Members<AttachedPolicy>,
    pub is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyOut {
    pub policy_name: String,
    pub policy_id: String,
    pub arn: String,
    pub path: String,
    pub default_version_id: String,
    pub attachment_count: usize,
    pub permissions_boundary_usage_count: usize,
    pub is_attachable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub create_date: String,
    pub update_date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Members<TagOut>>,
}

impl PolicyOut {
    pub fn new(
        p: &ManagedPolicy,
        attachments: usize,
        boundaries: usize,
        full: bool,
        partition: &str,
    ) -> Self {
        Self {
            policy_name: p.name.clone(),
            policy_id: p.id.clone(),
            arn: p.arn(partition),
            path: p.path.clone(),
            default_version_id: p.default_version.clone(),
            attachment_count: attachments,
            permissions_boundary_usage_count: boundaries,
            is_attachable: true,
            description: if full { p.description.clone() } else { None },
            create_date: p.created.clone(),
            update_date: p.updated.clone(),
            tags: (full && !p.tags.is_empty()).then(|| tags_out(&p.tags)),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyResult {
    pub policy: PolicyOut,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListPoliciesResult {
    pub policies: Members<PolicyOut>,
    pub is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyVersionOut {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    pub version_id: String,
    pub is_default_version: bool,
    pub create_date: String,
}

impl PolicyVersionOut {
    pub fn new(v: &PolicyVersion, default: &str, with_document: bool) -> Self {
        Self {
            document: with_document.then(|| url_encode(&v.document)),
            version_id: v.id.clone(),
            is_default_version: v.id == default,
            create_date: v.created.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyVersionResult {
    pub policy_version: PolicyVersionOut,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListPolicyVersionsResult {
    pub versions: Members<PolicyVersionOut>,
    pub is_truncated: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyRole {
    pub role_name: String,
    pub role_id: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListEntitiesResult {
    pub policy_groups: Members<String>,
    pub policy_users: Members<String>,
    pub policy_roles: Members<PolicyRole>,
    pub is_truncated: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserOut {
    pub user_id: String,
    pub arn: String,
    pub create_date: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserResult {
    pub user: UserOut,
}

/// CreateRole's scalar members (tags are read separately).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateRoleIn {
    pub role_name: String,
    pub assume_role_policy_document: String,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub max_session_duration: Option<u32>,
    #[serde(default)]
    pub permissions_boundary: Option<String>,
}

/// CreatePolicy's scalar members.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreatePolicyIn {
    pub policy_name: String,
    pub policy_document: String,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}
