//! IAM operations on the state: each validates first and mutates only when it will succeed.

use axum::http::StatusCode;
use axum::response::Response;
use rand::Rng;

use super::XMLNS;
use super::model::{
    IamState, ManagedPolicy, PolicyVersion, Role, Tag, is_aws_managed, merge_tags, policy_arn,
};
use super::wire::*;
use crate::local::common::query::{QueryError, QueryReq, timestamp};

type Result<T, E = QueryError> = std::result::Result<T, E>;

/// IAM's limit on versions of one managed policy.
const MAX_POLICY_VERSIONS: usize = 5;

fn no_such_entity(message: String) -> QueryError {
    QueryError::new(StatusCode::NOT_FOUND, "NoSuchEntity", message)
}

fn already_exists(message: String) -> QueryError {
    QueryError::new(StatusCode::CONFLICT, "EntityAlreadyExists", message)
}

fn delete_conflict(message: &str) -> QueryError {
    QueryError::new(StatusCode::CONFLICT, "DeleteConflict", message)
}

fn malformed(message: &str) -> QueryError {
    QueryError::new(StatusCode::BAD_REQUEST, "MalformedPolicyDocument", message)
}

/// IAM ids: a four-letter prefix naming the kind, then 17 upper-case alphanumerics.
fn iam_id(prefix: &str) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut rng = rand::thread_rng();
    let tail: String = (0..17)
        .map(|_| CHARS[rng.gen_range(0..CHARS.len())] as char)
        .collect();
    format!("{prefix}{tail}")
}

fn check_name(kind: &str, name: &str, max: usize) -> Result<()> {
    let valid = !name.is_empty()
        && name.len() <= max
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
    if valid {
        Ok(())
    } else {
        Err(QueryError::validation(format!(
            "1 validation error detected: Value '{name}' at '{kind}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+ and have length between 1 and {max}"
        )))
    }
}

fn check_path(path: Option<&str>) -> Result<String> {
    let path = path.unwrap_or("/");
    if path.starts_with('/') && path.ends_with('/') && path.len() <= 512 {
        Ok(path.to_owned())
    } else {
        Err(QueryError::validation(format!(
            "The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters: {path}"
        )))
    }
}

/// Policies are stored, not evaluated; but a document must at least be JSON, as IAM checks.
fn check_document(doc: &str) -> Result<()> {
    match serde_json::from_str::<serde_json::Value>(doc) {
        Ok(serde_json::Value::Object(_)) => Ok(()),
        _ => Err(malformed("Syntax errors in policy.")),
    }
}

/// One page of a list: `MaxItems` (default 100) from `Marker` (an index).
fn page<T>(items: Vec<T>, q: &QueryReq) -> Result<(Vec<T>, bool, Option<String>)> {
    let max = match q.get("MaxItems") {
        Some(m) => m
            .parse::<usize>()
            .ok()
            .filter(|m| (1..=1000).contains(m))
            .ok_or_else(|| QueryError::validation(format!("Invalid MaxItems: {m}")))?,
        None => 100,
    };
    let start = match q.get("Marker") {
        Some(m) => m
            .parse::<usize>()
            .map_err(|_| QueryError::validation(format!("Invalid Marker: {m}")))?,
        None => 0,
    };
    let total = items.len();
    let end = (start + max).min(total);
    let truncated = end < total;
    let items = items
        .into_iter()
        .skip(start)
        .take(end.saturating_sub(start))
        .collect();
    Ok((items, truncated, truncated.then(|| end.to_string())))
}

fn role<'a>(state: &'a IamState, name: &str) -> Result<&'a Role> {
    state
        .roles
        .get(name)
        .ok_or_else(|| no_such_entity(format!("The role with name {name} cannot be found.")))
}

fn role_mut<'a>(state: &'a mut IamState, name: &str) -> Result<&'a mut Role> {
    state
        .roles
        .get_mut(name)
        .ok_or_else(|| no_such_entity(format!("The role with name {name} cannot be found.")))
}

fn policy<'a>(state: &'a IamState, arn: &str) -> Result<&'a ManagedPolicy> {
    state
        .policies
        .get(arn)
        .ok_or_else(|| no_such_entity(format!("Policy {arn} was not found.")))
}

fn policy_mut<'a>(state: &'a mut IamState, arn: &str) -> Result<&'a mut ManagedPolicy> {
    state
        .policies
        .get_mut(arn)
        .ok_or_else(|| no_such_entity(format!("Policy {arn} was not found.")))
}

fn attachments(state: &IamState, arn: &str) -> usize {
    state
        .roles
        .values()
        .filter(|r| r.attached.iter().any(|a| a == arn))
        .count()
}

fn boundaries(state: &IamState, arn: &str) -> usize {
    state
        .roles
        .values()
        .filter(|r| r.permissions_boundary.as_deref() == Some(arn))
        .count()
}

fn policy_out(state: &IamState, p: &ManagedPolicy, full: bool, partition: &str) -> PolicyOut {
    let arn = p.arn(partition);
    PolicyOut::new(
        p,
        attachments(state, &arn),
        boundaries(state, &arn),
        full,
        partition,
    )
}

fn done(q: &QueryReq) -> Response {
    q.respond::<()>(XMLNS, None)
}

// ---- roles

pub fn create_role(state: &mut IamState, q: &QueryReq) -> Result<Response> {
    let input: CreateRoleIn = q.input()?;
    check_name("roleName", &input.role_name, 64)?;
    let path = check_path(input.path.as_deref())?;
    check_document(&input.assume_role_policy_document)?;
    let max_session_duration = input.max_session_duration.unwrap_or(3600);
    if !(3600..=43200).contains(&max_session_duration) {
        return Err(QueryError::validation(format!(
            "1 validation error detected: Value '{max_session_duration}' at 'maxSessionDuration' failed to satisfy constraint: Member must have value between 3600 and 43200"
        )));
    }
    if state.roles.contains_key(&input.role_name) {
        return Err(already_exists(format!(
            "Role with name {} already exists.",
            input.role_name
        )));
    }
    let mut tags = Vec::new();
    merge_tags(&mut tags, q.tags("Tags"));
    let role = Role {
        name: input.role_name.clone(),
        id: iam_id("AROA"),
        path,
        created: timestamp(),
        assume_role_policy: input.assume_role_policy_document,
        description: input.description.filter(|d| !d.is_empty()),
        max_session_duration,
        permissions_boundary: input.permissions_boundary,
        tags,
        inline_policies: Default::default(),
        attached: Vec::new(),
    };
    let out = RoleResult {
        role: RoleOut::new(&role, true, q.partition),
    };
    state.roles.insert(input.role_name, role);
    Ok(q.respond(XMLNS, Some(&out)))
}

pub fn get_role(state: &IamState, q: &QueryReq) -> Result<Response> {
    let r = role(state, q.required("RoleName")?)?;
    Ok(q.respond(
        XMLNS,
        Some(&RoleResult {
            role: RoleOut::new(r, true, q.partition),
        }),
    ))
}

pub fn list_roles(state: &IamState, q: &QueryReq) -> Result<Response> {
    let prefix = q.get("PathPrefix").unwrap_or("/");
    let roles: Vec<RoleOut> = state
        .roles
        .values()
        .filter(|r| r.path.starts_with(prefix))
        .map(|r| RoleOut::new(r, false, q.partition))
        .collect();
    let (roles, is_truncated, marker) = page(roles, q)?;
    Ok(q.respond(
        XMLNS,
        Some(&ListRolesResult {
            roles: roles.into(),
            is_truncated,
            marker,
        }),
    ))
}

pub fn delete_role(state: &mut IamState, q: &QueryReq) -> Result<Response> {
    let name = q.required("RoleName")?;
    let r = role(state, name)?;
    if !r.inline_policies.is_empty() {
        return Err(delete_conflict(
            "Cannot delete entity, must delete policies first.",
        ));
    }
    if !r.attached.is_empty() {
        return Err(delete_conflict(
            "Cannot delete entity, must detach all policies first.",
        ));
    }
    state.roles.remove(name);
    Ok(done(q))
}

pub fn update_role(state: &mut IamState, q: &QueryReq) -> Result<Response> {
    let max = match q.get("MaxSessionDuration") {
        Some(m) => Some(
            m.parse::<u32>()
                .ok()
                .filter(|m| (3600..=43200).contains(m))
                .ok_or_else(|| {
                    QueryError::validation(format!(
                        "1 validation error detected: Value '{m}' at 'maxSessionDuration' failed to satisfy constraint: Member must have value between 3600 and 43200"
                    ))
                })?,
        ),
        None => None,
    };
    let r = role_mut(state, q.required("RoleName")?)?;
    if let Some(d) = q.get("Description") {
        r.description = Some(d.to_owned()).filter(|d| !d.is_empty());
    }
    if let Some(m) = max {
        r.max_session_duration = m;
    }
    Ok(done(q))
}

pub fn update_role_description(state: &mut IamState, q: &QueryReq) -> Result<Response> {
    let description = q.required("Description")?.to_owned();
    let r = role_mut(state, q.required("RoleName")?)?;
    r.description = Some(description).filter(|d| !d.is_empty());
    let out = RoleResult {
        role: RoleOut::new(r, true, q.partition),
    };
    Ok(q.respond(XMLNS, Some(&out)))
}

pub fn update_assume_role_policy(state: &mut IamState, q: &QueryReq) -> Result<Response> {
    let doc = q.required("PolicyDocument")?;
    check_document(doc)?;
    role_mut(state, q.required("RoleName")?)?.assume_role_policy = doc.to_owned();
    Ok(done(q))
}

pub fn put_role_permissions_boundary(state: &mut IamState, q: &QueryReq) -> Result<Response> {
    let arn = q.required("PermissionsBoundary")?.to_owned();
    role_mut(state, q.required("RoleName")?)?.permissions_boundary = Some(arn);
    Ok(done(q))
}

pub fn delete_role_permissions_boundary(state: &mut IamState, q: &QueryReq) -> Result<Response> {
    role_mut(state, q.required("RoleName")?)?.permissions_boundary = None;
    Ok(done(q))
}

/// TagRole and TagPolicy: the request's `Tags` merged into a resource's tags.
fn tag(tags: &mut Vec<Tag>, q: &QueryReq) -> Response {
    merge_tags(tags, q.tags("Tags"));
    done(q)
}

/// UntagRole and UntagPolicy: the request's `TagKeys` removed from a resource's tags.
fn untag(tags: &mut Vec<Tag>, q: &QueryReq) -> Response {
    let keys = q.members("TagKeys");
    tags.retain(|t| !keys.contains(&t.key));
    done(q)
}

/// ListRoleTags and ListPolicyTags: one page of a resource's tags.
fn list_tags(tags: &[Tag], q: &QueryReq) -> Result<Response> {
    let (tags, is_truncated, marker) = page(tags.to_vec(), q)?;
    Ok(q.respond(
        XMLNS,
        Some(&ListTagsResult {
            tags: tags_out(&tags),
            is_truncated,
            marker,
        }),
    ))
}

pub fn tag_role(state: &mut IamState, q: &QueryReq) -> Result<Response> {
    Ok(tag(&mut role_mut(state, q.required("RoleName")?)?.tags, q))
}

pub fn untag_role(state: &mut IamState, q: &QueryReq) -> Result<Response> {
    Ok(untag(
        &mut role_mut(state, q.required("RoleName")?)?.tags,
        q,
    ))
}

pub fn list_role_tags(state: &IamState, q: &QueryReq) -> Result<Response> {
    list_tags(&role(state, q.required("RoleName")?)?.tags, q)
}

pub fn list_instance_profiles_for_role(state: &IamState, q: &QueryReq) -> Result<Response> {
    role(state, q.required("RoleName")?)?;
    Ok(q.respond(
        XMLNS,
        Some(&ListInstanceProfilesResult {
            instance_profiles: Vec::new().into(),
            is_truncated: false,
        }),
    ))
}

// ---- inline role policies

pub fn put_role_policy(state: &mut IamState, q: &QueryReq) -> Result<Response> {
    let name = q.required("PolicyName")?;
    check_name("policyName", name, 128)?;
    let doc = q.required("PolicyDocument")?;
    check_document(doc)?;
    role_mut(state, q.required("RoleName")?)?
        .inline_policies
        .insert(name.to_owned(), doc.to_owned());
    Ok(done(q))
}

pub fn get_role_policy(state: &IamState, q: &QueryReq) -> Result<Response> {
    let role_name = q.required("RoleName")?;
    let name = q.required("PolicyName")?;
    let doc = role(state, role_name)?
        .inline_policies
        .get(name)
        .ok_or_else(|| {
            no_such_entity(format!("The role policy with name {name} cannot be found."))
        })?;
    Ok(q.respond(
        XMLNS,
        Some(&RolePolicyResult {
            role_name: role_name.to_owned(),
            policy_name: name.to_owned(),
            policy_document: crate::local::common::query::url_encode(doc),
        }),
    ))
}

pub fn delete_role_policy(state: &mut IamState, q: &QueryReq) -> Result<Response> {
    let name = q.required("PolicyName")?;
    let r = role_mut(state, q.required("RoleName")?)?;
    if r.inline_policies.remove(name).is_none() {
        return Err(no_such_entity(format!(
            "The role policy with name {name} cannot be found."
        )));
    }
    Ok(done(q))
}

pub fn list_role_policies(state: &IamState, q: &QueryReq) -> Result<Response> {
    let names: Vec<String> = role(state, q.required("RoleName")?)?
        .inline_policies
        .keys()
        .cloned()
        .collect();
    let (names, is_truncated, marker) = page(names, q)?;
    Ok(q.respond(
        XMLNS,
        Some(&ListRolePoliciesResult {
            policy_names: names.into(),
            is_truncated,
            marker,
        }),
    ))
}

// ---- attachments

fn policy_name_of(arn: &str) -> String {
    arn.rsplit('/').next().unwrap_or(arn).to_owned()
}

pub fn attach_role_policy(state: &mut IamState, q: &QueryReq) -> Result<Response> {
    let arn = q.required("PolicyArn")?;
    let role_name = q.required("RoleName")?;
    role(state, role_name)?;
    if !is_aws_managed(arn) && !state.policies.contains_key(arn) {
        return Err(no_such_entity(format!(
            "Policy {arn} does not exist or is not attachable."
        )));
    }
    let r = role_mut(state, role_name)?;
    if !r.attached.iter().any(|a| a == arn) {
        r.attached.push(arn.to_owned());
    }
    Ok(done(q))
}

pub fn detach_role_policy(state: &mut IamState, q: &QueryReq) -> Result<Response> {
    let arn = q.required("PolicyArn")?;
    let r = role_mut(state, q.required("RoleName")?)?;
    let before = r.attached.len();
    r.attached.retain(|a| a != arn);
    if r.attached.len() == before {
        return Err(no_such_entity(format!("Policy {arn} was not found.")));
    }
    Ok(done(q))
}

pub fn list_attached_role_policies(state: &IamState, q: &QueryReq) -> Result<Response> {
    let prefix = q.get("PathPrefix").unwrap_or("/");
    let attached: Vec<AttachedPolicy> = role(state, q.required("RoleName")?)?
        .attached
        .iter()
        .filter(|arn| {
            state
                .policies
                .get(*arn)
                .is_none_or(|p| p.path.starts_with(prefix))
        })
        .map(|arn| AttachedPolicy {
            policy_name: state
                .policies
                .get(arn)
                .map_or_else(|| policy_name_of(arn), |p| p.name.clone()),
            policy_arn: arn.clone(),
        })
        .collect();
    let (attached, is_truncated, marker) = page(attached, q)?;
    Ok(q.respond(
        XMLNS,
        Some(&ListAttachedResult {
            attached_policies: attached.into(),
            is_truncated,
            marker,
        }),
    ))
}

pub fn list_entities_for_policy(state: &IamState, q: &QueryReq) -> Result<Response> {
    let arn = q.required("PolicyArn")?;
    if !is_aws_managed(arn) {
        policy(state, arn)?;
    }
    let roles: Vec<PolicyRole> = state
        .roles
        .values()
        .filter(|r| r.attached.iter().any(|a| a == arn))
        .map(|r| PolicyRole {
            role_name: r.name.clone(),
            role_id: r.id.clone(),
        })
        .collect();
    Ok(q.respond(
        XMLNS,
        Some(&ListEntitiesResult {
            policy_groups: Vec::new().into(),
            policy_users: Vec::new().into(),
            policy_roles: roles.into(),
            is_truncated: false,
        }),
    ))
}

// ---- managed policies

pub fn create_policy(state: &mut IamState, q: &QueryReq) -> Result<Response> {
    let input: CreatePolicyIn = q.input()?;
    check_name("policyName", &input.policy_name, 128)?;
    let path = check_path(input.path.as_deref())?;
    check_document(&input.policy_document)?;
    let arn = policy_arn(q.partition, &path, &input.policy_name);
    if state.policies.contains_key(&arn) {
        return Err(already_exists(format!(
            "A policy called {} already exists. Duplicate names are not allowed.",
            input.policy_name
        )));
    }
    let now = timestamp();
    let mut tags = Vec::new();
    merge_tags(&mut tags, q.tags("Tags"));
    let p = ManagedPolicy {
        name: input.policy_name,
        id: iam_id("ANPA"),
        path,
        description: input.description.filter(|d| !d.is_empty()),
        created: now.clone(),
        updated: now.clone(),
        default_version: "v1".into(),
        versions: vec![PolicyVersion {
            id: "v1".into(),
            document: input.policy_document,
            created: now,
        }],
        next_version: 2,
        tags,
    };
    let out = PolicyResult {
        policy: PolicyOut::new(&p, 0, 0, true, q.partition),
    };
    state.policies.insert(arn, p);
    Ok(q.respond(XMLNS, Some(&out)))
}

pub fn get_policy(state: &IamState, q: &QueryReq) -> Result<Response> {
    let p = policy(state, q.required("PolicyArn")?)?;
    Ok(q.respond(
        XMLNS,
        Some(&PolicyResult {
            policy: policy_out(state, p, true, q.partition),
        }),
    ))
}

pub fn list_policies(state: &IamState, q: &QueryReq) -> Result<Response> {
    // Only customer managed policies are stored; `Scope=AWS` lists none.
    let scope = q.get("Scope").unwrap_or("All");
    let prefix = q.get("PathPrefix").unwrap_or("/");
    let only_attached = q.get("OnlyAttached") == Some("true");
    let policies: Vec<PolicyOut> = state
        .policies
        .values()
        .filter(|_| scope != "AWS")
        .filter(|p| p.path.starts_with(prefix))
        .filter(|p| !only_attached || attachments(state, &p.arn(q.partition)) > 0)
        .map(|p| policy_out(state, p, false, q.partition))
        .collect();
    let (policies, is_truncated, marker) = page(policies, q)?;
    Ok(q.respond(
        XMLNS,
        Some(&ListPoliciesResult {
            policies: policies.into(),
            is_truncated,
            marker,
        }),
    ))
}

pub fn delete_policy(state: &mut IamState, q: &QueryReq) -> Result<Response> {
    let arn = q.required("PolicyArn")?;
    let p = policy(state, arn)?;
    if p.versions.len() > 1 {
        return Err(delete_conflict(
            "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
        ));
    }
    if attachments(state, arn) > 0 {
        return Err(delete_conflict(
            "Cannot delete a policy attached to entities.",
        ));
    }
    state.policies.remove(arn);
    Ok(done(q))
}

pub fn create_policy_version(state: &mut IamState, q: &QueryReq) -> Result<Response> {
    let doc = q.required("PolicyDocument")?.to_owned();
    check_document(&doc)?;
    let set_default = q.get("SetAsDefault") == Some("true");
    let p = policy_mut(state, q.required("PolicyArn")?)?;
    if p.versions.len() >= MAX_POLICY_VERSIONS {
        return Err(QueryError::new(
            StatusCode::CONFLICT,
            "LimitExceeded",
            format!(
                "A managed policy can have up to {MAX_POLICY_VERSIONS} versions. Before you create a new version, you must delete an existing version."
            ),
        ));
    }
    let now = timestamp();
    let v = PolicyVersion {
        id: format!("v{}", p.next_version),
        document: doc,
        created: now.clone(),
    };
    p.next_version += 1;
    if set_default {
        p.default_version = v.id.clone();
    }
    p.updated = now;
    let out = PolicyVersionResult {
        policy_version: PolicyVersionOut::new(&v, &p.default_version, false),
    };
    p.versions.push(v);
    Ok(q.respond(XMLNS, Some(&out)))
}

pub fn get_policy_version(state: &IamState, q: &QueryReq) -> Result<Response> {
    let arn = q.required("PolicyArn")?;
    let id = q.required("VersionId")?;
    let p = policy(state, arn)?;
    let v = p.versions.iter().find(|v| v.id == id).ok_or_else(|| {
        no_such_entity(format!(
            "Policy {arn} version {id} does not exist or is not attachable."
        ))
    })?;
    Ok(q.respond(
        XMLNS,
        Some(&PolicyVersionResult {
            policy_version: PolicyVersionOut::new(v, &p.default_version, true),
        }),
    ))
}

pub fn list_policy_versions(state: &IamState, q: &QueryReq) -> Result<Response> {
    let p = policy(state, q.required("PolicyArn")?)?;
    // Newest first, as IAM lists them.
    let versions: Vec<PolicyVersionOut> = p
        .versions
        .iter()
        .rev()
        .map(|v| PolicyVersionOut::new(v, &p.default_version, false))
        .collect();
    Ok(q.respond(
        XMLNS,
        Some(&ListPolicyVersionsResult {
            versions: versions.into(),
            is_truncated: false,
        }),
    ))
}

pub fn delete_policy_version(state: &mut IamState, q: &QueryReq) -> Result<Response> {
    let arn = q.required("PolicyArn")?;
    let id = q.required("VersionId")?;
    let p = policy_mut(state, arn)?;
    if p.default_version == id {
        return Err(delete_conflict(
            "Cannot delete the default version of a policy.",
        ));
    }
    let before = p.versions.len();
    p.versions.retain(|v| v.id != id);
    if p.versions.len() == before {
        return Err(no_such_entity(format!(
            "Policy {arn} version {id} does not exist or is not attachable."
        )));
    }
    Ok(done(q))
}

pub fn set_default_policy_version(state: &mut IamState, q: &QueryReq) -> Result<Response> {
    let arn = q.required("PolicyArn")?;
    let id = q.required("VersionId")?;
    let p = policy_mut(state, arn)?;
    if !p.versions.iter().any(|v| v.id == id) {
        return Err(no_such_entity(format!(
            "Policy {arn} version {id} does not exist or is not attachable."
        )));
    }
    p.default_version = id.to_owned();
    p.updated = timestamp();
    Ok(done(q))
}

pub fn tag_policy(state: &mut IamState, q: &QueryReq) -> Result<Response> {
    Ok(tag(
        &mut policy_mut(state, q.required("PolicyArn")?)?.tags,
        q,
    ))
}

pub fn untag_policy(state: &mut IamState, q: &QueryReq) -> Result<Response> {
    Ok(untag(
        &mut policy_mut(state, q.required("PolicyArn")?)?.tags,
        q,
    ))
}

pub fn list_policy_tags(state: &IamState, q: &QueryReq) -> Result<Response> {
    list_tags(&policy(state, q.required("PolicyArn")?)?.tags, q)
}

// ---- the caller

/// GetUser without a name answers the caller, the account's root, which is how SDKs and the
/// Terraform provider learn the account id; named users are not modelled.
pub fn get_user(q: &QueryReq) -> Result<Response> {
    if let Some(name) = q.get("UserName") {
        return Err(no_such_entity(format!(
            "The user with name {name} cannot be found."
        )));
    }
    Ok(q.respond(
        XMLNS,
        Some(&UserResult {
            user: UserOut {
                user_id: crate::local::account_id().to_owned(),
                arn: crate::local::sts::caller_arn(q.partition),
                create_date: "2020-01-01T00:00:00Z".to_owned(),
            },
        }),
    ))
}
