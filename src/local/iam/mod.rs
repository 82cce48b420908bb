//! IAM (AWS Query protocol): roles, inline role policies, customer managed policies with versions,
//! attachments and tags, and GetUser for the caller, enough for the Terraform AWS provider and the
//! SDKs. Policies are stored and returned exactly as written, never evaluated: every call is allowed.

pub mod model;
pub mod ops;
pub mod wire;

use std::sync::Mutex;

use axum::response::Response;

use self::model::IamState;
use super::common::query::{QueryError, QueryReq};
use super::common::{Saver, ServiceRoute, lock};

/// How the router recognises IAM's requests: by the credential scope only (the Query protocol posts to `/`).
pub const ROUTE: ServiceRoute = ServiceRoute {
    name: "IAM",
    signing_name: "iam",
    target_prefix: None,
    path_prefixes: &[],
};

/// What IAM's handlers work with: its state and the saver.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub state: &'a Mutex<IamState>,
    pub saver: &'a dyn Saver,
}

/// The namespace of every IAM answer.
pub const XMLNS: &str = "https://iam.amazonaws.com/doc/2010-05-08/";

/// Serves one IAM request.
pub async fn handle(cx: Ctx<'_>, req: &super::common::Req) -> Response {
    let q = QueryReq::parse(req);
    let (result, changed) = {
        let mut state = lock(cx.state);
        let s = &mut *state;
        let read = |r| (r, false);
        let write = |r| (r, true);
        match q.action.as_str() {
            "CreateRole" => write(ops::create_role(s, &q)),
            "GetRole" => read(ops::get_role(s, &q)),
            "ListRoles" => read(ops::list_roles(s, &q)),
            "DeleteRole" => write(ops::delete_role(s, &q)),
            "UpdateRole" => write(ops::update_role(s, &q)),
            "UpdateRoleDescription" => write(ops::update_role_description(s, &q)),
            "UpdateAssumeRolePolicy" => write(ops::update_assume_role_policy(s, &q)),
            "PutRolePermissionsBoundary" => write(ops::put_role_permissions_boundary(s, &q)),
            "DeleteRolePermissionsBoundary" => write(ops::delete_role_permissions_boundary(s, &q)),
            "TagRole" => write(ops::tag_role(s, &q)),
            "UntagRole" => write(ops::untag_role(s, &q)),
            "ListRoleTags" => read(ops::list_role_tags(s, &q)),
            "ListInstanceProfilesForRole" => read(ops::list_instance_profiles_for_role(s, &q)),
            "PutRolePolicy" => write(ops::put_role_policy(s, &q)),
            "GetRolePolicy" => read(ops::get_role_policy(s, &q)),
            "DeleteRolePolicy" => write(ops::delete_role_policy(s, &q)),
            "ListRolePolicies" => read(ops::list_role_policies(s, &q)),
            "AttachRolePolicy" => write(ops::attach_role_policy(s, &q)),
            "DetachRolePolicy" => write(ops::detach_role_policy(s, &q)),
            "ListAttachedRolePolicies" => read(ops::list_attached_role_policies(s, &q)),
            "ListEntitiesForPolicy" => read(ops::list_entities_for_policy(s, &q)),
            "CreatePolicy" => write(ops::create_policy(s, &q)),
            "GetPolicy" => read(ops::get_policy(s, &q)),
            "ListPolicies" => read(ops::list_policies(s, &q)),
            "DeletePolicy" => write(ops::delete_policy(s, &q)),
            "CreatePolicyVersion" => write(ops::create_policy_version(s, &q)),
            "GetPolicyVersion" => read(ops::get_policy_version(s, &q)),
            "ListPolicyVersions" => read(ops::list_policy_versions(s, &q)),
            "DeletePolicyVersion" => write(ops::delete_policy_version(s, &q)),
            "SetDefaultPolicyVersion" => write(ops::set_default_policy_version(s, &q)),
            "TagPolicy" => write(ops::tag_policy(s, &q)),
            "UntagPolicy" => write(ops::untag_policy(s, &q)),
            "ListPolicyTags" => read(ops::list_policy_tags(s, &q)),
            "GetUser" => read(ops::get_user(&q)),
            other => read(Err(QueryError::unknown_operation("IAM", other))),
        }
    };
    match result {
        Ok(response) => {
            if changed && let Err(e) = cx.saver.save_control() {
                return QueryError::internal(e).respond(XMLNS, &q);
            }
            response
        }
        Err(e) => e.respond(XMLNS, &q),
    }
}
